/* SPDX-License-Identifier: MIT */
/*
 * Replay driver: prescan -> readers -> k-way merge -> one book per instrument, with the BBO
 * cross-check against the venue's book-ticker stream and an optional per-book check hook
 * (opts.check; tests plug the reference book in there).
 *
 * BBO cross-check invariant: a pair (ticker, book state) is only compared when both describe the
 * same update id `u`: either the book has just applied a message ending at `u` and a remembered
 * ticker has that id, or a ticker arrives whose id equals that of a remembered post-apply top of
 * book. Both memories are rings of the last CX__RING entries kept in increasing-id order (a
 * non-increasing id clears the ring), so lookups are binary searches and memory is bounded.
 */
#include "cexarb/replay.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CX__RING 4096u

struct top_entry {
    uint64_t u;          /* update id */
    int64_t bid_price_m; /* best bid */
    int64_t bid_qty_m;
    int64_t ask_price_m; /* best ask */
    int64_t ask_qty_m;
};

struct ring {
    struct top_entry e[CX__RING];
    uint32_t head; /* index of the oldest entry */
    uint32_t n;    /* entries held */
};

struct slot {
    uint32_t inst_id;
    struct cx_book *book;
    struct ring tickers; /* tickers not yet paired, by id */
    struct ring tops;    /* tops of book after applied messages, by id */
    uint64_t tickers_total;
};

static void ring_push(struct ring *r, const struct top_entry *t)
{
    if (r->n > 0) {
        const struct top_entry *last = &r->e[(r->head + r->n - 1) % CX__RING];
        if (t->u <= last->u) /* keep ids strictly increasing so lookups can bisect */
            r->n = 0, r->head = 0;
    }
    if (r->n == CX__RING) {
        r->head = (r->head + 1) % CX__RING;
        r->n--;
    }
    r->e[(r->head + r->n) % CX__RING] = *t;
    r->n++;
}

/* Index (0..n) of the entry with id u, or -1. */
static int64_t ring_find(const struct ring *r, uint64_t u)
{
    uint32_t lo = 0, hi = r->n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        uint64_t v = r->e[(r->head + mid) % CX__RING].u;
        if (v == u)
            return mid;
        if (v < u)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

static void top_of(const struct cx_book *b, uint64_t u, struct top_entry *out)
{
    struct cx_book_top t;
    cx_book_top(b, &t);
    out->u = u;
    out->bid_price_m = t.has_bid ? t.bid_price_m : 0;
    out->bid_qty_m = t.has_bid ? t.bid_qty_m : 0;
    out->ask_price_m = t.has_ask ? t.ask_price_m : 0;
    out->ask_qty_m = t.has_ask ? t.ask_qty_m : 0;
}

static void compare_bbo(struct cx_replay_book *rb, const struct top_entry *book,
                        const struct top_entry *ticker)
{
    if (book->bid_price_m == ticker->bid_price_m && book->bid_qty_m == ticker->bid_qty_m &&
        book->ask_price_m == ticker->ask_price_m && book->ask_qty_m == ticker->ask_qty_m) {
        rb->bbo_matched++;
        return;
    }
    rb->bbo_mismatched++;
    if (rb->first_mismatch[0] == '\0')
        snprintf(rb->first_mismatch, sizeof rb->first_mismatch,
                 "bbo u=%llu book %lld x %lld / %lld x %lld, ticker %lld x %lld / %lld x %lld",
                 (unsigned long long)ticker->u, (long long)book->bid_qty_m,
                 (long long)book->bid_price_m, (long long)book->ask_price_m,
                 (long long)book->ask_qty_m, (long long)ticker->bid_qty_m,
                 (long long)ticker->bid_price_m, (long long)ticker->ask_price_m,
                 (long long)ticker->ask_qty_m);
}

/* After a depth/snapshot message: remember the top and pair it with a waiting ticker. */
static void after_apply(struct slot *s, struct cx_replay_book *rb)
{
    if (cx_book_state(s->book) != CX_BOOK_SYNCED)
        return;
    struct top_entry top;
    top_of(s->book, cx_book_last_seq(s->book), &top);
    int64_t i = ring_find(&s->tickers, top.u);
    if (i >= 0)
        compare_bbo(rb, &top, &s->tickers.e[(s->tickers.head + (uint32_t)i) % CX__RING]);
    ring_push(&s->tops, &top);
}

static void on_ticker(struct slot *s, struct cx_replay_book *rb, const struct cx_md_event *ev)
{
    if ((ev->flags & CX_MD_F_NOQTY) || ev->seq == 0) {
        rb->bbo_skipped++;
        return;
    }
    s->tickers_total++;
    struct top_entry t = {ev->seq, ev->u.bbo.bid_price_m, ev->u.bbo.bid_qty_m,
                          ev->u.bbo.ask_price_m, ev->u.bbo.ask_qty_m};
    int64_t i = ring_find(&s->tops, t.u);
    if (i >= 0) {
        compare_bbo(rb, &s->tops.e[(s->tops.head + (uint32_t)i) % CX__RING], &t);
        return;
    }
    ring_push(&s->tickers, &t);
}

static struct slot *slot_for(struct slot *slots, struct cx_replay_result *res,
                             const struct cx_registry *reg, const struct cx_replay_opts *o,
                             uint32_t inst_id, int *rc)
{
    for (uint32_t i = 0; i < res->n_books; i++)
        if (slots[i].inst_id == inst_id)
            return &slots[i];
    if (res->n_books == CX_REPLAY_MAX_BOOKS) {
        *rc = CX_ENOSPC;
        return NULL;
    }
    const struct cx_instrument *inst = cx_registry_get(reg, inst_id);
    if (inst == NULL) {
        *rc = CX_EINVAL;
        return NULL;
    }
    struct slot *s = &slots[res->n_books];
    memset(s, 0, sizeof *s);
    s->inst_id = inst_id;
    struct cx_book_cfg cfg = {.inst_id = inst_id,
                              .rule = cx_book_rule_for_venue((enum cx_venue)inst->venue),
                              .max_levels = o->max_levels,
                              .tick_m = inst->tick,
                              .max_buffered = 0};
    *rc = cx_book_new(&s->book, &cfg);
    if (*rc != 0)
        return NULL;
    if (o->check != NULL && o->check->on_book != NULL) {
        *rc = o->check->on_book(o->check->arg, res->n_books, &cfg);
        if (*rc != 0) {
            cx_book_free(s->book);
            s->book = NULL;
            return NULL;
        }
    }
    struct cx_replay_book *rb = &res->books[res->n_books];
    memset(rb, 0, sizeof *rb);
    rb->inst_id = inst_id;
    rb->book = s->book;
    res->n_books++;
    return s;
}

static void on_depth(struct slot *s, struct cx_replay_book *rb, uint32_t index,
                     const struct cx_replay_check *check, const struct cx_md_batch *b)
{
    int rc = cx_book_apply(s->book, b->ev, b->n);
    if (check != NULL && check->on_depth != NULL) {
        char why[120] = "";
        if (check->on_depth(check->arg, index, s->book, b, rc, why, sizeof why) != 0) {
            rb->check_mismatches++;
            if (rb->first_mismatch[0] == '\0')
                snprintf(rb->first_mismatch, sizeof rb->first_mismatch, "line %llu: %s",
                         (unsigned long long)b->line, why);
        }
    }
    after_apply(s, rb);
}

static void finish_book(struct slot *s, struct cx_replay_book *rb)
{
    rb->stats = *cx_book_stats(s->book);
    rb->state = cx_book_state(s->book);
    rb->bbo_unpaired = s->tickers_total - rb->bbo_matched - rb->bbo_mismatched;
    uint32_t nb = cx_book_depth(s->book, CX_SIDE_BID), na = cx_book_depth(s->book, CX_SIDE_ASK);
    rb->n_bid = nb < CX_REPLAY_TOP ? nb : CX_REPLAY_TOP;
    rb->n_ask = na < CX_REPLAY_TOP ? na : CX_REPLAY_TOP;
    for (uint32_t i = 0; i < rb->n_bid; i++)
        cx_book_level(s->book, CX_SIDE_BID, i, &rb->bid_price_m[i], &rb->bid_qty_m[i]);
    for (uint32_t i = 0; i < rb->n_ask; i++)
        cx_book_level(s->book, CX_SIDE_ASK, i, &rb->ask_price_m[i], &rb->ask_qty_m[i]);
}

int cx_replay_run(const char *const *paths, uint32_t n, struct cx_registry *reg,
                  const struct cx_replay_opts *opts,
                  void (*progress)(uint64_t messages, void *arg), void *progress_arg,
                  struct cx_replay_result **out, struct cx_parse_err *err)
{
    static const struct cx_replay_opts defaults = {0};
    const struct cx_replay_opts *o = opts ? opts : &defaults;
    if (paths == NULL || n == 0 || n > CX_REPLAY_MAX_FILES || reg == NULL || out == NULL)
        return CX_EINVAL;

    int rc = 0;
    struct cx_md_reader *readers[CX_REPLAY_MAX_FILES] = {0};
    struct cx_md_merge *merge = NULL;
    struct slot *slots = NULL;
    struct cx_replay_result *res = calloc(1, sizeof *res);
    if (res == NULL)
        return CX_ENOMEM;
    slots = calloc(CX_REPLAY_MAX_BOOKS, sizeof *slots);
    if (slots == NULL) {
        rc = CX_ENOMEM;
        goto fail;
    }

    struct cx_md_reader_opts ropts = {.strict = o->strict, .decoders = o->decoders};
    rc = cx_md_prescan(paths, n, &ropts, reg, &res->prescan, err);
    if (rc != 0)
        goto fail;
    for (uint32_t i = 0; i < n; i++) {
        ropts.stream_index = (uint8_t)i;
        rc = cx_md_reader_open(&readers[i], paths[i], &ropts, reg, err);
        if (rc != 0)
            goto fail;
    }
    rc = cx_md_merge_open(&merge, readers, n);
    if (rc != 0)
        goto fail;

    for (;;) {
        const struct cx_md_batch *b;
        uint32_t which;
        rc = cx_md_merge_next(merge, &b, &which, err);
        if (rc < 0)
            goto fail;
        if (rc == 0)
            break;
        if (o->book_at_ns > 0 && b->local_ts_ns > o->book_at_ns) {
            res->stopped_at_book_at = true;
            break;
        }
        if (res->messages == 0)
            res->first_local_ts_ns = b->local_ts_ns;
        res->last_local_ts_ns = b->local_ts_ns;
        res->messages++;
        if (progress != NULL && res->messages % 100000 == 0)
            progress(res->messages, progress_arg);

        struct slot *s = slot_for(slots, res, reg, o, b->inst_id, &rc);
        if (s == NULL)
            goto fail;
        struct cx_replay_book *rb = &res->books[s - slots];
        switch ((enum cx_md_kind)b->kind) {
        case CX_MD_KIND_DEPTH:
        case CX_MD_KIND_SNAPSHOT:
            on_depth(s, rb, (uint32_t)(s - slots), o->check, b);
            break;
        case CX_MD_KIND_BBO:
        case CX_MD_KIND_TICKER:
            for (uint32_t i = 0; i < b->n; i++)
                on_ticker(s, rb, &b->ev[i]);
            break;
        case CX_MD_KIND_TRADE:
            rb->trades += b->n;
            break;
        default:
            break;
        }
    }
    rc = 0;

    for (uint32_t i = 0; i < n; i++) {
        struct cx_replay_file *f = &res->files[i];
        f->path = paths[i];
        f->format = cx_md_reader_format(readers[i]);
        f->venue = cx_md_reader_venue(readers[i]);
        f->stats = *cx_md_reader_stats(readers[i]);
        res->errors += f->stats.errors;
    }
    res->n_files = n;
    for (uint32_t i = 0; i < res->n_books; i++) {
        struct cx_replay_book *rb = &res->books[i];
        finish_book(&slots[i], rb);
        res->gaps += rb->stats.gaps;
        res->resyncs += rb->stats.resyncs;
        res->crossed += rb->stats.crossed;
        res->bbo_matched += rb->bbo_matched;
        res->bbo_mismatched += rb->bbo_mismatched;
    }
    cx_md_merge_close(merge);
    for (uint32_t i = 0; i < n; i++)
        cx_md_reader_close(readers[i]);
    free(slots);
    *out = res;
    return 0;

fail:
    cx_md_merge_close(merge);
    for (uint32_t i = 0; i < n; i++)
        cx_md_reader_close(readers[i]);
    if (slots != NULL) {
        for (uint32_t i = 0; i < res->n_books; i++)
            cx_book_free(slots[i].book);
    }
    free(slots);
    free(res);
    return rc;
}

void cx_replay_free(struct cx_replay_result *res)
{
    if (res == NULL)
        return;
    for (uint32_t i = 0; i < res->n_books; i++)
        cx_book_free(res->books[i].book);
    free(res);
}

/* The path of the instrument file that failed, kept so err->file stays valid after return.
 * Per-thread scratch (STYLE.md F.42): only the last failing path is kept. */
static _Thread_local char tls_failed_path[1024];

static int load_one(struct cx_registry *reg, const char *data_dir, const char *name,
                    int (*load)(struct cx_registry *, const char *, struct cx_parse_err *),
                    int (*load_n)(struct cx_registry *, const char *, uint32_t *,
                                  struct cx_parse_err *),
                    struct cx_parse_err *err)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/instruments/%s", data_dir, name);
    int rc = load != NULL ? load(reg, path, err) : load_n(reg, path, NULL, err);
    if (rc != 0 && err != NULL) {
        memcpy(tls_failed_path, path, sizeof path);
        err->file = tls_failed_path;
    }
    return rc;
}

int cx_replay_default_registry(struct cx_registry *reg, const char *data_dir,
                               struct cx_parse_err *err)
{
    int rc = load_one(reg, data_dir, "binance.yaml", cx_registry_load_yaml, NULL, err);
    if (rc == 0)
        rc = load_one(reg, data_dir, "gate.spot.2025-05-08.json", NULL,
                      cx_registry_load_gate_spot, err);
    if (rc == 0)
        rc = load_one(reg, data_dir, "gate.linear_swap.2025-05-08.json", NULL,
                      cx_registry_load_gate_futures, err);
    if (rc == 0)
        rc = load_one(reg, data_dir, "mxc.spot.2025-05-08.json", NULL,
                      cx_registry_load_mexc_spot, err);
    return rc;
}
