/* SPDX-License-Identifier: MIT */
/*
 * venue: the one interface between the strategy runtime and a place orders go to. The
 * simulated venue (sim.h, cx_sim_venue) is the first implementation; each live exchange adapter
 * (src/venue/<name>/) is another. The runtime knows nothing else about a venue: it submits and
 * cancels through these calls, asks when the venue next has something to do, lets it advance
 * to a time, and polls venue-neutral execution reports (struct cx_exec_report, oms.h).
 *
 * Shape of the calls (the hftbacktest processor split, and Redis's ae.c + ae_epoll.c: one
 * small table of functions per backend):
 *   submit / cancel / amend / cancel_all   requests, sent at the engine time now_ns; the
 *                                          outcome always arrives later through poll
 *   next_ns / advance / poll               the venue's own clock: a simulated venue has
 *                                          internal events (order arrivals, responses due,
 *                                          funding); a live adapter reports INT64_MAX from
 *                                          next_ns and returns what its sockets delivered
 *   open_orders / account                  state queries for start-up and reconciliation
 *
 * Threads: a venue belongs to the engine thread that drives it; no call is thread-safe.
 * Allocation: none of the calls may allocate after the venue was created (hot path).
 */
#ifndef CEXARB_VENUE_H
#define CEXARB_VENUE_H

#include "cexarb/oms.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------------
 * MARK: venue interface
 * ------------------------------------------------------------------------------------------- */

/* Threads: the runtime calls every member (requests, clock and queries alike) on its engine
 * thread, one call at a time, so an implementation needs no lock for the runtime's sake and none
 * of its calls is thread-safe. The calls run inside the engine loop, so a call that blocks
 * stalls the engine; the simulated venue's never block. */

/** A venue's operations. `impl` is the venue's own state (a struct cx_sim *, an adapter). */
struct cx_venue_ops {
    const char *name; /* "sim", "binance_spot", ... for logs */

    /**
     * Send a new order. req is complete: client_id assigned, account_id resolved (>= 1 when the
     * run has an account on this venue), strategy_id stamped. Copied.
     * @return 0 (the verdict arrives through poll); CX_ENOSPC when the venue cannot take the
     *         request now (capacity, a full send queue): the runtime rejects the order locally;
     *         other CX_E* for a request the adapter cannot encode.
     */
    int (*submit)(void *impl, const struct cx_order_req *req, int64_t now_ns);

    /**
     * Cancel an order sent earlier. req is the order's request as submitted (client_id,
     * inst_id, account_id), borrowed.
     * @return 0 (CANCELED, a fill or CANCEL_REJECT arrives through poll); CX_ENOSPC when the
     *         request could not be sent (the runtime puts the order back in its state).
     */
    int (*cancel)(void *impl, const struct cx_order_req *req, int64_t now_ns);

    /**
     * Change price and/or quantity of a resting order in place (NULL when the venue has no
     * amend: the runtime then refuses with CX_ENOTSUP). new_qty_m is the new total quantity.
     * @return 0 (outcome through poll); CX_ENOSPC; CX_ENOTSUP.
     */
    int (*amend)(void *impl, const struct cx_order_req *req, int64_t new_price_m,
                 int64_t new_qty_m, int64_t now_ns);

    /**
     * Cancel every open order of an account on an instrument (inst_id UINT32_MAX: all of the
     * account's) in one request (NULL: the runtime cancels them one by one).
     * @return 0; CX_ENOSPC.
     */
    int (*cancel_all)(void *impl, uint16_t account_id, uint32_t inst_id, int64_t now_ns);

    /**
     * The venue's open orders of an account (inst_id UINT32_MAX: of every instrument), as the
     * venue knows them now, for start-up and reconciliation.
     * @param out  out[0..cap) receives copies; *out_n the number written.
     * @return 0; CX_ENOSPC when there were more than cap (out holds the first cap).
     */
    int (*open_orders)(void *impl, uint16_t account_id, uint32_t inst_id,
                       struct cx_order_req *out, uint32_t cap, uint32_t *out_n);

    /**
     * Balances and perp positions of an account as the venue holds them now (copied).
     * @return 0; CX_ENOENT for an account the venue does not know.
     */
    int (*account)(void *impl, uint16_t account_id, struct cx_account *out);

    /** Earliest time the venue has something to do (INT64_MAX: nothing scheduled). */
    int64_t (*next_ns)(void *impl);

    /**
     * Let the venue do what is due at or before now_ns (a simulated venue processes arrivals
     * and funding; a live adapter may flush its send queue).
     * @return 0; CX_ENOSPC when a report had to be dropped (the runtime stops the run: a lost
     *         fill must never pass unnoticed).
     */
    int (*advance)(void *impl, int64_t now_ns);

    /**
     * Next report due at or before now_ns.
     * @return 1 with *out; 0 when none is due; < 0 (CX_E*) when the venue has lost reports.
     */
    int (*poll)(void *impl, int64_t now_ns, struct cx_exec_report *out);
};

/** A venue as the runtime holds it: the operations and the implementation's state. */
struct cx_venue_handle {
    const struct cx_venue_ops *ops; /* static table, never NULL */
    void *impl;                     /* retained: the implementation's state */
};

#ifdef __cplusplus
}
#endif
#endif /* CEXARB_VENUE_H */
