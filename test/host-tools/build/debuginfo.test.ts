// An app's debug info stays on the host: the deployed .wasm is byte for byte what a build
// without names and source map gives; the names and the map are beside it and in the cache
// under its SHA-256; our VLQ decoder and look-up give the app's own source lines.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { buildApp } from "../../../host-tools/src/build/app.js";
import { debugInfoFile, enclosingFunction, findDebugInfo, sha256Hex, shortName, symbolize } from "../../../host-tools/src/build/debuginfo.js";
import { decodeMappings, decodeVlq, lookup } from "../../../host-tools/src/build/sourcemap.js";
import { FrameType } from "../../../host-tools/src/link/constants.js";
import { decodeMessage } from "../../../host-tools/src/link/messages.js";
import { repoRoot } from "../../helpers/paths.js";
import { describeTrap } from "../../../host-tools/src/workflows/traps.js";

const tmp = mkdtempSync(path.join(os.tmpdir(), "wasmcu-debuginfo-"));
process.env.WASMCU_CACHE_DIR = path.join(tmp, "cache");

/** The names of a module's custom sections. */
function customSections(bytes: Uint8Array): string[] {
  const out: string[] = [];
  let p = 8;
  const leb = () => {
    let v = 0, s = 0, b: number;
    do {
      b = bytes[p++]!;
      v += (b & 0x7f) * 2 ** s;
      s += 7;
    } while (b & 0x80);
    return v;
  };
  while (p < bytes.length) {
    const id = bytes[p++]!;
    const len = leb();
    const end = p + len;
    if (id === 0) {
      const n = leb();
      out.push(Buffer.from(bytes.subarray(p, p + n)).toString("utf8"));
    }
    p = end;
  }
  return out;
}

test("base64 VLQ segments decode as source map v3 defines them", () => {
  assert.deepEqual(decodeVlq("AAAA"), [0, 0, 0, 0]);
  assert.deepEqual(decodeVlq("CADF"), [1, 0, -1, -2]);
  assert.deepEqual(decodeVlq("gB"), [16]);
  assert.deepEqual(decodeVlq("2H"), [123]);
  assert.deepEqual(decodeVlq("hgB"), [-512], "three digits, negative");
  assert.throws(() => decodeVlq("g"), /ends inside a number/);
  assert.throws(() => decodeVlq("A!"), /not a base64 digit/);
  const t = decodeMappings("gBAAA,EAAE,E;");
  assert.deepEqual(t.map((m) => [m.offset, m.source, m.line, m.column]), [[16, 0, 0, 0], [18, 0, 0, 2], [20, -1, -1, -1]]);
  assert.equal(lookup(t, 15), undefined, "before the first mapping");
  assert.equal(lookup(t, 19)?.column, 2);
  assert.equal(lookup(t, 20), undefined, "a one-field segment ends the range");
});

test("the source function around a line is the declaration above it with less indentation", () => {
  const src = [
    "let n = 0;", // 1
    "function readSample(k: i32): i32 {", // 2
    "  if (k > 2) {", // 3
    "    return 1000 / k;", // 4
    "  }", // 5
    "  return k;", // 6
    "}", // 7
    "export class Filter {", // 8
    "  step(x: f32): f32 {", // 9
    "    return x;", // 10
    "  }", // 11
    "}", // 12
  ];
  assert.equal(enclosingFunction(src, 4), "readSample");
  assert.equal(enclosingFunction(src, 6), "readSample");
  assert.equal(enclosingFunction(src, 10), "step");
  assert.equal(enclosingFunction(src, 1), undefined, "top level");
});

test("function names lose their file prefix, not the generic arguments' paths", () => {
  assert.equal(shortName("src/main/readSample"), "readSample");
  assert.equal(shortName("~lib/array/Array<~lib/string/String>#push"), "Array<~lib/string/String>#push");
});

test("the deployed .wasm has no name section or source map and equals a build without them", async () => {
  const b = await buildApp(path.join(repoRoot, "test/firmware/device/apps/trap-divide"), { outDir: path.join(tmp, "with"), force: true });
  const bytes = new Uint8Array(readFileSync(b.wasm));
  assert.deepEqual(customSections(bytes).filter((n) => n === "name" || n === "sourceMappingURL"), []);
  assert.ok(!existsSync(`${b.wasm}.map`), "the source map is not left in the build output");
  // the same compile without DEBUG_ASC_ARGS, through asc itself
  const asc = (await import("assemblyscript/asc")).default;
  const plain = path.join(tmp, "plain.wasm");
  const cwd = process.cwd();
  process.chdir(repoRoot);
  try {
    const r = await asc.main(["test/firmware/device/apps/trap-divide/main.ts", "--config", "asconfig.json", "--target", "release", "--outFile", plain],
      { stdout: asc.createMemoryStream(), stderr: asc.createMemoryStream() });
    assert.equal(r.error, null);
  } finally {
    process.chdir(cwd);
  }
  assert.ok(Buffer.compare(Buffer.from(bytes), readFileSync(plain)) === 0, "the device gets exactly the plain build's bytes");
  // kept beside the build and in the cache, under the deployed bytes' hash
  const sha = sha256Hex(bytes);
  assert.ok(existsSync(debugInfoFile(b.wasm)));
  assert.ok(existsSync(path.join(tmp, "cache", "debug", `${sha}.json`)));
  const info = findDebugInfo(sha);
  assert.ok(info, "found in the cache by hash alone");
  assert.ok(info.functions.some(([, n]) => n.endsWith("/main/loop")));
  assert.ok(info.code.length > 0);
  // an instruction of loop() from readSample's line 8 (inlined): named and placed relative to the working directory
  const loop = info.functions.find(([, n]) => n.endsWith("/main/loop"))![0];
  const [, start, end] = info.code.find(([f]) => f === loop)!;
  const main = info.sources.indexOf(path.join(repoRoot, "test/firmware/device/apps/trap-divide/main.ts"));
  const at = decodeMappings(info.mappings).find((m) => m.offset >= start && m.offset < end && m.source === main && m.line === 7);
  assert.ok(at, "loop() has code from line 8");
  const [f] = symbolize(info, [{ func: loop, offset: at.offset }], repoRoot);
  assert.deepEqual([f!.name, f!.inlinedInto, f!.file, f!.line, f!.library],
    ["readSample", "loop", "test/firmware/device/apps/trap-divide/main.ts", 8, false], "named after the source's function");
});

test("a TRAP frame decodes to its context, depth, frames and message, and prints without debug info", () => {
  const payload = new Uint8Array(3 + 16 + 5);
  const v = new DataView(payload.buffer);
  payload.set([1, 3, 2]);
  v.setUint32(3, 27, true);
  v.setUint32(7, 0x1019, true);
  v.setUint32(11, 28, true);
  v.setUint32(15, 0x1100, true);
  payload.set(new TextEncoder().encode("boom!"), 19);
  const m = decodeMessage({ type: FrameType.Trap, flags: 0, seq: 1, payload });
  assert.deepEqual(m, { kind: "trap", context: "loop", depth: 3, frames: [{ func: 27, offset: 0x1019 }, { func: 28, offset: 0x1100 }], message: "boom!" });
  assert.equal(describeTrap(m as Extract<typeof m, { kind: "trap" }>),
    "trap: boom!\n    at function 27 (wasm function 27, offset 0x1019)\n    at function 28 (wasm function 28, offset 0x1100)\n    ... 1 more frame");
  assert.throws(() => decodeMessage({ type: FrameType.Trap, flags: 0, seq: 1, payload: payload.subarray(0, 10) }), /needs at least 19/);
});
