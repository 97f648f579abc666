/* SPDX-License-Identifier: MIT */
/*
 * The pre-trade risk gate (risk.h, src/risk/gate.c), one test per limit kind, on a small
 * registry whose numbers make each rule visible: a spot TSTUSDT with tick 0.10, lot 0.010,
 * minimum quantity 0.020 and minimum notional 5 USDT; a linear perp TSTUSDT (lot 0.001,
 * minimum notional 5); and a Gate-style contract perp TST_USDT of 0.01 TST per contract, so
 * exposure in base units crosses venues and contract sizes. Every refusal is checked by its
 * reason, and the orders just inside each limit are checked to pass.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cexarb/risk.h"

#define ONE INT64_C(100000000) /* one unit at CX_NOTIONAL_EXP */
#define S CX_NS_PER_S

struct fx {
    struct cx_registry reg;
    uint32_t spot, perp, gate;
};

static struct cx_instrument inst(enum cx_venue venue, enum cx_inst_kind kind, const char *sym)
{
    struct cx_instrument in;
    memset(&in, 0, sizeof in);
    in.venue = (uint8_t)venue;
    in.kind = (uint8_t)kind;
    in.price_exp = -2;
    in.qty_exp = -3;
    snprintf(in.symbol, sizeof in.symbol, "%s", sym);
    snprintf(in.base, sizeof in.base, "TST");
    snprintf(in.quote, sizeof in.quote, "USDT");
    in.multiplier = 1;
    return in;
}

static int setup(void **state)
{
    static struct fx fx;
    memset(&fx, 0, sizeof fx);
    if (cx_registry_init(&fx.reg, 4) != 0)
        return -1;
    struct cx_instrument s = inst(CX_VENUE_BINANCE_SPOT, CX_KIND_SPOT, "TSTUSDT");
    s.tick = 10;
    s.lot = 10;
    s.min_qty = 20;
    s.min_notional = 5 * ONE;
    struct cx_instrument p = inst(CX_VENUE_BINANCE_USDM, CX_KIND_LINEAR_PERP, "TSTUSDT");
    p.tick = 10;
    p.lot = 1;
    p.min_qty = 1;
    p.min_notional = 5 * ONE;
    /* Gate USDT futures: sizes in contracts, 0.01 TST each (multiplier 1 at 10^-2). */
    struct cx_instrument g = inst(CX_VENUE_GATE_FUTURES, CX_KIND_LINEAR_PERP, "TST_USDT");
    g.qty_exp = 0;
    g.multiplier = 1;
    g.multiplier_exp = -2;
    g.tick = 10;
    g.lot = 1;
    if (cx_registry_add(&fx.reg, &s, &fx.spot) != 0 || cx_registry_add(&fx.reg, &p, &fx.perp) != 0 ||
        cx_registry_add(&fx.reg, &g, &fx.gate) != 0)
        return -1;
    *state = &fx;
    return 0;
}

static int teardown(void **state)
{
    struct fx *fx = *state;
    cx_registry_fini(&fx->reg);
    return 0;
}

static struct cx_order_req limit(uint32_t inst_id, int side, int64_t price_m, int64_t qty_m)
{
    return (struct cx_order_req){.client_id = 1, .inst_id = inst_id, .side = (uint8_t)side,
                                 .type = CX_ORD_LIMIT, .tif = CX_TIF_GTC, .price_m = price_m,
                                 .qty_m = qty_m};
}

static struct cx_risk_gate *gate(struct fx *fx, const struct cx_risk_limits *lim)
{
    struct cx_risk_gate *g = NULL;
    struct cx_parse_err err = {0};
    assert_int_equal(cx_risk_gate_new(&g, lim, &fx->reg, &err), 0);
    return g;
}

static void test_filters(void **state)
{
    struct fx *fx = *state;
    struct cx_risk_limits lim = {0};
    struct cx_risk_gate *g = gate(fx, &lim);
    struct cx_order_req r;
    r = limit(fx->spot, CX_SIDE_BID, 10005, 100); /* 100.05: not on the 0.10 grid */
    assert_int_equal(cx_risk_gate_check(g, &r, 0, 0), CX_REJ_RISK_TICK);
    r = limit(fx->spot, CX_SIDE_BID, 10000, 105); /* 0.105: not a multiple of 0.010 */
    assert_int_equal(cx_risk_gate_check(g, &r, 0, 0), CX_REJ_RISK_LOT);
    r = limit(fx->spot, CX_SIDE_BID, 10000, 10); /* 0.010 < 0.020 */
    assert_int_equal(cx_risk_gate_check(g, &r, 0, 0), CX_REJ_RISK_MIN_QTY);
    r = limit(fx->spot, CX_SIDE_BID, 10000, 40); /* 0.040 x 100.00 = 4 USDT < 5 */
    assert_int_equal(cx_risk_gate_check(g, &r, 0, 0), CX_REJ_RISK_MIN_NOTIONAL);
    r = limit(fx->spot, CX_SIDE_BID, 10000, 50); /* 5 USDT: at the minimum */
    assert_int_equal(cx_risk_gate_check(g, &r, 0, 0), CX_REJ_NONE);
    /* A market order is judged at the reference price, and not at all without one. */
    r = limit(fx->spot, CX_SIDE_BID, 0, 40);
    r.type = CX_ORD_MARKET;
    r.tif = CX_TIF_IOC;
    assert_int_equal(cx_risk_gate_check(g, &r, 10000, 0), CX_REJ_RISK_MIN_NOTIONAL);
    assert_int_equal(cx_risk_gate_check(g, &r, 20000, 0), CX_REJ_NONE);
    assert_int_equal(cx_risk_gate_check(g, &r, 0, 0), CX_REJ_NONE);
    /* Perps: reduce-only orders are exempt from the minimum notional (Binance -4164). */
    r = limit(fx->perp, CX_SIDE_ASK, 10000, 10); /* 1 USDT */
    assert_int_equal(cx_risk_gate_check(g, &r, 0, 0), CX_REJ_RISK_MIN_NOTIONAL);
    r.flags = CX_ORD_F_REDUCE_ONLY;
    assert_int_equal(cx_risk_gate_check(g, &r, 0, 0), CX_REJ_NONE);
    /* Malformed requests. */
    r = limit(fx->spot, CX_SIDE_BID, 10000, 0);
    assert_int_equal(cx_risk_gate_check(g, &r, 0, 0), CX_REJ_INVALID);
    r = limit(99, CX_SIDE_BID, 10000, 50);
    assert_int_equal(cx_risk_gate_check(g, &r, 0, 0), CX_REJ_INVALID);
    const uint64_t *ref = cx_risk_gate_refusals(g);
    assert_int_equal(ref[CX_REJ_RISK_TICK], 1);
    assert_int_equal(ref[CX_REJ_RISK_MIN_NOTIONAL], 3);
    assert_int_equal(ref[CX_REJ_INVALID], 2);
    cx_risk_gate_free(g);
    /* skip_filters leaves them to the venue. */
    lim.skip_filters = true;
    g = gate(fx, &lim);
    r = limit(fx->spot, CX_SIDE_BID, 10005, 105);
    assert_int_equal(cx_risk_gate_check(g, &r, 0, 0), CX_REJ_NONE);
    cx_risk_gate_free(g);
}

static void test_max_order_notional(void **state)
{
    struct fx *fx = *state;
    struct cx_risk_limits lim = {.max_order_notional = 100 * ONE};
    struct cx_risk_gate *g = gate(fx, &lim);
    struct cx_order_req r = limit(fx->spot, CX_SIDE_BID, 10000, 1000); /* 100 USDT: at it */
    assert_int_equal(cx_risk_gate_check(g, &r, 0, 0), CX_REJ_NONE);
    r.qty_m = 1010; /* 101 USDT */
    assert_int_equal(cx_risk_gate_check(g, &r, 0, 0), CX_REJ_RISK_MAX_NOTIONAL);
    /* Contracts count with their multiplier: 2000 x 0.01 TST x 100 USDT = 2000 USDT. */
    r = limit(fx->gate, CX_SIDE_ASK, 10000, 2000);
    assert_int_equal(cx_risk_gate_check(g, &r, 0, 0), CX_REJ_RISK_MAX_NOTIONAL);
    r.qty_m = 100; /* 100 USDT */
    assert_int_equal(cx_risk_gate_check(g, &r, 0, 0), CX_REJ_NONE);
    cx_risk_gate_free(g);
}

static void test_max_open_orders(void **state)
{
    struct fx *fx = *state;
    struct cx_risk_limits lim = {.max_open_orders = 2};
    struct cx_risk_gate *g = gate(fx, &lim);
    struct cx_order_req r = limit(fx->spot, CX_SIDE_BID, 10000, 100);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(cx_risk_gate_check(g, &r, 0, 0), CX_REJ_NONE);
        cx_risk_gate_on_sent(g, &r, 0);
    }
    assert_int_equal(cx_risk_gate_check(g, &r, 0, 0), CX_REJ_RISK_MAX_OPEN_ORDERS);
    cx_risk_gate_on_final(g, &r, r.qty_m); /* one cancelled: room again */
    assert_int_equal(cx_risk_gate_check(g, &r, 0, 0), CX_REJ_NONE);
    cx_risk_gate_free(g);
}

static void test_order_rate(void **state)
{
    struct fx *fx = *state;
    struct cx_risk_limits lim = {.max_orders_per_window = 3, .order_window_ns = S};
    struct cx_risk_gate *g = gate(fx, &lim);
    struct cx_order_req r = limit(fx->spot, CX_SIDE_BID, 10000, 100);
    const int64_t t0 = 1000 * S;
    for (int i = 0; i < 3; i++) {
        assert_int_equal(cx_risk_gate_check(g, &r, 0, t0 + i * S / 10), CX_REJ_NONE);
        cx_risk_gate_on_sent(g, &r, t0 + i * S / 10);
    }
    /* Three sends in the last second: the fourth waits until the first leaves the window. */
    assert_int_equal(cx_risk_gate_check(g, &r, 0, t0 + S / 2), CX_REJ_RISK_ORDER_RATE);
    assert_int_equal(cx_risk_gate_check(g, &r, 0, t0 + S - 1), CX_REJ_RISK_ORDER_RATE);
    assert_int_equal(cx_risk_gate_check(g, &r, 0, t0 + S), CX_REJ_NONE);
    cx_risk_gate_on_sent(g, &r, t0 + S);
    /* Now the window holds 0.1, 0.2 and 1.0 s: the next send needs 1.1 s. */
    assert_int_equal(cx_risk_gate_check(g, &r, 0, t0 + S + S / 20), CX_REJ_RISK_ORDER_RATE);
    assert_int_equal(cx_risk_gate_check(g, &r, 0, t0 + S + S / 10), CX_REJ_NONE);
    cx_risk_gate_free(g);
}

static void test_max_position(void **state)
{
    struct fx *fx = *state;
    struct cx_risk_limits lim = {.n_inst = 1};
    lim.inst[0] = (struct cx_risk_inst_limit){.venue = CX_VENUE_BINANCE_SPOT,
                                              .max_abs_base = ONE}; /* 1 TST */
    snprintf(lim.inst[0].symbol, sizeof lim.inst[0].symbol, "TSTUSDT");
    struct cx_risk_gate *g = gate(fx, &lim);
    struct cx_order_req b = limit(fx->spot, CX_SIDE_BID, 10000, 600);
    assert_int_equal(cx_risk_gate_check(g, &b, 0, 0), CX_REJ_NONE);
    cx_risk_gate_on_sent(g, &b, 0); /* 0.600 open */
    b.qty_m = 500;                  /* worst case 1.100 */
    assert_int_equal(cx_risk_gate_check(g, &b, 0, 0), CX_REJ_RISK_MAX_POSITION);
    b.qty_m = 400; /* worst case 1.000: at the limit */
    assert_int_equal(cx_risk_gate_check(g, &b, 0, 0), CX_REJ_NONE);
    /* The other side is judged on its own worst case. */
    struct cx_order_req s = limit(fx->spot, CX_SIDE_ASK, 10000, 2000);
    assert_int_equal(cx_risk_gate_check(g, &s, 0, 0), CX_REJ_RISK_MAX_POSITION);
    /* Fill the 0.600 buy: long 0.600; selling 1.600 ends exactly at -1.000. */
    struct cx_fill f = {.inst_id = fx->spot, .side = CX_SIDE_BID, .price_m = 10000, .qty_m = 600};
    cx_risk_gate_on_fill(g, &f);
    cx_risk_gate_on_final(g, &(struct cx_order_req){.inst_id = fx->spot, .side = CX_SIDE_BID}, 0);
    s.qty_m = 1600;
    assert_int_equal(cx_risk_gate_check(g, &s, 0, 0), CX_REJ_NONE);
    s.qty_m = 1610;
    assert_int_equal(cx_risk_gate_check(g, &s, 0, 0), CX_REJ_RISK_MAX_POSITION);
    /* A position seeded at start-up counts the same way. */
    assert_int_equal(cx_risk_gate_set_position(g, fx->spot, 1000), 0);
    b.qty_m = 50;
    assert_int_equal(cx_risk_gate_check(g, &b, 0, 0), CX_REJ_RISK_MAX_POSITION);
    assert_int_equal(cx_risk_gate_set_position(g, 99, 0), CX_EINVAL);
    cx_risk_gate_free(g);
}

static void test_max_asset_across_venues(void **state)
{
    struct fx *fx = *state;
    struct cx_risk_limits lim = {.n_asset = 1};
    lim.asset[0] = (struct cx_risk_asset_limit){.max_abs_base = ONE + ONE / 2}; /* 1.5 TST */
    snprintf(lim.asset[0].asset, sizeof lim.asset[0].asset, "TST");
    struct cx_risk_gate *g = gate(fx, &lim);
    /* Long 1.000 TST spot (a fill of an order the gate did not see: nothing goes negative). */
    struct cx_fill f = {.inst_id = fx->spot, .side = CX_SIDE_BID, .price_m = 10000, .qty_m = 1000};
    cx_risk_gate_on_fill(g, &f);
    /* A perp buy of 0.600 would make 1.6 TST across the two venues. */
    struct cx_order_req r = limit(fx->perp, CX_SIDE_BID, 10000, 600);
    assert_int_equal(cx_risk_gate_check(g, &r, 0, 0), CX_REJ_RISK_MAX_ASSET);
    r.qty_m = 500;
    assert_int_equal(cx_risk_gate_check(g, &r, 0, 0), CX_REJ_NONE);
    /* The hedge (selling the perp) reduces the net exposure: 1.0 - 2.0 = -1.0 passes. */
    r = limit(fx->perp, CX_SIDE_ASK, 10000, 2000);
    assert_int_equal(cx_risk_gate_check(g, &r, 0, 0), CX_REJ_NONE);
    /* Contracts in base units: 60 Gate contracts = 0.6 TST, 50 = 0.5 TST. */
    r = limit(fx->gate, CX_SIDE_BID, 10000, 60);
    assert_int_equal(cx_risk_gate_check(g, &r, 0, 0), CX_REJ_RISK_MAX_ASSET);
    r.qty_m = 50;
    assert_int_equal(cx_risk_gate_check(g, &r, 0, 0), CX_REJ_NONE);
    /* A hedge is never blocked: with 3 TST of spot sells resting (a worst case of -2.0 TST on
     * the sell side), selling 0.5 TST of perp still lowers the net exposure now (1.0 -> 0.5)
     * and passes; selling 2.1 would flip it past its mirror image and is judged on the worst
     * case. */
    struct cx_order_req rest = limit(fx->spot, CX_SIDE_ASK, 10000, 3000);
    cx_risk_gate_on_sent(g, &rest, 0);
    r = limit(fx->perp, CX_SIDE_ASK, 10000, 500);
    assert_int_equal(cx_risk_gate_check(g, &r, 0, 0), CX_REJ_NONE);
    r.qty_m = 2100;
    assert_int_equal(cx_risk_gate_check(g, &r, 0, 0), CX_REJ_RISK_MAX_ASSET);
    cx_risk_gate_on_final(g, &rest, rest.qty_m);
    /* Open orders elsewhere count: 0.5 TST of open perp buys leave no room on Gate. */
    struct cx_order_req p = limit(fx->perp, CX_SIDE_BID, 10000, 500);
    cx_risk_gate_on_sent(g, &p, 0);
    r = limit(fx->gate, CX_SIDE_BID, 10000, 1);
    assert_int_equal(cx_risk_gate_check(g, &r, 0, 0), CX_REJ_RISK_MAX_ASSET);
    cx_risk_gate_free(g);
}

static void test_new_errors(void **state)
{
    struct fx *fx = *state;
    struct cx_risk_gate *g = NULL;
    struct cx_parse_err err = {0};
    struct cx_risk_limits lim = {.n_inst = 2};
    lim.inst[0] = (struct cx_risk_inst_limit){.venue = CX_VENUE_BINANCE_SPOT, .max_abs_base = 1};
    snprintf(lim.inst[0].symbol, sizeof lim.inst[0].symbol, "TSTUSDT");
    lim.inst[1] = (struct cx_risk_inst_limit){.venue = CX_VENUE_BINANCE_SPOT, .max_abs_base = 1};
    snprintf(lim.inst[1].symbol, sizeof lim.inst[1].symbol, "NOPEUSDT");
    assert_int_equal(cx_risk_gate_new(&g, &lim, &fx->reg, &err), CX_ESYMBOL);
    assert_string_equal(err.detail, "risk.max_position[1]");
    lim.inst[1].max_abs_base = 0;
    assert_int_equal(cx_risk_gate_new(&g, &lim, &fx->reg, &err), CX_EINVAL);
    assert_string_equal(err.detail, "risk.max_position[1]");
    struct cx_risk_limits neg = {.max_order_notional = -1};
    assert_int_equal(cx_risk_gate_new(&g, &neg, &fx->reg, NULL), CX_EINVAL);
    assert_null(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_filters),
        cmocka_unit_test(test_max_order_notional),
        cmocka_unit_test(test_max_open_orders),
        cmocka_unit_test(test_order_rate),
        cmocka_unit_test(test_max_position),
        cmocka_unit_test(test_max_asset_across_venues),
        cmocka_unit_test(test_new_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
