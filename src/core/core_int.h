/* SPDX-License-Identifier: MIT */
/*
 * Private helpers shared by the core module's files (instrument loaders). Not part of the
 * public API; names use the cx__ prefix (STYLE.md B.10).
 */
#ifndef CX_CORE_INT_H
#define CX_CORE_INT_H

#include "cexarb/core.h"

#include <stddef.h>

/**
 * Read a whole file into a NUL-terminated heap buffer (caller frees *out_buf).
 * @param max_bytes  refuse files larger than this (CX_ERANGE).
 * @return 0; CX_ENOENT (missing), CX_EIO (open/read error), CX_ERANGE (too large), CX_ENOMEM;
 *         err records the reason with the path in detail. Configuration time only.
 */
int cx__read_file(const char *path, size_t max_bytes, char **out_buf, size_t *out_len,
                  struct cx_parse_err *err);

#endif /* CX_CORE_INT_H */
