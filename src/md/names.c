/* SPDX-License-Identifier: MIT */
/* Names of md message kinds and the error buckets used in reader statistics. */
#include "cexarb/md.h"

const char *cx_md_kind_name(enum cx_md_kind kind)
{
    switch (kind) {
    case CX_MD_KIND_NONE: return "none";
    case CX_MD_KIND_DEPTH: return "depth";
    case CX_MD_KIND_SNAPSHOT: return "snapshot";
    case CX_MD_KIND_BBO: return "bbo";
    case CX_MD_KIND_TICKER: return "ticker";
    case CX_MD_KIND_TRADE: return "trade";
    case CX_MD_KIND_CONTROL: return "control";
    case CX_MD_KIND_IGNORED: return "ignored";
    case CX_MD_KIND_COUNT: break;
    }
    return "?";
}

unsigned cx_md_err_bucket(int code)
{
    unsigned v = code < 0 ? (unsigned)-code : (unsigned)code;
    return v % 32u;
}
