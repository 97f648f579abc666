/* SPDX-License-Identifier: MIT */
/*
 * report: performance statistics of a session and its self-contained HTML report.
 *
 * Inputs are the rows of the session files (store.h): the equity curve sampled on a fixed
 * interval of strategy time (the engine samples every 1 s by default, plus once at the end), the
 * fills with the mid price when each was learned, the orders in their final state and the
 * position samples. Everything here can be recomputed from the CSV files alone
 * (cx_report_from_dir), which is what `cexarb report SESSION_DIR` does; a backtest calls the
 * same function on its freshly finished directory, so the two never disagree.
 *
 * Statistics are analytics: they are computed in double from the exact int64 mantissas. Money
 * is in the quote currency (stats.currency). Every definition is written next to its field
 * below and, with worked examples, in docs/internals/report.md. A statistic that is undefined
 * for the data (no returns, zero deviation with zero mean, no losing round trip, ...) is NaN or
 * +/-infinity as documented per field; summary.json writes every non-finite value as null and
 * the HTML and text summaries print "n/a" (NaN) or "inf".
 *
 * Threads: the functions keep no state of their own, but the HTML writer (and so
 * cx_report_from_dir) parses metadata.json with cJSON, which records its last parse error in a
 * global: do not run it concurrently with another cJSON parse. Writers block on disk. Nothing
 * here is on the hot path.
 */
#ifndef CEXARB_REPORT_H
#define CEXARB_REPORT_H

#include "cexarb/core.h"
#include "cexarb/instrument.h"
#include "cexarb/oms.h"
#include "cexarb/store.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------------
 * MARK: statistics
 * ------------------------------------------------------------------------------------------- */

/* Threads: no shared state: thread-safe from any thread on inputs nobody is changing. They
 * allocate only scratch and the returned text; cx_report_print writes to its stream (stdio locks
 * it) and may block on it. */

/** Seconds in the year used to annualise: crypto venues trade 24 h a day, 365 days a year. */
#define CX_REPORT_YEAR_S (365 * 86400)

/** Everything the statistics and the HTML report read. All pointers are borrowed. */
struct cx_report_input {
    const struct cx_registry *reg;                /* instruments (exponents, multipliers) */
    const struct cx_store_perf_row *perf;         /* perf[0..n_perf), time order */
    size_t n_perf;                                /* equity samples */
    const struct cx_store_fill_row *fills;        /* fills[0..n_fills), time order */
    size_t n_fills;                               /* fills */
    const struct cx_order *orders;                /* orders[0..n_orders), any order */
    size_t n_orders;                              /* orders */
    const struct cx_store_pos_row *positions;     /* positions[0..n_positions), time order
                                                     (time in market walks them with perf) */
    size_t n_positions;                           /* position samples */
    int64_t interval_ns;                          /* equity sampling interval; 0 = the lower
                                                     median of consecutive sample spacings (1 s
                                                     with < 2 samples or when not positive) */
    const char *strategy_json;                    /* the strategy's own summary (a JSON object,
                                                     strategy.json), rendered as the report's
                                                     strategy section; NULL = none */
    const char *fidelity_json;                    /* {"replay":..,"counts":..} of the session's
                                                     fidelity.json (docs/internals/
                                                     fidelity.md), rendered as the simulation
                                                     fidelity section; NULL = none */
};

/**
 * Session statistics. Money is in quote currency units (double); ratios are fractions
 * (0.01 = 1 %); times are ns. "Returns" are the simple returns between consecutive equity
 * samples, r_i = E_i / E_{i-1} - 1, i = 1..n-1 (a sample with E_{i-1} <= 0 ends the series:
 * returns are undefined there and all return statistics become NaN).
 */
struct cx_report_stats {
    /* period */
    int64_t start_ns;        /* first equity sample */
    int64_t end_ns;          /* last equity sample */
    int64_t interval_ns;     /* sampling interval used for annualising (input or inferred) */
    uint64_t samples;        /* equity samples */
    char currency[16];       /* quote asset of the money fields; "quote" when instruments mix */

    /* PnL. net = spread_capture + fees_pnl + funding_pnl + inventory_pnl (exactly, by
     * construction of inventory_pnl). */
    double initial_equity;   /* E_0 */
    double final_equity;     /* E_{n-1} */
    double net_pnl;          /* E_{n-1} - E_0 (0 with no samples) */
    double total_return;     /* net_pnl / E_0; NaN when E_0 <= 0 or no samples */
    double spread_capture;   /* sum over fills with a known mid of s * (mid - price) * qty * mult,
                                s = +1 for buys, -1 for sells: the edge captured against the mid at
                                the moment each fill was learned, before fees */
    double fees_pnl;         /* -(fees_{n-1} - fees_0) from the equity samples: fees as a PnL
                                contribution, negative when fees were paid, positive for rebates */
    double funding_pnl;      /* funding_{n-1} - funding_0: funding received (< 0 = paid) */
    double inventory_pnl;    /* net - spread_capture - fees_pnl - funding_pnl: what holding
                                inventory made or lost as the mid moved after each fill */
    uint64_t fills_without_mid; /* fills left out of spread_capture (mid unknown, 0) */

    /* trading */
    uint64_t fills;          /* fills */
    uint64_t maker_fills;    /* fills that provided liquidity */
    uint64_t taker_fills;    /* fills that took liquidity */
    double volume;           /* sum of price * qty * multiplier over fills (quote) */
    double fees_paid;        /* sum of fill fees (< 0 = net rebates received) */
    double mean_latency_ns;  /* mean fill latency_ns (order creation to fill report); NaN
                                without fills */
    uint64_t orders;         /* orders */
    uint64_t orders_filled;  /* orders with filled_qty > 0 */
    uint64_t orders_rejected; /* orders in REJECTED */
    uint64_t orders_canceled; /* orders in CANCELED */
    double fill_ratio;       /* sum filled_qty * mult / sum qty * mult over all orders (base
                                units, so instruments of different contract sizes add up); NaN
                                without orders */
    double order_to_trade;   /* orders / fills; +inf with orders and no fills, NaN with neither */
    uint64_t round_trips;    /* closing fills matched FIFO against open lots, per instrument */
    uint64_t wins;           /* round trips with net PnL > 0 */
    uint64_t losses;         /* round trips with net PnL < 0 (zero counts as neither) */
    double win_rate;         /* wins / round_trips; NaN without round trips */
    double gross_profit;     /* sum of winning round-trip PnL (>= 0) */
    double gross_loss;       /* -(sum of losing round-trip PnL) (>= 0) */
    double profit_factor;    /* gross_profit / gross_loss; +inf when gross_loss is 0 and
                                gross_profit > 0; NaN when both are 0 */

    /* risk */
    uint64_t returns;        /* number of per-interval returns (samples - 1, or fewer) */
    double periods_per_year; /* CX_REPORT_YEAR_S * 1e9 / interval_ns */
    double mean_return;      /* mean per-interval return */
    double volatility;       /* sample standard deviation (n - 1) of per-interval returns,
                                annualised: std * sqrt(periods_per_year); NaN with < 2 returns */
    double sharpe;           /* mean / std * sqrt(periods_per_year), risk-free rate 0 (Sharpe
                                1994); NaN with < 2 returns or std = mean = 0; +/-inf when std
                                is 0 and mean is not */
    double sortino;          /* mean / DD * sqrt(periods_per_year), DD = sqrt(sum(min(r_i, 0)^2)
                                / n) over all n returns, target 0 (Sortino & Price 1994); +inf
                                when DD = 0 and mean > 0 (no downside); NaN when DD = 0 and
                                mean <= 0 or with no returns */
    double max_drawdown;     /* max over samples of (peak - E) / peak, peak = running maximum of
                                equity (samples with peak <= 0 are skipped); 0 when never below
                                a peak */
    int64_t max_drawdown_peak_ns;    /* time of the peak before the deepest trough (0 if none) */
    int64_t max_drawdown_trough_ns;  /* time of the deepest trough (first one on ties) */
    int64_t max_drawdown_duration_ns; /* from that peak to the first later sample with equity
                                         >= the peak, or to end_ns if it never recovers */
    double annual_return;    /* total_return * year / (end_ns - start_ns): arithmetic (not
                                compounded) annualisation; NaN for a zero-length period */
    double calmar;           /* annual_return / max_drawdown (Young 1991); +inf when there was
                                no drawdown and annual_return > 0, NaN when both are 0.
                                Computed as defined even on minutes of data, where it is
                                meaningless (the annualisation multiplies a few minutes' return
                                by ~10^5) */
    double time_in_market;   /* fraction of equity samples at which any instrument's latest
                                position sample (at or before the equity sample) is non-zero;
                                NaN with no samples */
};

/**
 * Compute the statistics.
 * @param in   borrowed; arrays may be NULL when their count is 0. in->reg must hold every
 *             instrument id the rows use.
 * @param out  written on success.
 * @return 0; CX_EINVAL (NULL in/out/reg, or a row with an unknown instrument id); CX_ENOMEM.
 * Allocates scratch (FIFO lots, O(fills)) and frees it before returning.
 * O(n_perf + n_fills + n_orders + n_positions log n_positions).
 * Sources: Sharpe, W. F. (1994), "The Sharpe Ratio", Journal of Portfolio Management 21(1);
 * Sortino, F. A. and Price, L. N. (1994), "Performance Measurement in a Downside Risk
 * Framework", Journal of Investing 3(3); Young, T. W. (1991), "Calmar Ratio: A Smoother Tool",
 * Futures 20(1).
 */
int cx_report_compute(const struct cx_report_input *in, struct cx_report_stats *out);

/**
 * Format the statistics as summary.json text (an object with "period", "currency", "pnl",
 * "trading" and "risk" members; non-finite numbers as null; money with 8 decimals).
 * @param out_text  receives a malloc'd NUL-terminated string (free() it) on success.
 * @param out_len   optional: its length.
 * @return 0; CX_ENOMEM. Allocates the text. O(1).
 */
int cx_report_summary_json(const struct cx_report_stats *st, char **out_text, size_t *out_len);

/**
 * Print a human summary (about 10 lines) of the statistics.
 * @param out  borrowed stream; write errors are the caller's to check (ferror).
 */
void cx_report_print(const struct cx_report_stats *st, FILE *out);

/* ---------------------------------------------------------------------------------------------
 * MARK: HTML report and session directory
 * ------------------------------------------------------------------------------------------- */

/* Threads: no state of their own, callable from any thread, but both parse JSON with cJSON
 * (the HTML writer parses metadata_json and in->strategy_json, cx_report_from_dir also checks
 * strategy.json), whose last parse error is a process-wide global: never run them concurrently
 * with another cJSON parse (store.h, the Gate and MEXC instrument loaders). Two threads must not
 * write one session directory at once (the temporary names are per process). Blocking: they
 * read and write files. */

/**
 * Write the self-contained HTML report atomically (PATH.tmp.<pid>, then rename): headline
 * figures, equity curve, drawdown, positions per instrument (base units), mid price with our
 * buys and sells marked per instrument, statistics and PnL breakdown tables, per-instrument and
 * order-status tables, definitions and the run metadata. Charts are inline SVG generated here;
 * there is no script, no external style sheet, font or image, and no network reference.
 * @param path           borrowed destination path.
 * @param in             borrowed rows (as for cx_report_compute).
 * @param st             borrowed statistics of `in`.
 * @param title          borrowed heading text (the session directory, typically); may be NULL.
 * @param metadata_json  borrowed NUL-terminated metadata.json text, or NULL.
 * @param err            optional; on failure file = `path`, detail = the system's reason.
 * @return 0; CX_EIO; CX_ENOMEM; CX_EINVAL (NULL path/in/st).
 * Allocates per-chart scratch arrays. O(rows); charts are thinned to at most two points per
 * horizontal pixel and 20000 fill markers, so the file stays a few MB for a day of data.
 */
int cx_report_write_html(const char *path, const struct cx_report_input *in,
                         const struct cx_report_stats *st, const char *title,
                         const char *metadata_json, struct cx_parse_err *err);

/**
 * Re-create summary.json and report.html of a session directory from its CSV files alone
 * (cx_store_load), and print the human summary.
 * @param session_dir  borrowed path.
 * @param summary_out  borrowed stream for the human summary, or NULL for none.
 * @param err          optional; on a parse error err->file is the file name inside
 *                     session_dir (a static string such as "fills.csv") with line and column;
 *                     on a write error it is "summary.json" or "report.html" with the system's
 *                     reason in detail.
 * @return 0; the codes of cx_store_load (CX_ENOENT, CX_EPARSE, CX_EPRECISION, CX_ESYMBOL, ...);
 *         CX_EIO; CX_ENOMEM.
 * Allocates the session's rows. O(size of the files).
 * @code
 *   struct cx_parse_err err = {0};
 *   int rc = cx_report_from_dir("runs/bt1", stdout, &err);
 *   if (rc != 0) {
 *       char msg[256];
 *       cx_parse_err_format(&err, msg, sizeof msg);
 *       fprintf(stderr, "cexarb report: runs/bt1/%s\n", msg);
 *   }
 * @endcode
 */
int cx_report_from_dir(const char *session_dir, FILE *summary_out, struct cx_parse_err *err);

#ifdef __cplusplus
}
#endif
#endif /* CEXARB_REPORT_H */
