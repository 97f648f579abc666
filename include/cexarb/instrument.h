/* SPDX-License-Identifier: MIT */
/*
 * Instrument registry (core module): what can be traded where, and at what precision.
 *
 * An instrument is identified by (venue, native symbol) and interned to a small integer id at
 * load time; the hot path only sees ids. Each instrument carries two kinds of precision:
 *  - representation exponents (price_exp, qty_exp): every price and quantity of this instrument
 *    inside the engine is an int64 mantissa at these exponents. They are at least as fine as the
 *    tick and lot, and fine enough for everything the venue publishes (book quantities can carry
 *    more decimals than the order lot: Binance spot BTCUSDT still shows 0.000001-sized resting
 *    quantities from before its lot became 0.00001; Gate spot books carry up to 10 decimals).
 *  - order rules (tick, lot, min_qty, min_notional) expressed at those exponents.
 * Fees are rates in parts per billion (ppb: 1 bps = 100000 ppb); negative maker fees are rebates.
 */
#ifndef CEXARB_INSTRUMENT_H
#define CEXARB_INSTRUMENT_H

#include "cexarb/core.h"

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Venues: one id per exchange market endpoint (spot and derivatives are separate venues). */
enum cx_venue {
    CX_VENUE_UNKNOWN = 0,
    CX_VENUE_BINANCE_SPOT,
    CX_VENUE_BINANCE_USDM,
    CX_VENUE_GATE_SPOT,
    CX_VENUE_GATE_FUTURES, /* Gate.io USDT-settled perpetuals */
    CX_VENUE_MEXC_SPOT,
    CX_VENUE_HYPERLIQUID,
    CX_VENUE_COUNT
};

/** Instrument kinds. */
enum cx_inst_kind {
    CX_KIND_SPOT = 0,
    CX_KIND_LINEAR_PERP,  /* quote-margined perpetual (USDT) */
    CX_KIND_INVERSE_PERP, /* base-margined perpetual */
};

/** Quote notional values (min_notional, notional limits) are mantissas at this exponent. */
#define CX_NOTIONAL_EXP (-8)

/** Instrument flags. */
#define CX_INST_F_INFERRED 0x1u /* exponents inferred from recorded data, not from metadata */
#define CX_INST_F_REFINED 0x2u  /* exponents made finer than the metadata's to fit the data */

struct cx_instrument {
    uint32_t id;              /* registry index, assigned by cx_registry_add */
    uint8_t venue;            /* enum cx_venue */
    uint8_t kind;             /* enum cx_inst_kind */
    int8_t price_exp;         /* price = mantissa * 10^price_exp (quote currency per base unit,
                                 or per contract price for derivatives) */
    int8_t qty_exp;           /* quantity = mantissa * 10^qty_exp (base units for spot,
                                 contracts for Gate futures, base units for Binance/HL perps) */
    uint32_t flags;           /* CX_INST_F_* */
    char symbol[32];          /* venue-native symbol, e.g. "BTCUSDT", "BTC_USDT", "BTC" */
    char base[16];            /* base asset, e.g. "BTC" */
    char quote[16];           /* quote / settle asset, e.g. "USDT" */
    int64_t tick;             /* price tick at price_exp; 0 = unknown */
    int64_t lot;              /* order quantity step at qty_exp; 0 = unknown */
    int64_t min_qty;          /* minimum order quantity at qty_exp; 0 = none */
    int64_t min_notional;     /* minimum order notional in quote at CX_NOTIONAL_EXP; 0 = none */
    int64_t multiplier;       /* base units per quantity unit (contract size) mantissa */
    int8_t multiplier_exp;    /* exponent of multiplier: base per contract = m * 10^exp */
    int64_t maker_fee_ppb;    /* maker fee rate, parts per billion; negative = rebate */
    int64_t taker_fee_ppb;    /* taker fee rate, parts per billion */
};

/** The registry: a growable array of instruments plus an open-addressing index on
 * (venue, symbol). Owned by the caller; set up with cx_registry_init, torn down with _fini. */
struct cx_registry {
    struct cx_instrument *items; /* items[0..count) by id */
    uint32_t count;              /* instruments held */
    uint32_t cap;                /* allocated items */
    uint32_t *index;             /* hash slots: id + 1, 0 = empty */
    uint32_t index_cap;          /* power of two */
};

/* ---------------------------------------------------------------------------------------------
 * MARK: names
 * ------------------------------------------------------------------------------------------- */

/* Threads: pure functions over static tables (no mutable state): thread-safe, may be called from
 * any thread; never block, never allocate. */

/** Venue name used in files and output ("binance_spot", "gate_futures", ...). Never NULL. */
const char *cx_venue_name(enum cx_venue venue);

/**
 * Parse a venue name as printed by cx_venue_name.
 * @return 0 and *out set; CX_EINVAL for an unknown name.
 */
int cx_venue_parse(const char *name, size_t n, enum cx_venue *out);

/** Kind name ("spot", "linear_perp", "inverse_perp"). Never NULL. */
const char *cx_inst_kind_name(enum cx_inst_kind kind);

/* ---------------------------------------------------------------------------------------------
 * MARK: registry
 * ------------------------------------------------------------------------------------------- */

/* Threads: the registry is built at start-up on one thread and is read-only afterwards. Nothing
 * locks: while anything changes it (cx_registry_add, _refine, the loaders, cx_md_prescan, fee
 * overrides), no other thread may touch it, since growing moves items and the index. Once it has
 * stopped changing, cx_registry_find and cx_registry_get only read and may be called from any
 * number of threads at once. Distinct registries are independent. Never blocks. */

/**
 * Set up an empty registry.
 * @param reg  caller storage.
 * @param cap_hint  expected instruments (the registry grows at load time if needed).
 * @return 0 or CX_ENOMEM. Allocates the item array and index.
 */
int cx_registry_init(struct cx_registry *reg, uint32_t cap_hint);

/** Free what cx_registry_init and the loaders allocated. Safe on a zeroed registry. */
void cx_registry_fini(struct cx_registry *reg);

/**
 * Add an instrument (copied). Its `id` field is ignored and assigned.
 * @return 0 and *out_id (may be NULL); CX_EEXIST when (venue, symbol) is present; CX_EINVAL
 *         for an empty symbol or exponents outside CX_DEC_EXP_MIN..MAX; CX_ENOMEM.
 * Allocates when growing (configuration time only). O(1) amortised.
 */
int cx_registry_add(struct cx_registry *reg, const struct cx_instrument *inst, uint32_t *out_id);

/**
 * Look up by venue and native symbol.
 * @param sym  borrowed bytes, `n` long (not NUL-terminated).
 * @return the instrument (valid until the registry is modified or freed) or NULL.
 * Never allocates; O(1) expected.
 */
const struct cx_instrument *cx_registry_find(const struct cx_registry *reg, enum cx_venue venue,
                                             const char *sym, size_t n);

/** Instrument by id, or NULL when out of range. Lives as long as the registry is unchanged. */
const struct cx_instrument *cx_registry_get(const struct cx_registry *reg, uint32_t id);

/**
 * Make an instrument's representation exponents finer (never coarser), rescaling its tick,
 * lot and min_qty exactly, and set CX_INST_F_REFINED. Used when recorded data carries more
 * decimals than the metadata promises.
 * @return 0; CX_EINVAL for an unknown id; CX_EOVERFLOW if rescaling overflows.
 */
int cx_registry_refine(struct cx_registry *reg, uint32_t id, int price_exp, int qty_exp);

/* ---------------------------------------------------------------------------------------------
 * MARK: loaders
 * ------------------------------------------------------------------------------------------- */

/* Threads: a loader changes the registry, so it runs under the registry's rule above (start-up,
 * one thread, no concurrent readers). Loads into distinct registries are independent, with one
 * exception: the Gate and MEXC loaders parse JSON with cJSON, which records its last parse error
 * in a process-wide global, so they must not run concurrently with another cJSON parse (as in
 * store.h and report.h); the YAML loader uses libyaml through cx_conf and shares nothing.
 * Blocking: they read the whole file. They allocate (file buffer, parse tree, registry growth). */

/**
 * Load instruments from the cexarb YAML instruments file (see data/instruments/binance.yaml and
 * docs/instruments.md for the schema). Every price-like field is a decimal string.
 * @param path  borrowed file path.
 * @param err   optional; on failure names the file, line and key.
 * @return 0; CX_ENOENT (missing file); CX_EPARSE (not YAML / schema mismatch); CX_ECONFIG (a
 *         value out of range, e.g. a tick finer than price_exp); CX_EEXIST; CX_ENOMEM.
 */
int cx_registry_load_yaml(struct cx_registry *reg, const char *path, struct cx_parse_err *err);

/**
 * Load Gate.io spot pairs from a `GET /api/v4/spot/currency_pairs` reply: either a plain JSON
 * file (data/instruments/gate.spot.*.json) or a cryptofeed REST capture line
 * (`<url> -> <ts>: [...]`, data/gateio-cryptofeed/GATEIO.0). Pairs already present are kept.
 * Mapping (Gate APIv4 docs, CurrencyPair): tick = 10^-precision, lot = 10^-amount_precision,
 * min_qty = min_base_amount, min_notional = min_quote_amount, fee = "fee" percent (maker =
 * taker). price_exp = -precision; qty_exp = -max(amount_precision, 10), because Gate books and
 * trades publish amounts with up to 10 decimals (seen in GATEIO.ws.1.0).
 * @return 0 and *out_loaded (may be NULL) = instruments added; CX_ENOENT; CX_EPARSE; CX_ENOMEM.
 */
int cx_registry_load_gate_spot(struct cx_registry *reg, const char *path, uint32_t *out_loaded,
                               struct cx_parse_err *err);

/**
 * Load Gate.io USDT perpetual contracts from `GET /api/v4/futures/usdt/contracts` (plain JSON
 * or a cryptofeed REST capture line). Quantities are integer contracts (qty_exp 0, lot 1,
 * min_qty = order_size_min); multiplier = quanto_multiplier base units per contract; tick =
 * order_price_round; fees from maker_fee_rate / taker_fee_rate.
 * @return as cx_registry_load_gate_spot.
 */
int cx_registry_load_gate_futures(struct cx_registry *reg, const char *path,
                                  uint32_t *out_loaded, struct cx_parse_err *err);

/**
 * Load MEXC spot symbols from the v2 `market/symbols` list (data/instruments/mxc.spot.*.json):
 * price_scale and quantity_scale decimal places, min_amount (quote), maker/taker fee rates.
 * @return as cx_registry_load_gate_spot.
 */
int cx_registry_load_mexc_spot(struct cx_registry *reg, const char *path, uint32_t *out_loaded,
                               struct cx_parse_err *err);

#ifdef __cplusplus
}
#endif
#endif /* CEXARB_INSTRUMENT_H */
