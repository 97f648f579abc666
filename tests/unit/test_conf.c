/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the generic configuration loader (src/core/conf.c): every value type with its
 * bounds (open and closed ends, type ranges), unknown, duplicate and missing keys, nested and
 * inlined sections, sequences of mappings with a capacity and item hooks, sub-tree loading
 * (a run config whose `strategies:` entries carry parameters read with each strategy's own
 * table), a rejected file leaving the caller's struct untouched, the JSON rendering read back to
 * the same struct, NUL bytes, a second YAML document, empty files, and the file, line and column
 * of every error. Each error case states its expected position; texts are written so the
 * columns can be counted by eye. The real configuration files (the run configuration with its
 * strategies' tables) are tested in test_run_config.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cexarb/conf.h"
#include "cexarb/instrument.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---------------------------------------------------------------------------------------------
 * MARK: a test schema
 * ------------------------------------------------------------------------------------------- */

struct inner {
    int32_t level;       /* [0, 10] */
    double weight;       /* (0, 1] */
};

struct item {
    char name[8];        /* required */
    uint32_t qty;        /* [1, 1000], default 7 (from k_item_default) */
    int64_t px_m;        /* decimal at 10^-2 */
};

enum color { COLOR_RED, COLOR_GREEN, COLOR_BLUE };

struct cfg {
    int32_t small;           /* [-5, 5] */
    uint8_t byte;            /* type range only */
    uint64_t big;            /* type range only, with a message */
    int64_t wide;            /* [-9223372036854775807, 9223372036854775807] */
    double ratio;            /* [0, 1] */
    double positive;         /* (0, 100) */
    int64_t amount_m;        /* decimal at 10^-8, no bounds */
    double price;            /* decimal at 10^-2 into a double, (0, 1e6] */
    int64_t timeout_ns;      /* [1ms, 60s] */
    char name[8];            /* 1..7 bytes */
    uint8_t venue;           /* enum cx_venue */
    uint8_t color;           /* enum color */
    bool flag;
    struct inner inner;      /* section "inner" */
    struct inner extra;      /* inlined: its keys sit at the top level */
    uint32_t n_items;
    struct item items[3];
    int32_t custom_seen;     /* set by the custom key "hello" */
};

static const char *const k_colors[] = {"red", "green", "blue", NULL};

static const struct cx_conf_field k_inner[] = {
    CX_CONF_INT("level", struct inner, level, 0, 10),
    CX_CONF_F64("weight", struct inner, weight, OPEN, 0, 1, CLOSED),
    CX_CONF_END,
};

/* The same struct inlined: other key names, so they do not clash with the top level. */
static const struct cx_conf_field k_extra[] = {
    CX_CONF_INT("extra_level", struct inner, level, 0, 10),
    CX_CONF_F64("extra_weight", struct inner, weight, CLOSED, 0, 1, OPEN),
    CX_CONF_END,
};

static const struct cx_conf_field k_item[] = {
    {.name = "name", .type = CX_CONF_T_STR, .off = offsetof(struct item, name),
     .size = sizeof(((struct item *)0)->name), .flags = CX_CONF_F_REQUIRED | CX_CONF_F_NONEMPTY},
    CX_CONF_INT("qty", struct item, qty, 1, 1000),
    CX_CONF_DEC("px", struct item, px_m, -2),
    CX_CONF_END,
};

static const struct item k_item_default = {.name = "", .qty = 7, .px_m = 0};

static int read_hello(struct cx_conf_ctx *ctx, const struct cx_conf_field *f,
                      const struct cx_conf_node *value, const char *key, void *obj)
{
    size_t n;
    const char *text = cx_conf_node_text(value, &n);
    if (text == NULL || strcmp(text, "world") != 0)
        return cx_conf_fail(ctx, CX_ECONFIG, "hello must be world", key, value);
    int32_t *seen = cx_conf_target(f, obj);
    *seen = 1;
    return 0;
}

static void json_hello(struct cx_conf_json *out, const struct cx_conf_field *f, const void *obj)
{
    (void)f;
    (void)obj;
    cx_conf_json_str(out, "world", 5);
}

static const struct cx_conf_field k_cfg[] = {
    CX_CONF_INT("small", struct cfg, small, -5, 5),
    CX_CONF_INT_ANY("byte", struct cfg, byte, NULL),
    CX_CONF_INT_ANY("big", struct cfg, big, "big must be in [0, 18446744073709551615]"),
    CX_CONF_INT("wide", struct cfg, wide, -9223372036854775807, 9223372036854775807),
    CX_CONF_F64("ratio", struct cfg, ratio, CLOSED, 0, 1, CLOSED),
    CX_CONF_F64_K("section.positive", "positive", struct cfg, positive, OPEN, 0, 100, OPEN),
    CX_CONF_DEC("amount", struct cfg, amount_m, -8),
    CX_CONF_DEC_K("price", "price", struct cfg, price, -2, OPEN, 0, 1e6, CLOSED),
    CX_CONF_DUR("timeout", struct cfg, timeout_ns, 1, ms, 60, s),
    CX_CONF_STR("name", struct cfg, name, CX_CONF_F_NONEMPTY, "name must have 1 to 7 bytes"),
    CX_CONF_VENUE("venue", struct cfg, venue),
    CX_CONF_ENUM("color", struct cfg, color, k_colors, "color must be red, green or blue"),
    CX_CONF_BOOL("flag", struct cfg, flag),
    CX_CONF_SECTION("inner", struct cfg, inner, k_inner),
    CX_CONF_INLINE(struct cfg, extra, k_extra),
    CX_CONF_SEQ("items", struct cfg, items, n_items, k_item, &k_item_default, NULL),
    CX_CONF_CUSTOM("hello", struct cfg, custom_seen, read_hello, json_hello),
    CX_CONF_END,
};

static void cfg_default(struct cfg *c)
{
    memset(c, 0, sizeof *c);
    c->small = 1;
    c->byte = 2;
    c->big = 3;
    c->ratio = 0.5;
    c->positive = 50;
    c->price = 1;
    c->timeout_ns = CX_NS_PER_S;
    memcpy(c->name, "x", 2);
    c->venue = CX_VENUE_BINANCE_SPOT;
    c->color = COLOR_GREEN;
    c->inner.level = 1;
    c->inner.weight = 0.25;
    c->extra.level = 2;
    c->extra.weight = 0.5;
}

/* Field-by-field equality (padding bytes are not compared). */
static void assert_cfg_equal(const struct cfg *a, const struct cfg *b)
{
    assert_int_equal(a->small, b->small);
    assert_int_equal(a->byte, b->byte);
    assert_true(a->big == b->big);
    assert_int_equal(a->wide, b->wide);
    assert_true(a->ratio == b->ratio);
    assert_true(a->positive == b->positive);
    assert_int_equal(a->amount_m, b->amount_m);
    assert_true(a->price == b->price);
    assert_int_equal(a->timeout_ns, b->timeout_ns);
    assert_string_equal(a->name, b->name);
    assert_int_equal(a->venue, b->venue);
    assert_int_equal(a->color, b->color);
    assert_int_equal(a->flag, b->flag);
    assert_int_equal(a->inner.level, b->inner.level);
    assert_true(a->inner.weight == b->inner.weight);
    assert_int_equal(a->extra.level, b->extra.level);
    assert_true(a->extra.weight == b->extra.weight);
    assert_int_equal(a->n_items, b->n_items);
    for (uint32_t i = 0; i < 3; i++) {
        assert_string_equal(a->items[i].name, b->items[i].name);
        assert_int_equal(a->items[i].qty, b->items[i].qty);
        assert_int_equal(a->items[i].px_m, b->items[i].px_m);
    }
    assert_int_equal(a->custom_seen, b->custom_seen);
}

static int load(const char *text, struct cfg *c, struct cx_parse_err *err)
{
    cfg_default(c);
    return cx_conf_load_string(text, strlen(text), "t.yaml", k_cfg, c, sizeof *c, NULL, err);
}

/* Expects `text` to fail with code, detail and position (col 0: no position expected either),
 * and the struct to stay at its defaults. */
static void expect_err(const char *text, int code, const char *detail, int64_t line,
                       int32_t col)
{
    struct cfg c, def;
    struct cx_parse_err err;
    int rc = load(text, &c, &err);
    if (rc != code || strcmp(err.detail, detail) != 0 || err.line != line || err.col != col) {
        char msg[300];
        cx_parse_err_format(&err, msg, sizeof msg);
        print_error("%s-> %s (%s)\n", text, msg, cx_err_name(rc));
    }
    assert_string_equal(cx_err_name(rc), cx_err_name(code));
    assert_int_equal(err.code, code);
    assert_string_equal(err.detail, detail);
    assert_int_equal(err.line, line);
    assert_int_equal(err.col, col);
    assert_string_equal(err.file, "t.yaml");
    assert_non_null(err.msg);
    cfg_default(&def);
    assert_cfg_equal(&c, &def);
}

static const char *err_msg(const char *text)
{
    static struct cfg c;
    struct cx_parse_err err;
    assert_int_not_equal(load(text, &c, &err), 0);
    return err.msg;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: values
 * ------------------------------------------------------------------------------------------- */

static const char k_full[] =
    "small: -5\n"
    "byte: 255\n"
    "big: 18446744073709551615\n"
    "wide: -9223372036854775807\n"
    "ratio: 1\n"
    "positive: 1e-3\n"
    "amount: \"92233720368.54775807\"\n"
    "price: 0.1\n"
    "timeout: 1.5s\n"
    "name: \"seven!7\"\n"
    "venue: gate_futures\n"
    "color: blue\n"
    "flag: true\n"
    "inner: {level: 10, weight: 1}\n"
    "extra_level: 0\n"
    "extra_weight: 0\n"
    "items:\n"
    "  - {name: a, qty: 1, px: \"1.25\"}\n"
    "  - name: b\n"
    "hello: world\n";

static void full_expected(struct cfg *e)
{
    cfg_default(e);
    e->small = -5;
    e->byte = 255;
    e->big = UINT64_MAX;
    e->wide = -INT64_MAX;
    e->ratio = 1.0;
    e->positive = 0.001;
    e->amount_m = INT64_MAX;
    e->price = 0.1;
    e->timeout_ns = 1500 * CX_NS_PER_MS;
    memcpy(e->name, "seven!7", 8);
    e->venue = CX_VENUE_GATE_FUTURES;
    e->color = COLOR_BLUE;
    e->flag = true;
    e->inner.level = 10;
    e->inner.weight = 1.0;
    e->extra.level = 0;
    e->extra.weight = 0.0;
    e->n_items = 2;
    memcpy(e->items[0].name, "a", 2);
    e->items[0].qty = 1;
    e->items[0].px_m = 125;
    memcpy(e->items[1].name, "b", 2);
    e->items[1].qty = 7; /* the element default */
    e->custom_seen = 1;
}

static void test_every_type(void **state)
{
    (void)state;
    struct cfg c, e;
    struct cx_parse_err err;
    int rc = load(k_full, &c, &err);
    if (rc != 0) {
        char msg[300];
        cx_parse_err_format(&err, msg, sizeof msg);
        fail_msg("%s", msg);
    }
    full_expected(&e);
    assert_cfg_equal(&c, &e);
    assert_int_equal(err.code, 0);

    /* Absent keys keep their values; quoted and plain durations and decimals are equal. */
    assert_int_equal(load("timeout: \"2500us\"\namount: 0.5\n", &c, &err), 0);
    cfg_default(&e);
    e.timeout_ns = 2500 * CX_NS_PER_US;
    e.amount_m = 50000000;
    assert_cfg_equal(&c, &e);
    assert_int_equal(load("flag: false\ncolor: red\nbyte: 0\n", &c, &err), 0);
    assert_int_equal(c.flag, false);
    assert_int_equal(c.color, COLOR_RED);
    assert_int_equal(c.byte, 0);
    /* "-0" is zero, and a null section or list is empty. */
    assert_int_equal(load("small: -0\ninner:\nitems:\n", &c, &err), 0);
    assert_int_equal(c.small, 0);
    assert_int_equal(c.n_items, 0);
}

static void test_bounds(void **state)
{
    (void)state;
    /* Integers: closed ends, the type range, saturation far beyond uint64. */
    expect_err("small: 6\n", CX_ECONFIG, "small", 1, 8);
    expect_err("small: -6\n", CX_ECONFIG, "small", 1, 8);
    assert_string_equal(err_msg("small: 6\n"), "small must be in [-5, 5]");
    expect_err("byte: 256\n", CX_ECONFIG, "byte", 1, 7);
    expect_err("byte: -1\n", CX_ECONFIG, "byte", 1, 7);
    assert_string_equal(err_msg("byte: 256\n"), "integer out of range for this key: [0, 255]");
    expect_err("big: 18446744073709551616\n", CX_ECONFIG, "big", 1, 6);
    expect_err("big: 99999999999999999999999999\n", CX_ECONFIG, "big", 1, 6);
    expect_err("big: -1\n", CX_ECONFIG, "big", 1, 6);
    assert_string_equal(err_msg("big: -1\n"), "big must be in [0, 18446744073709551615]");
    expect_err("wide: -9223372036854775808\n", CX_ECONFIG, "wide", 1, 7);
    expect_err("wide: 9223372036854775808\n", CX_ECONFIG, "wide", 1, 7);

    /* Numbers: [0, 1] closed, (0, 100) open at both ends, (0, 1] and [0, 1) inside. */
    struct cfg c;
    struct cx_parse_err err;
    assert_int_equal(load("ratio: 0\npositive: 99.999\n", &c, &err), 0);
    expect_err("ratio: -0.0001\n", CX_ECONFIG, "ratio", 1, 8);
    expect_err("ratio: 1.0000000000000002\n", CX_ECONFIG, "ratio", 1, 8);
    expect_err("positive: 0\n", CX_ECONFIG, "positive", 1, 11);
    expect_err("positive: 100\n", CX_ECONFIG, "positive", 1, 11);
    expect_err("positive: 1e999\n", CX_ECONFIG, "positive", 1, 11);
    assert_string_equal(err_msg("positive: 100\n"), "section.positive must be in (0, 100)");
    assert_string_equal(err_msg("ratio: 2\n"), "ratio must be in [0, 1]");
    expect_err("inner: {weight: 0}\n", CX_ECONFIG, "inner.weight", 1, 17);
    assert_string_equal(err_msg("inner: {weight: 0}\n"), "weight must be in (0, 1]");
    assert_int_equal(load("inner: {weight: 1}\nextra_weight: 0\n", &c, &err), 0);
    expect_err("extra_weight: 1\n", CX_ECONFIG, "extra_weight", 1, 15);
    assert_string_equal(err_msg("extra_weight: 1\n"), "extra_weight must be in [0, 1)");

    /* Decimals: exact at their exponent, bounds on the value. */
    expect_err("amount: \"0.000000001\"\n", CX_ECONFIG, "amount", 1, 9);
    assert_string_equal(err_msg("amount: \"0.000000001\"\n"), "value has more than 8 decimals");
    expect_err("amount: \"92233720368.54775808\"\n", CX_ECONFIG, "amount", 1, 9);
    assert_string_equal(err_msg("amount: \"92233720368.54775808\"\n"),
                        "value too large (at most 92233720368.54775807)");
    expect_err("price: 0\n", CX_ECONFIG, "price", 1, 8);
    expect_err("price: 1000000.01\n", CX_ECONFIG, "price", 1, 8);
    assert_int_equal(load("price: 1000000\n", &c, &err), 0);
    assert_true(c.price == 1e6);
    assert_string_equal(err_msg("price: 0\n"), "price must be in (0, 1e6]");

    /* Durations: bounds in their own units. */
    assert_int_equal(load("timeout: 1ms\n", &c, &err), 0);
    assert_int_equal(load("timeout: 1m\n", &c, &err), 0);
    expect_err("timeout: 999us\n", CX_ECONFIG, "timeout", 1, 10);
    expect_err("timeout: 60.000000001s\n", CX_ECONFIG, "timeout", 1, 10);
    expect_err("timeout: 0.5ns\n", CX_ECONFIG, "timeout", 1, 10);
    assert_string_equal(err_msg("timeout: 2m\n"), "timeout must be in [1ms, 60s]");

    /* Strings: length bounds; venues and names from their sets. */
    expect_err("name: eight888\n", CX_ECONFIG, "name", 1, 7);
    expect_err("name: \"\"\n", CX_ECONFIG, "name", 1, 7);
    assert_string_equal(err_msg("name: \"\"\n"), "name must have 1 to 7 bytes");
    expect_err("venue: kraken\n", CX_ECONFIG, "venue", 1, 8);
    const char *msg = err_msg("venue: kraken\n");
    for (int v = CX_VENUE_UNKNOWN + 1; v < CX_VENUE_COUNT; v++)
        assert_non_null(strstr(msg, cx_venue_name((enum cx_venue)v)));
    expect_err("venue: unknown\n", CX_ECONFIG, "venue", 1, 8); /* a placeholder, not a venue */
    expect_err("color: purple\n", CX_ECONFIG, "color", 1, 8);
    assert_string_equal(err_msg("color: purple\n"), "color must be red, green or blue");
}

static void test_wrong_types(void **state)
{
    (void)state;
    expect_err("small: 1.5\n", CX_EPARSE, "small", 1, 8);
    expect_err("small: \"1\"\n", CX_EPARSE, "small", 1, 8);
    expect_err("small: [1]\n", CX_EPARSE, "small", 1, 8);
    expect_err("small:\n", CX_EPARSE, "small", 1, 7);
    expect_err("ratio: \"0.5\"\n", CX_EPARSE, "ratio", 1, 8);
    expect_err("ratio: .5\n", CX_EPARSE, "ratio", 1, 8);
    expect_err("ratio: nan\n", CX_EPARSE, "ratio", 1, 8);
    expect_err("amount: lots\n", CX_EPARSE, "amount", 1, 9);
    expect_err("timeout: 30\n", CX_EPARSE, "timeout", 1, 10);
    expect_err("timeout: 1d\n", CX_EPARSE, "timeout", 1, 10);
    expect_err("timeout: 5 ms\n", CX_EPARSE, "timeout", 1, 10);
    expect_err("name: {a: 1}\n", CX_EPARSE, "name", 1, 7);
    expect_err("venue: [binance_spot]\n", CX_EPARSE, "venue", 1, 8);
    expect_err("flag: yes\n", CX_EPARSE, "flag", 1, 7);
    expect_err("flag: \"true\"\n", CX_EPARSE, "flag", 1, 7);
    expect_err("inner: 5\n", CX_EPARSE, "inner", 1, 8);
    expect_err("items: {name: a}\n", CX_EPARSE, "items", 1, 8);
    expect_err("items: [a]\n", CX_EPARSE, "items[0]", 1, 9);
    expect_err("- 1\n", CX_EPARSE, "(top level)", 1, 1);
    expect_err("hello: mars\n", CX_ECONFIG, "hello", 1, 8);
    expect_err("? [a, b]\n: 1\n", CX_EPARSE, "", 1, 3);
    assert_string_equal(err_msg("small: x\n"),
                        "expected an integer (digits with an optional leading '-')");
    assert_non_null(strstr(err_msg("timeout: 30\n"), "ns, us, ms, s, m or h"));
}

static void test_keys(void **state)
{
    (void)state;
    expect_err("small: 1\ncolour: red\n", CX_EPARSE, "colour", 2, 1);
    assert_string_equal(err_msg("colour: red\n"), "unknown key");
    expect_err("inner:\n  level: 1\n  levle: 2\n", CX_EPARSE, "inner.levle", 3, 3);
    expect_err("small: 1\nsmall: 2\n", CX_EPARSE, "small", 2, 1);
    assert_string_equal(err_msg("small: 1\nsmall: 2\n"), "duplicate key");
    expect_err("inner: {level: 1, level: 1}\n", CX_EPARSE, "inner.level", 1, 19);
    /* Inlined keys are keys of this mapping, and are unknown inside the section. */
    expect_err("inner: {extra_level: 1}\n", CX_EPARSE, "inner.extra_level", 1, 9);
    expect_err("extra_level: 1\nextra_level: 1\n", CX_EPARSE, "extra_level", 2, 1);
    /* The INLINE entry's own empty name is not a key. */
    expect_err("\"\": 1\n", CX_EPARSE, "", 1, 1);
    /* A required key of a sequence item: reported at the item's mapping. */
    expect_err("items:\n  - {qty: 2}\n", CX_EPARSE, "items[0].name", 2, 5);
    assert_string_equal(err_msg("items:\n  - {qty: 2}\n"), "missing required key");
    /* Aliases resolve; merge keys are not supported ("<<" is an unknown key). */
    struct cfg c;
    struct cx_parse_err err;
    assert_int_equal(load("inner: &i {level: 3}\nitems: [{name: a, qty: 3}]\n", &c, &err), 0);
    expect_err("inner: &i {level: 3}\nitems: [{<<: *i, name: a}]\n", CX_EPARSE, "items[0].<<",
               2, 10);
}

static void test_sequences(void **state)
{
    (void)state;
    struct cfg c;
    struct cx_parse_err err;
    /* Three items fit; a fourth is reported at its own position as items[3]. */
    assert_int_equal(load("items: [{name: a}, {name: b}, {name: c}]\n", &c, &err), 0);
    assert_int_equal(c.n_items, 3);
    assert_string_equal(c.items[2].name, "c");
    expect_err("items:\n  - name: a\n  - name: b\n  - name: c\n  - name: d\n", CX_ECONFIG,
               "items[3]", 5, 5);
    assert_string_equal(err_msg("items: [{name: a}, {name: b}, {name: c}, {name: d}]\n"),
                        "too many items in this list (see the docs)");
    /* Errors inside an item name the item's index. */
    expect_err("items:\n  - name: a\n  - {name: b, qty: 0}\n", CX_ECONFIG, "items[1].qty", 3,
               20);
    expect_err("items:\n  - name: a\n  - {name: b, px: \"0.001\"}\n", CX_ECONFIG, "items[1].px",
               3, 19);
    /* A shorter list replaces a longer one as a whole. */
    cfg_default(&c);
    const char *three = "items: [{name: a}, {name: b}, {name: c}]\n";
    const char *one = "items: [{name: z, qty: 9}]\n";
    assert_int_equal(cx_conf_load_string(three, strlen(three), NULL, k_cfg, &c, sizeof c, NULL,
                                         &err),
                     0);
    assert_int_equal(cx_conf_load_string(one, strlen(one), NULL, k_cfg, &c, sizeof c, NULL,
                                         &err),
                     0);
    assert_int_equal(c.n_items, 1);
    assert_string_equal(c.items[0].name, "z");
    assert_int_equal(c.items[0].qty, 9);
    assert_string_equal(c.items[1].name, "");
    assert_int_equal(c.items[1].qty, 0);
    assert_string_equal(c.items[2].name, "");
    /* An empty list is allowed here (a capacity is not a minimum). */
    assert_int_equal(load("items: []\n", &c, &err), 0);
    assert_int_equal(c.n_items, 0);
}

/* ---------------------------------------------------------------------------------------------
 * MARK: documents, sub-trees, untouched on error
 * ------------------------------------------------------------------------------------------- */

static void test_documents(void **state)
{
    (void)state;
    struct cfg c, def;
    struct cx_parse_err err;
    cfg_default(&def);
    /* Empty text, a comment, a lone "---": nothing changes. */
    assert_int_equal(load("", &c, &err), 0);
    assert_cfg_equal(&c, &def);
    assert_int_equal(load("# nothing\n", &c, &err), 0);
    assert_cfg_equal(&c, &def);
    assert_int_equal(load("---\n", &c, &err), 0);
    assert_cfg_equal(&c, &def);
    assert_int_equal(cx_conf_load_string(NULL, 0, NULL, k_cfg, &c, sizeof c, NULL, &err), 0);
    assert_string_equal(err.file, "<string>");

    /* A second document is an error at its first node. */
    expect_err("small: 1\n---\nsmall: 2\n", CX_EPARSE, "(document)", 3, 1);
    /* Malformed YAML: libyaml's description, where it stopped. */
    assert_int_equal(load("inner: {level: 1\nsmall: 2\n", &c, &err), CX_EPARSE);
    assert_string_equal(err.msg, "malformed YAML");
    assert_true(err.line >= 1 && err.col >= 1);
    assert_true(err.detail[0] != '\0');
    expect_err("small: *nowhere\n", CX_EPARSE, "found undefined alias", 1, 8);
    assert_int_equal(load("inner:\n\tlevel: 1\n", &c, &err), CX_EPARSE);
    assert_int_equal(err.line, 2);

    /* NUL bytes: an escaped one inside a value, a raw one in the text. */
    expect_err("name: \"a\\0b\"\n", CX_EPARSE, "name", 1, 7);
    assert_string_equal(err_msg("name: \"a\\0b\"\n"), "value contains a NUL byte");
    expect_err("small: \"\\0\"\n", CX_EPARSE, "small", 1, 8);
    static const char raw[] = "small: 1\0\nbyte: 2\n";
    assert_int_equal(cx_conf_load_string(raw, sizeof raw - 1u, "raw", k_cfg, &c, sizeof c, NULL,
                                         &err),
                     CX_EPARSE);
    assert_string_equal(err.msg, "malformed YAML");
    assert_string_equal(err.file, "raw");
    assert_int_equal(err.line, 0); /* a reader error: libyaml knows only the byte offset */
    assert_cfg_equal(&c, &def);
    /* Invalid UTF-8 likewise. */
    assert_int_equal(load("name: \"\xff\"\n", &c, &err), CX_EPARSE);

    /* Arguments. */
    assert_int_equal(cx_conf_load_string("a", 1, NULL, NULL, &c, sizeof c, NULL, &err),
                     CX_EINVAL);
    assert_int_equal(cx_conf_load_string("a", 1, NULL, k_cfg, NULL, sizeof c, NULL, &err),
                     CX_EINVAL);
    assert_int_equal(cx_conf_load_string("a", 1, NULL, k_cfg, &c, 0, NULL, &err), CX_EINVAL);
    assert_int_equal(cx_conf_load_string(NULL, 1, NULL, k_cfg, &c, sizeof c, NULL, NULL),
                     CX_EINVAL);
}

static void test_files(void **state)
{
    (void)state;
    struct cfg c, e;
    struct cx_parse_err err;
    char path[] = "/tmp/cx_test_conf_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, k_full, strlen(k_full)), (ssize_t)strlen(k_full));
    assert_int_equal(close(fd), 0);
    cfg_default(&c);
    assert_int_equal(cx_conf_load_file(path, k_cfg, &c, sizeof c, NULL, &err), 0);
    full_expected(&e);
    assert_cfg_equal(&c, &e);
    assert_ptr_equal(err.file, path);
    unlink(path);

    cfg_default(&c);
    const char *missing = "/tmp/cx_test_conf_does_not_exist.yaml";
    assert_int_equal(cx_conf_load_file(missing, k_cfg, &c, sizeof c, NULL, &err), CX_ENOENT);
    assert_int_equal(err.code, CX_ENOENT);
    assert_ptr_equal(err.file, missing);
    assert_int_equal(cx_conf_load_file(missing, k_cfg, &c, sizeof c, NULL, NULL), CX_ENOENT);
    assert_int_equal(cx_conf_load_file(NULL, k_cfg, &c, sizeof c, NULL, &err), CX_EINVAL);
    struct cx_conf_doc *doc = NULL;
    assert_int_equal(cx_conf_doc_open_file(&doc, missing, &err), CX_ENOENT);
    assert_null(doc);
}

static void test_untouched_on_error(void **state)
{
    (void)state;
    /* Valid keys before the bad one, in sections and lists: none of them lands. */
    expect_err("small: 2\ninner: {level: 3}\nitems: [{name: q}]\nextra_level: 4\nratio: 7\n",
               CX_ECONFIG, "ratio", 5, 8);
    /* An error in the second list item: the first item does not land either. */
    expect_err("items:\n  - {name: a, qty: 5}\n  - {name: b, qty: 5000}\n", CX_ECONFIG,
               "items[1].qty", 3, 20);
}

/* A cross-key check: inner.level must not exceed small. Positions come from remembered keys. */
static int check_levels(struct cx_conf_ctx *ctx, void *obj)
{
    const struct cfg *c = obj;
    int *calls = cx_conf_user(ctx);
    (*calls)++;
    if (c->inner.level > c->small)
        return cx_conf_fail(ctx, CX_ECONFIG, "inner.level must be in [0, small]", "inner.level",
                            NULL);
    return 0;
}

static void test_check(void **state)
{
    (void)state;
    struct cfg c, def;
    struct cx_parse_err err;
    int calls = 0;
    struct cx_conf_opts opts = {.user = &calls, .check = check_levels};
    cfg_default(&c);
    def = c;
    const char *bad = "small: 2\ninner:\n  level: 3\n";
    assert_int_equal(cx_conf_load_string(bad, strlen(bad), "t.yaml", k_cfg, &c, sizeof c, &opts,
                                         &err),
                     CX_ECONFIG);
    assert_int_equal(calls, 1);
    assert_string_equal(err.detail, "inner.level");
    assert_int_equal(err.line, 3);
    assert_int_equal(err.col, 10);
    assert_cfg_equal(&c, &def);
    /* The key that breaks the relation is not in the file: no position. */
    const char *bad2 = "small: 0\n";
    assert_int_equal(cx_conf_load_string(bad2, strlen(bad2), "t.yaml", k_cfg, &c, sizeof c,
                                         &opts, &err),
                     CX_ECONFIG);
    assert_int_equal(err.line, 0);
    assert_int_equal(err.col, 0);
    /* Walk errors come first: the check does not run. */
    calls = 0;
    const char *bad3 = "small: 9\n";
    assert_int_equal(cx_conf_load_string(bad3, strlen(bad3), "t.yaml", k_cfg, &c, sizeof c,
                                         &opts, &err),
                     CX_ECONFIG);
    assert_int_equal(calls, 0);
    const char *good = "small: 5\ninner: {level: 5}\n";
    assert_int_equal(cx_conf_load_string(good, strlen(good), "t.yaml", k_cfg, &c, sizeof c,
                                         &opts, &err),
                     0);
    assert_int_equal(c.inner.level, 5);
}

/*
 * Sub-trees: a run configuration with a `strategies:` list whose entries name a strategy and
 * carry that strategy's own parameter mapping. The run table keeps each `params` node
 * (CX_CONF_NODE); an item hook reads it with the named strategy's table into that strategy's
 * struct, once the entry's `name` is known, whatever the key order.
 */
struct strat_a {
    int32_t depth;      /* [1, 5] */
    int64_t every_ns;   /* [1s, 1h] */
};
struct strat_b {
    double alpha;       /* (0, 1) */
};
struct run_entry {
    char name[16];
    const struct cx_conf_node *params;
};
struct run_cfg {
    int64_t start_ns;   /* "YYYY-MM-DD HH:MM:SS", custom */
    uint32_t n_strategies;
    struct run_entry strategies[2];
};
struct run_out {        /* where the hooks put the parameters */
    struct strat_a a;
    struct strat_b b;
    uint32_t n_a, n_b;
};

static const struct cx_conf_field k_strat_a[] = {
    CX_CONF_INT("depth", struct strat_a, depth, 1, 5),
    CX_CONF_DUR("every", struct strat_a, every_ns, 1, s, 1, h),
    CX_CONF_END,
};
static const struct cx_conf_field k_strat_b[] = {
    CX_CONF_F64("alpha", struct strat_b, alpha, OPEN, 0, 1, OPEN),
    CX_CONF_END,
};
static const struct cx_conf_field k_run_entry[] = {
    {.name = "name", .type = CX_CONF_T_STR, .off = offsetof(struct run_entry, name),
     .size = sizeof(((struct run_entry *)0)->name), .flags = CX_CONF_F_REQUIRED},
    CX_CONF_NODE("params", struct run_entry, params),
    CX_CONF_END,
};

static int read_start(struct cx_conf_ctx *ctx, const struct cx_conf_field *f,
                      const struct cx_conf_node *value, const char *key, void *obj)
{
    size_t n;
    const char *text = cx_conf_node_text(value, &n);
    int64_t ns;
    if (text == NULL || cx_time_parse_utc(text, n, &ns, NULL) != 0)
        return cx_conf_fail(ctx, CX_ECONFIG, "expected a UTC time \"YYYY-MM-DD HH:MM:SS\"", key,
                            value);
    int64_t *start_ns = cx_conf_target(f, obj);
    *start_ns = ns;
    return 0;
}

static int strategy_item(struct cx_conf_ctx *ctx, const struct cx_conf_node *item,
                         const char *key, void *obj, void *elem, uint32_t index, uint32_t count)
{
    (void)obj;
    (void)index;
    (void)count;
    struct run_out *out = cx_conf_user(ctx);
    const struct run_entry *e = elem;
    char pkey[128];
    snprintf(pkey, sizeof pkey, "%s.params", key);
    if (strcmp(e->name, "a") == 0) {
        out->n_a++;
        return cx_conf_read_node(ctx, e->params, pkey, k_strat_a, &out->a);
    }
    if (strcmp(e->name, "b") == 0) {
        out->n_b++;
        return cx_conf_read_node(ctx, e->params, pkey, k_strat_b, &out->b);
    }
    snprintf(pkey, sizeof pkey, "%s.name", key);
    return cx_conf_fail(ctx, CX_ECONFIG, "strategy name must be a or b", pkey,
                        cx_conf_node_get(ctx, item, "name"));
}

static const struct cx_conf_field k_run[] = {
    CX_CONF_CUSTOM("start", struct run_cfg, start_ns, read_start, NULL),
    CX_CONF_SEQ("strategies", struct run_cfg, strategies, n_strategies, k_run_entry, NULL,
                strategy_item),
    CX_CONF_END,
};

static void test_subtrees(void **state)
{
    (void)state;
    const char *text = "start: \"2024-08-09 00:00:00\"\n"
                       "strategies:\n"
                       "  - params: {depth: 3, every: 10s}\n"
                       "    name: a\n"
                       "  - name: b\n"
                       "    params:\n"
                       "      alpha: 0.25\n";
    struct run_cfg run = {0};
    struct run_out out = {.a = {.depth = 1, .every_ns = CX_NS_PER_S}, .b = {.alpha = 0.5}};
    struct cx_conf_opts opts = {.user = &out};
    struct cx_parse_err err;
    int rc = cx_conf_load_string(text, strlen(text), "run.yaml", k_run, &run, sizeof run, &opts,
                                 &err);
    if (rc != 0) {
        char msg[300];
        cx_parse_err_format(&err, msg, sizeof msg);
        fail_msg("%s", msg);
    }
    assert_int_equal(run.start_ns, INT64_C(1723161600) * CX_NS_PER_S);
    assert_int_equal(run.n_strategies, 2);
    assert_int_equal(out.n_a, 1);
    assert_int_equal(out.n_b, 1);
    assert_int_equal(out.a.depth, 3);
    assert_int_equal(out.a.every_ns, 10 * CX_NS_PER_S);
    assert_true(out.b.alpha == 0.25);

    /* A parameter error names the whole path and the value's position. */
    const char *bad = "strategies:\n  - name: b\n    params: {alpha: 1}\n";
    assert_int_equal(cx_conf_load_string(bad, strlen(bad), "run.yaml", k_run, &run, sizeof run,
                                         &opts, &err),
                     CX_ECONFIG);
    assert_string_equal(err.detail, "strategies[0].params.alpha");
    assert_string_equal(err.msg, "alpha must be in (0, 1)");
    assert_int_equal(err.line, 3);
    assert_int_equal(err.col, 21);
    const char *bad_key = "strategies:\n  - name: a\n    params: {depht: 1}\n";
    assert_int_equal(cx_conf_load_string(bad_key, strlen(bad_key), "run.yaml", k_run, &run,
                                         sizeof run, &opts, &err),
                     CX_EPARSE);
    assert_string_equal(err.detail, "strategies[0].params.depht");
    assert_int_equal(err.col, 14);
    const char *bad_name = "strategies:\n  - {name: c}\n";
    assert_int_equal(cx_conf_load_string(bad_name, strlen(bad_name), "run.yaml", k_run, &run,
                                         sizeof run, &opts, &err),
                     CX_ECONFIG);
    assert_string_equal(err.detail, "strategies[0].name");
    assert_int_equal(err.line, 2);
    assert_int_equal(err.col, 12);

    /* The document API: load two sub-trees of one file into two structs with two tables. */
    const char *file = "run: {strategies: [{name: a}]}\n"
                       "a: {depth: 5, every: 1h}\n";
    struct cx_conf_doc *doc = NULL;
    assert_int_equal(cx_conf_doc_open_string(&doc, file, strlen(file), "two.yaml", &err), 0);
    const struct cx_conf_node *root = cx_conf_doc_root(doc);
    assert_int_equal(cx_conf_node_kind(root), CX_CONF_NODE_MAP);
    assert_int_equal(cx_conf_node_count(root), 2);
    /* Node accessors need a load's context; without one they find nothing. */
    assert_null(cx_conf_node_get(NULL, root, "a"));
    struct strat_a a = {.depth = 1, .every_ns = CX_NS_PER_S};
    /* Read the "a" mapping: find it through a tiny table that keeps the node. */
    struct holder {
        const struct cx_conf_node *run, *a;
    } h = {NULL, NULL};
    static const struct cx_conf_field k_holder[] = {
        CX_CONF_NODE("run", struct holder, run),
        CX_CONF_NODE("a", struct holder, a),
        CX_CONF_END,
    };
    assert_int_equal(cx_conf_load_node(doc, root, "", k_holder, &h, sizeof h, NULL, &err), 0);
    assert_non_null(h.a);
    assert_int_equal(cx_conf_load_node(doc, h.a, "a", k_strat_a, &a, sizeof a, NULL, &err), 0);
    assert_int_equal(a.depth, 5);
    assert_int_equal(a.every_ns, 3600 * CX_NS_PER_S);
    memset(&out, 0, sizeof out);
    assert_int_equal(cx_conf_load_node(doc, h.run, "run", k_run, &run, sizeof run, &opts, &err),
                     0);
    assert_int_equal(out.n_a, 1);
    /* An error in a sub-tree carries the document's name and the prefixed key. */
    const char *bad_doc = "a: {depth: 6}\n";
    cx_conf_doc_free(doc);
    assert_int_equal(cx_conf_doc_open_string(&doc, bad_doc, strlen(bad_doc), "x.yaml", &err), 0);
    h.a = NULL;
    assert_int_equal(cx_conf_load_node(doc, cx_conf_doc_root(doc), "", k_holder, &h, sizeof h,
                                       NULL, &err),
                     0);
    struct strat_a before = a;
    assert_int_equal(cx_conf_load_node(doc, h.a, "a", k_strat_a, &a, sizeof a, NULL, &err),
                     CX_ECONFIG);
    assert_string_equal(err.file, "x.yaml");
    assert_string_equal(err.detail, "a.depth");
    assert_int_equal(err.line, 1);
    assert_int_equal(err.col, 12);
    assert_int_equal(a.depth, before.depth); /* untouched */
    cx_conf_doc_free(doc);
    cx_conf_doc_free(NULL);
    /* A document with a second document or broken YAML does not open. */
    doc = NULL;
    assert_int_equal(cx_conf_doc_open_string(&doc, "a: 1\n---\nb: 2\n", 14, NULL, &err),
                     CX_EPARSE);
    assert_null(doc);
    assert_int_equal(cx_conf_doc_open_string(&doc, "", 0, NULL, &err), 0);
    assert_null(cx_conf_doc_root(doc));
    cx_conf_doc_free(doc);
}

/* ---------------------------------------------------------------------------------------------
 * MARK: JSON
 * ------------------------------------------------------------------------------------------- */

static void test_json_round_trip(void **state)
{
    (void)state;
    struct cfg c, back;
    struct cx_parse_err err;
    assert_int_equal(load(k_full, &c, &err), 0);
    char json[2048], json2[2048];
    int n = cx_conf_to_json(k_cfg, &c, json, sizeof json);
    assert_true(n > 0);
    assert_int_equal((size_t)n, strlen(json));
    print_message("  %s\n", json);
    assert_string_equal(json,
                        "{\"small\":-5,\"byte\":255,\"big\":18446744073709551615,"
                        "\"wide\":-9223372036854775807,\"ratio\":1,\"positive\":0.001,"
                        "\"amount\":\"92233720368.54775807\",\"price\":\"0.1\","
                        "\"timeout\":\"1500ms\",\"name\":\"seven!7\",\"venue\":\"gate_futures\","
                        "\"color\":\"blue\",\"flag\":true,\"inner\":{\"level\":10,\"weight\":1},"
                        "\"extra_level\":0,\"extra_weight\":0,"
                        "\"items\":[{\"name\":\"a\",\"qty\":1,\"px\":\"1.25\"},"
                        "{\"name\":\"b\",\"qty\":7,\"px\":\"0\"}],\"hello\":\"world\"}");
    /* The JSON is YAML the loader reads back to the same struct, from different defaults. */
    memset(&back, 0, sizeof back);
    assert_int_equal(cx_conf_load_string(json, (size_t)n, "json", k_cfg, &back, sizeof back,
                                         NULL, &err),
                     0);
    assert_cfg_equal(&back, &c);
    assert_int_equal(cx_conf_to_json(k_cfg, &back, json2, sizeof json2), n);
    assert_string_equal(json2, json);

    /* Doubles keep every bit; awkward values and escapes survive. */
    cfg_default(&c);
    c.ratio = 0.1 + 0.2;            /* 0.30000000000000004 */
    c.positive = 1.0 / 3.0;
    c.inner.weight = 5e-324;        /* the smallest subnormal */
    c.timeout_ns = CX_NS_PER_MS + 1;
    c.price = 123456.78;
    memcpy(c.name, "a\"\\\n\x01", 6);
    n = cx_conf_to_json(k_cfg, &c, json, sizeof json);
    assert_true(n > 0);
    assert_non_null(strstr(json, "\"ratio\":0.30000000000000004"));
    assert_non_null(strstr(json, "\"timeout\":\"1000001ns\""));
    assert_non_null(strstr(json, "\"name\":\"a\\\"\\\\\\u000a\\u0001\""));
    memset(&back, 0, sizeof back);
    back.inner.weight = 1;
    assert_int_equal(cx_conf_load_string(json, (size_t)n, "json", k_cfg, &back, sizeof back,
                                         NULL, &err),
                     0);
    assert_true(back.ratio == c.ratio);
    assert_true(back.positive == c.positive);
    assert_true(back.inner.weight == c.inner.weight);
    assert_true(back.price == c.price);
    assert_int_equal(back.timeout_ns, CX_NS_PER_MS + 1);
    assert_string_equal(back.name, c.name);

    /* Characters YAML cannot hold raw (DEL, C1 controls) are escaped, others kept, and bytes
     * that are not UTF-8 become U+FFFD. */
    const char *odd = "name: \"\\x7f\\x80\u00e9\"\n";
    assert_int_equal(load(odd, &c, &err), 0);
    assert_string_equal(c.name, "\x7f\xc2\x80\xc3\xa9");
    n = cx_conf_to_json(k_cfg, &c, json, sizeof json);
    assert_non_null(strstr(json, "\"name\":\"\\u007f\\u0080\xc3\xa9\""));
    memset(&back, 0, sizeof back);
    back.inner.weight = 1;
    assert_int_equal(cx_conf_load_string(json, (size_t)n, "json", k_cfg, &back, sizeof back,
                                         NULL, &err),
                     0);
    assert_string_equal(back.name, c.name);
    memcpy(c.name, "a\xff\xc3", 4);
    assert_true(cx_conf_to_json(k_cfg, &c, json, sizeof json) > 0);
    assert_non_null(strstr(json, "\"name\":\"a\\ufffd\\ufffd\""));

    /* Durations in the largest exact unit; a non-finite double is null. */
    static const struct {
        int64_t ns;
        const char *text;
    } durs[] = {{0, "\"0s\""},
                {CX_NS_PER_MS, "\"1ms\""},
                {90 * CX_NS_PER_S, "\"90s\""},
                {5400 * CX_NS_PER_S, "\"90m\""},
                {7200 * CX_NS_PER_S, "\"2h\""},
                {-1500 * CX_NS_PER_MS, "\"-1500ms\""}};
    for (size_t i = 0; i < sizeof durs / sizeof durs[0]; i++) {
        c.timeout_ns = durs[i].ns;
        assert_true(cx_conf_to_json(k_cfg, &c, json, sizeof json) > 0);
        char want[32];
        snprintf(want, sizeof want, "\"timeout\":%s", durs[i].text);
        assert_non_null(strstr(json, want));
    }
    c.ratio = NAN;
    assert_true(cx_conf_to_json(k_cfg, &c, json, sizeof json) > 0);
    assert_non_null(strstr(json, "\"ratio\":null"));

    /* Too small a buffer: CX_ENOSPC, still NUL-terminated. */
    assert_int_equal(cx_conf_to_json(k_cfg, &c, json, 10), CX_ENOSPC);
    assert_true(strlen(json) < 10);
    assert_int_equal(cx_conf_to_json(k_cfg, &c, json, 0), CX_ENOSPC);
    assert_int_equal(cx_conf_to_json(NULL, &c, json, sizeof json), CX_EINVAL);
}

/* A table entry whose type does not suit its member is a programming error: CX_EINVAL. */
static void test_bad_table(void **state)
{
    (void)state;
    struct bad {
        double d;
        int32_t i;
    } b = {0, 0};
    static const struct cx_conf_field k_bad[] = {
        CX_CONF_INT_ANY("d", struct bad, d, NULL),   /* an integer into a double */
        CX_CONF_F64("i", struct bad, i, CLOSED, 0, 1, CLOSED), /* a double into an int */
        CX_CONF_DUR("j", struct bad, i, 0, s, 1, s), /* a duration into an int32 */
        CX_CONF_END,
    };
    struct cx_parse_err err;
    assert_int_equal(cx_conf_load_string("d: 1\n", 5, NULL, k_bad, &b, sizeof b, NULL, &err),
                     CX_EINVAL);
    assert_non_null(strstr(err.msg, "programming error"));
    assert_int_equal(cx_conf_load_string("i: 1\n", 5, NULL, k_bad, &b, sizeof b, NULL, &err),
                     CX_EINVAL);
    assert_int_equal(cx_conf_load_string("j: 1s\n", 6, NULL, k_bad, &b, sizeof b, NULL, &err),
                     CX_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_type),
        cmocka_unit_test(test_bounds),
        cmocka_unit_test(test_wrong_types),
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_sequences),
        cmocka_unit_test(test_documents),
        cmocka_unit_test(test_files),
        cmocka_unit_test(test_untouched_on_error),
        cmocka_unit_test(test_check),
        cmocka_unit_test(test_subtrees),
        cmocka_unit_test(test_json_round_trip),
        cmocka_unit_test(test_bad_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
