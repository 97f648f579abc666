/* SPDX-License-Identifier: MIT */
/*
 * Private layout of the simulated venue, shared by sim.c (lifecycle, clocks, event and response
 * heaps, accounts, funding), match.c (arrival matching, queue positions, resting fills) and
 * latency.c (PRNG and latency samples). Nothing outside src/sim/ may include this file.
 *
 * Invariants:
 *  - Order slots live in one fixed array; a slot is FREE (on the free list), IN_FLIGHT (sent,
 *    not yet arrived: an ORDER event refers to it) or RESTING (on its instrument's list). A slot
 *    is in the client-id index from submit until it is freed, except duplicates (is_dup).
 *  - Both heaps are ordered by (time, seq); seq is a sim-wide counter, so equal times keep the
 *    order in which events were created. Payloads live in pools indexed by the heap keys.
 *  - The venue clock (clock_ns) never goes backwards; everything the venue does is stamped with
 *    it. Arrival and delivery times never go backwards per venue (one ordered session each).
 */
#ifndef CX_SIM_INT_H
#define CX_SIM_INT_H

#include "cexarb/sim.h"

#include <stdbool.h>
#include <stdint.h>

#define CX__SIM_NONE UINT32_MAX /* "no slot" in lists and indexes */
#define CX__SIM_BAD_ACCOUNT UINT16_MAX /* an order's account_id that names no account of its
                                          venue: rejected on arrival (CX_REJ_INVALID) */

/** Order slot states. */
enum cx__sim_ord_state { CX__ORD_FREE = 0, CX__ORD_IN_FLIGHT, CX__ORD_RESTING };

/** One order known to the venue (or on its way there). */
struct cx__sim_order {
    struct cx_order_req req;  /* as submitted */
    uint64_t venue_order_id;  /* assigned on acceptance, 0 before */
    int64_t submit_ns;        /* local time the strategy sent it */
    int64_t remaining_m;      /* open quantity, qty_exp */
    int64_t queue_ahead_m;    /* displayed quantity estimated ahead of us, qty_exp */
    int64_t level_qty_m;      /* displayed quantity at our price at the last level change */
    int64_t traded_m;         /* trade volume printed at our price since that change */
    int64_t locked;           /* amount reserved in balance lock_bal, asset @ NOTIONAL_EXP */
    int64_t hold_fee_ppb;     /* fee rate the arrival check used (spot holds include it) */
    uint32_t next, prev;      /* resting list of the instrument, or free list (next only) */
    uint8_t state;            /* enum cx__sim_ord_state */
    uint8_t lock_bal;         /* index into the account's balances of the locked asset */
    bool is_dup;              /* client id was in use at submit: reject on arrival */
    bool cross_guard;         /* took liquidity on arrival and the replayed book still crosses
                                 our price: no book-cross fill until it stops crossing */
};

/** The last best bid and offer message (bookTicker) of an instrument. */
struct cx__sim_bbo {
    int64_t bid_px_m, bid_qty_m;   /* best bid, price_exp / qty_exp */
    int64_t ask_px_m, ask_qty_m;   /* best ask */
    uint64_t seq;                  /* the book update id it reflects (0 = none) */
    int64_t venue_ns;              /* when the venue had it */
    bool is_valid;                 /* one was seen, with quantities and both sides */
};

/** Liquidity taken since the last book message that the book does not show yet: our own taker
 * fills and public prints, per (side, price). */
struct cx__sim_used {
    uint8_t side;                  /* enum cx_side of the level */
    int64_t price_m;               /* level price */
    int64_t qty_m;                 /* quantity taken from it */
};

#define CX__SIM_MAX_USED 32 /* levels of one instrument taken from between two book messages */

/** The last feed latencies of one venue (cx_sim_note_feed_latency), a ring. */
struct cx__sim_feed {
    int64_t win_ns[CX_SIM_FEED_WINDOW]; /* values, ns; win_ns[0..n) valid */
    uint32_t n;                         /* values held (<= CX_SIM_FEED_WINDOW) */
    uint32_t next;                      /* slot the next value goes to */
};

/** Per-instrument venue state. */
struct cx__sim_inst {
    struct cx_book *book;     /* venue book, NULL before the first message */
    uint32_t head, tail;      /* resting orders in arrival order (CX__SIM_NONE when empty) */
    uint32_t n_resting;       /* orders on the list */
    bool was_synced;          /* the book was SYNCED after the previous depth message */
    struct cx__sim_bbo bbo;   /* last bookTicker */
    uint64_t depth_seq;       /* the venue book's last update id when depth_venue_ns was set */
    int64_t depth_venue_ns;   /* venue time the venue book last moved to a newer update id */
    uint32_t n_used;          /* entries in used */
    struct cx__sim_used *used; /* CX__SIM_MAX_USED entries, allocated with the book (the
                                  table is only read through the book's view) */
};

/** Internal event kinds. */
enum cx__sim_ev_kind { CX__EV_ORDER = 1, CX__EV_CANCEL, CX__EV_FUNDING };

/** Internal event payload. */
struct cx__sim_ev {
    uint8_t kind;             /* enum cx__sim_ev_kind */
    uint8_t venue;            /* enum cx_venue of the session it travels on */
    uint32_t slot;            /* ORDER: order slot; FUNDING: schedule index */
    uint64_t client_id;       /* CANCEL: order to cancel */
};

/** Heap key: time, tie-breaking sequence, payload index. */
struct cx__sim_key {
    int64_t time_ns;          /* due time, local clock */
    uint64_t seq;             /* creation order */
    uint32_t idx;             /* payload slot in the pool */
};

/** A binary min-heap of keys over a payload pool of `cap` slots with a free stack. */
struct cx__sim_heap {
    struct cx__sim_key *keys; /* keys[0..n) heap-ordered */
    uint32_t *free_idx;       /* free payload slots: free_idx[0..n_free) */
    uint32_t n;               /* keys in the heap */
    uint32_t n_free;          /* free payload slots */
    uint32_t cap;             /* capacity, entries */
};

struct cx_sim {
    const struct cx_registry *reg; /* retained */
    struct cx_latency_cfg entry;   /* entry latency */
    struct cx_latency_cfg response; /* response latency */
    uint64_t rng;                  /* splitmix64 state */
    uint8_t queue_model;           /* enum cx_queue_model */
    uint8_t queue_function;        /* enum cx_queue_func (probabilistic model) */
    double queue_power;            /* n of the power functions */
    uint32_t book_max_levels;      /* venue book capacity per side */
    uint32_t book_max_buffered;    /* venue book delta buffer, events */

    uint32_t n_accounts;                             /* accounts configured */
    struct cx_account accounts[CX_SIM_MAX_ACCOUNTS]; /* venue-side accounts */
    uint32_t n_funding;                              /* funding schedules */
    struct cx_sim_funding funding[CX_SIM_MAX_FUNDING];
    struct cx_sim_funding_ref funding_series[CX_SIM_MAX_FUNDING]; /* events retained */
    bool funding_scheduled;        /* funding events pushed (at the first market message) */

    uint32_t n_inst;               /* registry count at creation */
    struct cx__sim_inst *inst;     /* [n_inst] */

    uint32_t max_orders;           /* order slots */
    struct cx__sim_order *orders;  /* [max_orders] */
    uint32_t free_head;            /* free order slots (linked through next) */
    uint32_t orders_used;          /* slots not free */

    uint64_t *idx_keys;            /* client-id index: open addressing, linear probing */
    uint32_t *idx_vals;            /* slot + 1, 0 = empty */
    uint32_t idx_mask;             /* capacity - 1 (power of two, >= 2 * max_orders) */

    struct cx__sim_heap ev_heap;   /* internal events */
    struct cx__sim_ev *ev;         /* payloads of ev_heap */
    struct cx__sim_heap resp_heap; /* undelivered responses */
    struct cx_exec_report *resp;       /* payloads of resp_heap */

    uint64_t seq;                  /* next heap sequence number */
    int64_t clock_ns;              /* venue clock (INT64_MIN before anything happened) */
    int64_t last_entry_ns[CX_VENUE_COUNT]; /* latest arrival time per venue session */
    int64_t last_resp_ns[CX_VENUE_COUNT];  /* latest delivery time per venue session */
    struct cx__sim_feed feed[CX_VENUE_COUNT]; /* recent feed latencies per venue (FEED model) */
    uint64_t next_venue_order_id;  /* venue order ids, from 1 */
    uint64_t next_fill_id;         /* fill ids, from 1 */
    bool overflowed;               /* a response was dropped during the current call */

    struct cx_sim_stats stats;     /* counters */
};

/* latency.c */
uint64_t cx__sim_rng_next(uint64_t *state);

/* funding.c: file helpers shared with latency_file.c */
int cx__sim_fail_at(struct cx_parse_err *err, const char *path, int code, const char *msg,
                    int64_t line, size_t col0, const char *tok, size_t tok_len);
int cx__sim_read_whole(const char *path, uint64_t max_bytes, const char *too_big_msg,
                       char **out_buf, size_t *out_len, struct cx_parse_err *err);
size_t cx__sim_line_len(const char *p, const char *end, size_t *out_content);

/* sim.c: services used by match.c */
struct cx_account *cx__sim_account(struct cx_sim *sim, const struct cx__sim_order *o);
struct cx_exec_report *cx__sim_respond(struct cx_sim *sim, uint8_t venue, uint8_t type,
                                   const struct cx__sim_order *o);
void cx__sim_free_order(struct cx_sim *sim, uint32_t slot);
void cx__sim_rest_link(struct cx_sim *sim, uint32_t slot);
void cx__sim_rest_unlink(struct cx_sim *sim, uint32_t slot);
int cx__sim_get_book(struct cx_sim *sim, uint32_t inst_id, struct cx_book **out);
int64_t cx__sim_lock_amount(const struct cx_sim *sim, const struct cx_instrument *inst,
                            const struct cx__sim_order *o, int64_t qty_m);
void cx__sim_set_lock(struct cx_sim *sim, const struct cx_instrument *inst,
                      struct cx__sim_order *o);
void cx__sim_release_lock(struct cx_sim *sim, const struct cx_instrument *inst,
                          struct cx__sim_order *o);

/* match.c */
void cx__sim_on_bbo(struct cx_sim *sim, const struct cx_instrument *inst,
                    const struct cx_md_event *ev, int64_t venue_ns);
void cx__sim_arrive_order(struct cx_sim *sim, uint32_t slot);
void cx__sim_on_trade(struct cx_sim *sim, const struct cx_instrument *inst,
                      const struct cx_md_event *ev);
void cx__sim_on_depth(struct cx_sim *sim, const struct cx_instrument *inst, bool is_snapshot);
int64_t cx__sim_level_qty(const struct cx_book *book, uint8_t side, int64_t price_m);

#endif /* CX_SIM_INT_H */
