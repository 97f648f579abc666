/* SPDX-License-Identifier: MIT */
/*
 * Loader for cexarb's own YAML instruments file (schema: docs/instruments.md, example:
 * data/instruments/binance.yaml), on the configuration loader (conf.h). The table reads every
 * entry of the `instruments:` sequence into a struct holding the text of each decimal field
 * (unknown, duplicate and missing keys and wrong types are reported by the loader with their
 * positions); an item hook then converts each text exactly with cx_dec_parse at the exponent the
 * entry declares, so "0.01" at price_exp -8 becomes 1000000 and a tick finer than price_exp is a
 * configuration error, never a rounding. A conversion error points at the offending key of the
 * entry. The whole file is validated before anything is added, so a bad entry leaves the
 * registry unchanged.
 */
#include "cexarb/instrument.h"

#include "cexarb/conf.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Fee rates are fractions ("0.001") stored in parts per billion. */
#define FEE_FRACTION_EXP (-9)

/* ---------------------------------------------------------------------------------------------
 * MARK: schema
 * ------------------------------------------------------------------------------------------- */

/* One `instruments:` entry as text; optional texts are "" when absent. Texts hold at most 64
 * bytes, the limit of the file's previous (libcyaml) schema. */
struct yaml_inst {
    char venue[65];        /* cx_venue_name spelling */
    char symbol[65];       /* venue-native symbol */
    char kind[65];         /* spot | linear_perp | inverse_perp */
    char base[65];         /* base asset */
    char quote[65];        /* quote / settle asset */
    int32_t price_exp;     /* representation exponent of prices */
    int32_t qty_exp;       /* representation exponent of quantities */
    char tick[65];         /* decimal, price units */
    char lot[65];          /* decimal, quantity units */
    char min_qty[65];      /* decimal, quantity units, optional */
    char min_notional[65]; /* decimal, quote units, optional */
    char multiplier[65];   /* decimal, base units per quantity unit, optional (default "1") */
    char maker_fee[65];    /* decimal fraction, negative = rebate */
    char taker_fee[65];    /* decimal fraction */
};

/* The document: only the number of entries stays here; the item hook keeps the instruments. */
struct yaml_doc {
    uint32_t n_instruments; /* entries in the file */
};

/* Where the item hook puts the converted instruments (the load's user pointer). */
struct yaml_acc {
    const struct cx_registry *reg; /* borrowed: checked for duplicates */
    struct cx_instrument *insts;   /* insts[0..n), allocated at the first entry */
    uint32_t n;                    /* converted entries */
};

#define TXT(key, flags) CX_CONF_STR(#key, struct yaml_inst, key, (flags), NULL)
#define REQ (CX_CONF_F_REQUIRED | CX_CONF_F_NONEMPTY)
#define EXP(key)                                                                               \
    {.name = #key, .type = CX_CONF_T_INT, .storage = CX_CONF_S_I32,                            \
     .off = offsetof(struct yaml_inst, key), .size = sizeof(int32_t), .flags = CX_CONF_F_REQUIRED}

static const struct cx_conf_field k_inst_fields[] = {
    TXT(venue, REQ),
    TXT(symbol, REQ),
    TXT(kind, REQ),
    TXT(base, REQ),
    TXT(quote, REQ),
    EXP(price_exp),
    EXP(qty_exp),
    TXT(tick, REQ),
    TXT(lot, REQ),
    TXT(min_qty, CX_CONF_F_NONEMPTY),
    TXT(min_notional, CX_CONF_F_NONEMPTY),
    TXT(multiplier, CX_CONF_F_NONEMPTY),
    TXT(maker_fee, REQ),
    TXT(taker_fee, REQ),
    CX_CONF_END,
};

/* ---------------------------------------------------------------------------------------------
 * MARK: conversion
 * ------------------------------------------------------------------------------------------- */

/* Where a conversion failed: entry index, key and a static reason. */
struct conv_fail {
    unsigned idx;
    const char *key;
    const char *why;
    int code;
};

static int conv_fail(struct conv_fail *f, unsigned idx, const char *key, const char *why,
                     int code)
{
    f->idx = idx;
    f->key = key;
    f->why = why;
    f->code = code;
    return code;
}

static const char *dec_reason(int rc)
{
    switch (rc) {
    case CX_EPRECISION:
        return "value is finer than its exponent allows";
    case CX_EOVERFLOW:
        return "value does not fit a 64-bit mantissa at its exponent";
    default:
        return "not a decimal number";
    }
}

/* Parses a decimal text at exp; any failure is CX_ECONFIG naming the key. */
static int conv_dec(const char *text, int exp, unsigned idx, const char *key, int64_t *out,
                    struct conv_fail *f)
{
    int rc = cx_dec_parse(text, strlen(text), exp, out);
    if (rc != 0)
        return conv_fail(f, idx, key, dec_reason(rc), CX_ECONFIG);
    return 0;
}

static bool exp_in_range(int e)
{
    return e >= CX_DEC_EXP_MIN && e <= CX_DEC_EXP_MAX;
}

static int conv_kind(const char *s, enum cx_inst_kind *out)
{
    static const enum cx_inst_kind kinds[] = {CX_KIND_SPOT, CX_KIND_LINEAR_PERP,
                                              CX_KIND_INVERSE_PERP};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        if (strcmp(s, cx_inst_kind_name(kinds[i])) == 0) {
            *out = kinds[i];
            return 0;
        }
    }
    return CX_EINVAL;
}

static bool copy_name(char *dst, size_t cap, const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n >= cap)
        return false;
    memcpy(dst, s, n + 1u);
    return true;
}

/* Converts entry idx into *out. Returns 0 or CX_ECONFIG with *f describing the problem. */
static int conv_inst(const struct yaml_inst *y, unsigned idx, struct cx_instrument *out,
                     struct conv_fail *f)
{
    enum cx_venue venue;
    enum cx_inst_kind kind;
    int rc;

    memset(out, 0, sizeof *out);
    if (cx_venue_parse(y->venue, strlen(y->venue), &venue) != 0)
        return conv_fail(f, idx, "venue", "unknown venue", CX_ECONFIG);
    if (conv_kind(y->kind, &kind) != 0)
        return conv_fail(f, idx, "kind", "kind is not spot, linear_perp or inverse_perp",
                         CX_ECONFIG);
    if (!copy_name(out->symbol, sizeof out->symbol, y->symbol))
        return conv_fail(f, idx, "symbol", "symbol longer than 31 bytes", CX_ECONFIG);
    if (!copy_name(out->base, sizeof out->base, y->base))
        return conv_fail(f, idx, "base", "base longer than 15 bytes", CX_ECONFIG);
    if (!copy_name(out->quote, sizeof out->quote, y->quote))
        return conv_fail(f, idx, "quote", "quote longer than 15 bytes", CX_ECONFIG);
    if (!exp_in_range(y->price_exp))
        return conv_fail(f, idx, "price_exp", "exponent outside -18..18", CX_ECONFIG);
    if (!exp_in_range(y->qty_exp))
        return conv_fail(f, idx, "qty_exp", "exponent outside -18..18", CX_ECONFIG);
    out->venue = (uint8_t)venue;
    out->kind = (uint8_t)kind;
    out->price_exp = (int8_t)y->price_exp;
    out->qty_exp = (int8_t)y->qty_exp;

    rc = conv_dec(y->tick, y->price_exp, idx, "tick", &out->tick, f);
    if (rc != 0)
        return rc;
    if (out->tick <= 0)
        return conv_fail(f, idx, "tick", "tick must be positive", CX_ECONFIG);
    rc = conv_dec(y->lot, y->qty_exp, idx, "lot", &out->lot, f);
    if (rc != 0)
        return rc;
    if (out->lot <= 0)
        return conv_fail(f, idx, "lot", "lot must be positive", CX_ECONFIG);
    if (y->min_qty[0] != '\0') {
        rc = conv_dec(y->min_qty, y->qty_exp, idx, "min_qty", &out->min_qty, f);
        if (rc != 0)
            return rc;
        if (out->min_qty < 0)
            return conv_fail(f, idx, "min_qty", "min_qty must not be negative", CX_ECONFIG);
    }
    if (y->min_notional[0] != '\0') {
        rc = conv_dec(y->min_notional, CX_NOTIONAL_EXP, idx, "min_notional", &out->min_notional,
                      f);
        if (rc != 0)
            return rc;
        if (out->min_notional < 0)
            return conv_fail(f, idx, "min_notional", "min_notional must not be negative",
                             CX_ECONFIG);
    }

    /* The multiplier keeps the precision its text has: "0.0001" -> 1 at exp -4. */
    const char *mult = y->multiplier[0] != '\0' ? y->multiplier : "1";
    int mult_dec;
    if (cx_dec_decimals(mult, strlen(mult), &mult_dec, NULL) != 0)
        return conv_fail(f, idx, "multiplier", "not a decimal number", CX_ECONFIG);
    if (mult_dec > -CX_DEC_EXP_MIN)
        return conv_fail(f, idx, "multiplier", "more than 18 decimals", CX_ECONFIG);
    rc = conv_dec(mult, -mult_dec, idx, "multiplier", &out->multiplier, f);
    if (rc != 0)
        return rc;
    if (out->multiplier <= 0)
        return conv_fail(f, idx, "multiplier", "multiplier must be positive", CX_ECONFIG);
    out->multiplier_exp = (int8_t)-mult_dec;

    rc = conv_dec(y->maker_fee, FEE_FRACTION_EXP, idx, "maker_fee", &out->maker_fee_ppb, f);
    if (rc != 0)
        return rc;
    rc = conv_dec(y->taker_fee, FEE_FRACTION_EXP, idx, "taker_fee", &out->taker_fee_ppb, f);
    if (rc != 0)
        return rc;
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: the item hook
 * ------------------------------------------------------------------------------------------- */

/* Converts entry `index`, checks it against the registry and the earlier entries, keeps it.
 * Reports "instruments[i] SYMBOL: key" at the key's position (the entry's when the key is
 * absent, as for a default multiplier). */
static int inst_item(struct cx_conf_ctx *ctx, const struct cx_conf_node *item, const char *key,
                     void *obj, void *elem, uint32_t index, uint32_t count)
{
    (void)key;
    (void)obj;
    struct yaml_acc *acc = cx_conf_user(ctx);
    const struct yaml_inst *y = elem;
    if (acc->insts == NULL) {
        acc->insts = calloc(count, sizeof *acc->insts);
        if (acc->insts == NULL)
            return cx_conf_fail(ctx, CX_ENOMEM, "out of memory", "instruments", NULL);
    }
    struct cx_instrument *in = &acc->insts[index];
    struct conv_fail fail = {0, NULL, NULL, 0};
    int rc = conv_inst(y, index, in, &fail);
    if (rc == 0) {
        /* Duplicates, against the registry and earlier entries, are configuration mistakes. */
        size_t sn = strlen(in->symbol);
        bool dup = cx_registry_find(acc->reg, (enum cx_venue)in->venue, in->symbol, sn) != NULL;
        for (uint32_t j = 0; j < index && !dup; j++)
            dup = acc->insts[j].venue == in->venue && strcmp(acc->insts[j].symbol, in->symbol) == 0;
        if (dup)
            rc = conv_fail(&fail, index, "symbol", "(venue, symbol) already defined", CX_EEXIST);
    }
    if (rc != 0) {
        char detail[96];
        snprintf(detail, sizeof detail, "instruments[%u] %s: %s", fail.idx, y->symbol, fail.key);
        const struct cx_conf_node *at = cx_conf_node_key(ctx, item, fail.key);
        return cx_conf_fail(ctx, rc, fail.why, detail, at != NULL ? at : item);
    }
    acc->n = index + 1u;
    return 0;
}

static const struct cx_conf_field k_doc_fields[] = {
    CX_CONF_SEQ_HOOK("instruments", struct yaml_doc, n_instruments, struct yaml_inst,
                     k_inst_fields, inst_item),
    CX_CONF_END,
};

/* ---------------------------------------------------------------------------------------------
 * MARK: entry point
 * ------------------------------------------------------------------------------------------- */

int cx_registry_load_yaml(struct cx_registry *reg, const char *path, struct cx_parse_err *err)
{
    if (reg == NULL || path == NULL)
        return CX_EINVAL;
    struct yaml_doc doc = {0};
    struct yaml_acc acc = {.reg = reg, .insts = NULL, .n = 0};
    struct cx_conf_opts opts = {.user = &acc, .check = NULL};
    int rc = cx_conf_load_file(path, k_doc_fields, &doc, sizeof doc, &opts, err);
    if (rc == CX_EPARSE && err != NULL && err->msg != NULL &&
        strcmp(err->msg, "missing required key") == 0) {
        /* Keep the wording of the libcyaml-based loader ("Missing required mapping field:
         * tick"), which users and tests search for; the key and position stay. */
        char detail[sizeof err->detail + 24]; /* cx_parse_err_set truncates to fit */
        snprintf(detail, sizeof detail, "Missing required key %s", err->detail);
        cx_parse_err_set(err, rc, err->msg, detail, strlen(detail));
    }
    if (rc != 0)
        goto out;
    if (doc.n_instruments == 0) {
        rc = cx_parse_err_set(err, CX_EPARSE, "no instruments: sequence", NULL, 0);
        goto out;
    }
    for (uint32_t i = 0; i < acc.n; i++) {
        rc = cx_registry_add(reg, &acc.insts[i], NULL);
        if (rc != 0) {
            /* Only CX_ENOMEM can happen here; earlier entries stay added. */
            cx_parse_err_set(err, rc, "cannot add instrument", acc.insts[i].symbol,
                             strlen(acc.insts[i].symbol));
            goto out;
        }
    }
out:
    free(acc.insts);
    return rc;
}
