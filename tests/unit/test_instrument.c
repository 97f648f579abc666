/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the instrument registry and its loaders. They cover the registry itself (add,
 * find, get, duplicates, growth past the initial capacity, refine), the YAML loader on
 * data/instruments/binance.yaml, and the venue JSON loaders on the real bundled metadata: Gate
 * spot and futures lists from 2025-05-08, the MEXC spot list, and the 2021/2023 cryptofeed REST
 * captures. Expected values come from the files themselves. Error cases use temporary files
 * created with mkstemp under /tmp and removed afterwards.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cexarb/instrument.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DATA(rel) CX_DATA_DIR "/" rel

/* ---------------------------------------------------------------------------------------------
 * MARK: helpers
 * ------------------------------------------------------------------------------------------- */

static const struct cx_instrument *find(const struct cx_registry *reg, enum cx_venue v,
                                        const char *sym)
{
    return cx_registry_find(reg, v, sym, strlen(sym));
}

static struct cx_instrument make_inst(enum cx_venue v, const char *sym, int pexp, int qexp)
{
    struct cx_instrument in;
    memset(&in, 0, sizeof in);
    in.venue = (uint8_t)v;
    in.kind = CX_KIND_SPOT;
    in.price_exp = (int8_t)pexp;
    in.qty_exp = (int8_t)qexp;
    snprintf(in.symbol, sizeof in.symbol, "%s", sym);
    snprintf(in.base, sizeof in.base, "B");
    snprintf(in.quote, sizeof in.quote, "Q");
    in.tick = 1;
    in.lot = 1;
    in.multiplier = 1;
    return in;
}

/* Writes text to a new temporary file created with mkstemp; its path goes to path[0..cap). */
static void temp_file(char *path, size_t cap, const char *text)
{
    snprintf(path, cap, "/tmp/cx_test_instrument_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    size_t n = strlen(text);
    assert_int_equal(write(fd, text, n), (ssize_t)n);
    assert_int_equal(close(fd), 0);
}

static void print_err(const struct cx_parse_err *err)
{
    char buf[256];
    cx_parse_err_format(err, buf, sizeof buf);
    print_message("  -> %s\n", buf);
}

/* ---------------------------------------------------------------------------------------------
 * MARK: names
 * ------------------------------------------------------------------------------------------- */

static void test_names(void **state)
{
    (void)state;
    static const char *const names[CX_VENUE_COUNT] = {
        "unknown",   "binance_spot", "binance_usdm", "gate_spot",
        "gate_futures", "mexc_spot", "hyperliquid",
    };
    for (int v = 0; v < CX_VENUE_COUNT; v++) {
        assert_string_equal(cx_venue_name((enum cx_venue)v), names[v]);
        enum cx_venue out = CX_VENUE_UNKNOWN;
        int rc = cx_venue_parse(names[v], strlen(names[v]), &out);
        if (v == CX_VENUE_UNKNOWN) {
            assert_int_equal(rc, CX_EINVAL); /* a placeholder, not a venue */
        } else {
            assert_int_equal(rc, 0);
            assert_int_equal(out, v);
        }
    }
    assert_string_equal(cx_venue_name(CX_VENUE_COUNT), "unknown");
    assert_string_equal(cx_venue_name((enum cx_venue)200), "unknown");
    enum cx_venue out = CX_VENUE_UNKNOWN;
    assert_int_equal(cx_venue_parse("binance_spotx", 13, &out), CX_EINVAL);
    assert_int_equal(cx_venue_parse("binance", 7, &out), CX_EINVAL);
    assert_int_equal(cx_venue_parse("", 0, &out), CX_EINVAL);
    assert_int_equal(cx_venue_parse("GATE_SPOT", 9, &out), CX_EINVAL);
    assert_int_equal(cx_venue_parse("gate_spot,", 9, &out), 0); /* explicit length */
    assert_int_equal(out, CX_VENUE_GATE_SPOT);
    assert_int_equal(cx_venue_parse(NULL, 0, &out), CX_EINVAL);

    assert_string_equal(cx_inst_kind_name(CX_KIND_SPOT), "spot");
    assert_string_equal(cx_inst_kind_name(CX_KIND_LINEAR_PERP), "linear_perp");
    assert_string_equal(cx_inst_kind_name(CX_KIND_INVERSE_PERP), "inverse_perp");
    assert_string_equal(cx_inst_kind_name((enum cx_inst_kind)9), "unknown");
}

/* ---------------------------------------------------------------------------------------------
 * MARK: registry
 * ------------------------------------------------------------------------------------------- */

static void test_registry_basic(void **state)
{
    (void)state;
    struct cx_registry reg;
    assert_int_equal(cx_registry_init(&reg, 0), 0);
    uint32_t initial_cap = reg.cap;
    assert_true(initial_cap > 0);
    assert_true(reg.index_cap >= 2 * reg.cap);

    /* Grow well past the initial capacity, on two venues with the same symbols. */
    const uint32_t n = 1000;
    for (uint32_t i = 0; i < n; i++) {
        char sym[32];
        snprintf(sym, sizeof sym, "SYM%04u", (unsigned)i);
        for (int v = CX_VENUE_GATE_SPOT; v <= CX_VENUE_GATE_FUTURES; v++) {
            struct cx_instrument in = make_inst((enum cx_venue)v, sym, -2, -3);
            in.id = 9999; /* ignored */
            uint32_t id = UINT32_MAX;
            assert_int_equal(cx_registry_add(&reg, &in, &id), 0);
            assert_int_equal(id, 2 * i + (uint32_t)(v - CX_VENUE_GATE_SPOT));
        }
    }
    assert_int_equal(reg.count, 2 * n);
    assert_true(reg.cap > initial_cap);
    assert_true(reg.index_cap >= 2 * reg.count);
    assert_int_equal(reg.index_cap & (reg.index_cap - 1), 0); /* power of two */

    for (uint32_t i = 0; i < n; i++) {
        char sym[32];
        snprintf(sym, sizeof sym, "SYM%04u", (unsigned)i);
        const struct cx_instrument *a = find(&reg, CX_VENUE_GATE_SPOT, sym);
        const struct cx_instrument *b = find(&reg, CX_VENUE_GATE_FUTURES, sym);
        assert_non_null(a);
        assert_non_null(b);
        assert_int_equal(a->id, 2 * i);
        assert_int_equal(b->id, 2 * i + 1);
        assert_int_equal(a->venue, CX_VENUE_GATE_SPOT);
        assert_string_equal(a->symbol, sym);
        assert_ptr_equal(cx_registry_get(&reg, a->id), a);
        assert_null(find(&reg, CX_VENUE_MEXC_SPOT, sym));
    }
    /* Prefixes and extensions of a symbol are different symbols. */
    assert_null(cx_registry_find(&reg, CX_VENUE_GATE_SPOT, "SYM0001", 6));
    assert_null(find(&reg, CX_VENUE_GATE_SPOT, "SYM00010"));
    assert_null(cx_registry_find(&reg, CX_VENUE_GATE_SPOT, "SYM0001", 0));
    assert_null(cx_registry_find(&reg, CX_VENUE_GATE_SPOT, NULL, 3));
    char longsym[64];
    memset(longsym, 'A', sizeof longsym);
    assert_null(cx_registry_find(&reg, CX_VENUE_GATE_SPOT, longsym, sizeof longsym));
    assert_non_null(cx_registry_find(&reg, CX_VENUE_GATE_SPOT, "SYM0001xyz", 7)); /* (ptr, len) */
    assert_null(cx_registry_get(&reg, 2 * n));
    assert_null(cx_registry_get(&reg, UINT32_MAX));

    /* Duplicates and invalid instruments. */
    struct cx_instrument dup = make_inst(CX_VENUE_GATE_SPOT, "SYM0007", -1, -1);
    uint32_t id = 4242;
    assert_int_equal(cx_registry_add(&reg, &dup, &id), CX_EEXIST);
    assert_int_equal(id, 4242); /* out-param untouched on failure */
    assert_int_equal(find(&reg, CX_VENUE_GATE_SPOT, "SYM0007")->price_exp, -2); /* kept */
    struct cx_instrument bad = make_inst(CX_VENUE_GATE_SPOT, "", -2, -2);
    assert_int_equal(cx_registry_add(&reg, &bad, NULL), CX_EINVAL);
    bad = make_inst(CX_VENUE_GATE_SPOT, "X", -19, -2);
    assert_int_equal(cx_registry_add(&reg, &bad, NULL), CX_EINVAL);
    bad = make_inst(CX_VENUE_GATE_SPOT, "X", -2, 19);
    assert_int_equal(cx_registry_add(&reg, &bad, NULL), CX_EINVAL);
    bad = make_inst(CX_VENUE_UNKNOWN, "X", -2, -2);
    assert_int_equal(cx_registry_add(&reg, &bad, NULL), CX_EINVAL);
    bad = make_inst(CX_VENUE_GATE_SPOT, "X", -2, -2);
    memset(bad.symbol, 'Z', sizeof bad.symbol); /* not NUL-terminated */
    assert_int_equal(cx_registry_add(&reg, &bad, NULL), CX_EINVAL);
    assert_int_equal(reg.count, 2 * n);

    cx_registry_fini(&reg);
    assert_null(reg.items);
    assert_int_equal(reg.count, 0);
    cx_registry_fini(&reg); /* safe twice */

    /* A zeroed registry (never initialised) still accepts adds. */
    struct cx_registry z;
    memset(&z, 0, sizeof z);
    assert_null(find(&z, CX_VENUE_GATE_SPOT, "A"));
    struct cx_instrument a = make_inst(CX_VENUE_GATE_SPOT, "A", 0, 0);
    assert_int_equal(cx_registry_add(&z, &a, NULL), 0);
    assert_non_null(find(&z, CX_VENUE_GATE_SPOT, "A"));
    cx_registry_fini(&z);
}

static void test_registry_refine(void **state)
{
    (void)state;
    struct cx_registry reg;
    assert_int_equal(cx_registry_init(&reg, 4), 0);
    struct cx_instrument in = make_inst(CX_VENUE_GATE_SPOT, "ZKS_ETH", -6, -3);
    in.tick = 1;
    in.lot = 1;
    in.min_qty = 5;
    in.min_notional = 100000;
    uint32_t id;
    assert_int_equal(cx_registry_add(&reg, &in, &id), 0);

    /* The 2021 Gate book has ZKS_ETH bids at 0.00000001 (precision 6): refine to -8. */
    assert_int_equal(cx_registry_refine(&reg, id, -8, -10), 0);
    const struct cx_instrument *it = cx_registry_get(&reg, id);
    assert_int_equal(it->price_exp, -8);
    assert_int_equal(it->qty_exp, -10);
    assert_int_equal(it->tick, 100);
    assert_int_equal(it->lot, 10000000);
    assert_int_equal(it->min_qty, 50000000);
    assert_int_equal(it->min_notional, 100000); /* at CX_NOTIONAL_EXP, not rescaled */
    assert_true(it->flags & CX_INST_F_REFINED);

    /* Coarser requests are no-ops per exponent. */
    assert_int_equal(cx_registry_refine(&reg, id, -2, -2), 0);
    assert_int_equal(it->price_exp, -8);
    assert_int_equal(it->qty_exp, -10);
    assert_int_equal(cx_registry_refine(&reg, id, -9, 0), 0);
    assert_int_equal(it->price_exp, -9);
    assert_int_equal(it->tick, 1000);
    assert_int_equal(it->qty_exp, -10);
    assert_int_equal(it->lot, 10000000);

    /* A no-op refine does not set the flag. */
    struct cx_instrument in2 = make_inst(CX_VENUE_GATE_SPOT, "B_C", -2, -2);
    uint32_t id2;
    assert_int_equal(cx_registry_add(&reg, &in2, &id2), 0);
    assert_int_equal(cx_registry_refine(&reg, id2, 0, -1), 0);
    it = cx_registry_get(&reg, id2);
    assert_int_equal(it->flags & CX_INST_F_REFINED, 0);

    /* Overflow leaves the instrument unchanged. */
    struct cx_instrument big = make_inst(CX_VENUE_GATE_SPOT, "BIG", 0, 0);
    big.tick = 1;
    big.lot = INT64_MAX / 100;
    uint32_t id3;
    assert_int_equal(cx_registry_add(&reg, &big, &id3), 0);
    assert_int_equal(cx_registry_refine(&reg, id3, -5, -3), CX_EOVERFLOW);
    it = cx_registry_get(&reg, id3);
    assert_int_equal(it->price_exp, 0);
    assert_int_equal(it->qty_exp, 0);
    assert_int_equal(it->tick, 1);
    assert_int_equal(it->lot, INT64_MAX / 100);
    assert_int_equal(it->flags & CX_INST_F_REFINED, 0);

    assert_int_equal(cx_registry_refine(&reg, 99, -8, -8), CX_EINVAL);
    assert_int_equal(cx_registry_refine(&reg, id, -19, -8), CX_EINVAL);
    cx_registry_fini(&reg);
}

/* ---------------------------------------------------------------------------------------------
 * MARK: YAML
 * ------------------------------------------------------------------------------------------- */

static void test_yaml_binance(void **state)
{
    (void)state;
    struct cx_registry reg;
    struct cx_parse_err err;
    assert_int_equal(cx_registry_init(&reg, 0), 0);
    int rc = cx_registry_load_yaml(&reg, DATA("instruments/binance.yaml"), &err);
    if (rc != 0)
        print_err(&err);
    assert_int_equal(rc, 0);
    assert_int_equal(reg.count, 2);

    const struct cx_instrument *s = find(&reg, CX_VENUE_BINANCE_SPOT, "BTCUSDT");
    assert_non_null(s);
    assert_int_equal(s->kind, CX_KIND_SPOT);
    assert_string_equal(s->base, "BTC");
    assert_string_equal(s->quote, "USDT");
    assert_int_equal(s->price_exp, -8);
    assert_int_equal(s->qty_exp, -8);
    assert_int_equal(s->tick, 1000000);  /* 0.01 */
    assert_int_equal(s->lot, 1000);      /* 0.00001 */
    assert_int_equal(s->min_qty, 1000);  /* 0.00001 */
    assert_int_equal(s->min_notional, INT64_C(500000000)); /* 5 USDT at 1e-8 */
    assert_int_equal(s->multiplier, 1);
    assert_int_equal(s->multiplier_exp, 0);
    assert_int_equal(s->maker_fee_ppb, 1000000); /* 0.1 % */
    assert_int_equal(s->taker_fee_ppb, 1000000);
    assert_int_equal(s->flags, 0);

    const struct cx_instrument *u = find(&reg, CX_VENUE_BINANCE_USDM, "BTCUSDT");
    assert_non_null(u);
    assert_int_equal(u->kind, CX_KIND_LINEAR_PERP);
    assert_int_equal(u->price_exp, -2);
    assert_int_equal(u->qty_exp, -3);
    assert_int_equal(u->tick, 10); /* 0.10 */
    assert_int_equal(u->lot, 1);   /* 0.001 */
    assert_int_equal(u->min_qty, 1);
    assert_int_equal(u->min_notional, INT64_C(10000000000)); /* 100 USDT */
    assert_int_equal(u->maker_fee_ppb, 200000);              /* 0.02 % */
    assert_int_equal(u->taker_fee_ppb, 500000);              /* 0.05 % */

    /* Loading again: every entry is a duplicate, CX_EEXIST, registry unchanged. */
    rc = cx_registry_load_yaml(&reg, DATA("instruments/binance.yaml"), &err);
    assert_int_equal(rc, CX_EEXIST);
    assert_int_equal(err.code, CX_EEXIST);
    assert_non_null(strstr(err.detail, "symbol"));
    assert_int_equal(reg.count, 2);
    cx_registry_fini(&reg);
}

/* Loads `text` as YAML into an empty registry; returns the code and fills err. */
static int load_yaml_text(const char *text, struct cx_parse_err *err, uint32_t *out_count)
{
    char path[64];
    temp_file(path, sizeof path, text);
    struct cx_registry reg;
    assert_int_equal(cx_registry_init(&reg, 0), 0);
    int rc = cx_registry_load_yaml(&reg, path, err);
    print_err(err);
    /* err->file is borrowed from our path buffer: compare before it goes away. */
    assert_string_equal(err->file, path);
    err->file = NULL;
    *out_count = reg.count;
    cx_registry_fini(&reg);
    unlink(path);
    return rc;
}

#define YAML_ENTRY(venue, tick, extra)                                                         \
    "  - venue: " venue "\n"                                                                   \
    "    symbol: BTCUSDT\n"                                                                    \
    "    kind: spot\n"                                                                         \
    "    base: BTC\n"                                                                          \
    "    quote: USDT\n"                                                                        \
    "    price_exp: -2\n"                                                                      \
    "    qty_exp: -5\n"                                                                        \
    "    tick: \"" tick "\"\n"                                                                 \
    "    lot: \"0.00001\"\n" extra "    maker_fee: \"0.001\"\n"                                 \
    "    taker_fee: \"-0.0001\"\n"

static void test_yaml_errors(void **state)
{
    (void)state;
    struct cx_parse_err err;
    uint32_t count = 99;

    /* A valid minimal file, for contrast; optional keys absent. */
    assert_int_equal(load_yaml_text("instruments:\n" YAML_ENTRY("binance_spot", "0.01", ""),
                                    &err, &count),
                     0);
    assert_int_equal(count, 1);

    /* Bad venue in the second entry: CX_ECONFIG naming index, symbol, key and its line. */
    int rc = load_yaml_text("instruments:\n" YAML_ENTRY("binance_spot", "0.01", "")
                                YAML_ENTRY("binance_perp", "0.01", ""),
                            &err, &count);
    assert_int_equal(rc, CX_ECONFIG);
    assert_int_equal(err.code, CX_ECONFIG);
    assert_string_equal(err.detail, "instruments[1] BTCUSDT: venue");
    assert_int_equal(err.line, 13); /* 1 header line + 11 lines of entry 0 + 1 */
    assert_int_equal(err.col, 5);
    assert_int_equal(count, 0); /* nothing added: validated before adding */

    /* Tick finer than price_exp. */
    rc = load_yaml_text("instruments:\n" YAML_ENTRY("binance_spot", "0.001", ""), &err, &count);
    assert_int_equal(rc, CX_ECONFIG);
    assert_string_equal(err.detail, "instruments[0] BTCUSDT: tick");
    assert_int_equal(err.line, 9);
    assert_non_null(strstr(err.msg, "finer"));

    /* Other value errors. */
    rc = load_yaml_text("instruments:\n" YAML_ENTRY("binance_spot", "0.01",
                                                    "    min_notional: \"5.000000001\"\n"),
                        &err, &count);
    assert_int_equal(rc, CX_ECONFIG);
    assert_string_equal(err.detail, "instruments[0] BTCUSDT: min_notional");
    rc = load_yaml_text("instruments:\n" YAML_ENTRY("binance_spot", "abc", ""), &err, &count);
    assert_int_equal(rc, CX_ECONFIG);
    assert_string_equal(err.detail, "instruments[0] BTCUSDT: tick");
    rc = load_yaml_text("instruments:\n" YAML_ENTRY("binance_spot", "0", ""), &err, &count);
    assert_int_equal(rc, CX_ECONFIG);
    rc = load_yaml_text("instruments:\n" YAML_ENTRY("binance_spot", "0.01",
                                                    "    multiplier: \"0.0001\"\n"),
                        &err, &count);
    assert_int_equal(rc, 0);

    /* Duplicate within one file. */
    rc = load_yaml_text("instruments:\n" YAML_ENTRY("binance_spot", "0.01", "")
                            YAML_ENTRY("binance_spot", "0.01", ""),
                        &err, &count);
    assert_int_equal(rc, CX_EEXIST);
    assert_string_equal(err.detail, "instruments[1] BTCUSDT: symbol");

    /* Schema errors from libcyaml are CX_EPARSE with its message and position. */
    rc = load_yaml_text("instruments:\n" YAML_ENTRY("binance_spot", "0.01", "    colour: red\n"),
                        &err, &count);
    assert_int_equal(rc, CX_EPARSE);
    assert_non_null(strstr(err.detail, "colour"));
    assert_true(err.line > 0);
    rc = load_yaml_text("instruments:\n  - venue: binance_spot\n    symbol: X\n", &err, &count);
    assert_int_equal(rc, CX_EPARSE);
    assert_non_null(strstr(err.detail, "Missing required"));
    rc = load_yaml_text("instruments: [\n", &err, &count);
    assert_int_equal(rc, CX_EPARSE);
    rc = load_yaml_text("something_else: 1\n", &err, &count);
    assert_int_equal(rc, CX_EPARSE);
    rc = load_yaml_text("instruments: []\n", &err, &count);
    assert_int_equal(rc, CX_EPARSE);

    /* Missing file. */
    struct cx_registry reg;
    assert_int_equal(cx_registry_init(&reg, 0), 0);
    const char *missing = "/tmp/cx_test_instrument_does_not_exist.yaml";
    rc = cx_registry_load_yaml(&reg, missing, &err);
    assert_int_equal(rc, CX_ENOENT);
    assert_int_equal(err.code, CX_ENOENT);
    assert_ptr_equal(err.file, missing);
    assert_int_equal(cx_registry_load_yaml(&reg, missing, NULL), CX_ENOENT); /* err optional */
    cx_registry_fini(&reg);
}

/* ---------------------------------------------------------------------------------------------
 * MARK: venue JSON
 * ------------------------------------------------------------------------------------------- */

typedef int (*loader_fn)(struct cx_registry *, const char *, uint32_t *, struct cx_parse_err *);

static uint32_t load_ok(struct cx_registry *reg, loader_fn fn, const char *path,
                        struct cx_parse_err *err)
{
    uint32_t n = UINT32_MAX;
    int rc = fn(reg, path, &n, err);
    if (rc != 0 || err->code != 0 || err->detail[0] != '\0')
        print_err(err);
    assert_int_equal(rc, 0);
    return n;
}

static void test_gate_spot_2025(void **state)
{
    (void)state;
    struct cx_registry reg;
    struct cx_parse_err err;
    assert_int_equal(cx_registry_init(&reg, 0), 0);
    uint32_t n = load_ok(&reg, cx_registry_load_gate_spot,
                         DATA("instruments/gate.spot.2025-05-08.json"), &err);
    assert_int_equal(n, 2926);
    assert_int_equal(reg.count, 2926);
    assert_string_equal(err.detail, ""); /* nothing skipped */

    /* BTC_USDT: precision 1, amount_precision 5, min_base_amount "0.00001",
     * min_quote_amount "3", fee "0.2" (percent). */
    const struct cx_instrument *b = find(&reg, CX_VENUE_GATE_SPOT, "BTC_USDT");
    assert_non_null(b);
    assert_int_equal(b->kind, CX_KIND_SPOT);
    assert_string_equal(b->base, "BTC");
    assert_string_equal(b->quote, "USDT");
    assert_int_equal(b->price_exp, -1);
    assert_int_equal(b->tick, 1);
    assert_int_equal(b->qty_exp, -10);
    assert_int_equal(b->lot, 100000);
    assert_int_equal(b->min_qty, 100000);
    assert_int_equal(b->min_notional, INT64_C(300000000));
    assert_int_equal(b->maker_fee_ppb, 2000000);
    assert_int_equal(b->taker_fee_ppb, 2000000);

    /* ALEPH_USDT: precision 5, amount_precision 2, min_base_amount "0.01". */
    const struct cx_instrument *a = find(&reg, CX_VENUE_GATE_SPOT, "ALEPH_USDT");
    assert_non_null(a);
    assert_int_equal(a->price_exp, -5);
    assert_int_equal(a->lot, INT64_C(100000000));
    assert_int_equal(a->min_qty, INT64_C(100000000));
    /* Stablecoin pairs pay "0.1" percent. */
    const struct cx_instrument *u = find(&reg, CX_VENUE_GATE_SPOT, "USDC_USDT");
    assert_non_null(u);
    assert_int_equal(u->maker_fee_ppb, 1000000);
    /* MKR_USDT: amount_precision 6 -> lot 10^4 at -10. */
    const struct cx_instrument *m = find(&reg, CX_VENUE_GATE_SPOT, "MKR_USDT");
    assert_non_null(m);
    assert_int_equal(m->lot, 10000);
    assert_int_equal(m->min_qty, 10000);

    /* The 2021 capture on top: the 605 pairs already present are kept, 853 are new. */
    n = load_ok(&reg, cx_registry_load_gate_spot, DATA("gateio-cryptofeed/GATEIO.0"), &err);
    assert_int_equal(n, 853);
    assert_int_equal(reg.count, 2926 + 853);
    assert_int_equal(find(&reg, CX_VENUE_GATE_SPOT, "BTC_USDT")->price_exp, -1); /* 2025's */
    cx_registry_fini(&reg);
}

static void test_gate_spot_capture(void **state)
{
    (void)state;
    struct cx_registry reg;
    struct cx_parse_err err;
    assert_int_equal(cx_registry_init(&reg, 0), 0);
    uint32_t n = load_ok(&reg, cx_registry_load_gate_spot, DATA("gateio-cryptofeed/GATEIO.0"),
                         &err);
    assert_int_equal(n, 1458);
    /* 2021 BTC_USDT: precision 2, amount_precision 4, min_base "0.0001", min_quote "1". */
    const struct cx_instrument *b = find(&reg, CX_VENUE_GATE_SPOT, "BTC_USDT");
    assert_non_null(b);
    assert_int_equal(b->price_exp, -2);
    assert_int_equal(b->qty_exp, -10);
    assert_int_equal(b->lot, 1000000);
    assert_int_equal(b->min_qty, 1000000);
    assert_int_equal(b->min_notional, INT64_C(100000000));
    /* Most 2021 pairs have no min_base_amount: min_qty 0. ZKS_ETH: precision 6. */
    const struct cx_instrument *z = find(&reg, CX_VENUE_GATE_SPOT, "ZKS_ETH");
    assert_non_null(z);
    assert_int_equal(z->price_exp, -6);
    assert_int_equal(z->min_qty, 0);
    assert_int_equal(z->min_notional, 100000); /* "0.001" ETH */
    /* The one pair with a "0.02" percent fee. */
    const struct cx_instrument *c = find(&reg, CX_VENUE_GATE_SPOT, "USDT_CNYX");
    assert_non_null(c);
    assert_int_equal(c->maker_fee_ppb, 200000);
    cx_registry_fini(&reg);
}

static void test_gate_futures(void **state)
{
    (void)state;
    struct cx_registry reg;
    struct cx_parse_err err;
    assert_int_equal(cx_registry_init(&reg, 0), 0);
    uint32_t n = load_ok(&reg, cx_registry_load_gate_futures,
                         DATA("instruments/gate.linear_swap.2025-05-08.json"), &err);
    assert_int_equal(n, 566);

    const struct cx_instrument *b = find(&reg, CX_VENUE_GATE_FUTURES, "BTC_USDT");
    assert_non_null(b);
    assert_int_equal(b->kind, CX_KIND_LINEAR_PERP);
    assert_string_equal(b->base, "BTC");
    assert_string_equal(b->quote, "USDT");
    assert_int_equal(b->price_exp, -1); /* order_price_round "0.1" */
    assert_int_equal(b->tick, 1);
    assert_int_equal(b->qty_exp, 0);
    assert_int_equal(b->lot, 1);
    assert_int_equal(b->min_qty, 1);
    assert_int_equal(b->multiplier, 1); /* quanto_multiplier "0.0001" */
    assert_int_equal(b->multiplier_exp, -4);
    assert_int_equal(b->maker_fee_ppb, -100000); /* "-0.0001": rebate */
    assert_int_equal(b->taker_fee_ppb, 750000);  /* "0.00075" */
    assert_null(find(&reg, CX_VENUE_GATE_SPOT, "BTC_USDT"));

    const struct cx_instrument *e = find(&reg, CX_VENUE_GATE_FUTURES, "ETH_USDT");
    assert_non_null(e);
    assert_int_equal(e->price_exp, -2); /* "0.05" */
    assert_int_equal(e->tick, 5);
    const struct cx_instrument *p = find(&reg, CX_VENUE_GATE_FUTURES, "PYR_USDT");
    assert_non_null(p);
    assert_int_equal(p->multiplier, 96); /* "9.6" */
    assert_int_equal(p->multiplier_exp, -1);
    const struct cx_instrument *s = find(&reg, CX_VENUE_GATE_FUTURES, "SATS_USDT");
    assert_non_null(s);
    assert_int_equal(s->multiplier, 10000000);
    assert_int_equal(s->multiplier_exp, 0);
    assert_int_equal(s->price_exp, -11);

    /* 2023 capture on top: 228 kept, 74 new. */
    n = load_ok(&reg, cx_registry_load_gate_futures, DATA("gateio-cryptofeed/GATEIO_FUTURES.0"),
                &err);
    assert_int_equal(n, 74);
    cx_registry_fini(&reg);

    assert_int_equal(cx_registry_init(&reg, 0), 0);
    n = load_ok(&reg, cx_registry_load_gate_futures, DATA("gateio-cryptofeed/GATEIO_FUTURES.0"),
                &err);
    assert_int_equal(n, 302);
    b = find(&reg, CX_VENUE_GATE_FUTURES, "BTC_USDT");
    assert_non_null(b);
    assert_int_equal(b->maker_fee_ppb, -152000); /* 2023: "-0.000152" */
    e = find(&reg, CX_VENUE_GATE_FUTURES, "ETH_USDT");
    assert_non_null(e);
    assert_int_equal(e->maker_fee_ppb, -136800); /* "-0.0001368" */
    cx_registry_fini(&reg);
}

static void test_mexc_spot(void **state)
{
    (void)state;
    struct cx_registry reg;
    struct cx_parse_err err;
    assert_int_equal(cx_registry_init(&reg, 0), 0);
    uint32_t n = UINT32_MAX;
    int rc = cx_registry_load_mexc_spot(&reg, DATA("instruments/mxc.spot.2025-05-08.json"), &n,
                                        &err);
    print_err(&err);
    assert_int_equal(rc, 0);
    /* 2696 symbols; NFC_USDT has price_scale 20, beyond 18 decimals, and is skipped. */
    assert_int_equal(n, 2695);
    assert_int_equal(err.code, 0);
    assert_string_equal(err.detail, "1 of 2696 entries skipped, first NFC_USDT");
    assert_non_null(strstr(err.msg, "price_scale"));
    assert_null(find(&reg, CX_VENUE_MEXC_SPOT, "NFC_USDT"));

    const struct cx_instrument *b = find(&reg, CX_VENUE_MEXC_SPOT, "BTC_USDT");
    assert_non_null(b);
    assert_string_equal(b->base, "BTC");
    assert_string_equal(b->quote, "USDT");
    assert_int_equal(b->price_exp, -2);
    assert_int_equal(b->qty_exp, -8);
    assert_int_equal(b->tick, 1);
    assert_int_equal(b->lot, 1);
    assert_int_equal(b->min_qty, 0);
    assert_int_equal(b->min_notional, INT64_C(100000000)); /* min_amount "1" USDT */
    assert_int_equal(b->maker_fee_ppb, 0);                  /* "0E-18" */
    assert_int_equal(b->taker_fee_ppb, 500000);             /* "0.000500000000000000" */
    const struct cx_instrument *e = find(&reg, CX_VENUE_MEXC_SPOT, "ETH_BTC");
    assert_non_null(e);
    assert_int_equal(e->min_notional, 500); /* "0.000005" BTC */
    const struct cx_instrument *p = find(&reg, CX_VENUE_MEXC_SPOT, "PEPE1_USDT");
    assert_non_null(p);
    assert_int_equal(p->price_exp, -17);
    cx_registry_fini(&reg);
}

/* Loads text with fn into an empty registry from a temp file. */
static int load_json_text(loader_fn fn, const char *text, uint32_t *out_n,
                          struct cx_parse_err *err, struct cx_registry *reg)
{
    char path[64];
    temp_file(path, sizeof path, text);
    int rc = fn(reg, path, out_n, err);
    print_err(err);
    assert_string_equal(err->file, path);
    err->file = NULL;
    unlink(path);
    return rc;
}

static void test_json_errors(void **state)
{
    (void)state;
    struct cx_registry reg;
    struct cx_parse_err err;
    uint32_t n = 77;
    assert_int_equal(cx_registry_init(&reg, 0), 0);

    /* Missing file, for each loader. */
    const char *missing = "/tmp/cx_test_instrument_does_not_exist.json";
    loader_fn fns[] = {cx_registry_load_gate_spot, cx_registry_load_gate_futures,
                       cx_registry_load_mexc_spot};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(fns[i](&reg, missing, &n, &err), CX_ENOENT);
        assert_int_equal(err.code, CX_ENOENT);
        assert_ptr_equal(err.file, missing);
        assert_int_equal(n, 77); /* untouched */
        assert_int_equal(fns[i](&reg, missing, NULL, NULL), CX_ENOENT);
    }

    /* Not an array. */
    assert_int_equal(load_json_text(cx_registry_load_gate_spot, "{\"id\": \"A_B\"}", &n, &err,
                                    &reg),
                     CX_EPARSE);
    assert_int_equal(err.code, CX_EPARSE);
    assert_int_equal(err.line, 1);
    /* Broken JSON: position of the failure. */
    assert_int_equal(load_json_text(cx_registry_load_gate_spot, "[\n  {\"id\": 1,,}\n]", &n,
                                    &err, &reg),
                     CX_EPARSE);
    assert_int_equal(err.line, 2);
    assert_true(err.col > 1);
    /* Neither JSON nor a capture line with an array. */
    assert_int_equal(load_json_text(cx_registry_load_gate_spot,
                                    "https://x -> 1.5: {\"a\": 1}\nconfiguration: {}\n", &n,
                                    &err, &reg),
                     CX_EPARSE);
    assert_int_equal(load_json_text(cx_registry_load_mexc_spot, "", &n, &err, &reg), CX_EPARSE);
    assert_int_equal(n, 77);
    assert_int_equal(reg.count, 0);

    /* Skips are counted, numbers may be JSON numbers, a capture's second line is ignored. */
    const char *capture =
        "https://api.gateio.ws/api/v4/spot/currency_pairs -> 1619093531.88: ["
        "{\"id\":\"A_USDT\",\"base\":\"A\",\"quote\":\"USDT\",\"fee\":0.2,\"precision\":4,"
        "\"amount_precision\":\"2\",\"min_base_amount\":0.001,\"min_quote_amount\":null},"
        "{\"id\":\"B_USDT\",\"base\":\"B\",\"quote\":\"USDT\",\"fee\":\"0.2\"},"
        "7,"
        "{\"id\":\"C_USDT\",\"base\":\"C\",\"quote\":\"USDT\",\"fee\":\"0.2\",\"precision\":19,"
        "\"amount_precision\":1},"
        "{\"id\":\"D_USDT_VERY_LONG_SYMBOL_NAME_XYZ\",\"base\":\"D\",\"quote\":\"USDT\","
        "\"fee\":\"0.2\",\"precision\":1,\"amount_precision\":1},"
        "{\"id\":\"E_USDT\",\"base\":\"E\",\"quote\":\"USDT\",\"fee\":\"0.12345678\","
        "\"precision\":1,\"amount_precision\":1}"
        "]\nconfiguration: {\"l2_book\": [\"A-USDT\"]}\n";
    n = 0;
    assert_int_equal(load_json_text(cx_registry_load_gate_spot, capture, &n, &err, &reg), 0);
    assert_int_equal(n, 1);
    assert_int_equal(err.code, 0);
    assert_string_equal(err.detail, "5 of 6 entries skipped, first B_USDT");
    const struct cx_instrument *a = find(&reg, CX_VENUE_GATE_SPOT, "A_USDT");
    assert_non_null(a);
    assert_int_equal(a->maker_fee_ppb, 2000000);
    assert_int_equal(a->min_qty, 10000000); /* 0.001 at -10 */
    assert_int_equal(a->min_notional, 0);   /* null: no limit */
    assert_int_equal(a->lot, 100000000);    /* amount_precision "2" as a string */
    cx_registry_fini(&reg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_registry_basic),
        cmocka_unit_test(test_registry_refine),
        cmocka_unit_test(test_yaml_binance),
        cmocka_unit_test(test_yaml_errors),
        cmocka_unit_test(test_gate_spot_2025),
        cmocka_unit_test(test_gate_spot_capture),
        cmocka_unit_test(test_gate_futures),
        cmocka_unit_test(test_mexc_spot),
        cmocka_unit_test(test_json_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
