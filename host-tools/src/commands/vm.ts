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
      // `--engine aot`: the AOT compiler's REPL, in this process (modules run on the emulated Cortex-M0+)
      const engine = args.indexOf("--engine");
      if (engine >= 0 && args[engine + 1] === "aot") {
        const rest = args.filter((_, i) => i !== engine && i !== engine + 1);
        if (!(rest.length === 1 && rest[0] === "--repl")) throw new Error("--engine aot runs only as `wasmcu vm --repl --engine aot`");
        const { runAotRepl } = await import("../aot/repl.js");
        process.exitCode = await runAotRepl();
        return;
      }
      process.exitCode = await runVm(args);
    });
}
