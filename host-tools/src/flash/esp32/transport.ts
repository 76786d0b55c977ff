// Byte transport under the ROM protocol: SLIP frames over any Duplex stream (a serial
// port, a pseudo-terminal, an in-memory pair in tests), plus the modem lines (DTR/RTS)
// and the baud rate where the underlying port has them.
import type { Duplex } from "node:stream";
import { DeviceError } from "../../lib/errors.js";
import { openSerialPort, type ModemLines } from "../../serial/port.js";
import { slipEncode, SlipDecoder } from "./slip.js";

/** What a port can do besides moving bytes; missing functions mean "not supported". */
export interface PortControl {
  setSignals?(lines: ModemLines): Promise<void>;
  setBaudRate?(baud: number): Promise<void>;
  close?(): Promise<void>;
}

export class FrameTransport {
  private readonly decoder = new SlipDecoder();
  private readonly frames: Buffer[] = [];
  private waiter: (() => void) | undefined;
  private closedError: Error | undefined;
  /** Bytes seen outside frames since the last flush (shown when sync fails: a ROM banner helps). */
  noise = "";
  badFrames = 0;

  constructor(readonly name: string, private readonly stream: Duplex, private readonly control: PortControl = {}) {
    stream.on("data", (chunk: Buffer) => {
      for (const ev of this.decoder.push(chunk)) {
        if (ev.kind === "frame") this.frames.push(ev.data);
        else if (ev.kind === "bad") this.badFrames++;
        else if (this.noise.length < 2048) this.noise += ev.data.toString("latin1");
      }
      if (this.frames.length > 0) this.wake();
    });
    const onEnd = (err?: Error) => {
      this.closedError = new DeviceError(`${name}: the port closed${err ? `: ${err.message}` : ""}`);
      this.wake();
    };
    stream.once("close", () => onEnd());
    stream.once("end", () => onEnd());
    stream.on("error", (e: Error) => onEnd(e));
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  get canSetSignals(): boolean {
    return this.control.setSignals !== undefined;
  }

  /** Writes bytes as they are, without SLIP framing (to ask something other than the ROM). */
  async writeRaw(bytes: Uint8Array): Promise<void> {
    if (this.closedError) throw this.closedError;
    await new Promise<void>((resolve, reject) =>
      this.stream.write(bytes, (err) => (err ? reject(new DeviceError(`${this.name}: write failed: ${err.message}`)) : resolve())));
  }

  async writePacket(packet: Uint8Array): Promise<void> {
    if (this.closedError) throw this.closedError;
    const bytes = slipEncode(packet);
    await new Promise<void>((resolve, reject) =>
      this.stream.write(bytes, (err) => (err ? reject(new DeviceError(`${this.name}: write failed: ${err.message}`)) : resolve())));
  }

  /** The next whole frame, or undefined when none arrives within `timeoutMs`. */
  async readFrame(timeoutMs: number): Promise<Buffer | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const f = this.frames.shift();
      if (f) return f;
      if (this.closedError) throw this.closedError;
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          this.waiter = undefined;
          resolve();
        }, left);
        this.waiter = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  }

  /** Drops queued frames and partial input (after a reset, before a new conversation). */
  flushInput(): void {
    this.frames.length = 0;
    this.decoder.reset();
    this.noise = "";
  }

  async setSignals(lines: ModemLines): Promise<void> {
    if (!this.control.setSignals) throw new DeviceError(`${this.name}: this port has no DTR/RTS lines`);
    await this.control.setSignals(lines);
  }

  async setBaudRate(baud: number): Promise<void> {
    if (!this.control.setBaudRate) throw new DeviceError(`${this.name}: this port's baud rate cannot be changed`);
    await this.control.setBaudRate(baud);
    this.decoder.reset();
  }

  async close(): Promise<void> {
    if (this.control.close) await this.control.close();
    else this.stream.destroy();
  }
}

/** Opens a serial port (or pty) by path at `baud` (serial/port.ts), with its modem lines and baud rate. */
export async function openSerialTransport(path: string, baud: number): Promise<FrameTransport> {
  const port = await openSerialPort(path, baud);
  return new FrameTransport(path, port.stream, port);
}
