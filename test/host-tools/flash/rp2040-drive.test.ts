import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { toRp2040Uf2 } from "../../../host-tools/src/build/uf2.js";
import { findBootDrives, flashRp2040, pickBootDrive } from "../../../host-tools/src/flash/rp2040.js";
import { wasmcu } from "../../helpers/cli.js";

const INFO_RP2040 = "UF2 Bootloader v3.0\r\nModel: Raspberry Pi RP2\r\nBoard-ID: RPI-RP2\r\n";

/** A fake /media tree: media/<user>/<label> folders, some of them boot drives. */
function fakeMounts(drives: Record<string, string | undefined>): { root: string; roots: { dir: string; depth: number }[] } {
  const root = mkdtempSync(path.join(tmpdir(), "wasmcu-media-"));
  for (const [rel, info] of Object.entries(drives)) {
    mkdirSync(path.join(root, rel), { recursive: true });
    if (info !== undefined) writeFileSync(path.join(root, rel, "INFO_UF2.TXT"), info);
  }
  return { root, roots: [{ dir: path.join(root, "media"), depth: 2 }, { dir: path.join(root, "mnt"), depth: 1 }] };
}

function uf2File(dir: string): string {
  const file = path.join(dir, "fw.uf2");
  writeFileSync(file, toRp2040Uf2(Buffer.alloc(1000, 0x5a)));
  return file;
}

test("boot drives are found by an INFO_UF2.TXT that names RPI-RP2; other drives and other UF2 boards are ignored", () => {
  const m = fakeMounts({
    "media/ann/RPI-RP2": INFO_RP2040,
    "media/ann/USBSTICK": undefined,
    "media/ann/CIRCUITPY": "UF2 Bootloader 0.6\nModel: Adafruit Feather M4\nBoard-ID: SAMD51J19A-Feather-v0\n",
    "mnt/RP2350": "UF2 Bootloader v1.0\nModel: Raspberry Pi RP2350\nBoard-ID: RP2350\n",
  });
  const found = findBootDrives(m.roots);
  assert.deepEqual(found.map((d) => [path.relative(m.root, d.dir), d.boardId, d.model]), [["media/ann/RPI-RP2", "RPI-RP2", "Raspberry Pi RP2"]]);
});

test("with no boot drive mounted the error tells how to enter BOOTSEL", () => {
  const m = fakeMounts({ "media/ann/USBSTICK": undefined });
  assert.throws(() => pickBootDrive(undefined, m.roots), (e: Error & { hint?: string }) => {
    assert.match(e.message, /no RP2040 boot drive is mounted \(looked in .*media, .*mnt\)/);
    assert.match(e.hint ?? "", /hold the BOOTSEL button while plugging the USB cable/);
    return true;
  });
});

test("two boot drives are ambiguous; --drive chooses, and a --drive that is not a boot drive is refused", () => {
  const m = fakeMounts({ "media/ann/RPI-RP2": INFO_RP2040, "mnt/pico2": INFO_RP2040, "mnt/plain": undefined });
  assert.throws(() => pickBootDrive(undefined, m.roots), /2 RP2040 boot drives are mounted/);
  assert.equal(pickBootDrive(path.join(m.root, "mnt/pico2"), m.roots).dir, path.join(m.root, "mnt/pico2"));
  assert.throws(() => pickBootDrive(path.join(m.root, "mnt/plain"), m.roots), /not an RP2040 boot drive/);
});

test("flashing copies the UF2 onto the drive unchanged, and a file that is not UF2 is refused before copying", () => {
  const m = fakeMounts({ "media/ann/RPI-RP2": INFO_RP2040 });
  const uf2 = uf2File(m.root);
  const r = flashRp2040(uf2, undefined, m.roots);
  assert.equal(r.drive, path.join(m.root, "media/ann/RPI-RP2"));
  assert.ok(readFileSync(path.join(r.drive, "fw.uf2")).equals(readFileSync(uf2)));
  const notUf2 = path.join(m.root, "fw.bin");
  writeFileSync(notUf2, Buffer.alloc(1024));
  assert.throws(() => flashRp2040(notUf2, undefined, m.roots), /fw\.bin: UF2: block at byte 0: bad magic/);
});

test("wasmcu flash --board rp2040 --uf2 F --drive D --json copies the file and reports it", async () => {
  const m = fakeMounts({ "mnt/RPI-RP2": INFO_RP2040 });
  const uf2 = uf2File(m.root);
  const drive = path.join(m.root, "mnt/RPI-RP2");
  const r = await wasmcu(["flash", "--board", "rp2040", "--uf2", uf2, "--drive", drive, "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { drive: string; boardId: string; blocks: number };
  assert.equal(out.drive, drive);
  assert.equal(out.boardId, "RPI-RP2");
  assert.equal(out.blocks, 4);
  assert.ok(readFileSync(path.join(drive, "fw.uf2")).equals(readFileSync(uf2)));
});
