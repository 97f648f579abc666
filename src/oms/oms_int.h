/* SPDX-License-Identifier: MIT */
/*
 * oms module internals: exact 128-bit money arithmetic shared by money.c, account.c and oms.c.
 *
 * Every money value is an int64 mantissa; products of two or three mantissas are formed as an
 * unsigned 128-bit magnitude plus a sign, checked for overflow at each multiplication, divided
 * with an explicit rounding mode, and only then narrowed back to int64 (|value| <= INT64_MAX;
 * INT64_MIN is never produced, so negation is always safe). Nothing here allocates or keeps
 * state; all functions are thread-safe.
 *
 * The average-cost position rule (cx__avgcost) lives here too, because the OMS positions and
 * the account perps must compute bit-identical numbers; docs/internals/oms.md derives it.
 */
#ifndef CEXARB_OMS_INT_H
#define CEXARB_OMS_INT_H

#include "cexarb/oms.h"

#include <stdint.h>

/** Rounding modes of cx__udiv / cx__value (all act on magnitudes, so they are symmetric). */
enum cx__round {
    CX__ROUND_EXACT = 0,     /* a non-zero remainder is CX_EPRECISION */
    CX__ROUND_HALF_AWAY = 1, /* round half away from zero */
    CX__ROUND_TRUNC = 2,     /* toward zero */
    CX__ROUND_UP = 3,        /* away from zero (ceiling of the magnitude) */
};

/** Largest power of ten that fits in an unsigned 128-bit integer (10^38 < 2^128 < 10^39). */
#define CX__POW10_U128_MAX 38

/** 10^k as unsigned 128-bit for k in 0..38 (0 for k out of range). */
unsigned __int128 cx__pow10_u128(int k);

/** a * b with overflow check. @return 0 and *out, or CX_EOVERFLOW. */
int cx__mul_u128(unsigned __int128 a, unsigned __int128 b, unsigned __int128 *out);

/**
 * num / den rounded by `mode` (enum cx__round); den must be > 0.
 * @return 0 and *out; CX_EPRECISION (CX__ROUND_EXACT with a remainder); CX_EINVAL (den 0).
 */
int cx__udiv(unsigned __int128 num, unsigned __int128 den, int mode, unsigned __int128 *out);

/**
 * Narrow a sign + magnitude to int64.
 * @return 0 and *out = neg ? -mag : mag; CX_EOVERFLOW when mag > INT64_MAX.
 */
int cx__narrow(unsigned __int128 mag, int neg, int64_t *out);

/** |v| of an int64 as unsigned 128 (defined for INT64_MIN too). */
static inline unsigned __int128 cx__mag(int64_t v)
{
    return v < 0 ? (unsigned __int128)(-(v + 1)) + 1u : (unsigned __int128)v;
}

/**
 * Quote value price_m * qty_m * multiplier at CX_NOTIONAL_EXP with rounding mode `mode`:
 * the engine of cx_notional (which allows only EXACT and HALF_AWAY). Signs are honoured, so a
 * negative qty_m gives a negative value. A zero multiplier means 1 (zeroed test instruments).
 * @return 0 and *out; CX_EPRECISION; CX_EOVERFLOW; CX_EINVAL (negative multiplier).
 */
int cx__value(const struct cx_instrument *inst, int64_t price_m, int64_t qty_m, int mode,
              int64_t *out);

/**
 * Price at price_exp of a quote value spread over a quantity: the inverse of cx__value,
 * price_m = value / (qty_m * multiplier) rescaled, rounded half away from zero. Used for
 * average entry prices. qty_m must be non-zero.
 * @return 0 and *out_price_m; CX_EINVAL (qty 0); CX_EOVERFLOW.
 */
int cx__price_of(const struct cx_instrument *inst, int64_t value, int64_t qty_m,
                 int64_t *out_price_m);

/** Outcome of one fill on an average-cost position (see cx__avgcost). */
struct cx__avgcost {
    int64_t qty_m;    /* signed position after the fill, at qty_exp */
    int64_t cost;     /* signed cost basis after the fill, quote @ CX_NOTIONAL_EXP */
    int64_t realized; /* PnL realized by this fill, quote @ CX_NOTIONAL_EXP */
    int64_t notional; /* |fill value| at CX_NOTIONAL_EXP (rounded half away from zero) */
    int opened;       /* 1 when the fill opened, increased or flipped the position */
    int flipped;      /* 1 when the fill closed the position and re-opened the other way */
};

/**
 * Average-cost accounting of one fill (pure function; nothing is written unless it returns 0).
 *
 * Let q be the signed position, C its signed cost (C has q's sign), s = +f for a buy of f and
 * -f for a sell, N the fill value rounded half away from zero, S = +N (buy) or -N (sell).
 *  - opening or increasing (q == 0 or sign(s) == sign(q)): C += S, nothing realized;
 *  - reducing (|s| <= |q|): R = trunc(C * |s| / |q|) leaves the cost; realized = -(S + R);
 *    a full close has R = C exactly, so no cost residue survives a flat position;
 *  - flipping (|s| > |q|): the closing part is valued on its own, S_close = sign(S) *
 *    round(value(price, |q|)), realized = -(S_close + C); the rest opens at S - S_close.
 * Invariant (exact, for every sequence of fills): cost - realized == sum of S over the fills.
 * @return 0 and *out; CX_EOVERFLOW; CX_EINVAL (qty <= 0, bad side).
 */
int cx__avgcost(const struct cx_instrument *inst, int64_t qty_m, int64_t cost, uint8_t side,
                int64_t price_m, int64_t fill_qty_m, struct cx__avgcost *out);

/** a + b with overflow check. @return 0 and *out, or CX_EOVERFLOW. */
static inline int cx__add(int64_t a, int64_t b, int64_t *out)
{
    if (__builtin_add_overflow(a, b, out) || *out == INT64_MIN)
        return CX_EOVERFLOW;
    return 0;
}

#endif /* CEXARB_OMS_INT_H */
