// Runs compiled AOT code on an emulated RP2040 core (rp2040js) without firmware: the code in
// flash at the XIP address (it runs in place, as on the device), the context, linear memory and
// the stack in SRAM. For tests and for the compiler's cycle figures (emulated, not silicon).
import { RP2040 } from "rp2040js";
import { CTX, TRAP, type TrapKind } from "./abi.js";
import type { CompiledModule } from "./compile.js";

const FLASH = 0x10000000;
const SRAM = 0x20000000;
const SRAM_SIZE = 264 * 1024;
/** SRAM layout: [context][trap-return BKPT][args][globals][linear memory ...][stack] */
const CTX_AT = SRAM;
const RETURN_AT = SRAM + 0x100;
const ARGS_AT = SRAM + 0x140;
const GLOBALS_AT = SRAM + 0x200;
const MEMORY_AT = SRAM + 0x1000;
const STACK_TOP = SRAM + SRAM_SIZE;
export const STACK_BYTES = 16 * 1024;

export interface SimRun {
  /** r0 and r1 after the call (i32 results in `lo`). */
  lo: number;
  hi: number;
  trap: { kind: TrapKind; func: number; wasmOffset: number } | undefined;
  cycles: number;
}

export interface SimOptions {
  /** Linear memory size in bytes (placed in SRAM; at most ~200 KiB here). */
  memoryBytes?: number;
  memoryInit?: Uint8Array;
  globals?: number[];
  fuel?: number;
  maxCycles?: number;
}

export class SimMachine {
  private readonly mcu = new RP2040();

  constructor(private readonly compiled: CompiledModule, private readonly options: SimOptions = {}) {
    const memBytes = options.memoryBytes ?? 0;
    if (MEMORY_AT + memBytes > STACK_TOP - STACK_BYTES) throw new Error(`${memBytes} bytes of memory do not fit the emulated SRAM`);
    if (compiled.code.length > this.mcu.flash.length) throw new Error("code larger than the flash");
    this.mcu.flash.set(compiled.code, 0);
    this.mcu.sram.set(options.memoryInit ?? new Uint8Array(0), MEMORY_AT - SRAM);
    this.mcu.sramView.setUint16(RETURN_AT - SRAM, 0xbe00, true); // BKPT #0: the call returned
    (options.globals ?? []).forEach((g, i) => this.mcu.sramView.setUint32(GLOBALS_AT - SRAM + 8 * i, g, true));
    this.mcu.onBreak = () => {
      this.stopped = true;
    };
  }

  private stopped = false;

  readMemory(offset: number, length: number): Uint8Array {
    return this.mcu.sram.slice(MEMORY_AT - SRAM + offset, MEMORY_AT - SRAM + offset + length);
  }

  /** Calls defined function `func` with 32-bit argument slots. */
  call(func: number, args: number[]): SimRun {
    const { mcu, compiled } = this;
    const at = compiled.funcOffsets[func];
    if (at === undefined || at < 0) throw new Error(`function ${func} has no code`);
    const view = mcu.sramView;
    const ctx = (field: number, v: number) => view.setUint32(CTX_AT - SRAM + field, v >>> 0, true);
    ctx(CTX.memBase, MEMORY_AT);
    ctx(CTX.memSize, this.options.memoryBytes ?? 0);
    ctx(CTX.globals, GLOBALS_AT);
    ctx(CTX.fuel, this.options.fuel ?? 0);
    ctx(CTX.stackLimit, STACK_TOP - STACK_BYTES);
    args.forEach((v, i) => view.setUint32(ARGS_AT - SRAM + 4 * i, v >>> 0, true));
    const core = mcu.core;
    core.registers[0] = CTX_AT;
    core.registers[1] = (FLASH + at) | 1;
    core.registers[2] = ARGS_AT;
    core.registers[3] = args.length;
    core.SP = STACK_TOP;
    core.LR = RETURN_AT | 1;
    core.PC = FLASH + compiled.entryOffset;
    const start = core.cycles;
    const limit = start + (this.options.maxCycles ?? 2e9);
    this.stopped = false;
    while (!this.stopped) {
      mcu.step();
      if (core.cycles > limit) throw new Error(`no return within ${limit - start} cycles`);
    }
    const cycles = core.cycles - start;
    const status = core.registers[0] ?? 0;
    return {
      lo: view.getUint32(ARGS_AT - SRAM, true),
      hi: view.getUint32(ARGS_AT - SRAM + 4, true),
      trap: status === 0 ? undefined : this.trapAt(view.getUint32(CTX_AT - SRAM + CTX.trapLr, true)),
      cycles,
    };
  }

  private trapAt(lr: number): SimRun["trap"] {
    const offset = (lr & ~1) - FLASH;
    const site = this.compiled.trapSites.find((s) => s.returnOffset === offset);
    if (!site) throw new Error(`trap from an unknown site at code offset ${offset}`);
    return { kind: site.kind, func: site.func, wasmOffset: site.wasmOffset };
  }
}

export { TRAP };
