/* SPDX-License-Identifier: MIT */
/*
 * Benchmark helpers: see bench_util.h.
 */
#define _GNU_SOURCE /* sched_setaffinity, CPU_SET */
#include "bench_util.h"

#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>
#include <zlib.h>

/* ---------------------------------------------------------------------------------------------
 * MARK: files and time
 * ------------------------------------------------------------------------------------------- */

int bu_read_raw(const char *path, unsigned char **out, size_t *out_len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return CX_ENOENT;
    size_t cap = 1 << 20, len = 0;
    unsigned char *buf = malloc(cap);
    if (buf == NULL) {
        fclose(f);
        return CX_ENOMEM;
    }
    for (;;) {
        if (len == cap) {
            unsigned char *nb = realloc(buf, cap * 2);
            if (nb == NULL) {
                free(buf);
                fclose(f);
                return CX_ENOMEM;
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return CX_EIO;
    }
    *out = buf;
    *out_len = len;
    return 0;
}

int64_t bu_gunzip_mem(const unsigned char *src, size_t n, char *dst, size_t cap)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, 15 + 16) != Z_OK)
        return CX_ENOMEM;
    size_t in_off = 0, out_off = 0;
    int rc = Z_OK;
    while (in_off < n) {
        z.next_in = (unsigned char *)(uintptr_t)(src + in_off);
        z.avail_in = (uInt)((n - in_off) > (1u << 30) ? (1u << 30) : (n - in_off));
        size_t before_in = z.avail_in;
        z.next_out = (unsigned char *)(dst + out_off);
        z.avail_out = (uInt)((cap - out_off) > (1u << 30) ? (1u << 30) : (cap - out_off));
        size_t before_out = z.avail_out;
        rc = inflate(&z, Z_NO_FLUSH);
        in_off += before_in - z.avail_in;
        out_off += before_out - z.avail_out;
        if (rc == Z_STREAM_END) {
            if (in_off < n) { /* another gzip member follows */
                if (inflateReset(&z) != Z_OK)
                    break;
                continue;
            }
            break;
        }
        if (rc != Z_OK) {
            inflateEnd(&z);
            return rc == Z_BUF_ERROR && out_off == cap ? CX_ENOSPC : CX_EGZIP;
        }
        if (out_off == cap) {
            inflateEnd(&z);
            return CX_ENOSPC;
        }
    }
    inflateEnd(&z);
    return rc == Z_STREAM_END ? (int64_t)out_off : CX_EGZIP;
}

int bu_load_file(const char *path, size_t pad, char **out, size_t *out_len)
{
    unsigned char *raw;
    size_t n;
    int rc = bu_read_raw(path, &raw, &n);
    if (rc != 0)
        return rc;
    if (n >= 2 && raw[0] == 0x1f && raw[1] == 0x8b) {
        size_t cap = n * 8 + 4096;
        for (;;) {
            char *dst = malloc(cap + pad);
            if (dst == NULL) {
                free(raw);
                return CX_ENOMEM;
            }
            int64_t got = bu_gunzip_mem(raw, n, dst, cap);
            if (got == CX_ENOSPC) {
                free(dst);
                cap *= 2;
                continue;
            }
            free(raw);
            if (got < 0) {
                free(dst);
                return (int)got;
            }
            memset(dst + got, 0, pad);
            *out = dst;
            *out_len = (size_t)got;
            return 0;
        }
    }
    char *dst = malloc(n + pad);
    if (dst == NULL) {
        free(raw);
        return CX_ENOMEM;
    }
    memcpy(dst, raw, n);
    memset(dst + n, 0, pad);
    free(raw);
    *out = dst;
    *out_len = n;
    return 0;
}

int64_t bu_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

double bu_tsc_ns_per_tick(void)
{
    static double cached;
    if (cached > 0)
        return cached;
    /* Spin for ~200 ms between two (tsc, mono) pairs; each pair is read back to back, and the
     * tighter of a few tries is kept so a preemption between the two reads does not skew it. */
    int64_t t0 = 0;
    uint64_t c0 = 0;
    int64_t best = INT64_MAX;
    for (int i = 0; i < 5; i++) {
        int64_t a = bu_now_ns();
        uint64_t c = __rdtsc();
        int64_t b = bu_now_ns();
        if (b - a < best) {
            best = b - a;
            t0 = a + (b - a) / 2;
            c0 = c;
        }
    }
    while (bu_now_ns() - t0 < 200000000)
        ;
    int64_t t1 = 0;
    uint64_t c1 = 0;
    best = INT64_MAX;
    for (int i = 0; i < 5; i++) {
        int64_t a = bu_now_ns();
        uint64_t c = __rdtsc();
        int64_t b = bu_now_ns();
        if (b - a < best) {
            best = b - a;
            t1 = a + (b - a) / 2;
            c1 = c;
        }
    }
    cached = (double)(t1 - t0) / (double)(c1 - c0);
    return cached;
}

int bu_pin_last_cpu(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n <= 0)
        return -1;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET((int)(n - 1), &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0)
        return -1;
    return (int)(n - 1);
}

static volatile uint64_t g_sink;

void bu_sink_u64(uint64_t v)
{
    g_sink += v;
}

void bu_machine(char *buf, size_t cap)
{
    char model[256] = "unknown CPU";
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f != NULL) {
        char line[512];
        while (fgets(line, sizeof line, f) != NULL) {
            if (strncmp(line, "model name", 10) == 0) {
                const char *p = strchr(line, ':');
                if (p != NULL) {
                    p++;
                    while (*p == ' ' || *p == '\t')
                        p++;
                    size_t l = strcspn(p, "\n");
                    if (l >= sizeof model)
                        l = sizeof model - 1;
                    memcpy(model, p, l);
                    model[l] = '\0';
                }
                break;
            }
        }
        fclose(f);
    }
    snprintf(buf, cap, "%s, %ld CPUs", model, sysconf(_SC_NPROCESSORS_ONLN));
}

/* ---------------------------------------------------------------------------------------------
 * MARK: histogram
 * ------------------------------------------------------------------------------------------- */

void bu_hist_reset(struct bu_hist *h)
{
    memset(h, 0, sizeof *h);
    h->min = UINT64_MAX;
}

uint64_t bu_hist_bucket_high(unsigned idx)
{
    if (idx < 2 * BU_HIST_SUB)
        return idx;
    unsigned e = idx / BU_HIST_SUB + BU_HIST_SUB_BITS - 1u; /* power of two of the bucket */
    uint64_t sub = idx % BU_HIST_SUB + BU_HIST_SUB;
    unsigned shift = e - BU_HIST_SUB_BITS;
    return ((sub + 1) << shift) - 1;
}

uint64_t bu_hist_pct(const struct bu_hist *h, double p)
{
    if (h->n == 0)
        return 0;
    double want = p / 100.0 * (double)h->n;
    uint64_t rank = (uint64_t)want;
    if ((double)rank < want)
        rank++;
    if (rank == 0)
        rank = 1;
    if (rank > h->n)
        rank = h->n;
    uint64_t cum = 0;
    for (unsigned i = 0; i < BU_HIST_BUCKETS; i++) {
        cum += h->count[i];
        if (cum >= rank) {
            uint64_t v = bu_hist_bucket_high(i);
            return v > h->max ? h->max : v;
        }
    }
    return h->max;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: checksums
 * ------------------------------------------------------------------------------------------- */

void bu_sum_init(struct bu_sum *s)
{
    memset(s, 0, sizeof *s);
    s->full = 0x6a09e667f3bcc908ull;
    s->ids = 0xbb67ae8584caa73bull;
}

static double as_double(int64_t bits)
{
    double d;
    memcpy(&d, &bits, sizeof d);
    return d;
}

void bu_sum_batch(struct bu_sum *s, const struct cx_md_batch *b, const struct cx_registry *reg,
                  bool dbl)
{
    uint64_t first = 0, last = 0, prev = 0, levels = 0;
    int64_t psum = 0, qsum = 0;
    double pd = 0, qd = 0;
    const struct cx_instrument *inst = cx_registry_get(reg, b->inst_id);
    int pexp = inst ? inst->price_exp : 0, qexp = inst ? inst->qty_exp : 0;
    for (uint32_t i = 0; i < b->n; i++) {
        const struct cx_md_event *e = &b->ev[i];
        int64_t p[2] = {0, 0}, q[2] = {0, 0};
        unsigned k = 0;
        switch (e->type) {
        case CX_MD_DEPTH_DELTA:
        case CX_MD_DEPTH_SNAPSHOT:
            if (i == 0) {
                first = e->u.level.seq_first;
                last = e->seq;
                prev = (e->flags & CX_MD_F_HAS_PREV) ? e->u.level.seq_prev : 0;
            }
            if (!(e->flags & CX_MD_F_NOLEVEL)) {
                p[0] = e->u.level.price_m;
                q[0] = e->u.level.qty_m;
                k = 1;
            }
            break;
        case CX_MD_BBO:
            if (i == 0)
                last = e->seq;
            p[0] = e->u.bbo.bid_price_m;
            q[0] = e->u.bbo.bid_qty_m;
            p[1] = e->u.bbo.ask_price_m;
            q[1] = e->u.bbo.ask_qty_m;
            k = 2;
            break;
        case CX_MD_TRADE:
            if (i == 0)
                last = e->seq;
            p[0] = e->u.trade.price_m;
            q[0] = e->u.trade.qty_m;
            k = 1;
            break;
        default:
            break;
        }
        for (unsigned j = 0; j < k; j++) {
            if (dbl) {
                pd += as_double(p[j]);
                qd += as_double(q[j]);
            } else {
                psum += p[j];
                qsum += q[j];
                pd += cx_dec_to_double(p[j], pexp);
                qd += cx_dec_to_double(q[j], qexp);
            }
        }
        levels += k;
    }
    uint64_t hdr[5] = {b->kind, b->inst_id, first, last, prev};
    for (unsigned i = 0; i < 5; i++) {
        s->ids = bu_mix(s->ids, hdr[i]);
        s->full = bu_mix(s->full, hdr[i]);
    }
    s->ids = bu_mix(s->ids, levels);
    s->full = bu_mix(s->full, (uint64_t)psum);
    s->full = bu_mix(s->full, (uint64_t)qsum);
    s->full = bu_mix(s->full, levels);
    s->messages++;
    s->levels += levels;
    s->price_sum += pd;
    s->qty_sum += qd;
}

uint64_t bu_top_hash(uint64_t h, const int64_t *bid_p, const int64_t *bid_q, uint32_t nb,
                     const int64_t *ask_p, const int64_t *ask_q, uint32_t na)
{
    h = bu_mix(h, nb);
    for (uint32_t i = 0; i < nb; i++)
        h = bu_mix(bu_mix(h, (uint64_t)bid_p[i]), (uint64_t)bid_q[i]);
    h = bu_mix(h, na);
    for (uint32_t i = 0; i < na; i++)
        h = bu_mix(bu_mix(h, (uint64_t)ask_p[i]), (uint64_t)ask_q[i]);
    return h;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: decode corpus
 * ------------------------------------------------------------------------------------------- */

static const char *const k_cat_names[BU_CAT_COUNT] = {
    [BU_CAT_SPOT_DEPTH] = "depth spot",       [BU_CAT_USDM_DEPTH] = "depth usdm",
    [BU_CAT_SPOT_BBO] = "bookTicker spot",    [BU_CAT_USDM_BBO] = "bookTicker usdm",
    [BU_CAT_SPOT_TRADE] = "trade spot",       [BU_CAT_USDM_TRADE] = "trade usdm",
    [BU_CAT_SPOT_SNAPSHOT] = "snapshot spot", [BU_CAT_USDM_SNAPSHOT] = "snapshot usdm",
    [BU_CAT_GATE_DEPTH] = "gate obu spot",
};

const char *bu_cat_name(enum bu_cat c)
{
    return (unsigned)c < BU_CAT_COUNT ? k_cat_names[c] : "?";
}

enum cx_venue bu_cat_venue(enum bu_cat c)
{
    switch (c) {
    case BU_CAT_SPOT_DEPTH:
    case BU_CAT_SPOT_BBO:
    case BU_CAT_SPOT_TRADE:
    case BU_CAT_SPOT_SNAPSHOT:
        return CX_VENUE_BINANCE_SPOT;
    case BU_CAT_GATE_DEPTH:
        return CX_VENUE_GATE_SPOT;
    default:
        return CX_VENUE_BINANCE_USDM;
    }
}

static bool has(const char *p, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    if (k > n)
        return false;
    for (size_t i = 0; i + k <= n; i++)
        if (p[i] == needle[0] && memcmp(p + i, needle, k) == 0)
            return true;
    return false;
}

/* Category of a Binance message by its first bytes (independent of the decoders). */
static int binance_cat(const char *j, size_t n, bool usdm)
{
    static const char stream[] = "{\"stream\":\"";
    if (n > 16 && memcmp(j, "{\"lastUpdateId\":", 16) == 0)
        return usdm ? BU_CAT_USDM_SNAPSHOT : BU_CAT_SPOT_SNAPSHOT;
    if (n < sizeof stream || memcmp(j, stream, sizeof stream - 1) != 0)
        return -1;
    const char *s = j + sizeof stream - 1;
    const char *q = memchr(s, '"', n - (size_t)(s - j));
    if (q == NULL)
        return -1;
    size_t sl = (size_t)(q - s);
    if (has(s, sl, "@depth"))
        return usdm ? BU_CAT_USDM_DEPTH : BU_CAT_SPOT_DEPTH;
    if (has(s, sl, "@bookTicker"))
        return usdm ? BU_CAT_USDM_BBO : BU_CAT_SPOT_BBO;
    if (has(s, sl, "@trade"))
        return usdm ? BU_CAT_USDM_TRADE : BU_CAT_SPOT_TRADE;
    return -1;
}

struct pending {
    int cat;
    const char *json;
    size_t len;
    int64_t ts;
};

struct pend_vec {
    struct pending *v;
    size_t n, cap;
};

static int pend_push(struct pend_vec *pv, struct pending p)
{
    if (pv->n == pv->cap) {
        size_t nc = pv->cap ? pv->cap * 2 : 4096;
        struct pending *nv = realloc(pv->v, nc * sizeof *nv);
        if (nv == NULL)
            return CX_ENOMEM;
        pv->v = nv;
        pv->cap = nc;
    }
    pv->v[pv->n++] = p;
    return 0;
}

static int64_t parse_i64(const char *p, const char *end, const char **stop)
{
    int64_t v = 0;
    while (p < end && *p >= '0' && *p <= '9')
        v = v * 10 + (*p++ - '0');
    *stop = p;
    return v;
}

/* Binance `<local_ns> <json>` lines. */
static int scan_binance(const char *buf, size_t len, bool usdm, struct pend_vec *pv)
{
    const char *p = buf, *end = buf + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        const char *s;
        int64_t ts = parse_i64(p, le, &s);
        if (s < le && *s == ' ') {
            s++;
            int cat = binance_cat(s, (size_t)(le - s), usdm);
            if (cat >= 0) {
                int rc = pend_push(pv, (struct pending){cat, s, (size_t)(le - s), ts});
                if (rc != 0)
                    return rc;
            }
        }
        p = nl ? nl + 1 : end;
    }
    return 0;
}

/* cryptofeed `<sec.frac>: <json>` lines; only spot.order_book_update "update" messages. */
static int scan_gate(const char *buf, size_t len, struct pend_vec *pv)
{
    const char *p = buf, *end = buf + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        const char *s;
        int64_t sec = parse_i64(p, le, &s);
        int64_t ns = 0;
        if (s < le && *s == '.') {
            const char *f = s + 1;
            int digits = 0;
            while (f < le && *f >= '0' && *f <= '9') {
                if (digits < 9) {
                    ns = ns * 10 + (*f - '0');
                    digits++;
                }
                f++;
            }
            while (digits++ < 9)
                ns *= 10;
            s = f;
        }
        if (s + 2 <= le && s[0] == ':' && s[1] == ' ') {
            const char *j = s + 2;
            size_t jl = (size_t)(le - j);
            if (has(j, jl > 120 ? 120 : jl, "\"channel\":\"spot.order_book_update\"") &&
                has(j, jl > 160 ? 160 : jl, "\"event\":\"update\"")) {
                int rc = pend_push(pv, (struct pending){BU_CAT_GATE_DEPTH, j, jl,
                                                        sec * 1000000000 + ns});
                if (rc != 0)
                    return rc;
            }
        }
        p = nl ? nl + 1 : end;
    }
    return 0;
}

/* The "s":"SYM" of a Gate update, for registering its instrument. */
static bool gate_symbol(const char *j, size_t n, const char **sym, size_t *sl)
{
    for (size_t i = 0; i + 5 < n; i++) {
        if (memcmp(j + i, "\"s\":\"", 5) == 0) {
            const char *s = j + i + 5;
            const char *q = memchr(s, '"', n - i - 5);
            if (q == NULL)
                return false;
            *sym = s;
            *sl = (size_t)(q - s);
            return true;
        }
    }
    return false;
}

int bu_corpus_load(struct bu_corpus *c)
{
    memset(c, 0, sizeof *c);
    char *files[3] = {0};
    size_t lens[3] = {0};
    const char *paths[3] = {BU_SPOT_PATH, BU_USDM_PATH, BU_GATE_PATH};
    struct pend_vec pv = {0};
    int rc = 0;
    for (int i = 0; i < 3 && rc == 0; i++) {
        rc = bu_load_file(paths[i], 1, &files[i], &lens[i]);
        if (rc != 0)
            fprintf(stderr, "bench: cannot load %s: %s\n", paths[i], cx_strerror(rc));
    }
    if (rc == 0)
        rc = scan_binance(files[0], lens[0], false, &pv);
    if (rc == 0)
        rc = scan_binance(files[1], lens[1], true, &pv);
    if (rc == 0)
        rc = scan_gate(files[2], lens[2], &pv);

    if (rc == 0) {
        rc = cx_registry_init(&c->reg, 64);
        struct cx_parse_err err = {0};
        if (rc == 0) {
            rc = cx_registry_load_yaml(&c->reg, BU_BINANCE_YAML, &err);
            if (rc != 0) {
                char msg[256];
                cx_parse_err_format(&err, msg, sizeof msg);
                fprintf(stderr, "bench: registry: %s\n", msg);
            }
        }
    }
    /* Arena: messages grouped by category (each category contiguous, in file order). */
    size_t total = 0;
    for (size_t i = 0; rc == 0 && i < pv.n; i++) {
        c->n[pv.v[i].cat]++;
        total += pv.v[i].len + BU_PAD;
    }
    if (rc == 0) {
        c->arena = calloc(1, total + 64);
        for (int k = 0; k < BU_CAT_COUNT && c->arena != NULL; k++) {
            c->msg[k] = calloc(c->n[k] ? c->n[k] : 1, sizeof *c->msg[k]);
            if (c->msg[k] == NULL)
                rc = CX_ENOMEM;
        }
        if (c->arena == NULL)
            rc = CX_ENOMEM;
    }
    if (rc == 0) {
        size_t off = 0;
        uint32_t fill[BU_CAT_COUNT] = {0};
        for (int k = 0; k < BU_CAT_COUNT; k++) {
            for (size_t i = 0; i < pv.n; i++) {
                if (pv.v[i].cat != k)
                    continue;
                memcpy(c->arena + off, pv.v[i].json, pv.v[i].len);
                c->msg[k][fill[k]++] =
                    (struct bu_msg){off, (uint32_t)pv.v[i].len, pv.v[i].ts};
                c->bytes[k] += pv.v[i].len;
                off += pv.v[i].len + BU_PAD;
            }
        }
        c->arena_len = off;
        /* Gate symbols: registered in order of first appearance. */
        for (uint32_t i = 0; rc == 0 && i < c->n[BU_CAT_GATE_DEPTH]; i++) {
            const struct bu_msg *m = &c->msg[BU_CAT_GATE_DEPTH][i];
            const char *sym;
            size_t sl;
            if (!gate_symbol(c->arena + m->off, m->len, &sym, &sl) || sl >= 32)
                continue;
            if (cx_registry_find(&c->reg, CX_VENUE_GATE_SPOT, sym, sl) != NULL)
                continue;
            struct cx_instrument in;
            memset(&in, 0, sizeof in);
            in.venue = CX_VENUE_GATE_SPOT;
            in.kind = CX_KIND_SPOT;
            in.price_exp = -8;
            in.qty_exp = -10;
            memcpy(in.symbol, sym, sl);
            in.multiplier = 1;
            rc = cx_registry_add(&c->reg, &in, NULL);
        }
        /* Small categories are repeated so that one timed run covers >= 4 MB of JSON. */
        for (int k = 0; k < BU_CAT_COUNT; k++) {
            uint64_t want = 4u << 20;
            c->reps[k] = c->bytes[k] == 0 ? 1 : (uint32_t)((want + c->bytes[k] - 1) / c->bytes[k]);
        }
    }
    for (int i = 0; i < 3; i++)
        free(files[i]);
    free(pv.v);
    if (rc != 0)
        bu_corpus_free(c);
    return rc;
}

void bu_corpus_free(struct bu_corpus *c)
{
    free(c->arena);
    for (int k = 0; k < BU_CAT_COUNT; k++)
        free(c->msg[k]);
    cx_registry_fini(&c->reg);
    memset(c, 0, sizeof *c);
}

void bu_corpus_ctx(struct bu_corpus *c, enum bu_cat cat, struct cx_md_ctx *ctx)
{
    memset(ctx, 0, sizeof *ctx);
    ctx->reg = &c->reg;
    if (bu_cat_venue(cat) != CX_VENUE_GATE_SPOT) {
        ctx->snapshot_symbol = "BTCUSDT";
        ctx->snapshot_symbol_len = 7;
    }
}

int bu_batch_alloc(struct cx_md_batch *b)
{
    memset(b, 0, sizeof *b);
    b->ev = aligned_alloc(64, (size_t)BU_BATCH_CAP * sizeof *b->ev);
    if (b->ev == NULL)
        return CX_ENOMEM;
    b->cap = BU_BATCH_CAP;
    return 0;
}
