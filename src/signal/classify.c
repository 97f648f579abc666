/* SPDX-License-Identifier: MIT */
/*
 * signal configuration and classification: defaults and range checks of cx_signal_cfg, the
 * regime and liquidity-tier rules with their offset multipliers, and their names. Everything
 * here is a pure function of its arguments; the analyzer (signal.c) calls the classifiers after
 * each sample. Boundaries follow the strict comparisons stated in include/cexarb/signal.h.
 */
#include "cexarb/signal.h"

#include <stddef.h>
#include <string.h>

/* ---------------------------------------------------------------------------------------------
 * MARK: configuration
 * ------------------------------------------------------------------------------------------- */

void cx_signal_cfg_default(struct cx_signal_cfg *cfg)
{
    cfg->lookback = CX_SIGNAL_LOOKBACK_DEFAULT;
    cfg->spike_recent = 10u;
    cfg->spike_sigma = 2.5;
    cfg->volume_recent = 1u;
    cfg->trend_trending_pct = 2.0;
    cfg->trend_mean_revert_pct = 1.0;
    cfg->rsi_low = 30.0;
    cfg->rsi_high = 70.0;
    cfg->liq_ultra_low_below_quote = 50000.0;
    cfg->liq_low_below_quote = 100000.0;
    cfg->liq_medium_below_quote = 500000.0;
}

/* Records a CX_ECONFIG report: msg names the key and its range (static), detail the key. */
static int cfg_fail(struct cx_parse_err *err, const char *key, const char *msg)
{
    if (err == NULL)
        return CX_ECONFIG;
    return cx_parse_err_set(err, CX_ECONFIG, msg, key, strlen(key));
}

/* Both the key and the message are string literals built from the same text, so a message can
 * never name the wrong key. NaN fails every check because every check is written as !(in range). */
#define SIG_FAIL(key, range) cfg_fail(err, "signal." key, "signal." key " must be in " range)

int cx_signal_cfg_validate(const struct cx_signal_cfg *cfg, struct cx_parse_err *err)
{
    if (cfg == NULL)
        return CX_EINVAL;
    if (!(cfg->lookback >= CX_SIGNAL_LOOKBACK_MIN && cfg->lookback <= CX_SIGNAL_LOOKBACK_MAX))
        return SIG_FAIL("lookback", "[50, 4096]");
    if (!(cfg->spike_recent >= 1u && cfg->spike_recent <= CX_SIGNAL_SPIKE_RECENT_MAX &&
          cfg->spike_recent < CX_SIGNAL_MIN_SAMPLES))
        return SIG_FAIL("spike_recent", "[1, 19]");
    if (!(cfg->spike_sigma > 0.0 && cfg->spike_sigma <= 100.0))
        return SIG_FAIL("spike_sigma", "(0, 100]");
    if (!(cfg->volume_recent >= 1u && cfg->volume_recent <= cfg->lookback))
        return SIG_FAIL("volume_recent", "[1, signal.lookback]");
    if (!(cfg->trend_trending_pct > 0.0 && cfg->trend_trending_pct <= 100.0))
        return SIG_FAIL("trend_trending_pct", "(0, 100]");
    if (!(cfg->trend_mean_revert_pct > 0.0 &&
          cfg->trend_mean_revert_pct <= cfg->trend_trending_pct))
        return SIG_FAIL("trend_mean_revert_pct", "(0, signal.trend_trending_pct]");
    if (!(cfg->rsi_low >= 0.0 && cfg->rsi_low < 100.0))
        return SIG_FAIL("rsi_low", "[0, 100)");
    if (!(cfg->rsi_high > cfg->rsi_low && cfg->rsi_high <= 100.0))
        return SIG_FAIL("rsi_high", "(signal.rsi_low, 100]");
    if (!(cfg->liq_ultra_low_below_quote > 0.0 && cfg->liq_ultra_low_below_quote <= 1e15))
        return SIG_FAIL("liq_ultra_low_below_quote", "(0, 1e15]");
    if (!(cfg->liq_low_below_quote >= cfg->liq_ultra_low_below_quote &&
          cfg->liq_low_below_quote <= 1e15))
        return SIG_FAIL("liq_low_below_quote", "[signal.liq_ultra_low_below_quote, 1e15]");
    if (!(cfg->liq_medium_below_quote >= cfg->liq_low_below_quote &&
          cfg->liq_medium_below_quote <= 1e15))
        return SIG_FAIL("liq_medium_below_quote", "[signal.liq_low_below_quote, 1e15]");
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: classification
 * ------------------------------------------------------------------------------------------- */

enum cx_signal_regime cx_signal_regime_classify(const struct cx_signal_cfg *cfg, double trend_pct,
                                                double rsi)
{
    if (trend_pct > cfg->trend_trending_pct)
        return CX_SIGNAL_REGIME_TRENDING;
    if (trend_pct < cfg->trend_mean_revert_pct && rsi > cfg->rsi_low && rsi < cfg->rsi_high)
        return CX_SIGNAL_REGIME_MEAN_REVERTING;
    return CX_SIGNAL_REGIME_NEUTRAL;
}

enum cx_signal_liquidity cx_signal_liquidity_tier(const struct cx_signal_cfg *cfg,
                                                  double hourly_volume_quote)
{
    if (hourly_volume_quote != hourly_volume_quote)
        return CX_SIGNAL_LIQ_MEDIUM; /* NaN: no information, neutral tier */
    if (hourly_volume_quote < cfg->liq_ultra_low_below_quote)
        return CX_SIGNAL_LIQ_ULTRA_LOW;
    if (hourly_volume_quote < cfg->liq_low_below_quote)
        return CX_SIGNAL_LIQ_LOW;
    if (hourly_volume_quote < cfg->liq_medium_below_quote)
        return CX_SIGNAL_LIQ_MEDIUM;
    return CX_SIGNAL_LIQ_HIGH;
}

double cx_signal_regime_mult(enum cx_signal_regime regime)
{
    switch (regime) {
    case CX_SIGNAL_REGIME_TRENDING:
        return 1.5; /* trends run over resting quotes: quote wider */
    case CX_SIGNAL_REGIME_MEAN_REVERTING:
        return 0.7; /* prices come back: quote tighter and earn more spread */
    default:
        return 1.0;
    }
}

double cx_signal_liquidity_mult(enum cx_signal_liquidity tier)
{
    switch (tier) {
    case CX_SIGNAL_LIQ_ULTRA_LOW:
        return 1.5;
    case CX_SIGNAL_LIQ_LOW:
        return 1.3;
    case CX_SIGNAL_LIQ_HIGH:
        return 0.8;
    default:
        return 1.0;
    }
}

const char *cx_signal_regime_name(enum cx_signal_regime regime)
{
    switch (regime) {
    case CX_SIGNAL_REGIME_NEUTRAL:
        return "NEUTRAL";
    case CX_SIGNAL_REGIME_TRENDING:
        return "TRENDING";
    case CX_SIGNAL_REGIME_MEAN_REVERTING:
        return "MEAN_REVERTING";
    default:
        return "?";
    }
}

const char *cx_signal_liquidity_name(enum cx_signal_liquidity tier)
{
    switch (tier) {
    case CX_SIGNAL_LIQ_ULTRA_LOW:
        return "ULTRA_LOW";
    case CX_SIGNAL_LIQ_LOW:
        return "LOW";
    case CX_SIGNAL_LIQ_MEDIUM:
        return "MEDIUM";
    case CX_SIGNAL_LIQ_HIGH:
        return "HIGH";
    default:
        return "?";
    }
}
