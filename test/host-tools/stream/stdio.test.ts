// quantize and dequantize in a pipe: "-" is stdin, "-o -" is stdout, and nothing named "-" appears.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { quantizeFile } from "../../../host-tools/src/stream/index.js";
import { repoRoot } from "../../helpers/paths.js";
import { vegaFile } from "./vega.js";

const bin = path.join(repoRoot, "host-tools/bin/wasmcu.js");

test("quantize - -o - and dequantize - -o -: the same bytes as through files, the summary on stderr, no file named -", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "wasmcu-stdio-"));
  const csv = readFileSync(vegaFile("sf-temps.csv"));
  const viaFile = path.join(dir, "f.wqs");
  await quantizeFile({ input: vegaFile("sf-temps.csv"), output: viaFile });
  const q = spawnSync(process.execPath, [bin, "quantize", "-", "-o", "-"], { input: csv, cwd: dir, maxBuffer: 1 << 26 });
  assert.equal(q.status, 0, q.stderr.toString());
  assert.ok(q.stdout.equals(readFileSync(viaFile)), "the .wqs on stdout differs from the one written to a file");
  assert.match(q.stderr.toString(), /8759 samples/);
  const d = spawnSync(process.execPath, [bin, "dequantize", "-", "-o", "-"], { input: q.stdout, cwd: dir, maxBuffer: 1 << 26 });
  assert.equal(d.status, 0, d.stderr.toString());
  const lines = d.stdout.toString().trimEnd().split("\n");
  assert.equal(lines.length, 8759 + 1);
  assert.match(lines[0]!, /^t,/);
  assert.equal(existsSync(path.join(dir, "-")), false);
  const clash = spawnSync(process.execPath, [bin, "quantize", "-", "-o", "-", "--json"], { input: csv, cwd: dir });
  assert.equal(clash.status, 2);
});
