/*
 * Shared by the engine's parts (reader, planner, interpreter, kernels).
 * Not part of the API: embedders include nn.h only.
 */
#ifndef WASMCU_NN_INTERNAL_H
#define WASMCU_NN_INTERNAL_H

#include <stdarg.h>
#include <stdint.h>
#include <string.h>

#include "nn.h"

/* ---- tuning (override with -D) --------------------------------------
 * nn_arena_bytes, nn_init and nn_set_profiler plan on the stack, about
 * 16 * (NN_MAX_TENSORS + NN_MAX_SCRATCH_OPS) + 1.5 KB: modest on a device
 * (32-bit defaults: about 5 KB), generous on a host. */
#ifndef NN_MAX_TENSORS
#if UINTPTR_MAX > 0xFFFFFFFFu
#define NN_MAX_TENSORS 4096
#else
#define NN_MAX_TENSORS 192
#endif
#endif
#define NN_MAX_OP_INPUTS  24 /* UNIDIRECTIONAL_SEQUENCE_LSTM has 24 */
#define NN_MAX_OP_OUTPUTS 4
#define NN_ALIGN          8u /* every arena allocation */

#define NN_ALIGN_UP(x) (((x) + (NN_ALIGN - 1u)) & ~(uint32_t)(NN_ALIGN - 1u))

/* ---- errors ------------------------------------------------------------ */

#if defined(__GNUC__)
#define NN_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define NN_PRINTF(f, a)
#endif

/* Formats into err->message (%s %d %u %x %f only) and returns status. */
nn_status nn_fail(nn_error *err, nn_status status, const char *fmt, ...) NN_PRINTF(3, 4);
nn_status nn_vfail(nn_error *err, nn_status status, const char *fmt, va_list ap);
/* Small vsnprintf for the same formats; always NUL-terminates. */
void nn_vformat(char *out, size_t size, const char *fmt, va_list ap);

/* ---- little-endian loads that tolerate any alignment -------------------- */

static inline uint32_t nn_ld_u32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}
static inline int32_t nn_ld_i32(const uint8_t *p)
{
    int32_t v;
    memcpy(&v, p, 4);
    return v;
}
static inline uint16_t nn_ld_u16(const uint8_t *p)
{
    uint16_t v;
    memcpy(&v, p, 2);
    return v;
}
static inline float nn_ld_f32(const uint8_t *p)
{
    float v;
    memcpy(&v, p, 4);
    return v;
}
static inline int64_t nn_ld_i64(const uint8_t *p)
{
    int64_t v;
    memcpy(&v, p, 8);
    return v;
}

/* ---- reader: the model's flatbuffer, read in place ---------------------- */

/* A table: its position, its vtable and their sizes, all bounds-checked. */
typedef struct fb_table {
    uint32_t pos;
    uint32_t vt;
    uint16_t vt_size;
    uint16_t size;
} fb_table;

typedef struct nn_model {
    const uint8_t *base;
    uint32_t size;
    uint32_t version;
    uint32_t description; /* string position, 0 if absent */
    uint32_t n_subgraphs;
    uint32_t opcodes, n_opcodes; /* vector element positions */
    uint32_t buffers, n_buffers;
    uint32_t tensors, n_tensors; /* of subgraph 0 */
    uint32_t ops, n_ops;
    uint32_t inputs, n_inputs; /* int32 vectors */
    uint32_t outputs, n_outputs;
} nn_model;

/* Where a tensor's data lives. */
enum { NN_T_NONE = 0, NN_T_CONST = 1, NN_T_VAR = 2, NN_T_ACT = 3 };
/* nn_tensor.flags */
enum { NN_TF_ALIAS = 1, NN_TF_INPUT = 2, NN_TF_OUTPUT = 4 };

/* A tensor as the reader and the kernels' prepare see it. */
typedef struct nn_tensor {
    uint32_t data;  /* byte offset: into the model (NN_T_CONST) or the arena */
    uint32_t shape; /* model position of the int32 dims (read with nn_ld_i32) */
    uint32_t bytes;
    float scale; /* first channel's scale, 0 if not quantized */
    int32_t zero_point;
    uint8_t type;
    uint8_t rank;
    uint8_t kind;
    uint8_t flags;
} nn_tensor;

/* The runtime record of a tensor, one per model tensor in the arena: all
 * that eval needs (prepare re-reads the rest from the model). */
typedef struct nn_slot {
    uint32_t data; /* byte offset: into the model (NN_T_CONST) or the arena */
    uint32_t bytes;
    uint8_t kind;
    uint8_t flags;
    uint8_t type;
    uint8_t rank;
} nn_slot;

/* Everything the reader knows about one tensor. */
typedef struct nn_tdesc {
    nn_tensor t;
    uint32_t index;
    uint32_t buffer;
    uint32_t name;   /* string position, 0 if absent */
    uint32_t scales; /* float vector data position */
    uint32_t n_scales;
    uint32_t zps; /* int64 vector data position */
    uint32_t n_zps;
    int32_t quant_dim;
    uint8_t is_variable;
} nn_tdesc;

/* Everything the reader knows about one operator. */
typedef struct nn_odesc {
    uint32_t index;
    int32_t builtin;
    int32_t version;
    uint32_t custom;    /* custom_code string position, 0 if none */
    uint32_t ins, n_in; /* int32 vector data positions */
    uint32_t outs, n_out;
    uint8_t opts_type; /* BuiltinOptions union type, 0 if none */
    fb_table opts;     /* pos == 0 if absent */
} nn_odesc;

nn_status nn_read_model(nn_model *m, const void *data, size_t size, nn_error *err);
nn_status nn_read_tensor(const nn_model *m, uint32_t index, nn_tdesc *out, nn_error *err);
nn_status nn_read_op(const nn_model *m, uint32_t index, nn_odesc *out, nn_error *err);
/* Tensor index of input/output i of an op (already range-checked). */
static inline int32_t nn_op_input(const nn_model *m, const nn_odesc *op, uint32_t i)
{
    return nn_ld_i32(m->base + op->ins + 4u * i);
}
static inline int32_t nn_op_output(const nn_model *m, const nn_odesc *op, uint32_t i)
{
    return nn_ld_i32(m->base + op->outs + 4u * i);
}
/* A NUL-terminated string at a position returned by the reader ("" for 0). */
const char *nn_model_str(const nn_model *m, uint32_t pos);
/* Dimension i of a tensor. */
static inline int32_t nn_dim(const nn_model *m, const nn_tensor *t, uint32_t i)
{
    return nn_ld_i32(m->base + t->shape + 4u * i);
}
uint32_t nn_elements(const nn_model *m, const nn_tensor *t);
/* Element size of a type, 0 if the engine cannot store it. */
uint32_t nn_type_size(int type);

/* ---- planner -------------------------------------------------------------- */

typedef struct nn_buf {
    uint32_t size;
    uint32_t offset;
    uint16_t first, last; /* op indices, inclusive */
} nn_buf;

/* Places buffers so that buffers live at the same time never overlap and the
 * total is as small as the heuristics find. `order` is scratch for n
 * entries. Returns the total bytes. */
uint32_t nn_plan(nn_buf *bufs, uint16_t *order, uint32_t n);

/* ---- kernels ------------------------------------------------------------- */

/* What a kernel's prepare sees. prepare runs twice: a measuring pass (data
 * == NULL: validate, size op data and scratch) and a filling pass (data set:
 * write the op data). Both must request the same sizes. */
typedef struct nn_prep {
    const nn_model *m;
    const nn_odesc *op;
    const nn_tensor *in[NN_MAX_OP_INPUTS]; /* NULL for absent optional inputs */
    const nn_tensor *out[NN_MAX_OP_OUTPUTS];
    int32_t in_idx[NN_MAX_OP_INPUTS];
    int32_t out_idx[NN_MAX_OP_OUTPUTS];
    uint32_t n_in, n_out;
    nn_error *err;
    uint8_t *data;      /* op data area in the filling pass, NULL when measuring */
    uint32_t data_used; /* bytes handed out so far */
    uint32_t scratch;   /* scratch bytes requested */
    nn_status sticky;   /* first error reported through nn_prep_fail */
} nn_prep;

/* Option fields of the op's builtin options table (defaults when absent;
 * a malformed field fails the prepare). */
int32_t nn_opt_i32(nn_prep *p, unsigned field, int32_t dflt);
int8_t nn_opt_i8(nn_prep *p, unsigned field, int8_t dflt);
float nn_opt_f32(nn_prep *p, unsigned field, float dflt);
nn_status nn_opt_vec_i32(nn_prep *p, unsigned field, uint32_t *pos, uint32_t *n);

/* Op data of `bytes`, zeroed; NULL in the measuring pass. */
void *nn_prep_alloc(nn_prep *p, uint32_t bytes);
/* Asks for scratch memory live during this op's eval only. */
void nn_prep_scratch(nn_prep *p, uint32_t bytes);
/* Error "operator N (NAME): message". */
nn_status nn_prep_fail(nn_prep *p, nn_status status, const char *fmt, ...) NN_PRINTF(3, 4);
/* Constant data of input i (model bytes), NULL if not constant. */
const uint8_t *nn_prep_const(const nn_prep *p, uint32_t i);
/* Per-channel quantization of input i: float scales at *scales (model position). */
nn_status nn_prep_quant(nn_prep *p, uint32_t i, uint32_t *scales, uint32_t *n, int32_t *dim);
/* dim helper for an input/output */
static inline int32_t nn_pdim(const nn_prep *p, const nn_tensor *t, uint32_t i)
{
    return nn_dim(p->m, t, i);
}

typedef struct nn_node {
    uint32_t ins, outs; /* model positions of the index vectors */
    uint32_t data;      /* arena offset of the op data */
    uint32_t scratch;   /* arena offset of the scratch buffer */
    uint16_t builtin;
    uint8_t kernel;
    uint8_t n_in, n_out;
    uint8_t pad[3];
} nn_node;

/* What a kernel's eval sees. */
typedef struct nn_exec {
    const uint8_t *model;
    uint8_t *arena;
    const nn_slot *slots;
    const nn_node *node;
    void *data;
    void *scratch;
    uint32_t op_index;
    char *error; /* interpreter's error buffer (128 bytes) */
} nn_exec;

static inline const nn_slot *nn_ex_tin(const nn_exec *e, uint32_t i)
{
    int32_t idx = nn_ld_i32(e->model + e->node->ins + 4u * i);
    return idx < 0 ? NULL : &e->slots[idx];
}
static inline const nn_slot *nn_ex_tout(const nn_exec *e, uint32_t i)
{
    return &e->slots[nn_ld_i32(e->model + e->node->outs + 4u * i)];
}
static inline void *nn_ex_ptr(const nn_exec *e, const nn_slot *t)
{
    if (t == NULL || t->kind == NN_T_NONE) return NULL;
    return (t->kind == NN_T_CONST ? (uint8_t *)(uintptr_t)e->model : e->arena) + t->data;
}
static inline const void *nn_ex_in(const nn_exec *e, uint32_t i)
{
    return nn_ex_ptr(e, nn_ex_tin(e, i));
}
static inline void *nn_ex_out(const nn_exec *e, uint32_t i)
{
    return nn_ex_ptr(e, nn_ex_tout(e, i));
}
nn_status nn_exec_fail(const nn_exec *e, const char *fmt, ...) NN_PRINTF(2, 3);

/* How a kernel's output 0 may share an input's memory (nn_kernel.alias). */
enum {
    NN_ALIAS_NONE = 0,
    NN_ALIAS_SAME = 1,    /* same bytes, read-only view of input 0 (RESHAPE) */
    NN_ALIAS_INPLACE = 2, /* elementwise: may overwrite input 0 or 1 at its last use */
    NN_ALIAS_GROW = 3     /* may overwrite input 0 at its last use and extend it (PAD) */
};

typedef struct nn_kernel {
    int16_t builtin;
    uint8_t options_type; /* expected BuiltinOptions union member, 0 = none */
    uint8_t alias;        /* NN_ALIAS_* */
    nn_status (*prepare)(nn_prep *p);
    nn_status (*eval)(const nn_exec *e);
} nn_kernel;

/* The kernel for a builtin operator, or NULL. *id gets its table index. */
const nn_kernel *nn_find_kernel(int builtin, uint8_t *id);
const nn_kernel *nn_kernel_at(uint8_t id);

#endif /* WASMCU_NN_INTERNAL_H */
