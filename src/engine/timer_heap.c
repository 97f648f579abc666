/* SPDX-License-Identifier: MIT */
/*
 * The runtime's timer queue: a pairing heap of intrusive nodes (struct cx_timer, strat.h) that
 * live in the strategies' own state, so arming and stopping never allocate and there is no
 * capacity. Ordered by (at_ns, seq): seq is the arming order, so timers due at one instant fire
 * in the order they were armed, whatever shape the heap has (the order is a strict total order
 * on armed timers).
 *
 * Pairing heap (Fredman, Sedgewick, Sleator, Tarjan, "The pairing heap: a new form of
 * self-adjusting heap", Algorithmica 1(1), 1986): insert and meld O(1), delete-min and delete
 * O(log n) amortised with the two-pass combine. Links: heap_child = first child, heap_next =
 * next sibling, heap_prev = the parent for a first child, else the previous sibling; the root
 * has no prev and no next.
 */
#include "engine_int.h"

static bool before(const struct cx_timer *a, const struct cx_timer *b)
{
    return a->at_ns < b->at_ns || (a->at_ns == b->at_ns && a->seq < b->seq);
}

/* Meld two detached roots (no prev, no next); returns the new root. */
static struct cx_timer *meld(struct cx_timer *a, struct cx_timer *b)
{
    if (a == NULL)
        return b;
    if (b == NULL)
        return a;
    if (before(b, a)) {
        struct cx_timer *t = a;
        a = b;
        b = t;
    }
    b->heap_prev = a;
    b->heap_next = a->heap_child;
    if (a->heap_child != NULL)
        a->heap_child->heap_prev = b;
    a->heap_child = b;
    return a;
}

/* Combine a sibling list into one root: meld pairs left to right, then the pairs right to
 * left (the two-pass rule the amortised bound needs). */
static struct cx_timer *combine(struct cx_timer *first)
{
    struct cx_timer *pairs = NULL; /* stack of melded pairs, linked through heap_next */
    while (first != NULL) {
        struct cx_timer *a = first, *b = a->heap_next;
        struct cx_timer *rest = b != NULL ? b->heap_next : NULL;
        a->heap_next = a->heap_prev = NULL;
        if (b != NULL)
            b->heap_next = b->heap_prev = NULL;
        struct cx_timer *m = meld(a, b);
        m->heap_next = pairs;
        pairs = m;
        first = rest;
    }
    struct cx_timer *root = NULL;
    while (pairs != NULL) {
        struct cx_timer *next = pairs->heap_next;
        pairs->heap_next = NULL;
        root = meld(root, pairs);
        pairs = next;
    }
    return root;
}

void cx__timer_heap_insert(struct cx__timer_heap *h, struct cx_timer *t)
{
    t->heap_child = t->heap_next = t->heap_prev = NULL;
    h->root = meld(h->root, t);
    h->n++;
}

void cx__timer_heap_remove(struct cx__timer_heap *h, struct cx_timer *t)
{
    if (t == h->root) {
        h->root = combine(t->heap_child);
    } else {
        /* Unlink t (and its subtree) from its parent's child list. */
        if (t->heap_prev->heap_child == t)
            t->heap_prev->heap_child = t->heap_next;
        else
            t->heap_prev->heap_next = t->heap_next;
        if (t->heap_next != NULL)
            t->heap_next->heap_prev = t->heap_prev;
        h->root = meld(h->root, combine(t->heap_child));
    }
    t->heap_child = t->heap_next = t->heap_prev = NULL;
    h->n--;
}
