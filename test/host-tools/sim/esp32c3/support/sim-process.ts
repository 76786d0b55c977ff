// Test-only: esp32c3-sim started as a process (main.ts), the way launch.ts starts it.
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { createInterface } from "node:readline";

import { repoRoot } from "../../../../helpers/paths.js";

export interface SimProcess {
  proc: ChildProcess;
  uart: string;
  lines: string[];
  stderr(): string;
  /** Resolves once a stdout line matches. */
  waitLine(re: RegExp, timeoutMs?: number): Promise<string>;
  stop(): Promise<void>;
}

export async function startSimProcess(args: string[], timeoutMs = 20_000): Promise<SimProcess> {
  const main = path.join(repoRoot, "host-tools/src/sim/esp32c3/main.ts");
  const proc = spawn(process.execPath, ["--import", "tsx", main, ...args], { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] });
  const lines: string[] = [];
  let err = "";
  proc.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  const waiters: { re: RegExp; resolve: (l: string) => void }[] = [];
  createInterface({ input: proc.stdout! }).on("line", (l) => {
    lines.push(l);
    for (const w of waiters.filter((x) => x.re.test(l))) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(l);
    }
  });
  const waitLine = (re: RegExp, ms = timeoutMs) => {
    const seen = lines.find((l) => re.test(l));
    if (seen) return Promise.resolve(seen);
    return new Promise<string>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`esp32c3-sim printed no line matching ${re} in ${ms} ms; stderr: ${err}`)), ms);
      waiters.push({ re, resolve: (l) => { clearTimeout(t); resolve(l); } });
    });
  };
  const uart = (await waitLine(/^uart: /)).slice("uart: ".length);
  return {
    proc, uart, lines, waitLine, stderr: () => err,
    stop: () => new Promise<void>((resolve) => {
      if (proc.exitCode !== null) return resolve();
      proc.once("close", () => resolve()); // after its last stdout lines
      proc.kill("SIGTERM");
    }),
  };
}
