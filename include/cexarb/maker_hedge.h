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

#include "cexarb/risk.h"
#include "cexarb/signal.h"
#include "cexarb/strat.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------------
 * MARK: parameters
 * ------------------------------------------------------------------------------------------- */

/* Threads: cx_mh_params_default and cx_mh_params_validate touch only their arguments: thread-safe,
 * may be called from any thread. Never block, never allocate. */

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

/* ---------------------------------------------------------------------------------------------
 * MARK: strategy instance
 * ------------------------------------------------------------------------------------------- */

/* Threads: an instance belongs to the engine thread that runs it: its callbacks, cx_mh_summary
 * and cx_mh_free are called there only. cx_mh_summary writes the instance despite its const
 * parameter (it sorts the latency samples in place), so it is not even safe next to another
 * reader. cx_mh_new may run on any thread and allocates; cx_mh_ops (a static table) and
 * cx_mh_summary_json (pure) are thread-safe from any thread. None of these blocks. */

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
 * MARK: configuration and strategy type
 * ------------------------------------------------------------------------------------------- */

/* Threads: cx_mh_params_fields and cx_mh_strategy_type return static const tables: thread-safe,
 * any thread. cx_mh_print_summary goes through cx_mh_summary (it writes the instance), so it runs
 * on the instance's thread; it writes to `out` (stdio locks it) and may block on it. */

struct cx_conf_field;
struct cx_strategy_type;

/** The table of the strategy's parameters (struct cx_mh_params): venues, analyzer, breaker,
 * offset, maker, hedge, monitor; ranges declared in the table (docs/config/maker_hedge.md).
 * Static. A run configuration (run_config.h) reads them with it, at the top level of a
 * single-strategy file or from a `strategies[i].params` mapping. */
const struct cx_conf_field *cx_mh_params_fields(void);

/** maker_hedge as a strategy type (strategies.h): parameters, lifecycle, summary. Static. */
const struct cx_strategy_type *cx_mh_strategy_type(void);

/** Print the strategy's summary for a terminal (the lines `cexarb backtest` shows). */
void cx_mh_print_summary(const struct cx_mh *mh, const struct cx_mh_params *p, FILE *out);

#ifdef __cplusplus
}
#endif
#endif /* CEXARB_MAKER_HEDGE_H */
