// Our core in a machine shaped like the parts of QEMU's "virt" board the test
// programs use: RAM at 0x80000000, a 16550 UART's transmit register at 0x10000000,
// and the SiFive test device at 0x100000 that ends the run. The same ELF runs
// here and under qemu-system-riscv32, so their outputs can be compared.
import { readFileSync } from "node:fs";

import { parseElf } from "../../../../../host-tools/src/build/elf.js";
import { AccessFault, type Bus } from "../../../../../host-tools/src/sim/esp32c3/bus.js";
import { Cpu } from "../../../../../host-tools/src/sim/esp32c3/cpu.js";

const RAM_BASE = 0x80000000;
const RAM_SIZE = 1 << 20;

export interface VirtRun {
  output: string;
  /** The test device's exit value: 0x5555 pass, (code << 16) | 0x3333 fail. */
  exitValue: number;
  instructions: number;
  cycles: number;
  cpu: Cpu;
}

export function runOnOurCore(elfPath: string, maxInstructions = 200_000_000): VirtRun {
  const ram = new Uint8Array(RAM_SIZE);
  let output = "";
  let exitValue: number | undefined;
  const bus: Bus = {
    read(addr) {
      if (addr === 0x10000005) return 0x60; // LSR: transmitter empty
      throw new AccessFault(addr, "load");
    },
    write(addr, _size, value) {
      if (addr === 0x10000000) output += String.fromCharCode(value & 0xff);
      else if (addr === 0x100000) exitValue = value;
      else if ((addr >>> 4) !== 0x1000000) throw new AccessFault(addr, "store");
    },
  };
  const cpu = new Cpu(bus, { ram, codeBase: RAM_BASE | 0, windows: [{ base: RAM_BASE | 0, length: RAM_SIZE, offset: 0 }] });
  const elf = parseElf(readFileSync(elfPath));
  for (const s of elf.segments) ram.set(s.data, s.paddr - RAM_BASE);
  cpu.pc = elf.entry | 0;
  while (exitValue === undefined && cpu.instret < maxInstructions) {
    cpu.run(1_000_000);
  }
  if (exitValue === undefined) throw new Error(`no exit after ${cpu.instret} instructions; output: ${output}`);
  return { output, exitValue, instructions: cpu.instret, cycles: cpu.cycles, cpu };
}
