#!/usr/bin/env node
// The int8 inference engine (firmware/nn) on every reference model in
// ../shared/reference-models: instructions per inference on the host
// (valgrind callgrind, one nn_invoke, toggle-collect), next to TFLM's two
// columns from that folder's README; arena bytes next to TFLM's; and the
// library's Cortex-M0+ and RV32IMC (ESP32-C3) code size at -Os.
// Run: node scripts/bench/20-nn.mjs (npm run bench runs it). Takes a few minutes
// (mobilenet_v2 is ~1e9 instructions under callgrind).
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { referenceModels, writeXorshiftInputs } from "../../test/helpers/reference-models.ts";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const sharedDir = process.env.WASMCU_SHARED ?? path.resolve(repoRoot, "../shared");
const modelsDir = path.join(sharedDir, "reference-models");
const buildDir = path.join(repoRoot, "build", "bench-nn");
const nnDir = path.join(repoRoot, "firmware", "nn");
const nnSrc = path.join(nnDir, "src"), nnInclude = path.join(nnDir, "include");

function sh(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 256 << 20, ...opts });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed:\n${r.stdout}${r.stderr}`);
  return r;
}

if (!existsSync(modelsDir)) {
  console.log(`\n(no ${modelsDir}: nothing to measure)`);
  process.exit(0);
}

// ---- build wasmcu-nn (Release: -O3, like the host board) ----------------------
if (!existsSync(path.join(buildDir, "CMakeCache.txt"))) {
  sh("cmake", ["-S", repoRoot, "-B", buildDir, "-DWASMCU_BOARD=host", "-DWASMCU_PARTS=nn",
    "-DWASMCU_WITH_BOARD=OFF", "-DCMAKE_BUILD_TYPE=Release"]);
}
sh("cmake", ["--build", buildDir, "--target", "wasmcu-nn", "--parallel", "2"]);
const tool = path.join(buildDir, "bin", "wasmcu-nn");
const cflags = readFileSync(path.join(buildDir, "CMakeCache.txt"), "utf8").match(/CMAKE_C_FLAGS_RELEASE:STRING=(.*)/)?.[1] ?? "?";
const gcc = execFileSync("cc", ["-dumpfullversion"], { encoding: "utf8" }).trim();

// ---- TFLM's figures from the README -------------------------------------------
const readme = readFileSync(path.join(modelsDir, "README.md"), "utf8");
const tflm = new Map();
{
  const section = readme.split("## Instructions per inference")[1]?.split("\n## ")[0] ?? "";
  for (const line of section.split("\n")) {
    const cells = line.split("|").map((c) => c.trim()).filter(Boolean);
    if (cells.length === 3 && /^[\d,]+$/.test(cells[1])) {
      tflm.set(cells[0], { ref: Number(cells[1].replaceAll(",", "")), cmsis: Number(cells[2].replaceAll(",", "")) });
    }
  }
}
const models = referenceModels(modelsDir);

const haveValgrind = spawnSync("valgrind", ["--version"], { encoding: "utf8" }).status === 0;
if (!haveValgrind) console.log("\n(valgrind not installed: instruction counts not measured; apt-get install valgrind)");
const tmp = mkdtempSync(path.join(tmpdir(), "bench-nn-"));
const rows = [];
try {
  for (const m of models) {
    const meta = JSON.parse(readFileSync(path.join(modelsDir, m, "meta.json"), "utf8"));
    const c0 = (meta.cases ?? []).find((c) => c.k === 0);
    // Held-out models (no stored case): the README's xorshift32 input, seed 1.
    const inputs = c0 ? c0.inputs.map((i) => path.join(modelsDir, m, i)) : writeXorshiftInputs(path.join(tmp, m), meta.inputs);
    const prefix = path.join(tmp, m);
    const cg = path.join(tmp, `${m}.callgrind`);
    const args = ["run", path.join(modelsDir, m, "model.tflite"), ...inputs.flatMap((p) => ["--input", p]), "--output-prefix", prefix];
    let ir = NaN;
    if (haveValgrind) {
      sh("valgrind", ["--tool=callgrind", "--toggle-collect=nn_invoke", `--callgrind-out-file=${cg}`, tool, ...args]);
      ir = Number(readFileSync(cg, "utf8").match(/^summary:\s+(\d+)/m)?.[1] ?? NaN);
    } else {
      sh(tool, args);
    }
    let exact = "held out";
    if (c0) {
      exact = c0.outputs.every((o, j) => readFileSync(`${prefix}.out${j}.bin`).equals(readFileSync(path.join(modelsDir, m, o)))) ? "yes" : "NO";
    }
    const info = JSON.parse(sh(tool, ["info", path.join(modelsDir, m, "model.tflite"), "--json"]).stdout);
    rows.push({ m, ir, exact, arena: info.arena_bytes, tflmArena: meta.arena_used_bytes, ...(tflm.get(m) ?? {}) });
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

const fmt = (n) => (Number.isFinite(n) ? n.toLocaleString("en-US") : "?");
const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}x` : "?");

console.log(`\n### int8 inference: instructions per inference (host x86-64, valgrind callgrind)\n`);
console.log(`wasmcu: \`valgrind --tool=callgrind --toggle-collect=nn_invoke wasmcu-nn run MODEL --input ...\` ` +
  `(one invoke, case 0; held-out models: xorshift32 seed 1 input), gcc ${gcc} ${cflags.trim()}. ` +
  `TFLM columns: ${path.relative(repoRoot, path.join(modelsDir, "README.md"))} (gcc 12 -O2, case 0).\n`);
console.log("| model | wasmcu | TFLM reference | TFLM + CMSIS-NN (portable C) | wasmcu / CMSIS-NN | output bytes = TFLM |");
console.log("|---|---:|---:|---:|---:|---|");
for (const r of rows) {
  console.log(`| ${r.m} | ${fmt(r.ir)} | ${fmt(r.ref)} | ${fmt(r.cmsis)} | ${ratio(r.ir, r.cmsis)} | ${r.exact} |`);
}

console.log(`\n### int8 inference: arena bytes (nn_arena_bytes, from the model alone)\n`);
console.log("wasmcu: `wasmcu-nn info MODEL --json` arena_bytes (host, 64-bit; everything: interpreter, tensor and op records, op data, state, activations, scratch). TFLM: meta.json arena_used_bytes.\n");
console.log("| model | wasmcu arena B | TFLM arena B | wasmcu / TFLM |");
console.log("|---|---:|---:|---:|");
for (const r of rows) console.log(`| ${r.m} | ${fmt(r.arena)} | ${fmt(r.tflmArena)} | ${ratio(r.arena, r.tflmArena)} |`);

// ---- Cortex-M0+ and RV32IMC (ESP32-C3) code size -----------------------------------
// Each device target: compiler, size tool, compile flags, link flags with its C library.
const TARGETS = [
  { name: "Cortex-M0+", gcc: "arm-none-eabi-gcc", size: "arm-none-eabi-size", libc: "newlib-nano",
    flags: ["-mcpu=cortex-m0plus", "-mthumb"], link: ["--specs=nano.specs", "--specs=nosys.specs"] },
  // As boards/esp32c3/toolchain.cmake: compile with Zicsr, link as rv32imc (picolibc's rv32im multilib).
  { name: "RV32IMC (ESP32-C3)", gcc: "riscv64-unknown-elf-gcc", size: "riscv64-unknown-elf-size", libc: "picolibc",
    flags: ["-march=rv32imc_zicsr", "-mabi=ilp32", "--specs=picolibc.specs"],
    link: ["-march=rv32imc", "-mabi=ilp32", "--specs=picolibc.specs", "-Wl,--defsym=__flash_size=0x100000"] },
];
for (const tc of TARGETS) {
  const gcc = spawnSync(tc.gcc, ["-dumpfullversion"], { encoding: "utf8" });
  if (gcc.status !== 0) {
    console.log(`\n(${tc.gcc} not installed: ${tc.name} code size not measured)`);
    continue;
  }
  const dir = mkdtempSync(path.join(tmpdir(), "nn-size-"));
  try {
    const sources = [
      ...readdirSync(nnSrc).filter((f) => f.endsWith(".c")).map((f) => path.join(nnSrc, f)),
      ...readdirSync(path.join(nnSrc, "kernels")).filter((f) => f.endsWith(".c")).map((f) => path.join(nnSrc, "kernels", f)),
    ];
    const flags = [...tc.flags, "-Os", "-std=c11", "-ffunction-sections", "-fdata-sections"];
    const linkFlags = [...flags.filter((f) => !tc.flags.includes(f)), "-Wl,--gc-sections", ...tc.link];
    writeFileSync(path.join(dir, "empty.c"), "int main(void) { return 0; }\n");
    writeFileSync(path.join(dir, "harness.c"), [
      '#include "nn.h"',
      "extern const unsigned char model[]; extern const unsigned long model_len;",
      "static unsigned char arena[64] __attribute__((aligned(8)));",
      "int main(void) { size_t n; nn_error e; nn_interp *it; nn_tensor_info t;",
      "  if (nn_arena_bytes(model, model_len, &n, &e) || nn_init(&it, model, model_len, arena, sizeof arena, &e)) return 1;",
      "  nn_input(it, 0, &t); nn_invoke(it); nn_output(it, 0, &t); nn_reset(it); return (int)t.bytes; }",
      "const unsigned char model[8]; const unsigned long model_len = 8;",
    ].join("\n"));
    const objs = sources.map((s, i) => {
      const o = path.join(dir, `o${i}.o`);
      sh(tc.gcc, [...flags, `-I${nnInclude}`, "-c", s, "-o", o]);
      return o;
    });
    const size = (files) => sh(tc.size, ["-t", ...files]).stdout.trim().split("\n").pop().trim().split(/\s+/).map(Number);
    const [libText, libData, libBss] = size(objs);
    sh(tc.gcc, [...linkFlags, `-I${nnInclude}`, path.join(dir, "harness.c"), ...objs, "-o", path.join(dir, "h.elf")]);
    sh(tc.gcc, [...linkFlags, path.join(dir, "empty.c"), "-o", path.join(dir, "e.elf")]);
    const [hText] = size([path.join(dir, "h.elf")]);
    const [eText] = size([path.join(dir, "e.elf")]);
    console.log(`\n### int8 inference: ${tc.name} code size (${tc.gcc} ${gcc.stdout.trim()} ${flags.join(" ")})\n`);
    console.log("| what | text B | data B | bss B |");
    console.log("|---|---:|---:|---:|");
    console.log(`| firmware/nn objects (all ${sources.length} files, ${tc.size} -t) | ${fmt(libText)} | ${fmt(libData)} | ${fmt(libBss)} |`);
    console.log(`| linked into a harness, minus an empty program (--gc-sections, ${tc.libc}; includes libgcc soft float) | ${fmt(hText - eText)} | | |`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
