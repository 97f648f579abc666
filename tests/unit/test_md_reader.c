/* SPDX-License-Identifier: MIT */
/*
 * Readers, prescan and k-way merge on the bundled real recordings (data/README.md): line and
 * message counts by kind, format and venue detection, monotone local time, a merged spot+perp
 * stream, inferred exponents for instruments missing from the registry; and the error paths
 * (missing file, corrupt and truncated gzip, bad lines in strict and non-strict mode, overlong
 * lines, garbage input, empty input, multi-member gzip with CRLF) on small files written under
 * /tmp from the real data and removed afterwards.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cexarb/instrument.h"
#include "cexarb/md.h"
#include "cx_ref.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#define SPOT CX_DATA_DIR "/binance/spot/btcusdt_20240808.gz"
#define USDM CX_DATA_DIR "/binance/usdm/btcusdt_20240808.gz"
#define HL CX_DATA_DIR "/binance/hyperliquid/btcusd_20250126.gz"
#define GATE_WS CX_DATA_DIR "/gateio-cryptofeed/GATEIO.ws.1.0"
#define GATE_HTTP CX_DATA_DIR "/gateio-cryptofeed/GATEIO.http.0.0"
#define GATE_PAIRS CX_DATA_DIR "/gateio-cryptofeed/GATEIO.0"
#define GATEF_WS CX_DATA_DIR "/gateio-cryptofeed/GATEIO_FUTURES.ws.1.0"
#define GATEF_HTTP CX_DATA_DIR "/gateio-cryptofeed/GATEIO_FUTURES.http.0.0"
#define BINANCE_YAML CX_DATA_DIR "/instruments/binance.yaml"

struct fixture {
    struct cx_registry reg;
    struct cx_md_prescan_report report;
};

/* What reading a whole file gave. */
struct summary {
    int rc;                          /* last cx_md_reader_next result (0 at a clean end) */
    struct cx_parse_err err;         /* its error when rc < 0 */
    uint64_t batches;                /* batches delivered */
    uint64_t events;                 /* events in them */
    uint64_t by_kind[CX_MD_KIND_COUNT];
    struct cx_md_reader_stats stats; /* reader statistics at the end */
    enum cx_md_format format;
    enum cx_venue venue;
};

/* ---------------------------------------------------------------------------------------------
 * MARK: helpers
 * ------------------------------------------------------------------------------------------- */

static void print_err(const struct cx_parse_err *e)
{
    char buf[256];
    cx_parse_err_format(e, buf, sizeof buf);
    print_message("  %s\n", buf);
}

/* Read a whole file, checking the invariants every batch must satisfy. */
static void read_all(const char *path, const struct cx_md_reader_opts *opts,
                     struct cx_registry *reg, struct summary *out)
{
    memset(out, 0, sizeof *out);
    struct cx_md_reader *r = NULL;
    struct cx_parse_err err;
    int rc = cx_md_reader_open(&r, path, opts, reg, &err);
    if (rc != 0)
        print_err(&err);
    assert_int_equal(rc, 0);
    uint8_t stream = opts != NULL ? opts->stream_index : 0;
    const struct cx_md_batch *b;
    int64_t prev_ts = INT64_MIN;
    uint64_t prev_line = 0;
    while ((rc = cx_md_reader_next(r, &b, &out->err)) == 1) {
        assert_true(b->n > 0);
        assert_true(b->kind < CX_MD_KIND_COUNT);
        assert_true(b->local_ts_ns >= prev_ts); /* monotone local time within a file */
        assert_true(b->line > prev_line);
        prev_ts = b->local_ts_ns;
        prev_line = b->line;
        assert_true((b->ev[0].flags & CX_MD_F_BEGIN) != 0);
        assert_true((b->ev[b->n - 1].flags & CX_MD_F_END) != 0);
        for (uint32_t i = 0; i < b->n; i++) {
            assert_int_equal(b->ev[i].stream, stream);
            assert_int_equal(b->ev[i].local_ts_ns, b->local_ts_ns);
        }
        out->batches++;
        out->events += b->n;
        out->by_kind[b->kind]++;
    }
    out->rc = rc;
    out->stats = *cx_md_reader_stats(r);
    out->format = cx_md_reader_format(r);
    out->venue = cx_md_reader_venue(r);
    assert_string_equal(cx_md_reader_path(r), path);
    cx_md_reader_close(r);
    for (uint32_t i = 0; i < out->stats.kept_errors; i++)
        print_err(&out->stats.errors_kept[i]);
}

static void read_clean(const char *path, const struct cx_md_reader_opts *opts,
                       struct cx_registry *reg, struct summary *out)
{
    read_all(path, opts, reg, out);
    if (out->rc != 0)
        print_err(&out->err);
    assert_int_equal(out->rc, 0);
    assert_int_equal(out->stats.errors, 0);
    assert_int_equal(out->stats.events, out->events);
    /* Every line decodes into exactly one message; the stats count them all. */
    uint64_t sum = 0;
    for (int k = 0; k < CX_MD_KIND_COUNT; k++)
        sum += out->stats.by_kind[k];
    assert_int_equal(sum, out->stats.messages);
    assert_int_equal(out->stats.messages, out->stats.lines);
}

/* Write bytes to a fresh /tmp file; the caller unlinks path. */
static void write_tmp(char path[64], const void *data, size_t n)
{
    snprintf(path, 64, "/tmp/cx_md_reader_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *p = data;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        assert_true(w > 0);
        p += w;
        n -= (size_t)w;
    }
    close(fd);
}

/* The first `n` bytes of a file (n is updated to what was read). */
static unsigned char *read_prefix(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    unsigned char *buf = malloc(*n);
    assert_non_null(buf);
    *n = fread(buf, 1, *n, f);
    fclose(f);
    return buf;
}

/* The first `count` lines of a gzip text file, without their '\n'. Free with free_lines. */
static char **read_lines(const char *path, int count)
{
    gzFile gz = gzopen(path, "rb");
    assert_non_null(gz);
    enum { CAP = 256 * 1024 };
    char *buf = malloc(CAP);
    char **lines = calloc((size_t)count, sizeof *lines);
    assert_non_null(buf);
    assert_non_null(lines);
    for (int i = 0; i < count; i++) {
        assert_non_null(gzgets(gz, buf, CAP));
        size_t len = strlen(buf);
        assert_true(len > 0 && buf[len - 1] == '\n');
        buf[len - 1] = '\0';
        lines[i] = strdup(buf);
        assert_non_null(lines[i]);
    }
    gzclose(gz);
    free(buf);
    return lines;
}

static void free_lines(char **lines, int count)
{
    for (int i = 0; i < count; i++)
        free(lines[i]);
    free(lines);
}

/* Replace the first occurrence of `from` in *line by `to` (reallocating). */
static void replace_in(char **line, const char *from, const char *to)
{
    char *at = strstr(*line, from);
    assert_non_null(at);
    size_t pre = (size_t)(at - *line), fl = strlen(from), tl = strlen(to);
    size_t rest = strlen(at + fl);
    char *s = malloc(pre + tl + rest + 1);
    assert_non_null(s);
    memcpy(s, *line, pre);
    memcpy(s + pre, to, tl);
    memcpy(s + pre + tl, at + fl, rest + 1);
    free(*line);
    *line = s;
}

/* Join lines with `sep` into a plain text file; the last line gets `last_sep`. */
static void write_lines(char path[64], char **lines, int count, const char *sep,
                        const char *last_sep)
{
    size_t total = 0;
    for (int i = 0; i < count; i++)
        total += strlen(lines[i]) + 2;
    char *buf = malloc(total + 1);
    assert_non_null(buf);
    size_t n = 0;
    for (int i = 0; i < count; i++) {
        size_t len = strlen(lines[i]);
        memcpy(buf + n, lines[i], len);
        n += len;
        const char *s = i + 1 < count ? sep : last_sep;
        memcpy(buf + n, s, strlen(s));
        n += strlen(s);
    }
    write_tmp(path, buf, n);
    free(buf);
}

static const struct cx_md_prescan_item *report_find(const struct fixture *fx,
                                                    enum cx_venue venue, const char *sym)
{
    for (uint32_t i = 0; i < fx->report.n; i++) {
        const struct cx_instrument *inst = cx_registry_get(&fx->reg, fx->report.items[i].inst_id);
        assert_non_null(inst);
        if (inst->venue == venue && strcmp(inst->symbol, sym) == 0)
            return &fx->report.items[i];
    }
    return NULL;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: setup: registry from binance.yaml + prescan of every bundled recording
 * ------------------------------------------------------------------------------------------- */

static int group_setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof *fx);
    if (fx == NULL || cx_registry_init(&fx->reg, 64) != 0)
        return -1;
    struct cx_parse_err err;
    int rc = cx_registry_load_yaml(&fx->reg, BINANCE_YAML, &err);
    if (rc != 0) {
        print_err(&err);
        return -1;
    }
    const char *paths[] = {SPOT, USDM, HL, GATE_WS, GATE_HTTP, GATEF_WS, GATEF_HTTP};
    rc = cx_md_prescan(paths, 7, NULL, &fx->reg, &fx->report, &err);
    if (rc != 0) {
        print_err(&err);
        return -1;
    }
    *state = fx;
    return 0;
}

static int group_teardown(void **state)
{
    struct fixture *fx = *state;
    if (fx != NULL) {
        cx_registry_fini(&fx->reg);
        free(fx);
    }
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: real data
 * ------------------------------------------------------------------------------------------- */

static void test_prescan_report(void **state)
{
    struct fixture *fx = *state;
    static const char *const gate_spot[] = {"INK_USDT", "HAI_ETH", "BTC_USDC", "NANO_USDT",
                                            "QTUM3S_USDT", "DIS_USDT", "NEO_BTC", "FAST_USDT",
                                            "ZKS_ETH", "OMG_USDT"};
    static const char *const gate_fut[] = {"DIA_USDT", "RDNT_USDT", "LIT_USDT", "ZRX_USDT",
                                           "WOO_USDT", "QUICK_USDT", "OMG_USDT", "FRONT_USDT",
                                           "PHB_USDT", "SFP_USDT"};
    uint32_t inferred = 0;
    for (uint32_t i = 0; i < fx->report.n; i++) {
        const struct cx_md_prescan_item *it = &fx->report.items[i];
        const struct cx_instrument *inst = cx_registry_get(&fx->reg, it->inst_id);
        print_message("  %-12s %-13s %s price_exp %d (meta %d) qty_exp %d (meta %d)\n",
                      cx_venue_name((enum cx_venue)inst->venue), inst->symbol,
                      it->inferred ? "inferred" : "refined ", it->price_exp, it->meta_price_exp,
                      it->qty_exp, it->meta_qty_exp);
        assert_true(it->inferred != it->refined);
        assert_int_equal(it->price_exp, inst->price_exp);
        assert_int_equal(it->qty_exp, inst->qty_exp);
        if (it->inferred) {
            inferred++;
            assert_true((inst->flags & CX_INST_F_INFERRED) != 0);
            assert_int_equal(inst->tick, 0);
            assert_int_equal(inst->lot, 0);
            assert_int_equal(inst->multiplier, 1);
        } else {
            assert_true((inst->flags & CX_INST_F_REFINED) != 0);
            assert_true(it->price_exp <= it->meta_price_exp && it->qty_exp <= it->meta_qty_exp);
        }
    }
    for (size_t i = 0; i < 10; i++) {
        const struct cx_md_prescan_item *it = report_find(fx, CX_VENUE_GATE_SPOT, gate_spot[i]);
        assert_non_null(it);
        assert_true(it->inferred);
        it = report_find(fx, CX_VENUE_GATE_FUTURES, gate_fut[i]);
        assert_non_null(it);
        assert_true(it->inferred);
    }
    const struct cx_md_prescan_item *hl = report_find(fx, CX_VENUE_HYPERLIQUID, "BTC");
    assert_non_null(hl);
    assert_true(hl->inferred);
    assert_int_equal(inferred, 21);

    /* HAI_ETH spot: prices like "0.00010396" need 8 decimals; a Gate pair's assets come from
     * its symbol, and a Gate future is a linear perpetual. */
    const struct cx_instrument *hai = cx_registry_find(&fx->reg, CX_VENUE_GATE_SPOT, "HAI_ETH", 7);
    assert_non_null(hai);
    assert_int_equal(hai->price_exp, -8);
    assert_int_equal(hai->kind, CX_KIND_SPOT);
    assert_string_equal(hai->base, "HAI");
    assert_string_equal(hai->quote, "ETH");
    const struct cx_instrument *woo =
        cx_registry_find(&fx->reg, CX_VENUE_GATE_FUTURES, "WOO_USDT", 8);
    assert_non_null(woo);
    assert_int_equal(woo->kind, CX_KIND_LINEAR_PERP);
    assert_int_equal(woo->qty_exp, 0); /* futures sizes are integer contracts */
    const struct cx_instrument *btc = cx_registry_find(&fx->reg, CX_VENUE_HYPERLIQUID, "BTC", 3);
    assert_non_null(btc);
    assert_int_equal(btc->kind, CX_KIND_LINEAR_PERP);
    assert_string_equal(btc->base, "");
}

static void test_binance_spot(void **state)
{
    struct fixture *fx = *state;
    struct summary s;
    struct cx_md_reader_opts opts = {.stream_index = 3};
    read_clean(SPOT, &opts, &fx->reg, &s);
    assert_int_equal(s.format, CX_MD_FMT_HFTBT);
    assert_int_equal(s.venue, CX_VENUE_BINANCE_SPOT);
    assert_int_equal(s.stats.lines, 41249);
    assert_int_equal(s.batches, 41249);
    assert_int_equal(s.stats.by_kind[CX_MD_KIND_BBO], 28040);
    assert_int_equal(s.stats.by_kind[CX_MD_KIND_DEPTH], 3451);
    assert_int_equal(s.stats.by_kind[CX_MD_KIND_TRADE], 9757);
    assert_int_equal(s.stats.by_kind[CX_MD_KIND_SNAPSHOT], 1);
    assert_int_equal(s.by_kind[CX_MD_KIND_SNAPSHOT], 1);
    assert_int_equal(s.stats.first_local_ts_ns, INT64_C(1723161253937085768));
    assert_true(s.stats.last_local_ts_ns > s.stats.first_local_ts_ns);
    assert_true(s.stats.first_exch_ts_ns > 0);
    assert_true(s.stats.last_exch_ts_ns >= s.stats.first_exch_ts_ns);

    /* The cJSON reference decoders give the same counts. */
    struct summary ref;
    opts.decoders = cx_ref_decoders;
    read_clean(SPOT, &opts, &fx->reg, &ref);
    assert_int_equal(ref.batches, s.batches);
    assert_int_equal(ref.events, s.events);
}

static void test_binance_usdm(void **state)
{
    struct fixture *fx = *state;
    struct summary s;
    read_clean(USDM, NULL, &fx->reg, &s);
    assert_int_equal(s.format, CX_MD_FMT_HFTBT);
    assert_int_equal(s.venue, CX_VENUE_BINANCE_USDM);
    assert_int_equal(s.stats.lines, 93954);
    assert_int_equal(s.batches, 93954);
    assert_int_equal(s.stats.by_kind[CX_MD_KIND_BBO], 66089);
    assert_int_equal(s.stats.by_kind[CX_MD_KIND_DEPTH], 6551);
    assert_int_equal(s.stats.by_kind[CX_MD_KIND_TRADE], 21313);
    assert_int_equal(s.stats.by_kind[CX_MD_KIND_SNAPSHOT], 1);
}

static void test_hyperliquid(void **state)
{
    struct fixture *fx = *state;
    struct summary s;
    read_clean(HL, NULL, &fx->reg, &s);
    assert_int_equal(s.format, CX_MD_FMT_HFTBT);
    assert_int_equal(s.venue, CX_VENUE_HYPERLIQUID);
    assert_int_equal(s.stats.lines, 55);
    assert_int_equal(s.stats.by_kind[CX_MD_KIND_SNAPSHOT], 46);
    assert_int_equal(s.stats.by_kind[CX_MD_KIND_TRADE], 9);
    assert_int_equal(s.batches, 55);
}

static void test_gate(void **state)
{
    struct fixture *fx = *state;
    struct summary s;

    /* Spot WS: 1 connect + 22 subscribe requests + 22 acks are control; candlesticks are
     * ignored (counted from the file with a JSON parser). */
    read_clean(GATE_WS, NULL, &fx->reg, &s);
    assert_int_equal(s.format, CX_MD_FMT_CRYPTOFEED);
    assert_int_equal(s.venue, CX_VENUE_GATE_SPOT);
    assert_int_equal(s.stats.lines, 262);
    assert_int_equal(s.stats.by_kind[CX_MD_KIND_DEPTH], 172);
    assert_int_equal(s.stats.by_kind[CX_MD_KIND_TICKER], 22);
    assert_int_equal(s.stats.by_kind[CX_MD_KIND_TRADE], 9);
    assert_int_equal(s.stats.by_kind[CX_MD_KIND_IGNORED], 14);
    assert_int_equal(s.stats.by_kind[CX_MD_KIND_CONTROL], 45);
    assert_int_equal(s.batches, 172 + 22 + 9);
    assert_int_equal(s.stats.first_local_ts_ns, INT64_C(1619093531891181000));

    read_clean(GATE_HTTP, NULL, &fx->reg, &s);
    assert_int_equal(s.format, CX_MD_FMT_CRYPTOFEED);
    assert_int_equal(s.venue, CX_VENUE_GATE_SPOT);
    assert_int_equal(s.stats.by_kind[CX_MD_KIND_SNAPSHOT], 10);
    assert_int_equal(s.batches, 10);

    read_clean(GATEF_WS, NULL, &fx->reg, &s);
    assert_int_equal(s.format, CX_MD_FMT_CRYPTOFEED);
    assert_int_equal(s.venue, CX_VENUE_GATE_FUTURES);
    assert_int_equal(s.stats.by_kind[CX_MD_KIND_DEPTH], 352);
    assert_int_equal(s.stats.by_kind[CX_MD_KIND_BBO], 75);
    assert_int_equal(s.stats.by_kind[CX_MD_KIND_IGNORED], 1);
    assert_int_equal(s.stats.by_kind[CX_MD_KIND_CONTROL], 45);
    assert_int_equal(s.batches, 352 + 75);

    read_clean(GATEF_HTTP, NULL, &fx->reg, &s);
    assert_int_equal(s.venue, CX_VENUE_GATE_FUTURES);
    assert_int_equal(s.stats.by_kind[CX_MD_KIND_SNAPSHOT], 10);
    assert_int_equal(s.batches, 10);

    /* The instrument list: one REST reply (ignored) and one configuration line (control). */
    read_clean(GATE_PAIRS, NULL, &fx->reg, &s);
    assert_int_equal(s.format, CX_MD_FMT_CRYPTOFEED);
    assert_int_equal(s.stats.by_kind[CX_MD_KIND_IGNORED], 1);
    assert_int_equal(s.stats.by_kind[CX_MD_KIND_CONTROL], 1);
    assert_int_equal(s.batches, 0);
}

static void test_merge_spot_usdm(void **state)
{
    struct fixture *fx = *state;
    struct cx_md_reader *rd[2] = {NULL, NULL};
    struct cx_md_reader_opts o0 = {.stream_index = 0}, o1 = {.stream_index = 1};
    assert_int_equal(cx_md_reader_open(&rd[0], SPOT, &o0, &fx->reg, NULL), 0);
    assert_int_equal(cx_md_reader_open(&rd[1], USDM, &o1, &fx->reg, NULL), 0);
    struct cx_md_merge *m = NULL;
    assert_int_equal(cx_md_merge_open(&m, NULL, 0), CX_EINVAL);
    assert_int_equal(cx_md_merge_open(&m, rd, 2), 0);
    const struct cx_md_batch *b;
    uint32_t from;
    uint64_t per[2] = {0, 0};
    int64_t prev_ts = INT64_MIN;
    uint32_t prev_from = 0;
    uint64_t switches = 0;
    int rc;
    while ((rc = cx_md_merge_next(m, &b, &from, NULL)) == 1) {
        assert_true(from < 2);
        assert_true(b->local_ts_ns >= prev_ts);
        if (b->local_ts_ns == prev_ts)
            assert_true(from >= prev_from); /* ties go to the lower reader index */
        if (per[0] + per[1] > 0 && from != prev_from)
            switches++;
        assert_int_equal(b->ev[0].stream, from);
        assert_int_equal(b->venue, from == 0 ? CX_VENUE_BINANCE_SPOT : CX_VENUE_BINANCE_USDM);
        prev_ts = b->local_ts_ns;
        prev_from = from;
        per[from]++;
    }
    assert_int_equal(rc, 0);
    assert_int_equal(cx_md_merge_next(m, &b, &from, NULL), 0);
    /* Exactly every message of both files (all their lines produce events). */
    assert_int_equal(per[0], 41249);
    assert_int_equal(per[1], 93954);
    assert_true(switches > 1000); /* interleaved, not concatenated */
    cx_md_merge_close(m);
    cx_md_reader_close(rd[0]);
    cx_md_reader_close(rd[1]);
}

/* ---------------------------------------------------------------------------------------------
 * MARK: error paths
 * ------------------------------------------------------------------------------------------- */

static void test_missing_file(void **state)
{
    struct fixture *fx = *state;
    const char *path = "/tmp/cx_md_reader_does_not_exist.gz";
    struct cx_md_reader *r = NULL;
    struct cx_parse_err err;
    assert_int_equal(cx_md_reader_open(&r, path, NULL, &fx->reg, &err), CX_ENOENT);
    assert_null(r);
    assert_int_equal(err.code, CX_ENOENT);
    assert_non_null(err.file);
    assert_string_equal(err.file, path);
    /* The prescan reports it the same way. */
    assert_int_equal(cx_md_prescan(&path, 1, NULL, &fx->reg, NULL, &err), CX_ENOENT);
    assert_string_equal(err.file, path);
}

static void test_corrupt_gzip(void **state)
{
    struct fixture *fx = *state;
    /* The real file's first 20 KB with bytes flipped in the middle. Deflate decodes damaged
     * Huffman data into garbage rather than failing, so the lines before the damage (about
     * 188) are delivered, the damaged ones are counted as bad lines, and the cut-off stream
     * ends in CX_EGZIP. */
    size_t n = 20 * 1024;
    unsigned char *data = read_prefix(SPOT, &n);
    assert_int_equal(n, 20 * 1024);
    for (size_t i = 15000; i < 15064; i++)
        data[i] ^= 0x55;
    char path[64];
    write_tmp(path, data, n);
    free(data);
    struct summary s;
    read_all(path, NULL, &fx->reg, &s);
    print_err(&s.err);
    assert_int_equal(s.rc, CX_EGZIP);
    assert_int_equal(s.err.code, CX_EGZIP);
    assert_string_equal(s.err.file, path);
    assert_true(s.err.line > 100);
    assert_true(s.batches > 100);
    assert_int_equal(s.venue, CX_VENUE_BINANCE_SPOT);
    unlink(path);

    /* A complete member (300 real lines, recompressed) with flipped bytes: the CRC-32 check
     * at the member's end (RFC 1952 section 2.3.1) catches what the Huffman decoding let
     * through: "corrupt gzip data" after the good lines. */
    char **lines = read_lines(SPOT, 300);
    write_tmp(path, "", 0);
    gzFile gz = gzopen(path, "wb6");
    assert_non_null(gz);
    for (int i = 0; i < 300; i++) {
        gzputs(gz, lines[i]);
        gzputs(gz, "\n");
    }
    assert_int_equal(gzclose(gz), Z_OK);
    free_lines(lines, 300);
    n = 1 << 20;
    data = read_prefix(path, &n);
    for (size_t i = n * 3 / 4; i < n * 3 / 4 + 16; i++)
        data[i] ^= 0xff;
    unlink(path);
    write_tmp(path, data, n);
    free(data);
    read_all(path, NULL, &fx->reg, &s);
    print_err(&s.err);
    assert_int_equal(s.rc, CX_EGZIP);
    assert_string_equal(s.err.msg, "corrupt gzip data");
    assert_true(s.batches > 100);
    assert_true(s.batches < 300);
    unlink(path);
}

static void test_truncated_gzip(void **state)
{
    struct fixture *fx = *state;
    size_t n = 30 * 1024;
    unsigned char *data = read_prefix(SPOT, &n);
    assert_int_equal(n, 30 * 1024);

    /* Expected: every complete line zlib can recover from the prefix. */
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    assert_int_equal(inflateInit2(&zs, 15 + 32), Z_OK);
    enum { OUT = 64 * 1024 };
    unsigned char *out = malloc(OUT);
    assert_non_null(out);
    zs.next_in = data;
    zs.avail_in = (uInt)n;
    uint64_t complete = 0;
    int zrc;
    do {
        zs.next_out = out;
        zs.avail_out = OUT;
        zrc = inflate(&zs, Z_NO_FLUSH);
        for (size_t i = 0; i < OUT - zs.avail_out; i++)
            complete += out[i] == '\n';
    } while (zrc == Z_OK);
    assert_int_equal(zrc, Z_BUF_ERROR); /* input ran out mid-stream */
    inflateEnd(&zs);
    free(out);

    char path[64];
    write_tmp(path, data, n);
    free(data);
    struct summary s;
    read_all(path, NULL, &fx->reg, &s);
    print_message("  %llu complete lines before the cut\n", (unsigned long long)complete);
    assert_int_equal(s.rc, CX_EGZIP);
    assert_string_equal(s.err.msg, "truncated gzip stream");
    assert_string_equal(s.err.file, path);
    assert_int_equal(s.err.line, (int64_t)complete + 1);
    assert_true(complete > 8);
    assert_int_equal(s.batches, complete);
    assert_int_equal(s.stats.errors, 0);
    unlink(path);
}

/* 100 real lines with four bad ones: 20 truncated JSON, 30 wrong type, 40 unknown stream,
 * 50 local time going backwards. */
static void write_bad_lines(char path[64])
{
    char **lines = read_lines(SPOT, 100);
    for (int i = 19; i < 50; i += 10)
        assert_non_null(strstr(lines[i], "@bookTicker"));
    lines[19][strlen(lines[19]) / 2] = '\0';
    replace_in(&lines[29], "\"b\":", "\"b\":[],\"_b\":");
    replace_in(&lines[39], "btcusdt@bookTicker", "btcusdt@kline_1m");
    long long prev = strtoll(lines[48], NULL, 10);
    char ts[32];
    snprintf(ts, sizeof ts, "%lld", prev - 1000);
    assert_int_equal(strlen(ts), 19);
    memcpy(lines[49], ts, 19);
    write_lines(path, lines, 100, "\n", "\n");
    free_lines(lines, 100);
}

static void test_bad_lines(void **state)
{
    struct fixture *fx = *state;
    char path[64];
    write_bad_lines(path);
    static const int64_t bad_line[4] = {20, 30, 40, 50};

    struct summary s;
    read_all(path, NULL, &fx->reg, &s);
    assert_int_equal(s.rc, 0);
    assert_int_equal(s.venue, CX_VENUE_BINANCE_SPOT);
    assert_int_equal(s.stats.lines, 100);
    assert_int_equal(s.stats.errors, 4);
    assert_int_equal(s.stats.kept_errors, 4);
    assert_int_equal(s.batches, 96);
    for (int i = 0; i < 4; i++) {
        const struct cx_parse_err *e = &s.stats.errors_kept[i];
        assert_int_equal(e->line, bad_line[i]);
        assert_string_equal(e->file, path);
        assert_non_null(e->msg);
    }
    int c0 = s.stats.errors_kept[0].code;
    assert_true(c0 == CX_ETRUNC || c0 == CX_EPARSE);
    assert_int_equal(s.stats.errors_kept[1].code, CX_ETYPE);
    assert_int_equal(s.stats.errors_kept[2].code, CX_ESTREAM);
    assert_int_equal(s.stats.errors_kept[3].code, CX_ETIME);
    assert_int_equal(s.stats.errors_kept[3].col, 1);
    /* Decoder columns point into the line, past the 20-byte `<local_ns> ` prefix. */
    for (int i = 0; i < 3; i++)
        assert_true(s.stats.errors_kept[i].col > 20);
    assert_int_equal(s.stats.errors_by_code[cx_md_err_bucket(CX_ETIME)], 1);
    assert_int_equal(s.stats.errors_by_code[cx_md_err_bucket(CX_ESTREAM)], 1);

    /* Strict: stop at the first bad line, with its line number, and keep returning it. */
    struct cx_md_reader_opts strict = {.strict = true};
    read_all(path, &strict, &fx->reg, &s);
    assert_true(s.rc == CX_ETRUNC || s.rc == CX_EPARSE);
    assert_int_equal(s.err.code, s.rc);
    assert_int_equal(s.err.line, 20);
    assert_string_equal(s.err.file, path);
    assert_int_equal(s.batches, 19);
    struct cx_md_reader *r = NULL;
    assert_int_equal(cx_md_reader_open(&r, path, &strict, &fx->reg, NULL), 0);
    const struct cx_md_batch *b;
    int rc;
    while ((rc = cx_md_reader_next(r, &b, NULL)) == 1) {
    }
    assert_int_equal(cx_md_reader_next(r, &b, NULL), rc);
    cx_md_reader_close(r);

    /* The prescan ignores bad lines unless strict. */
    const char *p = path;
    assert_int_equal(cx_md_prescan(&p, 1, NULL, &fx->reg, NULL, NULL), 0);
    struct cx_parse_err err;
    rc = cx_md_prescan(&p, 1, &strict, &fx->reg, NULL, &err);
    assert_true(rc == CX_ETRUNC || rc == CX_EPARSE);
    assert_int_equal(err.line, 20);
    unlink(path);
}

/* Multi-member gzip, CRLF line ends, an empty line and a final line without '\n'. */
static void test_framing(void **state)
{
    struct fixture *fx = *state;
    char **lines = read_lines(SPOT, 10);
    char path[64];
    write_tmp(path, "", 0);
    gzFile gz = gzopen(path, "wb");
    assert_non_null(gz);
    for (int i = 0; i < 5; i++) {
        gzputs(gz, lines[i]);
        gzputs(gz, i == 1 ? "\r\n\r\n" : "\r\n");
    }
    assert_int_equal(gzclose(gz), Z_OK);
    gz = gzopen(path, "ab"); /* appending starts a second gzip member */
    assert_non_null(gz);
    for (int i = 5; i < 10; i++) {
        gzputs(gz, lines[i]);
        if (i < 9)
            gzputs(gz, "\n");
    }
    assert_int_equal(gzclose(gz), Z_OK);
    struct summary s;
    read_clean(path, NULL, &fx->reg, &s);
    assert_int_equal(s.batches, 10);
    assert_int_equal(s.stats.lines, 10);
    unlink(path);

    /* The same as plain text. */
    write_lines(path, lines, 10, "\r\n", "");
    read_clean(path, NULL, &fx->reg, &s);
    assert_int_equal(s.batches, 10);
    unlink(path);
    free_lines(lines, 10);
}

static void test_overlong_line(void **state)
{
    struct fixture *fx = *state;
    /* Only the 64 KiB REST snapshot (line 8) exceeds 40000 bytes in the spot file. */
    struct cx_md_reader_opts opts = {.max_line_bytes = 40000};
    struct summary s;
    read_all(SPOT, &opts, &fx->reg, &s);
    assert_int_equal(s.rc, 0);
    assert_int_equal(s.stats.errors, 1);
    assert_int_equal(s.stats.errors_kept[0].code, CX_ENOSPC);
    assert_int_equal(s.stats.errors_kept[0].line, 8);
    assert_int_equal(s.stats.lines, 41249);
    assert_int_equal(s.batches, 41248);
    assert_int_equal(s.by_kind[CX_MD_KIND_SNAPSHOT], 0);
}

static void test_garbage(void **state)
{
    struct fixture *fx = *state;
    enum { N = 4096 };
    unsigned char *data = malloc(N);
    assert_non_null(data);
    uint64_t x = 0x9e3779b97f4a7c15u; /* xorshift64, fixed seed */
    for (size_t i = 0; i < N; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        data[i] = (unsigned char)x;
    }
    data[0] = 'G';
    char path[64];
    struct cx_md_reader *r = NULL;
    struct cx_parse_err err;

    /* Plain garbage: not a known format. */
    write_tmp(path, data, N);
    assert_int_equal(cx_md_reader_open(&r, path, NULL, &fx->reg, &err), CX_EPARSE);
    assert_string_equal(err.file, path);
    /* Forced format and venue: every line is a counted error, no crash. */
    struct cx_md_reader_opts forced = {.format = CX_MD_FMT_HFTBT,
                                       .venue = CX_VENUE_BINANCE_SPOT};
    struct summary s;
    read_all(path, &forced, &fx->reg, &s);
    assert_int_equal(s.rc, 0);
    assert_int_equal(s.batches, 0);
    assert_true(s.stats.errors > 0);
    assert_int_equal(s.stats.errors, s.stats.lines);
    forced.format = CX_MD_FMT_CRYPTOFEED;
    forced.venue = CX_VENUE_GATE_SPOT;
    read_all(path, &forced, &fx->reg, &s);
    assert_int_equal(s.rc, 0);
    assert_int_equal(s.stats.errors, s.stats.lines);
    unlink(path);

    /* Garbage behind a gzip magic: a corrupt header. */
    data[0] = 0x1f;
    data[1] = 0x8b;
    write_tmp(path, data, N);
    assert_int_equal(cx_md_reader_open(&r, path, NULL, &fx->reg, &err), CX_EGZIP);
    assert_string_equal(err.file, path);
    unlink(path);

    /* A good first line, then garbage: the good line is delivered, the rest is counted. */
    char **first = read_lines(SPOT, 1);
    size_t fl = strlen(first[0]);
    unsigned char *mixed = malloc(fl + 1 + N);
    assert_non_null(mixed);
    memcpy(mixed, first[0], fl);
    mixed[fl] = '\n';
    memcpy(mixed + fl + 1, data + 2, N - 2);
    write_tmp(path, mixed, fl + 1 + N - 2);
    read_all(path, NULL, &fx->reg, &s);
    assert_int_equal(s.rc, 0);
    assert_int_equal(s.batches, 1);
    assert_true(s.stats.errors > 0);
    unlink(path);
    free(mixed);
    free_lines(first, 1);
    free(data);
}

static void test_empty_file(void **state)
{
    struct fixture *fx = *state;
    char path[64];
    write_tmp(path, "", 0);
    struct summary s;
    read_all(path, NULL, &fx->reg, &s);
    assert_int_equal(s.rc, 0);
    assert_int_equal(s.batches, 0);
    assert_int_equal(s.stats.lines, 0);
    assert_int_equal(s.stats.messages, 0);
    unlink(path);
    /* Only empty lines is the same. */
    write_tmp(path, "\n\r\n\n", 4);
    read_all(path, NULL, &fx->reg, &s);
    assert_int_equal(s.rc, 0);
    assert_int_equal(s.batches, 0);
    unlink(path);
}

/* Cryptofeed timestamps: exact ns, more than 9 decimals rejected, backwards rejected. */
static void test_cryptofeed_lines(void **state)
{
    struct fixture *fx = *state;
    FILE *f = fopen(GATE_WS, "rb");
    assert_non_null(f);
    enum { CAP = 64 * 1024 };
    char *buf = malloc(CAP);
    char **lines = calloc(60, sizeof *lines);
    assert_non_null(buf);
    assert_non_null(lines);
    for (int i = 0; i < 60; i++) {
        assert_non_null(fgets(buf, CAP, f));
        buf[strcspn(buf, "\n")] = '\0';
        lines[i] = strdup(buf);
    }
    fclose(f);
    free(buf);
    /* Line 50: a received message with a 10-decimal timestamp; line 55: one before line 54. */
    assert_true(lines[49][0] >= '0' && lines[49][0] <= '9');
    assert_true(lines[54][0] >= '0' && lines[54][0] <= '9');
    {
        /* Pad line 50's fraction to 10 digits (same value plus 1e-10 steps: still later). */
        char *dot = strchr(lines[49], '.');
        char *colon = strchr(lines[49], ':');
        assert_non_null(dot);
        assert_non_null(colon);
        size_t frac = (size_t)(colon - dot - 1);
        assert_true(frac < 10);
        char ts[48];
        snprintf(ts, sizeof ts, "%.*s%.*s", (int)(colon - lines[49]), lines[49],
                 (int)(10 - frac), "1111111111");
        char old_ts[48];
        snprintf(old_ts, sizeof old_ts, "%.*s", (int)(colon - lines[49]), lines[49]);
        replace_in(&lines[49], old_ts, ts);
    }
    replace_in(&lines[54], "1619093", "1519093");
    char path[64];
    write_lines(path, lines, 60, "\n", "\n");
    free_lines(lines, 60);
    struct summary s;
    read_all(path, NULL, &fx->reg, &s);
    assert_int_equal(s.rc, 0);
    assert_int_equal(s.stats.errors, 2);
    assert_int_equal(s.stats.errors_kept[0].line, 50);
    assert_int_equal(s.stats.errors_kept[0].code, CX_EPRECISION);
    assert_int_equal(s.stats.errors_kept[1].line, 55);
    assert_int_equal(s.stats.errors_kept[1].code, CX_ETIME);
    assert_int_equal(s.stats.first_local_ts_ns, INT64_C(1619093531891181000));
    unlink(path);
}

/* Metadata coarser than the data is refined (tick and lot rescaled exactly); a symbol whose
 * numbers need more than 18 digits cannot be represented. */
static void test_prescan_refine_overflow(void **state)
{
    (void)state;
    struct cx_registry reg;
    assert_int_equal(cx_registry_init(&reg, 4), 0);
    struct cx_instrument coarse = {.venue = CX_VENUE_BINANCE_SPOT, .kind = CX_KIND_SPOT,
                                   .price_exp = -1, .qty_exp = -2, .symbol = "BTCUSDT",
                                   .tick = 1, .lot = 1, .multiplier = 1};
    uint32_t id;
    assert_int_equal(cx_registry_add(&reg, &coarse, &id), 0);
    const char *spot = SPOT;
    struct cx_md_prescan_report rep;
    struct cx_parse_err err;
    assert_int_equal(cx_md_prescan(&spot, 1, NULL, &reg, &rep, &err), 0);
    assert_int_equal(rep.n, 1);
    assert_true(rep.items[0].refined);
    assert_int_equal(rep.items[0].inst_id, id);
    assert_int_equal(rep.items[0].meta_price_exp, -1);
    assert_int_equal(rep.items[0].meta_qty_exp, -2);
    const struct cx_instrument *inst = cx_registry_get(&reg, id);
    assert_int_equal(inst->price_exp, -2); /* "61837.63000000": 2 significant decimals */
    assert_true(inst->qty_exp <= -5);
    assert_int_equal(inst->tick, 10);
    assert_true((inst->flags & CX_INST_F_REFINED) != 0);
    print_message("  BTCUSDT refined to price_exp %d qty_exp %d\n", inst->price_exp,
                  inst->qty_exp);
    /* A second prescan finds nothing left to do. */
    assert_int_equal(cx_md_prescan(&spot, 1, NULL, &reg, &rep, &err), 0);
    assert_int_equal(rep.n, 0);
    cx_registry_fini(&reg);

    char path[64];
    const char *line = "1723161254087891268 {\"stream\":\"ethusdt@bookTicker\",\"data\":{"
                       "\"u\":1,\"s\":\"ETHUSDT\",\"b\":\"1234567890.123456789\","
                       "\"B\":\"1\",\"a\":\"1234567891\",\"A\":\"1\"}}\n";
    write_tmp(path, line, strlen(line));
    assert_int_equal(cx_registry_init(&reg, 4), 0);
    const char *p = path;
    assert_int_equal(cx_md_prescan(&p, 1, NULL, &reg, &rep, &err), CX_EOVERFLOW);
    assert_string_equal(err.detail, "ETHUSDT");
    assert_int_equal(reg.count, 0); /* nothing added on failure */
    cx_registry_fini(&reg);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_prescan_report),  cmocka_unit_test(test_binance_spot),
        cmocka_unit_test(test_binance_usdm),    cmocka_unit_test(test_hyperliquid),
        cmocka_unit_test(test_gate),            cmocka_unit_test(test_merge_spot_usdm),
        cmocka_unit_test(test_missing_file),    cmocka_unit_test(test_corrupt_gzip),
        cmocka_unit_test(test_truncated_gzip),  cmocka_unit_test(test_bad_lines),
        cmocka_unit_test(test_framing),         cmocka_unit_test(test_overlong_line),
        cmocka_unit_test(test_garbage),         cmocka_unit_test(test_empty_file),
        cmocka_unit_test(test_cryptofeed_lines), cmocka_unit_test(test_prescan_refine_overflow),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
