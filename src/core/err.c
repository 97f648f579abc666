/* SPDX-License-Identifier: MIT */
/*
 * Error names and messages generated from CX_ERRNO_MAP, and parse-error reports.
 * Nothing here allocates; every returned string is static.
 */
#include "cexarb/core.h"

#include <stdbool.h>
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
    /* Each part only when it says something: no "<input>" for an error that has no file, no
     * "(CX_OK)" for one whose code was never set, no ": " before an empty detail. */
    char loc[600];
    loc[0] = '\0';
    bool has_file = err->file != NULL && err->file[0] != '\0';
    if (has_file && err->line > 0 && err->col > 0)
        snprintf(loc, sizeof loc, "%s:%lld:%d: ", err->file, (long long)err->line, (int)err->col);
    else if (has_file && err->line > 0)
        snprintf(loc, sizeof loc, "%s:%lld: ", err->file, (long long)err->line);
    else if (has_file)
        snprintf(loc, sizeof loc, "%s: ", err->file);
    else if (err->line > 0 && err->col > 0)
        snprintf(loc, sizeof loc, "line %lld, column %d: ", (long long)err->line, (int)err->col);
    else if (err->line > 0)
        snprintf(loc, sizeof loc, "line %lld: ", (long long)err->line);
    const char *msg = err->msg != NULL && err->msg[0] != '\0' ? err->msg : cx_strerror(err->code);
    char code[48] = "";
    if (err->code != 0)
        snprintf(code, sizeof code, " (%s)", cx_err_name(err->code));
    int n = snprintf(buf, cap, "%s%s%s%s%s", loc, msg, code, err->detail[0] != '\0' ? ": " : "",
                     err->detail);
    if (n < 0) {
        buf[0] = '\0';
        return 0;
    }
    return (size_t)n < cap ? (size_t)n : cap - 1;
}
