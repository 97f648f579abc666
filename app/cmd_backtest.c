/* SPDX-License-Identifier: MIT */
/*
 * `cexarb backtest [CONFIG] [--json] [--out DIR]`: run the maker_hedge strategy over recorded
 * data through the simulated venues. With no CONFIG it runs the bundled default: Binance
 * BTCUSDT spot (maker) and USD-M perpetual (hedge), 2024-08-08. Prints the summary and the
 * report path; --json prints summary.json instead. Every run writes a session directory.
 * Exit status: 0 ok; 1 error (message names the file/key); 2 usage; 4 the run completed but a
 * hedge failed (manual intervention flagged) or a venue fill could not be applied.
 */
#include "cexarb/core.h"
#include "cexarb/engine.h"
#include "cexarb/maker_hedge.h"
#include "cexarb/replay.h"

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
            "Run maker_hedge over recorded market data through simulated venues (latency, queue\n"
            "position, fees) and write a session directory with report.html.\n"
            "Without CONFIG: the bundled Binance BTCUSDT spot + USD-M data with the defaults of\n"
            "configs/maker_hedge.yaml (every key documented in docs/config/maker_hedge.md).\n"
            "\n"
            "  --json     print summary.json to stdout instead of the text summary\n"
            "  --out DIR  session directory (default: <session_root>/maker_hedge-<UTC time>)\n");
}

static int session_dir(const char *root, char *out, size_t cap)
{
    if (mkdir(root, 0755) != 0 && errno != EEXIST)
        return CX_EIO;
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    char stamp[32];
    strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
    for (int i = 0; i < 1000; i++) {
        int n = i == 0 ? snprintf(out, cap, "%s/maker_hedge-%s", root, stamp)
                       : snprintf(out, cap, "%s/maker_hedge-%s-%d", root, stamp, i);
        if (n < 0 || (size_t)n >= cap)
            return CX_EINVAL;
        struct stat sb;
        if (stat(out, &sb) != 0)
            return 0;
    }
    return CX_EEXIST;
}

static int summary_cb(void *arg, char *buf, size_t cap)
{
    struct cx_mh_summary s;
    cx_mh_summary(arg, &s);
    return cx_mh_summary_json(&s, buf, cap);
}

static void print_mh(FILE *f, const struct cx_mh_summary *s, const struct cx_mh_config *c)
{
    fprintf(f, "\nmaker_hedge     %s %s (maker) + %s %s (hedge)\n",
            cx_venue_name((enum cx_venue)c->params.spot_venue), c->params.spot_symbol,
            cx_venue_name((enum cx_venue)c->params.perp_venue), c->params.perp_symbol);
    fprintf(f, "quotes          %llu placed, %llu re-quotes\n", (unsigned long long)s->quotes,
            (unsigned long long)s->requotes);
    fprintf(f, "spot fills      %llu\n", (unsigned long long)s->spot_fills);
    fprintf(f, "hedges          %llu sent, %llu fills, %llu escalations, %llu failures%s\n",
            (unsigned long long)s->hedges, (unsigned long long)s->hedge_fills,
            (unsigned long long)s->hedge_escalations, (unsigned long long)s->hedge_failures,
            s->manual_intervention ? "  ** MANUAL INTERVENTION: quoting stopped **" : "");
    fprintf(f, "hedge latency   p50 %.1f ms, p99 %.1f ms (spot fill learned -> hedged)\n",
            s->hedge_latency_p50_ms, s->hedge_latency_p99_ms);
    fprintf(f,
            "hedged round trips %llu (spot fill + its hedge), win rate %.1f %%, average %+.4f %% "
            "of notional, total %+.4f after fees\n",
            (unsigned long long)s->hedged_round_trips, s->hedged_win_rate * 100.0,
            s->hedged_avg_profit_pct, s->hedged_pnl_quote);
    fprintf(f,
            "net delta       max |delta| %.8f base (%.1f %% of position size), time-weighted "
            "%.8f (%.1f %%)\n",
            s->max_abs_net_delta_base, s->max_abs_net_delta_pct, s->twa_abs_net_delta_base,
            s->twa_abs_net_delta_pct);
    fprintf(f, "                max residual outside hedge windows %.8f base (perp lot %.8f)\n",
            s->max_residual_outside_window_base, s->perp_lot_base);
    if (s->hedge_waits_min_notional > 0)
        fprintf(f,
                "                %llu hedge(s) waited for the perp minimum notional (max "
                "residual meanwhile %.8f base)\n",
                (unsigned long long)s->hedge_waits_min_notional,
                s->max_residual_min_notional_base);
    fprintf(f, "breakers       ");
    for (int t = 1; t < CX_RISK_TRIG_COUNT; t++)
        fprintf(f, " %s %llu", cx_risk_trigger_name((enum cx_risk_trigger)t),
                (unsigned long long)s->breaker_triggers[t]);
    fprintf(f, "\nloop time       p50 %.0f ns, p99 %.0f ns per strategy callback\n",
            s->loop_time_p50_ns, s->loop_time_p99_ns);
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

    static struct cx_mh_config cfg;
    struct cx_parse_err err = {0};
    char msg[600];
    cx_mh_config_default(&cfg, data_dir);
    if (config != NULL && cx_mh_config_load(&cfg, config, data_dir, &err) != 0) {
        cx_parse_err_format(&err, msg, sizeof msg);
        fprintf(stderr, "cexarb backtest: %s\n", msg);
        return 1;
    }
    struct cx_registry reg;
    if (cx_registry_init(&reg, 8192) != 0)
        return 1;
    int rc = cx_replay_default_registry(&reg, data_dir, &err);
    if (rc == 0 && cfg.instruments[0] != '\0')
        rc = cx_registry_load_yaml(&reg, cfg.instruments, &err);
    if (rc != 0) {
        cx_parse_err_format(&err, msg, sizeof msg);
        fprintf(stderr, "cexarb backtest: cannot load instruments: %s\n", msg);
        cx_registry_fini(&reg);
        return 1;
    }
    struct cx_mh *mh = NULL;
    rc = cx_mh_new(&mh, &cfg.params, &err);
    if (rc != 0) {
        cx_parse_err_format(&err, msg, sizeof msg);
        fprintf(stderr, "cexarb backtest: %s\n", msg);
        cx_registry_fini(&reg);
        return 1;
    }
    static struct cx_engine_cfg ecfg;
    memset(&ecfg, 0, sizeof ecfg);
    for (uint32_t i = 0; i < cfg.n_files && i < CX_ENGINE_MAX_FILES; i++)
        ecfg.paths[ecfg.n_paths++] = cfg.files[i];
    ecfg.reg = &reg;
    ecfg.sim = cfg.sim;
    /* Funding on the perp leg: a constant schedule, or a bundled funding-rate file. */
    struct cx_sim_funding_series series = {0};
    if (cfg.funding) {
        const struct cx_instrument *perp = cx_registry_find(
            &reg, (enum cx_venue)cfg.params.perp_venue, cfg.params.perp_symbol,
            strlen(cfg.params.perp_symbol));
        if (perp == NULL) {
            fprintf(stderr, "cexarb backtest: backtest.funding: perp %s is not in the registry\n",
                    cfg.params.perp_symbol);
            cx_mh_free(mh);
            cx_registry_fini(&reg);
            return 1;
        }
        ecfg.sim.n_funding = 1;
        ecfg.sim.funding[0] = (struct cx_sim_funding){.inst_id = perp->id,
                                                      .rate_ppb = cfg.funding_rate_ppb,
                                                      .interval_ns = cfg.funding_interval_ns,
                                                      .first_ns = cfg.funding_first_ns};
        if (cfg.funding_file[0] != '\0') {
            int32_t off = 0;
            cx_sim_funding_file_utc_offset(cfg.funding_file, &off);
            rc = cx_sim_funding_load_csv(cfg.funding_file, off, CX_SIM_FUNDING_ROUND_PPB,
                                         &series, &err);
            if (rc != 0) {
                cx_parse_err_format(&err, msg, sizeof msg);
                fprintf(stderr, "cexarb backtest: backtest.funding.file: %s\n", msg);
                cx_mh_free(mh);
                cx_registry_fini(&reg);
                return 1;
            }
            ecfg.sim.funding_series[0].events = series.ev;
            ecfg.sim.funding_series[0].n_events = series.n;
            /* A series replaces the constant schedule (the sim refuses both at once). */
            ecfg.sim.funding[0] = (struct cx_sim_funding){.inst_id = perp->id};
        }
    }
    char dir[1024];
    if (out_dir != NULL) {
        snprintf(dir, sizeof dir, "%s", out_dir);
    } else if (session_dir(cfg.session_root, dir, sizeof dir) != 0) {
        fprintf(stderr, "cexarb backtest: cannot create a session directory under '%s'\n",
                cfg.session_root);
        cx_mh_free(mh);
        cx_registry_fini(&reg);
        return 1;
    }
    /* metadata.json records the effective configuration, in the config file's own keys (it
     * loads back as a config file: cexarb backtest on it repeats the run). */
    static char config_json[32 * 1024];
    if (cx_mh_config_to_json(&cfg, config_json, sizeof config_json) < 0) {
        fprintf(stderr, "cexarb backtest: the configuration does not fit metadata.json\n");
        cx_mh_free(mh);
        cx_sim_funding_series_fini(&series);
        cx_registry_fini(&reg);
        return 1;
    }
    if (!json)
        fprintf(stderr, "cexarb backtest: maker_hedge on %u file(s) -> %s\n", ecfg.n_paths, dir);
    struct cx_session_opts so = {.dir = dir,
                                 .strategy_name = "maker_hedge",
                                 .config_json = config_json,
                                 .summary_out = json ? NULL : stdout,
                                 .strategy_summary = summary_cb,
                                 .strategy_summary_arg = mh};
    struct cx_engine_result res;
    struct cx_rt_strategy strat = {.ops = cx_mh_ops(), .self = mh};
    rc = cx_backtest_session(&ecfg, &strat, 1, NULL, &so, &res, &err);
    if (rc != 0) {
        cx_parse_err_format(&err, msg, sizeof msg);
        fprintf(stderr, "cexarb backtest: %s (%s)\n", msg, cx_err_name(rc));
        cx_mh_free(mh);
        cx_registry_fini(&reg);
        return 1;
    }
    struct cx_mh_summary s;
    cx_mh_summary(mh, &s);
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
    if (json) {
        char path[1100];
        snprintf(path, sizeof path, "%s/summary.json", dir);
        FILE *f = fopen(path, "rb");
        if (f != NULL) {
            char buf[8192];
            size_t n;
            while ((n = fread(buf, 1, sizeof buf, f)) > 0)
                fwrite(buf, 1, n, stdout);
            fclose(f);
        }
    } else {
        print_mh(stdout, &s, &cfg);
        printf("\nsession         %s\nreport          %s/report.html\n", dir, dir);
    }
    cx_mh_free(mh);
    cx_sim_funding_series_fini(&series);
    cx_registry_fini(&reg);
    return (s.manual_intervention || res.fill_errors > 0) ? 4 : 0;
}
