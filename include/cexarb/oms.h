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
 * Money: positions are exact. Cash and PnL are int64 mantissas in the quote currency at
 * CX_NOTIONAL_EXP (1e-8 quote units). price_m * qty_m products are computed in 128 bits and
 * rescaled to CX_NOTIONAL_EXP; where that needs rounding (fees always, notional only when
 * price_exp + qty_exp < -8) it rounds half away from zero and says so in the function doc.
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
    CX_REJ_COUNT
};

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
    uint8_t pad;              /* zero */
    int64_t price_m;          /* execution price at price_exp */
    int64_t qty_m;            /* executed quantity at qty_exp */
    int64_t fee;              /* fee in quote at CX_NOTIONAL_EXP; negative = rebate received */
    int64_t exch_ts_ns;       /* time of the execution at the venue */
    int64_t local_ts_ns;      /* time the strategy learned of it */
    int64_t latency_ns;       /* local_ts_ns - order creation time (send to fill report) */
};

/** Position and account state of one instrument. */
struct cx_position {
    uint32_t inst_id;          /* instrument */
    int64_t qty_m;             /* signed position at qty_exp (spot: base inventory change) */
    int64_t cost;              /* signed cost basis of the open position, quote @ NOTIONAL_EXP */
    int64_t realized_pnl;      /* closed-trade PnL before fees, quote @ NOTIONAL_EXP */
    int64_t fees;              /* fees paid (negative = rebates received), quote @ NOTIONAL_EXP */
    int64_t funding;           /* funding received (negative = paid), quote @ NOTIONAL_EXP */
    int64_t volume;            /* traded notional, quote @ NOTIONAL_EXP */
    uint64_t fills;            /* fills applied */
    int64_t max_abs_qty_m;     /* largest |qty_m| seen */
};

/** Ids and capacities. */
struct cx_oms_cfg {
    const struct cx_registry *reg; /* retained: instruments (exponents, multipliers) */
    uint32_t max_orders;           /* order table capacity (live + finished kept); 0 = 65536 */
};

/* ---------------------------------------------------------------------------------------------
 * MARK: money helpers
 * ------------------------------------------------------------------------------------------- */

/**
 * Quote notional of price x quantity for an instrument, at CX_NOTIONAL_EXP, including the
 * contract multiplier: notional = price * qty * multiplier (Gate USDT futures: contracts x
 * quanto_multiplier base per contract; Gate APIv4 "Contract" docs). Computed in 128 bits.
 * @param rounding  0: exact or CX_EPRECISION; 1: round half away from zero.
 * @return 0 and *out; CX_EPRECISION (rounding 0, not representable); CX_EOVERFLOW.
 * Example: BTCUSDT spot price 61837.63 (6183763000000 @ -8) x qty 0.00100 (100000 @ -8)
 * = 61.83763 USDT = 6183763000 @ -8.
 */
int cx_notional(const struct cx_instrument *inst, int64_t price_m, int64_t qty_m, int rounding,
                int64_t *out);

/**
 * Fee for a notional at a rate in ppb, at CX_NOTIONAL_EXP, rounded half away from zero
 * (venues round fees to their own asset precision; 1e-8 quote is finer than any of them).
 * Example: 61.83763 USDT at 0.1 % (1000000 ppb) = 0.06183763 USDT = 6183763 @ -8.
 */
int64_t cx_fee(int64_t notional, int64_t rate_ppb);

/* ---------------------------------------------------------------------------------------------
 * MARK: accounts (balances and margin; used by the simulated venue and by the OMS)
 * ------------------------------------------------------------------------------------------- */

#define CX_ACCOUNT_MAX_ASSETS 16
#define CX_ACCOUNT_MAX_PERPS 16

/** One asset balance, at CX_NOTIONAL_EXP (1e-8 units of the asset). */
struct cx_balance {
    char asset[16];  /* "BTC", "USDT" */
    int64_t total;   /* total balance */
    int64_t locked;  /* reserved by open orders (spot) */
};

/** A perpetual position with its margin, in the settle (quote) currency. */
struct cx_perp_pos {
    uint32_t inst_id;      /* instrument */
    int64_t qty_m;         /* signed position at qty_exp (contracts for Gate, base for Binance) */
    int64_t entry_price_m; /* average entry price at price_exp (0 when flat) */
    int64_t cost;          /* |entry notional| of the open position, quote @ NOTIONAL_EXP */
    int64_t realized_pnl;  /* realized PnL, quote @ NOTIONAL_EXP (before fees/funding) */
};

/**
 * A venue account: spot balances per asset, and perps as signed positions with entry price
 * against one margin (wallet) balance in the settle asset with a leverage.
 * Margin used = sum |position notional at entry| / leverage (isolated per account, no
 * maintenance-margin liquidation model; documented simplification).
 */
struct cx_account {
    uint8_t venue;                                   /* enum cx_venue */
    uint32_t leverage;                               /* perps: leverage (>= 1) */
    uint32_t n_balances;                             /* entries used */
    struct cx_balance balances[CX_ACCOUNT_MAX_ASSETS];
    uint32_t n_perps;                                /* entries used */
    struct cx_perp_pos perps[CX_ACCOUNT_MAX_PERPS];
};

/** Balance entry of an asset (created at 0 when absent; NULL when the table is full). */
struct cx_balance *cx_account_balance(struct cx_account *acct, const char *asset);

/** Perp position entry of an instrument (created flat when absent; NULL when full). */
struct cx_perp_pos *cx_account_perp(struct cx_account *acct, uint32_t inst_id);

/**
 * Check an order against the account before it rests or executes: spot buy needs free quote
 * >= price*qty (+ taker fee), spot sell needs free base >= qty; perps need free margin for the
 * position increase at the account leverage; reduce-only must not increase |position|.
 * @param price_m  price used for the check (limit price, or the walk's worst price for market).
 * @return CX_REJ_NONE or CX_REJ_BALANCE / CX_REJ_MARGIN / CX_REJ_REDUCE_ONLY.
 */
enum cx_reject cx_account_check(const struct cx_account *acct, const struct cx_instrument *inst,
                                const struct cx_order_req *req, int64_t price_m,
                                int64_t fee_rate_ppb);

/**
 * Apply a fill to the account: spot moves base and quote (fee in quote), perps update position,
 * entry price (average on increase; realized PnL on decrease, entry kept; flip re-enters at the
 * fill price) and the wallet (fee, realized PnL).
 * @return 0; CX_ENOSPC (asset/perp table full); CX_EOVERFLOW.
 */
int cx_account_apply_fill(struct cx_account *acct, const struct cx_instrument *inst,
                          const struct cx_fill *fill);

/* ---------------------------------------------------------------------------------------------
 * MARK: order management
 * ------------------------------------------------------------------------------------------- */

struct cx_oms; /* opaque */

/** Create an OMS. @return 0; CX_EINVAL (no registry); CX_ENOMEM. Allocates the order table. */
int cx_oms_new(struct cx_oms **out, const struct cx_oms_cfg *cfg);
void cx_oms_free(struct cx_oms *oms);

/**
 * Record a new order in PENDING_NEW.
 * @param req  copied; a 0 client_id gets the next free id (written back).
 * @param out  the order (valid until cx_oms_free; the table never moves entries).
 * @return 0; CX_EEXIST (client id in use); CX_ENOSPC (table full); CX_EINVAL (unknown
 *         instrument, qty <= 0, limit price <= 0, bad enums).
 */
int cx_oms_submit(struct cx_oms *oms, struct cx_order_req *req, int64_t now_ns,
                  struct cx_order **out);

/** Order by client id, or NULL. O(1) expected. */
struct cx_order *cx_oms_order(const struct cx_oms *oms, uint64_t client_id);

/**
 * Move an order to a new status (ack, reject, cancel request, canceled, expired).
 * @param reject  reason for REJECTED (ignored otherwise).
 * @return 0; CX_ESTATE when the lifecycle does not allow it (order unchanged).
 */
int cx_oms_set_status(struct cx_oms *oms, struct cx_order *o, enum cx_ord_status to,
                      enum cx_reject reject, int64_t now_ns);

/**
 * Apply an execution: order filled quantity, notional, fee and status (PARTIALLY_FILLED or
 * FILLED; an order in PENDING_CANCEL stays there until fully filled), and the instrument's
 * position (signed quantity, cost basis, realized PnL on reductions, fees, volume).
 * @return 0; CX_ERANGE when the fill exceeds the order's remaining quantity; CX_ESTATE when the
 *         order is final; CX_EINVAL for a fill of another instrument/side.
 */
int cx_oms_apply_fill(struct cx_oms *oms, struct cx_order *o, const struct cx_fill *fill);

/** Add a funding payment (received > 0, paid < 0) to an instrument's position. */
int cx_oms_apply_funding(struct cx_oms *oms, uint32_t inst_id, int64_t amount);

/** Position of an instrument (a zeroed position if none). Valid until cx_oms_free. */
const struct cx_position *cx_oms_position(const struct cx_oms *oms, uint32_t inst_id);

/**
 * Unrealized PnL of an instrument's open position marked at `mark_price_m`, at
 * CX_NOTIONAL_EXP (rounded half away from zero).
 */
int64_t cx_oms_unrealized(const struct cx_oms *oms, uint32_t inst_id, int64_t mark_price_m);

/**
 * Open (non-final) orders, optionally of one instrument (UINT32_MAX = all), in submission order.
 * @return the number written to out[0..cap).
 */
uint32_t cx_oms_open_orders(const struct cx_oms *oms, uint32_t inst_id,
                            const struct cx_order **out, uint32_t cap);

/** Visit every order ever submitted, in submission order (for orders.csv). */
void cx_oms_foreach(const struct cx_oms *oms, void (*fn)(const struct cx_order *o, void *arg),
                    void *arg);

/** Whether the lifecycle allows from -> to (table above). */
bool cx_oms_transition_allowed(enum cx_ord_status from, enum cx_ord_status to);

const char *cx_ord_status_name(enum cx_ord_status s);
const char *cx_reject_name(enum cx_reject r);
const char *cx_tif_name(enum cx_tif t);

#ifdef __cplusplus
}
#endif
#endif /* CEXARB_OMS_H */
