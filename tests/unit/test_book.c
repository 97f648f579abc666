/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the book module: each venue's sequencing rule on hand-built event runs,
 * buffering before a snapshot, crossed books, capacity limits, malformed runs, top of book and
 * level order, the depth walk on hand-computed answers, and a randomized comparison of the fast
 * book with the reference book (STYLE.md I.57): long fixed-seed streams of snapshots, deltas,
 * gaps, duplicates, crossing updates and malformed runs, checked after every message for equal
 * return codes, statistics and levels, and against the generator's own true book whenever the
 * book claims to be in sync with it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cexarb/book.h"
#include "cx_ref.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INST 7u

/* ---------------------------------------------------------------------------------------------
 * MARK: building event runs
 * ------------------------------------------------------------------------------------------- */

/* One message under construction: msg_start, optional msg_prev, msg_level..., msg_finish. */
struct msg {
    struct cx_md_event *ev; /* cap events */
    uint32_t cap;           /* capacity, events */
    uint32_t n;             /* events used */
    uint8_t type;           /* enum cx_md_type */
    uint64_t first;         /* U (snapshot: its id) */
    uint64_t seq;           /* u (snapshot: its id) */
    uint64_t prev;          /* pu when has_prev */
    bool has_prev;          /* set CX_MD_F_HAS_PREV */
    uint16_t extra_flags;   /* added to every event (CX_MD_F_NOSEQ) */
};

static void msg_init(struct msg *m, uint32_t cap)
{
    memset(m, 0, sizeof *m);
    m->ev = calloc(cap, sizeof *m->ev);
    assert_non_null(m->ev);
    m->cap = cap;
}

static void msg_fini(struct msg *m)
{
    free(m->ev);
    m->ev = NULL;
}

static void msg_copy(struct msg *dst, const struct msg *src)
{
    assert_true(src->n <= dst->cap);
    memcpy(dst->ev, src->ev, src->n * sizeof *src->ev);
    dst->n = src->n;
    dst->type = src->type;
    dst->first = src->first;
    dst->seq = src->seq;
    dst->prev = src->prev;
    dst->has_prev = src->has_prev;
    dst->extra_flags = src->extra_flags;
}

static void msg_start(struct msg *m, uint8_t type, uint64_t first, uint64_t seq)
{
    m->n = 0;
    m->type = type;
    m->first = first;
    m->seq = seq;
    m->prev = 0;
    m->has_prev = false;
    m->extra_flags = 0;
}

static void msg_prev(struct msg *m, uint64_t pu)
{
    m->prev = pu;
    m->has_prev = true;
}

static void msg_level(struct msg *m, int side, int64_t price_m, int64_t qty_m)
{
    assert_true(m->n < m->cap);
    struct cx_md_event *e = &m->ev[m->n++];
    memset(e, 0, sizeof *e);
    e->flags = side == CX_SIDE_ASK ? CX_MD_F_ASK : 0;
    e->u.level.price_m = price_m;
    e->u.level.qty_m = qty_m;
}

/* Fill the message header into every event and set BEGIN/END (NOLEVEL when empty). */
static void msg_finish(struct msg *m)
{
    if (m->n == 0) {
        msg_level(m, CX_SIDE_BID, 0, 0);
        m->ev[0].flags = CX_MD_F_NOLEVEL;
    }
    for (uint32_t k = 0; k < m->n; k++) {
        struct cx_md_event *e = &m->ev[k];
        e->type = m->type;
        e->inst_id = INST;
        e->seq = m->seq;
        e->exch_ts_ns = (int64_t)m->seq * 1000;
        e->local_ts_ns = (int64_t)m->seq * 1000 + 17;
        e->u.level.seq_first = m->first;
        e->u.level.seq_prev = m->prev;
        e->flags = (uint16_t)((e->flags & (CX_MD_F_ASK | CX_MD_F_NOLEVEL)) | m->extra_flags |
                              (m->has_prev ? CX_MD_F_HAS_PREV : 0));
    }
    m->ev[0].flags |= CX_MD_F_BEGIN;
    m->ev[m->n - 1].flags |= CX_MD_F_END;
}

/* A level literal for the helpers below. */
struct lv {
    int side;
    int64_t price_m;
    int64_t qty_m;
};
#define B(p, q) {CX_SIDE_BID, (p), (q)}
#define A(p, q) {CX_SIDE_ASK, (p), (q)}
/* Expands to the two arguments (array, count) the fx_* helpers take. */
#define LV(...)                                                                                \
    ((const struct lv[]){__VA_ARGS__}),                                                        \
        (sizeof((const struct lv[]){__VA_ARGS__}) / sizeof(struct lv))
#define NO_LV NULL, 0

/* ---------------------------------------------------------------------------------------------
 * MARK: fixture: a fast book and a reference book fed the same messages
 * ------------------------------------------------------------------------------------------- */

struct fx {
    struct cx_book *b;
    struct cx_book_ref *r;
    struct msg m;
};

static void fx_open_tick(struct fx *f, enum cx_book_rule rule, uint32_t max_levels,
                         uint32_t max_buffered, int64_t tick_m)
{
    struct cx_book_cfg cfg = {.inst_id = INST, .rule = rule, .max_levels = max_levels,
                              .max_buffered = max_buffered, .tick_m = tick_m};
    assert_int_equal(cx_book_new(&f->b, &cfg), 0);
    assert_int_equal(cx_book_ref_new(&f->r, &cfg), 0);
    msg_init(&f->m, 9000);
}

static void fx_open(struct fx *f, enum cx_book_rule rule, uint32_t max_levels,
                    uint32_t max_buffered)
{
    fx_open_tick(f, rule, max_levels, max_buffered, 0);
}

static void fx_close(struct fx *f)
{
    cx_book_free(f->b);
    cx_book_ref_free(f->r);
    msg_fini(&f->m);
}

static void check_stats_equal(const struct cx_book_stats *a, const struct cx_book_stats *r)
{
#define CHECK_FIELD(name)                                                                       \
    if (a->name != r->name) {                                                                  \
        print_error("stats." #name ": fast %llu, ref %llu\n", (unsigned long long)a->name,      \
                    (unsigned long long)r->name);                                              \
        fail();                                                                                \
    }
    CHECK_FIELD(messages)
    CHECK_FIELD(applied)
    CHECK_FIELD(snapshots)
    CHECK_FIELD(dropped_old)
    CHECK_FIELD(buffered)
    CHECK_FIELD(buffer_overflow)
    CHECK_FIELD(gaps)
    CHECK_FIELD(crossed)
    CHECK_FIELD(resyncs)
    CHECK_FIELD(level_changes)
    CHECK_FIELD(level_overflow)
#undef CHECK_FIELD
}

static void check_same(struct fx *f)
{
    char why[256];
    int eq = cx_book_equal_ref(f->b, f->r, why, sizeof why);
    if (eq != 0) {
        print_error("fast != ref: %s\n", why);
        fail();
    }
    check_stats_equal(cx_book_stats(f->b), cx_book_ref_stats(f->r));
}

/* Apply raw events to both books; they must agree. Returns the code. */
static int fx_apply_ev(struct fx *f, const struct cx_md_event *ev, uint32_t n)
{
    int rc = cx_book_apply(f->b, ev, n);
    int rc_ref = cx_book_ref_apply(f->r, ev, n);
    if (rc != rc_ref) {
        print_error("rc: fast %s, ref %s\n", cx_err_name(rc), cx_err_name(rc_ref));
        fail();
    }
    check_same(f);
    return rc;
}

static int fx_send(struct fx *f, uint8_t type, uint64_t first, uint64_t seq, bool has_prev,
                   uint64_t prev, const struct lv *lv, size_t n)
{
    msg_start(&f->m, type, first, seq);
    if (has_prev)
        msg_prev(&f->m, prev);
    for (size_t i = 0; i < n; i++)
        msg_level(&f->m, lv[i].side, lv[i].price_m, lv[i].qty_m);
    msg_finish(&f->m);
    return fx_apply_ev(f, f->m.ev, f->m.n);
}

static int fx_delta(struct fx *f, uint64_t first, uint64_t seq, const struct lv *lv, size_t n)
{
    return fx_send(f, CX_MD_DEPTH_DELTA, first, seq, false, 0, lv, n);
}

static int fx_delta_pu(struct fx *f, uint64_t first, uint64_t seq, uint64_t pu,
                       const struct lv *lv, size_t n)
{
    return fx_send(f, CX_MD_DEPTH_DELTA, first, seq, true, pu, lv, n);
}

static int fx_snap(struct fx *f, uint64_t id, const struct lv *lv, size_t n)
{
    return fx_send(f, CX_MD_DEPTH_SNAPSHOT, id, id, false, 0, lv, n);
}

static void expect_level(const struct cx_book *b, enum cx_side side, uint32_t i, int64_t price_m,
                         int64_t qty_m)
{
    int64_t p = -1;
    int64_t q = -1;
    assert_int_equal(cx_book_level(b, side, i, &p, &q), 0);
    assert_int_equal(p, price_m);
    assert_int_equal(q, qty_m);
}

static void test_new_config(void **state)
{
    (void)state;
    struct cx_book *b = NULL;
    struct cx_book_ref *r = NULL;
    struct cx_book_cfg cfg = {.inst_id = INST, .rule = CX_BOOK_RULE_GATE};

    assert_int_equal(cx_book_new(NULL, &cfg), CX_EINVAL);
    assert_int_equal(cx_book_new(&b, NULL), CX_EINVAL);
    cfg.rule = (enum cx_book_rule)99;
    assert_int_equal(cx_book_new(&b, &cfg), CX_EINVAL);
    assert_int_equal(cx_book_ref_new(&r, &cfg), CX_EINVAL);
    cfg.rule = CX_BOOK_RULE_GATE;
    cfg.max_levels = 0x80000000u;
    assert_int_equal(cx_book_new(&b, &cfg), CX_EINVAL);
    assert_int_equal(cx_book_ref_new(&r, &cfg), CX_EINVAL);
    cfg.max_levels = 0;
    assert_int_equal(cx_book_new(&b, &cfg), 0);
    assert_int_equal(cx_book_ref_new(&r, &cfg), 0);
    assert_int_equal(cx_book_state(b), CX_BOOK_WAIT_SNAPSHOT);
    assert_int_equal(cx_book_last_seq(b), 0);
    assert_int_equal(cx_book_stats(b)->messages, 0);
    assert_int_equal(cx_book_equal_ref(b, r, NULL, 0), 0);
    assert_string_equal(cx_book_state_name(cx_book_state(b)), "waiting_snapshot");
    assert_int_equal(cx_book_rule_for_venue(CX_VENUE_BINANCE_USDM), CX_BOOK_RULE_BINANCE_USDM);
    cx_book_free(b);
    cx_book_ref_free(r);
    cx_book_free(NULL);
    cx_book_ref_free(NULL);
}

/* ---------------------------------------------------------------------------------------------
 * MARK: sequencing rules
 * ------------------------------------------------------------------------------------------- */

static void test_binance_spot(void **state)
{
    (void)state;
    struct fx f;
    fx_open(&f, CX_BOOK_RULE_BINANCE_SPOT, 0, 0);
    const struct cx_book_stats *st = cx_book_stats(f.b);

    /* Two deltas arrive before the snapshot and are buffered. */
    assert_int_equal(fx_delta(&f, 90, 95, LV(B(100, 1))), 0);
    assert_int_equal(fx_delta(&f, 96, 101, LV(B(101, 2), A(105, 1))), 0);
    assert_int_equal(cx_book_state(f.b), CX_BOOK_WAIT_SNAPSHOT);
    assert_int_equal(st->buffered, 2);
    assert_int_equal(cx_book_depth(f.b, CX_SIDE_BID), 0);

    /* Snapshot 100: [90..95] is older (dropped), [96..101] straddles 101 and applies. */
    assert_int_equal(fx_snap(&f, 100, LV(B(100, 5), B(99, 3), A(104, 2), A(106, 1))), 0);
    assert_int_equal(cx_book_state(f.b), CX_BOOK_SYNCED);
    assert_int_equal(cx_book_last_seq(f.b), 101);
    assert_int_equal(st->dropped_old, 1);
    assert_int_equal(st->snapshots, 1);
    assert_int_equal(st->applied, 2);
    assert_int_equal(st->level_changes, 2);
    expect_level(f.b, CX_SIDE_BID, 0, 101, 2);
    expect_level(f.b, CX_SIDE_BID, 1, 100, 5); /* not 1: that delta was dropped */
    expect_level(f.b, CX_SIDE_ASK, 1, 105, 1);

    /* [102..105] is contiguous. */
    assert_int_equal(fx_delta(&f, 102, 105, LV(A(104, 0))), 0);
    assert_int_equal(cx_book_last_seq(f.b), 105);
    expect_level(f.b, CX_SIDE_ASK, 0, 105, 1);

    /* [107..110] skips 106: a gap. Not applied; kept for the next snapshot. */
    assert_int_equal(fx_delta(&f, 107, 110, LV(B(102, 1))), CX_EGAP);
    assert_int_equal(cx_book_state(f.b), CX_BOOK_STALE);
    assert_int_equal(st->gaps, 1);
    assert_int_equal(cx_book_last_seq(f.b), 105);
    expect_level(f.b, CX_SIDE_BID, 0, 101, 2);

    /* Stale: buffer. */
    assert_int_equal(fx_delta(&f, 111, 112, LV(B(98, 4))), 0);
    assert_int_equal(st->buffered, 3);
    assert_int_equal(cx_book_state(f.b), CX_BOOK_STALE);

    /* New snapshot 110: the gapped message is old, [111..112] straddles. */
    assert_int_equal(fx_snap(&f, 110, LV(B(100, 1), A(103, 1))), 0);
    assert_int_equal(cx_book_state(f.b), CX_BOOK_SYNCED);
    assert_int_equal(st->resyncs, 1);
    assert_int_equal(cx_book_last_seq(f.b), 112);
    assert_int_equal(st->dropped_old, 2);
    assert_int_equal(cx_book_depth(f.b, CX_SIDE_BID), 2);
    expect_level(f.b, CX_SIDE_BID, 1, 98, 4);
    assert_int_equal(st->messages, 7);
    fx_close(&f);
}

static void test_binance_spot_edges(void **state)
{
    (void)state;
    struct fx f;
    const struct cx_book_stats *st;

    /* u == lastUpdateId is dropped on spot (u <= lid). */
    fx_open(&f, CX_BOOK_RULE_BINANCE_SPOT, 0, 0);
    st = cx_book_stats(f.b);
    assert_int_equal(fx_snap(&f, 100, LV(B(10, 1), A(11, 1))), 0);
    assert_int_equal(fx_delta(&f, 95, 100, LV(B(9, 1))), 0);
    assert_int_equal(st->dropped_old, 1);
    assert_int_equal(cx_book_depth(f.b, CX_SIDE_BID), 1);
    /* The first applied must contain lid + 1 = 101: [102..103] does not. */
    assert_int_equal(fx_delta(&f, 102, 103, LV(B(9, 1))), CX_EGAP);
    assert_int_equal(cx_book_state(f.b), CX_BOOK_STALE);
    fx_close(&f);

    /* Chained: an overlapping message (U <= last < u) is a gap; a duplicate is old. */
    fx_open(&f, CX_BOOK_RULE_BINANCE_SPOT, 0, 0);
    st = cx_book_stats(f.b);
    assert_int_equal(fx_snap(&f, 100, LV(B(10, 1), A(11, 1))), 0);
    assert_int_equal(fx_delta(&f, 101, 105, LV(B(9, 1))), 0);
    assert_int_equal(fx_delta(&f, 101, 105, LV(B(9, 2))), 0); /* duplicate */
    assert_int_equal(st->dropped_old, 1);
    expect_level(f.b, CX_SIDE_BID, 1, 9, 1);
    assert_int_equal(fx_delta(&f, 104, 108, LV(B(9, 3))), CX_EGAP);
    fx_close(&f);
}

static void test_binance_usdm(void **state)
{
    (void)state;
    struct fx f;
    const struct cx_book_stats *st;

    fx_open(&f, CX_BOOK_RULE_BINANCE_USDM, 0, 0);
    st = cx_book_stats(f.b);
    /* Buffered: u = 99 < 100 will be dropped; u == 100 == lastUpdateId straddles (U <= 100). */
    assert_int_equal(fx_delta_pu(&f, 90, 99, 85, LV(B(50, 1))), 0);
    assert_int_equal(fx_delta_pu(&f, 100, 100, 99, LV(B(51, 2))), 0);
    assert_int_equal(fx_snap(&f, 100, LV(B(50, 7), A(60, 1))), 0);
    assert_int_equal(cx_book_state(f.b), CX_BOOK_SYNCED);
    assert_int_equal(st->dropped_old, 1);
    assert_int_equal(st->applied, 2);
    assert_int_equal(cx_book_last_seq(f.b), 100);
    expect_level(f.b, CX_SIDE_BID, 0, 51, 2);
    expect_level(f.b, CX_SIDE_BID, 1, 50, 7);
    /* pu chaining: U jumps (103), pu == previous u. */
    assert_int_equal(fx_delta_pu(&f, 103, 107, 100, LV(A(59, 3))), 0);
    assert_int_equal(cx_book_last_seq(f.b), 107);
    /* A resent message is old. */
    assert_int_equal(fx_delta_pu(&f, 103, 107, 100, LV(A(59, 9))), 0);
    assert_int_equal(st->dropped_old, 2);
    expect_level(f.b, CX_SIDE_ASK, 0, 59, 3);
    /* pu 106 != 107: gap, even though U (108) would look contiguous. */
    assert_int_equal(fx_delta_pu(&f, 108, 112, 106, LV(A(58, 1))), CX_EGAP);
    assert_int_equal(cx_book_state(f.b), CX_BOOK_STALE);
    assert_int_equal(st->gaps, 1);
    fx_close(&f);

    /* Snapshot first; the first event must have U <= lid: [101..105] does not. */
    fx_open(&f, CX_BOOK_RULE_BINANCE_USDM, 0, 0);
    st = cx_book_stats(f.b);
    assert_int_equal(fx_snap(&f, 100, LV(B(50, 7), A(60, 1))), 0);
    assert_int_equal(fx_delta_pu(&f, 95, 99, 94, LV(B(49, 1))), 0); /* u < lid: dropped */
    assert_int_equal(st->dropped_old, 1);
    assert_int_equal(fx_delta_pu(&f, 101, 105, 100, LV(B(49, 1))), CX_EGAP);
    fx_close(&f);

    /* Straddling in the middle of a message: U <= lid <= u. */
    fx_open(&f, CX_BOOK_RULE_BINANCE_USDM, 0, 0);
    assert_int_equal(fx_snap(&f, 100, LV(B(50, 7), A(60, 1))), 0);
    assert_int_equal(fx_delta_pu(&f, 97, 104, 96, LV(B(49, 1))), 0);
    assert_int_equal(fx_delta_pu(&f, 110, 111, 104, LV(B(48, 1))), 0);
    assert_int_equal(cx_book_last_seq(f.b), 111);
    assert_int_equal(cx_book_state(f.b), CX_BOOK_SYNCED);
    fx_close(&f);
}

static void test_gate(void **state)
{
    (void)state;
    struct fx f;
    const struct cx_book_stats *st;

    fx_open(&f, CX_BOOK_RULE_GATE, 0, 0);
    st = cx_book_stats(f.b);
    assert_int_equal(fx_snap(&f, 100, LV(B(10, 1), A(12, 1))), 0);
    assert_int_equal(fx_delta(&f, 95, 100, LV(B(10, 9))), 0); /* u <= id: dropped */
    assert_int_equal(fx_delta(&f, 101, 103, LV(B(11, 1))), 0); /* U <= 101 <= u */
    assert_int_equal(fx_delta(&f, 104, 104, LV(A(13, 2))), 0); /* contiguous */
    assert_int_equal(st->dropped_old, 1);
    assert_int_equal(st->applied, 3);
    expect_level(f.b, CX_SIDE_BID, 0, 11, 1);
    expect_level(f.b, CX_SIDE_BID, 1, 10, 1);
    assert_int_equal(fx_delta(&f, 106, 107, LV(A(13, 0))), CX_EGAP);
    assert_int_equal(cx_book_state(f.b), CX_BOOK_STALE);
    fx_close(&f);

    /* The first update after the snapshot does not contain id + 1. */
    fx_open(&f, CX_BOOK_RULE_GATE, 0, 0);
    assert_int_equal(fx_snap(&f, 100, LV(B(10, 1), A(12, 1))), 0);
    assert_int_equal(fx_delta(&f, 102, 105, LV(B(11, 1))), CX_EGAP);
    assert_int_equal(cx_book_stats(f.b)->gaps, 1);
    fx_close(&f);
}

static void test_mexc(void **state)
{
    (void)state;
    struct fx f;

    fx_open(&f, CX_BOOK_RULE_MEXC, 0, 0);
    assert_int_equal(fx_delta(&f, 45, 52, LV(B(20, 3))), 0);
    assert_int_equal(fx_snap(&f, 50, LV(B(20, 1), A(21, 1))), 0); /* 45 <= 51 <= 52 */
    expect_level(f.b, CX_SIDE_BID, 0, 20, 3);
    assert_int_equal(fx_delta(&f, 53, 53, LV(B(19, 1))), 0);
    /* fromVersion 53 != 53 + 1, even though toVersion is newer. */
    assert_int_equal(fx_delta(&f, 53, 55, LV(B(19, 2))), CX_EGAP);
    assert_int_equal(cx_book_state(f.b), CX_BOOK_STALE);
    expect_level(f.b, CX_SIDE_BID, 1, 19, 1);
    fx_close(&f);
}

static void test_snapshot_only(void **state)
{
    (void)state;
    struct fx f;
    const struct cx_book_stats *st;

    fx_open(&f, CX_BOOK_RULE_SNAPSHOT_ONLY, 0, 0);
    st = cx_book_stats(f.b);
    assert_int_equal(fx_delta(&f, 1, 1, LV(B(5, 1))), 0); /* nothing to apply it to */
    assert_int_equal(st->dropped_old, 1);
    assert_int_equal(st->buffered, 0);
    assert_int_equal(fx_snap(&f, 1000, LV(B(100, 1), A(101, 1))), 0);
    assert_int_equal(cx_book_state(f.b), CX_BOOK_SYNCED);
    assert_int_equal(fx_delta(&f, 3, 3, LV(B(99, 2))), 0); /* any ids: no checks */
    assert_int_equal(cx_book_last_seq(f.b), 3);
    assert_int_equal(cx_book_depth(f.b, CX_SIDE_BID), 2);
    /* Every snapshot replaces the book, older id or not. */
    assert_int_equal(fx_snap(&f, 900, LV(B(98, 4), A(102, 1))), 0);
    assert_int_equal(cx_book_depth(f.b, CX_SIDE_BID), 1);
    expect_level(f.b, CX_SIDE_BID, 0, 98, 4);
    assert_int_equal(cx_book_last_seq(f.b), 900);
    assert_int_equal(st->snapshots, 2);
    /* Crossing: stale until the next snapshot. */
    assert_int_equal(fx_delta(&f, 4, 4, LV(B(102, 1))), CX_ECROSSED);
    assert_int_equal(cx_book_state(f.b), CX_BOOK_STALE);
    assert_int_equal(fx_delta(&f, 5, 5, LV(B(97, 1))), 0);
    assert_int_equal(st->dropped_old, 2);
    assert_int_equal(fx_snap(&f, 1100, LV(B(100, 1), A(101, 1))), 0);
    assert_int_equal(cx_book_state(f.b), CX_BOOK_SYNCED);
    assert_int_equal(st->resyncs, 1);
    assert_int_equal(st->crossed, 1);
    fx_close(&f);
}

/* ---------------------------------------------------------------------------------------------
 * MARK: buffering, snapshots, crossing, capacity
 * ------------------------------------------------------------------------------------------- */

static void test_buffer_before_snapshot(void **state)
{
    (void)state;
    struct fx f;
    const struct cx_book_stats *st;

    /* The snapshot covers every buffered delta: all dropped, the next live one straddles. */
    fx_open(&f, CX_BOOK_RULE_BINANCE_SPOT, 0, 0);
    st = cx_book_stats(f.b);
    assert_int_equal(fx_delta(&f, 1, 5, LV(B(10, 1))), 0);
    assert_int_equal(fx_delta(&f, 6, 9, LV(B(11, 1))), 0);
    assert_int_equal(fx_delta(&f, 10, 12, LV(B(12, 1))), 0);
    assert_int_equal(fx_snap(&f, 12, LV(B(12, 1), B(11, 1), B(10, 1), A(13, 5))), 0);
    assert_int_equal(st->dropped_old, 3);
    assert_int_equal(st->applied, 1);
    assert_int_equal(cx_book_last_seq(f.b), 12);
    assert_int_equal(cx_book_state(f.b), CX_BOOK_SYNCED);
    assert_int_equal(fx_delta(&f, 13, 14, LV(A(13, 4))), 0);
    expect_level(f.b, CX_SIDE_ASK, 0, 13, 4);
    fx_close(&f);

    /* Snapshot 11: [10..12] straddles and is replayed. */
    fx_open(&f, CX_BOOK_RULE_BINANCE_SPOT, 0, 0);
    st = cx_book_stats(f.b);
    assert_int_equal(fx_delta(&f, 6, 9, LV(B(11, 1))), 0);
    assert_int_equal(fx_delta(&f, 10, 12, LV(B(12, 1))), 0);
    assert_int_equal(fx_snap(&f, 11, LV(B(11, 1), A(13, 5))), 0);
    assert_int_equal(st->dropped_old, 1);
    assert_int_equal(cx_book_last_seq(f.b), 12);
    expect_level(f.b, CX_SIDE_BID, 0, 12, 1);
    fx_close(&f);

    /* Buffered deltas that do not reach the snapshot: replay gaps, book stale, no resync. */
    fx_open(&f, CX_BOOK_RULE_BINANCE_SPOT, 0, 0);
    st = cx_book_stats(f.b);
    assert_int_equal(fx_delta(&f, 20, 25, LV(B(11, 1))), 0);
    assert_int_equal(fx_delta(&f, 26, 27, LV(B(12, 1))), 0);
    assert_int_equal(fx_snap(&f, 10, LV(B(10, 1), A(13, 5))), CX_EGAP);
    assert_int_equal(cx_book_state(f.b), CX_BOOK_STALE);
    assert_int_equal(st->gaps, 1);
    assert_int_equal(st->resyncs, 0);
    /* Both deltas stay buffered: a snapshot at 24 can use them. */
    assert_int_equal(fx_snap(&f, 24, LV(B(10, 1), A(13, 5))), 0);
    assert_int_equal(cx_book_state(f.b), CX_BOOK_SYNCED);
    assert_int_equal(cx_book_last_seq(f.b), 27);
    assert_int_equal(st->resyncs, 1);
    assert_int_equal(cx_book_depth(f.b, CX_SIDE_BID), 3);
    fx_close(&f);
}

static void test_old_snapshot_ignored_when_synced(void **state)
{
    (void)state;
    struct fx f;
    const struct cx_book_stats *st;

    fx_open(&f, CX_BOOK_RULE_BINANCE_SPOT, 0, 0);
    st = cx_book_stats(f.b);
    assert_int_equal(fx_snap(&f, 100, LV(B(10, 1), A(12, 1))), 0);
    assert_int_equal(fx_delta(&f, 101, 105, LV(B(11, 1))), 0);
    assert_int_equal(fx_snap(&f, 103, LV(B(1, 1), A(2, 1))), 0);
    assert_int_equal(fx_snap(&f, 105, LV(B(1, 1), A(2, 1))), 0);
    assert_int_equal(st->snapshots, 1);
    assert_int_equal(st->dropped_old, 2);
    expect_level(f.b, CX_SIDE_BID, 0, 11, 1);
    /* A newer snapshot replaces the book; chaining restarts from it. */
    assert_int_equal(fx_snap(&f, 120, LV(B(20, 1), A(22, 1))), 0);
    assert_int_equal(st->snapshots, 2);
    assert_int_equal(st->resyncs, 0);
    assert_int_equal(fx_delta(&f, 106, 110, LV(B(19, 1))), 0);
    assert_int_equal(st->dropped_old, 3);
    assert_int_equal(fx_delta(&f, 121, 122, LV(B(21, 1))), 0);
    assert_int_equal(cx_book_last_seq(f.b), 122);
    assert_int_equal(cx_book_depth(f.b, CX_SIDE_BID), 2);
    fx_close(&f);
}

static void test_snapshot_shapes(void **state)
{
    (void)state;
    struct fx f;

    fx_open(&f, CX_BOOK_RULE_BINANCE_SPOT, 0, 0);
    /* Worst first. */
    assert_int_equal(fx_snap(&f, 10, LV(B(7, 1), B(8, 2), B(9, 3), A(12, 3), A(11, 2))), 0);
    expect_level(f.b, CX_SIDE_BID, 0, 9, 3);
    expect_level(f.b, CX_SIDE_BID, 2, 7, 1);
    expect_level(f.b, CX_SIDE_ASK, 0, 11, 2);
    /* Mixed order, a repeated price (last wins), a zero (deletes), interleaved sides. */
    assert_int_equal(fx_snap(&f, 20, LV(B(8, 2), A(12, 1), B(9, 3), B(7, 1), A(11, 5), B(9, 4),
                                       B(7, 0), A(13, 0))),
                     0);
    assert_int_equal(cx_book_depth(f.b, CX_SIDE_BID), 2);
    expect_level(f.b, CX_SIDE_BID, 0, 9, 4);
    expect_level(f.b, CX_SIDE_BID, 1, 8, 2);
    assert_int_equal(cx_book_depth(f.b, CX_SIDE_ASK), 2);
    /* An empty book (a single NOLEVEL event). */
    assert_int_equal(fx_snap(&f, 30, NO_LV), 0);
    assert_int_equal(cx_book_depth(f.b, CX_SIDE_BID), 0);
    assert_int_equal(cx_book_depth(f.b, CX_SIDE_ASK), 0);
    assert_int_equal(cx_book_state(f.b), CX_BOOK_SYNCED);
    assert_int_equal(cx_book_last_seq(f.b), 30);
    /* A delta with no levels still advances the sequence. */
    assert_int_equal(fx_delta(&f, 31, 33, NO_LV), 0);
    assert_int_equal(cx_book_last_seq(f.b), 33);
    fx_close(&f);
}

static void test_crossed(void **state)
{
    (void)state;
    struct fx f;
    const struct cx_book_stats *st;

    fx_open(&f, CX_BOOK_RULE_BINANCE_SPOT, 0, 0);
    st = cx_book_stats(f.b);
    assert_int_equal(fx_snap(&f, 10, LV(B(100, 1), A(101, 1))), 0);
    /* A bid equal to the best ask crosses (best bid >= best ask). */
    assert_int_equal(fx_delta(&f, 11, 11, LV(B(101, 1))), CX_ECROSSED);
    assert_int_equal(cx_book_state(f.b), CX_BOOK_STALE);
    assert_int_equal(st->crossed, 1);
    assert_int_equal(st->applied, 2); /* the crossing message was applied */
    assert_int_equal(cx_book_last_seq(f.b), 11);
    expect_level(f.b, CX_SIDE_BID, 0, 101, 1);
    assert_int_equal(fx_delta(&f, 12, 12, LV(B(101, 0))), 0);
    assert_int_equal(cx_book_state(f.b), CX_BOOK_STALE); /* stays stale until a snapshot */
    assert_int_equal(st->buffered, 1);
    /* A snapshot at 11 drops the crossing message and replays the uncrossing one. */
    assert_int_equal(fx_snap(&f, 11, LV(B(100, 1), B(101, 1), A(101, 1))), CX_ECROSSED);
    assert_int_equal(st->crossed, 2);
    assert_int_equal(fx_snap(&f, 10, LV(B(100, 1), A(101, 1))), CX_ECROSSED); /* replays 11 */
    assert_int_equal(st->crossed, 3);
    assert_int_equal(fx_snap(&f, 11, LV(B(100, 2), A(102, 1))), 0);
    assert_int_equal(cx_book_state(f.b), CX_BOOK_SYNCED);
    assert_int_equal(st->resyncs, 1);
    assert_int_equal(cx_book_last_seq(f.b), 12);
    /* An ask down through the bid also crosses. */
    assert_int_equal(fx_delta(&f, 13, 13, LV(A(99, 1))), CX_ECROSSED);
    assert_int_equal(st->crossed, 4);
    fx_close(&f);
}

static void test_delete_missing(void **state)
{
    (void)state;
    struct fx f;
    const struct cx_book_stats *st;

    fx_open(&f, CX_BOOK_RULE_BINANCE_SPOT, 0, 0);
    st = cx_book_stats(f.b);
    assert_int_equal(fx_snap(&f, 10, LV(B(100, 1), A(101, 1))), 0);
    assert_int_equal(fx_delta(&f, 11, 11, LV(B(50, 0), A(500, 0))), 0);
    assert_int_equal(st->applied, 2);
    assert_int_equal(st->level_changes, 0);
    assert_int_equal(cx_book_last_seq(f.b), 11);
    assert_int_equal(cx_book_depth(f.b, CX_SIDE_BID), 1);
    /* Same quantity still counts as an update; a real delete counts. */
    assert_int_equal(fx_delta(&f, 12, 12, LV(B(100, 1), A(101, 0), A(102, 3))), 0);
    assert_int_equal(st->level_changes, 3);
    fx_close(&f);
}

static void test_capacity(void **state)
{
    (void)state;
    struct fx f;
    const struct cx_book_stats *st;

    fx_open(&f, CX_BOOK_RULE_BINANCE_SPOT, 4, 0);
    st = cx_book_stats(f.b);
    assert_int_equal(fx_snap(&f, 10, LV(B(100, 1), B(99, 1), B(98, 1), B(97, 1), A(101, 1))), 0);
    /* Full side: updates and delete-then-insert work. */
    assert_int_equal(fx_delta(&f, 11, 11, LV(B(100, 2), B(97, 0), B(96, 1))), 0);
    expect_level(f.b, CX_SIDE_BID, 3, 96, 1);
    /* One insert too many: stops there, earlier levels stay. */
    assert_int_equal(fx_delta(&f, 12, 12, LV(B(100, 3), B(95, 1), B(99, 5))), CX_ENOSPC);
    assert_int_equal(cx_book_state(f.b), CX_BOOK_STALE);
    assert_int_equal(st->level_overflow, 1);
    assert_int_equal(cx_book_last_seq(f.b), 11);
    expect_level(f.b, CX_SIDE_BID, 0, 100, 3);
    expect_level(f.b, CX_SIDE_BID, 1, 99, 1);
    /* A snapshot that does not fit. */
    assert_int_equal(fx_snap(&f, 20, LV(B(100, 1), B(99, 1), B(98, 1), B(97, 1), B(96, 1),
                                       A(101, 1))),
                     CX_ENOSPC);
    assert_int_equal(st->level_overflow, 2);
    assert_int_equal(st->snapshots, 2);
    assert_int_equal(cx_book_depth(f.b, CX_SIDE_BID), 4);
    assert_int_equal(cx_book_depth(f.b, CX_SIDE_ASK), 0);
    assert_int_equal(cx_book_state(f.b), CX_BOOK_STALE);
    assert_int_equal(fx_snap(&f, 20, LV(B(100, 1), B(99, 1), B(98, 1), B(97, 1), A(101, 1))), 0);
    assert_int_equal(cx_book_state(f.b), CX_BOOK_SYNCED);
    assert_int_equal(st->resyncs, 1);
    fx_close(&f);
}

static void test_buffer_overflow(void **state)
{
    (void)state;
    struct fx f;
    const struct cx_book_stats *st;

    fx_open(&f, CX_BOOK_RULE_BINANCE_SPOT, 0, 4);
    st = cx_book_stats(f.b);
    assert_int_equal(fx_delta(&f, 1, 1, LV(B(10, 1), B(9, 1))), 0);
    assert_int_equal(fx_delta(&f, 2, 2, LV(B(10, 2), B(9, 2))), 0);
    assert_int_equal(st->buffer_overflow, 0);
    /* Full: the oldest message makes room. */
    assert_int_equal(fx_delta(&f, 3, 3, LV(B(10, 3))), 0);
    assert_int_equal(st->buffer_overflow, 1);
    assert_int_equal(st->buffered, 3);
    /* Larger than the whole buffer: everything is lost, itself included. */
    assert_int_equal(fx_delta(&f, 4, 4, LV(B(1, 1), B(2, 1), B(3, 1), B(4, 1), B(5, 1))), 0);
    assert_int_equal(st->buffer_overflow, 4);
    assert_int_equal(st->buffered, 3);
    assert_int_equal(cx_book_state(f.b), CX_BOOK_WAIT_SNAPSHOT);
    assert_int_equal(fx_delta(&f, 5, 5, LV(B(10, 5))), 0);
    assert_int_equal(fx_snap(&f, 4, LV(B(10, 4), A(11, 1))), 0);
    assert_int_equal(cx_book_state(f.b), CX_BOOK_SYNCED);
    expect_level(f.b, CX_SIDE_BID, 0, 10, 5);
    assert_int_equal(st->dropped_old, 0);
    /* Wrap-around: messages stored across the end of the ring replay intact. */
    assert_int_equal(fx_delta(&f, 7, 7, LV(B(10, 7))), CX_EGAP);
    assert_int_equal(fx_delta(&f, 8, 8, LV(B(9, 8), A(11, 8))), 0); /* ring slots 1..2 */
    assert_int_equal(fx_delta(&f, 9, 9, LV(B(10, 9), A(12, 9))), 0); /* drops 7; slots 3, 0 */
    assert_int_equal(st->buffer_overflow, 5);
    assert_int_equal(fx_snap(&f, 7, LV(B(10, 1), A(11, 1))), 0);
    assert_int_equal(cx_book_last_seq(f.b), 9);
    expect_level(f.b, CX_SIDE_BID, 0, 10, 9);
    expect_level(f.b, CX_SIDE_BID, 1, 9, 8);
    expect_level(f.b, CX_SIDE_ASK, 0, 11, 8);
    expect_level(f.b, CX_SIDE_ASK, 1, 12, 9);
    assert_int_equal(st->resyncs, 1);
    fx_close(&f);
}

static void test_malformed_runs(void **state)
{
    (void)state;
    struct fx f;
    struct cx_book_stats before;
    struct cx_md_event ev[4];

    fx_open(&f, CX_BOOK_RULE_BINANCE_SPOT, 0, 0);
    assert_int_equal(fx_snap(&f, 10, LV(B(100, 1), A(101, 1))), 0);
    before = *cx_book_stats(f.b);

    /* A valid three-level delta to corrupt. */
    msg_start(&f.m, CX_MD_DEPTH_DELTA, 11, 11);
    msg_level(&f.m, CX_SIDE_BID, 99, 1);
    msg_level(&f.m, CX_SIDE_BID, 98, 1);
    msg_level(&f.m, CX_SIDE_ASK, 102, 1);
    msg_finish(&f.m);
    const struct cx_md_event *good = f.m.ev;

    assert_int_equal(fx_apply_ev(&f, good, 0), CX_EINVAL);
    memcpy(ev, good, 3 * sizeof *ev);
    ev[0].flags &= (uint16_t)~CX_MD_F_BEGIN;
    assert_int_equal(fx_apply_ev(&f, ev, 3), CX_EINVAL);
    memcpy(ev, good, 3 * sizeof *ev);
    assert_int_equal(fx_apply_ev(&f, ev, 2), CX_EINVAL); /* cut short: no END */
    memcpy(ev, good, 3 * sizeof *ev);
    ev[1].flags |= CX_MD_F_END;
    assert_int_equal(fx_apply_ev(&f, ev, 3), CX_EINVAL); /* END inside the run */
    memcpy(ev, good, 3 * sizeof *ev);
    ev[2].flags |= CX_MD_F_BEGIN;
    assert_int_equal(fx_apply_ev(&f, ev, 3), CX_EINVAL); /* BEGIN inside the run */
    memcpy(ev, good, 3 * sizeof *ev);
    for (int k = 0; k < 3; k++)
        ev[k].inst_id = INST + 1;
    assert_int_equal(fx_apply_ev(&f, ev, 3), CX_EINVAL); /* another instrument */
    memcpy(ev, good, 3 * sizeof *ev);
    ev[2].inst_id = INST + 1;
    assert_int_equal(fx_apply_ev(&f, ev, 3), CX_EINVAL);
    memcpy(ev, good, 3 * sizeof *ev);
    ev[1].type = CX_MD_DEPTH_SNAPSHOT;
    assert_int_equal(fx_apply_ev(&f, ev, 3), CX_EINVAL); /* mixed types */
    memcpy(ev, good, 3 * sizeof *ev);
    ev[2].seq = 12;
    assert_int_equal(fx_apply_ev(&f, ev, 3), CX_EINVAL); /* mixed sequence ids */
    memcpy(ev, good, 3 * sizeof *ev);
    for (int k = 0; k < 3; k++)
        ev[k].type = CX_MD_NONE;
    assert_int_equal(fx_apply_ev(&f, ev, 3), CX_EINVAL);
    assert_int_equal(cx_book_apply(f.b, NULL, 1), CX_EINVAL);

    /* Nothing changed, not even the counters. */
    assert_memory_equal(cx_book_stats(f.b), &before, sizeof before);
    assert_int_equal(cx_book_last_seq(f.b), 10);
    assert_int_equal(cx_book_depth(f.b, CX_SIDE_BID), 1);

    /* BBO and trade events are ignored. */
    memset(ev, 0, sizeof ev);
    ev[0].type = CX_MD_BBO;
    ev[0].inst_id = INST;
    ev[0].flags = CX_MD_F_SINGLE;
    assert_int_equal(fx_apply_ev(&f, ev, 1), 0);
    ev[0].type = CX_MD_TRADE;
    assert_int_equal(fx_apply_ev(&f, ev, 1), 0);
    assert_memory_equal(cx_book_stats(f.b), &before, sizeof before);

    /* The good run still applies. */
    assert_int_equal(fx_apply_ev(&f, good, 3), 0);
    assert_int_equal(cx_book_depth(f.b, CX_SIDE_BID), 3);
    fx_close(&f);
}

static void test_top_and_levels(void **state)
{
    (void)state;
    struct fx f;
    struct cx_book_top top;
    int64_t p;
    int64_t q;

    fx_open(&f, CX_BOOK_RULE_BINANCE_SPOT, 0, 0);
    cx_book_top(f.b, &top);
    assert_false(top.has_bid);
    assert_false(top.has_ask);
    assert_int_equal(cx_book_level(f.b, CX_SIDE_BID, 0, &p, &q), CX_ERANGE);

    assert_int_equal(fx_snap(&f, 1, LV(B(-5, 1), B(100, 10), B(98, 30), B(99, 20), A(103, 3),
                                      A(101, 1), A(102, 2))),
                     0);
    cx_book_top(f.b, &top);
    assert_true(top.has_bid);
    assert_true(top.has_ask);
    assert_int_equal(top.bid_price_m, 100);
    assert_int_equal(top.bid_qty_m, 10);
    assert_int_equal(top.ask_price_m, 101);
    assert_int_equal(top.ask_qty_m, 1);
    const int64_t bids[] = {100, 99, 98, -5};
    for (uint32_t i = 0; i < 4; i++) {
        assert_int_equal(cx_book_level(f.b, CX_SIDE_BID, i, &p, NULL), 0);
        assert_int_equal(p, bids[i]);
    }
    for (uint32_t i = 0; i < 3; i++)
        expect_level(f.b, CX_SIDE_ASK, i, 101 + i, 1 + i);
    assert_int_equal(cx_book_level(f.b, CX_SIDE_ASK, 3, &p, &q), CX_ERANGE);
    assert_int_equal(cx_book_level(f.b, CX_SIDE_BID, 4, &p, &q), CX_ERANGE);
    /* Changes at the top and deep in the book keep the order. */
    assert_int_equal(fx_delta(&f, 2, 2, LV(B(100, 0), A(101, 0), A(100, 7), B(-4, 1))), 0);
    cx_book_top(f.b, &top);
    assert_int_equal(top.bid_price_m, 99);
    assert_int_equal(top.ask_price_m, 100);
    assert_int_equal(top.ask_qty_m, 7);
    expect_level(f.b, CX_SIDE_BID, 2, -4, 1);
    expect_level(f.b, CX_SIDE_BID, 3, -5, 1);
    /* Extreme prices on the ask side (keys are ~price). */
    assert_int_equal(fx_delta(&f, 3, 3, LV(A(INT64_MAX, 1), B(INT64_MIN, 1))), 0);
    expect_level(f.b, CX_SIDE_ASK, 3, INT64_MAX, 1);
    expect_level(f.b, CX_SIDE_BID, 4, INT64_MIN, 1);

    /* A deep book: lookups go through the binary search. */
    msg_start(&f.m, CX_MD_DEPTH_SNAPSHOT, 10, 10);
    for (int64_t i = 0; i < 500; i++) {
        msg_level(&f.m, CX_SIDE_BID, 10000 - i, 1 + i);
        msg_level(&f.m, CX_SIDE_ASK, 10001 + i, 1 + i);
    }
    msg_finish(&f.m);
    assert_int_equal(fx_apply_ev(&f, f.m.ev, f.m.n), 0);
    assert_int_equal(fx_delta(&f, 11, 11, LV(B(9700, 0), B(9600, 5), A(10400, 0), B(9500, 0),
                                            B(9499, 0), B(9500, 3), A(12000, 1))),
                     0);
    expect_level(f.b, CX_SIDE_BID, 300, 9699, 302);
    assert_int_equal(cx_book_depth(f.b, CX_SIDE_BID), 500);
    assert_int_equal(cx_book_depth(f.b, CX_SIDE_ASK), 500);
    expect_level(f.b, CX_SIDE_ASK, 499, 12000, 1);
    fx_close(&f);
}

/* ---------------------------------------------------------------------------------------------
 * MARK: depth walk
 * ------------------------------------------------------------------------------------------- */

/* Prices at exponent -2, quantities at -3. Asks 100.00 x 1.000, 100.50 x 2.000, 101.00 x
 * 3.000; bids 99.50 x 1.500, 99.00 x 2.000. Mid = 99.75. */
static void walk_book(struct fx *f)
{
    fx_open(f, CX_BOOK_RULE_BINANCE_SPOT, 0, 0);
    assert_int_equal(fx_snap(f, 1, LV(B(9950, 1500), B(9900, 2000), A(10000, 1000),
                                     A(10050, 2000), A(10100, 3000))),
                     0);
}

static void test_walk_qty(void **state)
{
    (void)state;
    struct fx f;
    struct cx_book_walk w;

    walk_book(&f);
    /* Buy 2.5: 1.0 @ 100.00 + 1.5 @ 100.50 = 250.75; VWAP 100.30; impact 0.55 / 99.75. */
    assert_int_equal(cx_book_walk_qty(f.b, CX_SIDE_BID, 2500, -2, -3, &w), 0);
    assert_int_equal(w.filled_qty_m, 2500);
    assert_int_equal(w.worst_price_m, 10050);
    assert_int_equal(w.levels, 2);
    assert_true(w.complete);
    assert_true(fabs(w.notional - 250.75) < 1e-9);
    assert_true(fabs(w.vwap - 100.30) < 1e-9);
    assert_true(fabs(w.impact_bps - 0.55 / 99.75 * 1e4) < 1e-9);
    /* Exactly the first level. */
    assert_int_equal(cx_book_walk_qty(f.b, CX_SIDE_BID, 1000, -2, -3, &w), 0);
    assert_int_equal(w.levels, 1);
    assert_true(w.complete);
    assert_true(fabs(w.vwap - 100.0) < 1e-12);
    /* Buy 10: only 6.0 rest; 100 + 201 + 303 = 604. */
    assert_int_equal(cx_book_walk_qty(f.b, CX_SIDE_BID, 10000, -2, -3, &w), 0);
    assert_int_equal(w.filled_qty_m, 6000);
    assert_int_equal(w.worst_price_m, 10100);
    assert_int_equal(w.levels, 3);
    assert_false(w.complete);
    assert_true(fabs(w.notional - 604.0) < 1e-9);
    assert_true(fabs(w.vwap - 604.0 / 6.0) < 1e-9);
    /* Sell 2.0: 1.5 @ 99.50 + 0.5 @ 99.00 = 198.75; VWAP 99.375; impact 0.375 / 99.75. */
    assert_int_equal(cx_book_walk_qty(f.b, CX_SIDE_ASK, 2000, -2, -3, &w), 0);
    assert_int_equal(w.filled_qty_m, 2000);
    assert_int_equal(w.worst_price_m, 9900);
    assert_true(w.complete);
    assert_true(fabs(w.notional - 198.75) < 1e-9);
    assert_true(fabs(w.vwap - 99.375) < 1e-9);
    assert_true(fabs(w.impact_bps - 0.375 / 99.75 * 1e4) < 1e-9);
    assert_int_equal(cx_book_walk_qty(f.b, CX_SIDE_BID, 0, -2, -3, &w), CX_EINVAL);
    assert_int_equal(cx_book_walk_qty(f.b, CX_SIDE_BID, -5, -2, -3, &w), CX_EINVAL);
    /* Empty book: nothing filled, no mid. */
    assert_int_equal(fx_snap(&f, 2, NO_LV), 0);
    assert_int_equal(cx_book_walk_qty(f.b, CX_SIDE_BID, 1000, -2, -3, &w), 0);
    assert_int_equal(w.filled_qty_m, 0);
    assert_int_equal(w.worst_price_m, 0);
    assert_int_equal(w.levels, 0);
    assert_false(w.complete);
    assert_true(w.vwap == 0.0 && w.notional == 0.0 && w.impact_bps == 0.0);
    /* One side only: fills, but impact is 0 (no mid). */
    assert_int_equal(fx_snap(&f, 3, LV(A(10000, 1000))), 0);
    assert_int_equal(cx_book_walk_qty(f.b, CX_SIDE_BID, 500, -2, -3, &w), 0);
    assert_true(w.complete);
    assert_true(w.impact_bps == 0.0);
    fx_close(&f);
}

static void test_walk_notional(void **state)
{
    (void)state;
    struct fx f;
    struct cx_book_walk w;

    walk_book(&f);
    /* Buy 250 quote: 100 @ 100.00, then 150 / 100.50 = 1.49253... -> 1.492 (rounded down). */
    assert_int_equal(cx_book_walk_notional(f.b, CX_SIDE_BID, 250.0, -2, -3, &w), 0);
    assert_int_equal(w.filled_qty_m, 2492);
    assert_int_equal(w.worst_price_m, 10050);
    assert_int_equal(w.levels, 2);
    assert_true(w.complete);
    assert_true(fabs(w.notional - 249.946) < 1e-9);
    assert_true(w.notional <= 250.0);
    assert_true(fabs(w.vwap - 249.946 / 2.492) < 1e-9);
    /* Exactly one level's notional. */
    assert_int_equal(cx_book_walk_notional(f.b, CX_SIDE_BID, 100.0, -2, -3, &w), 0);
    assert_int_equal(w.filled_qty_m, 1000);
    assert_int_equal(w.levels, 1);
    assert_true(w.complete);
    /* A decimal target a double cannot hold exactly: 100 + 0.002 * 100.50 = 100.201 exactly,
     * so 2 units of the second level fit (flooring the double would give 1). */
    assert_int_equal(cx_book_walk_notional(f.b, CX_SIDE_BID, 100.201, -2, -3, &w), 0);
    assert_int_equal(w.filled_qty_m, 1002);
    assert_true(fabs(w.notional - 100.201) < 1e-12);
    assert_int_equal(cx_book_walk_notional(f.b, CX_SIDE_BID, 100.2009, -2, -3, &w), 0);
    assert_int_equal(w.filled_qty_m, 1001);
    assert_int_equal(cx_book_walk_notional(f.b, CX_SIDE_ASK, 0.0995, -2, -3, &w), 0);
    assert_int_equal(w.filled_qty_m, 1); /* 0.001 @ 99.50 = 0.0995 exactly */
    assert_true(fabs(w.notional - 0.0995) < 1e-12);
    /* Less than one quantity unit: nothing filled, but the request was used up. */
    assert_int_equal(cx_book_walk_notional(f.b, CX_SIDE_BID, 0.05, -2, -3, &w), 0);
    assert_int_equal(w.filled_qty_m, 0);
    assert_int_equal(w.levels, 0);
    assert_true(w.complete);
    assert_true(w.vwap == 0.0);
    /* More than the side holds. */
    assert_int_equal(cx_book_walk_notional(f.b, CX_SIDE_BID, 1e6, -2, -3, &w), 0);
    assert_int_equal(w.filled_qty_m, 6000);
    assert_int_equal(w.levels, 3);
    assert_false(w.complete);
    assert_true(fabs(w.notional - 604.0) < 1e-9);
    /* Exactly the whole side is complete. */
    assert_int_equal(cx_book_walk_notional(f.b, CX_SIDE_BID, 604.0, -2, -3, &w), 0);
    assert_true(w.complete);
    assert_int_equal(w.filled_qty_m, 6000);
    /* Sell 198.75 quote: 1.5 @ 99.50 (149.25) + 0.5 @ 99.00 (49.5). */
    assert_int_equal(cx_book_walk_notional(f.b, CX_SIDE_ASK, 198.75, -2, -3, &w), 0);
    assert_int_equal(w.filled_qty_m, 2000);
    assert_true(w.complete);
    assert_int_equal(cx_book_walk_notional(f.b, CX_SIDE_BID, 0.0, -2, -3, &w), CX_EINVAL);
    assert_int_equal(cx_book_walk_notional(f.b, CX_SIDE_BID, -1.0, -2, -3, &w), CX_EINVAL);
    assert_int_equal(cx_book_walk_notional(f.b, CX_SIDE_BID, NAN, -2, -3, &w), CX_EINVAL);
    assert_int_equal(cx_book_walk_notional(f.b, CX_SIDE_BID, INFINITY, -2, -3, &w), CX_EINVAL);
    fx_close(&f);
}

static void test_depth_within_bps(void **state)
{
    (void)state;
    struct fx f;
    int64_t q = -1;

    fx_open(&f, CX_BOOK_RULE_BINANCE_SPOT, 0, 0);
    assert_int_equal(cx_book_depth_within_bps(f.b, CX_SIDE_BID, 10.0, &q), CX_ESTATE);
    /* Mid exactly 100.00: bids 99.90 x 2, 99.80 x 1; asks 100.10 x 1, 100.20 x 4. */
    assert_int_equal(fx_snap(&f, 1, LV(B(9990, 2), B(9980, 1), B(9900, 50), A(10010, 1),
                                      A(10020, 4), A(10100, 50))),
                     0);
    assert_int_equal(cx_book_depth_within_bps(f.b, CX_SIDE_BID, 10.0, &q), 0);
    assert_int_equal(q, 2); /* 99.90 is exactly 10 bps below: inclusive */
    assert_int_equal(cx_book_depth_within_bps(f.b, CX_SIDE_ASK, 10.0, &q), 0);
    assert_int_equal(q, 1);
    assert_int_equal(cx_book_depth_within_bps(f.b, CX_SIDE_BID, 9.99, &q), 0);
    assert_int_equal(q, 0);
    assert_int_equal(cx_book_depth_within_bps(f.b, CX_SIDE_ASK, 9.99, &q), 0);
    assert_int_equal(q, 0);
    assert_int_equal(cx_book_depth_within_bps(f.b, CX_SIDE_BID, 20.0, &q), 0);
    assert_int_equal(q, 3);
    assert_int_equal(cx_book_depth_within_bps(f.b, CX_SIDE_ASK, 20.0, &q), 0);
    assert_int_equal(q, 5);
    assert_int_equal(cx_book_depth_within_bps(f.b, CX_SIDE_BID, 99.99, &q), 0);
    assert_int_equal(q, 3);
    assert_int_equal(cx_book_depth_within_bps(f.b, CX_SIDE_BID, 100.0, &q), 0);
    assert_int_equal(q, 53);
    assert_int_equal(cx_book_depth_within_bps(f.b, CX_SIDE_ASK, 1e6, &q), 0);
    assert_int_equal(q, 55);
    assert_int_equal(cx_book_depth_within_bps(f.b, CX_SIDE_ASK, 0.0, &q), 0);
    assert_int_equal(q, 0);
    /* Odd mid (99.95 + 100.00) / 2 = 99.975: 25 bps below is 99.725062..., above 100.224937... */
    assert_int_equal(fx_snap(&f, 2, LV(B(9995, 1), B(9973, 2), B(9972, 4), A(10000, 1),
                                      A(10022, 2), A(10023, 4))),
                     0);
    assert_int_equal(cx_book_depth_within_bps(f.b, CX_SIDE_BID, 25.0, &q), 0);
    assert_int_equal(q, 3);
    assert_int_equal(cx_book_depth_within_bps(f.b, CX_SIDE_ASK, 25.0, &q), 0);
    assert_int_equal(q, 3);
    assert_int_equal(cx_book_depth_within_bps(f.b, CX_SIDE_ASK, -1.0, &q), CX_EINVAL);
    /* One side empty: no mid. */
    assert_int_equal(fx_snap(&f, 3, LV(B(9995, 1))), 0);
    assert_int_equal(cx_book_depth_within_bps(f.b, CX_SIDE_BID, 25.0, &q), CX_ESTATE);
    fx_close(&f);
}

/* ---------------------------------------------------------------------------------------------
 * MARK: randomized comparison with the reference book
 * ------------------------------------------------------------------------------------------- */

/* xorshift64 (Marsaglia 2003): deterministic, fast, good enough to drive a generator. */
static uint64_t xs_next(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *s = x;
    return x;
}

static uint32_t xs_below(uint64_t *s, uint32_t n)
{
    return (uint32_t)(xs_next(s) % n);
}

#define GEN_SPAN 1024   /* price indices of the true book */
#define GEN_BASE 100000 /* price mantissa of index 0 */
#define GEN_HIST 8      /* delta messages kept for resending */

/* The generator: a true book that moves with every delta it emits. */
struct gen {
    uint64_t rng;                 /* PRNG state */
    enum cx_book_rule rule;       /* stream shape */
    uint32_t far;                 /* farthest level change from mid, ticks */
    uint32_t del_odds;            /* 1 in del_odds level changes is a delete */
    int64_t bid_qty[GEN_SPAN];    /* true book, by price index */
    int64_t ask_qty[GEN_SPAN];
    int32_t mid;                  /* bids below, asks above (except a deliberate cross) */
    int32_t cross_idx;            /* >= 0: a crossing bid to remove in the next delta */
    uint64_t seq;                 /* truth: last update id */
    uint64_t last_first;          /* U of the last generated delta */
    struct msg hist[GEN_HIST];    /* recently emitted deltas */
    uint32_t hist_n;              /* deltas ever stored in hist */
    struct msg snap;              /* snapshot waiting to be delivered */
    bool has_snap;                /* snap is pending */
    uint32_t snap_delay;          /* deltas to emit before it */
    struct msg out;               /* scratch for the next message */
    /* Price of index idx: (GEN_BASE + idx * stride) * tick, plus 1 (off the grid) for every
     * 37th index when is_off_grid. A stride of hundreds of ticks spreads the book beyond the
     * fast book's tick window, so levels live outside it and the window re-centres as mid
     * drifts; off-grid prices must still work. */
    int64_t tick;
    int64_t stride;
    bool is_off_grid;
};

static int64_t gen_price(const struct gen *g, int32_t idx)
{
    int64_t p = ((int64_t)GEN_BASE + (int64_t)idx * g->stride) * g->tick;
    return g->is_off_grid && idx % 37 == 0 ? p + 1 : p;
}

static void gen_init(struct gen *g, enum cx_book_rule rule, uint64_t seed, uint32_t far,
                     uint32_t del_odds)
{
    memset(g, 0, sizeof *g);
    g->rng = seed * 0x9E3779B97F4A7C15ull + 1;
    g->rule = rule;
    g->far = far;
    g->del_odds = del_odds;
    g->mid = GEN_SPAN / 2;
    g->cross_idx = -1;
    g->tick = 1;
    g->stride = 1;
    g->seq = 1000 + xs_below(&g->rng, 1000);
    g->last_first = g->seq;
    for (int i = 0; i < GEN_HIST; i++)
        msg_init(&g->hist[i], 32);
    msg_init(&g->snap, 2 * GEN_SPAN + 8);
    msg_init(&g->out, 2 * GEN_SPAN + 8);
    /* An initial book around mid. */
    for (uint32_t d = 1; d <= far; d++) {
        if (xs_below(&g->rng, del_odds) != 0)
            g->bid_qty[g->mid - (int32_t)d] = 1 + xs_below(&g->rng, 1000);
        if (xs_below(&g->rng, del_odds) != 0)
            g->ask_qty[g->mid + (int32_t)d] = 1 + xs_below(&g->rng, 1000);
    }
}

static void gen_fini(struct gen *g)
{
    for (int i = 0; i < GEN_HIST; i++)
        msg_fini(&g->hist[i]);
    msg_fini(&g->snap);
    msg_fini(&g->out);
}

static void gen_set(struct gen *g, struct msg *m, int side, int32_t idx, int64_t qty)
{
    (side == CX_SIDE_BID ? g->bid_qty : g->ask_qty)[idx] = qty;
    msg_level(m, side, gen_price(g, idx), qty);
}

/* Generate the next delta into g->out and move the true book. */
static void gen_delta(struct gen *g)
{
    struct msg *m = &g->out;
    uint64_t prev_u = g->seq;
    uint64_t first;
    uint64_t last;

    switch (g->rule) {
    case CX_BOOK_RULE_BINANCE_USDM:
        first = prev_u + 1 + xs_below(&g->rng, 3); /* U jumps on USD-M; pu chains */
        last = first + xs_below(&g->rng, 4);
        break;
    case CX_BOOK_RULE_SNAPSHOT_ONLY:
        first = last = prev_u + 1;
        break;
    default:
        first = prev_u + 1;
        last = first + xs_below(&g->rng, 4);
        break;
    }
    g->seq = last;
    g->last_first = first;
    msg_start(m, CX_MD_DEPTH_DELTA, first, last);
    if (g->rule == CX_BOOK_RULE_BINANCE_USDM && xs_below(&g->rng, 500) != 0)
        msg_prev(m, prev_u);
    if (g->rule == CX_BOOK_RULE_SNAPSHOT_ONLY)
        m->extra_flags = CX_MD_F_NOSEQ;

    if (g->cross_idx >= 0) {
        gen_set(g, m, CX_SIDE_BID, g->cross_idx, 0);
        g->cross_idx = -1;
    }
    /* Drift: the level that would end up on the wrong side of mid is deleted, and so is the
     * one that falls out of the window of `far` ticks (a depth-limited feed), so each side
     * holds at most `far` levels. */
    if (xs_below(&g->rng, 8) == 0) {
        int32_t lo = (int32_t)g->far + 8;
        int32_t hi = GEN_SPAN - (int32_t)g->far - 8;
        int32_t mid = g->mid + (xs_below(&g->rng, 2) ? 1 : -1);
        int32_t far = (int32_t)g->far;
        if (mid >= lo && mid <= hi) {
            if (mid > g->mid && g->ask_qty[mid] != 0)
                gen_set(g, m, CX_SIDE_ASK, mid, 0);
            if (mid > g->mid && g->bid_qty[mid - far - 1] != 0)
                gen_set(g, m, CX_SIDE_BID, mid - far - 1, 0);
            if (mid < g->mid && g->bid_qty[mid] != 0)
                gen_set(g, m, CX_SIDE_BID, mid, 0);
            if (mid < g->mid && g->ask_qty[mid + far + 1] != 0)
                gen_set(g, m, CX_SIDE_ASK, mid + far + 1, 0);
            g->mid = mid;
        }
    }
    uint32_t k = xs_below(&g->rng, 6);
    for (uint32_t i = 0; i < k; i++) {
        int side = (int)xs_below(&g->rng, 2);
        int32_t d = 1 + (int32_t)(xs_below(&g->rng, 4) == 0 ? xs_below(&g->rng, g->far)
                                                            : xs_below(&g->rng, 6));
        int64_t qty = xs_below(&g->rng, g->del_odds) == 0 ? 0 : 1 + xs_below(&g->rng, 1000);
        gen_set(g, m, side, side == CX_SIDE_BID ? g->mid - d : g->mid + d, qty);
    }
    /* Now and then a bid at the best ask: the book crosses. */
    if (xs_below(&g->rng, 150) == 0) {
        int32_t idx = g->mid + 1;
        while (idx < g->mid + (int32_t)g->far && g->ask_qty[idx] == 0)
            idx++;
        gen_set(g, m, CX_SIDE_BID, idx, 7);
        g->cross_idx = idx;
    }
    msg_finish(m);
}

/* Build a snapshot of the true book into g->snap, in one of several level orders. */
static void gen_snapshot(struct gen *g)
{
    struct msg *m = &g->snap;
    uint64_t id;
    uint64_t span = g->seq - g->last_first + 1;

    switch (g->rule) {
    case CX_BOOK_RULE_BINANCE_USDM:
        id = g->seq - xs_below(&g->rng, (uint32_t)span); /* U <= id <= u of the last delta */
        break;
    case CX_BOOK_RULE_SNAPSHOT_ONLY:
        id = ++g->seq;
        break;
    default:
        id = g->seq - xs_below(&g->rng, (uint32_t)span + 1); /* U - 1 <= id <= u */
        break;
    }
    msg_start(m, CX_MD_DEPTH_SNAPSHOT, id, id);
    if (g->rule == CX_BOOK_RULE_SNAPSHOT_ONLY)
        m->extra_flags = CX_MD_F_NOSEQ;
    uint32_t order = xs_below(&g->rng, 20);
    bool is_worst_first = order == 0;
    for (int side = 0; side < 2; side++) {
        const int64_t *qty = side == CX_SIDE_BID ? g->bid_qty : g->ask_qty;
        bool is_descending = (side == CX_SIDE_BID) != is_worst_first;
        for (int32_t j = 0; j < GEN_SPAN; j++) {
            int32_t idx = is_descending ? GEN_SPAN - 1 - j : j;
            if (qty[idx] == 0)
                continue;
            if (order == 1 && xs_below(&g->rng, 10) == 0)
                msg_level(m, side, gen_price(g, idx), qty[idx] + 5); /* overwritten below */
            msg_level(m, side, gen_price(g, idx), qty[idx]);
            if (order == 1 && xs_below(&g->rng, 10) == 0)
                msg_level(m, side, gen_price(g, idx + (side ? 1 : -1) * GEN_SPAN), 0);
        }
    }
    if (order == 2 && m->n > 1) { /* shuffle (Fisher-Yates) */
        for (uint32_t i = m->n - 1; i > 0; i--) {
            uint32_t j = xs_below(&g->rng, i + 1);
            struct cx_md_event t = m->ev[i];
            m->ev[i] = m->ev[j];
            m->ev[j] = t;
        }
    }
    msg_finish(m);
}

/* When the book claims to be in sync with the generator's latest id, it must equal the truth. */
static uint32_t check_truth(const struct gen *g, const struct cx_book *b)
{
    if (cx_book_state(b) != CX_BOOK_SYNCED || cx_book_last_seq(b) != g->seq)
        return 0;
    for (int side = 0; side < 2; side++) {
        const int64_t *qty = side == CX_SIDE_BID ? g->bid_qty : g->ask_qty;
        uint32_t i = 0;
        for (int32_t j = 0; j < GEN_SPAN; j++) {
            int32_t idx = side == CX_SIDE_BID ? GEN_SPAN - 1 - j : j;
            if (qty[idx] == 0)
                continue;
            int64_t p = 0;
            int64_t q = 0;
            if (cx_book_level(b, (enum cx_side)side, i, &p, &q) != 0 ||
                p != gen_price(g, idx) || q != qty[idx]) {
                print_error("truth: side %d level %u: book %lld x %lld, truth %lld x %lld\n",
                            side, i, (long long)p, (long long)q, (long long)gen_price(g, idx),
                            (long long)qty[idx]);
                fail();
            }
            i++;
        }
        assert_int_equal(cx_book_depth(b, (enum cx_side)side), i);
    }
    return 1;
}

/* Send a corrupted copy of a valid message: both books must refuse it unchanged. */
static void send_malformed(struct fx *f, struct gen *g, const struct msg *src)
{
    struct msg *m = &g->out;
    msg_copy(m, src);
    uint32_t at = xs_below(&g->rng, m->n);
    switch (xs_below(&g->rng, 5)) {
    case 0: m->ev[0].flags &= (uint16_t)~CX_MD_F_BEGIN; break;
    case 1: m->ev[m->n - 1].flags &= (uint16_t)~CX_MD_F_END; break;
    case 2: m->ev[at].inst_id = INST + 1; break;
    case 3: m->ev[at].type = m->ev[at].type == CX_MD_DEPTH_DELTA ? CX_MD_DEPTH_SNAPSHOT
                                                                 : CX_MD_DEPTH_DELTA;
        if (m->n == 1)
            m->ev[at].type = CX_MD_NONE;
        break;
    default: /* mixed sequence ids; a single event gets a foreign instrument instead */
        m->ev[at].seq += 1;
        if (m->n == 1)
            m->ev[0].inst_id = INST + 2;
        break;
    }
    assert_int_equal(fx_apply_ev(f, m->ev, m->n), CX_EINVAL);
}

/* Price grid of a stream: cfg.tick_m given to the books, and the generator's tick, stride
 * and off-grid prices (see struct gen). */
struct grid {
    int64_t cfg_tick;
    int64_t tick;
    int64_t stride;
    bool is_off_grid;
};

static void run_stream_grid(enum cx_book_rule rule, uint64_t seed, uint32_t steps,
                            uint32_t max_levels, uint32_t max_buffered, uint32_t far,
                            uint32_t del_odds, const struct grid *grid)
{
    struct fx f;
    struct gen *g = calloc(1, sizeof *g);
    assert_non_null(g);
    fx_open_tick(&f, rule, max_levels, max_buffered, grid->cfg_tick);
    gen_init(g, rule, seed, far, del_odds);
    g->tick = grid->tick;
    g->stride = grid->stride;
    g->is_off_grid = grid->is_off_grid;
    bool is_seq = rule != CX_BOOK_RULE_SNAPSHOT_ONLY;
    uint32_t truth_checks = 0;

    for (uint32_t step = 0; step < steps; step++) {
        if (g->has_snap && g->snap_delay == 0) {
            g->has_snap = false;
            fx_apply_ev(&f, g->snap.ev, g->snap.n);
            truth_checks += check_truth(g, f.b);
            continue;
        }
        uint32_t r = xs_below(&g->rng, 1000);
        if (r < 3 && g->hist_n > 0) {
            send_malformed(&f, g, &g->hist[xs_below(&g->rng, g->hist_n < GEN_HIST ? g->hist_n
                                                                               : GEN_HIST)]);
            continue;
        }
        if (r < 6) {
            struct cx_md_event bbo;
            memset(&bbo, 0, sizeof bbo);
            bbo.type = r & 1 ? CX_MD_BBO : CX_MD_TRADE;
            bbo.inst_id = INST;
            bbo.flags = CX_MD_F_SINGLE;
            assert_int_equal(fx_apply_ev(&f, &bbo, 1), 0);
            continue;
        }
        if (r < 16 && g->hist_n > 0) {
            const struct msg *old =
                &g->hist[xs_below(&g->rng, g->hist_n < GEN_HIST ? g->hist_n : GEN_HIST)];
            fx_apply_ev(&f, old->ev, old->n);
            continue;
        }
        uint32_t snap_odds = !is_seq ? 10 : (cx_book_state(f.b) == CX_BOOK_SYNCED ? 300 : 6);
        if (!g->has_snap && xs_below(&g->rng, snap_odds) == 0) {
            gen_snapshot(g);
            g->has_snap = true;
            g->snap_delay = is_seq ? xs_below(&g->rng, 4) : 0;
            if (g->snap_delay == 0)
                continue; /* delivered at the top of the next step */
        }
        gen_delta(g);
        if (g->has_snap && g->snap_delay > 0)
            g->snap_delay--;
        if (is_seq && xs_below(&g->rng, 300) == 0)
            continue; /* lost on the way: a gap */
        fx_apply_ev(&f, g->out.ev, g->out.n);
        if (is_seq) /* unchecked deltas (resent ones too) legitimately leave the truth */
            truth_checks += check_truth(g, f.b);
        msg_copy(&g->hist[g->hist_n % GEN_HIST], &g->out);
        g->hist_n++;
    }

    const struct cx_book_stats *st = cx_book_stats(f.b);
    print_message("rule %d seed %llu levels %u buffer %u: %llu msgs, %llu applied, %llu snapshots, "
                  "%llu old, %llu buffered, %llu buf_overflow, %llu gaps, %llu crossed, "
                  "%llu resyncs, %llu level changes, %llu level_overflow; %u truth checks\n",
                  (int)rule, (unsigned long long)seed, max_levels, max_buffered,
                  (unsigned long long)st->messages, (unsigned long long)st->applied,
                  (unsigned long long)st->snapshots, (unsigned long long)st->dropped_old,
                  (unsigned long long)st->buffered, (unsigned long long)st->buffer_overflow,
                  (unsigned long long)st->gaps, (unsigned long long)st->crossed,
                  (unsigned long long)st->resyncs, (unsigned long long)st->level_changes,
                  (unsigned long long)st->level_overflow, truth_checks);
    /* The stream must actually have exercised the interesting paths. */
    assert_true(st->crossed > 0);
    assert_true(st->resyncs > 0);
    assert_true(st->dropped_old > 0);
    assert_true(st->level_changes > 0);
    assert_true(truth_checks > 0);
    if (is_seq) {
        assert_true(st->gaps > 0);
        assert_true(st->buffered > 0);
    }
    if (max_levels != 0 && max_levels < far)
        assert_true(st->level_overflow > 0);
    if (max_buffered != 0 && is_seq)
        assert_true(st->buffer_overflow > 0);

    gen_fini(g);
    free(g);
    fx_close(&f);
}

static void run_stream(enum cx_book_rule rule, uint64_t seed, uint32_t steps, uint32_t max_levels,
                       uint32_t max_buffered, uint32_t far, uint32_t del_odds)
{
    static const struct grid unit = {.cfg_tick = 0, .tick = 1, .stride = 1};
    run_stream_grid(rule, seed, steps, max_levels, max_buffered, far, del_odds, &unit);
}

static void test_random_vs_ref(void **state)
{
    (void)state;
    static const enum cx_book_rule rules[] = {CX_BOOK_RULE_BINANCE_SPOT, CX_BOOK_RULE_BINANCE_USDM,
                                             CX_BOOK_RULE_GATE, CX_BOOK_RULE_MEXC,
                                             CX_BOOK_RULE_SNAPSHOT_ONLY};
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
        for (uint64_t seed = 1; seed <= 3; seed++)
            run_stream(rules[i], 1000 * i + seed, 15000, 0, 0, 100, 4);
    }
}

static void test_random_vs_ref_small(void **state)
{
    (void)state;
    static const enum cx_book_rule rules[] = {CX_BOOK_RULE_BINANCE_SPOT, CX_BOOK_RULE_BINANCE_USDM,
                                             CX_BOOK_RULE_GATE, CX_BOOK_RULE_SNAPSHOT_ONLY};
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++)
        run_stream(rules[i], 100 + i, 20000, 24, 48, 30, 3);
}

/* The fast book's tick window: tick given or inferred (from the first snapshot), a book spread
 * far beyond the window (levels outside it, re-centring as mid drifts), and off-grid prices
 * (inside the window range they turn it off until the next snapshot). */
static void test_random_vs_ref_grid(void **state)
{
    (void)state;
    static const enum cx_book_rule rules[] = {CX_BOOK_RULE_BINANCE_SPOT, CX_BOOK_RULE_BINANCE_USDM,
                                             CX_BOOK_RULE_GATE, CX_BOOK_RULE_SNAPSHOT_ONLY};
    static const struct grid grids[] = {
        {.cfg_tick = 5, .tick = 5, .stride = 1},       /* everything inside the window */
        {.cfg_tick = 5, .tick = 5, .stride = 300},     /* levels outside, re-centring */
        {.cfg_tick = 5, .tick = 5, .stride = 300, .is_off_grid = true},
        {.cfg_tick = 0, .tick = 10, .stride = 700},    /* grid inferred */
        {.cfg_tick = 0, .tick = 10, .stride = 700, .is_off_grid = true},
        {.cfg_tick = 2, .tick = 10, .stride = 40},     /* cfg tick finer than the prices */
        {.cfg_tick = 1000000, .tick = 1000000, .stride = 50}, /* 2^6 * 5^6 */
    };
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
        for (size_t k = 0; k < sizeof grids / sizeof grids[0]; k++)
            run_stream_grid(rules[i], 5000 + 100 * i + k, 15000, 0, 0, 100, 4, &grids[k]);
    }
    /* Small capacities with the window. */
    run_stream_grid(CX_BOOK_RULE_BINANCE_SPOT, 7001, 20000, 24, 48, 30, 3, &grids[1]);
    run_stream_grid(CX_BOOK_RULE_SNAPSHOT_ONLY, 7002, 20000, 24, 48, 30, 3, &grids[2]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_new_config),
        cmocka_unit_test(test_binance_spot),
        cmocka_unit_test(test_binance_spot_edges),
        cmocka_unit_test(test_binance_usdm),
        cmocka_unit_test(test_gate),
        cmocka_unit_test(test_mexc),
        cmocka_unit_test(test_snapshot_only),
        cmocka_unit_test(test_buffer_before_snapshot),
        cmocka_unit_test(test_old_snapshot_ignored_when_synced),
        cmocka_unit_test(test_snapshot_shapes),
        cmocka_unit_test(test_crossed),
        cmocka_unit_test(test_delete_missing),
        cmocka_unit_test(test_capacity),
        cmocka_unit_test(test_buffer_overflow),
        cmocka_unit_test(test_malformed_runs),
        cmocka_unit_test(test_top_and_levels),
        cmocka_unit_test(test_walk_qty),
        cmocka_unit_test(test_walk_notional),
        cmocka_unit_test(test_depth_within_bps),
        cmocka_unit_test(test_random_vs_ref),
        cmocka_unit_test(test_random_vs_ref_small),
        cmocka_unit_test(test_random_vs_ref_grid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
