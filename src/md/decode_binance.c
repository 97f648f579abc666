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
 * Rules (shared with the cJSON reference in decode_ref.c, which must agree byte for byte):
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

#define KEY1 CX__JS_KEY1
#define KEYN CX__JS_KEYN

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
    enum { F_e = 1, F_E = 2, F_T = 4, F_s = 8, F_U = 16, F_u = 32, F_pu = 64, F_b = 128 };
    enum { F_a = 256 };
    const bool usdm = m->venue == CX_VENUE_BINANCE_USDM;
    unsigned seen = 0;
    uint64_t ev_ms = 0, first_id = 0, last_id = 0, prev_id = 0, ignored;
    uint32_t ev_off = 0;
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
            case 'e': f = F_e; break;
            case 'E': f = F_E; break;
            case 'T': f = F_T; break;
            case 's': f = F_s; break;
            case 'U': f = F_U; break;
            case 'u': f = F_u; break;
            case 'b': f = F_b; break;
            case 'a': f = F_a; break;
            default: break;
            }
        } else if (usdm && KEYN(k, "pu")) {
            f = F_pu;
        }
        if (f & seen)
            return cx__js_dup(js, &k);
        seen |= f;
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
            } else if ((seen & F_s) && (f == F_b || ((seen & F_b) && b_at == NULL))) {
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
    } req[] = {{F_s, "s"}, {F_E, "E"}, {F_U, "U"}, {F_u, "u"}, {F_b, "b"}, {F_a, "a"}};
    for (size_t i = 0; i < sizeof req / sizeof req[0]; i++)
        if (!(seen & req[i].f))
            return cx__js_missing(js, req[i].name);
    if (usdm && !(seen & F_pu))
        return cx__js_missing(js, "pu");
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
    enum { F_e = 1, F_u = 2, F_s = 4, F_b = 8, F_B = 16, F_a = 32, F_A = 64, F_E = 128, F_T = 256 };
    unsigned seen = 0;
    uint64_t upd = 0, ev_ms = 0, ignored;
    uint32_t ev_off = 0;
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
            case 'e': f = F_e; break;
            case 'u': f = F_u; break;
            case 's': f = F_s; break;
            case 'b': f = F_b; break;
            case 'B': f = F_B; break;
            case 'a': f = F_a; break;
            case 'A': f = F_A; break;
            case 'E': f = F_E; break;
            case 'T': f = F_T; break;
            default: break;
            }
        }
        if (f & seen)
            return cx__js_dup(js, &k);
        seen |= f;
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
    } req[] = {{F_u, "u"}, {F_s, "s"}, {F_b, "b"}, {F_B, "B"}, {F_a, "a"}, {F_A, "A"}};
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
    if (seen & F_E) {
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
    enum { F_e = 1, F_E = 2, F_T = 4, F_s = 8, F_t = 16, F_p = 32, F_q = 64, F_m = 128 };
    unsigned seen = 0;
    uint64_t trade_id = 0, trade_ms = 0, ignored;
    uint32_t t_off = 0;
    struct cx__js_tok k, sym_t = {0}, px = {0}, qty = {0}, maker = {0};
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
            case 'e': f = F_e; break;
            case 'E': f = F_E; break;
            case 'T': f = F_T; break;
            case 's': f = F_s; break;
            case 't': f = F_t; break;
            case 'p': f = F_p; break;
            case 'q': f = F_q; break;
            case 'm': f = F_m; break;
            default: break;
            }
        }
        if (f & seen)
            return cx__js_dup(js, &k);
        seen |= f;
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
    } req[] = {{F_s, "s"}, {F_t, "t"}, {F_p, "p"}, {F_q, "q"}, {F_T, "T"}, {F_m, "m"}};
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
    enum { K_STREAM = 1, K_DATA = 2, K_LUID = 4, K_E = 8, K_T = 16, K_BIDS = 32, K_ASKS = 64 };
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
    unsigned seen = 0;
    enum bn_stream stream = BN_NONE;
    const char *data_at = NULL, *asks_at = NULL;
    uint64_t last_update_id = 0, ev_ms = 0, ignored;
    uint32_t ev_off = 0;
    struct cx__md_sym sym = {0};
    struct cx__js_tok k, t;

    rc = cx__js_begin(&js);
    if (rc < 0)
        return rc;
    while (rc == 0) {
        rc = cx__js_key(&js, &k);
        if (rc != 0)
            return rc;
        unsigned f = 0;
        if (KEYN(k, "stream"))
            f = K_STREAM;
        else if (KEYN(k, "data"))
            f = K_DATA;
        else if (KEYN(k, "lastUpdateId"))
            f = K_LUID;
        else if (KEY1(k, 'E'))
            f = K_E;
        else if (KEY1(k, 'T'))
            f = K_T;
        else if (KEYN(k, "bids"))
            f = K_BIDS;
        else if (KEYN(k, "asks"))
            f = K_ASKS;
        if (f & seen)
            return cx__js_dup(&js, &k);
        seen |= f;
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
            if (f == K_BIDS || (seen & K_BIDS)) {
                rc = cx__js_levels_pairs(&js, &sym, out, &m.n,
                                         f == K_BIDS ? 0 : (uint16_t)CX_MD_F_ASK);
            } else {
                asks_at = js.p;
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

    if (seen & (K_STREAM | K_DATA)) {
        js.p = close_at + 1;
        if (seen & (K_LUID | K_BIDS | K_ASKS))
            return cx__js_fail(&js, CX_EPARSE, "stream message with snapshot fields", js.base,
                               NULL, 0);
        if (!(seen & K_STREAM))
            return cx__js_missing(&js, "stream");
        if (!(seen & K_DATA))
            return cx__js_missing(&js, "data");
        if (data_at != NULL) {
            js.p = data_at;
            rc = bn_data(&m, &js, stream);
            if (rc != 0)
                return rc;
        }
        cx__js_done(out, m.n, m.kind, venue, m.inst_id, local_ts_ns);
        return 0;
    }
    if (!(seen & (K_LUID | K_BIDS | K_ASKS)))
        return cx__js_fail(&js, CX_ESTREAM, "unknown message", js.base, NULL, 0);
    js.p = close_at + 1;
    if (!(seen & K_LUID))
        return cx__js_missing(&js, "lastUpdateId");
    if (!(seen & K_BIDS))
        return cx__js_missing(&js, "bids");
    if (!(seen & K_ASKS))
        return cx__js_missing(&js, "asks");
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
    if (seen & K_E) {
        rc = cx__js_ms_to_ns(&js, ev_ms, ev_off, &exch_ns);
        if (rc != 0)
            return rc;
    }
    cx__js_finish_levels(out->ev, m.n, CX_MD_DEPTH_SNAPSHOT, sym.inst_id, exch_ns, local_ts_ns,
                         last_update_id, last_update_id, 0, 0);
    cx__js_done(out, m.n, CX_MD_KIND_SNAPSHOT, venue, sym.inst_id, local_ts_ns);
    return 0;
}
