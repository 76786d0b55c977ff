/*
 * The .tflite reader: walks the model's FlatBuffer in place (no copy, no
 * flatbuffers library). Every offset, length, vtable and index is checked
 * against the model size before it is used; errors name the table and field.
 *
 * FlatBuffers layout reminders: a table starts with an int32 offset back to
 * its vtable (vtable = table - offset); the vtable holds its own size, the
 * table's inline size, then one uint16 offset per field (0 = absent).
 * Offsets to tables, vectors and strings are uint32, relative to where they
 * are stored. Field ids follow declaration order in schema.fbs; a union
 * takes two ids (its type byte, then its value).
 */
#include "nn_internal.h"

/* Field ids from schema.fbs. */
enum { MODEL_VERSION = 0, MODEL_OPCODES = 1, MODEL_SUBGRAPHS = 2, MODEL_DESCRIPTION = 3, MODEL_BUFFERS = 4 };
enum { SG_TENSORS = 0, SG_INPUTS = 1, SG_OUTPUTS = 2, SG_OPERATORS = 3 };
enum {
    T_SHAPE = 0,
    T_TYPE = 1,
    T_BUFFER = 2,
    T_NAME = 3,
    T_QUANT = 4,
    T_IS_VARIABLE = 5,
    T_SPARSITY = 6,
    T_EXTERNAL_BUFFER = 10
};
enum { Q_SCALE = 2, Q_ZERO_POINT = 3, Q_DETAILS_TYPE = 4, Q_QDIM = 6 };
enum { B_DATA = 0, B_OFFSET = 1, B_SIZE = 2 };
enum { OC_DEPRECATED_CODE = 0, OC_CUSTOM = 1, OC_VERSION = 2, OC_CODE = 3 };
enum {
    OP_OPCODE = 0,
    OP_INPUTS = 1,
    OP_OUTPUTS = 2,
    OP_OPTS_TYPE = 3,
    OP_OPTS = 4,
    OP_LARGE_CUSTOM_OFFSET = 9,
    OP_OPTS2_TYPE = 11
};

static int span_ok(const nn_model *m, uint64_t pos, uint64_t len)
{
    return pos <= m->size && len <= (uint64_t)m->size - pos;
}

/* Opens the table at `pos`; `what` names it in errors ("tensor 3"). */
static nn_status table_open(const nn_model *m, uint32_t pos, fb_table *t, nn_error *err, const char *what, uint32_t idx)
{
    if (!span_ok(m, pos, 4)) {
        return nn_fail(err, NN_ERR_TRUNCATED, "%s %u: table offset %u is outside the model (%u bytes)", what,
                       (unsigned)idx, (unsigned)pos, (unsigned)m->size);
    }
    const int64_t vt = (int64_t)pos - (int64_t)nn_ld_i32(m->base + pos);
    if (vt < 0 || !span_ok(m, (uint64_t)vt, 4)) {
        return nn_fail(err, NN_ERR_MODEL, "%s %u: vtable of the table at offset %u is out of range", what,
                       (unsigned)idx, (unsigned)pos);
    }
    const uint16_t vt_size = nn_ld_u16(m->base + vt);
    const uint16_t size = nn_ld_u16(m->base + vt + 2);
    if (vt_size < 4 || (vt_size & 1u) || !span_ok(m, (uint64_t)vt, vt_size)) {
        return nn_fail(err, NN_ERR_MODEL, "%s %u: vtable at offset %u has a bad size (%u)", what, (unsigned)idx,
                       (unsigned)vt, (unsigned)vt_size);
    }
    if (size < 4 || !span_ok(m, pos, size)) {
        return nn_fail(err, NN_ERR_MODEL, "%s %u: table at offset %u has a bad size (%u)", what, (unsigned)idx,
                       (unsigned)pos, (unsigned)size);
    }
    t->pos = pos;
    t->vt = (uint32_t)vt;
    t->vt_size = vt_size;
    t->size = size;
    return NN_OK;
}

/* Position of a field of `width` bytes: 0 absent, 1 present, -1 outside the table. */
static int field_pos(const nn_model *m, const fb_table *t, unsigned field, unsigned width, uint32_t *pos)
{
    if (t->pos == 0) return 0;
    const uint32_t slot = 4u + 2u * field;
    if (slot + 2u > t->vt_size) return 0;
    const uint16_t off = nn_ld_u16(m->base + t->vt + slot);
    if (off == 0) return 0;
    if ((uint32_t)off + width > t->size) return -1;
    *pos = t->pos + off;
    return 1;
}

static nn_status bad_field(nn_error *err, const char *what, uint32_t idx, const char *field)
{
    return nn_fail(err, NN_ERR_MODEL, "%s %u: field '%s' lies outside its table", what, (unsigned)idx, field);
}

/* Scalar fields: default when absent. */
static nn_status get_u32(const nn_model *m, const fb_table *t, unsigned field, uint32_t dflt, uint32_t *out,
                         nn_error *err, const char *what, uint32_t idx, const char *name)
{
    uint32_t p = 0;
    *out = dflt;
    const int r = field_pos(m, t, field, 4, &p);
    if (r < 0) return bad_field(err, what, idx, name);
    if (r) *out = nn_ld_u32(m->base + p);
    return NN_OK;
}

static nn_status get_u8(const nn_model *m, const fb_table *t, unsigned field, uint8_t dflt, uint8_t *out, nn_error *err,
                        const char *what, uint32_t idx, const char *name)
{
    uint32_t p = 0;
    *out = dflt;
    const int r = field_pos(m, t, field, 1, &p);
    if (r < 0) return bad_field(err, what, idx, name);
    if (r) *out = m->base[p];
    return NN_OK;
}

static nn_status get_u64(const nn_model *m, const fb_table *t, unsigned field, uint64_t *out, nn_error *err,
                         const char *what, uint32_t idx, const char *name)
{
    uint32_t p = 0;
    *out = 0;
    const int r = field_pos(m, t, field, 8, &p);
    if (r < 0) return bad_field(err, what, idx, name);
    if (r) *out = (uint64_t)nn_ld_i64(m->base + p);
    return NN_OK;
}

/* Follows an offset field; *target = 0 when absent. */
static nn_status get_ref(const nn_model *m, const fb_table *t, unsigned field, uint32_t *target, nn_error *err,
                         const char *what, uint32_t idx, const char *name)
{
    uint32_t p = 0;
    *target = 0;
    const int r = field_pos(m, t, field, 4, &p);
    if (r < 0) return bad_field(err, what, idx, name);
    if (r == 0) return NN_OK;
    const uint64_t tgt = (uint64_t)p + nn_ld_u32(m->base + p);
    if (!span_ok(m, tgt, 4)) {
        return nn_fail(err, NN_ERR_TRUNCATED, "%s %u: field '%s' points outside the model", what, (unsigned)idx, name);
    }
    *target = (uint32_t)tgt;
    return NN_OK;
}

/* A vector field: *data = first element position, *n = length (0 if absent). */
static nn_status get_vec(const nn_model *m, const fb_table *t, unsigned field, uint32_t elem, uint32_t *data,
                         uint32_t *n, nn_error *err, const char *what, uint32_t idx, const char *name)
{
    uint32_t v = 0;
    *data = 0;
    *n = 0;
    nn_status s = get_ref(m, t, field, &v, err, what, idx, name);
    if (s != NN_OK || v == 0) return s;
    const uint32_t len = nn_ld_u32(m->base + v);
    if (!span_ok(m, (uint64_t)v + 4u, (uint64_t)len * elem)) {
        return nn_fail(err, NN_ERR_TRUNCATED, "%s %u: vector '%s' of %u elements runs past the end of the model", what,
                       (unsigned)idx, name, (unsigned)len);
    }
    *data = v + 4u;
    *n = len;
    return NN_OK;
}

static nn_status get_str(const nn_model *m, const fb_table *t, unsigned field, uint32_t *pos, nn_error *err,
                         const char *what, uint32_t idx, const char *name)
{
    uint32_t v = 0;
    *pos = 0;
    nn_status s = get_ref(m, t, field, &v, err, what, idx, name);
    if (s != NN_OK || v == 0) return s;
    const uint32_t len = nn_ld_u32(m->base + v);
    if (!span_ok(m, (uint64_t)v + 4u, (uint64_t)len + 1u) || m->base[(uint64_t)v + 4u + len] != 0) {
        return nn_fail(err, NN_ERR_MODEL, "%s %u: string '%s' is truncated or not NUL-terminated", what, (unsigned)idx,
                       name);
    }
    *pos = v + 4u;
    return NN_OK;
}

/* Table number i of a vector of tables. */
static nn_status vec_table(const nn_model *m, uint32_t data, uint32_t i, fb_table *t, nn_error *err, const char *what)
{
    const uint32_t slot = data + 4u * i;
    const uint64_t pos = (uint64_t)slot + nn_ld_u32(m->base + slot);
    if (pos > m->size) {
        return nn_fail(err, NN_ERR_TRUNCATED, "%s %u: offset points outside the model", what, (unsigned)i);
    }
    return table_open(m, (uint32_t)pos, t, err, what, i);
}

const char *nn_model_str(const nn_model *m, uint32_t pos)
{
    return pos ? (const char *)(m->base + pos) : "";
}

uint32_t nn_type_size(int type)
{
    switch (type) {
    case NN_FLOAT32:
    case NN_INT32:
    case NN_UINT32: return 4;
    case NN_FLOAT16:
    case NN_INT16:
    case NN_UINT16: return 2;
    case NN_UINT8:
    case NN_INT8:
    case NN_BOOL: return 1;
    case NN_INT64:
    case NN_FLOAT64:
    case NN_UINT64: return 8;
    default: return 0;
    }
}

uint32_t nn_elements(const nn_model *m, const nn_tensor *t)
{
    uint32_t n = 1;
    for (uint32_t i = 0; i < t->rank; i++) n *= (uint32_t)nn_dim(m, t, i);
    return n;
}

nn_status nn_read_model(nn_model *m, const void *data, size_t size, nn_error *err)
{
    memset(m, 0, sizeof *m);
    if (data == NULL) return nn_fail(err, NN_ERR_ARG, "model pointer is NULL");
    if (size < 8) {
        return nn_fail(err, NN_ERR_TRUNCATED, "model is %u bytes: too short for a FlatBuffer (at least 8)",
                       (unsigned)size);
    }
    if (size > 0xFFFFFFF0u) {
        return nn_fail(err, NN_ERR_LIMIT, "model larger than 4 GB");
    }
    m->base = (const uint8_t *)data;
    m->size = (uint32_t)size;
    if (memcmp(m->base + 4, "TFL3", 4) != 0) {
        return nn_fail(err, NN_ERR_MODEL, "not a TFLite model: file identifier is not 'TFL3' (bytes 4..7)");
    }
    fb_table root;
    nn_status s = table_open(m, nn_ld_u32(m->base), &root, err, "model root", 0);
    if (s != NN_OK) {
        if (err) {
            char tmp[sizeof err->message];
            memcpy(tmp, err->message, sizeof tmp);
            nn_fail(err, s, "bad root offset %u: %s", (unsigned)nn_ld_u32(m->base), tmp);
        }
        return s;
    }
    const char *W = "model";
    if ((s = get_u32(m, &root, MODEL_VERSION, 0, &m->version, err, W, 0, "version"))) return s;
    if (m->version != 3) {
        return nn_fail(err, NN_ERR_UNSUPPORTED, "model schema version %u (expected 3)", (unsigned)m->version);
    }
    uint32_t sgs;
    if ((s = get_vec(m, &root, MODEL_OPCODES, 4, &m->opcodes, &m->n_opcodes, err, W, 0, "operator_codes"))) return s;
    if ((s = get_vec(m, &root, MODEL_SUBGRAPHS, 4, &sgs, &m->n_subgraphs, err, W, 0, "subgraphs"))) return s;
    if ((s = get_str(m, &root, MODEL_DESCRIPTION, &m->description, err, W, 0, "description"))) return s;
    if ((s = get_vec(m, &root, MODEL_BUFFERS, 4, &m->buffers, &m->n_buffers, err, W, 0, "buffers"))) return s;
    if (m->n_subgraphs == 0) return nn_fail(err, NN_ERR_MODEL, "model has no subgraph");

    fb_table sg;
    if ((s = vec_table(m, sgs, 0, &sg, err, "subgraph"))) return s;
    W = "subgraph";
    if ((s = get_vec(m, &sg, SG_TENSORS, 4, &m->tensors, &m->n_tensors, err, W, 0, "tensors"))) return s;
    if ((s = get_vec(m, &sg, SG_INPUTS, 4, &m->inputs, &m->n_inputs, err, W, 0, "inputs"))) return s;
    if ((s = get_vec(m, &sg, SG_OUTPUTS, 4, &m->outputs, &m->n_outputs, err, W, 0, "outputs"))) return s;
    if ((s = get_vec(m, &sg, SG_OPERATORS, 4, &m->ops, &m->n_ops, err, W, 0, "operators"))) return s;
    if (m->n_tensors > NN_MAX_TENSORS) {
        return nn_fail(err, NN_ERR_LIMIT, "subgraph 0 has %u tensors; this build handles %u", (unsigned)m->n_tensors,
                       (unsigned)NN_MAX_TENSORS);
    }
    if (m->n_ops > 0xFFFFu) {
        return nn_fail(err, NN_ERR_LIMIT, "subgraph 0 has %u operators; the engine handles 65535", (unsigned)m->n_ops);
    }
    for (uint32_t i = 0; i < m->n_inputs + m->n_outputs; i++) {
        const int out = i >= m->n_inputs;
        const uint32_t k = out ? i - m->n_inputs : i;
        const int32_t t = nn_ld_i32(m->base + (out ? m->outputs : m->inputs) + 4u * k);
        if (t < 0 || (uint32_t)t >= m->n_tensors) {
            return nn_fail(err, NN_ERR_MODEL, "subgraph %s %u: tensor index %d out of range (%u tensors)",
                           out ? "output" : "input", (unsigned)k, (int)t, (unsigned)m->n_tensors);
        }
    }
    return NN_OK;
}

nn_status nn_read_tensor(const nn_model *m, uint32_t index, nn_tdesc *out, nn_error *err)
{
    memset(out, 0, sizeof *out);
    if (index >= m->n_tensors) {
        return nn_fail(err, NN_ERR_ARG, "tensor %u out of range (%u tensors)", (unsigned)index, (unsigned)m->n_tensors);
    }
    const char *W = "tensor";
    fb_table t;
    nn_status s = vec_table(m, m->tensors, index, &t, err, W);
    if (s) return s;
    out->index = index;
    uint32_t shape, rank;
    if ((s = get_vec(m, &t, T_SHAPE, 4, &shape, &rank, err, W, index, "shape"))) return s;
    if (rank > NN_MAX_DIMS) {
        return nn_fail(err, NN_ERR_LIMIT, "tensor %u has rank %u; the engine handles up to %u", (unsigned)index,
                       (unsigned)rank, (unsigned)NN_MAX_DIMS);
    }
    uint8_t type, is_var;
    if ((s = get_u8(m, &t, T_TYPE, 0, &type, err, W, index, "type"))) return s;
    if ((s = get_u32(m, &t, T_BUFFER, 0, &out->buffer, err, W, index, "buffer"))) return s;
    if ((s = get_str(m, &t, T_NAME, &out->name, err, W, index, "name"))) return s;
    if ((s = get_u8(m, &t, T_IS_VARIABLE, 0, &is_var, err, W, index, "is_variable"))) return s;
    uint32_t sparsity, ext;
    if ((s = get_ref(m, &t, T_SPARSITY, &sparsity, err, W, index, "sparsity"))) return s;
    if ((s = get_u32(m, &t, T_EXTERNAL_BUFFER, 0, &ext, err, W, index, "external_buffer"))) return s;
    if (sparsity) {
        return nn_fail(err, NN_ERR_UNSUPPORTED, "tensor %u is sparse; sparse tensors are not supported",
                       (unsigned)index);
    }
    if (ext) {
        return nn_fail(err, NN_ERR_UNSUPPORTED, "tensor %u uses external_buffer %u; not supported", (unsigned)index,
                       (unsigned)ext);
    }
    const uint32_t esize = nn_type_size(type);
    if (esize == 0) {
        return nn_fail(err, NN_ERR_UNSUPPORTED, "tensor %u has type %s, which the engine cannot store", (unsigned)index,
                       nn_type_name(type));
    }
    uint64_t count = 1;
    for (uint32_t i = 0; i < rank; i++) {
        const int32_t d = nn_ld_i32(m->base + shape + 4u * i);
        if (d < 0) {
            return nn_fail(err, NN_ERR_MODEL, "tensor %u: dimension %u is %d", (unsigned)index, (unsigned)i, (int)d);
        }
        count *= (uint64_t)d;
        if (count > 0x7FFFFFFFu) break;
    }
    if (count * esize > 0x7FFFFFFFu) {
        return nn_fail(err, NN_ERR_MODEL, "tensor %u: shape overflows (more than 2 GB of %s)", (unsigned)index,
                       nn_type_name(type));
    }
    out->t.shape = shape;
    out->t.rank = (uint8_t)rank;
    out->t.type = type;
    out->t.bytes = (uint32_t)(count * esize);
    out->is_variable = is_var != 0;

    /* Quantization parameters. */
    uint32_t qpos;
    if ((s = get_ref(m, &t, T_QUANT, &qpos, err, W, index, "quantization"))) return s;
    if (qpos) {
        fb_table q;
        const char *Q = "quantization of tensor";
        if ((s = table_open(m, qpos, &q, err, Q, index))) return s;
        uint8_t details;
        if ((s = get_u8(m, &q, Q_DETAILS_TYPE, 0, &details, err, Q, index, "details_type"))) return s;
        if (details) {
            return nn_fail(err, NN_ERR_UNSUPPORTED, "tensor %u uses custom quantization details", (unsigned)index);
        }
        if ((s = get_vec(m, &q, Q_SCALE, 4, &out->scales, &out->n_scales, err, Q, index, "scale"))) return s;
        if ((s = get_vec(m, &q, Q_ZERO_POINT, 8, &out->zps, &out->n_zps, err, Q, index, "zero_point"))) return s;
        uint32_t qdim;
        if ((s = get_u32(m, &q, Q_QDIM, 0, &qdim, err, Q, index, "quantized_dimension"))) return s;
        out->quant_dim = (int32_t)qdim;
        if (out->n_scales) {
            if (out->n_zps != out->n_scales && out->n_zps != 0) {
                return nn_fail(err, NN_ERR_MODEL, "tensor %u: %u scales but %u zero points", (unsigned)index,
                               (unsigned)out->n_scales, (unsigned)out->n_zps);
            }
            /* Per-channel layout (quantized_dimension) is checked by the kernels
       * that read per-channel scales: biases often carry a stale one. */
            for (uint32_t i = 0; i < out->n_zps; i++) {
                const int64_t zp = nn_ld_i64(m->base + out->zps + 8u * i);
                if (zp < INT32_MIN || zp > INT32_MAX) {
                    return nn_fail(err, NN_ERR_MODEL, "tensor %u: zero point %u does not fit in 32 bits",
                                   (unsigned)index, (unsigned)i);
                }
            }
            out->t.scale = nn_ld_f32(m->base + out->scales);
            out->t.zero_point = out->n_zps ? (int32_t)nn_ld_i64(m->base + out->zps) : 0;
            /* The quantization spec keeps zero points inside the value range. */
            int64_t lo = INT32_MIN, hi = INT32_MAX;
            if (type == NN_INT8) lo = -128, hi = 127;
            if (type == NN_UINT8) lo = 0, hi = 255;
            if (type == NN_INT16) lo = -32768, hi = 32767;
            for (uint32_t i = 0; i < out->n_zps; i++) {
                const int64_t zp = nn_ld_i64(m->base + out->zps + 8u * i);
                if (zp < lo || zp > hi) {
                    return nn_fail(err, NN_ERR_MODEL, "tensor %u: zero point %d is outside the %s range",
                                   (unsigned)index, (int)zp, nn_type_name(type));
                }
            }
        }
    }

    /* Data: in the buffer's vector, or at offset/size after the FlatBuffer. */
    if (out->buffer >= m->n_buffers) {
        return nn_fail(err, NN_ERR_MODEL, "tensor %u: buffer index %u out of range (%u buffers)", (unsigned)index,
                       (unsigned)out->buffer, (unsigned)m->n_buffers);
    }
    fb_table b;
    if ((s = vec_table(m, m->buffers, out->buffer, &b, err, "buffer"))) return s;
    uint32_t data, n;
    uint64_t boff, bsize;
    if ((s = get_vec(m, &b, B_DATA, 1, &data, &n, err, "buffer", out->buffer, "data"))) return s;
    if ((s = get_u64(m, &b, B_OFFSET, &boff, err, "buffer", out->buffer, "offset"))) return s;
    if ((s = get_u64(m, &b, B_SIZE, &bsize, err, "buffer", out->buffer, "size"))) return s;
    if (n == 0 && boff > 1) {
        if (!span_ok(m, boff, bsize)) {
            return nn_fail(err, NN_ERR_TRUNCATED,
                           "buffer %u: offset %u + size %u runs past the end of the model (%u bytes)",
                           (unsigned)out->buffer, (unsigned)boff, (unsigned)bsize, (unsigned)m->size);
        }
        data = (uint32_t)boff;
        n = (uint32_t)bsize;
    }
    if (n > 0) {
        if (out->is_variable) {
            return nn_fail(err, NN_ERR_UNSUPPORTED, "tensor %u: variable tensor with initial data", (unsigned)index);
        }
        if (n != out->t.bytes) {
            return nn_fail(err, NN_ERR_MODEL, "tensor %u: buffer %u holds %u bytes, its shape needs %u",
                           (unsigned)index, (unsigned)out->buffer, (unsigned)n, (unsigned)out->t.bytes);
        }
        out->t.kind = NN_T_CONST;
        out->t.data = data;
    } else {
        out->t.kind = out->is_variable ? NN_T_VAR : NN_T_ACT;
    }
    return NN_OK;
}

nn_status nn_read_op(const nn_model *m, uint32_t index, nn_odesc *out, nn_error *err)
{
    memset(out, 0, sizeof *out);
    if (index >= m->n_ops) {
        return nn_fail(err, NN_ERR_ARG, "operator %u out of range (%u operators)", (unsigned)index, (unsigned)m->n_ops);
    }
    const char *W = "operator";
    fb_table t;
    nn_status s = vec_table(m, m->ops, index, &t, err, W);
    if (s) return s;
    out->index = index;
    uint32_t opcode;
    if ((s = get_u32(m, &t, OP_OPCODE, 0, &opcode, err, W, index, "opcode_index"))) return s;
    if (opcode >= m->n_opcodes) {
        return nn_fail(err, NN_ERR_MODEL, "operator %u: opcode_index %u out of range (%u codes)", (unsigned)index,
                       (unsigned)opcode, (unsigned)m->n_opcodes);
    }
    fb_table oc;
    if ((s = vec_table(m, m->opcodes, opcode, &oc, err, "operator_code"))) return s;
    uint8_t dep;
    uint32_t code, version;
    if ((s = get_u8(m, &oc, OC_DEPRECATED_CODE, 0, &dep, err, "operator_code", opcode, "deprecated_builtin_code")))
        return s;
    if ((s = get_u32(m, &oc, OC_CODE, 0, &code, err, "operator_code", opcode, "builtin_code"))) return s;
    if ((s = get_u32(m, &oc, OC_VERSION, 1, &version, err, "operator_code", opcode, "version"))) return s;
    if ((s = get_str(m, &oc, OC_CUSTOM, &out->custom, err, "operator_code", opcode, "custom_code"))) return s;
    /* The schema keeps both fields: the real code is the larger one. */
    const int32_t dcode = (int8_t)dep;
    out->builtin = (int32_t)code > dcode ? (int32_t)code : dcode;
    out->version = (int32_t)version;

    if ((s = get_vec(m, &t, OP_INPUTS, 4, &out->ins, &out->n_in, err, W, index, "inputs"))) return s;
    if ((s = get_vec(m, &t, OP_OUTPUTS, 4, &out->outs, &out->n_out, err, W, index, "outputs"))) return s;
    for (uint32_t i = 0; i < out->n_in + out->n_out; i++) {
        const int is_out = i >= out->n_in;
        const uint32_t k = is_out ? i - out->n_in : i;
        const int32_t ti = nn_ld_i32(m->base + (is_out ? out->outs : out->ins) + 4u * k);
        if (ti >= (int32_t)m->n_tensors || ti < (is_out ? 0 : -1)) {
            return nn_fail(err, NN_ERR_MODEL, "operator %u: %s %u is tensor %d, out of range (%u tensors)",
                           (unsigned)index, is_out ? "output" : "input", (unsigned)k, (int)ti, (unsigned)m->n_tensors);
        }
    }
    if ((s = get_u8(m, &t, OP_OPTS_TYPE, 0, &out->opts_type, err, W, index, "builtin_options_type"))) return s;
    uint32_t opts;
    if ((s = get_ref(m, &t, OP_OPTS, &opts, err, W, index, "builtin_options"))) return s;
    if (opts) {
        if ((s = table_open(m, opts, &out->opts, err, "options of operator", index))) return s;
    }
    return NN_OK;
}

/* ---- option access for kernels (errors are sticky in the prep) ---------- */

static int opt_pos(nn_prep *p, unsigned field, unsigned width, uint32_t *pos)
{
    const int r = field_pos(p->m, &p->op->opts, field, width, pos);
    if (r < 0) {
        nn_prep_fail(p, NN_ERR_MODEL, "options field %u lies outside its table", field);
        return 0;
    }
    return r;
}

int32_t nn_opt_i32(nn_prep *p, unsigned field, int32_t dflt)
{
    uint32_t pos;
    return opt_pos(p, field, 4, &pos) ? nn_ld_i32(p->m->base + pos) : dflt;
}

int8_t nn_opt_i8(nn_prep *p, unsigned field, int8_t dflt)
{
    uint32_t pos;
    return opt_pos(p, field, 1, &pos) ? (int8_t)p->m->base[pos] : dflt;
}

float nn_opt_f32(nn_prep *p, unsigned field, float dflt)
{
    uint32_t pos;
    return opt_pos(p, field, 4, &pos) ? nn_ld_f32(p->m->base + pos) : dflt;
}

nn_status nn_opt_vec_i32(nn_prep *p, unsigned field, uint32_t *pos, uint32_t *n)
{
    return get_vec(p->m, &p->op->opts, field, 4, pos, n, p->err, "options of operator", p->op->index, "vector");
}
