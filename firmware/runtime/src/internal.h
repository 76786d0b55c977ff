/* internal.h: the runtime's private structures, shared by its stages
 * (decode -> validate/sidetable -> instance -> interp, plus native and store).
 * Nothing here is part of the API. */
#ifndef WR_INTERNAL_H
#define WR_INTERNAL_H

#include <stdarg.h>
#include <string.h>

#include "wr.h"
#include "wr_config.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "wasm memory is little-endian and the runtime reads it with memcpy: little-endian targets only"
#endif

typedef uint64_t wr_slot; /* one value-stack slot holds any value */

#define WR_PAGE      65536u
#define WR_MAX_PAGES 65536u
#define WR_NONE      0xFFFFFFFFu

/* Opcodes the stages refer to by name. */
enum {
    OP_UNREACHABLE = 0x00,
    OP_NOP = 0x01,
    OP_BLOCK = 0x02,
    OP_LOOP = 0x03,
    OP_IF = 0x04,
    OP_ELSE = 0x05,
    OP_END = 0x0B,
    OP_BR = 0x0C,
    OP_BR_IF = 0x0D,
    OP_BR_TABLE = 0x0E,
    OP_RETURN = 0x0F,
    OP_CALL = 0x10,
    OP_CALL_INDIRECT = 0x11,
    OP_DROP = 0x1A,
    OP_SELECT = 0x1B,
    OP_SELECT_T = 0x1C,
    OP_LOCAL_GET = 0x20,
    OP_LOCAL_SET = 0x21,
    OP_LOCAL_TEE = 0x22,
    OP_GLOBAL_GET = 0x23,
    OP_GLOBAL_SET = 0x24,
    OP_TABLE_GET = 0x25,
    OP_TABLE_SET = 0x26,
    OP_I32_LOAD = 0x28,
    OP_I64_STORE32 = 0x3E,
    OP_MEMORY_SIZE = 0x3F,
    OP_MEMORY_GROW = 0x40,
    OP_I32_CONST = 0x41,
    OP_I64_CONST = 0x42,
    OP_F32_CONST = 0x43,
    OP_F64_CONST = 0x44,
    OP_REF_NULL = 0xD0,
    OP_REF_IS_NULL = 0xD1,
    OP_REF_FUNC = 0xD2,
    OP_PREFIX_FC = 0xFC,
};
/* 0xFC sub-opcodes past the saturating truncations (0..7). */
enum {
    FC_MEMORY_INIT = 8,
    FC_DATA_DROP = 9,
    FC_MEMORY_COPY = 10,
    FC_MEMORY_FILL = 11,
    FC_TABLE_INIT = 12,
    FC_ELEM_DROP = 13,
    FC_TABLE_COPY = 14,
    FC_TABLE_GROW = 15,
    FC_TABLE_SIZE = 16,
    FC_TABLE_FILL = 17,
    FC_LAST = 17,
};

enum { EXT_FUNC = 0, EXT_TABLE = 1, EXT_MEMORY = 2, EXT_GLOBAL = 3 };
enum { SEG_ACTIVE = 0, SEG_PASSIVE = 1, SEG_DECLARATIVE = 2 };

/* ------------------------------------------------------------ module */
typedef struct wr_functype {
    uint16_t nparams, nresults;
    uint32_t canon;        /* index of the first structurally equal type */
    const uint8_t *params; /* valtype bytes, in the module (in place) */
    const uint8_t *results;
} wr_functype;

/* One side-table entry: where a taken branch goes. ip is relative to the
 * branch's opcode; st is the byte offset from this entry to the entry the
 * target's code starts at (bytes, so stepping needs no multiply). On the way the
 * top `arity` values are kept and the `drop` values under them discarded. */
typedef struct wr_ste {
    int32_t ip;
    int32_t st;
    uint16_t arity;
    uint16_t drop;
} wr_ste;

typedef struct wr_funcdef {
    const uint8_t *code;   /* first instruction (after the local declarations) */
    const uint8_t *end;    /* the body's final `end` opcode */
    const uint8_t *locals; /* local declarations (for the validator) */
    uint32_t st;           /* index of its first side-table entry */
    uint32_t nlocals;      /* declared locals after the params, zeroed on entry */
    uint32_t frame_slots;  /* params + locals + deepest operand stack */
    uint32_t type;
    bool narrow; /* every local/global index is one LEB128 byte */
} wr_funcdef;

typedef struct wr_limits32 {
    uint32_t min, max;
    bool has_max;
} wr_limits32;

typedef struct wr_tabletype {
    uint8_t elem;
    wr_limits32 lim;
} wr_tabletype;

typedef struct wr_globaltype {
    uint8_t type;
    bool mut;
    const uint8_t *init; /* constant expression (defined globals) */
} wr_globaltype;

typedef struct wr_import {
    const uint8_t *module, *name;
    uint32_t module_len, name_len;
    uint8_t kind;
    uint32_t index; /* in the index space of its kind */
} wr_import;

typedef struct wr_export {
    const uint8_t *name;
    uint32_t name_len;
    uint8_t kind;
    uint32_t index;
} wr_export;

typedef struct wr_elemseg {
    uint8_t mode, elem;
    bool exprs; /* items are constant expressions, not function indices */
    uint32_t table;
    const uint8_t *offset;
    uint32_t count;
    const uint8_t *items;
} wr_elemseg;

typedef struct wr_dataseg {
    uint8_t mode;
    uint32_t mem;
    const uint8_t *offset;
    const uint8_t *data;
    uint32_t len;
} wr_dataseg;

struct wr_module {
    wr_store *store;
    const uint8_t *bytes;
    size_t len;
    uint32_t ntypes, nimports, nexports;
    uint32_t nfuncs, nfunc_imports; /* function index space */
    uint32_t ntables, ntable_imports;
    uint32_t nmems, nmem_imports;
    uint32_t nglobals, nglobal_imports;
    uint32_t nelems, ndatas, ncodes;
    uint32_t start;     /* the start function, if has_start */
    uint32_t datacount; /* the data count section's value, if has_datacount */
    bool has_start;     /* flags, not sentinels: every u32 is a valid index or count */
    bool has_datacount;
    uint32_t nst;
    uint32_t ram_bytes;
    wr_functype *types;
    wr_import *imports;
    wr_export *exports;
    uint32_t *func_type; /* per function index */
    wr_funcdef *defs;    /* per defined function */
    wr_tabletype *tables;
    wr_limits32 *mems;
    wr_globaltype *globals;
    wr_elemseg *elems;
    wr_dataseg *datas;
    wr_ste *st;
    uint8_t *declared;              /* bit per function: may be ref.func'd */
    const struct wr_aot_image *aot; /* from wr_aot_load: the code to run (aot.c) */
};

/* ------------------------------------------------------------ instances */
struct wr_func {
    const wr_functype *type; /* canonical within its module */
    wr_instance *inst;       /* the owner; for natives the importing instance */
    const wr_funcdef *def;   /* NULL for a native */
    const wr_ste *st;        /* its first side-table entry */
    const wr_native *native;
    uint32_t index;    /* function index in its module (for messages) */
    uint32_t ptr_args; /* a native's '*' parameters, bit i for parameter i: read from its signature once, at link */
};

struct wr_global {
    wr_slot val;
    struct wr_store *store; /* its value may be in AOT code's context (wr__aot_settle) */
    uint8_t type;
    bool mut;
};

struct wr_memory {
    uint8_t *data;
    uint64_t bytes;    /* accessible: min(pages * 64 KiB, limit) */
    uint64_t capacity; /* allocated */
    uint32_t pages, max_pages;
    bool has_max;
    wr_store *store;
};

struct wr_table {
    uintptr_t *elems;
    uint32_t size, max, capacity;
    uint8_t elem;
    bool has_max;
    wr_store *store;
};

typedef struct wr_elemrt {
    uint32_t count; /* 0 once dropped */
    uintptr_t *refs;
} wr_elemrt;

struct wr_instance {
    wr_store *store;
    const wr_module *mod;
    wr_func **funcs;
    wr_table **tables;
    wr_memory *mem;
    wr_global **globals;
    wr_elemrt *elems;
    uint8_t *data_dropped;
    struct wr_aot_inst *aot; /* the native code's context, for a module from wr_aot_load */
    wr_instance *next;
};

/* ------------------------------------------------------------ store */
typedef struct wr_frame {
    const uint8_t *ip;
    const wr_ste *stp;
    wr_slot *fp;
    const wr_func *func; /* NULL: return to the host */
#if WR_SPECIALIZE
    const void *const *dt; /* the caller's dispatch table */
#endif
} wr_frame;

typedef struct wr_natives {
    const wr_native *table;
    size_t count;
    struct wr_natives *next;
} wr_natives;

typedef struct wr_registered {
    char *name;
    size_t len;
    wr_instance *inst;
    struct wr_registered *next;
} wr_registered;

typedef struct wr_block wr_block; /* allocation header */

/* The interpreter's less frequently used state, kept in memory so that the
 * hot values (ip, sp, fp, the cached top of stack, memory base) get the
 * registers. Saved and restored around nested (native -> wasm) calls. */
typedef struct wr_vm {
    const wr_ste *stp;   /* side-table cursor, in step with ip */
    const uint8_t *fend; /* the current function's final end */
    uint64_t mem_size;   /* accessible bytes of the current memory */
    const wr_func *cur;  /* NULL before the first frame */
    wr_instance *inst;
    wr_frame *frame; /* first free frame */
    int64_t fuel;    /* units left; a call traps when it goes below 0 */
} wr_vm;

struct wr_store {
    wr_vm vm;
    wr_allocator alloc;
    wr_limits limits;
    wr_slot *stack, *stack_end, *sp;       /* sp: first free slot between calls */
    wr_frame *frames, *frames_end, *frame; /* frame: first free frame */
    wr_natives *natives;
    wr_registered *registered;
    wr_instance *instances;
    wr_block *blocks;
    size_t allocated, peak;
    wr_status status;
    char msg[WR_MESSAGE_BYTES];
    /* the last trap's call stack, innermost first (reset with each message) */
    wr_trap_frame trap_frames[WR_TRAP_FRAMES];
    uint32_t trap_nframes, trap_depth;
    /* AOT code's native stack: its budget, and the lowest SP while a call runs */
    uint32_t aot_stack_bytes;
    uintptr_t aot_stack_limit;
    uint32_t aot_depth;    /* nested AOT calls running (through natives) */
    uint32_t table_writes; /* counts writes to any table: AOT code's copies follow it */
    /* the AOT instance calling a native: its mutable globals and fuel are still in its
   * context, handed back only if the native looks at them (wr__aot_settle) */
    struct wr_aot_inst *aot_live;
};

struct wr_native_ctx {
    const wr_native *native;
    wr_instance *inst; /* the caller */
    bool trapped;      /* wr_native_trap set the message */
};

/* ------------------------------------------------------------ store.c */
void *wr__alloc(wr_store *s, size_t size);     /* zeroed; NULL + WR_ERR_NOMEM message */
void *wr__alloc_raw(wr_store *s, size_t size); /* not zeroed */
void wr__free(wr_store *s, void *p);
void *wr__resize(wr_store *s, void *p, size_t new_size); /* needs alloc.resize */
/* Formats the store's message and returns st. Format: %s (C string), %S
 * (uint32 length, pointer: raw bytes), %u (uint32), %U (uint64), %x (uint32
 * as 0x hex). */
wr_status wr__fail(wr_store *s, wr_status st, const char *fmt, ...);
wr_status wr__vfail(wr_store *s, wr_status st, const char *fmt, va_list ap);

/* ------------------------------------------------------------ decode.c */
typedef struct wr_reader {
    const uint8_t *p, *end, *base;
    wr_store *s;
    wr_status err; /* sticky: once set, reads return 0 */
} wr_reader;

wr_status wr__decode(wr_store *s, wr_module *m, uint32_t *max_depth);
uint32_t wr__rd_u32(wr_reader *r);
int32_t wr__rd_s32(wr_reader *r);
int64_t wr__rd_s64(wr_reader *r);
int64_t wr__rd_s33(wr_reader *r);
uint8_t wr__rd_byte(wr_reader *r);
bool wr__rd_fail(wr_reader *r, wr_status st, const char *what);
/* Skips one instruction starting at r->p (opcode included); *depth tracks
 * block nesting. Counts side-table entries into *entries if not NULL. */
bool wr__skip_instr(wr_reader *r, const wr_module *m, uint32_t *depth, uint32_t *entries);
/* Same parameter and result types. */
bool wr__functype_eq(const wr_functype *a, const wr_functype *b);
/* Fast LEB128 for validated code. */
static inline uint32_t wr__leb_u32(const uint8_t **pp)
{
    const uint8_t *p = *pp;
    uint32_t v = *p++;
    if (v & 0x80) {
        uint32_t shift = 7;
        v &= 0x7F;
        uint8_t b;
        do {
            b = *p++;
            v |= (uint32_t)(b & 0x7F) << shift;
            shift += 7;
        } while (b & 0x80);
    }
    *pp = p;
    return v;
}

/* ------------------------------------------------------------ validate.c */
wr_status wr__validate(wr_store *s, wr_module *m, uint32_t max_depth);

/* ------------------------------------------------------------ sidetable.c */
typedef struct wr_st_builder {
    wr_ste *st;
    uint32_t next, cap;
    const uint8_t *fbase; /* ip fields hold offsets from here until patched */
} wr_st_builder;
uint32_t wr__st_emit(wr_st_builder *b, const uint8_t *opcode, uint32_t arity, uint32_t drop);
/* Pending forward branches are chained through their st field. */
void wr__st_chain(wr_st_builder *b, uint32_t entry, uint32_t *head);
void wr__st_resolve(wr_st_builder *b, uint32_t head, const uint8_t *target, uint32_t target_st);
void wr__st_set(wr_st_builder *b, uint32_t entry, const uint8_t *target, uint32_t target_st);

/* ------------------------------------------------------------ memory.c */
/* A new memory or table of the declared size, within the store's limits. */
wr_status wr__memory_new(wr_store *s, wr_memory *mem, const wr_limits32 *l);
wr_status wr__table_new(wr_store *s, wr_table *t, const wr_tabletype *tt);
/* memory.grow: the old size in pages, or -1. */
int32_t wr__memory_grow(wr_memory *mem, uint32_t n);
/* table.grow: false if the table cannot grow by n; *old is the size before. */
bool wr__table_grow(wr_table *t, uint32_t n, uintptr_t init, uint32_t *old);

/* ------------------------------------------------------------ instance.c */
/* Evaluates a validated constant expression. */
wr_slot wr__const_expr(const wr_instance *inst, const uint8_t *expr);
/* Where a trap happened, for the message. */
wr_status wr__trap(wr_store *s, wr_status st, const wr_func *f, const uint8_t *ip, const char *detail);
/* After a trap (never on the way to one): appends one frame, f at ip, to the
 * store's trap frames. The interpreter walks its own frames (wr_frame's layout
 * depends on WR_SPECIALIZE, which differs between interp.c and the files built
 * for size), each level a trap passes through adding its own, innermost first. */
void wr__trap_frame(wr_store *s, const wr_func *f, const uint8_t *ip);

/* ------------------------------------------------------------ interp.c */
/* Runs f with its arguments at args[0..nparams) on the store's value stack;
 * results replace them. */
wr_status wr__execute(wr_store *s, const wr_func *f, wr_slot *args);

/* ------------------------------------------------------------ module.c */
/* Gives back a loaded module's memory (newest first). */
void wr__module_free(wr_store *s, wr_module *m);

/* ------------------------------------------------------------ aot.c */
/* An instance of a module from wr_aot_load: its context, once its imports are
 * linked and before its segments and start function run. */
wr_status wr__aot_attach(wr_store *s, wr_instance *inst);
/* wr__execute for a function with AOT code (same contract). */
wr_status wr__aot_execute(wr_store *s, const wr_func *f, wr_slot *args);
/* (aot_helpers.c) The state a native's caller keeps in its context handed back to the
 * runtime: before anything reads or writes a global or the fuel, or runs wasm code. */
void wr__aot_flush(wr_store *s);
static inline void wr__aot_settle(wr_store *s)
{
    if (s->aot_live) wr__aot_flush(s);
}
/* The store's fuel as it stands while an AOT instance calls a native. */
int64_t wr__aot_fuel(const wr_store *s);

/* ------------------------------------------------------------ native.c */
bool wr__native_matches(const wr_native *n, const wr_functype *t);
/* The '*' parameters of a checked signature as a bit set (bit i: parameter i). */
uint32_t wr__native_ptr_args(const wr_native *n);
wr_status wr__native_check(wr_store *s, const wr_native *n);
wr_status wr__call_native(wr_store *s, const wr_func *f, wr_instance *caller, wr_slot *args);
/* The same with the arguments as wr_args (an i32's upper half zero), the results over them. */
wr_status wr__call_native_args(wr_store *s, const wr_func *f, wr_instance *caller, wr_arg *args);
const wr_native *wr__find_native(const wr_store *s, const uint8_t *module, uint32_t module_len, const uint8_t *name,
                                 uint32_t name_len);

#endif /* WR_INTERNAL_H */
