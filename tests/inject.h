/* SPDX-License-Identifier: MIT */
/*
 * inject (tests only): write a copy of a recorded Binance depth stream (`<local_ns> <json>`
 * lines, gzip or plain) in which chosen stretches of time show a different book, for tests that
 * need market conditions the recordings do not contain (a price spike, a spot/perp correlation
 * break). Nothing here is linked into the library.
 *
 * The copy is made by editing existing depthUpdate messages only: every line keeps its local
 * time, its update ids (U, u, pu) and every other field, and no line is added or removed, so the
 * sequence checks of cx_book still pass. An edit hides the top of one side of the book: while it
 * is active, every level of that side better than an edge price (depth_pct away from the side's
 * best price when the edit starts) is deleted, and optionally one level is added at the edge so
 * the side never empties. When it ends, the next depth message puts back the original levels.
 * Invariant, checked by cx_inject_replay: after every message the edited book equals the
 * original book except at the prices of the active edits, so it stays in sequence and uncrossed.
 * bookTicker messages that arrive while an edit of a side is active show that side's best level
 * of the edited book (the edge) instead of the recorded one, so the best bid/offer stream tells
 * the same story as the depth stream (a strategy or a venue reading the bookTicker sees the
 * spike too).
 *
 * To know which levels exist the original file is replayed alongside the copying with
 * cx_md_reader and cx_book. Edited levels are written with cx_dec_format(CX_DEC_FIXED) at the
 * instrument's exponents, which are the wire's decimals for Binance (spot 8 and 8, USD-M 2 and 3
 * with the bundled data/instruments/binance.yaml).
 */
#ifndef CEXARB_TESTS_INJECT_H
#define CEXARB_TESTS_INJECT_H

#include "cexarb/book.h"
#include "cexarb/core.h"
#include "cexarb/instrument.h"
#include "cexarb/md.h"

#include <stdbool.h>
#include <stdint.h>

/** Most edits one cx_inject_depth call takes. */
#define CX_INJECT_MAX_EDITS 512

/**
 * One edit: hide the top of `side` from the first depth message at or after start_ns up to (not
 * including) the first depth message at or after end_ns, which restores the original levels.
 * Edits of the same side must not overlap in time (edits of different sides may). The fields
 * after `add_edge_level` are outputs filled by cx_inject_depth.
 */
struct cx_inject_edit {
    int64_t start_ns;      /* local receive time the edit starts at, ns */
    int64_t end_ns;        /* local receive time it ends at, ns (> start_ns) */
    uint8_t side;          /* enum cx_side whose top is removed */
    double depth_pct;      /* edge = best price at the start moved away from the touch by this
                              percent, rounded outward to the tick; (0, 50] */
    bool add_edge_level;   /* while active, a level at the edge price (with the quantity the
                              best level had at the start), so the best price is exactly the
                              edge even where the recorded book has no deeper levels */
    /* outputs */
    int64_t applied_ns;    /* local time of the first edited message, ns (0: never started) */
    uint64_t applied_line; /* its 1-based line number */
    int64_t ref_price_m;   /* original best price of the side there, at price_exp */
    int64_t edge_price_m;  /* edge price (the side's best price while active), at price_exp */
    int64_t edge_qty_m;    /* quantity of the added edge level, at qty_exp (0 if none) */
    uint32_t hidden_at_start; /* original levels deleted by the first edited message */
    uint32_t messages;     /* depth messages edited while active */
    int64_t released_ns;   /* local time of the message that restored the side, ns (0: the file
                              ended first) */
};

/** Counters of one cx_inject_depth call. */
struct cx_inject_report {
    uint64_t lines;           /* lines copied (every line of the input) */
    uint64_t depth_messages;  /* depthUpdate messages seen */
    uint64_t edited_messages; /* depth messages rewritten (edit active or restoring) */
    uint64_t levels_written;  /* level entries written by the edits (deletions, edge levels,
                                 restorations) */
    uint32_t max_line_bytes;  /* longest line written, bytes */
    uint64_t edited_tickers;  /* bookTicker messages rewritten to the edited book's touch */
};

/**
 * Copy `in_path` to `out_path` (plain text) with `edits` applied.
 * @param in_path   borrowed; a one-instrument Binance spot or USD-M recording (gzip or plain).
 * @param out_path  borrowed; created or truncated.
 * @param reg       borrowed; must hold the file's instrument (cx_registry_load_yaml).
 * @param edits     borrowed array of n_edits (inputs read, outputs written), n_edits <=
 *                  CX_INJECT_MAX_EDITS; sorted by start_ns per side.
 * @param out       optional counters.
 * @param err       optional; msg says what failed, file/line where known.
 * @return 0; CX_EINVAL (bad edit, overlapping edits of one side); CX_ENOENT/CX_EIO/CX_EGZIP
 *         (files); CX_EPARSE (a depth line the editor cannot parse); CX_ESTATE (an edit starts
 *         while the original book is not SYNCED, or the original book itself breaks);
 *         CX_ERANGE (edge price <= 0); CX_ENOMEM.
 * Allocates line buffers and level scratch arrays (test code, not the hot path).
 */
int cx_inject_depth(const char *in_path, const char *out_path, struct cx_registry *reg,
                    struct cx_inject_edit *edits, uint32_t n_edits, struct cx_inject_report *out,
                    struct cx_parse_err *err);

/** A point in time at which cx_inject_replay reports the book's top. */
struct cx_inject_probe {
    int64_t ts_ns;            /* input: local time; the book as of every message before it */
    bool has_mid;             /* output: both sides present and the book SYNCED */
    double mid;               /* output: (best bid + best ask) / 2, quote units */
    struct cx_book_top top;   /* output: best bid and ask */
    uint64_t book_hash;       /* output: FNV-1a of every level of both sides (0 when the book
                                 is not SYNCED): equal hashes mean equal books */
};

/** What cx_inject_replay found. */
struct cx_inject_check {
    struct cx_book_stats book;   /* the book's counters at the end */
    enum cx_book_state final_state; /* state at the end */
    uint64_t final_book_hash;    /* the book's hash at the end (as cx_inject_probe.book_hash) */
    uint64_t depth_messages;     /* depth messages replayed */
    uint64_t not_synced;         /* depth messages after the first sync that left the book not
                                    SYNCED (0 for a consistent stream) */
    uint64_t bad_lines;          /* reader errors (malformed lines) */
};

/**
 * Replay one recording through cx_md_reader and a cx_book to check that it stays in sequence
 * and uncrossed, and report the top of the book at the probe times.
 * @param probes  borrowed array of n_probes sorted by ts_ns (may be NULL when n_probes is 0).
 * @return 0; reader errors; CX_ENOMEM.
 */
int cx_inject_replay(const char *path, struct cx_registry *reg, struct cx_inject_probe *probes,
                     uint32_t n_probes, struct cx_inject_check *out, struct cx_parse_err *err);

#endif /* CEXARB_TESTS_INJECT_H */
