/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the oms module: money helpers, accounts, the order table and lifecycle, and
 * average-cost positions. The lifecycle test drives an order into every status and attempts
 * every transition, comparing with an independently written list of the diagram's edges. The
 * money and position tests check known answers worked out by hand (in the comments), and a
 * property test applies 200,000 random fills (fixed-seed xorshift64*) at real venue exponents
 * and requires the accounting identities to hold exactly, in integers, after every fill.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cexarb/oms.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------------------------------------
 * MARK: fixtures
 * ------------------------------------------------------------------------------------------- */

/* Instrument ids in the test registry (added in this order). */
enum {
    I_UNIT = 0,   /* spot, price_exp 0, qty_exp 0: whole-number known answers */
    I_BN_SPOT,    /* Binance spot BTCUSDT: -8/-8, 0.1 % fees */
    I_BN_USDM,    /* Binance USD-M BTCUSDT: -2/-3, 0.02 % / 0.05 % */
    I_GATE_PERP,  /* Gate BTC_USDT futures: -1/0, 0.0001 BTC per contract, -0.01 % / 0.075 % */
    I_GATE_SPOT,  /* Gate spot BTC_USDT: -1/-10 */
    I_INVERSE,    /* an inverse perp (unsupported) */
    I_TRUNC,      /* spot, price_exp -8, qty_exp 0: values of a few 1e-8, to see truncation */
    I_COUNT
};

static void add_inst(struct cx_registry *reg, uint8_t venue, uint8_t kind, const char *sym,
                     const char *base, const char *quote, int pe, int qe, int64_t mult,
                     int mult_exp, int64_t maker_ppb, int64_t taker_ppb, uint32_t want_id)
{
    struct cx_instrument in;
    memset(&in, 0, sizeof in);
    in.venue = venue;
    in.kind = kind;
    in.price_exp = (int8_t)pe;
    in.qty_exp = (int8_t)qe;
    snprintf(in.symbol, sizeof in.symbol, "%s", sym);
    snprintf(in.base, sizeof in.base, "%s", base);
    snprintf(in.quote, sizeof in.quote, "%s", quote);
    in.multiplier = mult;
    in.multiplier_exp = (int8_t)mult_exp;
    in.maker_fee_ppb = maker_ppb;
    in.taker_fee_ppb = taker_ppb;
    uint32_t id = 999;
    assert_int_equal(cx_registry_add(reg, &in, &id), 0);
    assert_int_equal(id, want_id);
}

static void make_reg(struct cx_registry *reg)
{
    assert_int_equal(cx_registry_init(reg, 8), 0);
    add_inst(reg, CX_VENUE_BINANCE_SPOT, CX_KIND_SPOT, "UNITUSD", "UNIT", "USD", 0, 0, 1, 0, 0, 0,
             I_UNIT);
    add_inst(reg, CX_VENUE_BINANCE_SPOT, CX_KIND_SPOT, "BTCUSDT", "BTC", "USDT", -8, -8, 1, 0,
             1000000, 1000000, I_BN_SPOT);
    add_inst(reg, CX_VENUE_BINANCE_USDM, CX_KIND_LINEAR_PERP, "BTCUSDT", "BTC", "USDT", -2, -3, 1,
             0, 200000, 500000, I_BN_USDM);
    add_inst(reg, CX_VENUE_GATE_FUTURES, CX_KIND_LINEAR_PERP, "BTC_USDT", "BTC", "USDT", -1, 0, 1,
             -4, -100000, 750000, I_GATE_PERP);
    add_inst(reg, CX_VENUE_GATE_SPOT, CX_KIND_SPOT, "BTC_USDT", "BTC", "USDT", -1, -10, 1, 0,
             2000000, 2000000, I_GATE_SPOT);
    add_inst(reg, CX_VENUE_HYPERLIQUID, CX_KIND_INVERSE_PERP, "BTCINV", "BTC", "USD", -1, 0, 100,
             0, 0, 0, I_INVERSE);
    add_inst(reg, CX_VENUE_MEXC_SPOT, CX_KIND_SPOT, "TRUNCUSD", "TRUNC", "USD", -8, 0, 1, 0, 0, 0,
             I_TRUNC);
}

static struct cx_oms *make_oms(const struct cx_registry *reg, uint32_t max_orders)
{
    struct cx_oms_cfg cfg = {.reg = reg, .max_orders = max_orders};
    struct cx_oms *oms = NULL;
    assert_int_equal(cx_oms_new(&oms, &cfg), 0);
    assert_non_null(oms);
    return oms;
}

static struct cx_order_req limit_req(uint32_t inst, uint8_t side, int64_t price_m, int64_t qty_m)
{
    struct cx_order_req r;
    memset(&r, 0, sizeof r);
    r.inst_id = inst;
    r.side = side;
    r.type = CX_ORD_LIMIT;
    r.tif = CX_TIF_GTC;
    r.price_m = price_m;
    r.qty_m = qty_m;
    return r;
}

static struct cx_order *submit(struct cx_oms *oms, uint32_t inst, uint8_t side, int64_t price_m,
                               int64_t qty_m)
{
    struct cx_order_req r = limit_req(inst, side, price_m, qty_m);
    struct cx_order *o = NULL;
    assert_int_equal(cx_oms_submit(oms, &r, 1000, &o), 0);
    assert_non_null(o);
    return o;
}

static struct cx_fill mk_fill(const struct cx_order *o, int64_t price_m, int64_t qty_m,
                              int64_t fee, int64_t ts_ns)
{
    struct cx_fill f;
    memset(&f, 0, sizeof f);
    f.client_id = o->req.client_id;
    f.venue_order_id = 7000 + o->req.client_id;
    f.inst_id = o->req.inst_id;
    f.side = o->req.side;
    f.price_m = price_m;
    f.qty_m = qty_m;
    f.fee = fee;
    f.local_ts_ns = ts_ns;
    f.exch_ts_ns = ts_ns - 1;
    return f;
}

/* Apply a fill of qty at price with no fee, asserting the return code. */
static void fill_rc(struct cx_oms *oms, struct cx_order *o, int64_t price_m, int64_t qty_m,
                    int want)
{
    struct cx_fill f = mk_fill(o, price_m, qty_m, 0, 5000);
    assert_int_equal(cx_oms_apply_fill(oms, o, &f), want);
}

/* One buy or sell order filled completely at one price (a "trade" for position tests). */
static void trade(struct cx_oms *oms, uint32_t inst, uint8_t side, int64_t price_m, int64_t qty)
{
    struct cx_order *o = submit(oms, inst, side, price_m, qty);
    fill_rc(oms, o, price_m, qty, 0);
    assert_int_equal(o->status, CX_ORD_FILLED);
}

/* xorshift64* (Vigna 2016, "An experimental exploration of Marsaglia's xorshift generators,
 * scrambled"): fast, fixed-seed, good enough for test inputs. */
static uint64_t rng_next(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * UINT64_C(2685821657736338717);
}

/* Uniform-ish integer in [lo, hi]. */
static int64_t rng_range(uint64_t *s, int64_t lo, int64_t hi)
{
    return lo + (int64_t)(rng_next(s) % (uint64_t)(hi - lo + 1));
}

/* ---------------------------------------------------------------------------------------------
 * MARK: lifecycle
 * ------------------------------------------------------------------------------------------- */

#define PN CX_ORD_PENDING_NEW
#define NEW CX_ORD_NEW
#define PF CX_ORD_PARTIALLY_FILLED
#define FIL CX_ORD_FILLED
#define PC CX_ORD_PENDING_CANCEL
#define CAN CX_ORD_CANCELED
#define REJ CX_ORD_REJECTED
#define EXP CX_ORD_EXPIRED

/* The edges of the diagram in oms.h, written out independently of the library's table. */
static const int k_edges[][2] = {
    {PN, NEW}, {PN, PF},   {PN, FIL},  {PN, REJ},  {PN, EXP}, {PN, PC},                /* */
    {NEW, PF}, {NEW, FIL}, {NEW, PC},  {NEW, CAN}, {NEW, EXP},                          /* */
    {PF, PF},  {PF, FIL},  {PF, PC},   {PF, CAN},  {PF, EXP},                           /* */
    {PC, NEW}, {PC, PF},   {PC, FIL},  {PC, PC},   {PC, CAN},  {PC, EXP}, {PC, REJ},   /* */
};

static bool edge_expected(int from, int to)
{
    for (size_t i = 0; i < sizeof k_edges / sizeof k_edges[0]; i++)
        if (k_edges[i][0] == from && k_edges[i][1] == to)
            return true;
    return false;
}

/* Submit a 10-lot order and drive it to `state`; with_fill puts 3 filled in PENDING_CANCEL. */
static struct cx_order *drive(struct cx_oms *oms, int state, bool with_fill)
{
    struct cx_order *o = submit(oms, I_UNIT, CX_SIDE_BID, 100, 10);
    switch (state) {
    case PN:
        break;
    case NEW:
        assert_int_equal(cx_oms_set_status(oms, o, NEW, CX_REJ_NONE, 1100), 0);
        break;
    case PF:
        assert_int_equal(cx_oms_set_status(oms, o, NEW, CX_REJ_NONE, 1100), 0);
        fill_rc(oms, o, 100, 3, 0);
        break;
    case FIL:
        assert_int_equal(cx_oms_set_status(oms, o, NEW, CX_REJ_NONE, 1100), 0);
        fill_rc(oms, o, 100, 10, 0);
        break;
    case PC:
        assert_int_equal(cx_oms_set_status(oms, o, NEW, CX_REJ_NONE, 1100), 0);
        if (with_fill)
            fill_rc(oms, o, 100, 3, 0);
        assert_int_equal(cx_oms_set_status(oms, o, PC, CX_REJ_NONE, 1200), 0);
        break;
    case CAN:
        assert_int_equal(cx_oms_set_status(oms, o, NEW, CX_REJ_NONE, 1100), 0);
        assert_int_equal(cx_oms_set_status(oms, o, PC, CX_REJ_NONE, 1200), 0);
        assert_int_equal(cx_oms_set_status(oms, o, CAN, CX_REJ_NONE, 1300), 0);
        break;
    case REJ:
        assert_int_equal(cx_oms_set_status(oms, o, REJ, CX_REJ_BALANCE, 1100), 0);
        break;
    case EXP:
        assert_int_equal(cx_oms_set_status(oms, o, EXP, CX_REJ_NONE, 1100), 0);
        break;
    default:
        fail();
    }
    assert_int_equal(o->status, state);
    return o;
}

/* Fill-driven targets: only cx_oms_apply_fill reaches them (PC -> NEW/PF is a refused cancel). */
static bool fill_driven(int from, int to)
{
    if (from == PC)
        return to == PC || to == FIL;
    return to == PF || to == FIL;
}

static void test_transition_table(void **state)
{
    (void)state;
    struct cx_registry reg;
    make_reg(&reg);
    struct cx_oms *oms = make_oms(&reg, 1024);

    for (int from = 0; from < CX_ORD_STATUS_COUNT; from++) {
        for (int to = 0; to < CX_ORD_STATUS_COUNT; to++) {
            bool want = edge_expected(from, to);
            if (cx_oms_transition_allowed(from, to) != want)
                print_error("table %s -> %s: want %d\n", cx_ord_status_name(from),
                            cx_ord_status_name(to), want);
            assert_int_equal(cx_oms_transition_allowed(from, to), want);

            /* 1. cx_oms_set_status on every pair: CX_ESTATE (disallowed), CX_EINVAL (allowed
             *    but fill-driven) or success; failures leave the order untouched. */
            bool pf_cancel_reject = from == PC && to == PF;
            struct cx_order *o = drive(oms, from, pf_cancel_reject);
            struct cx_order before;
            memcpy(&before, o, sizeof before);
            struct cx_position pos_before;
            memcpy(&pos_before, cx_oms_position(oms, I_UNIT), sizeof pos_before);
            int rc = cx_oms_set_status(oms, o, to, CX_REJ_UNKNOWN_ORDER, 9000);
            int want_rc = !want ? CX_ESTATE : fill_driven(from, to) ? CX_EINVAL : 0;
            if (rc != want_rc)
                print_error("set_status %s -> %s: rc %s want %s\n", cx_ord_status_name(from),
                            cx_ord_status_name(to), cx_err_name(rc), cx_err_name(want_rc));
            assert_int_equal(rc, want_rc);
            if (rc != 0) {
                assert_memory_equal(o, &before, sizeof before);
            } else {
                assert_int_equal(o->status, to);
                assert_int_equal(o->updated_ns, 9000);
            }

            /* 2. Fill-driven targets through cx_oms_apply_fill. */
            if (to == PF || to == FIL || (from == PC && to == PC)) {
                if (from == PC && to == PF)
                    continue; /* a refused cancel, covered above */
                o = drive(oms, from, false);
                memcpy(&before, o, sizeof before);
                memcpy(&pos_before, cx_oms_position(oms, I_UNIT), sizeof pos_before);
                int64_t remaining = o->req.qty_m - o->filled_qty_m;
                int64_t qty = to == FIL ? (remaining > 0 ? remaining : 1) : 1;
                struct cx_fill f = mk_fill(o, 100, qty, 0, 9100);
                rc = cx_oms_apply_fill(oms, o, &f);
                want_rc = want ? 0 : CX_ESTATE;
                if (rc != want_rc)
                    print_error("fill %s -> %s: rc %s\n", cx_ord_status_name(from),
                                cx_ord_status_name(to), cx_err_name(rc));
                assert_int_equal(rc, want_rc);
                if (rc == 0) {
                    assert_int_equal(o->status, to);
                } else {
                    assert_memory_equal(o, &before, sizeof before);
                    assert_memory_equal(cx_oms_position(oms, I_UNIT), &pos_before,
                                        sizeof pos_before);
                }
            }
        }
    }
    assert_false(cx_oms_transition_allowed(CX_ORD_STATUS_COUNT, NEW));
    assert_false(cx_oms_transition_allowed(PN, CX_ORD_STATUS_COUNT));
    for (int s = 0; s < CX_ORD_STATUS_COUNT; s++)
        assert_int_equal(cx_ord_status_is_final(s), s == FIL || s == CAN || s == REJ || s == EXP);
    cx_oms_free(oms);
    cx_registry_fini(&reg);
}

static void test_pending_cancel(void **state)
{
    (void)state;
    struct cx_registry reg;
    make_reg(&reg);
    struct cx_oms *oms = make_oms(&reg, 64);

    /* A fill during PENDING_CANCEL keeps the order there until it completes the order. */
    struct cx_order *o = drive(oms, PC, false);
    fill_rc(oms, o, 100, 4, 0);
    assert_int_equal(o->status, PC);
    assert_int_equal(o->filled_qty_m, 4);
    fill_rc(oms, o, 100, 6, 0);
    assert_int_equal(o->status, FIL);
    assert_int_equal(cx_oms_set_status(oms, o, CAN, CX_REJ_NONE, 1), CX_ESTATE);
    assert_int_equal(cx_oms_set_status(oms, o, NEW, CX_REJ_UNKNOWN_ORDER, 1), CX_ESTATE);

    /* Refused cancel with fills: back to PARTIALLY_FILLED, reason kept. */
    o = drive(oms, PC, true);
    assert_int_equal(cx_oms_set_status(oms, o, NEW, CX_REJ_UNKNOWN_ORDER, 2000), 0);
    assert_int_equal(o->status, PF);
    assert_int_equal(o->reject, CX_REJ_UNKNOWN_ORDER);

    /* Refused cancel without fills: back to NEW, whichever of NEW/PF the caller names. */
    o = drive(oms, PC, false);
    assert_int_equal(cx_oms_set_status(oms, o, NEW, CX_REJ_UNKNOWN_ORDER, 2000), 0);
    assert_int_equal(o->status, NEW);
    o = drive(oms, PC, false);
    assert_int_equal(cx_oms_set_status(oms, o, PF, CX_REJ_UNKNOWN_ORDER, 2000), 0);
    assert_int_equal(o->status, NEW);

    /* A fill on PENDING_NEW is also the ack. */
    o = submit(oms, I_UNIT, CX_SIDE_ASK, 100, 5);
    assert_int_equal(o->acked_ns, 0);
    struct cx_fill f = mk_fill(o, 100, 2, 0, 4321);
    assert_int_equal(cx_oms_apply_fill(oms, o, &f), 0);
    assert_int_equal(o->status, PF);
    assert_int_equal(o->acked_ns, 4321);
    assert_int_equal(o->venue_order_id, f.venue_order_id);

    /* A cancel sent before the ack is not an ack: a venue reject then leaves acked_ns 0, a
     * CANCELED (the venue took the order and cancelled it) sets it. */
    o = submit(oms, I_UNIT, CX_SIDE_ASK, 100, 5);
    assert_int_equal(cx_oms_set_status(oms, o, PC, CX_REJ_NONE, 50), 0);
    assert_int_equal(o->acked_ns, 0);
    assert_int_equal(cx_oms_set_status(oms, o, REJ, CX_REJ_POST_ONLY, 60), 0);
    assert_int_equal(o->acked_ns, 0);
    o = submit(oms, I_UNIT, CX_SIDE_ASK, 100, 5);
    assert_int_equal(cx_oms_set_status(oms, o, PC, CX_REJ_NONE, 50), 0);
    assert_int_equal(cx_oms_set_status(oms, o, CX_ORD_CANCELED, CX_REJ_NONE, 70), 0);
    assert_int_equal(o->acked_ns, 70);

    /* Rejects record the reason and never set acked_ns. */
    o = submit(oms, I_UNIT, CX_SIDE_ASK, 100, 5);
    assert_int_equal(cx_oms_set_status(oms, o, REJ, CX_REJ_POST_ONLY, 77), 0);
    assert_int_equal(o->reject, CX_REJ_POST_ONLY);
    assert_int_equal(o->acked_ns, 0);
    assert_int_equal(o->updated_ns, 77);
    /* Bad arguments. */
    assert_int_equal(cx_oms_set_status(oms, o, CX_ORD_STATUS_COUNT, CX_REJ_NONE, 1), CX_EINVAL);
    assert_int_equal(cx_oms_set_status(oms, o, CAN, CX_REJ_COUNT, 1), CX_EINVAL);
    struct cx_order foreign;
    memcpy(&foreign, o, sizeof foreign);
    assert_int_equal(cx_oms_set_status(oms, &foreign, CAN, CX_REJ_NONE, 1), CX_EINVAL);
    cx_oms_free(oms);
    cx_registry_fini(&reg);
}

/* ---------------------------------------------------------------------------------------------
 * MARK: order table
 * ------------------------------------------------------------------------------------------- */

static void count_cb(const struct cx_order *o, void *arg)
{
    (void)o;
    (*(uint32_t *)arg)++;
}

static uint32_t count_orders(const struct cx_oms *oms)
{
    uint32_t n = 0;
    cx_oms_foreach(oms, count_cb, &n);
    return n;
}

static void test_submit(void **state)
{
    (void)state;
    struct cx_registry reg;
    make_reg(&reg);
    struct cx_oms *oms = make_oms(&reg, 4);
    struct cx_order *o = NULL, *o2 = NULL;

    /* Auto ids start at 1 and skip ids in use. */
    struct cx_order_req r = limit_req(I_UNIT, CX_SIDE_BID, 100, 1);
    r.client_id = 2;
    assert_int_equal(cx_oms_submit(oms, &r, 10, &o), 0);
    assert_int_equal(o->req.client_id, 2);
    assert_int_equal(o->status, PN);
    assert_int_equal(o->created_ns, 10);
    r.client_id = 0;
    assert_int_equal(cx_oms_submit(oms, &r, 11, &o), 0);
    assert_int_equal(r.client_id, 1);
    assert_int_equal(o->req.client_id, 1);
    r.client_id = 0;
    assert_int_equal(cx_oms_submit(oms, &r, 12, &o), 0);
    assert_int_equal(r.client_id, 3);

    /* Duplicate: CX_EEXIST, nothing added, request untouched. */
    r.client_id = 3;
    o2 = NULL;
    assert_int_equal(cx_oms_submit(oms, &r, 13, &o2), CX_EEXIST);
    assert_null(o2);
    assert_int_equal(r.client_id, 3);
    assert_int_equal(count_orders(oms), 3);

    r.client_id = 0;
    assert_int_equal(cx_oms_submit(oms, &r, 14, &o), 0);
    assert_int_equal(r.client_id, 4);

    /* Full table: CX_ENOSPC, client id not written back. Duplicates are still CX_EEXIST. */
    r.client_id = 0;
    assert_int_equal(cx_oms_submit(oms, &r, 15, &o2), CX_ENOSPC);
    assert_int_equal(r.client_id, 0);
    r.client_id = 99;
    assert_int_equal(cx_oms_submit(oms, &r, 15, &o2), CX_ENOSPC);
    r.client_id = 2;
    assert_int_equal(cx_oms_submit(oms, &r, 15, &o2), CX_EEXIST);
    assert_int_equal(count_orders(oms), 4);

    /* Lookups. */
    assert_ptr_equal(cx_oms_order(oms, 4), o);
    assert_int_equal(cx_oms_order(oms, 2)->created_ns, 10);
    assert_null(cx_oms_order(oms, 0));
    assert_null(cx_oms_order(oms, 5));
    cx_oms_free(oms);

    /* Invalid requests: CX_EINVAL and nothing recorded. */
    oms = make_oms(&reg, 16);
    struct cx_order_req bad[12];
    int want[12];
    for (int i = 0; i < 12; i++) {
        bad[i] = limit_req(I_UNIT, CX_SIDE_BID, 100, 1);
        want[i] = CX_EINVAL;
    }
    bad[0].qty_m = 0;
    bad[1].qty_m = -1;
    bad[2].price_m = 0;
    bad[3].price_m = -5;
    bad[4].side = 2;
    bad[5].inst_id = I_COUNT + 5;
    bad[6].inst_id = I_INVERSE;
    want[6] = CX_ENOTSUP;
    bad[7].type = 2;
    bad[8].tif = 4;
    bad[9].flags = 0x2;
    bad[10].flags = CX_ORD_F_REDUCE_ONLY; /* on spot */
    bad[11].type = CX_ORD_MARKET;
    bad[11].tif = CX_TIF_POST_ONLY;
    for (int i = 0; i < 12; i++) {
        o2 = NULL;
        int rc = cx_oms_submit(oms, &bad[i], 1, &o2);
        if (rc != want[i])
            print_error("bad request %d: %s\n", i, cx_err_name(rc));
        assert_int_equal(rc, want[i]);
        assert_null(o2);
        assert_int_equal(bad[i].client_id, 0);
    }
    assert_int_equal(count_orders(oms), 0);
    assert_int_equal(cx_oms_submit(oms, NULL, 1, &o2), CX_EINVAL);
    /* Market orders ignore the price; reduce-only is fine on perps. */
    r = limit_req(I_UNIT, CX_SIDE_ASK, 0, 1);
    r.type = CX_ORD_MARKET;
    r.tif = CX_TIF_IOC;
    assert_int_equal(cx_oms_submit(oms, &r, 1, &o2), 0);
    r = limit_req(I_BN_USDM, CX_SIDE_ASK, 6180020, 10);
    r.flags = CX_ORD_F_REDUCE_ONLY;
    assert_int_equal(cx_oms_submit(oms, &r, 1, &o2), 0);
    cx_oms_free(oms);

    /* Configuration errors. */
    struct cx_oms_cfg cfg = {.reg = NULL, .max_orders = 4};
    struct cx_oms *none = NULL;
    assert_int_equal(cx_oms_new(&none, &cfg), CX_EINVAL);
    cfg.reg = &reg;
    cfg.max_orders = (1u << 30) + 1;
    assert_int_equal(cx_oms_new(&none, &cfg), CX_EINVAL);
    assert_null(none);
    cx_oms_free(NULL);
    cx_registry_fini(&reg);
}

/* The default capacity is 65536 and every auto id stays findable. */
static void test_default_capacity(void **state)
{
    (void)state;
    struct cx_registry reg;
    make_reg(&reg);
    struct cx_oms *oms = make_oms(&reg, 0);
    struct cx_order_req r = limit_req(I_UNIT, CX_SIDE_BID, 100, 1);
    struct cx_order *o;
    for (uint32_t i = 0; i < 65536; i++) {
        r.client_id = 0;
        assert_int_equal(cx_oms_submit(oms, &r, i, &o), 0);
        assert_int_equal(r.client_id, (uint64_t)i + 1);
    }
    r.client_id = 0;
    assert_int_equal(cx_oms_submit(oms, &r, 0, &o), CX_ENOSPC);
    for (uint64_t id = 1; id <= 65536; id++)
        assert_int_equal(cx_oms_order(oms, id)->created_ns, (int64_t)id - 1);
    assert_null(cx_oms_order(oms, 65537));
    cx_oms_free(oms);
    cx_registry_fini(&reg);
}

struct visit {
    uint64_t ids[16];
    uint32_t n;
};

static void visit_cb(const struct cx_order *o, void *arg)
{
    struct visit *v = arg;
    if (v->n < 16)
        v->ids[v->n] = o->req.client_id;
    v->n++;
}

static void test_open_orders(void **state)
{
    (void)state;
    struct cx_registry reg;
    make_reg(&reg);
    struct cx_oms *oms = make_oms(&reg, 16);
    struct cx_order *o[6];
    for (int i = 0; i < 6; i++)
        o[i] = submit(oms, i % 2 ? I_BN_USDM : I_UNIT, CX_SIDE_BID, i % 2 ? 6180020 : 100, 10);
    /* Finish 0 (filled), 3 (canceled) and 4 (rejected); 1 is partially filled. */
    fill_rc(oms, o[0], 100, 10, 0);
    fill_rc(oms, o[1], 6180020, 3, 0);
    assert_int_equal(cx_oms_set_status(oms, o[3], NEW, CX_REJ_NONE, 1), 0);
    assert_int_equal(cx_oms_set_status(oms, o[3], CAN, CX_REJ_NONE, 2), 0);
    assert_int_equal(cx_oms_set_status(oms, o[4], REJ, CX_REJ_TICK, 2), 0);

    const struct cx_order *out[8];
    uint32_t n = cx_oms_open_orders(oms, UINT32_MAX, out, 8);
    assert_int_equal(n, 3);
    assert_ptr_equal(out[0], o[1]);
    assert_ptr_equal(out[1], o[2]);
    assert_ptr_equal(out[2], o[5]);
    n = cx_oms_open_orders(oms, I_BN_USDM, out, 8);
    assert_int_equal(n, 2);
    assert_ptr_equal(out[0], o[1]);
    assert_ptr_equal(out[1], o[5]);
    assert_int_equal(cx_oms_open_orders(oms, I_UNIT, out, 8), 1);
    assert_int_equal(cx_oms_open_orders(oms, UINT32_MAX, out, 2), 2);
    assert_int_equal(cx_oms_open_orders(oms, I_GATE_PERP, out, 8), 0);
    assert_int_equal(cx_oms_open_orders(oms, UINT32_MAX, NULL, 0), 0);

    /* Later orders append; finishing the head and the tail keeps the order. */
    struct cx_order *o6 = submit(oms, I_UNIT, CX_SIDE_ASK, 100, 1);
    assert_int_equal(cx_oms_set_status(oms, o[1], EXP, CX_REJ_NONE, 3), 0);
    assert_int_equal(cx_oms_set_status(oms, o6, EXP, CX_REJ_NONE, 3), 0);
    n = cx_oms_open_orders(oms, UINT32_MAX, out, 8);
    assert_int_equal(n, 2);
    assert_ptr_equal(out[0], o[2]);
    assert_ptr_equal(out[1], o[5]);

    struct visit v = {.n = 0};
    cx_oms_foreach(oms, visit_cb, &v);
    assert_int_equal(v.n, 7);
    for (uint32_t i = 0; i < 7; i++)
        assert_int_equal(v.ids[i], i + 1);
    cx_oms_free(oms);
    cx_registry_fini(&reg);
}

/* Partial fills, a fill past the remainder, a cancel, and fills after the end. */
static void test_partial_then_cancel(void **state)
{
    (void)state;
    struct cx_registry reg;
    make_reg(&reg);
    struct cx_oms *oms = make_oms(&reg, 16);
    struct cx_order *o = submit(oms, I_BN_USDM, CX_SIDE_BID, 6180020, 10); /* 0.010 BTC */
    assert_int_equal(cx_oms_set_status(oms, o, NEW, CX_REJ_NONE, 1500), 0);
    assert_int_equal(o->acked_ns, 1500);

    /* 0.003 @ 61800.20 = 185.4006 USDT, taker 0.05 % = 0.0927003 USDT. */
    struct cx_fill f = mk_fill(o, 6180020, 3, 9270030, 2000);
    assert_int_equal(cx_oms_apply_fill(oms, o, &f), 0);
    assert_int_equal(o->status, PF);
    assert_int_equal(o->filled_qty_m, 3);
    assert_int_equal(o->filled_notional, INT64_C(18540060000));
    assert_int_equal(o->fee, 9270030);
    assert_int_equal(o->fills, 1);
    assert_int_equal(o->updated_ns, 2000);
    assert_int_equal(o->venue_order_id, f.venue_order_id);
    f = mk_fill(o, 6180000, 2, 2472000, 2100); /* 0.002 @ 61800.00 = 123.6 USDT, maker */
    assert_int_equal(cx_oms_apply_fill(oms, o, &f), 0);
    assert_int_equal(o->filled_qty_m, 5);
    assert_int_equal(o->filled_notional, INT64_C(18540060000) + INT64_C(12360000000));

    /* Beyond the remainder (5 left): CX_ERANGE, nothing changes. */
    struct cx_order before;
    struct cx_position pos_before;
    memcpy(&before, o, sizeof before);
    memcpy(&pos_before, cx_oms_position(oms, I_BN_USDM), sizeof pos_before);
    f = mk_fill(o, 6180020, 6, 0, 2200);
    assert_int_equal(cx_oms_apply_fill(oms, o, &f), CX_ERANGE);
    /* Another instrument, side or client id, or a non-positive qty/price: CX_EINVAL. */
    f = mk_fill(o, 6180020, 1, 0, 2200);
    f.side = CX_SIDE_ASK;
    assert_int_equal(cx_oms_apply_fill(oms, o, &f), CX_EINVAL);
    f = mk_fill(o, 6180020, 1, 0, 2200);
    f.inst_id = I_GATE_PERP;
    assert_int_equal(cx_oms_apply_fill(oms, o, &f), CX_EINVAL);
    f = mk_fill(o, 6180020, 1, 0, 2200);
    f.client_id = 999;
    assert_int_equal(cx_oms_apply_fill(oms, o, &f), CX_EINVAL);
    f = mk_fill(o, 6180020, 0, 0, 2200);
    assert_int_equal(cx_oms_apply_fill(oms, o, &f), CX_EINVAL);
    f = mk_fill(o, 0, 1, 0, 2200);
    assert_int_equal(cx_oms_apply_fill(oms, o, &f), CX_EINVAL);
    assert_memory_equal(o, &before, sizeof before);
    assert_memory_equal(cx_oms_position(oms, I_BN_USDM), &pos_before, sizeof pos_before);

    /* Cancel request, a fill racing it, then the cancel. */
    assert_int_equal(cx_oms_set_status(oms, o, PC, CX_REJ_NONE, 2300), 0);
    f = mk_fill(o, 6180020, 1, 0, 2400);
    assert_int_equal(cx_oms_apply_fill(oms, o, &f), 0);
    assert_int_equal(o->status, PC);
    assert_int_equal(o->filled_qty_m, 6);
    const struct cx_order *open[2];
    assert_int_equal(cx_oms_open_orders(oms, UINT32_MAX, open, 2), 1);
    assert_int_equal(cx_oms_set_status(oms, o, CAN, CX_REJ_NONE, 2500), 0);
    assert_int_equal(o->status, CAN);
    assert_int_equal(cx_oms_open_orders(oms, UINT32_MAX, open, 2), 0);
    f = mk_fill(o, 6180020, 1, 0, 2600);
    assert_int_equal(cx_oms_apply_fill(oms, o, &f), CX_ESTATE);
    assert_int_equal(o->filled_qty_m, 6);

    const struct cx_position *p = cx_oms_position(oms, I_BN_USDM);
    assert_int_equal(p->qty_m, 6);
    assert_int_equal(p->fills, 3);
    assert_int_equal(p->fees, 9270030 + 2472000);
    assert_int_equal(p->volume, INT64_C(18540060000) + INT64_C(12360000000) + INT64_C(6180020000));
    cx_oms_free(oms);
    cx_registry_fini(&reg);
}

/* ---------------------------------------------------------------------------------------------
 * MARK: positions
 * ------------------------------------------------------------------------------------------- */

#define Q8 INT64_C(100000000) /* 1 quote unit at CX_NOTIONAL_EXP */

static void test_position_known(void **state)
{
    (void)state;
    struct cx_registry reg;
    make_reg(&reg);
    struct cx_oms *oms = make_oms(&reg, 64);
    const struct cx_position *p = cx_oms_position(oms, I_UNIT);
    int64_t px;

    /* buy 2 @ 100, buy 1 @ 130: qty 3, cost 330, average 110. */
    trade(oms, I_UNIT, CX_SIDE_BID, 100, 2);
    trade(oms, I_UNIT, CX_SIDE_BID, 130, 1);
    assert_int_equal(p->qty_m, 3);
    assert_int_equal(p->cost, 330 * Q8);
    assert_int_equal(cx_oms_entry_price(oms, I_UNIT, &px), 0);
    assert_int_equal(px, 110);
    assert_int_equal(cx_oms_unrealized(oms, I_UNIT, 120), 30 * Q8);
    /* sell 2 @ 120: removes 2/3 of 330 = 220, realizes 240 - 220 = +20; 1 left at 110. */
    trade(oms, I_UNIT, CX_SIDE_ASK, 120, 2);
    assert_int_equal(p->qty_m, 1);
    assert_int_equal(p->cost, 110 * Q8);
    assert_int_equal(p->realized_pnl, 20 * Q8);
    /* sell 3 @ 90: closes 1 (90 - 110 = -20, total 0) and opens a short of 2 at 90. */
    trade(oms, I_UNIT, CX_SIDE_ASK, 90, 3);
    assert_int_equal(p->qty_m, -2);
    assert_int_equal(p->cost, -180 * Q8);
    assert_int_equal(p->realized_pnl, 0);
    assert_int_equal(cx_oms_entry_price(oms, I_UNIT, &px), 0);
    assert_int_equal(px, 90);
    /* Marked at 80 the short gains 2 x 10 = 20; at 95 it loses 10. */
    assert_int_equal(cx_oms_unrealized(oms, I_UNIT, 80), 20 * Q8);
    assert_int_equal(cx_oms_unrealized(oms, I_UNIT, 95), -10 * Q8);
    /* buy 2 @ 80: closes the short, realizing +20. */
    trade(oms, I_UNIT, CX_SIDE_BID, 80, 2);
    assert_int_equal(p->qty_m, 0);
    assert_int_equal(p->cost, 0);
    assert_int_equal(p->realized_pnl, 20 * Q8);
    assert_int_equal(cx_oms_unrealized(oms, I_UNIT, 1000), 0);
    assert_int_equal(cx_oms_entry_price(oms, I_UNIT, &px), 0);
    assert_int_equal(px, 0);
    assert_int_equal(p->volume, (200 + 130 + 240 + 270 + 160) * Q8);
    assert_int_equal(p->fills, 5);
    assert_int_equal(p->max_abs_qty_m, 3);
    assert_int_equal(p->inst_id, I_UNIT);

    /* Truncation: 1 @ 10 + 2 @ 11 (1e-8 units) = cost 32 for 3; selling 1 removes
     * trunc(32/3) = 10 and realizes 2; the remaining 22 average 11; the rest realizes 2 more. */
    p = cx_oms_position(oms, I_TRUNC);
    trade(oms, I_TRUNC, CX_SIDE_BID, 10, 1);
    trade(oms, I_TRUNC, CX_SIDE_BID, 11, 2);
    trade(oms, I_TRUNC, CX_SIDE_ASK, 12, 1);
    assert_int_equal(p->cost, 22);
    assert_int_equal(p->realized_pnl, 2);
    assert_int_equal(cx_oms_entry_price(oms, I_TRUNC, &px), 0);
    assert_int_equal(px, 11);
    trade(oms, I_TRUNC, CX_SIDE_ASK, 12, 2);
    assert_int_equal(p->cost, 0);
    assert_int_equal(p->realized_pnl, 4); /* 36 sold - 32 bought */
    /* The same for a short: -32 for 3; buying 1 @ 9 removes trunc(-32/3) = -10: +1. */
    trade(oms, I_TRUNC, CX_SIDE_ASK, 10, 1);
    trade(oms, I_TRUNC, CX_SIDE_ASK, 11, 2);
    trade(oms, I_TRUNC, CX_SIDE_BID, 9, 1);
    assert_int_equal(p->cost, -22);
    assert_int_equal(p->realized_pnl, 5);

    /* Funding is its own bucket. */
    assert_int_equal(cx_oms_apply_funding(oms, I_UNIT, -6180020), 0);
    assert_int_equal(cx_oms_apply_funding(oms, I_UNIT, 1000), 0);
    assert_int_equal(cx_oms_position(oms, I_UNIT)->funding, -6179020);
    assert_int_equal(cx_oms_apply_funding(oms, I_COUNT, 1), CX_EINVAL);
    assert_int_equal(cx_oms_apply_funding(oms, I_UNIT, -INT64_MAX), CX_EOVERFLOW);
    assert_int_equal(cx_oms_position(oms, I_UNIT)->funding, -6179020);
    /* Unknown instruments read as flat. */
    assert_int_equal(cx_oms_position(oms, 12345)->qty_m, 0);
    assert_int_equal(cx_oms_unrealized(oms, 12345, 100), 0);
    assert_int_equal(cx_oms_entry_price(oms, 12345, &px), CX_EINVAL);
    cx_oms_free(oms);
    cx_registry_fini(&reg);
}

/* Gate futures: values include the quanto multiplier. */
static void test_position_gate(void **state)
{
    (void)state;
    struct cx_registry reg;
    make_reg(&reg);
    struct cx_oms *oms = make_oms(&reg, 16);
    const struct cx_position *p = cx_oms_position(oms, I_GATE_PERP);
    /* 25 contracts @ 61800.2 = 0.0025 BTC = 154.5005 USDT; 15 @ 61810.0 = 92.715 USDT. */
    trade(oms, I_GATE_PERP, CX_SIDE_BID, 618002, 25);
    trade(oms, I_GATE_PERP, CX_SIDE_BID, 618100, 15);
    assert_int_equal(p->qty_m, 40);
    assert_int_equal(p->cost, INT64_C(15450050000) + INT64_C(9271500000));
    int64_t px;
    /* 247.2155 USDT / 0.004 BTC = 61803.875 -> 61803.9 at the 0.1 tick exponent. */
    assert_int_equal(cx_oms_entry_price(oms, I_GATE_PERP, &px), 0);
    assert_int_equal(px, 618039);
    /* Marked at 62000.0: 0.004 x 62000 = 248 USDT, minus 247.2155 = +0.7845 USDT. */
    assert_int_equal(cx_oms_unrealized(oms, I_GATE_PERP, 620000), 78450000);
    /* Close 10 @ 62000.0 (62 USDT): removes 247.2155 / 4 = 61.803875, realizes 0.196125. */
    trade(oms, I_GATE_PERP, CX_SIDE_ASK, 620000, 10);
    assert_int_equal(p->realized_pnl, 19612500);
    assert_int_equal(p->cost, INT64_C(24721550000) - INT64_C(6180387500));
    cx_oms_free(oms);
    cx_registry_fini(&reg);
}

/* Fixed-seed random fills on four instruments; the accounting identities hold exactly. */
static void test_reconcile_random(void **state)
{
    (void)state;
    struct cx_registry reg;
    make_reg(&reg);
    struct cx_oms *oms = make_oms(&reg, 1u << 18);

    static const uint32_t k_insts[] = {I_BN_USDM, I_GATE_PERP, I_BN_SPOT, I_GATE_SPOT};
    enum { NI = 4 };
    /* Starting price and a quantity range per instrument, at its own exponents. */
    static const int64_t k_px0[NI] = {6180020, 618002, INT64_C(6183763000000), 618376};
    static const int64_t k_qmax[NI] = {5000, 2000, 50000000, INT64_C(5000000000)};
    static const int64_t k_rates[] = {-100000, 0, 200000, 500000, 750000, 1000000};
    int64_t px[NI];
    __int128 sum_qty[NI] = {0}, sum_val[NI] = {0}, sum_fee[NI] = {0};
    const __int128 cash0 = (__int128)1000000 * Q8;
    for (int i = 0; i < NI; i++)
        px[i] = k_px0[i];

    /* Venue-side mirrors: one perp account (both perps settle USDT) and one spot account per
     * spot instrument (they share the asset names). */
    struct cx_account perp_acct, spot_acct[2];
    memset(&perp_acct, 0, sizeof perp_acct);
    memset(spot_acct, 0, sizeof spot_acct);
    perp_acct.leverage = 10;
    cx_account_balance(&perp_acct, "USDT")->total = (int64_t)cash0;
    for (int i = 0; i < 2; i++)
        cx_account_balance(&spot_acct[i], "USDT")->total = (int64_t)cash0;
    int64_t perp_fees = 0;

    uint64_t rs = UINT64_C(0x9E3779B97F4A7C15);
    uint32_t fills = 0, flips = 0, closes = 0;
    while (fills < 200000) {
        int k = (int)(rng_next(&rs) % NI);
        uint32_t id = k_insts[k];
        const struct cx_instrument *inst = cx_registry_get(&reg, id);
        const struct cx_position *p = cx_oms_position(oms, id);
        /* Random walk of the price, 1e-4 relative steps. */
        int64_t step = px[k] / 10000;
        px[k] += rng_range(&rs, -step, step);
        int64_t qty;
        uint8_t side = (uint8_t)(rng_next(&rs) & 1);
        uint64_t mode = rng_next(&rs) % 8;
        int64_t pos_abs = p->qty_m < 0 ? -p->qty_m : p->qty_m;
        if (mode == 0 && p->qty_m != 0) {
            qty = pos_abs; /* exact close */
            side = p->qty_m > 0 ? CX_SIDE_ASK : CX_SIDE_BID;
        } else {
            qty = rng_range(&rs, 1, k_qmax[k]);
        }
        int nfills = 1 + (int)(rng_next(&rs) % 3);
        struct cx_order *o = submit(oms, id, side, px[k], qty * nfills);
        if (rng_next(&rs) & 1)
            assert_int_equal(cx_oms_set_status(oms, o, NEW, CX_REJ_NONE, fills), 0);
        for (int j = 0; j < nfills; j++) {
            int64_t fpx = px[k] + rng_range(&rs, -step, step);
            int64_t value;
            assert_int_equal(cx_notional(inst, fpx, qty, 1, &value), 0);
            int64_t rate = k_rates[rng_next(&rs) % (sizeof k_rates / sizeof k_rates[0])];
            int64_t fee = cx_fee(value, rate);
            int64_t old_qty = p->qty_m;
            struct cx_fill f = mk_fill(o, fpx, qty, fee, fills);
            assert_int_equal(cx_oms_apply_fill(oms, o, &f), 0);
            fills++;
            int64_t sq = side == CX_SIDE_BID ? qty : -qty;
            sum_qty[k] += sq;
            sum_val[k] += side == CX_SIDE_BID ? value : -value;
            sum_fee[k] += fee;
            if (old_qty != 0 && p->qty_m != 0 && (old_qty > 0) != (p->qty_m > 0))
                flips++;
            if (old_qty != 0 && p->qty_m == 0)
                closes++;

            /* Identities, exactly. */
            assert_true(sum_qty[k] == p->qty_m);
            assert_true((__int128)p->cost - p->realized_pnl == sum_val[k]);
            assert_true(sum_fee[k] == p->fees);
            if (p->qty_m == 0)
                assert_int_equal(p->cost, 0);
            else
                assert_true((p->cost > 0) == (p->qty_m > 0) || p->cost == 0);
            __int128 cash = cash0 - sum_val[k] - sum_fee[k];
            for (int m = 0; m < 2; m++) {
                int64_t mark = px[k] + rng_range(&rs, -50 * step, 50 * step);
                int64_t marked;
                assert_int_equal(cx_notional(inst, mark, p->qty_m, 1, &marked), 0);
                int64_t unreal = cx_oms_unrealized(oms, id, mark);
                assert_true(cash + marked ==
                            cash0 + p->realized_pnl + unreal - p->fees);
            }

            /* The venue-side account sees the same fills. */
            if (inst->kind == CX_KIND_LINEAR_PERP) {
                assert_int_equal(cx_account_apply_fill(&perp_acct, inst, &f), 0);
                perp_fees += fee;
                const struct cx_perp_pos *pp = cx_account_perp(&perp_acct, id);
                assert_int_equal(pp->qty_m, p->qty_m);
                assert_int_equal(pp->cost, p->cost < 0 ? -p->cost : p->cost);
                assert_int_equal(pp->realized_pnl, p->realized_pnl);
                if (pp->qty_m == 0)
                    assert_int_equal(pp->entry_price_m, 0);
            } else {
                struct cx_account *sa = &spot_acct[id == I_BN_SPOT ? 0 : 1];
                /* Gate spot quantities below 1e-8 BTC cannot be held: CX_EPRECISION, no
                 * change. The OMS position still counts them. */
                int64_t base_before = cx_account_balance(sa, "BTC")->total;
                int rc = cx_account_apply_fill(sa, inst, &f);
                if (id == I_GATE_SPOT && qty % 100 != 0) {
                    assert_int_equal(rc, CX_EPRECISION);
                    assert_int_equal(cx_account_balance(sa, "BTC")->total, base_before);
                } else {
                    assert_int_equal(rc, 0);
                }
            }
        }
        assert_int_equal(o->status, CX_ORD_FILLED);
    }
    /* Wallet = start + realized - fees over both perps. */
    int64_t realized = cx_oms_position(oms, I_BN_USDM)->realized_pnl +
                       cx_oms_position(oms, I_GATE_PERP)->realized_pnl;
    assert_true((__int128)cx_account_balance(&perp_acct, "USDT")->total ==
                cash0 + realized - perp_fees);
    /* Binance spot (-8/-8): base = sum of quantities, quote = start - values - fees. */
    assert_true((__int128)cx_account_balance(&spot_acct[0], "BTC")->total == sum_qty[2]);
    assert_true((__int128)cx_account_balance(&spot_acct[0], "USDT")->total ==
                cash0 - sum_val[2] - sum_fee[2]);
    assert_true(flips > 1000);
    assert_true(closes > 1000);
    cx_oms_free(oms);
    cx_registry_fini(&reg);
}

/* ---------------------------------------------------------------------------------------------
 * MARK: money helpers
 * ------------------------------------------------------------------------------------------- */

static struct cx_instrument inst_of(int pe, int qe, int64_t mult, int mult_exp)
{
    struct cx_instrument in;
    memset(&in, 0, sizeof in);
    in.price_exp = (int8_t)pe;
    in.qty_exp = (int8_t)qe;
    in.multiplier = mult;
    in.multiplier_exp = (int8_t)mult_exp;
    return in;
}

static void notional_is(const struct cx_instrument *in, int64_t px, int64_t qty, int rounding,
                        int want_rc, int64_t want)
{
    int64_t got = 4242;
    int rc = cx_notional(in, px, qty, rounding, &got);
    if (rc != want_rc || (rc == 0 && got != want))
        print_error("notional(%lld, %lld, r%d): rc %s got %lld want %lld\n", (long long)px,
                    (long long)qty, rounding, cx_err_name(rc), (long long)got,
                    (long long)want);
    assert_int_equal(rc, want_rc);
    assert_int_equal(got, rc == 0 ? want : 4242);
}

static void test_notional_fee(void **state)
{
    (void)state;
    struct cx_instrument bn_spot = inst_of(-8, -8, 1, 0);
    struct cx_instrument usdm = inst_of(-2, -3, 1, 0);
    struct cx_instrument gate = inst_of(-1, 0, 1, -4);

    /* Binance spot: 61837.63 x 0.00100 = 61.83763 USDT (exact despite the 1e-16 product). */
    notional_is(&bn_spot, INT64_C(6183763000000), 100000, 0, 0, INT64_C(6183763000));
    /* Binance USD-M: buy 0.010 BTC at 61800.20 -> 618.002 USDT; taker 0.05 % = 0.309001. */
    notional_is(&usdm, 6180020, 10, 0, 0, INT64_C(61800200000));
    assert_int_equal(cx_fee(INT64_C(61800200000), 500000), 30900100);
    /* Gate BTC_USDT futures: 25 contracts x 0.0001 BTC x 61800.2 = 154.5005 USDT. */
    notional_is(&gate, 618002, 25, 0, 0, INT64_C(15450050000));
    /* Taker 0.075 %: 0.115875375 -> 0.11587538 (half away from zero); maker -0.01 %: rebate. */
    assert_int_equal(cx_fee(INT64_C(15450050000), 750000), 11587538);
    assert_int_equal(cx_fee(INT64_C(15450050000), -100000), -1545005);
    assert_int_equal(cx_fee(-INT64_C(15450050000), 750000), -11587538);
    /* 61.83763 USDT at 0.1 % = 0.06183763 USDT. */
    assert_int_equal(cx_fee(INT64_C(6183763000), 1000000), 6183763);
    /* Rounding of fees: 0.4 -> 0, 0.5 -> 1, -0.5 -> -1, rebates round the same way. */
    assert_int_equal(cx_fee(4, 100000000), 0);
    assert_int_equal(cx_fee(5, 100000000), 1);
    assert_int_equal(cx_fee(-5, 100000000), -1);
    assert_int_equal(cx_fee(5, -100000000), -1);
    assert_int_equal(cx_fee(0, 750000), 0);
    assert_int_equal(cx_fee(INT64_MAX, 1000000000), INT64_MAX);
    assert_int_equal(cx_fee(INT64_MAX, 2000000000), INT64_MAX); /* saturates */
    assert_int_equal(cx_fee(INT64_MAX, -2000000000), -INT64_MAX);

    /* Not representable at 1e-8: exact mode refuses, rounding mode rounds half away. */
    notional_is(&bn_spot, 1, 1, 0, CX_EPRECISION, 0);
    notional_is(&bn_spot, 1, 1, 1, 0, 0);
    notional_is(&bn_spot, 50000000, 1, 1, 0, 1);   /* 0.5e-8 -> 1e-8 */
    notional_is(&bn_spot, 49999999, 1, 1, 0, 0);
    notional_is(&bn_spot, -50000000, 1, 1, 0, -1); /* signs are kept */
    notional_is(&bn_spot, 50000000, -1, 1, 0, -1);
    notional_is(&usdm, -6180020, 10, 0, 0, -INT64_C(61800200000));
    /* Multiplier 0 reads as 1; a negative multiplier is invalid. */
    struct cx_instrument zero_mult = inst_of(-2, -3, 0, 0);
    notional_is(&zero_mult, 6180020, 10, 0, 0, INT64_C(61800200000));
    struct cx_instrument neg_mult = inst_of(-2, -3, -1, 0);
    notional_is(&neg_mult, 6180020, 10, 0, CX_EINVAL, 0);
    notional_is(&usdm, 6180020, 10, 2, CX_EINVAL, 0);
    assert_int_equal(cx_notional(NULL, 1, 1, 0, &(int64_t){0}), CX_EINVAL);
    assert_int_equal(cx_notional(&usdm, 1, 1, 0, NULL), CX_EINVAL);

    /* Overflow: the int64 result, the 128-bit product, and huge exponents. */
    struct cx_instrument unit = inst_of(0, 0, 1, 0);
    notional_is(&unit, 92233720368, 1, 0, 0, INT64_C(9223372036800000000));
    notional_is(&unit, 92233720369, 1, 0, CX_EOVERFLOW, 0);
    notional_is(&unit, INT64_C(10000000000), INT64_C(10000000000), 1, CX_EOVERFLOW, 0);
    struct cx_instrument big_mult = inst_of(-18, -18, INT64_MAX, -18);
    notional_is(&big_mult, INT64_MAX, INT64_MAX, 1, CX_EOVERFLOW, 0);
    notional_is(&big_mult, INT64_MIN, INT64_MIN, 1, CX_EOVERFLOW, 0);
    struct cx_instrument tiny = inst_of(-18, -18, 1, -18); /* 10^-54: shift -46 */
    notional_is(&tiny, INT64_MAX, INT64_MAX, 0, CX_EPRECISION, 0);
    notional_is(&tiny, INT64_MAX, INT64_MAX, 1, 0, 0);
    notional_is(&tiny, 0, INT64_MAX, 0, 0, 0);
    struct cx_instrument huge = inst_of(18, 18, 1, 18); /* shift +62 */
    notional_is(&huge, 0, 5, 0, 0, 0);
    notional_is(&huge, 1, 1, 0, CX_EOVERFLOW, 0);
}

/* ---------------------------------------------------------------------------------------------
 * MARK: accounts
 * ------------------------------------------------------------------------------------------- */

static struct cx_order_req acct_req(uint32_t inst, uint8_t side, int64_t qty_m, uint8_t flags)
{
    struct cx_order_req r = limit_req(inst, side, 0, qty_m);
    r.flags = flags;
    return r;
}

static void test_account_spot(void **state)
{
    (void)state;
    struct cx_registry reg;
    make_reg(&reg);
    const struct cx_instrument *bn = cx_registry_get(&reg, I_BN_SPOT);
    const struct cx_instrument *gs = cx_registry_get(&reg, I_GATE_SPOT);
    struct cx_account a;
    memset(&a, 0, sizeof a);
    a.venue = CX_VENUE_BINANCE_SPOT;
    struct cx_balance *usdt = cx_account_balance(&a, "USDT");
    assert_non_null(usdt);
    assert_ptr_equal(cx_account_balance(&a, "USDT"), usdt);
    usdt->total = 100 * Q8;

    /* Buy 0.00100 BTC at 61837.63 with 0.1 %: needs 61.83763 + 0.06183763 USDT. */
    const int64_t px = INT64_C(6183763000000);
    struct cx_order_req buy = acct_req(I_BN_SPOT, CX_SIDE_BID, 100000, 0);
    const char *asset = NULL;
    int64_t hold = 0;
    assert_int_equal(cx_account_order_hold(bn, &buy, px, 1000000, &asset, &hold), 0);
    assert_string_equal(asset, "USDT");
    assert_int_equal(hold, INT64_C(6189946763));
    assert_int_equal(cx_account_check(&a, bn, &buy, px, 1000000), CX_REJ_NONE);
    /* Exactly enough passes, 1e-8 less fails; locked funds are not free. */
    usdt->total = INT64_C(6189946763);
    assert_int_equal(cx_account_check(&a, bn, &buy, px, 1000000), CX_REJ_NONE);
    usdt->total -= 1;
    assert_int_equal(cx_account_check(&a, bn, &buy, px, 1000000), CX_REJ_BALANCE);
    /* A maker rebate is not counted on: the notional alone is needed. */
    usdt->total = INT64_C(6183763000);
    assert_int_equal(cx_account_check(&a, bn, &buy, px, -100000), CX_REJ_NONE);
    assert_int_equal(cx_account_check(&a, bn, &buy, px, 1), CX_REJ_BALANCE);
    usdt->total = 100 * Q8;
    assert_int_equal(cx_account_lock(&a, "USDT", 40 * Q8), 0);
    assert_int_equal(usdt->locked, 40 * Q8);
    assert_int_equal(cx_account_check(&a, bn, &buy, px, 1000000), CX_REJ_BALANCE);
    assert_int_equal(cx_account_lock(&a, "USDT", 60 * Q8 + 1), CX_ERANGE);
    assert_int_equal(cx_account_unlock(&a, "USDT", 40 * Q8 + 1), CX_ERANGE);
    assert_int_equal(cx_account_unlock(&a, "USDT", 40 * Q8), 0);
    assert_int_equal(usdt->locked, 0);
    assert_int_equal(cx_account_lock(&a, "ETH", 1), CX_ERANGE);
    assert_int_equal(cx_account_lock(&a, "USDT", -1), CX_EINVAL);
    assert_int_equal(cx_account_unlock(&a, "ETH", 0), 0);
    assert_int_equal(cx_account_check(&a, bn, &buy, px, 1000000), CX_REJ_NONE);

    /* Sell needs the base quantity. */
    struct cx_order_req sell = acct_req(I_BN_SPOT, CX_SIDE_ASK, 100000, 0);
    assert_int_equal(cx_account_check(&a, bn, &sell, px, 1000000), CX_REJ_BALANCE);
    cx_account_balance(&a, "BTC")->total = 99999;
    assert_int_equal(cx_account_check(&a, bn, &sell, px, 1000000), CX_REJ_BALANCE);
    cx_account_balance(&a, "BTC")->total = 100000;
    assert_int_equal(cx_account_check(&a, bn, &sell, px, 1000000), CX_REJ_NONE);
    assert_int_equal(cx_account_order_hold(bn, &sell, px, 1000000, &asset, &hold), 0);
    assert_string_equal(asset, "BTC");
    assert_int_equal(hold, 100000);
    cx_account_balance(&a, "BTC")->total = 0;

    /* Invalid requests. */
    struct cx_order_req r = buy;
    r.flags = CX_ORD_F_REDUCE_ONLY;
    assert_int_equal(cx_account_check(&a, bn, &r, px, 0), CX_REJ_INVALID);
    r = buy;
    r.qty_m = 0;
    assert_int_equal(cx_account_check(&a, bn, &r, px, 0), CX_REJ_INVALID);
    assert_int_equal(cx_account_check(&a, bn, &buy, 0, 0), CX_REJ_INVALID);
    r = buy;
    r.side = 7;
    assert_int_equal(cx_account_check(&a, bn, &r, px, 0), CX_REJ_INVALID);
    assert_int_equal(cx_account_check(&a, gs, &buy, px, 0), CX_REJ_INVALID); /* inst mismatch */
    assert_int_equal(cx_account_check(NULL, bn, &buy, px, 0), CX_REJ_INVALID);

    /* Gate spot (qty_exp -10): 1e-10 BTC cannot sit in a 1e-8 balance; 1e-8 BTC can. */
    cx_account_balance(&a, "BTC")->total = Q8;
    struct cx_order_req gsell = acct_req(I_GATE_SPOT, CX_SIDE_ASK, 1, 0);
    assert_int_equal(cx_account_check(&a, gs, &gsell, 618376, 0), CX_REJ_INVALID);
    gsell.qty_m = 100;
    assert_int_equal(cx_account_check(&a, gs, &gsell, 618376, 0), CX_REJ_NONE);
    cx_account_balance(&a, "BTC")->total = 0;

    /* Settlement: buy 0.001 @ 61837.63, fee 0.06183763 USDT. */
    struct cx_fill f;
    memset(&f, 0, sizeof f);
    f.inst_id = I_BN_SPOT;
    f.side = CX_SIDE_BID;
    f.price_m = px;
    f.qty_m = 100000;
    f.fee = 6183763;
    assert_int_equal(cx_account_apply_fill(&a, bn, &f), 0);
    assert_int_equal(cx_account_balance(&a, "BTC")->total, 100000);
    assert_int_equal(usdt->total, 100 * Q8 - INT64_C(6183763000) - 6183763);
    /* Sell half at 61900.00 (30.95 USDT) with a 0.01 USDT fee. */
    f.side = CX_SIDE_ASK;
    f.price_m = INT64_C(6190000000000);
    f.qty_m = 50000;
    f.fee = 1000000;
    assert_int_equal(cx_account_apply_fill(&a, bn, &f), 0);
    assert_int_equal(cx_account_balance(&a, "BTC")->total, 50000);
    assert_int_equal(usdt->total, 100 * Q8 - INT64_C(6183763000) - 6183763 +
                                      INT64_C(3095000000) - 1000000);
    /* Errors leave balances alone. */
    struct cx_account copy;
    memcpy(&copy, &a, sizeof copy);
    struct cx_fill g = f;
    g.inst_id = I_GATE_SPOT;
    g.qty_m = 1;
    g.price_m = 618376;
    assert_int_equal(cx_account_apply_fill(&a, gs, &g), CX_EPRECISION);
    g = f;
    g.qty_m = 0;
    assert_int_equal(cx_account_apply_fill(&a, bn, &g), CX_EINVAL);
    g = f;
    g.inst_id = I_GATE_SPOT;
    assert_int_equal(cx_account_apply_fill(&a, bn, &g), CX_EINVAL);
    g = f;
    g.fee = INT64_MAX;
    g.side = CX_SIDE_BID;
    assert_int_equal(cx_account_apply_fill(&a, bn, &g), CX_EOVERFLOW);
    assert_memory_equal(&a, &copy, sizeof copy);

    /* The balance table holds 16 assets of at most 15 bytes. */
    char name[16];
    for (int i = (int)a.n_balances; i < CX_ACCOUNT_MAX_ASSETS; i++) {
        snprintf(name, sizeof name, "A%d", i);
        assert_non_null(cx_account_balance(&a, name));
    }
    assert_null(cx_account_balance(&a, "ONEMORE"));
    assert_int_equal(cx_account_lock(&a, "ONEMORE", 0), CX_ENOSPC);
    assert_non_null(cx_account_balance(&a, "USDT"));
    assert_null(cx_account_balance(&a, "ABCDEFGHIJKLMNOP"));
    assert_null(cx_account_balance(&a, ""));
    assert_null(cx_account_balance(&a, NULL));
    cx_registry_fini(&reg);
}

static void test_account_perp(void **state)
{
    (void)state;
    struct cx_registry reg;
    make_reg(&reg);
    const struct cx_instrument *um = cx_registry_get(&reg, I_BN_USDM);
    const struct cx_instrument *gp = cx_registry_get(&reg, I_GATE_PERP);
    struct cx_account a;
    memset(&a, 0, sizeof a);
    a.venue = CX_VENUE_BINANCE_USDM;
    a.leverage = 10;
    struct cx_balance *w = cx_account_balance(&a, "USDT");
    w->total = 1000 * Q8;

    /* Margin: 0.100 BTC @ 61800.20 = 6180.02; /10 = 618.002 + fee 3.09001 fits 1000 USDT;
     * 0.200 needs 1236.004 + 6.18002 and does not. */
    struct cx_order_req r = acct_req(I_BN_USDM, CX_SIDE_BID, 100, 0);
    assert_int_equal(cx_account_check(&a, um, &r, 6180020, 500000), CX_REJ_NONE);
    r.qty_m = 200;
    assert_int_equal(cx_account_check(&a, um, &r, 6180020, 500000), CX_REJ_MARGIN);
    /* The boundary: 0.161 BTC needs 994.98322 + 4.9749161 = 999.9581361; 0.162 needs
     * 1001.16324 + 5.0058162. */
    r.qty_m = 161;
    assert_int_equal(cx_account_check(&a, um, &r, 6180020, 500000), CX_REJ_NONE);
    r.qty_m = 162;
    assert_int_equal(cx_account_check(&a, um, &r, 6180020, 500000), CX_REJ_MARGIN);
    /* Reduce-only on a flat account. */
    r = acct_req(I_BN_USDM, CX_SIDE_ASK, 10, CX_ORD_F_REDUCE_ONLY);
    assert_int_equal(cx_account_check(&a, um, &r, 6180020, 500000), CX_REJ_REDUCE_ONLY);

    /* Buy 0.010 @ 61800.20: 618.002 USDT, fee 0.309001. */
    struct cx_fill f;
    memset(&f, 0, sizeof f);
    f.inst_id = I_BN_USDM;
    f.side = CX_SIDE_BID;
    f.price_m = 6180020;
    f.qty_m = 10;
    f.fee = cx_fee(INT64_C(61800200000), 500000);
    assert_int_equal(f.fee, 30900100);
    assert_int_equal(cx_account_apply_fill(&a, um, &f), 0);
    const struct cx_perp_pos *pp = cx_account_perp(&a, I_BN_USDM);
    assert_int_equal(pp->qty_m, 10);
    assert_int_equal(pp->entry_price_m, 6180020);
    assert_int_equal(pp->cost, INT64_C(61800200000));
    assert_int_equal(w->total, 1000 * Q8 - 30900100);
    /* Buy 0.030 @ 61900.00 (1857 USDT): cost 2475.002, entry 2475.002 / 0.04 = 61875.05. */
    f.price_m = 6190000;
    f.qty_m = 30;
    f.fee = 0;
    assert_int_equal(cx_account_apply_fill(&a, um, &f), 0);
    assert_int_equal(pp->qty_m, 40);
    assert_int_equal(pp->cost, INT64_C(247500200000));
    assert_int_equal(pp->entry_price_m, 6187505);
    assert_int_equal(cx_account_margin_used(&a), INT64_C(24750020000));

    /* Reduce-only: selling up to 0.040 passes (without margin), more or buying does not. */
    r = acct_req(I_BN_USDM, CX_SIDE_ASK, 40, CX_ORD_F_REDUCE_ONLY);
    assert_int_equal(cx_account_check(&a, um, &r, 6180020, 500000), CX_REJ_NONE);
    r.qty_m = 41;
    assert_int_equal(cx_account_check(&a, um, &r, 6180020, 500000), CX_REJ_REDUCE_ONLY);
    r = acct_req(I_BN_USDM, CX_SIDE_BID, 1, CX_ORD_F_REDUCE_ONLY);
    assert_int_equal(cx_account_check(&a, um, &r, 6180020, 500000), CX_REJ_REDUCE_ONLY);
    /* Used margin 247.50002 leaves 752.19 free: another 0.100 (621.09) fits, 0.130 does not;
     * a flip selling 0.140 releases the long's margin and opens only 0.100. */
    r = acct_req(I_BN_USDM, CX_SIDE_BID, 100, 0);
    assert_int_equal(cx_account_check(&a, um, &r, 6180020, 500000), CX_REJ_NONE);
    r.qty_m = 130;
    assert_int_equal(cx_account_check(&a, um, &r, 6180020, 500000), CX_REJ_MARGIN);
    r = acct_req(I_BN_USDM, CX_SIDE_ASK, 190, 0); /* opens 0.150: 927.003 + 5.87 fee */
    assert_int_equal(cx_account_check(&a, um, &r, 6180020, 500000), CX_REJ_NONE);
    r.qty_m = 210; /* opens 0.170: 1050.6 > 999.69 */
    assert_int_equal(cx_account_check(&a, um, &r, 6180020, 500000), CX_REJ_MARGIN);

    /* Sell 0.020 @ 62000.00 (1240): removes 1237.501, realizes +2.499; entry kept. */
    f.side = CX_SIDE_ASK;
    f.price_m = 6200000;
    f.qty_m = 20;
    f.fee = 0;
    assert_int_equal(cx_account_apply_fill(&a, um, &f), 0);
    assert_int_equal(pp->qty_m, 20);
    assert_int_equal(pp->cost, INT64_C(123750100000));
    assert_int_equal(pp->realized_pnl, 249900000);
    assert_int_equal(pp->entry_price_m, 6187505);
    assert_int_equal(w->total, 1000 * Q8 - 30900100 + 249900000);
    /* Flip: sell 0.050 @ 61000.00: closes 0.020 (1220 - 1237.501 = -17.501) and opens a
     * 0.030 short at 61000.00 (1830 USDT). */
    f.price_m = 6100000;
    f.qty_m = 50;
    f.fee = 100;
    assert_int_equal(cx_account_apply_fill(&a, um, &f), 0);
    assert_int_equal(pp->qty_m, -30);
    assert_int_equal(pp->entry_price_m, 6100000);
    assert_int_equal(pp->cost, INT64_C(183000000000));
    assert_int_equal(pp->realized_pnl, 249900000 - 1750100000);
    int64_t wallet = 1000 * Q8 - 30900100 + 249900000 - 1750100000 - 100;
    assert_int_equal(w->total, wallet);

    /* Funding at mark 61000.00, 0.01 %: the short receives 1830 x 0.0001 = 0.183 USDT. */
    int64_t amount = 0;
    assert_int_equal(cx_account_apply_funding(&a, um, 6100000, 100000, &amount), 0);
    assert_int_equal(amount, 18300000);
    assert_int_equal(w->total, wallet + 18300000);
    /* A negative rate makes the short pay. */
    assert_int_equal(cx_account_apply_funding(&a, um, 6100000, -100000, &amount), 0);
    assert_int_equal(amount, -18300000);
    assert_int_equal(w->total, wallet);

    /* Cover the short exactly at 60000.00: realizes 1830 - 1800 = +30. */
    f.side = CX_SIDE_BID;
    f.price_m = 6000000;
    f.qty_m = 30;
    f.fee = 0;
    assert_int_equal(cx_account_apply_fill(&a, um, &f), 0);
    assert_int_equal(pp->qty_m, 0);
    assert_int_equal(pp->cost, 0);
    assert_int_equal(pp->entry_price_m, 0);
    assert_int_equal(pp->realized_pnl, 249900000 - 1750100000 + 30 * Q8);
    assert_int_equal(cx_account_margin_used(&a), 0);
    assert_int_equal(cx_account_apply_funding(&a, um, 6100000, 100000, &amount), 0);
    assert_int_equal(amount, 0);

    /* Worked example: long 0.010 at mark 61800.20, 0.01 % -> pays 0.0618002 USDT. */
    struct cx_account b;
    memset(&b, 0, sizeof b);
    f.side = CX_SIDE_BID;
    f.price_m = 6180020;
    f.qty_m = 10;
    f.fee = 0;
    assert_int_equal(cx_account_apply_fill(&b, um, &f), 0);
    assert_int_equal(cx_account_apply_funding(&b, um, 6180020, 100000, NULL), 0);
    assert_int_equal(cx_account_balance(&b, "USDT")->total, -6180020);
    assert_int_equal(cx_account_apply_funding(&b, cx_registry_get(&reg, I_BN_SPOT), 1, 1, NULL),
                     CX_EINVAL);
    assert_int_equal(cx_account_apply_funding(&b, um, 0, 1, NULL), CX_EINVAL);

    /* Gate: entry of 25 @ 61800.2 and 15 @ 61810.0 = 61803.875 -> 61803.9 (half away). */
    struct cx_account g;
    memset(&g, 0, sizeof g);
    g.leverage = 0; /* means 1 */
    cx_account_balance(&g, "USDT")->total = 300 * Q8;
    struct cx_order_req gr = acct_req(I_GATE_PERP, CX_SIDE_BID, 25, 0);
    assert_int_equal(cx_account_check(&g, gp, &gr, 618002, 750000), CX_REJ_NONE);
    gr.qty_m = 20000;
    assert_int_equal(cx_account_check(&g, gp, &gr, 618002, 750000), CX_REJ_MARGIN);
    memset(&f, 0, sizeof f);
    f.inst_id = I_GATE_PERP;
    f.side = CX_SIDE_BID;
    f.price_m = 618002;
    f.qty_m = 25;
    f.fee = cx_fee(INT64_C(15450050000), 750000);
    assert_int_equal(cx_account_apply_fill(&g, gp, &f), 0);
    f.price_m = 618100;
    f.qty_m = 15;
    f.fee = cx_fee(INT64_C(9271500000), -100000); /* maker rebate: -0.0092715 */
    assert_int_equal(f.fee, -927150);
    assert_int_equal(cx_account_apply_fill(&g, gp, &f), 0);
    const struct cx_perp_pos *gpp = cx_account_perp(&g, I_GATE_PERP);
    assert_int_equal(gpp->cost, INT64_C(24721550000));
    assert_int_equal(gpp->entry_price_m, 618039);
    assert_int_equal(cx_account_balance(&g, "USDT")->total, 300 * Q8 - 11587538 + 927150);

    /* Inverse perps are not modelled; the perp table holds 16 instruments. */
    const struct cx_instrument *inv = cx_registry_get(&reg, I_INVERSE);
    struct cx_order_req ir = acct_req(I_INVERSE, CX_SIDE_BID, 1, 0);
    assert_int_equal(cx_account_check(&g, inv, &ir, 100, 0), CX_REJ_INVALID);
    f.inst_id = I_INVERSE;
    assert_int_equal(cx_account_apply_fill(&g, inv, &f), CX_ENOTSUP);
    for (uint32_t i = g.n_perps; i < CX_ACCOUNT_MAX_PERPS; i++)
        assert_non_null(cx_account_perp(&g, 100 + i));
    assert_null(cx_account_perp(&g, 5000));
    assert_non_null(cx_account_perp(&g, I_GATE_PERP));
    f.inst_id = I_BN_USDM;
    memcpy(&b, &g, sizeof b);
    assert_int_equal(cx_account_apply_fill(&g, um, &f), CX_ENOSPC);
    assert_memory_equal(&g, &b, sizeof b);
    cx_registry_fini(&reg);
}

/* ---------------------------------------------------------------------------------------------
 * MARK: names
 * ------------------------------------------------------------------------------------------- */

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(cx_ord_status_name(CX_ORD_PENDING_NEW), "pending_new");
    assert_string_equal(cx_ord_status_name(CX_ORD_PARTIALLY_FILLED), "partially_filled");
    assert_string_equal(cx_ord_status_name(CX_ORD_EXPIRED), "expired");
    assert_string_equal(cx_ord_status_name(CX_ORD_STATUS_COUNT), "unknown");
    assert_string_equal(cx_reject_name(CX_REJ_MIN_NOTIONAL), "min_notional");
    assert_string_equal(cx_reject_name(CX_REJ_INVALID), "invalid");
    assert_string_equal(cx_reject_name(CX_REJ_COUNT), "unknown");
    assert_string_equal(cx_tif_name(CX_TIF_POST_ONLY), "post_only");
    assert_string_equal(cx_tif_name((enum cx_tif)9), "unknown");
    /* Every name exists and is unique. */
    for (int i = 0; i < CX_ORD_STATUS_COUNT; i++)
        for (int j = 0; j < i; j++)
            assert_string_not_equal(cx_ord_status_name(i), cx_ord_status_name(j));
    for (int i = 0; i < CX_REJ_COUNT; i++) {
        assert_string_not_equal(cx_reject_name(i), "unknown");
        for (int j = 0; j < i; j++)
            assert_string_not_equal(cx_reject_name(i), cx_reject_name(j));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_transition_table),
        cmocka_unit_test(test_pending_cancel),
        cmocka_unit_test(test_submit),
        cmocka_unit_test(test_default_capacity),
        cmocka_unit_test(test_open_orders),
        cmocka_unit_test(test_partial_then_cancel),
        cmocka_unit_test(test_position_known),
        cmocka_unit_test(test_position_gate),
        cmocka_unit_test(test_reconcile_random),
        cmocka_unit_test(test_notional_fee),
        cmocka_unit_test(test_account_spot),
        cmocka_unit_test(test_account_perp),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
