/* SPDX-License-Identifier: MIT */
/* Shared fuzz set-up: registry for the bundled data's instruments and the differential check. */
#include "fuzz_common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct cx_registry g_reg; /* fuzz harness only: built once, read-only afterwards */
static int g_ready;

static void add(enum cx_venue v, const char *sym, int pexp, int qexp)
{
    struct cx_instrument in;
    memset(&in, 0, sizeof in);
    in.venue = (uint8_t)v;
    in.price_exp = (int8_t)pexp;
    in.qty_exp = (int8_t)qexp;
    in.multiplier = 1;
    snprintf(in.symbol, sizeof in.symbol, "%s", sym);
    cx_registry_add(&g_reg, &in, NULL);
}

struct cx_registry *cx_fuzz_registry(void)
{
    if (g_ready)
        return &g_reg;
    if (cx_registry_init(&g_reg, 64) != 0)
        abort();
    struct cx_parse_err err = {0};
    if (cx_registry_load_yaml(&g_reg, CX_DATA_DIR "/instruments/binance.yaml", &err) != 0)
        abort();
    static const char *const gate_spot[] = {"HAI_ETH", "QTUM3S_USDT", "FAST_USDT", "OMG_USDT",
                                            "ZKS_ETH", "NEO_BTC", "INK_USDT", "DIS_USDT",
                                            "BTC_USDC", "NANO_USDT"};
    for (size_t i = 0; i < sizeof gate_spot / sizeof gate_spot[0]; i++)
        add(CX_VENUE_GATE_SPOT, gate_spot[i], -8, -10);
    static const char *const gate_fut[] = {"DIA_USDT", "RDNT_USDT", "LIT_USDT", "ZRX_USDT",
                                           "WOO_USDT", "QUICK_USDT", "OMG_USDT", "FRONT_USDT",
                                           "PHB_USDT", "SFP_USDT"};
    for (size_t i = 0; i < sizeof gate_fut / sizeof gate_fut[0]; i++)
        add(CX_VENUE_GATE_FUTURES, gate_fut[i], -4, 0);
    add(CX_VENUE_HYPERLIQUID, "BTC", -1, -5);
    g_ready = 1;
    return &g_reg;
}

void cx_fuzz_compare(int rc_fast, const struct cx_md_batch *fast, int rc_ref,
                     const struct cx_md_batch *ref)
{
    if (rc_fast == 0 && rc_ref != 0) {
        fprintf(stderr, "fast decoder accepted, reference rejected (%s)\n", cx_err_name(rc_ref));
        abort();
    }
    if (rc_fast != 0 || rc_ref != 0)
        return;
    if (fast->n != ref->n || fast->kind != ref->kind || fast->inst_id != ref->inst_id) {
        fprintf(stderr, "batch header differs: n %u/%u kind %u/%u\n", fast->n, ref->n,
                fast->kind, ref->kind);
        abort();
    }
    if (fast->n > 0 && memcmp(fast->ev, ref->ev, fast->n * sizeof fast->ev[0]) != 0) {
        fprintf(stderr, "events differ\n");
        abort();
    }
}
