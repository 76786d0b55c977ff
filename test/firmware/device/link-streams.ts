// Seeded random link streams for the device's receiver (link_rx_bytes through
// test_link_codec receive): good frames with any flags and payload, MLPerf text commands with
// line ends around them, garbage blocks and damaged frames, in any order and fed in any chunk
// size. The receiver must deliver exactly the good frames and the text commands, in order.
import { execFileSync } from "node:child_process";
import { encodeFrame } from "../../../host-tools/src/link/frame.js";
import { hostBin } from "../../helpers/paths.js";
import { prng } from "../../helpers/prng.js";

export { prng };

type Rnd = () => number;
const int = (rnd: Rnd, n: number) => Math.floor(rnd() * n);


const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

export interface LinkCase { stream: Uint8Array; chunk: number; expect: string[]; parts: string[]; ambiguous: number }

/** Whether the receiver takes these wire bytes for a text command: after leading line ends and
 * '%'s, printable ASCII up to a '%'. A frame can look like that only when its flags, seq and
 * payload are printable and its first zero byte is 32 or more bytes in (a first COBS code byte
 * of 0x20 or more); the host's frames never do (flags 0 makes that byte 2). */
export function looksLikeText(wire: Uint8Array): boolean {
  let j = 0;
  while (j < wire.length && (wire[j] === 0x0a || wire[j] === 0x0d || wire[j] === 0x25)) j++;
  for (; j < wire.length; j++) {
    const b = wire[j]!;
    if (b === 0x25) return true;
    if (b < 0x20 || b >= 0x7f) return false;
  }
  return false;
}

/** One stream of 1..8 parts and what the receiver must report for it. */
export function linkCase(rnd: Rnd): LinkCase {
  const bytes: number[] = [];
  const expect: string[] = [];
  const parts: string[] = [];
  let ambiguous = 0;
  const lineEnds = () => Array.from({ length: int(rnd, 3) }, () => (rnd() < 0.5 ? 0x0d : 0x0a));
  for (let n = 1 + int(rnd, 8); n > 0; n--) {
    const kind = int(rnd, 4);
    if (kind === 0 || kind === 1) {
      // a good frame; its flags and payload make any first COBS code byte, 0x0a and 0x0d included
      // (printable payloads often: they are the ones that can look like text)
      const printable = rnd() < 0.3;
      let f, wire;
      do {
        const payload = Uint8Array.from({ length: int(rnd, 48) }, () => (rnd() < 0.15 ? 0 : printable ? 0x20 + int(rnd, 0x5f) : int(rnd, 256)));
        f = { type: 1 + int(rnd, 255), flags: int(rnd, 256), seq: int(rnd, 65536), payload };
        wire = encodeFrame(f);
      } while (looksLikeText(wire) && ++ambiguous);
      const payload = f.payload;
      bytes.push(...wire);
      expect.push(`frame ${f.type} ${f.seq} ${hex(payload)}`);
      parts.push("frame");
    } else if (kind === 2) {
      const text = Array.from({ length: 1 + int(rnd, 20) }, () => {
        const c = 0x20 + int(rnd, 0x5f);
        return c === 0x25 ? 0x41 : c; // no '%' inside
      });
      bytes.push(...lineEnds(), ...text, 0x25, ...lineEnds());
      expect.push(`text ${String.fromCharCode(...text)}`);
      parts.push("text");
    } else if (rnd() < 0.5) {
      // garbage up to a delimiter (no '%', which could end a text command)
      bytes.push(...Array.from({ length: 1 + int(rnd, 40) }, () => 1 + int(rnd, 255)).map((b) => (b === 0x25 ? 0x26 : b)), 0);
      parts.push("garbage");
    } else {
      // a damaged frame: one flipped bit that keeps it one block
      let wire;
      do {
        wire = encodeFrame({ type: 1 + int(rnd, 255), flags: int(rnd, 256), seq: int(rnd, 65536), payload: Uint8Array.from({ length: int(rnd, 32) }, () => int(rnd, 256)) });
        const at = int(rnd, wire.length - 1);
        const was = wire[at]!;
        const v = was ^ (1 << int(rnd, 8));
        wire[at] = v !== 0 ? v : was ^ (was === 1 ? 2 : 1); // always changed, never 0: still one block
      } while (looksLikeText(wire));
      bytes.push(...wire);
      parts.push("damaged");
    }
  }
  const chunk = [1, 2, 3, 7, 64, bytes.length][int(rnd, 6)]!;
  return { stream: Uint8Array.from(bytes), chunk, expect, parts, ambiguous };
}

/** What link_rx_bytes reported: frame and text lines (the dropped count left out). */
export function receive(c: LinkCase): string[] {
  const out = execFileSync(hostBin("test_link_codec"), ["receive", hex(c.stream), String(c.chunk)], { encoding: "utf8" });
  return out.trim().split("\n").filter((l) => !l.startsWith("dropped "));
}
