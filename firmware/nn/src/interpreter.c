/*
 * The interpreter: lays the arena out, prepares every operator, runs them.
 *
 * Arena layout (every part 8-byte aligned):
 *   [nn_interp][tensor records][node records][op data][state tensors][planned]
 * "planned" holds activations and op scratch, placed by the planner so that
 * tensors alive at the same time never overlap.
 *
 * nn_arena_bytes and nn_init share layout(): it reads every tensor and
 * operator, runs each kernel's prepare in its measuring pass and plans. The
 * working arrays live on the stack (struct plan_ws), so the arena size is
 * known from the model alone.
 */
#include "nn_internal.h"

struct nn_interp {
    nn_model m;
    uint8_t *arena;
    uint32_t arena_used;
    nn_slot *slots;
    nn_node *nodes;
    uint32_t var_off, var_bytes;
    nn_clock_fn clock;
    void *clock_ctx;
    nn_op_profile *prof;
    nn_op_hook hook;
    void *hook_ctx;
    char error[128];
};

#ifndef NN_MAX_SCRATCH_OPS /* operators that ask for scratch memory */
#if UINTPTR_MAX > 0xFFFFFFFFu
#define NN_MAX_SCRATCH_OPS 1024
#else
#define NN_MAX_SCRATCH_OPS 48
#endif
#endif
#define NO_BUF 0xFFFFu

#if defined(__GNUC__)
#define NN_NOINLINE __attribute__((noinline))
#else
#define NN_NOINLINE
#endif

typedef struct plan_ws {
    nn_buf bufs[NN_MAX_TENSORS + NN_MAX_SCRATCH_OPS];
    uint16_t order[NN_MAX_TENSORS + NN_MAX_SCRATCH_OPS];
    uint16_t tbuf[NN_MAX_TENSORS];            /* tensor -> buffer, NO_BUF if none */
    uint16_t scratch_buf[NN_MAX_SCRATCH_OPS]; /* buffer of each op's scratch, in op order */
    uint32_t n_bufs, n_scratch;
    uint32_t n_tensor_bufs;
    /* layout */
    uint32_t tensors_off, nodes_off, data_off, data_bytes, var_off, var_bytes, plan_off, plan_bytes, total;
} plan_ws;

static uint32_t header_bytes(void)
{
    return NN_ALIGN_UP((uint32_t)sizeof(struct nn_interp));
}

/* ---- prepare driver -------------------------------------------------------- */

void *nn_prep_alloc(nn_prep *p, uint32_t bytes)
{
    const uint32_t off = p->data_used;
    p->data_used += NN_ALIGN_UP(bytes);
    if (p->data == NULL) return NULL;
    memset(p->data + off, 0, bytes);
    return p->data + off;
}

void nn_prep_scratch(nn_prep *p, uint32_t bytes)
{
    p->scratch += NN_ALIGN_UP(bytes);
}

const uint8_t *nn_prep_const(const nn_prep *p, uint32_t i)
{
    const nn_tensor *t = i < p->n_in ? p->in[i] : NULL;
    return (t && t->kind == NN_T_CONST) ? p->m->base + t->data : NULL;
}

nn_status nn_prep_quant(nn_prep *p, uint32_t i, uint32_t *scales, uint32_t *n, int32_t *dim)
{
    nn_tdesc d;
    nn_status s = nn_read_tensor(p->m, (uint32_t)p->in_idx[i], &d, p->err);
    if (s != NN_OK) return s;
    if (d.n_scales == 0) {
        return nn_prep_fail(p, NN_ERR_MODEL, "input %u (tensor %d) has no quantization scale", (unsigned)i,
                            (int)p->in_idx[i]);
    }
    *scales = d.scales;
    *n = d.n_scales;
    *dim = d.quant_dim;
    return NN_OK;
}

/* Runs a kernel's prepare; tensors are read from the model into `cache`.
 * data == NULL: the measuring pass. */
static nn_status run_prepare(const nn_model *m, const nn_odesc *op, const nn_kernel *k, nn_tensor *cache, uint8_t *data,
                             uint32_t *persist, uint32_t *scratch, nn_error *err)
{
    nn_prep p;
    memset(&p, 0, sizeof p);
    p.m = m;
    p.op = op;
    p.err = err;
    p.data = data;
    const char *name = nn_builtin_name(op->builtin);
    if (op->n_in > NN_MAX_OP_INPUTS || op->n_out > NN_MAX_OP_OUTPUTS) {
        return nn_fail(err, NN_ERR_LIMIT, "operator %u (%s) has %u inputs and %u outputs (max %u/%u)",
                       (unsigned)op->index, name, (unsigned)op->n_in, (unsigned)op->n_out, (unsigned)NN_MAX_OP_INPUTS,
                       (unsigned)NN_MAX_OP_OUTPUTS);
    }
    if (k->options_type && op->opts_type && op->opts_type != k->options_type) {
        return nn_fail(err, NN_ERR_MODEL, "operator %u (%s): builtin_options has type %u, expected %u",
                       (unsigned)op->index, name, (unsigned)op->opts_type, (unsigned)k->options_type);
    }
    p.n_in = op->n_in;
    p.n_out = op->n_out;
    nn_status s;
    for (uint32_t i = 0; i < op->n_in + op->n_out; i++) {
        const int is_out = i >= op->n_in;
        const uint32_t j = is_out ? i - op->n_in : i;
        const int32_t idx = is_out ? nn_op_output(m, op, j) : nn_op_input(m, op, j);
        nn_tensor *c = &cache[is_out ? NN_MAX_OP_INPUTS + j : j];
        c->kind = NN_T_NONE;
        if (idx >= 0) {
            nn_tdesc d;
            if ((s = nn_read_tensor(m, (uint32_t)idx, &d, err)) != NN_OK) return s;
            *c = d.t;
        }
        const nn_tensor *t = idx >= 0 ? c : NULL;
        /* Empty tensors would let kernels multiply huge partial dimensions. */
        if (t && t->rank > 0 && t->bytes == 0) {
            return nn_fail(err, NN_ERR_UNSUPPORTED, "operator %u (%s): %s %u (tensor %d) is empty", (unsigned)op->index,
                           name, is_out ? "output" : "input", (unsigned)j, (int)idx);
        }
        if (is_out) {
            p.out[j] = t;
            p.out_idx[j] = idx;
        } else {
            p.in[j] = t;
            p.in_idx[j] = idx;
        }
    }
    s = k->prepare(&p);
    if (s == NN_OK) s = p.sticky;
    *persist = p.data_used;
    *scratch = p.scratch;
    return s;
}

static nn_status find_kernel(const nn_model *m, const nn_odesc *op, const nn_kernel **k, uint8_t *id, nn_error *err)
{
    *k = op->builtin == 32 ? NULL : nn_find_kernel(op->builtin, id);
    if (*k == NULL) {
        if (op->custom) {
            return nn_fail(err, NN_ERR_UNSUPPORTED, "operator %u (custom '%s') is not supported", (unsigned)op->index,
                           nn_model_str(m, op->custom));
        }
        return nn_fail(err, NN_ERR_UNSUPPORTED, "operator %u (%s, builtin code %d) is not supported",
                       (unsigned)op->index, nn_builtin_name(op->builtin), (int)op->builtin);
    }
    return NN_OK;
}

/* ---- layout ------------------------------------------------------------------ */

static nn_status new_buf(plan_ws *ws, uint32_t size, uint32_t first, nn_error *err)
{
    if (ws->n_bufs >= NN_MAX_TENSORS + NN_MAX_SCRATCH_OPS) {
        return nn_fail(err, NN_ERR_LIMIT, "more than %u planned buffers",
                       (unsigned)(NN_MAX_TENSORS + NN_MAX_SCRATCH_OPS));
    }
    nn_buf *b = &ws->bufs[ws->n_bufs++];
    b->size = NN_ALIGN_UP(size);
    b->offset = 0;
    b->first = (uint16_t)first;
    b->last = (uint16_t)first;
    return NN_OK;
}

static void touch(plan_ws *ws, int32_t t, uint32_t op)
{
    if (t < 0 || ws->tbuf[t] == NO_BUF) return;
    nn_buf *b = &ws->bufs[ws->tbuf[t]];
    if (op > b->last) b->last = (uint16_t)op;
    if (op < b->first) b->first = (uint16_t)op;
}

/* Is buffer b read after op o (by a later op or as a graph output)? */
static int used_after(const nn_model *m, const plan_ws *ws, uint32_t o, uint16_t b)
{
    for (uint32_t i = 0; i < m->n_outputs; i++) {
        const int32_t t = nn_ld_i32(m->base + m->outputs + 4u * i);
        if (ws->tbuf[t] == b) return 1;
    }
    for (uint32_t later = o + 1u; later < m->n_ops; later++) {
        nn_odesc op;
        if (nn_read_op(m, later, &op, NULL) != NN_OK) return 1;
        for (uint32_t i = 0; i < op.n_in; i++) {
            const int32_t t = nn_op_input(m, &op, i);
            if (t >= 0 && ws->tbuf[t] == b) return 1;
        }
    }
    return 0;
}

/* Which input (if any) output 0 of this op may share memory with. */
static int32_t alias_input(const nn_model *m, const plan_ws *ws, const nn_odesc *op, const nn_kernel *k,
                           const nn_tensor *cache, uint32_t o)
{
    if (k->alias == NN_ALIAS_NONE || op->n_out == 0) return -1;
    const nn_tensor *out = &cache[NN_MAX_OP_INPUTS];
    const uint32_t candidates = k->alias == NN_ALIAS_INPLACE ? 2u : 1u;
    for (uint32_t i = 0; i < candidates && i < op->n_in; i++) {
        const int32_t t = nn_op_input(m, op, i);
        if (t < 0 || ws->tbuf[t] == NO_BUF || cache[i].kind != NN_T_ACT) continue;
        const nn_tensor *in = &cache[i];
        if (k->alias == NN_ALIAS_SAME) return in->bytes == out->bytes ? (int32_t)i : -1;
        const int fits = k->alias == NN_ALIAS_GROW ? out->bytes >= in->bytes : out->bytes == in->bytes;
        if (fits && !used_after(m, ws, o, ws->tbuf[t])) return (int32_t)i;
    }
    return -1;
}

static nn_status layout(const nn_model *m, plan_ws *ws, nn_error *err)
{
    nn_status s;
    nn_tdesc d;
    ws->n_bufs = ws->n_scratch = 0;
    ws->var_bytes = 0;
    const uint32_t last_op = m->n_ops ? m->n_ops - 1u : 0u;

    /* Tensors: check each one; state tensors get persistent space. */
    for (uint32_t i = 0; i < m->n_tensors; i++) {
        if ((s = nn_read_tensor(m, i, &d, err)) != NN_OK) return s;
        ws->tbuf[i] = NO_BUF;
        if (d.t.kind == NN_T_VAR) ws->var_bytes += NN_ALIGN_UP(d.t.bytes);
    }
    /* Graph inputs exist before the first op. */
    for (uint32_t i = 0; i < m->n_inputs; i++) {
        const int32_t t = nn_ld_i32(m->base + m->inputs + 4u * i);
        if ((s = nn_read_tensor(m, (uint32_t)t, &d, err)) != NN_OK) return s;
        if (d.t.kind != NN_T_ACT) {
            return nn_fail(err, NN_ERR_MODEL, "subgraph input %u (tensor %d) is a %s tensor", (unsigned)i, (int)t,
                           d.t.kind == NN_T_CONST ? "constant" : "state");
        }
        if (ws->tbuf[t] == NO_BUF) {
            if ((s = new_buf(ws, d.t.bytes, 0, err)) != NN_OK) return s;
            ws->tbuf[t] = (uint16_t)(ws->n_bufs - 1u);
        }
    }

    /* Operators: kernel, measure, lifetimes. */
    nn_tensor cache[NN_MAX_OP_INPUTS + NN_MAX_OP_OUTPUTS];
    ws->data_bytes = 0;
    for (uint32_t o = 0; o < m->n_ops; o++) {
        nn_odesc op;
        const nn_kernel *k;
        uint8_t kid;
        if ((s = nn_read_op(m, o, &op, err)) != NN_OK) return s;
        if ((s = find_kernel(m, &op, &k, &kid, err)) != NN_OK) return s;
        uint32_t persist, scratch;
        if ((s = run_prepare(m, &op, k, cache, NULL, &persist, &scratch, err)) != NN_OK) return s;
        ws->data_bytes += persist;
        for (uint32_t i = 0; i < op.n_in; i++) {
            const int32_t t = nn_op_input(m, &op, i);
            if (t < 0) continue;
            if (ws->tbuf[t] == NO_BUF && cache[i].kind == NN_T_ACT) {
                /* Read before anything wrote it: give it memory from the start. */
                if ((s = new_buf(ws, cache[i].bytes, 0, err)) != NN_OK) return s;
                ws->tbuf[t] = (uint16_t)(ws->n_bufs - 1u);
            }
            touch(ws, t, o);
        }
        for (uint32_t j = 0; j < op.n_out; j++) {
            const int32_t t = nn_op_output(m, &op, j);
            const nn_tensor *ot = &cache[NN_MAX_OP_INPUTS + j];
            if (ot->kind != NN_T_ACT) continue;
            if (ws->tbuf[t] == NO_BUF) {
                const int32_t shared = j == 0 ? alias_input(m, ws, &op, k, cache, o) : -1;
                if (shared >= 0) {
                    const uint16_t b = ws->tbuf[nn_op_input(m, &op, (uint32_t)shared)];
                    ws->tbuf[t] = b;
                    if (NN_ALIGN_UP(ot->bytes) > ws->bufs[b].size) ws->bufs[b].size = NN_ALIGN_UP(ot->bytes);
                } else {
                    if ((s = new_buf(ws, ot->bytes, o, err)) != NN_OK) return s;
                    ws->tbuf[t] = (uint16_t)(ws->n_bufs - 1u);
                }
            }
            touch(ws, t, o);
        }
        if (scratch) {
            if (ws->n_scratch >= NN_MAX_SCRATCH_OPS) {
                return nn_fail(err, NN_ERR_LIMIT, "more than %u operators need scratch memory",
                               (unsigned)NN_MAX_SCRATCH_OPS);
            }
            if ((s = new_buf(ws, scratch, o, err)) != NN_OK) return s;
            ws->scratch_buf[ws->n_scratch++] = (uint16_t)(ws->n_bufs - 1u);
        }
    }
    /* Graph outputs must survive the last op. */
    for (uint32_t i = 0; i < m->n_outputs; i++) {
        const int32_t t = nn_ld_i32(m->base + m->outputs + 4u * i);
        if ((s = nn_read_tensor(m, (uint32_t)t, &d, err)) != NN_OK) return s;
        if (d.t.kind == NN_T_ACT && ws->tbuf[t] == NO_BUF) {
            if ((s = new_buf(ws, d.t.bytes, 0, err)) != NN_OK) return s;
            ws->tbuf[t] = (uint16_t)(ws->n_bufs - 1u);
        }
        touch(ws, t, last_op);
    }

    ws->plan_bytes = nn_plan(ws->bufs, ws->order, ws->n_bufs);
    ws->tensors_off = header_bytes();
    ws->nodes_off = ws->tensors_off + NN_ALIGN_UP((uint32_t)sizeof(nn_slot) * m->n_tensors);
    ws->data_off = ws->nodes_off + NN_ALIGN_UP((uint32_t)sizeof(nn_node) * m->n_ops);
    ws->var_off = ws->data_off + ws->data_bytes;
    ws->plan_off = ws->var_off + ws->var_bytes;
    const uint64_t total = (uint64_t)ws->plan_off + ws->plan_bytes;
    if (total > 0x7FFFFFFFu) return nn_fail(err, NN_ERR_LIMIT, "arena would exceed 2 GB");
    ws->total = (uint32_t)total;
    return NN_OK;
}

static nn_error *err_or_local(nn_error *err, nn_error *local)
{
    if (err) return err;
    return local;
}

nn_status nn_arena_bytes(const void *model, size_t model_size, size_t *arena_bytes, nn_error *err)
{
    nn_error local;
    err = err_or_local(err, &local);
    err->status = NN_OK;
    err->message[0] = '\0';
    if (arena_bytes == NULL) return nn_fail(err, NN_ERR_ARG, "arena_bytes is NULL");
    *arena_bytes = 0;
    nn_model m;
    nn_status s = nn_read_model(&m, model, model_size, err);
    if (s != NN_OK) return s;
    plan_ws ws;
    if ((s = layout(&m, &ws, err)) != NN_OK) return s;
    *arena_bytes = ws.total;
    return NN_OK;
}

/* ---- init -------------------------------------------------------------------- */

static void zero_state(nn_interp *it)
{
    for (uint32_t i = 0; i < it->m.n_tensors; i++) {
        const nn_slot *t = &it->slots[i];
        if (t->kind != NN_T_VAR) continue;
        /* Like TFLM: int8 state starts at its zero point, others at 0. */
        int v = 0;
        if (t->type == NN_INT8) {
            nn_tdesc d;
            if (nn_read_tensor(&it->m, i, &d, NULL) == NN_OK) v = (int)(int8_t)d.t.zero_point;
        }
        memset(it->arena + t->data, v, t->bytes);
    }
}

/* The second half of nn_init: writes the interpreter into the arena from a
 * finished plan. Writes only below ws->plan_off (the planned region is left
 * alone), so the plan itself may sit in the arena above that. */
static nn_status init_from_plan(nn_interp **out, const nn_model *model, uint8_t *a, size_t arena_size,
                                const plan_ws *ws, nn_error *err)
{
    const nn_model m = *model;
    nn_status s;
    if (arena_size < ws->total) {
        return nn_fail(err, NN_ERR_ARENA_TOO_SMALL, "arena is %u bytes; this model needs %u", (unsigned)arena_size,
                       (unsigned)ws->total);
    }
    memset(a, 0, ws->plan_off);
    nn_interp *it = (nn_interp *)(void *)a;
    it->m = m;
    it->arena = a;
    it->arena_used = ws->total;
    it->slots = (nn_slot *)(void *)(a + ws->tensors_off);
    it->nodes = (nn_node *)(void *)(a + ws->nodes_off);
    it->var_off = ws->var_off;
    it->var_bytes = ws->var_bytes;

    /* Tensor records with their final data offsets. */
    uint32_t var_next = ws->var_off;
    for (uint32_t i = 0; i < m.n_tensors; i++) {
        nn_tdesc d;
        if ((s = nn_read_tensor(&m, i, &d, err)) != NN_OK) return s;
        nn_slot *t = &it->slots[i];
        t->data = d.t.data;
        t->bytes = d.t.bytes;
        t->kind = d.t.kind;
        t->type = d.t.type;
        t->rank = d.t.rank;
        if (t->kind == NN_T_VAR) {
            t->data = var_next;
            var_next += NN_ALIGN_UP(t->bytes);
        } else if (t->kind == NN_T_ACT) {
            if (ws->tbuf[i] == NO_BUF) {
                t->kind = NN_T_NONE; /* no op touches it */
                t->data = 0;
            } else {
                t->data = ws->plan_off + ws->bufs[ws->tbuf[i]].offset;
            }
        }
    }
    for (uint32_t i = 0; i < m.n_inputs; i++) {
        it->slots[nn_ld_i32(m.base + m.inputs + 4u * i)].flags |= NN_TF_INPUT;
    }
    for (uint32_t i = 0; i < m.n_outputs; i++) {
        it->slots[nn_ld_i32(m.base + m.outputs + 4u * i)].flags |= NN_TF_OUTPUT;
    }

    /* Nodes and op data (the filling pass of each prepare). */
    uint32_t data_next = ws->data_off;
    uint32_t scratch_next = 0;
    nn_tensor cache[NN_MAX_OP_INPUTS + NN_MAX_OP_OUTPUTS];
    for (uint32_t o = 0; o < m.n_ops; o++) {
        nn_odesc op;
        const nn_kernel *k;
        uint8_t kid;
        if ((s = nn_read_op(&m, o, &op, err)) != NN_OK) return s;
        if ((s = find_kernel(&m, &op, &k, &kid, err)) != NN_OK) return s;
        nn_node *n = &it->nodes[o];
        n->ins = op.ins;
        n->outs = op.outs;
        n->n_in = (uint8_t)op.n_in;
        n->n_out = (uint8_t)op.n_out;
        n->builtin = (uint16_t)op.builtin;
        n->kernel = kid;
        n->data = data_next;
        uint32_t persist, scratch;
        if ((s = run_prepare(&m, &op, k, cache, a + data_next, &persist, &scratch, err)) != NN_OK) {
            return s;
        }
        data_next += persist;
        if (scratch) {
            if (scratch_next >= ws->n_scratch) break; /* caught below */
            n->scratch = ws->plan_off + ws->bufs[ws->scratch_buf[scratch_next]].offset;
            scratch_next++;
        }
        if (k->alias && op.n_out && ws->tbuf[nn_op_output(&m, &op, 0)] != NO_BUF) {
            const int32_t to = nn_op_output(&m, &op, 0);
            for (uint32_t i = 0; i < op.n_in && i < 2u; i++) {
                const int32_t ti = nn_op_input(&m, &op, i);
                if (ti >= 0 && ws->tbuf[ti] == ws->tbuf[to]) it->slots[to].flags |= NN_TF_ALIAS;
            }
        }
    }
    if (data_next != ws->data_off + ws->data_bytes || scratch_next != ws->n_scratch) {
        return nn_fail(err, NN_ERR_MODEL, "internal: prepare passes disagree on op data sizes");
    }
    zero_state(it);
    *out = it;
    return NN_OK;
}

/* Small arenas (the plan does not fit above the interpreter's own records):
 * the plan goes on the stack, in a frame of its own so that nn_init's frame
 * stays small on the usual path. */
NN_NOINLINE static nn_status init_with_stack_plan(nn_interp **out, const nn_model *m, uint8_t *a, size_t arena_size,
                                                  nn_error *err)
{
    plan_ws ws;
    nn_status s = layout(m, &ws, err);
    if (s != NN_OK) return s;
    return init_from_plan(out, m, a, arena_size, &ws, err);
}

nn_status nn_init(nn_interp **out, const void *model, size_t model_size, void *arena, size_t arena_size, nn_error *err)
{
    nn_error local;
    err = err_or_local(err, &local);
    err->status = NN_OK;
    err->message[0] = '\0';
    if (out == NULL || arena == NULL) return nn_fail(err, NN_ERR_ARG, "out or arena is NULL");
    *out = NULL;
    if (((uintptr_t)arena & (NN_ALIGN - 1u)) != 0) {
        return nn_fail(err, NN_ERR_ALIGN, "arena is not %u-byte aligned", (unsigned)NN_ALIGN);
    }
    nn_model m;
    nn_status s = nn_read_model(&m, model, model_size, err);
    if (s != NN_OK) return s;
    /* The plan (plan_ws) is kilobytes: about 4 KB with the 32-bit defaults,
   * more than half of a small MCU's main stack (the rp2040 board has 8 KB,
   * and nn_init runs under the link and runtime frames). Build it in the
   * arena's tail, where only activations go later, and use it from there
   * if it stays clear of what nn_init writes; else plan on the stack. */
    uint8_t *a = (uint8_t *)arena;
    if (arena_size >= sizeof(plan_ws) + NN_ALIGN) {
        const uintptr_t tail = ((uintptr_t)a + arena_size - sizeof(plan_ws)) & ~(uintptr_t)(NN_ALIGN - 1u);
        plan_ws *ws = (plan_ws *)(void *)tail;
        if ((s = layout(&m, ws, err)) != NN_OK) return s;
        if ((uintptr_t)ws->plan_off <= tail - (uintptr_t)a) {
            s = init_from_plan(out, &m, a, arena_size, ws, err);
            memset(ws, 0, sizeof *ws); /* no plan bytes left among the activations */
            return s;
        }
    }
    return init_with_stack_plan(out, &m, a, arena_size, err);
}

/* ---- run ------------------------------------------------------------------------ */

nn_status nn_invoke(nn_interp *it)
{
    if (it == NULL) return NN_ERR_ARG;
    it->error[0] = '\0';
    nn_exec e;
    e.model = it->m.base;
    e.arena = it->arena;
    e.slots = it->slots;
    e.error = it->error;
    for (uint32_t o = 0; o < it->m.n_ops; o++) {
        const nn_node *n = &it->nodes[o];
        e.node = n;
        e.op_index = o;
        e.data = it->arena + n->data;
        e.scratch = n->scratch ? it->arena + n->scratch : NULL;
        const nn_kernel *k = nn_kernel_at(n->kernel);
        uint64_t t0 = 0;
        if (it->clock) t0 = it->clock(it->clock_ctx);
        const nn_status s = k->eval(&e);
        if (it->clock) it->prof[o].ticks = it->clock(it->clock_ctx) - t0;
        if (s != NN_OK) {
            if (it->error[0] == '\0') nn_exec_fail(&e, "failed");
            return NN_ERR_EVAL;
        }
        if (it->hook) it->hook(it->hook_ctx, it, o);
    }
    return NN_OK;
}

void nn_reset(nn_interp *it)
{
    if (it) zero_state(it);
}

const char *nn_last_error(const nn_interp *it)
{
    return it ? it->error : "";
}

size_t nn_arena_used(const nn_interp *it)
{
    return it ? it->arena_used : 0;
}

size_t nn_op_count(const nn_interp *it)
{
    return it ? it->m.n_ops : 0;
}

nn_status nn_set_profiler(nn_interp *it, nn_clock_fn clock, void *clock_ctx, nn_op_profile *entries, size_t n)
{
    if (it == NULL) return NN_ERR_ARG;
    if (clock == NULL) {
        it->clock = NULL;
        it->prof = NULL;
        return NN_OK;
    }
    if (entries == NULL || n < it->m.n_ops) return NN_ERR_ARG;
    /* Live planned bytes per op come from the same plan nn_init made. */
    plan_ws ws;
    nn_error err;
    if (layout(&it->m, &ws, &err) != NN_OK) return err.status;
    for (uint32_t o = 0; o < it->m.n_ops; o++) {
        entries[o].op_name = nn_builtin_name(it->nodes[o].builtin);
        entries[o].op_index = o;
        entries[o].ticks = 0;
        uint32_t live = 0;
        for (uint32_t b = 0; b < ws.n_bufs; b++) {
            if (ws.bufs[b].first <= o && o <= ws.bufs[b].last) live += ws.bufs[b].size;
        }
        entries[o].arena_bytes = live;
    }
    it->clock = clock;
    it->clock_ctx = clock_ctx;
    it->prof = entries;
    return NN_OK;
}

/* ---- inputs and outputs -------------------------------------------------------- */

static void fill_info(const nn_model *m, const nn_tdesc *d, const nn_slot *rt, uint8_t *arena, nn_tensor_info *info)
{
    memset(info, 0, sizeof *info);
    info->name = nn_model_str(m, d->name);
    info->index = (int)d->index;
    info->type = d->t.type;
    info->rank = d->t.rank;
    for (uint32_t i = 0; i < d->t.rank; i++) info->dims[i] = nn_dim(m, &d->t, i);
    info->scale = d->t.scale;
    info->zero_point = d->t.zero_point;
    info->quant_channels = (int)d->n_scales;
    info->quant_dim = d->quant_dim;
    info->is_const = d->t.kind == NN_T_CONST;
    info->is_variable = d->is_variable;
    info->bytes = d->t.bytes;
    if (d->t.kind == NN_T_CONST) {
        info->data = (void *)(uintptr_t)(m->base + d->t.data);
    } else if (rt && arena && rt->kind != NN_T_NONE) {
        info->data = arena + rt->data;
    }
}

size_t nn_input_count(const nn_interp *it)
{
    return it ? it->m.n_inputs : 0;
}
size_t nn_output_count(const nn_interp *it)
{
    return it ? it->m.n_outputs : 0;
}

static nn_status io_info(const nn_interp *it, int output, size_t i, nn_tensor_info *info)
{
    if (it == NULL || info == NULL) return NN_ERR_ARG;
    if (i >= (output ? it->m.n_outputs : it->m.n_inputs)) return NN_ERR_ARG;
    const int32_t t = nn_ld_i32(it->m.base + (output ? it->m.outputs : it->m.inputs) + 4u * i);
    nn_tdesc d;
    nn_status s = nn_read_tensor(&it->m, (uint32_t)t, &d, NULL);
    if (s != NN_OK) return s;
    fill_info(&it->m, &d, &it->slots[t], it->arena, info);
    return NN_OK;
}

nn_status nn_tensor_get(const nn_interp *it, size_t index, nn_tensor_info *info)
{
    if (it == NULL || info == NULL || index >= it->m.n_tensors) return NN_ERR_ARG;
    nn_tdesc d;
    nn_status s = nn_read_tensor(&it->m, (uint32_t)index, &d, NULL);
    if (s != NN_OK) return s;
    fill_info(&it->m, &d, &it->slots[index], it->arena, info);
    return NN_OK;
}

void nn_set_op_hook(nn_interp *it, nn_op_hook hook, void *ctx)
{
    if (it == NULL) return;
    it->hook = hook;
    it->hook_ctx = ctx;
}

nn_status nn_input(const nn_interp *it, size_t i, nn_tensor_info *info)
{
    return io_info(it, 0, i, info);
}
nn_status nn_output(const nn_interp *it, size_t i, nn_tensor_info *info)
{
    return io_info(it, 1, i, info);
}

/* ---- model description ---------------------------------------------------------- */

/* The start of both description calls: a zeroed result and the model's tables read. */
static nn_status describe_begin(const void *model, size_t model_size, void *out, size_t out_size, nn_model *m,
                                nn_error *err)
{
    if (out == NULL) return nn_fail(err, NN_ERR_ARG, "out is NULL");
    memset(out, 0, out_size);
    return nn_read_model(m, model, model_size, err);
}

nn_status nn_model_summary_get(const void *model, size_t model_size, nn_model_summary *out, nn_error *err)
{
    nn_error local;
    err = err_or_local(err, &local);
    nn_model m;
    nn_status s = describe_begin(model, model_size, out, sizeof *out, &m, err);
    if (s != NN_OK) return s;
    out->version = m.version;
    out->description = nn_model_str(&m, m.description);
    out->subgraphs = m.n_subgraphs;
    out->tensors = m.n_tensors;
    out->ops = m.n_ops;
    out->inputs = m.n_inputs;
    out->outputs = m.n_outputs;
    for (uint32_t o = 0; o < m.n_ops; o++) {
        nn_odesc op;
        uint8_t kid;
        if ((s = nn_read_op(&m, o, &op, err)) != NN_OK) return s;
        if (op.builtin == 32 || nn_find_kernel(op.builtin, &kid) == NULL) out->unsupported_ops++;
    }
    return NN_OK;
}

nn_status nn_model_op(const void *model, size_t model_size, size_t index, nn_op_info *out, nn_error *err)
{
    nn_error local;
    err = err_or_local(err, &local);
    nn_model m;
    nn_status s = describe_begin(model, model_size, out, sizeof *out, &m, err);
    if (s != NN_OK) return s;
    nn_odesc op;
    if ((s = nn_read_op(&m, (uint32_t)index, &op, err)) != NN_OK) return s;
    uint8_t kid;
    out->builtin_code = op.builtin;
    out->name = op.custom ? nn_model_str(&m, op.custom) : nn_builtin_name(op.builtin);
    out->version = op.version;
    out->supported = op.builtin != 32 && nn_find_kernel(op.builtin, &kid) != NULL;
    out->n_inputs = op.n_in;
    out->n_outputs = op.n_out;
    for (uint32_t i = 0; i < op.n_in && i < 32; i++) out->inputs[i] = nn_op_input(&m, &op, i);
    for (uint32_t i = 0; i < op.n_out && i < 8; i++) out->outputs[i] = nn_op_output(&m, &op, i);
    return NN_OK;
}

nn_status nn_model_tensor(const void *model, size_t model_size, size_t index, nn_tensor_info *out, nn_error *err)
{
    nn_error local;
    err = err_or_local(err, &local);
    if (out == NULL) return nn_fail(err, NN_ERR_ARG, "out is NULL");
    nn_model m;
    nn_status s = nn_read_model(&m, model, model_size, err);
    if (s != NN_OK) return s;
    nn_tdesc d;
    if ((s = nn_read_tensor(&m, (uint32_t)index, &d, err)) != NN_OK) return s;
    fill_info(&m, &d, NULL, NULL, out);
    return NN_OK;
}

nn_status nn_model_io(const void *model, size_t model_size, int output, size_t i, int *tensor, nn_error *err)
{
    nn_error local;
    err = err_or_local(err, &local);
    if (tensor == NULL) return nn_fail(err, NN_ERR_ARG, "tensor is NULL");
    nn_model m;
    nn_status s = nn_read_model(&m, model, model_size, err);
    if (s != NN_OK) return s;
    if (i >= (output ? m.n_outputs : m.n_inputs)) {
        return nn_fail(err, NN_ERR_ARG, "%s %u out of range", output ? "output" : "input", (unsigned)i);
    }
    *tensor = nn_ld_i32(m.base + (output ? m.outputs : m.inputs) + 4u * i);
    return NN_OK;
}
