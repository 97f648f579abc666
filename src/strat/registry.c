/* SPDX-License-Identifier: MIT */
/*
 * The catalogue of strategy types (strategies.h). A new strategy adds its type here, and
 * every configuration, the CLI and the report know it from then on.
 */
#include "cexarb/strategies.h"

#include "strat_int.h"

#include <stdio.h>
#include <string.h>

static const struct cx_strategy_type *const k_types[] = {
    &cx__mh_type,
};

#define N_TYPES ((uint32_t)(sizeof k_types / sizeof k_types[0]))

const struct cx_strategy_type *const *cx_strategy_types(uint32_t *out_n)
{
    *out_n = N_TYPES;
    return k_types;
}

const struct cx_strategy_type *cx_strategy_type_find(const char *name, size_t n)
{
    if (name == NULL)
        return NULL;
    for (uint32_t i = 0; i < N_TYPES; i++)
        if (strlen(k_types[i]->name) == n && memcmp(k_types[i]->name, name, n) == 0)
            return k_types[i];
    return NULL;
}

size_t cx_strategy_type_names(char *buf, size_t cap)
{
    size_t len = 0;
    if (cap == 0)
        return 0;
    buf[0] = '\0';
    for (uint32_t i = 0; i < N_TYPES; i++) {
        int n = snprintf(buf + len, cap - len, "%s%s", i ? ", " : "", k_types[i]->name);
        if (n < 0 || (size_t)n >= cap - len)
            return len;
        len += (size_t)n;
    }
    return len;
}
