/* SPDX-License-Identifier: MIT */
/*
 * The self-contained HTML report: one file with inline CSS and inline SVG charts, no script and
 * no external reference of any kind, so it opens offline, can be mailed or archived, and renders
 * the same everywhere. The output depends only on the session rows (no wall-clock stamp), so
 * the same session gives the same bytes. It is written to PATH.tmp.<pid> and renamed.
 */
#include "report_int.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef PATH_MAX
#define PATH_MAX 4096
#endif

/* At most this many per-instrument price charts, and fill markers over all of them. */
#define MAX_PRICE_CHARTS 8
#define MAX_MARKERS 20000

static const char *const k_palette[] = {"#1f77b4", "#ff7f0e", "#9467bd", "#8c564b",
                                        "#e377c2", "#17becf", "#bcbd22", "#7f7f7f"};
#define PALETTE_N (sizeof k_palette / sizeof k_palette[0])
#define C_BUY "#2ca02c"
#define C_SELL "#d62728"

/* ---------------------------------------------------------------------------------------------
 * MARK: small formatters
 * ------------------------------------------------------------------------------------------- */

static void f_money(double v, char *buf, size_t cap)
{
    cx__fmt_num(v, 4, buf, cap);
}

static void f_pct(double v, char *buf, size_t cap)
{
    if (!isfinite(v)) {
        cx__fmt_num(v, 2, buf, cap);
        return;
    }
    char tmp[64];
    cx__fmt_num(v * 100.0, fabs(v) < 0.001 ? 4 : 2, tmp, sizeof tmp);
    snprintf(buf, cap, "%s %%", tmp);
}

static void f_ratio(double v, char *buf, size_t cap)
{
    if (isfinite(v) && fabs(v) >= 1e6)
        snprintf(buf, cap, "%.3e", v);
    else
        cx__fmt_num(v, 2, buf, cap);
}

static const char *sign_class(double v)
{
    return !isfinite(v) || v == 0.0 ? "" : v > 0.0 ? " class=\"pos\"" : " class=\"neg\"";
}

static void inst_label(const struct cx_instrument *inst, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s %s", cx_venue_name((enum cx_venue)inst->venue), inst->symbol);
}

/* One table row: label, value (already formatted), optional CSS class fragment. */
static void tr(FILE *out, const char *label, const char *value, const char *cls)
{
    fprintf(out, "<tr><th>%s</th><td%s>", label, cls ? cls : "");
    cx__html_text(out, value);
    fputs("</td></tr>\n", out);
}

/* ---------------------------------------------------------------------------------------------
 * MARK: style
 * ------------------------------------------------------------------------------------------- */

static const char k_css[] =
    "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;"
    "margin:0;background:#f4f5f7;color:#1d2330;font-size:14px}"
    "main{max-width:1280px;margin:0 auto;padding:18px 24px 40px}"
    "h1{font-size:22px;margin:4px 0}h2{font-size:17px;margin:26px 0 10px;"
    "border-bottom:2px solid #d8dbe2;padding-bottom:4px}"
    ".sub{color:#555;margin-bottom:14px}"
    ".cards{display:grid;grid-template-columns:repeat(6,1fr);gap:10px}"
    ".card{background:#fff;border:1px solid #d8dbe2;border-radius:6px;padding:10px 12px}"
    ".card .k{color:#666;font-size:12px;text-transform:uppercase;letter-spacing:.04em}"
    ".card .v{font-size:20px;font-weight:600;margin-top:4px;white-space:nowrap}"
    ".card .u{font-size:12px;color:#666;font-weight:400}"
    ".panel{background:#fff;border:1px solid #d8dbe2;border-radius:6px;padding:8px 10px;"
    "margin-bottom:12px}"
    "svg.chart{width:100%;height:auto;display:block}"
    "svg .plot{fill:#fff;stroke:#9aa0aa}svg .grid line{stroke:#e6e8ec;stroke-width:1}"
    "svg text{font-size:12px;fill:#333}svg .ct{font-size:14px;font-weight:600}"
    "svg .yl{text-anchor:end}svg .xl{text-anchor:middle}svg .xc{text-anchor:middle;fill:#555}"
    "svg .yc{text-anchor:middle;fill:#555}"
    "svg .legend rect{fill:#fff;fill-opacity:.88;stroke:#c8ccd4}"
    ".grid3{display:grid;grid-template-columns:repeat(3,1fr);gap:12px;align-items:start}"
    "table{border-collapse:collapse;width:100%;background:#fff}"
    "th,td{padding:4px 8px;border-bottom:1px solid #eceef2;text-align:left;"
    "vertical-align:top}"
    "td{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}"
    "table.wide th{background:#eef0f4}table.wide td.l{text-align:left}"
    "caption{text-align:left;font-weight:600;padding:6px 8px;background:#eef0f4}"
    ".pos{color:#11772e}.neg{color:#b3261e}"
    ".note{color:#555;font-size:12px;margin:4px 2px}"
    "dl{background:#fff;border:1px solid #d8dbe2;border-radius:6px;padding:10px 14px;"
    "margin:0}dt{font-weight:600;margin-top:8px}dd{margin:2px 0 0 0;color:#333}"
    "pre{background:#fff;border:1px solid #d8dbe2;border-radius:6px;padding:10px;"
    "overflow:auto;max-height:480px;font-size:12px;tab-size:4}"
    "footer{color:#666;font-size:12px;margin-top:30px}";

/* ---------------------------------------------------------------------------------------------
 * MARK: sections
 * ------------------------------------------------------------------------------------------- */

/* Time range of the charts: the equity samples, or whatever rows exist. */
static void time_range(const struct cx_report_input *in, int64_t *t0, int64_t *t1)
{
    int64_t lo = INT64_MAX, hi = INT64_MIN;
#define SEE(t)                                                                                 \
    do {                                                                                       \
        if ((t) < lo)                                                                          \
            lo = (t);                                                                          \
        if ((t) > hi)                                                                          \
            hi = (t);                                                                          \
    } while (0)
    for (size_t i = 0; i < in->n_perf; i++)
        SEE(in->perf[i].ts_ns);
    for (size_t i = 0; i < in->n_positions; i++)
        SEE(in->positions[i].ts_ns);
    for (size_t i = 0; i < in->n_fills; i++) {
        SEE(in->fills[i].fill.local_ts_ns);
        if (in->fills[i].fill.exch_ts_ns > 0) /* markers are drawn at venue time */
            SEE(in->fills[i].fill.exch_ts_ns);
    }
#undef SEE
    if (lo > hi)
        lo = hi = 0;
    *t0 = lo;
    *t1 = hi;
}

static void kpi(FILE *out, const char *k, const char *v, const char *unit, double sign_v)
{
    fprintf(out, "<div class=\"card\"><div class=\"k\">%s</div><div class=\"v\"><span%s>", k,
            sign_class(sign_v));
    cx__html_text(out, v);
    fputs("</span>", out);
    if (unit != NULL && unit[0] != '\0') {
        fputs(" <span class=\"u\">", out);
        cx__html_text(out, unit);
        fputs("</span>", out);
    }
    fputs("</div></div>\n", out);
}

static void section_header(FILE *out, const struct cx_report_stats *st, const char *title,
                           const cJSON *meta)
{
    fputs("<header><h1>cexarb session report</h1><div class=\"sub\">", out);
    if (title != NULL) {
        cx__html_text(out, title);
        fputs(" &middot; ", out);
    }
    const cJSON *strategy = meta ? cJSON_GetObjectItemCaseSensitive(meta, "strategy") : NULL;
    if (strategy != NULL && cJSON_IsString(strategy)) {
        fputs("strategy ", out);
        cx__html_text(out, strategy->valuestring);
        fputs(" &middot; ", out);
    }
    const cJSON *mode = meta ? cJSON_GetObjectItemCaseSensitive(meta, "mode") : NULL;
    if (mode != NULL && cJSON_IsString(mode)) {
        cx__html_text(out, mode->valuestring);
        fputs(" &middot; ", out);
    }
    char a[40], b[40], d[40];
    cx__fmt_utc(st->start_ns, 0, a, sizeof a);
    cx__fmt_utc(st->end_ns, 0, b, sizeof b);
    cx__fmt_duration(st->end_ns - st->start_ns, d, sizeof d);
    fprintf(out, "%s to %s UTC (%s) &middot; %llu equity samples every ", a, b, d,
            (unsigned long long)st->samples);
    cx__fmt_duration(st->interval_ns, d, sizeof d);
    fprintf(out, "%s &middot; money in ", d);
    cx__html_text(out, st->currency);
    fputs("</div></header>\n", out);

    char v[64];
    fputs("<div class=\"cards\">\n", out);
    f_money(st->net_pnl, v, sizeof v);
    kpi(out, "Net PnL", v, st->currency, st->net_pnl);
    f_pct(st->total_return, v, sizeof v);
    kpi(out, "Return", v, NULL, st->total_return);
    f_ratio(st->sharpe, v, sizeof v);
    kpi(out, "Sharpe (annualised)", v, NULL, 0.0);
    f_pct(st->max_drawdown, v, sizeof v);
    kpi(out, "Max drawdown", v, NULL, 0.0);
    snprintf(v, sizeof v, "%llu", (unsigned long long)st->fills);
    kpi(out, "Fills", v, NULL, 0.0);
    cx__fmt_num(st->volume, 2, v, sizeof v);
    kpi(out, "Volume", v, st->currency, 0.0);
    fputs("</div>\n", out);
}

static int section_equity(FILE *out, const struct cx_report_input *in,
                          const struct cx_report_stats *st, int64_t t0, int64_t t1)
{
    fputs("<h2 id=\"equity\">Equity and drawdown</h2>\n", out);
    size_t n = in->n_perf;
    if (n == 0) {
        fputs("<p class=\"note\">No equity samples (performance.csv is empty).</p>\n", out);
        return 0;
    }
    int64_t *t = malloc(n * sizeof *t);
    double *eq = malloc(n * sizeof *eq);
    double *dd = malloc(n * sizeof *dd);
    double *c1 = malloc(n * sizeof *c1);
    double *c2 = malloc(n * sizeof *c2);
    double *c3 = malloc(n * sizeof *c3);
    double *c4 = malloc(n * sizeof *c4);
    int rc = 0;
    if (!t || !eq || !dd || !c1 || !c2 || !c3 || !c4) {
        rc = CX_ENOMEM;
        goto out;
    }
    double lo = INFINITY, hi = -INFINITY, dlo = 0.0;
    double peak = -INFINITY;
    const struct cx_store_perf_row *p0 = &in->perf[0];
    double plo = 0.0, phi = 0.0;
    for (size_t i = 0; i < n; i++) {
        const struct cx_store_perf_row *p = &in->perf[i];
        t[i] = p->ts_ns;
        eq[i] = cx__rep_money(p->equity);
        lo = fmin(lo, eq[i]);
        hi = fmax(hi, eq[i]);
        peak = fmax(peak, eq[i]);
        dd[i] = peak > 0.0 ? -(peak - eq[i]) / peak * 100.0 : 0.0;
        dlo = fmin(dlo, dd[i]);
        c1[i] = cx__rep_money(p->realized - p0->realized);
        c2[i] = cx__rep_money(p->unrealized - p0->unrealized);
        c3[i] = -cx__rep_money(p->fees - p0->fees);
        c4[i] = cx__rep_money(p->funding - p0->funding);
        double m = fmin(fmin(c1[i], c2[i]), fmin(c3[i], c4[i]));
        double M = fmax(fmax(c1[i], c2[i]), fmax(c3[i], c4[i]));
        plo = fmin(plo, m);
        phi = fmax(phi, M);
    }
    char label[64];
    snprintf(label, sizeof label, "equity (%s)", st->currency);
    struct cx__chart c;
    cx__chart_init(&c, "Equity", label, t0, t1, lo, hi);
    fputs("<div class=\"panel\">", out);
    cx__chart_begin(out, &c);
    cx__chart_series(out, &c, &(struct cx__series){t, eq, n, "#1f77b4", 0, 0});
    {
        const char *labels[] = {"equity (cash + positions at mid)"};
        const char *colors[] = {"#1f77b4"};
        const int kinds[] = {0};
        cx__chart_legend(out, &c, labels, colors, kinds, 1);
    }
    cx__chart_end(out);
    fputs("</div>\n<div class=\"panel\">", out);
    cx__chart_init(&c, "Drawdown from the running equity peak", "drawdown (% of peak)", t0, t1,
                   dlo, 0.0);
    cx__chart_begin(out, &c);
    cx__chart_series(out, &c, &(struct cx__series){t, dd, n, "#d62728", 0, 1});
    cx__chart_end(out);
    fputs("</div>\n<div class=\"panel\">", out);
    snprintf(label, sizeof label, "cumulative (%s)", st->currency);
    cx__chart_init(&c, "PnL components since the start", label, t0, t1, plo, phi);
    cx__chart_begin(out, &c);
    cx__chart_series(out, &c, &(struct cx__series){t, c1, n, "#1f77b4", 0, 0});
    cx__chart_series(out, &c, &(struct cx__series){t, c2, n, "#ff7f0e", 0, 0});
    cx__chart_series(out, &c, &(struct cx__series){t, c3, n, "#d62728", 0, 0});
    cx__chart_series(out, &c, &(struct cx__series){t, c4, n, "#9467bd", 0, 0});
    {
        const char *labels[] = {"realized (before fees)", "unrealized at mid",
                                "fees (negative = paid)", "funding (received)"};
        const char *colors[] = {"#1f77b4", "#ff7f0e", "#d62728", "#9467bd"};
        const int kinds[] = {0, 0, 0, 0};
        cx__chart_legend(out, &c, labels, colors, kinds, 4);
    }
    cx__chart_end(out);
    fputs("</div>\n", out);
out:
    free(t);
    free(eq);
    free(dd);
    free(c1);
    free(c2);
    free(c3);
    free(c4);
    return rc;
}

static void section_tables(FILE *out, const struct cx_report_stats *st)
{
    char v[96];
    const char *cur = st->currency;
    fputs("<h2 id=\"pnl\">PnL breakdown</h2>\n", out);
    fputs("<table class=\"wide\"><tr><th>component</th><th>", out);
    cx__html_text(out, cur);
    fputs("</th><th>meaning</th></tr>\n", out);
    struct {
        const char *name;
        double value;
        const char *meaning;
    } rows[] = {
        {"spread capture", st->spread_capture,
         "edge of each fill against the mid when it was learned: (mid - price) x qty for buys, "
         "(price - mid) x qty for sells"},
        {"fees", st->fees_pnl, "trading fees as PnL: negative when paid, positive for rebates"},
        {"funding", st->funding_pnl, "perpetual funding received (negative = paid)"},
        {"inventory", st->inventory_pnl,
         "the rest: price moves on the inventory held after each fill (net - others)"},
        {"net", st->net_pnl, "final equity - initial equity"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        f_money(rows[i].value, v, sizeof v);
        fprintf(out, "<tr><th>%s</th><td%s>%s</td><td class=\"l\">%s</td></tr>\n", rows[i].name,
                sign_class(rows[i].value), v, rows[i].meaning);
    }
    fputs("</table>\n", out);
    if (st->fills_without_mid > 0)
        fprintf(out, "<p class=\"note\">%llu fills had no mid price and are not in the spread "
                     "capture (their edge is in inventory).</p>\n",
                (unsigned long long)st->fills_without_mid);

    fputs("<h2 id=\"stats\">Statistics</h2>\n<div class=\"grid3\">\n", out);
    /* trading */
    fputs("<table><caption>Trading</caption>\n", out);
    f_money(st->initial_equity, v, sizeof v);
    tr(out, "initial equity", v, NULL);
    f_money(st->final_equity, v, sizeof v);
    tr(out, "final equity", v, NULL);
    f_pct(st->total_return, v, sizeof v);
    tr(out, "return", v, sign_class(st->total_return));
    snprintf(v, sizeof v, "%llu (maker %llu, taker %llu)", (unsigned long long)st->fills,
             (unsigned long long)st->maker_fills, (unsigned long long)st->taker_fills);
    tr(out, "fills", v, NULL);
    cx__fmt_num(st->volume, 2, v, sizeof v);
    tr(out, "volume", v, NULL);
    f_money(st->fees_paid, v, sizeof v);
    tr(out, "fees paid", v, NULL);
    snprintf(v, sizeof v, "%llu", (unsigned long long)st->orders);
    tr(out, "orders", v, NULL);
    snprintf(v, sizeof v, "%llu / %llu / %llu", (unsigned long long)st->orders_filled,
             (unsigned long long)st->orders_canceled, (unsigned long long)st->orders_rejected);
    tr(out, "filled / canceled / rejected", v, NULL);
    f_pct(st->fill_ratio, v, sizeof v);
    tr(out, "fill ratio (qty)", v, NULL);
    f_ratio(st->order_to_trade, v, sizeof v);
    tr(out, "order-to-trade", v, NULL);
    if (isfinite(st->mean_latency_ns))
        cx__fmt_duration((int64_t)st->mean_latency_ns, v, sizeof v);
    else
        snprintf(v, sizeof v, "n/a");
    tr(out, "mean fill latency", v, NULL);
    fputs("</table>\n", out);
    /* round trips */
    fputs("<table><caption>Round trips (FIFO per instrument)</caption>\n", out);
    snprintf(v, sizeof v, "%llu", (unsigned long long)st->round_trips);
    tr(out, "round trips (FIFO per instrument)", v, NULL);
    snprintf(v, sizeof v, "%llu / %llu", (unsigned long long)st->wins,
             (unsigned long long)st->losses);
    tr(out, "wins / losses", v, NULL);
    f_pct(st->win_rate, v, sizeof v);
    tr(out, "win rate", v, NULL);
    f_money(st->gross_profit, v, sizeof v);
    tr(out, "gross profit", v, NULL);
    f_money(st->gross_loss, v, sizeof v);
    tr(out, "gross loss", v, NULL);
    f_ratio(st->profit_factor, v, sizeof v);
    tr(out, "profit factor", v, NULL);
    fputs("</table>\n", out);
    /* risk */
    fputs("<table><caption>Risk and return</caption>\n", out);
    f_ratio(st->sharpe, v, sizeof v);
    tr(out, "Sharpe (annualised)", v, NULL);
    f_ratio(st->sortino, v, sizeof v);
    tr(out, "Sortino (annualised)", v, NULL);
    f_pct(st->volatility, v, sizeof v);
    tr(out, "volatility (annualised)", v, NULL);
    f_pct(st->max_drawdown, v, sizeof v);
    tr(out, "max drawdown", v, NULL);
    cx__fmt_duration(st->max_drawdown_duration_ns, v, sizeof v);
    tr(out, "max drawdown duration", v, NULL);
    f_pct(st->annual_return, v, sizeof v);
    tr(out, "annualised return", v, NULL);
    f_ratio(st->calmar, v, sizeof v);
    tr(out, "Calmar", v, NULL);
    f_pct(st->time_in_market, v, sizeof v);
    tr(out, "time in market", v, NULL);
    snprintf(v, sizeof v, "%llu", (unsigned long long)st->returns);
    tr(out, "returns (intervals)", v, NULL);
    fputs("</table>\n</div>\n", out);
    fputs("<p class=\"note\">Ratios are annualised from per-interval returns of the equity "
          "curve; on a session of minutes or hours they describe that window only and "
          "extrapolate wildly (Calmar especially).</p>\n",
          out);
}

/* Instruments that have fills or position samples, in id order. */
static uint32_t used_instruments(const struct cx_report_input *in, uint32_t *ids, uint32_t cap)
{
    uint32_t ninst = in->reg->count, n = 0;
    unsigned char *seen = calloc(ninst ? ninst : 1, 1);
    if (seen == NULL)
        return 0;
    for (size_t i = 0; i < in->n_fills; i++)
        seen[in->fills[i].fill.inst_id] = 1;
    for (size_t i = 0; i < in->n_positions; i++)
        seen[in->positions[i].inst_id] = 1;
    for (uint32_t k = 0; k < ninst && n < cap; k++)
        if (seen[k])
            ids[n++] = k;
    free(seen);
    return n;
}

static int section_positions(FILE *out, const struct cx_report_input *in, const uint32_t *ids,
                             uint32_t nids, int64_t t0, int64_t t1)
{
    fputs("<h2 id=\"positions\">Positions</h2>\n", out);
    if (in->n_positions == 0 || nids == 0) {
        fputs("<p class=\"note\">No position samples (positions.csv is empty).</p>\n", out);
        return 0;
    }
    size_t n = in->n_positions;
    int64_t *t = malloc(n * sizeof *t);
    double *y = malloc(n * sizeof *y);
    if (t == NULL || y == NULL) {
        free(t);
        free(y);
        return CX_ENOMEM;
    }
    double lo = 0.0, hi = 0.0;
    for (size_t i = 0; i < n; i++) {
        const struct cx_store_pos_row *p = &in->positions[i];
        const struct cx_instrument *inst = cx_registry_get(in->reg, p->inst_id);
        double q = cx_dec_to_double(p->qty_m, inst->qty_exp) * cx__rep_mult(inst);
        lo = fmin(lo, q);
        hi = fmax(hi, q);
    }
    struct cx__chart c;
    cx__chart_init(&c, "Position per instrument (signed, base units)",
                   "position (base units)", t0, t1, lo, hi);
    fputs("<div class=\"panel\">", out);
    cx__chart_begin(out, &c);
    char labels_buf[MAX_PRICE_CHARTS][64];
    const char *labels[MAX_PRICE_CHARTS];
    const char *colors[MAX_PRICE_CHARTS];
    int kinds[MAX_PRICE_CHARTS];
    int nl = 0;
    for (uint32_t k = 0; k < nids; k++) {
        const struct cx_instrument *inst = cx_registry_get(in->reg, ids[k]);
        size_t m = 0;
        for (size_t i = 0; i < n; i++) {
            const struct cx_store_pos_row *p = &in->positions[i];
            if (p->inst_id != ids[k])
                continue;
            t[m] = p->ts_ns;
            y[m] = cx_dec_to_double(p->qty_m, inst->qty_exp) * cx__rep_mult(inst);
            m++;
        }
        if (m == 0)
            continue;
        const char *color = k_palette[k % PALETTE_N];
        cx__chart_series(out, &c, &(struct cx__series){t, y, m, color, 1, 0});
        if (nl < MAX_PRICE_CHARTS) {
            char base[24];
            snprintf(base, sizeof base, "%s", inst->base[0] ? inst->base : "base");
            snprintf(labels_buf[nl], sizeof labels_buf[nl], "%s %s (%s)",
                     cx_venue_name((enum cx_venue)inst->venue), inst->symbol, base);
            labels[nl] = labels_buf[nl];
            colors[nl] = color;
            kinds[nl] = 0;
            nl++;
        }
    }
    cx__chart_legend(out, &c, labels, colors, kinds, nl);
    cx__chart_end(out);
    fputs("</div>\n", out);
    free(t);
    free(y);
    return 0;
}

static int section_prices(FILE *out, const struct cx_report_input *in, const uint32_t *ids,
                          uint32_t nids, int64_t t0, int64_t t1)
{
    fputs("<h2 id=\"prices\">Mid price and our fills</h2>\n", out);
    if (nids == 0) {
        fputs("<p class=\"note\">No instrument traded or held.</p>\n", out);
        return 0;
    }
    size_t n = in->n_positions;
    int64_t *t = malloc((n ? n : 1) * sizeof *t);
    double *y = malloc((n ? n : 1) * sizeof *y);
    if (t == NULL || y == NULL) {
        free(t);
        free(y);
        return CX_ENOMEM;
    }
    /* Thin markers evenly when there are too many to draw. */
    size_t stride = in->n_fills > MAX_MARKERS ? (in->n_fills + MAX_MARKERS - 1) / MAX_MARKERS : 1;
    uint32_t shown = nids < MAX_PRICE_CHARTS ? nids : MAX_PRICE_CHARTS;
    for (uint32_t k = 0; k < shown; k++) {
        const struct cx_instrument *inst = cx_registry_get(in->reg, ids[k]);
        double lo = INFINITY, hi = -INFINITY;
        size_t m = 0;
        for (size_t i = 0; i < n; i++) {
            const struct cx_store_pos_row *p = &in->positions[i];
            if (p->inst_id != ids[k])
                continue;
            t[m] = p->ts_ns;
            y[m] = p->mark_price_m != 0 ? cx_dec_to_double(p->mark_price_m, inst->price_exp)
                                        : NAN;
            if (!isnan(y[m])) {
                lo = fmin(lo, y[m]);
                hi = fmax(hi, y[m]);
            }
            m++;
        }
        size_t nbuy = 0, nsell = 0;
        for (size_t i = 0; i < in->n_fills; i++) {
            const struct cx_fill *f = &in->fills[i].fill;
            if (f->inst_id != ids[k])
                continue;
            double px = cx_dec_to_double(f->price_m, inst->price_exp);
            lo = fmin(lo, px);
            hi = fmax(hi, px);
            if (f->side == CX_SIDE_BID)
                nbuy++;
            else
                nsell++;
        }
        char title[128], ylab[64], name[64];
        inst_label(inst, name, sizeof name);
        snprintf(title, sizeof title, "%s: mid price, %zu buys and %zu sells", name, nbuy, nsell);
        snprintf(ylab, sizeof ylab, "price (%s)", inst->quote[0] ? inst->quote : "quote");
        struct cx__chart c;
        cx__chart_init(&c, title, ylab, t0, t1, lo, hi);
        fputs("<div class=\"panel\">", out);
        cx__chart_begin(out, &c);
        cx__chart_series(out, &c, &(struct cx__series){t, y, m, "#5b6b85", 0, 0});
        for (size_t i = 0; i < in->n_fills; i += stride) {
            const struct cx_fill *f = &in->fills[i].fill;
            if (f->inst_id != ids[k])
                continue;
            int buy = f->side == CX_SIDE_BID;
            char px[48], qty[48], when[40], tip[200];
            cx_dec_format(f->price_m, inst->price_exp, CX_DEC_TRIM, px, sizeof px);
            cx_dec_format(f->qty_m, inst->qty_exp, CX_DEC_TRIM, qty, sizeof qty);
            int64_t ts = f->exch_ts_ns > 0 ? f->exch_ts_ns : f->local_ts_ns;
            cx__fmt_utc(ts, 1, when, sizeof when);
            snprintf(tip, sizeof tip, "%s %s @ %s (%s) %s UTC, fill %llu", buy ? "buy" : "sell",
                     qty, px, f->liquidity == CX_LIQ_MAKER ? "maker" : "taker", when,
                     (unsigned long long)f->fill_id);
            cx__chart_marker(out, &c, ts, cx_dec_to_double(f->price_m, inst->price_exp), buy,
                             buy ? C_BUY : C_SELL, tip);
        }
        fputc('\n', out);
        const char *labels[] = {"mid price", "our buy (fill price)", "our sell (fill price)"};
        const char *colors[] = {"#5b6b85", C_BUY, C_SELL};
        const int kinds[] = {0, 1, 2};
        cx__chart_legend(out, &c, labels, colors, kinds, 3);
        cx__chart_end(out);
        fputs("</div>\n", out);
    }
    if (shown < nids)
        fprintf(out, "<p class=\"note\">%u more instruments are not charted.</p>\n",
                nids - shown);
    if (stride > 1)
        fprintf(out, "<p class=\"note\">%zu fills: every %zu-th is marked.</p>\n", in->n_fills,
                stride);
    fputs("<p class=\"note\">Fills are placed at their venue execution time; the mid is the "
          "instrument's mark at each equity sample.</p>\n",
          out);
    free(t);
    free(y);
    return 0;
}

static void section_instruments(FILE *out, const struct cx_report_input *in,
                                const uint32_t *ids, uint32_t nids)
{
    fputs("<h2 id=\"instruments\">Per instrument</h2>\n", out);
    if (nids == 0) {
        fputs("<p class=\"note\">None.</p>\n", out);
        return;
    }
    fputs("<table class=\"wide\"><tr><th>venue</th><th>symbol</th><th>kind</th><th>fills</th>"
          "<th>buys / sells</th><th>maker</th><th>volume</th><th>fees paid</th>"
          "<th>spread capture</th><th>final position</th><th>last mid</th><th>realized</th>"
          "<th>unrealized</th></tr>\n",
          out);
    for (uint32_t k = 0; k < nids; k++) {
        const struct cx_instrument *inst = cx_registry_get(in->reg, ids[k]);
        double mult = cx__rep_mult(inst);
        uint64_t fills = 0, buys = 0, maker = 0;
        double volume = 0.0, fees = 0.0, spread = 0.0;
        for (size_t i = 0; i < in->n_fills; i++) {
            const struct cx_store_fill_row *r = &in->fills[i];
            if (r->fill.inst_id != ids[k])
                continue;
            double px = cx_dec_to_double(r->fill.price_m, inst->price_exp);
            double q = cx_dec_to_double(r->fill.qty_m, inst->qty_exp);
            fills++;
            buys += r->fill.side == CX_SIDE_BID;
            maker += r->fill.liquidity == CX_LIQ_MAKER;
            volume += fabs(px * q * mult);
            fees += cx__rep_money(r->fill.fee);
            if (r->mid_price_m != 0) {
                double mid = cx_dec_to_double(r->mid_price_m, inst->price_exp);
                spread += (r->fill.side == CX_SIDE_BID ? 1.0 : -1.0) * (mid - px) * q * mult;
            }
        }
        const struct cx_store_pos_row *last = NULL;
        for (size_t i = in->n_positions; i-- > 0;) {
            if (in->positions[i].inst_id == ids[k]) {
                last = &in->positions[i];
                break;
            }
        }
        char a[48], b[48], c[48], d[48], e[48], f[48], g[48];
        cx__fmt_num(volume, 2, a, sizeof a);
        f_money(fees, b, sizeof b);
        f_money(spread, c, sizeof c);
        if (last != NULL) {
            cx_dec_format(last->qty_m, inst->qty_exp, CX_DEC_TRIM, d, sizeof d);
            cx_dec_format(last->mark_price_m, inst->price_exp, CX_DEC_TRIM, e, sizeof e);
            f_money(cx__rep_money(last->realized), f, sizeof f);
            f_money(cx__rep_money(last->unrealized), g, sizeof g);
        } else {
            snprintf(d, sizeof d, "n/a");
            snprintf(e, sizeof e, "n/a");
            snprintf(f, sizeof f, "n/a");
            snprintf(g, sizeof g, "n/a");
        }
        fprintf(out, "<tr><td class=\"l\">%s</td><td class=\"l\">",
                cx_venue_name((enum cx_venue)inst->venue));
        cx__html_text(out, inst->symbol);
        fprintf(out,
                "</td><td class=\"l\">%s</td><td>%llu</td><td>%llu / %llu</td><td>%llu</td>"
                "<td>%s</td><td>%s</td><td%s>%s</td><td>%s</td><td>%s</td><td>%s</td>"
                "<td>%s</td></tr>\n",
                cx_inst_kind_name((enum cx_inst_kind)inst->kind), (unsigned long long)fills,
                (unsigned long long)buys, (unsigned long long)(fills - buys),
                (unsigned long long)maker, a, b, sign_class(spread), c, d, e, f, g);
    }
    fputs("</table>\n<p class=\"note\">Quantities are in the instrument's own units (contracts "
          "for contract-sized futures); volume and money are in its quote asset.</p>\n",
          out);
}

static void section_orders(FILE *out, const struct cx_report_input *in)
{
    fputs("<h2 id=\"orders\">Orders</h2>\n", out);
    uint64_t by_status[CX_ORD_STATUS_COUNT] = {0};
    uint64_t by_reject[CX_REJ_COUNT] = {0};
    uint64_t by_type[2] = {0}, post_only = 0, ioc = 0;
    for (size_t i = 0; i < in->n_orders; i++) {
        const struct cx_order *o = &in->orders[i];
        if (o->status < CX_ORD_STATUS_COUNT)
            by_status[o->status]++;
        if (o->status == CX_ORD_REJECTED && o->reject < CX_REJ_COUNT)
            by_reject[o->reject]++;
        if (o->req.type < 2)
            by_type[o->req.type]++;
        post_only += o->req.tif == CX_TIF_POST_ONLY;
        ioc += o->req.tif == CX_TIF_IOC || o->req.tif == CX_TIF_FOK;
    }
    fputs("<div class=\"grid3\">\n<table><caption>Final status</caption>\n", out);
    char v[48];
    for (int s = 0; s < CX_ORD_STATUS_COUNT; s++) {
        if (by_status[s] == 0)
            continue;
        snprintf(v, sizeof v, "%llu", (unsigned long long)by_status[s]);
        tr(out, cx_store_enum_name(CX_STORE_ENUM_STATUS, s), v, NULL);
    }
    if (in->n_orders == 0)
        tr(out, "orders", "0", NULL);
    fputs("</table>\n<table><caption>Reject reasons</caption>\n", out);
    int any = 0;
    for (int r = 0; r < CX_REJ_COUNT; r++) {
        if (by_reject[r] == 0)
            continue;
        snprintf(v, sizeof v, "%llu", (unsigned long long)by_reject[r]);
        tr(out, cx_store_enum_name(CX_STORE_ENUM_REJECT, r), v, NULL);
        any = 1;
    }
    if (!any)
        tr(out, "rejects", "0", NULL);
    fputs("</table>\n<table><caption>Order kinds</caption>\n", out);
    snprintf(v, sizeof v, "%llu", (unsigned long long)by_type[CX_ORD_LIMIT]);
    tr(out, "limit", v, NULL);
    snprintf(v, sizeof v, "%llu", (unsigned long long)by_type[CX_ORD_MARKET]);
    tr(out, "market", v, NULL);
    snprintf(v, sizeof v, "%llu", (unsigned long long)post_only);
    tr(out, "post-only", v, NULL);
    snprintf(v, sizeof v, "%llu", (unsigned long long)ioc);
    tr(out, "IOC / FOK", v, NULL);
    fputs("</table>\n</div>\n", out);
}

static void section_definitions(FILE *out)
{
    static const char *const defs[][2] = {
        {"Equity curve", "Equity (cash + positions marked at mid) sampled on a fixed interval of "
                         "strategy time. Returns are r_i = E_i / E_(i-1) - 1 between samples."},
        {"Spread capture", "Sum over fills of (mid - price) x qty x multiplier for buys and "
                           "(price - mid) x qty x multiplier for sells, with the mid of the "
                           "instrument when the fill was learned. Fees are not included."},
        {"Inventory PnL", "Net PnL - spread capture - fees - funding: the gain or loss on "
                          "inventory as prices moved after the fills."},
        {"Sharpe", "mean(r) / std(r) x sqrt(intervals per year), sample standard deviation, "
                   "risk-free rate 0, 365-day year (Sharpe 1994)."},
        {"Sortino", "mean(r) / DD x sqrt(intervals per year), DD = sqrt(mean(min(r, 0)^2)) over "
                    "all intervals, target 0 (Sortino and Price 1994); inf when there is no "
                    "negative return."},
        {"Max drawdown", "Largest fall from a running equity peak, as a fraction of the peak; "
                         "its duration runs from the peak to the recovery to that peak (or to "
                         "the end of the session)."},
        {"Calmar", "Annualised return (total return x year / session length, not compounded) "
                   "divided by max drawdown (Young 1991)."},
        {"Round trip", "A fill that closes open lots of the same instrument, matched first in, "
                       "first out; its PnL includes the entry and exit fees of the matched "
                       "quantity. Win rate = winning round trips / round trips; profit factor = "
                       "gross profit / gross loss."},
        {"Fill ratio", "Filled quantity / ordered quantity over all orders, in base units."},
        {"Order-to-trade", "Number of orders / number of fills."},
        {"Time in market", "Share of equity samples at which any position was open."},
    };
    fputs("<h2 id=\"definitions\">Definitions</h2>\n<dl>\n", out);
    for (size_t i = 0; i < sizeof defs / sizeof defs[0]; i++)
        fprintf(out, "<dt>%s</dt><dd>%s</dd>\n", defs[i][0], defs[i][1]);
    fputs("</dl>\n", out);
}

static void section_metadata(FILE *out, const cJSON *meta, const char *raw)
{
    fputs("<h2 id=\"metadata\">Run metadata</h2>\n", out);
    if (raw == NULL) {
        fputs("<p class=\"note\">No metadata.json in this session.</p>\n", out);
        return;
    }
    if (meta != NULL && cJSON_IsObject(meta)) {
        fputs("<table class=\"wide\">\n", out);
        for (const cJSON *c = meta->child; c != NULL; c = c->next) {
            char *text = NULL;
            if (cJSON_IsString(c))
                text = NULL;
            else if (cJSON_IsNumber(c) || cJSON_IsBool(c))
                text = cJSON_PrintUnformatted(c);
            else
                continue; /* objects and arrays are in the full text below */
            fputs("<tr><th>", out);
            cx__html_text(out, c->string);
            fputs("</th><td class=\"l\">", out);
            cx__html_text(out, text ? text : c->valuestring);
            fputs("</td></tr>\n", out);
            cJSON_free(text);
        }
        fputs("</table>\n", out);
    }
    char *pretty = meta != NULL ? cJSON_Print(meta) : NULL;
    fputs("<pre>", out);
    cx__html_text(out, pretty != NULL ? pretty : raw);
    fputs("</pre>\n", out);
    cJSON_free(pretty);
}

/* One row per leaf of the strategy's summary, nested keys joined with '.'. */
static void strategy_rows(FILE *out, const cJSON *obj, const char *prefix)
{
    for (const cJSON *it = obj->child; it != NULL; it = it->next) {
        char key[160];
        snprintf(key, sizeof key, "%s%s%s", prefix, prefix[0] ? "." : "",
                 it->string != NULL ? it->string : "");
        if (cJSON_IsObject(it)) {
            strategy_rows(out, it, key);
            continue;
        }
        char v[64];
        const char *text = v;
        if (cJSON_IsString(it))
            text = it->valuestring;
        else if (cJSON_IsBool(it))
            text = cJSON_IsTrue(it) ? "true" : "false";
        else if (cJSON_IsNumber(it))
            snprintf(v, sizeof v, "%.10g", it->valuedouble);
        else
            text = "(list)";
        tr(out, key, text, NULL);
    }
}

/* The strategy's own figures (its summary hook, strategy.json), whatever the strategy. */
static void section_strategy(FILE *out, const char *strategy_json, const cJSON *meta)
{
    cJSON *j = strategy_json != NULL ? cJSON_Parse(strategy_json) : NULL;
    if (j == NULL || !cJSON_IsObject(j)) {
        cJSON_Delete(j);
        return;
    }
    const cJSON *name = meta ? cJSON_GetObjectItemCaseSensitive(meta, "strategy") : NULL;
    fputs("<h2 id=\"strategy\">Strategy", out);
    if (name != NULL && cJSON_IsString(name)) {
        fputs(": ", out);
        cx__html_text(out, name->valuestring);
    }
    fputs("</h2>\n<p class=\"note\">The strategy's own figures, as its summary reports them "
          "(round trips here are the strategy's, not the FIFO round trips above).</p>"
          "<table class=\"wide\">\n",
          out);
    strategy_rows(out, j, "");
    fputs("</table>\n", out);
    cJSON_Delete(j);
}

static double num_of(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsNumber(v) ? v->valuedouble : 0.0;
}

/* How far the simulated venue's decisions can be trusted (fidelity.json's counts). */
static void section_fidelity(FILE *out, const char *fidelity_json)
{
    cJSON *j = fidelity_json != NULL ? cJSON_Parse(fidelity_json) : NULL;
    const cJSON *replay = cJSON_GetObjectItemCaseSensitive(j, "replay");
    const cJSON *counts = cJSON_GetObjectItemCaseSensitive(j, "counts");
    if (!cJSON_IsObject(replay) || !cJSON_IsObject(counts)) {
        cJSON_Delete(j);
        return;
    }
    fputs("<h2 id=\"fidelity\">Simulation fidelity</h2>\n<p class=\"note\">Why the simulated "
          "venue filled what it filled (fidelity.json has every order and fill; rules in "
          "docs/internals/sim.md). Book age: how old the venue's view of the book (depth diff "
          "or bookTicker) was when it decided.</p><table>\n",
          out);
    char v[64];
    snprintf(v, sizeof v, "%.0f ms", num_of(replay, "venue_window_ns") / 1e6);
    tr(out, "venue reorder window", v, NULL);
    snprintf(v, sizeof v, "%.0f late, %.0f forced", num_of(replay, "late"),
             num_of(replay, "forced"));
    tr(out, "venue messages out of order", v, NULL);
    snprintf(v, sizeof v, "%.0f accepted, %.0f post-only rejects, %.0f other rejects",
             num_of(counts, "accepted"), num_of(counts, "post_only_rejects"),
             num_of(counts, "other_rejects"));
    tr(out, "venue decisions", v, NULL);
    const cJSON *ev = cJSON_GetObjectItemCaseSensitive(counts, "by_evidence");
    for (const cJSON *it = cJSON_IsObject(ev) ? ev->child : NULL; it != NULL; it = it->next) {
        char key[96];
        snprintf(key, sizeof key, "fills by %s", it->string != NULL ? it->string : "?");
        snprintf(v, sizeof v, "%.0f", cJSON_IsNumber(it) ? it->valuedouble : 0.0);
        tr(out, key, v, NULL);
    }
    const cJSON *old = cJSON_GetObjectItemCaseSensitive(counts, "older_than");
    for (const cJSON *it = cJSON_IsArray(old) ? old->child : NULL; it != NULL; it = it->next) {
        char key[96];
        snprintf(key, sizeof key, "book older than %.0f ms", num_of(it, "ms"));
        snprintf(v, sizeof v, "%.0f accepts, %.0f rejects, %.0f fills", num_of(it, "accepted"),
                 num_of(it, "post_only_rejects"), num_of(it, "fills"));
        tr(out, key, v, NULL);
    }
    fputs("</table>\n", out);
    cJSON_Delete(j);
}

/* ---------------------------------------------------------------------------------------------
 * MARK: writer
 * ------------------------------------------------------------------------------------------- */

static int html_body(FILE *out, const struct cx_report_input *in,
                     const struct cx_report_stats *st, const char *title, const char *metadata)
{
    cJSON *meta = metadata != NULL ? cJSON_Parse(metadata) : NULL;
    uint32_t *ids = NULL;
    int rc = 0;
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>",
          out);
    fputs("cexarb report", out);
    if (title != NULL) {
        fputs(": ", out);
        cx__html_text(out, title);
    }
    fprintf(out, "</title>\n<style>%s</style>\n</head>\n<body>\n<main>\n", k_css);
    section_header(out, st, title, meta);
    int64_t t0, t1;
    time_range(in, &t0, &t1);
    rc = section_equity(out, in, st, t0, t1);
    if (rc != 0)
        goto out;
    section_tables(out, st);
    section_strategy(out, in->strategy_json, meta);
    uint32_t ninst = in->reg->count;
    ids = malloc((ninst ? ninst : 1) * sizeof *ids);
    if (ids == NULL) {
        rc = CX_ENOMEM;
        goto out;
    }
    uint32_t nids = used_instruments(in, ids, ninst);
    rc = section_positions(out, in, ids, nids, t0, t1);
    if (rc == 0)
        rc = section_prices(out, in, ids, nids, t0, t1);
    if (rc != 0)
        goto out;
    section_instruments(out, in, ids, nids);
    section_orders(out, in);
    section_fidelity(out, in->fidelity_json);
    section_definitions(out);
    section_metadata(out, meta, metadata);
    fputs("<footer>Generated by <code>cexarb report</code> from the CSV files of this session "
          "directory (performance.csv, fills.csv, orders.csv, positions.csv, "
          "instruments.csv); the same files give the same report. Definitions and formulas: "
          "docs/internals/report.md.</footer>\n</main>\n</body>\n</html>\n",
          out);
out:
    free(ids);
    cJSON_Delete(meta);
    return rc;
}

int cx_report_write_html(const char *path, const struct cx_report_input *in,
                         const struct cx_report_stats *st, const char *title,
                         const char *metadata_json, struct cx_parse_err *err)
{
    if (path == NULL || in == NULL || st == NULL || in->reg == NULL)
        return CX_EINVAL;
    /* Build the page in memory, then hand it to the store's atomic writer (temporary file,
     * fsync, rename), so a failure never leaves a half-written report.html. */
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    if (out == NULL)
        return CX_ENOMEM;
    int rc = html_body(out, in, st, title, metadata_json);
    if (fclose(out) != 0 && rc == 0)
        rc = CX_ENOMEM;
    if (rc != 0) {
        free(text);
        if (err != NULL) {
            const char *base = strrchr(path, '/');
            base = base ? base + 1 : path;
            cx_parse_err_set(err, rc, "cannot build report", base, strlen(base));
            err->file = path;
        }
        return rc;
    }
    rc = cx_store_write_file_atomic(path, text, len, true, err);
    free(text);
    return rc;
}
