import type { Command } from "commander";
import { spawn } from "node:child_process";
import { ensureHostTool } from "../host/tools.js";

/** Runs wasmcu-vm with the user's arguments; returns its exit status. */
export async function runVm(args: string[]): Promise<number> {
  const exe = await ensureHostTool("wasmcu-vm");
  return new Promise((resolve) => {
    const child = spawn(exe, args, { stdio: "inherit" });
    child.on("close", (code, signal) => resolve(code ?? (signal ? 128 + 1 : 1)));
  });
}

export function register(program: Command): void {
  program
    .command("vm")
    .description("run a .wasm module on the wasmcu runtime (host build; `wasmcu vm --help` for its options)")
    .helpOption(false)
    .allowUnknownOption()
    .passThroughOptions()
    .argument("[args...]", "arguments for wasmcu-vm, e.g. `--repl` or `--func fib module.wasm 30`")
    .action(async (args: string[]) => {
      process.exitCode = await runVm(args);
    });
}
