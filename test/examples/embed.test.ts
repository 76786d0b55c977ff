// examples/embed: a product's own firmware that takes the runtime and the engine as libraries
// (CMake add_subdirectory, public headers only), registers two natives, runs an app that calls
// them and, through one of them, a reference model. Built for the host and for the rp2040 (run
// on rp2040-sim); the model's outputs must be TFLM's bytes.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, describe, test } from "node:test";
import { startRp2040Sim, type Rp2040Sim } from "../../host-tools/src/sim/rp2040.js";
import { missingToolchain } from "../boards/rp2040/firmware.js";
import { repoRoot, sharedDir } from "../helpers/paths.js";

const example = path.join(repoRoot, "examples/embed");
const buildRoot = path.join(repoRoot, "build/examples/embed");
const reference = path.join(sharedDir, "reference-models/hello_world_int8");
const CASES = 12; // in_0 .. in_11 and their outputs

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { cwd: repoRoot, encoding: "utf8" });
  assert.equal(r.status, 0, `${cmd} ${args.join(" ")}:\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

/** Configures (once) and builds the example for a board; returns its build folder. */
function build(board: "host" | "rp2040", extra: string[] = []): string {
  const dir = path.join(buildRoot, board);
  if (!existsSync(path.join(dir, "CMakeCache.txt"))) run("cmake", ["-S", example, "-B", dir, `-DEMBED_BOARD=${board}`, ...extra]);
  run("nice", ["-n", "5", "cmake", "--build", dir, "-j2", "--target", "embed-demo"]);
  return dir;
}

/** The reference inputs as the product's recorded readings (one int8 each), and the expected outputs. */
function readings(): { file: string; expected: string } {
  mkdirSync(buildRoot, { recursive: true });
  const file = path.join(buildRoot, "readings.bin");
  const ins = Array.from({ length: CASES }, (_, i) => readFileSync(path.join(reference, `in_${i}.in0.bin`)));
  assert.ok(ins.every((b) => b.length === 1), "hello_world takes one int8");
  writeFileSync(file, Buffer.concat(ins));
  const outs = Array.from({ length: CASES }, (_, i) => readFileSync(path.join(reference, `out_${i}.out0.bin`)));
  return { file, expected: [...Buffer.concat(outs)].map((b) => b.toString(16).padStart(2, "0")).join(" ") };
}

/** What a correct run prints, whichever board printed it. */
function checkRun(text: string, expected: string): void {
  assert.match(text, /^model: arena \d+ of 8192 bytes\r?$/m);
  assert.match(text, /^app: runtime arena \d+ of 16384 bytes \(app memory 4096\)\r?$/m);
  assert.match(text, new RegExp(`^app: run used \\d+ fuel, ${CASES} inferences`, "m"));
  assert.match(text, new RegExp(`^outputs: ${expected}\\r?$`, "m"), "the model's outputs are TFLM's bytes");
  assert.match(text, /^spin: stopped by the fuel budget\r?$/m);
  assert.match(text, /^embed: ok\r?$/m);
}

const noShared = existsSync(path.join(reference, "model.tflite")) ? undefined : `${reference} is missing`;

describe("examples/embed: the runtime and the engine in a product's own firmware", { skip: noShared, timeout: 600_000 }, () => {
  test("the example's C reaches the libraries through wr.h and nn.h only", () => {
    const src = path.join(example, "src");
    for (const f of readdirSync(src).filter((n) => n.endsWith(".c") || n.endsWith(".h"))) {
      const includes = [...readFileSync(path.join(src, f), "utf8").matchAll(/#include\s+"([^"]+)"/g)].map((m) => m[1]!);
      for (const inc of includes) assert.ok(["wr.h", "nn.h", "hal.h", "embed.h"].includes(inc), `${f} includes "${inc}"`);
    }
  });

  test("host: the app calls both natives, the model's 12 outputs match TFLM, fuel stops a runaway loop", () => {
    const { file, expected } = readings();
    const dir = build("host");
    const r = spawnSync(path.join(dir, "embed-demo"), [path.join(dir, "app.wasm"), path.join(reference, "model.tflite"), file], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    checkRun(r.stdout, expected);
  });

  test("host: a damaged model is refused with the engine's message, exit 1; a missing file exits 3", () => {
    const { file } = readings();
    const dir = build("host");
    const bad = path.join(buildRoot, "truncated.tflite");
    writeFileSync(bad, readFileSync(path.join(reference, "model.tflite")).subarray(0, 64));
    const r = spawnSync(path.join(dir, "embed-demo"), [path.join(dir, "app.wasm"), bad, file], { encoding: "utf8" });
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /^model: .+$/m);
    assert.match(r.stdout, /^embed: model error$/m);
    const missing = spawnSync(path.join(dir, "embed-demo"), [path.join(dir, "app.wasm"), path.join(buildRoot, "nope.tflite"), file], { encoding: "utf8" });
    assert.equal(missing.status, 3);
    assert.match(missing.stderr, /cannot read .*nope\.tflite/);
  });

  describe("rp2040", { skip: missingToolchain() }, () => {
    let sim: Rp2040Sim | undefined;
    after(async () => sim?.stop());

    test("rp2040: the image links against the board's start-up and runs on rp2040-sim with the same outputs", async () => {
      const { file, expected } = readings();
      const dir = build("rp2040", [`-DEMBED_MODEL=${path.join(reference, "model.tflite")}`, `-DEMBED_READINGS=${file}`]);
      sim = await startRp2040Sim({ image: path.join(dir, "embed-demo.elf") });
      const done = await sim.expect(/embed: \w[^\r]*\r\n/, { timeoutMs: 300_000 }); // wall time: a busy machine is slow
      const text = sim.uartText;
      assert.equal(done.match[0], "embed: ok\r\n", text);
      checkRun(text, expected);
      assert.match(text, /^app: run used \d+ fuel, 12 inferences, \d+ cycles each\r$/m);
    });
  });
});
