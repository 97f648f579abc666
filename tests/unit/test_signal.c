/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the signal module. Known answers on small series worked out by hand (the
 * derivations are in the comments): volatility and ratio, perfectly correlated, anti-correlated
 * and 1/sqrt(3)-correlated returns, spike detection around the 2.5 sigma boundary, basis mean
 * and volatility, Wilder's RSI, SMA(20) trend strength, regime and liquidity boundaries, hourly
 * volume and the volume ratio; the neutral defaults below 20 and 50 samples; input validation
 * and configuration errors. A randomized test (fixed-seed xorshift64*) compares every published
 * statistic, after every sample of long series with eviction and periodic recompute, with a
 * slow two-pass reference written independently here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cexarb/signal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------------------------------------
 * MARK: helpers
 * ------------------------------------------------------------------------------------------- */

#define S CX_NS_PER_S
static const int64_t T0 = INT64_C(1723161254000000000); /* 2024-08-08 23:54:14 UTC */

/* |got - want| <= tol * max(1, |want|), printing both values on failure. */
static void near_(double got, double want, double tol, const char *what, int line)
{
    double scale = fabs(want) > 1.0 ? fabs(want) : 1.0;
    if (!(fabs(got - want) <= tol * scale)) {
        print_error("line %d: %s: got %.17g, want %.17g (tol %g)\n", line, what, got, want, tol);
        fail();
    }
}
#define near(got, want, tol) near_((got), (want), (tol), #got, __LINE__)

static uint64_t rng_state;
static uint64_t xorshift64s(void)
{
    uint64_t x = rng_state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    rng_state = x;
    return x * 0x2545F4914F6CDD1DULL;
}
/* Uniform in [-1, 1). */
static double urand(void)
{
    return (double)(xorshift64s() >> 11) * (2.0 / 9007199254740992.0) - 1.0;
}

static void init_default(struct cx_signal *sig)
{
    assert_int_equal(cx_signal_init(sig, NULL, NULL), 0);
}

static void feed(struct cx_signal *sig, int64_t ts, double spot, double perp, double vol)
{
    struct cx_signal_sample s = {.ts_ns = ts, .spot_mid = spot, .perp_mid = perp,
                                 .volume_quote = vol};
    assert_int_equal(cx_signal_update(sig, &s), 0);
}

/* Feed prices built from per-sample returns: spot_r[i], perp_r[i] for samples 1..n-1. */
static void feed_returns(struct cx_signal *sig, const double *spot_r, const double *perp_r,
                         int n, double vol)
{
    double sp = 100.0, pp = 100.0;
    feed(sig, T0, sp, pp, vol);
    for (int i = 1; i < n; i++) {
        sp *= 1.0 + spot_r[i - 1];
        pp *= 1.0 + perp_r[i - 1];
        feed(sig, T0 + i * S, sp, pp, vol);
    }
}

/* ---------------------------------------------------------------------------------------------
 * MARK: configuration and lifecycle
 * ------------------------------------------------------------------------------------------- */

static void expect_cfg_error(const struct cx_signal_cfg *cfg, const char *key, const char *msg)
{
    struct cx_parse_err err;
    memset(&err, 0, sizeof err);
    assert_int_equal(cx_signal_cfg_validate(cfg, &err), CX_ECONFIG);
    assert_int_equal(err.code, CX_ECONFIG);
    assert_string_equal(err.detail, key);
    assert_string_equal(err.msg, msg);
    assert_int_equal(cx_signal_cfg_validate(cfg, NULL), CX_ECONFIG);
}

static void test_cfg(void **state)
{
    (void)state;
    struct cx_signal_cfg c, d;
    cx_signal_cfg_default(&d);
    assert_int_equal(d.lookback, 100u);
    assert_int_equal(d.spike_recent, 10u);
    near(d.spike_sigma, 2.5, 0);
    assert_int_equal(cx_signal_cfg_validate(&d, NULL), 0);
    assert_int_equal(cx_signal_cfg_validate(NULL, NULL), CX_EINVAL);

    c = d, c.lookback = 49;
    expect_cfg_error(&c, "signal.lookback", "signal.lookback must be in [50, 4096]");
    c = d, c.lookback = 4097;
    expect_cfg_error(&c, "signal.lookback", "signal.lookback must be in [50, 4096]");
    c = d, c.lookback = 4096;
    assert_int_equal(cx_signal_cfg_validate(&c, NULL), 0);
    c = d, c.spike_recent = 0;
    expect_cfg_error(&c, "signal.spike_recent", "signal.spike_recent must be in [1, 19]");
    c = d, c.spike_recent = 20;
    expect_cfg_error(&c, "signal.spike_recent", "signal.spike_recent must be in [1, 19]");
    c = d, c.spike_sigma = NAN;
    expect_cfg_error(&c, "signal.spike_sigma", "signal.spike_sigma must be in (0, 100]");
    c = d, c.spike_sigma = 0.0;
    expect_cfg_error(&c, "signal.spike_sigma", "signal.spike_sigma must be in (0, 100]");
    c = d, c.volume_recent = 101;
    expect_cfg_error(&c, "signal.volume_recent",
                     "signal.volume_recent must be in [1, signal.lookback]");
    c = d, c.trend_trending_pct = -1.0;
    expect_cfg_error(&c, "signal.trend_trending_pct",
                     "signal.trend_trending_pct must be in (0, 100]");
    c = d, c.trend_mean_revert_pct = 2.5;
    expect_cfg_error(&c, "signal.trend_mean_revert_pct",
                     "signal.trend_mean_revert_pct must be in (0, signal.trend_trending_pct]");
    c = d, c.rsi_low = 100.0;
    expect_cfg_error(&c, "signal.rsi_low", "signal.rsi_low must be in [0, 100)");
    c = d, c.rsi_high = 30.0;
    expect_cfg_error(&c, "signal.rsi_high", "signal.rsi_high must be in (signal.rsi_low, 100]");
    c = d, c.liq_ultra_low_below_quote = 0.0;
    expect_cfg_error(&c, "signal.liq_ultra_low_below_quote",
                     "signal.liq_ultra_low_below_quote must be in (0, 1e15]");
    c = d, c.liq_low_below_quote = 10.0;
    expect_cfg_error(&c, "signal.liq_low_below_quote",
                     "signal.liq_low_below_quote must be in [signal.liq_ultra_low_below_quote, "
                     "1e15]");
    c = d, c.liq_medium_below_quote = INFINITY;
    expect_cfg_error(&c, "signal.liq_medium_below_quote",
                     "signal.liq_medium_below_quote must be in [signal.liq_low_below_quote, "
                     "1e15]");

    /* init refuses a bad configuration and leaves the storage alone. */
    struct cx_signal sig;
    memset(&sig, 0xAB, sizeof sig);
    c = d, c.lookback = 10;
    struct cx_parse_err err;
    memset(&err, 0, sizeof err);
    assert_int_equal(cx_signal_init(&sig, &c, &err), CX_ECONFIG);
    assert_string_equal(err.detail, "signal.lookback");
    assert_int_equal(((unsigned char *)&sig)[0], 0xAB);
    assert_int_equal(cx_signal_init(NULL, NULL, NULL), CX_EINVAL);

    /* fini is idempotent; a zeroed struct is fine too. */
    init_default(&sig);
    cx_signal_fini(&sig);
    cx_signal_fini(&sig);
    memset(&sig, 0, sizeof sig);
    cx_signal_fini(&sig);
    cx_signal_fini(NULL);
    struct cx_signal_sample smp = {.ts_ns = T0, .spot_mid = 1.0, .perp_mid = 1.0};
    assert_int_equal(cx_signal_update(&sig, &smp), CX_EINVAL); /* not initialised */
}

static void test_names_and_mults(void **state)
{
    (void)state;
    assert_string_equal(cx_signal_regime_name(CX_SIGNAL_REGIME_NEUTRAL), "NEUTRAL");
    assert_string_equal(cx_signal_regime_name(CX_SIGNAL_REGIME_TRENDING), "TRENDING");
    assert_string_equal(cx_signal_regime_name(CX_SIGNAL_REGIME_MEAN_REVERTING), "MEAN_REVERTING");
    assert_string_equal(cx_signal_regime_name(CX_SIGNAL_REGIME_COUNT), "?");
    assert_string_equal(cx_signal_liquidity_name(CX_SIGNAL_LIQ_ULTRA_LOW), "ULTRA_LOW");
    assert_string_equal(cx_signal_liquidity_name(CX_SIGNAL_LIQ_LOW), "LOW");
    assert_string_equal(cx_signal_liquidity_name(CX_SIGNAL_LIQ_MEDIUM), "MEDIUM");
    assert_string_equal(cx_signal_liquidity_name(CX_SIGNAL_LIQ_HIGH), "HIGH");
    assert_string_equal(cx_signal_liquidity_name(CX_SIGNAL_LIQ_COUNT), "?");
    near(cx_signal_regime_mult(CX_SIGNAL_REGIME_TRENDING), 1.5, 0);
    near(cx_signal_regime_mult(CX_SIGNAL_REGIME_MEAN_REVERTING), 0.7, 0);
    near(cx_signal_regime_mult(CX_SIGNAL_REGIME_NEUTRAL), 1.0, 0);
    near(cx_signal_liquidity_mult(CX_SIGNAL_LIQ_ULTRA_LOW), 1.5, 0);
    near(cx_signal_liquidity_mult(CX_SIGNAL_LIQ_LOW), 1.3, 0);
    near(cx_signal_liquidity_mult(CX_SIGNAL_LIQ_MEDIUM), 1.0, 0);
    near(cx_signal_liquidity_mult(CX_SIGNAL_LIQ_HIGH), 0.8, 0);
}

static void test_input_validation(void **state)
{
    (void)state;
    struct cx_signal sig;
    init_default(&sig);
    feed(&sig, T0 + 5 * S, 100.0, 100.0, 1.0);
    struct cx_signal_stats before = *cx_signal_get_stats(&sig);
    struct cx_signal_sample bad[] = {
        {T0 + 6 * S, NAN, 100.0, 1.0},      {T0 + 6 * S, 0.0, 100.0, 1.0},
        {T0 + 6 * S, 100.0, -1.0, 1.0},     {T0 + 6 * S, 100.0, INFINITY, 1.0},
        {T0 + 6 * S, 100.0, 100.0, -0.5},   {T0 + 6 * S, 100.0, 100.0, NAN},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(cx_signal_update(&sig, &bad[i]), CX_EINVAL);
    struct cx_signal_sample back = {T0 + 5 * S - 1, 100.0, 100.0, 1.0};
    assert_int_equal(cx_signal_update(&sig, &back), CX_ETIME);
    assert_int_equal(cx_signal_update(&sig, NULL), CX_EINVAL);
    assert_int_equal(cx_signal_update(NULL, &back), CX_EINVAL);
    assert_memory_equal(&before, cx_signal_get_stats(&sig), sizeof before);
    assert_int_equal(cx_signal_get_stats(&sig)->n_samples, 1u);
    /* An equal timestamp is accepted. */
    feed(&sig, T0 + 5 * S, 101.0, 100.0, 1.0);
    assert_int_equal(cx_signal_get_stats(&sig)->n_samples, 2u);
    cx_signal_fini(&sig);
}

/* ---------------------------------------------------------------------------------------------
 * MARK: neutral defaults
 * ------------------------------------------------------------------------------------------- */

static void expect_neutral_window(const struct cx_signal_stats *st)
{
    assert_false(st->is_ready);
    near(st->spot_vol, 0, 0);
    near(st->perp_vol, 0, 0);
    near(st->spot_vol_ann, 0, 0);
    near(st->vol_ratio, 1, 0);
    near(st->corr, 1, 0);
    assert_false(st->has_spike);
    near(st->spike_intensity, 0, 0);
    near(st->basis_mean, 0, 0);
    near(st->basis_vol, 0, 0);
    near(st->hourly_volume_quote, 0, 0);
    assert_int_equal(st->liquidity, CX_SIGNAL_LIQ_MEDIUM);
    near(st->liquidity_mult, 1, 0);
    near(st->volume_ratio, 1, 0);
}

static void test_defaults_below_thresholds(void **state)
{
    (void)state;
    struct cx_signal sig;
    init_default(&sig);
    const struct cx_signal_stats *st = cx_signal_get_stats(&sig);
    expect_neutral_window(st);
    near(st->rsi, 50, 0);
    assert_int_equal(st->regime, CX_SIGNAL_REGIME_NEUTRAL);
    assert_int_equal(st->n_samples, 0u);

    /* 19 wild samples (spot doubles or halves, perp independent, uncorrelated volumes): still
     * the neutral defaults. */
    double sp = 100.0, pp = 50.0;
    for (int i = 0; i < 19; i++) {
        sp *= (i % 3 == 0) ? 2.0 : 0.5;
        pp *= (i % 2 == 0) ? 1.3 : 0.9;
        feed(&sig, T0 + i * S, sp, pp, (double)(i * i));
        expect_neutral_window(st);
        assert_int_equal(st->n_samples, (uint32_t)i + 1u);
        assert_int_equal(st->regime, CX_SIGNAL_REGIME_NEUTRAL);
        near(st->trend_pct, 0, 0); /* SMA(20) needs 20 samples */
    }
    feed(&sig, T0 + 19 * S, sp, pp, 1.0);
    assert_true(st->is_ready);
    assert_true(st->spot_vol > 0.0);
    assert_true(st->trend_pct > 0.0);
    /* A strongly trending series: TRENDING only from the 50th sample. */
    cx_signal_reset(&sig);
    expect_neutral_window(st);
    for (int i = 0; i < 50; i++) {
        feed(&sig, T0 + i * S, 100.0 * pow(1.01, i), 100.0 * pow(1.01, i), 1.0);
        if (i >= 19)
            assert_true(st->trend_pct > 2.0);
        assert_int_equal(st->regime,
                         i < 49 ? CX_SIGNAL_REGIME_NEUTRAL : CX_SIGNAL_REGIME_TRENDING);
    }
    near(st->regime_mult, 1.5, 0);
    cx_signal_fini(&sig);
}

/* ---------------------------------------------------------------------------------------------
 * MARK: volatility and correlation known answers
 * ------------------------------------------------------------------------------------------- */

static void test_volatility_and_correlation(void **state)
{
    (void)state;
    struct cx_signal sig;
    init_default(&sig);
    const struct cx_signal_stats *st = cx_signal_get_stats(&sig);
    const double a = 0.01;
    double rs[19], rp[19];

    /* 20 samples -> 19 returns: +a, -a, +a, ... (10 x +a, 9 x -a). mean = a/19,
     * mean square = a^2, population variance = a^2 (1 - 1/361) = a^2 x 360/361.
     * Perp returns are 2x: sigma doubles, ratio 1/2, correlation +1. */
    for (int i = 0; i < 19; i++) {
        rs[i] = (i % 2 == 0) ? a : -a;
        rp[i] = 2.0 * rs[i];
    }
    feed_returns(&sig, rs, rp, 20, 1.0);
    assert_true(st->is_ready);
    double sigma = a * sqrt(360.0 / 361.0);
    near(st->spot_vol, sigma, 1e-12);
    near(st->perp_vol, 2.0 * sigma, 1e-12);
    near(st->vol_ratio, 0.5, 1e-12);
    near(st->corr, 1.0, 1e-12);
    near(st->mean_interval_ns, 1e9, 1e-12);
    /* Annualised: sigma x sqrt(31,557,600 s / 1 s). */
    near(st->spot_vol_ann, sigma * sqrt(31557600.0), 1e-12);
    near(st->perp_vol_ann, 2.0 * sigma * sqrt(31557600.0), 1e-12);

    /* Perp = -spot returns: correlation -1, ratio 1. */
    cx_signal_reset(&sig);
    for (int i = 0; i < 19; i++)
        rp[i] = -rs[i];
    feed_returns(&sig, rs, rp, 20, 1.0);
    near(st->corr, -1.0, 1e-12);
    near(st->vol_ratio, 1.0, 1e-12);

    /* Spot returns twice the perp's: ratio 2, correlation +1. */
    cx_signal_reset(&sig);
    for (int i = 0; i < 19; i++) {
        rp[i] = rs[i];
        rs[i] = 2.0 * rs[i];
    }
    feed_returns(&sig, rs, rp, 20, 1.0);
    near(st->vol_ratio, 2.0, 1e-12);
    near(st->corr, 1.0, 1e-12);

    /* 21 samples -> 20 returns in 5 periods of x = (1, 1, -1, -1) a, y = (1, 1, -1, 1) a:
     * mean x = 0, mean y = a/2; cov = E[xy] = (1 + 1 + 1 - 1)/4 a^2 = a^2/2;
     * var x = a^2, var y = E[y^2] - a^2/4 = 3a^2/4; corr = (1/2) / sqrt(3/4) = 1/sqrt(3). */
    cx_signal_reset(&sig);
    double x[20], y[20];
    const double px[4] = {1, 1, -1, -1}, py[4] = {1, 1, -1, 1};
    for (int i = 0; i < 20; i++)
        x[i] = px[i % 4] * 0.001, y[i] = py[i % 4] * 0.001;
    feed_returns(&sig, x, y, 21, 1.0);
    near(st->corr, 1.0 / sqrt(3.0), 1e-9);
    near(st->spot_vol, 0.001, 1e-9);
    near(st->perp_vol, 0.001 * sqrt(0.75), 1e-9);

    /* Orthogonal patterns x = (1, 1, -1, -1), y = (1, -1, 1, -1): correlation 0. */
    cx_signal_reset(&sig);
    const double pz[4] = {1, -1, 1, -1};
    for (int i = 0; i < 20; i++)
        y[i] = pz[i % 4] * 0.001;
    feed_returns(&sig, x, y, 21, 1.0);
    near(st->corr, 0.0, 1e-9);

    /* Flat perp: perp variance 0 -> ratio and correlation take their neutral values. */
    cx_signal_reset(&sig);
    for (int i = 0; i < 20; i++)
        y[i] = 0.0;
    feed_returns(&sig, x, y, 21, 1.0);
    near(st->perp_vol, 0.0, 0);
    near(st->vol_ratio, 1.0, 0);
    near(st->corr, 1.0, 0);
    assert_true(st->spot_vol > 0.0);

    /* Constant non-zero returns (a geometric ramp): zero variance, no spike, however the
     * rounding of sum2/m - mean^2 falls. */
    cx_signal_reset(&sig);
    for (int i = 0; i < 60; i++)
        feed(&sig, T0 + i * S, 100.0 * pow(1.0001, i), 50.0 * pow(1.0002, i), 1.0);
    assert_true(st->spot_vol < 1e-12);
    assert_false(st->has_spike);
    cx_signal_fini(&sig);
}

/* ---------------------------------------------------------------------------------------------
 * MARK: spikes
 * ------------------------------------------------------------------------------------------- */

/* 19 returns: 18 alternating +a, -a (9 each) and a last return k a. Population variance in a^2:
 * (18 + k^2)/19 - (k/19)^2; intensity = k / sqrt(that). k = 5 -> 3.3757, k = 3 -> 2.5390 (a
 * spike), k = 2.9 -> 2.4806 (not a spike at 2.5 sigma). */
static double spike_intensity_formula(double k)
{
    return k / sqrt((18.0 + k * k) / 19.0 - (k / 19.0) * (k / 19.0));
}

static void run_spike(double k, struct cx_signal *sig)
{
    double rs[19], rp[19];
    const double a = 0.001;
    for (int i = 0; i < 18; i++)
        rs[i] = (i % 2 == 0) ? a : -a, rp[i] = rs[i];
    rs[18] = k * a;
    rp[18] = a;
    cx_signal_reset(sig);
    feed_returns(sig, rs, rp, 20, 1.0);
}

static void test_spike(void **state)
{
    (void)state;
    struct cx_signal sig;
    init_default(&sig);
    const struct cx_signal_stats *st = cx_signal_get_stats(&sig);

    near(spike_intensity_formula(5.0), 3.3757, 1e-4);
    near(spike_intensity_formula(3.0), 2.5390, 1e-4);
    near(spike_intensity_formula(2.9), 2.4806, 1e-4);
    const double ks[] = {5.0, 3.0, 2.9, -5.0, -2.9, 1.0};
    for (size_t i = 0; i < sizeof ks / sizeof ks[0]; i++) {
        run_spike(ks[i], &sig);
        double want = spike_intensity_formula(fabs(ks[i]));
        near(st->spike_intensity, want, 1e-9);
        near(st->spike_max_abs_return, fabs(ks[i]) * 0.001, 1e-9);
        assert_int_equal(st->has_spike, want > 2.5);
    }

    /* The spike leaves the examined returns after 10 more samples, not before. */
    run_spike(5.0, &sig);
    double sp = 100.0; /* the last spot mid of run_spike: 18 alternating returns, then +0.5 % */
    for (int i = 0; i < 18; i++)
        sp *= 1.0 + ((i % 2 == 0) ? 0.001 : -0.001);
    sp *= 1.005;
    for (int j = 1; j <= 10; j++) {
        sp *= 1.0 + ((j % 2 == 0) ? 0.001 : -0.001);
        feed(&sig, T0 + (19 + j) * S, sp, 100.0 + j, 1.0);
        assert_int_equal(st->has_spike, j < 10);
    }
    cx_signal_fini(&sig);
}

/* ---------------------------------------------------------------------------------------------
 * MARK: basis, volume, liquidity
 * ------------------------------------------------------------------------------------------- */

static void test_basis(void **state)
{
    (void)state;
    struct cx_signal sig;
    init_default(&sig);
    const struct cx_signal_stats *st = cx_signal_get_stats(&sig);
    /* Spot 100 flat, perp = spot x (1 + b) with b alternating 0.001, 0.003 over 20 samples:
     * mean 0.002, population std 0.001. */
    for (int i = 0; i < 20; i++)
        feed(&sig, T0 + i * S, 100.0, 100.0 * (1.0 + ((i % 2 == 0) ? 0.001 : 0.003)), 1.0);
    near(st->basis_mean, 0.002, 1e-12);
    near(st->basis_vol, 0.001, 1e-9);
    /* A constant basis has zero volatility. */
    cx_signal_reset(&sig);
    for (int i = 0; i < 20; i++)
        feed(&sig, T0 + i * S, 200.0 + i, (200.0 + i) * 0.999, 1.0);
    near(st->basis_mean, -0.001, 1e-12);
    near(st->basis_vol, 0.0, 1e-12);
    cx_signal_fini(&sig);
}

static void test_liquidity(void **state)
{
    (void)state;
    struct cx_signal_cfg c;
    cx_signal_cfg_default(&c);
    const struct {
        double hourly;
        enum cx_signal_liquidity tier;
    } cases[] = {
        {0.0, CX_SIGNAL_LIQ_ULTRA_LOW},      {49999.99, CX_SIGNAL_LIQ_ULTRA_LOW},
        {50000.0, CX_SIGNAL_LIQ_LOW},        {99999.99, CX_SIGNAL_LIQ_LOW},
        {100000.0, CX_SIGNAL_LIQ_MEDIUM},    {499999.99, CX_SIGNAL_LIQ_MEDIUM},
        {500000.0, CX_SIGNAL_LIQ_HIGH},      {1e12, CX_SIGNAL_LIQ_HIGH},
        {NAN, CX_SIGNAL_LIQ_MEDIUM},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_int_equal(cx_signal_liquidity_tier(&c, cases[i].hourly), cases[i].tier);

    /* Through the analyzer: 20 samples 36 s apart, 500 quote each. The span covers 19
     * intervals (the first sample's volume is before it): 19 x 500 / (19 x 36 s) x 3600 s =
     * 50,000 per hour, exactly the LOW boundary. */
    struct cx_signal sig;
    init_default(&sig);
    const struct cx_signal_stats *st = cx_signal_get_stats(&sig);
    for (int i = 0; i < 20; i++)
        feed(&sig, T0 + i * 36 * S, 100.0, 100.0, 500.0);
    near(st->hourly_volume_quote, 50000.0, 1e-12);
    assert_int_equal(st->liquidity, CX_SIGNAL_LIQ_LOW);
    near(st->liquidity_mult, 1.3, 0);
    /* One more sample with 1 quote less; the window now holds 21 samples, 20 intervals:
     * (19 x 500 + 499) / (20 x 36 s) x 3600 s = 49,995 per hour. */
    feed(&sig, T0 + 20 * 36 * S, 100.0, 100.0, 499.0);
    near(st->hourly_volume_quote, 49995.0, 1e-12);
    assert_int_equal(st->liquidity, CX_SIGNAL_LIQ_ULTRA_LOW);
    near(st->liquidity_mult, 1.5, 0);

    /* Irregular intervals: the volume is scaled by the actual span. 20 samples at t = 0, 1, 3,
     * 6, ... (triangular numbers of seconds), 1000 quote each: span = 190 s, hourly = 19 x 1000 /
     * 190 x 3600 = 360,000 (MEDIUM); HIGH with 2000 each (720,000). */
    cx_signal_reset(&sig);
    for (int i = 0; i < 20; i++)
        feed(&sig, T0 + (int64_t)i * (i + 1) / 2 * S, 100.0, 100.0, 1000.0);
    near(st->hourly_volume_quote, 360000.0, 1e-12);
    assert_int_equal(st->liquidity, CX_SIGNAL_LIQ_MEDIUM);
    cx_signal_reset(&sig);
    for (int i = 0; i < 20; i++)
        feed(&sig, T0 + (int64_t)i * (i + 1) / 2 * S, 100.0, 100.0, 2000.0);
    assert_int_equal(st->liquidity, CX_SIGNAL_LIQ_HIGH);
    near(st->liquidity_mult, 0.8, 0);
    cx_signal_fini(&sig);
}

static void test_volume_ratio(void **state)
{
    (void)state;
    struct cx_signal sig;
    init_default(&sig);
    const struct cx_signal_stats *st = cx_signal_get_stats(&sig);
    /* 19 x 10 then 4: window mean (190 + 4)/20 = 9.7, ratio 4/9.7. */
    for (int i = 0; i < 19; i++)
        feed(&sig, T0 + i * S, 100.0, 100.0, 10.0);
    feed(&sig, T0 + 19 * S, 100.0, 100.0, 4.0);
    near(st->volume_ratio, 4.0 / 9.7, 1e-12);
    /* Then 29: the window holds 21 samples (lookback 100), mean (190 + 4 + 29)/21 = 223/21. */
    feed(&sig, T0 + 20 * S, 100.0, 100.0, 29.0);
    near(st->volume_ratio, 29.0 / (223.0 / 21.0), 1e-12);
    /* Nothing traded in the whole window: ratio 1 (undefined), hourly 0, ULTRA_LOW. */
    cx_signal_reset(&sig);
    for (int i = 0; i < 25; i++)
        feed(&sig, T0 + i * S, 100.0, 100.0, 0.0);
    near(st->volume_ratio, 1.0, 0);
    near(st->hourly_volume_quote, 0.0, 0);
    assert_int_equal(st->liquidity, CX_SIGNAL_LIQ_ULTRA_LOW);
    /* Traded earlier, nothing in the latest interval: ratio 0. */
    feed(&sig, T0 + 25 * S, 100.0, 100.0, 50.0);
    feed(&sig, T0 + 26 * S, 100.0, 100.0, 0.0);
    near(st->volume_ratio, 0.0, 0);
    cx_signal_fini(&sig);

    /* volume_recent = 3: mean of the last three intervals against the window mean. Volumes
     * 1..30 over 30 samples: recent (28 + 29 + 30)/3 = 29, window mean 15.5. */
    struct cx_signal_cfg c;
    cx_signal_cfg_default(&c);
    c.volume_recent = 3;
    assert_int_equal(cx_signal_init(&sig, &c, NULL), 0);
    st = cx_signal_get_stats(&sig);
    for (int i = 1; i <= 30; i++)
        feed(&sig, T0 + i * S, 100.0, 100.0, (double)i);
    near(st->volume_ratio, 29.0 / 15.5, 1e-12);
    cx_signal_fini(&sig);

    /* volume_recent == lookback == 50: over a full window the ratio is 1. */
    c.lookback = 50;
    c.volume_recent = 50;
    assert_int_equal(cx_signal_init(&sig, &c, NULL), 0);
    st = cx_signal_get_stats(&sig);
    for (int i = 1; i <= 130; i++) {
        feed(&sig, T0 + i * S, 100.0, 100.0, (double)(i % 7));
        if (i >= 20)
            near(st->volume_ratio, 1.0, 1e-9);
    }
    cx_signal_fini(&sig);
}

/* ---------------------------------------------------------------------------------------------
 * MARK: RSI, SMA trend, regime
 * ------------------------------------------------------------------------------------------- */

static void test_rsi(void **state)
{
    (void)state;
    struct cx_signal sig;
    init_default(&sig);
    const struct cx_signal_stats *st = cx_signal_get_stats(&sig);
    /* Changes: 14 seed changes with 10 gains of 1 and 4 losses of 1, then +1, then -2.
     * Seed (Wilder): avg gain G = 10/14, avg loss L = 4/14, RS = 2.5, RSI = 100 - 100/3.5
     * = 71.4285714. Next (+1): G = (10/14 x 13 + 1)/14 = 144/196, L = (4/14 x 13)/14 = 52/196,
     * RSI = 100 G/(G + L) = 100 x 144/196 = 73.4693878. Next (-2): G = 144 x 13/2744 = 1872/2744,
     * L = (52 x 13 + 2 x 196)/2744 = 1068/2744, RSI = 100 x 1872/2940 = 63.6734694. */
    const double ch[16] = {1, 1, -1, 1, 1, -1, 1, 1, -1, 1, 1, -1, 1, 1, 1, -2};
    double p = 100.0;
    feed(&sig, T0, p, p, 1.0);
    for (int i = 0; i < 16; i++) {
        p += ch[i];
        feed(&sig, T0 + (i + 1) * S, p, 100.0, 1.0);
        if (i < 13)
            near(st->rsi, 50.0, 0); /* fewer than 14 changes: neutral */
    }
    /* Re-run to check each step. */
    cx_signal_reset(&sig);
    near(st->rsi, 50.0, 0);
    p = 100.0;
    feed(&sig, T0, p, p, 1.0);
    const double want[3] = {100.0 - 100.0 / 3.5, 100.0 * 144.0 / 196.0, 100.0 * 1872.0 / 2940.0};
    for (int i = 0; i < 16; i++) {
        p += ch[i];
        feed(&sig, T0 + (i + 1) * S, p, 100.0, 1.0);
        if (i >= 13)
            near(st->rsi, want[i - 13], 1e-9);
    }
    near(want[0], 71.4285714, 1e-7);
    near(want[1], 73.4693878, 1e-7);
    near(want[2], 63.6734694, 1e-7);

    /* Only gains: 100. Flat: 50 (undefined). Only losses: 0. */
    cx_signal_reset(&sig);
    for (int i = 0; i < 20; i++)
        feed(&sig, T0 + i * S, 100.0 + i, 100.0, 1.0);
    near(st->rsi, 100.0, 0);
    cx_signal_reset(&sig);
    for (int i = 0; i < 20; i++)
        feed(&sig, T0 + i * S, 100.0, 100.0, 1.0);
    near(st->rsi, 50.0, 0);
    cx_signal_reset(&sig);
    for (int i = 0; i < 20; i++)
        feed(&sig, T0 + i * S, 100.0 - i, 100.0, 1.0);
    near(st->rsi, 0.0, 0);
    cx_signal_fini(&sig);
}

static void test_sma_trend_and_regime(void **state)
{
    (void)state;
    struct cx_signal_cfg c;
    cx_signal_cfg_default(&c);
    /* Boundaries of the pure classifier. */
    assert_int_equal(cx_signal_regime_classify(&c, 2.0, 50.0), CX_SIGNAL_REGIME_NEUTRAL);
    assert_int_equal(cx_signal_regime_classify(&c, 2.0000001, 50.0), CX_SIGNAL_REGIME_TRENDING);
    assert_int_equal(cx_signal_regime_classify(&c, 5.0, 10.0), CX_SIGNAL_REGIME_TRENDING);
    assert_int_equal(cx_signal_regime_classify(&c, 0.9999999, 50.0),
                     CX_SIGNAL_REGIME_MEAN_REVERTING);
    assert_int_equal(cx_signal_regime_classify(&c, 1.0, 50.0), CX_SIGNAL_REGIME_NEUTRAL);
    assert_int_equal(cx_signal_regime_classify(&c, 1.5, 50.0), CX_SIGNAL_REGIME_NEUTRAL);
    assert_int_equal(cx_signal_regime_classify(&c, 0.5, 30.0), CX_SIGNAL_REGIME_NEUTRAL);
    assert_int_equal(cx_signal_regime_classify(&c, 0.5, 30.0001),
                     CX_SIGNAL_REGIME_MEAN_REVERTING);
    assert_int_equal(cx_signal_regime_classify(&c, 0.5, 69.9999),
                     CX_SIGNAL_REGIME_MEAN_REVERTING);
    assert_int_equal(cx_signal_regime_classify(&c, 0.5, 70.0), CX_SIGNAL_REGIME_NEUTRAL);
    assert_int_equal(cx_signal_regime_classify(&c, NAN, 50.0), CX_SIGNAL_REGIME_NEUTRAL);

    struct cx_signal sig;
    init_default(&sig);
    const struct cx_signal_stats *st = cx_signal_get_stats(&sig);
    /* 19 samples at 100 then 102.1: SMA = (1900 + 102.1)/20 = 100.105,
     * trend = (102.1 - 100.105)/100.105 x 100 = 1.99290744 %. */
    for (int i = 0; i < 19; i++)
        feed(&sig, T0 + i * S, 100.0, 100.0, 1.0);
    feed(&sig, T0 + 19 * S, 102.1, 100.0, 1.0);
    near(st->sma, 100.105, 1e-12);
    near(st->trend_pct, 1.995 / 100.105 * 100.0, 1e-12);
    near(st->trend_pct, 1.99290744, 1e-8);
    /* Only the newest 20 mids count: 20 more at 100 -> SMA 100, trend 0. */
    for (int i = 20; i < 40; i++)
        feed(&sig, T0 + i * S, 100.0, 100.0, 1.0);
    near(st->sma, 100.0, 1e-12);
    near(st->trend_pct, 0.0, 1e-12);
    /* Below the SMA counts too (absolute value). 19 more at 100, then 98: SMA 99.9,
     * trend 1.9/99.9 x 100. */
    for (int i = 40; i < 59; i++)
        feed(&sig, T0 + i * S, 100.0, 100.0, 1.0);
    feed(&sig, T0 + 59 * S, 98.0, 100.0, 1.0);
    near(st->trend_pct, 1.9 / 99.9 * 100.0, 1e-12);

    /* Regime through the analyzer: an oscillation (RSI near 50, trend << 1 %) is
     * MEAN_REVERTING from the 50th sample on; a 1 %/sample ramp is TRENDING (above). */
    cx_signal_reset(&sig);
    for (int i = 0; i < 60; i++) {
        feed(&sig, T0 + i * S, 100.0 + ((i % 2 == 0) ? 0.1 : -0.1), 100.0, 1.0);
        assert_int_equal(st->regime,
                         i < 49 ? CX_SIGNAL_REGIME_NEUTRAL : CX_SIGNAL_REGIME_MEAN_REVERTING);
    }
    near(st->regime_mult, 0.7, 0);
    assert_true(st->rsi > 30.0 && st->rsi < 70.0);
    cx_signal_fini(&sig);
}

/* ---------------------------------------------------------------------------------------------
 * MARK: randomized comparison with a two-pass reference
 * ------------------------------------------------------------------------------------------- */

struct ref_sample {
    int64_t ts;
    double spot, perp, vol;
};

static double ref_mean(const double *x, int n)
{
    double s = 0.0;
    for (int i = 0; i < n; i++)
        s += x[i];
    return s / n;
}

static double ref_var(const double *x, int n)
{
    double m = ref_mean(x, n), s = 0.0;
    for (int i = 0; i < n; i++)
        s += (x[i] - m) * (x[i] - m);
    return s / n;
}

/* Window statistics from scratch over w[0..n) (oldest first). */
static void ref_check(const struct ref_sample *w, int n, const struct cx_signal_cfg *cfg,
                      const struct cx_signal_stats *st)
{
    assert_int_equal(st->n_samples, (uint32_t)n);
    if (n < 20) {
        assert_false(st->is_ready);
        return;
    }
    assert_true(st->is_ready);
    double rs[4096], rp[4096], b[4096];
    int m = n - 1;
    for (int i = 1; i < n; i++) {
        rs[i - 1] = w[i].spot / w[i - 1].spot - 1.0;
        rp[i - 1] = w[i].perp / w[i - 1].perp - 1.0;
    }
    for (int i = 0; i < n; i++)
        b[i] = (w[i].perp - w[i].spot) / w[i].spot;
    double vs = sqrt(ref_var(rs, m)), vp = sqrt(ref_var(rp, m));
    double ms = ref_mean(rs, m), mp = ref_mean(rp, m), cov = 0.0;
    for (int i = 0; i < m; i++)
        cov += (rs[i] - ms) * (rp[i] - mp);
    cov /= m;
    const double tol = 1e-8;
    near(st->spot_vol, vs, tol * vs);
    near(st->perp_vol, vp, tol * vp);
    near(st->vol_ratio, vs / vp, tol);
    near(st->corr, cov / (vs * vp), tol);
    double span = (double)(w[n - 1].ts - w[0].ts);
    near(st->mean_interval_ns, span / m, 1e-12);
    near(st->spot_vol_ann, vs * sqrt(31557600e9 / (span / m)), tol);
    double mx = 0.0;
    for (int i = m - (int)cfg->spike_recent; i < m; i++)
        mx = fabs(rs[i]) > mx ? fabs(rs[i]) : mx;
    near(st->spike_max_abs_return, mx, 1e-15);
    near(st->spike_intensity, mx / vs, tol);
    /* has_spike must agree unless the intensity is within rounding of the threshold. */
    if (fabs(mx / vs - cfg->spike_sigma) > 1e-6)
        assert_int_equal(st->has_spike, mx / vs > cfg->spike_sigma);
    near(st->basis_mean, ref_mean(b, n), 1e-12);
    double bv = sqrt(ref_var(b, n));
    near(st->basis_vol, bv, tol * bv + 1e-15);
    double vsum = 0.0;
    for (int i = 1; i < n; i++)
        vsum += w[i].vol;
    near(st->hourly_volume_quote, vsum * 3600e9 / span, tol);
    int k = (int)cfg->volume_recent < n ? (int)cfg->volume_recent : n;
    double rsum = 0.0;
    for (int i = n - k; i < n; i++)
        rsum += w[i].vol;
    double avg = (vsum + w[0].vol) / n;
    near(st->volume_ratio, (rsum / k) / avg, tol);
    double sma = 0.0;
    for (int i = n - 20; i < n; i++)
        sma += w[i].spot;
    sma /= 20.0;
    near(st->sma, sma, 1e-12);
    near(st->trend_pct, fabs(w[n - 1].spot - sma) / sma * 100.0, 1e-9);
}

static void run_random(uint32_t lookback, uint32_t volume_recent, int samples, uint64_t seed)
{
    struct cx_signal_cfg c;
    cx_signal_cfg_default(&c);
    c.lookback = lookback;
    c.volume_recent = volume_recent;
    struct cx_signal sig;
    assert_int_equal(cx_signal_init(&sig, &c, NULL), 0);
    struct ref_sample *hist = calloc((size_t)samples, sizeof *hist);
    assert_non_null(hist);
    rng_state = seed;
    double spot = 61837.635, perp = 61800.25, rsi_g = 0, rsi_l = 0;
    int64_t ts = T0;
    for (int i = 0; i < samples; i++) {
        /* Correlated random walk with occasional jumps and flat stretches; irregular clock. */
        double common = urand() * 2e-4, jump = (xorshift64s() % 97 == 0) ? urand() * 0.01 : 0.0;
        if (xorshift64s() % 5 != 0)
            spot *= 1.0 + common + urand() * 5e-5 + jump;
        perp *= 1.0 + common + urand() * 5e-5 + jump;
        ts += 200 * CX_NS_PER_MS + (int64_t)(xorshift64s() % (2 * CX_NS_PER_S));
        double vol = (xorshift64s() % 3 == 0) ? 0.0 : (urand() + 1.0) * 50000.0;
        hist[i] = (struct ref_sample){ts, spot, perp, vol};
        feed(&sig, ts, spot, perp, vol);
        int n = i + 1 < (int)lookback ? i + 1 : (int)lookback;
        ref_check(&hist[i + 1 - n], n, &c, cx_signal_get_stats(&sig));
        /* RSI reference over the whole history. */
        if (i > 0) {
            double ch = hist[i].spot - hist[i - 1].spot;
            double g = ch > 0 ? ch : 0, l = ch < 0 ? -ch : 0;
            if (i <= 14) {
                rsi_g += g / 14.0, rsi_l += l / 14.0;
            } else {
                rsi_g = (rsi_g * 13.0 + g) / 14.0, rsi_l = (rsi_l * 13.0 + l) / 14.0;
            }
            if (i >= 14)
                near(cx_signal_get_stats(&sig)->rsi, 100.0 - 100.0 / (1.0 + rsi_g / rsi_l),
                     1e-9);
        }
    }
    free(hist);
    cx_signal_fini(&sig);
}

/* Drift control: 50 returns of +-50 % pass through a window of 50, then 1e-7 returns. Subtracting
 * the squares (0.25) leaves residue of about 1e-17 each, against a true sum of squares of
 * 50 x 1e-14: left alone the residue would be a 1e-3 relative error. After at most one more
 * window the add-only epoch sums have replaced it: the volatility equals the two-pass value. */
static void test_drift(void **state)
{
    (void)state;
    struct cx_signal_cfg c;
    cx_signal_cfg_default(&c);
    c.lookback = 50;
    struct cx_signal sig;
    assert_int_equal(cx_signal_init(&sig, &c, NULL), 0);
    const struct cx_signal_stats *st = cx_signal_get_stats(&sig);
    struct ref_sample *w = calloc(400, sizeof *w);
    assert_non_null(w);
    double sp = 100.0, pp = 100.0;
    for (int i = 0; i < 400; i++) {
        double r = i < 53 ? ((i % 2 == 0) ? 0.5 : -0.4) : ((i % 3 == 0) ? 1e-7 : -0.7e-7);
        sp *= 1.0 + r;
        pp *= 1.0 + r * 0.9 + ((i % 5 == 0) ? 3e-8 : 0.0);
        w[i] = (struct ref_sample){T0 + i * S, sp, pp, 1.0 + (i % 4)};
        feed(&sig, w[i].ts, sp, pp, w[i].vol);
        if (i >= 53 + 2 * 50)
            ref_check(&w[i + 1 - 50], 50, &c, st);
    }
    assert_true(st->spot_vol > 0.0 && st->spot_vol < 1e-6);
    free(w);
    cx_signal_fini(&sig);
}

static void test_random_vs_reference(void **state)
{
    (void)state;
    run_random(50, 1, 3000, 0x9E3779B97F4A7C15ull);
    run_random(100, 7, 3000, 42);
    run_random(337, 337, 2000, 7);
    run_random(4096, 1, 5000, 12345);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cfg),
        cmocka_unit_test(test_names_and_mults),
        cmocka_unit_test(test_input_validation),
        cmocka_unit_test(test_defaults_below_thresholds),
        cmocka_unit_test(test_volatility_and_correlation),
        cmocka_unit_test(test_spike),
        cmocka_unit_test(test_basis),
        cmocka_unit_test(test_liquidity),
        cmocka_unit_test(test_volume_ratio),
        cmocka_unit_test(test_rsi),
        cmocka_unit_test(test_sma_trend_and_regime),
        cmocka_unit_test(test_drift),
        cmocka_unit_test(test_random_vs_reference),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
