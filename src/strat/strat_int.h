/* SPDX-License-Identifier: MIT */
/*
 * Private to src/strat/: what the strategy files share inside the module (the parameter tables
 * that their strategy types point to). Nothing outside the strat module includes this file.
 */
#ifndef CX_STRAT_INT_H
#define CX_STRAT_INT_H

#include "cexarb/conf.h"
#include "cexarb/strategies.h"

/** maker_hedge's parameter table (mh_config.c), for its strategy type (maker_hedge.c). */
extern const struct cx_conf_field cx__mh_params_fields[];

/** maker_hedge's strategy type (maker_hedge.c), for the catalogue (registry.c). */
extern const struct cx_strategy_type cx__mh_type;

#endif /* CX_STRAT_INT_H */
