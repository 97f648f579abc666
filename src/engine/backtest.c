/* SPDX-License-Identifier: MIT */
/*
 * A backtest from the three parts (engine.h): the replay driver prescans the files (so the
 * registry holds every instrument before anything is sized from it), the simulated venue is
 * created and attached to the runtime for every venue kind, the strategies are added with
 * their default accounts, and the driver runs the whole thing. One cleanup path.
 */
#include "cexarb/engine.h"

#include <string.h>

/* The simulated venue's market feed, for the replay driver. */
static int sim_md(void *arg, const struct cx_md_batch *b, int64_t venue_ns)
{
    return cx_sim_on_market(arg, b, venue_ns);
}

/* The feed latency of each venue message, for the simulated venue's FEED latency model (the
 * driver passes venues and latencies that are in range: nothing to report). */
static void sim_feed(void *arg, uint8_t venue, int64_t feed_ns)
{
    (void)cx_sim_note_feed_latency(arg, venue, feed_ns);
}

int cx_engine_run_many(const struct cx_engine_cfg *cfg, const struct cx_rt_strategy *strategies,
                       uint32_t n, const struct cx_engine_hooks *hooks,
                       struct cx_engine_result *out, struct cx_parse_err *err)
{
    if (cfg == NULL || strategies == NULL || n == 0 || n > CX_RT_MAX_STRATEGIES ||
        cfg->reg == NULL || cfg->n_paths == 0 || cfg->n_paths > CX_ENGINE_MAX_FILES ||
        cfg->sim.n_accounts > CX_RT_MAX_ACCOUNTS)
        return CX_EINVAL;
    struct cx_replay_drv *drv = NULL;
    struct cx_sim *sim = NULL;
    struct cx_rt *rt = NULL;
    struct cx_engine_result res;
    memset(&res, 0, sizeof res);

    struct cx_replay_drv_cfg dcfg = {.n_paths = cfg->n_paths,
                                     .reg = cfg->reg,
                                     .strict = cfg->strict,
                                     .end_drain_ns = cfg->end_drain_ns,
                                     .venue_window_ns = cfg->venue_window_ns,
                                     .venue_feed_latency = sim_feed,
                                     .clock_offset_pct_ppm = cfg->clock_offset_pct_ppm,
                                     .assumed_min_latency_ns = cfg->assumed_min_latency_ns};
    memcpy(dcfg.paths, cfg->paths, sizeof dcfg.paths);
    int rc = cx_replay_drv_new(&drv, &dcfg, err);
    if (rc != 0)
        goto out;
    struct cx_sim_cfg scfg = cfg->sim;
    scfg.reg = cfg->reg;
    rc = cx_sim_new(&sim, &scfg, err);
    if (rc != 0)
        goto out;
    cx_replay_drv_set_venue_feed(drv, sim_md, sim);

    struct cx_rt_cfg rcfg = {.reg = cfg->reg,
                             .max_orders = cfg->max_orders,
                             .sample_interval_ns = cfg->sample_interval_ns,
                             .n_accounts = scfg.n_accounts,
                             .risk = cfg->risk};
    for (uint32_t i = 0; i < scfg.n_accounts; i++) {
        memcpy(rcfg.accounts[i].name, scfg.accounts[i].name, sizeof rcfg.accounts[i].name);
        rcfg.accounts[i].venue = scfg.accounts[i].venue;
    }
    rc = cx_rt_new(&rt, &rcfg, hooks, err);
    if (rc != 0)
        goto out;
    /* One simulated venue serves every venue kind: it keeps one ordered session per kind. */
    uint32_t all = 0;
    for (int k = 1; k < CX_VENUE_COUNT; k++)
        all |= 1u << k;
    rc = cx_rt_add_venue(rt, cx_sim_venue(sim), all);
    for (uint32_t i = 0; rc == 0 && i < n; i++)
        rc = cx_rt_add_strategy(rt, &strategies[i], NULL);
    if (rc != 0)
        goto out;
    rc = cx_replay_drv_run(drv, rt, &res, err);
    if (rc != 0)
        goto out;
    res.fill_errors += cx_sim_stats(sim)->account_errors;
    if (out != NULL)
        *out = res;
out:
    cx_rt_free(rt);
    cx_sim_free(sim);
    cx_replay_drv_free(drv);
    return rc;
}

int cx_engine_run(const struct cx_engine_cfg *cfg, const struct cx_strategy_ops *strategy,
                  void *self, const struct cx_engine_hooks *hooks, struct cx_engine_result *out,
                  struct cx_parse_err *err)
{
    if (strategy == NULL)
        return CX_EINVAL;
    struct cx_rt_strategy s = {.ops = strategy, .self = self};
    return cx_engine_run_many(cfg, &s, 1, hooks, out, err);
}
