/* SPDX-License-Identifier: MIT */
/* Shared set-up for the decoder fuzz targets: one registry with the instruments of the bundled
 * data, and a differential check of fast versus reference decoder output. */
#ifndef CX_FUZZ_COMMON_H
#define CX_FUZZ_COMMON_H

#include "cexarb/md.h"
#include "cx_ref.h"

/** Registry with Binance (YAML), Gate spot/futures and Hyperliquid test instruments. */
struct cx_registry *cx_fuzz_registry(void);

/**
 * Compare two decode results; abort() (a fuzzer finding) when the fast decoder accepted input
 * the reference rejected, or when both accepted and the batches differ.
 */
void cx_fuzz_compare(int rc_fast, const struct cx_md_batch *fast, int rc_ref,
                     const struct cx_md_batch *ref);

#endif
