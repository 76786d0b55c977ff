// RP2040 figures: flash and RAM per component from the GNU ld map of the
// firmware image, and the speed of the rp2040js emulator (rp2040-sim) running
// the board self-test. Emulator figures are emulated cycles and host wall time;
// none of them is a measurement of RP2040 silicon.
//   node --import tsx scripts/bench/30-rp2040.mjs
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";

import { startRp2040Sim } from "../../host-tools/src/sim/rp2040.ts";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const board = JSON.parse(readFileSync(path.join(repoRoot, "boards/rp2040/board.json"), "utf8"));
const fwRegion = board.flash.layout.find((r) => r.name === "firmware");

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: repoRoot, encoding: "utf8" });
  return { ok: r.status === 0, out: `${r.stdout ?? ""}${r.stderr ?? ""}${r.error ? r.error.message : ""}` };
}

/** Configures (once) and builds one rp2040 tree; returns its bin/ directory or an error text. */
function build(dir, parts) {
  const abs = path.join(repoRoot, dir);
  if (!existsSync(path.join(abs, "CMakeCache.txt"))) {
    const args = ["-S", repoRoot, "-B", abs, "-DWASMCU_BOARD=rp2040"];
    if (parts) args.push(`-DWASMCU_PARTS=${parts}`);
    const c = run("cmake", args);
    if (!c.ok) return { error: c.out };
  }
  const b = run("cmake", ["--build", abs, "-j2"]);
  return b.ok ? { bin: path.join(abs, "bin") } : { error: b.out };
}

// ---------------------------------------------------------------- linker map

/** Who an input file belongs to: a static library, the toolchain's libraries, or an image's own object. */
function componentOf(file) {
  const lib = /(?:^|\/)lib([\w.+-]+)\.a\(/.exec(file);
  if (lib) {
    const name = lib[1];
    if (/^(c_nano|g_nano|c|g|m|nosys)$/.test(name)) return "newlib-nano (libc)";
    if (name === "gcc") return "libgcc";
    return name;
  }
  const obj = /CMakeFiles\/[^/]+\.dir\/(.+?)\.obj$/.exec(file);
  if (obj) return `image: ${obj[1]}`;
  return file.includes("linker stubs") ? "linker veneers" : path.basename(file);
}

/**
 * Sums text, rodata, data and bss per component from the "Linker script and
 * memory map" part of a GNU ld map. Alignment fill and linker-made sections
 * (heap, stack) are reported apart.
 */
function parseMapComponents(text) {
  const start = text.indexOf("Linker script and memory map");
  if (start < 0) throw new Error("not a GNU ld map: no 'Linker script and memory map' section");
  const lines = text.slice(start).split("\n");
  const comps = new Map();
  const regions = new Map();
  let out = null;
  const add = (comp, kind, size) => {
    const c = comps.get(comp) ?? { text: 0, rodata: 0, data: 0, bss: 0 };
    c[kind] += size;
    comps.set(comp, c);
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const outSec = /^(\.[\w.$-]+|\/DISCARD\/)(?:\s+0x([0-9a-f]+)\s+0x([0-9a-f]+))?/i.exec(line);
    if (outSec) {
      out = outSec[1];
      if (outSec[3] !== undefined) regions.set(out, parseInt(outSec[3], 16));
      else {
        const next = /^\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s*$/i.exec(lines[i + 1] ?? "");
        if (next) regions.set(out, parseInt(next[2], 16));
      }
      continue;
    }
    if (/^\S/.test(line)) {
      out = null;
      continue;
    }
    if (!out || out === "/DISCARD/" || /^\.(debug|comment|ARM\.attributes|stab)/.test(out)) continue;
    let m = /^ ((?:\.|COMMON)\S*)(?:\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(.+?))?\s*$/i.exec(line);
    if (!m) continue;
    let [, name, , size, file] = m;
    if (size === undefined) {
      const next = /^\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(.+?)\s*$/i.exec(lines[i + 1] ?? "");
      if (!next) continue;
      [, , size, file] = next;
      i++;
    }
    const bytes = parseInt(size, 16);
    if (!bytes) continue;
    const kind = out === ".bss" ? "bss"
      : out === ".data" || out === ".time_critical" ? "data" // in flash and in RAM (code copied to SRAM counts here)
      : /^\.(rodata|vectors|ARM\.exidx)/.test(name) || out === ".ARM.exidx" || out === ".vectors" ? "rodata"
      : "text";
    add(componentOf(file), kind, bytes);
  }
  return { comps, regions };
}

function mapTable(mapPath, title) {
  const { comps, regions } = parseMapComponents(readFileSync(mapPath, "utf8"));
  const rows = [...comps.entries()]
    .map(([name, c]) => ({ name, ...c, flash: c.text + c.rodata + c.data, ram: c.data + c.bss }))
    .sort((a, b) => b.flash + b.ram - (a.flash + a.ram));
  const sum = (k) => rows.reduce((s, r) => s + r[k], 0);
  const kib = (n) => (n / 1024).toFixed(1);
  const lines = [
    `### ${title}: flash and RAM per component`,
    "",
    `Method: sizes of input sections in the GNU ld map \`${path.relative(repoRoot, mapPath)}\` (arm-none-eabi-gcc -O3, ` +
      "--gc-sections), grouped by static library or object. Flash = text + rodata + data (initial values); " +
      "RAM = data + bss. Bytes.",
    "",
    "| component | text | rodata | data | bss | flash | RAM |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...rows.map((r) => `| ${r.name} | ${r.text} | ${r.rodata} | ${r.data} | ${r.bss} | ${r.flash} | ${r.ram} |`),
    `| **total** | ${sum("text")} | ${sum("rodata")} | ${sum("data")} | ${sum("bss")} | **${sum("flash")}** | **${sum("ram")}** |`,
    "",
  ];
  const outputFlash = ["boot2", "vectors", "time_critical", "text", "ARM.exidx", "data"].reduce((s, n) => s + (regions.get(`.${n}`) ?? 0), 0);
  const stack = regions.get(".stack") ?? 0;
  const hot = regions.get(".time_critical") ?? 0;
  const ramUsed = hot + (regions.get(".data") ?? 0) + (regions.get(".bss") ?? 0);
  lines.push(
    `Image: ${outputFlash} bytes of flash (${kib(outputFlash)} KiB of the ${kib(fwRegion.size)} KiB firmware region, ` +
      `${((100 * outputFlash) / fwRegion.size).toFixed(1)}%, including alignment); ` +
      `RAM: ${ramUsed} bytes static (${hot} of them code run from SRAM, .time_critical) + ${stack} bytes stack of ${board.ram.size} ` +
      `(${(((ramUsed + stack) * 100) / board.ram.size).toFixed(1)}%), heap free ${regions.get(".heap") ?? 0} bytes.`,
    "",
  );
  return lines.join("\n");
}

// ---------------------------------------------------------------- emulator speed

function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

async function emulatorTable(elf) {
  const rows = [];
  // Small batches: the host looks at the emulator every 100k cycles, so the cycle
  // counts around each command are accurate to that.
  const sim = await startRp2040Sim({ image: elf, batchCycles: 100_000 });
  try {
    const t0 = performance.now();
    const ready = await sim.expect("ready\r\n", { timeoutMs: 60_000 });
    const bootWall = performance.now() - t0;
    const bootCycles = ready.cycle;

    // CPU-bound: CRC-32 of 256 KiB of flash, bit by bit; the firmware counts its own cycles (SysTick).
    const len = 262144;
    const expect = crc32(sim.flash.subarray(0, len));
    let best;
    for (let i = 0; i < 3; i++) {
      sim.sendLine(`crc 0 ${len}`);
      const c0 = sim.cycles;
      const w0 = performance.now();
      const m = await sim.expect(/crc: value=(0x[0-9a-f]+) bytes=\d+ cycles=(\d+)[^\r]*\r\n/, { timeoutMs: 120_000 });
      const wall = performance.now() - w0;
      const simCycles = sim.cycles - c0;
      if (Number(m.match[1]) !== expect) throw new Error(`firmware CRC ${m.match[1]} != host CRC 0x${expect.toString(16)}`);
      const r = { fwCycles: Number(m.match[2]), simCycles, wall };
      if (!best || r.wall < best.wall) best = r;
    }
    rows.push(["CRC-32 of 256 KiB (CPU-bound)", best.fwCycles, best.simCycles, best.wall]);

    // Mostly asleep: 50 LED toggles 10 ms apart (WFI between timer alarms).
    sim.sendLine("blink 50 10");
    const c1 = sim.cycles;
    const w1 = performance.now();
    const b = await sim.expect(/blink: done n=50 cycles=(\d+)\r\n/, { timeoutMs: 120_000 });
    rows.push(["blink 50 x 10 ms (sleeping in WFI)", Number(b.match[1]), sim.cycles - c1, performance.now() - w1]);

    const lines = [
      "### rp2040-sim (rp2040js) emulator speed",
      "",
      `Method: the board self-test on rp2040-sim in this process (Node ${process.version}, ${os.cpus()[0]?.model ?? "cpu"}, ` +
        `load average ${os.loadavg()[0].toFixed(1)} on ${os.availableParallelism()} CPUs, ` +
        "unpaced); \"firmware cycles\" is what the firmware's SysTick-based hal_cycles() counted, \"emulated cycles\" the " +
        "emulator's own count for the whole command (parsing and reply included), wall time measured on the host around it. " +
        "Emulated MHz = emulated cycles per wall second. rp2040js has no flash wait states, bus contention or interrupt " +
        "latency: these are emulated cycles, not RP2040 silicon timings.",
      "",
      "| workload | firmware cycles | emulated cycles | wall ms | emulated MHz | x real time (125 MHz) |",
      "| --- | ---: | ---: | ---: | ---: | ---: |",
      ...rows.map(([name, fw, cyc, wall]) => {
        const mhz = cyc / wall / 1000; // includes the host's own work between batches
        return `| ${name} | ${fw} | ${cyc} | ${wall.toFixed(0)} | ${mhz.toFixed(1)} | ${(mhz / 125).toFixed(2)} |`;
      }),
      "",
      `Boot (boot2, clocks, UART, banner) to "ready": ${bootCycles} emulated cycles, ${bootWall.toFixed(0)} ms wall.`,
      "",
    ];
    return lines.join("\n");
  } finally {
    await sim.stop();
  }
}

// ---------------------------------------------------------------- main

const out = ["## RP2040", ""];
if (run("arm-none-eabi-gcc", ["--version"]).ok === false) {
  out.push("arm-none-eabi-gcc is not installed: no RP2040 figures.", "");
  process.stdout.write(out.join("\n"));
  process.exit(0);
}

const selftest = build("build/rp2040-selftest", "hal");
if (selftest.error) {
  process.stderr.write(`30-rp2040: the self-test firmware does not build:\n${selftest.error}\n`);
  process.exit(1);
}
const full = build("build/rp2040-bench", undefined);
if (full.bin && existsSync(path.join(full.bin, "wasmcu-rp2040.map"))) {
  out.push(mapTable(path.join(full.bin, "wasmcu-rp2040.map"), "wasmcu-rp2040 (device firmware, or the self-test until firmware/device builds)"));
} else {
  out.push("The full rp2040 firmware (all parts) did not build here; figures below are for the self-test only.", "",
    "```", (full.error ?? "").split("\n").filter((l) => /error/i.test(l)).slice(0, 5).join("\n"), "```", "");
}
out.push(mapTable(path.join(selftest.bin, "wasmcu-rp2040-selftest.map"), "wasmcu-rp2040-selftest (board HAL + self-test)"));
out.push(await emulatorTable(path.join(selftest.bin, "wasmcu-rp2040-selftest.elf")));
process.stdout.write(out.join("\n"));
