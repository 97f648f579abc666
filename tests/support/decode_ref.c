/* SPDX-License-Identifier: MIT */
/*
 * Reference decoders (test oracle, part of cx_testsupport; declared in cx_ref.h): the same
 * contracts and rules as the fast scanners (src/md/decode_binance.c, decode_hyperliquid.c,
 * decode_gate.c), written the obvious way on top of a general JSON parser (cJSON) so that tests
 * and the differential fuzzers can require identical batches from both. They allocate (the cJSON
 * tree and a NUL-terminated copy) and are not for the hot path; they reach md's internals
 * (md_int.h) only for the symbol resolution and number conversion every decoder shares.
 *
 * Numbers: cJSON keeps only a double per number, which cannot represent 64-bit ids or a
 * timestamp like 1684930166.384 s exactly. The reference therefore recovers each number's
 * original text: a small lexer lists the number tokens of the message in document order (they
 * are the maximal runs of [0-9+-.eE] starting with '-' or a digit outside strings), and the
 * cJSON tree is walked in pre-order, whose number items appear in the same order; each item's
 * valueint is replaced by its token index. All conversions then work on exact text, as in the
 * fast decoders.
 *
 * Leniency (documented differences on invalid input only): cJSON accepts some non-JSON such as
 * leading zeros ("01"), "1.", control bytes inside strings and as whitespace, and a UTF-8 BOM;
 * the fast decoders reject those. The rule the fuzzers check is one-way: whatever the fast
 * decoder accepts, the reference accepts with identical output. Error codes and messages may
 * differ; the reference reports column 0 (unknown).
 */
#include "cx_ref.h"
#include "md_int.h"

#include <cjson/cJSON.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------------------------------------
 * MARK: parsing and number text
 * ------------------------------------------------------------------------------------------- */

struct rf_num {
    uint32_t off; /* offset of the token in the message */
    uint32_t len; /* bytes */
};

struct rf {
    char *buf;             /* NUL-terminated copy of the message */
    size_t n;              /* message bytes */
    cJSON *root;           /* parsed tree */
    struct rf_num *nums;   /* number tokens in document order */
    uint32_t nnum;         /* entries in nums */
    struct cx_parse_err *err;
};

static bool rf_numchar(char c)
{
    return (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.' || c == 'e' || c == 'E';
}

/* List (or, with out == NULL, count) the number tokens of buf[0..n). */
static uint32_t rf_lex(const char *buf, size_t n, struct rf_num *out)
{
    uint32_t count = 0;
    size_t i = 0;
    while (i < n) {
        char c = buf[i];
        if (c == '"') {
            i++;
            while (i < n && buf[i] != '"') {
                if (buf[i] == '\\')
                    i++;
                i++;
            }
            i++;
        } else if (c == '-' || (c >= '0' && c <= '9')) {
            size_t start = i;
            while (i < n && rf_numchar(buf[i]))
                i++;
            if (out != NULL) {
                out[count].off = (uint32_t)start;
                out[count].len = (uint32_t)(i - start);
            }
            count++;
        } else {
            i++;
        }
    }
    return count;
}

/* Number the cJSON number items in pre-order (document order). */
static void rf_index(cJSON *item, uint32_t *next)
{
    for (; item != NULL; item = item->next) {
        if (cJSON_IsNumber(item))
            item->valueint = (int)(*next)++;
        if (item->child != NULL)
            rf_index(item->child, next);
    }
}

static int rf_fail(struct rf *rf, int code, const char *msg, const char *detail)
{
    cx_parse_err_set(rf->err, code, msg, detail, detail != NULL ? strlen(detail) : 0);
    if (rf->err != NULL)
        rf->err->col = 0;
    return code;
}

static void rf_free(struct rf *rf)
{
    cJSON_Delete(rf->root);
    free(rf->nums);
    free(rf->buf);
}

static bool rf_is_ws(char c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

/* Parse the message; on success rf->root is an object. */
static int rf_parse(struct rf *rf, const char *json, size_t n, struct cx_parse_err *err)
{
    memset(rf, 0, sizeof *rf);
    rf->err = err;
    rf->n = n;
    if (n > (size_t)UINT32_MAX || (int64_t)n > (int64_t)INT_MAX)
        return rf_fail(rf, CX_ERANGE, "message too long", NULL);
    rf->buf = malloc(n + 1);
    if (rf->buf == NULL)
        return rf_fail(rf, CX_ENOMEM, "out of memory", NULL);
    if (n > 0)
        memcpy(rf->buf, json, n);
    rf->buf[n] = '\0';
    size_t i = 0;
    while (i < n && rf_is_ws(rf->buf[i]))
        i++;
    if (i == n)
        return rf_fail(rf, CX_ETRUNC, n == 0 ? "empty message" : "truncated message", NULL);
    const char *end = NULL;
    rf->root = cJSON_ParseWithLengthOpts(rf->buf, n, &end, 0);
    if (rf->root == NULL)
        return rf_fail(rf, CX_EPARSE, "malformed JSON (cJSON)", NULL);
    for (const char *p = end; p < rf->buf + n; p++)
        if (!rf_is_ws(*p))
            return rf_fail(rf, CX_EPARSE, "trailing characters after message", p);
    if (!cJSON_IsObject(rf->root))
        return rf_fail(rf, CX_ETYPE, "message is not a JSON object", NULL);
    rf->nnum = rf_lex(rf->buf, n, NULL);
    if (rf->nnum > 0) {
        rf->nums = malloc(rf->nnum * sizeof rf->nums[0]);
        if (rf->nums == NULL)
            return rf_fail(rf, CX_ENOMEM, "out of memory", NULL);
        rf_lex(rf->buf, n, rf->nums);
    }
    uint32_t next = 0;
    rf_index(rf->root, &next);
    if (next != rf->nnum)
        return rf_fail(rf, CX_EPARSE, "number tokens do not match the parsed tree", NULL);
    return 0;
}

/* Original text of a number item. */
static const char *rf_numtext(const struct rf *rf, const cJSON *item, size_t *len)
{
    const struct rf_num *t = &rf->nums[item->valueint];
    *len = t->len;
    return rf->buf + t->off;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: typed fields
 * ------------------------------------------------------------------------------------------- */

static int rf_u64(struct rf *rf, const cJSON *item, const char *msg, uint64_t *out)
{
    if (!cJSON_IsNumber(item))
        return rf_fail(rf, CX_ETYPE, msg, item->string);
    size_t len;
    const char *s = rf_numtext(rf, item, &len);
    int rc = cx__md_u64(s, len, out);
    if (rc == CX_EOVERFLOW)
        return rf_fail(rf, CX_EOVERFLOW, "integer does not fit 64 bits", item->string);
    if (rc != 0)
        return rf_fail(rf, CX_ETYPE, msg, item->string);
    return 0;
}

static int rf_string(struct rf *rf, const cJSON *item, const char *msg, const char **out)
{
    if (!cJSON_IsString(item) || item->valuestring == NULL)
        return rf_fail(rf, CX_ETYPE, msg, item->string);
    *out = item->valuestring;
    return 0;
}

/* An array item (kept in *out), else CX_ETYPE with `msg`. */
static int rf_array(struct rf *rf, const cJSON *item, const char *msg, const cJSON **out)
{
    if (!cJSON_IsArray(item))
        return rf_fail(rf, CX_ETYPE, msg, item->string);
    *out = item;
    return 0;
}

static int rf_number(struct rf *rf, const cJSON *item, const char *msg, const char **out,
                     size_t *len)
{
    if (!cJSON_IsNumber(item))
        return rf_fail(rf, CX_ETYPE, msg, item->string);
    *out = rf_numtext(rf, item, len);
    return 0;
}

static int rf_ms_to_ns(struct rf *rf, uint64_t ms, int64_t *out)
{
    if (ms > (uint64_t)(INT64_MAX / CX_NS_PER_MS))
        return rf_fail(rf, CX_ERANGE, "timestamp out of range", NULL);
    *out = (int64_t)ms * CX_NS_PER_MS;
    return 0;
}

static int rf_s_to_ns(struct rf *rf, uint64_t s, int64_t *out)
{
    if (s > (uint64_t)(INT64_MAX / CX_NS_PER_S))
        return rf_fail(rf, CX_ERANGE, "timestamp out of range", NULL);
    *out = (int64_t)s * CX_NS_PER_S;
    return 0;
}

/* Decimal timestamp text in ms (ns_exp -6) or s (ns_exp -9) to ns, exactly. */
static int rf_dec_ts(struct rf *rf, const char *s, size_t n, int ns_exp, int64_t *out)
{
    int64_t v;
    int rc = cx_dec_parse(s, n, ns_exp, &v);
    if (rc == 0 && v < 0)
        rc = CX_ERANGE;
    if (rc != 0)
        return rf_fail(rf, rc == CX_EPARSE ? CX_EPARSE : CX_ERANGE, "invalid timestamp", NULL);
    *out = v;
    return 0;
}

static int rf_conv(struct rf *rf, const struct cx__md_sym *sym, const char *s, size_t n,
                   bool is_price, int64_t *out)
{
    if (n > 0 && s[0] == '-')
        return rf_fail(rf, CX_ERANGE, is_price ? "negative price" : "negative quantity", s);
    int rc = is_price ? cx__md_price(sym, s, n, out) : cx__md_qty(sym, s, n, out);
    if (rc != 0)
        return rf_fail(rf, rc == CX_EPRECISION || rc == CX_EOVERFLOW ? rc : CX_EPARSE,
                       is_price ? "price conversion failed" : "quantity conversion failed", s);
    return 0;
}

static int rf_conv_str(struct rf *rf, const struct cx__md_sym *sym, const char *s,
                       bool is_price, int64_t *out)
{
    return rf_conv(rf, sym, s, strlen(s), is_price, out);
}

static int rf_resolve(struct rf *rf, const struct cx_md_ctx *ctx, enum cx_venue venue,
                      const char *s, size_t n, struct cx__md_sym *out)
{
    int rc = cx__md_resolve(ctx, venue, s, n, out, rf->err);
    if (rc != 0 && rf->err != NULL)
        rf->err->col = 0;
    return rc;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: key dispatch
 *
 * Each message lists the keys it knows as a table of names indexed by its own field enum and
 * walks its object with rf_walk_start / rf_next, which skip unknown keys and stop at a known key
 * seen twice; rf_walk_require then reports that duplicate or the first required key missing, in
 * table order. The message's code only handles values. This is the reference's own code (strcmp
 * on cJSON's NUL-terminated keys over the parsed tree), not the fast scanner's, so the two can
 * only agree by each being right.
 * ------------------------------------------------------------------------------------------- */

#define RF_NKEYS(tab) ((unsigned)(sizeof(tab) / sizeof((tab)[0])))
#define RF_BIT(f) (1u << (f))
#define RF_ROWS_BEFORE(f) (RF_BIT(f) - 1u) /* every row before row f */
#define RF_DONE (-1)                       /* rf_next: no more known members */

/** Walk over the members of one object that have known keys. */
struct rf_walk {
    struct rf *rf;           /* error report */
    const char *const *keys; /* key names by field row */
    unsigned nkeys;          /* rows in keys */
    const cJSON *next;       /* next member to look at */
    const cJSON *it;         /* the member rf_next returned */
    uint32_t seen;           /* bit per row: keys met so far */
    int rc;                  /* CX_EPARSE once a known key came twice, else 0 */
};

static struct rf_walk rf_walk_start(struct rf *rf, const cJSON *obj, const char *const *keys,
                                    unsigned nkeys)
{
    struct rf_walk w = {rf, keys, nkeys, obj->child, NULL, 0, 0};
    return w;
}

/* Row of the next member whose key is in the table (the member in w->it); RF_DONE at the end of
 * the object or at a known key seen before (w->rc = CX_EPARSE "duplicate key"). */
static int rf_next(struct rf_walk *w)
{
    while (w->rc == 0 && w->next != NULL) {
        const cJSON *item = w->next;
        w->next = item->next;
        for (unsigned i = 0; i < w->nkeys; i++) {
            if (strcmp(item->string, w->keys[i]) != 0)
                continue;
            if (w->seen & RF_BIT(i)) {
                w->rc = rf_fail(w->rf, CX_EPARSE, "duplicate key", item->string);
                return RF_DONE;
            }
            w->seen |= RF_BIT(i);
            w->it = item;
            return (int)i;
        }
    }
    return RF_DONE;
}

static int rf_missing(struct rf *rf, const char *name)
{
    return rf_fail(rf, CX_EMISSING, "required field missing", name);
}

/* After RF_DONE: the duplicate-key error if the walk stopped at one, else CX_EMISSING naming the
 * first row of the table whose bit is in `required` and whose key did not come, else 0. */
static int rf_walk_require(const struct rf_walk *w, uint32_t required)
{
    if (w->rc != 0)
        return w->rc;
    for (unsigned i = 0; i < w->nkeys; i++)
        if ((required & RF_BIT(i)) && !(w->seen & RF_BIT(i)))
            return rf_missing(w->rf, w->keys[i]);
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: events
 * ------------------------------------------------------------------------------------------- */

static int rf_push(struct rf *rf, struct cx_md_batch *out, uint32_t *io_n,
                   struct cx_md_event **e)
{
    if (*io_n >= out->cap)
        return rf_fail(rf, CX_ENOSPC, "more events than the batch capacity", NULL);
    *e = &out->ev[(*io_n)++];
    memset(*e, 0, sizeof **e);
    return 0;
}

static int rf_level(struct rf *rf, struct cx_md_batch *out, uint32_t *io_n,
                    const struct cx__md_sym *sym, const char *px, size_t pxn, const char *qty,
                    size_t qtyn, uint16_t side)
{
    struct cx_md_event *e;
    int rc;
    rc = rf_push(rf, out, io_n, &e);
    if (rc != 0)
        return rc;
    rc = rf_conv(rf, sym, px, pxn, true, &e->u.level.price_m);
    if (rc != 0)
        return rc;
    rc = rf_conv(rf, sym, qty, qtyn, false, &e->u.level.qty_m);
    if (rc != 0)
        return rc;
    e->flags = side;
    return 0;
}

/* [["price","qty"],..] */
static int rf_levels_pairs(struct rf *rf, const cJSON *arr, struct cx_md_batch *out,
                           uint32_t *io_n, const struct cx__md_sym *sym, uint16_t side)
{
    const cJSON *lvl;
    cJSON_ArrayForEach(lvl, arr)
    {
        if (!cJSON_IsArray(lvl))
            return rf_fail(rf, CX_ETYPE, "expected [price, quantity] array for a level", NULL);
        if (cJSON_GetArraySize(lvl) != 2)
            return rf_fail(rf, CX_EPARSE, "level must be [price, quantity]", NULL);
        const cJSON *p = lvl->child, *q = lvl->child->next;
        if (!cJSON_IsString(p))
            return rf_fail(rf, CX_ETYPE, "expected string for price", NULL);
        if (!cJSON_IsString(q))
            return rf_fail(rf, CX_ETYPE, "expected string for quantity", NULL);
        int rc = rf_level(rf, out, io_n, sym, p->valuestring, strlen(p->valuestring),
                          q->valuestring, strlen(q->valuestring), side);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* [{"p":"price","s":size},..] (Gate futures) or [{"px":"..","sz":".."},..] (Hyperliquid). */
static int rf_levels_objs(struct rf *rf, const cJSON *arr, struct cx_md_batch *out,
                          uint32_t *io_n, const struct cx__md_sym *sym, uint16_t side,
                          const char *price_key, const char *qty_key, bool qty_is_number)
{
    const cJSON *lvl;
    cJSON_ArrayForEach(lvl, arr)
    {
        if (!cJSON_IsObject(lvl))
            return rf_fail(rf, CX_ETYPE, "expected object for a level", NULL);
        enum { F_PRICE, F_QTY };
        const char *const keys[] = {[F_PRICE] = price_key, [F_QTY] = qty_key};
        const char *px = NULL, *qty = NULL;
        size_t qtyn = 0;
        int rc = 0;
        struct rf_walk w = rf_walk_start(rf, lvl, keys, RF_NKEYS(keys));
        for (int f = rf_next(&w); f != RF_DONE; f = rf_next(&w)) {
            switch (f) {
            case F_PRICE: rc = rf_string(rf, w.it, "expected string for price", &px); break;
            case F_QTY:
                if (qty_is_number) {
                    rc = rf_number(rf, w.it, "expected number for size", &qty, &qtyn);
                } else {
                    rc = rf_string(rf, w.it, "expected string for quantity", &qty);
                    if (rc == 0)
                        qtyn = strlen(qty);
                }
                break;
            }
            if (rc != 0)
                return rc;
        }
        rc = rf_walk_require(&w, RF_BIT(F_PRICE) | RF_BIT(F_QTY));
        if (rc != 0)
            return rc;
        rc = rf_level(rf, out, io_n, sym, px, strlen(px), qty, qtyn, side);
        if (rc != 0)
            return rc;
    }
    return 0;
}

static int rf_nolevel(struct rf *rf, struct cx_md_batch *out, uint32_t *io_n)
{
    struct cx_md_event *e;
    int rc = rf_push(rf, out, io_n, &e);
    if (rc == 0)
        e->flags = CX_MD_F_NOLEVEL;
    return rc;
}

static void rf_finish_levels(struct cx_md_event *ev, uint32_t n, uint8_t type, uint32_t inst_id,
                             int64_t exch_ts_ns, int64_t local_ts_ns, uint64_t seq,
                             uint64_t seq_first, uint64_t seq_prev, uint16_t flags)
{
    for (uint32_t i = 0; i < n; i++) {
        ev[i].exch_ts_ns = exch_ts_ns;
        ev[i].local_ts_ns = local_ts_ns;
        ev[i].seq = seq;
        ev[i].inst_id = inst_id;
        ev[i].type = type;
        ev[i].stream = 0;
        ev[i].flags = (uint16_t)(ev[i].flags | flags);
        ev[i].u.level.seq_first = seq_first;
        ev[i].u.level.seq_prev = seq_prev;
        if (i == 0)
            ev[i].flags |= CX_MD_F_BEGIN;
        if (i + 1 == n)
            ev[i].flags |= CX_MD_F_END;
    }
}

static void rf_done(struct cx_md_batch *out, uint32_t n, enum cx_md_kind kind,
                    enum cx_venue venue, uint32_t inst_id, int64_t local_ts_ns)
{
    out->n = n;
    out->kind = (uint8_t)kind;
    out->venue = (uint8_t)venue;
    out->pad = 0;
    out->inst_id = inst_id;
    out->local_ts_ns = local_ts_ns;
}

static int rf_args(const struct cx_md_ctx *ctx, const char *json, size_t n,
                   const struct cx_md_batch *out, struct cx_parse_err *err)
{
    if (ctx == NULL || (json == NULL && n > 0) || out == NULL || (out->ev == NULL && out->cap))
        return cx_parse_err_set(err, CX_EINVAL, "invalid decoder arguments", NULL, 0);
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: Binance
 * ------------------------------------------------------------------------------------------- */

enum rf_bn_stream { RF_BN_NONE = 0, RF_BN_DEPTH, RF_BN_BBO, RF_BN_TRADE };

static enum rf_bn_stream rf_bn_classify(const char *s)
{
    const char *at = strchr(s, '@');
    if (at == NULL || at == s)
        return RF_BN_NONE;
    const char *r = at + 1;
    if (strcmp(r, "bookTicker") == 0)
        return RF_BN_BBO;
    if (strcmp(r, "trade") == 0)
        return RF_BN_TRADE;
    if (strncmp(r, "depth", 5) != 0)
        return RF_BN_NONE;
    if (r[5] == '\0')
        return RF_BN_DEPTH;
    if (r[5] != '@')
        return RF_BN_NONE;
    size_t i = 6;
    while (r[i] >= '0' && r[i] <= '9')
        i++;
    if (i == 6 || strcmp(r + i, "ms") != 0)
        return RF_BN_NONE;
    return RF_BN_DEPTH;
}

static int rf_bn_check_e(struct rf *rf, const cJSON *it, const char *want)
{
    const char *s;
    int rc = rf_string(rf, it, "expected string for event type", &s);
    if (rc != 0)
        return rc;
    if (strcmp(s, want) != 0)
        return rf_fail(rf, CX_ESTREAM, "event type does not match the stream", s);
    return 0;
}

struct rf_out {
    uint32_t n;
    enum cx_md_kind kind;
    uint32_t inst_id;
};

static int rf_bn_depth(struct rf *rf, const struct cx_md_ctx *ctx, enum cx_venue venue,
                       const cJSON *data, int64_t local_ts_ns, struct cx_md_batch *out,
                       struct rf_out *res)
{
    /* Required keys first (in the order a missing one is reported); "pu" only on USD-M. */
    enum { F_s, F_E, F_U, F_u, F_b, F_a, F_e, F_T, F_pu };
    static const char *const keys[] = {[F_s] = "s", [F_E] = "E", [F_U] = "U",
                                       [F_u] = "u", [F_b] = "b", [F_a] = "a",
                                       [F_e] = "e", [F_T] = "T", [F_pu] = "pu"};
    const bool usdm = venue == CX_VENUE_BINANCE_USDM;
    const unsigned nkeys = usdm ? RF_NKEYS(keys) : RF_NKEYS(keys) - 1;
    uint64_t ev_ms = 0, first_id = 0, last_id = 0, prev_id = 0, ignored;
    const char *sym_s = NULL;
    const cJSON *bids = NULL, *asks = NULL;
    int rc = 0;
    struct rf_walk w = rf_walk_start(rf, data, keys, nkeys);
    for (int f = rf_next(&w); f != RF_DONE; f = rf_next(&w)) {
        switch (f) {
        case F_e: rc = rf_bn_check_e(rf, w.it, "depthUpdate"); break;
        case F_E: rc = rf_u64(rf, w.it, "expected unsigned integer for event time", &ev_ms); break;
        case F_T: rc = rf_u64(rf, w.it, "expected unsigned integer for time", &ignored); break;
        case F_s: rc = rf_string(rf, w.it, "expected string for symbol", &sym_s); break;
        case F_U:
            rc = rf_u64(rf, w.it, "expected unsigned integer for update id", &first_id);
            break;
        case F_u: rc = rf_u64(rf, w.it, "expected unsigned integer for update id", &last_id); break;
        case F_pu:
            rc = rf_u64(rf, w.it, "expected unsigned integer for update id", &prev_id);
            break;
        case F_b:
        case F_a:
            rc = rf_array(rf, w.it, "expected array for levels", f == F_b ? &bids : &asks);
            break;
        }
        if (rc != 0)
            return rc;
    }
    rc = rf_walk_require(&w, RF_ROWS_BEFORE(F_e) | RF_BIT(F_pu));
    if (rc != 0)
        return rc;
    struct cx__md_sym sym;
    uint32_t n = 0;
    int64_t exch_ns = 0;
    rc = rf_resolve(rf, ctx, venue, sym_s, strlen(sym_s), &sym);
    if (rc != 0)
        return rc;
    rc = rf_levels_pairs(rf, bids, out, &n, &sym, 0);
    if (rc != 0)
        return rc;
    rc = rf_levels_pairs(rf, asks, out, &n, &sym, CX_MD_F_ASK);
    if (rc != 0)
        return rc;
    if (n == 0) {
        rc = rf_nolevel(rf, out, &n);
        if (rc != 0)
            return rc;
    }
    rc = rf_ms_to_ns(rf, ev_ms, &exch_ns);
    if (rc != 0)
        return rc;
    rf_finish_levels(out->ev, n, CX_MD_DEPTH_DELTA, sym.inst_id, exch_ns, local_ts_ns, last_id,
                     first_id, usdm ? prev_id : 0, usdm ? (uint16_t)CX_MD_F_HAS_PREV : 0);
    res->n = n;
    res->kind = CX_MD_KIND_DEPTH;
    res->inst_id = sym.inst_id;
    return 0;
}

static int rf_bn_bbo(struct rf *rf, const struct cx_md_ctx *ctx, enum cx_venue venue,
                     const cJSON *data, int64_t local_ts_ns, struct cx_md_batch *out,
                     struct rf_out *res)
{
    /* str[] holds b, B, a, A: index f - F_b. */
    enum { F_u, F_s, F_b, F_B, F_a, F_A, F_e, F_E, F_T };
    static const char *const keys[] = {[F_u] = "u", [F_s] = "s", [F_b] = "b",
                                       [F_B] = "B", [F_a] = "a", [F_A] = "A",
                                       [F_e] = "e", [F_E] = "E", [F_T] = "T"};
    uint64_t upd = 0, ev_ms = 0, ignored;
    const char *sym_s = NULL, *str[4] = {NULL, NULL, NULL, NULL};
    int rc = 0;
    struct rf_walk w = rf_walk_start(rf, data, keys, RF_NKEYS(keys));
    for (int f = rf_next(&w); f != RF_DONE; f = rf_next(&w)) {
        switch (f) {
        case F_e: rc = rf_bn_check_e(rf, w.it, "bookTicker"); break;
        case F_u: rc = rf_u64(rf, w.it, "expected unsigned integer for update id", &upd); break;
        case F_s: rc = rf_string(rf, w.it, "expected string for symbol", &sym_s); break;
        case F_E: rc = rf_u64(rf, w.it, "expected unsigned integer for event time", &ev_ms); break;
        case F_T: rc = rf_u64(rf, w.it, "expected unsigned integer for time", &ignored); break;
        case F_b:
        case F_a: rc = rf_string(rf, w.it, "expected string for price", &str[f - F_b]); break;
        case F_B:
        case F_A: rc = rf_string(rf, w.it, "expected string for quantity", &str[f - F_b]); break;
        }
        if (rc != 0)
            return rc;
    }
    rc = rf_walk_require(&w, RF_ROWS_BEFORE(F_e));
    if (rc != 0)
        return rc;
    struct cx__md_sym sym;
    struct cx_md_event *e;
    uint32_t n = 0;
    int64_t exch_ns = 0;
    rc = rf_resolve(rf, ctx, venue, sym_s, strlen(sym_s), &sym);
    if (rc != 0)
        return rc;
    rc = rf_push(rf, out, &n, &e);
    if (rc != 0)
        return rc;
    rc = rf_conv_str(rf, &sym, str[0], true, &e->u.bbo.bid_price_m);
    if (rc != 0)
        return rc;
    rc = rf_conv_str(rf, &sym, str[1], false, &e->u.bbo.bid_qty_m);
    if (rc != 0)
        return rc;
    rc = rf_conv_str(rf, &sym, str[2], true, &e->u.bbo.ask_price_m);
    if (rc != 0)
        return rc;
    rc = rf_conv_str(rf, &sym, str[3], false, &e->u.bbo.ask_qty_m);
    if (rc != 0)
        return rc;
    if (w.seen & RF_BIT(F_E)) {
        rc = rf_ms_to_ns(rf, ev_ms, &exch_ns);
        if (rc != 0)
            return rc;
    }
    e->exch_ts_ns = exch_ns;
    e->local_ts_ns = local_ts_ns;
    e->seq = upd;
    e->inst_id = sym.inst_id;
    e->type = CX_MD_BBO;
    e->flags = CX_MD_F_SINGLE;
    res->n = n;
    res->kind = CX_MD_KIND_BBO;
    res->inst_id = sym.inst_id;
    return 0;
}

static int rf_bn_trade(struct rf *rf, const struct cx_md_ctx *ctx, enum cx_venue venue,
                       const cJSON *data, int64_t local_ts_ns, struct cx_md_batch *out,
                       struct rf_out *res)
{
    enum { F_s, F_t, F_p, F_q, F_T, F_m, F_e, F_E };
    static const char *const keys[] = {[F_s] = "s", [F_t] = "t", [F_p] = "p", [F_q] = "q",
                                       [F_T] = "T", [F_m] = "m", [F_e] = "e", [F_E] = "E"};
    uint64_t trade_id = 0, trade_ms = 0, ignored;
    const char *sym_s = NULL, *px = NULL, *qty = NULL;
    bool maker = false;
    int rc = 0;
    struct rf_walk w = rf_walk_start(rf, data, keys, RF_NKEYS(keys));
    for (int f = rf_next(&w); f != RF_DONE; f = rf_next(&w)) {
        switch (f) {
        case F_e: rc = rf_bn_check_e(rf, w.it, "trade"); break;
        case F_E:
            rc = rf_u64(rf, w.it, "expected unsigned integer for event time", &ignored);
            break;
        case F_T:
            rc = rf_u64(rf, w.it, "expected unsigned integer for trade time", &trade_ms);
            break;
        case F_s: rc = rf_string(rf, w.it, "expected string for symbol", &sym_s); break;
        case F_t:
            rc = rf_u64(rf, w.it, "expected unsigned integer for trade id", &trade_id);
            break;
        case F_p: rc = rf_string(rf, w.it, "expected string for price", &px); break;
        case F_q: rc = rf_string(rf, w.it, "expected string for quantity", &qty); break;
        case F_m:
            if (!cJSON_IsBool(w.it))
                rc = rf_fail(rf, CX_ETYPE, "expected boolean for buyer-is-maker", w.it->string);
            else
                maker = cJSON_IsTrue(w.it);
            break;
        }
        if (rc != 0)
            return rc;
    }
    rc = rf_walk_require(&w, RF_ROWS_BEFORE(F_e));
    if (rc != 0)
        return rc;
    struct cx__md_sym sym;
    struct cx_md_event *e;
    uint32_t n = 0;
    int64_t exch_ns = 0;
    rc = rf_resolve(rf, ctx, venue, sym_s, strlen(sym_s), &sym);
    if (rc != 0)
        return rc;
    rc = rf_push(rf, out, &n, &e);
    if (rc != 0)
        return rc;
    rc = rf_conv_str(rf, &sym, px, true, &e->u.trade.price_m);
    if (rc != 0)
        return rc;
    rc = rf_conv_str(rf, &sym, qty, false, &e->u.trade.qty_m);
    if (rc != 0)
        return rc;
    rc = rf_ms_to_ns(rf, trade_ms, &exch_ns);
    if (rc != 0)
        return rc;
    e->exch_ts_ns = exch_ns;
    e->local_ts_ns = local_ts_ns;
    e->seq = trade_id;
    e->inst_id = sym.inst_id;
    e->type = CX_MD_TRADE;
    e->flags = (uint16_t)(CX_MD_F_SINGLE | (maker ? 0u : CX_MD_F_BUY_TAKER));
    res->n = n;
    res->kind = CX_MD_KIND_TRADE;
    res->inst_id = sym.inst_id;
    return 0;
}

static int rf_binance(struct rf *rf, const struct cx_md_ctx *ctx, enum cx_venue venue,
                      int64_t local_ts_ns, struct cx_md_batch *out)
{
    enum { K_STREAM, K_DATA, K_LUID, K_BIDS, K_ASKS, K_E, K_T };
    static const char *const keys[] = {[K_STREAM] = "stream", [K_DATA] = "data",
                                       [K_LUID] = "lastUpdateId", [K_BIDS] = "bids",
                                       [K_ASKS] = "asks",         [K_E] = "E",
                                       [K_T] = "T"};
    const uint32_t stream_keys = RF_BIT(K_STREAM) | RF_BIT(K_DATA);
    const uint32_t snapshot_keys = RF_BIT(K_LUID) | RF_BIT(K_BIDS) | RF_BIT(K_ASKS);
    enum rf_bn_stream stream = RF_BN_NONE;
    const cJSON *data = NULL, *bids = NULL, *asks = NULL;
    uint64_t luid = 0, ev_ms = 0, ignored;
    const char *s = NULL;
    int rc = 0;
    struct rf_walk w = rf_walk_start(rf, rf->root, keys, RF_NKEYS(keys));
    for (int f = rf_next(&w); f != RF_DONE; f = rf_next(&w)) {
        switch (f) {
        case K_STREAM:
            rc = rf_string(rf, w.it, "expected string for stream", &s);
            if (rc == 0) {
                stream = rf_bn_classify(s);
                if (stream == RF_BN_NONE)
                    rc = rf_fail(rf, CX_ESTREAM, "unknown stream", s);
            }
            break;
        case K_DATA:
            if (!cJSON_IsObject(w.it))
                rc = rf_fail(rf, CX_ETYPE, "expected object for data", w.it->string);
            data = w.it;
            break;
        case K_LUID: rc = rf_u64(rf, w.it, "expected unsigned integer for update id", &luid); break;
        case K_E: rc = rf_u64(rf, w.it, "expected unsigned integer for event time", &ev_ms); break;
        case K_T: rc = rf_u64(rf, w.it, "expected unsigned integer for time", &ignored); break;
        case K_BIDS:
        case K_ASKS:
            rc = rf_array(rf, w.it, "expected array for levels", f == K_BIDS ? &bids : &asks);
            break;
        }
        if (rc != 0)
            return rc;
    }
    rc = rf_walk_require(&w, 0); /* a duplicate key */
    if (rc != 0)
        return rc;
    struct rf_out res = {0};
    if (w.seen & stream_keys) {
        if (w.seen & snapshot_keys)
            return rf_fail(rf, CX_EPARSE, "stream message with snapshot fields", NULL);
        rc = rf_walk_require(&w, stream_keys);
        if (rc != 0)
            return rc;
        switch (stream) {
        case RF_BN_DEPTH: rc = rf_bn_depth(rf, ctx, venue, data, local_ts_ns, out, &res); break;
        case RF_BN_BBO: rc = rf_bn_bbo(rf, ctx, venue, data, local_ts_ns, out, &res); break;
        case RF_BN_TRADE: rc = rf_bn_trade(rf, ctx, venue, data, local_ts_ns, out, &res); break;
        case RF_BN_NONE: rc = rf_fail(rf, CX_ESTREAM, "unknown stream", NULL); break;
        }
        if (rc != 0)
            return rc;
        rf_done(out, res.n, res.kind, venue, res.inst_id, local_ts_ns);
        return 0;
    }
    if (!(w.seen & snapshot_keys))
        return rf_fail(rf, CX_ESTREAM, "unknown message", NULL);
    rc = rf_walk_require(&w, snapshot_keys);
    if (rc != 0)
        return rc;
    if (ctx->snapshot_symbol == NULL)
        return rf_fail(rf, CX_ESYMBOL, "snapshot without a known symbol", NULL);
    struct cx__md_sym sym;
    uint32_t n = 0;
    int64_t exch_ns = 0;
    rc = rf_resolve(rf, ctx, venue, ctx->snapshot_symbol, ctx->snapshot_symbol_len, &sym);
    if (rc != 0)
        return rc;
    rc = rf_levels_pairs(rf, bids, out, &n, &sym, 0);
    if (rc != 0)
        return rc;
    rc = rf_levels_pairs(rf, asks, out, &n, &sym, CX_MD_F_ASK);
    if (rc != 0)
        return rc;
    if (n == 0) {
        rc = rf_nolevel(rf, out, &n);
        if (rc != 0)
            return rc;
    }
    if (w.seen & RF_BIT(K_E)) {
        rc = rf_ms_to_ns(rf, ev_ms, &exch_ns);
        if (rc != 0)
            return rc;
    }
    rf_finish_levels(out->ev, n, CX_MD_DEPTH_SNAPSHOT, sym.inst_id, exch_ns, local_ts_ns, luid,
                     luid, 0, 0);
    rf_done(out, n, CX_MD_KIND_SNAPSHOT, venue, sym.inst_id, local_ts_ns);
    return 0;
}

int cx_md_decode_binance_ref(const struct cx_md_ctx *ctx, const char *json, size_t n,
                             enum cx_venue venue, int64_t local_ts_ns, struct cx_md_batch *out,
                             struct cx_parse_err *err)
{
    int rc = rf_args(ctx, json, n, out, err);
    if (rc != 0)
        return rc;
    if (venue != CX_VENUE_BINANCE_SPOT && venue != CX_VENUE_BINANCE_USDM)
        return cx_parse_err_set(err, CX_EINVAL, "not a Binance venue", NULL, 0);
    struct rf rf;
    rc = rf_parse(&rf, json, n, err);
    if (rc == 0)
        rc = rf_binance(&rf, ctx, venue, local_ts_ns, out);
    rf_free(&rf);
    return rc;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: Hyperliquid
 * ------------------------------------------------------------------------------------------- */

static int rf_hl_book(struct rf *rf, const struct cx_md_ctx *ctx, const cJSON *data,
                      int64_t local_ts_ns, struct cx_md_batch *out, struct rf_out *res)
{
    enum { F_coin, F_time, F_levels };
    static const char *const keys[] = {[F_coin] = "coin", [F_time] = "time",
                                       [F_levels] = "levels"};
    const char *coin = NULL;
    uint64_t time_ms = 0;
    const cJSON *levels = NULL;
    int rc = 0;
    struct rf_walk w = rf_walk_start(rf, data, keys, RF_NKEYS(keys));
    for (int f = rf_next(&w); f != RF_DONE; f = rf_next(&w)) {
        switch (f) {
        case F_coin: rc = rf_string(rf, w.it, "expected string for coin", &coin); break;
        case F_time: rc = rf_u64(rf, w.it, "expected unsigned integer for time", &time_ms); break;
        case F_levels:
            if (!cJSON_IsArray(w.it))
                rc = rf_fail(rf, CX_ETYPE, "expected array for levels", w.it->string);
            levels = w.it;
            break;
        }
        if (rc != 0)
            return rc;
    }
    rc = rf_walk_require(&w, RF_ROWS_BEFORE(RF_NKEYS(keys)));
    if (rc != 0)
        return rc;
    struct cx__md_sym sym;
    rc = rf_resolve(rf, ctx, CX_VENUE_HYPERLIQUID, coin, strlen(coin), &sym);
    if (rc != 0)
        return rc;
    if (cJSON_GetArraySize(levels) != 2)
        return rf_fail(rf, CX_EPARSE, "levels must hold exactly two sides [bids, asks]", NULL);
    uint32_t n = 0;
    const cJSON *side = levels->child;
    for (int s = 0; s < 2; s++, side = side->next) {
        if (!cJSON_IsArray(side))
            return rf_fail(rf, CX_ETYPE, "expected array for a book side", NULL);
        rc = rf_levels_objs(rf, side, out, &n, &sym, s == 0 ? 0 : (uint16_t)CX_MD_F_ASK, "px",
                            "sz", false);
        if (rc != 0)
            return rc;
    }
    if (n == 0) {
        rc = rf_nolevel(rf, out, &n);
        if (rc != 0)
            return rc;
    }
    int64_t exch_ns = 0;
    rc = rf_ms_to_ns(rf, time_ms, &exch_ns);
    if (rc != 0)
        return rc;
    rf_finish_levels(out->ev, n, CX_MD_DEPTH_SNAPSHOT, sym.inst_id, exch_ns, local_ts_ns,
                     time_ms, time_ms, 0, CX_MD_F_NOSEQ);
    res->n = n;
    res->kind = CX_MD_KIND_SNAPSHOT;
    res->inst_id = sym.inst_id;
    return 0;
}

static int rf_hl_trades(struct rf *rf, const struct cx_md_ctx *ctx, const cJSON *data,
                        int64_t local_ts_ns, struct cx_md_batch *out, struct rf_out *res)
{
    /* str[] holds coin, side, px, sz: index f. */
    enum { F_coin, F_side, F_px, F_sz, F_time, F_tid };
    static const char *const keys[] = {[F_coin] = "coin", [F_side] = "side", [F_px] = "px",
                                       [F_sz] = "sz",     [F_time] = "time", [F_tid] = "tid"};
    static const char *const str_msg[4] = {
        [F_coin] = "expected string for coin", [F_side] = "expected string for side",
        [F_px] = "expected string for price", [F_sz] = "expected string for quantity"};
    struct cx__md_sym sym = {0};
    const char *coin0 = NULL;
    uint32_t n = 0;
    const cJSON *tr;
    cJSON_ArrayForEach(tr, data)
    {
        if (!cJSON_IsObject(tr))
            return rf_fail(rf, CX_ETYPE, "expected object for a trade", NULL);
        const char *str[4] = {NULL, NULL, NULL, NULL};
        uint64_t time_ms = 0, tid = 0;
        int rc = 0;
        struct rf_walk w = rf_walk_start(rf, tr, keys, RF_NKEYS(keys));
        for (int f = rf_next(&w); f != RF_DONE; f = rf_next(&w)) {
            switch (f) {
            case F_coin:
            case F_side:
            case F_px:
            case F_sz: rc = rf_string(rf, w.it, str_msg[f], &str[f]); break;
            case F_time:
                rc = rf_u64(rf, w.it, "expected unsigned integer for time", &time_ms);
                break;
            case F_tid:
                rc = rf_u64(rf, w.it, "expected unsigned integer for trade id", &tid);
                break;
            }
            if (rc != 0)
                return rc;
        }
        rc = rf_walk_require(&w, RF_ROWS_BEFORE(RF_NKEYS(keys)));
        if (rc != 0)
            return rc;
        if (coin0 == NULL) {
            rc = rf_resolve(rf, ctx, CX_VENUE_HYPERLIQUID, str[0], strlen(str[0]), &sym);
            if (rc != 0)
                return rc;
            coin0 = str[0];
        } else if (strcmp(coin0, str[0]) != 0) {
            return rf_fail(rf, CX_EPARSE, "trades for more than one coin in one message", str[0]);
        }
        uint16_t flags;
        if (strcmp(str[1], "B") == 0)
            flags = CX_MD_F_BUY_TAKER;
        else if (strcmp(str[1], "A") == 0)
            flags = 0;
        else
            return rf_fail(rf, CX_EPARSE, "side must be \"B\" or \"A\"", str[1]);
        struct cx_md_event *e;
        int64_t exch_ns = 0;
        rc = rf_push(rf, out, &n, &e);
        if (rc != 0)
            return rc;
        rc = rf_conv_str(rf, &sym, str[2], true, &e->u.trade.price_m);
        if (rc != 0)
            return rc;
        rc = rf_conv_str(rf, &sym, str[3], false, &e->u.trade.qty_m);
        if (rc != 0)
            return rc;
        rc = rf_ms_to_ns(rf, time_ms, &exch_ns);
        if (rc != 0)
            return rc;
        e->exch_ts_ns = exch_ns;
        e->local_ts_ns = local_ts_ns;
        e->seq = tid;
        e->inst_id = sym.inst_id;
        e->type = CX_MD_TRADE;
        e->flags = flags;
    }
    if (n == 0) {
        res->n = 0;
        res->kind = CX_MD_KIND_IGNORED;
        res->inst_id = UINT32_MAX;
        return 0;
    }
    out->ev[0].flags |= CX_MD_F_BEGIN;
    out->ev[n - 1].flags |= CX_MD_F_END;
    res->n = n;
    res->kind = CX_MD_KIND_TRADE;
    res->inst_id = sym.inst_id;
    return 0;
}

static int rf_hyperliquid(struct rf *rf, const struct cx_md_ctx *ctx, int64_t local_ts_ns,
                          struct cx_md_batch *out)
{
    enum { K_CHANNEL, K_DATA };
    static const char *const keys[] = {[K_CHANNEL] = "channel", [K_DATA] = "data"};
    const char *channel = NULL;
    const cJSON *data = NULL;
    int rc = 0;
    struct rf_walk w = rf_walk_start(rf, rf->root, keys, RF_NKEYS(keys));
    for (int f = rf_next(&w); f != RF_DONE; f = rf_next(&w)) {
        if (f == K_CHANNEL)
            rc = rf_string(rf, w.it, "expected string for channel", &channel);
        else if (f == K_DATA)
            data = w.it;
        if (rc != 0)
            return rc;
    }
    rc = rf_walk_require(&w, RF_BIT(K_CHANNEL));
    if (rc != 0)
        return rc;
    struct rf_out res = {0, CX_MD_KIND_CONTROL, UINT32_MAX};
    if (strcmp(channel, "l2Book") == 0) {
        if (data == NULL)
            return rf_missing(rf, "data");
        if (!cJSON_IsObject(data))
            return rf_fail(rf, CX_ETYPE, "expected object for data", "data");
        rc = rf_hl_book(rf, ctx, data, local_ts_ns, out, &res);
    } else if (strcmp(channel, "trades") == 0) {
        if (data == NULL)
            return rf_missing(rf, "data");
        if (!cJSON_IsArray(data))
            return rf_fail(rf, CX_ETYPE, "expected array for data", "data");
        rc = rf_hl_trades(rf, ctx, data, local_ts_ns, out, &res);
    } else if (strcmp(channel, "subscriptionResponse") != 0 && strcmp(channel, "pong") != 0) {
        return rf_fail(rf, CX_ESTREAM, "unknown channel", channel);
    }
    if (rc != 0)
        return rc;
    rf_done(out, res.n, res.kind, CX_VENUE_HYPERLIQUID, res.inst_id, local_ts_ns);
    return 0;
}

int cx_md_decode_hyperliquid_ref(const struct cx_md_ctx *ctx, const char *json, size_t n,
                                 int64_t local_ts_ns, struct cx_md_batch *out,
                                 struct cx_parse_err *err)
{
    int rc = rf_args(ctx, json, n, out, err);
    if (rc != 0)
        return rc;
    struct rf rf;
    rc = rf_parse(&rf, json, n, err);
    if (rc == 0)
        rc = rf_hyperliquid(&rf, ctx, local_ts_ns, out);
    rf_free(&rf);
    return rc;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: Gate
 * ------------------------------------------------------------------------------------------- */

static int rf_gt_levels(struct rf *rf, bool futures, const cJSON *arr, struct cx_md_batch *out,
                        uint32_t *io_n, const struct cx__md_sym *sym, uint16_t side)
{
    if (futures)
        return rf_levels_objs(rf, arr, out, io_n, sym, side, "p", "s", true);
    return rf_levels_pairs(rf, arr, out, io_n, sym, side);
}

static int rf_gt_depth(struct rf *rf, const struct cx_md_ctx *ctx, enum cx_venue venue,
                       const cJSON *res_obj, int64_t local_ts_ns, struct cx_md_batch *out,
                       struct rf_out *res)
{
    enum { F_t, F_s, F_U, F_u, F_b, F_a };
    static const char *const keys[] = {[F_t] = "t", [F_s] = "s", [F_U] = "U",
                                       [F_u] = "u", [F_b] = "b", [F_a] = "a"};
    const bool futures = venue == CX_VENUE_GATE_FUTURES;
    uint64_t t_ms = 0, first_id = 0, last_id = 0;
    const char *sym_s = NULL;
    const cJSON *bids = NULL, *asks = NULL;
    int rc = 0;
    struct rf_walk w = rf_walk_start(rf, res_obj, keys, RF_NKEYS(keys));
    for (int f = rf_next(&w); f != RF_DONE; f = rf_next(&w)) {
        switch (f) {
        case F_t: rc = rf_u64(rf, w.it, "expected unsigned integer for time", &t_ms); break;
        case F_s: rc = rf_string(rf, w.it, "expected string for symbol", &sym_s); break;
        case F_U:
            rc = rf_u64(rf, w.it, "expected unsigned integer for update id", &first_id);
            break;
        case F_u: rc = rf_u64(rf, w.it, "expected unsigned integer for update id", &last_id); break;
        case F_b:
        case F_a:
            rc = rf_array(rf, w.it, "expected array for levels", f == F_b ? &bids : &asks);
            break;
        }
        if (rc != 0)
            return rc;
    }
    rc = rf_walk_require(&w, RF_ROWS_BEFORE(RF_NKEYS(keys)));
    if (rc != 0)
        return rc;
    struct cx__md_sym sym;
    uint32_t n = 0;
    int64_t exch_ns = 0;
    rc = rf_resolve(rf, ctx, venue, sym_s, strlen(sym_s), &sym);
    if (rc != 0)
        return rc;
    rc = rf_gt_levels(rf, futures, bids, out, &n, &sym, 0);
    if (rc != 0)
        return rc;
    rc = rf_gt_levels(rf, futures, asks, out, &n, &sym, CX_MD_F_ASK);
    if (rc != 0)
        return rc;
    if (n == 0) {
        rc = rf_nolevel(rf, out, &n);
        if (rc != 0)
            return rc;
    }
    rc = rf_ms_to_ns(rf, t_ms, &exch_ns);
    if (rc != 0)
        return rc;
    rf_finish_levels(out->ev, n, CX_MD_DEPTH_DELTA, sym.inst_id, exch_ns, local_ts_ns, last_id,
                     first_id, 0, 0);
    res->n = n;
    res->kind = CX_MD_KIND_DEPTH;
    res->inst_id = sym.inst_id;
    return 0;
}

static int rf_gt_bbo(struct rf *rf, const struct cx_md_ctx *ctx, enum cx_venue venue,
                     const cJSON *res_obj, int64_t local_ts_ns, struct cx_md_batch *out,
                     struct rf_out *res)
{
    /* val[] holds b, B, a, A: index f - F_b. */
    enum { F_t, F_u, F_s, F_b, F_B, F_a, F_A };
    static const char *const keys[] = {[F_t] = "t", [F_u] = "u", [F_s] = "s", [F_b] = "b",
                                       [F_B] = "B", [F_a] = "a", [F_A] = "A"};
    const bool futures = venue == CX_VENUE_GATE_FUTURES;
    uint64_t t_ms = 0, upd = 0;
    const char *sym_s = NULL, *val[4] = {NULL, NULL, NULL, NULL};
    size_t vlen[4] = {0, 0, 0, 0};
    int rc = 0;
    struct rf_walk w = rf_walk_start(rf, res_obj, keys, RF_NKEYS(keys));
    for (int f = rf_next(&w); f != RF_DONE; f = rf_next(&w)) {
        switch (f) {
        case F_t: rc = rf_u64(rf, w.it, "expected unsigned integer for time", &t_ms); break;
        case F_u: rc = rf_u64(rf, w.it, "expected unsigned integer for update id", &upd); break;
        case F_s: rc = rf_string(rf, w.it, "expected string for symbol", &sym_s); break;
        case F_b:
        case F_a:
        case F_B:
        case F_A: {
            unsigned i = (unsigned)(f - F_b);
            if ((f == F_B || f == F_A) && futures) {
                rc = rf_number(rf, w.it, "expected number for size", &val[i], &vlen[i]);
            } else {
                rc = rf_string(rf, w.it,
                               f == F_B || f == F_A ? "expected string for quantity"
                                                    : "expected string for price",
                               &val[i]);
                if (rc == 0)
                    vlen[i] = strlen(val[i]);
            }
            break;
        }
        }
        if (rc != 0)
            return rc;
    }
    rc = rf_walk_require(&w, RF_ROWS_BEFORE(RF_NKEYS(keys)));
    if (rc != 0)
        return rc;
    struct cx__md_sym sym;
    struct cx_md_event *e;
    uint32_t n = 0;
    int64_t exch_ns = 0;
    rc = rf_resolve(rf, ctx, venue, sym_s, strlen(sym_s), &sym);
    if (rc != 0)
        return rc;
    rc = rf_push(rf, out, &n, &e);
    if (rc != 0)
        return rc;
    rc = rf_conv(rf, &sym, val[0], vlen[0], true, &e->u.bbo.bid_price_m);
    if (rc != 0)
        return rc;
    rc = rf_conv(rf, &sym, val[1], vlen[1], false, &e->u.bbo.bid_qty_m);
    if (rc != 0)
        return rc;
    rc = rf_conv(rf, &sym, val[2], vlen[2], true, &e->u.bbo.ask_price_m);
    if (rc != 0)
        return rc;
    rc = rf_conv(rf, &sym, val[3], vlen[3], false, &e->u.bbo.ask_qty_m);
    if (rc != 0)
        return rc;
    rc = rf_ms_to_ns(rf, t_ms, &exch_ns);
    if (rc != 0)
        return rc;
    e->exch_ts_ns = exch_ns;
    e->local_ts_ns = local_ts_ns;
    e->seq = upd;
    e->inst_id = sym.inst_id;
    e->type = CX_MD_BBO;
    e->flags = CX_MD_F_SINGLE;
    res->n = n;
    res->kind = CX_MD_KIND_BBO;
    res->inst_id = sym.inst_id;
    return 0;
}

static int rf_gt_ticker(struct rf *rf, const struct cx_md_ctx *ctx, enum cx_venue venue,
                        const cJSON *res_obj, int64_t local_ts_ns, struct cx_md_batch *out,
                        struct rf_out *res)
{
    /* val[] is indexed by field. */
    enum { F_pair, F_bid, F_ask };
    static const char *const keys[] = {[F_pair] = "currency_pair", [F_bid] = "highest_bid",
                                       [F_ask] = "lowest_ask"};
    const char *val[3] = {NULL, NULL, NULL};
    int rc = 0;
    struct rf_walk w = rf_walk_start(rf, res_obj, keys, RF_NKEYS(keys));
    for (int f = rf_next(&w); f != RF_DONE; f = rf_next(&w)) {
        rc = rf_string(rf, w.it,
                       f == F_pair ? "expected string for symbol" : "expected string for price",
                       &val[f]);
        if (rc != 0)
            return rc;
    }
    rc = rf_walk_require(&w, RF_ROWS_BEFORE(RF_NKEYS(keys)));
    if (rc != 0)
        return rc;
    struct cx__md_sym sym;
    struct cx_md_event *e;
    uint32_t n = 0;
    rc = rf_resolve(rf, ctx, venue, val[0], strlen(val[0]), &sym);
    if (rc != 0)
        return rc;
    rc = rf_push(rf, out, &n, &e);
    if (rc != 0)
        return rc;
    rc = rf_conv_str(rf, &sym, val[1], true, &e->u.bbo.bid_price_m);
    if (rc != 0)
        return rc;
    rc = rf_conv_str(rf, &sym, val[2], true, &e->u.bbo.ask_price_m);
    if (rc != 0)
        return rc;
    e->local_ts_ns = local_ts_ns;
    e->inst_id = sym.inst_id;
    e->type = CX_MD_BBO;
    e->flags = CX_MD_F_SINGLE | CX_MD_F_NOQTY;
    res->n = n;
    res->kind = CX_MD_KIND_TICKER;
    res->inst_id = sym.inst_id;
    return 0;
}

/* One Gate trade object (spot result or futures array element). */
static int rf_gt_trade_obj(struct rf *rf, const struct cx_md_ctx *ctx, enum cx_venue venue,
                           const cJSON *tr, int64_t local_ts_ns, struct cx_md_batch *out,
                           uint32_t *io_n, struct cx__md_sym *sym, const char **first_sym)
{
    /* Spot and futures name the symbol and quantity differently; only spot has "side" (last, so
     * futures uses one row less). Required keys first. */
    enum { F_id, F_sym, F_qty, F_px, F_ct, F_ctms, F_side };
    static const char *const k_spot[] = {[F_id] = "id",          [F_sym] = "currency_pair",
                                         [F_qty] = "amount",     [F_px] = "price",
                                         [F_ct] = "create_time", [F_ctms] = "create_time_ms",
                                         [F_side] = "side"};
    static const char *const k_futures[] = {[F_id] = "id",          [F_sym] = "contract",
                                            [F_qty] = "size",       [F_px] = "price",
                                            [F_ct] = "create_time", [F_ctms] = "create_time_ms"};
    const bool futures = venue == CX_VENUE_GATE_FUTURES;
    const char *const *keys = futures ? k_futures : k_spot;
    const unsigned nkeys = futures ? RF_NKEYS(k_futures) : RF_NKEYS(k_spot);
    if (!cJSON_IsObject(tr))
        return rf_fail(rf, CX_ETYPE, "expected object for a trade", NULL);
    uint64_t id = 0, ct_s = 0, ct_ms_u = 0;
    const char *ctms = NULL, *side = NULL, *sym_s = NULL, *qty = NULL, *px = NULL;
    size_t qtyn = 0;
    int rc = 0;
    struct rf_walk w = rf_walk_start(rf, tr, keys, nkeys);
    for (int f = rf_next(&w); f != RF_DONE; f = rf_next(&w)) {
        switch (f) {
        case F_id: rc = rf_u64(rf, w.it, "expected unsigned integer for trade id", &id); break;
        case F_ct: rc = rf_u64(rf, w.it, "expected unsigned integer for create_time", &ct_s); break;
        case F_ctms:
            if (futures)
                rc = rf_u64(rf, w.it, "expected unsigned integer for create_time_ms", &ct_ms_u);
            else
                rc = rf_string(rf, w.it, "expected string for create_time_ms", &ctms);
            break;
        case F_side: rc = rf_string(rf, w.it, "expected string for side", &side); break;
        case F_sym: rc = rf_string(rf, w.it, "expected string for symbol", &sym_s); break;
        case F_px: rc = rf_string(rf, w.it, "expected string for price", &px); break;
        case F_qty:
            if (futures) {
                rc = rf_number(rf, w.it, "expected number for size", &qty, &qtyn);
            } else {
                rc = rf_string(rf, w.it, "expected string for quantity", &qty);
                if (rc == 0)
                    qtyn = strlen(qty);
            }
            break;
        }
        if (rc != 0)
            return rc;
    }
    rc = rf_walk_require(&w, RF_ROWS_BEFORE(F_ct) | RF_BIT(F_side));
    if (rc != 0)
        return rc;
    if (!(w.seen & (RF_BIT(F_ct) | RF_BIT(F_ctms))))
        return rf_missing(rf, "create_time_ms");
    if (*first_sym == NULL) {
        rc = rf_resolve(rf, ctx, venue, sym_s, strlen(sym_s), sym);
        if (rc != 0)
            return rc;
        *first_sym = sym_s;
    } else if (strcmp(*first_sym, sym_s) != 0) {
        return rf_fail(rf, CX_EPARSE, "trades for more than one symbol in one message", sym_s);
    }
    uint16_t flags = 0;
    if (futures) {
        if (qtyn > 0 && qty[0] == '-') {
            qty++;
            qtyn--;
        } else {
            flags = CX_MD_F_BUY_TAKER;
        }
    } else if (strcmp(side, "buy") == 0) {
        flags = CX_MD_F_BUY_TAKER;
    } else if (strcmp(side, "sell") != 0) {
        return rf_fail(rf, CX_EPARSE, "side must be \"buy\" or \"sell\"", side);
    }
    int64_t exch_ns = 0;
    if (w.seen & RF_BIT(F_ctms))
        rc = futures ? rf_ms_to_ns(rf, ct_ms_u, &exch_ns)
                     : rf_dec_ts(rf, ctms, strlen(ctms), -6, &exch_ns);
    else
        rc = rf_s_to_ns(rf, ct_s, &exch_ns);
    if (rc != 0)
        return rc;
    struct cx_md_event *e;
    rc = rf_push(rf, out, io_n, &e);
    if (rc != 0)
        return rc;
    rc = rf_conv_str(rf, sym, px, true, &e->u.trade.price_m);
    if (rc != 0)
        return rc;
    rc = rf_conv(rf, sym, qty, qtyn, false, &e->u.trade.qty_m);
    if (rc != 0)
        return rc;
    e->exch_ts_ns = exch_ns;
    e->local_ts_ns = local_ts_ns;
    e->seq = id;
    e->inst_id = sym->inst_id;
    e->type = CX_MD_TRADE;
    e->flags = flags;
    return 0;
}

static int rf_gt_trades(struct rf *rf, const struct cx_md_ctx *ctx, enum cx_venue venue,
                        const cJSON *result, int64_t local_ts_ns, struct cx_md_batch *out,
                        struct rf_out *res)
{
    struct cx__md_sym sym = {0};
    const char *first_sym = NULL;
    uint32_t n = 0;
    int rc;
    if (venue == CX_VENUE_GATE_SPOT) {
        rc = rf_gt_trade_obj(rf, ctx, venue, result, local_ts_ns, out, &n, &sym, &first_sym);
        if (rc != 0)
            return rc;
    } else {
        const cJSON *tr;
        cJSON_ArrayForEach(tr, result)
        {
            rc = rf_gt_trade_obj(rf, ctx, venue, tr, local_ts_ns, out, &n, &sym, &first_sym);
            if (rc != 0)
                return rc;
        }
    }
    if (n == 0) {
        res->n = 0;
        res->kind = CX_MD_KIND_IGNORED;
        res->inst_id = UINT32_MAX;
        return 0;
    }
    out->ev[0].flags |= CX_MD_F_BEGIN;
    out->ev[n - 1].flags |= CX_MD_F_END;
    res->n = n;
    res->kind = CX_MD_KIND_TRADE;
    res->inst_id = sym.inst_id;
    return 0;
}

static int rf_gate_ws(struct rf *rf, const struct cx_md_ctx *ctx, enum cx_venue venue,
                      int64_t local_ts_ns, struct cx_md_batch *out)
{
    enum { K_CHANNEL, K_EVENT, K_RESULT, K_TIME, K_TIME_MS };
    static const char *const keys[] = {[K_CHANNEL] = "channel", [K_EVENT] = "event",
                                       [K_RESULT] = "result",   [K_TIME] = "time",
                                       [K_TIME_MS] = "time_ms"};
    const bool futures = venue == CX_VENUE_GATE_FUTURES;
    uint64_t time_s = 0, time_ms = 0;
    const char *chan = NULL, *event = NULL;
    const cJSON *result = NULL;
    int rc = 0;
    struct rf_walk w = rf_walk_start(rf, rf->root, keys, RF_NKEYS(keys));
    for (int f = rf_next(&w); f != RF_DONE; f = rf_next(&w)) {
        switch (f) {
        case K_TIME: rc = rf_u64(rf, w.it, "expected unsigned integer for time", &time_s); break;
        case K_TIME_MS:
            rc = rf_u64(rf, w.it, "expected unsigned integer for time_ms", &time_ms);
            break;
        case K_CHANNEL: rc = rf_string(rf, w.it, "expected string for channel", &chan); break;
        case K_EVENT: rc = rf_string(rf, w.it, "expected string for event", &event); break;
        case K_RESULT: result = w.it; break;
        }
        if (rc != 0)
            return rc;
    }
    rc = rf_walk_require(&w, RF_BIT(K_CHANNEL) | RF_BIT(K_EVENT));
    if (rc != 0)
        return rc;
    struct rf_out res = {0, CX_MD_KIND_CONTROL, UINT32_MAX};
    if (strcmp(event, "subscribe") == 0 || strcmp(event, "unsubscribe") == 0) {
        rf_done(out, 0, CX_MD_KIND_CONTROL, venue, UINT32_MAX, local_ts_ns);
        return 0;
    }
    if (strcmp(chan, "spot.candlesticks") == 0 || strcmp(chan, "futures.candlesticks") == 0) {
        rf_done(out, 0, CX_MD_KIND_IGNORED, venue, UINT32_MAX, local_ts_ns);
        return 0;
    }
    if (strcmp(event, "update") != 0)
        return rf_fail(rf, CX_ESTREAM, "unknown event", event);
    enum { A_NONE, A_DEPTH, A_BBO, A_TICKER, A_TRADE } a = A_NONE;
    if (!futures) {
        if (strcmp(chan, "spot.order_book_update") == 0)
            a = A_DEPTH;
        else if (strcmp(chan, "spot.book_ticker") == 0)
            a = A_BBO;
        else if (strcmp(chan, "spot.tickers") == 0)
            a = A_TICKER;
        else if (strcmp(chan, "spot.trades") == 0)
            a = A_TRADE;
    } else {
        if (strcmp(chan, "futures.order_book_update") == 0)
            a = A_DEPTH;
        else if (strcmp(chan, "futures.book_ticker") == 0)
            a = A_BBO;
        else if (strcmp(chan, "futures.trades") == 0)
            a = A_TRADE;
    }
    if (a == A_NONE)
        return rf_fail(rf, CX_ESTREAM, "unknown channel", chan);
    if (result == NULL)
        return rf_missing(rf, "result");
    bool want_array = a == A_TRADE && futures;
    if (want_array ? !cJSON_IsArray(result) : !cJSON_IsObject(result))
        return rf_fail(rf, CX_ETYPE,
                       want_array ? "expected array for result" : "expected object for result",
                       "result");
    switch (a) {
    case A_DEPTH: rc = rf_gt_depth(rf, ctx, venue, result, local_ts_ns, out, &res); break;
    case A_BBO: rc = rf_gt_bbo(rf, ctx, venue, result, local_ts_ns, out, &res); break;
    case A_TICKER: rc = rf_gt_ticker(rf, ctx, venue, result, local_ts_ns, out, &res); break;
    default: rc = rf_gt_trades(rf, ctx, venue, result, local_ts_ns, out, &res); break;
    }
    if (rc != 0)
        return rc;
    if (a == A_TICKER) {
        int64_t exch_ns = 0;
        if (time_ms > 0)
            rc = rf_ms_to_ns(rf, time_ms, &exch_ns);
        else if (w.seen & RF_BIT(K_TIME))
            rc = rf_s_to_ns(rf, time_s, &exch_ns);
        if (rc != 0)
            return rc;
        out->ev[0].exch_ts_ns = exch_ns;
    }
    rf_done(out, res.n, res.kind, venue, res.inst_id, local_ts_ns);
    return 0;
}

static int rf_gate_rest(struct rf *rf, const struct cx_md_ctx *ctx, enum cx_venue venue,
                        const char *rest_symbol, size_t rest_len, int64_t local_ts_ns,
                        struct cx_md_batch *out)
{
    enum { F_id, F_bids, F_asks, F_current, F_update };
    static const char *const keys[] = {[F_id] = "id", [F_bids] = "bids", [F_asks] = "asks",
                                       [F_current] = "current", [F_update] = "update"};
    const bool futures = venue == CX_VENUE_GATE_FUTURES;
    uint64_t id = 0;
    const char *current = NULL, *ignored;
    size_t current_n = 0, ignored_n;
    const cJSON *bids = NULL, *asks = NULL;
    int rc = 0;
    struct rf_walk w = rf_walk_start(rf, rf->root, keys, RF_NKEYS(keys));
    for (int f = rf_next(&w); f != RF_DONE; f = rf_next(&w)) {
        switch (f) {
        case F_id: rc = rf_u64(rf, w.it, "expected unsigned integer for id", &id); break;
        case F_current:
            rc = rf_number(rf, w.it, "expected number for current", &current, &current_n);
            break;
        case F_update:
            rc = rf_number(rf, w.it, "expected number for update", &ignored, &ignored_n);
            break;
        case F_bids:
        case F_asks:
            rc = rf_array(rf, w.it, "expected array for levels", f == F_asks ? &asks : &bids);
            break;
        }
        if (rc != 0)
            return rc;
    }
    rc = rf_walk_require(&w, RF_ROWS_BEFORE(F_current));
    if (rc != 0)
        return rc;
    struct cx__md_sym sym;
    uint32_t n = 0;
    int64_t exch_ns = 0;
    rc = rf_resolve(rf, ctx, venue, rest_symbol, rest_len, &sym);
    if (rc != 0)
        return rc;
    rc = rf_gt_levels(rf, futures, bids, out, &n, &sym, 0);
    if (rc != 0)
        return rc;
    rc = rf_gt_levels(rf, futures, asks, out, &n, &sym, CX_MD_F_ASK);
    if (rc != 0)
        return rc;
    if (n == 0) {
        rc = rf_nolevel(rf, out, &n);
        if (rc != 0)
            return rc;
    }
    if (w.seen & RF_BIT(F_current)) {
        rc = rf_dec_ts(rf, current, current_n, futures ? -9 : -6, &exch_ns);
        if (rc != 0)
            return rc;
    }
    rf_finish_levels(out->ev, n, CX_MD_DEPTH_SNAPSHOT, sym.inst_id, exch_ns, local_ts_ns, id, id,
                     0, 0);
    rf_done(out, n, CX_MD_KIND_SNAPSHOT, venue, sym.inst_id, local_ts_ns);
    return 0;
}

int cx_md_decode_gate_ref(const struct cx_md_ctx *ctx, const char *json, size_t n,
                          enum cx_venue venue, const char *rest_symbol, size_t rest_symbol_len,
                          int64_t local_ts_ns, struct cx_md_batch *out,
                          struct cx_parse_err *err)
{
    int rc = rf_args(ctx, json, n, out, err);
    if (rc != 0)
        return rc;
    if (venue != CX_VENUE_GATE_SPOT && venue != CX_VENUE_GATE_FUTURES)
        return cx_parse_err_set(err, CX_EINVAL, "not a Gate venue", NULL, 0);
    struct rf rf;
    rc = rf_parse(&rf, json, n, err);
    if (rc == 0) {
        if (rest_symbol != NULL)
            rc = rf_gate_rest(&rf, ctx, venue, rest_symbol, rest_symbol_len, local_ts_ns, out);
        else
            rc = rf_gate_ws(&rf, ctx, venue, local_ts_ns, out);
    }
    rf_free(&rf);
    return rc;
}

const struct cx_md_decoders cx_ref_decoders = {
    .binance = cx_md_decode_binance_ref,
    .hyperliquid = cx_md_decode_hyperliquid_ref,
    .gate = cx_md_decode_gate_ref,
};
