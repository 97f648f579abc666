/* SPDX-License-Identifier: MIT */
/*
 * Exact money arithmetic: notional (price x quantity x contract multiplier), fees, average
 * prices and the average-cost position rule. Values are int64 mantissas; intermediate products
 * are unsigned 128-bit magnitudes with a separate sign, checked for overflow at every step, so
 * the only inexact operation is the one documented division of each function. Notional values
 * and fees are at CX_NOTIONAL_EXP (1e-8 quote units).
 */
#include "oms_int.h"

#include <limits.h>

/* ---------------------------------------------------------------------------------------------
 * MARK: 128-bit primitives
 * ------------------------------------------------------------------------------------------- */

/* All-ones unsigned 128-bit value (the maximum). */
#define CX__U128_MAX (~(unsigned __int128)0)

unsigned __int128 cx__pow10_u128(int k)
{
    if (k < 0 || k > CX__POW10_U128_MAX)
        return 0;
    unsigned __int128 p = 1;
    for (int i = 0; i < k; i++)
        p *= 10u;
    return p;
}

int cx__mul_u128(unsigned __int128 a, unsigned __int128 b, unsigned __int128 *out)
{
    if (a != 0 && b > CX__U128_MAX / a)
        return CX_EOVERFLOW;
    *out = a * b;
    return 0;
}

int cx__udiv(unsigned __int128 num, unsigned __int128 den, int mode, unsigned __int128 *out)
{
    if (den == 0)
        return CX_EINVAL;
    unsigned __int128 q = num / den;
    unsigned __int128 r = num % den;
    if (r != 0) {
        switch (mode) {
        case CX__ROUND_EXACT:
            return CX_EPRECISION;
        case CX__ROUND_HALF_AWAY:
            /* r >= den - r is 2r >= den without overflowing 2r. */
            if (r >= den - r)
                q++;
            break;
        case CX__ROUND_UP:
            q++;
            break;
        default: /* CX__ROUND_TRUNC */
            break;
        }
    }
    *out = q;
    return 0;
}

int cx__narrow(unsigned __int128 mag, int neg, int64_t *out)
{
    if (mag > (unsigned __int128)INT64_MAX)
        return CX_EOVERFLOW;
    *out = neg ? -(int64_t)mag : (int64_t)mag;
    return 0;
}

/*
 * mag * 10^shift (shift may be negative: a division rounded by mode), then narrowed with sign.
 * A division by more than 10^38 exceeds any 128-bit numerator: the quotient is 0 and the
 * remainder is mag itself, which is below half the divisor, so HALF_AWAY gives 0 as well.
 */
static int scale_narrow(unsigned __int128 mag, int neg, int shift, int mode, int64_t *out)
{
    unsigned __int128 q;
    if (shift >= 0) {
        if (shift > CX__POW10_U128_MAX) {
            if (mag != 0)
                return CX_EOVERFLOW;
            q = 0;
        } else if (cx__mul_u128(mag, cx__pow10_u128(shift), &q) != 0) {
            return CX_EOVERFLOW;
        }
    } else if (-shift > CX__POW10_U128_MAX) {
        if (mag != 0 && mode == CX__ROUND_EXACT)
            return CX_EPRECISION;
        q = (mag != 0 && mode == CX__ROUND_UP) ? 1 : 0;
    } else {
        int rc = cx__udiv(mag, cx__pow10_u128(-shift), mode, &q);
        if (rc != 0)
            return rc;
    }
    return cx__narrow(q, neg, out);
}

/* ---------------------------------------------------------------------------------------------
 * MARK: notional and fees
 * ------------------------------------------------------------------------------------------- */

/* Multiplier mantissa of an instrument (0 means 1, see cx__value); -1 for an invalid one. */
static int multiplier_of(const struct cx_instrument *inst, int64_t *out_mult, int *out_exp)
{
    if (inst->multiplier < 0)
        return CX_EINVAL;
    if (inst->multiplier == 0) {
        *out_mult = 1;
        *out_exp = 0;
    } else {
        *out_mult = inst->multiplier;
        *out_exp = inst->multiplier_exp;
    }
    return 0;
}

int cx__value(const struct cx_instrument *inst, int64_t price_m, int64_t qty_m, int mode,
              int64_t *out)
{
    int64_t mult;
    int mult_exp;
    if (multiplier_of(inst, &mult, &mult_exp) != 0)
        return CX_EINVAL;
    /* |price| and |qty| are <= 2^63 each, so their product (<= 2^126) cannot overflow. */
    unsigned __int128 mag = cx__mag(price_m) * cx__mag(qty_m);
    if (cx__mul_u128(mag, (unsigned __int128)mult, &mag) != 0)
        return CX_EOVERFLOW;
    int neg = (price_m < 0) != (qty_m < 0);
    int shift = inst->price_exp + inst->qty_exp + mult_exp - CX_NOTIONAL_EXP;
    return scale_narrow(mag, neg && mag != 0, shift, mode, out);
}

int cx__price_of(const struct cx_instrument *inst, int64_t value, int64_t qty_m,
                 int64_t *out_price_m)
{
    int64_t mult;
    int mult_exp;
    if (qty_m == 0 || multiplier_of(inst, &mult, &mult_exp) != 0)
        return CX_EINVAL;
    /* value * 10^N = price * 10^P * qty * 10^Q * mult * 10^M, so
     * price = value * 10^(N - P - Q - M) / (qty * mult). */
    int k = CX_NOTIONAL_EXP - inst->price_exp - inst->qty_exp - mult_exp;
    unsigned __int128 num = cx__mag(value);
    unsigned __int128 den = cx__mag(qty_m) * (unsigned __int128)mult; /* <= 2^126 */
    if (k >= 0) {
        if (k > CX__POW10_U128_MAX || cx__mul_u128(num, cx__pow10_u128(k), &num) != 0)
            return CX_EOVERFLOW;
    } else if (-k > CX__POW10_U128_MAX || cx__mul_u128(den, cx__pow10_u128(-k), &den) != 0) {
        /* The divisor exceeds 2^128 > 2 * num: the price rounds to 0. */
        *out_price_m = 0;
        return 0;
    }
    unsigned __int128 q;
    int rc = cx__udiv(num, den, CX__ROUND_HALF_AWAY, &q);
    if (rc != 0)
        return rc;
    int64_t price;
    rc = cx__narrow(q, (value < 0) != (qty_m < 0) && q != 0, &price);
    if (rc != 0)
        return rc;
    *out_price_m = price;
    return 0;
}

int cx_notional(const struct cx_instrument *inst, int64_t price_m, int64_t qty_m, int rounding,
                int64_t *out)
{
    if (inst == NULL || out == NULL || (rounding != 0 && rounding != 1))
        return CX_EINVAL;
    int64_t v;
    int rc = cx__value(inst, price_m, qty_m, rounding ? CX__ROUND_HALF_AWAY : CX__ROUND_EXACT,
                       &v);
    if (rc != 0)
        return rc;
    *out = v;
    return 0;
}

/*
 * fee = notional * rate_ppb / 10^9, rounded half away from zero. |notional| < 2^63 and
 * |rate| < 2^63 give a product below 2^126, so only the final narrowing can overflow, which
 * needs |rate| > 100 %; it saturates instead (the signature has no error channel).
 */
int64_t cx_fee(int64_t notional, int64_t rate_ppb)
{
    unsigned __int128 mag = cx__mag(notional) * cx__mag(rate_ppb);
    unsigned __int128 q;
    (void)cx__udiv(mag, 1000000000u, CX__ROUND_HALF_AWAY, &q);
    int neg = (notional < 0) != (rate_ppb < 0);
    int64_t fee;
    if (cx__narrow(q, neg && q != 0, &fee) != 0)
        return neg ? -INT64_MAX : INT64_MAX;
    return fee;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: average-cost position rule
 * ------------------------------------------------------------------------------------------- */

int cx__avgcost(const struct cx_instrument *inst, int64_t qty_m, int64_t cost, uint8_t side,
                int64_t price_m, int64_t fill_qty_m, struct cx__avgcost *out)
{
    if (fill_qty_m <= 0 || (side != CX_SIDE_BID && side != CX_SIDE_ASK))
        return CX_EINVAL;
    int64_t n;
    int rc = cx__value(inst, price_m, fill_qty_m, CX__ROUND_HALF_AWAY, &n);
    if (rc != 0)
        return rc;
    if (n < 0)
        return CX_EINVAL; /* negative price */
    int buy = side == CX_SIDE_BID;
    int64_t s = buy ? fill_qty_m : -fill_qty_m; /* signed fill quantity */
    int64_t sn = buy ? n : -n;                  /* signed fill value S */
    struct cx__avgcost r = {0};
    r.notional = n;
    if (cx__add(qty_m, s, &r.qty_m) != 0)
        return CX_EOVERFLOW;

    if (qty_m == 0 || (qty_m > 0) == buy) {
        /* Opening or increasing: the whole fill value joins the cost basis. */
        if (cx__add(cost, sn, &r.cost) != 0)
            return CX_EOVERFLOW;
        r.opened = 1;
    } else if (cx__mag(s) <= cx__mag(qty_m)) {
        /* Reducing: remove the closed share of the cost, truncated toward zero so that the
         * remainder of the division stays in the open cost and a full close removes it all. */
        unsigned __int128 rmag;
        (void)cx__udiv(cx__mag(cost) * cx__mag(s), cx__mag(qty_m), CX__ROUND_TRUNC, &rmag);
        int64_t removed = cost < 0 ? -(int64_t)rmag : (int64_t)rmag; /* |R| <= |C| */
        r.cost = cost - removed;
        __int128 realized = -((__int128)sn + removed);
        if (realized > INT64_MAX || realized < -INT64_MAX)
            return CX_EOVERFLOW;
        r.realized = (int64_t)realized;
    } else {
        /* Flipping: close |q| at the fill price, then open the rest at the fill price. The two
         * parts add up to the fill value exactly, whatever the rounding of either. */
        int64_t close_n;
        rc = cx__value(inst, price_m, qty_m < 0 ? -qty_m : qty_m, CX__ROUND_HALF_AWAY, &close_n);
        if (rc != 0)
            return rc;
        int64_t s_close = buy ? close_n : -close_n;
        __int128 realized = -((__int128)s_close + cost);
        if (realized > INT64_MAX || realized < -INT64_MAX)
            return CX_EOVERFLOW;
        r.realized = (int64_t)realized;
        r.cost = sn - s_close; /* |S_close| <= |S| by monotonic rounding: same sign as S */
        r.opened = 1;
        r.flipped = 1;
    }
    *out = r;
    return 0;
}
