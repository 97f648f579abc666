/* SPDX-License-Identifier: MIT */
/*
 * store module internals shared by its files: a fixed-capacity CSV line builder used by the
 * writers, and the exact average-price division shared by orders.csv and positions.csv.
 * Private to src/store (STYLE.md A.2); nothing here is part of the public API.
 */
#ifndef CX_STORE_INT_H
#define CX_STORE_INT_H

#include "cexarb/store.h"

#include <stddef.h>
#include <stdint.h>

/* Longest line any writer produces: 21 orders.csv fields of at most 48 bytes plus a symbol is
 * about 1.1 KiB; 2 KiB leaves room. The reader accepts lines up to CX__STORE_LINE_MAX. */
#define CX__STORE_ROW_CAP 2048
#define CX__STORE_LINE_MAX 4096

/* A CSV line being built. `overflow` is set (and later appends ignored) when it would not fit. */
struct cx__store_line {
    char buf[CX__STORE_ROW_CAP]; /* the text, not NUL-terminated until cx__line_end */
    size_t len;                  /* bytes used */
    int overflow;                /* 1 when something did not fit */
};

void cx__line_reset(struct cx__store_line *ln);
/* Appends a separator first unless the line is empty. */
void cx__line_str(struct cx__store_line *ln, const char *s);
void cx__line_i64(struct cx__store_line *ln, int64_t v);
void cx__line_u64(struct cx__store_line *ln, uint64_t v);
/* mantissa at exp, CX_DEC_FIXED (exactly -exp decimals). */
void cx__line_dec(struct cx__store_line *ln, int64_t mantissa, int exp);
/* Terminates with '\n'; returns 0 or CX_ENOSPC when the line overflowed. */
int cx__line_end(struct cx__store_line *ln);

/*
 * Average price of `notional` (quote @ CX_NOTIONAL_EXP, signed) over `qty_m` (signed, at the
 * instrument's qty_exp) at the instrument's price_exp, using its multiplier:
 *   avg = |notional| * 10^-8 / (|qty| * 10^qty_exp * mult * 10^mult_exp) / 10^price_exp,
 * computed in 128-bit integers and rounded half away from zero. qty_m == 0 gives 0.
 * Returns 0 or CX_EOVERFLOW.
 */
int cx__store_avg_price(const struct cx_instrument *inst, int64_t notional, int64_t qty_m,
                        int64_t *out_price_m);

/* Fee-asset spelling of an instrument: its quote asset, or "quote" when unknown. */
const char *cx__store_fee_asset(const struct cx_instrument *inst);

/* Whether a string is safe as an unquoted CSV field (no ',', '"', CR, LF; not empty). */
int cx__store_csv_safe(const char *s);

#endif /* CX_STORE_INT_H */
