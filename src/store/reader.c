/* SPDX-License-Identifier: MIT */
/*
 * Session directory reader: parses the CSV files the writer produced back into the structs the
 * writer took, exactly (decimals go through cx_dec_parse at the instrument's exponents, never
 * through strtod). Each file must start with the header its writer emits; every row must have
 * the header's column count; every failure names file:line:col and the offending field.
 * Files are streamed line by line (4 KiB maximum line), rows collected in arrays that double.
 */
#include "store_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef PATH_MAX
#define PATH_MAX 4096
#endif

#define CSV_MAX_FIELDS 32
/* Row-count ceiling of one file (2^28 rows is ~40 GB of CSV): a bound, not a real limit. */
#define CSV_MAX_ROWS ((size_t)1 << 28)

/* ---------------------------------------------------------------------------------------------
 * MARK: line reader
 * ------------------------------------------------------------------------------------------- */

struct csv {
    FILE *fp;                          /* open file */
    struct cx_parse_err *err;          /* optional error out */
    int64_t line;                      /* 1-based number of the current line */
    char buf[CX__STORE_LINE_MAX + 2];  /* current line, NUL-terminated, no EOL */
    const char *f[CSV_MAX_FIELDS];     /* field starts (into buf) */
    size_t n[CSV_MAX_FIELDS];          /* field lengths */
    int nf;                            /* fields in the current line */
};

/* Record an error at field `i` of the current line (i < 0: whole line). */
static int csv_fail(struct csv *c, int i, int code, const char *msg)
{
    if (c->err != NULL) {
        if (i >= 0 && i < c->nf)
            cx_parse_err_set(c->err, code, msg, c->f[i], c->n[i]);
        else
            cx_parse_err_set(c->err, code, msg, NULL, 0);
        c->err->line = c->line;
        c->err->col = (i >= 0 && i < c->nf) ? (int32_t)(c->f[i] - c->buf) + 1 : 0;
    }
    return code;
}

/* Read one line into c->buf. Returns 1 (a line), 0 (end of file) or a CX_E* code. */
static int csv_read_line(struct csv *c)
{
    c->nf = 0;
    if (fgets(c->buf, sizeof c->buf, c->fp) == NULL)
        return ferror(c->fp) ? csv_fail(c, -1, CX_EIO, "read error") : 0;
    c->line++;
    size_t len = strlen(c->buf);
    if (len > 0 && c->buf[len - 1] == '\n')
        c->buf[--len] = '\0';
    else if (!feof(c->fp))
        return csv_fail(c, -1, CX_EPARSE, "line longer than 4 KiB");
    if (len > 0 && c->buf[len - 1] == '\r')
        c->buf[--len] = '\0';
    return 1;
}

static int csv_open(struct csv *c, const char *path, const char *header, struct cx_parse_err *err)
{
    memset(c, 0, offsetof(struct csv, buf));
    c->err = err;
    if (err != NULL) {
        err->file = path;
        err->line = 0;
        err->col = 0;
    }
    c->fp = fopen(path, "rb");
    if (c->fp == NULL) {
        int code = errno == ENOENT ? CX_ENOENT : CX_EIO;
        return cx_parse_err_set(err, code, code == CX_ENOENT ? "no such file" : "cannot open file",
                                NULL, 0);
    }
    int rc = csv_read_line(c);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return csv_fail(c, -1, CX_ETRUNC, "empty file (no header line)");
    size_t hl = strlen(header);
    if (hl > 0 && header[hl - 1] == '\n')
        hl--;
    if (strlen(c->buf) != hl || memcmp(c->buf, header, hl) != 0) {
        cx_parse_err_set(err, CX_EPARSE, "unexpected header line", c->buf, strlen(c->buf));
        if (err != NULL)
            err->line = c->line;
        return CX_EPARSE;
    }
    return 0;
}

static void csv_close(struct csv *c)
{
    if (c->fp != NULL)
        fclose(c->fp);
    c->fp = NULL;
}

/* Next row split into fields. Returns 1 (row), 0 (end of file) or a CX_E* code. Blank lines
 * are skipped. */
static int csv_next(struct csv *c, int want_fields)
{
    for (;;) {
        int rc = csv_read_line(c);
        if (rc <= 0)
            return rc;
        if (c->buf[0] != '\0')
            break;
    }
    char *p = c->buf;
    for (;;) {
        if (c->nf == CSV_MAX_FIELDS)
            return csv_fail(c, -1, CX_EPARSE, "too many fields");
        char *comma = strchr(p, ',');
        c->f[c->nf] = p;
        c->n[c->nf] = comma ? (size_t)(comma - p) : strlen(p);
        c->nf++;
        if (comma == NULL)
            break;
        p = comma + 1;
    }
    if (c->nf != want_fields) {
        char detail[48];
        snprintf(detail, sizeof detail, "%d fields, expected %d", c->nf, want_fields);
        c->nf = 0;
        csv_fail(c, -1, CX_EPARSE, "wrong number of fields");
        return cx_parse_err_set(c->err, CX_EPARSE, "wrong number of fields", detail,
                                strlen(detail));
    }
    return 1;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: field parsers
 * ------------------------------------------------------------------------------------------- */

static int f_i64(struct csv *c, int i, int64_t *out)
{
    const char *s = c->f[i];
    size_t n = c->n[i];
    size_t k = 0;
    int neg = 0;
    if (k < n && s[k] == '-') {
        neg = 1;
        k++;
    }
    if (k == n)
        return csv_fail(c, i, CX_EPARSE, "expected an integer");
    uint64_t v = 0;
    const uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (; k < n; k++) {
        if (s[k] < '0' || s[k] > '9')
            return csv_fail(c, i, CX_EPARSE, "expected an integer");
        uint64_t d = (uint64_t)(s[k] - '0');
        if (v > (limit - d) / 10)
            return csv_fail(c, i, CX_EOVERFLOW, "integer out of range");
        v = v * 10 + d;
    }
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return 0;
}

static int f_u64(struct csv *c, int i, uint64_t *out)
{
    const char *s = c->f[i];
    size_t n = c->n[i];
    if (n == 0)
        return csv_fail(c, i, CX_EPARSE, "expected an unsigned integer");
    uint64_t v = 0;
    for (size_t k = 0; k < n; k++) {
        if (s[k] < '0' || s[k] > '9')
            return csv_fail(c, i, CX_EPARSE, "expected an unsigned integer");
        uint64_t d = (uint64_t)(s[k] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return csv_fail(c, i, CX_EOVERFLOW, "integer out of range");
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

static int f_u32(struct csv *c, int i, uint32_t *out)
{
    uint64_t v;
    int rc = f_u64(c, i, &v);
    if (rc != 0)
        return rc;
    if (v > UINT32_MAX)
        return csv_fail(c, i, CX_EOVERFLOW, "integer out of range");
    *out = (uint32_t)v;
    return 0;
}

static int f_dec(struct csv *c, int i, int exp, int64_t *out)
{
    int rc = cx_dec_parse(c->f[i], c->n[i], exp, out);
    if (rc == 0)
        return 0;
    const char *msg = rc == CX_EPRECISION  ? "more decimals than the instrument's exponent"
                      : rc == CX_EOVERFLOW ? "decimal out of range"
                                           : "expected a decimal number";
    return csv_fail(c, i, rc, msg);
}

static int f_enum(struct csv *c, int i, enum cx_store_enum kind, int *out)
{
    if (cx_store_enum_parse(kind, c->f[i], c->n[i], out) != 0)
        return csv_fail(c, i, CX_EPARSE, "unknown name");
    return 0;
}

static int f_u8_enum(struct csv *c, int i, enum cx_store_enum kind, uint8_t *out)
{
    int v;
    int rc = f_enum(c, i, kind, &v);
    if (rc == 0)
        *out = (uint8_t)v;
    return rc;
}

/* Copy field i into a fixed char array; fails when it does not fit. */
static int f_str(struct csv *c, int i, char *dst, size_t cap)
{
    if (c->n[i] >= cap)
        return csv_fail(c, i, CX_EPARSE, "field too long");
    memcpy(dst, c->f[i], c->n[i]);
    dst[c->n[i]] = '\0';
    return 0;
}

/* Instrument named by (venue, symbol) fields. */
static int f_inst(struct csv *c, int iv, int is, const struct cx_registry *reg,
                  const struct cx_instrument **out)
{
    enum cx_venue venue;
    if (cx_venue_parse(c->f[iv], c->n[iv], &venue) != 0)
        return csv_fail(c, iv, CX_EPARSE, "unknown venue");
    const struct cx_instrument *inst = cx_registry_find(reg, venue, c->f[is], c->n[is]);
    if (inst == NULL)
        return csv_fail(c, is, CX_ESYMBOL, "instrument not in instruments.csv");
    *out = inst;
    return 0;
}

/* Grow *rows to hold n + 1 elements of `size` bytes. */
static int grow(void **rows, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return 0;
    if (n >= CSV_MAX_ROWS)
        return CX_ENOMEM;
    size_t ncap = *cap ? *cap * 2 : 256;
    void *p = realloc(*rows, ncap * size);
    if (p == NULL)
        return CX_ENOMEM;
    *rows = p;
    *cap = ncap;
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: instruments.csv
 * ------------------------------------------------------------------------------------------- */

#define HDR_INSTRUMENTS                                                                        \
    "inst,venue,symbol,kind,base,quote,price_exp,qty_exp,tick,lot,min_qty,min_notional,"       \
    "multiplier,maker_fee_ppb,taker_fee_ppb,flags"

static int f_exp(struct csv *c, int i, int8_t *out)
{
    int64_t v;
    int rc = f_i64(c, i, &v);
    if (rc != 0)
        return rc;
    if (v < CX_DEC_EXP_MIN || v > CX_DEC_EXP_MAX)
        return csv_fail(c, i, CX_ERANGE, "exponent out of range");
    *out = (int8_t)v;
    return 0;
}

int cx_store_read_instruments(const char *path, struct cx_registry *reg,
                              struct cx_parse_err *err)
{
    if (path == NULL || reg == NULL)
        return CX_EINVAL;
    struct csv c;
    int rc = csv_open(&c, path, HDR_INSTRUMENTS, err);
    while (rc == 0 && (rc = csv_next(&c, 16)) == 1) {
        struct cx_instrument inst;
        memset(&inst, 0, sizeof inst);
        uint32_t id = 0;
        enum cx_venue venue;
        int kind;
        rc = f_u32(&c, 0, &id);
        if (rc == 0 && cx_venue_parse(c.f[1], c.n[1], &venue) != 0)
            rc = csv_fail(&c, 1, CX_EPARSE, "unknown venue");
        if (rc == 0)
            rc = f_str(&c, 2, inst.symbol, sizeof inst.symbol);
        if (rc == 0)
            rc = f_enum(&c, 3, CX_STORE_ENUM_KIND, &kind);
        if (rc == 0)
            rc = f_str(&c, 4, inst.base, sizeof inst.base);
        if (rc == 0)
            rc = f_str(&c, 5, inst.quote, sizeof inst.quote);
        if (rc == 0)
            rc = f_exp(&c, 6, &inst.price_exp);
        if (rc == 0)
            rc = f_exp(&c, 7, &inst.qty_exp);
        if (rc == 0)
            rc = f_dec(&c, 8, inst.price_exp, &inst.tick);
        if (rc == 0)
            rc = f_dec(&c, 9, inst.qty_exp, &inst.lot);
        if (rc == 0)
            rc = f_dec(&c, 10, inst.qty_exp, &inst.min_qty);
        if (rc == 0)
            rc = f_dec(&c, 11, CX_NOTIONAL_EXP, &inst.min_notional);
        if (rc == 0) {
            /* The multiplier is written trimmed: its exponent is minus its decimals. */
            int decimals = 0;
            if (cx_dec_decimals(c.f[12], c.n[12], &decimals, NULL) != 0 ||
                decimals > -CX_DEC_EXP_MIN)
                rc = csv_fail(&c, 12, CX_EPARSE, "expected a decimal number");
            else
                rc = f_dec(&c, 12, -decimals, &inst.multiplier);
            inst.multiplier_exp = (int8_t)-decimals;
            if (rc == 0 && inst.multiplier <= 0)
                rc = csv_fail(&c, 12, CX_ERANGE, "multiplier must be positive");
        }
        if (rc == 0)
            rc = f_i64(&c, 13, &inst.maker_fee_ppb);
        if (rc == 0)
            rc = f_i64(&c, 14, &inst.taker_fee_ppb);
        if (rc == 0)
            rc = f_u32(&c, 15, &inst.flags);
        if (rc != 0)
            break;
        inst.venue = (uint8_t)venue;
        inst.kind = (uint8_t)kind;
        uint32_t got;
        rc = cx_registry_add(reg, &inst, &got);
        if (rc == CX_EEXIST) {
            rc = csv_fail(&c, 2, CX_EEXIST, "duplicate instrument");
            break;
        }
        if (rc != 0) {
            rc = csv_fail(&c, -1, rc, "cannot add instrument");
            break;
        }
        if (got != id) {
            rc = csv_fail(&c, 0, CX_EPARSE, "instrument ids must be 0, 1, 2, ... in order");
            break;
        }
    }
    csv_close(&c);
    return rc < 0 ? rc : 0;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: performance.csv
 * ------------------------------------------------------------------------------------------- */

#define HDR_PERF "ts_ns,equity,cash,position_value,realized,unrealized,fees,funding,drawdown"

int cx_store_read_perf(const char *path, struct cx_store_perf_row **out_rows, size_t *out_n,
                       struct cx_parse_err *err)
{
    if (path == NULL || out_rows == NULL || out_n == NULL)
        return CX_EINVAL;
    struct cx_store_perf_row *rows = NULL;
    size_t n = 0, cap = 0;
    struct csv c;
    int rc = csv_open(&c, path, HDR_PERF, err);
    while (rc == 0 && (rc = csv_next(&c, 9)) == 1) {
        rc = grow((void **)&rows, &cap, n, sizeof *rows);
        if (rc != 0) {
            rc = csv_fail(&c, -1, rc, "out of memory");
            break;
        }
        struct cx_store_perf_row *r = &rows[n];
        rc = f_i64(&c, 0, &r->ts_ns);
        int64_t *money[8] = {&r->equity,     &r->cash, &r->position_value, &r->realized,
                             &r->unrealized, &r->fees, &r->funding,        &r->drawdown};
        for (int k = 0; k < 8 && rc == 0; k++)
            rc = f_dec(&c, 1 + k, CX_NOTIONAL_EXP, money[k]);
        if (rc == 0 && n > 0 && r->ts_ns < rows[n - 1].ts_ns)
            rc = csv_fail(&c, 0, CX_ETIME, "timestamp before the previous row's");
        if (rc != 0)
            break;
        n++;
    }
    csv_close(&c);
    if (rc < 0) {
        free(rows);
        return rc;
    }
    *out_rows = rows;
    *out_n = n;
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: fills.csv
 * ------------------------------------------------------------------------------------------- */

#define HDR_FILLS                                                                              \
    "fill_id,ts_ns,local_ts_ns,venue,symbol,side,price,qty,liquidity,fee,fee_asset,client_id," \
    "latency_ns,venue_order_id,mid"

int cx_store_read_fills(const char *path, const struct cx_registry *reg,
                        struct cx_store_fill_row **out_rows, size_t *out_n,
                        struct cx_parse_err *err)
{
    if (path == NULL || reg == NULL || out_rows == NULL || out_n == NULL)
        return CX_EINVAL;
    struct cx_store_fill_row *rows = NULL;
    size_t n = 0, cap = 0;
    struct csv c;
    int rc = csv_open(&c, path, HDR_FILLS, err);
    while (rc == 0 && (rc = csv_next(&c, 15)) == 1) {
        rc = grow((void **)&rows, &cap, n, sizeof *rows);
        if (rc != 0) {
            rc = csv_fail(&c, -1, rc, "out of memory");
            break;
        }
        struct cx_store_fill_row *r = &rows[n];
        memset(r, 0, sizeof *r);
        struct cx_fill *f = &r->fill;
        const struct cx_instrument *inst = NULL;
        rc = f_u64(&c, 0, &f->fill_id);
        if (rc == 0)
            rc = f_i64(&c, 1, &f->exch_ts_ns);
        if (rc == 0)
            rc = f_i64(&c, 2, &f->local_ts_ns);
        if (rc == 0)
            rc = f_inst(&c, 3, 4, reg, &inst);
        if (rc == 0)
            rc = f_u8_enum(&c, 5, CX_STORE_ENUM_SIDE, &f->side);
        if (rc == 0)
            rc = f_dec(&c, 6, inst->price_exp, &f->price_m);
        if (rc == 0)
            rc = f_dec(&c, 7, inst->qty_exp, &f->qty_m);
        if (rc == 0)
            rc = f_u8_enum(&c, 8, CX_STORE_ENUM_LIQUIDITY, &f->liquidity);
        if (rc == 0)
            rc = f_dec(&c, 9, CX_NOTIONAL_EXP, &f->fee);
        if (rc == 0) {
            const char *asset = cx__store_fee_asset(inst);
            if (strlen(asset) != c.n[10] || memcmp(asset, c.f[10], c.n[10]) != 0)
                rc = csv_fail(&c, 10, CX_ENOTSUP, "fee asset is not the quote asset");
        }
        if (rc == 0)
            rc = f_u64(&c, 11, &f->client_id);
        if (rc == 0)
            rc = f_i64(&c, 12, &f->latency_ns);
        if (rc == 0)
            rc = f_u64(&c, 13, &f->venue_order_id);
        if (rc == 0)
            rc = f_dec(&c, 14, inst->price_exp, &r->mid_price_m);
        if (rc != 0)
            break;
        f->inst_id = inst->id;
        n++;
    }
    csv_close(&c);
    if (rc < 0) {
        free(rows);
        return rc;
    }
    *out_rows = rows;
    *out_n = n;
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: orders.csv
 * ------------------------------------------------------------------------------------------- */

#define HDR_ORDERS                                                                             \
    "client_id,inst,venue,symbol,side,type,tif,reduce_only,price,qty,status,reject,filled_qty," \
    "avg_price,fee,created_ns,updated_ns,venue_order_id,fill_count,filled_notional,acked_ns"

int cx_store_read_orders(const char *path, const struct cx_registry *reg,
                         struct cx_order **out_rows, size_t *out_n, struct cx_parse_err *err)
{
    if (path == NULL || reg == NULL || out_rows == NULL || out_n == NULL)
        return CX_EINVAL;
    struct cx_order *rows = NULL;
    size_t n = 0, cap = 0;
    struct csv c;
    int rc = csv_open(&c, path, HDR_ORDERS, err);
    while (rc == 0 && (rc = csv_next(&c, 21)) == 1) {
        rc = grow((void **)&rows, &cap, n, sizeof *rows);
        if (rc != 0) {
            rc = csv_fail(&c, -1, rc, "out of memory");
            break;
        }
        struct cx_order *o = &rows[n];
        memset(o, 0, sizeof *o);
        const struct cx_instrument *inst = NULL;
        uint32_t inst_col = 0;
        rc = f_u64(&c, 0, &o->req.client_id);
        if (rc == 0)
            rc = f_u32(&c, 1, &inst_col);
        if (rc == 0)
            rc = f_inst(&c, 2, 3, reg, &inst);
        if (rc == 0 && inst->id != inst_col)
            rc = csv_fail(&c, 1, CX_EPARSE, "inst does not match venue and symbol");
        if (rc == 0)
            rc = f_u8_enum(&c, 4, CX_STORE_ENUM_SIDE, &o->req.side);
        if (rc == 0)
            rc = f_u8_enum(&c, 5, CX_STORE_ENUM_ORD_TYPE, &o->req.type);
        if (rc == 0)
            rc = f_u8_enum(&c, 6, CX_STORE_ENUM_TIF, &o->req.tif);
        if (rc == 0) {
            if (c.n[7] == 1 && (c.f[7][0] == '0' || c.f[7][0] == '1'))
                o->req.flags = c.f[7][0] == '1' ? CX_ORD_F_REDUCE_ONLY : 0;
            else
                rc = csv_fail(&c, 7, CX_EPARSE, "expected 0 or 1");
        }
        if (rc == 0)
            rc = f_dec(&c, 8, inst->price_exp, &o->req.price_m);
        if (rc == 0)
            rc = f_dec(&c, 9, inst->qty_exp, &o->req.qty_m);
        if (rc == 0)
            rc = f_u8_enum(&c, 10, CX_STORE_ENUM_STATUS, &o->status);
        if (rc == 0)
            rc = f_u8_enum(&c, 11, CX_STORE_ENUM_REJECT, &o->reject);
        if (rc == 0)
            rc = f_dec(&c, 12, inst->qty_exp, &o->filled_qty_m);
        int64_t avg_unused;
        if (rc == 0) /* avg_price is derived; check it is a price but do not keep it */
            rc = f_dec(&c, 13, inst->price_exp, &avg_unused);
        if (rc == 0)
            rc = f_dec(&c, 14, CX_NOTIONAL_EXP, &o->fee);
        if (rc == 0)
            rc = f_i64(&c, 15, &o->created_ns);
        if (rc == 0)
            rc = f_i64(&c, 16, &o->updated_ns);
        if (rc == 0)
            rc = f_u64(&c, 17, &o->venue_order_id);
        if (rc == 0)
            rc = f_u32(&c, 18, &o->fills);
        if (rc == 0)
            rc = f_dec(&c, 19, CX_NOTIONAL_EXP, &o->filled_notional);
        if (rc == 0)
            rc = f_i64(&c, 20, &o->acked_ns);
        if (rc != 0)
            break;
        o->req.inst_id = inst->id;
        n++;
    }
    csv_close(&c);
    if (rc < 0) {
        free(rows);
        return rc;
    }
    *out_rows = rows;
    *out_n = n;
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: positions.csv
 * ------------------------------------------------------------------------------------------- */

#define HDR_POSITIONS "ts_ns,venue,symbol,qty,avg_entry,mark,unrealized,realized,fees,funding"

int cx_store_read_positions(const char *path, const struct cx_registry *reg,
                            struct cx_store_pos_row **out_rows, size_t *out_n,
                            struct cx_parse_err *err)
{
    if (path == NULL || reg == NULL || out_rows == NULL || out_n == NULL)
        return CX_EINVAL;
    struct cx_store_pos_row *rows = NULL;
    size_t n = 0, cap = 0;
    struct csv c;
    int rc = csv_open(&c, path, HDR_POSITIONS, err);
    while (rc == 0 && (rc = csv_next(&c, 10)) == 1) {
        rc = grow((void **)&rows, &cap, n, sizeof *rows);
        if (rc != 0) {
            rc = csv_fail(&c, -1, rc, "out of memory");
            break;
        }
        struct cx_store_pos_row *r = &rows[n];
        memset(r, 0, sizeof *r);
        const struct cx_instrument *inst = NULL;
        rc = f_i64(&c, 0, &r->ts_ns);
        if (rc == 0)
            rc = f_inst(&c, 1, 2, reg, &inst);
        if (rc == 0)
            rc = f_dec(&c, 3, inst->qty_exp, &r->qty_m);
        if (rc == 0)
            rc = f_dec(&c, 4, inst->price_exp, &r->avg_entry_price_m);
        if (rc == 0)
            rc = f_dec(&c, 5, inst->price_exp, &r->mark_price_m);
        int64_t *money[4] = {&r->unrealized, &r->realized, &r->fees, &r->funding};
        for (int k = 0; k < 4 && rc == 0; k++)
            rc = f_dec(&c, 6 + k, CX_NOTIONAL_EXP, money[k]);
        if (rc != 0)
            break;
        r->inst_id = inst->id;
        n++;
    }
    csv_close(&c);
    if (rc < 0) {
        free(rows);
        return rc;
    }
    *out_rows = rows;
    *out_n = n;
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: whole session
 * ------------------------------------------------------------------------------------------- */

/* metadata.json is shown in the report; 16 MiB is far above any real configuration. */
#define METADATA_MAX_BYTES (16u << 20)

static int read_text(const char *path, char **out, size_t *out_len)
{
    FILE *fp = fopen(path, "rb");
    if (fp == NULL)
        return errno == ENOENT ? CX_ENOENT : CX_EIO;
    char *text = NULL;
    size_t len = 0, cap = 0;
    int rc = 0;
    for (;;) {
        if (len + 4096 + 1 > cap) {
            size_t ncap = cap ? cap * 2 : 8192;
            if (ncap > METADATA_MAX_BYTES + 8192) {
                rc = CX_ENOSPC;
                break;
            }
            char *p = realloc(text, ncap);
            if (p == NULL) {
                rc = CX_ENOMEM;
                break;
            }
            text = p;
            cap = ncap;
        }
        size_t got = fread(text + len, 1, 4096, fp);
        len += got;
        if (got < 4096) {
            if (ferror(fp))
                rc = CX_EIO;
            break;
        }
    }
    fclose(fp);
    if (rc != 0) {
        free(text);
        return rc;
    }
    text[len] = '\0';
    *out = text;
    *out_len = len;
    return 0;
}

/* Build dir/name into path; CX_EINVAL when it does not fit. */
static int session_path(char *path, size_t cap, const char *dir, const char *name)
{
    int n = snprintf(path, cap, "%s/%s", dir, name);
    return (n < 0 || (size_t)n >= cap) ? CX_EINVAL : 0;
}

int cx_store_load(struct cx_store_session *s, const char *dir, struct cx_parse_err *err)
{
    if (s == NULL || dir == NULL)
        return CX_EINVAL;
    memset(s, 0, sizeof *s);
    static const char *const k_files[] = {CX_STORE_INSTRUMENTS, CX_STORE_PERFORMANCE,
                                          CX_STORE_FILLS,       CX_STORE_ORDERS,
                                          CX_STORE_POSITIONS,   CX_STORE_METADATA};
    const char *name = CX_STORE_INSTRUMENTS;
    char path[PATH_MAX];
    int rc = cx_registry_init(&s->reg, 16);
    if (rc != 0) {
        cx_parse_err_set(err, rc, "out of memory", NULL, 0);
        goto out;
    }
    for (size_t i = 0; i < sizeof k_files / sizeof k_files[0] && rc == 0; i++) {
        name = k_files[i];
        rc = session_path(path, sizeof path, dir, name);
        if (rc != 0) {
            cx_parse_err_set(err, rc, "path too long", NULL, 0);
            break;
        }
        switch (i) {
        case 0:
            rc = cx_store_read_instruments(path, &s->reg, err);
            break;
        case 1:
            rc = cx_store_read_perf(path, &s->perf, &s->n_perf, err);
            break;
        case 2:
            rc = cx_store_read_fills(path, &s->reg, &s->fills, &s->n_fills, err);
            break;
        case 3:
            rc = cx_store_read_orders(path, &s->reg, &s->orders, &s->n_orders, err);
            break;
        case 4:
            rc = cx_store_read_positions(path, &s->reg, &s->positions, &s->n_positions, err);
            break;
        default:
            rc = read_text(path, &s->metadata_json, &s->metadata_len);
            if (rc == CX_ENOENT)
                rc = 0; /* metadata.json is optional for the report */
            else if (rc != 0)
                cx_parse_err_set(err, rc, "cannot read file", NULL, 0);
            break;
        }
    }
out:
    if (err != NULL && rc != 0) {
        err->file = name; /* static: the path buffer dies with this frame */
        if (err->code == 0)
            err->code = rc;
    }
    return rc;
}

void cx_store_session_fini(struct cx_store_session *s)
{
    if (s == NULL)
        return;
    cx_registry_fini(&s->reg);
    free(s->perf);
    free(s->fills);
    free(s->orders);
    free(s->positions);
    free(s->metadata_json);
    memset(s, 0, sizeof *s);
}
