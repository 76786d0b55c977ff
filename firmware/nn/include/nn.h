/*
 * wasmcu int8 inference engine: runs int8-quantized TensorFlow Lite
 * (.tflite) models in place, with the same output bytes as TensorFlow Lite
 * Micro's reference kernels.
 *
 * The model stays where it is (flash on a device, an mmap on Linux): weights
 * are never copied. All working memory (activations, scratch, state tensors,
 * per-op data, the interpreter itself) lives in one arena the caller gives;
 * the library never allocates. Its size is known before anything runs:
 *
 *   size_t need;
 *   nn_error err;
 *   if (nn_arena_bytes(model, model_len, &need, &err) != NN_OK) {
 *     log(err.message);             // e.g. "operator 3 (SQUARED_DIFFERENCE) is not supported"
 *   }
 *   static uint8_t arena[96 * 1024] __attribute__((aligned(8)));  // >= need
 *   nn_interp *it;
 *   if (nn_init(&it, model, model_len, arena, sizeof arena, &err) != NN_OK) ...
 *
 *   nn_tensor_info in, out;
 *   nn_input(it, 0, &in);                       // in.data, in.bytes, in.scale ...
 *   memcpy(in.data, features, in.bytes);
 *   if (nn_invoke(it) != NN_OK) log(nn_last_error(it));
 *   nn_output(it, 0, &out);                     // out.data holds out.bytes bytes
 *   nn_reset(it);                               // state tensors (LSTM, SVDF) back to zero
 *
 * Input tensors may share arena space with later activations, so write the
 * inputs before every nn_invoke. Models with state tensors keep their state
 * between invokes until nn_reset.
 *
 * Profiling: nn_set_profiler() with a clock (ns on a host, cycles on a
 * device) fills one nn_op_profile per operator on every invoke.
 */
#ifndef WASMCU_NN_H
#define WASMCU_NN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Most dimensions a tensor may have. */
#define NN_MAX_DIMS 6

typedef enum nn_status {
    NN_OK = 0,
    NN_ERR_ARG,             /* NULL pointer or index out of range from the caller */
    NN_ERR_TRUNCATED,       /* an offset or a length points outside the model bytes */
    NN_ERR_MODEL,           /* malformed model: bad table, index, shape, quantization... */
    NN_ERR_UNSUPPORTED,     /* an operator, type or option this engine does not run */
    NN_ERR_LIMIT,           /* the model exceeds a compile-time limit of the engine */
    NN_ERR_ALIGN,           /* arena or tensor data not aligned as required */
    NN_ERR_ARENA_TOO_SMALL, /* arena smaller than nn_arena_bytes() */
    NN_ERR_EVAL             /* an operator failed while running */
} nn_status;

/* Short name of a status ("model truncated", ...). Never NULL. */
const char *nn_status_str(nn_status status);

/* TensorFlow Lite tensor types (the values of schema.fbs TensorType). */
typedef enum nn_type {
    NN_FLOAT32 = 0,
    NN_FLOAT16 = 1,
    NN_INT32 = 2,
    NN_UINT8 = 3,
    NN_INT64 = 4,
    NN_BOOL = 6,
    NN_INT16 = 7,
    NN_INT8 = 9,
    NN_FLOAT64 = 10,
    NN_UINT64 = 12,
    NN_UINT32 = 15,
    NN_UINT16 = 16
} nn_type;

/* "INT8", "FLOAT32"... for any TensorType value; "UNKNOWN" otherwise. */
const char *nn_type_name(int type);

/* An error with a message that says what and where
 * ("tensor 12: buffer 40 holds 96 bytes, shape [1,10] INT32 needs 40"). */
typedef struct nn_error {
    nn_status status;
    char message[160];
} nn_error;

/* How a tensor's values map to reals: real = scale * (q - zero_point).
 * Per-channel tensors report their first channel here. */
typedef struct nn_tensor_info {
    const char *name; /* from the model, NUL-terminated; "" if absent */
    int index;        /* tensor index in the subgraph */
    int type;         /* nn_type */
    int rank;
    int32_t dims[NN_MAX_DIMS];
    float scale; /* 0 when not quantized */
    int32_t zero_point;
    int quant_channels; /* 0 none, 1 per-tensor, >1 per-channel */
    int quant_dim;      /* quantized dimension for per-channel tensors */
    int is_const;       /* data comes from the model */
    int is_variable;    /* state tensor (LSTM/SVDF) kept between invokes */
    void *data;         /* NULL until nn_init placed it (and for tensors no op uses) */
    size_t bytes;
} nn_tensor_info;

typedef struct nn_interp nn_interp;

/* Bytes of arena nn_init needs for this model, computed from the model
 * alone (checks every table, plans every tensor). Uses a few KB of stack. */
nn_status nn_arena_bytes(const void *model, size_t model_size, size_t *arena_bytes, nn_error *err);

/* Prepares the model to run in `arena` (8-byte aligned, at least
 * nn_arena_bytes). The model bytes must stay valid and unchanged while the
 * interpreter is used; the interpreter lives inside the arena. */
nn_status nn_init(nn_interp **out, const void *model, size_t model_size, void *arena, size_t arena_size, nn_error *err);

size_t nn_input_count(const nn_interp *it);
size_t nn_output_count(const nn_interp *it);
nn_status nn_input(const nn_interp *it, size_t i, nn_tensor_info *info);
nn_status nn_output(const nn_interp *it, size_t i, nn_tensor_info *info);

/* Runs every operator once. On failure nn_last_error says which op and why. */
nn_status nn_invoke(nn_interp *it);

/* Zeroes the state tensors, as a fresh interpreter has them. */
void nn_reset(nn_interp *it);

/* Message of the last failure of nn_invoke (or "" if none). */
const char *nn_last_error(const nn_interp *it);

/* Arena bytes this interpreter uses (the value nn_arena_bytes returned). */
size_t nn_arena_used(const nn_interp *it);

/* Operators, in execution order. */
size_t nn_op_count(const nn_interp *it);

/* ---- profiling ------------------------------------------------------- */

/* Returns a monotonic tick count: ns on a host, cycles on a device. */
typedef uint64_t (*nn_clock_fn)(void *ctx);

typedef struct nn_op_profile {
    const char *op_name;  /* "CONV_2D" ... */
    uint32_t op_index;    /* execution order */
    uint64_t ticks;       /* clock ticks of the last invoke */
    uint32_t arena_bytes; /* planned activation + scratch bytes live during the op */
} nn_op_profile;

/* From the next invoke on, fills entries[i] for operator i (n >= operator
 * count, see nn_op_count). clock == NULL stops profiling. */
nn_status nn_set_profiler(nn_interp *it, nn_clock_fn clock, void *clock_ctx, nn_op_profile *entries, size_t n);

/* Any tensor of the running model, with its data pointer in the arena (or
 * the model for constants). Activations are only valid while live. */
nn_status nn_tensor_get(const nn_interp *it, size_t index, nn_tensor_info *info);

/* Called after each operator of nn_invoke (debugging: dump activations). */
typedef void (*nn_op_hook)(void *ctx, const nn_interp *it, uint32_t op_index);
void nn_set_op_hook(nn_interp *it, nn_op_hook hook, void *ctx);

/* ---- model description (for tools; no arena needed) ------------------ */

typedef struct nn_model_summary {
    uint32_t version;        /* schema version (3) */
    const char *description; /* "" if absent */
    size_t subgraphs;
    size_t tensors; /* of subgraph 0 */
    size_t ops;     /* of subgraph 0, in execution order */
    size_t inputs;
    size_t outputs;
    size_t unsupported_ops; /* operators nn_init would refuse */
} nn_model_summary;

typedef struct nn_op_info {
    int builtin_code; /* BuiltinOperator value, 32 = CUSTOM */
    const char *name; /* "FULLY_CONNECTED" or the custom code */
    int version;
    int supported; /* 1 if this engine runs it */
    size_t n_inputs, n_outputs;
    int32_t inputs[32]; /* tensor indices (-1 = absent optional input) */
    int32_t outputs[8];
} nn_op_info;

nn_status nn_model_summary_get(const void *model, size_t model_size, nn_model_summary *out, nn_error *err);
nn_status nn_model_op(const void *model, size_t model_size, size_t op, nn_op_info *out, nn_error *err);
nn_status nn_model_tensor(const void *model, size_t model_size, size_t tensor, nn_tensor_info *out, nn_error *err);
/* Index of subgraph input/output i. */
nn_status nn_model_io(const void *model, size_t model_size, int output, size_t i, int *tensor, nn_error *err);

/* Name of a BuiltinOperator value ("ADD", "CONV_2D"...), "UNKNOWN" if none. */
const char *nn_builtin_name(int builtin_code);

#ifdef __cplusplus
}
#endif
#endif /* WASMCU_NN_H */
