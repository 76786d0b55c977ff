/* The model service: the device's one inference engine instance over the running model. Internal. */
#ifndef WASMCU_DEVICE_MODEL_H
#define WASMCU_DEVICE_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "link.h"
#include "nn.h"

/* Loads the active model (again if a newer one was installed). NULL on failure,
 * with the reason in *why. */
nn_interp *dev_model(const char **why);
/* Input (output = false) or output tensor i of `it` (what dev_model returned), as nn_input or
 * nn_output give it; the first few of each are described once per load, not per call. */
nn_status dev_model_tensor(nn_interp *it, bool output, size_t i, nn_tensor_info *t);

/* State tensors of the loaded model back to zero; nothing if none is loaded. */
void dev_model_reset_loaded(void);

/* The engine's RAM the loaded model leaves unused (past nn_arena_used), lent to a service
 * that needs a buffer only while this model stays loaded (the MLPerf runner's input bytes);
 * NULL if there is no model or no room. *token changes whenever another model is loaded. */
uint8_t *dev_model_spare(size_t *bytes, uint32_t *token);

typedef struct {
    nn_status status;
    uint64_t micros; /* wall time of the invoke */
    uint64_t cycles; /* CPU cycles where the board counts them, else 0 */
} dev_invoke_result;

dev_invoke_result dev_model_invoke(nn_interp *it);

/* The MODEL_* link commands on the running model; *detail says why one cannot run. */
/* → DATA(JSON), whole or the part the argument asks for (reply.h) */
link_status model_cmd_info(uint16_t seq, const uint8_t *p, size_t n, const char **detail);
link_status model_cmd_input(const uint8_t *p, size_t n, const char **detail);
link_status model_cmd_output(uint16_t seq, const uint8_t *p, size_t n, const char **detail);
link_status model_cmd_invoke(uint16_t seq, const char **detail); /* → DATA(status, micros, cycles) */
link_status model_cmd_reset(const char **detail);

#endif
