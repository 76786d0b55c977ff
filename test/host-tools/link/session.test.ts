// DeviceLink against a scripted device in memory: commands are sent again until a deadline
// (not a fixed count), long JSON replies come in parts when whole ones do not get through,
// and transfers shrink their pieces on a line that loses long frames.
import assert from "node:assert/strict";
import { mock, test } from "node:test";
import { Cmd, FrameType, LinkStatus } from "../../../host-tools/src/link/constants.js";
import { encodeFrame, FrameDecoder, type Frame } from "../../../host-tools/src/link/frame.js";
import { DeviceLink, NoAnswerError, REPEAT_MS, type CommandOptions } from "../../../host-tools/src/link/session.js";
import type { Transport } from "../../../host-tools/src/link/transport.js";

/** A device in memory: `answer` gets each command frame and returns the frames to send back (or none). */
function scripted(answer: (f: Frame, n: number) => Frame[]): Transport & { sent: Frame[] } {
  const listeners: ((c: Uint8Array) => void)[] = [];
  const decoder = new FrameDecoder();
  const sent: Frame[] = [];
  return {
    sent,
    description: "a scripted device",
    write: (data) => {
      for (const item of decoder.push(data)) {
        if (item.kind !== "frame") continue;
        sent.push(item.frame);
        const replies = answer(item.frame, sent.length);
        setImmediate(() => replies.forEach((r) => listeners.forEach((l) => l(encodeFrame(r)))));
      }
    },
    onData: (fn) => listeners.push(fn),
    close: async () => {},
  };
}

const ack = (f: Frame, status: number = LinkStatus.Ok): Frame => ({ type: FrameType.Ack, flags: 0, seq: f.seq, payload: Uint8Array.of(status) });
const data = (f: Frame, bytes: Uint8Array): Frame => ({ type: FrameType.Data, flags: 0, seq: f.seq, payload: bytes });
const HELLO = new TextEncoder().encode(JSON.stringify({ protocol: 1, board: "scripted", pad: "x".repeat(700) }));

/** INFO as the firmware answers it: whole, or `offset u16 | length u16` → `total u16 | part`. */
function info(f: Frame): Frame {
  if (f.payload.length === 0) return data(f, HELLO);
  const v = new DataView(f.payload.buffer, f.payload.byteOffset);
  const off = Math.min(v.getUint16(0, true), HELLO.length);
  const part = HELLO.subarray(off, off + v.getUint16(2, true));
  return data(f, Uint8Array.from([HELLO.length & 0xff, HELLO.length >> 8, ...part]));
}

test("a command unanswered five times is sent again, same seq, until answered: no fixed count of attempts", async () => {
  const t = scripted((f, n) => (n < 6 ? [] : [ack(f)]));
  const link = new DeviceLink(t, { timeoutMs: 5, deadlineMs: 10_000 });
  assert.equal((await link.command(Cmd.App, Uint8Array.of(1))).status, LinkStatus.Ok);
  assert.equal(t.sent.length, 6);
  assert.ok(t.sent.every((f) => f.seq === t.sent[0]!.seq && f.type === Cmd.App));
  assert.equal(link.retransmissions, 5);
  await link.close();
});

test("a device that never answers ends in NoAnswerError once the deadline has passed, naming the command", async () => {
  const t = scripted(() => []);
  const link = new DeviceLink(t, { timeoutMs: 5, deadlineMs: 1000 });
  await assert.rejects(link.command(Cmd.App, Uint8Array.of(1)), (e: Error) =>
    e instanceof NoAnswerError && /no answer from the device to command 0x45 after \d+ attempts in 1 s \(a scripted device\)/.test(e.message));
  // Waits grow (to 4 × the first): far fewer sends than 1000 ms / 5 ms.
  assert.ok(t.sent.length >= 2 && t.sent.length < 100, `${t.sent.length} sends`);
  await link.close();
});

/** What each wait of a command answered at its 8th send was set to (each passes in 1 ms). */
async function waitsOf(opts: CommandOptions): Promise<number[]> {
  const t = scripted((f, n) => (n < 8 ? [] : [ack(f)]));
  const link = new DeviceLink(t, { timeoutMs: 4, deadlineMs: 10_000 });
  const seen: number[] = [];
  const real = globalThis.setTimeout;
  const spy = mock.method(globalThis, "setTimeout", ((fn: () => void, ms?: number) => {
    seen.push(ms ?? 0);
    return real(fn, 1); // what the wait was set to is the point, not sitting through it
  }) as typeof setTimeout);
  try {
    assert.equal((await link.command(Cmd.App, Uint8Array.of(1), opts)).status, LinkStatus.Ok);
  } finally {
    spy.mock.restore();
    await link.close();
  }
  return seen;
}

test("the waits between sends grow to 4 × the first (what each wait was set to, not wall time)", async () => {
  assert.deepEqual(await waitsOf({ timeoutMs: 4 }), [4, 6, 9, 13.5, 16, 16, 16, 16]);
});

test("a command the device may work on for long (workMs) is repeated at least every REPEAT_MS, until 4 × workMs", async () => {
  const w = await waitsOf({ workMs: 10_000 });
  // Clean line: the first wait is REPEAT_MS, and so is every wait after it.
  assert.deepEqual(w, Array(8).fill(REPEAT_MS));
  // Short work: the first wait is the work time, growing by half up to REPEAT_MS.
  assert.deepEqual(await waitsOf({ workMs: 1000 }), [1000, 1500, 2250, 3000, 3000, 3000, 3000, 3000]);
});

test("a command with workMs gives up after 4 × workMs, not after the link's deadline or a cap on sends", async () => {
  const t = scripted(() => []);
  const link = new DeviceLink(t, { timeoutMs: 5, deadlineMs: 50, attempts: 2 });
  const t0 = Date.now();
  // Sends at 0, 1, 2.5 and about 4 s: only a stall of seconds between them could leave two.
  await assert.rejects(link.command(Cmd.App, Uint8Array.of(1), { workMs: 1000 }), (e: Error) =>
    e instanceof NoAnswerError && / in 4 s /.test(e.message));
  assert.ok(Date.now() - t0 >= 4000, "gave up before 4 × workMs");
  assert.ok(t.sent.length > 2, `${t.sent.length} sends: held to the link's cap of 2`);
  await link.close();
});

test("a JSON reply too long to arrive whole on a lossy line is fetched in parts", async () => {
  // The line loses every frame longer than 200 bytes.
  const t = scripted((f) => [info(f), ack(f)].filter((r) => r.payload.length <= 200));
  const link = new DeviceLink(t, { timeoutMs: 5, deadlineMs: 10_000 });
  const hello = await link.info();
  assert.equal(hello.board, "scripted");
  assert.equal(JSON.stringify(hello).length, HELLO.length);
  assert.ok(t.sent.some((f) => f.type === Cmd.Info && f.payload.length === 4), "asked for a part");
  await link.close();
});

test("reads shrink their pieces when long answers are lost, and grow back after a clean run", async () => {
  const flash = Uint8Array.from({ length: 4096 }, (_, i) => (i * 7) & 0xff);
  let lossy = true;
  const t = scripted((f) => {
    if (f.type !== Cmd.Read) return [ack(f, LinkStatus.Unknown)];
    const v = new DataView(f.payload.buffer, f.payload.byteOffset);
    const bytes = flash.subarray(v.getUint32(0, true), v.getUint32(0, true) + v.getUint32(4, true));
    if (lossy && bytes.length > 100) return []; // a long answer never gets through
    return [data(f, bytes), ack(f)];
  });
  const link = new DeviceLink(t, { timeoutMs: 5, deadlineMs: 10_000 });
  assert.deepEqual(await link.read(0, 4096), flash);
  const sizes = t.sent.filter((f) => f.type === Cmd.Read).map((f) => new DataView(f.payload.buffer, f.payload.byteOffset).getUint32(4, true));
  assert.equal(sizes[0], 1024);
  assert.ok(Math.min(...sizes) <= 64, `pieces asked: ${sizes.join(",")}`);
  assert.ok(link.lossyLine);
  lossy = false;
  await link.read(0, 4096);
  assert.ok(link.pieceSize(1024) > 64, "pieces grow again on a clean line");
  await link.close();
});
