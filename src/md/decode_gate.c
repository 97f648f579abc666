/* SPDX-License-Identifier: MIT */
/*
 * Fast zero-copy decoder for Gate.io APIv4 market data (Gate APIv4 WebSocket docs for spot
 * and USDT futures, and the REST order book endpoints, checked 2025-05 against the bundled
 * cryptofeed captures of 2021-04 (spot) and 2023-05 (futures)).
 *
 * WebSocket envelope `{"time":s,("time_ms":ms,)"channel":..,"event":..,"result":..}`:
 *  - event "subscribe"/"unsubscribe": CX_MD_KIND_CONTROL; channel "spot.candlesticks" or
 *    "futures.candlesticks": CX_MD_KIND_IGNORED; any other event than "update": CX_ESTREAM.
 *  - spot.order_book_update / futures.order_book_update: result {"t":ms,"s","U","u","b","a"}
 *    -> CX_MD_DEPTH_DELTA per level (seq = u, seq_first = U); spot levels ["p","q"], futures
 *    levels {"p":"px","s":contracts} with integer JSON sizes.
 *  - spot.book_ticker / futures.book_ticker: {"t","u","s","b","B","a","A"} -> one CX_MD_BBO
 *    (seq = u; B/A are strings on spot, JSON numbers of contracts on futures).
 *  - spot.tickers: {"currency_pair","highest_bid","lowest_ask",..} -> one CX_MD_BBO with
 *    CX_MD_F_NOQTY, seq 0, exchange time from the envelope's time_ms (when > 0) or time (s).
 *  - spot.trades: one object {"id","create_time"(s),"create_time_ms"("ms.frac" string),"side":
 *    "buy"|"sell","currency_pair","amount","price"}; futures.trades: an array of {"id",
 *    "create_time"(s),"create_time_ms"(ms),"contract","size"(negative = sell),"price"}; one
 *    CX_MD_TRADE each, seq = id, time from create_time_ms (exact to the ns) else create_time.
 *    An empty futures trades array is CX_MD_KIND_IGNORED.
 * REST order book (rest_symbol != NULL): {"id",("current","update",)"asks","bids"} with the
 * venue's level shape -> CX_MD_DEPTH_SNAPSHOT, seq = seq_first = id, bids first; exchange time
 * from "current" (spot: ms, futures: seconds with a fraction), else 0.
 * Unknown keys are skipped, a known key twice is an error; the cJSON reference in
 * decode_ref.c implements the same rules.
 */
#include "json_scan.h"

enum gt_action { GT_NONE = 0, GT_CONTROL, GT_IGNORED, GT_DEPTH, GT_BBO, GT_TICKER, GT_TRADE };

#define KEY1 CX__JS_KEY1
#define KEYN CX__JS_KEYN

struct gt_msg {
    const struct cx_md_ctx *ctx;
    enum cx_venue venue;
    bool futures;
    int64_t local_ts_ns;
    struct cx_md_batch *out;
    uint32_t n;
    enum cx_md_kind kind;
    uint32_t inst_id;
};

/* What a channel/event pair means for this venue; CX_ESTREAM for anything unknown. */
static int gt_classify(struct cx__js *js, bool futures, const struct cx__js_tok *chan,
                       const struct cx__js_tok *event, enum gt_action *out)
{
    if (CX__JS_EQ(event, "subscribe") || CX__JS_EQ(event, "unsubscribe")) {
        *out = GT_CONTROL;
        return 0;
    }
    if (CX__JS_EQ(chan, "spot.candlesticks") || CX__JS_EQ(chan, "futures.candlesticks")) {
        *out = GT_IGNORED;
        return 0;
    }
    if (!CX__JS_EQ(event, "update"))
        return cx__js_fail(js, CX_ESTREAM, "unknown event", js->base + event->off, event->s,
                           event->n);
    enum gt_action a = GT_NONE;
    if (!futures) {
        if (CX__JS_EQ(chan, "spot.order_book_update"))
            a = GT_DEPTH;
        else if (CX__JS_EQ(chan, "spot.book_ticker"))
            a = GT_BBO;
        else if (CX__JS_EQ(chan, "spot.tickers"))
            a = GT_TICKER;
        else if (CX__JS_EQ(chan, "spot.trades"))
            a = GT_TRADE;
    } else {
        if (CX__JS_EQ(chan, "futures.order_book_update"))
            a = GT_DEPTH;
        else if (CX__JS_EQ(chan, "futures.book_ticker"))
            a = GT_BBO;
        else if (CX__JS_EQ(chan, "futures.trades"))
            a = GT_TRADE;
    }
    if (a == GT_NONE)
        return cx__js_fail(js, CX_ESTREAM, "unknown channel", js->base + chan->off, chan->s,
                           chan->n);
    *out = a;
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: levels
 * ------------------------------------------------------------------------------------------- */

static int gt_levels(struct gt_msg *m, struct cx__js *js, const struct cx__md_sym *sym,
                     uint32_t *io_n, uint16_t side)
{
    if (m->futures)
        return cx__js_levels_obj(js, sym, m->out, io_n, side, "p", "s", true);
    return cx__js_levels_pairs(js, sym, m->out, io_n, side);
}

/* ---------------------------------------------------------------------------------------------
 * MARK: order_book_update
 * ------------------------------------------------------------------------------------------- */

static int gt_depth(struct gt_msg *m, struct cx__js *js)
{
    enum { F_t = 1, F_s = 2, F_U = 4, F_u = 8, F_b = 16, F_a = 32 };
    unsigned seen = 0;
    uint64_t t_ms = 0, first_id = 0, last_id = 0;
    uint32_t t_off = 0;
    const char *b_at = NULL, *a_at = NULL;
    struct cx__md_sym sym = {0};
    struct cx__js_tok k, t;
    uint32_t n = m->n;
    int rc = cx__js_obj_open(js);
    if (rc < 0)
        return rc;
    while (rc == 0) {
        rc = cx__js_key(js, &k);
        if (rc != 0)
            return rc;
        unsigned f = 0;
        if (k.n == 1) {
            switch (k.s[0]) {
            case 't': f = F_t; break;
            case 's': f = F_s; break;
            case 'U': f = F_U; break;
            case 'u': f = F_u; break;
            case 'b': f = F_b; break;
            case 'a': f = F_a; break;
            default: break;
            }
        }
        if (f & seen)
            return cx__js_dup(js, &k);
        seen |= f;
        switch (f) {
        case F_t:
            t_off = (uint32_t)(js->p - js->base);
            rc = cx__js_u64(js, &t_ms, "expected unsigned integer for time", &k);
            break;
        case F_U:
            rc = cx__js_u64(js, &first_id, "expected unsigned integer for update id", &k);
            break;
        case F_u:
            rc = cx__js_u64(js, &last_id, "expected unsigned integer for update id", &k);
            break;
        case F_s:
            rc = cx__js_string(js, &t, "expected string for symbol", &k);
            if (rc == 0)
                rc = cx__js_resolve(js, m->ctx, m->venue, &t, &sym);
            break;
        case F_b:
        case F_a:
            if (*js->p != '[') {
                rc = cx__js_type_err(js, "expected array for levels", &k);
            } else if ((seen & F_s) && (f == F_b || ((seen & F_b) && b_at == NULL))) {
                rc = gt_levels(m, js, &sym, &n, f == F_b ? 0 : (uint16_t)CX_MD_F_ASK);
            } else {
                if (f == F_b)
                    b_at = js->p;
                else
                    a_at = js->p;
                rc = cx__js_skip(js, 2);
            }
            break;
        default: rc = cx__js_skip(js, 2); break;
        }
        if (rc != 0)
            return rc;
        rc = cx__js_obj_next(js);
    }
    if (rc < 0)
        return rc;
    static const struct {
        unsigned f;
        const char *name;
    } req[] = {{F_t, "t"}, {F_s, "s"}, {F_U, "U"}, {F_u, "u"}, {F_b, "b"}, {F_a, "a"}};
    for (size_t i = 0; i < sizeof req / sizeof req[0]; i++)
        if (!(seen & req[i].f))
            return cx__js_missing(js, req[i].name);
    if (b_at != NULL || a_at != NULL) {
        const char *after = js->p;
        if (b_at != NULL) {
            js->p = b_at;
            rc = gt_levels(m, js, &sym, &n, 0);
            if (rc != 0)
                return rc;
        }
        if (a_at != NULL) {
            js->p = a_at;
            rc = gt_levels(m, js, &sym, &n, CX_MD_F_ASK);
            if (rc != 0)
                return rc;
        }
        js->p = after;
    }
    if (n == 0) {
        rc = cx__js_nolevel(js, m->out, &n);
        if (rc != 0)
            return rc;
    }
    int64_t exch_ns = 0;
    rc = cx__js_ms_to_ns(js, t_ms, t_off, &exch_ns);
    if (rc != 0)
        return rc;
    cx__js_finish_levels(m->out->ev, n, CX_MD_DEPTH_DELTA, sym.inst_id, exch_ns, m->local_ts_ns,
                         last_id, first_id, 0, 0);
    m->n = n;
    m->kind = CX_MD_KIND_DEPTH;
    m->inst_id = sym.inst_id;
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: book_ticker and tickers
 * ------------------------------------------------------------------------------------------- */

static int gt_bbo(struct gt_msg *m, struct cx__js *js)
{
    enum { F_t = 1, F_u = 2, F_s = 4, F_b = 8, F_B = 16, F_a = 32, F_A = 64 };
    unsigned seen = 0;
    uint64_t t_ms = 0, upd = 0;
    uint32_t t_off = 0;
    struct cx__js_tok k, sym_t = {0}, bp = {0}, bq = {0}, ap = {0}, aq = {0};
    int rc = cx__js_obj_open(js);
    if (rc < 0)
        return rc;
    while (rc == 0) {
        rc = cx__js_key(js, &k);
        if (rc != 0)
            return rc;
        unsigned f = 0;
        if (k.n == 1) {
            switch (k.s[0]) {
            case 't': f = F_t; break;
            case 'u': f = F_u; break;
            case 's': f = F_s; break;
            case 'b': f = F_b; break;
            case 'B': f = F_B; break;
            case 'a': f = F_a; break;
            case 'A': f = F_A; break;
            default: break;
            }
        }
        if (f & seen)
            return cx__js_dup(js, &k);
        seen |= f;
        switch (f) {
        case F_t:
            t_off = (uint32_t)(js->p - js->base);
            rc = cx__js_u64(js, &t_ms, "expected unsigned integer for time", &k);
            break;
        case F_u:
            rc = cx__js_u64(js, &upd, "expected unsigned integer for update id", &k);
            break;
        case F_s: rc = cx__js_string(js, &sym_t, "expected string for symbol", &k); break;
        case F_b: rc = cx__js_string(js, &bp, "expected string for price", &k); break;
        case F_a: rc = cx__js_string(js, &ap, "expected string for price", &k); break;
        case F_B:
        case F_A: {
            struct cx__js_tok *q = f == F_B ? &bq : &aq;
            if (m->futures)
                rc = cx__js_number(js, q, "expected number for size", &k);
            else
                rc = cx__js_string(js, q, "expected string for quantity", &k);
            break;
        }
        default: rc = cx__js_skip(js, 2); break;
        }
        if (rc != 0)
            return rc;
        rc = cx__js_obj_next(js);
    }
    if (rc < 0)
        return rc;
    static const struct {
        unsigned f;
        const char *name;
    } req[] = {{F_t, "t"}, {F_u, "u"}, {F_s, "s"}, {F_b, "b"}, {F_B, "B"}, {F_a, "a"}, {F_A, "A"}};
    for (size_t i = 0; i < sizeof req / sizeof req[0]; i++)
        if (!(seen & req[i].f))
            return cx__js_missing(js, req[i].name);
    struct cx__md_sym sym;
    struct cx_md_event *e = NULL;
    int64_t exch_ns = 0;
    uint32_t n = m->n;
    rc = cx__js_resolve(js, m->ctx, m->venue, &sym_t, &sym);
    if (rc != 0)
        return rc;
    rc = cx__js_push(js, m->out, &n, js->p - 1, &e);
    if (rc != 0)
        return rc;
    rc = cx__js_conv(js, &sym, &bp, true, &e->u.bbo.bid_price_m);
    if (rc != 0)
        return rc;
    rc = cx__js_conv(js, &sym, &bq, false, &e->u.bbo.bid_qty_m);
    if (rc != 0)
        return rc;
    rc = cx__js_conv(js, &sym, &ap, true, &e->u.bbo.ask_price_m);
    if (rc != 0)
        return rc;
    rc = cx__js_conv(js, &sym, &aq, false, &e->u.bbo.ask_qty_m);
    if (rc != 0)
        return rc;
    rc = cx__js_ms_to_ns(js, t_ms, t_off, &exch_ns);
    if (rc != 0)
        return rc;
    e->exch_ts_ns = exch_ns;
    e->local_ts_ns = m->local_ts_ns;
    e->seq = upd;
    e->inst_id = sym.inst_id;
    e->type = CX_MD_BBO;
    e->stream = 0;
    e->flags = CX_MD_F_SINGLE;
    m->n = n;
    m->kind = CX_MD_KIND_BBO;
    m->inst_id = sym.inst_id;
    return 0;
}

/* spot.tickers: best prices only; the exchange time is filled in by the caller. */
static int gt_ticker(struct gt_msg *m, struct cx__js *js)
{
    enum { F_pair = 1, F_bid = 2, F_ask = 4 };
    unsigned seen = 0;
    struct cx__js_tok k, sym_t = {0}, bp = {0}, ap = {0};
    int rc = cx__js_obj_open(js);
    if (rc < 0)
        return rc;
    while (rc == 0) {
        rc = cx__js_key(js, &k);
        if (rc != 0)
            return rc;
        unsigned f = KEYN(k, "currency_pair") ? F_pair
                     : KEYN(k, "highest_bid") ? F_bid
                     : KEYN(k, "lowest_ask")  ? F_ask
                                              : 0;
        if (f & seen)
            return cx__js_dup(js, &k);
        seen |= f;
        switch (f) {
        case F_pair: rc = cx__js_string(js, &sym_t, "expected string for symbol", &k); break;
        case F_bid: rc = cx__js_string(js, &bp, "expected string for price", &k); break;
        case F_ask: rc = cx__js_string(js, &ap, "expected string for price", &k); break;
        default: rc = cx__js_skip(js, 2); break;
        }
        if (rc != 0)
            return rc;
        rc = cx__js_obj_next(js);
    }
    if (rc < 0)
        return rc;
    if (!(seen & F_pair))
        return cx__js_missing(js, "currency_pair");
    if (!(seen & F_bid))
        return cx__js_missing(js, "highest_bid");
    if (!(seen & F_ask))
        return cx__js_missing(js, "lowest_ask");
    struct cx__md_sym sym;
    struct cx_md_event *e = NULL;
    uint32_t n = m->n;
    rc = cx__js_resolve(js, m->ctx, m->venue, &sym_t, &sym);
    if (rc != 0)
        return rc;
    rc = cx__js_push(js, m->out, &n, js->p - 1, &e);
    if (rc != 0)
        return rc;
    rc = cx__js_conv(js, &sym, &bp, true, &e->u.bbo.bid_price_m);
    if (rc != 0)
        return rc;
    rc = cx__js_conv(js, &sym, &ap, true, &e->u.bbo.ask_price_m);
    if (rc != 0)
        return rc;
    e->exch_ts_ns = 0;
    e->local_ts_ns = m->local_ts_ns;
    e->seq = 0;
    e->inst_id = sym.inst_id;
    e->type = CX_MD_BBO;
    e->stream = 0;
    e->flags = CX_MD_F_SINGLE | CX_MD_F_NOQTY;
    e->u.bbo.bid_qty_m = 0;
    e->u.bbo.ask_qty_m = 0;
    m->n = n;
    m->kind = CX_MD_KIND_TICKER;
    m->inst_id = sym.inst_id;
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: trades
 * ------------------------------------------------------------------------------------------- */

/* One trade object (spot: the whole result; futures: one array element). On the first trade
 * of a message the symbol is resolved into *sym and remembered in first_sym. */
struct gt_trade_ctx {
    struct cx__md_sym sym;
    bool have_sym;
    char first_sym[CX__JS_UNESC_MAX];
    size_t first_sym_n;
};

static int gt_trade_obj(struct gt_msg *m, struct cx__js *js, struct gt_trade_ctx *tc,
                        uint32_t *io_n)
{
    enum { F_id = 1, F_ct = 2, F_ctms = 4, F_side = 8, F_sym = 16, F_qty = 32, F_px = 64 };
    unsigned seen = 0;
    uint64_t id = 0, ct_s = 0, ct_ms_u = 0;
    uint32_t ct_off = 0;
    struct cx__js_tok k, ctms = {0}, side = {0}, sym_t = {0}, qty = {0}, px = {0};
    const char *obj = js->p;
    if (*js->p != '{')
        return cx__js_type_err(js, "expected object for a trade", NULL);
    int rc = cx__js_obj_open(js);
    while (rc == 0) {
        rc = cx__js_key(js, &k);
        if (rc != 0)
            return rc;
        unsigned f;
        if (KEYN(k, "id"))
            f = F_id;
        else if (KEYN(k, "create_time"))
            f = F_ct;
        else if (KEYN(k, "create_time_ms"))
            f = F_ctms;
        else if (KEYN(k, "price"))
            f = F_px;
        else if (!m->futures)
            f = KEYN(k, "side") ? F_side : KEYN(k, "currency_pair") ? F_sym
                                       : KEYN(k, "amount")          ? F_qty
                                                                    : 0;
        else
            f = KEYN(k, "contract") ? F_sym : KEYN(k, "size") ? F_qty : 0;
        if (f & seen)
            return cx__js_dup(js, &k);
        seen |= f;
        switch (f) {
        case F_id: rc = cx__js_u64(js, &id, "expected unsigned integer for trade id", &k); break;
        case F_ct:
            ct_off = (uint32_t)(js->p - js->base);
            rc = cx__js_u64(js, &ct_s, "expected unsigned integer for create_time", &k);
            break;
        case F_ctms:
            /* Spot: "ms.fraction" string; futures: integer ms. */
            if (m->futures) {
                ctms.off = (uint32_t)(js->p - js->base);
                rc = cx__js_u64(js, &ct_ms_u, "expected unsigned integer for create_time_ms",
                                &k);
            } else {
                rc = cx__js_string(js, &ctms, "expected string for create_time_ms", &k);
            }
            break;
        case F_side: rc = cx__js_string(js, &side, "expected string for side", &k); break;
        case F_sym: rc = cx__js_string(js, &sym_t, "expected string for symbol", &k); break;
        case F_px: rc = cx__js_string(js, &px, "expected string for price", &k); break;
        case F_qty:
            if (m->futures)
                rc = cx__js_number(js, &qty, "expected number for size", &k);
            else
                rc = cx__js_string(js, &qty, "expected string for quantity", &k);
            break;
        default: rc = cx__js_skip(js, 3); break;
        }
        if (rc != 0)
            return rc;
        rc = cx__js_obj_next(js);
    }
    if (rc < 0)
        return rc;
    if (!(seen & F_id))
        return cx__js_missing(js, "id");
    if (!(seen & F_sym))
        return cx__js_missing(js, m->futures ? "contract" : "currency_pair");
    if (!(seen & F_qty))
        return cx__js_missing(js, m->futures ? "size" : "amount");
    if (!(seen & F_px))
        return cx__js_missing(js, "price");
    if (!m->futures && !(seen & F_side))
        return cx__js_missing(js, "side");
    if (!(seen & (F_ct | F_ctms)))
        return cx__js_missing(js, "create_time_ms");

    /* Symbol: resolved once, then every trade of the message must name the same one. */
    char buf[CX__JS_UNESC_MAX];
    const char *ss = NULL;
    size_t sn = 0;
    rc = cx__js_content(js, &sym_t, buf, &ss, &sn);
    if (rc != 0)
        return rc;
    if (!tc->have_sym) {
        rc = cx__js_resolve(js, m->ctx, m->venue, &sym_t, &tc->sym);
        if (rc != 0)
            return rc;
        memcpy(tc->first_sym, ss, sn);
        tc->first_sym_n = sn;
        tc->have_sym = true;
    } else if (sn != tc->first_sym_n || memcmp(ss, tc->first_sym, sn) != 0) {
        return cx__js_fail(js, CX_EPARSE, "trades for more than one symbol in one message",
                           js->base + sym_t.off, ss, sn);
    }

    uint16_t flags = 0;
    struct cx__js_tok qabs = qty;
    if (m->futures) {
        /* size < 0: the taker sold (Gate futures trades: "size: trading size, negative means
         * sell"). The quantity is the magnitude. */
        if (qty.n > 0 && qty.s[0] == '-') {
            qabs.s++;
            qabs.n--;
        } else {
            flags = CX_MD_F_BUY_TAKER;
        }
    } else if (CX__JS_EQ(&side, "buy")) {
        flags = CX_MD_F_BUY_TAKER;
    } else if (!CX__JS_EQ(&side, "sell")) {
        return cx__js_fail(js, CX_EPARSE, "side must be \"buy\" or \"sell\"",
                           js->base + side.off, side.s, side.n);
    }

    int64_t exch_ns = 0;
    if (seen & F_ctms) {
        if (m->futures) {
            rc = cx__js_ms_to_ns(js, ct_ms_u, ctms.off, &exch_ns);
        } else {
            const char *ts = NULL;
            size_t tn = 0;
            char tbuf[CX__JS_UNESC_MAX];
            rc = cx__js_content(js, &ctms, tbuf, &ts, &tn);
            if (rc == 0)
                rc = cx__js_dec_ts(js, ts, tn, ctms.off, -6, &exch_ns);
        }
    } else {
        rc = cx__js_s_to_ns(js, ct_s, ct_off, &exch_ns);
    }
    if (rc != 0)
        return rc;

    struct cx_md_event *e = NULL;
    rc = cx__js_push(js, m->out, io_n, obj, &e);
    if (rc != 0)
        return rc;
    rc = cx__js_conv(js, &tc->sym, &px, true, &e->u.trade.price_m);
    if (rc != 0)
        return rc;
    rc = cx__js_conv(js, &tc->sym, &qabs, false, &e->u.trade.qty_m);
    if (rc != 0)
        return rc;
    e->exch_ts_ns = exch_ns;
    e->local_ts_ns = m->local_ts_ns;
    e->seq = id;
    e->inst_id = tc->sym.inst_id;
    e->type = CX_MD_TRADE;
    e->stream = 0;
    e->flags = flags;
    e->u.trade.pad0 = 0;
    e->u.trade.pad1 = 0;
    return 0;
}

static int gt_trades(struct gt_msg *m, struct cx__js *js)
{
    struct gt_trade_ctx tc = {0};
    uint32_t n = m->n, first = m->n;
    int rc;
    if (!m->futures) {
        rc = gt_trade_obj(m, js, &tc, &n);
        if (rc != 0)
            return rc;
    } else {
        rc = cx__js_arr_open(js);
        while (rc == 0) {
            rc = gt_trade_obj(m, js, &tc, &n);
            if (rc != 0)
                return rc;
            rc = cx__js_arr_next(js);
        }
        if (rc < 0)
            return rc;
    }
    if (n == first) {
        m->kind = CX_MD_KIND_IGNORED;
        m->inst_id = UINT32_MAX;
        return 0;
    }
    m->out->ev[first].flags |= CX_MD_F_BEGIN;
    m->out->ev[n - 1].flags |= CX_MD_F_END;
    m->n = n;
    m->kind = CX_MD_KIND_TRADE;
    m->inst_id = tc.sym.inst_id;
    return 0;
}

static int gt_result(struct gt_msg *m, struct cx__js *js, enum gt_action a,
                     const struct cx__js_tok *key)
{
    switch (a) {
    case GT_DEPTH:
    case GT_BBO:
    case GT_TICKER:
        if (*js->p != '{')
            return cx__js_type_err(js, "expected object for result", key);
        return a == GT_DEPTH ? gt_depth(m, js) : a == GT_BBO ? gt_bbo(m, js) : gt_ticker(m, js);
    case GT_TRADE:
        if (*js->p != (m->futures ? '[' : '{'))
            return cx__js_type_err(js,
                                   m->futures ? "expected array for result"
                                              : "expected object for result",
                                   key);
        return gt_trades(m, js);
    default: return cx__js_skip(js, 1);
    }
}

/* ---------------------------------------------------------------------------------------------
 * MARK: REST order book
 * ------------------------------------------------------------------------------------------- */

static int gt_rest(struct gt_msg *m, struct cx__js *js, const char *rest_symbol, size_t rest_len)
{
    enum { F_id = 1, F_current = 2, F_update = 4, F_asks = 8, F_bids = 16 };
    unsigned seen = 0;
    uint64_t id = 0;
    const char *asks_at = NULL;
    struct cx__md_sym sym = {0};
    bool have_sym = false;
    struct cx__js_tok k, current = {0}, ignored;
    uint32_t n = m->n;
    int rc = cx__js_begin(js);
    if (rc < 0)
        return rc;
    while (rc == 0) {
        rc = cx__js_key(js, &k);
        if (rc != 0)
            return rc;
        unsigned f = KEYN(k, "id")        ? F_id
                     : KEYN(k, "current") ? F_current
                     : KEYN(k, "update")  ? F_update
                     : KEYN(k, "asks")    ? F_asks
                     : KEYN(k, "bids")    ? F_bids
                                          : 0;
        if (f & seen)
            return cx__js_dup(js, &k);
        seen |= f;
        switch (f) {
        case F_id: rc = cx__js_u64(js, &id, "expected unsigned integer for id", &k); break;
        case F_current:
            rc = cx__js_number(js, &current, "expected number for current", &k);
            break;
        case F_update: rc = cx__js_number(js, &ignored, "expected number for update", &k); break;
        case F_asks:
        case F_bids:
            if (*js->p != '[') {
                rc = cx__js_type_err(js, "expected array for levels", &k);
                break;
            }
            if (!have_sym) {
                rc = cx__md_resolve(m->ctx, m->venue, rest_symbol, rest_len, &sym, js->err);
                if (rc != 0)
                    return cx__js_fail(js, rc,
                                       js->err != NULL ? js->err->msg : "unknown instrument",
                                       js->p, rest_symbol, rest_len);
                have_sym = true;
            }
            if (f == F_bids || (seen & F_bids)) {
                rc = gt_levels(m, js, &sym, &n, f == F_bids ? 0 : (uint16_t)CX_MD_F_ASK);
            } else {
                asks_at = js->p;
                rc = cx__js_skip(js, 1);
            }
            break;
        default: rc = cx__js_skip(js, 1); break;
        }
        if (rc != 0)
            return rc;
        rc = cx__js_obj_next(js);
    }
    if (rc < 0)
        return rc;
    const char *close_at = js->p - 1;
    rc = cx__js_end(js);
    if (rc != 0)
        return rc;
    js->p = close_at + 1;
    if (!(seen & F_id))
        return cx__js_missing(js, "id");
    if (!(seen & F_bids))
        return cx__js_missing(js, "bids");
    if (!(seen & F_asks))
        return cx__js_missing(js, "asks");
    if (asks_at != NULL) {
        js->p = asks_at;
        rc = gt_levels(m, js, &sym, &n, CX_MD_F_ASK);
        if (rc != 0)
            return rc;
    }
    if (n == 0) {
        rc = cx__js_nolevel(js, m->out, &n);
        if (rc != 0)
            return rc;
    }
    int64_t exch_ns = 0;
    /* "current": spot in ms (integer), futures in seconds with a fraction (Gate APIv4
     * order_book responses). Converted exactly; finer than 1 ns is an error. */
    if (seen & F_current) {
        rc = cx__js_dec_ts(js, current.s, current.n, current.off, m->futures ? -9 : -6, &exch_ns);
        if (rc != 0)
            return rc;
    }
    cx__js_finish_levels(m->out->ev, n, CX_MD_DEPTH_SNAPSHOT, sym.inst_id, exch_ns,
                         m->local_ts_ns, id, id, 0, 0);
    m->n = n;
    m->kind = CX_MD_KIND_SNAPSHOT;
    m->inst_id = sym.inst_id;
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: entry point
 * ------------------------------------------------------------------------------------------- */

int cx_md_decode_gate(const struct cx_md_ctx *ctx, const char *json, size_t n,
                      enum cx_venue venue, const char *rest_symbol, size_t rest_symbol_len,
                      int64_t local_ts_ns, struct cx_md_batch *out, struct cx_parse_err *err)
{
    enum { K_TIME = 1, K_TIME_MS = 2, K_CHANNEL = 4, K_EVENT = 8, K_RESULT = 16 };
    int rc = cx__js_args(ctx, json, n, out, err);
    if (rc != 0)
        return rc;
    if (venue != CX_VENUE_GATE_SPOT && venue != CX_VENUE_GATE_FUTURES)
        return cx_parse_err_set(err, CX_EINVAL, "not a Gate venue", NULL, 0);
    struct cx__js js;
    js.base = json != NULL ? json : "";
    js.p = js.base;
    js.end = js.base + n;
    js.err = err;
    struct gt_msg m = {.ctx = ctx, .venue = venue, .futures = venue == CX_VENUE_GATE_FUTURES,
                       .local_ts_ns = local_ts_ns, .out = out, .kind = CX_MD_KIND_CONTROL,
                       .inst_id = UINT32_MAX};
    if (rest_symbol != NULL) {
        rc = gt_rest(&m, &js, rest_symbol, rest_symbol_len);
        if (rc != 0)
            return rc;
        cx__js_done(out, m.n, m.kind, venue, m.inst_id, local_ts_ns);
        return 0;
    }

    unsigned seen = 0;
    enum gt_action action = GT_NONE;
    uint64_t time_s = 0, time_ms = 0;
    uint32_t time_off = 0, time_ms_off = 0;
    const char *result_at = NULL;
    struct cx__js_tok k, chan = {0}, event = {0}, result_key = {0};

    rc = cx__js_begin(&js);
    if (rc < 0)
        return rc;
    while (rc == 0) {
        rc = cx__js_key(&js, &k);
        if (rc != 0)
            return rc;
        unsigned f = KEYN(k, "time")      ? K_TIME
                     : KEYN(k, "time_ms") ? K_TIME_MS
                     : KEYN(k, "channel") ? K_CHANNEL
                     : KEYN(k, "event")   ? K_EVENT
                     : KEYN(k, "result")  ? K_RESULT
                                          : 0;
        if (f & seen)
            return cx__js_dup(&js, &k);
        seen |= f;
        switch (f) {
        case K_TIME:
            time_off = (uint32_t)(js.p - js.base);
            rc = cx__js_u64(&js, &time_s, "expected unsigned integer for time", &k);
            break;
        case K_TIME_MS:
            time_ms_off = (uint32_t)(js.p - js.base);
            rc = cx__js_u64(&js, &time_ms, "expected unsigned integer for time_ms", &k);
            break;
        case K_CHANNEL:
        case K_EVENT:
            rc = cx__js_string(&js, f == K_CHANNEL ? &chan : &event,
                               f == K_CHANNEL ? "expected string for channel"
                                              : "expected string for event",
                               &k);
            if (rc == 0 && (seen & K_CHANNEL) && (seen & K_EVENT))
                rc = gt_classify(&js, m.futures, &chan, &event, &action);
            break;
        case K_RESULT:
            if (action != GT_NONE) {
                rc = gt_result(&m, &js, action, &k);
            } else {
                result_at = js.p;
                result_key = k;
                rc = cx__js_skip(&js, 1);
            }
            break;
        default: rc = cx__js_skip(&js, 1); break;
        }
        if (rc != 0)
            return rc;
        rc = cx__js_obj_next(&js);
    }
    if (rc < 0)
        return rc;
    const char *close_at = js.p - 1;
    rc = cx__js_end(&js);
    if (rc != 0)
        return rc;
    js.p = close_at + 1;
    if (!(seen & K_CHANNEL))
        return cx__js_missing(&js, "channel");
    if (!(seen & K_EVENT))
        return cx__js_missing(&js, "event");
    if (action != GT_CONTROL && action != GT_IGNORED && !(seen & K_RESULT))
        return cx__js_missing(&js, "result");
    if (result_at != NULL) {
        js.p = result_at;
        rc = gt_result(&m, &js, action, &result_key);
        if (rc != 0)
            return rc;
    }
    if (action == GT_IGNORED) {
        m.kind = CX_MD_KIND_IGNORED;
        m.n = 0;
        m.inst_id = UINT32_MAX;
    } else if (action == GT_TICKER) {
        int64_t exch_ns = 0;
        if (time_ms > 0)
            rc = cx__js_ms_to_ns(&js, time_ms, time_ms_off, &exch_ns);
        else if (seen & K_TIME)
            rc = cx__js_s_to_ns(&js, time_s, time_off, &exch_ns);
        if (rc != 0)
            return rc;
        out->ev[0].exch_ts_ns = exch_ns;
    }
    cx__js_done(out, m.n, m.kind, venue, m.inst_id, local_ts_ns);
    return 0;
}
