/* SPDX-License-Identifier: MIT */
/*
 * maker_hedge parameters in the configuration file: the table of its keys (struct
 * cx_mh_params: venues, analyzer, breaker, offset, maker, hedge, monitor) for the generic
 * loader (include/cexarb/conf.h), and the one key that needs its own code (breaker.enabled).
 * The run's own keys (backtest, risk, instruments, strategies) are the run configuration's
 * (src/engine/run_config.c); a strategy declares only its parameters. Schema and every key's
 * unit, default and range: docs/config/maker_hedge.md; the full default file:
 * configs/maker_hedge.yaml.
 *
 * Ranges are declared in the tables and checked by the loader as values are read, with
 * messages that name the full key ("breaker.correlation_min must be in [-1, 1]"); relations
 * between keys (offset.max_ticks >= offset.base_ticks, ...) are checked after the walk by
 * cx_mh_params_validate, through the strategy type (strategies.h).
 */
#include "cexarb/maker_hedge.h"

#include "cexarb/conf.h"
#include "strat_int.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define MH_KEY_MAX 128 /* longest dotted key path kept */

static void join_index(char *out, const char *path, long idx)
{
    if (snprintf(out, MH_KEY_MAX, "%s[%ld]", path, idx) >= MH_KEY_MAX)
        out[MH_KEY_MAX - 1] = '\0';
}

static void json_text(struct cx_conf_json *out, const char *s)
{
    cx_conf_json_str(out, s, strlen(s));
}

/* ---------------------------------------------------------------------------------------------
 * MARK: custom keys
 * ------------------------------------------------------------------------------------------- */

/* breaker.enabled: a list of trigger names -> enabled_mask ([] disables the breaker). */
static int key_enabled(struct cx_conf_ctx *ctx, const struct cx_conf_field *f,
                       const struct cx_conf_node *n, const char *key, void *obj)
{
    if (cx_conf_node_kind(n) != CX_CONF_NODE_SEQ)
        return cx_conf_fail(ctx, CX_EPARSE, "expected a list of trigger names ([A, B] or - lines)",
                            key, n);
    uint32_t mask = 0;
    for (uint32_t idx = 0; idx < cx_conf_node_count(n); idx++) {
        const struct cx_conf_node *item = cx_conf_node_item(ctx, n, idx);
        char ikey[MH_KEY_MAX];
        join_index(ikey, key, (long)idx);
        const char *text;
        int rc = cx_conf_want_scalar(ctx, item, ikey, "expected a trigger name", &text, NULL);
        if (rc != 0)
            return rc;
        int trig = 0;
        for (int t = CX_RISK_TRIG_NONE + 1; t < CX_RISK_TRIG_COUNT; t++) {
            if (strcmp(text, cx_risk_trigger_name((enum cx_risk_trigger)t)) == 0)
                trig = t;
        }
        if (trig == 0)
            return cx_conf_fail(ctx, CX_ECONFIG,
                                "unknown trigger (VOLATILITY_SPIKE, CORRELATION_BREAKDOWN, "
                                "VOLUME_DROUGHT, BASIS_INSTABILITY, EMERGENCY_SPIKE)",
                                ikey, item);
        if ((mask & (1u << trig)) != 0u)
            return cx_conf_fail(ctx, CX_ECONFIG, "trigger listed twice", ikey, item);
        mask |= 1u << trig;
    }
    uint32_t *dst = cx_conf_target(f, obj);
    *dst = mask;
    return 0;
}

static void json_enabled(struct cx_conf_json *out, const struct cx_conf_field *f,
                         const void *obj)
{
    const uint32_t *mask = cx_conf_target_const(f, obj);
    cx_conf_json_open(out, '[');
    for (int t = CX_RISK_TRIG_NONE + 1; t < CX_RISK_TRIG_COUNT; t++) {
        if ((*mask & (1u << t)) != 0u)
            json_text(out, cx_risk_trigger_name((enum cx_risk_trigger)t));
    }
    cx_conf_json_close(out, ']');
}

/* ---------------------------------------------------------------------------------------------
 * MARK: tables
 * ------------------------------------------------------------------------------------------- */

/* Bounded keys of a fixed section: the message names the full key, built from the same tokens
 * as the bounds ("breaker.correlation_min must be in [-1, 1]"). */
#define P struct cx_mh_params
#define MH_INT(sec, name, m, lo, hi) CX_CONF_INT_K(sec "." name, name, P, m, lo, hi)
#define MH_F64(sec, name, m, lo_end, lo, hi, hi_end)                                           \
    CX_CONF_F64_K(sec "." name, name, P, m, lo_end, lo, hi, hi_end)
#define MH_DUR(sec, name, m, lo, lo_unit, hi, hi_unit)                                         \
    CX_CONF_DUR_K(sec "." name, name, P, m, lo, lo_unit, hi, hi_unit)
/* A key whose range also depends on another key: the static part of the range is declared,
 * the message states the whole range, the relation is checked after the walk. */
#define MH_F64_REL(sec, name, m, lo_end, lo, hi, hi_end, range)                                \
    CX_CONF_F64_MSG(name, P, m, lo_end, lo, hi, hi_end, sec "." name " must be in " range)

static const struct cx_conf_field k_spot[] = {
    CX_CONF_VENUE("venue", P, spot_venue),
    CX_CONF_STR("symbol", P, spot_symbol, 0u, NULL),
    CX_CONF_END,
};

static const struct cx_conf_field k_perp[] = {
    CX_CONF_VENUE("venue", P, perp_venue),
    CX_CONF_STR("symbol", P, perp_symbol, 0u, NULL),
    CX_CONF_END,
};

static const struct cx_conf_field k_venues[] = {
    CX_CONF_GROUP("spot", k_spot),
    CX_CONF_GROUP("perp", k_perp),
    CX_CONF_END,
};

/* Ranges of include/cexarb/signal.h and risk.h (spike_recent: below the analyzer's 20-sample
 * warm-up), in the words of mh_params.c's k_sub_keys. */
static const struct cx_conf_field k_analyzer[] = {
    MH_INT("analyzer", "lookback", signal.lookback, 50, 4096),
    MH_DUR("analyzer", "sample_interval", sample_interval_ns, 10, ms, 60, s),
    MH_INT("analyzer", "spike_recent", signal.spike_recent, 1, 19),
    MH_F64("analyzer", "spike_sigma", signal.spike_sigma, OPEN, 0, 100, CLOSED),
    CX_CONF_INT_ANY("volume_recent", P, signal.volume_recent,
                    "analyzer.volume_recent must be in [1, analyzer.lookback]"),
    MH_F64("analyzer", "trend_trending_pct", signal.trend_trending_pct, OPEN, 0, 100, CLOSED),
    MH_F64_REL("analyzer", "trend_mean_revert_pct", signal.trend_mean_revert_pct, OPEN, 0, 100,
               CLOSED, "(0, analyzer.trend_trending_pct]"),
    MH_F64("analyzer", "rsi_low", signal.rsi_low, CLOSED, 0, 100, OPEN),
    MH_F64_REL("analyzer", "rsi_high", signal.rsi_high, CLOSED, 0, 100, CLOSED,
               "(analyzer.rsi_low, 100]"),
    MH_F64("analyzer", "liq_ultra_low_below_quote", signal.liq_ultra_low_below_quote, OPEN, 0,
           1e15, CLOSED),
    MH_F64_REL("analyzer", "liq_low_below_quote", signal.liq_low_below_quote, OPEN, 0, 1e15,
               CLOSED, "[analyzer.liq_ultra_low_below_quote, 1e15]"),
    MH_F64_REL("analyzer", "liq_medium_below_quote", signal.liq_medium_below_quote, OPEN, 0,
               1e15, CLOSED, "[analyzer.liq_low_below_quote, 1e15]"),
    CX_CONF_END,
};

static const struct cx_conf_field k_breaker[] = {
    MH_F64("breaker", "volatility_threshold", breaker.volatility_threshold, OPEN, 0, 100, CLOSED),
    MH_F64("breaker", "vol_ratio_max", breaker.vol_ratio_max, CLOSED, 1, 1000, CLOSED),
    MH_F64("breaker", "correlation_min", breaker.correlation_min, CLOSED, -1, 1, CLOSED),
    MH_F64("breaker", "volume_ratio_min", breaker.volume_ratio_min, CLOSED, 0, 1, CLOSED),
    MH_F64("breaker", "basis_vol_max", breaker.basis_vol_max, OPEN, 0, 1, CLOSED),
    MH_F64("breaker", "emergency_intensity", breaker.emergency_intensity, CLOSED, 1, 1000,
           CLOSED),
    MH_F64("breaker", "emergency_min_return", breaker.emergency_min_return, CLOSED, 0, 1, CLOSED),
    MH_DUR("breaker", "cooldown", breaker.cooldown_ns, 0, s, 24, h),
    CX_CONF_CUSTOM("enabled", P, breaker.enabled_mask, key_enabled, json_enabled),
    CX_CONF_END,
};

static const struct cx_conf_field k_offset[] = {
    MH_INT("offset", "base_ticks", offset.base_offset_ticks, 1, 1000),
    CX_CONF_INT_MSG("max_ticks", P, offset.max_offset_ticks, 1, 10000,
                    "offset.max_ticks must be in [offset.base_ticks, 10000]"),
    MH_F64("offset", "vol_ratio_high", offset.vol_ratio_high, OPEN, 0, 100, CLOSED),
    MH_F64_REL("offset", "vol_ratio_low", offset.vol_ratio_low, OPEN, 0, 100, CLOSED,
               "(0, offset.vol_ratio_high]"),
    MH_F64("offset", "vol_high_mult", offset.vol_high_mult, OPEN, 0, 10, CLOSED),
    MH_F64("offset", "vol_low_mult", offset.vol_low_mult, OPEN, 0, 10, CLOSED),
    MH_F64("offset", "emergency_mult", offset.emergency_mult, OPEN, 0, 10, CLOSED),
    CX_CONF_END,
};

static const struct cx_conf_field k_maker[] = {
    CX_CONF_DEC_K("maker.position_size_usd", "position_size_usd", P, position_size_usd,
                  CX_NOTIONAL_EXP, OPEN, 0, 1e9, CLOSED),
    MH_F64("maker", "requote_threshold_pct", requote_threshold_pct, CLOSED, 0, 100, CLOSED),
    {.name = "quote_max_age", .type = CX_CONF_T_DUR, .storage = CX_CONF_S_I64,
     .off = offsetof(P, quote_max_age_ns), .size = sizeof(int64_t), .flags = CX_CONF_F_BOUNDED,
     .i_min = 0, .i_max = 86400 * CX_NS_PER_S,
     .msg = "maker.quote_max_age must be in [0s, 24h] (0s = never)"},
    CX_CONF_END,
};

static const struct cx_conf_field k_hedge[] = {
    MH_DUR("hedge", "timeout", hedge_timeout_ns, 1, ms, 60, s),
    MH_INT("hedge", "wider_ticks", hedge_wider_ticks, 1, 100000),
    MH_INT("hedge", "max_attempts", hedge_max_attempts, 1, 10),
    MH_F64("hedge", "naked_budget_base_s", naked_budget_base_s, OPEN, 0, 1e9, CLOSED),
    CX_CONF_END,
};

static const struct cx_conf_field k_monitor[] = {
    MH_DUR("monitor", "summary_interval", summary_interval_ns, 1, s, 1, h),
    CX_CONF_END,
};

/* The strategy's parameters (struct cx_mh_params). */
const struct cx_conf_field cx__mh_params_fields[] = {
    CX_CONF_GROUP("venues", k_venues),
    CX_CONF_GROUP("analyzer", k_analyzer),
    CX_CONF_GROUP("breaker", k_breaker),
    CX_CONF_GROUP("offset", k_offset),
    CX_CONF_GROUP("maker", k_maker),
    CX_CONF_GROUP("hedge", k_hedge),
    CX_CONF_GROUP("monitor", k_monitor),
    CX_CONF_END,
};

#undef P

const struct cx_conf_field *cx_mh_params_fields(void)
{
    return cx__mh_params_fields;
}
