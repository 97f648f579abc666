/* SPDX-License-Identifier: MIT */
/*
 * cexarb core: error codes, parse-error reports and exact decimal fixed point.
 *
 * Every fallible function in cexarb returns int: 0 on success, a negative CX_E* code on failure
 * (errno values are mapped to their negatives, as libuv does). The codes come from one X-macro
 * table, CX_ERRNO_MAP, which also generates cx_err_name() and cx_strerror().
 *
 * Prices and quantities are int64 mantissas at a decimal exponent: value = mantissa * 10^exp.
 * Wire strings are converted exactly, once; a value that does not fit the exponent (more
 * significant decimals than it allows) or overflows int64 is reported, never rounded.
 */
#ifndef CEXARB_CORE_H
#define CEXARB_CORE_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------------
 * MARK: error codes
 * ------------------------------------------------------------------------------------------- */

/* Threads: thread-safe, may be called from any thread: the name and message lookups read static
 * tables, and cx_parse_err_set / cx_parse_err_format touch only the report they are given (one
 * report must not be written by two threads at once). Never block, never allocate. */

/* X(name, value, message). System errors reuse -errno; project errors start at -4000. */
#define CX_ERRNO_MAP(X)                                                                        \
    X(EINVAL, -EINVAL, "invalid argument")                                                     \
    X(ENOMEM, -ENOMEM, "out of memory")                                                        \
    X(EAGAIN, -EAGAIN, "need more data")                                                       \
    X(ENOENT, -ENOENT, "no such file or item")                                                 \
    X(EIO, -EIO, "input/output error")                                                         \
    X(ERANGE, -ERANGE, "value out of the allowed range")                                       \
    X(EOVERFLOW, -EOVERFLOW, "value does not fit in a 64-bit mantissa")                        \
    X(EEXIST, -EEXIST, "already exists")                                                       \
    X(ENOSPC, -ENOSPC, "fixed capacity exhausted")                                             \
    X(ENOTSUP, -ENOTSUP, "not supported")                                                      \
    X(EPRECISION, -4001, "more significant decimals than the exponent allows")                 \
    X(EPARSE, -4002, "malformed input")                                                        \
    X(ETYPE, -4003, "unexpected JSON type")                                                    \
    X(ETRUNC, -4004, "truncated input")                                                        \
    X(EGZIP, -4005, "corrupt compressed data")                                                 \
    X(ESTREAM, -4006, "unknown stream or channel")                                             \
    X(ETIME, -4007, "timestamp went backwards")                                                \
    X(EGAP, -4008, "sequence gap")                                                             \
    X(ECROSSED, -4009, "crossed book")                                                         \
    X(ESTALE, -4010, "book is stale")                                                          \
    X(ESTATE, -4011, "operation not allowed in this state")                                    \
    X(ECONFIG, -4012, "invalid configuration")                                                 \
    X(ESYMBOL, -4013, "unknown instrument")                                                    \
    X(EMISSING, -4014, "required field missing")

enum cx_err {
#define CX__ERR_ENUM(name, value, msg) CX_##name = (value),
    CX_ERRNO_MAP(CX__ERR_ENUM)
#undef CX__ERR_ENUM
};

/**
 * Short symbolic name of an error code ("CX_EPARSE").
 * @param code  a CX_E* code (negative) or 0.
 * @return a static string; "CX_OK" for 0 and "CX_E?" for an unknown code. Never NULL.
 * Thread-safe, never allocates, O(number of codes).
 */
const char *cx_err_name(int code);

/**
 * Human-readable message for an error code ("malformed input").
 * @param code  a CX_E* code (negative) or 0.
 * @return a static string, never NULL ("success" for 0, "unknown error" otherwise).
 * Thread-safe, never allocates.
 */
const char *cx_strerror(int code);

/**
 * Where and why a parser failed. Filled by parsers of exchange JSON, capture files and config.
 * `msg` is a static string and is never freed; `file` is borrowed from the caller (the path it
 * passed in) and lives as long as the caller keeps it. `detail` is a short copy of the offending
 * token or name, NUL-terminated, possibly truncated.
 */
struct cx_parse_err {
    int code;            /* CX_E* code, 0 when no error was recorded */
    const char *msg;     /* static description of what was wrong */
    const char *file;    /* borrowed path or "<memory>", may be NULL */
    int64_t line;        /* 1-based line number, 0 when not applicable */
    int32_t col;         /* 1-based column (byte offset in line + 1), 0 when unknown */
    char detail[80];     /* offending token/name, NUL-terminated */
};

/**
 * Record an error in `err` (no-op when err is NULL).
 * @param err     out, may be NULL.
 * @param code    CX_E* code.
 * @param msg     static string (retained, never freed).
 * @param detail  borrowed bytes copied (truncated to fit), may be NULL.
 * @param detail_len  length of detail in bytes.
 * Leaves file/line/col as they were so callers can fill them before or after.
 * @return code, so `return cx_parse_err_set(err, CX_EPARSE, "...", p, n);` reads naturally.
 */
int cx_parse_err_set(struct cx_parse_err *err, int code, const char *msg, const char *detail,
                     size_t detail_len);

/**
 * Format an error as "file:line:col: message (code): detail" into buf. Parts that say nothing
 * are left out: the location without a file (or "line L, column C: " when only those are
 * known), the code when it is 0, ": detail" when the detail is empty; an empty message is
 * replaced by cx_strerror(code).
 * @param err  borrowed, must not be NULL.
 * @param buf  out buffer of `cap` bytes; always NUL-terminated when cap > 0.
 * @return the number of bytes written (excluding NUL), truncated to cap-1.
 * Thread-safe, never allocates.
 */
size_t cx_parse_err_format(const struct cx_parse_err *err, char *buf, size_t cap);

/* ---------------------------------------------------------------------------------------------
 * MARK: exact decimal fixed point
 * ------------------------------------------------------------------------------------------- */

/* Threads: pure functions (no state, no locale): thread-safe, may be called from any thread;
 * never block, never allocate. */

/** Exponents accepted by the decimal functions: value = mantissa * 10^exp. */
#define CX_DEC_EXP_MIN (-18)
#define CX_DEC_EXP_MAX 18

/** cx_dec_format flags. */
#define CX_DEC_FIXED 0u /* exactly -exp decimals ("61737.63000000" at exp -8) */
#define CX_DEC_TRIM 1u  /* no trailing zeros and no trailing '.' ("61737.63", "100", "0") */

/**
 * Parse a decimal string or JSON number exactly into a mantissa at exponent `exp`.
 *
 * Accepts `-?digits[.digits][(e|E)[+-]digits]` and `-?.digits`-free JSON forms such as
 * "61737.63000000", "0", "1e-5", "0.000012345", "1.000000000000000000000000000000". Any
 * number of leading zeros and trailing zeros is accepted; "-0" gives 0.
 *
 * @param s    borrowed bytes (not NUL-terminated), `n` bytes long.
 * @param exp  decimal exponent of the result, CX_DEC_EXP_MIN..CX_DEC_EXP_MAX.
 * @param out_mantissa  written only on success.
 * @return 0; CX_EPARSE for anything that is not a number (empty, "+1", "1.", ".5", "1e",
 *         spaces, a second '.'); CX_EPRECISION when the value has a non-zero digit below
 *         10^exp (it is never rounded); CX_EOVERFLOW when the mantissa exceeds int64;
 *         CX_EINVAL for an exponent out of range or NULL pointers.
 * Thread-safe, never allocates, O(n).
 * @code
 *   int64_t px;
 *   cx_dec_parse("61737.63000000", 14, -2, &px);   // px == 6173763
 *   cx_dec_parse("0.000012345", 11, -5, &px);      // CX_EPRECISION
 * @endcode
 */
int cx_dec_parse(const char *s, size_t n, int exp, int64_t *out_mantissa);

/**
 * Count the significant decimals of a decimal string: the smallest d >= 0 such that the value is a
 * multiple of 10^-d (trailing zeros do not count; exponents are applied). "61737.63000000" -> 2,
 * "100" -> 0, "1e-5" -> 5, "1.5e3" -> 0, "0" -> 0. Used to infer exponents from data.
 * @param s  borrowed bytes, `n` long.
 * @param out_decimals  written on success; never negative ("1e3" and "100" give 0).
 * @param out_int_digits  optional (may be NULL): digits before the decimal point of the value
 *        with trailing zeros restored ("61737.63" -> 5, "0.001" -> 0, "1e3" -> 4).
 * @return 0 or CX_EPARSE (same grammar as cx_dec_parse).
 * Thread-safe, never allocates, O(n).
 */
int cx_dec_decimals(const char *s, size_t n, int *out_decimals, int *out_int_digits);

/**
 * Format a mantissa at exponent `exp` as a decimal string.
 * @param mantissa  value * 10^-exp.
 * @param exp       CX_DEC_EXP_MIN..CX_DEC_EXP_MAX.
 * @param flags     CX_DEC_FIXED or CX_DEC_TRIM.
 * @param buf       out, `cap` bytes; NUL-terminated on success. 48 bytes always suffice.
 * @return the string length (excluding NUL) on success; CX_ENOSPC when cap is too small;
 *         CX_EINVAL for a bad exponent or NULL buf.
 * Thread-safe, never allocates.
 */
int cx_dec_format(int64_t mantissa, int exp, unsigned flags, char *buf, size_t cap);

/**
 * Re-express a mantissa at another exponent: exact or an error.
 * @return 0; CX_EPRECISION when going coarser would drop a non-zero digit; CX_EOVERFLOW when
 *         going finer overflows; CX_EINVAL for exponents out of range or NULL out.
 */
int cx_dec_rescale(int64_t mantissa, int from_exp, int to_exp, int64_t *out_mantissa);

/** 10^k for k in 0..18 as int64 (returns 0 for k out of range). */
int64_t cx_pow10_i64(int k);

/** mantissa * 10^exp as a double, for analytics only (never for prices sent back). */
double cx_dec_to_double(int64_t mantissa, int exp);

/* ---------------------------------------------------------------------------------------------
 * MARK: time
 * ------------------------------------------------------------------------------------------- */

/* Threads: thread-safe, may be called from any thread: cx_time_mono_ns reads CLOCK_MONOTONIC
 * (clock_gettime), the others are pure. Never block, never allocate. */

#define CX_NS_PER_US INT64_C(1000)
#define CX_NS_PER_MS INT64_C(1000000)
#define CX_NS_PER_S INT64_C(1000000000)

/** Monotonic clock in ns (CLOCK_MONOTONIC), for measuring intervals. Never for strategies. */
int64_t cx_time_mono_ns(void);

/**
 * Parse a UTC date and time "YYYY-MM-DD HH:MM:SS[.F]" (F: 1 to 9 digits) exactly into ns since
 * the Unix epoch, with integer calendar arithmetic (Hinnant's days_from_civil; no time zone, no
 * leap seconds). Used by configuration files (backtest.funding.first) and the funding-rate files.
 * @param s       borrowed bytes, `n` long (not NUL-terminated).
 * @param out_ns  written only on success.
 * @param err     optional: on failure code, a static msg, detail = the text (truncated), line 0
 *                and col = 1-based offset of the offending byte in s (n + 1 when the text ends
 *                too early). The caller may shift col to its own line.
 * @return 0; CX_EPARSE (wrong shape, or a calendar field out of range such as month 13 or
 *         February 30); CX_ERANGE (outside the int64 ns range, 1677..2262); CX_EINVAL (NULL s or
 *         out_ns).
 * Thread-safe, never allocates, O(n).
 * @code
 *   int64_t t;
 *   cx_time_parse_utc("2024-08-09 00:00:00", 19, &t, NULL); // t == 1723161600 * CX_NS_PER_S
 * @endcode
 */
int cx_time_parse_utc(const char *s, size_t n, int64_t *out_ns, struct cx_parse_err *err);

/**
 * Format ns since the Unix epoch as UTC "YYYY-MM-DD HH:MM:SS", followed by ".F" with the
 * fraction of a second without trailing zeros when it is not 0; cx_time_parse_utc reads it back
 * to the same value. Any int64 works (years 1677..2262).
 * @param buf  out, `cap` bytes, NUL-terminated on success; 32 bytes always suffice.
 * @return the length (excluding NUL); CX_ENOSPC when cap is too small; CX_EINVAL (NULL buf).
 * Thread-safe, never allocates.
 */
int cx_time_format_utc(int64_t ns, char *buf, size_t cap);

#ifdef __cplusplus
}
#endif
#endif /* CEXARB_CORE_H */
