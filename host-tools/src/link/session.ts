// The host side of the link protocol: commands with acknowledgements, retransmission on
// timeout, and windowed image writes. Every command and its payload: firmware/device/link.def
// (the numbers) and host-tools/src/link/README.md.
import { DeviceError } from "../lib/errors.js";
import { crc32 } from "../lib/crc32.js";
import { CallStatus, Cmd, FrameType, LinkStatus, MAX_PAYLOAD, STATUS_TEXT, Target } from "./constants.js";
import { encodeFrame, FrameDecoder, type Frame } from "./frame.js";
import { decodeMessage, type DeviceMessage } from "./messages.js";
import type { Transport } from "./transport.js";

export { Cmd, Target } from "./constants.js";

export interface CallResult {
  result: bigint;
  micros: number;
  /** CPU cycles where the board counts them (the emulator's SysTick on rp2040-sim), else 0. */
  cycles: number;
}

/** WASMCU_LINK_DEBUG=1: every command and answer on stderr. */
const LINK_DEBUG = Boolean(process.env.WASMCU_LINK_DEBUG);

export type LinkEvent = DeviceMessage | { kind: "text"; text: string } | { kind: "garbage"; bytes: number; reason: string };

export interface CommandResult {
  status: number;
  detail: string;
  data: Uint8Array[];
}

export interface LinkOptions {
  /** Baud rate of the link, to scale timeouts (0 = fast, e.g. a pty with no pacing). */
  baud?: number;
  /** Wait for an answer this long before sending again. */
  timeoutMs?: number;
  /** How many times a command is sent before giving up. */
  attempts?: number;
  /** Chunks of an image write in flight at once. */
  window?: number;
}

export interface WriteProgress {
  sent: number;
  total: number;
}

export interface WriteStats {
  payloadBytes: number;
  /** Bytes the host put on the wire for the whole transfer, framing and retransmissions included. */
  wireBytes: number;
  retransmissions: number;
  ms: number;
}

interface Pending {
  type: number;
  data: Uint8Array[];
  resolve: (r: CommandResult) => void;
  /** Ends the wait at once with no answer (the link was closed). */
  cancel: () => void;
}

/** Image data per WRITE_DATA frame: the payload's maximum less the 4-byte offset. */
export const CHUNK_BYTES = MAX_PAYLOAD - 4;
/** The smallest chunk a noisy link falls back to. */
export const MIN_CHUNK_BYTES = 128;

/** The device did not answer a command, however often it was sent. */
export class NoAnswerError extends DeviceError {}

export class DeviceLink {
  private seq = Math.floor(Math.random() * 0x10000);
  private readonly pending = new Map<number, Pending>();
  private closed = false;
  private readonly listeners: ((e: LinkEvent) => void)[] = [];
  private readonly decoder = new FrameDecoder();
  private readonly opts: Required<LinkOptions>;
  wireBytesOut = 0;

  constructor(readonly transport: Transport, opts: LinkOptions = {}) {
    this.opts = { baud: 0, timeoutMs: 0, attempts: 8, window: 4, ...opts };
    transport.onData((chunk) => this.receive(chunk));
  }

  /** Everything the device says that is not an answer to a command: logs, GPIO traces, app state. */
  onEvent(fn: (e: LinkEvent) => void): void {
    this.listeners.push(fn);
  }

  private emit(e: LinkEvent): void {
    for (const l of this.listeners) l(e);
  }

  private receive(chunk: Uint8Array): void {
    for (const item of this.decoder.push(chunk)) {
      if (item.kind !== "frame") {
        this.emit(item);
        continue;
      }
      const f = item.frame;
      if (f.type === FrameType.Ack || f.type === FrameType.Data) {
        this.answer(f);
        continue;
      }
      try {
        this.emit(decodeMessage(f));
      } catch (e) {
        this.emit({ kind: "garbage", bytes: f.payload.length, reason: (e as Error).message });
      }
    }
  }

  private answer(f: Frame): void {
    if (LINK_DEBUG) process.stderr.write(`link < 0x${f.type.toString(16)} seq ${f.seq} ${f.payload.length} B${f.type === FrameType.Ack ? ` status ${f.payload[0]}` : ""}\n`);
    const p = this.pending.get(f.seq);
    if (!p) return; // a late answer to a command already answered or given up
    if (f.type === FrameType.Data) {
      p.data.push(f.payload);
      return;
    }
    this.pending.delete(f.seq);
    p.resolve({ status: f.payload[0] ?? 255, detail: new TextDecoder().decode(f.payload.subarray(1)), data: p.data });
  }

  /** How long to wait for an answer, given the bytes that may be queued ahead of it. */
  private timeoutFor(bytesInFlight: number): number {
    if (this.opts.timeoutMs) return this.opts.timeoutMs;
    const lineMs = this.opts.baud ? (bytesInFlight * 10 * 1000) / this.opts.baud : 0;
    return 300 + 2 * lineMs;
  }

  private send(type: number, seq: number, payload: Uint8Array): void {
    if (LINK_DEBUG) process.stderr.write(`link > 0x${type.toString(16)} seq ${seq} ${payload.length} B\n`);
    const wire = encodeFrame({ type, flags: 0, seq, payload });
    this.wireBytesOut += wire.length;
    this.transport.write(wire);
  }

  /**
   * Sends a command and waits for its acknowledgement, sending it again (same seq: the
   * device answers a repeat without redoing it) when an answer does not come in time.
   */
  async command(type: Cmd, payload: Uint8Array = new Uint8Array(0),
    opts: { timeoutMs?: number; onRetry?: () => void; expectData?: boolean; attempts?: number } = {}): Promise<CommandResult> {
    const seq = (this.seq = (this.seq + 1) & 0xffff);
    const timeout = opts.timeoutMs ?? this.timeoutFor(payload.length + 2048);
    const attempts = opts.attempts ?? this.opts.attempts;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (this.closed) throw new DeviceError(`command 0x${type.toString(16)}: the link to the device is closed`);
      const answer = new Promise<CommandResult | undefined>((resolve) => {
        const timer = setTimeout(() => resolve(undefined), timeout);
        const prev = this.pending.get(seq);
        this.pending.set(seq, {
          type,
          data: prev?.data ?? [],
          resolve: (r) => {
            clearTimeout(timer);
            resolve(r);
          },
          cancel: () => {
            clearTimeout(timer);
            resolve(undefined);
          },
        });
      });
      if (attempt > 1) opts.onRetry?.();
      this.send(type, seq, payload);
      const r = await answer;
      // An idempotent query whose DATA was lost on the way is simply asked again.
      if (r && (!opts.expectData || r.status !== LinkStatus.Ok || r.data.length > 0)) return r;
    }
    this.pending.delete(seq);
    throw new NoAnswerError(`no answer from the device to command 0x${type.toString(16)} after ${attempts} attempts (${this.transport.description})`,
      "is the board running wasmcu firmware, and is this its port? (wasmcu ports)");
  }

  /** Like command(), but a status other than ok becomes a DeviceError naming `what`. */
  async ok(what: string, type: Cmd, payload?: Uint8Array,
    opts?: { timeoutMs?: number; onRetry?: () => void; expectData?: boolean; attempts?: number }): Promise<CommandResult> {
    const r = await this.command(type, payload, opts);
    if (r.status !== LinkStatus.Ok) {
      throw new DeviceError(`${what}: the device answered "${STATUS_TEXT[r.status] ?? `status ${r.status}`}"${r.detail ? ` (${r.detail})` : ""}`);
    }
    return r;
  }

  /**
   * First contact with a board that may still be booting (or held in reset until it
   * hears from us): asks for INFO every second until it answers or `budgetMs` runs out.
   */
  async connect(budgetMs = 30_000): Promise<Record<string, unknown>> {
    const r = await this.ok("connect", Cmd.Info, undefined, { expectData: true, timeoutMs: 1000, attempts: Math.max(1, Math.ceil(budgetMs / 1000)) });
    return JSON.parse(new TextDecoder().decode(r.data.at(-1)!)) as Record<string, unknown>;
  }

  /** The handshake: firmware version, board, flash layout, slots, free RAM. */
  async info(): Promise<Record<string, unknown>> {
    const r = await this.ok("info", Cmd.Info, undefined, { expectData: true });
    const last = r.data.at(-1);
    if (!last) throw new DeviceError("info: the device acknowledged but sent no description");
    return JSON.parse(new TextDecoder().decode(last)) as Record<string, unknown>;
  }

  /**
   * Writes an image into the inactive slot (app) or the model area, verifies it, and
   * activates it. The active app is not touched until the verified image is activated.
   */
  async writeImage(target: Target, image: Uint8Array, onProgress?: (p: WriteProgress) => void): Promise<WriteStats> {
    const t0 = Date.now();
    const wire0 = this.wireBytesOut;
    let retransmissions = 0;
    const onRetry = () => retransmissions++;
    const crc = crc32(image);
    const begin = new Uint8Array(9);
    const bv = new DataView(begin.buffer);
    begin[0] = target;
    bv.setUint32(1, image.length, true);
    bv.setUint32(5, crc, true);
    // Erasing a large region takes a while on real flash.
    await this.ok("write begin", Cmd.WriteBegin, begin, { timeoutMs: Math.max(this.timeoutFor(64), 5000), onRetry });

    // A piece that gets no answer twice is split in two (a noisy line delivers short
    // frames more often); new pieces stay small until a run of clean answers.
    let chunk = CHUNK_BYTES;
    let clean = 0;
    let cursor = 0;
    let sent = 0;
    const retry: { off: number; len: number; tries: number }[] = [];
    const chunkTimeout = this.timeoutFor(this.opts.window * (CHUNK_BYTES + 16));
    const take = () => {
      const again = retry.shift();
      if (again) return again;
      if (cursor >= image.length) return undefined;
      const piece = { off: cursor, len: Math.min(chunk, image.length - cursor), tries: 0 };
      cursor += piece.len;
      return piece;
    };
    const worker = async () => {
      for (let piece = take(); piece; piece = take()) {
        const payload = new Uint8Array(4 + piece.len);
        new DataView(payload.buffer).setUint32(0, piece.off, true);
        payload.set(image.subarray(piece.off, piece.off + piece.len), 4);
        try {
          await this.ok(`write at offset ${piece.off}`, Cmd.WriteData, payload, { timeoutMs: chunkTimeout, onRetry, attempts: 2 });
        } catch (e) {
          if (!(e instanceof NoAnswerError)) throw e;
          piece.tries += 2;
          if (piece.tries >= this.opts.attempts) throw e;
          chunk = Math.max(MIN_CHUNK_BYTES, chunk >> 1);
          clean = 0;
          if (piece.len > MIN_CHUNK_BYTES) {
            const half = Math.ceil(piece.len / 2);
            retry.push({ off: piece.off, len: half, tries: piece.tries }, { off: piece.off + half, len: piece.len - half, tries: piece.tries });
          } else {
            retry.push(piece);
          }
          continue;
        }
        if (++clean >= 16) {
          chunk = Math.min(CHUNK_BYTES, chunk * 2);
          clean = 0;
        }
        sent += piece.len;
        onProgress?.({ sent, total: image.length });
      }
    };
    // Workers stop when nothing is left to take; pieces split by a failing worker are
    // picked up by whichever is still running, so run rounds until all is written.
    while (retry.length > 0 || cursor < image.length) {
      await Promise.all(Array.from({ length: this.opts.window }, worker));
    }

    const v = await this.command(Cmd.Verify, undefined, { timeoutMs: Math.max(this.timeoutFor(64), 3000), onRetry });
    if (v.status !== LinkStatus.Ok) {
      const got = v.data.at(-1);
      const theirs = got && got.length >= 4 ? new DataView(got.buffer, got.byteOffset).getUint32(0, true).toString(16) : "?";
      throw new DeviceError(`verify: the device holds CRC-32 ${theirs} but the image is ${crc.toString(16)}; nothing was activated`);
    }
    await this.ok("activate", Cmd.Activate, undefined, { onRetry });
    return { payloadBytes: image.length, wireBytes: this.wireBytesOut - wire0, retransmissions, ms: Date.now() - t0 };
  }

  /**
   * Runs one of the app's exports (no parameters) on the device, timed there. The device
   * runs it when the app is next out of wasm code, so a long-running call needs a long timeout.
   */
  async call(name: string, timeoutMs = 120_000): Promise<CallResult> {
    const r = await this.command(Cmd.Call, new TextEncoder().encode(name), { timeoutMs, attempts: 2 });
    const d = r.data.at(-1);
    if (!d || d.length < 28) throw new DeviceError(`call ${name}: the device sent no result`);
    const v = new DataView(d.buffer, d.byteOffset, d.length);
    const status = v.getUint32(0, true);
    if (status !== CallStatus.Ok) throw new DeviceError(`call ${name} failed on the device: ${new TextDecoder().decode(d.subarray(28))}`);
    return { result: v.getBigInt64(4, true), micros: Number(v.getBigUint64(12, true)), cycles: Number(v.getBigUint64(20, true)) };
  }

  async appControl(start: boolean): Promise<void> {
    await this.ok(start ? "start app" : "stop app", Cmd.App, Uint8Array.of(start ? 1 : 0));
  }

  async reset(): Promise<void> {
    await this.ok("reset", Cmd.Reset);
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    const out = new Uint8Array(length);
    for (let done = 0; done < length; done += MAX_PAYLOAD) {
      const n = Math.min(MAX_PAYLOAD, length - done);
      const p = new Uint8Array(8);
      new DataView(p.buffer).setUint32(0, offset + done, true);
      new DataView(p.buffer).setUint32(4, n, true);
      const r = await this.ok(`read at 0x${(offset + done).toString(16)}`, Cmd.Read, p, { expectData: true });
      const d = r.data.at(-1);
      if (!d || d.length !== n) throw new DeviceError(`read at 0x${(offset + done).toString(16)}: expected ${n} bytes, got ${d?.length ?? 0}`);
      out.set(d, done);
    }
    return out;
  }

  async close(): Promise<void> {
    // Commands still waiting end now instead of running out their timeouts.
    this.closed = true;
    for (const p of this.pending.values()) p.cancel();
    this.pending.clear();
    await this.transport.close();
  }
}
