#!/usr/bin/env node
// The WebAssembly runtime (firmware/runtime):
//   1. host instructions per workload: the whole wasmcu-vm process under
//      valgrind callgrind, next to the wasm3 / WAMR figures of
//      ../shared/bench-wasm/README.md (same method: whole process, gcc 12 -O2);
//      each workload's result checked against Node's WebAssembly;
//   2. side-table bytes and the runtime's own RAM per module (a 32-bit build,
//      so pointers are the size they are on a microcontroller), and peak RSS;
//   3. flash for Cortex-M0+ (arm-none-eabi-gcc -Os, --gc-sections, from the
//      link map, C libraries excluded) and the interpreter's C stack frame; the same
//      for the ESP32-C3's RV32IMC (riscv64-unknown-elf-gcc + picolibc) beside it.
// Run: node scripts/bench/10-runtime.mjs [workload...]   (npm run bench runs it)
// Takes about 10 minutes: sha256 and matvec are ~1e10 instructions under callgrind.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const sharedDir = process.env.WASMCU_SHARED ?? path.resolve(repoRoot, "../shared");
const benchWasm = path.join(sharedDir, "bench-wasm");
const runtimeDir = path.join(repoRoot, "firmware", "runtime");
const runtimeSrc = path.join(runtimeDir, "src"), runtimeInclude = path.join(runtimeDir, "include");
const tmp = mkdtempSync(path.join(tmpdir(), "bench-runtime-"));
const only = process.argv.slice(2);

function sh(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 256 << 20, ...opts });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.status}):\n${r.stdout}${r.stderr}`);
  return r;
}
const have = (cmd, arg = "--version") => spawnSync(cmd, [arg], { encoding: "utf8" }).status === 0;
const fmtG = (n) => (n >= 1e9 ? `${(n / 1e9).toFixed(2)} G` : `${(n / 1e6).toFixed(2)} M`);
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;

// ---- builds ---------------------------------------------------------------------
// -O2, like the reference builds of wasm3 and WAMR (the host board's Release
// build uses -O3; for this interpreter the two give the same counts).
function buildVm(dir, extra) {
  const abs = path.join(repoRoot, "build", dir);
  if (!existsSync(path.join(abs, "CMakeCache.txt"))) {
    sh("cmake", ["-S", repoRoot, "-B", abs, "-DWASMCU_BOARD=host", "-DWASMCU_PARTS=runtime", "-DWASMCU_WITH_BOARD=OFF",
      "-DCMAKE_BUILD_TYPE=Release", "-DCMAKE_C_FLAGS_RELEASE=-O2 -DNDEBUG", ...extra]);
  }
  sh("cmake", ["--build", abs, "--target", "wasmcu-vm", "--parallel", "2"]);
  return path.join(abs, "bin", "wasmcu-vm");
}
const vm = buildVm("bench-runtime", []);
let vm32 = null;
try {
  vm32 = buildVm("bench-runtime-m32", ["-DCMAKE_C_FLAGS=-m32", "-DCMAKE_EXE_LINKER_FLAGS=-m32"]);
} catch {
  console.log("\n(no 32-bit host compiler (gcc -m32): runtime RAM is shown for the 64-bit build)");
}
const gcc = execFileSync("cc", ["-dumpfullversion"], { encoding: "utf8" }).trim();

// ---- workloads -----------------------------------------------------------------
const workloads = [
  { name: "sha256", file: path.join(benchWasm, "sha256.wasm"), what: "SHA-256 over 64 KiB, 200 times" },
  { name: "matvec", file: path.join(benchWasm, "matvec.wasm"), what: "int8 256x256 matrix-vector, 1000 times" },
  { name: "sensor", file: path.join(benchWasm, "sensor.wasm"), what: "float32 sensor pipeline, 1e6 samples" },
  { name: "empty", file: path.join(benchWasm, "empty.wasm"), what: "start-up: load, instantiate, return 42" },
  { name: "fib", file: path.join(benchWasm, "fib.wasm"), what: "recursive fib(24), 150,049 calls" },
  { name: "fib30", wat: path.join(repoRoot, "bench", "runtime", "fib30.wat"), what: "recursive fib(30), 1,664,079 calls" },
  { name: "coremark", ts: path.join(repoRoot, "bench", "runtime", "coremark.ts"), what: "CoreMark-style list/matrix/state machine + CRC (not CoreMark)" },
].filter((w) => only.length === 0 || only.includes(w.name));

for (const w of workloads) {
  if (w.wat) {
    w.file = path.join(tmp, `${w.name}.wasm`);
    sh("wat2wasm", [w.wat, "-o", w.file]);
  } else if (w.ts) {
    w.file = path.join(tmp, `${w.name}.wasm`);
    // the bench-wasm recipe; compiled in tmp so no asconfig.json applies
    sh(path.join(repoRoot, "node_modules", ".bin", "asc"),
      [w.ts, "-O3", "--runtime", "stub", "--noAssert", "--use", "abort=", "-o", w.file], { cwd: tmp });
  }
}

// wasm3 / WAMR columns from the bench-wasm README's reference table
const reference = new Map();
{
  const readme = existsSync(path.join(benchWasm, "README.md")) ? readFileSync(path.join(benchWasm, "README.md"), "utf8") : "";
  const toNum = (c) => {
    const m = /([\d.]+)\s*([GM])/.exec(c);
    return m ? Number(m[1]) * (m[2] === "G" ? 1e9 : 1e6) : null;
  };
  for (const line of readme.split("## Reference figures")[1]?.split("\n## ")[0].split("\n") ?? []) {
    const c = line.split("|").map((s) => s.trim()).filter(Boolean);
    if (c.length === 5 && toNum(c[1]) !== null) {
      reference.set(c[0], { wasm3: toNum(c[1]), wamrFast: toNum(c[2]), wamrClassic: toNum(c[3]) });
    }
  }
}

async function nodeResult(file) {
  const { instance } = await WebAssembly.instantiate(readFileSync(file), {});
  return instance.exports.run() | 0;
}

function stats(bin, file) {
  const r = sh(bin, ["--stats", "--stack", "4096", "--call-depth", "256", "--func", "run", file]);
  const num = (re) => Number(re.exec(r.stderr)?.[1] ?? NaN);
  const mem = num(/linear memory: (\d+) bytes/);
  const alloc = num(/allocated: (\d+) bytes now/);
  const stacks = num(/value stack: (\d+) bytes/) + num(/call stack: (\d+) bytes/);
  return {
    result: Number(/^i32:(-?\d+)/.exec(r.stdout)?.[1]),
    sideTable: num(/side table: \d+ entries, (\d+) bytes/),
    entries: num(/side table: (\d+) entries/),
    mem,
    // what the runtime keeps besides linear memory and the two stacks
    runtimeRam: alloc - mem - stacks,
  };
}

const haveValgrind = have("valgrind");
if (!haveValgrind) console.log("\n(valgrind not installed: instruction counts not measured; apt-get install valgrind)");
const rows = [];
for (const w of workloads) {
  const s = stats(vm, w.file);
  const s32 = vm32 ? stats(vm32, w.file) : null;
  const want = await nodeResult(w.file);
  let instr = null;
  if (haveValgrind) {
    const r = sh("valgrind", ["--tool=callgrind", "--callgrind-out-file=/dev/null", vm, "--func", "run", w.file]);
    instr = Number(/Collected : (\d+)/.exec(r.stderr)?.[1] ?? NaN);
  }
  const rss = Number(/(\d+)/.exec(sh("/usr/bin/time", ["-f", "%M", vm, "--func", "run", w.file]).stderr.trim().split("\n").pop())?.[1]);
  rows.push({ ...w, s, s32, want, instr, rss });
  process.stderr.write(`  ${w.name}: ${instr === null ? "-" : fmtG(instr)}\n`);
}

console.log(`\n### WebAssembly runtime on the host: instructions per run (x86-64)\n`);
console.log(`Method: \`valgrind --tool=callgrind\`, whole \`wasmcu-vm --func run MODULE\` process (load, validate,`);
console.log(`instantiate, run, exit), gcc ${gcc} -O2. wasm3 0.9.0 and WAMR 2.4.3 figures: ../shared/bench-wasm/README.md`);
console.log(`(same method, gcc 12 -O2). "checksum" compares wasmcu-vm's result with Node's WebAssembly on the same module.\n`);
console.log("| workload | what | checksum | wasmcu-vm | wasm3 | wasmcu-vm / wasm3 | WAMR fast | WAMR classic |");
console.log("|---|---|---|---:|---:|---:|---:|---:|");
for (const r of rows) {
  const ref = reference.get(r.name);
  const ok = r.s.result === r.want ? `ok 0x${(r.want >>> 0).toString(16)}` : `**MISMATCH** ${r.s.result} vs Node ${r.want}`;
  const ratio = ref && r.instr ? `${(r.instr / ref.wasm3).toFixed(2)}x` : "";
  console.log(`| ${r.name} | ${r.what} | ${ok} | ${r.instr === null ? "-" : fmtG(r.instr)} | ${ref ? fmtG(ref.wasm3) : ""} | ${ratio} | ${ref ? fmtG(ref.wamrFast) : ""} | ${ref ? fmtG(ref.wamrClassic) : ""} |`);
}

console.log(`\n### WebAssembly runtime: memory per workload\n`);
console.log("Side table: the only RAM derived from code (12-byte entries, one per branch site). Runtime RAM: what the store,");
console.log("module and instance objects keep after instantiation besides linear memory and the value/call stacks (allocator");
console.log("headers included; the validator's scratch, WR_VALIDATE_STACK + 48 B per block level, is freed after loading),");
console.log(`from \`wasmcu-vm --stats\` of a ${vm32 ? "32-bit (-m32) build, pointers as on a microcontroller" : "64-bit build"}. Peak RSS: the 64-bit`);
console.log("wasmcu-vm process (GNU time) with its default limits (2 MiB value stack, 10,000 frames; mostly untouched).\n");
console.log("| workload | side-table entries | side-table bytes | runtime RAM (excl. memory, stacks) | linear memory | peak RSS |");
console.log("|---|---:|---:|---:|---:|---:|");
for (const r of rows) {
  const s = r.s32 ?? r.s;
  console.log(`| ${r.name} | ${s.entries} | ${s.sideTable} B | ${s.runtimeRam} B | ${kb(s.mem)} | ${kb(r.rss * 1024)} |`);
}

// ---- Cortex-M0+ and RV32IMC flash ---------------------------------------------------
// every file of the library, whatever they are
const sources = readdirSync(runtimeSrc).filter((f) => f.endsWith(".c")).map((f) => f.slice(0, -2)).sort();
// The two device targets: compiler, its target flags, the C library's link flags.
const TARGETS = {
  m0plus: { gcc: "arm-none-eabi-gcc", flags: ["-mcpu=cortex-m0plus", "-mthumb"], libc: ["-specs=nano.specs", "-specs=nosys.specs"] },
  // As boards/esp32c3/toolchain.cmake: compile with Zicsr, link as rv32imc (picolibc's rv32im multilib).
  rv32imc: { gcc: "riscv64-unknown-elf-gcc", flags: ["-march=rv32imc_zicsr", "-mabi=ilp32", "--specs=picolibc.specs"],
    // picolibc's default link script has 64 KiB of flash: room for the -O3 interpreter.
    libc: ["-march=rv32imc", "-mabi=ilp32", "--specs=picolibc.specs", "-Wl,--defsym=__flash_size=0x100000"] },
};
// interpOpt: the interpreter's optimisation level (the rest is always -Os, as
// firmware/runtime/CMakeLists.txt builds it for a device)
function footprint(tc, defines, interpOpt = "-Os") {
  const dir = mkdtempSync(path.join(tmp, "dev-"));
  const cflags = [...tc.flags, "-Os", "-ffunction-sections", "-fdata-sections", "-fno-math-errno",
    "-std=c11", "-Wall", "-Wextra", "-Werror", `-I${runtimeInclude}`, ...defines];
  const objs = [];
  for (const s of sources) {
    const o = path.join(dir, `${s}.o`);
    const opt = s === "interp" ? [interpOpt] : [];
    sh(tc.gcc, [...cflags, ...opt, `-fstack-usage`, "-c", path.join(runtimeSrc, `${s}.c`), "-o", o]);
    objs.push(o);
  }
  // an embedder using the whole device API, so --gc-sections keeps what a device keeps
  const app = path.join(dir, "app.c");
  writeFileSync(app, `#include "wr.h"
static uint8_t arena[16384] __attribute__((aligned(8)));
static const uint8_t module[8] = { 0, 'a', 's', 'm', 1, 0, 0, 0 };
static wr_status n_log(wr_native_ctx *c, const wr_arg *a, wr_arg *r) { (void)a; (void)r; return wr_native_trap(c, "x"); }
static const wr_native natives[] = { { "env", "log", "(*~)", n_log, 0 } };
int main(void) {
  wr_bump b; wr_allocator a; wr_limits l; wr_store *s; wr_module *m; wr_instance *i; wr_value r;
  wr_module_info mi; wr_store_stats ss;
  wr_bump_init(&b, &a, arena, sizeof arena); wr_limits_default(&l);
  if (wr_store_new(&a, &l, &s) || wr_store_add_natives(s, natives, 1)) return 1;
  if (wr_module_load(s, module, sizeof module, &m) || wr_instantiate(s, m, &i)) return wr_store_error(s)[0];
  wr_store_set_fuel(s, 1000);
  int st = (int)wr_call(wr_instance_func(i, "loop"), 0, 0, &r, 0) + (int)wr_status_name(WR_OK)[0];
  wr_module_info_get(m, &mi); wr_store_stats_get(s, &ss);
  st += (int)mi.side_table_bytes + (int)ss.peak_bytes + (int)wr_store_fuel(s);
  st += (wr_memory_ptr(wr_instance_memory(i), 0, 4) != 0) + (int)wr_memory_bytes(wr_instance_memory(i));
  wr_store_delete(s);
  return st;
}
`);
  const elf = path.join(dir, "app.elf"), map = path.join(dir, "app.map");
  sh(tc.gcc, [...cflags.filter((f) => !f.startsWith("-W") && !tc.libc.includes(f) && !f.startsWith("-march")), ...tc.libc,
    "-Wl,--gc-sections", `-Wl,-Map=${map}`, "-o", elf, app, ...objs, "-lm"]);
  // sum the kept input sections of our objects in the link map
  const ours = new Set(sources.map((s) => `${s}.o`));
  const size = { text: 0, rodata: 0, data: 0, bss: 0 };
  const lines = readFileSync(map, "utf8").split("\n");
  let discarded = false;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (l.startsWith("Discarded input sections")) discarded = true;
    if (l.startsWith("Memory Configuration")) discarded = false;
    if (discarded) continue;
    // RISC-V's small-data sections (.srodata, .sdata, .sbss) count with their big kin.
    const m = /^ \.s?(text|rodata|data|bss)\S*(?:\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+(\S+))?\s*$/.exec(l);
    if (!m) continue;
    let bytes, obj;
    if (m[2]) [bytes, obj] = [parseInt(m[3], 16), m[4]];
    else {
      const n = lines[i + 1]?.trim().split(/\s+/) ?? [];
      if (n.length < 3) continue;
      [bytes, obj] = [parseInt(n[1], 16), n[2]];
    }
    if (ours.has(path.basename(obj))) size[m[1]] += bytes;
  }
  const su = readFileSync(path.join(dir, "interp.su"), "utf8");
  const stack = Number(/wr__execute\t(\d+)/.exec(su)?.[1] ?? NaN);
  rmSync(dir, { recursive: true, force: true });
  return { ...size, flash: size.text + size.rodata + size.data, stack };
}

if (have("arm-none-eabi-gcc")) {
  const armGcc = execFileSync("arm-none-eabi-gcc", ["-dumpfullversion"], { encoding: "utf8" }).trim();
  const variants = [
    ["-Os, computed goto (the default at -Os)", [], "-Os"],
    ["-Os, switch dispatch (-DWR_COMPUTED_GOTO=0)", ["-DWR_COMPUTED_GOTO=0"], "-Os"],
    ["-Os, without fuel metering (-DWR_FUEL=0)", ["-DWR_FUEL=0"], "-Os"],
    ["interpreter -O3 (boards/rp2040's Release level), specialised dispatch (WR_SPECIALIZE=1)", [], "-O3"],
    ["interpreter -O3, -DWR_SPECIALIZE=0", ["-DWR_SPECIALIZE=0"], "-O3"],
  ];
  console.log(`\n### WebAssembly runtime: Cortex-M0+ flash and RAM\n`);
  console.log(`Method: arm-none-eabi-gcc ${armGcc} \`-mcpu=cortex-m0plus -mthumb -Os -ffunction-sections -fdata-sections\`, linked`);
  console.log("with `--gc-sections` into a program calling the whole device API (load, instantiate, natives, call, fuel,");
  console.log("memory, stats); sizes of the runtime's own input sections in the link map (loader, validator, side table,");
  console.log("interpreter, natives, store); newlib, libgcc soft-float and libm excluded. C stack: `-fstack-usage` of the");
  console.log("interpreter function (it does not recurse; wasm calls use the runtime's own stacks). The loader, validator");
  console.log("and the rest are -Os in every row, as firmware/runtime/CMakeLists.txt builds them for a device. Goal: under");
  console.log("32 KB at -Os; wasm3 about 71 KB, WAMR about 54-60 KB (../shared/bench-wasm/README.md). Static RAM (.data +");
  console.log(".bss) is what the runtime needs before any store exists.\n");
  console.log("| build | .text | .rodata | flash total | static RAM | interpreter C stack |");
  console.log("|---|---:|---:|---:|---:|---:|");
  for (const [name, defs, opt] of variants) {
    const f = footprint(TARGETS.m0plus, defs, opt);
    console.log(`| ${name} | ${f.text} B | ${f.rodata} B | **${f.flash} B (${kb(f.flash)})** | ${f.data + f.bss} B | ${f.stack} B |`);
  }
  if (have("riscv64-unknown-elf-gcc")) {
    const rvGcc = execFileSync("riscv64-unknown-elf-gcc", ["-dumpfullversion"], { encoding: "utf8" }).trim();
    console.log(`\n### WebAssembly runtime: RV32IMC (ESP32-C3) flash and RAM, beside Cortex-M0+\n`);
    console.log(`Method: as above with riscv64-unknown-elf-gcc ${rvGcc} \`-march=rv32imc_zicsr -mabi=ilp32\` and picolibc (its`);
    console.log("rv32im build, as boards/esp32c3 links), picolibc and libgcc excluded; small-data sections counted with their kin.\n");
    console.log("| build | Cortex-M0+ flash | RV32IMC .text | RV32IMC .rodata | RV32IMC flash total | RV32IMC static RAM | RV32IMC interpreter C stack |");
    console.log("|---|---:|---:|---:|---:|---:|---:|");
    for (const [name, defs, opt] of [variants[0], variants[3]]) {
      const arm = footprint(TARGETS.m0plus, defs, opt);
      const f = footprint(TARGETS.rv32imc, defs, opt);
      console.log(`| ${name} | ${kb(arm.flash)} | ${f.text} B | ${f.rodata} B | **${f.flash} B (${kb(f.flash)})** | ${f.data + f.bss} B | ${f.stack} B |`);
    }
  } else {
    console.log("\n(riscv64-unknown-elf-gcc not installed: RV32IMC footprint not measured)");
  }
} else {
  console.log("\n(arm-none-eabi-gcc not installed: Cortex-M0+ footprint not measured)");
}
rmSync(tmp, { recursive: true, force: true });
