/* SPDX-License-Identifier: MIT */
/*
 * Instrument registry: a dense array of struct cx_instrument indexed by id, plus an
 * open-addressing hash index on (venue, native symbol) so parsers can intern a symbol to its
 * id once per message. The index uses FNV-1a and linear probing, stores id + 1 per slot (0 =
 * empty), is a power of two in size and is kept at most half full, so a probe sequence always
 * ends at an empty slot. Both arrays grow only at configuration time (cx_registry_add); lookups
 * never allocate. Entries are never removed, so no tombstones are needed.
 */
#include "cexarb/instrument.h"

#include <stdlib.h>
#include <string.h>

/* Smallest item capacity; the index starts at twice the item capacity. */
#define REG_MIN_CAP 16u
/* Largest item capacity: keeps index_cap (2 * cap rounded up to a power of two) in uint32. */
#define REG_MAX_CAP (UINT32_C(1) << 30)

/* ---------------------------------------------------------------------------------------------
 * MARK: names
 * ------------------------------------------------------------------------------------------- */

static const char *const k_venue_names[CX_VENUE_COUNT] = {
    [CX_VENUE_UNKNOWN] = "unknown",
    [CX_VENUE_BINANCE_SPOT] = "binance_spot",
    [CX_VENUE_BINANCE_USDM] = "binance_usdm",
    [CX_VENUE_GATE_SPOT] = "gate_spot",
    [CX_VENUE_GATE_FUTURES] = "gate_futures",
    [CX_VENUE_MEXC_SPOT] = "mexc_spot",
    [CX_VENUE_HYPERLIQUID] = "hyperliquid",
};

const char *cx_venue_name(enum cx_venue venue)
{
    if ((int)venue < 0 || venue >= CX_VENUE_COUNT)
        return "unknown";
    return k_venue_names[venue];
}

int cx_venue_parse(const char *name, size_t n, enum cx_venue *out)
{
    if (name == NULL || out == NULL)
        return CX_EINVAL;
    /* "unknown" is deliberately not accepted: it is a placeholder, never a venue in a file. */
    for (int v = CX_VENUE_UNKNOWN + 1; v < CX_VENUE_COUNT; v++) {
        const char *s = k_venue_names[v];
        if (strlen(s) == n && memcmp(s, name, n) == 0) {
            *out = (enum cx_venue)v;
            return 0;
        }
    }
    return CX_EINVAL;
}

const char *cx_inst_kind_name(enum cx_inst_kind kind)
{
    switch (kind) {
    case CX_KIND_SPOT:
        return "spot";
    case CX_KIND_LINEAR_PERP:
        return "linear_perp";
    case CX_KIND_INVERSE_PERP:
        return "inverse_perp";
    }
    return "unknown";
}

/* ---------------------------------------------------------------------------------------------
 * MARK: hash index
 * ------------------------------------------------------------------------------------------- */

/* FNV-1a, 32-bit (Fowler/Noll/Vo, http://www.isthe.com/chongo/tech/comp/fnv/): the venue byte
 * first, then the symbol bytes. Symbols are short, so a simple byte hash is enough. */
static uint32_t reg_hash(enum cx_venue venue, const char *sym, size_t n)
{
    uint32_t h = 2166136261u;
    h ^= (uint32_t)venue;
    h *= 16777619u;
    for (size_t i = 0; i < n; i++) {
        h ^= (uint32_t)(unsigned char)sym[i];
        h *= 16777619u;
    }
    return h;
}

/* Inserts id into a slot array known to have room and not to contain the key. */
static void reg_index_put(uint32_t *index, uint32_t index_cap, const struct cx_instrument *inst)
{
    uint32_t mask = index_cap - 1u;
    uint32_t slot = reg_hash((enum cx_venue)inst->venue, inst->symbol, strlen(inst->symbol)) & mask;
    while (index[slot] != 0)
        slot = (slot + 1u) & mask;
    index[slot] = inst->id + 1u;
}

/* Rebuilds the index at new_cap slots (a power of two). Returns 0 or CX_ENOMEM (the old index
 * is kept on failure). */
static int reg_index_rebuild(struct cx_registry *reg, uint32_t new_cap)
{
    uint32_t *index = calloc(new_cap, sizeof *index);
    if (index == NULL)
        return CX_ENOMEM;
    for (uint32_t i = 0; i < reg->count; i++)
        reg_index_put(index, new_cap, &reg->items[i]);
    free(reg->index);
    reg->index = index;
    reg->index_cap = new_cap;
    return 0;
}

/* Smallest power of two >= 2 * cap, so the index stays at most half full. */
static uint32_t reg_index_cap_for(uint32_t cap)
{
    uint32_t c = 1;
    while (c < 2u * cap)
        c <<= 1;
    return c;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: registry
 * ------------------------------------------------------------------------------------------- */

int cx_registry_init(struct cx_registry *reg, uint32_t cap_hint)
{
    if (reg == NULL)
        return CX_EINVAL;
    memset(reg, 0, sizeof *reg);
    uint32_t cap = cap_hint < REG_MIN_CAP ? REG_MIN_CAP : cap_hint;
    if (cap > REG_MAX_CAP)
        return CX_ENOMEM;
    reg->items = calloc(cap, sizeof *reg->items);
    if (reg->items == NULL)
        return CX_ENOMEM;
    reg->cap = cap;
    int rc = reg_index_rebuild(reg, reg_index_cap_for(cap));
    if (rc != 0) {
        free(reg->items);
        memset(reg, 0, sizeof *reg);
        return rc;
    }
    return 0;
}

void cx_registry_fini(struct cx_registry *reg)
{
    if (reg == NULL)
        return;
    free(reg->items);
    free(reg->index);
    memset(reg, 0, sizeof *reg);
}

const struct cx_instrument *cx_registry_find(const struct cx_registry *reg, enum cx_venue venue,
                                             const char *sym, size_t n)
{
    if (reg == NULL || reg->index_cap == 0 || sym == NULL || n == 0 ||
        n >= sizeof reg->items[0].symbol)
        return NULL;
    uint32_t mask = reg->index_cap - 1u;
    uint32_t slot = reg_hash(venue, sym, n) & mask;
    /* The index is at most half full, so this loop meets an empty slot. */
    for (;;) {
        uint32_t v = reg->index[slot];
        if (v == 0)
            return NULL;
        const struct cx_instrument *it = &reg->items[v - 1u];
        if (it->venue == (uint8_t)venue && memcmp(it->symbol, sym, n) == 0 &&
            it->symbol[n] == '\0')
            return it;
        slot = (slot + 1u) & mask;
    }
}

const struct cx_instrument *cx_registry_get(const struct cx_registry *reg, uint32_t id)
{
    if (reg == NULL || id >= reg->count)
        return NULL;
    return &reg->items[id];
}

/* Grows items (doubling) and the index so that one more instrument fits. */
static int reg_reserve_one(struct cx_registry *reg)
{
    if (reg->count < reg->cap && 2u * (reg->count + 1u) <= reg->index_cap)
        return 0;
    uint32_t new_cap = reg->cap;
    if (reg->count >= reg->cap) {
        if (reg->cap >= REG_MAX_CAP)
            return CX_ENOMEM;
        new_cap = reg->cap < REG_MIN_CAP ? REG_MIN_CAP : reg->cap * 2u;
        struct cx_instrument *items = realloc(reg->items, (size_t)new_cap * sizeof *items);
        if (items == NULL)
            return CX_ENOMEM;
        memset(items + reg->cap, 0, (size_t)(new_cap - reg->cap) * sizeof *items);
        reg->items = items;
        reg->cap = new_cap;
    }
    uint32_t want = reg_index_cap_for(new_cap);
    if (want > reg->index_cap)
        return reg_index_rebuild(reg, want);
    return 0;
}

static bool exp_ok(int e)
{
    return e >= CX_DEC_EXP_MIN && e <= CX_DEC_EXP_MAX;
}

int cx_registry_add(struct cx_registry *reg, const struct cx_instrument *inst, uint32_t *out_id)
{
    if (reg == NULL || inst == NULL)
        return CX_EINVAL;
    size_t n = strnlen(inst->symbol, sizeof inst->symbol);
    if (n == 0 || n == sizeof inst->symbol)
        return CX_EINVAL; /* empty or not NUL-terminated */
    if (inst->venue == CX_VENUE_UNKNOWN || inst->venue >= CX_VENUE_COUNT)
        return CX_EINVAL;
    if (!exp_ok(inst->price_exp) || !exp_ok(inst->qty_exp) || !exp_ok(inst->multiplier_exp))
        return CX_EINVAL;
    if (cx_registry_find(reg, (enum cx_venue)inst->venue, inst->symbol, n) != NULL)
        return CX_EEXIST;
    int rc = reg_reserve_one(reg);
    if (rc != 0)
        return rc;
    uint32_t id = reg->count;
    struct cx_instrument *slot = &reg->items[id];
    *slot = *inst;
    slot->id = id;
    /* Normalise the fixed-size strings so lookups can rely on NUL-termination. */
    slot->base[sizeof slot->base - 1] = '\0';
    slot->quote[sizeof slot->quote - 1] = '\0';
    reg->count++;
    reg_index_put(reg->index, reg->index_cap, slot);
    if (out_id != NULL)
        *out_id = id;
    return 0;
}

int cx_registry_refine(struct cx_registry *reg, uint32_t id, int price_exp, int qty_exp)
{
    if (reg == NULL || id >= reg->count)
        return CX_EINVAL;
    if (!exp_ok(price_exp) || !exp_ok(qty_exp))
        return CX_EINVAL;
    struct cx_instrument *it = &reg->items[id];
    /* Finer only: a request coarser than the current exponent leaves that exponent alone. */
    int new_pexp = price_exp < it->price_exp ? price_exp : it->price_exp;
    int new_qexp = qty_exp < it->qty_exp ? qty_exp : it->qty_exp;
    if (new_pexp == it->price_exp && new_qexp == it->qty_exp)
        return 0;
    /* Rescale everything first so the instrument is unchanged on failure. */
    int64_t tick, lot, min_qty;
    int rc = cx_dec_rescale(it->tick, it->price_exp, new_pexp, &tick);
    if (rc == 0)
        rc = cx_dec_rescale(it->lot, it->qty_exp, new_qexp, &lot);
    if (rc == 0)
        rc = cx_dec_rescale(it->min_qty, it->qty_exp, new_qexp, &min_qty);
    if (rc != 0)
        return rc; /* only CX_EOVERFLOW is possible when going finer */
    it->price_exp = (int8_t)new_pexp;
    it->qty_exp = (int8_t)new_qexp;
    it->tick = tick;
    it->lot = lot;
    it->min_qty = min_qty;
    it->flags |= CX_INST_F_REFINED;
    return 0;
}
