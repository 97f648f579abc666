/* SPDX-License-Identifier: MIT */
/*
 * maker_hedge: quote limit orders on a spot venue a few ticks off the best bid/ask, and hedge
 * every spot fill at once on a perpetual venue with the opposite side, so net delta stays near
 * zero. Guarded by a market analyzer (signal.h), named circuit breakers and dynamic offsets
 * (risk.h).
 *
 * Components (each a unit with its own tests): analyzer (cx_signal) fed every
 * sample_interval_ns of strategy time; breaker (cx_risk_breaker); dynamic offset
 * (cx_risk_offset / cx_risk_quote_prices); maker engine (one quote per side, cancel/replace when
 * the target moves more than requote_threshold_pct or the quote ages out); hedge executor
 * (write-ahead hedge intent in events.log, then IOC at the touch, IOC wider, then market, within
 * a naked-exposure budget; failure stops quoting and flags manual intervention); performance
 * monitor (loop time, net delta, hedge latency, round-trip PnL, a summary every
 * summary_interval_ns in events.log).
 *
 * Venues and instruments are configuration: the same strategy runs Binance spot + USD-M (the
 * bundled default) or MEXC spot + Gate.io perp.
 */
#ifndef CEXARB_MAKER_HEDGE_H
#define CEXARB_MAKER_HEDGE_H

#include "cexarb/engine.h"
#include "cexarb/risk.h"
#include "cexarb/signal.h"
#include "cexarb/strat.h"

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Strategy parameters (defaults from cx_mh_params_default; ranges in docs/config/maker_hedge.md). */
struct cx_mh_params {
    uint8_t spot_venue;              /* enum cx_venue of the maker (spot) venue */
    char spot_symbol[32];            /* e.g. "BTCUSDT" */
    uint8_t perp_venue;              /* enum cx_venue of the hedge (perp) venue */
    char perp_symbol[32];            /* e.g. "BTCUSDT" */
    struct cx_signal_cfg signal;     /* analyzer */
    struct cx_risk_breaker_cfg breaker; /* circuit breaker */
    struct cx_risk_offset_cfg offset;   /* dynamic offset */
    int64_t sample_interval_ns;      /* analyzer sample interval, [10 ms, 60 s], default 1 s */
    double position_size_usd;        /* quote notional per order, (0, 1e9], default 100 */
    double requote_threshold_pct;    /* re-quote when the target moved more than this percent,
                                        [0, 100], default 0.1 */
    int64_t quote_max_age_ns;        /* re-quote older quotes, [0 = never, 1 day], default 30 s */
    int64_t hedge_timeout_ns;        /* time allowed per escalation step, [1 ms, 60 s],
                                        default 100 ms */
    int32_t hedge_wider_ticks;       /* step 2 limit: touch +/- this many perp ticks,
                                        [1, 100000], default 20 */
    uint32_t hedge_max_attempts;     /* escalation steps before giving up (IOC touch, IOC wider,
                                        market, then market again), [1, 10], default 4 */
    double naked_budget_base_s;      /* naked-exposure budget: |unhedged base qty| x seconds,
                                        (0, 1e9], default 0.01 */
    int64_t summary_interval_ns;     /* monitor summary line in events.log, [1 s, 1 h],
                                        default 10 s */
};

/** Fill in every default. */
void cx_mh_params_default(struct cx_mh_params *p);

/**
 * Validate parameters.
 * @return 0; CX_ECONFIG with err->detail naming the key ("maker.position_size_usd") and
 *         err->msg the allowed range.
 */
int cx_mh_params_validate(const struct cx_mh_params *p, struct cx_parse_err *err);

/** Summary figures of a run (also written to summary.json under "maker_hedge"). */
struct cx_mh_summary {
    uint64_t quotes;                 /* quote orders placed */
    uint64_t requotes;               /* cancel/replace cycles */
    uint64_t spot_fills;             /* maker fills */
    uint64_t hedges;                 /* hedge orders sent */
    uint64_t hedge_fills;            /* hedge fills */
    uint64_t hedge_escalations;      /* steps beyond the first IOC */
    uint64_t hedge_failures;         /* hedges that exhausted their attempts */
    uint64_t hedge_waits_min_notional; /* episodes where a hedge waited for the perp's
                                          minimum notional */
    uint64_t hedge_min_notional_overfills; /* hedges raised to the minimum notional after the
                                              naked-exposure budget was spent */
    bool manual_intervention;        /* a hedge failed: quoting stopped */
    double hedge_latency_p50_ms;     /* spot fill learned -> hedge fill learned */
    double hedge_latency_p99_ms;
    double max_abs_net_delta_base;   /* max |spot position + perp position| in base units */
    double twa_abs_net_delta_base;   /* time-weighted average of the same */
    double max_abs_net_delta_pct;    /* as percent of the position size in base units */
    double twa_abs_net_delta_pct;
    double max_residual_outside_window_base; /* max |net delta| outside the hedge window */
    double perp_lot_base;            /* the perp's lot in base units (the residual bound) */
    double max_residual_min_notional_base; /* max |net delta| while a hedge waited for the
                                              perp's minimum notional */
    uint64_t breaker_triggers[CX_RISK_TRIG_COUNT]; /* by trigger */
    double naked_exposure_used_base_s; /* integral of |unhedged qty| dt */
    double loop_time_p50_ns;         /* strategy callback time (monitor) */
    double loop_time_p99_ns;
    /* Hedged round trips: a completed hedge episode (spot fills + the perp fills that hedged
     * them), PnL on the matched quantity after every fee of the episode (maker_hedge.c). */
    uint64_t hedged_round_trips;     /* episodes closed with a hedge */
    uint64_t hedged_wins;            /* of them with PnL > 0 */
    double hedged_win_rate;          /* wins / round trips (0 when none) */
    double hedged_avg_profit_pct;    /* mean PnL / (matched qty x spot VWAP), percent */
    double hedged_pnl_quote;         /* sum of their PnL, quote currency */
};

struct cx_mh; /* opaque strategy state */

/**
 * Create the strategy state. Instruments are resolved in on_start (cx_ctx_find_instrument).
 * @return 0; CX_ECONFIG (validation, err filled); CX_ENOMEM.
 */
int cx_mh_new(struct cx_mh **out, const struct cx_mh_params *p, struct cx_parse_err *err);
void cx_mh_free(struct cx_mh *mh);

/** The strategy callbacks (pass the cx_mh as `self`). */
const struct cx_strategy_ops *cx_mh_ops(void);

/** Summary so far (final after on_stop). */
void cx_mh_summary(const struct cx_mh *mh, struct cx_mh_summary *out);

/** The summary as a JSON object text into buf. @return length or CX_ENOSPC. */
int cx_mh_summary_json(const struct cx_mh_summary *s, char *buf, size_t cap);

/* ---------------------------------------------------------------------------------------------
 * MARK: configuration file
 * ------------------------------------------------------------------------------------------- */

#define CX_MH_MAX_FILES 8

/** Everything a `cexarb backtest CONFIG` run needs. */
struct cx_mh_config {
    struct cx_mh_params params;         /* strategy */
    uint32_t n_files;                   /* data files to replay */
    char files[CX_MH_MAX_FILES][512];   /* paths (relative paths are relative to the repo's data
                                           dir when they start with "data/", else to the cwd) */
    struct cx_sim_cfg sim;              /* latency, queue model, seed, accounts (balances) */
    char session_root[512];             /* parent of session directories, default "sessions" */
    char instruments[512];              /* extra instruments YAML, "" = bundled binance.yaml */
    bool funding;                       /* backtest.funding given: pay funding on the perp */
    int64_t funding_rate_ppb;           /* constant rate per interval (ppb) when no file */
    int64_t funding_interval_ns;        /* interval of the constant schedule, default 8 h */
    int64_t funding_first_ns;           /* one funding time (UTC ns), default 00:00 UTC */
    char funding_file[512];             /* a funding-rate CSV (data/funding-rates/...), or "" */
};

/** Defaults: the bundled Binance BTCUSDT spot + USD-M files, 0.01 BTC + 2000 USDT spot and
 * 2000 USDT perp margin (leverage 5), 5 ms constant latencies, risk-averse queue, seed 1. */
void cx_mh_config_default(struct cx_mh_config *c, const char *data_dir);

/**
 * Load a YAML config over the defaults (keys absent keep their defaults), with the generic
 * loader (conf.h) and the tables below. A rejected file leaves *c untouched.
 * @param data_dir  borrowed: resolves paths that start with "data/" (NULL: the build's).
 * @return 0; CX_ENOENT (missing file); CX_EPARSE (not YAML, unknown key: err names file, line,
 *         column and the key); CX_ECONFIG (value out of range: err names the key and range).
 * Allocates only during the call.
 */
int cx_mh_config_load(struct cx_mh_config *c, const char *path, const char *data_dir,
                      struct cx_parse_err *err);

struct cx_conf_field;

/**
 * The table of the whole file (struct cx_mh_config): strategy, instruments, backtest, with the
 * strategy's parameters (cx_mh_params_fields) inlined at `params`. Static; for cx_conf_*
 * calls (loading sub-trees, rendering). Its check of relations between keys and of files is
 * done by cx_mh_config_load, not by the table; through the bare table "data/..." paths resolve
 * against the build's data directory.
 */
const struct cx_conf_field *cx_mh_config_fields(void);

/** The table of the strategy's parameters alone (struct cx_mh_params): venues, analyzer,
 * breaker, offset, maker, hedge, monitor. Static. */
const struct cx_conf_field *cx_mh_params_fields(void);

/**
 * The effective configuration as one JSON object (for metadata.json), in the file's keys and
 * spelling: loading it as a config gives *c back (durations and decimals exact, doubles to the
 * bit, paths as resolved; backtest.funding null when funding is off).
 * @return the length (excluding NUL); CX_ENOSPC (16 kB always suffice); CX_EINVAL.
 * Thread-safe, never allocates.
 */
int cx_mh_config_to_json(const struct cx_mh_config *c, char *buf, size_t cap);

#ifdef __cplusplus
}
#endif
#endif /* CEXARB_MAKER_HEDGE_H */
