/* SPDX-License-Identifier: MIT */
/*
 * The default backtest, byte for byte. `cexarb backtest` with no arguments (maker_hedge on the
 * bundled Binance BTCUSDT spot + USD-M recordings) is run through the CLI as a user runs it, and
 * the SHA-256 of each session file is compared with the hash recorded when the behaviour was
 * last accepted (commit 09be36d, before the runtime / venue / driver split). A refactor that
 * changes one fill, one order state, one equity sample or one journal line fails here.
 *
 * Only what depends on the run itself is masked: metadata.json (creation time, absolute paths)
 * is not compared, and in summary.json the strategy's "loop_time_ns" figures (wall-clock time of
 * its callbacks) are replaced by {} before hashing. When a change is meant to alter results,
 * update the hashes in the same commit and say why in its message.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "cexarb/store.h"

struct golden {
    const char *file; /* session file */
    const char *sha256; /* expected hash (hex) */
};

static const struct golden k_golden[] = {
    {"fills.csv", "8c9d43b0ac761067d00204f4d055f46ee1f5c37715752ce159eaaba66fb1ca27"},
    {"trades.csv", "8c9d43b0ac761067d00204f4d055f46ee1f5c37715752ce159eaaba66fb1ca27"},
    {"orders.csv", "0d02ec96a1d64a532911af21520fe763449862f744372275106098015fc4b121"},
    {"performance.csv", "f458a46a1f4142483c27f93313a863b09fd5f9d87efda4836c1ff6ee5d0f1e44"},
    {"positions.csv", "5a2f7bf5362bc28a0aa03a5bd12b5004e73c8581aa21fe4bf89de02b9cc714cb"},
    {"instruments.csv", "907cdea6dd31dcfbd9a7c78f3ed2da15677eaf5d3a81aa53d6dc8b1ee69bd956"},
    {"events.log", "01c75a0cf600472857458c88b02d29dbc25f56f377038bfe1ab4ee0496b71a79"},
};

/* summary.json with "loop_time_ns":{...} replaced by "loop_time_ns":{}. */
static const char k_summary_sha256[] =
    "1ab528a4862704b337f3e60415796592ef2b3945bfd4973d4409b4414cfb67e7";

static char *slurp(const char *path, size_t *out_len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long n = ftell(f);
    assert_true(n >= 0);
    rewind(f);
    char *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    buf[n] = '\0';
    *out_len = (size_t)n;
    return buf;
}

static void sha256_hex(const void *p, size_t n, char out[65])
{
    unsigned char md[32];
    unsigned int len = 0;
    assert_int_equal(EVP_Digest(p, n, md, &len, EVP_sha256(), NULL), 1);
    assert_int_equal(len, 32);
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static void test_default_backtest_is_unchanged(void **state)
{
    (void)state;
    char dir[] = "/tmp/cx_golden_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char sess[64], cmd[512];
    snprintf(sess, sizeof sess, "%s/s", dir);
    snprintf(cmd, sizeof cmd, "%s backtest --out %s > %s/out.txt 2>&1", CX_CLI_PATH, sess, dir);
    int rc = system(cmd);
    assert_int_equal(rc, 0);

    int bad = 0;
    for (size_t i = 0; i < sizeof k_golden / sizeof k_golden[0]; i++) {
        char path[128], hex[65];
        snprintf(path, sizeof path, "%s/%s", sess, k_golden[i].file);
        assert_int_equal(cx_store_sha256_file(path, hex), 0);
        if (strcmp(hex, k_golden[i].sha256) != 0) {
            print_error("%s: sha256 %s, expected %s\n", k_golden[i].file, hex,
                        k_golden[i].sha256);
            bad++;
        }
    }
    char path[128];
    snprintf(path, sizeof path, "%s/summary.json", sess);
    size_t n;
    char *s = slurp(path, &n);
    char *lt = strstr(s, "\"loop_time_ns\":{");
    assert_non_null(lt);
    char *end = strchr(lt, '}');
    assert_non_null(end);
    size_t head = (size_t)(lt - s) + strlen("\"loop_time_ns\":{");
    memmove(s + head, end, n - (size_t)(end - s) + 1);
    char hex[65];
    sha256_hex(s, strlen(s), hex);
    if (strcmp(hex, k_summary_sha256) != 0) {
        print_error("summary.json (loop times masked): sha256 %s, expected %s\n", hex,
                    k_summary_sha256);
        bad++;
    }
    free(s);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(bad, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_backtest_is_unchanged),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
