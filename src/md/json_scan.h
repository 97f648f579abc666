/* SPDX-License-Identifier: MIT */
/*
 * Zero-copy JSON scanning primitives for the fast venue decoders (decode_binance.c,
 * decode_gate.c, decode_hyperliquid.c). Private to md; every function is static (inline on the
 * hot paths, out of line and cold for errors and rare shapes) so each decoder gets its own
 * specialised copy and the level loop calls nothing but the number conversion.
 *
 * The scanner never builds a tree and never copies: a token is a (pointer, length) slice of
 * the caller's buffer, which need not be NUL-terminated; every read is bounds-checked against
 * `end`. It is a validating scanner: values the decoders do not use are still checked against
 * the JSON grammar (RFC 8259) by cx__js_skip, so a message is accepted only when the whole text
 * is one valid JSON object followed by optional whitespace. Strings holding escapes take a cold
 * path that validates them (including \u surrogate pairs) and, when the content is needed,
 * decodes it into a small buffer, stopping at an escaped NUL exactly like cJSON's C strings do,
 * so the fast and reference decoders see the same content.
 *
 * Key dispatch is shared too: a decoder declares each message's keys as a static table and walks
 * the object with cx__js_fields / cx__js_next_field / cx__js_fields_require, which do the
 * lookup, the duplicate-key check, the skipping of unknown keys and the required-key check
 * (see MARK: key dispatch).
 *
 * Errors: every failure goes through cx__js_fail, which fills the optional cx_parse_err with
 * the code, a static message, the 1-based column (byte offset + 1) of the offending token and
 * the token or key name as detail. Reaching the end of the input where more JSON is required is
 * CX_ETRUNC with the column just past the end, so every strict prefix of a valid message is
 * reported as truncated.
 */
#ifndef CX_MD_JSON_SCAN_H
#define CX_MD_JSON_SCAN_H

#include "md_int.h"

#include <limits.h>
#include <stdbool.h>
#include <string.h>

#define CX__JS_LIKELY(x) __builtin_expect(!!(x), 1)
#define CX__JS_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define CX__JS_COLD __attribute__((cold, noinline, unused))
/* For the per-member steps every decoder loop runs (key, dispatch): each loop gets its own copy,
 * as when each decoder spelled them out, so the key table folds into the compares. */
#define CX__JS_ALWAYS_INLINE __attribute__((always_inline)) inline

/* Deepest nesting the skipper accepts (cJSON accepts 1000; being stricter keeps the rule "what
 * the fast decoder accepts, the reference accepts"). Exchange messages nest at most 5 deep. */
#define CX__JS_MAX_DEPTH 256

/* Longest escaped string whose content a decoder will decode (prices, symbols, names). Longer
 * escaped strings are rejected; plain (unescaped) strings have no limit. */
#define CX__JS_UNESC_MAX 96

/** Token types. */
enum cx__js_type {
    CX__JS_NONE = 0,
    CX__JS_STR,
    CX__JS_NUM,
    CX__JS_BOOL,
    CX__JS_NULL,
    CX__JS_OBJ,
    CX__JS_ARR,
};

/** Scanner state: one message. */
struct cx__js {
    const char *base;            /* first byte of the message (columns are counted from here) */
    const char *p;               /* cursor */
    const char *end;             /* one past the last byte */
    struct cx_parse_err *err;    /* optional error report */
    char keybuf[CX__JS_UNESC_MAX]; /* decoded content of the last escaped key */
};

/** A scanned scalar: a slice of the message. */
struct cx__js_tok {
    const char *s; /* string body without quotes (raw, escapes undecoded) or number text */
    uint32_t n;    /* bytes in s */
    uint32_t off;  /* byte offset of the token start (the opening quote for strings) */
    uint8_t type;  /* enum cx__js_type; CX__JS_NONE when the field was absent */
    uint8_t esc;   /* string body contains backslash escapes */
    uint8_t boolv; /* value of a CX__JS_BOOL */
};

/* Byte classes inside strings: 1 for bytes that end the fast scan ('"', '\\', control). */
static const uint8_t cx__js_strstop[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x00 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x10 */
    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x20: '"' */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x30 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x40 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, /* 0x50: '\\' */
};

/*
 * First byte at or after q that is '"', '\\' or a control byte (< 0x20), or end. Eight bytes
 * at a time on little-endian targets: the "has zero byte" and "has byte less than n" word tricks
 * (S. E. Anderson, Bit Twiddling Hacks, "Determine if a word has a byte less than n"). A borrow
 * can only flag bytes above a true hit, so the lowest flagged byte is always exact.
 */
static inline const char *cx__js_str_stop(const char *q, const char *end)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    while (end - q >= 8) {
        uint64_t x, quote, bslash;
        memcpy(&x, q, 8);
        quote = x ^ (ones * (uint64_t)'"');
        bslash = x ^ (ones * (uint64_t)'\\');
        uint64_t m = ((quote - ones) & ~quote) | ((bslash - ones) & ~bslash) |
                     ((x - ones * 0x20u) & ~x);
        m &= highs;
        if (m != 0)
            return q + (__builtin_ctzll(m) >> 3);
        q += 8;
    }
#endif
    while (q < end && !cx__js_strstop[(unsigned char)*q])
        q++;
    return q;
}

#define CX__JS_IS_WS(c) ((c) == ' ' || (c) == '\n' || (c) == '\r' || (c) == '\t')
#define CX__JS_IS_DIGIT(c) ((unsigned)((unsigned char)(c) - '0') <= 9u)

/* Skip JSON whitespace at local cursor p (bounded by end). Exchanges send none, so the first
 * comparison almost always ends it. */
#define CX__JS_WS(p, end)                                                                      \
    while ((p) < (end) && CX__JS_UNLIKELY((unsigned char)*(p) <= ' ') && CX__JS_IS_WS(*(p)))  \
    (p)++

/* ---------------------------------------------------------------------------------------------
 * MARK: errors
 * ------------------------------------------------------------------------------------------- */

/* Record an error at `at` (a pointer into the message, or end). Returns code. */
static CX__JS_COLD int cx__js_fail(struct cx__js *js, int code, const char *msg, const char *at,
                                   const char *detail, size_t detail_len)
{
    if (js->err != NULL) {
        cx_parse_err_set(js->err, code, msg, detail, detail_len);
        size_t off = (size_t)(at - js->base);
        js->err->col = off >= (size_t)INT32_MAX ? INT32_MAX : (int32_t)off + 1;
    }
    return code;
}

static CX__JS_COLD int cx__js_trunc(struct cx__js *js)
{
    js->p = js->end;
    return cx__js_fail(js, CX_ETRUNC, "truncated message", js->end, NULL, 0);
}

/* Type error for the value at js->p, naming the key. */
static CX__JS_COLD int cx__js_type_err(struct cx__js *js, const char *msg,
                                       const struct cx__js_tok *key)
{
    if (js->p >= js->end)
        return cx__js_trunc(js);
    return cx__js_fail(js, CX_ETYPE, msg, js->p, key != NULL ? key->s : NULL,
                       key != NULL ? key->n : 0);
}

/* ---------------------------------------------------------------------------------------------
 * MARK: scalars
 * ------------------------------------------------------------------------------------------- */

static inline void cx__js_ws(struct cx__js *js)
{
    const char *p = js->p;
    CX__JS_WS(p, js->end);
    js->p = p;
}

static inline unsigned cx__js_hexval(char c)
{
    if (c >= '0' && c <= '9')
        return (unsigned)(c - '0');
    if (c >= 'a' && c <= 'f')
        return (unsigned)(c - 'a' + 10);
    if (c >= 'A' && c <= 'F')
        return (unsigned)(c - 'A' + 10);
    return 16u;
}

/* Four hex digits at s; returns the value or UINT32_MAX when one is not a hex digit. */
static inline uint32_t cx__js_hex4(const char *s)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        unsigned h = cx__js_hexval(s[i]);
        if (h > 15u)
            return UINT32_MAX;
        v = (v << 4) | h;
    }
    return v;
}

/* Rest of a string after the fast scan stopped at q (escape, control byte or end). */
static CX__JS_COLD int cx__js_str_slow(struct cx__js *js, struct cx__js_tok *t, const char *q)
{
    const char *end = js->end;
    bool esc = false;
    for (;;) {
        q = cx__js_str_stop(q, end);
        if (q >= end)
            return cx__js_trunc(js);
        char c = *q;
        if (c == '"')
            break;
        if (c != '\\')
            return cx__js_fail(js, CX_EPARSE, "control character in string", q, NULL, 0);
        esc = true;
        if (q + 1 >= end)
            return cx__js_trunc(js);
        char e = q[1];
        if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' || e == 'r' ||
            e == 't') {
            q += 2;
            continue;
        }
        if (e != 'u')
            return cx__js_fail(js, CX_EPARSE, "invalid escape in string", q, q, 2);
        if (end - q < 6)
            return cx__js_trunc(js);
        uint32_t cp = cx__js_hex4(q + 2);
        if (cp == UINT32_MAX)
            return cx__js_fail(js, CX_EPARSE, "invalid \\u escape", q, q, 6);
        /* Surrogates must come in high-low pairs (RFC 8259 section 7; cJSON rejects the rest). */
        if (cp >= 0xDC00u && cp <= 0xDFFFu)
            return cx__js_fail(js, CX_EPARSE, "unpaired surrogate in \\u escape", q, q, 6);
        if (cp >= 0xD800u && cp <= 0xDBFFu) {
            if (end - q < 12)
                return cx__js_trunc(js);
            uint32_t lo = q[6] == '\\' && q[7] == 'u' ? cx__js_hex4(q + 8) : UINT32_MAX;
            if (lo < 0xDC00u || lo > 0xDFFFu)
                return cx__js_fail(js, CX_EPARSE, "unpaired surrogate in \\u escape", q, q, 12);
            q += 12;
        } else {
            q += 6;
        }
    }
    t->s = js->p + 1;
    t->n = (uint32_t)(q - (js->p + 1));
    t->off = (uint32_t)(js->p - js->base);
    t->type = CX__JS_STR;
    t->esc = esc;
    js->p = q + 1;
    return 0;
}

/* String at js->p (which is '"'). */
static inline int cx__js_str(struct cx__js *js, struct cx__js_tok *t)
{
    const char *start = js->p + 1, *end = js->end;
    const char *q = cx__js_str_stop(start, end);
    if (CX__JS_LIKELY(q < end && *q == '"')) {
        t->s = start;
        t->n = (uint32_t)(q - start);
        t->off = (uint32_t)(js->p - js->base);
        t->type = CX__JS_STR;
        t->esc = 0;
        js->p = q + 1;
        return 0;
    }
    return cx__js_str_slow(js, t, q);
}

/* Decode a validated string body with escapes into buf (cap bytes), stopping at the first NUL
 * it produces, as cJSON's NUL-terminated strings do. Returns the length, or -1 if it does not
 * fit. UTF-16 surrogate pairs become one 4-byte UTF-8 sequence. */
static CX__JS_COLD long cx__js_unescape(const char *s, size_t n, char *buf, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        if (s[i] != '\\') {
            if (o >= cap)
                return -1;
            buf[o++] = s[i++];
            continue;
        }
        char e = s[i + 1];
        i += 2;
        switch (e) {
        case 'b': cp = '\b'; break;
        case 'f': cp = '\f'; break;
        case 'n': cp = '\n'; break;
        case 'r': cp = '\r'; break;
        case 't': cp = '\t'; break;
        case 'u':
            cp = cx__js_hex4(s + i);
            i += 4;
            if (cp >= 0xD800u && cp <= 0xDBFFu) {
                uint32_t lo = cx__js_hex4(s + i + 2);
                i += 6;
                cp = 0x10000u + ((cp - 0xD800u) << 10) + (lo - 0xDC00u);
            }
            break;
        default: cp = (unsigned char)e; break; /* '"', '\\', '/' */
        }
        if (cp == 0)
            return (long)o;
        unsigned char u8[4];
        size_t len;
        if (cp < 0x80u) {
            u8[0] = (unsigned char)cp;
            len = 1;
        } else if (cp < 0x800u) {
            u8[0] = (unsigned char)(0xC0u | (cp >> 6));
            u8[1] = (unsigned char)(0x80u | (cp & 0x3Fu));
            len = 2;
        } else if (cp < 0x10000u) {
            u8[0] = (unsigned char)(0xE0u | (cp >> 12));
            u8[1] = (unsigned char)(0x80u | ((cp >> 6) & 0x3Fu));
            u8[2] = (unsigned char)(0x80u | (cp & 0x3Fu));
            len = 3;
        } else {
            u8[0] = (unsigned char)(0xF0u | (cp >> 18));
            u8[1] = (unsigned char)(0x80u | ((cp >> 12) & 0x3Fu));
            u8[2] = (unsigned char)(0x80u | ((cp >> 6) & 0x3Fu));
            u8[3] = (unsigned char)(0x80u | (cp & 0x3Fu));
            len = 4;
        }
        if (o + len > cap)
            return -1;
        memcpy(buf + o, u8, len);
        o += len;
    }
    return (long)o;
}

/* Content of a string token: the slice itself, or its decoded form in buf (CX__JS_UNESC_MAX
 * bytes). Returns 0 or CX_ERANGE when an escaped string is too long to decode. */
static inline int cx__js_content(struct cx__js *js, const struct cx__js_tok *t, char *buf,
                                 const char **out_s, size_t *out_n)
{
    if (CX__JS_LIKELY(!t->esc)) {
        *out_s = t->s;
        *out_n = t->n;
        return 0;
    }
    long len = cx__js_unescape(t->s, t->n, buf, CX__JS_UNESC_MAX);
    if (len < 0)
        return cx__js_fail(js, CX_ERANGE, "escaped string too long", js->base + t->off, t->s,
                           t->n);
    *out_s = buf;
    *out_n = (size_t)len;
    return 0;
}

/* Does string token t hold exactly the bytes lit[0..n)? (Escaped tokens are decoded first.) */
static inline bool cx__js_eq(const struct cx__js_tok *t, const char *lit, size_t n)
{
    if (CX__JS_LIKELY(!t->esc))
        return t->n == n && memcmp(t->s, lit, n) == 0;
    char buf[CX__JS_UNESC_MAX];
    long len = cx__js_unescape(t->s, t->n, buf, sizeof buf);
    return len == (long)n && memcmp(buf, lit, n) == 0;
}
#define CX__JS_EQ(t, lit) cx__js_eq((t), (lit), sizeof(lit) - 1)

/* JSON number at js->p (RFC 8259 grammar, strict: no leading zeros, no '+', digits after '.'
 * and 'e'). Sets *is_int when it has neither fraction nor exponent. */
static inline int cx__js_num(struct cx__js *js, struct cx__js_tok *t, bool *is_int)
{
    const char *p = js->p, *end = js->end, *start = p;
    bool integer = true;
    if (p < end && *p == '-')
        p++;
    if (p >= end)
        return cx__js_trunc(js);
    if (*p == '0') {
        p++;
    } else if (*p >= '1' && *p <= '9') {
        do
            p++;
        while (p < end && CX__JS_IS_DIGIT(*p));
    } else {
        return cx__js_fail(js, CX_EPARSE, "invalid number", start, start, (size_t)(p - start + 1));
    }
    if (p < end && *p == '.') {
        integer = false;
        p++;
        if (p >= end)
            return cx__js_trunc(js);
        if (!CX__JS_IS_DIGIT(*p))
            return cx__js_fail(js, CX_EPARSE, "invalid number", start, start,
                               (size_t)(p - start + 1));
        while (p < end && CX__JS_IS_DIGIT(*p))
            p++;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        integer = false;
        p++;
        if (p < end && (*p == '+' || *p == '-'))
            p++;
        if (p >= end)
            return cx__js_trunc(js);
        if (!CX__JS_IS_DIGIT(*p))
            return cx__js_fail(js, CX_EPARSE, "invalid number", start, start,
                               (size_t)(p - start + 1));
        while (p < end && CX__JS_IS_DIGIT(*p))
            p++;
    }
    t->s = start;
    t->n = (uint32_t)(p - start);
    t->off = (uint32_t)(start - js->base);
    t->type = CX__JS_NUM;
    t->esc = 0;
    if (is_int != NULL)
        *is_int = integer;
    js->p = p;
    return 0;
}

/* Literal true/false/null at js->p. */
static inline int cx__js_lit(struct cx__js *js, struct cx__js_tok *t)
{
    const char *p = js->p;
    const char *lit;
    size_t n;
    switch (*p) {
    case 't': lit = "true", n = 4; break;
    case 'f': lit = "false", n = 5; break;
    default: lit = "null", n = 4; break;
    }
    size_t have = (size_t)(js->end - p);
    if (have < n) {
        if (memcmp(p, lit, have) == 0)
            return cx__js_trunc(js);
        return cx__js_fail(js, CX_EPARSE, "invalid JSON value", p, p, have);
    }
    if (memcmp(p, lit, n) != 0)
        return cx__js_fail(js, CX_EPARSE, "invalid JSON value", p, p, n);
    t->s = p;
    t->n = (uint32_t)n;
    t->off = (uint32_t)(p - js->base);
    t->type = *p == 'n' ? CX__JS_NULL : CX__JS_BOOL;
    t->boolv = *p == 't';
    t->esc = 0;
    js->p = p + n;
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: structure
 * ------------------------------------------------------------------------------------------- */

/* Type of the value starting at js->p (after whitespace), without consuming it; CX__JS_NONE
 * for a byte that cannot start a value; -1 at the end of input. */
static inline int cx__js_peek(struct cx__js *js)
{
    cx__js_ws(js);
    if (js->p >= js->end)
        return -1;
    switch (*js->p) {
    case '"': return CX__JS_STR;
    case '{': return CX__JS_OBJ;
    case '[': return CX__JS_ARR;
    case 't':
    case 'f': return CX__JS_BOOL;
    case 'n': return CX__JS_NULL;
    default: return *js->p == '-' || CX__JS_IS_DIGIT(*js->p) ? CX__JS_NUM : CX__JS_NONE;
    }
}

/* Skip (and validate) an object or array at js->p, iteratively with an explicit stack of
 * expected closing brackets. `depth` is the nesting already entered by the caller. */
static CX__JS_COLD int cx__js_skip_container(struct cx__js *js, int depth)
{
    char stack[CX__JS_MAX_DEPTH];
    int sp = 0;
    struct cx__js_tok t;
    int rc;
    char c;
open: /* js->p is at '{' or '[' */
    if (depth + sp >= CX__JS_MAX_DEPTH)
        return cx__js_fail(js, CX_EPARSE, "nesting too deep", js->p, NULL, 0);
    stack[sp++] = *js->p == '{' ? '}' : ']';
    js->p++;
    cx__js_ws(js);
    if (js->p >= js->end)
        return cx__js_trunc(js);
    if (*js->p == stack[sp - 1]) {
        js->p++;
        goto closed;
    }
member: /* js->p is at a key (objects) or a value (arrays), whitespace skipped */
    if (stack[sp - 1] == '}') {
        if (*js->p != '"')
            return cx__js_fail(js, CX_EPARSE, "expected string key", js->p, js->p, 1);
        rc = cx__js_str(js, &t);
        if (rc != 0)
            return rc;
        cx__js_ws(js);
        if (js->p >= js->end)
            return cx__js_trunc(js);
        if (*js->p != ':')
            return cx__js_fail(js, CX_EPARSE, "expected ':'", js->p, js->p, 1);
        js->p++;
        cx__js_ws(js);
        if (js->p >= js->end)
            return cx__js_trunc(js);
    }
    c = *js->p;
    if (c == '{' || c == '[')
        goto open;
    if (c == '"')
        rc = cx__js_str(js, &t);
    else if (c == 't' || c == 'f' || c == 'n')
        rc = cx__js_lit(js, &t);
    else if (c == '-' || CX__JS_IS_DIGIT(c))
        rc = cx__js_num(js, &t, NULL);
    else
        rc = cx__js_fail(js, CX_EPARSE, "invalid JSON value", js->p, js->p, 1);
    if (rc != 0)
        return rc;
after: /* a value just ended: ',' or the closing bracket */
    cx__js_ws(js);
    if (js->p >= js->end)
        return cx__js_trunc(js);
    if (*js->p == ',') {
        js->p++;
        cx__js_ws(js);
        if (js->p >= js->end)
            return cx__js_trunc(js);
        goto member;
    }
    if (*js->p != stack[sp - 1])
        return cx__js_fail(js, CX_EPARSE,
                           stack[sp - 1] == '}' ? "expected ',' or '}'" : "expected ',' or ']'",
                           js->p, js->p, 1);
    js->p++;
closed:
    if (--sp == 0)
        return 0;
    goto after;
}

/* Skip (and validate) any value at js->p (whitespace first). */
static inline int cx__js_skip(struct cx__js *js, int depth)
{
    struct cx__js_tok t;
    switch (cx__js_peek(js)) {
    case -1: return cx__js_trunc(js);
    case CX__JS_STR: return cx__js_str(js, &t);
    case CX__JS_NUM: return cx__js_num(js, &t, NULL);
    case CX__JS_BOOL:
    case CX__JS_NULL: return cx__js_lit(js, &t);
    case CX__JS_OBJ:
    case CX__JS_ARR: return cx__js_skip_container(js, depth);
    default: return cx__js_fail(js, CX_EPARSE, "invalid JSON value", js->p, js->p, 1);
    }
}

/* Consume the '{' at js->p (the caller checked it). Returns 1 for an empty object (the '}' is
 * consumed too), 0 when a member follows (js->p at it), or an error. */
static inline int cx__js_obj_open(struct cx__js *js)
{
    js->p++;
    cx__js_ws(js);
    if (js->p >= js->end)
        return cx__js_trunc(js);
    if (*js->p == '}') {
        js->p++;
        return 1;
    }
    return 0;
}

/* Read a member's key and the ':' after it; js->p ends at the value (whitespace skipped).
 * Escaped keys are decoded into js->keybuf (too long ones become an empty, unknown key). */
static CX__JS_ALWAYS_INLINE int cx__js_key(struct cx__js *js, struct cx__js_tok *k)
{
    if (CX__JS_UNLIKELY(*js->p != '"'))
        return cx__js_fail(js, CX_EPARSE, "expected string key", js->p, js->p, 1);
    int rc = cx__js_str(js, k);
    if (rc != 0)
        return rc;
    if (CX__JS_UNLIKELY(k->esc)) {
        long len = cx__js_unescape(k->s, k->n, js->keybuf, sizeof js->keybuf);
        /* A key longer than any known key cannot match one: keep it unknown. */
        k->s = js->keybuf;
        k->n = len < 0 ? 0 : (uint32_t)len;
        k->esc = 0;
        if (len < 0)
            k->s = "\x01";
    }
    const char *p = js->p;
    CX__JS_WS(p, js->end);
    if (CX__JS_UNLIKELY(p >= js->end))
        return cx__js_trunc(js);
    if (CX__JS_UNLIKELY(*p != ':')) {
        js->p = p;
        return cx__js_fail(js, CX_EPARSE, "expected ':'", p, p, 1);
    }
    p++;
    CX__JS_WS(p, js->end);
    js->p = p;
    if (CX__JS_UNLIKELY(p >= js->end))
        return cx__js_trunc(js);
    return 0;
}

/* After a member's value: 0 when another member follows (js->p at its key), 1 at the '}'
 * (consumed), or an error. */
static inline int cx__js_obj_next(struct cx__js *js)
{
    const char *p = js->p;
    CX__JS_WS(p, js->end);
    if (CX__JS_UNLIKELY(p >= js->end))
        return cx__js_trunc(js);
    if (*p == ',') {
        p++;
        CX__JS_WS(p, js->end);
        js->p = p;
        if (CX__JS_UNLIKELY(p >= js->end))
            return cx__js_trunc(js);
        return 0;
    }
    js->p = p;
    if (CX__JS_LIKELY(*p == '}')) {
        js->p = p + 1;
        return 1;
    }
    return cx__js_fail(js, CX_EPARSE, "expected ',' or '}'", p, p, 1);
}

/* Consume the '[' at js->p. Returns 1 for an empty array (']' consumed), 0 when an element
 * follows (js->p at it), or an error. */
static inline int cx__js_arr_open(struct cx__js *js)
{
    js->p++;
    cx__js_ws(js);
    if (js->p >= js->end)
        return cx__js_trunc(js);
    if (*js->p == ']') {
        js->p++;
        return 1;
    }
    return 0;
}

/* After an element: 0 when another follows (js->p at it), 1 at ']' (consumed), or an error. */
static inline int cx__js_arr_next(struct cx__js *js)
{
    cx__js_ws(js);
    if (js->p >= js->end)
        return cx__js_trunc(js);
    if (*js->p == ',') {
        js->p++;
        cx__js_ws(js);
        if (js->p >= js->end)
            return cx__js_trunc(js);
        return 0;
    }
    if (*js->p == ']') {
        js->p++;
        return 1;
    }
    return cx__js_fail(js, CX_EPARSE, "expected ',' or ']'", js->p, js->p, 1);
}

/* After the top-level value: only whitespace may follow. */
static inline int cx__js_end(struct cx__js *js)
{
    cx__js_ws(js);
    if (CX__JS_UNLIKELY(js->p != js->end))
        return cx__js_fail(js, CX_EPARSE, "trailing characters after message", js->p, js->p,
                           (size_t)(js->end - js->p));
    return 0;
}

/* Start of a message: whitespace, then '{'. Returns like cx__js_obj_open. */
static inline int cx__js_begin(struct cx__js *js)
{
    cx__js_ws(js);
    if (CX__JS_UNLIKELY(js->p >= js->end)) {
        if (js->end == js->base)
            return cx__js_fail(js, CX_ETRUNC, "empty message", js->end, NULL, 0);
        return cx__js_trunc(js);
    }
    if (CX__JS_UNLIKELY(*js->p != '{'))
        return cx__js_fail(js, CX_ETYPE, "message is not a JSON object", js->p, js->p, 1);
    return cx__js_obj_open(js);
}

/* Duplicate known key: the fast and reference decoders both reject it. */
static CX__JS_COLD int cx__js_dup(struct cx__js *js, const struct cx__js_tok *k)
{
    return cx__js_fail(js, CX_EPARSE, "duplicate key", js->base + k->off, k->s, k->n);
}

/* Required member missing from the object that closed just before js->p. */
static CX__JS_COLD int cx__js_missing(struct cx__js *js, const char *name)
{
    return cx__js_fail(js, CX_EMISSING, "required field missing", js->p - 1, name, strlen(name));
}

/* ---------------------------------------------------------------------------------------------
 * MARK: key dispatch
 *
 * Every decoder walks the members of a message object the same way: read a key, find it among
 * the keys the message knows, reject a known key seen before, skip the value of an unknown key,
 * handle the value of a known one by field, and finally check that the required keys came. A
 * message declares its keys once, as a table indexed by its own field enum, and only handles
 * the values:
 *
 *     enum { F_s, F_E, F_e };
 *     static const struct cx__js_key k_msg[] = {
 *         [F_s] = CX__JS_KEY("s"), [F_E] = CX__JS_KEY("E"), [F_e] = CX__JS_KEY("e")};
 *     struct cx__js_fields o = cx__js_fields(k_msg, CX__JS_NKEYS(k_msg), 2, cx__js_obj_open(js));
 *     for (int f = cx__js_next_field(js, &o, &k); f != CX__JS_DONE;
 *          f = cx__js_next_field(js, &o, &k)) {
 *         switch (f) {
 *         case F_s: rc = ...; break;
 *         ...
 *         }
 *         if (rc != 0)
 *             return rc;
 *     }
 *     rc = cx__js_fields_require(js, &o, CX__JS_ROWS_BEFORE(F_e)); // "s" and "E" required
 *
 * cx__js_fields_require reports the first missing key in table order, so a table lists its
 * required keys first, in the order they are reported. A variant of a message with fewer keys
 * (Binance spot depth has no "pu") passes a shorter count of the same table. The lookup is a
 * compare per row; the tables are static and the steps always inlined, so the compiler folds
 * every row into a length test and a short memcmp, as the hand-written dispatch it replaced.
 * ------------------------------------------------------------------------------------------- */

/** One row of a key table: a key a message knows. */
struct cx__js_key {
    const char *s; /* key text (not NUL-terminated as far as matching goes) */
    uint32_t n;    /* bytes in s */
};

/* A key table row from a string literal, and the rows in a table. */
#define CX__JS_KEY(lit) {(lit), sizeof(lit) - 1}
#define CX__JS_NKEYS(tab) ((unsigned)(sizeof(tab) / sizeof((tab)[0])))

/* Field index cx__js_field returns for a key missing from the table (its value is the caller's
 * to skip). Tables hold at most 32 rows, one bit each in the `seen` mask. */
#define CX__JS_UNKNOWN 32
#define CX__JS_BIT(f) (1u << (f))
/* The bits of every row before row f (the required keys, when a table lists them first). */
#define CX__JS_ROWS_BEFORE(f) (CX__JS_BIT(f) - 1u)
/* What cx__js_next_field returns once the object has closed. */
#define CX__JS_DONE 64

/*
 * Read the key of the member at js->p (cx__js_key: js->p ends at its value) and dispatch it:
 * returns its row in keys[0..nkeys), CX__JS_UNKNOWN when it is not there, or a negative error:
 * the key's own (CX_EPARSE, CX_ETRUNC) or CX_EPARSE "duplicate key" at the key when its bit is
 * already set in *io_seen. A known key's bit is set in *io_seen. `k` receives the key token.
 */
static CX__JS_ALWAYS_INLINE int cx__js_field(struct cx__js *js, const struct cx__js_key *keys,
                                              unsigned nkeys, uint32_t *io_seen,
                                              struct cx__js_tok *k)
{
    int rc = cx__js_key(js, k);
    if (CX__JS_UNLIKELY(rc != 0))
        return rc;
    unsigned f = CX__JS_UNKNOWN;
#pragma GCC unroll 32
    for (unsigned i = 0; i < nkeys; i++) {
        if (k->n == keys[i].n && memcmp(k->s, keys[i].s, keys[i].n) == 0) {
            f = i;
            break;
        }
    }
    if (f == CX__JS_UNKNOWN)
        return CX__JS_UNKNOWN;
    if (CX__JS_UNLIKELY(*io_seen & CX__JS_BIT(f)))
        return cx__js_dup(js, k);
    *io_seen |= CX__JS_BIT(f);
    return (int)f;
}

/** Walk over the members of one object, known keys only (cx__js_fields, then cx__js_next_field
 * until CX__JS_DONE, then cx__js_fields_require or cx__js_fields_error). */
struct cx__js_fields {
    const struct cx__js_key *keys; /* the message's key table */
    unsigned nkeys;                /* rows of keys in use */
    int skip_depth;                /* nesting of the members' values, for cx__js_skip */
    int state;                     /* 0: a key is at js->p; 1: the '}' was consumed; 2: the
                                      caller has read a value; < 0: the error that ended the
                                      walk (cx__js_fields_error) */
    uint32_t seen;                 /* bit per row: keys met so far */
};

/* A walk over the object just opened: `opened` is what cx__js_obj_open or cx__js_begin returned
 * (0 a member follows, 1 empty object, < 0 an error, which ends the walk at once).
 * keys[0..nkeys) is the message's key table; skip_depth the nesting of its values. */
static CX__JS_ALWAYS_INLINE struct cx__js_fields cx__js_fields(const struct cx__js_key *keys,
                                                               unsigned nkeys, int skip_depth,
                                                               int opened)
{
    struct cx__js_fields o = {keys, nkeys, skip_depth, opened, 0};
    return o;
}

/*
 * The next member with a known key: returns its row (js->p at its value, which the caller must
 * read before calling again) and the key in `k`; or CX__JS_DONE when the walk is over: after the
 * closing '}' (js->p just past it), or on an error (cx__js_field's, a malformed separator, an
 * unknown key's invalid value), which cx__js_fields_error and cx__js_fields_require then return.
 * Values of unknown keys are validated and skipped.
 */
static CX__JS_ALWAYS_INLINE int cx__js_next_field(struct cx__js *js, struct cx__js_fields *o,
                                                  struct cx__js_tok *k)
{
    for (;;) {
        int rc = o->state == 2 ? cx__js_obj_next(js) : o->state;
        if (rc != 0) {
            o->state = rc;
            return CX__JS_DONE;
        }
        int f = cx__js_field(js, o->keys, o->nkeys, &o->seen, k);
        if (CX__JS_UNLIKELY(f < 0)) {
            o->state = f;
            return CX__JS_DONE;
        }
        o->state = 2;
        if (f != CX__JS_UNKNOWN)
            return f;
        rc = cx__js_skip(js, o->skip_depth);
        if (rc != 0) {
            o->state = rc;
            return CX__JS_DONE;
        }
    }
}

/* After CX__JS_DONE: the error that ended the walk, or 0 when the object closed normally. */
static inline int cx__js_fields_error(const struct cx__js_fields *o)
{
    return o->state < 0 ? o->state : 0;
}

/* After CX__JS_DONE: the walk's error (cx__js_fields_error) if there was one; else CX_EMISSING
 * (at the '}') for the first row whose bit is in `required` but whose key did not appear; else 0.
 * Rows past o->nkeys (a shorter variant of the table) are not required. A table lists its
 * required keys first, in the order they are to be reported. */
static inline int cx__js_fields_require(struct cx__js *js, const struct cx__js_fields *o,
                                        uint32_t required)
{
    if (CX__JS_UNLIKELY(o->state < 0))
        return o->state;
    uint32_t rows = o->nkeys >= 32 ? UINT32_MAX : CX__JS_BIT(o->nkeys) - 1u;
    uint32_t missing = required & ~o->seen & rows;
    if (CX__JS_LIKELY(missing == 0))
        return 0;
    for (unsigned i = 0; i < o->nkeys; i++)
        if (missing & CX__JS_BIT(i))
            return cx__js_missing(js, o->keys[i].s);
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: typed fields
 * ------------------------------------------------------------------------------------------- */

/* Unsigned JSON integer at js->p (ids, timestamps). A string, negative, fractional or other
 * value is CX_ETYPE with `msg`; more than 64 bits is CX_EOVERFLOW. */
static inline int cx__js_u64(struct cx__js *js, uint64_t *out, const char *msg,
                             const struct cx__js_tok *key)
{
    const char *p = js->p, *end = js->end, *start = p;
    if (CX__JS_LIKELY(p < end && CX__JS_IS_DIGIT(*p))) {
        uint64_t v = (uint64_t)(*p - '0');
        p++;
        if (v != 0) {
            while (p < end && CX__JS_IS_DIGIT(*p)) {
                if (CX__JS_UNLIKELY(__builtin_mul_overflow(v, 10u, &v) ||
                                    __builtin_add_overflow(v, (uint64_t)(*p - '0'), &v))) {
                    while (p < end && CX__JS_IS_DIGIT(*p))
                        p++;
                    return cx__js_fail(js, CX_EOVERFLOW, "integer does not fit 64 bits", start,
                                       start, (size_t)(p - start));
                }
                p++;
            }
        }
        if (CX__JS_UNLIKELY(p < end && (*p == '.' || *p == 'e' || *p == 'E')))
            return cx__js_type_err(js, msg, key);
        js->p = p;
        *out = v;
        return 0;
    }
    return cx__js_type_err(js, msg, key);
}

/* String token at js->p; anything else is CX_ETYPE with `msg`. */
static inline int cx__js_string(struct cx__js *js, struct cx__js_tok *t, const char *msg,
                                const struct cx__js_tok *key)
{
    if (CX__JS_UNLIKELY(js->p >= js->end || *js->p != '"'))
        return cx__js_type_err(js, msg, key);
    return cx__js_str(js, t);
}

/* Number token at js->p; anything else is CX_ETYPE with `msg`. */
static inline int cx__js_number(struct cx__js *js, struct cx__js_tok *t, const char *msg,
                                const struct cx__js_tok *key)
{
    if (CX__JS_UNLIKELY(js->p >= js->end || (*js->p != '-' && !CX__JS_IS_DIGIT(*js->p))))
        return cx__js_type_err(js, msg, key);
    return cx__js_num(js, t, NULL);
}

/* true/false at js->p; anything else is CX_ETYPE with `msg`. */
static inline int cx__js_bool(struct cx__js *js, struct cx__js_tok *t, const char *msg,
                              const struct cx__js_tok *key)
{
    if (CX__JS_UNLIKELY(js->p >= js->end || (*js->p != 't' && *js->p != 'f')))
        return cx__js_type_err(js, msg, key);
    return cx__js_lit(js, t);
}

/* ms since epoch -> ns, range-checked. */
static inline int cx__js_ms_to_ns(struct cx__js *js, uint64_t ms, uint32_t off, int64_t *out)
{
    if (CX__JS_UNLIKELY(ms > (uint64_t)(INT64_MAX / CX_NS_PER_MS)))
        return cx__js_fail(js, CX_ERANGE, "timestamp out of range", js->base + off, NULL, 0);
    *out = (int64_t)ms * CX_NS_PER_MS;
    return 0;
}

/* s since epoch -> ns, range-checked. */
static inline int cx__js_s_to_ns(struct cx__js *js, uint64_t s, uint32_t off, int64_t *out)
{
    if (CX__JS_UNLIKELY(s > (uint64_t)(INT64_MAX / CX_NS_PER_S)))
        return cx__js_fail(js, CX_ERANGE, "timestamp out of range", js->base + off, NULL, 0);
    *out = (int64_t)s * CX_NS_PER_S;
    return 0;
}

/* A decimal timestamp text (number or string body) converted exactly to ns: parsing it at
 * exponent ns_exp gives ns directly (-6 for a value in ms, -9 for seconds). A negative value or
 * one finer than 1 ns is CX_ERANGE. */
static CX__JS_COLD int cx__js_dec_ts(struct cx__js *js, const char *s, size_t n, uint32_t off,
                                     int ns_exp, int64_t *out)
{
    int64_t v;
    int rc = cx_dec_parse(s, n, ns_exp, &v);
    if (rc == 0 && v < 0)
        rc = CX_ERANGE;
    if (rc != 0)
        return cx__js_fail(js, rc == CX_EPARSE ? CX_EPARSE : CX_ERANGE,
                           rc == CX_EPARSE ? "invalid timestamp" : "timestamp out of range",
                           js->base + off, s, n);
    *out = v;
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: prices and quantities
 * ------------------------------------------------------------------------------------------- */

static CX__JS_COLD int cx__js_conv_fail(struct cx__js *js, int rc, bool is_price, const char *at,
                                        const char *s, size_t n)
{
    const char *msg;
    switch (rc) {
    case CX_EPRECISION:
        msg = is_price ? "price has more decimals than the instrument's price_exp allows"
                       : "quantity has more decimals than the instrument's qty_exp allows";
        break;
    case CX_EOVERFLOW:
        msg = is_price ? "price does not fit int64 at price_exp"
                       : "quantity does not fit int64 at qty_exp";
        break;
    case CX_ERANGE: msg = is_price ? "negative price" : "negative quantity"; break;
    default:
        rc = CX_EPARSE;
        msg = is_price ? "invalid price" : "invalid quantity";
        break;
    }
    return cx__js_fail(js, rc, msg, at, s, n);
}

/* Convert a price or quantity text at the resolved symbol's exponent; negative values are
 * rejected (CX_ERANGE). `off` is the token's offset for the error column. */
static inline int cx__js_conv_raw(struct cx__js *js, const struct cx__md_sym *sym, const char *s,
                                  size_t n, uint32_t off, bool is_price, int64_t *out)
{
    int rc;
    if (CX__JS_UNLIKELY(n > 0 && s[0] == '-'))
        return cx__js_conv_fail(js, CX_ERANGE, is_price, js->base + off, s, n);
    rc = is_price ? cx__md_price(sym, s, n, out) : cx__md_qty(sym, s, n, out);
    if (CX__JS_UNLIKELY(rc != 0))
        return cx__js_conv_fail(js, rc, is_price, js->base + off, s, n);
    return 0;
}

/* Same for a string or number token (escaped strings are decoded first). */
static inline int cx__js_conv(struct cx__js *js, const struct cx__md_sym *sym,
                              const struct cx__js_tok *t, bool is_price, int64_t *out)
{
    char buf[CX__JS_UNESC_MAX];
    const char *s = NULL;
    size_t n = 0;
    int rc = cx__js_content(js, t, buf, &s, &n);
    if (rc != 0)
        return rc;
    return cx__js_conv_raw(js, sym, s, n, t->off, is_price, out);
}

/* Resolve a symbol token. */
static inline int cx__js_resolve(struct cx__js *js, const struct cx_md_ctx *ctx,
                                 enum cx_venue venue, const struct cx__js_tok *t,
                                 struct cx__md_sym *out)
{
    char buf[CX__JS_UNESC_MAX];
    const char *s = NULL;
    size_t n = 0;
    int rc = cx__js_content(js, t, buf, &s, &n);
    if (rc != 0)
        return rc;
    rc = cx__md_resolve(ctx, venue, s, n, out, js->err);
    if (CX__JS_UNLIKELY(rc != 0) && js->err != NULL)
        js->err->col = (int32_t)t->off + 1;
    return rc;
}

/* ---------------------------------------------------------------------------------------------
 * MARK: levels
 * ------------------------------------------------------------------------------------------- */

/* Reserve the next event of the batch. */
static inline int cx__js_push(struct cx__js *js, struct cx_md_batch *out, uint32_t *io_n,
                              const char *at, struct cx_md_event **out_ev)
{
    if (CX__JS_UNLIKELY(*io_n >= out->cap))
        return cx__js_fail(js, CX_ENOSPC, "more events than the batch capacity", at, NULL, 0);
    *out_ev = &out->ev[(*io_n)++];
    return 0;
}

/* One ["price","qty"] level at js->p, the careful way (escapes, whitespace, exact errors). */
static CX__JS_COLD int cx__js_pair_slow(struct cx__js *js, struct cx__js_tok *px,
                                        struct cx__js_tok *qty)
{
    int rc;
    cx__js_ws(js);
    if (js->p >= js->end)
        return cx__js_trunc(js);
    if (*js->p != '[')
        return cx__js_fail(js, CX_ETYPE, "expected [price, quantity] array for a level", js->p,
                           js->p, 1);
    js->p++;
    cx__js_ws(js);
    if (js->p < js->end && *js->p == ']')
        return cx__js_fail(js, CX_EPARSE, "level must be [price, quantity]", js->p, NULL, 0);
    rc = cx__js_string(js, px, "expected string for price", NULL);
    if (rc != 0)
        return rc;
    cx__js_ws(js);
    if (js->p >= js->end)
        return cx__js_trunc(js);
    if (*js->p != ',')
        return cx__js_fail(js, CX_EPARSE,
                           *js->p == ']' ? "level must be [price, quantity]" : "expected ','",
                           js->p, js->p, 1);
    js->p++;
    cx__js_ws(js);
    rc = cx__js_string(js, qty, "expected string for quantity", NULL);
    if (rc != 0)
        return rc;
    cx__js_ws(js);
    if (js->p >= js->end)
        return cx__js_trunc(js);
    if (*js->p != ']')
        return cx__js_fail(js, CX_EPARSE,
                           *js->p == ',' ? "level must be [price, quantity]" : "expected ']'",
                           js->p, js->p, 1);
    js->p++;
    return 0;
}

/*
 * An array of level objects at js->p (the '['): {<pkey>: "price", <skey>: size, ...}, other keys
 * skipped, both required, each once. Gate futures send {"p":"0.2983","s":0} (size a JSON
 * integer of contracts: size_is_number); Hyperliquid sends {"px":"..","sz":"..","n":..}.
 * Appends one event per level to out->ev from *io_n (price, quantity, side flag only).
 */
static inline int cx__js_levels_obj(struct cx__js *js, const struct cx__md_sym *sym,
                                    struct cx_md_batch *out, uint32_t *io_n, uint16_t side,
                                    const char *pkey, const char *skey, bool size_is_number)
{
    enum { F_PRICE, F_SIZE };
    const struct cx__js_key keys[] = {[F_PRICE] = {pkey, (uint32_t)strlen(pkey)},
                                      [F_SIZE] = {skey, (uint32_t)strlen(skey)}};
    struct cx__js_tok k, px = {0}, sz = {0};
    if (*js->p != '[')
        return cx__js_type_err(js, "expected array for a book side", NULL);
    int rc = cx__js_arr_open(js);
    while (rc == 0) {
        const char *lvl = js->p;
        if (*js->p != '{')
            return cx__js_type_err(js, "expected object for a level", NULL);
        struct cx__js_fields o = cx__js_fields(keys, CX__JS_NKEYS(keys), 4, cx__js_obj_open(js));
        for (int f = cx__js_next_field(js, &o, &k); f != CX__JS_DONE;
             f = cx__js_next_field(js, &o, &k)) {
            if (f == F_PRICE)
                rc = cx__js_string(js, &px, "expected string for price", &k);
            else
                rc = size_is_number ? cx__js_number(js, &sz, "expected number for size", &k)
                                    : cx__js_string(js, &sz, "expected string for quantity", &k);
            if (rc != 0)
                return rc;
        }
        rc = cx__js_fields_require(js, &o, UINT32_MAX);
        if (rc != 0)
            return rc;
        struct cx_md_event *e = NULL;
        rc = cx__js_push(js, out, io_n, lvl, &e);
        if (rc != 0)
            return rc;
        rc = cx__js_conv(js, sym, &px, true, &e->u.level.price_m);
        if (rc != 0)
            return rc;
        rc = cx__js_conv(js, sym, &sz, false, &e->u.level.qty_m);
        if (rc != 0)
            return rc;
        e->flags = side;
        rc = cx__js_arr_next(js);
    }
    return rc < 0 ? rc : 0;
}

/*
 * An array of ["price","qty"] levels at js->p (the '['), as Binance and Gate spot send them.
 * Appends one event per level to out->ev from *io_n, writing only price, quantity and the side
 * flag (the caller fills the message header afterwards). The loop is the decoder's hot path:
 * one pass, strings found with a table lookup per byte, no calls but the two conversions; any
 * irregularity (escape, whitespace, error) re-reads that level with cx__js_pair_slow.
 */
static inline int cx__js_levels_pairs(struct cx__js *js, const struct cx__md_sym *sym,
                                      struct cx_md_batch *out, uint32_t *io_n, uint16_t side)
{
    const char *const end = js->end;
    const char *p = js->p + 1;
    struct cx_md_event *const ev = out->ev;
    const uint32_t cap = out->cap;
    uint32_t n = *io_n;
    int rc;
    CX__JS_WS(p, end);
    if (p < end && *p == ']') {
        js->p = p + 1;
        return 0;
    }
    for (;;) {
        const char *lvl = p, *ps, *qs;
        size_t pn, qn;
        /* Fast path: ["digits","digits"] with no whitespace and no escapes. */
        if (CX__JS_UNLIKELY(end - p < 7 || p[0] != '[' || p[1] != '"'))
            goto slow;
        ps = p + 2;
        p = cx__js_str_stop(ps, end);
        if (CX__JS_UNLIKELY(end - p < 4 || p[0] != '"' || p[1] != ',' || p[2] != '"'))
            goto slow;
        pn = (size_t)(p - ps);
        qs = p + 3;
        p = cx__js_str_stop(qs, end);
        if (CX__JS_UNLIKELY(end - p < 2 || p[0] != '"' || p[1] != ']'))
            goto slow;
        qn = (size_t)(p - qs);
        p += 2;
        goto convert;
    slow: {
        struct cx__js_tok tp, tq;
        js->p = lvl;
        rc = cx__js_pair_slow(js, &tp, &tq);
        if (rc != 0)
            return rc;
        p = js->p;
        if (CX__JS_UNLIKELY(tp.esc || tq.esc)) {
            /* Escaped numbers: rare enough to convert through the generic path. */
            struct cx_md_event *e = NULL;
            rc = cx__js_push(js, out, &n, lvl, &e);
            if (rc != 0)
                return rc;
            rc = cx__js_conv(js, sym, &tp, true, &e->u.level.price_m);
            if (rc != 0)
                return rc;
            rc = cx__js_conv(js, sym, &tq, false, &e->u.level.qty_m);
            if (rc != 0)
                return rc;
            e->flags = side;
            goto next;
        }
        ps = tp.s;
        pn = tp.n;
        qs = tq.s;
        qn = tq.n;
    }
    convert: {
        if (CX__JS_UNLIKELY(n >= cap)) {
            js->p = lvl;
            return cx__js_fail(js, CX_ENOSPC, "more events than the batch capacity", lvl, NULL,
                               0);
        }
        struct cx_md_event *e = &ev[n];
        rc = cx__js_conv_raw(js, sym, ps, pn, (uint32_t)(ps - 1 - js->base), true,
                             &e->u.level.price_m);
        if (rc != 0)
            return rc;
        rc = cx__js_conv_raw(js, sym, qs, qn, (uint32_t)(qs - 1 - js->base), false,
                             &e->u.level.qty_m);
        if (rc != 0)
            return rc;
        e->flags = side;
        n++;
    }
    next:
        if (CX__JS_LIKELY(p < end && *p == ',')) {
            p++;
            CX__JS_WS(p, end);
            continue;
        }
        CX__JS_WS(p, end);
        if (CX__JS_LIKELY(p < end && *p == ']')) {
            js->p = p + 1;
            *io_n = n;
            return 0;
        }
        if (p < end && *p == ',') {
            p++;
            CX__JS_WS(p, end);
            continue;
        }
        js->p = p;
        if (p >= end)
            return cx__js_trunc(js);
        return cx__js_fail(js, CX_EPARSE, "expected ',' or ']'", p, p, 1);
    }
}

/* One event with CX_MD_F_NOLEVEL for a depth message without levels. */
static inline int cx__js_nolevel(struct cx__js *js, struct cx_md_batch *out, uint32_t *io_n)
{
    if (CX__JS_UNLIKELY(*io_n >= out->cap))
        return cx__js_fail(js, CX_ENOSPC, "more events than the batch capacity",
                           js->p > js->base ? js->p - 1 : js->p, NULL, 0);
    struct cx_md_event *e = &out->ev[(*io_n)++];
    e->flags = CX_MD_F_NOLEVEL;
    e->u.level.price_m = 0;
    e->u.level.qty_m = 0;
    return 0;
}

/* Fill the common header of a depth/snapshot run ev[0..n) (price, quantity and side flags are
 * already set) and mark its first and last events. */
static inline void cx__js_finish_levels(struct cx_md_event *ev, uint32_t n, uint8_t type,
                                        uint32_t inst_id, int64_t exch_ts_ns, int64_t local_ts_ns,
                                        uint64_t seq, uint64_t seq_first, uint64_t seq_prev,
                                        uint16_t flags)
{
    for (uint32_t i = 0; i < n; i++) {
        struct cx_md_event *e = &ev[i];
        e->exch_ts_ns = exch_ts_ns;
        e->local_ts_ns = local_ts_ns;
        e->seq = seq;
        e->inst_id = inst_id;
        e->type = type;
        e->stream = 0;
        e->flags = (uint16_t)(e->flags | flags);
        e->u.level.seq_first = seq_first;
        e->u.level.seq_prev = seq_prev;
    }
    ev[0].flags |= CX_MD_F_BEGIN;
    ev[n - 1].flags |= CX_MD_F_END;
}

/* Set the batch header after a successful decode. */
static inline void cx__js_done(struct cx_md_batch *out, uint32_t n, enum cx_md_kind kind,
                               enum cx_venue venue, uint32_t inst_id, int64_t local_ts_ns)
{
    out->n = n;
    out->kind = (uint8_t)kind;
    out->venue = (uint8_t)venue;
    out->pad = 0;
    out->inst_id = inst_id;
    out->local_ts_ns = local_ts_ns;
}

/* Common argument checks of the public decoders. */
static inline int cx__js_args(const struct cx_md_ctx *ctx, const char *json, size_t n,
                              struct cx_md_batch *out, struct cx_parse_err *err)
{
    if (ctx == NULL || (json == NULL && n > 0) || out == NULL || (out->ev == NULL && out->cap))
        return cx_parse_err_set(err, CX_EINVAL, "invalid decoder arguments", NULL, 0);
    /* Offsets are uint32 and columns int32; the reference decoder has the same limit. */
    if (n > (size_t)INT32_MAX)
        return cx_parse_err_set(err, CX_ERANGE, "message too long", NULL, 0);
    return 0;
}

#endif /* CX_MD_JSON_SCAN_H */
