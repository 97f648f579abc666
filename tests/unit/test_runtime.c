/* SPDX-License-Identifier: MIT */
/*
 * The strategy runtime (runtime.h) on its own and inside backtests:
 *  - driven by hand with a scripted venue (struct cx_venue_ops written here, acks and fills on
 *    demand, refusals on demand): deferred local rejects, strategy isolation, a cancel the
 *    venue cannot take, a lost report stopping the run, accounts (two on one venue), funding
 *    shares, and the timer heap against a reference model under random arming and stopping;
 *  - in backtests through the simulated venue: a shared risk limit refusing the order of the
 *    second strategy that would breach it, book stale/resync events, subscriptions, a sim
 *    response overflow stopping the run, and maker_hedge next to another strategy on the
 *    bundled real data, unchanged by its neighbour.
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
#include "cexarb/maker_hedge.h"
#include "cexarb/run_config.h"

/* maker_hedge's parameters in a run configuration (its only strategy). */
#define MH(cfg) ((struct cx_mh_params *)(void *)(cfg)->strategies[0].params)

#define MS CX_NS_PER_MS
#define ONE INT64_C(100000000) /* one unit at CX_NOTIONAL_EXP */
#define T0 (INT64_C(1723161300000) * MS)

static void load_binance(struct cx_registry *reg, uint32_t *spot, uint32_t *perp)
{
    struct cx_parse_err err = {0};
    assert_int_equal(cx_registry_init(reg, 8), 0);
    assert_int_equal(cx_registry_load_yaml(reg, CX_DATA_DIR "/instruments/binance.yaml", &err), 0);
    *spot = cx_registry_find(reg, CX_VENUE_BINANCE_SPOT, "BTCUSDT", 7)->id;
    *perp = cx_registry_find(reg, CX_VENUE_BINANCE_USDM, "BTCUSDT", 7)->id;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: a scripted venue
 * ------------------------------------------------------------------------------------------- */

struct script {
    struct cx_exec_report q[256]; /* reports to deliver, in order */
    uint32_t head, n;
    int submit_rc, cancel_rc, advance_rc; /* forced results (0 = accept) */
    bool fill_on_submit;         /* ack and fill every order at its limit price */
    uint32_t submits, cancels;
    struct cx_order_req last;    /* last request submitted */
    struct cx_account accounts[4];
    uint32_t n_accounts;
    uint64_t fill_id;
};

static void push(struct script *v, struct cx_exec_report m)
{
    assert_true(v->n < 256);
    v->q[(v->head + v->n++) % 256] = m;
}

static int sv_submit(void *impl, const struct cx_order_req *req, int64_t now_ns)
{
    struct script *v = impl;
    v->submits++;
    v->last = *req;
    if (v->submit_rc != 0)
        return v->submit_rc;
    push(v, (struct cx_exec_report){.type = CX_EXEC_ACK, .account_id = req->account_id,
                                    .inst_id = req->inst_id, .client_id = req->client_id,
                                    .leaves_qty_m = req->qty_m, .exch_ns = now_ns,
                                    .deliver_ns = now_ns});
    if (v->fill_on_submit) {
        struct cx_exec_report f = {.type = CX_EXEC_FILL, .account_id = req->account_id,
                                   .inst_id = req->inst_id, .client_id = req->client_id,
                                   .exch_ns = now_ns, .deliver_ns = now_ns};
        f.fill = (struct cx_fill){.client_id = req->client_id, .fill_id = ++v->fill_id,
                                  .inst_id = req->inst_id, .side = req->side,
                                  .liquidity = CX_LIQ_TAKER, .price_m = req->price_m,
                                  .qty_m = req->qty_m, .exch_ts_ns = now_ns};
        push(v, f);
    }
    return 0;
}

static int sv_cancel(void *impl, const struct cx_order_req *req, int64_t now_ns)
{
    struct script *v = impl;
    v->cancels++;
    if (v->cancel_rc != 0)
        return v->cancel_rc;
    push(v, (struct cx_exec_report){.type = CX_EXEC_CANCELED, .account_id = req->account_id,
                                    .inst_id = req->inst_id, .client_id = req->client_id,
                                    .exch_ns = now_ns, .deliver_ns = now_ns});
    return 0;
}

static int sv_account(void *impl, uint16_t id, struct cx_account *out)
{
    struct script *v = impl;
    if (id == 0 || id > v->n_accounts)
        return CX_ENOENT;
    *out = v->accounts[id - 1];
    return 0;
}

static int64_t sv_next_ns(void *impl)
{
    struct script *v = impl;
    return v->n > 0 ? v->q[v->head].deliver_ns : INT64_MAX;
}

static int sv_advance(void *impl, int64_t now_ns)
{
    (void)now_ns;
    return ((struct script *)impl)->advance_rc;
}

static int sv_poll(void *impl, int64_t now_ns, struct cx_exec_report *out)
{
    struct script *v = impl;
    if (v->n == 0 || v->q[v->head].deliver_ns > now_ns)
        return 0;
    *out = v->q[v->head];
    v->head = (v->head + 1) % 256;
    v->n--;
    return 1;
}

static const struct cx_venue_ops k_script_ops = {
    .name = "script", .submit = sv_submit, .cancel = sv_cancel, .account = sv_account,
    .next_ns = sv_next_ns, .advance = sv_advance, .poll = sv_poll};

/* A runtime over the bundled Binance instruments with the scripted venue for both venues and
 * one account per venue (spot 1, USD-M 2), unless the caller set accounts. */
struct rig {
    struct cx_registry reg;
    uint32_t spot, perp;
    struct script v;
    struct cx_rt_cfg cfg;
    struct cx_rt *rt;
};

static void rig_init(struct rig *r)
{
    memset(r, 0, sizeof *r);
    load_binance(&r->reg, &r->spot, &r->perp);
    r->cfg.reg = &r->reg;
    r->cfg.n_accounts = 2;
    snprintf(r->cfg.accounts[0].name, 16, "main");
    r->cfg.accounts[0].venue = CX_VENUE_BINANCE_SPOT;
    snprintf(r->cfg.accounts[1].name, 16, "main");
    r->cfg.accounts[1].venue = CX_VENUE_BINANCE_USDM;
    r->v.n_accounts = 2;
    r->v.accounts[0].venue = CX_VENUE_BINANCE_SPOT;
    cx_account_balance(&r->v.accounts[0], "USDT")->total = 1000 * ONE;
    r->v.accounts[1].venue = CX_VENUE_BINANCE_USDM;
    cx_account_balance(&r->v.accounts[1], "USDT")->total = 1000 * ONE;
}

static void rig_new(struct rig *r, const struct cx_engine_hooks *hooks)
{
    struct cx_parse_err err = {0};
    assert_int_equal(cx_rt_new(&r->rt, &r->cfg, hooks, &err), 0);
    uint32_t mask = (1u << CX_VENUE_BINANCE_SPOT) | (1u << CX_VENUE_BINANCE_USDM);
    assert_int_equal(cx_rt_add_venue(r->rt, (struct cx_venue_handle){&k_script_ops, &r->v}, mask),
                     0);
}

static void rig_add(struct rig *r, const struct cx_strategy_ops *ops, void *self)
{
    struct cx_rt_strategy s = {.ops = ops, .self = self};
    assert_int_equal(cx_rt_add_strategy(r->rt, &s, NULL), 0);
}

static void rig_start(struct rig *r)
{
    struct cx_parse_err err = {0};
    assert_int_equal(cx_rt_start(r->rt, T0, NULL, &err), 0);
}

/* Deliver everything the venue has, at `at`. */
static void rig_pump(struct rig *r, int64_t at)
{
    cx_rt_set_now(r->rt, at);
    struct cx_parse_err err = {0};
    assert_int_equal(cx_rt_venue_run(r->rt, &err), 0);
}

static void rig_fini(struct rig *r)
{
    cx_rt_free(r->rt);
    cx_registry_fini(&r->reg);
}

/* ---------------------------------------------------------------------------------------------
 * MARK: a strategy that does what the test says and logs what it sees
 * ------------------------------------------------------------------------------------------- */

struct probe {
    struct rig *rig;
    uint32_t inst;              /* instrument it trades */
    int n_place;                /* orders to place in on_start */
    int64_t qty_m;              /* their size */
    int64_t price_m;            /* their price */
    bool in_place;              /* inside cx_ctx_place */
    int updates_inside_place;   /* order updates delivered while in_place (must stay 0) */
    uint64_t ids[16];           /* client ids it placed */
    int n_ids;
    uint64_t seen[64];          /* client ids of the updates it received */
    uint8_t seen_status[64];
    uint8_t seen_reject[64];
    int n_seen;
    int fills;
    int64_t funding_share;
    int n_funding;
    struct cx_ctx *ctx;         /* its context (valid while the runtime lives) */
};

static int pr_start(void *self, struct cx_ctx *ctx)
{
    struct probe *p = self;
    p->ctx = ctx;
    for (int i = 0; i < p->n_place; i++) {
        struct cx_order_req r = {.inst_id = p->inst, .side = CX_SIDE_BID, .type = CX_ORD_LIMIT,
                                 .tif = CX_TIF_GTC, .price_m = p->price_m, .qty_m = p->qty_m};
        p->in_place = true;
        int rc = cx_ctx_place(ctx, &r);
        p->in_place = false;
        assert_int_equal(rc, 0);
        p->ids[p->n_ids++] = r.client_id;
    }
    return 0;
}

static void pr_order(void *self, struct cx_ctx *ctx, const struct cx_order *o)
{
    struct probe *p = self;
    (void)ctx;
    if (p->in_place)
        p->updates_inside_place++;
    assert_true(p->n_seen < 64);
    p->seen[p->n_seen] = o->req.client_id;
    p->seen_status[p->n_seen] = o->status;
    p->seen_reject[p->n_seen] = o->reject;
    p->n_seen++;
}

static void pr_fill(void *self, struct cx_ctx *ctx, const struct cx_fill *f)
{
    struct probe *p = self;
    (void)ctx;
    (void)f;
    p->fills++;
}

static void pr_funding(void *self, struct cx_ctx *ctx, const struct cx_funding *f)
{
    struct probe *p = self;
    (void)ctx;
    p->funding_share += f->share;
    p->n_funding++;
}

static const struct cx_strategy_ops k_probe = {.name = "probe",
                                               .on_start = pr_start,
                                               .on_order_update = pr_order,
                                               .on_fill = pr_fill,
                                               .on_funding = pr_funding};

/* ---------------------------------------------------------------------------------------------
 * MARK: scripted-venue tests
 * ------------------------------------------------------------------------------------------- */

static void test_risk_reject_delivered_after_the_callback(void **state)
{
    (void)state;
    static struct rig r;
    rig_init(&r);
    r.cfg.risk.max_open_orders = 1;
    rig_new(&r, NULL);
    struct probe p = {.inst = r.spot, .n_place = 2, .qty_m = 100000, .price_m = 6000000000000};
    rig_add(&r, &k_probe, &p);
    rig_start(&r);
    /* The second order was refused by the gate; the strategy heard it after on_start returned,
     * never from inside cx_ctx_place. */
    assert_int_equal(p.updates_inside_place, 0);
    assert_int_equal(p.n_seen, 1);
    assert_int_equal(p.seen[0], p.ids[1]);
    assert_int_equal(p.seen_status[0], CX_ORD_REJECTED);
    assert_int_equal(p.seen_reject[0], CX_REJ_RISK_MAX_OPEN_ORDERS);
    assert_string_equal(cx_reject_name(CX_REJ_RISK_MAX_OPEN_ORDERS), "risk_max_open_orders");
    assert_int_equal(r.v.submits, 1); /* the refused order never reached the venue */
    assert_int_equal(cx_rt_result(r.rt)->risk_refusals, 1);
    rig_pump(&r, T0 + MS);
    assert_int_equal(p.n_seen, 2);
    assert_int_equal(p.seen[1], p.ids[0]);
    assert_int_equal(p.seen_status[1], CX_ORD_NEW);
    rig_fini(&r);
}

static void test_isolation_between_strategies(void **state)
{
    (void)state;
    static struct rig r;
    rig_init(&r);
    rig_new(&r, NULL);
    struct probe a = {.inst = r.spot, .n_place = 2, .qty_m = 100000, .price_m = 6000000000000};
    struct probe b = {.inst = r.spot};
    rig_add(&r, &k_probe, &a);
    rig_add(&r, &k_probe, &b);
    rig_start(&r);
    rig_pump(&r, T0 + MS);
    assert_int_equal(a.n_seen, 2); /* its two acks */
    assert_int_equal(b.n_seen, 0);
    /* B cannot see, cancel or cancel-all A's orders. */
    assert_null(cx_ctx_order(b.ctx, a.ids[0]));
    assert_non_null(cx_ctx_order(a.ctx, a.ids[0]));
    assert_int_equal(cx_ctx_cancel(b.ctx, a.ids[0]), CX_ENOENT);
    assert_int_equal(cx_ctx_cancel_all(b.ctx, UINT32_MAX), 0);
    assert_int_equal(r.v.cancels, 0);
    assert_int_equal(cx_ctx_order(a.ctx, a.ids[0])->status, CX_ORD_NEW);
    /* A's own cancel-all takes both of its orders. */
    assert_int_equal(cx_ctx_cancel_all(a.ctx, UINT32_MAX), 2);
    rig_pump(&r, T0 + 2 * MS);
    assert_int_equal(a.n_seen, 4);
    assert_int_equal(a.seen_status[3], CX_ORD_CANCELED);
    assert_int_equal(b.n_seen, 0);
    /* Every order carries its strategy and resolved account. */
    assert_int_equal(cx_ctx_order(a.ctx, a.ids[1])->req.strategy_id, 0);
    assert_int_equal(cx_ctx_order(a.ctx, a.ids[1])->req.account_id, 1);
    rig_fini(&r);
}

struct hook_log {
    int pending_cancel;
    int rejected;
};

static void hl_order(void *arg, const struct cx_order *o)
{
    struct hook_log *h = arg;
    if (o->status == CX_ORD_PENDING_CANCEL)
        h->pending_cancel++;
    if (o->status == CX_ORD_REJECTED)
        h->rejected++;
}

static void test_venue_refusals_keep_state(void **state)
{
    (void)state;
    static struct rig r;
    rig_init(&r);
    struct hook_log hl = {0};
    struct cx_engine_hooks hooks = {.arg = &hl, .on_order = hl_order};
    rig_new(&r, &hooks);
    struct probe a = {.inst = r.spot, .n_place = 1, .qty_m = 100000, .price_m = 6000000000000};
    rig_add(&r, &k_probe, &a);
    rig_start(&r);
    rig_pump(&r, T0 + MS);
    /* The venue cannot take the cancel: the order stays NEW, nothing claims a cancel is on
     * its way, and the strategy can try again. */
    r.v.cancel_rc = CX_ENOSPC;
    assert_int_equal(cx_ctx_cancel(a.ctx, a.ids[0]), CX_ENOSPC);
    assert_int_equal(cx_ctx_order(a.ctx, a.ids[0])->status, CX_ORD_NEW);
    assert_int_equal(hl.pending_cancel, 0);
    r.v.cancel_rc = 0;
    assert_int_equal(cx_ctx_cancel(a.ctx, a.ids[0]), 0);
    assert_int_equal(hl.pending_cancel, 1);
    /* The venue cannot take an order: a local reject (reason "risk"), after the callback. */
    r.v.submit_rc = CX_ENOSPC;
    struct cx_order_req o = {.inst_id = r.spot, .side = CX_SIDE_BID, .type = CX_ORD_LIMIT,
                             .tif = CX_TIF_GTC, .price_m = 6000000000000, .qty_m = 100000};
    a.in_place = true;
    assert_int_equal(cx_ctx_place(a.ctx, &o), 0);
    a.in_place = false;
    assert_int_equal(cx_ctx_order(a.ctx, o.client_id)->status, CX_ORD_REJECTED);
    assert_int_equal(cx_ctx_order(a.ctx, o.client_id)->reject, CX_REJ_RISK);
    assert_int_equal(hl.rejected, 1);
    assert_int_equal(cx_rt_result(r.rt)->local_rejects, 1);
    /* A venue that lost a report stops the run, naming itself. */
    r.v.advance_rc = CX_ENOSPC;
    struct cx_parse_err err = {0};
    cx_rt_set_now(r.rt, T0 + 2 * MS);
    assert_int_equal(cx_rt_venue_run(r.rt, &err), CX_ENOSPC);
    assert_string_equal(err.detail, "script");
    assert_non_null(strstr(err.msg, "dropped"));
    rig_fini(&r);
}

static void test_accounts_two_on_one_venue(void **state)
{
    (void)state;
    static struct rig r;
    rig_init(&r);
    /* Two spot accounts (a buy and a sell account) and the USD-M account. */
    r.cfg.n_accounts = 3;
    snprintf(r.cfg.accounts[0].name, 16, "buy");
    snprintf(r.cfg.accounts[1].name, 16, "sell");
    r.cfg.accounts[1].venue = CX_VENUE_BINANCE_SPOT;
    snprintf(r.cfg.accounts[2].name, 16, "main");
    r.cfg.accounts[2].venue = CX_VENUE_BINANCE_USDM;
    r.v.n_accounts = 3;
    memset(&r.v.accounts[1], 0, sizeof r.v.accounts[1]);
    r.v.accounts[1].venue = CX_VENUE_BINANCE_SPOT;
    cx_account_balance(&r.v.accounts[1], "BTC")->total = ONE / 10;
    r.v.accounts[2].venue = CX_VENUE_BINANCE_USDM;
    cx_account_balance(&r.v.accounts[2], "USDT")->total = 500 * ONE;
    rig_new(&r, NULL);
    struct probe a = {.inst = r.spot};
    struct cx_rt_strategy s = {.ops = &k_probe, .self = &a, .name = "seller",
                               .n_default_accounts = 1, .default_accounts = {2}};
    assert_int_equal(cx_rt_add_strategy(r.rt, &s, NULL), 0);
    rig_start(&r);
    assert_int_equal(cx_ctx_account(a.ctx, CX_VENUE_BINANCE_SPOT, "buy"), 1);
    assert_int_equal(cx_ctx_account(a.ctx, CX_VENUE_BINANCE_SPOT, "sell"), 2);
    assert_int_equal(cx_ctx_account(a.ctx, CX_VENUE_BINANCE_SPOT, NULL), 2); /* its default */
    assert_int_equal(cx_ctx_account(a.ctx, CX_VENUE_BINANCE_USDM, NULL), 3);
    assert_int_equal(cx_ctx_account(a.ctx, CX_VENUE_BINANCE_SPOT, "nope"), 0);
    /* Balances per account, from the venue at start. */
    assert_int_equal(cx_ctx_balance(a.ctx, 1, "USDT"), 1000 * ONE);
    assert_int_equal(cx_ctx_balance(a.ctx, 1, "BTC"), 0);
    assert_int_equal(cx_ctx_balance(a.ctx, 2, "BTC"), ONE / 10);
    assert_int_equal(cx_ctx_balance(a.ctx, 3, "USDT"), 500 * ONE);
    /* Orders go out on the default account, or the one named; never on another venue's. */
    struct cx_order_req o = {.inst_id = r.spot, .side = CX_SIDE_ASK, .type = CX_ORD_LIMIT,
                             .tif = CX_TIF_GTC, .price_m = 6000000000000, .qty_m = 100000};
    assert_int_equal(cx_ctx_place(a.ctx, &o), 0);
    assert_int_equal(r.v.last.account_id, 2);
    assert_int_equal(o.account_id, 2);
    o.client_id = 0;
    o.account_id = 1;
    assert_int_equal(cx_ctx_place(a.ctx, &o), 0);
    assert_int_equal(r.v.last.account_id, 1);
    o.client_id = 0;
    o.account_id = 3;
    assert_int_equal(cx_ctx_place(a.ctx, &o), CX_EINVAL);
    o.account_id = 9;
    assert_int_equal(cx_ctx_place(a.ctx, &o), CX_EINVAL);
    /* A fill on the sell account moves that account's mirror only. */
    r.v.fill_on_submit = true;
    o.client_id = 0;
    o.account_id = 2;
    assert_int_equal(cx_ctx_place(a.ctx, &o), 0);
    rig_pump(&r, T0 + MS);
    assert_int_equal(cx_ctx_balance(a.ctx, 2, "BTC"), ONE / 10 - 100000);
    assert_int_equal(cx_ctx_balance(a.ctx, 1, "BTC"), 0);
    assert_true(cx_ctx_balance(a.ctx, 2, "USDT") > 0);
    assert_int_equal(cx_ctx_balance(a.ctx, 1, "USDT"), 1000 * ONE);
    rig_fini(&r);
}

static void test_funding_shares(void **state)
{
    (void)state;
    static struct rig r;
    rig_init(&r);
    r.v.fill_on_submit = true;
    rig_new(&r, NULL);
    /* A long 0.004, B long 0.002 on the perp (same account; 120 USDT clears the 100 USDT
     * minimum notional). */
    struct probe a = {.inst = r.perp, .n_place = 1, .qty_m = 4, .price_m = 6000000};
    struct probe b = {.inst = r.perp, .n_place = 1, .qty_m = 2, .price_m = 6000000};
    struct probe c = {.inst = r.perp};
    rig_add(&r, &k_probe, &a);
    rig_add(&r, &k_probe, &b);
    rig_add(&r, &k_probe, &c);
    rig_start(&r);
    rig_pump(&r, T0 + MS);
    assert_int_equal(a.fills, 1);
    assert_int_equal(b.fills, 1);
    assert_int_equal(cx_ctx_position(a.ctx, r.perp)->qty_m, 4);
    assert_int_equal(cx_ctx_position(b.ctx, r.perp)->qty_m, 2);
    assert_int_equal(cx_ctx_position(c.ctx, r.perp)->qty_m, 0);
    /* The account pays 0.00000301 USDT: A pays two thirds, B one third, the remainder of the
     * division to the first holder; C holds nothing and hears nothing. */
    push(&r.v, (struct cx_exec_report){.type = CX_EXEC_FUNDING, .account_id = 2,
                                       .inst_id = r.perp, .amount = -301, .rate_ppb = 100000,
                                       .deliver_ns = T0 + 2 * MS});
    rig_pump(&r, T0 + 2 * MS);
    assert_int_equal(a.n_funding, 1);
    assert_int_equal(b.n_funding, 1);
    assert_int_equal(c.n_funding, 0);
    assert_int_equal(b.funding_share, -100);
    assert_int_equal(a.funding_share, -201);
    assert_int_equal(cx_ctx_position(a.ctx, r.perp)->funding, -201);
    assert_int_equal(cx_oms_position(cx_rt_oms(r.rt), r.perp)->funding, -301);
    rig_fini(&r);
}

/* ---------------------------------------------------------------------------------------------
 * MARK: timers against a reference model
 * ------------------------------------------------------------------------------------------- */

#define N_TIMERS 48

struct timers {
    struct cx_timer t[N_TIMERS];
    /* reference: armed?, due time, arming sequence */
    bool armed[N_TIMERS];
    int64_t at[N_TIMERS];
    uint64_t seq[N_TIMERS];
    uint64_t next_seq;
    uint64_t rng;
    uint32_t fired;
    uint32_t stops;
};

static uint64_t rnd(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static void tm_arm(struct timers *m, struct cx_ctx *ctx, int i, int64_t at)
{
    assert_int_equal(cx_ctx_timer_start(ctx, &m->t[i], at), 0);
    m->armed[i] = true;
    m->at[i] = at;
    m->seq[i] = m->next_seq++;
}

/* Random work after every firing: arm, re-arm (some at the same instant) or stop others. */
static void tm_churn(struct timers *m, struct cx_ctx *ctx)
{
    int64_t now = cx_ctx_now_ns(ctx);
    int ops = (int)(rnd(&m->rng) % 4);
    for (int k = 0; k < ops; k++) {
        int i = (int)(rnd(&m->rng) % N_TIMERS);
        uint64_t what = rnd(&m->rng) % 10;
        if (what < 2 && m->armed[i]) {
            cx_ctx_timer_stop(ctx, &m->t[i]);
            m->armed[i] = false;
            m->stops++;
        } else {
            tm_arm(m, ctx, i, now + (int64_t)(rnd(&m->rng) % 4) * MS); /* ties are common */
        }
    }
}

static void tm_cb(void *data, struct cx_ctx *ctx, struct cx_timer *t)
{
    struct timers *m = data;
    int i = (int)(t - m->t);
    /* The reference's earliest armed timer by (at, seq) must be the one that fired. */
    int want = -1;
    for (int k = 0; k < N_TIMERS; k++)
        if (m->armed[k] && (want < 0 || m->at[k] < m->at[want] ||
                            (m->at[k] == m->at[want] && m->seq[k] < m->seq[want])))
            want = k;
    assert_int_equal(i, want);
    assert_int_equal(cx_ctx_now_ns(ctx), m->at[i]);
    assert_false(t->is_active);
    m->armed[i] = false;
    if (++m->fired < 30000)
        tm_churn(m, ctx);
}

static int tm_start(void *self, struct cx_ctx *ctx)
{
    struct timers *m = self;
    for (int i = 0; i < N_TIMERS; i++) {
        cx_timer_init(&m->t[i], tm_cb, m);
        tm_arm(m, ctx, i, cx_ctx_now_ns(ctx) + (int64_t)(rnd(&m->rng) % 8) * MS);
    }
    /* Arming in the past is refused; an uninitialised timer is refused. */
    struct cx_timer bad = {0};
    assert_int_equal(cx_ctx_timer_start(ctx, &m->t[0], cx_ctx_now_ns(ctx) - 1), CX_EINVAL);
    assert_int_equal(cx_ctx_timer_start(ctx, &bad, cx_ctx_now_ns(ctx)), CX_EINVAL);
    return 0;
}

static void test_timers_random(void **state)
{
    (void)state;
    static struct rig r;
    rig_init(&r);
    rig_new(&r, NULL);
    static struct timers m;
    memset(&m, 0, sizeof m);
    m.rng = 7;
    static const struct cx_strategy_ops ops = {.name = "timers", .on_start = tm_start};
    rig_add(&r, &ops, &m);
    rig_start(&r);
    int64_t t;
    while ((t = cx_rt_timer_next_ns(r.rt)) != INT64_MAX) {
        cx_rt_set_now(r.rt, t);
        cx_rt_timer_run(r.rt);
    }
    print_message("  timers: %u fired, %u stopped, %llu armings\n", m.fired, m.stops,
                  (unsigned long long)m.next_seq);
    assert_true(m.fired > 15000);
    assert_true(m.stops > 1000);
    for (int i = 0; i < N_TIMERS; i++)
        assert_false(m.armed[i]);
    rig_fini(&r);
}

/* ---------------------------------------------------------------------------------------------
 * MARK: backtests through the simulated venue (hand-written recordings)
 * ------------------------------------------------------------------------------------------- */

#define FEED_NS (2 * MS + 111111)
#define T0_MS INT64_C(1723161300000)

static int64_t at(int64_t ms)
{
    return (T0_MS + ms) * MS + FEED_NS;
}

struct rec_file {
    char dir[32];
    char path[64];
    FILE *f;
};

static void rec_open(struct rec_file *r)
{
    snprintf(r->dir, sizeof r->dir, "/tmp/cx_rt_XXXXXX");
    assert_non_null(mkdtemp(r->dir));
    snprintf(r->path, sizeof r->path, "%s/spot.txt", r->dir);
    r->f = fopen(r->path, "w");
    assert_non_null(r->f);
}

static void rec_depth(struct rec_file *r, int64_t ms, uint64_t first, uint64_t last,
                      const char *bids, const char *asks)
{
    fprintf(r->f,
            "%lld {\"stream\":\"btcusdt@depth@100ms\",\"data\":{\"e\":\"depthUpdate\",\"E\":%lld,"
            "\"s\":\"BTCUSDT\",\"U\":%llu,\"u\":%llu,\"b\":[%s],\"a\":[%s]}}\n",
            (long long)at(ms), (long long)(T0_MS + ms), (unsigned long long)first,
            (unsigned long long)last, bids, asks);
}

static void rec_snapshot(struct rec_file *r, int64_t ms, uint64_t id)
{
    fprintf(r->f,
            "%lld {\"lastUpdateId\":%llu,\"bids\":[[\"60000.00000000\",\"1.00000000\"]],"
            "\"asks\":[[\"60001.00000000\",\"1.00000000\"]]}\n",
            (long long)at(ms), (unsigned long long)id);
}

static void rec_close(struct rec_file *r)
{
    assert_int_equal(fclose(r->f), 0);
}

static void rec_remove(struct rec_file *r)
{
    unlink(r->path);
    rmdir(r->dir);
}

static void engine_cfg(struct cx_engine_cfg *e, struct cx_registry *reg, const char *path)
{
    memset(e, 0, sizeof *e);
    e->paths[0] = path;
    e->n_paths = 1;
    e->reg = reg;
    e->strict = true;
    e->sim.entry = (struct cx_latency_cfg){.kind = CX_LAT_CONSTANT, .a_ns = MS, .b_ns = MS};
    e->sim.response = e->sim.entry;
    e->sim.seed = 1;
    e->sim.n_accounts = 1;
    e->sim.accounts[0].venue = CX_VENUE_BINANCE_SPOT;
    e->sim.accounts[0].leverage = 1;
    cx_account_balance(&e->sim.accounts[0], "USDT")->total = 10000 * ONE;
}

/* Buys `qty_m` BTC with an IOC through the ask once the book is synced (at `when_ms`). */
struct buyer {
    uint32_t spot;
    int64_t when_ms;
    int64_t qty_m;
    bool done;
    uint8_t status, reject;   /* final status of its order */
    int64_t filled_m;
    int stale, resynced, books;
};

static int by_start(void *self, struct cx_ctx *ctx)
{
    struct buyer *b = self;
    b->spot = cx_ctx_find_instrument(ctx, CX_VENUE_BINANCE_SPOT, "BTCUSDT");
    return cx_ctx_subscribe(ctx, b->spot, CX_SUB_BOOK);
}

static void by_book(void *self, struct cx_ctx *ctx, uint32_t inst, const struct cx_book *bk)
{
    struct buyer *b = self;
    (void)inst;
    b->books++;
    if (b->done || b->when_ms < 0 || cx_ctx_now_ns(ctx) < at(b->when_ms) ||
        cx_book_state(bk) != CX_BOOK_SYNCED)
        return;
    b->done = true;
    struct cx_order_req r = {.inst_id = b->spot, .side = CX_SIDE_BID, .type = CX_ORD_LIMIT,
                             .tif = CX_TIF_IOC, .price_m = 6010000000000, .qty_m = b->qty_m};
    assert_int_equal(cx_ctx_place(ctx, &r), 0);
}

static void by_order(void *self, struct cx_ctx *ctx, const struct cx_order *o)
{
    struct buyer *b = self;
    (void)ctx;
    if (cx_ord_status_is_final((enum cx_ord_status)o->status)) {
        b->status = o->status;
        b->reject = o->reject;
        b->filled_m = o->filled_qty_m;
    }
}

static void by_state(void *self, struct cx_ctx *ctx, const struct cx_venue_event *ev)
{
    struct buyer *b = self;
    (void)ctx;
    assert_int_equal(ev->inst_id, b->spot);
    if (ev->state == CX_VENUE_BOOK_STALE)
        b->stale++;
    if (ev->state == CX_VENUE_BOOK_RESYNCED)
        b->resynced++;
}

static const struct cx_strategy_ops k_buyer = {.name = "buyer",
                                               .on_start = by_start,
                                               .on_book = by_book,
                                               .on_order_update = by_order,
                                               .on_venue_state = by_state};

static void test_shared_asset_limit(void **state)
{
    (void)state;
    struct rec_file rf;
    rec_open(&rf);
    rec_depth(&rf, 0, 90, 100, "", "");
    rec_snapshot(&rf, 0, 100);
    rec_depth(&rf, 1, 101, 101, "", "");
    for (int ms = 10; ms <= 40; ms += 10)
        rec_depth(&rf, ms, 100 + (uint64_t)ms / 10 + 1, 100 + (uint64_t)ms / 10 + 1, "", "");
    rec_close(&rf);

    struct cx_registry reg;
    uint32_t spot, perp;
    load_binance(&reg, &spot, &perp);
    static struct cx_engine_cfg e;
    engine_cfg(&e, &reg, rf.path);
    /* BTC exposure across the run: at most 0.003 BTC. Each buyer alone stays under it. */
    e.risk.n_asset = 1;
    snprintf(e.risk.asset[0].asset, sizeof e.risk.asset[0].asset, "BTC");
    e.risk.asset[0].max_abs_base = 300000;
    struct buyer b1 = {.when_ms = 10, .qty_m = 200000}, b2 = {.when_ms = 30, .qty_m = 200000};
    struct cx_rt_strategy s[2] = {{.ops = &k_buyer, .self = &b1, .name = "buyer1"},
                                  {.ops = &k_buyer, .self = &b2, .name = "buyer2"}};
    struct cx_engine_result res;
    struct cx_parse_err err = {0};
    int rc = cx_engine_run_many(&e, s, 2, NULL, &res, &err);
    rec_remove(&rf);
    cx_registry_fini(&reg);
    assert_int_equal(rc, 0);
    assert_int_equal(b1.status, CX_ORD_FILLED);
    assert_int_equal(b1.filled_m, 200000);
    assert_int_equal(b2.status, CX_ORD_REJECTED);
    assert_int_equal(b2.reject, CX_REJ_RISK_MAX_ASSET);
    assert_int_equal(res.risk_refusals, 1);
    assert_int_equal(res.orders, 2);
    assert_int_equal(res.fills, 1);
}

static void test_book_stale_and_resync_events(void **state)
{
    (void)state;
    struct rec_file rf;
    rec_open(&rf);
    rec_depth(&rf, 0, 90, 100, "", "");
    rec_snapshot(&rf, 0, 100);
    rec_depth(&rf, 1, 101, 101, "", "");
    rec_depth(&rf, 2, 105, 105, "", ""); /* gap: 102-104 missing -> stale */
    rec_snapshot(&rf, 3, 200);            /* a new snapshot ... */
    rec_depth(&rf, 4, 201, 201, "", ""); /* ... and the next update resync it */
    rec_close(&rf);
    struct cx_registry reg;
    uint32_t spot, perp;
    load_binance(&reg, &spot, &perp);
    static struct cx_engine_cfg e;
    engine_cfg(&e, &reg, rf.path);
    struct buyer b = {.when_ms = -1};
    static const struct cx_strategy_ops silent = {.name = "silent"}; /* subscribes to nothing */
    struct cx_rt_strategy s[2] = {{.ops = &k_buyer, .self = &b}, {.ops = &silent}};
    struct cx_engine_result res;
    struct cx_parse_err err = {0};
    int rc = cx_engine_run_many(&e, s, 2, NULL, &res, &err);
    rec_remove(&rf);
    cx_registry_fini(&reg);
    assert_int_equal(rc, 0);
    assert_int_equal(res.book_gaps, 1);
    assert_int_equal(b.stale, 1);
    assert_int_equal(b.resynced, 1);
    assert_int_equal(b.books, 6);
    assert_int_equal(res.md_ignored, 0);
}

static void test_sim_response_overflow_stops_the_run(void **state)
{
    (void)state;
    struct rec_file rf;
    rec_open(&rf);
    rec_depth(&rf, 0, 90, 100, "", "");
    rec_snapshot(&rf, 0, 100);
    rec_depth(&rf, 1, 101, 101, "", "");
    rec_depth(&rf, 50, 102, 102, "", "");
    rec_close(&rf);
    struct cx_registry reg;
    uint32_t spot, perp;
    load_binance(&reg, &spot, &perp);
    static struct cx_engine_cfg e;
    engine_cfg(&e, &reg, rf.path);
    e.sim.max_responses = 1; /* one undelivered response at a time */
    /* Two buyers send at the same instant: two acks and fills wait at once. */
    struct buyer b1 = {.when_ms = 1, .qty_m = 100000}, b2 = {.when_ms = 1, .qty_m = 100000};
    struct cx_rt_strategy s[2] = {{.ops = &k_buyer, .self = &b1}, {.ops = &k_buyer, .self = &b2}};
    struct cx_parse_err err = {0};
    int rc = cx_engine_run_many(&e, s, 2, NULL, NULL, &err);
    rec_remove(&rf);
    cx_registry_fini(&reg);
    assert_int_equal(rc, CX_ENOSPC);
    char msg[300];
    cx_parse_err_format(&err, msg, sizeof msg);
    print_message("  stopped with: %s\n", msg);
    assert_non_null(strstr(msg, "dropped"));
}

/* ---------------------------------------------------------------------------------------------
 * MARK: maker_hedge with a neighbour on the real data
 * ------------------------------------------------------------------------------------------- */

/* Subscribes to both books and calls cancel-all on every update: it owns no order, so it must
 * cancel nothing, and maker_hedge next to it must trade exactly as alone. */
struct neighbour {
    uint64_t calls;
    uint64_t cancels;
    uint64_t foreign_seen;
};

static int nb_start(void *self, struct cx_ctx *ctx)
{
    (void)self;
    uint32_t s = cx_ctx_find_instrument(ctx, CX_VENUE_BINANCE_SPOT, "BTCUSDT");
    uint32_t p = cx_ctx_find_instrument(ctx, CX_VENUE_BINANCE_USDM, "BTCUSDT");
    int rc = cx_ctx_subscribe(ctx, s, CX_SUB_BOOK | CX_SUB_TRADES);
    return rc == 0 ? cx_ctx_subscribe(ctx, p, CX_SUB_BOOK) : rc;
}

static void nb_book(void *self, struct cx_ctx *ctx, uint32_t inst, const struct cx_book *b)
{
    struct neighbour *n = self;
    (void)inst;
    (void)b;
    n->calls++;
    n->cancels += (uint64_t)cx_ctx_cancel_all(ctx, UINT32_MAX);
    for (uint64_t id = 1; id <= 60; id++) /* maker_hedge's client ids */
        if (cx_ctx_order(ctx, id) != NULL)
            n->foreign_seen++;
}

static void nb_order(void *self, struct cx_ctx *ctx, const struct cx_order *o)
{
    struct neighbour *n = self;
    (void)ctx;
    (void)o;
    n->foreign_seen++; /* it has no orders: any update is someone else's */
}

static const struct cx_strategy_ops k_neighbour = {.name = "neighbour",
                                                   .on_start = nb_start,
                                                   .on_book = nb_book,
                                                   .on_order_update = nb_order};

static void run_mh(bool with_neighbour, struct cx_mh_summary *sum, struct cx_engine_result *res,
                   struct neighbour *nb)
{
    static struct cx_run_cfg c;
    cx_run_cfg_default(&c, CX_DATA_DIR);
    struct cx_registry reg;
    uint32_t spot, perp;
    load_binance(&reg, &spot, &perp);
    static struct cx_engine_cfg e;
    cx_run_cfg_engine(&c, &reg, &e);
    struct cx_parse_err err = {0};
    struct cx_mh *mh = NULL;
    assert_int_equal(cx_mh_new(&mh, MH(&c), &err), 0);
    struct cx_rt_strategy s[2] = {{.ops = cx_mh_ops(), .self = mh},
                                  {.ops = &k_neighbour, .self = nb}};
    assert_int_equal(cx_engine_run_many(&e, s, with_neighbour ? 2 : 1, NULL, res, &err), 0);
    cx_mh_summary(mh, sum);
    cx_mh_free(mh);
    cx_registry_fini(&reg);
}

static void test_maker_hedge_with_a_neighbour(void **state)
{
    (void)state;
    struct cx_mh_summary alone, both;
    struct cx_engine_result r1, r2;
    struct neighbour nb = {0};
    run_mh(false, &alone, &r1, &nb);
    run_mh(true, &both, &r2, &nb);
    print_message("  maker_hedge alone: %llu quotes, %llu spot fills, %llu hedges; with a "
                  "neighbour: %llu, %llu, %llu; neighbour callbacks %llu\n",
                  (unsigned long long)alone.quotes, (unsigned long long)alone.spot_fills,
                  (unsigned long long)alone.hedges, (unsigned long long)both.quotes,
                  (unsigned long long)both.spot_fills, (unsigned long long)both.hedges,
                  (unsigned long long)nb.calls);
    assert_true(alone.spot_fills > 10);
    assert_int_equal(both.quotes, alone.quotes);
    assert_int_equal(both.requotes, alone.requotes);
    assert_int_equal(both.spot_fills, alone.spot_fills);
    assert_int_equal(both.hedges, alone.hedges);
    assert_int_equal(both.hedge_fills, alone.hedge_fills);
    assert_true(both.max_abs_net_delta_base == alone.max_abs_net_delta_base);
    assert_int_equal(r2.orders, r1.orders);
    assert_int_equal(r2.fills, r1.fills);
    assert_int_equal(r2.final.equity, r1.final.equity);
    assert_true(nb.calls > 5000); /* every depth update of both books */
    assert_int_equal(nb.cancels, 0);
    assert_int_equal(nb.foreign_seen, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_risk_reject_delivered_after_the_callback),
        cmocka_unit_test(test_isolation_between_strategies),
        cmocka_unit_test(test_venue_refusals_keep_state),
        cmocka_unit_test(test_accounts_two_on_one_venue),
        cmocka_unit_test(test_funding_shares),
        cmocka_unit_test(test_timers_random),
        cmocka_unit_test(test_shared_asset_limit),
        cmocka_unit_test(test_book_stale_and_resync_events),
        cmocka_unit_test(test_sim_response_overflow_stops_the_run),
        cmocka_unit_test(test_maker_hedge_with_a_neighbour),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
