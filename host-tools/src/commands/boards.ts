import type { Command } from "commander";
import { listBoards } from "../boards/registry.js";
import { formatBytes, Output, table } from "../lib/output.js";

export function register(program: Command): void {
  program
    .command("boards")
    .description("list the boards: cpu, clock, flash, RAM, flash layout, serial settings")
    .option("--json", "machine-readable output")
    .action((opts: { json?: boolean }) => {
      const out = new Output(opts);
      const boards = listBoards().map(({ dir: _dir, ...b }) => b);
      out.result(boards, () =>
        boards
          .map((b) => {
            const mhz = b.clock_hz ? `${b.clock_hz / 1e6} MHz` : "host clock";
            const notHere = b.buildable_here === false ? " [not built here]" : "";
            const head = `${b.name}${b.simulator ? ` (emulated: --board ${b.simulator})` : ""}${notHere} — ${b.description}\n` +
              `  cpu ${b.cpu}, ${mhz}; flash ${formatBytes(b.flash.size)}, RAM ${formatBytes(b.ram.size)}; ` +
              `serial ${b.serial.baud} ${b.serial.data_bits}${b.serial.parity[0]!.toUpperCase()}${b.serial.stop_bits}`;
            const layout = table(["region", "offset", "size"], b.flash.layout.map((r) =>
              [r.name, `0x${r.offset.toString(16).padStart(6, "0")}`, formatBytes(r.size)]));
            return `${head}\n${layout.replace(/^/gm, "    ")}`;
          })
          .join("\n\n"),
      );
    });
}
