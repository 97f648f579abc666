/* SPDX-License-Identifier: MIT */
/*
 * Fast zero-copy decoder for Hyperliquid WebSocket market data (Hyperliquid docs,
 * "Websocket > Subscriptions", checked 2025-01): `{"channel":"l2Book","data":{"coin":"BTC",
 * "time":ms,"levels":[[{"px","sz","n"},..bids],[..asks]]}}` is a full book every push, decoded
 * to a CX_MD_DEPTH_SNAPSHOT run flagged CX_MD_F_NOSEQ (the venue has no sequence ids; seq and
 * seq_first carry the book time); `{"channel":"trades","data":[{coin,side,px,sz,time,tid,..}]}`
 * gives one CX_MD_TRADE per element (seq = tid, "B" = buy aggressor). "subscriptionResponse" and
 * "pong" are control messages; other channels are CX_ESTREAM.
 *
 * Rules shared with the cJSON reference (tests/support/decode_ref.c): top-level "channel"
 * string required, "data" required for l2Book (object) and trades (array); l2Book needs "coin",
 * "time", "levels" (exactly two arrays of objects with string "px" and "sz"); each trade needs
 * "coin" (the same in every element), "side" ("B" or "A"), "px", "sz", "time", "tid"; an empty
 * trades array is CX_MD_KIND_IGNORED. Unknown keys are skipped; a known key twice is an error.
 */
#include "json_scan.h"

enum hl_channel { HL_NONE = 0, HL_BOOK, HL_TRADES, HL_CONTROL };

struct hl_msg {
    const struct cx_md_ctx *ctx;
    int64_t local_ts_ns;
    struct cx_md_batch *out;
    uint32_t n;
    enum cx_md_kind kind;
    uint32_t inst_id;
};

/* "levels": exactly [bids, asks]. */
static int hl_levels(struct hl_msg *m, struct cx__js *js, const struct cx__md_sym *sym,
                     uint32_t *io_n)
{
    static const char *const k_shape = "levels must hold exactly two sides [bids, asks]";
    const char *at = js->p;
    int rc = cx__js_arr_open(js);
    if (rc != 0)
        return rc < 0 ? rc : cx__js_fail(js, CX_EPARSE, k_shape, at, NULL, 0);
    rc = cx__js_levels_obj(js, sym, m->out, io_n, 0, "px", "sz", false);
    if (rc != 0)
        return rc;
    rc = cx__js_arr_next(js);
    if (rc != 0)
        return rc < 0 ? rc : cx__js_fail(js, CX_EPARSE, k_shape, js->p - 1, NULL, 0);
    rc = cx__js_levels_obj(js, sym, m->out, io_n, CX_MD_F_ASK, "px", "sz", false);
    if (rc != 0)
        return rc;
    rc = cx__js_arr_next(js);
    if (rc == 0)
        return cx__js_fail(js, CX_EPARSE, k_shape, js->p, NULL, 0);
    return rc < 0 ? rc : 0;
}

static int hl_book(struct hl_msg *m, struct cx__js *js)
{
    enum { F_coin, F_time, F_levels };
    static const struct cx__js_key k_book[] = {[F_coin] = CX__JS_KEY("coin"),
                                               [F_time] = CX__JS_KEY("time"),
                                               [F_levels] = CX__JS_KEY("levels")};
    uint64_t time_ms = 0;
    uint32_t time_off = 0;
    const char *levels_at = NULL;
    struct cx__md_sym sym = {0};
    struct cx__js_tok k, t;
    uint32_t n = m->n;
    int rc = 0;
    struct cx__js_fields o = cx__js_fields(k_book, CX__JS_NKEYS(k_book), 2, cx__js_obj_open(js));
    for (int f = cx__js_next_field(js, &o, &k); f != CX__JS_DONE;
         f = cx__js_next_field(js, &o, &k)) {
        switch (f) {
        case F_coin:
            rc = cx__js_string(js, &t, "expected string for coin", &k);
            if (rc == 0)
                rc = cx__js_resolve(js, m->ctx, CX_VENUE_HYPERLIQUID, &t, &sym);
            break;
        case F_time:
            time_off = (uint32_t)(js->p - js->base);
            rc = cx__js_u64(js, &time_ms, "expected unsigned integer for time", &k);
            break;
        case F_levels:
            if (*js->p != '[') {
                rc = cx__js_type_err(js, "expected array for levels", &k);
            } else if (o.seen & CX__JS_BIT(F_coin)) {
                rc = hl_levels(m, js, &sym, &n);
            } else {
                levels_at = js->p;
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
    if (levels_at != NULL) {
        const char *after = js->p;
        js->p = levels_at;
        rc = hl_levels(m, js, &sym, &n);
        if (rc != 0)
            return rc;
        js->p = after;
    }
    if (n == 0) {
        rc = cx__js_nolevel(js, m->out, &n);
        if (rc != 0)
            return rc;
    }
    int64_t exch_ns = 0;
    rc = cx__js_ms_to_ns(js, time_ms, time_off, &exch_ns);
    if (rc != 0)
        return rc;
    cx__js_finish_levels(m->out->ev, n, CX_MD_DEPTH_SNAPSHOT, sym.inst_id, exch_ns,
                         m->local_ts_ns, time_ms, time_ms, 0, CX_MD_F_NOSEQ);
    m->n = n;
    m->kind = CX_MD_KIND_SNAPSHOT;
    m->inst_id = sym.inst_id;
    return 0;
}

static int hl_trades(struct hl_msg *m, struct cx__js *js)
{
    enum { F_coin, F_side, F_px, F_sz, F_time, F_tid };
    static const struct cx__js_key k_trade[] = {
        [F_coin] = CX__JS_KEY("coin"), [F_side] = CX__JS_KEY("side"), [F_px] = CX__JS_KEY("px"),
        [F_sz] = CX__JS_KEY("sz"),     [F_time] = CX__JS_KEY("time"), [F_tid] = CX__JS_KEY("tid")};
    struct cx__md_sym sym = {0};
    char coin0_buf[CX__JS_UNESC_MAX];
    const char *coin0 = NULL;
    size_t coin0_n = 0;
    uint32_t n = m->n, first = m->n;
    int rc = cx__js_arr_open(js);
    if (rc < 0)
        return rc;
    while (rc == 0) {
        struct cx__js_tok k, coin = {0}, side = {0}, px = {0}, sz = {0};
        uint64_t time_ms = 0, tid = 0;
        uint32_t time_off = 0;
        const char *obj = js->p;
        if (*js->p != '{')
            return cx__js_type_err(js, "expected object for a trade", NULL);
        struct cx__js_fields o =
            cx__js_fields(k_trade, CX__JS_NKEYS(k_trade), 3, cx__js_obj_open(js));
        for (int f = cx__js_next_field(js, &o, &k); f != CX__JS_DONE;
             f = cx__js_next_field(js, &o, &k)) {
            switch (f) {
            case F_coin: rc = cx__js_string(js, &coin, "expected string for coin", &k); break;
            case F_side: rc = cx__js_string(js, &side, "expected string for side", &k); break;
            case F_px: rc = cx__js_string(js, &px, "expected string for price", &k); break;
            case F_sz: rc = cx__js_string(js, &sz, "expected string for quantity", &k); break;
            case F_time:
                time_off = (uint32_t)(js->p - js->base);
                rc = cx__js_u64(js, &time_ms, "expected unsigned integer for time", &k);
                break;
            case F_tid:
                rc = cx__js_u64(js, &tid, "expected unsigned integer for trade id", &k);
                break;
            }
            if (rc != 0)
                return rc;
        }
        rc = cx__js_fields_require(js, &o, UINT32_MAX);
        if (rc != 0)
            return rc;
        char buf[CX__JS_UNESC_MAX];
        const char *cs = NULL;
        size_t cn = 0;
        rc = cx__js_content(js, &coin, buf, &cs, &cn);
        if (rc != 0)
            return rc;
        if (coin0 == NULL) {
            rc = cx__js_resolve(js, m->ctx, CX_VENUE_HYPERLIQUID, &coin, &sym);
            if (rc != 0)
                return rc;
            memcpy(coin0_buf, cs, cn);
            coin0 = coin0_buf;
            coin0_n = cn;
        } else if (cn != coin0_n || memcmp(cs, coin0, cn) != 0) {
            return cx__js_fail(js, CX_EPARSE, "trades for more than one coin in one message",
                               js->base + coin.off, cs, cn);
        }
        uint16_t flags;
        if (CX__JS_EQ(&side, "B"))
            flags = CX_MD_F_BUY_TAKER;
        else if (CX__JS_EQ(&side, "A"))
            flags = 0;
        else
            return cx__js_fail(js, CX_EPARSE, "side must be \"B\" or \"A\"", js->base + side.off,
                               side.s, side.n);
        struct cx_md_event *e = NULL;
        int64_t exch_ns = 0;
        rc = cx__js_push(js, m->out, &n, obj, &e);
        if (rc != 0)
            return rc;
        rc = cx__js_conv(js, &sym, &px, true, &e->u.trade.price_m);
        if (rc != 0)
            return rc;
        rc = cx__js_conv(js, &sym, &sz, false, &e->u.trade.qty_m);
        if (rc != 0)
            return rc;
        rc = cx__js_ms_to_ns(js, time_ms, time_off, &exch_ns);
        if (rc != 0)
            return rc;
        e->exch_ts_ns = exch_ns;
        e->local_ts_ns = m->local_ts_ns;
        e->seq = tid;
        e->inst_id = sym.inst_id;
        e->type = CX_MD_TRADE;
        e->stream = 0;
        e->flags = flags;
        e->u.trade.pad0 = 0;
        e->u.trade.pad1 = 0;
        rc = cx__js_arr_next(js);
    }
    if (rc < 0)
        return rc;
    if (n == first) {
        m->kind = CX_MD_KIND_IGNORED;
        m->inst_id = UINT32_MAX;
        return 0;
    }
    m->out->ev[first].flags |= CX_MD_F_BEGIN;
    m->out->ev[n - 1].flags |= CX_MD_F_END;
    m->n = n;
    m->kind = CX_MD_KIND_TRADE;
    m->inst_id = sym.inst_id;
    return 0;
}

static int hl_data(struct hl_msg *m, struct cx__js *js, enum hl_channel ch,
                   const struct cx__js_tok *key)
{
    switch (ch) {
    case HL_BOOK:
        if (*js->p != '{')
            return cx__js_type_err(js, "expected object for data", key);
        return hl_book(m, js);
    case HL_TRADES:
        if (*js->p != '[')
            return cx__js_type_err(js, "expected array for data", key);
        return hl_trades(m, js);
    default: return cx__js_skip(js, 1);
    }
}

int cx_md_decode_hyperliquid(const struct cx_md_ctx *ctx, const char *json, size_t n,
                             int64_t local_ts_ns, struct cx_md_batch *out,
                             struct cx_parse_err *err)
{
    enum { K_CHANNEL, K_DATA };
    static const struct cx__js_key k_top[] = {[K_CHANNEL] = CX__JS_KEY("channel"),
                                              [K_DATA] = CX__JS_KEY("data")};
    int rc = cx__js_args(ctx, json, n, out, err);
    if (rc != 0)
        return rc;
    struct cx__js js;
    js.base = json != NULL ? json : "";
    js.p = js.base;
    js.end = js.base + n;
    js.err = err;
    struct hl_msg m = {.ctx = ctx, .local_ts_ns = local_ts_ns, .out = out,
                       .kind = CX_MD_KIND_CONTROL, .inst_id = UINT32_MAX};
    enum hl_channel ch = HL_NONE;
    const char *data_at = NULL;
    struct cx__js_tok k, t, data_key = {0};

    struct cx__js_fields o = cx__js_fields(k_top, CX__JS_NKEYS(k_top), 1, cx__js_begin(&js));
    for (int f = cx__js_next_field(&js, &o, &k); f != CX__JS_DONE;
         f = cx__js_next_field(&js, &o, &k)) {
        if (f == K_CHANNEL) {
            rc = cx__js_string(&js, &t, "expected string for channel", &k);
            if (rc != 0)
                return rc;
            if (CX__JS_EQ(&t, "l2Book"))
                ch = HL_BOOK;
            else if (CX__JS_EQ(&t, "trades"))
                ch = HL_TRADES;
            else if (CX__JS_EQ(&t, "subscriptionResponse") || CX__JS_EQ(&t, "pong"))
                ch = HL_CONTROL;
            else
                return cx__js_fail(&js, CX_ESTREAM, "unknown channel", js.base + t.off, t.s,
                                   t.n);
        } else if (f == K_DATA) {
            if (ch != HL_NONE) {
                rc = hl_data(&m, &js, ch, &k);
            } else {
                data_at = js.p;
                data_key = k;
                rc = cx__js_skip(&js, 1);
            }
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
    const uint32_t data_bit = ch != HL_CONTROL ? CX__JS_BIT(K_DATA) : 0u;
    rc = cx__js_fields_require(&js, &o, CX__JS_BIT(K_CHANNEL) | data_bit);
    if (rc != 0)
        return rc;
    if (data_at != NULL) {
        js.p = data_at;
        rc = hl_data(&m, &js, ch, &data_key);
        if (rc != 0)
            return rc;
    }
    cx__js_done(out, m.n, m.kind, CX_VENUE_HYPERLIQUID, m.inst_id, local_ts_ns);
    return 0;
}
