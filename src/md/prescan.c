/* SPDX-License-Identifier: MIT */
/*
 * Exponent inference: read recordings once in scan mode (decoders record, per (venue,
 * symbol), the most significant decimals and integer digits seen in prices and quantities,
 * without converting anything), then make the registry able to represent every number exactly:
 * missing instruments are added with exponents from their own data (CX_INST_F_INFERRED), and
 * instruments whose metadata exponents are coarser than the data are refined
 * (cx_registry_refine). Exponents only ever get finer.
 *
 * Memory: one fixed scan table (CX__MD_SCAN_MAX symbols) for all files, plus one reader at a
 * time; constant in the length of the files. Runs at configuration time.
 */
#include "feed_hist.h"
#include "md_int.h"

#include <stdlib.h>
#include <string.h>

/* A mantissa with more digits than this may not fit int64 (9.22e18 has 19 digits). */
#define PRESCAN_MAX_DIGITS 18

/* What one scan entry needs. */
struct need {
    int price_dec; /* decimals prices need, >= 0 */
    int qty_dec;   /* decimals quantities need, >= 0 */
};

static int clamp0(int32_t v)
{
    return v > 0 ? (int)v : 0;
}

static bool is_spot_venue(enum cx_venue v)
{
    return v == CX_VENUE_BINANCE_SPOT || v == CX_VENUE_GATE_SPOT || v == CX_VENUE_MEXC_SPOT;
}

/* Read one file to its end in scan mode. Bad lines are counted by the reader and ignored here
 * (the real pass reports them); fatal errors, and in strict mode the first bad line, return. */
static int scan_file(const char *path, const struct cx_md_reader_opts *opts,
                     struct cx_registry *reg, struct cx__md_scan *scan, int64_t *out_min_feed_ns,
                     struct cx__feed_hist *feed, struct cx_parse_err *err)
{
    struct cx_md_reader *r = NULL;
    int rc = cx__md_reader_open_scan(&r, path, opts, reg, scan, err);
    if (rc != 0)
        return rc;
    const struct cx_md_batch *b;
    for (;;) {
        rc = cx_md_reader_next(r, &b, err);
        if (rc != 1)
            break;
        /* The feed statistics: the same messages as the reader's min_feed_ns (an exchange
         * time and a local time). */
        if (b->n > 0 && b->ev[0].exch_ts_ns != 0 && b->local_ts_ns != 0)
            cx__feed_hist_add(feed, b->local_ts_ns - b->ev[0].exch_ts_ns);
    }
    *out_min_feed_ns = cx_md_reader_stats(r)->min_feed_ns;
    cx_md_reader_close(r);
    return rc;
}

/* Base and quote from a Gate-style "BASE_QUOTE" symbol; left empty otherwise. */
static void guess_assets(struct cx_instrument *inst)
{
    const char *us = strchr(inst->symbol, '_');
    if (us == NULL)
        return;
    size_t bl = (size_t)(us - inst->symbol);
    size_t ql = strlen(us + 1);
    if (bl == 0 || ql == 0 || bl >= sizeof inst->base || ql >= sizeof inst->quote)
        return;
    memcpy(inst->base, inst->symbol, bl);
    inst->base[bl] = '\0';
    memcpy(inst->quote, us + 1, ql + 1);
}

static int set_err(struct cx_parse_err *err, int code, const char *msg, const char *detail)
{
    if (err != NULL) {
        memset(err, 0, sizeof *err);
        cx_parse_err_set(err, code, msg, detail, detail != NULL ? strlen(detail) : 0);
    }
    return code;
}

int cx_md_prescan(const char *const *paths, uint32_t n, const struct cx_md_reader_opts *opts,
                  struct cx_registry *reg, struct cx_md_prescan_report *report,
                  struct cx_parse_err *err)
{
    if (reg == NULL || (n > 0 && paths == NULL))
        return set_err(err, CX_EINVAL, "invalid argument", NULL);
    struct cx_md_reader_opts ropts = {0};
    if (opts != NULL)
        ropts = *opts;
    /* Scanning only needs the numbers' spelling: always the built-in decoders. */
    ropts.decoders = (struct cx_md_decoders){0};
    if (ropts.feed_pct_ppm > 1000000u)
        return set_err(err, CX_EINVAL, "feed_pct_ppm must be at most 1000000", NULL);
    struct cx__feed_hist feed;
    struct cx__md_scan *scan = calloc(1, sizeof *scan);
    if (scan == NULL || cx__feed_hist_init(&feed) != 0) {
        free(scan);
        return set_err(err, CX_ENOMEM, "out of memory", NULL);
    }
    int rc = 0;
    for (uint32_t i = 0; i < n; i++) {
        int64_t min_feed = INT64_MAX;
        cx__feed_hist_reset(&feed);
        rc = scan_file(paths[i], &ropts, reg, scan, &min_feed, &feed, err);
        if (rc == 0 && report != NULL && i < CX_MD_PRESCAN_MAX_FILES) {
            report->min_feed_ns[i] = min_feed;
            if (cx__feed_hist_stats(&feed, ropts.feed_pct_ppm, &report->feed[i]) != 0)
                rc = set_err(err, CX_ERANGE,
                             "clock offset percentile outside the feed histogram's range (a "
                             "clock step in the recording?)",
                             paths[i]);
        }
        if (rc != 0)
            goto out;
    }
    if (scan->overflow > 0) {
        rc = set_err(err, CX_ENOSPC, "more symbols in the files than the scan table holds",
                     NULL);
        goto out;
    }

    /* Validate everything before touching the registry, so a failure leaves it unchanged. */
    uint32_t to_report = 0;
    for (uint32_t i = 0; i < scan->n; i++) {
        const struct cx__md_scan_entry *e = &scan->e[i];
        if (clamp0(e->price_int) + clamp0(e->price_dec) > PRESCAN_MAX_DIGITS ||
            clamp0(e->qty_int) + clamp0(e->qty_dec) > PRESCAN_MAX_DIGITS) {
            rc = set_err(err, CX_EOVERFLOW, "numbers need more than 18 digits", e->symbol);
            goto out;
        }
        const struct cx_instrument *inst = cx_registry_find(
            reg, (enum cx_venue)e->venue, e->symbol, strnlen(e->symbol, sizeof e->symbol));
        if (inst == NULL || -clamp0(e->price_dec) < inst->price_exp ||
            -clamp0(e->qty_dec) < inst->qty_exp)
            to_report++;
    }
    if (report != NULL && to_report > CX_MD_PRESCAN_MAX) {
        rc = set_err(err, CX_ENOSPC, "more inferred/refined instruments than the report holds",
                     NULL);
        goto out;
    }
    if (report != NULL)
        report->n = 0;

    for (uint32_t i = 0; i < scan->n; i++) {
        const struct cx__md_scan_entry *e = &scan->e[i];
        enum cx_venue venue = (enum cx_venue)e->venue;
        size_t sym_len = strnlen(e->symbol, sizeof e->symbol);
        struct need need = {clamp0(e->price_dec), clamp0(e->qty_dec)};
        struct cx_md_prescan_item item = {0};
        const struct cx_instrument *inst = cx_registry_find(reg, venue, e->symbol, sym_len);
        if (inst != NULL) {
            if (-need.price_dec >= inst->price_exp && -need.qty_dec >= inst->qty_exp)
                continue; /* the metadata already fits the data */
            item.inst_id = inst->id;
            item.refined = true;
            item.meta_price_exp = inst->price_exp;
            item.meta_qty_exp = inst->qty_exp;
            rc = cx_registry_refine(reg, inst->id, -need.price_dec, -need.qty_dec);
            if (rc != 0) {
                set_err(err, rc, "cannot refine the instrument's exponents", e->symbol);
                goto out;
            }
            inst = cx_registry_get(reg, item.inst_id);
        } else {
            struct cx_instrument add = {0};
            add.venue = (uint8_t)venue;
            add.kind = (uint8_t)(is_spot_venue(venue) ? CX_KIND_SPOT : CX_KIND_LINEAR_PERP);
            add.price_exp = (int8_t)-need.price_dec;
            add.qty_exp = (int8_t)-need.qty_dec;
            add.flags = CX_INST_F_INFERRED;
            memcpy(add.symbol, e->symbol, sym_len < sizeof add.symbol ? sym_len : 0);
            guess_assets(&add);
            add.multiplier = 1; /* unknown contract size: 1 base unit per quantity unit */
            add.multiplier_exp = 0;
            uint32_t id;
            rc = cx_registry_add(reg, &add, &id);
            if (rc != 0) {
                set_err(err, rc, "cannot add the inferred instrument", e->symbol);
                goto out;
            }
            inst = cx_registry_get(reg, id);
            item.inst_id = id;
            item.inferred = true;
            item.meta_price_exp = add.price_exp;
            item.meta_qty_exp = add.qty_exp;
        }
        item.price_exp = inst->price_exp;
        item.qty_exp = inst->qty_exp;
        if (report != NULL)
            report->items[report->n++] = item;
    }
    rc = 0;
out:
    cx__feed_hist_fini(&feed);
    free(scan);
    return rc;
}
