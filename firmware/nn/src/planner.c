/*
 * The memory planner: gives every buffer (activation tensors and op scratch)
 * an offset in one region so that buffers alive at the same time never
 * overlap. Greedy placement (each buffer at the lowest offset that fits
 * between the buffers already placed that it meets in time), tried with a
 * few orderings; the smallest result wins. Deterministic: nn_arena_bytes and
 * nn_init get the same plan.
 */
#include "nn_internal.h"

static int overlaps_in_time(const nn_buf *a, const nn_buf *b)
{
    return a->first <= b->last && b->first <= a->last;
}

/* Places buffers in `order`; returns the region size. */
static uint32_t place(nn_buf *bufs, const uint16_t *order, uint32_t n)
{
    uint32_t total = 0;
    for (uint32_t k = 0; k < n; k++) {
        nn_buf *b = &bufs[order[k]];
        uint32_t off = 0;
        if (b->size == 0) {
            b->offset = 0;
            continue;
        }
        /* Move past every placed, time-overlapping buffer we collide with until
     * a whole pass finds no collision (offsets only grow, so this ends). */
        for (int moved = 1; moved;) {
            moved = 0;
            for (uint32_t j = 0; j < k; j++) {
                const nn_buf *p = &bufs[order[j]];
                if (p->size == 0 || !overlaps_in_time(b, p)) continue;
                if (off < p->offset + p->size && p->offset < off + b->size) {
                    off = p->offset + p->size;
                    moved = 1;
                }
            }
        }
        b->offset = off;
        if (off + b->size > total) total = off + b->size;
    }
    return total;
}

/* Ordering keys, larger first. */
static uint64_t key(const nn_buf *b, int heuristic)
{
    const uint64_t life = (uint64_t)(b->last - b->first) + 1u;
    switch (heuristic) {
    case 0: return ((uint64_t)b->size << 16) | (0xFFFFu - b->first);
    case 1: return ((uint64_t)b->size << 16) | life;
    case 2: return (life << 32) | b->size;
    default: return (uint64_t)b->size * life;
    }
}

static void sort_order(const nn_buf *bufs, uint16_t *order, uint32_t n, int heuristic)
{
    for (uint32_t i = 0; i < n; i++) order[i] = (uint16_t)i;
    /* Insertion sort: stable, so ties keep index order. */
    for (uint32_t i = 1; i < n; i++) {
        const uint16_t v = order[i];
        const uint64_t kv = key(&bufs[v], heuristic);
        uint32_t j = i;
        while (j > 0 && key(&bufs[order[j - 1]], heuristic) < kv) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = v;
    }
}

uint32_t nn_plan(nn_buf *bufs, uint16_t *order, uint32_t n)
{
    enum { HEURISTICS = 4 };
    uint32_t best = UINT32_MAX;
    int best_h = 0;
    for (int h = 0; h < HEURISTICS; h++) {
        sort_order(bufs, order, n, h);
        const uint32_t total = place(bufs, order, n);
        if (total < best) {
            best = total;
            best_h = h;
        }
    }
    sort_order(bufs, order, n, best_h);
    return place(bufs, order, n);
}
