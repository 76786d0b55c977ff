// Firmware deltas for boards with the wasmcu bootloader (boards/rp2040/boot/README.md). The
// device patches the bank it runs into the other bank, so a firmware delta pairs each old
// bank build with the new build for the *other* bank: a firmware delta file (.wdlt) is two
// delta patches back to back, the first for a board running fw_a (old fw_a image -> new fw_b
// image), the second for a board running fw_b (old fw_b image -> new fw_a image). The host
// sends the one for the bank the board runs; the board still checks that the patch's base is
// the image it runs.
//
// The host board's two firmware files hold the same executable, so its delta is the one patch
// from the old image to the new one, listed for both banks: the same file shape, and each
// patch still names the base it applies to.
import { InputError } from "../lib/errors.js";
import { applyDelta, encodeDelta, parsePatchHeader, PATCH_HEADER_SIZE, type DeltaStats, type PatchHeader } from "./delta.js";
import { BANKS, imageForOtherBank, type Bank, type FirmwareImage } from "./firmware.js";

export interface FirmwarePatch {
  /** The bank the board must be running for this patch: its base is that bank's old image. */
  running: Bank;
  header: PatchHeader;
  bytes: Buffer;
}

const emptyStats = (): DeltaStats => ({ copyOps: 0, addOps: 0, insertOps: 0, insertedBytes: 0, diffBytes: 0 });

/** Both patches of a firmware delta from two firmware files (each with both banks); checked
 * against the reference decoder before they are returned. A patch between the same two images
 * as the one before it (the host board's) is that one again, encoded once. */
export function makeFirmwareDelta(old: FirmwareImage[], nw: FirmwareImage[], what: { from: string; to: string }): { file: Buffer; stats: DeltaStats } {
  const stats = emptyStats();
  const made: { base: Buffer; target: Buffer; patch: Buffer }[] = [];
  const parts = BANKS.map((running) => {
    const base = old.find((i) => i.bank === running);
    if (!base) throw new InputError(`${what.from} has no image for bank ${running}`, "a firmware delta is made between two firmware files with both banks");
    const target = imageForOtherBank(nw, running, what.to);
    const again = made.find((m) => m.base.equals(base.bytes) && m.target.equals(target.bytes));
    if (again) return again.patch;
    const patch = encodeDelta(base.bytes, target.bytes, stats);
    if (!applyDelta(base.bytes, patch).equals(target.bytes)) throw new InputError(`internal: the ${running} patch does not reproduce ${what.to}'s ${target.bank} image`);
    made.push({ base: base.bytes, target: target.bytes, patch });
    return patch;
  });
  return { file: Buffer.concat(parts), stats };
}

/** One patch listed for both banks (a host-board delta): no bank build's delta is, as its two bases differ. */
export function patchServesBothBanks(patches: FirmwarePatch[]): boolean {
  return patches.length === 2 && patches[0]!.bytes.equals(patches[1]!.bytes);
}

/** Splits a firmware delta file into its two patches (fw_a's, then fw_b's). */
export function parseFirmwareDelta(bytes: Uint8Array, what: string): FirmwarePatch[] {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: FirmwarePatch[] = [];
  for (let off = 0; off < b.length;) {
    if (out.length === BANKS.length) throw new InputError(`${what}: ${b.length - off} bytes after the two patches at offset ${off}`);
    if (b.length - off < PATCH_HEADER_SIZE) throw new InputError(`${what}: ${b.length - off} stray bytes at offset ${off}`);
    const len = PATCH_HEADER_SIZE + b.readUInt32LE(off + 84);
    if (len > b.length - off) throw new InputError(`${what}: the patch at offset ${off} says ${len} bytes, ${b.length - off} left`);
    const patch = b.subarray(off, off + len);
    out.push({ running: BANKS[out.length]!, header: parsePatchHeader(patch, `${what} at offset ${off}`), bytes: patch });
    off += len;
  }
  if (out.length !== BANKS.length) {
    throw new InputError(`${what}: ${out.length} delta patch(es); a firmware delta holds two (one per running bank)`,
      "make it with wasmcu ota make --from OLD.wimg --to NEW.wimg between two firmware files");
  }
  return out;
}

/** The patch for a board running from `running`. */
export function patchForRunningBank(patches: FirmwarePatch[], running: Bank): FirmwarePatch {
  return patches.find((p) => p.running === running)!;
}
