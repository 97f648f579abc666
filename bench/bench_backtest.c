/* SPDX-License-Identifier: MIT */
/*
 * Whole-backtest benchmarks on the bundled BTCUSDT spot + USD-M recordings:
 *  1. a join-the-touch test strategy (post-only quotes at the best bid/ask, re-quoted when the
 *     touch moves): events/s through decode + books + simulated venue + OMS, wall time;
 *  2. the default maker_hedge run (the main job) through the full session writer: wall time;
 *  3. peak RSS of the maker_hedge run stopped at 25 %, 50 % and 100 % of the data window, each
 *     in its own child process: memory must be flat in the length of the data.
 * Checks (exit 1 when wrong): two join-touch runs give identical fills and final equity; the
 * maker_hedge run hedges without manual intervention; RSS spread within 10 % across lengths.
 * Speed targets (issue 3: the whole backtest well under a second) are reported PASS/MISS.
 */
#define _DEFAULT_SOURCE /* wait4 */
#include "cexarb/engine.h"
#include "cexarb/maker_hedge.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include "cexarb/run_config.h"

/* maker_hedge's parameters in a run configuration (its only strategy). */
#define MH(cfg) ((struct cx_mh_params *)(void *)(cfg)->strategies[0].params)

#define D CX_DATA_DIR

struct jt {
    uint32_t spot;
    uint64_t bid, ask;
    int64_t bid_px, ask_px;
};

static void jt_side(struct jt *s, struct cx_ctx *ctx, int side, int64_t px)
{
    uint64_t *id = side == CX_SIDE_BID ? &s->bid : &s->ask;
    int64_t *cur = side == CX_SIDE_BID ? &s->bid_px : &s->ask_px;
    const struct cx_order *o = *id ? cx_ctx_order(ctx, *id) : NULL;
    if (o != NULL && !cx_ord_status_is_final((enum cx_ord_status)o->status)) {
        if (o->status != CX_ORD_PENDING_CANCEL && *cur != px)
            cx_ctx_cancel(ctx, *id);
        return;
    }
    struct cx_order_req r = {.inst_id = s->spot, .side = (uint8_t)side, .type = CX_ORD_LIMIT,
                             .tif = CX_TIF_POST_ONLY, .price_m = px, .qty_m = 100000};
    if (cx_ctx_place(ctx, &r) == 0) {
        *id = r.client_id;
        *cur = px;
    }
}

static void jt_book(void *self, struct cx_ctx *ctx, uint32_t inst, const struct cx_book *b)
{
    struct jt *s = self;
    struct cx_book_top t;
    if (inst != s->spot || cx_book_state(b) != CX_BOOK_SYNCED)
        return;
    cx_book_top(b, &t);
    if (t.has_bid && t.has_ask) {
        jt_side(s, ctx, CX_SIDE_BID, t.bid_price_m);
        jt_side(s, ctx, CX_SIDE_ASK, t.ask_price_m);
    }
}

/* Books of both legs, as the backtest keeps them for maker_hedge (same local work). */
static int jt_start(void *self, struct cx_ctx *ctx)
{
    struct jt *s = self;
    int rc = cx_ctx_subscribe(ctx, s->spot, CX_SUB_BOOK);
    uint32_t perp = cx_ctx_find_instrument(ctx, CX_VENUE_BINANCE_USDM, "BTCUSDT");
    if (rc == 0)
        rc = cx_ctx_subscribe(ctx, perp, CX_SUB_BOOK);
    return rc;
}

static const struct cx_strategy_ops k_jt = {.name = "bench_join_touch", .on_start = jt_start,
                                            .on_book = jt_book};

static void base_cfg(struct cx_engine_cfg *e, struct cx_registry *reg, struct cx_run_cfg *c)
{
    cx_run_cfg_engine(c, reg, e);
}

static int load_reg(struct cx_registry *reg)
{
    struct cx_parse_err err = {0};
    if (cx_registry_init(reg, 64) != 0 ||
        cx_registry_load_yaml(reg, D "/instruments/binance.yaml", &err) != 0) {
        fprintf(stderr, "bench_backtest: cannot load instruments\n");
        return -1;
    }
    return 0;
}

static int run_jt(struct cx_engine_result *res, double *ms)
{
    static struct cx_run_cfg c;
    cx_run_cfg_default(&c, D);
    struct cx_registry reg;
    if (load_reg(&reg) != 0)
        return -1;
    struct cx_engine_cfg e;
    base_cfg(&e, &reg, &c);
    struct jt s = {.spot = cx_registry_find(&reg, CX_VENUE_BINANCE_SPOT, "BTCUSDT", 7)->id};
    int64_t t0 = cx_time_mono_ns();
    int rc = cx_engine_run(&e, &k_jt, &s, NULL, res, NULL);
    *ms = (double)(cx_time_mono_ns() - t0) / 1e6;
    cx_registry_fini(&reg);
    return rc;
}

/* maker_hedge stopped at a fraction of the window: forwards every callback, then stops. */
struct cut {
    struct cx_mh *mh;
    const struct cx_strategy_ops *ops;
    int64_t stop_at_ns;
};

static void cut_check(struct cut *c, struct cx_ctx *ctx)
{
    if (c->stop_at_ns > 0 && cx_ctx_now_ns(ctx) >= c->stop_at_ns)
        cx_ctx_stop(ctx);
}
static int cut_start(void *s, struct cx_ctx *ctx)
{
    struct cut *c = s;
    return c->ops->on_start(c->mh, ctx);
}
static void cut_book(void *s, struct cx_ctx *ctx, uint32_t i, const struct cx_book *b)
{
    struct cut *c = s;
    c->ops->on_book(c->mh, ctx, i, b);
    cut_check(c, ctx);
}
static void cut_trade(void *s, struct cx_ctx *ctx, const struct cx_md_event *t)
{
    struct cut *c = s;
    c->ops->on_trade(c->mh, ctx, t);
}
static void cut_order(void *s, struct cx_ctx *ctx, const struct cx_order *o)
{
    struct cut *c = s;
    c->ops->on_order_update(c->mh, ctx, o);
}
static void cut_fill(void *s, struct cx_ctx *ctx, const struct cx_fill *f)
{
    struct cut *c = s;
    c->ops->on_fill(c->mh, ctx, f);
}
static void cut_stop(void *s, struct cx_ctx *ctx)
{
    struct cut *c = s;
    c->ops->on_stop(c->mh, ctx);
}

static const struct cx_strategy_ops k_cut = {.name = "maker_hedge",
                                             .on_start = cut_start,
                                             .on_book = cut_book,
                                             .on_trade = cut_trade,
                                             .on_order_update = cut_order,
                                             .on_fill = cut_fill,
                                             .on_stop = cut_stop};

/* Run maker_hedge (full session when dir != NULL) up to a fraction of the window. */
static int run_mh(double fraction, const char *dir, double *ms, struct cx_mh_summary *sum)
{
    static struct cx_run_cfg c;
    cx_run_cfg_default(&c, D);
    struct cx_registry reg;
    if (load_reg(&reg) != 0)
        return -1;
    struct cx_engine_cfg e;
    base_cfg(&e, &reg, &c);
    struct cx_parse_err err = {0};
    struct cut cut = {.ops = cx_mh_ops()};
    if (cx_mh_new(&cut.mh, MH(&c), &err) != 0)
        return -1;
    /* The bundled window: 2024-08-08 23:54:13.9 -> 23:59:59.9 local time. */
    const int64_t start = INT64_C(1723161253933238546), end = INT64_C(1723161599999231384);
    cut.stop_at_ns = fraction < 1.0 ? start + (int64_t)((double)(end - start) * fraction) : 0;
    int64_t t0 = cx_time_mono_ns();
    int rc;
    if (dir != NULL) {
        struct cx_session_opts so = {.dir = dir, .store_flags = 0x2u /* CX_STORE_F_NOSYNC */,
                                     .strategy_name = "maker_hedge"};
        struct cx_rt_strategy st = {.ops = &k_cut, .self = &cut};
        rc = cx_backtest_session(&e, &st, 1, NULL, &so, NULL, &err);
    } else {
        rc = cx_engine_run(&e, &k_cut, &cut, NULL, NULL, &err);
    }
    *ms = (double)(cx_time_mono_ns() - t0) / 1e6;
    cx_mh_summary(cut.mh, sum);
    cx_mh_free(cut.mh);
    cx_registry_fini(&reg);
    return rc;
}

/* Peak RSS (KiB) of a maker_hedge run of `fraction` of the data, in a child process. */
static long child_rss(double fraction)
{
    pid_t pid = fork();
    if (pid == 0) {
        double ms;
        struct cx_mh_summary s;
        _exit(run_mh(fraction, NULL, &ms, &s) == 0 ? 0 : 1);
    }
    int st;
    struct rusage ru;
    if (pid < 0 || wait4(pid, &st, 0, &ru) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
        return -1;
    return ru.ru_maxrss;
}

int main(void)
{
    int ok = 1;
    struct cx_engine_result r1, r2;
    double ms1, ms2;
    if (run_jt(&r1, &ms1) != 0 || run_jt(&r2, &ms2) != 0) {
        fprintf(stderr, "bench_backtest: join-touch run failed\n");
        return 1;
    }
    double best = ms1 < ms2 ? ms1 : ms2;
    bool same = r1.fills == r2.fills && r1.final.equity == r2.final.equity;
    ok &= same;
    printf("## bench_backtest: whole backtest on BTCUSDT spot + USD-M (2024-08-08, 346 s)\n\n");
    printf("| run | messages (local + venue) | events | orders | fills | wall ms | events/s | "
           "deterministic | target: well under 1 s |\n|---|---:|---:|---:|---:|---:|---:|---|---|\n");
    printf("| join-the-touch test strategy | %" PRIu64 " | %" PRIu64 " | %" PRIu64 " | %" PRIu64
           " | %.1f | %.2f M | %s | %s |\n",
           r1.local_messages + r1.venue_messages, r1.events, r1.orders, r1.fills, best,
           (double)r1.events / (best / 1e3) / 1e6, same ? "yes" : "NO",
           best < 1000.0 ? "PASS" : "MISS");

    char dir[] = "/tmp/cx_bench_session_XXXXXX";
    if (mkdtemp(dir) == NULL)
        return 1;
    double mh_ms;
    struct cx_mh_summary s;
    int rc = run_mh(1.0, dir, &mh_ms, &s);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "bench_backtest: could not remove %s\n", dir);
    bool mh_ok = rc == 0 && !s.manual_intervention && s.hedges > 0;
    ok &= mh_ok;
    printf("| maker_hedge default (session + report) | 270406 | - | %" PRIu64 " quotes | %" PRIu64
           " spot, %" PRIu64 " hedge | %.1f | - | - | %s |\n\n",
           s.quotes, s.spot_fills, s.hedge_fills, mh_ms, mh_ms < 1000.0 ? "PASS" : "MISS");

    long rss[3];
    const double fr[3] = {0.25, 0.5, 1.0};
    printf("peak RSS of the maker_hedge engine run by data length (child processes):\n\n| share "
           "of window | peak RSS KiB |\n|---:|---:|\n");
    for (int i = 0; i < 3; i++) {
        rss[i] = child_rss(fr[i]);
        printf("| %.0f %% | %ld |\n", fr[i] * 100, rss[i]);
        if (rss[i] <= 0)
            ok = 0;
    }
    long lo = rss[0], hi = rss[0];
    for (int i = 1; i < 3; i++) {
        lo = rss[i] < lo ? rss[i] : lo;
        hi = rss[i] > hi ? rss[i] : hi;
    }
    bool flat = lo > 0 && (double)(hi - lo) <= 0.10 * (double)hi;
    ok &= flat;
    printf("\nmemory flat in data length (spread %ld KiB of %ld KiB): %s\n", hi - lo, hi,
           flat ? "PASS" : "FAIL");
    printf("checks: %s\n", ok ? "all passed" : "FAILED");
    return ok ? 0 : 1;
}
