/* SPDX-License-Identifier: MIT */
/*
 * Latency samples for the simulated venue: a splitmix64 generator and the three distributions
 * of enum cx_latency_kind. The generator is the whole source of randomness in the sim, so a
 * seed and the same sequence of calls give the same samples on every run (the C library's
 * generator is banned, STYLE.md K.66).
 *
 * splitmix64: Steele, Lea, Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014;
 * constants as in Vigna's reference implementation (prng.di.unimi.it/splitmix64.c). Every
 * 64-bit state is a valid seed and the period is 2^64.
 */
#include "sim_int.h"

#include <math.h>

__extension__ typedef unsigned __int128 cx__u128;

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

int64_t cx_sim_latency_sample(const struct cx_latency_cfg *cfg, uint64_t *state)
{
    if (cfg == NULL || state == NULL)
        return 0;
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
        if (!(v < 4.0e18)) /* also catches NaN: cap far beyond any latency, inside int64 */
            v = 4.0e18;
        return (int64_t)llround(v);
    }
    case CX_LAT_CONSTANT:
    default:
        return a;
    }
}
