/* SPDX-License-Identifier: MIT */
/*
 * Text formatting shared by the session writers and readers: the names enumerations have in
 * the files, JSON string quoting, the CSV line builder and the exact average-price division.
 * The names are part of the session file format (docs/internals/report.md); changing one makes
 * old sessions unreadable, so they are append-only.
 */
#include "store_int.h"

#include <stdio.h>
#include <string.h>

/* ---------------------------------------------------------------------------------------------
 * MARK: enumeration names
 * ------------------------------------------------------------------------------------------- */

static const char *const k_side[] = {"buy", "sell"};
static const char *const k_ord_type[] = {"limit", "market"};
static const char *const k_tif[] = {"gtc", "ioc", "fok", "post_only"};
static const char *const k_status[] = {"pending_new",    "new",      "partially_filled",
                                       "filled",         "pending_cancel", "canceled",
                                       "rejected",       "expired"};
static const char *const k_reject[] = {
    "none",        "tick",         "lot",           "min_qty",      "min_notional", "balance",
    "margin",      "reduce_only",  "post_only",     "fok",          "no_liquidity",
    "unknown_order", "duplicate_id", "risk",        "book_stale",   "invalid",
    "risk_tick",     "risk_lot",     "risk_min_qty", "risk_min_notional", "risk_max_notional",
    "risk_max_position", "risk_max_asset", "risk_max_open_orders", "risk_order_rate"};
static const char *const k_liquidity[] = {"maker", "taker"};
static const char *const k_kind[] = {"spot", "linear_perp", "inverse_perp"};

#define CX__N(a) (sizeof(a) / sizeof((a)[0]))
_Static_assert(CX__N(k_status) == CX_ORD_STATUS_COUNT, "status names out of sync with oms.h");
_Static_assert(CX__N(k_reject) == CX_REJ_COUNT, "reject names out of sync with oms.h");
_Static_assert(CX_SIDE_BID == 0 && CX_SIDE_ASK == 1, "side names assume BID=0, ASK=1");
_Static_assert(CX_TIF_POST_ONLY == 3, "tif names out of sync with oms.h");
_Static_assert(CX_LIQ_TAKER == 1, "liquidity names out of sync with oms.h");

static const char *const *enum_table(enum cx_store_enum kind, size_t *out_n)
{
    switch (kind) {
    case CX_STORE_ENUM_SIDE:
        *out_n = CX__N(k_side);
        return k_side;
    case CX_STORE_ENUM_ORD_TYPE:
        *out_n = CX__N(k_ord_type);
        return k_ord_type;
    case CX_STORE_ENUM_TIF:
        *out_n = CX__N(k_tif);
        return k_tif;
    case CX_STORE_ENUM_STATUS:
        *out_n = CX__N(k_status);
        return k_status;
    case CX_STORE_ENUM_REJECT:
        *out_n = CX__N(k_reject);
        return k_reject;
    case CX_STORE_ENUM_LIQUIDITY:
        *out_n = CX__N(k_liquidity);
        return k_liquidity;
    case CX_STORE_ENUM_KIND:
        *out_n = CX__N(k_kind);
        return k_kind;
    case CX_STORE_ENUM_COUNT:
        break;
    }
    *out_n = 0;
    return NULL;
}

const char *cx_store_enum_name(enum cx_store_enum kind, int value)
{
    size_t n;
    const char *const *t = enum_table(kind, &n);
    if (t == NULL || value < 0 || (size_t)value >= n)
        return NULL;
    return t[value];
}

int cx_store_enum_parse(enum cx_store_enum kind, const char *s, size_t n, int *out)
{
    size_t count;
    const char *const *t = enum_table(kind, &count);
    if (t == NULL || s == NULL || out == NULL)
        return CX_EINVAL;
    for (size_t i = 0; i < count; i++) {
        if (strlen(t[i]) == n && memcmp(t[i], s, n) == 0) {
            *out = (int)i;
            return 0;
        }
    }
    return CX_EINVAL;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: JSON strings
 * ------------------------------------------------------------------------------------------- */

int cx_store_json_str(const char *s, char *buf, size_t cap)
{
    if (s == NULL || buf == NULL || cap == 0)
        return CX_EINVAL;
    size_t len = 0;
    int rc = 0;
#define PUT(c)                                                                                 \
    do {                                                                                       \
        if (len + 1 >= cap) {                                                                  \
            rc = CX_ENOSPC;                                                                    \
            goto done;                                                                         \
        }                                                                                      \
        buf[len++] = (c);                                                                      \
    } while (0)
    PUT('"');
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        unsigned char c = *p;
        if (c == '"' || c == '\\') {
            PUT('\\');
            PUT((char)c);
        } else if (c == '\n') {
            PUT('\\');
            PUT('n');
        } else if (c == '\t') {
            PUT('\\');
            PUT('t');
        } else if (c == '\r') {
            PUT('\\');
            PUT('r');
        } else if (c < 0x20) {
            static const char hex[] = "0123456789abcdef";
            PUT('\\');
            PUT('u');
            PUT('0');
            PUT('0');
            PUT(hex[c >> 4]);
            PUT(hex[c & 15]);
        } else {
            PUT((char)c);
        }
    }
    PUT('"');
#undef PUT
done:
    buf[len] = '\0';
    return rc != 0 ? rc : (int)len;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: CSV line builder
 * ------------------------------------------------------------------------------------------- */

void cx__line_reset(struct cx__store_line *ln)
{
    ln->len = 0;
    ln->overflow = 0;
}

static void line_raw(struct cx__store_line *ln, const char *s, size_t n)
{
    if (ln->overflow)
        return;
    size_t sep = ln->len > 0 ? 1 : 0;
    /* Keep one byte for the final '\n'. */
    if (ln->len + sep + n + 1 > sizeof ln->buf) {
        ln->overflow = 1;
        return;
    }
    if (sep)
        ln->buf[ln->len++] = ',';
    memcpy(ln->buf + ln->len, s, n);
    ln->len += n;
}

void cx__line_str(struct cx__store_line *ln, const char *s)
{
    line_raw(ln, s, strlen(s));
}

void cx__line_i64(struct cx__store_line *ln, int64_t v)
{
    char tmp[24];
    int n = snprintf(tmp, sizeof tmp, "%lld", (long long)v);
    line_raw(ln, tmp, (size_t)n);
}

void cx__line_u64(struct cx__store_line *ln, uint64_t v)
{
    char tmp[24];
    int n = snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)v);
    line_raw(ln, tmp, (size_t)n);
}

void cx__line_dec(struct cx__store_line *ln, int64_t mantissa, int exp)
{
    char tmp[48];
    int n = cx_dec_format(mantissa, exp, CX_DEC_FIXED, tmp, sizeof tmp);
    if (n < 0) {
        ln->overflow = 1;
        return;
    }
    line_raw(ln, tmp, (size_t)n);
}

int cx__line_end(struct cx__store_line *ln)
{
    if (ln->overflow)
        return CX_ENOSPC;
    ln->buf[ln->len++] = '\n';
    return 0;
}

int cx__store_csv_safe(const char *s)
{
    if (s == NULL || s[0] == '\0')
        return 0;
    return strpbrk(s, ",\"\r\n") == NULL;
}

const char *cx__store_fee_asset(const struct cx_instrument *inst)
{
    return cx__store_csv_safe(inst->quote) ? inst->quote : "quote";
}

/* ---------------------------------------------------------------------------------------------
 * MARK: exact average price
 * ------------------------------------------------------------------------------------------- */

/* 128-bit integers are a GCC/Clang extension; the oms money helpers rely on them as well. */

static __int128 pow10_i128(int k)
{
    __int128 p = 1;
    for (int i = 0; i < k; i++)
        p *= 10;
    return p;
}

int cx__store_avg_price(const struct cx_instrument *inst, int64_t notional, int64_t qty_m,
                        int64_t *out_price_m)
{
    if (qty_m == 0 || notional == 0) {
        *out_price_m = 0;
        return 0;
    }
    int64_t mult = inst->multiplier > 0 ? inst->multiplier : 1;
    int mult_exp = inst->multiplier > 0 ? inst->multiplier_exp : 0;
    /* avg_m = |notional| * 10^k / (|qty_m| * mult), k = -8 - qty_exp - mult_exp - price_exp. */
    int k = CX_NOTIONAL_EXP - inst->qty_exp - mult_exp - inst->price_exp;
    if (k > 36 || k < -36)
        return CX_EOVERFLOW;
    __int128 num = notional < 0 ? -(__int128)notional : (__int128)notional;
    __int128 den = (qty_m < 0 ? -(__int128)qty_m : (__int128)qty_m) * (__int128)mult;
    const __int128 max = (__int128)(((unsigned __int128)1 << 126) - 1); /* leave headroom */
    if (k >= 0) {
        __int128 p = pow10_i128(k);
        if (num > max / p)
            return CX_EOVERFLOW;
        num *= p;
    } else {
        __int128 p = pow10_i128(-k);
        if (den > max / p)
            return CX_EOVERFLOW;
        den *= p;
    }
    /* Round half away from zero: both operands are positive here. */
    __int128 q = (num + den / 2) / den;
    if (q > INT64_MAX)
        return CX_EOVERFLOW;
    *out_price_m = (int64_t)q;
    return 0;
}
