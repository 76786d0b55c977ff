// UF2 files: what a board in bootloader mode accepts as a mass-storage copy.
// Written from the UF2 specification (github.com/microsoft/uf2): 512-byte blocks,
// each carrying up to 476 bytes for one target address; we use 256-byte payloads,
// one flash page each, as the RP2040 bootrom expects.
import { isElf, parseElf } from "./elf.js";

export const UF2_BLOCK_SIZE = 512;
export const UF2_MAGIC_START0 = 0x0a324655;
export const UF2_MAGIC_START1 = 0x9e5d5157;
export const UF2_MAGIC_END = 0x0ab16f30;
export const UF2_FLAG_NOT_MAIN_FLASH = 0x00000001;
export const UF2_FLAG_FILE_CONTAINER = 0x00001000;
export const UF2_FLAG_FAMILY_ID = 0x00002000;
/** Family id of the RP2040 (boards/rp2040/board.json uf2_family_id). */
export const RP2040_FAMILY_ID = 0xe48bff56;
const MAX_PAYLOAD = 476;

export interface FlashChunk {
  address: number;
  data: Uint8Array;
}

export interface Uf2Block {
  flags: number;
  targetAddr: number;
  payloadSize: number;
  blockNo: number;
  numBlocks: number;
  /** Family id (or file size / file container data, per flags). */
  familyId: number;
  data: Uint8Array;
}

export interface Uf2Options {
  familyId: number;
  /** Bytes per block (default 256: one RP2040 flash page). */
  payloadSize?: number;
}

export class Uf2Error extends Error {
  constructor(message: string) {
    super(`UF2: ${message}`);
    this.name = "Uf2Error";
  }
}

const hex = (n: number) => `0x${(n >>> 0).toString(16)}`;

/**
 * Packs memory chunks into UF2 blocks: one block per payload-aligned page that
 * any chunk touches, bytes a chunk does not cover within such a page set to 0.
 * Overlapping chunks are refused.
 */
export function uf2FromChunks(chunks: FlashChunk[], opts: Uf2Options): Uint8Array {
  const payload = opts.payloadSize ?? 256;
  if (!Number.isInteger(payload) || payload <= 0 || payload > MAX_PAYLOAD || payload % 4 !== 0) {
    throw new Uf2Error(`payload size ${payload} must be a multiple of 4 between 4 and ${MAX_PAYLOAD}`);
  }
  const pages = new Map<number, { data: Uint8Array; used: Uint8Array }>();
  for (const c of chunks) {
    if (c.address < 0 || c.address + c.data.length > 2 ** 32) {
      throw new Uf2Error(`chunk at ${hex(c.address)} (${c.data.length} bytes) is outside the 32-bit address space`);
    }
    for (let i = 0; i < c.data.length; ) {
      const addr = c.address + i;
      const base = addr - (addr % payload);
      let page = pages.get(base);
      if (!page) {
        page = { data: new Uint8Array(payload), used: new Uint8Array(payload) };
        pages.set(base, page);
      }
      const n = Math.min(payload - (addr - base), c.data.length - i);
      for (let k = 0; k < n; k++) {
        const at = addr - base + k;
        if (page.used[at]) throw new Uf2Error(`two chunks both write address ${hex(base + at)}`);
        page.used[at] = 1;
        page.data[at] = c.data[i + k]!;
      }
      i += n;
    }
  }
  const bases = [...pages.keys()].sort((a, b) => a - b);
  const out = new Uint8Array(bases.length * UF2_BLOCK_SIZE);
  const v = new DataView(out.buffer);
  bases.forEach((base, n) => {
    const at = n * UF2_BLOCK_SIZE;
    v.setUint32(at, UF2_MAGIC_START0, true);
    v.setUint32(at + 4, UF2_MAGIC_START1, true);
    v.setUint32(at + 8, UF2_FLAG_FAMILY_ID, true);
    v.setUint32(at + 12, base, true);
    v.setUint32(at + 16, payload, true);
    v.setUint32(at + 20, n, true);
    v.setUint32(at + 24, bases.length, true);
    v.setUint32(at + 28, opts.familyId >>> 0, true);
    out.set(pages.get(base)!.data, at + 32);
    v.setUint32(at + UF2_BLOCK_SIZE - 4, UF2_MAGIC_END, true);
  });
  return out;
}

/** A raw image (e.g. objcopy -O binary) that starts at `baseAddress`. */
export function uf2FromBin(bin: Uint8Array, baseAddress: number, opts: Uf2Options): Uint8Array {
  return uf2FromChunks([{ address: baseAddress, data: bin }], opts);
}

/** The bytes an ELF file stores, at their load addresses (LMA), keeping only non-empty loadable segments. */
export function elfFlashChunks(elf: Uint8Array, range?: { start: number; end: number }): FlashChunk[] {
  const parsed = parseElf(elf);
  const chunks: FlashChunk[] = [];
  for (const s of parsed.segments) {
    if (s.data.length === 0) continue;
    if (range && (s.paddr < range.start || s.paddr + s.data.length > range.end)) {
      throw new Uf2Error(`ELF segment at ${hex(s.paddr)} (${s.data.length} bytes) is outside flash ` +
        `${hex(range.start)}..${hex(range.end)}`);
    }
    chunks.push({ address: s.paddr, data: s.data });
  }
  if (chunks.length === 0) throw new Uf2Error("the ELF file has no loadable bytes");
  return chunks;
}

/** An ELF file's loadable bytes as UF2; `range` restricts them to flash. */
export function uf2FromElf(elf: Uint8Array, opts: Uf2Options & { range?: { start: number; end: number } }): Uint8Array {
  return uf2FromChunks(elfFlashChunks(elf, opts.range), opts);
}

/** Parses and checks every block: magics, payload size, numbering. */
export function parseUf2(bytes: Uint8Array): Uf2Block[] {
  if (bytes.length === 0 || bytes.length % UF2_BLOCK_SIZE !== 0) {
    throw new Uf2Error(`file is ${bytes.length} bytes, not a positive multiple of ${UF2_BLOCK_SIZE}`);
  }
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const blocks: Uf2Block[] = [];
  for (let at = 0; at < bytes.length; at += UF2_BLOCK_SIZE) {
    const where = `block at byte ${at}`;
    const m0 = v.getUint32(at, true);
    const m1 = v.getUint32(at + 4, true);
    const mEnd = v.getUint32(at + UF2_BLOCK_SIZE - 4, true);
    if (m0 !== UF2_MAGIC_START0 || m1 !== UF2_MAGIC_START1 || mEnd !== UF2_MAGIC_END) {
      throw new Uf2Error(`${where}: bad magic (${hex(m0)} ${hex(m1)} ... ${hex(mEnd)})`);
    }
    const payloadSize = v.getUint32(at + 16, true);
    if (payloadSize > MAX_PAYLOAD) throw new Uf2Error(`${where}: payload size ${payloadSize} exceeds ${MAX_PAYLOAD}`);
    const block: Uf2Block = {
      flags: v.getUint32(at + 8, true),
      targetAddr: v.getUint32(at + 12, true),
      payloadSize,
      blockNo: v.getUint32(at + 20, true),
      numBlocks: v.getUint32(at + 24, true),
      familyId: v.getUint32(at + 28, true),
      data: bytes.slice(at + 32, at + 32 + payloadSize),
    };
    if (block.blockNo >= block.numBlocks) {
      throw new Uf2Error(`${where}: block number ${block.blockNo} is not below the block count ${block.numBlocks}`);
    }
    blocks.push(block);
  }
  return blocks;
}

/** The flash writes a UF2 file asks for, for one family (blocks of other families and non-flash blocks skipped). */
export function uf2FlashChunks(bytes: Uint8Array, familyId: number): FlashChunk[] {
  return parseUf2(bytes)
    .filter((b) => !(b.flags & UF2_FLAG_NOT_MAIN_FLASH) && !(b.flags & UF2_FLAG_FILE_CONTAINER))
    .filter((b) => !(b.flags & UF2_FLAG_FAMILY_ID) || b.familyId === familyId >>> 0)
    .map((b) => ({ address: b.targetAddr, data: b.data }));
}

/** Converts an ELF, or a raw binary at `binBase`, to RP2040 UF2. */
export function toRp2040Uf2(image: Uint8Array, binBase = 0x10000000): Uint8Array {
  const range = { start: 0x10000000, end: 0x11000000 };
  return isElf(image)
    ? uf2FromElf(image, { familyId: RP2040_FAMILY_ID, range })
    : uf2FromBin(image, binBase, { familyId: RP2040_FAMILY_ID });
}
