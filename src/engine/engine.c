/* SPDX-License-Identifier: MIT */
/*
 * Backtest event loop: two cursors over the same recordings (local time for the strategy,
 * venue time for the simulated venue), the simulated venue's own events, strategy timers and
 * performance samples, merged strictly by time with a fixed tie order (engine.h). The strategy
 * context (struct cx_ctx, strat.h) is implemented here.
 *
 * Accounting: the engine mirrors each venue account (cx_account) from the fills and funding it
 * reports to the strategy, so equity is computed from what the strategy knows, never from the
 * simulated venue's private state. Equity = cash (quote balances, perp wallets) + spot base
 * balances at the local mid + perp unrealized PnL at the local mid.
 */
#include "cexarb/engine.h"

#include "cexarb/book.h"
#include "cexarb/md.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TIMERS 1024
#define MAX_INSTS 64

struct timer {
    int64_t at_ns;   /* due time */
    uint64_t seq;    /* arming order, for ties */
    uint64_t id;     /* strategy's timer id */
};

struct local_inst {
    uint32_t inst_id;
    struct cx_book *book;
};

struct cx_ctx {
    const struct cx_engine_cfg *cfg;
    struct cx_registry *reg;
    const struct cx_engine_hooks *hooks;
    const struct cx_strategy_ops *ops;
    void *self;
    struct cx_oms *oms;
    struct cx_sim *sim;
    int64_t now_ns;
    bool stop_requested;
    bool in_strategy; /* false after on_stop: no more callbacks */
    uint32_t n_insts;
    struct local_inst insts[MAX_INSTS];
    uint32_t n_accounts;
    struct cx_account accounts[CX_SIM_MAX_ACCOUNTS]; /* mirror of what the strategy knows */
    uint32_t n_timers;
    uint64_t timer_seq;
    struct timer timers[MAX_TIMERS]; /* binary min-heap by (at_ns, seq) */
    struct cx_engine_result res;
    int64_t funding_total;
    char log_buf[512];
};

/* ---------------------------------------------------------------------------------------------
 * MARK: timers (binary heap)
 * ------------------------------------------------------------------------------------------- */

static bool timer_less(const struct timer *a, const struct timer *b)
{
    return a->at_ns < b->at_ns || (a->at_ns == b->at_ns && a->seq < b->seq);
}

static void timer_swap(struct timer *a, struct timer *b)
{
    struct timer t = *a;
    *a = *b;
    *b = t;
}

static void timer_sift_up(struct cx_ctx *c, uint32_t i)
{
    while (i > 0) {
        uint32_t p = (i - 1) / 2;
        if (!timer_less(&c->timers[i], &c->timers[p]))
            break;
        timer_swap(&c->timers[i], &c->timers[p]);
        i = p;
    }
}

static void timer_sift_down(struct cx_ctx *c, uint32_t i)
{
    for (;;) {
        uint32_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < c->n_timers && timer_less(&c->timers[l], &c->timers[m]))
            m = l;
        if (r < c->n_timers && timer_less(&c->timers[r], &c->timers[m]))
            m = r;
        if (m == i)
            break;
        timer_swap(&c->timers[i], &c->timers[m]);
        i = m;
    }
}

static void timer_remove_at(struct cx_ctx *c, uint32_t i)
{
    c->n_timers--;
    if (i == c->n_timers)
        return;
    c->timers[i] = c->timers[c->n_timers];
    timer_sift_down(c, i);
    timer_sift_up(c, i);
}

/* ---------------------------------------------------------------------------------------------
 * MARK: strategy context API (strat.h)
 * ------------------------------------------------------------------------------------------- */

int64_t cx_ctx_now_ns(const struct cx_ctx *ctx)
{
    return ctx->now_ns;
}

static struct local_inst *inst_slot(struct cx_ctx *c, uint32_t inst_id)
{
    for (uint32_t i = 0; i < c->n_insts; i++)
        if (c->insts[i].inst_id == inst_id)
            return &c->insts[i];
    return NULL;
}

const struct cx_book *cx_ctx_book(const struct cx_ctx *ctx, uint32_t inst_id)
{
    struct local_inst *s = inst_slot((struct cx_ctx *)ctx, inst_id);
    return s ? s->book : NULL;
}

const struct cx_instrument *cx_ctx_instrument(const struct cx_ctx *ctx, uint32_t inst_id)
{
    return cx_registry_get(ctx->reg, inst_id);
}

uint32_t cx_ctx_find_instrument(const struct cx_ctx *ctx, enum cx_venue venue, const char *symbol)
{
    const struct cx_instrument *in = cx_registry_find(ctx->reg, venue, symbol, strlen(symbol));
    return in ? in->id : UINT32_MAX;
}

const struct cx_position *cx_ctx_position(const struct cx_ctx *ctx, uint32_t inst_id)
{
    return cx_oms_position(ctx->oms, inst_id);
}

const struct cx_order *cx_ctx_order(const struct cx_ctx *ctx, uint64_t client_id)
{
    return cx_oms_order(ctx->oms, client_id);
}

static struct cx_account *mirror_account(struct cx_ctx *c, enum cx_venue venue)
{
    for (uint32_t i = 0; i < c->n_accounts; i++)
        if (c->accounts[i].venue == venue)
            return &c->accounts[i];
    return NULL;
}

int64_t cx_ctx_balance(const struct cx_ctx *ctx, enum cx_venue venue, const char *asset)
{
    struct cx_account *a = mirror_account((struct cx_ctx *)ctx, venue);
    if (a == NULL)
        return 0;
    for (uint32_t i = 0; i < a->n_balances; i++)
        if (strcmp(a->balances[i].asset, asset) == 0)
            return a->balances[i].total - a->balances[i].locked;
    return 0;
}

static void notify_order(struct cx_ctx *c, const struct cx_order *o)
{
    if (c->hooks && c->hooks->on_order)
        c->hooks->on_order(c->hooks->arg, o);
    if (c->in_strategy && c->ops->on_order_update)
        c->ops->on_order_update(c->self, c, o);
}

int cx_ctx_place(struct cx_ctx *ctx, struct cx_order_req *req)
{
    if (req == NULL || cx_registry_get(ctx->reg, req->inst_id) == NULL)
        return CX_EINVAL;
    struct cx_order *o;
    int rc = cx_oms_submit(ctx->oms, req, ctx->now_ns, &o);
    if (rc != 0)
        return rc;
    ctx->res.orders++;
    if (ctx->hooks && ctx->hooks->on_order)
        ctx->hooks->on_order(ctx->hooks->arg, o); /* PENDING_NEW */
    rc = cx_sim_submit(ctx->sim, &o->req, ctx->now_ns);
    if (rc != 0) {
        /* The venue could not take it at all (capacity): a local reject, reported now. */
        cx_oms_set_status(ctx->oms, o, CX_ORD_REJECTED, CX_REJ_RISK, ctx->now_ns);
        notify_order(ctx, o);
    }
    return 0;
}

int cx_ctx_cancel(struct cx_ctx *ctx, uint64_t client_id)
{
    struct cx_order *o = cx_oms_order(ctx->oms, client_id);
    if (o == NULL)
        return CX_ENOENT;
    int rc = cx_oms_set_status(ctx->oms, o, CX_ORD_PENDING_CANCEL, CX_REJ_NONE, ctx->now_ns);
    if (rc != 0)
        return rc;
    if (ctx->hooks && ctx->hooks->on_order)
        ctx->hooks->on_order(ctx->hooks->arg, o); /* PENDING_CANCEL */
    return cx_sim_cancel(ctx->sim, client_id, ctx->now_ns);
}

struct cancel_all {
    struct cx_ctx *ctx;
    uint32_t inst_id;
    int sent;
};

static void cancel_one(const struct cx_order *o, void *arg)
{
    struct cancel_all *ca = arg;
    if (cx_ord_status_is_final((enum cx_ord_status)o->status) ||
        o->status == CX_ORD_PENDING_CANCEL)
        return;
    if (ca->inst_id != UINT32_MAX && o->req.inst_id != ca->inst_id)
        return;
    if (cx_ctx_cancel(ca->ctx, o->req.client_id) == 0)
        ca->sent++;
}

int cx_ctx_cancel_all(struct cx_ctx *ctx, uint32_t inst_id)
{
    /* Every open order, however many: a cancel-all that stops at a buffer size would leave
     * orders working at the venue. cx_ctx_cancel only changes the status of the order being
     * visited (orders never move in the OMS table), so visiting while cancelling is safe. */
    struct cancel_all ca = {ctx, inst_id, 0};
    cx_oms_foreach(ctx->oms, cancel_one, &ca);
    return ca.sent;
}

int cx_ctx_timer_set(struct cx_ctx *ctx, uint64_t timer_id, int64_t at_ns)
{
    if (at_ns < ctx->now_ns)
        return CX_EINVAL;
    for (uint32_t i = 0; i < ctx->n_timers; i++)
        if (ctx->timers[i].id == timer_id) {
            timer_remove_at(ctx, i);
            break;
        }
    if (ctx->n_timers == MAX_TIMERS)
        return CX_ENOSPC;
    struct timer *t = &ctx->timers[ctx->n_timers++];
    t->at_ns = at_ns;
    t->seq = ctx->timer_seq++;
    t->id = timer_id;
    timer_sift_up(ctx, ctx->n_timers - 1);
    return 0;
}

void cx_ctx_log(struct cx_ctx *ctx, const char *event, const char *json_fields)
{
    if (ctx->hooks && ctx->hooks->on_log)
        ctx->hooks->on_log(ctx->hooks->arg, ctx->now_ns, event, json_fields ? json_fields : "");
}

void cx_ctx_stop(struct cx_ctx *ctx)
{
    ctx->stop_requested = true;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: accounting
 * ------------------------------------------------------------------------------------------- */

static int64_t mid_of(const struct cx_ctx *c, uint32_t inst_id)
{
    const struct cx_book *b = cx_ctx_book(c, inst_id);
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
static bool asset_value(const struct cx_ctx *c, const char *asset, const char *quote,
                        int64_t amount, int64_t *out)
{
    if (strcmp(asset, quote) == 0) {
        *out = amount;
        return true;
    }
    for (uint32_t i = 0; i < c->n_insts; i++) {
        const struct cx_instrument *in = cx_registry_get(c->reg, c->insts[i].inst_id);
        if (in == NULL || in->kind != CX_KIND_SPOT || strcmp(in->base, asset) != 0 ||
            strcmp(in->quote, quote) != 0)
            continue;
        int64_t mid = mid_of(c, in->id);
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

static const char *account_quote(const struct cx_ctx *c, const struct cx_account *a)
{
    /* The quote currency of the first instrument of this venue in the run, else USDT. */
    for (uint32_t i = 0; i < c->n_insts; i++) {
        const struct cx_instrument *in = cx_registry_get(c->reg, c->insts[i].inst_id);
        if (in != NULL && in->venue == a->venue && in->quote[0] != '\0')
            return in->quote;
    }
    return "USDT";
}

/* Returns false (and emits nothing) while some non-zero balance cannot be marked yet (its
 * book has no mid): an equity curve that starts without them would show their whole value as
 * profit when the book arrives. */
static bool take_sample(struct cx_ctx *c, struct cx_perf_sample *s)
{
    memset(s, 0, sizeof *s);
    for (uint32_t i = 0; i < c->n_accounts; i++) {
        const struct cx_account *a = &c->accounts[i];
        const char *quote = account_quote(c, a);
        for (uint32_t k = 0; k < a->n_balances; k++) {
            int64_t v;
            if (a->balances[k].total != 0 &&
                !asset_value(c, a->balances[k].asset, quote, a->balances[k].total, &v))
                return false;
        }
    }
    s->ts_ns = c->now_ns;
    for (uint32_t i = 0; i < c->n_accounts; i++) {
        const struct cx_account *a = &c->accounts[i];
        const char *quote = account_quote(c, a);
        for (uint32_t k = 0; k < a->n_balances; k++) {
            const struct cx_balance *bal = &a->balances[k];
            if (strcmp(bal->asset, quote) == 0) {
                s->cash += bal->total;
            } else {
                int64_t v;
                if (asset_value(c, bal->asset, quote, bal->total, &v))
                    s->position_value += v;
            }
        }
    }
    for (uint32_t i = 0; i < c->n_insts; i++) {
        uint32_t id = c->insts[i].inst_id;
        const struct cx_instrument *in = cx_registry_get(c->reg, id);
        const struct cx_position *p = cx_oms_position(c->oms, id);
        int64_t mid = mid_of(c, id);
        int64_t unreal = (p->qty_m != 0 && mid != 0) ? cx_oms_unrealized(c->oms, id, mid) : 0;
        s->realized += p->realized_pnl;
        s->fees += p->fees;
        s->funding += p->funding;
        s->unrealized += unreal;
        if (in != NULL && in->kind != CX_KIND_SPOT)
            s->position_value += unreal;
        if (c->hooks && c->hooks->on_position)
            c->hooks->on_position(c->hooks->arg, c->now_ns, id, mid, p, unreal);
    }
    s->equity = s->cash + s->position_value;
    return true;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: event handling
 * ------------------------------------------------------------------------------------------- */

static int ensure_inst(struct cx_ctx *c, uint32_t inst_id, struct local_inst **out)
{
    struct local_inst *s = inst_slot(c, inst_id);
    if (s != NULL) {
        *out = s;
        return 0;
    }
    if (c->n_insts == MAX_INSTS)
        return CX_ENOSPC;
    const struct cx_instrument *in = cx_registry_get(c->reg, inst_id);
    if (in == NULL)
        return CX_EINVAL;
    s = &c->insts[c->n_insts];
    struct cx_book_cfg bc = {.inst_id = inst_id,
                             .rule = cx_book_rule_for_venue((enum cx_venue)in->venue),
                             .tick_m = in->tick};
    int rc = cx_book_new(&s->book, &bc);
    if (rc != 0)
        return rc;
    s->inst_id = inst_id;
    c->n_insts++;
    *out = s;
    return 0;
}

static int on_local(struct cx_ctx *c, const struct cx_md_batch *b)
{
    struct local_inst *s;
    int rc = ensure_inst(c, b->inst_id, &s);
    if (rc != 0)
        return rc;
    c->res.local_messages++;
    c->res.events += b->n;
    switch ((enum cx_md_kind)b->kind) {
    case CX_MD_KIND_DEPTH:
    case CX_MD_KIND_SNAPSHOT:
        if (cx_book_apply(s->book, b->ev, b->n) == CX_EGAP)
            c->res.book_gaps++;
        if (c->in_strategy && c->ops->on_book)
            c->ops->on_book(c->self, c, b->inst_id, s->book);
        break;
    case CX_MD_KIND_TRADE:
        if (c->in_strategy && c->ops->on_trade)
            for (uint32_t i = 0; i < b->n && c->in_strategy; i++)
                c->ops->on_trade(c->self, c, &b->ev[i]);
        break;
    default:
        break;
    }
    return 0;
}

static void on_response(struct cx_ctx *c, const struct cx_sim_msg *m)
{
    if (m->type == CX_SIM_FUNDING) {
        const struct cx_instrument *in = cx_registry_get(c->reg, m->inst_id);
        cx_oms_apply_funding(c->oms, m->inst_id, m->amount);
        if (in != NULL) {
            struct cx_account *a = mirror_account(c, (enum cx_venue)in->venue);
            struct cx_balance *bal = a ? cx_account_balance(a, in->quote) : NULL;
            if (bal != NULL)
                bal->total += m->amount;
        }
        snprintf(c->log_buf, sizeof c->log_buf, "\"inst_id\":%u,\"amount\":%" PRId64,
                 m->inst_id, m->amount);
        cx_ctx_log(c, "funding", c->log_buf);
        return;
    }
    struct cx_order *o = cx_oms_order(c->oms, m->client_id);
    if (o == NULL)
        return; /* not ours: cannot happen with one strategy; ignore defensively */
    switch (m->type) {
    case CX_SIM_ACK:
        if (o->status == CX_ORD_PENDING_NEW)
            cx_oms_set_status(c->oms, o, CX_ORD_NEW, CX_REJ_NONE, c->now_ns);
        else if (o->status == CX_ORD_PENDING_CANCEL)
            o->acked_ns = c->now_ns; /* acked while a cancel is in flight */
        notify_order(c, o);
        break;
    case CX_SIM_REJECT:
        cx_oms_set_status(c->oms, o, CX_ORD_REJECTED, (enum cx_reject)m->reject, c->now_ns);
        notify_order(c, o);
        break;
    case CX_SIM_FILL: {
        struct cx_fill f = m->fill;
        f.local_ts_ns = c->now_ns;
        f.latency_ns = c->now_ns - o->created_ns;
        int frc = cx_oms_apply_fill(c->oms, o, &f);
        if (frc != 0) {
            /* Never silently: the venue says we traded. Journal it and count it; positions
             * from here on disagree with the venue until someone reconciles. */
            c->res.fill_errors++;
            snprintf(c->log_buf, sizeof c->log_buf,
                     "\"client_id\":%" PRIu64 ",\"fill_id\":%" PRIu64 ",\"qty_m\":%" PRId64
                     ",\"price_m\":%" PRId64 ",\"status\":\"%s\",\"error\":\"%s\"",
                     f.client_id, f.fill_id, f.qty_m, f.price_m,
                     cx_ord_status_name((enum cx_ord_status)o->status), cx_err_name(frc));
            cx_ctx_log(c, "error_fill_not_applied", c->log_buf);
            break;
        }
        const struct cx_instrument *in = cx_registry_get(c->reg, f.inst_id);
        struct cx_account *a = in ? mirror_account(c, (enum cx_venue)in->venue) : NULL;
        if (a != NULL)
            cx_account_apply_fill(a, in, &f);
        c->res.fills++;
        if (c->hooks && c->hooks->on_fill)
            c->hooks->on_fill(c->hooks->arg, &f, mid_of(c, f.inst_id));
        if (c->in_strategy && c->ops->on_fill)
            c->ops->on_fill(c->self, c, &f);
        notify_order(c, o);
        break;
    }
    case CX_SIM_CANCELED:
        cx_oms_set_status(c->oms, o, CX_ORD_CANCELED, CX_REJ_NONE, c->now_ns);
        notify_order(c, o);
        break;
    case CX_SIM_CANCEL_REJECT:
        if (o->status == CX_ORD_PENDING_CANCEL)
            cx_oms_set_status(c->oms, o, CX_ORD_NEW, (enum cx_reject)m->reject, c->now_ns);
        notify_order(c, o);
        break;
    case CX_SIM_EXPIRED:
        cx_oms_set_status(c->oms, o, CX_ORD_EXPIRED, CX_REJ_NONE, c->now_ns);
        notify_order(c, o);
        break;
    default:
        break;
    }
}

static void drain_sim(struct cx_ctx *c)
{
    cx_sim_advance(c->sim, c->now_ns);
    struct cx_sim_msg m;
    while (cx_sim_poll(c->sim, c->now_ns, &m) == 1)
        on_response(c, &m);
}

/* ---------------------------------------------------------------------------------------------
 * MARK: run
 * ------------------------------------------------------------------------------------------- */

struct cursor {
    struct cx_md_reader *readers[CX_ENGINE_MAX_FILES];
    struct cx_md_merge *merge;
    const struct cx_md_batch *pending; /* next batch, NULL at end */
};

static int cursor_open(struct cursor *cur, const struct cx_engine_cfg *cfg, bool venue_clock,
                       const struct cx_md_prescan_report *pre, struct cx_parse_err *err)
{
    memset(cur, 0, sizeof *cur);
    for (uint32_t i = 0; i < cfg->n_paths; i++) {
        struct cx_md_reader_opts o = {.strict = cfg->strict, .stream_index = (uint8_t)i};
        if (venue_clock) {
            o.venue_clock = true;
            o.venue_clock_offset_ns = pre->min_feed_ns[i] == INT64_MAX ? 0 : pre->min_feed_ns[i];
        }
        int rc = cx_md_reader_open(&cur->readers[i], cfg->paths[i], &o, cfg->reg, err);
        if (rc != 0)
            return rc;
    }
    return cx_md_merge_open(&cur->merge, cur->readers, cfg->n_paths);
}

static int cursor_next(struct cursor *cur, struct cx_parse_err *err)
{
    uint32_t which;
    int rc = cx_md_merge_next(cur->merge, &cur->pending, &which, err);
    if (rc <= 0)
        cur->pending = NULL;
    return rc < 0 ? rc : 0;
}

static void cursor_close(struct cursor *cur, uint64_t *bad_lines)
{
    cx_md_merge_close(cur->merge);
    for (uint32_t i = 0; i < CX_ENGINE_MAX_FILES; i++)
        if (cur->readers[i] != NULL) {
            if (bad_lines != NULL)
                *bad_lines += cx_md_reader_stats(cur->readers[i])->errors;
            cx_md_reader_close(cur->readers[i]);
        }
}

static int64_t min64(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

int cx_engine_run(const struct cx_engine_cfg *cfg, const struct cx_strategy_ops *strategy,
                  void *self, const struct cx_engine_hooks *hooks, struct cx_engine_result *out,
                  struct cx_parse_err *err)
{
    if (cfg == NULL || strategy == NULL || cfg->reg == NULL || cfg->n_paths == 0 ||
        cfg->n_paths > CX_ENGINE_MAX_FILES)
        return CX_EINVAL;
    int rc;
    struct cx_ctx *c = calloc(1, sizeof *c);
    struct cx_md_prescan_report *pre = calloc(1, sizeof *pre);
    struct cursor *local = calloc(1, sizeof *local), *venue = calloc(1, sizeof *venue);
    if (c == NULL || pre == NULL || local == NULL || venue == NULL) {
        rc = CX_ENOMEM;
        goto out;
    }
    c->cfg = cfg;
    c->reg = cfg->reg;
    c->hooks = hooks;
    c->ops = strategy;
    c->self = self;

    struct cx_md_reader_opts popts = {.strict = cfg->strict};
    rc = cx_md_prescan(cfg->paths, cfg->n_paths, &popts, cfg->reg, pre, err);
    if (rc != 0)
        goto out;
    struct cx_oms_cfg ocfg = {.reg = cfg->reg, .max_orders = cfg->max_orders};
    rc = cx_oms_new(&c->oms, &ocfg);
    if (rc != 0)
        goto out;
    struct cx_sim_cfg scfg = cfg->sim;
    scfg.reg = cfg->reg;
    rc = cx_sim_new(&c->sim, &scfg, err);
    if (rc != 0)
        goto out;
    c->n_accounts = scfg.n_accounts;
    memcpy(c->accounts, scfg.accounts, sizeof c->accounts);

    rc = cursor_open(local, cfg, false, pre, err);
    if (rc == 0)
        rc = cursor_open(venue, cfg, true, pre, err);
    if (rc == 0)
        rc = cursor_next(local, err);
    if (rc == 0)
        rc = cursor_next(venue, err);
    if (rc != 0)
        goto out;

    int64_t interval = cfg->sample_interval_ns > 0 ? cfg->sample_interval_ns : CX_NS_PER_S;
    int64_t start = local->pending ? local->pending->local_ts_ns : 0;
    if (venue->pending && venue->pending->local_ts_ns < start)
        start = venue->pending->local_ts_ns;
    c->now_ns = start;
    c->res.first_ts_ns = start;
    int64_t next_sample = start;

    c->in_strategy = true;
    snprintf(c->log_buf, sizeof c->log_buf, "\"strategy\":\"%s\",\"files\":%u",
             strategy->name ? strategy->name : "", cfg->n_paths);
    cx_ctx_log(c, "start", c->log_buf);
    if (strategy->on_start != NULL) {
        rc = strategy->on_start(self, c);
        if (rc != 0)
            goto out;
    }

    while (!c->stop_requested && (local->pending != NULL || venue->pending != NULL)) {
        int64_t t_venue = venue->pending ? venue->pending->local_ts_ns : INT64_MAX;
        int64_t t_sim = cx_sim_next_ns(c->sim);
        int64_t t_local = local->pending ? local->pending->local_ts_ns : INT64_MAX;
        int64_t t_timer = c->n_timers ? c->timers[0].at_ns : INT64_MAX;
        int64_t t = min64(min64(t_venue, t_sim), min64(min64(t_local, t_timer), next_sample));
        if (t > c->now_ns)
            c->now_ns = t;
        if (t_venue == t) {
            cx_sim_on_market(c->sim, venue->pending, c->now_ns);
            c->res.venue_messages++;
            c->res.events += venue->pending->n;
            rc = cursor_next(venue, err);
        } else if (t_sim == t) {
            drain_sim(c);
        } else if (t_local == t) {
            rc = on_local(c, local->pending);
            if (rc == 0)
                rc = cursor_next(local, err);
            /* Start the equity curve the moment every held asset can be marked, before any
             * order can have been filled, so the curve and the PnL breakdown cover all fills. */
            struct cx_perf_sample s0;
            if (rc == 0 && c->res.initial.ts_ns == 0 && take_sample(c, &s0)) {
                c->res.initial = s0;
                cx_ctx_log(c, "equity_start", "");
                if (hooks && hooks->on_sample)
                    hooks->on_sample(hooks->arg, &s0);
                next_sample = c->now_ns + interval;
            }
        } else if (t_timer == t) {
            uint64_t id = c->timers[0].id;
            timer_remove_at(c, 0);
            if (strategy->on_timer)
                strategy->on_timer(self, c, id);
        } else {
            struct cx_perf_sample s;
            if (take_sample(c, &s)) {
                if (c->res.initial.ts_ns == 0) {
                    c->res.initial = s;
                    cx_ctx_log(c, "equity_start", "");
                }
                if (hooks && hooks->on_sample)
                    hooks->on_sample(hooks->arg, &s);
            }
            next_sample += interval;
        }
        if (rc != 0)
            goto out;
    }

    if (strategy->on_stop)
        strategy->on_stop(self, c);
    c->in_strategy = false;
    /* Let cancels and hedges sent in on_stop reach the venue and come back. */
    int64_t drain_until = c->now_ns + (cfg->end_drain_ns > 0 ? cfg->end_drain_ns : 5 * CX_NS_PER_S);
    for (;;) {
        int64_t t = cx_sim_next_ns(c->sim);
        if (t == INT64_MAX || t > drain_until)
            break;
        if (t > c->now_ns)
            c->now_ns = t;
        drain_sim(c);
    }
    struct cx_perf_sample last;
    if (take_sample(c, &last)) {
        if (c->res.initial.ts_ns == 0)
            c->res.initial = last;
        c->res.final = last;
        if (hooks && hooks->on_sample)
            hooks->on_sample(hooks->arg, &last);
    }
    snprintf(c->log_buf, sizeof c->log_buf,
             "\"orders\":%" PRIu64 ",\"fills\":%" PRIu64 ",\"local_messages\":%" PRIu64
             ",\"venue_messages\":%" PRIu64,
             c->res.orders, c->res.fills, c->res.local_messages, c->res.venue_messages);
    cx_ctx_log(c, "stop", c->log_buf);
    c->res.last_ts_ns = c->now_ns;
    c->res.fill_errors += cx_sim_stats(c->sim)->account_errors;
    if (hooks && hooks->on_end)
        hooks->on_end(hooks->arg, c->oms);
    rc = 0;

out:
    if (local != NULL)
        cursor_close(local, &c->res.bad_lines);
    if (venue != NULL)
        cursor_close(venue, NULL);
    if (c != NULL) {
        if (rc == 0 && out != NULL)
            *out = c->res;
        for (uint32_t i = 0; i < c->n_insts; i++)
            cx_book_free(c->insts[i].book);
        cx_sim_free(c->sim);
        cx_oms_free(c->oms);
    }
    free(local);
    free(venue);
    free(pre);
    free(c);
    return rc;
}
