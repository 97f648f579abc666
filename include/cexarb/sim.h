/* SPDX-License-Identifier: MIT */
/*
 * sim: a simulated venue that behaves like a real one, for backtest and paper trading.
 *
 * Two clocks meet here. The strategy lives on the local receive clock of the recording. The
 * venue matches against the market as it was at the venue: the engine feeds cx_sim_on_market
 * with the same recorded messages in venue-time order, each stamped with its venue time
 * translated to the local clock (exchange time + the recording's clock offset), so the venue
 * sees every change one feed latency before the strategy does (hftbacktest's exchange/local
 * processor split, hftbacktest docs "Latency Models", "Order Latency"). Feed latency is the
 * engine's job (it stamps venue_ns); the sim only models order entry and response latency.
 *
 *  strategy --submit/cancel @t--> [entry latency] --> venue matches @t+entry
 *  venue --ack/fill/cancel @x--> [response latency] --> strategy learns @x+response
 *
 * Requests to one venue travel one ordered session, and so do its responses: a sampled
 * latency never lets a message overtake an earlier one of the same venue (arrival and delivery
 * times are made non-decreasing per venue). So a cancel never reaches the venue before the
 * order it cancels, and a fill report never arrives after the cancel confirmation that
 * followed it at the venue.
 *
 * Matching per instrument against the replayed venue book and trade prints:
 *  - market, IOC and FOK orders walk the book levels (price impact; IOC fills partially, FOK
 *    all-or-nothing); a GTC limit that crosses on arrival takes what crosses and rests the rest;
 *    post-only orders that would cross are rejected. Our taking does not remove replayed
 *    liquidity (no permanent impact), a documented simplification.
 *  - resting limit orders join the queue behind the displayed quantity at their price and
 *    advance on trades at that price (both models) and on cancellations (probabilistic model:
 *    a decrease d not explained by trades is split between the quantity ahead of us (front)
 *    and behind us (back); the share behind is p = f(back) / (f(back) + f(front)) with
 *    f(x) = x^n, so the queue ahead advances by (1 - p) * d, plus any part of p * d that
 *    exceeds back: hftbacktest's ProbQueueModel with PowerProbQueueFunc, hftbacktest docs
 *    "Probability Queue Models"); they fill when a trade prints through their price, at their
 *    price after the queue ahead is consumed, or when the venue book crosses them.
 * Fees per instrument (maker/taker ppb, negative maker = rebate), funding for perps at funding
 * times, venue-like rejects (precision, minimums, balance/margin, reduce-only).
 * Deterministic: latency samples come from a seeded PRNG and internal events are ordered by
 * (time, insertion sequence); the same inputs give the same output. docs/internals/sim.md
 * describes the models, the clocks and every simplification.
 *
 * Threads: a cx_sim is owned by one thread (the engine thread); no function is thread-safe.
 * Memory: everything is allocated by cx_sim_new, except each instrument's venue book, which is
 * allocated on the instrument's first market message (or up front with cx_sim_add_book).
 */
#ifndef CEXARB_SIM_H
#define CEXARB_SIM_H

#include "cexarb/book.h"
#include "cexarb/md.h"
#include "cexarb/oms.h"

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Latency distributions. */
enum cx_latency_kind {
    CX_LAT_CONSTANT = 0, /* always a_ns */
    CX_LAT_UNIFORM,      /* uniform in [a_ns, b_ns] */
    CX_LAT_LOGNORMAL,    /* lognormal with median a_ns and 99th percentile b_ns */
};

struct cx_latency_cfg {
    uint8_t kind;   /* enum cx_latency_kind */
    int64_t a_ns;   /* constant / lower bound / median, ns (>= 0; > 0 for lognormal) */
    int64_t b_ns;   /* upper bound / 99th percentile, ns (>= a_ns; unused for constant) */
};

/** Queue position models. */
enum cx_queue_model {
    CX_QUEUE_RISK_AVERSE = 0, /* advance only on trades at our price */
    CX_QUEUE_PROB_POWER = 1,  /* also on cancellations, power-law probability */
};

/** Funding schedule of one perp instrument. */
struct cx_sim_funding {
    uint32_t inst_id;        /* perp instrument */
    int64_t rate_ppb;        /* funding rate per interval (ppb, 0.01 % = 100000) */
    int64_t interval_ns;     /* e.g. 8 h (> 0) */
    int64_t first_ns;        /* a funding time (others are +/- k * interval) */
};

#define CX_SIM_MAX_ACCOUNTS 8
#define CX_SIM_MAX_FUNDING 8

struct cx_sim_cfg {
    const struct cx_registry *reg;          /* retained: instruments, fees, precision; must not
                                               change while the sim lives */
    struct cx_latency_cfg entry;            /* order/cancel entry latency */
    struct cx_latency_cfg response;         /* ack/fill report latency */
    uint64_t seed;                          /* PRNG seed for latency sampling */
    uint8_t queue_model;                    /* enum cx_queue_model */
    double queue_power;                     /* n in f(x) = x^n (probabilistic model); 0 = 2 */
    uint32_t n_accounts;                    /* initial accounts, one per venue (copied); a
                                               venue without one is not balance-checked */
    struct cx_account accounts[CX_SIM_MAX_ACCOUNTS];
    uint32_t n_funding;                     /* funding schedules */
    struct cx_sim_funding funding[CX_SIM_MAX_FUNDING];
    uint32_t max_orders;                    /* resting + in-flight capacity, orders;
                                               0 = 4096 */
    uint32_t max_responses;                 /* undelivered responses held, messages;
                                               0 = 16384 */
    uint32_t book_max_levels;               /* venue book levels per side; 0 = book default */
    uint32_t book_max_buffered;             /* venue book delta buffer, events; 0 = default */
};

/** What the venue tells the strategy (delivered after the response latency). */
enum cx_sim_msg_type {
    CX_SIM_ACK = 1,        /* order accepted (resting or about to execute) */
    CX_SIM_REJECT,         /* order rejected: reject reason */
    CX_SIM_FILL,           /* execution: fill */
    CX_SIM_CANCELED,       /* cancel done (remaining quantity removed) */
    CX_SIM_CANCEL_REJECT,  /* cancel refused (unknown or already final): reject reason */
    CX_SIM_EXPIRED,        /* IOC/FOK/market remainder expired (or a reduce-only order that
                              can no longer reduce) */
    CX_SIM_FUNDING,        /* funding payment: amount, inst_id */
};

/**
 * One response. Every accepted order gets exactly one ACK before anything else, then fills,
 * then at most one final CANCELED / EXPIRED (none when it ends FILLED). A REJECT is the only
 * message of a rejected order.
 */
struct cx_sim_msg {
    uint8_t type;            /* enum cx_sim_msg_type */
    uint8_t reject;          /* enum cx_reject for REJECT / CANCEL_REJECT */
    uint32_t inst_id;        /* instrument (UINT32_MAX for a cancel of an unknown order) */
    uint64_t client_id;      /* order (0 for FUNDING) */
    uint64_t venue_order_id; /* venue's id of the order (0 for REJECT and unknown orders) */
    int64_t leaves_qty_m;    /* quantity still open after this event, at qty_exp (0 when the
                                order is final) */
    int64_t exch_ns;         /* when it happened at the venue (local clock) */
    int64_t deliver_ns;      /* when the strategy learns it (local clock) */
    int64_t amount;          /* FUNDING: quote @ CX_NOTIONAL_EXP, received > 0 */
    struct cx_fill fill;     /* FILL */
};

/** Counters (cumulative since cx_sim_new). */
struct cx_sim_stats {
    uint64_t submitted;            /* orders passed to cx_sim_submit */
    uint64_t accepted;             /* orders acknowledged */
    uint64_t rejected;             /* orders rejected */
    uint64_t rejects[CX_REJ_COUNT]; /* orders rejected and cancels refused, by reason */
    uint64_t fills;                /* fills */
    uint64_t maker_fills;          /* fills of resting orders */
    uint64_t taker_fills;          /* fills on arrival */
    uint64_t trade_through_fills;  /* maker fills by a print beyond our price */
    uint64_t queue_fills;          /* maker fills by a print at our price past the queue */
    uint64_t cross_fills;          /* maker fills because the book crossed our price */
    uint64_t canceled;             /* cancels done */
    uint64_t cancel_rejects;       /* cancels refused */
    uint64_t expired;              /* orders expired */
    uint64_t funding_payments;     /* funding messages */
    uint64_t funding_skipped;      /* funding times with a position but no mark price */
    uint64_t queue_cancel_moves;   /* probabilistic-model advances on unexplained decreases */
    uint64_t market_messages;      /* messages given to cx_sim_on_market */
    uint64_t trades;               /* trade events seen */
    uint64_t books;                /* venue books created */
    uint64_t response_overflow;    /* responses lost because max_responses was full */
    uint32_t orders_high_water;    /* most order slots in use at once */
    uint32_t responses_high_water; /* most undelivered responses at once */
};

struct cx_sim; /* opaque */

/**
 * Create a simulated venue. Copies cfg (accounts and funding schedules included).
 * @param cfg  borrowed; cfg->reg is retained until cx_sim_free.
 * @param err  optional; names the offending field on CX_EINVAL.
 * @return 0 and *out; CX_EINVAL (NULL pointers, unknown latency kind or queue model, negative
 *         or inverted latency bounds, lognormal median <= 0, queue_power < 0, too many
 *         accounts or schedules, two accounts for one venue, a funding schedule for an unknown
 *         or non-perp instrument or with interval <= 0); CX_ENOMEM.
 * Allocates every pool (orders, events, responses, client-id index) and the per-instrument
 * table (sized by the registry's count at this call).
 */
int cx_sim_new(struct cx_sim **out, const struct cx_sim_cfg *cfg, struct cx_parse_err *err);

/** Free the sim and its books (NULL is a no-op). */
void cx_sim_free(struct cx_sim *sim);

/**
 * Create the venue book of an instrument now instead of on its first message, so that no
 * allocation happens during the run.
 * @return 0 (also when it exists); CX_ESYMBOL (id unknown when the sim was created); CX_ENOMEM.
 */
int cx_sim_add_book(struct cx_sim *sim, uint32_t inst_id);

/**
 * Venue-side market data: one message, in venue-time order.
 * First processes the internal events due strictly before venue_ns (cx_sim_advance), then the
 * message: depth and snapshot runs update the instrument's venue book (created on its first
 * message) and then, when the book is SYNCED, the queue positions of resting orders and fills
 * for orders the book now crosses; trade runs advance queues and fill resting orders; BBO runs
 * are ignored. A venue_ns older than the venue clock is processed at the venue clock.
 * @param b  borrowed; b->ev[0..b->n) is one message of one instrument.
 * @param venue_ns  the message's venue time on the local clock.
 * @return 0 (sequence gaps and crossed books are data conditions: counted in the book's stats,
 *         the book goes STALE); CX_EINVAL (NULL, malformed run); CX_ESYMBOL (instrument unknown
 *         when the sim was created); CX_ENOMEM (creating the book); CX_ENOSPC when a response
 *         had to be dropped (stats.response_overflow; the venue state is still updated).
 * Never allocates except the first message of an instrument. O(k log L + R log L) for a depth
 * message of k levels with R resting orders on the instrument; O(R) per trade.
 */
int cx_sim_on_market(struct cx_sim *sim, const struct cx_md_batch *b, int64_t venue_ns);

/**
 * Submit an order sent by the strategy at local time now_ns. The request is copied; it
 * arrives at the venue at now_ns + an entry latency sample (never before an earlier request
 * to the same venue) and is validated and matched there; every outcome, rejects included, is
 * reported through cx_sim_poll.
 * @return 0; CX_EINVAL (NULL); CX_ENOSPC when max_orders orders are live or in flight (the
 *         order is not sent: treat it as a local reject).
 * Never allocates; O(log n) for n pending events.
 */
int cx_sim_submit(struct cx_sim *sim, const struct cx_order_req *req, int64_t now_ns);

/**
 * Cancel request sent at now_ns, arriving at the venue after an entry latency sample. If the
 * order still rests then, it is CANCELED; if it has filled (fills before the cancel arrives
 * stand), expired, was rejected or is unknown, the cancel gets CANCEL_REJECT
 * CX_REJ_UNKNOWN_ORDER.
 * @return 0; CX_EINVAL (NULL); CX_ENOSPC when the event queue is full (not sent).
 * Never allocates; O(log n).
 */
int cx_sim_cancel(struct cx_sim *sim, uint64_t client_id, int64_t now_ns);

/** Earliest pending internal event (order/cancel arrival at the venue, a response becoming
 * due, a funding time), INT64_MAX when none. O(1). */
int64_t cx_sim_next_ns(const struct cx_sim *sim);

/**
 * Process internal events due at or before now_ns, in (time, sequence) order: order and
 * cancel arrivals (matched against the venue book as it is now) and funding times.
 * @return 0; CX_EINVAL (NULL); CX_ENOSPC when a response had to be dropped.
 * Never allocates.
 */
int cx_sim_advance(struct cx_sim *sim, int64_t now_ns);

/**
 * Pop the next response due at or before now_ns (earliest deliver_ns first, ties in the order
 * the venue produced them).
 * @return 1 with *out; 0 when none is due (or NULL arguments). Never allocates; O(log n).
 */
int cx_sim_poll(struct cx_sim *sim, int64_t now_ns, struct cx_sim_msg *out);

/** The venue-side account of a venue (NULL when not configured). Valid until cx_sim_free. */
const struct cx_account *cx_sim_account(const struct cx_sim *sim, enum cx_venue venue);

/** Venue-side book of an instrument (NULL before its first message). Valid until free. */
const struct cx_book *cx_sim_book(const struct cx_sim *sim, uint32_t inst_id);

/** Counters. Valid until cx_sim_free. */
const struct cx_sim_stats *cx_sim_stats(const struct cx_sim *sim);

/**
 * Queue position of a resting order: displayed quantity estimated ahead of it, at qty_exp.
 * @return 0 and *out_qty_m; CX_ENOENT when the order is not resting at the venue.
 */
int cx_sim_queue_ahead(const struct cx_sim *sim, uint64_t client_id, int64_t *out_qty_m);

/**
 * Draw one latency sample (also for the engine's own feed-latency modelling).
 * CONSTANT: a_ns. UNIFORM: integer uniform on [a_ns, b_ns]. LOGNORMAL: exp(mu + sigma z) with
 * mu = ln a_ns, sigma = (ln b_ns - ln a_ns) / 2.3263 (z_0.99 of the standard normal, so b_ns is
 * the 99th percentile) and z from Box-Muller, rounded to ns.
 * @param state  in/out PRNG state (splitmix64; any value is a valid seed).
 * @return ns >= 0. Never allocates; deterministic for a given state.
 */
int64_t cx_sim_latency_sample(const struct cx_latency_cfg *cfg, uint64_t *state);

#ifdef __cplusplus
}
#endif
#endif /* CEXARB_SIM_H */
