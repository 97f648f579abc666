/* SPDX-License-Identifier: MIT */
/*
 * Order management: the order table, the order lifecycle state machine, and per-instrument
 * positions with average-cost PnL.
 *
 * Orders live in one array allocated by cx_oms_new, in submission order, and never move or get
 * reused (cx_oms_foreach reports every order of a run). A client-id hash index (open addressing,
 * linear probing, no deletions because orders are never removed) finds them in O(1), and an
 * intrusive doubly linked list threads the open (non-final) orders in submission order. The
 * lifecycle is one static table, k_transitions; every status change goes through it. Positions
 * follow cx__avgcost, whose invariant is cost - realized_pnl == sum of signed fill values.
 */
#include "oms_int.h"

#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------------------------------------
 * MARK: lifecycle table
 * ------------------------------------------------------------------------------------------- */

/*
 * k_transitions[from][to]: 1 when the lifecycle allows from -> to (the diagram in oms.h).
 * Rows are the current status, columns the next one. Self-transitions PF -> PF and PC -> PC
 * are the further fills of a partially filled order; PC -> NEW / PC -> PF is a refused cancel.
 * PN -> PC is a cancel sent before the venue's ack (allowed by real venues: the cancel follows
 * the order on the same path); PC -> REJ is that order then being rejected.
 * Final statuses (FILLED, CANCELED, REJECTED, EXPIRED) have empty rows.
 */
static const unsigned char k_transitions[CX_ORD_STATUS_COUNT][CX_ORD_STATUS_COUNT] = {
    /*                         PN NEW PF FIL PC CAN REJ EXP */
    [CX_ORD_PENDING_NEW] =      {0, 1, 1, 1, 1, 0, 1, 1},
    [CX_ORD_NEW] =              {0, 0, 1, 1, 1, 1, 0, 1},
    [CX_ORD_PARTIALLY_FILLED] = {0, 0, 1, 1, 1, 1, 0, 1},
    [CX_ORD_FILLED] =           {0, 0, 0, 0, 0, 0, 0, 0},
    [CX_ORD_PENDING_CANCEL] =   {0, 1, 1, 1, 1, 1, 1, 1},
    [CX_ORD_CANCELED] =         {0, 0, 0, 0, 0, 0, 0, 0},
    [CX_ORD_REJECTED] =         {0, 0, 0, 0, 0, 0, 0, 0},
    [CX_ORD_EXPIRED] =          {0, 0, 0, 0, 0, 0, 0, 0},
};

bool cx_oms_transition_allowed(enum cx_ord_status from, enum cx_ord_status to)
{
    if ((unsigned)from >= CX_ORD_STATUS_COUNT || (unsigned)to >= CX_ORD_STATUS_COUNT)
        return false;
    return k_transitions[from][to] != 0;
}

bool cx_ord_status_is_final(enum cx_ord_status s)
{
    return s == CX_ORD_FILLED || s == CX_ORD_CANCELED || s == CX_ORD_REJECTED ||
           s == CX_ORD_EXPIRED;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: the OMS object
 * ------------------------------------------------------------------------------------------- */

#define CX_OMS_DEFAULT_ORDERS 65536u
#define CX_OMS_MAX_ORDERS (1u << 30) /* keeps the hash slot count within uint32 */
#define NIL UINT32_MAX               /* "no order" in the open list */

/* Open-list links of one order slot (kept beside the public struct cx_order). */
struct oms_link {
    uint32_t prev; /* previous open order (index), NIL at the head */
    uint32_t next; /* next open order (index), NIL at the tail */
};

struct cx_oms {
    const struct cx_registry *reg; /* retained */
    uint32_t cap;                  /* order slots */
    uint32_t count;                /* orders submitted: orders[0..count) */
    struct cx_order *orders;       /* [cap], submission order, never moved */
    struct oms_link *links;        /* [cap], open-list links */
    uint32_t open_head;            /* oldest open order, NIL when none */
    uint32_t open_tail;            /* newest open order, NIL when none */
    uint32_t *slots;               /* client-id hash: order index + 1, 0 = empty */
    uint32_t slot_mask;            /* slot count - 1 (a power of two >= 2 * cap) */
    uint64_t next_auto_id;         /* next candidate engine-assigned client id (>= 1) */
    uint32_t n_positions;          /* instruments known at creation */
    struct cx_position *positions; /* [n_positions] by instrument id */
};

/* splitmix64 finalizer (Steele, Lea, Flood 2014, "Fast splittable pseudorandom number
 * generators"): client ids are often sequential, and this spreads them over the slots. */
static uint64_t hash_u64(uint64_t x)
{
    x ^= x >> 30;
    x *= UINT64_C(0xbf58476d1ce4e5b9);
    x ^= x >> 27;
    x *= UINT64_C(0x94d049bb133111eb);
    x ^= x >> 31;
    return x;
}

/* Slot of client_id: the one holding it, or the empty slot where it would go. */
static uint32_t slot_of(const struct cx_oms *oms, uint64_t client_id)
{
    uint32_t i = (uint32_t)hash_u64(client_id) & oms->slot_mask;
    for (;;) {
        uint32_t v = oms->slots[i];
        if (v == 0 || oms->orders[v - 1].req.client_id == client_id)
            return i;
        i = (i + 1) & oms->slot_mask;
    }
}

/* Index of an order pointer in the table, or NIL when it is not one of ours. */
static uint32_t index_of(const struct cx_oms *oms, const struct cx_order *o)
{
    uintptr_t p = (uintptr_t)o, base = (uintptr_t)oms->orders;
    if (p < base || (p - base) % sizeof *o != 0)
        return NIL;
    uintptr_t idx = (p - base) / sizeof *o;
    return idx < oms->count ? (uint32_t)idx : NIL;
}

static void open_push(struct cx_oms *oms, uint32_t idx)
{
    oms->links[idx].prev = oms->open_tail;
    oms->links[idx].next = NIL;
    if (oms->open_tail != NIL)
        oms->links[oms->open_tail].next = idx;
    else
        oms->open_head = idx;
    oms->open_tail = idx;
}

static void open_remove(struct cx_oms *oms, uint32_t idx)
{
    struct oms_link *l = &oms->links[idx];
    if (l->prev != NIL)
        oms->links[l->prev].next = l->next;
    else
        oms->open_head = l->next;
    if (l->next != NIL)
        oms->links[l->next].prev = l->prev;
    else
        oms->open_tail = l->prev;
    l->prev = l->next = NIL;
}

int cx_oms_new(struct cx_oms **out, const struct cx_oms_cfg *cfg)
{
    if (out == NULL || cfg == NULL || cfg->reg == NULL)
        return CX_EINVAL;
    uint32_t cap = cfg->max_orders != 0 ? cfg->max_orders : CX_OMS_DEFAULT_ORDERS;
    if (cap > CX_OMS_MAX_ORDERS)
        return CX_EINVAL;
    uint32_t nslots = 2;
    while (nslots < 2 * cap)
        nslots <<= 1;
    uint32_t npos = cfg->reg->count;

    struct cx_oms *oms = calloc(1, sizeof *oms);
    if (oms == NULL)
        return CX_ENOMEM;
    oms->orders = calloc(cap, sizeof *oms->orders);
    oms->links = calloc(cap, sizeof *oms->links);
    oms->slots = calloc(nslots, sizeof *oms->slots);
    oms->positions = calloc(npos > 0 ? npos : 1, sizeof *oms->positions);
    if (oms->orders == NULL || oms->links == NULL || oms->slots == NULL ||
        oms->positions == NULL)
        goto fail;
    oms->reg = cfg->reg;
    oms->cap = cap;
    oms->slot_mask = nslots - 1;
    oms->open_head = oms->open_tail = NIL;
    oms->next_auto_id = 1;
    oms->n_positions = npos;
    for (uint32_t i = 0; i < npos; i++)
        oms->positions[i].inst_id = i;
    *out = oms;
    return 0;
fail:
    cx_oms_free(oms);
    return CX_ENOMEM;
}

void cx_oms_free(struct cx_oms *oms)
{
    if (oms == NULL)
        return;
    free(oms->orders);
    free(oms->links);
    free(oms->slots);
    free(oms->positions);
    free(oms);
}

/* ---------------------------------------------------------------------------------------------
 * MARK: orders
 * ------------------------------------------------------------------------------------------- */

/* Instrument of an id the OMS tracks positions for, or NULL. */
static const struct cx_instrument *inst_of(const struct cx_oms *oms, uint32_t inst_id)
{
    if (inst_id >= oms->n_positions)
        return NULL;
    return cx_registry_get(oms->reg, inst_id);
}

static int validate_req(const struct cx_oms *oms, const struct cx_order_req *req)
{
    const struct cx_instrument *inst = inst_of(oms, req->inst_id);
    if (inst == NULL)
        return CX_EINVAL;
    if (inst->kind == CX_KIND_INVERSE_PERP)
        return CX_ENOTSUP;
    if ((req->side != CX_SIDE_BID && req->side != CX_SIDE_ASK) ||
        (req->type != CX_ORD_LIMIT && req->type != CX_ORD_MARKET) || req->tif > CX_TIF_POST_ONLY ||
        (req->flags & ~CX_ORD_F_REDUCE_ONLY) != 0 || req->qty_m <= 0)
        return CX_EINVAL;
    if (req->type == CX_ORD_LIMIT && req->price_m <= 0)
        return CX_EINVAL;
    if (req->type == CX_ORD_MARKET && req->tif == CX_TIF_POST_ONLY)
        return CX_EINVAL; /* a market order always takes */
    if ((req->flags & CX_ORD_F_REDUCE_ONLY) && inst->kind == CX_KIND_SPOT)
        return CX_EINVAL;
    return 0;
}

int cx_oms_submit(struct cx_oms *oms, struct cx_order_req *req, int64_t now_ns,
                  struct cx_order **out)
{
    if (oms == NULL || req == NULL || out == NULL)
        return CX_EINVAL;
    int rc = validate_req(oms, req);
    if (rc != 0)
        return rc;
    if (req->client_id != 0 && oms->slots[slot_of(oms, req->client_id)] != 0)
        return CX_EEXIST;
    if (oms->count >= oms->cap)
        return CX_ENOSPC;
    uint64_t id = req->client_id;
    uint32_t slot;
    if (id == 0) {
        /* Engine-assigned ids count up from 1 and skip ids the strategy already used. At most
         * cap ids are in use, so the loop ends. */
        for (;;) {
            id = oms->next_auto_id++;
            if (id == 0)
                continue; /* after 2^64 ids: 0 means "assign one" */
            slot = slot_of(oms, id);
            if (oms->slots[slot] == 0)
                break;
        }
    } else {
        slot = slot_of(oms, id);
    }
    uint32_t idx = oms->count++;
    struct cx_order *o = &oms->orders[idx];
    memset(o, 0, sizeof *o);
    o->req = *req;
    o->req.client_id = id;
    o->status = CX_ORD_PENDING_NEW;
    o->created_ns = now_ns;
    o->updated_ns = now_ns;
    oms->slots[slot] = idx + 1;
    open_push(oms, idx);
    req->client_id = id;
    *out = o;
    return 0;
}

struct cx_order *cx_oms_order(const struct cx_oms *oms, uint64_t client_id)
{
    if (oms == NULL || client_id == 0)
        return NULL;
    uint32_t v = oms->slots[slot_of(oms, client_id)];
    return v != 0 ? &oms->orders[v - 1] : NULL;
}

/* Commit a status change that the table allows: timestamps, ack time, open list. */
static void set_status(struct cx_oms *oms, uint32_t idx, enum cx_ord_status to, int64_t now_ns)
{
    struct cx_order *o = &oms->orders[idx];
    /* The first status that says the venue took the order is its ack (an ack, or one that
     * travelled with a fill, an expiry or a cancel). A cancel request sent before the ack says
     * nothing about the venue, so PENDING_NEW -> PENDING_CANCEL does not set it; the later
     * ACK, fill or CANCELED does, and a venue REJECT leaves it 0. */
    if ((o->status == CX_ORD_PENDING_NEW || o->status == CX_ORD_PENDING_CANCEL) &&
        to != CX_ORD_REJECTED && to != CX_ORD_PENDING_CANCEL && o->acked_ns == 0)
        o->acked_ns = now_ns;
    o->status = (uint8_t)to;
    o->updated_ns = now_ns;
    if (cx_ord_status_is_final(to))
        open_remove(oms, idx);
}

int cx_oms_set_status(struct cx_oms *oms, struct cx_order *o, enum cx_ord_status to,
                      enum cx_reject reject, int64_t now_ns)
{
    if (oms == NULL || o == NULL || (unsigned)to >= CX_ORD_STATUS_COUNT ||
        (unsigned)reject >= CX_REJ_COUNT)
        return CX_EINVAL;
    uint32_t idx = index_of(oms, o);
    if (idx == NIL)
        return CX_EINVAL;
    enum cx_ord_status from = (enum cx_ord_status)o->status;
    if (!cx_oms_transition_allowed(from, to))
        return CX_ESTATE;
    if (from == CX_ORD_PENDING_CANCEL && (to == CX_ORD_NEW || to == CX_ORD_PARTIALLY_FILLED)) {
        /* Cancel refused: back to where the fills put the order. */
        o->reject = (uint8_t)reject;
        set_status(oms, idx, o->filled_qty_m > 0 ? CX_ORD_PARTIALLY_FILLED : CX_ORD_NEW, now_ns);
        return 0;
    }
    if (to == CX_ORD_PARTIALLY_FILLED || to == CX_ORD_FILLED || to == from)
        return CX_EINVAL; /* fill-driven: only cx_oms_apply_fill moves these */
    if (to == CX_ORD_REJECTED)
        o->reject = (uint8_t)reject;
    set_status(oms, idx, to, now_ns);
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: fills and positions
 * ------------------------------------------------------------------------------------------- */

/* The position after one fill (average-cost rule, struct cx_position), into *out; *pos is not
 * changed. Also returns the fill's value (cx_notional rounding 1). */
static int position_step(const struct cx_instrument *inst, const struct cx_position *pos,
                         const struct cx_fill *fill, struct cx_position *out,
                         int64_t *out_notional)
{
    struct cx__avgcost r;
    int rc = cx__avgcost(inst, pos->qty_m, pos->cost, fill->side, fill->price_m, fill->qty_m, &r);
    if (rc != 0)
        return rc;
    struct cx_position n = *pos;
    if (cx__add(pos->realized_pnl, r.realized, &n.realized_pnl) != 0 ||
        cx__add(pos->fees, fill->fee, &n.fees) != 0 ||
        cx__add(pos->volume, r.notional, &n.volume) != 0)
        return CX_EOVERFLOW;
    n.qty_m = r.qty_m;
    n.cost = r.cost;
    n.fills++;
    int64_t abs_qty = r.qty_m < 0 ? -r.qty_m : r.qty_m;
    if (abs_qty > n.max_abs_qty_m)
        n.max_abs_qty_m = abs_qty;
    *out = n;
    *out_notional = r.notional;
    return 0;
}

int cx_oms_apply_fill(struct cx_oms *oms, struct cx_order *o, const struct cx_fill *fill)
{
    if (oms == NULL || o == NULL || fill == NULL)
        return CX_EINVAL;
    uint32_t idx = index_of(oms, o);
    if (idx == NIL)
        return CX_EINVAL;
    if (cx_ord_status_is_final((enum cx_ord_status)o->status))
        return CX_ESTATE;
    if (fill->inst_id != o->req.inst_id || fill->side != o->req.side ||
        fill->client_id != o->req.client_id || fill->qty_m <= 0 || fill->price_m <= 0 ||
        fill->fee == INT64_MIN)
        return CX_EINVAL;
    if (fill->qty_m > o->req.qty_m - o->filled_qty_m)
        return CX_ERANGE;
    const struct cx_instrument *inst = inst_of(oms, o->req.inst_id);
    if (inst == NULL)
        return CX_EINVAL;

    /* Compute everything first; commit only when nothing overflowed. */
    struct cx_position *pos = &oms->positions[o->req.inst_id];
    struct cx_position next;
    int64_t fill_notional;
    int rc = position_step(inst, pos, fill, &next, &fill_notional);
    if (rc != 0)
        return rc;
    int64_t ord_notional, ord_fee;
    if (cx__add(o->filled_notional, fill_notional, &ord_notional) != 0 ||
        cx__add(o->fee, fill->fee, &ord_fee) != 0)
        return CX_EOVERFLOW;

    int64_t filled = o->filled_qty_m + fill->qty_m; /* <= req.qty_m */
    enum cx_ord_status to = filled == o->req.qty_m ? CX_ORD_FILLED
                            : o->status == CX_ORD_PENDING_CANCEL ? CX_ORD_PENDING_CANCEL
                                                                 : CX_ORD_PARTIALLY_FILLED;
    if (!cx_oms_transition_allowed((enum cx_ord_status)o->status, to))
        return CX_ESTATE; /* not reachable with the table above; kept as a defence */

    o->filled_qty_m = filled;
    o->filled_notional = ord_notional;
    o->fee = ord_fee;
    o->fills++;
    if (o->venue_order_id == 0)
        o->venue_order_id = fill->venue_order_id;
    set_status(oms, idx, to, fill->local_ts_ns);

    *pos = next;
    return 0;
}

int cx_position_apply_fill(const struct cx_instrument *inst, struct cx_position *pos,
                           const struct cx_fill *fill)
{
    if (inst == NULL || pos == NULL || fill == NULL || fill->inst_id != inst->id ||
        fill->qty_m <= 0 || fill->price_m <= 0 || fill->fee == INT64_MIN ||
        (fill->side != CX_SIDE_BID && fill->side != CX_SIDE_ASK))
        return CX_EINVAL;
    struct cx_position next;
    int64_t notional;
    int rc = position_step(inst, pos, fill, &next, &notional);
    if (rc == 0)
        *pos = next;
    return rc;
}

int cx_oms_apply_funding(struct cx_oms *oms, uint32_t inst_id, int64_t amount)
{
    if (oms == NULL || inst_of(oms, inst_id) == NULL)
        return CX_EINVAL;
    struct cx_position *pos = &oms->positions[inst_id];
    int64_t funding;
    if (cx__add(pos->funding, amount, &funding) != 0)
        return CX_EOVERFLOW;
    pos->funding = funding;
    return 0;
}

const struct cx_position *cx_oms_position(const struct cx_oms *oms, uint32_t inst_id)
{
    static const struct cx_position k_flat; /* immutable: what an unknown instrument holds */
    if (oms == NULL || inst_id >= oms->n_positions)
        return &k_flat;
    return &oms->positions[inst_id];
}

int64_t cx_oms_unrealized(const struct cx_oms *oms, uint32_t inst_id, int64_t mark_price_m)
{
    const struct cx_instrument *inst = oms != NULL ? inst_of(oms, inst_id) : NULL;
    if (inst == NULL)
        return 0;
    const struct cx_position *pos = &oms->positions[inst_id];
    if (pos->qty_m == 0)
        return 0;
    int64_t value;
    if (cx__value(inst, mark_price_m, pos->qty_m, CX__ROUND_HALF_AWAY, &value) != 0)
        return pos->qty_m > 0 ? INT64_MAX : -INT64_MAX; /* only for absurd marks */
    __int128 u = (__int128)value - pos->cost;
    if (u > INT64_MAX)
        return INT64_MAX;
    if (u < -INT64_MAX)
        return -INT64_MAX;
    return (int64_t)u;
}

int cx_oms_entry_price(const struct cx_oms *oms, uint32_t inst_id, int64_t *out_price_m)
{
    if (oms == NULL || out_price_m == NULL)
        return CX_EINVAL;
    const struct cx_instrument *inst = inst_of(oms, inst_id);
    if (inst == NULL)
        return CX_EINVAL;
    const struct cx_position *pos = &oms->positions[inst_id];
    if (pos->qty_m == 0) {
        *out_price_m = 0;
        return 0;
    }
    return cx__price_of(inst, pos->cost, pos->qty_m, out_price_m);
}

/* ---------------------------------------------------------------------------------------------
 * MARK: iteration
 * ------------------------------------------------------------------------------------------- */

uint32_t cx_oms_open_orders(const struct cx_oms *oms, uint32_t inst_id,
                            const struct cx_order **out, uint32_t cap)
{
    if (oms == NULL || (out == NULL && cap > 0))
        return 0;
    uint32_t n = 0;
    for (uint32_t i = oms->open_head; i != NIL && n < cap; i = oms->links[i].next) {
        const struct cx_order *o = &oms->orders[i];
        if (inst_id == UINT32_MAX || o->req.inst_id == inst_id)
            out[n++] = o;
    }
    return n;
}

void cx_oms_foreach(const struct cx_oms *oms, void (*fn)(const struct cx_order *o, void *arg),
                    void *arg)
{
    if (oms == NULL || fn == NULL)
        return;
    for (uint32_t i = 0; i < oms->count; i++)
        fn(&oms->orders[i], arg);
}

/* ---------------------------------------------------------------------------------------------
 * MARK: names
 * ------------------------------------------------------------------------------------------- */

const char *cx_ord_status_name(enum cx_ord_status s)
{
    static const char *const k_names[CX_ORD_STATUS_COUNT] = {
        [CX_ORD_PENDING_NEW] = "pending_new",
        [CX_ORD_NEW] = "new",
        [CX_ORD_PARTIALLY_FILLED] = "partially_filled",
        [CX_ORD_FILLED] = "filled",
        [CX_ORD_PENDING_CANCEL] = "pending_cancel",
        [CX_ORD_CANCELED] = "canceled",
        [CX_ORD_REJECTED] = "rejected",
        [CX_ORD_EXPIRED] = "expired",
    };
    return (unsigned)s < CX_ORD_STATUS_COUNT ? k_names[s] : "unknown";
}

const char *cx_reject_name(enum cx_reject r)
{
    static const char *const k_names[CX_REJ_COUNT] = {
        [CX_REJ_NONE] = "none",
        [CX_REJ_TICK] = "tick",
        [CX_REJ_LOT] = "lot",
        [CX_REJ_MIN_QTY] = "min_qty",
        [CX_REJ_MIN_NOTIONAL] = "min_notional",
        [CX_REJ_BALANCE] = "balance",
        [CX_REJ_MARGIN] = "margin",
        [CX_REJ_REDUCE_ONLY] = "reduce_only",
        [CX_REJ_POST_ONLY] = "post_only",
        [CX_REJ_FOK] = "fok",
        [CX_REJ_NO_LIQUIDITY] = "no_liquidity",
        [CX_REJ_UNKNOWN_ORDER] = "unknown_order",
        [CX_REJ_DUPLICATE_ID] = "duplicate_id",
        [CX_REJ_RISK] = "risk",
        [CX_REJ_BOOK_STALE] = "book_stale",
        [CX_REJ_INVALID] = "invalid",
        [CX_REJ_RISK_TICK] = "risk_tick",
        [CX_REJ_RISK_LOT] = "risk_lot",
        [CX_REJ_RISK_MIN_QTY] = "risk_min_qty",
        [CX_REJ_RISK_MIN_NOTIONAL] = "risk_min_notional",
        [CX_REJ_RISK_MAX_NOTIONAL] = "risk_max_notional",
        [CX_REJ_RISK_MAX_POSITION] = "risk_max_position",
        [CX_REJ_RISK_MAX_ASSET] = "risk_max_asset",
        [CX_REJ_RISK_MAX_OPEN_ORDERS] = "risk_max_open_orders",
        [CX_REJ_RISK_ORDER_RATE] = "risk_order_rate",
    };
    return (unsigned)r < CX_REJ_COUNT ? k_names[r] : "unknown";
}

const char *cx_exec_type_name(enum cx_exec_type t)
{
    static const char *const k_names[] = {
        [CX_EXEC_ACK] = "ack",           [CX_EXEC_REJECT] = "reject",
        [CX_EXEC_FILL] = "fill",         [CX_EXEC_CANCELED] = "canceled",
        [CX_EXEC_CANCEL_REJECT] = "cancel_reject", [CX_EXEC_EXPIRED] = "expired",
        [CX_EXEC_FUNDING] = "funding",
    };
    if ((unsigned)t >= sizeof k_names / sizeof k_names[0] || k_names[t] == NULL)
        return "unknown";
    return k_names[t];
}

const char *cx_fill_evidence_name(enum cx_fill_evidence e)
{
    static const char *const k_names[CX_FILL_EV_COUNT] = {
        [CX_FILL_EV_NONE] = "none",
        [CX_FILL_EV_TAKER_WALK] = "taker_walk",
        [CX_FILL_EV_TRADE_THROUGH] = "trade_through",
        [CX_FILL_EV_TRADE_QUEUE] = "trade_queue",
        [CX_FILL_EV_BOOK_CROSS] = "book_cross",
    };
    return (unsigned)e < CX_FILL_EV_COUNT ? k_names[e] : "unknown";
}

const char *cx_tif_name(enum cx_tif t)
{
    switch (t) {
    case CX_TIF_GTC:
        return "gtc";
    case CX_TIF_IOC:
        return "ioc";
    case CX_TIF_FOK:
        return "fok";
    case CX_TIF_POST_ONLY:
        return "post_only";
    }
    return "unknown";
}
