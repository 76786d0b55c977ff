import type { Command } from "commander";
import { Output, table } from "../lib/output.js";
import { listPorts } from "../serial/ports.js";

export function register(program: Command): void {
  program
    .command("ports")
    .description("list serial ports with their USB vendor/product ids, the board each probably is, and who has each open; also local boards (host, rp2040-sim, esp32c3-sim) by name and running host boards' ptys; no port is opened")
    .option("--json", "machine-readable output")
    .option("--all", "also list ports that do not look like a supported board")
    .action(async (opts: { json?: boolean; all?: boolean }) => {
      const out = new Output(opts);
      const ports = (await listPorts()).filter((p) => opts.all || opts.json || p.vendorId !== undefined || p.board !== undefined);
      out.result(ports, () => {
        if (ports.length === 0) return "no USB serial ports found (plug a board in; `wasmcu ports --all` shows every tty)";
        return table(["port", "name", "usb id", "board", "adapter / product", "serial", "in use by"], ports.map((p) => [
          p.path,
          p.name ?? "-",
          p.vendorId ? `${p.vendorId}:${p.productId ?? "????"}` : "-",
          p.board ?? "?",
          p.adapter ?? ([p.manufacturer, p.product].filter(Boolean).join(" ") || "-"),
          p.serialNumber ?? "-",
          p.inUseBy?.join(", ") ?? "-",
        ]));
      });
    });
}
