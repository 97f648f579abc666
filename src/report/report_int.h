/* SPDX-License-Identifier: MIT */
/*
 * report module internals: money conversion helpers shared by the statistics and the HTML
 * writer, and the small inline-SVG chart builder (svg.c). Private to src/report.
 */
#ifndef CX_REPORT_INT_H
#define CX_REPORT_INT_H

#include "cexarb/report.h"

#include <stdint.h>
#include <stdio.h>

/* Quote money mantissa (CX_NOTIONAL_EXP) as a double. */
double cx__rep_money(int64_t m);
/* Contract multiplier of an instrument as a double (1 when unset). */
double cx__rep_mult(const struct cx_instrument *inst);
/* Median spacing of the samples (1 s with fewer than two, or when not positive); -1 on ENOMEM. */
int64_t cx__rep_infer_interval(const struct cx_store_perf_row *perf, size_t n);

/* ---------------------------------------------------------------------------------------------
 * MARK: SVG charts
 * ------------------------------------------------------------------------------------------- */

/* A time-series chart: x is UTC time, y is a value with a unit. Geometry in SVG user units. */
struct cx__chart {
    const char *title;    /* heading drawn above the plot area */
    const char *y_label;  /* axis label with its unit, e.g. "equity (USDT)" */
    int64_t t0_ns, t1_ns; /* x range */
    double y0, y1;        /* y range (after cx__chart_begin: rounded out to nice ticks) */
    int width, height;    /* SVG size */
    int left, right, top, bottom; /* margins around the plot area */
};

/* One line series. t_ns[0..n) ascending; y[0..n). */
struct cx__series {
    const int64_t *t_ns;  /* sample times */
    const double *y;      /* values (NaN = gap) */
    size_t n;             /* samples */
    const char *color;    /* CSS colour */
    int step;             /* 1: draw as a step function (value holds until the next sample) */
    int area;             /* 1: fill between the line and y = 0 */
};

/* Initialise geometry defaults and pick nice y bounds covering [ymin, ymax]. */
void cx__chart_init(struct cx__chart *c, const char *title, const char *y_label, int64_t t0_ns,
                    int64_t t1_ns, double ymin, double ymax);
/* Open the <svg>, draw title, grid, axes with tick labels (UTC time and values). */
void cx__chart_begin(FILE *out, struct cx__chart *c);
/* Draw a series as one <path>, thinned to at most two points per horizontal pixel. */
void cx__chart_series(FILE *out, const struct cx__chart *c, const struct cx__series *s);
/* Draw a triangle marker: up (buy) or down (sell), with a hover title. */
void cx__chart_marker(FILE *out, const struct cx__chart *c, int64_t t_ns, double y, int up,
                      const char *color, const char *tooltip);
/* Draw a legend box in the top-left corner of the plot. kinds: 0 line, 1 up, 2 down. */
void cx__chart_legend(FILE *out, const struct cx__chart *c, const char *const *labels,
                      const char *const *colors, const int *kinds, int n);
/* Close the </svg>. */
void cx__chart_end(FILE *out);

/* Write text with &, <, >, " escaped. */
void cx__html_text(FILE *out, const char *s);
/* UTC "YYYY-MM-DD HH:MM:SS" (plus ".mmm" when with_ms) of a ns timestamp. */
void cx__fmt_utc(int64_t t_ns, int with_ms, char *buf, size_t cap);
/* Duration as "1d 2h 3m 4s" / "3m 4.5s" / "850 ms". */
void cx__fmt_duration(int64_t ns, char *buf, size_t cap);
/* Number with fixed decimals and thousands separators ("12,345.68"); "n/a" for NaN, "inf". */
void cx__fmt_num(double v, int decimals, char *buf, size_t cap);

#endif /* CX_REPORT_INT_H */
