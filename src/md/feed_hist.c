/* SPDX-License-Identifier: MIT */
/*
 * The histogram of local-minus-exchange times behind cx_md_prescan's feed statistics (see
 * feed_hist.h for its layout and error bound). Runs at configuration time, once per file; the
 * bucket array is allocated once per prescan and cleared between files.
 */
#include "feed_hist.h"

#include <stdlib.h>
#include <string.h>

int cx__feed_hist_init(struct cx__feed_hist *h)
{
    memset(h, 0, sizeof *h);
    h->count = calloc(CX__FEED_HIST_BUCKETS, sizeof *h->count);
    if (h->count == NULL)
        return CX_ENOMEM;
    h->min_ns = INT64_MAX;
    return 0;
}

void cx__feed_hist_reset(struct cx__feed_hist *h)
{
    uint32_t *count = h->count;
    if (count != NULL && h->is_anchored)
        memset(count, 0, CX__FEED_HIST_BUCKETS * sizeof *count);
    memset(h, 0, sizeof *h);
    h->count = count;
    h->min_ns = INT64_MAX;
}

void cx__feed_hist_fini(struct cx__feed_hist *h)
{
    free(h->count);
    memset(h, 0, sizeof *h);
}

/* Bin one value (anchored). */
static void bin(struct cx__feed_hist *h, int64_t v)
{
    int64_t d;
    if (__builtin_sub_overflow(v, h->anchor_ns, &d) || d < 0) {
        if (v < h->anchor_ns)
            h->below++;
        else
            h->above++;
        return;
    }
    int64_t i = d / CX__FEED_HIST_BUCKET_NS;
    if (i >= (int64_t)CX__FEED_HIST_BUCKETS) {
        h->above++;
        return;
    }
    h->count[i]++;
}

/* Set the anchor CX__FEED_HIST_BELOW_NS below the median of the buffered values (the upper
 * median: one of the values; robust to up to half of them glitched) and bin the buffer. */
static void anchor(struct cx__feed_hist *h)
{
    int64_t v[CX__FEED_HIST_SEED] = {0}; /* n_seed >= 1 when called; 0 keeps v[0] defined */
    uint32_t n = h->n_seed;
    for (uint32_t i = 0; i < n; i++) { /* insertion sort of at most 64 values, once a file */
        int64_t x = h->seed[i];
        uint32_t j = i;
        while (j > 0 && v[j - 1] > x) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = x;
    }
    int64_t med = v[n / 2];
    h->anchor_ns = med < INT64_MIN + CX__FEED_HIST_BELOW_NS ? INT64_MIN
                                                             : med - CX__FEED_HIST_BELOW_NS;
    h->is_anchored = true;
    for (uint32_t i = 0; i < h->n_seed; i++)
        bin(h, h->seed[i]);
    h->n_seed = 0;
}

void cx__feed_hist_add(struct cx__feed_hist *h, int64_t v_ns)
{
    h->n++;
    if (v_ns < h->min_ns)
        h->min_ns = v_ns;
    if (h->is_anchored) {
        bin(h, v_ns);
        return;
    }
    h->seed[h->n_seed++] = v_ns;
    if (h->n_seed == CX__FEED_HIST_SEED)
        anchor(h);
}

/* Rank of a percentile: k = ceil(ppm n / 10^6), at least 1 (nearest rank). */
static uint64_t rank_of(uint64_t n, uint32_t ppm)
{
    __extension__ unsigned __int128 x = (unsigned __int128)n * ppm;
    uint64_t k = (uint64_t)((x + 999999u) / 1000000u);
    return k == 0 ? 1 : k;
}

/* The value of rank k: the lower edge of the bucket holding it; the range's edge (and 1) when
 * it lies outside. */
static int64_t value_at(const struct cx__feed_hist *h, uint64_t k, bool *out_outside)
{
    *out_outside = false;
    if (k <= h->below) {
        *out_outside = true;
        return h->anchor_ns;
    }
    uint64_t seen = h->below;
    for (uint32_t i = 0; i < CX__FEED_HIST_BUCKETS; i++) {
        seen += h->count[i];
        if (seen >= k)
            return h->anchor_ns + (int64_t)i * CX__FEED_HIST_BUCKET_NS;
    }
    *out_outside = true;
    return h->anchor_ns + (int64_t)CX__FEED_HIST_BUCKETS * CX__FEED_HIST_BUCKET_NS;
}

int cx__feed_hist_stats(struct cx__feed_hist *h, uint32_t pct_ppm, struct cx_md_feed_stats *out)
{
    memset(out, 0, sizeof *out);
    out->n = h->n;
    if (h->n == 0) {
        out->min_ns = out->p0_1_ns = out->p1_ns = out->p50_ns = out->pct_ns = INT64_MAX;
        return 0;
    }
    if (!h->is_anchored)
        anchor(h);
    bool outside;
    out->min_ns = h->min_ns;
    out->p0_1_ns = value_at(h, rank_of(h->n, 1000u), &outside);
    out->p1_ns = value_at(h, rank_of(h->n, 10000u), &outside);
    out->p50_ns = value_at(h, rank_of(h->n, 500000u), &outside);
    out->below = h->below;
    out->above = h->above;
    if (pct_ppm == 0) {
        out->pct_ns = h->min_ns;
        return 0;
    }
    out->pct_ns = value_at(h, rank_of(h->n, pct_ppm), &outside);
    return outside ? CX_ERANGE : 0;
}
