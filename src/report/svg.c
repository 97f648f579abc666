/* SPDX-License-Identifier: MIT */
/*
 * Inline SVG time-series charts for the HTML report, written straight to a stream. The x axis
 * is UTC time with ticks on round steps (1 ms .. 30 days) aligned to the epoch; the y axis uses
 * "nice numbers" (Heckbert, P. S. (1990), "Nice Numbers for Graph Labels", Graphics Gems,
 * pp. 61-63): the range is rounded to 1, 2, 5 or 10 times a power of ten, then the tick step.
 * Long series are thinned to the minimum and maximum of each horizontal pixel, in time order,
 * so spikes stay visible while the file stays small. No scripts, no external references.
 */
#include "report_int.h"

#include <math.h>
#include <string.h>
#include <time.h>

/* ---------------------------------------------------------------------------------------------
 * MARK: text formatting
 * ------------------------------------------------------------------------------------------- */

void cx__html_text(FILE *out, const char *s)
{
    for (; s != NULL && *s != '\0'; s++) {
        switch (*s) {
        case '&':
            fputs("&amp;", out);
            break;
        case '<':
            fputs("&lt;", out);
            break;
        case '>':
            fputs("&gt;", out);
            break;
        case '"':
            fputs("&quot;", out);
            break;
        default:
            fputc(*s, out);
        }
    }
}

/* Split ns since the epoch into a broken-down UTC time and the ns within the second. */
static void utc_parts(int64_t t_ns, struct tm *tm, int64_t *out_sub_ns)
{
    int64_t sec = t_ns / CX_NS_PER_S;
    int64_t sub = t_ns % CX_NS_PER_S;
    if (sub < 0) {
        sub += CX_NS_PER_S;
        sec--;
    }
    time_t tt = (time_t)sec;
    memset(tm, 0, sizeof *tm);
    gmtime_r(&tt, tm);
    *out_sub_ns = sub;
}

void cx__fmt_utc(int64_t t_ns, int with_ms, char *buf, size_t cap)
{
    struct tm tm;
    int64_t sub;
    utc_parts(t_ns, &tm, &sub);
    if (with_ms)
        snprintf(buf, cap, "%04d-%02d-%02d %02d:%02d:%02d.%03d", tm.tm_year + 1900, tm.tm_mon + 1,
                 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(sub / CX_NS_PER_MS));
    else
        snprintf(buf, cap, "%04d-%02d-%02d %02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
                 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

void cx__fmt_duration(int64_t ns, char *buf, size_t cap)
{
    const char *sign = ns < 0 ? "-" : "";
    uint64_t u = ns < 0 ? (uint64_t)0 - (uint64_t)ns : (uint64_t)ns;
    uint64_t s = u / 1000000000u;
    if (s == 0) {
        snprintf(buf, cap, "%s%.3g ms", sign, (double)u / 1e6);
        return;
    }
    uint64_t d = s / 86400, h = s / 3600 % 24, m = s / 60 % 60, sec = s % 60;
    double frac = (double)(u % 1000000000u) / 1e9;
    if (d > 0)
        snprintf(buf, cap, "%s%llud %lluh %llum %llus", sign, (unsigned long long)d,
                 (unsigned long long)h, (unsigned long long)m, (unsigned long long)sec);
    else if (h > 0)
        snprintf(buf, cap, "%s%lluh %llum %llus", sign, (unsigned long long)h,
                 (unsigned long long)m, (unsigned long long)sec);
    else if (m > 0)
        snprintf(buf, cap, "%s%llum %llus", sign, (unsigned long long)m, (unsigned long long)sec);
    else
        snprintf(buf, cap, "%s%.3gs", sign, (double)sec + frac);
}

void cx__fmt_num(double v, int decimals, char *buf, size_t cap)
{
    if (isnan(v)) {
        snprintf(buf, cap, "n/a");
        return;
    }
    if (isinf(v)) {
        snprintf(buf, cap, "%sinf", v < 0 ? "-" : "");
        return;
    }
    char raw[64];
    int n = snprintf(raw, sizeof raw, "%.*f", decimals, v);
    if (n < 0 || (size_t)n >= sizeof raw || fabs(v) >= 1e15) {
        snprintf(buf, cap, "%.6g", v);
        return;
    }
    /* Insert ',' every three integer digits. */
    const char *p = raw;
    char tmp[96];
    size_t o = 0;
    if (*p == '-')
        tmp[o++] = *p++;
    const char *dot = strchr(p, '.');
    size_t int_len = dot ? (size_t)(dot - p) : strlen(p);
    for (size_t i = 0; i < int_len; i++) {
        if (i > 0 && (int_len - i) % 3 == 0)
            tmp[o++] = ',';
        tmp[o++] = p[i];
    }
    for (const char *q = p + int_len; *q != '\0' && o + 1 < sizeof tmp; q++)
        tmp[o++] = *q;
    tmp[o] = '\0';
    /* "-0.00" reads as a loss; print it as zero. */
    if (strspn(tmp, "-0.,") == strlen(tmp) && tmp[0] == '-')
        memmove(tmp, tmp + 1, o);
    snprintf(buf, cap, "%s", tmp);
}

/* ---------------------------------------------------------------------------------------------
 * MARK: axes
 * ------------------------------------------------------------------------------------------- */

/* Heckbert's nice number: 1, 2, 5 or 10 times a power of ten near x (rounded or ceiling). */
static double nice_num(double x, int round_it)
{
    double e = floor(log10(x));
    double f = x / pow(10.0, e);
    double nf;
    if (round_it)
        nf = f < 1.5 ? 1.0 : f < 3.0 ? 2.0 : f < 7.0 ? 5.0 : 10.0;
    else
        nf = f <= 1.0 ? 1.0 : f <= 2.0 ? 2.0 : f <= 5.0 ? 5.0 : 10.0;
    return nf * pow(10.0, e);
}

/* Target number of value ticks on the y axis. */
#define Y_TICKS 6

/* Tick step for [y0, y1]. */
static double y_step(double y0, double y1)
{
    double range = nice_num(y1 - y0, 0);
    return nice_num(range / (Y_TICKS - 1), 1);
}

void cx__chart_init(struct cx__chart *c, const char *title, const char *y_label, int64_t t0_ns,
                    int64_t t1_ns, double ymin, double ymax)
{
    memset(c, 0, sizeof *c);
    c->title = title;
    c->y_label = y_label;
    c->t0_ns = t0_ns;
    c->t1_ns = t1_ns > t0_ns ? t1_ns : t0_ns + CX_NS_PER_S;
    c->width = 1200;
    c->height = 300;
    c->left = 96;
    c->right = 24;
    c->top = 34;
    c->bottom = 52;
    if (!isfinite(ymin) || !isfinite(ymax)) {
        ymin = 0.0;
        ymax = 1.0;
    }
    if (ymax < ymin) {
        double t = ymin;
        ymin = ymax;
        ymax = t;
    }
    if (ymax - ymin <= fabs(ymax) * 1e-12 || ymax == ymin) {
        double pad = fabs(ymin) > 0.0 ? fabs(ymin) * 1e-3 : 1.0;
        ymin -= pad;
        ymax += pad;
    }
    double step = y_step(ymin, ymax);
    c->y0 = floor(ymin / step) * step;
    c->y1 = ceil(ymax / step) * step;
}

static double px_x(const struct cx__chart *c, int64_t t)
{
    double pw = (double)(c->width - c->left - c->right);
    return (double)c->left + (double)(t - c->t0_ns) / (double)(c->t1_ns - c->t0_ns) * pw;
}

static double px_y(const struct cx__chart *c, double v)
{
    double ph = (double)(c->height - c->top - c->bottom);
    return (double)c->top + (c->y1 - v) / (c->y1 - c->y0) * ph;
}

/* Time tick steps, ns: 1 ms .. 30 days. */
static const int64_t k_time_steps[] = {
    1000000LL,         2000000LL,         5000000LL,        10000000LL,       20000000LL,
    50000000LL,        100000000LL,       200000000LL,      500000000LL,      1000000000LL,
    2000000000LL,      5000000000LL,      10000000000LL,    15000000000LL,    30000000000LL,
    60000000000LL,     120000000000LL,    300000000000LL,   600000000000LL,   900000000000LL,
    1800000000000LL,   3600000000000LL,   7200000000000LL,  10800000000000LL, 21600000000000LL,
    43200000000000LL,  86400000000000LL,  172800000000000LL, 604800000000000LL,
    2592000000000000LL,
};

static void time_label(int64_t t, int64_t step, char *buf, size_t cap)
{
    struct tm tm;
    int64_t sub;
    utc_parts(t, &tm, &sub);
    if (step < CX_NS_PER_S)
        snprintf(buf, cap, "%02d:%02d:%02d.%03d", tm.tm_hour, tm.tm_min, tm.tm_sec,
                 (int)(sub / CX_NS_PER_MS));
    else if (step < 60 * CX_NS_PER_S)
        snprintf(buf, cap, "%02d:%02d:%02d", tm.tm_hour, tm.tm_min, tm.tm_sec);
    else if (step < 86400 * CX_NS_PER_S)
        snprintf(buf, cap, "%02d:%02d", tm.tm_hour, tm.tm_min);
    else
        snprintf(buf, cap, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

void cx__chart_begin(FILE *out, struct cx__chart *c)
{
    int pl = c->left, pr = c->width - c->right, pt = c->top, pb = c->height - c->bottom;
    fprintf(out, "<svg class=\"chart\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"", c->width,
            c->height);
    cx__html_text(out, c->title);
    fputs("\">\n", out);
    fprintf(out, "<text class=\"ct\" x=\"%d\" y=\"20\">", pl);
    cx__html_text(out, c->title);
    fputs("</text>\n", out);
    fprintf(out, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" class=\"plot\"/>\n", pl, pt,
            pr - pl, pb - pt);

    /* y grid and labels */
    double step = y_step(c->y0, c->y1);
    int decimals = step >= 1.0 ? 0 : (int)ceil(-log10(step) - 1e-9);
    if (decimals > 10)
        decimals = 10;
    fputs("<g class=\"grid\">", out);
    for (int k = 0; k <= 100; k++) {
        double v = c->y0 + step * k;
        if (v > c->y1 + step * 1e-6)
            break;
        double y = px_y(c, v);
        char lab[48];
        cx__fmt_num(fabs(v) < step * 1e-6 ? 0.0 : v, decimals, lab, sizeof lab);
        fprintf(out, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>", pl, y, pr, y);
        fprintf(out, "<text class=\"yl\" x=\"%d\" y=\"%.1f\">%s</text>", pl - 6, y + 4, lab);
    }
    /* x grid and labels */
    int64_t span = c->t1_ns - c->t0_ns;
    int64_t tstep = k_time_steps[sizeof k_time_steps / sizeof k_time_steps[0] - 1];
    for (size_t i = 0; i < sizeof k_time_steps / sizeof k_time_steps[0]; i++) {
        if (span / k_time_steps[i] <= 8) {
            tstep = k_time_steps[i];
            break;
        }
    }
    int64_t first = c->t0_ns / tstep * tstep;
    if (first < c->t0_ns)
        first += tstep;
    for (int64_t t = first; t <= c->t1_ns; t += tstep) {
        double x = px_x(c, t);
        char lab[32];
        time_label(t, tstep, lab, sizeof lab);
        fprintf(out, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/>", x, pt, x, pb);
        fprintf(out, "<text class=\"xl\" x=\"%.1f\" y=\"%d\">%s</text>", x, pb + 16, lab);
    }
    fputs("</g>\n", out);
    /* axis captions */
    char a[40], b[40];
    cx__fmt_utc(c->t0_ns, tstep < CX_NS_PER_S, a, sizeof a);
    cx__fmt_utc(c->t1_ns, tstep < CX_NS_PER_S, b, sizeof b);
    fprintf(out, "<text class=\"xc\" x=\"%d\" y=\"%d\">time (UTC), %s to %s</text>\n",
            (pl + pr) / 2, c->height - 8, a, b);
    fprintf(out, "<text class=\"yc\" transform=\"translate(16 %d) rotate(-90)\">", (pt + pb) / 2);
    cx__html_text(out, c->y_label);
    fputs("</text>\n", out);
}

/* Emit one point of a path; `pen` is 0 before the first point of a run. */
static void path_pt(FILE *out, const struct cx__chart *c, int64_t t, double v, int step,
                    int *pen, double *last_y)
{
    double x = px_x(c, t), y = px_y(c, v);
    if (!*pen)
        fprintf(out, "M%.1f %.1f", x, y);
    else if (step)
        fprintf(out, "H%.1fV%.1f", x, y);
    else
        fprintf(out, "L%.1f %.1f", x, y);
    *pen = 1;
    *last_y = y;
}

void cx__chart_series(FILE *out, const struct cx__chart *c, const struct cx__series *s)
{
    if (s->n == 0)
        return;
    size_t pw = (size_t)(c->width - c->left - c->right);
    for (int pass = 0; pass < (s->area ? 2 : 1); pass++) {
        int area = s->area && pass == 0;
        if (area)
            fprintf(out, "<path fill=\"%s\" fill-opacity=\"0.18\" stroke=\"none\" d=\"", s->color);
        else
            fprintf(out, "<path fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" d=\"", s->color);
        int pen = 0;
        double last_y = 0.0;
        double zero_y = px_y(c, c->y0 > 0.0 ? c->y0 : c->y1 < 0.0 ? c->y1 : 0.0);
        double run_x0 = 0.0;
        size_t i = 0;
        while (i < s->n) {
            if (isnan(s->y[i])) {
                if (area && pen)
                    fprintf(out, "V%.1fH%.1fZ", zero_y, run_x0);
                pen = 0;
                i++;
                continue;
            }
            int64_t bucket = (int64_t)((px_x(c, s->t_ns[i]) - c->left));
            size_t j = i;
            size_t lo = i, hi = i;
            /* Gather the points that fall into the same pixel column. */
            if (s->n > 2 * pw) {
                while (j + 1 < s->n && !isnan(s->y[j + 1]) &&
                       (int64_t)(px_x(c, s->t_ns[j + 1]) - c->left) == bucket) {
                    j++;
                    if (s->y[j] < s->y[lo])
                        lo = j;
                    if (s->y[j] > s->y[hi])
                        hi = j;
                }
            }
            if (!pen)
                run_x0 = px_x(c, s->t_ns[i]);
            if (j == i) {
                path_pt(out, c, s->t_ns[i], s->y[i], s->step, &pen, &last_y);
            } else {
                /* first, extremes in time order, last */
                size_t a = lo < hi ? lo : hi, b = lo < hi ? hi : lo;
                path_pt(out, c, s->t_ns[i], s->y[i], s->step, &pen, &last_y);
                if (a != i)
                    path_pt(out, c, s->t_ns[a], s->y[a], s->step, &pen, &last_y);
                if (b != a && b != i)
                    path_pt(out, c, s->t_ns[b], s->y[b], s->step, &pen, &last_y);
                if (j != b)
                    path_pt(out, c, s->t_ns[j], s->y[j], s->step, &pen, &last_y);
            }
            i = j + 1;
        }
        if (area && pen)
            fprintf(out, "V%.1fH%.1fZ", zero_y, run_x0);
        (void)last_y;
        fputs("\"/>\n", out);
    }
}

void cx__chart_marker(FILE *out, const struct cx__chart *c, int64_t t_ns, double y, int up,
                      const char *color, const char *tooltip)
{
    double px = px_x(c, t_ns), py = px_y(c, y);
    if (up)
        fprintf(out, "<path d=\"M%.1f %.1fl5 9h-10z\" fill=\"%s\"", px, py, color);
    else
        fprintf(out, "<path d=\"M%.1f %.1fl5 -9h-10z\" fill=\"%s\"", px, py, color);
    if (tooltip != NULL) {
        fputs("><title>", out);
        cx__html_text(out, tooltip);
        fputs("</title></path>", out);
    } else {
        fputs("/>", out);
    }
}

/* Approximate advance of one character of the 12 px legend font (DejaVu Sans averages ~6.6 px;
 * rounding up keeps entries from touching). */
#define LEGEND_CHAR_PX 7.0
#define TITLE_CHAR_PX 8.0

static void legend_symbol(FILE *out, int kind, double x, double y, const char *color)
{
    if (kind == 0)
        fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                     "stroke-width=\"2.5\"/>",
                x, y - 4, x + 18, y - 4, color);
    else if (kind == 1)
        fprintf(out, "<path d=\"M%.1f %.1fl5 9h-10z\" fill=\"%s\"/>", x + 9, y - 9, color);
    else
        fprintf(out, "<path d=\"M%.1f %.1fl5 -9h-10z\" fill=\"%s\"/>", x + 9, y, color);
}

void cx__chart_legend(FILE *out, const struct cx__chart *c, const char *const *labels,
                      const char *const *colors, const int *kinds, int n)
{
    if (n <= 0)
        return;
    /* Preferred: one row right-aligned on the title line, so the legend never hides data. */
    double total = 0.0, longest = 0.0;
    for (int i = 0; i < n; i++) {
        double w = 24.0 + (double)strlen(labels[i]) * LEGEND_CHAR_PX + 16.0;
        total += w;
        if (w > longest)
            longest = w;
    }
    double title_end = (double)c->left + (double)strlen(c->title ? c->title : "") * TITLE_CHAR_PX;
    double x = (double)(c->width - c->right) - total;
    fputs("<g class=\"legend\">", out);
    if (x > title_end + 24.0) {
        for (int i = 0; i < n; i++) {
            legend_symbol(out, kinds[i], x, 21.0, colors[i]);
            fprintf(out, "<text x=\"%.1f\" y=\"21\">", x + 24.0);
            cx__html_text(out, labels[i]);
            fputs("</text>", out);
            x += 24.0 + (double)strlen(labels[i]) * LEGEND_CHAR_PX + 16.0;
        }
    } else {
        /* Too many entries for the title line: a boxed column in the plot's top-left corner. */
        int w = (int)longest + 8, h = 8 + 17 * n;
        int bx = c->left + 8, by = c->top + 8;
        fprintf(out, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"/>", bx, by, w, h);
        for (int i = 0; i < n; i++) {
            double cy = by + 13 + 17 * i;
            legend_symbol(out, kinds[i], bx + 6, cy, colors[i]);
            fprintf(out, "<text x=\"%d\" y=\"%.1f\">", bx + 30, cy);
            cx__html_text(out, labels[i]);
            fputs("</text>", out);
        }
    }
    fputs("</g>\n", out);
}

void cx__chart_end(FILE *out)
{
    fputs("</svg>\n", out);
}
