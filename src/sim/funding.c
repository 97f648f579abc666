/* SPDX-License-Identifier: MIT */
/*
 * Recorded funding-rate histories for the simulated venue: a loader for the bundled
 * data/funding-rates/ CSV files (`Symbol,Date,Funding Rate`), the file-name rule that gives
 * each file's UTC offset, and the binary search the sim uses to find a series' next
 * settlement. The sim itself (sim.c) pays each event through cx_account_apply_funding, exactly
 * as it pays the constant-rate schedules.
 *
 * Invariants of a loaded series: one event per data row, in file order, with time_ns strictly
 * increasing after the UTC correction and rate_ppb equal to the file's rate x 10^9 (exactly,
 * unless the caller asked for rounding to whole ppb, and then counted). Dates are converted with
 * exact integer calendar arithmetic (cx_time_parse_utc, core), never through the C library's
 * time-zone functions (which are non-reentrant or depend on the process's TZ). The file is read whole into one buffer
 * (size known from fstat, so no growth loop), scanned once to count rows, then parsed.
 */
#include "sim_int.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define CX__FUND_HEADER "Symbol,Date,Funding Rate"
#define CX__FUND_MAX_OFFSET_S (14 * 3600) /* UTC-12 and UTC+14 are the extremes in use */

/* ---------------------------------------------------------------------------------------------
 * MARK: file reading
 * ------------------------------------------------------------------------------------------- */

/* Records an error at a 0-based byte column of a 1-based line (line 0: no position). Shared
 * with the order-latency loader (latency_file.c). */
int cx__sim_fail_at(struct cx_parse_err *err, const char *path, int code, const char *msg,
                    int64_t line, size_t col0, const char *tok, size_t tok_len)
{
    if (err != NULL) {
        err->file = path;
        err->line = line;
        err->col = line == 0 ? 0 : col0 >= (size_t)INT32_MAX ? 0 : (int32_t)col0 + 1;
    }
    return cx_parse_err_set(err, code, msg, tok, tok_len);
}

#define fail_at cx__sim_fail_at /* the short name used in this file */

/* Reads a whole regular file of at most max_bytes into a NUL-terminated heap buffer (caller
 * frees); a larger file is CX_ERANGE with too_big_msg. Shared with latency_file.c. */
int cx__sim_read_whole(const char *path, uint64_t max_bytes, const char *too_big_msg,
                       char **out_buf, size_t *out_len, struct cx_parse_err *err)
{
    size_t plen = strlen(path);
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        int code = errno == ENOENT ? CX_ENOENT : CX_EIO;
        return fail_at(err, path, code, "cannot open file", 0, 0, path, plen);
    }
    int rc;
    char *buf = NULL;
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        rc = fail_at(err, path, CX_EIO, "not a readable regular file", 0, 0, path, plen);
        goto fail;
    }
    if (st.st_size < 0 || (uint64_t)st.st_size > max_bytes) {
        rc = fail_at(err, path, CX_ERANGE, too_big_msg, 0, 0, path, plen);
        goto fail;
    }
    size_t len = (size_t)st.st_size;
    buf = malloc(len + 1);
    if (buf == NULL) {
        rc = fail_at(err, path, CX_ENOMEM, "out of memory reading file", 0, 0, NULL, 0);
        goto fail;
    }
    if (fread(buf, 1, len, f) != len || ferror(f)) {
        rc = fail_at(err, path, CX_EIO, "read error", 0, 0, path, plen);
        goto fail;
    }
    fclose(f);
    buf[len] = '\0';
    *out_buf = buf;
    *out_len = len;
    return 0;
fail:
    fclose(f);
    free(buf);
    return rc;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: CSV loader
 * ------------------------------------------------------------------------------------------- */

/* Everything one row parse needs, so the row parser reports with file, line and column. */
struct load_ctx {
    const char *path;             /* borrowed, for err->file */
    struct cx_parse_err *err;     /* optional */
    int64_t offset_ns;            /* utc_offset_s x 10^9 */
    bool is_round;                /* CX_SIM_FUNDING_ROUND_PPB */
    uint32_t n_rounded;           /* rows rounded so far */
    char symbol[24];              /* symbol of the first row ("" before it) */
    bool has_prev;                /* a previous row exists */
    int64_t prev_ns;              /* its corrected time */
};

static bool is_symbol_byte(char c)
{
    return c > ' ' && c < 0x7f && c != '"';
}

/* Rate text -> ppb: exact at 1e-18 first (every bundled file fits), then whole ppb. */
static int parse_rate(struct load_ctx *cx, const char *s, size_t n, int64_t line, size_t col0,
                      int64_t *out_ppb)
{
    int64_t r18;
    int rc = cx_dec_parse(s, n, -18, &r18);
    if (rc == CX_EPRECISION)
        return fail_at(cx->err, cx->path, rc, "rate has a digit below 1e-18", line, col0, s, n);
    if (rc == CX_EOVERFLOW)
        return fail_at(cx->err, cx->path, rc, "rate out of range (|rate| >= 9.22)", line, col0,
                       s, n);
    if (rc != 0)
        return fail_at(cx->err, cx->path, CX_EPARSE, "bad rate: expected a decimal number",
                       line, col0, s, n);
    const int64_t per_ppb = INT64_C(1000000000); /* 1e-18 units per ppb */
    int64_t q = r18 / per_ppb;
    int64_t rem = r18 % per_ppb; /* same sign as r18 (C99 truncating division) */
    if (rem != 0) {
        if (!cx->is_round)
            return fail_at(cx->err, cx->path, CX_EPRECISION,
                           "rate has a digit below 1 ppb (see CX_SIM_FUNDING_ROUND_PPB)", line,
                           col0, s, n);
        /* Half away from zero: 0.5 ppb and more in magnitude goes to the next whole ppb. */
        if (rem >= per_ppb / 2)
            q++;
        else if (rem <= -per_ppb / 2)
            q--;
        cx->n_rounded++;
    }
    *out_ppb = q;
    return 0;
}

/* One data row [s, s + n) of line `line` (no line terminator). */
static int parse_row(struct load_ctx *cx, const char *s, size_t n, int64_t line,
                     struct cx_sim_funding_event *out)
{
    if (n == 0)
        return fail_at(cx->err, cx->path, CX_EPARSE, "empty line", line, 0, NULL, 0);
    const char *c1 = memchr(s, ',', n);
    const char *c2 = c1 != NULL ? memchr(c1 + 1, ',', (size_t)(s + n - (c1 + 1))) : NULL;
    if (c2 == NULL)
        return fail_at(cx->err, cx->path, CX_EPARSE,
                       "expected 3 fields: Symbol,Date,Funding Rate", line, n, s, n);
    const char *c3 = memchr(c2 + 1, ',', (size_t)(s + n - (c2 + 1)));
    if (c3 != NULL)
        return fail_at(cx->err, cx->path, CX_EPARSE, "more than 3 fields", line,
                       (size_t)(c3 - s), s, n);

    /* Symbol: same on every row. */
    size_t sym_len = (size_t)(c1 - s);
    if (sym_len == 0 || sym_len >= sizeof cx->symbol)
        return fail_at(cx->err, cx->path, CX_EPARSE, "symbol must have 1 to 23 bytes", line, 0,
                       s, sym_len);
    for (size_t i = 0; i < sym_len; i++)
        if (!is_symbol_byte(s[i]))
            return fail_at(cx->err, cx->path, CX_EPARSE, "bad byte in symbol", line, i, s,
                           sym_len);
    if (cx->symbol[0] == '\0') {
        memcpy(cx->symbol, s, sym_len);
        cx->symbol[sym_len] = '\0';
    } else if (strlen(cx->symbol) != sym_len || memcmp(cx->symbol, s, sym_len) != 0) {
        return fail_at(cx->err, cx->path, CX_EPARSE, "symbol differs from the first row's",
                       line, 0, s, sym_len);
    }

    /* Date, corrected to UTC. */
    const char *date = c1 + 1;
    size_t date_len = (size_t)(c2 - date);
    size_t date_col = (size_t)(date - s);
    int64_t local_ns, utc_ns;
    struct cx_parse_err derr = {0};
    int rc = cx_time_parse_utc(date, date_len, &local_ns, &derr);
    if (rc != 0) /* derr.col is 1-based within the date field */
        return fail_at(cx->err, cx->path, rc, derr.msg, line,
                       date_col + (derr.col > 0 ? (size_t)derr.col - 1u : 0u), date, date_len);
    if (__builtin_sub_overflow(local_ns, cx->offset_ns, &utc_ns))
        return fail_at(cx->err, cx->path, CX_ERANGE,
                       "date outside the int64 ns range once corrected to UTC", line, date_col,
                       date, date_len);
    if (cx->has_prev && utc_ns <= cx->prev_ns)
        return fail_at(cx->err, cx->path, CX_ETIME,
                       "row not after the previous one (times must strictly increase)", line,
                       date_col, date, date_len);

    /* Rate. */
    const char *rate = c2 + 1;
    size_t rate_len = (size_t)(s + n - rate);
    int64_t ppb = 0;
    rc = parse_rate(cx, rate, rate_len, line, (size_t)(rate - s), &ppb);
    if (rc != 0)
        return rc;

    cx->has_prev = true;
    cx->prev_ns = utc_ns;
    out->time_ns = utc_ns;
    out->rate_ppb = ppb;
    return 0;
}

/* Length of the line starting at p (up to LF or end), and of its content without a final CR.
 * Shared with latency_file.c. */
size_t cx__sim_line_len(const char *p, const char *end, size_t *out_content)
{
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    size_t len = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
    *out_content = len > 0 && p[len - 1] == '\r' ? len - 1 : len;
    return len;
}

int cx_sim_funding_load_csv(const char *path, int32_t utc_offset_s, unsigned flags,
                            struct cx_sim_funding_series *out, struct cx_parse_err *err)
{
    if (path == NULL || out == NULL)
        return fail_at(err, path, CX_EINVAL, "path and out are required", 0, 0, NULL, 0);
    if (utc_offset_s < -CX__FUND_MAX_OFFSET_S || utc_offset_s > CX__FUND_MAX_OFFSET_S)
        return fail_at(err, path, CX_EINVAL, "utc_offset_s must be within +/- 14 h", 0, 0, NULL,
                       0);
    if ((flags & ~CX_SIM_FUNDING_ROUND_PPB) != 0)
        return fail_at(err, path, CX_EINVAL, "unknown flag", 0, 0, NULL, 0);
    if (out->ev != NULL && out->cap == 0)
        return fail_at(err, path, CX_EINVAL, "out->ev given with out->cap 0", 0, 0, NULL, 0);

    char *buf = NULL;
    size_t len = 0;
    int rc = cx__sim_read_whole(path, CX_SIM_FUNDING_FILE_MAX_BYTES,
                                "file larger than CX_SIM_FUNDING_FILE_MAX_BYTES", &buf, &len,
                                err);
    if (rc != 0)
        return rc;
    const char *end = buf + len;
    struct cx_sim_funding_event *ev = NULL;
    bool is_alloc = false;

    /* Header. */
    size_t content;
    size_t hlen = cx__sim_line_len(buf, end, &content);
    if (content != strlen(CX__FUND_HEADER) || memcmp(buf, CX__FUND_HEADER, content) != 0) {
        rc = fail_at(err, path, CX_EPARSE, "expected the header 'Symbol,Date,Funding Rate'", 1,
                     0, buf, content);
        goto done;
    }

    /* Rows: one per line after the header (a last line without LF counts). */
    const char *rows = hlen < len ? buf + hlen + 1 : end;
    uint64_t n_rows = 0;
    for (const char *p = rows; p < end; n_rows++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        p = nl != NULL ? nl + 1 : end;
    }
    if (n_rows == 0) {
        rc = fail_at(err, path, CX_EMISSING, "no data row after the header", 2, 0, NULL, 0);
        goto done;
    }
    if (n_rows > UINT32_MAX) { /* cannot happen under the file-size cap; keeps the cast honest */
        rc = fail_at(err, path, CX_ERANGE, "too many rows", 0, 0, NULL, 0);
        goto done;
    }
    uint32_t cap = out->cap;
    ev = out->ev;
    if (ev == NULL) {
        cap = (uint32_t)n_rows;
        ev = malloc((size_t)cap * sizeof *ev);
        if (ev == NULL) {
            rc = fail_at(err, path, CX_ENOMEM, "out of memory for the events", 0, 0, NULL, 0);
            goto done;
        }
        is_alloc = true;
    } else if (n_rows > cap) {
        rc = fail_at(err, path, CX_ENOSPC, "more rows than out->cap", (int64_t)cap + 2, 0,
                     NULL, 0);
        goto done;
    }

    struct load_ctx cx = { .path = path,
                           .err = err,
                           .offset_ns = (int64_t)utc_offset_s * CX_NS_PER_S,
                           .is_round = (flags & CX_SIM_FUNDING_ROUND_PPB) != 0 };
    uint32_t n = 0;
    int64_t line = 2;
    for (const char *p = rows; p < end; line++) {
        size_t l = cx__sim_line_len(p, end, &content);
        rc = parse_row(&cx, p, content, line, &ev[n]);
        if (rc != 0)
            goto done;
        n++;
        p += l < (size_t)(end - p) ? l + 1 : l;
    }

    struct cx_sim_funding_series res = *out;
    res.ev = ev;
    res.n = n;
    res.cap = cap;
    res.is_owned = is_alloc ? true : out->is_owned;
    res.utc_offset_s = utc_offset_s;
    res.n_rounded = cx.n_rounded;
    memcpy(res.symbol, cx.symbol, sizeof res.symbol);
    *out = res;
    is_alloc = false; /* now owned by *out */
    rc = 0;
done:
    if (is_alloc)
        free(ev);
    free(buf);
    return rc;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: file-name rule, search, release
 * ------------------------------------------------------------------------------------------- */

/*
 * UTC offsets of the bundled files' exchanges. Source: the shared data README, section
 * funding-rates: "Gate and dYdX rows are UTC; Binance, MEXC, Bybit, HTX and KuCoin rows were
 * written in UTC+3 local time (subtract 3 h: their 03:00/11:00/19:00 rows are the 00/08/16 UTC
 * settlements)". Verified on the data by tests/unit/test_funding.c (hour histograms).
 */
static const struct {
    const char *name;
    int32_t utc_offset_s;
} k_file_offsets[] = {
    { "binance", 3 * 3600 }, { "mexc", 3 * 3600 }, { "bybit", 3 * 3600 }, { "htx", 3 * 3600 },
    { "kucoin", 3 * 3600 },  { "gate", 0 },        { "dydx", 0 },
};

int cx_sim_funding_file_utc_offset(const char *path, int32_t *out_utc_offset_s)
{
    if (path == NULL || out_utc_offset_s == NULL)
        return CX_EINVAL;
    const char *base = strrchr(path, '/');
    base = base != NULL ? base + 1 : path;
    const char *u1 = strchr(base, '_');
    const char *u2 = u1 != NULL ? strchr(u1 + 1, '_') : NULL;
    if (u1 == NULL || u2 == NULL || u2 == u1 + 1)
        return CX_EPARSE;
    size_t n = (size_t)(u2 - (u1 + 1));
    for (size_t i = 0; i < sizeof k_file_offsets / sizeof k_file_offsets[0]; i++) {
        if (strlen(k_file_offsets[i].name) == n &&
            memcmp(k_file_offsets[i].name, u1 + 1, n) == 0) {
            *out_utc_offset_s = k_file_offsets[i].utc_offset_s;
            return 0;
        }
    }
    return CX_ENOTSUP;
}

uint32_t cx_sim_funding_seek(const struct cx_sim_funding_event *ev, uint32_t n, int64_t t_ns)
{
    uint32_t lo = 0, hi = n; /* answer in [lo, hi] */
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (ev[mid].time_ns < t_ns)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

void cx_sim_funding_series_fini(struct cx_sim_funding_series *s)
{
    if (s == NULL)
        return;
    if (s->is_owned)
        free(s->ev);
    memset(s, 0, sizeof *s);
}
