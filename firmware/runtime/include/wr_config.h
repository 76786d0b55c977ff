/* wr_config.h: every tuning knob of the wasmcu WebAssembly runtime in one place.
 *
 * An embedder overrides a value by defining it before this header is read,
 * e.g. with -DWR_VALIDATE_STACK=512 on the compiler line. Run-time limits
 * (memory bytes, value-stack slots, call depth) are not here: the embedder
 * passes them in wr_limits when it creates a store; the defaults for those
 * are the WR_DEFAULT_* values below.
 */
#ifndef WR_CONFIG_H
#define WR_CONFIG_H

/* Default run-time limits (wr_limits_default). */
#ifndef WR_DEFAULT_MAX_MEMORY_BYTES
#define WR_DEFAULT_MAX_MEMORY_BYTES (64u * 1024u) /* one page */
#endif
#ifndef WR_DEFAULT_STACK_SLOTS
#define WR_DEFAULT_STACK_SLOTS 1024u /* 8 bytes each */
#endif
#ifndef WR_AOT_STACK_BYTES
#define WR_AOT_STACK_BYTES 8192u /* C stack AOT code may take (wr_store_set_aot_stack) */
#endif
#ifndef WR_DEFAULT_CALL_DEPTH
#define WR_DEFAULT_CALL_DEPTH 128u
#endif
#ifndef WR_DEFAULT_MAX_TABLE_ELEMS
#define WR_DEFAULT_MAX_TABLE_ELEMS 4096u
#endif

/* Load-time scratch used by the validator, allocated once per load and freed
 * (last-in first-out) before the load returns. A function that needs a deeper
 * operand stack or more nested blocks is rejected with WR_ERR_LIMIT. */
#ifndef WR_VALIDATE_STACK
#define WR_VALIDATE_STACK 4096u /* operand types, 1 byte each */
#endif
#ifndef WR_VALIDATE_BLOCKS
#define WR_VALIDATE_BLOCKS 256u /* nested blocks, ~48 bytes each */
#endif

/* Structural limits checked while decoding (a module over them gets
 * WR_ERR_LIMIT, naming the limit). They bound the RAM a hostile module can
 * make the loader allocate. */
#ifndef WR_MAX_TYPES
#define WR_MAX_TYPES 100000u
#endif
#ifndef WR_MAX_FUNCS
#define WR_MAX_FUNCS 100000u
#endif
#ifndef WR_MAX_IMPORTS
#define WR_MAX_IMPORTS 100000u
#endif
#ifndef WR_MAX_EXPORTS
#define WR_MAX_EXPORTS 100000u
#endif
#ifndef WR_MAX_GLOBALS
#define WR_MAX_GLOBALS 100000u
#endif
#ifndef WR_MAX_TABLES
#define WR_MAX_TABLES 100000u
#endif
#ifndef WR_MAX_SEGMENTS
#define WR_MAX_SEGMENTS 100000u
#endif
#ifndef WR_MAX_LOCALS
#define WR_MAX_LOCALS 50000u /* params + locals of one function */
#endif
#ifndef WR_MAX_FUNC_PARAMS
#define WR_MAX_FUNC_PARAMS 1000u /* params or results of one type */
#endif

/* Size of the per-store buffer holding the last error message. */
#ifndef WR_MESSAGE_BYTES
#define WR_MESSAGE_BYTES 160u
#endif

/* Frames of the wasm call stack a store keeps from its last trap
 * (wr_store_trap_frames), innermost first; 8 bytes each. */
#ifndef WR_TRAP_FRAMES
#define WR_TRAP_FRAMES 16u
#endif

/* Dispatch: 1 uses GCC/Clang labels-as-values (computed goto), 0 a switch.
 * Defaults to computed goto where the compiler supports it. */
#ifndef WR_COMPUTED_GOTO
#if defined(__GNUC__)
#define WR_COMPUTED_GOTO 1
#else
#define WR_COMPUTED_GOTO 0
#endif
#endif

/* Specialised dispatch (computed goto only): for functions whose local and
 * global indices are all one LEB128 byte, local.get/local.set dispatch on
 * the opcode after them, and i32.const on the operator after it, to handlers
 * doing both instructions at once (see interp.c). About 21% fewer host
 * instructions (sensor, coremark benchmarks); costs nine 256-entry tables
 * and their handlers (about 12 KB on a Cortex-M0+ at -O2). Off by default
 * when optimising for size. */
#ifndef WR_SPECIALIZE
#if WR_COMPUTED_GOTO && !defined(__OPTIMIZE_SIZE__)
#define WR_SPECIALIZE 1
#else
#define WR_SPECIALIZE 0
#endif
#endif

/* Compact memory access: all loads and stores but i32.load and i32.store
 * share one handler each (table-driven width and sign extension). About
 * 2.5 KB less code, a little slower for the narrow and 64-bit accesses. On
 * by default when optimising for size. */
#ifndef WR_COMPACT_MEMOPS
#if defined(__OPTIMIZE_SIZE__)
#define WR_COMPACT_MEMOPS 1
#else
#define WR_COMPACT_MEMOPS 0
#endif
#endif

/* Memory accesses for a target without unaligned loads and stores: there a
 * memcpy of an address not known to be aligned is a library call (~25
 * instructions for an i32.load on a Cortex-M0+). Wasm data is nearly always
 * aligned, so an aligned access becomes one instruction and the rest go
 * bytewise. On by default for ARMv6-M (GCC or Clang). */
#ifndef WR_STRICT_ALIGN
#if defined(__ARM_ARCH_6M__) && defined(__GNUC__)
#define WR_STRICT_ALIGN 1
#else
#define WR_STRICT_ALIGN 0
#endif
#endif

/* Fuel metering (wr_store_set_fuel). 0 compiles it out entirely. */
#ifndef WR_FUEL
#define WR_FUEL 1
#endif

#endif /* WR_CONFIG_H */
