// Seeded streams of host-style frames (flags 0) through byte damage and bursts, for the link
// decoders' resynchronisation tests (the host's FrameDecoder and the device's link_rx_bytes).
// A frame is intact when its wire bytes and its own delimiter came through unchanged; the
// delimiter before it may be lost, gluing it onto damaged bytes.
import { encodeFrame, type Frame } from "../../host-tools/src/link/frame.js";
import { prng } from "./prng.js";

export interface DamagedStream {
  stream: Uint8Array;
  sent: Frame[];
  /** Indexes into `sent` of the frames that came through intact. */
  intact: number[];
  /** Of those, the ones glued onto the frame before (its delimiter damaged). */
  glued: number[];
}

const key = (f: Frame) => `${f.type} ${f.seq} ${Buffer.from(f.payload).toString("hex")}`;
export const frameKey = key;

/** `count` streams of 2..8 frames (payloads under 64 bytes, so a glued block stays under the
 * device's buffer); each byte is replaced with probability `p` and starts a 16-byte burst with
 * probability `burst`; besides, a frame's delimiter is replaced with probability
 * `loseDelimiter` (the case under test). Damage never writes '%' (the device would take printable bytes up to it
 * for an MLPerf text command) but does write zeros (a split block). */
export function damagedStreams(seed: number, count: number, p = 0.02, burst = 0.004, loseDelimiter = 0.15): DamagedStream[] {
  const rnd = prng(seed);
  const int = (n: number) => Math.floor(rnd() * n);
  const noise = () => {
    const b = int(256);
    return b === 0x25 ? 0x26 : b;
  };
  const out: DamagedStream[] = [];
  for (let c = 0; c < count; c++) {
    const bytes: number[] = [];
    const sent: Frame[] = [];
    const intact: number[] = [];
    const glued: number[] = [];
    let burstLeft = 0;
    for (let n = 2 + int(7); n > 0; n--) {
      const f: Frame = { type: 1 + int(255), flags: 0, seq: int(65536), payload: Uint8Array.from({ length: int(64) }, () => (rnd() < 0.1 ? 0 : int(256))) };
      const wire = encodeFrame(f);
      let clean = true;
      for (const [k, b] of wire.entries()) {
        if (burstLeft === 0 && rnd() < burst) burstLeft = 16;
        let v = b;
        if (burstLeft > 0) {
          burstLeft--;
          v = noise();
        } else if (rnd() < p || (k === wire.length - 1 && rnd() < loseDelimiter)) v = noise();
        clean &&= v === b;
        bytes.push(v);
      }
      if (clean) intact.push(sent.length);
      if (clean && bytes.length > wire.length && bytes[bytes.length - wire.length - 1] !== 0) glued.push(sent.length);
      sent.push(f);
    }
    out.push({ stream: Uint8Array.from(bytes), sent, intact, glued });
  }
  return out;
}
