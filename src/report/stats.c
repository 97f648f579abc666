/* SPDX-License-Identifier: MIT */
/*
 * Session statistics: PnL breakdown, trading counts, FIFO round trips and the return/risk
 * ratios of the equity curve. Definitions are in include/cexarb/report.h next to each field and
 * in docs/internals/report.md with worked examples; this file follows them literally. Money is
 * converted from exact int64 mantissas to double only here, for analytics (STYLE.md C.15).
 */
#include "report_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------------------------------------
 * MARK: helpers
 * ------------------------------------------------------------------------------------------- */

double cx__rep_money(int64_t m)
{
    return cx_dec_to_double(m, CX_NOTIONAL_EXP);
}

double cx__rep_mult(const struct cx_instrument *inst)
{
    return inst->multiplier > 0 ? cx_dec_to_double(inst->multiplier, inst->multiplier_exp) : 1.0;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

int64_t cx__rep_infer_interval(const struct cx_store_perf_row *perf, size_t n)
{
    if (n < 2)
        return CX_NS_PER_S;
    int64_t *d = malloc((n - 1) * sizeof *d);
    if (d == NULL)
        return -1;
    for (size_t i = 1; i < n; i++)
        d[i - 1] = perf[i].ts_ns - perf[i - 1].ts_ns;
    qsort(d, n - 1, sizeof *d, cmp_i64);
    /* Lower median: the final, possibly partial, interval cannot move it for n > 3. */
    int64_t med = d[(n - 2) / 2];
    free(d);
    return med > 0 ? med : CX_NS_PER_S;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: equity curve
 * ------------------------------------------------------------------------------------------- */

/* Returns statistics: mean, sample std, downside deviation (target 0, divisor n). */
static void curve_stats(const struct cx_store_perf_row *perf, size_t n,
                        struct cx_report_stats *st)
{
    st->mean_return = NAN;
    st->volatility = NAN;
    st->sharpe = NAN;
    st->sortino = NAN;
    st->returns = 0;
    if (n < 2)
        return;
    /* Welford's running mean and sum of squared deviations (Knuth TAOCP vol. 2, 4.2.2). */
    double mean = 0.0, m2 = 0.0, down2 = 0.0;
    uint64_t k = 0;
    for (size_t i = 1; i < n; i++) {
        double prev = cx__rep_money(perf[i - 1].equity);
        if (!(prev > 0.0))
            return; /* returns undefined from here: every return statistic stays NaN */
        double r = cx__rep_money(perf[i].equity) / prev - 1.0;
        k++;
        double delta = r - mean;
        mean += delta / (double)k;
        m2 += delta * (r - mean);
        if (r < 0.0)
            down2 += r * r;
    }
    st->returns = k;
    st->mean_return = mean;
    double ann = sqrt(st->periods_per_year);
    /* Sortino & Price (1994): downside deviation over all n periods, target return 0. */
    double dd = sqrt(down2 / (double)k);
    if (dd > 0.0)
        st->sortino = mean / dd * ann;
    else if (mean > 0.0)
        st->sortino = INFINITY;
    if (k < 2)
        return;
    /* Sharpe (1994): mean excess return over its standard deviation; risk-free rate 0. */
    double sd = sqrt(m2 / (double)(k - 1));
    st->volatility = sd * ann;
    if (sd > 0.0)
        st->sharpe = mean / sd * ann;
    else if (mean != 0.0)
        st->sharpe = mean > 0.0 ? INFINITY : -INFINITY;
}

static void drawdown_stats(const struct cx_store_perf_row *perf, size_t n,
                           struct cx_report_stats *st)
{
    st->max_drawdown = 0.0;
    st->max_drawdown_peak_ns = 0;
    st->max_drawdown_trough_ns = 0;
    st->max_drawdown_duration_ns = 0;
    if (n == 0)
        return;
    int64_t peak = perf[0].equity;
    int64_t peak_ts = perf[0].ts_ns;
    int64_t mdd_peak = 0;
    size_t trough_i = 0;
    int found = 0;
    for (size_t i = 0; i < n; i++) {
        if (perf[i].equity > peak) {
            peak = perf[i].equity;
            peak_ts = perf[i].ts_ns;
        }
        if (peak <= 0)
            continue;
        /* Both operands are exact integers below 2^53 in any real account, so the fraction is
         * the correctly rounded quotient. */
        double dd = ((double)peak - (double)perf[i].equity) / (double)peak;
        if (dd > st->max_drawdown) {
            st->max_drawdown = dd;
            st->max_drawdown_peak_ns = peak_ts;
            st->max_drawdown_trough_ns = perf[i].ts_ns;
            mdd_peak = peak;
            trough_i = i;
            found = 1;
        }
    }
    if (!found)
        return;
    int64_t end = perf[n - 1].ts_ns;
    for (size_t i = trough_i + 1; i < n; i++) {
        if (perf[i].equity >= mdd_peak) {
            end = perf[i].ts_ns;
            break;
        }
    }
    st->max_drawdown_duration_ns = end - st->max_drawdown_peak_ns;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: round trips
 * ------------------------------------------------------------------------------------------- */

/* One open lot: the unmatched remainder of an opening fill. */
struct lot {
    int64_t qty_m;       /* remaining quantity at qty_exp (> 0) */
    double price;        /* entry price */
    double fee_per_qty;  /* entry fee per qty mantissa unit (quote) */
};

/* FIFO queue of open lots of one instrument; all lots share one direction. */
struct lot_queue {
    struct lot *lots;    /* lots[head..tail) open, oldest first */
    size_t head, tail;   /* queue bounds */
    int dir;             /* +1 long lots, -1 short lots */
};

/*
 * FIFO matching per instrument: a fill opposite to the open lots closes them oldest first; the
 * fill closes one round trip whose PnL is sum over matched parts of
 * dir * (exit - entry) * qty * mult, minus the entry and exit fees pro rata to the matched
 * quantity. Any unmatched remainder opens a lot in the fill's direction.
 */
static int round_trips(const struct cx_report_input *in, struct cx_report_stats *st)
{
    uint32_t ninst = in->reg->count;
    if (in->n_fills == 0 || ninst == 0)
        return 0;
    struct lot_queue *q = calloc(ninst, sizeof *q);
    size_t *per = calloc(ninst, sizeof *per);
    int rc = 0;
    if (q == NULL || per == NULL) {
        rc = CX_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < in->n_fills; i++)
        per[in->fills[i].fill.inst_id]++;
    for (uint32_t k = 0; k < ninst; k++) {
        if (per[k] == 0)
            continue;
        q[k].lots = malloc(per[k] * sizeof *q[k].lots);
        if (q[k].lots == NULL) {
            rc = CX_ENOMEM;
            goto out;
        }
    }
    for (size_t i = 0; i < in->n_fills; i++) {
        const struct cx_fill *f = &in->fills[i].fill;
        const struct cx_instrument *inst = cx_registry_get(in->reg, f->inst_id);
        struct lot_queue *lq = &q[f->inst_id];
        if (f->qty_m <= 0)
            continue;
        double price = cx_dec_to_double(f->price_m, inst->price_exp);
        double unit = cx_dec_to_double(1, inst->qty_exp) * cx__rep_mult(inst);
        double fee_per_qty = cx__rep_money(f->fee) / (double)f->qty_m;
        int dir = f->side == CX_SIDE_BID ? 1 : -1;
        int64_t left = f->qty_m;
        if (lq->head < lq->tail && lq->dir == -dir) {
            double pnl = 0.0;
            while (left > 0 && lq->head < lq->tail) {
                struct lot *lot = &lq->lots[lq->head];
                int64_t m = left < lot->qty_m ? left : lot->qty_m;
                pnl += (double)lq->dir * (price - lot->price) * (double)m * unit;
                pnl -= (lot->fee_per_qty + fee_per_qty) * (double)m;
                lot->qty_m -= m;
                left -= m;
                if (lot->qty_m == 0)
                    lq->head++;
            }
            st->round_trips++;
            if (pnl > 0.0) {
                st->wins++;
                st->gross_profit += pnl;
            } else if (pnl < 0.0) {
                st->losses++;
                st->gross_loss -= pnl;
            }
        }
        if (left > 0) {
            if (lq->head == lq->tail) {
                lq->head = lq->tail = 0;
                lq->dir = dir;
            }
            lq->lots[lq->tail++] = (struct lot){left, price, fee_per_qty};
        }
    }
out:
    if (q != NULL)
        for (uint32_t k = 0; k < ninst; k++)
            free(q[k].lots);
    free(q);
    free(per);
    return rc;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: compute
 * ------------------------------------------------------------------------------------------- */

/* Fraction of equity samples at which some instrument holds a non-zero position. */
static int time_in_market(const struct cx_report_input *in, struct cx_report_stats *st)
{
    st->time_in_market = NAN;
    if (in->n_perf == 0)
        return 0;
    uint32_t ninst = in->reg->count;
    int64_t *qty = ninst ? calloc(ninst, sizeof *qty) : NULL;
    if (ninst > 0 && qty == NULL)
        return CX_ENOMEM;
    size_t j = 0, in_market = 0;
    uint32_t nonzero = 0;
    for (size_t i = 0; i < in->n_perf; i++) {
        for (; j < in->n_positions && in->positions[j].ts_ns <= in->perf[i].ts_ns; j++) {
            const struct cx_store_pos_row *p = &in->positions[j];
            nonzero -= qty[p->inst_id] != 0;
            qty[p->inst_id] = p->qty_m;
            nonzero += qty[p->inst_id] != 0;
        }
        in_market += nonzero > 0;
    }
    free(qty);
    st->time_in_market = (double)in_market / (double)in->n_perf;
    return 0;
}

/* Quote asset shared by every instrument the rows use, or "quote". */
static void pick_currency(const struct cx_report_input *in, char out[16])
{
    const char *cur = NULL;
    int mixed = 0;
#define SEE(id)                                                                                \
    do {                                                                                       \
        const struct cx_instrument *ci = cx_registry_get(in->reg, (id));                       \
        if (ci != NULL && ci->quote[0] != '\0') {                                              \
            if (cur == NULL)                                                                   \
                cur = ci->quote;                                                               \
            else if (strcmp(cur, ci->quote) != 0)                                              \
                mixed = 1;                                                                     \
        }                                                                                      \
    } while (0)
    for (size_t i = 0; i < in->n_fills; i++)
        SEE(in->fills[i].fill.inst_id);
    for (size_t i = 0; i < in->n_orders; i++)
        SEE(in->orders[i].req.inst_id);
    for (size_t i = 0; i < in->n_positions; i++)
        SEE(in->positions[i].inst_id);
#undef SEE
    snprintf(out, 16, "%s", (cur == NULL || mixed) ? "quote" : cur);
}

int cx_report_compute(const struct cx_report_input *in, struct cx_report_stats *out)
{
    if (in == NULL || out == NULL || in->reg == NULL)
        return CX_EINVAL;
    uint32_t ninst = in->reg->count;
    for (size_t i = 0; i < in->n_fills; i++)
        if (in->fills[i].fill.inst_id >= ninst)
            return CX_EINVAL;
    for (size_t i = 0; i < in->n_orders; i++)
        if (in->orders[i].req.inst_id >= ninst)
            return CX_EINVAL;
    for (size_t i = 0; i < in->n_positions; i++)
        if (in->positions[i].inst_id >= ninst)
            return CX_EINVAL;

    struct cx_report_stats st;
    memset(&st, 0, sizeof st);
    pick_currency(in, st.currency);

    /* period and sampling */
    size_t n = in->n_perf;
    st.samples = n;
    st.interval_ns = in->interval_ns > 0 ? in->interval_ns : cx__rep_infer_interval(in->perf, n);
    if (st.interval_ns < 0)
        return CX_ENOMEM;
    st.periods_per_year = (double)CX_REPORT_YEAR_S * 1e9 / (double)st.interval_ns;

    /* PnL */
    st.total_return = NAN;
    st.annual_return = NAN;
    if (n > 0) {
        const struct cx_store_perf_row *a = &in->perf[0], *b = &in->perf[n - 1];
        st.start_ns = a->ts_ns;
        st.end_ns = b->ts_ns;
        st.initial_equity = cx__rep_money(a->equity);
        st.final_equity = cx__rep_money(b->equity);
        /* Differences of exact mantissas first, then one conversion each. */
        st.net_pnl = cx__rep_money(b->equity - a->equity);
        st.fees_pnl = -cx__rep_money(b->fees - a->fees);
        st.funding_pnl = cx__rep_money(b->funding - a->funding);
        if (a->equity > 0)
            st.total_return = (double)(b->equity - a->equity) / (double)a->equity;
        if (st.end_ns > st.start_ns) {
            double years = (double)(st.end_ns - st.start_ns) / ((double)CX_REPORT_YEAR_S * 1e9);
            st.annual_return = st.total_return / years;
        }
    }
    double latency_sum = 0.0;
    for (size_t i = 0; i < in->n_fills; i++) {
        const struct cx_store_fill_row *r = &in->fills[i];
        const struct cx_fill *f = &r->fill;
        const struct cx_instrument *inst = cx_registry_get(in->reg, f->inst_id);
        double mult = cx__rep_mult(inst);
        double price = cx_dec_to_double(f->price_m, inst->price_exp);
        double qty = cx_dec_to_double(f->qty_m, inst->qty_exp);
        st.fills++;
        if (f->liquidity == CX_LIQ_MAKER)
            st.maker_fills++;
        else
            st.taker_fills++;
        st.volume += fabs(price * qty * mult);
        st.fees_paid += cx__rep_money(f->fee);
        latency_sum += (double)f->latency_ns;
        if (r->mid_price_m == 0) {
            st.fills_without_mid++;
            continue;
        }
        double mid = cx_dec_to_double(r->mid_price_m, inst->price_exp);
        double s = f->side == CX_SIDE_BID ? 1.0 : -1.0;
        st.spread_capture += s * (mid - price) * qty * mult;
    }
    st.mean_latency_ns = st.fills ? latency_sum / (double)st.fills : NAN;
    st.inventory_pnl = st.net_pnl - st.spread_capture - st.fees_pnl - st.funding_pnl;

    /* orders */
    double ordered = 0.0, filled = 0.0;
    for (size_t i = 0; i < in->n_orders; i++) {
        const struct cx_order *o = &in->orders[i];
        const struct cx_instrument *inst = cx_registry_get(in->reg, o->req.inst_id);
        double mult = cx__rep_mult(inst);
        st.orders++;
        st.orders_filled += o->filled_qty_m > 0;
        st.orders_rejected += o->status == CX_ORD_REJECTED;
        st.orders_canceled += o->status == CX_ORD_CANCELED;
        ordered += cx_dec_to_double(o->req.qty_m, inst->qty_exp) * mult;
        filled += cx_dec_to_double(o->filled_qty_m, inst->qty_exp) * mult;
    }
    st.fill_ratio = ordered > 0.0 ? filled / ordered : NAN;
    if (st.fills > 0)
        st.order_to_trade = (double)st.orders / (double)st.fills;
    else
        st.order_to_trade = st.orders > 0 ? INFINITY : NAN;

    /* round trips */
    int rc = round_trips(in, &st);
    if (rc != 0)
        return rc;
    st.win_rate = st.round_trips ? (double)st.wins / (double)st.round_trips : NAN;
    if (st.gross_loss > 0.0)
        st.profit_factor = st.gross_profit / st.gross_loss;
    else
        st.profit_factor = st.gross_profit > 0.0 ? INFINITY : NAN;

    /* risk */
    curve_stats(in->perf, n, &st);
    drawdown_stats(in->perf, n, &st);
    if (st.max_drawdown > 0.0)
        st.calmar = st.annual_return / st.max_drawdown;
    else if (st.annual_return > 0.0)
        st.calmar = INFINITY;
    else
        st.calmar = NAN;
    rc = time_in_market(in, &st);
    if (rc != 0)
        return rc;
    *out = st;
    return 0;
}
