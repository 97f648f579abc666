/* SPDX-License-Identifier: MIT */
/*
 * Matching in the simulated venue: what happens when an order arrives, when a trade prints and
 * when the venue book changes under a resting order.
 *
 * Arrival (at the venue clock): validation in venue order (request shape, book in sync, tick,
 * lot, minimum quantity, minimum notional, balance/margin/reduce-only), then post-only and
 * fill-or-kill checks, then the ACK, then taking: the opposite side is walked from the best
 * level while it crosses the limit, one taker fill per level at the level's price for
 * min(level quantity, remaining). The replayed book is not modified (no market impact). A
 * market/IOC remainder expires, a GTC remainder rests.
 *
 * Resting orders are never in the replayed book; each carries an estimate of the displayed
 * quantity ahead of it (queue_ahead_m), initialised to the displayed quantity at its price on
 * arrival (hftbacktest QueueModel::new_order). A trade print by an aggressor on the other side:
 *  - at a price beyond ours (a sell below our bid, a buy above our ask) trades through our
 *    level: we fill min(remaining, print quantity) at our price and the queue ahead is gone;
 *  - at our price consumes the queue ahead first; the excess fills us (partially when it is
 *    smaller than what remains).
 * A print's quantity is shared: what fills one of our orders is not available to the next
 * (through-fills first, then at-price fills, each in order arrival order).
 * A change of the displayed quantity at our price moves the queue per the configured model
 * (risk-averse or probabilistic with one of five probability functions, see prob_behind and
 * queue_on_level_change), and a book that crosses our price fills the whole remainder at our
 * price.
 * Sources: hftbacktest docs "Order Fill", "Queue Models", "Probability Queue Models" and
 * hftbacktest/src/backtest/models/queue.rs (RiskAdverseQueueModel, ProbQueueModel,
 * PowerProbQueueFunc, LogProbQueueFunc, PowerProbQueueFunc2, LogProbQueueFunc2,
 * PowerProbQueueFunc3), https://hftbacktest.readthedocs.io/en/latest/tutorials/
 * Probability%20Queue%20Models.html.
 */
#include "sim_int.h"

#include <math.h>
#include <string.h>

/* Why a fill happened: the fill's evidence (oms.h) and the statistics. */
enum fill_reason {
    FILL_TAKER = CX_FILL_EV_TAKER_WALK,
    FILL_THROUGH = CX_FILL_EV_TRADE_THROUGH,
    FILL_QUEUE = CX_FILL_EV_TRADE_QUEUE,
    FILL_CROSS = CX_FILL_EV_BOOK_CROSS
};

static int64_t min64(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: book queries
 * ------------------------------------------------------------------------------------------- */

/* Displayed quantity at exactly price_m on a side (0 when there is no such level). Binary
 * search over cx_book_level, whose index 0 is the best level: bids descend, asks ascend. */
int64_t cx__sim_level_qty(const struct cx_book *book, uint8_t side, int64_t price_m)
{
    uint32_t lo = 0, hi = cx_book_depth(book, (enum cx_side)side);
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        int64_t p, q;
        if (cx_book_level(book, (enum cx_side)side, mid, &p, &q) != 0)
            return 0;
        if (p == price_m)
            return q;
        bool is_better = side == CX_SIDE_BID ? p > price_m : p < price_m;
        if (is_better)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: the venue's view of the market
 * ------------------------------------------------------------------------------------------- */

/*
 * What the venue offers on one side, best first, as the venue would see it now:
 *  - the touch: the depth book's best level, unless the last bookTicker is newer than the
 *    depth book (its update id above the book's last one), in which case the bookTicker's
 *    price and quantity are the best level and depth levels at or better than it are skipped
 *    (they are older state the bookTicker already replaced); the depth behind it follows.
 *    Binance and Gate number bookTicker and depth updates in one sequence per symbol (Binance
 *    "Diff. Depth Stream" / "Individual Symbol Book Ticker Streams": `u` is the order book
 *    update id of both; Gate APIv4 spot.book_ticker / spot.order_book_update `u`).
 *  - minus what was taken from a level since the last book message (our own taker fills and
 *    public prints, struct cx__sim_used): the recorded book does not show it yet; a level with
 *    nothing left is skipped.
 */
struct view_it {
    const struct cx_book *book;
    const struct cx__sim_inst *si;
    uint8_t side;                /* enum cx_side walked */
    bool has_top;                /* the bookTicker level is still to be returned */
    int64_t top_px, top_qty;     /* the bookTicker's level of this side */
    uint32_t depth_i;            /* next depth level */
    uint32_t depth_n;            /* depth levels of the side */
};

static bool bbo_is_newer(const struct cx__sim_inst *si)
{
    return si->bbo.is_valid && si->book != NULL && si->bbo.seq > cx_book_last_seq(si->book);
}

static int64_t used_at(const struct cx__sim_inst *si, uint8_t side, int64_t price_m)
{
    for (uint32_t i = 0; i < si->n_used; i++)
        if (si->used[i].side == side && si->used[i].price_m == price_m)
            return si->used[i].qty_m;
    return 0;
}

/* Record that qty_m was taken from (side, price) (when the table is full the oldest entry is
 * dropped: a documented bound, counted). */
static void use_level(struct cx_sim *sim, struct cx__sim_inst *si, uint8_t side, int64_t price_m,
                      int64_t qty_m)
{
    if (si->used == NULL)
        return; /* no venue book yet: there is no view to take from */
    for (uint32_t i = 0; i < si->n_used; i++)
        if (si->used[i].side == side && si->used[i].price_m == price_m) {
            si->used[i].qty_m += qty_m;
            return;
        }
    if (si->n_used == CX__SIM_MAX_USED) {
        memmove(&si->used[0], &si->used[1], (CX__SIM_MAX_USED - 1) * sizeof si->used[0]);
        si->n_used--;
        sim->stats.used_overflow++;
    }
    si->used[si->n_used++] = (struct cx__sim_used){side, price_m, qty_m};
}

static void view_begin(struct view_it *it, const struct cx__sim_inst *si, uint8_t side)
{
    it->book = si->book;
    it->si = si;
    it->side = side;
    it->has_top = bbo_is_newer(si);
    it->top_px = side == CX_SIDE_BID ? si->bbo.bid_px_m : si->bbo.ask_px_m;
    it->top_qty = side == CX_SIDE_BID ? si->bbo.bid_qty_m : si->bbo.ask_qty_m;
    it->depth_i = 0;
    it->depth_n = cx_book_depth(si->book, (enum cx_side)side);
    if (it->has_top) /* skip depth levels the bookTicker replaced */
        while (it->depth_i < it->depth_n) {
            int64_t p, q;
            if (cx_book_level(si->book, (enum cx_side)side, it->depth_i, &p, &q) != 0)
                break;
            bool replaced = side == CX_SIDE_BID ? p >= it->top_px : p <= it->top_px;
            if (!replaced)
                break;
            it->depth_i++;
        }
}

/* The next level with something left: 1 and *p, *q; 0 at the end. */
static int view_next(struct view_it *it, int64_t *p, int64_t *q)
{
    for (;;) {
        int64_t px, qty;
        if (it->has_top) {
            it->has_top = false;
            px = it->top_px;
            qty = it->top_qty;
        } else if (it->depth_i < it->depth_n &&
                   cx_book_level(it->book, (enum cx_side)it->side, it->depth_i++, &px, &qty) == 0) {
        } else {
            return 0;
        }
        qty -= used_at(it->si, it->side, px);
        if (qty > 0) {
            *p = px;
            *q = qty;
            return 1;
        }
    }
}

/* The venue's touch now (0 for a missing side), and how old its source message is. */
static void view_touch(const struct cx_sim *sim, const struct cx__sim_inst *si, int64_t *bid,
                       int64_t *ask, int64_t *age_ns)
{
    struct view_it it;
    int64_t q;
    *bid = *ask = 0;
    view_begin(&it, si, CX_SIDE_BID);
    if (view_next(&it, bid, &q) == 0)
        *bid = 0;
    view_begin(&it, si, CX_SIDE_ASK);
    if (view_next(&it, ask, &q) == 0)
        *ask = 0;
    int64_t src = bbo_is_newer(si) ? si->bbo.venue_ns : si->depth_venue_ns;
    *age_ns = src > 0 && sim->clock_ns >= src ? sim->clock_ns - src : -1;
}

/* Whether an opposite level at price p is marketable for an order (side, limit). */
static bool crosses(uint8_t side, bool is_market, int64_t limit_m, int64_t p)
{
    if (is_market)
        return true;
    return side == CX_SIDE_BID ? p <= limit_m : p >= limit_m;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: fills
 * ------------------------------------------------------------------------------------------- */

/* How much more a reduce-only perp order may fill without growing |position| (INT64_MAX for
 * other orders or without an account). Binance USD-M: a reduce-only order only reduces; what
 * would exceed the position is not executed. */
static int64_t reduce_room(struct cx_sim *sim, const struct cx_instrument *inst,
                           const struct cx__sim_order *o)
{
    if (!(o->req.flags & CX_ORD_F_REDUCE_ONLY) || inst->kind == CX_KIND_SPOT)
        return INT64_MAX;
    const struct cx_account *acct = cx__sim_account(sim, o);
    if (acct == NULL)
        return INT64_MAX;
    int64_t pos = 0;
    for (uint32_t i = 0; i < acct->n_perps; i++)
        if (acct->perps[i].inst_id == o->req.inst_id)
            pos = acct->perps[i].qty_m;
    if (o->req.side == CX_SIDE_BID)
        return pos < 0 ? -pos : 0;
    return pos > 0 ? pos : 0;
}

/* Execute qty_m of an order at price_m: fee, order quantity, lock, account, FILL response. */
static void fill_order(struct cx_sim *sim, const struct cx_instrument *inst, uint32_t slot,
                       int64_t price_m, int64_t qty_m, enum fill_reason why)
{
    struct cx__sim_order *o = &sim->orders[slot];
    uint8_t liq = why == FILL_TAKER ? CX_LIQ_TAKER : CX_LIQ_MAKER;
    int64_t notional = 0;
    if (cx_notional(inst, price_m, qty_m, 1, &notional) != 0)
        notional = 0; /* beyond int64 at 1e-8 quote: no real order gets here */
    int64_t fee = cx_fee(notional, liq == CX_LIQ_TAKER ? inst->taker_fee_ppb
                                                       : inst->maker_fee_ppb);
    o->remaining_m -= qty_m;
    if (o->state == CX__ORD_RESTING)
        cx__sim_set_lock(sim, inst, o); /* shrink the reservation before the money moves */

    struct cx_fill fill = {
        .client_id = o->req.client_id,
        .venue_order_id = o->venue_order_id,
        .fill_id = sim->next_fill_id++,
        .inst_id = o->req.inst_id,
        .side = o->req.side,
        .liquidity = liq,
        .fee_asset = 0,
        .price_m = price_m,
        .qty_m = qty_m,
        .fee = fee,
        .exch_ts_ns = sim->clock_ns,
        .evidence = (uint8_t)why,
    };
    view_touch(sim, &sim->inst[inst->id], &fill.venue_bid_m, &fill.venue_ask_m,
               &fill.book_age_ns);
    struct cx_account *acct = cx__sim_account(sim, o);
    /* Settlement can fail (a full asset table, or a spot quantity finer than 1e-8 base units
     * that a balance cannot hold): count it, never hide it; the engine and the tests check
     * account_errors == 0. */
    if (acct != NULL && cx_account_apply_fill(acct, inst, &fill) != 0)
        sim->stats.account_errors++;
    sim->stats.fills++;
    if (liq == CX_LIQ_TAKER)
        sim->stats.taker_fills++;
    else
        sim->stats.maker_fills++;
    if (why == FILL_THROUGH)
        sim->stats.trade_through_fills++;
    else if (why == FILL_QUEUE)
        sim->stats.queue_fills++;
    else if (why == FILL_CROSS)
        sim->stats.cross_fills++;

    struct cx_exec_report *m = cx__sim_respond(sim, inst->venue, CX_EXEC_FILL, o);
    if (m != NULL) {
        fill.local_ts_ns = m->deliver_ns;
        fill.latency_ns = m->deliver_ns - o->submit_ns;
        m->fill = fill;
    }
}

/* Remove a resting order that has become final; `type` is CX_EXEC_EXPIRED or 0 (filled: no
 * message beyond its last FILL). */
static void finish_resting(struct cx_sim *sim, const struct cx_instrument *inst, uint32_t slot,
                           uint8_t type)
{
    struct cx__sim_order *o = &sim->orders[slot];
    cx__sim_release_lock(sim, inst, o);
    cx__sim_rest_unlink(sim, slot);
    if (type == CX_EXEC_EXPIRED) {
        sim->stats.expired++;
        struct cx_exec_report *m = cx__sim_respond(sim, inst->venue, CX_EXEC_EXPIRED, o);
        if (m != NULL)
            m->leaves_qty_m = 0;
    }
    cx__sim_free_order(sim, slot);
}

/* Maker fill of a resting order, capped by reduce-only room; frees the order when it is done.
 * Returns the quantity filled. */
static int64_t fill_resting(struct cx_sim *sim, const struct cx_instrument *inst, uint32_t slot,
                            int64_t qty_m, enum fill_reason why)
{
    struct cx__sim_order *o = &sim->orders[slot];
    int64_t room = reduce_room(sim, inst, o);
    if (room == 0) {
        /* A reduce-only order whose position is gone can never execute: the venue drops it. */
        finish_resting(sim, inst, slot, CX_EXEC_EXPIRED);
        return 0;
    }
    qty_m = min64(min64(qty_m, o->remaining_m), room);
    if (qty_m <= 0)
        return 0;
    fill_order(sim, inst, slot, o->req.price_m, qty_m, why);
    if (o->remaining_m == 0)
        finish_resting(sim, inst, slot, 0);
    return qty_m;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: arrival
 * ------------------------------------------------------------------------------------------- */

/* Reject an arriving order; returns its report (NULL when it was dropped) so a caller that
 * knows the venue's book age can add it. */
static struct cx_exec_report *reject(struct cx_sim *sim, uint32_t slot, uint8_t venue,
                                     enum cx_reject why)
{
    struct cx__sim_order *o = &sim->orders[slot];
    sim->stats.rejected++;
    sim->stats.rejects[why]++;
    struct cx_exec_report *m = cx__sim_respond(sim, venue, CX_EXEC_REJECT, o);
    if (m != NULL) {
        m->reject = (uint8_t)why;
        m->leaves_qty_m = 0;
    }
    cx__sim_free_order(sim, slot);
    return m;
}

/* The venue's view a decision (ACK, REJECT) was made on, into its report (which may be NULL:
 * dropped for lack of space). */
static void decided(struct cx_exec_report *m, int64_t bid_m, int64_t ask_m, int64_t age_ns)
{
    if (m == NULL)
        return;
    m->venue_bid_m = bid_m;
    m->venue_ask_m = ask_m;
    m->book_age_ns = age_ns;
}

/* Request shape: enums in range, quantity positive, limit price positive. */
static bool req_is_valid(const struct cx_order_req *r)
{
    if (r->side > CX_SIDE_ASK || r->type > CX_ORD_MARKET || r->tif > CX_TIF_POST_ONLY)
        return false;
    if (r->qty_m <= 0)
        return false;
    if (r->type == CX_ORD_LIMIT && r->price_m <= 0)
        return false;
    if (r->type == CX_ORD_MARKET && r->tif == CX_TIF_POST_ONLY)
        return false;
    return true;
}

void cx__sim_arrive_order(struct cx_sim *sim, uint32_t slot)
{
    struct cx__sim_order *o = &sim->orders[slot];
    const struct cx_order_req *req = &o->req;
    const struct cx_instrument *inst = cx_registry_get(sim->reg, req->inst_id);
    uint8_t venue = inst != NULL && inst->venue < CX_VENUE_COUNT ? inst->venue
                                                                 : (uint8_t)CX_VENUE_UNKNOWN;
    if (o->is_dup) {
        reject(sim, slot, venue, CX_REJ_DUPLICATE_ID);
        return;
    }
    if (inst == NULL || req->inst_id >= sim->n_inst || !req_is_valid(req) ||
        req->account_id == CX__SIM_BAD_ACCOUNT) {
        reject(sim, slot, venue, CX_REJ_INVALID);
        return;
    }
    const struct cx_book *book = sim->inst[req->inst_id].book;
    if (book == NULL || cx_book_state(book) != CX_BOOK_SYNCED) {
        reject(sim, slot, venue, CX_REJ_BOOK_STALE);
        return;
    }
    bool is_market = req->type == CX_ORD_MARKET;
    /* A market order executes immediately like an IOC at no limit; FOK keeps all-or-nothing. */
    uint8_t tif = is_market && req->tif != CX_TIF_FOK ? (uint8_t)CX_TIF_IOC : req->tif;

    /* Precision and minimums (Binance spot filters PRICE_FILTER, LOT_SIZE, NOTIONAL;
     * https://developers.binance.com/docs/binance-spot-api-docs/filters). */
    if (!is_market && inst->tick > 0 && req->price_m % inst->tick != 0) {
        reject(sim, slot, venue, CX_REJ_TICK);
        return;
    }
    if (inst->lot > 0 && req->qty_m % inst->lot != 0) {
        reject(sim, slot, venue, CX_REJ_LOT);
        return;
    }
    if (req->qty_m < inst->min_qty) {
        reject(sim, slot, venue, CX_REJ_MIN_QTY);
        return;
    }
    uint8_t opp = req->side == CX_SIDE_BID ? CX_SIDE_ASK : CX_SIDE_BID;
    struct cx__sim_inst *si = &sim->inst[req->inst_id];
    struct view_it it;
    int64_t opp_best = 0, opp_best_q = 0;
    view_begin(&it, si, opp);
    bool has_opp = view_next(&it, &opp_best, &opp_best_q) == 1;
    if (is_market && !has_opp) {
        reject(sim, slot, venue, CX_REJ_NO_LIQUIDITY);
        return;
    }
    /* The notional of a market order is judged at the best opposite price (Binance applies
     * NOTIONAL to market orders with an average price; the touch is our stand-in). */
    int64_t ref_price = is_market ? opp_best : req->price_m;
    int64_t notional;
    if (cx_notional(inst, ref_price, req->qty_m, 1, &notional) != 0) {
        reject(sim, slot, venue, CX_REJ_INVALID);
        return;
    }
    /* Reduce-only orders on perps are exempt from the minimum notional: Binance USD-M rejects
     * small orders with -4164 "Order's notional must be no smaller than 100 (unless you choose
     * reduce only)" (Binance USD-M error codes, checked 2026-11). Without the exemption a
     * position smaller than the minimum could never be closed. */
    bool exempt = (req->flags & CX_ORD_F_REDUCE_ONLY) && inst->kind != CX_KIND_SPOT;
    if (notional < inst->min_notional && !exempt) {
        reject(sim, slot, venue, CX_REJ_MIN_NOTIONAL);
        return;
    }

    /* What the opposite side offers within the limit (the venue's view: its touch, the depth
     * behind it, less what was already taken), and the worst price it reaches. */
    int64_t avail = 0, worst = 0;
    {
        int64_t p, q;
        view_begin(&it, si, opp);
        while (avail < req->qty_m && view_next(&it, &p, &q) == 1 &&
               crosses(req->side, is_market, req->price_m, p)) {
            avail += min64(q, req->qty_m - avail);
            worst = p;
        }
    }
    int64_t bid_now, ask_now, age_now;
    view_touch(sim, si, &bid_now, &ask_now, &age_now);

    /* A post-only order can only pay the maker fee; anything else may take, so it must cover
     * the taker fee (Binance checks balances the same way before an order rests). */
    o->hold_fee_ppb = tif == CX_TIF_POST_ONLY ? inst->maker_fee_ppb : inst->taker_fee_ppb;
    struct cx_account *acct = cx__sim_account(sim, o);
    if (acct != NULL) {
        int64_t check_price = is_market ? worst : req->price_m;
        enum cx_reject why = cx_account_check(acct, inst, req, check_price, o->hold_fee_ppb);
        if (why != CX_REJ_NONE) {
            decided(reject(sim, slot, venue, why), bid_now, ask_now, age_now);
            return;
        }
    }
    if (tif == CX_TIF_POST_ONLY && avail > 0) {
        decided(reject(sim, slot, venue, CX_REJ_POST_ONLY), bid_now, ask_now, age_now);
        return;
    }
    if (tif == CX_TIF_FOK && avail < req->qty_m) {
        decided(reject(sim, slot, venue, CX_REJ_FOK), bid_now, ask_now, age_now);
        return;
    }

    o->venue_order_id = sim->next_venue_order_id++;
    sim->stats.accepted++;
    decided(cx__sim_respond(sim, venue, CX_EXEC_ACK, o), bid_now, ask_now, age_now);

    /* Take what crosses, level by level of the venue's view; what we take is gone from it for
     * the rest of this book state. The levels are read again after each fill (the view
     * changes as we take). */
    int64_t room = reduce_room(sim, inst, o);
    int64_t taken = 0;
    while (o->remaining_m > 0 && taken < room) {
        int64_t p, q;
        view_begin(&it, si, opp);
        if (view_next(&it, &p, &q) != 1 || !crosses(req->side, is_market, req->price_m, p))
            break;
        int64_t take = min64(min64(q, o->remaining_m), room - taken);
        use_level(sim, si, opp, p, take);
        fill_order(sim, inst, slot, p, take, FILL_TAKER);
        taken += take;
    }
    if (o->remaining_m == 0) {
        cx__sim_free_order(sim, slot);
        return;
    }
    if (tif == CX_TIF_IOC || tif == CX_TIF_FOK || taken >= room) {
        sim->stats.expired++;
        struct cx_exec_report *m = cx__sim_respond(sim, venue, CX_EXEC_EXPIRED, o);
        if (m != NULL)
            m->leaves_qty_m = 0;
        cx__sim_free_order(sim, slot);
        return;
    }

    /* Rest: join the queue behind the displayed quantity at our price. */
    o->queue_ahead_m = cx__sim_level_qty(book, req->side, req->price_m);
    o->level_qty_m = o->queue_ahead_m;
    o->traded_m = 0;
    o->cross_guard = taken > 0;
    cx__sim_rest_link(sim, slot);
    cx__sim_set_lock(sim, inst, o);
}

/* ---------------------------------------------------------------------------------------------
 * MARK: trades
 * ------------------------------------------------------------------------------------------- */

void cx__sim_on_trade(struct cx_sim *sim, const struct cx_instrument *inst,
                      const struct cx_md_event *ev)
{
    int64_t px = ev->u.trade.price_m;
    int64_t qty = ev->u.trade.qty_m;
    if (qty <= 0)
        return;
    /* A buying aggressor lifts asks, a selling one hits bids (CX_MD_F_BUY_TAKER: Binance
     * m=false). Only the side the aggressor hits can fill. */
    uint8_t hit = (ev->flags & CX_MD_F_BUY_TAKER) ? CX_SIDE_ASK : CX_SIDE_BID;
    struct cx__sim_inst *si = &sim->inst[inst->id];
    int64_t left = qty;
    /* The print took that much from the level it hit: until the next book message shows it,
     * the venue's view has it less (a taker of ours arriving now cannot take it again). */
    use_level(sim, si, hit, px, qty);
    if (si->n_resting == 0)
        return;

    /* Pass 1: the print is beyond our price, so the aggressor went through our level: our
     * order would have matched first. Fill min(remaining, what is left of the print). */
    for (uint32_t s = si->head; s != CX__SIM_NONE;) {
        struct cx__sim_order *o = &sim->orders[s];
        uint32_t next = o->next;
        if (o->req.side == hit) {
            bool through = hit == CX_SIDE_BID ? o->req.price_m > px : o->req.price_m < px;
            if (through) {
                o->queue_ahead_m = 0;
                if (left > 0)
                    left -= fill_resting(sim, inst, s, left, FILL_THROUGH);
            }
        }
        s = next;
    }
    /* Pass 2: the print is at our price: it eats the queue ahead first; the excess is ours. */
    for (uint32_t s = si->head; s != CX__SIM_NONE;) {
        struct cx__sim_order *o = &sim->orders[s];
        uint32_t next = o->next;
        if (o->req.side == hit && o->req.price_m == px) {
            int64_t ahead = o->queue_ahead_m;
            o->queue_ahead_m = ahead > qty ? ahead - qty : 0;
            o->traded_m += qty;
            int64_t excess = qty - ahead;
            if (excess > 0 && left > 0)
                left -= fill_resting(sim, inst, s, min64(excess, left), FILL_QUEUE);
        }
        s = next;
    }
}

/* ---------------------------------------------------------------------------------------------
 * MARK: depth changes
 * ------------------------------------------------------------------------------------------- */

/*
 * The probability that a decrease of the level not explained by trades was behind our order,
 * from the quantity ahead of it (front_m > 0) and behind it (back_m >= 0), mantissas at the
 * instrument's qty_exp; unit = 10^qty_exp converts them to the venue's quantity unit for the
 * log functions, which are not scale-free (the power functions only see the ratio). The
 * functions and their names are hftbacktest's (hftbacktest/src/backtest/models/queue.rs, trait
 * Probability; docs "Probability Queue Models"), n = queue_power:
 *   power  (PowerProbQueueFunc):  f(back) / (f(back) + f(front)),  f(x) = x^n
 *   log    (LogProbQueueFunc):    f(back) / (f(back) + f(front)),  f(x) = ln(1 + x)
 *   power2 (PowerProbQueueFunc2): f(back) / f(back + front),       f(x) = x^n
 *   log2   (LogProbQueueFunc2):   f(back) / f(back + front),       f(x) = ln(1 + x)
 *   power3 (PowerProbQueueFunc3): 1 - f(front / (front + back)),   f(x) = x^n
 * The power functions are evaluated on front / total and back / total (the same value for
 * power, power2 and power3, and no overflow for large quantities). A result that is not a
 * number in [0, 1] (cannot happen with front > 0) is taken as 1, as hftbacktest takes an
 * infinite one: the decrease is then credited to the back, the conservative side.
 */
static double prob_behind(uint8_t fn, double n, int64_t front_m, int64_t back_m, double unit)
{
    double front = (double)front_m, back = (double)back_m;
    double total = front + back;
    double p;
    switch (fn) {
    case CX_QUEUE_FN_LOG:
        p = log1p(back * unit) / (log1p(back * unit) + log1p(front * unit));
        break;
    case CX_QUEUE_FN_POWER2:
        p = pow(back / total, n);
        break;
    case CX_QUEUE_FN_LOG2:
        p = log1p(back * unit) / log1p(total * unit);
        break;
    case CX_QUEUE_FN_POWER3:
        p = 1.0 - pow(front / total, n);
        break;
    case CX_QUEUE_FN_POWER:
    default: {
        double ff = pow(front / total, n);
        double fb = pow(back / total, n);
        p = fb / (fb + ff);
        break;
    }
    }
    if (!(p >= 0.0 && p <= 1.0))
        p = 1.0;
    return p;
}

/*
 * The displayed quantity at our price went from o->level_qty_m to new_m.
 * Risk-averse (hftbacktest RiskAdverseQueueModel::depth): queue = min(queue, new). A shrinking
 * level can only be known to have removed orders ahead of us once it is smaller than our
 * estimate of the queue ahead.
 * Probabilistic (hftbacktest ProbQueueModel::depth): the decrease not explained by prints at
 * our price since the last change, d = prev - new - traded, is split between front = queue
 * ahead and back = prev - front. With p = prob_behind(front, back), the probability that the
 * decrease is behind us, the front shrinks by (1 - p) * d, plus whatever part of p * d exceeds
 * back (hftbacktest: front - (1 - p) * chg + min(back - p * chg, 0)). Then queue =
 * min(queue, new). With the power function, n = 2, front = 6, back = 2, d = 4:
 * p = 4 / 40 = 0.1, the queue ahead moves by 0.9 * 4 = 3.6, so 6 -> 2.4 (the advance is
 * rounded down to the quantity mantissa: conservative). Only the probability uses double;
 * quantities stay int64. inst gives the unit of the log functions (10^qty_exp per mantissa).
 */
static void queue_on_level_change(struct cx_sim *sim, const struct cx_instrument *inst,
                                  struct cx__sim_order *o, int64_t new_m, bool is_plain_delta)
{
    int64_t prev = o->level_qty_m;
    int64_t chg = prev - new_m - o->traded_m;
    o->level_qty_m = new_m;
    o->traded_m = 0;
    if (sim->queue_model == CX_QUEUE_PROB_POWER && is_plain_delta && chg > 0 &&
        o->queue_ahead_m > 0) {
        int64_t front = o->queue_ahead_m;
        int64_t back = prev - front > 0 ? prev - front : 0;
        double unit = pow(10.0, (double)inst->qty_exp);
        double p_back = prob_behind(sim->queue_function, sim->queue_power, front, back, unit);
        double d = (double)chg;
        double spill = p_back * d - (double)back;
        double adv = (1.0 - p_back) * d + (spill > 0.0 ? spill : 0.0);
        /* Round the advance down (stay behind), after a 1e-6-unit tolerance so that binary
         * fractions such as 0.9 * 4000 = 3599.9999999999995 count as the 3600 they are. */
        int64_t adv_m = adv >= (double)front ? front : (int64_t)floor(adv + 1e-6);
        if (adv_m > 0) {
            o->queue_ahead_m = front - adv_m;
            sim->stats.queue_cancel_moves++;
        }
    }
    if (o->queue_ahead_m > new_m)
        o->queue_ahead_m = new_m;
}

/* Resting orders the venue's touch now crosses fill at their price (maker); an order that
 * took liquidity on arrival is not crossed by the same book it took from (cross_guard). */
static void cross_resting(struct cx_sim *sim, const struct cx_instrument *inst,
                          struct cx__sim_inst *si)
{
    int64_t bid, ask, age;
    view_touch(sim, si, &bid, &ask, &age);
    for (uint32_t s = si->head; s != CX__SIM_NONE;) {
        struct cx__sim_order *o = &sim->orders[s];
        uint32_t next = o->next;
        bool is_crossed = o->req.side == CX_SIDE_BID ? ask != 0 && ask <= o->req.price_m
                                                     : bid != 0 && bid >= o->req.price_m;
        if (!is_crossed)
            o->cross_guard = false;
        else if (!o->cross_guard)
            (void)fill_resting(sim, inst, s, o->remaining_m, FILL_CROSS);
        s = next;
    }
}

void cx__sim_on_depth(struct cx_sim *sim, const struct cx_instrument *inst, bool is_snapshot)
{
    struct cx__sim_inst *si = &sim->inst[inst->id];
    const struct cx_book *book = si->book;
    bool is_synced = cx_book_state(book) == CX_BOOK_SYNCED;
    bool was_synced = si->was_synced;
    si->was_synced = is_synced;
    uint64_t last = cx_book_last_seq(book);
    if (last != si->depth_seq) {
        /* The book moved to a newer venue state: what was taken is in it (or never was). A
         * message the book did not apply (buffered, older, a gap) shows nothing new. */
        si->depth_seq = last;
        si->depth_venue_ns = sim->clock_ns;
        si->n_used = 0;
    }
    if (!is_synced || si->n_resting == 0)
        return;
    /* After a snapshot or a resync the change since the last level seen spans unknown time:
     * only the risk-averse clamp is safe then. */
    bool is_plain_delta = !is_snapshot && was_synced;
    for (uint32_t s = si->head; s != CX__SIM_NONE; s = sim->orders[s].next) {
        struct cx__sim_order *o = &sim->orders[s];
        int64_t level = cx__sim_level_qty(book, o->req.side, o->req.price_m);
        if (level != o->level_qty_m)
            queue_on_level_change(sim, inst, o, level, is_plain_delta);
    }
    cross_resting(sim, inst, si);
}

/*
 * A best bid and offer message (bookTicker). Kept when it is newer than the last one (update
 * id); the venue's touch comes from it while it is newer than the depth book (view_begin), and
 * only then does it clear the taken liquidity and cross resting orders.
 * Without quantities or with a side missing it is not a usable touch and is ignored. Queue
 * positions are not moved by it (they follow the depth book's level at our price).
 */
void cx__sim_on_bbo(struct cx_sim *sim, const struct cx_instrument *inst,
                    const struct cx_md_event *ev, int64_t venue_ns)
{
    struct cx__sim_inst *si = &sim->inst[inst->id];
    if ((ev->flags & CX_MD_F_NOQTY) || ev->u.bbo.bid_price_m <= 0 || ev->u.bbo.ask_price_m <= 0 ||
        ev->seq == 0 || (si->bbo.is_valid && ev->seq <= si->bbo.seq))
        return;
    si->bbo = (struct cx__sim_bbo){.bid_px_m = ev->u.bbo.bid_price_m,
                                   .bid_qty_m = ev->u.bbo.bid_qty_m,
                                   .ask_px_m = ev->u.bbo.ask_price_m,
                                   .ask_qty_m = ev->u.bbo.ask_qty_m,
                                   .seq = ev->seq,
                                   .venue_ns = venue_ns,
                                   .is_valid = true};
    sim->stats.bbo_updates++;
    if (!bbo_is_newer(si))
        return; /* older than the depth book: the venue's view did not change */
    si->n_used = 0; /* the venue's state after the taking */
    if (si->book != NULL && cx_book_state(si->book) == CX_BOOK_SYNCED && si->n_resting > 0)
        cross_resting(sim, inst, si);
}
