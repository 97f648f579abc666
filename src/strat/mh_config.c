/* SPDX-License-Identifier: MIT */
/*
 * maker_hedge configuration file: defaults (cx_mh_config_default), the tables of its keys and
 * the few keys that need their own code, read by the generic loader (include/cexarb/conf.h)
 * for `cexarb backtest CONFIG`. Schema and every key's unit, default and range:
 * docs/config/maker_hedge.md; the full default file: configs/maker_hedge.yaml.
 *
 * Two tables share the file: k_mh_params (the strategy's parameters, relative to struct
 * cx_mh_params: venues, analyzer, breaker, offset, maker, hedge, monitor) is inlined into
 * k_mh_config (the run: strategy, instruments, backtest; relative to struct cx_mh_config), so
 * the planned split of the run configuration from the strategy's parameters moves tables, not
 * code. Ranges are declared in the tables and checked by the loader as values are read, with
 * messages that name the full key ("breaker.correlation_min must be in [-1, 1]"); relations
 * between keys (offset.max_ticks >= offset.base_ticks, ...) and the existence of files are
 * checked after the walk (check_all), positioned at the key when it was in the file. The file is
 * applied over *c as the caller filled it (normally with cx_mh_config_default); a rejected file
 * leaves the caller's config untouched.
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

#include "cexarb/conf.h"
#include "cexarb/instrument.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Bounds of the backtest keys that are not part of cx_mh_params (see docs/config). */
#define MH_LATENCY_MAX_NS (60 * CX_NS_PER_S) /* a minute of order latency is already absurd */
#define MH_KEY_MAX 128                       /* longest dotted key path kept */

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
 * MARK: helpers of the custom keys
 * ------------------------------------------------------------------------------------------- */

/* The load's user data: where "data/..." paths resolve. */
struct mh_load {
    const char *data_dir; /* borrowed */
    size_t data_dir_len;  /* data_dir without trailing slashes */
};

/* out = path + "." + name, truncated to MH_KEY_MAX (reports then show the start of the key). */
static void join(char *out, const char *path, const char *name)
{
    if (snprintf(out, MH_KEY_MAX, "%s.%s", path, name) >= MH_KEY_MAX)
        out[MH_KEY_MAX - 1] = '\0';
}

static void join_index(char *out, const char *path, long idx)
{
    if (snprintf(out, MH_KEY_MAX, "%s[%ld]", path, idx) >= MH_KEY_MAX)
        out[MH_KEY_MAX - 1] = '\0';
}

/* Resolves a path from the file: "data/..." against data_dir, others as written. */
static int resolve_path(struct cx_conf_ctx *ctx, const struct cx_conf_node *n, const char *key,
                        char *dst, size_t cap)
{
    const struct mh_load *ml = cx_conf_user(ctx); /* NULL: loaded through the bare table */
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

static int key_strategy(struct cx_conf_ctx *ctx, const struct cx_conf_field *f,
                        const struct cx_conf_node *n, const char *key, void *obj)
{
    (void)f;
    (void)obj;
    const char *text;
    int rc = cx_conf_want_scalar(ctx, n, key, "expected a strategy name", &text, NULL);
    if (rc != 0)
        return rc;
    if (strcmp(text, "maker_hedge") != 0)
        return cx_conf_fail(ctx, CX_ECONFIG, "strategy must be maker_hedge (this file's schema)",
                            key, n);
    return 0;
}

static void json_strategy(struct cx_conf_json *out, const struct cx_conf_field *f,
                          const void *obj)
{
    (void)f;
    (void)obj;
    json_text(out, "maker_hedge");
}

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

/* breaker.enabled: a list of trigger names -> enabled_mask ([] disables the breaker). */
static int key_enabled(struct cx_conf_ctx *ctx, const struct cx_conf_field *f,
                       const struct cx_conf_node *n, const char *key, void *obj)
{
    if (cx_conf_node_kind(n) != CX_CONF_NODE_SEQ)
        return cx_conf_fail(ctx, CX_EPARSE, "expected a list of trigger names ([A, B] or - lines)",
                            key, n);
    uint32_t mask = 0;
    for (uint32_t idx = 0; idx < cx_conf_node_count(n); idx++) {
        const struct cx_conf_node *item = cx_conf_node_item(ctx, n, idx);
        char ikey[MH_KEY_MAX];
        join_index(ikey, key, (long)idx);
        const char *text;
        int rc = cx_conf_want_scalar(ctx, item, ikey, "expected a trigger name", &text, NULL);
        if (rc != 0)
            return rc;
        int trig = 0;
        for (int t = CX_RISK_TRIG_NONE + 1; t < CX_RISK_TRIG_COUNT; t++) {
            if (strcmp(text, cx_risk_trigger_name((enum cx_risk_trigger)t)) == 0)
                trig = t;
        }
        if (trig == 0)
            return cx_conf_fail(ctx, CX_ECONFIG,
                                "unknown trigger (VOLATILITY_SPIKE, CORRELATION_BREAKDOWN, "
                                "VOLUME_DROUGHT, BASIS_INSTABILITY, EMERGENCY_SPIKE)",
                                ikey, item);
        if ((mask & (1u << trig)) != 0u)
            return cx_conf_fail(ctx, CX_ECONFIG, "trigger listed twice", ikey, item);
        mask |= 1u << trig;
    }
    uint32_t *dst = cx_conf_target(f, obj);
    *dst = mask;
    return 0;
}

static void json_enabled(struct cx_conf_json *out, const struct cx_conf_field *f,
                         const void *obj)
{
    const uint32_t *mask = cx_conf_target_const(f, obj);
    cx_conf_json_open(out, '[');
    for (int t = CX_RISK_TRIG_NONE + 1; t < CX_RISK_TRIG_COUNT; t++) {
        if ((*mask & (1u << t)) != 0u)
            json_text(out, cx_risk_trigger_name((enum cx_risk_trigger)t));
    }
    cx_conf_json_close(out, ']');
}

/* backtest.files: 1..CX_MH_MAX_FILES paths (existence is checked after the walk). */
static int key_files(struct cx_conf_ctx *ctx, const struct cx_conf_field *f,
                     const struct cx_conf_node *n, const char *key, void *obj)
{
    (void)f;
    struct cx_mh_config *c = obj;
    if (cx_conf_node_kind(n) != CX_CONF_NODE_SEQ)
        return cx_conf_fail(ctx, CX_EPARSE, "expected a list of file paths", key, n);
    uint32_t count = cx_conf_node_count(n);
    if (count < 1 || count > CX_MH_MAX_FILES)
        return cx_conf_fail(ctx, CX_ECONFIG, "backtest.files must list 1 to 8 files", key, n);
    for (uint32_t idx = 0; idx < count; idx++) {
        const struct cx_conf_node *item = cx_conf_node_item(ctx, n, idx);
        char ikey[MH_KEY_MAX];
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
    const struct cx_mh_config *c = obj;
    cx_conf_json_open(out, '[');
    for (uint32_t i = 0; i < c->n_files && i < CX_MH_MAX_FILES; i++)
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
        char akey[MH_KEY_MAX];
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
    struct cx_sim_cfg *sim = &((struct cx_mh_config *)obj)->sim;
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
        char vkey[MH_KEY_MAX];
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
        rc = read_account(ctx, v, vkey, a);
        if (rc != 0)
            return rc;
    }
    return 0;
}

static void json_balances(struct cx_conf_json *out, const struct cx_conf_field *f,
                          const void *obj)
{
    (void)f;
    const struct cx_sim_cfg *sim = &((const struct cx_mh_config *)obj)->sim;
    static const struct cx_conf_field k_total = {
        .name = "", .type = CX_CONF_T_DEC, .storage = CX_CONF_S_I64, .exp = CX_NOTIONAL_EXP,
        .off = offsetof(struct cx_balance, total), .size = sizeof(int64_t)};
    cx_conf_json_open(out, '{');
    for (uint32_t i = 0; i < sim->n_accounts && i < CX_SIM_MAX_ACCOUNTS; i++) {
        const struct cx_account *a = &sim->accounts[i];
        cx_conf_json_key(out, cx_venue_name((enum cx_venue)a->venue));
        cx_conf_json_open(out, '{');
        for (uint32_t j = 0; j < a->n_balances && j < CX_ACCOUNT_MAX_ASSETS; j++) {
            cx_conf_json_key(out, a->balances[j].asset);
            cx_conf_json_value(out, &k_total, &a->balances[j]);
        }
        cx_conf_json_key(out, "leverage");
        cx_conf_json_value(out, &k_leverage, a);
        cx_conf_json_close(out, '}');
    }
    cx_conf_json_close(out, '}');
}

/* Durations of a latency model, each into one end of struct cx_latency_cfg. */
static const struct cx_conf_field k_lat_lo =
    {.name = "", .type = CX_CONF_T_DUR, .storage = CX_CONF_S_I64,
     .off = offsetof(struct cx_latency_cfg, a_ns), .size = sizeof(int64_t),
     .flags = CX_CONF_F_BOUNDED, .i_min = 0, .i_max = MH_LATENCY_MAX_NS,
     .msg = "latency must be in [0s, 60s]"};
static const struct cx_conf_field k_lat_hi =
    {.name = "", .type = CX_CONF_T_DUR, .storage = CX_CONF_S_I64,
     .off = offsetof(struct cx_latency_cfg, b_ns), .size = sizeof(int64_t),
     .flags = CX_CONF_F_BOUNDED, .i_min = INT64_MIN, .i_max = MH_LATENCY_MAX_NS,
     .msg = "upper latency (max, p99) must be in [lower (min, median), 60s]"};

static const char *const k_lat_keys[] = {"kind", "value", "min", "max", "median", "p99"};
enum { K_KIND, K_VALUE, K_MIN, K_MAX, K_MEDIAN, K_P99, K_COUNT };

/* backtest.latency.entry / .response: "5ms" (constant) or {kind: constant, value: "5ms"},
 * {kind: uniform, min: .., max: ..}, {kind: lognormal, median: .., p99: ..}. */
static int key_latency(struct cx_conf_ctx *ctx, const struct cx_conf_field *f,
                       const struct cx_conf_node *n, const char *key, void *obj)
{
    struct cx_latency_cfg *lat = cx_conf_target(f, obj);
    struct cx_latency_cfg out = {CX_LAT_CONSTANT, 0, 0};
    if (cx_conf_node_kind(n) == CX_CONF_NODE_SCALAR || cx_conf_node_kind(n) == CX_CONF_NODE_NULL) {
        int rc = cx_conf_read_value(ctx, n, key, &k_lat_lo, &out);
        if (rc != 0)
            return rc;
        out.b_ns = out.a_ns;
        *lat = out;
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
        char skey[MH_KEY_MAX];
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
    char skey[MH_KEY_MAX];
    join(skey, key, "kind");
    if (vals[K_KIND] == NULL)
        return cx_conf_fail(ctx, CX_ECONFIG,
                            "latency mapping needs kind: constant, uniform or lognormal", skey, n);
    const char *kind;
    int rc = cx_conf_want_scalar(ctx, vals[K_KIND], skey,
                                 "expected constant, uniform or lognormal", &kind, NULL);
    if (rc != 0)
        return rc;
    int lo, hi; /* the two slots of the kind (the same for constant) */
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
        return cx_conf_fail(ctx, CX_ECONFIG, "latency kind must be constant, uniform or lognormal",
                            skey, vals[K_KIND]);
    }
    for (int i = K_VALUE; i < K_COUNT; i++) {
        join(skey, key, k_lat_keys[i]);
        if (vals[i] != NULL && i != lo && i != hi)
            return cx_conf_fail(ctx, CX_EPARSE,
                                "key not used by this latency kind (constant: value; uniform: "
                                "min, max; lognormal: median, p99)",
                                skey, keys[i]);
    }
    for (int i = K_VALUE; i < K_COUNT; i++) {
        join(skey, key, k_lat_keys[i]);
        if (vals[i] == NULL && (i == lo || i == hi))
            return cx_conf_fail(ctx, CX_ECONFIG,
                                "latency kind needs its keys (constant: value; uniform: min, max; "
                                "lognormal: median, p99)",
                                skey, n);
    }
    join(skey, key, k_lat_keys[lo]);
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
    bool uniform = lat->kind == CX_LAT_UNIFORM;
    cx_conf_json_open(out, '{');
    cx_conf_json_key(out, "kind");
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
     .off = offsetof(struct cx_mh_config, funding_rate_ppb), .size = sizeof(int64_t)};

static int key_funding_rate(struct cx_conf_ctx *ctx, const struct cx_conf_field *f,
                            const struct cx_conf_node *n, const char *key, void *obj)
{
    (void)f;
    struct cx_mh_config *c = obj;
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
    struct cx_mh_config *c = obj;
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
    struct cx_mh_config *c = obj;
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
         .off = offsetof(struct cx_mh_config, funding_interval_ns), .size = sizeof(int64_t),
         .flags = CX_CONF_F_BOUNDED, .i_min = 60 * CX_NS_PER_S,
         .i_max = 7 * 86400 * CX_NS_PER_S, .msg = "funding interval must be in [1m, 7d]"};
    struct cx_mh_config *c = obj;
    int rc = cx_conf_read_value(ctx, n, key, &k_dur, c);
    if (rc == 0)
        c->funding = true;
    return rc;
}

static const struct cx_conf_field k_funding[] = {
    CX_CONF_CUSTOM("rate", struct cx_mh_config, funding_rate_ppb, key_funding_rate, NULL),
    CX_CONF_CUSTOM("interval", struct cx_mh_config, funding_interval_ns, key_funding_interval,
                   NULL),
    CX_CONF_CUSTOM("first", struct cx_mh_config, funding_first_ns, key_funding_first, NULL),
    CX_CONF_CUSTOM("file", struct cx_mh_config, funding_file, key_funding_file, NULL),
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
    const struct cx_mh_config *c = obj;
    if (!c->funding) {
        cx_conf_json_raw(out, "null");
        return;
    }
    static const struct cx_conf_field k_interval =
        {.name = "interval", .type = CX_CONF_T_DUR, .storage = CX_CONF_S_I64,
         .off = offsetof(struct cx_mh_config, funding_interval_ns), .size = sizeof(int64_t)};
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
    cx_conf_json_close(out, '}');
}

/* ---------------------------------------------------------------------------------------------
 * MARK: tables
 * ------------------------------------------------------------------------------------------- */

/* Bounded keys of a fixed section: the message names the full key, built from the same tokens
 * as the bounds ("breaker.correlation_min must be in [-1, 1]"). */
#define P struct cx_mh_params
#define MH_INT(sec, name, m, lo, hi) CX_CONF_INT_K(sec "." name, name, P, m, lo, hi)
#define MH_F64(sec, name, m, lo_end, lo, hi, hi_end)                                           \
    CX_CONF_F64_K(sec "." name, name, P, m, lo_end, lo, hi, hi_end)
#define MH_DUR(sec, name, m, lo, lo_unit, hi, hi_unit)                                         \
    CX_CONF_DUR_K(sec "." name, name, P, m, lo, lo_unit, hi, hi_unit)
/* A key whose range also depends on another key: the static part of the range is declared,
 * the message states the whole range, the relation is checked after the walk. */
#define MH_F64_REL(sec, name, m, lo_end, lo, hi, hi_end, range)                                \
    CX_CONF_F64_MSG(name, P, m, lo_end, lo, hi, hi_end, sec "." name " must be in " range)

static const struct cx_conf_field k_spot[] = {
    CX_CONF_VENUE("venue", P, spot_venue),
    CX_CONF_STR("symbol", P, spot_symbol, 0u, NULL),
    CX_CONF_END,
};

static const struct cx_conf_field k_perp[] = {
    CX_CONF_VENUE("venue", P, perp_venue),
    CX_CONF_STR("symbol", P, perp_symbol, 0u, NULL),
    CX_CONF_END,
};

static const struct cx_conf_field k_venues[] = {
    CX_CONF_GROUP("spot", k_spot),
    CX_CONF_GROUP("perp", k_perp),
    CX_CONF_END,
};

/* Ranges of include/cexarb/signal.h and risk.h (spike_recent: below the analyzer's 20-sample
 * warm-up), in the words of mh_params.c's k_sub_keys. */
static const struct cx_conf_field k_analyzer[] = {
    MH_INT("analyzer", "lookback", signal.lookback, 50, 4096),
    MH_DUR("analyzer", "sample_interval", sample_interval_ns, 10, ms, 60, s),
    MH_INT("analyzer", "spike_recent", signal.spike_recent, 1, 19),
    MH_F64("analyzer", "spike_sigma", signal.spike_sigma, OPEN, 0, 100, CLOSED),
    CX_CONF_INT_ANY("volume_recent", P, signal.volume_recent,
                    "analyzer.volume_recent must be in [1, analyzer.lookback]"),
    MH_F64("analyzer", "trend_trending_pct", signal.trend_trending_pct, OPEN, 0, 100, CLOSED),
    MH_F64_REL("analyzer", "trend_mean_revert_pct", signal.trend_mean_revert_pct, OPEN, 0, 100,
               CLOSED, "(0, analyzer.trend_trending_pct]"),
    MH_F64("analyzer", "rsi_low", signal.rsi_low, CLOSED, 0, 100, OPEN),
    MH_F64_REL("analyzer", "rsi_high", signal.rsi_high, CLOSED, 0, 100, CLOSED,
               "(analyzer.rsi_low, 100]"),
    MH_F64("analyzer", "liq_ultra_low_below_quote", signal.liq_ultra_low_below_quote, OPEN, 0,
           1e15, CLOSED),
    MH_F64_REL("analyzer", "liq_low_below_quote", signal.liq_low_below_quote, OPEN, 0, 1e15,
               CLOSED, "[analyzer.liq_ultra_low_below_quote, 1e15]"),
    MH_F64_REL("analyzer", "liq_medium_below_quote", signal.liq_medium_below_quote, OPEN, 0,
               1e15, CLOSED, "[analyzer.liq_low_below_quote, 1e15]"),
    CX_CONF_END,
};

static const struct cx_conf_field k_breaker[] = {
    MH_F64("breaker", "volatility_threshold", breaker.volatility_threshold, OPEN, 0, 100, CLOSED),
    MH_F64("breaker", "vol_ratio_max", breaker.vol_ratio_max, CLOSED, 1, 1000, CLOSED),
    MH_F64("breaker", "correlation_min", breaker.correlation_min, CLOSED, -1, 1, CLOSED),
    MH_F64("breaker", "volume_ratio_min", breaker.volume_ratio_min, CLOSED, 0, 1, CLOSED),
    MH_F64("breaker", "basis_vol_max", breaker.basis_vol_max, OPEN, 0, 1, CLOSED),
    MH_F64("breaker", "emergency_intensity", breaker.emergency_intensity, CLOSED, 1, 1000,
           CLOSED),
    MH_F64("breaker", "emergency_min_return", breaker.emergency_min_return, CLOSED, 0, 1, CLOSED),
    MH_DUR("breaker", "cooldown", breaker.cooldown_ns, 0, s, 24, h),
    CX_CONF_CUSTOM("enabled", P, breaker.enabled_mask, key_enabled, json_enabled),
    CX_CONF_END,
};

static const struct cx_conf_field k_offset[] = {
    MH_INT("offset", "base_ticks", offset.base_offset_ticks, 1, 1000),
    CX_CONF_INT_MSG("max_ticks", P, offset.max_offset_ticks, 1, 10000,
                    "offset.max_ticks must be in [offset.base_ticks, 10000]"),
    MH_F64("offset", "vol_ratio_high", offset.vol_ratio_high, OPEN, 0, 100, CLOSED),
    MH_F64_REL("offset", "vol_ratio_low", offset.vol_ratio_low, OPEN, 0, 100, CLOSED,
               "(0, offset.vol_ratio_high]"),
    MH_F64("offset", "vol_high_mult", offset.vol_high_mult, OPEN, 0, 10, CLOSED),
    MH_F64("offset", "vol_low_mult", offset.vol_low_mult, OPEN, 0, 10, CLOSED),
    MH_F64("offset", "emergency_mult", offset.emergency_mult, OPEN, 0, 10, CLOSED),
    CX_CONF_END,
};

static const struct cx_conf_field k_maker[] = {
    CX_CONF_DEC_K("maker.position_size_usd", "position_size_usd", P, position_size_usd,
                  CX_NOTIONAL_EXP, OPEN, 0, 1e9, CLOSED),
    MH_F64("maker", "requote_threshold_pct", requote_threshold_pct, CLOSED, 0, 100, CLOSED),
    {.name = "quote_max_age", .type = CX_CONF_T_DUR, .storage = CX_CONF_S_I64,
     .off = offsetof(P, quote_max_age_ns), .size = sizeof(int64_t), .flags = CX_CONF_F_BOUNDED,
     .i_min = 0, .i_max = 86400 * CX_NS_PER_S,
     .msg = "maker.quote_max_age must be in [0s, 24h] (0s = never)"},
    CX_CONF_END,
};

static const struct cx_conf_field k_hedge[] = {
    MH_DUR("hedge", "timeout", hedge_timeout_ns, 1, ms, 60, s),
    MH_INT("hedge", "wider_ticks", hedge_wider_ticks, 1, 100000),
    MH_INT("hedge", "max_attempts", hedge_max_attempts, 1, 10),
    MH_F64("hedge", "naked_budget_base_s", naked_budget_base_s, OPEN, 0, 1e9, CLOSED),
    CX_CONF_END,
};

static const struct cx_conf_field k_monitor[] = {
    MH_DUR("monitor", "summary_interval", summary_interval_ns, 1, s, 1, h),
    CX_CONF_END,
};

/* The strategy's parameters (struct cx_mh_params). */
static const struct cx_conf_field k_mh_params[] = {
    CX_CONF_GROUP("venues", k_venues),
    CX_CONF_GROUP("analyzer", k_analyzer),
    CX_CONF_GROUP("breaker", k_breaker),
    CX_CONF_GROUP("offset", k_offset),
    CX_CONF_GROUP("maker", k_maker),
    CX_CONF_GROUP("hedge", k_hedge),
    CX_CONF_GROUP("monitor", k_monitor),
    CX_CONF_END,
};

#undef P
#define C struct cx_mh_config

static const struct cx_conf_field k_latency[] = {
    CX_CONF_CUSTOM("entry", C, sim.entry, key_latency, json_latency),
    CX_CONF_CUSTOM("response", C, sim.response, key_latency, json_latency),
    CX_CONF_END,
};

static const char *const k_queue_models[] = {"risk_averse", "probabilistic", NULL};

static const struct cx_conf_field k_backtest[] = {
    CX_CONF_CUSTOM("funding", C, funding, key_funding, json_funding),
    CX_CONF_CUSTOM("files", C, files, key_files, json_files),
    CX_CONF_CUSTOM("balances", C, sim.accounts, key_balances, json_balances),
    CX_CONF_GROUP("latency", k_latency),
    CX_CONF_ENUM("queue_model", C, sim.queue_model, k_queue_models,
                 "backtest.queue_model must be risk_averse or probabilistic"),
    CX_CONF_F64_K("backtest.queue_power", "queue_power", C, sim.queue_power, OPEN, 0, 10, CLOSED),
    CX_CONF_INT_ANY("seed", C, sim.seed, "backtest.seed must be in [0, 18446744073709551615]"),
    CX_CONF_STR("session_root", C, session_root, CX_CONF_F_NONEMPTY,
                "backtest.session_root must be a path of 1 to 511 bytes"),
    CX_CONF_END,
};

/* The whole file: the run's keys with the strategy's parameters inlined. */
static const struct cx_conf_field k_mh_config[] = {
    CX_CONF_CUSTOM("strategy", C, params, key_strategy, json_strategy),
    CX_CONF_CUSTOM("instruments", C, instruments, key_instruments, json_path),
    CX_CONF_INLINE(C, params, k_mh_params),
    CX_CONF_GROUP("backtest", k_backtest),
    CX_CONF_END,
};

#undef C

const struct cx_conf_field *cx_mh_config_fields(void)
{
    return k_mh_config;
}

const struct cx_conf_field *cx_mh_params_fields(void)
{
    return k_mh_params;
}

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

/* Relations between keys (the parameters' validator, in config-key terms) and files. */
static int check_all(struct cx_conf_ctx *ctx, void *obj)
{
    const struct cx_mh_config *c = obj;
    int rc = cx_conf_locate(ctx, cx_mh_params_validate(&c->params, cx_conf_err(ctx)));
    if (rc != 0)
        return rc;
    for (uint32_t i = 0; i < c->n_files; i++) {
        char key[MH_KEY_MAX];
        join_index(key, "backtest.files", (long)i);
        rc = check_file(ctx, key, c->files[i]);
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

int cx_mh_config_load(struct cx_mh_config *c, const char *path, const char *data_dir,
                      struct cx_parse_err *err)
{
    if (c == NULL || path == NULL)
        return CX_EINVAL;
    struct mh_load ml = {.data_dir = data_dir, .data_dir_len = 0};
    ml.data_dir_len = data_dir_len(&ml.data_dir);
    struct cx_conf_opts opts = {.user = &ml, .check = check_all};
    return cx_conf_load_file(path, k_mh_config, c, sizeof *c, &opts, err);
}

int cx_mh_config_to_json(const struct cx_mh_config *c, char *buf, size_t cap)
{
    if (c == NULL || buf == NULL)
        return CX_EINVAL;
    return cx_conf_to_json(k_mh_config, c, buf, cap);
}
