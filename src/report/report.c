/* SPDX-License-Identifier: MIT */
/*
 * summary.json, the human summary and `cexarb report SESSION_DIR`: load the session's CSV
 * files, compute the statistics, and write summary.json and report.html atomically next to
 * them. The JSON keeps full precision (money with 8 decimals, the resolution of the files;
 * ratios with 12 significant digits) and writes non-finite values as null.
 */
#include "report_int.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdio.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifndef PATH_MAX
#define PATH_MAX 4096
#endif

/* ---------------------------------------------------------------------------------------------
 * MARK: summary.json
 * ------------------------------------------------------------------------------------------- */

/* Append `"key":value` with a separator; kind 'm' money (8 decimals), 'r' ratio. */
static void j_num(FILE *m, int *first, const char *key, double v, char kind)
{
    fprintf(m, "%s\n    \"%s\": ", *first ? "" : ",", key);
    *first = 0;
    if (!isfinite(v))
        fputs("null", m);
    else if (kind == 'm')
        fprintf(m, "%.8f", v);
    else
        fprintf(m, "%.12g", v);
}

static void j_int(FILE *m, int *first, const char *key, long long v)
{
    fprintf(m, "%s\n    \"%s\": %lld", *first ? "" : ",", key, v);
    *first = 0;
}

int cx_report_summary_json(const struct cx_report_stats *st, char **out_text, size_t *out_len)
{
    if (st == NULL || out_text == NULL)
        return CX_EINVAL;
    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    if (m == NULL)
        return CX_ENOMEM;
    int first;
    char cur[64];
    if (cx_store_json_str(st->currency, cur, sizeof cur) < 0)
        snprintf(cur, sizeof cur, "\"quote\"");
    fprintf(m, "{\n  \"version\": 1,\n  \"currency\": %s,\n  \"period\": {", cur);
    first = 1;
    j_int(m, &first, "start_ns", st->start_ns);
    j_int(m, &first, "end_ns", st->end_ns);
    j_int(m, &first, "duration_ns", st->end_ns - st->start_ns);
    j_int(m, &first, "interval_ns", st->interval_ns);
    j_int(m, &first, "samples", (long long)st->samples);
    fputs("\n  },\n  \"pnl\": {", m);
    first = 1;
    j_num(m, &first, "initial_equity", st->initial_equity, 'm');
    j_num(m, &first, "final_equity", st->final_equity, 'm');
    j_num(m, &first, "net", st->net_pnl, 'm');
    j_num(m, &first, "return", st->total_return, 'r');
    j_num(m, &first, "spread_capture", st->spread_capture, 'm');
    j_num(m, &first, "fees", st->fees_pnl, 'm');
    j_num(m, &first, "funding", st->funding_pnl, 'm');
    j_num(m, &first, "inventory", st->inventory_pnl, 'm');
    j_int(m, &first, "fills_without_mid", (long long)st->fills_without_mid);
    fputs("\n  },\n  \"trading\": {", m);
    first = 1;
    j_int(m, &first, "fills", (long long)st->fills);
    j_int(m, &first, "maker_fills", (long long)st->maker_fills);
    j_int(m, &first, "taker_fills", (long long)st->taker_fills);
    j_num(m, &first, "volume", st->volume, 'm');
    j_num(m, &first, "fees_paid", st->fees_paid, 'm');
    j_num(m, &first, "mean_latency_ns", st->mean_latency_ns, 'r');
    j_int(m, &first, "orders", (long long)st->orders);
    j_int(m, &first, "orders_filled", (long long)st->orders_filled);
    j_int(m, &first, "orders_rejected", (long long)st->orders_rejected);
    j_int(m, &first, "orders_canceled", (long long)st->orders_canceled);
    j_num(m, &first, "fill_ratio", st->fill_ratio, 'r');
    j_num(m, &first, "order_to_trade", st->order_to_trade, 'r');
    j_int(m, &first, "round_trips", (long long)st->round_trips);
    j_int(m, &first, "wins", (long long)st->wins);
    j_int(m, &first, "losses", (long long)st->losses);
    j_num(m, &first, "win_rate", st->win_rate, 'r');
    j_num(m, &first, "gross_profit", st->gross_profit, 'm');
    j_num(m, &first, "gross_loss", st->gross_loss, 'm');
    j_num(m, &first, "profit_factor", st->profit_factor, 'r');
    fputs("\n  },\n  \"risk\": {", m);
    first = 1;
    j_int(m, &first, "returns", (long long)st->returns);
    j_num(m, &first, "periods_per_year", st->periods_per_year, 'r');
    j_num(m, &first, "mean_return", st->mean_return, 'r');
    j_num(m, &first, "volatility", st->volatility, 'r');
    j_num(m, &first, "sharpe", st->sharpe, 'r');
    j_num(m, &first, "sortino", st->sortino, 'r');
    j_num(m, &first, "max_drawdown", st->max_drawdown, 'r');
    j_int(m, &first, "max_drawdown_peak_ns", st->max_drawdown_peak_ns);
    j_int(m, &first, "max_drawdown_trough_ns", st->max_drawdown_trough_ns);
    j_int(m, &first, "max_drawdown_duration_ns", st->max_drawdown_duration_ns);
    j_num(m, &first, "annual_return", st->annual_return, 'r');
    j_num(m, &first, "calmar", st->calmar, 'r');
    j_num(m, &first, "time_in_market", st->time_in_market, 'r');
    fputs("\n  }\n}\n", m);
    if (fclose(m) != 0) {
        free(text);
        return CX_ENOMEM;
    }
    *out_text = text;
    if (out_len != NULL)
        *out_len = len;
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: human summary
 * ------------------------------------------------------------------------------------------- */

static void pct(double v, char *buf, size_t cap)
{
    if (isfinite(v))
        snprintf(buf, cap, "%.4g %%", v * 100.0);
    else
        cx__fmt_num(v, 2, buf, cap);
}

static void num(double v, char *buf, size_t cap)
{
    if (isfinite(v))
        snprintf(buf, cap, "%.4g", v);
    else
        cx__fmt_num(v, 2, buf, cap);
}

void cx_report_print(const struct cx_report_stats *st, FILE *out)
{
    char a[48], b[48], c[48], d[48], e[48];
    const char *cur = st->currency;
    cx__fmt_utc(st->start_ns, 0, a, sizeof a);
    cx__fmt_utc(st->end_ns, 0, b, sizeof b);
    cx__fmt_duration(st->end_ns - st->start_ns, c, sizeof c);
    cx__fmt_duration(st->interval_ns, d, sizeof d);
    fprintf(out, "period        %s to %s UTC (%s), %llu samples every %s\n", a, b, c,
            (unsigned long long)st->samples, d);
    cx__fmt_num(st->net_pnl, 8, a, sizeof a);
    pct(st->total_return, b, sizeof b);
    fprintf(out, "net PnL       %s %s (return %s)\n", a, cur, b);
    cx__fmt_num(st->spread_capture, 4, a, sizeof a);
    cx__fmt_num(st->fees_pnl, 4, b, sizeof b);
    cx__fmt_num(st->funding_pnl, 4, c, sizeof c);
    cx__fmt_num(st->inventory_pnl, 4, d, sizeof d);
    fprintf(out, "  breakdown   spread capture %s, fees %s, funding %s, inventory %s\n", a, b, c,
            d);
    cx__fmt_num(st->volume, 2, a, sizeof a);
    cx__fmt_num(st->fees_paid, 4, b, sizeof b);
    fprintf(out, "fills         %llu (maker %llu, taker %llu), volume %s %s, fees paid %s\n",
            (unsigned long long)st->fills, (unsigned long long)st->maker_fills,
            (unsigned long long)st->taker_fills, a, cur, b);
    pct(st->fill_ratio, a, sizeof a);
    num(st->order_to_trade, b, sizeof b);
    fprintf(out, "orders        %llu (rejected %llu, canceled %llu), fill ratio %s, "
                 "order-to-trade %s\n",
            (unsigned long long)st->orders, (unsigned long long)st->orders_rejected,
            (unsigned long long)st->orders_canceled, a, b);
    pct(st->win_rate, a, sizeof a);
    num(st->profit_factor, b, sizeof b);
    fprintf(out, "round trips   %llu FIFO per instrument, win rate %s, profit factor %s\n",
            (unsigned long long)st->round_trips, a, b);
    num(st->sharpe, a, sizeof a);
    num(st->sortino, b, sizeof b);
    pct(st->max_drawdown, c, sizeof c);
    cx__fmt_duration(st->max_drawdown_duration_ns, d, sizeof d);
    num(st->calmar, e, sizeof e);
    fprintf(out, "risk          Sharpe %s, Sortino %s, max drawdown %s (%s), Calmar %s\n", a, b,
            c, d, e);
    pct(st->time_in_market, a, sizeof a);
    fprintf(out, "time in market %s\n", a);
}

/* ---------------------------------------------------------------------------------------------
 * MARK: cexarb report
 * ------------------------------------------------------------------------------------------- */

/* The whole of a session file as a NUL-terminated string in *out (caller frees): 0; 0 with
 * *out NULL when the file does not exist; CX_ENOMEM. */
static int read_session_file(const char *session_dir, const char *name, char **out,
                             size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    char path[PATH_MAX];
    if (snprintf(path, sizeof path, "%s/%s", session_dir, name) >= (int)sizeof path)
        return 0;
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return 0;
    char *text = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len + 4096 + 1 > cap) {
            cap = cap ? cap * 2 : 8192;
            char *p = realloc(text, cap);
            if (p == NULL) {
                free(text);
                fclose(f);
                return CX_ENOMEM;
            }
            text = p;
        }
        size_t got = fread(text + len, 1, 4096, f);
        len += got;
        if (got == 0)
            break;
    }
    fclose(f);
    text[len] = '\0';
    *out = text;
    *out_len = len;
    return 0;
}

/* Append `"key": value` (value: JSON text, len bytes) as the last member of the object in
 * *json. @return 0; CX_EINVAL (not an object); CX_ENOMEM. */
static int splice_member(char **json, size_t *json_len, const char *key, const char *value,
                         size_t len)
{
    char *end = *json + *json_len;
    while (end > *json && end[-1] != '}')
        end--;
    if (end == *json)
        return CX_EINVAL;
    size_t head = (size_t)(end - 1 - *json);
    size_t n = head + len + strlen(key) + 32;
    char *out = malloc(n);
    if (out == NULL)
        return CX_ENOMEM;
    int w = snprintf(out, n, "%.*s,\n  \"%s\": %.*s\n}\n", (int)head, *json, key, (int)len,
                     value);
    free(*json);
    *json = out;
    *json_len = (size_t)w;
    return 0;
}

static int bad_file(struct cx_parse_err *err, const char *file, const char *msg)
{
    cx_parse_err_set(err, CX_EPARSE, msg, NULL, 0);
    if (err != NULL)
        err->file = file;
    return CX_EPARSE;
}

/*
 * When the session holds strategy.json (the strategy's own summary, written by the session
 * runner), embed it in summary.json as "strategy", so `cexarb report` reproduces it too.
 * The file must be one JSON object (validated with cJSON); a missing file is not an error.
 */
static int splice_strategy(const char *session_dir, char **json, size_t *json_len,
                           char **out_text, struct cx_parse_err *err)
{
    char *text;
    size_t len;
    int rc = read_session_file(session_dir, "strategy.json", &text, &len);
    if (rc != 0 || text == NULL)
        return rc;
    cJSON *j = cJSON_Parse(text);
    bool ok = j != NULL && cJSON_IsObject(j);
    cJSON_Delete(j);
    if (!ok) {
        free(text);
        return bad_file(err, "strategy.json", "strategy.json is not a JSON object");
    }
    rc = splice_member(json, json_len, "strategy", text, len);
    if (rc != 0) {
        free(text);
        return rc;
    }
    *out_text = text; /* the report renders it too */
    return 0;
}

/*
 * When the session holds fidelity.json (docs/internals/fidelity.md), embed its "replay" and
 * "counts" objects in summary.json as "fidelity" and keep them for the report's fidelity
 * section. A missing file is not an error (sessions of older versions); a file that is not an
 * object with both members is CX_EPARSE naming the file.
 */
static int splice_fidelity(const char *session_dir, char **json, size_t *json_len,
                           char **out_text, struct cx_parse_err *err)
{
    char *text;
    size_t len;
    int rc = read_session_file(session_dir, "fidelity.json", &text, &len);
    if (rc != 0 || text == NULL)
        return rc;
    cJSON *j = cJSON_Parse(text);
    free(text);
    const cJSON *replay = cJSON_GetObjectItemCaseSensitive(j, "replay");
    const cJSON *counts = cJSON_GetObjectItemCaseSensitive(j, "counts");
    if (!cJSON_IsObject(replay) || !cJSON_IsObject(counts)) {
        cJSON_Delete(j);
        return bad_file(err, "fidelity.json",
                        "fidelity.json is not an object with \"replay\" and \"counts\"");
    }
    cJSON *sub = cJSON_CreateObject();
    char *printed = NULL;
    if (sub != NULL && cJSON_AddItemReferenceToObject(sub, "replay", (cJSON *)replay) &&
        cJSON_AddItemReferenceToObject(sub, "counts", (cJSON *)counts))
        printed = cJSON_PrintUnformatted(sub);
    cJSON_Delete(sub);
    cJSON_Delete(j);
    if (printed == NULL)
        return CX_ENOMEM;
    rc = splice_member(json, json_len, "fidelity", printed, strlen(printed));
    if (rc != 0) {
        cJSON_free(printed);
        return rc;
    }
    *out_text = strdup(printed);
    cJSON_free(printed);
    return *out_text != NULL ? 0 : CX_ENOMEM;
}

int cx_report_from_dir(const char *session_dir, FILE *summary_out, struct cx_parse_err *err)
{
    if (session_dir == NULL)
        return CX_EINVAL;
    struct cx_store_session s;
    char *json = NULL, *strategy = NULL, *fidelity = NULL;
    size_t json_len = 0;
    char path[PATH_MAX];
    int rc = cx_store_load(&s, session_dir, err);
    if (rc != 0)
        goto out;
    struct cx_report_input in = {
        .reg = &s.reg,
        .perf = s.perf,
        .n_perf = s.n_perf,
        .fills = s.fills,
        .n_fills = s.n_fills,
        .orders = s.orders,
        .n_orders = s.n_orders,
        .positions = s.positions,
        .n_positions = s.n_positions,
        .interval_ns = 0,
    };
    struct cx_report_stats st;
    rc = cx_report_compute(&in, &st);
    if (rc == 0)
        rc = cx_report_summary_json(&st, &json, &json_len);
    if (rc != 0) {
        cx_parse_err_set(err, rc, "cannot compute statistics", NULL, 0);
        if (err != NULL)
            err->file = CX_STORE_SUMMARY;
        goto out;
    }
    rc = splice_strategy(session_dir, &json, &json_len, &strategy, err);
    if (rc != 0)
        goto out;
    in.strategy_json = strategy;
    rc = splice_fidelity(session_dir, &json, &json_len, &fidelity, err);
    if (rc != 0)
        goto out;
    in.fidelity_json = fidelity;
    if (snprintf(path, sizeof path, "%s/%s", session_dir, CX_STORE_SUMMARY) >= (int)sizeof path) {
        rc = cx_parse_err_set(err, CX_EINVAL, "path too long", NULL, 0);
        goto out;
    }
    rc = cx_store_write_file_atomic(path, json, json_len, true, err);
    if (rc != 0) {
        if (err != NULL)
            err->file = CX_STORE_SUMMARY; /* static; the path buffer dies with this frame */
        goto out;
    }
    if (snprintf(path, sizeof path, "%s/%s", session_dir, CX_STORE_REPORT) >= (int)sizeof path) {
        rc = cx_parse_err_set(err, CX_EINVAL, "path too long", NULL, 0);
        goto out;
    }
    rc = cx_report_write_html(path, &in, &st, session_dir, s.metadata_json, err);
    if (rc != 0) {
        if (err != NULL)
            err->file = CX_STORE_REPORT;
        goto out;
    }
    if (summary_out != NULL) {
        fprintf(summary_out, "session       %s\n", session_dir);
        cx_report_print(&st, summary_out);
        fprintf(summary_out, "report        %s\n", path);
    }
out:
    free(json);
    free(strategy);
    free(fidelity);
    cx_store_session_fini(&s);
    return rc;
}
