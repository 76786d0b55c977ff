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
  /** Wait for an answer this long before sending again (on a clean line; see `CommandOptions.adaptive`). */
  timeoutMs?: number;
  /** At most this many sends of one command (default: no cap; `deadlineMs` ends the retries). */
  attempts?: number;
  /** A command is sent again, with growing waits, until this long has passed with no answer. */
  deadlineMs?: number;
  /** Chunks of an image write in flight at once. */
  window?: number;
  /**
   * Bytes of commands in flight at once, at most: what the smallest receive buffer of a
   * supported board takes while the device is busy (rp2040: a 4 KiB ring), less a margin.
   */
  rxBudget?: number;
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

export interface CommandOptions {
  /** Wait this long for the answer before sending again (default: from the baud rate and payload). */
  timeoutMs?: number;
  onRetry?: () => void;
  /** The answer must carry DATA: an ok ACK without it (its DATA lost) is asked again. */
  expectData?: boolean;
  /** At most this many sends. */
  attempts?: number;
  /** Send again until this long has passed (default: the link's `deadlineMs`). */
  deadlineMs?: number;
  /** On a lossy line, wait for the measured round trip rather than `timeoutMs` before sending again. */
  adaptive?: boolean;
  /**
   * How long the device may take to answer (erasing, hashing, verifying), for a command it
   * runs once and answers again from its store when repeated. Instead of `timeoutMs`: the
   * command is repeated with adaptive waits that stop growing at REPEAT_MS, until four times
   * this (at least the link's deadline) has passed. A busy device only queues a few small
   * repeats, while on a noisy line each lost answer would otherwise cost a long wait (a
   * deploy's WRITE_BEGIN, waiting 5, 7.5 and 11 s, lost all three sends once in ~30 CLI
   * deploys through 1% noise).
   */
  workMs?: number;
  /** Sends with no answer are neither line loss nor retransmissions (a board that may still be booting). */
  probe?: boolean;
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
/**
 * The smallest piece a noisy link falls back to: at 1% of bytes changed, a 32-byte piece
 * (46 bytes on the wire) arrives intact 63% of the time, a full 1 KiB frame almost never.
 */
export const MIN_CHUNK_BYTES = 32;
/** The default of `LinkOptions.rxBudget`. */
export const RX_BUDGET_BYTES = 3072;
/** The default of `LinkOptions.deadlineMs`. */
export const DEADLINE_MS = 20_000;
/** The longest wait before a command with `CommandOptions.workMs` is sent again. */
export const REPEAT_MS = 3_000;
/** Clean answers in a row after which pieces double again and the line counts as clean. */
const CLEAN_RUN = 8;

/** Bytes a command with `payload` bytes takes on the wire: header, CRC, COBS, delimiter. */
export function wireBytes(payload: number): number {
  return payload + 10 + Math.ceil((payload + 8) / 254);
}

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
  /** Commands sent again (same seq, or a piece resent in smaller parts) since the link was opened. */
  retransmissions = 0;
  /** The payload a piece of a transfer may have now: halved when answers go missing, doubled after a clean run. */
  private pieceBytes = MAX_PAYLOAD;
  private cleanRun = 0;
  /** While > 0 the line lost something lately: waits follow the measured round trip, not `timeoutMs`. */
  private lossy = 0;
  private srtt: number | undefined;
  private rttvar = 0;

  constructor(readonly transport: Transport, opts: LinkOptions = {}) {
    this.opts = { baud: 0, timeoutMs: 0, attempts: Infinity, deadlineMs: DEADLINE_MS, window: 4, rxBudget: RX_BUDGET_BYTES, ...opts };
    transport.onData((chunk) => this.receive(chunk));
  }

  /** Bytes of payload a piece of a transfer should carry now (never more than `max`). */
  pieceSize(max: number): number {
    return Math.max(1, Math.min(max, this.pieceBytes));
  }

  /** True while the line has lost frames lately (pieces are short, waits follow the round trip). */
  get lossyLine(): boolean {
    return this.lossy > 0;
  }

  private noteAnswer(firstAttempt: boolean, rttMs: number): void {
    if (!firstAttempt) return; // Karn: a resent command's round trip is ambiguous
    if (this.srtt === undefined) {
      this.srtt = rttMs;
      this.rttvar = rttMs / 2;
    } else {
      this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - rttMs);
      this.srtt = 0.875 * this.srtt + 0.125 * rttMs;
    }
    if (this.lossy > 0) this.lossy--;
    if (++this.cleanRun >= CLEAN_RUN) {
      this.pieceBytes = Math.min(MAX_PAYLOAD, this.pieceBytes * 2);
      this.cleanRun = 0;
    }
  }

  private noteLoss(payloadBytes: number): void {
    this.lossy = 4 * CLEAN_RUN;
    this.cleanRun = 0;
    this.pieceBytes = Math.max(MIN_CHUNK_BYTES, Math.min(this.pieceBytes, payloadBytes) >> 1);
  }

  /** Counts a piece of data sent again as a new command (after its first form got no answer). */
  noteResend(): void {
    this.retransmissions++;
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
    // Generous on a clean line (a busy host, an emulator); a lossy line waits for the round trip instead.
    return 1000 + 2 * lineMs;
  }

  private send(type: number, seq: number, payload: Uint8Array): void {
    if (LINK_DEBUG) process.stderr.write(`link > 0x${type.toString(16)} seq ${seq} ${payload.length} B\n`);
    const wire = encodeFrame({ type, flags: 0, seq, payload });
    this.wireBytesOut += wire.length;
    this.transport.write(wire);
  }

  /**
   * Sends a command and waits for its acknowledgement, sending it again (same seq: the
   * device answers a repeat without redoing it) when an answer does not come in time, with
   * waits growing by half each time, until `deadlineMs` has passed (or `attempts` sends).
   * On a line that lost frames lately the first wait follows the measured round trip
   * (`adaptive`, the default for commands without their own `timeoutMs`).
   */
  async command(type: Cmd, payload: Uint8Array = new Uint8Array(0), opts: CommandOptions = {}): Promise<CommandResult> {
    const seq = (this.seq = (this.seq + 1) & 0xffff);
    const work = opts.workMs;
    const timeout = work !== undefined ? Math.min(work, REPEAT_MS) : opts.timeoutMs ?? this.timeoutFor(payload.length + 2048);
    const maxWait = work !== undefined ? REPEAT_MS : timeout * 4;
    // The deadline leaves room for a second send whatever the wait.
    const budgetMs = opts.deadlineMs ?? Math.max(this.opts.deadlineMs, 2 * timeout, work !== undefined ? 4 * work : 0);
    // A caller that sets its own deadline or work time (a long operation, a board still
    // booting) is not held to the link's cap on sends.
    const attempts = opts.attempts ?? (opts.deadlineMs !== undefined || work !== undefined ? Infinity : this.opts.attempts);
    const deadline = Date.now() + budgetMs;
    const adaptive = opts.adaptive ?? (work !== undefined || opts.timeoutMs === undefined);
    let attempt = 0;
    for (;;) {
      attempt++;
      if (this.closed) throw new DeviceError(`command 0x${type.toString(16)}: the link to the device is closed`);
      let wait = timeout;
      if (adaptive && this.lossy > 0 && this.srtt !== undefined) {
        const lineMs = this.opts.baud ? (wireBytes(payload.length) * 10 * 1000) / this.opts.baud : 0;
        wait = Math.min(timeout, Math.max(40, 2 * this.srtt + 4 * this.rttvar + lineMs));
      }
      wait = Math.min(wait * 1.5 ** (attempt - 1), Math.max(wait, maxWait));
      const sentAt = Date.now();
      const answer = new Promise<CommandResult | undefined>((resolve) => {
        const timer = setTimeout(() => resolve(undefined), wait);
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
      if (attempt > 1) {
        if (!opts.probe) this.retransmissions++; // a board still booting is no fault of the line
        opts.onRetry?.();
      }
      this.send(type, seq, payload);
      const r = await answer;
      // An idempotent query whose DATA was lost on the way is simply asked again.
      if (r && (!opts.expectData || r.status !== LinkStatus.Ok || r.data.length > 0)) {
        this.noteAnswer(attempt === 1, Date.now() - sentAt);
        return r;
      }
      if (!this.closed && (!opts.probe || r)) this.noteLoss(payload.length);
      // At least two sends whatever the deadline: one stall of this process is not a dead line.
      if (attempt >= attempts || (Date.now() >= deadline && attempt >= 2)) break;
    }
    this.pending.delete(seq);
    const secs = (budgetMs / 1000).toFixed(0);
    throw new NoAnswerError(`no answer from the device to command 0x${type.toString(16)} after ${attempt} attempt${attempt === 1 ? "" : "s"}` +
      `${attempt >= attempts ? "" : ` in ${secs} s`} (${this.transport.description})`,
      "is the board running wasmcu firmware, and is this its port? (wasmcu ports)");
  }

  /**
   * Sends `total` bytes as pieces in order, each as one command (`run` builds and sends
   * it), sized by the line's current piece size: a piece that gets no answer after two
   * sends is sent again as a smaller one (the commands used this way are idempotent or
   * accept a repeat), until `deadlineMs` passes with no piece answered.
   */
  async pieces(total: number, maxPiece: number,
    run: (offset: number, length: number, opts: CommandOptions) => Promise<void>): Promise<void> {
    let off = 0;
    let since = Date.now();
    let resend = false;
    while (off < total) {
      const len = Math.min(total - off, this.pieceSize(maxPiece));
      if (resend) this.noteResend();
      try {
        await run(off, len, { attempts: 2, adaptive: true });
      } catch (e) {
        if (!(e instanceof NoAnswerError) || Date.now() - since > this.opts.deadlineMs) throw e;
        resend = true;
        continue;
      }
      resend = false;
      off += len;
      since = Date.now();
    }
  }

  /** Like command(), but a status other than ok becomes a DeviceError naming `what`. */
  async ok(what: string, type: Cmd, payload?: Uint8Array, opts?: CommandOptions): Promise<CommandResult> {
    const r = await this.command(type, payload, opts);
    if (r.status !== LinkStatus.Ok) {
      throw new DeviceError(`${what}: the device answered "${STATUS_TEXT[r.status] ?? `status ${r.status}`}"${r.detail ? ` (${r.detail})` : ""}`);
    }
    return r;
  }

  /**
   * First contact with a board that may still be booting (or held in reset until it
   * hears from us): asks for INFO every second until it answers or `budgetMs` runs out.
   * Sends nobody answers meanwhile are not taken as a lossy line.
   */
  async connect(budgetMs = 30_000): Promise<Record<string, unknown>> {
    const until = Date.now() + budgetMs;
    for (;;) {
      const r = await this.command(Cmd.Info, undefined, { timeoutMs: 1000, deadlineMs: Math.max(until - Date.now(), 1000), probe: true });
      const d = r.data.at(-1);
      if (r.status === LinkStatus.Ok && d) return JSON.parse(new TextDecoder().decode(d)) as Record<string, unknown>;
      try {
        return await this.info(); // it answered, but its description was lost on the way
      } catch (e) {
        // The answer came just before the board went quiet again (a reset on the way, a
        // busy boot): within the budget that is still booting, not a dead line.
        if (!(e instanceof NoAnswerError) || Date.now() >= until) throw e;
      }
    }
  }

  /** The handshake: firmware version, board, flash layout, slots, free RAM. */
  async info(): Promise<Record<string, unknown>> {
    return JSON.parse(new TextDecoder().decode(await this.json("info", Cmd.Info))) as Record<string, unknown>;
  }

  /**
   * The JSON text a query command (INFO, MODEL_INFO) answers with: whole, or while the
   * line loses frames (a long reply rarely arrives intact then), in parts of the line's
   * piece size (`offset u16 | length u16` → DATA `total u16 | bytes`).
   */
  async json(what: string, type: Cmd): Promise<Uint8Array> {
    if (this.lossy === 0) {
      try {
        const r = await this.ok(what, type, undefined, { expectData: true, attempts: 3 });
        return r.data.at(-1)!;
      } catch (e) {
        if (!(e instanceof NoAnswerError)) throw e;
      }
    }
    const out: number[] = [];
    let total = Infinity;
    let since = Date.now();
    let misses = 0; // sends of a part without an answer since the last part that came
    while (out.length < total) {
      const ask = new Uint8Array(4);
      const v = new DataView(ask.buffer);
      v.setUint16(0, out.length, true);
      v.setUint16(2, this.pieceSize(MAX_PAYLOAD - 2), true);
      let d: Uint8Array | undefined;
      try {
        d = (await this.ok(what, type, ask, { expectData: true, attempts: 2, adaptive: true })).data.at(-1);
      } catch (e) {
        // A dead line fails after the deadline; a noisy one (1% of bytes, bursts) can lose a
        // part's answer several times running, so it also gets a number of tries first.
        misses += 2;
        if (!(e instanceof NoAnswerError) || (Date.now() - since > this.opts.deadlineMs && misses >= 12)) throw e;
        this.noteResend();
        continue;
      }
      if (!d || d.length < 2) throw new DeviceError(`${what}: the device sent no length`);
      // A reply is under 64 KiB, so its length's high byte is small: a "{" and a quote mean a
      // device that ignores the argument and sent the whole text.
      if (out.length === 0 && d[1]! > 0x0f) return d;
      total = d[0]! | (d[1]! << 8);
      if (d.length === 2 && out.length < total) throw new DeviceError(`${what}: the device sent an empty part at ${out.length} of ${total} bytes`);
      out.push(...d.subarray(2));
      since = Date.now();
      misses = 0;
    }
    return Uint8Array.from(out.slice(0, total));
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
    await this.ok("write begin", Cmd.WriteBegin, begin, { workMs: Math.max(this.timeoutFor(64), 5000), onRetry });

    // A piece that gets no answer twice is split in two and the line's piece size halves
    // (a noisy line delivers short frames more often); pieces grow back after a clean run.
    // Pieces in flight never hold more bytes than the device's receive buffer takes.
    let cursor = 0;
    let sent = 0;
    let since = Date.now();
    const retry: { off: number; len: number }[] = [];
    const chunkTimeout = this.timeoutFor(this.opts.rxBudget);
    let inflight = 0;
    const wake: (() => void)[] = [];
    const take = () => {
      const again = retry.shift();
      if (again) return again;
      if (cursor >= image.length) return undefined;
      const piece = { off: cursor, len: Math.min(this.pieceSize(CHUNK_BYTES), image.length - cursor) };
      cursor += piece.len;
      return piece;
    };
    const worker = async () => {
      for (let piece = take(); piece; piece = take()) {
        const cost = wireBytes(piece.len + 4);
        while (inflight > 0 && inflight + cost > this.opts.rxBudget) await new Promise<void>((r) => wake.push(r));
        inflight += cost;
        const payload = new Uint8Array(4 + piece.len);
        new DataView(payload.buffer).setUint32(0, piece.off, true);
        payload.set(image.subarray(piece.off, piece.off + piece.len), 4);
        try {
          await this.ok(`write at offset ${piece.off}`, Cmd.WriteData, payload, { timeoutMs: chunkTimeout, adaptive: true, onRetry, attempts: 2 });
        } catch (e) {
          if (!(e instanceof NoAnswerError) || Date.now() - since > this.opts.deadlineMs) throw e;
          retransmissions++;
          this.noteResend();
          const size = this.pieceSize(CHUNK_BYTES);
          for (let o = piece.off; o < piece.off + piece.len; o += size) {
            retry.push({ off: o, len: Math.min(size, piece.off + piece.len - o) });
          }
          continue;
        } finally {
          inflight -= cost;
          wake.splice(0).forEach((w) => w());
        }
        since = Date.now();
        sent += piece.len;
        onProgress?.({ sent, total: image.length });
      }
    };
    // Workers stop when nothing is left to take; pieces split by a failing worker are
    // picked up by whichever is still running, so run rounds until all is written.
    while (retry.length > 0 || cursor < image.length) {
      await Promise.all(Array.from({ length: this.opts.window }, worker));
    }

    const v = await this.command(Cmd.Verify, undefined, { workMs: Math.max(this.timeoutFor(64), 3000), onRetry });
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

  /** Resets into the bootloader's serial recovery (a firmware the wasmcu bootloader started). */
  async recovery(): Promise<void> {
    await this.ok("recovery", Cmd.Recovery);
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    const out = new Uint8Array(length);
    await this.pieces(length, MAX_PAYLOAD, async (done, n, opts) => {
      const p = new Uint8Array(8);
      new DataView(p.buffer).setUint32(0, offset + done, true);
      new DataView(p.buffer).setUint32(4, n, true);
      const r = await this.ok(`read at 0x${(offset + done).toString(16)}`, Cmd.Read, p, { ...opts, expectData: true });
      const d = r.data.at(-1);
      if (!d || d.length !== n) throw new DeviceError(`read at 0x${(offset + done).toString(16)}: expected ${n} bytes, got ${d?.length ?? 0}`);
      out.set(d, done);
    });
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

/**
 * Runs `use` over a link on `transport` and closes the link however `use` ends: a handshake
 * that fails must not leave the port open (its pending read keeps the CLI process alive).
 */
export async function withLink<T>(transport: Transport, opts: LinkOptions, use: (link: DeviceLink) => Promise<T>): Promise<T> {
  const link = new DeviceLink(transport, opts);
  try {
    return await use(link);
  } finally {
    await link.close();
  }
}
