/* SPDX-License-Identifier: MIT */
/*
 * Fast zero-copy decoder for Binance spot and USD-M market data: combined-stream messages
 * `{"stream":"<sym>@depth[@<n>ms]"|"<sym>@bookTicker"|"<sym>@trade","data":{..}}` and the
 * REST depth snapshot `{"lastUpdateId":N,("E":ms,"T":ms,)"bids":[[p,q],..],"asks":[..]}`
 * (shapes: docs/exchanges.md appendix B; Binance spot and USD-M WebSocket market streams docs,
 * checked 2024-08). Keys may come in any order; the common order (stream before data, symbol
 * before levels, bids before asks) is decoded in one pass, any other order defers the affected
 * value and re-reads it once the information it needs is known.
 *
 * Rules (shared with the cJSON reference in tests/support/decode_ref.c, which must agree byte for
 * byte):
 *  - top level: "stream" string, "data" object, "lastUpdateId"/"E"/"T" unsigned integers,
 *    "bids"/"asks" arrays; other keys are skipped; a known key twice is an error. With "stream"
 *    or "data" it is a stream message (both required, no snapshot keys); with "lastUpdateId",
 *    "bids" or "asks" a snapshot (all three required); otherwise CX_ESTREAM.
 *  - depthUpdate: "s", "E", "U", "u", "b", "a" required, plus "pu" on USD-M (CX_MD_F_HAS_PREV);
 *    "T" optional; "e" optional but must be "depthUpdate". Levels are ["price","qty"] strings.
 *  - bookTicker: "u", "s", "b", "B", "a", "A" required; "E" (exch time) and "T" optional.
 *  - trade: "s", "t", "p", "q", "T" (exch time), "m" (bool) required; "E" optional.
 *  - prices and quantities are non-negative; timestamps are ms and must fit int64 ns.
 */
#include "json_scan.h"

enum bn_stream { BN_NONE = 0, BN_DEPTH, BN_BBO, BN_TRADE };

/* The stream name after the symbol: "depth", "depth@<digits>ms", "bookTicker" or "trade". */
static enum bn_stream bn_classify(const char *s, size_t n)
{
    const char *at = memchr(s, '@', n);
    if (at == NULL || at == s)
        return BN_NONE;
    const char *r = at + 1;
    size_t rn = n - (size_t)(r - s);
    if (rn == 10 && memcmp(r, "bookTicker", 10) == 0)
        return BN_BBO;
    if (rn == 5 && memcmp(r, "trade", 5) == 0)
        return BN_TRADE;
    if (rn < 5 || memcmp(r, "depth", 5) != 0)
        return BN_NONE;
    if (rn == 5)
        return BN_DEPTH;
    size_t i = 6;
    if (r[5] != '@')
        return BN_NONE;
    while (i < rn && CX__JS_IS_DIGIT(r[i]))
        i++;
    if (i == 6 || rn - i != 2 || r[i] != 'm' || r[i + 1] != 's')
        return BN_NONE;
    return BN_DEPTH;
}

/* What one message decoded to. */
struct bn_msg {
    const struct cx_md_ctx *ctx;
    enum cx_venue venue;
    int64_t local_ts_ns;
    struct cx_md_batch *out;
    uint32_t n;           /* events written */
    enum cx_md_kind kind; /* result kind */
    uint32_t inst_id;     /* result instrument */
};

/* "e" must name the event type the stream promised. */
static int bn_check_e(struct cx__js *js, const struct cx__js_tok *k, const char *want,
                      size_t want_n)
{
    struct cx__js_tok t;
    int rc = cx__js_string(js, &t, "expected string for event type", k);
    if (rc != 0)
        return rc;
    if (!cx__js_eq(&t, want, want_n))
        return cx__js_fail(js, CX_ESTREAM, "event type does not match the stream",
                           js->base + t.off, t.s, t.n);
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: depthUpdate
 * ------------------------------------------------------------------------------------------- */

static int bn_depth(struct bn_msg *m, struct cx__js *js)
{
    /* Required keys first, in the order a missing one is reported; "pu" last because only USD-M
     * has it (spot decodes with one row less, so "pu" is an unknown key there). */
    enum { F_s, F_E, F_U, F_u, F_b, F_a, F_e, F_T, F_pu };
    static const struct cx__js_key k_depth[] = {
        [F_s] = CX__JS_KEY("s"), [F_E] = CX__JS_KEY("E"), [F_U] = CX__JS_KEY("U"),
        [F_u] = CX__JS_KEY("u"), [F_b] = CX__JS_KEY("b"), [F_a] = CX__JS_KEY("a"),
        [F_e] = CX__JS_KEY("e"), [F_T] = CX__JS_KEY("T"), [F_pu] = CX__JS_KEY("pu")};
    const bool usdm = m->venue == CX_VENUE_BINANCE_USDM;
    const unsigned nkeys = usdm ? CX__JS_NKEYS(k_depth) : CX__JS_NKEYS(k_depth) - 1;
    uint64_t ev_ms = 0, first_id = 0, last_id = 0, prev_id = 0, ignored;
    uint32_t ev_off = 0;
    const char *b_at = NULL, *a_at = NULL;
    struct cx__md_sym sym = {0};
    struct cx__js_tok k, t;
    uint32_t n = m->n;
    int rc = 0;
    struct cx__js_fields o = cx__js_fields(k_depth, nkeys, 2, cx__js_obj_open(js));
    for (int f = cx__js_next_field(js, &o, &k); f != CX__JS_DONE;
         f = cx__js_next_field(js, &o, &k)) {
        switch (f) {
        case F_e: rc = bn_check_e(js, &k, "depthUpdate", 11); break;
        case F_E:
            ev_off = (uint32_t)(js->p - js->base);
            rc = cx__js_u64(js, &ev_ms, "expected unsigned integer for event time", &k);
            break;
        case F_T: rc = cx__js_u64(js, &ignored, "expected unsigned integer for time", &k); break;
        case F_U:
            rc = cx__js_u64(js, &first_id, "expected unsigned integer for update id", &k);
            break;
        case F_u:
            rc = cx__js_u64(js, &last_id, "expected unsigned integer for update id", &k);
            break;
        case F_pu:
            rc = cx__js_u64(js, &prev_id, "expected unsigned integer for update id", &k);
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
                rc = cx__js_levels_pairs(js, &sym, m->out, &n,
                                         f == F_b ? 0 : (uint16_t)CX_MD_F_ASK);
            } else {
                /* Symbol not known yet, or asks before bids: read it after the object. */
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
    rc = cx__js_fields_require(js, &o, CX__JS_ROWS_BEFORE(F_e) | CX__JS_BIT(F_pu));
    if (rc != 0)
        return rc;
    if (b_at != NULL || a_at != NULL) {
        const char *after = js->p;
        if (b_at != NULL) {
            js->p = b_at;
            rc = cx__js_levels_pairs(js, &sym, m->out, &n, 0);
            if (rc != 0)
                return rc;
        }
        if (a_at != NULL) {
            js->p = a_at;
            rc = cx__js_levels_pairs(js, &sym, m->out, &n, CX_MD_F_ASK);
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
    rc = cx__js_ms_to_ns(js, ev_ms, ev_off, &exch_ns);
    if (rc != 0)
        return rc;
    cx__js_finish_levels(m->out->ev, n, CX_MD_DEPTH_DELTA, sym.inst_id, exch_ns, m->local_ts_ns,
                         last_id, first_id, usdm ? prev_id : 0,
                         usdm ? (uint16_t)CX_MD_F_HAS_PREV : 0);
    m->n = n;
    m->kind = CX_MD_KIND_DEPTH;
    m->inst_id = sym.inst_id;
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: bookTicker
 * ------------------------------------------------------------------------------------------- */

static int bn_bbo(struct bn_msg *m, struct cx__js *js)
{
    enum { F_u, F_s, F_b, F_B, F_a, F_A, F_e, F_E, F_T };
    static const struct cx__js_key k_bbo[] = {
        [F_u] = CX__JS_KEY("u"), [F_s] = CX__JS_KEY("s"), [F_b] = CX__JS_KEY("b"),
        [F_B] = CX__JS_KEY("B"), [F_a] = CX__JS_KEY("a"), [F_A] = CX__JS_KEY("A"),
        [F_e] = CX__JS_KEY("e"), [F_E] = CX__JS_KEY("E"), [F_T] = CX__JS_KEY("T")};
    uint64_t upd = 0, ev_ms = 0, ignored;
    uint32_t ev_off = 0;
    struct cx__js_tok k, sym_t = {0}, bp = {0}, bq = {0}, ap = {0}, aq = {0};
    int rc = 0;
    struct cx__js_fields o = cx__js_fields(k_bbo, CX__JS_NKEYS(k_bbo), 2, cx__js_obj_open(js));
    for (int f = cx__js_next_field(js, &o, &k); f != CX__JS_DONE;
         f = cx__js_next_field(js, &o, &k)) {
        switch (f) {
        case F_e: rc = bn_check_e(js, &k, "bookTicker", 10); break;
        case F_u:
            rc = cx__js_u64(js, &upd, "expected unsigned integer for update id", &k);
            break;
        case F_s: rc = cx__js_string(js, &sym_t, "expected string for symbol", &k); break;
        case F_b: rc = cx__js_string(js, &bp, "expected string for price", &k); break;
        case F_B: rc = cx__js_string(js, &bq, "expected string for quantity", &k); break;
        case F_a: rc = cx__js_string(js, &ap, "expected string for price", &k); break;
        case F_A: rc = cx__js_string(js, &aq, "expected string for quantity", &k); break;
        case F_E:
            ev_off = (uint32_t)(js->p - js->base);
            rc = cx__js_u64(js, &ev_ms, "expected unsigned integer for event time", &k);
            break;
        case F_T: rc = cx__js_u64(js, &ignored, "expected unsigned integer for time", &k); break;
        }
        if (rc != 0)
            return rc;
    }
    rc = cx__js_fields_require(js, &o, CX__JS_ROWS_BEFORE(F_e));
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
    if (o.seen & CX__JS_BIT(F_E)) {
        rc = cx__js_ms_to_ns(js, ev_ms, ev_off, &exch_ns);
        if (rc != 0)
            return rc;
    }
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

/* ---------------------------------------------------------------------------------------------
 * MARK: trade
 * ------------------------------------------------------------------------------------------- */

static int bn_trade(struct bn_msg *m, struct cx__js *js)
{
    enum { F_s, F_t, F_p, F_q, F_T, F_m, F_e, F_E };
    static const struct cx__js_key k_trade[] = {
        [F_s] = CX__JS_KEY("s"), [F_t] = CX__JS_KEY("t"), [F_p] = CX__JS_KEY("p"),
        [F_q] = CX__JS_KEY("q"), [F_T] = CX__JS_KEY("T"), [F_m] = CX__JS_KEY("m"),
        [F_e] = CX__JS_KEY("e"), [F_E] = CX__JS_KEY("E")};
    uint64_t trade_id = 0, trade_ms = 0, ignored;
    uint32_t t_off = 0;
    struct cx__js_tok k, sym_t = {0}, px = {0}, qty = {0}, maker = {0};
    int rc = 0;
    struct cx__js_fields o = cx__js_fields(k_trade, CX__JS_NKEYS(k_trade), 2, cx__js_obj_open(js));
    for (int f = cx__js_next_field(js, &o, &k); f != CX__JS_DONE;
         f = cx__js_next_field(js, &o, &k)) {
        switch (f) {
        case F_e: rc = bn_check_e(js, &k, "trade", 5); break;
        case F_E:
            rc = cx__js_u64(js, &ignored, "expected unsigned integer for event time", &k);
            break;
        case F_T:
            t_off = (uint32_t)(js->p - js->base);
            rc = cx__js_u64(js, &trade_ms, "expected unsigned integer for trade time", &k);
            break;
        case F_s: rc = cx__js_string(js, &sym_t, "expected string for symbol", &k); break;
        case F_t:
            rc = cx__js_u64(js, &trade_id, "expected unsigned integer for trade id", &k);
            break;
        case F_p: rc = cx__js_string(js, &px, "expected string for price", &k); break;
        case F_q: rc = cx__js_string(js, &qty, "expected string for quantity", &k); break;
        case F_m: rc = cx__js_bool(js, &maker, "expected boolean for buyer-is-maker", &k); break;
        }
        if (rc != 0)
            return rc;
    }
    rc = cx__js_fields_require(js, &o, CX__JS_ROWS_BEFORE(F_e));
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
    rc = cx__js_conv(js, &sym, &px, true, &e->u.trade.price_m);
    if (rc != 0)
        return rc;
    rc = cx__js_conv(js, &sym, &qty, false, &e->u.trade.qty_m);
    if (rc != 0)
        return rc;
    rc = cx__js_ms_to_ns(js, trade_ms, t_off, &exch_ns);
    if (rc != 0)
        return rc;
    e->exch_ts_ns = exch_ns;
    e->local_ts_ns = m->local_ts_ns;
    e->seq = trade_id;
    e->inst_id = sym.inst_id;
    e->type = CX_MD_TRADE;
    e->stream = 0;
    /* m: the buyer was the maker, so the aggressor sold. */
    e->flags = (uint16_t)(CX_MD_F_SINGLE | (maker.boolv ? 0u : CX_MD_F_BUY_TAKER));
    e->u.trade.pad0 = 0;
    e->u.trade.pad1 = 0;
    m->n = n;
    m->kind = CX_MD_KIND_TRADE;
    m->inst_id = sym.inst_id;
    return 0;
}

static int bn_data(struct bn_msg *m, struct cx__js *js, enum bn_stream stream)
{
    switch (stream) {
    case BN_DEPTH: return bn_depth(m, js);
    case BN_BBO: return bn_bbo(m, js);
    case BN_TRADE: return bn_trade(m, js);
    case BN_NONE: break;
    }
    return cx__js_fail(js, CX_ESTREAM, "unknown stream", js->p, NULL, 0);
}

/* ---------------------------------------------------------------------------------------------
 * MARK: entry point
 * ------------------------------------------------------------------------------------------- */

int cx_md_decode_binance(const struct cx_md_ctx *ctx, const char *json, size_t n,
                         enum cx_venue venue, int64_t local_ts_ns, struct cx_md_batch *out,
                         struct cx_parse_err *err)
{
    /* Stream keys, then snapshot keys, each group in the order a missing one is reported. */
    enum { K_STREAM, K_DATA, K_LUID, K_BIDS, K_ASKS, K_E, K_T };
    static const struct cx__js_key k_top[] = {
        [K_STREAM] = CX__JS_KEY("stream"), [K_DATA] = CX__JS_KEY("data"),
        [K_LUID] = CX__JS_KEY("lastUpdateId"), [K_BIDS] = CX__JS_KEY("bids"),
        [K_ASKS] = CX__JS_KEY("asks"), [K_E] = CX__JS_KEY("E"), [K_T] = CX__JS_KEY("T")};
    const uint32_t stream_keys = CX__JS_BIT(K_STREAM) | CX__JS_BIT(K_DATA);
    const uint32_t snapshot_keys = CX__JS_BIT(K_LUID) | CX__JS_BIT(K_BIDS) | CX__JS_BIT(K_ASKS);
    int rc = cx__js_args(ctx, json, n, out, err);
    if (rc != 0)
        return rc;
    if (venue != CX_VENUE_BINANCE_SPOT && venue != CX_VENUE_BINANCE_USDM)
        return cx_parse_err_set(err, CX_EINVAL, "not a Binance venue", NULL, 0);
    struct cx__js js;
    js.base = json != NULL ? json : "";
    js.p = js.base;
    js.end = js.base + n;
    js.err = err;
    struct bn_msg m = {.ctx = ctx, .venue = venue, .local_ts_ns = local_ts_ns, .out = out};
    enum bn_stream stream = BN_NONE;
    const char *data_at = NULL, *asks_at = NULL;
    uint64_t last_update_id = 0, ev_ms = 0, ignored;
    uint32_t ev_off = 0;
    struct cx__md_sym sym = {0};
    struct cx__js_tok k, t;

    struct cx__js_fields o = cx__js_fields(k_top, CX__JS_NKEYS(k_top), 1, cx__js_begin(&js));
    for (int f = cx__js_next_field(&js, &o, &k); f != CX__JS_DONE;
         f = cx__js_next_field(&js, &o, &k)) {
        switch (f) {
        case K_STREAM: {
            rc = cx__js_string(&js, &t, "expected string for stream", &k);
            if (rc != 0)
                return rc;
            char buf[CX__JS_UNESC_MAX];
            const char *s = NULL;
            size_t sn = 0;
            rc = cx__js_content(&js, &t, buf, &s, &sn);
            if (rc != 0)
                return rc;
            stream = bn_classify(s, sn);
            if (stream == BN_NONE)
                return cx__js_fail(&js, CX_ESTREAM, "unknown stream", js.base + t.off, s, sn);
            break;
        }
        case K_DATA:
            if (*js.p != '{')
                return cx__js_type_err(&js, "expected object for data", &k);
            if (stream != BN_NONE) {
                rc = bn_data(&m, &js, stream);
            } else {
                data_at = js.p;
                rc = cx__js_skip(&js, 1);
            }
            break;
        case K_LUID:
            rc = cx__js_u64(&js, &last_update_id, "expected unsigned integer for update id", &k);
            break;
        case K_E:
            ev_off = (uint32_t)(js.p - js.base);
            rc = cx__js_u64(&js, &ev_ms, "expected unsigned integer for event time", &k);
            break;
        case K_T: rc = cx__js_u64(&js, &ignored, "expected unsigned integer for time", &k); break;
        case K_BIDS:
        case K_ASKS:
            if (*js.p != '[')
                return cx__js_type_err(&js, "expected array for levels", &k);
            if (sym.inst == NULL && sym.scan == NULL) {
                if (ctx->snapshot_symbol == NULL)
                    return cx__js_fail(&js, CX_ESYMBOL, "snapshot without a known symbol",
                                       js.p, NULL, 0);
                rc = cx__md_resolve(ctx, venue, ctx->snapshot_symbol, ctx->snapshot_symbol_len,
                                    &sym, err);
                if (rc != 0)
                    return cx__js_fail(&js, rc, err != NULL ? err->msg : "unknown instrument",
                                       js.p, ctx->snapshot_symbol, ctx->snapshot_symbol_len);
            }
            if (f == K_BIDS || (o.seen & CX__JS_BIT(K_BIDS))) {
                rc = cx__js_levels_pairs(&js, &sym, out, &m.n,
                                         f == K_BIDS ? 0 : (uint16_t)CX_MD_F_ASK);
            } else {
                asks_at = js.p;
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

    if (o.seen & stream_keys) {
        js.p = close_at + 1;
        if (o.seen & snapshot_keys)
            return cx__js_fail(&js, CX_EPARSE, "stream message with snapshot fields", js.base,
                               NULL, 0);
        rc = cx__js_fields_require(&js, &o, stream_keys);
        if (rc != 0)
            return rc;
        if (data_at != NULL) {
            js.p = data_at;
            rc = bn_data(&m, &js, stream);
            if (rc != 0)
                return rc;
        }
        cx__js_done(out, m.n, m.kind, venue, m.inst_id, local_ts_ns);
        return 0;
    }
    if (!(o.seen & snapshot_keys))
        return cx__js_fail(&js, CX_ESTREAM, "unknown message", js.base, NULL, 0);
    js.p = close_at + 1;
    rc = cx__js_fields_require(&js, &o, snapshot_keys);
    if (rc != 0)
        return rc;
    if (asks_at != NULL) {
        js.p = asks_at;
        rc = cx__js_levels_pairs(&js, &sym, out, &m.n, CX_MD_F_ASK);
        if (rc != 0)
            return rc;
    }
    if (m.n == 0) {
        rc = cx__js_nolevel(&js, out, &m.n);
        if (rc != 0)
            return rc;
    }
    int64_t exch_ns = 0;
    if (o.seen & CX__JS_BIT(K_E)) {
        rc = cx__js_ms_to_ns(&js, ev_ms, ev_off, &exch_ns);
        if (rc != 0)
            return rc;
    }
    cx__js_finish_levels(out->ev, m.n, CX_MD_DEPTH_SNAPSHOT, sym.inst_id, exch_ns, local_ts_ns,
                         last_update_id, last_update_id, 0, 0);
    cx__js_done(out, m.n, CX_MD_KIND_SNAPSHOT, venue, sym.inst_id, local_ts_ns);
    return 0;
}
