/* SPDX-License-Identifier: MIT */
/*
 * Error names and messages generated from CX_ERRNO_MAP, and parse-error reports.
 * Nothing here allocates; every returned string is static.
 */
#include "cexarb/core.h"

#include <stdio.h>
#include <string.h>

const char *cx_err_name(int code)
{
    if (code == 0)
        return "CX_OK";
#define CX__ERR_NAME(name, value, msg)                                                         \
    if (code == (value))                                                                       \
        return "CX_" #name;
    CX_ERRNO_MAP(CX__ERR_NAME)
#undef CX__ERR_NAME
    return "CX_E?";
}

const char *cx_strerror(int code)
{
    if (code == 0)
        return "success";
#define CX__ERR_MSG(name, value, msg)                                                          \
    if (code == (value))                                                                       \
        return msg;
    CX_ERRNO_MAP(CX__ERR_MSG)
#undef CX__ERR_MSG
    return "unknown error";
}

int cx_parse_err_set(struct cx_parse_err *err, int code, const char *msg, const char *detail,
                     size_t detail_len)
{
    if (err == NULL)
        return code;
    err->code = code;
    err->msg = msg;
    err->detail[0] = '\0';
    if (detail != NULL && detail_len > 0) {
        size_t n = detail_len < sizeof err->detail - 1 ? detail_len : sizeof err->detail - 1;
        for (size_t i = 0; i < n; i++) {
            char c = detail[i];
            /* Keep the report on one line: control bytes from bad input become '?'. */
            err->detail[i] = (c >= 0x20 && c < 0x7f) ? c : '?';
        }
        err->detail[n] = '\0';
    }
    return code;
}

size_t cx_parse_err_format(const struct cx_parse_err *err, char *buf, size_t cap)
{
    if (cap == 0)
        return 0;
    const char *file = err->file ? err->file : "<input>";
    const char *msg = err->msg ? err->msg : cx_strerror(err->code);
    int n;
    if (err->line > 0 && err->col > 0)
        n = snprintf(buf, cap, "%s:%lld:%d: %s (%s)", file, (long long)err->line, (int)err->col,
                     msg, cx_err_name(err->code));
    else if (err->line > 0)
        n = snprintf(buf, cap, "%s:%lld: %s (%s)", file, (long long)err->line, msg,
                     cx_err_name(err->code));
    else
        n = snprintf(buf, cap, "%s: %s (%s)", file, msg, cx_err_name(err->code));
    if (n < 0) {
        buf[0] = '\0';
        return 0;
    }
    size_t len = (size_t)n < cap ? (size_t)n : cap - 1;
    if (err->detail[0] != '\0' && len + 3 < cap) {
        int m = snprintf(buf + len, cap - len, ": %s", err->detail);
        if (m > 0)
            len = len + (size_t)m < cap ? len + (size_t)m : cap - 1;
    }
    return len;
}
