// The flasher against the ROM model over a real pseudo-terminal pair made by socat: the
// same serialport code path a USB-serial adapter takes (a pty has no DTR/RTS lines).
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { after, before, test } from "node:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { SerialPort } from "serialport";
import { flashEsp32 } from "../../../host-tools/src/flash/esp32/flash.js";
import type { FlashImage } from "../../../host-tools/src/flash/esp32/images.js";
import { padImage } from "../../../host-tools/src/flash/esp32/loader.js";
import { Op } from "../../../host-tools/src/flash/esp32/protocol.js";
import { openSerialTransport } from "../../../host-tools/src/flash/esp32/transport.js";
import { Esp32RomModel, type RomModelOptions } from "./esp32-rom-model.js";
import { wasmcu } from "../../helpers/cli.js";
import { espImage, partitionTable } from "./images-fixture.js";

const FLASH = 4 * 1024 * 1024;

/** Starts socat with two linked raw ptys; resolves with their paths. */
function ptyPair(): Promise<{ proc: ChildProcess; a: string; b: string }> {
  return new Promise((resolve, reject) => {
    const proc = spawn("socat", ["-d", "-d", "pty,raw,echo=0", "pty,raw,echo=0"], { stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    const timer = setTimeout(() => reject(new Error(`socat gave no pty paths: ${err}`)), 5000);
    proc.on("error", (e) => reject(e));
    proc.stderr!.on("data", (d: Buffer) => {
      err += d.toString();
      const paths = [...err.matchAll(/PTY is (\S+)/g)].map((m) => m[1]!);
      if (paths.length === 2) {
        clearTimeout(timer);
        resolve({ proc, a: paths[0]!, b: paths[1]! });
      }
    });
  });
}

/** Puts a ROM model on one end of a pty; returns it and a closer. */
async function modelOn(path: string, opts: RomModelOptions): Promise<{ model: Esp32RomModel; bauds: number[]; close: () => Promise<void> }> {
  const model = new Esp32RomModel(opts);
  const port = new SerialPort({ path, baudRate: 115200, autoOpen: false });
  await new Promise<void>((res, rej) => port.open((e) => (e ? rej(e) : res())));
  port.on("data", (d: Buffer) => model.receive(d));
  model.onSend = (bytes) => void port.write(bytes);
  // A pty has no line rate, and serialport's update() runs tcflush(TCIOFLUSH), which on a pty
  // also discards what the model just wrote and the other side has not read yet (the
  // CHANGE_BAUDRATE answer): the model only records the rate. The flasher's side does change
  // its pty's rate, after the answer is in.
  const bauds: number[] = [];
  model.onBaud = (baud) => bauds.push(baud);
  return { model, bauds, close: () => new Promise((res) => port.close(() => res())) };
}

let pair: { proc: ChildProcess; a: string; b: string };
before(async () => {
  pair = await ptyPair();
});
after(() => {
  pair.proc.kill();
});

function images(): FlashImage[] {
  return [
    { role: "bootloader", offset: undefined, file: "bootloader.bin", data: espImage(12_345, 11) },
    { role: "partitions", offset: 0x8000, file: "partition-table.bin", data: partitionTable() },
    { role: "app", offset: 0x10000, file: "app.bin", data: espImage(100_001, 12) },
  ];
}

test("over a pty: flashing all three images at 921600 baud writes and verifies them; without DTR/RTS the ROM is asked to reboot", async () => {
  const { model, bauds, close } = await modelOn(pair.b, { startInBootloader: true });
  const port = await openSerialTransport(pair.a, 115200);
  try {
    const ims = images();
    const s = await flashEsp32(port, ims, { flashSize: FLASH, baud: 921600, syncTimeoutMs: 200 });
    assert.equal(s.port, pair.a);
    assert.equal(s.baud, 921600);
    assert.deepEqual(bauds, [921600, 115200]); // switched for the writes, back to 115200 by the reboot
    assert.equal(s.resetBy, "flash-end");
    assert.equal(model.received.at(-1), Op.FLASH_DEFL_END);
    assert.equal(model.inDownloadMode, false);
    assert.match(s.signalProblem ?? "", /cannot set DTR\/RTS/);
    for (const im of ims) {
      const at = im.offset ?? 0x1000;
      const want = padImage(im.data);
      assert.ok(Buffer.from(model.flash.subarray(at, at + want.length)).equals(want), `${im.role} at 0x${at.toString(16)}`);
    }
  } finally {
    await port.close();
    await close();
  }
});

test("over a pty: plain writes with corrupted blocks are resent until the flash matches", async () => {
  const { model, close } = await modelOn(pair.b, { startInBootloader: true, corruptDataPackets: 2 });
  const port = await openSerialTransport(pair.a, 115200);
  try {
    const ims = images().slice(2);
    const s = await flashEsp32(port, ims, { flashSize: FLASH, compress: false, syncTimeoutMs: 200 });
    assert.equal(model.checksumErrors, 2);
    assert.equal(s.regions[0]!.retries, 2);
    const want = padImage(ims[0]!.data);
    assert.ok(Buffer.from(model.flash.subarray(0x10000, 0x10000 + want.length)).equals(want));
  } finally {
    await port.close();
    await close();
  }
});

test("over a pty: a chip that never syncs fails with the pty's path, the sequences tried and why DTR/RTS were not used", async () => {
  const { close } = await modelOn(pair.b, { neverSync: true });
  const port = await openSerialTransport(pair.a, 115200);
  try {
    await assert.rejects(flashEsp32(port, images(), { flashSize: FLASH, syncTimeoutMs: 30, connectRounds: 1 }), (e: Error) => {
      assert.ok(e.message.startsWith(`${pair.a}: no ESP ROM loader answered 15 SYNC attempts`), e.message);
      assert.match(e.message, /reset sequences tried: no reset/);
      assert.match(e.message, /DTR\/RTS could not be driven: .*cannot set DTR\/RTS/);
      return true;
    });
  } finally {
    await port.close();
    await close();
  }
});

test("wasmcu flash --board esp32 over a pty writes the three files and prints a JSON summary", async () => {
  const { model, close } = await modelOn(pair.b, { startInBootloader: true });
  try {
    const dir = mkdtempSync(path.join(tmpdir(), "wasmcu-flash-cli-"));
    const ims = images();
    const names = ["bootloader.bin", "partition-table.bin", "app.bin"];
    ims.forEach((im, i) => writeFileSync(path.join(dir, names[i]!), im.data));
    const r = await wasmcu(["flash", "--board", "esp32", "--port", pair.a, "--baud", "230400", "--before", "no-reset",
      "--bootloader", path.join(dir, names[0]!), "--partitions", path.join(dir, names[1]!), "--app-image", path.join(dir, names[2]!), "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout) as { chip: string; baud: number; regions: { role: string; offset: number; md5: string }[] };
    assert.equal(s.chip, "ESP32");
    assert.equal(s.baud, 230400);
    assert.deepEqual(s.regions.map((x) => [x.role, x.offset]), [["bootloader", 0x1000], ["partitions", 0x8000], ["app", 0x10000]]);
    const want = padImage(ims[2]!.data);
    assert.ok(Buffer.from(model.flash.subarray(0x10000, 0x10000 + want.length)).equals(want));
  } finally {
    await close();
  }
});
