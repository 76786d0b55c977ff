/*
 * libFuzzer target over the model reader, the planner and every kernel's
 * prepare (and, for tiny models, one invoke): whatever the bytes, the engine
 * returns an error or runs, within bounds (ASan + UBSan watch).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* An aligned private copy, like a model in flash or an mmap. */
    uint8_t *model = aligned_alloc(16, (size + 16) & ~(size_t)15);
    if (model == NULL) return 0;
    memcpy(model, data, size);
    nn_error err;
    nn_model_summary sum;
    if (nn_model_summary_get(model, size, &sum, &err) == NN_OK) {
        for (size_t i = 0; i < sum.ops && i < 64; i++) {
            nn_op_info op;
            nn_model_op(model, size, i, &op, &err);
        }
        for (size_t i = 0; i < sum.tensors && i < 64; i++) {
            nn_tensor_info t;
            nn_model_tensor(model, size, i, &t, &err);
        }
    }
    size_t need;
    if (nn_arena_bytes(model, size, &need, &err) == NN_OK && need <= (1u << 20)) {
        uint8_t *arena = aligned_alloc(16, (need + 16) & ~(size_t)15);
        nn_interp *it;
        if (arena && nn_init(&it, model, size, arena, need, &err) == NN_OK) {
            for (size_t i = 0; i < nn_input_count(it); i++) {
                nn_tensor_info t;
                if (nn_input(it, i, &t) == NN_OK && t.data) memset(t.data, (int)(i * 37 + 1), t.bytes);
            }
            /* Bounded work: only tiny models run. */
            if (size <= 4096 && need <= 4096) nn_invoke(it);
            nn_reset(it);
        }
        free(arena);
    }
    free(model);
    return 0;
}
