/* SPDX-License-Identifier: MIT */
/*
 * The probability functions of the simulated venue's probabilistic queue model (sim.h enum
 * cx_queue_func, src/sim/match.c prob_behind), each on a hand-computed worked example: a bid
 * resting behind 6 units, 2 units joining behind it, then 4 units cancelled with no trade
 * (front 6, back 2, d = 4), then a print of 1 at our price and a decrease that the print alone
 * explains. Formulas: hftbacktest/src/backtest/models/queue.rs (PowerProbQueueFunc,
 * LogProbQueueFunc, PowerProbQueueFunc2, LogProbQueueFunc2, PowerProbQueueFunc3); the update
 * front -= (1 - p) d + max(p d - back, 0) is ProbQueueModel::depth. Also: the log functions
 * depend on the quantity unit and the power ones do not, a decrease larger than the back spills
 * into the front, and an unknown function is refused at configuration.
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

#define PX(x) ((int64_t)((x) * 100.0 + 0.5))   /* price @ 1e-2 */
#define QTY(x) ((int64_t)((x) * 1000.0 + 0.5)) /* qty @ 1e-3 */
#define ENTRY_NS 1000
#define RESP_NS 500

struct fx {
    struct cx_registry reg;
    uint32_t spot;
    struct cx_sim_cfg cfg;
    struct cx_sim *sim;
    uint64_t last_seq;
    uint64_t trade_id;
};

/* A spot instrument TSTUSDT: tick 0.01, quantities at 1e-3 TST; no account (not checked). */
static struct fx *fx_new(uint8_t fn, double power)
{
    struct fx *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    assert_int_equal(cx_registry_init(&fx->reg, 2), 0);
    struct cx_instrument in;
    memset(&in, 0, sizeof in);
    in.venue = CX_VENUE_BINANCE_SPOT;
    in.kind = CX_KIND_SPOT;
    in.price_exp = -2;
    in.qty_exp = -3;
    in.tick = 1;
    in.lot = 1;
    in.multiplier = 1;
    snprintf(in.symbol, sizeof in.symbol, "TSTUSDT");
    snprintf(in.base, sizeof in.base, "TST");
    snprintf(in.quote, sizeof in.quote, "USDT");
    assert_int_equal(cx_registry_add(&fx->reg, &in, &fx->spot), 0);
    fx->cfg.reg = &fx->reg;
    fx->cfg.entry = (struct cx_latency_cfg){.kind = CX_LAT_CONSTANT, .a_ns = ENTRY_NS};
    fx->cfg.response = (struct cx_latency_cfg){.kind = CX_LAT_CONSTANT, .a_ns = RESP_NS};
    fx->cfg.queue_model = CX_QUEUE_PROB_POWER;
    fx->cfg.queue_function = fn;
    fx->cfg.queue_power = power;
    struct cx_parse_err err;
    memset(&err, 0, sizeof err);
    if (cx_sim_new(&fx->sim, &fx->cfg, &err) != 0)
        fail_msg("cx_sim_new: %s (%s)", err.msg ? err.msg : "?", err.detail);
    return fx;
}

static void fx_free(struct fx *fx)
{
    cx_sim_free(fx->sim);
    cx_registry_fini(&fx->reg);
    free(fx);
}

/* One depth message: the bid level at 99.90 (and, in the snapshot, an ask at 100.10 x 2). */
static void depth(struct fx *fx, bool is_snapshot, int64_t bid_qty_m, int64_t t)
{
    struct cx_md_event ev[2];
    memset(ev, 0, sizeof ev);
    uint32_t n = is_snapshot ? 2 : 1;
    uint64_t seq = is_snapshot ? fx->last_seq + 100 : fx->last_seq + 1;
    fx->last_seq = seq;
    for (uint32_t i = 0; i < n; i++) {
        ev[i].exch_ts_ns = ev[i].local_ts_ns = t;
        ev[i].seq = seq;
        ev[i].inst_id = fx->spot;
        ev[i].type = is_snapshot ? CX_MD_DEPTH_SNAPSHOT : CX_MD_DEPTH_DELTA;
        ev[i].u.level.seq_first = seq;
        ev[i].u.level.price_m = i == 0 ? PX(99.90) : PX(100.10);
        ev[i].u.level.qty_m = i == 0 ? bid_qty_m : QTY(2);
        ev[i].flags = (i == 1 ? CX_MD_F_ASK : 0) | (i == 0 ? CX_MD_F_BEGIN : 0) |
                      (i == n - 1 ? CX_MD_F_END : 0);
    }
    struct cx_md_batch b = {.ev = ev, .n = n, .cap = 2,
                            .kind = is_snapshot ? CX_MD_KIND_SNAPSHOT : CX_MD_KIND_DEPTH,
                            .venue = CX_VENUE_BINANCE_SPOT, .inst_id = fx->spot, .local_ts_ns = t};
    assert_int_equal(cx_sim_on_market(fx->sim, &b, t), 0);
}

/* A print of qty at 99.90 by a seller (it hits our bid's level). */
static void sell_print(struct fx *fx, int64_t qty_m, int64_t t)
{
    struct cx_md_event e;
    memset(&e, 0, sizeof e);
    e.exch_ts_ns = e.local_ts_ns = t;
    e.seq = ++fx->trade_id;
    e.inst_id = fx->spot;
    e.type = CX_MD_TRADE;
    e.flags = CX_MD_F_SINGLE;
    e.u.trade.price_m = PX(99.90);
    e.u.trade.qty_m = qty_m;
    struct cx_md_batch b = {.ev = &e, .n = 1, .cap = 1, .kind = CX_MD_KIND_TRADE,
                            .venue = CX_VENUE_BINANCE_SPOT, .inst_id = fx->spot,
                            .local_ts_ns = t};
    assert_int_equal(cx_sim_on_market(fx->sim, &b, t), 0);
}

static int64_t queue_of(const struct fx *fx)
{
    int64_t q = -1;
    assert_int_equal(cx_sim_queue_ahead(fx->sim, 1, &q), 0);
    return q;
}

/*
 * The script, with every quantity multiplied by `scale`: a bid for 1 x scale rests behind the
 * level of 6 x scale; out[0] its queue; the level grows to 8 x scale (2 join behind: out[1]),
 * falls to 4 x scale with no trade (d = 4 x scale: out[2]), a print of 1 x scale (out[3]),
 * the level falls to 3 x scale (d = 0, the print explains it: out[4]).
 */
static void script(uint8_t fn, double power, int64_t scale, int64_t out[5])
{
    struct fx *fx = fx_new(fn, power);
    int64_t t = 1000000;
    depth(fx, true, QTY(6) * scale, t);
    struct cx_order_req r = {.client_id = 1, .inst_id = fx->spot, .side = CX_SIDE_BID,
                             .type = CX_ORD_LIMIT, .tif = CX_TIF_POST_ONLY,
                             .price_m = PX(99.90), .qty_m = QTY(1) * scale};
    assert_int_equal(cx_sim_submit(fx->sim, &r, t += 10), 0);
    assert_int_equal(cx_sim_advance(fx->sim, t += ENTRY_NS), 0);
    out[0] = queue_of(fx);
    depth(fx, false, QTY(8) * scale, t += 10);
    out[1] = queue_of(fx);
    depth(fx, false, QTY(4) * scale, t += 10);
    out[2] = queue_of(fx);
    sell_print(fx, QTY(1) * scale, t += 10);
    out[3] = queue_of(fx);
    depth(fx, false, QTY(3) * scale, t += 10);
    out[4] = queue_of(fx);
    fx_free(fx);
}

/* ---------------------------------------------------------------------------------------------
 * MARK: worked examples (front 6, back 2, d = 4)
 * ------------------------------------------------------------------------------------------- */

static void test_power(void **state)
{
    (void)state;
    int64_t q[5];
    /* p = 2^2 / (2^2 + 6^2) = 0.1: the front moves by 0.9 x 4 = 3.6 -> 2.4; the print takes 1
     * -> 1.4; the last decrease is the print (d = 4 - 3 - 1 = 0): only the clamp, 1.4. */
    script(CX_QUEUE_FN_POWER, 2.0, 1, q);
    assert_int_equal(q[0], QTY(6));
    assert_int_equal(q[1], QTY(6));
    assert_int_equal(q[2], QTY(2.4));
    assert_int_equal(q[3], QTY(1.4));
    assert_int_equal(q[4], QTY(1.4));
}

static void test_log(void **state)
{
    (void)state;
    int64_t q[5];
    /* p = ln 3 / (ln 3 + ln 7) = 1.0986123 / 3.0445224 = 0.3608488; the front moves by
     * 0.6391512 x 4 = 2.5566048, rounded down to the mantissa: 2.556 -> 6 - 2.556 = 3.444;
     * p x 4 = 1.443 < back 2: nothing spills. The print -> 2.444, then the clamp keeps it. */
    script(CX_QUEUE_FN_LOG, 2.0, 1, q);
    assert_int_equal(q[1], QTY(6));
    assert_int_equal(q[2], QTY(3.444));
    assert_int_equal(q[3], QTY(2.444));
    assert_int_equal(q[4], QTY(2.444));
}

static void test_power2(void **state)
{
    (void)state;
    int64_t q[5];
    /* p = (2 / 8)^2 = 0.0625: the front moves by 0.9375 x 4 = 3.75 -> 2.25, then 1.25. */
    script(CX_QUEUE_FN_POWER2, 2.0, 1, q);
    assert_int_equal(q[2], QTY(2.25));
    assert_int_equal(q[3], QTY(1.25));
    assert_int_equal(q[4], QTY(1.25));
    /* n = 1: p = 2 / 8 = 0.25 (the same as power with n = 1): 0.75 x 4 = 3 -> 3. */
    script(CX_QUEUE_FN_POWER2, 1.0, 1, q);
    assert_int_equal(q[2], QTY(3));
}

static void test_log2(void **state)
{
    (void)state;
    int64_t q[5];
    /* p = ln 3 / ln 9 = 0.5 (ln 9 = 2 ln 3): the front moves by 0.5 x 4 = 2 -> 4; p x 4 = 2 =
     * back: nothing spills. The print -> 3, and the clamp to the level (3) agrees. */
    script(CX_QUEUE_FN_LOG2, 2.0, 1, q);
    assert_int_equal(q[2], QTY(4));
    assert_int_equal(q[3], QTY(3));
    assert_int_equal(q[4], QTY(3));
}

static void test_power3(void **state)
{
    (void)state;
    int64_t q[5];
    /* p = 1 - (6 / 8)^2 = 0.4375: the front moves by 0.5625 x 4 = 2.25 -> 3.75, then 2.75. */
    script(CX_QUEUE_FN_POWER3, 2.0, 1, q);
    assert_int_equal(q[2], QTY(3.75));
    assert_int_equal(q[3], QTY(2.75));
    assert_int_equal(q[4], QTY(2.75));
    /* n = 3: p = 1 - 0.421875 = 0.578125; p x 4 = 2.3125 exceeds back 2, so the front moves
     * by 0.421875 x 4 + 0.3125 = 2 -> 4 (not 6 - 1.6875: the spill-over term counts). */
    script(CX_QUEUE_FN_POWER3, 3.0, 1, q);
    assert_int_equal(q[2], QTY(4));
}

/* ---------------------------------------------------------------------------------------------
 * MARK: units, spill-over, configuration
 * ------------------------------------------------------------------------------------------- */

/* The log functions read quantities in the venue's unit: the same book 1000 times larger gives
 * another probability; the power functions only see the ratio. */
static void test_scale(void **state)
{
    (void)state;
    int64_t q[5];
    /* Front 6000, back 2000, d = 4000: p = ln 2001 / (ln 2001 + ln 6001) = 7.6014 / 16.3011 =
     * 0.4663127; the front moves by 0.5336873 x 4000 = 2134.749 -> 3865.251 (not 3444). */
    script(CX_QUEUE_FN_LOG, 2.0, 1000, q);
    assert_int_equal(q[2], QTY(3865.251));
    /* log2: p = ln 2001 / ln 8001 = 0.8457917: p x 4000 = 3383.2 exceeds back 2000, so the
     * front loses (1 - p) x 4000 + 1383.2 = 2000 exactly -> 4000 (the same as at scale 1 only
     * because everything behind us went). */
    script(CX_QUEUE_FN_LOG2, 2.0, 1000, q);
    assert_int_equal(q[2], QTY(4000));
    /* power, power2, power3: 1000 x the scale-1 answers. */
    script(CX_QUEUE_FN_POWER, 2.0, 1000, q);
    assert_int_equal(q[2], QTY(2400));
    script(CX_QUEUE_FN_POWER2, 2.0, 1000, q);
    assert_int_equal(q[2], QTY(2250));
    script(CX_QUEUE_FN_POWER3, 2.0, 1000, q);
    assert_int_equal(q[2], QTY(3750));
}

/* A decrease larger than the quantity behind us: the excess of p d over back comes from the
 * front (hftbacktest's min(back - p chg, 0) term). */
static void test_spill(void **state)
{
    (void)state;
    struct fx *fx = fx_new(CX_QUEUE_FN_POWER3, 2.0);
    int64_t t = 1000000;
    depth(fx, true, QTY(2), t);
    struct cx_order_req r = {.client_id = 1, .inst_id = fx->spot, .side = CX_SIDE_BID,
                             .type = CX_ORD_LIMIT, .tif = CX_TIF_POST_ONLY,
                             .price_m = PX(99.90), .qty_m = QTY(1)};
    assert_int_equal(cx_sim_submit(fx->sim, &r, t += 10), 0);
    assert_int_equal(cx_sim_advance(fx->sim, t += ENTRY_NS), 0);
    depth(fx, false, QTY(10), t += 10); /* front 2, back 8 */
    depth(fx, false, QTY(3), t += 10);  /* d = 7 */
    /* p = 1 - (2 / 10)^2 = 0.96; p d = 6.72 < back 8: the front moves by 0.04 x 7 = 0.28 ->
     * 1.72. Then the level falls to 0.5 (d = 2.5, front 1.72, back 3 - 1.72 = 1.28):
     * p = 1 - (1.72 / 3)^2 = 0.6712889, p d = 1.678 > back 1.28: the front loses
     * 0.3287111 x 2.5 + 0.398222 = 1.22 -> 0.5, and the clamp to the level agrees. */
    assert_int_equal(queue_of(fx), QTY(1.72));
    depth(fx, false, QTY(0.5), t += 10);
    assert_int_equal(queue_of(fx), QTY(0.5));
    assert_int_equal(cx_sim_stats(fx->sim)->queue_cancel_moves, 2);
    fx_free(fx);
}

static void test_config(void **state)
{
    (void)state;
    struct cx_registry reg;
    assert_int_equal(cx_registry_init(&reg, 1), 0);
    struct cx_sim_cfg cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.reg = &reg;
    cfg.queue_model = CX_QUEUE_PROB_POWER;
    cfg.queue_function = CX_QUEUE_FN_POWER3 + 1;
    struct cx_sim *sim = NULL;
    struct cx_parse_err err;
    memset(&err, 0, sizeof err);
    assert_int_equal(cx_sim_new(&sim, &cfg, &err), CX_EINVAL);
    assert_string_equal(err.detail, "queue_function");
    assert_string_equal(err.msg, "unknown queue function");
    assert_null(sim);
    cfg.queue_function = CX_QUEUE_FN_LOG2;
    assert_int_equal(cx_sim_new(&sim, &cfg, &err), 0);
    cx_sim_free(sim);
    cx_registry_fini(&reg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_power),  cmocka_unit_test(test_log),
        cmocka_unit_test(test_power2), cmocka_unit_test(test_log2),
        cmocka_unit_test(test_power3), cmocka_unit_test(test_scale),
        cmocka_unit_test(test_spill),  cmocka_unit_test(test_config),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
