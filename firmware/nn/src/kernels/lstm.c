/*
 * UNIDIRECTIONAL_SEQUENCE_LSTM, int8 activations and weights, int16 cell
 * state and gates, int32 biases: bit-exact with TFLM's integer LSTM (the
 * kernel rewritten in 2023: no peephole, projection or layer norm).
 *
 * Per time step and batch row:
 *   gate = act(FC(x, W_x) + b + FC(h, W_h))   sigmoid for forget/input/output,
 *                                             the fused activation (tanh) for cell
 *   c = clip(forget * c + input * cell)       int16, cell scale 2^cell_power
 *   h = tanh(c) * output                      int8, the hidden state's scale
 * Gate pre-activations are int16 with scale 2^-12, gate outputs 2^-15; the
 * four int16 scratch buffers are planned per op.
 */
#include "kernel_util.h"

enum { LSTM_ACTIVATION = 0, LSTM_CELL_CLIP = 1, LSTM_PROJ_CLIP = 2, LSTM_TIME_MAJOR = 3 };
enum {
    IN = 0,
    W_I = 1,
    W_F = 2,
    W_C = 3,
    W_O = 4,
    R_I = 5,
    R_F = 6,
    R_C = 7,
    R_O = 8,
    B_I = 12,
    B_F = 13,
    B_C = 14,
    B_O = 15,
    HIDDEN = 18,
    CELL = 19
};
enum { GATE_F = 0, GATE_I = 1, GATE_C = 2, GATE_O = 3 };
/* The cell-state scales (powers of two) whose tanh input shift the kernel computes exactly. */
enum { LSTM_MIN_CELL_POWER = -43, LSTM_MAX_CELL_POWER = 2 };

typedef struct fc16 {
    int32_t input_offset;
    int32_t multiplier, shift;
} fc16;

typedef struct mul16 {
    int32_t multiplier, shift;
    int32_t out_offset, out_min, out_max;
} mul16;

typedef struct lstm_data {
    int32_t batch, steps, input_dim, state_dim;
    uint8_t time_major, cell_tanh;
    int16_t cell_clip; /* quantized, 0 = none */
    int32_t cell_power;
    fc16 in_fc[4], rec_fc[4];
    mul16 forget_cell, input_cell, hidden;
} lstm_data;

static const uint8_t kWIn[4] = { W_F, W_I, W_C, W_O };
static const uint8_t kWRec[4] = { R_F, R_I, R_C, R_O };
static const uint8_t kBias[4] = { B_F, B_I, B_C, B_O };

/* Multiplier of an int8 x int8 -> int16 (scale 2^-12) fully connected layer:
 * the reference forms input_scale * weight_scale in float. */
static void fc_params(const nn_tensor *x, const nn_tensor *w, fc16 *p)
{
    const float prod = x->scale * w->scale;
    int sh;
    nn_quantize_multiplier((double)prod / (double)0.000244140625f, &p->multiplier, &sh);
    p->shift = sh;
    p->input_offset = -x->zero_point;
}

static void mul_params(float s1, float s2, float out_scale, int out_int8, int32_t out_zp, mul16 *m)
{
    int sh;
    nn_quantize_multiplier((double)s1 * (double)s2 / (double)out_scale, &m->multiplier, &sh);
    m->shift = sh;
    m->out_offset = out_zp;
    m->out_min = out_int8 ? -128 : -32768;
    m->out_max = out_int8 ? 127 : 32767;
}

static nn_status lstm_prepare(nn_prep *p)
{
    nn_status s;
    if (p->n_in != 24 || p->n_out != 1 || p->out[0] == NULL) {
        return nn_prep_fail(p, NN_ERR_MODEL, "has %u inputs and %u outputs (expected 24 and 1)", (unsigned)p->n_in,
                            (unsigned)p->n_out);
    }
    const nn_tensor *in = p->in[IN], *h = p->in[HIDDEN], *c = p->in[CELL], *out = p->out[0];
    if ((s = nn_k_need(p, IN)) || (s = nn_k_need(p, HIDDEN)) || (s = nn_k_need(p, CELL))) return s;
    for (uint32_t i = 1; i <= 8; i++) {
        if ((s = nn_k_need(p, i))) return s;
    }
    for (uint32_t i = 12; i <= 15; i++) {
        if ((s = nn_k_need(p, i))) return s;
    }
    static const uint8_t kAbsent[] = { 9, 10, 11, 16, 17, 20, 21, 22, 23 };
    for (uint32_t i = 0; i < sizeof kAbsent; i++) {
        if (p->in[kAbsent[i]] != NULL) {
            return nn_prep_fail(p, NN_ERR_UNSUPPORTED,
                                "input %u is present: peephole, projection and layer norm are not supported",
                                (unsigned)kAbsent[i]);
        }
    }
    if ((s = nn_k_type(p, in, NN_INT8, "input")) || (s = nn_k_type(p, h, NN_INT8, "hidden state")) ||
        (s = nn_k_type(p, c, NN_INT16, "cell state")) || (s = nn_k_type(p, out, NN_INT8, "output")))
        return s;
    if (h->kind != NN_T_VAR || c->kind != NN_T_VAR) {
        return nn_prep_fail(p, NN_ERR_MODEL, "hidden and cell state must be variable tensors");
    }
    for (uint32_t i = 1; i <= 8; i++) {
        if ((s = nn_k_type(p, p->in[i], NN_INT8, "weights"))) return s;
        const uint8_t *cd;
        if ((s = nn_k_const(p, i, &cd, "weights")) || (s = nn_k_quantized(p, p->in[i], "weights"))) return s;
        uint32_t sc, n;
        int32_t qd;
        if ((s = nn_prep_quant(p, i, &sc, &n, &qd))) return s;
        if (n != 1 || p->in[i]->zero_point != 0) {
            return nn_prep_fail(p, NN_ERR_UNSUPPORTED, "weights (input %u) must be per-tensor with zero point 0",
                                (unsigned)i);
        }
    }
    for (uint32_t i = 12; i <= 15; i++) {
        const uint8_t *cd;
        if ((s = nn_k_type(p, p->in[i], NN_INT32, "bias")) || (s = nn_k_const(p, i, &cd, "bias")) ||
            (s = nn_k_aligned(p, i, 4, "bias")))
            return s;
    }
    if ((s = nn_k_quantized(p, in, "input")) || (s = nn_k_quantized(p, h, "hidden state")) ||
        (s = nn_k_quantized(p, c, "cell state")))
        return s;
    const int activation = nn_opt_i8(p, LSTM_ACTIVATION, 0);
    const float cell_clip = nn_opt_f32(p, LSTM_CELL_CLIP, 0.0f);
    const int time_major = nn_opt_i8(p, LSTM_TIME_MAJOR, 0) != 0;
    if (activation != NN_ACT_TANH) {
        return nn_prep_fail(p, NN_ERR_UNSUPPORTED, "cell activation %d (only TANH)", activation);
    }
    if (!(cell_clip >= 0.0f)) return nn_prep_fail(p, NN_ERR_MODEL, "cell_clip %f is negative", (double)cell_clip);
    if ((s = nn_k_rank(p, in, 3, "input")) || (s = nn_k_rank(p, out, 3, "output"))) return s;
    if (h->rank < 2) return nn_k_rank(p, h, 2, "hidden state");
    const int32_t batch = nn_pdim(p, in, time_major ? 1 : 0);
    const int32_t steps = nn_pdim(p, in, time_major ? 0 : 1);
    const int32_t idim = nn_pdim(p, in, 2), sdim = nn_pdim(p, h, 1);
    for (uint32_t i = 1; i <= 8; i++) {
        const nn_tensor *w = p->in[i];
        const int32_t cols = i <= 4 ? idim : sdim;
        if (w->rank != 2 || nn_pdim(p, w, 0) != sdim || nn_pdim(p, w, 1) != cols) {
            return nn_prep_fail(p, NN_ERR_MODEL, "weights (input %u) must be [%d, %d]", (unsigned)i, (int)sdim,
                                (int)cols);
        }
    }
    for (uint32_t i = 12; i <= 15; i++) {
        if (p->in[i]->rank != 1 || nn_pdim(p, p->in[i], 0) != sdim) {
            return nn_prep_fail(p, NN_ERR_MODEL, "bias (input %u) must be [%d]", (unsigned)i, (int)sdim);
        }
    }
    const uint64_t states = (uint64_t)batch * (uint64_t)sdim;
    if (nn_elements(p->m, h) != states || nn_elements(p->m, c) != states || nn_pdim(p, out, 0) != nn_pdim(p, in, 0) ||
        nn_pdim(p, out, 1) != nn_pdim(p, in, 1) || nn_pdim(p, out, 2) != sdim) {
        return nn_prep_fail(p, NN_ERR_MODEL, "state or output shape does not match %d x %d x %d", (int)batch,
                            (int)steps, (int)sdim);
    }
    if (idim > 65536 || sdim > 65536) return nn_prep_fail(p, NN_ERR_LIMIT, "dimension above 65536");
    int power;
    nn_checked_log2(c->scale, &power); /* the reference does not insist on a power of two */
    /* tanh_pow: a left shift L = 12 + power becomes the multiplier 3 << L, and int16 x (3 << L) fits
     * int32 only for L <= 14; a right shift -L rounds with 1 << (-L - 1), defined for -L <= 31. */
    if (power > LSTM_MAX_CELL_POWER || power < LSTM_MIN_CELL_POWER) {
        return nn_k_bad_scale(p, CELL, "cell state", power, "tanh needs a cell scale from 2^-43 to 2^2");
    }
    for (int k = 0; k < 4; k++) nn_prep_scratch(p, (uint32_t)states * 2u);
    lstm_data *d = nn_prep_alloc(p, sizeof *d);
    if (d == NULL) return NN_OK;
    d->batch = batch;
    d->steps = steps;
    d->input_dim = idim;
    d->state_dim = sdim;
    d->time_major = (uint8_t)time_major;
    d->cell_power = power;
    double clip = (double)cell_clip / (double)c->scale;
    if (clip > 32767.0) clip = 32767.0;
    if (clip < -32768.0) clip = -32768.0;
    d->cell_clip = (int16_t)clip;
    for (int g = 0; g < 4; g++) {
        fc_params(in, p->in[kWIn[g]], &d->in_fc[g]);
        fc_params(h, p->in[kWRec[g]], &d->rec_fc[g]);
    }
    const float q15 = 0.000030517578125f;
    mul_params(q15, c->scale, c->scale, 0, 0, &d->forget_cell);
    mul_params(q15, q15, c->scale, 0, 0, &d->input_cell);
    mul_params(q15, q15, h->scale, 1, h->zero_point, &d->hidden);
    return NN_OK;
}

/* out[r][s] = sat16(requant(W[s] . (x[r] + offset)) (+ bias[s])) for `rows` rows. */
static void fc_int16(const fc16 *p, const int8_t *x, int32_t rows, int32_t cols, const int8_t *w, const int32_t *bias,
                     int32_t n_out, int16_t *out)
{
    for (int32_t r = 0; r < rows; r++) {
        const int8_t *xr = x + (size_t)r * (size_t)cols;
        int32_t s = 0;
        for (; s + 4 <= n_out; s += 4) {
            const int8_t *w0 = w + (size_t)s * (size_t)cols, *w1 = w0 + cols, *w2 = w1 + cols, *w3 = w2 + cols;
            int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
            for (int32_t i = 0; i < cols; i++) {
                const int32_t xv = xr[i] + p->input_offset;
                a0 += w0[i] * xv;
                a1 += w1[i] * xv;
                a2 += w2[i] * xv;
                a3 += w3[i] * xv;
            }
            int32_t acc[4] = { a0, a1, a2, a3 };
            for (int k = 0; k < 4; k++) {
                int32_t v = acc[k];
                if (bias) v = nn_wadd(v, bias[s + k]);
                out[(size_t)r * (size_t)n_out + (size_t)(s + k)] =
                    (int16_t)nn_clamp32(nn_mbqm(v, p->multiplier, p->shift), -32768, 32767);
            }
        }
        for (; s < n_out; s++) {
            const int8_t *ws = w + (size_t)s * (size_t)cols;
            int32_t a = 0;
            for (int32_t i = 0; i < cols; i++) a += ws[i] * (xr[i] + p->input_offset);
            if (bias) a = nn_wadd(a, bias[s]);
            out[(size_t)r * (size_t)n_out + (size_t)s] =
                (int16_t)nn_clamp32(nn_mbqm(a, p->multiplier, p->shift), -32768, 32767);
        }
    }
}

static void mul_i16(const mul16 *m, const int16_t *a, const int16_t *b, uint32_t n, int16_t *out)
{
    for (uint32_t i = 0; i < n; i++) {
        const int32_t v = nn_wadd(nn_mbqm((int32_t)a[i] * (int32_t)b[i], m->multiplier, m->shift), m->out_offset);
        out[i] = (int16_t)nn_clamp32(v, m->out_min, m->out_max);
    }
}

static void mul_i8(const mul16 *m, const int16_t *a, const int16_t *b, uint32_t n, int8_t *out)
{
    for (uint32_t i = 0; i < n; i++) {
        const int32_t v = nn_wadd(nn_mbqm((int32_t)a[i] * (int32_t)b[i], m->multiplier, m->shift), m->out_offset);
        out[i] = (int8_t)nn_clamp32(v, m->out_min, m->out_max);
    }
}

static void add_sat16(int16_t *a, const int16_t *b, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) a[i] = (int16_t)nn_clamp32((int32_t)a[i] + b[i], -32768, 32767);
}

/* tanh of a value with scale 2^power, through the Q3.12 table function. */
static void tanh_pow(int32_t power, uint32_t n, const int16_t *in, int16_t *out)
{
    int32_t left = (15 + power) - 3, mult = 0;
    if (left < 0) {
        left = -left;
        mult = 3;
    }
    nn_tanh_i16(mult, left, n, in, out);
}

static nn_status lstm_eval(const nn_exec *e)
{
    const lstm_data *d = e->data;
    const int8_t *x = nn_ex_in(e, IN);
    int8_t *hidden = (int8_t *)(uintptr_t)nn_ex_in(e, HIDDEN);
    int16_t *cell = (int16_t *)(uintptr_t)nn_ex_in(e, CELL);
    int8_t *out = nn_ex_out(e, 0);
    const int32_t S = d->state_dim, I = d->input_dim;
    const uint32_t buf_elems = NN_ALIGN_UP((uint32_t)(d->batch * S) * 2u) / 2u;
    int16_t *buf0 = e->scratch, *buf1 = buf0 + buf_elems, *buf2 = buf1 + buf_elems, *buf3 = buf2 + buf_elems;
    const int8_t *w_in[4], *w_rec[4];
    const int32_t *bias[4];
    for (int g = 0; g < 4; g++) {
        w_in[g] = nn_ex_in(e, kWIn[g]);
        w_rec[g] = nn_ex_in(e, kWRec[g]);
        bias[g] = nn_ex_in(e, kBias[g]);
    }
    const int32_t rows = d->time_major ? d->batch : 1; /* batch rows per step */
    const int32_t outer = d->time_major ? 1 : d->batch;
    const uint32_t n = (uint32_t)(rows * S);
    for (int32_t b = 0; b < outer; b++) {
        int8_t *h = hidden + (size_t)b * (size_t)S;
        int16_t *c = cell + (size_t)b * (size_t)S;
        for (int32_t t = 0; t < d->steps; t++) {
            const size_t step = (size_t)b * (size_t)d->steps + (size_t)t;
            const int8_t *xt = x + step * (size_t)rows * (size_t)I;
            int16_t *gates[4] = { buf0, buf1, buf2, buf1 };
            for (int g = 0; g < 3; g++) {
                int16_t *gate = gates[g];
                fc_int16(&d->in_fc[g], xt, rows, I, w_in[g], bias[g], S, gate);
                fc_int16(&d->rec_fc[g], h, rows, S, w_rec[g], NULL, S, buf3);
                add_sat16(gate, buf3, n);
                if (g == GATE_C) {
                    tanh_pow(-12, n, gate, gate); /* Q3.12 input */
                } else {
                    nn_logistic_i16(0, 0, n, gate, gate);
                }
            }
            /* c = forget * c + input * cell, clipped. */
            mul_i16(&d->forget_cell, buf0, c, n, c);
            mul_i16(&d->input_cell, buf1, buf2, n, buf1);
            add_sat16(c, buf1, n);
            if (d->cell_clip > 0) {
                for (uint32_t i = 0; i < n; i++) c[i] = (int16_t)nn_clamp32(c[i], -d->cell_clip, d->cell_clip);
            }
            /* Output gate (uses the previous hidden state), then h = tanh(c) * o. */
            fc_int16(&d->in_fc[GATE_O], xt, rows, I, w_in[GATE_O], bias[GATE_O], S, buf1);
            fc_int16(&d->rec_fc[GATE_O], h, rows, S, w_rec[GATE_O], NULL, S, buf3);
            add_sat16(buf1, buf3, n);
            nn_logistic_i16(0, 0, n, buf1, buf1);
            tanh_pow(d->cell_power, n, c, buf0);
            mul_i8(&d->hidden, buf0, buf1, n, h);
            memcpy(out + step * (size_t)rows * (size_t)S, h, n);
        }
    }
    return NN_OK;
}

const nn_kernel nn_kernel_lstm = { 44, NN_OPT_UNIDIRECTIONAL_LSTM, 0, lstm_prepare, lstm_eval };
