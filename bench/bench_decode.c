/* SPDX-License-Identifier: MIT */
/*
 * bench_decode: throughput of the zero-copy venue decoders (cx_md_decode_binance,
 * cx_md_decode_gate) on the real bundled messages, per message type.
 *
 * Method (STYLE.md J.61-62): every message of a type is held in memory (prefix stripped, 64
 * zero bytes after each, as bench_decode_simdjson gets them); one timed run decodes all of them
 * `reps` times into one batch; the figure is the minimum of 5 runs after a warm-up pass.
 * Checks, before timing: every message decodes without error, the fast decoder's batch equals
 * the cJSON reference decoder's byte for byte, and a checksum over (U, u, pu, sum of price
 * mantissas, sum of quantity mantissas, level count) is written out so bench/run.sh can require
 * the simdjson comparison to have extracted exactly the same numbers.
 *
 * Usage: bench_decode [--tsv FILE]   (exit 1 when a check fails)
 */
#include "bench_util.h"
#include "cx_ref.h"

#include <stdlib.h>
#include <string.h>

#define RUNS 5

static int decode(const struct cx_md_ctx *ctx, enum bu_cat cat, const char *j, size_t n,
                  int64_t ts, struct cx_md_batch *out, struct cx_parse_err *err, bool ref)
{
    enum cx_venue v = bu_cat_venue(cat);
    if (v == CX_VENUE_GATE_SPOT)
        return ref ? cx_md_decode_gate_ref(ctx, j, n, v, NULL, 0, ts, out, err)
                   : cx_md_decode_gate(ctx, j, n, v, NULL, 0, ts, out, err);
    return ref ? cx_md_decode_binance_ref(ctx, j, n, v, ts, out, err)
               : cx_md_decode_binance(ctx, j, n, v, ts, out, err);
}

/* Timed loops, one per decoder so the call is direct. Returns errors seen. */
static uint64_t run_binance(const struct bu_corpus *c, const struct cx_md_ctx *ctx,
                            enum bu_cat cat, uint32_t reps, struct cx_md_batch *b)
{
    const struct bu_msg *m = c->msg[cat];
    uint32_t n = c->n[cat];
    enum cx_venue v = bu_cat_venue(cat);
    uint64_t bad = 0, events = 0;
    for (uint32_t r = 0; r < reps; r++) {
        for (uint32_t i = 0; i < n; i++) {
            int rc = cx_md_decode_binance(ctx, c->arena + m[i].off, m[i].len, v,
                                          m[i].local_ts_ns, b, NULL);
            bad += rc != 0;
            events += b->n;
        }
    }
    bu_sink_u64(events);
    return bad;
}

static uint64_t run_gate(const struct bu_corpus *c, const struct cx_md_ctx *ctx, enum bu_cat cat,
                         uint32_t reps, struct cx_md_batch *b)
{
    const struct bu_msg *m = c->msg[cat];
    uint32_t n = c->n[cat];
    uint64_t bad = 0, events = 0;
    for (uint32_t r = 0; r < reps; r++) {
        for (uint32_t i = 0; i < n; i++) {
            int rc = cx_md_decode_gate(ctx, c->arena + m[i].off, m[i].len, CX_VENUE_GATE_SPOT,
                                       NULL, 0, m[i].local_ts_ns, b, NULL);
            bad += rc != 0;
            events += b->n;
        }
    }
    bu_sink_u64(events);
    return bad;
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
    struct bu_corpus c;
    int rc = bu_corpus_load(&c);
    if (rc != 0)
        return 1;
    struct cx_md_batch b, bref;
    if (bu_batch_alloc(&b) != 0 || bu_batch_alloc(&bref) != 0)
        return 1;

    int failed = 0;
    printf("## bench_decode: cexarb zero-copy decoders (pinned to CPU %d)\n\n", cpu);
    printf("| message type | msgs | levels/msg | avg bytes | ns/msg | MB/s | checksum | "
           "vs cJSON ref |\n");
    printf("|---|---:|---:|---:|---:|---:|---|---|\n");
    for (int k = 0; k < BU_CAT_COUNT; k++) {
        enum bu_cat cat = (enum bu_cat)k;
        struct cx_md_ctx ctx;
        bu_corpus_ctx(&c, cat, &ctx);
        const struct bu_msg *m = c.msg[cat];
        uint32_t n = c.n[cat];
        if (n == 0) {
            printf("| %s | 0 | | | | | | no messages |\n", bu_cat_name(cat));
            failed = 1;
            continue;
        }

        /* Check pass: no errors, equal to the reference decoder, checksum. */
        struct bu_sum sum;
        bu_sum_init(&sum);
        uint64_t errors = 0, mismatches = 0;
        for (uint32_t i = 0; i < n; i++) {
            struct cx_parse_err err = {0}, eref = {0};
            const char *j = c.arena + m[i].off;
            int r1 = decode(&ctx, cat, j, m[i].len, m[i].local_ts_ns, &b, &err, false);
            int r2 = decode(&ctx, cat, j, m[i].len, m[i].local_ts_ns, &bref, &eref, true);
            if (r1 != 0) {
                if (errors++ == 0)
                    fprintf(stderr, "decode %s msg %u: %s (%s) col %d: %s\n", bu_cat_name(cat),
                            i, cx_err_name(r1), err.msg ? err.msg : "", err.col, err.detail);
                continue;
            }
            bu_sum_batch(&sum, &b, &c.reg, false);
            if (r2 != 0 || b.n != bref.n || b.kind != bref.kind || b.inst_id != bref.inst_id ||
                memcmp(b.ev, bref.ev, (size_t)b.n * sizeof *b.ev) != 0) {
                if (mismatches++ == 0)
                    fprintf(stderr, "decode %s msg %u: fast != reference (rc %s/%s, n %u/%u)\n",
                            bu_cat_name(cat), i, cx_err_name(r1), cx_err_name(r2), b.n,
                            bref.n);
            }
        }

        /* Timed runs. */
        uint32_t reps = c.reps[cat];
        int64_t best = INT64_MAX;
        uint64_t bad = 0;
        for (int r = 0; r <= RUNS; r++) {
            int64_t t0 = bu_now_ns();
            bad += cat == BU_CAT_GATE_DEPTH ? run_gate(&c, &ctx, cat, reps, &b)
                                            : run_binance(&c, &ctx, cat, reps, &b);
            int64_t dt = bu_now_ns() - t0;
            if (r > 0 && dt < best) /* run 0 is the warm-up */
                best = dt;
        }
        double per_pass = (double)best / reps;
        double ns_msg = per_pass / n;
        double mbps = (double)c.bytes[cat] / per_pass * 1e3;
        bool ok = errors == 0 && mismatches == 0 && bad == 0;
        if (!ok)
            failed = 1;
        printf("| %s | %u | %.1f | %.0f | %.1f | %.0f | %016llx | %s |\n", bu_cat_name(cat), n,
               (double)sum.levels / (double)n, (double)c.bytes[cat] / n, ns_msg, mbps,
               (unsigned long long)sum.full,
               ok ? "equal" : (errors ? "DECODE ERRORS" : "MISMATCH"));
        if (tsv != NULL)
            fprintf(tsv, "%s\tours\t%u\t%llu\t%llu\t%.3f\t%.3f\t%016llx\t%016llx\t%.17g\t%.17g\t%d\n",
                    bu_cat_name(cat), n, (unsigned long long)c.bytes[cat],
                    (unsigned long long)sum.levels, ns_msg, mbps, (unsigned long long)sum.full,
                    (unsigned long long)sum.ids, sum.price_sum, sum.qty_sum, ok ? 1 : 0);
    }
    printf("\nmin of %d runs; a run decodes every message of the type `reps` times "
           "(>= 4 MB of JSON per run).\n\n", RUNS);
    if (tsv != NULL)
        fclose(tsv);
    free(b.ev);
    free(bref.ev);
    bu_corpus_free(&c);
    if (failed)
        fprintf(stderr, "bench_decode: CHECK FAILED\n");
    return failed;
}
