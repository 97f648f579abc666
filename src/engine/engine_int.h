/* SPDX-License-Identifier: MIT */
/*
 * Private to src/engine/: the timer heap shared by the runtime (runtime.c) and its
 * implementation (timer_heap.c). Nothing outside the engine module includes this file.
 */
#ifndef CX_ENGINE_INT_H
#define CX_ENGINE_INT_H

#include "cexarb/runtime.h"

#include <stdint.h>

/** Armed timers of a runtime: a pairing heap ordered by (at_ns, seq). */
struct cx__timer_heap {
    struct cx_timer *root; /* earliest timer, NULL when none is armed */
    uint32_t n;            /* armed timers */
};

/** Arm t (its at_ns and seq set, not armed). O(1). */
void cx__timer_heap_insert(struct cx__timer_heap *h, struct cx_timer *t);

/** Disarm t (armed in h). O(log n) amortised. */
void cx__timer_heap_remove(struct cx__timer_heap *h, struct cx_timer *t);

#endif /* CX_ENGINE_INT_H */
