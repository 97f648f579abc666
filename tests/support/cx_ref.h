/* SPDX-License-Identifier: MIT */
/*
 * Test oracles (STYLE.md I.57): slow, obviously correct twins of the production decoders and
 * book, kept out of the production libraries in the cx_testsupport static library, which the
 * unit tests, the fuzz targets and the benchmarks link and the cexarb binary does not.
 *
 *  - Reference decoders (decode_ref.c): the contracts of cx_md_decode_binance / _hyperliquid /
 *    _gate, written on a general JSON parser (cJSON). Tests and the differential fuzzers require
 *    both to produce identical batches.
 *  - Reference book (book_ref.c): the contract of cx_book with unsorted level lists searched
 *    linearly; tests require the fast book to equal it after every message.
 *  - Plug-ins for the production seams: cx_ref_decoders for cx_md_reader_opts.decoders and
 *    cx_replay_opts.decoders, and a reference-book check (struct cx_ref_check) for
 *    cx_replay_opts.check.
 *
 * Everything here may allocate and is not for the hot path. None of it keeps global mutable
 * state; each object is used by one thread at a time.
 */
#ifndef CX_TESTSUPPORT_REF_H
#define CX_TESTSUPPORT_REF_H

#include "cexarb/book.h"
#include "cexarb/md.h"
#include "cexarb/replay.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------------
 * MARK: reference decoders
 * ------------------------------------------------------------------------------------------- */

/**
 * Reference twin of cx_md_decode_binance: same parameters, same output, same error codes on
 * every input the fast decoder accepts (error messages may differ and err->col is 0). cJSON
 * accepts some non-JSON (leading zeros, control bytes in strings, a BOM) that the fast decoder
 * rejects; whatever the fast decoder accepts, this one accepts with identical output.
 * @param ctx, json, n, venue, local_ts_ns, out, err  as cx_md_decode_binance (json borrowed).
 * @return as cx_md_decode_binance, plus CX_ENOMEM when an allocation fails.
 * Allocates (a NUL-terminated copy of the message, the cJSON tree and a number-token table) and
 * frees it before returning. Thread-compatible; cJSON's parse-error pointer is global, so do not
 * run it concurrently with another cJSON parse.
 */
int cx_md_decode_binance_ref(const struct cx_md_ctx *ctx, const char *json, size_t n,
                             enum cx_venue venue, int64_t local_ts_ns, struct cx_md_batch *out,
                             struct cx_parse_err *err);

/** Reference twin of cx_md_decode_hyperliquid; as cx_md_decode_binance_ref otherwise. */
int cx_md_decode_hyperliquid_ref(const struct cx_md_ctx *ctx, const char *json, size_t n,
                                 int64_t local_ts_ns, struct cx_md_batch *out,
                                 struct cx_parse_err *err);

/** Reference twin of cx_md_decode_gate (WS and REST); as cx_md_decode_binance_ref otherwise. */
int cx_md_decode_gate_ref(const struct cx_md_ctx *ctx, const char *json, size_t n,
                          enum cx_venue venue, const char *rest_symbol, size_t rest_symbol_len,
                          int64_t local_ts_ns, struct cx_md_batch *out,
                          struct cx_parse_err *err);

/** The three reference decoders, for cx_md_reader_opts.decoders / cx_replay_opts.decoders
 * (immutable). */
extern const struct cx_md_decoders cx_ref_decoders;

/* ---------------------------------------------------------------------------------------------
 * MARK: reference book
 * ------------------------------------------------------------------------------------------- */

/**
 * A slow, obviously correct book with the same contract as cx_book (same rule handling, same
 * statistics, same return codes): unsorted level lists searched linearly, sequencing written as
 * plainly as the venue documents it. It shares no code with the fast book.
 */
struct cx_book_ref; /* opaque */

/**
 * Create a reference book.
 * @param out  set on success; free with cx_book_ref_free.
 * @param cfg  borrowed; as for cx_book_new.
 * @return 0; CX_EINVAL for the configurations cx_book_new refuses; CX_ENOMEM.
 * Allocates all level and buffer storage up front.
 */
int cx_book_ref_new(struct cx_book_ref **out, const struct cx_book_cfg *cfg);

/** Free a reference book (NULL is a no-op). */
void cx_book_ref_free(struct cx_book_ref *b);

/**
 * Apply one message, as cx_book_apply (same return codes, same state and statistics changes).
 * @param ev  borrowed, ev[0..n). Never allocates. O(k L) for k levels and L levels on a side.
 */
int cx_book_ref_apply(struct cx_book_ref *b, const struct cx_md_event *ev, uint32_t n);

/** State, as cx_book_state. */
enum cx_book_state cx_book_ref_state(const struct cx_book_ref *b);

/** Last update id applied, as cx_book_last_seq. */
uint64_t cx_book_ref_last_seq(const struct cx_book_ref *b);

/** Counters, as cx_book_stats; valid for the book's lifetime. */
const struct cx_book_stats *cx_book_ref_stats(const struct cx_book_ref *b);

/** Levels on a side, as cx_book_depth. */
uint32_t cx_book_ref_depth(const struct cx_book_ref *b, enum cx_side side);

/**
 * Level i (0 = best) of a side, as cx_book_level.
 * @return 0; CX_ERANGE when i >= depth; CX_EINVAL for a bad side. O(L log L) (sorts a copy).
 */
int cx_book_ref_level(const struct cx_book_ref *b, enum cx_side side, uint32_t i,
                      int64_t *out_price_m, int64_t *out_qty_m);

/**
 * Compare a fast book with a reference book: state, last seq, every level of both sides.
 * @param why  optional (NULL or why_cap 0 for none): a one-line description of the first
 *             difference, NUL-terminated, at most why_cap bytes.
 * @return 0 when equal; CX_ERANGE otherwise. Never allocates; O(L log L).
 */
int cx_book_equal_ref(const struct cx_book *b, const struct cx_book_ref *r, char *why,
                      size_t why_cap);

/* ---------------------------------------------------------------------------------------------
 * MARK: reference-book check for cx_replay_run
 * ------------------------------------------------------------------------------------------- */

/**
 * Keeps one reference book per replayed book and, after every depth/snapshot message, requires
 * the fast book's return code, state, last id and every level to equal the reference's. Plug it
 * into a replay with cx_ref_check_hook; mismatches are counted in
 * cx_replay_book.check_mismatches and described in first_mismatch ("line N: ...").
 * @code
 *     struct cx_ref_check chk;
 *     cx_ref_check_init(&chk);
 *     struct cx_replay_check hook = cx_ref_check_hook(&chk);
 *     struct cx_replay_opts o = {.check = &hook};
 *     rc = cx_replay_run(paths, n, reg, &o, NULL, NULL, &res, &err);
 *     cx_ref_check_fini(&chk);
 * @endcode
 */
struct cx_ref_check {
    struct cx_book_ref *ref[CX_REPLAY_MAX_BOOKS]; /* by replay book index; owned */
};

/** Empty check (no books yet). Never allocates. */
void cx_ref_check_init(struct cx_ref_check *c);

/** Free every reference book the check created. Safe after a failed replay; idempotent. */
void cx_ref_check_fini(struct cx_ref_check *c);

/**
 * The replay hook for `c` (retained: keep `c` alive and unmoved until cx_replay_run returns).
 * Its on_book creates the reference book (returns cx_book_ref_new's CX_EINVAL / CX_ENOMEM,
 * which abort the replay); its on_depth applies the message to it and compares.
 */
struct cx_replay_check cx_ref_check_hook(struct cx_ref_check *c);

#ifdef __cplusplus
}
#endif
#endif /* CX_TESTSUPPORT_REF_H */
