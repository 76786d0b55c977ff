// A `wasmcu-vm --repl` child: one command line in, one answer line out (the protocol in
// firmware/runtime/host/repl.c). A command that gets no answer in time kills the child
// and answers "timeout"; the next command starts a fresh one.
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { hostBin } from "../../../helpers/paths.js";

export class Repl {
  private child: ChildProcessWithoutNullStreams | undefined;
  private buf = "";
  private waiting: ((line: string) => void) | undefined;
  private stderrTail = "";

  constructor(private readonly timeoutMs = 20_000) {}

  private start(): ChildProcessWithoutNullStreams {
    const c = spawn(hostBin("wasmcu-vm"), ["--repl"], { stdio: ["pipe", "pipe", "pipe"] });
    c.stdout.setEncoding("utf8").on("data", (d: string) => {
      if (this.child !== c) return; // a killed child's late output answers nothing
      this.buf += d;
      for (let nl = this.buf.indexOf("\n"); nl >= 0; nl = this.buf.indexOf("\n")) {
        const line = this.buf.slice(0, nl);
        this.buf = this.buf.slice(nl + 1);
        const w = this.waiting;
        this.waiting = undefined;
        w?.(line);
      }
    });
    c.stderr.setEncoding("utf8").on("data", (d: string) => (this.stderrTail = (this.stderrTail + d).slice(-2000)));
    c.on("exit", (code, signal) => {
      if (this.child !== c) return;
      this.child = undefined;
      const w = this.waiting;
      this.waiting = undefined;
      w?.(`crash: exit ${code ?? signal}: ${this.stderrTail.trim().split("\n").slice(-3).join(" | ")}`);
    });
    c.stdin.on("error", () => {});
    this.buf = "";
    return c;
  }

  send(cmd: string): Promise<string> {
    const c = (this.child ??= this.start());
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting = undefined;
        this.kill();
        resolve("timeout");
      }, this.timeoutMs);
      this.waiting = (line) => {
        clearTimeout(timer);
        resolve(line);
      };
      c.stdin.write(cmd + "\n");
    });
  }

  kill(): void {
    const c = this.child;
    this.child = undefined;
    if (c) {
      c.stdin.end();
      c.kill("SIGKILL");
    }
  }
}

/** A REPL token for a name or path (always a JSON string). */
export const q = (s: string): string => JSON.stringify(s);
