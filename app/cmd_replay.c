/* SPDX-License-Identifier: MIT */
/*
 * `cexarb replay FILE... [--json] [--book-at NS] [--strict]`: rebuild order books from recorded
 * exchange traffic (hftbacktest lines or cryptofeed captures, any symbol), and report per file
 * and per book: message counts by type, time span, gaps, resyncs, crossed-book events, the BBO
 * cross-check against the venue's own book ticker, and the final top levels.
 *
 * Exit status: 0 success; 1 a fatal error (missing file, corrupt gzip, bad line with --strict);
 * 2 usage error; 3 the replay completed but a check failed (BBO mismatch).
 */
#include "cexarb/book.h"
#include "cexarb/core.h"
#include "cexarb/instrument.h"
#include "cexarb/md.h"
#include "cexarb/replay.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>

int cx_cmd_replay(int argc, char **argv);

static void usage(FILE *f)
{
    fprintf(f,
            "usage: cexarb replay FILE... [--json] [--book-at NS] [--strict] [--data-dir DIR]\n"
            "\n"
            "Rebuild L2 order books from recorded exchange traffic and check them.\n"
            "FILE: hftbacktest-style lines `<local_ns> <json>` (gzip or plain: Binance spot and\n"
            "USD-M, Hyperliquid) or cryptofeed capture logs (Gate spot and USDT futures WS and\n"
            "REST). Several files are merged by local receive time into one market.\n"
            "\n"
            "  --json        print one JSON object instead of the text report\n"
            "  --book-at NS  stop before the first message received after NS (ns since epoch)\n"
            "  --strict      stop at the first malformed line (default: count, report, skip)\n"
            "  --data-dir D  instrument metadata directory (default: $CEXARB_DATA_DIR or the\n"
            "                bundled data/)\n");
}

/* "2024-08-08 23:54:13.937" (UTC) into buf. */
static void fmt_time(int64_t ns, char *buf, size_t cap)
{
    if (ns <= 0) {
        snprintf(buf, cap, "-");
        return;
    }
    time_t s = (time_t)(ns / CX_NS_PER_S);
    struct tm tm;
    gmtime_r(&s, &tm);
    char tmp[32];
    strftime(tmp, sizeof tmp, "%Y-%m-%d %H:%M:%S", &tm);
    snprintf(buf, cap, "%s.%03d", tmp, (int)((ns % CX_NS_PER_S) / CX_NS_PER_MS));
}

static const char *fmt_name(enum cx_md_format f)
{
    switch (f) {
    case CX_MD_FMT_HFTBT: return "hftbacktest";
    case CX_MD_FMT_CRYPTOFEED: return "cryptofeed";
    case CX_MD_FMT_AUTO: break;
    }
    return "unknown";
}

static void dec(int64_t m, int exp, char *buf, size_t cap)
{
    if (cx_dec_format(m, exp, CX_DEC_TRIM, buf, cap) < 0)
        snprintf(buf, cap, "?");
}

/* Format for display with as many decimals as the step (tick or lot) has, so columns line up
 * the way a trader reads them ("61686.00"); values finer than the step print in full. */
static void dec_step(int64_t m, int exp, int64_t step, char *buf, size_t cap)
{
    int step_exp = exp;
    while (step > 0 && step % 10 == 0 && step_exp < 0) {
        step /= 10;
        step_exp++;
    }
    int64_t r;
    if (step <= 0 || cx_dec_rescale(m, exp, step_exp, &r) != 0 ||
        cx_dec_format(r, step_exp, CX_DEC_FIXED, buf, cap) < 0)
        dec(m, exp, buf, cap);
}

/* Write s as a JSON string literal. */
static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

static void json_by_kind(FILE *f, const uint64_t *by_kind)
{
    fputc('{', f);
    bool first = true;
    for (int k = CX_MD_KIND_DEPTH; k < CX_MD_KIND_COUNT; k++) {
        fprintf(f, "%s\"%s\":%" PRIu64, first ? "" : ",", cx_md_kind_name((enum cx_md_kind)k),
                by_kind[k]);
        first = false;
    }
    fputc('}', f);
}

static void print_json(FILE *f, const struct cx_replay_result *r, const struct cx_registry *reg)
{
    uint64_t by_kind[CX_MD_KIND_COUNT] = {0};
    fprintf(f, "{\"files\":[");
    for (uint32_t i = 0; i < r->n_files; i++) {
        const struct cx_replay_file *fi = &r->files[i];
        for (int k = 0; k < CX_MD_KIND_COUNT; k++)
            by_kind[k] += fi->stats.by_kind[k];
        fprintf(f, "%s{\"path\":", i ? "," : "");
        json_str(f, fi->path);
        fprintf(f, ",\"format\":\"%s\",\"venue\":\"%s\",\"lines\":%" PRIu64
                   ",\"messages\":%" PRIu64 ",\"errors\":%" PRIu64 ",\"by_type\":",
                fmt_name(fi->format), cx_venue_name(fi->venue), fi->stats.lines,
                fi->stats.messages, fi->stats.errors);
        json_by_kind(f, fi->stats.by_kind);
        fprintf(f, ",\"first_local_ns\":%" PRId64 ",\"last_local_ns\":%" PRId64
                   ",\"first_exch_ns\":%" PRId64 ",\"last_exch_ns\":%" PRId64 ",\"error_list\":[",
                fi->stats.first_local_ts_ns, fi->stats.last_local_ts_ns,
                fi->stats.first_exch_ts_ns, fi->stats.last_exch_ts_ns);
        for (uint32_t e = 0; e < fi->stats.kept_errors; e++) {
            char buf[256];
            cx_parse_err_format(&fi->stats.errors_kept[e], buf, sizeof buf);
            if (e)
                fputc(',', f);
            json_str(f, buf);
        }
        fprintf(f, "]}");
    }
    uint64_t total = 0;
    for (int k = CX_MD_KIND_DEPTH; k < CX_MD_KIND_COUNT; k++)
        total += by_kind[k];
    fprintf(f, "],\"messages\":%" PRIu64 ",\"replayed\":%" PRIu64 ",\"by_type\":", total,
            r->messages);
    json_by_kind(f, by_kind);
    fprintf(f,
            ",\"errors\":%" PRIu64 ",\"gaps\":%" PRIu64 ",\"resyncs\":%" PRIu64
            ",\"crossed\":%" PRIu64 ",\"bbo_check\":{\"matched\":%" PRIu64
            ",\"mismatched\":%" PRIu64 "},\"first_local_ns\":%" PRId64
            ",\"last_local_ns\":%" PRId64 ",\"stopped_at_book_at\":%s,\"books\":[",
            r->errors, r->gaps, r->resyncs, r->crossed, r->bbo_matched, r->bbo_mismatched,
            r->first_local_ts_ns, r->last_local_ts_ns, r->stopped_at_book_at ? "true" : "false");
    for (uint32_t i = 0; i < r->n_books; i++) {
        const struct cx_replay_book *b = &r->books[i];
        const struct cx_instrument *in = cx_registry_get(reg, b->inst_id);
        fprintf(f, "%s{\"venue\":\"%s\",\"symbol\":", i ? "," : "",
                cx_venue_name((enum cx_venue)in->venue));
        json_str(f, in->symbol);
        fprintf(f,
                ",\"state\":\"%s\",\"price_exp\":%d,\"qty_exp\":%d,\"exponents\":\"%s\","
                "\"messages\":%" PRIu64 ",\"applied\":%" PRIu64 ",\"snapshots\":%" PRIu64
                ",\"dropped_old\":%" PRIu64 ",\"gaps\":%" PRIu64 ",\"resyncs\":%" PRIu64
                ",\"crossed\":%" PRIu64 ",\"level_changes\":%" PRIu64 ",\"trades\":%" PRIu64
                ",\"bbo_check\":{\"matched\":%" PRIu64 ",\"mismatched\":%" PRIu64
                ",\"unpaired\":%" PRIu64 ",\"skipped\":%" PRIu64 "}",
                cx_book_state_name(b->state), in->price_exp, in->qty_exp,
                (in->flags & CX_INST_F_INFERRED)  ? "inferred_from_data"
                : (in->flags & CX_INST_F_REFINED) ? "refined_from_data"
                                                  : "registry",
                b->stats.messages, b->stats.applied, b->stats.snapshots, b->stats.dropped_old,
                b->stats.gaps, b->stats.resyncs, b->stats.crossed, b->stats.level_changes,
                b->trades, b->bbo_matched, b->bbo_mismatched, b->bbo_unpaired, b->bbo_skipped);
        if (b->first_mismatch[0]) {
            fprintf(f, ",\"first_mismatch\":");
            json_str(f, b->first_mismatch);
        }
        char p[48], q[48];
        fprintf(f, ",\"bids\":[");
        for (uint32_t l = 0; l < b->n_bid; l++) {
            dec(b->bid_price_m[l], in->price_exp, p, sizeof p);
            dec(b->bid_qty_m[l], in->qty_exp, q, sizeof q);
            fprintf(f, "%s[\"%s\",\"%s\"]", l ? "," : "", p, q);
        }
        fprintf(f, "],\"asks\":[");
        for (uint32_t l = 0; l < b->n_ask; l++) {
            dec(b->ask_price_m[l], in->price_exp, p, sizeof p);
            dec(b->ask_qty_m[l], in->qty_exp, q, sizeof q);
            fprintf(f, "%s[\"%s\",\"%s\"]", l ? "," : "", p, q);
        }
        fprintf(f, "]}");
    }
    fprintf(f, "]}\n");
}

static void print_text(FILE *f, const struct cx_replay_result *r, const struct cx_registry *reg)
{
    char t0[40], t1[40];
    fmt_time(r->first_local_ts_ns, t0, sizeof t0);
    fmt_time(r->last_local_ts_ns, t1, sizeof t1);
    fprintf(f, "replayed %" PRIu64 " messages from %u file(s), local time %s -> %s UTC (%.3f s)%s\n",
            r->messages, r->n_files, t0, t1,
            (double)(r->last_local_ts_ns - r->first_local_ts_ns) / 1e9,
            r->stopped_at_book_at ? " [stopped at --book-at]" : "");
    for (uint32_t i = 0; i < r->prescan.n; i++) {
        const struct cx_md_prescan_item *it = &r->prescan.items[i];
        const struct cx_instrument *in = cx_registry_get(reg, it->inst_id);
        if (it->inferred)
            fprintf(f,
                    "note: %s %s is not in the instrument registry; price/quantity exponents "
                    "%d/%d were inferred from the decimals of its own messages (tick and lot "
                    "unknown)\n",
                    cx_venue_name((enum cx_venue)in->venue), in->symbol, it->price_exp,
                    it->qty_exp);
        else if (it->refined)
            fprintf(f,
                    "note: %s %s data carries more decimals than its metadata; exponents "
                    "refined from %d/%d to %d/%d\n",
                    cx_venue_name((enum cx_venue)in->venue), in->symbol, it->meta_price_exp,
                    it->meta_qty_exp, it->price_exp, it->qty_exp);
    }
    for (uint32_t i = 0; i < r->n_files; i++) {
        const struct cx_replay_file *fi = &r->files[i];
        const struct cx_md_reader_stats *s = &fi->stats;
        fmt_time(s->first_local_ts_ns, t0, sizeof t0);
        fmt_time(s->last_local_ts_ns, t1, sizeof t1);
        fprintf(f, "\nfile %s  [%s, %s]\n", fi->path, fmt_name(fi->format),
                cx_venue_name(fi->venue));
        fprintf(f, "  lines %" PRIu64 ", messages %" PRIu64 ", bad lines %" PRIu64 "\n",
                s->lines, s->messages, s->errors);
        fprintf(f, "  by type:");
        for (int k = CX_MD_KIND_DEPTH; k < CX_MD_KIND_COUNT; k++)
            if (s->by_kind[k])
                fprintf(f, " %s %" PRIu64, cx_md_kind_name((enum cx_md_kind)k), s->by_kind[k]);
        fprintf(f, "\n  local time %s -> %s (%.3f s)\n", t0, t1,
                (double)(s->last_local_ts_ns - s->first_local_ts_ns) / 1e9);
        for (uint32_t e = 0; e < s->kept_errors; e++) {
            char buf[256];
            cx_parse_err_format(&s->errors_kept[e], buf, sizeof buf);
            fprintf(f, "  error: %s\n", buf);
        }
        if (s->errors > s->kept_errors)
            fprintf(f, "  ... and %" PRIu64 " more bad lines\n", s->errors - s->kept_errors);
    }
    for (uint32_t i = 0; i < r->n_books; i++) {
        const struct cx_replay_book *b = &r->books[i];
        const struct cx_instrument *in = cx_registry_get(reg, b->inst_id);
        fprintf(f, "\nbook %s %s  [%s]\n", cx_venue_name((enum cx_venue)in->venue), in->symbol,
                cx_book_state_name(b->state));
        fprintf(f,
                "  depth messages %" PRIu64 " (applied %" PRIu64 ", snapshots %" PRIu64
                ", older than book %" PRIu64 "), level changes %" PRIu64 ", trades %" PRIu64 "\n",
                b->stats.messages, b->stats.applied, b->stats.snapshots, b->stats.dropped_old,
                b->stats.level_changes, b->trades);
        fprintf(f, "  gaps %" PRIu64 ", resyncs %" PRIu64 ", crossed %" PRIu64 "\n",
                b->stats.gaps, b->stats.resyncs, b->stats.crossed);
        if (b->bbo_matched + b->bbo_mismatched + b->bbo_unpaired > 0)
            fprintf(f,
                    "  bbo check: matched %" PRIu64 ", mismatched %" PRIu64
                    " (tickers with no update ending at their id: %" PRIu64 ")\n",
                    b->bbo_matched, b->bbo_mismatched, b->bbo_unpaired);
        if (b->first_mismatch[0])
            fprintf(f, "  first mismatch: %s\n", b->first_mismatch);
        fprintf(f, "  %18s %16s | %-16s %-18s\n", "bid qty", "bid", "ask", "ask qty");
        uint32_t rows = b->n_bid > b->n_ask ? b->n_bid : b->n_ask;
        for (uint32_t l = 0; l < rows; l++) {
            char bp[48] = "", bq[48] = "", ap[48] = "", aq[48] = "";
            if (l < b->n_bid) {
                dec_step(b->bid_price_m[l], in->price_exp, in->tick, bp, sizeof bp);
                dec_step(b->bid_qty_m[l], in->qty_exp, in->lot, bq, sizeof bq);
            }
            if (l < b->n_ask) {
                dec_step(b->ask_price_m[l], in->price_exp, in->tick, ap, sizeof ap);
                dec_step(b->ask_qty_m[l], in->qty_exp, in->lot, aq, sizeof aq);
            }
            fprintf(f, "  %18s %16s | %-16s %-18s\n", bq, bp, ap, aq);
        }
    }
    fprintf(f, "\ntotal: gaps %" PRIu64 ", resyncs %" PRIu64 ", crossed %" PRIu64
               ", bbo matched %" PRIu64 ", mismatched %" PRIu64 ", bad lines %" PRIu64 "\n",
            r->gaps, r->resyncs, r->crossed, r->bbo_matched, r->bbo_mismatched, r->errors);
}

static void on_progress(uint64_t messages, void *arg)
{
    (void)arg;
    fprintf(stderr, "\rreplay: %" PRIu64 " messages...", messages);
    fflush(stderr);
}

int cx_cmd_replay(int argc, char **argv)
{
    const char *files[CX_REPLAY_MAX_FILES];
    uint32_t n = 0;
    bool json = false;
    struct cx_replay_opts opts = {0};
    const char *data_dir = getenv("CEXARB_DATA_DIR");
    if (data_dir == NULL || data_dir[0] == '\0')
        data_dir = CX_DATA_DIR;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--json") == 0) {
            json = true;
        } else if (strcmp(a, "--strict") == 0) {
            opts.strict = true;
        } else if (strcmp(a, "--book-at") == 0 || strcmp(a, "--data-dir") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "cexarb replay: %s needs a value\n", a);
                return 2;
            }
            const char *v = argv[++i];
            if (strcmp(a, "--data-dir") == 0) {
                data_dir = v;
            } else if (cx_dec_parse(v, strlen(v), 0, &opts.book_at_ns) != 0 ||
                       opts.book_at_ns <= 0) {
                fprintf(stderr,
                        "cexarb replay: --book-at expects a positive integer time in ns since "
                        "the epoch, got '%s'\n",
                        v);
                return 2;
            }
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return 0;
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "cexarb replay: unknown option '%s'\n", a);
            usage(stderr);
            return 2;
        } else {
            if (n == CX_REPLAY_MAX_FILES) {
                fprintf(stderr, "cexarb replay: at most %d files\n", CX_REPLAY_MAX_FILES);
                return 2;
            }
            files[n++] = a;
        }
    }
    if (n == 0) {
        fprintf(stderr, "cexarb replay: no input files\n");
        usage(stderr);
        return 2;
    }

    struct cx_registry reg;
    struct cx_parse_err err = {0};
    char msg[512];
    if (cx_registry_init(&reg, 8192) != 0) {
        fprintf(stderr, "cexarb replay: out of memory\n");
        return 1;
    }
    int rc = cx_replay_default_registry(&reg, data_dir, &err);
    if (rc != 0) {
        cx_parse_err_format(&err, msg, sizeof msg);
        fprintf(stderr, "cexarb replay: cannot load instruments: %s\n", msg);
        cx_registry_fini(&reg);
        return 1;
    }
    struct cx_replay_result *res = NULL;
    memset(&err, 0, sizeof err);
    /* The progress line rewrites itself with carriage returns: only on a terminal, never into
     * a redirected stderr (a log file would fill with spaces and \r). */
    bool progress = !json && isatty(STDERR_FILENO);
    rc = cx_replay_run(files, n, &reg, &opts, progress ? on_progress : NULL, NULL, &res, &err);
    if (progress)
        fprintf(stderr, "\r%40s\r", "");
    if (rc != 0) {
        if (err.code != 0) {
            cx_parse_err_format(&err, msg, sizeof msg);
            fprintf(stderr, "cexarb replay: %s\n", msg);
        } else {
            fprintf(stderr, "cexarb replay: %s (%s)\n", cx_strerror(rc), cx_err_name(rc));
        }
        cx_registry_fini(&reg);
        return 1;
    }
    if (json)
        print_json(stdout, res, &reg);
    else
        print_text(stdout, res, &reg);
    int status = res->bbo_mismatched > 0 ? 3 : 0;
    cx_replay_free(res);
    cx_registry_fini(&reg);
    return status;
}
