#!/usr/bin/env node
// wasmcu-vm: the host build of the wasmcu WebAssembly runtime. Builds it first if
// needed (build output on stderr), then runs it with these arguments.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const r = spawnSync(process.execPath, [path.join(here, "wasmcu.js"), "vm", ...process.argv.slice(2)], { stdio: "inherit" });
process.exit(r.status ?? 1);
