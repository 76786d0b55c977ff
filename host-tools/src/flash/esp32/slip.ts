// SLIP framing (RFC 1055) as Espressif's serial bootloader uses it: every packet starts
// and ends with 0xC0; 0xC0 and 0xDB inside are escaped as DB DC and DB DD.
// Bytes outside a frame (ROM boot messages, line noise) are ignored by the decoder.

export const SLIP_END = 0xc0;
export const SLIP_ESC = 0xdb;
export const SLIP_ESC_END = 0xdc;
export const SLIP_ESC_ESC = 0xdd;

export function slipEncode(packet: Uint8Array): Buffer {
  let escapes = 0;
  for (const b of packet) if (b === SLIP_END || b === SLIP_ESC) escapes++;
  const out = Buffer.alloc(packet.length + escapes + 2);
  let o = 0;
  out[o++] = SLIP_END;
  for (const b of packet) {
    if (b === SLIP_END) {
      out[o++] = SLIP_ESC;
      out[o++] = SLIP_ESC_END;
    } else if (b === SLIP_ESC) {
      out[o++] = SLIP_ESC;
      out[o++] = SLIP_ESC_ESC;
    } else out[o++] = b;
  }
  out[o++] = SLIP_END;
  return out;
}

export type SlipEvent =
  | { kind: "frame"; data: Buffer }
  /** A frame dropped because of an invalid escape sequence or because it grew past the limit. */
  | { kind: "bad"; reason: string }
  /** Bytes seen between frames (e.g. the ROM's boot banner). */
  | { kind: "noise"; data: Buffer };

/** Incremental decoder: push any chunking of the byte stream, get whole frames out. */
export class SlipDecoder {
  private buf: number[] = [];
  private inFrame = false;
  private escaped = false;
  private broken: string | undefined;
  private noise: number[] = [];

  constructor(private readonly maxFrame = 0x10000 + 64) {}

  push(chunk: Uint8Array): SlipEvent[] {
    const events: SlipEvent[] = [];
    for (const b of chunk) {
      if (b === SLIP_END) {
        if (this.noise.length > 0) {
          events.push({ kind: "noise", data: Buffer.from(this.noise) });
          this.noise = [];
        }
        if (this.inFrame && (this.buf.length > 0 || this.broken)) {
          if (this.broken) events.push({ kind: "bad", reason: this.broken });
          else if (this.escaped) events.push({ kind: "bad", reason: "frame ends inside an escape sequence" });
          else events.push({ kind: "frame", data: Buffer.from(this.buf) });
        }
        // An END both closes a frame and may open the next one (back-to-back frames share nothing,
        // but a lone END between frames is harmless).
        this.inFrame = true;
        this.buf = [];
        this.escaped = false;
        this.broken = undefined;
        continue;
      }
      if (!this.inFrame) {
        if (this.noise.length < 4096) this.noise.push(b);
        continue;
      }
      if (this.broken) continue;
      if (this.escaped) {
        this.escaped = false;
        if (b === SLIP_ESC_END) this.buf.push(SLIP_END);
        else if (b === SLIP_ESC_ESC) this.buf.push(SLIP_ESC);
        else this.broken = `invalid escape 0xdb 0x${b.toString(16).padStart(2, "0")}`;
      } else if (b === SLIP_ESC) this.escaped = true;
      else this.buf.push(b);
      if (this.buf.length > this.maxFrame) this.broken = `frame longer than ${this.maxFrame} bytes`;
    }
    // Text between frames is handed out as it comes: a chip that only prints never sends an END.
    if (this.noise.length > 0) {
      events.push({ kind: "noise", data: Buffer.from(this.noise) });
      this.noise = [];
    }
    return events;
  }

  /** Forget any partial frame (after a reset or a baud-rate change). */
  reset(): void {
    this.buf = [];
    this.inFrame = false;
    this.escaped = false;
    this.broken = undefined;
    this.noise = [];
  }
}
