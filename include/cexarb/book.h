/* SPDX-License-Identifier: MIT */
/*
 * book: an L2 order book per instrument, fed with md event runs (one message at a time) and
 * kept in sync with each venue's sequencing rule (design.md section 4):
 *  - Binance spot:  drop u <= lastUpdateId; first applied U <= lid+1 <= u; then U == prev u + 1.
 *  - Binance USD-M: drop u < lastUpdateId; first applied U <= lid <= u; then pu == prev u.
 *  - Gate (spot and futures): drop u <= id; first applied U <= id+1 <= u; then U == prev u + 1.
 *  - MEXC: fromVersion == prev toVersion + 1 (same check as Binance spot).
 *  - Hyperliquid: every l2Book is a full snapshot; no sequence checks.
 * Sources: Binance "How to manage a local order book correctly" (spot and USD-M API docs, as
 * summarised in shared/docs/exchanges.md appendix B), Gate APIv4 WS docs (spot.order_book_update),
 * exchanges.md section 1 item 12.
 *
 * A synced book ignores a snapshot whose id is not newer than its last update (counted as
 * dropped_old): recorded REST snapshots often arrive after newer deltas, and replacing the book
 * would only break the chain.
 *
 * Deltas that arrive before a snapshot are buffered (bounded) and replayed when it arrives. A gap
 * or a crossed book marks the book STALE and counts it; a stale book keeps buffering deltas and
 * resynchronises on the next snapshot (counted as a resync). A stale book must not be quoted on.
 *
 * Levels near the touch live in a tick-indexed window (32768 ticks, with an occupancy bitmap
 * and summary words to find the next level) when the price grid is known (cfg.tick_m, or
 * inferred from the first snapshot as the GCD of its price differences): O(1) per change.
 * Levels outside the window, and every level when the grid is unknown or a price is off it, live
 * in sorted arrays cut into blocks of at most 32 levels with the best at the end, so an insert or
 * delete moves one block. Top of book is O(1). Capacity is fixed at creation;
 * running out marks the book stale (CX_ENOSPC), never allocates.
 */
#ifndef CEXARB_BOOK_H
#define CEXARB_BOOK_H

#include "cexarb/core.h"
#include "cexarb/md.h"

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------------
 * MARK: rules, states and types
 * ------------------------------------------------------------------------------------------- */

/* Threads: cx_book_rule_for_venue and cx_book_state_name are pure (no state): thread-safe from
 * any thread; never block, never allocate. */

/** Sequencing rules. */
enum cx_book_rule {
    CX_BOOK_RULE_BINANCE_SPOT = 0,
    CX_BOOK_RULE_BINANCE_USDM,
    CX_BOOK_RULE_GATE,
    CX_BOOK_RULE_MEXC,
    CX_BOOK_RULE_SNAPSHOT_ONLY, /* Hyperliquid */
};

/** The rule a venue uses. */
enum cx_book_rule cx_book_rule_for_venue(enum cx_venue venue);

/** Synchronisation state. */
enum cx_book_state {
    CX_BOOK_WAIT_SNAPSHOT = 0, /* no snapshot yet: deltas are buffered */
    CX_BOOK_SYNCED,            /* snapshot applied and every delta since in sequence */
    CX_BOOK_STALE,             /* gap, crossed book or overflow: waiting for a new snapshot */
};

const char *cx_book_state_name(enum cx_book_state s);

struct cx_book_cfg {
    uint32_t inst_id;         /* instrument the book is for (events for others are rejected) */
    enum cx_book_rule rule;   /* sequencing rule */
    uint32_t max_levels;      /* per side; 0 = 16384 */
    uint32_t max_buffered;    /* buffered delta events while waiting for a snapshot; 0 = 65536 */
    int64_t tick_m;           /* price tick at the instrument's price_exp; 0 = unknown (inferred
                                 from the first snapshot as the GCD of its price differences).
                                 Only a performance hint: off-grid prices are still handled. */
};

struct cx_book_stats {
    uint64_t messages;      /* depth/snapshot messages offered */
    uint64_t applied;       /* messages applied to the book */
    uint64_t snapshots;     /* snapshots applied */
    uint64_t dropped_old;   /* deltas older than the book (u before the snapshot) */
    uint64_t buffered;      /* deltas buffered while waiting for a snapshot */
    uint64_t buffer_overflow; /* deltas lost because the buffer was full (book stays waiting) */
    uint64_t gaps;          /* sequence breaks detected */
    uint64_t crossed;       /* messages after which best bid >= best ask */
    uint64_t resyncs;       /* re-synchronisations after a stale state */
    uint64_t level_changes; /* individual level inserts/updates/deletes applied */
    uint64_t level_overflow; /* level inserts refused for lack of capacity */
};

/** Best bid and offer. Prices and quantities at the instrument's exponents. */
struct cx_book_top {
    bool has_bid;          /* bid side not empty */
    bool has_ask;          /* ask side not empty */
    int64_t bid_price_m;   /* best bid price (valid when has_bid) */
    int64_t bid_qty_m;     /* quantity at best bid */
    int64_t ask_price_m;   /* best ask price (valid when has_ask) */
    int64_t ask_qty_m;     /* quantity at best ask */
};

/* ---------------------------------------------------------------------------------------------
 * MARK: book lifecycle
 * ------------------------------------------------------------------------------------------- */

/* Threads: a book has one owner thread (the engine thread for the runtime's and the simulated
 * venue's books, the calling thread for cx_replay_run's); not thread-safe, nothing locks.
 * cx_book_apply never blocks and never allocates; cx_book_new allocates (set-up only). */

struct cx_book; /* opaque */

/**
 * Create a book.
 * @param cfg  borrowed.
 * @return 0 and *out; CX_EINVAL (capacity above 2^30, unknown rule); CX_ENOMEM. Allocates all
 *         level and buffer storage up front.
 */
int cx_book_new(struct cx_book **out, const struct cx_book_cfg *cfg);

/** Free a book (NULL is a no-op). */
void cx_book_free(struct cx_book *b);

/**
 * Apply one message: a run of events from CX_MD_F_BEGIN to CX_MD_F_END, all DEPTH_DELTA or all
 * DEPTH_SNAPSHOT, for this book's instrument. BBO and trade events are ignored (return 0).
 * @param ev  borrowed, ev[0..n).
 * @return 0 when applied, buffered or dropped as old (see stats); CX_EGAP when this message
 *         revealed a gap (book now STALE); CX_ECROSSED when applying it crossed the book (book
 *         now STALE); CX_ENOSPC when a level could not be stored (STALE); CX_EINVAL for a run
 *         that is not one well-formed message for this instrument (book unchanged).
 * Never allocates. O(k log L) for k levels in the message and L levels on a side.
 */
int cx_book_apply(struct cx_book *b, const struct cx_md_event *ev, uint32_t n);

/* ---------------------------------------------------------------------------------------------
 * MARK: book queries
 * ------------------------------------------------------------------------------------------- */

/* Threads: the book's owner thread. These only read the book, so several threads may query one
 * book at once while nothing applies to it; a query concurrent with cx_book_apply is a data race
 * (no seqlock copy is published yet, STYLE.md F.40). Never block, never allocate. */

/** Current state. */
enum cx_book_state cx_book_state(const struct cx_book *b);

/** Last update id applied (Binance `u`, Gate `u`, snapshot id), 0 before any. */
uint64_t cx_book_last_seq(const struct cx_book *b);

/** Counters. Valid for the book's lifetime. */
const struct cx_book_stats *cx_book_stats(const struct cx_book *b);

/** Best bid and offer in O(1). */
void cx_book_top(const struct cx_book *b, struct cx_book_top *out);

/** Number of levels on a side. */
uint32_t cx_book_depth(const struct cx_book *b, enum cx_side side);

/**
 * Level i of a side, 0 = best.
 * @return 0; CX_ERANGE when i >= depth; CX_EINVAL for a bad side.
 */
int cx_book_level(const struct cx_book *b, enum cx_side side, uint32_t i, int64_t *out_price_m,
                  int64_t *out_qty_m);

/* ---------------------------------------------------------------------------------------------
 * MARK: depth walk
 * ------------------------------------------------------------------------------------------- */

/* Threads: as the book queries: read-only, the book's owner thread (other threads only while
 * nothing applies to the book). Never block, never allocate. */

/** Result of walking one side of the book. Doubles are for analytics only. */
struct cx_book_walk {
    int64_t filled_qty_m;   /* quantity that the book could fill, at qty_exp */
    int64_t worst_price_m;  /* price of the last level touched (0 when nothing filled) */
    uint32_t levels;        /* levels touched */
    bool complete;          /* the whole request could be filled */
    double notional;        /* quote notional of the fill, in quote units */
    double vwap;            /* notional / filled quantity, in price units (0 if none) */
    double impact_bps;      /* |vwap - mid| / mid * 1e4 (0 when there is no mid) */
};

/**
 * Walk the side a taker would hit: buying walks asks, selling walks bids.
 * @param taker_side  CX_SIDE_BID to buy (walks asks), CX_SIDE_ASK to sell (walks bids).
 * @param qty_m  base quantity to fill at the instrument's qty_exp (> 0).
 * @param price_exp, qty_exp  the instrument's exponents (for the double outputs).
 * @return 0 (possibly incomplete); CX_EINVAL for qty_m <= 0.
 * Never allocates; O(levels touched).
 */
int cx_book_walk_qty(const struct cx_book *b, enum cx_side taker_side, int64_t qty_m,
                     int price_exp, int qty_exp, struct cx_book_walk *out);

/**
 * As cx_book_walk_qty, but fill up to a quote notional (in quote units, > 0). The last level
 * is filled partially, rounded down to whole quantity units (qty mantissa), so the fill never
 * exceeds the notional.
 */
int cx_book_walk_notional(const struct cx_book *b, enum cx_side taker_side, double notional,
                          int price_exp, int qty_exp, struct cx_book_walk *out);

/**
 * Cumulative quantity on a side within `bps` basis points of mid (inclusive).
 * @return 0 and *out_qty_m; CX_ESTATE when either side is empty (no mid); CX_EINVAL for a
 *         negative or NaN bps.
 */
int cx_book_depth_within_bps(const struct cx_book *b, enum cx_side side, double bps,
                             int64_t *out_qty_m);

#ifdef __cplusplus
}
#endif
#endif /* CEXARB_BOOK_H */
