// The per-instruction cost model behind esp32c3-sim's "emulated cycles". It is ours,
// an estimate from the shape of a small in-order pipeline like the C3's, not a
// measurement: nothing here has been checked on silicon. Every figure the sim prints
// from it is labelled "emulated". The model, in cycles:
//   every instruction                    1
//   + taken branch, jal, jalr, mret      2   (the fetch restarts at the target)
//   + load                               1   (one cycle of memory latency; stores retire at once)
//   + mul, mulh, mulhsu, mulhu           1
//   + div, divu, rem, remu              32   (a one-bit-per-cycle divider)
//   + instruction fetch from flash that misses the cache: FLASH_LINE_FILL per 32-byte line
//     (the cache model is in cache.ts)
//   + a load from flash through the D-bus that misses: the same fill cost
// Peripheral and RAM accesses have no wait states in this model.

export const COST_BASE = 1;
export const COST_TAKEN = 2;
export const COST_LOAD = 1;
export const COST_MUL = 1;
export const COST_DIV = 32;

/** A 32-byte line over quad-I/O SPI at 80 MHz: 8 clocks command (in 1-bit mode for 0xEB
 * the command is 8 clocks), 6 address + 4 dummy clocks in quad mode, 64 data clocks in quad
 * mode (2 clocks per byte): 82 SPI clocks = 1.03 us = 164 CPU cycles at 160 MHz. */
export const FLASH_LINE_FILL = 164;
