/* SPDX-License-Identifier: MIT */
/*
 * The strategy runtime (runtime.h): strategy contexts, subscribed local books, the OMS, the
 * account mirror, per-strategy positions, the pre-trade risk gate, timers, deferred local
 * rejects and performance sampling. It knows no venue kind and no driver kind.
 *
 * Accounting: the runtime mirrors each account (cx_account) from the balances its venue
 * reports at start and then from the fills and funding the venue reports, so equity is
 * computed from what the strategies know, never from a venue's private state. Equity = cash
 * (quote balances, perp wallets) + spot base balances at the local mid + perp unrealized PnL at
 * the local mid. Instruments enter the accounting (marks, positions.csv rows) in the order of
 * their first local message.
 *
 * Local rejects (risk gate, venue capacity) reach the hooks at once but the strategy only
 * after its current callback returned: a strategy that stores the client id after
 * cx_ctx_place returns must not see the reject before that.
 */
#include "engine_int.h"

#include "cexarb/book.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFERRED_CAP 4096 /* local rejects waiting for the end of a callback */
/* Local rejects one strategy may get at one engine instant before cx_ctx_place refuses to
 * take more orders (CX_EAGAIN) until the clock moves: a strategy that answers each refusal
 * with a new order would otherwise loop within the instant until the order table is full. */
#define REFUSALS_PER_INSTANT 64

struct rt_strategy {
    struct cx_ctx ctx;                  /* first: callbacks get &ctx */
    struct cx_rt *rt;                   /* owner */
    const struct cx_strategy_ops *ops;  /* callbacks */
    void *self;                         /* strategy state */
    char name[32];                      /* instance name */
    uint16_t default_account[CX_VENUE_COUNT]; /* account per venue kind (0 = none) */
    struct cx_position *positions;      /* [n_inst]: this strategy's own positions */
    const char *err_msg;                /* cx_ctx_error: why on_start fails (static) */
    char err_detail[64];                /* its detail */
    int64_t refusals_ns;                /* engine time of the refusals counted below */
    uint32_t refusals;                  /* local rejects at refusals_ns */
    bool stopped;                       /* on_stop returned: no more callbacks */
};

struct rt_book {
    struct cx_book *book;  /* NULL: nobody subscribed */
    uint64_t sub_book;     /* strategies (bit = id) that want on_book */
    uint64_t sub_trades;   /* strategies that want on_trade */
    bool is_live;          /* a local message arrived: in the accounting order */
    bool has_bbo;          /* bbo holds a best bid/offer message */
    struct cx_book_top bbo; /* the last best bid/offer message */
    uint64_t bbo_seq;      /* its book update id */
    uint64_t sub_bbo;      /* strategies that want on_book after a bookTicker */
    bool was_synced;       /* SYNCED after the previous message */
    bool was_ever_synced;  /* SYNCED at least once (a return is a resync) */
};

struct rt_venue {
    struct cx_venue_handle h; /* ops + impl */
    uint32_t mask;            /* venue kinds served */
};

struct cx_rt {
    struct cx_rt_cfg cfg;                  /* copy */
    struct cx_registry *reg;               /* retained */
    const struct cx_engine_hooks *hooks;   /* retained, may be NULL */
    struct cx_oms *oms;
    struct cx_risk_gate *gate;
    uint32_t n_venues;
    struct rt_venue venues[CX_RT_MAX_VENUES];
    int8_t venue_of_kind[CX_VENUE_COUNT];  /* index into venues, -1 = none */
    uint32_t n_accounts;
    struct cx_account accounts[CX_RT_MAX_ACCOUNTS]; /* mirror, id = index + 1 */
    uint32_t n_strat;
    struct rt_strategy *strat[CX_RT_MAX_STRATEGIES];
    uint32_t n_inst;                       /* reg->count at creation */
    struct rt_book *books;                 /* [n_inst] */
    uint32_t n_live;
    uint32_t *live;                        /* [n_inst] instruments in first-message order */
    struct cx__timer_heap timers;
    uint64_t timer_seq;                    /* next arming sequence number */
    uint64_t *deferred;                    /* ring of client ids of local rejects */
    uint32_t def_head, def_n;
    int64_t now_ns;
    int64_t interval_ns;                   /* sample interval */
    int64_t next_sample_ns;                /* INT64_MAX before start */
    bool started;
    bool in_start;                         /* inside on_start (subscriptions allowed) */
    bool in_strategy;                      /* strategy callbacks allowed */
    bool stop_requested;
    struct cx_engine_result res;
    char log_buf[512];
    char log_join[1024];                   /* "strategy":"name", + fields */
};

static const struct cx_ctx_ops k_ctx_ops;

static struct rt_strategy *strat_of(struct cx_ctx *ctx)
{
    return (struct rt_strategy *)ctx; /* ctx is the first member */
}

static const struct rt_strategy *cstrat_of(const struct cx_ctx *ctx)
{
    return (const struct rt_strategy *)ctx;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: logging and notification
 * ------------------------------------------------------------------------------------------- */

static void rt_log(struct cx_rt *rt, const struct rt_strategy *s, const char *event,
                   const char *fields)
{
    if (rt->hooks == NULL || rt->hooks->on_log == NULL)
        return;
    if (fields == NULL)
        fields = "";
    /* With several strategies every line says whose it is; one strategy keeps the lines of
     * single-strategy runs unchanged. */
    if (s != NULL && rt->n_strat > 1) {
        char esc[80];
        snprintf(esc, sizeof esc, "%s", s->name);
        int n = snprintf(rt->log_join, sizeof rt->log_join, "\"strategy\":\"%s\"%s%s", esc,
                         fields[0] != '\0' ? "," : "", fields);
        if (n > 0 && (size_t)n < sizeof rt->log_join)
            fields = rt->log_join;
    }
    rt->hooks->on_log(rt->hooks->arg, rt->now_ns, event, fields);
}

static struct rt_strategy *owner_of(const struct cx_rt *rt, const struct cx_order *o)
{
    return o->req.strategy_id < rt->n_strat ? rt->strat[o->req.strategy_id] : NULL;
}

static bool may_call(const struct cx_rt *rt, const struct rt_strategy *s)
{
    return s != NULL && rt->in_strategy && !s->stopped;
}

static void hook_order(struct cx_rt *rt, const struct cx_order *o)
{
    if (rt->hooks != NULL && rt->hooks->on_order != NULL)
        rt->hooks->on_order(rt->hooks->arg, o);
}

static void notify_order(struct cx_rt *rt, const struct cx_order *o)
{
    hook_order(rt, o);
    struct rt_strategy *s = owner_of(rt, o);
    if (may_call(rt, s) && s->ops->on_order_update != NULL)
        s->ops->on_order_update(s->self, &s->ctx, o);
}

/* A local reject: the hooks now, the owning strategy after its current callback. */
static void defer_reject(struct cx_rt *rt, const struct cx_order *o)
{
    hook_order(rt, o);
    struct rt_strategy *owner = owner_of(rt, o);
    if (owner != NULL) {
        if (owner->refusals_ns != rt->now_ns) {
            owner->refusals_ns = rt->now_ns;
            owner->refusals = 0;
        }
        owner->refusals++;
    }
    if (rt->def_n == DEFERRED_CAP) {
        /* Cannot happen without 4096 local rejects inside one callback; deliver it now rather
         * than lose it. */
        struct rt_strategy *s = owner_of(rt, o);
        if (may_call(rt, s) && s->ops->on_order_update != NULL)
            s->ops->on_order_update(s->self, &s->ctx, o);
        return;
    }
    rt->deferred[(rt->def_head + rt->def_n) % DEFERRED_CAP] = o->req.client_id;
    rt->def_n++;
}

/* Deliver deferred rejects (those they cause too) once a callback has returned. */
static void flush_deferred(struct cx_rt *rt)
{
    while (rt->def_n > 0) {
        uint64_t id = rt->deferred[rt->def_head];
        rt->def_head = (rt->def_head + 1) % DEFERRED_CAP;
        rt->def_n--;
        const struct cx_order *o = cx_oms_order(rt->oms, id);
        struct rt_strategy *s = o != NULL ? owner_of(rt, o) : NULL;
        if (may_call(rt, s) && s->ops->on_order_update != NULL)
            s->ops->on_order_update(s->self, &s->ctx, o);
    }
}

/* ---------------------------------------------------------------------------------------------
 * MARK: context API (strat.h)
 * ------------------------------------------------------------------------------------------- */

static int64_t ctx_now_ns(const struct cx_ctx *ctx)
{
    return cstrat_of(ctx)->rt->now_ns;
}

static const struct rt_venue *venue_for(const struct cx_rt *rt, uint8_t kind)
{
    if (kind >= CX_VENUE_COUNT || rt->venue_of_kind[kind] < 0)
        return NULL;
    return &rt->venues[rt->venue_of_kind[kind]];
}

/* Price a market order is judged at by the risk gate: the opposite touch of the local book. */
static int64_t ref_price(const struct cx_rt *rt, const struct cx_order_req *req)
{
    const struct cx_book *b = req->inst_id < rt->n_inst ? rt->books[req->inst_id].book : NULL;
    if (b == NULL || req->type != CX_ORD_MARKET)
        return req->type == CX_ORD_MARKET ? 0 : req->price_m;
    struct cx_book_top t;
    cx_book_top(b, &t);
    if (req->side == CX_SIDE_BID)
        return t.has_ask ? t.ask_price_m : 0;
    return t.has_bid ? t.bid_price_m : 0;
}

static int ctx_place(struct cx_ctx *ctx, struct cx_order_req *req)
{
    struct rt_strategy *s = strat_of(ctx);
    struct cx_rt *rt = s->rt;
    if (req == NULL)
        return CX_EINVAL;
    if (s->stopped)
        return CX_ESTATE;
    const struct cx_instrument *in = cx_registry_get(rt->reg, req->inst_id);
    if (in == NULL || req->inst_id >= rt->n_inst)
        return CX_EINVAL;
    if (s->refusals_ns == rt->now_ns && s->refusals >= REFUSALS_PER_INSTANT) {
        if (s->refusals == REFUSALS_PER_INSTANT) { /* journal it once per instant */
            s->refusals++;
            rt_log(rt, s, "error_refusal_storm",
                   "\"refused_at_this_instant\":64,\"action\":\"orders not taken until the "
                   "clock moves\"");
        }
        return CX_EAGAIN;
    }
    const struct rt_venue *v = venue_for(rt, in->venue);
    if (v == NULL)
        return CX_EINVAL;
    struct cx_order_req r = *req;
    if (r.account_id == 0) {
        r.account_id = s->default_account[in->venue];
    } else if (r.account_id > rt->n_accounts ||
               rt->accounts[r.account_id - 1].venue != in->venue) {
        return CX_EINVAL;
    }
    r.strategy_id = s->ctx.strategy_id;
    struct cx_order *o;
    int rc = cx_oms_submit(rt->oms, &r, rt->now_ns, &o);
    if (rc != 0)
        return rc;
    *req = r;
    rt->res.orders++;
    hook_order(rt, o); /* PENDING_NEW */
    enum cx_reject why = cx_risk_gate_check(rt->gate, &o->req, ref_price(rt, &o->req), rt->now_ns);
    if (why != CX_REJ_NONE) {
        cx_oms_set_status(rt->oms, o, CX_ORD_REJECTED, why, rt->now_ns);
        rt->res.risk_refusals++;
        snprintf(rt->log_buf, sizeof rt->log_buf,
                 "\"client_id\":%" PRIu64 ",\"inst_id\":%u,\"reason\":\"%s\"", o->req.client_id,
                 o->req.inst_id, cx_reject_name(why));
        rt_log(rt, s, "risk_refusal", rt->log_buf);
        defer_reject(rt, o);
        return 0;
    }
    rc = v->h.ops->submit(v->h.impl, &o->req, rt->now_ns);
    if (rc != 0) {
        /* The venue could not take it at all (capacity): a local reject. */
        cx_oms_set_status(rt->oms, o, CX_ORD_REJECTED, CX_REJ_RISK, rt->now_ns);
        rt->res.local_rejects++;
        defer_reject(rt, o);
        return 0;
    }
    cx_risk_gate_on_sent(rt->gate, &o->req, rt->now_ns);
    return 0;
}

static int ctx_cancel(struct cx_ctx *ctx, uint64_t client_id)
{
    struct rt_strategy *s = strat_of(ctx);
    struct cx_rt *rt = s->rt;
    struct cx_order *o = cx_oms_order(rt->oms, client_id);
    if (o == NULL || o->req.strategy_id != s->ctx.strategy_id)
        return CX_ENOENT;
    if (!cx_oms_transition_allowed((enum cx_ord_status)o->status, CX_ORD_PENDING_CANCEL))
        return CX_ESTATE;
    const struct cx_instrument *in = cx_registry_get(rt->reg, o->req.inst_id);
    const struct rt_venue *v = in != NULL ? venue_for(rt, in->venue) : NULL;
    if (v == NULL)
        return CX_EINVAL;
    /* Send first: when the venue cannot take the cancel the order keeps its state, so it is
     * never left PENDING_CANCEL with no cancel on its way. */
    int rc = v->h.ops->cancel(v->h.impl, &o->req, rt->now_ns);
    if (rc != 0)
        return rc;
    rc = cx_oms_set_status(rt->oms, o, CX_ORD_PENDING_CANCEL, CX_REJ_NONE, rt->now_ns);
    if (rc != 0)
        return rc; /* not reachable: the transition was checked above */
    hook_order(rt, o); /* PENDING_CANCEL */
    return 0;
}

struct cancel_all {
    struct cx_ctx *ctx;
    uint16_t strategy_id;
    uint32_t inst_id;
    int sent;
};

static void cancel_one(const struct cx_order *o, void *arg)
{
    struct cancel_all *ca = arg;
    if (o->req.strategy_id != ca->strategy_id ||
        cx_ord_status_is_final((enum cx_ord_status)o->status) ||
        o->status == CX_ORD_PENDING_CANCEL)
        return;
    if (ca->inst_id != UINT32_MAX && o->req.inst_id != ca->inst_id)
        return;
    if (ctx_cancel(ca->ctx, o->req.client_id) == 0)
        ca->sent++;
}

static int ctx_cancel_all(struct cx_ctx *ctx, uint32_t inst_id)
{
    /* Every open order of this strategy, however many: a cancel-all that stops at a buffer
     * size would leave orders working at the venue. ctx_cancel only changes the status of the
     * order being visited (orders never move in the OMS table), so visiting while cancelling
     * is safe. */
    struct cancel_all ca = {ctx, ctx->strategy_id, inst_id, 0};
    cx_oms_foreach(strat_of(ctx)->rt->oms, cancel_one, &ca);
    return ca.sent;
}

static int ctx_timer_start(struct cx_ctx *ctx, struct cx_timer *t, int64_t at_ns)
{
    struct cx_rt *rt = strat_of(ctx)->rt;
    if (t == NULL || t->cb == NULL || at_ns < rt->now_ns)
        return CX_EINVAL;
    if (t->is_active)
        cx__timer_heap_remove(&rt->timers, t);
    t->at_ns = at_ns;
    t->seq = rt->timer_seq++;
    t->strategy_id = ctx->strategy_id;
    t->is_active = true;
    cx__timer_heap_insert(&rt->timers, t);
    return 0;
}

static void ctx_timer_stop(struct cx_ctx *ctx, struct cx_timer *t)
{
    if (t == NULL || !t->is_active)
        return;
    cx__timer_heap_remove(&strat_of(ctx)->rt->timers, t);
    t->is_active = false;
}

static int ctx_subscribe(struct cx_ctx *ctx, uint32_t inst_id, unsigned flags)
{
    struct cx_rt *rt = strat_of(ctx)->rt;
    if (!rt->in_start)
        return CX_ESTATE;
    const struct cx_instrument *in = cx_registry_get(rt->reg, inst_id);
    if (in == NULL || inst_id >= rt->n_inst || flags == 0 ||
        (flags & ~(CX_SUB_BOOK | CX_SUB_TRADES | CX_SUB_BBO)) != 0)
        return CX_EINVAL;
    struct rt_book *rb = &rt->books[inst_id];
    if (rb->book == NULL) {
        struct cx_book_cfg bc = {.inst_id = inst_id,
                                 .rule = cx_book_rule_for_venue((enum cx_venue)in->venue),
                                 .tick_m = in->tick};
        int rc = cx_book_new(&rb->book, &bc);
        if (rc != 0)
            return rc;
    }
    uint64_t bit = UINT64_C(1) << ctx->strategy_id;
    if (flags & CX_SUB_BOOK)
        rb->sub_book |= bit;
    if (flags & CX_SUB_TRADES)
        rb->sub_trades |= bit;
    if (flags & CX_SUB_BBO)
        rb->sub_bbo |= bit;
    return 0;
}

static bool ctx_top(const struct cx_ctx *ctx, uint32_t inst_id, struct cx_book_top *out)
{
    const struct cx_rt *rt = cstrat_of(ctx)->rt;
    memset(out, 0, sizeof *out);
    const struct rt_book *rb = inst_id < rt->n_inst ? &rt->books[inst_id] : NULL;
    if (rb == NULL || rb->book == NULL || cx_book_state(rb->book) != CX_BOOK_SYNCED)
        return false;
    if (rb->has_bbo && rb->bbo_seq > cx_book_last_seq(rb->book))
        *out = rb->bbo;
    else
        cx_book_top(rb->book, out);
    if (!out->has_bid || !out->has_ask) {
        memset(out, 0, sizeof *out);
        return false;
    }
    return true;
}

static const struct cx_book *ctx_book(const struct cx_ctx *ctx, uint32_t inst_id)
{
    const struct cx_rt *rt = cstrat_of(ctx)->rt;
    return inst_id < rt->n_inst ? rt->books[inst_id].book : NULL;
}

static const struct cx_instrument *ctx_instrument(const struct cx_ctx *ctx, uint32_t inst_id)
{
    return cx_registry_get(cstrat_of(ctx)->rt->reg, inst_id);
}

static uint32_t ctx_find_instrument(const struct cx_ctx *ctx, enum cx_venue venue,
                                    const char *symbol)
{
    if (symbol == NULL)
        return UINT32_MAX;
    const struct cx_instrument *in =
        cx_registry_find(cstrat_of(ctx)->rt->reg, venue, symbol, strlen(symbol));
    return in ? in->id : UINT32_MAX;
}

static const struct cx_position k_flat; /* immutable: what an unknown instrument holds */

static const struct cx_position *ctx_position(const struct cx_ctx *ctx, uint32_t inst_id)
{
    const struct rt_strategy *s = cstrat_of(ctx);
    return inst_id < s->rt->n_inst ? &s->positions[inst_id] : &k_flat;
}

static const struct cx_order *ctx_order(const struct cx_ctx *ctx, uint64_t client_id)
{
    const struct cx_order *o = cx_oms_order(cstrat_of(ctx)->rt->oms, client_id);
    return o != NULL && o->req.strategy_id == ctx->strategy_id ? o : NULL;
}

static uint16_t ctx_account(const struct cx_ctx *ctx, enum cx_venue venue, const char *name)
{
    const struct rt_strategy *s = cstrat_of(ctx);
    if ((unsigned)venue >= CX_VENUE_COUNT)
        return 0;
    if (name == NULL)
        return s->default_account[venue];
    for (uint32_t i = 0; i < s->rt->n_accounts; i++)
        if (s->rt->accounts[i].venue == (uint8_t)venue &&
            strcmp(s->rt->accounts[i].name, name) == 0)
            return (uint16_t)(i + 1);
    return 0;
}

static int64_t ctx_balance(const struct cx_ctx *ctx, uint16_t account_id, const char *asset)
{
    const struct cx_rt *rt = cstrat_of(ctx)->rt;
    if (account_id == 0 || account_id > rt->n_accounts || asset == NULL)
        return 0;
    const struct cx_account *a = &rt->accounts[account_id - 1];
    for (uint32_t i = 0; i < a->n_balances; i++)
        if (strcmp(a->balances[i].asset, asset) == 0)
            return a->balances[i].total - a->balances[i].locked;
    return 0;
}

static int64_t ctx_account_position(const struct cx_ctx *ctx, uint16_t account_id,
                                    uint32_t inst_id)
{
    const struct cx_rt *rt = cstrat_of(ctx)->rt;
    if (account_id == 0 || account_id > rt->n_accounts)
        return 0;
    const struct cx_account *a = &rt->accounts[account_id - 1];
    for (uint32_t i = 0; i < a->n_perps; i++)
        if (a->perps[i].inst_id == inst_id)
            return a->perps[i].qty_m;
    return 0;
}

static void ctx_log(struct cx_ctx *ctx, const char *event, const char *json_fields)
{
    struct rt_strategy *s = strat_of(ctx);
    rt_log(s->rt, s, event, json_fields);
}

static void ctx_error(struct cx_ctx *ctx, const char *msg, const char *detail)
{
    struct rt_strategy *s = strat_of(ctx);
    s->err_msg = msg;
    snprintf(s->err_detail, sizeof s->err_detail, "%s", detail != NULL ? detail : "");
}

static void ctx_stop(struct cx_ctx *ctx)
{
    strat_of(ctx)->rt->stop_requested = true;
}

static const struct cx_ctx_ops k_ctx_ops = {
    .now_ns = ctx_now_ns,
    .place = ctx_place,
    .cancel = ctx_cancel,
    .cancel_all = ctx_cancel_all,
    .timer_start = ctx_timer_start,
    .timer_stop = ctx_timer_stop,
    .subscribe = ctx_subscribe,
    .book = ctx_book,
    .top = ctx_top,
    .instrument = ctx_instrument,
    .find_instrument = ctx_find_instrument,
    .position = ctx_position,
    .order = ctx_order,
    .account = ctx_account,
    .balance = ctx_balance,
    .account_position = ctx_account_position,
    .log = ctx_log,
    .error = ctx_error,
    .stop = ctx_stop,
};

/* ---------------------------------------------------------------------------------------------
 * MARK: accounting
 * ------------------------------------------------------------------------------------------- */

static int64_t mid_of(const struct cx_rt *rt, uint32_t inst_id)
{
    const struct cx_book *b = inst_id < rt->n_inst && rt->books[inst_id].is_live
                                  ? rt->books[inst_id].book
                                  : NULL;
    if (b == NULL)
        return 0;
    struct cx_book_top t;
    cx_book_top(b, &t);
    if (!t.has_bid || !t.has_ask)
        return 0;
    /* Mid rounded toward the bid: (bid + ask) / 2 in integer arithmetic. */
    return t.bid_price_m + (t.ask_price_m - t.bid_price_m) / 2;
}

/* Value of `amount` (at CX_NOTIONAL_EXP) of `asset` in `quote`, via the mid of a spot book of
 * the run that trades asset against quote. Returns false when no such book has a mid. */
static bool asset_value(const struct cx_rt *rt, const char *asset, const char *quote,
                        int64_t amount, int64_t *out)
{
    if (strcmp(asset, quote) == 0) {
        *out = amount;
        return true;
    }
    for (uint32_t i = 0; i < rt->n_live; i++) {
        const struct cx_instrument *in = cx_registry_get(rt->reg, rt->live[i]);
        if (in == NULL || in->kind != CX_KIND_SPOT || strcmp(in->base, asset) != 0 ||
            strcmp(in->quote, quote) != 0)
            continue;
        int64_t mid = mid_of(rt, in->id);
        if (mid == 0)
            continue;
        /* amount (base @ -8) * mid (@ price_exp) -> quote @ -8. */
        __int128 v = (__int128)amount * mid;
        int64_t p10 = cx_pow10_i64(-in->price_exp);
        if (in->price_exp > 0 || p10 == 0)
            continue;
        __int128 q = v / p10, r = v % p10;
        if (2 * (r < 0 ? -r : r) >= p10)
            q += v < 0 ? -1 : 1;
        *out = (int64_t)q;
        return true;
    }
    return false;
}

static const char *account_quote(const struct cx_rt *rt, const struct cx_account *a)
{
    /* The quote currency of the first instrument of this venue in the run, else USDT. */
    for (uint32_t i = 0; i < rt->n_live; i++) {
        const struct cx_instrument *in = cx_registry_get(rt->reg, rt->live[i]);
        if (in != NULL && in->venue == a->venue && in->quote[0] != '\0')
            return in->quote;
    }
    return "USDT";
}

/* Returns false (and emits nothing) while some non-zero balance cannot be marked yet (its
 * book has no mid): an equity curve that starts without them would show their whole value as
 * profit when the book arrives. */
static bool take_sample(struct cx_rt *rt, struct cx_perf_sample *s)
{
    memset(s, 0, sizeof *s);
    for (uint32_t i = 0; i < rt->n_accounts; i++) {
        const struct cx_account *a = &rt->accounts[i];
        const char *quote = account_quote(rt, a);
        for (uint32_t k = 0; k < a->n_balances; k++) {
            int64_t v;
            if (a->balances[k].total != 0 &&
                !asset_value(rt, a->balances[k].asset, quote, a->balances[k].total, &v))
                return false;
        }
    }
    s->ts_ns = rt->now_ns;
    for (uint32_t i = 0; i < rt->n_accounts; i++) {
        const struct cx_account *a = &rt->accounts[i];
        const char *quote = account_quote(rt, a);
        for (uint32_t k = 0; k < a->n_balances; k++) {
            const struct cx_balance *bal = &a->balances[k];
            if (strcmp(bal->asset, quote) == 0) {
                s->cash += bal->total;
            } else {
                int64_t v;
                if (asset_value(rt, bal->asset, quote, bal->total, &v))
                    s->position_value += v;
            }
        }
    }
    for (uint32_t i = 0; i < rt->n_live; i++) {
        uint32_t id = rt->live[i];
        const struct cx_instrument *in = cx_registry_get(rt->reg, id);
        const struct cx_position *p = cx_oms_position(rt->oms, id);
        int64_t mid = mid_of(rt, id);
        int64_t unreal = (p->qty_m != 0 && mid != 0) ? cx_oms_unrealized(rt->oms, id, mid) : 0;
        s->realized += p->realized_pnl;
        s->fees += p->fees;
        s->funding += p->funding;
        s->unrealized += unreal;
        if (in != NULL && in->kind != CX_KIND_SPOT)
            s->position_value += unreal;
        if (rt->hooks != NULL && rt->hooks->on_position != NULL)
            rt->hooks->on_position(rt->hooks->arg, rt->now_ns, id, mid, p, unreal);
    }
    s->equity = s->cash + s->position_value;
    return true;
}

static void hook_sample(struct cx_rt *rt, const struct cx_perf_sample *s)
{
    if (rt->hooks != NULL && rt->hooks->on_sample != NULL)
        rt->hooks->on_sample(rt->hooks->arg, s);
}

/* ---------------------------------------------------------------------------------------------
 * MARK: lifecycle
 * ------------------------------------------------------------------------------------------- */

static int cfg_fail(struct cx_parse_err *err, int code, const char *msg, const char *detail)
{
    if (err != NULL) {
        memset(err, 0, sizeof *err);
        cx_parse_err_set(err, code, msg, detail, detail != NULL ? strlen(detail) : 0);
    }
    return code;
}

int cx_rt_new(struct cx_rt **out, const struct cx_rt_cfg *cfg,
              const struct cx_engine_hooks *hooks, struct cx_parse_err *err)
{
    if (out == NULL || cfg == NULL || cfg->reg == NULL)
        return cfg_fail(err, CX_EINVAL, "runtime needs a registry", NULL);
    if (cfg->n_accounts > CX_RT_MAX_ACCOUNTS)
        return cfg_fail(err, CX_EINVAL, "too many accounts (at most 16)", "accounts");
    for (uint32_t i = 0; i < cfg->n_accounts; i++) {
        const struct cx_rt_account *a = &cfg->accounts[i];
        if (a->venue == CX_VENUE_UNKNOWN || a->venue >= CX_VENUE_COUNT)
            return cfg_fail(err, CX_EINVAL, "account with an unknown venue", a->name);
        if (strnlen(a->name, sizeof a->name) == sizeof a->name)
            return cfg_fail(err, CX_EINVAL, "account name longer than 15 bytes", "accounts");
        for (uint32_t j = 0; j < i; j++)
            if (cfg->accounts[j].venue == a->venue &&
                strcmp(cfg->accounts[j].name, a->name) == 0)
                return cfg_fail(err, CX_EINVAL, "two accounts with one name on one venue",
                                a->name);
    }
    struct cx_rt *rt = calloc(1, sizeof *rt);
    if (rt == NULL)
        return CX_ENOMEM;
    int rc = CX_ENOMEM;
    rt->cfg = *cfg;
    rt->reg = cfg->reg;
    rt->hooks = hooks;
    rt->n_inst = cfg->reg->count;
    rt->books = calloc(rt->n_inst > 0 ? rt->n_inst : 1, sizeof *rt->books);
    rt->live = calloc(rt->n_inst > 0 ? rt->n_inst : 1, sizeof *rt->live);
    rt->deferred = calloc(DEFERRED_CAP, sizeof *rt->deferred);
    if (rt->books == NULL || rt->live == NULL || rt->deferred == NULL)
        goto fail;
    struct cx_oms_cfg ocfg = {.reg = cfg->reg, .max_orders = cfg->max_orders};
    rc = cx_oms_new(&rt->oms, &ocfg);
    if (rc != 0)
        goto fail;
    rc = cx_risk_gate_new(&rt->gate, &cfg->risk, cfg->reg, err);
    if (rc != 0)
        goto fail;
    memset(rt->venue_of_kind, -1, sizeof rt->venue_of_kind);
    rt->n_accounts = cfg->n_accounts;
    for (uint32_t i = 0; i < cfg->n_accounts; i++) {
        memcpy(rt->accounts[i].name, cfg->accounts[i].name, sizeof rt->accounts[i].name);
        rt->accounts[i].venue = cfg->accounts[i].venue;
    }
    rt->interval_ns = cfg->sample_interval_ns > 0 ? cfg->sample_interval_ns : CX_NS_PER_S;
    rt->next_sample_ns = INT64_MAX;
    *out = rt;
    return 0;
fail:
    cx_rt_free(rt);
    return rc;
}

void cx_rt_free(struct cx_rt *rt)
{
    if (rt == NULL)
        return;
    for (uint32_t i = 0; i < rt->n_strat; i++) {
        free(rt->strat[i]->positions);
        free(rt->strat[i]);
    }
    if (rt->books != NULL)
        for (uint32_t i = 0; i < rt->n_inst; i++)
            cx_book_free(rt->books[i].book);
    free(rt->books);
    free(rt->live);
    free(rt->deferred);
    cx_risk_gate_free(rt->gate);
    cx_oms_free(rt->oms);
    free(rt);
}

int cx_rt_add_venue(struct cx_rt *rt, struct cx_venue_handle venue, uint32_t venue_mask)
{
    if (rt == NULL || venue.ops == NULL || venue_mask == 0)
        return CX_EINVAL;
    if (rt->n_venues == CX_RT_MAX_VENUES)
        return CX_ENOSPC;
    for (int k = 0; k < CX_VENUE_COUNT; k++)
        if ((venue_mask & (1u << k)) && rt->venue_of_kind[k] >= 0)
            return CX_EINVAL;
    rt->venues[rt->n_venues] = (struct rt_venue){.h = venue, .mask = venue_mask};
    for (int k = 0; k < CX_VENUE_COUNT; k++)
        if (venue_mask & (1u << k))
            rt->venue_of_kind[k] = (int8_t)rt->n_venues;
    rt->n_venues++;
    return 0;
}

int cx_rt_add_strategy(struct cx_rt *rt, const struct cx_rt_strategy *st, uint16_t *out_id)
{
    if (rt == NULL || st == NULL || st->ops == NULL ||
        st->n_default_accounts > CX_RT_MAX_ACCOUNTS)
        return CX_EINVAL;
    if (rt->started)
        return CX_ESTATE;
    if (rt->n_strat == CX_RT_MAX_STRATEGIES)
        return CX_ENOSPC;
    for (uint32_t i = 0; i < st->n_default_accounts; i++)
        if (st->default_accounts[i] == 0 || st->default_accounts[i] > rt->n_accounts)
            return CX_EINVAL;
    struct rt_strategy *s = calloc(1, sizeof *s);
    if (s == NULL)
        return CX_ENOMEM;
    s->positions = calloc(rt->n_inst > 0 ? rt->n_inst : 1, sizeof *s->positions);
    if (s->positions == NULL) {
        free(s);
        return CX_ENOMEM;
    }
    for (uint32_t i = 0; i < rt->n_inst; i++)
        s->positions[i].inst_id = i;
    s->ctx.ops = &k_ctx_ops;
    s->ctx.strategy_id = (uint16_t)rt->n_strat;
    s->rt = rt;
    s->ops = st->ops;
    s->self = st->self;
    snprintf(s->name, sizeof s->name, "%s",
             st->name != NULL ? st->name : st->ops->name != NULL ? st->ops->name : "");
    /* Default account per venue kind: the configured one, else the venue's first. */
    for (uint32_t i = rt->n_accounts; i-- > 0;)
        s->default_account[rt->accounts[i].venue] = (uint16_t)(i + 1);
    for (uint32_t i = 0; i < st->n_default_accounts; i++) {
        uint16_t id = st->default_accounts[i];
        s->default_account[rt->accounts[id - 1].venue] = id;
    }
    rt->strat[rt->n_strat++] = s;
    if (out_id != NULL)
        *out_id = s->ctx.strategy_id;
    return 0;
}

int cx_rt_start(struct cx_rt *rt, int64_t now_ns, const char *start_fields,
                struct cx_parse_err *err)
{
    if (rt == NULL || rt->started)
        return CX_EINVAL;
    rt->now_ns = now_ns;
    rt->res.first_ts_ns = now_ns;
    for (uint32_t i = 0; i < rt->n_accounts; i++) {
        struct cx_account *a = &rt->accounts[i];
        const struct rt_venue *v = venue_for(rt, a->venue);
        if (v == NULL)
            return cfg_fail(err, CX_EINVAL, "account on a venue with no implementation",
                            a->name);
        char name[sizeof a->name];
        memcpy(name, a->name, sizeof name);
        int rc = v->h.ops->account(v->h.impl, (uint16_t)(i + 1), a);
        if (rc != 0)
            return cfg_fail(err, rc, "the venue does not know this account", name);
        memcpy(a->name, name, sizeof a->name); /* the run's name wins */
    }
    rt->started = true;
    rt->next_sample_ns = now_ns;
    rt->in_strategy = true;
    /* "start": the strategies' names, then what the driver adds ("files":2). */
    char names[256];
    size_t nl = 0;
    names[0] = '\0';
    for (uint32_t i = 0; i < rt->n_strat; i++) {
        int n = snprintf(names + nl, sizeof names - nl, "%s%s", i ? "," : "", rt->strat[i]->name);
        if (n > 0 && (size_t)n < sizeof names - nl)
            nl += (size_t)n;
    }
    snprintf(rt->log_buf, sizeof rt->log_buf, "\"strategy\":\"%s\"%s%s", names,
             start_fields != NULL && start_fields[0] != '\0' ? "," : "",
             start_fields != NULL ? start_fields : "");
    rt_log(rt, NULL, "start", rt->log_buf);
    for (uint32_t i = 0; i < rt->n_strat; i++) {
        struct rt_strategy *s = rt->strat[i];
        if (s->ops->on_start == NULL)
            continue;
        rt->in_start = true;
        int rc = s->ops->on_start(s->self, &s->ctx);
        rt->in_start = false;
        if (rc != 0) {
            char detail[sizeof s->name + sizeof s->err_detail + 16];
            if (s->err_detail[0] != '\0')
                snprintf(detail, sizeof detail, "strategy %s: %s", s->name, s->err_detail);
            else
                snprintf(detail, sizeof detail, "strategy %s", s->name);
            return cfg_fail(err, rc,
                            s->err_msg != NULL ? s->err_msg : "the strategy could not start",
                            detail);
        }
        flush_deferred(rt);
    }
    return 0;
}

void cx_rt_set_now(struct cx_rt *rt, int64_t now_ns)
{
    if (now_ns > rt->now_ns)
        rt->now_ns = now_ns;
}

int64_t cx_rt_now(const struct cx_rt *rt)
{
    return rt->now_ns;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: market data
 * ------------------------------------------------------------------------------------------- */

static void venue_event_to(struct cx_rt *rt, uint64_t mask, const struct cx_venue_event *ev)
{
    for (uint32_t i = 0; i < rt->n_strat && rt->in_strategy; i++) {
        struct rt_strategy *s = rt->strat[i];
        if ((mask & (UINT64_C(1) << i)) && may_call(rt, s) && s->ops->on_venue_state != NULL) {
            s->ops->on_venue_state(s->self, &s->ctx, ev);
            flush_deferred(rt);
        }
    }
}

int cx_rt_on_md(struct cx_rt *rt, const struct cx_md_batch *b)
{
    if (rt == NULL || b == NULL)
        return CX_EINVAL;
    rt->res.local_messages++;
    rt->res.events += b->n;
    struct rt_book *rb = b->inst_id < rt->n_inst ? &rt->books[b->inst_id] : NULL;
    if (rb == NULL || rb->book == NULL) {
        rt->res.md_ignored++;
    } else {
        if (!rb->is_live) {
            rb->is_live = true;
            rt->live[rt->n_live++] = b->inst_id;
        }
        uint64_t subs = rb->sub_book | rb->sub_trades;
        switch ((enum cx_md_kind)b->kind) {
        case CX_MD_KIND_DEPTH:
        case CX_MD_KIND_SNAPSHOT: {
            if (cx_book_apply(rb->book, b->ev, b->n) == CX_EGAP)
                rt->res.book_gaps++;
            bool synced = cx_book_state(rb->book) == CX_BOOK_SYNCED;
            if (synced != rb->was_synced && (!synced || rb->was_ever_synced)) {
                const struct cx_instrument *in = cx_registry_get(rt->reg, b->inst_id);
                struct cx_venue_event ev = {
                    .venue = in != NULL ? in->venue : (uint8_t)CX_VENUE_UNKNOWN,
                    .state = synced ? CX_VENUE_BOOK_RESYNCED : CX_VENUE_BOOK_STALE,
                    .inst_id = b->inst_id,
                    .ts_ns = rt->now_ns};
                venue_event_to(rt, subs, &ev);
            }
            rb->was_synced = synced;
            rb->was_ever_synced |= synced;
            for (uint32_t i = 0; i < rt->n_strat && rt->in_strategy; i++) {
                struct rt_strategy *s = rt->strat[i];
                if ((rb->sub_book & (UINT64_C(1) << i)) && may_call(rt, s) &&
                    s->ops->on_book != NULL) {
                    s->ops->on_book(s->self, &s->ctx, b->inst_id, rb->book);
                    flush_deferred(rt);
                }
            }
            break;
        }
        case CX_MD_KIND_BBO: {
            /* Keep the newest (by update id) with both sides and quantities; subscribers of
             * CX_SUB_BBO hear of a change of the touch through on_book. */
            const struct cx_md_event *e = &b->ev[b->n - 1];
            if (e->type != CX_MD_BBO || (e->flags & CX_MD_F_NOQTY) || e->seq == 0 ||
                (rb->has_bbo && e->seq <= rb->bbo_seq) || e->u.bbo.bid_price_m <= 0 ||
                e->u.bbo.ask_price_m <= 0)
                break;
            bool moved = !rb->has_bbo || rb->bbo.bid_price_m != e->u.bbo.bid_price_m ||
                         rb->bbo.ask_price_m != e->u.bbo.ask_price_m;
            rb->bbo = (struct cx_book_top){.has_bid = true,
                                           .has_ask = true,
                                           .bid_price_m = e->u.bbo.bid_price_m,
                                           .bid_qty_m = e->u.bbo.bid_qty_m,
                                           .ask_price_m = e->u.bbo.ask_price_m,
                                           .ask_qty_m = e->u.bbo.ask_qty_m};
            rb->bbo_seq = e->seq;
            rb->has_bbo = true;
            if (!moved)
                break;
            for (uint32_t i = 0; i < rt->n_strat && rt->in_strategy; i++) {
                struct rt_strategy *s = rt->strat[i];
                if ((rb->sub_bbo & (UINT64_C(1) << i)) && may_call(rt, s) &&
                    s->ops->on_book != NULL) {
                    s->ops->on_book(s->self, &s->ctx, b->inst_id, rb->book);
                    flush_deferred(rt);
                }
            }
            break;
        }
        case CX_MD_KIND_TRADE:
            for (uint32_t e = 0; e < b->n && rt->in_strategy; e++)
                for (uint32_t i = 0; i < rt->n_strat; i++) {
                    struct rt_strategy *s = rt->strat[i];
                    if ((rb->sub_trades & (UINT64_C(1) << i)) && may_call(rt, s) &&
                        s->ops->on_trade != NULL) {
                        s->ops->on_trade(s->self, &s->ctx, &b->ev[e]);
                        flush_deferred(rt);
                    }
                }
            break;
        default:
            break;
        }
    }
    /* Start the equity curve the moment every held asset can be marked, before any order can
     * have been filled, so the curve and the PnL breakdown cover all fills. */
    struct cx_perf_sample s0;
    if (rt->started && rt->res.initial.ts_ns == 0 && take_sample(rt, &s0)) {
        rt->res.initial = s0;
        rt_log(rt, NULL, "equity_start", "");
        hook_sample(rt, &s0);
        rt->next_sample_ns = rt->now_ns + rt->interval_ns;
    }
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: execution reports
 * ------------------------------------------------------------------------------------------- */

static struct cx_account *account_of(struct cx_rt *rt, uint16_t id, uint8_t venue)
{
    if (id >= 1 && id <= rt->n_accounts)
        return &rt->accounts[id - 1];
    for (uint32_t i = 0; i < rt->n_accounts; i++) /* a venue that cannot tell: its first */
        if (rt->accounts[i].venue == venue)
            return &rt->accounts[i];
    return NULL;
}

/* Funding: the run's position and the account mirror take the whole amount; each strategy
 * holding the perp gets amount x its signed position / the sum of the strategies' signed
 * positions (each strategy pays on its own quantity when the account nets them; the rounding
 * remainder goes to the first holder). */
static void apply_funding(struct cx_rt *rt, const struct cx_exec_report *m)
{
    const struct cx_instrument *in = cx_registry_get(rt->reg, m->inst_id);
    cx_oms_apply_funding(rt->oms, m->inst_id, m->amount);
    if (in != NULL) {
        struct cx_account *a = account_of(rt, m->account_id, in->venue);
        struct cx_balance *bal = a ? cx_account_balance(a, in->quote) : NULL;
        if (bal != NULL)
            bal->total += m->amount;
    }
    snprintf(rt->log_buf, sizeof rt->log_buf, "\"inst_id\":%u,\"amount\":%" PRId64, m->inst_id,
             m->amount);
    rt_log(rt, NULL, "funding", rt->log_buf);
    if (m->inst_id >= rt->n_inst)
        return;
    __int128 total = 0;
    for (uint32_t i = 0; i < rt->n_strat; i++)
        total += rt->strat[i]->positions[m->inst_id].qty_m;
    if (total == 0)
        return;
    int64_t given = 0;
    int first = -1;
    int64_t share[CX_RT_MAX_STRATEGIES] = {0};
    for (uint32_t i = 0; i < rt->n_strat; i++) {
        int64_t q = rt->strat[i]->positions[m->inst_id].qty_m;
        if (q == 0)
            continue;
        if (first < 0)
            first = (int)i;
        share[i] = (int64_t)((__int128)m->amount * q / total);
        given += share[i];
    }
    share[first] += m->amount - given;
    for (uint32_t i = 0; i < rt->n_strat; i++) {
        struct rt_strategy *s = rt->strat[i];
        if (s->positions[m->inst_id].qty_m == 0)
            continue;
        s->positions[m->inst_id].funding += share[i];
        struct cx_funding f = {.account_id = m->account_id,
                               .inst_id = m->inst_id,
                               .amount = m->amount,
                               .share = share[i],
                               .rate_ppb = m->rate_ppb,
                               .exch_ns = m->exch_ns};
        if (may_call(rt, s) && s->ops->on_funding != NULL) {
            s->ops->on_funding(s->self, &s->ctx, &f);
            flush_deferred(rt);
        }
    }
}

static void apply_fill(struct cx_rt *rt, struct cx_order *o, const struct cx_exec_report *m)
{
    struct cx_fill f = m->fill;
    f.local_ts_ns = rt->now_ns;
    f.latency_ns = rt->now_ns - o->created_ns;
    int frc = cx_oms_apply_fill(rt->oms, o, &f);
    struct rt_strategy *s = owner_of(rt, o);
    if (frc != 0) {
        /* Never silently: the venue says we traded. Journal it and count it; positions from
         * here on disagree with the venue until someone reconciles. */
        rt->res.fill_errors++;
        snprintf(rt->log_buf, sizeof rt->log_buf,
                 "\"client_id\":%" PRIu64 ",\"fill_id\":%" PRIu64 ",\"qty_m\":%" PRId64
                 ",\"price_m\":%" PRId64 ",\"status\":\"%s\",\"error\":\"%s\"",
                 f.client_id, f.fill_id, f.qty_m, f.price_m,
                 cx_ord_status_name((enum cx_ord_status)o->status), cx_err_name(frc));
        rt_log(rt, s, "error_fill_not_applied", rt->log_buf);
        return;
    }
    const struct cx_instrument *in = cx_registry_get(rt->reg, f.inst_id);
    struct cx_account *a = in ? account_of(rt, o->req.account_id, in->venue) : NULL;
    if (a != NULL)
        cx_account_apply_fill(a, in, &f);
    if (s != NULL && in != NULL && f.inst_id < rt->n_inst &&
        cx_position_apply_fill(in, &s->positions[f.inst_id], &f) != 0)
        rt->res.fill_errors++; /* the OMS took it, so only an overflow can get here */
    cx_risk_gate_on_fill(rt->gate, &f);
    rt->res.fills++;
    if (rt->hooks != NULL && rt->hooks->on_fill != NULL)
        rt->hooks->on_fill(rt->hooks->arg, &f, mid_of(rt, f.inst_id));
    if (may_call(rt, s) && s->ops->on_fill != NULL)
        s->ops->on_fill(s->self, &s->ctx, &f);
    notify_order(rt, o);
}

static void apply_report(struct cx_rt *rt, const struct cx_exec_report *m)
{
    if (rt->hooks != NULL && rt->hooks->on_report != NULL)
        rt->hooks->on_report(rt->hooks->arg, m);
    if (m->type == CX_EXEC_FUNDING) {
        apply_funding(rt, m);
        return;
    }
    struct cx_order *o = cx_oms_order(rt->oms, m->client_id);
    if (o == NULL) {
        rt->res.unknown_reports++;
        snprintf(rt->log_buf, sizeof rt->log_buf,
                 "\"client_id\":%" PRIu64 ",\"type\":\"%s\",\"inst_id\":%u", m->client_id,
                 cx_exec_type_name((enum cx_exec_type)m->type), m->inst_id);
        rt_log(rt, NULL, "error_unknown_order_report", rt->log_buf);
        return;
    }
    bool was_final = cx_ord_status_is_final((enum cx_ord_status)o->status);
    switch (m->type) {
    case CX_EXEC_ACK:
        if (o->status == CX_ORD_PENDING_NEW)
            cx_oms_set_status(rt->oms, o, CX_ORD_NEW, CX_REJ_NONE, rt->now_ns);
        else if (o->status == CX_ORD_PENDING_CANCEL)
            o->acked_ns = rt->now_ns; /* acked while a cancel is in flight */
        notify_order(rt, o);
        break;
    case CX_EXEC_REJECT:
        cx_oms_set_status(rt->oms, o, CX_ORD_REJECTED, (enum cx_reject)m->reject, rt->now_ns);
        notify_order(rt, o);
        break;
    case CX_EXEC_FILL:
        apply_fill(rt, o, m);
        break;
    case CX_EXEC_CANCELED:
        cx_oms_set_status(rt->oms, o, CX_ORD_CANCELED, CX_REJ_NONE, rt->now_ns);
        notify_order(rt, o);
        break;
    case CX_EXEC_CANCEL_REJECT:
        if (o->status == CX_ORD_PENDING_CANCEL)
            cx_oms_set_status(rt->oms, o, CX_ORD_NEW, (enum cx_reject)m->reject, rt->now_ns);
        notify_order(rt, o);
        break;
    case CX_EXEC_EXPIRED:
        cx_oms_set_status(rt->oms, o, CX_ORD_EXPIRED, CX_REJ_NONE, rt->now_ns);
        notify_order(rt, o);
        break;
    default:
        break;
    }
    if (!was_final && cx_ord_status_is_final((enum cx_ord_status)o->status))
        cx_risk_gate_on_final(rt->gate, &o->req, o->req.qty_m - o->filled_qty_m);
    flush_deferred(rt);
}

int64_t cx_rt_venue_next_ns(const struct cx_rt *rt)
{
    int64_t t = INT64_MAX;
    for (uint32_t i = 0; i < rt->n_venues; i++) {
        int64_t v = rt->venues[i].h.ops->next_ns(rt->venues[i].h.impl);
        if (v < t)
            t = v;
    }
    return t;
}

int cx_rt_venue_run(struct cx_rt *rt, struct cx_parse_err *err)
{
    for (uint32_t i = 0; i < rt->n_venues; i++) {
        const struct cx_venue_ops *ops = rt->venues[i].h.ops;
        void *impl = rt->venues[i].h.impl;
        int rc = ops->advance(impl, rt->now_ns);
        struct cx_exec_report m;
        int prc;
        /* Deliver what did arrive before failing: those reports are real. */
        while ((prc = ops->poll(impl, rt->now_ns, &m)) == 1)
            apply_report(rt, &m);
        if (rc == 0 && prc < 0)
            rc = prc;
        if (rc != 0)
            return cfg_fail(err, rc,
                            rc == CX_ENOSPC ? "venue dropped an execution report (its response "
                                              "queue is full): the run cannot be trusted"
                                            : "venue failed",
                            ops->name);
    }
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: timers, samples, venue state, stop
 * ------------------------------------------------------------------------------------------- */

int64_t cx_rt_timer_next_ns(const struct cx_rt *rt)
{
    return rt->timers.root != NULL ? rt->timers.root->at_ns : INT64_MAX;
}

void cx_rt_timer_run(struct cx_rt *rt)
{
    struct cx_timer *t = rt->timers.root;
    if (t == NULL)
        return;
    cx__timer_heap_remove(&rt->timers, t);
    t->is_active = false;
    struct rt_strategy *s = t->strategy_id < rt->n_strat ? rt->strat[t->strategy_id] : NULL;
    if (s != NULL && !s->stopped) {
        t->cb(t->data, &s->ctx, t);
        flush_deferred(rt);
    }
}

int64_t cx_rt_sample_next_ns(const struct cx_rt *rt)
{
    return rt->next_sample_ns;
}

void cx_rt_sample_run(struct cx_rt *rt)
{
    struct cx_perf_sample s;
    if (take_sample(rt, &s)) {
        if (rt->res.initial.ts_ns == 0) {
            rt->res.initial = s;
            rt_log(rt, NULL, "equity_start", "");
        }
        hook_sample(rt, &s);
    }
    rt->next_sample_ns += rt->interval_ns;
}

void cx_rt_venue_state(struct cx_rt *rt, enum cx_venue venue, enum cx_venue_state state)
{
    struct cx_venue_event ev = {.venue = (uint8_t)venue, .state = (uint8_t)state,
                                .inst_id = UINT32_MAX, .ts_ns = rt->now_ns};
    venue_event_to(rt, UINT64_MAX, &ev);
}

bool cx_rt_stop_requested(const struct cx_rt *rt)
{
    return rt->stop_requested;
}

void cx_rt_stop(struct cx_rt *rt)
{
    for (uint32_t i = 0; i < rt->n_strat; i++) {
        struct rt_strategy *s = rt->strat[i];
        if (s->ops->on_stop != NULL && !s->stopped)
            s->ops->on_stop(s->self, &s->ctx);
        s->stopped = true;
        flush_deferred(rt);
    }
    rt->in_strategy = false;
}

void cx_rt_finish(struct cx_rt *rt, struct cx_engine_result *out)
{
    /* A book some strategy asked for that never got a message: the run was not what the
     * configuration meant (a symbol with no data in the files). Say so. */
    for (uint32_t i = 0; i < rt->n_inst; i++) {
        if (rt->books[i].book == NULL || rt->books[i].is_live)
            continue;
        const struct cx_instrument *in = cx_registry_get(rt->reg, i);
        snprintf(rt->log_buf, sizeof rt->log_buf, "\"inst_id\":%u,\"venue\":\"%s\",\"symbol\":\"%s\"",
                 i, in ? cx_venue_name((enum cx_venue)in->venue) : "", in ? in->symbol : "");
        rt_log(rt, NULL, "no_market_data", rt->log_buf);
        rt->res.unfed_books++;
    }
    struct cx_perf_sample last;
    if (take_sample(rt, &last)) {
        if (rt->res.initial.ts_ns == 0)
            rt->res.initial = last;
        rt->res.final = last;
        hook_sample(rt, &last);
    }
    snprintf(rt->log_buf, sizeof rt->log_buf,
             "\"orders\":%" PRIu64 ",\"fills\":%" PRIu64 ",\"local_messages\":%" PRIu64
             ",\"venue_messages\":%" PRIu64,
             rt->res.orders, rt->res.fills, rt->res.local_messages, rt->res.venue_messages);
    rt_log(rt, NULL, "stop", rt->log_buf);
    rt->res.last_ts_ns = rt->now_ns;
    if (rt->hooks != NULL && rt->hooks->on_end != NULL)
        rt->hooks->on_end(rt->hooks->arg, rt->oms);
    if (out != NULL)
        *out = rt->res;
}

struct cx_engine_result *cx_rt_result(struct cx_rt *rt)
{
    return &rt->res;
}

const struct cx_oms *cx_rt_oms(const struct cx_rt *rt)
{
    return rt->oms;
}

const struct cx_position *cx_rt_strategy_position(const struct cx_rt *rt, uint16_t strategy_id,
                                                  uint32_t inst_id)
{
    if (rt == NULL || strategy_id >= rt->n_strat || inst_id >= rt->n_inst)
        return &k_flat;
    return &rt->strat[strategy_id]->positions[inst_id];
}

const struct cx_account *cx_rt_account(const struct cx_rt *rt, uint16_t account_id)
{
    if (rt == NULL || account_id == 0 || account_id > rt->n_accounts)
        return NULL;
    return &rt->accounts[account_id - 1];
}

const struct cx_risk_gate *cx_rt_risk_gate(const struct cx_rt *rt)
{
    return rt->gate;
}
