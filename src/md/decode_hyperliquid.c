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
 * Rules shared with the cJSON reference (decode_ref.c): top-level "channel" string required,
 * "data" required for l2Book (object) and trades (array); l2Book needs "coin", "time",
 * "levels" (exactly two arrays of objects with string "px" and "sz"); each trade needs "coin"
 * (the same in every element), "side" ("B" or "A"), "px", "sz", "time", "tid"; an empty trades
 * array is CX_MD_KIND_IGNORED. Unknown keys are skipped; a known key twice is an error.
 */
#include "json_scan.h"

enum hl_channel { HL_NONE = 0, HL_BOOK, HL_TRADES, HL_CONTROL };

#define KEYN CX__JS_KEYN

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
    enum { F_coin = 1, F_time = 2, F_levels = 4 };
    unsigned seen = 0;
    uint64_t time_ms = 0;
    uint32_t time_off = 0;
    const char *levels_at = NULL;
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
        unsigned f = KEYN(k, "coin")     ? F_coin
                     : KEYN(k, "time")   ? F_time
                     : KEYN(k, "levels") ? F_levels
                                         : 0;
        if (f & seen)
            return cx__js_dup(js, &k);
        seen |= f;
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
            } else if (seen & F_coin) {
                rc = hl_levels(m, js, &sym, &n);
            } else {
                levels_at = js->p;
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
    if (!(seen & F_coin))
        return cx__js_missing(js, "coin");
    if (!(seen & F_time))
        return cx__js_missing(js, "time");
    if (!(seen & F_levels))
        return cx__js_missing(js, "levels");
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
    enum { F_coin = 1, F_side = 2, F_px = 4, F_sz = 8, F_time = 16, F_tid = 32 };
    static const struct {
        unsigned f;
        const char *name;
    } req[] = {{F_coin, "coin"}, {F_side, "side"}, {F_px, "px"},
               {F_sz, "sz"},     {F_time, "time"}, {F_tid, "tid"}};
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
        unsigned seen = 0;
        const char *obj = js->p;
        if (*js->p != '{')
            return cx__js_type_err(js, "expected object for a trade", NULL);
        rc = cx__js_obj_open(js);
        while (rc == 0) {
            rc = cx__js_key(js, &k);
            if (rc != 0)
                return rc;
            unsigned f = KEYN(k, "coin")   ? F_coin
                         : KEYN(k, "side") ? F_side
                         : KEYN(k, "px")   ? F_px
                         : KEYN(k, "sz")   ? F_sz
                         : KEYN(k, "time") ? F_time
                         : KEYN(k, "tid")  ? F_tid
                                           : 0;
            if (f & seen)
                return cx__js_dup(js, &k);
            seen |= f;
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
            default: rc = cx__js_skip(js, 3); break;
            }
            if (rc != 0)
                return rc;
            rc = cx__js_obj_next(js);
        }
        if (rc < 0)
            return rc;
        for (size_t i = 0; i < sizeof req / sizeof req[0]; i++)
            if (!(seen & req[i].f))
                return cx__js_missing(js, req[i].name);
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
    enum { K_CHANNEL = 1, K_DATA = 2 };
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
    unsigned seen = 0;
    const char *data_at = NULL;
    struct cx__js_tok k, t, data_key = {0};

    rc = cx__js_begin(&js);
    if (rc < 0)
        return rc;
    while (rc == 0) {
        rc = cx__js_key(&js, &k);
        if (rc != 0)
            return rc;
        unsigned f = KEYN(k, "channel") ? K_CHANNEL : KEYN(k, "data") ? K_DATA : 0;
        if (f & seen)
            return cx__js_dup(&js, &k);
        seen |= f;
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
        } else {
            rc = cx__js_skip(&js, 1);
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
    if (ch != HL_CONTROL && !(seen & K_DATA))
        return cx__js_missing(&js, "data");
    if (data_at != NULL) {
        js.p = data_at;
        rc = hl_data(&m, &js, ch, &data_key);
        if (rc != 0)
            return rc;
    }
    cx__js_done(out, m.n, m.kind, CX_VENUE_HYPERLIQUID, m.inst_id, local_ts_ns);
    return 0;
}
