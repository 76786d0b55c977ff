// What `wasmcu doctor` checks: each tool the build, the tests and the boards need.
import { accessSync, constants, existsSync, readdirSync, readFileSync } from "node:fs";
import os from "node:os";
import { createRequire } from "node:module";
import path from "node:path";
import { repoRoot } from "../lib/paths.js";
import { run, which } from "../lib/proc.js";

export interface Check {
  name: string;
  ok: boolean;
  /** Optional checks (e.g. ESP-IDF) do not make doctor fail. */
  optional: boolean;
  detail: string;
  fix?: string;
}

async function versionOf(cmd: string, args: string[] = ["--version"]): Promise<string | undefined> {
  if (!(await which(cmd))) return undefined;
  const r = await run(cmd, args).catch(() => undefined);
  return r ? (r.stdout + r.stderr).split("\n").find((l) => l.trim())?.trim() : undefined;
}

async function toolCheck(name: string, cmd: string, aptPackage: string, optional = false, args = ["--version"]): Promise<Check> {
  const v = await versionOf(cmd, args);
  return v
    ? { name, ok: true, optional, detail: v }
    : { name, ok: false, optional, detail: `${cmd} not found`, fix: `sudo apt-get install ${aptPackage}` };
}

function nodeCheck(): Check {
  const major = Number(process.versions.node.split(".")[0]);
  return major >= 20
    ? { name: "node", ok: true, optional: false, detail: `v${process.versions.node}` }
    : { name: "node", ok: false, optional: false, detail: `v${process.versions.node} (need 20 or newer)`, fix: "install Node.js 20 or newer" };
}

function ascCheck(): Check {
  // Where Node finds it from this package: the repository's node_modules, or beside wasmcu in a user's project.
  let pkg: string;
  try {
    pkg = createRequire(path.join(repoRoot, "package.json")).resolve("assemblyscript/package.json");
  } catch {
    pkg = "";
  }
  if (!pkg || !existsSync(pkg)) return { name: "asc (AssemblyScript)", ok: false, optional: false, detail: "not installed", fix: "npm install" };
  const v = (JSON.parse(readFileSync(pkg, "utf8")) as { version: string }).version;
  return { name: "asc (AssemblyScript)", ok: true, optional: false, detail: `assemblyscript ${v}` };
}

async function newlibCheck(): Promise<Check> {
  const name = "newlib for arm-none-eabi";
  if (!(await which("arm-none-eabi-gcc"))) return { name, ok: false, optional: false, detail: "no arm-none-eabi-gcc", fix: "sudo apt-get install libnewlib-arm-none-eabi" };
  const r = await run("arm-none-eabi-gcc", ["-mcpu=cortex-m0plus", "-mthumb", "-print-file-name=libc.a"]);
  const p = r.stdout.trim();
  return p && p !== "libc.a" && existsSync(p)
    ? { name, ok: true, optional: false, detail: p }
    : { name, ok: false, optional: false, detail: "libc.a not found", fix: "sudo apt-get install libnewlib-arm-none-eabi" };
}

/** picolibc's rv32im build, the one the esp32c3 firmware links (the C3 has no atomics). */
async function picolibcCheck(): Promise<Check> {
  const name = "picolibc for riscv64-unknown-elf (esp32c3)";
  const fix = "sudo apt-get install picolibc-riscv64-unknown-elf";
  if (!(await which("riscv64-unknown-elf-gcc"))) return { name, ok: false, optional: false, detail: "no riscv64-unknown-elf-gcc", fix };
  // The multilib GCC picks for the firmware's link flags, in Debian's picolibc tree.
  const r = await run("riscv64-unknown-elf-gcc", ["-march=rv32imc", "-mabi=ilp32", "--specs=picolibc.specs", "-print-multi-directory"]).catch(() => undefined);
  const p = path.join("/usr/lib/picolibc/riscv64-unknown-elf/lib", r?.stdout.trim() ?? "", "libc.a");
  return r?.stdout.trim() === "rv32im/ilp32" && existsSync(p)
    ? { name, ok: true, optional: false, detail: p }
    : { name, ok: false, optional: false, detail: "picolibc's rv32im libc.a not found", fix };
}

/** Can this user open serial devices? Root can; others need the dialout group on Debian. */
function serialCheck(): Check {
  const name = "serial port access";
  const ttys = existsSync("/dev") ? readdirSync("/dev").filter((d) => /^tty(USB|ACM)\d+$/.test(d)) : [];
  if (process.getuid?.() === 0) return { name, ok: true, optional: false, detail: `running as root; ${ttys.length} USB serial device(s)` };
  const groups = os.userInfo().username ? readFileSync("/etc/group", "utf8") : "";
  const inDialout = groups.split("\n").some((l) => l.startsWith("dialout:") && l.split(":")[3]?.split(",").includes(os.userInfo().username));
  const denied = ttys.filter((t) => {
    try {
      accessSync(path.join("/dev", t), constants.R_OK | constants.W_OK);
      return false;
    } catch {
      return true;
    }
  });
  if (denied.length || !inDialout) {
    return { name, ok: false, optional: false, detail: denied.length ? `no access to ${denied.map((d) => "/dev/" + d).join(", ")}` : "not in the dialout group",
      fix: `sudo usermod -aG dialout ${os.userInfo().username} (then log in again)` };
  }
  return { name, ok: true, optional: false, detail: `${ttys.length} USB serial device(s), dialout group` };
}

async function espIdfCheck(): Promise<Check> {
  const v = await versionOf("idf.py");
  return v
    ? { name: "ESP-IDF (esp32 builds)", ok: true, optional: true, detail: v }
    : { name: "ESP-IDF (esp32 builds)", ok: false, optional: true, detail: "idf.py not found (only needed to build the esp32 firmware)",
      fix: "install ESP-IDF v5.x and run its export.sh; see boards/esp32/README.md" };
}

export async function runChecks(): Promise<Check[]> {
  return [
    nodeCheck(),
    ascCheck(),
    await toolCheck("cmake", "cmake", "cmake"),
    await toolCheck("host C compiler", "cc", "gcc"),
    await toolCheck("arm-none-eabi-gcc (rp2040)", "arm-none-eabi-gcc", "gcc-arm-none-eabi"),
    await newlibCheck(),
    await toolCheck("riscv64-unknown-elf-gcc (esp32c3, esp32c3-sim)", "riscv64-unknown-elf-gcc", "gcc-riscv64-unknown-elf"),
    await picolibcCheck(),
    await toolCheck("qemu-riscv32 (rv32imc spec test)", "qemu-riscv32", "qemu-user", true),
    await toolCheck("socat (rp2040-sim, esp32c3-sim UART)", "socat", "socat", false, ["-V"]),
    await toolCheck("valgrind (benchmarks)", "valgrind", "valgrind", true),
    serialCheck(),
    await espIdfCheck(),
  ];
}
