// A bounded libFuzzer run over the model reader, planner and kernel prepares
// (ASan + UBSan): the committed corpus and 2000 structure-aware mutants of it
// (mutate-tflite.ts) replay clean, then ~30 s of fuzzing finds no crash. Builds
// its own tree with clang in build/fuzz-nn.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import { repoRoot } from "../../helpers/paths.js";
import { prng } from "../../helpers/prng.js";
import { corpusSpecs } from "./make-corpus.js";
import { mutateTflite } from "./mutate-tflite.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const corpus = path.join(here, "corpus");
const buildDir = path.join(repoRoot, "build", "fuzz-nn");
const SECONDS = Number(process.env.WASMCU_FUZZ_SECONDS ?? 30);
const MUTANTS = Number(process.env.WASMCU_FUZZ_TFLITE_MUTANTS ?? 2000);
const MUTANT_SEED = Number(process.env.WASMCU_FUZZ_SEED ?? 20261206);

function clangFuzzerAvailable(): string | false {
  const r = spawnSync("clang", ["--version"], { encoding: "utf8" });
  if (r.error || r.status !== 0) return "clang is not installed (apt-get install clang libclang-rt-14-dev)";
  return false;
}

const skip = clangFuzzerAvailable();

test(`fuzz-nn: corpus and ${MUTANTS} structure-aware mutants replay clean, and ${SECONDS} s of fuzzing find no crash`, { skip }, () => {
  const sanitize = "-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -g";
  const cfg = spawnSync("cmake", [
    "-S", repoRoot, "-B", buildDir, "-DWASMCU_BOARD=host", "-DWASMCU_PARTS=nn", "-DWASMCU_WITH_BOARD=OFF",
    "-DWASMCU_NN_FUZZ=ON", "-DCMAKE_C_COMPILER=clang", "-DCMAKE_BUILD_TYPE=Release",
    `-DCMAKE_C_FLAGS=${sanitize}`, "-DCMAKE_EXE_LINKER_FLAGS=-fsanitize=address,undefined",
  ], { encoding: "utf8" });
  assert.equal(cfg.status, 0, cfg.stdout + cfg.stderr);
  const build = spawnSync("cmake", ["--build", buildDir, "--target", "fuzz-nn", "--parallel", "2"], { encoding: "utf8" });
  assert.equal(build.status, 0, build.stdout + build.stderr);
  const exe = path.join(buildDir, "bin", "fuzz-nn");

  // Every seed once: a regression check that needs no fuzzing luck.
  const seeds = readdirSync(corpus).map((f) => path.join(corpus, f));
  const replay = spawnSync(exe, seeds, { encoding: "utf8" });
  assert.equal(replay.status, 0, replay.stderr.slice(-4000));

  // Structure-aware mutants of the seeds (hostile scales, zero points, shapes, types, indices,
  // options; raw offsets and vtable entries), each once: the engine refuses or runs them with
  // no sanitizer report.
  const mutants = mkdtempSync(path.join(tmpdir(), "fuzz-nn-mutants-"));
  try {
    const rnd = prng(MUTANT_SEED);
    const specs = Object.values(corpusSpecs());
    const files: string[] = [];
    for (let i = 0; i < MUTANTS; i++) {
      const f = path.join(mutants, `m${i}.tflite`);
      writeFileSync(f, mutateTflite(specs[Math.floor(rnd() * specs.length)]!, rnd).bytes);
      files.push(f);
    }
    const r = spawnSync(exe, files, { encoding: "utf8", maxBuffer: 64 << 20 });
    assert.equal(r.status, 0, r.stderr.split("\n").filter((l) => !/^(Running|Executed) /.test(l)).slice(-40).join("\n"));
    assert.equal((r.stderr.match(/^Executed /gm) ?? []).length, MUTANTS);
  } finally {
    rmSync(mutants, { recursive: true, force: true });
  }

  // New inputs go to a scratch dir; the committed corpus is only read.
  const scratch = mkdtempSync(path.join(tmpdir(), "fuzz-nn-"));
  try {
    const r = spawnSync(exe, [
      `-max_total_time=${SECONDS}`, "-timeout=10", "-rss_limit_mb=2048", "-max_len=4096", "-seed=1",
      "-print_final_stats=1", scratch, corpus,
    ], { encoding: "utf8", maxBuffer: 64 << 20 });
    assert.equal(r.status, 0, r.stderr.slice(-4000));
    assert.match(r.stderr, /Done \d+ runs in \d+ second/);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
});
