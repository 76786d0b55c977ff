// The contract between AOT code and the runtime that runs it: the context r7 points at, the
// trap kinds, and the registers. The device's loader (C) mirrors these numbers; a test keeps
// the two in step once the loader exists.

/** The version of this contract (context layout, helper numbers and arguments, trap kinds, the
 * entry and trap stubs' conventions). A `.waot` image records it and the device's loader refuses
 * an image whose version is not its own: bump it with any change below. */
export const ABI_VERSION = 2;

/** Byte offsets into the context (`wr_aot_ctx`), all 32-bit words. */
export const CTX = {
  memBase: 0,
  /** Current linear-memory size in bytes (memory.grow updates it). */
  memSize: 4,
  /** Globals, 8 bytes each (i64/f64 take both words; i32/f32 the first). */
  globals: 8,
  /** Decremented at each loop head; reaching 0 traps (fuelExhausted). 0 at start: 2^32 loop heads. */
  fuel: 12,
  /** Lowest SP a frame may reach. The runtime keeps at least 64 bytes below it free: a
   * callee's PUSH {lr} comes before its prologue's check, and the shared subroutines of the
   * code (the exact bounds check, bytewise accesses, f64 comparisons) push up to three words
   * below the frame (helpers in C need their own room below that too). */
  stackLimit: 16,
  /** SP at entry, restored when a trap unwinds. */
  savedSp: 20,
  /** Where the entry stub stores the results. */
  results: 24,
  /** The return address of the trap site's BL (the trap map's key, +image base). */
  trapLr: 28,
  /** Helper table: runtime functions AOT code calls (division, memory.grow, natives). */
  helpers: 32,
  /** Table 0's entries: one word each, a reference (see REFERENCES below). */
  table: 36,
  /** Table 0's size in entries. */
  tableSize: 40,
  /** The entry's argument word count (also room for that many result words). */
  argWords: 44,
  /** The instance's function descriptors, 8 bytes per function of the function index space
   * (imports first): {code address | 1, canonical type id}. `ref.func f` is their address
   * + 8f. An imported function's descriptor points at a runtime stub with the AOT calling
   * convention (arguments in the caller's outgoing area, results in r0:r1 or over the
   * arguments) that calls the import and returns with r9 and r10 reloaded from the context. */
  funcs: 48,
  /** Every table (imports first): 8 bytes each, {entries address, size in entries}. Table 0's
   * pair is also CTX.table/CTX.tableSize; the runtime keeps the two equal. */
  tables: 52,
  /** Linear-memory size in 64 KiB pages (memory.size): a runtime may make fewer bytes than
   * pages × 64 KiB accessible (a device's memory limit below one page), so it is not memSize >> 16. */
  memPages: 56,
  size: 64,
} as const;

/** Runtime functions AOT code calls (AAPCS, first argument the context), by index in the
 * context's helper table. A helper that can trap returns nonzero for "trap here". */
export const HELPER = {
  /** (ctx, delta pages) → previous pages, or -1 */
  memoryGrow: 0,
  /** (ctx, dest, value, count) → 0, or 1 when out of bounds */
  memoryFill: 1,
  /** (ctx, dest, source, count) → 0, or 1 when out of bounds */
  memoryCopy: 2,
  /** (ctx, a, b) → a / b or a % b; the compiled code has already trapped on b = 0 and on
   * INT_MIN / -1, and a remainder by -1 never reaches the helper */
  i32DivS: 3,
  i32DivU: 4,
  i32RemS: 5,
  i32RemU: 6,
  /** (ctx, import index, wr_arg *args, wr_arg *results) → 0, or nonzero when the native
   * trapped (or its (pointer, length) check failed). Arguments are 8-byte wr_arg slots in the
   * caller's outgoing area; results overwrite them. */
  callImport: 7,
  /** (ctx, a) → clz / ctz / popcnt of a */
  i32Clz: 8,
  i32Ctz: 9,
  i32Popcnt: 10,
  /** (ctx, a, b, wasm opcode) → r0 the f32 result (bits) or i32, r1 0, or 1 for an integer
   * overflow and 2 for a NaN in a trapping truncation. Every f32 operation that is not a bit
   * operation: arithmetic, min/max, rounding, sqrt, comparisons, i32 conversions (0xfc 0/1 for
   * trunc_sat are passed as 0x100 + sub-opcode). Unary operations ignore b. */
  f32: 11,
  /** (ctx, u32 *words, opcode) → 0, or the TRAP kind: an i64/f64 operation (0xfc n as
   * 0x100 + n) on the operand words at `words` (low word first), its result words written over
   * them. Also memory.init (0x108: dest, source, count, segment) and data.drop (0x109: segment),
   * which need the instance's segments. */
  wide: 12,
  /** (ctx, u32 *words, opcode) → 0, or the TRAP kind; like `wide`, the operand words (with
   * the instruction's immediates appended) at `words`, the result word written over the first:
   *   0x25  table.get   [index, table] → [ref]
   *   0x26  table.set   [index, ref, table]
   *   0x10c table.init  [dest, source, count, element segment, table]
   *   0x10d elem.drop   [element segment]
   *   0x10e table.copy  [dest, source, count, destination table, source table]
   *   0x10f table.grow  [ref, delta, table] → [previous size, or -1]
   *   0x110 table.size  [table] → [size]
   *   0x111 table.fill  [index, ref, count, table]
   * Out-of-range accesses return TRAP.tableOutOfBounds and change nothing (copy and init check
   * the whole range first). A grow updates the table's pair in CTX.tables (and CTX.table and
   * CTX.tableSize for table 0); entries may move. Element segments hold references in the
   * instance's representation; a dropped (or active, once instantiated) segment has length 0. */
  table: 13,
  /** (a lo, a hi, b lo, b hi) → r0:r1 the f64 result's words: a + b, a - b, a * b, a / b.
   * No context and no trap: AAPCS soft-float, the ABI of libgcc's __aeabi_dadd/dsub/dmul/ddiv,
   * which the device's entries reach (the interpreter's f64 arithmetic on ARM is the same
   * routines). Arguments in r0-r3, so the code calls them without spilling to the frame. */
  f64Add: 14,
  f64Sub: 15,
  f64Mul: 16,
  f64Div: 17,
} as const;

/** The helpers that take no context (AAPCS soft-float, arguments from r0). */
export const F64_HELPER_OPS = { 0xa0: "f64Add", 0xa1: "f64Sub", 0xa2: "f64Mul", 0xa3: "f64Div" } as const;

/**
 * References (funcref, externref) are one 32-bit word everywhere: operand stack, locals,
 * globals (the first word of the 8-byte slot), table entries, arguments and results.
 * 0 is null. A funcref is the address of a function descriptor (CTX.funcs, or another
 * instance's, or a runtime stub's for a function of another instance); call_indirect loads
 * the entry, traps on 0, compares the descriptor's type id and calls its code. An externref
 * is a host value the runtime chose (never 0).
 */
export const REF_NULL = 0;
/** Bytes of a function descriptor (CTX.funcs). */
export const FUNC_DESCRIPTOR_BYTES = 8;

/** Bytes per argument or result of a native call (the runtime's `wr_arg` union). */
export const WR_ARG_BYTES = 8;
export type HelperName = keyof typeof HELPER;

export const TRAP = {
  unreachable: 1,
  memoryOutOfBounds: 2,
  divideByZero: 3,
  integerOverflow: 4,
  invalidConversion: 5,
  stackExhausted: 6,
  fuelExhausted: 7,
  indirectCallType: 8,
  undefinedElement: 9,
  /** A native returned an error (its message is in the runtime's trap record). */
  native: 10,
  /** call_indirect on a null table entry. */
  uninitializedElement: 11,
  /** table.get/set/fill/copy/init outside the table or segment. */
  tableOutOfBounds: 12,
} as const;
export type TrapKind = keyof typeof TRAP;

/** Registers (see README.md): operand stack in r0-r5, r6 scratch, r7 the context, r8-r10 limits and memory base. */
export const OPERAND_REGS = [0, 1, 2, 3, 4, 5] as const;
export const SCRATCH = 6;
export const CTX_REG = 7;
/** The stack limit, kept in r8 so each prologue's check is a MOV and a CMP, not a load. */
export const LIMIT_REG = 8;
/** max(memory size - 8, 0): an access whose address + offset is below it needs no other check
 * (8 is the widest access); at or above it the exact check runs out of line. */
export const MEM_FAST_END_REG = 9;
/** The linear memory's base address. */
export const MEM_BASE_REG = 10;
/** The widest access the fast bounds check covers. */
export const FAST_CHECK_SLACK = 8;
