/* wr.h: the wasmcu WebAssembly runtime (WebAssembly 2.0 core, no SIMD).
 *
 * An in-place interpreter: a module's bytes stay where the caller keeps them
 * (flash on a device) and are executed as they are; loading validates them and
 * builds only a compact side table of branch targets. Everything is allocated
 * at load and instantiate time through the embedder's allocator; calls never
 * allocate and never recurse on the C stack. Errors and traps are values: a
 * wr_status code plus a message (wr_store_error) that says what and where.
 *
 * Usage on a device (one store, one app, natives in flash):
 *
 *   static uint8_t arena[48 * 1024] __attribute__((aligned(8)));
 *   static wr_status log_str(wr_native_ctx *ctx, const wr_arg *a, wr_arg *r) {
 *     (void)r; uart_write(wr_native_user(ctx), a[0].ptr, (size_t)a[1].i32);
 *     return WR_OK;                    // or: return wr_native_trap(ctx, "uart down");
 *   }
 *   static const wr_native natives[] = {
 *     { "wasmcu", "log", "(*~)", log_str, &uart0 },   // (ptr, len) checked
 *     { "env", "abort", "(iiii)", env_abort, NULL },
 *   };
 *
 *   wr_bump bump; wr_allocator alloc; wr_limits lim; wr_store *s;
 *   wr_module *m; wr_instance *app;
 *   wr_bump_init(&bump, &alloc, arena, sizeof arena);
 *   wr_limits_default(&lim);
 *   lim.max_memory_bytes = 16 * 1024;   // less than one 64 KiB page is fine
 *   lim.stack_slots = 1024; lim.call_depth = 64;
 *   if (wr_store_new(&alloc, &lim, &s) != WR_OK) fail("no RAM");
 *   wr_store_add_natives(s, natives, 2);
 *   if (wr_module_load(s, app_flash, app_len, &m) != WR_OK ||
 *       wr_instantiate(s, m, &app) != WR_OK) fail(wr_store_error(s));
 *   wr_func *loop = wr_instance_func(app, "loop");
 *   for (;;) {
 *     wr_store_set_fuel(s, 1000000);   // a watchdog for runaway loops
 *     wr_status st = wr_call(loop, NULL, 0, NULL, 0);
 *     if (st != WR_OK) report(wr_status_name(st), wr_store_error(s));
 *   }
 */
#ifndef WR_H
#define WR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------ status codes */
typedef enum wr_status {
    WR_OK = 0,
    /* API and resources */
    WR_ERR_ARG,       /* a bad argument to an API function */
    WR_ERR_NOMEM,     /* the embedder's allocator refused */
    WR_ERR_LIMIT,     /* the module exceeds a limit of wr_limits / wr_config.h */
    WR_ERR_NOT_FOUND, /* no export of that name and kind */
    WR_ERR_TYPE,      /* argument or value of the wrong type / count */
    /* loading */
    WR_ERR_MALFORMED, /* the bytes are not a well-formed binary module */
    WR_ERR_INVALID,   /* well formed, but fails validation */
    /* linking */
    WR_ERR_UNLINKABLE,  /* an import is missing or has an incompatible type */
    WR_ERR_UNSUPPORTED, /* valid, but this build or target cannot run it (e.g. AOT code) */
    /* traps: execution (or instantiation) stopped */
    WR_TRAP_UNREACHABLE,
    WR_TRAP_MEMORY_OOB,
    WR_TRAP_TABLE_OOB,
    WR_TRAP_DIV_ZERO,
    WR_TRAP_INT_OVERFLOW,
    WR_TRAP_CONVERSION,
    WR_TRAP_UNDEFINED_ELEMENT,
    WR_TRAP_UNINITIALIZED_ELEMENT,
    WR_TRAP_INDIRECT_TYPE,
    WR_TRAP_STACK_EXHAUSTED, /* call depth or value stack limit reached */
    WR_TRAP_FUEL,            /* the fuel budget ran out */
    WR_TRAP_NATIVE,          /* a native function trapped */
    WR_STATUS_COUNT
} wr_status;

/* A constant name for the code ("out of bounds memory access", ...). */
const char *wr_status_name(wr_status st);
/* True for the WR_TRAP_* codes. */
bool wr_status_is_trap(wr_status st);

/* ------------------------------------------------------------ values */
typedef enum wr_type {
    WR_I32 = 0x7F,
    WR_I64 = 0x7E,
    WR_F32 = 0x7D,
    WR_F64 = 0x7C,
    WR_FUNCREF = 0x70,
    WR_EXTERNREF = 0x6F,
} wr_type;

/* A typed value. Floats can be read or written as bits (u32/u64) so NaN
 * payloads survive. funcref is a wr_func* (NULL = null); externref is any
 * pointer the embedder chooses (NULL = null). */
typedef struct wr_value {
    wr_type type;
    union {
        int32_t i32;
        int64_t i64;
        uint32_t u32;
        uint64_t u64;
        float f32;
        double f64;
        void *ref;
    } of;
} wr_value;

/* ------------------------------------------------------------ allocation */
/* The embedder's allocator. alloc returns 8-byte aligned memory or NULL.
 * free may be NULL (nothing is returned); the loader frees its scratch in
 * last-in first-out order so a bump allocator can take it back. resize may
 * be NULL: linear memories and tables are then reserved at their limit when
 * instantiated, and memory.grow / table.grow never allocate. */
typedef struct wr_allocator {
    void *(*alloc)(void *user, size_t size);
    void (*free)(void *user, void *ptr, size_t size);
    void *(*resize)(void *user, void *ptr, size_t old_size, size_t new_size);
    void *user;
} wr_allocator;

/* A bump allocator over a caller-owned buffer: frees of the most recent
 * allocation are taken back, others are ignored. */
typedef struct wr_bump {
    uint8_t *base;
    size_t size;
    size_t top;
    size_t peak;
} wr_bump;
void wr_bump_init(wr_bump *bump, wr_allocator *out, void *buffer, size_t size);

/* ------------------------------------------------------------ limits */
typedef struct wr_limits {
    uint64_t max_memory_bytes; /* per linear memory; may be less than one page:
                                memory.size still counts whole pages, but
                                accesses past this many bytes trap and
                                memory.grow fails beyond it */
    uint32_t stack_slots;      /* value stack, 8 bytes per slot */
    uint32_t call_depth;       /* nested wasm calls */
    uint32_t max_table_elems;  /* per table */
} wr_limits;
void wr_limits_default(wr_limits *limits);

/* ------------------------------------------------------------ handles */
typedef struct wr_store wr_store;       /* owns everything below */
typedef struct wr_module wr_module;     /* a validated module */
typedef struct wr_instance wr_instance; /* an instantiated module */
typedef struct wr_func wr_func;
typedef struct wr_table wr_table;
typedef struct wr_memory wr_memory;
typedef struct wr_global wr_global;

/* A store: the allocator, limits, value and call stacks, the natives and the
 * instances. Deleting it frees everything it owns (modules, instances). */
wr_status wr_store_new(const wr_allocator *alloc, const wr_limits *limits, wr_store **out);
void wr_store_delete(wr_store *s);
/* The message of the last error or trap in this store, e.g.
 * "out of bounds memory access in function 4 at offset 0x1a3". */
const char *wr_store_error(const wr_store *s);
/* One frame of the wasm call stack at a trap: the function (index in the
 * module's function index space, imports first, as the name section counts)
 * and the offset in the module's bytes of the instruction that trapped (the
 * innermost frame) or of the call it is in (every other frame). */
typedef struct wr_trap_frame {
    uint32_t func;
    uint32_t offset;
} wr_trap_frame;
/* The wasm call stack of the last trap, innermost first: sets *frames and
 * returns how many are kept (at most WR_TRAP_FRAMES; the outermost are
 * dropped from a deeper stack, and *depth, if not NULL, gets the full
 * depth). A trap in a native counts from the wasm call to it. 0 after an
 * error that is not a trap in wasm code (load, link, argument errors). */
size_t wr_store_trap_frames(const wr_store *s, const wr_trap_frame **frames, uint32_t *depth);
/* Fuel for the following calls: decremented on every call and backward
 * branch; at zero the call traps with WR_TRAP_FUEL. UINT64_MAX (the default)
 * means unlimited. */
void wr_store_set_fuel(wr_store *s, uint64_t fuel);
uint64_t wr_store_fuel(const wr_store *s);

typedef struct wr_store_stats {
    size_t bytes_allocated;   /* now, through the allocator, all objects */
    size_t peak_bytes;        /* most ever allocated at once */
    size_t value_stack_bytes; /* part of the above */
    size_t call_stack_bytes;  /* part of the above */
} wr_store_stats;
void wr_store_stats_get(const wr_store *s, wr_store_stats *out);

/* ------------------------------------------------------------ natives */
/* A union for native arguments and results, in the order of the signature. */
typedef union wr_arg {
    int32_t i32;
    int64_t i64;
    float f32;
    double f64;
    void *ptr; /* for '*': a host pointer into the caller's linear memory */
} wr_arg;

typedef struct wr_native_ctx wr_native_ctx;
typedef wr_status (*wr_native_fn)(wr_native_ctx *ctx, const wr_arg *args, wr_arg *results);

/* A host function importable as module.name. The signature is
 * "(PARAMS)RESULTS" with i = i32, I = i64, f = f32, F = f64, and the pair
 * "*~" = a (pointer, length) pair of i32s: before the native runs, the range
 * is checked against the caller's linear memory (a trap if it is out of
 * bounds) and the native gets a host pointer and the length. */
typedef struct wr_native {
    const char *module;
    const char *name;
    const char *signature;
    wr_native_fn fn;
    void *user;
} wr_native;

/* Registers a table of natives (kept by pointer: it must outlive the store).
 * Signatures are checked here. */
wr_status wr_store_add_natives(wr_store *s, const wr_native *natives, size_t count);
void *wr_native_user(const wr_native_ctx *ctx);
/* The calling instance, e.g. for wr_memory_ptr. */
wr_instance *wr_native_instance(const wr_native_ctx *ctx);
/* Records a trap message; returns WR_TRAP_NATIVE for the native to return. */
wr_status wr_native_trap(wr_native_ctx *ctx, const char *msg);

/* ------------------------------------------------------------ modules */
/* Decodes and validates a module. The bytes are NOT copied: they must stay
 * valid and unchanged as long as the store lives. */
wr_status wr_module_load(wr_store *s, const uint8_t *bytes, size_t len, wr_module **out);

typedef struct wr_module_info {
    uint32_t side_table_entries;
    uint32_t side_table_bytes; /* the only per-code RAM */
    uint32_t metadata_bytes;   /* all RAM of the module object, side table included */
    uint32_t functions;        /* defined (not imported) */
    uint32_t imports;
    uint32_t exports;
} wr_module_info;
void wr_module_info_get(const wr_module *m, wr_module_info *out);

/* ------------------------------------------------------------ instances */
/* Resolves imports (instances registered with wr_register first, then the
 * natives), allocates memory, tables and globals, runs the segment
 * initialisers and the start function. On a trap the status is the trap's
 * code; what the instance already wrote into imported memories and tables
 * stays, as the spec says. */
wr_status wr_instantiate(wr_store *s, const wr_module *m, wr_instance **out);
/* Makes an instance's exports importable under module name `name`. */
wr_status wr_register(wr_store *s, const char *name, size_t name_len, wr_instance *inst);

typedef enum wr_extern_kind { WR_EXTERN_FUNC, WR_EXTERN_TABLE, WR_EXTERN_MEMORY, WR_EXTERN_GLOBAL } wr_extern_kind;
typedef struct wr_extern {
    wr_extern_kind kind;
    union {
        wr_func *func;
        wr_table *table;
        wr_memory *memory;
        wr_global *global;
    } of;
} wr_extern;
wr_status wr_instance_export(wr_instance *inst, const char *name, size_t name_len, wr_extern *out);
/* Exports by position, 0 <= index < wr_instance_export_count(inst); the name
 * points into the module's bytes (not NUL-terminated). */
uint32_t wr_instance_export_count(const wr_instance *inst);
wr_status wr_instance_export_at(wr_instance *inst, uint32_t index, const char **name, size_t *name_len, wr_extern *out);
/* Shorthands for NUL-terminated names; NULL if there is no such export. */
wr_func *wr_instance_func(wr_instance *inst, const char *name);
wr_global *wr_instance_global(wr_instance *inst, const char *name);

/* ------------------------------------------------------------ functions */
uint32_t wr_func_param_count(const wr_func *f);
uint32_t wr_func_result_count(const wr_func *f);
wr_type wr_func_param_type(const wr_func *f, uint32_t i);
wr_type wr_func_result_type(const wr_func *f, uint32_t i);
/* Calls f. Argument types and counts are checked; results are written with
 * their types. On a trap the status is the trap's code and
 * wr_store_error says which and where. */
wr_status wr_call(wr_func *f, const wr_value *args, uint32_t nargs, wr_value *results, uint32_t nresults);

/* ------------------------------------------------------------ globals */
wr_type wr_global_type(const wr_global *g);
bool wr_global_mutable(const wr_global *g);
void wr_global_get(const wr_global *g, wr_value *out);
/* WR_ERR_TYPE if the global is immutable or the type differs. */
wr_status wr_global_set(wr_global *g, const wr_value *v);

/* ------------------------------------------------------------ memory */
/* The instance's memory 0 (imported or defined), or NULL. */
wr_memory *wr_instance_memory(wr_instance *inst);
/* Accessible bytes (less than pages * 64 KiB when the limit is). */
uint64_t wr_memory_bytes(const wr_memory *mem);
uint32_t wr_memory_pages(const wr_memory *mem);
/* A host pointer to [offset, offset+len) of the memory, or NULL if any of it
 * is out of bounds. Valid until the memory grows. */
void *wr_memory_ptr(wr_memory *mem, uint64_t offset, uint64_t len);
wr_status wr_memory_read(wr_memory *mem, uint64_t offset, void *dst, size_t len);
wr_status wr_memory_write(wr_memory *mem, uint64_t offset, const void *src, size_t len);

/* ------------------------------------------------------------ tables */
uint32_t wr_table_size(const wr_table *t);

/* ------------------------------------------------------------ ahead-of-time code */
/* An AOT image (.waot, from `wasmcu build --engine aot`; layout in
 * host-tools/src/aot/README.md): a module compiled to ARMv6-M Thumb, with the
 * module's own bytes embedded. It starts with the 4 bytes "\0aot" where a
 * plain module starts "\0asm", so an app slot says which engine runs it. */
#define WR_AOT_MAGIC "\0aot"
bool wr_aot_is_image(const uint8_t *bytes, size_t len);

/* SHA-256 of [data, data + len): the embedder's (a device has its OTA code's),
 * so the runtime carries no second copy. */
typedef void (*wr_sha256_fn)(const uint8_t *data, size_t len, uint8_t out[32]);

/* Checks an AOT image -- magic, format version, target, ABI version, every
 * section's place and entry, the embedded module against its SHA-256, the
 * function table and imports against the module -- then loads the embedded
 * module as wr_module_load does (decoded and validated) with the code
 * attached. wr_instantiate then builds memory, globals, tables and segments
 * from the module as for the interpreter and binds the imports (natives by
 * module, name and signature; their (pointer, length) checks stay), and
 * wr_call of any function of the instance runs its native code in place.
 * The image is NOT copied: it must stay valid, unchanged and executable
 * (flash on a device) as long as the store lives. Nothing is run and nothing
 * is kept on an error: WR_ERR_MALFORMED for a bad image (the message says
 * which field, at which byte), WR_ERR_UNSUPPORTED on a target that cannot run
 * Thumb code, or wr_module_load's status for a bad embedded module.
 * Trust: the code is native: the sandbox holds only if the compiler is right,
 * so a board that requires signed apps must run only signed images. */
wr_status wr_aot_load(wr_store *s, const uint8_t *image, size_t len, wr_sha256_fn sha256, wr_module **out);
/* True for a module from wr_aot_load. */
bool wr_module_is_aot(const wr_module *m);
/* The bytes of C stack AOT code may take below wr_call's own frame (call
 * depth is bounded by it: a deeper call traps WR_TRAP_STACK_EXHAUSTED). The
 * embedder's stack needs this plus what its natives take. Default
 * WR_AOT_STACK_BYTES (wr_config.h). */
void wr_store_set_aot_stack(wr_store *s, uint32_t bytes);

#ifdef __cplusplus
}
#endif
#endif /* WR_H */
