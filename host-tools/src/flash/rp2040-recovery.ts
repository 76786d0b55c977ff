// The rp2040 bootloader's serial recovery (boards/rp2040/boot/recovery.c has the protocol):
// a board with no bootable firmware in either bank takes fw_a's signed image over UART0,
// in blocks of one 4 KiB flash sector, each with its CRC-32 and answered before the next is sent.
import { DeviceError } from "../lib/errors.js";
import { crc32 } from "../lib/crc32.js";
import type { Transport } from "../link/transport.js";

const BLOCK = 4096; // the RP2040's erase unit: the board erases, then programs, each block
const BANNER = "wasmcu-boot recovery:";

export interface RecoveryOptions {
  /** How long to wait for each answer (each block is a sector erase and 16 page programs). */
  answerTimeoutMs?: number;
  onProgress?: (sent: number, total: number) => void;
}

/** Answers from the board as they arrive. */
class Replies {
  private text = "";
  private waiters: (() => void)[] = [];
  constructor(t: Transport) {
    t.onData((c) => {
      this.text += Buffer.from(c).toString("latin1");
      this.waiters.splice(0).forEach((w) => w());
    });
  }

  /** Forgets what arrived so far (the board is quiet until it is asked something). */
  drop(): void {
    this.text = "";
  }

  /** Waits until `match` finds something in what arrived; consumes up to its end. */
  async take(match: RegExp, timeoutMs: number, what: string): Promise<RegExpExecArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = match.exec(this.text);
      if (m) {
        this.text = this.text.slice(m.index + m[0].length);
        return m;
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new DeviceError(`recovery: no ${what} from the board within ${timeoutMs} ms`, "is the board in its bootloader's recovery mode (no bootable firmware), on UART0?");
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.min(left, 200));
        this.waiters.push(() => { clearTimeout(t); r(); });
      });
    }
  }
}

/** Sends `image` (fw_a's signed firmware image) to a board in recovery; resolves once it verified it and reset. */
export async function recoverRp2040(t: Transport, image: Uint8Array, opts: RecoveryOptions = {}): Promise<void> {
  // Generous: an emulated board on a busy machine may take many seconds per block.
  const wait = opts.answerTimeoutMs ?? 60_000;
  const replies = new Replies(t);
  // Any byte that is not the start of a request makes the board say what it is.
  t.write(Buffer.from("?"));
  await replies.take(new RegExp(`${BANNER} [^\\n]*\\n`), wait, "recovery banner");
  // The banner it printed on entry may arrive after the one asked for: let both in, then start clean.
  await new Promise((r) => setTimeout(r, 300));
  replies.drop();
  const start = Buffer.alloc(8);
  start.write("RCV1", 0, "latin1");
  start.writeUInt32LE(image.length, 4);
  t.write(start);
  if ((await replies.take(/[KE]/, wait, "answer to the request"))[0] !== "K") {
    throw new DeviceError(`recovery: the board refused an image of ${image.length} bytes (it does not fit bank fw_a)`);
  }
  for (let at = 0; at < image.length;) {
    const n = Math.min(BLOCK, image.length - at);
    const block = Buffer.alloc(2 + n + 4);
    block.writeUInt16LE(n, 0);
    block.set(image.subarray(at, at + n), 2);
    block.writeUInt32LE(crc32(image.subarray(at, at + n)) >>> 0, 2 + n);
    let tries = 0;
    for (;;) {
      t.write(block);
      if ((await replies.take(/[KE]/, wait, `answer to the block at ${at}`))[0] === "K") break;
      if (++tries === 5) throw new DeviceError(`recovery: the board could not program the block at ${at} (5 tries)`);
    }
    at += n;
    opts.onProgress?.(at, image.length);
  }
  const end = await replies.take(/(OK|NO [^\n]*)\n/, 120_000, "verdict on the image");
  if (end[1] !== "OK") throw new DeviceError(`recovery: the board refused the image: ${end[1]!.slice(3)}`, "send a signed firmware image its keys accept, at or above its security floor");
}
