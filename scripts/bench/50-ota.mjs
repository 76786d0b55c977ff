#!/usr/bin/env node
// OTA (firmware/ota, host-tools/src/ota): delta patch size against the full signed image
// for realistic changes, compared with bsdiff (npm bsdiff-node, when it is installed) and
// with gzip -9 of the new image; the C patcher's RAM; flash code size and stack frames of
// firmware/ota for Cortex-M0+; and device cycles on rp2040-sim: the OTA benchmark image
// (boards/rp2040/otabench, built in build/rp2040-otabench) times Ed25519 verify (valid,
// tampered, rejected early), SHA-256/512 of 1 and 16 KiB (per-KiB slope), ota_image_verify_slot
// of signed app and model images in flash, and the delta patcher per KiB of output, with
// its SysTick cycle counter, and reports the painted-stack peak of each call. Results are
// checked (signatures accepted/rejected as they must be, digests equal Node's, patched
// images byte for byte) and the bench fails otherwise. These are rp2040js emulated cycles
// (no flash wait states, no bus contention), not RP2040 silicon timings.
// Run: node --import tsx scripts/bench/50-ota.mjs   (or: npm run bench -- 50-ota)
import { execFileSync, spawnSync } from "node:child_process";
import { createHash, createPrivateKey, createPublicKey } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { gzipSync } from "node:zlib";
import { repoRoot } from "../lib/cmake.mjs";
import { encodeDelta } from "../../host-tools/src/ota/delta.ts";
import { signImage } from "../../host-tools/src/ota/image.ts";
import { rawPublicKey } from "../../host-tools/src/ota/keys.ts";
import { appPairs, perturbModel, referenceModel } from "../../test/host-tools/ota/pairs.ts";
import { otabenchElf } from "../../test/boards/rp2040/firmware.ts";
import { hashPattern, startOtaBench } from "../../test/boards/rp2040/otabench.ts";

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
// A fixed key (from a seed), so signatures, patch sizes and verify cycles repeat run to run:
// Ed25519 verify time depends on the bits of the signature's scalars.
const privateKey = createPrivateKey({ format: "der", type: "pkcs8", key: Buffer.concat([
  Buffer.from("302e020100300506032b657004220420", "hex"), createHash("sha256").update("wasmcu bench ota key").digest()]) });
const publicKey = createPublicKey(privateKey);
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
  console.log("bsdiff: the npm package bsdiff-node is not installed;"
    + " it is an optional dependency whose native build failed here (npm ci prints why), or set"
    + " WASMCU_BSDIFF_NODE=/path/to/node_modules/bsdiff-node. gzip of the full new image is shown instead.");
}

// ---- RAM ---------------------------------------------------------------------------------
const sizes = Object.fromEntries(run(testOta, ["sizes"]).trim().split("\n").map((l) => l.split(" ")));
const armSrc = path.join(tmp, "sizes.c");
writeFileSync(armSrc, `#include "ota.h"\nchar size_patcher[sizeof(ota_patcher)];\nchar size_writer[sizeof(ota_writer)];\nchar size_ctx[sizeof(ota_ctx)];\n`);
const armObj = path.join(tmp, "sizes.o");
const armFlags = ["-std=c11", "-mcpu=cortex-m0plus", "-mthumb", "-Os", "-ffunction-sections", "-fdata-sections"];
run("arm-none-eabi-gcc", [...armFlags, "-I", path.join(repoRoot, "firmware/ota/include"), "-c", armSrc, "-o", armObj]);
const armSyms = Object.fromEntries(run("arm-none-eabi-nm", ["-S", armObj]).trim().split("\n").map((l) => l.trim().split(/\s+/))
  .filter((f) => f.length === 4).map(([, size, , name]) => [name, parseInt(size, 16)]));

// ---- code size and stack, Cortex-M0+ -----------------------------------------------------
const armDir = path.join(tmp, "arm");
run("mkdir", ["-p", armDir]);
const srcs = readdirSync(path.join(repoRoot, "firmware/ota/src")).filter((f) => f.endsWith(".c")).sort();
const objs = srcs.map((f) => {
  const o = path.join(armDir, f.replace(/\.c$/, ".o"));
  run("arm-none-eabi-gcc", [...armFlags, "-Wall", "-Wextra", "-Werror", "-fstack-usage", "-I", path.join(repoRoot, "firmware/ota/include"), "-c", path.join(repoRoot, "firmware/ota/src", f), "-o", o]);
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
console.log("\nLargest stack frames, Cortex-M0+ (-fstack-usage; Ed25519 verify's deepest path is verify + check_equation (the double-scalar multiplication) + point addition + field multiply):\n");
console.log(md(["function", "bytes"], frames));
console.log(`\n## firmware/ota code size, Cortex-M0+ (arm-none-eabi-gcc ${armFlags.join(" ")}; arm-none-eabi-size per object)\n`);
console.log(md(["file", "text", "data", "bss"], [...sizeRows, ["total", total, "", ""]]));

// ---- device cycles on rp2040-sim ----------------------------------------------------------
// Flash layout of the fixture (board flash offsets; boards/rp2040/board.json regions app_a,
// app_b and model): signed images the device verifies, and patches against two of them.
const CLOCK_HZ = 125_000_000;
const kws = referenceModel("kws_ref_model");
const dev = {
  app: sign(apps.base, "app", 1),
  model: sign(kws, "model", 1),
};
const tamperedApp = Buffer.from(dev.app);
tamperedApp[64 + 32] ^= 0x01; // one bit of S: only the full curve computation can reject it
const appNew = sign(apps.newFunction, "app", 2);
const modelNew = sign(perturbModel(kws, 0.1, 7), "model", 2);
const appPatch = encodeDelta(dev.app, appNew);
const modelPatch = encodeDelta(dev.model, modelNew);
const AT = { app: 0x80000, model: 0xb0000, tampered: 0xe0000, appPatch: 0xf0000, modelPatch: 0x100000 };
const elf = await otabenchElf();
const bench = await startOtaBench(elf, [
  { offset: AT.app, bytes: dev.app },
  { offset: AT.model, bytes: dev.model },
  { offset: AT.tampered, bytes: tamperedApp },
  { offset: AT.appPatch, bytes: appPatch },
  { offset: AT.modelPatch, bytes: modelPatch },
]);
const devRows = [];
const problems = [];
const us = (cycles) => (cycles / (CLOCK_HZ / 1e6)).toFixed(cycles < 125_000 ? 1 : 0);
const row = (op, cycles, stack, check) => devRows.push([op, Math.round(cycles), us(cycles), stack ?? "", check]);
const expectThat = (ok, what) => {
  if (!ok) problems.push(what);
  return ok ? "yes" : "NO";
};
const crc32 = (bytes) => {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
};
const w0 = performance.now();
try {
  const edNames = {
    "valid": ["Ed25519 verify, valid signature (RFC 8032 test 2) -> true", "1"],
    "tampered-message": ["Ed25519 verify, message bit flipped -> false", "0"],
    "tampered-s": ["Ed25519 verify, bit of S flipped (S < L) -> false", "0"],
    "s-not-reduced": ["Ed25519 verify, S >= L (rejected before curve math) -> false", "0"],
  };
  for (const r of await bench.command("ed25519", 4)) {
    const [label, want] = edNames[r.case];
    row(label, Number(r.cycles), Number(r.stack), expectThat(r.result === want, `ed25519 ${r.case}: result ${r.result}, want ${want}`));
  }
  for (const alg of ["sha256", "sha512"]) {
    const got = {};
    for (const len of [1024, 16384]) {
      const [r] = await bench.command(`${alg} ${len}`);
      const want = createHash(alg).update(hashPattern(len)).digest("hex");
      got[len] = Number(r.cycles);
      row(`${alg === "sha256" ? "SHA-256" : "SHA-512"} of ${len / 1024} KiB (RAM), init+update+final`, got[len], "",
        expectThat(r.digest === want, `${alg} of ${len} bytes: digest differs from Node's`));
    }
    row(`${alg === "sha256" ? "SHA-256" : "SHA-512"} per KiB (slope between 1 and 16 KiB)`, (got[16384] - got[1024]) / 15, "", "");
  }
  const hex = raw.toString("hex");
  for (const [label, at, bytes, want] of [
    ["ota_image_verify_slot, signed app", AT.app, dev.app, 0],
    ["ota_image_verify_slot, signed model (kws_ref_model)", AT.model, dev.model, 0],
    ["ota_image_verify_slot, app with a bit of S flipped -> signature error", AT.tampered, tamperedApp, 9],
  ]) {
    const [r] = await bench.command(`verify ${at} ${hex}`);
    row(`${label}, ${bytes.length} B`, Number(r.cycles), Number(r.stack),
      expectThat(Number(r.status) === want, `verify at ${at}: ${r.line}`));
  }
  for (const [label, old, oldImage, at, patch, nw] of [
    ["app: new function", AT.app, dev.app, AT.appPatch, appPatch, appNew],
    ["model kws_ref_model: 10% of weights +-1", AT.model, dev.model, AT.modelPatch, modelPatch, modelNew],
  ]) {
    const padded = Buffer.alloc(Math.ceil(nw.length / 256) * 256, 0xff);
    nw.copy(padded);
    const patched = (r) => Number(r.status) === 0 && Number(r.out) === padded.length && r.crc === crc32(padded).toString(16).padStart(8, "0");
    const [r] = await bench.command(`patch ${old} ${at} ${patch.length}`);
    const cycles = Number(r.cycles);
    row(`delta patch (${label}): ${patch.length} B patch -> ${nw.length} B image, whole`, cycles, Number(r.stack),
      expectThat(patched(r), `patch ${label}: ${r.line}`));
    row(`  same, per KiB of output`, cycles / (nw.length / 1024), "", "");
    // As the device runs it: the base was hashed when the update began (ota_patch_known_base).
    const [k] = await bench.command(`patch ${old} ${at} ${patch.length} ${oldImage.length}`);
    row(`  same, base already hashed by the caller (firmware/device)`, Number(k.cycles), Number(k.stack),
      expectThat(patched(k), `patch ${label} (known base): ${k.line}`));
  }
} finally {
  await bench.stop();
}
const devWall = performance.now() - w0;
console.log("\n## OTA on the device: rp2040js emulated cycles (no flash wait states), not silicon\n");
console.log(md(["operation", "emulated cycles", "µs at 125 MHz", "peak stack (bytes)", "result checked"], devRows));
console.log(`\nMethod: boards/rp2040/otabench (${path.relative(repoRoot, elf)}, arm-none-eabi-gcc -O3 (Release), the rp2040 CMake tree`
  + ` with WASMCU_PARTS=hal;ota) on rp2040-sim (rp2040js), ${(devWall / 1000).toFixed(1)} s wall. Cycles are the firmware's own`
  + ` hal_cycles() (SysTick at clk_sys) around the call alone; µs = cycles / 125. Code runs from XIP flash, which rp2040js`
  + ` reads with no wait states (silicon adds XIP cache misses), and rp2040js models no bus contention: emulated cycles,`
  + ` not RP2040 silicon timings. Peak stack: the free stack is painted before the call and scanned after (deepest word`
  + ` written, frames reserved by the callee included). Hashes run over a 16 KiB RAM pattern (Node computes the same digests).`
  + ` Signed images are read from flash through an ota_flash over hal_flash_map; the patcher reads the old image and the`
  + ` patch (256 B chunks) from flash and programs its output into a sink that only CRCs it, so flash erase/program time`
  + ` is not included. Ed25519 results are checked: true for the valid RFC 8032 signature, false for every tampered one.`);
if (problems.length) {
  console.error(`50-ota: the device gave wrong results:\n  ${problems.join("\n  ")}`);
  process.exitCode = 1;
}
rmSync(tmp, { recursive: true, force: true });
