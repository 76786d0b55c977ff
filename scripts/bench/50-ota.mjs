#!/usr/bin/env node
// OTA (firmware/ota, host-tools/src/ota): delta patch size against the full signed image
// for realistic changes, compared with bsdiff (npm bsdiff-node, when it is installed) and
// with gzip -9 of the new image; the C patcher's RAM; flash code size and stack frames of
// firmware/ota for Cortex-M0+. Run: node --import tsx scripts/bench/50-ota.mjs
// Device cycles (Ed25519 verify, SHA per KiB on rp2040-sim) are NOT measured here yet.
import { execFileSync, spawnSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { repoRoot } from "../lib/cmake.mjs";
import { encodeDelta } from "../../host-tools/src/ota/delta.ts";
import { signImage } from "../../host-tools/src/ota/image.ts";
import { rawPublicKey } from "../../host-tools/src/ota/keys.ts";
import { appPairs, perturbModel, referenceModel } from "../../test/host-tools/ota/pairs.ts";

const tmp = mkdtempSync(path.join(tmpdir(), "wasmcu-bench-ota-"));
const pct = (a, b) => `${((100 * a) / b).toFixed(1)}%`;

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: repoRoot, encoding: "utf8", ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed:\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

// ---- the host test driver, in its own build directory -------------------------------------
const buildDir = path.join(repoRoot, "build", "bench-ota");
run("cmake", ["-S", repoRoot, "-B", buildDir, "-DWASMCU_BOARD=host", "-DWASMCU_PARTS=ota", "-DWASMCU_WITH_BOARD=OFF",
  "-DCMAKE_BUILD_TYPE=Release"]);
run("cmake", ["--build", buildDir, "--target", "test_ota", "-j2"]);
const testOta = path.join(buildDir, "bin", "test_ota");

// ---- bsdiff, if the npm package (a native addon) is installed -----------------------------
let bsdiff;
for (const from of [path.join(repoRoot, "package.json"), process.env.WASMCU_BSDIFF_NODE && path.join(process.env.WASMCU_BSDIFF_NODE, "x")]) {
  if (!from || bsdiff) continue;
  try {
    const req = createRequire(from);
    bsdiff = req(process.env.WASMCU_BSDIFF_NODE && from.startsWith(process.env.WASMCU_BSDIFF_NODE) ? process.env.WASMCU_BSDIFF_NODE : "bsdiff-node");
  } catch {
    // not installed: gzip is the only comparison
  }
}
function bsdiffSize(a, b) {
  if (!bsdiff) return undefined;
  const [fa, fb, fp] = ["old", "new", "patch"].map((n) => path.join(tmp, `bs-${n}`));
  writeFileSync(fa, a);
  writeFileSync(fb, b);
  bsdiff.diffSync(fa, fb, fp);
  return readFileSync(fp).length;
}

// ---- realistic pairs, as signed images (what the device holds in its slots) ----------------
const { privateKey, publicKey } = generateKeyPairSync("ed25519");
const raw = rawPublicKey(publicKey);
const sign = (payload, kind, counter) => signImage({ kind, payload, version: { major: 1, minor: counter, patch: 0 },
  securityCounter: counter, privateKey, rawPublicKey: raw });
const apps = await appPairs();
const pairs = [
  ["app: changed constant (THRESHOLD 500 -> 650)", apps.base, apps.constant, "app"],
  ["app: new function (median filter added)", apps.base, apps.newFunction, "app"],
];
for (const model of ["kws_ref_model", "vww_96_int8"]) {
  const m = referenceModel(model);
  pairs.push([`model ${model}: retrained, 10% of weight bytes +-1`, m, perturbModel(m, 0.1, 7), "model"]);
  pairs.push([`model ${model}: retrained, every weight byte +-1`, m, perturbModel(m, 1.0, 7), "model"]);
}

const rows = [];
for (const [name, a, b, kind] of pairs) {
  const old = sign(a, kind, 1), nw = sign(b, kind, 2);
  const rawPatch = encodeDelta(old, nw, undefined, { coding: "raw" });
  const patch = encodeDelta(old, nw);
  const [fo, fp, fout] = ["old", "patch", "out"].map((n) => path.join(tmp, n));
  writeFileSync(fo, old);
  writeFileSync(fp, patch);
  const slot = Math.ceil((Math.max(old.length, nw.length) + 1) / 4096) * 4096;
  const res = run(testOta, ["patch", fo, fp, fout, String(slot), "256"]);
  const ok = /^status ok$/m.test(res) && readFileSync(fout).equals(nw);
  const bs = bsdiffSize(old, nw);
  const gz = gzipSync(nw, { level: 9 }).length;
  rows.push([name, nw.length, rawPatch.length, `${patch.length} (${pct(patch.length, nw.length)})`,
    bs === undefined ? "n/a" : `${bs} (${pct(bs, nw.length)})`, `${gz} (${pct(gz, nw.length)})`, ok ? "yes" : "NO"]);
}

const md = (head, body) => [`| ${head.join(" | ")} |`, `|${head.map(() => " --- ").join("|")}|`,
  ...body.map((r) => `| ${r.join(" | ")} |`)].join("\n");
console.log("## OTA delta patches (host x86-64; sizes in bytes of whole signed images, 128-byte header included)\n");
console.log(md(["change", "new image", "patch, raw ops", "patch, range-coded (ours)", "bsdiff (bsdiff-node)", "gzip -9 of new image", "C patcher reproduces it"], rows));
console.log(`\nMethod: host-tools/src/ota/delta.ts encodeDelta (auto = smaller of raw / range-coded), applied by the C patcher`
  + ` (build/bench-ota/bin/test_ota patch, fed 256 B at a time) and compared byte for byte. Apps compiled with asc (release);`
  + ` models from ../shared/reference-models with tensor-buffer bytes perturbed (seeded).`);
if (!bsdiff) {
  console.log("bsdiff: the npm package bsdiff-node is not installed in this repo (it is a native addon built by an install script);"
    + " set WASMCU_BSDIFF_NODE=/path/to/node_modules/bsdiff-node to compare. gzip of the full new image is shown instead.");
}

// ---- RAM ---------------------------------------------------------------------------------
const sizes = Object.fromEntries(run(testOta, ["sizes"]).trim().split("\n").map((l) => l.split(" ")));
const armSrc = path.join(tmp, "sizes.c");
writeFileSync(armSrc, `#include "ota.h"\nchar size_patcher[sizeof(ota_patcher)];\nchar size_writer[sizeof(ota_writer)];\nchar size_ctx[sizeof(ota_ctx)];\n`);
const armObj = path.join(tmp, "sizes.o");
const armFlags = ["-std=c11", "-mcpu=cortex-m0plus", "-mthumb", "-Os", "-ffunction-sections", "-fdata-sections"];
run("arm-none-eabi-gcc", [...armFlags, "-I", path.join(repoRoot, "firmware/ota"), "-c", armSrc, "-o", armObj]);
const armSyms = Object.fromEntries(run("arm-none-eabi-nm", ["-S", armObj]).trim().split("\n").map((l) => l.trim().split(/\s+/))
  .filter((f) => f.length === 4).map(([, size, , name]) => [name, parseInt(size, 16)]));

// ---- code size and stack, Cortex-M0+ -----------------------------------------------------
const armDir = path.join(tmp, "arm");
run("mkdir", ["-p", armDir]);
const srcs = readdirSync(path.join(repoRoot, "firmware/ota")).filter((f) => f.endsWith(".c")).sort();
const objs = srcs.map((f) => {
  const o = path.join(armDir, f.replace(/\.c$/, ".o"));
  run("arm-none-eabi-gcc", [...armFlags, "-Wall", "-Wextra", "-Werror", "-fstack-usage", "-c", path.join(repoRoot, "firmware/ota", f), "-o", o]);
  return o;
});
const sizeRows = run("arm-none-eabi-size", objs).trim().split("\n").slice(1).map((l) => l.trim().split(/\s+/))
  .map(([text, data, bss, , , file]) => [path.basename(file).replace(/\.o$/, ".c"), Number(text), Number(data), Number(bss)]);
const total = sizeRows.reduce((s, r) => s + r[1] + r[2], 0);
const frames = readdirSync(armDir).filter((f) => f.endsWith(".su"))
  .flatMap((f) => readFileSync(path.join(armDir, f), "utf8").trim().split("\n"))
  .map((l) => l.split("\t")).map(([where, bytes]) => [where.split(":").slice(-1)[0], Number(bytes)])
  .sort((x, y) => y[1] - x[1]).slice(0, 6);

console.log("\n## OTA patcher and slot RAM\n");
console.log(md(["struct", "host x86-64 (sizeof)", "Cortex-M0+ (arm-none-eabi-gcc, sizeof)"], [
  ["ota_patcher (all patcher state; 7x256 range-coder probabilities + one 256 B page)", sizes.patcher, armSyms.size_patcher],
  ["ota_writer (full-image writer: header + one page)", sizes.writer, armSyms.size_writer],
  ["ota_ctx (slot state machine)", sizes.ctx, armSyms.size_ctx],
]));
console.log("\nLargest stack frames, Cortex-M0+ (-fstack-usage; Ed25519 verify's deepest path is about verify + decode + mul):\n");
console.log(md(["function", "bytes"], frames));
console.log(`\n## firmware/ota code size, Cortex-M0+ (arm-none-eabi-gcc ${armFlags.join(" ")}; arm-none-eabi-size per object)\n`);
console.log(md(["file", "text", "data", "bss"], [...sizeRows, ["total", total, "", ""]]));
console.log("\nDevice cycles for Ed25519 verify and SHA-256/512 per KiB on rp2040-sim: not measured yet (the emulator harness is another engineer's work).");
rmSync(tmp, { recursive: true, force: true });
