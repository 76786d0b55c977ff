/* The device's one inference engine instance over the active model slot. Internal. */
#ifndef WASMCU_DEVICE_MODEL_H
#define WASMCU_DEVICE_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "nn.h"

/* Loads the active model (again if a newer one was installed). NULL on failure,
 * with the reason in *why. */
nn_interp *dev_model(const char **why);
/* Forgets the loaded model (before its slot is rewritten). */
void dev_model_close(void);

typedef struct {
    nn_status status;
    uint64_t micros;  /* wall time of the invoke */
    uint64_t cycles;  /* CPU cycles where the board counts them, else 0 */
} dev_invoke_result;

dev_invoke_result dev_model_invoke(nn_interp *it);

/* The model natives of natives.def. */
#include "wr.h"
wr_status n_model_open(wr_native_ctx *ctx, const wr_arg *a, wr_arg *r);
wr_status n_model_count(wr_native_ctx *ctx, const wr_arg *a, wr_arg *r);
wr_status n_model_info(wr_native_ctx *ctx, const wr_arg *a, wr_arg *r);
wr_status n_model_write(wr_native_ctx *ctx, const wr_arg *a, wr_arg *r);
wr_status n_model_invoke(wr_native_ctx *ctx, const wr_arg *a, wr_arg *r);
wr_status n_model_read(wr_native_ctx *ctx, const wr_arg *a, wr_arg *r);
wr_status n_model_reset(wr_native_ctx *ctx, const wr_arg *a, wr_arg *r);
wr_status n_model_micros(wr_native_ctx *ctx, const wr_arg *a, wr_arg *r);

#endif
