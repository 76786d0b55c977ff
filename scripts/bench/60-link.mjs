// The link through clean and noisy lines: a 64 KiB app deployed (write, verify, activate)
// to the host board (its UART paced like a real one through a pty) and to rp2040-sim (the
// real RP2040 image in the emulator; UART0 at 115200 and 921600 with received bytes paced
// in emulated time), at 0%, 0.3% and 1% of bytes changed in each direction (the link's seeded fault
// model, host-tools/src/link/transport.ts). Prints time, retransmissions and dropped bytes.
//   npm run bench -- 60-link   (WASMCU_BENCH_LINK_BOARDS=host skips the emulator; WASMCU_BENCH_LINK_NOISES=0,0.01 picks levels)
import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { buildApp } from "../../host-tools/src/build/app.ts";
import { buildFirmware } from "../../host-tools/src/build/firmware.ts";
import { buildBoard } from "../lib/cmake.mjs";
import { launchHostBoard, launchSimBoard } from "../../host-tools/src/boards/launch.ts";
import { resolveBoard } from "../../host-tools/src/boards/registry.ts";
import { ensureHostTool } from "../../host-tools/src/host/tools.ts";
import { deploy } from "../../host-tools/src/workflows/deploy.ts";
import { DeviceLink } from "../../host-tools/src/link/session.ts";
import { faultyTransport, openSerial } from "../../host-tools/src/link/transport.ts";

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
const tmp = mkdtempSync(path.join(os.tmpdir(), "wasmcu-bench-link-"));
const boards = (process.env.WASMCU_BENCH_LINK_BOARDS ?? "host,rp2040-sim").split(",");
const noises = (process.env.WASMCU_BENCH_LINK_NOISES ?? "0,0.003,0.01").split(",").map(Number);
const configs = [];
if (boards.includes("host")) for (const baud of [115200, 921600]) configs.push({ board: "host", baud });
if (boards.includes("rp2040-sim")) for (const baud of [115200, 921600]) configs.push({ board: "rp2040-sim", baud });

async function launch(c, flashFile) {
  if (c.board === "host") {
    return launchHostBoard(resolveBoard("host"), { firmware: await ensureHostTool("wasmcu-host"), baud: c.baud, flashFile });
  }
  const target = resolveBoard("rp2040-sim");
  // 921600 baud: the firmware built with -DWASMCU_RP2040_BAUD=921600 in its own tree.
  const elf = c.baud === 115200
    ? (await buildFirmware(target.board)).artifacts.find((a) => a.endsWith(".elf"))
    : path.join(await buildBoard("rp2040", `build/rp2040-${c.baud}`, [`-DWASMCU_RP2040_BAUD=${c.baud}`]), "bin", "wasmcu-rp2040.elf");
  // Speed 1: emulated time follows wall time as a chip's does (the host's waits are wall-clock);
  // the deploy is timed in both (HELLO uptime_ms): they differ where the emulator fell behind.
  return launchSimBoard(target, { firmware: elf, flashFile, speed: 1, waitForHost: true });
}

const rows = [];
for (const c of configs) {
  for (const noise of noises) {
    const board = await launch(c, path.join(tmp, `flash-${c.board}-${c.baud}-${noise}.bin`));
    const raw = await openSerial(board.uartPath, c.baud);
    const transport = noise ? faultyTransport(raw, { corrupt: noise, drop: 0, duplicate: 0, dropChunk: 0, maxDelayMs: 0, seed: 15 }) : raw;
    // The emulator is slower than a chip: the clean line's waits are long there (a lossy line's follow the round trip).
    const link = new DeviceLink(transport, { baud: c.baud, ...(c.board === "host" ? {} : { timeoutMs: 10_000, deadlineMs: 60_000 }) });
    try {
      await link.connect(60_000);
      const t0 = Date.now();
      const r = await deploy(link, { app });
      const s = (Date.now() - t0) / 1000;
      const dev = (Number(r.after.uptime_ms) - Number(r.before.uptime_ms)) / 1000;
      const secs = c.board === "host" ? s : dev;
      rows.push([c.board === "host" ? "host" : "rp2040-sim", c.baud, `${(noise * 100).toFixed(1)}%`,
        c.board === "host" ? `${s.toFixed(2)} (wall)` : `${dev.toFixed(2)} (emulated; ${s.toFixed(1)} s wall)`,
        Math.round(app.length / secs), r.retransmissions, r.app.stats.wireBytes,
        (r.after.rx_dropped ?? "?"), board.uartDropped ? board.uartDropped() : "n/a (pty)",
        noise ? transport.stats.corrupted : 0]);
    } finally {
      await link.close();
      await board.stop();
    }
  }
}
console.log("\n## Deploy of a 64 KiB app through clean and noisy lines\n");
console.log("Command: `npm run bench -- 60-link` (scripts/bench/60-link.mjs): blink padded to 65536 bytes with a custom section; " +
  "connect, then deploy (INFO, write, verify, activate, INFO). Noise: each byte in each direction replaced by a random one " +
  "with the given probability (faultyTransport, seed 15). Host board: UART paced at the baud rate over a pty. " +
  "rp2040-sim: the RP2040 firmware in rp2040js at emulated speed 1 (emulated time kept from running ahead of wall time), UART0 at the given baud in emulated time (921600: the firmware built with -DWASMCU_RP2040_BAUD=921600); " +
  "its seconds are emulated time between the deploy's first and last INFO (the device's uptime_ms), not silicon, with the wall time beside it " +
  "(more wall than emulated time: the emulator fell behind real time).\n");
console.log("| board | baud | noise | deploy seconds | payload B/s | retransmissions | wire bytes host→device | frames the device rejected (rx_dropped: bad CRC or COBS) | UART FIFO bytes dropped (emulated) | bytes corrupted |");
console.log("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
for (const r of rows) console.log(`| ${r.join(" | ")} |`);
