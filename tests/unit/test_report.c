/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the report module. Known-answer tests check every statistic on small series
 * worked out by hand (the derivations are in the comments and in docs/internals/report.md),
 * including the edge cases: no samples, one sample, zero deviation, no downside, no losing
 * round trip. summary.json is parsed back with cJSON. An end-to-end test writes a synthetic
 * one-hour market-making session (spot maker fills hedged on the perpetual, from a fixed-seed
 * random walk) through the store, then runs cx_report_from_dir on it and checks the HTML: all
 * sections present, inline SVG, no script and no network reference. Set CX_REPORT_DEMO_DIR to
 * keep that session (scripts/screenshot.sh renders its report.html).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cexarb/report.h"
#include "cexarb/store.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---------------------------------------------------------------------------------------------
 * MARK: helpers
 * ------------------------------------------------------------------------------------------- */

static const int64_t T0 = INT64_C(1723075200000000000); /* 2024-08-08 00:00:00 UTC */
#define S CX_NS_PER_S

/* |got - want| <= tol * max(1, |want|), with both values printed on failure. */
static void near(double got, double want, double tol, const char *what)
{
    double scale = fabs(want) > 1.0 ? fabs(want) : 1.0;
    if (!(fabs(got - want) <= tol * scale)) {
        print_error("%s: got %.17g, want %.17g\n", what, got, want);
        fail();
    }
}

static void is_nan(double v, const char *what)
{
    if (!isnan(v)) {
        print_error("%s: got %.17g, want NaN\n", what, v);
        fail();
    }
}

static void is_pos_inf(double v, const char *what)
{
    if (!(isinf(v) && v > 0)) {
        print_error("%s: got %.17g, want +inf\n", what, v);
        fail();
    }
}

/* Equity samples one second apart from values in quote units. */
static size_t perf_of(const double *equity, size_t n, struct cx_store_perf_row *rows)
{
    for (size_t i = 0; i < n; i++) {
        memset(&rows[i], 0, sizeof rows[i]);
        rows[i].ts_ns = T0 + (int64_t)i * S;
        rows[i].equity = llround(equity[i] * 1e8);
        rows[i].cash = rows[i].equity;
    }
    return n;
}

static void make_registry(struct cx_registry *reg)
{
    assert_int_equal(cx_registry_init(reg, 4), 0);
    struct cx_instrument a = {0};
    a.venue = CX_VENUE_BINANCE_SPOT;
    a.kind = CX_KIND_SPOT;
    a.price_exp = -2;
    a.qty_exp = -5;
    a.multiplier = 1;
    snprintf(a.symbol, sizeof a.symbol, "BTCUSDT");
    snprintf(a.base, sizeof a.base, "BTC");
    snprintf(a.quote, sizeof a.quote, "USDT");
    assert_int_equal(cx_registry_add(reg, &a, NULL), 0);
    struct cx_instrument b = {0};
    b.venue = CX_VENUE_GATE_FUTURES;
    b.kind = CX_KIND_LINEAR_PERP;
    b.price_exp = -1;
    b.qty_exp = 0;
    b.multiplier = 1;
    b.multiplier_exp = -4; /* 0.0001 BTC per contract */
    snprintf(b.symbol, sizeof b.symbol, "BTC_USDT");
    snprintf(b.base, sizeof b.base, "BTC");
    snprintf(b.quote, sizeof b.quote, "USDT");
    assert_int_equal(cx_registry_add(reg, &b, NULL), 0);
}

static void compute(const struct cx_registry *reg, const struct cx_store_perf_row *perf,
                    size_t n, struct cx_report_stats *st)
{
    struct cx_report_input in = {.reg = reg, .perf = perf, .n_perf = n};
    assert_int_equal(cx_report_compute(&in, st), 0);
}

/* ---------------------------------------------------------------------------------------------
 * MARK: equity-curve statistics
 * ------------------------------------------------------------------------------------------- */

/*
 * Equity 100, 110, 99, 120, 108 at 1 s intervals.
 * Returns r = 1/10, -1/10, 7/33, -1/10 (110/100 - 1, 99/110 - 1, 120/99 - 1, 108/120 - 1).
 * mean = (7/33 - 1/10) / 4 = 37/1320 = 0.02803030...
 * sum r^2 = 3/100 + 49/1089; sample variance = (sum r^2 - 4 mean^2) / 3 = 0.0239508723...,
 * std = 0.1547606938...
 * periods per year = 365 * 86400 = 31536000, sqrt = 5615.6922...
 * Sharpe = mean / std * sqrt(31536000) = 0.181119... * 5615.69 = 1017.1158642...
 * Downside deviation (target 0, over all 4 returns) = sqrt((0.01 + 0.01) / 4) = sqrt(0.005)
 *   = 0.0707106781..., Sortino = 0.0280303 / 0.0707107 * 5615.69 = 2226.1073017...
 * Volatility = std * sqrt(31536000) = 869.0884366...
 * Max drawdown: peak 110 at t=1 s, trough 99 at t=2 s: 11/110 = 0.1; the later fall 120 -> 108
 *   is 12/120 = 0.1 too, and ties keep the first. Recovery to 110 at t=3 s (120): duration 2 s.
 * Total return 8/100 = 0.08 over 4 s; annual return (arithmetic) = 0.08 * 31536000 / 4 =
 *   630720; Calmar = 630720 / 0.1 = 6307200.
 */
static void test_known_series(void **state)
{
    (void)state;
    struct cx_registry reg;
    make_registry(&reg);
    const double eq[] = {100, 110, 99, 120, 108};
    struct cx_store_perf_row perf[5];
    struct cx_report_stats st;
    compute(&reg, perf, perf_of(eq, 5, perf), &st);
    assert_int_equal(st.samples, 5);
    assert_int_equal(st.returns, 4);
    assert_int_equal(st.interval_ns, S);
    assert_int_equal(st.start_ns, T0);
    assert_int_equal(st.end_ns, T0 + 4 * S);
    near(st.periods_per_year, 31536000.0, 1e-15, "periods_per_year");
    near(st.initial_equity, 100.0, 1e-15, "initial_equity");
    near(st.final_equity, 108.0, 1e-15, "final_equity");
    near(st.net_pnl, 8.0, 1e-15, "net_pnl");
    near(st.total_return, 0.08, 1e-15, "total_return");
    near(st.mean_return, 37.0 / 1320.0, 1e-12, "mean_return");
    double var = (3.0 / 100.0 + 49.0 / 1089.0 - 4.0 * (37.0 / 1320.0) * (37.0 / 1320.0)) / 3.0;
    near(st.volatility, sqrt(var) * sqrt(31536000.0), 1e-12, "volatility");
    near(st.volatility, 869.0884366644178, 1e-12, "volatility (decimal)");
    near(st.sharpe, 1017.1158642454284, 1e-12, "sharpe");
    near(st.sortino, 2226.107301773273, 1e-12, "sortino");
    near(st.max_drawdown, 0.1, 1e-15, "max_drawdown");
    assert_int_equal(st.max_drawdown_peak_ns, T0 + 1 * S);
    assert_int_equal(st.max_drawdown_trough_ns, T0 + 2 * S);
    assert_int_equal(st.max_drawdown_duration_ns, 2 * S);
    near(st.annual_return, 630720.0, 1e-12, "annual_return");
    near(st.calmar, 6307200.0, 1e-12, "calmar");
    assert_string_equal(st.currency, "quote"); /* no rows name an instrument */

    /* The same series with an explicit 60 s interval: ratios scale by sqrt(1/60). */
    struct cx_report_input in = {.reg = &reg, .perf = perf, .n_perf = 5, .interval_ns = 60 * S};
    assert_int_equal(cx_report_compute(&in, &st), 0);
    near(st.sharpe, 1017.1158642454284 / sqrt(60.0), 1e-12, "sharpe at 60 s");
    cx_registry_fini(&reg);
}

/* A drawdown that never recovers lasts until the last sample. Equity 100, 90, 95:
 * max drawdown 10/100 = 0.1 from t=0 to the end at t=2 s. */
static void test_unrecovered_drawdown(void **state)
{
    (void)state;
    struct cx_registry reg;
    make_registry(&reg);
    const double eq[] = {100, 90, 95};
    struct cx_store_perf_row perf[3];
    struct cx_report_stats st;
    compute(&reg, perf, perf_of(eq, 3, perf), &st);
    near(st.max_drawdown, 0.1, 1e-15, "max_drawdown");
    assert_int_equal(st.max_drawdown_peak_ns, T0);
    assert_int_equal(st.max_drawdown_trough_ns, T0 + S);
    assert_int_equal(st.max_drawdown_duration_ns, 2 * S);
    near(st.total_return, -0.05, 1e-15, "total_return");
    /* annual -0.05 * 31536000 / 2 = -788400, Calmar -7884000 */
    near(st.calmar, -7884000.0, 1e-12, "calmar");
    cx_registry_fini(&reg);
}

/* No downside: equity 100, 200, 400 gives returns 1, 1 exactly. std = 0 and mean > 0, so
 * Sharpe is +inf; downside deviation is 0, so Sortino is +inf; no drawdown and a positive
 * return, so Calmar is +inf. summary.json writes all three as null. */
static void test_no_downside(void **state)
{
    (void)state;
    struct cx_registry reg;
    make_registry(&reg);
    const double eq[] = {100, 200, 400};
    struct cx_store_perf_row perf[3];
    struct cx_report_stats st;
    compute(&reg, perf, perf_of(eq, 3, perf), &st);
    near(st.mean_return, 1.0, 1e-15, "mean_return");
    near(st.volatility, 0.0, 1e-15, "volatility");
    is_pos_inf(st.sharpe, "sharpe");
    is_pos_inf(st.sortino, "sortino");
    near(st.max_drawdown, 0.0, 0.0, "max_drawdown");
    assert_int_equal(st.max_drawdown_duration_ns, 0);
    is_pos_inf(st.calmar, "calmar");

    char *json = NULL;
    assert_int_equal(cx_report_summary_json(&st, &json, NULL), 0);
    cJSON *root = cJSON_Parse(json);
    assert_non_null(root);
    const cJSON *risk = cJSON_GetObjectItemCaseSensitive(root, "risk");
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(risk, "sortino")));
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(risk, "sharpe")));
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(risk, "calmar")));
    assert_true(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(risk, "max_drawdown")));
    cJSON_Delete(root);
    free(json);
    cx_registry_fini(&reg);
}

/* Constant equity: returns 0, 0: mean 0 and std 0, so Sharpe and Sortino are NaN (undefined),
 * volatility 0, no drawdown, Calmar NaN (0 / 0). */
static void test_zero_std(void **state)
{
    (void)state;
    struct cx_registry reg;
    make_registry(&reg);
    const double eq[] = {100, 100, 100};
    struct cx_store_perf_row perf[3];
    struct cx_report_stats st;
    compute(&reg, perf, perf_of(eq, 3, perf), &st);
    assert_int_equal(st.returns, 2);
    near(st.volatility, 0.0, 0.0, "volatility");
    is_nan(st.sharpe, "sharpe");
    is_nan(st.sortino, "sortino");
    near(st.max_drawdown, 0.0, 0.0, "max_drawdown");
    near(st.total_return, 0.0, 0.0, "total_return");
    is_nan(st.calmar, "calmar");
    cx_registry_fini(&reg);
}

/* No samples at all, and a single sample: nothing to annualise. */
static void test_empty_and_single(void **state)
{
    (void)state;
    struct cx_registry reg;
    make_registry(&reg);
    struct cx_report_stats st;
    compute(&reg, NULL, 0, &st);
    assert_int_equal(st.samples, 0);
    assert_int_equal(st.returns, 0);
    assert_int_equal(st.interval_ns, S); /* default when nothing can be inferred */
    near(st.net_pnl, 0.0, 0.0, "net_pnl");
    is_nan(st.total_return, "total_return");
    is_nan(st.sharpe, "sharpe");
    is_nan(st.sortino, "sortino");
    is_nan(st.volatility, "volatility");
    is_nan(st.calmar, "calmar");
    is_nan(st.time_in_market, "time_in_market");
    is_nan(st.win_rate, "win_rate");
    is_nan(st.profit_factor, "profit_factor");
    is_nan(st.fill_ratio, "fill_ratio");
    is_nan(st.order_to_trade, "order_to_trade");
    is_nan(st.mean_latency_ns, "mean_latency_ns");
    near(st.max_drawdown, 0.0, 0.0, "max_drawdown");
    char *json = NULL;
    assert_int_equal(cx_report_summary_json(&st, &json, NULL), 0);
    cJSON *root = cJSON_Parse(json);
    assert_non_null(root);
    cJSON_Delete(root);
    free(json);

    const double one[] = {250};
    struct cx_store_perf_row perf[1];
    compute(&reg, perf, perf_of(one, 1, perf), &st);
    assert_int_equal(st.samples, 1);
    assert_int_equal(st.returns, 0);
    near(st.total_return, 0.0, 0.0, "total_return");
    is_nan(st.annual_return, "annual_return"); /* zero-length period */
    is_nan(st.sharpe, "sharpe");
    is_nan(st.sortino, "sortino");
    near(st.time_in_market, 0.0, 0.0, "time_in_market");

    /* Two samples: one return, so Sortino exists (mean -0.5 / DD 0.5) but Sharpe does not. */
    const double two[] = {100, 50};
    struct cx_store_perf_row p2[2];
    compute(&reg, p2, perf_of(two, 2, p2), &st);
    assert_int_equal(st.returns, 1);
    is_nan(st.sharpe, "sharpe with one return");
    near(st.sortino, -1.0 * sqrt(31536000.0), 1e-12, "sortino with one return");

    /* Equity at or below zero: returns are undefined from there on. */
    const double neg[] = {100, 0, 10};
    struct cx_store_perf_row p3[3];
    compute(&reg, p3, perf_of(neg, 3, p3), &st);
    is_nan(st.sharpe, "sharpe through zero equity");
    is_nan(st.mean_return, "mean through zero equity");
    near(st.max_drawdown, 1.0, 1e-15, "max_drawdown to zero");
    cx_registry_fini(&reg);
}

/* The interval is the lower median of the sample spacings: 1 s spacing with a short final
 * sample (0.3 s) and a long gap (5 s) still gives 1 s. */
static void test_interval_inference(void **state)
{
    (void)state;
    struct cx_registry reg;
    make_registry(&reg);
    struct cx_store_perf_row perf[6];
    const double eq[] = {100, 101, 102, 103, 104, 105};
    perf_of(eq, 6, perf);
    perf[4].ts_ns = perf[3].ts_ns + 5 * S;
    perf[5].ts_ns = perf[4].ts_ns + 300 * CX_NS_PER_MS;
    struct cx_report_stats st;
    compute(&reg, perf, 6, &st);
    assert_int_equal(st.interval_ns, S);
    cx_registry_fini(&reg);
}

/* ---------------------------------------------------------------------------------------------
 * MARK: fills, orders, round trips
 * ------------------------------------------------------------------------------------------- */

static struct cx_store_fill_row fill_row(uint64_t id, int buy, int64_t price_m, int64_t qty_m,
                                         int64_t fee, int maker, int64_t mid_m)
{
    struct cx_store_fill_row r;
    memset(&r, 0, sizeof r);
    r.fill.fill_id = id;
    r.fill.client_id = id;
    r.fill.inst_id = 0;
    r.fill.side = (uint8_t)(buy ? CX_SIDE_BID : CX_SIDE_ASK);
    r.fill.liquidity = (uint8_t)(maker ? CX_LIQ_MAKER : CX_LIQ_TAKER);
    r.fill.price_m = price_m;
    r.fill.qty_m = qty_m;
    r.fill.fee = fee;
    r.fill.exch_ts_ns = T0 + (int64_t)id * 100 * CX_NS_PER_MS;
    r.fill.local_ts_ns = r.fill.exch_ts_ns + CX_NS_PER_MS;
    r.fill.latency_ns = (int64_t)id * CX_NS_PER_MS;
    r.mid_price_m = mid_m;
    return r;
}

static struct cx_order order_of(uint32_t inst, int buy, int64_t qty_m, int64_t filled_m,
                                enum cx_ord_status status)
{
    struct cx_order o;
    memset(&o, 0, sizeof o);
    o.req.inst_id = inst;
    o.req.side = (uint8_t)(buy ? CX_SIDE_BID : CX_SIDE_ASK);
    o.req.qty_m = qty_m;
    o.req.price_m = 1;
    o.filled_qty_m = filled_m;
    o.status = (uint8_t)status;
    o.reject = (uint8_t)(status == CX_ORD_REJECTED ? CX_REJ_POST_ONLY : CX_REJ_NONE);
    return o;
}

/*
 * BTCUSDT spot (price 0.01, qty 0.00001), fees in USDT:
 *  1 buy  1.0 @ 100.00 fee 0.10 maker, mid 100.05 -> spread +0.05
 *  2 buy  1.0 @ 102.00 fee 0.10 maker, mid 101.90 -> spread -0.10
 *  3 sell 1.5 @ 104.00 fee 0.15 maker, mid 103.90 -> spread +0.15
 *  4 sell 1.0 @ 101.00 fee 0.10 maker, mid unknown (left out of spread capture)
 *  5 buy  0.5 @ 100.00 fee 0.05 taker, mid 100.10 -> spread +0.05
 * FIFO round trips (PnL net of the matched entry and exit fees, 0.10 per unit both ways):
 *  fill 3 closes 1.0 @ 100 (+4.0) and 0.5 @ 102 (+1.0), fees 0.2 + 0.1 -> +4.70 (win)
 *  fill 4 closes 0.5 @ 102 (-0.5), fees 0.05 + 0.05 -> -0.60 (loss); opens short 0.5 @ 101
 *  fill 5 closes the short 0.5 @ 101 (+0.5), fees 0.05 + 0.05 -> +0.40 (win)
 * wins 2, losses 1, win rate 2/3, gross profit 5.1, gross loss 0.6, profit factor 8.5.
 * spread capture 0.05 - 0.10 + 0.15 + 0.05 = 0.15; volume 100 + 102 + 156 + 101 + 50 = 509;
 * fees paid 0.5; mean latency (1+2+3+4+5)/5 = 3 ms.
 * Equity 1000, 1001, 1003, 1004.7 with cumulative fees 0, 0.2, 0.35, 0.5 and funding
 * 0, 0, 0.2, 0.2: net 4.7, fees -0.5, funding +0.2, inventory 4.7 - 0.15 + 0.5 - 0.2 = 4.85.
 * Orders: spot buy 2.0 filled 2.0; spot sell 3.0 filled 2.5 canceled; spot buy 1.0 rejected;
 * perp buy 10 contracts x 0.0001 BTC canceled: fill ratio 4.5 / 6.001 BTC, order-to-trade 4/5.
 * Positions: spot 0 at t=0, 1.0 at t=1 s, 0 at t=2 s; perp 0 at t=3 s: in the market at 1 of 4
 * samples: time in market 0.25.
 */
static void test_trading_stats(void **state)
{
    (void)state;
    struct cx_registry reg;
    make_registry(&reg);
    struct cx_store_fill_row fills[5] = {
        fill_row(1, 1, 10000, 100000, 10000000, 1, 10005),
        fill_row(2, 1, 10200, 100000, 10000000, 1, 10190),
        fill_row(3, 0, 10400, 150000, 15000000, 1, 10390),
        fill_row(4, 0, 10100, 100000, 10000000, 1, 0),
        fill_row(5, 1, 10000, 50000, 5000000, 0, 10010),
    };
    struct cx_order orders[4] = {
        order_of(0, 1, 200000, 200000, CX_ORD_FILLED),
        order_of(0, 0, 300000, 250000, CX_ORD_CANCELED),
        order_of(0, 1, 100000, 0, CX_ORD_REJECTED),
        order_of(1, 1, 10, 0, CX_ORD_CANCELED),
    };
    const double eq[] = {1000, 1001, 1003, 1004.7};
    struct cx_store_perf_row perf[4];
    perf_of(eq, 4, perf);
    const int64_t fees[] = {0, 20000000, 35000000, 50000000};
    const int64_t funding[] = {0, 0, 20000000, 20000000};
    for (int i = 0; i < 4; i++) {
        perf[i].fees = fees[i];
        perf[i].funding = funding[i];
    }
    struct cx_store_pos_row pos[4] = {
        {.ts_ns = T0, .inst_id = 0, .qty_m = 0},
        {.ts_ns = T0 + S, .inst_id = 0, .qty_m = 100000},
        {.ts_ns = T0 + 2 * S, .inst_id = 0, .qty_m = 0},
        {.ts_ns = T0 + 3 * S, .inst_id = 1, .qty_m = 0},
    };
    struct cx_report_input in = {
        .reg = &reg,
        .perf = perf,
        .n_perf = 4,
        .fills = fills,
        .n_fills = 5,
        .orders = orders,
        .n_orders = 4,
        .positions = pos,
        .n_positions = 4,
    };
    struct cx_report_stats st;
    assert_int_equal(cx_report_compute(&in, &st), 0);
    assert_string_equal(st.currency, "USDT");
    assert_int_equal(st.fills, 5);
    assert_int_equal(st.maker_fills, 4);
    assert_int_equal(st.taker_fills, 1);
    near(st.volume, 509.0, 1e-12, "volume");
    near(st.fees_paid, 0.5, 1e-12, "fees_paid");
    near(st.mean_latency_ns, 3e6, 1e-12, "mean_latency_ns");
    near(st.spread_capture, 0.15, 1e-9, "spread_capture");
    assert_int_equal(st.fills_without_mid, 1);
    near(st.net_pnl, 4.7, 1e-12, "net_pnl");
    near(st.fees_pnl, -0.5, 1e-12, "fees_pnl");
    near(st.funding_pnl, 0.2, 1e-12, "funding_pnl");
    near(st.inventory_pnl, 4.85, 1e-9, "inventory_pnl");
    near(st.net_pnl, st.spread_capture + st.fees_pnl + st.funding_pnl + st.inventory_pnl, 1e-12,
         "breakdown adds up");
    assert_int_equal(st.round_trips, 3);
    assert_int_equal(st.wins, 2);
    assert_int_equal(st.losses, 1);
    near(st.win_rate, 2.0 / 3.0, 1e-15, "win_rate");
    near(st.gross_profit, 5.1, 1e-9, "gross_profit");
    near(st.gross_loss, 0.6, 1e-9, "gross_loss");
    near(st.profit_factor, 8.5, 1e-9, "profit_factor");
    assert_int_equal(st.orders, 4);
    assert_int_equal(st.orders_filled, 2);
    assert_int_equal(st.orders_rejected, 1);
    assert_int_equal(st.orders_canceled, 2);
    near(st.fill_ratio, 4.5 / 6.001, 1e-12, "fill_ratio");
    near(st.order_to_trade, 0.8, 1e-15, "order_to_trade");
    near(st.time_in_market, 0.25, 0.0, "time_in_market");
    is_pos_inf(st.sortino, "sortino (no negative return)");
    near(st.max_drawdown, 0.0, 0.0, "max_drawdown");

    /* Only winning round trips: profit factor +inf. Fills 1-3 alone close one round trip
     * (+4.70) and leave 0.5 long open. */
    struct cx_store_fill_row wins_only[3] = {fills[0], fills[1], fills[2]};
    in.fills = wins_only;
    in.n_fills = 3;
    assert_int_equal(cx_report_compute(&in, &st), 0);
    assert_int_equal(st.round_trips, 1);
    is_pos_inf(st.profit_factor, "profit_factor without losses");
    /* Orders but no fills: order-to-trade +inf. */
    in.n_fills = 0;
    assert_int_equal(cx_report_compute(&in, &st), 0);
    is_pos_inf(st.order_to_trade, "order_to_trade without fills");
    is_nan(st.win_rate, "win_rate without round trips");
    /* An unknown instrument id is refused. */
    struct cx_store_fill_row bad = fills[0];
    bad.fill.inst_id = 9;
    in.fills = &bad;
    in.n_fills = 1;
    assert_int_equal(cx_report_compute(&in, &st), CX_EINVAL);
    assert_int_equal(cx_report_compute(NULL, &st), CX_EINVAL);
    cx_registry_fini(&reg);
}

/* ---------------------------------------------------------------------------------------------
 * MARK: synthetic session and the HTML report
 * ------------------------------------------------------------------------------------------- */

static uint64_t xorshift(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *s = x;
    return x;
}

/* Uniform in [0, 1). */
static double unif(uint64_t *s)
{
    return (double)(xorshift(s) >> 11) / 9007199254740992.0;
}

/* Approximately standard normal (Irwin-Hall, 12 uniforms). */
static double gauss(uint64_t *s)
{
    double sum = 0.0;
    for (int i = 0; i < 12; i++)
        sum += unif(s);
    return sum - 6.0;
}

/* Perp bookkeeping with an average cost basis (quote @ 1e-8 in doubles for the demo). */
struct demo_perp {
    int64_t qty_m;   /* contracts of 0.001 BTC (qty_exp -3) */
    double cost;     /* signed cost of the open position, USDT */
    double realized; /* realized PnL, USDT */
};

static void perp_fill(struct demo_perp *p, int64_t q_m, double price)
{
    double q = (double)q_m * 1e-3;
    double pos = (double)p->qty_m * 1e-3;
    if (p->qty_m == 0 || (p->qty_m > 0) == (q_m > 0)) {
        p->cost += q * price;
    } else {
        double avg = p->cost / pos;
        double closed = fabs(q) < fabs(pos) ? fabs(q) : fabs(pos);
        double dir = pos > 0 ? 1.0 : -1.0;
        p->realized += closed * (price - avg) * dir;
        p->cost -= avg * closed * dir;
        if (fabs(q) > fabs(pos))
            p->cost = (pos + q) * price;
    }
    p->qty_m += q_m;
}

/*
 * Write a one-hour session: BTCUSDT spot mid follows a random walk from 61000 (sigma 4 USDT
 * per second); the perp trades 6 USDT above spot. Every ~25 s a resting spot quote (half spread
 * 15 USDT) is filled as maker, 0.002 BTC, and hedged at once on the perp as taker. Fees: spot
 * maker 0, perp taker 0.018 %; the basis mean-reverts around 6 USDT; one funding payment soon
 * after 00:30. Some quotes are canceled unfilled, a few are rejected.
 */
static void write_demo_session(const char *dir)
{
    struct cx_registry reg;
    assert_int_equal(cx_registry_init(&reg, 4), 0);
    struct cx_instrument a = {0};
    a.venue = CX_VENUE_BINANCE_SPOT;
    a.kind = CX_KIND_SPOT;
    a.price_exp = -2;
    a.qty_exp = -5;
    a.tick = 1;
    a.lot = 1;
    a.multiplier = 1;
    a.maker_fee_ppb = 0;
    a.taker_fee_ppb = 180000;
    snprintf(a.symbol, sizeof a.symbol, "BTCUSDT");
    snprintf(a.base, sizeof a.base, "BTC");
    snprintf(a.quote, sizeof a.quote, "USDT");
    assert_int_equal(cx_registry_add(&reg, &a, NULL), 0);
    struct cx_instrument b = a;
    b.venue = CX_VENUE_BINANCE_USDM;
    b.kind = CX_KIND_LINEAR_PERP;
    b.price_exp = -1;
    b.qty_exp = -3;
    assert_int_equal(cx_registry_add(&reg, &b, NULL), 0);

    struct cx_store *st = NULL;
    struct cx_parse_err err = {0};
    assert_int_equal(cx_store_open(&st, dir, &reg, CX_STORE_F_REUSE | CX_STORE_F_NOSYNC, &err),
                     0);
    const char *meta = "{\"strategy\":\"maker_hedge\",\"mode\":\"backtest\","
                       "\"cexarb_version\":\"0.1.0\",\"seed\":7,"
                       "\"config\":{\"spot\":\"binance_spot:BTCUSDT\","
                       "\"hedge\":\"binance_usdm:BTCUSDT\",\"quote_qty\":\"0.002\","
                       "\"half_spread_usdt\":\"15\"},"
                       "\"data\":[{\"path\":\"data/binance/spot/btcusdt_20240808.gz\","
                       "\"sha256\":\"synthetic\"}]}";
    assert_int_equal(cx_store_write_metadata(st, meta, strlen(meta)), 0);

    uint64_t rng = 0x9E3779B97F4A7C15ull;
    const double start_cash = 10000.0;
    double mid = 61000.0, basis = 6.0, cash = start_cash, fees = 0.0, funding = 0.0;
    int64_t spot_m = 0; /* BTC at 1e-5 */
    double spot_cost = 0.0;
    struct demo_perp perp = {0};
    int funded = 0; /* one funding payment, at the first time after 00:30 with a position */
    uint64_t fill_id = 0, client_id = 0;
    const int64_t qty_spot = 200; /* 0.00200 BTC */
    for (int sec = 0; sec <= 3600; sec++) {
        int64_t now = T0 + (int64_t)sec * S;
        mid += 4.0 * gauss(&rng);
        basis += 0.05 * (6.0 - basis) + 0.4 * gauss(&rng); /* mean-reverting basis */
        double perp_mid = mid + basis;
        int64_t mid_m = llround(mid * 100.0);
        int64_t perp_mid_m = llround(perp_mid * 10.0);
        if (sec > 0 && unif(&rng) < 0.04) {
            /* Inventory-aware side: lean against the current spot position. */
            int buy = spot_m > 600 ? 0 : spot_m < -600 ? 1 : unif(&rng) < 0.5;
            int64_t px_m = mid_m + (buy ? -1500 : 1500);
            double px = (double)px_m / 100.0;
            double notional = px * (double)qty_spot * 1e-5;
            double fee = 0.0; /* spot maker fee 0 (VIP tier) */
            struct cx_order o;
            memset(&o, 0, sizeof o);
            o.req.client_id = ++client_id;
            o.req.inst_id = 0;
            o.req.side = (uint8_t)(buy ? CX_SIDE_BID : CX_SIDE_ASK);
            o.req.type = CX_ORD_LIMIT;
            o.req.tif = CX_TIF_POST_ONLY;
            o.req.price_m = px_m;
            o.req.qty_m = qty_spot;
            o.status = CX_ORD_FILLED;
            o.fills = 1;
            o.filled_qty_m = qty_spot;
            o.filled_notional = llround(notional * 1e8);
            o.fee = llround(fee * 1e8);
            o.created_ns = now - 20 * S;
            o.acked_ns = o.created_ns + 2 * CX_NS_PER_MS;
            o.updated_ns = now;
            assert_int_equal(cx_store_write_order(st, &o), 0);
            struct cx_fill f;
            memset(&f, 0, sizeof f);
            f.client_id = o.req.client_id;
            f.fill_id = ++fill_id;
            f.inst_id = 0;
            f.side = o.req.side;
            f.liquidity = CX_LIQ_MAKER;
            f.price_m = px_m;
            f.qty_m = qty_spot;
            f.fee = o.fee;
            f.exch_ts_ns = now - 3 * CX_NS_PER_MS;
            f.local_ts_ns = now;
            f.latency_ns = f.local_ts_ns - o.created_ns;
            assert_int_equal(cx_store_write_fill(st, &f, mid_m), 0);
            cash -= (buy ? 1 : -1) * notional + fee;
            spot_cost += (buy ? 1 : -1) * notional;
            spot_m += buy ? qty_spot : -qty_spot;
            fees += fee;
            /* Hedge 0.002 BTC on the perp as taker, 0.1 USDT through the perp mid. */
            int64_t hq = buy ? -2 : 2;
            int64_t hpx_m = perp_mid_m + (buy ? -1 : 1);
            double hpx = (double)hpx_m / 10.0;
            double hfee = hpx * 0.002 * 1.8e-4;
            memset(&o, 0, sizeof o);
            o.req.client_id = ++client_id;
            o.req.inst_id = 1;
            o.req.side = (uint8_t)(hq > 0 ? CX_SIDE_BID : CX_SIDE_ASK);
            o.req.type = CX_ORD_MARKET;
            o.req.tif = CX_TIF_IOC;
            o.req.qty_m = 2;
            o.status = CX_ORD_FILLED;
            o.fills = 1;
            o.filled_qty_m = 2;
            o.filled_notional = llround(hpx * 0.002 * 1e8);
            o.fee = llround(hfee * 1e8);
            o.created_ns = now;
            o.acked_ns = now + 4 * CX_NS_PER_MS;
            o.updated_ns = o.acked_ns;
            assert_int_equal(cx_store_write_order(st, &o), 0);
            memset(&f, 0, sizeof f);
            f.client_id = o.req.client_id;
            f.fill_id = ++fill_id;
            f.inst_id = 1;
            f.side = o.req.side;
            f.liquidity = CX_LIQ_TAKER;
            f.price_m = hpx_m;
            f.qty_m = 2;
            f.fee = o.fee;
            f.exch_ts_ns = now + 2 * CX_NS_PER_MS;
            f.local_ts_ns = now + 4 * CX_NS_PER_MS;
            f.latency_ns = 4 * CX_NS_PER_MS;
            assert_int_equal(cx_store_write_fill(st, &f, perp_mid_m), 0);
            double before = perp.realized;
            perp_fill(&perp, hq, hpx);
            cash += perp.realized - before - hfee;
            fees += hfee;
        }
        if (sec > 0 && unif(&rng) < 0.03) {
            /* A quote canceled before it filled, or (rarely) a post-only reject. */
            struct cx_order o;
            memset(&o, 0, sizeof o);
            o.req.client_id = ++client_id;
            o.req.inst_id = 0;
            o.req.side = (uint8_t)(unif(&rng) < 0.5 ? CX_SIDE_BID : CX_SIDE_ASK);
            o.req.type = CX_ORD_LIMIT;
            o.req.tif = CX_TIF_POST_ONLY;
            o.req.price_m = mid_m;
            o.req.qty_m = qty_spot;
            int reject = unif(&rng) < 0.1;
            o.status = (uint8_t)(reject ? CX_ORD_REJECTED : CX_ORD_CANCELED);
            o.reject = (uint8_t)(reject ? CX_REJ_POST_ONLY : CX_REJ_NONE);
            o.created_ns = now - 5 * S;
            o.updated_ns = now;
            assert_int_equal(cx_store_write_order(st, &o), 0);
        }
        if (!funded && sec >= 1800 && perp.qty_m != 0) {
            funded = 1;
            /* Funding: longs pay 0.01 % of the position's notional, shorts receive it. */
            double pay = (double)perp.qty_m * 1e-3 * perp_mid * 1e-4;
            cash -= pay;
            funding -= pay;
            char fields[96];
            snprintf(fields, sizeof fields, "{\"symbol\":\"BTCUSDT\",\"amount\":%.8f}", -pay);
            assert_int_equal(cx_store_write_event(st, now, "funding", fields), 0);
        }
        double spot_value = (double)spot_m * 1e-5 * mid;
        double perp_unreal = (double)perp.qty_m * 1e-3 * perp_mid - perp.cost;
        double spot_unreal = spot_value - spot_cost;
        double equity = cash + spot_value + perp_unreal;
        struct cx_store_perf_row row = {
            .ts_ns = now,
            .equity = llround(equity * 1e8),
            .cash = llround(cash * 1e8),
            .position_value = llround((spot_value + perp_unreal) * 1e8),
            .realized = llround(perp.realized * 1e8),
            .unrealized = llround((spot_unreal + perp_unreal) * 1e8),
            .fees = llround(fees * 1e8),
            .funding = llround(funding * 1e8),
        };
        assert_int_equal(cx_store_write_perf(st, &row), 0);
        struct cx_position ps = {.inst_id = 0, .qty_m = spot_m, .cost = llround(spot_cost * 1e8)};
        assert_int_equal(
            cx_store_write_position(st, now, 0, mid_m, &ps, llround(spot_unreal * 1e8)), 0);
        struct cx_position pp = {.inst_id = 1,
                                 .qty_m = perp.qty_m,
                                 .cost = llround(perp.cost * 1e8),
                                 .realized_pnl = llround(perp.realized * 1e8),
                                 .funding = llround(funding * 1e8)};
        assert_int_equal(
            cx_store_write_position(st, now, 1, perp_mid_m, &pp, llround(perp_unreal * 1e8)), 0);
    }
    assert_int_equal(cx_store_write_event(st, T0 + 3600 * S, "stop", "{\"reason\":\"end\"}"), 0);
    assert_int_equal(cx_store_finish(st), 0);
    cx_store_free(st);
    cx_registry_fini(&reg);
}

static char *slurp(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (fp == NULL)
        return NULL;
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
    buf[n] = '\0';
    fclose(fp);
    return buf;
}

static void rm_dir(const char *path)
{
    DIR *d = opendir(path);
    if (d == NULL)
        return;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        char sub[512];
        snprintf(sub, sizeof sub, "%s/%s", path, de->d_name);
        unlink(sub);
    }
    closedir(d);
    rmdir(path);
}

static void test_report_from_dir(void **state)
{
    (void)state;
    const char *keep = getenv("CX_REPORT_DEMO_DIR");
    char tmpdir[64];
    snprintf(tmpdir, sizeof tmpdir, "/tmp/cx_test_report_XXXXXX");
    const char *dir = keep;
    if (dir == NULL || dir[0] == '\0') {
        assert_non_null(mkdtemp(tmpdir));
        dir = tmpdir;
    }
    write_demo_session(dir);

    char *out_text = NULL;
    size_t out_len = 0;
    FILE *out = open_memstream(&out_text, &out_len);
    assert_non_null(out);
    struct cx_parse_err err = {0};
    int rc = cx_report_from_dir(dir, out, &err);
    fclose(out);
    if (rc != 0) {
        char msg[256];
        cx_parse_err_format(&err, msg, sizeof msg);
        print_error("cx_report_from_dir: %s\n", msg);
    }
    assert_int_equal(rc, 0);
    assert_non_null(strstr(out_text, "net PnL"));
    assert_non_null(strstr(out_text, "Sharpe"));
    assert_non_null(strstr(out_text, "report.html"));
    free(out_text);

    char path[512];
    snprintf(path, sizeof path, "%s/summary.json", dir);
    char *json = slurp(path);
    assert_non_null(json);
    cJSON *root = cJSON_Parse(json);
    assert_non_null(root);
    const cJSON *period = cJSON_GetObjectItemCaseSensitive(root, "period");
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(period, "samples")->valuedouble, 3601);
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(period, "interval_ns")->valuedouble, 1e9);
    const cJSON *trading = cJSON_GetObjectItemCaseSensitive(root, "trading");
    assert_true(cJSON_GetObjectItemCaseSensitive(trading, "fills")->valuedouble > 100);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(root, "currency")->valuestring, "USDT");
    cJSON_Delete(root);
    free(json);

    snprintf(path, sizeof path, "%s/report.html", dir);
    char *html = slurp(path);
    assert_non_null(html);
    /* Every section is there. */
    const char *sections[] = {"id=\"equity\"",      "id=\"pnl\"",     "id=\"stats\"",
                              "id=\"positions\"",   "id=\"prices\"",  "id=\"instruments\"",
                              "id=\"orders\"",      "id=\"definitions\"", "id=\"metadata\"",
                              "Drawdown from the running equity peak", "maker_hedge",
                              "binance_usdm BTCUSDT: mid price", "our buy (fill price)",
                              "time (UTC)",         "Sharpe",        "Sortino",
                              "profit factor",      "time in market", "</html>"};
    for (size_t i = 0; i < sizeof sections / sizeof sections[0]; i++) {
        if (strstr(html, sections[i]) == NULL)
            print_error("report.html lacks %s\n", sections[i]);
        assert_non_null(strstr(html, sections[i]));
    }
    /* Self-contained: inline SVG, no script, no external resource of any kind. */
    assert_non_null(strstr(html, "<svg"));
    const char *banned[] = {"http", "<script", "src=", "href=", "@import", "url(", "<link"};
    for (size_t i = 0; i < sizeof banned / sizeof banned[0]; i++) {
        if (strstr(html, banned[i]) != NULL)
            print_error("report.html contains %s\n", banned[i]);
        assert_null(strstr(html, banned[i]));
    }
    /* Deterministic: the same files give the same bytes. */
    assert_int_equal(cx_report_from_dir(dir, NULL, &err), 0);
    char *again = slurp(path);
    assert_string_equal(html, again);
    free(again);
    free(html);

    /* A damaged file: the error names it with line and column. */
    if (keep == NULL || keep[0] == '\0') {
        snprintf(path, sizeof path, "%s/positions.csv", dir);
        char *pos = slurp(path);
        char *line5 = pos;
        for (int i = 0; i < 4; i++)
            line5 = strchr(line5, '\n') + 1;
        line5[0] = 'x'; /* ts_ns of line 5 is no longer an integer */
        FILE *fp = fopen(path, "wb");
        fputs(pos, fp);
        fclose(fp);
        free(pos);
        memset(&err, 0, sizeof err);
        assert_int_equal(cx_report_from_dir(dir, NULL, &err), CX_EPARSE);
        assert_string_equal(err.file, "positions.csv");
        assert_int_equal(err.line, 5);
        assert_int_equal(err.col, 1);
        rm_dir(dir);
        /* A missing session. */
        memset(&err, 0, sizeof err);
        assert_int_equal(cx_report_from_dir(dir, NULL, &err), CX_ENOENT);
        assert_string_equal(err.file, "instruments.csv");
    }
}

/* The HTML writer fails cleanly where it cannot write, naming the path, leaving nothing. */
static void test_html_write_error(void **state)
{
    (void)state;
    struct cx_registry reg;
    make_registry(&reg);
    const double eq[] = {100, 101};
    struct cx_store_perf_row perf[2];
    struct cx_report_input in = {.reg = &reg, .perf = perf, .n_perf = perf_of(eq, 2, perf)};
    struct cx_report_stats st;
    assert_int_equal(cx_report_compute(&in, &st), 0);
    struct cx_parse_err err = {0};
    const char *path = "/proc/cx_no_such_dir/report.html";
    assert_int_equal(cx_report_write_html(path, &in, &st, "t", NULL, &err), CX_EIO);
    assert_ptr_equal(err.file, path);
    assert_non_null(strstr(err.detail, "report.html"));
    /* A minimal report (no fills, positions or metadata) still renders every section. */
    char tmpdir[64];
    snprintf(tmpdir, sizeof tmpdir, "/tmp/cx_test_report_XXXXXX");
    assert_non_null(mkdtemp(tmpdir));
    char p[128];
    snprintf(p, sizeof p, "%s/report.html", tmpdir);
    assert_int_equal(cx_report_write_html(p, &in, &st, NULL, NULL, &err), 0);
    char *html = slurp(p);
    assert_non_null(strstr(html, "No position samples"));
    assert_non_null(strstr(html, "No metadata.json"));
    assert_null(strstr(html, "http"));
    free(html);
    rm_dir(tmpdir);
    cx_registry_fini(&reg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_series),
        cmocka_unit_test(test_unrecovered_drawdown),
        cmocka_unit_test(test_no_downside),
        cmocka_unit_test(test_zero_std),
        cmocka_unit_test(test_empty_and_single),
        cmocka_unit_test(test_interval_inference),
        cmocka_unit_test(test_trading_stats),
        cmocka_unit_test(test_report_from_dir),
        cmocka_unit_test(test_html_write_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
