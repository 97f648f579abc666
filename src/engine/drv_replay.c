/* SPDX-License-Identifier: MIT */
/*
 * The replay driver (runtime.h): recorded files -> time and market data for a runtime, and
 * the venue side of the same feed for a simulated venue. Two cursors read the same files: the
 * local cursor by local receive time (what the strategies see) and the venue cursor by venue
 * time (exchange time + the file's clock offset, estimated from the prescan: the minimum, or a
 * configured low percentile, of the file's local-minus-exchange times, minus an assumed
 * minimum one-way latency; venue_order.c). The loop below merges them with the venues'
 * own events, the timers and the samples strictly by time, with the tie order written out in
 * one place (run_loop) and pinned by tests/unit/test_engine_ties.c.
 */
#include "engine_int.h"

#include "cexarb/md.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct cursor {
    struct cx_md_reader *readers[CX_REPLAY_DRV_MAX_FILES];
    struct cx_md_merge *merge;
    const struct cx_md_batch *pending; /* next batch, NULL at end */
};

struct cx_replay_drv {
    struct cx_replay_drv_cfg cfg;      /* copy (paths borrowed) */
    struct cx_md_prescan_report pre;   /* per-file feed figures, inferred instruments */
    int64_t offset_ns[CX_REPLAY_DRV_MAX_FILES]; /* per-file clock offsets (venue_order.c) */
    struct cursor local, venue;
    struct cx__venue_order vo;         /* the venue side in venue-time order */
};

/* Ring sizes of the venue-order buffer: a second of the bundled data is a few thousand events
 * (a full snapshot is 10,000); a message that finds the ring full leaves early (counted). */
#define VO_CAP_EVENTS (1u << 16)
#define VO_CAP_ITEMS (1u << 14)

static int cursor_open(struct cursor *cur, const struct cx_replay_drv_cfg *cfg,
                       bool venue_clock, const int64_t *offset_ns, struct cx_parse_err *err)
{
    memset(cur, 0, sizeof *cur);
    for (uint32_t i = 0; i < cfg->n_paths; i++) {
        struct cx_md_reader_opts o = {.strict = cfg->strict, .stream_index = (uint8_t)i};
        if (venue_clock) {
            o.venue_clock = true;
            o.venue_clock_offset_ns = offset_ns[i];
        }
        int rc = cx_md_reader_open(&cur->readers[i], cfg->paths[i], &o, cfg->reg, err);
        if (rc != 0)
            return rc;
    }
    return cx_md_merge_open(&cur->merge, cur->readers, cfg->n_paths);
}

static int cursor_next(struct cursor *cur, struct cx_parse_err *err)
{
    uint32_t which;
    int rc = cx_md_merge_next(cur->merge, &cur->pending, &which, err);
    if (rc <= 0)
        cur->pending = NULL;
    return rc < 0 ? rc : 0;
}

static void cursor_close(struct cursor *cur, uint64_t *bad_lines)
{
    cx_md_merge_close(cur->merge);
    cur->merge = NULL;
    for (uint32_t i = 0; i < CX_REPLAY_DRV_MAX_FILES; i++)
        if (cur->readers[i] != NULL) {
            if (bad_lines != NULL)
                *bad_lines += cx_md_reader_stats(cur->readers[i])->errors;
            cx_md_reader_close(cur->readers[i]);
            cur->readers[i] = NULL;
        }
}

int cx_replay_drv_new(struct cx_replay_drv **out, const struct cx_replay_drv_cfg *cfg,
                      struct cx_parse_err *err)
{
    if (out == NULL || cfg == NULL || cfg->reg == NULL || cfg->n_paths == 0 ||
        cfg->n_paths > CX_REPLAY_DRV_MAX_FILES || cfg->clock_offset_pct_ppm > 500000u ||
        cfg->assumed_min_latency_ns < 0)
        return CX_EINVAL;
    struct cx_replay_drv *d = calloc(1, sizeof *d);
    if (d == NULL)
        return CX_ENOMEM;
    d->cfg = *cfg;
    struct cx_md_reader_opts popts = {.strict = cfg->strict,
                                      .feed_pct_ppm = cfg->clock_offset_pct_ppm};
    int rc = cx_md_prescan(cfg->paths, cfg->n_paths, &popts, cfg->reg, &d->pre, err);
    if (rc != 0) {
        free(d);
        return rc;
    }
    for (uint32_t i = 0; i < cfg->n_paths; i++)
        d->offset_ns[i] = cx__venue_order_offset(&d->pre, i, cfg->clock_offset_pct_ppm,
                                                 cfg->assumed_min_latency_ns);
    *out = d;
    return 0;
}

void cx_replay_drv_free(struct cx_replay_drv *d)
{
    if (d == NULL)
        return;
    cursor_close(&d->local, NULL);
    cursor_close(&d->venue, NULL);
    cx__venue_order_fini(&d->vo);
    free(d);
}

void cx_replay_drv_set_venue_feed(struct cx_replay_drv *d,
                                  int (*fn)(void *arg, const struct cx_md_batch *b,
                                            int64_t venue_ns),
                                  void *arg)
{
    if (d == NULL)
        return;
    d->cfg.venue_md = fn;
    d->cfg.venue_md_arg = arg;
}

static int64_t min64(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

/* The merge of every source by time. At one instant: venue data, venue events, local data,
 * timers, samples (runtime.h); each branch handles one item, so the next iteration sees the
 * sources again and keeps the order even when an item schedules something for the same
 * instant (a 0 ns latency, a timer armed for now). */
static int run_loop(struct cx_replay_drv *d, struct cx_rt *rt, struct cx_parse_err *err)
{
    struct cursor *local = &d->local, *venue = &d->venue;
    struct cx__venue_order *vo = &d->vo;
    struct cx_engine_result *res = cx_rt_result(rt);
    int64_t window = d->cfg.venue_window_ns;
    int rc = 0;
    while (rc == 0 && !cx_rt_stop_requested(rt) &&
           (local->pending != NULL || venue->pending != NULL || vo->n_heap > 0)) {
        /* Read the venue side `window` past its earliest buffered message, so everything the
         * venue saw before it is in the buffer too (venue_order.c). */
        while (rc == 0 && venue->pending != NULL &&
               (vo->n_heap == 0 ||
                venue->pending->local_ts_ns < cx__venue_order_next_ns(vo) + window)) {
            if (cx__venue_order_push(vo, venue->pending) != 0) {
                vo->forced++; /* ring full: the earliest leaves before its window */
                break;
            }
            rc = cursor_next(venue, err);
        }
        if (rc != 0)
            break;
        int64_t t_venue = cx__venue_order_next_ns(vo);
        int64_t t_sim = cx_rt_venue_next_ns(rt);
        int64_t t_local = local->pending ? local->pending->local_ts_ns : INT64_MAX;
        int64_t t_timer = cx_rt_timer_next_ns(rt);
        int64_t t_sample = cx_rt_sample_next_ns(rt);
        int64_t t = min64(min64(t_venue, t_sim), min64(min64(t_local, t_timer), t_sample));
        cx_rt_set_now(rt, t);
        int64_t now = cx_rt_now(rt);
        if (t_venue == t) {
            /* 1. venue-side market data, in venue-time order */
            int64_t vt;
            const struct cx_md_batch *vb = cx__venue_order_pop(vo, &vt);
            int64_t feed = cx__venue_order_feed_ns(vo, vb);
            if (feed >= 0 && d->cfg.venue_feed_latency != NULL)
                d->cfg.venue_feed_latency(d->cfg.venue_md_arg, (uint8_t)vb->venue, feed);
            if (d->cfg.venue_md != NULL) {
                rc = d->cfg.venue_md(d->cfg.venue_md_arg, vb, now);
                if (rc != 0) {
                    cx_parse_err_set(err, rc,
                                     rc == CX_ENOSPC ? "simulated venue dropped a response "
                                                       "(raise max_responses)"
                                                     : "simulated venue refused market data",
                                     NULL, 0);
                    break;
                }
            }
            res->venue_messages++;
            res->events += vb->n;
        } else if (t_sim == t) {
            /* 2. venue events: arrivals, responses due */
            rc = cx_rt_venue_run(rt, err);
        } else if (t_local == t) {
            /* 3. local market data */
            rc = cx_rt_on_md(rt, local->pending);
            if (rc == 0)
                rc = cursor_next(local, err);
        } else if (t_timer == t) {
            /* 4. timers */
            cx_rt_timer_run(rt);
        } else {
            /* 5. performance samples */
            cx_rt_sample_run(rt);
        }
    }
    return rc;
}

int cx_replay_drv_run(struct cx_replay_drv *d, struct cx_rt *rt, struct cx_engine_result *out,
                      struct cx_parse_err *err)
{
    if (d == NULL || rt == NULL)
        return CX_EINVAL;
    int rc = cursor_open(&d->local, &d->cfg, false, d->offset_ns, err);
    if (rc == 0)
        rc = cursor_open(&d->venue, &d->cfg, true, d->offset_ns, err);
    if (rc == 0)
        rc = cursor_next(&d->local, err);
    if (rc == 0)
        rc = cursor_next(&d->venue, err);
    if (rc != 0)
        goto out;
    int64_t offsets[CX__VO_MAX_FILES] = {0};
    for (uint32_t i = 0; i < d->cfg.n_paths && i < CX__VO_MAX_FILES; i++)
        offsets[i] = d->offset_ns[i];
    int64_t win = d->cfg.venue_window_ns == 0 ? CX_NS_PER_S
                  : d->cfg.venue_window_ns < 0    ? 0
                                                  : d->cfg.venue_window_ns;
    d->cfg.venue_window_ns = win;
    rc = cx__venue_order_init(&d->vo, VO_CAP_EVENTS, VO_CAP_ITEMS, win, offsets,
                              d->cfg.n_paths < CX__VO_MAX_FILES ? d->cfg.n_paths
                                                                : CX__VO_MAX_FILES);
    if (rc != 0)
        goto out;

    int64_t start = d->local.pending ? d->local.pending->local_ts_ns : 0;
    if (d->venue.pending && d->venue.pending->local_ts_ns < start)
        start = d->venue.pending->local_ts_ns;
    char fields[32];
    snprintf(fields, sizeof fields, "\"files\":%u", d->cfg.n_paths);
    rc = cx_rt_start(rt, start, fields, err);
    if (rc != 0)
        goto out;

    rc = run_loop(d, rt, err);
    if (rc != 0)
        goto out;

    cx_rt_stop(rt);
    /* Let cancels and hedges sent in on_stop reach the venue and come back. */
    int64_t drain_until =
        cx_rt_now(rt) + (d->cfg.end_drain_ns > 0 ? d->cfg.end_drain_ns : 5 * CX_NS_PER_S);
    for (;;) {
        int64_t t = cx_rt_venue_next_ns(rt);
        if (t == INT64_MAX || t > drain_until)
            break;
        cx_rt_set_now(rt, t);
        rc = cx_rt_venue_run(rt, err);
        if (rc != 0)
            goto out;
    }
    cursor_close(&d->local, &cx_rt_result(rt)->bad_lines);
    cursor_close(&d->venue, NULL);
    cx_rt_result(rt)->venue_window_ns = d->cfg.venue_window_ns;
    cx_rt_result(rt)->venue_late = d->vo.late;
    cx_rt_result(rt)->venue_forced = d->vo.forced;
    cx_rt_finish(rt, out);
out:
    cursor_close(&d->local, &cx_rt_result(rt)->bad_lines);
    cursor_close(&d->venue, NULL);
    return rc;
}
