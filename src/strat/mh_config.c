/* SPDX-License-Identifier: MIT */
/*
 * maker_hedge configuration file: defaults (cx_mh_config_default) and the YAML loader
 * (cx_mh_config_load) for `cexarb backtest CONFIG`. Schema and every key's unit, default and
 * range: docs/config/maker_hedge.md; the full default file: configs/maker_hedge.yaml.
 *
 * The loader uses libyaml's document API (yaml_parser_load) rather than a libcyaml schema: every
 * node carries its line and column, so each report points at the offending key or value without
 * a second parse, every key is optional without per-field "present" flags, and values such as
 * durations ("100ms"), decimal money ("0.01") and latency models (a duration or a mapping) are
 * read from their source text, never through a float. The tree is walked against static field
 * tables. The file is applied over *c as the caller filled it (normally with
 * cx_mh_config_default), in a working copy that is copied back only when the whole file is valid,
 * so a rejected file leaves the caller's config untouched.
 *
 * Error classes (err->detail is always the full dotted key, e.g. "breaker.correlation_min"):
 *  - CX_ENOENT: the config file, a backtest file or the instruments file does not exist;
 *  - CX_EPARSE: not YAML, unknown or duplicate key (position of the key), a value of the wrong
 *    type or syntax, such as a mapping for a number or "5 sec" for a duration (position of the
 *    value);
 *  - CX_ECONFIG: a well-formed value out of its range or not in its set of names (position of the
 *    value; msg names the key and the allowed range).
 */
#include "cexarb/maker_hedge.h"

#include "cexarb/instrument.h"

#include <yaml.h>

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

__extension__ typedef __int128 mh_i128;

/* Bounds of the backtest keys that are not part of cx_mh_params (see docs/config). */
#define MH_LATENCY_MAX_NS (60 * CX_NS_PER_S) /* a minute of order latency is already absurd */
#define MH_LEVERAGE_MAX 200u                 /* highest leverage any supported venue offers */
#define MH_QUEUE_POWER_MAX 10.0              /* f(x) = x^n: n beyond 10 is a step function */
#define MH_KEY_MAX 128                       /* longest dotted key path kept */
#define MH_POS_MAX 256                       /* keys whose positions are remembered */

#ifndef CX_DATA_DIR
#define CX_DATA_DIR "data"
#endif

/* ---------------------------------------------------------------------------------------------
 * MARK: defaults
 * ------------------------------------------------------------------------------------------- */

/* data_dir without trailing slashes: its length (NULL means the build's data directory). */
static size_t data_dir_len(const char **data_dir)
{
    if (*data_dir == NULL || (*data_dir)[0] == '\0')
        *data_dir = CX_DATA_DIR;
    size_t n = strlen(*data_dir);
    while (n > 1 && (*data_dir)[n - 1] == '/')
        n--;
    return n;
}

/* Adds an account for `venue` with leverage; returns it (the table has room: callers add two). */
static struct cx_account *add_account(struct cx_sim_cfg *sim, enum cx_venue venue,
                                      uint32_t leverage)
{
    struct cx_account *a = &sim->accounts[sim->n_accounts++];
    memset(a, 0, sizeof *a);
    a->venue = (uint8_t)venue;
    a->leverage = leverage;
    return a;
}

static void set_balance(struct cx_account *a, const char *asset, int64_t amount)
{
    struct cx_balance *b = cx_account_balance(a, asset);
    if (b != NULL)
        b->total = amount;
}

void cx_mh_config_default(struct cx_mh_config *c, const char *data_dir)
{
    /* 10^8 units of an asset at CX_NOTIONAL_EXP (-8) make one whole unit. */
    static const int64_t one = INT64_C(100000000);
    size_t dn = data_dir_len(&data_dir);

    memset(c, 0, sizeof *c);
    cx_mh_params_default(&c->params);
    c->n_files = 2;
    snprintf(c->files[0], sizeof c->files[0], "%.*s/binance/spot/btcusdt_20240808.gz", (int)dn,
             data_dir);
    snprintf(c->files[1], sizeof c->files[1], "%.*s/binance/usdm/btcusdt_20240808.gz", (int)dn,
             data_dir);

    c->sim.entry.kind = CX_LAT_CONSTANT;
    c->sim.entry.a_ns = 5 * CX_NS_PER_MS;
    c->sim.entry.b_ns = 5 * CX_NS_PER_MS;
    c->sim.response = c->sim.entry;
    c->sim.seed = 1u;
    c->sim.queue_model = CX_QUEUE_RISK_AVERSE;
    c->sim.queue_power = 2.0;
    struct cx_account *spot = add_account(&c->sim, CX_VENUE_BINANCE_SPOT, 1u);
    set_balance(spot, "BTC", one / 100); /* 0.01 BTC */
    set_balance(spot, "USDT", 2000 * one);
    struct cx_account *perp = add_account(&c->sim, CX_VENUE_BINANCE_USDM, 5u);
    set_balance(perp, "USDT", 2000 * one);

    memcpy(c->session_root, "sessions", sizeof "sessions");
    c->funding = false; /* no funding unless backtest.funding is given */
    c->funding_rate_ppb = 0;
    c->funding_interval_ns = 8 * 3600 * CX_NS_PER_S;
    c->funding_first_ns = 0; /* 00:00 UTC of any day: the schedule is k * interval from it */
    c->funding_file[0] = '\0';
    c->instruments[0] = '\0';
}

/* ---------------------------------------------------------------------------------------------
 * MARK: loader state and error reports
 * ------------------------------------------------------------------------------------------- */

/* Where a key's value was in the file, for reports made after the walk (range checks). */
struct key_pos {
    char key[MH_KEY_MAX]; /* full dotted key, NUL-terminated */
    int64_t line;         /* 1-based */
    int32_t col;          /* 1-based */
};

struct ld {
    yaml_document_t doc;         /* the parsed file */
    struct cx_mh_config cfg;     /* working copy: caller's config overlaid with the file */
    struct cx_parse_err *err;    /* optional report */
    const char *data_dir;        /* borrowed: resolves "data/..." paths */
    size_t data_dir_len;         /* data_dir without trailing slashes */
    uint32_t n_pos;              /* entries in pos */
    struct key_pos pos[MH_POS_MAX];
};

/* Records an error at a node (node NULL: no position). */
static int fail_at(struct ld *ld, int code, const char *msg, const char *key,
                   const yaml_node_t *node)
{
    if (ld->err == NULL)
        return code;
    cx_parse_err_set(ld->err, code, msg, key, strlen(key));
    if (node != NULL) {
        ld->err->line = (int64_t)node->start_mark.line + 1;
        ld->err->col = (int32_t)node->start_mark.column + 1;
    }
    return code;
}

/* Sets the position of an error reported after the walk from the remembered key positions. */
static void locate(struct ld *ld)
{
    if (ld->err == NULL)
        return;
    ld->err->line = 0;
    ld->err->col = 0;
    for (uint32_t i = 0; i < ld->n_pos; i++) {
        if (strcmp(ld->pos[i].key, ld->err->detail) == 0) {
            ld->err->line = ld->pos[i].line;
            ld->err->col = ld->pos[i].col;
            return;
        }
    }
}

static void remember(struct ld *ld, const char *key, const yaml_node_t *value)
{
    if (ld->n_pos == MH_POS_MAX)
        return; /* best effort: a later report about this key just has no position */
    struct key_pos *p = &ld->pos[ld->n_pos++];
    snprintf(p->key, sizeof p->key, "%s", key);
    p->line = (int64_t)value->start_mark.line + 1;
    p->col = (int32_t)value->start_mark.column + 1;
}

/* out = path + "." + name (or name at the top level), truncated to MH_KEY_MAX. */
static void join(char *out, const char *path, const char *name)
{
    if (path[0] == '\0')
        snprintf(out, MH_KEY_MAX, "%s", name);
    else
        snprintf(out, MH_KEY_MAX, "%s.%s", path, name);
}

static void join_index(char *out, const char *path, long idx)
{
    snprintf(out, MH_KEY_MAX, "%s[%ld]", path, idx);
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

/* YAML's null: an empty plain value, "~" or "null". */
static bool is_null(const yaml_node_t *n)
{
    if (!is_plain(n))
        return false;
    const char *s = sval(n);
    return s[0] == '\0' || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 ||
           strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0;
}

/* A scalar whose text has no NUL byte inside (a double-quoted "\0" would cut a C string). */
static int want_scalar(struct ld *ld, const yaml_node_t *n, const char *key, const char *what)
{
    if (n->type != YAML_SCALAR_NODE || is_null(n))
        return fail_at(ld, CX_EPARSE, what, key, n);
    if (strlen(sval(n)) != n->data.scalar.length)
        return fail_at(ld, CX_EPARSE, "value contains a NUL byte", key, n);
    return 0;
}

/*
 * An integer: a plain scalar -?digits. Values beyond int64 saturate: every integer key has a
 * range well inside int64 (and inside its C type once stored, see store_u32/store_i32), so a
 * saturated value is reported by the range check with the key's allowed range.
 */
static int parse_int(struct ld *ld, const yaml_node_t *n, const char *key, int64_t *out)
{
    static const char what[] = "expected an integer (digits with an optional leading '-')";
    int rc = want_scalar(ld, n, key, what);
    if (rc != 0)
        return rc;
    const char *s = sval(n);
    size_t i = s[0] == '-' ? 1u : 0u;
    if (!is_plain(n) || s[i] == '\0')
        return fail_at(ld, CX_EPARSE, what, key, n);
    for (size_t j = i; s[j] != '\0'; j++) {
        if (s[j] < '0' || s[j] > '9')
            return fail_at(ld, CX_EPARSE, what, key, n);
    }
    errno = 0;
    long long v = strtoll(s, NULL, 10); /* errno ERANGE: v is already LLONG_MIN/MAX */
    *out = (int64_t)v;
    return 0;
}

/* A number: a plain scalar with the project's decimal grammar -?digits[.digits][e[+-]digits]
 * (cx_dec_decimals), converted with strtod (correctly rounded, as the C literals of the defaults
 * are, so "0.6" in the file equals 0.6 in code). Infinity from "1e999" fails the range checks. */
static int parse_f64(struct ld *ld, const yaml_node_t *n, const char *key, double *out)
{
    static const char what[] = "expected a number (-?digits[.digits][e[+-]digits])";
    int rc = want_scalar(ld, n, key, what);
    if (rc != 0)
        return rc;
    int decimals;
    if (!is_plain(n) || cx_dec_decimals(sval(n), n->data.scalar.length, &decimals, NULL) != 0)
        return fail_at(ld, CX_EPARSE, what, key, n);
    *out = strtod(sval(n), NULL);
    return 0;
}

/* An amount of money or an asset: a decimal text, quoted or not, exact at CX_NOTIONAL_EXP. */
static int parse_money(struct ld *ld, const yaml_node_t *n, const char *key, int64_t *out)
{
    static const char what[] = "expected a decimal amount such as \"2000\" or \"0.01\"";
    int rc = want_scalar(ld, n, key, what);
    if (rc != 0)
        return rc;
    rc = cx_dec_parse(sval(n), n->data.scalar.length, CX_NOTIONAL_EXP, out);
    if (rc == CX_EPRECISION)
        return fail_at(ld, CX_ECONFIG, "amount has more than 8 decimals", key, n);
    if (rc == CX_EOVERFLOW)
        return fail_at(ld, CX_ECONFIG, "amount too large (at most 92233720368.54775807)", key,
                       n);
    if (rc != 0)
        return fail_at(ld, CX_EPARSE, what, key, n);
    return 0;
}

/*
 * A duration: <decimal><unit> with no space, unit ns, us, ms, s, m (minutes) or h, converted
 * exactly to int64 ns ("1.5s" = 1500000000; "0.5ns" is not a whole number of ns and is
 * rejected, as is anything beyond int64). A bare number has no unit and is rejected: "30" could
 * mean seconds or milliseconds. Negative values parse and then fail the key's range check.
 */
static int parse_duration(struct ld *ld, const yaml_node_t *n, const char *key, int64_t *out)
{
    static const char what[] =
        "expected a duration: a number and a unit ns, us, ms, s, m or h (\"100ms\")";
    static const struct {
        const char *name;
        int64_t ns;
    } units[] = {
        {"ns", 1},
        {"us", CX_NS_PER_US},
        {"ms", CX_NS_PER_MS},
        {"s", CX_NS_PER_S},
        {"m", 60 * CX_NS_PER_S},
        {"h", 3600 * CX_NS_PER_S},
    };
    int rc = want_scalar(ld, n, key, what);
    if (rc != 0)
        return rc;
    const char *s = sval(n);
    size_t len = n->data.scalar.length;
    size_t num_len = len;
    while (num_len > 0 && s[num_len - 1] >= 'a' && s[num_len - 1] <= 'z')
        num_len--;
    const char *unit = s + num_len;
    int64_t unit_ns = 0;
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (strcmp(unit, units[i].name) == 0)
            unit_ns = units[i].ns;
    }
    int decimals;
    if (unit_ns == 0 || num_len == 0 || cx_dec_decimals(s, num_len, &decimals, NULL) != 0)
        return fail_at(ld, CX_EPARSE, what, key, n);
    static const char range[] = "duration is not a whole number of nanoseconds within +/-292 "
                                "years";
    int64_t m;
    if (decimals > -CX_DEC_EXP_MIN || cx_dec_parse(s, num_len, -decimals, &m) != 0)
        return fail_at(ld, CX_ECONFIG, range, key, n);
    /* value = m / 10^decimals units; m (< 2^63) x unit_ns (< 2^42) fits 128 bits. */
    mh_i128 scaled = (mh_i128)m * unit_ns;
    mh_i128 div = (mh_i128)cx_pow10_i64(decimals);
    if (scaled % div != 0 || scaled / div > INT64_MAX || scaled / div < INT64_MIN)
        return fail_at(ld, CX_ECONFIG, range, key, n);
    *out = (int64_t)(scaled / div);
    return 0;
}

/* Copies a scalar's text into dst[cap] (empty allowed; range checks come later). */
static int parse_str(struct ld *ld, const yaml_node_t *n, const char *key, char *dst, size_t cap)
{
    if (n->type != YAML_SCALAR_NODE)
        return fail_at(ld, CX_EPARSE, "expected a string", key, n);
    size_t len = n->data.scalar.length;
    if (strlen(sval(n)) != len)
        return fail_at(ld, CX_EPARSE, "value contains a NUL byte", key, n);
    if (is_null(n))
        len = 0;
    if (len >= cap)
        return fail_at(ld, CX_ECONFIG, "string too long for this key (see the docs)", key, n);
    memcpy(dst, sval(n), len);
    dst[len] = '\0';
    return 0;
}

static int parse_venue(struct ld *ld, const yaml_node_t *n, const char *key, enum cx_venue *out)
{
    int rc = want_scalar(ld, n, key, "expected a venue name");
    if (rc != 0)
        return rc;
    if (cx_venue_parse(sval(n), n->data.scalar.length, out) != 0)
        return fail_at(ld, CX_ECONFIG,
                       "unknown venue (binance_spot, binance_usdm, gate_spot, gate_futures, "
                       "mexc_spot, hyperliquid)",
                       key, n);
    return 0;
}

/* Resolves a path from the file: "data/..." against data_dir, others as written. */
static int resolve_path(struct ld *ld, const yaml_node_t *n, const char *key, char *dst,
                        size_t cap)
{
    char raw[sizeof ld->cfg.files[0]];
    int rc = parse_str(ld, n, key, raw, sizeof raw);
    if (rc != 0)
        return rc;
    if (raw[0] == '\0')
        return fail_at(ld, CX_ECONFIG, "path must not be empty", key, n);
    int w;
    if (strncmp(raw, "data/", 5) == 0)
        w = snprintf(dst, cap, "%.*s/%s", (int)ld->data_dir_len, ld->data_dir, raw + 5);
    else
        w = snprintf(dst, cap, "%s", raw);
    if (w < 0 || (size_t)w >= cap)
        return fail_at(ld, CX_ECONFIG, "path too long once resolved (at most 511 bytes)", key, n);
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: field tables
 * ------------------------------------------------------------------------------------------- */

enum ftype {
    F_SECTION, /* a mapping described by `sub` */
    F_U32,     /* integer into uint32_t */
    F_I32,     /* integer into int32_t */
    F_U64,     /* non-negative integer into uint64_t */
    F_F64,     /* number into double */
    F_MONEY,   /* decimal amount into double (exact text, 8 decimals at most) */
    F_DUR,     /* duration into int64_t ns */
    F_STR,     /* string into char[cap] */
    F_VENUE,   /* venue name into uint8_t */
    F_CUSTOM,  /* handled by fn */
};

struct field;
typedef int (*field_fn)(struct ld *ld, const struct field *f, yaml_node_t *n, const char *key);

struct field {
    const char *name;         /* key in the mapping */
    enum ftype type;          /* how the value is read */
    size_t off;               /* offset of the target in struct cx_mh_config */
    size_t cap;               /* F_STR: size of the target array */
    const struct field *sub;  /* F_SECTION: fields of the mapping, ending with name NULL */
    field_fn fn;              /* F_CUSTOM */
};

#define CFG_OFF(member) offsetof(struct cx_mh_config, member)
#define FLD(name, type, member) {name, type, CFG_OFF(member), 0, NULL, NULL}
#define FSTR(name, member)                                                                     \
    {name, F_STR, CFG_OFF(member), sizeof(((struct cx_mh_config *)0)->member), NULL, NULL}
#define FSEC(name, sub) {name, F_SECTION, 0, 0, sub, NULL}
#define FFN(name, fn, member) {name, F_CUSTOM, CFG_OFF(member), 0, NULL, fn}
#define FEND {NULL, F_SECTION, 0, 0, NULL, NULL}

static int walk_map(struct ld *ld, yaml_node_t *n, const char *path, const struct field *fields);

static void *target(struct ld *ld, const struct field *f)
{
    return (char *)&ld->cfg + f->off;
}

/* Stores a saturated integer: out-of-type values become a bound outside every key's range. */
static void store_u32(uint32_t *dst, int64_t v)
{
    *dst = v < 0 ? 0u : v > (int64_t)UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

static void store_i32(int32_t *dst, int64_t v)
{
    *dst = v < INT32_MIN ? INT32_MIN : v > INT32_MAX ? INT32_MAX : (int32_t)v;
}

static int read_field(struct ld *ld, const struct field *f, yaml_node_t *n, const char *key)
{
    int rc = 0;
    int64_t i64;
    double f64;
    switch (f->type) {
    case F_SECTION:
        return walk_map(ld, n, key, f->sub);
    case F_U32:
        rc = parse_int(ld, n, key, &i64);
        if (rc == 0)
            store_u32(target(ld, f), i64);
        return rc;
    case F_I32:
        rc = parse_int(ld, n, key, &i64);
        if (rc == 0)
            store_i32(target(ld, f), i64);
        return rc;
    case F_U64: {
        rc = parse_int(ld, n, key, &i64);
        if (rc != 0)
            return rc;
        errno = 0;
        unsigned long long v = strtoull(sval(n), NULL, 10);
        if (sval(n)[0] == '-' || errno == ERANGE)
            return fail_at(ld, CX_ECONFIG, "backtest.seed must be in [0, 18446744073709551615]",
                           key, n);
        *(uint64_t *)target(ld, f) = (uint64_t)v;
        return 0;
    }
    case F_F64:
        rc = parse_f64(ld, n, key, &f64);
        if (rc == 0)
            *(double *)target(ld, f) = f64;
        return rc;
    case F_MONEY:
        rc = parse_money(ld, n, key, &i64);
        if (rc == 0)
            *(double *)target(ld, f) = cx_dec_to_double(i64, CX_NOTIONAL_EXP);
        return rc;
    case F_DUR:
        rc = parse_duration(ld, n, key, &i64);
        if (rc == 0)
            *(int64_t *)target(ld, f) = i64;
        return rc;
    case F_STR:
        return parse_str(ld, n, key, target(ld, f), f->cap);
    case F_VENUE: {
        enum cx_venue v;
        rc = parse_venue(ld, n, key, &v);
        if (rc == 0)
            *(uint8_t *)target(ld, f) = (uint8_t)v;
        return rc;
    }
    case F_CUSTOM:
        return f->fn(ld, f, n, key);
    }
    return CX_EINVAL;
}

/* Walks a mapping against `fields`: unknown and duplicate keys are errors; a null value (a
 * section whose keys are all commented out) counts as an empty mapping. */
static int walk_map(struct ld *ld, yaml_node_t *n, const char *path, const struct field *fields)
{
    if (is_null(n))
        return 0;
    if (n->type != YAML_MAPPING_NODE)
        return fail_at(ld, CX_EPARSE, "expected a mapping (key: value lines or {...})",
                       path[0] != '\0' ? path : "(top level)", n);
    yaml_node_pair_t *first = n->data.mapping.pairs.start;
    for (yaml_node_pair_t *pair = first; pair < n->data.mapping.pairs.top; pair++) {
        yaml_node_t *k = yaml_document_get_node(&ld->doc, pair->key);
        yaml_node_t *v = yaml_document_get_node(&ld->doc, pair->value);
        char key[MH_KEY_MAX];
        if (k == NULL || v == NULL)
            return fail_at(ld, CX_EPARSE, "malformed YAML", path, n);
        if (k->type != YAML_SCALAR_NODE)
            return fail_at(ld, CX_EPARSE, "mapping keys must be plain names", path, k);
        join(key, path, sval(k));
        for (yaml_node_pair_t *prev = first; prev < pair; prev++) {
            yaml_node_t *pk = yaml_document_get_node(&ld->doc, prev->key);
            if (pk != NULL && pk->type == YAML_SCALAR_NODE &&
                pk->data.scalar.length == k->data.scalar.length &&
                memcmp(pk->data.scalar.value, k->data.scalar.value, k->data.scalar.length) == 0)
                return fail_at(ld, CX_EPARSE, "duplicate key", key, k);
        }
        const struct field *f = fields;
        while (f->name != NULL && strcmp(f->name, sval(k)) != 0)
            f++;
        if (f->name == NULL)
            return fail_at(ld, CX_EPARSE, "unknown key", key, k);
        remember(ld, key, v);
        int rc = read_field(ld, f, v, key);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: custom keys
 * ------------------------------------------------------------------------------------------- */

static int key_strategy(struct ld *ld, const struct field *f, yaml_node_t *n, const char *key)
{
    (void)f;
    int rc = want_scalar(ld, n, key, "expected a strategy name");
    if (rc != 0)
        return rc;
    if (strcmp(sval(n), "maker_hedge") != 0)
        return fail_at(ld, CX_ECONFIG, "strategy must be maker_hedge (this file's schema)", key,
                       n);
    return 0;
}

static int key_instruments(struct ld *ld, const struct field *f, yaml_node_t *n, const char *key)
{
    char *dst = target(ld, f);
    if (n->type == YAML_SCALAR_NODE && (is_null(n) || n->data.scalar.length == 0)) {
        dst[0] = '\0'; /* "": the bundled instruments only */
        return 0;
    }
    return resolve_path(ld, n, key, dst, sizeof ld->cfg.instruments);
}

/* breaker.enabled: a list of trigger names -> enabled_mask ([] disables the breaker). */
static int key_enabled(struct ld *ld, const struct field *f, yaml_node_t *n, const char *key)
{
    (void)f;
    if (n->type != YAML_SEQUENCE_NODE)
        return fail_at(ld, CX_EPARSE, "expected a list of trigger names ([A, B] or - lines)",
                       key, n);
    uint32_t mask = 0;
    long idx = 0;
    for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
         it++, idx++) {
        yaml_node_t *item = yaml_document_get_node(&ld->doc, *it);
        char ikey[MH_KEY_MAX];
        join_index(ikey, key, idx);
        int rc = want_scalar(ld, item, ikey, "expected a trigger name");
        if (rc != 0)
            return rc;
        int trig = 0;
        for (int t = CX_RISK_TRIG_NONE + 1; t < CX_RISK_TRIG_COUNT; t++) {
            if (strcmp(sval(item), cx_risk_trigger_name((enum cx_risk_trigger)t)) == 0)
                trig = t;
        }
        if (trig == 0)
            return fail_at(ld, CX_ECONFIG,
                           "unknown trigger (VOLATILITY_SPIKE, CORRELATION_BREAKDOWN, "
                           "VOLUME_DROUGHT, BASIS_INSTABILITY, EMERGENCY_SPIKE)",
                           ikey, item);
        if ((mask & (1u << trig)) != 0u)
            return fail_at(ld, CX_ECONFIG, "trigger listed twice", ikey, item);
        mask |= 1u << trig;
    }
    ld->cfg.params.breaker.enabled_mask = mask;
    return 0;
}

/* backtest.files: 1..CX_MH_MAX_FILES paths (existence is checked after the walk). */
static int key_files(struct ld *ld, const struct field *f, yaml_node_t *n, const char *key)
{
    (void)f;
    if (n->type != YAML_SEQUENCE_NODE)
        return fail_at(ld, CX_EPARSE, "expected a list of file paths", key, n);
    long count = n->data.sequence.items.top - n->data.sequence.items.start;
    if (count < 1 || count > CX_MH_MAX_FILES)
        return fail_at(ld, CX_ECONFIG, "backtest.files must list 1 to 8 files", key, n);
    long idx = 0;
    for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
         it++, idx++) {
        yaml_node_t *item = yaml_document_get_node(&ld->doc, *it);
        char ikey[MH_KEY_MAX];
        join_index(ikey, key, idx);
        remember(ld, ikey, item);
        int rc = resolve_path(ld, item, ikey, ld->cfg.files[idx], sizeof ld->cfg.files[idx]);
        if (rc != 0)
            return rc;
    }
    ld->cfg.n_files = (uint32_t)count;
    return 0;
}

/* An asset name: 1..15 letters and digits (the cx_balance limit). */
static bool asset_ok(const char *s, size_t len)
{
    if (len == 0 || len >= sizeof ((struct cx_balance *)0)->asset)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
            return false;
    }
    return true;
}

/* One account: {ASSET: "amount", ..., leverage: N}. */
static int read_account(struct ld *ld, yaml_node_t *n, const char *key, struct cx_account *a)
{
    if (is_null(n))
        return 0;
    if (n->type != YAML_MAPPING_NODE)
        return fail_at(ld, CX_EPARSE, "expected a mapping of asset: \"amount\" (and leverage)",
                       key, n);
    bool has_leverage = false;
    for (yaml_node_pair_t *pair = n->data.mapping.pairs.start; pair < n->data.mapping.pairs.top;
         pair++) {
        yaml_node_t *k = yaml_document_get_node(&ld->doc, pair->key);
        yaml_node_t *v = yaml_document_get_node(&ld->doc, pair->value);
        char akey[MH_KEY_MAX];
        if (k->type != YAML_SCALAR_NODE)
            return fail_at(ld, CX_EPARSE, "mapping keys must be plain names", key, k);
        join(akey, key, sval(k));
        remember(ld, akey, v);
        if (strcmp(sval(k), "leverage") == 0) {
            if (has_leverage)
                return fail_at(ld, CX_EPARSE, "duplicate key", akey, k);
            has_leverage = true;
            int64_t lev;
            int rc = parse_int(ld, v, akey, &lev);
            if (rc != 0)
                return rc;
            if (lev < 1 || lev > (int64_t)MH_LEVERAGE_MAX)
                return fail_at(ld, CX_ECONFIG, "leverage must be in [1, 200]", akey, v);
            a->leverage = (uint32_t)lev;
            continue;
        }
        if (!asset_ok(sval(k), k->data.scalar.length))
            return fail_at(ld, CX_ECONFIG,
                           "asset names are 1 to 15 letters or digits (or the key leverage)",
                           akey, k);
        for (uint32_t i = 0; i < a->n_balances; i++) {
            if (strcmp(a->balances[i].asset, sval(k)) == 0)
                return fail_at(ld, CX_EPARSE, "duplicate key", akey, k);
        }
        int64_t amount;
        int rc = parse_money(ld, v, akey, &amount);
        if (rc != 0)
            return rc;
        if (amount < 0)
            return fail_at(ld, CX_ECONFIG, "balance must be >= 0", akey, v);
        struct cx_balance *b = cx_account_balance(a, sval(k));
        if (b == NULL)
            return fail_at(ld, CX_ECONFIG, "more than 16 assets in one account", akey, k);
        b->total = amount;
    }
    return 0;
}

/* backtest.balances: {venue: account, ...}; replaces the default accounts as a whole. */
static int key_balances(struct ld *ld, const struct field *f, yaml_node_t *n, const char *key)
{
    (void)f;
    struct cx_sim_cfg *sim = &ld->cfg.sim;
    sim->n_accounts = 0;
    memset(sim->accounts, 0, sizeof sim->accounts);
    if (is_null(n))
        return 0;
    if (n->type != YAML_MAPPING_NODE)
        return fail_at(ld, CX_EPARSE, "expected a mapping of venue: {asset: \"amount\"}", key, n);
    for (yaml_node_pair_t *pair = n->data.mapping.pairs.start; pair < n->data.mapping.pairs.top;
         pair++) {
        yaml_node_t *k = yaml_document_get_node(&ld->doc, pair->key);
        yaml_node_t *v = yaml_document_get_node(&ld->doc, pair->value);
        char vkey[MH_KEY_MAX];
        enum cx_venue venue;
        if (k->type != YAML_SCALAR_NODE)
            return fail_at(ld, CX_EPARSE, "mapping keys must be plain names", key, k);
        join(vkey, key, sval(k));
        int rc = parse_venue(ld, k, vkey, &venue);
        if (rc != 0)
            return rc;
        for (uint32_t i = 0; i < sim->n_accounts; i++) {
            if (sim->accounts[i].venue == venue)
                return fail_at(ld, CX_EPARSE, "duplicate key", vkey, k);
        }
        if (sim->n_accounts == CX_SIM_MAX_ACCOUNTS)
            return fail_at(ld, CX_ECONFIG, "more than 8 accounts", vkey, k);
        remember(ld, vkey, v);
        struct cx_account *a = add_account(sim, venue, 1u);
        rc = read_account(ld, v, vkey, a);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* backtest.latency.entry / .response: "5ms" (constant) or {kind: constant, value: "5ms"},
 * {kind: uniform, min: .., max: ..}, {kind: lognormal, median: .., p99: ..}. */
static int key_latency(struct ld *ld, const struct field *f, yaml_node_t *n, const char *key)
{
    static const char range[] = "latency must be in [0s, 60s]";
    struct cx_latency_cfg *lat = target(ld, f);
    struct cx_latency_cfg out = {CX_LAT_CONSTANT, 0, 0};
    if (n->type == YAML_SCALAR_NODE) {
        int rc = parse_duration(ld, n, key, &out.a_ns);
        if (rc != 0)
            return rc;
        if (out.a_ns < 0 || out.a_ns > MH_LATENCY_MAX_NS)
            return fail_at(ld, CX_ECONFIG, range, key, n);
        out.b_ns = out.a_ns;
        *lat = out;
        return 0;
    }
    if (n->type != YAML_MAPPING_NODE)
        return fail_at(ld, CX_EPARSE, "expected a duration or a {kind: ...} mapping", key, n);

    /* Collect the mapping first: which keys a kind needs only shows once `kind` is read. */
    static const char *const names[] = {"kind", "value", "min", "max", "median", "p99"};
    enum { K_KIND, K_VALUE, K_MIN, K_MAX, K_MEDIAN, K_P99, K_COUNT };
    yaml_node_t *keys[K_COUNT] = {NULL};
    yaml_node_t *vals[K_COUNT] = {NULL};
    for (yaml_node_pair_t *pair = n->data.mapping.pairs.start; pair < n->data.mapping.pairs.top;
         pair++) {
        yaml_node_t *k = yaml_document_get_node(&ld->doc, pair->key);
        char skey[MH_KEY_MAX];
        if (k->type != YAML_SCALAR_NODE)
            return fail_at(ld, CX_EPARSE, "mapping keys must be plain names", key, k);
        join(skey, key, sval(k));
        int slot = -1;
        for (int i = 0; i < K_COUNT; i++) {
            if (strcmp(sval(k), names[i]) == 0)
                slot = i;
        }
        if (slot < 0)
            return fail_at(ld, CX_EPARSE, "unknown key", skey, k);
        if (keys[slot] != NULL)
            return fail_at(ld, CX_EPARSE, "duplicate key", skey, k);
        keys[slot] = k;
        vals[slot] = yaml_document_get_node(&ld->doc, pair->value);
        remember(ld, skey, vals[slot]);
    }
    char skey[MH_KEY_MAX];
    join(skey, key, "kind");
    if (vals[K_KIND] == NULL)
        return fail_at(ld, CX_ECONFIG, "latency mapping needs kind: constant, uniform or lognormal",
                       skey, n);
    int rc = want_scalar(ld, vals[K_KIND], skey, "expected constant, uniform or lognormal");
    if (rc != 0)
        return rc;
    int lo, hi; /* the two slots of the kind (the same for constant) */
    const char *kind = sval(vals[K_KIND]);
    if (strcmp(kind, "constant") == 0) {
        out.kind = CX_LAT_CONSTANT;
        lo = hi = K_VALUE;
    } else if (strcmp(kind, "uniform") == 0) {
        out.kind = CX_LAT_UNIFORM;
        lo = K_MIN;
        hi = K_MAX;
    } else if (strcmp(kind, "lognormal") == 0) {
        out.kind = CX_LAT_LOGNORMAL;
        lo = K_MEDIAN;
        hi = K_P99;
    } else {
        return fail_at(ld, CX_ECONFIG, "latency kind must be constant, uniform or lognormal",
                       skey, vals[K_KIND]);
    }
    for (int i = K_VALUE; i < K_COUNT; i++) {
        join(skey, key, names[i]);
        if (vals[i] != NULL && i != lo && i != hi)
            return fail_at(ld, CX_EPARSE,
                           "key not used by this latency kind (constant: value; uniform: min, "
                           "max; lognormal: median, p99)",
                           skey, keys[i]);
    }
    for (int i = K_VALUE; i < K_COUNT; i++) {
        join(skey, key, names[i]);
        if (vals[i] == NULL && (i == lo || i == hi))
            return fail_at(ld, CX_ECONFIG,
                           "latency kind needs its keys (constant: value; uniform: min, max; "
                           "lognormal: median, p99)",
                           skey, n);
    }
    join(skey, key, names[lo]);
    rc = parse_duration(ld, vals[lo], skey, &out.a_ns);
    if (rc != 0)
        return rc;
    if (out.a_ns < 0 || out.a_ns > MH_LATENCY_MAX_NS)
        return fail_at(ld, CX_ECONFIG, range, skey, vals[lo]);
    if (out.kind == CX_LAT_LOGNORMAL && out.a_ns == 0)
        return fail_at(ld, CX_ECONFIG, "lognormal median must be in (0s, 60s]", skey, vals[lo]);
    join(skey, key, names[hi]);
    rc = parse_duration(ld, vals[hi], skey, &out.b_ns);
    if (rc != 0)
        return rc;
    if (out.b_ns < out.a_ns || out.b_ns > MH_LATENCY_MAX_NS)
        return fail_at(ld, CX_ECONFIG,
                       "upper latency (max, p99) must be in [lower (min, median), 60s]", skey,
                       vals[hi]);
    *lat = out;
    return 0;
}

static int key_queue_model(struct ld *ld, const struct field *f, yaml_node_t *n, const char *key)
{
    (void)f;
    int rc = want_scalar(ld, n, key, "expected risk_averse or probabilistic");
    if (rc != 0)
        return rc;
    if (strcmp(sval(n), "risk_averse") == 0)
        ld->cfg.sim.queue_model = CX_QUEUE_RISK_AVERSE;
    else if (strcmp(sval(n), "probabilistic") == 0)
        ld->cfg.sim.queue_model = CX_QUEUE_PROB_POWER;
    else
        return fail_at(ld, CX_ECONFIG, "backtest.queue_model must be risk_averse or probabilistic",
                       key, n);
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: schema
 * ------------------------------------------------------------------------------------------- */

static const struct field k_spot[] = {
    FLD("venue", F_VENUE, params.spot_venue),
    FSTR("symbol", params.spot_symbol),
    FEND,
};

static const struct field k_perp[] = {
    FLD("venue", F_VENUE, params.perp_venue),
    FSTR("symbol", params.perp_symbol),
    FEND,
};

static const struct field k_venues[] = {
    FSEC("spot", k_spot),
    FSEC("perp", k_perp),
    FEND,
};

static const struct field k_analyzer[] = {
    FLD("lookback", F_U32, params.signal.lookback),
    FLD("sample_interval", F_DUR, params.sample_interval_ns),
    FLD("spike_recent", F_U32, params.signal.spike_recent),
    FLD("spike_sigma", F_F64, params.signal.spike_sigma),
    FLD("volume_recent", F_U32, params.signal.volume_recent),
    FLD("trend_trending_pct", F_F64, params.signal.trend_trending_pct),
    FLD("trend_mean_revert_pct", F_F64, params.signal.trend_mean_revert_pct),
    FLD("rsi_low", F_F64, params.signal.rsi_low),
    FLD("rsi_high", F_F64, params.signal.rsi_high),
    FLD("liq_ultra_low_below_quote", F_F64, params.signal.liq_ultra_low_below_quote),
    FLD("liq_low_below_quote", F_F64, params.signal.liq_low_below_quote),
    FLD("liq_medium_below_quote", F_F64, params.signal.liq_medium_below_quote),
    FEND,
};

static const struct field k_breaker[] = {
    FLD("volatility_threshold", F_F64, params.breaker.volatility_threshold),
    FLD("vol_ratio_max", F_F64, params.breaker.vol_ratio_max),
    FLD("correlation_min", F_F64, params.breaker.correlation_min),
    FLD("volume_ratio_min", F_F64, params.breaker.volume_ratio_min),
    FLD("basis_vol_max", F_F64, params.breaker.basis_vol_max),
    FLD("emergency_intensity", F_F64, params.breaker.emergency_intensity),
    FLD("emergency_min_return", F_F64, params.breaker.emergency_min_return),
    FLD("cooldown", F_DUR, params.breaker.cooldown_ns),
    FFN("enabled", key_enabled, params.breaker.enabled_mask),
    FEND,
};

static const struct field k_offset[] = {
    FLD("base_ticks", F_I32, params.offset.base_offset_ticks),
    FLD("max_ticks", F_I32, params.offset.max_offset_ticks),
    FLD("vol_ratio_high", F_F64, params.offset.vol_ratio_high),
    FLD("vol_ratio_low", F_F64, params.offset.vol_ratio_low),
    FLD("vol_high_mult", F_F64, params.offset.vol_high_mult),
    FLD("vol_low_mult", F_F64, params.offset.vol_low_mult),
    FLD("emergency_mult", F_F64, params.offset.emergency_mult),
    FEND,
};

static const struct field k_maker[] = {
    FLD("position_size_usd", F_MONEY, params.position_size_usd),
    FLD("requote_threshold_pct", F_F64, params.requote_threshold_pct),
    FLD("quote_max_age", F_DUR, params.quote_max_age_ns),
    FEND,
};

static const struct field k_hedge[] = {
    FLD("timeout", F_DUR, params.hedge_timeout_ns),
    FLD("wider_ticks", F_I32, params.hedge_wider_ticks),
    FLD("max_attempts", F_U32, params.hedge_max_attempts),
    FLD("naked_budget_base_s", F_F64, params.naked_budget_base_s),
    FEND,
};

static const struct field k_monitor[] = {
    FLD("summary_interval", F_DUR, params.summary_interval_ns),
    FEND,
};

static const struct field k_latency[] = {
    FFN("entry", key_latency, sim.entry),
    FFN("response", key_latency, sim.response),
    FEND,
};

/* backtest.funding.rate: a fraction per interval ("0.0001" = 0.01 %) -> ppb, exactly. */
static int key_funding_rate(struct ld *ld, const struct field *f, yaml_node_t *n, const char *key)
{
    (void)f;
    int rc = want_scalar(ld, n, key, "a decimal fraction such as \"0.0001\"");
    if (rc != 0)
        return rc;
    int64_t ppb;
    if (cx_dec_parse(sval(n), n->data.scalar.length, -9, &ppb) != 0)
        return fail_at(ld, CX_ECONFIG, "funding rate must be a decimal fraction with at most 9 "
                                       "decimals, e.g. \"0.0001\"", key, n);
    if (ppb < -100000000 || ppb > 100000000)
        return fail_at(ld, CX_ECONFIG, "funding rate must be in [-0.1, 0.1]", key, n);
    ld->cfg.funding_rate_ppb = ppb;
    ld->cfg.funding = true;
    return 0;
}

/* backtest.funding.first: "YYYY-MM-DD HH:MM:SS" UTC. */
static int key_funding_first(struct ld *ld, const struct field *f, yaml_node_t *n, const char *key)
{
    (void)f;
    int rc = want_scalar(ld, n, key, "a UTC time \"YYYY-MM-DD HH:MM:SS\"");
    if (rc != 0)
        return rc;
    if (cx_time_parse_utc(sval(n), n->data.scalar.length, &ld->cfg.funding_first_ns, NULL) != 0)
        return fail_at(ld, CX_ECONFIG, "expected a UTC time \"YYYY-MM-DD HH:MM:SS\"", key, n);
    ld->cfg.funding = true;
    return 0;
}

/* backtest.funding.file: a funding-rate CSV; resolved like backtest.files. */
static int key_funding_file(struct ld *ld, const struct field *f, yaml_node_t *n, const char *key)
{
    (void)f;
    int rc = resolve_path(ld, n, key, ld->cfg.funding_file, sizeof ld->cfg.funding_file);
    if (rc == 0)
        ld->cfg.funding = true;
    return rc;
}

static int key_funding_interval(struct ld *ld, const struct field *f, yaml_node_t *n,
                                const char *key)
{
    (void)f;
    int64_t ns;
    int rc = parse_duration(ld, n, key, &ns);
    if (rc != 0)
        return rc;
    if (ns < CX_NS_PER_S * 60 || ns > CX_NS_PER_S * 86400 * 7)
        return fail_at(ld, CX_ECONFIG, "funding interval must be in [1m, 7d]", key, n);
    ld->cfg.funding_interval_ns = ns;
    ld->cfg.funding = true;
    return 0;
}

static const struct field k_funding[] = {
    FFN("rate", key_funding_rate, funding_rate_ppb),
    FFN("interval", key_funding_interval, funding_interval_ns),
    FFN("first", key_funding_first, funding_first_ns),
    FFN("file", key_funding_file, funding_file),
    FEND,
};

static const struct field k_backtest[] = {
    FSEC("funding", k_funding),
    FFN("files", key_files, files),
    FFN("balances", key_balances, sim.accounts),
    FSEC("latency", k_latency),
    FFN("queue_model", key_queue_model, sim.queue_model),
    FLD("queue_power", F_F64, sim.queue_power),
    FLD("seed", F_U64, sim.seed),
    FSTR("session_root", session_root),
    FEND,
};

static const struct field k_top[] = {
    FFN("strategy", key_strategy, params),
    FFN("instruments", key_instruments, instruments),
    FSEC("venues", k_venues),
    FSEC("analyzer", k_analyzer),
    FSEC("breaker", k_breaker),
    FSEC("offset", k_offset),
    FSEC("maker", k_maker),
    FSEC("hedge", k_hedge),
    FSEC("monitor", k_monitor),
    FSEC("backtest", k_backtest),
    FEND,
};

/* ---------------------------------------------------------------------------------------------
 * MARK: checks after the walk
 * ------------------------------------------------------------------------------------------- */

/* A path that must name an existing regular file; key names it in reports (CX_ENOENT when it
 * does not exist, CX_ECONFIG when it is not a regular file). */
static int check_file(struct ld *ld, const char *key, const char *path)
{
    struct stat st;
    int code;
    const char *msg;
    if (stat(path, &st) != 0) {
        code = errno == ENOENT || errno == ENOTDIR ? CX_ENOENT : CX_EIO;
        msg = code == CX_ENOENT ? "file not found" : "cannot read file";
    } else if (!S_ISREG(st.st_mode)) {
        code = CX_ECONFIG;
        msg = "not a regular file";
    } else {
        return 0;
    }
    if (ld->err == NULL)
        return code;
    /* Position first, found with the bare key; then the detail becomes "key: path". */
    cx_parse_err_set(ld->err, code, msg, key, strlen(key));
    locate(ld);
    char detail[sizeof ld->err->detail];
    size_t klen = strlen(key);
    size_t plen = strlen(path);
    size_t room = sizeof detail - 1u; /* bytes available for "key: path" */
    if (klen + 2u + plen <= room || klen + 5u + 8u > room)
        snprintf(detail, sizeof detail, "%s: %s", key, path);
    else /* keep the end of a long path: the file name is the useful part */
        snprintf(detail, sizeof detail, "%s: ...%s", key, path + plen - (room - klen - 5u));
    cx_parse_err_set(ld->err, code, msg, detail, strlen(detail));
    return code;
}

static int check_all(struct ld *ld)
{
    const struct cx_mh_config *c = &ld->cfg;
    int rc = cx_mh_params_validate(&c->params, ld->err);
    if (rc != 0) {
        locate(ld);
        return rc;
    }
    rc = 0;
    if (!(c->sim.queue_power > 0.0 && c->sim.queue_power <= MH_QUEUE_POWER_MAX))
        rc = cx_parse_err_set(ld->err, CX_ECONFIG, "backtest.queue_power must be in (0, 10]",
                              "backtest.queue_power", strlen("backtest.queue_power"));
    else if (c->session_root[0] == '\0')
        rc = cx_parse_err_set(ld->err, CX_ECONFIG,
                              "backtest.session_root must be a path of 1 to 511 bytes",
                              "backtest.session_root", strlen("backtest.session_root"));
    if (rc != 0) {
        locate(ld);
        return rc;
    }
    for (uint32_t i = 0; i < c->n_files; i++) {
        char key[MH_KEY_MAX];
        join_index(key, "backtest.files", (long)i);
        rc = check_file(ld, key, c->files[i]);
        if (rc != 0)
            return rc;
    }
    if (c->instruments[0] != '\0')
        return check_file(ld, "instruments", c->instruments);
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: entry point
 * ------------------------------------------------------------------------------------------- */

/* Reports a libyaml parser failure: its problem text, with the context when there is room. */
static int parser_fail(struct ld *ld, const yaml_parser_t *parser)
{
    if (parser->error == YAML_MEMORY_ERROR)
        return cx_parse_err_set(ld->err, CX_ENOMEM, "out of memory parsing YAML", NULL, 0);
    if (ld->err == NULL)
        return CX_EPARSE;
    char detail[sizeof ld->err->detail];
    const char *problem = parser->problem != NULL ? parser->problem : "unknown problem";
    if (parser->context != NULL)
        snprintf(detail, sizeof detail, "%s %s", parser->context, problem);
    else
        snprintf(detail, sizeof detail, "%s", problem);
    cx_parse_err_set(ld->err, CX_EPARSE, "malformed YAML", detail, strlen(detail));
    if (parser->error == YAML_READER_ERROR) {
        ld->err->line = 0; /* bad encoding: libyaml only knows the byte offset */
        ld->err->col = 0;
    } else {
        ld->err->line = (int64_t)parser->problem_mark.line + 1;
        ld->err->col = (int32_t)parser->problem_mark.column + 1;
    }
    return CX_EPARSE;
}

int cx_mh_config_load(struct cx_mh_config *c, const char *path, const char *data_dir,
                      struct cx_parse_err *err)
{
    if (c == NULL || path == NULL)
        return CX_EINVAL;
    if (err != NULL) {
        memset(err, 0, sizeof *err);
        err->file = path;
    }
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        int code = errno == ENOENT || errno == ENOTDIR ? CX_ENOENT : CX_EIO;
        return cx_parse_err_set(err, code, "cannot open config file", path, strlen(path));
    }
    struct ld *ld = calloc(1, sizeof *ld);
    if (ld == NULL) {
        fclose(f);
        return cx_parse_err_set(err, CX_ENOMEM, "out of memory", NULL, 0);
    }
    ld->err = err;
    ld->data_dir = data_dir;
    ld->data_dir_len = data_dir_len(&ld->data_dir);
    ld->cfg = *c;

    yaml_parser_t parser;
    bool have_parser = false, have_doc = false;
    int rc;
    if (!yaml_parser_initialize(&parser)) {
        rc = cx_parse_err_set(err, CX_ENOMEM, "out of memory", NULL, 0);
        goto out;
    }
    have_parser = true;
    yaml_parser_set_input_file(&parser, f);
    if (!yaml_parser_load(&parser, &ld->doc)) {
        rc = parser_fail(ld, &parser);
        goto out;
    }
    have_doc = true;
    /* A second document would be silently ignored; say so instead. */
    yaml_document_t extra;
    if (!yaml_parser_load(&parser, &extra)) {
        rc = parser_fail(ld, &parser);
        goto out;
    }
    yaml_node_t *extra_root = yaml_document_get_root_node(&extra);
    if (extra_root != NULL) {
        rc = fail_at(ld, CX_EPARSE, "more than one YAML document (remove the '---' line)",
                     "(document)", extra_root);
        yaml_document_delete(&extra);
        goto out;
    }
    yaml_document_delete(&extra);

    yaml_node_t *root = yaml_document_get_root_node(&ld->doc);
    if (root != NULL) { /* an empty file keeps every value */
        rc = walk_map(ld, root, "", k_top);
        if (rc != 0)
            goto out;
    }
    rc = check_all(ld);
    if (rc == 0)
        *c = ld->cfg;
out:
    if (have_doc)
        yaml_document_delete(&ld->doc);
    if (have_parser)
        yaml_parser_delete(&parser);
    fclose(f);
    free(ld);
    return rc;
}
