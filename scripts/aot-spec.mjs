// The spec suite through the AOT engine: compiled in TypeScript and run on the emulated
// Cortex-M0+ with the helpers in JavaScript, or with --qemu through the device's C loader and
// helpers (wasmcu-vm built for ARM, run by qemu-arm, each module loaded as a .waot image):
//   node --import tsx scripts/aot-spec.mjs [--qemu] [--files a,b] [--reasons]
// Prints one line per file, the skip reasons with --reasons, last "N passed, N failed, N skipped".
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ReplAotSession } from "../host-tools/src/aot/repl-session.ts";
import { runSpecFile } from "../host-tools/src/aot/spec-suite.ts";
import { buildAotVm } from "../test/firmware/runtime/aot-vm.ts";

const pack = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../shared/wasm-spec");
const argv = process.argv.slice(2);
const at = argv.indexOf("--files");
const files = at >= 0 ? argv[at + 1].split(",") : readdirSync(pack).filter((f) => f.endsWith(".json")).map((f) => f.slice(0, -5)).sort();
const dir = argv.includes("--qemu") ? mkdtempSync(path.join(os.tmpdir(), "wasmcu-aot-qemu-")) : undefined;
const session = dir ? new ReplAotSession(["qemu-arm", buildAotVm(dir), "--repl"]) : undefined;
const total = { passed: 0, failed: 0, skipped: 0 };
const reasons = new Map();
try {
  for (const f of files) {
    const r = runSpecFile(pack, f, session);
    total.passed += r.passed;
    total.failed += r.failed;
    total.skipped += r.skipped;
    for (const [k, n] of r.skipReasons) reasons.set(k, (reasons.get(k) ?? 0) + n);
    console.log(`${f}: ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped`);
    for (const x of r.failures.slice(0, 5)) console.log(`  FAIL ${x}`);
  }
} finally {
  session?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
}
if (argv.includes("--reasons")) {
  for (const [k, n] of [...reasons].sort((a, b) => b[1] - a[1]).slice(0, 40)) console.log(`  skipped ${n}: ${k}`);
}
console.log(`${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
process.exitCode = total.failed === 0 && total.passed > 0 ? 0 : 1;
