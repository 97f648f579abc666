/* SPDX-License-Identifier: MIT */
/*
 * Private interface of the md module, shared by the decoders and the readers/prescan, and used
 * by the cJSON reference decoders of tests/support, which are built against md's internals.
 * Decoders never convert numbers or look up symbols themselves: they call cx__md_resolve once
 * per message and cx__md_price / cx__md_qty per number, so the same decoder code serves normal
 * decoding (exact conversion at the instrument's exponents) and the prescan (recording how many
 * decimals and integer digits each symbol's data needs).
 */
#ifndef CX_MD_INT_H
#define CX_MD_INT_H

#include "cexarb/md.h"

/** Prescan record for one (venue, symbol). */
struct cx__md_scan_entry {
    uint8_t venue;          /* enum cx_venue */
    char symbol[32];        /* NUL-terminated native symbol */
    int32_t price_dec;      /* max significant decimals seen in prices */
    int32_t qty_dec;        /* max significant decimals seen in quantities */
    int32_t price_int;      /* max integer digits seen in prices */
    int32_t qty_int;        /* max integer digits seen in quantities */
    uint64_t numbers;       /* numbers recorded */
};

#define CX__MD_SCAN_MAX 256

/** Prescan table: fixed capacity, no allocation while scanning. */
struct cx__md_scan {
    uint32_t n;                                      /* entries used */
    uint32_t overflow;                               /* symbols that did not fit */
    struct cx__md_scan_entry e[CX__MD_SCAN_MAX];     /* entries */
};

/** A resolved symbol for the current message. */
struct cx__md_sym {
    const struct cx_instrument *inst; /* normal mode: the instrument; scan mode: NULL */
    struct cx__md_scan_entry *scan;   /* scan mode: the entry to record into; else NULL */
    uint32_t inst_id;                 /* instrument id (UINT32_MAX in scan mode) */
    int price_exp;                    /* exponents to convert at (normal mode) */
    int qty_exp;
};

/**
 * Resolve a venue-native symbol for the current message.
 * Normal mode: registry lookup (CX_ESYMBOL when missing, with the symbol in err->detail).
 * Scan mode (ctx->scan != NULL): find or create the scan entry (CX_ENOSPC when full).
 */
int cx__md_resolve(const struct cx_md_ctx *ctx, enum cx_venue venue, const char *sym, size_t n,
                   struct cx__md_sym *out, struct cx_parse_err *err);

/**
 * Convert a price (or quantity) decimal string/number exactly at the symbol's exponent.
 * Scan mode: records decimals and integer digits, writes 0. Errors: as cx_dec_parse
 * (CX_EPARSE, CX_EPRECISION, CX_EOVERFLOW).
 */
int cx__md_price(const struct cx__md_sym *sym, const char *s, size_t n, int64_t *out);
int cx__md_qty(const struct cx__md_sym *sym, const char *s, size_t n, int64_t *out);

/** Parse an unsigned decimal integer (ids, ms timestamps). CX_EPARSE / CX_EOVERFLOW. */
int cx__md_u64(const char *s, size_t n, uint64_t *out);

/**
 * Open a reader in scan mode (cx_md_prescan): its decoders record decimals into `scan`
 * (retained until close, shared by every file of one prescan) instead of converting numbers,
 * and registry lookups are not required (`reg` may be NULL). Otherwise as cx_md_reader_open.
 */
int cx__md_reader_open_scan(struct cx_md_reader **out, const char *path,
                            const struct cx_md_reader_opts *opts, struct cx_registry *reg,
                            struct cx__md_scan *scan, struct cx_parse_err *err);

#endif /* CX_MD_INT_H */
