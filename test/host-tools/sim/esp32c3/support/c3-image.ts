// Test-only: an ESP32-C3 ROM image from an ELF's loadable segments, written from esptool's
// "Firmware Image Format" page (the project's own elf2image lives with the esp32c3 board).
// Only what these tests need: RAM segments, and optionally flash segments placed so their
// data sits at the same offset within a 64 KiB page as their address.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";

import { parseElf } from "../../../../../host-tools/src/build/elf.js";

export interface ImageOptions {
  chipId?: number;
  hash?: boolean;
  /** Corrupt the checksum byte (tests of the ROM's checks). */
  badChecksum?: boolean;
}

export function imageFromElf(elfPath: string, opts: ImageOptions = {}): Uint8Array {
  const elf = parseElf(readFileSync(elfPath));
  const segments = elf.segments.filter((s) => s.data.length > 0).map((s) => ({ addr: s.vaddr, data: pad4(s.data) }));
  return buildImage(elf.entry, segments, opts);
}

function pad4(d: Uint8Array): Uint8Array {
  const out = new Uint8Array((d.length + 3) & ~3);
  out.set(d);
  return out;
}

export function buildImage(entry: number, segments: { addr: number; data: Uint8Array }[], opts: ImageOptions = {}): Uint8Array {
  const parts: number[] = [];
  const header = [0xe9, segments.length, 2, 0x20, entry & 0xff, (entry >>> 8) & 0xff, (entry >>> 16) & 0xff, entry >>> 24];
  const ext = new Array<number>(16).fill(0);
  ext[0] = 0xee;
  ext[4] = (opts.chipId ?? 5) & 0xff;
  ext[5] = ((opts.chipId ?? 5) >>> 8) & 0xff;
  ext[9] = 0xff; ext[10] = 0xff;
  ext[15] = opts.hash ? 1 : 0;
  parts.push(...header, ...ext);
  let sum = 0xef;
  for (const s of segments) {
    const len = s.data.length;
    parts.push(s.addr & 0xff, (s.addr >>> 8) & 0xff, (s.addr >>> 16) & 0xff, s.addr >>> 24, len & 0xff, (len >>> 8) & 0xff, (len >>> 16) & 0xff, len >>> 24);
    for (const b of s.data) { parts.push(b); sum ^= b; }
  }
  while (parts.length % 16 !== 15) parts.push(0);
  parts.push(opts.badChecksum ? sum ^ 0xff : sum);
  let out = Uint8Array.from(parts);
  if (opts.hash) {
    const h = createHash("sha256").update(out).digest();
    out = Uint8Array.from([...out, ...h]);
  }
  return out;
}

/** A 4 MiB erased flash with `image` at offset 0. */
export function flashWith(image: Uint8Array, size = 4 << 20): Uint8Array {
  const f = new Uint8Array(size).fill(0xff);
  f.set(image, 0);
  return f;
}
