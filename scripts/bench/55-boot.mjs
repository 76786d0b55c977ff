#!/usr/bin/env node
// The rp2040 bootloader (boards/rp2040/boot): its size against the 16 KiB budget, the boot
// time it adds (emulated cycles from reset to the device firmware's first UART byte, behind
// the bootloader versus the same firmware at the start of flash, for the ~230 KB device
// firmware: a steady boot of a confirmed image, and the boot that starts a pending image on
// trial), and the serial time of a full firmware update at 115200 and 921600 baud (bytes on
// the wire from the link's framing; the device's flash work overlaps the transfer). Cycle
// counts are rp2040js emulated cycles (no flash wait states), not RP2040 silicon timings.
// Needs build/rp2040 (npm test builds it).   node --import tsx scripts/bench/55-boot.mjs
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { repoRoot } from "../lib/cmake.mjs";
import { startRp2040Sim } from "../../host-tools/src/sim/rp2040.ts";
import { resolveBoard } from "../../host-tools/src/boards/registry.ts";
import { firmwareFile, firstInstallUf2 } from "../../test/boards/rp2040/bootloader.ts";

const bin = path.join(repoRoot, "build", "rp2040", "bin");
if (!existsSync(path.join(bin, "wasmcu-rp2040-boot.bin"))) {
  console.log("55-boot: build/rp2040 has no bootloader build (run npm test or node scripts/build-host.mjs first); skipped");
  process.exit(0);
}
const board = resolveBoard("rp2040").board;
const tmp = mkdtempSync(path.join(tmpdir(), "wasmcu-bench-boot-"));
const fmt = (n) => n.toLocaleString("en-US");

/** Emulated cycles from reset to the first byte the firmware sends on UART0. */
async function cyclesToFirstByte(opts) {
  let at;
  const ref = {};
  const sim = await startRp2040Sim({ ...opts, speed: Infinity, pty: false, onUart: () => { at ??= ref.sim?.cycles ?? -1; } });
  ref.sim = sim;
  try {
    await sim.runFor({ cycles: 400_000_000 }).catch(() => {});
    for (let i = 0; i < 200 && at === undefined; i++) await new Promise((r) => setTimeout(r, 50));
  } finally {
    await sim.stop();
  }
  if (at === undefined) throw new Error("the firmware sent nothing on UART0");
  return at;
}

try {
  const bootBin = readFileSync(path.join(bin, "wasmcu-rp2040-boot.bin"));
  const fwBin = readFileSync(path.join(bin, "wasmcu-rp2040-fw_a.bin"));
  console.log("rp2040 bootloader (rp2040js emulated cycles, not silicon)");
  console.log(`  bootloader image: ${fmt(bootBin.length)} bytes of ${fmt(board.flash.boot.bootloader.size)} (boot2 256 B included)`);
  console.log(`  device firmware per bank: ${fmt(fwBin.length)} bytes payload, bank ${fmt(board.flash.boot.fw_a.size)} bytes`);

  const plain = await cyclesToFirstByte({ image: path.join(bin, "wasmcu-rp2040.elf") });
  const flash = path.join(tmp, "flash.bin");
  const first = await cyclesToFirstByte({ image: firstInstallUf2(firmwareFile(1, 1)), flashFile: flash });
  const steady = await cyclesToFirstByte({ flashFile: flash });
  console.log(`  reset to first UART byte, firmware at the start of flash: ${fmt(plain)} cycles`);
  console.log(`  behind the bootloader, first boot (adopts fw_a, one state record): ${fmt(first)} cycles (+${fmt(first - plain)})`);
  console.log(`  behind the bootloader, confirmed image: ${fmt(steady)} cycles (+${fmt(steady - plain)}, ${((steady - plain) / 125e3).toFixed(0)} ms at 125 MHz)`);

  // The update: OTA_BEGIN with the header, OTA_DATA pieces of up to 1024 - 4 bytes, FINISH.
  // Each frame: 4-byte header + payload + CRC-32, COBS (+1 per 254) and a delimiter.
  const image = 128 + fwBin.length;
  const piece = 1020;
  const frames = Math.ceil(image / piece);
  const wire = (n) => n + 4 + 4 + Math.ceil((n + 8) / 254) + 1;
  const out = wire(5 + 128) + frames * wire(4 + piece) + wire(0);
  const back = (frames + 2) * wire(8); // one ACK per command
  for (const baud of [115200, 921600]) {
    const s = (out * 10) / baud;
    console.log(`  full firmware update at ${baud} baud: ${fmt(out)} bytes to the board (${fmt(back)} of ACKs back), ${s.toFixed(1)} s on the wire`);
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
