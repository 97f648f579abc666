/* SPDX-License-Identifier: MIT */
/*
 * engine: a backtest assembled from the runtime's three parts (runtime.h): the strategy
 * runtime hosting one or many strategies, the simulated venue (sim.h) behind the venue
 * interface, and the replay driver over recorded files. cx_engine_run wires them for one run;
 * cx_backtest_session adds the session directory (store.h) and the report.
 *
 * The venue sees each recorded change one (recorded) feed latency before the strategies: the
 * replay driver feeds the simulated venue by venue time (exchange time + the file's clock
 * offset: the minimum, or a configured low percentile, of the file's local-minus-exchange
 * times, minus an assumed minimum one-way latency; re-ordered by that time through
 * cfg->venue_window_ns) and the runtime by local receive time, and notes each venue message's
 * feed latency for the simulated venue's feed-driven latency model. The same files and
 * configuration give the same fills, byte for byte.
 *
 * Single-threaded; no allocation after set-up except through hooks.
 */
#ifndef CEXARB_ENGINE_H
#define CEXARB_ENGINE_H

#include "cexarb/instrument.h"
#include "cexarb/oms.h"
#include "cexarb/runtime.h"
#include "cexarb/sim.h"
#include "cexarb/strat.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CX_ENGINE_MAX_FILES CX_REPLAY_DRV_MAX_FILES

/* ---------------------------------------------------------------------------------------------
 * MARK: backtest run
 * ------------------------------------------------------------------------------------------- */

/* Threads: the whole run happens on the calling thread, which is the engine thread for the call:
 * the runtime, the simulated venue, the strategies and the hooks all run there, and the call
 * blocks on file reads until the data ends. Nothing locks and no global state is kept, so two
 * runs may proceed on two threads only when they share nothing mutable: each needs its own
 * cfg->reg (the prescan may add to it), strategy instances and hooks. Allocates at set-up. */

/** A backtest: recorded files through the simulated venue. */
struct cx_engine_cfg {
    const char *paths[CX_ENGINE_MAX_FILES]; /* borrowed: recordings to replay (merged) */
    uint32_t n_paths;
    struct cx_registry *reg;       /* borrowed; the prescan may add inferred instruments */
    struct cx_sim_cfg sim;         /* simulated venue (reg is filled in by the engine); its
                                      accounts are the run's accounts (id = index + 1) */
    struct cx_risk_limits risk;    /* the run's shared pre-trade limits */
    int64_t sample_interval_ns;    /* performance sampling; 0 = 1 s */
    uint32_t max_orders;           /* OMS capacity; 0 = 65536 */
    bool strict;                   /* stop at the first malformed line */
    int64_t end_drain_ns;          /* after the data ends, keep delivering venue responses for
                                      this long (cancels sent in on_stop); 0 = 5 s */
    int64_t venue_window_ns;       /* venue-time reordering window (cx_replay_drv_cfg); 0 = 1 s,
                                      < 0 = none */
    uint32_t clock_offset_pct_ppm; /* each file's clock offset: this percentile of its local -
                                      exchange times, ppm of its messages (at most 500000);
                                      0 = the minimum (cx_replay_drv_cfg) */
    int64_t assumed_min_latency_ns; /* subtracted from it: the assumed one-way feed latency at
                                      that percentile, ns (>= 0) */
};

/**
 * Replay the files through the strategies and the simulated venue.
 * @param strategies  borrowed, strategies[0..n) (1 <= n <= CX_RT_MAX_STRATEGIES): each
 *                    strategy's ops, self, instance name and default accounts.
 * @param hooks       borrowed, may be NULL.
 * @param out         filled on success (may be NULL).
 * @return 0; a strategy's on_start error; reader errors (err names file:line); sim and
 *         runtime configuration errors; CX_ENOSPC when the simulated venue dropped a response
 *         (raise max_responses); CX_ENOMEM.
 */
int cx_engine_run_many(const struct cx_engine_cfg *cfg, const struct cx_rt_strategy *strategies,
                       uint32_t n, const struct cx_engine_hooks *hooks,
                       struct cx_engine_result *out, struct cx_parse_err *err);

/** cx_engine_run_many with one strategy (its default accounts: each venue's first). */
int cx_engine_run(const struct cx_engine_cfg *cfg, const struct cx_strategy_ops *strategy,
                  void *self, const struct cx_engine_hooks *hooks, struct cx_engine_result *out,
                  struct cx_parse_err *err);

/* ---------------------------------------------------------------------------------------------
 * MARK: backtest session (engine + store + report)
 * ------------------------------------------------------------------------------------------- */

/* Threads: as cx_engine_run_many, on the calling thread, plus the session's files: the store
 * writes from the hooks on that thread (blocking on disk, fsync), and metadata validation and the
 * report parse JSON with cJSON, whose global last-error rules out a concurrent cJSON parse
 * (store.h, report.h). Two sessions at once need different directories. */

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
 * @param strategies  strategies[0..n), as for cx_engine_run_many.
 * @param hooks  extra observers (may be NULL), called after the session's own.
 * @return 0; engine errors; store errors (CX_EEXIST for a non-empty directory, CX_EIO naming
 *         the file); report errors. err describes the failure.
 */
int cx_backtest_session(const struct cx_engine_cfg *cfg, const struct cx_rt_strategy *strategies,
                        uint32_t n, const struct cx_engine_hooks *hooks,
                        const struct cx_session_opts *opts, struct cx_engine_result *out,
                        struct cx_parse_err *err);

#ifdef __cplusplus
}
#endif
#endif /* CEXARB_ENGINE_H */
