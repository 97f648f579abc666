/* SPDX-License-Identifier: MIT */
/* libFuzzer target for the configuration loader (conf.h) on a table with every value type,
 * sections, an inlined table and a bounded sequence: never crashes; every failure carries a
 * code, a message and a key; a rejected input leaves the struct untouched; every accepted input
 * renders to JSON that loads back to the same rendering (the round trip metadata.json relies
 * on). */
#include "cexarb/conf.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fz_item {
    char name[8];
    uint32_t qty;
    int64_t px_m;
};

struct fz_inner {
    int32_t level;
    double weight;
};

struct fz_cfg {
    int32_t small;
    uint8_t byte;
    uint64_t big;
    int64_t wide;
    double ratio;
    double num;
    int64_t amount_m;
    double price;
    int64_t timeout_ns;
    int64_t any_ns;
    char name[8];
    uint8_t venue;
    uint8_t color;
    bool flag;
    struct fz_inner inner;
    struct fz_inner extra;
    uint32_t n_items;
    struct fz_item items[3];
};

static const char *const k_colors[] = {"red", "green", "blue", NULL};

static const struct cx_conf_field k_inner[] = {
    CX_CONF_INT("level", struct fz_inner, level, 0, 10),
    CX_CONF_F64("weight", struct fz_inner, weight, OPEN, 0, 1, CLOSED),
    CX_CONF_END,
};

static const struct cx_conf_field k_extra[] = {
    CX_CONF_INT_ANY("extra_level", struct fz_inner, level, NULL),
    CX_CONF_F64("extra_weight", struct fz_inner, weight, CLOSED, -1e300, 1e300, OPEN),
    CX_CONF_END,
};

static const struct cx_conf_field k_item[] = {
    CX_CONF_STR("name", struct fz_item, name, CX_CONF_F_NONEMPTY | CX_CONF_F_REQUIRED, NULL),
    CX_CONF_INT("qty", struct fz_item, qty, 1, 1000),
    CX_CONF_DEC("px", struct fz_item, px_m, -2),
    CX_CONF_END,
};

static const struct fz_item k_item_default = {.name = "", .qty = 1, .px_m = 0};

static const struct cx_conf_field k_cfg[] = {
    CX_CONF_INT("small", struct fz_cfg, small, -5, 5),
    CX_CONF_INT_ANY("byte", struct fz_cfg, byte, NULL),
    CX_CONF_INT_ANY("big", struct fz_cfg, big, NULL),
    CX_CONF_INT_ANY("wide", struct fz_cfg, wide, NULL),
    CX_CONF_F64("ratio", struct fz_cfg, ratio, CLOSED, 0, 1, CLOSED),
    {.name = "num", .type = CX_CONF_T_F64, .storage = CX_CONF_S_F64,
     .off = offsetof(struct fz_cfg, num), .size = sizeof(double)},
    CX_CONF_DEC("amount", struct fz_cfg, amount_m, -8),
    CX_CONF_DEC_K("price", "price", struct fz_cfg, price, -2, OPEN, 0, 1e12, CLOSED),
    CX_CONF_DUR("timeout", struct fz_cfg, timeout_ns, 1, ms, 60, s),
    {.name = "any", .type = CX_CONF_T_DUR, .storage = CX_CONF_S_I64,
     .off = offsetof(struct fz_cfg, any_ns), .size = sizeof(int64_t)},
    CX_CONF_STR("name", struct fz_cfg, name, 0u, NULL),
    CX_CONF_VENUE("venue", struct fz_cfg, venue),
    CX_CONF_ENUM("color", struct fz_cfg, color, k_colors, NULL),
    CX_CONF_BOOL("flag", struct fz_cfg, flag),
    CX_CONF_SECTION("inner", struct fz_cfg, inner, k_inner),
    CX_CONF_INLINE(struct fz_cfg, extra, k_extra),
    CX_CONF_SEQ("items", struct fz_cfg, items, n_items, k_item, &k_item_default, NULL),
    CX_CONF_END,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct fz_cfg c, before, back;
    static char json[8192], json2[8192];
    /* Defaults inside every bound (a default outside its bounds would render to JSON that
     * does not load back); the padding keeps 0x5a, compared with memcmp below. */
    memset(&c, 0x5a, sizeof c);
    c.small = 0;
    c.byte = 1;
    c.big = 2;
    c.wide = -3;
    c.ratio = 0.5;
    c.num = 1e300;
    c.amount_m = 0;
    c.price = 1;
    c.timeout_ns = 1000000000;
    c.any_ns = 0;
    memset(c.name, 0, sizeof c.name);
    c.venue = 1;
    c.color = 0;
    c.flag = false;
    c.inner = (struct fz_inner){3, 0.5};
    c.extra = (struct fz_inner){-4, 0.25};
    c.n_items = 0;
    memset(c.items, 0, sizeof c.items);
    before = c;
    struct cx_parse_err err;
    int rc = cx_conf_load_string((const char *)data, size, "fuzz", k_cfg, &c, sizeof c, NULL,
                                 &err);
    if (rc != 0) {
        if (err.code != rc || err.msg == NULL || memcmp(&c, &before, sizeof c) != 0)
            abort();
        return 0;
    }
    int n = cx_conf_to_json(k_cfg, &c, json, sizeof json);
    if (n < 0)
        abort();
    memset(&back, 0, sizeof back);
    if (cx_conf_load_string(json, (size_t)n, "json", k_cfg, &back, sizeof back, NULL, &err) != 0)
        abort();
    if (cx_conf_to_json(k_cfg, &back, json2, sizeof json2) != n || memcmp(json, json2, (size_t)n))
        abort();
    return 0;
}
