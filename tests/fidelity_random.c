/* SPDX-License-Identifier: MIT */
/*
 * fidelity_random: a seeded random-order strategy run through a backtest session, so that the
 * independent re-simulation (tools/fidelity_resim.py, run by tests/fidelity_check.sh) sees
 * every venue path that maker_hedge never takes: GTC orders that take and then rest (with the
 * cross guard), IOC, FOK, market and post-only orders on both bundled instruments (Binance
 * BTCUSDT spot and USD-M, the default backtest's data files), reduce-only orders that rest and
 * expire, prices off the tick, sizes off the lot or below the minimum notional, orders that
 * reach a venue whose book is not synced yet, cancels that win or lose the race (also sent
 * before the ack, and at the stop), an early stop, and short reorder windows with late messages.
 *
 * The strategy's only source of choice is its own splitmix64 generator seeded from --seed; it
 * reads no clock (its time is cx_ctx_now_ns), so a seed and the options give the same session
 * byte for byte (but for the creation time in metadata.json and report.html). What each variant really exercised is counted from the session's files by
 * tests/fidelity_random_cover.py, not here.
 *
 * Usage: fidelity_random DIR [--seed N] [--window-ms MS|off] [--queue risk_averse|probabilistic]
 *                            [--stop-after-s S] [--lognormal]
 * Exit status: 0 the session was written; 1 the run failed or a venue fill could not be applied
 * (message on stderr); 2 usage.
 */
#include "cexarb/core.h"
#include "cexarb/engine.h"
#include "cexarb/replay.h"
#include "cexarb/run_config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROG "fidelity_random"
#define ONE INT64_C(100000000) /* one unit of an asset at CX_NOTIONAL_EXP */
#define MAX_REMEMBERED 128     /* recent orders that a later cancel may pick */

/* ---------------------------------------------------------------------------------------------
 * MARK: the strategy
 * ------------------------------------------------------------------------------------------- */

/* Instruments the strategy trades: index into rand_strat.inst. */
enum { SPOT = 0, PERP = 1, N_INST = 2 };

/* What the strategy sent, printed at the end (the venue's verdicts are in the session). */
struct sent_counts {
    uint64_t orders;       /* cx_ctx_place returned 0 */
    uint64_t by_tif[4];    /* limit orders by enum cx_tif */
    uint64_t market;       /* market orders */
    uint64_t reduce_only;  /* with CX_ORD_F_REDUCE_ONLY */
    uint64_t off_tick;     /* price moved off the tick on purpose */
    uint64_t off_lot;      /* quantity moved off the lot on purpose */
    uint64_t tiny;         /* one lot: below the minimum notional (unless reduce-only perp) */
    uint64_t take_then_rest; /* GTC at the opposite touch, sized above its quantity */
    uint64_t cancels;      /* cx_ctx_cancel returned 0 */
    uint64_t cancels_at_once; /* of which sent in the same callback as their order */
    uint64_t place_refused;  /* cx_ctx_place refused locally (not sent) */
    uint64_t cancel_refused; /* cx_ctx_cancel refused: mostly orders already final */
};

struct rand_strat {
    struct cx_timer timer;          /* the next burst of actions */
    uint64_t rng;                   /* splitmix64 state */
    uint32_t inst[N_INST];          /* instrument ids (SPOT, PERP) */
    bool has_top[N_INST];           /* last_top is valid */
    struct cx_book_top last_top[N_INST]; /* the last touch seen while the local book was SYNCED */
    uint64_t remembered[MAX_REMEMBERED]; /* ring of recent client ids (cancel candidates) */
    uint32_t n_remembered;          /* total ever added (ring index = n % MAX_REMEMBERED) */
    int64_t start_ns;               /* engine time at on_start */
    int64_t stop_after_ns;          /* stop the run this long after start; 0 = at the data's end */
    bool stopped;                   /* asked the engine to stop */
    struct sent_counts sent;
};

/* splitmix64 (Steele, Lea and Flood, OOPSLA 2014; constants from Vigna's reference code), the
 * generator the simulated venue uses too (docs/internals/sim.md "Latency models"). */
static uint64_t next_u64(struct rand_strat *s)
{
    uint64_t z = (s->rng += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/* Uniform integer in [lo, hi] (the modulo bias of a 64-bit draw is irrelevant for a test). */
static int64_t uniform(struct rand_strat *s, int64_t lo, int64_t hi)
{
    return lo + (int64_t)(next_u64(s) % (uint64_t)(hi - lo + 1));
}

/* True with probability 1/n. */
static bool one_in(struct rand_strat *s, int64_t n)
{
    return uniform(s, 1, n) == 1;
}

static void remember(struct rand_strat *s, uint64_t client_id)
{
    s->remembered[s->n_remembered % MAX_REMEMBERED] = client_id;
    s->n_remembered++;
}

/* Cancel one remembered order, often already final (the runtime then refuses it locally) or
 * final at the venue but not yet at the strategy (the venue answers CANCEL_REJECT). */
static void cancel_random(struct rand_strat *s, struct cx_ctx *ctx)
{
    if (s->n_remembered == 0)
        return;
    uint32_t n = s->n_remembered < MAX_REMEMBERED ? s->n_remembered : MAX_REMEMBERED;
    uint64_t id = s->remembered[uniform(s, 0, (int64_t)n - 1)];
    if (cx_ctx_cancel(ctx, id) == 0)
        s->sent.cancels++;
    else
        s->sent.cancel_refused++;
}

/* Remember instrument k's touch while its local book is SYNCED. @return whether it is. */
static bool refresh_touch(struct rand_strat *s, struct cx_ctx *ctx, int k)
{
    struct cx_book_top top;
    if (!cx_ctx_top(ctx, s->inst[k], &top))
        return false;
    s->last_top[k] = top;
    s->has_top[k] = true;
    return true;
}

/*
 * The touch an order is priced from: the last one seen while the local book was SYNCED, else
 * (before the first sync) the other instrument's rounded down to this one's tick: the USD-M
 * book syncs about a second after the spot book, so the first perp orders reach a venue whose
 * book is still waiting for its snapshot (book_stale).
 */
static bool reference_touch(struct rand_strat *s, struct cx_ctx *ctx, int k,
                            const struct cx_instrument *in, struct cx_book_top *out)
{
    if (s->has_top[k]) {
        *out = s->last_top[k];
        return true;
    }
    int other = 1 - k;
    const struct cx_instrument *oi = cx_ctx_instrument(ctx, s->inst[other]);
    if (!s->has_top[other] || oi == NULL)
        return false;
    /* Rescale the other's bid to this instrument's exponent (spot -8 -> USD-M -2: / 10^6). */
    int64_t bid = s->last_top[other].bid_price_m;
    for (int e = oi->price_exp; e < in->price_exp; e++)
        bid /= 10;
    for (int e = oi->price_exp; e > in->price_exp; e--)
        bid *= 10;
    bid -= bid % in->tick;
    *out = (struct cx_book_top){.has_bid = true, .has_ask = true,
                                .bid_price_m = bid, .ask_price_m = bid + in->tick};
    return true;
}

/* One random order on instrument k (SPOT or PERP); sometimes cancelled at once. */
static void place_random(struct rand_strat *s, struct cx_ctx *ctx, int k)
{
    const struct cx_instrument *in = cx_ctx_instrument(ctx, s->inst[k]);
    struct cx_book_top top;
    if (in == NULL || in->tick <= 0 || in->lot <= 0 || !reference_touch(s, ctx, k, in, &top))
        return;
    struct cx_order_req r = {.inst_id = s->inst[k]};
    r.side = (uint8_t)(one_in(s, 2) ? CX_SIDE_BID : CX_SIDE_ASK);
    bool buy = r.side == CX_SIDE_BID;

    /* Type and time in force: limit GTC 30 %, IOC 20 %, FOK 20 %, post-only 30 %; one in ten
     * is a market order (a market post-only becomes IOC: the venue would call it invalid). */
    int64_t t = uniform(s, 0, 9);
    r.tif = (uint8_t)(t <= 2 ? CX_TIF_GTC : t <= 4 ? CX_TIF_IOC : t <= 6 ? CX_TIF_FOK
                                                                      : CX_TIF_POST_ONLY);
    r.type = (uint8_t)(one_in(s, 10) ? CX_ORD_MARKET : CX_ORD_LIMIT);
    if (r.type == CX_ORD_MARKET && r.tif == CX_TIF_POST_ONLY)
        r.tif = CX_TIF_IOC;

    /* Price, in ticks from the touch: half the orders around the opposite side (from 4 ticks
     * short of it to 5 through it: they take, walk several levels, or are rejected post-only
     * or FOK), a third
     * at or near our own side (queue position, prints at our price), the rest further away
     * (they rest until a cancel, a through-print or a book cross). */
    int64_t mode = uniform(s, 0, 5);
    int64_t px;
    if (mode <= 2) {
        int64_t through = uniform(s, -3, 6);
        px = buy ? top.ask_price_m + (through - 1) * in->tick
                 : top.bid_price_m - (through - 1) * in->tick;
    } else if (mode <= 4) {
        int64_t off = uniform(s, -1, 1);
        px = buy ? top.bid_price_m + off * in->tick : top.ask_price_m - off * in->tick;
    } else {
        int64_t away = uniform(s, 2, 40);
        px = buy ? top.bid_price_m - away * in->tick : top.ask_price_m + away * in->tick;
    }
    if (one_in(s, 40)) {
        px += in->tick / 2 > 0 ? in->tick / 2 : 1; /* off the tick: rejected `tick` */
        s->sent.off_tick++;
    }
    r.price_m = r.type == CX_ORD_MARKET ? 0 : px;

    /* Size: spot 0.00001-0.02 BTC (sometimes up to 0.2 BTC, to walk the book), USD-M
     * 0.001-0.06 BTC; one lot now and then (below the minimum notional: 5 USDT spot, 100 USDT
     * USD-M unless reduce-only); spot sizes off the lot now and then (USD-M quantities are
     * written at the lot, so they cannot be off it). */
    int64_t lots = k == SPOT ? (one_in(s, 6) ? uniform(s, 200, 20000) : uniform(s, 1, 2000))
                             : uniform(s, 1, 60);
    if (one_in(s, 30)) {
        lots = 1;
        s->sent.tiny++;
    }
    r.qty_m = lots * in->lot;
    /* One GTC in three priced at the opposite touch is sized just above the touch's quantity
     * (at most 0.3 BTC): it takes the level, rests at its price with the cross guard (the next
     * book message still shows the level it took) and is then filled as maker. */
    int64_t opp_qty_m = buy ? top.ask_qty_m : top.bid_qty_m;
    int64_t max_rest_lots = k == SPOT ? 30000 : 300;
    if (r.tif == CX_TIF_GTC && r.type == CX_ORD_LIMIT && r.price_m % in->tick == 0 &&
        opp_qty_m > 0 && one_in(s, 3)) {
        int64_t take_lots = opp_qty_m / in->lot + uniform(s, 1, 200);
        if (take_lots <= max_rest_lots) {
            r.price_m = buy ? top.ask_price_m : top.bid_price_m;
            r.qty_m = take_lots * in->lot;
            s->sent.take_then_rest++;
        }
    }
    if (in->lot > 1 && one_in(s, 40)) {
        r.qty_m += in->lot / 2; /* off the lot: rejected `lot` */
        s->sent.off_lot++;
    }

    /* Reduce-only on USD-M, one in three, half of them on the side that reduces the position
     * (they may rest and then expire when the position is gone). */
    if (k == PERP && one_in(s, 3)) {
        r.flags |= CX_ORD_F_REDUCE_ONLY;
        const struct cx_position *pos = cx_ctx_position(ctx, s->inst[k]);
        if (pos != NULL && pos->qty_m != 0 && one_in(s, 2))
            r.side = (uint8_t)(pos->qty_m > 0 ? CX_SIDE_ASK : CX_SIDE_BID);
    }

    if (cx_ctx_place(ctx, &r) != 0) {
        s->sent.place_refused++;
        return;
    }
    s->sent.orders++;
    if (r.type == CX_ORD_MARKET)
        s->sent.market++;
    else
        s->sent.by_tif[r.tif]++;
    if (r.flags & CX_ORD_F_REDUCE_ONLY)
        s->sent.reduce_only++;
    remember(s, r.client_id);
    /* A cancel right behind its order (the venue sees it after the order, ordered session):
     * CANCELED when it rests, CANCEL_REJECT when it was filled, expired or rejected. */
    if (one_in(s, 12)) {
        if (cx_ctx_cancel(ctx, r.client_id) == 0) {
            s->sent.cancels++;
            s->sent.cancels_at_once++;
        } else {
            s->sent.cancel_refused++;
        }
    }
}

static void on_timer(void *self, struct cx_ctx *ctx, struct cx_timer *timer)
{
    struct rand_strat *s = self;
    (void)timer;
    int64_t now = cx_ctx_now_ns(ctx);
    if (s->stop_after_ns > 0 && now - s->start_ns >= s->stop_after_ns) {
        char fields[64];
        snprintf(fields, sizeof fields, "\"after_ns\":%lld", (long long)(now - s->start_ns));
        cx_ctx_log(ctx, "random_stop", fields);
        s->stopped = true;
        cx_ctx_stop(ctx);
        return;
    }
    /* Until an instrument's book has synced once, every burst sends it one order (priced from
     * the other instrument): the venue's book is not synced either (book_stale). */
    bool synced[N_INST];
    for (int k = 0; k < N_INST; k++)
        synced[k] = refresh_touch(s, ctx, k);
    for (int k = 0; k < N_INST; k++) {
        if (!synced[k] && !s->has_top[k])
            place_random(s, ctx, k);
    }
    int64_t n_actions = uniform(s, 1, 3);
    for (int64_t a = 0; a < n_actions; a++) {
        if (uniform(s, 0, 9) <= 2)
            cancel_random(s, ctx);
        else
            place_random(s, ctx, one_in(s, 2) ? SPOT : PERP);
    }
    /* 5-400 ms to the next burst: about 1700 bursts over the 6 minutes of data. */
    /* Cannot fail: the time is ahead of now and the timer was initialised in on_start. */
    (void)cx_ctx_timer_start(ctx, &s->timer, now + uniform(s, 5, 400) * CX_NS_PER_MS);
}

static int on_start(void *self, struct cx_ctx *ctx)
{
    struct rand_strat *s = self;
    static const char *const names[N_INST] = {"binance_spot BTCUSDT", "binance_usdm BTCUSDT"};
    s->inst[SPOT] = cx_ctx_find_instrument(ctx, CX_VENUE_BINANCE_SPOT, "BTCUSDT");
    s->inst[PERP] = cx_ctx_find_instrument(ctx, CX_VENUE_BINANCE_USDM, "BTCUSDT");
    for (int k = 0; k < N_INST; k++) {
        if (s->inst[k] == UINT32_MAX) {
            cx_ctx_error(ctx, "instrument not found", names[k]);
            return CX_ESYMBOL;
        }
        int rc = cx_ctx_subscribe(ctx, s->inst[k], CX_SUB_BOOK);
        if (rc != 0)
            return rc;
    }
    cx_timer_init(&s->timer, on_timer, s);
    s->start_ns = cx_ctx_now_ns(ctx);
    /* The first burst 100 ms in: before the USD-M snapshot (book_stale at the venue). */
    return cx_ctx_timer_start(ctx, &s->timer, s->start_ns + 100 * CX_NS_PER_MS);
}

/* At the end (data over or early stop): cancel everything still open; the venue answers
 * without market data (the re-simulation handles that tail too). events.log gets random_end
 * at that engine time, so the cover script can tell these cancels apart. */
static void on_stop(void *self, struct cx_ctx *ctx)
{
    struct rand_strat *s = self;
    int n = cx_ctx_cancel_all(ctx, UINT32_MAX);
    s->sent.cancels += (uint64_t)n;
    char fields[64];
    snprintf(fields, sizeof fields, "\"cancels\":%d", n);
    cx_ctx_log(ctx, "random_end", fields);
}

static const struct cx_strategy_ops k_rand_ops = {
    .name = "fidelity_random",
    .on_start = on_start,
    .on_stop = on_stop,
};

/* ---------------------------------------------------------------------------------------------
 * MARK: command line and run
 * ------------------------------------------------------------------------------------------- */

struct options {
    const char *dir;          /* session directory (borrowed from argv) */
    uint64_t seed;            /* strategy and venue seed */
    int64_t window_ns;        /* engine venue_window_ns: > 0, or -1 (reordering off) */
    int queue_model;          /* enum cx_queue_model */
    int64_t stop_after_ns;    /* 0 = run to the end of the data */
    bool lognormal;           /* lognormal entry latency instead of a constant one */
};

static void usage(FILE *f)
{
    fprintf(f,
            "usage: " PROG " DIR [--seed N] [--window-ms MS|off] "
            "[--queue risk_averse|probabilistic]\n"
            "                       [--stop-after-s S] [--lognormal]\n"
            "Runs a seeded random-order strategy over the bundled Binance BTCUSDT spot + USD-M\n"
            "recordings and writes a backtest session to DIR (for tools/fidelity_resim.py).\n"
            "  --seed N          strategy and venue seed (default 1)\n"
            "  --window-ms MS    venue reorder window, ms >= 1 (default 1000); off: file order\n"
            "  --queue MODEL     risk_averse (default) or probabilistic (power 2.5)\n"
            "  --stop-after-s S  stop the run S seconds after the start (default: at the end)\n"
            "  --lognormal       entry latency lognormal (median 3 ms, p99 40 ms) instead of\n"
            "                    a constant 3 ms\n");
}

/* Strict decimal integer in [lo, hi]. */
static bool parse_int(const char *s, long long lo, long long hi, long long *out)
{
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

/* @return 0; -1 after printing the help (--help); 2 after printing a usage problem. */
static int parse_options(int argc, char **argv, struct options *o)
{
    *o = (struct options){.seed = 1, .window_ns = CX_NS_PER_S, .queue_model = CX_QUEUE_RISK_AVERSE};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        long long n;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return -1;
        } else if (strcmp(a, "--lognormal") == 0) {
            o->lognormal = true;
        } else if (a[0] == '-' && v == NULL) {
            fprintf(stderr, PROG ": %s needs a value\n", a);
            return 2;
        } else if (strcmp(a, "--seed") == 0) {
            if (!parse_int(v, 0, INT64_MAX, &n)) {
                fprintf(stderr, PROG ": --seed: not a non-negative integer: '%s'\n", v);
                return 2;
            }
            o->seed = (uint64_t)n;
            i++;
        } else if (strcmp(a, "--window-ms") == 0) {
            if (strcmp(v, "off") == 0) {
                o->window_ns = -1;
            } else if (parse_int(v, 1, 3600 * 1000LL, &n)) {
                o->window_ns = n * CX_NS_PER_MS;
            } else {
                fprintf(stderr, PROG ": --window-ms: expected 1..3600000 or off, got '%s'\n", v);
                return 2;
            }
            i++;
        } else if (strcmp(a, "--queue") == 0) {
            if (strcmp(v, "risk_averse") == 0) {
                o->queue_model = CX_QUEUE_RISK_AVERSE;
            } else if (strcmp(v, "probabilistic") == 0) {
                o->queue_model = CX_QUEUE_PROB_POWER;
            } else {
                fprintf(stderr, PROG ": --queue: expected risk_averse or probabilistic, got '%s'\n",
                        v);
                return 2;
            }
            i++;
        } else if (strcmp(a, "--stop-after-s") == 0) {
            if (!parse_int(v, 1, 24 * 3600, &n)) {
                fprintf(stderr, PROG ": --stop-after-s: expected 1..86400, got '%s'\n", v);
                return 2;
            }
            o->stop_after_ns = n * CX_NS_PER_S;
            i++;
        } else if (a[0] == '-') {
            fprintf(stderr, PROG ": unknown option '%s'\n", a);
            usage(stderr);
            return 2;
        } else if (o->dir == NULL) {
            o->dir = a;
        } else {
            fprintf(stderr, PROG ": only one session directory ('%s', then '%s')\n", o->dir, a);
            return 2;
        }
    }
    if (o->dir == NULL) {
        usage(stderr);
        return 2;
    }
    return 0;
}

/*
 * The engine configuration: the default backtest's files and accounts (cx_run_cfg_default),
 * with balances large enough that random orders are rarely refused for balance (1 BTC +
 * 50 000 USDT spot, 20 000 USDT at 5x on USD-M), 3 ms entry and 2 ms response latency, and
 * the risk gate's filters off so that off-tick, off-lot and small orders reach the venue.
 */
static int engine_config(const struct options *o, struct cx_run_cfg *run, struct cx_registry *reg,
                         struct cx_engine_cfg *out)
{
    cx_run_cfg_default(run, CX_DATA_DIR);
    for (uint32_t i = 0; i < run->sim.n_accounts; i++) {
        struct cx_account *a = &run->sim.accounts[i];
        bool spot = a->venue == CX_VENUE_BINANCE_SPOT;
        struct cx_balance *btc = spot ? cx_account_balance(a, "BTC") : NULL;
        struct cx_balance *usdt = cx_account_balance(a, "USDT");
        if (usdt == NULL || (spot && btc == NULL))
            return CX_ENOSPC; /* the account's asset table is full: not with the defaults */
        if (spot)
            btc->total = ONE;
        usdt->total = (spot ? 50000 : 20000) * ONE;
    }
    run->sim.entry = (struct cx_latency_cfg){
        .kind = o->lognormal ? CX_LAT_LOGNORMAL : CX_LAT_CONSTANT,
        .a_ns = 3 * CX_NS_PER_MS,
        .b_ns = o->lognormal ? 40 * CX_NS_PER_MS : 3 * CX_NS_PER_MS};
    run->sim.response = (struct cx_latency_cfg){.kind = CX_LAT_CONSTANT,
                                                .a_ns = 2 * CX_NS_PER_MS,
                                                .b_ns = 2 * CX_NS_PER_MS};
    run->sim.queue_model = o->queue_model;
    run->sim.queue_power = 2.5;
    run->sim.seed = o->seed;
    run->risk.skip_filters = true;
    cx_run_cfg_engine(run, reg, out);
    out->venue_window_ns = o->window_ns;
    return 0;
}

static void print_sent(const struct options *o, const struct rand_strat *s)
{
    const struct sent_counts *c = &s->sent;
    char window[32] = "off";
    if (o->window_ns > 0)
        snprintf(window, sizeof window, "%lld ms", (long long)(o->window_ns / CX_NS_PER_MS));
    printf(PROG ": seed %llu, window %s, %s queue%s%s -> %s\n", (unsigned long long)o->seed,
           window, o->queue_model == CX_QUEUE_PROB_POWER ? "probabilistic" : "risk-averse",
           o->lognormal ? ", lognormal latency" : "", s->stopped ? ", stopped early" : "", o->dir);
    printf("  sent %llu orders (gtc %llu, ioc %llu, fok %llu, post-only %llu, market %llu; "
           "reduce-only %llu, off-tick %llu, off-lot %llu, one-lot %llu, take-then-rest %llu), "
           "%llu cancels "
           "(%llu right behind their order); refused locally: %llu orders, %llu cancels\n",
           (unsigned long long)c->orders, (unsigned long long)c->by_tif[CX_TIF_GTC],
           (unsigned long long)c->by_tif[CX_TIF_IOC], (unsigned long long)c->by_tif[CX_TIF_FOK],
           (unsigned long long)c->by_tif[CX_TIF_POST_ONLY], (unsigned long long)c->market,
           (unsigned long long)c->reduce_only, (unsigned long long)c->off_tick,
           (unsigned long long)c->off_lot, (unsigned long long)c->tiny,
           (unsigned long long)c->take_then_rest,
           (unsigned long long)c->cancels, (unsigned long long)c->cancels_at_once,
           (unsigned long long)c->place_refused, (unsigned long long)c->cancel_refused);
}

int main(int argc, char **argv)
{
    struct options opt;
    int status = parse_options(argc, argv, &opt);
    if (status != 0)
        return status < 0 ? 0 : status;

    static struct cx_run_cfg run;        /* large: kept off the stack */
    static struct cx_engine_cfg ecfg;
    static struct rand_strat strat;
    struct cx_registry reg = {0};
    struct cx_parse_err err = {0};
    const char *stage = "cannot load instruments";
    int rc = cx_registry_init(&reg, 8192);
    if (rc == 0)
        rc = cx_replay_default_registry(&reg, CX_DATA_DIR, &err);
    if (rc != 0)
        goto out;

    stage = "cannot set up the accounts";
    rc = engine_config(&opt, &run, &reg, &ecfg);
    if (rc != 0)
        goto out;
    strat = (struct rand_strat){.rng = opt.seed * UINT64_C(7919) + 1,
                                .stop_after_ns = opt.stop_after_ns};
    /* metadata.json's "config": this program's options (the run is repeated from them). */
    char config_json[256];
    snprintf(config_json, sizeof config_json,
             "{\"program\":\"" PROG "\",\"seed\":%llu,\"venue_window_ns\":%lld,"
             "\"queue\":\"%s\",\"stop_after_ns\":%lld,\"entry_latency\":\"%s\"}",
             (unsigned long long)opt.seed, (long long)opt.window_ns,
             opt.queue_model == CX_QUEUE_PROB_POWER ? "probabilistic" : "risk_averse",
             (long long)opt.stop_after_ns, opt.lognormal ? "lognormal" : "constant");
    struct cx_session_opts so = {.dir = opt.dir, .strategy_name = PROG,
                                 .config_json = config_json};
    struct cx_rt_strategy st = {.ops = &k_rand_ops, .self = &strat};
    struct cx_engine_result res;
    stage = "backtest";
    rc = cx_backtest_session(&ecfg, &st, 1, NULL, &so, &res, &err);
    if (rc != 0)
        goto out;
    print_sent(&opt, &strat);
    if (res.fill_errors > 0 || res.unknown_reports > 0) {
        fprintf(stderr,
                PROG ": %llu venue fill(s) not applied, %llu report(s) for unknown orders "
                "(events.log in %s)\n",
                (unsigned long long)res.fill_errors, (unsigned long long)res.unknown_reports,
                opt.dir);
        status = 1;
    }
out:
    if (rc != 0) {
        if (err.code == 0)
            err.code = rc;
        char msg[700];
        cx_parse_err_format(&err, msg, sizeof msg);
        fprintf(stderr, PROG ": %s: %s\n", stage, msg);
        status = 1;
    }
    cx_registry_fini(&reg);
    return status;
}
