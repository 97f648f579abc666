/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the gate decoder must never crash, and whatever the fast scanner accepts the
 * cJSON reference decoder must accept with identical events (differential fuzzing). */
#include "fuzz_common.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct cx_md_event ev_fast[4096], ev_ref[4096];
    struct cx_md_batch fast = {.ev = ev_fast, .cap = 4096};
    struct cx_md_batch ref = {.ev = ev_ref, .cap = 4096};
    struct cx_md_ctx ctx = {.reg = cx_fuzz_registry(), .snapshot_symbol = "BTCUSDT",
                            .snapshot_symbol_len = 7};
    struct cx_parse_err err = {0};
    /* Alternate venue by a cheap property of the input, and decode REST order-book replies
     * (they start with "id", "current" or "asks"; WS messages start with "time") as REST. */
    enum cx_venue venue = (size & 1) ? CX_VENUE_GATE_FUTURES : CX_VENUE_GATE_SPOT;
    const char *rest = NULL;
    size_t rest_len = 0;
    if ((size > 5 && memcmp(data, "{\"id\"", 5) == 0) ||
        (size > 10 && memcmp(data, "{\"current\"", 10) == 0) ||
        (size > 7 && memcmp(data, "{\"asks\"", 7) == 0)) {
        rest = venue == CX_VENUE_GATE_SPOT ? "OMG_USDT" : "RDNT_USDT";
        rest_len = strlen(rest);
    }
    memset(ev_fast, 0, sizeof ev_fast);
    memset(ev_ref, 0, sizeof ev_ref);
    int rc_fast = cx_md_decode_gate(&ctx, (const char *)data, size, venue, rest, rest_len, 1, &fast, &err);
    int rc_ref = cx_md_decode_gate_ref(&ctx, (const char *)data, size, venue, rest, rest_len, 1, &ref, &err);
    cx_fuzz_compare(rc_fast, &fast, rc_ref, &ref);
    return 0;
}
