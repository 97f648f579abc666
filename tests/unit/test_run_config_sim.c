/* SPDX-License-Identifier: MIT */
/*
 * The run configuration's keys of the simulated venue's models (src/engine/run_config.c,
 * docs/config/run.md): backtest.queue_function, the feed and recorded latency kinds of
 * backtest.latency.entry / .response, backtest.clock_offset and backtest.venue_reorder_window.
 * Each key loads into its struct field and into the engine configuration, renders into
 * metadata's configuration JSON and loads back from it; each error reports its code, the full
 * dotted key, line and column, as tests/unit/test_mh_config.c does for the other keys. Then
 * the CLI runs the default backtest with the new latency kinds: a recorded series and a feed
 * model that both amount to the default constant 5 ms give byte-identical fills and orders, and
 * a feed model that follows the feed gives other ones; metadata.json names the kinds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cexarb/run_config.h"

#include <stdbool.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---------------------------------------------------------------------------------------------
 * MARK: helpers
 * ------------------------------------------------------------------------------------------- */

/* Writes text to a new temporary file; its path goes to path[0..cap). */
static void temp_file(char *path, size_t cap, const char *text)
{
    snprintf(path, cap, "/tmp/cx_test_run_cfg_sim_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    size_t n = strlen(text);
    assert_int_equal(write(fd, text, n), (ssize_t)n);
    assert_int_equal(close(fd), 0);
}

/* Loads text over the defaults; err.file is cleared (the temporary path is gone). */
static int load_text(const char *text, struct cx_run_cfg *c, struct cx_parse_err *err)
{
    char path[64];
    temp_file(path, sizeof path, text);
    cx_run_cfg_default(c, CX_DATA_DIR);
    memset(err, 0, sizeof *err);
    int rc = cx_run_cfg_load(c, path, CX_DATA_DIR, err);
    unlink(path);
    err->file = NULL;
    return rc;
}

/* Loads text that must be accepted. */
static void load_ok(const char *text, struct cx_run_cfg *c)
{
    struct cx_parse_err err;
    int rc = load_text(text, c, &err);
    if (rc != 0) {
        char msg[300];
        cx_parse_err_format(&err, msg, sizeof msg);
        fail_msg("%s", msg);
    }
}

/* Expects load_text(text) to fail with code, detail, line and column, and msg when not NULL. */
static void expect_err(const char *text, int code, const char *detail, int64_t line, int32_t col,
                       const char *msg)
{
    static struct cx_run_cfg c;
    struct cx_parse_err err;
    int rc = load_text(text, &c, &err);
    if (rc != code || strcmp(err.detail, detail) != 0 || err.line != line || err.col != col) {
        char m[300];
        cx_parse_err_format(&err, m, sizeof m);
        print_error("got %s at %lld:%d: %s\n", cx_err_name(rc), (long long)err.line, err.col, m);
    }
    assert_string_equal(cx_err_name(rc), cx_err_name(code));
    assert_int_equal(err.code, code);
    assert_string_equal(err.detail, detail);
    assert_int_equal(err.line, line);
    assert_int_equal(err.col, col);
    assert_non_null(err.msg);
    if (msg != NULL)
        assert_string_equal(err.msg, msg);
}

/* Renders c, loads the JSON back over the defaults and renders again: the same text. Returns
 * the first rendering (static). */
static const char *round_trip(const struct cx_run_cfg *c, struct cx_run_cfg *back)
{
    static char json[65536], json2[65536];
    int n = cx_run_cfg_to_json(c, json, sizeof json);
    assert_true(n > 0);
    load_ok(json, back);
    assert_int_equal(cx_run_cfg_to_json(back, json2, sizeof json2), n);
    assert_string_equal(json2, json);
    return json;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: backtest.queue_function
 * ------------------------------------------------------------------------------------------- */

static void test_queue_function(void **state)
{
    (void)state;
    static struct cx_run_cfg c, back;
    load_ok("", &c);
    assert_int_equal(c.sim.queue_function, CX_QUEUE_FN_POWER);
    static const char *const names[] = {"power", "log", "power2", "log2", "power3"};
    static const uint8_t fns[] = {CX_QUEUE_FN_POWER, CX_QUEUE_FN_LOG, CX_QUEUE_FN_POWER2,
                                  CX_QUEUE_FN_LOG2, CX_QUEUE_FN_POWER3};
    for (int i = 0; i < 5; i++) {
        char text[128], want[64];
        snprintf(text, sizeof text,
                 "backtest:\n  queue_model: probabilistic\n  queue_function: %s\n", names[i]);
        load_ok(text, &c);
        assert_int_equal(c.sim.queue_model, CX_QUEUE_PROB_POWER);
        assert_int_equal(c.sim.queue_function, fns[i]);
        snprintf(want, sizeof want, "\"queue_function\":\"%s\"", names[i]);
        assert_non_null(strstr(round_trip(&c, &back), want));
        assert_int_equal(back.sim.queue_function, fns[i]);
    }
    expect_err("backtest:\n  queue_function: exp\n", CX_ECONFIG, "backtest.queue_function", 2,
               19, "backtest.queue_function must be power, log, power2, log2 or power3");
    expect_err("backtest:\n  queue_function: [log]\n", CX_EPARSE, "backtest.queue_function", 2,
               19, NULL);
}

/* ---------------------------------------------------------------------------------------------
 * MARK: backtest.latency kinds feed and recorded
 * ------------------------------------------------------------------------------------------- */

static void test_latency_feed(void **state)
{
    (void)state;
    static struct cx_run_cfg c, back;
    load_ok("backtest:\n  latency:\n    entry: {kind: feed, mul: 1.5, add: 2ms}\n"
            "    response: {kind: feed, mul: \"0.000001\", add: 0s}\n",
            &c);
    assert_int_equal(c.sim.entry.kind, CX_LAT_FEED);
    assert_int_equal(c.sim.entry.mul_ppm, 1500000);
    assert_int_equal(c.sim.entry.a_ns, 2000000);
    assert_int_equal(c.sim.entry.b_ns, 0);
    assert_int_equal(c.sim.response.mul_ppm, 1);
    assert_int_equal(c.sim.response.a_ns, 0);
    const char *json = round_trip(&c, &back);
    assert_non_null(strstr(json, "\"entry\":{\"kind\":\"feed\",\"mul\":\"1.5\",\"add\":\"2ms\"}"));
    assert_non_null(strstr(json, "\"response\":{\"kind\":\"feed\",\"mul\":\"0.000001\","
                                 "\"add\":\"0s\"}"));
    assert_int_equal(back.sim.entry.mul_ppm, 1500000);
    /* A constant after a feed model clears nothing it should keep: kind and fields replaced. */
    load_ok("backtest:\n  latency:\n    entry: 3ms\n", &c);
    assert_int_equal(c.sim.entry.kind, CX_LAT_CONSTANT);
    assert_int_equal(c.sim.entry.mul_ppm, 0);

    expect_err("backtest:\n  latency:\n    entry: {kind: feed, mul: 1}\n", CX_ECONFIG,
               "backtest.latency.entry.add", 3, 12,
               "latency kind needs its keys (constant: value; uniform: min, max; lognormal: "
               "median, p99; feed: mul, add; recorded: file)");
    expect_err("backtest:\n  latency:\n    entry: {kind: feed, mul: 1001, add: 1ms}\n",
               CX_ECONFIG, "backtest.latency.entry.mul", 3, 30,
               "feed latency mul must be in [0, 1000] with at most 6 decimals");
    expect_err("backtest:\n  latency:\n    entry: {kind: feed, mul: -0.5, add: 1ms}\n",
               CX_ECONFIG, "backtest.latency.entry.mul", 3, 30,
               "feed latency mul must be in [0, 1000] with at most 6 decimals");
    expect_err("backtest:\n  latency:\n    entry: {kind: feed, mul: 0.0000001, add: 1ms}\n",
               CX_ECONFIG, "backtest.latency.entry.mul", 3, 30, "value has more than 6 decimals");
    expect_err("backtest:\n  latency:\n    entry: {kind: feed, mul: 1, add: 61s}\n", CX_ECONFIG,
               "backtest.latency.entry.add", 3, 38, "latency must be in [0s, 60s]");
    expect_err("backtest:\n  latency:\n    entry: {kind: feed, mul: 1, add: 1ms, p99: 2ms}\n",
               CX_EPARSE, "backtest.latency.entry.p99", 3, 43,
               "key not used by this latency kind (constant: value; uniform: min, max; "
               "lognormal: median, p99; feed: mul, add; recorded: file)");
    expect_err("backtest:\n  latency:\n    entry: {kind: gauss, value: 1ms}\n", CX_ECONFIG,
               "backtest.latency.entry.kind", 3, 19,
               "latency kind must be constant, uniform, lognormal, feed or recorded");
}

/* Writes text to a temporary file whose path goes to path[0..64). */
static void latency_csv(char *path, const char *text)
{
    temp_file(path, 64, text);
}

static void test_latency_recorded(void **state)
{
    (void)state;
    static struct cx_run_cfg c, back;
    char csv[64], text[512];
    latency_csv(csv, "req_ns,exch_ns,resp_ns\n1000,1100,1300\n2000,2300,2400\n");
    snprintf(text, sizeof text,
             "backtest:\n  latency:\n    entry: {kind: recorded, file: %s}\n"
             "    response: {kind: recorded, file: %s}\n",
             csv, csv);
    load_ok(text, &c);
    assert_int_equal(c.sim.entry.kind, CX_LAT_RECORDED);
    assert_int_equal(c.sim.response.kind, CX_LAT_RECORDED);
    assert_null(c.sim.entry.rows);
    assert_string_equal(c.latency_file[0], csv);
    assert_string_equal(c.latency_file[1], csv);
    char want[128];
    snprintf(want, sizeof want, "\"entry\":{\"kind\":\"recorded\",\"file\":\"%s\"}", csv);
    assert_non_null(strstr(round_trip(&c, &back), want));
    assert_string_equal(back.latency_file[1], csv);

    /* The rows: one load for both models. */
    struct cx_engine_cfg e;
    cx_run_cfg_engine(&c, NULL, &e);
    struct cx_sim_latency_series series[2];
    struct cx_parse_err err;
    memset(&err, 0, sizeof err);
    assert_int_equal(cx_run_cfg_latency_series(&c, &e.sim, series, &err), 0);
    assert_int_equal(series[0].n, 2);
    assert_null(series[1].rows);
    assert_ptr_equal(e.sim.entry.rows, series[0].rows);
    assert_ptr_equal(e.sim.response.rows, series[0].rows);
    assert_int_equal(e.sim.response.n_rows, 2);
    uint64_t rng = 0;
    assert_int_equal(cx_sim_latency_at(&e.sim.entry, false, 1500, 0, &rng), 200);
    assert_int_equal(cx_sim_latency_at(&e.sim.response, true, 1500, 0, &rng), 150);
    cx_sim_latency_series_fini(&series[0]);
    cx_sim_latency_series_fini(&series[1]);

    /* A bad series is reported by the loader with the key in front of the detail. */
    char bad[64];
    latency_csv(bad, "req_ns,exch_ns,resp_ns\n1000,1100,1300\n2000,2300,2299\n");
    snprintf(text, sizeof text, "backtest:\n  latency:\n    response: {kind: recorded, file: %s}\n",
             bad);
    load_ok(text, &c);
    assert_string_equal(c.latency_file[0], "");
    cx_run_cfg_engine(&c, NULL, &e);
    memset(&err, 0, sizeof err);
    assert_int_equal(cx_run_cfg_latency_series(&c, &e.sim, series, &err), CX_ETIME);
    assert_string_equal(err.file, bad);
    assert_int_equal(err.line, 3);
    assert_int_equal(err.col, 11);
    assert_string_equal(err.detail, "backtest.latency.response.file: 2299");
    assert_null(series[0].rows);
    assert_null(series[1].rows);
    unlink(bad);
    unlink(csv);

    /* Keys. */
    expect_err("backtest:\n  latency:\n    entry: {kind: recorded}\n", CX_ECONFIG,
               "backtest.latency.entry.file", 3, 12, NULL);
    expect_err("backtest:\n  latency:\n    entry: {kind: recorded, file: \"\"}\n", CX_ECONFIG,
               "backtest.latency.entry.file", 3, 35, "path must not be empty");
    expect_err("backtest:\n  latency:\n    entry: {kind: recorded, file: lat.csv, add: 1ms}\n",
               CX_EPARSE, "backtest.latency.entry.add", 3, 44, NULL);
    struct cx_run_cfg *cc = &c;
    assert_int_equal(load_text("backtest:\n  latency:\n    response: {kind: recorded, file: "
                               "data/latency/none.csv}\n",
                               cc, &err),
                     CX_ENOENT);
    assert_string_equal(err.detail, "backtest.latency.response.file: " CX_DATA_DIR
                                    "/latency/none.csv");
    assert_int_equal(err.line, 3);
    assert_int_equal(err.col, 38);
}

/* ---------------------------------------------------------------------------------------------
 * MARK: backtest.clock_offset, backtest.venue_reorder_window
 * ------------------------------------------------------------------------------------------- */

static void test_clock_offset(void **state)
{
    (void)state;
    static struct cx_run_cfg c, back;
    struct cx_engine_cfg e;
    load_ok("", &c);
    cx_run_cfg_engine(&c, NULL, &e);
    assert_int_equal(e.clock_offset_pct_ppm, 0);
    assert_int_equal(e.assumed_min_latency_ns, 0);
    load_ok("backtest:\n  clock_offset: {percentile: 0.1, assumed_min_latency: 1.5ms}\n", &c);
    assert_int_equal(c.clock_offset_pct_ppm, 1000);
    assert_int_equal(c.assumed_min_latency_ns, 1500000);
    cx_run_cfg_engine(&c, NULL, &e);
    assert_int_equal(e.clock_offset_pct_ppm, 1000);
    assert_int_equal(e.assumed_min_latency_ns, 1500000);
    assert_non_null(strstr(round_trip(&c, &back), "\"clock_offset\":{\"percentile\":\"0.1\","
                                                  "\"assumed_min_latency\":\"1500us\"}"));
    load_ok("backtest:\n  clock_offset: {percentile: 50}\n", &c);
    assert_int_equal(c.clock_offset_pct_ppm, 500000);
    assert_int_equal(c.assumed_min_latency_ns, 0);
    load_ok("backtest:\n  clock_offset: {percentile: 0.0001}\n", &c);
    assert_int_equal(c.clock_offset_pct_ppm, 1);

    expect_err("backtest:\n  clock_offset: {percentile: 51}\n", CX_ECONFIG,
               "backtest.clock_offset.percentile", 2, 30,
               "backtest.clock_offset.percentile must be in [0, 50]");
    expect_err("backtest:\n  clock_offset: {percentile: -1}\n", CX_ECONFIG,
               "backtest.clock_offset.percentile", 2, 30,
               "backtest.clock_offset.percentile must be in [0, 50]");
    expect_err("backtest:\n  clock_offset: {percentile: 0.00001}\n", CX_ECONFIG,
               "backtest.clock_offset.percentile", 2, 30, "value has more than 4 decimals");
    expect_err("backtest:\n  clock_offset: {assumed_min_latency: 2s}\n", CX_ECONFIG,
               "backtest.clock_offset.assumed_min_latency", 2, 39,
               "backtest.clock_offset.assumed_min_latency must be in [0s, 1s]");
    expect_err("backtest:\n  clock_offset: {assumed_min_latency: 5}\n", CX_EPARSE,
               "backtest.clock_offset.assumed_min_latency", 2, 39, NULL);
    expect_err("backtest:\n  clock_offset: {pct: 1}\n", CX_EPARSE, "backtest.clock_offset.pct", 2,
               18, "unknown key");
}

static void test_venue_window(void **state)
{
    (void)state;
    static struct cx_run_cfg c, back;
    struct cx_engine_cfg e;
    load_ok("", &c);
    assert_int_equal(c.venue_window_ns, 1000000000);
    cx_run_cfg_engine(&c, NULL, &e);
    assert_int_equal(e.venue_window_ns, 1000000000);
    assert_non_null(strstr(round_trip(&c, &back), "\"venue_reorder_window\":\"1s\""));
    load_ok("backtest:\n  venue_reorder_window: 250ms\n", &c);
    cx_run_cfg_engine(&c, NULL, &e);
    assert_int_equal(e.venue_window_ns, 250000000);
    /* 0s and off both turn the reordering off: the engine's "none" (< 0). */
    load_ok("backtest:\n  venue_reorder_window: 0s\n", &c);
    cx_run_cfg_engine(&c, NULL, &e);
    assert_int_equal(e.venue_window_ns, -1);
    assert_non_null(strstr(round_trip(&c, &back), "\"venue_reorder_window\":\"off\""));
    assert_int_equal(back.venue_window_ns, 0);
    load_ok("backtest:\n  venue_reorder_window: off\n", &c);
    assert_int_equal(c.venue_window_ns, 0);

    expect_err("backtest:\n  venue_reorder_window: 11s\n", CX_ECONFIG,
               "backtest.venue_reorder_window", 2, 25,
               "backtest.venue_reorder_window must be in [0s, 10s] or off");
    expect_err("backtest:\n  venue_reorder_window: on\n", CX_EPARSE,
               "backtest.venue_reorder_window", 2, 25, NULL);
    expect_err("backtest:\n  venue_reorder_window: [1s]\n", CX_EPARSE,
               "backtest.venue_reorder_window", 2, 25, NULL);
}

/* ---------------------------------------------------------------------------------------------
 * MARK: the CLI on the bundled data
 * ------------------------------------------------------------------------------------------- */

static char g_dir[] = "/tmp/cx_run_cfg_sim_XXXXXX";

/* Runs `cexarb backtest CONFIG --out g_dir/NAME` with config text; returns the exit status. */
static int backtest(const char *name, const char *config_text)
{
    char cfg[128], cmd[512];
    snprintf(cfg, sizeof cfg, "%s/%s.yaml", g_dir, name);
    FILE *f = fopen(cfg, "w");
    assert_non_null(f);
    fputs(config_text, f);
    fclose(f);
    snprintf(cmd, sizeof cmd, "%s backtest %s --out %s/%s > /dev/null 2> %s/%s.err", CX_CLI_PATH,
             cfg, g_dir, name, g_dir, name);
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static char *slurp(const char *name, const char *file)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s/%s", g_dir, name, file);
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        fail_msg("no %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    char *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

static bool same_file(const char *a, const char *b, const char *file)
{
    char *x = slurp(a, file), *y = slurp(b, file);
    bool same = strcmp(x, y) == 0;
    free(x);
    free(y);
    return same;
}

static void test_cli_runs(void **state)
{
    (void)state;
    assert_non_null(mkdtemp(g_dir));
    /* A recorded series of one request with 5 ms each way: 5 ms constants, as the default. */
    char csv[128], text[512];
    snprintf(csv, sizeof csv, "%s/lat.csv", g_dir);
    FILE *f = fopen(csv, "w");
    assert_non_null(f);
    fputs("req_ns,exch_ns,resp_ns\n1723161254000000000,1723161254005000000,"
          "1723161254010000000\n",
          f);
    fclose(f);
    assert_int_equal(backtest("default", "strategy: maker_hedge\n"), 0);
    snprintf(text, sizeof text,
             "backtest:\n  latency:\n    entry: {kind: recorded, file: %s}\n"
             "    response: {kind: recorded, file: %s}\n",
             csv, csv);
    assert_int_equal(backtest("recorded", text), 0);
    assert_int_equal(backtest("feed0", "backtest:\n  latency:\n"
                                       "    entry: {kind: feed, mul: 0, add: 5ms}\n"
                                       "    response: {kind: feed, mul: 0, add: 5ms}\n"),
                     0);
    assert_int_equal(backtest("feed1", "backtest:\n  latency:\n"
                                       "    entry: {kind: feed, mul: 1, add: 1ms}\n"
                                       "    response: {kind: feed, mul: 1, add: 1ms}\n"),
                     0);
    /* Same latencies, same run, byte for byte (neither model draws from the generator). */
    assert_true(same_file("default", "recorded", "fills.csv"));
    assert_true(same_file("default", "recorded", "orders.csv"));
    assert_true(same_file("default", "feed0", "fills.csv"));
    assert_true(same_file("default", "feed0", "orders.csv"));
    /* Following the feed changes when orders arrive, so the orders differ. */
    assert_false(same_file("default", "feed1", "orders.csv"));
    char *meta = slurp("feed1", "metadata.json");
    assert_non_null(strstr(meta, "\"entry_latency\":{\"kind\":\"feed\",\"a_ns\":1000000"));
    assert_non_null(strstr(meta, "\"entry\":{\"kind\":\"feed\",\"mul\":\"1\",\"add\":\"1ms\"}"));
    free(meta);
    meta = slurp("recorded", "metadata.json");
    assert_non_null(strstr(meta, "\"response_latency\":{\"kind\":\"recorded\""));
    free(meta);
    /* The clock offset's percentile and the reordering window are used: other runs. */
    assert_int_equal(backtest("pct", "backtest:\n  clock_offset: {percentile: 1, "
                                     "assumed_min_latency: 1ms}\n"),
                     0);
    assert_false(same_file("default", "pct", "orders.csv"));
    assert_int_equal(backtest("nowin", "backtest:\n  venue_reorder_window: off\n"), 0);
    assert_false(same_file("default", "nowin", "fills.csv"));
    /* A broken series stops the run naming the file, line and key. */
    f = fopen(csv, "w");
    assert_non_null(f);
    fputs("req_ns,exch_ns,resp_ns\n5,4,6\n", f);
    fclose(f);
    assert_int_equal(backtest("broken", text), 1);
    char err_path[160];
    snprintf(err_path, sizeof err_path, "%s/broken.err", g_dir);
    f = fopen(err_path, "r");
    assert_non_null(f);
    char line[512] = "";
    assert_non_null(fgets(line, sizeof line, f));
    fclose(f);
    print_message("  %s", line);
    assert_non_null(strstr(line, "backtest.latency: "));
    assert_non_null(strstr(line, "lat.csv:2:3: exch_ns before req_ns (negative entry latency) "
                                 "(CX_ETIME): backtest.latency.entry.file: 4"));
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf %s", g_dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_queue_function), cmocka_unit_test(test_latency_feed),
        cmocka_unit_test(test_latency_recorded), cmocka_unit_test(test_clock_offset),
        cmocka_unit_test(test_venue_window), cmocka_unit_test(test_cli_runs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
