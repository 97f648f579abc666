/* SPDX-License-Identifier: MIT */
/*
 * Backtest engine on the bundled real Binance BTCUSDT spot + USD-M data, with test-only
 * strategies:
 *  - join_touch: post-only bid at the best bid and ask at the best ask (fixed size), re-quoted
 *    when the touch moves; exercises queue position against real trade prints, partial fills,
 *    maker fees/rebates.
 *  - crosser: every N seconds an IOC that crosses the spread (alternating sides), a deliberately
 *    crossing post-only order (must be rejected) and an aggressive limit cancelled at once (the
 *    fill must win the latency race).
 * Checked at every step through the engine hooks: fills sum to position changes; equity equals
 * initial equity (at current marks) + realized + unrealized - fees + funding. Determinism: two
 * runs give identical fill sequences.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "cexarb/engine.h"
#include "cexarb/replay.h"

#define D CX_DATA_DIR

/* ---- test strategies -------------------------------------------------------------------- */

struct join_touch {
    uint32_t spot;         /* instrument id */
    int64_t qty_m;         /* order size */
    uint64_t bid_id, ask_id;
    int64_t bid_px, ask_px;
    uint64_t fills, maker_fills, partial_orders, post_only_rejects;
};

static void jt_quote(struct join_touch *s, struct cx_ctx *ctx, int side, int64_t px)
{
    uint64_t *id = side == CX_SIDE_BID ? &s->bid_id : &s->ask_id;
    int64_t *cur = side == CX_SIDE_BID ? &s->bid_px : &s->ask_px;
    if (*id != 0) {
        const struct cx_order *o = cx_ctx_order(ctx, *id);
        bool live = o && (o->status == CX_ORD_PENDING_NEW || o->status == CX_ORD_NEW ||
                          o->status == CX_ORD_PARTIALLY_FILLED);
        bool pending = o && o->status == CX_ORD_PENDING_CANCEL;
        if (pending || (live && *cur == px))
            return;
        if (live) {
            cx_ctx_cancel(ctx, *id);
            return; /* re-quote once the cancel is confirmed */
        }
    }
    struct cx_order_req r = {.inst_id = s->spot, .side = (uint8_t)side, .type = CX_ORD_LIMIT,
                             .tif = CX_TIF_POST_ONLY, .price_m = px, .qty_m = s->qty_m};
    if (cx_ctx_place(ctx, &r) == 0) {
        *id = r.client_id;
        *cur = px;
    }
}

static void jt_on_book(void *self, struct cx_ctx *ctx, uint32_t inst, const struct cx_book *b)
{
    struct join_touch *s = self;
    if (inst != s->spot || cx_book_state(b) != CX_BOOK_SYNCED)
        return;
    struct cx_book_top t;
    cx_book_top(b, &t);
    if (!t.has_bid || !t.has_ask)
        return;
    jt_quote(s, ctx, CX_SIDE_BID, t.bid_price_m);
    jt_quote(s, ctx, CX_SIDE_ASK, t.ask_price_m);
}

static void jt_on_fill(void *self, struct cx_ctx *ctx, const struct cx_fill *f)
{
    struct join_touch *s = self;
    const struct cx_order *o = cx_ctx_order(ctx, f->client_id);
    s->fills++;
    if (f->liquidity == CX_LIQ_MAKER)
        s->maker_fills++;
    assert_non_null(o);
    assert_int_equal(f->price_m, o->req.price_m); /* maker fills execute at the order price */
    if (f->qty_m < o->req.qty_m)
        s->partial_orders++;
}

static void jt_on_order(void *self, struct cx_ctx *ctx, const struct cx_order *o)
{
    struct join_touch *s = self;
    (void)ctx;
    if (o->status == CX_ORD_REJECTED && o->reject == CX_REJ_POST_ONLY)
        s->post_only_rejects++;
}

static void jt_on_stop(void *self, struct cx_ctx *ctx)
{
    (void)self;
    cx_ctx_cancel_all(ctx, UINT32_MAX);
}

static int jt_on_start(void *self, struct cx_ctx *ctx)
{
    struct join_touch *s = self;
    return cx_ctx_subscribe(ctx, s->spot, CX_SUB_BOOK);
}

static const struct cx_strategy_ops k_join_touch = {
    .name = "test_join_touch",
    .on_start = jt_on_start,
    .on_book = jt_on_book,
    .on_fill = jt_on_fill,
    .on_order_update = jt_on_order,
    .on_stop = jt_on_stop,
};

struct crosser {
    struct cx_timer timer; /* every every_ns */
    uint32_t spot;         /* subscribed too: its mid marks the spot BTC balance */
    uint32_t perp;
    int64_t qty_m;
    int64_t every_ns;
    uint32_t round;
    uint64_t race_id;      /* aggressive limit cancelled immediately */
    uint64_t postonly_id;  /* crossing post-only order */
    uint64_t taker_fills;
    int race_outcome;      /* final status of the race order */
    int postonly_outcome;  /* final status/reject of the post-only order */
    int postonly_reject;
};

static void cr_on_timer(void *self, struct cx_ctx *ctx, struct cx_timer *timer)
{
    struct crosser *s = self;
    (void)timer;
    const struct cx_book *b = cx_ctx_book(ctx, s->perp);
    struct cx_book_top t = {0};
    if (b != NULL && cx_book_state(b) == CX_BOOK_SYNCED)
        cx_book_top(b, &t);
    if (t.has_bid && t.has_ask) {
        int side = (s->round % 2 == 0) ? CX_SIDE_BID : CX_SIDE_ASK;
        struct cx_order_req r = {.inst_id = s->perp, .side = (uint8_t)side, .type = CX_ORD_LIMIT,
                                 .tif = CX_TIF_IOC, .qty_m = s->qty_m,
                                 .price_m = side == CX_SIDE_BID ? t.ask_price_m + 100
                                                                : t.bid_price_m - 100};
        cx_ctx_place(ctx, &r);
        if (s->round == 3) {
            /* Post-only buy at the best ask: would take liquidity, must be rejected. */
            struct cx_order_req p = {.inst_id = s->perp, .side = CX_SIDE_BID,
                                     .type = CX_ORD_LIMIT, .tif = CX_TIF_POST_ONLY,
                                     .qty_m = s->qty_m, .price_m = t.ask_price_m};
            cx_ctx_place(ctx, &p);
            s->postonly_id = p.client_id;
            /* A GTC buy through the ask, cancelled in the same instant: the cancel reaches the
             * venue one entry latency after the order, which has already executed. */
            struct cx_order_req g = {.inst_id = s->perp, .side = CX_SIDE_BID,
                                     .type = CX_ORD_LIMIT, .tif = CX_TIF_GTC,
                                     .qty_m = s->qty_m, .price_m = t.ask_price_m + 500};
            cx_ctx_place(ctx, &g);
            s->race_id = g.client_id;
            assert_int_equal(cx_ctx_cancel(ctx, g.client_id), 0);
        }
        s->round++;
    }
    cx_ctx_timer_start(ctx, &s->timer, cx_ctx_now_ns(ctx) + s->every_ns);
}

static int cr_on_start(void *self, struct cx_ctx *ctx)
{
    struct crosser *s = self;
    cx_timer_init(&s->timer, cr_on_timer, s);
    int rc = cx_ctx_subscribe(ctx, s->perp, CX_SUB_BOOK);
    if (rc == 0)
        rc = cx_ctx_subscribe(ctx, s->spot, CX_SUB_BOOK);
    if (rc == 0)
        rc = cx_ctx_timer_start(ctx, &s->timer, cx_ctx_now_ns(ctx) + 10 * CX_NS_PER_S);
    return rc;
}

static void cr_on_fill(void *self, struct cx_ctx *ctx, const struct cx_fill *f)
{
    struct crosser *s = self;
    (void)ctx;
    if (f->liquidity == CX_LIQ_TAKER)
        s->taker_fills++;
}

static void cr_on_order(void *self, struct cx_ctx *ctx, const struct cx_order *o)
{
    struct crosser *s = self;
    (void)ctx;
    if (o->req.client_id == s->race_id)
        s->race_outcome = o->status;
    if (o->req.client_id == s->postonly_id) {
        s->postonly_outcome = o->status;
        s->postonly_reject = o->reject;
    }
}

static const struct cx_strategy_ops k_crosser = {
    .name = "test_crosser",
    .on_start = cr_on_start,
    .on_fill = cr_on_fill,
    .on_order_update = cr_on_order,
};

/* ---- invariant-checking hooks ------------------------------------------------------------ */

struct audit {
    struct cx_registry *reg;
    int64_t signed_fill_qty[16];  /* per instrument id < 16 */
    uint64_t fill_hash;           /* FNV-1a over fill fields in order */
    uint64_t fills;
    int64_t fees;
    uint64_t samples;
    int64_t max_equity_error;     /* |equity - expected| over samples */
    int64_t init_quote;           /* initial quote cash over all accounts */
    int64_t init_base_m8;         /* initial BTC at 1e-8 */
    uint32_t spot_inst;
    int64_t last_mid_spot;
};

static void hash_u64(uint64_t *h, uint64_t v)
{
    for (int i = 0; i < 8; i++) {
        *h ^= (v >> (8 * i)) & 0xff;
        *h *= 0x100000001b3ull;
    }
}

static void au_fill(void *arg, const struct cx_fill *f, int64_t mid)
{
    struct audit *a = arg;
    (void)mid;
    assert_true(f->inst_id < 16);
    a->signed_fill_qty[f->inst_id] += f->side == CX_SIDE_BID ? f->qty_m : -f->qty_m;
    a->fills++;
    a->fees += f->fee;
    hash_u64(&a->fill_hash, f->client_id);
    hash_u64(&a->fill_hash, (uint64_t)f->price_m);
    hash_u64(&a->fill_hash, (uint64_t)f->qty_m);
    hash_u64(&a->fill_hash, (uint64_t)f->exch_ts_ns);
    hash_u64(&a->fill_hash, (uint64_t)f->fee);
}

static void au_position(void *arg, int64_t ts, uint32_t inst, int64_t mid,
                        const struct cx_position *p, int64_t unreal)
{
    struct audit *a = arg;
    (void)ts;
    (void)unreal;
    if (inst < 16)
        assert_int_equal(p->qty_m, a->signed_fill_qty[inst]); /* fills == position change */
    if (inst == a->spot_inst)
        a->last_mid_spot = mid;
}

static void au_sample(void *arg, const struct cx_perf_sample *s)
{
    struct audit *a = arg;
    a->samples++;
    if (a->last_mid_spot == 0)
        return;
    /* initial holdings at the current mark (BTC @ -8 times mid @ -8 -> quote @ -8). */
    __int128 base_val = (__int128)a->init_base_m8 * a->last_mid_spot / 100000000;
    int64_t expected = a->init_quote + (int64_t)base_val + s->realized + s->unrealized - s->fees +
                       s->funding;
    int64_t e = s->equity - expected;
    if (e < 0)
        e = -e;
    if (e > a->max_equity_error)
        a->max_equity_error = e;
}

static void setup_cfg(struct cx_engine_cfg *cfg, struct cx_registry *reg, int64_t maker_ppb)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->paths[0] = D "/binance/spot/btcusdt_20240808.gz";
    cfg->paths[1] = D "/binance/usdm/btcusdt_20240808.gz";
    cfg->n_paths = 2;
    cfg->reg = reg;
    cfg->sim.entry.kind = CX_LAT_CONSTANT;
    cfg->sim.entry.a_ns = 5 * CX_NS_PER_MS;
    cfg->sim.response.kind = CX_LAT_CONSTANT;
    cfg->sim.response.a_ns = 5 * CX_NS_PER_MS;
    cfg->sim.queue_model = CX_QUEUE_RISK_AVERSE;
    cfg->sim.seed = 42;
    cfg->sim.n_accounts = 2;
    struct cx_account *spot = &cfg->sim.accounts[0];
    spot->venue = CX_VENUE_BINANCE_SPOT;
    spot->leverage = 1;
    cx_account_balance(spot, "BTC")->total = 1000000;          /* 0.01 BTC */
    cx_account_balance(spot, "USDT")->total = INT64_C(200000000000); /* 2000 USDT */
    struct cx_account *perp = &cfg->sim.accounts[1];
    perp->venue = CX_VENUE_BINANCE_USDM;
    perp->leverage = 5;
    cx_account_balance(perp, "USDT")->total = INT64_C(200000000000);
    /* Fee overrides for the fee-sign test. */
    for (uint32_t i = 0; i < reg->count; i++) {
        struct cx_instrument *in = &reg->items[i];
        if (in->venue == CX_VENUE_BINANCE_SPOT && strcmp(in->symbol, "BTCUSDT") == 0)
            in->maker_fee_ppb = maker_ppb;
    }
}

static void registry(struct cx_registry *reg)
{
    assert_int_equal(cx_registry_init(reg, 64), 0);
    struct cx_parse_err err = {0};
    assert_int_equal(cx_registry_load_yaml(reg, D "/instruments/binance.yaml", &err), 0);
}

static void run_join_touch(int64_t maker_ppb, struct join_touch *jt, struct audit *au,
                           struct cx_engine_result *res)
{
    struct cx_registry reg;
    registry(&reg);
    struct cx_engine_cfg cfg;
    setup_cfg(&cfg, &reg, maker_ppb);
    memset(jt, 0, sizeof *jt);
    jt->spot = cx_registry_find(&reg, CX_VENUE_BINANCE_SPOT, "BTCUSDT", 7)->id;
    jt->qty_m = 100000; /* 0.00100 BTC at qty_exp -8 */
    memset(au, 0, sizeof *au);
    au->reg = &reg;
    au->fill_hash = 0xcbf29ce484222325ull;
    au->init_quote = INT64_C(400000000000);
    au->init_base_m8 = 1000000;
    au->spot_inst = jt->spot;
    struct cx_engine_hooks hooks = {.arg = au, .on_fill = au_fill, .on_sample = au_sample,
                                    .on_position = au_position};
    struct cx_parse_err err = {0};
    int rc = cx_engine_run(&cfg, &k_join_touch, jt, &hooks, res, &err);
    if (rc != 0) {
        char buf[256];
        cx_parse_err_format(&err, buf, sizeof buf);
        fail_msg("engine: %s (%s)", buf, cx_err_name(rc));
    }
    cx_registry_fini(&reg);
}

static void test_join_touch_real_data(void **state)
{
    (void)state;
    struct join_touch jt;
    struct audit au;
    struct cx_engine_result res;
    run_join_touch(1000000, &jt, &au, &res);
    print_message("  join_touch: orders %llu fills %llu (maker %llu, partial %llu), samples %llu, "
                  "max equity error %lld (1e-8 USDT), final equity %lld\n",
                  (unsigned long long)res.orders, (unsigned long long)jt.fills,
                  (unsigned long long)jt.maker_fills, (unsigned long long)jt.partial_orders,
                  (unsigned long long)au.samples, (long long)au.max_equity_error,
                  (long long)res.final.equity);
    assert_true(res.local_messages == 41249 + 93954);
    assert_true(res.orders > 100);
    assert_true(jt.fills > 10);
    assert_int_equal(jt.fills, jt.maker_fills); /* post-only quotes only ever make */
    assert_true(au.samples > 300);               /* ~346 s at 1 s sampling */
    assert_true(au.max_equity_error <= 2);       /* two roundings of 1e-8 USDT at most */
    assert_int_equal(res.book_gaps, 0);
    assert_int_equal(res.fill_errors, 0);
}

static void test_determinism(void **state)
{
    (void)state;
    struct join_touch jt1, jt2;
    struct audit au1, au2;
    struct cx_engine_result r1, r2;
    run_join_touch(1000000, &jt1, &au1, &r1);
    run_join_touch(1000000, &jt2, &au2, &r2);
    assert_int_equal(au1.fills, au2.fills);
    assert_int_equal(au1.fill_hash, au2.fill_hash);
    assert_int_equal(r1.final.equity, r2.final.equity);
}

static void test_maker_rebate_increases_pnl(void **state)
{
    (void)state;
    struct join_touch jt1, jt2;
    struct audit au1, au2;
    struct cx_engine_result r1, r2;
    run_join_touch(1000000, &jt1, &au1, &r1);  /* +0.1 % maker fee */
    run_join_touch(-100000, &jt2, &au2, &r2);  /* -0.01 % maker rebate */
    assert_true(au1.fees > 0);
    assert_true(au2.fees < 0);
    /* Same fills (fees do not change matching), so PnL differs exactly by the fee difference. */
    assert_int_equal(au1.fills, au2.fills);
    assert_true(r2.final.equity > r1.final.equity);
    assert_int_equal(r2.final.equity - r1.final.equity, au1.fees - au2.fees);
}

static void test_crosser_races_and_rejects(void **state)
{
    (void)state;
    struct cx_registry reg;
    registry(&reg);
    struct cx_engine_cfg cfg;
    setup_cfg(&cfg, &reg, 1000000);
    struct crosser cr = {.qty_m = 2, .every_ns = 20 * CX_NS_PER_S}; /* 0.002 BTC perp */
    cr.perp = cx_registry_find(&reg, CX_VENUE_BINANCE_USDM, "BTCUSDT", 7)->id;
    cr.spot = cx_registry_find(&reg, CX_VENUE_BINANCE_SPOT, "BTCUSDT", 7)->id;
    struct audit au = {.fill_hash = 0xcbf29ce484222325ull, .init_quote = INT64_C(400000000000),
                       .init_base_m8 = 1000000};
    au.spot_inst = cx_registry_find(&reg, CX_VENUE_BINANCE_SPOT, "BTCUSDT", 7)->id;
    struct cx_engine_hooks hooks = {.arg = &au, .on_fill = au_fill, .on_position = au_position,
                                    .on_sample = au_sample};
    struct cx_engine_result res;
    struct cx_parse_err err = {0};
    assert_int_equal(cx_engine_run(&cfg, &k_crosser, &cr, &hooks, &res, &err), 0);
    print_message("  crosser: rounds %u taker fills %llu, race order %s, post-only %s/%s, max "
                  "equity error %lld\n",
                  cr.round, (unsigned long long)cr.taker_fills,
                  cx_ord_status_name((enum cx_ord_status)cr.race_outcome),
                  cx_ord_status_name((enum cx_ord_status)cr.postonly_outcome),
                  cx_reject_name((enum cx_reject)cr.postonly_reject),
                  (long long)au.max_equity_error);
    assert_true(cr.round >= 10);
    assert_true(cr.taker_fills >= cr.round);
    assert_int_equal(cr.postonly_outcome, CX_ORD_REJECTED);
    assert_int_equal(cr.postonly_reject, CX_REJ_POST_ONLY);
    assert_int_equal(cr.race_outcome, CX_ORD_FILLED); /* the fill won the race */
    assert_true(au.samples > 300); /* the spot mark is there: the equity was audited */
    assert_true(au.max_equity_error <= 2);
    cx_registry_fini(&reg);
}

/* ---- session directory ------------------------------------------------------------------ */

static char *slurp(const char *path, size_t *out_n)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *p = malloc((size_t)n + 1);
    size_t got = fread(p, 1, (size_t)n, f);
    fclose(f);
    p[got] = '\0';
    *out_n = got;
    return p;
}

static void run_session(const char *dir)
{
    struct cx_registry reg;
    registry(&reg);
    struct cx_engine_cfg cfg;
    setup_cfg(&cfg, &reg, 1000000);
    struct join_touch jt = {.qty_m = 100000};
    jt.spot = cx_registry_find(&reg, CX_VENUE_BINANCE_SPOT, "BTCUSDT", 7)->id;
    struct cx_session_opts so = {.dir = dir, .strategy_name = "test_join_touch",
                                 .config_json = "{\"qty\":\"0.001\"}"};
    struct cx_parse_err err = {0};
    struct cx_rt_strategy st = {.ops = &k_join_touch, .self = &jt};
    int rc = cx_backtest_session(&cfg, &st, 1, NULL, &so, NULL, &err);
    if (rc != 0) {
        char buf[256];
        cx_parse_err_format(&err, buf, sizeof buf);
        fail_msg("session: %s (%s)", buf, cx_err_name(rc));
    }
    cx_registry_fini(&reg);
}

static void test_session_directory(void **state)
{
    (void)state;
    char d1[] = "/tmp/cx_session_XXXXXX", d2[] = "/tmp/cx_session_XXXXXX";
    assert_non_null(mkdtemp(d1));
    assert_non_null(mkdtemp(d2));
    run_session(d1);
    run_session(d2);
    static const char *const files[] = {"metadata.json", "orders.csv", "fills.csv", "trades.csv",
                                        "positions.csv", "performance.csv", "events.log",
                                        "report.html", "summary.json", "instruments.csv"};
    char path[512];
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", d1, files[i]);
        assert_int_equal(access(path, R_OK), 0);
    }
    /* Determinism: byte-identical fills.csv (and orders.csv) across two runs. */
    size_t n1, n2;
    snprintf(path, sizeof path, "%s/fills.csv", d1);
    char *f1 = slurp(path, &n1);
    snprintf(path, sizeof path, "%s/fills.csv", d2);
    char *f2 = slurp(path, &n2);
    assert_true(n1 > 1000);
    assert_int_equal(n1, n2);
    assert_memory_equal(f1, f2, n1);
    free(f1);
    free(f2);
    /* summary.json is valid JSON with the statistics. */
    snprintf(path, sizeof path, "%s/summary.json", d1);
    char *sj = slurp(path, &n1);
    cJSON *j = cJSON_Parse(sj);
    assert_non_null(j);
    cJSON_Delete(j);
    /* `cexarb report DIR` rebuilds the same summary from the files alone. */
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s report %s > /dev/null", CX_CLI_PATH, d1);
    assert_int_equal(WEXITSTATUS(system(cmd)), 0);
    char *sj2 = slurp(path, &n2);
    assert_int_equal(n1, n2);
    assert_memory_equal(sj, sj2, n1);
    free(sj);
    free(sj2);
    if (getenv("CX_KEEP_SESSION") != NULL) { /* to look at the report by hand */
        print_message("  kept session %s\n", d1);
        return;
    }
    snprintf(cmd, sizeof cmd, "rm -rf %s %s", d1, d2);
    assert_int_equal(system(cmd), 0);
}

/* ---- cancel-all covers every open order -------------------------------------------------- */

struct many {
    uint32_t perp;
    int placed, canceled, acked;
    bool done_placing, cancel_sent;
};

static void many_book(void *self, struct cx_ctx *ctx, uint32_t inst, const struct cx_book *b)
{
    struct many *s = self;
    if (inst != s->perp || cx_book_state(b) != CX_BOOK_SYNCED)
        return;
    if (!s->done_placing) {
        /* 300 resting buys far below the market (0.003 BTC at 50000-50299 USDT). */
        for (int i = 0; i < 300; i++) {
            struct cx_order_req r = {.inst_id = s->perp, .side = CX_SIDE_BID,
                                     .type = CX_ORD_LIMIT, .tif = CX_TIF_POST_ONLY,
                                     .price_m = 5000000 + i * 100, .qty_m = 3};
            if (cx_ctx_place(ctx, &r) == 0)
                s->placed++;
        }
        s->done_placing = true;
    } else if (!s->cancel_sent && s->acked == s->placed) {
        assert_int_equal(cx_ctx_cancel_all(ctx, UINT32_MAX), s->placed);
        s->cancel_sent = true;
    }
}

static int many_start(void *self, struct cx_ctx *ctx)
{
    struct many *s = self;
    return cx_ctx_subscribe(ctx, s->perp, CX_SUB_BOOK);
}

static void many_order(void *self, struct cx_ctx *ctx, const struct cx_order *o)
{
    struct many *s = self;
    (void)ctx;
    if (o->status == CX_ORD_NEW)
        s->acked++;
    if (o->status == CX_ORD_CANCELED)
        s->canceled++;
}

static void test_cancel_all_more_than_a_buffer(void **state)
{
    (void)state;
    struct cx_registry reg;
    registry(&reg);
    struct cx_engine_cfg cfg;
    setup_cfg(&cfg, &reg, 1000000);
    cx_account_balance(&cfg.sim.accounts[1], "USDT")->total = INT64_C(100000000000000); /* 1M */
    static const struct cx_strategy_ops ops = {.name = "test_many", .on_start = many_start,
                                               .on_book = many_book,
                                               .on_order_update = many_order};
    struct many s = {.perp = cx_registry_find(&reg, CX_VENUE_BINANCE_USDM, "BTCUSDT", 7)->id};
    struct cx_parse_err err = {0};
    assert_int_equal(cx_engine_run(&cfg, &ops, &s, NULL, NULL, &err), 0);
    assert_int_equal(s.placed, 300);
    assert_int_equal(s.acked, 300);
    assert_true(s.cancel_sent);
    assert_int_equal(s.canceled, 300);
    cx_registry_fini(&reg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_join_touch_real_data),
        cmocka_unit_test(test_determinism),
        cmocka_unit_test(test_maker_rebate_increases_pnl),
        cmocka_unit_test(test_crosser_races_and_rejects),
        cmocka_unit_test(test_session_directory),
        cmocka_unit_test(test_cancel_all_more_than_a_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
