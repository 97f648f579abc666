/* SPDX-License-Identifier: MIT */
/*
 * The run configuration (run_config.h): defaults, the tables of the run's keys and the keys
 * that need their own code, and the loader of both file shapes, on the generic loader
 * (conf.h). A strategy's parameters are read by its own table (strategies.h): inlined at the
 * top level for a single-strategy file, or from each `strategies[i].params` mapping. Schema,
 * units and ranges: docs/config/run.md (the run's keys) and docs/config/<strategy>.md.
 *
 * Error classes (err->detail is always the full dotted key):
 *  - CX_ENOENT: the config file, a backtest file or the instruments file does not exist;
 *  - CX_EPARSE: not YAML, unknown or duplicate key (position of the key), a value of the wrong
 *    type or syntax (position of the value), both `strategy:` and `strategies:`;
 *  - CX_ECONFIG: a well-formed value out of its range or not in its set of names, an unknown
 *    strategy type, an account a strategy names that the run does not have.
 */
#include "cexarb/run_config.h"

#include "cexarb/conf.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define RUN_LATENCY_MAX_NS (60 * CX_NS_PER_S) /* a minute of order latency is already absurd */
#define RUN_KEY_MAX 128                       /* longest dotted key path kept */

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

/* Adds an account for `venue` with leverage; returns it (the caller checked the room). */
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

/* One strategy of a type with its defaults, named after the type. */
static void strategy_default(struct cx_run_strategy *s, const struct cx_strategy_type *t)
{
    memset(s, 0, sizeof *s);
    s->type = t;
    snprintf(s->name, sizeof s->name, "%s", t->name);
    t->params_default(s->params);
}

void cx_run_cfg_default(struct cx_run_cfg *c, const char *data_dir)
{
    /* 10^8 units of an asset at CX_NOTIONAL_EXP (-8) make one whole unit. */
    static const int64_t one = INT64_C(100000000);
    size_t dn = data_dir_len(&data_dir);

    memset(c, 0, sizeof *c);
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
    c->venue_window_ns = CX_NS_PER_S; /* the engine's default reordering window */
    struct cx_account *spot = add_account(&c->sim, CX_VENUE_BINANCE_SPOT, 1u);
    memcpy(spot->name, "main", sizeof "main");
    set_balance(spot, "BTC", one / 100); /* 0.01 BTC */
    set_balance(spot, "USDT", 2000 * one);
    struct cx_account *perp = add_account(&c->sim, CX_VENUE_BINANCE_USDM, 5u);
    memcpy(perp->name, "main", sizeof "main");
    set_balance(perp, "USDT", 2000 * one);

    memcpy(c->session_root, "sessions", sizeof "sessions");
    c->sample_interval_ns = CX_NS_PER_S;
    c->risk.order_window_ns = CX_NS_PER_S; /* the order-rate window, when a rate is set */
    c->funding = false; /* no funding unless backtest.funding is given */
    c->funding_interval_ns = 8 * 3600 * CX_NS_PER_S;
    c->funding_first_ns = 0; /* 00:00 UTC of any day: the schedule is k * interval from it */
    c->is_single = true;
    c->n_strategies = 1;
    strategy_default(&c->strategies[0], cx_strategy_type_find("maker_hedge", 11));
}

/* ---------------------------------------------------------------------------------------------
 * MARK: helpers of the custom keys
 * ------------------------------------------------------------------------------------------- */

/* The load's user data: where "data/..." paths resolve. */
struct run_load {
    const char *data_dir;                  /* borrowed */
    size_t data_dir_len;                   /* data_dir without trailing slashes */
    const struct cx_strategy_type *single; /* the single-strategy file's type (NULL: list) */
    bool has_balances, has_accounts;       /* which account key was given */
};

/* out = path + "." + name, truncated to RUN_KEY_MAX (reports then show the start of the key). */
static void join(char *out, const char *path, const char *name)
{
    if (snprintf(out, RUN_KEY_MAX, "%s.%s", path, name) >= RUN_KEY_MAX)
        out[RUN_KEY_MAX - 1] = '\0';
}

static void join_index(char *out, const char *path, long idx)
{
    if (snprintf(out, RUN_KEY_MAX, "%s[%ld]", path, idx) >= RUN_KEY_MAX)
        out[RUN_KEY_MAX - 1] = '\0';
}

/* Resolves a path from the file: "data/..." against data_dir, others as written. */
static int resolve_path(struct cx_conf_ctx *ctx, const struct cx_conf_node *n, const char *key,
                        char *dst, size_t cap)
{
    const struct run_load *ml = cx_conf_user(ctx); /* NULL: loaded through the bare table */
    const char *dir = ml != NULL ? ml->data_dir : CX_DATA_DIR;
    size_t dir_len = ml != NULL ? ml->data_dir_len : strlen(CX_DATA_DIR);
    char raw[512];
    static const struct cx_conf_field k_raw = {.name = "", .type = CX_CONF_T_STR,
                                               .storage = CX_CONF_S_OTHER, .off = 0,
                                               .size = sizeof raw};
    int rc = cx_conf_read_value(ctx, n, key, &k_raw, raw);
    if (rc != 0)
        return rc;
    if (raw[0] == '\0')
        return cx_conf_fail(ctx, CX_ECONFIG, "path must not be empty", key, n);
    int w;
    if (strncmp(raw, "data/", 5) == 0)
        w = snprintf(dst, cap, "%.*s/%s", (int)dir_len, dir, raw + 5);
    else
        w = snprintf(dst, cap, "%s", raw);
    if (w < 0 || (size_t)w >= cap)
        return cx_conf_fail(ctx, CX_ECONFIG, "path too long once resolved (at most 511 bytes)",
                            key, n);
    return 0;
}

/* A string value's text for rendering: the member at f->off, NUL-terminated. */
static void json_text(struct cx_conf_json *out, const char *s)
{
    cx_conf_json_str(out, s, strlen(s));
}

/* ---------------------------------------------------------------------------------------------
 * MARK: custom keys
 * ------------------------------------------------------------------------------------------- */

static int key_instruments(struct cx_conf_ctx *ctx, const struct cx_conf_field *f,
                           const struct cx_conf_node *n, const char *key, void *obj)
{
    char *dst = cx_conf_target(f, obj);
    size_t len = 0;
    if (cx_conf_node_kind(n) == CX_CONF_NODE_NULL ||
        (cx_conf_node_text(n, &len) != NULL && len == 0)) {
        dst[0] = '\0'; /* "": the bundled instruments only */
        return 0;
    }
    return resolve_path(ctx, n, key, dst, f->size);
}

/* Renders a char-array member (a path). */
static void json_path(struct cx_conf_json *out, const struct cx_conf_field *f, const void *obj)
{
    json_text(out, cx_conf_target_const(f, obj));
}

/* backtest.files: 1..CX_RUN_MAX_FILES paths (existence is checked after the walk). */
static int key_files(struct cx_conf_ctx *ctx, const struct cx_conf_field *f,
                     const struct cx_conf_node *n, const char *key, void *obj)
{
    (void)f;
    struct cx_run_cfg *c = obj;
    if (cx_conf_node_kind(n) != CX_CONF_NODE_SEQ)
        return cx_conf_fail(ctx, CX_EPARSE, "expected a list of file paths", key, n);
    uint32_t count = cx_conf_node_count(n);
    if (count < 1 || count > CX_RUN_MAX_FILES)
        return cx_conf_fail(ctx, CX_ECONFIG, "backtest.files must list 1 to 8 files", key, n);
    for (uint32_t idx = 0; idx < count; idx++) {
        const struct cx_conf_node *item = cx_conf_node_item(ctx, n, idx);
        char ikey[RUN_KEY_MAX];
        join_index(ikey, key, (long)idx);
        cx_conf_remember(ctx, ikey, item);
        int rc = resolve_path(ctx, item, ikey, c->files[idx], sizeof c->files[idx]);
        if (rc != 0)
            return rc;
    }
    c->n_files = count;
    return 0;
}

static void json_files(struct cx_conf_json *out, const struct cx_conf_field *f, const void *obj)
{
    (void)f;
    const struct cx_run_cfg *c = obj;
    cx_conf_json_open(out, '[');
    for (uint32_t i = 0; i < c->n_files && i < CX_RUN_MAX_FILES; i++)
        json_text(out, c->files[i]);
    cx_conf_json_close(out, ']');
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

/* Readers of one account's values, with their bounds (amounts exact at CX_NOTIONAL_EXP). */
static const struct cx_conf_field k_leverage =
    CX_CONF_INT_MSG("leverage", struct cx_account, leverage, 1, 200,
                    "leverage must be in [1, 200]");
static const struct cx_conf_field k_amount =
    {.name = "", .type = CX_CONF_T_DEC, .storage = CX_CONF_S_I64, .exp = CX_NOTIONAL_EXP,
     .off = 0, .size = sizeof(int64_t), .flags = CX_CONF_F_BOUNDED, .f_min = 0.0,
     .f_max = HUGE_VAL, .msg = "balance must be >= 0"};
static const struct cx_conf_field k_venue_name =
    {.name = "", .type = CX_CONF_T_VENUE, .storage = CX_CONF_S_U8, .off = 0,
     .size = sizeof(uint8_t)};

/* One account: {ASSET: "amount", ..., leverage: N}. */
static int read_account(struct cx_conf_ctx *ctx, const struct cx_conf_node *n, const char *key,
                        struct cx_account *a)
{
    if (cx_conf_node_kind(n) == CX_CONF_NODE_NULL)
        return 0;
    if (cx_conf_node_kind(n) != CX_CONF_NODE_MAP)
        return cx_conf_fail(ctx, CX_EPARSE,
                            "expected a mapping of asset: \"amount\" (and leverage)", key, n);
    bool has_leverage = false;
    for (uint32_t i = 0; i < cx_conf_node_count(n); i++) {
        const struct cx_conf_node *k, *v;
        cx_conf_node_pair(ctx, n, i, &k, &v);
        size_t klen;
        const char *name = cx_conf_node_text(k, &klen);
        char akey[RUN_KEY_MAX];
        if (name == NULL)
            return cx_conf_fail(ctx, CX_EPARSE, "mapping keys must be plain names", key, k);
        join(akey, key, name);
        cx_conf_remember(ctx, akey, v);
        if (strcmp(name, "leverage") == 0) {
            if (has_leverage)
                return cx_conf_fail(ctx, CX_EPARSE, "duplicate key", akey, k);
            has_leverage = true;
            int rc = cx_conf_read_value(ctx, v, akey, &k_leverage, a);
            if (rc != 0)
                return rc;
            continue;
        }
        if (!asset_ok(name, klen))
            return cx_conf_fail(ctx, CX_ECONFIG,
                                "asset names are 1 to 15 letters or digits (or the key leverage)",
                                akey, k);
        for (uint32_t j = 0; j < a->n_balances; j++) {
            if (strcmp(a->balances[j].asset, name) == 0)
                return cx_conf_fail(ctx, CX_EPARSE, "duplicate key", akey, k);
        }
        int64_t amount;
        int rc = cx_conf_read_value(ctx, v, akey, &k_amount, &amount);
        if (rc != 0)
            return rc;
        struct cx_balance *b = cx_account_balance(a, name);
        if (b == NULL)
            return cx_conf_fail(ctx, CX_ECONFIG, "more than 16 assets in one account", akey, k);
        b->total = amount;
    }
    return 0;
}

/* backtest.balances: {venue: account, ...}; replaces the default accounts as a whole. */
static int key_balances(struct cx_conf_ctx *ctx, const struct cx_conf_field *f,
                        const struct cx_conf_node *n, const char *key, void *obj)
{
    (void)f;
    struct cx_sim_cfg *sim = &((struct cx_run_cfg *)obj)->sim;
    struct run_load *ml = cx_conf_user(ctx);
    if (ml != NULL) {
        if (ml->has_accounts)
            return cx_conf_fail(ctx, CX_EPARSE,
                                "give the accounts either as backtest.balances (one per venue) "
                                "or as backtest.accounts (named), not both",
                                key, n);
        ml->has_balances = true;
    }
    sim->n_accounts = 0;
    memset(sim->accounts, 0, sizeof sim->accounts);
    if (cx_conf_node_kind(n) == CX_CONF_NODE_NULL)
        return 0;
    if (cx_conf_node_kind(n) != CX_CONF_NODE_MAP)
        return cx_conf_fail(ctx, CX_EPARSE, "expected a mapping of venue: {asset: \"amount\"}",
                            key, n);
    for (uint32_t i = 0; i < cx_conf_node_count(n); i++) {
        const struct cx_conf_node *k, *v;
        cx_conf_node_pair(ctx, n, i, &k, &v);
        const char *name = cx_conf_node_text(k, NULL);
        char vkey[RUN_KEY_MAX];
        uint8_t venue;
        if (name == NULL)
            return cx_conf_fail(ctx, CX_EPARSE, "mapping keys must be plain names", key, k);
        join(vkey, key, name);
        int rc = cx_conf_read_value(ctx, k, vkey, &k_venue_name, &venue);
        if (rc != 0)
            return rc;
        for (uint32_t j = 0; j < sim->n_accounts; j++) {
            if (sim->accounts[j].venue == venue)
                return cx_conf_fail(ctx, CX_EPARSE, "duplicate key", vkey, k);
        }
        if (sim->n_accounts == CX_SIM_MAX_ACCOUNTS)
            return cx_conf_fail(ctx, CX_ECONFIG, "more than 8 accounts", vkey, k);
        cx_conf_remember(ctx, vkey, v);
        struct cx_account *a = add_account(sim, (enum cx_venue)venue, 1u);
        memcpy(a->name, "main", sizeof "main");
        rc = read_account(ctx, v, vkey, a);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* Durations of a latency model, each into one end of struct cx_latency_cfg. */
static const struct cx_conf_field k_lat_lo =
    {.name = "", .type = CX_CONF_T_DUR, .storage = CX_CONF_S_I64,
     .off = offsetof(struct cx_latency_cfg, a_ns), .size = sizeof(int64_t),
     .flags = CX_CONF_F_BOUNDED, .i_min = 0, .i_max = RUN_LATENCY_MAX_NS,
     .msg = "latency must be in [0s, 60s]"};
static const struct cx_conf_field k_lat_hi =
    {.name = "", .type = CX_CONF_T_DUR, .storage = CX_CONF_S_I64,
     .off = offsetof(struct cx_latency_cfg, b_ns), .size = sizeof(int64_t),
     .flags = CX_CONF_F_BOUNDED, .i_min = INT64_MIN, .i_max = RUN_LATENCY_MAX_NS,
     .msg = "upper latency (max, p99) must be in [lower (min, median), 60s]"};

/* backtest.latency.*.mul of the feed model: an exact decimal with at most 6 decimals, in ppm. */
static const struct cx_conf_field k_lat_mul =
    {.name = "", .type = CX_CONF_T_DEC, .storage = CX_CONF_S_I64, .exp = -6,
     .off = offsetof(struct cx_latency_cfg, mul_ppm), .size = sizeof(int64_t),
     .flags = CX_CONF_F_BOUNDED, .f_min = 0.0, .f_max = 1000.0,
     .msg = "feed latency mul must be in [0, 1000] with at most 6 decimals"};

static const char *const k_lat_keys[] = {"kind", "value", "min", "max", "median",
                                         "p99",  "mul",   "add", "file"};
enum { K_KIND, K_VALUE, K_MIN, K_MAX, K_MEDIAN, K_P99, K_MUL, K_ADD, K_FILE, K_COUNT };

/* The kinds of the mapping form and the keys each needs (a, b: its two slots, or one). */
static const struct {
    const char *name;
    uint8_t kind;
    int a, b;
} k_lat_kinds[] = {
    {"constant", CX_LAT_CONSTANT, K_VALUE, K_VALUE},
    {"uniform", CX_LAT_UNIFORM, K_MIN, K_MAX},
    {"lognormal", CX_LAT_LOGNORMAL, K_MEDIAN, K_P99},
    {"feed", CX_LAT_FEED, K_MUL, K_ADD},
    {"recorded", CX_LAT_RECORDED, K_FILE, K_FILE},
};

#define LAT_KINDS_TEXT "constant, uniform, lognormal, feed or recorded"
#define LAT_KEYS_TEXT                                                                          \
    "(constant: value; uniform: min, max; lognormal: median, p99; feed: mul, add; recorded: "  \
    "file)"

/* The run's file path slot of a latency field: entry 0, response 1. */
static char *latency_file(struct cx_run_cfg *c, const struct cx_conf_field *f)
{
    return c->latency_file[f->off == offsetof(struct cx_run_cfg, sim.response) ? 1 : 0];
}

/* backtest.latency.entry / .response: "5ms" (constant) or {kind: constant, value: "5ms"},
 * {kind: uniform, min: .., max: ..}, {kind: lognormal, median: .., p99: ..},
 * {kind: feed, mul: 1.0, add: "1ms"}, {kind: recorded, file: path}. A recorded model's path
 * goes to latency_file[] (checked to exist after the walk; the rows are loaded by
 * cx_run_cfg_latency_series). */
static int key_latency(struct cx_conf_ctx *ctx, const struct cx_conf_field *f,
                       const struct cx_conf_node *n, const char *key, void *obj)
{
    struct cx_latency_cfg *lat = cx_conf_target(f, obj);
    char *file = latency_file(obj, f);
    struct cx_latency_cfg out = {.kind = CX_LAT_CONSTANT, .a_ns = 0, .b_ns = 0};
    if (cx_conf_node_kind(n) == CX_CONF_NODE_SCALAR || cx_conf_node_kind(n) == CX_CONF_NODE_NULL) {
        int rc = cx_conf_read_value(ctx, n, key, &k_lat_lo, &out);
        if (rc != 0)
            return rc;
        out.b_ns = out.a_ns;
        *lat = out;
        file[0] = '\0';
        return 0;
    }
    if (cx_conf_node_kind(n) != CX_CONF_NODE_MAP)
        return cx_conf_fail(ctx, CX_EPARSE, "expected a duration or a {kind: ...} mapping", key,
                            n);

    /* Collect the mapping first: which keys a kind needs only shows once `kind` is read. */
    const struct cx_conf_node *keys[K_COUNT] = {NULL};
    const struct cx_conf_node *vals[K_COUNT] = {NULL};
    for (uint32_t i = 0; i < cx_conf_node_count(n); i++) {
        const struct cx_conf_node *k, *v;
        cx_conf_node_pair(ctx, n, i, &k, &v);
        const char *name = cx_conf_node_text(k, NULL);
        char skey[RUN_KEY_MAX];
        if (name == NULL)
            return cx_conf_fail(ctx, CX_EPARSE, "mapping keys must be plain names", key, k);
        join(skey, key, name);
        int slot = -1;
        for (int s = 0; s < K_COUNT; s++) {
            if (strcmp(name, k_lat_keys[s]) == 0)
                slot = s;
        }
        if (slot < 0)
            return cx_conf_fail(ctx, CX_EPARSE, "unknown key", skey, k);
        if (keys[slot] != NULL)
            return cx_conf_fail(ctx, CX_EPARSE, "duplicate key", skey, k);
        keys[slot] = k;
        vals[slot] = v;
        cx_conf_remember(ctx, skey, v);
    }
    char skey[RUN_KEY_MAX];
    join(skey, key, "kind");
    if (vals[K_KIND] == NULL)
        return cx_conf_fail(ctx, CX_ECONFIG, "latency mapping needs kind: " LAT_KINDS_TEXT, skey,
                            n);
    const char *kind;
    int rc = cx_conf_want_scalar(ctx, vals[K_KIND], skey, "expected " LAT_KINDS_TEXT, &kind,
                                 NULL);
    if (rc != 0)
        return rc;
    int ki = -1;
    for (int i = 0; i < (int)(sizeof k_lat_kinds / sizeof k_lat_kinds[0]); i++) {
        if (strcmp(kind, k_lat_kinds[i].name) == 0)
            ki = i;
    }
    if (ki < 0)
        return cx_conf_fail(ctx, CX_ECONFIG, "latency kind must be " LAT_KINDS_TEXT, skey,
                            vals[K_KIND]);
    out.kind = k_lat_kinds[ki].kind;
    int lo = k_lat_kinds[ki].a, hi = k_lat_kinds[ki].b; /* the same for constant, recorded */
    for (int i = K_VALUE; i < K_COUNT; i++) {
        join(skey, key, k_lat_keys[i]);
        if (vals[i] != NULL && i != lo && i != hi)
            return cx_conf_fail(ctx, CX_EPARSE,
                                "key not used by this latency kind " LAT_KEYS_TEXT, skey,
                                keys[i]);
    }
    for (int i = K_VALUE; i < K_COUNT; i++) {
        join(skey, key, k_lat_keys[i]);
        if (vals[i] == NULL && (i == lo || i == hi))
            return cx_conf_fail(ctx, CX_ECONFIG, "latency kind needs its keys " LAT_KEYS_TEXT,
                                skey, n);
    }
    join(skey, key, k_lat_keys[lo]);
    if (out.kind == CX_LAT_RECORDED) {
        char path[sizeof ((struct cx_run_cfg *)0)->latency_file[0]];
        rc = resolve_path(ctx, vals[lo], skey, path, sizeof path);
        if (rc != 0)
            return rc;
        *lat = out; /* rows: loaded by cx_run_cfg_latency_series */
        memcpy(file, path, sizeof path);
        return 0;
    }
    if (out.kind == CX_LAT_FEED) {
        rc = cx_conf_read_value(ctx, vals[lo], skey, &k_lat_mul, &out);
        if (rc != 0)
            return rc;
        join(skey, key, k_lat_keys[hi]);
        rc = cx_conf_read_value(ctx, vals[hi], skey, &k_lat_lo, &out); /* add -> a_ns */
        if (rc != 0)
            return rc;
        *lat = out;
        file[0] = '\0';
        return 0;
    }
    rc = cx_conf_read_value(ctx, vals[lo], skey, &k_lat_lo, &out);
    if (rc != 0)
        return rc;
    if (out.kind == CX_LAT_LOGNORMAL && out.a_ns == 0)
        return cx_conf_fail(ctx, CX_ECONFIG, "lognormal median must be in (0s, 60s]", skey,
                            vals[lo]);
    join(skey, key, k_lat_keys[hi]);
    rc = cx_conf_read_value(ctx, vals[hi], skey, &k_lat_hi, &out);
    if (rc != 0)
        return rc;
    if (out.b_ns < out.a_ns)
        return cx_conf_fail(ctx, CX_ECONFIG, k_lat_hi.msg, skey, vals[hi]);
    *lat = out;
    file[0] = '\0';
    return 0;
}

static void json_latency(struct cx_conf_json *out, const struct cx_conf_field *f,
                         const void *obj)
{
    const struct cx_latency_cfg *lat = cx_conf_target_const(f, obj);
    if (lat->kind == CX_LAT_CONSTANT && lat->a_ns == lat->b_ns) {
        cx_conf_json_value(out, &k_lat_lo, lat);
        return;
    }
    cx_conf_json_open(out, '{');
    cx_conf_json_key(out, "kind");
    if (lat->kind == CX_LAT_RECORDED) {
        json_text(out, "recorded");
        cx_conf_json_key(out, "file");
        const struct cx_run_cfg *c = obj;
        json_text(out, c->latency_file[f->off == offsetof(struct cx_run_cfg, sim.response)]);
        cx_conf_json_close(out, '}');
        return;
    }
    if (lat->kind == CX_LAT_FEED) {
        json_text(out, "feed");
        cx_conf_json_key(out, "mul");
        cx_conf_json_value(out, &k_lat_mul, lat);
        cx_conf_json_key(out, "add");
        cx_conf_json_value(out, &k_lat_lo, lat);
        cx_conf_json_close(out, '}');
        return;
    }
    bool uniform = lat->kind == CX_LAT_UNIFORM;
    json_text(out, uniform ? "uniform" : lat->kind == CX_LAT_LOGNORMAL ? "lognormal" : "constant");
    cx_conf_json_key(out, uniform ? "min" : lat->kind == CX_LAT_LOGNORMAL ? "median" : "value");
    cx_conf_json_value(out, &k_lat_lo, lat);
    if (lat->kind != CX_LAT_CONSTANT) {
        cx_conf_json_key(out, uniform ? "max" : "p99");
        cx_conf_json_value(out, &k_lat_hi, lat);
    }
    cx_conf_json_close(out, '}');
}

/* backtest.funding.rate: a fraction per interval ("0.0001" = 0.01 %) -> ppb, exactly. */
static const struct cx_conf_field k_rate_ppb =
    {.name = "rate", .type = CX_CONF_T_DEC, .storage = CX_CONF_S_I64, .exp = -9,
     .off = offsetof(struct cx_run_cfg, funding_rate_ppb), .size = sizeof(int64_t)};

static int key_funding_rate(struct cx_conf_ctx *ctx, const struct cx_conf_field *f,
                            const struct cx_conf_node *n, const char *key, void *obj)
{
    (void)f;
    struct cx_run_cfg *c = obj;
    const char *text;
    size_t len;
    int rc = cx_conf_want_scalar(ctx, n, key, "a decimal fraction such as \"0.0001\"", &text,
                                 &len);
    if (rc != 0)
        return rc;
    int64_t ppb;
    if (cx_dec_parse(text, len, -9, &ppb) != 0)
        return cx_conf_fail(ctx, CX_ECONFIG,
                            "funding rate must be a decimal fraction with at most 9 decimals, "
                            "e.g. \"0.0001\"",
                            key, n);
    if (ppb < -100000000 || ppb > 100000000)
        return cx_conf_fail(ctx, CX_ECONFIG, "funding rate must be in [-0.1, 0.1]", key, n);
    c->funding_rate_ppb = ppb;
    c->funding = true;
    return 0;
}

/* backtest.funding.first: "YYYY-MM-DD HH:MM:SS" UTC. */
static int key_funding_first(struct cx_conf_ctx *ctx, const struct cx_conf_field *f,
                             const struct cx_conf_node *n, const char *key, void *obj)
{
    (void)f;
    struct cx_run_cfg *c = obj;
    const char *text;
    size_t len;
    int rc = cx_conf_want_scalar(ctx, n, key, "a UTC time \"YYYY-MM-DD HH:MM:SS\"", &text, &len);
    if (rc != 0)
        return rc;
    if (cx_time_parse_utc(text, len, &c->funding_first_ns, NULL) != 0)
        return cx_conf_fail(ctx, CX_ECONFIG, "expected a UTC time \"YYYY-MM-DD HH:MM:SS\"", key,
                            n);
    c->funding = true;
    return 0;
}

/* backtest.funding.file: a funding-rate CSV; resolved like backtest.files. */
static int key_funding_file(struct cx_conf_ctx *ctx, const struct cx_conf_field *f,
                            const struct cx_conf_node *n, const char *key, void *obj)
{
    (void)f;
    struct cx_run_cfg *c = obj;
    int rc = resolve_path(ctx, n, key, c->funding_file, sizeof c->funding_file);
    if (rc == 0)
        c->funding = true;
    return rc;
}

static int key_funding_interval(struct cx_conf_ctx *ctx, const struct cx_conf_field *f,
                                const struct cx_conf_node *n, const char *key, void *obj)
{
    (void)f;
    static const struct cx_conf_field k_dur =
        {.name = "interval", .type = CX_CONF_T_DUR, .storage = CX_CONF_S_I64,
         .off = offsetof(struct cx_run_cfg, funding_interval_ns), .size = sizeof(int64_t),
         .flags = CX_CONF_F_BOUNDED, .i_min = 60 * CX_NS_PER_S,
         .i_max = 7 * 86400 * CX_NS_PER_S, .msg = "funding interval must be in [1m, 7d]"};
    struct cx_run_cfg *c = obj;
    int rc = cx_conf_read_value(ctx, n, key, &k_dur, c);
    if (rc == 0)
        c->funding = true;
    return rc;
}

static const struct cx_conf_field k_funding[] = {
    CX_CONF_CUSTOM("rate", struct cx_run_cfg, funding_rate_ppb, key_funding_rate, NULL),
    CX_CONF_CUSTOM("interval", struct cx_run_cfg, funding_interval_ns, key_funding_interval,
                   NULL),
    CX_CONF_CUSTOM("first", struct cx_run_cfg, funding_first_ns, key_funding_first, NULL),
    CX_CONF_CUSTOM("file", struct cx_run_cfg, funding_file, key_funding_file, NULL),
    CX_CONF_VENUE("venue", struct cx_run_cfg, funding_venue),
    CX_CONF_STR("symbol", struct cx_run_cfg, funding_symbol, 0u,
                "backtest.funding.symbol must be at most 31 bytes"),
    CX_CONF_END,
};

/* backtest.funding: a section whose keys each turn funding on. */
static int key_funding(struct cx_conf_ctx *ctx, const struct cx_conf_field *f,
                       const struct cx_conf_node *n, const char *key, void *obj)
{
    (void)f;
    return cx_conf_read_node(ctx, n, key, k_funding, obj);
}

/* Rendered only when funding is on: null (an empty section) leaves it off on reading back. */
static void json_funding(struct cx_conf_json *out, const struct cx_conf_field *f,
                         const void *obj)
{
    (void)f;
    const struct cx_run_cfg *c = obj;
    if (!c->funding) {
        cx_conf_json_raw(out, "null");
        return;
    }
    static const struct cx_conf_field k_interval =
        {.name = "interval", .type = CX_CONF_T_DUR, .storage = CX_CONF_S_I64,
         .off = offsetof(struct cx_run_cfg, funding_interval_ns), .size = sizeof(int64_t)};
    char first[40];
    cx_conf_json_open(out, '{');
    cx_conf_json_key(out, "rate");
    cx_conf_json_value(out, &k_rate_ppb, c);
    cx_conf_json_key(out, "interval");
    cx_conf_json_value(out, &k_interval, c);
    cx_conf_json_key(out, "first");
    if (cx_time_format_utc(c->funding_first_ns, first, sizeof first) > 0)
        json_text(out, first);
    else
        cx_conf_json_raw(out, "null");
    if (c->funding_file[0] != '\0') {
        cx_conf_json_key(out, "file");
        json_text(out, c->funding_file);
    }
    if (c->funding_venue != 0) {
        cx_conf_json_key(out, "venue");
        json_text(out, cx_venue_name((enum cx_venue)c->funding_venue));
        cx_conf_json_key(out, "symbol");
        json_text(out, c->funding_symbol);
    }
    cx_conf_json_close(out, '}');
}

/* ---------------------------------------------------------------------------------------------
 * MARK: named accounts (backtest.accounts)
 * ------------------------------------------------------------------------------------------- */

/* One item of backtest.accounts, read with k_account_item, then moved into sim.accounts. */
struct account_item {
    char name[16];                       /* account name */
    uint8_t venue;                       /* enum cx_venue */
    uint32_t leverage;                   /* perps: leverage */
    const struct cx_conf_node *balances; /* {ASSET: "amount"} */
};

static const struct cx_conf_field k_account_item[] = {
    CX_CONF_STR("name", struct account_item, name, CX_CONF_F_NONEMPTY | CX_CONF_F_REQUIRED,
                "account names are 1 to 15 bytes"),
    {.name = "venue", .type = CX_CONF_T_VENUE, CX__CONF_M(struct account_item, venue),
     .flags = CX_CONF_F_REQUIRED},
    CX_CONF_INT_K("leverage", "leverage", struct account_item, leverage, 1, 200),
    CX_CONF_NODE("balances", struct account_item, balances),
    CX_CONF_END,
};

static int account_item(struct cx_conf_ctx *ctx, const struct cx_conf_node *item, const char *key,
                        void *obj, void *elem, uint32_t index, uint32_t count)
{
    (void)count;
    struct cx_sim_cfg *sim = &((struct cx_run_cfg *)obj)->sim;
    const struct account_item *it = elem;
    if (index == 0) {
        struct run_load *ml = cx_conf_user(ctx);
        if (ml != NULL && ml->has_balances)
            return cx_conf_fail(ctx, CX_EPARSE,
                                "give the accounts either as backtest.balances (one per venue) "
                                "or as backtest.accounts (named), not both",
                                key, item);
        if (ml != NULL)
            ml->has_accounts = true;
        sim->n_accounts = 0;
        memset(sim->accounts, 0, sizeof sim->accounts);
    }
    if (sim->n_accounts == CX_SIM_MAX_ACCOUNTS)
        return cx_conf_fail(ctx, CX_ECONFIG, "at most 8 accounts", key, item);
    for (uint32_t j = 0; j < sim->n_accounts; j++)
        if (sim->accounts[j].venue == it->venue && strcmp(sim->accounts[j].name, it->name) == 0)
            return cx_conf_fail(ctx, CX_ECONFIG, "two accounts with one name on one venue", key,
                                item);
    struct cx_account *a = add_account(sim, (enum cx_venue)it->venue,
                                       it->leverage > 0 ? it->leverage : 1u);
    memcpy(a->name, it->name, sizeof a->name);
    if (it->balances == NULL)
        return 0;
    char bkey[RUN_KEY_MAX];
    join(bkey, key, "balances");
    int rc = read_account(ctx, it->balances, bkey, a);
    if (rc == 0 && a->leverage == 0)
        a->leverage = 1;
    return rc;
}

/* backtest.accounts: a list of {name, venue, leverage, balances}; replaces the accounts. */
static int key_accounts(struct cx_conf_ctx *ctx, const struct cx_conf_field *f,
                        const struct cx_conf_node *n, const char *key, void *obj)
{
    (void)f;
    if (cx_conf_node_kind(n) != CX_CONF_NODE_SEQ)
        return cx_conf_fail(ctx, CX_EPARSE,
                            "expected a list of {name, venue, leverage, balances}", key, n);
    uint32_t count = cx_conf_node_count(n);
    if (count == 0)
        return cx_conf_fail(ctx, CX_ECONFIG, "backtest.accounts must list 1 to 8 accounts", key,
                            n);
    for (uint32_t i = 0; i < count; i++) {
        const struct cx_conf_node *item = cx_conf_node_item(ctx, n, i);
        char ikey[RUN_KEY_MAX];
        join_index(ikey, key, (long)i);
        cx_conf_remember(ctx, ikey, item);
        struct account_item it = {0};
        int rc = cx_conf_read_node(ctx, item, ikey, k_account_item, &it);
        if (rc == 0)
            rc = account_item(ctx, item, ikey, obj, &it, i, count);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* backtest.accounts rendered as the canonical form of every account (names, leverage). */
static void json_accounts(struct cx_conf_json *out, const struct cx_conf_field *f,
                          const void *obj)
{
    (void)f;
    const struct cx_sim_cfg *sim = &((const struct cx_run_cfg *)obj)->sim;
    static const struct cx_conf_field k_total = {
        .name = "", .type = CX_CONF_T_DEC, .storage = CX_CONF_S_I64, .exp = CX_NOTIONAL_EXP,
        .off = offsetof(struct cx_balance, total), .size = sizeof(int64_t)};
    cx_conf_json_open(out, '[');
    for (uint32_t i = 0; i < sim->n_accounts && i < CX_SIM_MAX_ACCOUNTS; i++) {
        const struct cx_account *a = &sim->accounts[i];
        cx_conf_json_open(out, '{');
        cx_conf_json_key(out, "name");
        json_text(out, a->name);
        cx_conf_json_key(out, "venue");
        json_text(out, cx_venue_name((enum cx_venue)a->venue));
        cx_conf_json_key(out, "leverage");
        cx_conf_json_value(out, &k_leverage, a);
        cx_conf_json_key(out, "balances");
        cx_conf_json_open(out, '{');
        for (uint32_t j = 0; j < a->n_balances && j < CX_ACCOUNT_MAX_ASSETS; j++) {
            cx_conf_json_key(out, a->balances[j].asset);
            cx_conf_json_value(out, &k_total, &a->balances[j]);
        }
        cx_conf_json_close(out, '}');
        cx_conf_json_close(out, '}');
    }
    cx_conf_json_close(out, ']');
}

/* ---------------------------------------------------------------------------------------------
 * MARK: fee overrides (backtest.fees)
 * ------------------------------------------------------------------------------------------- */

#define FEE_RANGE "fees are fractions in [-0.01, 0.01] (\"0.0002\" = 0.02 %)"
static const struct cx_conf_field k_fee_item[] = {
    {.name = "venue", .type = CX_CONF_T_VENUE, CX__CONF_M(struct cx_run_fee, venue),
     .flags = CX_CONF_F_REQUIRED},
    CX_CONF_STR("symbol", struct cx_run_fee, symbol, CX_CONF_F_NONEMPTY | CX_CONF_F_REQUIRED,
                "symbol must be 1 to 31 bytes"),
    {.name = "maker", .type = CX_CONF_T_DEC, CX__CONF_M(struct cx_run_fee, maker_fee_ppb),
     .exp = -9, .flags = CX_CONF_F_BOUNDED | CX_CONF_F_REQUIRED, .f_min = -0.01, .f_max = 0.01,
     .msg = FEE_RANGE},
    {.name = "taker", .type = CX_CONF_T_DEC, CX__CONF_M(struct cx_run_fee, taker_fee_ppb),
     .exp = -9, .flags = CX_CONF_F_BOUNDED | CX_CONF_F_REQUIRED, .f_min = -0.01, .f_max = 0.01,
     .msg = FEE_RANGE},
    CX_CONF_END,
};

/* ---------------------------------------------------------------------------------------------
 * MARK: risk limits (risk:)
 * ------------------------------------------------------------------------------------------- */

#define R struct cx_risk_limits
static const struct cx_conf_field k_order_rate[] = {
    CX_CONF_INT_K("risk.order_rate.max", "max", R, max_orders_per_window, 0, 1000000),
    CX_CONF_DUR_K("risk.order_rate.window", "window", R, order_window_ns, 1, ms, 1, h),
    CX_CONF_END,
};

static const struct cx_conf_field k_inst_limit[] = {
    {.name = "venue", .type = CX_CONF_T_VENUE, CX__CONF_M(struct cx_risk_inst_limit, venue),
     .flags = CX_CONF_F_REQUIRED},
    CX_CONF_STR("symbol", struct cx_risk_inst_limit, symbol,
                CX_CONF_F_NONEMPTY | CX_CONF_F_REQUIRED, "symbol must be 1 to 31 bytes"),
    {.name = "max", .type = CX_CONF_T_DEC, CX__CONF_M(struct cx_risk_inst_limit, max_abs_base),
     .exp = CX_NOTIONAL_EXP, .flags = CX_CONF_F_BOUNDED | CX_CONF_F_LO_OPEN | CX_CONF_F_REQUIRED,
     .f_min = 0, .f_max = 1e10, .msg = "risk.max_position[].max must be in (0, 1e10] base units"},
    CX_CONF_END,
};

static const struct cx_conf_field k_asset_limit[] = {
    CX_CONF_STR("asset", struct cx_risk_asset_limit, asset,
                CX_CONF_F_NONEMPTY | CX_CONF_F_REQUIRED, "asset names are 1 to 15 bytes"),
    {.name = "max", .type = CX_CONF_T_DEC, CX__CONF_M(struct cx_risk_asset_limit, max_abs_base),
     .exp = CX_NOTIONAL_EXP, .flags = CX_CONF_F_BOUNDED | CX_CONF_F_LO_OPEN | CX_CONF_F_REQUIRED,
     .f_min = 0, .f_max = 1e10, .msg = "risk.max_asset[].max must be in (0, 1e10] asset units"},
    CX_CONF_END,
};

static const struct cx_conf_field k_risk[] = {
    CX_CONF_BOOL("skip_filters", R, skip_filters),
    {.name = "max_order_notional", .type = CX_CONF_T_DEC, CX__CONF_M(R, max_order_notional),
     .exp = CX_NOTIONAL_EXP, .flags = CX_CONF_F_BOUNDED, .f_min = 0, .f_max = 1e10,
     .msg = "risk.max_order_notional must be in [0, 1e10] quote units (0 = no limit)"},
    CX_CONF_INT_K("risk.max_open_orders", "max_open_orders", R, max_open_orders, 0, 1000000),
    CX_CONF_GROUP("order_rate", k_order_rate),
    CX_CONF_SEQ("max_position", R, inst, n_inst, k_inst_limit, NULL, NULL),
    CX_CONF_SEQ("max_asset", R, asset, n_asset, k_asset_limit, NULL, NULL),
    CX_CONF_END,
};
#undef R

/* ---------------------------------------------------------------------------------------------
 * MARK: strategies (strategies: [...], and the single shape's strategy: key)
 * ------------------------------------------------------------------------------------------- */

/* A strategy's `accounts: {venue: name}`. */
static int read_account_refs(struct cx_conf_ctx *ctx, const struct cx_conf_node *n,
                             const char *key, struct cx_run_strategy *s)
{
    s->n_accounts = 0;
    if (cx_conf_node_kind(n) == CX_CONF_NODE_NULL)
        return 0;
    if (cx_conf_node_kind(n) != CX_CONF_NODE_MAP)
        return cx_conf_fail(ctx, CX_EPARSE, "expected a mapping of venue: account name", key, n);
    for (uint32_t i = 0; i < cx_conf_node_count(n); i++) {
        const struct cx_conf_node *k, *v;
        cx_conf_node_pair(ctx, n, i, &k, &v);
        const char *vname = cx_conf_node_text(k, NULL);
        if (vname == NULL)
            return cx_conf_fail(ctx, CX_EPARSE, "mapping keys must be plain names", key, k);
        char vkey[RUN_KEY_MAX];
        join(vkey, key, vname);
        uint8_t venue;
        int rc = cx_conf_read_value(ctx, k, vkey, &k_venue_name, &venue);
        if (rc != 0)
            return rc;
        if (s->n_accounts == CX_RUN_MAX_ACCOUNT_REFS)
            return cx_conf_fail(ctx, CX_ECONFIG, "at most 8 default accounts", vkey, k);
        for (uint32_t j = 0; j < s->n_accounts; j++)
            if (s->accounts[j].venue == venue)
                return cx_conf_fail(ctx, CX_EPARSE, "duplicate key", vkey, k);
        cx_conf_remember(ctx, vkey, v);
        struct cx_run_account_ref *ref = &s->accounts[s->n_accounts];
        static const struct cx_conf_field k_name =
            CX_CONF_STR("", struct cx_run_account_ref, account, CX_CONF_F_NONEMPTY,
                        "account names are 1 to 15 bytes");
        ref->venue = venue;
        rc = cx_conf_read_value(ctx, v, vkey, &k_name, ref);
        if (rc != 0)
            return rc;
        s->n_accounts++;
    }
    return 0;
}

/* One item of `strategies:` before its type is known. */
struct strat_item {
    char name[32];                       /* instance name ("" = the type's) */
    char type[32];                       /* type name */
    const struct cx_conf_node *accounts; /* {venue: account} */
    const struct cx_conf_node *params;   /* the type's keys */
};

static const struct cx_conf_field k_strat_item[] = {
    CX_CONF_STR("name", struct strat_item, name, CX_CONF_F_NONEMPTY,
                "strategy names are 1 to 31 bytes"),
    CX_CONF_STR("type", struct strat_item, type, CX_CONF_F_NONEMPTY | CX_CONF_F_REQUIRED,
                "strategy types are 1 to 31 bytes"),
    CX_CONF_NODE("accounts", struct strat_item, accounts),
    CX_CONF_NODE("params", struct strat_item, params),
    CX_CONF_END,
};

static int unknown_type(struct cx_conf_ctx *ctx, const char *key, const struct cx_conf_node *n)
{
    return cx_conf_fail(ctx, CX_ECONFIG,
                        "unknown strategy type (`cexarb backtest --help` lists the types)", key,
                        n);
}

static int strategy_item(struct cx_conf_ctx *ctx, const struct cx_conf_node *item,
                         const char *key, void *obj, void *elem, uint32_t index, uint32_t count)
{
    (void)count;
    struct cx_run_cfg *c = obj;
    const struct strat_item *it = elem;
    if (index >= CX_RUN_MAX_STRATEGIES)
        return cx_conf_fail(ctx, CX_ECONFIG, "at most 16 strategies in one run", key, item);
    char tkey[RUN_KEY_MAX];
    join(tkey, key, "type");
    const struct cx_strategy_type *t = cx_strategy_type_find(it->type, strlen(it->type));
    if (t == NULL)
        return unknown_type(ctx, tkey, cx_conf_node_get(ctx, item, "type"));
    struct cx_run_strategy *s = &c->strategies[index];
    strategy_default(s, t);
    if (it->name[0] != '\0')
        memcpy(s->name, it->name, sizeof s->name);
    char pkey[RUN_KEY_MAX];
    join(pkey, key, "params");
    int rc = it->params != NULL ? cx_conf_read_node(ctx, it->params, pkey, t->params_fields,
                                                    s->params)
                                : 0;
    if (rc == 0 && it->accounts != NULL) {
        join(pkey, key, "accounts");
        rc = read_account_refs(ctx, it->accounts, pkey, s);
    }
    c->n_strategies = index + 1;
    c->is_single = false;
    return rc;
}

/* strategies: rendered from the run's strategies (each type renders its own parameters). */
static void json_strategies(struct cx_conf_json *out, const struct cx_conf_field *f,
                            const void *obj)
{
    (void)f;
    const struct cx_run_cfg *c = obj;
    cx_conf_json_open(out, '[');
    for (uint32_t i = 0; i < c->n_strategies && i < CX_RUN_MAX_STRATEGIES; i++) {
        const struct cx_run_strategy *s = &c->strategies[i];
        cx_conf_json_open(out, '{');
        cx_conf_json_key(out, "name");
        json_text(out, s->name);
        cx_conf_json_key(out, "type");
        json_text(out, s->type->name);
        if (s->n_accounts > 0) {
            cx_conf_json_key(out, "accounts");
            cx_conf_json_open(out, '{');
            for (uint32_t j = 0; j < s->n_accounts; j++) {
                cx_conf_json_key(out, cx_venue_name((enum cx_venue)s->accounts[j].venue));
                json_text(out, s->accounts[j].account);
            }
            cx_conf_json_close(out, '}');
        }
        const struct cx_conf_field params = {.name = "params", .type = CX_CONF_T_SECTION,
                                             .off = 0, .sub = s->type->params_fields};
        cx_conf_json_key(out, "params");
        cx_conf_json_value(out, &params, s->params);
        cx_conf_json_close(out, '}');
    }
    cx_conf_json_close(out, ']');
}

/* The single shape's `strategy: TYPE` (the type was found by the first look; checked again). */
static int key_strategy(struct cx_conf_ctx *ctx, const struct cx_conf_field *f,
                        const struct cx_conf_node *n, const char *key, void *obj)
{
    (void)f;
    (void)obj;
    const char *text;
    int rc = cx_conf_want_scalar(ctx, n, key, "expected a strategy type name", &text, NULL);
    if (rc != 0)
        return rc;
    if (cx_strategy_type_find(text, strlen(text)) == NULL)
        return unknown_type(ctx, key, n);
    return 0;
}

static void json_strategy(struct cx_conf_json *out, const struct cx_conf_field *f,
                          const void *obj)
{
    (void)f;
    const struct cx_run_cfg *c = obj;
    json_text(out, c->strategies[0].type->name);
}

/* ---------------------------------------------------------------------------------------------
 * MARK: tables
 * ------------------------------------------------------------------------------------------- */

#define C struct cx_run_cfg

static const struct cx_conf_field k_latency[] = {
    CX_CONF_CUSTOM("entry", C, sim.entry, key_latency, json_latency),
    CX_CONF_CUSTOM("response", C, sim.response, key_latency, json_latency),
    CX_CONF_END,
};

/* backtest.venue_reorder_window: a duration in [0s, 10s], or off (= 0s: no reordering). */
static const struct cx_conf_field k_window =
    {.name = "venue_reorder_window", .type = CX_CONF_T_DUR, .storage = CX_CONF_S_I64,
     .off = offsetof(struct cx_run_cfg, venue_window_ns), .size = sizeof(int64_t),
     .flags = CX_CONF_F_BOUNDED, .i_min = 0, .i_max = 10 * CX_NS_PER_S,
     .msg = "backtest.venue_reorder_window must be in [0s, 10s] or off"};

static int key_window(struct cx_conf_ctx *ctx, const struct cx_conf_field *f,
                      const struct cx_conf_node *n, const char *key, void *obj)
{
    (void)f;
    const char *text = cx_conf_node_text(n, NULL);
    if (text != NULL && strcmp(text, "off") == 0) {
        ((struct cx_run_cfg *)obj)->venue_window_ns = 0;
        return 0;
    }
    return cx_conf_read_value(ctx, n, key, &k_window, obj);
}

static void json_window(struct cx_conf_json *out, const struct cx_conf_field *f, const void *obj)
{
    (void)f;
    if (((const struct cx_run_cfg *)obj)->venue_window_ns == 0)
        json_text(out, "off");
    else
        cx_conf_json_value(out, &k_window, obj);
}

static const struct cx_conf_field k_clock_offset[] = {
    CX_CONF_DEC_K("backtest.clock_offset.percentile", "percentile", C, clock_offset_pct_ppm, -4,
                  CLOSED, 0, 50, CLOSED),
    CX_CONF_DUR_K("backtest.clock_offset.assumed_min_latency", "assumed_min_latency", C,
                  assumed_min_latency_ns, 0, s, 1, s),
    CX_CONF_END,
};

static const char *const k_queue_models[] = {"risk_averse", "probabilistic", NULL};
/* enum cx_queue_func order. */
static const char *const k_queue_functions[] = {"power", "log", "power2", "log2", "power3", NULL};

static const struct cx_conf_field k_backtest[] = {
    CX_CONF_CUSTOM("funding", C, funding, key_funding, json_funding),
    CX_CONF_CUSTOM("files", C, files, key_files, json_files),
    CX_CONF_CUSTOM("balances", C, sim.accounts, key_balances, NULL),
    CX_CONF_CUSTOM("accounts", C, sim, key_accounts, json_accounts),
    CX_CONF_SEQ("fees", C, fees, n_fees, k_fee_item, NULL, NULL),
    CX_CONF_GROUP("latency", k_latency),
    CX_CONF_ENUM("queue_model", C, sim.queue_model, k_queue_models,
                 "backtest.queue_model must be risk_averse or probabilistic"),
    CX_CONF_ENUM("queue_function", C, sim.queue_function, k_queue_functions,
                 "backtest.queue_function must be power, log, power2, log2 or power3"),
    CX_CONF_F64_K("backtest.queue_power", "queue_power", C, sim.queue_power, OPEN, 0, 10, CLOSED),
    CX_CONF_GROUP("clock_offset", k_clock_offset),
    CX_CONF_CUSTOM("venue_reorder_window", C, venue_window_ns, key_window, json_window),
    CX_CONF_INT_ANY("seed", C, sim.seed, "backtest.seed must be in [0, 18446744073709551615]"),
    CX_CONF_DUR_K("backtest.sample_interval", "sample_interval", C, sample_interval_ns, 10, ms,
                  1, h),
    CX_CONF_STR("session_root", C, session_root, CX_CONF_F_NONEMPTY,
                "backtest.session_root must be a path of 1 to 511 bytes"),
    CX_CONF_END,
};

/* The run's own keys (both shapes). */
#define RUN_KEYS                                                                               \
    CX_CONF_CUSTOM("instruments", C, instruments, key_instruments, json_path),                 \
        CX_CONF_GROUP("backtest", k_backtest), CX_CONF_SECTION("risk", C, risk, k_risk)

/* A file with a list of strategies. */
static const struct cx_conf_field k_run_list[] = {
    RUN_KEYS,
    CX_CONF_SEQ_HOOK("strategies", C, n_strategies, struct strat_item, k_strat_item,
                     strategy_item),
    CX_CONF_END,
};

/* Rendering of a list file: json_strategies renders the array from the run's strategies. */
static const struct cx_conf_field k_run_list_json[] = {
    RUN_KEYS,
    CX_CONF_CUSTOM("strategies", C, strategies, NULL, json_strategies),
    CX_CONF_END,
};

/* The first look at a file: which shape, which type. */
struct peek {
    const struct cx_conf_node *strategy;   /* the single shape's type name */
    const struct cx_conf_node *strategies; /* the list */
};

static const struct cx_conf_field k_peek[] = {
    CX_CONF_NODE("strategy", struct peek, strategy),
    CX_CONF_NODE("strategies", struct peek, strategies),
    CX_CONF_END,
};

/* A single-strategy file's table: the run's keys, `strategy:`, and the type's keys inlined at
 * strategies[0].params. Built per load (the type is known only then). */
struct single_table {
    struct cx_conf_field f[8];
};

static void single_table(struct single_table *t, const struct cx_strategy_type *type)
{
    const struct cx_conf_field run[] = {RUN_KEYS};
    size_t n = sizeof run / sizeof run[0];
    memcpy(t->f, run, sizeof run);
    t->f[n++] = (struct cx_conf_field)CX_CONF_CUSTOM("strategy", C, strategies, key_strategy,
                                                     json_strategy);
    t->f[n++] = (struct cx_conf_field){.name = "", .type = CX_CONF_T_INLINE,
                                       .off = offsetof(C, strategies[0].params),
                                       .size = type->params_size, .sub = type->params_fields};
    t->f[n] = (struct cx_conf_field)CX_CONF_END;
}

#undef C

/* ---------------------------------------------------------------------------------------------
 * MARK: checks after the walk
 * ------------------------------------------------------------------------------------------- */


/* A path that must name an existing regular file; key names it in reports (CX_ENOENT when it
 * does not exist, CX_ECONFIG when it is not a regular file). */
static int check_file(struct cx_conf_ctx *ctx, const char *key, const char *path)
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
    struct cx_parse_err *err = cx_conf_err(ctx);
    if (err == NULL)
        return code;
    /* Position first, found with the bare key; then the detail becomes "key: path". */
    cx_conf_fail(ctx, code, msg, key, NULL);
    char detail[sizeof err->detail];
    size_t klen = strlen(key);
    size_t plen = strlen(path);
    size_t room = sizeof detail - 1u; /* bytes available for "key: path" */
    if (klen + 2u + plen <= room || klen + 5u + 8u > room)
        snprintf(detail, sizeof detail, "%s: %s", key, path);
    else /* keep the end of a long path: the file name is the useful part */
        snprintf(detail, sizeof detail, "%s: ...%s", key, path + plen - (room - klen - 5u));
    cx_parse_err_set(err, code, msg, detail, strlen(detail));
    return code;
}

/* Relations between keys, strategies' parameters, accounts the strategies name, and files. */
static int check_all(struct cx_conf_ctx *ctx, void *obj)
{
    const struct cx_run_cfg *c = obj;
    struct cx_parse_err *err = cx_conf_err(ctx);
    char key[RUN_KEY_MAX];
    for (uint32_t i = 0; i < c->n_strategies; i++) {
        const struct cx_run_strategy *s = &c->strategies[i];
        int rc = s->type->params_validate(s->params, err);
        if (rc != 0) {
            if (err != NULL && !c->is_single) {
                char detail[2 * sizeof err->detail];
                snprintf(detail, sizeof detail, "strategies[%u].params.%s", i, err->detail);
                memcpy(err->detail, detail, sizeof err->detail - 1);
                err->detail[sizeof err->detail - 1] = '\0';
            }
            return cx_conf_locate(ctx, rc);
        }
        for (uint32_t j = 0; j < i; j++)
            if (strcmp(c->strategies[j].name, s->name) == 0) {
                snprintf(key, sizeof key, "strategies[%u].name", i);
                return cx_conf_fail(ctx, CX_ECONFIG,
                                    "two strategies with one name (give each a name:)", key,
                                    NULL);
            }
        for (uint32_t k = 0; k < s->n_accounts; k++) {
            const struct cx_run_account_ref *ref = &s->accounts[k];
            bool found = false;
            for (uint32_t a = 0; a < c->sim.n_accounts; a++)
                found |= c->sim.accounts[a].venue == ref->venue &&
                         strcmp(c->sim.accounts[a].name, ref->account) == 0;
            if (!found) {
                snprintf(key, sizeof key, "strategies[%u].accounts.%s", i,
                         cx_venue_name((enum cx_venue)ref->venue));
                return cx_conf_fail(ctx, CX_ECONFIG,
                                    "no account of that name on that venue (backtest.accounts)",
                                    key, NULL);
            }
        }
    }
    if ((c->funding_venue != 0) != (c->funding_symbol[0] != '\0'))
        return cx_conf_fail(ctx, CX_ECONFIG,
                            "backtest.funding.venue and .symbol go together (neither: every "
                            "linear perp)",
                            c->funding_venue != 0 ? "backtest.funding.venue"
                                                  : "backtest.funding.symbol",
                            NULL);
    for (uint32_t i = 0; i < c->n_files; i++) {
        join_index(key, "backtest.files", (long)i);
        int rc = check_file(ctx, key, c->files[i]);
        if (rc != 0)
            return rc;
    }
    static const char *const lat_keys[2] = {"backtest.latency.entry.file",
                                             "backtest.latency.response.file"};
    for (int i = 0; i < 2; i++) {
        if (c->latency_file[i][0] == '\0')
            continue;
        int rc = check_file(ctx, lat_keys[i], c->latency_file[i]);
        if (rc != 0)
            return rc;
    }
    if (c->instruments[0] != '\0')
        return check_file(ctx, "instruments", c->instruments);
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: entry points
 * ------------------------------------------------------------------------------------------- */

/* The first look's check: the file's shape and type, reported where they are. */
static int check_peek(struct cx_conf_ctx *ctx, void *obj)
{
    struct peek *p = obj;
    struct run_load *ml = cx_conf_user(ctx);
    if (p->strategy != NULL && p->strategies != NULL)
        return cx_conf_fail(ctx, CX_EPARSE,
                            "give either strategy: (one strategy, its keys at the top level) or "
                            "strategies: (a list), not both",
                            "strategies", p->strategies);
    if (p->strategies != NULL) {
        ml->single = NULL;
        return 0;
    }
    ml->single = cx_strategy_type_find("maker_hedge", 11); /* the default type */
    if (p->strategy != NULL) {
        const char *text;
        int rc = cx_conf_want_scalar(ctx, p->strategy, "strategy", "expected a strategy type name",
                                     &text, NULL);
        if (rc != 0)
            return rc;
        ml->single = cx_strategy_type_find(text, strlen(text));
        if (ml->single == NULL)
            return unknown_type(ctx, "strategy", p->strategy);
    }
    return 0;
}

int cx_run_cfg_load(struct cx_run_cfg *c, const char *path, const char *data_dir,
                    struct cx_parse_err *err)
{
    if (c == NULL || path == NULL)
        return CX_EINVAL;
    struct run_load ml = {.data_dir = data_dir};
    ml.data_dir_len = data_dir_len(&ml.data_dir);
    struct cx_conf_doc *doc = NULL;
    struct cx_run_cfg *work = NULL;
    int rc = cx_conf_doc_open_file(&doc, path, err);
    if (rc != 0)
        goto out;
    const struct cx_conf_node *root = cx_conf_doc_root(doc);
    struct peek p = {0};
    struct cx_conf_opts popts = {.user = &ml, .check = check_peek, .skip_unknown = true};
    rc = cx_conf_load_node(doc, root, "", k_peek, &p, sizeof p, &popts, err);
    if (rc != 0)
        goto out;
    /* The file applies over *c; a file of the other shape, or of another type, starts its
     * strategies from their defaults. */
    work = malloc(sizeof *work);
    if (work == NULL) {
        rc = cx_parse_err_set(err, CX_ENOMEM, "out of memory", NULL, 0);
        goto out;
    }
    *work = *c;
    struct cx_conf_opts opts = {.user = &ml, .check = check_all};
    if (ml.single != NULL) {
        if (!work->is_single || work->n_strategies != 1 ||
            work->strategies[0].type != ml.single) {
            strategy_default(&work->strategies[0], ml.single);
            work->n_strategies = 1;
            work->is_single = true;
        }
        struct single_table t;
        single_table(&t, ml.single);
        rc = cx_conf_load_node(doc, root, "", t.f, work, sizeof *work, &opts, err);
    } else {
        rc = cx_conf_load_node(doc, root, "", k_run_list, work, sizeof *work, &opts, err);
    }
    if (rc == 0)
        *c = *work;
out:
    free(work);
    cx_conf_doc_free(doc);
    return rc;
}

int cx_run_cfg_to_json(const struct cx_run_cfg *c, char *buf, size_t cap)
{
    if (c == NULL || buf == NULL || c->n_strategies == 0)
        return CX_EINVAL;
    if (c->is_single) {
        struct single_table t;
        single_table(&t, c->strategies[0].type);
        return cx_conf_to_json(t.f, c, buf, cap);
    }
    return cx_conf_to_json(k_run_list_json, c, buf, cap);
}

int cx_run_cfg_apply_fees(const struct cx_run_cfg *c, struct cx_registry *reg,
                          struct cx_parse_err *err)
{
    if (c == NULL || reg == NULL)
        return CX_EINVAL;
    for (uint32_t i = 0; i < c->n_fees; i++) {
        const struct cx_run_fee *f = &c->fees[i];
        const struct cx_instrument *in =
            cx_registry_find(reg, (enum cx_venue)f->venue, f->symbol, strlen(f->symbol));
        if (in == NULL) {
            char key[RUN_KEY_MAX];
            join_index(key, "backtest.fees", (long)i);
            if (err != NULL)
                memset(err, 0, sizeof *err);
            return cx_parse_err_set(err, CX_ESYMBOL, "fee override for an unknown instrument",
                                    key, strlen(key));
        }
        struct cx_instrument *w = &reg->items[in->id];
        w->maker_fee_ppb = f->maker_fee_ppb;
        w->taker_fee_ppb = f->taker_fee_ppb;
    }
    return 0;
}

uint16_t cx_run_cfg_account_id(const struct cx_run_cfg *c, const struct cx_run_strategy *s,
                               enum cx_venue venue)
{
    const char *name = NULL;
    for (uint32_t k = 0; s != NULL && k < s->n_accounts; k++)
        if (s->accounts[k].venue == (uint8_t)venue)
            name = s->accounts[k].account;
    for (uint32_t a = 0; a < c->sim.n_accounts; a++)
        if (c->sim.accounts[a].venue == (uint8_t)venue &&
            (name == NULL || strcmp(c->sim.accounts[a].name, name) == 0))
            return (uint16_t)(a + 1);
    return 0;
}

void cx_run_cfg_engine(const struct cx_run_cfg *c, struct cx_registry *reg,
                       struct cx_engine_cfg *out)
{
    memset(out, 0, sizeof *out);
    for (uint32_t i = 0; i < c->n_files && i < CX_ENGINE_MAX_FILES; i++)
        out->paths[out->n_paths++] = c->files[i];
    out->reg = reg;
    out->sim = c->sim;
    out->risk = c->risk;
    out->sample_interval_ns = c->sample_interval_ns;
    out->clock_offset_pct_ppm = (uint32_t)c->clock_offset_pct_ppm; /* [0, 500000] */
    out->assumed_min_latency_ns = c->assumed_min_latency_ns;
    out->venue_window_ns = c->venue_window_ns > 0 ? c->venue_window_ns : -1; /* -1: none */
}

int cx_run_cfg_latency_series(const struct cx_run_cfg *c, struct cx_sim_cfg *sim,
                              struct cx_sim_latency_series series[2], struct cx_parse_err *err)
{
    if (c == NULL || sim == NULL || series == NULL)
        return CX_EINVAL;
    memset(series, 0, 2 * sizeof *series);
    struct cx_latency_cfg *lat[2] = {&sim->entry, &sim->response};
    static const char *const keys[2] = {"backtest.latency.entry.file",
                                        "backtest.latency.response.file"};
    for (int i = 0; i < 2; i++) {
        if (lat[i]->kind != CX_LAT_RECORDED)
            continue;
        const struct cx_sim_latency_series *s = &series[i];
        if (i == 1 && lat[0]->kind == CX_LAT_RECORDED &&
            strcmp(c->latency_file[0], c->latency_file[1]) == 0) {
            s = &series[0]; /* one file for both: loaded once */
        } else {
            int rc = cx_sim_latency_load_csv(c->latency_file[i], &series[i], err);
            if (rc != 0) {
                if (err != NULL) { /* name the key: "backtest.latency.entry.file: <token>" */
                    char detail[2 * sizeof err->detail];
                    snprintf(detail, sizeof detail, "%s: %s", keys[i], err->detail);
                    memcpy(err->detail, detail, sizeof err->detail - 1);
                    err->detail[sizeof err->detail - 1] = '\0';
                }
                cx_sim_latency_series_fini(&series[0]);
                cx_sim_latency_series_fini(&series[1]);
                return rc;
            }
        }
        lat[i]->rows = s->rows;
        lat[i]->n_rows = s->n;
    }
    return 0;
}
