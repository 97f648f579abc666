/* SPDX-License-Identifier: MIT */
/*
 * The replay's clock offset and feed latency (docs/internals/sim.md "The venue's clock"): the
 * prescan's per-file local-minus-exchange figures (md.h struct cx_md_feed_stats) on the bundled
 * Binance recordings, checked against exact figures computed independently from the raw files
 * (nearest rank over every message with an exchange time: depth and bookTicker E, trade T), and
 * on hand-written files (exact percentiles, glitched first messages, a percentile outside the
 * histogram); the offset rule (percentile minus the assumed minimum latency), the venue time
 * that never passes the local receive time, and the feed latency the driver notes
 * (src/engine/venue_order.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cexarb/md.h"
#include "engine/engine_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SPOT CX_DATA_DIR "/binance/spot/btcusdt_20240808.gz"
#define USDM CX_DATA_DIR "/binance/usdm/btcusdt_20240808.gz"
#define US INT64_C(1000)
#define MS INT64_C(1000000)

static int prescan(const char *const *paths, uint32_t n, uint32_t pct_ppm,
                   struct cx_md_prescan_report *rep, struct cx_parse_err *err)
{
    struct cx_registry reg;
    assert_int_equal(cx_registry_init(&reg, 16), 0);
    struct cx_md_reader_opts o = {.feed_pct_ppm = pct_ppm};
    memset(rep, 0, sizeof *rep);
    memset(err, 0, sizeof *err);
    int rc = cx_md_prescan(paths, n, &o, &reg, rep, err);
    cx_registry_fini(&reg);
    return rc;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: the bundled recordings
 * ------------------------------------------------------------------------------------------- */

/* Exact nearest-rank figures of local - exchange time computed from the raw files with an
 * independent script (Python's gzip and json, not the engine's decoders), ns. */
struct exact {
    uint64_t n;
    int64_t min, p0_1, p1, p50;
};

static void check_file(const struct cx_md_feed_stats *f, int64_t min_feed,
                       const struct exact *x)
{
    print_message("  n %llu min %lld p0.1 +%lld p1 +%lld p50 +%lld (ns above min)\n",
                  (unsigned long long)f->n, (long long)f->min_ns,
                  (long long)(f->p0_1_ns - f->min_ns), (long long)(f->p1_ns - f->min_ns),
                  (long long)(f->p50_ns - f->min_ns));
    assert_int_equal(f->n, x->n);
    assert_int_equal(f->min_ns, min_feed); /* the reader's own minimum */
    assert_int_equal(f->min_ns, x->min);
    /* Bucket edges: at most 10 us below the exact value, never above. */
    assert_true(f->p0_1_ns <= x->p0_1 && f->p0_1_ns > x->p0_1 - 10 * US);
    assert_true(f->p1_ns <= x->p1 && f->p1_ns > x->p1 - 10 * US);
    assert_true(f->p50_ns <= x->p50 && f->p50_ns > x->p50 - 10 * US);
    assert_int_equal(f->below, 0);
    assert_int_equal(f->above, 0);
}

static void test_bundled(void **state)
{
    (void)state;
    const char *paths[] = {SPOT, USDM};
    static struct cx_md_prescan_report rep;
    struct cx_parse_err err;
    assert_int_equal(prescan(paths, 2, 1000, &rep, &err), 0);
    /* Spot: 3451 depth (E) + 9757 trades (T); the bookTicker has no time. USD-M: 6551 depth,
     * 66089 bookTicker (E), 21313 trades (T), and the REST snapshot. */
    static const struct exact spot = {13208, -1274761454, -1274275701, -1273677539,
                                      -1271200751};
    static const struct exact usdm = {93954, -1272519320, -1272057131, -1271605142,
                                      -1269494363};
    check_file(&rep.feed[0], rep.min_feed_ns[0], &spot);
    check_file(&rep.feed[1], rep.min_feed_ns[1], &usdm);
    /* pct_ns is the requested 0.1th percentile; with 0 it is the exact minimum. */
    assert_int_equal(rep.feed[0].pct_ns, rep.feed[0].p0_1_ns);
    assert_int_equal(prescan(paths, 1, 0, &rep, &err), 0);
    assert_int_equal(rep.feed[0].pct_ns, spot.min);
    assert_int_equal(prescan(paths, 1, 500000, &rep, &err), 0);
    assert_int_equal(rep.feed[0].pct_ns, rep.feed[0].p50_ns);
    /* The offset rule: percentile - assumed minimum latency; the minimum for 0. */
    assert_int_equal(prescan(paths, 2, 10000, &rep, &err), 0);
    assert_int_equal(cx__venue_order_offset(&rep, 0, 0, 0), spot.min);
    assert_int_equal(cx__venue_order_offset(&rep, 0, 0, 2 * MS), spot.min - 2 * MS);
    assert_int_equal(cx__venue_order_offset(&rep, 1, 10000, 3 * MS), rep.feed[1].p1_ns - 3 * MS);
    assert_int_equal(cx__venue_order_offset(&rep, CX_MD_PRESCAN_MAX_FILES, 0, 3 * MS), 0);
}

/* ---------------------------------------------------------------------------------------------
 * MARK: hand-written files
 * ------------------------------------------------------------------------------------------- */

/* Writes a Binance spot trade file: trade i received at local[i] with trade time x_ms[i]. */
static void trade_file(char *path, size_t cap, const int64_t *local, const int64_t *x_ms,
                       uint32_t n)
{
    snprintf(path, cap, "/tmp/cx_test_feed_clock_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    assert_non_null(f);
    for (uint32_t i = 0; i < n; i++)
        fprintf(f,
                "%lld {\"stream\":\"btcusdt@trade\",\"data\":{\"e\":\"trade\",\"E\":%lld,"
                "\"s\":\"BTCUSDT\",\"t\":%u,\"p\":\"60000.00\",\"q\":\"0.001\",\"T\":%lld,"
                "\"m\":true,\"M\":true}}\n",
                (long long)local[i], (long long)x_ms[i], i + 1, (long long)x_ms[i]);
    assert_int_equal(fclose(f), 0);
}

/* n trades with local - exchange = lat[i] (lat multiples of 10 us, so the buckets are exact). */
static int prescan_lats(const int64_t *lat, uint32_t n, uint32_t pct_ppm,
                        struct cx_md_prescan_report *rep, struct cx_parse_err *err)
{
    int64_t *local = calloc(n, sizeof *local), *x = calloc(n, sizeof *x);
    assert_true(local != NULL && x != NULL);
    for (uint32_t i = 0; i < n; i++) {
        x[i] = INT64_C(1723161254000) + 100 * (int64_t)i; /* ms, 100 ms apart */
        local[i] = x[i] * MS + lat[i];
        assert_true(i == 0 || local[i] >= local[i - 1]); /* a recording's local time */
    }
    char path[64];
    trade_file(path, sizeof path, local, x, n);
    free(local);
    free(x);
    const char *p = path;
    int rc = prescan(&p, 1, pct_ppm, rep, err);
    unlink(path);
    return rc;
}

static void test_exact_percentiles(void **state)
{
    (void)state;
    /* 2000 trades with latencies 5.00, 5.01, ..., 24.99 ms in a shuffled order: rank k is
     * 5 ms + (k - 1) x 10 us. p0.1: k = 2 -> 5.01 ms; p1: k = 20 -> 5.19 ms; p50: k = 1000 ->
     * 14.99 ms; 2.5 %: k = 50 -> 5.49 ms. */
    enum { N = 2000 };
    static int64_t lat[N];
    for (uint32_t i = 0; i < N; i++)
        lat[i] = 5 * MS + (int64_t)((i * 7u) % N) * 10 * US; /* 7 and 2000 are coprime */
    static struct cx_md_prescan_report rep;
    struct cx_parse_err err;
    assert_int_equal(prescan_lats(lat, N, 25000, &rep, &err), 0);
    const struct cx_md_feed_stats *f = &rep.feed[0];
    assert_int_equal(f->n, N);
    assert_int_equal(f->min_ns, 5 * MS);
    assert_int_equal(f->p0_1_ns, 5 * MS + 10 * US);
    assert_int_equal(f->p1_ns, 5 * MS + 190 * US);
    assert_int_equal(f->p50_ns, 14 * MS + 990 * US);
    assert_int_equal(f->pct_ns, 5 * MS + 490 * US);
    assert_int_equal(rep.min_feed_ns[0], 5 * MS);
}

static void test_glitches(void **state)
{
    (void)state;
    /* The first three messages are glitched 2 s fast (a clock step): the minimum is theirs, but
     * the histogram is anchored at the median of the first 64, so they fall below its range
     * and every low percentile of the 997 real messages (3 ms + i x 10 us) is exact. */
    enum { N = 1000 };
    static int64_t lat[N];
    for (uint32_t i = 0; i < N; i++)
        lat[i] = i < 3 ? -2000 * MS : 3 * MS + (int64_t)i * 10 * US;
    static struct cx_md_prescan_report rep;
    struct cx_parse_err err;
    assert_int_equal(prescan_lats(lat, N, 10000, &rep, &err), 0);
    const struct cx_md_feed_stats *f = &rep.feed[0];
    assert_int_equal(f->min_ns, -2000 * MS);
    assert_int_equal(f->below, 3);
    assert_int_equal(f->above, 0);
    /* p1: k = 10 -> the 7th real value, i = 9: 3.09 ms. p0.1: k = 1, a glitch: the range's
     * lower edge (median of the first 64 values - 250 ms: 3 ms + 32 x 10 us - 250 ms). */
    assert_int_equal(f->p1_ns, 3 * MS + 90 * US);
    assert_int_equal(f->pct_ns, f->p1_ns);
    assert_int_equal(f->p0_1_ns, 3 * MS + 320 * US - 250 * MS);
    /* So the minimum-based offset would put every venue time 2 s early; p1 does not. A request
     * for a percentile that falls among the glitches is refused, naming the file. */
    const int64_t few[10] = {-2000 * MS, -2000 * MS, 3 * MS, 3 * MS, 3 * MS,
                             3 * MS,     3 * MS,     3 * MS, 3 * MS, 3 * MS};
    assert_int_equal(prescan_lats(few, 10, 10000, &rep, &err), CX_ERANGE);
    assert_string_equal(err.msg, "clock offset percentile outside the feed histogram's range (a "
                                 "clock step in the recording?)");
    assert_non_null(strstr(err.detail, "cx_test_feed_clock_"));
    assert_int_equal(prescan_lats(few, 10, 300000, &rep, &err), 0); /* rank 3: a real one */
    assert_int_equal(rep.feed[0].pct_ns, 3 * MS);
    /* Slow messages beyond the range (1.31 s) are counted above. */
    const int64_t slow[5] = {3 * MS, 3 * MS, 3 * MS, 2000 * MS, 3000 * MS};
    assert_int_equal(prescan_lats(slow, 5, 0, &rep, &err), 0);
    assert_int_equal(rep.feed[0].above, 2);
    assert_int_equal(rep.feed[0].pct_ns, 3 * MS);
    /* Bad request. */
    const char *p = SPOT;
    assert_int_equal(prescan(&p, 1, 1000001, &rep, &err), CX_EINVAL);
}

/* ---------------------------------------------------------------------------------------------
 * MARK: venue time and feed latency (src/engine/venue_order.c)
 * ------------------------------------------------------------------------------------------- */

static struct cx_md_batch one(struct cx_md_event *e, int64_t local, int64_t exch, uint8_t stream)
{
    memset(e, 0, sizeof *e);
    e->local_ts_ns = local;
    e->exch_ts_ns = exch;
    e->stream = stream;
    e->type = CX_MD_TRADE;
    return (struct cx_md_batch){.ev = e, .n = 1, .cap = 1, .local_ts_ns = local,
                                .venue = CX_VENUE_BINANCE_SPOT};
}

static void test_venue_time(void **state)
{
    (void)state;
    struct cx__venue_order vo;
    /* File 0 offset -1270 ms (a percentile), file 1 offset -1275 ms. */
    const int64_t off[2] = {-1270 * MS, -1275 * MS};
    assert_int_equal(cx__venue_order_init(&vo, 64, 16, 0, off, 2), 0);
    struct cx_md_event e;
    /* A message 4 ms above the offset: venue time x + offset, feed latency 4 ms. */
    struct cx_md_batch b = one(&e, 10000 * MS - 1266 * MS, 10000 * MS, 0);
    assert_int_equal(cx__venue_order_time(&vo, &b), 10000 * MS - 1270 * MS);
    assert_int_equal(cx__venue_order_feed_ns(&vo, &b), 4 * MS);
    /* A message 1 ms faster than the offset (below the percentile): x + offset would be 1 ms
     * after its local receive time; it is the local time instead, feed latency 0. */
    b = one(&e, 20000 * MS - 1271 * MS, 20000 * MS, 0);
    assert_int_equal(cx__venue_order_time(&vo, &b), 20000 * MS - 1271 * MS);
    assert_int_equal(cx__venue_order_feed_ns(&vo, &b), 0);
    /* Without an exchange time: as fast as the file's previous message (which was 1 ms below
     * the offset: clamped to its local time too); no feed latency to note. */
    b = one(&e, 21000 * MS, 0, 0);
    assert_int_equal(cx__venue_order_time(&vo, &b), 21000 * MS);
    assert_int_equal(cx__venue_order_feed_ns(&vo, &b), -1);
    /* The other file uses its own offset. */
    b = one(&e, 30000 * MS - 1265 * MS, 30000 * MS, 1);
    assert_int_equal(cx__venue_order_time(&vo, &b), 30000 * MS - 1275 * MS);
    assert_int_equal(cx__venue_order_feed_ns(&vo, &b), 10 * MS);
    cx__venue_order_fini(&vo);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bundled),
        cmocka_unit_test(test_exact_percentiles),
        cmocka_unit_test(test_glitches),
        cmocka_unit_test(test_venue_time),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
