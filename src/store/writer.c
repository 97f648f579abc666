/* SPDX-License-Identifier: MIT */
/*
 * Session directory writer. Streamed files (orders, fills, positions, performance, events) are
 * written through 64 KiB stdio buffers to NAME.part and renamed to NAME by cx_store_finish,
 * after fflush and fsync, so a file under its final name is always complete; metadata.json and
 * instruments.csv are whole-file atomic writes. The first I/O error is kept in st->err and
 * returned by every later call (sticky), which lets the engine's hooks ignore return values and
 * check once at the end without losing the cause.
 */
#include "store_int.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef PATH_MAX
#define PATH_MAX 4096
#endif

/* Streamed files, in the order they are renamed at finish (fills before the trades.csv link). */
enum st_stream { ST_ORDERS = 0, ST_FILLS, ST_POSITIONS, ST_PERF, ST_EVENTS, ST_COUNT };

static const char *const k_stream_name[ST_COUNT] = {
    CX_STORE_ORDERS, CX_STORE_FILLS, CX_STORE_POSITIONS, CX_STORE_PERFORMANCE, CX_STORE_EVENTS,
};

/* Header lines; the reader requires them byte for byte (they version the format). */
static const char *const k_stream_header[ST_COUNT] = {
    "client_id,inst,venue,symbol,side,type,tif,reduce_only,price,qty,status,reject,filled_qty,"
    "avg_price,fee,created_ns,updated_ns,venue_order_id,fill_count,filled_notional,acked_ns\n",
    "fill_id,ts_ns,local_ts_ns,venue,symbol,side,price,qty,liquidity,fee,fee_asset,client_id,"
    "latency_ns,venue_order_id,mid\n",
    "ts_ns,venue,symbol,qty,avg_entry,mark,unrealized,realized,fees,funding\n",
    "ts_ns,equity,cash,position_value,realized,unrealized,fees,funding,drawdown\n",
    NULL, /* events.log is JSON lines: no header */
};

#define ST_BUF_BYTES (64 * 1024)

struct st_file {
    FILE *fp;      /* open NAME.part, NULL once closed */
    char *buf;     /* stdio buffer (ST_BUF_BYTES) */
    int is_final;  /* renamed to its final name */
};

struct cx_store {
    char *dir;                        /* session directory path (owned) */
    const struct cx_registry *reg;    /* retained instruments */
    unsigned flags;                   /* CX_STORE_F_* */
    struct st_file files[ST_COUNT];   /* streamed files */
    struct cx_parse_err err;          /* first error; err.code == 0 when none */
    int has_peak;                     /* a performance row was written */
    int64_t peak_equity;              /* running maximum of equity, quote @ CX_NOTIONAL_EXP */
    int64_t last_perf_ts_ns;          /* ts_ns of the last performance row */
    int finished;                     /* cx_store_finish succeeded or was attempted */
};

/* ---------------------------------------------------------------------------------------------
 * MARK: errors and paths
 * ------------------------------------------------------------------------------------------- */

/* Fill `err` with code/msg and "name: reason" (reason from errno when sys_errno != 0). */
static void set_sys_err(struct cx_parse_err *err, int code, const char *msg, const char *name,
                        int sys_errno)
{
    if (err == NULL)
        return;
    char detail[sizeof err->detail];
    char reason[64] = "";
    if (sys_errno != 0 && strerror_r(sys_errno, reason, sizeof reason) != 0)
        snprintf(reason, sizeof reason, "errno %d", sys_errno);
    if (reason[0] != '\0')
        snprintf(detail, sizeof detail, "%s: %s", name ? name : "", reason);
    else
        snprintf(detail, sizeof detail, "%s", name ? name : "");
    cx_parse_err_set(err, code, msg, detail, strlen(detail));
    err->line = 0;
    err->col = 0;
}

/* Record the store's first error and return the sticky code. */
static int st_fail(struct cx_store *st, int code, const char *msg, const char *name,
                   int sys_errno)
{
    if (st->err.code == 0) {
        set_sys_err(&st->err, code, msg, name, sys_errno);
        st->err.file = st->dir;
    }
    return st->err.code;
}

/* dir + "/" + name + suffix into buf; CX_EINVAL when it does not fit PATH_MAX. */
static int join(char *buf, size_t cap, const char *dir, const char *name, const char *suffix)
{
    int n = snprintf(buf, cap, "%s/%s%s", dir, name, suffix ? suffix : "");
    return (n < 0 || (size_t)n >= cap) ? CX_EINVAL : 0;
}

/* mkdir -p with mode 0755. Sets *out_created when the last component was created here. */
static int make_dirs(const char *path, int *out_created)
{
    char tmp[PATH_MAX];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof tmp)
        return CX_EINVAL;
    memcpy(tmp, path, n + 1);
    while (n > 1 && tmp[n - 1] == '/')
        tmp[--n] = '\0';
    *out_created = 0;
    for (size_t i = 1; i <= n; i++) {
        if (tmp[i] != '/' && tmp[i] != '\0')
            continue;
        char saved = tmp[i];
        tmp[i] = '\0';
        if (mkdir(tmp, 0755) == 0) {
            if (i == n)
                *out_created = 1;
        } else if (errno != EEXIST) {
            return -errno;
        }
        tmp[i] = saved;
    }
    struct stat sb;
    if (stat(tmp, &sb) != 0)
        return -errno;
    if (!S_ISDIR(sb.st_mode))
        return CX_EEXIST;
    return 0;
}

/* 1 when the directory has no entries besides "." and "..", 0 when it has some, < 0 on error. */
static int dir_is_empty(const char *path)
{
    DIR *d = opendir(path);
    if (d == NULL)
        return -errno;
    int empty = 1;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0) {
            empty = 0;
            break;
        }
    }
    closedir(d);
    return empty;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: open / free
 * ------------------------------------------------------------------------------------------- */

/* Names removed when an existing directory is reused, so no stale file survives a new run. */
static const char *const k_known_names[] = {
    CX_STORE_METADATA, CX_STORE_INSTRUMENTS, CX_STORE_ORDERS,      CX_STORE_FILLS,
    CX_STORE_TRADES,   CX_STORE_POSITIONS,   CX_STORE_PERFORMANCE, CX_STORE_EVENTS,
    CX_STORE_SUMMARY,  CX_STORE_REPORT,
};

static int open_part(struct cx_store *st, int i, struct cx_parse_err *err)
{
    char path[PATH_MAX];
    char part[64];
    snprintf(part, sizeof part, "%s.part", k_stream_name[i]);
    if (join(path, sizeof path, st->dir, part, NULL) != 0) {
        set_sys_err(err, CX_EINVAL, "path too long", part, 0);
        return CX_EINVAL;
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        set_sys_err(err, CX_EIO, "cannot create file", part, errno);
        return CX_EIO;
    }
    st->files[i].fp = fdopen(fd, "w");
    if (st->files[i].fp == NULL) {
        int e = errno;
        close(fd);
        set_sys_err(err, CX_EIO, "cannot open file", part, e);
        return CX_EIO;
    }
    st->files[i].buf = malloc(ST_BUF_BYTES);
    if (st->files[i].buf == NULL) {
        set_sys_err(err, CX_ENOMEM, "out of memory", part, 0);
        return CX_ENOMEM;
    }
    setvbuf(st->files[i].fp, st->files[i].buf, _IOFBF, ST_BUF_BYTES);
    const char *hdr = k_stream_header[i];
    if (hdr != NULL && fputs(hdr, st->files[i].fp) == EOF) {
        set_sys_err(err, CX_EIO, "write failed", part, errno);
        return CX_EIO;
    }
    return 0;
}

int cx_store_open(struct cx_store **out, const char *dir, const struct cx_registry *reg,
                  unsigned flags, struct cx_parse_err *err)
{
    if (out == NULL || dir == NULL || dir[0] == '\0' || reg == NULL) {
        if (err != NULL) {
            cx_parse_err_set(err, CX_EINVAL, "missing session directory or registry", NULL, 0);
            err->file = dir;
        }
        return CX_EINVAL;
    }
    int rc;
    struct cx_store *st = calloc(1, sizeof *st);
    if (st == NULL) {
        rc = CX_ENOMEM;
        set_sys_err(err, rc, "out of memory", "", 0);
        goto fail;
    }
    st->reg = reg;
    st->flags = flags;
    st->dir = strdup(dir);
    if (st->dir == NULL) {
        rc = CX_ENOMEM;
        set_sys_err(err, rc, "out of memory", "", 0);
        goto fail;
    }
    int created = 0;
    rc = make_dirs(dir, &created);
    if (rc == CX_EEXIST) {
        set_sys_err(err, rc, "session path exists and is not a directory", "", 0);
        goto fail;
    }
    if (rc != 0) {
        set_sys_err(err, rc == CX_EINVAL ? CX_EINVAL : CX_EIO, "cannot create directory", "",
                    rc == CX_EINVAL ? 0 : -rc);
        rc = rc == CX_EINVAL ? CX_EINVAL : CX_EIO;
        goto fail;
    }
    if (!created) {
        int empty = dir_is_empty(dir);
        if (empty < 0) {
            set_sys_err(err, CX_EIO, "cannot list directory", "", -empty);
            rc = CX_EIO;
            goto fail;
        }
        if (!empty && !(flags & CX_STORE_F_REUSE)) {
            set_sys_err(err, CX_EEXIST, "session directory is not empty (reuse not requested)",
                        "", 0);
            rc = CX_EEXIST;
            goto fail;
        }
        if (!empty) {
            for (size_t i = 0; i < sizeof k_known_names / sizeof k_known_names[0]; i++) {
                char path[PATH_MAX];
                if (join(path, sizeof path, dir, k_known_names[i], NULL) == 0 &&
                    unlink(path) != 0 && errno != ENOENT) {
                    set_sys_err(err, CX_EIO, "cannot remove stale file", k_known_names[i],
                                errno);
                    rc = CX_EIO;
                    goto fail;
                }
            }
        }
    }
    for (int i = 0; i < ST_COUNT; i++) {
        rc = open_part(st, i, err);
        if (rc != 0)
            goto fail;
    }
    *out = st;
    return 0;
fail:
    if (err != NULL)
        err->file = dir;
    cx_store_free(st);
    return rc;
}

void cx_store_free(struct cx_store *st)
{
    if (st == NULL)
        return;
    for (int i = 0; i < ST_COUNT; i++) {
        if (st->files[i].fp != NULL)
            fclose(st->files[i].fp);
        free(st->files[i].buf);
    }
    free(st->dir);
    free(st);
}

const char *cx_store_dir(const struct cx_store *st)
{
    return st->dir;
}

const struct cx_parse_err *cx_store_err(const struct cx_store *st)
{
    return st->err.code != 0 ? &st->err : NULL;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: row writers
 * ------------------------------------------------------------------------------------------- */

/* Check that the store accepts rows, returning the sticky error or CX_ESTATE after finish. */
static int st_ready(const struct cx_store *st)
{
    if (st->err.code != 0)
        return st->err.code;
    return st->finished ? CX_ESTATE : 0;
}

static int st_put(struct cx_store *st, int i, const char *text, size_t len)
{
    if (fwrite(text, 1, len, st->files[i].fp) != len) {
        char part[64];
        snprintf(part, sizeof part, "%s.part", k_stream_name[i]);
        return st_fail(st, CX_EIO, "write failed", part, errno);
    }
    return 0;
}

static int st_put_line(struct cx_store *st, int i, struct cx__store_line *ln)
{
    int rc = cx__line_end(ln);
    if (rc != 0)
        return rc; /* not sticky: the row is refused, the file is unharmed */
    return st_put(st, i, ln->buf, ln->len);
}

/* Instrument of an id, with CSV-safe names, or NULL. */
static const struct cx_instrument *st_inst(const struct cx_store *st, uint32_t inst_id)
{
    const struct cx_instrument *inst = cx_registry_get(st->reg, inst_id);
    if (inst == NULL || !cx__store_csv_safe(inst->symbol))
        return NULL;
    return inst;
}

int cx_store_write_order(struct cx_store *st, const struct cx_order *o)
{
    int rc = st_ready(st);
    if (rc != 0)
        return rc;
    const struct cx_instrument *inst = st_inst(st, o->req.inst_id);
    const char *side = cx_store_enum_name(CX_STORE_ENUM_SIDE, o->req.side);
    const char *type = cx_store_enum_name(CX_STORE_ENUM_ORD_TYPE, o->req.type);
    const char *tif = cx_store_enum_name(CX_STORE_ENUM_TIF, o->req.tif);
    const char *status = cx_store_enum_name(CX_STORE_ENUM_STATUS, o->status);
    const char *reject = cx_store_enum_name(CX_STORE_ENUM_REJECT, o->reject);
    if (inst == NULL || !side || !type || !tif || !status || !reject)
        return CX_EINVAL;
    int64_t avg_m;
    if (cx__store_avg_price(inst, o->filled_notional, o->filled_qty_m, &avg_m) != 0)
        avg_m = 0; /* derived column only: an absurd value must not lose the order's row */
    struct cx__store_line ln;
    cx__line_reset(&ln);
    cx__line_u64(&ln, o->req.client_id);
    cx__line_u64(&ln, inst->id);
    cx__line_str(&ln, cx_venue_name((enum cx_venue)inst->venue));
    cx__line_str(&ln, inst->symbol);
    cx__line_str(&ln, side);
    cx__line_str(&ln, type);
    cx__line_str(&ln, tif);
    cx__line_str(&ln, (o->req.flags & CX_ORD_F_REDUCE_ONLY) ? "1" : "0");
    cx__line_dec(&ln, o->req.price_m, inst->price_exp);
    cx__line_dec(&ln, o->req.qty_m, inst->qty_exp);
    cx__line_str(&ln, status);
    cx__line_str(&ln, reject);
    cx__line_dec(&ln, o->filled_qty_m, inst->qty_exp);
    cx__line_dec(&ln, avg_m, inst->price_exp);
    cx__line_dec(&ln, o->fee, CX_NOTIONAL_EXP);
    cx__line_i64(&ln, o->created_ns);
    cx__line_i64(&ln, o->updated_ns);
    cx__line_u64(&ln, o->venue_order_id);
    cx__line_u64(&ln, o->fills);
    cx__line_dec(&ln, o->filled_notional, CX_NOTIONAL_EXP);
    cx__line_i64(&ln, o->acked_ns);
    return st_put_line(st, ST_ORDERS, &ln);
}

int cx_store_write_fill(struct cx_store *st, const struct cx_fill *f, int64_t mid_price_m)
{
    int rc = st_ready(st);
    if (rc != 0)
        return rc;
    const struct cx_instrument *inst = st_inst(st, f->inst_id);
    const char *side = cx_store_enum_name(CX_STORE_ENUM_SIDE, f->side);
    const char *liq = cx_store_enum_name(CX_STORE_ENUM_LIQUIDITY, f->liquidity);
    if (inst == NULL || !side || !liq || f->fee_asset != 0)
        return CX_EINVAL;
    struct cx__store_line ln;
    cx__line_reset(&ln);
    cx__line_u64(&ln, f->fill_id);
    cx__line_i64(&ln, f->exch_ts_ns);
    cx__line_i64(&ln, f->local_ts_ns);
    cx__line_str(&ln, cx_venue_name((enum cx_venue)inst->venue));
    cx__line_str(&ln, inst->symbol);
    cx__line_str(&ln, side);
    cx__line_dec(&ln, f->price_m, inst->price_exp);
    cx__line_dec(&ln, f->qty_m, inst->qty_exp);
    cx__line_str(&ln, liq);
    cx__line_dec(&ln, f->fee, CX_NOTIONAL_EXP);
    cx__line_str(&ln, cx__store_fee_asset(inst));
    cx__line_u64(&ln, f->client_id);
    cx__line_i64(&ln, f->latency_ns);
    cx__line_u64(&ln, f->venue_order_id);
    cx__line_dec(&ln, mid_price_m, inst->price_exp);
    return st_put_line(st, ST_FILLS, &ln);
}

int cx_store_write_position(struct cx_store *st, int64_t ts_ns, uint32_t inst_id,
                            int64_t mark_price_m, const struct cx_position *pos,
                            int64_t unrealized)
{
    int rc = st_ready(st);
    if (rc != 0)
        return rc;
    const struct cx_instrument *inst = st_inst(st, inst_id);
    if (inst == NULL || pos == NULL)
        return CX_EINVAL;
    int64_t avg_m;
    rc = cx__store_avg_price(inst, pos->cost, pos->qty_m, &avg_m);
    if (rc != 0)
        return rc;
    struct cx__store_line ln;
    cx__line_reset(&ln);
    cx__line_i64(&ln, ts_ns);
    cx__line_str(&ln, cx_venue_name((enum cx_venue)inst->venue));
    cx__line_str(&ln, inst->symbol);
    cx__line_dec(&ln, pos->qty_m, inst->qty_exp);
    cx__line_dec(&ln, avg_m, inst->price_exp);
    cx__line_dec(&ln, mark_price_m, inst->price_exp);
    cx__line_dec(&ln, unrealized, CX_NOTIONAL_EXP);
    cx__line_dec(&ln, pos->realized_pnl, CX_NOTIONAL_EXP);
    cx__line_dec(&ln, pos->fees, CX_NOTIONAL_EXP);
    cx__line_dec(&ln, pos->funding, CX_NOTIONAL_EXP);
    return st_put_line(st, ST_POSITIONS, &ln);
}

int cx_store_write_perf(struct cx_store *st, const struct cx_store_perf_row *row)
{
    int rc = st_ready(st);
    if (rc != 0)
        return rc;
    if (row == NULL)
        return CX_EINVAL;
    if (st->has_peak && row->ts_ns < st->last_perf_ts_ns)
        return CX_ETIME;
    if (!st->has_peak || row->equity > st->peak_equity)
        st->peak_equity = row->equity;
    /* Peak and equity are both int64 mantissas of the same account; a difference that
     * overflows would need a swing of 9e10 quote units, so saturate rather than wrap. */
    int64_t dd;
    if (__builtin_sub_overflow(st->peak_equity, row->equity, &dd))
        dd = INT64_MAX;
    struct cx__store_line ln;
    cx__line_reset(&ln);
    cx__line_i64(&ln, row->ts_ns);
    cx__line_dec(&ln, row->equity, CX_NOTIONAL_EXP);
    cx__line_dec(&ln, row->cash, CX_NOTIONAL_EXP);
    cx__line_dec(&ln, row->position_value, CX_NOTIONAL_EXP);
    cx__line_dec(&ln, row->realized, CX_NOTIONAL_EXP);
    cx__line_dec(&ln, row->unrealized, CX_NOTIONAL_EXP);
    cx__line_dec(&ln, row->fees, CX_NOTIONAL_EXP);
    cx__line_dec(&ln, row->funding, CX_NOTIONAL_EXP);
    cx__line_dec(&ln, dd, CX_NOTIONAL_EXP);
    rc = st_put_line(st, ST_PERF, &ln);
    if (rc == 0) {
        st->has_peak = 1;
        st->last_perf_ts_ns = row->ts_ns;
    }
    return rc;
}

int cx_store_write_event(struct cx_store *st, int64_t ts_ns, const char *event,
                         const char *fields)
{
    int rc = st_ready(st);
    if (rc != 0)
        return rc;
    if (event == NULL)
        return CX_EINVAL;
    char name[160];
    if (cx_store_json_str(event, name, sizeof name) < 0)
        return CX_EINVAL;
    char head[224];
    int n = snprintf(head, sizeof head, "{\"ts_ns\":%lld,\"event\":%s", (long long)ts_ns, name);
    rc = st_put(st, ST_EVENTS, head, (size_t)n);
    if (rc != 0)
        return rc;
    /* Members: strip one pair of surrounding braces and surrounding blanks. */
    const char *p = fields ? fields : "";
    size_t len = strlen(p);
    while (len > 0 && isspace((unsigned char)*p)) {
        p++;
        len--;
    }
    while (len > 0 && isspace((unsigned char)p[len - 1]))
        len--;
    if (len >= 2 && p[0] == '{' && p[len - 1] == '}') {
        p++;
        len -= 2;
        while (len > 0 && isspace((unsigned char)*p)) {
            p++;
            len--;
        }
        while (len > 0 && isspace((unsigned char)p[len - 1]))
            len--;
    }
    if (len > 0) {
        rc = st_put(st, ST_EVENTS, ",", 1);
        if (rc == 0)
            rc = st_put(st, ST_EVENTS, p, len);
        if (rc != 0)
            return rc;
    }
    return st_put(st, ST_EVENTS, "}\n", 2);
}

int cx_store_flush(struct cx_store *st)
{
    int rc = st_ready(st);
    if (rc != 0)
        return rc;
    for (int i = 0; i < ST_COUNT; i++) {
        if (fflush(st->files[i].fp) != 0) {
            char part[64];
            snprintf(part, sizeof part, "%s.part", k_stream_name[i]);
            return st_fail(st, CX_EIO, "write failed", part, errno);
        }
    }
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: metadata
 * ------------------------------------------------------------------------------------------- */

/* 1 when a key names a credential (case-insensitive substring match). */
static int key_is_secret(const char *key)
{
    static const char *const k_words[] = {"secret", "api_key", "apikey", "passphrase",
                                          "private_key", "password"};
    char low[128];
    size_t n = 0;
    for (; key[n] != '\0' && n + 1 < sizeof low; n++)
        low[n] = (char)tolower((unsigned char)key[n]);
    low[n] = '\0';
    for (size_t i = 0; i < sizeof k_words / sizeof k_words[0]; i++)
        if (strstr(low, k_words[i]) != NULL)
            return 1;
    return 0;
}

/* Depth-first search for a credential-named key with a non-empty string value. */
static const char *find_secret(const cJSON *node, int depth)
{
    if (depth > 64)
        return NULL;
    for (const cJSON *c = node->child; c != NULL; c = c->next) {
        if (c->string != NULL && key_is_secret(c->string) && cJSON_IsString(c) &&
            c->valuestring != NULL && c->valuestring[0] != '\0')
            return c->string;
        const char *hit = find_secret(c, depth + 1);
        if (hit != NULL)
            return hit;
    }
    return NULL;
}

int cx_store_write_metadata(struct cx_store *st, const char *json, size_t len)
{
    int rc = st_ready(st);
    if (rc != 0)
        return rc;
    if (json == NULL)
        return CX_EINVAL;
    cJSON *root = cJSON_ParseWithLength(json, len);
    if (root == NULL)
        return CX_EPARSE;
    rc = 0;
    if (!cJSON_IsObject(root))
        rc = CX_EPARSE;
    else if (find_secret(root, 0) != NULL)
        rc = CX_EINVAL;
    cJSON_Delete(root);
    if (rc != 0)
        return rc;
    char path[PATH_MAX];
    if (join(path, sizeof path, st->dir, CX_STORE_METADATA, NULL) != 0)
        return st_fail(st, CX_EINVAL, "path too long", CX_STORE_METADATA, 0);
    char *text = malloc(len + 1);
    if (text == NULL)
        return CX_ENOMEM;
    memcpy(text, json, len);
    text[len] = '\n';
    struct cx_parse_err e = {0};
    rc = cx_store_write_file_atomic(path, text, len + 1, !(st->flags & CX_STORE_F_NOSYNC), &e);
    free(text);
    if (rc != 0) {
        if (st->err.code == 0) {
            st->err = e;
            st->err.file = st->dir;
        }
        return rc;
    }
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: finish
 * ------------------------------------------------------------------------------------------- */

/* Format instruments.csv into a memory stream. */
static int instruments_text(const struct cx_registry *reg, char **out, size_t *out_len)
{
    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    if (m == NULL)
        return CX_ENOMEM;
    int rc = 0;
    fputs("inst,venue,symbol,kind,base,quote,price_exp,qty_exp,tick,lot,min_qty,min_notional,"
          "multiplier,maker_fee_ppb,taker_fee_ppb,flags\n",
          m);
    for (uint32_t id = 0; id < reg->count; id++) {
        const struct cx_instrument *inst = cx_registry_get(reg, id);
        const char *kind = cx_store_enum_name(CX_STORE_ENUM_KIND, inst->kind);
        if (!cx__store_csv_safe(inst->symbol) || kind == NULL) {
            rc = CX_EINVAL;
            break;
        }
        struct cx__store_line ln;
        cx__line_reset(&ln);
        cx__line_u64(&ln, inst->id);
        cx__line_str(&ln, cx_venue_name((enum cx_venue)inst->venue));
        cx__line_str(&ln, inst->symbol);
        cx__line_str(&ln, kind);
        cx__line_str(&ln, cx__store_csv_safe(inst->base) ? inst->base : "");
        cx__line_str(&ln, cx__store_csv_safe(inst->quote) ? inst->quote : "");
        cx__line_i64(&ln, inst->price_exp);
        cx__line_i64(&ln, inst->qty_exp);
        cx__line_dec(&ln, inst->tick, inst->price_exp);
        cx__line_dec(&ln, inst->lot, inst->qty_exp);
        cx__line_dec(&ln, inst->min_qty, inst->qty_exp);
        cx__line_dec(&ln, inst->min_notional, CX_NOTIONAL_EXP);
        {
            char tmp[48];
            int64_t mult = inst->multiplier > 0 ? inst->multiplier : 1;
            int mexp = inst->multiplier > 0 ? inst->multiplier_exp : 0;
            if (cx_dec_format(mult, mexp, CX_DEC_TRIM, tmp, sizeof tmp) < 0) {
                rc = CX_EINVAL;
                break;
            }
            cx__line_str(&ln, tmp);
        }
        cx__line_i64(&ln, inst->maker_fee_ppb);
        cx__line_i64(&ln, inst->taker_fee_ppb);
        cx__line_u64(&ln, inst->flags);
        if (cx__line_end(&ln) != 0) {
            rc = CX_EINVAL;
            break;
        }
        fwrite(ln.buf, 1, ln.len, m);
    }
    if (fclose(m) != 0 && rc == 0)
        rc = CX_ENOMEM;
    if (rc != 0) {
        free(text);
        return rc;
    }
    *out = text;
    *out_len = len;
    return 0;
}

/* Copy src to dst atomically (fallback for file systems without hard links). */
static int copy_file(const char *src, const char *dst, bool sync, struct cx_parse_err *err)
{
    FILE *in = fopen(src, "rb");
    if (in == NULL) {
        set_sys_err(err, CX_EIO, "cannot read file", CX_STORE_FILLS, errno);
        return CX_EIO;
    }
    char *data = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&data, &len);
    if (m == NULL) {
        fclose(in);
        return CX_ENOMEM;
    }
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        fwrite(buf, 1, n, m);
    int read_failed = ferror(in);
    fclose(in);
    if (fclose(m) != 0 || read_failed) {
        free(data);
        set_sys_err(err, CX_EIO, "cannot read file", CX_STORE_FILLS, read_failed ? EIO : 0);
        return CX_EIO;
    }
    int rc = cx_store_write_file_atomic(dst, data, len, sync, err);
    free(data);
    return rc;
}

int cx_store_finish(struct cx_store *st)
{
    if (st->finished)
        return CX_ESTATE;
    if (st->err.code != 0)
        return st->err.code;
    st->finished = 1;
    bool sync = !(st->flags & CX_STORE_F_NOSYNC);
    char path[PATH_MAX];
    char part_path[PATH_MAX];

    char *text = NULL;
    size_t len = 0;
    int rc = instruments_text(st->reg, &text, &len);
    if (rc != 0)
        return st_fail(st, rc, "cannot format instruments", CX_STORE_INSTRUMENTS, 0);
    if (join(path, sizeof path, st->dir, CX_STORE_INSTRUMENTS, NULL) != 0) {
        free(text);
        return st_fail(st, CX_EINVAL, "path too long", CX_STORE_INSTRUMENTS, 0);
    }
    struct cx_parse_err e = {0};
    rc = cx_store_write_file_atomic(path, text, len, sync, &e);
    free(text);
    if (rc != 0) {
        st->err = e;
        st->err.file = st->dir;
        return rc;
    }

    for (int i = 0; i < ST_COUNT; i++) {
        struct st_file *f = &st->files[i];
        char part[64];
        snprintf(part, sizeof part, "%s.part", k_stream_name[i]);
        FILE *fp = f->fp;
        f->fp = NULL;
        int failed = fflush(fp) != 0;
        int e_no = failed ? errno : 0;
        if (!failed && sync && fsync(fileno(fp)) != 0) {
            failed = 1;
            e_no = errno;
        }
        if (fclose(fp) != 0 && !failed) {
            failed = 1;
            e_no = errno;
        }
        if (failed)
            return st_fail(st, CX_EIO, "write failed", part, e_no);
        if (join(part_path, sizeof part_path, st->dir, k_stream_name[i], ".part") != 0 ||
            join(path, sizeof path, st->dir, k_stream_name[i], NULL) != 0)
            return st_fail(st, CX_EINVAL, "path too long", part, 0);
        if (rename(part_path, path) != 0)
            return st_fail(st, CX_EIO, "rename failed", part, errno);
        f->is_final = 1;
    }

    /* trades.csv: the same bytes as fills.csv under the name other tools expect. */
    if (join(part_path, sizeof part_path, st->dir, CX_STORE_FILLS, NULL) != 0 ||
        join(path, sizeof path, st->dir, CX_STORE_TRADES, NULL) != 0)
        return st_fail(st, CX_EINVAL, "path too long", CX_STORE_TRADES, 0);
    if (unlink(path) != 0 && errno != ENOENT)
        return st_fail(st, CX_EIO, "cannot replace file", CX_STORE_TRADES, errno);
    if (link(part_path, path) != 0) {
        e = (struct cx_parse_err){0};
        rc = copy_file(part_path, path, sync, &e);
        if (rc != 0) {
            st->err = e;
            st->err.file = st->dir;
            return rc;
        }
    }

    if (sync) {
        int dfd = open(st->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
            return st_fail(st, CX_EIO, "cannot open directory", ".", errno);
        int frc = fsync(dfd);
        int e_no = errno;
        close(dfd);
        if (frc != 0)
            return st_fail(st, CX_EIO, "cannot sync directory", ".", e_no);
    }
    return 0;
}
