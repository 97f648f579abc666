/* SPDX-License-Identifier: MIT */
/*
 * The run configuration (run_config.h, src/engine/run_config.c): the shipped single-strategy
 * file and a custom one load and render to JSON (metadata.json) that loads back to the same
 * configuration; a file listing several strategies gives each its own parameters from its own
 * table, its default accounts and a name; errors inside a strategy's parameters name the full
 * key (strategies[i].params...) with its line and column; the run's new keys (risk limits,
 * named accounts, fee overrides, sample interval, funding venue) load into their structs; and
 * mistakes in the shape (both strategy: and strategies:, an unknown type, an account that does
 * not exist, two strategies with one name) are reported where they are.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cexarb/engine.h"
#include "cexarb/maker_hedge.h"
#include "cexarb/run_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* maker_hedge's parameters of strategy i of a run configuration. */
#define MHI(cfg, i) ((struct cx_mh_params *)(void *)(cfg)->strategies[i].params)
#define MH(cfg) MHI(cfg, 0)
#define ONE INT64_C(100000000)

/* ---------------------------------------------------------------------------------------------
 * MARK: real configuration files
 * ------------------------------------------------------------------------------------------- */

#define SHIPPED_CONFIG CX_DATA_DIR "/../configs/maker_hedge.yaml"

/* Renders c, writes the JSON to a temporary file, loads it over a zeroed config and renders
 * that: both texts must be equal (every rendered key came back to the same value). */
static void assert_mh_json_round_trip(const struct cx_run_cfg *c)
{
    static char json[65536], json2[65536];
    static struct cx_run_cfg back;
    int n = cx_run_cfg_to_json(c, json, sizeof json);
    assert_true(n > 0);
    char path[] = "/tmp/cx_test_conf_mh_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, json, (size_t)n), (ssize_t)n);
    assert_int_equal(close(fd), 0);
    memset(&back, 0, sizeof back);
    struct cx_parse_err err;
    int rc = cx_run_cfg_load(&back, path, CX_DATA_DIR, &err);
    unlink(path);
    if (rc != 0) {
        char msg[300];
        cx_parse_err_format(&err, msg, sizeof msg);
        fail_msg("%s\n%s", msg, json);
    }
    assert_int_equal(cx_run_cfg_to_json(&back, json2, sizeof json2), n);
    assert_string_equal(json2, json);
    assert_true(MH(&back)->position_size_usd == MH(c)->position_size_usd);
    assert_true(MH(&back)->signal.spike_sigma == MH(c)->signal.spike_sigma);
    assert_int_equal(back.sim.seed, c->sim.seed);
    assert_int_equal(back.funding, c->funding);
    assert_int_equal(back.funding_rate_ppb, c->funding_rate_ppb);
    assert_int_equal(back.funding_first_ns, c->funding_first_ns);
}

static void test_real_configs(void **state)
{
    (void)state;
    static struct cx_run_cfg def, got;
    static char json[65536], json_bare[65536];
    struct cx_parse_err err;
    /* The shipped file through cx_run_cfg_load (tables + after-walk check). */
    cx_run_cfg_default(&def, CX_DATA_DIR);
    got = def;
    int rc = cx_run_cfg_load(&got, SHIPPED_CONFIG, CX_DATA_DIR, &err);
    if (rc != 0) {
        char msg[300];
        cx_parse_err_format(&err, msg, sizeof msg);
        fail_msg("%s", msg);
    }
    int n = cx_run_cfg_to_json(&got, json, sizeof json);
    assert_true(n > 0);
    print_message("  %.200s...\n", json);
    /* The shipped file is the defaults: the defaults render the same. */
    assert_int_equal(cx_run_cfg_to_json(&def, json_bare, sizeof json_bare), n);
    assert_string_equal(json, json_bare);
    assert_non_null(strstr(json, "\"breaker\":{\"volatility_threshold\":2,"));
    assert_non_null(strstr(json, "\"cooldown\":\"5m\""));
    assert_non_null(strstr(json, "\"position_size_usd\":\"100\""));
    assert_non_null(strstr(json, "\"funding\":null"));
    assert_non_null(strstr(json, "\"latency\":{\"entry\":\"5ms\",\"response\":\"5ms\"}"));
    assert_mh_json_round_trip(&got);
    /* The strategy's own table renders the parameters alone. */
    assert_true(cx_conf_to_json(cx_mh_params_fields(), MH(&got), json_bare, sizeof json_bare) >
                0);
    assert_memory_equal(json_bare, "{\"venues\":{\"spot\":", 18);
    assert_int_equal(cx_run_cfg_to_json(&got, json, 100), CX_ENOSPC);

    /* A config that sets every kind of custom key, through the same round trip. */
    const char *text =
        "strategy: maker_hedge\n"
        "instruments: data/instruments/binance.yaml\n"
        "venues: {spot: {venue: mexc_spot, symbol: BTC_USDT}, perp: {venue: gate_futures, "
        "symbol: BTC_USDT}}\n"
        "analyzer: {lookback: 200, sample_interval: 500ms, spike_sigma: 0.1e1}\n"
        "breaker: {correlation_min: -0.25, cooldown: 1.5m, enabled: [EMERGENCY_SPIKE]}\n"
        "maker: {position_size_usd: \"250.12345678\", quote_max_age: 0s}\n"
        "hedge: {naked_budget_base_s: 1e-3}\n"
        "backtest:\n"
        "  files: [data/binance/usdm/btcusdt_20240808.gz]\n"
        "  balances:\n"
        "    mexc_spot: {BTC: \"0.00000001\", USDT: 10000.25}\n"
        "    gate_futures: {USDT: \"5000\", leverage: 10}\n"
        "  latency:\n"
        "    entry: {kind: lognormal, median: \"5ms\", p99: \"20.5ms\"}\n"
        "    response: {kind: constant, value: 7us}\n"
        "  funding: {rate: \"-0.000012345\", interval: 4h, first: \"2024-08-09 00:00:00.25\"}\n"
        "  queue_model: probabilistic\n"
        "  queue_power: 0.3\n"
        "  seed: 18446744073709551615\n";
    char path[] = "/tmp/cx_test_conf_mh_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    assert_int_equal(close(fd), 0);
    got = def;
    rc = cx_run_cfg_load(&got, path, CX_DATA_DIR, &err);
    unlink(path);
    if (rc != 0) {
        char msg[300];
        cx_parse_err_format(&err, msg, sizeof msg);
        fail_msg("%s", msg);
    }
    assert_int_equal(got.funding_rate_ppb, -12345);
    assert_true(MH(&got)->position_size_usd == 250.12345678);
    n = cx_run_cfg_to_json(&got, json, sizeof json);
    assert_true(n > 0);
    print_message("  %s\n", json);
    assert_non_null(strstr(json, "\"position_size_usd\":\"250.12345678\""));
    assert_non_null(strstr(json, "\"cooldown\":\"90s\""));
    assert_non_null(strstr(json, "\"enabled\":[\"EMERGENCY_SPIKE\"]"));
    assert_non_null(strstr(json, "{\"name\":\"main\",\"venue\":\"mexc_spot\",\"leverage\":1,"
                                 "\"balances\":{\"BTC\":\"0.00000001\",\"USDT\":\"10000.25\"}}"));
    assert_non_null(strstr(json, "\"entry\":{\"kind\":\"lognormal\",\"median\":\"5ms\","
                                 "\"p99\":\"20500us\"}"));
    assert_non_null(strstr(json, "\"response\":\"7us\""));
    assert_non_null(strstr(json, "\"funding\":{\"rate\":\"-0.000012345\",\"interval\":\"4h\","
                                 "\"first\":\"2024-08-09 00:00:00.25\"}"));
    assert_non_null(strstr(json, "\"queue_power\":0.3,"));
    assert_non_null(strstr(json, "\"seed\":18446744073709551615"));
    assert_mh_json_round_trip(&got);
}

/* ---------------------------------------------------------------------------------------------
 * MARK: several strategies
 * ------------------------------------------------------------------------------------------- */

/* Loads text over the defaults; err.file cleared (the temporary path is gone). */
static int load_text(const char *text, struct cx_run_cfg *c, struct cx_parse_err *err)
{
    char path[] = "/tmp/cx_test_run_cfg_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    assert_int_equal(close(fd), 0);
    cx_run_cfg_default(c, CX_DATA_DIR);
    memset(err, 0, sizeof *err);
    int rc = cx_run_cfg_load(c, path, CX_DATA_DIR, err);
    unlink(path);
    err->file = NULL;
    return rc;
}

static const char k_two[] =
    "# two maker_hedge instances with shared limits\n"
    "backtest:\n"
    "  accounts:\n"
    "    - {name: main, venue: binance_spot, balances: {BTC: \"0.01\", USDT: \"2000\"}}\n"
    "    - {name: second, venue: binance_spot, balances: {USDT: \"500\"}}\n"
    "    - {name: main, venue: binance_usdm, leverage: 5, balances: {USDT: \"2000\"}}\n"
    "  fees:\n"
    "    - {venue: binance_spot, symbol: BTCUSDT, maker: \"0.0002\", taker: \"0.0004\"}\n"
    "  sample_interval: 500ms\n"
    "risk:\n"
    "  max_order_notional: \"1000\"\n"
    "  max_open_orders: 20\n"
    "  order_rate: {max: 10, window: 1s}\n"
    "  max_position: [{venue: binance_usdm, symbol: BTCUSDT, max: \"0.05\"}]\n"
    "  max_asset: [{asset: BTC, max: \"0.02\"}]\n"
    "strategies:\n"
    "  - name: mh_small\n"
    "    type: maker_hedge\n"
    "    params: {maker: {position_size_usd: 50}}\n"
    "  - name: mh_big\n"
    "    type: maker_hedge\n"
    "    accounts: {binance_spot: second}\n"
    "    params:\n"
    "      maker: {position_size_usd: 250}\n"
    "      hedge: {timeout: 200ms}\n";

static void test_several_strategies(void **state)
{
    (void)state;
    static struct cx_run_cfg c;
    struct cx_parse_err err;
    int rc = load_text(k_two, &c, &err);
    if (rc != 0) {
        char msg[300];
        cx_parse_err_format(&err, msg, sizeof msg);
        fail_msg("%s", msg);
    }
    assert_false(c.is_single);
    assert_int_equal(c.n_strategies, 2);
    assert_string_equal(c.strategies[0].name, "mh_small");
    assert_string_equal(c.strategies[1].name, "mh_big");
    assert_string_equal(c.strategies[1].type->name, "maker_hedge");
    /* Each strategy's parameters from its own mapping, over the type's defaults. */
    assert_true(MHI(&c, 0)->position_size_usd == 50.0);
    assert_true(MHI(&c, 1)->position_size_usd == 250.0);
    assert_int_equal(MHI(&c, 0)->hedge_timeout_ns, 100 * CX_NS_PER_MS);
    assert_int_equal(MHI(&c, 1)->hedge_timeout_ns, 200 * CX_NS_PER_MS);
    /* Accounts: three, one venue with two; mh_big trades spot on "second". */
    assert_int_equal(c.sim.n_accounts, 3);
    assert_string_equal(c.sim.accounts[1].name, "second");
    assert_int_equal(cx_run_cfg_account_id(&c, &c.strategies[0], CX_VENUE_BINANCE_SPOT), 1);
    assert_int_equal(cx_run_cfg_account_id(&c, &c.strategies[1], CX_VENUE_BINANCE_SPOT), 2);
    assert_int_equal(cx_run_cfg_account_id(&c, &c.strategies[1], CX_VENUE_BINANCE_USDM), 3);
    assert_int_equal(cx_run_cfg_account_id(&c, &c.strategies[1], CX_VENUE_GATE_SPOT), 0);
    /* The run's keys. */
    assert_int_equal(c.n_fees, 1);
    assert_int_equal(c.fees[0].maker_fee_ppb, 200000);
    assert_int_equal(c.fees[0].taker_fee_ppb, 400000);
    assert_int_equal(c.sample_interval_ns, 500 * CX_NS_PER_MS);
    assert_int_equal(c.risk.max_order_notional, 1000 * ONE);
    assert_int_equal(c.risk.max_open_orders, 20);
    assert_int_equal(c.risk.max_orders_per_window, 10);
    assert_int_equal(c.risk.order_window_ns, CX_NS_PER_S);
    assert_int_equal(c.risk.n_inst, 1);
    assert_int_equal(c.risk.inst[0].venue, CX_VENUE_BINANCE_USDM);
    assert_int_equal(c.risk.inst[0].max_abs_base, 5 * ONE / 100);
    assert_int_equal(c.risk.n_asset, 1);
    assert_string_equal(c.risk.asset[0].asset, "BTC");
    assert_int_equal(c.risk.asset[0].max_abs_base, 2 * ONE / 100);
    /* The fee override reaches the registry. */
    struct cx_registry reg;
    assert_int_equal(cx_registry_init(&reg, 4), 0);
    assert_int_equal(cx_registry_load_yaml(&reg, CX_DATA_DIR "/instruments/binance.yaml", &err), 0);
    assert_int_equal(cx_run_cfg_apply_fees(&c, &reg, &err), 0);
    assert_int_equal(cx_registry_find(&reg, CX_VENUE_BINANCE_SPOT, "BTCUSDT", 7)->maker_fee_ppb,
                     200000);
    cx_registry_fini(&reg);
    /* metadata.json renders the list shape, which loads back to the same configuration. */
    static char json[65536], json2[65536];
    static struct cx_run_cfg back;
    int n = cx_run_cfg_to_json(&c, json, sizeof json);
    assert_true(n > 0);
    assert_non_null(strstr(json, "\"strategies\":[{\"name\":\"mh_small\",\"type\":\"maker_hedge\""));
    assert_non_null(strstr(json, "\"accounts\":{\"binance_spot\":\"second\"}"));
    char path[] = "/tmp/cx_test_run_cfg_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, json, (size_t)n), (ssize_t)n);
    assert_int_equal(close(fd), 0);
    cx_run_cfg_default(&back, CX_DATA_DIR);
    rc = cx_run_cfg_load(&back, path, CX_DATA_DIR, &err);
    unlink(path);
    assert_int_equal(rc, 0);
    assert_int_equal(cx_run_cfg_to_json(&back, json2, sizeof json2), n);
    assert_string_equal(json, json2);
}

static void expect_err(const char *text, int code, const char *detail, int64_t line, int32_t col)
{
    static struct cx_run_cfg c;
    struct cx_parse_err err;
    int rc = load_text(text, &c, &err);
    char msg[300];
    cx_parse_err_format(&err, msg, sizeof msg);
    print_message("  %s\n", msg);
    assert_string_equal(cx_err_name(rc), cx_err_name(code));
    assert_string_equal(err.detail, detail);
    assert_int_equal(err.line, line);
    if (col != 0)
        assert_int_equal(err.col, col);
}

static void test_strategy_errors(void **state)
{
    (void)state;
    /* A value out of range inside the second strategy's parameters: the full key. */
    expect_err("strategies:\n"
               "  - {name: a, type: maker_hedge}\n"
               "  - name: b\n"
               "    type: maker_hedge\n"
               "    params:\n"
               "      maker: {position_size_usd: -5}\n",
               CX_ECONFIG, "strategies[1].params.maker.position_size_usd", 6, 34);
    /* An unknown key there. */
    expect_err("strategies:\n"
               "  - type: maker_hedge\n"
               "    params: {hedge: {timout: 1s}}\n",
               CX_EPARSE, "strategies[0].params.hedge.timout", 3, 22);
    /* A relation between two keys of a strategy, checked after the walk, positioned. */
    expect_err("strategies:\n"
               "  - type: maker_hedge\n"
               "    params: {offset: {base_ticks: 5, max_ticks: 3}}\n",
               CX_ECONFIG, "strategies[0].params.offset.max_ticks", 3, 49);
    /* An unknown type, in either shape. */
    expect_err("strategies:\n  - {type: market_maker}\n", CX_ECONFIG, "strategies[0].type", 2,
               12);
    expect_err("strategy: market_maker\n", CX_ECONFIG, "strategy", 1, 11);
    /* Both shapes at once. */
    expect_err("strategy: maker_hedge\nstrategies: []\n", CX_EPARSE, "strategies", 2, 13);
    /* A strategy's keys at the top level of a list file are not run keys. */
    expect_err("strategies: [{type: maker_hedge}]\nmaker: {position_size_usd: 10}\n", CX_EPARSE,
               "maker", 2, 1);
    /* An account that does not exist; two strategies with one name; a missing type. */
    expect_err("strategies:\n  - type: maker_hedge\n    accounts: {binance_spot: nope}\n",
               CX_ECONFIG, "strategies[0].accounts.binance_spot", 3, 30);
    expect_err("strategies:\n  - {type: maker_hedge}\n  - {type: maker_hedge}\n", CX_ECONFIG,
               "strategies[1].name", 0, 0);
    expect_err("strategies:\n  - {name: x}\n", CX_EPARSE, "strategies[0].type", 2, 5);
    /* The run's keys: both account forms; a risk limit out of range; a fee too large. */
    expect_err("backtest:\n  balances: {binance_spot: {USDT: 1}}\n"
               "  accounts: [{name: a, venue: binance_spot}]\n",
               CX_EPARSE, "backtest.accounts[0]", 3, 14);
    expect_err("risk: {max_asset: [{asset: BTC, max: \"0\"}]}\n", CX_ECONFIG,
               "risk.max_asset[0].max", 1, 38);
    expect_err("backtest:\n  fees: [{venue: binance_spot, symbol: BTCUSDT, maker: \"0.02\", "
               "taker: \"0.001\"}]\n",
               CX_ECONFIG, "backtest.fees[0].maker", 2, 56);
    expect_err("backtest: {funding: {rate: \"0.0001\", venue: binance_usdm}}\n", CX_ECONFIG,
               "backtest.funding.venue", 1, 0);
}

/* The shipped multi-strategy example, through the CLI as a user runs it. */
static void test_two_makers_example(void **state)
{
    (void)state;
    char dir[] = "/tmp/cx_two_makers_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char cmd[512];
    snprintf(cmd, sizeof cmd, "%s backtest configs/two_makers.yaml --out %s/s --json > %s/out.json",
             CX_CLI_PATH, dir, dir);
    int rc = system(cmd);
    assert_int_equal(WEXITSTATUS(rc), 0); /* no hedge needed a person, no fill lost */
    char path[128];
    snprintf(path, sizeof path, "%s/s/strategy.json", dir);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char text[65536];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    /* One summary per strategy, keyed by its name; both traded and hedged. */
    assert_non_null(strstr(text, "{\"mh_100\":{\"quotes\":"));
    assert_non_null(strstr(text, "},\"mh_250\":{\"quotes\":"));
    assert_null(strstr(text, "\"manual_intervention\":true"));
    assert_null(strstr(text, "\"hedges\":0,"));
    /* events.log says whose each line is. */
    snprintf(cmd, sizeof cmd,
             "grep -q '\"event\":\"hedge_intent\",\"strategy\":\"mh_250\"' %s/s/events.log", dir);
    assert_int_equal(WEXITSTATUS(system(cmd)), 0);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_real_configs),
        cmocka_unit_test(test_several_strategies),
        cmocka_unit_test(test_strategy_errors),
        cmocka_unit_test(test_two_makers_example),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
