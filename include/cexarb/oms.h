/* SPDX-License-Identifier: MIT */
/*
 * oms: orders, fills, positions and PnL, the same for backtest, paper and live.
 *
 * Order lifecycle (allowed transitions; anything else is CX_ESTATE):
 *
 *   PENDING_NEW --ack--> NEW --fill--> PARTIALLY_FILLED --fill--> FILLED
 *        |               |  \                |   \
 *        |               |   cancel req      |    cancel req
 *        |               |      v            |       v
 *        |               |   PENDING_CANCEL -+--> CANCELED        (a fill may still arrive while
 *        |               |      |  (fill -> PENDING_CANCEL or FILLED; cancel reject -> back)
 *        +--reject--> REJECTED  +--expire/IOC remainder--> EXPIRED
 *   PENDING_NEW may also go straight to PARTIALLY_FILLED/FILLED (an IOC filled on arrival: the
 *   ack and the fill travel together) or EXPIRED (IOC/FOK with nothing filled).
 *
 * As a table (row = from, column = to; F = only through cx_oms_apply_fill, S = only through
 * cx_oms_set_status; docs/internals/oms.md explains each entry):
 *
 *   from \ to        PN  NEW  PF  FILLED  PC  CANCELED  REJECTED  EXPIRED
 *   PENDING_NEW      .   S    F   F       S   .         S         S
 *   NEW              .   .    F   F       S   S         .         S
 *   PARTIALLY_FILLED .   .    F   F       S   S         .         S
 *   PENDING_CANCEL   .   S*   S*  F       F   S         S         S
 *   final states     .   .    .   .       .   .         .         .
 *
 *   PF -> PF and PC -> PC are further fills. S*: a refused cancel; cx_oms_set_status(o, NEW or
 *   PARTIALLY_FILLED, reason) returns the order to NEW when nothing is filled and to
 *   PARTIALLY_FILLED otherwise, and records the reason in cx_order.reject. NEW/PF -> CANCELED
 *   without PENDING_CANCEL is a venue-initiated cancel (self-trade prevention, cancel-all).
 *   NEW/PF/PC -> EXPIRED is the unfilled remainder of an IOC/market order, or a GTD expiry.
 *   PENDING_NEW -> PENDING_CANCEL is a cancel sent before the ack (real venues accept it: the
 *   cancel travels behind the order); PENDING_CANCEL -> REJECTED is that order being rejected.
 *
 * Money: positions are exact. Cash and PnL are int64 mantissas in the quote currency at
 * CX_NOTIONAL_EXP (1e-8 quote units). price_m * qty_m products are computed in 128 bits and
 * rescaled to CX_NOTIONAL_EXP; where that needs rounding (fees always, notional only when
 * price_exp + qty_exp + multiplier_exp < -8) it rounds half away from zero and says so in the
 * function doc. Positions use the average-cost method with one exact invariant per instrument:
 *   cost - realized_pnl == sum over fills of the signed fill value (+value bought, -value sold)
 * where each fill value is cx_notional(..., rounding 1) of that fill.
 *
 * Threads: an OMS and an account belong to one thread (the engine thread, or the simulated
 * venue); no function here locks. Only cx_oms_new allocates.
 */
#ifndef CEXARB_OMS_H
#define CEXARB_OMS_H

#include "cexarb/core.h"
#include "cexarb/instrument.h"
#include "cexarb/md.h"

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------------
 * MARK: orders and fills
 * ------------------------------------------------------------------------------------------- */

/* Threads: plain data owned by whoever holds it; cx_reject_is_local is pure (thread-safe, any
 * thread). */

/** Order types. */
enum cx_ord_type { CX_ORD_LIMIT = 0, CX_ORD_MARKET = 1 };

/** Time in force. POST_ONLY is a GTC limit that is rejected instead of taking liquidity. */
enum cx_tif { CX_TIF_GTC = 0, CX_TIF_IOC = 1, CX_TIF_FOK = 2, CX_TIF_POST_ONLY = 3 };

/** Order states. */
enum cx_ord_status {
    CX_ORD_PENDING_NEW = 0,
    CX_ORD_NEW,
    CX_ORD_PARTIALLY_FILLED,
    CX_ORD_FILLED,
    CX_ORD_PENDING_CANCEL,
    CX_ORD_CANCELED,
    CX_ORD_REJECTED,
    CX_ORD_EXPIRED,
    CX_ORD_STATUS_COUNT
};

/** Venue-like reject reasons. */
enum cx_reject {
    CX_REJ_NONE = 0,
    CX_REJ_TICK,           /* price not a multiple of the tick */
    CX_REJ_LOT,            /* quantity not a multiple of the lot */
    CX_REJ_MIN_QTY,        /* below the minimum quantity */
    CX_REJ_MIN_NOTIONAL,   /* below the minimum notional */
    CX_REJ_BALANCE,        /* spot: insufficient balance */
    CX_REJ_MARGIN,         /* perp: insufficient margin at the configured leverage */
    CX_REJ_REDUCE_ONLY,    /* reduce-only order would increase the position */
    CX_REJ_POST_ONLY,      /* post-only order would cross */
    CX_REJ_FOK,            /* fill-or-kill could not fill completely */
    CX_REJ_NO_LIQUIDITY,   /* market/IOC order found an empty book */
    CX_REJ_UNKNOWN_ORDER,  /* cancel for an order the venue does not know (or already final) */
    CX_REJ_DUPLICATE_ID,   /* client order id already in use */
    CX_REJ_RISK,           /* refused by pre-trade risk before leaving the engine */
    CX_REJ_BOOK_STALE,     /* refused: the venue's book is not in sync */
    CX_REJ_INVALID,        /* malformed request (bad side/type, qty <= 0, price <= 0) */
    /* Pre-trade risk gate (risk.h, cx_risk_gate_check): refused before leaving the runtime. */
    CX_REJ_RISK_TICK,      /* limit price not a multiple of the instrument's tick */
    CX_REJ_RISK_LOT,       /* quantity not a multiple of the instrument's lot */
    CX_REJ_RISK_MIN_QTY,   /* below the instrument's minimum quantity */
    CX_REJ_RISK_MIN_NOTIONAL, /* below the instrument's minimum notional */
    CX_REJ_RISK_MAX_NOTIONAL, /* above the run's maximum order notional */
    CX_REJ_RISK_MAX_POSITION, /* would take |position| of the instrument over its limit */
    CX_REJ_RISK_MAX_ASSET,    /* would take |net exposure| to the base asset across venues
                                 over its limit */
    CX_REJ_RISK_MAX_OPEN_ORDERS, /* the run already has its maximum of open orders */
    CX_REJ_RISK_ORDER_RATE,   /* more orders in the rate window than allowed */
    CX_REJ_COUNT
};

/** Whether a reject reason comes from our own side before the order reached the venue (the
 * pre-trade risk gate, CX_REJ_RISK_*, or the venue's capacity, CX_REJ_RISK): sending the same
 * order again at once gets the same answer. */
static inline bool cx_reject_is_local(enum cx_reject r)
{
    return r == CX_REJ_RISK || (r >= CX_REJ_RISK_TICK && r < CX_REJ_COUNT);
}

/** What justified a fill (simulated venues say; live venues leave 0). */
enum cx_fill_evidence {
    CX_FILL_EV_NONE = 0,        /* not told (live venues) */
    CX_FILL_EV_TAKER_WALK,      /* taker: walked the venue's levels from its touch */
    CX_FILL_EV_TRADE_THROUGH,   /* maker: a print traded through our price */
    CX_FILL_EV_TRADE_QUEUE,     /* maker: a print at our price consumed the queue ahead */
    CX_FILL_EV_BOOK_CROSS,      /* maker: the venue's touch crossed our price */
    CX_FILL_EV_COUNT
};

/** Lower-case name of an evidence kind ("taker_walk", ...); "unknown" when out of range. */
const char *cx_fill_evidence_name(enum cx_fill_evidence e);

/** Liquidity flag of a fill. */
enum cx_liquidity { CX_LIQ_MAKER = 0, CX_LIQ_TAKER = 1 };

/** Order request flags. */
#define CX_ORD_F_REDUCE_ONLY 0x1u /* perps only: may only reduce the position */

/** What a strategy asks for. */
struct cx_order_req {
    uint64_t client_id;  /* client order id, unique per run (0: the engine assigns one) */
    uint32_t inst_id;    /* instrument */
    uint8_t side;        /* enum cx_side: CX_SIDE_BID = buy, CX_SIDE_ASK = sell */
    uint8_t type;        /* enum cx_ord_type */
    uint8_t tif;         /* enum cx_tif */
    uint8_t flags;       /* CX_ORD_F_* */
    int64_t price_m;     /* limit price at price_exp (ignored for market orders) */
    int64_t qty_m;       /* quantity at qty_exp (> 0) */
    uint16_t account_id; /* account the order trades on (1-based id of the run's accounts);
                            0 in a strategy's request = its default account on the
                            instrument's venue; the runtime resolves it before the venue
                            sees the order */
    uint16_t strategy_id; /* strategy that placed it (0-based), stamped by the runtime */
    uint32_t pad;        /* zero */
};

/** An order as the OMS tracks it. */
struct cx_order {
    struct cx_order_req req;    /* as submitted */
    uint64_t venue_order_id;    /* venue's id (0 until acknowledged) */
    uint8_t status;             /* enum cx_ord_status */
    uint8_t reject;             /* enum cx_reject when REJECTED (or a refused cancel) */
    uint16_t pad;               /* zero */
    uint32_t fills;             /* number of fills */
    int64_t filled_qty_m;       /* cumulative filled quantity */
    int64_t filled_notional;    /* cumulative price*qty at CX_NOTIONAL_EXP (for average price) */
    int64_t fee;                /* cumulative fee in quote at CX_NOTIONAL_EXP (< 0 = rebate) */
    int64_t created_ns;         /* engine time the strategy submitted it */
    int64_t updated_ns;         /* engine time of the last state change */
    int64_t acked_ns;           /* engine time the ack arrived (0 before) */
};

/** One execution. */
struct cx_fill {
    uint64_t client_id;       /* order's client id */
    uint64_t venue_order_id;  /* order's venue id */
    uint64_t fill_id;         /* unique per run, increasing */
    uint32_t inst_id;         /* instrument */
    uint8_t side;             /* enum cx_side of the order (BID = bought) */
    uint8_t liquidity;        /* enum cx_liquidity */
    uint8_t fee_asset;        /* 0 = quote currency (the only mode today) */
    uint8_t evidence;         /* enum cx_fill_evidence: what justified it (0 = not told) */
    int64_t price_m;          /* execution price at price_exp */
    int64_t qty_m;            /* executed quantity at qty_exp */
    int64_t fee;              /* fee in quote at CX_NOTIONAL_EXP; negative = rebate received */
    int64_t exch_ts_ns;       /* time of the execution at the venue */
    int64_t local_ts_ns;      /* time the strategy learned of it */
    int64_t latency_ns;       /* local_ts_ns - order creation time (send to fill report) */
    int64_t venue_bid_m;      /* the venue's best bid when it executed, price_exp (0 = unknown) */
    int64_t venue_ask_m;      /* the venue's best ask then (0 = unknown) */
    int64_t book_age_ns;      /* how old the venue's view of the book was then: venue time minus
                                 the time of the message the touch came from (-1 = unknown) */
};

/* ---------------------------------------------------------------------------------------------
 * MARK: execution reports
 * ------------------------------------------------------------------------------------------- */

/* Threads: reports are fixed-size plain data owned by whoever holds them; cx_exec_type_name is
 * pure (thread-safe, any thread). Never blocks, never allocates. */

/** What a venue (simulated or live) reports about our orders and accounts. */
enum cx_exec_type {
    CX_EXEC_ACK = 1,       /* order accepted (resting or about to execute) */
    CX_EXEC_REJECT,        /* order rejected: reject reason */
    CX_EXEC_FILL,          /* execution: fill */
    CX_EXEC_CANCELED,      /* cancel done (remaining quantity removed) */
    CX_EXEC_CANCEL_REJECT, /* cancel refused (unknown or already final): reject reason */
    CX_EXEC_EXPIRED,       /* IOC/FOK/market remainder expired (or a reduce-only order that can
                              no longer reduce) */
    CX_EXEC_FUNDING,       /* funding payment on a perp position: amount, inst_id, account_id */
};

/**
 * One execution report, venue-neutral: every venue adapter (the simulated venue, each live
 * adapter) translates its own messages into these, and the runtime applies them to the OMS,
 * the account mirror and the strategy that owns the order. Per order: exactly one ACK before
 * anything else, then fills, then at most one final CANCELED / EXPIRED (none when it ends
 * FILLED); a REJECT is the only report of a rejected order. Fixed size, no pointers.
 */
struct cx_exec_report {
    uint8_t type;            /* enum cx_exec_type */
    uint8_t reject;          /* enum cx_reject for REJECT / CANCEL_REJECT */
    uint16_t account_id;     /* account (1-based) of the order or the funding payment; 0 when
                                the venue cannot tell (a cancel of an unknown order) */
    uint32_t inst_id;        /* instrument (UINT32_MAX for a cancel of an unknown order) */
    uint64_t client_id;      /* order (0 for FUNDING) */
    uint64_t venue_order_id; /* venue's id of the order (0 for REJECT and unknown orders) */
    int64_t leaves_qty_m;    /* quantity still open after this event, at qty_exp (0 when the
                                order is final) */
    int64_t exch_ns;         /* when it happened at the venue (engine clock) */
    int64_t deliver_ns;      /* when the runtime learns it (engine clock) */
    int64_t amount;          /* FUNDING: quote @ CX_NOTIONAL_EXP, received > 0 */
    int64_t rate_ppb;        /* FUNDING: the rate applied, ppb (0.01 % = 100000) */
    int64_t book_age_ns;     /* ACK, REJECT: how old the venue's view of the book was when it
                                decided (-1 = unknown, live venues) */
    int64_t venue_bid_m;     /* ACK, REJECT: the venue's best bid it decided on, price_exp
                                (0 = empty side or unknown) */
    int64_t venue_ask_m;     /* ACK, REJECT: the venue's best ask (0 = empty or unknown) */
    struct cx_fill fill;     /* FILL */
};

/** Lower-case name of a report type ("ack", "fill", ...); "unknown" when out of range. */
const char *cx_exec_type_name(enum cx_exec_type t);

/**
 * Position and account state of one instrument, kept by the OMS with the average-cost method:
 * buying into a long (or selling into a short) adds the fill value to `cost`; reducing removes
 * the closed share of `cost`, truncated toward zero (the division remainder stays in the open
 * cost) and realizes (exit value - removed cost) for a long, the negative for a short; a fill
 * through zero closes at the fill price and opens the rest at the fill price. Exact invariants:
 *   cost - realized_pnl == sum of signed fill values (+bought, -sold);
 *   qty_m == sum of signed fill quantities; qty_m == 0 implies cost == 0.
 * Example: buy 2 @ 100, buy 1 @ 130 -> qty 3, cost 330 (average 110); sell 2 @ 120 ->
 * realized +20, cost 110; sell 3 @ 90 -> realized -20 (total 0), qty -2, cost -180 (short @ 90).
 */
struct cx_position {
    uint32_t inst_id;          /* instrument */
    int64_t qty_m;             /* signed position at qty_exp (spot: base inventory change) */
    int64_t cost;              /* signed cost basis of the open position, quote @ NOTIONAL_EXP
                                  (same sign as qty_m; 0 when flat) */
    int64_t realized_pnl;      /* closed-trade PnL before fees, quote @ NOTIONAL_EXP */
    int64_t fees;              /* fees paid (negative = rebates received), quote @ NOTIONAL_EXP */
    int64_t funding;           /* funding received (negative = paid), quote @ NOTIONAL_EXP */
    int64_t volume;            /* traded notional, quote @ NOTIONAL_EXP */
    uint64_t fills;            /* fills applied */
    int64_t max_abs_qty_m;     /* largest |qty_m| seen */
};

/** Ids and capacities. */
struct cx_oms_cfg {
    const struct cx_registry *reg; /* retained: instruments (exponents, multipliers); must
                                      outlive the OMS. Instruments added to it after
                                      cx_oms_new are unknown to the OMS. */
    uint32_t max_orders;           /* order table capacity (live + finished kept); 0 = 65536;
                                      at most 2^30 */
};

/* ---------------------------------------------------------------------------------------------
 * MARK: money helpers
 * ------------------------------------------------------------------------------------------- */

/* Threads: pure functions of their arguments, thread-safe from any thread; cx_position_apply_fill
 * writes only *pos, so one position is updated by one thread at a time. Never block, never
 * allocate. */

/**
 * Quote notional of price x quantity for an instrument, at CX_NOTIONAL_EXP, including the
 * contract multiplier: notional = price * qty * multiplier (Gate USDT futures: contracts x
 * quanto_multiplier base per contract; Gate APIv4 "Contract" docs, and docs/exchanges.md 3.5:
 * "Base quantity = |size| x quanto_multiplier"). Computed in 128 bits with overflow checks.
 * @param inst      borrowed; price_exp, qty_exp, multiplier and multiplier_exp are used. A zero
 *                  multiplier means 1 (so zeroed instruments work); a negative one is CX_EINVAL.
 * @param price_m   price at inst->price_exp (any sign; the product's sign is kept).
 * @param qty_m     quantity at inst->qty_exp (any sign).
 * @param rounding  0: exact or CX_EPRECISION; 1: round half away from zero. Rounding happens
 *                  only when price_exp + qty_exp + multiplier_exp < CX_NOTIONAL_EXP.
 * @param out       written only on success.
 * @return 0; CX_EPRECISION (rounding 0, not representable at 1e-8); CX_EOVERFLOW (the result
 *         exceeds int64 or an intermediate exceeds 128 bits); CX_EINVAL (NULL, rounding not
 *         0/1, negative multiplier).
 * Thread-safe, never allocates, O(1).
 * Examples:
 *  - Binance spot BTCUSDT (-8/-8): 61837.63 (6183763000000) x 0.00100 (100000) = 61.83763 USDT
 *    = 6183763000 @ -8 (exact: the 1e-16 product has eight trailing zeros here).
 *  - Binance USD-M BTCUSDT (-2/-3): 61800.20 (6180020) x 0.010 (10) = 618.002 USDT
 *    = 61800200000 @ -8.
 *  - Gate BTC_USDT futures (-1/0, multiplier 1 @ -4 = 0.0001 BTC per contract): 61800.2
 *    (618002) x 25 contracts = 0.0025 BTC x 61800.2 = 154.5005 USDT = 15450050000 @ -8.
 */
int cx_notional(const struct cx_instrument *inst, int64_t price_m, int64_t qty_m, int rounding,
                int64_t *out);

/**
 * Fee for a notional at a rate in ppb, at CX_NOTIONAL_EXP: fee = notional * rate_ppb / 10^9,
 * rounded half away from zero (venues round fees to their own asset precision; 1e-8 quote is
 * finer than any of them). The sign follows notional x rate: a negative (maker rebate) rate on
 * a positive notional gives a negative fee, i.e. money received.
 * Source: fee = notional x fee rate (Binance fee schedules https://www.binance.com/en/fee/
 * schedule and /en/fee/futureFee, as in data/instruments/binance.yaml; Gate APIv4 Contract
 * maker_fee_rate / taker_fee_rate, negative = rebate). Not re-checked online (the build
 * environment has no network; checked against the bundled metadata, 2025).
 * @param notional  quote @ CX_NOTIONAL_EXP, any sign.
 * @param rate_ppb  parts per billion (0.05 % = 500000); |rate| <= 10^9 never overflows, larger
 *                  rates saturate to +-INT64_MAX (there is no error channel).
 * Thread-safe, never allocates, O(1).
 * Examples:
 *  - 61.83763 USDT at 0.1 % (1000000 ppb) = 0.06183763 USDT = 6183763 @ -8.
 *  - Binance USD-M taker: 618.002 USDT (61800200000) at 0.05 % = 0.309001 USDT (30900100).
 *  - Gate BTC_USDT taker: 154.5005 USDT at 0.075 % (750000) = 0.115875375 -> 0.11587538 USDT
 *    (11587538, the half rounded away from zero); maker -0.01 % (-100000) = -0.01545005 USDT
 *    (-1545005: a rebate).
 */
int64_t cx_fee(int64_t notional, int64_t rate_ppb);

/**
 * Apply a fill to a position by the average-cost rule above (the position half of
 * cx_oms_apply_fill, for positions kept outside an OMS, e.g. one strategy's own positions in a
 * run with several). The fill value is cx_notional(price, qty, rounding 1).
 * @param inst  borrowed, the fill's instrument (exponents, multiplier).
 * @param pos   in/out; changed only on success.
 * @param fill  borrowed; side, price_m, qty_m and fee are used.
 * @return 0; CX_EINVAL (NULL, qty <= 0, price <= 0, bad side, another instrument);
 *         CX_EOVERFLOW; CX_ENOTSUP (inverse perp).
 * Thread-safe for distinct positions, never allocates, O(1).
 */
int cx_position_apply_fill(const struct cx_instrument *inst, struct cx_position *pos,
                           const struct cx_fill *fill);

/* ---------------------------------------------------------------------------------------------
 * MARK: accounts (balances and margin; used by the simulated venue and by the OMS)
 * ------------------------------------------------------------------------------------------- */

/* Threads: an account has one owner thread (the engine thread, for the runtime's account mirror
 * and the simulated venue's accounts); the cx_account_* calls on it are not thread-safe and
 * nothing locks. cx_account_order_hold reads no account and is pure (thread-safe, any thread).
 * Never block, never allocate. */

#define CX_ACCOUNT_MAX_ASSETS 16
#define CX_ACCOUNT_MAX_PERPS 16

/** One asset balance, at CX_NOTIONAL_EXP (1e-8 units of the asset). */
struct cx_balance {
    char asset[16];  /* "BTC", "USDT" (NUL-terminated, at most 15 bytes) */
    int64_t total;   /* total balance (may go negative if a caller settles unchecked fills) */
    int64_t locked;  /* reserved by open orders (spot) or order margin (perps); managed by the
                        caller (cx_account_lock/unlock); free = total - locked */
};

/** A perpetual position with its margin, in the settle (quote) currency. */
struct cx_perp_pos {
    uint32_t inst_id;      /* instrument */
    int64_t qty_m;         /* signed position at qty_exp (contracts for Gate, base for Binance) */
    int64_t entry_price_m; /* average entry price at price_exp (0 when flat): cost / (|qty| x
                              multiplier) rounded half away from zero on increases, unchanged on
                              reductions, the fill price after a flip */
    int64_t cost;          /* |entry notional| of the open position, quote @ NOTIONAL_EXP (the
                              exact basis; entry_price_m is derived from it) */
    int64_t realized_pnl;  /* realized PnL, quote @ NOTIONAL_EXP (before fees/funding) */
};

/**
 * A venue account: spot balances per asset, and perps as signed positions with entry price
 * against one margin (wallet) balance in the settle asset with a leverage.
 * Margin used = ceil(sum |position notional at entry| / leverage) (no maintenance-margin
 * liquidation model, unrealized PnL is not counted as margin, and all perps of an account
 * share the wallet of the traded instrument's quote asset: documented simplifications).
 * Zero-initialise, then fill balances with cx_account_balance. Not thread-safe: one owner.
 */
struct cx_account {
    char name[16];                                   /* account name, unique per run ("main",
                                                        "buy"); NUL-terminated; may be empty
                                                        where only one account per venue exists */
    uint8_t venue;                                   /* enum cx_venue */
    uint32_t leverage;                               /* perps: leverage (>= 1; 0 means 1) */
    uint32_t n_balances;                             /* entries used */
    struct cx_balance balances[CX_ACCOUNT_MAX_ASSETS];
    uint32_t n_perps;                                /* entries used */
    struct cx_perp_pos perps[CX_ACCOUNT_MAX_PERPS];
};

/**
 * Balance entry of an asset (created at 0 when absent).
 * @param asset  borrowed NUL-terminated name, 1..15 bytes.
 * @return the entry (valid as long as the account; entries never move), or NULL when the
 *         table is full, the name is empty or too long, or acct is NULL.
 * Never allocates; O(CX_ACCOUNT_MAX_ASSETS).
 */
struct cx_balance *cx_account_balance(struct cx_account *acct, const char *asset);

/** Perp position entry of an instrument (created flat when absent; NULL when full or acct is
 * NULL). Valid as long as the account. Never allocates; O(CX_ACCOUNT_MAX_PERPS). */
struct cx_perp_pos *cx_account_perp(struct cx_account *acct, uint32_t inst_id);

/**
 * Reserve `amount` of an asset for an open order: locked += amount when free >= amount.
 * @param amount  asset @ CX_NOTIONAL_EXP, >= 0.
 * @return 0; CX_ERANGE (free < amount, nothing changed); CX_EINVAL (NULL, bad name, amount <
 *         0); CX_ENOSPC (no entry and the table is full).
 */
int cx_account_lock(struct cx_account *acct, const char *asset, int64_t amount);

/**
 * Release a reservation: locked -= amount.
 * @return 0; CX_ERANGE (locked < amount, nothing changed); CX_EINVAL (NULL, bad name,
 *         amount < 0).
 */
int cx_account_unlock(struct cx_account *acct, const char *asset, int64_t amount);

/**
 * What a spot order must have free (and what a venue reserves while it rests): a buy needs
 * the quote notional at price_m plus the fee at fee_rate_ppb (a negative fee, a rebate, counts
 * as 0); a sell needs the base quantity (qty x multiplier at CX_NOTIONAL_EXP, exact).
 * @param out_asset   set to inst->quote or inst->base (borrowed from inst).
 * @param out_amount  asset @ CX_NOTIONAL_EXP.
 * @return 0; CX_EPRECISION (a sell quantity with more than 8 decimals: no balance can hold
 *         it); CX_EOVERFLOW; CX_EINVAL (not spot, qty <= 0, price <= 0, bad side, NULL).
 * Example (Binance spot, 0.1 %): buy 0.00100 BTC at 61837.63 holds 61.83763 + 0.06183763 =
 * 61.89946763 USDT.
 */
int cx_account_order_hold(const struct cx_instrument *inst, const struct cx_order_req *req,
                          int64_t price_m, int64_t fee_rate_ppb, const char **out_asset,
                          int64_t *out_amount);

/** Margin used by the account's perps: ceil(sum |cost| / leverage), quote @ NOTIONAL_EXP. */
int64_t cx_account_margin_used(const struct cx_account *acct);

/**
 * Check an order against the account before it rests or executes.
 *  - spot buy: free quote >= notional + fee (cx_account_order_hold); spot sell: free base >=
 *    qty. A quantity that has more than 8 decimals as a base amount cannot be held in a 1e-8
 *    balance and is CX_REJ_INVALID (Gate spot's qty_exp is -10, but its lots are coarser).
 *  - linear perps: a pure reduction (opposite side, qty <= |position|) always passes; an
 *    order that opens or increases needs free margin >= ceil(opened notional / leverage) +
 *    fee, where free margin = wallet total - wallet locked - margin used by the account's
 *    perps at entry (a flip releases the closed position's margin first). Reduce-only orders
 *    may neither increase |position| nor flip it (CX_REJ_REDUCE_ONLY). The fee counts only
 *    when positive. The opened notional is rounded up.
 * @param acct, inst, req  borrowed. req->inst_id must equal inst->id.
 * @param price_m  price used for the check (limit price, or the walk's worst price for market).
 * @param fee_rate_ppb  fee rate to reserve (the taker rate unless the order can only make).
 * @return CX_REJ_NONE or CX_REJ_BALANCE / CX_REJ_MARGIN / CX_REJ_REDUCE_ONLY; CX_REJ_INVALID
 *         for NULL arguments, a mismatched instrument, qty <= 0, price <= 0, a bad side or
 *         flag, reduce-only on spot, inverse perps, or a quantity no balance can hold.
 * Never allocates; O(CX_ACCOUNT_MAX_ASSETS + CX_ACCOUNT_MAX_PERPS).
 * Example (Binance USD-M, leverage 10, wallet 1000 USDT, flat): buy 0.100 BTC at 61800.20
 * needs 6180.02 / 10 + 0.05 % fee 3.09001 = 621.09201 USDT -> NONE; 0.200 BTC needs
 * 1242.18402 -> CX_REJ_MARGIN.
 */
enum cx_reject cx_account_check(const struct cx_account *acct, const struct cx_instrument *inst,
                                const struct cx_order_req *req, int64_t price_m,
                                int64_t fee_rate_ppb);

/**
 * Apply a fill to the account (balances are not checked: run cx_account_check first).
 *  - spot buy: base += qty, quote -= notional + fee; sell: base -= qty, quote += notional -
 *    fee (the fee is fill->fee, in the quote asset; notional is cx_notional rounding 1).
 *  - linear perps: position, cost and realized PnL by the average-cost rule of struct
 *    cx_position (average entry on increase; realized PnL on decrease, entry kept; a flip
 *    closes at the fill price and re-enters at it), and wallet += realized - fee.
 * Example (Binance USD-M, 0.05 % taker): buy 0.010 BTC at 61800.20 -> notional 618.002 USDT,
 * fee 0.309001 USDT: position +0.010, entry 61800.20, cost 618.002, wallet -0.309001. Then
 * buy 0.030 at 61900.00 -> cost 2475.002, entry 61875.05; sell 0.020 at 62000.00 -> removes
 * 1237.501 of cost, realizes +2.499 USDT, entry stays 61875.05.
 * @return 0; CX_ENOSPC (asset/perp table full); CX_EOVERFLOW; CX_EPRECISION (spot quantity
 *         with more than 8 decimals as a base amount); CX_EINVAL (NULL, fill of another
 *         instrument, qty <= 0, price <= 0, bad side); CX_ENOTSUP (inverse perp). On error the
 *         account is unchanged (an empty entry may have been created).
 * Never allocates; O(CX_ACCOUNT_MAX_ASSETS + CX_ACCOUNT_MAX_PERPS).
 */
int cx_account_apply_fill(struct cx_account *acct, const struct cx_instrument *inst,
                          const struct cx_fill *fill);

/**
 * Settle one funding payment of a linear perp into the wallet.
 * Source: "Funding Amount = Nominal Value of Positions x Funding Rate", nominal value = mark
 * price x position size; a positive rate means longs pay shorts (Binance support FAQ
 * "Introduction to Binance Futures Funding Rates"; Gate applies the same rule to size x
 * quanto_multiplier). Not re-checked online (no network in the build environment, 2025).
 * amount = -cx_fee(cx_notional(mark, signed qty, rounding 1), rate): two roundings half away
 * from zero at 1e-8 (the first is exact at the usual exponents).
 * @param mark_price_m  mark price at price_exp (> 0).
 * @param rate_ppb      funding rate of the interval in ppb (0.01 % = 100000).
 * @param out_amount    optional: the amount added to the wallet (received > 0, paid < 0; 0
 *                      when flat, and then no entry is created).
 * @return 0; CX_EINVAL (NULL, not a linear perp, mark <= 0); CX_ENOSPC; CX_EOVERFLOW.
 * Example: long 0.010 BTC, mark 61800.20, rate 0.01 % -> pays 0.0618002 USDT (-6180020).
 */
int cx_account_apply_funding(struct cx_account *acct, const struct cx_instrument *inst,
                             int64_t mark_price_m, int64_t rate_ppb, int64_t *out_amount);

/* ---------------------------------------------------------------------------------------------
 * MARK: order management
 * ------------------------------------------------------------------------------------------- */

/* Threads: an OMS has one owner thread (the engine thread); every cx_oms_* call on it, the const
 * queries included, is made there: not thread-safe, nothing locks. cx_oms_transition_allowed,
 * cx_ord_status_is_final and the name functions are pure (thread-safe, any thread). Never block;
 * only cx_oms_new allocates. */

struct cx_oms; /* opaque */

/**
 * Create an OMS: an order table of cfg->max_orders entries (never grown), a client-id hash
 * index of the next power of two >= 2 x capacity slots, and one position per instrument in
 * cfg->reg at this moment.
 * @param out  written only on success; free with cx_oms_free.
 * @param cfg  borrowed; cfg->reg is retained.
 * @return 0; CX_EINVAL (NULL, no registry, max_orders > 2^30); CX_ENOMEM.
 * Allocates (calloc) about 120 bytes per order slot plus 72 per instrument; configuration time.
 */
int cx_oms_new(struct cx_oms **out, const struct cx_oms_cfg *cfg);

/** Free an OMS and every order (pointers from it die). NULL is a no-op. */
void cx_oms_free(struct cx_oms *oms);

/**
 * Record a new order in PENDING_NEW.
 * @param req  copied; a 0 client_id gets the next free engine id (1, 2, 3, ... skipping ids
 *             already in use), written back to req->client_id on success only.
 * @param now_ns  engine time (created_ns, updated_ns).
 * @param out  the order (valid until cx_oms_free; the table never moves entries).
 * @return 0; CX_EEXIST (client id in use); CX_ENOSPC (table full: orders are never removed);
 *         CX_EINVAL (unknown instrument, bad side/type/tif/flags, qty <= 0, limit price <= 0,
 *         market post-only, reduce-only on spot); CX_ENOTSUP (inverse perp).
 * Never allocates; O(1) expected.
 */
int cx_oms_submit(struct cx_oms *oms, struct cx_order_req *req, int64_t now_ns,
                  struct cx_order **out);

/** Order by client id, or NULL (also for 0). Valid until cx_oms_free. O(1) expected. */
struct cx_order *cx_oms_order(const struct cx_oms *oms, uint64_t client_id);

/**
 * Move an order to a new status (ack, reject, cancel request, canceled, expired, refused
 * cancel). Fill-driven statuses (PARTIALLY_FILLED, FILLED, and the PF -> PF / PC -> PC fills)
 * change only through cx_oms_apply_fill, so status and filled quantity always agree.
 * A refused cancel is PENDING_CANCEL -> NEW (or -> PARTIALLY_FILLED, the same request): the
 * order returns to NEW when nothing is filled and to PARTIALLY_FILLED otherwise, and `reject`
 * is stored in o->reject. The first move to a status that says the venue took the order
 * (anything but REJECTED and PENDING_CANCEL, from PENDING_NEW or from a PENDING_CANCEL that was
 * never acked) sets acked_ns; a cancel request before the ack does not.
 * @param o       an order of this OMS.
 * @param reject  reason stored for REJECTED and for a refused cancel (ignored otherwise).
 * @param now_ns  engine time (updated_ns, acked_ns).
 * @return 0; CX_ESTATE when the lifecycle does not allow it (order unchanged); CX_EINVAL
 *         (NULL, foreign order, bad enum, or an allowed but fill-driven target).
 * Never allocates; O(1).
 */
int cx_oms_set_status(struct cx_oms *oms, struct cx_order *o, enum cx_ord_status to,
                      enum cx_reject reject, int64_t now_ns);

/**
 * Apply an execution: order filled quantity, notional, fee and status (PARTIALLY_FILLED or
 * FILLED; an order in PENDING_CANCEL stays there until fully filled), and the instrument's
 * position (signed quantity, cost basis, realized PnL on reductions, fees, volume; see struct
 * cx_position). The fill value is cx_notional(price, qty, rounding 1). A fill on a
 * PENDING_NEW order is also its ack (acked_ns = fill->local_ts_ns). venue_order_id is taken
 * from the fill when the order has none. updated_ns = fill->local_ts_ns.
 * @param fill  borrowed; fee in quote @ CX_NOTIONAL_EXP as the venue charged it.
 * @return 0; CX_ERANGE when the fill exceeds the order's remaining quantity; CX_ESTATE when the
 *         order is final; CX_EINVAL for a fill of another instrument/side/client id, qty <= 0,
 *         price <= 0, or a foreign order; CX_EOVERFLOW. On error nothing changes.
 * Never allocates; O(1).
 */
int cx_oms_apply_fill(struct cx_oms *oms, struct cx_order *o, const struct cx_fill *fill);

/** Add a funding payment (received > 0, paid < 0, quote @ NOTIONAL_EXP) to an instrument's
 * position. @return 0; CX_EINVAL (unknown instrument); CX_EOVERFLOW. */
int cx_oms_apply_funding(struct cx_oms *oms, uint32_t inst_id, int64_t amount);

/** Position of an instrument (a zeroed, shared position if unknown). Valid until cx_oms_free. */
const struct cx_position *cx_oms_position(const struct cx_oms *oms, uint32_t inst_id);

/**
 * Unrealized PnL of an instrument's open position marked at `mark_price_m`, at
 * CX_NOTIONAL_EXP: cx_notional(mark, qty_m, rounding 1) - cost (the mark value is rounded
 * half away from zero; the subtraction is exact). So for every mark, exactly:
 *   realized_pnl + unrealized == (sum of sold values - sum of bought values) + mark value.
 * @return the PnL; 0 when flat or the instrument is unknown; saturates at +-INT64_MAX for
 *         marks whose value does not fit int64.
 */
int64_t cx_oms_unrealized(const struct cx_oms *oms, uint32_t inst_id, int64_t mark_price_m);

/**
 * Average entry price of the open position: |cost| / (|qty| x multiplier) at price_exp,
 * rounded half away from zero (0 when flat).
 * @return 0 and *out_price_m; CX_EINVAL (NULL, unknown instrument); CX_EOVERFLOW.
 * Example: buy 2 @ 100 and 1 @ 130 -> 110.
 */
int cx_oms_entry_price(const struct cx_oms *oms, uint32_t inst_id, int64_t *out_price_m);

/**
 * Open (non-final) orders, optionally of one instrument (UINT32_MAX = all), in submission order.
 * @param out  out[0..cap) receives borrowed pointers (valid until cx_oms_free).
 * @return the number written to out[0..cap) (stops at cap).
 * Never allocates; O(open orders).
 */
uint32_t cx_oms_open_orders(const struct cx_oms *oms, uint32_t inst_id,
                            const struct cx_order **out, uint32_t cap);

/** Visit every order ever submitted, in submission order (for orders.csv). `fn` must not
 * submit orders. O(orders). */
void cx_oms_foreach(const struct cx_oms *oms, void (*fn)(const struct cx_order *o, void *arg),
                    void *arg);

/** Whether the lifecycle allows from -> to (table above; false for out-of-range values). */
bool cx_oms_transition_allowed(enum cx_ord_status from, enum cx_ord_status to);

/** Whether a status is final (FILLED, CANCELED, REJECTED, EXPIRED). */
bool cx_ord_status_is_final(enum cx_ord_status s);

/** Lower-case names ("partially_filled", "min_notional", "post_only"); "unknown" when out of
 * range. Static strings, never NULL. */
const char *cx_ord_status_name(enum cx_ord_status s);
const char *cx_reject_name(enum cx_reject r);
const char *cx_tif_name(enum cx_tif t);

#ifdef __cplusplus
}
#endif
#endif /* CEXARB_OMS_H */
