/* SPDX-License-Identifier: MIT */
/*
 * md: normalized market-data events, venue message decoders, recording-file readers and a
 * k-way merge by local timestamp.
 *
 * A decoded message becomes a run of fixed-size, pointer-free 64-byte events in a caller-owned
 * batch: one event per book level (snapshot or delta), or one event for a best bid/offer or a
 * trade. The first event of a message has CX_MD_F_BEGIN, the last CX_MD_F_END; every level
 * event repeats the message's sequence ids so a run can be applied, buffered or written to a
 * cache on its own. A depth message with no levels still yields one CX_MD_F_NOLEVEL event, so
 * sequence ids always advance.
 *
 * Readers stream one file at a time in constant memory (gzip via zlib), detect the format
 * (hftbacktest `<local_ns> <json>` lines, or cryptofeed capture logs), validate every line and
 * either stop (strict) or count and skip bad lines, naming file:line:col and what was wrong.
 */
#ifndef CEXARB_MD_H
#define CEXARB_MD_H

#include "cexarb/core.h"
#include "cexarb/instrument.h"

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------------
 * MARK: normalized events
 * ------------------------------------------------------------------------------------------- */

/* Threads: events and batches are plain data owned by whoever holds them; cx_md_kind_name is
 * pure (thread-safe, any thread). Never blocks, never allocates. */

/** Book sides. */
enum cx_side { CX_SIDE_BID = 0, CX_SIDE_ASK = 1 };

/** Event types (cx_md_event.type). */
enum cx_md_type {
    CX_MD_NONE = 0,
    CX_MD_DEPTH_DELTA = 1,    /* one absolute level from an incremental update; qty 0 deletes */
    CX_MD_DEPTH_SNAPSHOT = 2, /* one level of a full snapshot; the run replaces the book */
    CX_MD_BBO = 3,            /* best bid and offer */
    CX_MD_TRADE = 4,          /* one public trade */
};

/* Event flags (cx_md_event.flags). */
#define CX_MD_F_ASK 0x0001u       /* level/BBO-less: level is on the ask side (else bid) */
#define CX_MD_F_BEGIN 0x0002u     /* first event of a message */
#define CX_MD_F_END 0x0004u       /* last event of a message */
#define CX_MD_F_NOLEVEL 0x0008u   /* depth message with no levels: only the sequence ids count */
#define CX_MD_F_NOQTY 0x0010u     /* BBO without quantities (Gate spot.tickers) */
#define CX_MD_F_BUY_TAKER 0x0020u /* trade: the aggressor bought (Binance m=false, Gate "buy") */
#define CX_MD_F_HAS_PREV 0x0040u  /* level.seq_prev is set (Binance USD-M `pu`) */
#define CX_MD_F_NOSEQ 0x0080u     /* venue gave no sequence ids (Hyperliquid): no gap checks */
#define CX_MD_F_SINGLE (CX_MD_F_BEGIN | CX_MD_F_END)

/**
 * One normalized market-data event: 64 bytes, no pointers, memcpy-able to rings and files.
 * Prices and quantities are mantissas (`_m`) at the instrument's price_exp / qty_exp.
 */
struct cx_md_event {
    int64_t exch_ts_ns;  /* exchange event time, ns since epoch (0 when the venue gives none) */
    int64_t local_ts_ns; /* local receive time, ns since epoch */
    uint64_t seq;        /* depth/snapshot: last update id (`u`, snapshot id); BBO: book update
                            id (`u`), 0 if none; trade: venue trade id */
    uint32_t inst_id;    /* registry id */
    uint8_t type;        /* enum cx_md_type */
    uint8_t stream;      /* input index in a merge (reader's opts.stream_index) */
    uint16_t flags;      /* CX_MD_F_* */
    union {
        struct {
            int64_t price_m;    /* level price */
            int64_t qty_m;      /* absolute level quantity; 0 deletes (deltas) */
            uint64_t seq_first; /* first update id in the message (`U`); snapshot: its id */
            uint64_t seq_prev;  /* previous message's last id (`pu`) when CX_MD_F_HAS_PREV */
        } level;
        struct {
            int64_t bid_price_m; /* best bid price */
            int64_t bid_qty_m;   /* best bid quantity (0 with CX_MD_F_NOQTY) */
            int64_t ask_price_m; /* best ask price */
            int64_t ask_qty_m;   /* best ask quantity (0 with CX_MD_F_NOQTY) */
        } bbo;
        struct {
            int64_t price_m; /* trade price */
            int64_t qty_m;   /* trade quantity */
            uint64_t pad0;   /* zero */
            uint64_t pad1;   /* zero */
        } trade;
    } u;
};
#ifdef __cplusplus
static_assert(sizeof(struct cx_md_event) == 64, "cx_md_event must be 64 bytes");
#else
_Static_assert(sizeof(struct cx_md_event) == 64, "cx_md_event must be 64 bytes");
#endif

/** What a decoded message was; batches and reader statistics count by this. */
enum cx_md_kind {
    CX_MD_KIND_NONE = 0,
    CX_MD_KIND_DEPTH,    /* incremental depth update */
    CX_MD_KIND_SNAPSHOT, /* full book (REST snapshot, Hyperliquid l2Book) */
    CX_MD_KIND_BBO,      /* book ticker / best bid-offer */
    CX_MD_KIND_TICKER,   /* 24h ticker with best bid/ask prices only (Gate spot.tickers) */
    CX_MD_KIND_TRADE,    /* one or more trades */
    CX_MD_KIND_CONTROL,  /* subscribe requests/acks, connection lines: no events */
    CX_MD_KIND_IGNORED,  /* understood but not used (candlesticks, instrument lists): no events */
    CX_MD_KIND_COUNT
};

/** Name of a kind ("depth", "snapshot", "bbo", "ticker", "trade", "control", "ignored"). */
const char *cx_md_kind_name(enum cx_md_kind kind);

/**
 * A caller-owned run of events: the output of decoding one message.
 * ev[0..n) are valid after a successful decode, in message order (bids then asks for depth).
 */
struct cx_md_batch {
    struct cx_md_event *ev; /* storage of `cap` events (owned by whoever set it up) */
    uint32_t n;             /* events of the current message */
    uint32_t cap;           /* capacity of ev */
    uint8_t kind;           /* enum cx_md_kind of the current message */
    uint8_t venue;          /* enum cx_venue of the current message */
    uint16_t pad;           /* zero */
    uint32_t inst_id;       /* instrument of the message (UINT32_MAX for control/ignored) */
    int64_t local_ts_ns;    /* local receive time of the message */
    uint64_t line;          /* 1-based line number in its file (readers set it) */
};

/* ---------------------------------------------------------------------------------------------
 * MARK: decoders
 * ------------------------------------------------------------------------------------------- */

/* Threads: thread-compatible: the decoders keep no state of their own, so calls may run on
 * several threads at once when each has its own batch and error report and the registry in its
 * ctx has stopped changing (instrument.h). In scan mode (ctx->scan set, by cx_md_prescan) a call
 * writes the scan table, so one scan table serves one thread. Never block, never allocate. */

/**
 * Decoder context: resolves symbols to instruments. Holds no per-message state.
 * When `scan` is set the decoder does not convert numbers; it records, per instrument symbol,
 * the largest number of significant decimals and integer digits seen for prices and
 * quantities (see cx_md_prescan), creating placeholder entries as needed.
 */
struct cx_md_ctx {
    struct cx_registry *reg;      /* borrowed; instruments are looked up here */
    struct cx__md_scan *scan;     /* NULL for normal decoding */
    const char *snapshot_symbol;  /* borrowed: symbol of symbol-less REST snapshots (Binance:
                                     the file's stream symbol seen so far), NULL if unknown */
    uint32_t snapshot_symbol_len; /* bytes in snapshot_symbol */
};

/**
 * Decode one Binance message (combined-stream `{"stream":..,"data":{..}}` depthUpdate,
 * bookTicker or trade, or a REST depth snapshot `{"lastUpdateId":..}` which carries no
 * symbol and is attributed to ctx->snapshot_symbol; CX_ESYMBOL when that is NULL).
 * @param json   borrowed bytes, `n` long; need not be NUL-terminated. Zero-copy scan.
 * @param venue  CX_VENUE_BINANCE_SPOT or CX_VENUE_BINANCE_USDM (selects the rules for `pu`).
 * @param local_ts_ns  stamped on every event.
 * @param out    batch to fill from ev[0]; out->n, kind, inst_id set on success.
 * @param err    optional; col is the 1-based byte offset in `json` of the problem.
 * @return 0; CX_EPARSE/CX_ETYPE/CX_ETRUNC/CX_EMISSING for malformed JSON; CX_ESTREAM for an
 *         unknown stream; CX_ESYMBOL for a symbol missing from the registry; CX_EPRECISION /
 *         CX_EOVERFLOW for numbers that do not fit the instrument's exponents; CX_ERANGE for a
 *         negative price/quantity, a timestamp that does not fit int64 ns or an escaped string
 *         longer than 96 bytes; CX_ENOSPC when the message has more levels than out->cap;
 *         CX_EINVAL for bad arguments or a venue the decoder does not serve. A known key given
 *         twice is CX_EPARSE; an empty trades array is KIND_IGNORED with n == 0.
 * Never allocates. Thread-compatible (no shared state).
 */
int cx_md_decode_binance(const struct cx_md_ctx *ctx, const char *json, size_t n,
                         enum cx_venue venue, int64_t local_ts_ns, struct cx_md_batch *out,
                         struct cx_parse_err *err);

/**
 * Decode one Hyperliquid WS message (`{"channel":"l2Book"|"trades","data":..}`). l2Book is a
 * full snapshot every push (Hyperliquid docs, websocket/subscriptions); its events carry
 * CX_MD_F_NOSEQ and seq = the book's `time`.
 * @return as cx_md_decode_binance.
 */
int cx_md_decode_hyperliquid(const struct cx_md_ctx *ctx, const char *json, size_t n,
                             int64_t local_ts_ns, struct cx_md_batch *out,
                             struct cx_parse_err *err);

/**
 * Decode one Gate.io APIv4 WS message (spot.order_book_update, spot.trades, spot.tickers,
 * futures.order_book_update, futures.book_ticker, futures.trades; subscribe acks and
 * candlesticks are CONTROL/IGNORED) or, when `rest_symbol` is not NULL, a REST order book
 * reply with `with_id=true` for that symbol (spot `[["p","q"],..]` or futures `{"p","s"}`).
 * @param venue  CX_VENUE_GATE_SPOT or CX_VENUE_GATE_FUTURES.
 * @param rest_symbol  borrowed, `rest_symbol_len` bytes, or NULL for WS messages.
 * @return as cx_md_decode_binance.
 */
int cx_md_decode_gate(const struct cx_md_ctx *ctx, const char *json, size_t n,
                      enum cx_venue venue, const char *rest_symbol, size_t rest_symbol_len,
                      int64_t local_ts_ns, struct cx_md_batch *out, struct cx_parse_err *err);

/**
 * Decoder signatures, for callers that choose decoders at run time (cx_md_decoders). Each has
 * exactly the parameters, return codes and contract of the function it names.
 */
typedef int cx_md_decode_binance_fn(const struct cx_md_ctx *ctx, const char *json, size_t n,
                                    enum cx_venue venue, int64_t local_ts_ns,
                                    struct cx_md_batch *out, struct cx_parse_err *err);
typedef int cx_md_decode_hyperliquid_fn(const struct cx_md_ctx *ctx, const char *json, size_t n,
                                        int64_t local_ts_ns, struct cx_md_batch *out,
                                        struct cx_parse_err *err);
typedef int cx_md_decode_gate_fn(const struct cx_md_ctx *ctx, const char *json, size_t n,
                                 enum cx_venue venue, const char *rest_symbol,
                                 size_t rest_symbol_len, int64_t local_ts_ns,
                                 struct cx_md_batch *out, struct cx_parse_err *err);

/**
 * The decoders a reader uses, one per venue family. A NULL member means the built-in zero-copy
 * decoder (cx_md_decode_binance, _hyperliquid, _gate); a zero-initialised struct is the default.
 * Tests plug in other implementations with the same contract (the reference decoders of
 * tests/support) to run whole files through them.
 */
struct cx_md_decoders {
    cx_md_decode_binance_fn *binance;         /* Binance spot and USD-M; NULL = built-in */
    cx_md_decode_hyperliquid_fn *hyperliquid; /* Hyperliquid; NULL = built-in */
    cx_md_decode_gate_fn *gate;               /* Gate spot and futures; NULL = built-in */
};

/* ---------------------------------------------------------------------------------------------
 * MARK: readers
 * ------------------------------------------------------------------------------------------- */

/* Threads: a reader is used by one thread at a time (its decoders are called on that thread);
 * not thread-safe, nothing locks. Readers on different threads are independent once the registry
 * they share has stopped changing. cx_md_reader_open and cx_md_reader_next block on file reads;
 * the accessors and cx_md_err_bucket (pure, any thread) never block. */

/** Recording formats. */
enum cx_md_format {
    CX_MD_FMT_AUTO = 0,   /* detect from the first non-empty line */
    CX_MD_FMT_HFTBT,      /* `<local_ns> <json>` lines, gzip or plain (Binance, Hyperliquid) */
    CX_MD_FMT_CRYPTOFEED, /* cryptofeed raw capture log (`<ts>: <json>`, `<url> -> <ts>: ..`) */
};

struct cx_md_reader_opts {
    enum cx_md_format format; /* CX_MD_FMT_AUTO to detect */
    enum cx_venue venue;      /* CX_VENUE_UNKNOWN to detect from the content */
    bool strict;              /* stop at the first bad line (else count, record, skip) */
    struct cx_md_decoders decoders; /* decoder per venue family; zero = built-in decoders.
                                       The functions must stay valid until close and may be
                                       called only from the reader's thread. */
    uint8_t stream_index;     /* stamped into cx_md_event.stream */
    uint32_t max_events;      /* batch capacity (levels per message); 0 = 16384 */
    uint32_t max_line_bytes;  /* longest accepted line; 0 = 4 MiB */
    bool venue_clock;         /* key batches by venue time: batch->local_ts_ns is set to
                                 exch_ts + venue_clock_offset_ns (kept non-decreasing; messages
                                 without an exchange time keep the previous key). Events keep
                                 their recorded local_ts_ns. Used for the simulated venue. */
    int64_t venue_clock_offset_ns; /* recorder clock minus venue clock (see min_feed_ns) */
    uint32_t feed_pct_ppm;    /* cx_md_prescan only: the percentile of each file's local -
                                 exchange times to report in cx_md_feed_stats.pct_ns, parts per
                                 million of its messages (1000 = 0.1 %); 0 = the minimum;
                                 at most 1000000. Readers ignore it. */
};

/** Errors a reader keeps verbatim (the first few); the rest are only counted. */
#define CX_MD_READER_KEEP_ERRORS 8

struct cx_md_reader_stats {
    uint64_t lines;                          /* non-empty lines read (incl. bad and control);
                                                error reports use physical line numbers */
    uint64_t bytes;                          /* decompressed bytes read */
    uint64_t messages;                       /* messages decoded successfully */
    uint64_t by_kind[CX_MD_KIND_COUNT];      /* messages by enum cx_md_kind */
    uint64_t events;                         /* events produced */
    uint64_t errors;                         /* bad lines (skipped unless strict) */
    uint64_t errors_by_code[32];             /* by -(code) % 32 bucket; see cx_md_err_bucket */
    int64_t first_local_ts_ns;               /* first message's local time, 0 if none */
    int64_t last_local_ts_ns;                /* last message's local time */
    int64_t first_exch_ts_ns;                /* first non-zero exchange time */
    int64_t last_exch_ts_ns;                 /* last non-zero exchange time */
    int64_t min_feed_ns;                     /* min over messages of local - exchange time:
                                                the clock offset plus the fastest feed
                                                latency (INT64_MAX when no exchange times) */
    uint32_t kept_errors;                    /* entries used in errors_kept */
    struct cx_parse_err errors_kept[CX_MD_READER_KEEP_ERRORS]; /* first errors, with file:line */
};

struct cx_md_reader; /* opaque */

/**
 * Open a recording for streaming. Detects the format from the first non-empty line and, when
 * opts->venue is unknown, reads ahead (up to 1024 lines) for a message that settles the venue,
 * then rewinds: the input must be a seekable regular file (a pipe is refused with an error
 * naming it). A damaged gzip member is only detected at its end (CRC), so a corrupt
 * file may deliver garbled lines (counted as bad lines) before CX_EGZIP.
 * @param path  borrowed; retained (not copied) for error reports until close.
 * @param opts  borrowed; NULL = defaults.
 * @param reg   retained until close; instruments are looked up (never added) here. Run
 *              cx_md_prescan first for files with instruments missing from the registry.
 * @return 0 and *out; CX_ENOENT (missing file), CX_EIO, CX_EGZIP (corrupt header),
 *         CX_EPARSE (unrecognised format), CX_ENOMEM. err names the file.
 * Allocates the reader, its line buffer and its batch (once).
 */
int cx_md_reader_open(struct cx_md_reader **out, const char *path,
                      const struct cx_md_reader_opts *opts, struct cx_registry *reg,
                      struct cx_parse_err *err);

/**
 * Decode the next message that produces events.
 * Control and ignored messages are counted and skipped. Bad lines are counted, the first
 * CX_MD_READER_KEEP_ERRORS are kept in the stats, and skipped (non-strict), or returned.
 * @param out_batch  set to the reader's batch, valid until the next call or close.
 * @param err  optional; filled for a returned error (file:line:col).
 * @return 1 with a batch; 0 at end of input; a negative CX_E* code for an I/O or gzip error
 *         (always fatal), or in strict mode for the first bad line (CX_ETIME when local time
 *         went backwards, decode errors as cx_md_decode_*).
 * Never allocates after open.
 */
int cx_md_reader_next(struct cx_md_reader *r, const struct cx_md_batch **out_batch,
                      struct cx_parse_err *err);

/** Statistics so far. Valid until close. */
const struct cx_md_reader_stats *cx_md_reader_stats(const struct cx_md_reader *r);

/** Detected format and venue of an open reader. */
enum cx_md_format cx_md_reader_format(const struct cx_md_reader *r);
enum cx_venue cx_md_reader_venue(const struct cx_md_reader *r);

/** The path given at open. */
const char *cx_md_reader_path(const struct cx_md_reader *r);

/** Close and free (NULL is a no-op). */
void cx_md_reader_close(struct cx_md_reader *r);

/** Bucket index used by cx_md_reader_stats.errors_by_code for a CX_E* code. */
unsigned cx_md_err_bucket(int code);

/* ---------------------------------------------------------------------------------------------
 * MARK: exponent inference
 * ------------------------------------------------------------------------------------------- */

/* Threads: cx_md_prescan adds and refines instruments, so it runs under the registry's start-up
 * rule (instrument.h): one thread, no concurrent reader of reg. It reads every file on the calling
 * thread (blocking); it allocates a scan table and one reader at a time (freed before it
 * returns) and grows the registry when it adds. */

/** What cx_md_prescan decided for one instrument. */
struct cx_md_prescan_item {
    uint32_t inst_id;      /* registry id */
    bool inferred;         /* added to the registry from the data alone */
    bool refined;          /* registry exponents made finer to fit the data */
    int8_t price_exp;      /* exponents now in the registry */
    int8_t qty_exp;
    int8_t meta_price_exp; /* exponents before (refined) */
    int8_t meta_qty_exp;
};

#define CX_MD_PRESCAN_MAX 64

#define CX_MD_PRESCAN_MAX_FILES 32

/**
 * The local-minus-exchange times (local receive time - exchange time, ns) of one file's
 * messages that carry both, as cx_md_prescan measures them: the recorder's clock offset plus
 * each message's feed latency (plus the exchange time's truncation, < 1 ms for Binance's ms
 * times). Percentiles are nearest-rank (the k-th smallest value, k = ceil(p n), at least 1)
 * from a histogram of 10 us buckets spanning 1.31 s from 250 ms below the median of the file's
 * first 64 values; each is the lower edge of its bucket, so at most 10 us below the exact value. A
 * percentile whose rank falls outside that range is the range's edge (below, above count how
 * many values fell outside). With n == 0 every field but n is INT64_MAX.
 */
struct cx_md_feed_stats {
    uint64_t n;          /* messages with an exchange and a local time */
    int64_t min_ns;      /* exact minimum (min_feed_ns) */
    int64_t p0_1_ns;     /* 0.1th percentile */
    int64_t p1_ns;       /* 1st percentile */
    int64_t p50_ns;      /* median */
    int64_t pct_ns;      /* the percentile opts->feed_pct_ppm asked for (the exact minimum for
                            0) */
    uint64_t below;      /* values below the histogram's range (counted, not binned) */
    uint64_t above;      /* values above it */
};

struct cx_md_prescan_report {
    uint32_t n;                                      /* items used */
    struct cx_md_prescan_item items[CX_MD_PRESCAN_MAX]; /* inferred or refined instruments */
    int64_t min_feed_ns[CX_MD_PRESCAN_MAX_FILES];    /* per input file (first 32): min of local
                                                        minus exchange time, INT64_MAX if the
                                                        file has no exchange times */
    struct cx_md_feed_stats feed[CX_MD_PRESCAN_MAX_FILES]; /* per input file (first 32) */
};

/**
 * Read the given files once, without building books, to find every (venue, symbol) they
 * contain and the decimals their prices and quantities need. Instruments missing from the
 * registry are added with exponents from their own data (CX_INST_F_INFERRED: tick and lot
 * unknown); instruments whose metadata exponents are coarser than the data are refined
 * (cx_registry_refine). Constant memory in the length of the files.
 * @param paths  borrowed array of n paths.
 * @param opts   borrowed; format/venue/strict as for readers (stream_index ignored).
 * Also measures each file's local-minus-exchange times (report->feed: minimum, percentiles),
 * from which the replay driver estimates the file's clock offset (docs/internals/sim.md, "The
 * venue's clock").
 * @param report out, may be NULL.
 * @return 0; any error cx_md_reader_open returns (err names the file); CX_EINVAL
 *         (opts->feed_pct_ppm over 1000000); CX_ENOSPC when more than CX_MD_PRESCAN_MAX
 *         instruments need reporting; CX_EOVERFLOW when a symbol's data needs more than 18
 *         digits (integer + decimals) and cannot be represented; CX_ERANGE (err names the file)
 *         when the requested percentile of a file falls outside its histogram's range (more
 *         than that share of its messages 250 ms faster than its first ones, or 1 s slower: a
 *         clock step in the recording); CX_ENOMEM.
 */
int cx_md_prescan(const char *const *paths, uint32_t n, const struct cx_md_reader_opts *opts,
                  struct cx_registry *reg, struct cx_md_prescan_report *report,
                  struct cx_parse_err *err);

/* ---------------------------------------------------------------------------------------------
 * MARK: k-way merge
 * ------------------------------------------------------------------------------------------- */

/* Threads: a merge and the readers it holds are used by one thread at a time (cx_md_merge_next
 * calls cx_md_reader_next); not thread-safe, nothing locks. cx_md_merge_next blocks on the
 * readers' file reads and never allocates. */

struct cx_md_merge; /* opaque */

/**
 * Merge several open readers into one stream ordered by local receive time. Ties go to the
 * lower reader index, so the order is deterministic.
 * @param readers  borrowed array; the readers are retained (not owned) until close.
 * @return 0 and *out; CX_EINVAL for n == 0 or n > 255; CX_ENOMEM.
 */
int cx_md_merge_open(struct cx_md_merge **out, struct cx_md_reader *const *readers, uint32_t n);

/**
 * Next message across all readers.
 * @param out_batch  the batch of the reader it came from, valid until the next call.
 * @param out_reader index of that reader.
 * @return 1, 0 at the end of all inputs, or a reader's negative error (err filled).
 * O(log n) per message; never allocates.
 */
int cx_md_merge_next(struct cx_md_merge *m, const struct cx_md_batch **out_batch,
                     uint32_t *out_reader, struct cx_parse_err *err);

/** Free the merge (not the readers). NULL is a no-op. */
void cx_md_merge_close(struct cx_md_merge *m);

#ifdef __cplusplus
}
#endif
#endif /* CEXARB_MD_H */
