/* SPDX-License-Identifier: MIT */
/*
 * Time for the core module: the monotonic clock for measuring intervals (benchmarks, loop
 * time; strategies never call it), and exact conversions between UTC calendar text
 * "YYYY-MM-DD HH:MM:SS[.F]" and int64 ns since the Unix epoch, used by configuration files and
 * the funding-rate files. Dates are converted with integer calendar arithmetic (Hinnant's
 * algorithms, cited below), never through the C library's time-zone functions, which are
 * non-reentrant or depend on the process's TZ. Leap seconds do not exist in this scale (POSIX
 * time), as in every exchange timestamp we read.
 */
#include "cexarb/core.h"

#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#define TIME_DATE_MIN_LEN 19u  /* "YYYY-MM-DD HH:MM:SS" */
#define TIME_DATE_MAX_FRAC 9u  /* fraction digits down to 1 ns */
#define TIME_S_PER_DAY INT64_C(86400)

__extension__ typedef __int128 time_i128;

int64_t cx_time_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * CX_NS_PER_S + ts.tv_nsec;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: calendar arithmetic
 * ------------------------------------------------------------------------------------------- */

static bool is_leap(int64_t y)
{
    return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

/* Days in month m (1..12) of year y: Hinnant's last_day_of_month, same paper as below. */
static int64_t days_in_month(int64_t y, int64_t m)
{
    static const int8_t k_days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : k_days[m - 1];
}

/*
 * Days since 1970-01-01 of the proleptic Gregorian date y-m-d (m 1..12, d valid for the month).
 * Howard Hinnant, "chrono-Compatible Low-Level Date Algorithms", section days_from_civil
 * (https://howardhinnant.github.io/date_algorithms.html): shift the year to start in March so
 * that the leap day is the last day of the year, split it into 400-year eras of 146097 days,
 * count the day of the era, and move the origin from 0000-03-01 to 1970-01-01 (719468 days).
 * Example: 2020-01-01 -> 18262; 2023-12-31 -> 19722; 1970-01-01 -> 0.
 */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const int64_t yoe = y - era * 400;                                   /* [0, 399] */
    const int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1; /* [0, 365] */
    const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;           /* [0, 146096] */
    return era * 146097 + doe - 719468;
}

/*
 * The inverse: the date of day z since 1970-01-01. Same paper, section civil_from_days: move the
 * origin to 0000-03-01, find the era and the day of the era, the year of the era from the
 * 4/100/400-year corrections, then the March-based month from the day of the year.
 * Example: 18262 -> 2020-01-01; -1 -> 1969-12-31.
 */
static void civil_from_days(int64_t z, int64_t *out_y, int64_t *out_m, int64_t *out_d)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const int64_t doe = z - era * 146097;                                   /* [0, 146096] */
    const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
    const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);           /* [0, 365] */
    const int64_t mp = (5 * doy + 2) / 153;                                 /* [0, 11] */
    *out_d = doy - (153 * mp + 2) / 5 + 1;
    *out_m = mp < 10 ? mp + 3 : mp - 9;
    *out_y = yoe + era * 400 + (*out_m <= 2);
}

/* Reads exactly `count` decimal digits at s[pos..). Returns false at the first non-digit and
 * sets *out_bad to its offset. */
static bool read_digits(const char *s, size_t pos, size_t count, int64_t *out, size_t *out_bad)
{
    int64_t v = 0;
    for (size_t i = pos; i < pos + count; i++) {
        if (s[i] < '0' || s[i] > '9') {
            *out_bad = i;
            return false;
        }
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

/*
 * Parses "YYYY-MM-DD HH:MM:SS[.F]" (F: 1 to 9 digits) exactly, as if the date were UTC, into
 * ns since the epoch. On failure returns CX_EPARSE or CX_ERANGE with a static message and the
 * offset of the offending byte within the text.
 */
static int parse_date(const char *s, size_t n, int64_t *out_ns, size_t *out_bad,
                      const char **out_msg)
{
    /* Separator positions and bytes of the fixed-width part. */
    static const struct {
        uint8_t pos;
        char ch;
    } k_seps[] = {{4, '-'}, {7, '-'}, {10, ' '}, {13, ':'}, {16, ':'}};
    int64_t year, month, day, hour, minute, second, frac_ns = 0;

    *out_msg = "bad date: expected YYYY-MM-DD HH:MM:SS[.fraction]";
    if (n < TIME_DATE_MIN_LEN) {
        *out_bad = n;
        for (size_t i = 0; i < n; i++) { /* point at the first wrong byte when there is one */
            bool is_sep = false;
            for (size_t k = 0; k < sizeof k_seps / sizeof k_seps[0]; k++)
                if (k_seps[k].pos == i) {
                    is_sep = true;
                    if (s[i] != k_seps[k].ch) {
                        *out_bad = i;
                        return CX_EPARSE;
                    }
                }
            if (!is_sep && (s[i] < '0' || s[i] > '9')) {
                *out_bad = i;
                return CX_EPARSE;
            }
        }
        return CX_EPARSE;
    }
    for (size_t k = 0; k < sizeof k_seps / sizeof k_seps[0]; k++) {
        /* Check the digits before each separator first so the column is the leftmost error. */
        size_t start = k == 0 ? 0 : (size_t)k_seps[k - 1].pos + 1;
        int64_t unused;
        if (!read_digits(s, start, k_seps[k].pos - start, &unused, out_bad))
            return CX_EPARSE;
        if (s[k_seps[k].pos] != k_seps[k].ch) {
            *out_bad = k_seps[k].pos;
            return CX_EPARSE;
        }
    }
    if (!read_digits(s, 0, 4, &year, out_bad) || !read_digits(s, 5, 2, &month, out_bad) ||
        !read_digits(s, 8, 2, &day, out_bad) || !read_digits(s, 11, 2, &hour, out_bad) ||
        !read_digits(s, 14, 2, &minute, out_bad) || !read_digits(s, 17, 2, &second, out_bad))
        return CX_EPARSE;
    if (n > TIME_DATE_MIN_LEN) {
        if (s[19] != '.') {
            *out_bad = 19;
            return CX_EPARSE;
        }
        size_t digits = n - 20;
        if (digits == 0 || digits > TIME_DATE_MAX_FRAC) {
            *out_bad = digits == 0 ? n : 20 + TIME_DATE_MAX_FRAC;
            *out_msg = "bad date: the fraction of a second has 1 to 9 digits";
            return CX_EPARSE;
        }
        if (!read_digits(s, 20, digits, &frac_ns, out_bad))
            return CX_EPARSE;
        for (size_t i = digits; i < TIME_DATE_MAX_FRAC; i++)
            frac_ns *= 10;
    }
    *out_msg = "bad date: calendar value out of range";
    if (month < 1 || month > 12) {
        *out_bad = 5;
        return CX_EPARSE;
    }
    if (day < 1 || day > days_in_month(year, month)) {
        *out_bad = 8;
        return CX_EPARSE;
    }
    if (hour > 23) {
        *out_bad = 11;
        return CX_EPARSE;
    }
    if (minute > 59) {
        *out_bad = 14;
        return CX_EPARSE;
    }
    if (second > 59) { /* exchange stamps are POSIX time: no leap seconds */
        *out_bad = 17;
        return CX_EPARSE;
    }
    /* Years 0000..9999 give |seconds| < 2^39; only the ns scaling can overflow. It is done in
     * 128 bits so that the last second before 1677-09-21 00:12:44 (seconds x 10^9 below
     * INT64_MIN, the fraction bringing it back) is still exact. */
    int64_t secs = days_from_civil(year, month, day) * TIME_S_PER_DAY + hour * 3600 +
                   minute * 60 + second;
    time_i128 ns = (time_i128)secs * CX_NS_PER_S + frac_ns;
    if (ns < INT64_MIN || ns > INT64_MAX) {
        *out_bad = 0;
        *out_msg = "date outside the int64 ns range (1677..2262)";
        return CX_ERANGE;
    }
    *out_ns = (int64_t)ns;
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: public conversions
 * ------------------------------------------------------------------------------------------- */

int cx_time_parse_utc(const char *s, size_t n, int64_t *out_ns, struct cx_parse_err *err)
{
    size_t bad = 0;
    const char *msg = NULL;
    int64_t ns;
    if (s == NULL || out_ns == NULL)
        return CX_EINVAL;
    int rc = parse_date(s, n, &ns, &bad, &msg);
    if (rc != 0) {
        cx_parse_err_set(err, rc, msg, s, n);
        if (err != NULL) {
            err->line = 0;
            err->col = bad >= (size_t)INT32_MAX ? 0 : (int32_t)bad + 1;
        }
        return rc;
    }
    *out_ns = ns;
    return 0;
}

int cx_time_format_utc(int64_t ns, char *buf, size_t cap)
{
    if (buf == NULL)
        return CX_EINVAL;
    /* Floor division, so times before 1970 get the previous day and a positive remainder. */
    int64_t days = ns / (TIME_S_PER_DAY * CX_NS_PER_S);
    int64_t rem = ns % (TIME_S_PER_DAY * CX_NS_PER_S);
    if (rem < 0) {
        days--;
        rem += TIME_S_PER_DAY * CX_NS_PER_S;
    }
    int64_t y, m, d;
    civil_from_days(days, &y, &m, &d);
    int64_t secs = rem / CX_NS_PER_S, frac = rem % CX_NS_PER_S;
    char frac_text[16] = "";
    if (frac != 0) {
        int digits = 9;
        while (frac % 10 == 0) {
            frac /= 10;
            digits--;
        }
        snprintf(frac_text, sizeof frac_text, ".%0*lld", digits, (long long)frac);
    }
    int w = snprintf(buf, cap, "%04lld-%02lld-%02lld %02lld:%02lld:%02lld%s", (long long)y,
                     (long long)m, (long long)d, (long long)(secs / 3600),
                     (long long)(secs / 60 % 60), (long long)(secs % 60), frac_text);
    if (w < 0 || (size_t)w >= cap)
        return CX_ENOSPC;
    return w;
}
