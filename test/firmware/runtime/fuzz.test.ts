// A bounded libFuzzer run (clang, ASan + UBSan) of load + validate +
// instantiate + invoke, seeded with the committed corpus (our own modules,
// fuzz-seeds/ and wat/ assembled) and the spec pack's modules. Any crash, leak
// or sanitizer report fails the test. Builds in its own directory.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";

import { repoRoot, sharedDir } from "../../helpers/paths.ts";

const SECONDS = Number(process.env.WASMCU_FUZZ_SECONDS ?? 45);

function sh(cmd: string, args: string[]) {
  const r = spawnSync(cmd, args, { cwd: repoRoot, encoding: "utf8", maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, `${cmd} ${args.join(" ")}\n${r.stdout}${r.stderr}`);
  return r;
}

test(`the runtime survives ${SECONDS} s of libFuzzer with ASan and UBSan`, { timeout: 900_000 }, () => {
  const dir = path.join(repoRoot, "build", "fuzz-runtime");
  sh("cmake", ["-S", repoRoot, "-B", dir, "-DCMAKE_C_COMPILER=clang", "-DWASMCU_BOARD=host", "-DWASMCU_PARTS=runtime",
    "-DWASMCU_WITH_BOARD=OFF", "-DWASMCU_SANITIZE=ON", "-DWASMCU_FUZZ=ON", "-DCMAKE_BUILD_TYPE=RelWithDebInfo"]);
  sh("cmake", ["--build", dir, "--target", "wr-fuzz", "--parallel", "2"]);
  const work = mkdtempSync(path.join(os.tmpdir(), "wr-fuzz-"));
  const corpus = path.join(repoRoot, "test", "firmware", "runtime", "fuzz-corpus");
  const r = spawnSync(path.join(dir, "bin", "wr-fuzz"), [
    `-max_total_time=${SECONDS}`, "-timeout=10", "-rss_limit_mb=2048", "-print_final_stats=1",
    `-artifact_prefix=${work}/`, work, corpus, path.join(sharedDir, "wasm-spec"),
  ], { encoding: "utf8", maxBuffer: 256 << 20 });
  const tail = r.stderr.split("\n").filter(l => !/^#\d+/.test(l)).slice(-40).join("\n");
  assert.equal(r.status, 0, tail);
  assert.doesNotMatch(r.stderr, /ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:/, tail);
  const runs = Number(/stat::number_of_executed_units: (\d+)/.exec(r.stderr)?.[1] ?? 0);
  assert.ok(runs > 1000, `only ${runs} inputs ran`);
});
