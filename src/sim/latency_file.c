/* SPDX-License-Identifier: MIT */
/*
 * Recorded order-latency series for the simulated venue's RECORDED latency model (sim.h
 * cx_sim_latency_load_csv): a CSV of `req_ns,exch_ns,resp_ns`, one row per request, as the live
 * venue adapters are to write it (docs/internals/sim.md "Recorded order latency"). The model
 * itself (interpolation by request time, clamped at the ends) is in latency.c; its source is
 * hftbacktest's IntpOrderLatency (hftbacktest/src/backtest/models/latency.rs).
 *
 * Invariants of a loaded series: one row per data line, in file order, req_ns strictly
 * increasing, exch_ns >= req_ns and resp_ns >= exch_ns (no negative latency). Every number is
 * read exactly as an integer of ns; anything else is an error at its line and column. The file
 * is read whole (size from fstat), counted, then parsed into an array of exactly that many rows.
 */
#include "sim_int.h"

#include <stdlib.h>
#include <string.h>

#define CX__LAT_HEADER "req_ns,exch_ns,resp_ns"

/* Where a row's errors go. */
struct lat_ctx {
    const char *path;         /* borrowed, for err->file */
    struct cx_parse_err *err; /* optional */
    bool has_prev;            /* a previous row exists */
    int64_t prev_req_ns;      /* its req_ns */
};

/* One field [s, s + n) at 0-based column col0 of `line`: digits only, <= INT64_MAX. */
static int parse_ns(struct lat_ctx *cx, const char *s, size_t n, int64_t line, size_t col0,
                    int64_t *out)
{
    if (n == 0)
        return cx__sim_fail_at(cx->err, cx->path, CX_EPARSE, "empty field: expected ns as digits",
                               line, col0, NULL, 0);
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return cx__sim_fail_at(cx->err, cx->path, CX_EPARSE,
                                   "bad number: expected ns as digits (no sign, space or point)",
                                   line, col0 + i, s, n);
        uint64_t d = (uint64_t)(s[i] - '0');
        if (v > ((uint64_t)INT64_MAX - d) / 10u)
            return cx__sim_fail_at(cx->err, cx->path, CX_ERANGE,
                                   "number over 9223372036854775807 ns", line, col0, s, n);
        v = v * 10u + d;
    }
    *out = (int64_t)v;
    return 0;
}

/* One data row [s, s + n) of line `line` (no line terminator). */
static int parse_row(struct lat_ctx *cx, const char *s, size_t n, int64_t line,
                     struct cx_sim_latency_row *out)
{
    if (n == 0)
        return cx__sim_fail_at(cx->err, cx->path, CX_EPARSE, "empty line", line, 0, NULL, 0);
    const char *c1 = memchr(s, ',', n);
    const char *c2 = c1 != NULL ? memchr(c1 + 1, ',', (size_t)(s + n - (c1 + 1))) : NULL;
    if (c2 == NULL)
        return cx__sim_fail_at(cx->err, cx->path, CX_EPARSE,
                               "expected 3 fields: req_ns,exch_ns,resp_ns", line, n, s, n);
    const char *c3 = memchr(c2 + 1, ',', (size_t)(s + n - (c2 + 1)));
    if (c3 != NULL)
        return cx__sim_fail_at(cx->err, cx->path, CX_EPARSE, "more than 3 fields", line,
                               (size_t)(c3 - s), s, n);
    const char *f[3] = {s, c1 + 1, c2 + 1};
    size_t len[3] = {(size_t)(c1 - s), (size_t)(c2 - f[1]), (size_t)(s + n - f[2])};
    int64_t v[3];
    for (int i = 0; i < 3; i++) {
        int rc = parse_ns(cx, f[i], len[i], line, (size_t)(f[i] - s), &v[i]);
        if (rc != 0)
            return rc;
    }
    if (cx->has_prev && v[0] <= cx->prev_req_ns)
        return cx__sim_fail_at(cx->err, cx->path, CX_ETIME,
                               "req_ns not after the previous row's (must strictly increase)",
                               line, 0, f[0], len[0]);
    if (v[1] < v[0])
        return cx__sim_fail_at(cx->err, cx->path, CX_ETIME,
                               "exch_ns before req_ns (negative entry latency)", line,
                               (size_t)(f[1] - s), f[1], len[1]);
    if (v[2] < v[1])
        return cx__sim_fail_at(cx->err, cx->path, CX_ETIME,
                               "resp_ns before exch_ns (negative response latency)", line,
                               (size_t)(f[2] - s), f[2], len[2]);
    cx->has_prev = true;
    cx->prev_req_ns = v[0];
    *out = (struct cx_sim_latency_row){.req_ns = v[0], .exch_ns = v[1], .resp_ns = v[2]};
    return 0;
}

int cx_sim_latency_load_csv(const char *path, struct cx_sim_latency_series *out,
                            struct cx_parse_err *err)
{
    if (path == NULL || out == NULL)
        return cx__sim_fail_at(err, path, CX_EINVAL, "path and out are required", 0, 0, NULL, 0);
    char *buf = NULL;
    size_t len = 0;
    int rc = cx__sim_read_whole(path, CX_SIM_LATENCY_FILE_MAX_BYTES,
                                "file larger than CX_SIM_LATENCY_FILE_MAX_BYTES", &buf, &len, err);
    if (rc != 0)
        return rc;
    const char *end = buf + len;
    struct cx_sim_latency_row *rows = NULL;

    size_t content;
    size_t hlen = cx__sim_line_len(buf, end, &content);
    if (content != strlen(CX__LAT_HEADER) || memcmp(buf, CX__LAT_HEADER, content) != 0) {
        rc = cx__sim_fail_at(err, path, CX_EPARSE, "expected the header 'req_ns,exch_ns,resp_ns'",
                             1, 0, buf, content);
        goto done;
    }
    const char *first = hlen < len ? buf + hlen + 1 : end;
    uint64_t n_rows = 0;
    for (const char *p = first; p < end; n_rows++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        p = nl != NULL ? nl + 1 : end;
    }
    if (n_rows == 0) {
        rc = cx__sim_fail_at(err, path, CX_EMISSING, "no data row after the header", 2, 0, NULL,
                             0);
        goto done;
    }
    if (n_rows > UINT32_MAX) { /* cannot happen under the file-size cap; keeps the cast honest */
        rc = cx__sim_fail_at(err, path, CX_ERANGE, "too many rows", 0, 0, NULL, 0);
        goto done;
    }
    rows = malloc((size_t)n_rows * sizeof *rows);
    if (rows == NULL) {
        rc = cx__sim_fail_at(err, path, CX_ENOMEM, "out of memory for the rows", 0, 0, NULL, 0);
        goto done;
    }
    struct lat_ctx cx = {.path = path, .err = err};
    uint32_t n = 0;
    int64_t line = 2;
    for (const char *p = first; p < end; line++) {
        size_t l = cx__sim_line_len(p, end, &content);
        rc = parse_row(&cx, p, content, line, &rows[n]);
        if (rc != 0)
            goto done;
        n++;
        p += l < (size_t)(end - p) ? l + 1 : l;
    }
    out->rows = rows;
    out->n = n;
    rows = NULL; /* now owned by *out */
    rc = 0;
done:
    free(rows);
    free(buf);
    return rc;
}

void cx_sim_latency_series_fini(struct cx_sim_latency_series *s)
{
    if (s == NULL)
        return;
    free(s->rows);
    memset(s, 0, sizeof *s);
}
