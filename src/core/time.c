/* SPDX-License-Identifier: MIT */
/* Monotonic time for measuring intervals (benchmarks, loop time). Strategies never call it. */
#include "cexarb/core.h"

#include <time.h>

int64_t cx_time_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * CX_NS_PER_S + ts.tv_nsec;
}
