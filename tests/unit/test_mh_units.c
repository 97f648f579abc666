/* SPDX-License-Identifier: MIT */
/*
 * maker_hedge component tests on small hand-written recordings: each test writes a spot and a
 * USD-M file in the hftbacktest format (`<local_ns> <json>`, the Binance message shapes of
 * data/binance/{spot,usdm}/btcusdt_20240808.gz: REST snapshot, depthUpdate, trade) into a
 * mkdtemp directory under /tmp (removed afterwards), replays them through cx_engine_run with the
 * real strategy (cx_mh_ops) and checks the exact orders, fills and events.log records seen by the
 * engine hooks, and the strategy summary.
 *
 * Components: maker engine (quote placement, size, re-quote on a move or on age, inventory and
 * sync guards), hedge executor (write-ahead intent, IOC at the touch, escalation, exhausted
 * attempts, minimum notional and naked-exposure budget, reduce-only, timeout) and monitor
 * (summary lines, net-delta figures).
 *
 * Clocks: every line is written with local_ns = exchange time + FEED_NS (one constant per file),
 * so the engine's venue clock (exchange time + min(local - exchange)) equals the local clock and
 * the venue sees each message when the strategy does (venue first on ties). With constant
 * latencies every order event therefore happens at a time the test can state exactly: sent at t,
 * at the venue at t + entry, its outcome known at t + entry + response. Runs are a few seconds
 * long, so the analyzer (20 samples of sample_interval_ns = 1 s before its statistics leave the
 * neutral defaults) never becomes ready: the offset stays base_offset_ticks = 2 and the
 * breakers never act, which is what "neutral analyzer stats" needs; sample_interval_ns is
 * therefore left at its default everywhere.
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

#define MS CX_NS_PER_MS
#define T0_MS INT64_C(1723161300000)      /* exchange time of the first line, ms (2024-08-08) */
#define FEED_NS (2 * MS + 345678)         /* local - exchange time, the same on every line */
#define ONE INT64_C(100000000)            /* one unit of an asset at CX_NOTIONAL_EXP (-8) */
#define MAX_EVENTS 1024

/* Local (= venue) time of a line written at ms after T0. */
static int64_t at(int64_t ms)
{
    return (T0_MS + ms) * MS + FEED_NS;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: recordings
 * ------------------------------------------------------------------------------------------- */

struct files {
    char dir[64];       /* mkdtemp directory */
    char spot[96];      /* spot recording */
    char perp[96];      /* USD-M recording */
    FILE *fs, *fp;      /* open while writing */
    uint64_t spot_u;    /* last spot update id written */
    uint64_t perp_u;    /* last USD-M update id written */
    uint64_t trade_id;  /* next trade id */
};

/* Per-test fixture: a fresh mkdtemp directory with the two recordings open for writing. */
static int files_setup(void **state)
{
    struct files *f = calloc(1, sizeof *f);
    if (f == NULL)
        return -1;
    memcpy(f->dir, "/tmp/cx_mhu_XXXXXX", sizeof "/tmp/cx_mhu_XXXXXX");
    if (mkdtemp(f->dir) == NULL) {
        free(f);
        return -1;
    }
    snprintf(f->spot, sizeof f->spot, "%s/spot.txt", f->dir);
    snprintf(f->perp, sizeof f->perp, "%s/usdm.txt", f->dir);
    f->fs = fopen(f->spot, "w");
    f->fp = fopen(f->perp, "w");
    f->trade_id = 3735683259u;
    *state = f;
    return f->fs != NULL && f->fp != NULL ? 0 : -1;
}

/* Closes what is still open and removes the files and the directory (also after a failure). */
static int files_teardown(void **state)
{
    struct files *f = *state;
    if (f == NULL)
        return 0;
    if (f->fs != NULL)
        fclose(f->fs);
    if (f->fp != NULL)
        fclose(f->fp);
    unlink(f->spot);
    unlink(f->perp);
    int rc = rmdir(f->dir);
    free(f);
    return rc == 0 ? 0 : -1;
}

static void files_close(struct files *f)
{
    int rs = fclose(f->fs), rp = fclose(f->fp);
    f->fs = f->fp = NULL;
    assert_int_equal(rs, 0);
    assert_int_equal(rp, 0);
}

/* Spot depth update at ms with explicit U/u (bids/asks: the array contents). */
static void spot_depth_ids(struct files *f, int64_t ms, uint64_t first, uint64_t last,
                           const char *bids, const char *asks)
{
    fprintf(f->fs,
            "%lld {\"stream\":\"btcusdt@depth@100ms\",\"data\":{\"e\":\"depthUpdate\",\"E\":%lld,"
            "\"s\":\"BTCUSDT\",\"U\":%llu,\"u\":%llu,\"b\":[%s],\"a\":[%s]}}\n",
            (long long)at(ms), (long long)(T0_MS + ms), (unsigned long long)first,
            (unsigned long long)last, bids, asks);
    f->spot_u = last;
}

/* Next chained spot depth update (U == previous u + 1). */
static void spot_depth(struct files *f, int64_t ms, const char *bids, const char *asks)
{
    spot_depth_ids(f, ms, f->spot_u + 1, f->spot_u + 1, bids, asks);
}

static void spot_snapshot(struct files *f, int64_t ms, uint64_t id, const char *bids,
                          const char *asks)
{
    fprintf(f->fs, "%lld {\"lastUpdateId\":%llu,\"bids\":[%s],\"asks\":[%s]}\n",
            (long long)at(ms), (unsigned long long)id, bids, asks);
}

/* Spot trade; is_buyer_maker true = the seller was the aggressor (hits bids). */
static void spot_trade(struct files *f, int64_t ms, const char *price, const char *qty,
                       bool is_buyer_maker)
{
    fprintf(f->fs,
            "%lld {\"stream\":\"btcusdt@trade\",\"data\":{\"e\":\"trade\",\"E\":%lld,"
            "\"s\":\"BTCUSDT\",\"t\":%llu,\"p\":\"%s\",\"q\":\"%s\",\"T\":%lld,\"m\":%s,"
            "\"M\":true}}\n",
            (long long)at(ms), (long long)(T0_MS + ms), (unsigned long long)f->trade_id++, price,
            qty, (long long)(T0_MS + ms), is_buyer_maker ? "true" : "false");
}

/* Next chained USD-M depth update: U = prev u + 1, u = U + 2, pu = prev u. */
static void perp_depth(struct files *f, int64_t ms, const char *bids, const char *asks)
{
    uint64_t first = f->perp_u + 1, last = f->perp_u + 3;
    fprintf(f->fp,
            "%lld {\"stream\":\"btcusdt@depth@0ms\",\"data\":{\"e\":\"depthUpdate\",\"E\":%lld,"
            "\"T\":%lld,\"s\":\"BTCUSDT\",\"U\":%llu,\"u\":%llu,\"pu\":%llu,\"b\":[%s],"
            "\"a\":[%s]}}\n",
            (long long)at(ms), (long long)(T0_MS + ms), (long long)(T0_MS + ms),
            (unsigned long long)first, (unsigned long long)last,
            (unsigned long long)f->perp_u, bids, asks);
    f->perp_u = last;
}

static void perp_snapshot(struct files *f, int64_t ms, uint64_t id, const char *bids,
                          const char *asks)
{
    fprintf(f->fp,
            "%lld {\"lastUpdateId\":%llu,\"E\":%lld,\"T\":%lld,\"bids\":[%s],\"asks\":[%s]}\n",
            (long long)at(ms), (unsigned long long)id, (long long)(T0_MS + ms),
            (long long)(T0_MS + ms), bids, asks);
}

/* The start every scenario shares:
 *   0 ms  spot depth U=91 u=100 (before the snapshot: buffered, then dropped as old)
 *   1 ms  spot snapshot 100: bids 60000.00 x 1, 59000.00 x 2; asks 60001.00 x 1, 61000.00 x 2
 *   2 ms  USD-M depth U=195 u=199 pu=194 (dropped as older than the snapshot)
 *   3 ms  USD-M snapshot 200 with perp_bids / asks 60010.10 x 5 (omitted when !perp_snapshot)
 *   4 ms  spot depth U=101 u=101, no levels: both books synced -> the first quotes.
 * The next USD-M update is U=200 u=202 pu=199 (straddles the snapshot id, as USD-M requires). */
static void write_base(struct files *f, const char *perp_bids, bool perp_snapshot_too)
{
    spot_depth_ids(f, 0, 91, 100, "", "");
    spot_snapshot(f, 1, 100,
                  "[\"60000.00000000\",\"1.00000000\"],[\"59000.00000000\",\"2.00000000\"]",
                  "[\"60001.00000000\",\"1.00000000\"],[\"61000.00000000\",\"2.00000000\"]");
    fprintf(f->fp,
            "%lld {\"stream\":\"btcusdt@depth@0ms\",\"data\":{\"e\":\"depthUpdate\",\"E\":%lld,"
            "\"T\":%lld,\"s\":\"BTCUSDT\",\"U\":195,\"u\":199,\"pu\":194,\"b\":[],\"a\":[]}}\n",
            (long long)at(2), (long long)(T0_MS + 2), (long long)(T0_MS + 2));
    f->perp_u = 199;
    if (perp_snapshot_too)
        perp_snapshot(f, 3, 200, perp_bids, "[\"60010.10\",\"5.000\"]");
    spot_depth(f, 4, "", "");
}

/* ---------------------------------------------------------------------------------------------
 * MARK: run and hooks
 * ------------------------------------------------------------------------------------------- */

enum ev_kind { EV_ORDER = 1, EV_FILL, EV_LOG };

struct ev {
    uint8_t kind;        /* enum ev_kind */
    uint8_t status;      /* order: enum cx_ord_status */
    uint8_t side;        /* order/fill */
    uint8_t type;        /* order: enum cx_ord_type */
    uint8_t tif;         /* order: enum cx_tif */
    uint8_t flags;       /* order: CX_ORD_F_* */
    uint8_t reject;      /* order: enum cx_reject */
    uint32_t inst;       /* order/fill */
    uint64_t id;         /* order/fill: client id */
    int64_t ts_ns;       /* engine time */
    int64_t price_m;     /* order: limit price; fill: execution price */
    int64_t qty_m;       /* order: quantity; fill: executed quantity */
    char name[40];       /* log: event name */
    char fields[400];    /* log: JSON fields */
};

struct rec {
    uint32_t spot, perp; /* instrument ids */
    uint32_t n;
    struct ev ev[MAX_EVENTS];
};

static struct ev *rec_add(struct rec *r, uint8_t kind)
{
    assert_true(r->n < MAX_EVENTS);
    struct ev *e = &r->ev[r->n++];
    memset(e, 0, sizeof *e);
    e->kind = kind;
    return e;
}

static void h_order(void *arg, const struct cx_order *o)
{
    struct ev *e = rec_add(arg, EV_ORDER);
    e->status = o->status;
    e->side = o->req.side;
    e->type = o->req.type;
    e->tif = o->req.tif;
    e->flags = o->req.flags;
    e->reject = o->reject;
    e->inst = o->req.inst_id;
    e->id = o->req.client_id;
    e->ts_ns = o->updated_ns;
    e->price_m = o->req.price_m;
    e->qty_m = o->req.qty_m;
}

static void h_fill(void *arg, const struct cx_fill *f, int64_t mid)
{
    (void)mid;
    struct ev *e = rec_add(arg, EV_FILL);
    e->side = f->side;
    e->inst = f->inst_id;
    e->id = f->client_id;
    e->ts_ns = f->local_ts_ns;
    e->price_m = f->price_m;
    e->qty_m = f->qty_m;
}

static void h_log(void *arg, int64_t ts, const char *event, const char *fields)
{
    struct ev *e = rec_add(arg, EV_LOG);
    e->ts_ns = ts;
    snprintf(e->name, sizeof e->name, "%s", event);
    snprintf(e->fields, sizeof e->fields, "%s", fields);
}

struct setup {
    struct cx_mh_params p;  /* strategy parameters */
    int64_t entry_ns;       /* constant order entry latency */
    int64_t response_ns;    /* constant response latency */
    int64_t spot_btc;       /* spot BTC balance at CX_NOTIONAL_EXP */
};

static void setup_default(struct setup *s)
{
    cx_mh_params_default(&s->p);
    s->entry_ns = 1 * MS;
    s->response_ns = 1 * MS;
    s->spot_btc = ONE / 100; /* 0.01 BTC: enough for one sell quote */
}

static void set_balance(struct cx_account *a, const char *asset, int64_t amount)
{
    struct cx_balance *b = cx_account_balance(a, asset);
    assert_non_null(b);
    b->total = amount;
}

/* Replays the files with the strategy; fills rec (hooks), sum and res. */
static void run(const struct files *f, const struct setup *s, struct rec *rec,
                struct cx_mh_summary *sum, struct cx_engine_result *res)
{
    struct cx_registry reg;
    struct cx_parse_err err = {0};
    assert_int_equal(cx_registry_init(&reg, 8), 0);
    assert_int_equal(cx_registry_load_yaml(&reg, CX_DATA_DIR "/instruments/binance.yaml", &err), 0);
    struct cx_mh *mh = NULL;
    assert_int_equal(cx_mh_new(&mh, &s->p, &err), 0);

    static struct cx_engine_cfg e;
    memset(&e, 0, sizeof e);
    e.paths[0] = f->spot;
    e.paths[1] = f->perp;
    e.n_paths = 2;
    e.reg = &reg;
    e.strict = true; /* a malformed hand-written line is a test bug: stop at once */
    e.sim.entry = (struct cx_latency_cfg){.kind = CX_LAT_CONSTANT, .a_ns = s->entry_ns,
                                          .b_ns = s->entry_ns};
    e.sim.response = (struct cx_latency_cfg){.kind = CX_LAT_CONSTANT, .a_ns = s->response_ns,
                                             .b_ns = s->response_ns};
    e.sim.seed = 1u;
    e.sim.queue_model = CX_QUEUE_RISK_AVERSE;
    e.sim.n_accounts = 2;
    struct cx_account *spot = &e.sim.accounts[0], *perp = &e.sim.accounts[1];
    spot->venue = CX_VENUE_BINANCE_SPOT;
    spot->leverage = 1;
    set_balance(spot, "BTC", s->spot_btc);
    set_balance(spot, "USDT", 10000 * ONE);
    perp->venue = CX_VENUE_BINANCE_USDM;
    perp->leverage = 5;
    set_balance(perp, "USDT", 10000 * ONE);

    memset(rec, 0, sizeof *rec);
    rec->spot = cx_registry_find(&reg, CX_VENUE_BINANCE_SPOT, "BTCUSDT", 7)->id;
    rec->perp = cx_registry_find(&reg, CX_VENUE_BINANCE_USDM, "BTCUSDT", 7)->id;
    struct cx_engine_hooks hooks = {.arg = rec, .on_order = h_order, .on_fill = h_fill,
                                    .on_log = h_log};
    int rc = cx_engine_run(&e, cx_mh_ops(), mh, &hooks, res, &err);
    if (rc != 0) {
        char buf[256];
        cx_parse_err_format(&err, buf, sizeof buf);
        fail_msg("engine: %s (%s)", buf, cx_err_name(rc));
    }
    assert_int_equal(res->bad_lines, 0);
    assert_int_equal(res->book_gaps, 0);
    cx_mh_summary(mh, sum);
    cx_mh_free(mh);
    cx_registry_fini(&reg);
}

/* ---------------------------------------------------------------------------------------------
 * MARK: queries on the recorded events
 * ------------------------------------------------------------------------------------------- */

/* Index of the k-th (0-based) order event of inst with status, or -1. */
static int find_order(const struct rec *r, uint32_t inst, enum cx_ord_status st, int k)
{
    for (uint32_t i = 0; i < r->n; i++)
        if (r->ev[i].kind == EV_ORDER && r->ev[i].inst == inst && r->ev[i].status == st &&
            k-- == 0)
            return (int)i;
    return -1;
}

static int count_orders(const struct rec *r, uint32_t inst, enum cx_ord_status st)
{
    int n = 0;
    while (find_order(r, inst, st, n) >= 0)
        n++;
    return n;
}

/* Index of the k-th log event named name, or -1. */
static int find_log(const struct rec *r, const char *name, int k)
{
    for (uint32_t i = 0; i < r->n; i++)
        if (r->ev[i].kind == EV_LOG && strcmp(r->ev[i].name, name) == 0 && k-- == 0)
            return (int)i;
    return -1;
}

static int count_logs(const struct rec *r, const char *name)
{
    int n = 0;
    while (find_log(r, name, n) >= 0)
        n++;
    return n;
}

/* Index of the k-th fill of inst, or -1. */
static int find_fill(const struct rec *r, uint32_t inst, int k)
{
    for (uint32_t i = 0; i < r->n; i++)
        if (r->ev[i].kind == EV_FILL && r->ev[i].inst == inst && k-- == 0)
            return (int)i;
    return -1;
}

static void assert_has(const char *haystack, const char *needle)
{
    if (strstr(haystack, needle) == NULL)
        fail_msg("'%s' not in '%s'", needle, haystack);
}

/* One expected spot order event: when, which side, which status, at which price. */
struct want {
    int64_t ts_ns;
    uint8_t side;
    uint8_t status;
    int64_t price_m;
};

/* The spot order events with status PENDING_NEW, PENDING_CANCEL or CANCELED, in order, must be
 * exactly w[0..n). Every new quote is post-only and of qty_m. */
static void assert_spot_orders(const struct rec *r, const struct want *w, uint32_t n,
                               int64_t qty_m)
{
    uint32_t k = 0;
    for (uint32_t i = 0; i < r->n; i++) {
        const struct ev *e = &r->ev[i];
        if (e->kind != EV_ORDER || e->inst != r->spot ||
            (e->status != CX_ORD_PENDING_NEW && e->status != CX_ORD_PENDING_CANCEL &&
             e->status != CX_ORD_CANCELED))
            continue;
        if (k >= n)
            fail_msg("unexpected spot order event %u: %s side %u price %lld at %+.3f ms", k,
                     cx_ord_status_name((enum cx_ord_status)e->status), e->side,
                     (long long)e->price_m, (double)(e->ts_ns - at(0)) / 1e6);
        if (e->ts_ns != w[k].ts_ns || e->side != w[k].side || e->status != w[k].status ||
            e->price_m != w[k].price_m)
            fail_msg("spot order event %u: got %s side %u price %lld at %+.6f ms, want %s side "
                     "%u price %lld at %+.6f ms",
                     k, cx_ord_status_name((enum cx_ord_status)e->status), e->side,
                     (long long)e->price_m, (double)(e->ts_ns - at(0)) / 1e6,
                     cx_ord_status_name((enum cx_ord_status)w[k].status), w[k].side,
                     (long long)w[k].price_m, (double)(w[k].ts_ns - at(0)) / 1e6);
        if (e->status == CX_ORD_PENDING_NEW) {
            assert_int_equal(e->type, CX_ORD_LIMIT);
            assert_int_equal(e->tif, CX_TIF_POST_ONLY);
            assert_int_equal(e->qty_m, qty_m);
        }
        k++;
    }
    assert_int_equal(k, n);
}

/* Spot prices are at 1e-8 (price_exp -8), USD-M prices at 1e-2. */
#define SPOT_PX(cents) ((int64_t)(cents) * INT64_C(1000000))
#define PERP_PX(cents) ((int64_t)(cents))
#define BID CX_SIDE_BID
#define ASK CX_SIDE_ASK
#define PNEW CX_ORD_PENDING_NEW
#define PCXL CX_ORD_PENDING_CANCEL
#define CXLD CX_ORD_CANCELED

static const char k_perp_bids_deep[] = "[\"60010.00\",\"5.000\"]";

/* ---------------------------------------------------------------------------------------------
 * MARK: 1. maker engine
 * ------------------------------------------------------------------------------------------- */

/*
 * Quotes at the touch -/+ 2 ticks (base offset, neutral analyzer), 0.00166 BTC each
 * (floor(100 USD / price / 0.00001) lots); a 0.048 % move of the ask target does not re-quote,
 * a 0.167 % move of the bid target does (cancel, then the new order when the cancel is
 * confirmed); both quotes re-quote at quote_max_age (set to 1 s so the run stays short).
 *   50 ms  ask 60001.00 -> 60030.00: sell target 60001.02 -> 60030.02 (+0.0483 % < 0.1 %)
 *  100 ms  bid 60000.00 -> 59900.00: buy target 59999.98 -> 59899.98 (-0.1667 % > 0.1 %)
 * 1200 ms  a spot update with no levels: both quotes are older than 1 s.
 */
static void test_maker_quotes_and_requotes(void **state)
{
    struct files *f = *state;
    write_base(f, k_perp_bids_deep, true);
    spot_depth(f, 50, "",
               "[\"60001.00000000\",\"0.00000000\"],[\"60030.00000000\",\"1.00000000\"]");
    spot_depth(f, 100, "[\"60000.00000000\",\"0.00000000\"],[\"59900.00000000\",\"1.00000000\"]",
               "");
    spot_depth(f, 1200, "", "");
    perp_depth(f, 1300, "", "");
    files_close(f);

    struct setup s;
    setup_default(&s);
    s.p.quote_max_age_ns = 1000 * MS;
    static struct rec r;
    struct cx_mh_summary sum;
    struct cx_engine_result res;
    run(f, &s, &r, &sum, &res);

    /* 1 ms entry + 1 ms response: a cancel sent at t is confirmed at t + 2 ms. */
    const struct want w[] = {
        {at(4), BID, PNEW, SPOT_PX(5999998)},     /* 60000.00 - 2 ticks */
        {at(4), ASK, PNEW, SPOT_PX(6000102)},     /* 60001.00 + 2 ticks */
        {at(100), BID, PCXL, SPOT_PX(5999998)},   /* target moved 0.167 % */
        {at(102), BID, CXLD, SPOT_PX(5999998)},
        {at(102), BID, PNEW, SPOT_PX(5989998)},   /* 59900.00 - 2 ticks */
        {at(1200), BID, PCXL, SPOT_PX(5989998)},  /* aged: placed at 102 ms */
        {at(1200), ASK, PCXL, SPOT_PX(6000102)},  /* aged: placed at 4 ms, target moved 0.048 % */
        {at(1202), BID, CXLD, SPOT_PX(5989998)},
        {at(1202), BID, PNEW, SPOT_PX(5989998)},
        {at(1202), ASK, CXLD, SPOT_PX(6000102)},
        {at(1202), ASK, PNEW, SPOT_PX(6003002)},  /* 60030.00 + 2 ticks */
        {at(1300), BID, PCXL, SPOT_PX(5989998)},  /* on_stop cancels the quotes */
        {at(1300), ASK, PCXL, SPOT_PX(6003002)},
        {at(1302), BID, CXLD, SPOT_PX(5989998)},
        {at(1302), ASK, CXLD, SPOT_PX(6003002)},
    };
    /* floor(100 / 59999.98 / 0.00001) = floor(100 / 60030.02 / 0.00001) = 166 lots. */
    assert_spot_orders(&r, w, sizeof w / sizeof w[0], 166000);
    assert_int_equal(count_orders(&r, r.perp, CX_ORD_PENDING_NEW), 0);
    assert_int_equal(sum.quotes, 5);
    assert_int_equal(sum.requotes, 3);
    assert_int_equal(sum.spot_fills, 0);
    int i = find_log(&r, "maker_hedge_start", 0);
    assert_true(i >= 0);
    assert_has(r.ev[i].fields, "\"base_offset_ticks\":2");
}

/* Without base in the spot account only the buy quote is placed. */
static void test_maker_no_sell_without_base(void **state)
{
    struct files *f = *state;
    write_base(f, k_perp_bids_deep, true);
    spot_depth(f, 50, "", "");
    perp_depth(f, 100, "", "");
    files_close(f);

    struct setup s;
    setup_default(&s);
    s.spot_btc = 0;
    static struct rec r;
    struct cx_mh_summary sum;
    struct cx_engine_result res;
    run(f, &s, &r, &sum, &res);

    const struct want w[] = {
        {at(4), BID, PNEW, SPOT_PX(5999998)},
        {at(100), BID, PCXL, SPOT_PX(5999998)},
        {at(102), BID, CXLD, SPOT_PX(5999998)},
    };
    assert_spot_orders(&r, w, sizeof w / sizeof w[0], 166000);
    assert_int_equal(sum.quotes, 1);
}

/* The USD-M recording has depth updates but no snapshot: its book never syncs, so the spot
 * book's updates (synced) never quote. */
static void test_maker_no_quote_while_perp_unsynced(void **state)
{
    struct files *f = *state;
    write_base(f, k_perp_bids_deep, false);
    perp_depth(f, 10, "[\"60010.00\",\"5.000\"]", "[\"60010.10\",\"5.000\"]");
    spot_depth(f, 50, "", "");
    spot_depth(f, 100, "[\"60000.00000000\",\"2.00000000\"]", "");
    perp_depth(f, 200, "", "");
    files_close(f);

    struct setup s;
    setup_default(&s);
    static struct rec r;
    struct cx_mh_summary sum;
    struct cx_engine_result res;
    run(f, &s, &r, &sum, &res);

    assert_int_equal(res.orders, 0);
    assert_int_equal(sum.quotes, 0);
    assert_int_equal(r.n > 0, 1);
    for (uint32_t i = 0; i < r.n; i++)
        assert_int_not_equal(r.ev[i].kind, EV_ORDER);
}

/* ---------------------------------------------------------------------------------------------
 * MARK: 2. hedge executor, happy path
 * ------------------------------------------------------------------------------------------- */

/* Spot trade at 20 ms: a seller hits 59999.00, below our bid 59999.98 -> our bid fills. */
static void write_happy(struct files *f, int64_t end_ms)
{
    write_base(f, k_perp_bids_deep, true);
    spot_trade(f, 20, "59999.00000000", "0.01000000", true);
    perp_depth(f, end_ms, "", "");
}

/*
 * 0.00166 BTC bought at 20 ms (learned at 21 ms) -> hedge_intent, then an IOC sell of 0.002 BTC
 * (nearest whole lot; 120 USDT >= the 100 USDT minimum) at the perp best bid 60010.00, at the
 * venue at 22 ms, filled, learned at 23 ms: hedge latency 2 ms = entry + response. Net delta
 * -0.00034 BTC, within half a lot (0.0005).
 */
static void test_hedge_happy_path(void **state)
{
    struct files *f = *state;
    write_happy(f, 200);
    files_close(f);

    struct setup s;
    setup_default(&s);
    static struct rec r;
    struct cx_mh_summary sum;
    struct cx_engine_result res;
    run(f, &s, &r, &sum, &res);

    int sf = find_fill(&r, r.spot, 0);
    assert_true(sf >= 0);
    assert_int_equal(r.ev[sf].ts_ns, at(21));
    assert_int_equal(r.ev[sf].side, BID);
    assert_int_equal(r.ev[sf].qty_m, 166000);
    assert_int_equal(r.ev[sf].price_m, SPOT_PX(5999998));
    assert_int_equal(find_fill(&r, r.spot, 1), -1);

    /* Write-ahead: hedge_intent is the event right before the hedge order's PENDING_NEW. */
    int po = find_order(&r, r.perp, CX_ORD_PENDING_NEW, 0);
    assert_true(po > sf);
    int intent = find_log(&r, "hedge_intent", 0);
    assert_int_equal(intent, po - 1);
    assert_int_equal(r.ev[intent].ts_ns, at(21));
    assert_has(r.ev[intent].fields, "\"side\":\"sell\",\"qty_base\":0.00200000,"
                                    "\"step\":\"ioc_touch\",\"attempt\":0,\"reduce_only\":false,"
                                    "\"net_delta_base\":0.00166000");
    const struct ev *o = &r.ev[po];
    assert_int_equal(o->ts_ns, at(21));
    assert_int_equal(o->side, ASK);
    assert_int_equal(o->type, CX_ORD_LIMIT);
    assert_int_equal(o->tif, CX_TIF_IOC);
    assert_int_equal(o->flags, 0);
    assert_int_equal(o->price_m, PERP_PX(6001000));
    assert_int_equal(o->qty_m, 2);
    assert_int_equal(find_order(&r, r.perp, CX_ORD_PENDING_NEW, 1), -1);

    int pf = find_fill(&r, r.perp, 0);
    assert_true(pf > po);
    assert_int_equal(r.ev[pf].ts_ns, at(23));
    assert_int_equal(r.ev[pf].qty_m, 2);
    assert_int_equal(r.ev[pf].price_m, PERP_PX(6001000));
    int done = find_order(&r, r.perp, CX_ORD_FILLED, 0);
    assert_true(done > pf);
    assert_int_equal(r.ev[done].ts_ns, at(23));

    /* Net delta 0.00166 - 0.002 = -0.00034 BTC: within half a perp lot. */
    int64_t net_b = 166000 - 2 * 100000;
    assert_true(net_b < 0 && -net_b <= 100000 / 2);
    int stop = find_log(&r, "maker_hedge_stop", 0);
    assert_true(stop >= 0);
    assert_has(r.ev[stop].fields, "\"net_delta_base\":-0.00034000,\"hedges_in_flight\":0");

    assert_int_equal(sum.spot_fills, 1);
    assert_int_equal(sum.hedges, 1);
    assert_int_equal(sum.hedge_fills, 1);
    assert_int_equal(sum.hedge_escalations, 0);
    assert_false(sum.manual_intervention);
    assert_float_equal(sum.hedge_latency_p50_ms, 2.0, 1e-6);
    assert_float_equal(sum.hedge_latency_p99_ms, 2.0, 1e-6);
    assert_float_equal(sum.max_abs_net_delta_base, 0.00166, 1e-12);
    assert_float_equal(sum.perp_lot_base, 0.001, 1e-12);
    assert_true(sum.max_residual_outside_window_base <= 0.0005 + 1e-12);
    assert_int_equal(count_logs(&r, "hedge_escalate"), 0);

    /* One hedged round trip: 0.00166 BTC bought at 59999.98, hedged by selling the perp at
     * 60010.00; on the matched 0.00166 BTC it earns 0.00166 x 10.02 = 0.0166332 USDT, less the
     * spot maker fee (0.1 % of 99.5999668 = 0.09959997 at 1e-8) and the perp taker fee (0.05 %
     * of 120.02 = 0.06001): -0.14297677 USDT, -0.1435 % of the 99.60 USDT spot notional. */
    assert_int_equal(sum.hedged_round_trips, 1);
    assert_int_equal(sum.hedged_wins, 0);
    assert_float_equal(sum.hedged_pnl_quote, -0.14297677, 1e-9);
    assert_float_equal(sum.hedged_avg_profit_pct, -0.14297677 / 99.5999668 * 100.0, 1e-9);
    assert_float_equal(sum.hedged_win_rate, 0.0, 0.0);
}

/* ---------------------------------------------------------------------------------------------
 * MARK: 3. escalation and exhausted attempts
 * ------------------------------------------------------------------------------------------- */

/*
 * The perp bid is 0.001 BTC at 60010.00, then nothing down to 59990.00 (x 5). 400 USD quotes:
 * 0.00666 BTC bought -> hedge 0.007 BTC:
 *   21 ms  IOC sell 0.007 @ 60010.00 (touch): 0.001 fills, the rest expires (learned 23 ms)
 *   23 ms  IOC sell 0.006 @ 60008.00 (touch - 20 ticks): nothing: the 0.001 at 60010.00 was
 *          taken by the first IOC and no book message has shown the level since (our taking
 *          consumes displayed liquidity for the rest of that book state), so it expires
 *          unfilled (learned 25 ms)
 *   25 ms  market sell 0.006 @ 59990.00 (learned 27 ms).
 */
static void test_hedge_escalation(void **state)
{
    struct files *f = *state;
    write_base(f, "[\"60010.00\",\"0.001\"],[\"59990.00\",\"5.000\"]", true);
    spot_trade(f, 20, "59999.00000000", "0.01000000", true);
    perp_depth(f, 200, "", "");
    files_close(f);

    struct setup s;
    setup_default(&s);
    s.p.position_size_usd = 400.0; /* so the residual after a partial fill still meets 100 USDT */
    static struct rec r;
    struct cx_mh_summary sum;
    struct cx_engine_result res;
    run(f, &s, &r, &sum, &res);

    int sf = find_fill(&r, r.spot, 0);
    assert_true(sf >= 0);
    assert_int_equal(r.ev[sf].qty_m, 666000);

    static const struct {
        int64_t ts_ms;
        uint8_t type;
        int64_t price_m;
        int64_t qty_m;
        const char *step;
    } want[] = {
        {21, CX_ORD_LIMIT, PERP_PX(6001000), 7, "\"step\":\"ioc_touch\",\"attempt\":0"},
        {23, CX_ORD_LIMIT, PERP_PX(6000800), 6, "\"step\":\"ioc_wider\",\"attempt\":1"},
        {25, CX_ORD_MARKET, 0, 6, "\"step\":\"market\",\"attempt\":2"},
    };
    for (int k = 0; k < 3; k++) {
        int po = find_order(&r, r.perp, CX_ORD_PENDING_NEW, k);
        assert_true(po > 0);
        const struct ev *o = &r.ev[po];
        assert_int_equal(o->ts_ns, at(want[k].ts_ms));
        assert_int_equal(o->side, ASK);
        assert_int_equal(o->type, want[k].type);
        assert_int_equal(o->tif, CX_TIF_IOC);
        if (want[k].type == CX_ORD_LIMIT)
            assert_int_equal(o->price_m, want[k].price_m);
        assert_int_equal(o->qty_m, want[k].qty_m);
        assert_int_equal(find_log(&r, "hedge_intent", k), po - 1);
        assert_has(r.ev[po - 1].fields, want[k].step);
        if (k < 2) {
            /* The partial IOC expires, then the escalation is logged. */
            int ex = find_order(&r, r.perp, CX_ORD_EXPIRED, k);
            assert_true(ex > po);
            assert_int_equal(r.ev[ex].ts_ns, at(want[k].ts_ms + 2));
            int es = find_log(&r, "hedge_escalate", k);
            assert_true(es > ex);
            assert_int_equal(r.ev[es].ts_ns, at(want[k].ts_ms + 2));
            char buf[64];
            snprintf(buf, sizeof buf, "\"status\":\"expired\",\"reject\":\"none\",\"attempt\":%d",
                     k + 1);
            assert_has(r.ev[es].fields, buf);
        }
    }
    assert_int_equal(find_order(&r, r.perp, CX_ORD_PENDING_NEW, 3), -1);
    assert_int_equal(count_logs(&r, "hedge_escalate"), 2);
    /* Fills: 0.001 @ 60010.00, then 0.006 @ 59990.00 (the 60010.00 level was taken). */
    static const int64_t fq[] = {1, 6};
    static const int64_t fp[] = {6001000, 5999000};
    for (int k = 0; k < 2; k++) {
        int i = find_fill(&r, r.perp, k);
        assert_true(i >= 0);
        assert_int_equal(r.ev[i].qty_m, fq[k]);
        assert_int_equal(r.ev[i].price_m, PERP_PX(fp[k]));
    }
    assert_int_equal(find_fill(&r, r.perp, 2), -1);
    int stop = find_log(&r, "maker_hedge_stop", 0);
    assert_has(r.ev[stop].fields, "\"net_delta_base\":-0.00034000"); /* 0.00666 - 0.007 */
    assert_int_equal(sum.hedges, 3);
    assert_int_equal(sum.hedge_escalations, 2);
    assert_int_equal(sum.hedge_fills, 2);
    assert_int_equal(sum.hedge_failures, 0);
    assert_false(sum.manual_intervention);
    assert_float_equal(sum.hedge_latency_p50_ms, 6.0, 1e-6); /* learned 21 ms -> 27 ms */
}

/*
 * At 10 ms the only perp bid is deleted: the USD-M book is synced with an empty bid side. The
 * hedge (a sell) has no touch, so every attempt is a market order, rejected with
 * "no_liquidity": 4 attempts (21, 23, 25, 27 ms), then at 29 ms manual_intervention, both spot
 * quotes cancelled, and no quote afterwards even when the spot book moves (100 ms).
 */
static void test_hedge_attempts_exhausted(void **state)
{
    struct files *f = *state;
    write_base(f, k_perp_bids_deep, true);
    perp_depth(f, 10, "[\"60010.00\",\"0.000\"]", "");
    spot_trade(f, 20, "59999.00000000", "0.01000000", true);
    spot_depth(f, 100, "[\"60000.00000000\",\"0.00000000\"],[\"59800.00000000\",\"1.00000000\"]",
               "");
    perp_depth(f, 200, "", "");
    files_close(f);

    struct setup s;
    setup_default(&s);
    static struct rec r;
    struct cx_mh_summary sum;
    struct cx_engine_result res;
    run(f, &s, &r, &sum, &res);

    for (int k = 0; k < 4; k++) {
        int po = find_order(&r, r.perp, CX_ORD_PENDING_NEW, k);
        assert_true(po > 0);
        assert_int_equal(r.ev[po].ts_ns, at(21 + 2 * k));
        assert_int_equal(r.ev[po].type, CX_ORD_MARKET);
        assert_int_equal(r.ev[po].qty_m, 2);
        assert_int_equal(find_log(&r, "hedge_intent", k), po - 1);
        assert_has(r.ev[po - 1].fields, "\"step\":\"market\"");
        int rj = find_order(&r, r.perp, CX_ORD_REJECTED, k);
        assert_true(rj > po);
        assert_int_equal(r.ev[rj].reject, CX_REJ_NO_LIQUIDITY);
        assert_int_equal(r.ev[rj].ts_ns, at(23 + 2 * k));
    }
    assert_int_equal(find_order(&r, r.perp, CX_ORD_PENDING_NEW, 4), -1);
    assert_int_equal(count_logs(&r, "hedge_escalate"), 4);
    int mi = find_log(&r, "manual_intervention", 0);
    assert_true(mi >= 0);
    assert_int_equal(count_logs(&r, "manual_intervention"), 1);
    assert_int_equal(r.ev[mi].ts_ns, at(29));
    assert_has(r.ev[mi].fields, "\"reason\":\"hedge attempts exhausted\",\"net_delta_base\":"
                                "0.00166000,\"attempts\":4");

    /* Quotes: the first two at 4 ms, the bid again at 21 ms after its fill; at 29 ms the live
     * bid and ask are cancelled; nothing is placed after manual intervention. */
    const struct want w[] = {
        {at(4), BID, PNEW, SPOT_PX(5999998)},
        {at(4), ASK, PNEW, SPOT_PX(6000102)},
        {at(21), BID, PNEW, SPOT_PX(5999998)},
        {at(29), BID, PCXL, SPOT_PX(5999998)},
        {at(29), ASK, PCXL, SPOT_PX(6000102)},
        {at(31), BID, CXLD, SPOT_PX(5999998)},
        {at(31), ASK, CXLD, SPOT_PX(6000102)},
    };
    assert_spot_orders(&r, w, sizeof w / sizeof w[0], 166000);
    for (uint32_t i = (uint32_t)mi; i < r.n; i++)
        assert_false(r.ev[i].kind == EV_ORDER && r.ev[i].status == CX_ORD_PENDING_NEW);
    assert_true(sum.manual_intervention);
    assert_int_equal(sum.hedge_failures, 1);
    assert_int_equal(sum.hedges, 4);
    assert_int_equal(sum.hedge_escalations, 3);
    assert_int_equal(sum.hedge_fills, 0);
    char json[4096];
    assert_true(cx_mh_summary_json(&sum, json, sizeof json) > 0);
    assert_has(json, "\"manual_intervention\":true");
}

/* ---------------------------------------------------------------------------------------------
 * MARK: 4. minimum notional and the naked-exposure budget
 * ------------------------------------------------------------------------------------------- */

/*
 * A 0.0009 BTC print through our bid fills 0.0009 BTC (learned 21 ms). One lot (0.001 BTC) at
 * the perp bid 60010.00 is 60.01 USDT < 100: the hedge waits ("hedge_below_min_notional").
 * naked_budget_base_s = 0.00009 lasts 0.00009 / 0.0009 = 100 ms (+1 ns: the budget must be
 * exceeded); then "hedge_min_notional_after_budget" and a market sell (the budget is spent) of
 * 0.002 BTC, the smallest whole-lot quantity with notional >= 100. The over-hedge then makes
 * the perp position reducible: the next hedge, a buy of one lot (60 USDT, below the minimum),
 * goes reduce-only and is accepted.
 */
static void test_hedge_min_notional(void **state)
{
    struct files *f = *state;
    write_base(f, k_perp_bids_deep, true);
    spot_trade(f, 20, "59999.00000000", "0.00090000", true);
    perp_depth(f, 400, "", "");
    files_close(f);

    struct setup s;
    setup_default(&s);
    s.p.naked_budget_base_s = 0.00009;
    static struct rec r;
    struct cx_mh_summary sum;
    struct cx_engine_result res;
    run(f, &s, &r, &sum, &res);

    int sf = find_fill(&r, r.spot, 0);
    assert_true(sf >= 0);
    assert_int_equal(r.ev[sf].qty_m, 90000);
    assert_int_equal(r.ev[sf].ts_ns, at(21));
    int wait = find_log(&r, "hedge_below_min_notional", 0);
    assert_true(wait > sf);
    assert_int_equal(r.ev[wait].ts_ns, at(21));
    assert_has(r.ev[wait].fields, "\"qty_base\":0.00100000,\"notional\":60.01000000,"
                                  "\"min_notional\":100.00000000,\"net_delta_base\":0.00090000");
    assert_int_equal(count_logs(&r, "hedge_below_min_notional"), 1);

    int64_t budget_at = at(21) + 100 * MS + 1;
    int after = find_log(&r, "hedge_min_notional_after_budget", 0);
    assert_true(after > wait);
    assert_int_equal(r.ev[after].ts_ns, budget_at);
    assert_has(r.ev[after].fields, "\"qty_base\":0.00200000,\"net_delta_base\":0.00090000");
    /* No hedge order before the budget was spent. */
    int po = find_order(&r, r.perp, CX_ORD_PENDING_NEW, 0);
    assert_true(po > after);
    const struct ev *o = &r.ev[po];
    assert_int_equal(o->ts_ns, budget_at);
    assert_int_equal(o->side, ASK);
    assert_int_equal(o->type, CX_ORD_MARKET);
    assert_int_equal(o->qty_m, 2);
    assert_int_equal(o->flags & CX_ORD_F_REDUCE_ONLY, 0);
    assert_has(r.ev[po - 1].name, "hedge_intent");

    /* Perp position -0.002 after the fill; net -0.0011: a reduce-only buy of one lot. */
    int po2 = find_order(&r, r.perp, CX_ORD_PENDING_NEW, 1);
    assert_true(po2 > po);
    const struct ev *o2 = &r.ev[po2];
    assert_int_equal(o2->ts_ns, budget_at + 2 * MS);
    assert_int_equal(o2->side, BID);
    assert_int_equal(o2->qty_m, 1);
    assert_int_equal(o2->flags & CX_ORD_F_REDUCE_ONLY, CX_ORD_F_REDUCE_ONLY);
    assert_has(r.ev[po2 - 1].fields, "\"side\":\"buy\",\"qty_base\":0.00100000");
    assert_has(r.ev[po2 - 1].fields, "\"reduce_only\":true");
    int fill2 = find_fill(&r, r.perp, 1);
    assert_true(fill2 > po2);
    assert_int_equal(r.ev[fill2].qty_m, 1);
    assert_int_equal(r.ev[fill2].side, BID);
    assert_int_equal(find_order(&r, r.perp, CX_ORD_PENDING_NEW, 2), -1);
    assert_int_equal(find_order(&r, r.perp, CX_ORD_REJECTED, 0), -1);

    int stop = find_log(&r, "maker_hedge_stop", 0);
    assert_has(r.ev[stop].fields, "\"net_delta_base\":-0.00010000"); /* 0.0009 - 0.002 + 0.001 */
    assert_int_equal(sum.hedge_waits_min_notional, 1);
    assert_int_equal(sum.hedge_min_notional_overfills, 1);
    assert_int_equal(sum.hedges, 2);
    assert_float_equal(sum.max_residual_min_notional_base, 0.0009, 1e-12);
}

/* ---------------------------------------------------------------------------------------------
 * MARK: 5. hedge timeout
 * ------------------------------------------------------------------------------------------- */

/*
 * Response latency 300 ms > hedge_timeout 100 ms. The quotes are at the venue from 5 ms; the
 * print at 400 ms fills the bid, learned at 700 ms; the hedge is sent at 700 ms and fills at the
 * venue at 701 ms, but the fill report only arrives at 1001 ms: at 800 ms the executor logs
 * hedge_timeout and sends a cancel (too late: the venue refuses it, reported at 1101 ms).
 */
static void test_hedge_timeout(void **state)
{
    struct files *f = *state;
    write_base(f, k_perp_bids_deep, true);
    spot_trade(f, 400, "59999.00000000", "0.01000000", true);
    perp_depth(f, 1500, "", "");
    files_close(f);

    struct setup s;
    setup_default(&s);
    s.response_ns = 300 * MS;
    static struct rec r;
    struct cx_mh_summary sum;
    struct cx_engine_result res;
    run(f, &s, &r, &sum, &res);

    int sf = find_fill(&r, r.spot, 0);
    assert_true(sf >= 0);
    assert_int_equal(r.ev[sf].ts_ns, at(700));
    int po = find_order(&r, r.perp, CX_ORD_PENDING_NEW, 0);
    assert_true(po > sf);
    assert_int_equal(r.ev[po].ts_ns, at(700));
    uint64_t id = r.ev[po].id;
    int to = find_log(&r, "hedge_timeout", 0);
    assert_true(to > po);
    assert_int_equal(r.ev[to].ts_ns, at(800));
    char buf[64];
    snprintf(buf, sizeof buf, "\"client_id\":%llu,\"attempt\":0", (unsigned long long)id);
    assert_has(r.ev[to].fields, buf);
    assert_int_equal(count_logs(&r, "hedge_timeout"), 1);
    int pc = find_order(&r, r.perp, CX_ORD_PENDING_CANCEL, 0);
    assert_true(pc > 0);
    assert_int_equal(r.ev[pc].id, id);
    assert_int_equal(r.ev[pc].ts_ns, at(800));
    int pf = find_fill(&r, r.perp, 0);
    assert_true(pf > pc);
    assert_int_equal(r.ev[pf].ts_ns, at(1001));
    assert_int_equal(r.ev[pf].qty_m, 2);
    assert_int_equal(find_order(&r, r.perp, CX_ORD_PENDING_NEW, 1), -1);
    assert_int_equal(sum.hedges, 1);
    assert_int_equal(sum.hedge_fills, 1);
    assert_false(sum.manual_intervention);
    assert_float_equal(sum.hedge_latency_p50_ms, 301.0, 1e-6);
}

/* ---------------------------------------------------------------------------------------------
 * MARK: 6. monitor
 * ------------------------------------------------------------------------------------------- */

/*
 * The happy path over 3.5 s with summary_interval_ns = 1 s (the smallest allowed, to get three
 * lines from a short recording): "summary" lines at 1, 2 and 3 s after the first message, with
 * the counts and net delta of that moment. Net delta: 0 until 21 ms, 0.00166 BTC from 21 to
 * 23 ms, -0.00034 BTC from 23 ms to the end (3500 ms); the time-weighted average runs from the
 * first fill to the end.
 */
static void test_monitor_summary(void **state)
{
    struct files *f = *state;
    write_happy(f, 3500);
    files_close(f);

    struct setup s;
    setup_default(&s);
    s.p.summary_interval_ns = 1000 * MS;
    static struct rec r;
    struct cx_mh_summary sum;
    struct cx_engine_result res;
    run(f, &s, &r, &sum, &res);

    assert_int_equal(count_logs(&r, "summary"), 3);
    for (int k = 0; k < 3; k++) {
        int i = find_log(&r, "summary", k);
        assert_int_equal(r.ev[i].ts_ns, at(0) + (k + 1) * 1000 * MS);
        const char *fl = r.ev[i].fields;
        /* Quotes: bid and ask at 4 ms, the bid again after its fill at 21 ms. */
        assert_has(fl, "\"quotes\":3,\"spot_fills\":1,\"hedges\":1,\"net_delta_base\":-0.00034000,"
                       "\"spot_realized\":");
        assert_has(fl, "\"perp_realized\":");
        assert_has(fl, "\"fees\":");
        assert_has(fl, "\"breaker\":\"armed\",\"loop_samples\":");
    }
    assert_float_equal(sum.max_abs_net_delta_base, 0.00166, 1e-12);
    double twa = (0.00166 * 2.0 + 0.00034 * (3500.0 - 23.0)) / (3500.0 - 21.0);
    assert_float_equal(sum.twa_abs_net_delta_base, twa, 1e-12);
    /* Percent of the quote size (0.00166 BTC). */
    assert_float_equal(sum.max_abs_net_delta_pct, 100.0, 1e-9);
    assert_float_equal(sum.twa_abs_net_delta_pct, twa / 0.00166 * 100.0, 1e-9);
    assert_true(sum.loop_time_p50_ns > 0);
}

/* Every test gets its own recording directory. */
#define UNIT(t) cmocka_unit_test_setup_teardown(t, files_setup, files_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        UNIT(test_maker_quotes_and_requotes),
        UNIT(test_maker_no_sell_without_base),
        UNIT(test_maker_no_quote_while_perp_unsynced),
        UNIT(test_hedge_happy_path),
        UNIT(test_hedge_escalation),
        UNIT(test_hedge_attempts_exhausted),
        UNIT(test_hedge_min_notional),
        UNIT(test_hedge_timeout),
        UNIT(test_monitor_summary),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
