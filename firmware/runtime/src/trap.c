/* trap.c: the message of a trap, naming the function and the offset of the instruction
 * that trapped (found by walking the body). Called down into by instance.c and interp.c. */
#include "internal.h"

wr_status wr__trap(wr_store *s, wr_status st, const wr_func *f, const uint8_t *ip, const char *detail)
{
    const char *name = wr_status_name(st);
    if (f && f->def && ip) {
        /* the instruction holding ip: walk the body from its start */
        const wr_module *m = f->inst->mod;
        wr_reader r = { f->def->code, f->def->end + 1, m->bytes, s, WR_OK };
        const uint8_t *at = r.p;
        uint32_t depth = 1;
        while (r.p < ip && r.p < r.end) {
            at = r.p;
            if (!wr__skip_instr(&r, m, &depth, NULL)) break;
        }
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
