/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for recorded funding-rate histories (src/sim/funding.c) and their use by the
 * simulated venue. The loader runs on every bundled file in data/funding-rates/: row counts,
 * first and last rows, single real lines (milliseconds, exponent-form rates), and the UTC+3
 * correction, checked by the hour histogram of every file after correction (Binance, MEXC,
 * Bybit settle at 00/08/16 UTC, KuCoin at 04/12/20 UTC, Gate needs no correction). Error cases
 * use temporary files created with mkstemp under /tmp and removed afterwards, with exact line
 * and column. The sim tests pay a hand-made two-event series on a hand-made book and then the
 * real Binance series over its last day.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cexarb/sim.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DATA(rel) CX_DATA_DIR "/funding-rates/" rel
#define BTC(ex, from) DATA("BTC-USDT/BTC-USDT_" ex "_" from "_2024-01-01_funding_history.csv")
#define ETH(ex, from) DATA("ETH-USDT/ETH-USDT_" ex "_" from "_2024-01-01_funding_history.csv")

#define NS INT64_C(1000000000)
#define HOUR (3600 * NS)
/* Epoch seconds of UTC midnights used below (checked against Python's calendar.timegm). */
#define S_2020_01_01 INT64_C(1577836800)
#define S_2021_01_01 INT64_C(1609459200)
#define S_2023_12_31 INT64_C(1703980800)
#define S_2024_01_01 INT64_C(1704067200)

/* ---------------------------------------------------------------------------------------------
 * MARK: helpers
 * ------------------------------------------------------------------------------------------- */

static void print_err(const struct cx_parse_err *err)
{
    char buf[320];
    cx_parse_err_format(err, buf, sizeof buf);
    print_message("  -> %s\n", buf);
}

/* Loads a file with its offset from the file-name rule; fails the test on error. */
static void load(const char *path, unsigned flags, struct cx_sim_funding_series *out)
{
    int32_t off = -1;
    assert_int_equal(cx_sim_funding_file_utc_offset(path, &off), 0);
    struct cx_parse_err err;
    memset(&err, 0, sizeof err);
    memset(out, 0, sizeof *out);
    int rc = cx_sim_funding_load_csv(path, off, flags, out, &err);
    if (rc != 0) {
        print_err(&err);
        fail_msg("load %s: %s", path, cx_err_name(rc));
    }
    assert_int_equal(out->utc_offset_s, off);
    assert_true(out->is_owned);
    assert_int_equal(out->cap, out->n);
}

/* Writes text to a new temporary file created with mkstemp; its path goes to path[0..cap). */
static void temp_file(char *path, size_t cap, const char *text)
{
    snprintf(path, cap, "/tmp/cx_test_funding_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    size_t n = strlen(text);
    assert_int_equal(write(fd, text, n), (ssize_t)n);
    assert_int_equal(close(fd), 0);
}

/* Loads text from a temporary file and expects failure `code` at line:col; returns nothing, the
 * series must be left untouched. */
static void expect_fail(const char *text, int32_t off, unsigned flags, int code, int64_t line,
                        int32_t col)
{
    char path[64];
    temp_file(path, sizeof path, text);
    struct cx_sim_funding_series s;
    memset(&s, 0, sizeof s);
    s.n = 777; /* sentinel: out is written only on success */
    struct cx_parse_err err;
    memset(&err, 0, sizeof err);
    int rc = cx_sim_funding_load_csv(path, off, flags, &s, &err);
    print_err(&err);
    unlink(path);
    assert_int_equal(rc, code);
    assert_int_equal(err.code, code);
    assert_non_null(err.msg);
    assert_ptr_equal(err.file, path);
    assert_int_equal(err.line, line);
    assert_int_equal(err.col, col);
    assert_int_equal(s.n, 777);
    assert_null(s.ev);
}

/* Loads text from a temporary file; expects success. */
static void load_text(const char *text, int32_t off, unsigned flags,
                      struct cx_sim_funding_series *out)
{
    char path[64];
    temp_file(path, sizeof path, text);
    struct cx_parse_err err;
    memset(&err, 0, sizeof err);
    memset(out, 0, sizeof *out);
    int rc = cx_sim_funding_load_csv(path, off, flags, out, &err);
    unlink(path);
    if (rc != 0) {
        print_err(&err);
        fail_msg("load_text: %s", cx_err_name(rc));
    }
}

static int64_t hour_of_day(int64_t t_ns)
{
    int64_t s = t_ns / NS;
    return (s % 86400) / 3600;
}

/* Histogram of UTC hours of a series; also checks minutes and seconds are 0 and the
 * sub-second part is below max_sub_ns. */
static void hours(const struct cx_sim_funding_series *s, uint32_t out[24], int64_t max_sub_ns)
{
    memset(out, 0, 24 * sizeof out[0]);
    for (uint32_t i = 0; i < s->n; i++) {
        int64_t t = s->ev[i].time_ns;
        assert_true(t > 0);
        assert_int_equal((t / NS) % 3600, 0);
        assert_true(t % NS <= max_sub_ns);
        out[hour_of_day(t)]++;
        if (i > 0)
            assert_true(t > s->ev[i - 1].time_ns);
    }
}

/* Checks that only hours h0, h0 + 8 and h0 + 16 occur, each `each` times. */
static void expect_8h(const struct cx_sim_funding_series *s, int64_t h0, uint32_t each,
                      int64_t max_sub_ns)
{
    uint32_t h[24];
    hours(s, h, max_sub_ns);
    for (int64_t i = 0; i < 24; i++) {
        bool is_settle = i == h0 || i == h0 + 8 || i == h0 + 16;
        if (h[i] != (is_settle ? each : 0))
            fail_msg("hour %lld: %u rows, expected %u", (long long)i, h[i],
                     is_settle ? each : 0);
    }
}

/* ---------------------------------------------------------------------------------------------
 * MARK: file-name rule
 * ------------------------------------------------------------------------------------------- */

static void test_file_offsets(void **state)
{
    (void)state;
    static const struct {
        const char *path;
        int32_t off;
    } cases[] = {
        { BTC("binance", "2020-01-01"), 10800 }, { ETH("binance", "2020-01-01"), 10800 },
        { BTC("mexc", "2021-01-01"), 10800 },    { ETH("mexc", "2021-01-01"), 10800 },
        { BTC("bybit", "2021-01-01"), 10800 },   { ETH("bybit", "2021-01-01"), 10800 },
        { BTC("htx", "2021-01-01"), 10800 },     { ETH("htx", "2021-01-01"), 10800 },
        { BTC("kucoin", "2021-01-01"), 10800 },  { ETH("kucoin", "2021-01-01"), 10800 },
        { BTC("gate", "2020-01-01"), 0 },        { ETH("gate", "2020-01-01"), 0 },
        { BTC("dydx", "2022-01-01"), 0 },        { ETH("dydx", "2022-01-01"), 0 },
        { "BTC-USDT_gate_x.csv", 0 },            /* no directory */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int32_t off = -1;
        assert_int_equal(cx_sim_funding_file_utc_offset(cases[i].path, &off), 0);
        assert_int_equal(off, cases[i].off);
    }
    int32_t off = 42;
    assert_int_equal(cx_sim_funding_file_utc_offset("x/BTC-USDT_okx_2021.csv", &off),
                     CX_ENOTSUP);
    assert_int_equal(cx_sim_funding_file_utc_offset("x/BTC-USDT_Binance_2021.csv", &off),
                     CX_ENOTSUP);
    assert_int_equal(cx_sim_funding_file_utc_offset("binance_dir/funding.csv", &off), CX_EPARSE);
    assert_int_equal(cx_sim_funding_file_utc_offset("BTC-USDT__2021.csv", &off), CX_EPARSE);
    assert_int_equal(cx_sim_funding_file_utc_offset("BTC-USDT_binance", &off), CX_EPARSE);
    assert_int_equal(off, 42); /* untouched on failure */
    assert_int_equal(cx_sim_funding_file_utc_offset(NULL, &off), CX_EINVAL);
    assert_int_equal(cx_sim_funding_file_utc_offset("a_b_c", NULL), CX_EINVAL);
}

/* ---------------------------------------------------------------------------------------------
 * MARK: real files
 * ------------------------------------------------------------------------------------------- */

/* Binance: UTC+3 with milliseconds; 03/11/19 local = 00/08/16 UTC. */
static void test_binance(void **state)
{
    (void)state;
    struct cx_sim_funding_series s;
    load(BTC("binance", "2020-01-01"), CX_SIM_FUNDING_EXACT, &s);
    assert_int_equal(s.n, 4383);
    assert_string_equal(s.symbol, "BTC-USDT");
    assert_int_equal(s.n_rounded, 0);
    /* Line 2: "BTC-USDT,2020-01-01 03:00:00.000,-0.00012359" -> 2020-01-01 00:00 UTC. */
    assert_int_equal(s.ev[0].time_ns, S_2020_01_01 * NS);
    assert_int_equal(s.ev[0].rate_ppb, -123590);
    /* Line 4383: "BTC-USDT,2023-12-31 11:00:00.001,0.00034573" -> 08:00:00.001 UTC. */
    assert_int_equal(s.ev[4381].time_ns, (S_2023_12_31 + 8 * 3600) * NS + 1000000);
    assert_int_equal(s.ev[4381].rate_ppb, 345730);
    /* Line 4384 (last): "BTC-USDT,2023-12-31 19:00:00.000,0.00033597" -> 16:00 UTC. */
    assert_int_equal(s.ev[4382].time_ns, (S_2023_12_31 + 16 * 3600) * NS);
    assert_int_equal(s.ev[4382].rate_ppb, 335970);
    /* 1461 days x 3 settlements, all at 00/08/16 UTC; the stamps run up to 47 ms late. */
    expect_8h(&s, 0, 1461, 47 * 1000000);
    cx_sim_funding_series_fini(&s);
    assert_null(s.ev);
    assert_int_equal(s.n, 0);

    load(ETH("binance", "2020-01-01"), CX_SIM_FUNDING_EXACT, &s);
    assert_int_equal(s.n, 4383);
    assert_string_equal(s.symbol, "ETH-USDT");
    /* "ETH-USDT,2020-01-01 03:00:00.000,0.00010000" and the last row ",0.00031621". */
    assert_int_equal(s.ev[0].time_ns, S_2020_01_01 * NS);
    assert_int_equal(s.ev[0].rate_ppb, 100000);
    assert_int_equal(s.ev[s.n - 1].time_ns, (S_2023_12_31 + 16 * 3600) * NS);
    assert_int_equal(s.ev[s.n - 1].rate_ppb, 316210);
    expect_8h(&s, 0, 1461, 47 * 1000000);
    cx_sim_funding_series_fini(&s);
}

/* Gate: already UTC, rates often in exponent form. */
static void test_gate(void **state)
{
    (void)state;
    struct cx_sim_funding_series s;
    load(BTC("gate", "2020-01-01"), CX_SIM_FUNDING_EXACT, &s);
    assert_int_equal(s.utc_offset_s, 0);
    assert_int_equal(s.n, 4290);
    /* "BTC-USDT,2020-01-01 00:00:00,0.0001": no correction. */
    assert_int_equal(s.ev[0].time_ns, S_2020_01_01 * NS);
    assert_int_equal(s.ev[0].rate_ppb, 100000);
    /* Line 4: "BTC-USDT,2020-01-01 16:00:00,2.6e-05"; line 6: "...08:00:00,-2.2e-05". */
    assert_int_equal(s.ev[2].time_ns, (S_2020_01_01 + 16 * 3600) * NS);
    assert_int_equal(s.ev[2].rate_ppb, 26000);
    assert_int_equal(s.ev[4].time_ns, (S_2020_01_01 + 86400 + 8 * 3600) * NS);
    assert_int_equal(s.ev[4].rate_ppb, -22000);
    /* Last: "BTC-USDT,2023-12-31 16:00:00,0.000313", the same UTC instant as Binance's last
     * row once that one is corrected. */
    assert_int_equal(s.ev[s.n - 1].time_ns, (S_2023_12_31 + 16 * 3600) * NS);
    assert_int_equal(s.ev[s.n - 1].rate_ppb, 313000);
    expect_8h(&s, 0, 1430, 0);
    cx_sim_funding_series_fini(&s);

    load(ETH("gate", "2020-01-01"), CX_SIM_FUNDING_EXACT, &s);
    assert_int_equal(s.n, 4290);
    assert_int_equal(s.ev[s.n - 1].rate_ppb, 328000); /* "...16:00:00,0.000328" */
    expect_8h(&s, 0, 1430, 0);
    cx_sim_funding_series_fini(&s);
}

/* MEXC and Bybit: UTC+3, settle 00/08/16 UTC. KuCoin: UTC+3 too, but its rows sit at
 * 07/15/23 local = 04/12/20 UTC (KuCoin's own settlement hours), so the data README's
 * "03:00/11:00/19:00 rows" remark does not describe KuCoin. */
static void test_mexc_bybit_kucoin(void **state)
{
    (void)state;
    struct cx_sim_funding_series s;
    load(BTC("mexc", "2021-01-01"), CX_SIM_FUNDING_EXACT, &s);
    assert_int_equal(s.utc_offset_s, 3 * 3600);
    assert_int_equal(s.n, 3285);
    /* "BTC-USDT,2021-01-01 03:00:00,0.0002" -> 2021-01-01 00:00 UTC. */
    assert_int_equal(s.ev[0].time_ns, S_2021_01_01 * NS);
    assert_int_equal(s.ev[0].rate_ppb, 200000);
    /* Line 6: "BTC-USDT,2021-01-02 11:00:00,9.9e-05" -> 2021-01-02 08:00 UTC. */
    assert_int_equal(s.ev[4].time_ns, (S_2021_01_01 + 86400 + 8 * 3600) * NS);
    assert_int_equal(s.ev[4].rate_ppb, 99000);
    /* Last: "BTC-USDT,2023-12-31 19:00:00,0.000336". */
    assert_int_equal(s.ev[s.n - 1].time_ns, (S_2023_12_31 + 16 * 3600) * NS);
    assert_int_equal(s.ev[s.n - 1].rate_ppb, 336000);
    expect_8h(&s, 0, 1095, 0);
    cx_sim_funding_series_fini(&s);

    static const char *const eight_hourly[] = {
        ETH("mexc", "2021-01-01"), BTC("bybit", "2021-01-01"), ETH("bybit", "2021-01-01"),
    };
    for (size_t i = 0; i < 3; i++) {
        load(eight_hourly[i], CX_SIM_FUNDING_EXACT, &s);
        assert_int_equal(s.n, 3285);
        assert_int_equal(s.ev[0].time_ns, S_2021_01_01 * NS);
        expect_8h(&s, 0, 1095, 0);
        cx_sim_funding_series_fini(&s);
    }

    load(ETH("kucoin", "2021-01-01"), CX_SIM_FUNDING_EXACT, &s);
    assert_int_equal(s.n, 3285);
    /* "ETH-USDT,2021-01-01 07:00:00,0.000404" -> 04:00 UTC. */
    assert_int_equal(s.ev[0].time_ns, (S_2021_01_01 + 4 * 3600) * NS);
    assert_int_equal(s.ev[0].rate_ppb, 404000);
    expect_8h(&s, 4, 1095, 0);
    cx_sim_funding_series_fini(&s);
    load(BTC("kucoin", "2021-01-01"), CX_SIM_FUNDING_EXACT, &s);
    assert_int_equal(s.n, 3285);
    expect_8h(&s, 4, 1095, 0);
    cx_sim_funding_series_fini(&s);
}

/* HTX and dYdX have rates finer than 1 ppb: an exact load fails at the first such rate, a
 * rounding load succeeds and counts them. */
static void test_sub_ppb_files(void **state)
{
    (void)state;
    static const struct {
        const char *path;
        uint32_t n;
        uint32_t rounded;
    } cases[] = {
        { BTC("htx", "2021-01-01"), 3284, 1595 },    { ETH("htx", "2021-01-01"), 3284, 1620 },
        { BTC("dydx", "2022-01-01"), 17520, 15744 }, { ETH("dydx", "2022-01-01"), 17520, 15743 },
    };
    for (size_t i = 0; i < 4; i++) {
        struct cx_sim_funding_series s;
        memset(&s, 0, sizeof s);
        struct cx_parse_err err;
        memset(&err, 0, sizeof err);
        int32_t off;
        assert_int_equal(cx_sim_funding_file_utc_offset(cases[i].path, &off), 0);
        assert_int_equal(cx_sim_funding_load_csv(cases[i].path, off, CX_SIM_FUNDING_EXACT, &s,
                                                 &err),
                         CX_EPRECISION);
        /* BTC: line 2 ("...,0.000658153991747989", "...,0.0000058615"); ETH HTX: line 4
         * ("...,0.000319408969083825"; lines 2-3 are 0.0001); the rate starts at column 30. */
        assert_int_equal(err.line, i == 1 ? 4 : 2);
        assert_int_equal(err.col, 30);
        assert_null(s.ev);

        load(cases[i].path, CX_SIM_FUNDING_ROUND_PPB, &s);
        assert_int_equal(s.n, cases[i].n);
        assert_int_equal(s.n_rounded, cases[i].rounded);
        cx_sim_funding_series_fini(&s);
    }

    struct cx_sim_funding_series s;
    uint32_t h[24];
    /* HTX settles at 00/08/16 UTC too, except 7 irregular rows in each file (e.g. BTC line
     * 290, "2021-04-07 21:00:00" = 18:00 UTC); dYdX is hourly and UTC. */
    static const char *const htx[2] = { BTC("htx", "2021-01-01"), ETH("htx", "2021-01-01") };
    static const char *const dydx[2] = { BTC("dydx", "2022-01-01"), ETH("dydx", "2022-01-01") };
    for (size_t i = 0; i < 2; i++) {
        load(htx[i], CX_SIM_FUNDING_ROUND_PPB, &s);
        hours(&s, h, 0);
        assert_int_equal(h[0], 1094);
        assert_int_equal(h[8], 1093);
        assert_int_equal(h[16], 1090);
        assert_int_equal(h[0] + h[8] + h[16], 3284 - 7);
        cx_sim_funding_series_fini(&s);
        load(dydx[i], CX_SIM_FUNDING_ROUND_PPB, &s);
        hours(&s, h, 0);
        for (int k = 0; k < 24; k++)
            assert_int_equal(h[k], 730);
        cx_sim_funding_series_fini(&s);
    }

    load(BTC("htx", "2021-01-01"), CX_SIM_FUNDING_ROUND_PPB, &s);
    /* Line 2: "BTC-USDT,2021-01-01 03:00:00,0.000658153991747989" -> 658153.99.. -> 658154. */
    assert_int_equal(s.ev[0].time_ns, S_2021_01_01 * NS);
    assert_int_equal(s.ev[0].rate_ppb, 658154);
    /* Line 2495: "BTC-USDT,2023-04-12 12:00:00,5.4252355269552e-05" -> 09:00 UTC,
     * 54252.355... ppb -> 54252. */
    assert_int_equal(s.ev[2493].time_ns, INT64_C(1681290000) * NS);
    assert_int_equal(s.ev[2493].rate_ppb, 54252);
    /* Line 290: "BTC-USDT,2021-04-07 21:00:00,0.001050979231356814" -> 18:00 UTC. */
    assert_int_equal(s.ev[288].rate_ppb, 1050979);
    assert_int_equal(s.ev[288].time_ns, (INT64_C(1617753600) + 18 * 3600) * NS);
    cx_sim_funding_series_fini(&s);

    load(BTC("dydx", "2022-01-01"), CX_SIM_FUNDING_ROUND_PPB, &s);
    /* dYdX: hourly, UTC. "BTC-USDT,2022-01-01 00:00:00,0.0000058615" -> 5861.5 -> 5862;
     * last "BTC-USDT,2023-12-31 23:00:00,0.0001068834" -> 106883.4 -> 106883. */
    assert_int_equal(s.ev[0].time_ns, INT64_C(1640995200) * NS);
    assert_int_equal(s.ev[0].rate_ppb, 5862);
    assert_int_equal(s.ev[s.n - 1].time_ns, (S_2024_01_01 - 3600) * NS);
    assert_int_equal(s.ev[s.n - 1].rate_ppb, 106883);
    cx_sim_funding_series_fini(&s);
}

/* Caller storage: used as given, too small is CX_ENOSPC at the first row that does not fit. */
static void test_caller_storage(void **state)
{
    (void)state;
    const char *path = BTC("gate", "2020-01-01");
    static struct cx_sim_funding_event buf[5000];
    struct cx_sim_funding_series s;
    memset(&s, 0, sizeof s);
    s.ev = buf;
    s.cap = 100;
    struct cx_parse_err err;
    memset(&err, 0, sizeof err);
    assert_int_equal(cx_sim_funding_load_csv(path, 0, 0, &s, &err), CX_ENOSPC);
    assert_int_equal(err.line, 102);
    assert_int_equal(s.n, 0);
    s.cap = 5000;
    assert_int_equal(cx_sim_funding_load_csv(path, 0, 0, &s, &err), 0);
    assert_ptr_equal(s.ev, buf);
    assert_int_equal(s.cap, 5000);
    assert_false(s.is_owned);
    assert_int_equal(s.n, 4290);
    assert_int_equal(buf[4289].rate_ppb, 313000);
    cx_sim_funding_series_fini(&s); /* does not free caller storage */
    assert_null(s.ev);

    /* A loader-owned series can be reloaded in place (same array, still owned). */
    load(BTC("bybit", "2021-01-01"), 0, &s);
    struct cx_sim_funding_event *ev = s.ev;
    assert_int_equal(cx_sim_funding_load_csv(BTC("mexc", "2021-01-01"), 10800, 0, &s, &err), 0);
    assert_ptr_equal(s.ev, ev);
    assert_true(s.is_owned);
    assert_int_equal(s.n, 3285);
    assert_int_equal(s.ev[0].rate_ppb, 200000);
    cx_sim_funding_series_fini(&s);
}

/* ---------------------------------------------------------------------------------------------
 * MARK: handmade files and errors
 * ------------------------------------------------------------------------------------------- */

#define HDR "Symbol,Date,Funding Rate\n"

static void test_formats(void **state)
{
    (void)state;
    struct cx_sim_funding_series s;
    /* CRLF, no final newline, fractions of 1 and 9 digits, exponent forms, a leap day, UTC+3. */
    load_text("Symbol,Date,Funding Rate\r\n"
              "X,2024-02-29 23:59:59.5,1E-4\r\n"
              "X,2024-03-01 00:00:00.000000001,-0.0000000010\r\n"
              "X,2024-03-01 03:00:00,0",
              3 * 3600, CX_SIM_FUNDING_EXACT, &s);
    assert_int_equal(s.n, 3);
    assert_int_equal(s.cap, 3);
    assert_string_equal(s.symbol, "X");
    /* 2024-02-29 is day 19782 after 1970-01-01 (days_from_civil); 23:59:59.5 local is
     * 20:59:59.5 UTC. */
    assert_int_equal(s.ev[0].time_ns,
                     (INT64_C(19782) * 86400 + 20 * 3600 + 59 * 60 + 59) * NS + 500000000);
    assert_int_equal(s.ev[0].rate_ppb, 100000);
    assert_int_equal(s.ev[1].time_ns, (INT64_C(19783) * 86400 - 3 * 3600) * NS + 1);
    assert_int_equal(s.ev[1].rate_ppb, -1);
    assert_int_equal(s.ev[2].time_ns, INT64_C(19783) * 86400 * NS);
    assert_int_equal(s.ev[2].rate_ppb, 0);
    cx_sim_funding_series_fini(&s);

    /* A negative offset (UTC-1) and dates before the epoch; 2000 is a leap year. */
    load_text(HDR "X,1969-12-31 23:00:00,0.5\nX,1970-01-01 00:00:00,-2.5e-3\n"
                  "X,2000-02-29 00:00:00,0\n",
              -3600, CX_SIM_FUNDING_EXACT, &s);
    assert_int_equal(s.n, 3);
    assert_int_equal(s.utc_offset_s, -3600);
    assert_int_equal(s.ev[0].time_ns, 0);
    assert_int_equal(s.ev[0].rate_ppb, 500000000);
    assert_int_equal(s.ev[1].time_ns, HOUR);
    assert_int_equal(s.ev[1].rate_ppb, -2500000);
    assert_int_equal(s.ev[2].time_ns, (INT64_C(11016) * 86400 + 3600) * NS);
    cx_sim_funding_series_fini(&s);

    /* Rounding half away from zero, counted. */
    load_text(HDR "X,2021-01-01 00:00:00,0.0000000015\nX,2021-01-01 01:00:00,-0.0000000015\n"
                  "X,2021-01-01 02:00:00,0.00000000149\nX,2021-01-01 03:00:00,0.000000002\n",
              0, CX_SIM_FUNDING_ROUND_PPB, &s);
    assert_int_equal(s.n, 4);
    assert_int_equal(s.n_rounded, 3);
    assert_int_equal(s.ev[0].rate_ppb, 2);
    assert_int_equal(s.ev[1].rate_ppb, -2);
    assert_int_equal(s.ev[2].rate_ppb, 1);
    assert_int_equal(s.ev[3].rate_ppb, 2);
    cx_sim_funding_series_fini(&s);
}

static void test_errors(void **state)
{
    (void)state;
    /* Missing file: CX_ENOENT with the path, no line. */
    struct cx_sim_funding_series s;
    memset(&s, 0, sizeof s);
    struct cx_parse_err err;
    memset(&err, 0, sizeof err);
    const char *missing = "/tmp/cx_test_funding_no_such_file.csv";
    assert_int_equal(cx_sim_funding_load_csv(missing, 0, 0, &s, &err), CX_ENOENT);
    assert_ptr_equal(err.file, missing);
    assert_int_equal(err.line, 0);
    assert_null(s.ev);

    /* Arguments. */
    assert_int_equal(cx_sim_funding_load_csv(NULL, 0, 0, &s, NULL), CX_EINVAL);
    assert_int_equal(cx_sim_funding_load_csv(missing, 0, 0, NULL, NULL), CX_EINVAL);
    assert_int_equal(cx_sim_funding_load_csv(missing, 14 * 3600 + 1, 0, &s, NULL), CX_EINVAL);
    assert_int_equal(cx_sim_funding_load_csv(missing, 0, 2u, &s, NULL), CX_EINVAL);

    /* "X,2021-01-01 03:00:00,0.0001": the date starts at column 3, the rate at column 23. */
    const int32_t date_col = 3, rate_col = 23;
    /* Bad dates, pointing at the offending byte. */
    expect_fail(HDR "X,2021-01-01 03:00:00,0.0001\nX,2021-02-29 03:00:00,0.0001\n", 0, 0,
                CX_EPARSE, 3, date_col + 8); /* 2021 is not a leap year */
    expect_fail(HDR "X,1900-02-29 00:00:00,0\n", 0, 0, CX_EPARSE, 2, date_col + 8);
    expect_fail(HDR "X,2021-13-01 03:00:00,0.0001\n", 0, 0, CX_EPARSE, 2, date_col + 5);
    expect_fail(HDR "X,2021-00-01 03:00:00,0.0001\n", 0, 0, CX_EPARSE, 2, date_col + 5);
    expect_fail(HDR "X,2021-04-31 03:00:00,0.0001\n", 0, 0, CX_EPARSE, 2, date_col + 8);
    expect_fail(HDR "X,2021-01-01 24:00:00,0.0001\n", 0, 0, CX_EPARSE, 2, date_col + 11);
    expect_fail(HDR "X,2021-01-01 23:60:00,0.0001\n", 0, 0, CX_EPARSE, 2, date_col + 14);
    expect_fail(HDR "X,2021-01-01 23:59:60,0.0001\n", 0, 0, CX_EPARSE, 2, date_col + 17);
    expect_fail(HDR "X,2021-01-01T03:00:00,0.0001\n", 0, 0, CX_EPARSE, 2, date_col + 10);
    expect_fail(HDR "X,2021-1-01 03:00:00,0.0001\n", 0, 0, CX_EPARSE, 2, date_col + 6);
    expect_fail(HDR "X,2021-01-01 03:00,0.0001\n", 0, 0, CX_EPARSE, 2, date_col + 16);
    expect_fail(HDR "X,2021-01-01 03:00:00Z,0.0001\n", 0, 0, CX_EPARSE, 2, date_col + 19);
    expect_fail(HDR "X,2021-01-01 03:00:00.,0.0001\n", 0, 0, CX_EPARSE, 2, date_col + 20);
    expect_fail(HDR "X,2021-01-01 03:00:00.0000000001,0.0001\n", 0, 0, CX_EPARSE, 2,
                date_col + 29);
    expect_fail(HDR "X,,0.0001\n", 0, 0, CX_EPARSE, 2, date_col);
    /* Bad rates. */
    expect_fail(HDR "X,2021-01-01 03:00:00,0.0001\nX,2021-01-01 11:00:00,0.0001\n"
                    "X,2021-01-01 19:00:00,0.0001x\n",
                0, 0, CX_EPARSE, 4, rate_col);
    expect_fail(HDR "X,2021-01-01 03:00:00,\n", 0, 0, CX_EPARSE, 2, rate_col);
    expect_fail(HDR "X,2021-01-01 03:00:00,.5\n", 0, 0, CX_EPARSE, 2, rate_col);
    expect_fail(HDR "X,2021-01-01 03:00:00, 0.1\n", 0, 0, CX_EPARSE, 2, rate_col);
    expect_fail(HDR "X,2021-01-01 03:00:00,0.0000000015\n", 0, 0, CX_EPRECISION, 2, rate_col);
    expect_fail(HDR "X,2021-01-01 03:00:00,1e-19\n", 0, CX_SIM_FUNDING_ROUND_PPB,
                CX_EPRECISION, 2, rate_col);
    expect_fail(HDR "X,2021-01-01 03:00:00,10\n", 0, 0, CX_EOVERFLOW, 2, rate_col);
    /* Out of order and duplicate times, after the correction: line and date column. */
    expect_fail(HDR "X,2021-01-01 03:00:00,0.0001\nX,2021-01-01 11:00:00,0.0001\n"
                    "X,2021-01-01 11:00:00,0.0001\n",
                3 * 3600, 0, CX_ETIME, 4, date_col);
    expect_fail(HDR "X,2021-01-01 03:00:00,0.0001\nX,2021-01-01 11:00:00.001,0.0001\n"
                    "X,2021-01-01 11:00:00,0.0001\nX,2021-01-01 19:00:00,0.0001\n",
                0, 0, CX_ETIME, 4, date_col);
    /* Structure. */
    expect_fail("Symbol,Date,Rate\nX,2021-01-01 03:00:00,0.0001\n", 0, 0, CX_EPARSE, 1, 1);
    expect_fail("", 0, 0, CX_EPARSE, 1, 1);
    expect_fail(HDR, 0, 0, CX_EMISSING, 2, 1);
    expect_fail(HDR "X,2021-01-01 03:00:00,0.0001\n\nX,2021-01-01 11:00:00,0.0001\n", 0, 0,
                CX_EPARSE, 3, 1);
    expect_fail(HDR "X,2021-01-01 03:00:00,0.0001\n\n", 0, 0, CX_EPARSE, 3, 1);
    expect_fail(HDR "X,2021-01-01 03:00:00\n", 0, 0, CX_EPARSE, 2, 22);
    expect_fail(HDR "X,2021-01-01 03:00:00,0.0001,7\n", 0, 0, CX_EPARSE, 2, 29);
    expect_fail(HDR ",2021-01-01 03:00:00,0.0001\n", 0, 0, CX_EPARSE, 2, 1);
    expect_fail(HDR "X Y,2021-01-01 03:00:00,0.0001\n", 0, 0, CX_EPARSE, 2, 2);
    expect_fail(HDR "X,2021-01-01 03:00:00,0.0001\nY,2021-01-01 11:00:00,0.0001\n", 0, 0,
                CX_EPARSE, 3, 1);
    /* The int64 ns range ends in 2262. */
    expect_fail(HDR "X,2263-01-01 00:00:00,0\n", 0, 0, CX_ERANGE, 2, date_col);

    /* The formatted error names file:line:col. */
    char path[64];
    temp_file(path, sizeof path, HDR "X,2021-01-01 03:00:00,0.0001\nX,2021-02-30 00:00:00,0\n");
    memset(&err, 0, sizeof err);
    assert_int_equal(cx_sim_funding_load_csv(path, 0, 0, &s, &err), CX_EPARSE);
    char buf[320], want[128];
    cx_parse_err_format(&err, buf, sizeof buf);
    snprintf(want, sizeof want, "%s:3:11:", path);
    unlink(path);
    if (strncmp(buf, want, strlen(want)) != 0)
        fail_msg("formatted error '%s' does not start with '%s'", buf, want);
}

/* ---------------------------------------------------------------------------------------------
 * MARK: sim integration
 * ------------------------------------------------------------------------------------------- */

#define ENTRY_NS 1000
#define RESP_NS 500
#define MAX_MSGS 64

struct fx {
    struct cx_registry reg;
    uint32_t perp;
    struct cx_sim_cfg cfg;
    struct cx_sim *sim;
    uint64_t seq;
    uint32_t n;
    struct cx_exec_report msgs[MAX_MSGS];
};

/* A Gate-style USDT perp: tick 0.1, contracts of 0.0001 base (multiplier 1e-4), taker 0.05 %;
 * its account has 10000 USDT at leverage 10. */
static struct fx *fx_alloc(enum cx_venue venue, int qty_exp, int64_t mult, int mult_exp)
{
    struct fx *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    assert_int_equal(cx_registry_init(&fx->reg, 2), 0);
    struct cx_instrument p;
    memset(&p, 0, sizeof p);
    p.venue = (uint8_t)venue;
    p.kind = CX_KIND_LINEAR_PERP;
    p.price_exp = -1;
    p.qty_exp = (int8_t)qty_exp;
    snprintf(p.symbol, sizeof p.symbol, "BTC_USDT");
    snprintf(p.base, sizeof p.base, "BTC");
    snprintf(p.quote, sizeof p.quote, "USDT");
    p.multiplier = mult;
    p.multiplier_exp = (int8_t)mult_exp;
    p.tick = 1;
    p.lot = 1;
    p.min_qty = 1;
    p.taker_fee_ppb = 500000;
    assert_int_equal(cx_registry_add(&fx->reg, &p, &fx->perp), 0);
    struct cx_sim_cfg *c = &fx->cfg;
    c->reg = &fx->reg;
    c->entry = (struct cx_latency_cfg){.kind = CX_LAT_CONSTANT, .a_ns = ENTRY_NS, .b_ns = 0};
    c->response = (struct cx_latency_cfg){.kind = CX_LAT_CONSTANT, .a_ns = RESP_NS, .b_ns = 0};
    c->seed = 7;
    c->n_accounts = 1;
    c->accounts[0].venue = (uint8_t)venue;
    c->accounts[0].leverage = 10;
    cx_account_balance(&c->accounts[0], "USDT")->total = INT64_C(10000) * 100000000;
    return fx;
}

static void fx_start(struct fx *fx)
{
    struct cx_parse_err err;
    memset(&err, 0, sizeof err);
    int rc = cx_sim_new(&fx->sim, &fx->cfg, &err);
    if (rc != 0)
        fail_msg("cx_sim_new: %s (%s)", err.msg != NULL ? err.msg : "?", err.detail);
}

static void fx_free(struct fx *fx)
{
    cx_sim_free(fx->sim);
    cx_registry_fini(&fx->reg);
    free(fx);
}

/* A one-level-a-side snapshot of the perp book at venue time t. */
static void book(struct fx *fx, int64_t bid_m, int64_t ask_m, int64_t t)
{
    struct cx_md_event ev[2];
    memset(ev, 0, sizeof ev);
    fx->seq += 100;
    for (int i = 0; i < 2; i++) {
        ev[i].exch_ts_ns = ev[i].local_ts_ns = t;
        ev[i].seq = fx->seq;
        ev[i].inst_id = fx->perp;
        ev[i].type = CX_MD_DEPTH_SNAPSHOT;
        ev[i].flags = (uint16_t)((i == 0 ? CX_MD_F_BEGIN : CX_MD_F_END | CX_MD_F_ASK));
        ev[i].u.level.price_m = i == 0 ? bid_m : ask_m;
        ev[i].u.level.qty_m = 1000000;
        ev[i].u.level.seq_first = fx->seq;
    }
    const struct cx_instrument *in = cx_registry_get(&fx->reg, fx->perp);
    struct cx_md_batch b = { .ev = ev, .n = 2, .cap = 2, .kind = CX_MD_KIND_SNAPSHOT,
                             .venue = in->venue, .inst_id = fx->perp, .local_ts_ns = t };
    assert_int_equal(cx_sim_on_market(fx->sim, &b, t), 0);
    assert_int_equal(cx_book_state(cx_sim_book(fx->sim, fx->perp)), CX_BOOK_SYNCED);
}

static void pump(struct fx *fx, int64_t until)
{
    assert_int_equal(cx_sim_advance(fx->sim, until), 0);
    struct cx_exec_report m;
    while (cx_sim_poll(fx->sim, until, &m) == 1) {
        assert_true(fx->n < MAX_MSGS);
        fx->msgs[fx->n++] = m;
    }
}

static void market(struct fx *fx, uint64_t cid, uint8_t side, int64_t qty_m, int64_t now)
{
    struct cx_order_req r = { .client_id = cid, .inst_id = fx->perp, .side = side,
                              .type = CX_ORD_MARKET, .tif = CX_TIF_IOC, .qty_m = qty_m };
    assert_int_equal(cx_sim_submit(fx->sim, &r, now), 0);
    pump(fx, now + ENTRY_NS + RESP_NS);
}

static int64_t wallet(const struct fx *fx, enum cx_venue v)
{
    const struct cx_account *a = cx_sim_account(fx->sim, v);
    assert_non_null(a);
    for (uint32_t i = 0; i < a->n_balances; i++)
        if (strcmp(a->balances[i].asset, "USDT") == 0)
            return a->balances[i].total;
    fail_msg("no USDT balance");
    return 0;
}

/* Number of FUNDING messages collected, and the index of the last one. */
static uint32_t fundings(const struct fx *fx, uint32_t *out_last)
{
    uint32_t k = 0;
    for (uint32_t i = 0; i < fx->n; i++)
        if (fx->msgs[i].type == CX_EXEC_FUNDING) {
            k++;
            *out_last = i;
        }
    return k;
}

/*
 * Long 300 contracts x 0.0001 BTC = 0.03 BTC, two series events 8 h apart:
 *  T1 = 2024-01-01 00:00 UTC, +0.01 % (100000 ppb), mark 42000.1:
 *     value 42000.1 x 300 x 0.0001 = 1260.003 USDT; the long pays 0.1260003 USDT;
 *  T2 = T1 + 8 h, -0.0375 % (-375000 ppb), mark 42100.3 after a book change:
 *     value 1263.009 USDT; the long receives 1263.009 x 0.000375 = 0.473628375 USDT,
 *     47362837.5 @ 1e-8 rounded half away from zero to 47362838.
 */
static void test_sim_series(void **state)
{
    (void)state;
    const int64_t t1 = S_2024_01_01 * NS, t2 = t1 + 8 * HOUR;
    static const struct cx_sim_funding_event series[2] = {
        { S_2024_01_01 * NS, 100000 },
        { S_2024_01_01 * NS + 8 * HOUR, -375000 },
    };
    struct fx *fx = fx_alloc(CX_VENUE_GATE_FUTURES, 0, 1, -4);
    fx->cfg.n_funding = 1;
    fx->cfg.funding[0] = (struct cx_sim_funding){ .inst_id = fx->perp };
    fx->cfg.funding_series[0] = (struct cx_sim_funding_ref){ series, 2 };
    fx_start(fx);
    int64_t t = t1 - HOUR;
    book(fx, 420000, 420002, t); /* mid 42000.1 */
    assert_int_equal(cx_sim_next_ns(fx->sim), t1);
    market(fx, 1, CX_SIDE_BID, 300, t += 10);
    assert_int_equal(cx_sim_account(fx->sim, CX_VENUE_GATE_FUTURES)->perps[0].qty_m, 300);
    int64_t w0 = wallet(fx, CX_VENUE_GATE_FUTURES);
    uint32_t last = 0;
    assert_int_equal(fundings(fx, &last), 0);

    /* Nothing before T1; at T1 the long pays. */
    pump(fx, t1 - 1);
    assert_int_equal(fundings(fx, &last), 0);
    pump(fx, t1 + RESP_NS);
    assert_int_equal(fundings(fx, &last), 1);
    const struct cx_exec_report *m = &fx->msgs[last];
    assert_int_equal(m->inst_id, fx->perp);
    assert_int_equal(m->client_id, 0);
    assert_int_equal(m->exch_ns, t1);
    assert_int_equal(m->deliver_ns, t1 + RESP_NS);
    assert_int_equal(m->amount, -12600030);
    assert_int_equal(wallet(fx, CX_VENUE_GATE_FUTURES), w0 - 12600030);
    assert_int_equal(cx_sim_next_ns(fx->sim), t2);

    /* The mark moves; at T2 the negative rate pays the long. */
    book(fx, 421002, 421004, t1 + HOUR); /* mid 42100.3 */
    pump(fx, t2 - 1);
    assert_int_equal(fundings(fx, &last), 1);
    pump(fx, t2 + RESP_NS);
    assert_int_equal(fundings(fx, &last), 2);
    m = &fx->msgs[last];
    assert_int_equal(m->exch_ns, t2);
    assert_int_equal(m->deliver_ns, t2 + RESP_NS);
    assert_int_equal(m->amount, 47362838);
    assert_int_equal(wallet(fx, CX_VENUE_GATE_FUTURES), w0 - 12600030 + 47362838);

    /* The series is exhausted: no further funding time, unlike the constant mode. */
    assert_int_equal(cx_sim_next_ns(fx->sim), INT64_MAX);
    pump(fx, t2 + 48 * HOUR);
    assert_int_equal(fundings(fx, &last), 2);
    assert_int_equal(cx_sim_stats(fx->sim)->funding_payments, 2);
    assert_int_equal(cx_sim_stats(fx->sim)->funding_skipped, 0);
    fx_free(fx);
}

/* Events before the run's first market message are not paid; a short receives a positive
 * rate. The constant-rate mode still runs beside a series. */
static void test_sim_series_start_and_short(void **state)
{
    (void)state;
    const int64_t t1 = S_2024_01_01 * NS;
    static const struct cx_sim_funding_event series[3] = {
        { S_2024_01_01 * NS - 8 * HOUR, 999999 }, /* before the start: skipped */
        { S_2024_01_01 * NS, 100000 },
        { S_2024_01_01 * NS + 8 * HOUR, 200000 },
    };
    struct fx *fx = fx_alloc(CX_VENUE_GATE_FUTURES, 0, 1, -4);
    fx->cfg.n_funding = 1;
    fx->cfg.funding[0] = (struct cx_sim_funding){ .inst_id = fx->perp };
    fx->cfg.funding_series[0] = (struct cx_sim_funding_ref){ series, 3 };
    fx_start(fx);
    book(fx, 420000, 420002, t1 - HOUR);
    assert_int_equal(cx_sim_next_ns(fx->sim), t1);
    market(fx, 1, CX_SIDE_ASK, 300, t1 - HOUR + 10);
    assert_int_equal(cx_sim_account(fx->sim, CX_VENUE_GATE_FUTURES)->perps[0].qty_m, -300);
    pump(fx, t1 + 8 * HOUR + RESP_NS);
    uint32_t last = 0;
    assert_int_equal(fundings(fx, &last), 2);
    /* Short 0.03 BTC at 42000.1: +0.1260003 USDT, then +0.2520006 USDT. */
    assert_int_equal(fx->msgs[last].amount, 25200060);
    assert_int_equal(fx->msgs[last].exch_ns, t1 + 8 * HOUR);
    fx_free(fx);
}

static void test_sim_series_config(void **state)
{
    (void)state;
    static const struct cx_sim_funding_event ok[2] = { { 10, 1 }, { 20, 2 } };
    static const struct cx_sim_funding_event dup[2] = { { 10, 1 }, { 10, 2 } };
    static const struct cx_sim_funding_event back[3] = { { 10, 1 }, { 30, 2 }, { 20, 3 } };
    struct fx *fx = fx_alloc(CX_VENUE_GATE_FUTURES, 0, 1, -4);
    struct cx_sim *sim = NULL;
    struct cx_parse_err err;
    fx->cfg.n_funding = 1;
    const uint32_t perp = fx->perp;
    const struct {
        struct cx_sim_funding f;
        struct cx_sim_funding_ref sr;
    } bad[] = {
        { { .inst_id = perp }, { ok, 0 } },                          /* empty series */
        { { .inst_id = perp }, { dup, 2 } },                         /* equal times */
        { { .inst_id = perp }, { back, 3 } },                        /* backwards */
        { { .inst_id = perp, .interval_ns = 8 * HOUR }, { ok, 2 } }, /* both modes */
        { { .inst_id = perp, .rate_ppb = 100000 }, { ok, 2 } },
        { { .inst_id = perp, .first_ns = 1 }, { ok, 2 } },
        { { .inst_id = perp, .interval_ns = 8 * HOUR }, { NULL, 2 } }, /* count, no events */
        { { .inst_id = perp + 1 }, { ok, 2 } },                      /* unknown instrument */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        fx->cfg.funding[0] = bad[i].f;
        fx->cfg.funding_series[0] = bad[i].sr;
        memset(&err, 0, sizeof err);
        assert_int_equal(cx_sim_new(&sim, &fx->cfg, &err), CX_EINVAL);
        assert_null(sim);
        assert_non_null(err.msg);
    }
    fx->cfg.funding[0] = (struct cx_sim_funding){ .inst_id = perp };
    fx->cfg.funding_series[0] = (struct cx_sim_funding_ref){ ok, 2 };
    assert_int_equal(cx_sim_new(&sim, &fx->cfg, &err), 0);
    cx_sim_free(sim);
    /* Entries past n_funding are ignored, even invalid ones. */
    fx->cfg.funding_series[1] = (struct cx_sim_funding_ref){ back, 3 };
    assert_int_equal(cx_sim_new(&sim, &fx->cfg, &err), 0);
    cx_sim_free(sim);
    fx_free(fx);

    /* cx_sim_funding_seek: lower bound. */
    assert_int_equal(cx_sim_funding_seek(back, 0, 5), 0);
    assert_int_equal(cx_sim_funding_seek(NULL, 0, 5), 0);
    assert_int_equal(cx_sim_funding_seek(ok, 2, 5), 0);
    assert_int_equal(cx_sim_funding_seek(ok, 2, 10), 0);
    assert_int_equal(cx_sim_funding_seek(ok, 2, 11), 1);
    assert_int_equal(cx_sim_funding_seek(ok, 2, 20), 1);
    assert_int_equal(cx_sim_funding_seek(ok, 2, 21), 2);
}

/*
 * The real Binance BTC-USDT series on a Binance USD-M perp (qty 0.001 BTC): a run from
 * 2023-12-30 23:00 to 2023-12-31 17:00 UTC, long 0.020 BTC at mark 42000.1, pays exactly the
 * file's last three settlements at their corrected times, milliseconds included:
 *   00:00:00.000 UTC  0.00027855 -> 840.002 x 0.00027855 = 0.23398255.. -> 23398256 paid
 *   08:00:00.001 UTC  0.00034573 -> 0.29041389.. -> 29041389 paid
 *   16:00:00.000 UTC  0.00033597 -> 0.28221547.. -> 28221547 paid
 */
static void test_sim_real_binance(void **state)
{
    (void)state;
    struct cx_sim_funding_series s;
    load(BTC("binance", "2020-01-01"), CX_SIM_FUNDING_EXACT, &s);
    struct fx *fx = fx_alloc(CX_VENUE_BINANCE_USDM, -3, 1, 0);
    fx->cfg.n_funding = 1;
    fx->cfg.funding[0] = (struct cx_sim_funding){ .inst_id = fx->perp };
    fx->cfg.funding_series[0] = (struct cx_sim_funding_ref){ s.ev, s.n };
    fx_start(fx);
    const int64_t day = S_2023_12_31 * NS;
    book(fx, 420000, 420002, day - HOUR);
    assert_int_equal(cx_sim_next_ns(fx->sim), day);
    market(fx, 1, CX_SIDE_BID, 20, day - HOUR + 10);
    pump(fx, day + 17 * HOUR);
    static const int64_t want_t[3] = { 0, 8 * HOUR + 1000000, 16 * HOUR };
    static const int64_t want_amount[3] = { -23398256, -29041389, -28221547 };
    uint32_t k = 0;
    for (uint32_t i = 0; i < fx->n; i++) {
        if (fx->msgs[i].type != CX_EXEC_FUNDING)
            continue;
        assert_true(k < 3);
        assert_int_equal(fx->msgs[i].exch_ns, day + want_t[k]);
        assert_int_equal(fx->msgs[i].amount, want_amount[k]);
        k++;
    }
    assert_int_equal(k, 3);
    assert_int_equal(cx_sim_next_ns(fx->sim), INT64_MAX); /* the file ends there */
    fx_free(fx);
    cx_sim_funding_series_fini(&s); /* after cx_sim_free: the sim retained s.ev */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_file_offsets),
        cmocka_unit_test(test_binance),
        cmocka_unit_test(test_gate),
        cmocka_unit_test(test_mexc_bybit_kucoin),
        cmocka_unit_test(test_sub_ppb_files),
        cmocka_unit_test(test_caller_storage),
        cmocka_unit_test(test_formats),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_sim_series),
        cmocka_unit_test(test_sim_series_start_and_short),
        cmocka_unit_test(test_sim_series_config),
        cmocka_unit_test(test_sim_real_binance),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
