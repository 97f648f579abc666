/* SPDX-License-Identifier: MIT */
/*
 * The run configuration's keys of the simulated venue's models (src/engine/run_config.c,
 * docs/config/run.md): backtest.queue_function. Each key loads into its struct field, renders
 * into metadata's configuration JSON and loads back from it; each error reports its code, the
 * full dotted key, line and column, as tests/unit/test_mh_config.c does for the other keys.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cexarb/run_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_queue_function),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
