/* SPDX-License-Identifier: MIT */
/*
 * Pre-trade risk gate (risk.h): every order of every strategy passes here before it leaves the
 * runtime. The gate keeps its own view of exposure, fed by the runtime: per instrument the
 * position and the open quantity on each side, a sliding window of send times, and the count
 * of open orders. Checks are worst case: an order is judged as if every open order on its side
 * filled too, so the limits hold whatever fills next.
 *
 * Units: positions and open quantities per instrument at the instrument's qty_exp; exposure
 * limits in base units at CX_NOTIONAL_EXP (1e-8), converted with the contract multiplier
 * (truncated toward zero below 1e-8 base, which only Gate spot's 1e-10 quantities can reach).
 */
#include "cexarb/risk.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct inst_state {
    int64_t pos_m;       /* position from fills (+ seeded), qty_exp */
    int64_t open_buy_m;  /* open quantity of sent buy orders, qty_exp */
    int64_t open_sell_m; /* open quantity of sent sell orders, qty_exp */
    int64_t limit_base;  /* |position| limit in base @ 1e-8; 0 = none */
    int32_t asset;       /* index into lim.asset of this instrument's base, -1 = none */
};

struct cx_risk_gate {
    struct cx_risk_limits lim;   /* copy */
    const struct cx_registry *reg; /* retained */
    uint32_t n_inst;             /* reg->count at creation */
    struct inst_state *inst;     /* [n_inst] */
    uint32_t *asset_insts;       /* instruments of each asset limit, concatenated */
    uint32_t asset_first[CX_RISK_MAX_ASSET_LIMITS + 1]; /* asset k: asset_insts[first[k]..
                                                           first[k+1]) */
    int64_t *sent_ns;            /* ring of the last max_orders_per_window send times */
    uint32_t sent_head;          /* next write position */
    uint32_t sent_n;             /* entries in the ring */
    uint32_t open_orders;        /* sent, not final */
    uint64_t refused[CX_REJ_COUNT]; /* by reason */
};

typedef __int128 gate_i128;

/* Base units @ 1e-8 of qty_m of an instrument (quantity x multiplier), truncated toward zero,
 * saturated at +-INT64_MAX. */
static int64_t to_base(const struct cx_instrument *in, int64_t qty_m)
{
    int64_t mult = in->multiplier != 0 ? in->multiplier : 1;
    int e = in->qty_exp + (in->multiplier != 0 ? in->multiplier_exp : 0) - CX_NOTIONAL_EXP;
    gate_i128 v = (gate_i128)qty_m * mult;
    for (; e > 0; e--) {
        v *= 10;
        if (v > INT64_MAX || v < -INT64_MAX)
            return v > 0 ? INT64_MAX : -INT64_MAX;
    }
    for (; e < 0; e++)
        v /= 10;
    if (v > INT64_MAX)
        return INT64_MAX;
    if (v < -INT64_MAX)
        return -INT64_MAX;
    return (int64_t)v;
}

static int gate_fail(struct cx_parse_err *err, int code, const char *msg, const char *key,
                     long idx)
{
    if (err != NULL) {
        char detail[64];
        if (idx >= 0)
            snprintf(detail, sizeof detail, "%s[%ld]", key, idx);
        else
            snprintf(detail, sizeof detail, "%s", key);
        memset(err, 0, sizeof *err);
        cx_parse_err_set(err, code, msg, detail, strlen(detail));
    }
    return code;
}

int cx_risk_gate_new(struct cx_risk_gate **out, const struct cx_risk_limits *lim,
                     const struct cx_registry *reg, struct cx_parse_err *err)
{
    if (out == NULL || lim == NULL || reg == NULL)
        return CX_EINVAL;
    if (lim->n_inst > CX_RISK_MAX_INST_LIMITS)
        return gate_fail(err, CX_EINVAL, "too many position limits", "risk.max_position", -1);
    if (lim->n_asset > CX_RISK_MAX_ASSET_LIMITS)
        return gate_fail(err, CX_EINVAL, "too many asset limits", "risk.max_asset", -1);
    if (lim->max_order_notional < 0 || lim->order_window_ns < 0)
        return gate_fail(err, CX_EINVAL, "limits must not be negative", "risk", -1);
    for (uint32_t i = 0; i < lim->n_inst; i++)
        if (lim->inst[i].max_abs_base <= 0)
            return gate_fail(err, CX_EINVAL, "position limit must be > 0", "risk.max_position",
                             (long)i);
    for (uint32_t i = 0; i < lim->n_asset; i++)
        if (lim->asset[i].max_abs_base <= 0 || lim->asset[i].asset[0] == '\0')
            return gate_fail(err, CX_EINVAL, "asset limit needs an asset and a limit > 0",
                             "risk.max_asset", (long)i);

    int rc = CX_ENOMEM;
    struct cx_risk_gate *g = calloc(1, sizeof *g);
    if (g == NULL)
        return CX_ENOMEM;
    g->lim = *lim;
    if (g->lim.order_window_ns == 0)
        g->lim.order_window_ns = CX_NS_PER_S;
    g->reg = reg;
    g->n_inst = reg->count;
    g->inst = calloc(g->n_inst > 0 ? g->n_inst : 1, sizeof *g->inst);
    if (g->inst == NULL)
        goto fail;
    if (lim->max_orders_per_window > 0) {
        g->sent_ns = calloc(lim->max_orders_per_window, sizeof *g->sent_ns);
        if (g->sent_ns == NULL)
            goto fail;
    }
    for (uint32_t i = 0; i < g->n_inst; i++)
        g->inst[i].asset = -1;
    for (uint32_t i = 0; i < lim->n_inst; i++) {
        const struct cx_risk_inst_limit *l = &lim->inst[i];
        const struct cx_instrument *in =
            cx_registry_find(reg, (enum cx_venue)l->venue, l->symbol,
                             strnlen(l->symbol, sizeof l->symbol));
        if (in == NULL) {
            rc = gate_fail(err, CX_ESYMBOL, "unknown instrument in a position limit",
                           "risk.max_position", (long)i);
            goto fail;
        }
        g->inst[in->id].limit_base = l->max_abs_base;
    }
    /* Asset index: for each asset limit, the instruments whose base is that asset. */
    uint32_t n_total = 0;
    for (uint32_t k = 0; k < lim->n_asset; k++)
        for (uint32_t i = 0; i < g->n_inst; i++)
            if (strcmp(reg->items[i].base, lim->asset[k].asset) == 0)
                n_total++;
    g->asset_insts = calloc(n_total > 0 ? n_total : 1, sizeof *g->asset_insts);
    if (g->asset_insts == NULL)
        goto fail;
    uint32_t w = 0;
    for (uint32_t k = 0; k < lim->n_asset; k++) {
        g->asset_first[k] = w;
        for (uint32_t i = 0; i < g->n_inst; i++)
            if (strcmp(reg->items[i].base, lim->asset[k].asset) == 0) {
                g->asset_insts[w++] = i;
                g->inst[i].asset = (int32_t)k;
            }
    }
    g->asset_first[lim->n_asset] = w;
    *out = g;
    return 0;
fail:
    cx_risk_gate_free(g);
    return rc;
}

void cx_risk_gate_free(struct cx_risk_gate *g)
{
    if (g == NULL)
        return;
    free(g->inst);
    free(g->sent_ns);
    free(g->asset_insts);
    free(g);
}

static enum cx_reject check(const struct cx_risk_gate *g, const struct cx_order_req *req,
                            int64_t ref_price_m, int64_t now_ns);

/* Worst-case position after an order of signed quantity d (> 0 buy), on the order's side:
 * the position plus every open order on that side plus the order. */
static int64_t worst_after(const struct inst_state *s, bool buy, int64_t qty_m)
{
    gate_i128 v = buy ? (gate_i128)s->pos_m + s->open_buy_m + qty_m
                      : (gate_i128)s->pos_m - s->open_sell_m - qty_m;
    return v > INT64_MAX ? INT64_MAX : v < -INT64_MAX ? -INT64_MAX : (int64_t)v;
}

/* Whether an order of qty on its side takes a position pos closer to zero without passing
 * beyond its mirror image (|pos after| <= |pos|): such an order only lowers the exposure the
 * limit is about (a hedge, a close), so a position limit never stands in its way, whatever is
 * resting. */
static bool reduces(int64_t pos, bool buy, int64_t qty)
{
    gate_i128 after = buy ? (gate_i128)pos + qty : (gate_i128)pos - qty;
    gate_i128 a = after < 0 ? -after : after, p = pos < 0 ? -(gate_i128)pos : pos;
    return qty > 0 && a <= p;
}

/* Whether a worst-case value w (base) breaks limit lim when the order moves toward it: a buy
 * may not push w above +lim, a sell not below -lim. Orders on the reducing side only fail
 * when they cross zero and go past the limit on the other side. */
static bool breaks(int64_t w, bool buy, int64_t lim)
{
    return buy ? w > lim : w < -lim;
}

enum cx_reject cx_risk_gate_check(struct cx_risk_gate *g, const struct cx_order_req *req,
                                  int64_t ref_price_m, int64_t now_ns)
{
    enum cx_reject why = check(g, req, ref_price_m, now_ns);
    if (g != NULL && why != CX_REJ_NONE && (unsigned)why < CX_REJ_COUNT)
        g->refused[why]++;
    return why;
}

static enum cx_reject check(const struct cx_risk_gate *g, const struct cx_order_req *req,
                            int64_t ref_price_m, int64_t now_ns)
{
    if (g == NULL || req == NULL || req->inst_id >= g->n_inst || req->qty_m <= 0 ||
        (req->side != CX_SIDE_BID && req->side != CX_SIDE_ASK))
        return CX_REJ_INVALID;
    const struct cx_instrument *in = &g->reg->items[req->inst_id];
    const struct cx_risk_limits *lim = &g->lim;
    bool is_market = req->type == CX_ORD_MARKET;
    bool buy = req->side == CX_SIDE_BID;
    int64_t price = is_market ? ref_price_m : req->price_m;
    int64_t notional = 0;
    bool has_notional = price > 0 && cx_notional(in, price, req->qty_m, 1, &notional) == 0;

    if (!lim->skip_filters) {
        /* Binance spot filters PRICE_FILTER, LOT_SIZE, MIN_NOTIONAL/NOTIONAL
         * (https://developers.binance.com/docs/binance-spot-api-docs/filters); the other
         * venues' equivalents are loaded into the same instrument fields. */
        if (!is_market && in->tick > 0 && req->price_m % in->tick != 0)
            return CX_REJ_RISK_TICK;
        if (in->lot > 0 && req->qty_m % in->lot != 0)
            return CX_REJ_RISK_LOT;
        if (req->qty_m < in->min_qty)
            return CX_REJ_RISK_MIN_QTY;
        bool exempt = (req->flags & CX_ORD_F_REDUCE_ONLY) && in->kind != CX_KIND_SPOT;
        if (has_notional && !exempt && notional < in->min_notional)
            return CX_REJ_RISK_MIN_NOTIONAL;
    }
    if (lim->max_order_notional > 0 && has_notional && notional > lim->max_order_notional)
        return CX_REJ_RISK_MAX_NOTIONAL;
    if (lim->max_open_orders > 0 && g->open_orders >= lim->max_open_orders)
        return CX_REJ_RISK_MAX_OPEN_ORDERS;
    if (lim->max_orders_per_window > 0 && g->sent_n == lim->max_orders_per_window) {
        /* The ring is full: the oldest of the last N sends must have left the window. */
        uint32_t oldest = g->sent_head; /* next write position = oldest entry when full */
        if (g->sent_ns[oldest] > now_ns - lim->order_window_ns)
            return CX_REJ_RISK_ORDER_RATE;
    }
    const struct inst_state *s = &g->inst[req->inst_id];
    if (s->limit_base > 0 && !reduces(s->pos_m, buy, req->qty_m) &&
        breaks(to_base(in, worst_after(s, buy, req->qty_m)), buy, s->limit_base))
        return CX_REJ_RISK_MAX_POSITION;
    if (s->asset >= 0) {
        uint32_t k = (uint32_t)s->asset;
        gate_i128 w = 0, net = 0;
        for (uint32_t j = g->asset_first[k]; j < g->asset_first[k + 1]; j++) {
            uint32_t id = g->asset_insts[j];
            const struct inst_state *o = &g->inst[id];
            const struct cx_instrument *oi = &g->reg->items[id];
            w += to_base(oi, worst_after(o, buy, id == req->inst_id ? req->qty_m : 0));
            net += to_base(oi, o->pos_m);
        }
        int64_t wb = w > INT64_MAX ? INT64_MAX : w < -INT64_MAX ? -INT64_MAX : (int64_t)w;
        int64_t nb = net > INT64_MAX ? INT64_MAX : net < -INT64_MAX ? -INT64_MAX : (int64_t)net;
        if (!reduces(nb, buy, to_base(in, req->qty_m)) &&
            breaks(wb, buy, lim->asset[k].max_abs_base))
            return CX_REJ_RISK_MAX_ASSET;
    }
    return CX_REJ_NONE;
}

void cx_risk_gate_on_sent(struct cx_risk_gate *g, const struct cx_order_req *req, int64_t now_ns)
{
    if (g == NULL || req == NULL || req->inst_id >= g->n_inst)
        return;
    struct inst_state *s = &g->inst[req->inst_id];
    if (req->side == CX_SIDE_BID)
        s->open_buy_m += req->qty_m;
    else
        s->open_sell_m += req->qty_m;
    g->open_orders++;
    if (g->lim.max_orders_per_window > 0) {
        g->sent_ns[g->sent_head] = now_ns;
        g->sent_head = (g->sent_head + 1) % g->lim.max_orders_per_window;
        if (g->sent_n < g->lim.max_orders_per_window)
            g->sent_n++;
    }
}

void cx_risk_gate_on_fill(struct cx_risk_gate *g, const struct cx_fill *fill)
{
    if (g == NULL || fill == NULL || fill->inst_id >= g->n_inst)
        return;
    struct inst_state *s = &g->inst[fill->inst_id];
    /* Open quantities never go below zero: a fill of an order the gate did not see sent (one
     * from before a restart) must not hide the exposure of orders that are open. */
    if (fill->side == CX_SIDE_BID) {
        s->pos_m += fill->qty_m;
        s->open_buy_m = s->open_buy_m > fill->qty_m ? s->open_buy_m - fill->qty_m : 0;
    } else {
        s->pos_m -= fill->qty_m;
        s->open_sell_m = s->open_sell_m > fill->qty_m ? s->open_sell_m - fill->qty_m : 0;
    }
}

void cx_risk_gate_on_final(struct cx_risk_gate *g, const struct cx_order_req *req,
                           int64_t leaves_qty_m)
{
    if (g == NULL || req == NULL || req->inst_id >= g->n_inst)
        return;
    struct inst_state *s = &g->inst[req->inst_id];
    int64_t *open = req->side == CX_SIDE_BID ? &s->open_buy_m : &s->open_sell_m;
    *open = *open > leaves_qty_m ? *open - leaves_qty_m : 0;
    if (g->open_orders > 0)
        g->open_orders--;
}

int cx_risk_gate_set_position(struct cx_risk_gate *g, uint32_t inst_id, int64_t qty_m)
{
    if (g == NULL || inst_id >= g->n_inst)
        return CX_EINVAL;
    g->inst[inst_id].pos_m = qty_m;
    return 0;
}

const uint64_t *cx_risk_gate_refusals(const struct cx_risk_gate *g)
{
    return g != NULL ? g->refused : NULL;
}
