/* SPDX-License-Identifier: MIT */
/*
 * The reference book (test oracle, part of cx_testsupport; declared in cx_ref.h): the same
 * contract as the fast book (src/book/book.c's file comment lists every decision), written to be
 * obviously correct rather than fast. Levels are unsorted arrays searched linearly; the delta
 * buffer is a flat array that shifts down when its oldest message is dropped; the sequencing is
 * spelled out per venue in the words of the venue docs. It shares no code with book.c, so a bug
 * has to be made twice, the same way, to go unnoticed. Used by tests, fuzzers and benchmarks
 * only (STYLE.md I.57); it allocates only in cx_book_ref_new.
 */
#include "cx_ref.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ref_level {
    int64_t price_m; /* level price mantissa */
    int64_t qty_m;   /* level quantity mantissa, never 0 */
};

struct cx_book_ref {
    struct cx_book_cfg cfg;        /* with defaults filled in */
    enum cx_book_state state;      /* current state */
    uint64_t last_seq;             /* last update id applied */
    uint64_t last_update_id;       /* the snapshot's id ("lastUpdateId") */
    bool has_applied_event;        /* an event was applied since the snapshot */
    uint64_t prev_u;               /* `u` of the previous applied event */
    struct ref_level *levels[2];   /* per side, unsorted, cfg.max_levels each */
    uint32_t count[2];             /* levels in use per side */
    struct ref_level *scratch;     /* sorted copy for level queries, cfg.max_levels */
    struct cx_md_event *buf;       /* buffered delta events, oldest first */
    uint32_t buf_events;           /* events in buf */
    struct cx_book_stats stats;    /* counters */
};

enum ref_decision { REF_APPLY, REF_DROP, REF_GAP };

/* ---------------------------------------------------------------------------------------------
 * MARK: levels
 * ------------------------------------------------------------------------------------------- */

static int ref_find(const struct cx_book_ref *r, int side, int64_t price_m)
{
    for (uint32_t i = 0; i < r->count[side]; i++) {
        if (r->levels[side][i].price_m == price_m)
            return (int)i;
    }
    return -1;
}

/* Set a level; 0 deletes. Returns 1 changed, 0 nothing to delete, -1 no room. */
static int ref_set(struct cx_book_ref *r, int side, int64_t price_m, int64_t qty_m)
{
    int i = ref_find(r, side, price_m);

    if (i >= 0 && qty_m == 0) {
        r->levels[side][i] = r->levels[side][r->count[side] - 1];
        r->count[side]--;
        return 1;
    }
    if (i >= 0) {
        r->levels[side][i].qty_m = qty_m;
        return 1;
    }
    if (qty_m == 0)
        return 0;
    if (r->count[side] == r->cfg.max_levels)
        return -1;
    r->levels[side][r->count[side]].price_m = price_m;
    r->levels[side][r->count[side]].qty_m = qty_m;
    r->count[side]++;
    return 1;
}

static int event_side(const struct cx_md_event *e)
{
    return (e->flags & CX_MD_F_ASK) ? CX_SIDE_ASK : CX_SIDE_BID;
}

/* Best price of a side by scanning all levels; false when empty. */
static bool ref_best(const struct cx_book_ref *r, int side, int64_t *out_price_m)
{
    if (r->count[side] == 0)
        return false;
    int64_t best = r->levels[side][0].price_m;
    for (uint32_t i = 1; i < r->count[side]; i++) {
        int64_t p = r->levels[side][i].price_m;
        if (side == CX_SIDE_BID ? p > best : p < best)
            best = p;
    }
    *out_price_m = best;
    return true;
}

static bool ref_is_crossed(const struct cx_book_ref *r)
{
    int64_t best_bid;
    int64_t best_ask;

    if (!ref_best(r, CX_SIDE_BID, &best_bid) || !ref_best(r, CX_SIDE_ASK, &best_ask))
        return false;
    return best_bid >= best_ask;
}

static int cmp_desc(const void *a, const void *b)
{
    int64_t x = ((const struct ref_level *)a)->price_m;
    int64_t y = ((const struct ref_level *)b)->price_m;
    return (x < y) - (x > y);
}

static int cmp_asc(const void *a, const void *b)
{
    return -cmp_desc(a, b);
}

/* Copy a side into the scratch buffer, best first. */
static const struct ref_level *ref_sorted(const struct cx_book_ref *r, int side)
{
    memcpy(r->scratch, r->levels[side], r->count[side] * sizeof *r->scratch);
    qsort(r->scratch, r->count[side], sizeof *r->scratch,
          side == CX_SIDE_BID ? cmp_desc : cmp_asc);
    return r->scratch;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: buffer
 * ------------------------------------------------------------------------------------------- */

/* Length of the buffered message starting at event `at`. */
static uint32_t ref_msg_len(const struct cx_book_ref *r, uint32_t at)
{
    uint32_t end = at;
    while ((r->buf[end].flags & CX_MD_F_END) == 0)
        end++;
    return end - at + 1;
}

static uint32_t ref_msg_count(const struct cx_book_ref *r)
{
    uint32_t msgs = 0;
    for (uint32_t i = 0; i < r->buf_events; i++) {
        if (r->buf[i].flags & CX_MD_F_END)
            msgs++;
    }
    return msgs;
}

/* Forget the first `events` buffered events (whole messages). */
static void ref_buf_drop_front(struct cx_book_ref *r, uint32_t events)
{
    memmove(r->buf, r->buf + events, (r->buf_events - events) * sizeof *r->buf);
    r->buf_events -= events;
}

static bool ref_buf_push(struct cx_book_ref *r, const struct cx_md_event *ev, uint32_t n)
{
    if (n > r->cfg.max_buffered) {
        /* It can never fit: everything buffered is lost, and so is this message. */
        r->stats.buffer_overflow += ref_msg_count(r) + 1;
        r->buf_events = 0;
        return false;
    }
    while (r->cfg.max_buffered - r->buf_events < n) {
        ref_buf_drop_front(r, ref_msg_len(r, 0));
        r->stats.buffer_overflow++;
    }
    memcpy(r->buf + r->buf_events, ev, n * sizeof *ev);
    r->buf_events += n;
    return true;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: sequencing, as the venues document it
 * ------------------------------------------------------------------------------------------- */

static enum ref_decision ref_decide(const struct cx_book_ref *r, const struct cx_md_event *e)
{
    uint64_t U = e->u.level.seq_first;
    uint64_t u = e->seq;
    uint64_t lastUpdateId = r->last_update_id;

    /* Hyperliquid sends no sequence ids: nothing to check. */
    if (r->cfg.rule == CX_BOOK_RULE_SNAPSHOT_ONLY)
        return REF_APPLY;
    /* Once an event has been applied, an event whose u is not after the previous one adds
     * nothing: it is old or a duplicate. */
    if (r->has_applied_event && u <= r->prev_u)
        return REF_DROP;

    switch (r->cfg.rule) {
    case CX_BOOK_RULE_BINANCE_SPOT:
        if (!r->has_applied_event) {
            /* Appendix B step 2: drop events with u <= lastUpdateId. */
            if (u <= lastUpdateId)
                return REF_DROP;
            /* The first applied event must have U <= lastUpdateId+1 <= u. */
            if (U <= lastUpdateId + 1 && u >= lastUpdateId + 1)
                return REF_APPLY;
            return REF_GAP;
        }
        /* Afterwards each event's U must equal the previous event's u + 1. */
        return U == r->prev_u + 1 ? REF_APPLY : REF_GAP;

    case CX_BOOK_RULE_BINANCE_USDM:
        if (!r->has_applied_event) {
            /* Appendix B step 3: drop events with u < lastUpdateId (strictly less). */
            if (u < lastUpdateId)
                return REF_DROP;
            /* The first applied event must have U <= lastUpdateId and u >= lastUpdateId. */
            if (U <= lastUpdateId && u >= lastUpdateId)
                return REF_APPLY;
            return REF_GAP;
        }
        /* Afterwards each event's pu must equal the previous event's u. */
        if (e->flags & CX_MD_F_HAS_PREV)
            return e->u.level.seq_prev == r->prev_u ? REF_APPLY : REF_GAP;
        /* No pu given: fall back to the spot check, which reports a gap rather than guess. */
        return U == r->prev_u + 1 ? REF_APPLY : REF_GAP;

    case CX_BOOK_RULE_GATE: {
        uint64_t id = lastUpdateId;
        if (!r->has_applied_event) {
            /* Gate (exchanges.md 1.12): skip u <= id; apply the first with U <= id+1 <= u. */
            if (u <= id)
                return REF_DROP;
            if (U <= id + 1 && id + 1 <= u)
                return REF_APPLY;
            return REF_GAP;
        }
        /* Then each update's U must be the previous u + 1. */
        return U == r->prev_u + 1 ? REF_APPLY : REF_GAP;
    }

    case CX_BOOK_RULE_MEXC: {
        uint64_t version = lastUpdateId;
        uint64_t fromVersion = U;
        uint64_t toVersion = u;
        if (!r->has_applied_event) {
            /* exchanges.md gives only the chaining rule; the start is our reading, the same
             * as Binance spot: discard toVersion <= version, the first applied covers
             * version + 1. */
            if (toVersion <= version)
                return REF_DROP;
            if (fromVersion <= version + 1 && version + 1 <= toVersion)
                return REF_APPLY;
            return REF_GAP;
        }
        /* exchanges.md 1.12: fromVersion == previous toVersion + 1. */
        return fromVersion == r->prev_u + 1 ? REF_APPLY : REF_GAP;
    }

    case CX_BOOK_RULE_SNAPSHOT_ONLY:
        return REF_APPLY;
    }
    return REF_GAP;
}

/* Apply the levels of a delta. Returns 0 or CX_ENOSPC at the first level with no room. */
static int ref_apply_levels(struct cx_book_ref *r, const struct cx_md_event *ev, uint32_t n)
{
    for (uint32_t k = 0; k < n; k++) {
        if (ev[k].flags & CX_MD_F_NOLEVEL)
            continue;
        int changed = ref_set(r, event_side(&ev[k]), ev[k].u.level.price_m, ev[k].u.level.qty_m);
        if (changed < 0)
            return CX_ENOSPC;
        if (changed > 0)
            r->stats.level_changes++;
    }
    return 0;
}

/* One delta while synced. Returns 0, or CX_EGAP / CX_ENOSPC / CX_ECROSSED (caller goes stale). */
static int ref_synced_delta(struct cx_book_ref *r, const struct cx_md_event *ev, uint32_t n)
{
    enum ref_decision d = ref_decide(r, &ev[0]);

    if (d == REF_DROP) {
        r->stats.dropped_old++;
        return 0;
    }
    if (d == REF_GAP) {
        r->stats.gaps++;
        return CX_EGAP;
    }
    if (ref_apply_levels(r, ev, n) != 0) {
        r->stats.level_overflow++;
        return CX_ENOSPC;
    }
    r->stats.applied++;
    r->last_seq = ev[0].seq;
    r->prev_u = ev[0].seq;
    r->has_applied_event = true;
    if (ref_is_crossed(r)) {
        r->stats.crossed++;
        return CX_ECROSSED;
    }
    return 0;
}

static int ref_snapshot(struct cx_book_ref *r, const struct cx_md_event *ev, uint32_t n)
{
    bool was_stale = r->state == CX_BOOK_STALE;

    if (r->cfg.rule != CX_BOOK_RULE_SNAPSHOT_ONLY && r->state == CX_BOOK_SYNCED &&
        ev[0].seq <= r->last_seq) {
        /* Not newer than a book that is in sync: ignore it. */
        r->stats.dropped_old++;
        return 0;
    }
    r->stats.snapshots++;
    r->count[CX_SIDE_BID] = 0;
    r->count[CX_SIDE_ASK] = 0;
    r->last_seq = ev[0].seq;
    r->last_update_id = ev[0].seq;
    r->has_applied_event = false;
    for (uint32_t k = 0; k < n; k++) {
        if (ev[k].flags & CX_MD_F_NOLEVEL)
            continue;
        if (ref_set(r, event_side(&ev[k]), ev[k].u.level.price_m, ev[k].u.level.qty_m) < 0) {
            r->stats.level_overflow++;
            r->state = CX_BOOK_STALE;
            return CX_ENOSPC;
        }
    }
    r->stats.applied++;
    if (ref_is_crossed(r)) {
        r->stats.crossed++;
        r->state = CX_BOOK_STALE;
        return CX_ECROSSED;
    }
    if (r->cfg.rule != CX_BOOK_RULE_SNAPSHOT_ONLY) {
        /* Replay what was buffered, oldest first. */
        uint32_t at = 0;
        while (at < r->buf_events) {
            uint32_t len = ref_msg_len(r, at);
            int rc = ref_synced_delta(r, r->buf + at, len);
            if (rc != 0) {
                ref_buf_drop_front(r, at); /* keep the failing message and the rest */
                r->state = CX_BOOK_STALE;
                return rc;
            }
            at += len;
        }
        r->buf_events = 0;
    }
    r->state = CX_BOOK_SYNCED;
    if (was_stale)
        r->stats.resyncs++;
    return 0;
}

static int ref_check_run(const struct cx_book_ref *r, const struct cx_md_event *ev, uint32_t n)
{
    if (!(ev[0].flags & CX_MD_F_BEGIN))
        return CX_EINVAL;
    if (!(ev[n - 1].flags & CX_MD_F_END))
        return CX_EINVAL;
    for (uint32_t k = 0; k < n; k++) {
        if (k > 0 && (ev[k].flags & CX_MD_F_BEGIN))
            return CX_EINVAL;
        if (k < n - 1 && (ev[k].flags & CX_MD_F_END))
            return CX_EINVAL;
        if (ev[k].type != ev[0].type || ev[k].seq != ev[0].seq)
            return CX_EINVAL;
        if (ev[k].inst_id != r->cfg.inst_id)
            return CX_EINVAL;
    }
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: public API
 * ------------------------------------------------------------------------------------------- */

int cx_book_ref_new(struct cx_book_ref **out, const struct cx_book_cfg *cfg)
{
    struct cx_book_ref *r;

    if (out == NULL || cfg == NULL || (unsigned)cfg->rule > CX_BOOK_RULE_SNAPSHOT_ONLY ||
        cfg->max_levels > (1u << 30) || cfg->max_buffered > (1u << 30))
        return CX_EINVAL;
    r = calloc(1, sizeof *r);
    if (r == NULL)
        return CX_ENOMEM;
    r->cfg = *cfg;
    if (r->cfg.max_levels == 0)
        r->cfg.max_levels = 16384;
    if (r->cfg.max_buffered == 0)
        r->cfg.max_buffered = 65536;
    r->state = CX_BOOK_WAIT_SNAPSHOT;
    r->levels[0] = calloc(r->cfg.max_levels, sizeof *r->levels[0]);
    r->levels[1] = calloc(r->cfg.max_levels, sizeof *r->levels[1]);
    r->scratch = calloc(r->cfg.max_levels, sizeof *r->scratch);
    r->buf = calloc(r->cfg.max_buffered, sizeof *r->buf);
    if (r->levels[0] == NULL || r->levels[1] == NULL || r->scratch == NULL || r->buf == NULL)
        goto fail;
    *out = r;
    return 0;
fail:
    cx_book_ref_free(r);
    return CX_ENOMEM;
}

void cx_book_ref_free(struct cx_book_ref *r)
{
    if (r == NULL)
        return;
    free(r->levels[0]);
    free(r->levels[1]);
    free(r->scratch);
    free(r->buf);
    free(r);
}

int cx_book_ref_apply(struct cx_book_ref *r, const struct cx_md_event *ev, uint32_t n)
{
    if (r == NULL || ev == NULL || n == 0)
        return CX_EINVAL;
    if (ev[0].type == CX_MD_BBO || ev[0].type == CX_MD_TRADE)
        return 0;
    if (ev[0].type != CX_MD_DEPTH_DELTA && ev[0].type != CX_MD_DEPTH_SNAPSHOT)
        return CX_EINVAL;
    if (ref_check_run(r, ev, n) != 0)
        return CX_EINVAL;
    r->stats.messages++;

    if (ev[0].type == CX_MD_DEPTH_SNAPSHOT)
        return ref_snapshot(r, ev, n);

    if (r->cfg.rule == CX_BOOK_RULE_SNAPSHOT_ONLY) {
        if (r->state != CX_BOOK_SYNCED) {
            r->stats.dropped_old++;
            return 0;
        }
        int rc = ref_synced_delta(r, ev, n);
        if (rc != 0)
            r->state = CX_BOOK_STALE;
        return rc;
    }

    if (r->state == CX_BOOK_WAIT_SNAPSHOT || r->state == CX_BOOK_STALE) {
        if (ref_buf_push(r, ev, n))
            r->stats.buffered++;
        return 0;
    }

    int rc = ref_synced_delta(r, ev, n);
    if (rc != 0) {
        r->state = CX_BOOK_STALE;
        r->buf_events = 0;
        ref_buf_push(r, ev, n);
    }
    return rc;
}

enum cx_book_state cx_book_ref_state(const struct cx_book_ref *r)
{
    return r->state;
}

uint64_t cx_book_ref_last_seq(const struct cx_book_ref *r)
{
    return r->last_seq;
}

const struct cx_book_stats *cx_book_ref_stats(const struct cx_book_ref *r)
{
    return &r->stats;
}

uint32_t cx_book_ref_depth(const struct cx_book_ref *r, enum cx_side side)
{
    return r->count[side == CX_SIDE_ASK];
}

int cx_book_ref_level(const struct cx_book_ref *r, enum cx_side side, uint32_t i,
                      int64_t *out_price_m, int64_t *out_qty_m)
{
    int s = side == CX_SIDE_ASK;

    if (i >= r->count[s])
        return CX_ERANGE;
    const struct ref_level *sorted = ref_sorted(r, s);
    if (out_price_m != NULL)
        *out_price_m = sorted[i].price_m;
    if (out_qty_m != NULL)
        *out_qty_m = sorted[i].qty_m;
    return 0;
}

int cx_book_equal_ref(const struct cx_book *b, const struct cx_book_ref *r, char *why,
                      size_t why_cap)
{
    static const char *const side_name[2] = {"bid", "ask"};
    char dummy[1];

    if (why == NULL || why_cap == 0) {
        why = dummy;
        why_cap = sizeof dummy;
    }
    why[0] = '\0';
    if (cx_book_state(b) != r->state) {
        snprintf(why, why_cap, "state: fast %s, ref %s", cx_book_state_name(cx_book_state(b)),
                 cx_book_state_name(r->state));
        return CX_ERANGE;
    }
    if (cx_book_last_seq(b) != r->last_seq) {
        snprintf(why, why_cap, "last_seq: fast %llu, ref %llu",
                 (unsigned long long)cx_book_last_seq(b), (unsigned long long)r->last_seq);
        return CX_ERANGE;
    }
    for (int s = 0; s < 2; s++) {
        uint32_t depth = cx_book_depth(b, (enum cx_side)s);
        if (depth != r->count[s]) {
            snprintf(why, why_cap, "%s depth: fast %u, ref %u", side_name[s], depth, r->count[s]);
            return CX_ERANGE;
        }
        const struct ref_level *sorted = ref_sorted(r, s);
        for (uint32_t i = 0; i < depth; i++) {
            int64_t price_m = 0;
            int64_t qty_m = 0;
            cx_book_level(b, (enum cx_side)s, i, &price_m, &qty_m);
            if (price_m != sorted[i].price_m || qty_m != sorted[i].qty_m) {
                snprintf(why, why_cap, "%s level %u: fast %lld x %lld, ref %lld x %lld",
                         side_name[s], i, (long long)price_m, (long long)qty_m,
                         (long long)sorted[i].price_m, (long long)sorted[i].qty_m);
                return CX_ERANGE;
            }
        }
    }
    return 0;
}
