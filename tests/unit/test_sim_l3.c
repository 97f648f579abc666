/* SPDX-License-Identifier: MIT */
/*
 * The L3 (order-by-order) FIFO queue (sim.h cx_sim_l3_*, src/sim/l3.c) on hand-written event
 * sequences, as an ITCH or Coinbase full-channel feed would give them: orders ahead of ours
 * cancelled in part or whole, executed, amended down (keeps its place) and up (loses it),
 * moved to another price and cancel-replaced with a new id; orders added behind ours; our
 * partial fills from executions behind us and through our price, shared in price-time order
 * between several of our orders; our own amendments; the ask side; and every error. The
 * expected positions and fills are worked out by hand in the comments.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cexarb/sim.h"

#include <string.h>

#define BID CX_SIDE_BID
#define ASK CX_SIDE_ASK

struct fills {
    uint32_t n;
    struct cx_sim_l3_fill f[16];
};

static void on_fill(void *arg, const struct cx_sim_l3_fill *f)
{
    struct fills *fs = arg;
    assert_true(fs->n < 16);
    fs->f[fs->n++] = *f;
}

static struct cx_sim_l3 *l3_new(struct fills *fs, uint32_t max_orders)
{
    memset(fs, 0, sizeof *fs);
    struct cx_sim_l3_cfg cfg = {.max_orders = max_orders, .on_fill = on_fill, .arg = fs};
    struct cx_sim_l3 *l3 = NULL;
    assert_int_equal(cx_sim_l3_new(&l3, &cfg), 0);
    return l3;
}

/* Our order's place: visible quantity and orders ahead, and what is open. */
static void expect_place(const struct cx_sim_l3 *l3, uint64_t cid, int64_t ahead_qty,
                         uint32_t ahead_orders, int64_t leaves)
{
    int64_t q = -1, l = -1;
    uint32_t n = 99;
    assert_int_equal(cx_sim_l3_queue_ahead(l3, cid, &q, &n, &l), 0);
    assert_int_equal(q, ahead_qty);
    assert_int_equal(n, ahead_orders);
    assert_int_equal(l, leaves);
}

static void expect_fill(const struct fills *fs, uint32_t i, uint64_t cid, int64_t qty,
                        int64_t leaves, uint8_t evidence, uint64_t by)
{
    assert_true(i < fs->n);
    const struct cx_sim_l3_fill *f = &fs->f[i];
    assert_int_equal(f->client_id, cid);
    assert_int_equal(f->qty_m, qty);
    assert_int_equal(f->leaves_m, leaves);
    assert_int_equal(f->evidence, evidence);
    assert_int_equal(f->by_order_id, by);
}

static void expect_level(const struct cx_sim_l3 *l3, uint8_t side, int64_t px, int64_t qty,
                         uint32_t orders)
{
    int64_t q = -1;
    uint32_t n = 99;
    assert_int_equal(cx_sim_l3_level(l3, side, px, &q, &n), 0);
    assert_int_equal(q, qty);
    assert_int_equal(n, orders);
}

/* ---------------------------------------------------------------------------------------------
 * MARK: what moves our place
 * ------------------------------------------------------------------------------------------- */

static void test_ahead_cancels_and_adds_behind(void **state)
{
    (void)state;
    struct fills fs;
    struct cx_sim_l3 *l3 = l3_new(&fs, 16);
    /* Bid 100: A 2, B 3, then ours (1), then C 4 joins behind us. */
    assert_int_equal(cx_sim_l3_add(l3, 1, BID, 100, 2), 0);
    assert_int_equal(cx_sim_l3_add(l3, 2, BID, 100, 3), 0);
    assert_int_equal(cx_sim_l3_add_ours(l3, 77, BID, 100, 1), 0);
    expect_place(l3, 77, 5, 2, 1);
    assert_int_equal(cx_sim_l3_add(l3, 3, BID, 100, 4), 0);
    expect_place(l3, 77, 5, 2, 1);           /* behind us: nothing changes */
    expect_level(l3, BID, 100, 9, 3);        /* ours is not visible */
    /* B partially cancelled by 1 (ITCH "X"): it keeps its place, 1 less ahead. */
    assert_int_equal(cx_sim_l3_cancel(l3, 2, 1), 0);
    expect_place(l3, 77, 4, 2, 1);
    /* A deleted (ITCH "D"): 2 less ahead. */
    assert_int_equal(cx_sim_l3_delete(l3, 1), 0);
    expect_place(l3, 77, 2, 1, 1);
    /* C (behind us) deleted: no change; B's last 2 cancelled: nothing ahead. */
    assert_int_equal(cx_sim_l3_delete(l3, 3), 0);
    assert_int_equal(cx_sim_l3_cancel(l3, 2, 2), 0);
    expect_place(l3, 77, 0, 0, 1);
    expect_level(l3, BID, 100, 0, 0);
    assert_int_equal(cx_sim_l3_delete(l3, 2), CX_ENOENT); /* gone at 0 */
    assert_int_equal(fs.n, 0);
    cx_sim_l3_free(l3);
}

static void test_ahead_executions(void **state)
{
    (void)state;
    struct fills fs;
    struct cx_sim_l3 *l3 = l3_new(&fs, 16);
    assert_int_equal(cx_sim_l3_add(l3, 1, BID, 100, 2), 0);
    assert_int_equal(cx_sim_l3_add(l3, 2, BID, 100, 3), 0);
    assert_int_equal(cx_sim_l3_add_ours(l3, 77, BID, 100, 4), 0);
    /* A executed in full, then B in part: both were ahead, so no fill of ours; 2 ahead. */
    assert_int_equal(cx_sim_l3_execute(l3, 1, 2), 0);
    assert_int_equal(cx_sim_l3_execute(l3, 2, 1), 0);
    expect_place(l3, 77, 2, 1, 4);
    assert_int_equal(fs.n, 0);
    expect_level(l3, BID, 100, 2, 1);
    cx_sim_l3_free(l3);
}

static void test_modifies(void **state)
{
    (void)state;
    struct fills fs;
    struct cx_sim_l3 *l3 = l3_new(&fs, 16);
    assert_int_equal(cx_sim_l3_add(l3, 1, BID, 100, 2), 0);
    assert_int_equal(cx_sim_l3_add(l3, 2, BID, 100, 3), 0);
    assert_int_equal(cx_sim_l3_add_ours(l3, 77, BID, 100, 1), 0);
    expect_place(l3, 77, 5, 2, 1);
    /* A amended down 2 -> 1 (Coinbase "change"): keeps its place: 4 ahead. */
    assert_int_equal(cx_sim_l3_modify(l3, 1, 100, 1), 0);
    expect_place(l3, 77, 4, 2, 1);
    /* The same size again: nothing. */
    assert_int_equal(cx_sim_l3_modify(l3, 1, 100, 1), 0);
    expect_place(l3, 77, 4, 2, 1);
    /* A amended up 1 -> 6: it loses its place and goes behind us: only B's 3 ahead. */
    assert_int_equal(cx_sim_l3_modify(l3, 1, 100, 6), 0);
    expect_place(l3, 77, 3, 1, 1);
    expect_level(l3, BID, 100, 9, 2);
    /* B moves to 99 (a price change, even smaller): it leaves our level. */
    assert_int_equal(cx_sim_l3_modify(l3, 2, 99, 1), 0);
    expect_place(l3, 77, 0, 0, 1);
    expect_level(l3, BID, 99, 1, 1);
    expect_level(l3, BID, 100, 6, 1);
    /* A cancel-replaced with id 5 back to 100 x 2 (ITCH "U"): new id, back of the level, so
     * still behind us; the old id is gone. */
    assert_int_equal(cx_sim_l3_add(l3, 3, BID, 100, 4), 0); /* behind us */
    assert_int_equal(cx_sim_l3_replace(l3, 1, 5, 100, 2), 0);
    assert_int_equal(cx_sim_l3_delete(l3, 1), CX_ENOENT);
    expect_place(l3, 77, 0, 0, 1);
    expect_level(l3, BID, 100, 6, 2);
    /* Replace that keeps the id and shrinks still goes to the back (a new order). */
    assert_int_equal(cx_sim_l3_add_ours(l3, 78, BID, 100, 1), 0); /* behind 3 and 5 */
    expect_place(l3, 78, 6, 2, 1);
    assert_int_equal(cx_sim_l3_replace(l3, 3, 3, 100, 1), 0);
    expect_place(l3, 78, 2, 1, 1);
    cx_sim_l3_free(l3);
}

/* ---------------------------------------------------------------------------------------------
 * MARK: our fills
 * ------------------------------------------------------------------------------------------- */

static void test_partial_fills_from_behind(void **state)
{
    (void)state;
    struct fills fs;
    struct cx_sim_l3 *l3 = l3_new(&fs, 16);
    /* Bid 100: A 2, ours 5, C 1, D 3. */
    assert_int_equal(cx_sim_l3_add(l3, 1, BID, 100, 2), 0);
    assert_int_equal(cx_sim_l3_add_ours(l3, 77, BID, 100, 5), 0);
    assert_int_equal(cx_sim_l3_add(l3, 3, BID, 100, 1), 0);
    assert_int_equal(cx_sim_l3_add(l3, 4, BID, 100, 3), 0);
    /* A executes (ahead of us): nothing for us. */
    assert_int_equal(cx_sim_l3_execute(l3, 1, 2), 0);
    assert_int_equal(fs.n, 0);
    /* C executes 1: the aggressor brought 1 past our place: we fill 1, 4 open. */
    assert_int_equal(cx_sim_l3_execute(l3, 3, 1), 0);
    assert_int_equal(fs.n, 1);
    expect_fill(&fs, 0, 77, 1, 4, CX_SIM_L3_BEHIND, 3);
    assert_int_equal(fs.f[0].price_m, 100);
    assert_int_equal(fs.f[0].side, BID);
    expect_place(l3, 77, 0, 0, 4);
    /* D executes 2 of its 3: we fill 2 more, 2 open; D keeps 1 (our fills never change the
     * visible orders). */
    assert_int_equal(cx_sim_l3_execute(l3, 4, 2), 0);
    expect_fill(&fs, 1, 77, 2, 2, CX_SIM_L3_BEHIND, 4);
    expect_level(l3, BID, 100, 1, 1);
    /* D's last 1: we fill 1, 1 open. */
    assert_int_equal(cx_sim_l3_execute(l3, 4, 1), 0);
    expect_fill(&fs, 2, 77, 1, 1, CX_SIM_L3_BEHIND, 4);
    expect_place(l3, 77, 0, 0, 1);
    /* A new order E 5 behind us executes 5: our last 1 fills and we are gone. */
    assert_int_equal(cx_sim_l3_add(l3, 5, BID, 100, 5), 0);
    assert_int_equal(cx_sim_l3_execute(l3, 5, 5), 0);
    assert_int_equal(fs.n, 4);
    expect_fill(&fs, 3, 77, 1, 0, CX_SIM_L3_BEHIND, 5);
    assert_int_equal(cx_sim_l3_queue_ahead(l3, 77, NULL, NULL, NULL), CX_ENOENT);
    assert_int_equal(cx_sim_l3_cancel_ours(l3, 77), CX_ENOENT); /* the cancel lost the race */
    expect_level(l3, BID, 100, 0, 0);
    cx_sim_l3_free(l3);
}

static void test_through_and_sharing(void **state)
{
    (void)state;
    struct fills fs;
    struct cx_sim_l3 *l3 = l3_new(&fs, 16);
    /* Ours: Q1 1 @ 101, Q3 1 @ 102, Q2 1 @ 101 (after Q1); visible X 5 @ 100, ours Q4 2 @ 100
     * behind X, Y 1 @ 100 behind Q4. */
    assert_int_equal(cx_sim_l3_add_ours(l3, 1, BID, 101, 1), 0);
    assert_int_equal(cx_sim_l3_add_ours(l3, 3, BID, 102, 1), 0);
    assert_int_equal(cx_sim_l3_add_ours(l3, 2, BID, 101, 1), 0);
    assert_int_equal(cx_sim_l3_add(l3, 10, BID, 100, 5), 0);
    assert_int_equal(cx_sim_l3_add_ours(l3, 4, BID, 100, 2), 0);
    assert_int_equal(cx_sim_l3_add(l3, 11, BID, 100, 1), 0);
    /* X executes 2: the seller went through 102 and 101 first: Q3 (best price) 1, then Q1
     * (earlier at 101) 1; Q2 gets nothing, Q4 (behind X) nothing. */
    assert_int_equal(cx_sim_l3_execute(l3, 10, 2), 0);
    assert_int_equal(fs.n, 2);
    expect_fill(&fs, 0, 3, 1, 0, CX_SIM_L3_THROUGH, 10);
    expect_fill(&fs, 1, 1, 1, 0, CX_SIM_L3_THROUGH, 10);
    expect_place(l3, 2, 0, 0, 1);
    expect_place(l3, 4, 3, 1, 2);
    /* X executes its other 3: through 101 first: Q2 takes 1; Q4 is behind X: nothing. */
    assert_int_equal(cx_sim_l3_execute(l3, 10, 3), 0);
    assert_int_equal(fs.n, 3);
    expect_fill(&fs, 2, 2, 1, 0, CX_SIM_L3_THROUGH, 10);
    expect_place(l3, 4, 0, 0, 2);
    /* Y (behind Q4) executes its 1: Q4 fills 1 of its 2. */
    assert_int_equal(cx_sim_l3_execute(l3, 11, 1), 0);
    assert_int_equal(fs.n, 4);
    expect_fill(&fs, 3, 4, 1, 1, CX_SIM_L3_BEHIND, 11);
    /* Z 4 joins behind Q4 and executes 3: Q4 takes its last 1 of it. */
    assert_int_equal(cx_sim_l3_add(l3, 12, BID, 100, 4), 0);
    assert_int_equal(cx_sim_l3_execute(l3, 12, 3), 0);
    assert_int_equal(fs.n, 5);
    expect_fill(&fs, 4, 4, 1, 0, CX_SIM_L3_BEHIND, 12);
    expect_level(l3, BID, 100, 1, 1); /* Z's last 1 */
    cx_sim_l3_free(l3);
}

static void test_through_then_behind(void **state)
{
    (void)state;
    struct fills fs;
    struct cx_sim_l3 *l3 = l3_new(&fs, 16);
    /* Ours A 1 @ 101 and B 2 @ 100, visible X 3 @ 100 behind B. X executes 2: through A
     * takes 1, then B (ahead of X) the other 1 of its 2. Ask side mirrored below. */
    assert_int_equal(cx_sim_l3_add_ours(l3, 1, BID, 101, 1), 0);
    assert_int_equal(cx_sim_l3_add_ours(l3, 2, BID, 100, 2), 0);
    assert_int_equal(cx_sim_l3_add(l3, 11, BID, 100, 3), 0);
    assert_int_equal(cx_sim_l3_execute(l3, 11, 2), 0);
    assert_int_equal(fs.n, 2);
    expect_fill(&fs, 0, 1, 1, 0, CX_SIM_L3_THROUGH, 11);
    expect_fill(&fs, 1, 2, 1, 1, CX_SIM_L3_BEHIND, 11);
    expect_level(l3, BID, 100, 1, 1); /* X keeps 1: our fills do not change it */

    /* Asks: ours S 3 @ 200 (better than 201 for an ask), visible W 2 @ 201 executes 2. */
    assert_int_equal(cx_sim_l3_add_ours(l3, 5, ASK, 200, 3), 0);
    assert_int_equal(cx_sim_l3_add(l3, 20, ASK, 201, 2), 0);
    assert_int_equal(cx_sim_l3_add_ours(l3, 6, ASK, 202, 1), 0); /* worse: never reached */
    assert_int_equal(cx_sim_l3_execute(l3, 20, 2), 0);
    assert_int_equal(fs.n, 3);
    expect_fill(&fs, 2, 5, 2, 1, CX_SIM_L3_THROUGH, 20);
    assert_int_equal(fs.f[2].side, ASK);
    expect_place(l3, 6, 0, 0, 1);
    cx_sim_l3_free(l3);
}

static void test_our_modifies(void **state)
{
    (void)state;
    struct fills fs;
    struct cx_sim_l3 *l3 = l3_new(&fs, 16);
    assert_int_equal(cx_sim_l3_add(l3, 1, BID, 100, 2), 0);
    assert_int_equal(cx_sim_l3_add_ours(l3, 77, BID, 100, 4), 0);
    assert_int_equal(cx_sim_l3_add(l3, 2, BID, 100, 3), 0);
    /* Down 4 -> 3: keeps the place (Binance "Order Amend Keep Priority"). */
    assert_int_equal(cx_sim_l3_modify_ours(l3, 77, 100, 3), 0);
    expect_place(l3, 77, 2, 1, 3);
    /* Up 3 -> 5: loses it, behind B (Bybit "Amend Order", Gate futures amendment). */
    assert_int_equal(cx_sim_l3_modify_ours(l3, 77, 100, 5), 0);
    expect_place(l3, 77, 5, 2, 5);
    /* To 99: back of that (empty) level. */
    assert_int_equal(cx_sim_l3_modify_ours(l3, 77, 99, 5), 0);
    expect_place(l3, 77, 0, 0, 5);
    assert_int_equal(cx_sim_l3_cancel_ours(l3, 77), 0);
    assert_int_equal(cx_sim_l3_queue_ahead(l3, 77, NULL, NULL, NULL), CX_ENOENT);
    cx_sim_l3_free(l3);
}

/* ---------------------------------------------------------------------------------------------
 * MARK: errors and capacity
 * ------------------------------------------------------------------------------------------- */

static void test_errors(void **state)
{
    (void)state;
    struct cx_sim_l3 *l3 = NULL;
    struct cx_sim_l3_cfg cfg = {.max_orders = 0};
    assert_int_equal(cx_sim_l3_new(&l3, &cfg), CX_EINVAL);
    cfg.max_orders = (1u << 26) + 1;
    assert_int_equal(cx_sim_l3_new(&l3, &cfg), CX_EINVAL);
    assert_int_equal(cx_sim_l3_new(NULL, &cfg), CX_EINVAL);
    assert_null(l3);
    cx_sim_l3_free(NULL);

    struct fills fs;
    l3 = l3_new(&fs, 3);
    assert_int_equal(cx_sim_l3_add(l3, 1, 2, 100, 1), CX_EINVAL);      /* side */
    assert_int_equal(cx_sim_l3_add(l3, 1, BID, 0, 1), CX_EINVAL);      /* price */
    assert_int_equal(cx_sim_l3_add(l3, 1, BID, INT64_MAX, 1), CX_EINVAL);
    assert_int_equal(cx_sim_l3_add(l3, 1, BID, 100, 0), CX_EINVAL);    /* qty */
    assert_int_equal(cx_sim_l3_add(NULL, 1, BID, 100, 1), CX_EINVAL);
    assert_int_equal(cx_sim_l3_add(l3, 1, BID, 100, 2), 0);
    assert_int_equal(cx_sim_l3_add(l3, 1, ASK, 101, 2), CX_EEXIST);
    assert_int_equal(cx_sim_l3_cancel(l3, 1, 3), CX_ERANGE);
    assert_int_equal(cx_sim_l3_cancel(l3, 1, 0), CX_EINVAL);
    assert_int_equal(cx_sim_l3_cancel(l3, 9, 1), CX_ENOENT);
    assert_int_equal(cx_sim_l3_execute(l3, 1, 3), CX_ERANGE);
    assert_int_equal(cx_sim_l3_execute(l3, 9, 1), CX_ENOENT);
    assert_int_equal(cx_sim_l3_execute(l3, 1, -1), CX_EINVAL);
    assert_int_equal(cx_sim_l3_modify(l3, 9, 100, 1), CX_ENOENT);
    assert_int_equal(cx_sim_l3_modify(l3, 1, 100, 0), CX_EINVAL);
    assert_int_equal(cx_sim_l3_delete(l3, 9), CX_ENOENT);
    /* Our ids are their own space: client id 1 is free though visible order 1 exists. */
    assert_int_equal(cx_sim_l3_add_ours(l3, 1, BID, 100, 1), 0);
    assert_int_equal(cx_sim_l3_add_ours(l3, 1, BID, 100, 1), CX_EEXIST);
    assert_int_equal(cx_sim_l3_modify_ours(l3, 5, 100, 1), CX_ENOENT);
    assert_int_equal(cx_sim_l3_modify_ours(l3, 1, -5, 1), CX_EINVAL);
    assert_int_equal(cx_sim_l3_cancel_ours(l3, 5), CX_ENOENT);
    assert_int_equal(cx_sim_l3_level(l3, 7, 100, NULL, NULL), CX_EINVAL);
    /* Capacity 3: a third order fits, a fourth does not; the state is unchanged. */
    assert_int_equal(cx_sim_l3_add(l3, 2, BID, 99, 1), 0);
    assert_int_equal(cx_sim_l3_add(l3, 3, BID, 98, 1), CX_ENOSPC);
    assert_int_equal(cx_sim_l3_add_ours(l3, 2, ASK, 98, 1), CX_ENOSPC);
    assert_int_equal(cx_sim_l3_replace(l3, 1, 2, 100, 1), CX_EEXIST); /* 2 is on the book */
    assert_int_equal(cx_sim_l3_replace(l3, 9, 3, 100, 1), CX_ENOENT);
    assert_int_equal(cx_sim_l3_replace(l3, 1, 3, 100, 0), CX_EINVAL);
    assert_int_equal(cx_sim_l3_replace(l3, 1, 3, 100, 1), 0); /* the freed slot is reused */
    expect_place(l3, 1, 0, 0, 1);                             /* order 3 went behind ours */
    expect_level(l3, BID, 100, 1, 1);
    /* Freed slots are reused many times over (no leak of nodes or levels). */
    for (uint64_t i = 100; i < 2100; i++) {
        assert_int_equal(cx_sim_l3_delete(l3, 2), 0);
        assert_int_equal(cx_sim_l3_add(l3, 2, i % 2 ? BID : ASK, (int64_t)i, 1), 0);
    }
    expect_level(l3, ASK, 2099, 0, 0);
    expect_level(l3, BID, 2099, 1, 1);
    cx_sim_l3_free(l3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ahead_cancels_and_adds_behind),
        cmocka_unit_test(test_ahead_executions),
        cmocka_unit_test(test_modifies),
        cmocka_unit_test(test_partial_fills_from_behind),
        cmocka_unit_test(test_through_and_sharing),
        cmocka_unit_test(test_through_then_behind),
        cmocka_unit_test(test_our_modifies),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
