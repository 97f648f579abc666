/* SPDX-License-Identifier: MIT */
/*
 * The default backtest, byte for byte. `cexarb backtest` with no arguments (maker_hedge on the
 * bundled Binance BTCUSDT spot + USD-M recordings) is run through the CLI as a user runs it, and
 * the SHA-256 of each session file is compared with the hash recorded when the behaviour was
 * last accepted. A refactor that changes one fill, one order state, one equity sample or one
 * journal line fails here. History: recorded at 09be36d and kept through the runtime / venue /
 * driver split; summary.json gained the strategy's hedged round trips (d2cbb14); every file
 * changed when the simulated venue started to see the bookTicker, consume liquidity and take
 * venue messages in exchange-time order (issue 10: fills a real venue could not have given are
 * gone, tools/fidelity_check.py); fidelity.json was added and summary.json gained its counts
 * ("fidelity") with no other change.
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
    {"fills.csv", "49585a59546121618589add53fc7b581a4886417de2db178558596545a2122a2"},
    {"trades.csv", "49585a59546121618589add53fc7b581a4886417de2db178558596545a2122a2"},
    {"orders.csv", "fa1550c1fc63092997172f686c3a0d34e115bd2fb577172ef18dd391efeafb55"},
    {"performance.csv", "38f9cbca570deb2e298862ce9ab49bd89cd7780a1024bd8faf52cb6329746e5c"},
    {"positions.csv", "80261f3f59e5163ea4283f0770fa788e743b93865e2a5b4ca1027bba6d9c0a94"},
    {"instruments.csv", "907cdea6dd31dcfbd9a7c78f3ed2da15677eaf5d3a81aa53d6dc8b1ee69bd956"},
    {"events.log", "f03e8828e19ba29c087752f8ff785da5c1909768abf2f4f139cc290f7c8a82d8"},
    {"fidelity.json", "d9287484193b5f1a2fb0137b3616799d1acd9c9e21800e57c2b245073f7dd08a"},
};

/* summary.json with "loop_time_ns":{...} replaced by "loop_time_ns":{}. */
static const char k_summary_sha256[] =
    "b1cbb64ca6f4440ded1d74ff8486b22c34c2320a5eb1f1fee3bce44289c9db6f";

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
