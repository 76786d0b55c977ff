// The MLPerf Tiny runner's sessions on the real firmware in an emulated board (rp2040-sim,
// esp32c3-sim), shared by test/boards/<board>/mlperf-<model>.test.ts (one file per model: each file has the test runner's 10-minute
// budget, and one emulated model's sessions take minutes). The same scripted client as on
// the host board (host-tools/src/workflows/mlperf-runner.ts), the same bytes on the wire,
// unpaced as the runner writes (the UART loses nothing: each file ends asserting no dropped
// byte), and every window's m-results line equal to the reference's for TFLM's output. Two things
// differ from the runner's own settings, because the chip is emulated: performance mode
// runs the runner's loop of 5 windows with fewer inferences than the yaml's (1500 ad01
// inferences take minutes of wall time here), and each line may take 120 s of wall time
// instead of the runner's 5 s.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import type { LaunchedBoard } from "../../host-tools/src/boards/launch.js";
import { DeviceLink } from "../../host-tools/src/link/session.js";
import { openSerial } from "../../host-tools/src/link/transport.js";
import { deploy } from "../../host-tools/src/workflows/deploy.js";
import type { MlperfModel } from "../../host-tools/src/workflows/mlperf-runner.js";
import { pyFixed } from "../../host-tools/src/workflows/mlperf-results.js";
import { MODEL_DIRS, runChecked } from "./mlperf.js";
import { launchTestBoard, type SimBoard } from "./sim-boards.js";

const LINE_TIMEOUT_MS = 120_000;

/** Starts the emulated board for this file's tests (before/after hooks) and returns a getter. */
export function simBoard(sim: SimBoard, name: string): () => LaunchedBoard {
  const tmp = mkdtempSync(path.join(os.tmpdir(), `wasmcu-${sim.name}-mlperf-${name}-`));
  let board: LaunchedBoard | undefined;
  before(async () => {
    board = await launchTestBoard(sim, path.join(tmp, "flash.bin"));
  });
  after(async () => {
    await board?.stop();
  });
  return () => board!;
}

export async function deployModel(board: LaunchedBoard, dir: string): Promise<void> {
  // The emulator runs slower than a chip: long waits keep a clean line free of retransmissions.
  const link = new DeviceLink(await openSerial(board.uartPath, 115200), { timeoutMs: 10_000, deadlineMs: 60_000 });
  try {
    await link.connect(60_000);
    const r = await deploy(link, { model: readFileSync(path.join(dir, "model.tflite")) });
    assert.equal(r.retransmissions, 0, "a clean line needs no retransmission");
  } finally {
    await link.close();
  }
}

/**
 * The runner's performance session (5 windows, `infer N W` as given) and its accuracy session.
 * The caller adds its board's zero-dropped-bytes check as the file's last test.
 */
export function sessionsTest(sim: SimBoard, model: MlperfModel, infer: { iterations: number; warmups: number }): void {
  const board = simBoard(sim, model);
  const tmp = mkdtempSync(path.join(os.tmpdir(), `wasmcu-${sim.name}-mlperf-data-`));
  test(`${model} on ${sim.name}: the runner's performance and accuracy sessions give the reference's results`, async (t) => {
    await deployModel(board(), MODEL_DIRS[model]);
    const perf = await runChecked(board().uartPath, model, "p", tmp, { script: { loop: 5, infer }, lineTimeoutMs: LINE_TIMEOUT_MS });
    assert.equal(perf.sent.filter((s) => s === `infer ${infer.iterations} ${infer.warmups}`).length, 5);
    assert.ok(perf.result.throughput!.median > 0);
    t.diagnostic(`${model}: median throughput ${perf.result.throughput!.median.toFixed(3)} inf./s EMULATED (${sim.name} clock, infer ${infer.iterations} ${infer.warmups})`);
    const acc = await runChecked(board().uartPath, model, "a", tmp, { lineTimeoutMs: LINE_TIMEOUT_MS });
    assert.equal(acc.sent.filter((s) => s === "infer 1 0").length, acc.result.windows.length);
    assert.equal(pyFixed(acc.result.accuracy!, 1), "100.0");
  });
}
