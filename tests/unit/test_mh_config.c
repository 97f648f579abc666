/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the maker_hedge parameters and its single-strategy configuration file, loaded
 * as a run configuration (src/strat/mh_params.c, src/strat/mh_config.c for the strategy's
 * table, src/engine/run_config.c for the run's keys): the defaults validate; the shipped configs/maker_hedge.yaml loads to
 * exactly the defaults, field by field; each error class reports its code, the full dotted key
 * and the line and column (unknown and duplicate keys, wrong types, bad durations, values out of
 * range, missing data files, unknown venue names, malformed YAML); a config that overrides nested
 * keys parses to the expected struct; a rejected file leaves the caller's config untouched; every
 * report of the signal and risk validators comes out in config-key terms. Temporary files are
 * created with mkstemp under /tmp and removed afterwards.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cexarb/engine.h"
#include "cexarb/maker_hedge.h"
#include "cexarb/run_config.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#define SHIPPED_CONFIG CX_DATA_DIR "/../configs/maker_hedge.yaml"
#define ONE INT64_C(100000000) /* 1 unit at CX_NOTIONAL_EXP */

/* maker_hedge's parameters in a run configuration (its only strategy). */
#define MH(cfg) ((struct cx_mh_params *)(void *)(cfg)->strategies[0].params)

/* ---------------------------------------------------------------------------------------------
 * MARK: helpers
 * ------------------------------------------------------------------------------------------- */

/* Writes text to a new temporary file; its path goes to path[0..cap). */
static void temp_file(char *path, size_t cap, const char *text)
{
    snprintf(path, cap, "/tmp/cx_test_mh_config_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    size_t n = strlen(text);
    assert_int_equal(write(fd, text, n), (ssize_t)n);
    assert_int_equal(close(fd), 0);
}

/* Loads `text` over the defaults (data dir CX_DATA_DIR). err.file is cleared: it pointed at
 * the removed temporary path. */
static int load_text(const char *text, struct cx_run_cfg *c, struct cx_parse_err *err)
{
    char path[64];
    temp_file(path, sizeof path, text);
    cx_run_cfg_default(c, CX_DATA_DIR);
    int rc = cx_run_cfg_load(c, path, CX_DATA_DIR, err);
    unlink(path);
    err->file = NULL;
    return rc;
}

/* Expects load_text(text) to fail with code, detail, line and column (col 0: not checked). */
static void expect_err(const char *text, int code, const char *detail, int64_t line, int32_t col)
{
    static struct cx_run_cfg c;
    struct cx_parse_err err;
    int rc = load_text(text, &c, &err);
    if (rc != code || strcmp(err.detail, detail) != 0 || err.line != line ||
        (col != 0 && err.col != col)) {
        char msg[300];
        cx_parse_err_format(&err, msg, sizeof msg);
        print_error("got %s at %lld:%d: %s\n", cx_err_name(rc), (long long)err.line, err.col,
                    msg);
    }
    assert_string_equal(cx_err_name(rc), cx_err_name(code));
    assert_int_equal(err.code, code);
    assert_string_equal(err.detail, detail);
    assert_int_equal(err.line, line);
    if (col != 0)
        assert_int_equal(err.col, col);
    assert_non_null(err.msg);
}

/* The message of the error that load_text(text) gives. */
static const char *err_msg(const char *text)
{
    static struct cx_run_cfg c;
    struct cx_parse_err err;
    assert_int_not_equal(load_text(text, &c, &err), 0);
    return err.msg;
}

static void assert_latency_equal(const struct cx_latency_cfg *a, const struct cx_latency_cfg *b)
{
    assert_int_equal(a->kind, b->kind);
    assert_int_equal(a->a_ns, b->a_ns);
    assert_int_equal(a->b_ns, b->b_ns);
}

static void assert_account_equal(const struct cx_account *a, const struct cx_account *b)
{
    assert_int_equal(a->venue, b->venue);
    assert_int_equal(a->leverage, b->leverage);
    assert_int_equal(a->n_balances, b->n_balances);
    for (uint32_t i = 0; i < a->n_balances; i++) {
        assert_string_equal(a->balances[i].asset, b->balances[i].asset);
        assert_int_equal(a->balances[i].total, b->balances[i].total);
        assert_int_equal(a->balances[i].locked, b->balances[i].locked);
    }
    assert_int_equal(a->n_perps, b->n_perps);
}

/* Field-by-field equality of two configs (doubles compared exactly). */
static void assert_config_equal(const struct cx_run_cfg *a, const struct cx_run_cfg *b)
{
    const struct cx_mh_params *p = MH(a), *q = MH(b);
    assert_int_equal(p->spot_venue, q->spot_venue);
    assert_string_equal(p->spot_symbol, q->spot_symbol);
    assert_int_equal(p->perp_venue, q->perp_venue);
    assert_string_equal(p->perp_symbol, q->perp_symbol);

    assert_int_equal(p->signal.lookback, q->signal.lookback);
    assert_int_equal(p->signal.spike_recent, q->signal.spike_recent);
    assert_true(p->signal.spike_sigma == q->signal.spike_sigma);
    assert_int_equal(p->signal.volume_recent, q->signal.volume_recent);
    assert_true(p->signal.trend_trending_pct == q->signal.trend_trending_pct);
    assert_true(p->signal.trend_mean_revert_pct == q->signal.trend_mean_revert_pct);
    assert_true(p->signal.rsi_low == q->signal.rsi_low);
    assert_true(p->signal.rsi_high == q->signal.rsi_high);
    assert_true(p->signal.liq_ultra_low_below_quote == q->signal.liq_ultra_low_below_quote);
    assert_true(p->signal.liq_low_below_quote == q->signal.liq_low_below_quote);
    assert_true(p->signal.liq_medium_below_quote == q->signal.liq_medium_below_quote);

    assert_true(p->breaker.volatility_threshold == q->breaker.volatility_threshold);
    assert_true(p->breaker.vol_ratio_max == q->breaker.vol_ratio_max);
    assert_true(p->breaker.correlation_min == q->breaker.correlation_min);
    assert_true(p->breaker.volume_ratio_min == q->breaker.volume_ratio_min);
    assert_true(p->breaker.basis_vol_max == q->breaker.basis_vol_max);
    assert_true(p->breaker.emergency_intensity == q->breaker.emergency_intensity);
    assert_true(p->breaker.emergency_min_return == q->breaker.emergency_min_return);
    assert_int_equal(p->breaker.cooldown_ns, q->breaker.cooldown_ns);
    assert_int_equal(p->breaker.enabled_mask, q->breaker.enabled_mask);

    assert_int_equal(p->offset.base_offset_ticks, q->offset.base_offset_ticks);
    assert_int_equal(p->offset.max_offset_ticks, q->offset.max_offset_ticks);
    assert_true(p->offset.vol_ratio_high == q->offset.vol_ratio_high);
    assert_true(p->offset.vol_ratio_low == q->offset.vol_ratio_low);
    assert_true(p->offset.vol_high_mult == q->offset.vol_high_mult);
    assert_true(p->offset.vol_low_mult == q->offset.vol_low_mult);
    assert_true(p->offset.emergency_mult == q->offset.emergency_mult);

    assert_int_equal(p->sample_interval_ns, q->sample_interval_ns);
    assert_true(p->position_size_usd == q->position_size_usd);
    assert_true(p->requote_threshold_pct == q->requote_threshold_pct);
    assert_int_equal(p->quote_max_age_ns, q->quote_max_age_ns);
    assert_int_equal(p->hedge_timeout_ns, q->hedge_timeout_ns);
    assert_int_equal(p->hedge_wider_ticks, q->hedge_wider_ticks);
    assert_int_equal(p->hedge_max_attempts, q->hedge_max_attempts);
    assert_true(p->naked_budget_base_s == q->naked_budget_base_s);
    assert_int_equal(p->summary_interval_ns, q->summary_interval_ns);

    assert_int_equal(a->n_files, b->n_files);
    for (uint32_t i = 0; i < a->n_files; i++)
        assert_string_equal(a->files[i], b->files[i]);
    assert_ptr_equal(a->sim.reg, b->sim.reg);
    assert_latency_equal(&a->sim.entry, &b->sim.entry);
    assert_latency_equal(&a->sim.response, &b->sim.response);
    assert_int_equal(a->sim.seed, b->sim.seed);
    assert_int_equal(a->sim.queue_model, b->sim.queue_model);
    assert_true(a->sim.queue_power == b->sim.queue_power);
    assert_int_equal(a->sim.n_accounts, b->sim.n_accounts);
    for (uint32_t i = 0; i < a->sim.n_accounts; i++)
        assert_account_equal(&a->sim.accounts[i], &b->sim.accounts[i]);
    assert_int_equal(a->sim.n_funding, b->sim.n_funding);
    assert_int_equal(a->sim.max_orders, b->sim.max_orders);
    assert_int_equal(a->sim.max_responses, b->sim.max_responses);
    assert_int_equal(a->sim.book_max_levels, b->sim.book_max_levels);
    assert_int_equal(a->sim.book_max_buffered, b->sim.book_max_buffered);
    assert_string_equal(a->session_root, b->session_root);
    assert_string_equal(a->instruments, b->instruments);
}

static int64_t balance_of(const struct cx_account *a, const char *asset)
{
    for (uint32_t i = 0; i < a->n_balances; i++) {
        if (strcmp(a->balances[i].asset, asset) == 0)
            return a->balances[i].total;
    }
    fail_msg("no %s balance", asset);
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: defaults and the shipped file
 * ------------------------------------------------------------------------------------------- */

static void test_defaults_validate(void **state)
{
    (void)state;
    struct cx_mh_params p;
    struct cx_parse_err err = {0};
    cx_mh_params_default(&p);
    assert_int_equal(cx_mh_params_validate(&p, &err), 0);
    assert_int_equal(err.code, 0);
    assert_int_equal(p.spot_venue, CX_VENUE_BINANCE_SPOT);
    assert_int_equal(p.perp_venue, CX_VENUE_BINANCE_USDM);
    assert_string_equal(p.spot_symbol, "BTCUSDT");
    assert_int_equal(p.sample_interval_ns, CX_NS_PER_S);
    assert_true(p.position_size_usd == 100.0);
    assert_int_equal(p.hedge_timeout_ns, 100 * CX_NS_PER_MS);
    assert_int_equal(p.summary_interval_ns, 10 * CX_NS_PER_S);
    assert_int_equal(cx_mh_params_validate(NULL, &err), CX_EINVAL);

    static struct cx_run_cfg c;
    cx_run_cfg_default(&c, "/x/data/"); /* trailing slash is dropped */
    assert_int_equal(cx_mh_params_validate(MH(&c), NULL), 0);
    assert_int_equal(c.n_files, 2);
    assert_string_equal(c.files[0], "/x/data/binance/spot/btcusdt_20240808.gz");
    assert_string_equal(c.files[1], "/x/data/binance/usdm/btcusdt_20240808.gz");
    assert_int_equal(c.sim.n_accounts, 2);
    assert_int_equal(c.sim.accounts[0].venue, CX_VENUE_BINANCE_SPOT);
    assert_int_equal(balance_of(&c.sim.accounts[0], "BTC"), ONE / 100);
    assert_int_equal(balance_of(&c.sim.accounts[0], "USDT"), 2000 * ONE);
    assert_int_equal(c.sim.accounts[1].venue, CX_VENUE_BINANCE_USDM);
    assert_int_equal(c.sim.accounts[1].leverage, 5);
    assert_int_equal(balance_of(&c.sim.accounts[1], "USDT"), 2000 * ONE);
    assert_int_equal(c.sim.entry.kind, CX_LAT_CONSTANT);
    assert_int_equal(c.sim.entry.a_ns, 5 * CX_NS_PER_MS);
    assert_int_equal(c.sim.response.a_ns, 5 * CX_NS_PER_MS);
    assert_int_equal(c.sim.queue_model, CX_QUEUE_RISK_AVERSE);
    assert_int_equal(c.sim.seed, 1);
    assert_string_equal(c.session_root, "sessions");
    assert_string_equal(c.instruments, "");
}

static void test_shipped_config_is_defaults(void **state)
{
    (void)state;
    static struct cx_run_cfg def, got;
    struct cx_parse_err err;
    cx_run_cfg_default(&def, CX_DATA_DIR);
    cx_run_cfg_default(&got, CX_DATA_DIR);
    int rc = cx_run_cfg_load(&got, SHIPPED_CONFIG, CX_DATA_DIR, &err);
    if (rc != 0) {
        char msg[300];
        cx_parse_err_format(&err, msg, sizeof msg);
        fail_msg("%s", msg);
    }
    assert_config_equal(&got, &def);

    /* The same file over a config that differs everywhere it sets gives the defaults too:
     * the file really sets every key. */
    static struct cx_run_cfg odd;
    memset(&odd, 0, sizeof odd);
    odd.sim.n_accounts = 1;
    assert_int_equal(cx_run_cfg_load(&odd, SHIPPED_CONFIG, CX_DATA_DIR, &err), 0);
    assert_config_equal(&odd, &def);
}

static void test_empty_file_keeps_defaults(void **state)
{
    (void)state;
    static struct cx_run_cfg def, got;
    struct cx_parse_err err;
    cx_run_cfg_default(&def, CX_DATA_DIR);
    assert_int_equal(load_text("", &got, &err), 0);
    assert_config_equal(&got, &def);
    assert_int_equal(load_text("# only a comment\n", &got, &err), 0);
    assert_config_equal(&got, &def);
    /* Sections whose keys are all commented out are empty mappings. */
    assert_int_equal(load_text("breaker:\n#  cooldown: 1s\nmaker:\n", &got, &err), 0);
    assert_config_equal(&got, &def);
}

/* ---------------------------------------------------------------------------------------------
 * MARK: error classes
 * ------------------------------------------------------------------------------------------- */

static void test_unknown_key(void **state)
{
    (void)state;
    expect_err("strategy: maker_hedge\nbreaker:\n  corelation_min: 0.5\n", CX_EPARSE,
               "breaker.corelation_min", 3, 3);
    expect_err("colour: blue\n", CX_EPARSE, "colour", 1, 1);
    expect_err("venues:\n  spot: {venue: binance_spot, sym: BTCUSDT}\n", CX_EPARSE,
               "venues.spot.sym", 2, 31);
    expect_err("backtest:\n  latency:\n    entry: {kind: constant, value: 1ms, jitter: 1ms}\n",
               CX_EPARSE, "backtest.latency.entry.jitter", 3, 41);
    /* A key that belongs to another latency kind. */
    expect_err("backtest:\n  latency:\n    entry: {kind: uniform, min: 1ms, median: 2ms}\n",
               CX_EPARSE, "backtest.latency.entry.median", 3, 38);
    assert_string_equal(err_msg("colour: blue\n"), "unknown key");
}

static void test_duplicate_key(void **state)
{
    (void)state;
    expect_err("hedge:\n  timeout: 1s\n  timeout: 2s\n", CX_EPARSE, "hedge.timeout", 3, 3);
    expect_err("backtest:\n  balances:\n    binance_spot: {USDT: \"1\", USDT: \"2\"}\n", CX_EPARSE,
               "backtest.balances.binance_spot.USDT", 3, 31);
}

static void test_wrong_type(void **state)
{
    (void)state;
    expect_err("analyzer:\n  lookback: \"abc\"\n", CX_EPARSE, "analyzer.lookback", 2, 13);
    expect_err("analyzer:\n  lookback: 1.5\n", CX_EPARSE, "analyzer.lookback", 2, 13);
    expect_err("analyzer:\n  spike_sigma: [1, 2]\n", CX_EPARSE, "analyzer.spike_sigma", 2, 16);
    expect_err("analyzer:\n  spike_sigma: \"2.5\"\n", CX_EPARSE, "analyzer.spike_sigma", 2, 16);
    expect_err("analyzer:\n  spike_sigma:\n", CX_EPARSE, "analyzer.spike_sigma", 2, 0);
    expect_err("maker: 5\n", CX_EPARSE, "maker", 1, 8);
    expect_err("breaker:\n  enabled: VOLUME_DROUGHT\n", CX_EPARSE, "breaker.enabled", 2, 12);
    expect_err("backtest:\n  files: data/binance/spot/btcusdt_20240808.gz\n", CX_EPARSE,
               "backtest.files", 2, 10);
    expect_err("backtest:\n  seed: abc\n", CX_EPARSE, "backtest.seed", 2, 9);
    expect_err("maker:\n  position_size_usd: lots\n", CX_EPARSE, "maker.position_size_usd", 2,
               22);
    expect_err("- a\n- b\n", CX_EPARSE, "(top level)", 1, 1);
    assert_string_equal(err_msg("analyzer:\n  lookback: x\n"),
                        "expected an integer (digits with an optional leading '-')");
}

static void test_bad_duration(void **state)
{
    (void)state;
    expect_err("hedge:\n  timeout: 100msec\n", CX_EPARSE, "hedge.timeout", 2, 12);
    expect_err("hedge:\n  timeout: \"100\"\n", CX_EPARSE, "hedge.timeout", 2, 12);
    expect_err("hedge:\n  timeout: 5 ms\n", CX_EPARSE, "hedge.timeout", 2, 12);
    expect_err("hedge:\n  timeout: ms\n", CX_EPARSE, "hedge.timeout", 2, 12);
    expect_err("hedge:\n  timeout: 1Ms\n", CX_EPARSE, "hedge.timeout", 2, 12);
    expect_err("monitor: {summary_interval: 1d}\n", CX_EPARSE, "monitor.summary_interval", 1,
               29);
    /* Well-formed but not a whole number of ns, or beyond int64: ECONFIG. */
    expect_err("breaker:\n  cooldown: 0.5ns\n", CX_ECONFIG, "breaker.cooldown", 2, 13);
    expect_err("breaker:\n  cooldown: 300000h\n", CX_ECONFIG, "breaker.cooldown", 2, 13);
    assert_non_null(strstr(err_msg("hedge:\n  timeout: 1x\n"), "ns, us, ms, s, m or h"));
}

static void test_durations_exact(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        int64_t ns;
    } cases[] = {
        {"0s", 0},
        {"1ns", 1},
        {"7us", 7000},
        {"1.5ms", 1500000},
        {"0.000000001s", 1},
        {"2.5s", 2500000000},
        {"1e3ms", 1000000000},
        {"90m", 5400 * CX_NS_PER_S},
        {"24h", 86400 * CX_NS_PER_S},
        {"0.001h", 3600000000},
        {"\"300s\"", 300 * CX_NS_PER_S},
        {"'1m'", 60 * CX_NS_PER_S},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[128];
        static struct cx_run_cfg c;
        struct cx_parse_err err;
        snprintf(text, sizeof text, "breaker:\n  cooldown: %s\n", cases[i].text);
        assert_int_equal(load_text(text, &c, &err), 0);
        assert_int_equal(MH(&c)->breaker.cooldown_ns, cases[i].ns);
    }
}

static void test_out_of_range(void **state)
{
    (void)state;
    expect_err("breaker:\n  correlation_min: 1.5\n", CX_ECONFIG, "breaker.correlation_min", 2, 20);
    assert_string_equal(err_msg("breaker:\n  correlation_min: 1.5\n"),
                        "breaker.correlation_min must be in [-1, 1]");
    expect_err("analyzer:\n  lookback: 10\n", CX_ECONFIG, "analyzer.lookback", 2, 13);
    assert_string_equal(err_msg("analyzer:\n  lookback: 10\n"),
                        "analyzer.lookback must be in [50, 4096]");
    /* Values beyond the C type saturate and still fail the range check. */
    expect_err("analyzer:\n  lookback: 99999999999999999999999\n", CX_ECONFIG,
               "analyzer.lookback", 2, 13);
    expect_err("analyzer:\n  lookback: -1\n", CX_ECONFIG, "analyzer.lookback", 2, 13);
    expect_err("maker:\n  position_size_usd: -1\n", CX_ECONFIG, "maker.position_size_usd", 2, 22);
    assert_string_equal(err_msg("maker:\n  position_size_usd: -1\n"),
                        "maker.position_size_usd must be in (0, 1e9]");
    expect_err("maker:\n  position_size_usd: \"0.000000001\"\n", CX_ECONFIG,
               "maker.position_size_usd", 2, 22);
    expect_err("breaker:\n  cooldown: 25h\n", CX_ECONFIG, "breaker.cooldown", 2, 13);
    assert_string_equal(err_msg("breaker:\n  cooldown: 25h\n"),
                        "breaker.cooldown must be in [0s, 24h]");
    expect_err("breaker:\n  cooldown: -1s\n", CX_ECONFIG, "breaker.cooldown", 2, 13);
    expect_err("analyzer:\n  sample_interval: 5ms\n", CX_ECONFIG, "analyzer.sample_interval", 2,
               20);
    expect_err("offset:\n  base_ticks: 20\n  max_ticks: 10\n", CX_ECONFIG, "offset.max_ticks", 3,
               14);
    assert_string_equal(err_msg("offset:\n  base_ticks: 20\n  max_ticks: 10\n"),
                        "offset.max_ticks must be in [offset.base_ticks, 10000]");
    /* A cross-key range broken by the key that is set: the other key keeps its default and has
     * no position, so the report names it without a line. */
    expect_err("offset:\n  base_ticks: 20\n", CX_ECONFIG, "offset.max_ticks", 0, 0);
    expect_err("hedge:\n  max_attempts: 11\n", CX_ECONFIG, "hedge.max_attempts", 2, 17);
    expect_err("hedge:\n  wider_ticks: 0\n", CX_ECONFIG, "hedge.wider_ticks", 2, 16);
    expect_err("hedge:\n  timeout: 500us\n", CX_ECONFIG, "hedge.timeout", 2, 12);
    expect_err("hedge:\n  naked_budget_base_s: 0\n", CX_ECONFIG, "hedge.naked_budget_base_s", 2,
               24);
    expect_err("maker:\n  requote_threshold_pct: 101\n", CX_ECONFIG,
               "maker.requote_threshold_pct", 2, 26);
    expect_err("maker:\n  quote_max_age: 2d\n", CX_EPARSE, "maker.quote_max_age", 2, 18);
    expect_err("maker:\n  quote_max_age: 25h\n", CX_ECONFIG, "maker.quote_max_age", 2, 18);
    expect_err("monitor:\n  summary_interval: 2h\n", CX_ECONFIG, "monitor.summary_interval", 2,
               21);
    expect_err("analyzer:\n  spike_sigma: 1e999\n", CX_ECONFIG, "analyzer.spike_sigma", 2, 16);
    expect_err("backtest:\n  queue_power: 0\n", CX_ECONFIG, "backtest.queue_power", 2, 16);
    expect_err("backtest:\n  seed: -1\n", CX_ECONFIG, "backtest.seed", 2, 9);
    expect_err("backtest:\n  seed: 18446744073709551616\n", CX_ECONFIG, "backtest.seed", 2, 9);
    expect_err("backtest:\n  session_root: \"\"\n", CX_ECONFIG, "backtest.session_root", 2, 17);
    expect_err("backtest:\n  files: []\n", CX_ECONFIG, "backtest.files", 2, 10);
    expect_err("strategy: arbitrage\n", CX_ECONFIG, "strategy", 1, 11);
    expect_err("venues:\n  spot: {symbol: \"\"}\n", CX_ECONFIG, "venues.spot.symbol", 2, 18);
    expect_err("venues:\n  perp: {venue: binance_spot}\n", CX_ECONFIG, "venues.perp", 2, 9);
    expect_err("breaker:\n  enabled: [VOLUME_DROUGHT, NONE]\n", CX_ECONFIG, "breaker.enabled[1]",
               2, 29);
    expect_err("breaker:\n  enabled: [VOLUME_DROUGHT, VOLUME_DROUGHT]\n", CX_ECONFIG,
               "breaker.enabled[1]", 2, 29);
}

static void test_balance_errors(void **state)
{
    (void)state;
    expect_err("backtest:\n  balances:\n    binance_spot: {USDT: \"-5\"}\n", CX_ECONFIG,
               "backtest.balances.binance_spot.USDT", 3, 26);
    expect_err("backtest:\n  balances:\n    binance_spot: {BTC: \"0.000000001\"}\n", CX_ECONFIG,
               "backtest.balances.binance_spot.BTC", 3, 25);
    expect_err("backtest:\n  balances:\n    binance_spot: {BTC: one}\n", CX_EPARSE,
               "backtest.balances.binance_spot.BTC", 3, 25);
    expect_err("backtest:\n  balances:\n    binance_usdm: {leverage: 0}\n", CX_ECONFIG,
               "backtest.balances.binance_usdm.leverage", 3, 30);
    expect_err("backtest:\n  balances:\n    binance_usdm: {leverage: 201}\n", CX_ECONFIG,
               "backtest.balances.binance_usdm.leverage", 3, 30);
    expect_err("backtest:\n  balances:\n    binance_usdm: {\"US DT\": \"1\"}\n", CX_ECONFIG,
               "backtest.balances.binance_usdm.US DT", 3, 20);
    expect_err("backtest:\n  balances:\n    binance_usdm: \"1000\"\n", CX_EPARSE,
               "backtest.balances.binance_usdm", 3, 19);
    expect_err("backtest:\n  balances:\n    binance_usdm: {leverage: 2, leverage: 3}\n",
               CX_EPARSE, "backtest.balances.binance_usdm.leverage", 3, 33);
    expect_err("backtest:\n  balances:\n    binance_usdm: {}\n    binance_usdm: {}\n", CX_EPARSE,
               "backtest.balances.binance_usdm", 4, 5);
}

static void test_latency_errors(void **state)
{
    (void)state;
    expect_err("backtest:\n  latency:\n    entry: {kind: lognormal, median: 5ms}\n", CX_ECONFIG,
               "backtest.latency.entry.p99", 3, 12);
    expect_err("backtest:\n  latency:\n    entry: {median: 5ms, p99: 9ms}\n", CX_ECONFIG,
               "backtest.latency.entry.kind", 3, 12);
    expect_err("backtest:\n  latency:\n    entry: {kind: gamma, value: 5ms}\n", CX_ECONFIG,
               "backtest.latency.entry.kind", 3, 19);
    expect_err("backtest:\n  latency:\n    entry: {kind: lognormal, median: 0ms, p99: 9ms}\n",
               CX_ECONFIG, "backtest.latency.entry.median", 3, 38);
    expect_err("backtest:\n  latency:\n    entry: {kind: uniform, min: 5ms, max: 4ms}\n",
               CX_ECONFIG, "backtest.latency.entry.max", 3, 43);
    expect_err("backtest:\n  latency:\n    response: 61s\n", CX_ECONFIG,
               "backtest.latency.response", 3, 15);
    expect_err("backtest:\n  latency:\n    response: [1ms]\n", CX_EPARSE,
               "backtest.latency.response", 3, 15);
    expect_err("backtest:\n  queue_model: fifo\n", CX_ECONFIG, "backtest.queue_model", 2, 16);
}

static void test_missing_files(void **state)
{
    (void)state;
    static struct cx_run_cfg c;
    struct cx_parse_err err;
    int rc = load_text("backtest:\n  files:\n    - data/binance/spot/btcusdt_20240808.gz\n"
                       "    - data/binance/spot/no_such_day.gz\n",
                       &c, &err);
    assert_int_equal(rc, CX_ENOENT);
    assert_int_equal(err.line, 4);
    assert_int_equal(err.col, 7);
    assert_string_equal(err.msg, "file not found");
    /* detail: the key, then the resolved path (its end kept when too long). */
    assert_memory_equal(err.detail, "backtest.files[1]: ", 19);
    assert_non_null(strstr(err.detail, "no_such_day.gz"));

    rc = load_text("instruments: /nonexistent/instruments.yaml\n", &c, &err);
    assert_int_equal(rc, CX_ENOENT);
    assert_string_equal(err.detail, "instruments: /nonexistent/instruments.yaml");
    assert_int_equal(err.line, 1);
    assert_int_equal(err.col, 14);

    /* A long path keeps the key and the end of the path. */
    rc = load_text("backtest:\n  files:\n    - /nonexistent/a_rather_long_directory_name/"
                   "another_long_directory_name/btcusdt_20240809.gz\n",
                   &c, &err);
    assert_int_equal(rc, CX_ENOENT);
    assert_int_equal(err.line, 3);
    assert_int_equal(strlen(err.detail), sizeof err.detail - 1u);
    assert_memory_equal(err.detail, "backtest.files[0]: ...", 22);
    assert_string_equal(err.detail + strlen(err.detail) - 20, "/btcusdt_20240809.gz");

    rc = load_text("backtest:\n  files: [/tmp]\n", &c, &err);
    assert_int_equal(rc, CX_ECONFIG);
    assert_string_equal(err.detail, "backtest.files[0]: /tmp");

    /* The default files are checked too: a data dir without them fails with no position. */
    cx_run_cfg_default(&c, "/nonexistent/data");
    char path[64];
    temp_file(path, sizeof path, "strategy: maker_hedge\n");
    rc = cx_run_cfg_load(&c, path, "/nonexistent/data", &err);
    unlink(path);
    assert_int_equal(rc, CX_ENOENT);
    assert_string_equal(err.detail,
                        "backtest.files[0]: /nonexistent/data/binance/spot/btcusdt_20240808.gz");
    assert_int_equal(err.line, 0);

    /* The config file itself. */
    rc = cx_run_cfg_load(&c, "/nonexistent/maker_hedge.yaml", CX_DATA_DIR, &err);
    assert_int_equal(rc, CX_ENOENT);
    assert_string_equal(err.file, "/nonexistent/maker_hedge.yaml");
}

static void test_unknown_venue(void **state)
{
    (void)state;
    expect_err("venues:\n  spot:\n    venue: binanse_spot\n", CX_ECONFIG, "venues.spot.venue", 3,
               12);
    expect_err("backtest:\n  balances:\n    kraken: {USD: \"1\"}\n", CX_ECONFIG,
               "backtest.balances.kraken", 3, 5);
    /* The message lists every venue name (a venue added without updating it fails here). */
    const char *msg = err_msg("venues:\n  spot:\n    venue: x\n");
    for (int v = CX_VENUE_UNKNOWN + 1; v < CX_VENUE_COUNT; v++)
        assert_non_null(strstr(msg, cx_venue_name((enum cx_venue)v)));
    struct cx_mh_params p;
    struct cx_parse_err err = {0};
    cx_mh_params_default(&p);
    p.spot_venue = CX_VENUE_UNKNOWN;
    assert_int_equal(cx_mh_params_validate(&p, &err), CX_ECONFIG);
    for (int v = CX_VENUE_UNKNOWN + 1; v < CX_VENUE_COUNT; v++)
        assert_non_null(strstr(err.msg, cx_venue_name((enum cx_venue)v)));
}

static void test_malformed_yaml(void **state)
{
    (void)state;
    static struct cx_run_cfg c;
    struct cx_parse_err err;
    assert_int_equal(load_text("analyzer: {lookback: 100\nbreaker: {}\n", &c, &err), CX_EPARSE);
    assert_string_equal(err.msg, "malformed YAML");
    assert_true(err.line >= 1);
    assert_true(err.detail[0] != '\0');

    assert_int_equal(load_text("analyzer:\n  lookback: 100\n lookback: 200\n", &c, &err),
                     CX_EPARSE);
    assert_string_equal(err.msg, "malformed YAML");
    assert_int_equal(err.line, 3);

    assert_int_equal(load_text("analyzer:\n\tlookback: 100\n", &c, &err), CX_EPARSE);
    assert_int_equal(err.line, 2);

    expect_err("maker: {position_size_usd: 5}\n---\nmaker: {position_size_usd: 6}\n", CX_EPARSE,
               "(document)", 3, 1);
    expect_err("maker: *nowhere\n", CX_EPARSE, "found undefined alias", 1, 8);
}

/* ---------------------------------------------------------------------------------------------
 * MARK: custom configs
 * ------------------------------------------------------------------------------------------- */

static void test_custom_config(void **state)
{
    (void)state;
    static struct cx_run_cfg c, def;
    struct cx_parse_err err;
    const char *text =
        "strategy: maker_hedge\n"
        "venues:\n"
        "  spot: {venue: mexc_spot, symbol: BTCUSDT}\n"
        "  perp:\n"
        "    venue: gate_futures\n"
        "    symbol: BTC_USDT\n"
        "analyzer: {lookback: 200, sample_interval: 500ms, volume_recent: 5, rsi_low: 25}\n"
        "breaker:\n"
        "  correlation_min: -0.25\n"
        "  cooldown: 1.5m\n"
        "  enabled: [EMERGENCY_SPIKE, VOLATILITY_SPIKE]\n"
        "offset: {base_ticks: 3, max_ticks: 30, emergency_mult: 2}\n"
        "maker:\n"
        "  position_size_usd: \"250.5\"\n"
        "  quote_max_age: 0s\n"
        "hedge: {timeout: 250ms, wider_ticks: 7, max_attempts: 2, naked_budget_base_s: 1e-3}\n"
        "monitor: {summary_interval: 1m}\n"
        "backtest:\n"
        "  files:\n"
        "    - " CX_DATA_DIR "/binance/usdm/btcusdt_20240808.gz\n"
        "    - configs/maker_hedge.yaml\n"
        "  balances:\n"
        "    mexc_spot: {BTC: \"0.5\", USDT: 10000.25}\n"
        "    gate_futures:\n"
        "      USDT: \"5000\"\n"
        "      leverage: 10\n"
        "  latency:\n"
        "    entry: {kind: lognormal, median: \"5ms\", p99: \"20ms\"}\n"
        "    response: {kind: uniform, min: 1ms, max: 3.5ms}\n"
        "  queue_model: probabilistic\n"
        "  queue_power: 3\n"
        "  seed: 18446744073709551615\n"
        "  session_root: /tmp/cx_sessions\n";
    /* The second file is relative to the cwd (ctest runs in the source tree). */
    if (access("configs/maker_hedge.yaml", R_OK) != 0)
        skip();
    int rc = load_text(text, &c, &err);
    if (rc != 0) {
        char msg[300];
        cx_parse_err_format(&err, msg, sizeof msg);
        fail_msg("%s", msg);
    }
    cx_run_cfg_default(&def, CX_DATA_DIR);
    MH(&def)->spot_venue = CX_VENUE_MEXC_SPOT;
    MH(&def)->perp_venue = CX_VENUE_GATE_FUTURES;
    snprintf(MH(&def)->perp_symbol, sizeof MH(&def)->perp_symbol, "BTC_USDT");
    MH(&def)->signal.lookback = 200;
    MH(&def)->sample_interval_ns = 500 * CX_NS_PER_MS;
    MH(&def)->signal.volume_recent = 5;
    MH(&def)->signal.rsi_low = 25.0;
    MH(&def)->breaker.correlation_min = -0.25;
    MH(&def)->breaker.cooldown_ns = 90 * CX_NS_PER_S;
    MH(&def)->breaker.enabled_mask =
        (1u << CX_RISK_TRIG_EMERGENCY_SPIKE) | (1u << CX_RISK_TRIG_VOLATILITY_SPIKE);
    MH(&def)->offset.base_offset_ticks = 3;
    MH(&def)->offset.max_offset_ticks = 30;
    MH(&def)->offset.emergency_mult = 2.0;
    MH(&def)->position_size_usd = 250.5;
    MH(&def)->quote_max_age_ns = 0;
    MH(&def)->hedge_timeout_ns = 250 * CX_NS_PER_MS;
    MH(&def)->hedge_wider_ticks = 7;
    MH(&def)->hedge_max_attempts = 2;
    MH(&def)->naked_budget_base_s = 0.001;
    MH(&def)->summary_interval_ns = 60 * CX_NS_PER_S;
    snprintf(def.files[0], sizeof def.files[0], "%s",
             CX_DATA_DIR "/binance/usdm/btcusdt_20240808.gz");
    snprintf(def.files[1], sizeof def.files[1], "configs/maker_hedge.yaml");
    def.sim.n_accounts = 2;
    memset(def.sim.accounts, 0, sizeof def.sim.accounts);
    def.sim.accounts[0].venue = CX_VENUE_MEXC_SPOT;
    def.sim.accounts[0].leverage = 1;
    cx_account_balance(&def.sim.accounts[0], "BTC")->total = ONE / 2;
    cx_account_balance(&def.sim.accounts[0], "USDT")->total = 10000 * ONE + ONE / 4;
    def.sim.accounts[1].venue = CX_VENUE_GATE_FUTURES;
    def.sim.accounts[1].leverage = 10;
    cx_account_balance(&def.sim.accounts[1], "USDT")->total = 5000 * ONE;
    def.sim.entry = (struct cx_latency_cfg){.kind = CX_LAT_LOGNORMAL, .a_ns = 5 * CX_NS_PER_MS,
                                            .b_ns = 20 * CX_NS_PER_MS};
    def.sim.response =
        (struct cx_latency_cfg){.kind = CX_LAT_UNIFORM, .a_ns = CX_NS_PER_MS, .b_ns = 3500000};
    def.sim.queue_model = CX_QUEUE_PROB_POWER;
    def.sim.queue_power = 3.0;
    def.sim.seed = UINT64_MAX;
    snprintf(def.session_root, sizeof def.session_root, "/tmp/cx_sessions");
    assert_config_equal(&c, &def);
    assert_int_equal(cx_mh_params_validate(MH(&c), NULL), 0);
}

static void test_overrides_keep_other_defaults(void **state)
{
    (void)state;
    static struct cx_run_cfg c, def;
    struct cx_parse_err err;
    /* One key in a section changes that key only; an empty enabled list disables the breaker;
     * a constant latency in the mapping form equals the scalar form. */
    assert_int_equal(load_text("breaker:\n  volume_ratio_min: 0.25\n  enabled: []\n"
                               "backtest:\n  latency:\n    entry: {kind: constant, value: 7ms}\n"
                               "instruments: data/instruments/binance.yaml\n",
                               &c, &err),
                     0);
    cx_run_cfg_default(&def, CX_DATA_DIR);
    MH(&def)->breaker.volume_ratio_min = 0.25;
    MH(&def)->breaker.enabled_mask = 0;
    def.sim.entry.a_ns = 7 * CX_NS_PER_MS;
    def.sim.entry.b_ns = 7 * CX_NS_PER_MS;
    snprintf(def.instruments, sizeof def.instruments, "%s",
             CX_DATA_DIR "/instruments/binance.yaml");
    assert_config_equal(&c, &def);

    /* Data paths follow the data dir given to the loader, not the build's. */
    char path[64];
    temp_file(path, sizeof path, "backtest: {files: [data/binance/spot/btcusdt_20240808.gz]}\n");
    cx_run_cfg_default(&c, CX_DATA_DIR);
    assert_int_equal(cx_run_cfg_load(&c, path, CX_DATA_DIR "/binance/../", &err), 0);
    unlink(path);
    assert_int_equal(c.n_files, 1);
    assert_string_equal(c.files[0], CX_DATA_DIR "/binance/../binance/spot/btcusdt_20240808.gz");
}

static void test_failed_load_leaves_config(void **state)
{
    (void)state;
    static struct cx_run_cfg c, before;
    struct cx_parse_err err;
    char path[64];
    temp_file(path, sizeof path,
              "hedge: {timeout: 1s}\nbacktest: {seed: 9}\nbreaker: {correlation_min: 2}\n");
    cx_run_cfg_default(&c, CX_DATA_DIR);
    before = c;
    assert_int_equal(cx_run_cfg_load(&c, path, CX_DATA_DIR, &err), CX_ECONFIG);
    unlink(path);
    assert_config_equal(&c, &before);
    assert_int_equal(cx_run_cfg_load(NULL, path, CX_DATA_DIR, &err), CX_EINVAL);
    assert_int_equal(cx_run_cfg_load(&c, NULL, CX_DATA_DIR, &err), CX_EINVAL);
}

/* ---------------------------------------------------------------------------------------------
 * MARK: validation reports in config terms
 * ------------------------------------------------------------------------------------------- */

/* Every field of the analyzer, breaker and offset pushed out of range (NaN for doubles, an
 * impossible value for integers) must be reported with a config key (no "signal." prefix, no
 * "_ns" or "_mask" field names) and a message that starts with that key. */
static void check_translated(const struct cx_mh_params *p, const char *expect_key)
{
    struct cx_parse_err err = {0};
    assert_int_equal(cx_mh_params_validate(p, &err), CX_ECONFIG);
    assert_string_equal(err.detail, expect_key);
    size_t n = strlen(err.detail);
    assert_memory_equal(err.msg, err.detail, n);
    assert_true(err.msg[n] == ' ');
    assert_null(strstr(err.msg, "signal."));
    assert_null(strstr(err.msg, "_ns"));
    assert_null(strstr(err.msg, "_offset_ticks"));
}

static void test_validate_reports_config_keys(void **state)
{
    (void)state;
    struct cx_mh_params base, p;
    cx_mh_params_default(&base);
#define BAD(field, value, key)                                                                 \
    do {                                                                                       \
        p = base;                                                                              \
        p.field = value;                                                                       \
        check_translated(&p, key);                                                             \
    } while (0)
    BAD(signal.lookback, 0, "analyzer.lookback");
    BAD(signal.spike_recent, 0, "analyzer.spike_recent");
    BAD(signal.spike_sigma, NAN, "analyzer.spike_sigma");
    BAD(signal.volume_recent, 0, "analyzer.volume_recent");
    BAD(signal.trend_trending_pct, NAN, "analyzer.trend_trending_pct");
    BAD(signal.trend_mean_revert_pct, NAN, "analyzer.trend_mean_revert_pct");
    BAD(signal.rsi_low, NAN, "analyzer.rsi_low");
    BAD(signal.rsi_high, NAN, "analyzer.rsi_high");
    BAD(signal.liq_ultra_low_below_quote, NAN, "analyzer.liq_ultra_low_below_quote");
    BAD(signal.liq_low_below_quote, NAN, "analyzer.liq_low_below_quote");
    BAD(signal.liq_medium_below_quote, NAN, "analyzer.liq_medium_below_quote");
    BAD(sample_interval_ns, 0, "analyzer.sample_interval");
    BAD(breaker.volatility_threshold, NAN, "breaker.volatility_threshold");
    BAD(breaker.vol_ratio_max, NAN, "breaker.vol_ratio_max");
    BAD(breaker.correlation_min, NAN, "breaker.correlation_min");
    BAD(breaker.volume_ratio_min, NAN, "breaker.volume_ratio_min");
    BAD(breaker.basis_vol_max, NAN, "breaker.basis_vol_max");
    BAD(breaker.emergency_intensity, NAN, "breaker.emergency_intensity");
    BAD(breaker.emergency_min_return, NAN, "breaker.emergency_min_return");
    BAD(breaker.cooldown_ns, -1, "breaker.cooldown");
    BAD(breaker.enabled_mask, 1u, "breaker.enabled");
    BAD(offset.base_offset_ticks, 0, "offset.base_ticks");
    BAD(offset.max_offset_ticks, 0, "offset.max_ticks");
    BAD(offset.vol_ratio_high, NAN, "offset.vol_ratio_high");
    BAD(offset.vol_ratio_low, NAN, "offset.vol_ratio_low");
    BAD(offset.vol_high_mult, NAN, "offset.vol_high_mult");
    BAD(offset.vol_low_mult, NAN, "offset.vol_low_mult");
    BAD(offset.emergency_mult, NAN, "offset.emergency_mult");
    BAD(position_size_usd, NAN, "maker.position_size_usd");
    BAD(requote_threshold_pct, NAN, "maker.requote_threshold_pct");
    BAD(quote_max_age_ns, -1, "maker.quote_max_age");
    BAD(hedge_timeout_ns, 0, "hedge.timeout");
    BAD(hedge_wider_ticks, 0, "hedge.wider_ticks");
    BAD(hedge_max_attempts, 0, "hedge.max_attempts");
    BAD(naked_budget_base_s, NAN, "hedge.naked_budget_base_s");
    BAD(summary_interval_ns, 0, "monitor.summary_interval");
    BAD(spot_venue, CX_VENUE_COUNT, "venues.spot.venue");
    BAD(perp_venue, CX_VENUE_UNKNOWN, "venues.perp.venue");
    BAD(spot_symbol[0], '\0', "venues.spot.symbol");
    BAD(perp_symbol[0], ' ', "venues.perp.symbol");
#undef BAD
    /* Bounds are inclusive where the docs say so. */
    p = base;
    p.sample_interval_ns = 10 * CX_NS_PER_MS;
    p.quote_max_age_ns = 86400 * CX_NS_PER_S;
    p.hedge_timeout_ns = 60 * CX_NS_PER_S;
    p.hedge_wider_ticks = 100000;
    p.hedge_max_attempts = 10;
    p.summary_interval_ns = 3600 * CX_NS_PER_S;
    p.requote_threshold_pct = 0.0;
    p.position_size_usd = 1e9;
    assert_int_equal(cx_mh_params_validate(&p, NULL), 0);
}


/* backtest.funding: constant schedule keys, a file, and range errors. */
static void test_funding_keys(void **state)
{
    (void)state;
    struct cx_run_cfg c;
    cx_run_cfg_default(&c, CX_DATA_DIR);
    assert_false(c.funding);
    char path[] = "/tmp/cx_mh_funding_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *yaml = "backtest:\n  funding:\n    rate: \"0.0001\"\n    interval: \"4h\"\n"
                       "    first: \"2024-08-09 00:00:00\"\n";
    assert_int_equal(write(fd, yaml, strlen(yaml)), (ssize_t)strlen(yaml));
    close(fd);
    struct cx_parse_err err = {0};
    assert_int_equal(cx_run_cfg_load(&c, path, CX_DATA_DIR, &err), 0);
    assert_true(c.funding);
    assert_int_equal(c.funding_rate_ppb, 100000);
    assert_int_equal(c.funding_interval_ns, 4 * 3600 * CX_NS_PER_S);
    assert_int_equal(c.funding_first_ns, INT64_C(1723161600) * CX_NS_PER_S);
    /* Out of range rate: named key and range. */
    fd = open(path, O_WRONLY | O_TRUNC);
    yaml = "backtest:\n  funding:\n    rate: \"0.5\"\n";
    assert_int_equal(write(fd, yaml, strlen(yaml)), (ssize_t)strlen(yaml));
    close(fd);
    cx_run_cfg_default(&c, CX_DATA_DIR);
    assert_int_equal(cx_run_cfg_load(&c, path, CX_DATA_DIR, &err), CX_ECONFIG);
    assert_string_equal(err.detail, "backtest.funding.rate");
    assert_int_equal(err.line, 3);
    /* A bundled file resolves against the data directory. */
    fd = open(path, O_WRONLY | O_TRUNC);
    yaml = "backtest:\n  funding:\n    file: data/funding-rates/BTC-USDT/"
           "BTC-USDT_gate_2020-01-01_2024-01-01_funding_history.csv\n";
    assert_int_equal(write(fd, yaml, strlen(yaml)), (ssize_t)strlen(yaml));
    close(fd);
    cx_run_cfg_default(&c, CX_DATA_DIR);
    assert_int_equal(cx_run_cfg_load(&c, path, CX_DATA_DIR, &err), 0);
    assert_non_null(strstr(c.funding_file, "funding-rates/BTC-USDT/BTC-USDT_gate"));
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_funding_keys),
        cmocka_unit_test(test_defaults_validate),
        cmocka_unit_test(test_shipped_config_is_defaults),
        cmocka_unit_test(test_empty_file_keeps_defaults),
        cmocka_unit_test(test_unknown_key),
        cmocka_unit_test(test_duplicate_key),
        cmocka_unit_test(test_wrong_type),
        cmocka_unit_test(test_bad_duration),
        cmocka_unit_test(test_durations_exact),
        cmocka_unit_test(test_out_of_range),
        cmocka_unit_test(test_balance_errors),
        cmocka_unit_test(test_latency_errors),
        cmocka_unit_test(test_missing_files),
        cmocka_unit_test(test_unknown_venue),
        cmocka_unit_test(test_malformed_yaml),
        cmocka_unit_test(test_custom_config),
        cmocka_unit_test(test_overrides_keep_other_defaults),
        cmocka_unit_test(test_failed_load_leaves_config),
        cmocka_unit_test(test_validate_reports_config_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
