// Deploy throughput over the link: a 64 KiB app pushed to the host board whose UART is
// paced like a real one at 115200 and 921600 baud (10 bits per byte), through a pty.
import { readFileSync } from "node:fs";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { buildApp } from "../../host-tools/src/build/app.ts";
import { launchHostBoard } from "../../host-tools/src/boards/launch.ts";
import { resolveBoard } from "../../host-tools/src/boards/registry.ts";
import { ensureHostTool } from "../../host-tools/src/host/tools.ts";
import { deploy } from "../../host-tools/src/workflows/deploy.ts";
import { DeviceLink } from "../../host-tools/src/link/session.ts";
import { openSerial } from "../../host-tools/src/link/transport.ts";

/** Pads a module to `size` bytes with a custom section, so it stays a valid module. */
function padTo(wasm, size) {
  const name = new TextEncoder().encode("pad");
  const leb = (n) => { const out = []; do { let b = n & 0x7f; n >>>= 7; if (n) b |= 0x80; out.push(b); } while (n); return out; };
  for (let body = size - wasm.length - 2; body > 0; body--) {
    const content = body - 1 - name.length;
    const sec = [0, ...leb(body), name.length, ...name];
    if (wasm.length + sec.length + content === size) {
      return Uint8Array.from([...wasm, ...sec, ...new Uint8Array(content)]);
    }
  }
  throw new Error("cannot pad");
}

const app = padTo(readFileSync((await buildApp("blink")).wasm), 64 * 1024);
const firmware = await ensureHostTool("wasmcu-host");
const tmp = mkdtempSync(path.join(os.tmpdir(), "wasmcu-bench-link-"));
const rows = [];
for (const baud of [115200, 921600]) {
  const board = await launchHostBoard(resolveBoard("host"), { firmware, baud, flashFile: path.join(tmp, `flash-${baud}.bin`) });
  const link = new DeviceLink(await openSerial(board.uartPath, baud), { baud });
  try {
    const r = await deploy(link, { app });
    const s = r.app.stats;
    const line = baud / 10;
    rows.push([baud, app.length, s.wireBytes, ((100 * app.length) / s.wireBytes).toFixed(1) + "%", (s.ms / 1000).toFixed(2),
      Math.round(app.length / (s.ms / 1000)), Math.round(line), ((100 * app.length) / (s.ms / 1000) / line).toFixed(1) + "%", s.retransmissions]);
  } finally {
    await link.close();
    await board.stop();
  }
}
console.log("\n## Deploy throughput over the link (host board, UART paced at the baud rate over a pty; not silicon)\n");
console.log("Command: `npm run bench -- link` (scripts/bench/60-link.mjs): deploy of a 64 KiB app (blink padded with a custom section): write, verify, activate.\n");
console.log("| baud | image bytes | wire bytes host→device | payload share | seconds | payload B/s | line rate B/s | of line rate | retransmissions |");
console.log("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
for (const r of rows) console.log(`| ${r.join(" | ")} |`);
