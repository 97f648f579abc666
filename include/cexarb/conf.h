/* SPDX-License-Identifier: MIT */
/*
 * cexarb configuration loader (core module): YAML files read against static field tables.
 *
 * A table is an array of struct cx_conf_field, one per key of a YAML mapping, ended by
 * CX_CONF_END. Each field says how its value is read (integer, number, exact decimal, duration,
 * string, venue, name from a set, boolean, nested mapping, sequence of mappings, or a custom
 * function) and where it goes: an offset into the caller's struct. Bounds are declared in the
 * table (integer and duration min/max, number min/max with open or closed ends, string length,
 * the set of names), so the loader itself reports a value out of range with the full dotted key,
 * a static message naming the range, and the file, line and column of the value. Checks that
 * involve several keys run after the walk in a check function, which reports through
 * cx_conf_fail and gets the position of any key that was in the file.
 *
 * Tables compose: a section's table is relative to its own member, and CX_CONF_INLINE puts the
 * keys of another table (applied to another member) into the same mapping, so a run
 * configuration and a strategy's parameters can share one file while each keeps its own table
 * and struct. cx_conf_read_node applies any table to any mapping node during a load (a
 * strategy's `params:` mapping), and CX_CONF_NODE keeps a node for that purpose.
 *
 * Every value is read from its source text, never through another parser's float: integers
 * exactly, decimals with cx_dec_parse, durations ("100ms", "1.5s") exactly in ns, numbers with
 * strtod (correctly rounded). Unknown and duplicate keys are errors. A load works on a copy of
 * the caller's struct and copies it back only when the whole file is valid, so a rejected file
 * leaves the caller's struct untouched. cx_conf_to_json renders a struct back as JSON from the
 * same table, in a form the loader reads back to the same values.
 *
 * Threads: loads and renders are independent (no global state); a struct cx_conf_doc is used by
 * one thread at a time. Allocation: only at load time (the libyaml document, one copy of the
 * struct, the key-position table); rendering never allocates. Design notes and an example:
 * docs/internals/conf.md.
 */
#ifndef CEXARB_CONF_H
#define CEXARB_CONF_H

#include "cexarb/core.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------------
 * MARK: field tables
 * ------------------------------------------------------------------------------------------- */

/* Threads: tables are static and only read, so any number of loads and renders may use one at
 * once, on any threads. Custom functions, item hooks and checks run synchronously on the thread
 * that called the load, during it. cx_conf_target and cx_conf_target_const are pure. */

struct cx_conf_field;
struct cx_conf_ctx;  /* state of one load, handed to custom functions and hooks */
struct cx_conf_node; /* a node of a parsed document (opaque; valid while the document is) */
struct cx_conf_doc;  /* a parsed YAML document (opaque) */
struct cx_conf_json; /* JSON output buffer (below) */

/** How a value is read. */
enum cx_conf_type {
    CX_CONF_T_END = 0, /* ends a table (name NULL) */
    CX_CONF_T_SECTION, /* a mapping read with `sub`, at `off` */
    CX_CONF_T_INLINE,  /* the keys of `sub`, at `off`, belong to this mapping */
    CX_CONF_T_SEQ,     /* a sequence of mappings, each read with `sub` into an element */
    CX_CONF_T_INT,     /* integer (any integer storage) */
    CX_CONF_T_F64,     /* number into double */
    CX_CONF_T_DEC,     /* exact decimal at 10^exp: int64 mantissa or (rounded once) double */
    CX_CONF_T_DUR,     /* duration with a unit into int64 ns */
    CX_CONF_T_STR,     /* string into char[size] */
    CX_CONF_T_VENUE,   /* venue name (cx_venue_parse) into an integer */
    CX_CONF_T_ENUM,    /* one of `names` into an integer: the index in names */
    CX_CONF_T_BOOL,    /* true or false into bool */
    CX_CONF_T_NODE,    /* the value's node itself into a const struct cx_conf_node * */
    CX_CONF_T_CUSTOM,  /* read by `read`, rendered by `json` */
};

/** C type of a field's target (set by the CX_CONF_* macros from the member's type). */
enum cx_conf_storage {
    CX_CONF_S_OTHER = 0, /* arrays, structs, pointers */
    CX_CONF_S_I8,
    CX_CONF_S_U8,
    CX_CONF_S_I16,
    CX_CONF_S_U16,
    CX_CONF_S_I32,
    CX_CONF_S_U32,
    CX_CONF_S_I64,
    CX_CONF_S_U64,
    CX_CONF_S_F64,
    CX_CONF_S_BOOL,
};

/** Field flags. */
#define CX_CONF_F_BOUNDED 0x01u  /* INT, DUR: [i_min, i_max]; F64, DEC: f_min..f_max */
#define CX_CONF_F_LO_OPEN 0x02u  /* F64, DEC: the lower bound is excluded */
#define CX_CONF_F_HI_OPEN 0x04u  /* F64, DEC: the upper bound is excluded */
#define CX_CONF_F_REQUIRED 0x08u /* the key must be present (CX_EPARSE "missing required key") */
#define CX_CONF_F_NONEMPTY 0x10u /* STR: at least one byte */

/**
 * Custom reader: reads `value` (the node of key `key`, a full dotted key) into obj, the struct
 * of the table the field belongs to (the field's target is obj + f->off). Reports errors with
 * cx_conf_fail and returns their code; 0 on success. May call cx_conf_read_value,
 * cx_conf_read_node and the node accessors. Runs on a copy of the caller's struct.
 */
typedef int (*cx_conf_read_fn)(struct cx_conf_ctx *ctx, const struct cx_conf_field *f,
                               const struct cx_conf_node *value, const char *key, void *obj);

/** Custom renderer: writes the field's value (one JSON value, no key) from obj. */
typedef void (*cx_conf_json_fn)(struct cx_conf_json *out, const struct cx_conf_field *f,
                                const void *obj);

/**
 * Sequence item hook, called after item `index` (of `count`) of a CX_CONF_T_SEQ was read into
 * `elem` without error. It checks relations between the item's keys (positions through
 * cx_conf_node_key on `item`), converts, or stores the element elsewhere (for sequences with no
 * array in the struct). `key` is the item's key ("instruments[3]"); obj is the struct holding
 * the sequence. Return 0 or an error reported with cx_conf_fail.
 */
typedef int (*cx_conf_item_fn)(struct cx_conf_ctx *ctx, const struct cx_conf_node *item,
                               const char *key, void *obj, void *elem, uint32_t index,
                               uint32_t count);

/** After-walk check of a whole load, on the working copy: cross-key ranges, files. */
typedef int (*cx_conf_check_fn)(struct cx_conf_ctx *ctx, void *obj);

/**
 * One key of a mapping. Write tables with the CX_CONF_* macros below, which fill off, size and
 * storage from the member and build range messages from the bounds' own spelling.
 */
struct cx_conf_field {
    const char *name;                /* key in the mapping; NULL ends the table */
    uint8_t type;                    /* enum cx_conf_type */
    uint8_t storage;                 /* enum cx_conf_storage of the target */
    uint8_t flags;                   /* CX_CONF_F_* */
    int8_t exp;                      /* DEC: decimal exponent of the value */
    size_t off;                      /* offset of the target in the table's struct, bytes */
    size_t size;                     /* sizeof the target (STR: the array; SEQ: one element) */
    const struct cx_conf_field *sub; /* SECTION, INLINE, SEQ: the table, relative to off */
    int64_t i_min, i_max;            /* INT (value), DUR (ns) bounds, with F_BOUNDED */
    double f_min, f_max;             /* F64, DEC bounds (on the value), with F_BOUNDED */
    const char *const *names;        /* ENUM: the names, NULL-terminated; value = index */
    uint32_t cap;                    /* SEQ: elements in the array (0: none, the hook stores) */
    size_t count_off;                /* SEQ: offset of the uint32_t item count */
    const void *dflt;                /* SEQ: initial value of each element (NULL: zeros) */
    cx_conf_read_fn read;            /* CUSTOM */
    cx_conf_json_fn json;            /* CUSTOM (NULL: not rendered) */
    cx_conf_item_fn item;            /* SEQ: optional item hook (required when cap is 0) */
    const char *msg;                 /* static message for a value outside its bounds, too
                                        long, not in names, or too many items; NULL: generic */
};

/** The target of field f in obj (obj + f->off): what a custom function reads or writes. */
static inline void *cx_conf_target(const struct cx_conf_field *f, void *obj)
{
    return (char *)obj + f->off;
}

/** The same for rendering. */
static inline const void *cx_conf_target_const(const struct cx_conf_field *f, const void *obj)
{
    return (const char *)obj + f->off;
}

/* The member's storage, from its C type (plain char arrays, structs and pointers: OTHER). */
#define CX__CONF_STORAGE(x)                                                                    \
    _Generic((x), int8_t: CX_CONF_S_I8, uint8_t: CX_CONF_S_U8, int16_t: CX_CONF_S_I16,         \
             uint16_t: CX_CONF_S_U16, int32_t: CX_CONF_S_I32, uint32_t: CX_CONF_S_U32,         \
             int64_t: CX_CONF_S_I64, uint64_t: CX_CONF_S_U64, double: CX_CONF_S_F64,           \
             bool: CX_CONF_S_BOOL, default: CX_CONF_S_OTHER)
#define CX__CONF_M(T, m)                                                                       \
    .off = offsetof(T, m), .size = sizeof(((T *)0)->m), .storage = CX__CONF_STORAGE(((T *)0)->m)
/* Range text pieces: CX_CONF_F64(..., OPEN, 0, 100, CLOSED) reads "(0, 100]". */
#define CX__CONF_LB_OPEN "("
#define CX__CONF_LB_CLOSED "["
#define CX__CONF_RB_OPEN ")"
#define CX__CONF_RB_CLOSED "]"
#define CX__CONF_LF_OPEN CX_CONF_F_LO_OPEN
#define CX__CONF_LF_CLOSED 0u
#define CX__CONF_HF_OPEN CX_CONF_F_HI_OPEN
#define CX__CONF_HF_CLOSED 0u
/* Duration units of CX_CONF_DUR bounds, in ns. */
#define CX__CONF_NS_ns INT64_C(1)
#define CX__CONF_NS_us CX_NS_PER_US
#define CX__CONF_NS_ms CX_NS_PER_MS
#define CX__CONF_NS_s CX_NS_PER_S
#define CX__CONF_NS_m (60 * CX_NS_PER_S)
#define CX__CONF_NS_h (3600 * CX_NS_PER_S)

/** Ends a table. */
#define CX_CONF_END {.name = NULL, .type = CX_CONF_T_END}

/** Mapping `name` read with table `sub` into member m of T (sub is relative to m). */
#define CX_CONF_SECTION(name_, T, m, sub_)                                                     \
    {.name = name_, .type = CX_CONF_T_SECTION, CX__CONF_M(T, m), .sub = sub_}
/** Mapping `name` read with table `sub` relative to the same struct (a grouping in the file). */
#define CX_CONF_GROUP(name_, sub_)                                                             \
    {.name = name_, .type = CX_CONF_T_SECTION, .off = 0, .sub = sub_}
/** The keys of table `sub`, applied to member m of T, are keys of this mapping. */
#define CX_CONF_INLINE(T, m, sub_)                                                             \
    {.name = "", .type = CX_CONF_T_INLINE, CX__CONF_M(T, m), .sub = sub_}

/** Integer into any integer member, within [lo, hi]; the message reads "KEY must be in [lo,
 * hi]" with KEY the text `key` (give the full dotted key when the table has a fixed place). */
#define CX_CONF_INT_K(key, name_, T, m, lo, hi)                                                \
    {.name = name_, .type = CX_CONF_T_INT, CX__CONF_M(T, m), .flags = CX_CONF_F_BOUNDED,      \
     .i_min = (lo), .i_max = (hi), .msg = key " must be in [" #lo ", " #hi "]"}
#define CX_CONF_INT(name_, T, m, lo, hi) CX_CONF_INT_K(name_, name_, T, m, lo, hi)
/** Integer within [lo, hi] with a message of the caller's (static), for a range that states
 * more than the bounds (a cross-key range whose other end is checked after the walk). */
#define CX_CONF_INT_MSG(name_, T, m, lo, hi, msg_)                                             \
    {.name = name_, .type = CX_CONF_T_INT, CX__CONF_M(T, m), .flags = CX_CONF_F_BOUNDED,      \
     .i_min = (lo), .i_max = (hi), .msg = msg_}
/** Integer limited only by its C type; `msg_` (static, may be NULL) reports a value beyond it. */
#define CX_CONF_INT_ANY(name_, T, m, msg_)                                                     \
    {.name = name_, .type = CX_CONF_T_INT, CX__CONF_M(T, m), .msg = msg_}

/** Number into a double, between lo and hi, each end OPEN or CLOSED. */
#define CX_CONF_F64_K(key, name_, T, m, lo_end, lo, hi, hi_end)                                \
    {.name = name_, .type = CX_CONF_T_F64, CX__CONF_M(T, m),                                   \
     .flags = CX_CONF_F_BOUNDED | CX__CONF_LF_##lo_end | CX__CONF_HF_##hi_end,                 \
     .f_min = (lo), .f_max = (hi),                                                             \
     .msg = key " must be in " CX__CONF_LB_##lo_end #lo ", " #hi CX__CONF_RB_##hi_end}
#define CX_CONF_F64(name_, T, m, lo_end, lo, hi, hi_end)                                       \
    CX_CONF_F64_K(name_, name_, T, m, lo_end, lo, hi, hi_end)

/** Number with bounds and a message of the caller's (static). */
#define CX_CONF_F64_MSG(name_, T, m, lo_end, lo, hi, hi_end, msg_)                             \
    {.name = name_, .type = CX_CONF_T_F64, CX__CONF_M(T, m),                                   \
     .flags = CX_CONF_F_BOUNDED | CX__CONF_LF_##lo_end | CX__CONF_HF_##hi_end,                 \
     .f_min = (lo), .f_max = (hi), .msg = msg_}

/** Exact decimal at 10^exp into an int64 mantissa or a double, with no bounds. */
#define CX_CONF_DEC(name_, T, m, exp_)                                                         \
    {.name = name_, .type = CX_CONF_T_DEC, CX__CONF_M(T, m), .exp = (exp_)}
/** Exact decimal at 10^exp with bounds on its value (compared as a double). */
#define CX_CONF_DEC_K(key, name_, T, m, exp_, lo_end, lo, hi, hi_end)                          \
    {.name = name_, .type = CX_CONF_T_DEC, CX__CONF_M(T, m), .exp = (exp_),                    \
     .flags = CX_CONF_F_BOUNDED | CX__CONF_LF_##lo_end | CX__CONF_HF_##hi_end,                 \
     .f_min = (lo), .f_max = (hi),                                                             \
     .msg = key " must be in " CX__CONF_LB_##lo_end #lo ", " #hi CX__CONF_RB_##hi_end}

/** Duration into an int64 ns member within [lo lo_unit, hi hi_unit], units ns us ms s m h:
 * CX_CONF_DUR("timeout", T, m, 1, ms, 60, s) accepts "1ms" to "60s" and says "[1ms, 60s]". */
#define CX_CONF_DUR_K(key, name_, T, m, lo, lo_unit, hi, hi_unit)                              \
    {.name = name_, .type = CX_CONF_T_DUR, CX__CONF_M(T, m), .flags = CX_CONF_F_BOUNDED,      \
     .i_min = (lo) * CX__CONF_NS_##lo_unit, .i_max = (hi) * CX__CONF_NS_##hi_unit,             \
     .msg = key " must be in [" #lo #lo_unit ", " #hi #hi_unit "]"}
#define CX_CONF_DUR(name_, T, m, lo, lo_unit, hi, hi_unit)                                     \
    CX_CONF_DUR_K(name_, name_, T, m, lo, lo_unit, hi, hi_unit)

/** String into a char array member (at most sizeof - 1 bytes); flags CX_CONF_F_NONEMPTY; msg
 * (static, may be NULL) reports a length outside the allowed one. */
#define CX_CONF_STR(name_, T, m, flags_, msg_)                                                 \
    {.name = name_, .type = CX_CONF_T_STR, CX__CONF_M(T, m), .flags = (flags_), .msg = msg_}
/** Venue name into an integer member (enum cx_venue value). */
#define CX_CONF_VENUE(name_, T, m)                                                             \
    {.name = name_, .type = CX_CONF_T_VENUE, CX__CONF_M(T, m)}
/** One of names[] (NULL-terminated) into an integer member: the index; msg lists the names. */
#define CX_CONF_ENUM(name_, T, m, names_, msg_)                                                \
    {.name = name_, .type = CX_CONF_T_ENUM, CX__CONF_M(T, m), .names = names_, .msg = msg_}
/** true or false into a bool member. */
#define CX_CONF_BOOL(name_, T, m) {.name = name_, .type = CX_CONF_T_BOOL, CX__CONF_M(T, m)}
/** The value's node into a `const struct cx_conf_node *` member (valid during the load). */
#define CX_CONF_NODE(name_, T, m) {.name = name_, .type = CX_CONF_T_NODE, CX__CONF_M(T, m)}
/** Read by read_fn, rendered by json_fn (NULL: left out of cx_conf_to_json). */
#define CX_CONF_CUSTOM(name_, T, m, read_fn, json_fn)                                          \
    {.name = name_, .type = CX_CONF_T_CUSTOM, CX__CONF_M(T, m), .read = read_fn,             \
     .json = json_fn}
/**
 * Sequence of mappings into array member `arr` of T with its uint32_t count member `count`:
 * each item starts as *dflt_ (or zeros) and is read with table `sub` (relative to the element);
 * more items than the array holds is CX_ECONFIG at "KEY[cap]". The sequence replaces the
 * array as a whole (elements past the count are zeroed). item_fn may be NULL.
 */
#define CX_CONF_SEQ(name_, T, arr, count, sub_, dflt_, item_fn)                                \
    {.name = name_, .type = CX_CONF_T_SEQ, .off = offsetof(T, arr),                            \
     .size = sizeof(((T *)0)->arr[0]), .sub = sub_,                                            \
     .cap = (uint32_t)(sizeof(((T *)0)->arr) / sizeof(((T *)0)->arr[0])),                      \
     .count_off = offsetof(T, count), .dflt = dflt_, .item = item_fn}
/** Sequence of mappings of unbounded length with no array: each item is read into a scratch
 * element of type E (zeroed) and handed to item_fn, which keeps what it needs. */
#define CX_CONF_SEQ_HOOK(name_, T, count, E, sub_, item_fn)                                    \
    {.name = name_, .type = CX_CONF_T_SEQ, .off = 0, .size = sizeof(E), .sub = sub_,           \
     .cap = 0, .count_off = offsetof(T, count), .item = item_fn}

/* ---------------------------------------------------------------------------------------------
 * MARK: loading
 * ------------------------------------------------------------------------------------------- */

/* Threads: no global state (libyaml keeps its state in the parser of each call): loads into
 * distinct objs may run on several threads at once. A document, and its nodes, is used by one
 * thread at a time. Blocking: the _file variants read the file. Loads and cx_conf_doc_open_*
 * allocate (see each); cx_conf_doc_root never allocates. */

/** Options of a load (all optional; pass NULL for none). */
struct cx_conf_opts {
    void *user;             /* borrowed: handed to custom functions (cx_conf_user) */
    cx_conf_check_fn check; /* after the walk, before the copy back */
    bool skip_unknown;      /* pass over keys the table does not know instead of failing: for
                               a first look at a few keys (which strategy a file is for) before
                               the real load with the whole table */
};

/**
 * Load a YAML file into obj with `table`: the file's keys override obj's current values (fill
 * obj with defaults first); keys absent keep theirs. An empty file (or only comments) changes
 * nothing.
 * @param path      borrowed; also err->file.
 * @param table     the top-level mapping's fields (static, retained during the call).
 * @param obj       the caller's struct, `obj_size` bytes; written only when the whole file is
 *                  valid (the load works on a copy).
 * @param opts      may be NULL.
 * @param err       optional; on failure: code, static msg, file, line and column (1-based, of
 *                  the value for value errors, of the key for key errors, 0 when there is no
 *                  position) and detail = the full dotted key ("breaker.cooldown",
 *                  "backtest.files[1]", "(top level)", "(document)" for a second document,
 *                  libyaml's description for malformed YAML).
 * @return 0; CX_ENOENT (no such file); CX_EIO; CX_ERANGE (file larger than 16 MiB);
 *         CX_EPARSE (malformed YAML, a second document, unknown or duplicate key, missing
 *         required key, a value of the wrong type or syntax); CX_ECONFIG (a value outside its
 *         bounds or not one of its names, a string too long, too many items); whatever a
 *         custom function or the check returns; CX_ENOMEM; CX_EINVAL (NULL arguments, or a
 *         table entry whose type does not suit its member: a programming error).
 * Thread-safe for distinct objs. Allocates the document, one copy of obj and ~80 kB of
 * key positions, all freed before returning. O(file size x keys per mapping).
 */
int cx_conf_load_file(const char *path, const struct cx_conf_field *table, void *obj,
                      size_t obj_size, const struct cx_conf_opts *opts,
                      struct cx_parse_err *err);

/**
 * cx_conf_load_file on text in memory.
 * @param text  borrowed, `len` bytes (need not be NUL-terminated; a NUL byte inside is
 *              malformed YAML).
 * @param name  borrowed name for err->file ("<string>" when NULL).
 * @return as cx_conf_load_file, without the file errors.
 */
int cx_conf_load_string(const char *text, size_t len, const char *name,
                        const struct cx_conf_field *table, void *obj, size_t obj_size,
                        const struct cx_conf_opts *opts, struct cx_parse_err *err);

/**
 * Parse a YAML file into a document, to load sub-trees of it with different tables
 * (cx_conf_load_node). Rejects malformed YAML and a second document.
 * @param out   the new document (free with cx_conf_doc_free); written only on success.
 * @param path  borrowed, and RETAINED as the name in later reports until cx_conf_doc_free.
 * @return 0; CX_ENOENT; CX_EIO; CX_ERANGE; CX_EPARSE; CX_ENOMEM; CX_EINVAL.
 * Allocates the document.
 */
int cx_conf_doc_open_file(struct cx_conf_doc **out, const char *path, struct cx_parse_err *err);

/** cx_conf_doc_open_file on text in memory (copied; `name` retained, may be NULL). */
int cx_conf_doc_open_string(struct cx_conf_doc **out, const char *text, size_t len,
                            const char *name, struct cx_parse_err *err);

/** Free a document (NULL is a no-op). Nodes of it become invalid. */
void cx_conf_doc_free(struct cx_conf_doc *doc);

/** The root node of a document, NULL when the document is empty. Lives as long as doc. */
const struct cx_conf_node *cx_conf_doc_root(const struct cx_conf_doc *doc);

/**
 * Load the mapping `node` of `doc` into obj with `table`, as cx_conf_load_file does for a
 * whole file (copy, check, copy back on success).
 * @param node  a node of doc (a null node loads nothing).
 * @param key   the node's dotted key, the prefix of every key in reports ("" for the root).
 * @return as cx_conf_load_string.
 */
int cx_conf_load_node(struct cx_conf_doc *doc, const struct cx_conf_node *node, const char *key,
                      const struct cx_conf_field *table, void *obj, size_t obj_size,
                      const struct cx_conf_opts *opts, struct cx_parse_err *err);

/* ---------------------------------------------------------------------------------------------
 * MARK: inside a load (custom functions, hooks, checks)
 * ------------------------------------------------------------------------------------------- */

/* Threads: the calls that take a ctx only from inside a custom function, item hook or check, on
 * the thread running that load (a ctx is valid only then); cx_conf_node_kind, _text and _count
 * follow their document's rule (one thread at a time). Not thread-safe, nothing locks. Never
 * block; only cx_conf_read_value and cx_conf_read_node may allocate (a scratch element for an
 * unbounded sequence, freed before they return). */

/** The user pointer of the load's options (NULL when none). */
void *cx_conf_user(const struct cx_conf_ctx *ctx);

/** The load's error report (NULL when the caller passed none), for validators that fill a
 * cx_parse_err themselves; follow with cx_conf_locate. */
struct cx_parse_err *cx_conf_err(const struct cx_conf_ctx *ctx);

/**
 * Record an error: code, static msg, detail `key` (the full dotted key, or another short text),
 * at the position of `node`, or when node is NULL at the position remembered for `key` (the
 * value of a key that was in the file), or none.
 * @return code.
 */
int cx_conf_fail(struct cx_conf_ctx *ctx, int code, const char *msg, const char *key,
                 const struct cx_conf_node *node);

/** Give the error already in the report (a validator's, detail = a dotted key) the position
 * remembered for that key (line 0 when the key was not in the file). @return rc. */
int cx_conf_locate(struct cx_conf_ctx *ctx, int rc);

/**
 * Check that `node` is a scalar other than null with no NUL byte inside, and give its text.
 * @param what        static message of the CX_EPARSE when it is not ("expected a venue name").
 * @param out_text    the text, NUL-terminated, living as the document (written on success).
 * @param out_len     its length (may be NULL).
 * @return 0; CX_EPARSE (reported at node).
 */
int cx_conf_want_scalar(struct cx_conf_ctx *ctx, const struct cx_conf_node *node,
                        const char *key, const char *what, const char **out_text,
                        size_t *out_len);

/** Remember where `key`'s value is, for cx_conf_fail with node NULL (the walker does this for
 * every key it reads; custom functions do it for keys they read themselves). Best effort: a
 * full table drops the position. */
void cx_conf_remember(struct cx_conf_ctx *ctx, const char *key, const struct cx_conf_node *node);

/**
 * Read one value with field descriptor f (its off relative to obj): how custom functions reuse
 * the typed readers and bounds ("5ms" as a duration into a latency struct).
 * @return 0 or the error (reported).
 */
int cx_conf_read_value(struct cx_conf_ctx *ctx, const struct cx_conf_node *value,
                       const char *key, const struct cx_conf_field *f, void *obj);

/**
 * Read the mapping `node` with `table` into obj directly (no copy of its own: the caller's
 * struct is the load's working copy or storage the caller discards on failure).
 * @param key  the node's dotted key (prefix of reports).
 * @return 0 or the error (reported).
 */
int cx_conf_read_node(struct cx_conf_ctx *ctx, const struct cx_conf_node *node, const char *key,
                      const struct cx_conf_field *table, void *obj);

/** Node kinds. */
enum cx_conf_node_kind {
    CX_CONF_NODE_NULL = 0, /* empty plain value, ~ or null */
    CX_CONF_NODE_SCALAR,
    CX_CONF_NODE_MAP,
    CX_CONF_NODE_SEQ,
};

/** The kind of a node (NULL: CX_CONF_NODE_NULL). */
enum cx_conf_node_kind cx_conf_node_kind(const struct cx_conf_node *node);

/** A scalar's text (NUL-terminated, lives as the document) and its length; NULL when node is
 * not a scalar. Null scalars give "" or their spelling ("~"). */
const char *cx_conf_node_text(const struct cx_conf_node *node, size_t *out_len);

/** Items of a sequence or pairs of a mapping (0 otherwise). */
uint32_t cx_conf_node_count(const struct cx_conf_node *node);

/** Item i of a sequence (NULL when out of range or not a sequence). */
const struct cx_conf_node *cx_conf_node_item(const struct cx_conf_ctx *ctx,
                                             const struct cx_conf_node *seq, uint32_t i);

/** Pair i of a mapping: key and value nodes (NULLs when out of range). */
void cx_conf_node_pair(const struct cx_conf_ctx *ctx, const struct cx_conf_node *map, uint32_t i,
                       const struct cx_conf_node **out_key, const struct cx_conf_node **out_value);

/** The key node of `name` in a mapping (its position is the key's), NULL when absent. */
const struct cx_conf_node *cx_conf_node_key(const struct cx_conf_ctx *ctx,
                                            const struct cx_conf_node *map, const char *name);

/** The value node of `name` in a mapping, NULL when absent. */
const struct cx_conf_node *cx_conf_node_get(const struct cx_conf_ctx *ctx,
                                            const struct cx_conf_node *map, const char *name);

/* ---------------------------------------------------------------------------------------------
 * MARK: rendering as JSON
 * ------------------------------------------------------------------------------------------- */

/* Threads: thread-safe from any thread when obj is not being changed; an output buffer (struct
 * cx_conf_json) is written by one thread at a time. Never block, never allocate. */

/** JSON output buffer: text accumulates in buf[0..len), NUL-terminated; once full, is_full
 * is set and further output is dropped. */
struct cx_conf_json {
    char *buf;       /* borrowed output buffer */
    size_t cap;      /* bytes in buf */
    size_t len;      /* bytes written, excluding the NUL */
    bool is_full;    /* output did not fit */
    bool need_comma; /* a value was written at this level */
};

/**
 * Render obj as one JSON object with `table`: every key in table order with its current value,
 * in the spelling the loader reads back to the same value (the JSON is also valid YAML):
 * integers in decimal; doubles in the shortest form that reads back to the same bits (%.17g at
 * most), non-finite as null; exact decimals as strings with no trailing zeros ("0.01");
 * durations as strings in the largest unit that divides them ("1500ms", "90m"); strings escaped;
 * venues and enum values by name; sections as objects; sequences as arrays of their count
 * elements; custom fields through their json function (left out without one); NODE fields and
 * sequences without an array left out.
 * @param buf  out, `cap` bytes, NUL-terminated when cap > 0.
 * @return the length (excluding NUL); CX_ENOSPC when it does not fit; CX_EINVAL (NULLs).
 * Thread-safe, never allocates, O(output).
 */
int cx_conf_to_json(const struct cx_conf_field *table, const void *obj, char *buf, size_t cap);

/** Helpers for custom renderers. A key is followed by exactly one value; values and opens get
 * their separating commas automatically. */
void cx_conf_json_key(struct cx_conf_json *out, const char *name);
void cx_conf_json_open(struct cx_conf_json *out, char bracket);  /* '{' or '[' */
void cx_conf_json_close(struct cx_conf_json *out, char bracket); /* '}' or ']' */
void cx_conf_json_raw(struct cx_conf_json *out, const char *text); /* a number, true, null */
void cx_conf_json_str(struct cx_conf_json *out, const char *s, size_t n); /* quoted, escaped */
/** A value rendered with field descriptor f (its off relative to obj), as cx_conf_to_json
 * renders it (the key, if any, written before). */
void cx_conf_json_value(struct cx_conf_json *out, const struct cx_conf_field *f,
                        const void *obj);

#ifdef __cplusplus
}
#endif
#endif /* CEXARB_CONF_H */
