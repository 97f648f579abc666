/* SPDX-License-Identifier: MIT */
/*
 * Depth analytics on the fast book: walking one side for a quantity or a quote notional (VWAP,
 * worst price, impact against mid) and the quantity resting within N basis points of mid.
 *
 * Quantities and notionals are exact while walking: a level's notional is the 128-bit product
 * of its price and quantity mantissas (at exponent price_exp + qty_exp), and only the final
 * results are converted to double (through long double) for the analytics fields. Prices are
 * never derived from the doubles. mid = (best bid + best ask) / 2.
 */
#include "book_int.h"

#include <math.h>
#include <string.h>

__extension__ typedef __int128 cx__i128;

/* 10^e as a long double for e in [-36, 36]. 10^k is exact in long double for k <= 27. */
static long double pow10_ld(int e)
{
    long double p = 1.0L;
    int k = e < 0 ? -e : e;

    while (k-- > 0)
        p *= 10.0L;
    return e < 0 ? 1.0L / p : p;
}

/* value_m * 10^e, dividing by an exact power of ten for negative e (one rounding). */
static long double scale_ld(long double value_m, int e)
{
    return e < 0 ? value_m / pow10_ld(-e) : value_m * pow10_ld(e);
}

/* Mid price in price units, or 0 when a side is empty. */
static long double mid_price(const struct cx_book *b, int price_exp)
{
    const struct cx__book_side *bid = &b->side[CX_SIDE_BID];
    const struct cx__book_side *ask = &b->side[CX_SIDE_ASK];

    if (cx__book_count(bid) == 0 || cx__book_count(ask) == 0)
        return 0.0L;
    cx__i128 sum = (cx__i128)cx__book_best(bid).key + (cx__i128)~cx__book_best(ask).key;
    return scale_ld((long double)sum / 2.0L, price_exp);
}

/* Fill the double fields from the exact totals. */
static void walk_finish(const struct cx_book *b, struct cx_book_walk *w, cx__i128 notional_m,
                        int price_exp, int qty_exp)
{
    w->notional = 0.0;
    w->vwap = 0.0;
    w->impact_bps = 0.0;
    if (w->filled_qty_m == 0)
        return;
    w->notional = (double)scale_ld((long double)notional_m, price_exp + qty_exp);
    long double vwap = scale_ld((long double)notional_m / (long double)w->filled_qty_m, price_exp);
    w->vwap = (double)vwap;
    long double mid = mid_price(b, price_exp);
    if (mid > 0.0L)
        w->impact_bps = (double)(fabsl(vwap - mid) / mid * 10000.0L);
}

int cx_book_walk_qty(const struct cx_book *b, enum cx_side taker_side, int64_t qty_m,
                     int price_exp, int qty_exp, struct cx_book_walk *out)
{
    if (b == NULL || out == NULL || qty_m <= 0 || (unsigned)taker_side > CX_SIDE_ASK)
        return CX_EINVAL;
    /* A buyer (bid) takes asks, a seller takes bids. */
    unsigned s = taker_side == CX_SIDE_BID ? CX_SIDE_ASK : CX_SIDE_BID;
    const struct cx__book_side *side = &b->side[s];
    struct cx_book_walk w;
    cx__i128 notional_m = 0; /* |sum| <= max|price| * qty_m < 2^126: no overflow */
    int64_t left = qty_m;

    struct cx__book_iter it;
    struct cx__book_level lv;

    memset(&w, 0, sizeof w);
    cx__book_iter_init(&it, side);
    while (left > 0 && cx__book_iter_next(&it, &lv)) {
        int64_t take = lv.qty_m < left ? lv.qty_m : left;
        int64_t price_m = cx__book_key_price(s, lv.key);
        if (take <= 0)
            break; /* never stored; defensive against a negative quantity from bad data */
        notional_m += (cx__i128)price_m * take;
        left -= take;
        w.filled_qty_m += take;
        w.worst_price_m = price_m;
        w.levels++;
    }
    w.complete = left == 0;
    walk_finish(b, &w, notional_m, price_exp, qty_exp);
    *out = w;
    return 0;
}

/*
 * The notional target is converted once to an exact mantissa at exponent price_exp + qty_exp.
 * A double rarely holds a decimal amount exactly (250.3 is 250.29999...), so a target within
 * 1e-12 relative of a whole mantissa is snapped to it; otherwise it is rounded down. Targets
 * beyond 2^120 (far more than any book holds) are clamped. The walk then stays in integers: a
 * level is taken whole while its notional fits, the last one partially with
 * floor(remaining / price) quantity units, so the fill never exceeds the target. complete is
 * true when the walk stopped because the target was used up (even when the rounded-down last
 * piece is 0 units), false when the side ran out. Levels with a price <= 0 stop the walk
 * (they cannot be valued); a filled quantity that would pass INT64_MAX stops it too.
 */
int cx_book_walk_notional(const struct cx_book *b, enum cx_side taker_side, double notional,
                          int price_exp, int qty_exp, struct cx_book_walk *out)
{
    if (b == NULL || out == NULL || !(notional > 0.0) || isinf(notional) ||
        (unsigned)taker_side > CX_SIDE_ASK)
        return CX_EINVAL;
    unsigned s = taker_side == CX_SIDE_BID ? CX_SIDE_ASK : CX_SIDE_BID;
    const struct cx__book_side *side = &b->side[s];
    struct cx_book_walk w;
    long double target = scale_ld((long double)notional, -(price_exp + qty_exp));
    long double whole = roundl(target);
    const long double cap = 1329227995784915872903807060280344576.0L; /* 2^120 */
    cx__i128 left;
    cx__i128 notional_m = 0;

    if (fabsl(target - whole) <= target * 1e-12L)
        target = whole;
    else
        target = floorl(target);
    left = target > cap ? (cx__i128)cap : (cx__i128)target;

    struct cx__book_iter it;
    struct cx__book_level lv;

    memset(&w, 0, sizeof w);
    cx__book_iter_init(&it, side);
    while (left > 0 && cx__book_iter_next(&it, &lv)) {
        int64_t price_m = cx__book_key_price(s, lv.key);
        int64_t take = lv.qty_m;
        if (price_m <= 0 || take <= 0)
            break;
        cx__i128 level_m = (cx__i128)price_m * take;
        bool is_last = level_m > left;
        if (is_last)
            take = (int64_t)(left / price_m); /* < lv.qty_m, so it fits */
        if (take > INT64_MAX - w.filled_qty_m)
            break;
        if (take > 0) {
            cx__i128 piece_m = (cx__i128)price_m * take;
            notional_m += piece_m;
            left -= piece_m;
            w.filled_qty_m += take;
            w.worst_price_m = price_m;
            w.levels++;
        }
        if (is_last) {
            w.complete = true;
            break;
        }
    }
    if (left == 0)
        w.complete = true;
    walk_finish(b, &w, notional_m, price_exp, qty_exp);
    *out = w;
    return 0;
}

/*
 * Bids count when price >= mid * (1 - bps/1e4), asks when price <= mid * (1 + bps/1e4), both
 * inclusive. Compared as 2 * price * 1e4 against (bid + ask) * (1e4 -/+ bps) in long double, so
 * whole and half bps on ordinary prices compare exactly at the edge. Returns CX_EINVAL for a
 * negative or NaN bps (not listed in book.h yet). The sum saturates at INT64_MAX.
 */
int cx_book_depth_within_bps(const struct cx_book *b, enum cx_side side, double bps,
                             int64_t *out_qty_m)
{
    if (b == NULL || out_qty_m == NULL || !(bps >= 0.0) || (unsigned)side > CX_SIDE_ASK)
        return CX_EINVAL;
    const struct cx__book_side *bid = &b->side[CX_SIDE_BID];
    const struct cx__book_side *ask = &b->side[CX_SIDE_ASK];
    if (cx__book_count(bid) == 0 || cx__book_count(ask) == 0)
        return CX_ESTATE;

    cx__i128 mid2 = (cx__i128)cx__book_best(bid).key + (cx__i128)~cx__book_best(ask).key;
    long double bound = (long double)mid2 * (side == CX_SIDE_BID ? 10000.0L - (long double)bps
                                                                 : 10000.0L + (long double)bps);
    const struct cx__book_side *sd = &b->side[side];
    int64_t sum = 0;
    struct cx__book_iter it;
    struct cx__book_level lv;

    cx__book_iter_init(&it, sd);
    while (cx__book_iter_next(&it, &lv)) {
        long double px2 = (long double)cx__book_key_price((unsigned)side, lv.key) * 20000.0L;
        if (side == CX_SIDE_BID ? px2 < bound : px2 > bound)
            break;
        sum = lv.qty_m > INT64_MAX - sum ? INT64_MAX : sum + lv.qty_m;
    }
    *out_qty_m = sum;
    return 0;
}
