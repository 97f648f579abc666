/* SPDX-License-Identifier: MIT */
/*
 * maker_hedge strategy (maker_hedge.h): spot quotes a few ticks off the touch, every spot fill
 * hedged at once on the perp.
 *
 * Invariants the hedge executor keeps (checked by the tests on the real data):
 *  - net delta = spot position + perp position, in base units at 1e-8 (exact integers);
 *  - hedge need = -(net delta) - (signed remaining quantity of hedge orders in flight), and a
 *    hedge is sent for the nearest whole number of perp lots, so outside a hedge episode
 *    |net delta| <= half a perp lot (a smaller residual waits until it rounds to a lot);
 *  - a hedge that reduces the perp position is sent reduce-only (exempt from the perp's minimum
 *    notional on Binance USD-M); one that opens or grows it must meet the minimum notional,
 *    else it waits (counted, logged once per episode as "hedge_below_min_notional") until the
 *    residual grows enough or the naked-exposure budget is spent, then it hedges the smallest
 *    whole-lot quantity meeting the minimum ("hedge_min_notional_after_budget"), so the
 *    residual is bounded by max(half a lot, min notional / price) and by the budget in time;
 *    when that over-hedges by more than half a lot, the next hedge buys the excess back
 *    reduce-only (exempt from the minimum): one net lot hedged at the cost of fees on three,
 *    the price of not staying naked past the budget;
 *  - the hedge intent is logged (events.log, "hedge_intent") before the order is sent
 *    (write-ahead: a crash between the two is visible in the journal);
 *  - escalation per episode: IOC at the touch, IOC `wider_ticks` through it, then market; an
 *    order that is not final after hedge_timeout_ns is cancelled and the episode escalates; the
 *    naked-exposure budget (|net delta| x time) exceeded jumps straight to market; after
 *    max_attempts failures quoting stops and the summary flags manual intervention.
 * Loop time (the monitor's only clock read) uses the monotonic clock for measurement only; it
 * never feeds a trading decision, so runs stay deterministic.
 */
#include "cexarb/maker_hedge.h"

#include "cexarb/strategies.h"
#include "strat_int.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BASE_EXP (-8) /* base quantities for delta accounting: 1e-8 units */
#define MAX_HEDGE_ORDERS 32
#define MAX_LAT_SAMPLES 65536
#define MAX_LOOP_SAMPLES 65536


struct quote {
    uint64_t id;       /* client id of the live quote (0: none) */
    int64_t price_m;   /* its price */
    int64_t qty_m;     /* its quantity */
    int64_t placed_ns; /* when it was placed */
    int64_t retry_after_ns; /* no new quote on this side before (after a local refusal) */
    bool cancel_sent;  /* cancel in flight */
};

struct hedge_order {
    uint64_t id;          /* client id */
    int64_t remaining_b;  /* signed remaining quantity, base @ 1e-8 (+ buy) */
    int64_t deadline_ns;  /* escalate if not final by then */
    bool cancel_sent;
};

/* Fills of the current hedge episode, for its hedged round trip (analytics: doubles). */
struct episode_fills {
    double spot_buy_b, spot_buy_v;   /* spot bought: base units, quote value */
    double spot_sell_b, spot_sell_v; /* spot sold */
    double perp_buy_b, perp_buy_v;   /* perp bought */
    double perp_sell_b, perp_sell_v; /* perp sold */
    double fees;                     /* fees of every fill, quote (rebates negative) */
};

struct cx_mh {
    struct cx_mh_params p;
    /* Timers (intrusive, strat.h): analyzer sample, monitor summary, hedge deadline, the
     * naked-exposure budget running out while a hedge waits for the minimum notional. */
    struct cx_timer t_sample, t_summary, t_hedge, t_budget;
    struct cx_timer t_retry;   /* a hedge refused by the run's own limits is sent again */
    int64_t hedge_retry_ns;    /* no hedge before this (after a local refusal) */
    uint32_t local_refusals;   /* hedges of this episode refused by the run's own limits */
    uint16_t spot_account;     /* account of the spot leg (the strategy's default there) */
    uint16_t perp_account;     /* account of the hedge leg */
    uint32_t spot, perp;
    const struct cx_instrument *spot_in, *perp_in;
    struct cx_signal sig;
    struct cx_risk_breaker brk;
    struct cx_risk_exposure expo;
    bool signal_ready;
    double volume_acc_quote;   /* spot trade volume since the last sample */
    struct quote bid, ask;
    /* positions in base @ 1e-8 */
    int64_t spot_b, perp_b;
    struct hedge_order hedges[MAX_HEDGE_ORDERS];
    uint32_t n_hedges;
    uint32_t attempt;          /* escalation level of the current episode */
    bool episode;              /* a hedge episode is in progress */
    int64_t episode_start_ns;
    bool stopped_quoting;      /* manual intervention */
    bool waiting_min_notional; /* a hedge is held back by the perp's minimum notional */
    bool episode_hedged;       /* the current episode sent at least one hedge */
    struct episode_fills ep;   /* its fills so far */
    /* monitor */
    struct cx_mh_summary sum;
    int64_t last_delta_ns;
    double delta_time_integral; /* sum |delta| * dt (base * ns) */
    int64_t first_ns;
    double size_base;           /* last quote size in base units */
    float *lat_ms;
    uint32_t n_lat;
    float *loop_ns;
    uint32_t n_loop;
    double hedged_pct_sum;      /* sum of the hedged round trips' profit % */
    char buf[512];
};

/* ---------------------------------------------------------------------------------------------
 * MARK: parameters
 * ------------------------------------------------------------------------------------------- */

/* Base quantity at 1e-8 of `qty_m` of an instrument (quantity x multiplier). */
static int64_t to_base(const struct cx_instrument *in, int64_t qty_m)
{
    int e = in->qty_exp + in->multiplier_exp - BASE_EXP;
    __int128 v = (__int128)qty_m * in->multiplier;
    if (e >= 0)
        v *= cx_pow10_i64(e);
    else
        v /= cx_pow10_i64(-e);
    return (int64_t)v;
}

/* Whole perp quantity (at qty_exp, multiple of the lot) nearest to a base amount (>= 0), half
 * a lot rounding up: after the hedge the residual is at most half a lot. */
static int64_t perp_qty_for_base(const struct cx_instrument *in, int64_t base_b)
{
    int64_t lot_b = to_base(in, in->lot > 0 ? in->lot : 1);
    if (lot_b <= 0)
        return 0;
    int64_t lots = (base_b + lot_b / 2) / lot_b;
    return lots * (in->lot > 0 ? in->lot : 1);
}

static double base_to_double(int64_t b)
{
    return (double)b / 1e8;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: monitor
 * ------------------------------------------------------------------------------------------- */

static int64_t net_b(const struct cx_mh *m)
{
    return m->spot_b + m->perp_b;
}

static int64_t inflight_b(const struct cx_mh *m)
{
    int64_t s = 0;
    for (uint32_t i = 0; i < m->n_hedges; i++)
        s += m->hedges[i].remaining_b;
    return s;
}

/* Account time-weighted |net delta| up to now (call before any position change). */
static void delta_advance(struct cx_mh *m, int64_t now)
{
    if (m->last_delta_ns != 0 && now > m->last_delta_ns) {
        double d = fabs(base_to_double(net_b(m)));
        m->delta_time_integral += d * (double)(now - m->last_delta_ns);
    }
    m->last_delta_ns = now;
    if (m->first_ns == 0)
        m->first_ns = now;
}

static void delta_observe(struct cx_mh *m, int64_t now)
{
    double d = fabs(base_to_double(net_b(m)));
    if (d > m->sum.max_abs_net_delta_base)
        m->sum.max_abs_net_delta_base = d;
    if (!m->episode && m->n_hedges == 0 && d > m->sum.max_residual_outside_window_base)
        m->sum.max_residual_outside_window_base = d;
    /* The budget counts only exposure that calls for a hedge: a residual below half a perp lot
     * is left on purpose (it rounds to zero lots), so it must not keep an exposure episode
     * open forever and spend the budget of later, unrelated fills. */
    int64_t lot_b = to_base(m->perp_in, m->perp_in->lot > 0 ? m->perp_in->lot : 1);
    int64_t q = net_b(m);
    bool needs = q >= (lot_b + 1) / 2 || q <= -((lot_b + 1) / 2);
    cx_risk_exposure_set(&m->expo, now, needs ? q : 0);
}

static void loop_sample(struct cx_mh *m, int64_t t0)
{
    if (m->n_loop < MAX_LOOP_SAMPLES)
        m->loop_ns[m->n_loop++] = (float)(cx_time_mono_ns() - t0);
}

/*
 * One hedged round trip: a completed hedge episode, i.e. the spot fills that opened it and the
 * perp fills that hedged them (the seed's unit for its targets: 60-70 % profitable round trips,
 * 0.1-0.3 % profit each). On the matched quantity q = min(|net spot|, |net perp|) in base
 * units, a spot buy hedged by a perp sell earns q x (perp sell VWAP - spot buy VWAP), a spot
 * sell hedged by a perp buy q x (spot sell VWAP - perp buy VWAP); every fee of the episode's
 * fills is subtracted. Profit % = PnL / (q x spot VWAP) x 100. A sub-lot residual left
 * unhedged is not part of it (it stays in the inventory figures). docs/config/maker_hedge.md.
 */
static void round_trip_close(struct cx_mh *m)
{
    const struct episode_fills *e = &m->ep;
    double spot_net = e->spot_buy_b - e->spot_sell_b;
    double perp_net = e->perp_buy_b - e->perp_sell_b;
    double q = fmin(fabs(spot_net), fabs(perp_net));
    if (q <= 0)
        return;
    double spot_px, gross;
    if (spot_net > 0) {
        if (e->spot_buy_b <= 0 || e->perp_sell_b <= 0)
            return;
        spot_px = e->spot_buy_v / e->spot_buy_b;
        gross = q * (e->perp_sell_v / e->perp_sell_b - spot_px);
    } else {
        if (e->spot_sell_b <= 0 || e->perp_buy_b <= 0)
            return;
        spot_px = e->spot_sell_v / e->spot_sell_b;
        gross = q * (spot_px - e->perp_buy_v / e->perp_buy_b);
    }
    double pnl = gross - e->fees;
    m->sum.hedged_round_trips++;
    if (pnl > 0)
        m->sum.hedged_wins++;
    m->sum.hedged_pnl_quote += pnl;
    m->hedged_pct_sum += pnl / (q * spot_px) * 100.0;
}

/* Adds a fill to the current episode's round trip. */
static void round_trip_add(struct cx_mh *m, const struct cx_instrument *in,
                           const struct cx_fill *f)
{
    double b = base_to_double(to_base(in, f->qty_m));
    double v = cx_dec_to_double(f->price_m, in->price_exp) * b;
    bool spot = in == m->spot_in;
    struct episode_fills *e = &m->ep;
    if (f->side == CX_SIDE_BID) {
        *(spot ? &e->spot_buy_b : &e->perp_buy_b) += b;
        *(spot ? &e->spot_buy_v : &e->perp_buy_v) += v;
    } else {
        *(spot ? &e->spot_sell_b : &e->perp_sell_b) += b;
        *(spot ? &e->spot_sell_v : &e->perp_sell_v) += v;
    }
    e->fees += cx_dec_to_double(f->fee, CX_NOTIONAL_EXP);
}

/* ---------------------------------------------------------------------------------------------
 * MARK: hedge executor
 * ------------------------------------------------------------------------------------------- */

static void quotes_cancel(struct cx_mh *m, struct cx_ctx *ctx);

static struct hedge_order *hedge_find(struct cx_mh *m, uint64_t id)
{
    for (uint32_t i = 0; i < m->n_hedges; i++)
        if (m->hedges[i].id == id)
            return &m->hedges[i];
    return NULL;
}

static void hedge_remove(struct cx_mh *m, struct hedge_order *h)
{
    *h = m->hedges[--m->n_hedges];
}

static void manual_intervention(struct cx_mh *m, struct cx_ctx *ctx, const char *why)
{
    if (m->stopped_quoting)
        return;
    m->stopped_quoting = true;
    m->sum.manual_intervention = true;
    m->sum.hedge_failures++;
    quotes_cancel(m, ctx);
    snprintf(m->buf, sizeof m->buf,
             "\"reason\":\"%s\",\"net_delta_base\":%.8f,\"attempts\":%u", why,
             base_to_double(net_b(m)), m->attempt);
    cx_ctx_log(ctx, "manual_intervention", m->buf);
}

/* Send whatever whole-lot hedge the current net delta and in-flight orders call for. */
static void hedge_check(struct cx_mh *m, struct cx_ctx *ctx)
{
    int64_t now = cx_ctx_now_ns(ctx);
    int64_t need_b = -net_b(m) - inflight_b(m);
    int64_t qty_m = perp_qty_for_base(m->perp_in, need_b < 0 ? -need_b : need_b);
    if (qty_m == 0) {
        if (m->n_hedges == 0 && m->episode) {
            /* Episode complete: the residual rounds to zero lots. */
            m->episode = false;
            m->waiting_min_notional = false;
            double d = fabs(base_to_double(net_b(m)));
            if (d > m->sum.max_residual_outside_window_base)
                m->sum.max_residual_outside_window_base = d;
            /* Hedge latency: first spot fill of the episode learned -> last hedge fill learned,
             * only for episodes that needed a hedge (a sub-lot fill needs none). */
            if (m->episode_hedged && m->n_lat < MAX_LAT_SAMPLES)
                m->lat_ms[m->n_lat++] = (float)((double)(now - m->episode_start_ns) / 1e6);
            if (m->episode_hedged)
                round_trip_close(m);
            memset(&m->ep, 0, sizeof m->ep);
            m->episode_hedged = false;
            m->attempt = 0;
        }
        return;
    }
    if (m->n_hedges > 0)
        return; /* one hedge order at a time; the rest follows when it is final */
    if (!m->episode) {
        m->episode = true;
        m->episode_start_ns = now;
        m->attempt = 0;
        m->local_refusals = 0;
    }
    if (now < m->hedge_retry_ns) {
        /* The run's own limits refused the last hedge (an order rate, open orders): the same
         * step goes again when the retry time comes, not a wider one at once. */
        if (!m->t_retry.is_active)
            cx_ctx_timer_start(ctx, &m->t_retry, m->hedge_retry_ns);
        return;
    }
    if (m->attempt >= m->p.hedge_max_attempts) {
        manual_intervention(m, ctx, "hedge attempts exhausted");
        return;
    }
    struct cx_book_top t; /* the freshest touch: bookTicker over depth (cx_ctx_top) */
    (void)cx_ctx_top(ctx, m->perp, &t);
    bool buy = need_b > 0;
    /* Reducing the perp position: reduce-only (exempt from the minimum notional). Otherwise the
     * hedge must meet the minimum notional at the touch, or wait for more residual. The venue
     * judges reduce-only against the account's position, which other strategies trading on
     * the same account share; so does this test. */
    int64_t hedge_b = to_base(m->perp_in, qty_m);
    int64_t acct_b = to_base(m->perp_in, cx_ctx_account_position(ctx, m->perp_account, m->perp));
    bool reduces = buy ? (acct_b < 0 && hedge_b <= -acct_b) : (acct_b > 0 && hedge_b <= acct_b);
    if (!reduces && m->perp_in->min_notional > 0) {
        int64_t ref = buy ? t.ask_price_m : t.bid_price_m;
        int64_t notional = 0;
        cx_risk_exposure_advance(&m->expo, now);
        if (ref > 0 && cx_notional(m->perp_in, ref, qty_m, 1, &notional) == 0 &&
            notional < m->perp_in->min_notional && m->expo.is_exceeded) {
            /* The naked-exposure budget is spent: hedge the smallest whole-lot quantity that
             * meets the minimum notional (over-hedging by less than that quantity) rather than
             * stay naked. */
            int64_t lot = m->perp_in->lot > 0 ? m->perp_in->lot : 1;
            while (notional < m->perp_in->min_notional &&
                   cx_notional(m->perp_in, ref, qty_m + lot, 1, &notional) == 0)
                qty_m += lot;
            hedge_b = to_base(m->perp_in, qty_m);
            snprintf(m->buf, sizeof m->buf,
                     "\"qty_base\":%.8f,\"net_delta_base\":%.8f,\"exposure_used\":%.4f",
                     base_to_double(hedge_b), base_to_double(net_b(m)),
                     cx_risk_exposure_used(&m->expo));
            cx_ctx_log(ctx, "hedge_min_notional_after_budget", m->buf);
            m->sum.hedge_min_notional_overfills++;
        } else if (ref > 0 && notional < m->perp_in->min_notional) {
            cx_ctx_timer_start(ctx, &m->t_budget, now + cx_risk_exposure_ns_left(&m->expo));
            double wd = fabs(base_to_double(net_b(m)));
            if (wd > m->sum.max_residual_min_notional_base)
                m->sum.max_residual_min_notional_base = wd;
            if (!m->waiting_min_notional) {
                m->waiting_min_notional = true;
                m->sum.hedge_waits_min_notional++;
                snprintf(m->buf, sizeof m->buf,
                         "\"qty_base\":%.8f,\"notional\":%.8f,\"min_notional\":%.8f,"
                         "\"net_delta_base\":%.8f",
                         base_to_double(hedge_b), cx_dec_to_double(notional, CX_NOTIONAL_EXP),
                         cx_dec_to_double(m->perp_in->min_notional, CX_NOTIONAL_EXP),
                         base_to_double(net_b(m)));
                cx_ctx_log(ctx, "hedge_below_min_notional", m->buf);
            }
            return;
        }
    }
    m->waiting_min_notional = false;
    cx_risk_exposure_advance(&m->expo, now);
    bool over_budget = m->expo.is_exceeded;
    struct cx_order_req r = {.inst_id = m->perp,
                             .side = (uint8_t)(buy ? CX_SIDE_BID : CX_SIDE_ASK),
                             .flags = (uint8_t)(reduces ? CX_ORD_F_REDUCE_ONLY : 0),
                             .qty_m = qty_m};
    const char *how;
    bool touch_known = buy ? t.has_ask : t.has_bid;
    if (m->attempt >= 2 || over_budget || !touch_known) {
        r.type = CX_ORD_MARKET;
        r.tif = CX_TIF_IOC;
        how = "market";
    } else {
        int64_t tick = m->perp_in->tick > 0 ? m->perp_in->tick : 1;
        int64_t widen = m->attempt == 0 ? 0 : (int64_t)m->p.hedge_wider_ticks * tick;
        r.type = CX_ORD_LIMIT;
        r.tif = CX_TIF_IOC;
        r.price_m = buy ? t.ask_price_m + widen : t.bid_price_m - widen;
        if (r.price_m <= 0)
            r.price_m = tick;
        how = m->attempt == 0 ? "ioc_touch" : "ioc_wider";
    }
    if (m->attempt > 0)
        m->sum.hedge_escalations++;
    /* Write-ahead: the intent is in the journal before the order exists. */
    snprintf(m->buf, sizeof m->buf,
             "\"side\":\"%s\",\"qty_base\":%.8f,\"step\":\"%s\",\"attempt\":%u,"
             "\"reduce_only\":%s,\"net_delta_base\":%.8f,\"exposure_used\":%.4f",
             buy ? "buy" : "sell", base_to_double(hedge_b), how, m->attempt,
             reduces ? "true" : "false", base_to_double(net_b(m)),
             cx_risk_exposure_used(&m->expo));
    cx_ctx_log(ctx, "hedge_intent", m->buf);
    if (cx_ctx_place(ctx, &r) != 0) {
        manual_intervention(m, ctx, "hedge order refused locally");
        return;
    }
    m->sum.hedges++;
    m->episode_hedged = true;
    struct hedge_order *h = &m->hedges[m->n_hedges++];
    h->id = r.client_id;
    h->remaining_b = (buy ? 1 : -1) * to_base(m->perp_in, qty_m);
    h->deadline_ns = now + m->p.hedge_timeout_ns;
    h->cancel_sent = false;
    cx_ctx_timer_start(ctx, &m->t_hedge, h->deadline_ns);
}

static void hedge_timer(struct cx_mh *m, struct cx_ctx *ctx)
{
    int64_t now = cx_ctx_now_ns(ctx);
    for (uint32_t i = 0; i < m->n_hedges; i++) {
        struct hedge_order *h = &m->hedges[i];
        if (!h->cancel_sent && now >= h->deadline_ns) {
            h->cancel_sent = true;
            cx_ctx_cancel(ctx, h->id);
            snprintf(m->buf, sizeof m->buf, "\"client_id\":%" PRIu64 ",\"attempt\":%u", h->id,
                     m->attempt);
            cx_ctx_log(ctx, "hedge_timeout", m->buf);
        }
    }
}

/* ---------------------------------------------------------------------------------------------
 * MARK: maker engine
 * ------------------------------------------------------------------------------------------- */

static bool quote_live(const struct quote *q)
{
    return q->id != 0;
}

static void quotes_cancel(struct cx_mh *m, struct cx_ctx *ctx)
{
    struct quote *qs[2] = {&m->bid, &m->ask};
    for (int i = 0; i < 2; i++)
        if (quote_live(qs[i]) && !qs[i]->cancel_sent) {
            qs[i]->cancel_sent = true;
            cx_ctx_cancel(ctx, qs[i]->id);
        }
}

static void quote_side(struct cx_mh *m, struct cx_ctx *ctx, struct quote *q, int side,
                       int64_t target_m)
{
    int64_t now = cx_ctx_now_ns(ctx);
    if (quote_live(q)) {
        if (q->cancel_sent)
            return; /* replace once the cancel is confirmed */
        double moved = fabs((double)(target_m - q->price_m)) / (double)q->price_m * 100.0;
        bool aged = m->p.quote_max_age_ns > 0 && now - q->placed_ns >= m->p.quote_max_age_ns;
        if (moved > m->p.requote_threshold_pct || aged) {
            q->cancel_sent = true;
            cx_ctx_cancel(ctx, q->id);
            m->sum.requotes++;
        }
        return;
    }
    if (now < q->retry_after_ns)
        return; /* refused by the run's risk limits: wait before asking again */
    const struct cx_instrument *in = m->spot_in;
    double price = cx_dec_to_double(target_m, in->price_exp);
    if (price <= 0)
        return;
    int64_t lot = in->lot > 0 ? in->lot : 1;
    double qty = m->p.position_size_usd / price;
    int64_t qty_m = (int64_t)floor(qty / cx_dec_to_double(lot, in->qty_exp)) * lot;
    if (qty_m <= 0 || (in->min_qty > 0 && qty_m < in->min_qty))
        return;
    int64_t notional;
    if (cx_notional(in, target_m, qty_m, 1, &notional) != 0 ||
        (in->min_notional > 0 && notional < in->min_notional))
        return;
    /* Spot inventory: no sell without base, no buy without quote. */
    if (side == CX_SIDE_ASK) {
        if (cx_ctx_balance(ctx, m->spot_account, in->base) < to_base(in, qty_m))
            return;
    } else if (cx_ctx_balance(ctx, m->spot_account, in->quote) < notional) {
        return;
    }
    struct cx_order_req r = {.inst_id = m->spot, .side = (uint8_t)side, .type = CX_ORD_LIMIT,
                             .tif = CX_TIF_POST_ONLY, .price_m = target_m, .qty_m = qty_m};
    if (cx_ctx_place(ctx, &r) != 0)
        return;
    q->id = r.client_id;
    q->price_m = target_m;
    q->qty_m = qty_m;
    q->placed_ns = now;
    q->cancel_sent = false;
    m->sum.quotes++;
    m->size_base = base_to_double(to_base(in, qty_m));
}

static void requote(struct cx_mh *m, struct cx_ctx *ctx)
{
    if (m->stopped_quoting || !cx_risk_breaker_is_quoting_allowed(&m->brk))
        return;
    const struct cx_book *sb = cx_ctx_book(ctx, m->spot);
    const struct cx_book *pb = cx_ctx_book(ctx, m->perp);
    if (sb == NULL || pb == NULL || cx_book_state(sb) != CX_BOOK_SYNCED ||
        cx_book_state(pb) != CX_BOOK_SYNCED) {
        quotes_cancel(m, ctx); /* a stale book never quotes */
        return;
    }
    struct cx_book_top t; /* quote off the freshest touch: bookTicker over depth */
    if (!cx_ctx_top(ctx, m->spot, &t))
        return;
    const struct cx_signal_stats *st = cx_signal_get_stats(&m->sig);
    int32_t off = cx_risk_offset_ticks(&m->p.offset, st, NULL);
    int64_t buy_m, sell_m;
    int64_t tick = m->spot_in->tick > 0 ? m->spot_in->tick : 1;
    if (cx_risk_quote_prices(t.bid_price_m, t.ask_price_m, tick, off, &buy_m, &sell_m) != 0)
        return;
    quote_side(m, ctx, &m->bid, CX_SIDE_BID, buy_m);
    quote_side(m, ctx, &m->ask, CX_SIDE_ASK, sell_m);
}

/* ---------------------------------------------------------------------------------------------
 * MARK: callbacks
 * ------------------------------------------------------------------------------------------- */

static int mh_on_start(void *self, struct cx_ctx *ctx)
{
    struct cx_mh *m = self;
    m->spot = cx_ctx_find_instrument(ctx, (enum cx_venue)m->p.spot_venue, m->p.spot_symbol);
    m->perp = cx_ctx_find_instrument(ctx, (enum cx_venue)m->p.perp_venue, m->p.perp_symbol);
    if (m->spot == UINT32_MAX || m->perp == UINT32_MAX) {
        snprintf(m->buf, sizeof m->buf, "\"spot\":\"%s\",\"perp\":\"%s\"", m->p.spot_symbol,
                 m->p.perp_symbol);
        cx_ctx_log(ctx, "error_unknown_instrument", m->buf);
        char what[64];
        bool spot = m->spot == UINT32_MAX;
        snprintf(what, sizeof what, "%s: %s %s", spot ? "venues.spot" : "venues.perp",
                 cx_venue_name((enum cx_venue)(spot ? m->p.spot_venue : m->p.perp_venue)),
                 spot ? m->p.spot_symbol : m->p.perp_symbol);
        cx_ctx_error(ctx,
                     "unknown instrument: neither the instruments files nor the data files have "
                     "it (add it with instruments:, or replay a recording of it)",
                     what);
        return CX_ESYMBOL;
    }
    m->spot_in = cx_ctx_instrument(ctx, m->spot);
    m->perp_in = cx_ctx_instrument(ctx, m->perp);
    m->spot_account = cx_ctx_account(ctx, (enum cx_venue)m->spot_in->venue, NULL);
    m->perp_account = cx_ctx_account(ctx, (enum cx_venue)m->perp_in->venue, NULL);
    /* Books of both legs; trades of the spot leg (the analyzer's volume). */
    int rc = cx_ctx_subscribe(ctx, m->spot, CX_SUB_BOOK | CX_SUB_TRADES | CX_SUB_BBO);
    if (rc == 0)
        rc = cx_ctx_subscribe(ctx, m->perp, CX_SUB_BOOK | CX_SUB_BBO);
    if (rc != 0)
        return rc;
    m->sum.perp_lot_base = base_to_double(to_base(m->perp_in, m->perp_in->lot > 0 ? m->perp_in->lot : 1));
    int64_t now = cx_ctx_now_ns(ctx);
    int64_t budget_b = (int64_t)llround(m->p.naked_budget_base_s * 1e8);
    cx_risk_exposure_init(&m->expo, budget_b > 0 ? budget_b : 1, CX_NS_PER_S, now);
    cx_ctx_timer_start(ctx, &m->t_sample, now + m->p.sample_interval_ns);
    cx_ctx_timer_start(ctx, &m->t_summary, now + m->p.summary_interval_ns);
    snprintf(m->buf, sizeof m->buf,
             "\"spot\":\"%s\",\"perp\":\"%s\",\"position_size_usd\":%.2f,\"base_offset_ticks\":%d",
             m->spot_in->symbol, m->perp_in->symbol, m->p.position_size_usd,
             m->p.offset.base_offset_ticks);
    cx_ctx_log(ctx, "maker_hedge_start", m->buf);
    return 0;
}

static void mh_on_book(void *self, struct cx_ctx *ctx, uint32_t inst, const struct cx_book *b)
{
    struct cx_mh *m = self;
    (void)b;
    int64_t t0 = cx_time_mono_ns();
    if (inst == m->spot || inst == m->perp) {
        if (m->n_hedges == 0 && (inst == m->perp))
            hedge_check(m, ctx); /* a residual waiting for a usable perp book */
        if (inst == m->spot)
            requote(m, ctx);
    }
    loop_sample(m, t0);
}

static void mh_on_trade(void *self, struct cx_ctx *ctx, const struct cx_md_event *tr)
{
    struct cx_mh *m = self;
    (void)ctx;
    if (tr->inst_id == m->spot)
        m->volume_acc_quote += cx_dec_to_double(tr->u.trade.price_m, m->spot_in->price_exp) *
                               cx_dec_to_double(tr->u.trade.qty_m, m->spot_in->qty_exp);
}

static void mh_on_fill(void *self, struct cx_ctx *ctx, const struct cx_fill *f)
{
    struct cx_mh *m = self;
    int64_t now = cx_ctx_now_ns(ctx);
    int64_t t0 = cx_time_mono_ns();
    delta_advance(m, now);
    if (f->inst_id == m->spot) {
        int64_t b = to_base(m->spot_in, f->qty_m);
        m->spot_b += f->side == CX_SIDE_BID ? b : -b;
        m->sum.spot_fills++;
        if (!m->episode) {
            m->episode = true;
            m->episode_start_ns = now;
            m->attempt = 0;
            memset(&m->ep, 0, sizeof m->ep);
        }
        round_trip_add(m, m->spot_in, f);
    } else if (f->inst_id == m->perp) {
        int64_t b = to_base(m->perp_in, f->qty_m);
        int64_t sb = f->side == CX_SIDE_BID ? b : -b;
        m->perp_b += sb;
        m->sum.hedge_fills++;
        round_trip_add(m, m->perp_in, f);
        struct hedge_order *h = hedge_find(m, f->client_id);
        if (h != NULL)
            h->remaining_b -= sb;
    }
    delta_observe(m, now);
    hedge_check(m, ctx);
    loop_sample(m, t0);
}

static void mh_on_order(void *self, struct cx_ctx *ctx, const struct cx_order *o)
{
    struct cx_mh *m = self;
    int64_t now = cx_ctx_now_ns(ctx);
    bool final = cx_ord_status_is_final((enum cx_ord_status)o->status);
    if (!final)
        return;
    if (o->req.inst_id == m->spot) {
        struct quote *q = o->req.client_id == m->bid.id   ? &m->bid
                          : o->req.client_id == m->ask.id ? &m->ask
                                                          : NULL;
        if (q != NULL) {
            /* A quote the run's own limits refused (risk gate, capacity) would be refused again
             * at once: that side waits one analyzer sample before it quotes again. A venue's
             * refusal (post-only would cross) is answered at once with a new price. */
            bool local = o->status == CX_ORD_REJECTED &&
                         cx_reject_is_local((enum cx_reject)o->reject);
            memset(q, 0, sizeof *q);
            if (local) {
                q->retry_after_ns = now + m->p.sample_interval_ns;
                snprintf(m->buf, sizeof m->buf,
                         "\"side\":\"%s\",\"reason\":\"%s\",\"retry_after_ns\":%" PRId64,
                         o->req.side == CX_SIDE_BID ? "buy" : "sell",
                         cx_reject_name((enum cx_reject)o->reject), q->retry_after_ns);
                cx_ctx_log(ctx, "quote_refused", m->buf);
                return;
            }
            requote(m, ctx);
        }
        return;
    }
    struct hedge_order *h = hedge_find(m, o->req.client_id);
    if (h == NULL)
        return;
    bool complete = o->status == CX_ORD_FILLED;
    bool local = o->status == CX_ORD_REJECTED && cx_reject_is_local((enum cx_reject)o->reject);
    if (local) {
        /* Refused before it left (risk gate, capacity): the market did not see it, so a wider
         * price would not help. Retry the same step one hedge timeout later; after
         * max_attempts such refusals in one episode a person has to look. */
        m->local_refusals++;
        m->hedge_retry_ns = now + m->p.hedge_timeout_ns;
        snprintf(m->buf, sizeof m->buf,
                 "\"client_id\":%" PRIu64 ",\"reason\":\"%s\",\"refusals\":%u,"
                 "\"retry_at_ns\":%" PRId64,
                 o->req.client_id, cx_reject_name((enum cx_reject)o->reject), m->local_refusals,
                 m->hedge_retry_ns);
        cx_ctx_log(ctx, "hedge_refused", m->buf);
        hedge_remove(m, h);
        if (m->local_refusals >= m->p.hedge_max_attempts) {
            manual_intervention(m, ctx, "hedge refused by the run's risk limits");
            return;
        }
        hedge_check(m, ctx);
        return;
    }
    if (!complete) {
        m->attempt++; /* unfilled remainder: the next order escalates */
        snprintf(m->buf, sizeof m->buf,
                 "\"client_id\":%" PRIu64 ",\"status\":\"%s\",\"reject\":\"%s\",\"attempt\":%u",
                 o->req.client_id, cx_ord_status_name((enum cx_ord_status)o->status),
                 cx_reject_name((enum cx_reject)o->reject), m->attempt);
        cx_ctx_log(ctx, "hedge_escalate", m->buf);
    }
    hedge_remove(m, h);
    delta_advance(m, now);
    delta_observe(m, now);
    hedge_check(m, ctx);
}

/* The naked-exposure budget ran out while a hedge waited for the minimum notional. */
static void mh_on_budget(void *self, struct cx_ctx *ctx, struct cx_timer *t)
{
    (void)t;
    struct cx_mh *m = self;
    int64_t t0 = cx_time_mono_ns();
    hedge_check(m, ctx);
    loop_sample(m, t0);
}

/* A hedge order's deadline: cancel what is still open; re-arm for the next deadline. */
static void mh_on_hedge_deadline(void *self, struct cx_ctx *ctx, struct cx_timer *t)
{
    (void)t;
    struct cx_mh *m = self;
    int64_t now = cx_ctx_now_ns(ctx);
    int64_t t0 = cx_time_mono_ns();
    hedge_timer(m, ctx);
    int64_t next = INT64_MAX;
    for (uint32_t i = 0; i < m->n_hedges; i++)
        if (!m->hedges[i].cancel_sent && m->hedges[i].deadline_ns < next)
            next = m->hedges[i].deadline_ns;
    if (next != INT64_MAX)
        cx_ctx_timer_start(ctx, &m->t_hedge, next > now ? next : now);
    loop_sample(m, t0);
}

/* Analyzer sample: mids and volume into the analyzer, then the breaker. */
static void mh_on_sample(void *self, struct cx_ctx *ctx, struct cx_timer *t)
{
    (void)t;
    struct cx_mh *m = self;
    int64_t now = cx_ctx_now_ns(ctx);
    int64_t t0 = cx_time_mono_ns();
    struct cx_book_top ts, tp;
    (void)cx_ctx_top(ctx, m->spot, &ts);
    (void)cx_ctx_top(ctx, m->perp, &tp);
    if (ts.has_bid && ts.has_ask && tp.has_bid && tp.has_ask) {
        struct cx_signal_sample s = {
            .ts_ns = now,
            .spot_mid = cx_dec_to_double(ts.bid_price_m + ts.ask_price_m, m->spot_in->price_exp) / 2,
            .perp_mid = cx_dec_to_double(tp.bid_price_m + tp.ask_price_m, m->perp_in->price_exp) / 2,
            .volume_quote = m->volume_acc_quote};
        m->volume_acc_quote = 0;
        if (cx_signal_update(&m->sig, &s) == 0) {
            uint32_t act = 0;
            cx_risk_breaker_check(&m->brk, cx_signal_get_stats(&m->sig), now, &act);
            /* A check can resume and trip again at once: log the resume first, so the
             * journal ends in the state the breaker is really in. */
            if (act & CX_RISK_ACT_RESUMED)
                cx_ctx_log(ctx, "breaker_resume", "");
            if (act & CX_RISK_ACT_CANCEL_ALL) {
                quotes_cancel(m, ctx);
                snprintf(m->buf, sizeof m->buf,
                         "\"trigger\":\"%s\",\"mask\":%u,\"cooldown_s\":%.0f",
                         cx_risk_trigger_name(m->brk.trigger), m->brk.trigger_mask,
                         (double)m->p.breaker.cooldown_ns / 1e9);
                cx_ctx_log(ctx, "breaker_trip", m->buf);
            }
        }
    }
    cx_ctx_timer_start(ctx, &m->t_sample, now + m->p.sample_interval_ns);
    loop_sample(m, t0);
}

/* Monitor summary line in events.log. */
static void mh_on_summary(void *self, struct cx_ctx *ctx, struct cx_timer *t)
{
    (void)t;
    struct cx_mh *m = self;
    int64_t now = cx_ctx_now_ns(ctx);
    int64_t t0 = cx_time_mono_ns();
    const struct cx_position *ps = cx_ctx_position(ctx, m->spot);
    const struct cx_position *pp = cx_ctx_position(ctx, m->perp);
    snprintf(m->buf, sizeof m->buf,
             "\"quotes\":%" PRIu64 ",\"spot_fills\":%" PRIu64 ",\"hedges\":%" PRIu64
             ",\"net_delta_base\":%.8f,\"spot_realized\":%.8f,\"perp_realized\":%.8f,"
             "\"fees\":%.8f,\"breaker\":\"%s\",\"loop_samples\":%u",
             m->sum.quotes, m->sum.spot_fills, m->sum.hedges, base_to_double(net_b(m)),
             cx_dec_to_double(ps->realized_pnl, CX_NOTIONAL_EXP),
             cx_dec_to_double(pp->realized_pnl, CX_NOTIONAL_EXP),
             cx_dec_to_double(ps->fees + pp->fees, CX_NOTIONAL_EXP),
             cx_risk_breaker_is_quoting_allowed(&m->brk) ? "armed" : "tripped", m->n_loop);
    cx_ctx_log(ctx, "summary", m->buf);
    cx_ctx_timer_start(ctx, &m->t_summary, now + m->p.summary_interval_ns);
    loop_sample(m, t0);
}

static void mh_on_stop(void *self, struct cx_ctx *ctx)
{
    struct cx_mh *m = self;
    delta_advance(m, cx_ctx_now_ns(ctx));
    quotes_cancel(m, ctx);
    snprintf(m->buf, sizeof m->buf, "\"net_delta_base\":%.8f,\"hedges_in_flight\":%u",
             base_to_double(net_b(m)), m->n_hedges);
    cx_ctx_log(ctx, "maker_hedge_stop", m->buf);
}

static const struct cx_strategy_ops k_ops = {
    .name = "maker_hedge",
    .on_start = mh_on_start,
    .on_book = mh_on_book,
    .on_trade = mh_on_trade,
    .on_order_update = mh_on_order,
    .on_fill = mh_on_fill,
    .on_stop = mh_on_stop,
};

const struct cx_strategy_ops *cx_mh_ops(void)
{
    return &k_ops;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: lifecycle and summary
 * ------------------------------------------------------------------------------------------- */

int cx_mh_new(struct cx_mh **out, const struct cx_mh_params *p, struct cx_parse_err *err)
{
    int rc = cx_mh_params_validate(p, err);
    if (rc != 0)
        return rc;
    struct cx_mh *m = calloc(1, sizeof *m);
    if (m == NULL)
        return CX_ENOMEM;
    m->p = *p;
    cx_timer_init(&m->t_sample, mh_on_sample, m);
    cx_timer_init(&m->t_summary, mh_on_summary, m);
    cx_timer_init(&m->t_hedge, mh_on_hedge_deadline, m);
    cx_timer_init(&m->t_budget, mh_on_budget, m);
    cx_timer_init(&m->t_retry, mh_on_budget, m);
    m->lat_ms = calloc(MAX_LAT_SAMPLES, sizeof *m->lat_ms);
    m->loop_ns = calloc(MAX_LOOP_SAMPLES, sizeof *m->loop_ns);
    if (m->lat_ms == NULL || m->loop_ns == NULL) {
        cx_mh_free(m);
        return CX_ENOMEM;
    }
    rc = cx_signal_init(&m->sig, &p->signal, err);
    if (rc == 0)
        rc = cx_risk_breaker_init(&m->brk, &p->breaker, err);
    if (rc != 0) {
        cx_mh_free(m);
        return rc;
    }
    *out = m;
    return 0;
}

void cx_mh_free(struct cx_mh *m)
{
    if (m == NULL)
        return;
    cx_signal_fini(&m->sig);
    free(m->lat_ms);
    free(m->loop_ns);
    free(m);
}

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

static double pct(float *v, uint32_t n, double q)
{
    if (n == 0)
        return 0;
    qsort(v, n, sizeof *v, cmp_float);
    uint32_t i = (uint32_t)ceil(q * n) - 1;
    return v[i >= n ? n - 1 : i];
}

void cx_mh_summary(const struct cx_mh *mc, struct cx_mh_summary *out)
{
    struct cx_mh *m = (struct cx_mh *)mc; /* percentiles sort the sample arrays in place */
    *out = m->sum;
    out->hedge_latency_p50_ms = pct(m->lat_ms, m->n_lat, 0.50);
    out->hedge_latency_p99_ms = pct(m->lat_ms, m->n_lat, 0.99);
    out->loop_time_p50_ns = pct(m->loop_ns, m->n_loop, 0.50);
    out->loop_time_p99_ns = pct(m->loop_ns, m->n_loop, 0.99);
    double span = (double)(m->last_delta_ns - m->first_ns);
    out->twa_abs_net_delta_base = span > 0 ? m->delta_time_integral / span : 0;
    if (m->size_base > 0) {
        out->max_abs_net_delta_pct = out->max_abs_net_delta_base / m->size_base * 100.0;
        out->twa_abs_net_delta_pct = out->twa_abs_net_delta_base / m->size_base * 100.0;
    }
    for (int t = 0; t < CX_RISK_TRIG_COUNT; t++)
        out->breaker_triggers[t] = m->brk.trigger_count[t];
    out->naked_exposure_used_base_s = (double)m->expo.total_qty_m_ns / 1e8 / 1e9;
    out->hedged_win_rate = m->sum.hedged_round_trips > 0
                               ? (double)m->sum.hedged_wins / (double)m->sum.hedged_round_trips
                               : 0;
    out->hedged_avg_profit_pct =
        m->sum.hedged_round_trips > 0 ? m->hedged_pct_sum / (double)m->sum.hedged_round_trips : 0;
}

int cx_mh_summary_json(const struct cx_mh_summary *s, char *buf, size_t cap)
{
    char trig[256];
    size_t tl = 0;
    trig[0] = '\0';
    for (int t = 1; t < CX_RISK_TRIG_COUNT; t++) {
        int n = snprintf(trig + tl, sizeof trig - tl, "%s\"%s\":%" PRIu64, t > 1 ? "," : "",
                         cx_risk_trigger_name((enum cx_risk_trigger)t), s->breaker_triggers[t]);
        if (n > 0 && (size_t)n < sizeof trig - tl)
            tl += (size_t)n;
    }
    int n = snprintf(
        buf, cap,
        "{\"quotes\":%" PRIu64 ",\"requotes\":%" PRIu64 ",\"spot_fills\":%" PRIu64
        ",\"hedges\":%" PRIu64 ",\"hedge_fills\":%" PRIu64 ",\"hedge_escalations\":%" PRIu64
        ",\"hedge_failures\":%" PRIu64 ",\"hedge_waits_min_notional\":%" PRIu64
        ",\"hedge_min_notional_after_budget\":%" PRIu64
        ",\"manual_intervention\":%s,\"hedge_latency_ms\":{\"p50\":%.3f,\"p99\":%.3f},"
        "\"net_delta\":{\"max_abs_base\":%.8f,\"twa_abs_base\":%.8f,\"max_abs_pct_of_size\":%.2f,"
        "\"twa_abs_pct_of_size\":%.2f,\"max_residual_outside_hedge_window_base\":%.8f,"
        "\"perp_lot_base\":%.8f,\"max_residual_waiting_min_notional_base\":%.8f},"
        "\"breaker_triggers\":{%s},\"naked_exposure_base_s\":%.6f,"
        "\"hedged_round_trips\":{\"definition\":\"a spot fill episode and the perp fills that "
        "hedged it; PnL on the matched quantity after every fee of the episode\","
        "\"count\":%" PRIu64 ",\"wins\":%" PRIu64 ",\"win_rate\":%.4f,"
        "\"avg_profit_pct\":%.4f,\"pnl\":%.8f},"
        "\"loop_time_ns\":{\"p50\":%.0f,\"p99\":%.0f}}",
        s->quotes, s->requotes, s->spot_fills, s->hedges, s->hedge_fills, s->hedge_escalations,
        s->hedge_failures, s->hedge_waits_min_notional, s->hedge_min_notional_overfills,
        s->manual_intervention ? "true" : "false", s->hedge_latency_p50_ms,
        s->hedge_latency_p99_ms, s->max_abs_net_delta_base, s->twa_abs_net_delta_base,
        s->max_abs_net_delta_pct, s->twa_abs_net_delta_pct, s->max_residual_outside_window_base,
        s->perp_lot_base, s->max_residual_min_notional_base, trig, s->naked_exposure_used_base_s,
        s->hedged_round_trips, s->hedged_wins, s->hedged_win_rate, s->hedged_avg_profit_pct,
        s->hedged_pnl_quote, s->loop_time_p50_ns, s->loop_time_p99_ns);
    if (n < 0 || (size_t)n >= cap)
        return CX_ENOSPC;
    return n;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: terminal summary and strategy type
 * ------------------------------------------------------------------------------------------- */

void cx_mh_print_summary(const struct cx_mh *mh, const struct cx_mh_params *p, FILE *f)
{
    struct cx_mh_summary sum, *s = &sum;
    cx_mh_summary(mh, &sum);
    fprintf(f, "\nmaker_hedge     %s %s (maker) + %s %s (hedge)\n",
            cx_venue_name((enum cx_venue)p->spot_venue), p->spot_symbol,
            cx_venue_name((enum cx_venue)p->perp_venue), p->perp_symbol);
    fprintf(f, "quotes          %llu placed, %llu re-quotes\n", (unsigned long long)s->quotes,
            (unsigned long long)s->requotes);
    fprintf(f, "spot fills      %llu\n", (unsigned long long)s->spot_fills);
    fprintf(f, "hedges          %llu sent, %llu fills, %llu escalations, %llu failures%s\n",
            (unsigned long long)s->hedges, (unsigned long long)s->hedge_fills,
            (unsigned long long)s->hedge_escalations, (unsigned long long)s->hedge_failures,
            s->manual_intervention ? "  ** MANUAL INTERVENTION: quoting stopped **" : "");
    fprintf(f, "hedge latency   p50 %.1f ms, p99 %.1f ms (spot fill learned -> hedged)\n",
            s->hedge_latency_p50_ms, s->hedge_latency_p99_ms);
    fprintf(f,
            "hedged round trips %llu (spot fill + its hedge), win rate %.1f %%, average %+.4f %% "
            "of notional, total %+.4f after fees\n",
            (unsigned long long)s->hedged_round_trips, s->hedged_win_rate * 100.0,
            s->hedged_avg_profit_pct, s->hedged_pnl_quote);
    fprintf(f,
            "net delta       max |delta| %.8f base (%.1f %% of position size), time-weighted "
            "%.8f (%.1f %%)\n",
            s->max_abs_net_delta_base, s->max_abs_net_delta_pct, s->twa_abs_net_delta_base,
            s->twa_abs_net_delta_pct);
    fprintf(f, "                max residual outside hedge windows %.8f base (perp lot %.8f)\n",
            s->max_residual_outside_window_base, s->perp_lot_base);
    if (s->hedge_waits_min_notional > 0)
        fprintf(f,
                "                %llu hedge(s) waited for the perp minimum notional (max "
                "residual meanwhile %.8f base)\n",
                (unsigned long long)s->hedge_waits_min_notional,
                s->max_residual_min_notional_base);
    fprintf(f, "breakers       ");
    for (int t = 1; t < CX_RISK_TRIG_COUNT; t++)
        fprintf(f, " %s %llu", cx_risk_trigger_name((enum cx_risk_trigger)t),
                (unsigned long long)s->breaker_triggers[t]);
    fprintf(f, "\nloop time       p50 %.0f ns, p99 %.0f ns per strategy callback\n",
            s->loop_time_p50_ns, s->loop_time_p99_ns);
}

static void type_default(void *params)
{
    cx_mh_params_default(params);
}

static int type_validate(const void *params, struct cx_parse_err *err)
{
    return cx_mh_params_validate(params, err);
}

static int type_create(void **out, const void *params, struct cx_parse_err *err)
{
    struct cx_mh *mh = NULL;
    int rc = cx_mh_new(&mh, params, err);
    if (rc == 0)
        *out = mh;
    return rc;
}

static void type_destroy(void *self)
{
    cx_mh_free(self);
}

static int type_summary_json(void *self, char *buf, size_t cap)
{
    struct cx_mh_summary s;
    cx_mh_summary(self, &s);
    return cx_mh_summary_json(&s, buf, cap);
}

static void type_print(void *self, const void *params, FILE *out)
{
    cx_mh_print_summary(self, params, out);
}

static bool type_attention(void *self)
{
    return ((const struct cx_mh *)self)->sum.manual_intervention;
}

_Static_assert(sizeof(struct cx_mh_params) <= CX_STRATEGY_PARAMS_MAX,
               "maker_hedge parameters exceed CX_STRATEGY_PARAMS_MAX");

const struct cx_strategy_type cx__mh_type = {
    .name = "maker_hedge",
    .summary = "quote spot a few ticks off the touch, hedge every fill on a perpetual",
    .params_size = sizeof(struct cx_mh_params),
    .params_fields = cx__mh_params_fields,
    .params_default = type_default,
    .params_validate = type_validate,
    .create = type_create,
    .destroy = type_destroy,
    .ops = &k_ops,
    .summary_json = type_summary_json,
    .print_summary = type_print,
    .needs_attention = type_attention,
};

const struct cx_strategy_type *cx_mh_strategy_type(void)
{
    return &cx__mh_type;
}
