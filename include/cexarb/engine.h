/* SPDX-License-Identifier: MIT */
/*
 * engine: the backtest event loop. It replays recorded files twice, in two orders:
 *  - the local cursor, by local receive time: local books -> strategy callbacks (on_book,
 *    on_trade). The strategy's clock is this local time.
 *  - the venue cursor, by venue time translated to the local clock (exchange timestamp + the
 *    file's clock offset, estimated as the minimum local-minus-exchange time seen in the file):
 *    the simulated venue's books, queues and matching. The venue therefore sees each change
 *    one (recorded) feed latency before the strategy does.
 * Simulated-venue events (order arrivals after entry latency, responses after response latency,
 * funding), strategy timers and performance samples are interleaved with both cursors strictly
 * by time; ties go venue data, venue events, responses, local data, timers, samples, each in
 * arrival order, so a run is deterministic: the same files and config give the same fills.
 *
 * Single-threaded, no allocation after cx_engine_run's set-up except through hooks.
 */
#ifndef CEXARB_ENGINE_H
#define CEXARB_ENGINE_H

#include "cexarb/instrument.h"
#include "cexarb/oms.h"
#include "cexarb/sim.h"
#include "cexarb/strat.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CX_ENGINE_MAX_FILES 16

/** One performance sample (equity curve point), quote currency at CX_NOTIONAL_EXP. */
struct cx_perf_sample {
    int64_t ts_ns;          /* strategy time */
    int64_t equity;         /* cash + position value (marked at mid) */
    int64_t cash;           /* quote balances + perp wallets */
    int64_t position_value; /* spot base balances at mid + perp unrealized PnL */
    int64_t realized;       /* realized trading PnL (all instruments, before fees) */
    int64_t unrealized;     /* unrealized PnL of open positions at mid (vs cost basis) */
    int64_t fees;           /* fees paid (< 0 = net rebates) */
    int64_t funding;        /* funding received (< 0 = paid) */
};

/** Observers of a run (all optional). Called on the engine thread, in time order. */
struct cx_engine_hooks {
    void *arg;
    /** Every fill as the strategy learns it, with the local mid of its instrument then. */
    void (*on_fill)(void *arg, const struct cx_fill *fill, int64_t mid_price_m);
    /** Every order state change (after the OMS applied it). */
    void (*on_order)(void *arg, const struct cx_order *order);
    /** Every sample_interval_ns of strategy time, and once at the end. */
    void (*on_sample)(void *arg, const struct cx_perf_sample *s);
    /** Per instrument with a position or book, at each sample: mid and position. */
    void (*on_position)(void *arg, int64_t ts_ns, uint32_t inst_id, int64_t mid_price_m,
                        const struct cx_position *pos, int64_t unrealized);
    /** Structured log line from the strategy or the engine (events.log). */
    void (*on_log)(void *arg, int64_t ts_ns, const char *event, const char *json_fields);
    /** Once at the end, before the OMS is freed (orders.csv is written from it). */
    void (*on_end)(void *arg, const struct cx_oms *oms);
};

struct cx_engine_cfg {
    const char *paths[CX_ENGINE_MAX_FILES]; /* borrowed: recordings to replay (merged) */
    uint32_t n_paths;
    struct cx_registry *reg;       /* borrowed; the prescan may add inferred instruments */
    struct cx_sim_cfg sim;         /* simulated venue (reg is filled in by the engine) */
    int64_t sample_interval_ns;    /* performance sampling; 0 = 1 s */
    uint32_t max_orders;           /* OMS capacity; 0 = 65536 */
    bool strict;                   /* stop at the first malformed line */
    int64_t end_drain_ns;          /* after the data ends, keep delivering venue responses for
                                      this long (cancels sent in on_stop); 0 = 5 s */
};

/** Run summary. */
struct cx_engine_result {
    uint64_t local_messages;   /* messages delivered to the strategy side */
    uint64_t venue_messages;   /* messages fed to the simulated venue */
    uint64_t events;           /* md events processed on both sides */
    uint64_t orders;           /* orders submitted */
    uint64_t fills;            /* fills delivered */
    uint64_t bad_lines;        /* malformed lines skipped */
    int64_t first_ts_ns;       /* strategy time of the first message */
    int64_t last_ts_ns;        /* strategy time at the end */
    struct cx_perf_sample initial; /* first sample */
    struct cx_perf_sample final;   /* last sample */
    uint64_t book_gaps;        /* local-book gaps (the strategy saw a stale book) */
    uint64_t fill_errors;      /* venue fills the OMS refused (journalled as
                                  error_fill_not_applied) plus fills the simulated venue's
                                  account could not settle; must be 0 */
};

/**
 * Replay the files through the strategy and the simulated venue.
 * @param strategy  borrowed ops; `self` is passed to every callback.
 * @param hooks     borrowed, may be NULL.
 * @param out       filled on success (may be NULL).
 * @return 0; the strategy's on_start error; reader errors (err names file:line); sim config
 *         errors; CX_ENOMEM.
 */
int cx_engine_run(const struct cx_engine_cfg *cfg, const struct cx_strategy_ops *strategy,
                  void *self, const struct cx_engine_hooks *hooks, struct cx_engine_result *out,
                  struct cx_parse_err *err);

/* ---------------------------------------------------------------------------------------------
 * MARK: backtest session (engine + store + report)
 * ------------------------------------------------------------------------------------------- */

struct cx_session_opts {
    const char *dir;           /* session directory to create (borrowed) */
    unsigned store_flags;      /* CX_STORE_F_* (store.h) */
    const char *strategy_name; /* for metadata.json (borrowed), may be NULL */
    const char *config_json;   /* run configuration as a JSON object (borrowed), may be NULL */
    FILE *summary_out;         /* human summary printed at the end, or NULL */
    /** Optional: the strategy's own summary as a JSON object, written to strategy.json after
     * the run and embedded in summary.json as "strategy". Returns its length or < 0. */
    int (*strategy_summary)(void *arg, char *buf, size_t cap);
    void *strategy_summary_arg;
};

/**
 * Run a backtest and leave a complete session directory: metadata.json (configuration, engine
 * settings, data files with SHA-256), orders.csv, fills.csv (+ trades.csv), positions.csv,
 * performance.csv, events.log, instruments.csv, then summary.json and report.html computed
 * from those files alone (cx_report_from_dir).
 * @param hooks  extra observers (may be NULL), called after the session's own.
 * @return 0; engine errors; store errors (CX_EEXIST for a non-empty directory, CX_EIO naming
 *         the file); report errors. err describes the failure.
 */
int cx_backtest_session(const struct cx_engine_cfg *cfg, const struct cx_strategy_ops *strategy,
                        void *self, const struct cx_engine_hooks *hooks,
                        const struct cx_session_opts *opts, struct cx_engine_result *out,
                        struct cx_parse_err *err);

#ifdef __cplusplus
}
#endif
#endif /* CEXARB_ENGINE_H */
