/* SPDX-License-Identifier: MIT */
/*
 * The CLI's error paths as a user meets them: each bad input gives exit status 1 (2 for usage)
 * and one clear line naming what and where, with nothing printed twice and no empty parts.
 * Run by `make test-asan` too, where the binary is built with AddressSanitizer and
 * LeakSanitizer: a leak or a bad access on any of these paths changes the exit status (LSan
 * exits 23), so the status check is also the leak check of every command's one cleanup path.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

static char g_dir[] = "/tmp/cx_cli_errors_XXXXXX";

/* Runs `cexarb ARGS`, returns its exit status; its stderr goes to out[0..cap). */
static int run(const char *args, char *out, size_t cap)
{
    char cmd[1024], path[128];
    snprintf(path, sizeof path, "%s/stderr.txt", g_dir);
    snprintf(cmd, sizeof cmd, "%s %s > /dev/null 2> %s", CX_CLI_PATH, args, path);
    int st = system(cmd);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    size_t n = fread(out, 1, cap - 1, f);
    fclose(f);
    out[n] = '\0';
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void write_file(const char *name, const char *text)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", g_dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

/* One error: status, and every text in want[] appears in stderr; no "(CX_OK)", no ": :". */
static void expect(const char *args, int status, const char *const *want)
{
    char out[4096];
    int rc = run(args, out, sizeof out);
    print_message("  cexarb %s -> %d: %s", args, rc, out);
    assert_int_equal(rc, status);
    for (; *want != NULL; want++)
        assert_non_null(strstr(out, *want));
    assert_null(strstr(out, "CX_OK"));
    assert_null(strstr(out, ": :"));
    assert_null(strstr(out, "<input>"));
}

static int setup(void **state)
{
    (void)state;
    return mkdtemp(g_dir) != NULL ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", g_dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void test_backtest_errors(void **state)
{
    (void)state;
    char args[512];
    expect("backtest /nonexistent/run.yaml", 1,
           (const char *const[]){"/nonexistent/run.yaml", "CX_ENOENT", NULL});
    write_file("type.yaml", "strategy: market_maker\n");
    snprintf(args, sizeof args, "backtest %s/type.yaml", g_dir);
    expect(args, 1, (const char *const[]){"type.yaml:1:11:", "unknown strategy type", NULL});
    write_file("key.yaml", "maker: {position_size: 100}\n");
    snprintf(args, sizeof args, "backtest %s/key.yaml", g_dir);
    expect(args, 1, (const char *const[]){"key.yaml:1:9:", "maker.position_size", NULL});
    /* A symbol with no instrument and no data: the run starts, the strategy cannot, and the
     * message says which leg and why (the runtime, the sim and the store are all released). */
    write_file("sym.yaml", "venues: {spot: {symbol: ETHUSDT}}\n");
    snprintf(args, sizeof args, "backtest %s/sym.yaml --out %s/s1", g_dir, g_dir);
    expect(args, 1, (const char *const[]){"unknown instrument", "venues.spot: binance_spot ETHUSDT",
                                          "CX_ESYMBOL", NULL});
    write_file("fund.yaml", "backtest: {funding: {file: /nonexistent/funding.csv}}\n");
    snprintf(args, sizeof args, "backtest %s/fund.yaml", g_dir);
    expect(args, 1, (const char *const[]){"backtest.funding", "/nonexistent/funding.csv", NULL});
    write_file("fee.yaml", "backtest: {fees: [{venue: binance_spot, symbol: ETHUSDT, maker: \"0\", "
                           "taker: \"0\"}]}\n");
    snprintf(args, sizeof args, "backtest %s/fee.yaml", g_dir);
    expect(args, 1, (const char *const[]){"backtest.fees[0]", "unknown instrument", NULL});
    /* A session directory that is not empty is never overwritten. */
    snprintf(args, sizeof args, "mkdir -p %s/full && touch %s/full/x", g_dir, g_dir);
    assert_int_equal(system(args), 0);
    snprintf(args, sizeof args, "backtest --out %s/full", g_dir);
    expect(args, 1, (const char *const[]){"not empty", "CX_EEXIST", NULL});
    expect("backtest --frobnicate", 2, (const char *const[]){"unknown option", NULL});
    expect("backtest a.yaml b.yaml", 2, (const char *const[]){"only one CONFIG", NULL});
}

/* A symbol the instruments know but the files have no data for: the run completes, and the
 * user is told that a strategy never saw its book instead of reading an empty run as a quiet
 * market. */
static void test_symbol_without_data(void **state)
{
    (void)state;
    write_file("eth.yaml",
               "instruments:\n"
               "  - {venue: binance_spot, symbol: ETHUSDT, kind: spot, base: ETH, quote: USDT,\n"
               "     price_exp: -8, qty_exp: -8, tick: \"0.01\", lot: \"0.0001\",\n"
               "     min_notional: \"5\", maker_fee: \"0.001\", taker_fee: \"0.001\"}\n");
    char text[512], args[512];
    snprintf(text, sizeof text, "instruments: %s/eth.yaml\nvenues: {spot: {symbol: ETHUSDT}}\n",
             g_dir);
    write_file("eth_run.yaml", text);
    snprintf(args, sizeof args, "backtest %s/eth_run.yaml --out %s/s2", g_dir, g_dir);
    expect(args, 0, (const char *const[]){"WARNING", "no market data", NULL});
    snprintf(args, sizeof args,
             "grep -q '\"event\":\"no_market_data\",\"inst_id\":[0-9]*,\"venue\":\"binance_spot\","
             "\"symbol\":\"ETHUSDT\"' %s/s2/events.log",
             g_dir);
    assert_int_equal(WEXITSTATUS(system(args)), 0);
}

static void test_other_commands(void **state)
{
    (void)state;
    expect("replay /nonexistent/x.gz", 1, (const char *const[]){"/nonexistent/x.gz", NULL});
    char args[256];
    snprintf(args, sizeof args, "report %s/no-session", g_dir);
    expect(args, 1, (const char *const[]){"no-session", NULL});
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_backtest_errors),
        cmocka_unit_test(test_symbol_without_data),
        cmocka_unit_test(test_other_commands),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
