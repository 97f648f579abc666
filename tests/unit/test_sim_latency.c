/* SPDX-License-Identifier: MIT */
/*
 * The simulated venue's latency models that follow the data (sim.h CX_LAT_FEED,
 * CX_LAT_RECORDED): the feed-driven formula and its rounding, the per-venue median of the last
 * CX_SIM_FEED_WINDOW noted feed latencies, order arrival and response delivery driven by it in
 * a running sim (and the ordered session still holding when the feed gets faster), the recorded
 * series' interpolation by request time with its clamps, a running sim on a recorded series,
 * configuration checks of both models, and the order-latency CSV loader on hand-written files:
 * a good one (CRLF, no final LF) and every error with its line, column and message. Sources:
 * hftbacktest FeedLatency (hftbacktest/models/latencies.py) and IntpOrderLatency
 * (hftbacktest/src/backtest/models/latency.rs).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cexarb/sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PX(x) ((int64_t)((x) * 100.0 + 0.5))   /* price @ 1e-2 */
#define QTY(x) ((int64_t)((x) * 1000.0 + 0.5)) /* qty @ 1e-3 */
#define MS INT64_C(1000000)

/* ---------------------------------------------------------------------------------------------
 * MARK: the formulas
 * ------------------------------------------------------------------------------------------- */

static void test_feed_formula(void **state)
{
    (void)state;
    uint64_t rng = 1, rng0 = 1;
    /* entry = feed x mul + add: 3 ms x 1.5 + 1 ms = 5.5 ms. */
    struct cx_latency_cfg c = {.kind = CX_LAT_FEED, .a_ns = MS, .mul_ppm = 1500000};
    assert_int_equal(cx_sim_latency_at(&c, false, 0, 3 * MS, &rng), 5500000);
    assert_int_equal(cx_sim_latency_at(&c, true, 123, 3 * MS, &rng), 5500000);
    /* 3 ns x 0.5 = 1.5 ns: rounded half up to 2; 1 ns x 0.5 = 0.5 -> 1; 0.4999995 -> 0. */
    c = (struct cx_latency_cfg){.kind = CX_LAT_FEED, .mul_ppm = 500000};
    assert_int_equal(cx_sim_latency_at(&c, false, 0, 3, &rng), 2);
    assert_int_equal(cx_sim_latency_at(&c, false, 0, 1, &rng), 1);
    c.mul_ppm = 499999;
    assert_int_equal(cx_sim_latency_at(&c, false, 0, 1, &rng), 0);
    /* A negative feed is taken as 0; mul 0 leaves the constant. */
    c = (struct cx_latency_cfg){.kind = CX_LAT_FEED, .a_ns = 7, .mul_ppm = 1000000};
    assert_int_equal(cx_sim_latency_at(&c, false, 0, -5 * MS, &rng), 7);
    c.mul_ppm = 0;
    assert_int_equal(cx_sim_latency_at(&c, false, 0, 9 * MS, &rng), 7);
    /* Saturates far beyond any latency instead of overflowing. */
    c = (struct cx_latency_cfg){.kind = CX_LAT_FEED, .a_ns = INT64_MAX / 2, .mul_ppm = 1000000000};
    assert_int_equal(cx_sim_latency_at(&c, false, 0, INT64_MAX, &rng),
                     INT64_C(4000000000000000000));
    /* The model draws nothing from the generator; cx_sim_latency_sample is feed 0. */
    assert_int_equal(rng, rng0);
    c = (struct cx_latency_cfg){.kind = CX_LAT_FEED, .a_ns = 42, .mul_ppm = 2000000};
    assert_int_equal(cx_sim_latency_sample(&c, &rng), 42);
    assert_int_equal(rng, rng0);
}

/* Entry latencies 100, 300, 0 and response latencies 200, 100, 100 at requests 1000, 2000,
 * 4000 ns. */
static const struct cx_sim_latency_row k_rows[] = {
    {.req_ns = 1000, .exch_ns = 1100, .resp_ns = 1300},
    {.req_ns = 2000, .exch_ns = 2300, .resp_ns = 2400},
    {.req_ns = 4000, .exch_ns = 4000, .resp_ns = 4100},
};

static void test_recorded_interpolation(void **state)
{
    (void)state;
    uint64_t rng = 5;
    struct cx_latency_cfg c = {.kind = CX_LAT_RECORDED, .rows = k_rows, .n_rows = 3};
    /* Clamped before the first and after the last request. */
    assert_int_equal(cx_sim_latency_at(&c, false, -1000000, 0, &rng), 100);
    assert_int_equal(cx_sim_latency_at(&c, false, 1000, 0, &rng), 100);
    assert_int_equal(cx_sim_latency_at(&c, false, 4000, 0, &rng), 0);
    assert_int_equal(cx_sim_latency_at(&c, false, 99999, 0, &rng), 0);
    /* Linear in between: at 1500, 100 + 200 x 500 / 1000 = 200; at 1999, 299.8 -> 300 (half
     * away from zero); at a row, the row's value. */
    assert_int_equal(cx_sim_latency_at(&c, false, 1500, 0, &rng), 200);
    assert_int_equal(cx_sim_latency_at(&c, false, 1999, 0, &rng), 300);
    assert_int_equal(cx_sim_latency_at(&c, false, 2000, 0, &rng), 300);
    /* Falling segment: 300 - 300 (t - 2000) / 2000: at 3000, 150; at 2001, 299.85 -> 300; at
     * 2005, 299.25 -> 299; at 2010, 298.5 -> 298 (half away from zero of the -1.5 step). */
    assert_int_equal(cx_sim_latency_at(&c, false, 3000, 0, &rng), 150);
    assert_int_equal(cx_sim_latency_at(&c, false, 2001, 0, &rng), 300);
    assert_int_equal(cx_sim_latency_at(&c, false, 2005, 0, &rng), 299);
    assert_int_equal(cx_sim_latency_at(&c, false, 2010, 0, &rng), 298);
    /* The response column on the same axis: 200 -> 100 -> 100. */
    assert_int_equal(cx_sim_latency_at(&c, true, 0, 0, &rng), 200);
    assert_int_equal(cx_sim_latency_at(&c, true, 1500, 0, &rng), 150);
    assert_int_equal(cx_sim_latency_at(&c, true, 3000, 0, &rng), 100);
    assert_int_equal(cx_sim_latency_at(&c, true, 5000, 0, &rng), 100);
    /* One row: constant. */
    c.n_rows = 1;
    assert_int_equal(cx_sim_latency_at(&c, false, 5000, 0, &rng), 100);
    assert_int_equal(cx_sim_latency_at(&c, true, 5000, 0, &rng), 200);
    assert_int_equal(rng, 5);
}

/* ---------------------------------------------------------------------------------------------
 * MARK: a running sim
 * ------------------------------------------------------------------------------------------- */

struct fx {
    struct cx_registry reg;
    uint32_t spot, perp;
    struct cx_sim_cfg cfg;
    struct cx_sim *sim;
};

static struct fx *fx_alloc(void)
{
    struct fx *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    assert_int_equal(cx_registry_init(&fx->reg, 2), 0);
    for (int k = 0; k < 2; k++) {
        struct cx_instrument in;
        memset(&in, 0, sizeof in);
        in.venue = k == 0 ? CX_VENUE_BINANCE_SPOT : CX_VENUE_BINANCE_USDM;
        in.kind = k == 0 ? CX_KIND_SPOT : CX_KIND_LINEAR_PERP;
        in.price_exp = -2;
        in.qty_exp = -3;
        in.tick = 1;
        in.lot = 1;
        in.multiplier = 1;
        snprintf(in.symbol, sizeof in.symbol, "TSTUSDT");
        snprintf(in.base, sizeof in.base, "TST");
        snprintf(in.quote, sizeof in.quote, "USDT");
        assert_int_equal(cx_registry_add(&fx->reg, &in, k == 0 ? &fx->spot : &fx->perp), 0);
    }
    fx->cfg.reg = &fx->reg;
    return fx;
}

static void fx_start(struct fx *fx)
{
    struct cx_parse_err err;
    memset(&err, 0, sizeof err);
    if (cx_sim_new(&fx->sim, &fx->cfg, &err) != 0)
        fail_msg("cx_sim_new: %s (%s)", err.msg ? err.msg : "?", err.detail);
}

static void fx_free(struct fx *fx)
{
    cx_sim_free(fx->sim);
    cx_registry_fini(&fx->reg);
    free(fx);
}

/* A synced book on inst: bid 99.90 x 5, ask 100.10 x 5, at venue time t. */
static void book(struct fx *fx, uint32_t inst, int64_t t)
{
    struct cx_md_event ev[2];
    memset(ev, 0, sizeof ev);
    const struct cx_instrument *in = cx_registry_get(&fx->reg, inst);
    for (int i = 0; i < 2; i++) {
        ev[i].exch_ts_ns = ev[i].local_ts_ns = t;
        ev[i].seq = 100;
        ev[i].inst_id = inst;
        ev[i].type = CX_MD_DEPTH_SNAPSHOT;
        ev[i].u.level.seq_first = 100;
        ev[i].u.level.price_m = i == 0 ? PX(99.90) : PX(100.10);
        ev[i].u.level.qty_m = QTY(5);
        ev[i].flags = i == 0 ? CX_MD_F_BEGIN : (CX_MD_F_ASK | CX_MD_F_END);
    }
    struct cx_md_batch b = {.ev = ev, .n = 2, .cap = 2, .kind = CX_MD_KIND_SNAPSHOT,
                            .venue = in->venue, .inst_id = inst, .local_ts_ns = t};
    assert_int_equal(cx_sim_on_market(fx->sim, &b, t), 0);
}

/* A post-only bid below the touch (it rests; the ACK is its only response). */
static void bid(struct fx *fx, uint64_t cid, uint32_t inst, int64_t now)
{
    struct cx_order_req r = {.client_id = cid, .inst_id = inst, .side = CX_SIDE_BID,
                             .type = CX_ORD_LIMIT, .tif = CX_TIF_POST_ONLY,
                             .price_m = PX(99.80), .qty_m = QTY(1)};
    assert_int_equal(cx_sim_submit(fx->sim, &r, now), 0);
}

/* Runs the venue to `until` and returns the next response (which must exist). */
static struct cx_exec_report next_msg(struct fx *fx, int64_t until)
{
    assert_int_equal(cx_sim_advance(fx->sim, until), 0);
    struct cx_exec_report m;
    if (cx_sim_poll(fx->sim, until, &m) != 1)
        fail_msg("no response due by %lld", (long long)until);
    return m;
}

static void test_feed_window(void **state)
{
    (void)state;
    struct fx *fx = fx_alloc();
    fx_start(fx);
    const uint8_t spot = CX_VENUE_BINANCE_SPOT, usdm = CX_VENUE_BINANCE_USDM;
    assert_int_equal(cx_sim_feed_latency(fx->sim, spot), -1);
    assert_int_equal(cx_sim_note_feed_latency(fx->sim, spot, 300), 0);
    assert_int_equal(cx_sim_feed_latency(fx->sim, spot), 300);
    assert_int_equal(cx_sim_note_feed_latency(fx->sim, spot, 100), 0);
    assert_int_equal(cx_sim_feed_latency(fx->sim, spot), 200); /* (100 + 300) / 2 */
    assert_int_equal(cx_sim_note_feed_latency(fx->sim, spot, 101), 0);
    assert_int_equal(cx_sim_feed_latency(fx->sim, spot), 101); /* 100, 101, 300 */
    /* Each venue has its own window. */
    assert_int_equal(cx_sim_feed_latency(fx->sim, usdm), -1);
    /* Only the last 16 count: after 1..20 the window holds 5..20, median (12 + 13) / 2 -> 12. */
    for (int64_t v = 1; v <= 20; v++)
        assert_int_equal(cx_sim_note_feed_latency(fx->sim, usdm, v), 0);
    assert_int_equal(cx_sim_feed_latency(fx->sim, usdm), 12);
    /* One message held back (a spike) does not move the median; a burst of slow messages
     * moves it once it fills half the window (with the spike: 7 -> halfway, 8 -> all). */
    for (int i = 0; i < 15; i++)
        assert_int_equal(cx_sim_note_feed_latency(fx->sim, usdm, 2 * MS), 0);
    assert_int_equal(cx_sim_note_feed_latency(fx->sim, usdm, 200 * MS), 0);
    assert_int_equal(cx_sim_feed_latency(fx->sim, usdm), 2 * MS);
    for (int i = 0; i < 7; i++)
        assert_int_equal(cx_sim_note_feed_latency(fx->sim, usdm, 150 * MS), 0);
    assert_int_equal(cx_sim_feed_latency(fx->sim, usdm), 76 * MS); /* (2 + 150) / 2 */
    assert_int_equal(cx_sim_note_feed_latency(fx->sim, usdm, 150 * MS), 0);
    assert_int_equal(cx_sim_feed_latency(fx->sim, usdm), 150 * MS);
    /* Bad input. */
    assert_int_equal(cx_sim_note_feed_latency(NULL, spot, 1), CX_EINVAL);
    assert_int_equal(cx_sim_note_feed_latency(fx->sim, CX_VENUE_COUNT, 1), CX_EINVAL);
    assert_int_equal(cx_sim_note_feed_latency(fx->sim, spot, -1), CX_EINVAL);
    assert_int_equal(cx_sim_feed_latency(fx->sim, CX_VENUE_COUNT), -1);
    assert_int_equal(cx_sim_stats(fx->sim)->feed_notes, 3 + 20 + 15 + 1 + 7 + 1);
    fx_free(fx);
}

static void test_feed_in_sim(void **state)
{
    (void)state;
    struct fx *fx = fx_alloc();
    /* entry = 1 x feed + 1 ms, response = 0.5 x feed + 0. */
    fx->cfg.entry = (struct cx_latency_cfg){.kind = CX_LAT_FEED, .a_ns = MS, .mul_ppm = 1000000};
    fx->cfg.response = (struct cx_latency_cfg){.kind = CX_LAT_FEED, .mul_ppm = 500000};
    fx_start(fx);
    int64_t t = 1000 * MS;
    book(fx, fx->spot, t);
    book(fx, fx->perp, t);
    /* Before any note the feed term is 0 (counted): arrival 1 ms after sending, response at
     * once. */
    bid(fx, 1, fx->spot, t += MS);
    struct cx_exec_report m = next_msg(fx, t + 10 * MS);
    assert_int_equal(m.type, CX_EXEC_ACK);
    assert_int_equal(m.exch_ns, t + MS);
    assert_int_equal(m.deliver_ns, t + MS);
    assert_int_equal(cx_sim_stats(fx->sim)->feed_latency_missing, 2);
    /* Spot feed 4 ms, USD-M feed 40 ms: each venue's orders follow their own feed. */
    t += 20 * MS;
    assert_int_equal(cx_sim_note_feed_latency(fx->sim, CX_VENUE_BINANCE_SPOT, 4 * MS), 0);
    assert_int_equal(cx_sim_note_feed_latency(fx->sim, CX_VENUE_BINANCE_USDM, 40 * MS), 0);
    bid(fx, 2, fx->spot, t);
    m = next_msg(fx, t + 100 * MS);
    assert_int_equal(m.client_id, 2);
    assert_int_equal(m.exch_ns, t + 5 * MS);      /* 4 ms + 1 ms */
    assert_int_equal(m.deliver_ns, t + 7 * MS);   /* + 4 ms x 0.5 */
    bid(fx, 3, fx->perp, t += 100 * MS);
    m = next_msg(fx, t + 200 * MS);
    assert_int_equal(m.client_id, 3);
    assert_int_equal(m.exch_ns, t + 41 * MS);
    assert_int_equal(m.deliver_ns, t + 61 * MS);
    /* The feed gets faster between two orders sent 1 ms apart: the second cannot overtake the
     * first on the venue's session (arrival clamped), nor its response the first's. */
    t += 300 * MS;
    assert_int_equal(cx_sim_note_feed_latency(fx->sim, CX_VENUE_BINANCE_USDM, 40 * MS), 0);
    bid(fx, 4, fx->perp, t); /* window 40, 40: 40 ms -> arrives t + 41 ms */
    for (int i = 0; i < 3; i++)
        assert_int_equal(cx_sim_note_feed_latency(fx->sim, CX_VENUE_BINANCE_USDM, 2 * MS), 0);
    assert_int_equal(cx_sim_feed_latency(fx->sim, CX_VENUE_BINANCE_USDM), 2 * MS);
    bid(fx, 5, fx->perp, t + MS); /* would arrive at t + 4 ms */
    m = next_msg(fx, t + 200 * MS);
    assert_int_equal(m.client_id, 4);
    assert_int_equal(m.exch_ns, t + 41 * MS);
    struct cx_exec_report m5;
    assert_int_equal(cx_sim_poll(fx->sim, t + 200 * MS, &m5), 1);
    assert_int_equal(m5.client_id, 5);
    assert_int_equal(m5.exch_ns, t + 41 * MS);
    assert_true(m5.deliver_ns >= m.deliver_ns);
    assert_int_equal(cx_sim_stats(fx->sim)->feed_latency_missing, 2);
    fx_free(fx);
}

static void test_recorded_in_sim(void **state)
{
    (void)state;
    struct fx *fx = fx_alloc();
    /* Requests at 1 s, 2 s, 4 s with entry 10, 30, 0 ms and response 20, 10, 10 ms. */
    static const struct cx_sim_latency_row rows[] = {
        {.req_ns = 1000 * MS, .exch_ns = 1010 * MS, .resp_ns = 1030 * MS},
        {.req_ns = 2000 * MS, .exch_ns = 2030 * MS, .resp_ns = 2040 * MS},
        {.req_ns = 4000 * MS, .exch_ns = 4000 * MS, .resp_ns = 4010 * MS},
    };
    fx->cfg.entry = (struct cx_latency_cfg){.kind = CX_LAT_RECORDED, .rows = rows, .n_rows = 3};
    fx->cfg.response = fx->cfg.entry;
    fx_start(fx);
    book(fx, fx->spot, 100 * MS);
    /* Sent at 1.5 s: entry 10 + 20 x 0.5 = 20 ms, arrives 1.52 s; the response is looked up at
     * its venue time 1.52 s: 20 - 10 x 0.52 = 14.8 ms. */
    bid(fx, 1, fx->spot, 1500 * MS);
    struct cx_exec_report m = next_msg(fx, 2000 * MS);
    assert_int_equal(m.exch_ns, 1520 * MS);
    assert_int_equal(m.deliver_ns, 1520 * MS + 14800000);
    /* Sent at 5 s, after the series: the last row's 0 ms and 10 ms. */
    bid(fx, 2, fx->spot, 5000 * MS);
    m = next_msg(fx, 6000 * MS);
    assert_int_equal(m.exch_ns, 5000 * MS);
    assert_int_equal(m.deliver_ns, 5010 * MS);
    fx_free(fx);
}

/* Every configuration error of the two models, with the field it names. */
static void test_config(void **state)
{
    (void)state;
    struct fx *fx = fx_alloc();
    static const struct cx_sim_latency_row bad_order[] = {
        {.req_ns = 10, .exch_ns = 10, .resp_ns = 10},
        {.req_ns = 10, .exch_ns = 20, .resp_ns = 30},
    };
    static const struct cx_sim_latency_row bad_entry[] = {{.req_ns = 10, .exch_ns = 9,
                                                           .resp_ns = 30}};
    static const struct cx_sim_latency_row bad_resp[] = {{.req_ns = 10, .exch_ns = 20,
                                                          .resp_ns = 19}};
    const struct {
        struct cx_latency_cfg lat;
        bool is_response;
        const char *msg;
    } cases[] = {
        {{.kind = CX_LAT_RECORDED + 1}, false, "unknown latency kind"},
        {{.kind = CX_LAT_FEED, .mul_ppm = -1}, false, "feed latency mul_ppm must be in [0, 10^9]"},
        {{.kind = CX_LAT_FEED, .mul_ppm = INT64_C(1000000001)}, true,
         "feed latency mul_ppm must be in [0, 10^9]"},
        {{.kind = CX_LAT_FEED, .a_ns = -1}, false, "latency a_ns must be >= 0"},
        {{.kind = CX_LAT_FEED, .b_ns = 5}, false,
         "latency b_ns is not used by the feed and recorded models"},
        {{.kind = CX_LAT_FEED, .rows = k_rows, .n_rows = 3}, false,
         "latency rows are only for the recorded model"},
        {{.kind = CX_LAT_CONSTANT, .a_ns = 5, .mul_ppm = 1}, true,
         "latency mul_ppm is only for the feed model"},
        {{.kind = CX_LAT_LOGNORMAL, .a_ns = 5, .b_ns = 9, .n_rows = 1}, false,
         "latency rows are only for the recorded model"},
        {{.kind = CX_LAT_RECORDED}, false, "recorded latency needs rows (n_rows >= 1)"},
        {{.kind = CX_LAT_RECORDED, .rows = k_rows}, false,
         "recorded latency needs rows (n_rows >= 1)"},
        {{.kind = CX_LAT_RECORDED, .rows = k_rows, .n_rows = 3, .a_ns = 1}, true,
         "latency a_ns is not used by the recorded model"},
        {{.kind = CX_LAT_RECORDED, .rows = k_rows, .n_rows = 3, .mul_ppm = 1}, false,
         "latency mul_ppm is only for the feed model"},
        {{.kind = CX_LAT_RECORDED, .rows = bad_order, .n_rows = 2}, false,
         "recorded latency req_ns must strictly increase"},
        {{.kind = CX_LAT_RECORDED, .rows = bad_entry, .n_rows = 1}, true,
         "recorded latency row with a negative latency"},
        {{.kind = CX_LAT_RECORDED, .rows = bad_resp, .n_rows = 1}, false,
         "recorded latency row with a negative latency"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct cx_sim_cfg cfg = fx->cfg;
        if (cases[i].is_response)
            cfg.response = cases[i].lat;
        else
            cfg.entry = cases[i].lat;
        struct cx_sim *sim = NULL;
        struct cx_parse_err err;
        memset(&err, 0, sizeof err);
        assert_int_equal(cx_sim_new(&sim, &cfg, &err), CX_EINVAL);
        assert_null(sim);
        assert_string_equal(err.msg, cases[i].msg);
        assert_string_equal(err.detail, cases[i].is_response ? "response" : "entry");
    }
    /* The edges are accepted: mul 0 and 10^9, one row, equal latencies. */
    fx->cfg.entry = (struct cx_latency_cfg){.kind = CX_LAT_FEED, .mul_ppm = 1000000000};
    fx->cfg.response = (struct cx_latency_cfg){.kind = CX_LAT_RECORDED, .rows = bad_order + 1,
                                               .n_rows = 1};
    fx_start(fx);
    fx_free(fx);
}

/* ---------------------------------------------------------------------------------------------
 * MARK: the file loader
 * ------------------------------------------------------------------------------------------- */

/* Writes text to a new temporary file; its path goes to path[0..cap). */
static void temp_file(char *path, size_t cap, const char *text)
{
    snprintf(path, cap, "/tmp/cx_test_latency_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    size_t n = strlen(text);
    assert_int_equal(write(fd, text, n), (ssize_t)n);
    assert_int_equal(close(fd), 0);
}

static void test_load_good(void **state)
{
    (void)state;
    char path[64];
    temp_file(path, sizeof path,
              "req_ns,exch_ns,resp_ns\r\n"
              "1723161254000000000,1723161254004100000,1723161254008000000\r\n"
              "1723161255000000000,1723161255000000000,1723161255000000000\n"
              "01723161256000000000,1723161256002000000,1723161256009000000");
    struct cx_sim_latency_series s = {0};
    struct cx_parse_err err;
    memset(&err, 0, sizeof err);
    assert_int_equal(cx_sim_latency_load_csv(path, &s, &err), 0);
    unlink(path);
    assert_int_equal(s.n, 3);
    assert_int_equal(s.rows[0].req_ns, INT64_C(1723161254000000000));
    assert_int_equal(s.rows[0].exch_ns - s.rows[0].req_ns, 4100000);
    assert_int_equal(s.rows[0].resp_ns - s.rows[0].exch_ns, 3900000);
    assert_int_equal(s.rows[1].exch_ns, s.rows[1].req_ns);
    assert_int_equal(s.rows[2].req_ns, INT64_C(1723161256000000000)); /* leading 0 is fine */
    assert_int_equal(s.rows[2].resp_ns, INT64_C(1723161256009000000));
    /* It drives a model directly. */
    struct cx_latency_cfg c = {.kind = CX_LAT_RECORDED, .rows = s.rows, .n_rows = s.n};
    uint64_t rng = 0;
    assert_int_equal(cx_sim_latency_at(&c, false, INT64_C(1723161254500000000), 0, &rng),
                     2050000);
    cx_sim_latency_series_fini(&s);
    assert_null(s.rows);
    assert_int_equal(s.n, 0);
    cx_sim_latency_series_fini(NULL);
}

/* Expects the file text to fail with code at line:col with msg; *out is left untouched. */
static void expect_load_err(const char *text, int code, int64_t line, int32_t col,
                            const char *msg)
{
    char path[64];
    temp_file(path, sizeof path, text);
    struct cx_sim_latency_series s = {.rows = (struct cx_sim_latency_row *)&s, .n = 77};
    struct cx_parse_err err;
    memset(&err, 0, sizeof err);
    int rc = cx_sim_latency_load_csv(path, &s, &err);
    if (rc != code || err.line != line || err.col != col || strcmp(err.msg, msg) != 0)
        print_error("got %s at %lld:%d: %s\n", cx_err_name(rc), (long long)err.line, err.col,
                    err.msg ? err.msg : "");
    assert_string_equal(cx_err_name(rc), cx_err_name(code));
    assert_string_equal(err.file, path);
    assert_int_equal(err.line, line);
    assert_int_equal(err.col, col);
    assert_string_equal(err.msg, msg);
    assert_int_equal(s.n, 77);
    unlink(path);
}

static void test_load_errors(void **state)
{
    (void)state;
    const char *h = "req_ns,exch_ns,resp_ns\n";
    char text[256];
    expect_load_err("req,exch,resp\n1,2,3\n", CX_EPARSE, 1, 1,
                    "expected the header 'req_ns,exch_ns,resp_ns'");
    expect_load_err("", CX_EPARSE, 1, 1, "expected the header 'req_ns,exch_ns,resp_ns'");
    expect_load_err(h, CX_EMISSING, 2, 1, "no data row after the header");
    expect_load_err("req_ns,exch_ns,resp_ns", CX_EMISSING, 2, 1, "no data row after the header");
    snprintf(text, sizeof text, "%s1,2,3\n\n4,5,6\n", h);
    expect_load_err(text, CX_EPARSE, 3, 1, "empty line");
    snprintf(text, sizeof text, "%s1,2,3\n4,5\n", h);
    expect_load_err(text, CX_EPARSE, 3, 4, "expected 3 fields: req_ns,exch_ns,resp_ns");
    snprintf(text, sizeof text, "%s1,2,3,4\n", h);
    expect_load_err(text, CX_EPARSE, 2, 6, "more than 3 fields");
    snprintf(text, sizeof text, "%s1,-2,3\n", h);
    expect_load_err(text, CX_EPARSE, 2, 3,
                    "bad number: expected ns as digits (no sign, space or point)");
    snprintf(text, sizeof text, "%s1,2,3.5\n", h);
    expect_load_err(text, CX_EPARSE, 2, 6,
                    "bad number: expected ns as digits (no sign, space or point)");
    snprintf(text, sizeof text, "%s1, 2,3\n", h);
    expect_load_err(text, CX_EPARSE, 2, 3,
                    "bad number: expected ns as digits (no sign, space or point)");
    snprintf(text, sizeof text, "%s1,,3\n", h);
    expect_load_err(text, CX_EPARSE, 2, 3, "empty field: expected ns as digits");
    snprintf(text, sizeof text, "%s1,9223372036854775807,9223372036854775808\n", h);
    expect_load_err(text, CX_ERANGE, 2, 23, "number over 9223372036854775807 ns");
    snprintf(text, sizeof text, "%s10,20,30\n10,20,30\n", h);
    expect_load_err(text, CX_ETIME, 3, 1,
                    "req_ns not after the previous row's (must strictly increase)");
    snprintf(text, sizeof text, "%s10,20,30\n9,20,30\n", h);
    expect_load_err(text, CX_ETIME, 3, 1,
                    "req_ns not after the previous row's (must strictly increase)");
    snprintf(text, sizeof text, "%s10,20,30\n100,99,130\n", h);
    expect_load_err(text, CX_ETIME, 3, 5, "exch_ns before req_ns (negative entry latency)");
    snprintf(text, sizeof text, "%s10,20,30\n100,110,109\n", h);
    expect_load_err(text, CX_ETIME, 3, 9, "resp_ns before exch_ns (negative response latency)");

    /* Arguments and the file itself. */
    struct cx_sim_latency_series s = {0};
    struct cx_parse_err err;
    memset(&err, 0, sizeof err);
    assert_int_equal(cx_sim_latency_load_csv(NULL, &s, &err), CX_EINVAL);
    assert_int_equal(cx_sim_latency_load_csv("/tmp", NULL, NULL), CX_EINVAL);
    assert_int_equal(cx_sim_latency_load_csv("/nonexistent/latency.csv", &s, &err), CX_ENOENT);
    assert_string_equal(err.file, "/nonexistent/latency.csv");
    assert_int_equal(err.line, 0);
    assert_int_equal(cx_sim_latency_load_csv("/tmp", &s, &err), CX_EIO);
    assert_string_equal(err.msg, "not a readable regular file");
    assert_null(s.rows);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_feed_formula),  cmocka_unit_test(test_recorded_interpolation),
        cmocka_unit_test(test_feed_window),   cmocka_unit_test(test_feed_in_sim),
        cmocka_unit_test(test_recorded_in_sim), cmocka_unit_test(test_config),
        cmocka_unit_test(test_load_good),     cmocka_unit_test(test_load_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
