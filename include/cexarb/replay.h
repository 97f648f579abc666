/* SPDX-License-Identifier: MIT */
/*
 * replay: rebuild order books from recorded exchange traffic and check them.
 *
 * Opens each file with an md reader (after an exponent prescan, so instruments missing from the
 * registry are inferred from their own data), merges them by local receive time, feeds every
 * depth/snapshot message to one cx_book per instrument and cross-checks the books against the
 * exchange's own best bid/offer stream: whenever a book has applied a depth update whose last id
 * `u` equals the update id of a book ticker (Binance bookTicker, Gate futures.book_ticker), the
 * book's best bid/ask price and quantity must equal the ticker's. Tickers and applied updates are
 * both remembered by id in bounded rings, so the check works whichever of the two arrives first
 * (on Binance spot the ticker usually precedes the 100 ms diff that covers it).
 *
 * Tests can plug their own decoders in (cx_replay_opts.decoders) and observe every book with a
 * check hook (cx_replay_opts.check), which is how they compare the fast book with the reference
 * book of tests/support after every message; the production code knows no reference code.
 *
 * This is the engine of `cexarb replay` and of the real-data book tests; it lives in the book
 * module because it only wires md readers to books.
 */
#ifndef CEXARB_REPLAY_H
#define CEXARB_REPLAY_H

#include "cexarb/book.h"
#include "cexarb/instrument.h"
#include "cexarb/md.h"

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------------
 * MARK: replay
 * ------------------------------------------------------------------------------------------- */

/* Threads: a replay runs entirely on the calling thread (readers, books, opts->check and the
 * progress callback); no global state, nothing locks. cx_replay_run prescans, so it may change
 * reg and runs under the registry's start-up rule (instrument.h); it blocks on file reads and
 * allocates the result, its books and the readers. A result is used by one thread at a time. */

#define CX_REPLAY_MAX_FILES 32
#define CX_REPLAY_MAX_BOOKS 64
#define CX_REPLAY_TOP 5

/**
 * Optional observer of every book a replay builds (tests: an independent check after every
 * message). Both callbacks run synchronously on the thread that called cx_replay_run; either may
 * be NULL. The replay never frees anything the hook owns.
 */
struct cx_replay_check {
    void *arg; /* passed back to the callbacks; borrowed, kept alive by the caller */
    /**
     * A book was created for an instrument first seen in the data.
     * @param book_index  its index in cx_replay_result.books (0..CX_REPLAY_MAX_BOOKS), the same
     *                    in every later on_depth call for that instrument.
     * @param cfg  borrowed: the configuration the book was created with (valid during the call).
     * @return 0; a negative CX_E* code aborts the replay, which returns that code.
     */
    int (*on_book)(void *arg, uint32_t book_index, const struct cx_book_cfg *cfg);
    /**
     * A depth or snapshot message was offered to the book (after cx_book_apply).
     * @param book  borrowed, read-only during the call.
     * @param batch borrowed: the message's events, batch->ev[0..batch->n).
     * @param book_rc  what cx_book_apply returned for it.
     * @param why  buffer of why_cap bytes for a one-line description of a mismatch.
     * @return 0 when the check passes; non-zero when it failed (counted in
     *         cx_replay_book.check_mismatches; the first "line N: <why>" is kept in
     *         first_mismatch). The replay goes on either way.
     */
    int (*on_depth)(void *arg, uint32_t book_index, const struct cx_book *book,
                    const struct cx_md_batch *batch, int book_rc, char *why, size_t why_cap);
};

struct cx_replay_opts {
    bool strict;          /* stop at the first bad line (else count and skip) */
    int64_t book_at_ns;   /* stop before the first message with local time > this (0 = no limit) */
    uint32_t max_levels;  /* book capacity per side (0 = default) */
    struct cx_md_decoders decoders;       /* decoders for the readers (zero = built-in) */
    const struct cx_replay_check *check;  /* optional per-book observer (borrowed, retained
                                             until cx_replay_run returns), NULL = none */
};

/** Per-instrument result. */
struct cx_replay_book {
    uint32_t inst_id;            /* registry id */
    struct cx_book *book;        /* owned by the replay; valid until cx_replay_free */
    struct cx_book_stats stats;  /* copy of the book's counters at the end */
    enum cx_book_state state;    /* final state */
    uint64_t bbo_matched;        /* ticker/book pairs with equal best bid/ask price and qty */
    uint64_t bbo_mismatched;     /* pairs that differed (must be 0) */
    uint64_t bbo_unpaired;       /* tickers with an id no applied update ever had */
    uint64_t bbo_skipped;        /* tickers without id/quantities (Gate spot.tickers) */
    uint64_t trades;             /* trade events */
    uint64_t check_mismatches;   /* messages after which opts.check reported a mismatch */
    char first_mismatch[160];    /* description of the first BBO or check mismatch */
    uint32_t n_bid, n_ask;       /* levels reported below */
    int64_t bid_price_m[CX_REPLAY_TOP], bid_qty_m[CX_REPLAY_TOP]; /* top bids, best first */
    int64_t ask_price_m[CX_REPLAY_TOP], ask_qty_m[CX_REPLAY_TOP]; /* top asks, best first */
};

/** Per-file result. */
struct cx_replay_file {
    const char *path;                  /* borrowed from the caller's paths array */
    enum cx_md_format format;          /* detected */
    enum cx_venue venue;               /* detected */
    struct cx_md_reader_stats stats;   /* copy at the end */
};

struct cx_replay_result {
    uint32_t n_files;
    struct cx_replay_file files[CX_REPLAY_MAX_FILES];
    uint32_t n_books;
    struct cx_replay_book books[CX_REPLAY_MAX_BOOKS];
    struct cx_md_prescan_report prescan; /* instruments inferred or refined from the data */
    uint64_t messages;                   /* messages replayed (with events) */
    uint64_t gaps, resyncs, crossed;     /* totals over books */
    uint64_t bbo_matched, bbo_mismatched;
    uint64_t errors;                     /* bad lines over all files */
    int64_t first_local_ts_ns, last_local_ts_ns;
    bool stopped_at_book_at;             /* replay stopped because of book_at_ns */
};

/**
 * Replay files into books.
 * @param paths  borrowed array of n paths (retained in the result until cx_replay_free).
 * @param reg    registry (borrowed; the prescan adds inferred instruments to it).
 * @param opts   borrowed; NULL = defaults.
 * @param progress  optional callback called about every 100k messages with the count so far
 *                  (for long replays); may be NULL.
 * @param out    set to a heap result on success (free with cx_replay_free).
 * @return 0; CX_EINVAL (no files, too many files); reader errors (missing file, corrupt gzip,
 *         or the first bad line in strict mode) with err filled; CX_ENOSPC for more than
 *         CX_REPLAY_MAX_BOOKS instruments; CX_ENOMEM; an error returned by opts->check->on_book.
 */
int cx_replay_run(const char *const *paths, uint32_t n, struct cx_registry *reg,
                  const struct cx_replay_opts *opts,
                  void (*progress)(uint64_t messages, void *arg), void *progress_arg,
                  struct cx_replay_result **out, struct cx_parse_err *err);

/** Free a result and its books. NULL is a no-op. */
void cx_replay_free(struct cx_replay_result *res);

/* ---------------------------------------------------------------------------------------------
 * MARK: default registry
 * ------------------------------------------------------------------------------------------- */

/* Threads: it fills reg, so the registry's start-up rule applies (instrument.h), and its Gate and
 * MEXC loaders parse with cJSON, whose last-error global rules out a concurrent cJSON parse. On
 * failure err->file points to thread-local storage: valid on the calling thread until its next
 * failing call, and not after that thread exits. Blocking: it reads the files. */

/**
 * Set up the registry the replay uses by default: the bundled Binance YAML plus Gate spot pairs,
 * Gate USDT contracts and MEXC spot symbols from `data_dir`/instruments.
 * @return 0 or the first loader error (err names the file).
 */
int cx_replay_default_registry(struct cx_registry *reg, const char *data_dir,
                               struct cx_parse_err *err);

#ifdef __cplusplus
}
#endif
#endif /* CEXARB_REPLAY_H */
