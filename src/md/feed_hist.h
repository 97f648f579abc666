/* SPDX-License-Identifier: MIT */
/*
 * Private to src/md/ (kept apart from md_int.h so it stays a small, separate piece): the
 * histogram of one file's local-minus-exchange times that cx_md_prescan fills, from which it
 * reports the exact minimum and low percentiles (struct cx_md_feed_stats, md.h). Fixed memory
 * (one bucket array, allocated once per prescan), one add per message, no allocation while
 * scanning.
 *
 * Layout: CX__FEED_HIST_BUCKETS buckets of CX__FEED_HIST_BUCKET_NS each, starting at an anchor
 * set CX__FEED_HIST_BELOW_NS below the median of the file's first CX__FEED_HIST_SEED values
 * (buffered until then; all of them for a shorter file), so glitched first messages cannot
 * push the real values out of range.
 * Values outside the range are counted (below, above), never binned. A percentile is the
 * nearest-rank value (the k-th smallest, k = ceil(p n), at least 1), reported as the lower edge
 * of its bucket: at most CX__FEED_HIST_BUCKET_NS below the exact value.
 */
#ifndef CX_MD_FEED_HIST_H
#define CX_MD_FEED_HIST_H

#include "cexarb/md.h"

#include <stdbool.h>
#include <stdint.h>

#define CX__FEED_HIST_BUCKET_NS INT64_C(10000)     /* 10 us: exchange times are whole ms */
#define CX__FEED_HIST_BUCKETS (1u << 17)           /* 1.31 s of range */
#define CX__FEED_HIST_BELOW_NS INT64_C(250000000)  /* range starts 250 ms below the seed */
#define CX__FEED_HIST_SEED 64u                     /* values buffered before anchoring */

struct cx__feed_hist {
    uint32_t *count;                       /* [CX__FEED_HIST_BUCKETS] */
    int64_t seed[CX__FEED_HIST_SEED];      /* first values, until anchored */
    uint32_t n_seed;                       /* values in seed */
    bool is_anchored;                      /* anchor_ns set, seed binned */
    int64_t anchor_ns;                     /* lower edge of bucket 0 */
    uint64_t n;                            /* values added */
    uint64_t below, above;                 /* values outside the range */
    int64_t min_ns;                        /* exact minimum (INT64_MAX when n == 0) */
};

/** Allocate the buckets. @return 0; CX_ENOMEM. */
int cx__feed_hist_init(struct cx__feed_hist *h);

/** Empty it for the next file (keeps the buckets). */
void cx__feed_hist_reset(struct cx__feed_hist *h);

/** Release the buckets. */
void cx__feed_hist_fini(struct cx__feed_hist *h);

/** Add one value (local - exchange time, ns). O(1) (O(seed) once, when anchoring). */
void cx__feed_hist_add(struct cx__feed_hist *h, int64_t v_ns);

/**
 * The figures of the values added since the last reset: n, exact min, p0.1, p1, p50 and the
 * percentile pct_ppm (parts per million of the values; 0 = the minimum) in out->pct_ns.
 * @return 0; CX_ERANGE when pct_ppm's rank falls outside the histogram's range (out still
 *         filled, pct_ns at the range's edge). O(CX__FEED_HIST_BUCKETS).
 */
int cx__feed_hist_stats(struct cx__feed_hist *h, uint32_t pct_ppm, struct cx_md_feed_stats *out);

#endif /* CX_MD_FEED_HIST_H */
