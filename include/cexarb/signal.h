/* SPDX-License-Identifier: MIT */
/*
 * signal: rolling market analytics for the maker_hedge strategy (spot market making hedged on the
 * perpetual). An analyzer is fed one sample at a time (spot mid, perp mid, traded volume of the
 * interval, timestamp) and keeps the last `lookback` samples in a ring allocated once at init.
 * After every sample it publishes a cx_signal_stats: spot and perp return volatility and their
 * ratio, spike detection, spot/perp return correlation, basis mean and volatility, RSI(14),
 * SMA(20) trend strength, a market regime and a liquidity tier with their offset multipliers, and
 * the volume ratio.
 *
 * Window: n = min(samples fed, lookback) samples and the n - 1 simple returns between consecutive
 * samples of the window. Volatilities and the correlation are population moments (divisor n - 1,
 * the number of returns, as numpy.std with ddof=0). The update is O(1) in the worst case:
 * running sums, replaced every `lookback` samples by add-only sums that by then cover exactly the
 * window, so rounding residue never outlives one window (docs/internals/signal.md).
 *
 * Below CX_SIGNAL_MIN_SAMPLES samples the window statistics hold neutral defaults (vol ratio 1,
 * correlation 1, no spike, volume ratio 1, MEDIUM liquidity); the regime is NEUTRAL below
 * CX_SIGNAL_REGIME_MIN_SAMPLES. Prices are doubles here: these are analytics, never prices that
 * are sent (STYLE.md C.15).
 *
 * Threads: an analyzer belongs to one thread (the strategy's engine thread); nothing here locks.
 * Only cx_signal_init allocates.
 */
#ifndef CEXARB_SIGNAL_H
#define CEXARB_SIGNAL_H

#include "cexarb/core.h"

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------------
 * MARK: constants
 * ------------------------------------------------------------------------------------------- */

#define CX_SIGNAL_LOOKBACK_DEFAULT 100u  /* samples in the rolling window by default */
#define CX_SIGNAL_LOOKBACK_MIN 50u       /* = CX_SIGNAL_REGIME_MIN_SAMPLES: the regime needs it */
#define CX_SIGNAL_LOOKBACK_MAX 4096u     /* ring capacity bound (~230 KiB of samples) */
#define CX_SIGNAL_MIN_SAMPLES 20u        /* window statistics before this are neutral defaults */
#define CX_SIGNAL_REGIME_MIN_SAMPLES 50u /* regime is NEUTRAL before this */
#define CX_SIGNAL_RSI_PERIOD 14u         /* Wilder's RSI period (samples) */
#define CX_SIGNAL_SMA_PERIOD 20u         /* trend-strength moving average (samples) */
#define CX_SIGNAL_SPIKE_RECENT_MAX 64u   /* upper bound of cfg.spike_recent */

/** Length of a year used to annualise volatilities: 365.25 days in ns (crypto trades 24/7). */
#define CX_SIGNAL_YEAR_NS (INT64_C(31557600) * CX_NS_PER_S)

/** Market regimes (cx_signal_regime_classify). */
enum cx_signal_regime {
    CX_SIGNAL_REGIME_NEUTRAL = 0,        /* neither of the two below; offset multiplier 1.0 */
    CX_SIGNAL_REGIME_TRENDING = 1,       /* price far from its SMA(20); multiplier 1.5 */
    CX_SIGNAL_REGIME_MEAN_REVERTING = 2, /* price near its SMA(20), RSI mid-range; 0.7 */
    CX_SIGNAL_REGIME_COUNT
};

/** Liquidity tiers by hourly traded volume in quote units (cx_signal_liquidity_tier). */
enum cx_signal_liquidity {
    CX_SIGNAL_LIQ_ULTRA_LOW = 0, /* < 50k quote per hour by default; offset multiplier 1.5 */
    CX_SIGNAL_LIQ_LOW = 1,       /* < 100k; 1.3 */
    CX_SIGNAL_LIQ_MEDIUM = 2,    /* < 500k; 1.0 (also the neutral default) */
    CX_SIGNAL_LIQ_HIGH = 3,      /* >= 500k; 0.8 */
    CX_SIGNAL_LIQ_COUNT
};

/* ---------------------------------------------------------------------------------------------
 * MARK: configuration
 * ------------------------------------------------------------------------------------------- */

/* Threads: pure functions (cx_signal_cfg_default writes only the cfg it is given): thread-safe,
 * may be called from any thread. Never block, never allocate. */

/**
 * Analyzer parameters. Keys in docs/config/maker_hedge.md are `signal.<field>`. Boundaries are
 * strict where the text says "<" or ">" (a value exactly at a threshold is in the upper tier, is
 * not a spike, is not TRENDING and not MEAN_REVERTING).
 */
struct cx_signal_cfg {
    uint32_t lookback;                /* samples in the window, [50, 4096], default 100 */
    uint32_t spike_recent;            /* latest returns examined for spikes, [1, 64] and
                                         < CX_SIGNAL_MIN_SAMPLES, default 10 */
    double spike_sigma;               /* spike when |r| > spike_sigma x sigma, (0, 100], 2.5 */
    uint32_t volume_recent;           /* latest intervals whose mean volume is compared with the
                                         window mean (volume_ratio), [1, lookback], default 1 */
    double trend_trending_pct;        /* TRENDING when trend_pct > this (percent), (0, 100], 2 */
    double trend_mean_revert_pct;     /* MEAN_REVERTING needs trend_pct < this (percent),
                                         (0, trend_trending_pct], default 1 */
    double rsi_low;                   /* MEAN_REVERTING needs rsi_low < RSI, [0, 100), 30 */
    double rsi_high;                  /* ... and RSI < rsi_high, (rsi_low, 100], default 70 */
    double liq_ultra_low_below_quote; /* ULTRA_LOW below this hourly volume (quote units),
                                         (0, 1e15], default 50,000 */
    double liq_low_below_quote;       /* LOW below this, [ultra_low, 1e15], default 100,000 */
    double liq_medium_below_quote;    /* MEDIUM below this, [low, 1e15], default 500,000;
                                         HIGH at or above */
};

/**
 * Fill `cfg` with the defaults listed on each field.
 * @param cfg  out, must not be NULL.
 * Thread-safe, never allocates, O(1).
 */
void cx_signal_cfg_default(struct cx_signal_cfg *cfg);

/**
 * Check every field of `cfg` against its allowed range (listed on the field).
 * @param cfg  borrowed, must not be NULL.
 * @param err  optional out (may be NULL): on failure code = CX_ECONFIG, msg = a static string
 *             naming the key and its range ("signal.lookback must be in [50, 4096]"), detail =
 *             the key ("signal.lookback"); file/line/col are left as they were.
 * @return 0; CX_ECONFIG for the first field out of range (NaN is out of every range);
 *         CX_EINVAL when cfg is NULL.
 * Thread-safe, never allocates, O(1).
 */
int cx_signal_cfg_validate(const struct cx_signal_cfg *cfg, struct cx_parse_err *err);

/* ---------------------------------------------------------------------------------------------
 * MARK: samples and statistics
 * ------------------------------------------------------------------------------------------- */

/** One analyzer input: the two mids at ts_ns and the spot volume traded since the previous one. */
struct cx_signal_sample {
    int64_t ts_ns;       /* sample time (engine clock), ns; never decreases */
    double spot_mid;     /* spot (best bid + best ask) / 2, quote units, > 0 */
    double perp_mid;     /* perpetual mid, quote units, > 0 */
    double volume_quote; /* spot volume traded in (previous ts_ns, ts_ns], quote units, >= 0 */
};

/**
 * What the analyzer publishes after each sample. Fractions are plain ratios (0.01 = 1 %); "r" is
 * a simple return p_i / p_(i-1) - 1 between consecutive samples of the window; sigma is the
 * population standard deviation of the window's n - 1 spot returns.
 */
struct cx_signal_stats {
    int64_t ts_ns;                  /* ts_ns of the latest sample, ns (0 before any) */
    uint32_t n_samples;             /* samples in the window, 0..lookback */
    bool is_ready;                  /* n_samples >= CX_SIGNAL_MIN_SAMPLES and the window spans
                                       > 0 ns; otherwise the window fields below hold their
                                       neutral defaults (in brackets) */
    double spot_vol;                /* sigma of spot returns per sample interval, fraction [0] */
    double perp_vol;                /* the same for the perp [0] */
    double spot_vol_ann;            /* spot_vol x sqrt(CX_SIGNAL_YEAR_NS / mean_interval_ns):
                                       annualised, fraction per sqrt(year) (1.0 = 100 %) [0] */
    double perp_vol_ann;            /* the same for the perp [0] */
    double vol_ratio;               /* spot_vol / perp_vol; 1 when perp_vol is 0 [1] */
    double corr;                    /* Pearson correlation of spot and perp returns, [-1, 1];
                                       1 when either variance is 0 (undefined) [1] */
    bool has_spike;                 /* some of the last spike_recent spot returns has
                                       |r| > spike_sigma x sigma [false] */
    double spike_intensity;         /* max |r| / sigma over those returns; 0 when sigma is 0 [0] */
    double spike_max_abs_return;    /* that max |r|, fraction [0] */
    double basis_mean;              /* mean over the window of (perp - spot) / spot, fraction [0] */
    double basis_vol;               /* population std of that basis: basis volatility as a
                                       fraction of the spot price [0] */
    double mean_interval_ns;        /* window span / (n - 1), ns [0] */
    double hourly_volume_quote;     /* spot volume of the window's n - 1 intervals scaled to one
                                       hour by the window span, quote units per hour [0] */
    enum cx_signal_liquidity liquidity; /* tier of hourly_volume_quote [MEDIUM] */
    double liquidity_mult;          /* its offset multiplier [1.0] */
    double volume_ratio;            /* mean volume of the last volume_recent intervals / mean
                                       volume of the window's n intervals; 1 when the window
                                       traded nothing [1] */
    double rsi;                     /* Wilder's RSI(14) of the spot mid since init/reset, 0..100;
                                       50 before RSI_PERIOD + 1 samples */
    double sma;                     /* SMA(20) of the spot mid, quote units; 0 before 20 samples */
    double trend_pct;               /* |spot mid - SMA| / SMA x 100, percent; 0 before 20 */
    enum cx_signal_regime regime;   /* NEUTRAL before CX_SIGNAL_REGIME_MIN_SAMPLES samples */
    double regime_mult;             /* its offset multiplier */
};

/* ---------------------------------------------------------------------------------------------
 * MARK: analyzer
 * ------------------------------------------------------------------------------------------- */

/* Threads: an analyzer has one owner thread (the engine thread of the strategy that holds it);
 * cx_signal_init, _fini, _reset, _update and _get_stats are not thread-safe and nothing locks
 * (the stats pointer is overwritten by the next update). Never block; only cx_signal_init
 * allocates. */

/** One ring entry (private to src/signal; exposed only so the analyzer can live in caller
 * storage). Returns and basis are stored so eviction subtracts exactly what was added. */
struct cx_signal_slot {
    int64_t ts_ns;       /* sample time, ns */
    double spot_mid;     /* quote units */
    double perp_mid;     /* quote units */
    double volume_quote; /* quote units */
    double r_spot;       /* spot return vs the previous sample (0 for the first ever) */
    double r_perp;       /* perp return vs the previous sample */
    double basis;        /* (perp - spot) / spot */
};

/** Running sums over a set of ring slots (private to src/signal). */
struct cx_signal_sums {
    double rs, rs2;      /* sum of spot returns and of their squares */
    double rp, rp2;      /* the same, perp */
    double rsrp;         /* sum of spot x perp return products */
    double b_ref;        /* shift of the basis sums */
    double b, b2;        /* sum of (basis - b_ref) and of its squares */
    double vol;          /* sum of volumes, quote units */
    uint32_t nz_rs;      /* non-zero spot returns summed */
    uint32_t nz_rp;      /* non-zero perp returns summed */
    uint32_t nz_vol;     /* non-zero volumes summed */
};

/**
 * A rolling analyzer. Caller-provided storage (cx_signal_init / cx_signal_fini); fields are
 * private to src/signal: read results with cx_signal_get_stats.
 */
struct cx_signal {
    struct cx_signal_cfg cfg;     /* validated copy */
    struct cx_signal_slot *ring;  /* cfg.lookback slots, owned (calloc in init) */
    uint32_t head;                /* slot of the next sample */
    uint32_t count;               /* samples in the window, <= lookback */
    struct cx_signal_sums win;    /* over the window (returns: the n - 1 newest slots) */
    struct cx_signal_sums fresh;  /* add-only sums over the samples of the current epoch */
    uint32_t fresh_n;             /* samples in the current epoch, < lookback */
    double vol_recent;            /* volume of the newest min(volume_recent, n) samples */
    double vol_recent_fresh;      /* add-only volume of the current recent epoch */
    uint32_t recent_fresh_n;      /* samples in the current recent epoch, < volume_recent */
    uint64_t samples;             /* samples accepted since init/reset */
    double rsi_gain_sum;          /* RSI seed: sum of the first RSI_PERIOD gains */
    double rsi_loss_sum;          /* ... and losses (positive) */
    double rsi_avg_gain;          /* Wilder-smoothed average gain, quote units */
    double rsi_avg_loss;          /* Wilder-smoothed average loss, quote units (positive) */
    struct cx_signal_stats stats; /* published after every accepted sample */
};

/**
 * Set up an analyzer: validate `cfg`, allocate the ring and reset the state.
 * @param sig  out storage owned by the caller (its previous contents are ignored); release with
 *             cx_signal_fini.
 * @param cfg  borrowed; copied. NULL means cx_signal_cfg_default.
 * @param err  optional out for the CX_ECONFIG report (see cx_signal_cfg_validate).
 * @return 0; CX_ECONFIG (cfg out of range, *sig untouched); CX_ENOMEM; CX_EINVAL (sig NULL).
 * Allocates cfg->lookback x 56 bytes (calloc) at configuration time. Not on the hot path.
 */
int cx_signal_init(struct cx_signal *sig, const struct cx_signal_cfg *cfg,
                   struct cx_parse_err *err);

/**
 * Free the ring. The analyzer must be cx_signal_init'ed again before reuse. Safe on a zeroed
 * struct and when called twice; NULL is a no-op. Never fails.
 */
void cx_signal_fini(struct cx_signal *sig);

/**
 * Forget every sample (window, RSI history, statistics back to their neutral defaults); keeps
 * the configuration and the ring. Never allocates, O(1).
 * @param sig  must have been initialised.
 */
void cx_signal_reset(struct cx_signal *sig);

/**
 * Add one sample (dropping the oldest when the window is full) and recompute the statistics.
 * @param sig     an initialised analyzer.
 * @param sample  borrowed; copied into the ring.
 * @return 0; CX_ETIME when sample->ts_ns is before the previous sample's (equal is allowed);
 *         CX_EINVAL when a mid is not a finite number > 0, the volume is not a finite number
 *         >= 0, or a pointer is NULL. On error nothing changes.
 * Thread: the analyzer's owner only. Never allocates. O(spike_recent + CX_SIGNAL_SMA_PERIOD)
 * per call in the worst case, independent of lookback.
 * Sources: RSI, J. Welles Wilder Jr., "New Concepts in Technical Trading Systems" (Trend
 * Research, 1978), section "Relative Strength Index": first averages are simple means of the
 * first 14 gains and losses, then avg = (previous avg x 13 + current) / 14, RS = avg gain / avg
 * loss, RSI = 100 - 100 / (1 + RS). Pearson correlation: K. Pearson, "Mathematical Contributions
 * to the Theory of Evolution III", Phil. Trans. R. Soc. A 187 (1896).
 * @code
 *   struct cx_signal sig;
 *   cx_signal_init(&sig, NULL, NULL);
 *   struct cx_signal_sample s = {.ts_ns = now_ns, .spot_mid = 61837.635, .perp_mid = 61800.25,
 *                                .volume_quote = 12345.6};
 *   if (cx_signal_update(&sig, &s) == 0 && cx_signal_get_stats(&sig)->has_spike) widen();
 * @endcode
 */
int cx_signal_update(struct cx_signal *sig, const struct cx_signal_sample *sample);

/**
 * The statistics after the latest accepted sample (neutral defaults before any).
 * @return a pointer into `sig`, valid until the next cx_signal_update/reset/fini on it. Never
 *         NULL for an initialised analyzer. O(1), never allocates.
 */
const struct cx_signal_stats *cx_signal_get_stats(const struct cx_signal *sig);

/* ---------------------------------------------------------------------------------------------
 * MARK: classification (pure functions)
 * ------------------------------------------------------------------------------------------- */

/* Threads: pure functions (cfg is only read): thread-safe, may be called from any thread. Never
 * block, never allocate. */

/**
 * Regime of a trend strength and RSI: TRENDING when trend_pct > cfg->trend_trending_pct;
 * MEAN_REVERTING when trend_pct < cfg->trend_mean_revert_pct and rsi_low < rsi < rsi_high;
 * NEUTRAL otherwise (also for NaN inputs).
 * @param cfg  borrowed, validated. @param trend_pct  percent. @param rsi  0..100.
 * Thread-safe, never allocates, O(1).
 */
enum cx_signal_regime cx_signal_regime_classify(const struct cx_signal_cfg *cfg, double trend_pct,
                                                double rsi);

/**
 * Liquidity tier of an hourly volume: ULTRA_LOW below liq_ultra_low_below_quote, LOW below
 * liq_low_below_quote, MEDIUM below liq_medium_below_quote, HIGH otherwise (MEDIUM for NaN).
 * @param hourly_volume_quote  quote units per hour, >= 0.
 * Thread-safe, never allocates, O(1).
 */
enum cx_signal_liquidity cx_signal_liquidity_tier(const struct cx_signal_cfg *cfg,
                                                  double hourly_volume_quote);

/** Offset multiplier of a regime: TRENDING 1.5, MEAN_REVERTING 0.7, NEUTRAL (and unknown) 1.0. */
double cx_signal_regime_mult(enum cx_signal_regime regime);

/** Offset multiplier of a tier: ULTRA_LOW 1.5, LOW 1.3, MEDIUM (and unknown) 1.0, HIGH 0.8. */
double cx_signal_liquidity_mult(enum cx_signal_liquidity tier);

/** "NEUTRAL", "TRENDING", "MEAN_REVERTING"; "?" for an unknown value. Static, never NULL. */
const char *cx_signal_regime_name(enum cx_signal_regime regime);

/** "ULTRA_LOW", "LOW", "MEDIUM", "HIGH"; "?" for an unknown value. Static, never NULL. */
const char *cx_signal_liquidity_name(enum cx_signal_liquidity tier);

#ifdef __cplusplus
}
#endif
#endif /* CEXARB_SIGNAL_H */
