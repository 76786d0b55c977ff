// Test-only: the emulated C3 in this process, its UART0 output collected as text.
import path from "node:path";

import { Esp32c3, type Esp32c3Options } from "../../../../../host-tools/src/sim/esp32c3/esp32c3.js";
import { CPU_HZ } from "../../../../../host-tools/src/sim/esp32c3/clock.js";
import { repoRoot } from "../../../../helpers/paths.js";
import { buildRv32, programsDir, scratchDir } from "./toolchain.js";

/** c3-start.S saves a trap's registers with the board's own macros (boards/esp32c3/src/trap_frame.inc). */
const boardSrc = path.join(repoRoot, "boards", "esp32c3", "src");

export function buildC3Program(name: string, extraSources: string[] = []): string {
  return buildRv32(path.join(scratchDir(), `${name}.elf`),
    [path.join(programsDir, "c3-start.S"), path.join(programsDir, `${name}.c`), ...extraSources], path.join(programsDir, "c3.ld"),
    ["-I", boardSrc]);
}

export interface C3Harness {
  chip: Esp32c3;
  output(): string;
  resets: string[];
  gpio: [number, number, number][];
  /** Runs `ms` of emulated time. */
  runMs(ms: number): void;
  /** Runs until `pattern` is in the output or `maxMs` passed; returns the output. */
  runUntil(pattern: RegExp, maxMs?: number): string;
  send(text: string | Uint8Array): void;
}

export function startC3(opts: Omit<Esp32c3Options, "onUartTx">): C3Harness {
  let out = "";
  const resets: string[] = [];
  const gpio: [number, number, number][] = [];
  const chip = new Esp32c3({
    ...opts,
    onUartTx: (b) => (out += String.fromCharCode(b)),
    onReset: (_r, name) => resets.push(name),
    onGpio: (p, l, c) => gpio.push([p, l, c]),
  });
  const msCycles = CPU_HZ / 1000;
  const h: C3Harness = {
    chip, resets, gpio,
    output: () => out,
    runMs(ms) { chip.runUntil(chip.cycles + ms * msCycles); },
    runUntil(pattern, maxMs = 2000) {
      for (let t = 0; t < maxMs && !pattern.test(out); t++) h.runMs(1);
      return out;
    },
    send(text) { chip.uartReceive(typeof text === "string" ? Buffer.from(text, "latin1") : text); },
  };
  return h;
}
