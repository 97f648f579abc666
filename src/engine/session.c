/* SPDX-License-Identifier: MIT */
/*
 * Backtest session: runs the engine with hooks that stream every fill, position sample, equity
 * sample and log line into the session store, writes orders.csv from the OMS at the end, then
 * finishes the store (atomic renames) and computes summary.json and report.html from the
 * finished files alone, so `cexarb report DIR` later reproduces exactly the same output.
 */
#include "cexarb/engine.h"

#include "engine_int.h"

#include "cexarb/report.h"
#include "cexarb/store.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

struct session {
    struct cx_store *st;
    const struct cx_engine_hooks *user;
    struct cx__fidelity *fid; /* fidelity.json recorder */
    int first_err; /* first store error seen by a hook */
};

static void keep(struct session *s, int rc)
{
    if (rc != 0 && s->first_err == 0)
        s->first_err = rc;
}

static void h_fill(void *arg, const struct cx_fill *f, int64_t mid)
{
    struct session *s = arg;
    keep(s, cx_store_write_fill(s->st, f, mid));
    cx__fidelity_on_fill(s->fid, f);
    if (s->user && s->user->on_fill)
        s->user->on_fill(s->user->arg, f, mid);
}

static void h_report(void *arg, const struct cx_exec_report *m)
{
    struct session *s = arg;
    cx__fidelity_on_report(s->fid, m);
    if (s->user && s->user->on_report)
        s->user->on_report(s->user->arg, m);
}

static void h_order(void *arg, const struct cx_order *o)
{
    struct session *s = arg;
    cx__fidelity_on_order(s->fid, o);
    if (s->user && s->user->on_order)
        s->user->on_order(s->user->arg, o);
}

static void h_sample(void *arg, const struct cx_perf_sample *p)
{
    struct session *s = arg;
    struct cx_store_perf_row row = {.ts_ns = p->ts_ns,
                                    .equity = p->equity,
                                    .cash = p->cash,
                                    .position_value = p->position_value,
                                    .realized = p->realized,
                                    .unrealized = p->unrealized,
                                    .fees = p->fees,
                                    .funding = p->funding};
    keep(s, cx_store_write_perf(s->st, &row));
    if (s->user && s->user->on_sample)
        s->user->on_sample(s->user->arg, p);
}

static void h_position(void *arg, int64_t ts, uint32_t inst, int64_t mid,
                       const struct cx_position *pos, int64_t unreal)
{
    struct session *s = arg;
    keep(s, cx_store_write_position(s->st, ts, inst, mid, pos, unreal));
    if (s->user && s->user->on_position)
        s->user->on_position(s->user->arg, ts, inst, mid, pos, unreal);
}

static void h_log(void *arg, int64_t ts, const char *event, const char *fields)
{
    struct session *s = arg;
    keep(s, cx_store_write_event(s->st, ts, event, fields));
    if (s->user && s->user->on_log)
        s->user->on_log(s->user->arg, ts, event, fields);
}

static void write_order(const struct cx_order *o, void *arg)
{
    struct session *s = arg;
    keep(s, cx_store_write_order(s->st, o));
    cx__fidelity_on_end_order(s->fid, o);
}

static void h_end(void *arg, const struct cx_oms *oms)
{
    struct session *s = arg;
    cx_oms_foreach(oms, write_order, s);
    if (s->user && s->user->on_end)
        s->user->on_end(s->user->arg, oms);
}

/* Append printf-style text to a growing metadata buffer (capped; truncation is an error). */
struct mbuf {
    char *p;
    size_t len, cap;
    int overflow;
};

static void mb_add(struct mbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void mb_add(struct mbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= b->cap - b->len) {
        b->overflow = 1;
        return;
    }
    b->len += (size_t)n;
}

static const char *lat_kind(uint8_t k)
{
    switch (k) {
    case CX_LAT_CONSTANT: return "constant";
    case CX_LAT_UNIFORM: return "uniform";
    case CX_LAT_LOGNORMAL: return "lognormal";
    case CX_LAT_FEED: return "feed";         /* a_ns: the added constant */
    case CX_LAT_RECORDED: return "recorded"; /* series file: in "config" */
    }
    return "?";
}

/* "risk_averse" or "probabilistic_<function>" (enum cx_queue_func order). */
static const char *queue_name(const struct cx_sim_cfg *sc)
{
    static const char *const fn[] = {"probabilistic_power", "probabilistic_log",
                                     "probabilistic_power2", "probabilistic_log2",
                                     "probabilistic_power3"};
    if (sc->queue_model != CX_QUEUE_PROB_POWER)
        return "risk_averse";
    return sc->queue_function <= CX_QUEUE_FN_POWER3 ? fn[sc->queue_function] : "?";
}

static int write_metadata(struct cx_store *st, const struct cx_engine_cfg *cfg,
                          const struct cx_session_opts *o, struct cx_parse_err *err)
{
    struct mbuf b = {.cap = 64 * 1024};
    b.p = malloc(b.cap);
    if (b.p == NULL)
        return CX_ENOMEM;
    char created[40];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tm);
    char esc[1100];
    cx_store_json_str(o->strategy_name ? o->strategy_name : "", esc, sizeof esc);
    mb_add(&b, "{\"cexarb_version\":\"0.1.0\",\"mode\":\"backtest\",\"created_utc\":\"%s\","
               "\"strategy\":%s,\"data_files\":[",
           created, esc);
    for (uint32_t i = 0; i < cfg->n_paths; i++) {
        char hex[65] = "";
        struct stat sb;
        int64_t bytes = stat(cfg->paths[i], &sb) == 0 ? (int64_t)sb.st_size : -1;
        int rc = cx_store_sha256_file(cfg->paths[i], hex);
        if (rc != 0) {
            free(b.p);
            if (err != NULL) {
                memset(err, 0, sizeof *err);
                cx_parse_err_set(err, rc, "cannot hash data file", cfg->paths[i],
                                 strlen(cfg->paths[i]));
            }
            return rc;
        }
        cx_store_json_str(cfg->paths[i], esc, sizeof esc);
        mb_add(&b, "%s{\"path\":%s,\"bytes\":%" PRId64 ",\"sha256\":\"%s\"}", i ? "," : "", esc,
               bytes, hex);
    }
    const struct cx_sim_cfg *sc = &cfg->sim;
    mb_add(&b,
           "],\"engine\":{\"sample_interval_ns\":%" PRId64 ",\"entry_latency\":{\"kind\":\"%s\","
           "\"a_ns\":%" PRId64 ",\"b_ns\":%" PRId64 "},\"response_latency\":{\"kind\":\"%s\","
           "\"a_ns\":%" PRId64 ",\"b_ns\":%" PRId64 "},\"queue_model\":\"%s\",\"queue_power\":%g,"
           "\"seed\":%" PRIu64 ",\"feed_latency\":\"recorded (venue clock = exchange time + "
           "per-file offset)\"},\"config\":%s}\n",
           cfg->sample_interval_ns > 0 ? cfg->sample_interval_ns : CX_NS_PER_S,
           lat_kind(sc->entry.kind), sc->entry.a_ns, sc->entry.b_ns, lat_kind(sc->response.kind),
           sc->response.a_ns, sc->response.b_ns,
           queue_name(sc),
           sc->queue_power, sc->seed, o->config_json ? o->config_json : "{}");
    int rc = b.overflow ? CX_ENOSPC : cx_store_write_metadata(st, b.p, b.len);
    free(b.p);
    if (rc != 0 && err != NULL && cx_store_err(st) != NULL)
        *err = *cx_store_err(st);
    return rc;
}

int cx_backtest_session(const struct cx_engine_cfg *cfg, const struct cx_rt_strategy *strategies,
                        uint32_t n, const struct cx_engine_hooks *hooks,
                        const struct cx_session_opts *opts, struct cx_engine_result *out,
                        struct cx_parse_err *err)
{
    if (cfg == NULL || opts == NULL || opts->dir == NULL)
        return CX_EINVAL;
    struct cx_engine_result local_res;
    if (out == NULL)
        out = &local_res; /* fidelity.json needs the replay counts */
    struct session s = {.user = hooks};
    int rc = cx_store_open(&s.st, opts->dir, cfg->reg, opts->store_flags, err);
    if (rc != 0)
        return rc;
    rc = write_metadata(s.st, cfg, opts, err);
    if (rc != 0)
        goto out;
    rc = cx__fidelity_new(&s.fid, cfg->reg);
    if (rc != 0)
        goto out;
    struct cx_engine_hooks h = {.arg = &s,
                                .on_fill = h_fill,
                                .on_report = h_report,
                                .on_order = h_order,
                                .on_sample = h_sample,
                                .on_position = h_position,
                                .on_log = h_log,
                                .on_end = h_end};
    rc = cx_engine_run_many(cfg, strategies, n, &h, out, err);
    if (rc != 0)
        goto out;
    if (s.first_err != 0) {
        rc = s.first_err;
        if (err != NULL && cx_store_err(s.st) != NULL)
            *err = *cx_store_err(s.st);
        goto out;
    }
    if (opts->strategy_summary != NULL) {
        char *buf = malloc(64 * 1024);
        int len = buf ? opts->strategy_summary(opts->strategy_summary_arg, buf, 64 * 1024) : -1;
        char path[1024];
        snprintf(path, sizeof path, "%s/strategy.json", opts->dir);
        rc = len < 0 ? CX_ENOSPC : cx_store_write_file_atomic(path, buf, (size_t)len, true, err);
        free(buf);
        if (rc != 0)
            goto out;
    }
    {
        char path[1024];
        if (snprintf(path, sizeof path, "%s/fidelity.json", opts->dir) >= (int)sizeof path) {
            rc = cx_parse_err_set(err, CX_EINVAL, "session directory path too long", NULL, 0);
            goto out;
        }
        rc = cx__fidelity_write(s.fid, path, out, err);
        if (rc != 0)
            goto out;
    }
    rc = cx_store_finish(s.st);
    if (rc != 0) {
        if (err != NULL && cx_store_err(s.st) != NULL)
            *err = *cx_store_err(s.st);
        goto out;
    }
    rc = cx_report_from_dir(opts->dir, opts->summary_out, err);
out:
    cx__fidelity_free(s.fid);
    cx_store_free(s.st);
    return rc;
}
