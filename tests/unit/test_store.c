/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the store module: the session directory writer and reader. A round trip
 * writes orders, fills, positions, equity samples, events and metadata for two instruments of
 * different precisions (a spot pair and a contract-sized perpetual), finishes the session and
 * reads everything back, requiring identical values. Further tests cover directory reuse rules,
 * atomic writes (an impossible directory fails cleanly naming the path; a write error in the
 * middle of a run, injected with RLIMIT_FSIZE, leaves only NAME.part files), reader errors that
 * name file:line:col, SHA-256 against the FIPS 180-2 "abc" vector, and the small helpers.
 * Session directories are created under /tmp and removed afterwards.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cexarb/store.h"

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---------------------------------------------------------------------------------------------
 * MARK: helpers
 * ------------------------------------------------------------------------------------------- */

/* A fresh, not yet existing session path under a new temporary parent directory. */
static void tmp_session(char parent[64], char session[96])
{
    snprintf(parent, 64, "/tmp/cx_test_store_XXXXXX");
    assert_non_null(mkdtemp(parent));
    snprintf(session, 96, "%s/runs/s1", parent);
}

/* rm -r of a directory tree we created (two levels are enough here). */
static void rm_tree(const char *path)
{
    DIR *d = opendir(path);
    if (d == NULL) {
        unlink(path);
        return;
    }
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        char sub[512];
        snprintf(sub, sizeof sub, "%s/%s", path, de->d_name);
        struct stat sb;
        if (lstat(sub, &sb) == 0 && S_ISDIR(sb.st_mode))
            rm_tree(sub);
        else
            unlink(sub);
    }
    closedir(d);
    rmdir(path);
}

static int file_exists(const char *dir, const char *name)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    struct stat sb;
    return stat(p, &sb) == 0;
}

/* Whole file into a malloc'd NUL-terminated buffer. */
static char *slurp(const char *dir, const char *name)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *fp = fopen(p, "rb");
    if (fp == NULL)
        return NULL;
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
    buf[n] = '\0';
    fclose(fp);
    return buf;
}

static void spit(const char *dir, const char *name, const char *text)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *fp = fopen(p, "wb");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

/* Two instruments: BTCUSDT spot (price 0.01, qty 0.00001) and Gate BTC_USDT futures counted in
 * contracts of 0.0001 BTC (price 0.1, qty 1 contract). */
static void make_registry(struct cx_registry *reg)
{
    assert_int_equal(cx_registry_init(reg, 4), 0);
    struct cx_instrument a = {0};
    a.venue = CX_VENUE_BINANCE_SPOT;
    a.kind = CX_KIND_SPOT;
    a.price_exp = -2;
    a.qty_exp = -5;
    snprintf(a.symbol, sizeof a.symbol, "BTCUSDT");
    snprintf(a.base, sizeof a.base, "BTC");
    snprintf(a.quote, sizeof a.quote, "USDT");
    a.tick = 1;
    a.lot = 1;
    a.min_qty = 1;
    a.min_notional = 500000000; /* 5 USDT */
    a.multiplier = 1;
    a.multiplier_exp = 0;
    a.maker_fee_ppb = 1000000;
    a.taker_fee_ppb = 1000000;
    assert_int_equal(cx_registry_add(reg, &a, NULL), 0);
    struct cx_instrument b = {0};
    b.venue = CX_VENUE_GATE_FUTURES;
    b.kind = CX_KIND_LINEAR_PERP;
    b.price_exp = -1;
    b.qty_exp = 0;
    snprintf(b.symbol, sizeof b.symbol, "BTC_USDT");
    snprintf(b.base, sizeof b.base, "BTC");
    snprintf(b.quote, sizeof b.quote, "USDT");
    b.tick = 1;
    b.lot = 1;
    b.min_qty = 1;
    b.multiplier = 1;
    b.multiplier_exp = -4;
    b.maker_fee_ppb = -50000; /* rebate */
    b.taker_fee_ppb = 500000;
    b.flags = CX_INST_F_INFERRED;
    assert_int_equal(cx_registry_add(reg, &b, NULL), 0);
}

static const int64_t T0 = INT64_C(1723075200000000000); /* 2024-08-08 00:00:00 UTC */

static struct cx_order sample_order(int k)
{
    struct cx_order o;
    memset(&o, 0, sizeof o);
    o.req.client_id = 1000 + (uint64_t)k;
    o.req.inst_id = (uint32_t)(k % 2);
    o.req.side = (uint8_t)(k % 2 ? CX_SIDE_ASK : CX_SIDE_BID);
    o.req.type = (uint8_t)(k == 2 ? CX_ORD_MARKET : CX_ORD_LIMIT);
    o.req.tif = (uint8_t)(k % 4);
    o.req.flags = k == 1 ? CX_ORD_F_REDUCE_ONLY : 0;
    o.req.price_m = k == 2 ? 0 : (k % 2 ? 617376 : 6173763);
    o.req.qty_m = k % 2 ? 3 : 150;
    o.venue_order_id = 9000 + (uint64_t)k;
    o.status = (uint8_t)(k == 3 ? CX_ORD_REJECTED : k == 2 ? CX_ORD_FILLED : CX_ORD_CANCELED);
    o.reject = (uint8_t)(k == 3 ? CX_REJ_POST_ONLY : CX_REJ_NONE);
    o.fills = k == 2 ? 2 : 0;
    o.filled_qty_m = k == 2 ? 150 : 0;
    /* 0.00150 BTC at 61737.63 and 61737.64 (100 + 50): notional 92.6064 + 0.0 exact. */
    o.filled_notional = k == 2 ? 9260645000 : 0;
    o.fee = k == 2 ? 9260645 : 0;
    o.created_ns = T0 + k * 1000;
    o.updated_ns = T0 + k * 1000 + 500;
    o.acked_ns = k == 3 ? 0 : T0 + k * 1000 + 100;
    return o;
}

static struct cx_fill sample_fill(int k)
{
    struct cx_fill f;
    memset(&f, 0, sizeof f);
    f.client_id = 1000 + (uint64_t)k;
    f.venue_order_id = 9000 + (uint64_t)k;
    f.fill_id = 1 + (uint64_t)k;
    f.inst_id = (uint32_t)(k % 2);
    f.side = (uint8_t)(k % 3 == 0 ? CX_SIDE_BID : CX_SIDE_ASK);
    f.liquidity = (uint8_t)(k % 2 ? CX_LIQ_TAKER : CX_LIQ_MAKER);
    f.price_m = k % 2 ? 617376 + k : 6173763 + k;
    f.qty_m = k % 2 ? 2 + k : 100 + k;
    f.fee = k % 2 ? -1234 : 6173763;
    f.exch_ts_ns = T0 + k * CX_NS_PER_MS;
    f.local_ts_ns = T0 + k * CX_NS_PER_MS + 3 * CX_NS_PER_MS;
    f.latency_ns = 4 * CX_NS_PER_MS + k;
    return f;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: round trip
 * ------------------------------------------------------------------------------------------- */

static void test_round_trip(void **state)
{
    (void)state;
    char parent[64], dir[96];
    tmp_session(parent, dir);
    struct cx_registry reg;
    make_registry(&reg);
    struct cx_store *st = NULL;
    struct cx_parse_err err = {0};
    assert_int_equal(cx_store_open(&st, dir, &reg, CX_STORE_F_NOSYNC, &err), 0);
    assert_string_equal(cx_store_dir(st), dir);
    assert_null(cx_store_err(st));
    struct stat sb;
    assert_int_equal(stat(dir, &sb), 0);
    mode_t mask = umask(0);
    umask(mask);
    assert_int_equal(sb.st_mode & 0777, 0755 & ~mask);

    const char *meta = "{\"strategy\":\"maker_hedge\",\"version\":\"0.1.0\","
                       "\"data\":[{\"path\":\"a.gz\",\"sha256\":\"00\"}],"
                       "\"config\":{\"api_key\":\"\"}}";
    assert_int_equal(cx_store_write_metadata(st, meta, strlen(meta)), 0);

    enum { NO = 4, NF = 6, NP = 5, NS = 5 };
    struct cx_order orders[NO];
    for (int k = 0; k < NO; k++) {
        orders[k] = sample_order(k);
        assert_int_equal(cx_store_write_order(st, &orders[k]), 0);
    }
    struct cx_fill fills[NF];
    int64_t mids[NF];
    for (int k = 0; k < NF; k++) {
        fills[k] = sample_fill(k);
        mids[k] = k == 4 ? 0 : fills[k].price_m + (k % 2 ? 1 : -1);
        assert_int_equal(cx_store_write_fill(st, &fills[k], mids[k]), 0);
    }
    /* Positions: spot long 0.00150 BTC bought for 92.6064 USDT -> avg 61737.63 (rounded from
     * 61737.6333...); perp short 3 contracts x 0.0001 BTC at a cost of -18.52128 -> 61737.6. */
    struct cx_position pos[NP];
    int64_t marks[NP], unreal[NP];
    for (int k = 0; k < NP; k++) {
        memset(&pos[k], 0, sizeof pos[k]);
        pos[k].inst_id = (uint32_t)(k % 2);
        pos[k].qty_m = k % 2 ? -3 : 150;
        pos[k].cost = k % 2 ? -1852128000 : 9260645000;
        pos[k].realized_pnl = 123456789 * k - 5;
        pos[k].fees = 77 * k;
        pos[k].funding = -11 * k;
        marks[k] = k % 2 ? 617380 : 6173800;
        unreal[k] = 555 * k - 1000;
        if (k == 4) { /* flat */
            pos[k].qty_m = 0;
            pos[k].cost = 0;
        }
        assert_int_equal(cx_store_write_position(st, T0 + k * CX_NS_PER_S, pos[k].inst_id,
                                                 marks[k], &pos[k], unreal[k]),
                         0);
    }
    struct cx_store_perf_row perf[NS];
    const int64_t eq[NS] = {10000000000000, 10001000000000, 9999000000000, 10002000000000,
                            10001500000000};
    for (int k = 0; k < NS; k++) {
        perf[k] = (struct cx_store_perf_row){
            .ts_ns = T0 + k * CX_NS_PER_S,
            .equity = eq[k],
            .cash = eq[k] - 500000000,
            .position_value = 500000000,
            .realized = 100 * k,
            .unrealized = -100 * k,
            .fees = 3 * k,
            .funding = -k,
            .drawdown = 777, /* ignored by the writer */
        };
        assert_int_equal(cx_store_write_perf(st, &perf[k]), 0);
    }
    /* Samples may not go back in time. */
    struct cx_store_perf_row back = perf[0];
    assert_int_equal(cx_store_write_perf(st, &back), CX_ETIME);
    assert_int_equal(cx_store_write_event(st, T0, "start", "{\"symbols\":[\"BTCUSDT\"]}"), 0);
    assert_int_equal(cx_store_write_event(st, T0 + 1, "note \"q\"", "\"client_id\":7"), 0);
    assert_int_equal(cx_store_write_event(st, T0 + 2, "stop", NULL), 0);
    assert_int_equal(cx_store_flush(st), 0);

    /* Before finish only NAME.part files exist. */
    assert_true(file_exists(dir, "fills.csv.part"));
    assert_false(file_exists(dir, "fills.csv"));
    assert_int_equal(cx_store_finish(st), 0);
    assert_int_equal(cx_store_finish(st), CX_ESTATE);
    assert_int_equal(cx_store_write_fill(st, &fills[0], 0), CX_ESTATE);
    cx_store_free(st);
    assert_false(file_exists(dir, "fills.csv.part"));
    const char *names[] = {"metadata.json", "instruments.csv", "orders.csv", "fills.csv",
                           "trades.csv", "positions.csv", "performance.csv", "events.log"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        assert_true(file_exists(dir, names[i]));

    /* trades.csv is the same file as fills.csv. */
    char *a = slurp(dir, "fills.csv"), *b = slurp(dir, "trades.csv");
    assert_string_equal(a, b);
    /* A readable row: exact decimals at the instrument exponents. */
    assert_non_null(strstr(a, "\n1,1723075200000000000,1723075200003000000,binance_spot,BTCUSDT,"
                              "buy,61737.63,0.00100,maker,0.06173763,USDT,1000,4000000,9000,"
                              "61737.62\n"));
    free(a);
    free(b);
    char *ev = slurp(dir, "events.log");
    assert_string_equal(ev, "{\"ts_ns\":1723075200000000000,\"event\":\"start\","
                            "\"symbols\":[\"BTCUSDT\"]}\n"
                            "{\"ts_ns\":1723075200000000001,\"event\":\"note \\\"q\\\"\","
                            "\"client_id\":7}\n"
                            "{\"ts_ns\":1723075200000000002,\"event\":\"stop\"}\n");
    free(ev);
    char *md = slurp(dir, "metadata.json");
    assert_int_equal(strncmp(md, meta, strlen(meta)), 0);
    free(md);
    char *ords = slurp(dir, "orders.csv");
    /* avg_price 92.6064 / 0.0015 = 61737.6333.. -> 61737.63 */
    assert_non_null(strstr(ords, "\n1002,0,binance_spot,BTCUSDT,buy,market,fok,0,0.00,0.00150,"
                                 "filled,none,0.00150,61737.63,0.09260645,"));
    free(ords);

    /* Read everything back. */
    struct cx_store_session s;
    assert_int_equal(cx_store_load(&s, dir, &err), 0);
    assert_int_equal(s.reg.count, 2);
    for (uint32_t id = 0; id < 2; id++) {
        const struct cx_instrument *x = cx_registry_get(&reg, id);
        const struct cx_instrument *y = cx_registry_get(&s.reg, id);
        assert_int_equal(y->id, x->id);
        assert_int_equal(y->venue, x->venue);
        assert_int_equal(y->kind, x->kind);
        assert_string_equal(y->symbol, x->symbol);
        assert_string_equal(y->base, x->base);
        assert_string_equal(y->quote, x->quote);
        assert_int_equal(y->price_exp, x->price_exp);
        assert_int_equal(y->qty_exp, x->qty_exp);
        assert_int_equal(y->tick, x->tick);
        assert_int_equal(y->lot, x->lot);
        assert_int_equal(y->min_qty, x->min_qty);
        assert_int_equal(y->min_notional, x->min_notional);
        assert_int_equal(y->multiplier, x->multiplier);
        assert_int_equal(y->multiplier_exp, x->multiplier_exp);
        assert_int_equal(y->maker_fee_ppb, x->maker_fee_ppb);
        assert_int_equal(y->taker_fee_ppb, x->taker_fee_ppb);
        assert_int_equal(y->flags, x->flags);
    }
    assert_int_equal(s.n_orders, NO);
    for (int k = 0; k < NO; k++) {
        /* Every field of the struct goes through the file (pad is zero on both sides). */
        assert_memory_equal(&s.orders[k], &orders[k], sizeof orders[k]);
    }
    assert_int_equal(s.n_fills, NF);
    for (int k = 0; k < NF; k++) {
        assert_memory_equal(&s.fills[k].fill, &fills[k], sizeof fills[k]);
        assert_int_equal(s.fills[k].mid_price_m, mids[k]);
    }
    assert_int_equal(s.n_positions, NP);
    for (int k = 0; k < NP; k++) {
        const struct cx_store_pos_row *r = &s.positions[k];
        assert_int_equal(r->ts_ns, T0 + k * CX_NS_PER_S);
        assert_int_equal(r->inst_id, pos[k].inst_id);
        assert_int_equal(r->qty_m, pos[k].qty_m);
        assert_int_equal(r->mark_price_m, marks[k]);
        assert_int_equal(r->unrealized, unreal[k]);
        assert_int_equal(r->realized, pos[k].realized_pnl);
        assert_int_equal(r->fees, pos[k].fees);
        assert_int_equal(r->funding, pos[k].funding);
        int64_t want_avg = k == 4 ? 0 : (k % 2 ? 617376 : 6173763);
        assert_int_equal(r->avg_entry_price_m, want_avg);
    }
    assert_int_equal(s.n_perf, NS);
    int64_t peak = 0;
    for (int k = 0; k < NS; k++) {
        struct cx_store_perf_row want = perf[k];
        peak = k == 0 || eq[k] > peak ? eq[k] : peak;
        want.drawdown = peak - eq[k];
        assert_memory_equal(&s.perf[k], &want, sizeof want);
    }
    assert_int_equal(s.perf[2].drawdown, 2000000000); /* 10001 -> 9999 */
    assert_non_null(s.metadata_json);
    assert_non_null(strstr(s.metadata_json, "maker_hedge"));
    cx_store_session_fini(&s);
    cx_store_session_fini(&s); /* idempotent */

    cx_registry_fini(&reg);
    rm_tree(parent);
}

/* ---------------------------------------------------------------------------------------------
 * MARK: directory rules and atomic writes
 * ------------------------------------------------------------------------------------------- */

static void test_dir_rules(void **state)
{
    (void)state;
    char parent[64], dir[96];
    tmp_session(parent, dir);
    struct cx_registry reg;
    make_registry(&reg);
    struct cx_store *st = NULL;
    struct cx_parse_err err = {0};

    /* An existing empty directory is fine. */
    char runs[96];
    snprintf(runs, sizeof runs, "%s/runs", parent);
    assert_int_equal(mkdir(runs, 0755), 0);
    assert_int_equal(mkdir(dir, 0700), 0);
    assert_int_equal(cx_store_open(&st, dir, &reg, CX_STORE_F_NOSYNC, &err), 0);
    assert_int_equal(cx_store_finish(st), 0);
    cx_store_free(st);
    spit(dir, "report.html", "stale");
    spit(dir, "notes.txt", "user file");

    /* Non-empty: refused unless reuse is asked for. */
    st = NULL;
    memset(&err, 0, sizeof err);
    assert_int_equal(cx_store_open(&st, dir, &reg, 0, &err), CX_EEXIST);
    assert_null(st);
    assert_int_equal(err.code, CX_EEXIST);
    assert_ptr_equal(err.file, dir);
    assert_int_equal(cx_store_open(&st, dir, &reg, CX_STORE_F_REUSE | CX_STORE_F_NOSYNC, &err),
                     0);
    /* Our stale files are gone at once, other files stay. */
    assert_false(file_exists(dir, "report.html"));
    assert_false(file_exists(dir, "fills.csv"));
    assert_true(file_exists(dir, "notes.txt"));
    cx_store_free(st); /* unfinished: NAME.part files are kept, no final name appears */
    assert_true(file_exists(dir, "fills.csv.part"));
    assert_false(file_exists(dir, "fills.csv"));

    /* A path whose parent is a file. */
    char bad[160];
    snprintf(bad, sizeof bad, "%s/notes.txt/s2", dir);
    memset(&err, 0, sizeof err);
    assert_int_equal(cx_store_open(&st, bad, &reg, 0, &err), CX_EIO);
    assert_ptr_equal(err.file, bad);
    /* The path itself is a file. */
    snprintf(bad, sizeof bad, "%s/notes.txt", dir);
    assert_int_equal(cx_store_open(&st, bad, &reg, 0, &err), CX_EEXIST);
    /* A place nobody can create directories in, not even root. */
    memset(&err, 0, sizeof err);
    assert_int_equal(cx_store_open(&st, "/proc/cx_no_such_session", &reg, 0, &err), CX_EIO);
    assert_int_equal(err.code, CX_EIO);
    char msg[256];
    cx_parse_err_format(&err, msg, sizeof msg);
    assert_non_null(strstr(msg, "/proc/cx_no_such_session"));
    assert_non_null(strstr(msg, "cannot create directory"));
    assert_int_equal(cx_store_open(&st, "", &reg, 0, &err), CX_EINVAL);
    assert_int_equal(cx_store_open(&st, dir, NULL, 0, &err), CX_EINVAL);

    /* Atomic whole-file writes: a missing directory fails, names the path, leaves nothing. */
    char path[160];
    snprintf(path, sizeof path, "%s/missing/summary.json", dir);
    memset(&err, 0, sizeof err);
    assert_int_equal(cx_store_write_file_atomic(path, "{}", 2, true, &err), CX_EIO);
    assert_ptr_equal(err.file, path);
    assert_non_null(strstr(err.detail, "summary.json"));
    snprintf(path, sizeof path, "%s/summary.json", dir);
    assert_int_equal(cx_store_write_file_atomic(path, "{\"a\":1}\n", 8, true, &err), 0);
    assert_int_equal(cx_store_write_file_atomic(path, "{\"a\":2}\n", 8, false, &err), 0);
    char *text = slurp(dir, "summary.json");
    assert_string_equal(text, "{\"a\":2}\n");
    free(text);
    /* No temporary file is left behind. */
    DIR *d = opendir(dir);
    struct dirent *de;
    while ((de = readdir(d)) != NULL)
        assert_null(strstr(de->d_name, ".tmp."));
    closedir(d);

    cx_registry_fini(&reg);
    rm_tree(parent);
}

/* A write error in the middle of a run (file size limit reached, EFBIG): the error is sticky,
 * names the file, and no final name is created for the failed file. */
static void test_write_error_is_clean(void **state)
{
    (void)state;
    char parent[64], dir[96];
    tmp_session(parent, dir);
    struct cx_registry reg;
    make_registry(&reg);
    struct cx_store *st = NULL;
    struct cx_parse_err err = {0};
    assert_int_equal(cx_store_open(&st, dir, &reg, CX_STORE_F_NOSYNC, &err), 0);
    assert_int_equal(cx_store_write_metadata(st, "{}", 2), 0);

    struct rlimit old;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    void (*old_handler)(int) = signal(SIGXFSZ, SIG_IGN);
    struct rlimit lim = {.rlim_cur = 200 * 1024, .rlim_max = old.rlim_max};
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    int rc = 0;
    struct cx_fill f = sample_fill(0);
    for (int i = 0; i < 20000 && rc == 0; i++) {
        f.fill_id = (uint64_t)i + 1;
        rc = cx_store_write_fill(st, &f, 6173760);
    }
    if (rc == 0)
        rc = cx_store_finish(st);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    signal(SIGXFSZ, old_handler);

    assert_int_equal(rc, CX_EIO);
    const struct cx_parse_err *e = cx_store_err(st);
    assert_non_null(e);
    assert_int_equal(e->code, CX_EIO);
    assert_string_equal(e->file, dir);
    assert_non_null(strstr(e->detail, "fills.csv.part"));
    /* Sticky: later calls report the same failure. */
    assert_int_equal(cx_store_write_perf(st, &(struct cx_store_perf_row){.ts_ns = T0}), CX_EIO);
    assert_int_equal(cx_store_finish(st), CX_EIO);
    cx_store_free(st);
    assert_false(file_exists(dir, "fills.csv"));
    assert_false(file_exists(dir, "trades.csv"));
    assert_true(file_exists(dir, "fills.csv.part"));
    /* Files written completely before the failure are intact. */
    char *md = slurp(dir, "metadata.json");
    assert_string_equal(md, "{}\n");
    free(md);
    cx_registry_fini(&reg);
    rm_tree(parent);
}

static void test_metadata_rules(void **state)
{
    (void)state;
    char parent[64], dir[96];
    tmp_session(parent, dir);
    struct cx_registry reg;
    make_registry(&reg);
    struct cx_store *st = NULL;
    assert_int_equal(cx_store_open(&st, dir, &reg, CX_STORE_F_NOSYNC, NULL), 0);
    const char *not_obj = "[1,2]";
    assert_int_equal(cx_store_write_metadata(st, not_obj, strlen(not_obj)), CX_EPARSE);
    const char *broken = "{\"a\":";
    assert_int_equal(cx_store_write_metadata(st, broken, strlen(broken)), CX_EPARSE);
    const char *secret = "{\"venues\":{\"gate\":{\"API_SECRET\":\"abc\"}}}";
    assert_int_equal(cx_store_write_metadata(st, secret, strlen(secret)), CX_EINVAL);
    const char *pw = "{\"db\":{\"password\":\"x\"}}";
    assert_int_equal(cx_store_write_metadata(st, pw, strlen(pw)), CX_EINVAL);
    assert_false(file_exists(dir, "metadata.json"));
    /* Refusals are not I/O errors: the store still works. */
    assert_null(cx_store_err(st));
    const char *ok = "{\"api_key_env\":\"\",\"n\":1}";
    assert_int_equal(cx_store_write_metadata(st, ok, strlen(ok)), 0);
    assert_true(file_exists(dir, "metadata.json"));
    /* Rows that cannot be written are refused without harming the file. */
    struct cx_fill f = sample_fill(0);
    f.inst_id = 7;
    assert_int_equal(cx_store_write_fill(st, &f, 0), CX_EINVAL);
    f = sample_fill(0);
    f.fee_asset = 1;
    assert_int_equal(cx_store_write_fill(st, &f, 0), CX_EINVAL);
    struct cx_order o = sample_order(0);
    o.status = 200;
    assert_int_equal(cx_store_write_order(st, &o), CX_EINVAL);
    assert_int_equal(cx_store_write_event(st, 0, NULL, NULL), CX_EINVAL);
    assert_null(cx_store_err(st));
    assert_int_equal(cx_store_finish(st), 0);
    cx_store_free(st);
    cx_registry_fini(&reg);
    rm_tree(parent);
}

/* ---------------------------------------------------------------------------------------------
 * MARK: reader errors
 * ------------------------------------------------------------------------------------------- */

/* Write a minimal valid session, then replace one file and check the load error. */
static void expect_load_error(const char *file, const char *text, int code, int64_t line,
                              int32_t col, const char *detail)
{
    char parent[64], dir[96];
    tmp_session(parent, dir);
    struct cx_registry reg;
    make_registry(&reg);
    struct cx_store *st = NULL;
    assert_int_equal(cx_store_open(&st, dir, &reg, CX_STORE_F_NOSYNC, NULL), 0);
    assert_int_equal(cx_store_finish(st), 0);
    cx_store_free(st);
    cx_registry_fini(&reg);
    if (text != NULL) {
        spit(dir, file, text);
    } else {
        char p[160];
        snprintf(p, sizeof p, "%s/%s", dir, file);
        unlink(p);
    }
    struct cx_store_session s;
    struct cx_parse_err err = {0};
    int rc = cx_store_load(&s, dir, &err);
    if (rc != code || err.line != line || err.col != col) {
        char msg[256];
        cx_parse_err_format(&err, msg, sizeof msg);
        print_error("%s: rc %s, want %s: %s\n", file, cx_err_name(rc), cx_err_name(code), msg);
    }
    assert_int_equal(rc, code);
    assert_string_equal(err.file, file);
    assert_int_equal(err.line, line);
    assert_int_equal(err.col, col);
    if (detail != NULL)
        assert_string_equal(err.detail, detail);
    cx_store_session_fini(&s);
    rm_tree(parent);
}

#define FILLS_HDR                                                                              \
    "fill_id,ts_ns,local_ts_ns,venue,symbol,side,price,qty,liquidity,fee,fee_asset,client_id," \
    "latency_ns,venue_order_id,mid\n"
#define FILL_OK "1,5,6,binance_spot,BTCUSDT,buy,61737.63,0.00100,maker,0.06173763,USDT,7,1,2,0.00\n"

static void test_reader_errors(void **state)
{
    (void)state;
    /* Each case: the file, its text, and where the error must point. */
    expect_load_error("fills.csv", NULL, CX_ENOENT, 0, 0, NULL);
    expect_load_error("fills.csv", "", CX_ETRUNC, 0, 0, NULL);
    expect_load_error("fills.csv", "fill_id,ts\n", CX_EPARSE, 1, 0, "fill_id,ts");
    expect_load_error("fills.csv", FILLS_HDR FILL_OK FILL_OK "1,2,3\n", CX_EPARSE, 4, 0,
                      "3 fields, expected 15");
    /* price with a third decimal at price_exp -2 */
    expect_load_error("fills.csv",
                      FILLS_HDR "1,5,6,binance_spot,BTCUSDT,buy,61737.631,0.00100,maker,0,USDT,"
                                "7,1,2,0\n",
                      CX_EPRECISION, 2, 32, "61737.631");
    expect_load_error("fills.csv",
                      FILLS_HDR "1,5,6,binance_spot,ETHUSDT,buy,1,1,maker,0,USDT,7,1,2,0\n",
                      CX_ESYMBOL, 2, 20, "ETHUSDT");
    expect_load_error("fills.csv",
                      FILLS_HDR "1,5,6,binance_spot,BTCUSDT,hold,1,1,maker,0,USDT,7,1,2,0\n",
                      CX_EPARSE, 2, 28, "hold");
    expect_load_error("fills.csv",
                      FILLS_HDR "1,x5,6,binance_spot,BTCUSDT,buy,1,1,maker,0,USDT,7,1,2,0\n",
                      CX_EPARSE, 2, 3, "x5");
    expect_load_error("fills.csv",
                      FILLS_HDR "1,5,6,binance_spot,BTCUSDT,buy,1,1,maker,0,BNB,7,1,2,0\n",
                      CX_ENOTSUP, 2, 44, "BNB");
    expect_load_error("performance.csv",
                      "ts_ns,equity,cash,position_value,realized,unrealized,fees,funding,"
                      "drawdown\n2,1,1,0,0,0,0,0,0\n1,1,1,0,0,0,0,0,0\n",
                      CX_ETIME, 3, 1, "1");
    expect_load_error("orders.csv",
                      "client_id,inst,venue,symbol,side,type,tif,reduce_only,price,qty,status,"
                      "reject,filled_qty,avg_price,fee,created_ns,updated_ns,venue_order_id,"
                      "fill_count,filled_notional,acked_ns\n"
                      "1,1,binance_spot,BTCUSDT,buy,limit,gtc,0,1,1,new,none,0,0,0,0,0,0,0,0,0\n",
                      CX_EPARSE, 2, 3, "1");
    expect_load_error("instruments.csv",
                      "inst,venue,symbol,kind,base,quote,price_exp,qty_exp,tick,lot,min_qty,"
                      "min_notional,multiplier,maker_fee_ppb,taker_fee_ppb,flags\n"
                      "0,binance_spot,BTCUSDT,spot,BTC,USDT,-30,-5,0,0,0,0,1,0,0,0\n",
                      CX_ERANGE, 2, 38, "-30");
    /* metadata.json is optional. */
    char parent[64], dir[96];
    tmp_session(parent, dir);
    struct cx_registry reg;
    make_registry(&reg);
    struct cx_store *st = NULL;
    assert_int_equal(cx_store_open(&st, dir, &reg, CX_STORE_F_NOSYNC, NULL), 0);
    assert_int_equal(cx_store_finish(st), 0);
    cx_store_free(st);
    struct cx_store_session s;
    assert_int_equal(cx_store_load(&s, dir, NULL), 0);
    assert_null(s.metadata_json);
    assert_int_equal(s.n_fills, 0);
    assert_int_equal(s.reg.count, 2);
    cx_store_session_fini(&s);
    /* Per-file readers name the path they were given. */
    char p[160];
    snprintf(p, sizeof p, "%s/fills.csv", dir);
    spit(dir, "fills.csv", FILLS_HDR "1,5\n");
    struct cx_store_fill_row *rows = (void *)&reg;
    size_t n = 99;
    struct cx_parse_err err = {0};
    assert_int_equal(cx_store_read_fills(p, &reg, &rows, &n, &err), CX_EPARSE);
    assert_ptr_equal(err.file, p);
    assert_int_equal(n, 99); /* out-params untouched on failure */
    cx_registry_fini(&reg);
    rm_tree(parent);
}

/* ---------------------------------------------------------------------------------------------
 * MARK: helpers
 * ------------------------------------------------------------------------------------------- */

static void test_sha256(void **state)
{
    (void)state;
    char parent[64], dir[96];
    tmp_session(parent, dir);
    char p[160];
    snprintf(p, sizeof p, "%s/abc.txt", parent);
    FILE *fp = fopen(p, "wb");
    fputs("abc", fp);
    fclose(fp);
    char hex[65];
    /* FIPS 180-2, Appendix B.1: SHA-256("abc"). */
    assert_int_equal(cx_store_sha256_file(p, hex), 0);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    fp = fopen(p, "wb");
    fclose(fp);
    assert_int_equal(cx_store_sha256_file(p, hex), 0);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    snprintf(p, sizeof p, "%s/none", parent);
    assert_int_equal(cx_store_sha256_file(p, hex), CX_ENOENT);
    rm_tree(parent);
}

static void test_json_and_names(void **state)
{
    (void)state;
    char buf[64];
    assert_int_equal(cx_store_json_str("a\"b\\c\n\x01", buf, sizeof buf), 17);
    assert_string_equal(buf, "\"a\\\"b\\\\c\\n\\u0001\"");
    assert_int_equal(cx_store_json_str("abcdef", buf, 5), CX_ENOSPC);
    assert_int_equal(cx_store_json_str(NULL, buf, 5), CX_EINVAL);
    for (int k = 0; k < CX_STORE_ENUM_COUNT; k++) {
        for (int v = 0;; v++) {
            const char *name = cx_store_enum_name((enum cx_store_enum)k, v);
            if (name == NULL)
                break;
            int got = -1;
            assert_int_equal(cx_store_enum_parse((enum cx_store_enum)k, name, strlen(name), &got),
                             0);
            assert_int_equal(got, v);
        }
    }
    assert_string_equal(cx_store_enum_name(CX_STORE_ENUM_STATUS, CX_ORD_PARTIALLY_FILLED),
                        "partially_filled");
    assert_string_equal(cx_store_enum_name(CX_STORE_ENUM_REJECT, CX_REJ_INVALID), "invalid");
    assert_null(cx_store_enum_name(CX_STORE_ENUM_REJECT, CX_REJ_COUNT));
    assert_null(cx_store_enum_name(CX_STORE_ENUM_COUNT, 0));
    int v;
    assert_int_equal(cx_store_enum_parse(CX_STORE_ENUM_SIDE, "BUY", 3, &v), CX_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_dir_rules),
        cmocka_unit_test(test_write_error_is_clean),
        cmocka_unit_test(test_metadata_rules),
        cmocka_unit_test(test_reader_errors),
        cmocka_unit_test(test_sha256),
        cmocka_unit_test(test_json_and_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
