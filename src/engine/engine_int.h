/* SPDX-License-Identifier: MIT */
/*
 * Private to src/engine/: the timer heap shared by the runtime (runtime.c) and its
 * implementation (timer_heap.c). Nothing outside the engine module includes this file.
 */
#ifndef CX_ENGINE_INT_H
#define CX_ENGINE_INT_H

#include "cexarb/runtime.h"

#include <stdbool.h>
#include <stdint.h>

/** Armed timers of a runtime: a pairing heap ordered by (at_ns, seq). */
struct cx__timer_heap {
    struct cx_timer *root; /* earliest timer, NULL when none is armed */
    uint32_t n;            /* armed timers */
};

/** Arm t (its at_ns and seq set, not armed). O(1). */
void cx__timer_heap_insert(struct cx__timer_heap *h, struct cx_timer *t);

/** Disarm t (armed in h). O(log n) amortised. */
void cx__timer_heap_remove(struct cx__timer_heap *h, struct cx_timer *t);

/* ---------------------------------------------------------------------------------------------
 * MARK: the venue side in venue-time order (venue_order.c)
 * ------------------------------------------------------------------------------------------- */

#define CX__VO_MAX_FILES 32 /* recordings whose clock offsets are kept */

/** One buffered venue message. */
struct cx__vo_item {
    int64_t venue_ns;          /* its venue time */
    uint64_t seq;              /* read order (ties) */
    uint32_t ev_start;         /* its events in the ring */
    bool is_released;          /* handed out and done with */
    struct cx_md_batch batch;  /* the message, ev pointing into the ring */
};

/** A bounded reorder buffer: messages in, venue-time order out (venue_order.c header). */
struct cx__venue_order {
    struct cx_md_event *ev;    /* ring of cap_events events */
    uint32_t cap_events;
    uint32_t ev_head, ev_tail; /* live region [head, tail), or wrapping when is_wrapped */
    bool is_wrapped;
    struct cx__vo_item *items; /* ring of cap_items items in read order */
    uint32_t cap_items, item_head, n_items;
    uint32_t *heap;            /* indices of not yet handed out items, min by (venue_ns, seq) */
    uint32_t n_heap;
    uint64_t next_seq;
    int64_t window_ns;         /* how far the source is read past a message before it leaves */
    int64_t offset_ns[CX__VO_MAX_FILES];   /* per file: min(local - exchange) */
    int64_t last_lat_ns[CX__VO_MAX_FILES]; /* per file: latest (local - exchange) seen */
    int64_t last_out_ns;       /* venue time of the last message handed out */
    uint32_t pending_item;     /* the item handed out last */
    bool pending_release;      /* it is released at the next pop */
    uint64_t late;             /* messages later than the window (processed at last_out_ns) */
    uint64_t forced;           /* messages handed out early because the ring was full */
    uint32_t items_high_water; /* most messages buffered at once */
};

/** Allocate the rings. offset_ns[0..n_files): the files' clock offsets (stream index = file).
 * @return 0; CX_EINVAL; CX_ENOMEM. */
int cx__venue_order_init(struct cx__venue_order *vo, uint32_t cap_events, uint32_t cap_items,
                         int64_t window_ns, const int64_t *offset_ns, uint32_t n_files);
void cx__venue_order_fini(struct cx__venue_order *vo);

/** The venue time of a message by the rule above (updates the file's latency estimate). */
int64_t cx__venue_order_time(struct cx__venue_order *vo, const struct cx_md_batch *b);

/** A file's clock offset from its prescan figures: the pct_ppm percentile of local - exchange
 * time (min_feed_ns for 0) minus assumed_min_ns; 0 for a file without exchange times. */
int64_t cx__venue_order_offset(const struct cx_md_prescan_report *pre, uint32_t file,
                               uint32_t pct_ppm, int64_t assumed_min_ns);

/** The feed latency of a handed-out message: local - exchange time - its file's offset, at
 * least 0; -1 when it has no exchange time. */
int64_t cx__venue_order_feed_ns(const struct cx__venue_order *vo, const struct cx_md_batch *b);

/** Buffer a message (copied). @return 0; CX_ENOSPC when a ring is full (hand one out first). */
int cx__venue_order_push(struct cx__venue_order *vo, const struct cx_md_batch *b);

/** Venue time of the next message to hand out (INT64_MAX: none buffered). */
int64_t cx__venue_order_next_ns(const struct cx__venue_order *vo);

/** Hand out the earliest buffered message (valid until the next pop); its local_ts_ns is set to
 * its venue time, also in *out_venue_ns. NULL when none is buffered. */
const struct cx_md_batch *cx__venue_order_pop(struct cx__venue_order *vo, int64_t *out_venue_ns);

/* ---------------------------------------------------------------------------------------------
 * MARK: fidelity.json of a session (fidelity.c; format: docs/internals/fidelity.md)
 * ------------------------------------------------------------------------------------------- */

#define CX__FID_N_AGES 5 /* book-age thresholds: 10, 50, 100, 250, 1000 ms */

struct cx__fidelity; /* opaque */

/** A recorder of the registry's instruments (borrowed until free). @return 0; CX_ENOMEM. */
int cx__fidelity_new(struct cx__fidelity **out, const struct cx_registry *reg);
void cx__fidelity_free(struct cx__fidelity *f);
/** Hooks (runtime.h struct cx_engine_hooks): every venue report, every order change, every
 * fill, and every order of the OMS at the end. Out of memory is remembered and reported by
 * cx__fidelity_write; they never fail otherwise. */
void cx__fidelity_on_report(struct cx__fidelity *f, const struct cx_exec_report *m);
void cx__fidelity_on_order(struct cx__fidelity *f, const struct cx_order *o);
void cx__fidelity_on_fill(struct cx__fidelity *f, const struct cx_fill *fill);
void cx__fidelity_on_end_order(struct cx__fidelity *f, const struct cx_order *o);
/** Write fidelity.json atomically at `path`, with the replay counts of `res`.
 * @return 0; CX_ENOMEM (recording or writing; nothing written); cx_store_write_file_atomic's
 *         errors (CX_EIO, ...; nothing written) with *err set. */
int cx__fidelity_write(const struct cx__fidelity *f, const char *path,
                       const struct cx_engine_result *res, struct cx_parse_err *err);

#endif /* CX_ENGINE_INT_H */
