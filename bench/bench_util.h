/* SPDX-License-Identifier: MIT */
/*
 * Shared helpers of the benchmarks (bench/): loading the bundled recordings into memory,
 * timing (CLOCK_MONOTONIC and a calibrated TSC), a log-linear latency histogram, an
 * order-independent-of-implementation checksum over decoded batches, and the message corpus of
 * the decode benchmark. The C benchmarks and the C++ simdjson comparisons link the same code, so
 * both sides see byte-identical inputs and are checked by the same functions.
 *
 * Not part of the engine: benchmarks may allocate, print and make syscalls freely outside their
 * timed loops.
 */
#ifndef CX_BENCH_UTIL_H
#define CX_BENCH_UTIL_H

#include "cexarb/instrument.h"
#include "cexarb/md.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef CX_DATA_DIR
#error "CX_DATA_DIR must be defined by the build"
#endif

#define BU_SPOT_PATH CX_DATA_DIR "/binance/spot/btcusdt_20240808.gz"
#define BU_USDM_PATH CX_DATA_DIR "/binance/usdm/btcusdt_20240808.gz"
#define BU_GATE_PATH CX_DATA_DIR "/gateio-cryptofeed/GATEIO.ws.1.0"
#define BU_BINANCE_YAML CX_DATA_DIR "/instruments/binance.yaml"

/** Line counts of the bundled Binance files (data/README.md). */
#define BU_SPOT_LINES 41249u
#define BU_USDM_LINES 93954u

/** Bytes of readable padding after every message handed to simdjson (SIMDJSON_PADDING). */
#define BU_PAD 64u

/** Events per batch: more than any bundled message has levels (snapshots have 5000+5000). */
#define BU_BATCH_CAP 65536u

/* ---------------------------------------------------------------------------------------------
 * MARK: files and time
 * ------------------------------------------------------------------------------------------- */

/**
 * Read a whole file into memory, inflating it when it is gzip (several members are joined).
 * @param pad  zeroed bytes appended after the data (not counted in *out_len).
 * @return 0, or a negative CX_E* code; *out is malloc'd (free it).
 */
int bu_load_file(const char *path, size_t pad, char **out, size_t *out_len);

/** Read a file's bytes as they are (no inflation). *out is malloc'd. */
int bu_read_raw(const char *path, unsigned char **out, size_t *out_len);

/**
 * Inflate a gzip image held in memory into `dst` (capacity `cap`).
 * @return the number of bytes produced, or a negative CX_E* code.
 */
int64_t bu_gunzip_mem(const unsigned char *src, size_t n, char *dst, size_t cap);

/** CLOCK_MONOTONIC in ns. */
int64_t bu_now_ns(void);

/** ns per TSC tick, calibrated once against CLOCK_MONOTONIC over ~200 ms (cached). */
double bu_tsc_ns_per_tick(void);

/** Pin the calling thread to the last CPU (best effort; returns the CPU or -1). */
int bu_pin_last_cpu(void);

/** Make the result of a computation observable so it is not optimised away. */
void bu_sink_u64(uint64_t v);

/* ---------------------------------------------------------------------------------------------
 * MARK: histogram
 * ------------------------------------------------------------------------------------------- */

/* Log-linear buckets: values below 2^BU_HIST_SUB_BITS are exact; above, every power of two is
 * split into 2^BU_HIST_SUB_BITS equal buckets, so a bucket is at most 1/64 (1.6 %) wide. */
#define BU_HIST_SUB_BITS 6
#define BU_HIST_SUB (1u << BU_HIST_SUB_BITS)
#define BU_HIST_BUCKETS ((65u - BU_HIST_SUB_BITS) * BU_HIST_SUB)

struct bu_hist {
    uint64_t count[BU_HIST_BUCKETS];
    uint64_t n;
    uint64_t min, max;
    double sum;
};

void bu_hist_reset(struct bu_hist *h);

static inline unsigned bu_hist_index(uint64_t v)
{
    if (v < BU_HIST_SUB)
        return (unsigned)v;
    unsigned e = 63u - (unsigned)__builtin_clzll(v);
    return (e - BU_HIST_SUB_BITS + 1u) * BU_HIST_SUB +
           (unsigned)((v >> (e - BU_HIST_SUB_BITS)) - BU_HIST_SUB);
}

static inline void bu_hist_add(struct bu_hist *h, uint64_t v)
{
    h->count[bu_hist_index(v)]++;
    h->n++;
    if (v < h->min)
        h->min = v;
    if (v > h->max)
        h->max = v;
    h->sum += (double)v;
}

/** Highest value that falls in the same bucket as the p-th percentile (0 < p <= 100), clamped
 * to the exact maximum; 0 for an empty histogram. */
uint64_t bu_hist_pct(const struct bu_hist *h, double p);

/** Highest value of bucket `idx` (inclusive). */
uint64_t bu_hist_bucket_high(unsigned idx);

/* ---------------------------------------------------------------------------------------------
 * MARK: checksums over decoded batches
 * ------------------------------------------------------------------------------------------- */

/** Running checksum over decoded messages. */
struct bu_sum {
    uint64_t full;       /* hash of (kind, inst, U, u, pu, sum price_m, sum qty_m, levels) */
    uint64_t ids;        /* hash of (kind, inst, U, u, pu, levels) only */
    uint64_t messages;   /* messages folded in */
    uint64_t levels;     /* level / price points folded in */
    double price_sum;    /* sum of prices as doubles (price_m * 10^price_exp) */
    double qty_sum;      /* sum of quantities as doubles */
};

void bu_sum_init(struct bu_sum *s);

/**
 * Fold one decoded message into `s`.
 * @param dbl  when true the batch carries doubles (memcpy'd into price_m / qty_m, from
 *             simdjson's get_double_in_string) instead of mantissas: only ids, counts and the
 *             double sums are updated.
 */
void bu_sum_batch(struct bu_sum *s, const struct cx_md_batch *b, const struct cx_registry *reg,
                  bool dbl);

/** 64-bit mixing step (splitmix64 finaliser over h ^ v). */
static inline uint64_t bu_mix(uint64_t h, uint64_t v)
{
    uint64_t z = h ^ (v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2));
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/**
 * Hash of a book's top levels (best first): what the C replays and the C++ std::map replay
 * compare. Levels beyond `nb`/`na` are not read.
 */
uint64_t bu_top_hash(uint64_t h, const int64_t *bid_p, const int64_t *bid_q, uint32_t nb,
                     const int64_t *ask_p, const int64_t *ask_q, uint32_t na);

/* ---------------------------------------------------------------------------------------------
 * MARK: decode corpus
 * ------------------------------------------------------------------------------------------- */

/** Message categories of the decode benchmark. */
enum bu_cat {
    BU_CAT_SPOT_DEPTH = 0,
    BU_CAT_USDM_DEPTH,
    BU_CAT_SPOT_BBO,
    BU_CAT_USDM_BBO,
    BU_CAT_SPOT_TRADE,
    BU_CAT_USDM_TRADE,
    BU_CAT_SPOT_SNAPSHOT,
    BU_CAT_USDM_SNAPSHOT,
    BU_CAT_GATE_DEPTH,
    BU_CAT_COUNT
};

/** One message: JSON at arena + off, `len` bytes, followed by at least BU_PAD readable bytes. */
struct bu_msg {
    size_t off;
    uint32_t len;
    int64_t local_ts_ns;
};

struct bu_corpus {
    char *arena;                          /* all messages, each followed by BU_PAD zero bytes */
    size_t arena_len;
    struct bu_msg *msg[BU_CAT_COUNT];     /* per category, in file order */
    uint32_t n[BU_CAT_COUNT];
    uint64_t bytes[BU_CAT_COUNT];         /* JSON bytes (no prefix, no newline) */
    uint32_t reps[BU_CAT_COUNT];          /* passes per timed run (small categories repeat) */
    struct cx_registry reg;               /* Binance YAML + Gate symbols of the corpus */
};

/** Name ("depth spot", ...) and venue of a category. */
const char *bu_cat_name(enum bu_cat c);
enum cx_venue bu_cat_venue(enum bu_cat c);

/**
 * Load the Binance spot and USD-M files and the Gate spot WS capture, keep the messages of the
 * benchmark's categories (prefix stripped) and build the registry (binance.yaml; Gate symbols
 * added with price_exp -8, qty_exp -10).
 * @return 0 or a negative CX_E* code (message printed to stderr).
 */
int bu_corpus_load(struct bu_corpus *c);
void bu_corpus_free(struct bu_corpus *c);

/** Decoder context of a category (snapshot symbol BTCUSDT for Binance). */
void bu_corpus_ctx(struct bu_corpus *c, enum bu_cat cat, struct cx_md_ctx *ctx);

/** A batch with BU_BATCH_CAP events (malloc'd; free ev). */
int bu_batch_alloc(struct cx_md_batch *b);

/** Machine id line for the outputs: "model name, N CPUs". */
void bu_machine(char *buf, size_t cap);

#ifdef __cplusplus
}
#endif
#endif /* CX_BENCH_UTIL_H */
