/* SPDX-License-Identifier: MIT */
/*
 * Symbol resolution and number conversion shared by every decoder (fast scanners and the cJSON
 * reference in tests/support). A decoder resolves the message's symbol once (cx__md_resolve) and
 * then converts each price and quantity through cx__md_price / cx__md_qty. In normal mode that
 * is a registry lookup plus an exact cx_dec_parse at the instrument's exponents. In scan mode
 * (the prescan) nothing is converted: the same calls record, per (venue, symbol), the largest
 * number of significant decimals and integer digits seen, in a fixed-capacity table, and yield
 * 0.
 */
#include "md_int.h"

#include <string.h>

int cx__md_resolve(const struct cx_md_ctx *ctx, enum cx_venue venue, const char *sym, size_t n,
                   struct cx__md_sym *out, struct cx_parse_err *err)
{
    if (n == 0)
        return cx_parse_err_set(err, CX_ESYMBOL, "empty symbol", NULL, 0);
    if (ctx->scan != NULL) {
        struct cx__md_scan *scan = ctx->scan;
        if (n >= sizeof scan->e[0].symbol)
            return cx_parse_err_set(err, CX_ESYMBOL, "symbol too long", sym, n);
        if (memchr(sym, '\0', n) != NULL)
            return cx_parse_err_set(err, CX_ESYMBOL, "symbol contains a NUL byte", sym, n);
        struct cx__md_scan_entry *e = NULL;
        /* Linear search: a prescan sees a handful of symbols per file. */
        for (uint32_t i = 0; i < scan->n; i++) {
            struct cx__md_scan_entry *c = &scan->e[i];
            if (c->venue == (uint8_t)venue && memcmp(c->symbol, sym, n) == 0 &&
                c->symbol[n] == '\0') {
                e = c;
                break;
            }
        }
        if (e == NULL) {
            if (scan->n >= CX__MD_SCAN_MAX) {
                scan->overflow++;
                return cx_parse_err_set(err, CX_ENOSPC, "too many symbols for the prescan table",
                                        sym, n);
            }
            e = &scan->e[scan->n++];
            memset(e, 0, sizeof *e);
            e->venue = (uint8_t)venue;
            memcpy(e->symbol, sym, n);
            e->symbol[n] = '\0';
        }
        out->inst = NULL;
        out->scan = e;
        out->inst_id = UINT32_MAX;
        out->price_exp = 0;
        out->qty_exp = 0;
        return 0;
    }
    const struct cx_instrument *inst =
        ctx->reg != NULL ? cx_registry_find(ctx->reg, venue, sym, n) : NULL;
    if (inst == NULL)
        return cx_parse_err_set(err, CX_ESYMBOL, "unknown instrument", sym, n);
    out->inst = inst;
    out->scan = NULL;
    out->inst_id = inst->id;
    out->price_exp = inst->price_exp;
    out->qty_exp = inst->qty_exp;
    return 0;
}

/* Scan mode: record the decimals and integer digits one number needs. */
static int md_record(int32_t *dec_max, int32_t *int_max, uint64_t *count, const char *s,
                     size_t n)
{
    int dec = 0, ints = 0;
    int rc = cx_dec_decimals(s, n, &dec, &ints);
    if (rc != 0)
        return rc;
    if (dec > *dec_max)
        *dec_max = dec;
    if (ints > *int_max)
        *int_max = ints;
    (*count)++;
    return 0;
}

int cx__md_price(const struct cx__md_sym *sym, const char *s, size_t n, int64_t *out)
{
    if (sym->scan == NULL)
        return cx_dec_parse(s, n, sym->price_exp, out);
    int rc = md_record(&sym->scan->price_dec, &sym->scan->price_int, &sym->scan->numbers, s, n);
    if (rc == 0)
        *out = 0;
    return rc;
}

int cx__md_qty(const struct cx__md_sym *sym, const char *s, size_t n, int64_t *out)
{
    if (sym->scan == NULL)
        return cx_dec_parse(s, n, sym->qty_exp, out);
    int rc = md_record(&sym->scan->qty_dec, &sym->scan->qty_int, &sym->scan->numbers, s, n);
    if (rc == 0)
        *out = 0;
    return rc;
}

int cx__md_u64(const char *s, size_t n, uint64_t *out)
{
    if (n == 0)
        return CX_EPARSE;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned d = (unsigned)((unsigned char)s[i] - '0');
        if (d > 9)
            return CX_EPARSE;
        if (__builtin_mul_overflow(v, 10u, &v) || __builtin_add_overflow(v, d, &v))
            return CX_EOVERFLOW;
    }
    *out = v;
    return 0;
}
