/* SPDX-License-Identifier: MIT */
/*
 * k-way merge of readers by local receive time: a binary min-heap of (local_ts_ns, reader
 * index), one node per reader that holds a current batch. Ties go to the lower index, so the
 * merged order is a deterministic function of the inputs.
 *
 * Invariant: a reader's batch is valid only until that reader's next call, so the reader whose
 * batch was just returned (`pending`) is refilled at the start of the NEXT merge call, never
 * earlier; every reader in the heap holds an untouched batch. Readers are primed lazily and in
 * index order (`primed`), so an error while priming can be returned and the call retried
 * without losing batches.
 */
#include "cexarb/md.h"

#include <stdlib.h>

/* Heap node: the key is copied out of the batch so sifting touches only the heap array. */
struct merge_node {
    int64_t ts_ns;  /* local_ts_ns of the reader's current batch */
    uint32_t index; /* reader index */
};

struct cx_md_merge {
    uint32_t n;                         /* readers */
    uint32_t heap_n;                    /* nodes in heap */
    uint32_t primed;                    /* readers [0, primed) have been read once */
    int64_t pending;                    /* reader to refill on the next call, -1 = none */
    struct cx_md_reader **readers;      /* readers[0..n), retained */
    const struct cx_md_batch **current; /* current batch per reader */
    struct merge_node *heap;            /* heap[0..heap_n), min at 0 */
};

static bool node_less(const struct merge_node *a, const struct merge_node *b)
{
    return a->ts_ns < b->ts_ns || (a->ts_ns == b->ts_ns && a->index < b->index);
}

static void heap_push(struct cx_md_merge *m, struct merge_node node)
{
    uint32_t i = m->heap_n++;
    while (i > 0) {
        uint32_t parent = (i - 1) / 2;
        if (!node_less(&node, &m->heap[parent]))
            break;
        m->heap[i] = m->heap[parent];
        i = parent;
    }
    m->heap[i] = node;
}

static struct merge_node heap_pop(struct cx_md_merge *m)
{
    struct merge_node top = m->heap[0];
    struct merge_node last = m->heap[--m->heap_n];
    uint32_t i = 0;
    for (;;) {
        uint32_t child = 2 * i + 1;
        if (child >= m->heap_n)
            break;
        if (child + 1 < m->heap_n && node_less(&m->heap[child + 1], &m->heap[child]))
            child++;
        if (!node_less(&m->heap[child], &last))
            break;
        m->heap[i] = m->heap[child];
        i = child;
    }
    if (m->heap_n > 0)
        m->heap[i] = last;
    return top;
}

/* Read reader i once: push it back with its new batch, or let it drop out at its end. */
static int refill(struct cx_md_merge *m, uint32_t i, struct cx_parse_err *err)
{
    const struct cx_md_batch *b;
    int rc = cx_md_reader_next(m->readers[i], &b, err);
    if (rc < 0)
        return rc;
    if (rc == 1) {
        m->current[i] = b;
        heap_push(m, (struct merge_node){b->local_ts_ns, i});
    }
    return 0;
}

int cx_md_merge_open(struct cx_md_merge **out, struct cx_md_reader *const *readers, uint32_t n)
{
    if (out == NULL || readers == NULL || n == 0 || n > 255)
        return CX_EINVAL;
    for (uint32_t i = 0; i < n; i++)
        if (readers[i] == NULL)
            return CX_EINVAL;
    struct cx_md_merge *m = calloc(1, sizeof *m);
    if (m == NULL)
        return CX_ENOMEM;
    m->readers = calloc(n, sizeof *m->readers);
    m->current = calloc(n, sizeof *m->current);
    m->heap = calloc(n, sizeof *m->heap);
    if (m->readers == NULL || m->current == NULL || m->heap == NULL) {
        cx_md_merge_close(m);
        return CX_ENOMEM;
    }
    for (uint32_t i = 0; i < n; i++)
        m->readers[i] = readers[i];
    m->n = n;
    m->pending = -1;
    *out = m;
    return 0;
}

int cx_md_merge_next(struct cx_md_merge *m, const struct cx_md_batch **out_batch,
                     uint32_t *out_reader, struct cx_parse_err *err)
{
    if (m == NULL || out_batch == NULL)
        return CX_EINVAL;
    if (m->pending >= 0) {
        int rc = refill(m, (uint32_t)m->pending, err);
        if (rc < 0)
            return rc; /* pending kept: readers' errors are sticky, a retry returns it again */
        m->pending = -1;
    }
    while (m->primed < m->n) {
        int rc = refill(m, m->primed, err);
        if (rc < 0)
            return rc;
        m->primed++;
    }
    if (m->heap_n == 0)
        return 0;
    struct merge_node top = heap_pop(m);
    m->pending = top.index;
    *out_batch = m->current[top.index];
    if (out_reader != NULL)
        *out_reader = top.index;
    return 1;
}

void cx_md_merge_close(struct cx_md_merge *m)
{
    if (m == NULL)
        return;
    free(m->readers);
    free(m->current);
    free(m->heap);
    free(m);
}
