/* SPDX-License-Identifier: MIT */
/*
 * sim: a simulated venue that behaves like a real one, for backtest and paper trading.
 *
 * Two clocks meet here. The strategy lives on the local receive clock of the recording. The
 * venue matches against the market as it was at the venue: the engine feeds cx_sim_on_market
 * with the same recorded messages in venue-time order, each stamped with its venue time
 * translated to the local clock (exchange time + the recording's clock offset), so the venue
 * sees every change one feed latency before the strategy does (hftbacktest's exchange/local
 * processor split, hftbacktest docs "Latency Models", "Order Latency").
 *
 *  strategy --submit/cancel @t--> [entry latency] --> venue matches @t+entry
 *  venue --ack/fill/cancel @x--> [response latency] --> strategy learns @x+response
 *
 * Matching per instrument against the replayed venue book and trade prints:
 *  - market, IOC and FOK orders walk the book levels (price impact; IOC fills partially, FOK
 *    all-or-nothing); a GTC limit that crosses on arrival takes what crosses and rests the rest;
 *    post-only orders that would cross are rejected. Our taking does not remove replayed
 *    liquidity (no permanent impact), a documented simplification.
 *  - resting limit orders join the queue behind the displayed quantity at their price and
 *    advance on trades at that price (both models) and on cancellations (probabilistic model:
 *    a decrease not explained by trades advances the queue by the share f(back)/(f(back)+
 *    f(front)) with f(x) = x^n, the power-law probability queue model of the hftbacktest docs,
 *    "Probability Queue Models"); they fill when a trade prints through their price, at their
 *    price after the queue ahead is consumed, or when the venue book crosses them.
 * Fees per instrument (maker/taker ppb, negative maker = rebate), funding for perps at funding
 * times, venue-like rejects (precision, minimums, balance/margin, reduce-only).
 * Deterministic: latency samples come from a seeded PRNG; the same inputs give the same output.
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
    int64_t a_ns;   /* constant / lower bound / median */
    int64_t b_ns;   /* upper bound / 99th percentile */
};

/** Queue position models. */
enum cx_queue_model {
    CX_QUEUE_RISK_AVERSE = 0, /* advance only on trades at our price */
    CX_QUEUE_PROB_POWER = 1,  /* also on cancellations, power-law probability */
};

/** Funding schedule of one perp instrument. */
struct cx_sim_funding {
    uint32_t inst_id;        /* perp instrument */
    int64_t rate_ppb;        /* funding rate per interval (ppb, 0.01 % = 100000) when no file */
    int64_t interval_ns;     /* e.g. 8 h */
    int64_t first_ns;        /* a funding time (others are +/- k * interval) */
};

#define CX_SIM_MAX_ACCOUNTS 8
#define CX_SIM_MAX_FUNDING 8

struct cx_sim_cfg {
    const struct cx_registry *reg;          /* retained: instruments, fees, precision */
    struct cx_latency_cfg entry;            /* order/cancel entry latency */
    struct cx_latency_cfg response;         /* ack/fill report latency */
    uint64_t seed;                          /* PRNG seed for latency sampling */
    uint8_t queue_model;                    /* enum cx_queue_model */
    double queue_power;                     /* n in f(x) = x^n (probabilistic model), e.g. 2 */
    uint32_t n_accounts;                    /* initial accounts, one per venue */
    struct cx_account accounts[CX_SIM_MAX_ACCOUNTS];
    uint32_t n_funding;                     /* funding schedules */
    struct cx_sim_funding funding[CX_SIM_MAX_FUNDING];
    uint32_t max_orders;                    /* resting + in-flight capacity; 0 = 4096 */
};

/** What the venue tells the strategy (delivered after the response latency). */
enum cx_sim_msg_type {
    CX_SIM_ACK = 1,        /* order accepted (resting or about to execute) */
    CX_SIM_REJECT,         /* order rejected: reject reason */
    CX_SIM_FILL,           /* execution: fill */
    CX_SIM_CANCELED,       /* cancel done (remaining quantity removed) */
    CX_SIM_CANCEL_REJECT,  /* cancel refused (unknown or already final): reject reason */
    CX_SIM_EXPIRED,        /* IOC/FOK/market remainder expired */
    CX_SIM_FUNDING,        /* funding payment: amount, inst_id */
};

struct cx_sim_msg {
    uint8_t type;          /* enum cx_sim_msg_type */
    uint8_t reject;        /* enum cx_reject for REJECT / CANCEL_REJECT */
    uint32_t inst_id;      /* instrument */
    uint64_t client_id;    /* order */
    int64_t exch_ns;       /* when it happened at the venue (local clock) */
    int64_t deliver_ns;    /* when the strategy learns it (local clock) */
    int64_t amount;        /* FUNDING: quote @ CX_NOTIONAL_EXP, received > 0 */
    struct cx_fill fill;   /* FILL */
};

struct cx_sim; /* opaque */

/** Create a simulated venue. @return 0; CX_EINVAL (bad config, named in err); CX_ENOMEM. */
int cx_sim_new(struct cx_sim **out, const struct cx_sim_cfg *cfg, struct cx_parse_err *err);
void cx_sim_free(struct cx_sim *sim);

/**
 * Venue-side market data: one message, in venue-time order.
 * @param venue_ns  the message's venue time on the local clock.
 * Updates the venue book of the instrument, advances queues, fills resting orders.
 */
int cx_sim_on_market(struct cx_sim *sim, const struct cx_md_batch *b, int64_t venue_ns);

/** Submit an order sent by the strategy at local time now_ns (the request is copied). */
int cx_sim_submit(struct cx_sim *sim, const struct cx_order_req *req, int64_t now_ns);

/** Cancel request sent at now_ns. */
int cx_sim_cancel(struct cx_sim *sim, uint64_t client_id, int64_t now_ns);

/** Earliest pending internal event (order/cancel arrival at the venue, a response becoming
 * due, a funding time), INT64_MAX when none. */
int64_t cx_sim_next_ns(const struct cx_sim *sim);

/** Process internal events due at or before now_ns (arrivals are matched against the venue
 * book as it is now). */
int cx_sim_advance(struct cx_sim *sim, int64_t now_ns);

/** Pop the next response due at or before now_ns. @return 1 with *out, 0 when none. */
int cx_sim_poll(struct cx_sim *sim, int64_t now_ns, struct cx_sim_msg *out);

/** The venue-side account of a venue (NULL when not configured). */
const struct cx_account *cx_sim_account(const struct cx_sim *sim, enum cx_venue venue);

/** Venue-side book of an instrument (NULL before its first message). */
const struct cx_book *cx_sim_book(const struct cx_sim *sim, uint32_t inst_id);

#ifdef __cplusplus
}
#endif
#endif /* CEXARB_SIM_H */
