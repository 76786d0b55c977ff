// The CLI's own commands through a noisy line (noisy-line.ts: 1% of bytes changed in each
// direction, with bursts), shared by the host board's and rp2040-sim's tests, each command on
// a noisy port of its own: `wasmcu monitor` keeps showing a running blink's intact lines and
// exits cleanly; `wasmcu model run --port` deploys a model and gets TFLM's bytes back;
// `wasmcu deploy` and `wasmcu ota push` land.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { wasmcu, type CliResult } from "./cli.js";
import { noisyLine } from "./noisy-line.js";
import { sharedDir } from "./paths.js";

const hello = path.join(sharedDir, "reference-models", "hello_world_int8");

/** Runs `wasmcu ARGS` against a noisy line to the board; the command must succeed, and the noise must have hit. */
async function cliThroughNoise(boardPort: string, seed: number, args: (port: string) => string[], timeoutMs = 300_000): Promise<CliResult> {
  const line = await noisyLine(boardPort, seed);
  let r: CliResult;
  try {
    r = await wasmcu(args(line.path), { timeoutMs });
  } finally {
    await line.close();
  }
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /    at |internal error/);
  assert.ok(line.stats.corrupted > 0, JSON.stringify(line.stats));
  return r;
}

export async function monitorThroughNoise(boardPort: string, seed: number, opts: { seconds: number; minLines: number }): Promise<void> {
  const r = await cliThroughNoise(boardPort, seed, (port) => ["monitor", "--port", port, "--for", String(opts.seconds), "--json"], opts.seconds * 1000 + 60_000);
  // Every event is a JSON line, damaged ones included (log frames are not resent: a damaged
  // one is dropped by its CRC, or shown as garbage); intact ones keep coming.
  const events = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as { kind: string; text?: string });
  const intact = events.filter((e) => e.kind === "log" && /^blink #\d+: led (on|off) at \d+ ms$/.test(e.text ?? ""));
  assert.ok(intact.length >= opts.minLines, `intact blink lines: ${intact.length}\n${r.stdout.slice(0, 2000)}`);
}

export async function modelRunThroughNoise(boardPort: string, seed: number, tmp: string): Promise<void> {
  const prefix = path.join(tmp, `noisy-${seed}`);
  await cliThroughNoise(boardPort, seed, (port) => ["model", "run", path.join(hello, "model.tflite"), "-i", path.join(hello, "in_4.in0.bin"), "-o", prefix, "--port", port, "--json"]);
  assert.deepEqual(readFileSync(`${prefix}.out0.bin`), readFileSync(path.join(hello, "out_4.out0.bin")));
}

/** `wasmcu deploy --app FILE`: the app lands, and the retransmissions it took are reported. */
export async function deployThroughNoise(boardPort: string, seed: number, app: string): Promise<void> {
  const r = await cliThroughNoise(boardPort, seed, (port) => ["deploy", "--port", port, "--app", app, "--logs", "0", "--json"]);
  const out = JSON.parse(r.stdout) as { retransmissions: number; app: { bytes: number } };
  assert.equal(out.app.bytes, readFileSync(app).length);
  assert.ok(out.retransmissions > 0, "nothing was resent: the noise did not reach the link");
}

/** `wasmcu ota push FILE`: the signed update lands and its app confirms it. */
export async function otaPushThroughNoise(boardPort: string, seed: number, update: string): Promise<void> {
  const r = await cliThroughNoise(boardPort, seed, (port) => ["ota", "push", update, "--port", port, "--confirm-timeout", "120", "--json"]);
  assert.equal((JSON.parse(r.stdout) as { outcome: string }).outcome, "confirmed");
}
