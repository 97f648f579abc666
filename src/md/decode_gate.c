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
 * tests/support/decode_ref.c implements the same rules.
 */
#include "json_scan.h"

enum gt_action { GT_NONE = 0, GT_CONTROL, GT_IGNORED, GT_DEPTH, GT_BBO, GT_TICKER, GT_TRADE };

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
    enum { F_t, F_s, F_U, F_u, F_b, F_a };
    static const struct cx__js_key k_depth[] = {
        [F_t] = CX__JS_KEY("t"), [F_s] = CX__JS_KEY("s"), [F_U] = CX__JS_KEY("U"),
        [F_u] = CX__JS_KEY("u"), [F_b] = CX__JS_KEY("b"), [F_a] = CX__JS_KEY("a")};
    uint64_t t_ms = 0, first_id = 0, last_id = 0;
    uint32_t t_off = 0;
    const char *b_at = NULL, *a_at = NULL;
    struct cx__md_sym sym = {0};
    struct cx__js_tok k, t;
    uint32_t n = m->n;
    int rc = 0;
    struct cx__js_fields o = cx__js_fields(k_depth, CX__JS_NKEYS(k_depth), 2, cx__js_obj_open(js));
    for (int f = cx__js_next_field(js, &o, &k); f != CX__JS_DONE;
         f = cx__js_next_field(js, &o, &k)) {
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
            } else if ((o.seen & CX__JS_BIT(F_s)) &&
                       (f == F_b || ((o.seen & CX__JS_BIT(F_b)) && b_at == NULL))) {
                rc = gt_levels(m, js, &sym, &n, f == F_b ? 0 : (uint16_t)CX_MD_F_ASK);
            } else {
                if (f == F_b)
                    b_at = js->p;
                else
                    a_at = js->p;
                rc = cx__js_skip(js, 2);
            }
            break;
        }
        if (rc != 0)
            return rc;
    }
    rc = cx__js_fields_require(js, &o, UINT32_MAX);
    if (rc != 0)
        return rc;
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
    enum { F_t, F_u, F_s, F_b, F_B, F_a, F_A };
    static const struct cx__js_key k_bbo[] = {
        [F_t] = CX__JS_KEY("t"), [F_u] = CX__JS_KEY("u"), [F_s] = CX__JS_KEY("s"),
        [F_b] = CX__JS_KEY("b"), [F_B] = CX__JS_KEY("B"), [F_a] = CX__JS_KEY("a"),
        [F_A] = CX__JS_KEY("A")};
    uint64_t t_ms = 0, upd = 0;
    uint32_t t_off = 0;
    struct cx__js_tok k, sym_t = {0}, bp = {0}, bq = {0}, ap = {0}, aq = {0};
    int rc = 0;
    struct cx__js_fields o = cx__js_fields(k_bbo, CX__JS_NKEYS(k_bbo), 2, cx__js_obj_open(js));
    for (int f = cx__js_next_field(js, &o, &k); f != CX__JS_DONE;
         f = cx__js_next_field(js, &o, &k)) {
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
        }
        if (rc != 0)
            return rc;
    }
    rc = cx__js_fields_require(js, &o, UINT32_MAX);
    if (rc != 0)
        return rc;
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
    enum { F_pair, F_bid, F_ask };
    static const struct cx__js_key k_ticker[] = {[F_pair] = CX__JS_KEY("currency_pair"),
                                                 [F_bid] = CX__JS_KEY("highest_bid"),
                                                 [F_ask] = CX__JS_KEY("lowest_ask")};
    struct cx__js_tok k, sym_t = {0}, bp = {0}, ap = {0};
    int rc = 0;
    struct cx__js_fields o =
        cx__js_fields(k_ticker, CX__JS_NKEYS(k_ticker), 2, cx__js_obj_open(js));
    for (int f = cx__js_next_field(js, &o, &k); f != CX__JS_DONE;
         f = cx__js_next_field(js, &o, &k)) {
        switch (f) {
        case F_pair: rc = cx__js_string(js, &sym_t, "expected string for symbol", &k); break;
        case F_bid: rc = cx__js_string(js, &bp, "expected string for price", &k); break;
        case F_ask: rc = cx__js_string(js, &ap, "expected string for price", &k); break;
        }
        if (rc != 0)
            return rc;
    }
    rc = cx__js_fields_require(js, &o, UINT32_MAX);
    if (rc != 0)
        return rc;
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
    /* Spot and futures name the symbol and quantity differently and only spot has "side" (the
     * last row, so the futures table is one row shorter); required keys come first. */
    enum { F_id, F_sym, F_qty, F_px, F_ct, F_ctms, F_side };
    static const struct cx__js_key k_spot[] = {
        [F_id] = CX__JS_KEY("id"), [F_sym] = CX__JS_KEY("currency_pair"),
        [F_qty] = CX__JS_KEY("amount"), [F_px] = CX__JS_KEY("price"),
        [F_ct] = CX__JS_KEY("create_time"), [F_ctms] = CX__JS_KEY("create_time_ms"),
        [F_side] = CX__JS_KEY("side")};
    static const struct cx__js_key k_futures[] = {
        [F_id] = CX__JS_KEY("id"), [F_sym] = CX__JS_KEY("contract"),
        [F_qty] = CX__JS_KEY("size"), [F_px] = CX__JS_KEY("price"),
        [F_ct] = CX__JS_KEY("create_time"), [F_ctms] = CX__JS_KEY("create_time_ms")};
    const struct cx__js_key *keys = m->futures ? k_futures : k_spot;
    const unsigned nkeys = m->futures ? CX__JS_NKEYS(k_futures) : CX__JS_NKEYS(k_spot);
    uint64_t id = 0, ct_s = 0, ct_ms_u = 0;
    uint32_t ct_off = 0;
    struct cx__js_tok k, ctms = {0}, side = {0}, sym_t = {0}, qty = {0}, px = {0};
    const char *obj = js->p;
    if (*js->p != '{')
        return cx__js_type_err(js, "expected object for a trade", NULL);
    int rc = 0;
    struct cx__js_fields o = cx__js_fields(keys, nkeys, 3, cx__js_obj_open(js));
    for (int f = cx__js_next_field(js, &o, &k); f != CX__JS_DONE;
         f = cx__js_next_field(js, &o, &k)) {
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
        }
        if (rc != 0)
            return rc;
    }
    rc = cx__js_fields_require(js, &o, CX__JS_ROWS_BEFORE(F_ct) | CX__JS_BIT(F_side));
    if (rc != 0)
        return rc;
    if (!(o.seen & (CX__JS_BIT(F_ct) | CX__JS_BIT(F_ctms))))
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
    if (o.seen & CX__JS_BIT(F_ctms)) {
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
    enum { F_id, F_bids, F_asks, F_current, F_update };
    static const struct cx__js_key k_book[] = {
        [F_id] = CX__JS_KEY("id"), [F_bids] = CX__JS_KEY("bids"), [F_asks] = CX__JS_KEY("asks"),
        [F_current] = CX__JS_KEY("current"), [F_update] = CX__JS_KEY("update")};
    uint64_t id = 0;
    const char *asks_at = NULL;
    struct cx__md_sym sym = {0};
    bool have_sym = false;
    struct cx__js_tok k, current = {0}, ignored;
    uint32_t n = m->n;
    int rc = 0;
    struct cx__js_fields o = cx__js_fields(k_book, CX__JS_NKEYS(k_book), 1, cx__js_begin(js));
    for (int f = cx__js_next_field(js, &o, &k); f != CX__JS_DONE;
         f = cx__js_next_field(js, &o, &k)) {
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
            if (f == F_bids || (o.seen & CX__JS_BIT(F_bids))) {
                rc = gt_levels(m, js, &sym, &n, f == F_bids ? 0 : (uint16_t)CX_MD_F_ASK);
            } else {
                asks_at = js->p;
                rc = cx__js_skip(js, 1);
            }
            break;
        }
        if (rc != 0)
            return rc;
    }
    rc = cx__js_fields_error(&o);
    if (rc != 0)
        return rc;
    const char *close_at = js->p - 1;
    rc = cx__js_end(js);
    if (rc != 0)
        return rc;
    js->p = close_at + 1;
    rc = cx__js_fields_require(js, &o, CX__JS_ROWS_BEFORE(F_current));
    if (rc != 0)
        return rc;
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
    if (o.seen & CX__JS_BIT(F_current)) {
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
    enum { K_CHANNEL, K_EVENT, K_RESULT, K_TIME, K_TIME_MS };
    static const struct cx__js_key k_top[] = {
        [K_CHANNEL] = CX__JS_KEY("channel"), [K_EVENT] = CX__JS_KEY("event"),
        [K_RESULT] = CX__JS_KEY("result"), [K_TIME] = CX__JS_KEY("time"),
        [K_TIME_MS] = CX__JS_KEY("time_ms")};
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

    enum gt_action action = GT_NONE;
    uint64_t time_s = 0, time_ms = 0;
    uint32_t time_off = 0, time_ms_off = 0;
    const char *result_at = NULL;
    struct cx__js_tok k, chan = {0}, event = {0}, result_key = {0};

    struct cx__js_fields o = cx__js_fields(k_top, CX__JS_NKEYS(k_top), 1, cx__js_begin(&js));
    for (int f = cx__js_next_field(&js, &o, &k); f != CX__JS_DONE;
         f = cx__js_next_field(&js, &o, &k)) {
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
            if (rc == 0 && (o.seen & CX__JS_BIT(K_CHANNEL)) && (o.seen & CX__JS_BIT(K_EVENT)))
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
        }
        if (rc != 0)
            return rc;
    }
    rc = cx__js_fields_error(&o);
    if (rc != 0)
        return rc;
    const char *close_at = js.p - 1;
    rc = cx__js_end(&js);
    if (rc != 0)
        return rc;
    js.p = close_at + 1;
    const bool needs_result = action != GT_CONTROL && action != GT_IGNORED;
    rc = cx__js_fields_require(&js, &o,
                               CX__JS_BIT(K_CHANNEL) | CX__JS_BIT(K_EVENT) |
                                   (needs_result ? CX__JS_BIT(K_RESULT) : 0u));
    if (rc != 0)
        return rc;
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
        else if (o.seen & CX__JS_BIT(K_TIME))
            rc = cx__js_s_to_ns(&js, time_s, time_off, &exch_ns);
        if (rc != 0)
            return rc;
        out->ev[0].exch_ts_ns = exch_ns;
    }
    cx__js_done(out, m.n, m.kind, venue, m.inst_id, local_ts_ns);
    return 0;
}
