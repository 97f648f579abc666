/* SPDX-License-Identifier: MIT */
/*
 * fidelity.json of a backtest session (format: docs/internals/fidelity.md): for every order the
 * venue time it was decided at, the venue's touch and book age it was decided on, its cancel's
 * times; for every fill its evidence, the venue's touch and book age; counts of decisions made
 * on views older than a few thresholds. Built from the runtime's hooks (on_report, on_order,
 * on_fill, on_end), so it records what the venue reported, not what the strategy assumed.
 *
 * Memory: one record per order (80 bytes) and per fill (96 bytes) until the end of the run, in
 * arrays that double; a client-id hash (open addressing, linear probing) finds an order's
 * record. The JSON is built in one buffer and written atomically (cx_store_write_file_atomic).
 */
#include "engine_int.h"

#include "cexarb/store.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T_NONE INT64_MIN /* a time that did not happen (null in the JSON) */

/* Book-age thresholds of the counts, ms (docs/internals/fidelity.md). */
static const int k_age_ms[CX__FID_N_AGES] = {10, 50, 100, 250, 1000};

struct fid_order {
    struct cx_order_req req;  /* as submitted (copied at the end from the OMS) */
    int64_t sent_ns;          /* strategy time it was sent */
    int64_t arrive_ns;        /* venue time of its ACK or REJECT (T_NONE: none) */
    int64_t bid_m, ask_m;     /* venue touch at the decision */
    int64_t age_ns;           /* book age at the decision (-1 unknown) */
    int64_t cancel_sent_ns;   /* first cancel request (T_NONE: none) */
    int64_t cancel_arrive_ns; /* venue time of CANCELED / CANCEL_REJECT (T_NONE: none) */
    uint8_t outcome;          /* 0 none, 1 ack, 2 reject (venue), 3 local reject */
    uint8_t reject;           /* enum cx_reject */
    uint8_t cancel_outcome;   /* 0 none, 1 canceled, 2 cancel_reject */
    uint8_t status;           /* final enum cx_ord_status */
};

struct cx__fidelity {
    const struct cx_registry *reg;
    struct fid_order *orders;
    uint32_t n_orders, cap_orders;
    uint32_t *index;          /* client-id hash: order index + 1, 0 = empty */
    uint32_t index_cap;       /* power of two */
    struct cx_fill *fills;
    uint32_t n_fills, cap_fills;
    int failed;               /* first allocation failure (the file is then not written) */
};

int cx__fidelity_new(struct cx__fidelity **out, const struct cx_registry *reg)
{
    *out = NULL;
    struct cx__fidelity *f = calloc(1, sizeof *f);
    if (f == NULL)
        return CX_ENOMEM;
    f->reg = reg;
    f->index_cap = 1024;
    f->index = calloc(f->index_cap, sizeof *f->index);
    if (f->index == NULL) {
        free(f);
        return CX_ENOMEM;
    }
    *out = f;
    return 0;
}

void cx__fidelity_free(struct cx__fidelity *f)
{
    if (f == NULL)
        return;
    free(f->orders);
    free(f->index);
    free(f->fills);
    free(f);
}

static uint32_t hash_id(uint64_t id)
{
    id ^= id >> 33;
    id *= UINT64_C(0xff51afd7ed558ccd);
    id ^= id >> 33;
    return (uint32_t)id;
}

static int rehash(struct cx__fidelity *f)
{
    uint32_t cap = f->index_cap * 2;
    uint32_t *ix = calloc(cap, sizeof *ix);
    if (ix == NULL)
        return CX_ENOMEM;
    for (uint32_t i = 0; i < f->n_orders; i++) {
        uint32_t h = hash_id(f->orders[i].req.client_id) & (cap - 1);
        while (ix[h] != 0)
            h = (h + 1) & (cap - 1);
        ix[h] = i + 1;
    }
    free(f->index);
    f->index = ix;
    f->index_cap = cap;
    return 0;
}

/* The record of a client id, created when new; NULL when out of memory (counted). */
static struct fid_order *record(struct cx__fidelity *f, uint64_t client_id)
{
    uint32_t h = hash_id(client_id) & (f->index_cap - 1);
    while (f->index[h] != 0) {
        struct fid_order *r = &f->orders[f->index[h] - 1];
        if (r->req.client_id == client_id)
            return r;
        h = (h + 1) & (f->index_cap - 1);
    }
    if (f->n_orders == f->cap_orders) {
        uint32_t cap = f->cap_orders ? f->cap_orders * 2 : 256;
        struct fid_order *p = realloc(f->orders, (size_t)cap * sizeof *p);
        if (p == NULL) {
            f->failed = CX_ENOMEM;
            return NULL;
        }
        f->orders = p;
        f->cap_orders = cap;
    }
    struct fid_order *r = &f->orders[f->n_orders++];
    memset(r, 0, sizeof *r);
    r->req.client_id = client_id;
    r->arrive_ns = r->cancel_sent_ns = r->cancel_arrive_ns = T_NONE;
    r->age_ns = -1;
    f->index[h] = f->n_orders;
    if (2 * f->n_orders > f->index_cap && rehash(f) != 0) {
        f->failed = CX_ENOMEM;
        return NULL;
    }
    return &f->orders[f->n_orders - 1];
}

void cx__fidelity_on_report(struct cx__fidelity *f, const struct cx_exec_report *m)
{
    if (f == NULL || m->type == CX_EXEC_FUNDING || m->type == CX_EXEC_FILL || m->client_id == 0)
        return;
    struct fid_order *r = record(f, m->client_id);
    if (r == NULL)
        return;
    switch (m->type) {
    case CX_EXEC_ACK:
    case CX_EXEC_REJECT:
        if (r->outcome != 0)
            return; /* one decision per order */
        r->outcome = m->type == CX_EXEC_ACK ? 1 : 2;
        r->reject = m->type == CX_EXEC_REJECT ? m->reject : CX_REJ_NONE;
        r->arrive_ns = m->exch_ns;
        r->bid_m = m->venue_bid_m;
        r->ask_m = m->venue_ask_m;
        r->age_ns = m->book_age_ns;
        break;
    case CX_EXEC_CANCELED:
    case CX_EXEC_CANCEL_REJECT:
        if (r->cancel_outcome == 0) {
            r->cancel_outcome = m->type == CX_EXEC_CANCELED ? 1 : 2;
            r->cancel_arrive_ns = m->exch_ns;
        }
        break;
    default:
        break;
    }
}

void cx__fidelity_on_order(struct cx__fidelity *f, const struct cx_order *o)
{
    if (f == NULL || o->status != CX_ORD_PENDING_CANCEL)
        return;
    struct fid_order *r = record(f, o->req.client_id);
    if (r != NULL && r->cancel_sent_ns == T_NONE)
        r->cancel_sent_ns = o->updated_ns;
}

void cx__fidelity_on_fill(struct cx__fidelity *f, const struct cx_fill *fill)
{
    if (f == NULL)
        return;
    if (f->n_fills == f->cap_fills) {
        uint32_t cap = f->cap_fills ? f->cap_fills * 2 : 256;
        struct cx_fill *p = realloc(f->fills, (size_t)cap * sizeof *p);
        if (p == NULL) {
            f->failed = CX_ENOMEM;
            return;
        }
        f->fills = p;
        f->cap_fills = cap;
    }
    f->fills[f->n_fills++] = *fill;
}

void cx__fidelity_on_end_order(struct cx__fidelity *f, const struct cx_order *o)
{
    if (f == NULL)
        return;
    struct fid_order *r = record(f, o->req.client_id);
    if (r == NULL)
        return;
    r->req = o->req; /* the request as submitted */
    r->sent_ns = o->created_ns;
    r->status = o->status;
    if (r->outcome == 0 && o->status == CX_ORD_REJECTED) {
        r->outcome = 3; /* refused before it reached the venue */
        r->reject = o->reject;
    }
}

/* ---------------------------------------------------------------------------------------------
 * MARK: JSON
 * ------------------------------------------------------------------------------------------- */

struct jbuf {
    char *p;
    size_t len, cap;
    int rc;
};

static void jb_add(struct jbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void jb_add(struct jbuf *b, const char *fmt, ...)
{
    if (b->rc != 0)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->rc = CX_EINVAL;
            return;
        }
        if ((size_t)n < b->cap - b->len) {
            b->len += (size_t)n;
            return;
        }
        size_t cap = b->cap * 2 + (size_t)n;
        char *p = realloc(b->p, cap);
        if (p == NULL) {
            b->rc = CX_ENOMEM;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
}

/* A time or null. */
static void jb_time(struct jbuf *b, const char *key, int64_t t)
{
    if (t == T_NONE)
        jb_add(b, ",\"%s\":null", key);
    else
        jb_add(b, ",\"%s\":%" PRId64, key, t);
}

/* A decimal string at an exponent. */
static void jb_dec(struct jbuf *b, const char *key, int64_t m, int exp)
{
    char d[48];
    if (cx_dec_format(m, exp, CX_DEC_TRIM, d, sizeof d) < 0)
        snprintf(d, sizeof d, "0");
    jb_add(b, ",\"%s\":\"%s\"", key, d);
}

static const char *venue_of(const struct cx_instrument *in)
{
    return in != NULL ? cx_venue_name((enum cx_venue)in->venue) : "";
}

static void age_counts(int64_t age_ns, uint64_t counts[CX__FID_N_AGES])
{
    for (int i = 0; i < CX__FID_N_AGES; i++)
        if (age_ns > (int64_t)k_age_ms[i] * CX_NS_PER_MS)
            counts[i]++;
}

int cx__fidelity_write(const struct cx__fidelity *f, const char *path,
                       const struct cx_engine_result *res, struct cx_parse_err *err)
{
    if (f->failed != 0)
        return cx_parse_err_set(err, f->failed, "out of memory recording fidelity.json", NULL, 0);
    uint64_t acc_old[CX__FID_N_AGES] = {0}, rej_old[CX__FID_N_AGES] = {0};
    uint64_t fill_old[CX__FID_N_AGES] = {0};
    uint64_t accepted = 0, po_rej = 0, other_rej = 0, local_rej = 0;
    uint64_t by_ev[CX_FILL_EV_COUNT] = {0};
    for (uint32_t i = 0; i < f->n_orders; i++) {
        const struct fid_order *r = &f->orders[i];
        if (r->outcome == 1) {
            accepted++;
            age_counts(r->age_ns, acc_old);
        } else if (r->outcome == 2 && r->reject == CX_REJ_POST_ONLY) {
            po_rej++;
            age_counts(r->age_ns, rej_old);
        } else if (r->outcome == 2) {
            other_rej++;
        } else if (r->outcome == 3) {
            local_rej++;
        }
    }
    for (uint32_t i = 0; i < f->n_fills; i++) {
        by_ev[f->fills[i].evidence < CX_FILL_EV_COUNT ? f->fills[i].evidence : 0]++;
        age_counts(f->fills[i].book_age_ns, fill_old);
    }

    struct jbuf b = {.cap = 64 * 1024};
    b.p = malloc(b.cap);
    if (b.p == NULL)
        return cx_parse_err_set(err, CX_ENOMEM, "out of memory writing fidelity.json", NULL, 0);
    jb_add(&b, "{\"format\":\"cexarb-fidelity/1\",\"book_age_thresholds_ms\":[");
    for (int i = 0; i < CX__FID_N_AGES; i++)
        jb_add(&b, "%s%d", i ? "," : "", k_age_ms[i]);
    jb_add(&b,
           "],\n\"replay\":{\"venue_window_ns\":%" PRId64 ",\"late\":%" PRIu64
           ",\"forced\":%" PRIu64 "},\n\"counts\":{\"orders\":%u,\"accepted\":%" PRIu64
           ",\"post_only_rejects\":%" PRIu64 ",\"other_rejects\":%" PRIu64
           ",\"local_rejects\":%" PRIu64 ",\"fills\":%u,\"by_evidence\":{",
           res->venue_window_ns, res->venue_late, res->venue_forced, f->n_orders, accepted,
           po_rej, other_rej, local_rej, f->n_fills);
    for (int e = 1; e < CX_FILL_EV_COUNT; e++)
        jb_add(&b, "%s\"%s\":%" PRIu64, e > 1 ? "," : "",
               cx_fill_evidence_name((enum cx_fill_evidence)e), by_ev[e]);
    if (by_ev[0] != 0)
        jb_add(&b, ",\"unknown\":%" PRIu64, by_ev[0]);
    jb_add(&b, "},\"older_than\":[");
    for (int i = 0; i < CX__FID_N_AGES; i++)
        jb_add(&b,
               "%s{\"ms\":%d,\"accepted\":%" PRIu64 ",\"post_only_rejects\":%" PRIu64
               ",\"fills\":%" PRIu64 "}",
               i ? "," : "", k_age_ms[i], acc_old[i], rej_old[i], fill_old[i]);
    jb_add(&b, "]},\n\"orders\":[");
    for (uint32_t i = 0; i < f->n_orders; i++) {
        const struct fid_order *r = &f->orders[i];
        const struct cx_instrument *in = cx_registry_get(f->reg, r->req.inst_id);
        int pe = in ? in->price_exp : 0, qe = in ? in->qty_exp : 0;
        static const char *const k_out[] = {"null", "\"ack\"", "\"reject\"", "\"local_reject\""};
        static const char *const k_cout[] = {"null", "\"canceled\"", "\"cancel_reject\""};
        const char *side = cx_store_enum_name(CX_STORE_ENUM_SIDE, r->req.side);
        const char *type = cx_store_enum_name(CX_STORE_ENUM_ORD_TYPE, r->req.type);
        const char *tif = cx_store_enum_name(CX_STORE_ENUM_TIF, r->req.tif);
        const char *rej = cx_store_enum_name(CX_STORE_ENUM_REJECT, r->reject);
        jb_add(&b,
               "%s\n{\"client_id\":%" PRIu64 ",\"venue\":\"%s\",\"symbol\":\"%s\",\"side\":\"%s\","
               "\"type\":\"%s\",\"tif\":\"%s\",\"reduce_only\":%s",
               i ? "," : "", r->req.client_id, venue_of(in), in ? in->symbol : "",
               side ? side : "?", type ? type : "?", tif ? tif : "?",
               (r->req.flags & CX_ORD_F_REDUCE_ONLY) ? "true" : "false");
        jb_dec(&b, "price", r->req.price_m, pe);
        jb_dec(&b, "qty", r->req.qty_m, qe);
        jb_time(&b, "sent_ns", r->sent_ns);
        jb_time(&b, "arrive_ns", r->arrive_ns);
        jb_add(&b, ",\"outcome\":%s,\"reject\":\"%s\"", k_out[r->outcome], rej ? rej : "?");
        jb_dec(&b, "venue_bid", r->bid_m, pe);
        jb_dec(&b, "venue_ask", r->ask_m, pe);
        jb_add(&b, ",\"book_age_ns\":%" PRId64, r->age_ns);
        jb_time(&b, "cancel_sent_ns", r->cancel_sent_ns);
        jb_time(&b, "cancel_arrive_ns", r->cancel_arrive_ns);
        jb_add(&b, ",\"cancel_outcome\":%s}", k_cout[r->cancel_outcome]);
    }
    jb_add(&b, "],\n\"fills\":[");
    for (uint32_t i = 0; i < f->n_fills; i++) {
        const struct cx_fill *x = &f->fills[i];
        const struct cx_instrument *in = cx_registry_get(f->reg, x->inst_id);
        int pe = in ? in->price_exp : 0, qe = in ? in->qty_exp : 0;
        const char *side = cx_store_enum_name(CX_STORE_ENUM_SIDE, x->side);
        const char *liq = cx_store_enum_name(CX_STORE_ENUM_LIQUIDITY, x->liquidity);
        jb_add(&b,
               "%s\n{\"fill_id\":%" PRIu64 ",\"client_id\":%" PRIu64
               ",\"venue\":\"%s\",\"symbol\":\"%s\",\"side\":\"%s\",\"venue_ns\":%" PRId64
               ",\"local_ns\":%" PRId64,
               i ? "," : "", x->fill_id, x->client_id, venue_of(in), in ? in->symbol : "",
               side ? side : "?", x->exch_ts_ns, x->local_ts_ns);
        jb_dec(&b, "price", x->price_m, pe);
        jb_dec(&b, "qty", x->qty_m, qe);
        jb_add(&b, ",\"liquidity\":\"%s\",\"evidence\":\"%s\"", liq ? liq : "?",
               cx_fill_evidence_name((enum cx_fill_evidence)x->evidence));
        jb_dec(&b, "venue_bid", x->venue_bid_m, pe);
        jb_dec(&b, "venue_ask", x->venue_ask_m, pe);
        jb_add(&b, ",\"book_age_ns\":%" PRId64 "}", x->book_age_ns);
    }
    jb_add(&b, "]}\n");
    int rc = b.rc;
    if (rc != 0)
        cx_parse_err_set(err, rc, "out of memory writing fidelity.json", NULL, 0);
    else
        rc = cx_store_write_file_atomic(path, b.p, b.len, true, err);
    free(b.p);
    return rc;
}
