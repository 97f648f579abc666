/* SPDX-License-Identifier: MIT */
/*
 * The fast L2 book: sorted level arrays with the best price at the end, each venue's
 * sequencing rule, a bounded buffer of delta messages for (re)synchronisation, and counters.
 * src/book/book_ref.c implements the same contract independently; tests/unit/test_book.c
 * requires both to agree after every message of long randomized streams. The decisions below
 * are the contract both implement.
 *
 * Sequencing (cx_book_rule). Sources as listed in book.h: Binance "How to manage a local order
 * book correctly" (spot and USD-M), Gate APIv4 spot.order_book_update, MEXC fromVersion/
 * toVersion, all as summarised in shared/docs/exchanges.md section 1 item 12 and appendix B;
 * this file follows that summary and did not re-read the venue pages.
 * With lid = the snapshot's id, U = seq_first, u = seq, pu = seq_prev:
 *  - First delta after a snapshot ("straddle"): spot, Gate and MEXC drop u <= lid and apply
 *    U <= lid + 1 <= u; USD-M drops u < lid and applies U <= lid <= u. Anything else is a gap.
 *    (The summary gives MEXC only its chaining rule; its start here is our reading, as spot.)
 *  - Later deltas ("chained"): u <= last applied u is an old or duplicate message and is
 *    dropped (dropped_old); otherwise spot, Gate and MEXC need U == last + 1 and USD-M needs
 *    pu == last (a USD-M delta without CX_MD_F_HAS_PREV falls back to U == last + 1, which
 *    reports a gap rather than trusting an unchecked message). Anything else is a gap.
 *  - CX_BOOK_RULE_SNAPSHOT_ONLY (Hyperliquid): every snapshot replaces the book; deltas are
 *    applied unchecked while SYNCED and dropped (dropped_old) otherwise, because without
 *    sequence ids they cannot be placed relative to any snapshot. Nothing is ever buffered.
 *
 * States and the buffer:
 *  - WAIT_SNAPSHOT and STALE buffer every delta message (stats.buffered) in a ring of
 *    cfg.max_buffered events. When it is full, the OLDEST whole messages are dropped until the
 *    new one fits (one buffer_overflow per message lost): a snapshot fetched now is newer than
 *    the oldest deltas, so those are the least useful. A message larger than the whole ring
 *    empties it (every message lost is counted, itself included): without it, nothing older
 *    could be chained past it anyway.
 *  - A snapshot replaces both sides, sets last_seq to its id, then replays the buffer oldest
 *    first through the rules above. The book ends SYNCED, or STALE when a replayed message
 *    gaps, crosses the book or overflows a side. If it was STALE before and ends SYNCED, that
 *    is a resync. Exception: a SYNCED book ignores a snapshot with id <= last_seq (counted
 *    as dropped_old): it is not newer than the book, and replacing the book with it would only
 *    break the chain (a REST snapshot commonly arrives after deltas that are newer than it).
 *  - A snapshot's levels are applied as if one by one onto an empty book (qty 0 deletes,
 *    a repeated price overwrites); they do not count as level_changes.
 *  - Going STALE (gap, crossed, level overflow): the buffer keeps the message that caused it
 *    (when it is a delta; a later snapshot may need it, even if it was applied) and every
 *    buffered message after it; older buffered messages are discarded. For a live message in
 *    SYNCED that means the buffer holds exactly that message; storing it is not counted in
 *    `buffered`. When a snapshot itself crosses or overflows, all buffered messages are kept.
 *
 * Per message outcomes (stats): `messages` counts every well-formed depth or snapshot message
 * offered; `applied` counts delta messages applied in full (live or replayed) and snapshots
 * applied in full; `snapshots` counts snapshots that replaced the book (even if they then
 * crossed or overflowed). A gap, a crossed book or a level overflow is counted once in gaps,
 * crossed or level_overflow; a crossing message was applied (applied and last_seq advance);
 * an overflowing message stops at the first refused insert (levels before it stay applied,
 * applied and last_seq do not advance). level_changes counts delta levels that inserted,
 * updated (even to the same quantity) or deleted a level; deleting a missing level is a
 * no-op and is not counted. A malformed run (CX_EINVAL) changes nothing, not even counters.
 *
 * Hot path: a delta in SYNCED is validated, sequence-checked and applied level by level. A level
 * on the grid inside the tick window (book_int.h) is one index computation (multiply and shift,
 * checked by multiplying back) and a bitmap update; only inserts and updates can cross a book
 * that was not crossed, so the crossed check runs only after those. Elsewhere, a level lookup
 * compares the top CX__BOOK_SCAN entries, then gallops away from the top and finishes
 * with a binary search (side_upper_bound); insert and delete memmove the entries above the
 * level, which are few near the top. No allocation, no division.
 */
#include "book_int.h"

#include <stdlib.h>
#include <string.h>

/* Entries compared at the best end before searching. 8 entries are 128 bytes (two cache lines)
 * and eight branch-free compares; on a synthetic 1000-level book with 60% of changes in the top
 * 5 levels, 30% in 5..19 and 10% in 20..99 this beat an early-exit scan followed by a plain
 * binary search by ~5% (cachegrind's branch model: about a quarter fewer mispredictions, about
 * the same instruction count). Not yet checked on recorded
 * streams; side_upper_bound spells out the 8 compares, so change both together. */
#define CX__BOOK_SCAN 8u

#define CX__BOOK_DEFAULT_LEVELS 16384u
#define CX__BOOK_DEFAULT_BUFFERED 65536u
/* Upper bound for both capacities: keeps the galloping step and ring index sums in uint32. */
#define CX__BOOK_MAX_CAPACITY (1u << 30)

/* ---------------------------------------------------------------------------------------------
 * MARK: levels
 * ------------------------------------------------------------------------------------------- */

#define CX__BOOK_HALF (CX__BOOK_BLK / 2u)
/* Levels per block when a snapshot is loaded in bulk: room for a quarter more before a split. */
#define CX__BOOK_FILL (CX__BOOK_BLK - CX__BOOK_BLK / 4u)

/* Number of dkey entries <= `key` (n >= 1).
 * Most changes land near the best price, so the search starts there: the top CX__BOOK_SCAN
 * entries are compared without branches (where the level lands among them is unpredictable,
 * whether it lands among them at all is not); beyond them a galloping search (Bentley and Yao,
 * "An almost optimal algorithm for unbounded searching", 1976) brackets the level within
 * windows that double away from the top, and a binary search finishes inside the bracket. A
 * level d entries from the top costs O(log d) comparisons, the first few of them predictable. */
static inline uint32_t dir_upper_bound(const int64_t *dk, uint32_t n, int64_t key)
{
    uint32_t above = 0;

    if (n < CX__BOOK_SCAN) {
        for (uint32_t j = 0; j < n; j++)
            above += dk[j] > key;
        return n - above;
    }
    /* Written out so that -O2 emits eight independent compares rather than a loop. */
    const int64_t *top = dk + (n - CX__BOOK_SCAN);
    above = (uint32_t)(top[0] > key) + (uint32_t)(top[1] > key) + (uint32_t)(top[2] > key) +
            (uint32_t)(top[3] > key) + (uint32_t)(top[4] > key) + (uint32_t)(top[5] > key) +
            (uint32_t)(top[6] > key) + (uint32_t)(top[7] > key);
    if (above < CX__BOOK_SCAN)
        return n - above;

    /* dk[hi] > key, so the answer is in [lo, hi]. */
    uint32_t hi = n - CX__BOOK_SCAN;
    uint32_t lo = 0;
    for (uint32_t step = CX__BOOK_SCAN; hi > step; step <<= 1) {
        uint32_t probe = hi - step;
        if (dk[probe] <= key) {
            lo = probe + 1;
            break;
        }
        hi = probe;
    }
    while (lo < hi) {
        uint32_t mid = lo + ((hi - lo) >> 1);
        if (dk[mid] > key)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* Number of keys k[0..n) <= `key` (branch-free binary search, n >= 1). */
static inline uint32_t blk_upper_bound(const int64_t *k, uint32_t n, int64_t key)
{
    const int64_t *base = k;

    while (n > 1) {
        uint32_t half = n >> 1;
        base = base[half] <= key ? base + half : base;
        n -= half;
    }
    return (uint32_t)(base - k) + (uint32_t)(*base <= key);
}

/* Empty a side and take blocks 0..nd for the directory positions 0..nd (bulk loads). */
static void side_reset(struct cx__book_side *s, uint32_t nd)
{
    for (uint32_t j = 0; j < nd; j++)
        s->dir[j] = j;
    s->nfree = 0;
    for (uint32_t id = s->nblk; id > nd; id--)
        s->free_blk[s->nfree++] = id - 1;
    s->nd = nd;
    s->n = 0;
}

/* Open a directory slot at position j (entries j.. move up one). */
static void dir_open(struct cx__book_side *s, uint32_t j)
{
    size_t k = (size_t)(s->nd - j);
    memmove(&s->dir[j + 1], &s->dir[j], k * sizeof *s->dir);
    memmove(&s->dkey[j + 1], &s->dkey[j], k * sizeof *s->dkey);
    memmove(&s->cum[j + 1], &s->cum[j], k * sizeof *s->cum);
    s->nd++;
}

/* Drop directory position j, returning its block to the pool. */
static void dir_close(struct cx__book_side *s, uint32_t j)
{
    size_t k = (size_t)(s->nd - j - 1);
    s->free_blk[s->nfree++] = s->dir[j];
    memmove(&s->dir[j], &s->dir[j + 1], k * sizeof *s->dir);
    memmove(&s->dkey[j], &s->dkey[j + 1], k * sizeof *s->dkey);
    memmove(&s->cum[j], &s->cum[j + 1], k * sizeof *s->cum);
    s->nd--;
}

/* Move the levels of block j + 1 to the end of block j (together at most CX__BOOK_BLK). */
static void blk_merge(struct cx__book_side *s, uint32_t j)
{
    struct cx__book_blk *l = &s->pool[s->dir[j]];
    const struct cx__book_blk *r = &s->pool[s->dir[j + 1]];

    memcpy(&l->key[l->n], r->key, (size_t)r->n * sizeof *r->key);
    memcpy(&l->qty_m[l->n], r->qty_m, (size_t)r->n * sizeof *r->qty_m);
    l->n += r->n;
    dir_close(s, j + 1);
    s->dkey[j] = l->key[0];
}

/* Insert a level at index i of the block at directory position j (i may be bk->n). */
static void blk_insert(struct cx__book_side *s, uint32_t j, uint32_t i, int64_t key, int64_t qty_m)
{
    struct cx__book_blk *bk = &s->pool[s->dir[j]];

    if (bk->n == CX__BOOK_BLK) {
        /* Split in halves; the pool cannot be empty (see book_int.h). */
        uint32_t id = s->free_blk[--s->nfree];
        struct cx__book_blk *nb = &s->pool[id];
        memcpy(nb->key, &bk->key[CX__BOOK_HALF], (size_t)CX__BOOK_HALF * sizeof *nb->key);
        memcpy(nb->qty_m, &bk->qty_m[CX__BOOK_HALF], (size_t)CX__BOOK_HALF * sizeof *nb->qty_m);
        nb->n = CX__BOOK_HALF;
        bk->n = CX__BOOK_HALF;
        dir_open(s, j + 1);
        s->dir[j + 1] = id;
        s->dkey[j + 1] = nb->key[0];
        s->cum[j + 1] = s->cum[j] + CX__BOOK_HALF;
        if (i > CX__BOOK_HALF) {
            j++;
            i -= CX__BOOK_HALF;
            bk = nb;
        }
    }
    memmove(&bk->key[i + 1], &bk->key[i], (size_t)(bk->n - i) * sizeof *bk->key);
    memmove(&bk->qty_m[i + 1], &bk->qty_m[i], (size_t)(bk->n - i) * sizeof *bk->qty_m);
    bk->key[i] = key;
    bk->qty_m[i] = qty_m;
    bk->n++;
    if (i == 0)
        s->dkey[j] = key;
    for (uint32_t k = j + 1; k < s->nd; k++)
        s->cum[k]++;
    s->n++;
}

/* Delete index i of the block at directory position j, then restore the block invariant. */
static void blk_delete(struct cx__book_side *s, uint32_t j, uint32_t i)
{
    struct cx__book_blk *bk = &s->pool[s->dir[j]];

    memmove(&bk->key[i], &bk->key[i + 1], (size_t)(bk->n - i - 1) * sizeof *bk->key);
    memmove(&bk->qty_m[i], &bk->qty_m[i + 1], (size_t)(bk->n - i - 1) * sizeof *bk->qty_m);
    bk->n--;
    if (i == 0 && bk->n > 0)
        s->dkey[j] = bk->key[0];
    for (uint32_t k = j + 1; k < s->nd; k++)
        s->cum[k]--;
    s->n--;
    if (bk->n > CX__BOOK_HALF)
        return;
    if (j > 0 && s->pool[s->dir[j - 1]].n + bk->n <= CX__BOOK_HALF) {
        blk_merge(s, j - 1);
        j--;
    }
    if (j + 1 < s->nd &&
        s->pool[s->dir[j]].n + s->pool[s->dir[j + 1]].n <= CX__BOOK_HALF)
        blk_merge(s, j);
    if (s->pool[s->dir[j]].n == 0)
        dir_close(s, j);
}

/* Set one level of the blocked arrays: qty 0 deletes. Returns 1 when the side changed, 0 for
 * the delete of a missing level, -1 when an insert found the side full (nothing changed). */
static inline int blk_set(struct cx__book_side *s, uint32_t cap, int64_t key, int64_t qty_m)
{
    uint32_t nd = s->nd;

    if (nd == 0) {
        if (qty_m == 0)
            return 0;
        if (cx__book_count(s) >= cap)
            return -1;
        uint32_t id = s->free_blk[--s->nfree];
        s->pool[id].n = 1;
        s->pool[id].key[0] = key;
        s->pool[id].qty_m[0] = qty_m;
        s->dir[0] = id;
        s->dkey[0] = key;
        s->cum[0] = 0;
        s->nd = 1;
        s->n = 1;
        return 1;
    }
    uint32_t j = dir_upper_bound(s->dkey, nd, key);
    j -= j > 0;
    struct cx__book_blk *bk = &s->pool[s->dir[j]];
    /* The block is often not in L1: start all its key lines loading at once rather than one
     * per step of the search. */
    for (uint32_t p = 0; p < CX__BOOK_BLK; p += 8)
        __builtin_prefetch(&bk->key[p]);
    uint32_t i = blk_upper_bound(bk->key, bk->n, key);

    if (i > 0 && bk->key[i - 1] == key) {
        if (qty_m != 0) {
            bk->qty_m[i - 1] = qty_m;
            return 1;
        }
        blk_delete(s, j, i - 1);
        return 1;
    }
    if (qty_m == 0)
        return 0;
    if (cx__book_count(s) >= cap)
        return -1;
    blk_insert(s, j, i, key, qty_m);
    return 1;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: tick window (book_int.h)
 * ------------------------------------------------------------------------------------------- */

/* Tick indexes below this are the window's lowest quarter: a best there re-centres it. */
#define CX__BOOK_LOW (CX__BOOK_WIN / 4u)
/* Ticks the window takes: tick = 2^z * odd with odd <= CX__BOOK_MAX_ODD, so the index
 * ((d >> z) * wmagic) >> 48 is exact and within 64 bits for d < CX__BOOK_WIN * tick
 * (CX__BOOK_WIN * odd^2 < 2^48). Decimal ticks 10^k (odd part 5^k) qualify up to k = 6. */
#define CX__BOOK_MAX_ODD ((uint64_t)1 << 16)
#define CX__BOOK_MAX_TICK ((int64_t)1 << 40)
/* Window keys stay within +-2^62, so a key below wbase never wraps into the window range. */
#define CX__BOOK_KEY_LIM ((int64_t)1 << 62)

/* Whether the window can use this tick (see CX__BOOK_MAX_ODD). */
static bool tick_ok(int64_t tick)
{
    return tick > 0 && tick <= CX__BOOK_MAX_TICK &&
           ((uint64_t)tick >> __builtin_ctzll((uint64_t)tick)) <= CX__BOOK_MAX_ODD;
}

/* Set the grid of a side (tick_ok(tick), anchor a key on it); the window is still off. */
static void side_set_grid(struct cx__book_side *s, int64_t tick, int64_t anchor)
{
    uint32_t z = (uint32_t)__builtin_ctzll((uint64_t)tick);
    uint64_t odd = (uint64_t)tick >> z;

    s->tick = tick;
    s->anchor = anchor;
    s->wshift = z;
    s->wmagic = (((uint64_t)1 << 48) + odd - 1u) / odd;
}

/* Empty the window and turn it off (its levels are lost: callers move them first or reset).
 * Quantities of empty ticks are left as they are: only the bitmap says which ticks hold one. */
static void win_clear(struct cx__book_side *s)
{
    memset(s->wbits, 0, sizeof s->wbits);
    memset(s->wsum, 0, sizeof s->wsum);
    memset(s->wcnt, 0, sizeof s->wcnt);
    s->nw = 0;
    s->nhi = 0;
    s->nab = 0;
    s->won = false;
    s->whi = INT64_MAX;
}

/*
 * Rebuild a side from all its levels: the window (when wanted) is placed with the best level's
 * tick 3/4 up, the other levels are bulk-loaded into the blocked arrays. An off-grid level
 * inside the chosen range, or a range beyond +-2^62, turns the window off (wwant = false) until
 * the next snapshot. O(n + CX__BOOK_WIN / 64); the set of levels does not change.
 */
static __attribute__((noinline)) void side_rebuild(struct cx__book_side *s)
{
    uint32_t n = cx__book_count(s);
    struct cx__book_level *lv = s->scratch;
    struct cx__book_iter it;
    struct cx__book_level x;
    uint32_t m = n;

    cx__book_iter_init(&it, s);
    while (m > 0 && cx__book_iter_next(&it, &x))
        lv[--m] = x;
    win_clear(s);
    if (s->wwant && s->tick > 0 && n > 0) {
        __int128 t = s->tick;
        __int128 off = (__int128)lv[n - 1].key - s->anchor;
        __int128 q = off / t;
        if (off % t < 0)
            q--;
        __int128 base = (__int128)s->anchor + (q - (__int128)(CX__BOOK_WIN / 4u * 3u)) * t;
        __int128 hi = base + (__int128)(CX__BOOK_WIN - 1u) * t;
        bool is_ok = base >= -(__int128)CX__BOOK_KEY_LIM && hi <= (__int128)CX__BOOK_KEY_LIM;
        for (uint32_t i = 0; is_ok && i < n; i++) {
            __int128 k = lv[i].key;
            if (k >= base && k <= hi && (k - base) % t != 0)
                is_ok = false;
        }
        if (is_ok) {
            s->won = true;
            s->wbase = (int64_t)base;
            s->whi = (int64_t)hi;
        } else {
            s->wwant = false;
        }
    }
    uint32_t nb = 0;
    for (uint32_t i = 0; i < n; i++)
        nb += !(s->won && lv[i].key >= s->wbase && lv[i].key <= s->whi);
    side_reset(s, (nb + CX__BOOK_FILL - 1) / CX__BOOK_FILL);
    uint32_t pos = 0;
    for (uint32_t i = 0; i < n; i++) {
        int64_t key = lv[i].key;
        if (s->won && key >= s->wbase && key <= s->whi) {
            uint32_t k = (uint32_t)(((uint64_t)key - (uint64_t)s->wbase) / (uint64_t)s->tick);
            s->wq[k] = lv[i].qty_m;
            s->wbits[k >> 6] |= 1ull << (k & 63u);
            s->wsum[k >> 12] |= 1ull << ((k >> 6) & 63u);
            s->wcnt[k >> 12]++;
            s->nw++;
            s->nhi += k >= CX__BOOK_LOW;
            continue;
        }
        struct cx__book_blk *bk = &s->pool[pos / CX__BOOK_FILL];
        bk->key[pos % CX__BOOK_FILL] = key;
        bk->qty_m[pos % CX__BOOK_FILL] = lv[i].qty_m;
        pos++;
        s->nab += key > s->whi;
    }
    for (uint32_t j = 0; j < s->nd; j++) {
        uint32_t left = nb - j * CX__BOOK_FILL;
        s->pool[j].n = left < CX__BOOK_FILL ? left : CX__BOOK_FILL;
        s->dkey[j] = s->pool[j].key[0];
        s->cum[j] = j * CX__BOOK_FILL;
    }
    s->n = nb;
}

/* side_set for a level that is not in the window range (or any level while it is off). */
static __attribute__((noinline)) int side_set_blk(struct cx__book_side *s, uint32_t cap,
                                                   int64_t key, int64_t qty_m)
{
    uint32_t before = s->n;
    int r = blk_set(s, cap, key, qty_m);

    if (r <= 0)
        return r;
    if (key > s->whi)
        s->nab = s->nab + s->n - before;
    if (s->wwant && (!s->won || key > s->whi || s->nhi == 0))
        side_rebuild(s);
    return r;
}

/* Set one level: qty 0 deletes. Returns 1 when the side changed, 0 for the delete of a missing
 * level, -1 when an insert found the side full (nothing changed). */
static inline __attribute__((always_inline)) int side_set(struct cx__book_side *s, uint32_t cap,
                                                          int64_t key, int64_t qty_m)
{
    if (s->won) {
        uint64_t d = (uint64_t)key - (uint64_t)s->wbase;
        if (d <= (uint64_t)s->whi - (uint64_t)s->wbase) {
            uint64_t k = ((d >> s->wshift) * s->wmagic) >> 48;
            if (d == k * (uint64_t)s->tick) {
                /* The bitmap says whether the tick holds a level, so the (often uncached)
                 * quantity is only ever stored here, never loaded. */
                uint64_t bit = 1ull << (k & 63u);
                uint64_t w = k >> 6;
                uint64_t word = s->wbits[w];
                if (qty_m != 0) {
                    if ((word & bit) == 0) {
                        if (cx__book_count(s) >= cap)
                            return -1;
                        s->wbits[w] = word | bit;
                        s->wsum[w >> 6] |= 1ull << (w & 63u);
                        s->wcnt[w >> 6]++;
                        s->nw++;
                        s->nhi += k >= CX__BOOK_LOW;
                    }
                    s->wq[k] = qty_m;
                    return 1;
                }
                if ((word & bit) == 0)
                    return 0;
                word &= ~bit;
                s->wbits[w] = word;
                if (word == 0)
                    s->wsum[w >> 6] &= ~(1ull << (w & 63u));
                s->wcnt[w >> 6]--;
                s->nw--;
                s->nhi -= k >= CX__BOOK_LOW;
                if (s->nhi == 0 && cx__book_count(s) > 0)
                    side_rebuild(s);
                return 1;
            }
            /* An off-grid level inside the window range: the window goes off. */
            s->wwant = false;
            side_rebuild(s);
        }
    }
    return side_set_blk(s, cap, key, qty_m);
}

/* Key of a level event: price for bids, ~price for asks (x ^ -1 == ~x). */
static inline int64_t event_key(const struct cx_md_event *e)
{
    return e->u.level.price_m ^ -(int64_t)(e->flags & CX_MD_F_ASK);
}

/* Apply the levels of (part of) a delta message. Returns 0 or CX_ENOSPC at the first insert
 * that did not fit (the levels before it stay applied). *is_add becomes true when a level was
 * inserted or updated (only those can cross a book that was not crossed). */
static inline int apply_delta_levels(struct cx_book *b, const struct cx_md_event *ev, uint32_t n,
                                     bool *is_add)
{
    uint64_t changes = 0;
    int rc = 0;

    for (uint32_t k = 0; k < n; k++) {
        const struct cx_md_event *e = &ev[k];
        if (e->flags & CX_MD_F_NOLEVEL)
            continue;
        int r = side_set(&b->side[e->flags & CX_MD_F_ASK], b->max_levels, event_key(e),
                         e->u.level.qty_m);
        if (r < 0) {
            rc = CX_ENOSPC;
            break;
        }
        *is_add = *is_add || (r > 0 && e->u.level.qty_m != 0);
        changes += (uint64_t)r;
    }
    b->stats.level_changes += changes;
    return rc;
}

static bool is_crossed(const struct cx_book *b)
{
    const struct cx__book_side *bid = &b->side[CX_SIDE_BID];
    const struct cx__book_side *ask = &b->side[CX_SIDE_ASK];

    return cx__book_count(bid) > 0 && cx__book_count(ask) > 0 &&
           cx__book_best_key(bid) >= ~cx__book_best_key(ask);
}

/*
 * Replace both sides with a snapshot's levels. Defined as applying each level in order to an
 * empty book (see the file comment). When each side's levels are strictly monotonic (venues
 * send them best first, the reverse of our order; worst first is accepted too), have no zero
 * quantity and fit, they are placed directly, CX__BOOK_FILL per block; zeros, duplicates, other
 * orders and more levels than fit take the one-by-one path, which gives the defined result,
 * overflow included. Returns 0 or CX_ENOSPC.
 */
static int load_snapshot(struct cx_book *b, const struct cx_md_event *ev, uint32_t n)
{
    uint32_t count[2] = {0, 0};
    int64_t prev[2] = {0, 0};
    bool is_up[2] = {true, true};
    bool is_down[2] = {true, true};
    bool is_simple = true;

    for (uint32_t k = 0; k < n; k++) {
        if (ev[k].flags & CX_MD_F_NOLEVEL)
            continue;
        unsigned s = ev[k].flags & CX_MD_F_ASK;
        int64_t key = event_key(&ev[k]);
        if (ev[k].u.level.qty_m == 0)
            is_simple = false;
        if (count[s] > 0) {
            is_up[s] = is_up[s] && prev[s] < key;
            is_down[s] = is_down[s] && prev[s] > key;
        }
        prev[s] = key;
        count[s]++;
    }
    for (unsigned s = 0; s < 2; s++) {
        is_simple = is_simple && (is_up[s] || is_down[s]) && count[s] <= b->max_levels;
        win_clear(&b->side[s]);
        b->side[s].wwant = false;
    }
    int rc = 0;
    if (is_simple) {
        uint32_t seen[2] = {0, 0};
        for (unsigned s = 0; s < 2; s++)
            side_reset(&b->side[s], (count[s] + CX__BOOK_FILL - 1) / CX__BOOK_FILL);
        for (uint32_t k = 0; k < n; k++) {
            const struct cx_md_event *e = &ev[k];
            if (e->flags & CX_MD_F_NOLEVEL)
                continue;
            unsigned s = e->flags & CX_MD_F_ASK;
            uint32_t pos = is_up[s] ? seen[s] : count[s] - 1 - seen[s];
            seen[s]++;
            struct cx__book_blk *bk = &b->side[s].pool[pos / CX__BOOK_FILL];
            bk->key[pos % CX__BOOK_FILL] = event_key(e);
            bk->qty_m[pos % CX__BOOK_FILL] = e->u.level.qty_m;
        }
        for (unsigned s = 0; s < 2; s++) {
            struct cx__book_side *sd = &b->side[s];
            for (uint32_t j = 0; j < sd->nd; j++) {
                uint32_t left = count[s] - j * CX__BOOK_FILL;
                sd->pool[j].n = left < CX__BOOK_FILL ? left : CX__BOOK_FILL;
                sd->dkey[j] = sd->pool[j].key[0];
                sd->cum[j] = j * CX__BOOK_FILL;
            }
            sd->n = count[s];
        }
    } else {
        side_reset(&b->side[0], 0);
        side_reset(&b->side[1], 0);
        for (uint32_t k = 0; k < n; k++) {
            const struct cx_md_event *e = &ev[k];
            if (e->flags & CX_MD_F_NOLEVEL)
                continue;
            if (blk_set(&b->side[e->flags & CX_MD_F_ASK], b->max_levels, event_key(e),
                        e->u.level.qty_m) < 0) {
                rc = CX_ENOSPC;
                break;
            }
        }
    }
    for (unsigned s = 0; s < 2; s++) {
        b->side[s].wwant = b->side[s].tick > 0;
        side_rebuild(&b->side[s]);
    }
    return rc;
}

/* Greatest common divisor of the differences of a snapshot's prices (0 when fewer than two
 * distinct prices). */
static uint64_t snapshot_grid(const struct cx_md_event *ev, uint32_t n, int64_t *out_anchor)
{
    uint64_t g = 0;
    bool has_first = false;
    int64_t p0 = 0;

    for (uint32_t k = 0; k < n; k++) {
        if (ev[k].flags & CX_MD_F_NOLEVEL)
            continue;
        int64_t p = ev[k].u.level.price_m;
        if (!has_first) {
            p0 = p;
            has_first = true;
            continue;
        }
        uint64_t d = p > p0 ? (uint64_t)p - (uint64_t)p0 : (uint64_t)p0 - (uint64_t)p;
        while (d != 0) {
            uint64_t r = g % d;
            g = d;
            d = r;
        }
    }
    *out_anchor = p0;
    return g;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: delta buffer (ring of whole messages)
 * ------------------------------------------------------------------------------------------- */

static inline uint32_t ring_wrap(const struct cx_book *b, uint32_t i)
{
    return i >= b->ring_cap ? i - b->ring_cap : i;
}

static void ring_clear(struct cx_book *b)
{
    b->ring_head = 0;
    b->ring_used = 0;
    b->ring_msgs = 0;
}

/* Events in the message starting at ring index `at` (stored runs always end with END). */
static uint32_t ring_msg_len(const struct cx_book *b, uint32_t at)
{
    uint32_t len = 1;
    while (!(b->ring[at].flags & CX_MD_F_END)) {
        at = ring_wrap(b, at + 1);
        len++;
    }
    return len;
}

static void ring_pop(struct cx_book *b, uint32_t len)
{
    b->ring_head = ring_wrap(b, b->ring_head + len);
    b->ring_used -= len;
    b->ring_msgs--;
    if (b->ring_msgs == 0)
        ring_clear(b);
}

/* Store a validated message, dropping the oldest messages to make room. Returns whether it
 * was stored. */
static bool ring_push(struct cx_book *b, const struct cx_md_event *ev, uint32_t n)
{
    if (n > b->ring_cap) {
        b->stats.buffer_overflow += (uint64_t)b->ring_msgs + 1;
        ring_clear(b);
        return false;
    }
    while (b->ring_cap - b->ring_used < n) {
        ring_pop(b, ring_msg_len(b, b->ring_head));
        b->stats.buffer_overflow++;
    }
    uint32_t tail = ring_wrap(b, b->ring_head + b->ring_used);
    uint32_t first = b->ring_cap - tail < n ? b->ring_cap - tail : n;
    memcpy(&b->ring[tail], ev, (size_t)first * sizeof *ev);
    memcpy(&b->ring[0], ev + first, (size_t)(n - first) * sizeof *ev);
    b->ring_used += n;
    b->ring_msgs++;
    return true;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: sequencing
 * ------------------------------------------------------------------------------------------- */

enum seq_verdict { SEQ_APPLY, SEQ_OLD, SEQ_GAP };

/* The venue rule for a delta while SYNCED (see the file comment). */
static inline enum seq_verdict seq_check(const struct cx_book *b, const struct cx_md_event *e)
{
    uint64_t u = e->seq;
    uint64_t first = e->u.level.seq_first;
    uint64_t last = b->last_seq;
    bool is_usdm = b->cfg.rule == CX_BOOK_RULE_BINANCE_USDM;

    if (b->is_chained) {
        if (u <= last)
            return SEQ_OLD;
        if (is_usdm && (e->flags & CX_MD_F_HAS_PREV))
            return e->u.level.seq_prev == last ? SEQ_APPLY : SEQ_GAP;
        return first == last + 1 ? SEQ_APPLY : SEQ_GAP;
    }
    if (is_usdm) {
        if (u < last)
            return SEQ_OLD;
        return first <= last ? SEQ_APPLY : SEQ_GAP; /* and last <= u */
    }
    if (u <= last)
        return SEQ_OLD;
    return first <= last + 1 ? SEQ_APPLY : SEQ_GAP; /* and last + 1 <= u; no wrap: u > last */
}

/*
 * Process one delta message while SYNCED, given as up to two contiguous pieces (a buffered
 * message can wrap around the ring). Returns 0 (applied or dropped as old), or CX_EGAP (not
 * applied), CX_ENOSPC (partly applied) or CX_ECROSSED (applied); the caller makes the book
 * STALE for those.
 */
static int synced_delta(struct cx_book *b, const struct cx_md_event *ev, uint32_t n,
                        const struct cx_md_event *ev2, uint32_t n2)
{
    switch (seq_check(b, ev)) {
    case SEQ_OLD:
        b->stats.dropped_old++;
        return 0;
    case SEQ_GAP:
        b->stats.gaps++;
        return CX_EGAP;
    case SEQ_APPLY:
        break;
    }
    bool is_add = false;
    int rc = apply_delta_levels(b, ev, n, &is_add);
    if (rc == 0 && n2 > 0)
        rc = apply_delta_levels(b, ev2, n2, &is_add);
    if (rc != 0) {
        b->stats.level_overflow++;
        return rc;
    }
    b->last_seq = ev->seq;
    b->is_chained = true;
    b->stats.applied++;
    /* A SYNCED book is never crossed before a delta, and deletes cannot cross it. */
    if (is_add && is_crossed(b)) {
        b->stats.crossed++;
        return CX_ECROSSED;
    }
    return 0;
}

/* Replay the buffer after a snapshot. On failure the failing message and everything after it
 * stay buffered. */
static int replay_buffer(struct cx_book *b)
{
    while (b->ring_msgs > 0) {
        uint32_t head = b->ring_head;
        uint32_t len = ring_msg_len(b, head);
        uint32_t n1 = b->ring_cap - head < len ? b->ring_cap - head : len;
        int rc = synced_delta(b, &b->ring[head], n1, b->ring, len - n1);
        if (rc != 0)
            return rc;
        ring_pop(b, len);
    }
    return 0;
}

static int on_snapshot(struct cx_book *b, const struct cx_md_event *ev, uint32_t n)
{
    bool was_stale = b->state == CX_BOOK_STALE;
    bool is_seq = b->cfg.rule != CX_BOOK_RULE_SNAPSHOT_ONLY;
    int rc;

    if (is_seq && b->state == CX_BOOK_SYNCED && ev->seq <= b->last_seq) {
        b->stats.dropped_old++;
        return 0;
    }
    b->stats.snapshots++;
    b->last_seq = ev->seq;
    b->is_chained = false;
    if (!b->is_grid_tried) {
        /* Tick unknown: infer the grid from the first snapshot. */
        int64_t anchor;
        uint64_t g = snapshot_grid(ev, n, &anchor);
        b->is_grid_tried = true;
        if (g > 0 && g <= (uint64_t)CX__BOOK_MAX_TICK && tick_ok((int64_t)g)) {
            side_set_grid(&b->side[CX_SIDE_BID], (int64_t)g, anchor);
            side_set_grid(&b->side[CX_SIDE_ASK], (int64_t)g, ~anchor);
        }
    }
    rc = load_snapshot(b, ev, n);
    if (rc != 0) {
        b->stats.level_overflow++;
        goto stale;
    }
    b->stats.applied++;
    if (is_crossed(b)) {
        b->stats.crossed++;
        rc = CX_ECROSSED;
        goto stale;
    }
    if (is_seq) {
        rc = replay_buffer(b);
        if (rc != 0)
            goto stale;
    }
    b->state = CX_BOOK_SYNCED;
    if (was_stale)
        b->stats.resyncs++;
    return 0;
stale:
    b->state = CX_BOOK_STALE;
    return rc;
}

/* CX_BOOK_RULE_SNAPSHOT_ONLY deltas: unchecked while SYNCED, useless otherwise. */
static int unsequenced_delta(struct cx_book *b, const struct cx_md_event *ev, uint32_t n)
{
    if (b->state != CX_BOOK_SYNCED) {
        b->stats.dropped_old++;
        return 0;
    }
    bool is_add = false;
    if (apply_delta_levels(b, ev, n, &is_add) != 0) {
        b->stats.level_overflow++;
        b->state = CX_BOOK_STALE;
        return CX_ENOSPC;
    }
    b->last_seq = ev->seq;
    b->stats.applied++;
    /* A SYNCED book is never crossed before a delta, and deletes cannot cross it. */
    if (is_add && is_crossed(b)) {
        b->stats.crossed++;
        b->state = CX_BOOK_STALE;
        return CX_ECROSSED;
    }
    return 0;
}

/* One well-formed message for this instrument: BEGIN only on the first event, END only on the
 * last, and the same type, instrument and sequence id on every event. */
static int validate_run(const struct cx_book *b, const struct cx_md_event *ev, uint32_t n)
{
    const struct cx_md_event *e0 = &ev[0];

    if (e0->inst_id != b->cfg.inst_id)
        return CX_EINVAL;
    if (n == 1) /* one event: only its flags can be wrong */
        return (e0->flags & (CX_MD_F_BEGIN | CX_MD_F_END)) == (CX_MD_F_BEGIN | CX_MD_F_END)
                   ? 0
                   : CX_EINVAL;
    for (uint32_t k = 0; k < n; k++) {
        unsigned want = (k == 0 ? CX_MD_F_BEGIN : 0u) | (k == n - 1 ? CX_MD_F_END : 0u);
        if ((ev[k].flags & (CX_MD_F_BEGIN | CX_MD_F_END)) != want || ev[k].type != e0->type ||
            ev[k].inst_id != e0->inst_id || ev[k].seq != e0->seq)
            return CX_EINVAL;
    }
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: public API
 * ------------------------------------------------------------------------------------------- */

int cx_book_new(struct cx_book **out, const struct cx_book_cfg *cfg)
{
    struct cx_book *b;

    if (out == NULL || cfg == NULL || (unsigned)cfg->rule > CX_BOOK_RULE_SNAPSHOT_ONLY ||
        cfg->max_levels > CX__BOOK_MAX_CAPACITY || cfg->max_buffered > CX__BOOK_MAX_CAPACITY)
        return CX_EINVAL;
    b = calloc(1, sizeof *b);
    if (b == NULL)
        return CX_ENOMEM;
    b->cfg = *cfg;
    if (b->cfg.max_levels == 0)
        b->cfg.max_levels = CX__BOOK_DEFAULT_LEVELS;
    if (b->cfg.max_buffered == 0)
        b->cfg.max_buffered = CX__BOOK_DEFAULT_BUFFERED;
    b->max_levels = b->cfg.max_levels;
    b->ring_cap = b->cfg.max_buffered;
    b->state = CX_BOOK_WAIT_SNAPSHOT;
    for (unsigned s = 0; s < 2; s++) {
        struct cx__book_side *sd = &b->side[s];
        /* Enough blocks for the invariant in book_int.h at max_levels levels. */
        sd->nblk = (uint32_t)(4u * (uint64_t)b->max_levels / CX__BOOK_BLK + 2u);
        sd->pool = calloc(sd->nblk, sizeof *sd->pool);
        sd->dir = calloc(sd->nblk, sizeof *sd->dir);
        sd->dkey = calloc(sd->nblk, sizeof *sd->dkey);
        sd->cum = calloc(sd->nblk, sizeof *sd->cum);
        sd->free_blk = calloc(sd->nblk, sizeof *sd->free_blk);
        sd->wq = calloc(CX__BOOK_WIN, sizeof *sd->wq);
        if (sd->pool == NULL || sd->dir == NULL || sd->dkey == NULL || sd->cum == NULL ||
            sd->free_blk == NULL || sd->wq == NULL)
            goto fail;
        side_reset(sd, 0);
        win_clear(sd);
    }
    b->scratch = calloc(b->max_levels, sizeof *b->scratch);
    if (b->scratch == NULL)
        goto fail;
    b->side[0].scratch = b->scratch;
    b->side[1].scratch = b->scratch;
    if (tick_ok(cfg->tick_m)) {
        /* Prices on the grid are multiples of the tick: anchor 0 (asks: key ~0). */
        side_set_grid(&b->side[CX_SIDE_BID], cfg->tick_m, 0);
        side_set_grid(&b->side[CX_SIDE_ASK], cfg->tick_m, ~(int64_t)0);
    }
    b->is_grid_tried = cfg->tick_m != 0;
    b->ring = calloc(b->ring_cap, sizeof *b->ring);
    if (b->ring == NULL)
        goto fail;
    *out = b;
    return 0;
fail:
    cx_book_free(b);
    return CX_ENOMEM;
}

void cx_book_free(struct cx_book *b)
{
    if (b == NULL)
        return;
    for (unsigned s = 0; s < 2; s++) {
        free(b->side[s].pool);
        free(b->side[s].dir);
        free(b->side[s].dkey);
        free(b->side[s].cum);
        free(b->side[s].free_blk);
        free(b->side[s].wq);
    }
    free(b->scratch);
    free(b->ring);
    free(b);
}

int cx_book_apply(struct cx_book *b, const struct cx_md_event *ev, uint32_t n)
{
    int rc;

    if (b == NULL || ev == NULL || n == 0)
        return CX_EINVAL;
    if (ev[0].type == CX_MD_BBO || ev[0].type == CX_MD_TRADE)
        return 0;
    if (ev[0].type != CX_MD_DEPTH_DELTA && ev[0].type != CX_MD_DEPTH_SNAPSHOT)
        return CX_EINVAL;
    rc = validate_run(b, ev, n);
    if (rc != 0)
        return rc;
    b->stats.messages++;
    if (ev[0].type == CX_MD_DEPTH_SNAPSHOT)
        return on_snapshot(b, ev, n);
    if (b->cfg.rule == CX_BOOK_RULE_SNAPSHOT_ONLY)
        return unsequenced_delta(b, ev, n);
    if (b->state != CX_BOOK_SYNCED) {
        if (ring_push(b, ev, n))
            b->stats.buffered++;
        return 0;
    }
    rc = synced_delta(b, ev, n, NULL, 0);
    if (rc != 0) {
        /* The buffer is empty while SYNCED; keep this message for the next snapshot. */
        b->state = CX_BOOK_STALE;
        ring_clear(b);
        ring_push(b, ev, n);
    }
    return rc;
}

enum cx_book_state cx_book_state(const struct cx_book *b)
{
    return (enum cx_book_state)b->state;
}

uint64_t cx_book_last_seq(const struct cx_book *b)
{
    return b->last_seq;
}

const struct cx_book_stats *cx_book_stats(const struct cx_book *b)
{
    return &b->stats;
}

void cx_book_top(const struct cx_book *b, struct cx_book_top *out)
{
    const struct cx__book_side *bid = &b->side[CX_SIDE_BID];
    const struct cx__book_side *ask = &b->side[CX_SIDE_ASK];

    memset(out, 0, sizeof *out);
    if (cx__book_count(bid) > 0) {
        struct cx__book_level lv = cx__book_best(bid);
        out->has_bid = true;
        out->bid_price_m = lv.key;
        out->bid_qty_m = lv.qty_m;
    }
    if (cx__book_count(ask) > 0) {
        struct cx__book_level lv = cx__book_best(ask);
        out->has_ask = true;
        out->ask_price_m = ~lv.key;
        out->ask_qty_m = lv.qty_m;
    }
}

uint32_t cx_book_depth(const struct cx_book *b, enum cx_side side)
{
    if ((unsigned)side > CX_SIDE_ASK)
        return 0;
    return cx__book_count(&b->side[side]);
}

int cx_book_level(const struct cx_book *b, enum cx_side side, uint32_t i, int64_t *out_price_m,
                  int64_t *out_qty_m)
{
    if ((unsigned)side > CX_SIDE_ASK)
        return CX_EINVAL;
    const struct cx__book_side *s = &b->side[side];
    if (i >= cx__book_count(s))
        return CX_ERANGE;
    if (i >= s->nab) {
        uint32_t j = i - s->nab;
        if (j < s->nw) {
            /* The j-th non-empty tick from the top of the window. */
            uint32_t g = CX__BOOK_WSUMS - 1u;
            while (j >= s->wcnt[g]) {
                j -= s->wcnt[g];
                g--;
            }
            for (uint32_t w = g * 64u + 64u; w-- > 0;) {
                uint64_t bits = s->wbits[w];
                uint32_t c = (uint32_t)__builtin_popcountll(bits);
                if (j >= c) {
                    j -= c;
                    continue;
                }
                for (; j > 0; j--)
                    bits &= ~(1ull << (63u - (uint32_t)__builtin_clzll(bits)));
                uint32_t k = w * 64u + 63u - (uint32_t)__builtin_clzll(bits);
                if (out_price_m != NULL)
                    *out_price_m = cx__book_key_price((unsigned)side, cx__book_win_key(s, k));
                if (out_qty_m != NULL)
                    *out_qty_m = s->wq[k];
                return 0;
            }
        }
        i -= s->nw;
    }
    /* Rank in the blocked arrays from the worst end; the block is the last one whose cum is
     * <= it. */
    uint32_t r = s->n - 1 - i;
    uint32_t lo = 0;
    uint32_t hi = s->nd - 1;
    while (lo < hi) {
        uint32_t mid = lo + ((hi - lo + 1) >> 1);
        if (s->cum[mid] <= r)
            lo = mid;
        else
            hi = mid - 1;
    }
    const struct cx__book_blk *bk = &s->pool[s->dir[lo]];
    if (out_price_m != NULL)
        *out_price_m = cx__book_key_price((unsigned)side, bk->key[r - s->cum[lo]]);
    if (out_qty_m != NULL)
        *out_qty_m = bk->qty_m[r - s->cum[lo]];
    return 0;
}
