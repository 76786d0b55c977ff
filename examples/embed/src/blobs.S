/* The app, the model and the readings in flash, each 8-byte aligned (the engine reads the
 * model's tables in place). The paths come from CMake (EMBED_APP_WASM, EMBED_MODEL, EMBED_READINGS). */
    .section .rodata.embed_blobs, "a"
    .balign 8
    .global embed_app, embed_app_end
embed_app:
    .incbin EMBED_APP_PATH
embed_app_end:
    .balign 8
    .global embed_model, embed_model_end
embed_model:
    .incbin EMBED_MODEL_PATH
embed_model_end:
    .balign 8
    .global embed_samples, embed_samples_end
embed_samples:
    .incbin EMBED_READINGS_PATH
embed_samples_end:
