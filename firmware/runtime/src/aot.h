/* aot.h: what aot.c (loader, linker, calls, trap mapping) and aot_helpers.c
 * (the runtime functions AOT code calls) share. Private to the runtime. */
#ifndef WR_AOT_H
#define WR_AOT_H

#include "aot_abi.h"
#include "internal.h"

/* AOT code is ARMv6-M Thumb: it runs on a 32-bit ARM core with the ARMv6
 * Thumb instructions (Cortex-M0+ and up, or an A-profile core in Thumb
 * state). Elsewhere wr_aot_load says WR_ERR_UNSUPPORTED. */
#if defined(__arm__) && defined(__ARM_ARCH) && __ARM_ARCH >= 6 && UINTPTR_MAX == 0xFFFFFFFFu
#define WR_AOT_RUNS 1
#else
#define WR_AOT_RUNS 0
#endif

#if WR_AOT_RUNS
/* The context AOT code keeps in r7 (fields at aot_abi.h's offsets). */
typedef struct wr_aot_ctx {
    uint8_t *mem_base;
    uint32_t mem_size;
    uint64_t *globals;
    uint32_t fuel;
    uint32_t stack_limit;
    uint32_t saved_sp;
    uint32_t *results;
    uint32_t trap_lr;
    void (*const *helpers)(void);
    uint32_t *table; /* table 0's entries: references (a descriptor's address, or 0) */
    uint32_t table_size;
    uint32_t arg_words;
    uint32_t *funcs;  /* descriptors {code address | 1, canonical type id}, imports first */
    uint32_t *tables; /* per table {entries address, size} (table 0's also above) */
    uint32_t mem_pages;
    uint32_t ref_trap; /* set by an import called through a reference that failed: where to go
                        * (the image's trap stub | 1), read by the import stub (aot_helpers.c) */
} wr_aot_ctx;

/* A module's image, checked (pointers into it; it stays where the caller keeps it). */
typedef struct wr_aot_image {
    const uint8_t *code;
    uint32_t code_size, entry, trap_stub;
    const uint8_t *funcs; /* {code offset, canonical type id} per defined function */
    const uint8_t *traps; /* {return offset, wasm offset, function | kind << 24}, sorted */
    uint32_t ntraps;
} wr_aot_image;

/* An instance's AOT state; the context comes first, so a helper's first
 * argument is the instance too. */
typedef struct wr_aot_inst {
    wr_aot_ctx ctx;
    wr_instance *inst;
    uint32_t **copies;   /* each table's entries as the code reads them (references) */
    uint32_t *caps;      /* their room, in entries */
    uint32_t table_seen; /* the store's table_writes when the copies were made */
    uint32_t fuel_given; /* ctx.fuel when the code was entered */
    wr_status pending;   /* why the last import call failed (its trap site reports it) */
} wr_aot_inst;

/* The helper table (aot_helpers.c), indexed by WR_AOT_HELPER_*. */
extern void (*const wr__aot_helpers[WR_AOT_HELPER_COUNT])(void);
/* Import k's stub for descriptors (k < WR_AOT_IMPORT_STUBS): the code's calling convention on
 * one side, the import call on the other. */
#define WR_AOT_IMPORT_STUBS 64
extern const uint16_t wr__aot_import_stubs[];
uint64_t wr__aot_call_by_ref(wr_aot_ctx *c, uint32_t k, uint32_t *args);
/* What the code caches from the instance and the store, before it runs (or runs
 * on after an import returns), and back after it returns or traps (or before
 * it calls an import); the memory fields alone after memory.grow. */
wr_status wr__aot_enter(wr_store *s, wr_aot_inst *ai);
void wr__aot_leave(wr_store *s, wr_aot_inst *ai);
void wr__aot_memory_sync(wr_aot_inst *ai);
static inline bool wr__aot_is_ref(uint8_t type)
{
    return type == WR_FUNCREF || type == WR_EXTERNREF;
}
static inline bool wr__aot_wide(uint8_t type)
{
    return type == WR_I64 || type == WR_F64;
}
/* A reference between the runtime's form (a wr_func pointer, an externref
 * pointer) and the code's (a descriptor's address, the pointer). Only this
 * instance's functions and imports have descriptors: another's is
 * WR_ERR_UNSUPPORTED. */
wr_status wr__aot_ref_out(wr_aot_inst *ai, uint8_t type, uintptr_t ref, uint32_t *word);
uintptr_t wr__aot_ref_in(const wr_aot_inst *ai, uint8_t type, uint32_t word);
/* The code's copies of every table, again (after a table operation). */
wr_status wr__aot_tables_sync(wr_store *s, wr_aot_inst *ai);
#endif

#endif /* WR_AOT_H */
