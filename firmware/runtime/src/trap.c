/* trap.c: the message of a trap, naming the function and the offset of the instruction
 * that trapped (found by walking the body). Called down into by instance.c and interp.c. */
#include "internal.h"

/* The instruction holding ip (the last one that starts before it): walk the
 * body from its start. A caller's saved ip is just past its call. */
static const uint8_t *instr_at(wr_store *s, const wr_func *f, const uint8_t *ip)
{
    const wr_module *m = f->inst->mod;
    wr_reader r = { f->def->code, f->def->end + 1, m->bytes, s, WR_OK };
    const uint8_t *at = r.p;
    uint32_t depth = 1;
    while (r.p < ip && r.p < r.end) {
        at = r.p;
        if (!wr__skip_instr(&r, m, &depth, NULL)) break;
    }
    return at;
}

void wr__trap_frame(wr_store *s, const wr_func *f, const uint8_t *ip)
{
    s->trap_depth++;
    if (s->trap_nframes >= WR_TRAP_FRAMES) return;
    wr_trap_frame *t = &s->trap_frames[s->trap_nframes++];
    t->func = f->index;
    t->offset = ip ? (uint32_t)(instr_at(s, f, ip) - f->inst->mod->bytes) : 0;
}

size_t wr_store_trap_frames(const wr_store *s, const wr_trap_frame **frames, uint32_t *depth)
{
    if (frames) *frames = s ? s->trap_frames : NULL;
    if (depth) *depth = s ? s->trap_depth : 0;
    return s ? s->trap_nframes : 0;
}

wr_status wr__trap(wr_store *s, wr_status st, const wr_func *f, const uint8_t *ip, const char *detail)
{
    const char *name = wr_status_name(st);
    if (f && f->def && ip) {
        const wr_module *m = f->inst->mod;
        const uint8_t *at = instr_at(s, f, ip);
        if (st == WR_TRAP_STACK_EXHAUSTED) {
            return wr__fail(s, st, "%s in function %u at offset %x (limits: call depth %u, value stack %u slots)", name,
                            f->index, (uint32_t)(at - m->bytes), s->limits.call_depth, s->limits.stack_slots);
        }
        return wr__fail(s, st, "%s in function %u at offset %x", name, f->index, (uint32_t)(at - m->bytes));
    }
    if (st == WR_TRAP_STACK_EXHAUSTED) {
        return wr__fail(s, st, "%s entering %s (limits: call depth %u, value stack %u slots)", name,
                        detail ? detail : "a function", s->limits.call_depth, s->limits.stack_slots);
    }
    if (detail) return wr__fail(s, st, "%s in %s", name, detail);
    return wr__fail(s, st, "%s", name);
}
