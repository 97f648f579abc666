/* SPDX-License-Identifier: MIT */
/*
 * bench_book: cost of applying real BTCUSDT depth data to a cx_book.
 *
 * The Binance spot and USD-M recordings are decoded once with cx_md_reader into in-memory event
 * runs (not timed). Then, per file:
 *  (a) sequenced replay: every depth/snapshot message, in file order, into a book with the
 *      venue's real sequencing rule (deltas before the snapshot are buffered and replayed by the
 *      book). Min of 5 runs, each on a new book; reported per message and per level change.
 *  (b) per-level-change latency: a CX_BOOK_RULE_SNAPSHOT_ONLY book gets the real snapshot, then
 *      every level of every delta the sequenced replay applied, each as its own one-level
 *      CX_MD_DEPTH_DELTA message (BEGIN|END|NOSEQ), each call timed with rdtsc/rdtscp (TSC
 *      calibrated against CLOCK_MONOTONIC). Within a message the deletions (qty 0) go first:
 *      every intermediate book is then a subset of the message's final book, so it cannot
 *      transiently cross (which would make the book STALE), and the final book is unchanged.
 *      5 passes (each restarting from the snapshot) into a log-linear histogram; p50/p99/
 *      p99.9/max reported raw and net of the timer's own median overhead.
 * Checks: (a) no errors, no gaps, ends SYNCED, equals an independent cx_book_ref replay of the
 * same runs (cx_book_equal_ref: state, last id, every level); (b) every call returns 0, the book
 * ends SYNCED with every level equal to (a)'s; the histogram's percentiles agree with exact
 * percentiles of the raw samples to within one bucket.
 *
 * Usage: bench_book [--tsv FILE]   (exit 1 when a check fails)
 */
#include "bench_util.h"

#include "cexarb/book.h"
#include "cx_ref.h"

#include <stdlib.h>
#include <string.h>
#include <x86intrin.h>

#define RUNS 5
#define LAT_PASSES 5

struct run {
    uint32_t off; /* first event in runs.ev */
    uint32_t n;   /* events */
    uint8_t kind; /* CX_MD_KIND_DEPTH or CX_MD_KIND_SNAPSHOT */
};

struct runs {
    const char *name;
    enum cx_venue venue;
    uint32_t inst_id;
    struct cx_md_event *ev;
    size_t n_ev, cap_ev;
    struct run *r;
    size_t n_r, cap_r;
    uint64_t lines;
    int64_t tick_m; /* the instrument's price tick (registry), for the book's cfg */
};

static int push_batch(struct runs *R, const struct cx_md_batch *b)
{
    if (R->n_ev + b->n > R->cap_ev) {
        size_t nc = R->cap_ev ? R->cap_ev : 1 << 16;
        while (nc < R->n_ev + b->n)
            nc *= 2;
        struct cx_md_event *ne = realloc(R->ev, nc * sizeof *ne);
        if (ne == NULL)
            return CX_ENOMEM;
        R->ev = ne;
        R->cap_ev = nc;
    }
    if (R->n_r == R->cap_r) {
        size_t nc = R->cap_r ? R->cap_r * 2 : 4096;
        struct run *nr = realloc(R->r, nc * sizeof *nr);
        if (nr == NULL)
            return CX_ENOMEM;
        R->r = nr;
        R->cap_r = nc;
    }
    memcpy(R->ev + R->n_ev, b->ev, (size_t)b->n * sizeof *b->ev);
    R->r[R->n_r++] = (struct run){(uint32_t)R->n_ev, b->n, b->kind};
    R->n_ev += b->n;
    return 0;
}

static int load_runs(const char *path, const char *name, struct cx_registry *reg, struct runs *R)
{
    memset(R, 0, sizeof *R);
    R->name = name;
    struct cx_md_reader_opts opts = {.strict = true};
    struct cx_parse_err err = {0};
    char msg[256];
    int rc = cx_md_prescan(&path, 1, &opts, reg, NULL, &err);
    struct cx_md_reader *rd = NULL;
    if (rc == 0)
        rc = cx_md_reader_open(&rd, path, &opts, reg, &err);
    while (rc == 0) {
        const struct cx_md_batch *b;
        int got = cx_md_reader_next(rd, &b, &err);
        if (got < 0) {
            rc = got;
            break;
        }
        if (got == 0)
            break;
        if (b->kind != CX_MD_KIND_DEPTH && b->kind != CX_MD_KIND_SNAPSHOT)
            continue;
        R->inst_id = b->inst_id;
        rc = push_batch(R, b);
    }
    if (rc != 0) {
        cx_parse_err_format(&err, msg, sizeof msg);
        fprintf(stderr, "bench_book: %s: %s\n", path, msg);
    } else {
        R->venue = cx_md_reader_venue(rd);
        R->lines = cx_md_reader_stats(rd)->lines;
        const struct cx_instrument *in = cx_registry_get(reg, R->inst_id);
        R->tick_m = in != NULL ? in->tick : 0;
    }
    cx_md_reader_close(rd);
    return rc;
}

static void runs_free(struct runs *R)
{
    free(R->ev);
    free(R->r);
}

/* ---------------------------------------------------------------------------------------------
 * MARK: (a) sequenced replay
 * ------------------------------------------------------------------------------------------- */

struct seq_result {
    int64_t best_ns;
    uint64_t errors;
    struct cx_book *book; /* book of the last run (kept for the comparisons) */
    struct cx_book_stats stats;
};

static int seq_replay(const struct runs *R, struct seq_result *out)
{
    memset(out, 0, sizeof *out);
    out->best_ns = INT64_MAX;
    struct cx_book_cfg cfg = {.inst_id = R->inst_id,
                              .rule = cx_book_rule_for_venue(R->venue),
                              .tick_m = R->tick_m};
    for (int r = 0; r <= RUNS; r++) {
        struct cx_book *b;
        int rc = cx_book_new(&b, &cfg);
        if (rc != 0)
            return rc;
        uint64_t errors = 0;
        int64_t t0 = bu_now_ns();
        for (size_t i = 0; i < R->n_r; i++)
            errors += cx_book_apply(b, R->ev + R->r[i].off, R->r[i].n) != 0;
        int64_t dt = bu_now_ns() - t0;
        if (r > 0 && dt < out->best_ns) /* run 0 warms up */
            out->best_ns = dt;
        out->errors += errors;
        cx_book_free(out->book);
        out->book = b;
    }
    out->stats = *cx_book_stats(out->book);
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: (b) per-level latency
 * ------------------------------------------------------------------------------------------- */

/* The snapshot run (copied, NOSEQ) and every level the sequenced replay applied after it, as
 * one-level messages, deletions first within each message. */
static int build_singles(const struct runs *R, struct cx_md_event **snap, uint32_t *n_snap,
                         struct cx_md_event **single, size_t *n_single)
{
    const struct run *sr = NULL;
    for (size_t i = 0; i < R->n_r; i++)
        if (R->r[i].kind == CX_MD_KIND_SNAPSHOT) {
            if (sr != NULL)
                return CX_ENOTSUP; /* one snapshot per bundled file */
            sr = &R->r[i];
        }
    if (sr == NULL)
        return CX_ENOENT;
    uint64_t lid = R->ev[sr->off].seq;
    bool usdm = cx_book_rule_for_venue(R->venue) == CX_BOOK_RULE_BINANCE_USDM;
    *n_snap = sr->n;
    *snap = malloc(sr->n * sizeof **snap);
    *single = malloc(R->n_ev * sizeof **single);
    if (*snap == NULL || *single == NULL)
        return CX_ENOMEM;
    for (uint32_t i = 0; i < sr->n; i++) {
        (*snap)[i] = R->ev[sr->off + i];
        (*snap)[i].flags |= CX_MD_F_NOSEQ;
    }
    size_t k = 0;
    for (size_t i = 0; i < R->n_r; i++) {
        const struct run *r = &R->r[i];
        if (r->kind != CX_MD_KIND_DEPTH)
            continue;
        uint64_t u = R->ev[r->off].seq;
        if (usdm ? u < lid : u <= lid) /* dropped by the sequenced book as older than lid */
            continue;
        for (int pass = 0; pass < 2; pass++) { /* deletions, then inserts/updates */
            for (uint32_t j = 0; j < r->n; j++) {
                const struct cx_md_event *e = &R->ev[r->off + j];
                if (e->flags & CX_MD_F_NOLEVEL)
                    continue;
                if ((e->u.level.qty_m == 0) != (pass == 0))
                    continue;
                struct cx_md_event s = *e;
                s.type = CX_MD_DEPTH_DELTA;
                s.flags = (uint16_t)((e->flags & CX_MD_F_ASK) | CX_MD_F_SINGLE | CX_MD_F_NOSEQ);
                (*single)[k++] = s;
            }
        }
    }
    *n_single = k;
    return 0;
}

static inline uint64_t tsc_begin(void)
{
    _mm_lfence();
    uint64_t t = __rdtsc();
    _mm_lfence();
    return t;
}

static inline uint64_t tsc_end(void)
{
    unsigned aux;
    uint64_t t = __rdtscp(&aux);
    _mm_lfence();
    return t;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

struct lat_result {
    struct bu_hist hist;     /* ticks per call */
    uint64_t calls;
    uint64_t errors;
    double amortised_ns;     /* whole pass timed as one, per call (no per-call timer) */
    bool hist_ok;            /* histogram percentiles agree with exact ones */
    char hist_why[160];
    struct cx_book *book;
};

static int latency(const struct runs *R, struct lat_result *out)
{
    memset(out, 0, sizeof *out);
    bu_hist_reset(&out->hist);
    struct cx_md_event *snap = NULL, *single = NULL;
    uint32_t n_snap = 0;
    size_t n = 0;
    int rc = build_singles(R, &snap, &n_snap, &single, &n);
    if (rc != 0) {
        free(snap);
        free(single);
        return rc;
    }
    struct cx_book_cfg cfg = {.inst_id = R->inst_id, .rule = CX_BOOK_RULE_SNAPSHOT_ONLY,
                              .tick_m = R->tick_m};
    rc = cx_book_new(&out->book, &cfg);
    uint32_t *samples = rc == 0 ? malloc((size_t)LAT_PASSES * n * sizeof *samples) : NULL;
    if (rc == 0 && samples == NULL)
        rc = CX_ENOMEM;
    if (rc != 0) {
        free(snap);
        free(single);
        return rc;
    }
    struct cx_book *b = out->book;
    /* Warm-up pass, then the amortised pass (no per-call timer). */
    for (int w = 0; w < 2; w++) {
        out->errors += cx_book_apply(b, snap, n_snap) != 0;
        int64_t t0 = bu_now_ns();
        for (size_t i = 0; i < n; i++)
            out->errors += cx_book_apply(b, &single[i], 1) != 0;
        int64_t dt = bu_now_ns() - t0;
        if (w == 1)
            out->amortised_ns = (double)dt / (double)n;
    }
    size_t ns = 0;
    for (int p = 0; p < LAT_PASSES; p++) {
        out->errors += cx_book_apply(b, snap, n_snap) != 0;
        for (size_t i = 0; i < n; i++) {
            uint64_t t0 = tsc_begin();
            int r = cx_book_apply(b, &single[i], 1);
            uint64_t t1 = tsc_end();
            out->errors += r != 0;
            uint64_t d = t1 - t0;
            bu_hist_add(&out->hist, d);
            samples[ns++] = d > UINT32_MAX ? UINT32_MAX : (uint32_t)d;
        }
    }
    out->calls = ns;
    /* Histogram self-check against exact percentiles of the raw samples. */
    qsort(samples, ns, sizeof *samples, cmp_u32);
    static const double pcts[] = {50, 90, 99, 99.9, 100};
    out->hist_ok = true;
    for (size_t i = 0; i < sizeof pcts / sizeof pcts[0]; i++) {
        double want = pcts[i] / 100.0 * (double)ns;
        size_t rank = (size_t)want;
        if ((double)rank < want)
            rank++;
        if (rank == 0)
            rank = 1;
        uint64_t exact = samples[rank - 1];
        uint64_t h = bu_hist_pct(&out->hist, pcts[i]);
        uint64_t hi = bu_hist_bucket_high(bu_hist_index(exact));
        if (h < exact || h > hi) {
            out->hist_ok = false;
            snprintf(out->hist_why, sizeof out->hist_why,
                     "p%g: histogram %llu, exact %llu (bucket top %llu)", pcts[i],
                     (unsigned long long)h, (unsigned long long)exact, (unsigned long long)hi);
        }
    }
    free(samples);
    free(snap);
    free(single);
    return 0;
}

/* Median cost of the timer pair itself, in ticks. */
static void timer_overhead(struct bu_hist *h)
{
    bu_hist_reset(h);
    for (int i = 0; i < 1000000; i++) {
        uint64_t t0 = tsc_begin();
        uint64_t t1 = tsc_end();
        bu_hist_add(h, t1 - t0);
    }
}

/* ---------------------------------------------------------------------------------------------
 * MARK: comparisons
 * ------------------------------------------------------------------------------------------- */

/* The same runs into cx_book_ref; return codes compared with a fresh fast book's. */
static int ref_replay(const struct runs *R, struct cx_book_ref **out, uint64_t *rc_mismatch)
{
    struct cx_book_cfg cfg = {.inst_id = R->inst_id, .rule = cx_book_rule_for_venue(R->venue),
                              .tick_m = R->tick_m};
    int rc = cx_book_ref_new(out, &cfg);
    if (rc != 0)
        return rc;
    struct cx_book *f;
    rc = cx_book_new(&f, &cfg);
    if (rc != 0)
        return rc;
    *rc_mismatch = 0;
    for (size_t i = 0; i < R->n_r; i++) {
        int a = cx_book_apply(f, R->ev + R->r[i].off, R->r[i].n);
        int b = cx_book_ref_apply(*out, R->ev + R->r[i].off, R->r[i].n);
        *rc_mismatch += a != b;
    }
    cx_book_free(f);
    return 0;
}

/* Every level of both sides equal. */
static bool books_equal(const struct cx_book *a, const struct cx_book *b, char *why, size_t cap)
{
    for (int s = 0; s < 2; s++) {
        uint32_t na = cx_book_depth(a, (enum cx_side)s), nb = cx_book_depth(b, (enum cx_side)s);
        if (na != nb) {
            snprintf(why, cap, "%s depth %u vs %u", s ? "ask" : "bid", na, nb);
            return false;
        }
        for (uint32_t i = 0; i < na; i++) {
            int64_t pa, qa, pb, qb;
            cx_book_level(a, (enum cx_side)s, i, &pa, &qa);
            cx_book_level(b, (enum cx_side)s, i, &pb, &qb);
            if (pa != pb || qa != qb) {
                snprintf(why, cap, "%s level %u: %lld x %lld vs %lld x %lld", s ? "ask" : "bid",
                         i, (long long)pa, (long long)qa, (long long)pb, (long long)qb);
                return false;
            }
        }
    }
    return true;
}

static void fmt_top(const struct cx_book *b, const struct cx_instrument *in, char *buf,
                    size_t cap)
{
    struct cx_book_top t;
    cx_book_top(b, &t);
    char bp[48] = "-", bq[48] = "-", ap[48] = "-", aq[48] = "-";
    if (t.has_bid) {
        cx_dec_format(t.bid_price_m, in->price_exp, CX_DEC_TRIM, bp, sizeof bp);
        cx_dec_format(t.bid_qty_m, in->qty_exp, CX_DEC_TRIM, bq, sizeof bq);
    }
    if (t.has_ask) {
        cx_dec_format(t.ask_price_m, in->price_exp, CX_DEC_TRIM, ap, sizeof ap);
        cx_dec_format(t.ask_qty_m, in->qty_exp, CX_DEC_TRIM, aq, sizeof aq);
    }
    snprintf(buf, cap, "bid %s @ %s, ask %s @ %s", bq, bp, aq, ap);
}

int main(int argc, char **argv)
{
    const char *tsv_path = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--tsv") == 0 && i + 1 < argc)
            tsv_path = argv[++i];
        else {
            fprintf(stderr, "usage: %s [--tsv FILE]\n", argv[0]);
            return 2;
        }
    }
    FILE *tsv = NULL;
    if (tsv_path != NULL && (tsv = fopen(tsv_path, "w")) == NULL) {
        perror(tsv_path);
        return 2;
    }
    int cpu = bu_pin_last_cpu();
    struct cx_registry reg;
    struct cx_parse_err err = {0};
    int rc = cx_registry_init(&reg, 16);
    if (rc == 0)
        rc = cx_registry_load_yaml(&reg, BU_BINANCE_YAML, &err);
    if (rc != 0) {
        char msg[256];
        cx_parse_err_format(&err, msg, sizeof msg);
        fprintf(stderr, "bench_book: registry: %s\n", msg);
        return 1;
    }
    struct runs R[2];
    if (load_runs(BU_SPOT_PATH, "spot", &reg, &R[0]) != 0 ||
        load_runs(BU_USDM_PATH, "usdm", &reg, &R[1]) != 0)
        return 1;

    double ns_per_tick = bu_tsc_ns_per_tick();
    struct bu_hist over;
    timer_overhead(&over);
    double over_p50_ns = (double)bu_hist_pct(&over, 50) * ns_per_tick;

    int failed = 0;
    struct seq_result S[2];
    struct lat_result L[2];
    char why[2][200] = {"", ""};
    bool ok_a[2], ok_b[2];
    char top[2][160];
    for (int v = 0; v < 2; v++) {
        const struct cx_instrument *in = cx_registry_get(&reg, R[v].inst_id);
        rc = seq_replay(&R[v], &S[v]);
        if (rc == 0)
            rc = latency(&R[v], &L[v]);
        if (rc != 0) {
            fprintf(stderr, "bench_book: %s: %s\n", R[v].name, cx_strerror(rc));
            return 1;
        }
        struct cx_book_ref *ref = NULL;
        uint64_t rc_mismatch = 0;
        rc = ref_replay(&R[v], &ref, &rc_mismatch);
        if (rc != 0)
            return 1;
        char w[160] = "";
        ok_a[v] = S[v].errors == 0 && S[v].stats.gaps == 0 &&
                  cx_book_state(S[v].book) == CX_BOOK_SYNCED && rc_mismatch == 0;
        if (!ok_a[v])
            snprintf(why[v], sizeof why[v], "(a) errors %llu, gaps %llu, state %s, rc mismatches "
                     "vs ref %llu; ", (unsigned long long)S[v].errors,
                     (unsigned long long)S[v].stats.gaps,
                     cx_book_state_name(cx_book_state(S[v].book)),
                     (unsigned long long)rc_mismatch);
        if (cx_book_equal_ref(S[v].book, ref, w, sizeof w) != 0) {
            ok_a[v] = false;
            size_t l = strlen(why[v]);
            snprintf(why[v] + l, sizeof why[v] - l, "(a) vs ref: %s; ", w);
        }
        ok_b[v] = L[v].errors == 0 && cx_book_state(L[v].book) == CX_BOOK_SYNCED && L[v].hist_ok;
        if (!ok_b[v]) {
            size_t l = strlen(why[v]);
            snprintf(why[v] + l, sizeof why[v] - l, "(b) errors %llu, state %s %s; ",
                     (unsigned long long)L[v].errors,
                     cx_book_state_name(cx_book_state(L[v].book)), L[v].hist_why);
        }
        if (!books_equal(S[v].book, L[v].book, w, sizeof w)) {
            ok_b[v] = false;
            size_t l = strlen(why[v]);
            snprintf(why[v] + l, sizeof why[v] - l, "(b) vs (a): %s; ", w);
        }
        fmt_top(S[v].book, in, top[v], sizeof top[v]);
        if (!ok_a[v] || !ok_b[v]) {
            failed = 1;
            fprintf(stderr, "bench_book %s: CHECK FAILED: %s\n", R[v].name, why[v]);
        }
        cx_book_ref_free(ref);
    }

    printf("## bench_book: cx_book on real BTCUSDT depth (pinned to CPU %d; TSC %.4f ns/tick)\n\n",
           cpu, ns_per_tick);
    printf("(a) sequenced replay of every depth/snapshot message (min of %d runs, new book each)\n\n",
           RUNS);
    printf("| file | depth msgs | level changes | total ms | ns/msg | ns/level change | state | "
           "gaps | dropped old | buffered | levels at end (bid/ask) | equals cx_book_ref |\n");
    printf("|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---|---|\n");
    for (int v = 0; v < 2; v++) {
        const struct cx_book_stats *st = &S[v].stats;
        printf("| %s | %zu | %llu | %.3f | %.1f | %.2f | %s | %llu | %llu | %llu | %u/%u | %s |\n",
               R[v].name, R[v].n_r, (unsigned long long)st->level_changes, S[v].best_ns / 1e6,
               (double)S[v].best_ns / (double)R[v].n_r,
               (double)S[v].best_ns / (double)(st->level_changes ? st->level_changes : 1),
               cx_book_state_name(cx_book_state(S[v].book)), (unsigned long long)st->gaps,
               (unsigned long long)st->dropped_old, (unsigned long long)st->buffered,
               cx_book_depth(S[v].book, CX_SIDE_BID), cx_book_depth(S[v].book, CX_SIDE_ASK),
               ok_a[v] ? "yes" : "NO");
    }
    printf("\n(b) one level change per cx_book_apply call, each timed (rdtsc/rdtscp with lfence); "
           "%d passes; timer overhead p50 %.1f ns (subtracted in the `net` columns)\n\n",
           LAT_PASSES, over_p50_ns);
    printf("| file | calls | p50 ns | p99 ns | p99.9 ns | max ns | mean ns | net p50 | net p99 | "
           "amortised ns/call (untimed) | target p50 <= 50 ns | final book = (a) |\n");
    printf("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|\n");
    for (int v = 0; v < 2; v++) {
        const struct bu_hist *h = &L[v].hist;
        double p50 = (double)bu_hist_pct(h, 50) * ns_per_tick;
        double p99 = (double)bu_hist_pct(h, 99) * ns_per_tick;
        double p999 = (double)bu_hist_pct(h, 99.9) * ns_per_tick;
        double mx = (double)h->max * ns_per_tick;
        double mean = h->sum / (double)h->n * ns_per_tick;
        double net50 = p50 - over_p50_ns, net99 = p99 - over_p50_ns;
        printf("| %s | %llu | %.1f | %.1f | %.1f | %.0f | %.1f | %.1f | %.1f | %.1f | %s | %s |\n",
               R[v].name, (unsigned long long)L[v].calls, p50, p99, p999, mx, mean, net50, net99,
               L[v].amortised_ns, net50 <= 50.0 ? "PASS" : "MISS", ok_b[v] ? "yes" : "NO");
        if (tsv != NULL)
            fprintf(tsv, "%s\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%d\n", R[v].name, p50, p99,
                    p999, mx, net50, L[v].amortised_ns,
                    (double)S[v].best_ns / (double)(S[v].stats.level_changes
                                                        ? S[v].stats.level_changes
                                                        : 1),
                    ok_a[v] && ok_b[v]);
    }
    printf("\nfinal top of book ((a), (b) and cx_book_ref equal): spot %s; usdm %s\n\n", top[0],
           top[1]);
    if (tsv != NULL)
        fclose(tsv);
    for (int v = 0; v < 2; v++) {
        cx_book_free(S[v].book);
        cx_book_free(L[v].book);
        runs_free(&R[v]);
    }
    cx_registry_fini(&reg);
    if (failed)
        fprintf(stderr, "bench_book: CHECK FAILED\n");
    return failed;
}
