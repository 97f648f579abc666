/* SPDX-License-Identifier: MIT */
/*
 * runtime: the venue-neutral strategy runtime, and the drivers that feed it.
 *
 *                        +------------------- runtime (cx_rt) -------------------+
 *   driver               | strategies[N] with their contexts and timers          |
 *   (replay: files;      | local books (subscribed instruments only)             |    venues
 *    real time: libuv) ->| OMS (orders stamped with strategy and account)       |<-> (cx_venue_ops:
 *   time + market data   | account mirror, per-strategy positions, risk gate,    |    simulated,
 *                        | performance sampling, hooks (session files)           |    live adapters)
 *                        +--------------------------------------------------------+
 *
 * A driver owns time and market data: it sets the engine clock, hands local market messages to
 * cx_rt_on_md, and decides the order of everything due at one instant by calling the runtime's
 * step functions (venues, timers, samples) itself, so the tie order lives in the driver's code
 * (docs/ARCHITECTURE.md). The runtime knows no venue kind and no driver kind: orders leave
 * through the venue interface (venue.h), reports come back through it, and the strategy sees
 * only its context (strat.h).
 *
 * Order path: cx_ctx_place -> OMS (PENDING_NEW, strategy and account stamped) -> risk gate ->
 * venue submit. Report path: venue poll -> OMS -> account mirror, per-strategy position, risk
 * gate -> hooks -> the owning strategy's on_fill / on_order_update.
 *
 * Threads: a runtime and everything it holds belong to one thread (the engine thread); no
 * function here is thread-safe. Memory: cx_rt_new, cx_rt_add_strategy and subscriptions in
 * on_start allocate; nothing else does (hooks may).
 */
#ifndef CEXARB_RUNTIME_H
#define CEXARB_RUNTIME_H

#include "cexarb/instrument.h"
#include "cexarb/md.h"
#include "cexarb/oms.h"
#include "cexarb/risk.h"
#include "cexarb/strat.h"
#include "cexarb/venue.h"

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CX_RT_MAX_STRATEGIES 64 /* strategies in one runtime */
#define CX_RT_MAX_ACCOUNTS 16   /* accounts in one runtime */
#define CX_RT_MAX_VENUES 8      /* venue implementations in one runtime */

/** One performance sample (equity curve point), quote currency at CX_NOTIONAL_EXP. */
struct cx_perf_sample {
    int64_t ts_ns;          /* engine time */
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
    /** Every fill as the runtime learns it, with the local mid of its instrument then. */
    void (*on_fill)(void *arg, const struct cx_fill *fill, int64_t mid_price_m);
    /** Every execution report from a venue as the runtime receives it, before the OMS applies
     * it (fidelity.json is built from these: venue times, the venue's touch and book age). */
    void (*on_report)(void *arg, const struct cx_exec_report *report);
    /** Every order state change (after the OMS applied it). */
    void (*on_order)(void *arg, const struct cx_order *order);
    /** Every sample interval of engine time, and once at the end. */
    void (*on_sample)(void *arg, const struct cx_perf_sample *s);
    /** Per instrument with a local book, at each sample: mid and the run's position. */
    void (*on_position)(void *arg, int64_t ts_ns, uint32_t inst_id, int64_t mid_price_m,
                        const struct cx_position *pos, int64_t unrealized);
    /** Structured log line from a strategy or the runtime (events.log). */
    void (*on_log)(void *arg, int64_t ts_ns, const char *event, const char *json_fields);
    /** Once at the end, before the OMS is freed (orders.csv is written from it). */
    void (*on_end)(void *arg, const struct cx_oms *oms);
};

/** Run summary. */
struct cx_engine_result {
    uint64_t local_messages;   /* messages delivered to the strategy side */
    uint64_t venue_messages;   /* messages fed to the simulated venue (replay) */
    uint64_t events;           /* md events processed on both sides */
    uint64_t orders;           /* orders submitted */
    uint64_t fills;            /* fills delivered */
    uint64_t bad_lines;        /* malformed lines skipped */
    int64_t first_ts_ns;       /* engine time of the first message */
    int64_t last_ts_ns;        /* engine time at the end */
    struct cx_perf_sample initial; /* first sample */
    struct cx_perf_sample final;   /* last sample */
    uint64_t book_gaps;        /* local-book gaps (a strategy saw a stale book) */
    uint64_t fill_errors;      /* venue fills the OMS refused (journalled as
                                  error_fill_not_applied) plus fills the simulated venue's
                                  account could not settle; must be 0 */
    uint64_t risk_refusals;    /* orders refused by the pre-trade risk gate */
    uint64_t local_rejects;    /* orders the venue could not take (capacity) */
    uint64_t unknown_reports;  /* execution reports for orders the OMS does not know
                                  (journalled as error_unknown_order_report) */
    uint64_t md_ignored;       /* local messages of instruments no strategy subscribed to */
    int64_t venue_window_ns;   /* replay: the venue-order window used (0 = file order) */
    uint64_t venue_late;       /* replay: venue messages read after later ones were processed
                                  (feed latency beyond the window; processed late, clamped) */
    uint64_t venue_forced;     /* replay: venue messages released before their window ended
                                  because the reorder buffer was full */
    uint64_t unfed_books;      /* subscribed instruments that never got a market message
                                  (journalled as no_market_data: wrong symbol or files?) */
};

/** An account of the run (its balances come from the venue at cx_rt_start). */
struct cx_rt_account {
    char name[16];  /* unique per venue, NUL-terminated ("main", "buy") */
    uint8_t venue;  /* enum cx_venue */
};

struct cx_rt_cfg {
    struct cx_registry *reg;       /* retained: instruments; must not change during the run */
    uint32_t max_orders;           /* OMS capacity; 0 = 65536 */
    int64_t sample_interval_ns;    /* performance sampling; 0 = 1 s */
    uint32_t n_accounts;           /* accounts (id = index + 1) */
    struct cx_rt_account accounts[CX_RT_MAX_ACCOUNTS];
    struct cx_risk_limits risk;    /* the run's shared pre-trade limits */
};

/** One strategy to host. */
struct cx_rt_strategy {
    const struct cx_strategy_ops *ops; /* retained, static */
    void *self;                        /* retained: the strategy's state */
    const char *name;                  /* instance name (logs, metadata), borrowed; NULL =
                                          ops->name */
    uint32_t n_default_accounts;       /* entries in default_accounts */
    uint16_t default_accounts[CX_RT_MAX_ACCOUNTS]; /* its account per venue (1-based ids); a
                                          venue not listed uses its first account */
};

/* ---------------------------------------------------------------------------------------------
 * MARK: runtime lifecycle
 * ------------------------------------------------------------------------------------------- */

/* Threads: a runtime is used by one thread at a time (the engine thread); not
 * thread-safe, nothing locks. cx_rt_new and cx_rt_add_strategy allocate (set-up); cx_rt_start
 * runs the strategies' on_start and the hooks synchronously on the calling thread. */

struct cx_rt; /* opaque */

/**
 * Create a runtime: OMS, account table, risk gate.
 * @param cfg    borrowed (copied; cfg->reg retained).
 * @param hooks  retained (may be NULL) until cx_rt_free.
 * @param err    optional; describes configuration errors.
 * @return 0 and *out; CX_EINVAL (NULL, no registry, too many accounts, an account with an
 *         unknown venue or a duplicate name on its venue); risk gate errors (cx_risk_gate_new);
 *         CX_ENOMEM.
 * Allocates the OMS and the gate; configuration time.
 */
int cx_rt_new(struct cx_rt **out, const struct cx_rt_cfg *cfg,
              const struct cx_engine_hooks *hooks, struct cx_parse_err *err);

/** Free the runtime, its books and OMS (NULL is a no-op). Venues and strategies are not
 * freed: they belong to the caller. */
void cx_rt_free(struct cx_rt *rt);

/**
 * Attach a venue implementation for the venue kinds in venue_mask (bit 1u << enum cx_venue).
 * Orders on an instrument of such a venue go to it; its accounts are read from it at start.
 * @return 0; CX_EINVAL (NULL ops, empty mask, a venue kind already attached); CX_ENOSPC.
 */
int cx_rt_add_venue(struct cx_rt *rt, struct cx_venue_handle venue, uint32_t venue_mask);

/**
 * Host a strategy (before cx_rt_start). Its id is the count of strategies added before it.
 * @return 0 and *out_id (may be NULL); CX_EINVAL (NULL ops, a default account that does not
 *         exist); CX_ENOSPC (CX_RT_MAX_STRATEGIES); CX_ESTATE (after start); CX_ENOMEM.
 * Allocates the strategy's position table (one entry per instrument).
 */
int cx_rt_add_strategy(struct cx_rt *rt, const struct cx_rt_strategy *s, uint16_t *out_id);

/**
 * Start the run at now_ns: copy every account's balances from its venue (cx_venue_ops.account),
 * log "start" (the strategies' names, then start_fields from the driver, e.g. `"files":2`),
 * run each strategy's on_start in id order (subscriptions, timers), deliver deferred updates.
 * @param start_fields  borrowed JSON object body without braces, may be NULL.
 * @return 0; a strategy's on_start error (err names it); CX_ENOENT (a venue does not know an
 *         account); CX_EINVAL (started twice, an account whose venue has no implementation).
 */
int cx_rt_start(struct cx_rt *rt, int64_t now_ns, const char *start_fields,
                struct cx_parse_err *err);

/* ---------------------------------------------------------------------------------------------
 * MARK: driver steps
 * ------------------------------------------------------------------------------------------- */

/* Threads: the engine thread only (the driver calls them); not thread-safe, nothing locks. They
 * run venue calls, strategy callbacks and hooks synchronously, so they block only when one of
 * those does (a backtest session's hooks write files); they never allocate (hooks may). */

/** Set the engine clock (never moves backwards: an earlier time is ignored). O(1). */
void cx_rt_set_now(struct cx_rt *rt, int64_t now_ns);

/** The engine clock. O(1). */
int64_t cx_rt_now(const struct cx_rt *rt);

/**
 * One local market message at the engine clock: the subscribed book is updated (a change of
 * its SYNCED state is reported to its subscribers as BOOK_STALE / BOOK_RESYNCED), then on_book
 * or on_trade of each subscriber in strategy order. The equity curve starts after the first
 * message at which every held asset can be marked.
 * @param b  borrowed; one message of one instrument.
 * @return 0 (messages of instruments nobody subscribed to are counted in md_ignored);
 *         CX_EINVAL (NULL).
 * Never allocates.
 */
int cx_rt_on_md(struct cx_rt *rt, const struct cx_md_batch *b);

/** Earliest time any attached venue has something to do (INT64_MAX: none). */
int64_t cx_rt_venue_next_ns(const struct cx_rt *rt);

/**
 * Let every venue do what is due at the engine clock and apply every report due by then, in
 * venue order (each venue's reports in the order it produced them).
 * @return 0; CX_ENOSPC when a venue dropped a report (a lost fill must stop the run: err says
 *         which venue), or a venue's poll error.
 */
int cx_rt_venue_run(struct cx_rt *rt, struct cx_parse_err *err);

/** Due time of the earliest armed timer (INT64_MAX: none). O(1). */
int64_t cx_rt_timer_next_ns(const struct cx_rt *rt);

/** Fire the earliest armed timer (it must be due: at_ns <= the engine clock). O(log n). */
void cx_rt_timer_run(struct cx_rt *rt);

/** Time of the next performance sample (INT64_MAX before the run started). O(1). */
int64_t cx_rt_sample_next_ns(const struct cx_rt *rt);

/** Take the due performance sample (when every held asset can be marked) and schedule the
 * next one interval later. */
void cx_rt_sample_run(struct cx_rt *rt);

/**
 * A venue's connection state changed (real-time drivers): every strategy's on_venue_state is
 * called. A disconnect also marks every local book of that venue stale for the strategies
 * (BOOK_STALE for each subscribed book that was SYNCED).
 */
void cx_rt_venue_state(struct cx_rt *rt, enum cx_venue venue, enum cx_venue_state state);

/** Whether a strategy asked to stop (cx_ctx_stop). */
bool cx_rt_stop_requested(const struct cx_rt *rt);

/**
 * End the strategies' part of the run: on_stop of each strategy in id order; afterwards no
 * strategy callback runs (orders they sent in on_stop still travel, and their reports are
 * applied to the OMS and hooks).
 */
void cx_rt_stop(struct cx_rt *rt);

/**
 * Finish: final performance sample, the "stop" log line, the on_end hook. *out gets the
 * counters (the driver adds its own through cx_rt_result first).
 */
void cx_rt_finish(struct cx_rt *rt, struct cx_engine_result *out);

/* ---------------------------------------------------------------------------------------------
 * MARK: queries
 * ------------------------------------------------------------------------------------------- */

/* Threads: the engine thread, like every other call: they return pointers into state the steps
 * keep changing, and nothing publishes it to other threads. Never block, never allocate. */

/** The run's counters, writable by the driver (venue_messages, events, bad_lines,
 * first_ts_ns). Valid until cx_rt_free. */
struct cx_engine_result *cx_rt_result(struct cx_rt *rt);

/** The OMS (all strategies' orders). Valid until cx_rt_free. */
const struct cx_oms *cx_rt_oms(const struct cx_rt *rt);

/** A strategy's own position (zeroed for an unknown id or instrument). */
const struct cx_position *cx_rt_strategy_position(const struct cx_rt *rt, uint16_t strategy_id,
                                                  uint32_t inst_id);

/** The runtime's mirror of an account (from the venue at start, then every fill and funding
 * payment reported); NULL for an unknown id. */
const struct cx_account *cx_rt_account(const struct cx_rt *rt, uint16_t account_id);

/** The risk gate. Valid until cx_rt_free. */
const struct cx_risk_gate *cx_rt_risk_gate(const struct cx_rt *rt);

/* ---------------------------------------------------------------------------------------------
 * MARK: replay driver (recorded files, deterministic)
 * ------------------------------------------------------------------------------------------- */

/* Threads: the engine thread. cx_replay_drv_new prescans the files and may change cfg->reg, so it
 * runs under the registry's start-up rule (instrument.h), before the runtime and venues are built
 * from it. cx_replay_drv_run drives the runtime on the calling thread, which must be the
 * runtime's; it blocks on file reads and allocates its readers and merge (freed on return). Not
 * thread-safe, nothing locks. */

#define CX_REPLAY_DRV_MAX_FILES 16

struct cx_replay_drv_cfg {
    const char *paths[CX_REPLAY_DRV_MAX_FILES]; /* borrowed: recordings to replay (merged) */
    uint32_t n_paths;
    struct cx_registry *reg;    /* borrowed; the prescan may add inferred instruments (before
                                   the runtime and venues are created from it) */
    bool strict;                /* stop at the first malformed line */
    int64_t end_drain_ns;       /* after the data ends, keep running the venues for this long
                                   (cancels sent in on_stop); 0 = 5 s */
    int64_t venue_window_ns;    /* the venue side is handed out in venue-time order: each
                                   message after the files were read this far past it (a
                                   later one is processed at once and counted late); 0 = 1 s,
                                   < 0 = none (file order) */
    /** The venue side of the feed: each message again, in venue-time order, with its venue
     * time on the local clock (the simulated venue's cx_sim_on_market). NULL: not fed. */
    int (*venue_md)(void *arg, const struct cx_md_batch *b, int64_t venue_ns);
    void *venue_md_arg;
    /** Optional, called with venue_md_arg just before venue_md for each venue-side message
     * that has an exchange time: its feed latency, local - exchange time - the file's clock
     * offset, at least 0 (the simulated venue's cx_sim_note_feed_latency). */
    void (*venue_feed_latency)(void *arg, uint8_t venue, int64_t feed_ns);
    uint32_t clock_offset_pct_ppm; /* each file's clock offset is this percentile of its local -
                                      exchange times, parts per million of its messages
                                      (1000 = 0.1 %; at most 500000); 0 = the minimum */
    int64_t assumed_min_latency_ns; /* subtracted from that percentile: the one-way feed latency
                                      assumed for a message at it, ns (>= 0; 0 = none) */
};

/** A replay: its configuration and what the prescan learnt (per file: the clock offset). */
struct cx_replay_drv;

/**
 * Prepare a replay: prescan the files (exponents, symbols, each file's clock offset = the
 * cfg->clock_offset_pct_ppm percentile of its local-minus-exchange times, the minimum by
 * default, minus cfg->assumed_min_latency_ns) so that instruments missing from the registry
 * are added before the runtime and venues are sized from it.
 * @return 0 and *out; reader errors (err names file:line); CX_EINVAL (clock_offset_pct_ppm
 *         over 500000, assumed_min_latency_ns < 0); CX_ERANGE (a file's percentile outside the
 *         prescan's histogram, see cx_md_prescan); CX_ENOMEM.
 */
int cx_replay_drv_new(struct cx_replay_drv **out, const struct cx_replay_drv_cfg *cfg,
                      struct cx_parse_err *err);

/** Free a driver (NULL is a no-op). */
void cx_replay_drv_free(struct cx_replay_drv *d);

/** Set (or replace) the venue side of the feed after creation, e.g. once the simulated venue
 * exists: it can only be sized after the prescan. fn NULL: not fed. */
void cx_replay_drv_set_venue_feed(struct cx_replay_drv *d,
                                  int (*fn)(void *arg, const struct cx_md_batch *b,
                                            int64_t venue_ns),
                                  void *arg);

/**
 * Run a replay through a runtime: two cursors over the same files (the local cursor by local
 * receive time for the runtime, the venue cursor by venue time = exchange time + the file's
 * clock offset for cfg->venue_md, re-ordered by that time through a window of
 * cfg->venue_window_ns: docs/internals/sim.md "The venue's clock"), the venues' own events,
 * timers and samples, merged strictly
 * by time. At one instant the order is fixed (and tested, test_engine_ties):
 *   1. venue-side market data (cfg->venue_md),
 *   2. venue events (cx_rt_venue_run: arrivals, responses due),
 *   3. local market data (cx_rt_on_md),
 *   4. timers (cx_rt_timer_run), in arming order,
 *   5. performance samples (cx_rt_sample_run),
 * and within each source in arrival order. Then cx_rt_stop, the end drain of the venues, and
 * cx_rt_finish.
 * Starts the runtime itself (cx_rt_start at the first message's time).
 * @return 0; reader errors; cfg->venue_md errors (CX_ENOSPC: the simulated venue dropped a
 *         response); cx_rt_start and cx_rt_venue_run errors. err describes the failure.
 */
int cx_replay_drv_run(struct cx_replay_drv *d, struct cx_rt *rt, struct cx_engine_result *out,
                      struct cx_parse_err *err);

#ifdef __cplusplus
}
#endif
#endif /* CEXARB_RUNTIME_H */
