/* SPDX-License-Identifier: MIT */
/*
 * The table-driven YAML configuration loader (include/cexarb/conf.h; design notes in
 * docs/internals/conf.md). It parses with libyaml's document API (yaml_parser_load), so every
 * node carries its line and column and each report points at the offending key or value
 * without a second parse; values are read from their source text (integers and durations
 * exactly, decimals with cx_dec_parse, numbers with strtod), never through a float of another
 * parser. The tree is walked against static field tables; bounds declared in the table are
 * checked as each value is read. The walker, the scalar readers and the error reporting started
 * as maker_hedge's private loader (src/strat/mh_config.c) and were generalised here so every
 * configuration file shares them.
 *
 * Invariants: a load writes only a working copy of the caller's struct and copies it back when
 * the walk and the check succeed; every error is a struct cx_parse_err with a static message,
 * the full dotted key in detail and the position of a node (or of a remembered key, or none).
 */
#include "cexarb/conf.h"

#include "cexarb/instrument.h"
#include "core_int.h"

#include <yaml.h>

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__extension__ typedef __int128 conf_i128;

#define CONF_KEY_MAX 128                  /* longest dotted key path kept */
#define CONF_POS_MAX 512                  /* keys whose positions are remembered per load */
#define CONF_FILE_MAX_BYTES (16u << 20)   /* configuration files are a few kB */

/* ---------------------------------------------------------------------------------------------
 * MARK: state and error reports
 * ------------------------------------------------------------------------------------------- */

/* Where a key's value was in the file, for reports made after the walk (cross-key checks). */
struct key_pos {
    char key[CONF_KEY_MAX]; /* full dotted key, NUL-terminated */
    int64_t line;           /* 1-based */
    int32_t col;            /* 1-based */
};

struct cx_conf_ctx {
    yaml_document_t *doc;      /* borrowed: the parsed file */
    struct cx_parse_err *err;  /* optional report */
    void *user;                /* the load's user pointer */
    bool skip_unknown;         /* unknown keys are passed over, not errors (a peek) */
    uint32_t n_pos;            /* entries in pos */
    struct key_pos pos[CONF_POS_MAX];
};

struct cx_conf_doc {
    yaml_document_t doc; /* the parsed document (deleted by cx_conf_doc_free) */
    const char *name;    /* retained: file name for reports */
};

static const yaml_node_t *yn(const struct cx_conf_node *n)
{
    return (const yaml_node_t *)(const void *)n;
}

static const struct cx_conf_node *cn(const yaml_node_t *n)
{
    return (const struct cx_conf_node *)(const void *)n;
}

/* Records an error at a node (node NULL: no position). */
static int fail_at(struct cx_conf_ctx *ctx, int code, const char *msg, const char *key,
                   const yaml_node_t *node)
{
    if (ctx->err == NULL)
        return code;
    cx_parse_err_set(ctx->err, code, msg, key, strlen(key));
    if (node != NULL) {
        ctx->err->line = (int64_t)node->start_mark.line + 1;
        ctx->err->col = (int32_t)node->start_mark.column + 1;
    }
    return code;
}

/* Sets the position of an error reported after the walk from the remembered key positions. */
static void locate(struct cx_conf_ctx *ctx)
{
    if (ctx->err == NULL)
        return;
    ctx->err->line = 0;
    ctx->err->col = 0;
    for (uint32_t i = 0; i < ctx->n_pos; i++) {
        if (strcmp(ctx->pos[i].key, ctx->err->detail) == 0) {
            ctx->err->line = ctx->pos[i].line;
            ctx->err->col = ctx->pos[i].col;
            return;
        }
    }
}

static void remember(struct cx_conf_ctx *ctx, const char *key, const yaml_node_t *value)
{
    if (ctx->n_pos == CONF_POS_MAX)
        return; /* best effort: a later report about this key just has no position */
    struct key_pos *p = &ctx->pos[ctx->n_pos++];
    snprintf(p->key, sizeof p->key, "%s", key);
    p->line = (int64_t)value->start_mark.line + 1;
    p->col = (int32_t)value->start_mark.column + 1;
}

/* out = path + "." + name (or name at the top level), truncated to CONF_KEY_MAX. */
static void join(char *out, const char *path, const char *name)
{
    if (path[0] == '\0')
        snprintf(out, CONF_KEY_MAX, "%s", name);
    else
        snprintf(out, CONF_KEY_MAX, "%s.%s", path, name);
}

static void join_index(char *out, const char *path, long idx)
{
    snprintf(out, CONF_KEY_MAX, "%s[%ld]", path, idx);
}

/* ---------------------------------------------------------------------------------------------
 * MARK: scalars
 * ------------------------------------------------------------------------------------------- */

static const char *sval(const yaml_node_t *n)
{
    return (const char *)n->data.scalar.value;
}

static bool is_plain(const yaml_node_t *n)
{
    return n->type == YAML_SCALAR_NODE && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

/* YAML's null: an empty plain value, "~" or "null" (and no node at all). */
static bool is_null(const yaml_node_t *n)
{
    if (n == NULL)
        return true;
    if (!is_plain(n))
        return false;
    const char *s = sval(n);
    return s[0] == '\0' || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 ||
           strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0;
}

/* A scalar whose text has no NUL byte inside (a double-quoted "\0" would cut a C string). */
static int want_scalar(struct cx_conf_ctx *ctx, const yaml_node_t *n, const char *key,
                       const char *what)
{
    if (n->type != YAML_SCALAR_NODE || is_null(n))
        return fail_at(ctx, CX_EPARSE, what, key, n);
    if (strlen(sval(n)) != n->data.scalar.length)
        return fail_at(ctx, CX_EPARSE, "value contains a NUL byte", key, n);
    return 0;
}

/*
 * An integer: a plain scalar -?digits, as a sign and a magnitude. A magnitude beyond uint64 sets
 * *out_is_over: it is outside every C type and bound, so the range check reports it with the
 * key's allowed range rather than as a syntax error.
 */
static int parse_int(struct cx_conf_ctx *ctx, const yaml_node_t *n, const char *key,
                     bool *out_neg, uint64_t *out_mag, bool *out_is_over)
{
    static const char what[] = "expected an integer (digits with an optional leading '-')";
    int rc = want_scalar(ctx, n, key, what);
    if (rc != 0)
        return rc;
    const char *s = sval(n);
    size_t i = s[0] == '-' ? 1u : 0u;
    if (!is_plain(n) || s[i] == '\0')
        return fail_at(ctx, CX_EPARSE, what, key, n);
    uint64_t mag = 0;
    bool is_over = false;
    for (size_t j = i; s[j] != '\0'; j++) {
        if (s[j] < '0' || s[j] > '9')
            return fail_at(ctx, CX_EPARSE, what, key, n);
        unsigned digit = (unsigned)(s[j] - '0');
        if (is_over || mag > (UINT64_MAX - digit) / 10u)
            is_over = true;
        else
            mag = mag * 10u + digit;
    }
    *out_neg = i == 1u && mag != 0u;
    *out_mag = mag;
    *out_is_over = is_over;
    return 0;
}

/* A number: a plain scalar with the project's decimal grammar -?digits[.digits][e[+-]digits]
 * (cx_dec_decimals), converted with strtod (correctly rounded, as C literals of defaults are,
 * so "0.6" in the file equals 0.6 in code). Infinity from "1e999" fails the range checks. */
static int parse_f64(struct cx_conf_ctx *ctx, const yaml_node_t *n, const char *key,
                     double *out)
{
    static const char what[] = "expected a number (-?digits[.digits][e[+-]digits])";
    int rc = want_scalar(ctx, n, key, what);
    if (rc != 0)
        return rc;
    int decimals;
    if (!is_plain(n) || cx_dec_decimals(sval(n), n->data.scalar.length, &decimals, NULL) != 0)
        return fail_at(ctx, CX_EPARSE, what, key, n);
    *out = strtod(sval(n), NULL);
    return 0;
}

/* Messages by exponent, index -exp (0..18): static, as cx_parse_err.msg requires. */
static const char *const k_dec_precision_msg[19] = {
    "value must be a whole number",
    "value has more than 1 decimal",
    "value has more than 2 decimals",
    "value has more than 3 decimals",
    "value has more than 4 decimals",
    "value has more than 5 decimals",
    "value has more than 6 decimals",
    "value has more than 7 decimals",
    "value has more than 8 decimals",
    "value has more than 9 decimals",
    "value has more than 10 decimals",
    "value has more than 11 decimals",
    "value has more than 12 decimals",
    "value has more than 13 decimals",
    "value has more than 14 decimals",
    "value has more than 15 decimals",
    "value has more than 16 decimals",
    "value has more than 17 decimals",
    "value has more than 18 decimals",
};
static const char *const k_dec_overflow_msg[19] = {
    "value too large (at most 9223372036854775807)",
    "value too large (at most 922337203685477580.7)",
    "value too large (at most 92233720368547758.07)",
    "value too large (at most 9223372036854775.807)",
    "value too large (at most 922337203685477.5807)",
    "value too large (at most 92233720368547.75807)",
    "value too large (at most 9223372036854.775807)",
    "value too large (at most 922337203685.4775807)",
    "value too large (at most 92233720368.54775807)",
    "value too large (at most 9223372036.854775807)",
    "value too large (at most 922337203.6854775807)",
    "value too large (at most 92233720.36854775807)",
    "value too large (at most 9223372.036854775807)",
    "value too large (at most 922337.2036854775807)",
    "value too large (at most 92233.72036854775807)",
    "value too large (at most 9223.372036854775807)",
    "value too large (at most 922.3372036854775807)",
    "value too large (at most 92.23372036854775807)",
    "value too large (at most 9.223372036854775807)",
};

/* A decimal, quoted or not, exact at 10^exp (an amount of money or an asset, a fee fraction). */
static int parse_dec(struct cx_conf_ctx *ctx, const yaml_node_t *n, const char *key, int exp,
                     int64_t *out)
{
    static const char what[] = "expected a decimal amount such as \"2000\" or \"0.01\"";
    int rc = want_scalar(ctx, n, key, what);
    if (rc != 0)
        return rc;
    rc = cx_dec_parse(sval(n), n->data.scalar.length, exp, out);
    bool known = exp <= 0 && exp >= CX_DEC_EXP_MIN;
    if (rc == CX_EPRECISION)
        return fail_at(ctx, CX_ECONFIG,
                       known ? k_dec_precision_msg[-exp] : "value is finer than this key allows",
                       key, n);
    if (rc == CX_EOVERFLOW)
        return fail_at(ctx, CX_ECONFIG,
                       known ? k_dec_overflow_msg[-exp] : "value too large for this key", key, n);
    if (rc != 0)
        return fail_at(ctx, CX_EPARSE, what, key, n);
    return 0;
}

/*
 * A duration: <decimal><unit> with no space, unit ns, us, ms, s, m (minutes) or h, converted
 * exactly to int64 ns ("1.5s" = 1500000000; "0.5ns" is not a whole number of ns and is
 * rejected, as is anything beyond int64). A bare number has no unit and is rejected: "30" could
 * mean seconds or milliseconds. Negative values parse and then fail the key's range check.
 */
static const struct {
    const char *name;
    int64_t ns;
} k_units[] = {
    {"ns", 1},
    {"us", CX_NS_PER_US},
    {"ms", CX_NS_PER_MS},
    {"s", CX_NS_PER_S},
    {"m", 60 * CX_NS_PER_S},
    {"h", 3600 * CX_NS_PER_S},
};

static int parse_duration(struct cx_conf_ctx *ctx, const yaml_node_t *n, const char *key,
                          int64_t *out)
{
    static const char what[] =
        "expected a duration: a number and a unit ns, us, ms, s, m or h (\"100ms\")";
    int rc = want_scalar(ctx, n, key, what);
    if (rc != 0)
        return rc;
    const char *s = sval(n);
    size_t len = n->data.scalar.length;
    size_t num_len = len;
    while (num_len > 0 && s[num_len - 1] >= 'a' && s[num_len - 1] <= 'z')
        num_len--;
    const char *unit = s + num_len;
    int64_t unit_ns = 0;
    for (size_t i = 0; i < sizeof k_units / sizeof k_units[0]; i++) {
        if (strcmp(unit, k_units[i].name) == 0)
            unit_ns = k_units[i].ns;
    }
    int decimals;
    if (unit_ns == 0 || num_len == 0 || cx_dec_decimals(s, num_len, &decimals, NULL) != 0)
        return fail_at(ctx, CX_EPARSE, what, key, n);
    static const char range[] = "duration is not a whole number of nanoseconds within +/-292 "
                                "years";
    int64_t m;
    if (decimals > -CX_DEC_EXP_MIN || cx_dec_parse(s, num_len, -decimals, &m) != 0)
        return fail_at(ctx, CX_ECONFIG, range, key, n);
    /* value = m / 10^decimals units; m (< 2^63) x unit_ns (< 2^42) fits 128 bits. */
    conf_i128 scaled = (conf_i128)m * unit_ns;
    conf_i128 div = (conf_i128)cx_pow10_i64(decimals);
    if (scaled % div != 0 || scaled / div > INT64_MAX || scaled / div < INT64_MIN)
        return fail_at(ctx, CX_ECONFIG, range, key, n);
    *out = (int64_t)(scaled / div);
    return 0;
}

/* Copies a scalar's text into dst[cap] (empty allowed unless CX_CONF_F_NONEMPTY). */
static int parse_str(struct cx_conf_ctx *ctx, const yaml_node_t *n, const char *key, char *dst,
                     size_t cap, unsigned flags, const char *msg)
{
    if (n->type != YAML_SCALAR_NODE)
        return fail_at(ctx, CX_EPARSE, "expected a string", key, n);
    size_t len = n->data.scalar.length;
    if (strlen(sval(n)) != len)
        return fail_at(ctx, CX_EPARSE, "value contains a NUL byte", key, n);
    if (is_null(n))
        len = 0;
    if (len >= cap)
        return fail_at(ctx, CX_ECONFIG,
                       msg != NULL ? msg : "string too long for this key (see the docs)", key, n);
    if (len == 0 && (flags & CX_CONF_F_NONEMPTY) != 0u)
        return fail_at(ctx, CX_ECONFIG, msg != NULL ? msg : "value must not be empty", key, n);
    memcpy(dst, sval(n), len);
    dst[len] = '\0';
    return 0;
}

static int parse_venue(struct cx_conf_ctx *ctx, const yaml_node_t *n, const char *key,
                       const char *msg, enum cx_venue *out)
{
    int rc = want_scalar(ctx, n, key, "expected a venue name");
    if (rc != 0)
        return rc;
    if (cx_venue_parse(sval(n), n->data.scalar.length, out) != 0)
        return fail_at(ctx, CX_ECONFIG,
                       msg != NULL ? msg
                                   : "unknown venue (binance_spot, binance_usdm, gate_spot, "
                                     "gate_futures, mexc_spot, hyperliquid)",
                       key, n);
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: storing into the target
 * ------------------------------------------------------------------------------------------- */

/* Range of each integer storage, and the message used when a key has no bounds of its own. */
static const struct {
    int64_t min;
    uint64_t max;
    const char *msg;
} k_int_types[] = {
    [CX_CONF_S_I8] = {INT8_MIN, INT8_MAX, "integer out of range for this key: [-128, 127]"},
    [CX_CONF_S_U8] = {0, UINT8_MAX, "integer out of range for this key: [0, 255]"},
    [CX_CONF_S_I16] = {INT16_MIN, INT16_MAX, "integer out of range for this key: [-32768, 32767]"},
    [CX_CONF_S_U16] = {0, UINT16_MAX, "integer out of range for this key: [0, 65535]"},
    [CX_CONF_S_I32] = {INT32_MIN, INT32_MAX,
                       "integer out of range for this key: [-2147483648, 2147483647]"},
    [CX_CONF_S_U32] = {0, UINT32_MAX, "integer out of range for this key: [0, 4294967295]"},
    [CX_CONF_S_I64] = {INT64_MIN, INT64_MAX,
                       "integer out of range for this key: [-9223372036854775808, "
                       "9223372036854775807]"},
    [CX_CONF_S_U64] = {0, UINT64_MAX,
                       "integer out of range for this key: [0, 18446744073709551615]"},
};

static bool is_int_storage(unsigned st)
{
    return st >= CX_CONF_S_I8 && st <= CX_CONF_S_U64;
}

/* Writes v (known to fit) into an integer target of storage st. */
static void put_int(void *dst, unsigned st, bool neg, uint64_t mag)
{
    int64_t v = neg ? (int64_t)(0u - mag) : (int64_t)mag; /* two's complement, as C23 says */
    switch (st) {
    case CX_CONF_S_I8: *(int8_t *)dst = (int8_t)v; break;
    case CX_CONF_S_U8: *(uint8_t *)dst = (uint8_t)mag; break;
    case CX_CONF_S_I16: *(int16_t *)dst = (int16_t)v; break;
    case CX_CONF_S_U16: *(uint16_t *)dst = (uint16_t)mag; break;
    case CX_CONF_S_I32: *(int32_t *)dst = (int32_t)v; break;
    case CX_CONF_S_U32: *(uint32_t *)dst = (uint32_t)mag; break;
    case CX_CONF_S_I64: *(int64_t *)dst = v; break;
    case CX_CONF_S_U64: *(uint64_t *)dst = mag; break;
    default: break;
    }
}

static int64_t get_int(const void *src, unsigned st)
{
    switch (st) {
    case CX_CONF_S_I8: return *(const int8_t *)src;
    case CX_CONF_S_U8: return *(const uint8_t *)src;
    case CX_CONF_S_I16: return *(const int16_t *)src;
    case CX_CONF_S_U16: return *(const uint16_t *)src;
    case CX_CONF_S_I32: return *(const int32_t *)src;
    case CX_CONF_S_U32: return *(const uint32_t *)src;
    case CX_CONF_S_I64: return *(const int64_t *)src;
    case CX_CONF_S_U64: return (int64_t)*(const uint64_t *)src;
    default: return 0;
    }
}

/* Is sign+magnitude within [min, max] (max as uint64 so that UINT64_MAX fits)? */
static bool int_within(bool neg, uint64_t mag, int64_t min, uint64_t max)
{
    if (neg) {
        /* -mag >= min  <=>  mag <= -min (as a magnitude) */
        uint64_t lim = min >= 0 ? 0u : (uint64_t)(-(min + 1)) + 1u;
        return min < 0 && mag <= lim;
    }
    if (min > 0 && mag < (uint64_t)min)
        return false;
    return mag <= max;
}

/* Is v within the field's double bounds (open or closed ends)? NaN never is. */
static bool f64_within(const struct cx_conf_field *f, double v)
{
    if ((f->flags & CX_CONF_F_BOUNDED) == 0u)
        return isfinite(v) != 0;
    bool lo_ok = (f->flags & CX_CONF_F_LO_OPEN) != 0u ? v > f->f_min : v >= f->f_min;
    bool hi_ok = (f->flags & CX_CONF_F_HI_OPEN) != 0u ? v < f->f_max : v <= f->f_max;
    return lo_ok && hi_ok;
}

static const char k_bad_table[] = "bad configuration table: the field type does not suit its "
                                  "member (programming error)";

/* ---------------------------------------------------------------------------------------------
 * MARK: the walker
 * ------------------------------------------------------------------------------------------- */

static int walk_map(struct cx_conf_ctx *ctx, const yaml_node_t *n, const char *path,
                    const struct cx_conf_field *fields, void *obj);

/* Reads one sequence of mappings (CX_CONF_T_SEQ). */
static int read_seq(struct cx_conf_ctx *ctx, const struct cx_conf_field *f, const yaml_node_t *n,
                    const char *key, void *obj)
{
    if (f->sub == NULL || f->size == 0 || (f->cap == 0 && f->item == NULL))
        return fail_at(ctx, CX_EINVAL, k_bad_table, key, n);
    uint32_t count = 0;
    if (!is_null(n)) {
        if (n->type != YAML_SEQUENCE_NODE)
            return fail_at(ctx, CX_EPARSE, "expected a list of mappings (- key: value items)",
                           key, n);
        ptrdiff_t items = n->data.sequence.items.top - n->data.sequence.items.start;
        if (items > (ptrdiff_t)UINT32_MAX - 1)
            return fail_at(ctx, CX_ECONFIG, "too many items in this list", key, n);
        count = (uint32_t)items;
    }
    char *array = (char *)obj + f->off;
    if (f->cap > 0 && count > f->cap) {
        char ikey[CONF_KEY_MAX];
        join_index(ikey, key, (long)f->cap);
        const yaml_node_t *extra =
            yaml_document_get_node(ctx->doc, n->data.sequence.items.start[f->cap]);
        return fail_at(ctx, CX_ECONFIG,
                       f->msg != NULL ? f->msg : "too many items in this list (see the docs)",
                       ikey, extra != NULL ? extra : n);
    }
    void *scratch = NULL;
    if (f->cap == 0) {
        scratch = malloc(f->size);
        if (scratch == NULL)
            return fail_at(ctx, CX_ENOMEM, "out of memory", key, NULL);
    }
    int rc = 0;
    for (uint32_t i = 0; i < count && rc == 0; i++) {
        const yaml_node_t *item =
            yaml_document_get_node(ctx->doc, n->data.sequence.items.start[i]);
        char ikey[CONF_KEY_MAX];
        join_index(ikey, key, (long)i);
        if (item == NULL) {
            rc = fail_at(ctx, CX_EPARSE, "malformed YAML", ikey, n);
            break;
        }
        void *elem = f->cap > 0 ? array + (size_t)i * f->size : scratch;
        if (f->dflt != NULL)
            memcpy(elem, f->dflt, f->size);
        else
            memset(elem, 0, f->size);
        remember(ctx, ikey, item);
        if (is_null(item) || item->type != YAML_MAPPING_NODE) {
            rc = fail_at(ctx, CX_EPARSE, "expected a mapping (key: value lines or {...})", ikey,
                         item);
            break;
        }
        rc = walk_map(ctx, item, ikey, f->sub, elem);
        if (rc == 0 && f->item != NULL)
            rc = f->item(ctx, cn(item), ikey, obj, elem, i, count);
    }
    free(scratch);
    if (rc != 0)
        return rc;
    if (f->cap > 0 && count < f->cap) /* the list replaces the array as a whole */
        memset(array + (size_t)count * f->size, 0, (size_t)(f->cap - count) * f->size);
    memcpy((char *)obj + f->count_off, &count, sizeof count);
    return 0;
}

static int read_field(struct cx_conf_ctx *ctx, const struct cx_conf_field *f, const yaml_node_t *n,
                      const char *key, void *obj)
{
    void *dst = (char *)obj + f->off;
    int rc = 0;
    switch ((enum cx_conf_type)f->type) {
    case CX_CONF_T_SECTION:
        return walk_map(ctx, n, key, f->sub, dst);
    case CX_CONF_T_SEQ:
        return read_seq(ctx, f, n, key, obj);
    case CX_CONF_T_INT: {
        if (!is_int_storage(f->storage))
            return fail_at(ctx, CX_EINVAL, k_bad_table, key, n);
        bool neg, is_over;
        uint64_t mag;
        rc = parse_int(ctx, n, key, &neg, &mag, &is_over);
        if (rc != 0)
            return rc;
        bool ok = !is_over &&
                  int_within(neg, mag, k_int_types[f->storage].min, k_int_types[f->storage].max);
        if (ok && (f->flags & CX_CONF_F_BOUNDED) != 0u) {
            bool fits = neg ? mag <= (uint64_t)INT64_MAX + 1u : mag <= (uint64_t)INT64_MAX;
            int64_t v = neg ? (int64_t)(0u - mag) : (int64_t)mag;
            ok = fits && v >= f->i_min && v <= f->i_max;
        }
        if (!ok)
            return fail_at(ctx, CX_ECONFIG,
                           f->msg != NULL ? f->msg : k_int_types[f->storage].msg, key, n);
        put_int(dst, f->storage, neg, mag);
        return 0;
    }
    case CX_CONF_T_F64: {
        if (f->storage != CX_CONF_S_F64)
            return fail_at(ctx, CX_EINVAL, k_bad_table, key, n);
        double v;
        rc = parse_f64(ctx, n, key, &v);
        if (rc != 0)
            return rc;
        if (!f64_within(f, v))
            return fail_at(ctx, CX_ECONFIG,
                           f->msg != NULL ? f->msg : "number out of the double range", key, n);
        *(double *)dst = v;
        return 0;
    }
    case CX_CONF_T_DEC: {
        if (f->storage != CX_CONF_S_I64 && f->storage != CX_CONF_S_F64)
            return fail_at(ctx, CX_EINVAL, k_bad_table, key, n);
        int64_t m;
        rc = parse_dec(ctx, n, key, f->exp, &m);
        if (rc != 0)
            return rc;
        double v = cx_dec_to_double(m, f->exp);
        if ((f->flags & CX_CONF_F_BOUNDED) != 0u && !f64_within(f, v))
            return fail_at(ctx, CX_ECONFIG, f->msg != NULL ? f->msg : "value out of range", key,
                           n);
        if (f->storage == CX_CONF_S_I64)
            *(int64_t *)dst = m;
        else
            *(double *)dst = v;
        return 0;
    }
    case CX_CONF_T_DUR: {
        if (f->storage != CX_CONF_S_I64)
            return fail_at(ctx, CX_EINVAL, k_bad_table, key, n);
        int64_t ns;
        rc = parse_duration(ctx, n, key, &ns);
        if (rc != 0)
            return rc;
        if ((f->flags & CX_CONF_F_BOUNDED) != 0u && (ns < f->i_min || ns > f->i_max))
            return fail_at(ctx, CX_ECONFIG, f->msg != NULL ? f->msg : "duration out of range",
                           key, n);
        *(int64_t *)dst = ns;
        return 0;
    }
    case CX_CONF_T_STR:
        if (f->storage != CX_CONF_S_OTHER || f->size == 0)
            return fail_at(ctx, CX_EINVAL, k_bad_table, key, n);
        return parse_str(ctx, n, key, dst, f->size, f->flags, f->msg);
    case CX_CONF_T_VENUE: {
        if (!is_int_storage(f->storage))
            return fail_at(ctx, CX_EINVAL, k_bad_table, key, n);
        enum cx_venue v;
        rc = parse_venue(ctx, n, key, f->msg, &v);
        if (rc == 0)
            put_int(dst, f->storage, false, (uint64_t)v);
        return rc;
    }
    case CX_CONF_T_ENUM: {
        if (!is_int_storage(f->storage) || f->names == NULL)
            return fail_at(ctx, CX_EINVAL, k_bad_table, key, n);
        rc = want_scalar(ctx, n, key, "expected a name");
        if (rc != 0)
            return rc;
        for (uint64_t i = 0; f->names[i] != NULL; i++) {
            if (strcmp(sval(n), f->names[i]) == 0) {
                put_int(dst, f->storage, false, i);
                return 0;
            }
        }
        return fail_at(ctx, CX_ECONFIG, f->msg != NULL ? f->msg : "not one of this key's names",
                       key, n);
    }
    case CX_CONF_T_BOOL:
        if (f->storage != CX_CONF_S_BOOL)
            return fail_at(ctx, CX_EINVAL, k_bad_table, key, n);
        rc = want_scalar(ctx, n, key, "expected true or false");
        if (rc != 0)
            return rc;
        if (is_plain(n) && strcmp(sval(n), "true") == 0)
            *(bool *)dst = true;
        else if (is_plain(n) && strcmp(sval(n), "false") == 0)
            *(bool *)dst = false;
        else
            return fail_at(ctx, CX_EPARSE, "expected true or false", key, n);
        return 0;
    case CX_CONF_T_NODE:
        if (f->size != sizeof(const struct cx_conf_node *))
            return fail_at(ctx, CX_EINVAL, k_bad_table, key, n);
        *(const struct cx_conf_node **)dst = cn(n);
        return 0;
    case CX_CONF_T_CUSTOM:
        if (f->read == NULL)
            return fail_at(ctx, CX_EINVAL, k_bad_table, key, n);
        return f->read(ctx, f, cn(n), key, obj);
    case CX_CONF_T_END:
    case CX_CONF_T_INLINE:
        break;
    }
    return fail_at(ctx, CX_EINVAL, k_bad_table, key, n);
}

/* Finds key `name` in fields, looking into inlined tables; *io_obj moves to the found field's
 * struct. NULL when the key is unknown. */
static const struct cx_conf_field *find_field(const struct cx_conf_field *fields,
                                              const char *name, void **io_obj)
{
    for (const struct cx_conf_field *f = fields; f->name != NULL; f++) {
        if (f->type == CX_CONF_T_INLINE) {
            void *sub_obj = (char *)*io_obj + f->off;
            const struct cx_conf_field *g = find_field(f->sub, name, &sub_obj);
            if (g != NULL) {
                *io_obj = sub_obj;
                return g;
            }
        } else if (strcmp(f->name, name) == 0) {
            return f;
        }
    }
    return NULL;
}

/* Reports the first CX_CONF_F_REQUIRED key of fields (and inlined tables) absent from n. */
static int check_required(struct cx_conf_ctx *ctx, const yaml_node_t *n, const char *path,
                          const struct cx_conf_field *fields)
{
    for (const struct cx_conf_field *f = fields; f->name != NULL; f++) {
        if (f->type == CX_CONF_T_INLINE) {
            int rc = check_required(ctx, n, path, f->sub);
            if (rc != 0)
                return rc;
            continue;
        }
        if ((f->flags & CX_CONF_F_REQUIRED) == 0u)
            continue;
        bool found = false;
        if (!is_null(n)) {
            for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
                 p < n->data.mapping.pairs.top && !found; p++) {
                const yaml_node_t *k = yaml_document_get_node(ctx->doc, p->key);
                found = k != NULL && k->type == YAML_SCALAR_NODE && strcmp(sval(k), f->name) == 0;
            }
        }
        if (!found) {
            char key[CONF_KEY_MAX];
            join(key, path, f->name);
            return fail_at(ctx, CX_EPARSE, "missing required key", key, n);
        }
    }
    return 0;
}

/* Walks a mapping against `fields`: unknown and duplicate keys are errors; a null value (a
 * section whose keys are all commented out) counts as an empty mapping. */
static int walk_map(struct cx_conf_ctx *ctx, const yaml_node_t *n, const char *path,
                    const struct cx_conf_field *fields, void *obj)
{
    if (fields == NULL)
        return fail_at(ctx, CX_EINVAL, k_bad_table, path, n);
    if (is_null(n))
        return check_required(ctx, n, path, fields);
    if (n->type != YAML_MAPPING_NODE)
        return fail_at(ctx, CX_EPARSE, "expected a mapping (key: value lines or {...})",
                       path[0] != '\0' ? path : "(top level)", n);
    yaml_node_pair_t *first = n->data.mapping.pairs.start;
    for (yaml_node_pair_t *pair = first; pair < n->data.mapping.pairs.top; pair++) {
        const yaml_node_t *k = yaml_document_get_node(ctx->doc, pair->key);
        const yaml_node_t *v = yaml_document_get_node(ctx->doc, pair->value);
        char key[CONF_KEY_MAX];
        if (k == NULL || v == NULL)
            return fail_at(ctx, CX_EPARSE, "malformed YAML", path, n);
        if (k->type != YAML_SCALAR_NODE)
            return fail_at(ctx, CX_EPARSE, "mapping keys must be plain names", path, k);
        join(key, path, sval(k));
        for (yaml_node_pair_t *prev = first; prev < pair; prev++) {
            const yaml_node_t *pk = yaml_document_get_node(ctx->doc, prev->key);
            if (pk != NULL && pk->type == YAML_SCALAR_NODE &&
                pk->data.scalar.length == k->data.scalar.length &&
                memcmp(pk->data.scalar.value, k->data.scalar.value, k->data.scalar.length) == 0)
                return fail_at(ctx, CX_EPARSE, "duplicate key", key, k);
        }
        void *fobj = obj;
        const struct cx_conf_field *f =
            strlen(sval(k)) == k->data.scalar.length ? find_field(fields, sval(k), &fobj) : NULL;
        if (f == NULL && ctx->skip_unknown)
            continue;
        if (f == NULL)
            return fail_at(ctx, CX_EPARSE, "unknown key", key, k);
        remember(ctx, key, v);
        int rc = read_field(ctx, f, v, key, fobj);
        if (rc != 0)
            return rc;
    }
    return check_required(ctx, n, path, fields);
}

/* ---------------------------------------------------------------------------------------------
 * MARK: documents
 * ------------------------------------------------------------------------------------------- */

/* Reports a libyaml parser failure: its problem text, with the context when there is room. */
static int parser_fail(struct cx_parse_err *err, const yaml_parser_t *parser)
{
    if (parser->error == YAML_MEMORY_ERROR)
        return cx_parse_err_set(err, CX_ENOMEM, "out of memory parsing YAML", NULL, 0);
    if (err == NULL)
        return CX_EPARSE;
    char detail[sizeof err->detail];
    const char *problem = parser->problem != NULL ? parser->problem : "unknown problem";
    if (parser->context != NULL)
        snprintf(detail, sizeof detail, "%s %s", parser->context, problem);
    else
        snprintf(detail, sizeof detail, "%s", problem);
    cx_parse_err_set(err, CX_EPARSE, "malformed YAML", detail, strlen(detail));
    if (parser->error == YAML_READER_ERROR) {
        err->line = 0; /* bad encoding or a NUL byte: libyaml only knows the byte offset */
        err->col = 0;
    } else {
        err->line = (int64_t)parser->problem_mark.line + 1;
        err->col = (int32_t)parser->problem_mark.column + 1;
    }
    return CX_EPARSE;
}

/* Parses text into doc (deleted by the caller only on success). A second document would be
 * silently ignored; it is reported instead. */
static int parse_doc(yaml_document_t *doc, const char *text, size_t len,
                     struct cx_parse_err *err)
{
    yaml_parser_t parser;
    bool have_doc = false;
    int rc = 0;
    if (!yaml_parser_initialize(&parser))
        return cx_parse_err_set(err, CX_ENOMEM, "out of memory", NULL, 0);
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(&parser, doc)) {
        rc = parser_fail(err, &parser);
        goto out;
    }
    have_doc = true;
    yaml_document_t extra;
    if (!yaml_parser_load(&parser, &extra)) {
        rc = parser_fail(err, &parser);
        goto out;
    }
    yaml_node_t *extra_root = yaml_document_get_root_node(&extra);
    if (extra_root != NULL) {
        rc = cx_parse_err_set(err, CX_EPARSE, "more than one YAML document (remove the '---' "
                                              "line)",
                              "(document)", strlen("(document)"));
        if (err != NULL) {
            err->line = (int64_t)extra_root->start_mark.line + 1;
            err->col = (int32_t)extra_root->start_mark.column + 1;
        }
    }
    yaml_document_delete(&extra);
out:
    if (rc != 0 && have_doc)
        yaml_document_delete(doc);
    yaml_parser_delete(&parser);
    return rc;
}

static void err_begin(struct cx_parse_err *err, const char *file)
{
    if (err != NULL) {
        memset(err, 0, sizeof *err);
        err->file = file;
    }
}

/* Walks `node` (NULL: nothing) of doc into a copy of obj, runs the check, copies back. */
static int load_tree(yaml_document_t *doc, const yaml_node_t *node, const char *key,
                     const struct cx_conf_field *table, void *obj, size_t obj_size,
                     const struct cx_conf_opts *opts, struct cx_parse_err *err)
{
    struct cx_conf_ctx *ctx = calloc(1, sizeof *ctx);
    void *copy = malloc(obj_size);
    int rc;
    if (ctx == NULL || copy == NULL) {
        rc = cx_parse_err_set(err, CX_ENOMEM, "out of memory", NULL, 0);
        goto out;
    }
    ctx->doc = doc;
    ctx->err = err;
    ctx->user = opts != NULL ? opts->user : NULL;
    ctx->skip_unknown = opts != NULL && opts->skip_unknown;
    memcpy(copy, obj, obj_size);
    rc = walk_map(ctx, node, key != NULL ? key : "", table, copy);
    if (rc == 0 && opts != NULL && opts->check != NULL)
        rc = opts->check(ctx, copy);
    if (rc == 0)
        memcpy(obj, copy, obj_size);
out:
    free(copy);
    free(ctx);
    return rc;
}

int cx_conf_load_string(const char *text, size_t len, const char *name,
                        const struct cx_conf_field *table, void *obj, size_t obj_size,
                        const struct cx_conf_opts *opts, struct cx_parse_err *err)
{
    err_begin(err, name != NULL ? name : "<string>");
    if ((text == NULL && len > 0) || table == NULL || obj == NULL || obj_size == 0)
        return cx_parse_err_set(err, CX_EINVAL, "invalid argument", NULL, 0);
    yaml_document_t doc;
    int rc = parse_doc(&doc, text != NULL ? text : "", len, err);
    if (rc != 0)
        return rc;
    rc = load_tree(&doc, yaml_document_get_root_node(&doc), "", table, obj, obj_size, opts, err);
    yaml_document_delete(&doc);
    return rc;
}

int cx_conf_load_file(const char *path, const struct cx_conf_field *table, void *obj,
                      size_t obj_size, const struct cx_conf_opts *opts, struct cx_parse_err *err)
{
    err_begin(err, path);
    if (path == NULL || table == NULL || obj == NULL || obj_size == 0)
        return cx_parse_err_set(err, CX_EINVAL, "invalid argument", NULL, 0);
    char *buf = NULL;
    size_t len = 0;
    int rc = cx__read_file(path, CONF_FILE_MAX_BYTES, &buf, &len, err);
    if (rc != 0)
        return rc;
    rc = cx_conf_load_string(buf, len, path, table, obj, obj_size, opts, err);
    free(buf);
    return rc;
}

int cx_conf_doc_open_string(struct cx_conf_doc **out, const char *text, size_t len,
                            const char *name, struct cx_parse_err *err)
{
    err_begin(err, name != NULL ? name : "<string>");
    if (out == NULL || (text == NULL && len > 0))
        return cx_parse_err_set(err, CX_EINVAL, "invalid argument", NULL, 0);
    struct cx_conf_doc *d = calloc(1, sizeof *d);
    if (d == NULL)
        return cx_parse_err_set(err, CX_ENOMEM, "out of memory", NULL, 0);
    int rc = parse_doc(&d->doc, text != NULL ? text : "", len, err);
    if (rc != 0) {
        free(d);
        return rc;
    }
    d->name = name != NULL ? name : "<string>";
    *out = d;
    return 0;
}

int cx_conf_doc_open_file(struct cx_conf_doc **out, const char *path, struct cx_parse_err *err)
{
    err_begin(err, path);
    if (out == NULL || path == NULL)
        return cx_parse_err_set(err, CX_EINVAL, "invalid argument", NULL, 0);
    char *buf = NULL;
    size_t len = 0;
    int rc = cx__read_file(path, CONF_FILE_MAX_BYTES, &buf, &len, err);
    if (rc != 0)
        return rc;
    rc = cx_conf_doc_open_string(out, buf, len, path, err);
    free(buf);
    return rc;
}

void cx_conf_doc_free(struct cx_conf_doc *doc)
{
    if (doc == NULL)
        return;
    yaml_document_delete(&doc->doc);
    free(doc);
}

const struct cx_conf_node *cx_conf_doc_root(const struct cx_conf_doc *doc)
{
    if (doc == NULL)
        return NULL;
    /* libyaml's accessor takes a non-const document but only reads it. */
    return cn(yaml_document_get_root_node((yaml_document_t *)&doc->doc));
}

int cx_conf_load_node(struct cx_conf_doc *doc, const struct cx_conf_node *node, const char *key,
                      const struct cx_conf_field *table, void *obj, size_t obj_size,
                      const struct cx_conf_opts *opts, struct cx_parse_err *err)
{
    err_begin(err, doc != NULL ? doc->name : NULL);
    if (doc == NULL || table == NULL || obj == NULL || obj_size == 0)
        return cx_parse_err_set(err, CX_EINVAL, "invalid argument", NULL, 0);
    return load_tree(&doc->doc, yn(node), key, table, obj, obj_size, opts, err);
}

/* ---------------------------------------------------------------------------------------------
 * MARK: inside a load
 * ------------------------------------------------------------------------------------------- */

void *cx_conf_user(const struct cx_conf_ctx *ctx)
{
    return ctx != NULL ? ctx->user : NULL;
}

struct cx_parse_err *cx_conf_err(const struct cx_conf_ctx *ctx)
{
    return ctx != NULL ? ctx->err : NULL;
}

int cx_conf_fail(struct cx_conf_ctx *ctx, int code, const char *msg, const char *key,
                 const struct cx_conf_node *node)
{
    if (ctx == NULL)
        return code;
    const char *k = key != NULL ? key : "";
    fail_at(ctx, code, msg, k, yn(node));
    if (node == NULL)
        locate(ctx);
    return code;
}

int cx_conf_locate(struct cx_conf_ctx *ctx, int rc)
{
    if (ctx != NULL && rc != 0)
        locate(ctx);
    return rc;
}

int cx_conf_want_scalar(struct cx_conf_ctx *ctx, const struct cx_conf_node *node,
                        const char *key, const char *what, const char **out_text,
                        size_t *out_len)
{
    if (ctx == NULL || key == NULL || what == NULL || out_text == NULL)
        return CX_EINVAL;
    if (node == NULL)
        return fail_at(ctx, CX_EPARSE, what, key, NULL);
    int rc = want_scalar(ctx, yn(node), key, what);
    if (rc != 0)
        return rc;
    *out_text = sval(yn(node));
    if (out_len != NULL)
        *out_len = yn(node)->data.scalar.length;
    return 0;
}

void cx_conf_remember(struct cx_conf_ctx *ctx, const char *key, const struct cx_conf_node *node)
{
    if (ctx != NULL && key != NULL && node != NULL)
        remember(ctx, key, yn(node));
}

int cx_conf_read_value(struct cx_conf_ctx *ctx, const struct cx_conf_node *value,
                       const char *key, const struct cx_conf_field *f, void *obj)
{
    if (ctx == NULL || value == NULL || key == NULL || f == NULL || obj == NULL)
        return CX_EINVAL;
    return read_field(ctx, f, yn(value), key, obj);
}

int cx_conf_read_node(struct cx_conf_ctx *ctx, const struct cx_conf_node *node, const char *key,
                      const struct cx_conf_field *table, void *obj)
{
    if (ctx == NULL || key == NULL || table == NULL || obj == NULL)
        return CX_EINVAL;
    return walk_map(ctx, yn(node), key, table, obj);
}

enum cx_conf_node_kind cx_conf_node_kind(const struct cx_conf_node *node)
{
    const yaml_node_t *n = yn(node);
    if (is_null(n))
        return CX_CONF_NODE_NULL;
    switch (n->type) {
    case YAML_MAPPING_NODE: return CX_CONF_NODE_MAP;
    case YAML_SEQUENCE_NODE: return CX_CONF_NODE_SEQ;
    default: return CX_CONF_NODE_SCALAR;
    }
}

const char *cx_conf_node_text(const struct cx_conf_node *node, size_t *out_len)
{
    const yaml_node_t *n = yn(node);
    if (n == NULL || n->type != YAML_SCALAR_NODE)
        return NULL;
    if (out_len != NULL)
        *out_len = n->data.scalar.length;
    return sval(n);
}

uint32_t cx_conf_node_count(const struct cx_conf_node *node)
{
    const yaml_node_t *n = yn(node);
    if (n == NULL)
        return 0;
    if (n->type == YAML_SEQUENCE_NODE)
        return (uint32_t)(n->data.sequence.items.top - n->data.sequence.items.start);
    if (n->type == YAML_MAPPING_NODE)
        return (uint32_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
    return 0;
}

const struct cx_conf_node *cx_conf_node_item(const struct cx_conf_ctx *ctx,
                                             const struct cx_conf_node *seq, uint32_t i)
{
    const yaml_node_t *n = yn(seq);
    if (ctx == NULL || n == NULL || n->type != YAML_SEQUENCE_NODE ||
        i >= cx_conf_node_count(seq))
        return NULL;
    return cn(yaml_document_get_node(ctx->doc, n->data.sequence.items.start[i]));
}

void cx_conf_node_pair(const struct cx_conf_ctx *ctx, const struct cx_conf_node *map, uint32_t i,
                       const struct cx_conf_node **out_key, const struct cx_conf_node **out_value)
{
    const yaml_node_t *n = yn(map);
    const yaml_node_t *k = NULL, *v = NULL;
    if (ctx != NULL && n != NULL && n->type == YAML_MAPPING_NODE &&
        i < cx_conf_node_count(map)) {
        k = yaml_document_get_node(ctx->doc, n->data.mapping.pairs.start[i].key);
        v = yaml_document_get_node(ctx->doc, n->data.mapping.pairs.start[i].value);
    }
    if (out_key != NULL)
        *out_key = cn(k);
    if (out_value != NULL)
        *out_value = cn(v);
}

/* The pair of `map` whose key reads `name`: its key (want_key) or its value; NULL when none. */
static const struct cx_conf_node *find_pair(const struct cx_conf_ctx *ctx,
                                            const struct cx_conf_node *map, const char *name,
                                            bool want_key)
{
    uint32_t n = cx_conf_node_count(map);
    for (uint32_t i = 0; name != NULL && i < n; i++) {
        const struct cx_conf_node *k, *v;
        cx_conf_node_pair(ctx, map, i, &k, &v);
        const char *text = cx_conf_node_text(k, NULL);
        if (text != NULL && strcmp(text, name) == 0)
            return want_key ? k : v;
    }
    return NULL;
}

const struct cx_conf_node *cx_conf_node_key(const struct cx_conf_ctx *ctx,
                                            const struct cx_conf_node *map, const char *name)
{
    return find_pair(ctx, map, name, true);
}

const struct cx_conf_node *cx_conf_node_get(const struct cx_conf_ctx *ctx,
                                            const struct cx_conf_node *map, const char *name)
{
    return find_pair(ctx, map, name, false);
}

/* ---------------------------------------------------------------------------------------------
 * MARK: rendering as JSON
 * ------------------------------------------------------------------------------------------- */

static void json_put(struct cx_conf_json *j, const char *s, size_t n)
{
    if (j->is_full)
        return;
    if (j->cap == 0 || n > j->cap - 1u - j->len) {
        j->is_full = true;
        return;
    }
    memcpy(j->buf + j->len, s, n);
    j->len += n;
    j->buf[j->len] = '\0';
}

static void json_sep(struct cx_conf_json *j)
{
    if (j->need_comma)
        json_put(j, ",", 1);
}

void cx_conf_json_key(struct cx_conf_json *out, const char *name)
{
    cx_conf_json_str(out, name, strlen(name));
    json_put(out, ":", 1);
    out->need_comma = false;
}

void cx_conf_json_open(struct cx_conf_json *out, char bracket)
{
    json_sep(out);
    json_put(out, &bracket, 1);
    out->need_comma = false;
}

void cx_conf_json_close(struct cx_conf_json *out, char bracket)
{
    json_put(out, &bracket, 1);
    out->need_comma = true;
}

void cx_conf_json_raw(struct cx_conf_json *out, const char *text)
{
    json_sep(out);
    json_put(out, text, strlen(text));
    out->need_comma = true;
}

/* Length of the UTF-8 sequence at s[0..n) and its code point, or 0 when it is not valid
 * (truncated, a bad continuation byte, an overlong form, a surrogate, beyond U+10FFFF). */
static size_t utf8_next(const unsigned char *s, size_t n, uint32_t *out_cp)
{
    size_t len = s[0] >= 0xf0 ? 4u : s[0] >= 0xe0 ? 3u : s[0] >= 0xc0 ? 2u : 0u;
    if (len == 0 || len > n || s[0] >= 0xf8)
        return 0;
    uint32_t cp = s[0] & (0x7fu >> len);
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0u) != 0x80u)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3fu);
    }
    static const uint32_t k_min[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < k_min[len] || cp > 0x10ffffu || (cp >= 0xd800u && cp <= 0xdfffu))
        return 0;
    *out_cp = cp;
    return len;
}

/* A JSON string that YAML also reads back to the same bytes: characters outside YAML's
 * printable set (C0 and C1 controls, DEL, U+FFFE, U+FFFF; YAML 1.1 section 5.1) are written as
 * \u escapes, the rest as they are; bytes that are not UTF-8 (which no YAML file can hold)
 * become U+FFFD. */
void cx_conf_json_str(struct cx_conf_json *out, const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    json_sep(out);
    json_put(out, "\"", 1);
    for (size_t i = 0; i < n;) {
        char esc[8];
        if (u[i] == '"' || u[i] == '\\') {
            esc[0] = '\\';
            esc[1] = (char)u[i];
            json_put(out, esc, 2);
            i++;
            continue;
        }
        if (u[i] < 0x80u) {
            if (u[i] < 0x20u || u[i] == 0x7fu) {
                snprintf(esc, sizeof esc, "\\u%04x", (unsigned)u[i]);
                json_put(out, esc, 6);
            } else {
                json_put(out, s + i, 1);
            }
            i++;
            continue;
        }
        uint32_t cp = 0;
        size_t len = utf8_next(u + i, n - i, &cp);
        if (len == 0) {
            json_put(out, "\\ufffd", 6);
            i++;
        } else if (cp <= 0x9fu || cp == 0xfffeu || cp == 0xffffu) {
            snprintf(esc, sizeof esc, "\\u%04x", (unsigned)cp);
            json_put(out, esc, 6);
            i += len;
        } else {
            json_put(out, s + i, len);
            i += len;
        }
    }
    json_put(out, "\"", 1);
    out->need_comma = true;
}

/* The shortest %.Ng (N <= 17) that reads back to the same double: 17 significant digits
 * always do (IEEE 754 binary64, DBL_DECIMAL_DIG), fewer are tried first for readability.
 * Whole numbers below 2^53 are written without an exponent ("50000", not "5e+04"). */
static void fmt_double(double v, char *buf, size_t cap)
{
    if (v == floor(v) && fabs(v) < 9007199254740992.0) {
        snprintf(buf, cap, "%.0f", v);
        return;
    }
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, cap, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            return;
    }
}

/* A duration in the largest unit that divides it exactly ("1500ms", "90m", "0s"). */
static void fmt_duration(int64_t ns, char *buf, size_t cap)
{
    size_t best = 0; /* index of "ns" */
    for (size_t i = 0; i < sizeof k_units / sizeof k_units[0]; i++) {
        if (ns % k_units[i].ns == 0)
            best = i;
    }
    if (ns == 0)
        best = 3; /* "0s" reads better than "0h" */
    snprintf(buf, cap, "%" PRId64 "%s", ns / k_units[best].ns, k_units[best].name);
}

static void render_members(struct cx_conf_json *j, const struct cx_conf_field *fields,
                           const void *obj);

void cx_conf_json_value(struct cx_conf_json *out, const struct cx_conf_field *f,
                        const void *obj)
{
    const void *src = (const char *)obj + f->off;
    char text[64];
    switch ((enum cx_conf_type)f->type) {
    case CX_CONF_T_SECTION:
        cx_conf_json_open(out, '{');
        render_members(out, f->sub, src);
        cx_conf_json_close(out, '}');
        return;
    case CX_CONF_T_INLINE:
        render_members(out, f->sub, src);
        return;
    case CX_CONF_T_SEQ: {
        uint32_t count;
        memcpy(&count, (const char *)obj + f->count_off, sizeof count);
        cx_conf_json_open(out, '[');
        for (uint32_t i = 0; f->cap > 0 && i < count && i < f->cap; i++) {
            cx_conf_json_open(out, '{');
            render_members(out, f->sub, (const char *)src + (size_t)i * f->size);
            cx_conf_json_close(out, '}');
        }
        cx_conf_json_close(out, ']');
        return;
    }
    case CX_CONF_T_INT:
        if (f->storage == CX_CONF_S_U64)
            snprintf(text, sizeof text, "%" PRIu64, *(const uint64_t *)src);
        else
            snprintf(text, sizeof text, "%" PRId64, get_int(src, f->storage));
        cx_conf_json_raw(out, text);
        return;
    case CX_CONF_T_F64: {
        double v = *(const double *)src;
        if (!isfinite(v)) {
            cx_conf_json_raw(out, "null");
            return;
        }
        fmt_double(v, text, sizeof text);
        cx_conf_json_raw(out, text);
        return;
    }
    case CX_CONF_T_DEC:
        if (f->storage == CX_CONF_S_I64) {
            if (cx_dec_format(*(const int64_t *)src, f->exp, CX_DEC_TRIM, text, sizeof text) < 0)
                snprintf(text, sizeof text, "%" PRId64 "e%d", *(const int64_t *)src, f->exp);
        } else {
            /* The double was read from a decimal at exp: give that decimal back when the
             * nearest mantissa reproduces the double, else the shortest round-trip text. */
            double v = *(const double *)src;
            if (!isfinite(v)) {
                cx_conf_json_raw(out, "null");
                return;
            }
            double scaled = v / cx_dec_to_double(1, f->exp);
            int64_t m = fabs(scaled) < 9.2e18 ? (int64_t)llround(scaled) : 0;
            if (cx_dec_to_double(m, f->exp) != v ||
                cx_dec_format(m, f->exp, CX_DEC_TRIM, text, sizeof text) < 0)
                fmt_double(v, text, sizeof text);
        }
        cx_conf_json_str(out, text, strlen(text));
        return;
    case CX_CONF_T_DUR:
        fmt_duration(*(const int64_t *)src, text, sizeof text);
        cx_conf_json_str(out, text, strlen(text));
        return;
    case CX_CONF_T_STR:
        cx_conf_json_str(out, src, strnlen(src, f->size));
        return;
    case CX_CONF_T_VENUE: {
        const char *name = cx_venue_name((enum cx_venue)get_int(src, f->storage));
        cx_conf_json_str(out, name, strlen(name));
        return;
    }
    case CX_CONF_T_ENUM: {
        int64_t v = get_int(src, f->storage);
        for (int64_t i = 0; f->names != NULL && f->names[i] != NULL; i++) {
            if (i == v) {
                cx_conf_json_str(out, f->names[i], strlen(f->names[i]));
                return;
            }
        }
        cx_conf_json_raw(out, "null");
        return;
    }
    case CX_CONF_T_BOOL:
        cx_conf_json_raw(out, *(const bool *)src ? "true" : "false");
        return;
    case CX_CONF_T_CUSTOM:
        if (f->json != NULL) {
            f->json(out, f, obj);
            return;
        }
        break;
    case CX_CONF_T_NODE:
    case CX_CONF_T_END:
        break;
    }
    cx_conf_json_raw(out, "null");
}

/* Is the field left out of the rendering? */
static bool is_hidden(const struct cx_conf_field *f)
{
    return f->type == CX_CONF_T_NODE || (f->type == CX_CONF_T_CUSTOM && f->json == NULL) ||
           (f->type == CX_CONF_T_SEQ && f->cap == 0);
}

static void render_members(struct cx_conf_json *j, const struct cx_conf_field *fields,
                           const void *obj)
{
    for (const struct cx_conf_field *f = fields; f != NULL && f->name != NULL; f++) {
        if (f->type == CX_CONF_T_INLINE) {
            render_members(j, f->sub, (const char *)obj + f->off);
            continue;
        }
        if (is_hidden(f))
            continue;
        cx_conf_json_key(j, f->name);
        cx_conf_json_value(j, f, obj);
    }
}

int cx_conf_to_json(const struct cx_conf_field *table, const void *obj, char *buf, size_t cap)
{
    if (table == NULL || obj == NULL || buf == NULL)
        return CX_EINVAL;
    struct cx_conf_json j = {.buf = buf, .cap = cap, .len = 0};
    if (cap > 0)
        buf[0] = '\0';
    cx_conf_json_open(&j, '{');
    render_members(&j, table, obj);
    cx_conf_json_close(&j, '}');
    if (j.is_full || j.len > (size_t)INT_MAX)
        return CX_ENOSPC;
    return (int)j.len;
}
