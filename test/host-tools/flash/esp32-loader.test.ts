import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { flashEsp32, type FlashOptions } from "../../../host-tools/src/flash/esp32/flash.js";
import { imagesFromFiles, imagesFromFlasherArgs, type FlashImage } from "../../../host-tools/src/flash/esp32/images.js";
import { EspLoader, padImage } from "../../../host-tools/src/flash/esp32/loader.js";
import { checksum, decodeResponse, encodeCommand, encodeResponse, Op } from "../../../host-tools/src/flash/esp32/protocol.js";
import { slipEncode, SlipDecoder } from "../../../host-tools/src/flash/esp32/slip.js";
import { InputError } from "../../../host-tools/src/lib/errors.js";
import { espImage, partitionTable } from "./images-fixture.js";
import { memoryLink } from "./memory-link.js";

// No real waits in the reset sequences; timeouts generous enough for a loaded machine
// (tests that expect a timeout set their own short ones).
const fast: Partial<FlashOptions> = { sleep: async () => {}, syncTimeoutMs: 100, commandTimeoutMs: 5000 };
const quick: Partial<FlashOptions> = { ...fast, syncTimeoutMs: 20, commandTimeoutMs: 200 };
const FLASH = 4 * 1024 * 1024;

function images(): FlashImage[] {
  return [
    { role: "bootloader", offset: undefined, file: "bootloader.bin", data: espImage(9001, 1) },
    { role: "partitions", offset: 0x8000, file: "partition-table.bin", data: partitionTable() },
    { role: "app", offset: 0x10000, file: "app.bin", data: espImage(70_003, 2) },
  ];
}

function flashHolds(flash: Uint8Array, offset: number, data: Uint8Array): void {
  const want = padImage(data);
  assert.ok(Buffer.from(flash.subarray(offset, offset + want.length)).equals(want), `flash at 0x${offset.toString(16)} differs from the image`);
}

test("SLIP escapes C0 and DB, and the decoder rebuilds frames from any chunking while skipping boot text", () => {
  const packet = Buffer.from([0x01, 0xc0, 0xdb, 0x02, 0xdb, 0xdc, 0xc0]);
  const wire = Buffer.concat([Buffer.from("rst:0x1 boot text\r\n"), slipEncode(packet), slipEncode(Buffer.from([9]))]);
  assert.ok(!wire.subarray(1, wire.indexOf(0xc0, 1)).includes(0xc0));
  for (const step of [1, 2, 5, wire.length]) {
    const dec = new SlipDecoder();
    const frames: Buffer[] = [];
    const noise: string[] = [];
    for (let i = 0; i < wire.length; i += step) {
      for (const ev of dec.push(wire.subarray(i, i + step))) {
        if (ev.kind === "frame") frames.push(ev.data);
        if (ev.kind === "noise") noise.push(ev.data.toString());
      }
    }
    assert.deepEqual(frames, [packet, Buffer.from([9])], `chunks of ${step}`);
    assert.equal(noise.join(""), "rst:0x1 boot text\r\n");
  }
});

test("SLIP decoder reports an invalid escape instead of delivering a damaged frame", () => {
  const evs = new SlipDecoder().push(Buffer.from([0xc0, 1, 0xdb, 0x07, 2, 0xc0]));
  assert.deepEqual(evs.map((e) => e.kind), ["bad"]);
});

test("data checksum is the XOR of the data bytes seeded with 0xEF", () => {
  assert.equal(checksum(Buffer.alloc(0)), 0xef);
  assert.equal(checksum(Buffer.from([0xef])), 0x00);
  assert.equal(checksum(Buffer.from([0x01, 0x02, 0x04])), 0xef ^ 7);
});

test("command and response packets carry size, checksum, value and the 4 ROM status bytes", () => {
  const c = encodeCommand(Op.FLASH_DATA, Buffer.from([1, 2, 3]), 0xab);
  assert.deepEqual([...c], [0, 0x03, 3, 0, 0xab, 0, 0, 0, 1, 2, 3]);
  const r = decodeResponse(encodeResponse(Op.READ_REG, 0x00f01d83, Buffer.from("xy"), 1, 0x07, 4), 4);
  assert.ok(typeof r !== "string");
  assert.equal(r.value, 0x00f01d83);
  assert.equal(r.body.toString(), "xy");
  assert.equal(r.status, 1);
  assert.equal(r.error, 0x07);
  assert.match(String(decodeResponse(Buffer.from([1, 8, 9, 0, 0, 0, 0, 0, 0]), 4)), /size field says 9/);
});

test("compressed flash of bootloader, partition table and app after a classic DTR/RTS reset: every region matches and MD5-verifies", async () => {
  const link = memoryLink({ wiring: "classic" });
  const ims = images();
  const s = await flashEsp32(link.transport, ims, { ...fast, flashSize: FLASH, appLimit: 0x180000 });
  assert.equal(s.chip, "ESP32");
  assert.deepEqual(s.regions.map((r) => [r.role, r.offset, r.compressed]), [["bootloader", 0x1000, true], ["partitions", 0x8000, true], ["app", 0x10000, true]]);
  flashHolds(link.model.flash, 0x1000, ims[0]!.data);
  flashHolds(link.model.flash, 0x8000, ims[1]!.data);
  flashHolds(link.model.flash, 0x10000, ims[2]!.data);
  for (const r of s.regions) assert.equal(r.md5, createHash("md5").update(padImage(ims.find((i) => i.role === r.role)!.data)).digest("hex"));
  assert.ok(s.wireBytes < s.bytes, "deflate must shrink these images");
  assert.ok(link.model.received.includes(Op.FLASH_DEFL_DATA) && !link.model.received.includes(Op.FLASH_DATA));
  // After writing, RTS pulses EN: the model leaves download mode and boots the app.
  assert.equal(s.resetBy, "dtr-rts");
  assert.equal(link.model.inDownloadMode, false);
  assert.equal(link.model.boots, 2);
  // Flash outside the written regions stays erased.
  assert.ok(link.model.flash.subarray(0, 0x1000).every((b) => b === 0xff));
});

test("plain FLASH_DATA writes and compressed writes leave the same flash content", async () => {
  const a = memoryLink({ startInBootloader: true });
  const b = memoryLink({ startInBootloader: true });
  const plain = await flashEsp32(a.transport, images(), { ...fast, flashSize: FLASH, compress: false, noResetAfter: true });
  const defl = await flashEsp32(b.transport, images(), { ...fast, flashSize: FLASH, compress: true, noResetAfter: true });
  assert.ok(a.model.received.includes(Op.FLASH_DATA) && !a.model.received.includes(Op.FLASH_DEFL_DATA));
  assert.ok(Buffer.from(a.model.flash).equals(Buffer.from(b.model.flash)));
  assert.deepEqual(plain.regions.map((r) => r.md5), defl.regions.map((r) => r.md5));
  assert.ok(plain.wireBytes > defl.wireBytes);
});

test("a ROM without compressed writes gets a clear refusal of FLASH_DEFL_BEGIN", async () => {
  const link = memoryLink({ startInBootloader: true, noDeflate: true });
  await assert.rejects(flashEsp32(link.transport, images(), { ...fast, flashSize: FLASH }),
    /refused FLASH_DEFL_BEGIN \(bootloader at 0x1000\): received message is invalid/);
});

test("CHANGE_BAUDRATE moves both ends to the new rate before the data is sent", async () => {
  const link = memoryLink({ startInBootloader: true });
  const ims = images();
  const s = await flashEsp32(link.transport, ims, { ...fast, flashSize: FLASH, baud: 921600, noResetAfter: true });
  assert.equal(s.baud, 921600);
  assert.equal(link.model.baud, 921600);
  assert.equal(link.hostBaud(), 921600);
  flashHolds(link.model.flash, 0x10000, ims[2]!.data);
});

test("a board with Espressif's USB-serial/JTAG enters download mode with its own reset sequence first", async () => {
  const link = memoryLink({ wiring: "usb-jtag" });
  const loader = new EspLoader(link.transport, { ...fast, usbJtagSerial: true });
  await loader.connect();
  assert.equal(link.model.boots, 1);
  assert.deepEqual(link.signals.slice(0, 4), [{ dtr: false, rts: false }, { dtr: true, rts: false }, { dtr: false, rts: true }, { dtr: false, rts: false }]);
});

test("FLASH_DATA blocks the ROM rejects for a bad checksum are resent and the flash ends up right", async () => {
  const link = memoryLink({ startInBootloader: true, corruptDataPackets: 3 });
  const ims = images();
  const s = await flashEsp32(link.transport, ims, { ...fast, flashSize: FLASH, compress: false });
  assert.equal(link.model.checksumErrors, 3);
  assert.equal(s.regions.reduce((n, r) => n + r.retries, 0), 3);
  flashHolds(link.model.flash, 0x1000, ims[0]!.data);
  flashHolds(link.model.flash, 0x10000, ims[2]!.data);
});

test("a line that corrupts every block ends in a clear error naming the block, region and ROM error", async () => {
  const link = memoryLink({ startInBootloader: true, corruptDataPackets: 1000 });
  await assert.rejects(flashEsp32(link.transport, images(), { ...fast, flashSize: FLASH, blockRetries: 2 }),
    (e: Error) => {
      assert.match(e.message, /memory-link: FLASH_DEFL_DATA block 1\/\d+ of bootloader at 0x1000 failed after 3 attempts: invalid CRC/);
      return true;
    });
  assert.equal(link.model.checksumErrors, 3);
});

test("a chip that stops answering mid-write gives a timeout naming the command and the port", async () => {
  const link = memoryLink({ startInBootloader: true, silentAfterCommands: 6, name: "/dev/ttyFAKE0" });
  await assert.rejects(flashEsp32(link.transport, images(), { ...quick, commandTimeoutMs: 1000, flashSize: FLASH }),
    /\/dev\/ttyFAKE0: no answer to FLASH_DEFL_DATA block 2\/\d+ of bootloader at 0x1000 within 1000 ms/);
});

test("a chip that never syncs: the error names the port and every reset sequence tried", async () => {
  const link = memoryLink({ neverSync: true, name: "/dev/ttyUSB7" });
  await assert.rejects(flashEsp32(link.transport, images(), { ...quick, flashSize: FLASH }), (e: Error) => {
    assert.match(e.message, /^\/dev\/ttyUSB7: no ESP ROM loader answered 30 SYNC attempts/);
    assert.match(e.message, /reset sequences tried: classic, usb-jtag-serial, classic \(slow, 550 ms\)/);
    return true;
  });
  assert.equal(link.model.received.length, 0);
});

test("a board whose reset boots the app instead of the loader: the error quotes what the port printed", async () => {
  const link = memoryLink({ wiring: "classic", io0NotWired: true, name: "/dev/ttyUSB3" });
  await assert.rejects(new EspLoader(link.transport, { ...quick, connectRounds: 1 }).connect(), (e: Error) => {
    assert.match(e.message, /^\/dev\/ttyUSB3: no ESP ROM loader answered 15 SYNC attempts/);
    assert.match(e.message, /the port said \(not the loader\): ".*boot:0x13 \(SPI_FAST_FLASH_BOOT\)/);
    return true;
  });
  assert.equal(link.model.boots, 3);
});

test("a port without modem lines and a chip not in download mode: the error says DTR/RTS could not be driven", async () => {
  const link = memoryLink({ noModemLines: true, name: "/dev/pts/9" });
  await assert.rejects(new EspLoader(link.transport, { ...quick, connectRounds: 1 }).connect(),
    /\/dev\/pts\/9: no ESP ROM loader answered 5 SYNC attempts\n {2}reset sequences tried: no reset\n {2}DTR\/RTS could not be driven: the port has no DTR\/RTS lines/);
});

test("flash that does not keep what was written fails MD5 verification with both digests", async () => {
  const link = memoryLink({ startInBootloader: true, stuckZeroAt: 0x10000 + 41 });
  const ims = images();
  ims[2]!.data[41] = 0xff;
  await assert.rejects(flashEsp32(link.transport, ims, { ...fast, flashSize: FLASH }),
    /verification failed for app at 0x10000: flash MD5 [0-9a-f]{32}, expected [0-9a-f]{32}/);
});

test("chip detection: ESP32-S3 is named, ESP8266 and unknown magic values are refused clearly", async () => {
  const s3 = memoryLink({ startInBootloader: true, magic: 0x9 });
  const l = new EspLoader(s3.transport, fast);
  await l.connect();
  assert.equal((await l.detectChip()).name, "ESP32-S3");
  const esp8266 = memoryLink({ startInBootloader: true, magic: 0xfff0c101 });
  await assert.rejects(flashEsp32(esp8266.transport, images(), { ...fast, flashSize: FLASH }), /found an ESP8266/);
  const odd = memoryLink({ startInBootloader: true, magic: 0x12345678 });
  await assert.rejects(flashEsp32(odd.transport, images(), { ...fast, flashSize: FLASH }), /unknown chip: magic register 0x40001000 reads 0x12345678/);
});

test("images built for ESP32 are refused on another chip before anything is written", async () => {
  const link = memoryLink({ startInBootloader: true, magic: 0x9 });
  await assert.rejects(flashEsp32(link.transport, images(), { ...fast, flashSize: FLASH, expectChip: "esp32" }),
    /built for ESP32 but the chip is an ESP32-S3/);
  assert.ok(!link.model.received.includes(Op.SPI_ATTACH));
});

test("image files are checked: wrong magic, overlap, app larger than its partition", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "wasmcu-esp-"));
  writeFileSync(path.join(dir, "elf.bin"), Buffer.from("\x7fELF rest of an elf file"));
  assert.throws(() => imagesFromFiles({ app: path.join(dir, "elf.bin") }), (e: Error) => e instanceof InputError && /not an ESP app image: byte 0 is 7f, expected e9/.test(e.message));
  writeFileSync(path.join(dir, "pt.bin"), espImage(100, 3));
  assert.throws(() => imagesFromFiles({ partitions: path.join(dir, "pt.bin") }), /not a partition table: byte 0-1 are e9 03/);
  assert.throws(() => imagesFromFiles({ bootloader: path.join(dir, "missing.bin") }), /cannot read the bootloader .*missing\.bin: ENOENT/);
});

test("regions that overlap or exceed their partition are refused before the chip is touched", async () => {
  const big = memoryLink({ startInBootloader: true });
  const ims = images();
  ims[0]!.data = espImage(0x7001 + 0x1000, 4);
  await assert.rejects(flashEsp32(big.transport, ims, { ...fast, flashSize: FLASH }), /bootloader\.bin \(0x1000-0x9001\) overlaps partition-table\.bin at 0x8000/);
  const app = memoryLink({ startInBootloader: true });
  await assert.rejects(flashEsp32(app.transport, images(), { ...fast, flashSize: FLASH, appLimit: 65536 }), /app image is 70003 bytes, larger than its 65536-byte partition/);
  assert.ok(!app.model.received.includes(Op.FLASH_DEFL_BEGIN));
});

test("flasher_args.json from idf.py gives the files, offsets and target chip", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "wasmcu-idf-"));
  writeFileSync(path.join(dir, "bl.bin"), espImage(5000, 5));
  writeFileSync(path.join(dir, "pt.bin"), partitionTable());
  writeFileSync(path.join(dir, "wasmcu.bin"), espImage(20000, 6));
  writeFileSync(path.join(dir, "otadata.bin"), Buffer.alloc(8192, 0xff));
  writeFileSync(path.join(dir, "flasher_args.json"), JSON.stringify({
    flash_files: { "0x1000": "bl.bin", "0x10000": "wasmcu.bin", "0x8000": "pt.bin", "0xd000": "otadata.bin" },
    bootloader: { offset: "0x1000", file: "bl.bin" },
    app: { offset: "0x10000", file: "wasmcu.bin" },
    "partition-table": { offset: "0x8000", file: "pt.bin" },
    extra_esptool_args: { chip: "esp32" },
  }));
  const fa = imagesFromFlasherArgs(path.join(dir, "flasher_args.json"));
  assert.equal(fa.chip, "esp32");
  assert.deepEqual(fa.images.map((i) => [i.role, i.offset, path.basename(i.file), i.data.length]),
    [["bootloader", 0x1000, "bl.bin", 5000], ["app", 0x10000, "wasmcu.bin", 20000], ["partitions", 0x8000, "pt.bin", 3072], ["data", 0xd000, "otadata.bin", 8192]]);
  writeFileSync(path.join(dir, "bad.json"), JSON.stringify({ flash_files: { "0xZZ": "bl.bin" } }));
  assert.throws(() => imagesFromFlasherArgs(path.join(dir, "bad.json")), /"0xZZ" is not a flash offset/);
});

test("a byte flipped on the wire inside a FLASH_DATA packet is caught by the ROM's checksum and the block is resent", async () => {
  let flipped = false;
  const tamper = (frame: Buffer): Buffer => {
    // One SLIP frame per write: C0 00 op ... C0. Flip one data byte of the first FLASH_DATA.
    if (flipped || frame[2] !== Op.FLASH_DATA) return frame;
    const special = new Set([0xc0, 0xdb, 0xdc, 0xdd]);
    for (let i = frame.length - 2; i > 30; i--) {
      if (!special.has(frame[i]!) && !special.has(frame[i]! ^ 0x01) && !special.has(frame[i - 1]!)) {
        frame[i] = frame[i]! ^ 0x01;
        flipped = true;
        break;
      }
    }
    return frame;
  };
  const link = memoryLink({ startInBootloader: true, tamper });
  const ims = images();
  const s = await flashEsp32(link.transport, ims, { ...fast, flashSize: FLASH, compress: false });
  assert.ok(flipped);
  assert.equal(link.model.checksumErrors, 1);
  assert.equal(s.regions.reduce((n, r) => n + r.retries, 0), 1);
  flashHolds(link.model.flash, 0x1000, ims[0]!.data);
});

test("flash pointed at a board running wasmcu firmware says so instead of quoting its link bytes", async () => {
  const { Duplex } = await import("node:stream");
  const { FrameTransport } = await import("../../../host-tools/src/flash/esp32/transport.js");
  const { encodeFrame } = await import("../../../host-tools/src/link/frame.js");
  const { FrameType } = await import("../../../host-tools/src/link/constants.js");
  // A wasmcu board: SLIP packets mean nothing to it; a link INFO frame gets its HELLO.
  const hello = encodeFrame({ type: FrameType.Hello, flags: 0, seq: 0, payload: new TextEncoder().encode('{"protocol":1,"board":"esp32"}') });
  let probed = 0;
  const wire = new Duplex({
    read() {},
    write(chunk: Buffer, _enc, cb) {
      // the link's INFO command (0x40) after COBS: its second byte is the type
      if (chunk.length > 2 && chunk[1] === 0x40 && chunk.at(-1) === 0) {
        probed++;
        setImmediate(() => wire.push(Buffer.from(hello)));
      }
      cb();
    },
  });
  const transport = new FrameTransport("/dev/ttyWASMCU", wire, {});
  const tick = () => new Promise<void>((r) => setImmediate(r));
  await assert.rejects(new EspLoader(transport, { ...quick, connectRounds: 1, noReset: true, sleep: tick }).connect(), (e: Error) => {
    assert.match(e.message, /^\/dev\/ttyWASMCU: this board runs wasmcu firmware/);
    assert.doesNotMatch(e.message, /the port said/);
    return true;
  });
  assert.equal(probed, 1);
});
