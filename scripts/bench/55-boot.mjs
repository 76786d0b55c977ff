#!/usr/bin/env node
// The rp2040 bootloader (boards/rp2040/boot): its size against the 16 KiB budget, the boot
// time it adds (emulated cycles from reset to the device firmware's first UART byte, behind
// the bootloader versus the same firmware at the start of flash, for the ~250 KB device
// firmware: a steady boot of a confirmed image, and the boot that starts a pending image on
// trial), the serial time of a firmware update at 115200 and 921600 baud, a full image and two
// deltas: the same code at a new version (the running bank's build to the other bank's) and a
// configuration change (the firmware built for 921600 baud, build/rp2040-921600, built here if
// missing), computed from the link's framing (bytes on the wire), not timed; and the device's
// own work for an update, measured on rp2040-sim with the flash's datasheet busy times (it
// overlaps a full transfer, not a short delta's). Cycle counts and times are rp2040js
// emulated ones (no flash wait states), not RP2040 silicon timings.
// Needs build/rp2040 (npm test builds it).   node --import tsx scripts/bench/55-boot.mjs
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { repoRoot } from "../lib/cmake.mjs";
import { startRp2040Sim } from "../../host-tools/src/sim/rp2040.ts";
import { resolveBoard } from "../../host-tools/src/boards/registry.ts";
import { makeFirmwareDelta, parseFirmwareDelta } from "../../host-tools/src/ota/firmware-delta.ts";
import { parseFirmwareFile, signFirmware } from "../../host-tools/src/ota/firmware.ts";
import { devSigner } from "../../test/helpers/ota.ts";
import { boot, bootloaderElf, firmwareFile, firstInstallUf2, installedFlash } from "../../test/boards/rp2040/bootloader.ts";
import { ActivityLog } from "../../host-tools/src/sim/activity.ts";
import { typicalTiming } from "../../host-tools/src/sim/flash-chip.ts";
import { DeviceLink } from "../../host-tools/src/link/session.ts";
import { openSerial } from "../../host-tools/src/link/transport.ts";
import { flashFirmwareOverLink } from "../../host-tools/src/workflows/firmware-flash.ts";

const bin = path.join(repoRoot, "build", "rp2040", "bin");
if (!existsSync(path.join(bin, "wasmcu-rp2040-boot.bin"))) {
  console.log("55-boot: build/rp2040 has no bootloader build (run npm test or node scripts/build-host.mjs first); skipped");
  process.exit(0);
}
const board = resolveBoard("rp2040").board;
const tmp = mkdtempSync(path.join(tmpdir(), "wasmcu-bench-boot-"));
const fmt = (n) => n.toLocaleString("en-US");

/** The length of patch `i` of a firmware delta (two patches, each 96 bytes of header + body). */
function patchFor(file, i) {
  let off = 0;
  for (let k = 0; k < i; k++) off += 96 + file.readUInt32LE(off + 84);
  return 96 + file.readUInt32LE(off + 84);
}

/** The bank builds of build/rp2040-921600 (the tree the 921600-baud link test builds), built here if missing; undefined if that fails. */
function configChangeBuild() {
  const dir = path.join(repoRoot, "build", "rp2040-921600");
  try {
    if (!existsSync(path.join(dir, "CMakeCache.txt"))) {
      execFileSync("cmake", ["-S", repoRoot, "-B", dir, "-DWASMCU_BOARD=rp2040", "-DCMAKE_BUILD_TYPE=Release", "-DWASMCU_RP2040_BAUD=921600"], { stdio: "ignore" });
    }
    execFileSync("cmake", ["--build", dir, "-j2", "--target", "wasmcu-rp2040-fw_a", "wasmcu-rp2040-fw_b"], { stdio: "ignore" });
    return path.join(dir, "bin");
  } catch (e) {
    console.log(`  (no 921600-baud build for the configuration-change delta: ${e.message.split("\n")[0]})`);
    return undefined;
  }
}

/** Emulated cycles from reset to the first byte the firmware sends on UART0, to within a batch
 * (the sim hands UART bytes over after each batch: 20,000 cycles here, not the default 4 M). */
async function cyclesToFirstByte(opts) {
  let at;
  const ref = {};
  const sim = await startRp2040Sim({ ...opts, speed: Infinity, pty: false, batchCycles: 20_000, onUart: () => { at ??= ref.sim?.cycles ?? -1; } });
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

  // An update: OTA_BEGIN with the image's 128-byte (a patch's 96-byte) header, OTA_DATA pieces
  // of up to 1024 - 4 bytes, FINISH. Each frame: 4-byte header + payload + CRC-32, COBS (+1
  // per 254) and a delimiter; 10 bits per byte on the UART.
  const piece = 1020;
  const wire = (n) => n + 4 + 4 + Math.ceil((n + 8) / 254) + 1;
  const onWire = (bytes, header) => {
    const frames = Math.ceil(bytes / piece);
    const data = (frames - 1) * wire(4 + piece) + wire(4 + bytes - (frames - 1) * piece);
    return { out: wire(5 + header) + data + wire(0), back: (frames + 2) * wire(8) }; // one ACK per command
  };
  const fwA = (file) => parseFirmwareFile(file, boot, "firmware").find((i) => i.bank === "fw_a");
  // Deltas for a board running fw_a: its image to the new fw_b image (the bank it is written to).
  const v1 = parseFirmwareFile(firmwareFile(1, 1), boot, "v1");
  const sameCode = makeFirmwareDelta(v1, parseFirmwareFile(firmwareFile(2, 2), boot, "v2"), { from: "v1", to: "v2" }).file;
  const updates = [
    ["full image", 128 + fwBin.length, 128],
    ["delta, same code, new version", patchFor(sameCode, 0), 96],
  ];
  const baudBin = configChangeBuild();
  if (baudBin) {
    const s = devSigner();
    const other = signFirmware({ payloads: ["fw_a", "fw_b"].map((b) => readFileSync(path.join(baudBin, `wasmcu-rp2040-${b}.bin`))), boot,
      version: { major: 1, minor: 2, patch: 0 }, securityCounter: 2, privateKey: s.privateKey, rawPublicKey: s.raw });
    const delta = makeFirmwareDelta(v1, parseFirmwareFile(other, boot, "921600"), { from: "v1", to: "921600" }).file;
    updates.push(["delta, built for 921600 baud (-DWASMCU_RP2040_BAUD)", patchFor(delta, 0), 96]);
  }
  console.log(`  update sizes (a board running fw_a; the image is ${fmt(fwA(firmwareFile(1, 1)).bytes.length)} bytes):`);
  for (const [what, bytes, header] of updates) {
    const w = onWire(bytes, header);
    const times = [115200, 921600].map((baud) => `${((w.out * 10) / baud).toFixed(2)} s at ${baud}`).join(", ");
    console.log(`    ${what}: ${fmt(bytes)} bytes, ${fmt(w.out)} on the wire (${fmt(w.back)} of ACKs back): ${times} baud (computed from framing)`);
  }

  // The device's own work in an update, measured: the update pushed over the link to
  // rp2040-sim with the flash chip's datasheet busy times (W25Q16JV typical: 45 ms per 4 KiB
  // erase, 0.4 ms per 256-byte page), from OTA_BEGIN to the confirmation of the new firmware
  // (reset, the bootloader's verification, the trial boot and the self-check included). Busy
  // is emulated time the core did not sleep (it spins on the flash's busy bit; it sleeps
  // waiting for the line), less the idle firmware's own duty cycle, so the host's speed does
  // not enter it. Wire and work overlap in
  // a full image (the device erases and programs while pieces arrive), not in a delta (the
  // patch is applied after it has arrived).
  console.log("  device work per update (rp2040-sim, W25Q16JV typical erase/program times, emulated):");
  const v2 = parseFirmwareFile(firmwareFile(2, 2), boot, "v2");
  const work = [
    ["full image", v2],
    ["delta, same code, new version", { mode: "patch", patches: parseFirmwareDelta(sameCode, "v1-v2") }],
  ];
  for (const [what, u] of work) {
    const w = await deviceWork(u);
    console.log(`    ${what}: ${(w.busyNs / 1e9).toFixed(2)} s busy (less ${(w.idleDuty * 100).toFixed(2)}% of the span for the idle firmware's own work); ` +
      `${w.erases} erases and ${w.programs} page programs, ${(w.flashUs / 1e6).toFixed(2)} s of it the flash chip's busy time`);
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

/** One firmware update from 1.1.0 on a freshly installed rp2040-sim with typical flash times. */
async function deviceWork(update) {
  const flash = path.join(tmp, "work.bin");
  rmSync(flash, { force: true });
  installedFlash(flash, firmwareFile(1, 1));
  const activity = new ActivityLog();
  let erases = 0;
  let programs = 0;
  let flashUs = 0;
  let counting = false;
  const sim = await startRp2040Sim({ image: bootloaderElf(), flashFile: flash, speed: Infinity, pty: true, holdUntilHost: true,
    flashTiming: typicalTiming, activity, powerCut: (_n, kind, _offset, length) => {
      if (!counting) return false;
      if (kind === "program") programs++;
      else erases++;
      flashUs += kind === "program" ? typicalTiming.pageProgramUs : length >= 32768 ? typicalTiming.blockEraseUs : typicalTiming.sectorEraseUs;
      return false;
    } });
  const link = new DeviceLink(await openSerial(sim.ptyPath, 115200), { timeoutMs: 5000 });
  try {
    await link.connect(120_000);
    const t0 = sim.nanos;
    counting = true;
    const r = await flashFirmwareOverLink(link, update, "v2", { confirmTimeoutMs: 300_000 });
    if (r.outcome !== "confirmed") throw new Error(`the update ended ${r.outcome}`);
    const t1 = sim.nanos;
    // The firmware's own idle work (its poll timer), measured over 5 emulated seconds with the
    // line quiet, and taken out of the update's time: the emulator races through the core's
    // sleep while the host is slow, so the update's emulated span depends on the host.
    await sim.runFor({ us: 5_000_000 });
    const idleDuty = 1 - activity.window(t1, sim.nanos).idle;
    const span = t1 - t0;
    const busy = span * (1 - activity.window(t0, t1).idle);
    return { spanNs: span, busyNs: busy - idleDuty * (span - busy), idleDuty, erases, programs, flashUs };
  } finally {
    await link.close().catch(() => {});
    await sim.stop();
  }
}
