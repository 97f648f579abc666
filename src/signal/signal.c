/* SPDX-License-Identifier: MIT */
/*
 * signal analyzer: a fixed ring of the last `lookback` samples and running sums over it, so one
 * update costs O(spike_recent + SMA period) whatever the lookback. Invariants between updates
 * (n = count; the window's returns are the r_* of the n - 1 newest slots):
 *   win.rs = sum of r_spot over the window returns, win.rs2 of their squares (same for perp and
 *   the product); win.b(2) = sum of (basis - win.b_ref) (squared) over the n slots; win.vol =
 *   sum of the n volumes; vol_recent = sum of the newest min(volume_recent, n) volumes;
 *   win.nz_* count the non-zero terms, so a window of exactly zero returns has exactly zero
 *   variance whatever rounding the add/subtract sequence left in the sums.
 * Subtracting what was added leaves rounding residue. `fresh` holds add-only sums of the samples
 * of the current epoch (the first one's return excluded); after `lookback` samples the epoch's
 * samples are exactly the window, so `fresh` replaces `win` and a new epoch starts: residue never
 * outlives one window, with no O(lookback) recompute (the same for vol_recent with epochs of
 * volume_recent samples). Variances are clamped at 0 and treated as 0 below the rounding noise
 * of their own formula (docs/internals/signal.md, "Numerics").
 */
#include "cexarb/signal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Variance below this fraction of the mean square is rounding noise of sum2/m - mean^2 (about
 * m x DBL_EPSILON relative, m <= 4096 -> 1e-12): it is reported as exactly 0. */
#define VAR_NOISE_REL 1e-12

/* ---------------------------------------------------------------------------------------------
 * MARK: lifecycle
 * ------------------------------------------------------------------------------------------- */

static void stats_neutral(struct cx_signal_stats *st)
{
    memset(st, 0, sizeof *st);
    st->vol_ratio = 1.0;
    st->corr = 1.0;
    st->liquidity = CX_SIGNAL_LIQ_MEDIUM;
    st->liquidity_mult = cx_signal_liquidity_mult(CX_SIGNAL_LIQ_MEDIUM);
    st->volume_ratio = 1.0;
    st->rsi = 50.0;
    st->regime = CX_SIGNAL_REGIME_NEUTRAL;
    st->regime_mult = cx_signal_regime_mult(CX_SIGNAL_REGIME_NEUTRAL);
}

int cx_signal_init(struct cx_signal *sig, const struct cx_signal_cfg *cfg,
                   struct cx_parse_err *err)
{
    if (sig == NULL)
        return CX_EINVAL;
    struct cx_signal_cfg def;
    if (cfg == NULL) {
        cx_signal_cfg_default(&def);
        cfg = &def;
    }
    int rc = cx_signal_cfg_validate(cfg, err);
    if (rc != 0)
        return rc;
    struct cx_signal_slot *ring = calloc(cfg->lookback, sizeof *ring);
    if (ring == NULL)
        return CX_ENOMEM;
    memset(sig, 0, sizeof *sig);
    sig->cfg = *cfg;
    sig->ring = ring;
    cx_signal_reset(sig);
    return 0;
}

void cx_signal_fini(struct cx_signal *sig)
{
    if (sig == NULL)
        return;
    free(sig->ring);
    sig->ring = NULL;
    sig->count = 0;
}

void cx_signal_reset(struct cx_signal *sig)
{
    sig->head = 0;
    sig->count = 0;
    memset(&sig->win, 0, sizeof sig->win);
    memset(&sig->fresh, 0, sizeof sig->fresh);
    sig->fresh_n = 0;
    sig->vol_recent = sig->vol_recent_fresh = 0.0;
    sig->recent_fresh_n = 0;
    sig->samples = 0;
    sig->rsi_gain_sum = sig->rsi_loss_sum = 0.0;
    sig->rsi_avg_gain = sig->rsi_avg_loss = 0.0;
    stats_neutral(&sig->stats);
}

const struct cx_signal_stats *cx_signal_get_stats(const struct cx_signal *sig)
{
    return &sig->stats;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: ring helpers
 * ------------------------------------------------------------------------------------------- */

/* Slot `back` samples before the newest (0 = newest). Requires back < count. */
static inline const struct cx_signal_slot *slot_back(const struct cx_signal *sig, uint32_t back)
{
    uint32_t cap = sig->cfg.lookback;
    uint32_t i = sig->head + cap - 1u - back;
    if (i >= cap)
        i -= cap;
    return &sig->ring[i];
}

/* Adds (sign +1) or removes (sign -1) a slot's returns. */
static inline void sums_returns(struct cx_signal_sums *u, const struct cx_signal_slot *s,
                                double sign)
{
    u->rs += sign * s->r_spot;
    u->rs2 += sign * s->r_spot * s->r_spot;
    u->rp += sign * s->r_perp;
    u->rp2 += sign * s->r_perp * s->r_perp;
    u->rsrp += sign * s->r_spot * s->r_perp;
    if (sign > 0.0) {
        u->nz_rs += s->r_spot != 0.0;
        u->nz_rp += s->r_perp != 0.0;
    } else {
        u->nz_rs -= s->r_spot != 0.0;
        u->nz_rp -= s->r_perp != 0.0;
    }
}

/* Adds or removes a slot's basis and volume. */
static inline void sums_level(struct cx_signal_sums *u, const struct cx_signal_slot *s,
                              double sign)
{
    double db = s->basis - u->b_ref;
    u->b += sign * db;
    u->b2 += sign * db * db;
    u->vol += sign * s->volume_quote;
    if (sign > 0.0)
        u->nz_vol += s->volume_quote != 0.0;
    else
        u->nz_vol -= s->volume_quote != 0.0;
}

/* Population variance from a sum and a sum of squares of m terms; 0 when no term is non-zero
 * or when the result is below the formula's rounding noise. */
static inline double var_from_sums(double sum, double sum2, uint32_t m, uint32_t nonzero)
{
    if (m == 0 || nonzero == 0)
        return 0.0;
    double mean = sum / (double)m;
    double meansq = sum2 / (double)m;
    double v = meansq - mean * mean;
    if (!(v > VAR_NOISE_REL * meansq))
        return 0.0;
    return v;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: statistics
 * ------------------------------------------------------------------------------------------- */

static void compute_stats(struct cx_signal *sig)
{
    const struct cx_signal_cfg *cfg = &sig->cfg;
    struct cx_signal_stats *st = &sig->stats;
    const struct cx_signal_slot *newest = slot_back(sig, 0);
    const struct cx_signal_slot *oldest = slot_back(sig, sig->count - 1u);
    double rsi = st->rsi;
    stats_neutral(st);
    st->ts_ns = newest->ts_ns;
    st->n_samples = sig->count;

    /* RSI (Wilder 1978): defined once RSI_PERIOD changes have been seen. */
    st->rsi = rsi;
    if (sig->samples > CX_SIGNAL_RSI_PERIOD) {
        double g = sig->rsi_avg_gain, l = sig->rsi_avg_loss;
        if (l > 0.0)
            st->rsi = 100.0 - 100.0 / (1.0 + g / l);
        else
            st->rsi = g > 0.0 ? 100.0 : 50.0; /* only gains: 100; flat: undefined -> 50 */
    }

    /* SMA(20) trend strength over the newest 20 spot mids (exact sum, no drift). */
    if (sig->count >= CX_SIGNAL_SMA_PERIOD) {
        double sum = 0.0;
        for (uint32_t back = 0; back < CX_SIGNAL_SMA_PERIOD; back++)
            sum += slot_back(sig, back)->spot_mid;
        st->sma = sum / (double)CX_SIGNAL_SMA_PERIOD;
        st->trend_pct = fabs(newest->spot_mid - st->sma) / st->sma * 100.0;
    }
    if (sig->count >= CX_SIGNAL_REGIME_MIN_SAMPLES) {
        st->regime = cx_signal_regime_classify(cfg, st->trend_pct, st->rsi);
        st->regime_mult = cx_signal_regime_mult(st->regime);
    }

    int64_t span_ns = newest->ts_ns - oldest->ts_ns;
    if (sig->count < CX_SIGNAL_MIN_SAMPLES || span_ns <= 0)
        return;
    st->is_ready = true;
    uint32_t n = sig->count, m = n - 1u;

    /* Volatility, ratio and correlation of the m window returns (population moments). */
    double var_s = var_from_sums(sig->win.rs, sig->win.rs2, m, sig->win.nz_rs);
    double var_p = var_from_sums(sig->win.rp, sig->win.rp2, m, sig->win.nz_rp);
    st->spot_vol = sqrt(var_s);
    st->perp_vol = sqrt(var_p);
    st->vol_ratio = st->perp_vol > 0.0 ? st->spot_vol / st->perp_vol : 1.0;
    if (var_s > 0.0 && var_p > 0.0) {
        double ms = sig->win.rs / (double)m, mp = sig->win.rp / (double)m;
        double cov = sig->win.rsrp / (double)m - ms * mp;
        double c = cov / sqrt(var_s * var_p);
        st->corr = c > 1.0 ? 1.0 : (c < -1.0 ? -1.0 : c);
    }
    st->mean_interval_ns = (double)span_ns / (double)m;
    double ann = sqrt((double)CX_SIGNAL_YEAR_NS / st->mean_interval_ns);
    st->spot_vol_ann = st->spot_vol * ann;
    st->perp_vol_ann = st->perp_vol * ann;

    /* Spikes among the newest spike_recent spot returns (all inside the window: k < 20 <= n). */
    double max_abs = 0.0;
    for (uint32_t back = 0; back < cfg->spike_recent; back++) {
        double a = fabs(slot_back(sig, back)->r_spot);
        if (a > max_abs)
            max_abs = a;
    }
    st->spike_max_abs_return = max_abs;
    if (st->spot_vol > 0.0) {
        st->spike_intensity = max_abs / st->spot_vol;
        st->has_spike = max_abs > cfg->spike_sigma * st->spot_vol;
    }

    /* Basis over the n samples, shifted by basis_ref. */
    double db_mean = sig->win.b / (double)n;
    st->basis_mean = sig->win.b_ref + db_mean;
    double var_b = sig->win.b2 / (double)n - db_mean * db_mean;
    st->basis_vol = var_b > VAR_NOISE_REL * (sig->win.b2 / (double)n) ? sqrt(var_b) : 0.0;

    /* Volume: the oldest slot's volume belongs to an interval that starts before the window's
     * first timestamp, so the span covers exactly the other n - 1 intervals. */
    double vol_span = sig->win.vol - oldest->volume_quote;
    if (vol_span < 0.0 || sig->win.nz_vol == 0)
        vol_span = 0.0;
    st->hourly_volume_quote = vol_span * (double)(3600 * CX_NS_PER_S) / (double)span_ns;
    st->liquidity = cx_signal_liquidity_tier(cfg, st->hourly_volume_quote);
    st->liquidity_mult = cx_signal_liquidity_mult(st->liquidity);
    double avg = sig->win.vol / (double)n;
    if (sig->win.nz_vol > 0 && avg > 0.0) {
        uint32_t k = cfg->volume_recent < n ? cfg->volume_recent : n;
        double recent = sig->vol_recent / (double)k;
        st->volume_ratio = recent > 0.0 ? recent / avg : 0.0;
    }
}

/* ---------------------------------------------------------------------------------------------
 * MARK: update
 * ------------------------------------------------------------------------------------------- */

int cx_signal_update(struct cx_signal *sig, const struct cx_signal_sample *sample)
{
    if (sig == NULL || sample == NULL || sig->ring == NULL)
        return CX_EINVAL;
    double spot = sample->spot_mid, perp = sample->perp_mid, vol = sample->volume_quote;
    if (!(isfinite(spot) && spot > 0.0 && isfinite(perp) && perp > 0.0 && isfinite(vol) &&
          vol >= 0.0))
        return CX_EINVAL;
    uint32_t cap = sig->cfg.lookback;
    const struct cx_signal_slot *prev = sig->count > 0 ? slot_back(sig, 0) : NULL;
    if (prev != NULL && sample->ts_ns < prev->ts_ns)
        return CX_ETIME;

    struct cx_signal_slot s;
    s.ts_ns = sample->ts_ns;
    s.spot_mid = spot;
    s.perp_mid = perp;
    s.volume_quote = vol;
    s.r_spot = prev != NULL ? spot / prev->spot_mid - 1.0 : 0.0;
    s.r_perp = prev != NULL ? perp / prev->perp_mid - 1.0 : 0.0;
    s.basis = (perp - spot) / spot;

    /* RSI: Wilder's smoothing over the whole history since reset (the indicator is recursive by
     * definition; it is not limited to the window). */
    if (prev != NULL) {
        double ch = spot - prev->spot_mid;
        double gain = ch > 0.0 ? ch : 0.0, loss = ch < 0.0 ? -ch : 0.0;
        uint64_t changes = sig->samples; /* this change's 1-based number */
        const double p = (double)CX_SIGNAL_RSI_PERIOD;
        if (changes <= CX_SIGNAL_RSI_PERIOD) {
            sig->rsi_gain_sum += gain;
            sig->rsi_loss_sum += loss;
            if (changes == CX_SIGNAL_RSI_PERIOD) {
                sig->rsi_avg_gain = sig->rsi_gain_sum / p;
                sig->rsi_avg_loss = sig->rsi_loss_sum / p;
            }
        } else {
            sig->rsi_avg_gain = (sig->rsi_avg_gain * (p - 1.0) + gain) / p;
            sig->rsi_avg_loss = (sig->rsi_avg_loss * (p - 1.0) + loss) / p;
        }
    }

    /* The newest min(volume_recent, n) volumes: the sample volume_recent back leaves that set.
     * Read before the eviction below may overwrite it (volume_recent == lookback). */
    uint32_t k = sig->cfg.volume_recent;
    if (sig->count >= k)
        sig->vol_recent -= slot_back(sig, k - 1u)->volume_quote;
    sig->vol_recent += vol;
    sig->vol_recent_fresh += vol;
    if (++sig->recent_fresh_n == k) {
        sig->vol_recent = sig->vol_recent_fresh; /* exactly the newest k, add-only */
        sig->vol_recent_fresh = 0.0;
        sig->recent_fresh_n = 0;
    }

    if (sig->count == cap) {
        /* Evict the oldest slot (at head): its basis and volume leave; its return was already
         * outside. The next oldest becomes the oldest, so its return leaves the return set.
         * Both are older than the epoch, so `fresh` never held them. */
        sums_level(&sig->win, &sig->ring[sig->head], -1.0);
        sums_returns(&sig->win, slot_back(sig, cap - 2u), -1.0);
        sig->count--;
    }
    if (sig->count == 0) {
        sig->win.b_ref = s.basis;
        sig->fresh.b_ref = s.basis;
    }
    sig->ring[sig->head] = s;
    if (sig->count > 0)
        sums_returns(&sig->win, &s, 1.0);
    sums_level(&sig->win, &s, 1.0);
    /* The epoch's first sample becomes the window's oldest when the epoch completes, so its
     * return is not part of `fresh`. */
    if (sig->fresh_n > 0)
        sums_returns(&sig->fresh, &s, 1.0);
    sums_level(&sig->fresh, &s, 1.0);
    sig->head = sig->head + 1u == cap ? 0u : sig->head + 1u;
    sig->count++;
    sig->samples++;
    if (++sig->fresh_n == cap) {
        /* The epoch's samples are now exactly the window: swap in the add-only sums and start
         * the next epoch shifted by the window's basis mean. */
        double mean_b = sig->fresh.b_ref + sig->fresh.b / (double)cap;
        sig->win = sig->fresh;
        memset(&sig->fresh, 0, sizeof sig->fresh);
        sig->fresh.b_ref = mean_b;
        sig->fresh_n = 0;
    }
    compute_stats(sig);
    return 0;
}
