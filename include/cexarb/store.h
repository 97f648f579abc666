/* SPDX-License-Identifier: MIT */
/*
 * store: the session directory every run leaves behind (design.md section 1), its writer and
 * its reader.
 *
 * A session directory holds metadata.json (config, versions, data files and their SHA-256),
 * instruments.csv (the registry the run used, so the directory is self-describing), orders.csv,
 * fills.csv with its alias trades.csv, positions.csv, performance.csv (the equity curve),
 * events.log (JSON lines), and later summary.json and report.html (written by the report
 * module). Column lists are in docs/internals/report.md and next to each writer below.
 *
 * Invariants:
 *  - A file under its final name is complete. Streamed files are written as NAME.part and
 *    renamed by cx_store_finish after fflush + fsync; whole-file writes (metadata.json,
 *    instruments.csv, summary.json, report.html) go through a temporary file and rename(2).
 *    A crash or an I/O error leaves NAME.part files, never a truncated NAME.
 *  - Numbers are exact: prices and quantities are printed from their mantissas at the
 *    instrument's exponents with cx_dec_format(CX_DEC_FIXED), money at CX_NOTIONAL_EXP, times as
 *    integer nanoseconds since the epoch. Reading a file back gives the same mantissas.
 *  - Secrets are never written. The store itself writes nothing secret (there are no secrets
 *    in any of its inputs today); cx_store_write_metadata refuses JSON that carries a non-empty
 *    value under a key that looks like a credential (api_key, secret, passphrase, ...).
 *  - The first I/O error is sticky: every later writer call returns it and cx_store_err names
 *    the file and the system's reason.
 *
 * Threads: a struct cx_store is owned by one thread: today the engine thread (the backtest
 * session writes from the runtime's hooks), later the writer thread of design.md section 4; no
 * function here may be called on the same store from two threads. The reader functions keep
 * no shared state. cx_store_write_metadata validates with cJSON, whose last-error pointer is a
 * global: do not run it concurrently with another cJSON parse (as for the core loaders). Nothing
 * here is on the hot path: writers format text and may block on disk.
 */
#ifndef CEXARB_STORE_H
#define CEXARB_STORE_H

#include "cexarb/core.h"
#include "cexarb/instrument.h"
#include "cexarb/oms.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------------
 * MARK: file names and row types
 * ------------------------------------------------------------------------------------------- */

#define CX_STORE_METADATA "metadata.json"
#define CX_STORE_INSTRUMENTS "instruments.csv"
#define CX_STORE_ORDERS "orders.csv"
#define CX_STORE_FILLS "fills.csv"
#define CX_STORE_TRADES "trades.csv" /* alias of fills.csv: a hard link, or a copy */
#define CX_STORE_POSITIONS "positions.csv"
#define CX_STORE_PERFORMANCE "performance.csv"
#define CX_STORE_EVENTS "events.log"
#define CX_STORE_SUMMARY "summary.json"
#define CX_STORE_REPORT "report.html"

/** cx_store_open flags. */
#define CX_STORE_F_REUSE 0x1u   /* accept an existing non-empty directory (files are replaced) */
#define CX_STORE_F_NOSYNC 0x2u  /* skip fsync (tests, scratch runs); renames stay atomic */

/**
 * One equity-curve sample (a row of performance.csv). Money is quote currency at
 * CX_NOTIONAL_EXP. The fields mirror struct cx_perf_sample of engine.h, plus the drawdown the
 * store computes. Columns: ts_ns,equity,cash,position_value,realized,unrealized,fees,funding,
 * drawdown.
 */
struct cx_store_perf_row {
    int64_t ts_ns;          /* strategy time of the sample, ns since the epoch */
    int64_t equity;         /* cash + position value (marked at mid) */
    int64_t cash;           /* quote balances + perp wallets */
    int64_t position_value; /* spot base balances at mid + perp unrealized PnL */
    int64_t realized;       /* realized trading PnL, all instruments, before fees */
    int64_t unrealized;     /* unrealized PnL of open positions at mid */
    int64_t fees;           /* cumulative fees paid (< 0 = net rebates) */
    int64_t funding;        /* cumulative funding received (< 0 = paid) */
    int64_t drawdown;       /* running peak equity - equity (>= 0); computed by the writer */
};

/**
 * One fill with the mid price of its instrument when the engine learned of it (a row of
 * fills.csv). Columns: fill_id,ts_ns,local_ts_ns,venue,symbol,side,price,qty,liquidity,fee,
 * fee_asset,client_id,latency_ns,venue_order_id,mid (ts_ns is the venue's execution time).
 */
struct cx_store_fill_row {
    struct cx_fill fill; /* the execution as the OMS applied it */
    int64_t mid_price_m; /* mid at price_exp when the fill was learned; 0 = unknown */
};

/**
 * One position sample of one instrument (a row of positions.csv). Columns: ts_ns,venue,symbol,
 * qty,avg_entry,mark,unrealized,realized,fees,funding.
 */
struct cx_store_pos_row {
    int64_t ts_ns;             /* strategy time of the sample */
    uint32_t inst_id;          /* instrument (registry id) */
    int64_t qty_m;             /* signed position at qty_exp */
    int64_t avg_entry_price_m; /* |cost| / (|qty| x multiplier) at price_exp, rounded half away
                                  from zero; 0 when flat */
    int64_t mark_price_m;      /* mark (mid) price at price_exp */
    int64_t unrealized;        /* unrealized PnL at the mark, quote @ CX_NOTIONAL_EXP */
    int64_t realized;          /* realized PnL before fees, quote @ CX_NOTIONAL_EXP */
    int64_t fees;              /* fees paid, quote @ CX_NOTIONAL_EXP */
    int64_t funding;           /* funding received, quote @ CX_NOTIONAL_EXP */
};

/* ---------------------------------------------------------------------------------------------
 * MARK: writer
 * ------------------------------------------------------------------------------------------- */

/* Threads: cx_store_open may run on any thread; the store then belongs to one thread at a time
 * (today the engine thread) and every other call on it is made there: not thread-safe, nothing
 * locks. Blocking: the writers go through stdio and may block on disk; cx_store_finish and
 * cx_store_write_metadata fsync (unless CX_STORE_F_NOSYNC). cx_store_write_metadata parses with
 * cJSON (see the global last-error caveat above). */

struct cx_store; /* opaque */

/**
 * Create (or adopt) a session directory and open its streamed files as NAME.part.
 *
 * Missing parent directories are created too; every directory created gets mode 0755 (before
 * the umask). An existing empty directory is used as is.
 *
 * @param out    receives the store on success (untouched on failure).
 * @param dir    borrowed path of the session directory; copied.
 * @param reg    retained: instruments for names and exponents; must outlive the store and may
 *               only grow or refine (never reorder) while it is open. instruments.csv is
 *               written from it at cx_store_finish.
 * @param flags  CX_STORE_F_*.
 * @param err    optional; on failure file = `dir` (borrowed from the caller), detail = the file
 *               name inside it and the system's reason.
 * @return 0; CX_EEXIST when `dir` exists, is not empty and CX_STORE_F_REUSE is not set, or is
 *         not a directory; CX_EIO when a directory or file cannot be created (permissions,
 *         read-only file system, ...); CX_EINVAL for NULL arguments, an empty path or a path
 *         longer than PATH_MAX; CX_ENOMEM.
 * Any thread; allocates the store and one 64 KiB buffer per streamed file. O(entries in dir).
 * @code
 *   struct cx_store *st;
 *   struct cx_parse_err err = {0};
 *   if (cx_store_open(&st, "runs/2024-08-08", &reg, 0, &err) != 0) { ...report err... }
 *   cx_store_write_metadata(st, json, strlen(json));
 *   ... cx_store_write_fill / _position / _perf / _event during the run ...
 *   ... cx_store_write_order for every order at the end (cx_oms_foreach) ...
 *   int rc = cx_store_finish(st);   // renames NAME.part -> NAME, links trades.csv
 *   cx_store_free(st);
 * @endcode
 */
int cx_store_open(struct cx_store **out, const char *dir, const struct cx_registry *reg,
                  unsigned flags, struct cx_parse_err *err);

/**
 * Close the files and free the store. An unfinished store keeps its NAME.part files (for
 * inspection after a failed run); it never renames them to their final names.
 * @param st  transferred; NULL is a no-op. Never fails, O(1).
 */
void cx_store_free(struct cx_store *st);

/** The session directory path (owned by the store, valid until cx_store_free). */
const char *cx_store_dir(const struct cx_store *st);

/**
 * The first error this store hit, or NULL when none. file = the session directory (owned by the
 * store), detail = "NAME: system reason" (for example "fills.csv.part: No space left on
 * device"), code = the CX_E* code the failing call returned.
 * @return pointer valid until cx_store_free. Never allocates.
 */
const struct cx_parse_err *cx_store_err(const struct cx_store *st);

/**
 * Write metadata.json atomically (temporary file, fsync, rename): run configuration, versions,
 * data files with their SHA-256 (see cx_store_sha256_file). The text is validated and written
 * as given (followed by a newline).
 * @param json  borrowed JSON object text, `len` bytes, not necessarily NUL-terminated.
 * @return 0; CX_EPARSE when it is not a JSON object; CX_EINVAL when a key that names a
 *         credential (contains "secret", "api_key", "apikey", "passphrase", "private_key" or
 *         "password", any case) has a non-empty string value; CX_EIO (sticky, see cx_store_err);
 *         CX_ENOMEM.
 * Allocates a parse tree for validation (freed before return). O(len).
 */
int cx_store_write_metadata(struct cx_store *st, const char *json, size_t len);

/**
 * Append one order, in its state at the time of the call, to orders.csv. Meant to be called
 * once per order at the end of the session (cx_oms_foreach), so the file holds final states.
 * Columns: client_id,inst,venue,symbol,side,type,tif,reduce_only,price,qty,status,reject,
 * filled_qty,avg_price,fee,created_ns,updated_ns,venue_order_id,fill_count,filled_notional,
 * acked_ns. avg_price is filled_notional / (filled_qty x multiplier) at price_exp, rounded half
 * away from zero (0 when nothing filled); it is derived and not read back.
 * @param o  borrowed.
 * @return 0; CX_EINVAL for an unknown instrument or out-of-range enums; CX_EIO (sticky).
 * Never allocates (buffered). O(1).
 */
int cx_store_write_order(struct cx_store *st, const struct cx_order *o);

/**
 * Append one fill to fills.csv (see struct cx_store_fill_row for the columns).
 * @param fill  borrowed.
 * @param mid_price_m  mid of the fill's instrument at price_exp when the fill was learned (the
 *        engine's on_fill hook value); 0 = unknown (the fill is then left out of the spread
 *        capture statistic).
 * @return 0; CX_EINVAL (unknown instrument, bad enums); CX_EIO (sticky). Never allocates. O(1).
 */
int cx_store_write_fill(struct cx_store *st, const struct cx_fill *fill, int64_t mid_price_m);

/**
 * Append one position sample to positions.csv. The argument list is the engine's on_position
 * hook, so the hook can forward to it directly.
 * @param ts_ns         strategy time of the sample.
 * @param inst_id       instrument.
 * @param mark_price_m  mark (mid) price at price_exp.
 * @param pos           borrowed position; avg_entry is derived from pos->cost and pos->qty_m.
 * @param unrealized    unrealized PnL at the mark, quote @ CX_NOTIONAL_EXP.
 * @return 0; CX_EINVAL (unknown instrument); CX_EOVERFLOW (avg entry does not fit); CX_EIO.
 * Never allocates. O(1).
 */
int cx_store_write_position(struct cx_store *st, int64_t ts_ns, uint32_t inst_id,
                            int64_t mark_price_m, const struct cx_position *pos,
                            int64_t unrealized);

/**
 * Append one equity-curve sample to performance.csv. row->drawdown is ignored: the store writes
 * the running peak of equity (over the rows written so far) minus equity.
 * @param row  borrowed.
 * @return 0; CX_ETIME when ts_ns is before the previous sample's; CX_EIO (sticky).
 * Never allocates. O(1).
 */
int cx_store_write_perf(struct cx_store *st, const struct cx_store_perf_row *row);

/**
 * Append one structured event to events.log as a JSON line:
 * {"ts_ns":<ts_ns>,"event":"<event>",<fields>}.
 * @param event   borrowed NUL-terminated name, JSON-escaped on output; the escaped form must
 *                fit 158 bytes (150 plain characters always do).
 * @param fields  borrowed, may be NULL or "": JSON members, either as an object text
 *                ("{\"client_id\":7}") or as its inside ("\"client_id\":7"); written verbatim
 *                (not re-validated, the writer thread does not parse).
 * @return 0; CX_EINVAL (NULL or too long event name); CX_EIO (sticky). Never allocates.
 * O(length).
 */
int cx_store_write_event(struct cx_store *st, int64_t ts_ns, const char *event,
                         const char *fields);

/**
 * Push buffered rows to the kernel (fflush on each .part file). For live sessions, so a crash
 * loses at most what was written since the last flush.
 * @return 0; CX_EIO (sticky). Never allocates.
 */
int cx_store_flush(struct cx_store *st);

/**
 * Complete the session: write instruments.csv (atomically), fflush + fsync each NAME.part,
 * rename it to NAME, create trades.csv as a hard link to fills.csv (a copy when the file system
 * refuses links), and fsync the directory. After success only cx_store_dir, cx_store_err and
 * cx_store_free may be called. Files that were renamed before an error stay complete; the others
 * stay NAME.part.
 * @return 0; CX_ESTATE when called twice; the sticky error of an earlier call; CX_EIO.
 * Blocking (fsync). O(size of the files) only when trades.csv must be copied.
 */
int cx_store_finish(struct cx_store *st);

/* ---------------------------------------------------------------------------------------------
 * MARK: helpers
 * ------------------------------------------------------------------------------------------- */

/* Threads: no shared state; thread-safe from any thread, except that two threads of one process
 * must not cx_store_write_file_atomic the same path at once (the temporary name is per process,
 * PATH.tmp.<pid>). The file functions block on disk; cx_store_json_str and the enum functions are
 * pure and never block. */

/**
 * Write a whole file atomically: PATH.tmp.<pid> is written, fsync'ed (unless `sync` is false)
 * and renamed over `path`. On any failure the temporary file is removed and `path` is untouched.
 * @param path  borrowed NUL-terminated path.
 * @param data  borrowed, `len` bytes.
 * @param err   optional; file = `path` (borrowed), detail = the system's reason.
 * @return 0; CX_EIO; CX_EINVAL (NULL path, or NULL data with len > 0).
 * Any thread; never allocates. Blocking.
 */
int cx_store_write_file_atomic(const char *path, const void *data, size_t len, bool sync,
                               struct cx_parse_err *err);

/**
 * SHA-256 of a file's bytes as 64 lower-case hex digits (for metadata.json data files), computed
 * with OpenSSL libcrypto's EVP interface (FIPS 180-4 SHA-256).
 * @param path     borrowed.
 * @param out_hex  written on success: 64 hex digits and a NUL.
 * @return 0; CX_ENOENT (no such file); CX_EIO (read error); CX_ENOMEM.
 * Any thread; allocates the digest context. O(file size), streams 64 KiB at a time.
 */
int cx_store_sha256_file(const char *path, char out_hex[65]);

/**
 * Quote and escape a string as a JSON string literal ("a\"b" -> "\"a\\\"b\""), for callers
 * building metadata or event fields. Control bytes become \u00XX; other bytes are copied.
 * @param s    borrowed NUL-terminated.
 * @param buf  out, `cap` bytes; always NUL-terminated when cap > 0.
 * @return the length written (excluding NUL); CX_ENOSPC when it does not fit (buf then holds a
 *         truncated prefix); CX_EINVAL for NULL arguments. Never allocates, O(strlen(s)).
 */
int cx_store_json_str(const char *s, char *buf, size_t cap);

/** Enumerations spelled by name in the files. */
enum cx_store_enum {
    CX_STORE_ENUM_SIDE = 0,   /* enum cx_side: "buy", "sell" */
    CX_STORE_ENUM_ORD_TYPE,   /* enum cx_ord_type: "limit", "market" */
    CX_STORE_ENUM_TIF,        /* enum cx_tif: "gtc", "ioc", "fok", "post_only" */
    CX_STORE_ENUM_STATUS,     /* enum cx_ord_status: "pending_new", ..., "expired" */
    CX_STORE_ENUM_REJECT,     /* enum cx_reject: "none", "tick", ..., "invalid" */
    CX_STORE_ENUM_LIQUIDITY,  /* enum cx_liquidity: "maker", "taker" */
    CX_STORE_ENUM_KIND,       /* enum cx_inst_kind: "spot", "linear_perp", "inverse_perp" */
    CX_STORE_ENUM_COUNT
};

/**
 * Name of an enumeration value as written in the session files (lower case).
 * @return a static string, or NULL for an out-of-range kind or value. Never allocates.
 */
const char *cx_store_enum_name(enum cx_store_enum kind, int value);

/**
 * Parse a name written by cx_store_enum_name.
 * @param s  borrowed bytes, `n` long.
 * @return 0 and *out; CX_EINVAL for an unknown name or kind. Never allocates, O(values).
 */
int cx_store_enum_parse(enum cx_store_enum kind, const char *s, size_t n, int *out);

/* ---------------------------------------------------------------------------------------------
 * MARK: reader
 * ------------------------------------------------------------------------------------------- */

/* Threads: no shared state; thread-safe from any thread, each call writing only its own outputs
 * (a registry, arrays or a session used by one thread at a time). Blocking: they read files; they
 * allocate what they return. */

/**
 * A session read back from its directory. Caller storage: zero it (or not; cx_store_load
 * overwrites it), call cx_store_load, and always call cx_store_session_fini afterwards.
 * Arrays are in file order; instrument ids are those of the run (instruments.csv keeps them).
 */
struct cx_store_session {
    struct cx_registry reg;              /* instruments from instruments.csv */
    struct cx_store_perf_row *perf;      /* perf[0..n_perf), time order */
    size_t n_perf;                       /* rows */
    struct cx_store_fill_row *fills;     /* fills[0..n_fills), file order */
    size_t n_fills;                      /* rows */
    struct cx_order *orders;             /* orders[0..n_orders), file order */
    size_t n_orders;                     /* rows */
    struct cx_store_pos_row *positions;  /* positions[0..n_positions), file order */
    size_t n_positions;                  /* rows */
    char *metadata_json;                 /* NUL-terminated metadata.json text, NULL if absent */
    size_t metadata_len;                 /* bytes, excluding the NUL */
};

/**
 * Read instruments.csv, performance.csv, fills.csv, orders.csv, positions.csv and (optionally)
 * metadata.json of a session directory. Every CSV must be present and start with the exact
 * header line its writer produces; rows are validated field by field (exact decimals at the
 * instrument's exponents, known venue/symbol pairs, known enum names).
 * @param s    caller storage, overwritten; call cx_store_session_fini even after a failure.
 * @param dir  borrowed session directory path.
 * @param err  optional; on failure err->file is the file name inside `dir` (a static string,
 *             "fills.csv"), line/col the 1-based position, detail the offending field.
 * @return 0; CX_ENOENT (missing file); CX_EPARSE (bad header, bad row, wrong column count,
 *         line longer than 4 KiB); CX_EPRECISION / CX_EOVERFLOW (decimal does not fit the
 *         instrument's exponent); CX_ESYMBOL (venue/symbol not in instruments.csv); CX_EIO;
 *         CX_ENOMEM.
 * Any thread; allocates the arrays and the registry. O(total bytes).
 */
int cx_store_load(struct cx_store_session *s, const char *dir, struct cx_parse_err *err);

/** Free what cx_store_load allocated and zero `s`. Safe on a zeroed or failed session. */
void cx_store_session_fini(struct cx_store_session *s);

/**
 * Read one instruments.csv into an initialised (normally empty) registry. Ids are checked to
 * come out as written (the `inst` column), so ids in the other files stay valid.
 * @param path  borrowed; err->file is set to it.
 * @return as cx_store_load; CX_EEXIST for a duplicate (venue, symbol).
 */
int cx_store_read_instruments(const char *path, struct cx_registry *reg,
                              struct cx_parse_err *err);

/**
 * Read performance.csv.
 * @param out_rows  receives a malloc'd array (free() it) on success; NULL when there are no rows.
 * @param out_n     receives the row count on success.
 * @return as cx_store_load; CX_ETIME when timestamps go backwards.
 */
int cx_store_read_perf(const char *path, struct cx_store_perf_row **out_rows, size_t *out_n,
                       struct cx_parse_err *err);

/** Read fills.csv against `reg` (borrowed). Output as cx_store_read_perf. */
int cx_store_read_fills(const char *path, const struct cx_registry *reg,
                        struct cx_store_fill_row **out_rows, size_t *out_n,
                        struct cx_parse_err *err);

/** Read orders.csv against `reg` (borrowed). Output as cx_store_read_perf. */
int cx_store_read_orders(const char *path, const struct cx_registry *reg,
                         struct cx_order **out_rows, size_t *out_n, struct cx_parse_err *err);

/** Read positions.csv against `reg` (borrowed). Output as cx_store_read_perf. */
int cx_store_read_positions(const char *path, const struct cx_registry *reg,
                            struct cx_store_pos_row **out_rows, size_t *out_n,
                            struct cx_parse_err *err);

#ifdef __cplusplus
}
#endif
#endif /* CEXARB_STORE_H */
