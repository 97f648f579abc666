/* SPDX-License-Identifier: MIT */
/*
 * inject (tests only): edit the top of a recorded Binance depth stream in place, message by
 * message, keeping every update id (see inject.h for the contract).
 *
 * Per side the editor keeps the set of prices at which the copy deviates from the original
 * ("dev": original levels it deleted, plus the added edge level). For each depth message it
 * applies the original message to the original book, computes the new deviation set N (the
 * original levels better than the edge of the active edit, plus the edge), and rewrites the
 * side's level array as: one entry for every price in dev u N with the quantity the copy must
 * show there (0 when hidden, the edge quantity at the edge, else the original book's quantity
 * after this message), followed by the message's own entries at other prices, verbatim. Each
 * price therefore appears once in a message, and after the message the copy equals the original
 * everywhere outside N: the invariant that keeps the copy in sequence and uncrossed.
 */
#include "inject.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define INJ_LINE_MAX ((size_t)256 << 20) /* longest line handled (the readers' own cap is 4 MiB) */

/* Records an error: code, static message, file and line (err may be NULL). */
static int inj_fail(struct cx_parse_err *err, int code, const char *msg, const char *file,
                    int64_t line, int32_t col)
{
    cx_parse_err_set(err, code, msg, NULL, 0);
    if (err != NULL) {
        err->file = file;
        err->line = line;
        err->col = col;
    }
    return code;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: small containers
 * ------------------------------------------------------------------------------------------- */

/* A growable byte buffer capped at INJ_LINE_MAX. */
struct inj_buf {
    char *p;    /* storage, cap bytes */
    size_t n;   /* bytes used */
    size_t cap; /* bytes allocated */
};

static int buf_reserve(struct inj_buf *b, size_t need)
{
    if (need <= b->cap)
        return 0;
    if (need > INJ_LINE_MAX)
        return CX_ENOSPC;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < need)
        cap *= 2;
    char *p = realloc(b->p, cap);
    if (p == NULL)
        return CX_ENOMEM;
    b->p = p;
    b->cap = cap;
    return 0;
}

static int buf_append(struct inj_buf *b, const char *s, size_t n)
{
    int rc = buf_reserve(b, b->n + n + 1);
    if (rc != 0)
        return rc;
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
    return 0;
}

/* A sorted (ascending), duplicate-free growable set of prices. */
struct inj_prices {
    int64_t *v;   /* v[0..n) ascending */
    uint32_t n;   /* prices held */
    uint32_t cap; /* allocated */
};

static int prices_push(struct inj_prices *s, int64_t price_m)
{
    if (s->n == s->cap) {
        uint32_t cap = s->cap ? s->cap * 2 : 256;
        int64_t *v = realloc(s->v, (size_t)cap * sizeof *v);
        if (v == NULL)
            return CX_ENOMEM;
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n++] = price_m;
    return 0;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static void prices_sort_unique(struct inj_prices *s)
{
    if (s->n < 2)
        return;
    qsort(s->v, s->n, sizeof *s->v, cmp_i64);
    uint32_t w = 1;
    for (uint32_t i = 1; i < s->n; i++)
        if (s->v[i] != s->v[w - 1])
            s->v[w++] = s->v[i];
    s->n = w;
}

static bool prices_has(const struct inj_prices *s, int64_t price_m)
{
    return s->n > 0 && bsearch(&price_m, s->v, s->n, sizeof *s->v, cmp_i64) != NULL;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: line input (gzip or plain through zlib)
 * ------------------------------------------------------------------------------------------- */

/* Reads the next physical line into b without its '\n'. Returns 1, 0 at the end, or < 0. */
static int read_line(gzFile gz, struct inj_buf *b)
{
    b->n = 0;
    for (;;) {
        int rc = buf_reserve(b, b->n + 65536);
        if (rc != 0)
            return rc;
        if (gzgets(gz, b->p + b->n, (int)(b->cap - b->n)) == NULL) {
            int zerr = 0;
            gzerror(gz, &zerr);
            if (zerr != Z_OK && zerr != Z_STREAM_END)
                return CX_EGZIP;
            return b->n > 0 ? 1 : 0;
        }
        b->n += strlen(b->p + b->n);
        if (b->n > 0 && b->p[b->n - 1] == '\n') {
            b->p[--b->n] = '\0';
            return 1;
        }
        if (gzeof(gz))
            return 1; /* a last line without '\n' */
    }
}

/* ---------------------------------------------------------------------------------------------
 * MARK: depth message parsing
 * ------------------------------------------------------------------------------------------- */

/* One ["price","qty"] entry of a level array, as offsets into the line. */
struct inj_entry {
    size_t begin;    /* offset of its '[' */
    size_t end;      /* offset just past its ']' */
    int64_t price_m; /* parsed price at price_exp */
};

/* A level array: the offsets of its brackets and its entries. */
struct inj_array {
    size_t open;    /* offset of '[' */
    size_t close;   /* offset of the matching ']' */
    struct inj_entry *e;
    uint32_t n, cap;
};

static size_t skip_ws(const char *s, size_t i, size_t n)
{
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    return i;
}

/* Parses a JSON string starting at s[i] == '"'; sets [*b, *e) to its contents. */
static int parse_str(const char *s, size_t n, size_t *i, size_t *b, size_t *e)
{
    if (*i >= n || s[*i] != '"')
        return CX_EPARSE;
    size_t j = *i + 1;
    *b = j;
    while (j < n && s[j] != '"') {
        if (s[j] == '\\')
            j++;
        j++;
    }
    if (j >= n)
        return CX_EPARSE;
    *e = j;
    *i = j + 1;
    return 0;
}

/* Finds `"key":[` in s (the depthUpdate's level array) and parses its entries. */
static int parse_array(const char *s, size_t n, char key, int price_exp, struct inj_array *a)
{
    char pat[5] = {'"', key, '"', ':', '\0'};
    const char *k = NULL;
    for (const char *p = s; (p = strstr(p, pat)) != NULL; p += 4) {
        size_t i = skip_ws(s, (size_t)(p - s) + 4, n);
        if (i < n && s[i] == '[') {
            k = s + i;
            break;
        }
    }
    if (k == NULL)
        return CX_EPARSE;
    size_t i = (size_t)(k - s);
    a->open = i;
    a->n = 0;
    i = skip_ws(s, i + 1, n);
    if (i < n && s[i] == ']') {
        a->close = i;
        return 0;
    }
    for (;;) {
        if (i >= n || s[i] != '[')
            return CX_EPARSE;
        struct inj_entry en = {.begin = i};
        size_t pb, pe, qb, qe;
        i = skip_ws(s, i + 1, n);
        if (parse_str(s, n, &i, &pb, &pe) != 0)
            return CX_EPARSE;
        i = skip_ws(s, i, n);
        if (i >= n || s[i] != ',')
            return CX_EPARSE;
        i = skip_ws(s, i + 1, n);
        if (parse_str(s, n, &i, &qb, &qe) != 0)
            return CX_EPARSE;
        i = skip_ws(s, i, n);
        if (i >= n || s[i] != ']')
            return CX_EPARSE;
        en.end = ++i;
        if (cx_dec_parse(s + pb, pe - pb, price_exp, &en.price_m) != 0)
            return CX_EPARSE;
        if (a->n == a->cap) {
            uint32_t cap = a->cap ? a->cap * 2 : 64;
            struct inj_entry *e = realloc(a->e, (size_t)cap * sizeof *e);
            if (e == NULL)
                return CX_ENOMEM;
            a->e = e;
            a->cap = cap;
        }
        a->e[a->n++] = en;
        i = skip_ws(s, i, n);
        if (i < n && s[i] == ',') {
            i = skip_ws(s, i + 1, n);
            continue;
        }
        if (i < n && s[i] == ']') {
            a->close = i;
            return 0;
        }
        return CX_EPARSE;
    }
}

/* ---------------------------------------------------------------------------------------------
 * MARK: editor
 * ------------------------------------------------------------------------------------------- */

struct inj_side {
    struct cx_inject_edit *active; /* edit in force, or NULL */
    uint32_t next;                 /* index into order[] of the next edit to start */
    uint32_t n_order;              /* edits of this side */
    uint32_t order[CX_INJECT_MAX_EDITS]; /* indices of this side's edits, by start_ns */
    struct inj_prices dev;         /* prices where the copy deviates, after the last message */
    struct inj_prices next_dev;    /* scratch: the new deviation set */
    struct inj_prices uni;         /* scratch: dev u next_dev */
    struct inj_array arr;          /* scratch: the message's level array for this side */
};

struct inj {
    const char *path;               /* borrowed: the input, for error reports */
    const struct cx_instrument *in; /* the file's instrument */
    struct cx_book *book;           /* the original stream's book */
    struct inj_side side[2];        /* CX_SIDE_BID, CX_SIDE_ASK */
    struct cx_inject_edit *edits;
    uint32_t n_edits;
    struct inj_buf out;             /* the rewritten line */
    int64_t *lv_price;              /* scratch: original levels (best first) */
    int64_t *lv_qty;
    uint32_t lv_n, lv_cap;
    struct cx_inject_report rep;
};

/* Whether `price_m` is better (nearer the touch) than `edge_m` on `side`. */
static bool better(int side, int64_t price_m, int64_t edge_m)
{
    return side == CX_SIDE_ASK ? price_m < edge_m : price_m > edge_m;
}

/* Collects the original book's levels of `side` from the best up to `bound_m` inclusive. */
static int collect_levels(struct inj *j, int side, int64_t bound_m)
{
    j->lv_n = 0;
    uint32_t depth = cx_book_depth(j->book, (enum cx_side)side);
    for (uint32_t i = 0; i < depth; i++) {
        int64_t p, q;
        if (cx_book_level(j->book, (enum cx_side)side, i, &p, &q) != 0)
            break;
        if (better(side, bound_m, p))
            break; /* beyond the bound */
        if (j->lv_n == j->lv_cap) {
            uint32_t cap = j->lv_cap ? j->lv_cap * 2 : 1024;
            int64_t *np = realloc(j->lv_price, (size_t)cap * sizeof *np);
            if (np == NULL)
                return CX_ENOMEM;
            j->lv_price = np;
            int64_t *nq = realloc(j->lv_qty, (size_t)cap * sizeof *nq);
            if (nq == NULL)
                return CX_ENOMEM;
            j->lv_qty = nq;
            j->lv_cap = cap;
        }
        j->lv_price[j->lv_n] = p;
        j->lv_qty[j->lv_n] = q;
        j->lv_n++;
    }
    return 0;
}

/* Quantity of the original book at price_m among the collected levels (0 if none). */
static int64_t collected_qty(const struct inj *j, int side, int64_t price_m)
{
    /* Collected best first: ascending for asks, descending for bids. */
    uint32_t lo = 0, hi = j->lv_n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        int64_t p = j->lv_price[mid];
        if (p == price_m)
            return j->lv_qty[mid];
        if (better(side, p, price_m))
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

/* Starts an edit at this message: reference price, edge and edge quantity. */
static int edit_start(struct inj *j, int side, struct cx_inject_edit *e, int64_t ts_ns,
                      uint64_t line, struct cx_parse_err *err)
{
    struct cx_book_top t;
    cx_book_top(j->book, &t);
    bool has = side == CX_SIDE_ASK ? t.has_ask : t.has_bid;
    if (cx_book_state(j->book) != CX_BOOK_SYNCED || !has) {
        inj_fail(err, CX_ESTATE, "edit starts while the original book is not synced",
                         j->path, (int64_t)line, 0);
        return CX_ESTATE;
    }
    int64_t ref = side == CX_SIDE_ASK ? t.ask_price_m : t.bid_price_m;
    int64_t tick = j->in->tick > 0 ? j->in->tick : 1;
    /* Analytics-grade double for the distance only; the edge itself is an exact tick multiple
     * of the reference price. */
    int64_t ticks = (int64_t)ceil((double)ref * e->depth_pct / 100.0 / (double)tick);
    int64_t edge = side == CX_SIDE_ASK ? ref + ticks * tick : ref - ticks * tick;
    if (edge <= 0) {
        inj_fail(err, CX_ERANGE, "edge price <= 0", j->path, (int64_t)line, 0);
        return CX_ERANGE;
    }
    e->applied_ns = ts_ns;
    e->applied_line = line;
    e->ref_price_m = ref;
    e->edge_price_m = edge;
    e->edge_qty_m = e->add_edge_level ? (side == CX_SIDE_ASK ? t.ask_qty_m : t.bid_qty_m) : 0;
    e->hidden_at_start = 0;
    e->messages = 0;
    e->released_ns = 0;
    return 0;
}

/* Appends one ["price","qty"] entry. */
static int emit_level(struct inj *j, bool *first, int64_t price_m, int64_t qty_m)
{
    char p[48], q[48];
    int pn = cx_dec_format(price_m, j->in->price_exp, CX_DEC_FIXED, p, sizeof p);
    int qn = cx_dec_format(qty_m, j->in->qty_exp, CX_DEC_FIXED, q, sizeof q);
    if (pn < 0 || qn < 0)
        return pn < 0 ? pn : qn;
    int rc = 0;
    if (!*first)
        rc = buf_append(&j->out, ",", 1);
    *first = false;
    if (rc == 0)
        rc = buf_append(&j->out, "[\"", 2);
    if (rc == 0)
        rc = buf_append(&j->out, p, (size_t)pn);
    if (rc == 0)
        rc = buf_append(&j->out, "\",\"", 3);
    if (rc == 0)
        rc = buf_append(&j->out, q, (size_t)qn);
    if (rc == 0)
        rc = buf_append(&j->out, "\"]", 2);
    j->rep.levels_written++;
    return rc;
}

/* Replaces the JSON string value of `key` ("b", "B", "a", "A") in the line being written. */
static int replace_value(struct inj *j, const char *key, const char *val, int vn)
{
    char pat[8];
    snprintf(pat, sizeof pat, "\"%s\":\"", key);
    const char *s = j->out.p;
    const char *at = NULL;
    for (size_t i = 0; i + strlen(pat) <= j->out.n; i++)
        if (memcmp(s + i, pat, strlen(pat)) == 0) {
            at = s + i;
            break;
        }
    if (at == NULL)
        return CX_EPARSE;
    size_t b = (size_t)(at - s) + strlen(pat);
    size_t e = b;
    while (e < j->out.n && s[e] != '"')
        e++;
    if (e == j->out.n)
        return CX_EPARSE;
    size_t tail = j->out.n - e;
    int rc = buf_reserve(&j->out, j->out.n - (e - b) + (size_t)vn + 1);
    if (rc != 0)
        return rc;
    memmove(j->out.p + b + (size_t)vn, j->out.p + e, tail);
    memcpy(j->out.p + b, val, (size_t)vn);
    j->out.n = b + (size_t)vn + tail;
    return 0;
}

/* A bookTicker line while an edit is active: the edited side shows the edited book's best
 * level (the edge level when one is added, else the first original level not hidden). */
static int rewrite_ticker(struct inj *j, const char *line, size_t len, bool *out_done)
{
    *out_done = false;
    j->out.n = 0;
    for (int side = 0; side < 2; side++) {
        const struct cx_inject_edit *e = j->side[side].active;
        if (e == NULL)
            continue;
        int64_t p = 0, q = 0;
        if (e->add_edge_level) {
            p = e->edge_price_m;
            q = e->edge_qty_m;
        } else {
            uint32_t depth = cx_book_depth(j->book, (enum cx_side)side);
            for (uint32_t i = 0; i < depth; i++) {
                if (cx_book_level(j->book, (enum cx_side)side, i, &p, &q) != 0)
                    return CX_ESTATE;
                if (!better(side, p, e->edge_price_m))
                    break;
            }
        }
        if (j->out.n == 0) {
            int rc = buf_append(&j->out, line, len);
            if (rc == 0)
                rc = buf_append(&j->out, "\n", 1);
            if (rc != 0)
                return rc;
        }
        char ps[48], qs[48];
        int pn = cx_dec_format(p, j->in->price_exp, CX_DEC_FIXED, ps, sizeof ps);
        int qn = cx_dec_format(q, j->in->qty_exp, CX_DEC_FIXED, qs, sizeof qs);
        if (pn < 0 || qn < 0)
            return pn < 0 ? pn : qn;
        int rc = replace_value(j, side == CX_SIDE_BID ? "b" : "a", ps, pn);
        if (rc == 0)
            rc = replace_value(j, side == CX_SIDE_BID ? "B" : "A", qs, qn);
        if (rc != 0)
            return rc;
        *out_done = true;
    }
    if (*out_done)
        j->rep.edited_tickers++;
    return 0;
}

/* Computes the side's new deviation set and the union with the old one. */
static int side_plan(struct inj *j, int side)
{
    struct inj_side *s = &j->side[side];
    struct cx_inject_edit *e = s->active;
    s->next_dev.n = 0;
    if (e != NULL) {
        uint32_t depth = cx_book_depth(j->book, (enum cx_side)side);
        for (uint32_t i = 0; i < depth; i++) {
            int64_t p, q;
            if (cx_book_level(j->book, (enum cx_side)side, i, &p, &q) != 0 ||
                !better(side, p, e->edge_price_m))
                break;
            if (prices_push(&s->next_dev, p) != 0)
                return CX_ENOMEM;
        }
        if (e->messages == 0)
            e->hidden_at_start = s->next_dev.n;
        if (e->add_edge_level && prices_push(&s->next_dev, e->edge_price_m) != 0)
            return CX_ENOMEM;
        prices_sort_unique(&s->next_dev);
        e->messages++;
    }
    s->uni.n = 0;
    for (uint32_t i = 0; i < s->dev.n; i++)
        if (prices_push(&s->uni, s->dev.v[i]) != 0)
            return CX_ENOMEM;
    for (uint32_t i = 0; i < s->next_dev.n; i++)
        if (prices_push(&s->uni, s->next_dev.v[i]) != 0)
            return CX_ENOMEM;
    prices_sort_unique(&s->uni);
    return 0;
}

/* Writes the new content of the side's level array (between its brackets) to j->out. */
static int side_emit(struct inj *j, int side, const char *json)
{
    struct inj_side *s = &j->side[side];
    struct cx_inject_edit *e = s->active;
    bool first = true;
    if (s->uni.n > 0) {
        /* The farthest price of the union bounds the original levels we need to look up. */
        int64_t bound = side == CX_SIDE_ASK ? s->uni.v[s->uni.n - 1] : s->uni.v[0];
        int rc = collect_levels(j, side, bound);
        if (rc != 0)
            return rc;
    }
    for (uint32_t i = 0; i < s->uni.n; i++) {
        int64_t p = s->uni.v[i];
        int64_t q;
        if (e != NULL && e->add_edge_level && p == e->edge_price_m)
            q = e->edge_qty_m;
        else if (e != NULL && better(side, p, e->edge_price_m))
            q = 0;
        else
            q = collected_qty(j, side, p);
        int rc = emit_level(j, &first, p, q);
        if (rc != 0)
            return rc;
    }
    for (uint32_t i = 0; i < s->arr.n; i++) {
        const struct inj_entry *en = &s->arr.e[i];
        if (prices_has(&s->uni, en->price_m))
            continue; /* replaced by the entry above */
        int rc = first ? 0 : buf_append(&j->out, ",", 1);
        first = false;
        if (rc == 0)
            rc = buf_append(&j->out, json + en->begin, en->end - en->begin);
        if (rc != 0)
            return rc;
    }
    /* The new deviation set becomes current. */
    struct inj_prices tmp = s->dev;
    s->dev = s->next_dev;
    s->next_dev = tmp;
    return 0;
}

/* Rewrites one depth line (`<ts> <json>`, in `line`) into j->out. */
static int rewrite(struct inj *j, const char *line, size_t len, uint64_t line_no,
                   struct cx_parse_err *err)
{
    const char *sp = memchr(line, ' ', len);
    if (sp == NULL) {
        inj_fail(err, CX_EPARSE, "depth line without a space", j->path, (int64_t)line_no,
                         0);
        return CX_EPARSE;
    }
    size_t off = (size_t)(sp - line) + 1;
    const char *json = line + off;
    size_t n = len - off;
    static const char keys[2] = {'b', 'a'}; /* CX_SIDE_BID, CX_SIDE_ASK */
    for (int side = 0; side < 2; side++) {
        int rc = parse_array(json, n, keys[side], j->in->price_exp, &j->side[side].arr);
        if (rc == 0)
            rc = side_plan(j, side);
        if (rc != 0) {
            inj_fail(err, rc, "cannot edit depth message", j->path, (int64_t)line_no, 0);
            return rc;
        }
    }
    /* Rebuild the line: the two arrays' contents are replaced, everything else is copied. */
    int first = j->side[0].arr.open < j->side[1].arr.open ? 0 : 1;
    int second = 1 - first;
    j->out.n = 0;
    int rc = buf_append(&j->out, line, off + j->side[first].arr.open + 1);
    if (rc == 0)
        rc = side_emit(j, first, json);
    if (rc == 0)
        rc = buf_append(&j->out, json + j->side[first].arr.close,
                        j->side[second].arr.open + 1 - j->side[first].arr.close);
    if (rc == 0)
        rc = side_emit(j, second, json);
    if (rc == 0)
        rc = buf_append(&j->out, json + j->side[second].arr.close,
                        n - j->side[second].arr.close);
    if (rc == 0)
        rc = buf_append(&j->out, "\n", 1);
    if (rc != 0)
        inj_fail(err, rc, "cannot write edited depth message", j->path, (int64_t)line_no,
                         0);
    return rc;
}

/* Moves each side's active edit forward to local time ts_ns; returns whether any side needs the
 * message rewritten. */
static int advance_edits(struct inj *j, int64_t ts_ns, uint64_t line, bool *out_rewrite,
                         struct cx_parse_err *err)
{
    bool need = false;
    for (int side = 0; side < 2; side++) {
        struct inj_side *s = &j->side[side];
        if (s->active != NULL && ts_ns >= s->active->end_ns) {
            s->active->released_ns = ts_ns;
            s->active = NULL;
        }
        while (s->active == NULL && s->next < s->n_order) {
            struct cx_inject_edit *e = &j->edits[s->order[s->next]];
            if (ts_ns < e->start_ns)
                break;
            s->next++;
            if (ts_ns >= e->end_ns)
                continue; /* no depth message inside its window: never applied */
            int rc = edit_start(j, side, e, ts_ns, line, err);
            if (rc != 0)
                return rc;
            s->active = e;
        }
        if (s->active != NULL || s->dev.n > 0)
            need = true;
    }
    *out_rewrite = need;
    return 0;
}

/* Sorts one side's edit indices by start time (insertion sort: a few hundred at most) and checks
 * that they do not overlap. */
static int order_side(struct inj *j, int side)
{
    struct inj_side *s = &j->side[side];
    for (uint32_t i = 1; i < s->n_order; i++) {
        uint32_t v = s->order[i];
        uint32_t k = i;
        while (k > 0 && j->edits[s->order[k - 1]].start_ns > j->edits[v].start_ns) {
            s->order[k] = s->order[k - 1];
            k--;
        }
        s->order[k] = v;
    }
    for (uint32_t i = 1; i < s->n_order; i++)
        if (j->edits[s->order[i]].start_ns < j->edits[s->order[i - 1]].end_ns)
            return CX_EINVAL;
    return 0;
}

static void inj_fini(struct inj *j)
{
    for (int side = 0; side < 2; side++) {
        free(j->side[side].dev.v);
        free(j->side[side].next_dev.v);
        free(j->side[side].uni.v);
        free(j->side[side].arr.e);
    }
    free(j->out.p);
    free(j->lv_price);
    free(j->lv_qty);
    cx_book_free(j->book);
}

int cx_inject_depth(const char *in_path, const char *out_path, struct cx_registry *reg,
                    struct cx_inject_edit *edits, uint32_t n_edits, struct cx_inject_report *out,
                    struct cx_parse_err *err)
{
    if (in_path == NULL || out_path == NULL || reg == NULL || (edits == NULL && n_edits > 0) ||
        n_edits > CX_INJECT_MAX_EDITS)
        return CX_EINVAL;
    struct inj *j = calloc(1, sizeof *j);
    if (j == NULL)
        return CX_ENOMEM;
    j->path = in_path;
    j->edits = edits;
    j->n_edits = n_edits;
    int rc = 0;
    for (uint32_t i = 0; i < n_edits; i++) {
        struct cx_inject_edit *e = &edits[i];
        if (e->side > CX_SIDE_ASK || !(e->depth_pct > 0 && e->depth_pct <= 50) ||
            e->end_ns <= e->start_ns) {
            inj_fail(err, CX_EINVAL, "bad edit (side, depth_pct or times)", in_path, 0,
                             0);
            free(j);
            return CX_EINVAL;
        }
        e->applied_ns = 0;
        e->released_ns = 0;
        e->messages = 0;
        struct inj_side *s = &j->side[e->side];
        s->order[s->n_order++] = i;
    }
    for (int side = 0; side < 2; side++)
        if (order_side(j, side) != 0) {
            inj_fail(err, CX_EINVAL, "edits of one side overlap", in_path, 0, 0);
            free(j);
            return CX_EINVAL;
        }

    struct cx_md_reader *r = NULL;
    gzFile gz = NULL;
    FILE *fo = NULL;
    struct inj_buf line = {0};
    rc = cx_md_reader_open(&r, in_path, NULL, reg, err);
    if (rc != 0)
        goto done;
    gz = gzopen(in_path, "rb");
    if (gz == NULL) {
        rc = CX_EIO;
        inj_fail(err, rc, "cannot open the input", in_path, 0, 0);
        goto done;
    }
    fo = fopen(out_path, "w");
    if (fo == NULL) {
        rc = errno == ENOENT ? CX_ENOENT : CX_EIO;
        inj_fail(err, rc, "cannot create the output", out_path, 0, 0);
        goto done;
    }

    const struct cx_md_batch *batch = NULL;
    int have = cx_md_reader_next(r, &batch, err);
    for (uint64_t line_no = 1;; line_no++) {
        int lr = read_line(gz, &line);
        if (lr < 0) {
            rc = lr;
            inj_fail(err, rc, "cannot read the input", in_path, (int64_t)line_no, 0);
            goto done;
        }
        if (lr == 0)
            break;
        j->rep.lines++;
        bool rewritten = false;
        if (have < 0) {
            rc = have;
            goto done;
        }
        if (have == 1 && batch->line == line_no) {
            bool is_depth = batch->kind == CX_MD_KIND_DEPTH;
            if (is_depth || batch->kind == CX_MD_KIND_SNAPSHOT) {
                if (j->book == NULL) {
                    const struct cx_instrument *in = cx_registry_get(reg, batch->inst_id);
                    struct cx_book_cfg bc = {
                        .inst_id = batch->inst_id,
                        .rule = cx_book_rule_for_venue((enum cx_venue)batch->venue)};
                    if (in == NULL || cx_book_new(&j->book, &bc) != 0) {
                        rc = in == NULL ? CX_ESYMBOL : CX_ENOMEM;
                        goto done;
                    }
                    j->in = in;
                }
                if (batch->inst_id != j->in->id) {
                    rc = CX_EINVAL;
                    inj_fail(err, rc, "more than one instrument in the file", in_path,
                                     (int64_t)line_no, 0);
                    goto done;
                }
                int ar = cx_book_apply(j->book, batch->ev, batch->n);
                if (ar != 0 && (j->side[0].active != NULL || j->side[1].active != NULL ||
                                j->side[0].dev.n > 0 || j->side[1].dev.n > 0)) {
                    rc = CX_ESTATE;
                    inj_fail(err, rc, "the original book broke during the edits", in_path,
                             (int64_t)line_no, 0);
                    goto done;
                }
            }
            if (is_depth) {
                j->rep.depth_messages++;
                bool need = false;
                rc = advance_edits(j, batch->local_ts_ns, line_no, &need, err);
                if (rc != 0)
                    goto done;
                if (need) {
                    rc = rewrite(j, line.p, line.n, line_no, err);
                    if (rc != 0)
                        goto done;
                    rewritten = true;
                    j->rep.edited_messages++;
                }
            } else if (batch->kind == CX_MD_KIND_BBO && j->book != NULL &&
                       (j->side[0].active != NULL || j->side[1].active != NULL)) {
                rc = rewrite_ticker(j, line.p, line.n, &rewritten);
                if (rc != 0) {
                    inj_fail(err, rc, "cannot rewrite a bookTicker", in_path, (int64_t)line_no,
                             0);
                    goto done;
                }
            }
            have = cx_md_reader_next(r, &batch, err);
        }
        const char *w = rewritten ? j->out.p : line.p;
        size_t wn = rewritten ? j->out.n : line.n;
        if (wn > j->rep.max_line_bytes)
            j->rep.max_line_bytes = (uint32_t)wn;
        if (fwrite(w, 1, wn, fo) != wn || (!rewritten && fputc('\n', fo) == EOF)) {
            rc = CX_EIO;
            inj_fail(err, rc, "cannot write the output", out_path, (int64_t)line_no, 0);
            goto done;
        }
    }
    if (have < 0)
        rc = have;
    if (rc == 0 && out != NULL)
        *out = j->rep;
done:
    if (fo != NULL && fclose(fo) != 0 && rc == 0) {
        rc = CX_EIO;
        inj_fail(err, rc, "cannot write the output", out_path, 0, 0);
    }
    if (gz != NULL)
        gzclose(gz);
    cx_md_reader_close(r);
    free(line.p);
    inj_fini(j);
    free(j);
    return rc;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: replay check
 * ------------------------------------------------------------------------------------------- */

/* FNV-1a (http://www.isthe.com/chongo/tech/comp/fnv/, 64-bit parameters) of every level. */
static uint64_t book_hash(const struct cx_book *b)
{
    uint64_t h = 0xcbf29ce484222325ull;
    if (b == NULL || cx_book_state(b) != CX_BOOK_SYNCED)
        return 0;
    for (int side = 0; side < 2; side++) {
        uint32_t depth = cx_book_depth(b, (enum cx_side)side);
        for (uint32_t i = 0; i < depth; i++) {
            int64_t v[2];
            if (cx_book_level(b, (enum cx_side)side, i, &v[0], &v[1]) != 0)
                break;
            const unsigned char *p = (const unsigned char *)v;
            for (size_t k = 0; k < sizeof v; k++) {
                h ^= p[k];
                h *= 0x100000001b3ull;
            }
        }
        h ^= 0xffu; /* side separator */
        h *= 0x100000001b3ull;
    }
    return h;
}

static void probe_fill(struct cx_inject_probe *pr, const struct cx_book *b,
                       const struct cx_instrument *in)
{
    memset(&pr->top, 0, sizeof pr->top);
    pr->has_mid = false;
    pr->mid = 0;
    pr->book_hash = book_hash(b);
    if (b == NULL || in == NULL || cx_book_state(b) != CX_BOOK_SYNCED)
        return;
    cx_book_top(b, &pr->top);
    if (pr->top.has_bid && pr->top.has_ask) {
        pr->has_mid = true;
        pr->mid = cx_dec_to_double(pr->top.bid_price_m + pr->top.ask_price_m, in->price_exp) / 2;
    }
}

int cx_inject_replay(const char *path, struct cx_registry *reg, struct cx_inject_probe *probes,
                     uint32_t n_probes, struct cx_inject_check *out, struct cx_parse_err *err)
{
    struct cx_md_reader *r = NULL;
    struct cx_book *b = NULL;
    const struct cx_instrument *in = NULL;
    struct cx_inject_check chk = {0};
    bool was_synced = false;
    uint32_t pi = 0;
    int rc = cx_md_reader_open(&r, path, NULL, reg, err);
    if (rc != 0)
        return rc;
    for (;;) {
        const struct cx_md_batch *batch;
        int nr = cx_md_reader_next(r, &batch, err);
        if (nr < 0) {
            rc = nr;
            goto done;
        }
        if (nr == 0)
            break;
        while (pi < n_probes && batch->local_ts_ns >= probes[pi].ts_ns)
            probe_fill(&probes[pi++], b, in);
        if (batch->kind != CX_MD_KIND_DEPTH && batch->kind != CX_MD_KIND_SNAPSHOT)
            continue;
        if (b == NULL) {
            struct cx_book_cfg bc = {.inst_id = batch->inst_id,
                                     .rule = cx_book_rule_for_venue((enum cx_venue)batch->venue)};
            in = cx_registry_get(reg, batch->inst_id);
            if (in == NULL) {
                rc = CX_ESYMBOL;
                goto done;
            }
            rc = cx_book_new(&b, &bc);
            if (rc != 0)
                goto done;
        }
        if (batch->inst_id != in->id)
            continue;
        (void)cx_book_apply(b, batch->ev, batch->n); /* failures show in the counters */
        if (batch->kind == CX_MD_KIND_DEPTH)
            chk.depth_messages++;
        if (cx_book_state(b) == CX_BOOK_SYNCED)
            was_synced = true;
        else if (was_synced)
            chk.not_synced++;
    }
    while (pi < n_probes)
        probe_fill(&probes[pi++], b, in);
    if (b != NULL) {
        chk.book = *cx_book_stats(b);
        chk.final_state = cx_book_state(b);
        chk.final_book_hash = book_hash(b);
    }
    chk.bad_lines = cx_md_reader_stats(r)->errors;
    if (out != NULL)
        *out = chk;
done:
    cx_book_free(b);
    cx_md_reader_close(r);
    return rc;
}
