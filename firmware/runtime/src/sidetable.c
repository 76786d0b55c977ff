/* sidetable.c: the only code-derived data the interpreter keeps in RAM.
 *
 * The interpreter executes the module's bytes in place; what it cannot afford
 * to recompute on every taken branch is where the branch goes. The validator
 * emits one entry per branch site (br, br_if, if, else, and one per br_table
 * target), in code order, so that a second cursor (stp) can walk the entries
 * in step with the instruction pointer: an instruction that may branch owns
 * the entry stp points at, a branch not taken steps over it, a branch taken
 * jumps both cursors by the entry's deltas. (The idea is Titzer's in-place
 * interpreter for WebAssembly, OOPSLA 2022.)
 *
 * Forward branches are emitted before their target is known; until their
 * block's end is reached they are chained through their st field. */
#include "internal.h"

uint32_t wr__st_emit(wr_st_builder *b, const uint8_t *opcode, uint32_t arity, uint32_t drop)
{
    uint32_t i = b->next++;
    wr_ste *e = &b->st[i];
    e->ip = (int32_t)(opcode - b->fbase); /* the base; made relative when resolved */
    e->st = (int32_t)WR_NONE;
    e->arity = (uint16_t)arity;
    e->drop = (uint16_t)drop;
    return i;
}

void wr__st_chain(wr_st_builder *b, uint32_t entry, uint32_t *head)
{
    b->st[entry].st = (int32_t)*head;
    *head = entry;
}

void wr__st_set(wr_st_builder *b, uint32_t entry, const uint8_t *target, uint32_t target_st)
{
    wr_ste *e = &b->st[entry];
    e->ip = (int32_t)((target - b->fbase) - e->ip);
    e->st = (int32_t)((int32_t)(target_st - entry) * (int32_t)sizeof(wr_ste));
}

void wr__st_resolve(wr_st_builder *b, uint32_t head, const uint8_t *target, uint32_t target_st)
{
    while (head != WR_NONE) {
        uint32_t next = (uint32_t)b->st[head].st;
        wr__st_set(b, head, target, target_st);
        head = next;
    }
}
