/* SPDX-License-Identifier: MIT */
/*
 * strat: the strategy interface. Backtest, paper and live trading drive strategies through
 * exactly these callbacks and this context API; nothing here assumes replay.
 *
 * Time is handed in: cx_ctx_now_ns() is the engine's clock (the local receive clock of the
 * recording in backtest, the monotonic-anchored wall clock live). Strategies never read a clock.
 * Orders are requests: cx_ctx_place() returns at once with the order in PENDING_NEW; the venue's
 * answer (ack, reject, fills, cancel) arrives later through on_order_update / on_fill.
 */
#ifndef CEXARB_STRAT_H
#define CEXARB_STRAT_H

#include "cexarb/book.h"
#include "cexarb/md.h"
#include "cexarb/oms.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct cx_ctx; /* engine context handed to every callback; valid only during the callback */

/** Strategy callbacks. Any may be NULL. `self` is the strategy's own state. */
struct cx_strategy_ops {
    const char *name; /* short name for logs and metadata */
    /** Called once before the first event. Return a CX_E* code to abort the run. */
    int (*on_start)(void *self, struct cx_ctx *ctx);
    /** The local book of an instrument changed (after a depth/snapshot message). */
    void (*on_book)(void *self, struct cx_ctx *ctx, uint32_t inst_id, const struct cx_book *book);
    /** A public trade (one event of a trade message). */
    void (*on_trade)(void *self, struct cx_ctx *ctx, const struct cx_md_event *trade);
    /** A state change of one of our orders (ack, reject, cancel, expiry, fill progress). */
    void (*on_order_update)(void *self, struct cx_ctx *ctx, const struct cx_order *order);
    /** One of our orders was filled (partially). Called before the matching order update. */
    void (*on_fill)(void *self, struct cx_ctx *ctx, const struct cx_fill *fill);
    /** A timer set with cx_ctx_timer_set fired. */
    void (*on_timer)(void *self, struct cx_ctx *ctx, uint64_t timer_id);
    /** Called once after the last event (end of data, or a stop request/signal). */
    void (*on_stop)(void *self, struct cx_ctx *ctx);
};

/** Engine clock, ns since the epoch. */
int64_t cx_ctx_now_ns(const struct cx_ctx *ctx);

/**
 * Submit an order. The request is copied; if req->client_id is 0 one is assigned and written
 * back into *req.
 * @return 0 (the order is PENDING_NEW; the verdict arrives later); CX_EINVAL for an unknown
 *         instrument or malformed request; CX_EEXIST for a client id in use; CX_ENOSPC when the
 *         order table is full. Risk refusals are not errors: they arrive as REJECTED updates.
 */
int cx_ctx_place(struct cx_ctx *ctx, struct cx_order_req *req);

/**
 * Request cancellation of an open order.
 * @return 0 (PENDING_CANCEL; CANCELED or a fill arrives later); CX_ENOENT for an unknown id;
 *         CX_ESTATE when the order is already final or a cancel is pending.
 */
int cx_ctx_cancel(struct cx_ctx *ctx, uint64_t client_id);

/** Cancel every open order of an instrument (UINT32_MAX: of every instrument). Returns the
 * number of cancels sent (>= 0). */
int cx_ctx_cancel_all(struct cx_ctx *ctx, uint32_t inst_id);

/** Arm a one-shot timer (re-arming an id replaces it). @return 0; CX_ENOSPC; CX_EINVAL when
 * at_ns is before now. */
int cx_ctx_timer_set(struct cx_ctx *ctx, uint64_t timer_id, int64_t at_ns);

/** The local book of an instrument (NULL before its first message). Borrowed, callback only. */
const struct cx_book *cx_ctx_book(const struct cx_ctx *ctx, uint32_t inst_id);

/** Instrument metadata. */
const struct cx_instrument *cx_ctx_instrument(const struct cx_ctx *ctx, uint32_t inst_id);

/** Look up an instrument by venue and symbol; UINT32_MAX when absent. */
uint32_t cx_ctx_find_instrument(const struct cx_ctx *ctx, enum cx_venue venue, const char *symbol);

/** Our position in an instrument (zeroed struct before any fill). Borrowed, callback only. */
const struct cx_position *cx_ctx_position(const struct cx_ctx *ctx, uint32_t inst_id);

/** An order by client id, or NULL. Borrowed, callback only. */
const struct cx_order *cx_ctx_order(const struct cx_ctx *ctx, uint64_t client_id);

/** Free balance of an asset on a venue (spot) or wallet balance (perp margin asset), at
 * CX_NOTIONAL_EXP; 0 when unknown. */
int64_t cx_ctx_balance(const struct cx_ctx *ctx, enum cx_venue venue, const char *asset);

/**
 * Append a structured record to the session's events.log.
 * @param event  short name ("hedge_intent", "breaker", ...).
 * @param json_fields  a JSON object body without braces (`"a":1,"b":"x"`), borrowed, may be "".
 */
void cx_ctx_log(struct cx_ctx *ctx, const char *event, const char *json_fields);

/** Ask the engine to stop after this callback (on_stop still runs). */
void cx_ctx_stop(struct cx_ctx *ctx);

#ifdef __cplusplus
}
#endif
#endif /* CEXARB_STRAT_H */
