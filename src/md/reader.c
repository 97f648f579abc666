/* SPDX-License-Identifier: MIT */
/*
 * Recording-file readers: stream one file (gzip or plain) line by line in constant memory,
 * detect its format and venue, split each line into local time + payload and hand the payload
 * to the venue decoder, validating as it goes.
 *
 * Invariants: everything is allocated in cx_md_reader_open (reader, 256 KiB input and output
 * chunks, the line buffer capped at max_line_bytes, the event batch, and zlib's state and
 * window, which the detection pre-read forces zlib to allocate); cx_md_reader_next never
 * allocates. A line is handed out zero-copy from the decompressed chunk when it lies wholly
 * inside it and is assembled in the line buffer otherwise. Local time never goes backwards
 * within a file among accepted lines. Fatal errors (I/O, gzip) and, in strict mode, the first
 * bad line are sticky: every later call returns the same error.
 *
 * Detection (done once at open by a pre-read that is then rewound, so the input must be a
 * seekable file): the format from the first non-empty line; for hftbacktest files without a
 * venue in the options, the venue from the first decisive line among the first
 * READER_DETECT_LINES lines (see detect_hftbt_venue). Cryptofeed logs carry their venue in
 * the URL of connect/sent/REST lines and are tracked line by line.
 */
#include "md_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

/* Bytes per read() and per inflate() output chunk. 256 KiB amortises syscalls and keeps
 * both chunks in L2; a line longer than a chunk is assembled in the line buffer. */
#define READER_CHUNK_BYTES (256u * 1024u)
/* Defaults for cx_md_reader_opts zero fields (documented in md.h). */
#define READER_DEFAULT_MAX_EVENTS 16384u
#define READER_DEFAULT_MAX_LINE (4u * 1024u * 1024u)
/* Non-empty lines the venue detection may look at before giving up: real files decide on
 * their first line; 1024 leaves room for a preamble of snapshots or unknown streams. */
#define READER_DETECT_LINES 1024u
/* Digits of an int64 nanosecond timestamp: at most 19. */
#define READER_TS_MAX_DIGITS 19

struct cx_md_reader {
    const char *path;                /* retained from open, for error reports */
    struct cx_md_reader_opts opts;   /* copy with defaults filled in */
    struct cx_registry *reg;         /* retained: instruments are looked up here */
    struct cx__md_scan *scan;        /* scan mode: retained table, else NULL */
    int fd;                          /* input file */
    bool is_gzip;                    /* input starts with the gzip magic 1f 8b */
    bool z_ready;                    /* inflateInit2 succeeded (inflateEnd needed) */
    bool in_eof;                     /* read() returned 0 */
    bool in_member;                  /* inside a gzip member (its end not yet seen) */
    bool member_done;                /* inflate returned Z_STREAM_END; next member may follow */
    int z_err;                       /* inflate error held back until its output is consumed */
    const char *z_err_msg;           /* zlib's static message for z_err */
    z_stream zs;                     /* inflate state (gzip or zlib, windowBits 15+32) */
    unsigned char *in_buf;           /* compressed input chunk, READER_CHUNK_BYTES */
    char *out_buf;                   /* decompressed (or plain) chunk, READER_CHUNK_BYTES */
    size_t out_pos;                  /* next unread byte in out_buf */
    size_t out_len;                  /* bytes valid in out_buf */
    char *acc;                       /* line assembly buffer, opts.max_line_bytes */
    size_t acc_len;                  /* bytes assembled for the current line */
    bool acc_overlong;               /* current line exceeded max_line_bytes: being skipped */
    uint64_t line_no;                /* physical 1-based number of the last line read */
    enum cx_md_format format;        /* detected or forced */
    enum cx_venue venue;             /* detected or forced (cryptofeed: first URL's venue) */
    enum cx_venue ws_venue;          /* cryptofeed: venue of the latest WS connect/sent URL */
    bool has_ts;                     /* last_ts_ns is set */
    int64_t last_ts_ns;              /* local time of the last accepted timestamped line */
    uint32_t snap_inst_id;           /* instrument whose symbol is in snap_sym (UINT32_MAX) */
    uint32_t snap_sym_len;           /* bytes in snap_sym, 0 = none yet */
    char snap_sym[32];               /* Binance: symbol of the last stream message */
    struct cx_md_batch batch;        /* output of the current message */
    struct cx_md_reader_stats stats; /* counters */
    int64_t venue_key_ns;            /* opts.venue_clock: last batch key (venue time) */
    int fatal;                       /* sticky error code, 0 = none */
    struct cx_parse_err fatal_err;   /* the sticky error's report */
};

/* ---------------------------------------------------------------------------------------------
 * MARK: small helpers
 * ------------------------------------------------------------------------------------------- */

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool has_prefix(const char *s, size_t n, const char *prefix)
{
    size_t k = strlen(prefix);
    return n >= k && memcmp(s, prefix, k) == 0;
}

/* Offset of needle in s[0..n), or -1. Needles are short literals, so a memchr + memcmp loop
 * is enough; used only during detection and on REST URLs, never per number. */
static ptrdiff_t find_str(const char *s, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    if (k == 0 || k > n)
        return k == 0 ? 0 : -1;
    const char *p = s;
    const char *end = s + n - k + 1; /* last possible start + 1 */
    while (p < end) {
        const char *q = memchr(p, needle[0], (size_t)(end - p));
        if (q == NULL)
            return -1;
        if (memcmp(q, needle, k) == 0)
            return q - s;
        p = q + 1;
    }
    return -1;
}

static bool contains(const char *s, size_t n, const char *needle)
{
    return find_str(s, n, needle) >= 0;
}

/* Fill a line-level error report (file and line are added by the caller). */
static int line_err(struct cx_parse_err *e, int code, const char *msg, size_t col0,
                    const char *detail, size_t detail_len)
{
    cx_parse_err_set(e, code, msg, detail, detail_len);
    e->col = col0 >= INT32_MAX ? 0 : (int32_t)col0 + 1;
    return code;
}

static void err_init(struct cx_parse_err *e)
{
    e->code = 0;
    e->msg = NULL;
    e->file = NULL;
    e->line = 0;
    e->col = 0;
    e->detail[0] = '\0';
}

/* Record a fatal (sticky) error and copy it to err. `line` is 0 when not applicable. */
static int set_fatal(struct cx_md_reader *r, int code, const char *msg, int64_t line,
                     const char *detail, size_t detail_len, struct cx_parse_err *err)
{
    err_init(&r->fatal_err);
    cx_parse_err_set(&r->fatal_err, code, msg, detail, detail_len);
    r->fatal_err.file = r->path;
    r->fatal_err.line = line;
    r->fatal = code;
    if (err != NULL)
        *err = r->fatal_err;
    return code;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: input: plain or gzip chunks
 * ------------------------------------------------------------------------------------------- */

/* The line being assembled when the input broke. Approximate for gzip errors: the failing
 * block may end several lines after the last line handed out. */
static int64_t input_line(const struct cx_md_reader *r)
{
    return (int64_t)(r->line_no + 1);
}

static int read_some(int fd, void *buf, size_t cap, size_t *out_n)
{
    for (;;) {
        ssize_t n = read(fd, buf, cap);
        if (n >= 0) {
            *out_n = (size_t)n;
            return 0;
        }
        if (errno != EINTR)
            return CX_EIO;
    }
}

/* Refill out_buf. Returns 1 with out_len > 0, 0 at a clean end of input, or a fatal code. */
static int fill_plain(struct cx_md_reader *r, struct cx_parse_err *err)
{
    size_t n = 0;
    if (read_some(r->fd, r->out_buf, READER_CHUNK_BYTES, &n) != 0)
        return set_fatal(r, CX_EIO, "read failed", input_line(r), NULL, 0, err);
    r->out_pos = 0;
    r->out_len = n;
    r->stats.bytes += n;
    return n > 0 ? 1 : 0;
}

/* Report the inflate error held in z_err. */
static int gzip_fail(struct cx_md_reader *r, struct cx_parse_err *err)
{
    const char *what = r->z_err == CX_ENOMEM ? "zlib out of memory" : "corrupt gzip data";
    return set_fatal(r, r->z_err, what, input_line(r), r->z_err_msg, strlen(r->z_err_msg),
                     err);
}

/*
 * Inflate the next chunk. Concatenated gzip members (RFC 1952 section 2.2: "a gzip file
 * consists of a series of members") are decoded one after another; zero bytes after the last
 * member (block padding) are ignored as gzip(1) does; anything else after a member must be a
 * new member or it is reported as corrupt. End of input inside a member is a truncated stream.
 */
static int fill_gzip(struct cx_md_reader *r, struct cx_parse_err *err)
{
    if (r->z_err != 0)
        return gzip_fail(r, err);
    for (;;) {
        if (r->zs.avail_in == 0 && !r->in_eof) {
            size_t n = 0;
            if (read_some(r->fd, r->in_buf, READER_CHUNK_BYTES, &n) != 0)
                return set_fatal(r, CX_EIO, "read failed", input_line(r), NULL, 0, err);
            if (n == 0) {
                r->in_eof = true;
            } else {
                r->zs.next_in = r->in_buf;
                r->zs.avail_in = (uInt)n;
            }
        }
        if (r->zs.avail_in == 0 && r->in_eof) {
            if (r->in_member)
                return set_fatal(r, CX_EGZIP, "truncated gzip stream", input_line(r), NULL, 0,
                                 err);
            return 0;
        }
        if (r->member_done) {
            while (r->zs.avail_in > 0 && r->zs.next_in[0] == 0) {
                r->zs.next_in++;
                r->zs.avail_in--;
            }
            if (r->zs.avail_in == 0)
                continue;
            if (inflateReset(&r->zs) != Z_OK)
                return set_fatal(r, CX_EGZIP, "inflateReset failed", input_line(r), NULL, 0,
                                 err);
            r->member_done = false;
        }
        r->in_member = true;
        r->zs.next_out = (Bytef *)r->out_buf;
        r->zs.avail_out = READER_CHUNK_BYTES;
        int zrc = inflate(&r->zs, Z_NO_FLUSH);
        size_t produced = READER_CHUNK_BYTES - r->zs.avail_out;
        if (zrc == Z_STREAM_END) {
            r->member_done = true;
            r->in_member = false;
        } else if (zrc != Z_OK && zrc != Z_BUF_ERROR) {
            /* Z_DATA_ERROR (bad header, bad block, CRC or length mismatch), Z_NEED_DICT,
             * Z_MEM_ERROR. The output produced before the failure is delivered first: a CRC
             * mismatch is only seen after a whole member has been inflated. */
            r->z_err = zrc == Z_MEM_ERROR ? CX_ENOMEM : CX_EGZIP;
            r->z_err_msg = r->zs.msg != NULL ? r->zs.msg : "inflate failed";
            if (produced == 0)
                return gzip_fail(r, err);
        }
        if (produced > 0) {
            r->out_pos = 0;
            r->out_len = produced;
            r->stats.bytes += produced;
            return 1;
        }
        /* Z_BUF_ERROR or a header-only step: no output yet, feed more input. */
    }
}

static int fill(struct cx_md_reader *r, struct cx_parse_err *err)
{
    return r->is_gzip ? fill_gzip(r, err) : fill_plain(r, err);
}

/* Append to the line buffer, or mark the line overlong (its bytes are then dropped). */
static void acc_append(struct cx_md_reader *r, const char *p, size_t n)
{
    if (r->acc_overlong || n == 0)
        return;
    if (n > r->opts.max_line_bytes - r->acc_len) {
        r->acc_overlong = true;
        r->acc_len = 0;
        return;
    }
    memcpy(r->acc + r->acc_len, p, n);
    r->acc_len += n;
}

/*
 * Next non-empty line, without its '\n' (and a '\r' before it). Returns 1 with *out_line,
 * *out_len and *out_overlong (the line exceeded max_line_bytes and its bytes are gone), 0 at
 * the end of input, or a fatal code. The line is valid until the next call.
 */
static int read_line(struct cx_md_reader *r, const char **out_line, size_t *out_len,
                     bool *out_overlong, struct cx_parse_err *err)
{
    for (;;) {
        const char *line = NULL;
        size_t len = 0;
        bool overlong = false;
        bool have = false;
        if (r->out_pos < r->out_len) {
            char *p = r->out_buf + r->out_pos;
            size_t avail = r->out_len - r->out_pos;
            char *nl = memchr(p, '\n', avail);
            size_t take = nl != NULL ? (size_t)(nl - p) : avail;
            r->out_pos += take + (nl != NULL ? 1u : 0u);
            if (nl != NULL && r->acc_len == 0 && !r->acc_overlong) {
                line = p; /* zero-copy: the whole line is inside the chunk */
                len = take;
                overlong = take > r->opts.max_line_bytes;
                have = true;
            } else {
                acc_append(r, p, take);
                if (nl != NULL) {
                    line = r->acc;
                    len = r->acc_len;
                    overlong = r->acc_overlong;
                    have = true;
                }
            }
        } else {
            int rc = fill(r, err);
            if (rc < 0)
                return rc;
            if (rc == 0) {
                if (r->acc_len == 0 && !r->acc_overlong)
                    return 0;
                /* A final line without '\n' is still a line. */
                line = r->acc;
                len = r->acc_len;
                overlong = r->acc_overlong;
                have = true;
            }
        }
        if (!have)
            continue;
        r->line_no++;
        r->acc_len = 0;
        r->acc_overlong = false;
        if (overlong) {
            *out_line = NULL;
            *out_len = 0;
            *out_overlong = true;
            return 1;
        }
        if (len > 0 && line[len - 1] == '\r')
            len--;
        if (len == 0)
            continue; /* empty lines are skipped and not counted in stats.lines */
        *out_line = line;
        *out_len = len;
        *out_overlong = false;
        return 1;
    }
}

/* Back to the start of the file: used once, after the detection pre-read in open. */
static int rewind_input(struct cx_md_reader *r)
{
    if (lseek(r->fd, 0, SEEK_SET) != 0)
        return CX_ENOTSUP;
    if (r->is_gzip && inflateReset(&r->zs) != Z_OK)
        return CX_EGZIP;
    r->zs.next_in = r->in_buf;
    r->zs.avail_in = 0;
    r->in_eof = false;
    r->in_member = false;
    r->member_done = false;
    r->z_err = 0;
    r->z_err_msg = NULL;
    r->out_pos = 0;
    r->out_len = 0;
    r->acc_len = 0;
    r->acc_overlong = false;
    r->line_no = 0;
    memset(&r->stats, 0, sizeof r->stats);
    r->stats.min_feed_ns = INT64_MAX;
    r->venue_key_ns = 0;
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: detection
 * ------------------------------------------------------------------------------------------- */

/* Digits at the start of s[0..n). */
static size_t count_digits(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && is_digit(s[i]))
        i++;
    return i;
}

static bool is_url_start(const char *s, size_t n)
{
    return has_prefix(s, n, "wss://") || has_prefix(s, n, "https://") ||
           has_prefix(s, n, "ws://") || has_prefix(s, n, "http://");
}

/* Format of a first line: `^[0-9]{10,} \{` is hftbacktest; a URL, "configuration:" or
 * `^[0-9]+\.[0-9]+: ` is cryptofeed. */
static enum cx_md_format detect_format(const char *s, size_t n)
{
    size_t d = count_digits(s, n);
    if (d >= 10 && d + 1 < n && s[d] == ' ' && s[d + 1] == '{')
        return CX_MD_FMT_HFTBT;
    if (is_url_start(s, n) || has_prefix(s, n, "configuration:"))
        return CX_MD_FMT_CRYPTOFEED;
    if (d > 0 && d < n && s[d] == '.') {
        size_t f = count_digits(s + d + 1, n - d - 1);
        size_t end = d + 1 + f;
        if (f > 0 && end + 1 < n && s[end] == ':' && s[end + 1] == ' ')
            return CX_MD_FMT_CRYPTOFEED;
    }
    return CX_MD_FMT_AUTO;
}

/*
 * Venue of an hftbacktest line from its JSON (compact, as the venues send it):
 *  - Hyperliquid: `"channel":"l2Book"` or `"channel":"trades"` together with `"coin"`;
 *  - Binance USD-M vs spot: a depthUpdate carries `"pu"` only on USD-M (Binance USD-M docs,
 *    "Diff. Book Depth Streams"; spot "Diff. Depth Stream" has no `pu`), and a bookTicker
 *    carries `"e":"bookTicker"` only on USD-M (spot "Individual Symbol Book Ticker Streams"
 *    has no event type). Both are decisive (*out_decisive = true).
 *  - Weak evidence from trades: USD-M trades carry `"X"` (order type), spot trades `"M"`.
 * Returns CX_VENUE_UNKNOWN when the line says nothing.
 */
static enum cx_venue detect_hftbt_venue(const char *json, size_t n, bool *out_decisive)
{
    *out_decisive = true;
    if ((contains(json, n, "\"channel\":\"l2Book\"") ||
         contains(json, n, "\"channel\":\"trades\"")) &&
        contains(json, n, "\"coin\""))
        return CX_VENUE_HYPERLIQUID;
    if (contains(json, n, "\"e\":\"depthUpdate\""))
        return contains(json, n, "\"pu\":") ? CX_VENUE_BINANCE_USDM : CX_VENUE_BINANCE_SPOT;
    if (contains(json, n, "\"e\":\"bookTicker\""))
        return CX_VENUE_BINANCE_USDM;
    if (contains(json, n, "@bookTicker\""))
        return CX_VENUE_BINANCE_SPOT;
    *out_decisive = false;
    if (contains(json, n, "\"e\":\"trade\"")) {
        if (contains(json, n, "\"X\":"))
            return CX_VENUE_BINANCE_USDM;
        if (contains(json, n, "\"M\":"))
            return CX_VENUE_BINANCE_SPOT;
    }
    return CX_VENUE_UNKNOWN;
}

/*
 * Venue of a cryptofeed URL. Gate.io APIv4 endpoints as recorded in data/gateio-cryptofeed
 * (and documented at https://www.gate.io/docs/developers/apiv4/, checked 2025-05): spot WS
 * `wss://api.gateio.ws/ws/v4/`, USDT futures WS `wss://fx-ws.gateio.ws/v4/ws/usdt`, REST
 * `https://api.gateio.ws/api/v4/spot/...` and `.../api/v4/futures/usdt/...`.
 */
static enum cx_venue venue_from_url(const char *u, size_t n)
{
    if (!contains(u, n, "gateio.ws"))
        return CX_VENUE_UNKNOWN;
    if (has_prefix(u, n, "wss://") || has_prefix(u, n, "ws://")) {
        if (contains(u, n, "/v4/ws/usdt"))
            return CX_VENUE_GATE_FUTURES;
        if (contains(u, n, "/ws/v4"))
            return CX_VENUE_GATE_SPOT;
        return CX_VENUE_UNKNOWN;
    }
    if (contains(u, n, "/api/v4/spot/"))
        return CX_VENUE_GATE_SPOT;
    if (contains(u, n, "/api/v4/futures/usdt/"))
        return CX_VENUE_GATE_FUTURES;
    return CX_VENUE_UNKNOWN;
}

/* Value of query parameter `key` in a URL, as a slice; false when absent or empty. */
static bool url_param(const char *u, size_t n, const char *key, const char **out_v,
                      size_t *out_n)
{
    const char *q = memchr(u, '?', n);
    if (q == NULL)
        return false;
    size_t klen = strlen(key);
    const char *p = q + 1;
    const char *end = u + n;
    while (p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *pe = amp != NULL ? amp : end;
        size_t plen = (size_t)(pe - p);
        if (plen > klen && memcmp(p, key, klen) == 0 && p[klen] == '=') {
            *out_v = p + klen + 1;
            *out_n = plen - klen - 1;
            return *out_n > 0;
        }
        p = pe + 1;
    }
    return false;
}

/* The URL token of a cryptofeed line (up to the first space). */
static size_t url_len(const char *s, size_t n)
{
    const char *sp = memchr(s, ' ', n);
    return sp != NULL ? (size_t)(sp - s) : n;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: timestamps
 * ------------------------------------------------------------------------------------------- */

/* `<local_ns>`: strictly ASCII digits, at most int64. */
static int parse_ns(const char *s, size_t n, int64_t *out)
{
    if (n == 0 || n > READER_TS_MAX_DIGITS)
        return n == 0 ? CX_EPARSE : CX_EOVERFLOW;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!is_digit(s[i]))
            return CX_EPARSE;
        v = v * 10u + (uint64_t)(s[i] - '0'); /* 19 digits cannot overflow uint64 */
    }
    if (v > (uint64_t)INT64_MAX)
        return CX_EOVERFLOW;
    *out = (int64_t)v;
    return 0;
}

/* Epoch seconds with an optional fraction ("1619093532.9598699") to ns, exactly: at most 9
 * decimals (CX_EPRECISION otherwise); digits and one '.' only (CX_EPARSE otherwise). */
static int parse_epoch_s(const char *s, size_t n, int64_t *out)
{
    size_t d = count_digits(s, n);
    if (d == 0)
        return CX_EPARSE;
    if (d < n) {
        if (s[d] != '.')
            return CX_EPARSE;
        size_t f = count_digits(s + d + 1, n - d - 1);
        if (f == 0 || d + 1 + f != n)
            return CX_EPARSE;
        if (f > 9)
            return CX_EPRECISION;
    }
    return cx_dec_parse(s, n, -9, out);
}

/* ---------------------------------------------------------------------------------------------
 * MARK: per-line processing
 * ------------------------------------------------------------------------------------------- */

/* Local time must not go backwards within a file. */
static int check_time(const struct cx_md_reader *r, int64_t ts, size_t col0,
                      struct cx_parse_err *e)
{
    if (r->has_ts && ts < r->last_ts_ns)
        return line_err(e, CX_ETIME, "local time went backwards", col0, NULL, 0);
    return 0;
}

/* Binance: remember the symbol of the last stream message for symbol-less REST snapshots. */
static void note_binance_symbol(struct cx_md_reader *r, const char *json, size_t n)
{
    const struct cx_md_batch *b = &r->batch;
    if (b->kind == CX_MD_KIND_SNAPSHOT || b->kind == CX_MD_KIND_CONTROL ||
        b->kind == CX_MD_KIND_IGNORED || b->kind == CX_MD_KIND_NONE)
        return;
    if (r->scan == NULL) {
        if (b->inst_id == r->snap_inst_id)
            return;
        const struct cx_instrument *inst = cx_registry_get(r->reg, b->inst_id);
        if (inst == NULL)
            return;
        size_t len = strnlen(inst->symbol, sizeof inst->symbol);
        if (len >= sizeof r->snap_sym)
            return;
        memcpy(r->snap_sym, inst->symbol, len);
        r->snap_sym_len = (uint32_t)len;
        r->snap_inst_id = b->inst_id;
        return;
    }
    /* Scan mode has no instrument ids: take the stream name's symbol (Binance stream names
     * are the lower-case symbol, "btcusdt@depth") and keep it once the decoder has recorded a
     * scan entry under that spelling. */
    ptrdiff_t at = find_str(json, n < 64 ? n : 64, "\"stream\":\"");
    if (at < 0)
        return;
    const char *s = json + at + 10;
    const char *end = json + n;
    char sym[32];
    size_t len = 0;
    while (s + len < end && s[len] != '@' && s[len] != '"' && len < sizeof sym - 1) {
        char c = s[len];
        sym[len] = (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
        len++;
    }
    sym[len] = '\0';
    for (uint32_t i = 0; i < r->scan->n; i++) {
        const struct cx__md_scan_entry *e = &r->scan->e[i];
        if (e->venue == (uint8_t)b->venue && strcmp(e->symbol, sym) == 0) {
            memcpy(r->snap_sym, e->symbol, len);
            r->snap_sym_len = (uint32_t)len;
            return;
        }
    }
}

static int decode_payload(struct cx_md_reader *r, enum cx_venue venue, const char *json,
                          size_t n, const char *rest_sym, size_t rest_len, int64_t ts,
                          struct cx_parse_err *e)
{
    struct cx_md_ctx ctx = {
        .reg = r->reg,
        .scan = r->scan,
        .snapshot_symbol = r->snap_sym_len > 0 ? r->snap_sym : NULL,
        .snapshot_symbol_len = r->snap_sym_len,
    };
    struct cx_md_batch *b = &r->batch;
    b->n = 0;
    b->kind = CX_MD_KIND_NONE;
    const struct cx_md_decoders *d = &r->opts.decoders; /* defaults filled in at open */
    switch (venue) {
    case CX_VENUE_BINANCE_SPOT:
    case CX_VENUE_BINANCE_USDM: return d->binance(&ctx, json, n, venue, ts, b, e);
    case CX_VENUE_HYPERLIQUID: return d->hyperliquid(&ctx, json, n, ts, b, e);
    case CX_VENUE_GATE_SPOT:
    case CX_VENUE_GATE_FUTURES:
        return d->gate(&ctx, json, n, venue, rest_sym, rest_len, ts, b, e);
    case CX_VENUE_UNKNOWN:
    case CX_VENUE_MEXC_SPOT:
    case CX_VENUE_COUNT:
        break;
    }
    const char *name = cx_venue_name(venue);
    line_err(e, CX_ENOTSUP, "no decoder for this venue", 0, name, strlen(name));
    e->col = 0;
    return CX_ENOTSUP;
}

/* Set the batch up for a message that produced no decoder call (control lines). */
static void batch_control(struct cx_md_reader *r, enum cx_venue venue)
{
    struct cx_md_batch *b = &r->batch;
    b->n = 0;
    b->kind = CX_MD_KIND_CONTROL;
    b->venue = (uint8_t)venue;
    b->inst_id = UINT32_MAX;
}

/* What process_* learned about a line before or while decoding it. */
struct line_result {
    bool has_ts;    /* the line carried a local timestamp */
    int64_t ts_ns;  /* that timestamp */
    size_t prefix;  /* bytes before the JSON payload (for decoder error columns) */
};

/* `<local_ns> <json>` */
static int process_hftbt(struct cx_md_reader *r, const char *s, size_t n,
                         struct line_result *lr, struct cx_parse_err *e)
{
    size_t d = count_digits(s, n);
    if (d == 0 || d >= n || s[d] != ' ')
        return line_err(e, CX_EPARSE, "expected `<local_ns> <json>`", d, s, n < 24 ? n : 24);
    int64_t ts;
    int rc = parse_ns(s, d, &ts);
    if (rc != 0)
        return line_err(e, rc, "bad local timestamp", 0, s, d);
    rc = check_time(r, ts, 0, e);
    if (rc != 0)
        return rc;
    lr->has_ts = true;
    lr->ts_ns = ts;
    lr->prefix = d + 1;
    const char *json = s + d + 1;
    size_t jn = n - d - 1;
    rc = decode_payload(r, r->venue, json, jn, NULL, 0, ts, e);
    if (rc != 0)
        return rc;
    r->batch.venue = (uint8_t)r->venue;
    if (r->venue == CX_VENUE_BINANCE_SPOT || r->venue == CX_VENUE_BINANCE_USDM)
        note_binance_symbol(r, json, jn);
    return 0;
}

/* `<ts>: <json>` after `pos`: parse the timestamp up to ':' and find the payload. */
static int split_ts_json(const char *s, size_t n, size_t pos, int64_t *out_ts,
                         size_t *out_json, struct cx_parse_err *e)
{
    const char *colon = memchr(s + pos, ':', n - pos);
    if (colon == NULL)
        return line_err(e, CX_EPARSE, "expected `<ts>: <json>`", pos, s + pos, n - pos);
    size_t tend = (size_t)(colon - s);
    int rc = parse_epoch_s(s + pos, tend - pos, out_ts);
    if (rc != 0)
        return line_err(e, rc, "bad epoch timestamp", pos, s + pos, tend - pos);
    if (tend + 1 >= n || s[tend + 1] != ' ')
        return line_err(e, CX_EPARSE, "expected ': ' after the timestamp", tend, NULL, 0);
    *out_json = tend + 2;
    return 0;
}

/*
 * cryptofeed raw capture lines (cryptofeed/connection.py, raw data logging):
 *   `<url> <-> <ts>`           connection opened           CONTROL
 *   `<url> <- <ts>: <json>`    request sent                CONTROL (not decoded)
 *   `<url> -> <ts>: <json>`    REST reply                  decoded (order books) or IGNORED
 *   `<ts>: <json>`             WS message received         decoded
 *   `configuration: {...}`     feed configuration          CONTROL
 */
static int process_cryptofeed(struct cx_md_reader *r, const char *s, size_t n,
                              struct line_result *lr, struct cx_parse_err *e)
{
    bool forced = r->opts.venue != CX_VENUE_UNKNOWN;
    if (has_prefix(s, n, "configuration:")) {
        batch_control(r, r->venue);
        return 0;
    }
    int64_t ts;
    size_t jpos;
    int rc;
    if (is_digit(s[0])) {
        rc = split_ts_json(s, n, 0, &ts, &jpos, e);
        if (rc != 0)
            return rc;
        rc = check_time(r, ts, 0, e);
        if (rc != 0)
            return rc;
        enum cx_venue v = forced ? r->opts.venue : r->ws_venue;
        if (v == CX_VENUE_UNKNOWN)
            return line_err(e, CX_ESTREAM, "WS message before any connection line", 0, NULL,
                            0);
        lr->has_ts = true;
        lr->ts_ns = ts;
        lr->prefix = jpos;
        rc = decode_payload(r, v, s + jpos, n - jpos, NULL, 0, ts, e);
        if (rc == 0)
            r->batch.venue = (uint8_t)v;
        return rc;
    }
    if (!is_url_start(s, n))
        return line_err(e, CX_EPARSE, "unrecognised cryptofeed line", 0, s, n < 24 ? n : 24);
    size_t ulen = url_len(s, n);
    enum cx_venue v = forced ? r->opts.venue : venue_from_url(s, ulen);
    size_t pos = ulen + 1;
    int dir; /* 0 connect, 1 sent, 2 REST reply */
    if (pos < n && has_prefix(s + pos, n - pos, "<-> ")) {
        dir = 0;
        pos += 4;
    } else if (pos < n && has_prefix(s + pos, n - pos, "<- ")) {
        dir = 1;
        pos += 3;
    } else if (pos < n && has_prefix(s + pos, n - pos, "-> ")) {
        dir = 2;
        pos += 3;
    } else {
        return line_err(e, CX_EPARSE, "expected `<->`, `<-` or `->` after the URL", ulen, NULL,
                        0);
    }
    if (pos >= n)
        return line_err(e, CX_EPARSE, "missing timestamp", pos, NULL, 0);
    if (dir == 0) {
        rc = parse_epoch_s(s + pos, n - pos, &ts);
        if (rc != 0)
            return line_err(e, rc, "bad epoch timestamp", pos, s + pos, n - pos);
        jpos = n;
    } else {
        rc = split_ts_json(s, n, pos, &ts, &jpos, e);
        if (rc != 0)
            return rc;
    }
    rc = check_time(r, ts, pos, e);
    if (rc != 0)
        return rc;
    if (v == CX_VENUE_UNKNOWN)
        return line_err(e, CX_ESTREAM, "unsupported venue URL", 0, s, ulen);
    lr->has_ts = true;
    lr->ts_ns = ts;
    lr->prefix = jpos;
    if (dir != 2) {
        r->ws_venue = v;
        batch_control(r, v);
        return 0;
    }
    const char *sym = NULL;
    size_t sym_len = 0;
    bool is_book = contains(s, ulen, "/order_book?") &&
                   (url_param(s, ulen, "currency_pair", &sym, &sym_len) ||
                    url_param(s, ulen, "contract", &sym, &sym_len));
    if (!is_book) {
        batch_control(r, v);
        r->batch.kind = CX_MD_KIND_IGNORED; /* instrument lists and other REST replies */
        return 0;
    }
    rc = decode_payload(r, v, s + jpos, n - jpos, sym, sym_len, ts, e);
    if (rc == 0)
        r->batch.venue = (uint8_t)v;
    return rc;
}

/* Count (and keep, or in strict mode return) a bad line. Returns 0 to go on, or the code. */
static int bad_line(struct cx_md_reader *r, int code, struct cx_parse_err *e,
                    struct cx_parse_err *err)
{
    e->code = code;
    if (e->msg == NULL)
        e->msg = cx_strerror(code);
    e->file = r->path;
    e->line = (int64_t)r->line_no;
    r->stats.errors++;
    r->stats.errors_by_code[cx_md_err_bucket(code)]++;
    if (r->stats.kept_errors < CX_MD_READER_KEEP_ERRORS)
        r->stats.errors_kept[r->stats.kept_errors++] = *e;
    if (!r->opts.strict)
        return 0;
    r->fatal = code;
    r->fatal_err = *e;
    if (err != NULL)
        *err = *e;
    return code;
}

/* Account a successfully decoded line. */
static void account(struct cx_md_reader *r, const struct line_result *lr)
{
    struct cx_md_batch *b = &r->batch;
    struct cx_md_reader_stats *st = &r->stats;
    st->messages++;
    if (b->kind < CX_MD_KIND_COUNT)
        st->by_kind[b->kind]++;
    st->events += b->n;
    b->line = r->line_no;
    if (lr->has_ts) {
        b->local_ts_ns = lr->ts_ns;
        if (!r->has_ts)
            st->first_local_ts_ns = lr->ts_ns;
        st->last_local_ts_ns = lr->ts_ns;
        r->has_ts = true;
        r->last_ts_ns = lr->ts_ns;
    }
    if (b->n > 0) {
        uint8_t stream = r->opts.stream_index;
        for (uint32_t i = 0; i < b->n; i++)
            b->ev[i].stream = stream;
        int64_t exch = b->ev[0].exch_ts_ns;
        if (exch != 0) {
            if (st->first_exch_ts_ns == 0)
                st->first_exch_ts_ns = exch;
            st->last_exch_ts_ns = exch;
            if (lr->has_ts && lr->ts_ns - exch < st->min_feed_ns)
                st->min_feed_ns = lr->ts_ns - exch;
        }
        if (r->opts.venue_clock) {
            /* Venue-time key: exchange time on the recorder's clock, never going backwards;
             * a message without an exchange time keeps the previous key. */
            int64_t key = r->venue_key_ns;
            if (exch != 0 && exch + r->opts.venue_clock_offset_ns > key)
                key = exch + r->opts.venue_clock_offset_ns;
            if (key == 0)
                key = b->local_ts_ns;
            r->venue_key_ns = key;
            b->local_ts_ns = key;
        }
    }
}

/* ---------------------------------------------------------------------------------------------
 * MARK: public API
 * ------------------------------------------------------------------------------------------- */

/* Pre-read at open: the format from the first non-empty line and, for hftbacktest files, the
 * venue. Then rewind. Returns 0 or an open error (err filled). */
static int detect(struct cx_md_reader *r, struct cx_parse_err *err)
{
    bool need_venue = r->opts.venue == CX_VENUE_UNKNOWN;
    enum cx_venue weak = CX_VENUE_UNKNOWN;
    uint32_t seen = 0;
    int rc;
    for (;;) {
        const char *line;
        size_t len;
        bool overlong;
        rc = read_line(r, &line, &len, &overlong, err);
        if (rc <= 0)
            break;
        seen++;
        if (r->format == CX_MD_FMT_AUTO) {
            if (overlong)
                return set_fatal(r, CX_EPARSE, "first line longer than max_line_bytes",
                                 (int64_t)r->line_no, NULL, 0, err);
            r->format = detect_format(line, len);
            if (r->format == CX_MD_FMT_AUTO)
                return set_fatal(r, CX_EPARSE, "unrecognised recording format",
                                 (int64_t)r->line_no, line, len < 40 ? len : 40, err);
        }
        if (!need_venue || seen >= READER_DETECT_LINES)
            break;
        if (overlong)
            continue;
        if (r->format == CX_MD_FMT_HFTBT) {
            size_t d = count_digits(line, len);
            if (d < len && line[d] == ' ') {
                bool decisive;
                enum cx_venue v = detect_hftbt_venue(line + d + 1, len - d - 1, &decisive);
                if (decisive) {
                    r->venue = v;
                    break;
                }
                if (weak == CX_VENUE_UNKNOWN)
                    weak = v;
            }
        } else if (is_url_start(line, len)) {
            enum cx_venue v = venue_from_url(line, url_len(line, len));
            if (v != CX_VENUE_UNKNOWN) {
                r->venue = v;
                break;
            }
        }
    }
    if (r->format == CX_MD_FMT_HFTBT && r->venue == CX_VENUE_UNKNOWN)
        r->venue = weak;
    bool decided = r->format == CX_MD_FMT_CRYPTOFEED || r->venue != CX_VENUE_UNKNOWN;
    if (rc < 0 && !decided)
        return rc; /* the input broke before anything was decided: report it now */
    if (!decided && seen > 0)
        return set_fatal(r, CX_EPARSE, "cannot detect the venue from the first lines; set "
                         "opts.venue", 0, NULL, 0, err);
    /* A fatal error met after the decision is met again, in order, by cx_md_reader_next. */
    r->fatal = 0;
    rc = rewind_input(r);
    if (rc != 0)
        return set_fatal(r, rc, "cannot rewind the input (not a regular file?)", 0, NULL, 0,
                         err);
    return 0;
}

static int open_impl(struct cx_md_reader **out, const char *path,
                     const struct cx_md_reader_opts *opts, struct cx_registry *reg,
                     struct cx__md_scan *scan, struct cx_parse_err *err)
{
    if (err != NULL) {
        err_init(err);
        err->file = path;
    }
    if (out == NULL || path == NULL || (reg == NULL && scan == NULL))
        return cx_parse_err_set(err, CX_EINVAL, "invalid argument", NULL, 0);
    struct cx_md_reader *r = calloc(1, sizeof *r);
    if (r == NULL)
        return cx_parse_err_set(err, CX_ENOMEM, "out of memory", NULL, 0);
    int rc;
    r->fd = -1;
    r->path = path;
    r->reg = reg;
    r->scan = scan;
    if (opts != NULL)
        r->opts = *opts;
    if (r->opts.max_events == 0)
        r->opts.max_events = READER_DEFAULT_MAX_EVENTS;
    if (r->opts.max_line_bytes == 0)
        r->opts.max_line_bytes = READER_DEFAULT_MAX_LINE;
    if (r->opts.decoders.binance == NULL)
        r->opts.decoders.binance = cx_md_decode_binance;
    if (r->opts.decoders.hyperliquid == NULL)
        r->opts.decoders.hyperliquid = cx_md_decode_hyperliquid;
    if (r->opts.decoders.gate == NULL)
        r->opts.decoders.gate = cx_md_decode_gate;
    r->format = r->opts.format;
    r->venue = r->opts.venue;
    r->ws_venue = r->opts.venue;
    r->snap_inst_id = UINT32_MAX;
    if ((int)r->format < CX_MD_FMT_AUTO || r->format > CX_MD_FMT_CRYPTOFEED ||
        (int)r->venue < 0 || r->venue >= CX_VENUE_COUNT) {
        rc = cx_parse_err_set(err, CX_EINVAL, "invalid reader options", NULL, 0);
        goto fail;
    }

    r->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (r->fd < 0) {
        rc = errno == ENOENT ? CX_ENOENT : CX_EIO;
        cx_parse_err_set(err, rc, rc == CX_ENOENT ? "no such file" : "cannot open file", path,
                         strlen(path));
        goto fail;
    }
    r->in_buf = malloc(READER_CHUNK_BYTES);
    r->out_buf = malloc(READER_CHUNK_BYTES);
    r->acc = malloc(r->opts.max_line_bytes);
    r->batch.ev = malloc((size_t)r->opts.max_events * sizeof *r->batch.ev);
    if (r->in_buf == NULL || r->out_buf == NULL || r->acc == NULL || r->batch.ev == NULL) {
        rc = cx_parse_err_set(err, CX_ENOMEM, "out of memory", NULL, 0);
        goto fail;
    }
    r->batch.cap = r->opts.max_events;
    r->batch.inst_id = UINT32_MAX;

    /* gzip by its magic (RFC 1952 section 2.3.1: ID1 = 0x1f, ID2 = 0x8b); else plain text. */
    unsigned char magic[2];
    size_t got = 0;
    if (read_some(r->fd, magic, sizeof magic, &got) != 0 || lseek(r->fd, 0, SEEK_SET) != 0) {
        rc = cx_parse_err_set(err, CX_EIO, "cannot read file", NULL, 0);
        goto fail;
    }
    r->is_gzip = got == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
    if (r->is_gzip) {
        /* windowBits 15 + 32: zlib or gzip header, detected automatically (zlib.h). */
        if (inflateInit2(&r->zs, 15 + 32) != Z_OK) {
            rc = cx_parse_err_set(err, CX_ENOMEM, "inflateInit2 failed", NULL, 0);
            goto fail;
        }
        r->z_ready = true;
    }
    rc = detect(r, err);
    if (rc != 0)
        goto fail;
    *out = r;
    return 0;
fail:
    cx_md_reader_close(r);
    return rc;
}

int cx_md_reader_open(struct cx_md_reader **out, const char *path,
                      const struct cx_md_reader_opts *opts, struct cx_registry *reg,
                      struct cx_parse_err *err)
{
    return open_impl(out, path, opts, reg, NULL, err);
}

int cx__md_reader_open_scan(struct cx_md_reader **out, const char *path,
                            const struct cx_md_reader_opts *opts, struct cx_registry *reg,
                            struct cx__md_scan *scan, struct cx_parse_err *err)
{
    if (scan == NULL) {
        if (err != NULL) {
            err_init(err);
            err->file = path;
        }
        return cx_parse_err_set(err, CX_EINVAL, "scan table required", NULL, 0);
    }
    return open_impl(out, path, opts, reg, scan, err);
}

int cx_md_reader_next(struct cx_md_reader *r, const struct cx_md_batch **out_batch,
                      struct cx_parse_err *err)
{
    if (r == NULL || out_batch == NULL)
        return CX_EINVAL;
    if (r->fatal != 0) {
        if (err != NULL)
            *err = r->fatal_err;
        return r->fatal;
    }
    if (r->format == CX_MD_FMT_AUTO)
        return 0; /* nothing but empty lines at open: an empty recording */
    for (;;) {
        const char *line;
        size_t len;
        bool overlong;
        int rc = read_line(r, &line, &len, &overlong, err);
        if (rc <= 0)
            return rc;
        r->stats.lines++;
        struct cx_parse_err e;
        err_init(&e);
        if (overlong) {
            rc = line_err(&e, CX_ENOSPC, "line longer than max_line_bytes", 0, NULL, 0);
            e.col = 0;
            rc = bad_line(r, rc, &e, err);
            if (rc != 0)
                return rc;
            continue;
        }
        struct line_result lr = {false, 0, 0};
        if (r->format == CX_MD_FMT_HFTBT)
            rc = process_hftbt(r, line, len, &lr, &e);
        else
            rc = process_cryptofeed(r, line, len, &lr, &e);
        if (rc != 0) {
            /* Decoder columns are relative to the JSON payload: make them line columns. */
            if (lr.prefix > 0 && e.col > 0)
                e.col += (int32_t)lr.prefix;
            rc = bad_line(r, rc, &e, err);
            if (rc != 0)
                return rc;
            continue;
        }
        account(r, &lr);
        if (r->batch.n > 0) {
            *out_batch = &r->batch;
            return 1;
        }
    }
}

const struct cx_md_reader_stats *cx_md_reader_stats(const struct cx_md_reader *r)
{
    return &r->stats;
}

enum cx_md_format cx_md_reader_format(const struct cx_md_reader *r)
{
    return r->format;
}

enum cx_venue cx_md_reader_venue(const struct cx_md_reader *r)
{
    return r->venue;
}

const char *cx_md_reader_path(const struct cx_md_reader *r)
{
    return r->path;
}

void cx_md_reader_close(struct cx_md_reader *r)
{
    if (r == NULL)
        return;
    if (r->z_ready)
        inflateEnd(&r->zs);
    if (r->fd >= 0)
        close(r->fd);
    free(r->in_buf);
    free(r->out_buf);
    free(r->acc);
    free(r->batch.ev);
    free(r);
}
