/* SPDX-License-Identifier: MIT */
/*
 * Private layout of the fast book (struct cx_book), shared by book.c (sequencing and level
 * updates) and walk.c (depth analytics). Nothing outside src/book/ may include this file.
 *
 * Key invariant: each side is an array of (key, qty) sorted by strictly ascending key with the
 * best level at the end, lv[n - 1]. Bids use key = price; asks use key = ~price (= -price - 1,
 * which reverses the order without the overflow that -INT64_MIN would hit), so both sides share
 * one search and one insert routine. Quantities stored are never 0 (a 0 deletes the level).
 */
#ifndef CX_BOOK_INT_H
#define CX_BOOK_INT_H

#include "cexarb/book.h"

#include <stdbool.h>
#include <stdint.h>

/** One stored level. */
struct cx__book_level {
    int64_t key;   /* bids: price mantissa; asks: ~price mantissa (ascending = worse to better) */
    int64_t qty_m; /* level quantity mantissa, never 0 */
};

/** One side: lv[0..n) ascending by key, best at lv[n - 1]. */
struct cx__book_side {
    struct cx__book_level *lv; /* cfg.max_levels entries, allocated in cx_book_new */
    uint32_t n;                /* levels in use */
};

struct cx_book {
    struct cx__book_side side[2]; /* indexed by enum cx_side (== event flags & CX_MD_F_ASK) */
    uint32_t max_levels;          /* capacity per side, levels */
    uint8_t state;                /* enum cx_book_state */
    bool is_chained;              /* a delta was applied since the last snapshot, so the next
                                     one must be contiguous (else it must straddle last_seq) */
    uint64_t last_seq;            /* last update id applied (snapshot id or delta `u`) */
    struct cx_book_cfg cfg;       /* configuration with defaults filled in */

    /* Delta buffer used while WAIT_SNAPSHOT / STALE: a ring of whole messages (events with
     * BEGIN..END), oldest at ring_head. A message may wrap around the end of the array. */
    struct cx_md_event *ring; /* ring_cap events */
    uint32_t ring_cap;        /* capacity, events */
    uint32_t ring_head;       /* index of the oldest buffered event */
    uint32_t ring_used;       /* events buffered */
    uint32_t ring_msgs;       /* messages buffered */

    struct cx_book_stats stats; /* counters, see book.h */
};

/** Price mantissa of a stored key on side `side` (0 bid, 1 ask). */
static inline int64_t cx__book_key_price(unsigned side, int64_t key)
{
    return side ? ~key : key;
}

#endif /* CX_BOOK_INT_H */
