/* SPDX-License-Identifier: MIT */
/*
 * Naked-exposure budget: the integral of |unhedged quantity| dt, kept exactly in unsigned 128-bit
 * qty-mantissa x ns. |qty_m| < 2^63 and dt < 2^64, so one step is < 2^127 and fits; sums
 * saturate at the 128-bit maximum instead of wrapping. The quantity is piecewise constant: each
 * update first integrates the old quantity up to its time, then applies the change, so the
 * integral never depends on how often the caller advances it.
 */
#include "cexarb/risk.h"

#include <string.h>

typedef unsigned __int128 u128; /* file-local shorthand, never exported */

#define U128_MAX (~(u128)0)

static inline u128 add_sat(u128 a, u128 b)
{
    return a > U128_MAX - b ? U128_MAX : a + b;
}

static inline uint64_t mag(int64_t v)
{
    return v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
}

int cx_risk_exposure_init(struct cx_risk_exposure *exposure, int64_t budget_qty_m,
                          int64_t budget_ns, int64_t now_ns)
{
    if (exposure == NULL || budget_qty_m <= 0 || budget_ns <= 0)
        return CX_EINVAL;
    memset(exposure, 0, sizeof *exposure);
    exposure->budget_qty_m_ns = (u128)(uint64_t)budget_qty_m * (uint64_t)budget_ns;
    exposure->last_ns = now_ns;
    return 0;
}

int cx_risk_exposure_advance(struct cx_risk_exposure *exposure, int64_t now_ns)
{
    if (exposure == NULL)
        return CX_EINVAL;
    if (now_ns < exposure->last_ns)
        return CX_ETIME;
    uint64_t dt = (uint64_t)now_ns - (uint64_t)exposure->last_ns; /* < 2^64, exact */
    exposure->last_ns = now_ns;
    if (exposure->qty_m == 0 || dt == 0)
        return 0;
    u128 step = (u128)mag(exposure->qty_m) * dt;
    exposure->episode_qty_m_ns = add_sat(exposure->episode_qty_m_ns, step);
    exposure->total_qty_m_ns = add_sat(exposure->total_qty_m_ns, step);
    if (!exposure->is_exceeded && exposure->episode_qty_m_ns > exposure->budget_qty_m_ns) {
        exposure->is_exceeded = true;
        exposure->exceeded_episodes++;
        /* The first ns at which the integral passed the budget, not the time it was noticed:
         * the smallest t with before + |q| x (t - t0) > budget. */
        u128 before = exposure->episode_qty_m_ns - step;
        u128 need = (exposure->budget_qty_m_ns - before) / mag(exposure->qty_m) + 1u;
        exposure->exceeded_at_ns = (int64_t)((uint64_t)now_ns - dt + (uint64_t)need);
    }
    return 0;
}

int cx_risk_exposure_set(struct cx_risk_exposure *exposure, int64_t now_ns, int64_t qty_m)
{
    if (exposure == NULL || qty_m == INT64_MIN)
        return CX_EINVAL;
    int rc = cx_risk_exposure_advance(exposure, now_ns);
    if (rc != 0)
        return rc;
    if (exposure->qty_m == 0 && qty_m != 0) {
        exposure->episodes++;
        exposure->episode_qty_m_ns = 0;
        exposure->episode_start_ns = now_ns;
        exposure->exceeded_at_ns = 0;
        exposure->is_exceeded = false;
    } else if (exposure->qty_m != 0 && qty_m == 0) {
        exposure->is_exceeded = false;
    }
    exposure->qty_m = qty_m;
    return 0;
}

int cx_risk_exposure_add(struct cx_risk_exposure *exposure, int64_t now_ns, int64_t delta_qty_m)
{
    if (exposure == NULL)
        return CX_EINVAL;
    int64_t q;
    if (__builtin_add_overflow(exposure->qty_m, delta_qty_m, &q))
        return CX_EOVERFLOW;
    if (now_ns < exposure->last_ns)
        return CX_ETIME;
    return cx_risk_exposure_set(exposure, now_ns, q);
}

int64_t cx_risk_exposure_ns_left(const struct cx_risk_exposure *exposure)
{
    if (exposure->qty_m == 0)
        return INT64_MAX;
    if (exposure->episode_qty_m_ns > exposure->budget_qty_m_ns)
        return 0;
    u128 dt = (exposure->budget_qty_m_ns - exposure->episode_qty_m_ns) / mag(exposure->qty_m) + 1u;
    return dt > (u128)INT64_MAX ? INT64_MAX : (int64_t)dt;
}

double cx_risk_exposure_used(const struct cx_risk_exposure *exposure)
{
    return (double)exposure->episode_qty_m_ns / (double)exposure->budget_qty_m_ns;
}
