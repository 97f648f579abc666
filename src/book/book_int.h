/* SPDX-License-Identifier: MIT */
/*
 * Private layout of the fast book (struct cx_book), shared by book.c (sequencing and level
 * updates) and walk.c (depth analytics). Nothing outside src/book/ may include this file.
 *
 * Key invariant: each side is a sequence of (key, qty) sorted by strictly ascending key with the
 * best level last. Bids use key = price; asks use key = ~price (= -price - 1, which reverses the
 * order without the overflow that -INT64_MIN would hit), so both sides share one search and one
 * insert routine. Quantities stored are never 0 (a 0 deletes the level).
 *
 * The sequence is cut into blocks of at most CX__BOOK_BLK levels (an unrolled list): the
 * directory dir[0..nd) lists the blocks in ascending key order, with each block's first key in
 * dkey[] and the number of levels in the blocks before it in cum[] (so level ranks are found by
 * binary search). Blocks are never empty, and any two neighbours hold more than
 * CX__BOOK_BLK / 2 levels together, so nd < 4 * n / CX__BOOK_BLK + 1 and the pool allocated in
 * cx_book_new never runs out. An insert or delete moves at most one block's entries.
 */
#ifndef CX_BOOK_INT_H
#define CX_BOOK_INT_H

#include "cexarb/book.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Levels per block (a power of two). */
#define CX__BOOK_BLK 32u

/** One stored level. */
struct cx__book_level {
    int64_t key;   /* bids: price mantissa; asks: ~price mantissa (ascending = worse to better) */
    int64_t qty_m; /* level quantity mantissa, never 0 */
};

/** A block of levels: key[0..n) ascending with quantities qty_m[0..n), 1 <= n <= CX__BOOK_BLK
 * while in use. Keys are kept apart from quantities so a search reads few cache lines. */
struct cx__book_blk {
    uint32_t n;
    int64_t key[CX__BOOK_BLK];
    int64_t qty_m[CX__BOOK_BLK];
};

/** One side: the blocks dir[0..nd) in ascending key order; best level at the end of the last. */
struct cx__book_side {
    struct cx__book_blk *pool; /* nblk blocks, allocated in cx_book_new */
    uint32_t *dir;             /* nd block ids (pool indices), ascending */
    int64_t *dkey;             /* dkey[j] = first key of block dir[j] */
    uint32_t *cum;             /* cum[j] = levels in blocks dir[0..j) */
    uint32_t *free_blk;        /* stack of unused block ids, nfree entries */
    uint32_t nd;               /* blocks in use */
    uint32_t nfree;            /* unused blocks */
    uint32_t nblk;             /* blocks in the pool */
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

/** Best level of a non-empty side. */
static inline struct cx__book_level cx__book_best(const struct cx__book_side *s)
{
    const struct cx__book_blk *bk = &s->pool[s->dir[s->nd - 1]];
    struct cx__book_level lv = {bk->key[bk->n - 1], bk->qty_m[bk->n - 1]};
    return lv;
}

/** Iterator from the best level towards the worst. */
struct cx__book_iter {
    const struct cx__book_side *s;
    uint32_t d; /* directory position + 1 of the current block (0 = done) */
    uint32_t i; /* entries left in the current block */
};

static inline void cx__book_iter_init(struct cx__book_iter *it, const struct cx__book_side *s)
{
    it->s = s;
    it->d = s->nd;
    it->i = s->nd > 0 ? s->pool[s->dir[s->nd - 1]].n : 0;
}

/** Next level (best first) into *out; false after the worst. */
static inline bool cx__book_iter_next(struct cx__book_iter *it, struct cx__book_level *out)
{
    if (it->i == 0) {
        if (it->d <= 1)
            return false;
        it->d--;
        it->i = it->s->pool[it->s->dir[it->d - 1]].n;
    }
    it->i--;
    const struct cx__book_blk *bk = &it->s->pool[it->s->dir[it->d - 1]];
    out->key = bk->key[it->i];
    out->qty_m = bk->qty_m[it->i];
    return true;
}

#endif /* CX_BOOK_INT_H */
