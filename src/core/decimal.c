/* SPDX-License-Identifier: MIT */
/*
 * Exact decimal <-> int64 fixed point. One scanner serves both cx_dec_parse and
 * cx_dec_decimals: it accumulates the significant digits into a uint64 while counting trailing
 * zeros separately ("pending zeros"), so "61737.63000000" becomes 6173763 x 10^-2 without ever
 * multiplying the zeros in. The invariant after the scan is: value = sig * 10^(pending - frac +
 * e10) and, when sig != 0, sig's last digit is non-zero; so a negative shift to the target
 * exponent always means a lost non-zero digit (CX_EPRECISION), never a rounding choice.
 */
#include "cexarb/core.h"

#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <string.h>

static const uint64_t k_pow10_u64[20] = {
    1ull,
    10ull,
    100ull,
    1000ull,
    10000ull,
    100000ull,
    1000000ull,
    10000000ull,
    100000000ull,
    1000000000ull,
    10000000000ull,
    100000000000ull,
    1000000000000ull,
    10000000000000ull,
    100000000000000ull,
    1000000000000000ull,
    10000000000000000ull,
    100000000000000000ull,
    1000000000000000000ull,
    10000000000000000000ull,
};

int64_t cx_pow10_i64(int k)
{
    if (k < 0 || k > 18)
        return 0;
    return (int64_t)k_pow10_u64[k];
}

/* Result of scanning one number. */
struct dec_scan {
    bool neg;
    bool overflow;      /* sig did not fit in uint64 */
    uint64_t sig;       /* significant digits, last digit non-zero (or 0) */
    int64_t pow;        /* value = sig * 10^pow, valid when !overflow */
    int64_t last_nz;    /* power of ten of the last non-zero digit (for precision on overflow) */
    int64_t int_digits; /* digits before the point of the value, trailing zeros restored */
};

/* Scans the JSON-number grammar with leading zeros allowed. Returns 0 or CX_EPARSE. */
static int dec_scan(const char *s, size_t n, struct dec_scan *out)
{
    size_t i = 0;
    uint64_t sig = 0;
    int64_t pending = 0; /* zeros seen after the last non-zero digit, not yet in sig */
    int64_t frac = 0;    /* digits seen after the point */
    int64_t nsig_digits = 0;
    int64_t int_len = 0; /* digits before the point, leading zeros excluded */
    int64_t last_nz_frac = 0;
    bool overflow = false, any_digit = false, seen_nz = false;

    memset(out, 0, sizeof *out);
    if (n > 0 && s[0] == '-') {
        out->neg = true;
        i++;
    }
    /* Integer part: at least one digit. */
    size_t start = i;
    for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
        unsigned d = (unsigned)(s[i] - '0');
        any_digit = true;
        if (seen_nz)
            int_len++;
        if (d == 0) {
            if (seen_nz)
                pending++;
            continue;
        }
        if (!seen_nz) {
            int_len = 1;
            seen_nz = true;
        }
        if (!overflow) {
            uint64_t t;
            if (pending + 1 > 19 || __builtin_mul_overflow(sig, k_pow10_u64[pending + 1], &t) ||
                __builtin_add_overflow(t, (uint64_t)d, &sig))
                overflow = true;
        }
        nsig_digits += pending + 1;
        pending = 0;
        last_nz_frac = 0;
    }
    if (i == start)
        return CX_EPARSE;
    if (i < n && s[i] == '.') {
        i++;
        size_t fstart = i;
        for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
            unsigned d = (unsigned)(s[i] - '0');
            frac++;
            if (d == 0) {
                if (seen_nz)
                    pending++;
                continue;
            }
            if (!overflow) {
                uint64_t t;
                int64_t mul = seen_nz ? pending + 1 : 1;
                if (mul > 19 || __builtin_mul_overflow(sig, k_pow10_u64[mul], &t) ||
                    __builtin_add_overflow(t, (uint64_t)d, &sig))
                    overflow = true;
            }
            seen_nz = true;
            pending = 0;
            last_nz_frac = frac;
        }
        if (i == fstart)
            return CX_EPARSE;
    }
    int64_t e10 = 0;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        bool eneg = false;
        if (i < n && (s[i] == '+' || s[i] == '-')) {
            eneg = s[i] == '-';
            i++;
        }
        size_t estart = i;
        for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
            if (e10 < 100000) /* clamp: anything this large is out of range anyway */
                e10 = e10 * 10 + (s[i] - '0');
        }
        if (i == estart)
            return CX_EPARSE;
        if (eneg)
            e10 = -e10;
    }
    if (i != n || !any_digit)
        return CX_EPARSE;
    (void)nsig_digits;
    out->overflow = overflow;
    out->sig = seen_nz ? sig : 0;
    out->pow = pending - frac + e10;
    out->last_nz = -last_nz_frac + e10;
    if (!seen_nz) {
        out->pow = 0;
        out->last_nz = 0;
        out->int_digits = 0;
    } else {
        /* Integer digits of the value: digits before the point shifted by the exponent. */
        int64_t id = int_len + e10;
        out->int_digits = id > 0 ? id : 0;
    }
    return 0;
}

/*
 * Fast path for the common wire spelling `-?digits(.digits)?` with at most 19 digits and no
 * exponent ("61737.63000000"): one pass, one multiply or one division. Returns 1 when it
 * decided (result in *rc / *out), 0 when the general scanner must handle the input (exponent,
 * more digits, or anything unusual), so both paths accept exactly the same language.
 */
static int dec_parse_fast(const char *s, size_t n, int exp, int64_t *out, int *rc)
{
    size_t i = 0;
    bool neg = false;
    if (n > 0 && s[0] == '-') {
        neg = true;
        i = 1;
    }
    uint64_t m = 0;
    int int_digits = 0, frac = -1;
    for (; i < n; i++) {
        unsigned d = (unsigned)(unsigned char)s[i] - '0';
        if (d < 10) {
            m = m * 10 + d;
            if (frac < 0)
                int_digits++;
            else
                frac++;
        } else if (s[i] == '.' && frac < 0) {
            frac = 0;
        } else {
            return 0;
        }
    }
    int digits = int_digits + (frac > 0 ? frac : 0);
    if (int_digits == 0 || frac == 0 || digits > 19)
        return 0;
    int shift = -(frac > 0 ? frac : 0) - exp; /* value = m * 10^-frac = mantissa * 10^exp */
    uint64_t mag;
    if (shift >= 0) {
        if (shift > 19 || __builtin_mul_overflow(m, k_pow10_u64[shift], &mag))
            return m == 0 ? (*out = 0, *rc = 0, 1) : 0;
    } else {
        if (-shift > 19)
            return 0;
        uint64_t p = k_pow10_u64[-shift];
        if (m % p != 0) {
            *rc = CX_EPRECISION;
            return 1;
        }
        mag = m / p;
    }
    if (neg ? mag > (uint64_t)INT64_MAX + 1u : mag > (uint64_t)INT64_MAX)
        return 0; /* let the general path report the overflow */
    *out = neg ? (mag == (uint64_t)INT64_MAX + 1u ? INT64_MIN : -(int64_t)mag) : (int64_t)mag;
    *rc = 0;
    return 1;
}

int cx_dec_parse(const char *s, size_t n, int exp, int64_t *out_mantissa)
{
    if (s == NULL || out_mantissa == NULL || exp < CX_DEC_EXP_MIN || exp > CX_DEC_EXP_MAX)
        return CX_EINVAL;
    int64_t fast;
    int frc;
    if (dec_parse_fast(s, n, exp, &fast, &frc)) {
        if (frc == 0)
            *out_mantissa = fast;
        return frc;
    }
    struct dec_scan sc;
    int rc = dec_scan(s, n, &sc);
    if (rc != 0)
        return rc;
    if (sc.sig == 0 && !sc.overflow) {
        *out_mantissa = 0;
        return 0;
    }
    if (sc.overflow)
        return sc.last_nz < exp ? CX_EPRECISION : CX_EOVERFLOW;
    int64_t shift = sc.pow - exp;
    if (shift < 0)
        return CX_EPRECISION;
    if (shift > 19)
        return CX_EOVERFLOW;
    uint64_t mag;
    if (__builtin_mul_overflow(sc.sig, k_pow10_u64[shift], &mag))
        return CX_EOVERFLOW;
    if (sc.neg) {
        if (mag > (uint64_t)INT64_MAX + 1u)
            return CX_EOVERFLOW;
        *out_mantissa = mag == (uint64_t)INT64_MAX + 1u ? INT64_MIN : -(int64_t)mag;
    } else {
        if (mag > (uint64_t)INT64_MAX)
            return CX_EOVERFLOW;
        *out_mantissa = (int64_t)mag;
    }
    return 0;
}

int cx_dec_decimals(const char *s, size_t n, int *out_decimals, int *out_int_digits)
{
    if (s == NULL || out_decimals == NULL)
        return CX_EINVAL;
    struct dec_scan sc;
    int rc = dec_scan(s, n, &sc);
    if (rc != 0)
        return rc;
    int64_t d = sc.sig == 0 && !sc.overflow ? 0 : -sc.last_nz;
    if (!sc.overflow && sc.sig != 0)
        d = -sc.pow;
    if (d < 0)
        d = 0;
    *out_decimals = d > INT_MAX ? INT_MAX : (int)d;
    if (out_int_digits != NULL)
        *out_int_digits = sc.int_digits > INT_MAX ? INT_MAX : (int)sc.int_digits;
    return 0;
}

int cx_dec_format(int64_t mantissa, int exp, unsigned flags, char *buf, size_t cap)
{
    if (buf == NULL || exp < CX_DEC_EXP_MIN || exp > CX_DEC_EXP_MAX)
        return CX_EINVAL;
    char tmp[64];
    size_t len = 0;
    bool neg = mantissa < 0;
    uint64_t u = neg ? (uint64_t)0 - (uint64_t)mantissa : (uint64_t)mantissa;
    char digits[24];
    int nd = 0;
    do {
        digits[nd++] = (char)('0' + (u % 10));
        u /= 10;
    } while (u != 0);
    if (neg)
        tmp[len++] = '-';
    if (exp >= 0) {
        bool zero = nd == 1 && digits[0] == '0';
        while (nd > 0)
            tmp[len++] = digits[--nd];
        if (!zero)
            for (int k = 0; k < exp; k++)
                tmp[len++] = '0';
    } else {
        int dec = -exp;
        /* digits[] is little-endian; pad with zeros so there is at least one integer digit. */
        while (nd < dec + 1)
            digits[nd++] = '0';
        for (int k = nd - 1; k >= dec; k--)
            tmp[len++] = digits[k];
        int last = 0; /* lowest fractional position to print */
        if (flags & CX_DEC_TRIM) {
            while (last < dec && digits[last] == '0')
                last++;
        }
        if (last < dec) {
            tmp[len++] = '.';
            for (int k = dec - 1; k >= last; k--)
                tmp[len++] = digits[k];
        }
    }
    if (len == 2 && tmp[0] == '-' && tmp[1] == '0')
        len = 1, tmp[0] = '0'; /* never print "-0" */
    if (len + 1 > cap)
        return CX_ENOSPC;
    memcpy(buf, tmp, len);
    buf[len] = '\0';
    return (int)len;
}

int cx_dec_rescale(int64_t mantissa, int from_exp, int to_exp, int64_t *out_mantissa)
{
    if (out_mantissa == NULL || from_exp < CX_DEC_EXP_MIN || from_exp > CX_DEC_EXP_MAX ||
        to_exp < CX_DEC_EXP_MIN || to_exp > CX_DEC_EXP_MAX)
        return CX_EINVAL;
    if (from_exp == to_exp) {
        *out_mantissa = mantissa;
        return 0;
    }
    if (to_exp < from_exp) { /* finer: multiply */
        int k = from_exp - to_exp;
        int64_t r;
        if (k > 18 || __builtin_mul_overflow(mantissa, (int64_t)k_pow10_u64[k], &r))
            return mantissa == 0 ? (*out_mantissa = 0, 0) : CX_EOVERFLOW;
        *out_mantissa = r;
        return 0;
    }
    int k = to_exp - from_exp;
    if (k > 18)
        return mantissa == 0 ? (*out_mantissa = 0, 0) : CX_EPRECISION;
    int64_t p = (int64_t)k_pow10_u64[k];
    if (mantissa % p != 0)
        return CX_EPRECISION;
    *out_mantissa = mantissa / p;
    return 0;
}

double cx_dec_to_double(int64_t mantissa, int exp)
{
    if (exp >= 0 && exp <= 18)
        return (double)mantissa * (double)k_pow10_u64[exp];
    if (exp < 0 && exp >= -19)
        return (double)mantissa / (double)k_pow10_u64[-exp];
    return (double)mantissa * pow(10.0, exp);
}
