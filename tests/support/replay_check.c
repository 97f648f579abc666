/* SPDX-License-Identifier: MIT */
/*
 * The reference-book check for cx_replay_run (test support; declared in cx_ref.h): one
 * cx_book_ref per replayed book, fed the same messages as the fast book through the replay's
 * check hook, and compared after every message (return code first, then state, last id and
 * every level with cx_book_equal_ref). The descriptions it writes are the ones the replay used
 * to produce itself when the comparison was built in ("fast book returned X, reference Y").
 */
#include "cx_ref.h"

#include <stdio.h>
#include <string.h>

static int ref_on_book(void *arg, uint32_t book_index, const struct cx_book_cfg *cfg)
{
    struct cx_ref_check *c = arg;
    if (book_index >= CX_REPLAY_MAX_BOOKS)
        return CX_EINVAL;
    cx_book_ref_free(c->ref[book_index]);
    c->ref[book_index] = NULL;
    return cx_book_ref_new(&c->ref[book_index], cfg);
}

static int ref_on_depth(void *arg, uint32_t book_index, const struct cx_book *book,
                        const struct cx_md_batch *batch, int book_rc, char *why, size_t why_cap)
{
    struct cx_ref_check *c = arg;
    struct cx_book_ref *ref = book_index < CX_REPLAY_MAX_BOOKS ? c->ref[book_index] : NULL;
    if (ref == NULL) {
        snprintf(why, why_cap, "no reference book for book %u", book_index);
        return 1;
    }
    int ref_rc = cx_book_ref_apply(ref, batch->ev, batch->n);
    if (ref_rc != book_rc) {
        snprintf(why, why_cap, "fast book returned %s, reference %s", cx_err_name(book_rc),
                 cx_err_name(ref_rc));
        return 1;
    }
    return cx_book_equal_ref(book, ref, why, why_cap) != 0;
}

void cx_ref_check_init(struct cx_ref_check *c)
{
    memset(c, 0, sizeof *c);
}

void cx_ref_check_fini(struct cx_ref_check *c)
{
    for (uint32_t i = 0; i < CX_REPLAY_MAX_BOOKS; i++) {
        cx_book_ref_free(c->ref[i]);
        c->ref[i] = NULL;
    }
}

struct cx_replay_check cx_ref_check_hook(struct cx_ref_check *c)
{
    struct cx_replay_check hook = {.arg = c, .on_book = ref_on_book, .on_depth = ref_on_depth};
    return hook;
}
