/* SPDX-License-Identifier: MIT */
/* libFuzzer target for the exact decimal parser: never crashes; every accepted value formats
 * back (FIXED) to a string that parses to the same mantissa; the fast path agrees with the
 * general scanner on every input. */
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
    int rc = cx_dec_parse(s, n, exp, &m);
    /* The same number with "e0" appended must take the general scanner (the fast path refuses
     * exponents) and give the same verdict and value. */
    if (n < 200 && memchr(s, 'e', n) == NULL && memchr(s, 'E', n) == NULL) {
        char with_e[208];
        memcpy(with_e, s, n);
        memcpy(with_e + n, "e0", 2);
        int64_t m2 = 0;
        int rc2 = cx_dec_parse(with_e, n + 2, exp, &m2);
        if (rc != rc2 || (rc == 0 && m != m2))
            abort();
    }
    if (rc != 0)
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
