/* SPDX-License-Identifier: MIT */
/*
 * risk: the pre-trade risk gate every order passes before it leaves the runtime, and the
 * maker_hedge strategy's market-condition guards, built on the signal analyzer.
 *
 *  - Pre-trade gate (cx_risk_gate): venue filters (tick, lot, minimum quantity and notional
 *    from the instrument metadata), maximum order notional, maximum |position| per instrument,
 *    maximum |net exposure| per base asset across venues, maximum open orders and an order
 *    rate, all from the run configuration and shared by every strategy of the run. A refusal
 *    is a reject reason CX_REJ_RISK_* (oms.h), delivered as a REJECTED order update.
 *
 *  - Circuit breaker: five named triggers evaluated on a cx_signal_stats. When one fires the
 *    breaker goes ARMED -> TRIPPED, records the trigger and the time, reports "cancel all quotes"
 *    to the caller (CX_RISK_ACT_CANCEL_ALL) and refuses quoting for `cooldown_ns`; the first check
 *    at or after tripped_at_ns + cooldown_ns returns it to ARMED (CX_RISK_ACT_RESUMED, counted).
 *  - Dynamic quote offset: base ticks x volatility x regime x liquidity x emergency multipliers,
 *    rounded half up and bounded to [1, max_offset_ticks]; target prices as int64 mantissas.
 *  - Naked-exposure budget: the integral of |unhedged base quantity| over time, exact in
 *    qty-mantissa x ns (128-bit), against a budget; used by the hedge executor.
 *
 * Definitions that differ from the original strategy's formulas (VOLATILITY_SPIKE compares the
 * annualised spot volatility with its threshold instead of the spot/perp volatility ratio;
 * EMERGENCY_SPIKE also needs a minimum absolute move) are explained in docs/config/maker_hedge.md.
 *
 * Threads: every object here belongs to one thread (the engine thread); nothing locks. Only
 * cx_risk_gate_new allocates; the breaker, offset and exposure functions are O(1).
 */
#ifndef CEXARB_RISK_H
#define CEXARB_RISK_H

#include "cexarb/core.h"
#include "cexarb/instrument.h"
#include "cexarb/oms.h"
#include "cexarb/signal.h"

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------------
 * MARK: circuit breaker
 * ------------------------------------------------------------------------------------------- */

/* Threads: a breaker has one owner thread (the engine thread of the strategy that holds it);
 * cx_risk_breaker_init, _check, _reset and _is_quoting_allowed act on it and are not thread-safe.
 * The cfg functions, cx_risk_breaker_eval and the name functions are pure (thread-safe, any
 * thread). Never block, never allocate. */

/** Breaker triggers. Values are also bit positions in trigger masks (1u << trigger). */
enum cx_risk_trigger {
    CX_RISK_TRIG_NONE = 0,
    CX_RISK_TRIG_VOLATILITY_SPIKE = 1,       /* spot_vol_ann > volatility_threshold, or
                                                vol_ratio > vol_ratio_max */
    CX_RISK_TRIG_CORRELATION_BREAKDOWN = 2,  /* corr < correlation_min */
    CX_RISK_TRIG_VOLUME_DROUGHT = 3,         /* volume_ratio < volume_ratio_min */
    CX_RISK_TRIG_BASIS_INSTABILITY = 4,      /* basis_vol > basis_vol_max */
    CX_RISK_TRIG_EMERGENCY_SPIKE = 5,        /* spike_intensity > emergency_intensity and
                                                spike_max_abs_return > emergency_min_return */
    CX_RISK_TRIG_COUNT
};

/** Breaker states. */
enum cx_risk_breaker_state {
    CX_RISK_BRK_ARMED = 0,   /* evaluating triggers; quoting allowed */
    CX_RISK_BRK_TRIPPED = 1, /* cooling down; quoting refused */
};

/** Action flags returned by cx_risk_breaker_check. */
#define CX_RISK_ACT_CANCEL_ALL 0x1u /* the breaker tripped on this check: cancel every quote */
#define CX_RISK_ACT_RESUMED 0x2u    /* the cooldown ended on this check: quoting may resume
                                       (both flags together: resumed and tripped again) */

/**
 * Breaker parameters (keys `breaker.<field>` in docs/config/maker_hedge.md). Comparisons are
 * strict: a value exactly at its threshold does not trigger.
 */
struct cx_risk_breaker_cfg {
    double volatility_threshold; /* VOLATILITY_SPIKE when spot_vol_ann exceeds it: annualised
                                    std of spot simple returns, fraction per sqrt(year)
                                    (2.0 = 200 %), (0, 100], default 2.0 */
    double vol_ratio_max;        /* VOLATILITY_SPIKE when spot_vol / perp_vol exceeds it,
                                    [1, 1000], default 3.0 */
    double correlation_min;      /* CORRELATION_BREAKDOWN below it, [-1, 1], default 0.6 */
    double volume_ratio_min;     /* VOLUME_DROUGHT below it, [0, 1], default 0.5 */
    double basis_vol_max;        /* BASIS_INSTABILITY above it: std of (perp - spot) / spot,
                                    fraction of the spot price, (0, 1], default 0.001 */
    double emergency_intensity;  /* EMERGENCY_SPIKE needs spike_intensity (max |r| / sigma)
                                    above it, [1, 1000], default 3.0 */
    double emergency_min_return; /* ... and that max |r| above it (fraction per sample),
                                    [0, 1], default 0.005 (0.5 %) */
    int64_t cooldown_ns;         /* TRIPPED -> ARMED after this long, ns, [0, 86400 s],
                                    default 300 s */
    uint32_t enabled_mask;       /* triggers evaluated: OR of (1u << trigger); default all five
                                    (CX_RISK_TRIG_ALL); bits outside CX_RISK_TRIG_ALL invalid */
};

/** All five triggers as an enabled_mask. */
#define CX_RISK_TRIG_ALL                                                                       \
    ((1u << CX_RISK_TRIG_VOLATILITY_SPIKE) | (1u << CX_RISK_TRIG_CORRELATION_BREAKDOWN) |      \
     (1u << CX_RISK_TRIG_VOLUME_DROUGHT) | (1u << CX_RISK_TRIG_BASIS_INSTABILITY) |            \
     (1u << CX_RISK_TRIG_EMERGENCY_SPIKE))

/** A circuit breaker (caller storage; no allocation, so no fini). Fields are read-only. */
struct cx_risk_breaker {
    struct cx_risk_breaker_cfg cfg;                /* validated copy */
    enum cx_risk_breaker_state state;              /* ARMED or TRIPPED */
    enum cx_risk_trigger trigger;                  /* trigger of the latest trip (NONE before) */
    uint32_t trigger_mask;                         /* every trigger that held at that trip */
    int64_t tripped_at_ns;                         /* time of the latest trip, ns (0 before) */
    int64_t resume_at_ns;                          /* tripped_at_ns + cooldown_ns (saturated) */
    int64_t last_check_ns;                         /* now_ns of the latest check, ns (INT64_MIN
                                                      before the first) */
    uint64_t checks;                               /* successful cx_risk_breaker_check calls */
    uint64_t trips;                                /* ARMED -> TRIPPED transitions */
    uint64_t resumes;                              /* TRIPPED -> ARMED after the cooldown */
    uint64_t trigger_count[CX_RISK_TRIG_COUNT];    /* per trigger: trips at which it held */
};

/**
 * Fill `cfg` with the defaults listed on each field.
 * @param cfg  out, must not be NULL. Thread-safe, never allocates, O(1).
 */
void cx_risk_breaker_cfg_default(struct cx_risk_breaker_cfg *cfg);

/**
 * Check every field of `cfg` against its allowed range.
 * @param cfg  borrowed, must not be NULL.
 * @param err  optional out (may be NULL): on failure code = CX_ECONFIG, msg = a static string
 *             naming the key and its range ("breaker.correlation_min must be in [-1, 1]"),
 *             detail = the key ("breaker.correlation_min").
 * @return 0; CX_ECONFIG for the first field out of range (NaN is out of every range);
 *         CX_EINVAL when cfg is NULL. Thread-safe, never allocates, O(1).
 */
int cx_risk_breaker_cfg_validate(const struct cx_risk_breaker_cfg *cfg,
                                 struct cx_parse_err *err);

/**
 * Set up a breaker in ARMED state with zero counters.
 * @param brk  out storage owned by the caller.
 * @param cfg  borrowed and copied; NULL means the defaults.
 * @param err  optional CX_ECONFIG report (see cx_risk_breaker_cfg_validate).
 * @return 0; CX_ECONFIG (brk untouched); CX_EINVAL (brk NULL). Never allocates.
 */
int cx_risk_breaker_init(struct cx_risk_breaker *brk, const struct cx_risk_breaker_cfg *cfg,
                         struct cx_parse_err *err);

/**
 * Which enabled triggers hold for `st` (stateless: no cooldown, no counting).
 * @param cfg  borrowed, validated. @param st  borrowed analyzer output.
 * @return a mask of (1u << trigger); 0 when st->is_ready is false (neutral defaults never
 *         trigger anyway). Thread-safe, never allocates, O(1).
 */
uint32_t cx_risk_breaker_eval(const struct cx_risk_breaker_cfg *cfg,
                              const struct cx_signal_stats *st);

/**
 * Advance the breaker to `now_ns` and evaluate `st`:
 *  1. TRIPPED and now_ns >= resume_at_ns: back to ARMED, resumes++, CX_RISK_ACT_RESUMED.
 *  2. ARMED: mask = cx_risk_breaker_eval; when non-zero, trip: state TRIPPED, trigger = the
 *     highest-priority trigger in the mask (EMERGENCY_SPIKE, VOLATILITY_SPIKE,
 *     CORRELATION_BREAKDOWN, BASIS_INSTABILITY, VOLUME_DROUGHT), trigger_mask = mask,
 *     tripped_at_ns = now_ns, resume_at_ns = now_ns + cooldown_ns, trips++, trigger_count[t]++
 *     for every t in the mask, CX_RISK_ACT_CANCEL_ALL.
 *  While TRIPPED and cooling down, triggers are not evaluated or counted.
 * @param brk     an initialised breaker.
 * @param st      borrowed statistics of the latest sample.
 * @param now_ns  engine time, ns; must not be before the previous check's.
 * @param out_actions  out: CX_RISK_ACT_* flags of this check (0 when nothing happened).
 * @return 0; CX_ETIME (now_ns went backwards; nothing changes); CX_EINVAL (NULL).
 * Thread: the breaker's owner. Never allocates. O(1).
 * @code
 *   uint32_t act;
 *   cx_risk_breaker_check(&brk, cx_signal_get_stats(&sig), now_ns, &act);
 *   if (act & CX_RISK_ACT_CANCEL_ALL) cancel_all_quotes();
 *   if (cx_risk_breaker_is_quoting_allowed(&brk)) requote();
 * @endcode
 */
int cx_risk_breaker_check(struct cx_risk_breaker *brk, const struct cx_signal_stats *st,
                          int64_t now_ns, uint32_t *out_actions);

/** True when the breaker is ARMED (as of its latest check). O(1). */
bool cx_risk_breaker_is_quoting_allowed(const struct cx_risk_breaker *brk);

/** Back to ARMED with zero counters and no trigger, keeping the configuration. O(1). */
void cx_risk_breaker_reset(struct cx_risk_breaker *brk);

/** "NONE", "VOLATILITY_SPIKE", "CORRELATION_BREAKDOWN", "VOLUME_DROUGHT", "BASIS_INSTABILITY",
 * "EMERGENCY_SPIKE"; "?" for an unknown value. Static, never NULL. */
const char *cx_risk_trigger_name(enum cx_risk_trigger trigger);

/** "ARMED", "TRIPPED"; "?" for an unknown value. Static, never NULL. */
const char *cx_risk_breaker_state_name(enum cx_risk_breaker_state state);

/* ---------------------------------------------------------------------------------------------
 * MARK: dynamic quote offset
 * ------------------------------------------------------------------------------------------- */

/* Threads: pure functions (the cfg ones write only the cfg they are given): thread-safe, may be
 * called from any thread. Never block, never allocate. */

/** Offset parameters (keys `offset.<field>`). */
struct cx_risk_offset_cfg {
    int32_t base_offset_ticks; /* ticks from the touch before multipliers, [1, 1000], default 2 */
    int32_t max_offset_ticks;  /* upper bound of the result, [base_offset_ticks, 10000],
                                  default 15 */
    double vol_ratio_high;     /* vol_ratio above this -> vol_high_mult, (0, 100], default 1.2 */
    double vol_ratio_low;      /* vol_ratio below this -> vol_low_mult, (0, vol_ratio_high],
                                  default 0.8 */
    double vol_high_mult;      /* (0, 10], default 1.5 */
    double vol_low_mult;       /* (0, 10], default 0.8 */
    double emergency_mult;     /* applied while stats.has_spike, (0, 10], default 1.3 */
};

/**
 * Fill `cfg` with the defaults listed on each field. @param cfg  out, must not be NULL.
 */
void cx_risk_offset_cfg_default(struct cx_risk_offset_cfg *cfg);

/**
 * Check every field of `cfg` against its allowed range.
 * @param err  optional: CX_ECONFIG report with key and range ("offset.max_offset_ticks must be
 *             in [offset.base_offset_ticks, 10000]"), detail = the key.
 * @return 0; CX_ECONFIG; CX_EINVAL when cfg is NULL. Thread-safe, never allocates, O(1).
 */
int cx_risk_offset_cfg_validate(const struct cx_risk_offset_cfg *cfg, struct cx_parse_err *err);

/**
 * Quote offset in ticks for the current market:
 *   raw = base_offset_ticks x m_vol x st->regime_mult x st->liquidity_mult x m_emergency
 * with m_vol = vol_high_mult when st->vol_ratio > vol_ratio_high, vol_low_mult when
 * st->vol_ratio < vol_ratio_low, else 1; m_emergency = emergency_mult when st->has_spike, else 1.
 * The result is raw rounded half up (floor(raw + 0.5 + 1e-9): the 1e-9 makes products that are
 * exactly n + 0.5 in decimal but land an ulp below in binary, such as 2 x 1.75, round up), then
 * bounded to [1, max_offset_ticks]. NaN multipliers count as 1.
 * @param cfg  borrowed, validated. @param st  borrowed (the neutral defaults give base ticks).
 * @param out_raw_ticks  optional (may be NULL): raw before rounding and bounds.
 * @return the offset in ticks, 1..max_offset_ticks. Pure: thread-safe, never allocates, O(1).
 * Example: base 2, vol_ratio 1.3 (x1.5), TRENDING (x1.5), ULTRA_LOW (x1.5), spike (x1.3):
 *   raw = 2 x 1.5 x 1.5 x 1.5 x 1.3 = 8.775 -> 9 ticks.
 */
int32_t cx_risk_offset_ticks(const struct cx_risk_offset_cfg *cfg,
                             const struct cx_signal_stats *st, double *out_raw_ticks);

/**
 * Target quote prices: buy = best_bid - offset x tick, sell = best_ask + offset x tick, exact in
 * int64 mantissas (on the tick grid when the best prices are).
 * @param best_bid_m, best_ask_m  touch prices at the instrument's price_exp, 0 < bid < ask.
 * @param tick_m        tick size at the same exponent, > 0.
 * @param offset_ticks  >= 0 (normally from cx_risk_offset_ticks).
 * @param out_buy_m, out_sell_m  written only on success.
 * @return 0; CX_EINVAL (NULL, tick <= 0, offset < 0, bid <= 0); CX_ECROSSED (bid >= ask);
 *         CX_ERANGE (the buy price would be <= 0); CX_EOVERFLOW (offset x tick or the sell price
 *         overflows int64). Pure: thread-safe, never allocates, O(1).
 * Example: bid 6183763, ask 6183764 (price_exp -2), tick 1, offset 3 -> buy 6183760, sell 6183767.
 */
int cx_risk_quote_prices(int64_t best_bid_m, int64_t best_ask_m, int64_t tick_m,
                         int32_t offset_ticks, int64_t *out_buy_m, int64_t *out_sell_m);

/* ---------------------------------------------------------------------------------------------
 * MARK: naked-exposure budget
 * ------------------------------------------------------------------------------------------- */

/* Threads: an exposure has one owner thread (the engine thread); init, advance, set and add write
 * it and are not thread-safe; ns_left and used only read it and belong on the owner thread too
 * (nothing publishes the struct to other threads). Never block, never allocate. */

/**
 * Integral of |unhedged base quantity| over time for the hedge executor (design.md section 4,
 * "Hedging is write-ahead"). The unhedged quantity is piecewise constant between updates; the
 * integral accumulates |qty_m| x dt exactly in unsigned 128-bit qty-mantissa x ns (saturating).
 * An episode starts when the quantity leaves 0 and ends when it returns to 0; the budget applies
 * per episode. is_exceeded is set while the current episode's integral is above the budget and
 * cleared when the episode ends. Fields are read-only.
 */
struct cx_risk_exposure {
    unsigned __int128 budget_qty_m_ns;  /* budget, qty mantissa x ns */
    unsigned __int128 episode_qty_m_ns; /* integral of the current (or last) episode */
    unsigned __int128 total_qty_m_ns;   /* integral since init, all episodes */
    int64_t qty_m;                      /* signed unhedged quantity now, qty mantissa */
    int64_t last_ns;                    /* time the integral is computed up to, ns */
    int64_t episode_start_ns;           /* start of the current (or last) episode, ns */
    int64_t exceeded_at_ns;             /* first time the current episode exceeded, ns (0 if not) */
    bool is_exceeded;                   /* current episode integral > budget */
    uint64_t episodes;                  /* episodes started */
    uint64_t exceeded_episodes;         /* episodes that exceeded the budget */
};

/**
 * Set up a budget of `budget_qty_m` held for `budget_ns` (e.g. 0.01 BTC for 5 s at qty_exp -8:
 * budget_qty_m = 1000000, budget_ns = 5 s), flat at `now_ns`.
 * @param exposure  out storage owned by the caller.
 * @return 0; CX_EINVAL (NULL, budget_qty_m <= 0 or budget_ns <= 0). Never allocates, O(1).
 */
int cx_risk_exposure_init(struct cx_risk_exposure *exposure, int64_t budget_qty_m,
                          int64_t budget_ns, int64_t now_ns);

/**
 * Integrate the current quantity up to `now_ns` (no quantity change).
 * @return 0; CX_ETIME (now_ns < last_ns; nothing changes); CX_EINVAL (NULL). O(1).
 */
int cx_risk_exposure_advance(struct cx_risk_exposure *exposure, int64_t now_ns);

/**
 * Integrate up to `now_ns`, then set the unhedged quantity to `qty_m` (signed: + long, - short).
 * Going 0 -> non-zero starts an episode (episode integral 0, episodes++); non-zero -> 0 ends it
 * (is_exceeded cleared; the episode integral stays readable until the next episode).
 * @return 0; CX_ETIME (nothing changes); CX_EINVAL (NULL; qty_m == INT64_MIN). O(1).
 */
int cx_risk_exposure_set(struct cx_risk_exposure *exposure, int64_t now_ns, int64_t qty_m);

/**
 * cx_risk_exposure_set(exposure, now_ns, qty_m + delta_qty_m): a maker fill adds its signed
 * quantity, a hedge fill subtracts its own.
 * @return as cx_risk_exposure_set, plus CX_EOVERFLOW when the sum overflows (nothing changes).
 */
int cx_risk_exposure_add(struct cx_risk_exposure *exposure, int64_t now_ns,
                         int64_t delta_qty_m);

/**
 * Time left at the current quantity before the episode integral exceeds the budget, counted from
 * last_ns: the smallest dt with episode + |qty_m| x dt > budget.
 * @return dt in ns (>= 1); 0 when already exceeded; INT64_MAX when flat (or when dt does not fit).
 * Pure, O(1). The hedge executor arms its escalation timer at last_ns + the result.
 */
int64_t cx_risk_exposure_ns_left(const struct cx_risk_exposure *exposure);

/** Integral of the current (or, when flat, the last) episode as a fraction of the budget (> 1:
 * exceeded; 0 before the first episode). Pure, O(1). */
double cx_risk_exposure_used(const struct cx_risk_exposure *exposure);

/* ---------------------------------------------------------------------------------------------
 * MARK: pre-trade risk gate
 * ------------------------------------------------------------------------------------------- */

/* Threads: a gate has one owner thread (the engine thread: the runtime checks every strategy's
 * orders there); no call is thread-safe, cx_risk_gate_check included (it counts refusals), and
 * nothing locks. Never block; only cx_risk_gate_new allocates. */

#define CX_RISK_MAX_INST_LIMITS 64  /* per-instrument position limits in one run */
#define CX_RISK_MAX_ASSET_LIMITS 32 /* per-asset exposure limits in one run */

/** |position| limit of one instrument, in its base asset. */
struct cx_risk_inst_limit {
    uint8_t venue;               /* enum cx_venue */
    char symbol[32];             /* venue-native symbol, NUL-terminated */
    int64_t max_abs_base;        /* base asset units @ CX_NOTIONAL_EXP (1e-8), > 0 */
};

/** |net exposure| limit of one asset over every instrument with that base, on every venue. */
struct cx_risk_asset_limit {
    char asset[16];              /* base asset ("BTC"), NUL-terminated */
    int64_t max_abs_base;        /* asset units @ CX_NOTIONAL_EXP (1e-8), > 0 */
};

/**
 * The run's pre-trade limits. Zero-initialised = only the venue filters are checked. Each
 * limit is documented with its key in docs/config/run.md.
 */
struct cx_risk_limits {
    bool skip_filters;           /* true: do not check tick, lot, minimum quantity and minimum
                                    notional (leave them to the venue) */
    int64_t max_order_notional;  /* quote @ CX_NOTIONAL_EXP per order (price x qty x
                                    multiplier at the limit price, or at the reference price
                                    for market orders); 0 = no limit */
    uint32_t max_open_orders;    /* open orders of the whole run (sent, not final); 0 = none */
    uint32_t max_orders_per_window; /* orders sent per order_window_ns, sliding; 0 = none */
    int64_t order_window_ns;     /* the rate window, ns; 0 = 1 s */
    uint32_t n_inst;             /* entries in inst */
    struct cx_risk_inst_limit inst[CX_RISK_MAX_INST_LIMITS];
    uint32_t n_asset;            /* entries in asset */
    struct cx_risk_asset_limit asset[CX_RISK_MAX_ASSET_LIMITS];
};

struct cx_risk_gate; /* opaque */

/**
 * Create a gate for a run. Instrument limits are resolved against reg here.
 * @param lim  borrowed (copied).
 * @param reg  retained until cx_risk_gate_free; instruments added later have no state and are
 *             refused (CX_REJ_INVALID from the check).
 * @param err  optional: names the offending limit ("risk.max_position[1]") on failure.
 * @return 0 and *out; CX_EINVAL (NULL, counts over capacity, a limit <= 0, a negative window);
 *         CX_ESYMBOL (an instrument limit for a symbol the registry does not hold); CX_ENOMEM.
 * Allocates the per-instrument state (reg->count entries), the rate window
 * (max_orders_per_window timestamps) and the asset index; configuration time only.
 */
int cx_risk_gate_new(struct cx_risk_gate **out, const struct cx_risk_limits *lim,
                     const struct cx_registry *reg, struct cx_parse_err *err);

/** Free a gate (NULL is a no-op). */
void cx_risk_gate_free(struct cx_risk_gate *g);

/**
 * Check one order before it is sent; only the refusal counters change.
 * Order of checks (the first failing one is reported): instrument known and request well
 * formed (CX_REJ_INVALID); filters unless skipped: limit price a multiple of the tick
 * (RISK_TICK), quantity a multiple of the lot (RISK_LOT), quantity >= minimum (RISK_MIN_QTY),
 * notional >= minimum (RISK_MIN_NOTIONAL; reduce-only perp orders are exempt, as Binance USD-M
 * exempts them: error -4164 "... unless you choose reduce only"; market orders are judged at
 * ref_price_m and skipped when it is 0); notional <= max_order_notional (RISK_MAX_NOTIONAL);
 * open orders < max_open_orders (RISK_MAX_OPEN_ORDERS); orders in the window <
 * max_orders_per_window (RISK_ORDER_RATE); worst-case |position| of the instrument after the
 * order (position + every open order on the order's side + this order) <= its limit
 * (RISK_MAX_POSITION); the same for the net exposure to the base asset summed over every
 * instrument with that base, in base units (RISK_MAX_ASSET). An order that reduces the current
 * exposure (|position after| <= |position now|, for the instrument or for the asset's net) always
 * passes these two checks, whatever rests: a hedge or a close is never blocked by a position
 * limit. An order on the other side passes when its worst case stays within the limit.
 * Positions are what this gate saw filled in the run (cx_risk_gate_on_fill) plus what
 * cx_risk_gate_set_position seeded; for spot that is the inventory change, not the balance
 * held before the run.
 * @param req  borrowed, complete request.
 * @param ref_price_m  price used for the notional of a market order (the opposite touch), at
 *             price_exp; 0 when unknown (notional checks then skip the order).
 * @return CX_REJ_NONE or the reason.
 * Never allocates; O(instruments of the asset) for an asset limit, O(1) otherwise.
 */
enum cx_reject cx_risk_gate_check(struct cx_risk_gate *g, const struct cx_order_req *req,
                                  int64_t ref_price_m, int64_t now_ns);

/** An order passed the check and was sent at now_ns: counts it in the rate window and the open
 * orders, and its quantity as open on its side. */
void cx_risk_gate_on_sent(struct cx_risk_gate *g, const struct cx_order_req *req, int64_t now_ns);

/** A fill of a sent order: the position moves and the open quantity on its side shrinks
 * (never below zero: a fill of an order the gate did not see, e.g. from before a restart,
 * only moves the position). */
void cx_risk_gate_on_fill(struct cx_risk_gate *g, const struct cx_fill *fill);

/** A sent order became final with leaves_qty_m unfilled (0 when filled): releases it. */
void cx_risk_gate_on_final(struct cx_risk_gate *g, const struct cx_order_req *req,
                           int64_t leaves_qty_m);

/** Seed an instrument's position (at its qty_exp), e.g. from the venue at start-up.
 * @return 0; CX_EINVAL for an unknown instrument. */
int cx_risk_gate_set_position(struct cx_risk_gate *g, uint32_t inst_id, int64_t qty_m);

/** Orders refused so far, by reason (index enum cx_reject; [0] unused). Valid until free. */
const uint64_t *cx_risk_gate_refusals(const struct cx_risk_gate *g);

#ifdef __cplusplus
}
#endif
#endif /* CEXARB_RISK_H */
