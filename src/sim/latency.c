/* SPDX-License-Identifier: MIT */
/*
 * Latency for the simulated venue: a splitmix64 generator, the three distributions of enum
 * cx_latency_kind, the feed-driven model (a multiple of the venue's recent feed latency plus a
 * constant) and the interpolated recorded series. The generator is the whole source of
 * randomness in the sim, so a seed and the same sequence of calls give the same samples on
 * every run (the C library's generator is banned, STYLE.md K.66); the feed and recorded models
 * draw nothing from it.
 *
 * splitmix64: Steele, Lea, Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014;
 * constants as in Vigna's reference implementation (prng.di.unimi.it/splitmix64.c). Every
 * 64-bit state is a valid seed and the period is 2^64.
 */
#include "sim_int.h"

#include <math.h>

__extension__ typedef unsigned __int128 cx__u128;
__extension__ typedef __int128 cx__i128;

/* The 99th percentile of the standard normal distribution, z_0.99 (to 5 significant digits:
 * 2.3263). A lognormal with median m and 99th percentile q has mu = ln m and
 * sigma = (ln q - ln m) / z_0.99. */
#define CX__Z99 2.3263478740408408

uint64_t cx__sim_rng_next(uint64_t *state)
{
    uint64_t z = (*state += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

/* Uniform double in the open interval (0, 1): 53 random bits, offset by half a step so that
 * neither 0 (log(0)) nor 1 can come out. */
static double rng_unit_open(uint64_t *state)
{
    return ((double)(cx__sim_rng_next(state) >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}

/* Far beyond any latency, inside int64 with room for a timestamp added to it. */
#define CX__LAT_CAP INT64_C(4000000000000000000)

int64_t cx_sim_latency_sample(const struct cx_latency_cfg *cfg, uint64_t *state)
{
    if (cfg == NULL || state == NULL)
        return 0;
    if (cfg->kind == CX_LAT_FEED || cfg->kind == CX_LAT_RECORDED)
        return cx_sim_latency_at(cfg, false, 0, 0, state);
    int64_t a = cfg->a_ns < 0 ? 0 : cfg->a_ns;
    int64_t b = cfg->b_ns < a ? a : cfg->b_ns;

    switch (cfg->kind) {
    case CX_LAT_UNIFORM: {
        /* Lemire's multiply-shift maps 64 random bits onto [0, span) without a division;
         * its bias is below span / 2^64, negligible for nanosecond spans. */
        uint64_t span = (uint64_t)(b - a) + 1u;
        uint64_t r = cx__sim_rng_next(state);
        if (span == 0) /* b - a == UINT64_MAX cannot happen with a, b >= 0, kept defensive */
            return a;
        return a + (int64_t)(((cx__u128)r * span) >> 64);
    }
    case CX_LAT_LOGNORMAL: {
        if (a <= 0)
            return 0;
        double mu = log((double)a);
        double sigma = b > a ? (log((double)b) - mu) / CX__Z99 : 0.0;
        /* Box-Muller (Box and Muller 1958): one standard normal from two uniforms; the second
         * normal of the pair is discarded so each sample costs exactly two draws. */
        double u1 = rng_unit_open(state);
        double u2 = rng_unit_open(state);
        double z = sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
        double v = exp(mu + sigma * z);
        if (!(v < (double)CX__LAT_CAP)) /* also catches NaN */
            v = (double)CX__LAT_CAP;
        return (int64_t)llround(v);
    }
    case CX_LAT_CONSTANT:
    default:
        return a;
    }
}

/* ---------------------------------------------------------------------------------------------
 * MARK: feed-driven and recorded latency
 * ------------------------------------------------------------------------------------------- */

/* Column of a recorded row: entry = exch - req, response = resp - exch (both >= 0: the loader
 * and cx_sim_new check it). */
static int64_t row_latency(const struct cx_sim_latency_row *r, bool is_response)
{
    return is_response ? r->resp_ns - r->exch_ns : r->exch_ns - r->req_ns;
}

/* num / den rounded half away from zero (den > 0). */
static int64_t div_round(cx__i128 num, cx__i128 den)
{
    cx__i128 q = num / den, r = num % den;
    if (2 * (r < 0 ? -r : r) >= den)
        q += num < 0 ? -1 : 1;
    return (int64_t)q;
}

/* The recorded series at t: clamped to the end rows outside [req_0, req_last], linear between
 * the two rows around t inside (hftbacktest IntpOrderLatency::entry; see sim.h). */
static int64_t recorded_at(const struct cx_sim_latency_row *rows, uint32_t n, bool is_response,
                           int64_t t)
{
    if (rows == NULL || n == 0)
        return 0;
    if (t <= rows[0].req_ns)
        return row_latency(&rows[0], is_response);
    if (t >= rows[n - 1].req_ns)
        return row_latency(&rows[n - 1], is_response);
    uint32_t lo = 0, hi = n - 1; /* rows[lo].req_ns <= t < rows[hi].req_ns */
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (rows[mid].req_ns <= t)
            lo = mid;
        else
            hi = mid;
    }
    int64_t y0 = row_latency(&rows[lo], is_response);
    int64_t y1 = row_latency(&rows[hi], is_response);
    cx__i128 dx = (cx__i128)rows[hi].req_ns - rows[lo].req_ns;
    cx__i128 num = ((cx__i128)y1 - y0) * ((cx__i128)t - rows[lo].req_ns);
    return y0 + div_round(num, dx); /* between y0 and y1: fits */
}

int64_t cx_sim_latency_at(const struct cx_latency_cfg *cfg, bool is_response, int64_t t_ns,
                          int64_t feed_ns, uint64_t *state)
{
    if (cfg == NULL || state == NULL)
        return 0;
    switch (cfg->kind) {
    case CX_LAT_FEED: {
        /* hftbacktest FeedLatency: feed x mul + add; mul in ppm, rounded half up. */
        cx__u128 feed = feed_ns > 0 ? (cx__u128)feed_ns : 0u;
        cx__u128 mul = cfg->mul_ppm > 0 ? (cx__u128)cfg->mul_ppm : 0u;
        cx__u128 v = (feed * mul + 500000u) / 1000000u + (cfg->a_ns > 0 ? (cx__u128)cfg->a_ns : 0u);
        return v > (cx__u128)CX__LAT_CAP ? CX__LAT_CAP : (int64_t)v;
    }
    case CX_LAT_RECORDED:
        return recorded_at(cfg->rows, cfg->n_rows, is_response, t_ns);
    default:
        return cx_sim_latency_sample(cfg, state);
    }
}
