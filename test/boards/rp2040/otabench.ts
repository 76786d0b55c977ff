// Drives the OTA benchmark image (boards/rp2040/otabench) on rp2040-sim: puts
// signed images and patches into the emulated flash beside the firmware,
// boots it, and turns its "name: key=value ..." reply lines into records.
// Used by test/boards/rp2040/otabench.test.ts and scripts/bench/50-ota.mjs.
import { readFileSync } from "node:fs";

import { DEFAULT_FLASH_SIZE, startRp2040Sim, type Rp2040Sim } from "../../../host-tools/src/sim/rp2040.js";

/** A blob written into the emulated flash before boot, at a board flash offset. */
export interface Placed {
  offset: number;
  bytes: Uint8Array;
}

/** One reply line: its fields (key=value) and the line itself. */
export type Reply = Record<string, string> & { line: string };

/** The bytes the image hashes for `sha256 LEN` / `sha512 LEN`: byte i = (i * 167 + 13) mod 256. */
export function hashPattern(len: number): Buffer {
  const b = Buffer.alloc(len);
  for (let i = 0; i < len; i++) b[i] = (i * 167 + 13) & 0xff;
  return b;
}

export function parseReply(line: string): Reply {
  const out: Record<string, string> = { line };
  for (const m of line.matchAll(/(\S+?)=(\S+)/g)) out[m[1]!] = m[2]!;
  return out as Reply;
}

export class OtaBench {
  constructor(readonly sim: Rp2040Sim) {}

  /** Sends one command and returns its first `count` reply lines (those starting with `name:`). */
  async command(line: string, count = 1, timeoutMs = 60_000): Promise<Reply[]> {
    const name = line.split(" ")[0]!;
    this.sim.sendLine(line);
    const out: Reply[] = [];
    while (out.length < count) {
      const m = await this.sim.expect(new RegExp(`(?:^|\\n)(${name}:[^\\r]*|error:[^\\r]*)\\r\\n`), { timeoutMs });
      const text = m.match[1]!;
      if (text.startsWith("error:") || / error /.test(text)) throw new Error(`otabench: "${line}" answered ${text}`);
      out.push(parseReply(text));
    }
    return out;
  }

  stop(): Promise<void> {
    return this.sim.stop();
  }
}

/**
 * Boots `elf`'s flash image (its .bin beside it) on rp2040-sim with `placed`
 * written into flash too, and waits for "ready".
 */
export async function startOtaBench(elf: string, placed: Placed[] = []): Promise<OtaBench> {
  const flash = new Uint8Array(DEFAULT_FLASH_SIZE).fill(0xff);
  const firmware = readFileSync(elf.replace(/\.elf$/, ".bin"));
  flash.set(firmware, 0);
  for (const p of placed) {
    if (p.offset < firmware.length || p.offset + p.bytes.length > flash.length) {
      throw new Error(`otabench: ${p.bytes.length} bytes at flash offset ${p.offset} overlap the firmware or leave flash`);
    }
    flash.set(p.bytes, p.offset);
  }
  // Raw flash bytes from offset 0; batches small enough that replies are seen promptly.
  const sim = await startRp2040Sim({ image: flash, batchCycles: 1_000_000 });
  try {
    await sim.expect("ready\r\n", { timeoutMs: 30_000 });
  } catch (e) {
    await sim.stop();
    throw e;
  }
  return new OtaBench(sim);
}
