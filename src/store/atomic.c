/* SPDX-License-Identifier: MIT */
/*
 * Whole-file atomic writes and file hashing. An atomic write goes to PATH.tmp.<pid>, is
 * fsync'ed, then renamed over PATH: rename(2) within one directory is atomic (POSIX.1-2008,
 * rename: "a link named new shall remain visible to other processes throughout the renaming
 * operation and refer either to the file referred to by new or old"), so readers see the old
 * file or the new one, never a mix. SHA-256 comes from OpenSSL libcrypto's EVP digest API.
 */
#include "store_int.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef PATH_MAX
#define PATH_MAX 4096
#endif

/* "basename: reason" into err (file = path, borrowed). */
static int atomic_fail(struct cx_parse_err *err, const char *path, const char *msg, int sys_errno)
{
    if (err != NULL) {
        const char *base = strrchr(path, '/');
        base = base ? base + 1 : path;
        char reason[64] = "";
        if (sys_errno != 0 && strerror_r(sys_errno, reason, sizeof reason) != 0)
            snprintf(reason, sizeof reason, "errno %d", sys_errno);
        char detail[sizeof err->detail];
        snprintf(detail, sizeof detail, "%s: %s", base, reason);
        cx_parse_err_set(err, CX_EIO, msg, detail, strlen(detail));
        err->file = path;
        err->line = 0;
        err->col = 0;
    }
    return CX_EIO;
}

int cx_store_write_file_atomic(const char *path, const void *data, size_t len, bool sync,
                               struct cx_parse_err *err)
{
    if (path == NULL || (data == NULL && len > 0))
        return CX_EINVAL;
    char tmp[PATH_MAX];
    int n = snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    if (n < 0 || (size_t)n >= sizeof tmp)
        return CX_EINVAL;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return atomic_fail(err, path, "cannot create file", errno);
    const char *p = data;
    size_t left = len;
    while (left > 0) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            int e = w < 0 ? errno : EIO;
            close(fd);
            unlink(tmp);
            return atomic_fail(err, path, "write failed", e);
        }
        p += w;
        left -= (size_t)w;
    }
    if (sync && fsync(fd) != 0) {
        int e = errno;
        close(fd);
        unlink(tmp);
        return atomic_fail(err, path, "fsync failed", e);
    }
    if (close(fd) != 0) {
        int e = errno;
        unlink(tmp);
        return atomic_fail(err, path, "write failed", e);
    }
    if (rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return atomic_fail(err, path, "rename failed", e);
    }
    return 0;
}

int cx_store_sha256_file(const char *path, char out_hex[65])
{
    if (path == NULL || out_hex == NULL)
        return CX_EINVAL;
    int rc = 0;
    unsigned char *buf = NULL;
    EVP_MD_CTX *ctx = NULL;
    FILE *fp = fopen(path, "rb");
    if (fp == NULL)
        return errno == ENOENT ? CX_ENOENT : CX_EIO;
    buf = malloc(65536);
    ctx = EVP_MD_CTX_new();
    if (buf == NULL || ctx == NULL) {
        rc = CX_ENOMEM;
        goto out;
    }
    if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
        rc = CX_EIO;
        goto out;
    }
    size_t n;
    while ((n = fread(buf, 1, 65536, fp)) > 0) {
        if (EVP_DigestUpdate(ctx, buf, n) != 1) {
            rc = CX_EIO;
            goto out;
        }
    }
    if (ferror(fp)) {
        rc = CX_EIO;
        goto out;
    }
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    if (EVP_DigestFinal_ex(ctx, md, &md_len) != 1 || md_len != 32) {
        rc = CX_EIO;
        goto out;
    }
    static const char hex[] = "0123456789abcdef";
    for (unsigned i = 0; i < 32; i++) {
        out_hex[2 * i] = hex[md[i] >> 4];
        out_hex[2 * i + 1] = hex[md[i] & 15];
    }
    out_hex[64] = '\0';
out:
    EVP_MD_CTX_free(ctx);
    free(buf);
    fclose(fp);
    return rc;
}
