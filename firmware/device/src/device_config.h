/* Memory budget of the device; a board may override any of these with -D. */
#ifndef WASMCU_DEVICE_CONFIG_H
#define WASMCU_DEVICE_CONFIG_H

/* RAM for the runtime: module metadata, side table, stacks and the app's linear memory. */
#ifndef DEV_RUNTIME_ARENA_BYTES
#define DEV_RUNTIME_ARENA_BYTES (96u * 1024u)
#endif
/* RAM for the inference engine (see `wasmcu model info` for a model's need). */
#ifndef DEV_NN_ARENA_BYTES
#define DEV_NN_ARENA_BYTES (112u * 1024u)
#endif
/* Input bytes the MLPerf Tiny runner can load with `db load N%`. */
#ifndef DEV_MLPERF_DB_BYTES
#define DEV_MLPERF_DB_BYTES (8u * 1024u)
#endif
/* During a long `infer N W%`, a line "m-infer-progress-K" this often (microseconds), so that
 * the MLPerf runner's 5-second wait for a line does not run out. */
#ifndef DEV_MLPERF_BEAT_US
#define DEV_MLPERF_BEAT_US 1000000u
#endif
/* The app's linear memory (AssemblyScript apps are built for one 64 KiB page). */
#ifndef DEV_APP_MEMORY_BYTES
#define DEV_APP_MEMORY_BYTES (64u * 1024u)
#endif
#ifndef DEV_STACK_SLOTS
#define DEV_STACK_SLOTS 1024u
#endif
#ifndef DEV_CALL_DEPTH
#define DEV_CALL_DEPTH 96u
#endif
/* C stack an AOT app's code may take (its call depth is bounded by it); natives called from it
 * and the device's own frames come on top (the rp2040's main stack is 16 KiB). */
#ifndef DEV_AOT_STACK_BYTES
#define DEV_AOT_STACK_BYTES (8u * 1024u)
#endif
/* Fuel per call of setup() or loop(): a runaway app traps instead of hanging the link. */
#ifndef DEV_FUEL_PER_CALL
#define DEV_FUEL_PER_CALL 50000000u
#endif
/* An app built with the minimal runtime is collected after setup(), after every CALL and after
 * every this many loop() calls: a collection marks every live object (about 200 K emulated
 * cycles for the bench app), too much for a loop that runs every millisecond. Between two
 * collections the loops together must fit in what the app's memory has free. */
#ifndef DEV_GC_EVERY_LOOPS
#define DEV_GC_EVERY_LOOPS 16u
#endif

/* How often the device looks at the link while the app sleeps, in microseconds. */
#ifndef DEV_POLL_US
#define DEV_POLL_US 10000u
#endif

/* OTA: bytes of state records per slot pair (two halves of whole erase units), kept at the
 * start of the settings region (app pair, then model pair). */
#ifndef DEV_OTA_STATE_BYTES
#define DEV_OTA_STATE_BYTES (2u * WASMCU_FLASH_ERASE_SIZE)
#endif
/* OTA program unit: the RP2040's flash page; the host board accepts any. */
#ifndef DEV_OTA_PROG_BYTES
#define DEV_OTA_PROG_BYTES 256u
#endif
/* Boots an unconfirmed (trial) image gets before it is rolled back. */
#ifndef DEV_OTA_MAX_TRIAL_BOOTS
#define DEV_OTA_MAX_TRIAL_BOOTS 3u
#endif

#endif
