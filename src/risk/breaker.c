/* SPDX-License-Identifier: MIT */
/*
 * Circuit breaker of the maker_hedge strategy: evaluates five named triggers on the signal
 * analyzer's statistics, trips (cancel all quotes), cools down and resumes. A pure evaluation
 * function (cx_risk_breaker_eval) is separate from the state machine (cx_risk_breaker_check) so
 * the conditions can be inspected on every sample, even while the breaker is cooling down.
 * Invariant: state == TRIPPED exactly when the latest check was before resume_at_ns of the latest
 * trip. Trigger definitions and their choices: docs/config/maker_hedge.md.
 */
#include "cexarb/risk.h"

#include "risk_int.h"

#include <string.h>

/* ---------------------------------------------------------------------------------------------
 * MARK: configuration
 * ------------------------------------------------------------------------------------------- */

int cx__risk_cfg_fail(struct cx_parse_err *err, const char *key, const char *msg)
{
    if (err == NULL)
        return CX_ECONFIG;
    return cx_parse_err_set(err, CX_ECONFIG, msg, key, strlen(key));
}

void cx_risk_breaker_cfg_default(struct cx_risk_breaker_cfg *cfg)
{
    cfg->volatility_threshold = 2.0;
    cfg->vol_ratio_max = 3.0;
    cfg->correlation_min = 0.6;
    cfg->volume_ratio_min = 0.5;
    cfg->basis_vol_max = 0.001;
    cfg->emergency_intensity = 3.0;
    cfg->emergency_min_return = 0.005;
    cfg->cooldown_ns = 300 * CX_NS_PER_S;
    cfg->enabled_mask = CX_RISK_TRIG_ALL;
}

#define BRK_FAIL(key, range) CX__RISK_FAIL(err, "breaker", key, range)

int cx_risk_breaker_cfg_validate(const struct cx_risk_breaker_cfg *cfg, struct cx_parse_err *err)
{
    if (cfg == NULL)
        return CX_EINVAL;
    if (!(cfg->volatility_threshold > 0.0 && cfg->volatility_threshold <= 100.0))
        return BRK_FAIL("volatility_threshold", "(0, 100]");
    if (!(cfg->vol_ratio_max >= 1.0 && cfg->vol_ratio_max <= 1000.0))
        return BRK_FAIL("vol_ratio_max", "[1, 1000]");
    if (!(cfg->correlation_min >= -1.0 && cfg->correlation_min <= 1.0))
        return BRK_FAIL("correlation_min", "[-1, 1]");
    if (!(cfg->volume_ratio_min >= 0.0 && cfg->volume_ratio_min <= 1.0))
        return BRK_FAIL("volume_ratio_min", "[0, 1]");
    if (!(cfg->basis_vol_max > 0.0 && cfg->basis_vol_max <= 1.0))
        return BRK_FAIL("basis_vol_max", "(0, 1]");
    if (!(cfg->emergency_intensity >= 1.0 && cfg->emergency_intensity <= 1000.0))
        return BRK_FAIL("emergency_intensity", "[1, 1000]");
    if (!(cfg->emergency_min_return >= 0.0 && cfg->emergency_min_return <= 1.0))
        return BRK_FAIL("emergency_min_return", "[0, 1]");
    if (!(cfg->cooldown_ns >= 0 && cfg->cooldown_ns <= 86400 * CX_NS_PER_S))
        return BRK_FAIL("cooldown_ns", "[0, 86400000000000] (0 to 24 h)");
    if ((cfg->enabled_mask & ~CX_RISK_TRIG_ALL) != 0u)
        return BRK_FAIL("enabled_mask", "subsets of CX_RISK_TRIG_ALL (0x3e)");
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: state machine
 * ------------------------------------------------------------------------------------------- */

int cx_risk_breaker_init(struct cx_risk_breaker *brk, const struct cx_risk_breaker_cfg *cfg,
                         struct cx_parse_err *err)
{
    if (brk == NULL)
        return CX_EINVAL;
    struct cx_risk_breaker_cfg def;
    if (cfg == NULL) {
        cx_risk_breaker_cfg_default(&def);
        cfg = &def;
    }
    int rc = cx_risk_breaker_cfg_validate(cfg, err);
    if (rc != 0)
        return rc;
    memset(brk, 0, sizeof *brk);
    brk->cfg = *cfg;
    cx_risk_breaker_reset(brk);
    return 0;
}

void cx_risk_breaker_reset(struct cx_risk_breaker *brk)
{
    struct cx_risk_breaker_cfg cfg = brk->cfg;
    memset(brk, 0, sizeof *brk);
    brk->cfg = cfg;
    brk->state = CX_RISK_BRK_ARMED;
    brk->trigger = CX_RISK_TRIG_NONE;
    brk->last_check_ns = INT64_MIN;
}

uint32_t cx_risk_breaker_eval(const struct cx_risk_breaker_cfg *cfg,
                              const struct cx_signal_stats *st)
{
    if (!st->is_ready)
        return 0;
    uint32_t m = 0;
    /* VOLATILITY_SPIKE: the parameter is a volatility, so it is compared with a volatility
     * (annualised, so it does not depend on the sampling interval); the spot/perp ratio the
     * original strategy compared with it has its own bound. */
    if (st->spot_vol_ann > cfg->volatility_threshold || st->vol_ratio > cfg->vol_ratio_max)
        m |= 1u << CX_RISK_TRIG_VOLATILITY_SPIKE;
    if (st->corr < cfg->correlation_min)
        m |= 1u << CX_RISK_TRIG_CORRELATION_BREAKDOWN;
    if (st->volume_ratio < cfg->volume_ratio_min)
        m |= 1u << CX_RISK_TRIG_VOLUME_DROUGHT;
    if (st->basis_vol > cfg->basis_vol_max)
        m |= 1u << CX_RISK_TRIG_BASIS_INSTABILITY;
    /* EMERGENCY_SPIKE: a move far outside recent volatility and large in price terms. The
     * intensity alone fires every few minutes on real 1 s BTC returns (fat tails: kurtosis ~25),
     * see docs/config/maker_hedge.md. */
    if (st->spike_intensity > cfg->emergency_intensity &&
        st->spike_max_abs_return > cfg->emergency_min_return)
        m |= 1u << CX_RISK_TRIG_EMERGENCY_SPIKE;
    return m & cfg->enabled_mask;
}

/* Most severe first: the trigger recorded for a trip when several hold. */
static const enum cx_risk_trigger trigger_priority[] = {
    CX_RISK_TRIG_EMERGENCY_SPIKE, CX_RISK_TRIG_VOLATILITY_SPIKE,
    CX_RISK_TRIG_CORRELATION_BREAKDOWN, CX_RISK_TRIG_BASIS_INSTABILITY,
    CX_RISK_TRIG_VOLUME_DROUGHT,
};

int cx_risk_breaker_check(struct cx_risk_breaker *brk, const struct cx_signal_stats *st,
                          int64_t now_ns, uint32_t *out_actions)
{
    if (brk == NULL || st == NULL || out_actions == NULL)
        return CX_EINVAL;
    if (now_ns < brk->last_check_ns)
        return CX_ETIME;
    uint32_t act = 0;
    brk->last_check_ns = now_ns;
    brk->checks++;
    if (brk->state == CX_RISK_BRK_TRIPPED) {
        if (now_ns < brk->resume_at_ns) {
            *out_actions = 0;
            return 0;
        }
        brk->state = CX_RISK_BRK_ARMED;
        brk->resumes++;
        act |= CX_RISK_ACT_RESUMED;
    }
    uint32_t mask = cx_risk_breaker_eval(&brk->cfg, st);
    if (mask != 0u) {
        brk->state = CX_RISK_BRK_TRIPPED;
        brk->trigger_mask = mask;
        brk->trigger = CX_RISK_TRIG_NONE;
        for (size_t i = 0; i < sizeof trigger_priority / sizeof trigger_priority[0]; i++) {
            if (mask & (1u << trigger_priority[i])) {
                brk->trigger = trigger_priority[i];
                break;
            }
        }
        for (int t = 1; t < CX_RISK_TRIG_COUNT; t++)
            brk->trigger_count[t] += (mask >> t) & 1u;
        brk->tripped_at_ns = now_ns;
        brk->resume_at_ns = now_ns > INT64_MAX - brk->cfg.cooldown_ns
                                ? INT64_MAX
                                : now_ns + brk->cfg.cooldown_ns;
        brk->trips++;
        act |= CX_RISK_ACT_CANCEL_ALL;
    }
    *out_actions = act;
    return 0;
}

bool cx_risk_breaker_is_quoting_allowed(const struct cx_risk_breaker *brk)
{
    return brk->state == CX_RISK_BRK_ARMED;
}

const char *cx_risk_trigger_name(enum cx_risk_trigger trigger)
{
    switch (trigger) {
    case CX_RISK_TRIG_NONE:
        return "NONE";
    case CX_RISK_TRIG_VOLATILITY_SPIKE:
        return "VOLATILITY_SPIKE";
    case CX_RISK_TRIG_CORRELATION_BREAKDOWN:
        return "CORRELATION_BREAKDOWN";
    case CX_RISK_TRIG_VOLUME_DROUGHT:
        return "VOLUME_DROUGHT";
    case CX_RISK_TRIG_BASIS_INSTABILITY:
        return "BASIS_INSTABILITY";
    case CX_RISK_TRIG_EMERGENCY_SPIKE:
        return "EMERGENCY_SPIKE";
    default:
        return "?";
    }
}

const char *cx_risk_breaker_state_name(enum cx_risk_breaker_state state)
{
    switch (state) {
    case CX_RISK_BRK_ARMED:
        return "ARMED";
    case CX_RISK_BRK_TRIPPED:
        return "TRIPPED";
    default:
        return "?";
    }
}
