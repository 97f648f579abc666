/* SPDX-License-Identifier: MIT */
/* Whole-file reading for the core module's loaders (configuration time only). */
#include "core_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Reads a whole file into a NUL-terminated heap buffer (caller frees). Errors are recorded in
 * err with the file name: CX_ENOENT, CX_EIO, CX_ENOMEM, CX_ERANGE (too large). */
int cx__read_file(const char *path, size_t max_bytes, char **out_buf, size_t *out_len,
                  struct cx_parse_err *err)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        int code = errno == ENOENT ? CX_ENOENT : CX_EIO;
        return cx_parse_err_set(err, code, "cannot open file", path, strlen(path));
    }
    char *buf = NULL;
    size_t len = 0, cap = 0;
    int rc = 0;
    for (;;) {
        if (cap - len < 4096u + 1u) {
            size_t ncap = cap == 0 ? 65536u : cap * 2u;
            if (ncap > max_bytes) {
                rc = cx_parse_err_set(err, CX_ERANGE, "file too large", path, strlen(path));
                goto fail;
            }
            char *nbuf = realloc(buf, ncap);
            if (nbuf == NULL) {
                rc = cx_parse_err_set(err, CX_ENOMEM, "out of memory reading file", NULL, 0);
                goto fail;
            }
            buf = nbuf;
            cap = ncap;
        }
        size_t got = fread(buf + len, 1, cap - len - 1u, f);
        len += got;
        if (got == 0) {
            if (ferror(f)) {
                rc = cx_parse_err_set(err, CX_EIO, "read error", path, strlen(path));
                goto fail;
            }
            break;
        }
    }
    fclose(f);
    buf[len] = '\0';
    *out_buf = buf;
    *out_len = len;
    return 0;
fail:
    fclose(f);
    free(buf);
    return rc;
}
