/* SPDX-License-Identifier: MIT */
/*
 * `cexarb backtest [CONFIG] [--json] [--out DIR]`: run the strategies of a run configuration
 * (run_config.h) over recorded data through the simulated venue. Strategy-agnostic: the
 * strategy types, their instance names, their summaries (text, JSON, the report's strategy
 * section) and the session directory's name all come from the configuration and the strategy
 * types (strategies.h). With no CONFIG it runs the bundled default: maker_hedge on Binance
 * BTCUSDT spot (maker) and USD-M perpetual (hedge), 2024-08-08. Every run writes a session
 * directory.
 * Exit status: 0 ok; 1 error (the message names the file, line, column and key); 2 usage; 4 the
 * run completed but a strategy needs a person (a hedge failed: manual intervention) or a venue
 * fill could not be applied.
 */
#include "cexarb/core.h"
#include "cexarb/engine.h"
#include "cexarb/replay.h"
#include "cexarb/run_config.h"
#include "cexarb/strategies.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

int cx_cmd_backtest(int argc, char **argv);

static void usage(FILE *f)
{
    fprintf(f,
            "usage: cexarb backtest [CONFIG] [--json] [--out DIR]\n"
            "\n"
            "Run the strategies of CONFIG over recorded market data through simulated venues\n"
            "(latency, queue position, fees, pre-trade risk limits) and write a session\n"
            "directory with report.html.\n"
            "Without CONFIG: maker_hedge on the bundled Binance BTCUSDT spot + USD-M data with\n"
            "the defaults of configs/maker_hedge.yaml. Run keys: docs/config/run.md; strategy\n"
            "keys: docs/config/<type>.md. Strategy types:");
    uint32_t n;
    const struct cx_strategy_type *const *t = cx_strategy_types(&n);
    for (uint32_t i = 0; i < n; i++)
        fprintf(f, "\n  %-14s %s", t[i]->name, t[i]->summary);
    fprintf(f, "\n\n"
               "  --json     print summary.json to stdout instead of the text summary\n"
               "  --out DIR  session directory (default: <session_root>/<strategy>-<UTC time>)\n");
}

static int session_dir(const char *root, const char *prefix, char *out, size_t cap)
{
    if (mkdir(root, 0755) != 0 && errno != EEXIST)
        return CX_EIO;
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    char stamp[32];
    strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
    for (int i = 0; i < 1000; i++) {
        int n = i == 0 ? snprintf(out, cap, "%s/%s-%s", root, prefix, stamp)
                       : snprintf(out, cap, "%s/%s-%s-%d", root, prefix, stamp, i);
        if (n < 0 || (size_t)n >= cap)
            return CX_EINVAL;
        struct stat sb;
        if (stat(out, &sb) != 0)
            return 0;
    }
    return CX_EEXIST;
}

/* The strategies of a run, created from the configuration. */
struct run {
    const struct cx_run_cfg *cfg;
    uint32_t n;
    void *self[CX_RUN_MAX_STRATEGIES];
};

/* strategy.json: the strategy's own summary; with several, one object keyed by name. */
static int summary_cb(void *arg, char *buf, size_t cap)
{
    const struct run *r = arg;
    if (r->n == 1)
        return r->cfg->strategies[0].type->summary_json(r->self[0], buf, cap);
    size_t len = 0;
    int w = snprintf(buf, cap, "{");
    if (w < 0 || (size_t)w >= cap)
        return CX_ENOSPC;
    len = (size_t)w;
    for (uint32_t i = 0; i < r->n; i++) {
        const struct cx_run_strategy *s = &r->cfg->strategies[i];
        w = snprintf(buf + len, cap - len, "%s\"%s\":", i ? "," : "", s->name);
        if (w < 0 || (size_t)w >= cap - len)
            return CX_ENOSPC;
        len += (size_t)w;
        w = s->type->summary_json(r->self[i], buf + len, cap - len);
        if (w < 0)
            return w;
        len += (size_t)w;
    }
    if (len + 2 > cap)
        return CX_ENOSPC;
    buf[len++] = '}';
    buf[len] = '\0';
    return (int)len;
}

/*
 * Funding schedules for the simulated venue (backtest.funding): the perp it names, else every
 * linear perp of the registry, else (with a file) those whose base-quote is the file's symbol.
 * series is the loaded file (retained by the sim: freed after it).
 */
static int setup_funding(const struct cx_run_cfg *cfg, const struct cx_registry *reg,
                         struct cx_sim_cfg *sim, struct cx_sim_funding_series *series,
                         struct cx_parse_err *err)
{
    if (!cfg->funding)
        return 0;
    if (cfg->funding_file[0] != '\0') {
        int32_t off = 0;
        cx_sim_funding_file_utc_offset(cfg->funding_file, &off);
        int rc = cx_sim_funding_load_csv(cfg->funding_file, off, CX_SIM_FUNDING_ROUND_PPB,
                                         series, err);
        if (rc != 0)
            return rc;
    }
    sim->n_funding = 0;
    for (uint32_t i = 0; i < reg->count; i++) {
        const struct cx_instrument *in = &reg->items[i];
        if (in->kind != CX_KIND_LINEAR_PERP)
            continue;
        if (cfg->funding_venue != 0 &&
            (in->venue != cfg->funding_venue || strcmp(in->symbol, cfg->funding_symbol) != 0))
            continue;
        if (cfg->funding_venue == 0 && series->n > 0) {
            char pair[40];
            snprintf(pair, sizeof pair, "%s-%s", in->base, in->quote);
            if (strcmp(pair, series->symbol) != 0)
                continue;
        }
        if (sim->n_funding == CX_SIM_MAX_FUNDING)
            return cx_parse_err_set(err, CX_ECONFIG,
                                    "more than 8 perps would pay funding: name one with "
                                    "backtest.funding.venue and .symbol",
                                    "backtest.funding", strlen("backtest.funding"));
        uint32_t k = sim->n_funding++;
        if (series->n > 0) {
            sim->funding[k] = (struct cx_sim_funding){.inst_id = in->id};
            sim->funding_series[k] = (struct cx_sim_funding_ref){series->ev, series->n};
        } else {
            sim->funding[k] = (struct cx_sim_funding){.inst_id = in->id,
                                                      .rate_ppb = cfg->funding_rate_ppb,
                                                      .interval_ns = cfg->funding_interval_ns,
                                                      .first_ns = cfg->funding_first_ns};
        }
    }
    if (sim->n_funding == 0)
        return cx_parse_err_set(err, CX_ESYMBOL,
                                "backtest.funding: no perpetual in the instruments matches",
                                cfg->funding_venue != 0 ? cfg->funding_symbol : series->symbol,
                                strlen(cfg->funding_venue != 0 ? cfg->funding_symbol
                                                               : series->symbol));
    return 0;
}

static void print_json_file(const char *dir, const char *name)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return;
    char buf[8192];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        fwrite(buf, 1, n, stdout);
    fclose(f);
}

int cx_cmd_backtest(int argc, char **argv)
{
    const char *config = NULL, *out_dir = NULL;
    bool json = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            json = true;
        } else if (strcmp(argv[i], "--out") == 0 && i + 1 < argc) {
            out_dir = argv[++i];
        } else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 0;
        } else if (argv[i][0] == '-') {
            fprintf(stderr, "cexarb backtest: unknown option '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        } else if (config == NULL) {
            config = argv[i];
        } else {
            fprintf(stderr, "cexarb backtest: only one CONFIG file\n");
            return 2;
        }
    }
    const char *data_dir = getenv("CEXARB_DATA_DIR");
    if (data_dir == NULL || data_dir[0] == '\0')
        data_dir = CX_DATA_DIR;

    /* Everything below is released on one path (out:). */
    static struct cx_run_cfg cfg;
    static struct cx_engine_cfg ecfg;
    static char config_json[64 * 1024];
    struct cx_parse_err err = {0};
    struct cx_registry reg = {0};
    struct cx_sim_funding_series series = {0};
    struct cx_sim_latency_series lat_series[2] = {{0}, {0}}; /* recorded latency models */
    struct run run = {.cfg = &cfg};
    struct cx_rt_strategy strat[CX_RUN_MAX_STRATEGIES];
    const char *stage = NULL; /* what failed, for the message */
    int status = 1;
    int rc;

    cx_run_cfg_default(&cfg, data_dir);
    if (config != NULL) {
        rc = cx_run_cfg_load(&cfg, config, data_dir, &err);
        if (rc != 0)
            goto out;
    }
    rc = cx_registry_init(&reg, 8192);
    if (rc == 0)
        rc = cx_replay_default_registry(&reg, data_dir, &err);
    if (rc == 0 && cfg.instruments[0] != '\0')
        rc = cx_registry_load_yaml(&reg, cfg.instruments, &err);
    if (rc == 0)
        rc = cx_run_cfg_apply_fees(&cfg, &reg, &err);
    if (rc != 0) {
        stage = "cannot load instruments";
        goto out;
    }
    cx_run_cfg_engine(&cfg, &reg, &ecfg);
    rc = setup_funding(&cfg, &reg, &ecfg.sim, &series, &err);
    if (rc != 0) {
        stage = "backtest.funding";
        goto out;
    }
    rc = cx_run_cfg_latency_series(&cfg, &ecfg.sim, lat_series, &err);
    if (rc != 0) {
        stage = "backtest.latency";
        goto out;
    }
    char names[CX_RUN_MAX_STRATEGIES * 34] = "";
    size_t nl = 0;
    for (uint32_t i = 0; i < cfg.n_strategies; i++) {
        const struct cx_run_strategy *s = &cfg.strategies[i];
        rc = s->type->create(&run.self[i], s->params, &err);
        if (rc != 0) {
            stage = s->name;
            goto out;
        }
        run.n = i + 1;
        strat[i] = (struct cx_rt_strategy){.ops = s->type->ops, .self = run.self[i],
                                           .name = s->name};
        for (int v = 1; v < CX_VENUE_COUNT; v++) {
            uint16_t id = cx_run_cfg_account_id(&cfg, s, (enum cx_venue)v);
            if (id != 0 && strat[i].n_default_accounts < CX_RT_MAX_ACCOUNTS)
                strat[i].default_accounts[strat[i].n_default_accounts++] = id;
        }
        int w = snprintf(names + nl, sizeof names - nl, "%s%s", i ? "," : "", s->name);
        if (w > 0 && (size_t)w < sizeof names - nl)
            nl += (size_t)w;
    }
    char dir[1024];
    if (out_dir != NULL) {
        snprintf(dir, sizeof dir, "%s", out_dir);
    } else if (session_dir(cfg.session_root, cfg.n_strategies == 1 ? cfg.strategies[0].name
                                                                    : "run",
                           dir, sizeof dir) != 0) {
        rc = cx_parse_err_set(&err, CX_EIO, "cannot create a session directory",
                              cfg.session_root, strlen(cfg.session_root));
        goto out;
    }
    /* metadata.json records the effective configuration, in the config file's own keys (it
     * loads back as a config file: cexarb backtest on it repeats the run). */
    rc = cx_run_cfg_to_json(&cfg, config_json, sizeof config_json);
    if (rc < 0) {
        cx_parse_err_set(&err, rc, "the configuration does not fit metadata.json", NULL, 0);
        goto out;
    }
    if (!json)
        fprintf(stderr, "cexarb backtest: %s on %u file(s) -> %s\n", names, ecfg.n_paths, dir);
    struct cx_session_opts so = {.dir = dir,
                                 .strategy_name = names,
                                 .config_json = config_json,
                                 .summary_out = json ? NULL : stdout,
                                 .strategy_summary = summary_cb,
                                 .strategy_summary_arg = &run};
    struct cx_engine_result res;
    rc = cx_backtest_session(&ecfg, strat, cfg.n_strategies, NULL, &so, &res, &err);
    if (rc != 0)
        goto out;
    bool attention = false;
    for (uint32_t i = 0; i < run.n; i++)
        attention |= cfg.strategies[i].type->needs_attention(run.self[i]);
    if (series.n > 0 && (series.ev[series.n - 1].time_ns < res.first_ts_ns ||
                         series.ev[0].time_ns > res.last_ts_ns))
        fprintf(stderr,
                "cexarb backtest: note: the funding file covers none of the replayed window; no "
                "funding was paid\n");
    if (res.fill_errors > 0)
        fprintf(stderr,
                "cexarb backtest: ERROR: %llu venue fill(s) could not be applied to the order book "
                "of record (see error_fill_not_applied in events.log); positions are suspect\n",
                (unsigned long long)res.fill_errors);
    if (res.unfed_books > 0)
        fprintf(stderr,
                "cexarb backtest: WARNING: %llu instrument(s) a strategy subscribed to got no market "
                "data from the replayed files (no_market_data in events.log): check the symbols "
                "and backtest.files\n",
                (unsigned long long)res.unfed_books);
    if (res.risk_refusals > 0 && !json)
        fprintf(stderr,
                "cexarb backtest: note: the pre-trade risk limits refused %llu order(s) "
                "(risk_refusal in events.log)\n",
                (unsigned long long)res.risk_refusals);
    if (json) {
        print_json_file(dir, "summary.json");
    } else {
        for (uint32_t i = 0; i < run.n; i++)
            cfg.strategies[i].type->print_summary(run.self[i], cfg.strategies[i].params, stdout);
        printf("\nsession         %s\nreport          %s/report.html\n", dir, dir);
    }
    status = (attention || res.fill_errors > 0) ? 4 : 0;
out:
    if (rc != 0) {
        if (err.code == 0) /* a failure that filled no report: say what the code means */
            err.code = rc;
        char msg[700];
        cx_parse_err_format(&err, msg, sizeof msg);
        fprintf(stderr, "cexarb backtest: %s%s%s\n", stage != NULL ? stage : "",
                stage != NULL ? ": " : "", msg);
        status = 1;
    }
    for (uint32_t i = 0; i < run.n; i++)
        cfg.strategies[i].type->destroy(run.self[i]);
    cx_sim_funding_series_fini(&series);
    cx_sim_latency_series_fini(&lat_series[0]);
    cx_sim_latency_series_fini(&lat_series[1]);
    cx_registry_fini(&reg);
    return status;
}
