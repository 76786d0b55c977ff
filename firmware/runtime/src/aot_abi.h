/* aot_abi.h: the contract between AOT code and the runtime, as C constants:
 * the context's field offsets, the helper table's indices, the trap kinds.
 * The numbers are host-tools/src/aot/abi.ts's (the compiler's side);
 * test/firmware/runtime/aot-abi.test.ts checks the two are the same. */
#ifndef WR_AOT_ABI_H
#define WR_AOT_ABI_H

#define WR_AOT_ABI_VERSION 2u

/* the context (wr_aot_ctx), byte offsets of 32-bit words */
#define WR_AOT_CTX_MEM_BASE    0
#define WR_AOT_CTX_MEM_SIZE    4
#define WR_AOT_CTX_GLOBALS     8
#define WR_AOT_CTX_FUEL        12
#define WR_AOT_CTX_STACK_LIMIT 16
#define WR_AOT_CTX_SAVED_SP    20
#define WR_AOT_CTX_RESULTS     24
#define WR_AOT_CTX_TRAP_LR     28
#define WR_AOT_CTX_HELPERS     32
#define WR_AOT_CTX_TABLE       36
#define WR_AOT_CTX_TABLE_SIZE  40
#define WR_AOT_CTX_ARG_WORDS   44
#define WR_AOT_CTX_FUNCS       48
#define WR_AOT_CTX_TABLES      52
#define WR_AOT_CTX_MEM_PAGES   56
#define WR_AOT_CTX_SIZE        64

/* the helper table */
#define WR_AOT_HELPER_MEMORY_GROW 0
#define WR_AOT_HELPER_MEMORY_FILL 1
#define WR_AOT_HELPER_MEMORY_COPY 2
#define WR_AOT_HELPER_I32_DIV_S   3
#define WR_AOT_HELPER_I32_DIV_U   4
#define WR_AOT_HELPER_I32_REM_S   5
#define WR_AOT_HELPER_I32_REM_U   6
#define WR_AOT_HELPER_CALL_IMPORT 7
#define WR_AOT_HELPER_I32_CLZ     8
#define WR_AOT_HELPER_I32_CTZ     9
#define WR_AOT_HELPER_I32_POPCNT  10
#define WR_AOT_HELPER_F32         11
#define WR_AOT_HELPER_WIDE        12
#define WR_AOT_HELPER_TABLE       13
#define WR_AOT_HELPER_F64_ADD     14
#define WR_AOT_HELPER_F64_SUB     15
#define WR_AOT_HELPER_F64_MUL     16
#define WR_AOT_HELPER_F64_DIV     17
#define WR_AOT_HELPER_COUNT       18

/* trap kinds (the trap map's, and the wide helper's return value) */
#define WR_AOT_TRAP_UNREACHABLE           1
#define WR_AOT_TRAP_MEMORY_OUT_OF_BOUNDS  2
#define WR_AOT_TRAP_DIVIDE_BY_ZERO        3
#define WR_AOT_TRAP_INTEGER_OVERFLOW      4
#define WR_AOT_TRAP_INVALID_CONVERSION    5
#define WR_AOT_TRAP_STACK_EXHAUSTED       6
#define WR_AOT_TRAP_FUEL_EXHAUSTED        7
#define WR_AOT_TRAP_INDIRECT_CALL_TYPE    8
#define WR_AOT_TRAP_UNDEFINED_ELEMENT     9
#define WR_AOT_TRAP_NATIVE                10
#define WR_AOT_TRAP_UNINITIALIZED_ELEMENT 11
#define WR_AOT_TRAP_TABLE_OUT_OF_BOUNDS   12

/* bytes per native argument or result slot (wr_arg) */
#define WR_AOT_WR_ARG_BYTES          8
/* bytes of a function descriptor */
#define WR_AOT_FUNC_DESCRIPTOR_BYTES 8
/* the null reference */
#define WR_AOT_REF_NULL              0

/* the table helper's operations (0xfc n as 0x100 + n) */
#define WR_AOT_TABLE_GET  0x25
#define WR_AOT_TABLE_SET  0x26
#define WR_AOT_TABLE_INIT 0x10C
#define WR_AOT_ELEM_DROP  0x10D
#define WR_AOT_TABLE_COPY 0x10E
#define WR_AOT_TABLE_GROW 0x10F
#define WR_AOT_TABLE_SIZE 0x110
#define WR_AOT_TABLE_FILL 0x111

/* the wide helper's segment operations (0xfc 8 and 9 as 0x100 + n) */
#define WR_AOT_WIDE_MEMORY_INIT 0x108
#define WR_AOT_WIDE_DATA_DROP   0x109

#endif /* WR_AOT_ABI_H */
