/* SPDX-License-Identifier: MIT */
/*
 * run_config: the configuration of one run, separate from the strategies' parameters.
 * A run says what to replay (files, instruments, fee overrides), the simulated venue (latency,
 * queue model, seed), the accounts and their balances, funding, the shared pre-trade risk
 * limits, sampling and where sessions go; then which strategies run, each with its own
 * parameters read by its own table (strategies.h). One generic loader (conf.h) reads it all.
 *
 * Two shapes of file, both loaded by cx_run_cfg_load (docs/config/run.md):
 *  - one strategy, its keys at the top level (today's configs/maker_hedge.yaml):
 *        strategy: maker_hedge        # optional; the default type
 *        venues: {...}  analyzer: {...} ...   # the strategy's keys
 *        backtest: {...}  risk: {...}  instruments: ...   # the run's keys
 *  - several strategies, each with a name, a type, optional default accounts and params:
 *        strategies:
 *          - {name: mh_a, type: maker_hedge, params: {...}}
 *          - {name: mh_b, type: maker_hedge, accounts: {binance_spot: second}, params: {...}}
 *        backtest: {...}  risk: {...}
 *
 * Threads: loading is independent per struct (no global state). Allocation: only during a load.
 */
#ifndef CEXARB_RUN_CONFIG_H
#define CEXARB_RUN_CONFIG_H

#include "cexarb/core.h"
#include "cexarb/engine.h"
#include "cexarb/instrument.h"
#include "cexarb/risk.h"
#include "cexarb/sim.h"
#include "cexarb/strategies.h"

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CX_RUN_MAX_FILES 8        /* recordings one run replays */
#define CX_RUN_MAX_STRATEGIES 16  /* strategies in one run config */
#define CX_RUN_MAX_FEES 16        /* fee overrides */
#define CX_RUN_MAX_ACCOUNT_REFS 8 /* default accounts of one strategy */

/** A strategy's default account on one venue (`accounts: {venue: name}`). */
struct cx_run_account_ref {
    uint8_t venue;    /* enum cx_venue */
    char account[16]; /* account name, NUL-terminated */
};

/** One strategy of a run. */
struct cx_run_strategy {
    char name[32];                                /* instance name, unique in the run */
    const struct cx_strategy_type *type;          /* its type (static) */
    uint32_t n_accounts;                          /* entries in accounts */
    struct cx_run_account_ref accounts[CX_RUN_MAX_ACCOUNT_REFS];
    _Alignas(16) unsigned char params[CX_STRATEGY_PARAMS_MAX]; /* the type's parameter struct
                                                  (type->params_size bytes used) */
};

/** A fee override for one instrument (`backtest.fees`). */
struct cx_run_fee {
    uint8_t venue;          /* enum cx_venue */
    char symbol[32];        /* venue-native symbol */
    int64_t maker_fee_ppb;  /* maker rate, ppb (negative = rebate) */
    int64_t taker_fee_ppb;  /* taker rate, ppb */
};

/** Everything one run needs. */
struct cx_run_cfg {
    char instruments[512];                   /* extra instruments YAML ("" = the bundled ones) */
    uint32_t n_files;                        /* recordings to replay */
    char files[CX_RUN_MAX_FILES][512];       /* resolved paths ("data/..." -> the data dir) */
    uint32_t n_fees;                         /* fee overrides */
    struct cx_run_fee fees[CX_RUN_MAX_FEES];
    struct cx_sim_cfg sim;                   /* latency, queue model, seed, accounts (names,
                                                venues, leverage, balances; id = index + 1);
                                                a recorded latency model has no rows here
                                                (cx_run_cfg_latency_series loads them) */
    char latency_file[2][512];               /* recorded latency series of the entry [0] and
                                                response [1] models ("" = not recorded) */
    int64_t clock_offset_pct_ppm;            /* backtest.clock_offset.percentile, ppm of the
                                                messages (0.1 % = 1000); 0 = the minimum */
    int64_t assumed_min_latency_ns;          /* backtest.clock_offset.assumed_min_latency */
    int64_t venue_window_ns;                 /* backtest.venue_reorder_window; 0 = off */
    bool funding;                            /* backtest.funding given: pay funding */
    int64_t funding_rate_ppb;                /* constant rate per interval (ppb) when no file */
    int64_t funding_interval_ns;             /* interval of the constant schedule */
    int64_t funding_first_ns;                /* one funding time (UTC ns) */
    char funding_file[512];                  /* a funding-rate CSV, or "" */
    uint8_t funding_venue;                   /* the perp it applies to (0: every linear perp
                                                of the registry; with a file, those whose
                                                base-quote is the file's symbol) */
    char funding_symbol[32];                 /* with funding_venue */
    struct cx_risk_limits risk;              /* shared pre-trade limits (risk:) */
    int64_t sample_interval_ns;              /* performance sampling (backtest.sample_interval) */
    char session_root[512];                  /* parent of session directories */
    bool is_single;                          /* one strategy with its keys at the top level */
    uint32_t n_strategies;                   /* strategies to run (>= 1) */
    struct cx_run_strategy strategies[CX_RUN_MAX_STRATEGIES];
};

/* ---------------------------------------------------------------------------------------------
 * MARK: loading, rendering and applying
 * ------------------------------------------------------------------------------------------- */

/* Threads: no global state. cx_run_cfg_default, cx_run_cfg_load, cx_run_cfg_to_json and
 * cx_run_cfg_account_id are thread-safe from any thread for distinct configurations (one being
 * written is not read elsewhere); cx_run_cfg_load blocks reading the file and checking that the
 * files it names exist. cx_run_cfg_apply_fees changes the registry, so it runs under the
 * registry's start-up rule (instrument.h). */

/**
 * Defaults: the bundled Binance BTCUSDT spot + USD-M recordings, a spot account "main" with
 * 0.01 BTC + 2000 USDT and a USD-M account "main" with 2000 USDT at leverage 5, 5 ms constant
 * latencies, risk-averse queues, seed 1, 1 s sampling, no extra risk limits, sessions under
 * "sessions", and one maker_hedge strategy with its defaults.
 * @param data_dir  borrowed: the data directory (NULL: the build's), trailing '/' ignored.
 * Never allocates.
 */
void cx_run_cfg_default(struct cx_run_cfg *c, const char *data_dir);

/**
 * Load a run configuration file over *c (normally cx_run_cfg_default): keys absent keep their
 * values; a strategy's parameters start from its type's defaults. Both shapes of the header are
 * accepted. Relations (parameters' cross-key ranges, files that must exist, accounts a strategy
 * names, unique strategy names) are checked after the walk. A rejected file leaves *c untouched.
 * @param data_dir  borrowed: resolves paths that start with "data/" (NULL: the build's).
 * @param err  optional: code, static msg, file, line and column of the value (of the key for
 *             key errors) and the full dotted key ("strategies[1].params.maker.position_size_usd").
 * @return 0; CX_ENOENT (missing config, data or instruments file); CX_EPARSE (not YAML,
 *         unknown or duplicate key, wrong type, both `strategy:` and `strategies:`); CX_ECONFIG
 *         (a value out of range, an unknown strategy type, an account that does not exist, two
 *         strategies with one name); CX_ENOMEM; CX_EINVAL (NULL).
 * Allocates only during the call.
 */
int cx_run_cfg_load(struct cx_run_cfg *c, const char *path, const char *data_dir,
                    struct cx_parse_err *err);

/**
 * The effective configuration as one JSON object (metadata.json), in the file's keys: loading
 * it back gives the same configuration (single-strategy runs in the single shape).
 * @return the length (excluding NUL); CX_ENOSPC; CX_EINVAL.
 * Thread-safe, never allocates.
 */
int cx_run_cfg_to_json(const struct cx_run_cfg *c, char *buf, size_t cap);

/**
 * The engine configuration of a backtest of this run: the files, the simulated venue (its
 * accounts are the run's), the risk limits, the sampling, the clock offset and the venue
 * reordering window; funding schedules are not set (they need the registry's perps: the CLI
 * adds them), nor the rows of recorded latency models (cx_run_cfg_latency_series).
 * @param reg  retained by *out (the run's registry).
 * @param out  overwritten; out->paths point into c->files (c must outlive *out).
 * Never allocates.
 */
void cx_run_cfg_engine(const struct cx_run_cfg *c, struct cx_registry *reg,
                       struct cx_engine_cfg *out);

/**
 * Load the recorded order-latency series a run's latency models name (backtest.latency.entry /
 * .response with kind: recorded) and point sim's models at their rows (one load when both name
 * the same file). Models of other kinds are left alone.
 * @param c       the run (its latency_file[] paths).
 * @param sim     in/out: the engine's simulated-venue configuration (from cx_run_cfg_engine);
 *                its RECORDED models get rows and n_rows, which point into series[].
 * @param series  out: series[0] (entry) and series[1] (response), zeroed first; they own the
 *                rows: release each with cx_sim_latency_series_fini after the run (after
 *                cx_sim_free). Nothing is left allocated on failure.
 * @param err     optional: the loader's report (file:line:col) with the key in front of the
 *                message's detail, e.g. "backtest.latency.entry.file".
 * @return 0; cx_sim_latency_load_csv's errors (CX_ENOENT, CX_EIO, CX_ERANGE, CX_ENOMEM,
 *         CX_EPARSE, CX_ETIME, CX_EMISSING); CX_EINVAL (NULL).
 * Blocking (reads the files); allocates the rows.
 */
int cx_run_cfg_latency_series(const struct cx_run_cfg *c, struct cx_sim_cfg *sim,
                              struct cx_sim_latency_series series[2], struct cx_parse_err *err);

/**
 * Apply the run's fee overrides to a registry.
 * @return 0; CX_ESYMBOL (an override names an instrument the registry does not hold; err
 *         names it as "backtest.fees[i]").
 */
int cx_run_cfg_apply_fees(const struct cx_run_cfg *c, struct cx_registry *reg,
                          struct cx_parse_err *err);

/**
 * The 1-based account id a strategy uses by default on a venue: its `accounts:` entry for the
 * venue, else the venue's first account; 0 when the venue has none.
 */
uint16_t cx_run_cfg_account_id(const struct cx_run_cfg *c, const struct cx_run_strategy *s,
                               enum cx_venue venue);

#ifdef __cplusplus
}
#endif
#endif /* CEXARB_RUN_CONFIG_H */
