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
 * engine's job (it stamps venue_ns); the sim only models order entry and response latency:
 * drawn from a distribution, interpolated from a recorded series of real requests, or derived
 * from the recorded feed latency that the engine notes for each message
 * (cx_sim_note_feed_latency; hftbacktest's IntpOrderLatency and FeedLatency).
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
 *    and behind us (back); the share behind is p = a function of front and back (enum
 *    cx_queue_func; by default f(back) / (f(back) + f(front)) with f(x) = x^n), so the queue
 *    ahead advances by (1 - p) * d, plus any part of p * d that exceeds back: hftbacktest's
 *    ProbQueueModel with its probability functions, hftbacktest docs "Probability Queue
 *    Models"); they fill when a trade prints through their price, at their price after the
 *    queue ahead is consumed, or when the venue book crosses them.
 * Fees per instrument (maker/taker ppb, negative maker = rebate), funding for perps at funding
 * times (a constant rate per interval, or a recorded history loaded from the bundled
 * funding-rate files with cx_sim_funding_load_csv), venue-like rejects (precision, minimums,
 * balance/margin, reduce-only).
 * Deterministic: latency samples come from a seeded PRNG and internal events are ordered by
 * (time, insertion sequence); the same inputs give the same output. docs/internals/sim.md
 * describes the models, the clocks and every simplification.
 *
 * Threads: a cx_sim is owned by one thread (the engine thread); no cx_sim_* call on it is
 * thread-safe. The latency sampler and the funding-rate helpers hold no sim (see their groups).
 * Memory: everything is allocated by cx_sim_new, except each instrument's venue book and its
 * taken-liquidity table, allocated on the instrument's first market message (or up front with
 * cx_sim_add_book).
 */
#ifndef CEXARB_SIM_H
#define CEXARB_SIM_H

#include "cexarb/book.h"
#include "cexarb/md.h"
#include "cexarb/oms.h"
#include "cexarb/venue.h"

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Latency models of order entry and of responses. */
enum cx_latency_kind {
    CX_LAT_CONSTANT = 0, /* always a_ns */
    CX_LAT_UNIFORM,      /* uniform in [a_ns, b_ns] */
    CX_LAT_LOGNORMAL,    /* lognormal with median a_ns and 99th percentile b_ns */
    CX_LAT_FEED,         /* mul_ppm / 10^6 x the venue's recent feed latency + a_ns
                            (cx_sim_note_feed_latency; hftbacktest's FeedLatency) */
    CX_LAT_RECORDED,     /* interpolated from a recorded series rows[0..n_rows)
                            (hftbacktest's IntpOrderLatency; cx_sim_latency_load_csv) */
};

/** One recorded request of an order-latency series (cx_sim_latency_load_csv). */
struct cx_sim_latency_row {
    int64_t req_ns;   /* local time the request was sent, ns since the epoch */
    int64_t exch_ns;  /* the venue's time it processed the request, on the same (local) clock;
                         >= req_ns: entry latency = exch_ns - req_ns */
    int64_t resp_ns;  /* local time the response arrived; >= exch_ns: response latency =
                         resp_ns - exch_ns */
};

/**
 * A latency model. Which fields a kind reads:
 *   CONSTANT   a_ns
 *   UNIFORM    a_ns, b_ns
 *   LOGNORMAL  a_ns (median), b_ns (99th percentile)
 *   FEED       mul_ppm, a_ns (added)
 *   RECORDED   rows, n_rows (the entry column for cx_sim_cfg.entry, the response column for
 *              cx_sim_cfg.response)
 * cx_sim_new requires mul_ppm, rows and n_rows to be 0 for the kinds that do not read them,
 * b_ns to be 0 for FEED and RECORDED and a_ns to be 0 for RECORDED, so a half-set model is
 * caught (CONSTANT may carry b_ns, which it ignores, as configurations always did).
 */
struct cx_latency_cfg {
    uint8_t kind;    /* enum cx_latency_kind */
    int64_t a_ns;    /* constant / lower bound / median / FEED: added latency, ns (>= 0; > 0
                        for lognormal) */
    int64_t b_ns;    /* upper bound / 99th percentile, ns (>= a_ns; unused by the others) */
    int64_t mul_ppm; /* FEED: multiplier of the feed latency, parts per million (1000000 = x1;
                        [0, 10^9]) */
    const struct cx_sim_latency_row *rows; /* RECORDED: retained until cx_sim_free;
                        rows[0..n_rows) strictly increasing req_ns, exch_ns >= req_ns,
                        resp_ns >= exch_ns */
    uint32_t n_rows; /* RECORDED: rows in the series (>= 1) */
};

/**
 * A recorded order-latency series loaded from a file: rows[0..n) in strictly increasing req_ns.
 * Allocated by cx_sim_latency_load_csv, released with cx_sim_latency_series_fini.
 */
struct cx_sim_latency_series {
    struct cx_sim_latency_row *rows; /* rows[0..n), owned */
    uint32_t n;                      /* rows loaded (one per data row of the file) */
};

/** Largest order-latency file accepted by cx_sim_latency_load_csv, bytes. */
#define CX_SIM_LATENCY_FILE_MAX_BYTES (256u << 20)

/** Feed latencies kept per venue for the FEED model's estimate: its median over the venue's
 * last CX_SIM_FEED_WINDOW messages with an exchange time (see cx_sim_note_feed_latency). */
#define CX_SIM_FEED_WINDOW 16

/** Queue position models. */
enum cx_queue_model {
    CX_QUEUE_RISK_AVERSE = 0, /* advance only on trades at our price */
    CX_QUEUE_PROB_POWER = 1,  /* probabilistic: also on cancellations, with the probability
                                 function cx_sim_cfg.queue_function (the power one unless set;
                                 the name predates the other functions) */
};

/**
 * Probability functions of the probabilistic queue model: p = the probability that a decrease
 * of the level not explained by trades was behind our order, from the quantity ahead of it
 * (front) and behind it (back). Source: hftbacktest/src/backtest/models/queue.rs
 * (PowerProbQueueFunc, LogProbQueueFunc, PowerProbQueueFunc2, LogProbQueueFunc2,
 * PowerProbQueueFunc3) and the hftbacktest docs "Probability Queue Models",
 * https://hftbacktest.readthedocs.io/en/latest/tutorials/Probability%20Queue%20Models.html.
 * n is cx_sim_cfg.queue_power. The power functions depend only on front / (front + back); the
 * log functions depend on the quantities themselves, read in the venue's quantity unit (the
 * mantissa x 10^qty_exp: BTC on Binance, contracts on Gate futures), as hftbacktest reads them.
 */
enum cx_queue_func {
    CX_QUEUE_FN_POWER = 0,  /* p = back^n / (back^n + front^n) (PowerProbQueueFunc) */
    CX_QUEUE_FN_LOG = 1,    /* p = ln(1 + back) / (ln(1 + back) + ln(1 + front))
                               (LogProbQueueFunc) */
    CX_QUEUE_FN_POWER2 = 2, /* p = back^n / (back + front)^n (PowerProbQueueFunc2) */
    CX_QUEUE_FN_LOG2 = 3,   /* p = ln(1 + back) / ln(1 + back + front) (LogProbQueueFunc2) */
    CX_QUEUE_FN_POWER3 = 4, /* p = 1 - (front / (front + back))^n (PowerProbQueueFunc3) */
};

/** One funding settlement of a recorded funding-rate history. */
struct cx_sim_funding_event {
    int64_t time_ns;         /* settlement time, ns since the Unix epoch, UTC (compared with the
                                sim's venue clock) */
    int64_t rate_ppb;        /* rate paid at that time, ppb of the position's value
                                (0.01 % = 0.0001 = 100000); > 0: longs pay shorts */
};

/**
 * Funding schedule of one perp instrument. Constant-rate mode: rate_ppb at first_ns + k *
 * interval_ns for every integer k. Series mode (the matching cx_sim_cfg.funding_series entry
 * has events): only inst_id is used and the other fields must be 0.
 */
struct cx_sim_funding {
    uint32_t inst_id;        /* perp instrument */
    int64_t rate_ppb;        /* funding rate per interval (ppb, 0.01 % = 100000) */
    int64_t interval_ns;     /* e.g. 8 h (> 0) */
    int64_t first_ns;        /* a funding time (others are +/- k * interval) */
};

/**
 * A recorded funding series for one schedule: pay events[k].rate_ppb at events[k].time_ns,
 * for every event at or after the run's first market message (earlier ones are not paid), and
 * nothing after the last event. The array is RETAINED: cx_sim_new copies this pointer, not the
 * events, so the caller keeps events[0..n_events) alive and unchanged until cx_sim_free
 * (typically the ev array of a cx_sim_funding_series, finied after cx_sim_free).
 */
struct cx_sim_funding_ref {
    const struct cx_sim_funding_event *events; /* retained until cx_sim_free; events[0..n_events)
                                                  strictly increasing time_ns; NULL = the
                                                  schedule uses its constant rate */
    uint32_t n_events;       /* events in the array (> 0 with events; 0 without) */
};

/**
 * A funding-rate history loaded from a file: events[0..n) in strictly increasing time.
 * Storage is either the caller's (ev and cap set before loading, is_owned false) or allocated
 * by cx_sim_funding_load_csv (is_owned true; release with cx_sim_funding_series_fini).
 */
struct cx_sim_funding_series {
    struct cx_sim_funding_event *ev; /* ev[0..n) strictly increasing time_ns; ev[0..cap)
                                        usable storage */
    uint32_t n;              /* events loaded (one per data row) */
    uint32_t cap;            /* capacity of ev, events */
    bool is_owned;           /* ev was allocated by the loader (fini frees it) */
    int32_t utc_offset_s;    /* offset subtracted from the file's dates to get UTC, s */
    uint32_t n_rounded;      /* rates rounded to whole ppb (only with CX_SIM_FUNDING_ROUND_PPB) */
    char symbol[24];         /* the file's Symbol column ("BTC-USDT"), NUL-terminated */
};

/** cx_sim_funding_load_csv flags. */
#define CX_SIM_FUNDING_EXACT 0u     /* a rate with a non-zero digit below 1 ppb is an error */
#define CX_SIM_FUNDING_ROUND_PPB 1u /* round such rates half away from zero to whole ppb and
                                       count them in n_rounded (HTX and dYdX files need it) */

/** Largest funding-rate file accepted by cx_sim_funding_load_csv, bytes. */
#define CX_SIM_FUNDING_FILE_MAX_BYTES (64u << 20)

#define CX_SIM_MAX_ACCOUNTS 8
#define CX_SIM_MAX_FUNDING 8

struct cx_sim_cfg {
    const struct cx_registry *reg;          /* retained: instruments, fees, precision; must not
                                               change while the sim lives */
    struct cx_latency_cfg entry;            /* order/cancel entry latency */
    struct cx_latency_cfg response;         /* ack/fill report latency */
    uint64_t seed;                          /* PRNG seed for latency sampling */
    uint8_t queue_model;                    /* enum cx_queue_model */
    uint8_t queue_function;                 /* enum cx_queue_func of the probabilistic model;
                                               0 = power */
    double queue_power;                     /* n of the power functions (probabilistic model);
                                               0 = 2 */
    uint32_t n_accounts;                    /* initial accounts (copied); account i has id
                                               i + 1. A venue may have several (distinct
                                               names); an order trades on the account its
                                               req.account_id names, or with 0 on its venue's
                                               first; a venue without one is not
                                               balance-checked */
    struct cx_account accounts[CX_SIM_MAX_ACCOUNTS];
    uint32_t n_funding;                     /* funding schedules */
    struct cx_sim_funding funding[CX_SIM_MAX_FUNDING];
    struct cx_sim_funding_ref funding_series[CX_SIM_MAX_FUNDING]; /* series of funding[i]
                                               (events NULL = constant rate); entries past
                                               n_funding are ignored */
    uint32_t max_orders;                    /* resting + in-flight capacity, orders;
                                               0 = 4096 */
    uint32_t max_responses;                 /* undelivered responses held, messages;
                                               0 = 16384 */
    uint32_t book_max_levels;               /* venue book levels per side; 0 = book default */
    uint32_t book_max_buffered;             /* venue book delta buffer, events; 0 = default */
};

/* Responses are struct cx_exec_report (oms.h): the venue-neutral execution reports every venue
 * adapter produces. The simulated venue delivers each after its response latency. */

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
    uint64_t account_errors;       /* fills the venue account could not settle (must be 0) */
    uint64_t queue_cancel_moves;   /* probabilistic-model advances on unexplained decreases */
    uint64_t market_messages;      /* messages given to cx_sim_on_market */
    uint64_t trades;               /* trade events seen */
    uint64_t books;                /* venue books created */
    uint64_t response_overflow;    /* responses lost because max_responses was full */
    uint64_t bbo_updates;          /* bookTicker messages kept as the venue's touch source */
    uint64_t used_overflow;        /* taken-liquidity entries dropped (table full) */
    uint64_t feed_notes;           /* feed latencies noted (cx_sim_note_feed_latency) */
    uint64_t feed_latency_missing; /* FEED latencies computed before the venue's first note
                                      (the feed term was 0) */
    uint32_t orders_high_water;    /* most order slots in use at once */
    uint32_t responses_high_water; /* most undelivered responses at once */
};

/* ---------------------------------------------------------------------------------------------
 * MARK: simulated venue
 * ------------------------------------------------------------------------------------------- */

/* Threads: a sim has one owner thread (the engine thread, which also drives it through
 * cx_sim_venue); every call on it, the const queries included, is made there: not thread-safe,
 * nothing locks. The calls never block; only cx_sim_new, and cx_sim_add_book / cx_sim_on_market
 * for a book not yet created, allocate. */

struct cx_sim; /* opaque */

/**
 * Create a simulated venue. Copies cfg (accounts and funding schedules included).
 * @param cfg  borrowed; cfg->reg, the events arrays of cfg->funding_series[0..n_funding) and
 *             the rows of RECORDED latency models are retained until cx_sim_free.
 * @param err  optional; names the offending field on CX_EINVAL.
 * @return 0 and *out; CX_EINVAL (NULL pointers, unknown latency kind, queue model or queue
 *         function, negative or inverted latency bounds, lognormal median <= 0, a FEED
 *         multiplier outside [0, 10^9] ppm, a RECORDED model without rows or with rows out of
 *         order or with negative latencies, a field the kind does not read set, queue_power
 *         outside [0, 64], too many
 *         accounts or schedules, two accounts with one name on one venue, an account name
 *         without its NUL, a funding schedule for an unknown or non-perp instrument, a constant-rate schedule with interval <= 0 or n_events != 0, a
 *         series schedule with n_events == 0, times not strictly increasing or non-zero
 *         constant-rate fields); CX_ENOMEM.
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
int cx_sim_poll(struct cx_sim *sim, int64_t now_ns, struct cx_exec_report *out);

/** The first venue-side account of a venue (NULL when none is configured). Valid until
 * cx_sim_free. */
const struct cx_account *cx_sim_account(const struct cx_sim *sim, enum cx_venue venue);

/** A venue-side account by id: cfg->accounts[account_id - 1] as it is now (NULL for 0 or an id
 * past n_accounts). Valid until cx_sim_free. */
const struct cx_account *cx_sim_account_by_id(const struct cx_sim *sim, uint16_t account_id);

/** Venue-side book of an instrument (NULL before its first message). Valid until free. */
const struct cx_book *cx_sim_book(const struct cx_sim *sim, uint32_t inst_id);

/**
 * Orders resting at the venue now (in-flight ones are not yet known to it), instrument by
 * instrument in arrival order; each copy has qty_m set to its remaining quantity.
 * @param account_id  1-based account, or 0 for every account.
 * @param inst_id     instrument, or UINT32_MAX for all.
 * @param out         out[0..cap) receives copies; *out_n the number written.
 * @return 0; CX_ENOSPC when more orders rest than cap (out holds the first cap); CX_EINVAL.
 * Never allocates; O(max_orders) worst case.
 */
int cx_sim_open_orders(const struct cx_sim *sim, uint16_t account_id, uint32_t inst_id,
                       struct cx_order_req *out, uint32_t cap, uint32_t *out_n);

/**
 * The simulated venue behind the runtime's venue interface (venue.h): submit, cancel,
 * open_orders, account, next_ns, advance and poll map to the cx_sim_* calls; amend and
 * cancel_all are NULL (the runtime cancels one by one). sim is retained by the returned value.
 */
struct cx_venue_handle cx_sim_venue(struct cx_sim *sim);

/** Counters. Valid until cx_sim_free. */
const struct cx_sim_stats *cx_sim_stats(const struct cx_sim *sim);

/**
 * Queue position of a resting order: displayed quantity estimated ahead of it, at qty_exp.
 * @return 0 and *out_qty_m; CX_ENOENT when the order is not resting at the venue.
 */
int cx_sim_queue_ahead(const struct cx_sim *sim, uint64_t client_id, int64_t *out_qty_m);

/**
 * Tell the venue the feed latency of one of its market messages, for the FEED latency model:
 * how long the message took from the venue to the recorder, i.e. its local receive time minus
 * its exchange time minus the recording's clock offset (the replay driver computes it for every
 * venue-side message that has an exchange time and calls this just before cx_sim_on_market;
 * docs/internals/sim.md "Feed-driven order latency"). The sim keeps the venue's last
 * CX_SIM_FEED_WINDOW values; the FEED model uses their median at the moment a latency is
 * needed: robust to one message held back on the feed connection, and it follows a burst of
 * slow messages within half a window.
 * @param venue    enum cx_venue of the message's instrument (orders to that venue follow it).
 * @param feed_ns  >= 0, ns.
 * @return 0; CX_EINVAL (NULL sim, venue out of range, feed_ns < 0). O(1), never allocates.
 */
int cx_sim_note_feed_latency(struct cx_sim *sim, uint8_t venue, int64_t feed_ns);

/**
 * The FEED model's current feed-latency estimate of a venue: the median of its last
 * CX_SIM_FEED_WINDOW noted values (the mean of the two middle ones, rounded down, for an even
 * count). @return ns >= 0; -1 when nothing was noted for the venue (or NULL, bad venue).
 * O(CX_SIM_FEED_WINDOW^2) (a small sort), never allocates.
 */
int64_t cx_sim_feed_latency(const struct cx_sim *sim, uint8_t venue);

/* ---------------------------------------------------------------------------------------------
 * MARK: latency sampling
 * ------------------------------------------------------------------------------------------- */

/* Threads: cx_sim_latency_sample and cx_sim_latency_at are pure functions of their arguments
 * and *state (they write only *state): thread-safe for distinct states, any thread; never block,
 * never allocate. cx_sim_latency_load_csv keeps no state (thread-safe, blocking); a series is
 * written by one thread at a time and must not change while a sim retains its rows. */

/**
 * Draw one latency sample (also for the engine's own feed-latency modelling).
 * CONSTANT: a_ns. UNIFORM: integer uniform on [a_ns, b_ns]. LOGNORMAL: exp(mu + sigma z) with
 * mu = ln a_ns, sigma = (ln b_ns - ln a_ns) / 2.3263 (z_0.99 of the standard normal, so b_ns is
 * the 99th percentile) and z from Box-Muller, rounded to ns. FEED and RECORDED need a time and
 * a feed latency: this returns cx_sim_latency_at(cfg, false, 0, 0, state) for them.
 * @param state  in/out PRNG state (splitmix64; any value is a valid seed).
 * @return ns >= 0. Never allocates; deterministic for a given state.
 */
int64_t cx_sim_latency_sample(const struct cx_latency_cfg *cfg, uint64_t *state);

/**
 * The latency of one message under any model, as the sim computes it.
 * CONSTANT, UNIFORM, LOGNORMAL: cx_sim_latency_sample (t_ns and feed_ns unused).
 * FEED: round(feed_ns x mul_ppm / 10^6) + a_ns (half up; hftbacktest FeedLatency:
 *   entry = feed x entry_latency_mul + entry_latency, response likewise).
 * RECORDED: the series' latency at t_ns by linear interpolation on req_ns between the two rows
 *   around it, clamped to the first and last rows outside the series (hftbacktest
 *   IntpOrderLatency): entry = exch_ns - req_ns, response = resp_ns - exch_ns. Interpolation
 *   is exact integer arithmetic, rounded half away from zero:
 *   lat(t) = lat_i + (lat_{i+1} - lat_i) (t - req_i) / (req_{i+1} - req_i), req_i <= t < req_{i+1}.
 * @param is_response  false: an entry latency; true: a response latency (RECORDED's column).
 * @param t_ns      RECORDED: the time to look up on the request-time axis (the sim passes the
 *                  send time for entries and the venue time of the response for responses).
 * @param feed_ns   FEED: the feed latency estimate, ns (< 0 is taken as 0).
 * @param state     in/out PRNG state (read only by the random kinds).
 * @return ns >= 0 (saturating at 4e18). Never allocates; O(log n_rows) for RECORDED.
 */
int64_t cx_sim_latency_at(const struct cx_latency_cfg *cfg, bool is_response, int64_t t_ns,
                          int64_t feed_ns, uint64_t *state);

/**
 * Load a recorded order-latency series, one row per request, for the RECORDED latency model:
 * the format the live venue adapters write (docs/internals/sim.md "Recorded order latency").
 *
 * Format, checked exactly: the header line `req_ns,exch_ns,resp_ns`, then one row per request,
 * three integers in ns since the Unix epoch, digits only (no sign, space or decimal point), each
 * at most 9223372036854775807:
 *  - req_ns: local time the request was sent; strictly increasing from row to row;
 *  - exch_ns: the venue's time it processed the request (its ack / transaction time), on the
 *    local clock (the writer removes the clock offset); exch_ns >= req_ns;
 *  - resp_ns: local time the response arrived; resp_ns >= exch_ns.
 * Lines end with LF (a CR before it is accepted); the last line may lack it; an empty line is
 * an error. Requests the venue refused without an exchange time have no row.
 * @param path  borrowed, NUL-terminated; err->file points to it on failure.
 * @param out   written only on success (rows allocated: release with
 *              cx_sim_latency_series_fini).
 * @param err   optional: code, static msg, file, 1-based line and column of the offending byte
 *              (line 0 for argument and I/O errors) and the offending text.
 * @return 0; CX_EINVAL (NULL path or out); CX_ENOENT (no such file); CX_EIO (cannot open or
 *         read, not a regular file); CX_ERANGE (file over CX_SIM_LATENCY_FILE_MAX_BYTES, a
 *         number over INT64_MAX); CX_ENOMEM; CX_EPARSE (header, field count, a field that is
 *         not digits, an empty line); CX_ETIME (req_ns not after the previous row's, exch_ns
 *         before req_ns, resp_ns before exch_ns; at the field); CX_EMISSING (no data row).
 * Thread-safe (no shared state); blocking (reads the file). Allocates a buffer for the file
 * (freed before returning) and the rows. O(file size).
 * @code
 *   struct cx_sim_latency_series s = {0};
 *   if (cx_sim_latency_load_csv("latency_binance_spot.csv", &s, &err) == 0) {
 *       cfg.entry = (struct cx_latency_cfg){.kind = CX_LAT_RECORDED, .rows = s.rows,
 *                                           .n_rows = s.n};
 *       ... cx_sim_new, run, cx_sim_free ...
 *   }
 *   cx_sim_latency_series_fini(&s);           // after cx_sim_free: the sim retained s.rows
 * @endcode
 */
int cx_sim_latency_load_csv(const char *path, struct cx_sim_latency_series *out,
                            struct cx_parse_err *err);

/** Release a series' rows and zero it (NULL is a no-op). A sim that retained the rows must be
 * freed first. */
void cx_sim_latency_series_fini(struct cx_sim_latency_series *s);

/* ---------------------------------------------------------------------------------------------
 * MARK: funding-rate histories (src/sim/funding.c)
 * ------------------------------------------------------------------------------------------- */

/* Threads: the helpers keep no state: cx_sim_funding_load_csv (blocking: it reads the file),
 * cx_sim_funding_file_utc_offset and cx_sim_funding_seek are thread-safe from any thread. A
 * series is written by one thread at a time (load, fini; two loads need two series), and while a
 * sim retains its events it must not change at all. */

/**
 * Load a funding-rate history CSV (the format of data/funding-rates/) into a series, for a
 * series-mode funding schedule (cx_sim_cfg.funding_series).
 *
 * Format, checked exactly: the header line `Symbol,Date,Funding Rate`, then one row per
 * settlement, `SYMBOL,YYYY-MM-DD HH:MM:SS[.F],RATE`:
 *  - SYMBOL is the same on every row, 1 to 23 bytes, no space, quote or control byte;
 *  - the date is a valid calendar date and time of day (00:00:00 to 23:59:59, no leap second)
 *    in the file's local time, with an optional fraction of 1 to 9 digits (Binance writes
 *    milliseconds: "2023-12-31 11:00:00.001");
 *  - RATE is the rate as a fraction in cx_dec_parse's grammar, exponent form included
 *    ("0.0001" = 0.01 %, "-1e-05", "5.4252355269552e-05").
 * Lines end with LF (a CR before it is accepted); the last line may lack it; an empty line is
 * an error.
 *
 * Time: time_ns = (the date read as if it were UTC) - utc_offset_s * 10^9, computed with exact
 * integer arithmetic (days_from_civil, Howard Hinnant, "chrono-Compatible Low-Level Date
 * Algorithms", https://howardhinnant.github.io/date_algorithms.html), never with the C
 * library's time-zone functions. Rows must be strictly increasing after the correction.
 * Rate: rate_ppb = RATE x 10^9 exactly ("0.0001" -> 100000, "-1e-05" -> -10000). HTX and dYdX
 * files have rates finer than 1 ppb (up to 18 and 10 decimals): they load only with
 * CX_SIM_FUNDING_ROUND_PPB, which rounds half away from zero and counts the rows in n_rounded
 * (the error is below 0.5 ppb of the position value per payment).
 *
 * @param path  borrowed, NUL-terminated file path; err->file points to it on failure.
 * @param utc_offset_s  the file's local time minus UTC, s, in [-14 h, +14 h]: 3 * 3600 for the
 *              bundled Binance, MEXC, Bybit, HTX and KuCoin files, 0 for Gate and dYdX; see
 *              cx_sim_funding_file_utc_offset.
 * @param flags CX_SIM_FUNDING_EXACT or CX_SIM_FUNDING_ROUND_PPB.
 * @param out   in/out, not NULL. In: out->ev == NULL makes the loader allocate exactly one event
 *              per data row (is_owned becomes true); out->ev != NULL is storage for out->cap
 *              events, used as it is (is_owned is kept, so a loaded series can be reloaded in
 *              place). Out, only on success: every field. On failure *out is unchanged, except
 *              that caller storage may have been partly overwritten; nothing leaks.
 * @param err   optional: the code, a static msg, file = path, the 1-based line and column of
 *              the offending byte (line 0 for argument and I/O errors) and the offending text.
 * @return 0; CX_EINVAL (NULL path or out, offset out of range, unknown flag, ev set with cap
 *         0); CX_ENOENT (no such file); CX_EIO (cannot open or read); CX_ERANGE (file over
 *         CX_SIM_FUNDING_FILE_MAX_BYTES, or a time outside the int64 ns range); CX_ENOMEM;
 *         CX_ENOSPC (more rows than out->cap; line = the first row that does not fit);
 *         CX_EPARSE (header, field count, symbol, date syntax or calendar value such as month
 *         13, 2023-02-29 or 24:00:00, rate syntax, empty line); CX_EPRECISION (a rate digit
 *         below 1 ppb without CX_SIM_FUNDING_ROUND_PPB, below 1e-18 with it); CX_EOVERFLOW
 *         (|rate| >= 9.22, over 922 %); CX_EMISSING (no data row); CX_ETIME (a row not after
 *         the previous one once corrected; line and column of its date).
 * Thread-safe (no shared state). Allocates a buffer for the file (freed before returning) and,
 * when out->ev is NULL, the event array. O(file size).
 * @code
 *   struct cx_sim_funding_series s = { 0 };  // ev NULL: the loader allocates
 *   const char *p = "data/funding-rates/BTC-USDT/"
 *                   "BTC-USDT_binance_2020-01-01_2024-01-01_funding_history.csv";
 *   int32_t off;
 *   if (cx_sim_funding_file_utc_offset(p, &off) == 0 &&
 *       cx_sim_funding_load_csv(p, off, CX_SIM_FUNDING_EXACT, &s, &err) == 0) {
 *       cfg.n_funding = 1;
 *       cfg.funding[0] = (struct cx_sim_funding){ .inst_id = perp };
 *       cfg.funding_series[0] = (struct cx_sim_funding_ref){ s.ev, s.n };
 *       ... cx_sim_new, run, cx_sim_free ...
 *   }
 *   cx_sim_funding_series_fini(&s);           // after cx_sim_free: the sim retained s.ev
 * @endcode
 */
int cx_sim_funding_load_csv(const char *path, int32_t utc_offset_s, unsigned flags,
                            struct cx_sim_funding_series *out, struct cx_parse_err *err);

/**
 * UTC offset of a bundled funding-rate file, from the exchange in its name
 * (`<SYMBOL>_<exchange>_<from>_<to>_funding_history.csv`, directories ignored).
 * Source: the data README's funding-rates section: "Gate and dYdX rows are UTC; Binance, MEXC,
 * Bybit, HTX and KuCoin rows were written in UTC+3 local time (subtract 3 h: their
 * 03:00/11:00/19:00 rows are the 00/08/16 UTC settlements)". Checked on the files: Binance,
 * MEXC, Bybit and HTX rows fall at 03/11/19 (00/08/16 UTC); KuCoin rows at 07/15/23, which is
 * 04/12/20 UTC (KuCoin Futures' usual funding hours; from memory, not re-checked online).
 * @param path  borrowed, NUL-terminated; only the base name is read (no file access).
 * @param out_utc_offset_s  written on success: 3 * 3600 for binance, mexc, bybit, htx and
 *              kucoin; 0 for gate and dydx.
 * @return 0; CX_EINVAL (NULL); CX_EPARSE (the base name has no `_<exchange>_` part);
 *         CX_ENOTSUP (an exchange the README does not describe).
 * Thread-safe, never allocates, O(strlen(path)).
 */
int cx_sim_funding_file_utc_offset(const char *path, int32_t *out_utc_offset_s);

/**
 * Index of the first event at or after t_ns (binary search): the next funding time of a series.
 * @param ev  borrowed, ev[0..n) strictly increasing time_ns; may be NULL when n == 0.
 * @return k in [0, n]: ev[k].time_ns >= t_ns > ev[k-1].time_ns; n when every event is before
 *         t_ns. Thread-safe, never allocates, O(log n).
 */
uint32_t cx_sim_funding_seek(const struct cx_sim_funding_event *ev, uint32_t n, int64_t t_ns);

/**
 * Release a series: frees ev when the loader allocated it (is_owned), then zeroes *s so it can
 * be loaded again. A sim that retained s->ev must be freed first. NULL is a no-op.
 * Not thread-safe for one series; O(1).
 */
void cx_sim_funding_series_fini(struct cx_sim_funding_series *s);

/* ---------------------------------------------------------------------------------------------
 * MARK: L3 (order-by-order) FIFO queue (src/sim/l3.c)
 * ------------------------------------------------------------------------------------------- */

/*
 * One instrument's visible orders by id, per price level in arrival (time-priority) order, with
 * our own orders placed among them where they would have arrived: our queue position is exact,
 * not estimated (docs/internals/sim.md "L3 order-by-order queue"). For venues whose feed has
 * order ids (Nasdaq TotalView-ITCH 5.0 Add/Executed/Cancel/Delete/Replace, Coinbase Exchange's
 * full channel open/match/change/done); no bundled data has them, so the replay does not use it
 * yet. Priority rules: a partial cancel or a size decrease keeps the order's place; a size
 * increase or a price change sends it to the back of its (new) level; a replace with a new id
 * always does (ITCH 5.0 "Order Replace": a new order reference number; Bybit "Amend Order":
 * increasing OrderQty loses the queue position, decreasing does not; Gate futures order
 * amendment: increasing size moves the order to the last at its price; Binance "Order Amend
 * Keep Priority" allows only decreases). Our orders fill from executions of visible orders
 * behind them (the aggressor reached past our place: we get min(remaining, executed quantity)),
 * or at a worse price (the aggressor went through our price), sharing each execution's
 * quantity in price-time order; our fills never change the visible orders (the feed already
 * says what happened to them).
 *
 * Threads: a cx_sim_l3 has one owner thread; no call on it is thread-safe, nothing locks. Only
 * cx_sim_l3_new allocates. on_fill runs inside cx_sim_l3_execute and must not call back into
 * the same cx_sim_l3.
 */

struct cx_sim_l3; /* opaque */

/** Why one of our orders filled in the L3 queue. */
enum cx_sim_l3_evidence {
    CX_SIM_L3_BEHIND = 1,  /* a visible order behind ours at our price executed */
    CX_SIM_L3_THROUGH = 2, /* a visible order at a worse price executed */
};

/** One fill of one of our orders. */
struct cx_sim_l3_fill {
    uint64_t client_id;   /* our order */
    uint8_t side;         /* enum cx_side */
    uint8_t evidence;     /* enum cx_sim_l3_evidence */
    int64_t price_m;      /* our limit price (maker fill at it), price_exp */
    int64_t qty_m;        /* filled now, qty_exp (> 0) */
    int64_t leaves_m;     /* still open after this fill, qty_exp (0: done, removed) */
    uint64_t by_order_id; /* the visible order whose execution gave it */
};

struct cx_sim_l3_cfg {
    uint32_t max_orders;  /* visible + our orders held at once (> 0; also bounds levels) */
    void (*on_fill)(void *arg, const struct cx_sim_l3_fill *f); /* our fills; may be NULL */
    void *arg;            /* passed to on_fill (retained) */
};

/**
 * Create an empty L3 queue. cfg is copied (arg retained).
 * @return 0 and *out; CX_EINVAL (NULL, max_orders 0 or over 2^26); CX_ENOMEM.
 * Allocates the order pool, the level pool and three id indexes (all sized from max_orders).
 */
int cx_sim_l3_new(struct cx_sim_l3 **out, const struct cx_sim_l3_cfg *cfg);

/** Free it (NULL is a no-op). */
void cx_sim_l3_free(struct cx_sim_l3 *l3);

/* Visible (market) orders. Every call is O(1) expected, except where stated; none allocates.
 * Common errors: CX_EINVAL (NULL, side not bid/ask, price_m <= 0 or > INT64_MAX / 2,
 * qty_m <= 0); CX_ENOENT (an id not on the book); CX_ENOSPC (max_orders reached). */

/** A new visible order at the back of its level (ITCH "A"/"F", Coinbase "open").
 * @return 0; CX_EEXIST (the id is on the book); the common errors. */
int cx_sim_l3_add(struct cx_sim_l3 *l3, uint64_t order_id, uint8_t side, int64_t price_m,
                  int64_t qty_m);

/** Part of a visible order cancelled (ITCH "X"): it keeps its place; removed at 0.
 * @return 0; CX_ERANGE (more than it has); the common errors. */
int cx_sim_l3_cancel(struct cx_sim_l3 *l3, uint64_t order_id, int64_t qty_m);

/** A visible order gone (ITCH "D", Coinbase "done"). @return 0; CX_ENOENT; CX_EINVAL. */
int cx_sim_l3_delete(struct cx_sim_l3 *l3, uint64_t order_id);

/** A visible order amended in place (Coinbase "change", an amend): the same price and a
 * quantity not above its own keeps its place; a larger quantity or another price sends it to
 * the back of the (new) level. @return 0; the common errors. */
int cx_sim_l3_modify(struct cx_sim_l3 *l3, uint64_t order_id, int64_t price_m, int64_t qty_m);

/** A visible order cancel-replaced with a new id (ITCH "U"): always the back of the new level.
 * @return 0; CX_EEXIST (new_id on the book, other than old_id); the common errors. */
int cx_sim_l3_replace(struct cx_sim_l3 *l3, uint64_t old_id, uint64_t new_id, int64_t price_m,
                      int64_t qty_m);

/**
 * qty_m of a visible order executed (ITCH "E"/"C", Coinbase "match" on the maker): it is
 * reduced (removed at 0). Before that, our orders the aggressor must have reached first fill
 * from that quantity: those at a better price on its side (THROUGH), best first, then those
 * ahead of it at its price (BEHIND), each in time priority, each min(its remaining, what is
 * left of qty_m). Every fill is reported through on_fill; a fully filled order of ours is
 * removed.
 * @return 0; CX_ERANGE (more than it has); the common errors. O(our orders^2 + orders ahead).
 */
int cx_sim_l3_execute(struct cx_sim_l3 *l3, uint64_t order_id, int64_t qty_m);

/* Our orders, by client id (a separate id space from the visible orders'). */

/** Our order arrives: at the back of its level, behind every visible order there now.
 * @return 0; CX_EEXIST (the client id rests); the common errors. */
int cx_sim_l3_add_ours(struct cx_sim_l3 *l3, uint64_t client_id, uint8_t side,
                       int64_t price_m, int64_t qty_m);

/** Our order cancelled. @return 0; CX_ENOENT (not resting: filled or unknown); CX_EINVAL. */
int cx_sim_l3_cancel_ours(struct cx_sim_l3 *l3, uint64_t client_id);

/** Our order amended, by the same priority rules as cx_sim_l3_modify (qty_m is its new open
 * quantity). @return 0; the common errors. */
int cx_sim_l3_modify_ours(struct cx_sim_l3 *l3, uint64_t client_id, int64_t price_m,
                          int64_t qty_m);

/**
 * Our order's exact place: the visible quantity and orders ahead of it at its price (our own
 * other orders ahead are not counted), and what is still open.
 * @param out_qty_m, out_orders, out_leaves_m  written on success (each may be NULL).
 * @return 0; CX_ENOENT (not resting); CX_EINVAL. O(orders ahead).
 */
int cx_sim_l3_queue_ahead(const struct cx_sim_l3 *l3, uint64_t client_id, int64_t *out_qty_m,
                          uint32_t *out_orders, int64_t *out_leaves_m);

/** The visible quantity and order count at a level (0, 0 for none).
 * @return 0; CX_EINVAL (NULL, bad side). */
int cx_sim_l3_level(const struct cx_sim_l3 *l3, uint8_t side, int64_t price_m,
                    int64_t *out_qty_m, uint32_t *out_orders);

#ifdef __cplusplus
}
#endif
#endif /* CEXARB_SIM_H */
