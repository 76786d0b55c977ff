#!/usr/bin/env node
// Configures and builds the host firmware tree (libraries, host board, wasmcu-vm,
// C unit tests) into build/host. Quiet and quick when nothing changed.
import { buildHost } from "./lib/cmake.mjs";

const dir = process.argv[2] ?? "build/host";
try {
  await buildHost(dir);
} catch (e) {
  process.stderr.write(`${e.message}\n`);
  process.exit(1);
}
