/* SPDX-License-Identifier: MIT */
/*
 * Instrument loaders for venue REST metadata in JSON: Gate.io spot currency pairs, Gate.io USDT
 * perpetual contracts and MEXC spot symbols (v2). This is cold path (startup): each file is read
 * whole and parsed with cJSON. Every decimal field is converted exactly with cx_dec_parse, never
 * through a double; a JSON number (instead of a string) is first turned back into its shortest
 * round-trip text, which reproduces the literal for up to 15 significant digits.
 *
 * Input is either a plain JSON array file or a cryptofeed REST capture, whose lines look like
 * `<url> -> <epoch s>: [json array]` (the first line whose text after ": " starts with '[' is
 * used). Entries that lack a required field, or whose values do not fit the engine's
 * representation (for example an exponent beyond CX_DEC_EXP_MIN), are skipped and counted,
 * never fatal; a file that is not a JSON array is CX_EPARSE. Pairs already in the registry are
 * kept as they are. Loaders must not run on two threads at once: cJSON records its last parse
 * error in a process-wide variable (and the registry has a single writer anyway).
 */
#include "cexarb/instrument.h"
#include "core_int.h"

#include <cjson/cJSON.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Fee rates are parts per billion: a fraction parses at 10^-9, a percent at 10^-7. */
#define FEE_FRACTION_EXP (-9)
#define FEE_PERCENT_EXP (-7)
/* Gate spot books and trades publish amounts with up to 10 decimals (GATEIO.ws.1.0 holds
 * "0.0000000001"-step amounts for OMG_USDT, DIS_USDT, BTC_USDC), so quantities are represented
 * at least this finely whatever the pair's amount_precision. */
#define GATE_SPOT_QTY_DECIMALS_MIN 10
/* Largest accepted input file; the biggest bundled one is 1.4 MB. */
#define JSON_FILE_MAX_BYTES (256u << 20)

/* ---------------------------------------------------------------------------------------------
 * MARK: file reading
 * ------------------------------------------------------------------------------------------- */

/* ---------------------------------------------------------------------------------------------
 * MARK: JSON field helpers
 * ------------------------------------------------------------------------------------------- */

/* Text of a string or number field. Numbers are printed as the shortest "%.*g" text that reads
 * back as the same double, which is the original literal whenever it had at most 15 significant
 * digits. Returns 0, CX_EMISSING (absent or null) or CX_ETYPE. */
static int json_text(const cJSON *item, char *buf, size_t cap, const char **out_s, size_t *out_n)
{
    if (item == NULL || cJSON_IsNull(item))
        return CX_EMISSING;
    if (cJSON_IsString(item)) {
        *out_s = item->valuestring;
        *out_n = strlen(item->valuestring);
        return 0;
    }
    if (!cJSON_IsNumber(item) || !isfinite(item->valuedouble))
        return CX_ETYPE;
    for (int prec = 1; prec <= 17; prec++) {
        int n = snprintf(buf, cap, "%.*g", prec, item->valuedouble);
        if (n <= 0 || (size_t)n >= cap)
            return CX_ETYPE;
        if (strtod(buf, NULL) == item->valuedouble) {
            *out_s = buf;
            *out_n = (size_t)n;
            return 0;
        }
    }
    return CX_ETYPE;
}

/* Decimal field parsed exactly at `exp`. Returns 0, CX_EMISSING, CX_ETYPE or a cx_dec_parse
 * error (CX_EPARSE, CX_EPRECISION, CX_EOVERFLOW). */
static int json_dec(const cJSON *obj, const char *key, int exp, int64_t *out)
{
    char num[40];
    const char *s;
    size_t n;
    int rc = json_text(cJSON_GetObjectItemCaseSensitive(obj, key), num, sizeof num, &s, &n);
    if (rc != 0)
        return rc;
    return cx_dec_parse(s, n, exp, out);
}

/* Decimal field parsed at its own precision: *out_exp = -(significant decimals), so "0.05"
 * gives 5 at -2 and "10" gives 10 at 0. */
static int json_dec_own_exp(const cJSON *obj, const char *key, int64_t *out, int *out_exp)
{
    char num[40];
    const char *s;
    size_t n;
    int decimals;
    int rc = json_text(cJSON_GetObjectItemCaseSensitive(obj, key), num, sizeof num, &s, &n);
    if (rc == 0)
        rc = cx_dec_decimals(s, n, &decimals, NULL);
    if (rc != 0)
        return rc;
    if (decimals > -CX_DEC_EXP_MIN)
        return CX_EPRECISION;
    rc = cx_dec_parse(s, n, -decimals, out);
    if (rc == 0)
        *out_exp = -decimals;
    return rc;
}

/* Integer field (JSON number or decimal string) within [lo, hi]. */
static int json_int(const cJSON *obj, const char *key, int lo, int hi, int *out)
{
    int64_t v;
    int rc = json_dec(obj, key, 0, &v);
    if (rc != 0)
        return rc;
    if (v < lo || v > hi)
        return CX_ERANGE;
    *out = (int)v;
    return 0;
}

/* Copies a non-empty string that fits dst (with its NUL); false otherwise. */
static bool copy_str(char *dst, size_t cap, const char *s, size_t n)
{
    if (n == 0 || n >= cap)
        return false;
    memcpy(dst, s, n);
    dst[n] = '\0';
    return true;
}

/* Copies a string field into dst; false when missing, not a string, empty or too long. */
static bool json_str(const cJSON *obj, const char *key, char *dst, size_t cap)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!cJSON_IsString(it))
        return false;
    return copy_str(dst, cap, it->valuestring, strlen(it->valuestring));
}

/* Splits "BASE_QUOTE" at its last '_' into the instrument's base and quote. */
static bool split_symbol(struct cx_instrument *inst)
{
    const char *us = strrchr(inst->symbol, '_');
    if (us == NULL)
        return false;
    return copy_str(inst->base, sizeof inst->base, inst->symbol, (size_t)(us - inst->symbol)) &&
           copy_str(inst->quote, sizeof inst->quote, us + 1, strlen(us + 1));
}

/* ---------------------------------------------------------------------------------------------
 * MARK: venue mappings
 * ------------------------------------------------------------------------------------------- */

/* Maps one element to an instrument; returns NULL on success or a static reason to skip it. */
typedef const char *(*entry_map_fn)(const cJSON *obj, struct cx_instrument *out);

/*
 * Gate.io spot, GET /api/v4/spot/currency_pairs, CurrencyPair model
 * (https://www.gate.io/docs/developers/apiv4/en/#list-all-currency-pairs-supported; field
 * meanings from the generated gateapi-go model_currency_pair.go; layout matches the
 * 2025-05-08 and 2021-04-22 captures):
 *   id "BTC_USDT", base, quote      required
 *   precision (int)                 price decimals: tick = 10^-precision, price_exp = -precision
 *   amount_precision (int)          amount decimals: lot = 10^-amount_precision
 *   min_base_amount (opt. string)   min_qty; absent or null means no limit
 *   min_quote_amount (opt. string)  min_notional in quote
 *   fee (string)                    trading fee in PERCENT, one rate for maker and taker:
 *                                   "0.2" = 0.2 % = 0.002 = 2,000,000 ppb
 * qty_exp = -max(amount_precision, 10): see GATE_SPOT_QTY_DECIMALS_MIN.
 */
static const char *gate_spot_map(const cJSON *obj, struct cx_instrument *out)
{
    int price_dec, amount_dec;
    if (!json_str(obj, "id", out->symbol, sizeof out->symbol))
        return "id missing or too long";
    if (!json_str(obj, "base", out->base, sizeof out->base) ||
        !json_str(obj, "quote", out->quote, sizeof out->quote))
        return "base/quote missing or too long";
    if (json_int(obj, "precision", 0, -CX_DEC_EXP_MIN, &price_dec) != 0)
        return "precision missing or out of range";
    if (json_int(obj, "amount_precision", 0, -CX_DEC_EXP_MIN, &amount_dec) != 0)
        return "amount_precision missing or out of range";
    int qty_dec = amount_dec > GATE_SPOT_QTY_DECIMALS_MIN ? amount_dec : GATE_SPOT_QTY_DECIMALS_MIN;
    out->venue = CX_VENUE_GATE_SPOT;
    out->kind = CX_KIND_SPOT;
    out->price_exp = (int8_t)-price_dec;
    out->qty_exp = (int8_t)-qty_dec;
    out->tick = 1;
    out->lot = cx_pow10_i64(qty_dec - amount_dec);
    out->multiplier = 1;
    out->multiplier_exp = 0;
    int rc = json_dec(obj, "min_base_amount", out->qty_exp, &out->min_qty);
    if (rc == CX_EMISSING)
        out->min_qty = 0;
    else if (rc != 0)
        return "min_base_amount not representable at qty_exp";
    rc = json_dec(obj, "min_quote_amount", CX_NOTIONAL_EXP, &out->min_notional);
    if (rc == CX_EMISSING)
        out->min_notional = 0;
    else if (rc != 0)
        return "min_quote_amount not representable at CX_NOTIONAL_EXP";
    int64_t fee_ppb;
    if (json_dec(obj, "fee", FEE_PERCENT_EXP, &fee_ppb) != 0)
        return "fee missing or not a percent with at most 7 decimals";
    out->maker_fee_ppb = fee_ppb;
    out->taker_fee_ppb = fee_ppb;
    return NULL;
}

/*
 * Gate.io USDT perpetuals, GET /api/v4/futures/usdt/contracts, Contract model
 * (https://www.gate.io/docs/developers/apiv4/en/#list-all-futures-contracts):
 *   name "BTC_USDT"                 required; base/quote split at the last '_'
 *   order_price_round (string)      price tick: "0.1" -> tick 1 at price_exp -1, "0.05" -> 5 at -2
 *   quanto_multiplier (string)      base units per contract: "0.0001" -> 1 at exp -4
 *   order_size_min (int)            min_qty in contracts (optional)
 *   maker_fee_rate, taker_fee_rate  fractions, negative = rebate: "-0.0001" -> -100,000 ppb
 * Sizes are signed integer contract counts on Gate futures, so qty_exp = 0 and lot = 1.
 */
static const char *gate_futures_map(const cJSON *obj, struct cx_instrument *out)
{
    int price_exp, mult_exp;
    if (!json_str(obj, "name", out->symbol, sizeof out->symbol))
        return "name missing or too long";
    if (!split_symbol(out))
        return "name is not BASE_QUOTE";
    if (json_dec_own_exp(obj, "order_price_round", &out->tick, &price_exp) != 0 || out->tick <= 0)
        return "order_price_round missing or out of range";
    if (json_dec_own_exp(obj, "quanto_multiplier", &out->multiplier, &mult_exp) != 0 ||
        out->multiplier <= 0)
        return "quanto_multiplier missing or out of range";
    if (json_dec(obj, "maker_fee_rate", FEE_FRACTION_EXP, &out->maker_fee_ppb) != 0 ||
        json_dec(obj, "taker_fee_rate", FEE_FRACTION_EXP, &out->taker_fee_ppb) != 0)
        return "maker_fee_rate/taker_fee_rate missing or finer than 1 ppb";
    int rc = json_dec(obj, "order_size_min", 0, &out->min_qty);
    if (rc == CX_EMISSING)
        out->min_qty = 0;
    else if (rc != 0)
        return "order_size_min is not an integer contract count";
    out->venue = CX_VENUE_GATE_FUTURES;
    out->kind = CX_KIND_LINEAR_PERP;
    out->price_exp = (int8_t)price_exp;
    out->qty_exp = 0;
    out->lot = 1;
    out->multiplier_exp = (int8_t)mult_exp;
    out->min_notional = 0;
    return NULL;
}

/*
 * MEXC spot, API v2 GET /open/api/v2/market/symbols
 * (https://mexcdevelop.github.io/apidocs/spot_v2_en/, "Market Data Endpoints: All symbols"):
 *   symbol "BTC_USDT"               required; base/quote split at the last '_'
 *   price_scale (int)               price decimals: tick = 1 at price_exp = -price_scale
 *   quantity_scale (int)            quantity decimals: lot = 1 at qty_exp = -quantity_scale
 *   min_amount (string)             minimum order amount in QUOTE (min_notional), optional
 *   maker_fee_rate, taker_fee_rate  fractions, e.g. "0.000500000000000000", "0E-18"
 * v2 publishes no base-quantity minimum, so min_qty = 0.
 */
static const char *mexc_spot_map(const cJSON *obj, struct cx_instrument *out)
{
    int price_dec, qty_dec;
    if (!json_str(obj, "symbol", out->symbol, sizeof out->symbol))
        return "symbol missing or too long";
    if (!split_symbol(out))
        return "symbol is not BASE_QUOTE";
    if (json_int(obj, "price_scale", 0, -CX_DEC_EXP_MIN, &price_dec) != 0)
        return "price_scale missing or beyond 18 decimals";
    if (json_int(obj, "quantity_scale", 0, -CX_DEC_EXP_MIN, &qty_dec) != 0)
        return "quantity_scale missing or beyond 18 decimals";
    if (json_dec(obj, "maker_fee_rate", FEE_FRACTION_EXP, &out->maker_fee_ppb) != 0 ||
        json_dec(obj, "taker_fee_rate", FEE_FRACTION_EXP, &out->taker_fee_ppb) != 0)
        return "maker_fee_rate/taker_fee_rate missing or finer than 1 ppb";
    int rc = json_dec(obj, "min_amount", CX_NOTIONAL_EXP, &out->min_notional);
    if (rc == CX_EMISSING)
        out->min_notional = 0;
    else if (rc != 0)
        return "min_amount not representable at CX_NOTIONAL_EXP";
    out->venue = CX_VENUE_MEXC_SPOT;
    out->kind = CX_KIND_SPOT;
    out->price_exp = (int8_t)-price_dec;
    out->qty_exp = (int8_t)-qty_dec;
    out->tick = 1;
    out->lot = 1;
    out->min_qty = 0;
    out->multiplier = 1;
    out->multiplier_exp = 0;
    return NULL;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: driver
 * ------------------------------------------------------------------------------------------- */

/* Fills line/col in err for a byte offset into buf. */
static void set_pos(struct cx_parse_err *err, const char *buf, size_t off)
{
    if (err == NULL)
        return;
    int64_t line = 1;
    size_t line_start = 0;
    for (size_t i = 0; i < off; i++) {
        if (buf[i] == '\n') {
            line++;
            line_start = i + 1;
        }
    }
    err->line = line;
    size_t col = off - line_start + 1u;
    err->col = col > INT32_MAX ? INT32_MAX : (int32_t)col;
}

/* Finds the JSON text: the whole buffer when it starts (after whitespace) with '[' or '{',
 * otherwise the rest of the first line whose text after ": " starts with '[' (cryptofeed
 * capture). Returns false when there is none. */
static bool find_json(const char *buf, size_t len, size_t *out_off, size_t *out_len)
{
    size_t i = 0;
    while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' || buf[i] == '\n'))
        i++;
    if (i < len && (buf[i] == '[' || buf[i] == '{')) {
        *out_off = i;
        *out_len = len - i;
        return true;
    }
    size_t line = 0;
    while (line < len) {
        const char *nl = memchr(buf + line, '\n', len - line);
        size_t end = nl != NULL ? (size_t)(nl - buf) : len;
        for (size_t k = line; k + 2u < end; k++) {
            if (buf[k] == ':' && buf[k + 1] == ' ') {
                if (buf[k + 2] == '[') {
                    *out_off = k + 2u;
                    *out_len = end - (k + 2u);
                    return true;
                }
                break; /* only the first ": " of a line separates header and body */
            }
        }
        line = end + 1u;
    }
    return false;
}

static int load_json_list(struct cx_registry *reg, const char *path, const char *sym_key,
                          entry_map_fn map, uint32_t *out_loaded, struct cx_parse_err *err)
{
    if (reg == NULL || path == NULL)
        return CX_EINVAL;
    if (err != NULL) {
        memset(err, 0, sizeof *err);
        err->file = path;
    }
    char *buf = NULL;
    size_t len = 0;
    cJSON *root = NULL;
    int rc = cx__read_file(path, JSON_FILE_MAX_BYTES, &buf, &len, err);
    if (rc != 0)
        return rc;
    size_t off, jlen;
    if (!find_json(buf, len, &off, &jlen)) {
        rc = cx_parse_err_set(err, CX_EPARSE, "no JSON array (nor a capture line with one)",
                              NULL, 0);
        goto out;
    }
    const char *end = NULL;
    root = cJSON_ParseWithLengthOpts(buf + off, jlen, &end, 0);
    if (root == NULL) {
        size_t at = end != NULL && end >= buf + off ? (size_t)(end - buf) : off;
        if (at > len)
            at = len;
        set_pos(err, buf, at);
        rc = cx_parse_err_set(err, CX_EPARSE, "malformed JSON", buf + at,
                              len - at < 24u ? len - at : 24u);
        goto out;
    }
    if (!cJSON_IsArray(root)) {
        set_pos(err, buf, off);
        rc = cx_parse_err_set(err, CX_EPARSE, "top-level JSON value is not an array", buf + off,
                              jlen < 24u ? jlen : 24u);
        goto out;
    }
    uint32_t loaded = 0, skipped = 0, total = 0;
    const char *first_reason = NULL;
    char first_sym[32] = "";
    const cJSON *elem;
    cJSON_ArrayForEach(elem, root)
    {
        total++;
        struct cx_instrument inst;
        memset(&inst, 0, sizeof inst);
        const char *reason = cJSON_IsObject(elem) ? map(elem, &inst) : "element is not an object";
        if (reason == NULL) {
            rc = cx_registry_add(reg, &inst, NULL);
            if (rc == 0)
                loaded++;
            else if (rc == CX_ENOMEM) {
                cx_parse_err_set(err, rc, "out of memory adding an instrument", NULL, 0);
                goto out;
            }
            else if (rc != CX_EEXIST) /* an existing (venue, symbol) is kept, not an error */
                reason = "rejected by the registry";
            rc = 0;
        }
        if (reason != NULL) {
            if (skipped++ == 0) {
                first_reason = reason;
                const cJSON *s = cJSON_GetObjectItemCaseSensitive(elem, sym_key);
                snprintf(first_sym, sizeof first_sym, "%s",
                         cJSON_IsString(s) ? s->valuestring : "?");
            }
        }
    }
    /* Skips are not failures, but they are reported: code stays 0, msg is the first reason. */
    if (err != NULL && skipped > 0) {
        char detail[sizeof err->detail];
        int n = snprintf(detail, sizeof detail, "%u of %u entries skipped, first %s",
                         (unsigned)skipped, (unsigned)total, first_sym);
        cx_parse_err_set(err, 0, first_reason, detail, n > 0 ? (size_t)n : 0u);
    }
    if (out_loaded != NULL)
        *out_loaded = loaded;
out:
    cJSON_Delete(root);
    free(buf);
    return rc;
}

int cx_registry_load_gate_spot(struct cx_registry *reg, const char *path, uint32_t *out_loaded,
                               struct cx_parse_err *err)
{
    return load_json_list(reg, path, "id", gate_spot_map, out_loaded, err);
}

int cx_registry_load_gate_futures(struct cx_registry *reg, const char *path,
                                  uint32_t *out_loaded, struct cx_parse_err *err)
{
    return load_json_list(reg, path, "name", gate_futures_map, out_loaded, err);
}

int cx_registry_load_mexc_spot(struct cx_registry *reg, const char *path, uint32_t *out_loaded,
                               struct cx_parse_err *err)
{
    return load_json_list(reg, path, "symbol", mexc_spot_map, out_loaded, err);
}
