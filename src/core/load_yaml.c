/* SPDX-License-Identifier: MIT */
/*
 * Loader for cexarb's own YAML instruments file (schema: docs/instruments.md, example:
 * data/instruments/binance.yaml). libcyaml maps the document onto plain structs holding the
 * text of every decimal field; this file then converts each text exactly with cx_dec_parse at
 * the exponent the entry declares, so "0.01" at price_exp -8 becomes 1000000 and a tick finer
 * than price_exp is a configuration error, never a rounding. The whole file is validated before
 * anything is added, so a bad entry leaves the registry unchanged. When a value is rejected,
 * libyaml is run once more over the text to find the line and column of the offending key.
 */
#include "cexarb/instrument.h"
#include "core_int.h"

#include <cyaml/cyaml.h>
#include <yaml.h>

#include <errno.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Fee rates are fractions ("0.001") stored in parts per billion. */
#define FEE_FRACTION_EXP (-9)
/* Largest accepted instruments file; hand-written files are a few kB. */
#define YAML_FILE_MAX_BYTES (16u << 20)

/* ---------------------------------------------------------------------------------------------
 * MARK: schema
 * ------------------------------------------------------------------------------------------- */

/* One `instruments:` entry as text; optional strings are NULL when absent. */
struct yaml_inst {
    char *venue;        /* cx_venue_name spelling */
    char *symbol;       /* venue-native symbol */
    char *kind;         /* spot | linear_perp | inverse_perp */
    char *base;         /* base asset */
    char *quote;        /* quote / settle asset */
    int price_exp;      /* representation exponent of prices */
    int qty_exp;        /* representation exponent of quantities */
    char *tick;         /* decimal, price units */
    char *lot;          /* decimal, quantity units */
    char *min_qty;      /* decimal, quantity units, optional */
    char *min_notional; /* decimal, quote units, optional */
    char *multiplier;   /* decimal, base units per quantity unit, optional (default "1") */
    char *maker_fee;    /* decimal fraction, negative = rebate */
    char *taker_fee;    /* decimal fraction */
};

struct yaml_doc {
    struct yaml_inst *instruments; /* instruments[0..instruments_count) */
    unsigned instruments_count;    /* libcyaml's CYAML_FIELD_SEQUENCE needs <field>_count */
};

#define STR_REQ(key, member)                                                                   \
    CYAML_FIELD_STRING_PTR(key, CYAML_FLAG_POINTER, struct yaml_inst, member, 1, 64)
#define STR_OPT(key, member)                                                                   \
    CYAML_FIELD_STRING_PTR(key, CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, struct yaml_inst,   \
                           member, 1, 64)

static const cyaml_schema_field_t k_inst_fields[] = {
    STR_REQ("venue", venue),
    STR_REQ("symbol", symbol),
    STR_REQ("kind", kind),
    STR_REQ("base", base),
    STR_REQ("quote", quote),
    CYAML_FIELD_INT("price_exp", CYAML_FLAG_DEFAULT, struct yaml_inst, price_exp),
    CYAML_FIELD_INT("qty_exp", CYAML_FLAG_DEFAULT, struct yaml_inst, qty_exp),
    STR_REQ("tick", tick),
    STR_REQ("lot", lot),
    STR_OPT("min_qty", min_qty),
    STR_OPT("min_notional", min_notional),
    STR_OPT("multiplier", multiplier),
    STR_REQ("maker_fee", maker_fee),
    STR_REQ("taker_fee", taker_fee),
    CYAML_FIELD_END,
};

static const cyaml_schema_value_t k_inst_entry = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, struct yaml_inst, k_inst_fields),
};

static const cyaml_schema_field_t k_doc_fields[] = {
    CYAML_FIELD_SEQUENCE("instruments", CYAML_FLAG_POINTER, struct yaml_doc, instruments,
                         &k_inst_entry, 0, CYAML_UNLIMITED),
    CYAML_FIELD_END,
};

static const cyaml_schema_value_t k_doc_schema = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, struct yaml_doc, k_doc_fields),
};

/* ---------------------------------------------------------------------------------------------
 * MARK: libcyaml glue
 * ------------------------------------------------------------------------------------------- */

/* Collects libcyaml's error log so the report says what was wrong ("Unexpected key: colour")
 * and where, rather than only "Invalid key". libcyaml logs the error, then "Backtrace:", then
 * one frame per line, innermost first, each ending in "(line: N, column: M)"; the first frame's
 * position becomes err->line/col and the lines are joined with "; ". */
struct yaml_log {
    char text[160]; /* joined message, NUL-terminated */
    size_t len;     /* bytes in text */
    int64_t line;   /* 1-based line of the innermost frame, 0 when none */
    int32_t col;    /* 1-based column of the innermost frame */
};

static void yaml_log_fn(cyaml_log_t level, void *ctx, const char *fmt, va_list args)
{
    struct yaml_log *ylog = ctx;
    char msg[160];
    if (level < CYAML_LOG_ERROR)
        return;
    int n = vsnprintf(msg, sizeof msg, fmt, args);
    if (n <= 0)
        return;
    const char *p = msg;
    size_t len = strlen(msg);
    while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == ' '))
        msg[--len] = '\0';
    while (*p == ' ')
        p++;
    if (strncmp(p, "Load: ", 6) == 0)
        p += 6;
    if (*p == '\0' || strcmp(p, "Backtrace:") == 0)
        return;
    const char *pos = strstr(p, "(line: ");
    long line, col;
    if (pos != NULL && ylog->line == 0 &&
        sscanf(pos, "(line: %ld, column: %ld)", &line, &col) == 2 && line > 0 && col > 0 &&
        col <= INT32_MAX) {
        ylog->line = (int64_t)line;
        ylog->col = (int32_t)col;
    }
    size_t room = sizeof ylog->text - ylog->len;
    if (room <= 3u)
        return;
    int m = snprintf(ylog->text + ylog->len, room, "%s%s", ylog->len > 0 ? "; " : "", p);
    if (m > 0)
        ylog->len = (size_t)m < room ? ylog->len + (size_t)m : sizeof ylog->text - 1u;
}

static int cyaml_to_cx(cyaml_err_t e)
{
    switch (e) {
    case CYAML_OK:
        return 0;
    case CYAML_ERR_OOM:
        return CX_ENOMEM;
    default:
        return CX_EPARSE;
    }
}

/* ---------------------------------------------------------------------------------------------
 * MARK: locating a key (for error reports)
 * ------------------------------------------------------------------------------------------- */

/* Finds the line and column of key `key` in entry `idx` of the top-level `instruments`
 * sequence (or of the entry itself when key is NULL or absent) by replaying libyaml events. The
 * result is best effort: on any parser trouble it leaves line/col at 0. */
static void yaml_locate(const char *buf, size_t len, unsigned idx, const char *key, int64_t *line,
                        int32_t *col)
{
    enum { MAX_DEPTH = 32 };
    bool is_map[MAX_DEPTH];
    bool expect_key[MAX_DEPTH];
    int depth = 0;
    bool next_is_instruments = false; /* the top-level value after key "instruments" */
    int seq_depth = -1;               /* depth of the instruments sequence once entered */
    long item = -1;                   /* index of the current entry in that sequence */
    yaml_parser_t parser;
    yaml_event_t ev;

    *line = 0;
    *col = 0;
    if (!yaml_parser_initialize(&parser))
        return;
    yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
    for (bool done = false; !done;) {
        if (!yaml_parser_parse(&parser, &ev))
            break;
        bool node = ev.type == YAML_SCALAR_EVENT || ev.type == YAML_ALIAS_EVENT ||
                    ev.type == YAML_MAPPING_START_EVENT || ev.type == YAML_SEQUENCE_START_EVENT;
        bool was_key = false;
        if (node && depth > 0 && is_map[depth - 1]) {
            was_key = expect_key[depth - 1];
            expect_key[depth - 1] = !expect_key[depth - 1];
        }
        /* A key of the entry we are after. */
        if (was_key && ev.type == YAML_SCALAR_EVENT && seq_depth >= 0 &&
            depth == seq_depth + 1 && item == (long)idx && key != NULL &&
            strcmp((const char *)ev.data.scalar.value, key) == 0) {
            *line = (int64_t)ev.start_mark.line + 1;
            *col = (int32_t)ev.start_mark.column + 1;
            done = true;
        }
        if (depth == 1 && is_map[0]) {
            if (was_key)
                next_is_instruments =
                    ev.type == YAML_SCALAR_EVENT &&
                    strcmp((const char *)ev.data.scalar.value, "instruments") == 0;
            else if (node && next_is_instruments && ev.type == YAML_SEQUENCE_START_EVENT)
                seq_depth = depth + 1;
        }
        /* An entry of the sequence starts: remember where, in case the key is absent. */
        if (ev.type == YAML_MAPPING_START_EVENT && seq_depth >= 0 && depth == seq_depth) {
            item++;
            if (item == (long)idx && *line == 0) {
                *line = (int64_t)ev.start_mark.line + 1;
                *col = (int32_t)ev.start_mark.column + 1;
                if (key == NULL)
                    done = true;
            }
        }
        switch (ev.type) {
        case YAML_MAPPING_START_EVENT:
        case YAML_SEQUENCE_START_EVENT:
            if (depth == MAX_DEPTH) {
                done = true;
                break;
            }
            is_map[depth] = ev.type == YAML_MAPPING_START_EVENT;
            expect_key[depth] = true;
            depth++;
            break;
        case YAML_MAPPING_END_EVENT:
        case YAML_SEQUENCE_END_EVENT:
            depth--;
            if (seq_depth >= 0 && depth < seq_depth)
                done = true; /* left the instruments sequence */
            break;
        case YAML_STREAM_END_EVENT:
            done = true;
            break;
        default:
            break;
        }
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&parser);
}

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
    if (y->min_qty != NULL) {
        rc = conv_dec(y->min_qty, y->qty_exp, idx, "min_qty", &out->min_qty, f);
        if (rc != 0)
            return rc;
        if (out->min_qty < 0)
            return conv_fail(f, idx, "min_qty", "min_qty must not be negative", CX_ECONFIG);
    }
    if (y->min_notional != NULL) {
        rc = conv_dec(y->min_notional, CX_NOTIONAL_EXP, idx, "min_notional", &out->min_notional,
                      f);
        if (rc != 0)
            return rc;
        if (out->min_notional < 0)
            return conv_fail(f, idx, "min_notional", "min_notional must not be negative",
                             CX_ECONFIG);
    }

    /* The multiplier keeps the precision its text has: "0.0001" -> 1 at exp -4. */
    const char *mult = y->multiplier != NULL ? y->multiplier : "1";
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
 * MARK: entry point
 * ------------------------------------------------------------------------------------------- */


int cx_registry_load_yaml(struct cx_registry *reg, const char *path, struct cx_parse_err *err)
{
    if (reg == NULL || path == NULL)
        return CX_EINVAL;
    if (err != NULL) {
        memset(err, 0, sizeof *err);
        err->file = path;
    }
    char *buf = NULL;
    size_t len = 0;
    struct yaml_doc *doc = NULL;
    struct cx_instrument *insts = NULL;
    struct yaml_log ylog = {.len = 0, .line = 0, .col = 0};
    cyaml_config_t cfg = {
        .log_fn = yaml_log_fn,
        .log_ctx = &ylog,
        .mem_fn = cyaml_mem,
        .mem_ctx = NULL,
        .log_level = CYAML_LOG_ERROR,
        .flags = CYAML_CFG_DEFAULT,
    };

    int rc = cx__read_file(path, YAML_FILE_MAX_BYTES, &buf, &len, err);
    if (rc != 0)
        return rc;
    cyaml_err_t ce = cyaml_load_data((const uint8_t *)buf, len, &cfg, &k_doc_schema,
                                     (cyaml_data_t **)&doc, NULL);
    if (ce != CYAML_OK) {
        /* cyaml_strerror returns static strings, as cx_parse_err.msg requires. */
        rc = cx_parse_err_set(err, cyaml_to_cx(ce), cyaml_strerror(ce), ylog.text, ylog.len);
        if (err != NULL) {
            err->line = ylog.line;
            err->col = ylog.col;
        }
        doc = NULL;
        goto out;
    }
    if (doc == NULL || doc->instruments_count == 0) {
        rc = cx_parse_err_set(err, CX_EPARSE, "no instruments: sequence", NULL, 0);
        goto out;
    }

    unsigned n = doc->instruments_count;
    insts = calloc(n, sizeof *insts);
    if (insts == NULL) {
        rc = cx_parse_err_set(err, CX_ENOMEM, "out of memory", NULL, 0);
        goto out;
    }
    struct conv_fail fail = {0, NULL, NULL, 0};
    for (unsigned i = 0; i < n && rc == 0; i++) {
        rc = conv_inst(&doc->instruments[i], i, &insts[i], &fail);
        if (rc != 0)
            break;
        /* Duplicates, against the registry and earlier entries, are configuration mistakes. */
        size_t sn = strlen(insts[i].symbol);
        bool dup = cx_registry_find(reg, (enum cx_venue)insts[i].venue, insts[i].symbol, sn) !=
                   NULL;
        for (unsigned j = 0; j < i && !dup; j++)
            dup = insts[j].venue == insts[i].venue && strcmp(insts[j].symbol, insts[i].symbol) == 0;
        if (dup)
            rc = conv_fail(&fail, i, "symbol", "(venue, symbol) already defined", CX_EEXIST);
    }
    if (rc != 0) {
        char detail[sizeof err->detail];
        int dn = snprintf(detail, sizeof detail, "instruments[%u] %s: %s", fail.idx,
                          doc->instruments[fail.idx].symbol, fail.key);
        cx_parse_err_set(err, rc, fail.why, detail, dn > 0 ? (size_t)dn : 0u);
        if (err != NULL)
            yaml_locate(buf, len, fail.idx, fail.key, &err->line, &err->col);
        goto out;
    }
    for (unsigned i = 0; i < n; i++) {
        rc = cx_registry_add(reg, &insts[i], NULL);
        if (rc != 0) {
            /* Only CX_ENOMEM can happen here; earlier entries stay added. */
            cx_parse_err_set(err, rc, "cannot add instrument", insts[i].symbol,
                             strlen(insts[i].symbol));
            goto out;
        }
    }
out:
    if (doc != NULL)
        cyaml_free(&cfg, &k_doc_schema, doc, 0);
    free(insts);
    free(buf);
    return rc;
}
