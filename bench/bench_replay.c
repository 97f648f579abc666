/* SPDX-License-Identifier: MIT */
/*
 * bench_replay: whole-replay throughput (decode + book + BBO cross-check) on the bundled
 * Binance BTCUSDT spot and USD-M recordings, decompression throughput, and the memory of a
 * streaming replay.
 *
 *  1. Memory (first, while this process is still small): cx_replay_run in forked children on
 *     [spot], [usdm] and [spot, usdm] stopped at 25/50/75/100 % of the recorded window
 *     (cx_replay_opts.book_at_ns). Each child reports getrusage(RUSAGE_SELF).ru_maxrss and its
 *     resident size before the replay. Memory is flat in the data length when the peak does not
 *     grow with the share of the window replayed.
 *  2. In-memory replay: each file's decompressed bytes are loaded first (not timed); then one
 *     timed loop splits lines, parses the `<local_ns>` prefix, decodes with
 *     cx_md_decode_binance, applies depth/snapshot messages to one cx_book per instrument and
 *     cross-checks every bookTicker against the book state with the same update id (as
 *     cexarb replay does). Spot, USD-M, and both merged by local time (ties to spot, as
 *     cx_md_merge does). Min of 5 runs, fresh books each run.
 *  3. zlib inflate of each .gz from memory into memory.
 * Checks: line counts (spot 41249, usdm 93954), no decode errors, no gaps, no BBO mismatch, some
 * BBO pairs matched, books SYNCED, and the in-memory replay's final top 5 levels equal the
 * streaming cx_replay_run's.
 *
 * Usage: bench_replay [--tsv FILE] [--only-mem]   (exit 1 when a check fails; --only-mem runs
 * only part 2, for the extra interleaved rounds of bench/run.sh)
 */
#define _GNU_SOURCE /* wait4 */
#include "bench_util.h"

#include "cexarb/book.h"
#include "cexarb/replay.h"

#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#define RUNS 5
#define TOP 5

/* ---------------------------------------------------------------------------------------------
 * MARK: streaming replay in a child (memory)
 * ------------------------------------------------------------------------------------------- */

struct child_report {
    int rc;
    long base_rss_kb;     /* resident size before the replay */
    long maxrss_kb;       /* ru_maxrss after it */
    int64_t elapsed_ns;
    uint64_t messages;
    uint64_t lines[4];
    uint64_t bytes;       /* decompressed bytes read by the readers */
    uint64_t gaps, bbo_matched, bbo_mismatched, errors;
    int64_t first_ts, last_ts;
    uint64_t top_hash;
    uint32_t n_books;
    bool stopped;
    bool all_synced;
};

static long rss_now_kb(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long pages = 0, res = 0;
    if (f == NULL)
        return -1;
    if (fscanf(f, "%ld %ld", &pages, &res) != 2)
        res = -1;
    fclose(f);
    return res < 0 ? -1 : res * (sysconf(_SC_PAGESIZE) / 1024);
}

static uint64_t replay_top_hash(const struct cx_replay_result *res)
{
    uint64_t h = 0x243f6a8885a308d3ull;
    /* books in instrument-id order */
    for (uint32_t id = 0, done = 0; done < res->n_books && id < 1024; id++) {
        for (uint32_t i = 0; i < res->n_books; i++) {
            const struct cx_replay_book *b = &res->books[i];
            if (b->inst_id != id)
                continue;
            h = bu_top_hash(h, b->bid_price_m, b->bid_qty_m, b->n_bid, b->ask_price_m,
                            b->ask_qty_m, b->n_ask);
            done++;
        }
    }
    return h;
}

static void child_main(int fd, const char *const *paths, uint32_t n, int64_t book_at_ns)
{
    struct child_report rep;
    memset(&rep, 0, sizeof rep);
    rep.base_rss_kb = rss_now_kb();
    struct cx_registry reg;
    struct cx_parse_err err = {0};
    rep.rc = cx_registry_init(&reg, 16);
    if (rep.rc == 0)
        rep.rc = cx_registry_load_yaml(&reg, BU_BINANCE_YAML, &err);
    struct cx_replay_result *res = NULL;
    struct cx_replay_opts opts = {.book_at_ns = book_at_ns};
    int64_t t0 = bu_now_ns();
    if (rep.rc == 0)
        rep.rc = cx_replay_run(paths, n, &reg, &opts, NULL, NULL, &res, &err);
    rep.elapsed_ns = bu_now_ns() - t0;
    if (rep.rc == 0) {
        rep.messages = res->messages;
        for (uint32_t i = 0; i < n && i < 4; i++) {
            rep.lines[i] = res->files[i].stats.lines;
            rep.bytes += res->files[i].stats.bytes;
        }
        rep.gaps = res->gaps;
        rep.bbo_matched = res->bbo_matched;
        rep.bbo_mismatched = res->bbo_mismatched;
        rep.errors = res->errors;
        rep.first_ts = res->first_local_ts_ns;
        rep.last_ts = res->last_local_ts_ns;
        rep.top_hash = replay_top_hash(res);
        rep.n_books = res->n_books;
        rep.stopped = res->stopped_at_book_at;
        rep.all_synced = true;
        for (uint32_t i = 0; i < res->n_books; i++)
            rep.all_synced &= res->books[i].state == CX_BOOK_SYNCED;
    } else {
        char msg[256];
        cx_parse_err_format(&err, msg, sizeof msg);
        fprintf(stderr, "bench_replay child: %s\n", msg);
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    rep.maxrss_kb = ru.ru_maxrss;
    ssize_t w = write(fd, &rep, sizeof rep);
    _exit(w == (ssize_t)sizeof rep ? 0 : 3);
}

static int run_child(const char *const *paths, uint32_t n, int64_t book_at_ns,
                     struct child_report *out)
{
    int fds[2];
    if (pipe(fds) != 0)
        return CX_EIO;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return CX_EIO;
    if (pid == 0) {
        close(fds[0]);
        child_main(fds[1], paths, n, book_at_ns);
    }
    close(fds[1]);
    size_t got = 0;
    while (got < sizeof *out) {
        ssize_t r = read(fds[0], (char *)out + got, sizeof *out - got);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fds[0]);
    int status = 0;
    struct rusage ru;
    wait4(pid, &status, 0, &ru);
    if (got != sizeof *out || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return CX_EIO;
    return out->rc;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: in-memory replay
 * ------------------------------------------------------------------------------------------- */

#define RING 4096u

struct top_e {
    uint64_t u;
    int64_t bp, bq, ap, aq;
};

/* Ids kept strictly increasing (a smaller id clears the ring) so lookups bisect. */
struct ring {
    struct top_e e[RING];
    uint32_t head, n;
};

static void ring_push(struct ring *r, const struct top_e *t)
{
    if (r->n > 0 && t->u <= r->e[(r->head + r->n - 1) % RING].u)
        r->n = 0, r->head = 0;
    if (r->n == RING) {
        r->head = (r->head + 1) % RING;
        r->n--;
    }
    r->e[(r->head + r->n) % RING] = *t;
    r->n++;
}

static const struct top_e *ring_find(const struct ring *r, uint64_t u)
{
    uint32_t lo = 0, hi = r->n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        const struct top_e *e = &r->e[(r->head + mid) % RING];
        if (e->u == u)
            return e;
        if (e->u < u)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

struct mbook {
    uint32_t inst_id;
    struct cx_book *book;
    struct ring tickers, tops;
    uint64_t matched, mismatched;
};

struct mfile {
    const char *name;
    enum cx_venue venue;
    char *buf;        /* decompressed bytes + BU_PAD zero bytes */
    size_t len;
    uint64_t lines_expected;
};

struct mresult {
    int64_t best_ns;
    uint64_t lines, bytes, messages, errors, events, level_changes, gaps, crossed;
    uint64_t by_kind[CX_MD_KIND_COUNT];
    uint64_t matched, mismatched;
    uint64_t top_hash;
    bool all_synced;
};

static bool bbo_equal(const struct top_e *a, const struct top_e *b)
{
    return a->bp == b->bp && a->bq == b->bq && a->ap == b->ap && a->aq == b->aq;
}

static int64_t parse_ts(const char *p, const char *end, const char **json)
{
    int64_t v = 0;
    const char *s = p;
    while (s < end && (unsigned)(*s - '0') < 10u)
        v = v * 10 + (*s++ - '0');
    if (s == p || s >= end || *s != ' ')
        return -1;
    *json = s + 1;
    return v;
}

struct cursor {
    const char *p, *end;
    const char *json, *eol; /* current line */
    int64_t ts;             /* INT64_MAX at the end */
};

/* Advance to the next line with a valid prefix; bad lines count as errors. */
static void cur_next(struct cursor *c, uint64_t *errors, uint64_t *lines)
{
    while (c->p < c->end) {
        const char *nl = memchr(c->p, '\n', (size_t)(c->end - c->p));
        const char *eol = nl ? nl : c->end;
        const char *line = c->p;
        c->p = nl ? nl + 1 : c->end;
        if (eol == line)
            continue;
        (*lines)++;
        const char *json;
        int64_t ts = parse_ts(line, eol, &json);
        if (ts < 0) {
            (*errors)++;
            continue;
        }
        c->json = json;
        c->eol = eol;
        c->ts = ts;
        return;
    }
    c->ts = INT64_MAX;
}

static void on_top(struct mbook *mb)
{
    if (cx_book_state(mb->book) != CX_BOOK_SYNCED)
        return;
    struct cx_book_top t;
    cx_book_top(mb->book, &t);
    struct top_e e = {cx_book_last_seq(mb->book), t.has_bid ? t.bid_price_m : 0,
                      t.has_bid ? t.bid_qty_m : 0, t.has_ask ? t.ask_price_m : 0,
                      t.has_ask ? t.ask_qty_m : 0};
    const struct top_e *tk = ring_find(&mb->tickers, e.u);
    if (tk != NULL) {
        if (bbo_equal(&e, tk))
            mb->matched++;
        else
            mb->mismatched++;
    }
    ring_push(&mb->tops, &e);
}

static void on_ticker(struct mbook *mb, const struct cx_md_event *ev)
{
    if ((ev->flags & CX_MD_F_NOQTY) || ev->seq == 0)
        return;
    struct top_e t = {ev->seq, ev->u.bbo.bid_price_m, ev->u.bbo.bid_qty_m, ev->u.bbo.ask_price_m,
                      ev->u.bbo.ask_qty_m};
    const struct top_e *bk = ring_find(&mb->tops, t.u);
    if (bk != NULL) {
        if (bbo_equal(bk, &t))
            mb->matched++;
        else
            mb->mismatched++;
        return;
    }
    ring_push(&mb->tickers, &t);
}

/* One timed replay of `nf` files merged by local time. Books are created before timing. */
static int replay_once(const struct mfile *files, uint32_t nf, struct cx_registry *reg,
                       bool decode_only, struct mresult *res, int64_t *ns)
{
    struct mbook books[4];
    uint32_t nb = 0;
    struct cx_md_ctx ctx = {.reg = reg, .snapshot_symbol = "BTCUSDT", .snapshot_symbol_len = 7};
    for (uint32_t i = 0; i < nf; i++) {
        const struct cx_instrument *in = cx_registry_find(reg, files[i].venue, "BTCUSDT", 7);
        if (in == NULL)
            return CX_ESYMBOL;
        struct mbook *mb = &books[nb++];
        memset(mb, 0, sizeof *mb);
        mb->inst_id = in->id;
        struct cx_book_cfg cfg = {.inst_id = in->id, .rule = cx_book_rule_for_venue(files[i].venue)};
        int rc = cx_book_new(&mb->book, &cfg);
        if (rc != 0)
            return rc;
    }
    struct cx_md_batch batch;
    if (bu_batch_alloc(&batch) != 0)
        return CX_ENOMEM;
    memset(res, 0, sizeof *res);

    int64_t t0 = bu_now_ns();
    struct cursor cur[4];
    for (uint32_t i = 0; i < nf; i++) {
        cur[i] = (struct cursor){.p = files[i].buf, .end = files[i].buf + files[i].len};
        cur_next(&cur[i], &res->errors, &res->lines);
    }
    for (;;) {
        uint32_t k = 0;
        for (uint32_t i = 1; i < nf; i++)
            if (cur[i].ts < cur[k].ts)
                k = i;
        struct cursor *c = &cur[k];
        if (c->ts == INT64_MAX)
            break;
        int rc = cx_md_decode_binance(&ctx, c->json, (size_t)(c->eol - c->json), files[k].venue,
                                      c->ts, &batch, NULL);
        cur_next(c, &res->errors, &res->lines);
        if (rc != 0) {
            res->errors++;
            continue;
        }
        res->messages++;
        res->by_kind[batch.kind]++;
        res->events += batch.n;
        struct mbook *mb = NULL;
        for (uint32_t i = 0; i < nb; i++)
            if (books[i].inst_id == batch.inst_id)
                mb = &books[i];
        if (mb == NULL || decode_only)
            continue;
        switch ((enum cx_md_kind)batch.kind) {
        case CX_MD_KIND_DEPTH:
        case CX_MD_KIND_SNAPSHOT:
            cx_book_apply(mb->book, batch.ev, batch.n);
            on_top(mb);
            break;
        case CX_MD_KIND_BBO:
            for (uint32_t i = 0; i < batch.n; i++)
                on_ticker(mb, &batch.ev[i]);
            break;
        default:
            break;
        }
    }
    *ns = bu_now_ns() - t0;

    res->all_synced = true;
    res->top_hash = 0x243f6a8885a308d3ull;
    /* books in instrument-id order (as replay_top_hash) */
    for (uint32_t pass = 0; pass < 2; pass++) {
        for (uint32_t i = 0; i < nb; i++) {
            uint32_t other = nb == 2 ? books[1 - i].inst_id : UINT32_MAX;
            bool first = nb < 2 || books[i].inst_id < other;
            if ((pass == 0) != first)
                continue;
            struct mbook *mb = &books[i];
            const struct cx_book_stats *st = cx_book_stats(mb->book);
            res->level_changes += st->level_changes;
            res->gaps += st->gaps;
            res->crossed += st->crossed;
            res->matched += mb->matched;
            res->mismatched += mb->mismatched;
            res->all_synced &= cx_book_state(mb->book) == CX_BOOK_SYNCED;
            int64_t bp[TOP], bq[TOP], ap[TOP], aq[TOP];
            uint32_t n_b = 0, n_a = 0;
            while (n_b < TOP && cx_book_level(mb->book, CX_SIDE_BID, n_b, &bp[n_b], &bq[n_b]) == 0)
                n_b++;
            while (n_a < TOP && cx_book_level(mb->book, CX_SIDE_ASK, n_a, &ap[n_a], &aq[n_a]) == 0)
                n_a++;
            res->top_hash = bu_top_hash(res->top_hash, bp, bq, n_b, ap, aq, n_a);
        }
    }
    for (uint32_t i = 0; i < nf; i++)
        res->bytes += files[i].len;
    for (uint32_t i = 0; i < nb; i++)
        cx_book_free(books[i].book);
    free(batch.ev);
    return 0;
}

static int replay_mem(const struct mfile *files, uint32_t nf, struct cx_registry *reg,
                      bool decode_only, struct mresult *out)
{
    int64_t best = INT64_MAX;
    for (int r = 0; r <= RUNS; r++) {
        struct mresult res;
        int64_t ns;
        int rc = replay_once(files, nf, reg, decode_only, &res, &ns);
        if (rc != 0)
            return rc;
        if (r > 0 && ns < best)
            best = ns;
        *out = res;
    }
    out->best_ns = best;
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: main
 * ------------------------------------------------------------------------------------------- */

struct rss_case {
    const char *label;
    uint32_t n;
    double frac; /* share of the [spot, usdm] window, 0 = whole files */
    struct child_report rep;
    int rc;
};

/* The streaming-replay memory table. */
static void print_rss(const struct rss_case *cases, size_t n_cases, FILE *tsv)
{
    printf("\nstreaming cx_replay_run (prescan + gzip readers + merge + books), one child process "
           "per row:\n\n");
    printf("| files | share of window | messages | decompressed MB | RSS before KiB | peak RSS "
           "KiB | peak - before KiB | wall ms (incl. prescan) | gaps | bbo mismatched |\n");
    printf("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    long flat_min = -1, flat_max = -1;
    for (size_t i = 0; i < n_cases; i++) {
        const struct rss_case *c = &cases[i];
        if (c->rc != 0) {
            printf("| %s | | | | | | | | | FAILED |\n", c->label);
            continue;
        }
        long delta = c->rep.maxrss_kb - c->rep.base_rss_kb;
        printf("| %s | %s | %llu | %.1f | %ld | %ld | %ld | %.1f | %llu | %llu |\n", c->label,
               c->frac > 0 ? (c->frac == 0.25 ? "25%" : c->frac == 0.5 ? "50%" : "75%")
                           : "100%",
               (unsigned long long)c->rep.messages, (double)c->rep.bytes / 1e6,
               c->rep.base_rss_kb, c->rep.maxrss_kb, delta, c->rep.elapsed_ns / 1e6,
               (unsigned long long)c->rep.gaps, (unsigned long long)c->rep.bbo_mismatched);
        if (c->n == 2) {
            if (flat_min < 0 || c->rep.maxrss_kb < flat_min)
                flat_min = c->rep.maxrss_kb;
            if (c->rep.maxrss_kb > flat_max)
                flat_max = c->rep.maxrss_kb;
        }
        if (tsv != NULL)
            fprintf(tsv, "rss\t%s\t%llu\t%ld\t%ld\n", c->label, (unsigned long long)c->rep.messages,
                    c->rep.base_rss_kb, c->rep.maxrss_kb);
    }
    long spread = flat_max - flat_min;
    bool flat = flat_min > 0 && (spread <= 1024 || (double)spread <= 0.05 * (double)flat_max);
    printf("\nmemory flat in data length ([spot, usdm] at 25..100%% of the window: peak RSS "
           "spread %ld KiB of %ld KiB): %s\n\n", spread, flat_max, flat ? "PASS" : "MISS");

}

int main(int argc, char **argv)
{
    const char *tsv_path = NULL;
    bool only_mem = false; /* --only-mem: just the in-memory replays (extra rounds in run.sh) */
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--tsv") == 0 && i + 1 < argc)
            tsv_path = argv[++i];
        else if (strcmp(argv[i], "--only-mem") == 0)
            only_mem = true;
        else {
            fprintf(stderr, "usage: %s [--tsv FILE] [--only-mem]\n", argv[0]);
            return 2;
        }
    }
    FILE *tsv = NULL;
    if (tsv_path != NULL && (tsv = fopen(tsv_path, "w")) == NULL) {
        perror(tsv_path);
        return 2;
    }
    int failed = 0;
    char why[1024] = "";
#define FAIL(...)                                                                              \
    do {                                                                                       \
        size_t l_ = strlen(why);                                                               \
        snprintf(why + l_, sizeof why - l_, __VA_ARGS__);                                      \
        failed = 1;                                                                            \
    } while (0)

    /* 1. Memory of streaming replays, while this process is small. */
    const char *spot_usdm[2] = {BU_SPOT_PATH, BU_USDM_PATH};
    const char *usdm_only[1] = {BU_USDM_PATH};
    struct rss_case cases[] = {
        {"[spot, usdm] 100%", 2, 0, {0}, 0}, {"[spot]", 1, 0, {0}, 0},
        {"[usdm]", 1, 0, {0}, 0},            {"[spot, usdm] 25%", 2, 0.25, {0}, 0},
        {"[spot, usdm] 50%", 2, 0.50, {0}, 0}, {"[spot, usdm] 75%", 2, 0.75, {0}, 0},
    };
    const size_t n_cases = only_mem ? 0 : sizeof cases / sizeof cases[0];
    int64_t first_ts = 0, last_ts = 0;
    for (size_t i = 0; i < n_cases; i++) {
        struct rss_case *c = &cases[i];
        const char *const *paths = i == 2 ? usdm_only : spot_usdm;
        int64_t at = 0;
        if (c->frac > 0)
            at = first_ts + (int64_t)(c->frac * (double)(last_ts - first_ts));
        c->rc = run_child(paths, c->n, at, &c->rep);
        if (c->rc != 0) {
            FAIL("%s: cx_replay_run failed (%s); ", c->label, cx_err_name(c->rc));
            continue;
        }
        if (i == 0) {
            first_ts = c->rep.first_ts;
            last_ts = c->rep.last_ts;
        }
        if (c->rep.gaps != 0 || c->rep.bbo_mismatched != 0 || c->rep.errors != 0 ||
            c->rep.bbo_matched == 0)
            FAIL("%s: gaps %llu, bbo mismatched %llu, matched %llu, errors %llu; ", c->label,
                 (unsigned long long)c->rep.gaps, (unsigned long long)c->rep.bbo_mismatched,
                 (unsigned long long)c->rep.bbo_matched, (unsigned long long)c->rep.errors);
        if (c->frac == 0 && !c->rep.all_synced)
            FAIL("%s: a book did not end SYNCED; ", c->label);
    }
    if (!only_mem && cases[0].rc == 0 && (cases[0].rep.lines[0] != BU_SPOT_LINES ||
                             cases[0].rep.lines[1] != BU_USDM_LINES))
        FAIL("streaming line counts %llu/%llu, want %u/%u; ",
             (unsigned long long)cases[0].rep.lines[0], (unsigned long long)cases[0].rep.lines[1],
             BU_SPOT_LINES, BU_USDM_LINES);

    /* 2. In-memory replay. */
    int cpu = bu_pin_last_cpu();
    struct cx_registry reg;
    struct cx_parse_err err = {0};
    int rc = cx_registry_init(&reg, 16);
    if (rc == 0)
        rc = cx_registry_load_yaml(&reg, BU_BINANCE_YAML, &err);
    struct cx_md_reader_opts popts = {.strict = true};
    if (rc == 0)
        rc = cx_md_prescan(spot_usdm, 2, &popts, &reg, NULL, &err);
    if (rc != 0) {
        char msg[256];
        cx_parse_err_format(&err, msg, sizeof msg);
        fprintf(stderr, "bench_replay: registry: %s\n", msg);
        return 1;
    }
    struct mfile files[2] = {{"spot", CX_VENUE_BINANCE_SPOT, NULL, 0, BU_SPOT_LINES},
                             {"usdm", CX_VENUE_BINANCE_USDM, NULL, 0, BU_USDM_LINES}};
    for (int i = 0; i < 2; i++) {
        rc = bu_load_file(spot_usdm[i], BU_PAD, &files[i].buf, &files[i].len);
        if (rc != 0) {
            fprintf(stderr, "bench_replay: %s: %s\n", spot_usdm[i], cx_strerror(rc));
            return 1;
        }
    }
    struct mresult M[3], D[3];
    const char *set_names[3] = {"spot", "usdm", "spot+usdm merged"};
    for (int s = 0; s < 3; s++) {
        rc = s < 2 ? replay_mem(&files[s], 1, &reg, false, &M[s])
                   : replay_mem(files, 2, &reg, false, &M[s]);
        if (rc == 0) /* the same loop without the book: what decoding alone costs */
            rc = s < 2 ? replay_mem(&files[s], 1, &reg, true, &D[s])
                       : replay_mem(files, 2, &reg, true, &D[s]);
        if (rc != 0) {
            fprintf(stderr, "bench_replay: %s: %s\n", set_names[s], cx_strerror(rc));
            return 1;
        }
        uint64_t want = s == 0 ? BU_SPOT_LINES : s == 1 ? BU_USDM_LINES
                                                        : BU_SPOT_LINES + BU_USDM_LINES;
        if (M[s].lines != want || M[s].errors != 0 || M[s].gaps != 0 || M[s].mismatched != 0 ||
            M[s].matched == 0 || !M[s].all_synced)
            FAIL("in-memory %s: lines %llu (want %llu), errors %llu, gaps %llu, bbo mismatched "
                 "%llu, matched %llu, synced %d; ", set_names[s], (unsigned long long)M[s].lines,
                 (unsigned long long)want, (unsigned long long)M[s].errors,
                 (unsigned long long)M[s].gaps, (unsigned long long)M[s].mismatched,
                 (unsigned long long)M[s].matched, M[s].all_synced);
    }
    double gz_gbps[2] = {0, 0}, gz_in_mbps[2] = {0, 0};
    size_t gz_len[2] = {0, 0};
    /* Skipped with --only-mem. The in-memory replays' final books must equal the streaming
     * cx_replay_run's. */
    if (!only_mem) {
        if (cases[0].rc == 0 && cases[0].rep.top_hash != M[2].top_hash)
            FAIL("merged in-memory top-5 hash %016llx != cx_replay_run %016llx; ",
                 (unsigned long long)M[2].top_hash, (unsigned long long)cases[0].rep.top_hash);
        if (cases[1].rc == 0 && cases[1].rep.top_hash != M[0].top_hash)
            FAIL("spot in-memory top-5 hash != cx_replay_run; ");
        if (cases[2].rc == 0 && cases[2].rep.top_hash != M[1].top_hash)
            FAIL("usdm in-memory top-5 hash != cx_replay_run; ");

        /* 3. Decompression. */
        for (int i = 0; i < 2; i++) {
            unsigned char *raw;
            rc = bu_read_raw(spot_usdm[i], &raw, &gz_len[i]);
            if (rc != 0)
                return 1;
            char *dst = malloc(files[i].len + 4096);
            if (dst == NULL)
                return 1;
            memset(dst, 0, files[i].len + 4096);
            int64_t best = INT64_MAX;
            for (int r = 0; r <= RUNS; r++) {
                int64_t t0 = bu_now_ns();
                int64_t got = bu_gunzip_mem(raw, gz_len[i], dst, files[i].len + 4096);
                int64_t dt = bu_now_ns() - t0;
                if (got != (int64_t)files[i].len ||
                    memcmp(dst, files[i].buf, files[i].len) != 0) {
                    FAIL("inflate %s: wrong output; ", files[i].name);
                    break;
                }
                if (r > 0 && dt < best)
                    best = dt;
            }
            gz_gbps[i] = (double)files[i].len / (double)best;
            gz_in_mbps[i] = (double)gz_len[i] / (double)best * 1e3;
            free(raw);
            free(dst);
        }
    }

    printf("## bench_replay: decode + book + BBO check, in memory (pinned to CPU %d)\n\n", cpu);
    printf("| input | lines | MB | ms | msgs/s | MB/s | ns/msg | depth/bbo/trade/snap | level "
           "changes | gaps | bbo matched | bbo mismatched | target >= 2M msgs/s |\n");
    printf("|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---|\n");
    for (int s = 0; s < 3; s++) {
        double sec = (double)M[s].best_ns / 1e9;
        double mps = (double)M[s].lines / sec;
        printf("| %s | %llu | %.1f | %.2f | %.2f M | %.0f | %.0f | %llu/%llu/%llu/%llu | %llu | "
               "%llu | %llu | %llu | %s |\n",
               set_names[s], (unsigned long long)M[s].lines, (double)M[s].bytes / 1e6,
               M[s].best_ns / 1e6, mps / 1e6, (double)M[s].bytes / 1e6 / sec,
               (double)M[s].best_ns / (double)M[s].lines,
               (unsigned long long)M[s].by_kind[CX_MD_KIND_DEPTH],
               (unsigned long long)M[s].by_kind[CX_MD_KIND_BBO],
               (unsigned long long)M[s].by_kind[CX_MD_KIND_TRADE],
               (unsigned long long)M[s].by_kind[CX_MD_KIND_SNAPSHOT],
               (unsigned long long)M[s].level_changes, (unsigned long long)M[s].gaps,
               (unsigned long long)M[s].matched, (unsigned long long)M[s].mismatched,
               mps >= 2e6 ? "PASS" : "MISS");
        if (tsv != NULL)
            fprintf(tsv, "replay\tours\t%s\t%llu\t%llu\t%lld\t%.1f\t%.3f\t%016llx\n",
                    set_names[s], (unsigned long long)M[s].lines,
                    (unsigned long long)M[s].bytes, (long long)M[s].best_ns, mps,
                    (double)M[s].bytes / 1e6 / sec, (unsigned long long)M[s].top_hash);
    }
    printf("\nmin of %d runs; the timed loop splits lines, parses `<local_ns>`, decodes, applies "
           "depth to the book and pairs book tickers with book states by update id.\n\n", RUNS);
    printf("where the time goes (same loop without the book and BBO check = line split + prefix + "
           "decode):\n\n| input | whole ns/msg | decode-only ns/msg | book + BBO check ns/msg | "
           "decode share |\n|---|---:|---:|---:|---:|\n");
    for (int s = 0; s < 3; s++) {
        double whole = (double)M[s].best_ns / (double)M[s].lines;
        double dec = (double)D[s].best_ns / (double)D[s].lines;
        printf("| %s | %.0f | %.0f | %.0f | %.0f%% |\n", set_names[s], whole, dec, whole - dec,
               100.0 * dec / whole);
    }
    printf("\n");

    if (!only_mem) {
        printf("zlib inflate (from memory to memory, min of %d):\n\n", RUNS);
        printf("| file | .gz MB | out MB | out GB/s | in MB/s |\n|---|---:|---:|---:|---:|\n");
        for (int i = 0; i < 2; i++)
            printf("| %s | %.2f | %.2f | %.3f | %.0f |\n", files[i].name,
                   (double)gz_len[i] / 1e6, (double)files[i].len / 1e6, gz_gbps[i],
                   gz_in_mbps[i]);
        print_rss(cases, n_cases, tsv);
    }
    if (tsv != NULL)
        fclose(tsv);
    for (int i = 0; i < 2; i++)
        free(files[i].buf);
    cx_registry_fini(&reg);
    if (failed)
        fprintf(stderr, "bench_replay: CHECK FAILED: %s\n", why);
    return failed;
}
