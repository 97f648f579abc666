/* SPDX-License-Identifier: MIT */
/*
 * The venue side of a replay in the venue's own order (engine_int.h, struct cx__venue_order).
 *
 * A recording is in local receive order; the venue saw the same messages in exchange-time
 * order, and the two differ: a trade print can arrive after the depth diff that already
 * contains it (22 % of the bundled spot trades, by up to 166 ms). Each message gets its venue
 * time (docs/internals/sim.md, "The venue's clock"):
 *  - with an exchange time x (depth and bookTicker `E`, trade `T`): x + offset, offset = the
 *    file's clock offset: a low percentile of local minus exchange time (the prescan's
 *    min_feed_ns by default) minus an assumed minimum one-way latency (0 by default);
 *  - without one (Binance spot bookTicker, REST snapshots): its local time minus the excess
 *    feed latency of the file's previous message that had one, (local - x) - offset; that is,
 *    it is assumed to have travelled as fast as its predecessor;
 *  - never later than its own local receive time (only possible with a percentile or an
 *    assumed latency: a message faster than the estimate gets zero feed latency).
 * Messages wait in a bounded buffer until the source has been read `window` past them (the
 * reading position is the venue cursor's key: the largest venue time read so far), then leave
 * in (venue time, read order) order. One read later than the window (a feed latency
 * spike beyond it) is processed at the last venue time given out and counted as late:
 * deterministic, never reordered backwards. Events are copied into a ring of events allocated
 * once; nothing is allocated per message.
 */
#include "engine_int.h"

#include <stdlib.h>
#include <string.h>

int cx__venue_order_init(struct cx__venue_order *vo, uint32_t cap_events, uint32_t cap_items,
                         int64_t window_ns, const int64_t *offset_ns, uint32_t n_files)
{
    memset(vo, 0, sizeof *vo);
    if (cap_events == 0 || cap_items == 0 || window_ns < 0 || n_files > CX__VO_MAX_FILES)
        return CX_EINVAL;
    vo->ev = malloc((size_t)cap_events * sizeof *vo->ev);
    vo->items = calloc(cap_items, sizeof *vo->items);
    vo->heap = calloc(cap_items, sizeof *vo->heap);
    if (vo->ev == NULL || vo->items == NULL || vo->heap == NULL) {
        cx__venue_order_fini(vo);
        return CX_ENOMEM;
    }
    vo->cap_events = cap_events;
    vo->cap_items = cap_items;
    vo->window_ns = window_ns;
    vo->last_out_ns = INT64_MIN;
    for (uint32_t i = 0; i < n_files; i++) {
        vo->offset_ns[i] = offset_ns[i];
        vo->last_lat_ns[i] = offset_ns[i];
    }
    return 0;
}

void cx__venue_order_fini(struct cx__venue_order *vo)
{
    free(vo->ev);
    free(vo->items);
    free(vo->heap);
    memset(vo, 0, sizeof *vo);
}

static bool item_before(const struct cx__vo_item *a, const struct cx__vo_item *b)
{
    return a->venue_ns < b->venue_ns || (a->venue_ns == b->venue_ns && a->seq < b->seq);
}

static void heap_up(struct cx__venue_order *vo, uint32_t i)
{
    while (i > 0) {
        uint32_t p = (i - 1) / 2;
        if (!item_before(&vo->items[vo->heap[i]], &vo->items[vo->heap[p]]))
            break;
        uint32_t t = vo->heap[i];
        vo->heap[i] = vo->heap[p];
        vo->heap[p] = t;
        i = p;
    }
}

static void heap_down(struct cx__venue_order *vo, uint32_t i)
{
    for (;;) {
        uint32_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < vo->n_heap && item_before(&vo->items[vo->heap[l]], &vo->items[vo->heap[m]]))
            m = l;
        if (r < vo->n_heap && item_before(&vo->items[vo->heap[r]], &vo->items[vo->heap[m]]))
            m = r;
        if (m == i)
            return;
        uint32_t t = vo->heap[i];
        vo->heap[i] = vo->heap[m];
        vo->heap[m] = t;
        i = m;
    }
}

/* Frees released items from the oldest (read order) on, and the ring space they held. */
static void reclaim(struct cx__venue_order *vo)
{
    while (vo->n_items > 0 && vo->items[vo->item_head].is_released) {
        vo->item_head = (vo->item_head + 1) % vo->cap_items;
        vo->n_items--;
        if (vo->n_items == 0) {
            vo->ev_head = vo->ev_tail = 0;
            vo->is_wrapped = false;
        } else {
            uint32_t start = vo->items[vo->item_head].ev_start;
            if (start < vo->ev_head)
                vo->is_wrapped = false; /* the live region no longer wraps */
            vo->ev_head = start;
        }
    }
}

/* Contiguous room for n events in the ring: the start index, or UINT32_MAX. */
static uint32_t ring_alloc(struct cx__venue_order *vo, uint32_t n)
{
    if (n == 0)
        n = 1; /* every item owns a slot, so the region's ends stay distinct */
    if (!vo->is_wrapped) {
        if (vo->cap_events - vo->ev_tail >= n) {
            uint32_t s = vo->ev_tail;
            vo->ev_tail += n;
            return s;
        }
        if (vo->ev_head > n && vo->n_items > 0) { /* wrap: leave the end unused */
            vo->is_wrapped = true;
            vo->ev_tail = n;
            return 0;
        }
        if (vo->n_items == 0 && n <= vo->cap_events) {
            vo->ev_head = 0;
            vo->ev_tail = n;
            return 0;
        }
        return UINT32_MAX;
    }
    if (vo->ev_head - vo->ev_tail > n) {
        uint32_t s = vo->ev_tail;
        vo->ev_tail += n;
        return s;
    }
    return UINT32_MAX;
}

int64_t cx__venue_order_offset(const struct cx_md_prescan_report *pre, uint32_t file,
                               uint32_t pct_ppm, int64_t assumed_min_ns)
{
    if (file >= CX_MD_PRESCAN_MAX_FILES || pre->min_feed_ns[file] == INT64_MAX)
        return 0;
    int64_t at = pct_ppm == 0 ? pre->min_feed_ns[file] : pre->feed[file].pct_ns;
    return at - assumed_min_ns;
}

/*
 * A venue time is never after the message's local receive time: with the minimum as the
 * offset it cannot be, but with a percentile (or an assumed minimum latency) the messages
 * faster than it would otherwise reach the venue after the recorder, which no network does.
 * They get zero feed latency instead.
 */
int64_t cx__venue_order_time(struct cx__venue_order *vo, const struct cx_md_batch *b)
{
    if (b->n == 0)
        return b->local_ts_ns;
    const struct cx_md_event *e = &b->ev[0];
    uint32_t f = e->stream < CX__VO_MAX_FILES ? e->stream : 0;
    int64_t v;
    if (e->exch_ts_ns != 0) {
        vo->last_lat_ns[f] = e->local_ts_ns - e->exch_ts_ns;
        v = e->exch_ts_ns + vo->offset_ns[f];
    } else {
        v = e->local_ts_ns - (vo->last_lat_ns[f] - vo->offset_ns[f]);
    }
    return v < e->local_ts_ns ? v : e->local_ts_ns;
}

int64_t cx__venue_order_feed_ns(const struct cx__venue_order *vo, const struct cx_md_batch *b)
{
    if (b->n == 0 || b->ev[0].exch_ts_ns == 0)
        return -1;
    const struct cx_md_event *e = &b->ev[0];
    uint32_t f = e->stream < CX__VO_MAX_FILES ? e->stream : 0;
    int64_t feed = e->local_ts_ns - e->exch_ts_ns - vo->offset_ns[f];
    return feed > 0 ? feed : 0;
}

int cx__venue_order_push(struct cx__venue_order *vo, const struct cx_md_batch *b)
{
    if (vo->n_items == vo->cap_items)
        return CX_ENOSPC;
    uint32_t start = ring_alloc(vo, b->n);
    if (start == UINT32_MAX)
        return CX_ENOSPC;
    uint32_t idx = (vo->item_head + vo->n_items) % vo->cap_items;
    struct cx__vo_item *it = &vo->items[idx];
    it->venue_ns = cx__venue_order_time(vo, b);
    it->seq = vo->next_seq++;
    it->ev_start = start;
    it->is_released = false;
    it->batch = *b;
    it->batch.ev = &vo->ev[start];
    it->batch.cap = b->n;
    if (b->n > 0)
        memcpy(it->batch.ev, b->ev, (size_t)b->n * sizeof *b->ev);
    vo->n_items++;
    vo->heap[vo->n_heap++] = idx;
    heap_up(vo, vo->n_heap - 1);
    if (vo->n_items > vo->items_high_water)
        vo->items_high_water = vo->n_items;
    return 0;
}

int64_t cx__venue_order_next_ns(const struct cx__venue_order *vo)
{
    if (vo->n_heap == 0)
        return INT64_MAX;
    int64_t v = vo->items[vo->heap[0]].venue_ns;
    return v < vo->last_out_ns ? vo->last_out_ns : v;
}

const struct cx_md_batch *cx__venue_order_pop(struct cx__venue_order *vo, int64_t *out_venue_ns)
{
    if (vo->pending_release) { /* the batch handed out last time is done with */
        vo->items[vo->pending_item].is_released = true;
        vo->pending_release = false;
        reclaim(vo);
    }
    if (vo->n_heap == 0)
        return NULL;
    uint32_t idx = vo->heap[0];
    vo->heap[0] = vo->heap[--vo->n_heap];
    heap_down(vo, 0);
    struct cx__vo_item *it = &vo->items[idx];
    int64_t v = it->venue_ns;
    if (v < vo->last_out_ns) { /* later than the window: never go back in time */
        v = vo->last_out_ns;
        vo->late++;
    }
    vo->last_out_ns = v;
    vo->pending_item = idx;
    vo->pending_release = true;
    it->batch.local_ts_ns = v;
    *out_venue_ns = v;
    return &it->batch;
}
