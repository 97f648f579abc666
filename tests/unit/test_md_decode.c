/* SPDX-License-Identifier: MIT */
/*
 * Decoder tests: every line of every bundled recording (Binance spot and USD-M, Hyperliquid,
 * Gate spot and futures WebSocket and REST captures) is decoded by the fast scanner and by the
 * cJSON reference decoder, and the two batches must be identical byte for byte; the message
 * counts per kind must match the known contents of the files. Then: spot checks of decoded
 * values, key-order and escape tolerance, prescan (scan mode) results, and error reports with
 * exact codes and columns, including every prefix of real lines (all must be CX_ETRUNC, read
 * from exact-size buffers so a sanitizer build catches any over-read).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "cexarb/core.h"
#include "cexarb/instrument.h"
#include "cexarb/md.h"
#include "cx_ref.h"
#include "md/md_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define BATCH_CAP 16384u
#define LINE_CAP (8u << 20) /* longest recorded line is ~64 KB */

struct fixture {
    struct cx_registry reg;
    struct cx_md_event *ev_fast;
    struct cx_md_event *ev_ref;
    struct cx_md_batch fast;
    struct cx_md_batch ref;
    char *line;
};

enum dec { DEC_BINANCE, DEC_HL, DEC_GATE };

struct input {
    enum dec dec;
    enum cx_venue venue;
    const char *rest_symbol; /* Gate REST replies */
    size_t rest_len;
    const char *snapshot_symbol;
};

/* ---------------------------------------------------------------------------------------------
 * MARK: fixture
 * ------------------------------------------------------------------------------------------- */

static void add_inst(struct cx_registry *reg, enum cx_venue venue, const char *sym, int pexp,
                     int qexp)
{
    struct cx_instrument in;
    memset(&in, 0, sizeof in);
    in.venue = (uint8_t)venue;
    in.kind = venue == CX_VENUE_GATE_SPOT ? CX_KIND_SPOT : CX_KIND_LINEAR_PERP;
    in.price_exp = (int8_t)pexp;
    in.qty_exp = (int8_t)qexp;
    in.multiplier = 1;
    snprintf(in.symbol, sizeof in.symbol, "%s", sym);
    assert_int_equal(cx_registry_add(reg, &in, NULL), 0);
}

static int group_setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof *fx);
    if (fx == NULL)
        return -1;
    struct cx_parse_err err = {0};
    if (cx_registry_init(&fx->reg, 64) != 0 ||
        cx_registry_load_yaml(&fx->reg, CX_DATA_DIR "/instruments/binance.yaml", &err) != 0) {
        char msg[256];
        cx_parse_err_format(&err, msg, sizeof msg);
        fprintf(stderr, "registry: %s\n", msg);
        return -1;
    }
    static const char *const gate_spot[] = {"HAI_ETH", "QTUM3S_USDT", "FAST_USDT", "OMG_USDT",
                                            "ZKS_ETH", "NEO_BTC",     "INK_USDT",  "DIS_USDT",
                                            "BTC_USDC", "NANO_USDT"};
    static const char *const gate_fut[] = {"DIA_USDT", "RDNT_USDT",  "LIT_USDT", "ZRX_USDT",
                                           "WOO_USDT", "QUICK_USDT", "OMG_USDT", "FRONT_USDT",
                                           "PHB_USDT", "SFP_USDT"};
    for (size_t i = 0; i < sizeof gate_spot / sizeof gate_spot[0]; i++)
        add_inst(&fx->reg, CX_VENUE_GATE_SPOT, gate_spot[i], -8, -10);
    for (size_t i = 0; i < sizeof gate_fut / sizeof gate_fut[0]; i++)
        add_inst(&fx->reg, CX_VENUE_GATE_FUTURES, gate_fut[i], -4, 0);
    add_inst(&fx->reg, CX_VENUE_HYPERLIQUID, "BTC", -1, -5);
    fx->ev_fast = calloc(BATCH_CAP, sizeof *fx->ev_fast);
    fx->ev_ref = calloc(BATCH_CAP, sizeof *fx->ev_ref);
    fx->line = malloc(LINE_CAP);
    if (fx->ev_fast == NULL || fx->ev_ref == NULL || fx->line == NULL)
        return -1;
    fx->fast.ev = fx->ev_fast;
    fx->fast.cap = BATCH_CAP;
    fx->ref.ev = fx->ev_ref;
    fx->ref.cap = BATCH_CAP;
    *state = fx;
    return 0;
}

static int group_teardown(void **state)
{
    struct fixture *fx = *state;
    if (fx != NULL) {
        cx_registry_fini(&fx->reg);
        free(fx->ev_fast);
        free(fx->ev_ref);
        free(fx->line);
        free(fx);
    }
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: helpers
 * ------------------------------------------------------------------------------------------- */

static int decode(struct fixture *fx, const struct cx_md_ctx *ctx, const struct input *in,
                  bool ref, const char *json, size_t n, int64_t local_ts_ns,
                  struct cx_parse_err *err)
{
    struct cx_md_batch *b = ref ? &fx->ref : &fx->fast;
    switch (in->dec) {
    case DEC_BINANCE:
        return ref ? cx_md_decode_binance_ref(ctx, json, n, in->venue, local_ts_ns, b, err)
                   : cx_md_decode_binance(ctx, json, n, in->venue, local_ts_ns, b, err);
    case DEC_HL:
        return ref ? cx_md_decode_hyperliquid_ref(ctx, json, n, local_ts_ns, b, err)
                   : cx_md_decode_hyperliquid(ctx, json, n, local_ts_ns, b, err);
    case DEC_GATE:
        return ref ? cx_md_decode_gate_ref(ctx, json, n, in->venue, in->rest_symbol,
                                           in->rest_len, local_ts_ns, b, err)
                   : cx_md_decode_gate(ctx, json, n, in->venue, in->rest_symbol, in->rest_len,
                                       local_ts_ns, b, err);
    }
    return CX_EINVAL;
}

static void ctx_init(struct cx_md_ctx *ctx, struct fixture *fx, const struct input *in)
{
    memset(ctx, 0, sizeof *ctx);
    ctx->reg = &fx->reg;
    if (in->snapshot_symbol != NULL) {
        ctx->snapshot_symbol = in->snapshot_symbol;
        ctx->snapshot_symbol_len = (uint32_t)strlen(in->snapshot_symbol);
    }
}

static void print_err(const char *what, const char *where, int rc, const struct cx_parse_err *e)
{
    char msg[256];
    cx_parse_err_format(e, msg, sizeof msg);
    print_error("%s: %s decoder returned %s: %s\n", where, what, cx_err_name(rc), msg);
}

/* Decode with both decoders; both must succeed with identical batches. */
static void decode_both(struct fixture *fx, const struct input *in, const char *json, size_t n,
                        int64_t local_ts_ns, const char *where)
{
    struct cx_md_ctx ctx;
    ctx_init(&ctx, fx, in);
    struct cx_parse_err ef = {0}, er = {0};
    fx->fast.n = fx->ref.n = 0;
    int rf = decode(fx, &ctx, in, false, json, n, local_ts_ns, &ef);
    int rr = decode(fx, &ctx, in, true, json, n, local_ts_ns, &er);
    if (rf != 0)
        print_err("fast", where, rf, &ef);
    if (rr != 0)
        print_err("reference", where, rr, &er);
    assert_int_equal(rf, 0);
    assert_int_equal(rr, 0);
    if (fx->fast.n != fx->ref.n || fx->fast.kind != fx->ref.kind ||
        fx->fast.inst_id != fx->ref.inst_id || fx->fast.venue != fx->ref.venue ||
        fx->fast.local_ts_ns != fx->ref.local_ts_ns)
        print_error("%s: batch header differs: n %u/%u kind %u/%u inst %u/%u\n", where,
                    fx->fast.n, fx->ref.n, fx->fast.kind, fx->ref.kind, fx->fast.inst_id,
                    fx->ref.inst_id);
    assert_int_equal(fx->fast.n, fx->ref.n);
    assert_int_equal(fx->fast.kind, fx->ref.kind);
    assert_int_equal(fx->fast.inst_id, fx->ref.inst_id);
    assert_int_equal(fx->fast.venue, fx->ref.venue);
    assert_true(fx->fast.local_ts_ns == fx->ref.local_ts_ns);
    for (uint32_t i = 0; i < fx->fast.n; i++) {
        if (memcmp(&fx->ev_fast[i], &fx->ev_ref[i], sizeof fx->ev_fast[i]) != 0) {
            const struct cx_md_event *a = &fx->ev_fast[i], *b = &fx->ev_ref[i];
            print_error("%s: event %u differs: type %u/%u flags %#x/%#x seq %" PRIu64 "/%" PRIu64
                        " exch %" PRId64 "/%" PRId64 " a=%" PRId64 "/%" PRId64 " b=%" PRId64
                        "/%" PRId64 "\n",
                        where, i, a->type, b->type, a->flags, b->flags, a->seq, b->seq,
                        a->exch_ts_ns, b->exch_ts_ns, a->u.level.price_m, b->u.level.price_m,
                        a->u.level.qty_m, b->u.level.qty_m);
            fail();
        }
    }
}

/* Expect the fast decoder to fail with `code` at `col` (0: do not check) and the reference to
 * fail too (with any code). */
static void expect_error(struct fixture *fx, const struct input *in, const char *json, size_t n,
                         int code, int col, const char *detail)
{
    struct cx_md_ctx ctx;
    ctx_init(&ctx, fx, in);
    struct cx_parse_err ef = {0}, er = {0};
    int rf = decode(fx, &ctx, in, false, json, n, 1, &ef);
    int rr = decode(fx, &ctx, in, true, json, n, 1, &er);
    if (rf != code || (col != 0 && ef.col != col) || rr == 0) {
        print_error("input: %.*s\n", (int)(n > 300 ? 300 : n), json);
        print_err("fast", "expect_error", rf, &ef);
        print_error("fast col %d (want %d); reference %s\n", (int)ef.col, col, cx_err_name(rr));
    }
    assert_string_equal(cx_err_name(rf), cx_err_name(code));
    assert_int_equal(ef.code, code);
    assert_non_null(ef.msg);
    if (col != 0)
        assert_int_equal(ef.col, col);
    if (detail != NULL)
        assert_string_equal(ef.detail, detail);
    assert_int_not_equal(rr, 0);
}

/* 1-based column of the first byte of `needle` in s, plus `skip` bytes. */
static int col_of(const char *s, const char *needle, int skip)
{
    const char *p = strstr(s, needle);
    assert_non_null(p);
    return (int)(p - s) + skip + 1;
}

/* Replace the first `from` in s by `to` into out (cap bytes). */
static const char *subst(char *out, size_t cap, const char *s, const char *from, const char *to)
{
    const char *p = strstr(s, from);
    assert_non_null(p);
    int n = snprintf(out, cap, "%.*s%s%s", (int)(p - s), s, to, p + strlen(from));
    assert_true(n > 0 && (size_t)n < cap);
    return out;
}

/* Strip a trailing newline / CR. */
static size_t chomp(char *s)
{
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return n;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: bundled recordings: fast == reference on every line
 * ------------------------------------------------------------------------------------------- */

/* hftbacktest lines `<local_ns> <json>` (gzip). */
static void run_hftbt(struct fixture *fx, const char *path, const struct input *in,
                      uint64_t *counts, uint64_t *events)
{
    gzFile gz = gzopen(path, "rb");
    assert_non_null(gz);
    uint64_t lineno = 0;
    char where[64];
    while (gzgets(gz, fx->line, (int)LINE_CAP) != NULL) {
        lineno++;
        size_t len = strlen(fx->line);
        assert_true(len + 1 < LINE_CAP); /* the buffer held the whole line */
        len = chomp(fx->line);
        if (len == 0)
            continue;
        char *sp = memchr(fx->line, ' ', len);
        assert_non_null(sp);
        uint64_t ts;
        assert_int_equal(cx__md_u64(fx->line, (size_t)(sp - fx->line), &ts), 0);
        snprintf(where, sizeof where, "%s:%" PRIu64, strrchr(path, '/') + 1, lineno);
        const char *json = sp + 1;
        decode_both(fx, in, json, len - (size_t)(json - fx->line), (int64_t)ts, where);
        counts[fx->fast.kind]++;
        *events += fx->fast.n;
    }
    gzclose(gz);
}

static void test_binance_spot_file(void **state)
{
    struct fixture *fx = *state;
    struct input in = {DEC_BINANCE, CX_VENUE_BINANCE_SPOT, NULL, 0, "BTCUSDT"};
    uint64_t counts[CX_MD_KIND_COUNT] = {0}, events = 0;
    run_hftbt(fx, CX_DATA_DIR "/binance/spot/btcusdt_20240808.gz", &in, counts, &events);
    assert_int_equal(counts[CX_MD_KIND_BBO], 28040);
    assert_int_equal(counts[CX_MD_KIND_DEPTH], 3451);
    assert_int_equal(counts[CX_MD_KIND_TRADE], 9757);
    assert_int_equal(counts[CX_MD_KIND_SNAPSHOT], 1);
    assert_int_equal(counts[CX_MD_KIND_CONTROL] + counts[CX_MD_KIND_IGNORED], 0);
    print_message("binance spot: %" PRIu64 " events\n", events);
}

static void test_binance_usdm_file(void **state)
{
    struct fixture *fx = *state;
    struct input in = {DEC_BINANCE, CX_VENUE_BINANCE_USDM, NULL, 0, "BTCUSDT"};
    uint64_t counts[CX_MD_KIND_COUNT] = {0}, events = 0;
    run_hftbt(fx, CX_DATA_DIR "/binance/usdm/btcusdt_20240808.gz", &in, counts, &events);
    assert_int_equal(counts[CX_MD_KIND_BBO], 66089);
    assert_int_equal(counts[CX_MD_KIND_DEPTH], 6551);
    assert_int_equal(counts[CX_MD_KIND_TRADE], 21313);
    assert_int_equal(counts[CX_MD_KIND_SNAPSHOT], 1);
    assert_int_equal(counts[CX_MD_KIND_CONTROL] + counts[CX_MD_KIND_IGNORED], 0);
    print_message("binance usdm: %" PRIu64 " events\n", events);
}

static void test_hyperliquid_file(void **state)
{
    struct fixture *fx = *state;
    struct input in = {DEC_HL, CX_VENUE_HYPERLIQUID, NULL, 0, NULL};
    uint64_t counts[CX_MD_KIND_COUNT] = {0}, events = 0;
    run_hftbt(fx, CX_DATA_DIR "/binance/hyperliquid/btcusd_20250126.gz", &in, counts, &events);
    assert_int_equal(counts[CX_MD_KIND_SNAPSHOT], 46);
    assert_int_equal(counts[CX_MD_KIND_TRADE], 9);
    assert_int_equal(counts[CX_MD_KIND_CONTROL] + counts[CX_MD_KIND_IGNORED], 0);
    print_message("hyperliquid: %" PRIu64 " events\n", events);
}

/* cryptofeed WS capture: `<epoch s>: <json>` received, ` <- ` sent, ` <-> ` connect. */
static void run_gate_ws(struct fixture *fx, const char *path, enum cx_venue venue,
                        uint64_t *counts)
{
    gzFile gz = gzopen(path, "rb");
    assert_non_null(gz);
    struct input in = {DEC_GATE, venue, NULL, 0, NULL};
    uint64_t lineno = 0;
    char where[64];
    while (gzgets(gz, fx->line, (int)LINE_CAP) != NULL) {
        lineno++;
        assert_true(strlen(fx->line) + 1 < LINE_CAP);
        size_t len = chomp(fx->line);
        if (len == 0 || strstr(fx->line, " <- ") != NULL || strstr(fx->line, " <-> ") != NULL)
            continue;
        char *sep = strstr(fx->line, ": ");
        assert_non_null(sep);
        int64_t ts;
        assert_int_equal(cx_dec_parse(fx->line, (size_t)(sep - fx->line), -9, &ts), 0);
        snprintf(where, sizeof where, "%s:%" PRIu64, strrchr(path, '/') + 1, lineno);
        const char *json = sep + 2;
        decode_both(fx, &in, json, len - (size_t)(json - fx->line), ts, where);
        counts[fx->fast.kind]++;
    }
    gzclose(gz);
}

/* cryptofeed REST capture: `<url> -> <ts>: <json>`; symbol from the query string. */
static void run_gate_http(struct fixture *fx, const char *path, enum cx_venue venue,
                          uint64_t *counts)
{
    gzFile gz = gzopen(path, "rb");
    assert_non_null(gz);
    uint64_t lineno = 0;
    char where[64];
    while (gzgets(gz, fx->line, (int)LINE_CAP) != NULL) {
        lineno++;
        assert_true(strlen(fx->line) + 1 < LINE_CAP);
        size_t len = chomp(fx->line);
        if (len == 0)
            continue;
        char *arrow = strstr(fx->line, " -> ");
        assert_non_null(arrow);
        const char *key = venue == CX_VENUE_GATE_SPOT ? "currency_pair=" : "contract=";
        char *sym = strstr(fx->line, key);
        assert_true(sym != NULL && sym < arrow);
        sym += strlen(key);
        size_t sym_len = strcspn(sym, "& ");
        char *sep = strstr(arrow, ": ");
        assert_non_null(sep);
        int64_t ts;
        assert_int_equal(cx_dec_parse(arrow + 4, (size_t)(sep - arrow - 4), -9, &ts), 0);
        struct input in = {DEC_GATE, venue, sym, sym_len, NULL};
        snprintf(where, sizeof where, "%s:%" PRIu64, strrchr(path, '/') + 1, lineno);
        const char *json = sep + 2;
        decode_both(fx, &in, json, len - (size_t)(json - fx->line), ts, where);
        counts[fx->fast.kind]++;
        /* Bids first, each side in the reply's order; ids on every level. */
        assert_int_equal(fx->fast.kind, CX_MD_KIND_SNAPSHOT);
        assert_true(fx->fast.n > 2);
        assert_int_equal(fx->ev_fast[0].flags & CX_MD_F_ASK, 0);
        assert_int_not_equal(fx->ev_fast[fx->fast.n - 1].flags & CX_MD_F_ASK, 0);
        assert_true(fx->ev_fast[0].u.level.price_m > fx->ev_fast[1].u.level.price_m);
    }
    gzclose(gz);
}

static void test_gate_files(void **state)
{
    struct fixture *fx = *state;
    uint64_t c[CX_MD_KIND_COUNT] = {0};
    run_gate_ws(fx, CX_DATA_DIR "/gateio-cryptofeed/GATEIO.ws.1.0", CX_VENUE_GATE_SPOT, c);
    assert_int_equal(c[CX_MD_KIND_CONTROL], 22);
    assert_int_equal(c[CX_MD_KIND_DEPTH], 172);
    assert_int_equal(c[CX_MD_KIND_TICKER], 22);
    assert_int_equal(c[CX_MD_KIND_IGNORED], 14);
    assert_int_equal(c[CX_MD_KIND_TRADE], 9);
    assert_int_equal(c[CX_MD_KIND_BBO] + c[CX_MD_KIND_SNAPSHOT], 0);

    uint64_t f[CX_MD_KIND_COUNT] = {0};
    run_gate_ws(fx, CX_DATA_DIR "/gateio-cryptofeed/GATEIO_FUTURES.ws.1.0",
                CX_VENUE_GATE_FUTURES, f);
    assert_int_equal(f[CX_MD_KIND_CONTROL], 22);
    assert_int_equal(f[CX_MD_KIND_DEPTH], 352);
    assert_int_equal(f[CX_MD_KIND_BBO], 75);
    assert_int_equal(f[CX_MD_KIND_IGNORED], 1);
    assert_int_equal(f[CX_MD_KIND_TRADE] + f[CX_MD_KIND_TICKER] + f[CX_MD_KIND_SNAPSHOT], 0);

    uint64_t hs[CX_MD_KIND_COUNT] = {0}, hf[CX_MD_KIND_COUNT] = {0};
    run_gate_http(fx, CX_DATA_DIR "/gateio-cryptofeed/GATEIO.http.0.0", CX_VENUE_GATE_SPOT, hs);
    run_gate_http(fx, CX_DATA_DIR "/gateio-cryptofeed/GATEIO_FUTURES.http.0.0",
                  CX_VENUE_GATE_FUTURES, hf);
    assert_int_equal(hs[CX_MD_KIND_SNAPSHOT], 10);
    assert_int_equal(hf[CX_MD_KIND_SNAPSHOT], 10);
}

/* ---------------------------------------------------------------------------------------------
 * MARK: decoded values
 * ------------------------------------------------------------------------------------------- */

/* The first spot depth line of the recording, verbatim. */
static const char k_depth[] =
    "{\"stream\":\"btcusdt@depth@100ms\",\"data\":{\"e\":\"depthUpdate\",\"E\":1723161255208,"
    "\"s\":\"BTCUSDT\",\"U\":50093239189,\"u\":50093239202,\"b\":[[\"61737.63000000\","
    "\"0.00000000\"],[\"61730.17000000\",\"0.00000000\"],[\"56854.58000000\",\"0.00000000\"]],"
    "\"a\":[[\"61837.64000000\",\"1.54698000\"],[\"61839.85000000\",\"0.00000000\"]]}}";

static void test_values(void **state)
{
    struct fixture *fx = *state;
    struct input spot = {DEC_BINANCE, CX_VENUE_BINANCE_SPOT, NULL, 0, "BTCUSDT"};
    decode_both(fx, &spot, k_depth, strlen(k_depth), 42, "depth");
    assert_int_equal(fx->fast.n, 5);
    assert_int_equal(fx->fast.kind, CX_MD_KIND_DEPTH);
    const struct cx_md_event *e = fx->ev_fast;
    assert_int_equal(e[0].type, CX_MD_DEPTH_DELTA);
    assert_int_equal(e[0].flags, CX_MD_F_BEGIN);
    assert_true(e[0].u.level.price_m == INT64_C(6173763000000));
    assert_true(e[0].u.level.qty_m == 0);
    assert_true(e[0].seq == UINT64_C(50093239202));
    assert_true(e[0].u.level.seq_first == UINT64_C(50093239189));
    assert_true(e[0].exch_ts_ns == INT64_C(1723161255208000000));
    assert_true(e[0].local_ts_ns == 42);
    assert_int_equal(e[3].flags, CX_MD_F_ASK);
    assert_true(e[3].u.level.qty_m == INT64_C(154698000));
    assert_int_equal(e[4].flags, CX_MD_F_ASK | CX_MD_F_END);

    /* USD-M: pu -> seq_prev with HAS_PREV; an update without levels -> one NOLEVEL event. */
    struct input usdm = {DEC_BINANCE, CX_VENUE_BINANCE_USDM, NULL, 0, "BTCUSDT"};
    static const char k_usdm[] =
        "{\"stream\":\"btcusdt@depth@0ms\",\"data\":{\"e\":\"depthUpdate\",\"E\":1723161256299,"
        "\"T\":1723161256298,\"s\":\"BTCUSDT\",\"U\":5123107832006,\"u\":5123107837557,"
        "\"pu\":5123107831937,\"b\":[],\"a\":[]}}";
    decode_both(fx, &usdm, k_usdm, strlen(k_usdm), 7, "usdm empty");
    assert_int_equal(fx->fast.n, 1);
    assert_int_equal(e[0].flags,
                     CX_MD_F_NOLEVEL | CX_MD_F_HAS_PREV | CX_MD_F_BEGIN | CX_MD_F_END);
    assert_true(e[0].u.level.seq_prev == UINT64_C(5123107831937));

    /* Trade: m=true means the buyer was the maker, so no BUY_TAKER; exch time from T. */
    static const char k_trade[] =
        "{\"stream\":\"btcusdt@trade\",\"data\":{\"e\":\"trade\",\"E\":1723161255343,"
        "\"s\":\"BTCUSDT\",\"t\":3735683259,\"p\":\"61837.63000000\",\"q\":\"0.02000000\","
        "\"T\":1723161255342,\"m\":true,\"M\":true}}";
    decode_both(fx, &spot, k_trade, strlen(k_trade), 1, "trade");
    assert_int_equal(fx->fast.kind, CX_MD_KIND_TRADE);
    assert_int_equal(e[0].flags, CX_MD_F_SINGLE);
    assert_true(e[0].seq == 3735683259u);
    assert_true(e[0].exch_ts_ns == INT64_C(1723161255342000000));
    assert_true(e[0].u.trade.qty_m == 2000000);

    /* Spot bookTicker has no event time. */
    static const char k_bbo[] =
        "{\"stream\":\"btcusdt@bookTicker\",\"data\":{\"u\":50093239212,\"s\":\"BTCUSDT\","
        "\"b\":\"61837.63000000\",\"B\":\"3.78826000\",\"a\":\"61837.64000000\","
        "\"A\":\"1.54698000\"}}";
    decode_both(fx, &spot, k_bbo, strlen(k_bbo), 1, "bbo");
    assert_int_equal(fx->fast.kind, CX_MD_KIND_BBO);
    assert_true(e[0].exch_ts_ns == 0);
    assert_true(e[0].u.bbo.ask_price_m == INT64_C(6183764000000));
    assert_true(e[0].u.bbo.bid_qty_m == INT64_C(378826000));

    /* Gate spot trade: create_time_ms "1619093543708.2642" -> ns exactly; "sell". */
    struct input gs = {DEC_GATE, CX_VENUE_GATE_SPOT, NULL, 0, NULL};
    static const char k_gtrade[] =
        "{\"time\":1619093543,\"channel\":\"spot.trades\",\"event\":\"update\",\"result\":"
        "{\"id\":816995772,\"create_time\":1619093543,\"create_time_ms\":\"1619093543708.2642\","
        "\"side\":\"sell\",\"currency_pair\":\"DIS_USDT\",\"amount\":\"0.2010000000\","
        "\"price\":\"121.5800000000\"}}";
    decode_both(fx, &gs, k_gtrade, strlen(k_gtrade), 1, "gate trade");
    assert_true(e[0].exch_ts_ns == INT64_C(1619093543708264200));
    assert_true(e[0].seq == 816995772u);
    assert_int_equal(e[0].flags, CX_MD_F_SINGLE);
    assert_true(e[0].u.trade.price_m == INT64_C(12158000000));
    assert_true(e[0].u.trade.qty_m == INT64_C(2010000000));

    /* Gate futures trades: size < 0 is a sell, qty = |size|; time from create_time_ms. */
    struct input gf = {DEC_GATE, CX_VENUE_GATE_FUTURES, NULL, 0, NULL};
    static const char k_ftrades[] =
        "{\"time\":1684930170,\"time_ms\":1684930170123,\"channel\":\"futures.trades\","
        "\"event\":\"update\",\"result\":[{\"size\":-108,\"id\":27753479,\"create_time\":"
        "1684930170,\"create_time_ms\":1684930170111,\"price\":\"0.2983\",\"contract\":"
        "\"RDNT_USDT\"},{\"size\":5,\"id\":27753480,\"create_time\":1684930170,"
        "\"create_time_ms\":1684930170112,\"price\":\"0.2984\",\"contract\":\"RDNT_USDT\"}]}";
    decode_both(fx, &gf, k_ftrades, strlen(k_ftrades), 1, "futures trades");
    assert_int_equal(fx->fast.n, 2);
    assert_int_equal(e[0].flags, CX_MD_F_BEGIN);
    assert_int_equal(e[1].flags, CX_MD_F_BUY_TAKER | CX_MD_F_END);
    assert_true(e[0].u.trade.qty_m == 108);
    assert_true(e[0].exch_ts_ns == INT64_C(1684930170111000000));

    /* Gate futures REST reply: "current" seconds with a fraction -> ns exactly; id last. */
    struct input gr = {DEC_GATE, CX_VENUE_GATE_FUTURES, "RDNT_USDT", 9, NULL};
    static const char k_rest[] =
        "{\"current\":1684930166.384,\"update\":1684930166.35,\"asks\":[{\"s\":803,\"p\":"
        "\"0.2974\"}],\"bids\":[{\"s\":12,\"p\":\"0.2973\"},{\"p\":\"0.2972\",\"s\":1}],"
        "\"id\":203083287}";
    decode_both(fx, &gr, k_rest, strlen(k_rest), 1, "futures rest");
    assert_int_equal(fx->fast.n, 3);
    assert_true(e[0].exch_ts_ns == INT64_C(1684930166384000000));
    assert_true(e[0].seq == 203083287u && e[2].u.level.seq_first == 203083287u);
    assert_true(e[0].u.level.price_m == 2973 && e[0].u.level.qty_m == 12);
    assert_int_equal(e[2].flags, CX_MD_F_ASK | CX_MD_F_END);
    assert_true(e[2].u.level.qty_m == 803);

    /* Gate spot ticker: prices only, exch time from the envelope's seconds. */
    static const char k_ticker[] =
        "{\"time\":1619093533,\"channel\":\"spot.tickers\",\"event\":\"update\",\"result\":"
        "{\"currency_pair\":\"NEO_BTC\",\"last\":\"0.0018716\",\"lowest_ask\":\"0.0018734\","
        "\"highest_bid\":\"0.0018697\"}}";
    decode_both(fx, &gs, k_ticker, strlen(k_ticker), 1, "ticker");
    assert_int_equal(fx->fast.kind, CX_MD_KIND_TICKER);
    assert_int_equal(e[0].flags, CX_MD_F_SINGLE | CX_MD_F_NOQTY);
    assert_true(e[0].exch_ts_ns == INT64_C(1619093533000000000));
    assert_true(e[0].u.bbo.bid_price_m == 186970 && e[0].u.bbo.ask_qty_m == 0);

    /* Hyperliquid: side "B" is a buy aggressor; control channels produce nothing. */
    struct input hl = {DEC_HL, CX_VENUE_HYPERLIQUID, NULL, 0, NULL};
    static const char k_hl[] =
        "{\"channel\":\"trades\",\"data\":[{\"coin\":\"BTC\",\"hash\":\"0xde\",\"px\":"
        "\"105056.0\",\"side\":\"B\",\"sz\":\"0.00219\",\"tid\":121451470284048,\"time\":"
        "1737918794873,\"users\":[\"0xe9\",\"0x68\"]}]}";
    decode_both(fx, &hl, k_hl, strlen(k_hl), 1, "hl trade");
    assert_int_equal(e[0].flags, CX_MD_F_SINGLE | CX_MD_F_BUY_TAKER);
    assert_true(e[0].seq == UINT64_C(121451470284048));
    assert_true(e[0].u.trade.price_m == 1050560 && e[0].u.trade.qty_m == 219);
    static const char k_pong[] = "{\"channel\":\"pong\"}";
    decode_both(fx, &hl, k_pong, strlen(k_pong), 1, "pong");
    assert_int_equal(fx->fast.kind, CX_MD_KIND_CONTROL);
    assert_int_equal(fx->fast.n, 0);
    assert_true(fx->fast.inst_id == UINT32_MAX);
}

/* ---------------------------------------------------------------------------------------------
 * MARK: key order, whitespace, escapes
 * ------------------------------------------------------------------------------------------- */

static void test_tolerance(void **state)
{
    struct fixture *fx = *state;
    struct input spot = {DEC_BINANCE, CX_VENUE_BINANCE_SPOT, NULL, 0, "BTCUSDT"};
    decode_both(fx, &spot, k_depth, strlen(k_depth), 1, "canonical");
    struct cx_md_event want[8];
    uint32_t want_n = fx->fast.n;
    memcpy(want, fx->ev_fast, want_n * sizeof want[0]);

    static const char *const variants[] = {
        /* data before stream; asks before bids; symbol after the levels */
        "{\"data\":{\"a\":[[\"61837.64000000\",\"1.54698000\"],[\"61839.85000000\","
        "\"0.00000000\"]],\"b\":[[\"61737.63000000\",\"0.00000000\"],[\"61730.17000000\","
        "\"0.00000000\"],[\"56854.58000000\",\"0.00000000\"]],\"u\":50093239202,"
        "\"U\":50093239189,\"s\":\"BTCUSDT\",\"E\":1723161255208,\"e\":\"depthUpdate\"},"
        "\"stream\":\"btcusdt@depth@100ms\"}",
        /* whitespace everywhere, unknown nested values with escapes */
        " { \"stream\" : \"btcusdt@depth@100ms\" ,\n\t\"x\":{\"y\":[1,-2.5e3,{\"z\":\"a\\\"b"
        "\\\\\\u00e9\\ud83d\\ude00\"}],\"w\":null,\"v\":[true,false,[]],\"k\":{}},\r\n"
        "\"data\" : { \"e\" : \"depthUpdate\" , \"E\" : 1723161255208 , \"s\" : \"BTCUSDT\" , "
        "\"U\" : 50093239189 , \"u\" : 50093239202 , \"b\" : [ [ \"61737.63000000\" , "
        "\"0.00000000\" ] , [\"61730.17000000\",\"0.00000000\"] ,[ \"56854.58000000\","
        "\"0.00000000\"]] , \"a\" : [[\"61837.64000000\",\"1.54698000\"],[\"61839.85000000\","
        "\"0.00000000\"] ] , \"M\":\"x\"} } \n",
        /* escaped key and symbol, escaped price digits */
        "{\"stream\":\"btcusdt@depth@100ms\",\"data\":{\"\\u0065\":\"depth\\u0055pdate\","
        "\"E\":1723161255208,\"\\u0073\":\"BTC\\u0055SDT\",\"U\":50093239189,\"u\":50093239202,"
        "\"b\":[[\"\\u0036\\u0031737.63000000\",\"0.00000000\"],[\"61730.17000000\","
        "\"0.00000000\"],[\"56854.58000000\",\"0.00000000\"]],\"a\":[[\"61837.64000000\","
        "\"1.54698000\"],[\"61839.85000000\",\"0.00000000\"]]}}",
    };
    for (size_t i = 0; i < sizeof variants / sizeof variants[0]; i++) {
        decode_both(fx, &spot, variants[i], strlen(variants[i]), 1, "variant");
        assert_int_equal(fx->fast.n, want_n);
        assert_memory_equal(fx->ev_fast, want, want_n * sizeof want[0]);
    }

    /* Escaped NULs end a string as in cJSON's C strings: key "s\u0000x" is "s", and a value
     * is cut at the NUL; both decoders must agree (and "s" twice is a duplicate). */
    static const char k_nul[] =
        "{\"stream\":\"btcusdt@trade\\u0000junk\",\"data\":{\"s\\u0000x\":\"BTCUSDT\","
        "\"t\":1,\"p\":\"61837.63\\u0000\",\"q\":\"0.02\",\"T\":2,\"m\":false}}";
    decode_both(fx, &spot, k_nul, strlen(k_nul), 1, "escaped NUL");
    assert_int_equal(fx->fast.kind, CX_MD_KIND_TRADE);
    assert_true(fx->ev_fast[0].u.trade.price_m == INT64_C(6183763000000));
    assert_int_equal(fx->ev_fast[0].flags, CX_MD_F_SINGLE | CX_MD_F_BUY_TAKER);
    static const char k_nul_dup[] =
        "{\"stream\":\"btcusdt@trade\",\"data\":{\"s\":\"BTCUSDT\",\"s\\u0000\":\"X\","
        "\"t\":1,\"p\":\"1\",\"q\":\"1\",\"T\":2,\"m\":false}}";
    expect_error(fx, &spot, k_nul_dup, strlen(k_nul_dup), CX_EPARSE,
                 col_of(k_nul_dup, "\"s\\u0000", 0), "s");

    /* Gate futures order book update as recorded: asks first, symbol after both sides. */
    struct input gf = {DEC_GATE, CX_VENUE_GATE_FUTURES, NULL, 0, NULL};
    static const char k_fut[] =
        "{\"time\":1684930165,\"time_ms\":1684930165254,\"channel\":"
        "\"futures.order_book_update\",\"event\":\"update\",\"result\":{\"U\":203083177,"
        "\"a\":[{\"p\":\"0.2983\",\"s\":0}],\"b\":[{\"p\":\"0.2981\",\"s\":70}],"
        "\"s\":\"RDNT_USDT\",\"t\":1684930165217,\"u\":203083178}}";
    decode_both(fx, &gf, k_fut, strlen(k_fut), 1, "futures depth");
    assert_int_equal(fx->fast.n, 2);
    assert_int_equal(fx->ev_fast[0].flags, CX_MD_F_BEGIN);
    assert_true(fx->ev_fast[0].u.level.qty_m == 70);
    assert_int_equal(fx->ev_fast[1].flags, CX_MD_F_ASK | CX_MD_F_END);
    assert_true(fx->ev_fast[1].seq == 203083178u && fx->ev_fast[1].u.level.seq_first == 203083177u);
    /* result before channel and event */
    static const char k_fut2[] =
        "{\"result\":{\"t\":1684930165217,\"s\":\"RDNT_USDT\",\"U\":203083177,\"u\":203083178,"
        "\"b\":[{\"s\":70,\"p\":\"0.2981\"}],\"a\":[{\"p\":\"0.2983\",\"s\":0}]},\"event\":"
        "\"update\",\"channel\":\"futures.order_book_update\",\"time\":1684930165}";
    struct cx_md_event first[2];
    memcpy(first, fx->ev_fast, sizeof first);
    decode_both(fx, &gf, k_fut2, strlen(k_fut2), 1, "futures depth reordered");
    assert_memory_equal(fx->ev_fast, first, sizeof first);

    /* Hyperliquid book with the levels before the coin. */
    struct input hl = {DEC_HL, CX_VENUE_HYPERLIQUID, NULL, 0, NULL};
    static const char k_book[] =
        "{\"data\":{\"time\":1737918843542,\"levels\":[[{\"n\":5,\"px\":\"105055.0\",\"sz\":"
        "\"3.03622\"}],[{\"sz\":\"0.1\",\"px\":\"105056.0\",\"n\":1},{\"px\":\"105057.0\","
        "\"sz\":\"0.2\",\"n\":2}]],\"coin\":\"BTC\"},\"channel\":\"l2Book\"}";
    decode_both(fx, &hl, k_book, strlen(k_book), 1, "hl book");
    assert_int_equal(fx->fast.kind, CX_MD_KIND_SNAPSHOT);
    assert_int_equal(fx->fast.n, 3);
    assert_int_equal(fx->ev_fast[0].flags, CX_MD_F_BEGIN | CX_MD_F_NOSEQ);
    assert_int_equal(fx->ev_fast[2].flags, CX_MD_F_ASK | CX_MD_F_END | CX_MD_F_NOSEQ);
    assert_true(fx->ev_fast[2].seq == UINT64_C(1737918843542));
}

/* ---------------------------------------------------------------------------------------------
 * MARK: scan mode
 * ------------------------------------------------------------------------------------------- */

static const struct cx__md_scan_entry *scan_find(const struct cx__md_scan *s, const char *sym)
{
    for (uint32_t i = 0; i < s->n; i++)
        if (strcmp(s->e[i].symbol, sym) == 0)
            return &s->e[i];
    return NULL;
}

static void test_scan_mode(void **state)
{
    struct fixture *fx = *state;
    struct cx__md_scan *sf = calloc(1, sizeof *sf), *sr = calloc(1, sizeof *sr);
    assert_true(sf != NULL && sr != NULL);
    struct cx_md_ctx cf = {.scan = sf}, cr = {.scan = sr};
    gzFile gz = gzopen(CX_DATA_DIR "/gateio-cryptofeed/GATEIO.ws.1.0", "rb");
    assert_non_null(gz);
    uint64_t decoded = 0;
    while (gzgets(gz, fx->line, (int)LINE_CAP) != NULL) {
        size_t len = chomp(fx->line);
        if (len == 0 || strstr(fx->line, " <- ") != NULL || strstr(fx->line, " <-> ") != NULL)
            continue;
        const char *json = strstr(fx->line, ": ") + 2;
        size_t n = len - (size_t)(json - fx->line);
        assert_int_equal(cx_md_decode_gate(&cf, json, n, CX_VENUE_GATE_SPOT, NULL, 0, 1,
                                           &fx->fast, NULL),
                         0);
        assert_int_equal(cx_md_decode_gate_ref(&cr, json, n, CX_VENUE_GATE_SPOT, NULL, 0, 1,
                                               &fx->ref, NULL),
                         0);
        if (fx->fast.n > 0) {
            assert_true(fx->fast.inst_id == UINT32_MAX);
            assert_true(fx->ev_fast[0].u.level.price_m == 0);
        }
        decoded++;
    }
    gzclose(gz);
    assert_int_equal(decoded, 239);
    /* Both decoders saw the same numbers. */
    assert_int_equal(sf->n, 10);
    assert_int_equal(sf->n, sr->n);
    assert_memory_equal(sf->e, sr->e, sf->n * sizeof sf->e[0]);
    /* Expected values computed independently from the file (max significant decimals and
     * integer digits of prices and quantities per pair). */
    static const struct {
        const char *sym;
        int price_dec, qty_dec, price_int, qty_int;
    } want[] = {
        {"HAI_ETH", 8, 8, 0, 7},
        {"OMG_USDT", 3, 10, 1, 4},
        {"INK_USDT", 7, 9, 0, 8},
        {"DIS_USDT", 2, 8, 3, 2},
        {"BTC_USDC", 2, 3, 5, 0},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const struct cx__md_scan_entry *e = scan_find(sf, want[i].sym);
        if (e == NULL) {
            fail_msg("%s missing from the scan table", want[i].sym);
            return;
        }
        assert_int_equal(e->venue, CX_VENUE_GATE_SPOT);
        assert_int_equal(e->price_dec, want[i].price_dec);
        assert_int_equal(e->qty_dec, want[i].qty_dec);
        assert_int_equal(e->price_int, want[i].price_int);
        assert_int_equal(e->qty_int, want[i].qty_int);
        assert_true(e->numbers > 0);
    }
    /* A full table is reported, not overrun. */
    struct cx__md_scan *full = calloc(1, sizeof *full);
    assert_non_null(full);
    full->n = CX__MD_SCAN_MAX;
    struct cx_md_ctx cfull = {.scan = full};
    struct cx_parse_err err = {0};
    assert_int_equal(cx_md_decode_binance(&cfull, k_depth, strlen(k_depth),
                                          CX_VENUE_BINANCE_SPOT, 1, &fx->fast, &err),
                     CX_ENOSPC);
    assert_int_equal(full->overflow, 1);
    free(full);
    free(sf);
    free(sr);
}

/* ---------------------------------------------------------------------------------------------
 * MARK: errors
 * ------------------------------------------------------------------------------------------- */

static void test_errors_binance(void **state)
{
    struct fixture *fx = *state;
    struct input spot = {DEC_BINANCE, CX_VENUE_BINANCE_SPOT, NULL, 0, "BTCUSDT"};
    struct input usdm = {DEC_BINANCE, CX_VENUE_BINANCE_USDM, NULL, 0, "BTCUSDT"};
    char buf[2048];
    const char *m;

    /* Empty and whitespace-only input. */
    expect_error(fx, &spot, "", 0, CX_ETRUNC, 1, NULL);
    expect_error(fx, &spot, " \n", 2, CX_ETRUNC, 3, NULL);
    /* Not an object. */
    expect_error(fx, &spot, "[1]", 3, CX_ETYPE, 1, NULL);
    /* Wrong types: "U" as a string, a price as a number, data as an array, m as a string. */
    m = subst(buf, sizeof buf, k_depth, "\"U\":50093239189", "\"U\":\"50093239189\"");
    expect_error(fx, &spot, m, strlen(m), CX_ETYPE, col_of(m, "\"U\":", 4), "U");
    m = subst(buf, sizeof buf, k_depth, "[\"61730.17000000\"", "[61730.17");
    expect_error(fx, &spot, m, strlen(m), CX_ETYPE, col_of(m, "61730.17", 0), NULL);
    m = "{\"stream\":\"btcusdt@depth@100ms\",\"data\":[1,2]}";
    expect_error(fx, &spot, m, strlen(m), CX_ETYPE, col_of(m, "[1,2]", 0), "data");
    m = "{\"stream\":\"btcusdt@trade\",\"data\":{\"e\":\"trade\",\"E\":1,\"s\":\"BTCUSDT\","
        "\"t\":3,\"p\":\"1.0\",\"q\":\"2.0\",\"T\":1,\"m\":\"true\"}}";
    expect_error(fx, &spot, m, strlen(m), CX_ETYPE, col_of(m, "\"true\"", 0), "m");
    /* Missing "u": reported at the closing brace of data. */
    m = subst(buf, sizeof buf, k_depth, "\"u\":50093239202,", "");
    expect_error(fx, &spot, m, strlen(m), CX_EMISSING, (int)strlen(m) - 1, "u");
    /* USD-M needs "pu". */
    m = "{\"stream\":\"btcusdt@depth@0ms\",\"data\":{\"e\":\"depthUpdate\",\"E\":1723161256299,"
        "\"T\":1723161256298,\"s\":\"BTCUSDT\",\"U\":5123107832006,\"u\":5123107837557,"
        "\"b\":[[\"58710.20\",\"0.014\"]],\"a\":[]}}";
    expect_error(fx, &usdm, m, strlen(m), CX_EMISSING, (int)strlen(m) - 1, "pu");
    /* Unknown stream, event type not matching the stream. */
    m = subst(buf, sizeof buf, k_depth, "btcusdt@depth@100ms", "btcusdt@kline_1m");
    expect_error(fx, &spot, m, strlen(m), CX_ESTREAM, 11, "btcusdt@kline_1m");
    m = subst(buf, sizeof buf, k_depth, "btcusdt@depth@100ms", "btcusdt@depth@100");
    expect_error(fx, &spot, m, strlen(m), CX_ESTREAM, 11, "btcusdt@depth@100");
    m = subst(buf, sizeof buf, k_depth, "\"depthUpdate\"", "\"trade\"");
    expect_error(fx, &spot, m, strlen(m), CX_ESTREAM, col_of(m, "\"trade\"", 0), "trade");
    m = "{\"result\":null,\"id\":1}";
    expect_error(fx, &spot, m, strlen(m), CX_ESTREAM, 1, NULL);
    /* More decimals than price_exp -8 allows: never rounded. */
    m = subst(buf, sizeof buf, k_depth, "61730.17000000", "61730.123456789");
    expect_error(fx, &spot, m, strlen(m), CX_EPRECISION, col_of(m, "\"61730.123456789", 0),
                 "61730.123456789");
    /* Negative quantity. */
    m = subst(buf, sizeof buf, k_depth, "\"1.54698000\"", "\"-1.5\"");
    expect_error(fx, &spot, m, strlen(m), CX_ERANGE, col_of(m, "\"-1.5\"", 0), "-1.5");
    /* A level with three elements, and one with one. */
    m = subst(buf, sizeof buf, k_depth, "\"1.54698000\"]", "\"1.54698000\",\"x\"]");
    expect_error(fx, &spot, m, strlen(m), CX_EPARSE, col_of(m, ",\"x\"]", 0), NULL);
    m = subst(buf, sizeof buf, k_depth, "[\"61839.85000000\",\"0.00000000\"]",
              "[\"61839.85000000\"]");
    expect_error(fx, &spot, m, strlen(m), CX_EPARSE, col_of(m, "\"61839.85000000\"]", 16),
                 NULL);
    /* Garbage after the closing brace; trailing whitespace is fine. */
    snprintf(buf, sizeof buf, "%s}x", k_depth);
    expect_error(fx, &spot, buf, strlen(buf), CX_EPARSE, (int)strlen(k_depth) + 1, NULL);
    snprintf(buf, sizeof buf, "%s \r\n", k_depth);
    decode_both(fx, &spot, buf, strlen(buf), 1, "trailing whitespace");
    /* Duplicate key, unknown symbol, integer overflow, timestamp out of range. */
    m = subst(buf, sizeof buf, k_depth, "\"U\":", "\"u\":1,\"U\":");
    expect_error(fx, &spot, m, strlen(m), CX_EPARSE, col_of(m, "\"u\":50093239202", 0), "u");
    m = subst(buf, sizeof buf, k_depth, "\"BTCUSDT\"", "\"ETHUSDT\"");
    expect_error(fx, &spot, m, strlen(m), CX_ESYMBOL, col_of(m, "\"ETHUSDT\"", 0), "ETHUSDT");
    m = subst(buf, sizeof buf, k_depth, "50093239189", "184467440737095516160");
    expect_error(fx, &spot, m, strlen(m), CX_EOVERFLOW, col_of(m, "1844674", 0), NULL);
    m = subst(buf, sizeof buf, k_depth, "1723161255208", "9223372036855");
    expect_error(fx, &spot, m, strlen(m), CX_ERANGE, col_of(m, "9223372036855", 0), NULL);
    /* A non-integer id. */
    m = subst(buf, sizeof buf, k_depth, "50093239189", "50093239189.5");
    expect_error(fx, &spot, m, strlen(m), CX_ETYPE, col_of(m, "50093239189.5", 0), "U");
    /* Invalid escapes and unpaired surrogates, even in skipped values. */
    m = subst(buf, sizeof buf, k_depth, "\"e\":", "\"x\":\"\\q\",\"e\":");
    expect_error(fx, &spot, m, strlen(m), CX_EPARSE, col_of(m, "\\q", 0), NULL);
    m = subst(buf, sizeof buf, k_depth, "\"e\":", "\"x\":[\"\\ud800x\"],\"e\":");
    expect_error(fx, &spot, m, strlen(m), CX_EPARSE, col_of(m, "\\ud800", 0), NULL);
    /* Stream and snapshot fields mixed; snapshot without a symbol. */
    m = subst(buf, sizeof buf, k_depth, "\"data\":", "\"lastUpdateId\":1,\"data\":");
    expect_error(fx, &spot, m, strlen(m), CX_EPARSE, 1, NULL);
    struct input nosym = {DEC_BINANCE, CX_VENUE_BINANCE_SPOT, NULL, 0, NULL};
    m = "{\"lastUpdateId\":5,\"bids\":[[\"1.0\",\"2.0\"]],\"asks\":[]}";
    expect_error(fx, &nosym, m, strlen(m), CX_ESYMBOL, col_of(m, "[[", 0), NULL);
    decode_both(fx, &spot, m, strlen(m), 1, "tiny snapshot");
    assert_int_equal(fx->fast.kind, CX_MD_KIND_SNAPSHOT);
    assert_true(fx->ev_fast[0].seq == 5 && fx->ev_fast[0].u.level.seq_first == 5);
    m = "{\"lastUpdateId\":5,\"bids\":[]}";
    expect_error(fx, &spot, m, strlen(m), CX_EMISSING, (int)strlen(m), "asks");

    /* Too many levels for the batch: CX_ENOSPC from both decoders. */
    struct cx_md_event small[5];
    struct cx_md_batch b = {.ev = small, .cap = 4};
    struct cx_md_ctx ctx = {.reg = &fx->reg};
    struct cx_parse_err err = {0};
    assert_int_equal(cx_md_decode_binance(&ctx, k_depth, strlen(k_depth), CX_VENUE_BINANCE_SPOT,
                                          1, &b, &err),
                     CX_ENOSPC);
    assert_int_equal(err.col, col_of(k_depth, "[\"61839.85", 0));
    assert_int_equal(cx_md_decode_binance_ref(&ctx, k_depth, strlen(k_depth),
                                              CX_VENUE_BINANCE_SPOT, 1, &b, NULL),
                     CX_ENOSPC);
    b.cap = 5;
    assert_int_equal(cx_md_decode_binance(&ctx, k_depth, strlen(k_depth), CX_VENUE_BINANCE_SPOT,
                                          1, &b, NULL),
                     0);
    assert_int_equal(b.n, 5);
    /* Wrong venue for the decoder. */
    assert_int_equal(cx_md_decode_binance(&ctx, k_depth, strlen(k_depth), CX_VENUE_GATE_SPOT, 1,
                                          &b, NULL),
                     CX_EINVAL);
}

static void test_errors_other(void **state)
{
    struct fixture *fx = *state;
    struct input gs = {DEC_GATE, CX_VENUE_GATE_SPOT, NULL, 0, NULL};
    struct input gf = {DEC_GATE, CX_VENUE_GATE_FUTURES, NULL, 0, NULL};
    struct input hl = {DEC_HL, CX_VENUE_HYPERLIQUID, NULL, 0, NULL};
    const char *m;

    m = "{\"time\":1,\"channel\":\"spot.order_book\",\"event\":\"update\",\"result\":{}}";
    expect_error(fx, &gs, m, strlen(m), CX_ESTREAM, col_of(m, "\"spot.order_book\"", 0),
                 "spot.order_book");
    m = "{\"time\":1,\"channel\":\"futures.book_ticker\",\"event\":\"update\",\"result\":{}}";
    expect_error(fx, &gs, m, strlen(m), CX_ESTREAM, col_of(m, "\"futures.", 0), NULL);
    m = "{\"time\":1,\"channel\":\"spot.order_book_update\",\"event\":\"all\",\"result\":{}}";
    expect_error(fx, &gs, m, strlen(m), CX_ESTREAM, col_of(m, "\"all\"", 0), "all");
    m = "{\"time\":1,\"channel\":\"spot.tickers\",\"event\":\"update\"}";
    expect_error(fx, &gs, m, strlen(m), CX_EMISSING, (int)strlen(m), "result");
    /* Futures sizes are JSON numbers, spot quantities strings. */
    m = "{\"channel\":\"futures.book_ticker\",\"event\":\"update\",\"result\":{\"t\":1,\"u\":2,"
        "\"s\":\"PHB_USDT\",\"b\":\"0.7379\",\"B\":\"814\",\"a\":\"0.739\",\"A\":677}}";
    expect_error(fx, &gf, m, strlen(m), CX_ETYPE, col_of(m, "\"814\"", 0), "B");
    /* Futures quantity with a fraction does not fit qty_exp 0. */
    m = "{\"channel\":\"futures.book_ticker\",\"event\":\"update\",\"result\":{\"t\":1,\"u\":2,"
        "\"s\":\"PHB_USDT\",\"b\":\"0.7379\",\"B\":8.5,\"a\":\"0.739\",\"A\":677}}";
    expect_error(fx, &gf, m, strlen(m), CX_EPRECISION, col_of(m, "8.5", 0), "8.5");
    m = "{\"channel\":\"futures.book_ticker\",\"event\":\"update\",\"result\":{\"t\":1,\"u\":2,"
        "\"s\":\"PHB_USDT\",\"b\":\"0.7379\",\"B\":85,\"a\":\"0.739\",\"A\":677}}";
    decode_both(fx, &gf, m, strlen(m), 1, "book_ticker");
    assert_true(fx->ev_fast[0].u.bbo.bid_qty_m == 85 && fx->ev_fast[0].u.bbo.ask_price_m == 7390);
    /* Gate trade side. */
    m = "{\"channel\":\"spot.trades\",\"event\":\"update\",\"result\":{\"id\":1,"
        "\"create_time_ms\":\"1.5\",\"side\":\"hold\",\"currency_pair\":\"DIS_USDT\","
        "\"amount\":\"1\",\"price\":\"2\"}}";
    expect_error(fx, &gs, m, strlen(m), CX_EPARSE, col_of(m, "\"hold\"", 0), "hold");
    /* REST reply without id. */
    struct input rest = {DEC_GATE, CX_VENUE_GATE_SPOT, "HAI_ETH", 7, NULL};
    m = "{\"asks\":[[\"1\",\"2\"]],\"bids\":[]}";
    expect_error(fx, &rest, m, strlen(m), CX_EMISSING, (int)strlen(m), "id");

    m = "{\"channel\":\"candle\",\"data\":{}}";
    expect_error(fx, &hl, m, strlen(m), CX_ESTREAM, col_of(m, "\"candle\"", 0), "candle");
    m = "{\"channel\":\"trades\",\"data\":[{\"coin\":\"BTC\",\"side\":\"X\",\"px\":\"1.0\","
        "\"sz\":\"1\",\"time\":1,\"tid\":2}]}";
    expect_error(fx, &hl, m, strlen(m), CX_EPARSE, col_of(m, "\"X\"", 0), "X");
    m = "{\"channel\":\"trades\",\"data\":[{\"coin\":\"BTC\",\"side\":\"B\",\"px\":\"1.0\","
        "\"sz\":\"1\",\"time\":1,\"tid\":2},{\"coin\":\"ETH\",\"side\":\"B\",\"px\":\"1.0\","
        "\"sz\":\"1\",\"time\":1,\"tid\":3}]}";
    expect_error(fx, &hl, m, strlen(m), CX_EPARSE, col_of(m, "\"ETH\"", 0), "ETH");
    m = "{\"channel\":\"l2Book\",\"data\":{\"coin\":\"BTC\",\"time\":1,\"levels\":[[],[],[]]}}";
    expect_error(fx, &hl, m, strlen(m), CX_EPARSE, col_of(m, "[]]}", 0), NULL);
    m = "{\"channel\":\"l2Book\",\"data\":{\"coin\":\"BTC\",\"time\":1,\"levels\":[[{\"px\":"
        "\"1.05\",\"sz\":\"1\"}],[]]}}";
    expect_error(fx, &hl, m, strlen(m), CX_EPRECISION, col_of(m, "\"1.05\"", 0), "1.05");
    m = "{\"channel\":\"l2Book\",\"data\":{\"coin\":\"BTC\",\"time\":1,\"levels\":[[{\"px\":"
        "\"1.0\"}],[]]}}";
    expect_error(fx, &hl, m, strlen(m), CX_EMISSING, col_of(m, "}],[]", 0), "sz");
    m = "{\"channel\":\"l2Book\",\"data\":{\"coin\":\"BTC\",\"time\":1,\"levels\":[[],[]]}}";
    decode_both(fx, &hl, m, strlen(m), 1, "empty book");
    assert_int_equal(fx->fast.n, 1);
    assert_int_equal(fx->ev_fast[0].flags,
                     CX_MD_F_NOLEVEL | CX_MD_F_NOSEQ | CX_MD_F_BEGIN | CX_MD_F_END);
}

/* Fast decoder only: inputs cJSON accepts but JSON does not (documented leniency). */
static void test_errors_strict_json(void **state)
{
    struct fixture *fx = *state;
    struct cx_md_ctx ctx = {.reg = &fx->reg, .snapshot_symbol = "BTCUSDT",
                            .snapshot_symbol_len = 7};
    struct cx_parse_err err = {0};
    char buf[4096];
    const char *m = subst(buf, sizeof buf, k_depth, "\"e\":", "\"x\":\"a\x01\",\"e\":");
    assert_int_equal(cx_md_decode_binance(&ctx, m, strlen(m), CX_VENUE_BINANCE_SPOT, 1,
                                          &fx->fast, &err),
                     CX_EPARSE);
    assert_string_equal(err.msg, "control character in string");
    m = subst(buf, sizeof buf, k_depth, "\"e\":", "\"x\":01,\"e\":");
    assert_int_equal(cx_md_decode_binance(&ctx, m, strlen(m), CX_VENUE_BINANCE_SPOT, 1,
                                          &fx->fast, &err),
                     CX_EPARSE);
    /* Nesting deeper than the scanner's limit. */
    char *deep = buf;
    size_t o = (size_t)snprintf(deep, sizeof buf, "{\"x\":");
    for (int i = 0; i < 300; i++)
        deep[o++] = '[';
    for (int i = 0; i < 300; i++)
        deep[o++] = ']';
    deep[o++] = '}';
    assert_int_equal(cx_md_decode_binance(&ctx, deep, o, CX_VENUE_BINANCE_SPOT, 1, &fx->fast,
                                          &err),
                     CX_EPARSE);
    assert_string_equal(err.msg, "nesting too deep");
}

/* Every strict prefix of real lines is CX_ETRUNC at column len + 1 (the reference fails too).
 * Each prefix sits at the very end of its own allocation so over-reads are caught by ASan. */
static void check_prefixes(struct fixture *fx, const struct input *in, const char *line)
{
    size_t n = strlen(line);
    char *buf = malloc(n > 0 ? n : 1);
    assert_non_null(buf);
    struct cx_md_ctx ctx;
    ctx_init(&ctx, fx, in);
    for (size_t len = 0; len < n; len++) {
        char *p = buf + (n - len);
        memcpy(p, line, len);
        struct cx_parse_err ef = {0};
        int rf = decode(fx, &ctx, in, false, p, len, 1, &ef);
        if (rf != CX_ETRUNC || ef.col != (int32_t)len + 1)
            print_error("prefix %zu of %.60s...: %s col %d\n", len, line, cx_err_name(rf),
                        (int)ef.col);
        assert_int_equal(rf, CX_ETRUNC);
        assert_int_equal(ef.col, (int32_t)len + 1);
        assert_int_not_equal(decode(fx, &ctx, in, true, p, len, 1, NULL), 0);
    }
    /* The whole line in an exact-size buffer decodes. */
    memcpy(buf, line, n);
    struct cx_md_ctx c2;
    ctx_init(&c2, fx, in);
    assert_int_equal(decode(fx, &c2, in, false, buf, n, 1, NULL), 0);
    free(buf);
}

/* First received line of a file containing `needle` (hftbt or cryptofeed), into out. */
static void find_line(const char *path, const char *needle, char *out, size_t cap)
{
    gzFile gz = gzopen(path, "rb");
    assert_non_null(gz);
    char *line = malloc(LINE_CAP);
    assert_non_null(line);
    bool found = false;
    while (!found && gzgets(gz, line, (int)LINE_CAP) != NULL) {
        size_t len = chomp(line);
        if (strstr(line, needle) == NULL || strstr(line, " <- ") != NULL)
            continue;
        const char *json = strchr(line, '{');
        assert_non_null(json);
        assert_true(len < cap);
        snprintf(out, cap, "%s", json);
        found = true;
    }
    free(line);
    gzclose(gz);
    assert_true(found);
}

static void test_truncation(void **state)
{
    struct fixture *fx = *state;
    char *line = malloc(1u << 20);
    assert_non_null(line);
    struct input spot = {DEC_BINANCE, CX_VENUE_BINANCE_SPOT, NULL, 0, "BTCUSDT"};
    struct input usdm = {DEC_BINANCE, CX_VENUE_BINANCE_USDM, NULL, 0, "BTCUSDT"};
    struct input hl = {DEC_HL, CX_VENUE_HYPERLIQUID, NULL, 0, NULL};
    struct input gs = {DEC_GATE, CX_VENUE_GATE_SPOT, NULL, 0, NULL};
    struct input gf = {DEC_GATE, CX_VENUE_GATE_FUTURES, NULL, 0, NULL};
    struct input gr = {DEC_GATE, CX_VENUE_GATE_FUTURES, "RDNT_USDT", 9, NULL};
    const struct {
        const char *path;
        const char *needle;
        const struct input *in;
    } cases[] = {
        {"/binance/spot/btcusdt_20240808.gz", "@depth", &spot},
        {"/binance/spot/btcusdt_20240808.gz", "@bookTicker", &spot},
        {"/binance/spot/btcusdt_20240808.gz", "@trade", &spot},
        {"/binance/usdm/btcusdt_20240808.gz", "@depth", &usdm},
        {"/binance/usdm/btcusdt_20240808.gz", "@trade", &usdm},
        {"/binance/hyperliquid/btcusd_20250126.gz", "\"trades\"", &hl},
        {"/gateio-cryptofeed/GATEIO.ws.1.0", "spot.order_book_update\",\"event\":\"update", &gs},
        {"/gateio-cryptofeed/GATEIO.ws.1.0", "spot.trades\",\"event\":\"update", &gs},
        {"/gateio-cryptofeed/GATEIO.ws.1.0", "spot.tickers\",\"event\":\"update", &gs},
        {"/gateio-cryptofeed/GATEIO.ws.1.0", "\"event\":\"subscribe\",\"result", &gs},
        {"/gateio-cryptofeed/GATEIO_FUTURES.ws.1.0", "futures.order_book_update\",\"event\":\"u",
         &gf},
        {"/gateio-cryptofeed/GATEIO_FUTURES.ws.1.0", "futures.book_ticker\",\"event\":\"u", &gf},
        {"/gateio-cryptofeed/GATEIO_FUTURES.http.0.0", "contract=RDNT_USDT", &gr},
    };
    char path[512];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(path, sizeof path, "%s%s", CX_DATA_DIR, cases[i].path);
        find_line(path, cases[i].needle, line, 1u << 20);
        check_prefixes(fx, cases[i].in, line);
    }
    check_prefixes(fx, &spot, k_depth);
    free(line);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_tolerance),
        cmocka_unit_test(test_errors_binance),
        cmocka_unit_test(test_errors_other),
        cmocka_unit_test(test_errors_strict_json),
        cmocka_unit_test(test_truncation),
        cmocka_unit_test(test_scan_mode),
        cmocka_unit_test(test_binance_spot_file),
        cmocka_unit_test(test_binance_usdm_file),
        cmocka_unit_test(test_hyperliquid_file),
        cmocka_unit_test(test_gate_files),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
