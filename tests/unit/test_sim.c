/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the simulated venue. Hand-made books and trade prints check exact behaviour
 * against hand-computed answers: latency distributions, every reject reason, post-only, IOC and
 * FOK, market walks with taker fees, GTC orders that cross and rest, both queue models (trade
 * prints, level decreases with and without trades), partial and trade-through fills, fills
 * when the book crosses a resting order, maker rebates, the cancel/fill race under latency,
 * funding signs, locks, and determinism. A real-data test replays the bundled Binance BTCUSDT
 * spot recording, quotes post-only at the touch every 5 s and checks that every fill is at the
 * order price, never overfills, and that the account reconciles exactly with the fills.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cexarb/sim.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------------------------------------
 * MARK: fixture
 * ------------------------------------------------------------------------------------------- */

#define ENTRY_NS 1000  /* constant entry latency of the fixture */
#define RESP_NS 500    /* constant response latency of the fixture */
#define USDT(x) ((int64_t)((x) * 100000000.0 + ((x) < 0 ? -0.5 : 0.5))) /* quote @ 1e-8 */
#define PX(x) ((int64_t)((x) * 100.0 + 0.5))                             /* price @ 1e-2 */
#define QTY(x) ((int64_t)((x) * 1000.0 + 0.5))                           /* qty @ 1e-3 */
#define MAX_MSGS 1024

struct fx {
    struct cx_registry reg;
    uint32_t spot;              /* TSTUSDT binance_spot */
    uint32_t perp;              /* TSTUSDT binance_usdm */
    struct cx_sim_cfg cfg;
    struct cx_sim *sim;
    uint64_t last_seq[2];       /* last depth update id sent, per instrument */
    uint64_t trade_id;          /* trade ids */
    uint32_t n;                 /* messages collected */
    struct cx_exec_report msgs[MAX_MSGS];
};

static struct cx_instrument make_inst(enum cx_venue venue, enum cx_inst_kind kind)
{
    struct cx_instrument in;
    memset(&in, 0, sizeof in);
    in.venue = (uint8_t)venue;
    in.kind = (uint8_t)kind;
    in.price_exp = -2;
    in.qty_exp = -3;
    snprintf(in.symbol, sizeof in.symbol, "TSTUSDT");
    snprintf(in.base, sizeof in.base, "TST");
    snprintf(in.quote, sizeof in.quote, "USDT");
    in.multiplier = 1;
    in.multiplier_exp = 0;
    return in;
}

/* Default configuration: constant latencies, spot account 10000 USDT + 100 TST, perp account
 * 10000 USDT at leverage 10, risk-averse queues. */
static void default_cfg(struct fx *fx)
{
    struct cx_sim_cfg *c = &fx->cfg;
    memset(c, 0, sizeof *c);
    c->reg = &fx->reg;
    c->entry = (struct cx_latency_cfg){.kind = CX_LAT_CONSTANT, .a_ns = ENTRY_NS, .b_ns = 0};
    c->response = (struct cx_latency_cfg){.kind = CX_LAT_CONSTANT, .a_ns = RESP_NS, .b_ns = 0};
    c->seed = 42;
    c->queue_model = CX_QUEUE_RISK_AVERSE;
    c->n_accounts = 2;
    c->accounts[0].venue = CX_VENUE_BINANCE_SPOT;
    c->accounts[0].leverage = 1;
    cx_account_balance(&c->accounts[0], "USDT")->total = USDT(10000);
    cx_account_balance(&c->accounts[0], "TST")->total = USDT(100);
    c->accounts[1].venue = CX_VENUE_BINANCE_USDM;
    c->accounts[1].leverage = 10;
    cx_account_balance(&c->accounts[1], "USDT")->total = USDT(10000);
}

static struct fx *fx_alloc(void)
{
    struct fx *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    assert_int_equal(cx_registry_init(&fx->reg, 4), 0);
    /* Spot: tick 0.10, lot 0.010, min qty 0.020, min notional 5 USDT, 0.1 % maker, 0.2 %
     * taker. */
    struct cx_instrument s = make_inst(CX_VENUE_BINANCE_SPOT, CX_KIND_SPOT);
    s.tick = 10;
    s.lot = 10;
    s.min_qty = 20;
    s.min_notional = USDT(5);
    s.maker_fee_ppb = 1000000;
    s.taker_fee_ppb = 2000000;
    assert_int_equal(cx_registry_add(&fx->reg, &s, &fx->spot), 0);
    /* Perp: tick 0.10, lot 0.001, min notional 5 USDT, maker rebate 0.01 %, taker 0.05 %. */
    struct cx_instrument p = make_inst(CX_VENUE_BINANCE_USDM, CX_KIND_LINEAR_PERP);
    p.tick = 10;
    p.lot = 1;
    p.min_qty = 1;
    p.min_notional = USDT(5);
    p.maker_fee_ppb = -100000;
    p.taker_fee_ppb = 500000;
    assert_int_equal(cx_registry_add(&fx->reg, &p, &fx->perp), 0);
    default_cfg(fx);
    return fx;
}

static void fx_start(struct fx *fx)
{
    struct cx_parse_err err;
    memset(&err, 0, sizeof err);
    int rc = cx_sim_new(&fx->sim, &fx->cfg, &err);
    if (rc != 0)
        fail_msg("cx_sim_new: %s (%s)", err.msg ? err.msg : "?", err.detail);
}

static struct fx *fx_new(void)
{
    struct fx *fx = fx_alloc();
    fx_start(fx);
    return fx;
}

static void fx_free(struct fx *fx)
{
    cx_sim_free(fx->sim);
    cx_registry_fini(&fx->reg);
    free(fx);
}

/* ---------------------------------------------------------------------------------------------
 * MARK: market messages
 * ------------------------------------------------------------------------------------------- */

struct lvl {
    uint8_t side;   /* CX_SIDE_BID / CX_SIDE_ASK */
    int64_t px;     /* price mantissa */
    int64_t qty;    /* quantity mantissa (0 deletes in a delta) */
};

static int send_depth(struct fx *fx, uint32_t inst, bool is_snapshot, const struct lvl *l,
                      uint32_t n, int64_t t)
{
    struct cx_md_event ev[32];
    memset(ev, 0, sizeof ev);
    assert_true(n < 32);
    const struct cx_instrument *in = cx_registry_get(&fx->reg, inst);
    uint64_t last = fx->last_seq[inst];
    uint64_t first, seq, prev = 0;
    uint16_t extra = 0;
    if (is_snapshot) {
        first = seq = last + 100;
    } else if (in->venue == CX_VENUE_BINANCE_USDM) {
        first = last; /* U <= lid <= u on the first delta, then pu == prev u */
        seq = last + 1;
        prev = last;
        extra = CX_MD_F_HAS_PREV;
    } else {
        first = seq = last + 1;
    }
    fx->last_seq[inst] = seq;
    uint32_t count = n > 0 ? n : 1;
    for (uint32_t i = 0; i < count; i++) {
        struct cx_md_event *e = &ev[i];
        e->exch_ts_ns = t;
        e->local_ts_ns = t;
        e->seq = seq;
        e->inst_id = inst;
        e->type = is_snapshot ? CX_MD_DEPTH_SNAPSHOT : CX_MD_DEPTH_DELTA;
        e->flags = extra;
        if (n == 0) {
            e->flags |= CX_MD_F_NOLEVEL;
        } else {
            e->flags |= l[i].side == CX_SIDE_ASK ? CX_MD_F_ASK : 0;
            e->u.level.price_m = l[i].px;
            e->u.level.qty_m = l[i].qty;
        }
        if (i == 0)
            e->flags |= CX_MD_F_BEGIN;
        if (i == count - 1)
            e->flags |= CX_MD_F_END;
        e->u.level.seq_first = first;
        e->u.level.seq_prev = prev;
    }
    struct cx_md_batch b = {
        .ev = ev, .n = count, .cap = 32,
        .kind = is_snapshot ? CX_MD_KIND_SNAPSHOT : CX_MD_KIND_DEPTH,
        .venue = in->venue, .inst_id = inst, .local_ts_ns = t,
    };
    return cx_sim_on_market(fx->sim, &b, t);
}

static void snapshot(struct fx *fx, uint32_t inst, const struct lvl *l, uint32_t n, int64_t t)
{
    assert_int_equal(send_depth(fx, inst, true, l, n, t), 0);
    assert_int_equal(cx_book_state(cx_sim_book(fx->sim, inst)), CX_BOOK_SYNCED);
}

static void delta(struct fx *fx, uint32_t inst, const struct lvl *l, uint32_t n, int64_t t)
{
    assert_int_equal(send_depth(fx, inst, false, l, n, t), 0);
}

static void trade(struct fx *fx, uint32_t inst, int64_t px, int64_t qty, bool is_buy_taker,
                  int64_t t)
{
    struct cx_md_event e;
    memset(&e, 0, sizeof e);
    e.exch_ts_ns = e.local_ts_ns = t;
    e.seq = ++fx->trade_id;
    e.inst_id = inst;
    e.type = CX_MD_TRADE;
    e.flags = CX_MD_F_SINGLE | (is_buy_taker ? CX_MD_F_BUY_TAKER : 0);
    e.u.trade.price_m = px;
    e.u.trade.qty_m = qty;
    const struct cx_instrument *in = cx_registry_get(&fx->reg, inst);
    struct cx_md_batch b = { .ev = &e, .n = 1, .cap = 1, .kind = CX_MD_KIND_TRADE,
                             .venue = in->venue, .inst_id = inst, .local_ts_ns = t };
    assert_int_equal(cx_sim_on_market(fx->sim, &b, t), 0);
}

/* The fixture's standard spot book: bids 99.90 x 5, 99.80 x 3; asks 100.10 x 2, 100.20 x 4,
 * 100.40 x 1. */
static void spot_book(struct fx *fx, int64_t t)
{
    const struct lvl l[] = {
        { CX_SIDE_BID, PX(99.90), QTY(5) },  { CX_SIDE_BID, PX(99.80), QTY(3) },
        { CX_SIDE_ASK, PX(100.10), QTY(2) }, { CX_SIDE_ASK, PX(100.20), QTY(4) },
        { CX_SIDE_ASK, PX(100.40), QTY(1) },
    };
    snapshot(fx, fx->spot, l, 5, t);
}

static void perp_book(struct fx *fx, int64_t t)
{
    const struct lvl l[] = {
        { CX_SIDE_BID, PX(99.90), QTY(5) },
        { CX_SIDE_ASK, PX(100.10), QTY(5) },
    };
    snapshot(fx, fx->perp, l, 2, t);
}

/* ---------------------------------------------------------------------------------------------
 * MARK: orders and responses
 * ------------------------------------------------------------------------------------------- */

static void submit(struct fx *fx, uint64_t cid, uint32_t inst, uint8_t side, uint8_t type,
                   uint8_t tif, int64_t px, int64_t qty, int64_t now)
{
    struct cx_order_req r = { .client_id = cid, .inst_id = inst, .side = side, .type = type,
                              .tif = tif, .flags = 0, .price_m = px, .qty_m = qty };
    assert_int_equal(cx_sim_submit(fx->sim, &r, now), 0);
}

/* Run the venue up to `until` and collect every response due by then. */
static void pump(struct fx *fx, int64_t until)
{
    assert_int_equal(cx_sim_advance(fx->sim, until), 0);
    struct cx_exec_report m;
    while (cx_sim_poll(fx->sim, until, &m) == 1) {
        assert_true(fx->n < MAX_MSGS);
        assert_true(m.deliver_ns <= until);
        fx->msgs[fx->n++] = m;
    }
}

static const struct cx_exec_report *msg_at(const struct fx *fx, uint32_t i)
{
    if (i >= fx->n)
        fail_msg("expected a message #%u, have %u", (unsigned)i, (unsigned)fx->n);
    return &fx->msgs[i];
}

/* Check message i: type, client id, and for rejects the reason. */
static const struct cx_exec_report *expect(const struct fx *fx, uint32_t i, uint8_t type,
                                       uint64_t cid)
{
    const struct cx_exec_report *m = msg_at(fx, i);
    if (m->type != type || m->client_id != cid)
        fail_msg("message #%u: type %u cid %llu, expected type %u cid %llu (reject %s)",
                 (unsigned)i, m->type, (unsigned long long)m->client_id, type,
                 (unsigned long long)cid, cx_reject_name((enum cx_reject)m->reject));
    return m;
}

static const struct cx_exec_report *expect_fill(const struct fx *fx, uint32_t i, uint64_t cid,
                                            int64_t px, int64_t qty, uint8_t liq, int64_t fee)
{
    const struct cx_exec_report *m = expect(fx, i, CX_EXEC_FILL, cid);
    assert_int_equal(m->fill.client_id, cid);
    assert_int_equal(m->fill.price_m, px);
    assert_int_equal(m->fill.qty_m, qty);
    assert_int_equal(m->fill.liquidity, liq);
    assert_int_equal(m->fill.fee, fee);
    assert_int_equal(m->fill.local_ts_ns, m->deliver_ns);
    assert_int_equal(m->fill.exch_ts_ns, m->exch_ns);
    return m;
}

static void expect_reject(struct fx *fx, uint64_t cid, uint32_t inst, uint8_t side,
                          uint8_t type, uint8_t tif, int64_t px, int64_t qty, enum cx_reject why,
                          int64_t now)
{
    uint32_t first = fx->n;
    submit(fx, cid, inst, side, type, tif, px, qty, now);
    pump(fx, now + ENTRY_NS + RESP_NS);
    assert_int_equal(fx->n, first + 1);
    const struct cx_exec_report *m = expect(fx, first, CX_EXEC_REJECT, cid);
    if (m->reject != why)
        fail_msg("cid %llu: reject %s, expected %s", (unsigned long long)cid,
                 cx_reject_name((enum cx_reject)m->reject), cx_reject_name(why));
    assert_int_equal(m->exch_ns, now + ENTRY_NS);
    assert_int_equal(m->deliver_ns, now + ENTRY_NS + RESP_NS);
    assert_int_equal(m->venue_order_id, 0);
}

static const struct cx_balance *bal(const struct fx *fx, enum cx_venue v, const char *asset)
{
    const struct cx_account *a = cx_sim_account(fx->sim, v);
    assert_non_null(a);
    for (uint32_t i = 0; i < a->n_balances; i++)
        if (strcmp(a->balances[i].asset, asset) == 0)
            return &a->balances[i];
    fail_msg("no balance %s", asset);
    return NULL;
}

static int64_t queue_of(const struct fx *fx, uint64_t cid)
{
    int64_t q = -1;
    assert_int_equal(cx_sim_queue_ahead(fx->sim, cid, &q), 0);
    return q;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: configuration and latency
 * ------------------------------------------------------------------------------------------- */

static void test_config(void **state)
{
    (void)state;
    struct fx *fx = fx_alloc();
    struct cx_sim *s = NULL;
    struct cx_parse_err err;
    assert_int_equal(cx_sim_new(NULL, &fx->cfg, NULL), CX_EINVAL);
    assert_int_equal(cx_sim_new(&s, NULL, NULL), CX_EINVAL);

    struct cx_sim_cfg bad = fx->cfg;
    bad.reg = NULL;
    assert_int_equal(cx_sim_new(&s, &bad, &err), CX_EINVAL);
    bad = fx->cfg;
    bad.entry.kind = 9;
    memset(&err, 0, sizeof err);
    assert_int_equal(cx_sim_new(&s, &bad, &err), CX_EINVAL);
    assert_string_equal(err.detail, "entry");
    bad = fx->cfg;
    bad.response = (struct cx_latency_cfg){.kind = CX_LAT_UNIFORM, .a_ns = 10, .b_ns = 5};
    assert_int_equal(cx_sim_new(&s, &bad, &err), CX_EINVAL);
    assert_string_equal(err.detail, "response");
    bad = fx->cfg;
    bad.entry = (struct cx_latency_cfg){.kind = CX_LAT_LOGNORMAL, .a_ns = 0, .b_ns = 5};
    assert_int_equal(cx_sim_new(&s, &bad, &err), CX_EINVAL);
    bad = fx->cfg;
    bad.queue_model = 7;
    assert_int_equal(cx_sim_new(&s, &bad, &err), CX_EINVAL);
    bad = fx->cfg;
    bad.accounts[1].venue = CX_VENUE_BINANCE_SPOT;
    assert_int_equal(cx_sim_new(&s, &bad, &err), CX_EINVAL);
    bad = fx->cfg;
    bad.n_funding = 1;
    bad.funding[0] = (struct cx_sim_funding){ fx->spot, 100000, 1000, 0 };
    assert_int_equal(cx_sim_new(&s, &bad, &err), CX_EINVAL); /* spot has no funding */
    bad.funding[0] = (struct cx_sim_funding){ fx->perp, 100000, 0, 0 };
    assert_int_equal(cx_sim_new(&s, &bad, &err), CX_EINVAL); /* interval 0 */
    assert_null(s);

    fx_start(fx);
    assert_null(cx_sim_book(fx->sim, fx->spot));
    assert_int_equal(cx_sim_add_book(fx->sim, fx->spot), 0);
    assert_non_null(cx_sim_book(fx->sim, fx->spot));
    assert_int_equal(cx_sim_add_book(fx->sim, 99), CX_ESYMBOL);
    assert_int_equal(cx_sim_next_ns(fx->sim), INT64_MAX);
    assert_null(cx_sim_account(fx->sim, CX_VENUE_GATE_SPOT));
    fx_free(fx);
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static void test_latency_samples(void **state)
{
    (void)state;
    uint64_t st = 7;
    struct cx_latency_cfg c = {.kind = CX_LAT_CONSTANT, .a_ns = 1234, .b_ns = 0};
    for (int i = 0; i < 10; i++)
        assert_int_equal(cx_sim_latency_sample(&c, &st), 1234);

    enum { N = 200000 };
    int64_t *v = malloc(N * sizeof *v);
    assert_non_null(v);
    c = (struct cx_latency_cfg){.kind = CX_LAT_UNIFORM, .a_ns = 100, .b_ns = 199};
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    double sum = 0;
    for (int i = 0; i < N; i++) {
        int64_t x = cx_sim_latency_sample(&c, &st);
        lo = x < lo ? x : lo;
        hi = x > hi ? x : hi;
        sum += (double)x;
    }
    assert_int_equal(lo, 100);
    assert_int_equal(hi, 199);
    assert_true(fabs(sum / N - 149.5) < 0.5);

    /* Lognormal: median a, 99th percentile b. */
    c = (struct cx_latency_cfg){.kind = CX_LAT_LOGNORMAL, .a_ns = 1000000,
                                .b_ns = 5000000};
    for (int i = 0; i < N; i++) {
        v[i] = cx_sim_latency_sample(&c, &st);
        assert_true(v[i] > 0);
    }
    qsort(v, N, sizeof *v, cmp_i64);
    double med = (double)v[N / 2], p99 = (double)v[N * 99 / 100];
    assert_true(fabs(med / 1e6 - 1.0) < 0.02);
    assert_true(fabs(p99 / 5e6 - 1.0) < 0.04);
    free(v);

    /* Same seed, same sequence. */
    uint64_t s1 = 99, s2 = 99;
    for (int i = 0; i < 100; i++)
        assert_int_equal(cx_sim_latency_sample(&c, &s1), cx_sim_latency_sample(&c, &s2));
}

/* ---------------------------------------------------------------------------------------------
 * MARK: rejects
 * ------------------------------------------------------------------------------------------- */

static void test_rejects(void **state)
{
    (void)state;
    struct fx *fx = fx_new();
    int64_t t = 1000000;
    /* No book yet: stale. */
    expect_reject(fx, 1, fx->spot, CX_SIDE_BID, CX_ORD_LIMIT, CX_TIF_GTC, PX(99.90), QTY(1),
                  CX_REJ_BOOK_STALE, t);
    spot_book(fx, t += 10000);
    const uint8_t B = CX_SIDE_BID, A = CX_SIDE_ASK, L = CX_ORD_LIMIT, M = CX_ORD_MARKET;
    const uint8_t GTC = CX_TIF_GTC;
    expect_reject(fx, 2, fx->spot, B, L, GTC, PX(99.95), QTY(1), CX_REJ_TICK, t += 10000);
    expect_reject(fx, 3, fx->spot, B, L, GTC, PX(99.90), 1025, CX_REJ_LOT, t += 10000);
    expect_reject(fx, 4, fx->spot, B, L, GTC, PX(99.90), QTY(0.010), CX_REJ_MIN_QTY, t += 10000);
    expect_reject(fx, 5, fx->spot, B, L, GTC, PX(99.90), QTY(0.040), CX_REJ_MIN_NOTIONAL,
                  t += 10000); /* 3.996 USDT < 5 */
    expect_reject(fx, 6, fx->spot, B, L, GTC, PX(99.90), QTY(200), CX_REJ_BALANCE, t += 10000);
    expect_reject(fx, 7, fx->spot, A, L, GTC, PX(100.10), QTY(150), CX_REJ_BALANCE, t += 10000);
    expect_reject(fx, 8, fx->spot, B, M, CX_TIF_IOC, 0, QTY(200), CX_REJ_BALANCE, t += 10000);
    expect_reject(fx, 9, fx->spot, B, L, GTC, PX(99.90), 0, CX_REJ_INVALID, t += 10000);
    expect_reject(fx, 10, fx->spot, B, L, GTC, 0, QTY(1), CX_REJ_INVALID, t += 10000);
    expect_reject(fx, 11, fx->spot, 3, L, GTC, PX(99.90), QTY(1), CX_REJ_INVALID, t += 10000);
    expect_reject(fx, 12, fx->spot, B, M, CX_TIF_POST_ONLY, 0, QTY(1), CX_REJ_INVALID,
                  t += 10000);
    expect_reject(fx, 13, 77, B, L, GTC, PX(99.90), QTY(1), CX_REJ_INVALID, t += 10000);
    /* Reduce-only means nothing on spot. */
    {
        uint32_t first = fx->n;
        struct cx_order_req r = {.client_id = 14,
                                 .inst_id = fx->spot,
                                 .side = B,
                                 .type = L,
                                 .tif = GTC,
                                 .flags = CX_ORD_F_REDUCE_ONLY,
                                 .price_m = PX(99.90),
                                 .qty_m = QTY(1)};
        assert_int_equal(cx_sim_submit(fx->sim, &r, t += 10000), 0);
        pump(fx, t + ENTRY_NS + RESP_NS);
        assert_int_equal(expect(fx, first, CX_EXEC_REJECT, 14)->reject, CX_REJ_INVALID);
    }

    /* Perps: margin, reduce-only, no liquidity. */
    const struct lvl asks_only[] = { { CX_SIDE_ASK, PX(100.10), QTY(5) } };
    snapshot(fx, fx->perp, asks_only, 1, t += 10000);
    expect_reject(fx, 20, fx->perp, B, L, GTC, PX(100.00), QTY(1500), CX_REJ_MARGIN, t += 10000);
    {
        uint32_t first = fx->n;
        struct cx_order_req r = {.client_id = 21,
                                 .inst_id = fx->perp,
                                 .side = A,
                                 .type = L,
                                 .tif = GTC,
                                 .flags = CX_ORD_F_REDUCE_ONLY,
                                 .price_m = PX(100.00),
                                 .qty_m = QTY(1)};
        assert_int_equal(cx_sim_submit(fx->sim, &r, t += 10000), 0);
        pump(fx, t + ENTRY_NS + RESP_NS);
        assert_int_equal(expect(fx, first, CX_EXEC_REJECT, 21)->reject, CX_REJ_REDUCE_ONLY);
    }
    expect_reject(fx, 22, fx->perp, A, M, CX_TIF_IOC, 0, QTY(1), CX_REJ_NO_LIQUIDITY,
                  t += 10000);

    /* A book gap makes it stale: orders are refused until a snapshot resyncs it. */
    fx->last_seq[fx->spot] += 5;
    const struct lvl l1[] = { { CX_SIDE_BID, PX(99.70), QTY(1) } };
    delta(fx, fx->spot, l1, 1, t += 10000);
    assert_int_equal(cx_book_state(cx_sim_book(fx->sim, fx->spot)), CX_BOOK_STALE);
    expect_reject(fx, 23, fx->spot, B, L, GTC, PX(99.90), QTY(1), CX_REJ_BOOK_STALE, t += 10000);
    spot_book(fx, t += 10000);

    /* Duplicate client id while the first order is live. */
    submit(fx, 30, fx->spot, B, L, GTC, PX(99.00), QTY(1), t += 10000);
    pump(fx, t + ENTRY_NS + RESP_NS);
    expect(fx, fx->n - 1, CX_EXEC_ACK, 30);
    expect_reject(fx, 30, fx->spot, B, L, GTC, PX(99.00), QTY(1), CX_REJ_DUPLICATE_ID,
                  t += 10000);
    assert_int_equal(queue_of(fx, 30), 0); /* the original still rests */

    const struct cx_sim_stats *st = cx_sim_stats(fx->sim);
    assert_int_equal(st->rejects[CX_REJ_TICK], 1);
    assert_int_equal(st->rejects[CX_REJ_BALANCE], 3);
    assert_int_equal(st->rejects[CX_REJ_BOOK_STALE], 2);
    assert_int_equal(st->accepted, 1);
    fx_free(fx);
}

/* Resting orders lock balances; cancels release them; locked funds are not free. */
static void test_locks(void **state)
{
    (void)state;
    struct fx *fx = fx_new();
    int64_t t = 1000000;
    spot_book(fx, t);
    /* 50 @ 99.90 holds 4995 + 0.2 % (the taker rate a GTC may pay) = 5004.99 USDT. */
    submit(fx, 1, fx->spot, CX_SIDE_BID, CX_ORD_LIMIT, CX_TIF_GTC, PX(99.90), QTY(50), t);
    pump(fx, t + 10000);
    expect(fx, 0, CX_EXEC_ACK, 1);
    assert_int_equal(bal(fx, CX_VENUE_BINANCE_SPOT, "USDT")->locked, USDT(5004.99));
    /* 60 @ 99.80 needs 5999.976 > 4995.01 free. */
    expect_reject(fx, 2, fx->spot, CX_SIDE_BID, CX_ORD_LIMIT, CX_TIF_GTC, PX(99.80), QTY(60),
                  CX_REJ_BALANCE, t += 10000);
    /* A sell locks base. */
    submit(fx, 3, fx->spot, CX_SIDE_ASK, CX_ORD_LIMIT, CX_TIF_POST_ONLY, PX(101.00), QTY(70),
           t += 10000);
    pump(fx, t + 10000);
    assert_int_equal(bal(fx, CX_VENUE_BINANCE_SPOT, "TST")->locked, USDT(70));
    expect_reject(fx, 4, fx->spot, CX_SIDE_ASK, CX_ORD_LIMIT, CX_TIF_GTC, PX(101.00), QTY(40),
                  CX_REJ_BALANCE, t += 10000);
    assert_int_equal(cx_sim_cancel(fx->sim, 1, t += 10000), 0);
    assert_int_equal(cx_sim_cancel(fx->sim, 3, t), 0);
    pump(fx, t + 10000);
    expect(fx, fx->n - 2, CX_EXEC_CANCELED, 1);
    expect(fx, fx->n - 1, CX_EXEC_CANCELED, 3);
    assert_int_equal(bal(fx, CX_VENUE_BINANCE_SPOT, "USDT")->locked, 0);
    assert_int_equal(bal(fx, CX_VENUE_BINANCE_SPOT, "TST")->locked, 0);
    assert_int_equal(bal(fx, CX_VENUE_BINANCE_SPOT, "USDT")->total, USDT(10000));
    fx_free(fx);
}

/* ---------------------------------------------------------------------------------------------
 * MARK: taking liquidity
 * ------------------------------------------------------------------------------------------- */

static void test_post_only(void **state)
{
    (void)state;
    struct fx *fx = fx_new();
    int64_t t = 1000000;
    spot_book(fx, t);
    expect_reject(fx, 1, fx->spot, CX_SIDE_BID, CX_ORD_LIMIT, CX_TIF_POST_ONLY, PX(100.10),
                  QTY(1), CX_REJ_POST_ONLY, t += 10000);
    expect_reject(fx, 2, fx->spot, CX_SIDE_ASK, CX_ORD_LIMIT, CX_TIF_POST_ONLY, PX(99.90),
                  QTY(1), CX_REJ_POST_ONLY, t += 10000);
    /* Inside the spread: no queue. At the touch: behind the displayed 5. */
    submit(fx, 3, fx->spot, CX_SIDE_BID, CX_ORD_LIMIT, CX_TIF_POST_ONLY, PX(100.00), QTY(1),
           t += 10000);
    submit(fx, 4, fx->spot, CX_SIDE_BID, CX_ORD_LIMIT, CX_TIF_POST_ONLY, PX(99.90), QTY(1), t);
    pump(fx, t + ENTRY_NS + RESP_NS);
    const struct cx_exec_report *m = expect(fx, fx->n - 2, CX_EXEC_ACK, 3);
    assert_int_equal(m->leaves_qty_m, QTY(1));
    assert_true(m->venue_order_id > 0);
    expect(fx, fx->n - 1, CX_EXEC_ACK, 4);
    assert_int_equal(queue_of(fx, 3), 0);
    assert_int_equal(queue_of(fx, 4), QTY(5));
    fx_free(fx);
}

static void test_ioc_partial_expire(void **state)
{
    (void)state;
    struct fx *fx = fx_new();
    int64_t t = 1000000;
    spot_book(fx, t);
    submit(fx, 1, fx->spot, CX_SIDE_BID, CX_ORD_LIMIT, CX_TIF_IOC, PX(100.20), QTY(7), t += 10);
    pump(fx, t + ENTRY_NS + RESP_NS);
    assert_int_equal(fx->n, 4);
    expect(fx, 0, CX_EXEC_ACK, 1);
    /* 2 @ 100.10 = 200.20 USDT, fee 0.2 % = 0.4004; 4 @ 100.20 = 400.80, fee 0.8016. */
    const struct cx_exec_report *f1 =
        expect_fill(fx, 1, 1, PX(100.10), QTY(2), CX_LIQ_TAKER, USDT(0.4004));
    assert_int_equal(f1->leaves_qty_m, QTY(5));
    const struct cx_exec_report *f2 =
        expect_fill(fx, 2, 1, PX(100.20), QTY(4), CX_LIQ_TAKER, USDT(0.8016));
    assert_int_equal(f2->leaves_qty_m, QTY(1));
    assert_true(f2->fill.fill_id > f1->fill.fill_id);
    assert_int_equal(f1->fill.latency_ns, ENTRY_NS + RESP_NS);
    const struct cx_exec_report *e = expect(fx, 3, CX_EXEC_EXPIRED, 1);
    assert_int_equal(e->leaves_qty_m, 0);
    for (uint32_t i = 0; i < 4; i++) {
        assert_int_equal(fx->msgs[i].exch_ns, t + ENTRY_NS);
        assert_int_equal(fx->msgs[i].deliver_ns, t + ENTRY_NS + RESP_NS);
    }
    assert_int_equal(bal(fx, CX_VENUE_BINANCE_SPOT, "USDT")->total,
                     USDT(10000) - USDT(601.00) - USDT(1.2020));
    assert_int_equal(bal(fx, CX_VENUE_BINANCE_SPOT, "TST")->total, USDT(106));
    assert_int_equal(cx_sim_queue_ahead(fx->sim, 1, &(int64_t){ 0 }), CX_ENOENT);

    /* An IOC that does not cross expires at once. */
    submit(fx, 2, fx->spot, CX_SIDE_ASK, CX_ORD_LIMIT, CX_TIF_IOC, PX(100.00), QTY(1), t += 10);
    pump(fx, t + ENTRY_NS + RESP_NS);
    expect(fx, 4, CX_EXEC_ACK, 2);
    expect(fx, 5, CX_EXEC_EXPIRED, 2);
    fx_free(fx);
}

static void test_fok(void **state)
{
    (void)state;
    struct fx *fx = fx_new();
    int64_t t = 1000000;
    spot_book(fx, t);
    /* 7 wanted, 6 available up to 100.20: rejected whole, nothing executes. */
    expect_reject(fx, 1, fx->spot, CX_SIDE_BID, CX_ORD_LIMIT, CX_TIF_FOK, PX(100.20), QTY(7),
                  CX_REJ_FOK, t += 10);
    assert_int_equal(bal(fx, CX_VENUE_BINANCE_SPOT, "TST")->total, USDT(100));
    submit(fx, 2, fx->spot, CX_SIDE_BID, CX_ORD_LIMIT, CX_TIF_FOK, PX(100.20), QTY(6), t += 10);
    pump(fx, t + ENTRY_NS + RESP_NS);
    assert_int_equal(fx->n, 4);
    expect(fx, 1, CX_EXEC_ACK, 2);
    expect_fill(fx, 2, 2, PX(100.10), QTY(2), CX_LIQ_TAKER, USDT(0.4004));
    const struct cx_exec_report *f = expect_fill(fx, 3, 2, PX(100.20), QTY(4), CX_LIQ_TAKER,
                                             USDT(0.8016));
    assert_int_equal(f->leaves_qty_m, 0);
    fx_free(fx);
}

static void test_market_walk(void **state)
{
    (void)state;
    struct fx *fx = fx_new();
    int64_t t = 1000000;
    spot_book(fx, t);
    submit(fx, 1, fx->spot, CX_SIDE_BID, CX_ORD_MARKET, CX_TIF_GTC, 0, QTY(6.5), t += 10);
    pump(fx, t + ENTRY_NS + RESP_NS);
    assert_int_equal(fx->n, 4);
    expect(fx, 0, CX_EXEC_ACK, 1);
    expect_fill(fx, 1, 1, PX(100.10), QTY(2), CX_LIQ_TAKER, USDT(0.4004));
    expect_fill(fx, 2, 1, PX(100.20), QTY(4), CX_LIQ_TAKER, USDT(0.8016));
    /* 0.5 @ 100.40 = 50.20 USDT, fee 0.1004. */
    expect_fill(fx, 3, 1, PX(100.40), QTY(0.5), CX_LIQ_TAKER, USDT(0.1004));
    /* The replayed book is not consumed: a second market order sees the same levels. */
    submit(fx, 2, fx->spot, CX_SIDE_ASK, CX_ORD_MARKET, CX_TIF_IOC, 0, QTY(9), t += 10);
    pump(fx, t + ENTRY_NS + RESP_NS);
    expect(fx, 4, CX_EXEC_ACK, 2);
    /* 5 @ 99.90 = 499.50, fee 0.999; 3 @ 99.80 = 299.40, fee 0.5988; then nothing: expired. */
    expect_fill(fx, 5, 2, PX(99.90), QTY(5), CX_LIQ_TAKER, USDT(0.999));
    expect_fill(fx, 6, 2, PX(99.80), QTY(3), CX_LIQ_TAKER, USDT(0.5988));
    expect(fx, 7, CX_EXEC_EXPIRED, 2);
    int64_t usdt = USDT(10000) - USDT(200.20 + 400.80 + 50.20) - USDT(0.4004 + 0.8016 + 0.1004) +
                   USDT(499.50 + 299.40) - USDT(0.999 + 0.5988);
    assert_int_equal(bal(fx, CX_VENUE_BINANCE_SPOT, "USDT")->total, usdt);
    assert_int_equal(bal(fx, CX_VENUE_BINANCE_SPOT, "TST")->total, USDT(100 + 6.5 - 8));
    fx_free(fx);
}

/* A GTC that crosses takes what crosses, rests the rest, and is not filled again by the same
 * replayed liquidity; once the book stops crossing it, a new cross fills it. */
static void test_gtc_cross_then_rest(void **state)
{
    (void)state;
    struct fx *fx = fx_new();
    int64_t t = 1000000;
    spot_book(fx, t);
    submit(fx, 1, fx->spot, CX_SIDE_BID, CX_ORD_LIMIT, CX_TIF_GTC, PX(100.10), QTY(3), t += 10);
    pump(fx, t + ENTRY_NS + RESP_NS);
    assert_int_equal(fx->n, 2);
    expect(fx, 0, CX_EXEC_ACK, 1);
    const struct cx_exec_report *f = expect_fill(fx, 1, 1, PX(100.10), QTY(2), CX_LIQ_TAKER,
                                             USDT(0.4004));
    assert_int_equal(f->leaves_qty_m, QTY(1));
    /* 1 @ 100.10 rests, holding 100.10 + 0.2 %. */
    assert_int_equal(bal(fx, CX_VENUE_BINANCE_SPOT, "USDT")->locked, USDT(100.10 + 0.2002));
    const struct lvl l1[] = { { CX_SIDE_BID, PX(99.90), QTY(6) } };
    delta(fx, fx->spot, l1, 1, t += 10000);
    pump(fx, t + 10000);
    assert_int_equal(fx->n, 2); /* still crossed by the ask we took: no second fill */
    const struct lvl l2[] = { { CX_SIDE_ASK, PX(100.10), 0 } };
    delta(fx, fx->spot, l2, 1, t += 10000);
    pump(fx, t + 10000);
    assert_int_equal(fx->n, 2);
    const struct lvl l3[] = { { CX_SIDE_ASK, PX(100.00), QTY(0.2) } };
    delta(fx, fx->spot, l3, 1, t += 10000);
    pump(fx, t + 10000);
    assert_int_equal(fx->n, 3);
    /* Maker at our price for the whole remainder: 100.10 x 1 = 100.10, 0.1 % = 0.1001. */
    f = expect_fill(fx, 2, 1, PX(100.10), QTY(1), CX_LIQ_MAKER, USDT(0.1001));
    assert_int_equal(f->leaves_qty_m, 0);
    assert_int_equal(f->exch_ns, t);
    assert_int_equal(bal(fx, CX_VENUE_BINANCE_SPOT, "USDT")->locked, 0);
    assert_int_equal(cx_sim_stats(fx->sim)->cross_fills, 1);
    fx_free(fx);
}

/* ---------------------------------------------------------------------------------------------
 * MARK: resting orders
 * ------------------------------------------------------------------------------------------- */

static void test_queue_risk_averse(void **state)
{
    (void)state;
    struct fx *fx = fx_new();
    int64_t t = 1000000;
    spot_book(fx, t);
    submit(fx, 1, fx->spot, CX_SIDE_BID, CX_ORD_LIMIT, CX_TIF_POST_ONLY, PX(99.90), QTY(1),
           t += 10);
    pump(fx, t += ENTRY_NS + RESP_NS);
    assert_int_equal(queue_of(fx, 1), QTY(5));
    trade(fx, fx->spot, PX(99.90), QTY(2), false, t += 10); /* sell hits the queue */
    assert_int_equal(queue_of(fx, 1), QTY(3));
    trade(fx, fx->spot, PX(99.90), QTY(2), true, t += 10); /* a buyer cannot hit bids */
    trade(fx, fx->spot, PX(100.10), QTY(1), false, t += 10); /* other side's level */
    assert_int_equal(queue_of(fx, 1), QTY(3));
    /* Level 5 -> 2.5 with 2 traded: 0.5 cancelled somewhere; risk-averse only clamps. */
    const struct lvl l1[] = { { CX_SIDE_BID, PX(99.90), QTY(2.5) } };
    delta(fx, fx->spot, l1, 1, t += 10);
    assert_int_equal(queue_of(fx, 1), QTY(2.5));
    /* Level grows behind us: no change. */
    const struct lvl l2[] = { { CX_SIDE_BID, PX(99.90), QTY(4) } };
    delta(fx, fx->spot, l2, 1, t += 10);
    assert_int_equal(queue_of(fx, 1), QTY(2.5));
    pump(fx, t);
    assert_int_equal(fx->n, 1);
    /* 3 printed at our price: 2.5 ahead, 0.5 for us (partial fill). */
    trade(fx, fx->spot, PX(99.90), QTY(3), false, t += 10);
    int64_t t_fill = t;
    pump(fx, t += RESP_NS);
    assert_int_equal(fx->n, 2);
    /* 0.5 x 99.90 = 49.95 USDT, maker 0.1 % = 0.04995. */
    const struct cx_exec_report *f =
        expect_fill(fx, 1, 1, PX(99.90), QTY(0.5), CX_LIQ_MAKER, USDT(0.04995));
    assert_int_equal(f->leaves_qty_m, QTY(0.5));
    assert_int_equal(f->exch_ns, t_fill);
    assert_int_equal(f->deliver_ns, t_fill + RESP_NS);
    assert_int_equal(queue_of(fx, 1), 0);
    trade(fx, fx->spot, PX(99.90), QTY(0.2), false, t += 10);
    /* A print through our price (a sell below our bid) fills what is left of it. */
    trade(fx, fx->spot, PX(99.80), QTY(1), false, t += 10);
    pump(fx, t += RESP_NS);
    assert_int_equal(fx->n, 4);
    expect_fill(fx, 2, 1, PX(99.90), QTY(0.2), CX_LIQ_MAKER, USDT(0.01998));
    f = expect_fill(fx, 3, 1, PX(99.90), QTY(0.3), CX_LIQ_MAKER, USDT(0.02997));
    assert_int_equal(f->leaves_qty_m, 0);
    assert_int_equal(cx_sim_queue_ahead(fx->sim, 1, &(int64_t){ 0 }), CX_ENOENT);
    const struct cx_sim_stats *st = cx_sim_stats(fx->sim);
    assert_int_equal(st->queue_fills, 2);
    assert_int_equal(st->trade_through_fills, 1);
    assert_int_equal(st->queue_cancel_moves, 0);
    /* Holdings: bought 1 TST for 99.90 + 0.0999 fees; nothing left locked. */
    assert_int_equal(bal(fx, CX_VENUE_BINANCE_SPOT, "USDT")->total,
                     USDT(10000) - USDT(99.90) - USDT(0.0999));
    assert_int_equal(bal(fx, CX_VENUE_BINANCE_SPOT, "USDT")->locked, 0);
    fx_free(fx);
}

/* Run the same level sequence through a model; returns the queue after each step. */
static void queue_script(uint8_t model, double power, int64_t out[5])
{
    struct fx *fx = fx_alloc();
    fx->cfg.queue_model = model;
    fx->cfg.queue_power = power;
    fx_start(fx);
    int64_t t = 1000000;
    const struct lvl book[] = {
        { CX_SIDE_BID, PX(99.90), QTY(6) },
        { CX_SIDE_ASK, PX(100.10), QTY(2) },
    };
    snapshot(fx, fx->spot, book, 2, t);
    submit(fx, 1, fx->spot, CX_SIDE_BID, CX_ORD_LIMIT, CX_TIF_POST_ONLY, PX(99.90), QTY(1),
           t += 10);
    pump(fx, t += ENTRY_NS + RESP_NS);
    out[0] = queue_of(fx, 1);
    const struct lvl up[] = { { CX_SIDE_BID, PX(99.90), QTY(8) } };
    delta(fx, fx->spot, up, 1, t += 10); /* 2 join behind us */
    out[1] = queue_of(fx, 1);
    const struct lvl down[] = { { CX_SIDE_BID, PX(99.90), QTY(4) } };
    delta(fx, fx->spot, down, 1, t += 10); /* 4 cancelled, no trades */
    out[2] = queue_of(fx, 1);
    trade(fx, fx->spot, PX(99.90), QTY(1), false, t += 10);
    out[3] = queue_of(fx, 1);
    const struct lvl down2[] = { { CX_SIDE_BID, PX(99.90), QTY(3) } };
    delta(fx, fx->spot, down2, 1, t += 10); /* the 1 traded explains the decrease */
    out[4] = queue_of(fx, 1);
    fx_free(fx);
}

static void test_queue_probabilistic(void **state)
{
    (void)state;
    int64_t ra[5], p2[5], p1[5];
    queue_script(CX_QUEUE_RISK_AVERSE, 0, ra);
    queue_script(CX_QUEUE_PROB_POWER, 2.0, p2);
    queue_script(CX_QUEUE_PROB_POWER, 1.0, p1);
    /* Risk-averse: 6, 6, min(6, 4) = 4, 4 - 1 = 3, min(3, 3) = 3. */
    assert_int_equal(ra[0], QTY(6));
    assert_int_equal(ra[1], QTY(6));
    assert_int_equal(ra[2], QTY(4));
    assert_int_equal(ra[3], QTY(3));
    assert_int_equal(ra[4], QTY(3));
    /* n = 2: front 6, back 8 - 6 = 2, d = 4: p_back = 2^2 / (2^2 + 6^2) = 0.1, the front moves
     * by 0.9 x 4 = 3.6 -> 2.4; a print of 1 -> 1.4; the next decrease of 1 is the print
     * itself (d = 4 - 3 - 1 = 0): clamp only, min(1.4, 3) = 1.4. */
    assert_int_equal(p2[0], QTY(6));
    assert_int_equal(p2[1], QTY(6));
    assert_int_equal(p2[2], QTY(2.4));
    assert_int_equal(p2[3], QTY(1.4));
    assert_int_equal(p2[4], QTY(1.4));
    /* n = 1 (cancellations uniform over the level): p_back = 2 / 8, front moves 3 -> 3. */
    assert_int_equal(p1[2], QTY(3));
    assert_int_equal(p1[3], QTY(2));
    assert_int_equal(p1[4], QTY(2));
}

/* A decrease larger than what is behind us must come partly from the front. */
static void test_queue_probabilistic_spill(void **state)
{
    (void)state;
    struct fx *fx = fx_alloc();
    fx->cfg.queue_model = CX_QUEUE_PROB_POWER;
    fx->cfg.queue_power = 3.0;
    fx_start(fx);
    int64_t t = 1000000;
    const struct lvl book[] = {
        { CX_SIDE_BID, PX(99.90), QTY(1) },
        { CX_SIDE_ASK, PX(100.10), QTY(2) },
    };
    snapshot(fx, fx->spot, book, 2, t);
    submit(fx, 1, fx->spot, CX_SIDE_BID, CX_ORD_LIMIT, CX_TIF_POST_ONLY, PX(99.90), QTY(1),
           t += 10);
    pump(fx, t += ENTRY_NS + RESP_NS);
    const struct lvl up[] = { { CX_SIDE_BID, PX(99.90), QTY(10) } };
    delta(fx, fx->spot, up, 1, t += 10); /* front 1, back 9 */
    const struct lvl down[] = { { CX_SIDE_BID, PX(99.90), QTY(0.5) } };
    delta(fx, fx->spot, down, 1, t += 10);
    /* d = 9.5: p_back = 729 / 730; behind gets 9.487 > back 9, so the front also loses
     * 0.013 + 0.487 = 0.5 -> 0.5, and the clamp to the level (0.5) agrees. */
    assert_int_equal(queue_of(fx, 1), QTY(0.5));
    fx_free(fx);
}

/* A sell-side resting order: mirror of the bid rules. */
static void test_ask_side_fills(void **state)
{
    (void)state;
    struct fx *fx = fx_new();
    int64_t t = 1000000;
    spot_book(fx, t);
    submit(fx, 1, fx->spot, CX_SIDE_ASK, CX_ORD_LIMIT, CX_TIF_POST_ONLY, PX(100.20), QTY(1),
           t += 10);
    pump(fx, t += ENTRY_NS + RESP_NS);
    assert_int_equal(queue_of(fx, 1), QTY(4));
    trade(fx, fx->spot, PX(100.30), QTY(0.4), false, t += 10); /* sellers cannot lift asks */
    trade(fx, fx->spot, PX(100.20), QTY(3), true, t += 10);
    assert_int_equal(queue_of(fx, 1), QTY(1));
    trade(fx, fx->spot, PX(100.30), QTY(0.4), true, t += 10); /* through: 0.4 for us */
    pump(fx, t += RESP_NS);
    assert_int_equal(fx->n, 2);
    const struct cx_exec_report *f =
        expect_fill(fx, 1, 1, PX(100.20), QTY(0.4), CX_LIQ_MAKER, USDT(0.04008));
    assert_int_equal(f->fill.side, CX_SIDE_ASK);
    assert_int_equal(f->leaves_qty_m, QTY(0.6));
    assert_int_equal(queue_of(fx, 1), 0);
    /* The bids rise to our ask: the book crosses us, the remainder fills at our price. */
    const struct lvl l1[] = { { CX_SIDE_ASK, PX(100.10), 0 },
                              { CX_SIDE_ASK, PX(100.20), 0 },
                              { CX_SIDE_BID, PX(100.20), QTY(0.1) } };
    delta(fx, fx->spot, l1, 3, t += 10);
    pump(fx, t += RESP_NS);
    assert_int_equal(fx->n, 3);
    f = expect_fill(fx, 2, 1, PX(100.20), QTY(0.6), CX_LIQ_MAKER, USDT(0.06012));
    assert_int_equal(f->leaves_qty_m, 0);
    assert_int_equal(bal(fx, CX_VENUE_BINANCE_SPOT, "TST")->total, USDT(99));
    assert_int_equal(bal(fx, CX_VENUE_BINANCE_SPOT, "TST")->locked, 0);
    fx_free(fx);
}

/* A print is shared between our orders: what fills one is not available to the next. */
static void test_print_shared(void **state)
{
    (void)state;
    struct fx *fx = fx_new();
    int64_t t = 1000000;
    spot_book(fx, t);
    submit(fx, 1, fx->spot, CX_SIDE_BID, CX_ORD_LIMIT, CX_TIF_POST_ONLY, PX(100.00), QTY(1),
           t += 10);
    submit(fx, 2, fx->spot, CX_SIDE_BID, CX_ORD_LIMIT, CX_TIF_POST_ONLY, PX(100.00), QTY(1), t);
    pump(fx, t += ENTRY_NS + RESP_NS);
    trade(fx, fx->spot, PX(99.90), QTY(1.5), false, t += 10);
    pump(fx, t += RESP_NS);
    assert_int_equal(fx->n, 4);
    expect_fill(fx, 2, 1, PX(100.00), QTY(1), CX_LIQ_MAKER, USDT(0.1));
    expect_fill(fx, 3, 2, PX(100.00), QTY(0.5), CX_LIQ_MAKER, USDT(0.05));
    fx_free(fx);
}

/* Perp maker fills pay a negative fee: the wallet grows by the rebate. */
static void test_maker_rebate(void **state)
{
    (void)state;
    struct fx *fx = fx_new();
    int64_t t = 1000000;
    perp_book(fx, t);
    submit(fx, 1, fx->perp, CX_SIDE_BID, CX_ORD_LIMIT, CX_TIF_POST_ONLY, PX(99.90), QTY(1),
           t += 10);
    pump(fx, t += ENTRY_NS + RESP_NS);
    /* Margin: 99.90 / 10 = 9.99 USDT locked in the wallet while the order rests. */
    assert_int_equal(bal(fx, CX_VENUE_BINANCE_USDM, "USDT")->locked, USDT(9.99));
    trade(fx, fx->perp, PX(99.80), QTY(2), false, t += 10);
    pump(fx, t += RESP_NS);
    /* 99.90 x 1 x -0.01 % = -0.00999 USDT. */
    const struct cx_exec_report *f =
        expect_fill(fx, 1, 1, PX(99.90), QTY(1), CX_LIQ_MAKER, -USDT(0.00999));
    assert_true(f->fill.fee < 0);
    assert_int_equal(bal(fx, CX_VENUE_BINANCE_USDM, "USDT")->total,
                     USDT(10000) + USDT(0.00999));
    assert_int_equal(bal(fx, CX_VENUE_BINANCE_USDM, "USDT")->locked, 0);
    const struct cx_account *a = cx_sim_account(fx->sim, CX_VENUE_BINANCE_USDM);
    assert_int_equal(a->n_perps, 1);
    assert_int_equal(a->perps[0].qty_m, QTY(1));
    assert_int_equal(a->perps[0].entry_price_m, PX(99.90));
    /* Taker on the perp pays 0.05 %: sell 1 at 99.90 = 0.04995 USDT. */
    submit(fx, 2, fx->perp, CX_SIDE_ASK, CX_ORD_MARKET, CX_TIF_IOC, 0, QTY(1), t += 10);
    pump(fx, t += ENTRY_NS + RESP_NS);
    expect_fill(fx, 3, 2, PX(99.90), QTY(1), CX_LIQ_TAKER, USDT(0.04995));
    assert_int_equal(a->perps[0].qty_m, 0);
    fx_free(fx);
}

/* Reduce-only resting orders stop at the position and expire when it is gone. */
static void test_reduce_only_resting(void **state)
{
    (void)state;
    struct fx *fx = fx_new();
    int64_t t = 1000000;
    perp_book(fx, t);
    submit(fx, 1, fx->perp, CX_SIDE_BID, CX_ORD_MARKET, CX_TIF_IOC, 0, QTY(1), t += 10);
    pump(fx, t += ENTRY_NS + RESP_NS);
    struct cx_order_req r = {.client_id = 2,
                             .inst_id = fx->perp,
                             .side = CX_SIDE_ASK,
                             .type = CX_ORD_LIMIT,
                             .tif = CX_TIF_POST_ONLY,
                             .flags = CX_ORD_F_REDUCE_ONLY,
                             .price_m = PX(100.50),
                             .qty_m = QTY(1)};
    assert_int_equal(cx_sim_submit(fx->sim, &r, t += 10), 0);
    pump(fx, t += ENTRY_NS + RESP_NS);
    expect(fx, fx->n - 1, CX_EXEC_ACK, 2);
    assert_int_equal(bal(fx, CX_VENUE_BINANCE_USDM, "USDT")->locked, 0); /* reduce-only */
    /* The position goes away through another order; the reduce-only order then expires at
     * its next fill opportunity instead of opening a short. */
    submit(fx, 3, fx->perp, CX_SIDE_ASK, CX_ORD_MARKET, CX_TIF_IOC, 0, QTY(1), t += 10);
    pump(fx, t += ENTRY_NS + RESP_NS);
    uint32_t before = fx->n;
    trade(fx, fx->perp, PX(100.60), QTY(5), true, t += 10);
    pump(fx, t += RESP_NS);
    assert_int_equal(fx->n, before + 1);
    const struct cx_exec_report *m = expect(fx, before, CX_EXEC_EXPIRED, 2);
    assert_int_equal(m->leaves_qty_m, 0);
    fx_free(fx);
}

/* ---------------------------------------------------------------------------------------------
 * MARK: cancels, funding, determinism
 * ------------------------------------------------------------------------------------------- */

static void test_cancel_race(void **state)
{
    (void)state;
    /* (a) The print reaches the venue before the cancel: the fill stands. */
    struct fx *fx = fx_new();
    int64_t t0 = 1000000;
    spot_book(fx, t0);
    submit(fx, 1, fx->spot, CX_SIDE_BID, CX_ORD_LIMIT, CX_TIF_POST_ONLY, PX(100.00), QTY(1),
           t0 + 10);
    pump(fx, t0 + 2000); /* arrives at t0 + 1010 */
    assert_int_equal(cx_sim_cancel(fx->sim, 1, t0 + 2000), 0); /* arrives at t0 + 3000 */
    assert_int_equal(cx_sim_next_ns(fx->sim), t0 + 3000);
    trade(fx, fx->spot, PX(99.90), QTY(3), false, t0 + 2500);
    pump(fx, t0 + 10000);
    assert_int_equal(fx->n, 3);
    expect(fx, 0, CX_EXEC_ACK, 1);
    const struct cx_exec_report *f = expect_fill(fx, 1, 1, PX(100.00), QTY(1), CX_LIQ_MAKER,
                                             USDT(0.1));
    assert_int_equal(f->deliver_ns, t0 + 2500 + RESP_NS);
    const struct cx_exec_report *c = expect(fx, 2, CX_EXEC_CANCEL_REJECT, 1);
    assert_int_equal(c->reject, CX_REJ_UNKNOWN_ORDER);
    assert_int_equal(c->exch_ns, t0 + 3000);
    assert_int_equal(c->deliver_ns, t0 + 3000 + RESP_NS);
    fx_free(fx);

    /* (b) The cancel arrives first: the later print finds nothing. */
    fx = fx_new();
    spot_book(fx, t0);
    submit(fx, 1, fx->spot, CX_SIDE_BID, CX_ORD_LIMIT, CX_TIF_POST_ONLY, PX(100.00), QTY(1),
           t0 + 10);
    pump(fx, t0 + 2000);
    assert_int_equal(cx_sim_cancel(fx->sim, 1, t0 + 2000), 0);
    trade(fx, fx->spot, PX(99.90), QTY(3), false, t0 + 3500); /* processes the cancel first */
    pump(fx, t0 + 10000);
    assert_int_equal(fx->n, 2);
    c = expect(fx, 1, CX_EXEC_CANCELED, 1);
    assert_int_equal(c->exch_ns, t0 + 3000);
    assert_int_equal(c->leaves_qty_m, 0);
    assert_int_equal(bal(fx, CX_VENUE_BINANCE_SPOT, "USDT")->total, USDT(10000));
    assert_int_equal(bal(fx, CX_VENUE_BINANCE_SPOT, "USDT")->locked, 0);

    /* (c) Cancel of an id the venue never saw. */
    assert_int_equal(cx_sim_cancel(fx->sim, 777, t0 + 20000), 0);
    pump(fx, t0 + 30000);
    c = expect(fx, 2, CX_EXEC_CANCEL_REJECT, 777);
    assert_int_equal(c->reject, CX_REJ_UNKNOWN_ORDER);
    assert_int_equal(c->inst_id, UINT32_MAX);

    /* (d) A cancel sent right after its order never overtakes it, even when it samples a
     * shorter latency: requests on one session arrive in order. */
    cx_sim_free(fx->sim);
    fx->cfg.entry =
        (struct cx_latency_cfg){.kind = CX_LAT_UNIFORM, .a_ns = 100, .b_ns = 100000};
    fx_start(fx);
    fx->n = 0;
    spot_book(fx, t0);
    for (uint64_t i = 0; i < 50; i++) {
        int64_t now = t0 + 1000000 * (int64_t)(i + 1);
        submit(fx, 100 + i, fx->spot, CX_SIDE_BID, CX_ORD_LIMIT, CX_TIF_POST_ONLY, PX(99.00),
               QTY(1), now);
        assert_int_equal(cx_sim_cancel(fx->sim, 100 + i, now + 1), 0);
        pump(fx, now + 999999);
        expect(fx, fx->n - 2, CX_EXEC_ACK, 100 + i);
        expect(fx, fx->n - 1, CX_EXEC_CANCELED, 100 + i);
    }
    fx_free(fx);
}

static void test_funding(void **state)
{
    (void)state;
    struct fx *fx = fx_alloc();
    const int64_t hour = 3600 * INT64_C(1000000000);
    fx->cfg.n_funding = 1;
    fx->cfg.funding[0] = (struct cx_sim_funding){ fx->perp, 100000, 8 * hour, 8 * hour };
    fx_start(fx);
    int64_t t = 7 * hour;
    perp_book(fx, t); /* mid 100.00 */
    assert_int_equal(cx_sim_next_ns(fx->sim), 8 * hour);
    submit(fx, 1, fx->perp, CX_SIDE_BID, CX_ORD_MARKET, CX_TIF_IOC, 0, QTY(2), t += 10);
    pump(fx, t += ENTRY_NS + RESP_NS);
    const struct cx_account *a = cx_sim_account(fx->sim, CX_VENUE_BINANCE_USDM);
    int64_t wallet = bal(fx, CX_VENUE_BINANCE_USDM, "USDT")->total;
    /* Long 2 at mark 100.00, rate +0.01 %: pays 0.02 USDT. */
    pump(fx, 8 * hour + RESP_NS);
    const struct cx_exec_report *m = expect(fx, fx->n - 1, CX_EXEC_FUNDING, 0);
    assert_int_equal(m->inst_id, fx->perp);
    assert_int_equal(m->amount, -USDT(0.02));
    assert_int_equal(m->exch_ns, 8 * hour);
    assert_int_equal(bal(fx, CX_VENUE_BINANCE_USDM, "USDT")->total, wallet - USDT(0.02));
    assert_int_equal(cx_sim_next_ns(fx->sim), 16 * hour);
    /* Flip to short 1; the mid moves to 100.20; a short receives 0.01002 USDT. */
    submit(fx, 2, fx->perp, CX_SIDE_ASK, CX_ORD_MARKET, CX_TIF_IOC, 0, QTY(3), t = 9 * hour);
    pump(fx, t += ENTRY_NS + RESP_NS);
    assert_int_equal(a->perps[0].qty_m, -QTY(1));
    const struct lvl l1[] = { { CX_SIDE_BID, PX(100.10), QTY(1) },
                              { CX_SIDE_ASK, PX(100.30), QTY(1) },
                              { CX_SIDE_BID, PX(99.90), 0 },
                              { CX_SIDE_ASK, PX(100.10), 0 } };
    delta(fx, fx->perp, l1, 4, t += 10);
    wallet = bal(fx, CX_VENUE_BINANCE_USDM, "USDT")->total;
    pump(fx, 16 * hour + RESP_NS);
    m = expect(fx, fx->n - 1, CX_EXEC_FUNDING, 0);
    assert_int_equal(m->amount, USDT(0.01002));
    assert_int_equal(bal(fx, CX_VENUE_BINANCE_USDM, "USDT")->total, wallet + USDT(0.01002));
    assert_int_equal(cx_sim_stats(fx->sim)->funding_payments, 2);
    fx_free(fx);
}

/* A scripted session with random latencies; returns the number of messages in out. */
static uint32_t scripted_run(uint64_t seed, uint8_t model, struct cx_exec_report *out, uint32_t cap)
{
    struct fx *fx = fx_alloc();
    fx->cfg.seed = seed;
    fx->cfg.queue_model = model;
    fx->cfg.entry =
        (struct cx_latency_cfg){.kind = CX_LAT_LOGNORMAL, .a_ns = 2000, .b_ns = 10000};
    fx->cfg.response =
        (struct cx_latency_cfg){.kind = CX_LAT_UNIFORM, .a_ns = 500, .b_ns = 5000};
    fx_start(fx);
    uint64_t rng = 12345; /* the script itself is fixed */
    int64_t t = 1000000;
    spot_book(fx, t);
    int64_t bid = PX(99.90), ask = PX(100.10);
    for (int step = 0; step < 400; step++) {
        t += 1000;
        rng = rng * 6364136223846793005u + 1442695040888963407u; /* Knuth's MMIX LCG */
        uint64_t r = rng >> 33;
        switch (r % 6) {
        case 0:
            submit(fx, 1000 + (uint64_t)step, fx->spot, (uint8_t)(r & 1), CX_ORD_LIMIT,
                   CX_TIF_POST_ONLY, (r & 1) ? ask : bid, QTY(0.5), t);
            break;
        case 1:
            assert_int_equal(cx_sim_cancel(fx->sim, 1000 + (uint64_t)step - (r >> 3) % 20, t),
                             0);
            break;
        case 2:
            trade(fx, fx->spot, (r & 2) ? bid : ask, QTY(1) + (int64_t)(r % 3000), !(r & 2), t);
            break;
        case 3: {
            const struct lvl l[] = { { CX_SIDE_BID, bid, QTY(1) + (int64_t)(r % 7000) } };
            delta(fx, fx->spot, l, 1, t);
            break;
        }
        case 4:
            submit(fx, 1000 + (uint64_t)step, fx->spot, (uint8_t)(r & 1), CX_ORD_MARKET,
                   CX_TIF_IOC, 0, QTY(0.2), t);
            break;
        default:
            trade(fx, fx->spot, (r & 2) ? bid - 10 : ask + 10, QTY(0.3), !(r & 2), t);
            break;
        }
        pump(fx, t);
        if (fx->n > MAX_MSGS - 200)
            break;
    }
    pump(fx, t + 1000000);
    uint32_t n = fx->n < cap ? fx->n : cap;
    memcpy(out, fx->msgs, n * sizeof *out);
    fx_free(fx);
    return n;
}

static void test_determinism(void **state)
{
    (void)state;
    static struct cx_exec_report a[MAX_MSGS], b[MAX_MSGS], c[MAX_MSGS];
    memset(a, 0, sizeof a);
    memset(b, 0, sizeof b);
    memset(c, 0, sizeof c);
    uint32_t na = scripted_run(7, CX_QUEUE_PROB_POWER, a, MAX_MSGS);
    uint32_t nb = scripted_run(7, CX_QUEUE_PROB_POWER, b, MAX_MSGS);
    uint32_t nc = scripted_run(8, CX_QUEUE_PROB_POWER, c, MAX_MSGS);
    assert_true(na > 50);
    assert_int_equal(na, nb);
    assert_memory_equal(a, b, na * sizeof a[0]);
    bool differs = na != nc || memcmp(a, c, na * sizeof a[0]) != 0;
    assert_true(differs);
    /* Deliveries never go backwards and fills carry their order's data. */
    uint32_t fills = 0;
    for (uint32_t i = 1; i < na; i++) {
        assert_true(a[i].deliver_ns >= a[i - 1].deliver_ns);
        assert_true(a[i].deliver_ns >= a[i].exch_ns);
        if (a[i].type == CX_EXEC_FILL) {
            fills++;
            assert_int_equal(a[i].fill.client_id, a[i].client_id);
        }
    }
    assert_true(fills > 5);
}

/* Fixed pools: running out is an explicit outcome, and slots and index entries are reused
 * correctly over many order lifetimes. */
static void test_pools(void **state)
{
    (void)state;
    struct fx *fx = fx_alloc();
    fx->cfg.max_orders = 8;
    fx->cfg.max_responses = 4;
    fx_start(fx);
    int64_t t = 1000000;
    spot_book(fx, t);
    for (uint64_t i = 0; i < 8; i++)
        submit(fx, 1 + i, fx->spot, CX_SIDE_BID, CX_ORD_LIMIT, CX_TIF_POST_ONLY,
               PX(99.00) - 10 * (int64_t)i, QTY(0.1), t);
    struct cx_order_req r = {.client_id = 99,
                             .inst_id = fx->spot,
                             .side = CX_SIDE_BID,
                             .type = CX_ORD_LIMIT,
                             .tif = CX_TIF_POST_ONLY,
                             .flags = 0,
                             .price_m = PX(98.00),
                             .qty_m = QTY(0.1)};
    assert_int_equal(cx_sim_submit(fx->sim, &r, t), CX_ENOSPC); /* 8 in flight */
    /* 8 ACKs due at once but only 4 response slots: 4 are lost, and the call says so. */
    assert_int_equal(cx_sim_advance(fx->sim, t + ENTRY_NS), CX_ENOSPC);
    assert_int_equal(cx_sim_stats(fx->sim)->response_overflow, 4);
    assert_int_equal(cx_sim_stats(fx->sim)->responses_high_water, 4);
    assert_int_equal(cx_sim_stats(fx->sim)->orders_high_water, 8);
    fx_free(fx);

    /* Many lifetimes through 8 slots: ids hash into a small index with collisions; every
     * resting order stays findable, every finished one is gone. */
    fx = fx_alloc();
    fx->cfg.max_orders = 8;
    fx_start(fx);
    spot_book(fx, t);
    uint64_t live[8] = { 0 };
    uint64_t rng = 1;
    for (uint64_t k = 1; k <= 2000; k++) {
        t += 10000;
        rng = rng * 6364136223846793005u + 1442695040888963407u;
        uint32_t j = (uint32_t)(rng >> 60) & 7u;
        if (live[j] != 0) {
            assert_int_equal(cx_sim_cancel(fx->sim, live[j], t), 0);
            live[j] = 0;
        } else {
            uint64_t cid = k * 8 + j; /* many share low bits */
            submit(fx, cid, fx->spot, CX_SIDE_BID, CX_ORD_LIMIT, CX_TIF_POST_ONLY, PX(99.00),
                   QTY(0.1), t);
            live[j] = cid;
        }
        fx->n = 0;
        pump(fx, t + ENTRY_NS + RESP_NS);
        for (uint32_t q = 0; q < 8; q++) {
            int64_t ahead;
            if (live[q] != 0)
                assert_int_equal(cx_sim_queue_ahead(fx->sim, live[q], &ahead), 0);
        }
        if (k > 8) {
            int64_t ahead;
            assert_int_equal(cx_sim_queue_ahead(fx->sim, (k - 8) * 8 + 100, &ahead), CX_ENOENT);
        }
    }
    assert_int_equal(bal(fx, CX_VENUE_BINANCE_SPOT, "USDT")->total, USDT(10000));
    fx_free(fx);
}

/* ---------------------------------------------------------------------------------------------
 * MARK: the venue's touch and the liquidity we take (docs/internals/sim.md)
 * ------------------------------------------------------------------------------------------- */

/* A bookTicker: seq_delta > 0 makes it newer than the depth book by that many update ids,
 * 0 gives it the depth book's own id (not newer). */
static void bbo(struct fx *fx, uint32_t inst, int64_t bid, int64_t bid_q, int64_t ask,
                int64_t ask_q, uint64_t seq_delta, int64_t t)
{
    struct cx_md_event e;
    memset(&e, 0, sizeof e);
    e.local_ts_ns = t;
    e.seq = fx->last_seq[inst] + seq_delta;
    e.inst_id = inst;
    e.type = CX_MD_BBO;
    e.flags = CX_MD_F_SINGLE;
    e.u.bbo.bid_price_m = bid;
    e.u.bbo.bid_qty_m = bid_q;
    e.u.bbo.ask_price_m = ask;
    e.u.bbo.ask_qty_m = ask_q;
    const struct cx_instrument *in = cx_registry_get(&fx->reg, inst);
    struct cx_md_batch b = { .ev = &e, .n = 1, .cap = 1, .kind = CX_MD_KIND_BBO,
                             .venue = in->venue, .inst_id = inst, .local_ts_ns = t };
    assert_int_equal(cx_sim_on_market(fx->sim, &b, t), 0);
}

/* A post-only buy the depth book would accept is rejected when a newer bookTicker shows the
 * ask already at its price; the reject carries that touch and its age. A bookTicker that is not
 * newer than the depth book changes nothing. */
static void test_bbo_touch_post_only(void **state)
{
    (void)state;
    struct fx *fx = fx_new();
    int64_t t = 1000000;
    spot_book(fx, t);                                                   /* ask 100.10 x 2 */
    bbo(fx, fx->spot, PX(99.90), QTY(5), PX(100.00), QTY(1), 0, t += 100); /* not newer */
    submit(fx, 1, fx->spot, CX_SIDE_BID, CX_ORD_LIMIT, CX_TIF_POST_ONLY, PX(100.00), QTY(1),
           t += 100);
    pump(fx, t + ENTRY_NS + RESP_NS);
    const struct cx_exec_report *ack = expect(fx, 0, CX_EXEC_ACK, 1);
    assert_int_equal(ack->venue_ask_m, PX(100.10));
    assert_int_equal(ack->venue_bid_m, PX(99.90));
    assert_int_equal(ack->book_age_ns, 100 + 100 + ENTRY_NS); /* since the snapshot */

    int64_t t_bbo = t += 10000;
    bbo(fx, fx->spot, PX(99.90), QTY(5), PX(100.00), QTY(1), 1, t_bbo); /* newer */
    /* The resting bid at 100.00 is now crossed by the venue's touch: it fills as maker. */
    pump(fx, t + RESP_NS);
    const struct cx_exec_report *f = expect(fx, 1, CX_EXEC_FILL, 1);
    assert_int_equal(f->fill.evidence, CX_FILL_EV_BOOK_CROSS);
    assert_int_equal(f->fill.liquidity, CX_LIQ_MAKER);
    assert_int_equal(f->fill.price_m, PX(100.00));
    assert_int_equal(f->fill.venue_ask_m, PX(100.00));
    assert_int_equal(f->fill.book_age_ns, 0);

    uint32_t first = fx->n;
    submit(fx, 2, fx->spot, CX_SIDE_BID, CX_ORD_LIMIT, CX_TIF_POST_ONLY, PX(100.00), QTY(1),
           t += 500);
    pump(fx, t + ENTRY_NS + RESP_NS);
    const struct cx_exec_report *r = expect(fx, first, CX_EXEC_REJECT, 2);
    assert_int_equal(r->reject, CX_REJ_POST_ONLY);
    assert_int_equal(r->venue_ask_m, PX(100.00));
    assert_int_equal(r->book_age_ns, t + ENTRY_NS - t_bbo);

    /* The next depth message is newer than that bookTicker: the depth book is the touch again
     * (its ask is still 100.10), and the same order is accepted. */
    const struct lvl none[] = {{ CX_SIDE_BID, PX(99.80), QTY(3) }};
    delta(fx, fx->spot, none, 1, t += 10000);
    first = fx->n;
    submit(fx, 3, fx->spot, CX_SIDE_BID, CX_ORD_LIMIT, CX_TIF_POST_ONLY, PX(100.00), QTY(1),
           t += 100);
    pump(fx, t + ENTRY_NS + RESP_NS);
    expect(fx, first, CX_EXEC_ACK, 3);
    fx_free(fx);
}

/* An IOC walks from the venue's touch: the bookTicker's level first, depth levels at or
 * better than it skipped (replaced), the depth behind it after. */
static void test_bbo_touch_ioc_walk(void **state)
{
    (void)state;
    struct fx *fx = fx_new();
    int64_t t = 1000000;
    spot_book(fx, t); /* asks 100.10 x 2, 100.20 x 4, 100.40 x 1 */
    /* A better ask between diffs: 1 @ 100.00, then the depth's 100.10 and 100.20. */
    bbo(fx, fx->spot, PX(99.90), QTY(5), PX(100.00), QTY(1), 1, t += 100);
    submit(fx, 1, fx->spot, CX_SIDE_BID, CX_ORD_LIMIT, CX_TIF_IOC, PX(100.20), QTY(4), t += 100);
    pump(fx, t + ENTRY_NS + RESP_NS);
    expect(fx, 0, CX_EXEC_ACK, 1);
    const struct cx_exec_report *f1 =
        expect_fill(fx, 1, 1, PX(100.00), QTY(1), CX_LIQ_TAKER, USDT(0.2));
    assert_int_equal(f1->fill.evidence, CX_FILL_EV_TAKER_WALK);
    expect_fill(fx, 2, 1, PX(100.10), QTY(2), CX_LIQ_TAKER, USDT(0.4004));
    expect_fill(fx, 3, 1, PX(100.20), QTY(1), CX_LIQ_TAKER, USDT(0.2004));
    assert_int_equal(fx->n, 4); /* nothing left to expire */

    /* The ask moved up between diffs: 100.10 is gone, 100.20 shows 1 (not the depth's 4). */
    const struct lvl same[] = {{ CX_SIDE_BID, PX(99.80), QTY(3) }};
    delta(fx, fx->spot, same, 1, t += 10000); /* new book state: what was taken is back */
    bbo(fx, fx->spot, PX(99.90), QTY(5), PX(100.20), QTY(1), 1, t += 100);
    uint32_t first = fx->n;
    submit(fx, 2, fx->spot, CX_SIDE_BID, CX_ORD_LIMIT, CX_TIF_IOC, PX(100.40), QTY(3), t += 100);
    pump(fx, t + ENTRY_NS + RESP_NS);
    expect(fx, first, CX_EXEC_ACK, 2);
    expect_fill(fx, first + 1, 2, PX(100.20), QTY(1), CX_LIQ_TAKER, USDT(0.2004));
    expect_fill(fx, first + 2, 2, PX(100.40), QTY(1), CX_LIQ_TAKER, USDT(0.2008));
    const struct cx_exec_report *e = expect(fx, first + 3, CX_EXEC_EXPIRED, 2);
    assert_int_equal(e->leaves_qty_m, 0);
    fx_free(fx);
}

/* Two IOCs arriving at the same instant cannot take the same quantity; the next book message
 * (the venue's state after the taking) resets what is offered. */
static void test_liquidity_taken_once(void **state)
{
    (void)state;
    struct fx *fx = fx_new();
    int64_t t = 1000000;
    spot_book(fx, t);
    submit(fx, 1, fx->spot, CX_SIDE_BID, CX_ORD_LIMIT, CX_TIF_IOC, PX(100.10), QTY(2), t += 100);
    submit(fx, 2, fx->spot, CX_SIDE_BID, CX_ORD_LIMIT, CX_TIF_IOC, PX(100.10), QTY(2), t);
    pump(fx, t + ENTRY_NS + RESP_NS);
    assert_int_equal(fx->n, 4);
    expect(fx, 0, CX_EXEC_ACK, 1);
    expect_fill(fx, 1, 1, PX(100.10), QTY(2), CX_LIQ_TAKER, USDT(0.4004));
    expect(fx, 2, CX_EXEC_ACK, 2);
    expect(fx, 3, CX_EXEC_EXPIRED, 2); /* the level it wanted was taken by order 1 */
    assert_int_equal(fx->msgs[3].exch_ns, fx->msgs[1].exch_ns);

    /* The venue's next diff still shows 100.10 x 2 (as recorded): offered again. */
    const struct lvl same[] = {{ CX_SIDE_ASK, PX(100.10), QTY(2) }};
    delta(fx, fx->spot, same, 1, t += 10000);
    submit(fx, 3, fx->spot, CX_SIDE_BID, CX_ORD_LIMIT, CX_TIF_IOC, PX(100.10), QTY(2), t += 100);
    pump(fx, t + ENTRY_NS + RESP_NS);
    expect(fx, 4, CX_EXEC_ACK, 3);
    expect_fill(fx, 5, 3, PX(100.10), QTY(2), CX_LIQ_TAKER, USDT(0.4004));
    fx_free(fx);
}

/* A public print takes its quantity from the level it hit until the next book message; a
 * post-only order is judged on what is left. */
static void test_print_consumes_level(void **state)
{
    (void)state;
    struct fx *fx = fx_new();
    int64_t t = 1000000;
    spot_book(fx, t);
    trade(fx, fx->spot, PX(100.10), QTY(1.5), true, t += 100); /* a buyer lifts 1.5 of 2 */
    submit(fx, 1, fx->spot, CX_SIDE_BID, CX_ORD_LIMIT, CX_TIF_IOC, PX(100.10), QTY(2), t += 100);
    pump(fx, t + ENTRY_NS + RESP_NS);
    expect(fx, 0, CX_EXEC_ACK, 1);
    expect_fill(fx, 1, 1, PX(100.10), QTY(0.5), CX_LIQ_TAKER, USDT(0.1001));
    expect(fx, 2, CX_EXEC_EXPIRED, 1);

    /* A seller hits the whole best bid (5 @ 99.90): a sell post-only at 99.90 no longer
     * crosses (the bid left is 99.80), so it is accepted and rests. */
    trade(fx, fx->spot, PX(99.90), QTY(5), false, t += 100);
    submit(fx, 2, fx->spot, CX_SIDE_ASK, CX_ORD_LIMIT, CX_TIF_POST_ONLY, PX(99.90), QTY(1),
           t += 100);
    pump(fx, t + ENTRY_NS + RESP_NS);
    const struct cx_exec_report *ack = expect(fx, 3, CX_EXEC_ACK, 2);
    assert_int_equal(ack->venue_bid_m, PX(99.80));
    assert_int_equal(ack->venue_ask_m, PX(100.20)); /* 100.10 was emptied too */
    fx_free(fx);
}

/* Fills say why they happened: a print through our price, a print at our price past the
 * queue. */
static void test_fill_evidence(void **state)
{
    (void)state;
    struct fx *fx = fx_new();
    int64_t t = 1000000;
    spot_book(fx, t);
    submit(fx, 1, fx->spot, CX_SIDE_BID, CX_ORD_LIMIT, CX_TIF_POST_ONLY, PX(99.80), QTY(1), t);
    submit(fx, 2, fx->spot, CX_SIDE_BID, CX_ORD_LIMIT, CX_TIF_POST_ONLY, PX(100.00), QTY(1), t);
    pump(fx, t + ENTRY_NS + RESP_NS);
    trade(fx, fx->spot, PX(99.90), QTY(1), false, t += 10000); /* through order 2's 100.00 */
    trade(fx, fx->spot, PX(99.80), QTY(4), false, t += 100);   /* 3 ahead of order 1, 1 left */
    pump(fx, t + RESP_NS);
    const struct cx_exec_report *f2 = expect(fx, 2, CX_EXEC_FILL, 2);
    assert_int_equal(f2->fill.evidence, CX_FILL_EV_TRADE_THROUGH);
    const struct cx_exec_report *f1 = expect(fx, 3, CX_EXEC_FILL, 1);
    assert_int_equal(f1->fill.evidence, CX_FILL_EV_TRADE_QUEUE);
    assert_int_equal(f1->fill.qty_m, QTY(1));
    fx_free(fx);
}

/* ---------------------------------------------------------------------------------------------
 * MARK: real data
 * ------------------------------------------------------------------------------------------- */

#define RD_MAX_ORDERS 512

struct rd_order {
    uint64_t cid;      /* client id */
    uint8_t side;      /* CX_SIDE_* */
    int64_t price_m;   /* limit */
    int64_t qty_m;     /* quantity */
    int64_t filled_m;  /* filled so far */
    bool is_open;      /* acked, not final */
    bool is_final;     /* filled, canceled, expired or rejected */
    int64_t submit_ns; /* local time sent */
    int64_t first_fill_ns; /* venue time of the first fill, 0 if none */
};

struct rd {
    struct rd_order o[RD_MAX_ORDERS];
    uint32_t n;
    uint64_t fills, maker_fills, acks, rejects, post_only_rejects, cancels, cancel_rejects;
    int64_t bought_m, sold_m;      /* base quantity */
    int64_t quote_delta;           /* quote change implied by fills, 1e-8 */
    double maker_volume;           /* quote volume of maker fills, USDT */
};

static struct rd_order *rd_find(struct rd *rd, uint64_t cid)
{
    for (uint32_t i = 0; i < rd->n; i++)
        if (rd->o[i].cid == cid)
            return &rd->o[i];
    fail_msg("unknown cid %llu", (unsigned long long)cid);
    return NULL;
}

static void rd_handle(struct rd *rd, const struct cx_instrument *inst, const struct cx_exec_report *m)
{
    if (m->type == CX_EXEC_FUNDING)
        return;
    struct rd_order *o = rd_find(rd, m->client_id);
    switch (m->type) {
    case CX_EXEC_ACK:
        rd->acks++;
        o->is_open = true;
        break;
    case CX_EXEC_REJECT:
        rd->rejects++;
        if (m->reject == CX_REJ_POST_ONLY)
            rd->post_only_rejects++;
        o->is_final = true;
        break;
    case CX_EXEC_FILL: {
        rd->fills++;
        assert_true(o->is_open);
        assert_int_equal(m->fill.price_m, o->price_m); /* post-only: always at our price */
        assert_int_equal(m->fill.liquidity, CX_LIQ_MAKER);
        assert_int_equal(m->fill.side, o->side);
        assert_true(m->fill.qty_m > 0);
        o->filled_m += m->fill.qty_m;
        assert_true(o->filled_m <= o->qty_m);
        if (o->first_fill_ns == 0)
            o->first_fill_ns = m->fill.exch_ts_ns;
        assert_int_equal(m->leaves_qty_m, o->qty_m - o->filled_m);
        rd->maker_fills++;
        int64_t notional;
        assert_int_equal(cx_notional(inst, m->fill.price_m, m->fill.qty_m, 1, &notional), 0);
        assert_int_equal(m->fill.fee, cx_fee(notional, inst->maker_fee_ppb));
        rd->maker_volume += (double)notional * 1e-8;
        if (o->side == CX_SIDE_BID) {
            rd->bought_m += m->fill.qty_m;
            rd->quote_delta -= notional + m->fill.fee;
        } else {
            rd->sold_m += m->fill.qty_m;
            rd->quote_delta += notional - m->fill.fee;
        }
        if (o->filled_m == o->qty_m) {
            o->is_open = false;
            o->is_final = true;
        }
        break;
    }
    case CX_EXEC_CANCELED:
        rd->cancels++;
        o->is_open = false;
        o->is_final = true;
        break;
    case CX_EXEC_CANCEL_REJECT:
        rd->cancel_rejects++;
        assert_true(o->is_final || o->filled_m == o->qty_m);
        break;
    default:
        fail_msg("unexpected message type %u", m->type);
    }
}

static void run_real(uint8_t model, struct rd *rd, struct cx_sim_stats *out_stats)
{
    struct cx_registry reg;
    struct cx_parse_err err;
    memset(&err, 0, sizeof err);
    assert_int_equal(cx_registry_init(&reg, 8), 0);
    if (cx_registry_load_yaml(&reg, CX_DATA_DIR "/instruments/binance.yaml", &err) != 0)
        fail_msg("load yaml: %s", err.msg);
    const struct cx_instrument *inst = cx_registry_find(&reg, CX_VENUE_BINANCE_SPOT, "BTCUSDT", 7);
    assert_non_null(inst);
    assert_int_equal(inst->qty_exp, -8);

    struct cx_sim_cfg cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.reg = &reg;
    cfg.entry = (struct cx_latency_cfg){.kind = CX_LAT_LOGNORMAL, .a_ns = 5 * CX_NS_PER_MS,
                                        .b_ns = 20 * CX_NS_PER_MS};
    cfg.response = (struct cx_latency_cfg){.kind = CX_LAT_CONSTANT, .a_ns = 3 * CX_NS_PER_MS,
                                           .b_ns = 0};
    cfg.seed = 2024;
    cfg.queue_model = model;
    cfg.queue_power = 2.0;
    cfg.n_accounts = 1;
    cfg.accounts[0].venue = CX_VENUE_BINANCE_SPOT;
    cfg.accounts[0].leverage = 1;
    cx_account_balance(&cfg.accounts[0], "BTC")->total = USDT(0.01);
    cx_account_balance(&cfg.accounts[0], "USDT")->total = USDT(2000);
    struct cx_sim *sim;
    assert_int_equal(cx_sim_new(&sim, &cfg, NULL), 0);

    struct cx_md_reader *r;
    assert_int_equal(cx_md_reader_open(&r, CX_DATA_DIR "/binance/spot/btcusdt_20240808.gz", NULL,
                                       &reg, &err), 0);
    const struct cx_md_batch *b;
    int rc;
    int64_t next_quote = 0, now = 0;
    uint64_t cid = 1;
    struct cx_exec_report m;
    const int64_t qty = 100000; /* 0.001 BTC at 1e-8 */
    while ((rc = cx_md_reader_next(r, &b, &err)) == 1) {
        now = b->local_ts_ns;
        /* Venue side first (venue time = local time in this test), then the strategy. */
        assert_int_equal(cx_sim_advance(sim, now), 0);
        int mrc = cx_sim_on_market(sim, b, now);
        assert_int_equal(mrc, 0);
        while (cx_sim_poll(sim, now, &m) == 1)
            rd_handle(rd, inst, &m);
        const struct cx_book *book = cx_sim_book(sim, inst->id);
        if (book == NULL || cx_book_state(book) != CX_BOOK_SYNCED || now < next_quote)
            continue;
        if (next_quote == 0) {
            next_quote = now;
        }
        next_quote += 5 * CX_NS_PER_S;
        /* Requote: cancel what is open, quote post-only at the touch on both sides. */
        for (uint32_t i = 0; i < rd->n; i++)
            if (!rd->o[i].is_final)
                assert_int_equal(cx_sim_cancel(sim, rd->o[i].cid, now), 0);
        struct cx_book_top top;
        cx_book_top(book, &top);
        if (!top.has_bid || !top.has_ask)
            continue;
        for (int s = 0; s < 2; s++) {
            assert_true(rd->n < RD_MAX_ORDERS);
            struct rd_order *o = &rd->o[rd->n++];
            memset(o, 0, sizeof *o);
            o->cid = cid++;
            o->side = (uint8_t)s;
            o->price_m = s == CX_SIDE_BID ? top.bid_price_m : top.ask_price_m;
            o->qty_m = qty;
            o->submit_ns = now;
            struct cx_order_req req = {.client_id = o->cid,
                                       .inst_id = inst->id,
                                       .side = o->side,
                                       .type = CX_ORD_LIMIT,
                                       .tif = CX_TIF_POST_ONLY,
                                       .flags = 0,
                                       .price_m = o->price_m,
                                       .qty_m = qty};
            assert_int_equal(cx_sim_submit(sim, &req, now), 0);
        }
    }
    assert_int_equal(rc, 0);
    /* End: cancel everything, drain. */
    for (uint32_t i = 0; i < rd->n; i++)
        if (!rd->o[i].is_final)
            assert_int_equal(cx_sim_cancel(sim, rd->o[i].cid, now), 0);
    int64_t end = now + CX_NS_PER_S;
    assert_int_equal(cx_sim_advance(sim, end), 0);
    while (cx_sim_poll(sim, end, &m) == 1)
        rd_handle(rd, inst, &m);
    assert_int_equal(cx_sim_next_ns(sim), INT64_MAX);

    /* Reconciliation: balances moved exactly by the fills; nothing stays locked. */
    const struct cx_account *a = cx_sim_account(sim, CX_VENUE_BINANCE_SPOT);
    for (uint32_t i = 0; i < a->n_balances; i++) {
        const struct cx_balance *bb = &a->balances[i];
        assert_int_equal(bb->locked, 0);
        if (strcmp(bb->asset, "BTC") == 0)
            assert_int_equal(bb->total, USDT(0.01) + rd->bought_m - rd->sold_m);
        else if (strcmp(bb->asset, "USDT") == 0)
            assert_int_equal(bb->total, USDT(2000) + rd->quote_delta);
    }
    for (uint32_t i = 0; i < rd->n; i++)
        assert_true(rd->o[i].is_final);
    *out_stats = *cx_sim_stats(sim);
    cx_md_reader_close(r);
    cx_sim_free(sim);
    cx_registry_fini(&reg);
}

static void test_real_data(void **state)
{
    (void)state;
    static const uint8_t models[] = { CX_QUEUE_RISK_AVERSE, CX_QUEUE_PROB_POWER };
    static const char *const names[] = { "risk-averse", "prob n=2" };
    int64_t filled[2];
    for (int i = 0; i < 2; i++) {
        static struct rd rd;
        memset(&rd, 0, sizeof rd);
        struct cx_sim_stats st;
        run_real(models[i], &rd, &st);
        filled[i] = rd.bought_m + rd.sold_m;
        printf("[ real data %-11s ] orders %u, acks %llu, rejects %llu (post-only %llu), "
               "fills %llu (queue %llu, through %llu, cross %llu), canceled %llu, "
               "cancel rejects %llu, bought %.5f BTC, sold %.5f BTC, maker volume %.2f USDT, "
               "queue cancel moves %llu, trades seen %llu\n",
               names[i], (unsigned)rd.n, (unsigned long long)rd.acks,
               (unsigned long long)rd.rejects, (unsigned long long)rd.post_only_rejects,
               (unsigned long long)rd.fills, (unsigned long long)st.queue_fills,
               (unsigned long long)st.trade_through_fills, (unsigned long long)st.cross_fills,
               (unsigned long long)rd.cancels, (unsigned long long)rd.cancel_rejects,
               (double)rd.bought_m * 1e-8, (double)rd.sold_m * 1e-8, rd.maker_volume,
               (unsigned long long)st.queue_cancel_moves, (unsigned long long)st.trades);
        /* How long after sending did orders start to fill (median, and within 100 ms)? */
        int64_t waits[RD_MAX_ORDERS];
        uint32_t nw = 0, fast = 0;
        for (uint32_t k = 0; k < rd.n; k++) {
            if (rd.o[k].first_fill_ns == 0)
                continue;
            waits[nw] = rd.o[k].first_fill_ns - rd.o[k].submit_ns;
            fast += waits[nw] < 100 * CX_NS_PER_MS;
            nw++;
        }
        qsort(waits, nw, sizeof waits[0], cmp_i64);
        printf("[ real data %-11s ] orders with fills %u, median wait to first fill %.3f s, "
               "first fill within 100 ms: %u\n", names[i], (unsigned)nw,
               nw > 0 ? (double)waits[nw / 2] * 1e-9 : 0.0, (unsigned)fast);
        assert_true(rd.n > 100);
        assert_true(rd.fills > 0);
        assert_int_equal(st.taker_fills, 0);
        assert_int_equal(st.response_overflow, 0);
    }
    /* Crediting cancellations only moves orders forward, so the probabilistic model fills at
     * least as much. (Exactly so only for identical latency draws; the two runs differ slightly
     * because fully filled orders need no cancel, but the data are fixed, so this is a
     * deterministic check of the observed 0.06626 vs 0.07100 BTC.) */
    assert_true(filled[1] >= filled[0]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config),
        cmocka_unit_test(test_latency_samples),
        cmocka_unit_test(test_rejects),
        cmocka_unit_test(test_locks),
        cmocka_unit_test(test_post_only),
        cmocka_unit_test(test_ioc_partial_expire),
        cmocka_unit_test(test_fok),
        cmocka_unit_test(test_market_walk),
        cmocka_unit_test(test_gtc_cross_then_rest),
        cmocka_unit_test(test_queue_risk_averse),
        cmocka_unit_test(test_queue_probabilistic),
        cmocka_unit_test(test_queue_probabilistic_spill),
        cmocka_unit_test(test_ask_side_fills),
        cmocka_unit_test(test_print_shared),
        cmocka_unit_test(test_maker_rebate),
        cmocka_unit_test(test_reduce_only_resting),
        cmocka_unit_test(test_cancel_race),
        cmocka_unit_test(test_funding),
        cmocka_unit_test(test_determinism),
        cmocka_unit_test(test_pools),
        cmocka_unit_test(test_bbo_touch_post_only),
        cmocka_unit_test(test_bbo_touch_ioc_walk),
        cmocka_unit_test(test_liquidity_taken_once),
        cmocka_unit_test(test_print_consumes_level),
        cmocka_unit_test(test_fill_evidence),
        cmocka_unit_test(test_real_data),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
