/* SPDX-License-Identifier: MIT */
/*
 * Venue accounts: spot balances per asset and perpetual positions against one margin wallet.
 * The simulated venue uses these to accept or reject orders (cx_account_check) and to settle
 * executions (cx_account_apply_fill) and funding (cx_account_apply_funding); the OMS keeps its
 * own per-instrument positions with the same average-cost rule (cx__avgcost), so a venue-side
 * perp and the engine-side position of the same fills agree to the last 1e-8.
 * All amounts are int64 mantissas at CX_NOTIONAL_EXP. Nothing here allocates.
 */
#include "oms_int.h"

#include <string.h>

/* ---------------------------------------------------------------------------------------------
 * MARK: tables
 * ------------------------------------------------------------------------------------------- */

/* Length of an asset name when it fits cx_balance.asset with its NUL, else 0. */
static size_t asset_len(const char *asset)
{
    if (asset == NULL)
        return 0;
    size_t n = strnlen(asset, sizeof ((struct cx_balance *)0)->asset);
    return n < sizeof ((struct cx_balance *)0)->asset ? n : 0;
}

static const struct cx_balance *find_balance(const struct cx_account *acct, const char *asset)
{
    if (asset_len(asset) == 0)
        return NULL;
    uint32_t n = acct->n_balances < CX_ACCOUNT_MAX_ASSETS ? acct->n_balances
                                                           : CX_ACCOUNT_MAX_ASSETS;
    for (uint32_t i = 0; i < n; i++)
        if (strcmp(acct->balances[i].asset, asset) == 0)
            return &acct->balances[i];
    return NULL;
}

static const struct cx_perp_pos *find_perp(const struct cx_account *acct, uint32_t inst_id)
{
    uint32_t n = acct->n_perps < CX_ACCOUNT_MAX_PERPS ? acct->n_perps : CX_ACCOUNT_MAX_PERPS;
    for (uint32_t i = 0; i < n; i++)
        if (acct->perps[i].inst_id == inst_id)
            return &acct->perps[i];
    return NULL;
}

struct cx_balance *cx_account_balance(struct cx_account *acct, const char *asset)
{
    if (acct == NULL)
        return NULL;
    size_t n = asset_len(asset);
    if (n == 0)
        return NULL;
    const struct cx_balance *found = find_balance(acct, asset);
    if (found != NULL)
        return &acct->balances[found - acct->balances];
    if (acct->n_balances >= CX_ACCOUNT_MAX_ASSETS)
        return NULL;
    struct cx_balance *b = &acct->balances[acct->n_balances++];
    memset(b, 0, sizeof *b);
    memcpy(b->asset, asset, n);
    return b;
}

struct cx_perp_pos *cx_account_perp(struct cx_account *acct, uint32_t inst_id)
{
    if (acct == NULL)
        return NULL;
    const struct cx_perp_pos *found = find_perp(acct, inst_id);
    if (found != NULL)
        return &acct->perps[found - acct->perps];
    if (acct->n_perps >= CX_ACCOUNT_MAX_PERPS)
        return NULL;
    struct cx_perp_pos *p = &acct->perps[acct->n_perps++];
    memset(p, 0, sizeof *p);
    p->inst_id = inst_id;
    return p;
}

int cx_account_lock(struct cx_account *acct, const char *asset, int64_t amount)
{
    if (acct == NULL || amount < 0)
        return CX_EINVAL;
    if (asset_len(asset) == 0)
        return CX_EINVAL;
    const struct cx_balance *found = find_balance(acct, asset);
    int64_t total = found != NULL ? found->total : 0;
    int64_t locked = found != NULL ? found->locked : 0;
    /* free = total - locked; both are bounded int64, so compute in 128 bits. */
    if ((__int128)total - locked < amount)
        return CX_ERANGE;
    struct cx_balance *b = cx_account_balance(acct, asset);
    if (b == NULL)
        return CX_ENOSPC;
    b->locked += amount; /* <= total: cannot overflow */
    return 0;
}

int cx_account_unlock(struct cx_account *acct, const char *asset, int64_t amount)
{
    if (acct == NULL || amount < 0)
        return CX_EINVAL;
    if (asset_len(asset) == 0)
        return CX_EINVAL;
    const struct cx_balance *found = find_balance(acct, asset);
    if (found == NULL)
        return amount == 0 ? 0 : CX_ERANGE;
    if (found->locked < amount)
        return CX_ERANGE;
    acct->balances[found - acct->balances].locked -= amount;
    return 0;
}

int64_t cx_account_margin_used(const struct cx_account *acct)
{
    if (acct == NULL)
        return 0;
    uint32_t n = acct->n_perps < CX_ACCOUNT_MAX_PERPS ? acct->n_perps : CX_ACCOUNT_MAX_PERPS;
    unsigned __int128 cost = 0;
    for (uint32_t i = 0; i < n; i++)
        cost += cx__mag(acct->perps[i].cost);
    unsigned __int128 used;
    uint32_t lev = acct->leverage > 0 ? acct->leverage : 1;
    (void)cx__udiv(cost, lev, CX__ROUND_UP, &used);
    return used > (unsigned __int128)INT64_MAX ? INT64_MAX : (int64_t)used;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: pre-trade check
 * ------------------------------------------------------------------------------------------- */

/* Base amount at CX_NOTIONAL_EXP of qty_m contracts/units (qty x multiplier), exactly. */
static int base_amount(const struct cx_instrument *inst, int64_t qty_m, int64_t *out)
{
    /* A price of 1 at exponent 0 turns cx__value into qty x multiplier at CX_NOTIONAL_EXP. */
    struct cx_instrument unit = *inst;
    unit.price_exp = 0;
    return cx__value(&unit, 1, qty_m, CX__ROUND_EXACT, out);
}

int cx_account_order_hold(const struct cx_instrument *inst, const struct cx_order_req *req,
                          int64_t price_m, int64_t fee_rate_ppb, const char **out_asset,
                          int64_t *out_amount)
{
    if (inst == NULL || req == NULL || out_asset == NULL || out_amount == NULL)
        return CX_EINVAL;
    if (inst->kind != CX_KIND_SPOT || req->qty_m <= 0 || price_m <= 0)
        return CX_EINVAL;
    int64_t amount;
    int rc;
    if (req->side == CX_SIDE_BID) {
        int64_t notional;
        rc = cx__value(inst, price_m, req->qty_m, CX__ROUND_HALF_AWAY, &notional);
        if (rc != 0)
            return rc;
        int64_t fee = cx_fee(notional, fee_rate_ppb);
        if (fee < 0)
            fee = 0; /* a maker rebate is paid after the fill; never count on it up front */
        if (cx__add(notional, fee, &amount) != 0)
            return CX_EOVERFLOW;
        *out_asset = inst->quote;
    } else if (req->side == CX_SIDE_ASK) {
        rc = base_amount(inst, req->qty_m, &amount);
        if (rc != 0)
            return rc;
        *out_asset = inst->base;
    } else {
        return CX_EINVAL;
    }
    *out_amount = amount;
    return 0;
}

/* Free amount (total - locked) of an asset; 0 when the account has no entry for it. */
static __int128 free_of(const struct cx_account *acct, const char *asset)
{
    const struct cx_balance *b = find_balance(acct, asset);
    return b != NULL ? (__int128)b->total - b->locked : 0;
}

static enum cx_reject check_spot(const struct cx_account *acct, const struct cx_instrument *inst,
                                 const struct cx_order_req *req, int64_t price_m,
                                 int64_t fee_rate_ppb)
{
    if (req->flags & CX_ORD_F_REDUCE_ONLY)
        return CX_REJ_INVALID; /* reduce-only has no meaning without a position */
    const char *asset;
    int64_t need;
    if (cx_account_order_hold(inst, req, price_m, fee_rate_ppb, &asset, &need) != 0)
        return CX_REJ_INVALID; /* a quantity no 1e-8 balance can hold, or overflow */
    return free_of(acct, asset) >= need ? CX_REJ_NONE : CX_REJ_BALANCE;
}

static enum cx_reject check_perp(const struct cx_account *acct, const struct cx_instrument *inst,
                                 const struct cx_order_req *req, int64_t price_m,
                                 int64_t fee_rate_ppb)
{
    const struct cx_perp_pos *pos = find_perp(acct, inst->id);
    int64_t q = pos != NULL ? pos->qty_m : 0;
    int64_t q_abs = q < 0 ? -q : q;
    int buy = req->side == CX_SIDE_BID;
    int reduces = q != 0 && (q > 0) != buy;
    if ((req->flags & CX_ORD_F_REDUCE_ONLY) && (!reduces || req->qty_m > q_abs))
        return CX_REJ_REDUCE_ONLY;
    if (reduces && req->qty_m <= q_abs)
        return CX_REJ_NONE; /* a pure reduction frees margin; it needs none */

    /* Quantity opened by the order, and the cost a flip releases. */
    int64_t opened = reduces ? req->qty_m - q_abs : req->qty_m;
    int64_t released = reduces ? pos->cost : 0;
    int64_t open_n, order_n;
    if (cx__value(inst, price_m, opened, CX__ROUND_UP, &open_n) != 0 ||
        cx__value(inst, price_m, req->qty_m, CX__ROUND_HALF_AWAY, &order_n) != 0)
        return CX_REJ_INVALID;
    int64_t fee = cx_fee(order_n, fee_rate_ppb);
    if (fee < 0)
        fee = 0;
    uint32_t lev = acct->leverage > 0 ? acct->leverage : 1;
    unsigned __int128 need_margin, used_margin, used_cost = 0;
    (void)cx__udiv((unsigned __int128)open_n, lev, CX__ROUND_UP, &need_margin);
    uint32_t n = acct->n_perps < CX_ACCOUNT_MAX_PERPS ? acct->n_perps : CX_ACCOUNT_MAX_PERPS;
    for (uint32_t i = 0; i < n; i++)
        used_cost += cx__mag(acct->perps[i].cost);
    used_cost -= cx__mag(released);
    (void)cx__udiv(used_cost, lev, CX__ROUND_UP, &used_margin);
    __int128 avail = free_of(acct, inst->quote) - (__int128)used_margin;
    __int128 need = (__int128)need_margin + fee;
    return avail >= need ? CX_REJ_NONE : CX_REJ_MARGIN;
}

enum cx_reject cx_account_check(const struct cx_account *acct, const struct cx_instrument *inst,
                                const struct cx_order_req *req, int64_t price_m,
                                int64_t fee_rate_ppb)
{
    if (acct == NULL || inst == NULL || req == NULL || req->inst_id != inst->id ||
        req->qty_m <= 0 || price_m <= 0 ||
        (req->side != CX_SIDE_BID && req->side != CX_SIDE_ASK) ||
        (req->flags & ~CX_ORD_F_REDUCE_ONLY) != 0)
        return CX_REJ_INVALID;
    switch (inst->kind) {
    case CX_KIND_SPOT:
        return check_spot(acct, inst, req, price_m, fee_rate_ppb);
    case CX_KIND_LINEAR_PERP:
        return check_perp(acct, inst, req, price_m, fee_rate_ppb);
    default:
        return CX_REJ_INVALID; /* inverse perps are not modelled */
    }
}

/* ---------------------------------------------------------------------------------------------
 * MARK: settlement
 * ------------------------------------------------------------------------------------------- */

static int apply_spot(struct cx_account *acct, const struct cx_instrument *inst,
                      const struct cx_fill *fill)
{
    int64_t notional, base_amt;
    int rc = cx__value(inst, fill->price_m, fill->qty_m, CX__ROUND_HALF_AWAY, &notional);
    if (rc != 0)
        return rc;
    rc = base_amount(inst, fill->qty_m, &base_amt);
    if (rc != 0)
        return rc;
    struct cx_balance *base = cx_account_balance(acct, inst->base);
    struct cx_balance *quote = cx_account_balance(acct, inst->quote);
    if (base == NULL || quote == NULL)
        return CX_ENOSPC;
    /* buy: base += qty, quote -= notional + fee; sell: base -= qty, quote += notional - fee. */
    int buy = fill->side == CX_SIDE_BID;
    int64_t base_total, quote_total, quote_delta;
    if (cx__add(buy ? notional : -notional, fill->fee, &quote_delta) != 0 ||
        cx__add(base->total, buy ? base_amt : -base_amt, &base_total) != 0 ||
        cx__add(quote->total, -quote_delta, &quote_total) != 0)
        return CX_EOVERFLOW;
    base->total = base_total;
    quote->total = quote_total;
    return 0;
}

static int apply_perp(struct cx_account *acct, const struct cx_instrument *inst,
                      const struct cx_fill *fill)
{
    struct cx_perp_pos *pos = cx_account_perp(acct, inst->id);
    struct cx_balance *wallet = cx_account_balance(acct, inst->quote);
    if (pos == NULL || wallet == NULL)
        return CX_ENOSPC;
    /* The perp stores |cost|; the rule works on the signed cost, which has the position's sign. */
    int64_t signed_cost = pos->qty_m < 0 ? -pos->cost : pos->cost;
    struct cx__avgcost r;
    int rc = cx__avgcost(inst, pos->qty_m, signed_cost, fill->side, fill->price_m, fill->qty_m,
                         &r);
    if (rc != 0)
        return rc;
    int64_t entry = pos->entry_price_m; /* reductions keep the entry price */
    if (r.qty_m == 0) {
        entry = 0;
    } else if (r.flipped) {
        entry = fill->price_m;
    } else if (r.opened) {
        rc = cx__price_of(inst, r.cost, r.qty_m, &entry);
        if (rc != 0)
            return rc;
    }
    int64_t realized, wallet_delta, wallet_total;
    if (cx__add(pos->realized_pnl, r.realized, &realized) != 0 ||
        cx__add(r.realized, -fill->fee, &wallet_delta) != 0 ||
        cx__add(wallet->total, wallet_delta, &wallet_total) != 0)
        return CX_EOVERFLOW;
    pos->qty_m = r.qty_m;
    pos->cost = r.cost < 0 ? -r.cost : r.cost;
    pos->entry_price_m = entry;
    pos->realized_pnl = realized;
    wallet->total = wallet_total;
    return 0;
}

int cx_account_apply_fill(struct cx_account *acct, const struct cx_instrument *inst,
                          const struct cx_fill *fill)
{
    if (acct == NULL || inst == NULL || fill == NULL || fill->inst_id != inst->id ||
        fill->qty_m <= 0 || fill->price_m <= 0 ||
        (fill->side != CX_SIDE_BID && fill->side != CX_SIDE_ASK) || fill->fee == INT64_MIN)
        return CX_EINVAL;
    switch (inst->kind) {
    case CX_KIND_SPOT:
        return apply_spot(acct, inst, fill);
    case CX_KIND_LINEAR_PERP:
        return apply_perp(acct, inst, fill);
    default:
        return CX_ENOTSUP;
    }
}

int cx_account_apply_funding(struct cx_account *acct, const struct cx_instrument *inst,
                             int64_t mark_price_m, int64_t rate_ppb, int64_t *out_amount)
{
    if (acct == NULL || inst == NULL || mark_price_m <= 0)
        return CX_EINVAL;
    if (inst->kind != CX_KIND_LINEAR_PERP)
        return CX_EINVAL;
    const struct cx_perp_pos *pos = find_perp(acct, inst->id);
    int64_t amount = 0;
    if (pos != NULL && pos->qty_m != 0) {
        int64_t value;
        int rc = cx__value(inst, mark_price_m, pos->qty_m, CX__ROUND_HALF_AWAY, &value);
        if (rc != 0)
            return rc;
        /* Longs pay a positive rate: amount = -(signed position value) x rate. */
        amount = -cx_fee(value, rate_ppb);
        struct cx_balance *wallet = cx_account_balance(acct, inst->quote);
        if (wallet == NULL)
            return CX_ENOSPC;
        int64_t total;
        if (cx__add(wallet->total, amount, &total) != 0)
            return CX_EOVERFLOW;
        wallet->total = total;
    }
    if (out_amount != NULL)
        *out_amount = amount;
    return 0;
}
