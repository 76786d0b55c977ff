// Building the small rv32imc test programs with Debian's riscv64-unknown-elf-gcc,
// and running them under QEMU: tests skip with a reason when a tool is missing.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const programsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../programs");
export const GCC = "riscv64-unknown-elf-gcc";
export const QEMU_SYSTEM = "qemu-system-riscv32";

function onPath(tool: string): boolean {
  try {
    execFileSync("sh", ["-c", `command -v ${tool}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** A skip reason when the cross compiler is missing, else false. */
export function gccMissing(): string | false {
  return onPath(GCC) ? false : `${GCC} not installed (apt-get install gcc-riscv64-unknown-elf)`;
}

export const QEMU_USER = "qemu-riscv32";

export function qemuUserMissing(): string | false {
  return onPath(QEMU_USER) ? false : `${QEMU_USER} not installed (apt-get install qemu-user)`;
}

export function qemuMissing(): string | false {
  return onPath(QEMU_SYSTEM) ? false : `${QEMU_SYSTEM} not installed (apt-get install qemu-system-misc)`;
}

export function scratchDir(): string {
  return mkdtempSync(path.join(tmpdir(), "esp32c3-sim-"));
}

/** Compiles and links sources (paths, or {name, text} written to the scratch folder first)
 * freestanding for rv32imc with the given linker script; returns the ELF path. */
export function buildRv32(out: string, sources: (string | { name: string; text: string })[], linkerScript: string, extra: string[] = []): string {
  const dir = path.dirname(out);
  const files = sources.map((s) => {
    if (typeof s === "string") return s;
    const p = path.join(dir, s.name);
    writeFileSync(p, s.text);
    return p;
  });
  execFileSync(GCC, [
    "-march=rv32imc_zicsr", "-mabi=ilp32", "-O2", "-ffreestanding", "-nostdlib", "-nostartfiles",
    "-fno-pic", "-I", programsDir, "-T", linkerScript, "-Wl,--no-relax", "-Wl,--no-warn-rwx-segments", ...extra, ...files, "-o", out,
  ], { stdio: ["ignore", "ignore", "pipe"] });
  if (!existsSync(out)) throw new Error(`${GCC} wrote no ${out}`);
  return out;
}

/** A static Linux-user-ABI rv32imc executable with picolibc (its rv32im build) and our
 * system-call back end, from the given C sources and include folders (absolute paths). */
export function buildRv32Linux(name: string, sources: string[], includeDirs: string[]): string {
  const out = path.join(scratchDir(), `${name}.elf`);
  const linux = path.join(programsDir, "linux");
  execFileSync(GCC, [
    "-march=rv32imc", "-mabi=ilp32", "--specs=picolibc.specs", "-O2", "-std=c11", "-fno-math-errno", "-nostartfiles",
    "-T", path.join(linux, "linux.ld"), ...includeDirs.flatMap((d) => ["-I", d]),
    path.join(linux, "start.S"), path.join(linux, "syscalls.c"), ...sources, "-lm", "-Wl,--no-warn-rwx-segments", "-o", out,
  ], { stdio: ["ignore", "ignore", "pipe"] });
  return out;
}

/** Runs an ELF under qemu-system-riscv32 -M virt with exact instruction counting; resolves
 * with the UART output once the program exits through the test device. */
export function runQemu(elf: string, timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(QEMU_SYSTEM, ["-M", "virt", "-nographic", "-bios", "none", "-icount", "shift=0",
      "-monitor", "none", "-serial", "stdio", "-kernel", elf], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    const timer = setTimeout(() => { p.kill("SIGKILL"); reject(new Error(`qemu timed out; output so far: ${out}`)); }, timeoutMs);
    p.stdout.on("data", (d: Buffer) => (out += d.toString("latin1")));
    p.stderr.on("data", (d: Buffer) => (err += d.toString()));
    p.on("close", (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`qemu exited ${code}: ${err.trim()} output: ${out}`));
    });
  });
}
