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
 *
 * Tick window (STYLE.md item 67, the hftbacktest "range of interest"): when the price grid is
 * known (cfg.tick_m, or inferred from the first snapshot), each side also has a tick-indexed
 * quantity array wq[0..CX__BOOK_WIN) over the keys wbase + k * tick (k = tick index), with a
 * bitmap of the non-empty ticks (wbits, one bit per tick) and a summary word (bit w set when
 * wbits[w] != 0). While the window is on (won), every level whose key lies in
 * [wbase, whi] (whi = wbase + (CX__BOOK_WIN - 1) * tick) is in the window and on the grid
 * (an off-grid key inside that range turns the window off until the next rebuild that can put
 * one there); the blocked arrays hold every other level. So, best first, a side is: the nab
 * blocked levels above whi, then the window, then the rest of the blocked levels. The window is
 * re-centred (rebuilt from all levels, O(n + CX__BOOK_WIN / 64)) when a level lands above it or
 * its best falls into its lowest quarter (nhi == 0), keeping the best price about 3/4 up the
 * window. wcnt[] counts levels per summary word so level(i) finds rank i in O(CX__BOOK_WIN /
 * 4096 + 64) word reads.
 */
#ifndef CX_BOOK_INT_H
#define CX_BOOK_INT_H

#include "cexarb/book.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Levels per block (a power of two). */
#define CX__BOOK_BLK 32u

/** Ticks in the window: bitmap words of 64 ticks, summary words of 64 bitmap words. */
#define CX__BOOK_WIN 32768u
#define CX__BOOK_WWORDS (CX__BOOK_WIN / 64u)
#define CX__BOOK_WSUMS (CX__BOOK_WWORDS / 64u)

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
    uint32_t n;                /* levels in use in the blocked arrays */

    /* Tick window (see the file comment). */
    uint32_t nw;               /* levels in the window */
    uint32_t nab;              /* blocked levels with key > whi (0 while the window is off) */
    uint32_t nhi;              /* window levels at tick index >= CX__BOOK_WIN / 4 */
    bool won;                  /* window on: wbase/whi valid and the invariant holds */
    bool wwant;                /* the window should be on (grid known, no off-grid conflict) */
    int64_t wbase;             /* key of tick index 0 (on the grid) */
    int64_t whi;               /* key of the last tick index; INT64_MAX while off */
    int64_t tick;              /* grid step in key units; 0 = unknown (window never on) */
    int64_t anchor;            /* a key on the grid */
    uint64_t wmagic;           /* ceil(2^48 / odd), tick = odd << wshift: for d = key - wbase,
                                  index = ((d >> wshift) * wmagic) >> 48 */
    uint32_t wshift;           /* trailing zero bits of tick */
    uint64_t wsum[CX__BOOK_WSUMS]; /* bit w % 64 of wsum[w / 64] set when wbits[w] != 0 */
    uint32_t wcnt[CX__BOOK_WSUMS]; /* levels in the ticks of each summary word */
    uint64_t wbits[CX__BOOK_WWORDS]; /* bit k % 64 of word k / 64: tick index k non-empty */
    int64_t *wq;               /* CX__BOOK_WIN quantities, valid where the wbits bit is set
                                  (stale elsewhere); allocated in cx_book_new */
    struct cx__book_level *scratch; /* max_levels entries shared by both sides (rebuilds) */
};

struct cx_book {
    struct cx__book_side side[2]; /* indexed by enum cx_side (== event flags & CX_MD_F_ASK) */
    uint32_t max_levels;          /* capacity per side, levels */
    uint8_t state;                /* enum cx_book_state */
    bool is_chained;              /* a delta was applied since the last snapshot, so the next
                                     one must be contiguous (else it must straddle last_seq) */
    uint64_t last_seq;            /* last update id applied (snapshot id or delta `u`) */
    bool is_grid_tried;           /* the price grid is set from cfg.tick_m or was inferred */
    struct cx__book_level *scratch; /* max_levels levels for side rebuilds */
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

/** Levels on a side (blocked arrays and window). */
static inline uint32_t cx__book_count(const struct cx__book_side *s)
{
    return s->n + s->nw;
}

/** Highest non-empty tick index of a window with nw > 0. */
static inline uint32_t cx__book_win_top(const struct cx__book_side *s)
{
    uint32_t g = CX__BOOK_WSUMS - 1u;
    while (s->wsum[g] == 0)
        g--;
    uint32_t w = g * 64u + 63u - (uint32_t)__builtin_clzll(s->wsum[g]);
    return w * 64u + 63u - (uint32_t)__builtin_clzll(s->wbits[w]);
}

/** Key of window tick index k. */
static inline int64_t cx__book_win_key(const struct cx__book_side *s, uint32_t k)
{
    return (int64_t)((uint64_t)s->wbase + (uint64_t)k * (uint64_t)s->tick);
}

/** Best level of the blocked arrays (n > 0). */
static inline struct cx__book_level cx__book_blk_best(const struct cx__book_side *s)
{
    const struct cx__book_blk *bk = &s->pool[s->dir[s->nd - 1]];
    struct cx__book_level lv = {bk->key[bk->n - 1], bk->qty_m[bk->n - 1]};
    return lv;
}

/** Best level of a non-empty side. */
static inline struct cx__book_level cx__book_best(const struct cx__book_side *s)
{
    if (s->nab == 0 && s->nw > 0) {
        uint32_t k = cx__book_win_top(s);
        struct cx__book_level lv = {cx__book_win_key(s, k), s->wq[k]};
        return lv;
    }
    return cx__book_blk_best(s);
}

/** Key of the best level of a non-empty side. */
static inline int64_t cx__book_best_key(const struct cx__book_side *s)
{
    if (s->nab == 0 && s->nw > 0)
        return cx__book_win_key(s, cx__book_win_top(s));
    return cx__book_blk_best(s).key;
}

/** Iterator from the best level towards the worst: nab blocked levels, the window, the rest. */
struct cx__book_iter {
    const struct cx__book_side *s;
    uint32_t d;     /* directory position + 1 of the current block (0 = done) */
    uint32_t i;     /* entries left in the current block */
    uint32_t above; /* blocked levels to take before the window */
    uint32_t phase; /* 0: blocked above the window, 1: window, 2: blocked below */
    uint32_t w;     /* window: index of the word in `bits` */
    uint64_t bits;  /* window: bits of word w not yet taken */
};

static inline void cx__book_iter_init(struct cx__book_iter *it, const struct cx__book_side *s)
{
    it->s = s;
    it->d = s->nd;
    it->i = s->nd > 0 ? s->pool[s->dir[s->nd - 1]].n : 0;
    it->above = s->nab;
    it->phase = s->nab > 0 ? 0u : 1u;
    it->w = CX__BOOK_WWORDS - 1u;
    it->bits = s->nw > 0 ? s->wbits[CX__BOOK_WWORDS - 1u] : 0;
}

/* Next level of the blocked arrays (best first). */
static inline bool cx__book_iter_blk(struct cx__book_iter *it, struct cx__book_level *out)
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

/** Next level (best first) into *out; false after the worst. */
static inline bool cx__book_iter_next(struct cx__book_iter *it, struct cx__book_level *out)
{
    if (it->phase == 0) {
        if (it->above > 0) {
            it->above--;
            return cx__book_iter_blk(it, out);
        }
        it->phase = 1;
    }
    if (it->phase == 1) {
        const struct cx__book_side *s = it->s;
        if (s->nw > 0) {
            while (it->bits == 0 && it->w > 0) {
                it->w--;
                it->bits = s->wbits[it->w];
            }
            if (it->bits != 0) {
                uint32_t bit = 63u - (uint32_t)__builtin_clzll(it->bits);
                uint32_t k = it->w * 64u + bit;
                it->bits &= ~(1ull << bit);
                out->key = cx__book_win_key(s, k);
                out->qty_m = s->wq[k];
                return true;
            }
        }
        it->phase = 2;
    }
    return cx__book_iter_blk(it, out);
}

#endif /* CX_BOOK_INT_H */
