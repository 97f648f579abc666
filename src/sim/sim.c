/* SPDX-License-Identifier: MIT */
/*
 * The simulated venue's frame: configuration, fixed pools, the two clocks, the event and
 * response heaps, the client-id index, account locks and funding. Matching itself lives in
 * match.c.
 *
 * Time. The venue clock (clock_ns) is the latest venue time processed; it only moves forward.
 * Requests sent by the strategy become ORDER/CANCEL events at now + entry latency, responses
 * are due at venue time + response latency; both are made non-decreasing per venue, because a
 * venue session (one WebSocket or TCP stream) delivers in order. Internal events are popped in
 * (time, seq) order, seq being the creation order, so equal times are processed in the order
 * the strategy and the data created them, which makes runs reproducible.
 *
 * Memory. cx_sim_new allocates everything (order slots, both heaps and their pools, the
 * client-id index, the instrument table); later calls allocate only an instrument's venue book
 * on its first message. A full pool is an explicit outcome: CX_ENOSPC from submit/cancel, or a
 * counted, reported loss of a response.
 */
#include "sim_int.h"

#include <stdlib.h>
#include <string.h>

__extension__ typedef __int128 cx__i128;

#define CX__SIM_DEFAULT_ORDERS 4096u
#define CX__SIM_DEFAULT_RESPONSES 16384u
#define CX__SIM_MAX_POOL (1u << 26) /* sanity bound on configured pools (64 Mi entries) */

/* ---------------------------------------------------------------------------------------------
 * MARK: heaps
 * ------------------------------------------------------------------------------------------- */

static bool key_less(const struct cx__sim_key *x, const struct cx__sim_key *y)
{
    if (x->time_ns != y->time_ns)
        return x->time_ns < y->time_ns;
    return x->seq < y->seq;
}

static int heap_init(struct cx__sim_heap *h, uint32_t cap)
{
    h->keys = calloc(cap, sizeof *h->keys);
    h->free_idx = calloc(cap, sizeof *h->free_idx);
    if (h->keys == NULL || h->free_idx == NULL)
        return CX_ENOMEM;
    h->cap = cap;
    h->n = 0;
    /* Free stack holds cap-1 .. 0 so that slot 0 is handed out first (stable layouts). */
    for (uint32_t i = 0; i < cap; i++)
        h->free_idx[i] = cap - 1 - i;
    h->n_free = cap;
    return 0;
}

static void heap_fini(struct cx__sim_heap *h)
{
    free(h->keys);
    free(h->free_idx);
    memset(h, 0, sizeof *h);
}

/* Insert a key; returns its payload slot, or CX__SIM_NONE when the pool is full. */
static uint32_t heap_push(struct cx__sim_heap *h, int64_t time_ns, uint64_t seq)
{
    if (h->n_free == 0 || h->n == h->cap)
        return CX__SIM_NONE;
    uint32_t idx = h->free_idx[--h->n_free];
    struct cx__sim_key k = { time_ns, seq, idx };
    uint32_t i = h->n++;
    while (i > 0) {
        uint32_t parent = (i - 1) / 2;
        if (!key_less(&k, &h->keys[parent]))
            break;
        h->keys[i] = h->keys[parent];
        i = parent;
    }
    h->keys[i] = k;
    return idx;
}

/* Remove the minimum key; returns its payload slot (which the caller must release). */
static uint32_t heap_pop(struct cx__sim_heap *h)
{
    uint32_t top = h->keys[0].idx;
    struct cx__sim_key last = h->keys[--h->n];
    uint32_t i = 0;
    for (;;) {
        uint32_t child = 2 * i + 1;
        if (child >= h->n)
            break;
        if (child + 1 < h->n && key_less(&h->keys[child + 1], &h->keys[child]))
            child++;
        if (!key_less(&h->keys[child], &last))
            break;
        h->keys[i] = h->keys[child];
        i = child;
    }
    if (h->n > 0)
        h->keys[i] = last;
    return top;
}

static void heap_release(struct cx__sim_heap *h, uint32_t idx)
{
    h->free_idx[h->n_free++] = idx;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: client-id index (open addressing, linear probing, backward-shift deletion)
 * ------------------------------------------------------------------------------------------- */

static uint32_t idx_hash(uint64_t key)
{
    /* Fibonacci hashing; the high bits are the best mixed. */
    return (uint32_t)((key * UINT64_C(0x9E3779B97F4A7C15)) >> 32);
}

static uint32_t idx_find(const struct cx_sim *sim, uint64_t client_id)
{
    uint32_t i = idx_hash(client_id) & sim->idx_mask;
    while (sim->idx_vals[i] != 0) {
        if (sim->idx_keys[i] == client_id)
            return sim->idx_vals[i] - 1;
        i = (i + 1) & sim->idx_mask;
    }
    return CX__SIM_NONE;
}

/* The index holds at most max_orders keys in >= 2 * max_orders cells, so it never fills. */
static void idx_insert(struct cx_sim *sim, uint64_t client_id, uint32_t slot)
{
    uint32_t i = idx_hash(client_id) & sim->idx_mask;
    while (sim->idx_vals[i] != 0)
        i = (i + 1) & sim->idx_mask;
    sim->idx_keys[i] = client_id;
    sim->idx_vals[i] = slot + 1;
}

static void idx_remove(struct cx_sim *sim, uint64_t client_id, uint32_t slot)
{
    uint32_t i = idx_hash(client_id) & sim->idx_mask;
    while (sim->idx_vals[i] != 0 &&
           !(sim->idx_keys[i] == client_id && sim->idx_vals[i] == slot + 1))
        i = (i + 1) & sim->idx_mask;
    if (sim->idx_vals[i] == 0)
        return;
    /* Backward shift (Knuth TAOCP vol. 3, 6.4 Algorithm R): move later entries of the probe
     * run into the hole when their home position does not lie cyclically in (hole, j]. */
    uint32_t hole = i;
    uint32_t j = i;
    for (;;) {
        j = (j + 1) & sim->idx_mask;
        if (sim->idx_vals[j] == 0)
            break;
        uint32_t home = idx_hash(sim->idx_keys[j]) & sim->idx_mask;
        bool stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
        if (stays)
            continue;
        sim->idx_keys[hole] = sim->idx_keys[j];
        sim->idx_vals[hole] = sim->idx_vals[j];
        hole = j;
    }
    sim->idx_vals[hole] = 0;
    sim->idx_keys[hole] = 0;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: configuration
 * ------------------------------------------------------------------------------------------- */

static int cfg_fail(struct cx_parse_err *err, const char *msg, const char *field)
{
    return cx_parse_err_set(err, CX_EINVAL, msg, field, strlen(field));
}

/* A RECORDED model's rows: present, req_ns strictly increasing, no negative latency (what the
 * loader guarantees, checked again for series built in memory). */
static int check_rows(const struct cx_latency_cfg *lat, const char *field,
                      struct cx_parse_err *err)
{
    if (lat->rows == NULL || lat->n_rows == 0)
        return cfg_fail(err, "recorded latency needs rows (n_rows >= 1)", field);
    for (uint32_t i = 0; i < lat->n_rows; i++) {
        const struct cx_sim_latency_row *r = &lat->rows[i];
        if (i > 0 && r->req_ns <= lat->rows[i - 1].req_ns)
            return cfg_fail(err, "recorded latency req_ns must strictly increase", field);
        if (r->exch_ns < r->req_ns || r->resp_ns < r->exch_ns)
            return cfg_fail(err, "recorded latency row with a negative latency", field);
    }
    return 0;
}

static int check_latency(const struct cx_latency_cfg *lat, const char *field,
                         struct cx_parse_err *err)
{
    if (lat->kind > CX_LAT_RECORDED)
        return cfg_fail(err, "unknown latency kind", field);
    if (lat->a_ns < 0)
        return cfg_fail(err, "latency a_ns must be >= 0", field);
    bool is_dist = lat->kind <= CX_LAT_LOGNORMAL;
    if (lat->kind != CX_LAT_FEED && lat->mul_ppm != 0)
        return cfg_fail(err, "latency mul_ppm is only for the feed model", field);
    if (lat->kind != CX_LAT_RECORDED && (lat->rows != NULL || lat->n_rows != 0))
        return cfg_fail(err, "latency rows are only for the recorded model", field);
    if (!is_dist && lat->b_ns != 0)
        return cfg_fail(err, "latency b_ns is not used by the feed and recorded models", field);
    if (is_dist && lat->kind != CX_LAT_CONSTANT && lat->b_ns < lat->a_ns)
        return cfg_fail(err, "latency b_ns must be >= a_ns", field);
    if (lat->kind == CX_LAT_LOGNORMAL && lat->a_ns <= 0)
        return cfg_fail(err, "lognormal latency needs a median a_ns > 0", field);
    if (lat->kind == CX_LAT_FEED && (lat->mul_ppm < 0 || lat->mul_ppm > INT64_C(1000000000)))
        return cfg_fail(err, "feed latency mul_ppm must be in [0, 10^9]", field);
    if (lat->kind == CX_LAT_RECORDED) {
        if (lat->a_ns != 0)
            return cfg_fail(err, "latency a_ns is not used by the recorded model", field);
        return check_rows(lat, field, err);
    }
    return 0;
}

static int check_cfg(const struct cx_sim_cfg *cfg, struct cx_parse_err *err)
{
    if (cfg->reg == NULL)
        return cfg_fail(err, "a registry is required", "reg");
    int rc = check_latency(&cfg->entry, "entry", err);
    if (rc != 0)
        return rc;
    rc = check_latency(&cfg->response, "response", err);
    if (rc != 0)
        return rc;
    if (cfg->queue_model > CX_QUEUE_PROB_POWER)
        return cfg_fail(err, "unknown queue model", "queue_model");
    if (cfg->queue_function > CX_QUEUE_FN_POWER3)
        return cfg_fail(err, "unknown queue function", "queue_function");
    if (!(cfg->queue_power >= 0.0) || cfg->queue_power > 64.0)
        return cfg_fail(err, "queue_power must be in [0, 64] (0 = 2)", "queue_power");
    if (cfg->n_accounts > CX_SIM_MAX_ACCOUNTS)
        return cfg_fail(err, "too many accounts", "n_accounts");
    for (uint32_t i = 0; i < cfg->n_accounts; i++) {
        const struct cx_account *a = &cfg->accounts[i];
        if (a->venue == CX_VENUE_UNKNOWN || a->venue >= CX_VENUE_COUNT)
            return cfg_fail(err, "account with an unknown venue", "accounts");
        if (a->n_balances > CX_ACCOUNT_MAX_ASSETS || a->n_perps > CX_ACCOUNT_MAX_PERPS)
            return cfg_fail(err, "account tables over capacity", "accounts");
        if (strnlen(a->name, sizeof a->name) == sizeof a->name)
            return cfg_fail(err, "account name not NUL-terminated", "accounts");
        /* Several accounts may share a venue (a buy and a sell account); orders name theirs
         * by id, and an order without one uses the venue's first. Names tell them apart. */
        for (uint32_t j = 0; j < i; j++)
            if (cfg->accounts[j].venue == a->venue &&
                strcmp(cfg->accounts[j].name, a->name) == 0)
                return cfg_fail(err, "two accounts with one name on one venue", "accounts");
    }
    if (cfg->n_funding > CX_SIM_MAX_FUNDING)
        return cfg_fail(err, "too many funding schedules", "n_funding");
    for (uint32_t i = 0; i < cfg->n_funding; i++) {
        const struct cx_sim_funding *f = &cfg->funding[i];
        const struct cx_instrument *inst = cx_registry_get(cfg->reg, f->inst_id);
        if (inst == NULL)
            return cfg_fail(err, "funding for an unknown instrument", "funding");
        if (inst->kind == CX_KIND_SPOT)
            return cfg_fail(err, "funding for a spot instrument", "funding");
        const struct cx_sim_funding_ref *sr = &cfg->funding_series[i];
        if (sr->events == NULL) {
            if (sr->n_events != 0)
                return cfg_fail(err, "funding n_events without events", "funding_series");
            if (f->interval_ns <= 0)
                return cfg_fail(err, "funding interval_ns must be > 0", "funding");
            continue;
        }
        /* Series mode: the constant-rate fields must be unset, so no schedule is ambiguous. */
        if (sr->n_events == 0)
            return cfg_fail(err, "funding series has no events", "funding_series");
        if (f->rate_ppb != 0 || f->interval_ns != 0 || f->first_ns != 0)
            return cfg_fail(err, "funding series with constant-rate fields set", "funding");
        for (uint32_t k = 1; k < sr->n_events; k++)
            if (sr->events[k].time_ns <= sr->events[k - 1].time_ns)
                return cfg_fail(err, "funding series times must strictly increase",
                                "funding_series");
    }
    if (cfg->max_orders > CX__SIM_MAX_POOL || cfg->max_responses > CX__SIM_MAX_POOL)
        return cfg_fail(err, "pool size too large", "max_orders");
    return 0;
}

int cx_sim_new(struct cx_sim **out, const struct cx_sim_cfg *cfg, struct cx_parse_err *err)
{
    if (out == NULL || cfg == NULL)
        return CX_EINVAL;
    int rc = check_cfg(cfg, err);
    if (rc != 0)
        return rc;

    struct cx_sim *sim = calloc(1, sizeof *sim);
    if (sim == NULL)
        return CX_ENOMEM;
    sim->reg = cfg->reg;
    sim->entry = cfg->entry;
    sim->response = cfg->response;
    sim->rng = cfg->seed;
    sim->queue_model = cfg->queue_model;
    sim->queue_function = cfg->queue_function;
    sim->queue_power = cfg->queue_power > 0.0 ? cfg->queue_power : 2.0;
    sim->book_max_levels = cfg->book_max_levels;
    sim->book_max_buffered = cfg->book_max_buffered;
    sim->n_accounts = cfg->n_accounts;
    memcpy(sim->accounts, cfg->accounts, sizeof sim->accounts);
    sim->n_funding = cfg->n_funding;
    memcpy(sim->funding, cfg->funding, sizeof sim->funding);
    for (uint32_t i = 0; i < cfg->n_funding; i++) /* entries past n_funding stay empty */
        sim->funding_series[i] = cfg->funding_series[i];
    sim->clock_ns = INT64_MIN;
    for (int v = 0; v < CX_VENUE_COUNT; v++) {
        sim->last_entry_ns[v] = INT64_MIN;
        sim->last_resp_ns[v] = INT64_MIN;
    }
    sim->next_venue_order_id = 1;
    sim->next_fill_id = 1;

    sim->n_inst = cfg->reg->count;
    sim->inst = calloc(sim->n_inst > 0 ? sim->n_inst : 1, sizeof *sim->inst);
    if (sim->inst == NULL)
        goto fail;
    for (uint32_t i = 0; i < sim->n_inst; i++)
        sim->inst[i].head = sim->inst[i].tail = CX__SIM_NONE;

    sim->max_orders = cfg->max_orders > 0 ? cfg->max_orders : CX__SIM_DEFAULT_ORDERS;
    sim->orders = calloc(sim->max_orders, sizeof *sim->orders);
    if (sim->orders == NULL)
        goto fail;
    for (uint32_t i = 0; i < sim->max_orders; i++) {
        sim->orders[i].next = i + 1 < sim->max_orders ? i + 1 : CX__SIM_NONE;
        sim->orders[i].prev = CX__SIM_NONE;
    }
    sim->free_head = 0;

    uint32_t idx_cap = 1;
    while (idx_cap < 2 * sim->max_orders)
        idx_cap <<= 1;
    sim->idx_keys = calloc(idx_cap, sizeof *sim->idx_keys);
    sim->idx_vals = calloc(idx_cap, sizeof *sim->idx_vals);
    if (sim->idx_keys == NULL || sim->idx_vals == NULL)
        goto fail;
    sim->idx_mask = idx_cap - 1;

    /* Every order holds at most one event (its arrival) and cancels add one each; funding
     * schedules hold one each. Twice the order pool leaves room for a cancel per order. */
    uint32_t ev_cap = 2 * sim->max_orders + CX_SIM_MAX_FUNDING;
    if (heap_init(&sim->ev_heap, ev_cap) != 0)
        goto fail;
    sim->ev = calloc(ev_cap, sizeof *sim->ev);
    uint32_t resp_cap = cfg->max_responses > 0 ? cfg->max_responses : CX__SIM_DEFAULT_RESPONSES;
    if (heap_init(&sim->resp_heap, resp_cap) != 0)
        goto fail;
    sim->resp = calloc(resp_cap, sizeof *sim->resp);
    if (sim->ev == NULL || sim->resp == NULL)
        goto fail;

    *out = sim;
    return 0;
fail:
    cx_sim_free(sim);
    return CX_ENOMEM;
}

void cx_sim_free(struct cx_sim *sim)
{
    if (sim == NULL)
        return;
    if (sim->inst != NULL)
        for (uint32_t i = 0; i < sim->n_inst; i++) {
            cx_book_free(sim->inst[i].book);
            free(sim->inst[i].used);
        }
    free(sim->inst);
    free(sim->orders);
    free(sim->idx_keys);
    free(sim->idx_vals);
    heap_fini(&sim->ev_heap);
    free(sim->ev);
    heap_fini(&sim->resp_heap);
    free(sim->resp);
    free(sim);
}

/* ---------------------------------------------------------------------------------------------
 * MARK: books, accounts, locks
 * ------------------------------------------------------------------------------------------- */

int cx__sim_get_book(struct cx_sim *sim, uint32_t inst_id, struct cx_book **out)
{
    if (inst_id >= sim->n_inst)
        return CX_ESYMBOL;
    struct cx__sim_inst *si = &sim->inst[inst_id];
    if (si->book == NULL) {
        const struct cx_instrument *inst = cx_registry_get(sim->reg, inst_id);
        if (inst == NULL)
            return CX_ESYMBOL;
        struct cx_book_cfg bc = {
            .inst_id = inst_id,
            .rule = cx_book_rule_for_venue((enum cx_venue)inst->venue),
            .max_levels = sim->book_max_levels,
            .max_buffered = sim->book_max_buffered,
            .tick_m = inst->tick,
        };
        /* The only allocations after cx_sim_new: the venue book and its taken-liquidity
         * table, on the instrument's first market message. */
        si->used = calloc(CX__SIM_MAX_USED, sizeof *si->used);
        if (si->used == NULL)
            return CX_ENOMEM;
        int rc = cx_book_new(&si->book, &bc);
        if (rc != 0) {
            free(si->used);
            si->used = NULL;
            return rc;
        }
        sim->stats.books++;
    }
    *out = si->book;
    return 0;
}

int cx_sim_add_book(struct cx_sim *sim, uint32_t inst_id)
{
    if (sim == NULL)
        return CX_EINVAL;
    struct cx_book *book;
    return cx__sim_get_book(sim, inst_id, &book);
}

struct cx_account *cx__sim_account(struct cx_sim *sim, const struct cx__sim_order *o)
{
    uint16_t id = o->req.account_id;
    return id >= 1 && id <= sim->n_accounts ? &sim->accounts[id - 1] : NULL;
}

const struct cx_account *cx_sim_account(const struct cx_sim *sim, enum cx_venue venue)
{
    if (sim == NULL)
        return NULL;
    for (uint32_t i = 0; i < sim->n_accounts; i++)
        if (sim->accounts[i].venue == (uint8_t)venue)
            return &sim->accounts[i];
    return NULL;
}

const struct cx_account *cx_sim_account_by_id(const struct cx_sim *sim, uint16_t account_id)
{
    if (sim == NULL || account_id == 0 || account_id > sim->n_accounts)
        return NULL;
    return &sim->accounts[account_id - 1];
}

/*
 * Amount a resting order of qty_m reserves, in its lock asset at CX_NOTIONAL_EXP:
 *  - spot: cx_account_order_hold at the limit price with the fee rate its arrival check used
 *    (a buy holds quote notional + fee, a sell holds the base quantity), so what rests is
 *    exactly what cx_account_check asked to be free, minus what already executed;
 *  - perps: initial margin, ceil(notional / leverage) in the settle asset; reduce-only orders
 *    reserve nothing (they cannot add exposure). Other orders that happen to reduce the
 *    position still reserve margin while they rest (conservative simplification).
 * cx_account_check subtracts `locked` from the free balance (spot and perps), so resting
 * orders count against later orders. Returns 0 when the amount cannot be computed (overflow, a
 * spot quantity finer than 1e-8: such orders are rejected by the check before they can rest).
 */
int64_t cx__sim_lock_amount(const struct cx_sim *sim, const struct cx_instrument *inst,
                            const struct cx__sim_order *o, int64_t qty_m)
{
    if (qty_m <= 0)
        return 0;
    if (inst->kind == CX_KIND_SPOT) {
        struct cx_order_req req = o->req;
        req.qty_m = qty_m;
        const char *asset;
        int64_t amount;
        if (cx_account_order_hold(inst, &req, o->req.price_m, o->hold_fee_ppb, &asset,
                                  &amount) != 0)
            return 0;
        return amount;
    }
    if (o->req.flags & CX_ORD_F_REDUCE_ONLY)
        return 0;
    int64_t notional;
    if (cx_notional(inst, o->req.price_m, qty_m, 1, &notional) != 0 || notional < 0)
        return 0;
    const struct cx_account *acct = cx__sim_account((struct cx_sim *)sim, o);
    int64_t lev = acct != NULL && acct->leverage > 0 ? acct->leverage : 1;
    return notional / lev + (notional % lev != 0);
}

/* The balance a resting order locks: quote for spot buys and perps, base for spot sells. */
static struct cx_balance *lock_balance(struct cx_account *acct,
                                       const struct cx_instrument *inst, uint8_t side)
{
    if (inst->kind == CX_KIND_SPOT && side == CX_SIDE_ASK)
        return cx_account_balance(acct, inst->base);
    return cx_account_balance(acct, inst->quote);
}

/* Set the order's reservation to what its remaining quantity needs. The reservation is made
 * even if the free balance no longer covers it (possible only by 1e-8 rounding between the
 * arrival check and fills on arrival), so `locked` always equals the sum over resting
 * orders. */
void cx__sim_set_lock(struct cx_sim *sim, const struct cx_instrument *inst,
                      struct cx__sim_order *o)
{
    struct cx_account *acct = cx__sim_account(sim, o);
    if (acct == NULL)
        return;
    int64_t want = cx__sim_lock_amount(sim, inst, o, o->remaining_m);
    if (o->locked == 0 && want == 0)
        return;
    struct cx_balance *bal = lock_balance(acct, inst, o->req.side);
    if (bal == NULL)
        return;
    o->lock_bal = (uint8_t)(bal - acct->balances);
    bal->locked += want - o->locked;
    o->locked = want;
}

void cx__sim_release_lock(struct cx_sim *sim, const struct cx_instrument *inst,
                          struct cx__sim_order *o)
{
    if (o->locked == 0)
        return;
    (void)inst;
    struct cx_account *acct = cx__sim_account(sim, o);
    if (acct != NULL && o->lock_bal < acct->n_balances)
        acct->balances[o->lock_bal].locked -= o->locked;
    o->locked = 0;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: order slots and resting lists
 * ------------------------------------------------------------------------------------------- */

static uint32_t alloc_order(struct cx_sim *sim)
{
    uint32_t slot = sim->free_head;
    if (slot == CX__SIM_NONE)
        return CX__SIM_NONE;
    struct cx__sim_order *o = &sim->orders[slot];
    sim->free_head = o->next;
    memset(o, 0, sizeof *o);
    o->next = o->prev = CX__SIM_NONE;
    sim->orders_used++;
    if (sim->orders_used > sim->stats.orders_high_water)
        sim->stats.orders_high_water = sim->orders_used;
    return slot;
}

void cx__sim_free_order(struct cx_sim *sim, uint32_t slot)
{
    struct cx__sim_order *o = &sim->orders[slot];
    if (!o->is_dup)
        idx_remove(sim, o->req.client_id, slot);
    o->state = CX__ORD_FREE;
    o->prev = CX__SIM_NONE;
    o->next = sim->free_head;
    sim->free_head = slot;
    sim->orders_used--;
}

void cx__sim_rest_link(struct cx_sim *sim, uint32_t slot)
{
    struct cx__sim_order *o = &sim->orders[slot];
    struct cx__sim_inst *si = &sim->inst[o->req.inst_id];
    o->state = CX__ORD_RESTING;
    o->next = CX__SIM_NONE;
    o->prev = si->tail;
    if (si->tail != CX__SIM_NONE)
        sim->orders[si->tail].next = slot;
    else
        si->head = slot;
    si->tail = slot;
    si->n_resting++;
}

void cx__sim_rest_unlink(struct cx_sim *sim, uint32_t slot)
{
    struct cx__sim_order *o = &sim->orders[slot];
    struct cx__sim_inst *si = &sim->inst[o->req.inst_id];
    if (o->prev != CX__SIM_NONE)
        sim->orders[o->prev].next = o->next;
    else
        si->head = o->next;
    if (o->next != CX__SIM_NONE)
        sim->orders[o->next].prev = o->prev;
    else
        si->tail = o->prev;
    o->next = o->prev = CX__SIM_NONE;
    si->n_resting--;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: feed latency (the FEED latency model)
 * ------------------------------------------------------------------------------------------- */

int cx_sim_note_feed_latency(struct cx_sim *sim, uint8_t venue, int64_t feed_ns)
{
    if (sim == NULL || venue >= CX_VENUE_COUNT || feed_ns < 0)
        return CX_EINVAL;
    struct cx__sim_feed *f = &sim->feed[venue];
    f->win_ns[f->next] = feed_ns;
    f->next = (f->next + 1) % CX_SIM_FEED_WINDOW;
    if (f->n < CX_SIM_FEED_WINDOW)
        f->n++;
    sim->stats.feed_notes++;
    return 0;
}

int64_t cx_sim_feed_latency(const struct cx_sim *sim, uint8_t venue)
{
    if (sim == NULL || venue >= CX_VENUE_COUNT || sim->feed[venue].n == 0)
        return -1;
    const struct cx__sim_feed *f = &sim->feed[venue];
    int64_t v[CX_SIM_FEED_WINDOW];
    uint32_t n = f->n;
    /* Insertion sort of at most CX_SIM_FEED_WINDOW values (the ring's order does not matter
     * for a median). */
    for (uint32_t i = 0; i < n; i++) {
        int64_t x = f->win_ns[i];
        uint32_t j = i;
        while (j > 0 && v[j - 1] > x) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = x;
    }
    if (n % 2 == 1)
        return v[n / 2];
    return v[n / 2 - 1] + (v[n / 2] - v[n / 2 - 1]) / 2; /* no overflow: both >= 0 */
}

/* The feed term a latency model needs now: the venue's estimate for a FEED model (0, counted,
 * before its first note), 0 for the others (which do not read it). */
static int64_t feed_now(struct cx_sim *sim, uint8_t venue, const struct cx_latency_cfg *lat)
{
    if (lat->kind != CX_LAT_FEED)
        return 0;
    int64_t f = cx_sim_feed_latency(sim, venue);
    if (f < 0) {
        sim->stats.feed_latency_missing++;
        return 0;
    }
    return f;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: responses
 * ------------------------------------------------------------------------------------------- */

struct cx_exec_report *cx__sim_respond(struct cx_sim *sim, uint8_t venue, uint8_t type,
                                   const struct cx__sim_order *o)
{
    if (venue >= CX_VENUE_COUNT)
        venue = CX_VENUE_UNKNOWN;
    /* The latency is sampled even when the message is then dropped, so an overflow does not
     * shift the random sequence of everything after it. */
    int64_t lat = cx_sim_latency_at(&sim->response, true, sim->clock_ns,
                                    feed_now(sim, venue, &sim->response), &sim->rng);
    int64_t deliver = sim->clock_ns > INT64_MAX - lat ? INT64_MAX : sim->clock_ns + lat;
    if (deliver < sim->last_resp_ns[venue])
        deliver = sim->last_resp_ns[venue];
    uint32_t idx = heap_push(&sim->resp_heap, deliver, sim->seq++);
    if (idx == CX__SIM_NONE) {
        sim->stats.response_overflow++;
        sim->overflowed = true;
        return NULL;
    }
    sim->last_resp_ns[venue] = deliver;
    if (sim->resp_heap.n > sim->stats.responses_high_water)
        sim->stats.responses_high_water = sim->resp_heap.n;
    struct cx_exec_report *m = &sim->resp[idx];
    memset(m, 0, sizeof *m);
    m->type = type;
    m->exch_ns = sim->clock_ns;
    m->deliver_ns = deliver;
    m->book_age_ns = -1;
    m->inst_id = UINT32_MAX;
    if (o != NULL) {
        m->inst_id = o->req.inst_id;
        m->account_id = o->req.account_id;
        m->client_id = o->req.client_id;
        m->venue_order_id = o->venue_order_id;
        m->leaves_qty_m = o->remaining_m;
    }
    return m;
}

int cx_sim_poll(struct cx_sim *sim, int64_t now_ns, struct cx_exec_report *out)
{
    if (sim == NULL || out == NULL || sim->resp_heap.n == 0)
        return 0;
    if (sim->resp_heap.keys[0].time_ns > now_ns)
        return 0;
    uint32_t idx = heap_pop(&sim->resp_heap);
    *out = sim->resp[idx];
    heap_release(&sim->resp_heap, idx);
    return 1;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: funding
 * ------------------------------------------------------------------------------------------- */

/* Smallest first + k * interval >= t (k any integer), saturating at INT64_MAX. */
static int64_t next_funding_time(const struct cx_sim_funding *f, int64_t t)
{
    cx__i128 d = (cx__i128)t - f->first_ns;
    cx__i128 k = d / f->interval_ns;
    if (k * f->interval_ns < d)
        k++;
    cx__i128 when = (cx__i128)f->first_ns + k * f->interval_ns;
    return when > INT64_MAX ? INT64_MAX : (int64_t)when;
}

static void push_funding(struct cx_sim *sim, uint32_t i, int64_t when)
{
    uint32_t idx = heap_push(&sim->ev_heap, when, sim->seq++);
    if (idx == CX__SIM_NONE) /* cannot happen: CX_SIM_MAX_FUNDING slots are reserved */
        return;
    sim->ev[idx] = (struct cx__sim_ev){ .kind = CX__EV_FUNDING, .slot = i };
}

/* First funding time of every schedule at or after the run's start. A series' events before
 * the start are not paid (the run held no position then). */
static void schedule_funding(struct cx_sim *sim, int64_t start_ns)
{
    sim->funding_scheduled = true;
    for (uint32_t i = 0; i < sim->n_funding; i++) {
        const struct cx_sim_funding_ref *sr = &sim->funding_series[i];
        if (sr->events == NULL) {
            push_funding(sim, i, next_funding_time(&sim->funding[i], start_ns));
            continue;
        }
        uint32_t k = cx_sim_funding_seek(sr->events, sr->n_events, start_ns);
        if (k < sr->n_events)
            push_funding(sim, i, sr->events[k].time_ns);
    }
}

/*
 * One funding time of schedule i, settled by cx_account_apply_funding: amount = -position x
 * mark x multiplier x rate, received when positive, so longs pay shorts when the rate is
 * positive (Binance USD-M "Introduction to Binance Futures Funding Rates": funding amount =
 * nominal value of positions x funding rate). The mark is the venue book's mid,
 * (bid + ask) / 2, rounded half up to the price mantissa when the sum is odd.
 * Example: long 0.010 BTC, bid 61800.10, ask 61800.30 (mark 61800.20), rate 0.01 %
 * (100000 ppb): pays 0.0618002 USDT, amount = -6180020 @ 1e-8.
 * rate_ppb is the schedule's constant rate or the due event's rate of a series.
 */
static void do_funding_account(struct cx_sim *sim, const struct cx_instrument *inst,
                               uint16_t account_id, int64_t rate_ppb)
{
    struct cx_account *acct = &sim->accounts[account_id - 1];
    const struct cx_sim_funding *f = &(struct cx_sim_funding){.inst_id = inst->id};
    const struct cx_perp_pos *pos = NULL;
    for (uint32_t j = 0; j < acct->n_perps; j++)
        if (acct->perps[j].inst_id == f->inst_id)
            pos = &acct->perps[j];
    if (pos == NULL || pos->qty_m == 0)
        return;
    const struct cx_book *book = f->inst_id < sim->n_inst ? sim->inst[f->inst_id].book : NULL;
    struct cx_book_top top = { 0 };
    if (book != NULL)
        cx_book_top(book, &top);
    if (!top.has_bid || !top.has_ask) {
        sim->stats.funding_skipped++;
        return;
    }
    cx__i128 sum = (cx__i128)top.bid_price_m + top.ask_price_m;
    int64_t mark = (int64_t)((sum + (sum > 0 ? 1 : 0)) / 2);
    int64_t amount = 0;
    if (mark <= 0 || cx_account_apply_funding(acct, inst, mark, rate_ppb, &amount) != 0) {
        sim->stats.funding_skipped++;
        return;
    }
    sim->stats.funding_payments++;
    struct cx_exec_report *m = cx__sim_respond(sim, inst->venue, CX_EXEC_FUNDING, NULL);
    if (m != NULL) {
        m->inst_id = f->inst_id;
        m->account_id = account_id;
        m->amount = amount;
        m->rate_ppb = rate_ppb;
    }
}

static void do_funding(struct cx_sim *sim, uint32_t i, int64_t rate_ppb)
{
    const struct cx_sim_funding *f = &sim->funding[i];
    const struct cx_instrument *inst = cx_registry_get(sim->reg, f->inst_id);
    if (inst == NULL)
        return;
    /* Every account of the venue settles its own position, in account order. */
    for (uint32_t a = 0; a < sim->n_accounts; a++)
        if (sim->accounts[a].venue == inst->venue)
            do_funding_account(sim, inst, (uint16_t)(a + 1), rate_ppb);
}

/* Funding time t_ns of schedule i is due: pay it, then schedule the schedule's next time. A
 * series event was pushed at exactly its time_ns, so the search finds it; the next is the one
 * after it (none after the last event). */
static void funding_due(struct cx_sim *sim, uint32_t i, int64_t t_ns)
{
    const struct cx_sim_funding *f = &sim->funding[i];
    const struct cx_sim_funding_ref *sr = &sim->funding_series[i];
    if (sr->events != NULL) {
        uint32_t k = cx_sim_funding_seek(sr->events, sr->n_events, t_ns);
        if (k < sr->n_events && sr->events[k].time_ns == t_ns) {
            do_funding(sim, i, sr->events[k].rate_ppb);
            k++;
        }
        if (k < sr->n_events)
            push_funding(sim, i, sr->events[k].time_ns);
        return;
    }
    do_funding(sim, i, f->rate_ppb);
    if (sim->clock_ns < INT64_MAX - f->interval_ns)
        push_funding(sim, i, sim->clock_ns + f->interval_ns);
}

/* ---------------------------------------------------------------------------------------------
 * MARK: event processing
 * ------------------------------------------------------------------------------------------- */

static void set_clock(struct cx_sim *sim, int64_t t)
{
    if (t > sim->clock_ns)
        sim->clock_ns = t;
}

static void do_cancel(struct cx_sim *sim, uint64_t client_id, uint8_t venue)
{
    uint32_t slot = idx_find(sim, client_id);
    struct cx__sim_order *o = slot != CX__SIM_NONE ? &sim->orders[slot] : NULL;
    if (o == NULL || o->state != CX__ORD_RESTING) {
        /* Unknown, already final, or (not possible with ordered sessions) still in flight. */
        sim->stats.cancel_rejects++;
        sim->stats.rejects[CX_REJ_UNKNOWN_ORDER]++;
        struct cx_exec_report *m = cx__sim_respond(sim, venue, CX_EXEC_CANCEL_REJECT, NULL);
        if (m != NULL) {
            m->client_id = client_id;
            m->reject = CX_REJ_UNKNOWN_ORDER;
            if (o != NULL) {
                m->inst_id = o->req.inst_id;
                m->venue_order_id = o->venue_order_id;
                m->leaves_qty_m = o->remaining_m;
            }
        }
        return;
    }
    const struct cx_instrument *inst = cx_registry_get(sim->reg, o->req.inst_id);
    cx__sim_release_lock(sim, inst, o);
    cx__sim_rest_unlink(sim, slot);
    sim->stats.canceled++;
    struct cx_exec_report *m = cx__sim_respond(sim, inst->venue, CX_EXEC_CANCELED, o);
    if (m != NULL)
        m->leaves_qty_m = 0;
    cx__sim_free_order(sim, slot);
}

/* Process events with time < limit (strict) or <= limit. */
static void run_events(struct cx_sim *sim, int64_t limit, bool inclusive)
{
    while (sim->ev_heap.n > 0) {
        int64_t t = sim->ev_heap.keys[0].time_ns;
        if (inclusive ? t > limit : t >= limit)
            break;
        uint32_t idx = heap_pop(&sim->ev_heap);
        struct cx__sim_ev ev = sim->ev[idx];
        heap_release(&sim->ev_heap, idx);
        set_clock(sim, t);
        switch (ev.kind) {
        case CX__EV_ORDER:
            cx__sim_arrive_order(sim, ev.slot);
            break;
        case CX__EV_CANCEL:
            do_cancel(sim, ev.client_id, ev.venue);
            break;
        case CX__EV_FUNDING:
            funding_due(sim, ev.slot, t);
            break;
        default:
            break;
        }
    }
}

int cx_sim_advance(struct cx_sim *sim, int64_t now_ns)
{
    if (sim == NULL)
        return CX_EINVAL;
    sim->overflowed = false;
    run_events(sim, now_ns, true);
    return sim->overflowed ? CX_ENOSPC : 0;
}

int64_t cx_sim_next_ns(const struct cx_sim *sim)
{
    if (sim == NULL)
        return INT64_MAX;
    int64_t t = INT64_MAX;
    if (sim->ev_heap.n > 0)
        t = sim->ev_heap.keys[0].time_ns;
    if (sim->resp_heap.n > 0 && sim->resp_heap.keys[0].time_ns < t)
        t = sim->resp_heap.keys[0].time_ns;
    return t;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: requests
 * ------------------------------------------------------------------------------------------- */

/* Arrival time of a request sent at now on a venue's session: now + entry latency, but never
 * before an earlier request of the same session. */
static int64_t entry_time(struct cx_sim *sim, uint8_t venue, int64_t now_ns)
{
    int64_t lat = cx_sim_latency_at(&sim->entry, false, now_ns, feed_now(sim, venue, &sim->entry),
                                    &sim->rng);
    int64_t t = now_ns > INT64_MAX - lat ? INT64_MAX : now_ns + lat;
    if (t < sim->last_entry_ns[venue])
        t = sim->last_entry_ns[venue];
    sim->last_entry_ns[venue] = t;
    return t;
}

static uint8_t venue_of(const struct cx_sim *sim, uint32_t inst_id)
{
    const struct cx_instrument *inst = cx_registry_get(sim->reg, inst_id);
    return inst != NULL && inst->venue < CX_VENUE_COUNT ? inst->venue : CX_VENUE_UNKNOWN;
}

/* The account an order trades on: its own account_id when that account is on the
 * instrument's venue; for account_id 0 the venue's first account (0 when the venue has none:
 * not balance-checked); CX__SIM_BAD_ACCOUNT for an id that does not exist or belongs to
 * another venue (rejected on arrival as invalid). */
static uint16_t resolve_account(const struct cx_sim *sim, const struct cx_order_req *req)
{
    uint8_t venue = venue_of(sim, req->inst_id);
    if (req->account_id != 0) {
        if (req->account_id > sim->n_accounts || sim->accounts[req->account_id - 1].venue != venue)
            return CX__SIM_BAD_ACCOUNT;
        return req->account_id;
    }
    for (uint32_t i = 0; i < sim->n_accounts; i++)
        if (sim->accounts[i].venue == venue)
            return (uint16_t)(i + 1);
    return 0;
}

int cx_sim_submit(struct cx_sim *sim, const struct cx_order_req *req, int64_t now_ns)
{
    if (sim == NULL || req == NULL)
        return CX_EINVAL;
    /* Keep CX_SIM_MAX_FUNDING event slots for funding events. */
    if (sim->ev_heap.n_free <= CX_SIM_MAX_FUNDING)
        return CX_ENOSPC;
    uint32_t slot = alloc_order(sim);
    if (slot == CX__SIM_NONE)
        return CX_ENOSPC;
    struct cx__sim_order *o = &sim->orders[slot];
    o->req = *req;
    o->req.account_id = resolve_account(sim, req);
    o->submit_ns = now_ns;
    o->remaining_m = req->qty_m;
    o->state = CX__ORD_IN_FLIGHT;
    if (idx_find(sim, req->client_id) != CX__SIM_NONE)
        o->is_dup = true;
    else
        idx_insert(sim, req->client_id, slot);
    sim->stats.submitted++;

    uint8_t venue = venue_of(sim, req->inst_id);
    int64_t t = entry_time(sim, venue, now_ns);
    uint32_t idx = heap_push(&sim->ev_heap, t, sim->seq++);
    /* idx cannot be NONE: n_free was checked above and nothing was pushed since. */
    sim->ev[idx] = (struct cx__sim_ev){ .kind = CX__EV_ORDER, .venue = venue, .slot = slot };
    return 0;
}

int cx_sim_cancel(struct cx_sim *sim, uint64_t client_id, int64_t now_ns)
{
    if (sim == NULL)
        return CX_EINVAL;
    /* Keep CX_SIM_MAX_FUNDING event slots for funding events. */
    if (sim->ev_heap.n_free <= CX_SIM_MAX_FUNDING)
        return CX_ENOSPC;
    uint32_t slot = idx_find(sim, client_id);
    uint8_t venue = slot != CX__SIM_NONE ? venue_of(sim, sim->orders[slot].req.inst_id)
                                         : (uint8_t)CX_VENUE_UNKNOWN;
    int64_t t = entry_time(sim, venue, now_ns);
    uint32_t idx = heap_push(&sim->ev_heap, t, sim->seq++);
    if (idx == CX__SIM_NONE)
        return CX_ENOSPC;
    sim->ev[idx] = (struct cx__sim_ev){ .kind = CX__EV_CANCEL, .venue = venue,
                                        .client_id = client_id };
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: market data
 * ------------------------------------------------------------------------------------------- */

int cx_sim_on_market(struct cx_sim *sim, const struct cx_md_batch *b, int64_t venue_ns)
{
    if (sim == NULL || b == NULL || (b->n > 0 && b->ev == NULL))
        return CX_EINVAL;
    sim->overflowed = false;
    if (!sim->funding_scheduled && sim->n_funding > 0)
        schedule_funding(sim, venue_ns);
    sim->funding_scheduled = true;
    run_events(sim, venue_ns, false);
    set_clock(sim, venue_ns);
    sim->stats.market_messages++;
    if (b->n == 0)
        return 0;

    const struct cx_md_event *ev = b->ev;
    uint8_t type = ev[0].type;
    if (type == CX_MD_NONE)
        return 0;
    uint32_t inst_id = ev[0].inst_id;
    const struct cx_instrument *inst = cx_registry_get(sim->reg, inst_id);
    if (inst == NULL || inst_id >= sim->n_inst)
        return CX_ESYMBOL;
    struct cx_book *book;
    int rc = cx__sim_get_book(sim, inst_id, &book);
    if (rc != 0)
        return rc;

    if (type == CX_MD_TRADE) {
        for (uint32_t i = 0; i < b->n; i++) {
            if (ev[i].type != CX_MD_TRADE || ev[i].inst_id != inst_id)
                return CX_EINVAL;
            sim->stats.trades++;
            cx__sim_on_trade(sim, inst, &ev[i]);
        }
        return sim->overflowed ? CX_ENOSPC : 0;
    }
    if (type == CX_MD_BBO) {
        for (uint32_t i = 0; i < b->n; i++) {
            if (ev[i].type != CX_MD_BBO || ev[i].inst_id != inst_id)
                return CX_EINVAL;
            cx__sim_on_bbo(sim, inst, &ev[i], sim->clock_ns);
        }
        return sim->overflowed ? CX_ENOSPC : 0;
    }
    if (type != CX_MD_DEPTH_DELTA && type != CX_MD_DEPTH_SNAPSHOT)
        return CX_EINVAL;
    rc = cx_book_apply(book, ev, b->n);
    if (rc == CX_EINVAL)
        return rc;
    /* Gaps, crossed books and level overflow leave the book STALE; they are data conditions,
     * counted in the book's statistics, not errors of this call. */
    cx__sim_on_depth(sim, inst, type == CX_MD_DEPTH_SNAPSHOT);
    return sim->overflowed ? CX_ENOSPC : 0;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: queries
 * ------------------------------------------------------------------------------------------- */

const struct cx_book *cx_sim_book(const struct cx_sim *sim, uint32_t inst_id)
{
    if (sim == NULL || inst_id >= sim->n_inst)
        return NULL;
    return sim->inst[inst_id].book;
}

const struct cx_sim_stats *cx_sim_stats(const struct cx_sim *sim)
{
    return sim != NULL ? &sim->stats : NULL;
}

int cx_sim_queue_ahead(const struct cx_sim *sim, uint64_t client_id, int64_t *out_qty_m)
{
    if (sim == NULL || out_qty_m == NULL)
        return CX_EINVAL;
    uint32_t slot = idx_find(sim, client_id);
    if (slot == CX__SIM_NONE || sim->orders[slot].state != CX__ORD_RESTING)
        return CX_ENOENT;
    *out_qty_m = sim->orders[slot].queue_ahead_m;
    return 0;
}
