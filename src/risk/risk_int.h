/* SPDX-License-Identifier: MIT */
/*
 * Private helpers of the risk module (STYLE.md A.2): the CX_ECONFIG report shared by the
 * configuration validators of breaker.c and offset.c. Not part of the public interface.
 */
#ifndef CX_RISK_INT_H
#define CX_RISK_INT_H

#include "cexarb/core.h"

/**
 * Record CX_ECONFIG in `err` (when not NULL) with the static message `msg` and the key as detail.
 * @param key  static string, the config key ("breaker.cooldown_ns").
 * @param msg  static string naming the key and its allowed range.
 * @return CX_ECONFIG.
 */
int cx__risk_cfg_fail(struct cx_parse_err *err, const char *key, const char *msg);

/* Key and message are literals built from the same text, so a message can never name the wrong
 * key. Validators write every check as !(in range) so NaN fails it. */
#define CX__RISK_FAIL(err, section, key, range)                                                \
    cx__risk_cfg_fail((err), section "." key, section "." key " must be in " range)

#endif /* CX_RISK_INT_H */
