// `wasmcu model run` on a board: the model goes into the board's model slot and runs
// there through the link's model commands; outputs come back byte for byte.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { startLocalBoard } from "../boards/launch.js";
import type { BoardTarget } from "../boards/registry.js";
import type { BuildProgress } from "../build/firmware.js";
import { InputError, OutputError, describeFsError } from "../lib/errors.js";
import { tensorValues, type TensorValues } from "../nn/values.js";
import { deploy, readTflite } from "./deploy.js";
import { deviceModelInfo, runDeviceModel, type DeviceModelInfo } from "./model.js";
import { withLink, type DeviceLink } from "../link/session.js";
import { openSerial } from "../link/transport.js";

export interface BoardRunReport {
  board: string;
  port?: string;
  outputs: { file: string; bytes: number; type?: string; shape?: number[]; scale?: number; zero_point?: number; values?: TensorValues }[];
  micros: number;
  /** Emulated cycles on rp2040-sim and esp32c3-sim; cycles counted by the chip on real boards (0 if none). */
  cycles: number;
  arena_bytes: number;
  note: string;
}

function readInputs(files: string[]): Uint8Array[] {
  return files.map((f) => {
    try {
      return readFileSync(f);
    } catch (e) {
      throw new InputError(`cannot read input ${f}: ${(e as Error).message}`);
    }
  });
}

async function runAndWrite(link: DeviceLink, inputs: Uint8Array[], prefix: string): Promise<{ run: Awaited<ReturnType<typeof runDeviceModel>>; info: DeviceModelInfo; files: BoardRunReport["outputs"] }> {
  const info = await deviceModelInfo(link);
  const run = await runDeviceModel(link, inputs, { reset: true });
  const outs = info.tensors.filter((t) => t.io === "output").sort((a, b) => a.index - b.index);
  const files = run.outputs.map((o, i) => {
    const file = `${prefix}.out${i}.bin`;
    try {
      writeFileSync(file, o);
    } catch (e) {
      throw new OutputError(`cannot write output ${file}: ${describeFsError(e)}`);
    }
    const t = outs[i];
    if (!t) return { file, bytes: o.length };
    const values = tensorValues(o, t.type, t.scale, t.zero_point);
    return { file, bytes: o.length, type: t.type, shape: t.shape, scale: t.scale, zero_point: t.zero_point, ...(values ? { values } : {}) };
  });
  return { run, info, files };
}

const EMULATED_NOTES: Record<string, string> = {
  "rp2040-sim": "rp2040js emulated Cortex-M0+ at 125 MHz: cycles are emulated (no flash wait states), not silicon; micros is emulated time",
  "esp32c3-sim": "esp32c3-sim emulated RV32IMC at 160 MHz: cycles are emulated (its cost model, flash cache included), not silicon; micros is emulated time",
};
const emulatedNote = (target: BoardTarget) => EMULATED_NOTES[target.name] ?? `${target.name}: cycles are emulated, not silicon`;

/** Runs on an emulated board (rp2040-sim, esp32c3-sim): the model is programmed into its flash before boot. */
export async function runModelOnSim(target: BoardTarget, modelPath: string, inputFiles: string[], prefix: string,
  opts: { onBuildProgress?: (p: BuildProgress) => void } = {}): Promise<BoardRunReport> {
  const model = readTflite(modelPath);
  const inputs = readInputs(inputFiles);
  const dir = mkdtempSync(path.join(os.tmpdir(), "wasmcu-model-sim-"));
  const modelFile = path.join(dir, "model.tflite");
  writeFileSync(modelFile, model); // the checked bytes, programmed into the model slot before boot
  const board = await startLocalBoard(target, { model: modelFile, flashFile: path.join(dir, "flash.bin"), speed: Infinity, onBuildProgress: opts.onBuildProgress });
  try {
    return await withLink(await openSerial(board.uartPath, target.board.serial.baud), { timeoutMs: 5000 }, async (link) => {
      await link.connect(120_000);
      const { run, info, files } = await runAndWrite(link, inputs, prefix);
      return { board: target.name, outputs: files, micros: run.micros, cycles: run.cycles, arena_bytes: info.arena_bytes,
        note: emulatedNote(target) };
    });
  } finally {
    await board.stop();
  }
}

/** Runs on a board already running wasmcu firmware at `port`: deploys the model, then runs it. */
export async function runModelOnPort(target: BoardTarget, port: string, modelFile: string, inputFiles: string[], prefix: string, baud?: number): Promise<BoardRunReport> {
  const model = readTflite(modelFile);
  const inputs = readInputs(inputFiles);
  return withLink(await openSerial(port, baud ?? target.board.serial.baud), { baud: baud ?? 0 }, async (link) => {
    await link.connect(10_000);
    await deploy(link, { model });
    const { run, info, files } = await runAndWrite(link, inputs, prefix);
    return { board: target.name, port, outputs: files, micros: run.micros, cycles: run.cycles, arena_bytes: info.arena_bytes,
      note: target.simulated ? emulatedNote(target) : "measured on the device by its own clock" + (run.cycles ? " and cycle counter" : "") };
  });
}
