/* SPDX-License-Identifier: MIT */
/*
 * maker_hedge parameters: the defaults and the range checks of struct cx_mh_params. Every check
 * reports the key as it is spelled in the YAML config (configs/maker_hedge.yaml,
 * docs/config/maker_hedge.md), so a user reads the same name in an error, the docs and the file.
 * The analyzer, breaker and offset sub-structures are checked by their own modules
 * (cx_signal_cfg_validate, cx_risk_*_cfg_validate); their reports use struct field names, which
 * k_sub_keys below translates to config keys ("signal.lookback" -> "analyzer.lookback",
 * "offset.base_offset_ticks" -> "offset.base_ticks"). Every check is written as !(in range) so
 * NaN fails it.
 */
#include "cexarb/maker_hedge.h"

#include "cexarb/instrument.h"

#include <stddef.h>
#include <string.h>

/* ---------------------------------------------------------------------------------------------
 * MARK: defaults
 * ------------------------------------------------------------------------------------------- */

void cx_mh_params_default(struct cx_mh_params *p)
{
    memset(p, 0, sizeof *p);
    p->spot_venue = CX_VENUE_BINANCE_SPOT;
    memcpy(p->spot_symbol, "BTCUSDT", sizeof "BTCUSDT");
    p->perp_venue = CX_VENUE_BINANCE_USDM;
    memcpy(p->perp_symbol, "BTCUSDT", sizeof "BTCUSDT");
    cx_signal_cfg_default(&p->signal);
    /* VOLUME_DROUGHT compares the latest 30 s of volume (not one 1 s interval) with the window:
     * on the bundled BTCUSDT data a single second is below half the average 63 % of the time,
     * which would keep the breaker tripped (docs/config/maker_hedge.md, "VOLUME_DROUGHT"). */
    p->signal.volume_recent = 30;
    cx_risk_breaker_cfg_default(&p->breaker);
    cx_risk_offset_cfg_default(&p->offset);
    p->sample_interval_ns = CX_NS_PER_S;
    p->position_size_usd = 100.0;
    p->requote_threshold_pct = 0.1;
    p->quote_max_age_ns = 30 * CX_NS_PER_S;
    p->hedge_timeout_ns = 100 * CX_NS_PER_MS;
    p->hedge_wider_ticks = 20;
    p->hedge_max_attempts = 4u;
    p->naked_budget_base_s = 0.01;
    p->summary_interval_ns = 10 * CX_NS_PER_S;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: validation
 * ------------------------------------------------------------------------------------------- */

/* Records CX_ECONFIG: msg (static) names the key and its range, detail is the key. */
static int fail(struct cx_parse_err *err, const char *key, const char *msg)
{
    return cx_parse_err_set(err, CX_ECONFIG, msg, key, strlen(key));
}

/* Key and message are literals built from the same text, so a message never names another key. */
#define MH_FAIL(key, range) fail(err, key, key " must be in " range)

/*
 * Report keys of the signal and risk validators -> config keys, with the message re-worded in
 * config terms (durations with units, keys that differ from field names). The ranges are those
 * of include/cexarb/signal.h and risk.h; tests/unit/test_mh_config.c pushes every field out of
 * range and checks that each report comes out translated, so a key added there without a row
 * here fails the test rather than leaking a struct field name to users.
 */
struct sub_key {
    const char *field_key;  /* detail written by the module's validator */
    const char *config_key; /* key in the YAML file */
    const char *msg;        /* static message naming config_key and its range */
};

#define SUB(field, key, range) {field, key, key " must be in " range}

static const struct sub_key k_sub_keys[] = {
    SUB("signal.lookback", "analyzer.lookback", "[50, 4096]"),
    SUB("signal.spike_recent", "analyzer.spike_recent", "[1, 19]"),
    SUB("signal.spike_sigma", "analyzer.spike_sigma", "(0, 100]"),
    SUB("signal.volume_recent", "analyzer.volume_recent", "[1, analyzer.lookback]"),
    SUB("signal.trend_trending_pct", "analyzer.trend_trending_pct", "(0, 100]"),
    SUB("signal.trend_mean_revert_pct", "analyzer.trend_mean_revert_pct",
        "(0, analyzer.trend_trending_pct]"),
    SUB("signal.rsi_low", "analyzer.rsi_low", "[0, 100)"),
    SUB("signal.rsi_high", "analyzer.rsi_high", "(analyzer.rsi_low, 100]"),
    SUB("signal.liq_ultra_low_below_quote", "analyzer.liq_ultra_low_below_quote", "(0, 1e15]"),
    SUB("signal.liq_low_below_quote", "analyzer.liq_low_below_quote",
        "[analyzer.liq_ultra_low_below_quote, 1e15]"),
    SUB("signal.liq_medium_below_quote", "analyzer.liq_medium_below_quote",
        "[analyzer.liq_low_below_quote, 1e15]"),
    SUB("breaker.volatility_threshold", "breaker.volatility_threshold", "(0, 100]"),
    SUB("breaker.vol_ratio_max", "breaker.vol_ratio_max", "[1, 1000]"),
    SUB("breaker.correlation_min", "breaker.correlation_min", "[-1, 1]"),
    SUB("breaker.volume_ratio_min", "breaker.volume_ratio_min", "[0, 1]"),
    SUB("breaker.basis_vol_max", "breaker.basis_vol_max", "(0, 1]"),
    SUB("breaker.emergency_intensity", "breaker.emergency_intensity", "[1, 1000]"),
    SUB("breaker.emergency_min_return", "breaker.emergency_min_return", "[0, 1]"),
    SUB("breaker.cooldown_ns", "breaker.cooldown", "[0s, 24h]"),
    {"breaker.enabled_mask", "breaker.enabled",
     "breaker.enabled must list trigger names (VOLATILITY_SPIKE, CORRELATION_BREAKDOWN, "
     "VOLUME_DROUGHT, BASIS_INSTABILITY, EMERGENCY_SPIKE)"},
    SUB("offset.base_offset_ticks", "offset.base_ticks", "[1, 1000]"),
    SUB("offset.max_offset_ticks", "offset.max_ticks", "[offset.base_ticks, 10000]"),
    SUB("offset.vol_ratio_high", "offset.vol_ratio_high", "(0, 100]"),
    SUB("offset.vol_ratio_low", "offset.vol_ratio_low", "(0, offset.vol_ratio_high]"),
    SUB("offset.vol_high_mult", "offset.vol_high_mult", "(0, 10]"),
    SUB("offset.vol_low_mult", "offset.vol_low_mult", "(0, 10]"),
    SUB("offset.emergency_mult", "offset.emergency_mult", "(0, 10]"),
};

/* Rewrites a sub-validator's report in config terms. A key without a row keeps the module's
 * message; its "signal." prefix still becomes "analyzer." so at least the section is right. */
static int translate(int rc, struct cx_parse_err *err)
{
    if (rc == 0 || err == NULL)
        return rc;
    for (size_t i = 0; i < sizeof k_sub_keys / sizeof k_sub_keys[0]; i++) {
        if (strcmp(err->detail, k_sub_keys[i].field_key) == 0)
            return cx_parse_err_set(err, rc, k_sub_keys[i].msg, k_sub_keys[i].config_key,
                                    strlen(k_sub_keys[i].config_key));
    }
    static const char sig[] = "signal.";
    if (strncmp(err->detail, sig, sizeof sig - 1u) == 0) {
        char key[sizeof err->detail + 2];
        size_t rest = strlen(err->detail + sizeof sig - 1u);
        memcpy(key, "analyzer.", 9);
        memcpy(key + 9, err->detail + sizeof sig - 1u, rest + 1u);
        cx_parse_err_set(err, rc, err->msg, key, strlen(key));
    }
    return rc;
}

/* A symbol is 1..31 bytes of printable ASCII without spaces, NUL-terminated in its array. */
static bool symbol_ok(const char *s, size_t cap)
{
    size_t n = strnlen(s, cap);
    if (n == 0 || n >= cap)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] <= 0x20 || s[i] >= 0x7f)
            return false;
    }
    return true;
}

static bool venue_ok(uint8_t v)
{
    return v > CX_VENUE_UNKNOWN && v < CX_VENUE_COUNT;
}

int cx_mh_params_validate(const struct cx_mh_params *p, struct cx_parse_err *err)
{
    if (p == NULL)
        return CX_EINVAL;
    if (!venue_ok(p->spot_venue))
        return fail(err, "venues.spot.venue",
                    "venues.spot.venue must be a venue name (binance_spot, binance_usdm, "
                    "gate_spot, gate_futures, mexc_spot, hyperliquid)");
    if (!symbol_ok(p->spot_symbol, sizeof p->spot_symbol))
        return fail(err, "venues.spot.symbol",
                    "venues.spot.symbol must be 1 to 31 printable bytes without spaces");
    if (!venue_ok(p->perp_venue))
        return fail(err, "venues.perp.venue",
                    "venues.perp.venue must be a venue name (binance_spot, binance_usdm, "
                    "gate_spot, gate_futures, mexc_spot, hyperliquid)");
    if (!symbol_ok(p->perp_symbol, sizeof p->perp_symbol))
        return fail(err, "venues.perp.symbol",
                    "venues.perp.symbol must be 1 to 31 printable bytes without spaces");
    if (p->spot_venue == p->perp_venue && strcmp(p->spot_symbol, p->perp_symbol) == 0)
        return fail(err, "venues.perp",
                    "venues.perp must name another instrument than venues.spot (the hedge "
                    "cannot trade the quoted instrument)");

    int rc = translate(cx_signal_cfg_validate(&p->signal, err), err);
    if (rc != 0)
        return rc;
    if (!(p->sample_interval_ns >= 10 * CX_NS_PER_MS && p->sample_interval_ns <= 60 * CX_NS_PER_S))
        return MH_FAIL("analyzer.sample_interval", "[10ms, 60s]");
    rc = translate(cx_risk_breaker_cfg_validate(&p->breaker, err), err);
    if (rc != 0)
        return rc;
    rc = translate(cx_risk_offset_cfg_validate(&p->offset, err), err);
    if (rc != 0)
        return rc;

    if (!(p->position_size_usd > 0.0 && p->position_size_usd <= 1e9))
        return MH_FAIL("maker.position_size_usd", "(0, 1e9]");
    if (!(p->requote_threshold_pct >= 0.0 && p->requote_threshold_pct <= 100.0))
        return MH_FAIL("maker.requote_threshold_pct", "[0, 100]");
    if (!(p->quote_max_age_ns >= 0 && p->quote_max_age_ns <= 86400 * CX_NS_PER_S))
        return MH_FAIL("maker.quote_max_age", "[0s, 24h] (0s = never)");
    if (!(p->hedge_timeout_ns >= CX_NS_PER_MS && p->hedge_timeout_ns <= 60 * CX_NS_PER_S))
        return MH_FAIL("hedge.timeout", "[1ms, 60s]");
    if (!(p->hedge_wider_ticks >= 1 && p->hedge_wider_ticks <= 100000))
        return MH_FAIL("hedge.wider_ticks", "[1, 100000]");
    if (!(p->hedge_max_attempts >= 1u && p->hedge_max_attempts <= 10u))
        return MH_FAIL("hedge.max_attempts", "[1, 10]");
    if (!(p->naked_budget_base_s > 0.0 && p->naked_budget_base_s <= 1e9))
        return MH_FAIL("hedge.naked_budget_base_s", "(0, 1e9]");
    if (!(p->summary_interval_ns >= CX_NS_PER_S && p->summary_interval_ns <= 3600 * CX_NS_PER_S))
        return MH_FAIL("monitor.summary_interval", "[1s, 1h]");
    return 0;
}
