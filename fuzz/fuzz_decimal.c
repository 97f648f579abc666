/* SPDX-License-Identifier: MIT */
/* libFuzzer target for the exact decimal parser: never crashes; every accepted value formats
 * back (FIXED) to a string that parses to the same mantissa, and rescaling is exact. */
#include "cexarb/core.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int exp = (int)(data[0] % 37) - 18;
    const char *s = (const char *)data + 1;
    size_t n = size - 1;
    int64_t m;
    if (cx_dec_parse(s, n, exp, &m) != 0)
        return 0;
    char buf[64];
    int len = cx_dec_format(m, exp, CX_DEC_FIXED, buf, sizeof buf);
    if (len < 0)
        abort();
    int64_t back;
    if (cx_dec_parse(buf, (size_t)len, exp, &back) != 0 || back != m)
        abort();
    len = cx_dec_format(m, exp, CX_DEC_TRIM, buf, sizeof buf);
    if (len < 0 || cx_dec_parse(buf, (size_t)len, exp, &back) != 0 || back != m)
        abort();
    int d;
    if (cx_dec_decimals(s, n, &d, NULL) != 0)
        abort();
    if (d > (exp < 0 ? -exp : 0)) /* accepted at exp: at most -exp significant decimals */
        abort();
    return 0;
}
