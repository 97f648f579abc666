/* SPDX-License-Identifier: MIT */
/*
 * Dynamic quote offset of the maker_hedge strategy and the target prices it gives: pure
 * functions of the configuration, the analyzer's statistics and the touch. The offset is a
 * product of multipliers on a base tick count, rounded half up and bounded; prices are exact
 * int64 mantissa arithmetic with overflow checks (STYLE.md C.19), so a quote is always on the
 * tick grid of the touch it was derived from.
 */
#include "cexarb/risk.h"

#include "risk_int.h"

#include <math.h>

void cx_risk_offset_cfg_default(struct cx_risk_offset_cfg *cfg)
{
    cfg->base_offset_ticks = 2;
    cfg->max_offset_ticks = 15;
    cfg->vol_ratio_high = 1.2;
    cfg->vol_ratio_low = 0.8;
    cfg->vol_high_mult = 1.5;
    cfg->vol_low_mult = 0.8;
    cfg->emergency_mult = 1.3;
}

#define OFS_FAIL(key, range) CX__RISK_FAIL(err, "offset", key, range)

int cx_risk_offset_cfg_validate(const struct cx_risk_offset_cfg *cfg, struct cx_parse_err *err)
{
    if (cfg == NULL)
        return CX_EINVAL;
    if (!(cfg->base_offset_ticks >= 1 && cfg->base_offset_ticks <= 1000))
        return OFS_FAIL("base_offset_ticks", "[1, 1000]");
    if (!(cfg->max_offset_ticks >= cfg->base_offset_ticks && cfg->max_offset_ticks <= 10000))
        return OFS_FAIL("max_offset_ticks", "[offset.base_offset_ticks, 10000]");
    if (!(cfg->vol_ratio_high > 0.0 && cfg->vol_ratio_high <= 100.0))
        return OFS_FAIL("vol_ratio_high", "(0, 100]");
    if (!(cfg->vol_ratio_low > 0.0 && cfg->vol_ratio_low <= cfg->vol_ratio_high))
        return OFS_FAIL("vol_ratio_low", "(0, offset.vol_ratio_high]");
    if (!(cfg->vol_high_mult > 0.0 && cfg->vol_high_mult <= 10.0))
        return OFS_FAIL("vol_high_mult", "(0, 10]");
    if (!(cfg->vol_low_mult > 0.0 && cfg->vol_low_mult <= 10.0))
        return OFS_FAIL("vol_low_mult", "(0, 10]");
    if (!(cfg->emergency_mult > 0.0 && cfg->emergency_mult <= 10.0))
        return OFS_FAIL("emergency_mult", "(0, 10]");
    return 0;
}

/* A multiplier from the statistics: NaN or non-positive values carry no information -> 1. */
static inline double sane_mult(double m)
{
    return m > 0.0 && isfinite(m) ? m : 1.0;
}

int32_t cx_risk_offset_ticks(const struct cx_risk_offset_cfg *cfg,
                             const struct cx_signal_stats *st, double *out_raw_ticks)
{
    double m_vol = 1.0;
    if (st->vol_ratio > cfg->vol_ratio_high)
        m_vol = cfg->vol_high_mult;
    else if (st->vol_ratio < cfg->vol_ratio_low)
        m_vol = cfg->vol_low_mult;
    double m_emergency = st->has_spike ? cfg->emergency_mult : 1.0;
    double raw = (double)cfg->base_offset_ticks * m_vol * sane_mult(st->regime_mult) *
                 sane_mult(st->liquidity_mult) * m_emergency;
    if (out_raw_ticks != NULL)
        *out_raw_ticks = raw;
    /* Round half up; the 1e-9 tolerance is far below any meaningful fraction of a tick and
     * above the ~1e-15 relative error of a product of five doubles. raw <= 1000 x 10^4 here, so
     * the bound check happens in double before the conversion. */
    double r = floor(raw + 0.5 + 1e-9);
    if (!(r >= 1.0))
        return 1;
    if (r >= (double)cfg->max_offset_ticks)
        return cfg->max_offset_ticks;
    return (int32_t)r;
}

int cx_risk_quote_prices(int64_t best_bid_m, int64_t best_ask_m, int64_t tick_m,
                         int32_t offset_ticks, int64_t *out_buy_m, int64_t *out_sell_m)
{
    if (out_buy_m == NULL || out_sell_m == NULL || tick_m <= 0 || offset_ticks < 0 ||
        best_bid_m <= 0)
        return CX_EINVAL;
    if (best_bid_m >= best_ask_m)
        return CX_ECROSSED;
    int64_t dist;
    if (__builtin_mul_overflow(tick_m, (int64_t)offset_ticks, &dist))
        return CX_EOVERFLOW;
    int64_t sell;
    if (__builtin_add_overflow(best_ask_m, dist, &sell))
        return CX_EOVERFLOW;
    /* best_bid_m > 0 and dist >= 0, so the subtraction cannot overflow. */
    int64_t buy = best_bid_m - dist;
    if (buy <= 0)
        return CX_ERANGE;
    *out_buy_m = buy;
    *out_sell_m = sell;
    return 0;
}
