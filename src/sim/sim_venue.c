/* SPDX-License-Identifier: MIT */
/*
 * The simulated venue behind the runtime's venue interface (venue.h): thin adapters from
 * struct cx_venue_ops to the cx_sim_* calls, plus the state queries (open orders, accounts)
 * the interface asks for. The venue's behaviour is entirely in sim.c and match.c.
 */
#include "sim_int.h"

#include "cexarb/venue.h"

#include <string.h>

static int v_submit(void *impl, const struct cx_order_req *req, int64_t now_ns)
{
    return cx_sim_submit(impl, req, now_ns);
}

static int v_cancel(void *impl, const struct cx_order_req *req, int64_t now_ns)
{
    return cx_sim_cancel(impl, req->client_id, now_ns);
}

static int v_open_orders(void *impl, uint16_t account_id, uint32_t inst_id,
                         struct cx_order_req *out, uint32_t cap, uint32_t *out_n)
{
    return cx_sim_open_orders(impl, account_id, inst_id, out, cap, out_n);
}

static int v_account(void *impl, uint16_t account_id, struct cx_account *out)
{
    const struct cx_account *a = cx_sim_account_by_id(impl, account_id);
    if (a == NULL || out == NULL)
        return CX_ENOENT;
    *out = *a;
    return 0;
}

static int64_t v_next_ns(void *impl)
{
    return cx_sim_next_ns(impl);
}

static int v_advance(void *impl, int64_t now_ns)
{
    return cx_sim_advance(impl, now_ns);
}

static int v_poll(void *impl, int64_t now_ns, struct cx_exec_report *out)
{
    return cx_sim_poll(impl, now_ns, out);
}

static const struct cx_venue_ops k_sim_ops = {
    .name = "sim",
    .submit = v_submit,
    .cancel = v_cancel,
    .amend = NULL,      /* the simulated venue models cancel + new, like Binance spot */
    .cancel_all = NULL, /* one cancel per order, each with its own latency */
    .open_orders = v_open_orders,
    .account = v_account,
    .next_ns = v_next_ns,
    .advance = v_advance,
    .poll = v_poll,
};

struct cx_venue_handle cx_sim_venue(struct cx_sim *sim)
{
    return (struct cx_venue_handle){.ops = &k_sim_ops, .impl = sim};
}

int cx_sim_open_orders(const struct cx_sim *sim, uint16_t account_id, uint32_t inst_id,
                       struct cx_order_req *out, uint32_t cap, uint32_t *out_n)
{
    if (sim == NULL || out_n == NULL || (out == NULL && cap > 0))
        return CX_EINVAL;
    uint32_t n = 0;
    bool more = false;
    for (uint32_t i = 0; i < sim->n_inst; i++) {
        if (inst_id != UINT32_MAX && i != inst_id)
            continue;
        for (uint32_t s = sim->inst[i].head; s != CX__SIM_NONE; s = sim->orders[s].next) {
            const struct cx__sim_order *o = &sim->orders[s];
            if (account_id != 0 && o->req.account_id != account_id)
                continue;
            if (n == cap) {
                more = true;
                break;
            }
            out[n] = o->req;
            out[n].qty_m = o->remaining_m;
            n++;
        }
    }
    *out_n = n;
    return more ? CX_ENOSPC : 0;
}
