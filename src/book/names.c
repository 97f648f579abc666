/* SPDX-License-Identifier: MIT */
/* Venue-to-sequencing-rule mapping and state names for the book module. */
#include "cexarb/book.h"

enum cx_book_rule cx_book_rule_for_venue(enum cx_venue venue)
{
    switch (venue) {
    case CX_VENUE_BINANCE_SPOT: return CX_BOOK_RULE_BINANCE_SPOT;
    case CX_VENUE_BINANCE_USDM: return CX_BOOK_RULE_BINANCE_USDM;
    case CX_VENUE_GATE_SPOT:
    case CX_VENUE_GATE_FUTURES: return CX_BOOK_RULE_GATE;
    case CX_VENUE_MEXC_SPOT: return CX_BOOK_RULE_MEXC;
    case CX_VENUE_HYPERLIQUID: return CX_BOOK_RULE_SNAPSHOT_ONLY;
    case CX_VENUE_UNKNOWN:
    case CX_VENUE_COUNT: break;
    }
    return CX_BOOK_RULE_SNAPSHOT_ONLY;
}

const char *cx_book_state_name(enum cx_book_state s)
{
    switch (s) {
    case CX_BOOK_WAIT_SNAPSHOT: return "waiting_snapshot";
    case CX_BOOK_SYNCED: return "synced";
    case CX_BOOK_STALE: return "stale";
    }
    return "?";
}
