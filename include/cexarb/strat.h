/* SPDX-License-Identifier: MIT */
/*
 * strat: the strategy interface. Backtest, paper and live trading drive strategies through
 * exactly these callbacks and this context API; nothing here assumes replay, and a strategy
 * cannot tell which driver or venue is behind its context.
 *
 * Time is handed in: cx_ctx_now_ns() is the engine's clock (the local receive clock of the
 * recording in backtest, the monotonic-anchored wall clock live). Strategies never read a clock.
 * Orders are requests: cx_ctx_place() returns at once with the order in PENDING_NEW; the
 * verdict (ack, reject, fills, cancel) arrives later through on_order_update / on_fill, also
 * when the runtime itself refuses the order (pre-trade risk gate, capacity): that REJECTED
 * update is delivered after the current callback returns, never from inside cx_ctx_place.
 *
 * Several strategies share one runtime (one engine thread). Each has its own context: it sees
 * only its own orders (cx_ctx_order returns NULL for another strategy's), its own fills and
 * positions, and cx_ctx_cancel_all touches only its own orders. Books and balances are shared.
 *
 * The context is a small table of functions (struct cx_ctx_ops) that the runtime implements;
 * the cx_ctx_* calls below are inline dispatchers. The strategy module therefore depends on no
 * engine code, and a strategy can be unit-tested against a hand-made context.
 *
 * Threads: every callback runs on the engine thread, and every cx_ctx_* call must be made
 * from inside a callback (the context is valid only then). Nothing here locks.
 */
#ifndef CEXARB_STRAT_H
#define CEXARB_STRAT_H

#include "cexarb/book.h"
#include "cexarb/md.h"
#include "cexarb/oms.h"

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct cx_ctx;   /* a strategy's handle to the runtime; valid only during a callback */
struct cx_timer; /* below */

/* ---------------------------------------------------------------------------------------------
 * MARK: events the runtime reports besides market data and orders
 * ------------------------------------------------------------------------------------------- */

/** Venue and book states (on_venue_state). */
enum cx_venue_state {
    CX_VENUE_CONNECTED = 1, /* the venue's market data / order session is up */
    CX_VENUE_DISCONNECTED,  /* it went down: books of the venue are stale until resynced */
    CX_VENUE_BOOK_STALE,    /* one book left SYNCED (gap, crossed book, silence): do not
                               trust it, do not quote on it */
    CX_VENUE_BOOK_RESYNCED, /* that book is SYNCED again */
};

/** One venue or book state change. */
struct cx_venue_event {
    uint8_t venue;    /* enum cx_venue */
    uint8_t state;    /* enum cx_venue_state */
    uint32_t inst_id; /* the book (BOOK_*), UINT32_MAX for the whole venue */
    int64_t ts_ns;    /* engine time of the change */
};

/** One funding payment on a perp position (on_funding). */
struct cx_funding {
    uint16_t account_id; /* account that paid or received it */
    uint32_t inst_id;    /* perp instrument */
    int64_t amount;      /* quote @ CX_NOTIONAL_EXP for the whole account position: received
                            > 0, paid < 0 */
    int64_t share;       /* this strategy's part of amount (by its share of the position),
                            quote @ CX_NOTIONAL_EXP */
    int64_t rate_ppb;    /* rate applied, ppb (0.01 % = 100000) */
    int64_t exch_ns;     /* settlement time at the venue (engine clock) */
};

/* ---------------------------------------------------------------------------------------------
 * MARK: strategy callbacks
 * ------------------------------------------------------------------------------------------- */

/* Threads: the runtime calls every callback on its engine thread, one at a time (never two at
 * once, also across the strategies of one runtime), so a strategy's state needs no lock. The
 * calls are synchronous: a callback that blocks stalls the engine. */

/** Strategy callbacks. Any may be NULL. `self` is the strategy's own state. */
struct cx_strategy_ops {
    const char *name; /* short type name for logs and metadata ("maker_hedge") */
    /** Called once before the first event: resolve instruments, cx_ctx_subscribe to the books
     * and trades needed, arm timers. Return a CX_E* code to abort the run. */
    int (*on_start)(void *self, struct cx_ctx *ctx);
    /** The local book of a subscribed instrument changed (after a depth/snapshot message). */
    void (*on_book)(void *self, struct cx_ctx *ctx, uint32_t inst_id, const struct cx_book *book);
    /** A public trade of an instrument subscribed with CX_SUB_TRADES (one event). */
    void (*on_trade)(void *self, struct cx_ctx *ctx, const struct cx_md_event *trade);
    /** A state change of one of this strategy's orders (ack, reject, cancel, expiry, fill). */
    void (*on_order_update)(void *self, struct cx_ctx *ctx, const struct cx_order *order);
    /** One of this strategy's orders was filled (partially). Called before the matching order
     * update. */
    void (*on_fill)(void *self, struct cx_ctx *ctx, const struct cx_fill *fill);
    /** A funding payment on a perp this strategy holds (its share is in f->share). */
    void (*on_funding)(void *self, struct cx_ctx *ctx, const struct cx_funding *f);
    /** A venue's connection or a subscribed book changed state. */
    void (*on_venue_state)(void *self, struct cx_ctx *ctx, const struct cx_venue_event *ev);
    /** Called once after the last event (end of data, or a stop request/signal). Orders placed
     * or cancelled here are still sent; no callback follows. */
    void (*on_stop)(void *self, struct cx_ctx *ctx);
};

/* ---------------------------------------------------------------------------------------------
 * MARK: timers (intrusive, in the strategy's own storage)
 * ------------------------------------------------------------------------------------------- */

/* Threads: cx_timer_init writes only *t: call it on the strategy's thread (the engine thread)
 * while the timer is not armed. An armed timer is the runtime's and is touched only on the engine
 * thread (cx_ctx_timer_*). Never blocks, never allocates. */

/** A timer's callback: `data` is what cx_timer_init was given (usually the strategy's state),
 * ctx the context of the strategy that armed it. */
typedef void (*cx_timer_cb)(void *data, struct cx_ctx *ctx, struct cx_timer *timer);

/**
 * A one-shot timer, embedded in the strategy's state (libuv's uv_timer_t model: the node lives
 * in caller storage, so arming and stopping never allocate and there is no limit on how many a
 * strategy keeps). Timers due at the same instant fire in the order they were armed. The
 * fields are the runtime's; a strategy only calls cx_timer_init and the cx_ctx_timer_* calls.
 */
struct cx_timer {
    struct cx_timer *heap_child;  /* runtime's heap links (a pairing heap) */
    struct cx_timer *heap_next;
    struct cx_timer *heap_prev;
    int64_t at_ns;                /* due time while armed (engine clock) */
    uint64_t seq;                 /* arming order, breaks ties */
    cx_timer_cb cb;               /* called when due */
    void *data;                   /* passed to cb */
    uint16_t strategy_id;         /* strategy that armed it */
    bool is_active;               /* armed and not yet fired or stopped */
};

/** Prepare a timer (once, before the first start): cb(data, ctx, t) runs when it is due.
 * data is retained (not owned). Never allocates. */
static inline void cx_timer_init(struct cx_timer *t, cx_timer_cb cb, void *data)
{
    *t = (struct cx_timer){0};
    t->cb = cb;
    t->data = data;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: context
 * ------------------------------------------------------------------------------------------- */

/* Threads: every cx_ctx_* call is made on the engine thread, from inside a callback of the
 * strategy the context belongs to; not thread-safe, nothing locks. The calls do not block by
 * themselves, but cx_ctx_log and the order calls run the runtime's hooks synchronously (a
 * backtest session's hooks write files); only cx_ctx_subscribe allocates. */

/** Subscription flags (cx_ctx_subscribe). */
#define CX_SUB_BOOK 0x1u   /* maintain the local book and call on_book */
#define CX_SUB_TRADES 0x2u /* call on_trade for its public trades */
#define CX_SUB_BBO 0x4u    /* also call on_book after each best bid/offer message (bookTicker)
                              that moves the touch: cx_ctx_top is fresher than the depth book */

/** The runtime's implementation of the context calls (see the wrappers below for contracts). */
struct cx_ctx_ops {
    int64_t (*now_ns)(const struct cx_ctx *ctx);
    int (*place)(struct cx_ctx *ctx, struct cx_order_req *req);
    int (*cancel)(struct cx_ctx *ctx, uint64_t client_id);
    int (*cancel_all)(struct cx_ctx *ctx, uint32_t inst_id);
    int (*timer_start)(struct cx_ctx *ctx, struct cx_timer *t, int64_t at_ns);
    void (*timer_stop)(struct cx_ctx *ctx, struct cx_timer *t);
    int (*subscribe)(struct cx_ctx *ctx, uint32_t inst_id, unsigned flags);
    const struct cx_book *(*book)(const struct cx_ctx *ctx, uint32_t inst_id);
    bool (*top)(const struct cx_ctx *ctx, uint32_t inst_id, struct cx_book_top *out);
    const struct cx_instrument *(*instrument)(const struct cx_ctx *ctx, uint32_t inst_id);
    uint32_t (*find_instrument)(const struct cx_ctx *ctx, enum cx_venue venue,
                                const char *symbol);
    const struct cx_position *(*position)(const struct cx_ctx *ctx, uint32_t inst_id);
    const struct cx_order *(*order)(const struct cx_ctx *ctx, uint64_t client_id);
    uint16_t (*account)(const struct cx_ctx *ctx, enum cx_venue venue, const char *name);
    int64_t (*balance)(const struct cx_ctx *ctx, uint16_t account_id, const char *asset);
    int64_t (*account_position)(const struct cx_ctx *ctx, uint16_t account_id, uint32_t inst_id);
    void (*log)(struct cx_ctx *ctx, const char *event, const char *json_fields);
    void (*error)(struct cx_ctx *ctx, const char *msg, const char *detail);
    void (*stop)(struct cx_ctx *ctx);
};

/** What every context starts with; the runtime's own context struct embeds it first. */
struct cx_ctx {
    const struct cx_ctx_ops *ops; /* never NULL */
    uint16_t strategy_id;         /* this strategy's id in the run (0-based) */
};

/** Engine clock, ns since the epoch. O(1). */
static inline int64_t cx_ctx_now_ns(const struct cx_ctx *ctx)
{
    return ctx->ops->now_ns(ctx);
}

/**
 * Submit an order. The request is copied; if req->client_id is 0 one is assigned, and if
 * req->account_id is 0 the strategy's default account on the instrument's venue is used; both
 * are written back into *req.
 * @return 0 (the order is PENDING_NEW; the verdict arrives later, a refusal by the risk gate or
 *         the venue's capacity as a REJECTED update after this callback); CX_EINVAL for an
 *         unknown instrument, an account of another venue or a malformed request; CX_EEXIST
 *         for a client id in use; CX_ENOSPC when the order table is full; CX_ESTATE after
 *         on_stop returned; CX_EAGAIN when 64 of this strategy's orders were already refused
 *         locally at this instant (a strategy answering each refusal with a new order would
 *         loop; it can place again once the clock moves; journalled as error_refusal_storm).
 * Never allocates.
 */
static inline int cx_ctx_place(struct cx_ctx *ctx, struct cx_order_req *req)
{
    return ctx->ops->place(ctx, req);
}

/**
 * Request cancellation of one of this strategy's open orders.
 * @return 0 (PENDING_CANCEL; CANCELED or a fill arrives later); CX_ENOENT for an unknown id or
 *         another strategy's order; CX_ESTATE when the order is already final or a cancel is
 *         pending; CX_ENOSPC when the venue could not take the request now (the order keeps its
 *         state: try again later).
 */
static inline int cx_ctx_cancel(struct cx_ctx *ctx, uint64_t client_id)
{
    return ctx->ops->cancel(ctx, client_id);
}

/** Cancel every open order of this strategy on an instrument (UINT32_MAX: on every
 * instrument). Orders of other strategies are untouched. @return the number of cancels sent
 * (>= 0). O(orders of the run). */
static inline int cx_ctx_cancel_all(struct cx_ctx *ctx, uint32_t inst_id)
{
    return ctx->ops->cancel_all(ctx, inst_id);
}

/**
 * Arm (or re-arm: an armed timer is moved) a one-shot timer for at_ns; its callback runs with
 * the timer's data and this strategy's context. The timer must stay alive until it fired or was stopped.
 * @return 0; CX_EINVAL when at_ns is before now or t was never initialised.
 * Never allocates; O(log n) for n armed timers.
 */
static inline int cx_ctx_timer_start(struct cx_ctx *ctx, struct cx_timer *t, int64_t at_ns)
{
    return ctx->ops->timer_start(ctx, t, at_ns);
}

/** Disarm a timer (no-op when it is not armed). O(log n). */
static inline void cx_ctx_timer_stop(struct cx_ctx *ctx, struct cx_timer *t)
{
    ctx->ops->timer_stop(ctx, t);
}

/**
 * Declare that this strategy needs an instrument's book (CX_SUB_BOOK) and/or trades
 * (CX_SUB_TRADES). Only during on_start: the runtime creates books for subscribed instruments
 * only, before the first event. Flags of repeated calls are combined.
 * @return 0; CX_EINVAL (unknown instrument, no flag, unknown flag); CX_ESTATE after on_start;
 *         CX_ENOMEM (creating the book).
 */
static inline int cx_ctx_subscribe(struct cx_ctx *ctx, uint32_t inst_id, unsigned flags)
{
    return ctx->ops->subscribe(ctx, inst_id, flags);
}

/** The local book of a subscribed instrument (NULL when not subscribed). Borrowed, callback
 * only. */
static inline const struct cx_book *cx_ctx_book(const struct cx_ctx *ctx, uint32_t inst_id)
{
    return ctx->ops->book(ctx, inst_id);
}

/**
 * The freshest touch the runtime knows of a subscribed instrument: the last best bid/offer
 * message (bookTicker) when it is newer than the depth book (its update id above the book's
 * last), else the depth book's top. The same rule as the simulated venue's (sim.h).
 * @return true with *out when the depth book is SYNCED and both sides are known; false
 *         otherwise (*out zeroed): do not quote on it.
 */
static inline bool cx_ctx_top(const struct cx_ctx *ctx, uint32_t inst_id, struct cx_book_top *out)
{
    return ctx->ops->top(ctx, inst_id, out);
}

/** Instrument metadata (NULL for an unknown id). Valid for the run. */
static inline const struct cx_instrument *cx_ctx_instrument(const struct cx_ctx *ctx,
                                                            uint32_t inst_id)
{
    return ctx->ops->instrument(ctx, inst_id);
}

/** Look up an instrument by venue and symbol; UINT32_MAX when absent. */
static inline uint32_t cx_ctx_find_instrument(const struct cx_ctx *ctx, enum cx_venue venue,
                                              const char *symbol)
{
    return ctx->ops->find_instrument(ctx, venue, symbol);
}

/** This strategy's own position in an instrument, from its own fills (zeroed before any).
 * Borrowed, callback only. */
static inline const struct cx_position *cx_ctx_position(const struct cx_ctx *ctx,
                                                        uint32_t inst_id)
{
    return ctx->ops->position(ctx, inst_id);
}

/** One of this strategy's orders by client id; NULL when unknown or another strategy's.
 * Borrowed, callback only. */
static inline const struct cx_order *cx_ctx_order(const struct cx_ctx *ctx, uint64_t client_id)
{
    return ctx->ops->order(ctx, client_id);
}

/**
 * An account id of the run: the account called `name` on `venue`, or with name NULL this
 * strategy's default account there (its configured one, else the venue's first).
 * @return the 1-based id; 0 when there is no such account.
 */
static inline uint16_t cx_ctx_account(const struct cx_ctx *ctx, enum cx_venue venue,
                                      const char *name)
{
    return ctx->ops->account(ctx, venue, name);
}

/** Free balance (total - locked) of an asset in an account, from the fills and funding the
 * runtime has seen, at CX_NOTIONAL_EXP; 0 when unknown. Perp accounts: the wallet. */
static inline int64_t cx_ctx_balance(const struct cx_ctx *ctx, uint16_t account_id,
                                     const char *asset)
{
    return ctx->ops->balance(ctx, account_id, asset);
}

/**
 * The perp position of an account (every strategy trading on it together), signed, at the
 * instrument's qty_exp, from the fills the runtime has seen; 0 when flat or unknown. This, not
 * the strategy's own position, is what a venue judges a reduce-only order against.
 */
static inline int64_t cx_ctx_account_position(const struct cx_ctx *ctx, uint16_t account_id,
                                              uint32_t inst_id)
{
    return ctx->ops->account_position(ctx, account_id, inst_id);
}

/**
 * Append a structured record to the session's events.log (with this strategy's name when the
 * run has several strategies).
 * @param event  short name ("hedge_intent", "breaker", ...), borrowed.
 * @param json_fields  a JSON object body without braces (`"a":1,"b":"x"`), borrowed, may be "".
 */
static inline void cx_ctx_log(struct cx_ctx *ctx, const char *event, const char *json_fields)
{
    ctx->ops->log(ctx, event, json_fields);
}

/**
 * Say why on_start is about to fail, for the error the user sees ("instrument not found",
 * "venues.spot: binance_spot ETHUSDT"): the runtime reports it with the strategy's name and
 * the code on_start returns.
 * @param msg     static text (retained, never freed).
 * @param detail  borrowed, copied (truncated to 63 bytes), may be NULL.
 */
static inline void cx_ctx_error(struct cx_ctx *ctx, const char *msg, const char *detail)
{
    ctx->ops->error(ctx, msg, detail);
}

/** Ask the engine to stop the run after this callback (every strategy's on_stop still runs). */
static inline void cx_ctx_stop(struct cx_ctx *ctx)
{
    ctx->ops->stop(ctx);
}

#ifdef __cplusplus
}
#endif
#endif /* CEXARB_STRAT_H */
