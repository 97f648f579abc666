/* SPDX-License-Identifier: MIT */
/*
 * The L3 (order-by-order) FIFO queue of sim.h: visible orders by id in per-level time-priority
 * lists, our orders placed among them, and our fills from the visible orders' executions.
 * Design and sources: docs/internals/sim.md "L3 order-by-order queue"; the venue rules cited in
 * sim.h; the model is hftbacktest's L3FIFOQueueModel (hftbacktest/src/backtest/models/queue.rs)
 * with one difference: an execution behind our order fills it by at most the executed quantity
 * (hftbacktest fills it whole), the same cap our L2 model puts on a print through our price.
 *
 * Invariants:
 *  - every node (visible or ours) is in exactly one level's list, in time priority, and in one
 *    id index (visible ids and our client ids are separate spaces); free nodes are on a stack;
 *  - a level exists while it holds a node; its market_qty_m is the sum of its visible nodes';
 *  - our nodes are also on a list in time-priority order across levels (a node that loses
 *    priority moves to its end), so within one price our list order is the level's order.
 * Memory: everything is allocated by cx_sim_l3_new; the indexes are open-addressing tables of
 * at least twice the entries they can hold (linear probing, backward-shift deletion, Knuth
 * TAOCP vol. 3, 6.4 Algorithm R), so they never fill.
 */
#include "sim_int.h"

#include <stdlib.h>
#include <string.h>

#define L3_NONE UINT32_MAX
#define L3_MAX_ORDERS (1u << 26)

/* ---------------------------------------------------------------------------------------------
 * MARK: u64 -> index map
 * ------------------------------------------------------------------------------------------- */

struct l3_map {
    uint64_t *keys;
    uint32_t *vals; /* index + 1; 0 = empty */
    uint32_t mask;  /* capacity - 1 */
};

static uint32_t map_hash(uint64_t k)
{
    return (uint32_t)((k * UINT64_C(0x9E3779B97F4A7C15)) >> 32); /* Fibonacci hashing */
}

static int map_init(struct l3_map *m, uint32_t entries)
{
    uint32_t cap = 1;
    while (cap < 2 * entries)
        cap <<= 1;
    m->keys = calloc(cap, sizeof *m->keys);
    m->vals = calloc(cap, sizeof *m->vals);
    m->mask = cap - 1;
    return m->keys != NULL && m->vals != NULL ? 0 : CX_ENOMEM;
}

static void map_fini(struct l3_map *m)
{
    free(m->keys);
    free(m->vals);
}

static uint32_t map_find(const struct l3_map *m, uint64_t k)
{
    for (uint32_t i = map_hash(k) & m->mask; m->vals[i] != 0; i = (i + 1) & m->mask)
        if (m->keys[i] == k)
            return m->vals[i] - 1;
    return L3_NONE;
}

static void map_insert(struct l3_map *m, uint64_t k, uint32_t v)
{
    uint32_t i = map_hash(k) & m->mask;
    while (m->vals[i] != 0)
        i = (i + 1) & m->mask;
    m->keys[i] = k;
    m->vals[i] = v + 1;
}

static void map_remove(struct l3_map *m, uint64_t k)
{
    uint32_t i = map_hash(k) & m->mask;
    while (m->vals[i] != 0 && m->keys[i] != k)
        i = (i + 1) & m->mask;
    if (m->vals[i] == 0)
        return;
    uint32_t hole = i, j = i;
    for (;;) {
        j = (j + 1) & m->mask;
        if (m->vals[j] == 0)
            break;
        uint32_t home = map_hash(m->keys[j]) & m->mask;
        bool stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
        if (stays)
            continue;
        m->keys[hole] = m->keys[j];
        m->vals[hole] = m->vals[j];
        hole = j;
    }
    m->vals[hole] = 0;
    m->keys[hole] = 0;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: state
 * ------------------------------------------------------------------------------------------- */

struct l3_node {
    uint64_t id;              /* visible order id or our client id */
    int64_t price_m;          /* price_exp */
    int64_t qty_m;            /* open quantity, qty_exp */
    uint32_t prev, next;      /* the level's list (free stack: next) */
    uint32_t o_prev, o_next;  /* ours: our list */
    uint32_t level;           /* its level */
    uint64_t mark;            /* ours: execute call that already served it */
    uint8_t side;             /* enum cx_side */
    bool is_ours;
};

struct l3_level {
    uint64_t key;             /* level_key(side, price) */
    uint32_t head, tail;      /* nodes in time priority */
    int64_t market_qty_m;     /* visible quantity */
    uint32_t n_market;        /* visible orders */
    uint32_t next_free;       /* free stack */
};

struct cx_sim_l3 {
    struct cx_sim_l3_cfg cfg;
    struct l3_node *nodes;    /* [max_orders] */
    struct l3_level *levels;  /* [max_orders] */
    uint32_t free_node, free_level;
    uint32_t ours_head, ours_tail; /* our nodes in time priority */
    uint64_t epoch;           /* execute calls (marks) */
    struct l3_map by_id, by_client, by_level;
};

static uint64_t level_key(uint8_t side, int64_t price_m)
{
    return (uint64_t)price_m * 2u + side; /* price_m <= INT64_MAX / 2: no overflow */
}

static bool args_ok(uint8_t side, int64_t price_m, int64_t qty_m)
{
    return side <= CX_SIDE_ASK && price_m > 0 && price_m <= INT64_MAX / 2 && qty_m > 0;
}

int cx_sim_l3_new(struct cx_sim_l3 **out, const struct cx_sim_l3_cfg *cfg)
{
    if (out == NULL || cfg == NULL || cfg->max_orders == 0 || cfg->max_orders > L3_MAX_ORDERS)
        return CX_EINVAL;
    struct cx_sim_l3 *l3 = calloc(1, sizeof *l3);
    if (l3 == NULL)
        return CX_ENOMEM;
    l3->cfg = *cfg;
    uint32_t n = cfg->max_orders;
    l3->nodes = calloc(n, sizeof *l3->nodes);
    l3->levels = calloc(n, sizeof *l3->levels);
    if (l3->nodes == NULL || l3->levels == NULL || map_init(&l3->by_id, n) != 0 ||
        map_init(&l3->by_client, n) != 0 || map_init(&l3->by_level, n) != 0) {
        cx_sim_l3_free(l3);
        return CX_ENOMEM;
    }
    for (uint32_t i = 0; i < n; i++) {
        l3->nodes[i].next = i + 1 < n ? i + 1 : L3_NONE;
        l3->levels[i].next_free = i + 1 < n ? i + 1 : L3_NONE;
    }
    l3->free_node = l3->free_level = 0;
    l3->ours_head = l3->ours_tail = L3_NONE;
    *out = l3;
    return 0;
}

void cx_sim_l3_free(struct cx_sim_l3 *l3)
{
    if (l3 == NULL)
        return;
    map_fini(&l3->by_id);
    map_fini(&l3->by_client);
    map_fini(&l3->by_level);
    free(l3->nodes);
    free(l3->levels);
    free(l3);
}

/* ---------------------------------------------------------------------------------------------
 * MARK: lists
 * ------------------------------------------------------------------------------------------- */

/* The level of (side, price), created when missing and `create`; L3_NONE when missing (or no
 * room, which cannot happen while a node is free: every level holds a node). */
static uint32_t level_get(struct cx_sim_l3 *l3, uint8_t side, int64_t price_m, bool create)
{
    uint64_t key = level_key(side, price_m);
    uint32_t li = map_find(&l3->by_level, key);
    if (li != L3_NONE || !create || l3->free_level == L3_NONE)
        return li;
    li = l3->free_level;
    struct l3_level *lv = &l3->levels[li];
    l3->free_level = lv->next_free;
    *lv = (struct l3_level){.key = key, .head = L3_NONE, .tail = L3_NONE, .next_free = L3_NONE};
    map_insert(&l3->by_level, key, li);
    return li;
}

/* Append node ni (side, price, qty set) at the back of its level; ours also to our list. */
static void link_back(struct cx_sim_l3 *l3, uint32_t ni)
{
    struct l3_node *nd = &l3->nodes[ni];
    uint32_t li = level_get(l3, nd->side, nd->price_m, true);
    struct l3_level *lv = &l3->levels[li];
    nd->level = li;
    nd->next = L3_NONE;
    nd->prev = lv->tail;
    if (lv->tail != L3_NONE)
        l3->nodes[lv->tail].next = ni;
    else
        lv->head = ni;
    lv->tail = ni;
    if (nd->is_ours) {
        nd->o_next = L3_NONE;
        nd->o_prev = l3->ours_tail;
        if (l3->ours_tail != L3_NONE)
            l3->nodes[l3->ours_tail].o_next = ni;
        else
            l3->ours_head = ni;
        l3->ours_tail = ni;
    } else {
        lv->market_qty_m += nd->qty_m;
        lv->n_market++;
    }
}

/* Take node ni out of its level (freed when empty) and, for ours, out of our list. */
static void unlink_node(struct cx_sim_l3 *l3, uint32_t ni)
{
    struct l3_node *nd = &l3->nodes[ni];
    struct l3_level *lv = &l3->levels[nd->level];
    if (nd->prev != L3_NONE)
        l3->nodes[nd->prev].next = nd->next;
    else
        lv->head = nd->next;
    if (nd->next != L3_NONE)
        l3->nodes[nd->next].prev = nd->prev;
    else
        lv->tail = nd->prev;
    if (nd->is_ours) {
        if (nd->o_prev != L3_NONE)
            l3->nodes[nd->o_prev].o_next = nd->o_next;
        else
            l3->ours_head = nd->o_next;
        if (nd->o_next != L3_NONE)
            l3->nodes[nd->o_next].o_prev = nd->o_prev;
        else
            l3->ours_tail = nd->o_prev;
    } else {
        lv->market_qty_m -= nd->qty_m;
        lv->n_market--;
    }
    if (lv->head == L3_NONE) {
        map_remove(&l3->by_level, lv->key);
        lv->next_free = l3->free_level;
        l3->free_level = nd->level;
    }
}

static uint32_t node_alloc(struct cx_sim_l3 *l3)
{
    uint32_t ni = l3->free_node;
    if (ni != L3_NONE)
        l3->free_node = l3->nodes[ni].next;
    return ni;
}

static void node_release(struct cx_sim_l3 *l3, uint32_t ni)
{
    struct l3_node *nd = &l3->nodes[ni];
    map_remove(nd->is_ours ? &l3->by_client : &l3->by_id, nd->id);
    memset(nd, 0, sizeof *nd);
    nd->next = l3->free_node;
    l3->free_node = ni;
}

/* A new node at the back of its level, indexed. */
static int insert_new(struct cx_sim_l3 *l3, bool is_ours, uint64_t id, uint8_t side,
                      int64_t price_m, int64_t qty_m)
{
    struct l3_map *map = is_ours ? &l3->by_client : &l3->by_id;
    if (map_find(map, id) != L3_NONE)
        return CX_EEXIST;
    uint32_t ni = node_alloc(l3);
    if (ni == L3_NONE)
        return CX_ENOSPC;
    l3->nodes[ni] = (struct l3_node){.id = id, .price_m = price_m, .qty_m = qty_m,
                                     .side = side, .is_ours = is_ours};
    map_insert(map, id, ni);
    link_back(l3, ni);
    return 0;
}

/* Amend node ni: in place when the price is the same and the quantity not larger, else to
 * the back of the (new) level. */
static void amend(struct cx_sim_l3 *l3, uint32_t ni, int64_t price_m, int64_t qty_m)
{
    struct l3_node *nd = &l3->nodes[ni];
    if (price_m == nd->price_m && qty_m <= nd->qty_m) {
        if (!nd->is_ours)
            l3->levels[nd->level].market_qty_m -= nd->qty_m - qty_m;
        nd->qty_m = qty_m;
        return;
    }
    unlink_node(l3, ni);
    nd->price_m = price_m;
    nd->qty_m = qty_m;
    link_back(l3, ni);
}

/* ---------------------------------------------------------------------------------------------
 * MARK: visible orders
 * ------------------------------------------------------------------------------------------- */

int cx_sim_l3_add(struct cx_sim_l3 *l3, uint64_t order_id, uint8_t side, int64_t price_m,
                  int64_t qty_m)
{
    if (l3 == NULL || !args_ok(side, price_m, qty_m))
        return CX_EINVAL;
    return insert_new(l3, false, order_id, side, price_m, qty_m);
}

int cx_sim_l3_delete(struct cx_sim_l3 *l3, uint64_t order_id)
{
    if (l3 == NULL)
        return CX_EINVAL;
    uint32_t ni = map_find(&l3->by_id, order_id);
    if (ni == L3_NONE)
        return CX_ENOENT;
    unlink_node(l3, ni);
    node_release(l3, ni);
    return 0;
}

int cx_sim_l3_cancel(struct cx_sim_l3 *l3, uint64_t order_id, int64_t qty_m)
{
    if (l3 == NULL || qty_m <= 0)
        return CX_EINVAL;
    uint32_t ni = map_find(&l3->by_id, order_id);
    if (ni == L3_NONE)
        return CX_ENOENT;
    struct l3_node *nd = &l3->nodes[ni];
    if (qty_m > nd->qty_m)
        return CX_ERANGE;
    if (qty_m == nd->qty_m)
        return cx_sim_l3_delete(l3, order_id);
    amend(l3, ni, nd->price_m, nd->qty_m - qty_m); /* a decrease: in place */
    return 0;
}

int cx_sim_l3_modify(struct cx_sim_l3 *l3, uint64_t order_id, int64_t price_m, int64_t qty_m)
{
    if (l3 == NULL)
        return CX_EINVAL;
    uint32_t ni = map_find(&l3->by_id, order_id);
    if (ni == L3_NONE)
        return CX_ENOENT;
    if (!args_ok(l3->nodes[ni].side, price_m, qty_m))
        return CX_EINVAL;
    amend(l3, ni, price_m, qty_m);
    return 0;
}

int cx_sim_l3_replace(struct cx_sim_l3 *l3, uint64_t old_id, uint64_t new_id, int64_t price_m,
                      int64_t qty_m)
{
    if (l3 == NULL)
        return CX_EINVAL;
    uint32_t ni = map_find(&l3->by_id, old_id);
    if (ni == L3_NONE)
        return CX_ENOENT;
    uint8_t side = l3->nodes[ni].side;
    if (!args_ok(side, price_m, qty_m))
        return CX_EINVAL;
    if (new_id != old_id && map_find(&l3->by_id, new_id) != L3_NONE)
        return CX_EEXIST;
    unlink_node(l3, ni);
    node_release(l3, ni);
    return insert_new(l3, false, new_id, side, price_m, qty_m); /* the slot just freed */
}

/* Fill our node ni by up to *left (reported, removed when done). */
static void fill_ours(struct cx_sim_l3 *l3, uint32_t ni, int64_t *left, uint8_t evidence,
                      uint64_t by_id)
{
    struct l3_node *nd = &l3->nodes[ni];
    nd->mark = l3->epoch;
    int64_t q = nd->qty_m < *left ? nd->qty_m : *left;
    if (q <= 0)
        return;
    nd->qty_m -= q;
    *left -= q;
    struct cx_sim_l3_fill f = {.client_id = nd->id, .side = nd->side, .evidence = evidence,
                               .price_m = nd->price_m, .qty_m = q, .leaves_m = nd->qty_m,
                               .by_order_id = by_id};
    if (nd->qty_m == 0) {
        unlink_node(l3, ni);
        node_release(l3, ni);
    }
    if (l3->cfg.on_fill != NULL)
        l3->cfg.on_fill(l3->cfg.arg, &f);
}

/* Whether price a is better than b for a resting order of side. */
static bool is_better(uint8_t side, int64_t a, int64_t b)
{
    return side == CX_SIDE_BID ? a > b : a < b;
}

int cx_sim_l3_execute(struct cx_sim_l3 *l3, uint64_t order_id, int64_t qty_m)
{
    if (l3 == NULL || qty_m <= 0)
        return CX_EINVAL;
    uint32_t xi = map_find(&l3->by_id, order_id);
    if (xi == L3_NONE)
        return CX_ENOENT;
    struct l3_node *x = &l3->nodes[xi];
    if (qty_m > x->qty_m)
        return CX_ERANGE;
    uint8_t side = x->side;
    int64_t px = x->price_m;
    int64_t left = qty_m;
    l3->epoch++;
    /* 1. Ours at better prices: the aggressor went through them. Best price first; within a
     * price our list is in time priority. O(ours^2) without any allocation. */
    while (left > 0) {
        uint32_t best = L3_NONE;
        for (uint32_t i = l3->ours_head; i != L3_NONE; i = l3->nodes[i].o_next) {
            const struct l3_node *o = &l3->nodes[i];
            if (o->side != side || o->mark == l3->epoch || !is_better(side, o->price_m, px))
                continue;
            if (best == L3_NONE || is_better(side, o->price_m, l3->nodes[best].price_m))
                best = i;
        }
        if (best == L3_NONE)
            break;
        fill_ours(l3, best, &left, CX_SIM_L3_THROUGH, order_id);
    }
    /* 2. Ours ahead of it at its price, in queue order. */
    for (uint32_t i = l3->levels[x->level].head; i != xi && left > 0;) {
        uint32_t next = l3->nodes[i].next;
        if (l3->nodes[i].is_ours)
            fill_ours(l3, i, &left, CX_SIM_L3_BEHIND, order_id);
        i = next;
    }
    /* 3. The visible order itself. */
    if (qty_m == x->qty_m) {
        unlink_node(l3, xi);
        node_release(l3, xi);
    } else {
        amend(l3, xi, px, x->qty_m - qty_m);
    }
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: our orders, queries
 * ------------------------------------------------------------------------------------------- */

int cx_sim_l3_add_ours(struct cx_sim_l3 *l3, uint64_t client_id, uint8_t side,
                       int64_t price_m, int64_t qty_m)
{
    if (l3 == NULL || !args_ok(side, price_m, qty_m))
        return CX_EINVAL;
    return insert_new(l3, true, client_id, side, price_m, qty_m);
}

int cx_sim_l3_cancel_ours(struct cx_sim_l3 *l3, uint64_t client_id)
{
    if (l3 == NULL)
        return CX_EINVAL;
    uint32_t ni = map_find(&l3->by_client, client_id);
    if (ni == L3_NONE)
        return CX_ENOENT;
    unlink_node(l3, ni);
    node_release(l3, ni);
    return 0;
}

int cx_sim_l3_modify_ours(struct cx_sim_l3 *l3, uint64_t client_id, int64_t price_m,
                          int64_t qty_m)
{
    if (l3 == NULL)
        return CX_EINVAL;
    uint32_t ni = map_find(&l3->by_client, client_id);
    if (ni == L3_NONE)
        return CX_ENOENT;
    if (!args_ok(l3->nodes[ni].side, price_m, qty_m))
        return CX_EINVAL;
    amend(l3, ni, price_m, qty_m);
    return 0;
}

int cx_sim_l3_queue_ahead(const struct cx_sim_l3 *l3, uint64_t client_id, int64_t *out_qty_m,
                          uint32_t *out_orders, int64_t *out_leaves_m)
{
    if (l3 == NULL)
        return CX_EINVAL;
    uint32_t ni = map_find(&l3->by_client, client_id);
    if (ni == L3_NONE)
        return CX_ENOENT;
    int64_t qty = 0;
    uint32_t n = 0;
    for (uint32_t i = l3->levels[l3->nodes[ni].level].head; i != ni; i = l3->nodes[i].next) {
        if (!l3->nodes[i].is_ours) {
            qty += l3->nodes[i].qty_m;
            n++;
        }
    }
    if (out_qty_m != NULL)
        *out_qty_m = qty;
    if (out_orders != NULL)
        *out_orders = n;
    if (out_leaves_m != NULL)
        *out_leaves_m = l3->nodes[ni].qty_m;
    return 0;
}

int cx_sim_l3_level(const struct cx_sim_l3 *l3, uint8_t side, int64_t price_m,
                    int64_t *out_qty_m, uint32_t *out_orders)
{
    if (l3 == NULL || side > CX_SIDE_ASK || price_m <= 0 || price_m > INT64_MAX / 2)
        return CX_EINVAL;
    uint32_t li = map_find(&l3->by_level, level_key(side, price_m));
    if (out_qty_m != NULL)
        *out_qty_m = li == L3_NONE ? 0 : l3->levels[li].market_qty_m;
    if (out_orders != NULL)
        *out_orders = li == L3_NONE ? 0 : l3->levels[li].n_market;
    return 0;
}
