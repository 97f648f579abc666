/* SPDX-License-Identifier: MIT */
/*
 * The replay driver's tie order, pinned by a test written before the runtime / venue / driver
 * split so that the refactor cannot change it silently. When several sources have something at
 * the same instant the backtest processes them in this order (engine.h):
 *   venue-side market data, simulated-venue events (order arrivals, responses becoming due),
 *   local market data (strategy on_book / on_trade), strategy timers, performance samples;
 * and within one source in arrival order (two timers armed for the same instant fire in the
 * order they were armed; two responses due at once arrive in the order the venue made them).
 *
 * The recording is one hand-written Binance spot file (hftbacktest format, the message shapes of
 * data/binance/spot/btcusdt_20240808.gz) whose local time is exchange time + a constant, so the
 * venue clock equals the local clock and every tie below is exact. Constant 1 ms entry and
 * response latencies. The test strategy logs every callback with its engine time; the
 * performance-sample hook logs too, and the sequence is compared whole.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cexarb/engine.h"

#define MS CX_NS_PER_MS
#define T0_MS INT64_C(1723161300000) /* exchange time of the first line, ms (2024-08-08) */
#define FEED_NS (3 * MS + 123456)    /* local - exchange time, the same on every line */
#define ONE INT64_C(100000000)       /* one unit of an asset at CX_NOTIONAL_EXP */

static int64_t at(int64_t ms)
{
    return (T0_MS + ms) * MS + FEED_NS;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: the test strategy: a log of callbacks
 * ------------------------------------------------------------------------------------------- */

struct tie_log {
    struct cx_timer t7, t5, t9; /* the timers of the test */
    uint32_t inst;        /* spot BTCUSDT */
    uint32_t n;           /* entries in line */
    char line[64][48];    /* "what@ms" in the order things happened */
    bool placed;          /* the two orders were placed */
};

static void add(struct tie_log *l, int64_t now_ns, const char *what)
{
    assert_true(l->n < 64);
    int64_t rel = now_ns - at(0);
    snprintf(l->line[l->n++], sizeof l->line[0], "%s@%lld", what, (long long)(rel / MS));
    assert_int_equal(rel % MS, 0); /* every event of this test falls on a whole ms */
}

static void tl_timer(void *self, struct cx_ctx *ctx, struct cx_timer *t)
{
    struct tie_log *l = self;
    const char *what = t == &l->t7 ? "timer7" : t == &l->t5 ? "timer5" : "timer9";
    add(l, cx_ctx_now_ns(ctx), what);
}

static int tl_start(void *self, struct cx_ctx *ctx)
{
    struct tie_log *l = self;
    int64_t now = cx_ctx_now_ns(ctx);
    l->inst = cx_ctx_find_instrument(ctx, CX_VENUE_BINANCE_SPOT, "BTCUSDT");
    assert_int_not_equal(l->inst, UINT32_MAX);
    assert_int_equal(cx_ctx_subscribe(ctx, l->inst, CX_SUB_BOOK), 0);
    cx_timer_init(&l->t7, tl_timer, l);
    cx_timer_init(&l->t5, tl_timer, l);
    cx_timer_init(&l->t9, tl_timer, l);
    /* Two timers for the same instant, armed 7 then 5: they must fire 7 then 5. */
    assert_int_equal(cx_ctx_timer_start(ctx, &l->t7, at(3)), 0);
    assert_int_equal(cx_ctx_timer_start(ctx, &l->t5, at(3)), 0);
    /* A timer at the instant of a local message and of a performance sample. */
    assert_int_equal(cx_ctx_timer_start(ctx, &l->t9, at(1000)), 0);
    add(l, now, "start");
    return 0;
}

static void tl_book(void *self, struct cx_ctx *ctx, uint32_t inst, const struct cx_book *b)
{
    struct tie_log *l = self;
    assert_int_equal(inst, l->inst);
    add(l, cx_ctx_now_ns(ctx), "book");
    if (l->placed || cx_ctx_now_ns(ctx) != at(1))
        return;
    assert_int_equal(cx_book_state(b), CX_BOOK_SYNCED);
    l->placed = true;
    /* 1: post-only buy inside the spread; at the venue (at 2 ms) the ask has just come down to
     * its price, so it is rejected iff the venue applied the 2 ms message first. */
    struct cx_order_req buy = {.client_id = 1, .inst_id = inst, .side = CX_SIDE_BID,
                               .type = CX_ORD_LIMIT, .tif = CX_TIF_POST_ONLY,
                               .price_m = 6000050000000, .qty_m = 100000};
    /* 2: post-only buy far from the touch: rests (ack due at 3 ms, after 1's reject). */
    struct cx_order_req rest = {.client_id = 2, .inst_id = inst, .side = CX_SIDE_BID,
                                .type = CX_ORD_LIMIT, .tif = CX_TIF_POST_ONLY,
                                .price_m = 5900000000000, .qty_m = 100000};
    assert_int_equal(cx_ctx_place(ctx, &buy), 0);
    assert_int_equal(cx_ctx_place(ctx, &rest), 0);
}

static void tl_order(void *self, struct cx_ctx *ctx, const struct cx_order *o)
{
    char what[40];
    snprintf(what, sizeof what, "order%llu:%s%s%s", (unsigned long long)o->req.client_id,
             cx_ord_status_name((enum cx_ord_status)o->status),
             o->status == CX_ORD_REJECTED ? ":" : "",
             o->status == CX_ORD_REJECTED ? cx_reject_name((enum cx_reject)o->reject) : "");
    add(self, cx_ctx_now_ns(ctx), what);
}

static void tl_stop(void *self, struct cx_ctx *ctx)
{
    add(self, cx_ctx_now_ns(ctx), "stop");
    cx_ctx_cancel_all(ctx, UINT32_MAX);
}

static const struct cx_strategy_ops k_tie_ops = {
    .name = "test_ties",
    .on_start = tl_start,
    .on_book = tl_book,
    .on_order_update = tl_order,
    .on_stop = tl_stop,
};

static void h_sample(void *arg, const struct cx_perf_sample *s)
{
    add(arg, s->ts_ns, "sample");
}

/* ---------------------------------------------------------------------------------------------
 * MARK: recording and run
 * ------------------------------------------------------------------------------------------- */

static void depth(FILE *f, int64_t ms, uint64_t id, const char *bids, const char *asks)
{
    fprintf(f,
            "%lld {\"stream\":\"btcusdt@depth@100ms\",\"data\":{\"e\":\"depthUpdate\",\"E\":%lld,"
            "\"s\":\"BTCUSDT\",\"U\":%llu,\"u\":%llu,\"b\":[%s],\"a\":[%s]}}\n",
            (long long)at(ms), (long long)(T0_MS + ms), (unsigned long long)id,
            (unsigned long long)id, bids, asks);
}

/* The engine configuration of these tests: one spot recording, the Binance registry (into
 * *reg, to be freed by the caller), constant 1 ms latencies, a spot account of 10000 USDT and
 * no BTC (quote only: the equity curve can start at the first message). */
static void one_file_cfg(struct cx_engine_cfg *e, struct cx_registry *reg, const char *path)
{
    struct cx_parse_err err = {0};
    assert_int_equal(cx_registry_init(reg, 8), 0);
    assert_int_equal(
        cx_registry_load_yaml(reg, CX_DATA_DIR "/instruments/binance.yaml", &err), 0);
    memset(e, 0, sizeof *e);
    e->paths[0] = path;
    e->n_paths = 1;
    e->reg = reg;
    e->strict = true;
    e->sim.entry = (struct cx_latency_cfg){.kind = CX_LAT_CONSTANT, .a_ns = MS, .b_ns = MS};
    e->sim.response = e->sim.entry;
    e->sim.seed = 1u;
    e->sim.n_accounts = 1;
    e->sim.accounts[0].venue = CX_VENUE_BINANCE_SPOT;
    e->sim.accounts[0].leverage = 1;
    cx_account_balance(&e->sim.accounts[0], "USDT")->total = 10000 * ONE;
    cx_account_balance(&e->sim.accounts[0], "BTC")->total = 0;
}

static void test_tie_order(void **state)
{
    (void)state;
    char dir[] = "/tmp/cx_ties_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[64];
    snprintf(path, sizeof path, "%s/spot.txt", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    /* 0 ms an update older than the snapshot (it names the symbol for the symbol-less REST
     * snapshot) and snapshot 100; 1 ms U=u=101 syncs it; 2 ms the ask comes down to 60000.50;
     * 3, 1000 and 2000 ms: updates without levels (instants for the ties). */
    depth(f, 0, 100, "", "");
    fprintf(f,
            "%lld {\"lastUpdateId\":100,\"bids\":[[\"60000.00000000\",\"1.00000000\"]],"
            "\"asks\":[[\"60001.00000000\",\"1.00000000\"]]}\n",
            (long long)at(0));
    depth(f, 1, 101, "", "");
    depth(f, 2, 102, "", "[\"60000.50000000\",\"1.00000000\"]");
    depth(f, 3, 103, "", "");
    depth(f, 1000, 104, "", "");
    depth(f, 2000, 105, "", "");
    assert_int_equal(fclose(f), 0);

    struct cx_registry reg;
    struct cx_parse_err err = {0};
    static struct cx_engine_cfg e;
    one_file_cfg(&e, &reg, path);

    static struct tie_log log;
    memset(&log, 0, sizeof log);
    struct cx_engine_hooks hooks = {.arg = &log, .on_sample = h_sample};
    struct cx_engine_result res;
    int rc = cx_engine_run(&e, &k_tie_ops, &log, &hooks, &res, &err);
    unlink(path);
    rmdir(dir);
    cx_registry_fini(&reg);
    assert_int_equal(rc, 0);

    static const char *const want[] = {
        "start@0",
        "book@0",            /* the old update: local data ... */
        "sample@0",          /* ... then the first sample (the curve starts when marks exist) */
        "book@0",            /* the snapshot, same instant, file order */
        "book@1",            /* orders 1 and 2 sent, at the venue at 2 ms */
        "book@2",            /* venue data at 2 ms came before order 1's arrival: rejected */
        "order1:rejected:post_only@3", /* responses due at 3 ms precede local data at 3 ms, */
        "order2:new@3",      /* ... in the order the venue produced them */
        "book@3",            /* local data before timers */
        "timer7@3",          /* timers due together fire in arming order */
        "timer5@3",
        "book@1000",         /* local data, then timers, then the sample */
        "timer9@1000",
        "sample@1000",
        "book@2000",         /* the data ends here */
        "stop@2000",         /* on_stop; its cancel of order 2 is drained after the strategy */
        "sample@2002",       /* final sample after the drain (cancel at 2001, reply at 2002) */
    };
    size_t n_want = sizeof want / sizeof want[0];
    for (uint32_t i = 0; i < log.n; i++)
        print_message("  %s\n", log.line[i]);
    assert_int_equal(log.n, n_want);
    for (size_t i = 0; i < n_want; i++)
        assert_string_equal(log.line[i], want[i]);
    assert_int_equal(res.orders, 2);
    assert_int_equal(res.fill_errors, 0);
}

/* ---------------------------------------------------------------------------------------------
 * MARK: venue time: a print that executed before our order arrived is not ours
 * ------------------------------------------------------------------------------------------- */

/* Rests one post-only buy at the best bid when the book first syncs (1 ms; at the venue 2 ms). */
struct one_bid {
    uint32_t inst;
    bool placed;
    uint32_t fills;
};

static int ob_start(void *self, struct cx_ctx *ctx)
{
    struct one_bid *o = self;
    o->inst = cx_ctx_find_instrument(ctx, CX_VENUE_BINANCE_SPOT, "BTCUSDT");
    return cx_ctx_subscribe(ctx, o->inst, CX_SUB_BOOK);
}

static void ob_book(void *self, struct cx_ctx *ctx, uint32_t inst, const struct cx_book *b)
{
    struct one_bid *o = self;
    if (o->placed || cx_book_state(b) != CX_BOOK_SYNCED || cx_ctx_now_ns(ctx) != at(1))
        return;
    o->placed = true;
    struct cx_order_req buy = {.client_id = 1, .inst_id = inst, .side = CX_SIDE_BID,
                               .type = CX_ORD_LIMIT, .tif = CX_TIF_POST_ONLY,
                               .price_m = 6000000000000, .qty_m = 100000};
    assert_int_equal(cx_ctx_place(ctx, &buy), 0);
}

static void ob_fill(void *self, struct cx_ctx *ctx, const struct cx_fill *f)
{
    (void)ctx;
    (void)f;
    ((struct one_bid *)self)->fills++;
}

static const struct cx_strategy_ops k_one_bid_ops = {
    .name = "test_one_bid",
    .on_start = ob_start,
    .on_book = ob_book,
    .on_fill = ob_fill,
};

/* Runs the recording of test_venue_time with a venue reorder window; returns the fills. */
static uint32_t run_one_bid(const char *path, int64_t window_ns, struct cx_engine_result *res)
{
    struct cx_registry reg;
    struct cx_parse_err err = {0};
    static struct cx_engine_cfg e;
    one_file_cfg(&e, &reg, path);
    e.venue_window_ns = window_ns;
    struct one_bid ob = {0};
    int rc = cx_engine_run(&e, &k_one_bid_ops, &ob, NULL, res, &err);
    cx_registry_fini(&reg);
    assert_int_equal(rc, 0);
    assert_int_equal(res->orders, 1);
    return ob.fills;
}

/*
 * The recording's trade print (a seller through our bid at 59999) executed at 1 ms exchange
 * time but reached the recorder 5 ms late, after the 3 and 5 ms depth diffs. Our bid was sent
 * at 1 ms and reached the venue at 2 ms: after the print, so the print cannot fill it. In
 * venue-time order it does not; forced into file order (window off) it would, which is the
 * look-ahead the venue clock removes. With a 1 ms window the 3 ms diff is released before the
 * reader reaches the print (it is 4 ms behind the 5 ms diff read before it): the print is
 * processed late, at 3 ms (counted), and fills: the documented cost of a window shorter than
 * the feed delay.
 */
static void test_venue_time(void **state)
{
    (void)state;
    char dir[] = "/tmp/cx_vtime_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[64];
    snprintf(path, sizeof path, "%s/spot.txt", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    depth(f, 0, 100, "", "");
    fprintf(f,
            "%lld {\"lastUpdateId\":100,\"bids\":[[\"60000.00000000\",\"1.00000000\"]],"
            "\"asks\":[[\"60001.00000000\",\"1.00000000\"]]}\n",
            (long long)at(0));
    depth(f, 1, 101, "", "");
    depth(f, 3, 102, "", "");
    depth(f, 5, 103, "", "");
    fprintf(f,
            "%lld {\"stream\":\"btcusdt@trade\",\"data\":{\"e\":\"trade\",\"E\":%lld,"
            "\"s\":\"BTCUSDT\",\"t\":7,\"p\":\"59999.00000000\",\"q\":\"0.50000000\",\"T\":%lld,"
            "\"m\":true,\"M\":true}}\n",
            (long long)at(6), (long long)(T0_MS + 1), (long long)(T0_MS + 1));
    depth(f, 2000, 104, "", "");
    assert_int_equal(fclose(f), 0);

    struct cx_engine_result res;
    assert_int_equal(run_one_bid(path, 0, &res), 0); /* default window, 1 s */
    assert_int_equal(res.venue_window_ns, CX_NS_PER_S);
    assert_int_equal(res.venue_late, 0);
    assert_int_equal(res.fills, 0);

    assert_int_equal(run_one_bid(path, -1, &res), 1); /* file order */
    assert_int_equal(res.venue_window_ns, 0);

    assert_int_equal(run_one_bid(path, MS, &res), 1); /* window shorter than the delay */
    assert_int_equal(res.venue_late, 1);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tie_order),
        cmocka_unit_test(test_venue_time),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
