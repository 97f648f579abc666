/* SPDX-License-Identifier: MIT */
/*
 * strategies: the catalogue of strategy types a run configuration can name. Each type says
 * how big its parameter struct is, which YAML table reads it (conf.h), its defaults and
 * cross-key validation, how to create and free an instance, its callbacks (strat.h), and its
 * own summary (JSON for summary.json and the report's strategy section, and the text the CLI
 * prints). The CLI and the run-configuration loader know strategies only through this table,
 * so `cexarb backtest` is strategy-agnostic.
 *
 * Threads: the catalogue is immutable; every function is thread-safe. Instances belong to the
 * engine thread that runs them.
 */
#ifndef CEXARB_STRATEGIES_H
#define CEXARB_STRATEGIES_H

#include "cexarb/conf.h"
#include "cexarb/core.h"
#include "cexarb/strat.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Largest parameter struct of any strategy type, bytes (a run config keeps one per strategy). */
#define CX_STRATEGY_PARAMS_MAX 2048

/* ---------------------------------------------------------------------------------------------
 * MARK: strategy types
 * ------------------------------------------------------------------------------------------- */

/* Threads: params_default and params_validate touch only their arguments (thread-safe, any
 * thread). create may run on any thread; the instance then belongs to the engine thread that runs
 * it, and destroy, summary_json, print_summary and needs_attention are called there only (they
 * may write the instance: maker_hedge's summaries sort its samples in place). */

/** One strategy type. Every function pointer is set. */
struct cx_strategy_type {
    const char *name;                          /* the `type:` / `strategy:` name in configs */
    const char *summary;                       /* one line for --help listings */
    size_t params_size;                        /* sizeof its parameter struct, at most
                                                  CX_STRATEGY_PARAMS_MAX */
    const struct cx_conf_field *params_fields; /* its YAML table, relative to the struct */
    /** Fill every default into params (params_size bytes). */
    void (*params_default)(void *params);
    /** Cross-key checks; err->detail names the key relative to the parameters
     * ("offset.max_ticks"). @return 0 or CX_ECONFIG. */
    int (*params_validate)(const void *params, struct cx_parse_err *err);
    /** Create an instance (params copied). @return 0; CX_ECONFIG; CX_ENOMEM. */
    int (*create)(void **out_self, const void *params, struct cx_parse_err *err);
    /** Free an instance (NULL is a no-op). */
    void (*destroy)(void *self);
    const struct cx_strategy_ops *ops;         /* its callbacks (self = the instance) */
    /** Its summary as one JSON object. @return length or CX_ENOSPC. */
    int (*summary_json)(void *self, char *buf, size_t cap);
    /** Its summary as text for the terminal (after the run's own). */
    void (*print_summary)(void *self, const void *params, FILE *out);
    /** Whether the run ended needing a person (a hedge failed...): the CLI exits 4. */
    bool (*needs_attention)(void *self);
};

/* ---------------------------------------------------------------------------------------------
 * MARK: catalogue
 * ------------------------------------------------------------------------------------------- */

/* Threads: the catalogue is a static const table: thread-safe, may be called from any thread.
 * Never block, never allocate. */

/**
 * The type called name[0..n).
 * @return the type (static, valid for the process); NULL when no type has that name.
 * Thread-safe, never allocates, O(types).
 */
const struct cx_strategy_type *cx_strategy_type_find(const char *name, size_t n);

/**
 * Every type, in a fixed order.
 * @param out_n  the count (not NULL).
 * @return types[0..*out_n), static. Thread-safe, never allocates.
 */
const struct cx_strategy_type *const *cx_strategy_types(uint32_t *out_n);

/**
 * The names of every type joined with ", " ("maker_hedge"), for messages.
 * @param buf  receives at most cap - 1 bytes and a NUL (cap > 0).
 * @return the length written. Thread-safe, never allocates.
 */
size_t cx_strategy_type_names(char *buf, size_t cap);

#ifdef __cplusplus
}
#endif
#endif /* CEXARB_STRATEGIES_H */
