// The spec suite's commands through a runtime that loads .waot images itself (wasmcu-vm built
// for ARM and run by qemu-arm: the device's C loader and helpers): each module is validated
// (V8) and compiled here, its image written to a temporary folder and loaded by the runtime's
// REPL. A module the compiler refuses is "skipped" here, and so is every command on it and every
// module importing from it (the runtime never saw it); a REPL answer "skipped: ..." (something
// the C loader does not run) counts the same.
//
// The REPL runs as a child process behind two named pipes read and written synchronously, so
// the synchronous spec-suite driver can use it; every answer has a deadline.
import { spawn, type ChildProcess, execFileSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeFileSync, writeSync, constants } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { CompileError } from "./compile.js";
import { compileImage } from "./image.js";
import { readModule } from "./module.js";
import { ModuleError } from "./reader.js";
import { malformed, type Answer } from "./spec-session.js";
import type { SpecSession } from "./spec-suite.js";

interface Skipped {
  skipped: string;
}
/** A module the runtime holds (under `name` there, if any). */
interface Live {
  live: true;
}
type Known = Skipped | Live;

export class ReplAotSession implements SpecSession {
  private readonly dir = mkdtempSync(path.join(tmpdir(), "wasmcu-aot-repl-"));
  private readonly child: ChildProcess;
  private readonly toRepl: number;
  private readonly fromRepl: number;
  private readonly stderrFile: string;
  private pending = "";
  private images = 0;
  private names = new Map<string, Known>();
  private registered = new Map<string, Known>();
  private current: Known | undefined;

  /** `command`: the REPL to start, e.g. ["qemu-arm", "wasmcu-vm.elf", "--repl"]. */
  constructor(command: string[], private readonly timeoutMs = 120_000) {
    const input = path.join(this.dir, "in");
    const output = path.join(this.dir, "out");
    execFileSync("mkfifo", [input, output]);
    const quoted = command.map((c) => `'${c.replace(/'/g, "'\\''")}'`).join(" ");
    // stderr (spectest's prints) to a file: the last of it goes into an error
    this.stderrFile = path.join(this.dir, "stderr");
    this.child = spawn("/bin/sh", ["-c", `exec ${quoted} < '${input}' > '${output}' 2> '${this.stderrFile}'`], { stdio: "ignore" });
    // the shell opens the input first, then the output: open them in that order. Read-write and
    // non-blocking, the output never blocks and never reads as closed (Linux): liveness comes
    // from the child's state instead
    this.toRepl = openSync(input, "w");
    this.fromRepl = openSync(output, constants.O_RDWR | constants.O_NONBLOCK);
  }

  close(): void {
    closeSync(this.toRepl);
    closeSync(this.fromRepl);
    this.child.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }

  reset(): Answer {
    this.names = new Map();
    this.registered = new Map();
    this.current = undefined;
    return this.ask("reset");
  }

  module(file: string, name?: string): Answer {
    const bytes = new Uint8Array(readFileSync(file));
    try {
      new WebAssembly.Module(bytes);
    } catch (e) {
      return `error ${malformed(e) ? "malformed" : "invalid"}: ${(e as Error).message}`;
    }
    const known = this.compile(bytes);
    if ("skipped" in known) return this.bind(known, name);
    const answer = this.ask(["module", JSON.stringify(known.image), ...(name === undefined ? [] : [JSON.stringify(name)])].join(" "));
    if (answer === "ok") this.bind({ live: true }, name);
    else if (answer.startsWith("skipped: ")) this.bind({ skipped: answer.slice(9) }, name);
    return answer;
  }

  register(as: string, name?: string): Answer {
    const target = name === undefined ? this.current : this.names.get(name);
    if (!target) return "error usage: no such module";
    this.registered.set(as, target);
    if ("skipped" in target) return "ok";
    return this.ask(["register", JSON.stringify(as), ...(name === undefined ? [] : [JSON.stringify(name)])].join(" "));
  }

  invoke(name: string | undefined, func: string, args: string[]): Answer {
    const target = name === undefined ? this.current : this.names.get(name);
    if (target && "skipped" in target) return `skipped: ${target.skipped}`;
    return this.ask(["invoke", ...(name === undefined ? [] : [JSON.stringify(name)]), JSON.stringify(func), ...args].join(" "));
  }

  get(name: string | undefined, global: string): Answer {
    const target = name === undefined ? this.current : this.names.get(name);
    if (target && "skipped" in target) return `skipped: ${target.skipped}`;
    return this.ask(["get", ...(name === undefined ? [] : [JSON.stringify(name)]), JSON.stringify(global)].join(" "));
  }

  private bind(known: Known, name: string | undefined): Answer {
    this.current = known;
    if (name !== undefined) this.names.set(name, known);
    return "skipped" in known ? `skipped: ${known.skipped}` : "ok";
  }

  /** The module's image in the temporary folder, or why the AOT path does not run it. */
  private compile(bytes: Uint8Array): { image: string } | Skipped {
    try {
      const from = readModule(bytes).imports.map((i) => this.registered.get(i.module)).find((k) => k && "skipped" in k);
      if (from && "skipped" in from) return { skipped: `imports from a skipped module (${from.skipped})` };
      const image = path.join(this.dir, `m${this.images++}.waot`);
      writeFileSync(image, compileImage(bytes));
      return { image };
    } catch (e) {
      if (e instanceof CompileError || e instanceof ModuleError) return { skipped: `refused by the compiler: ${e.message}` };
      throw e;
    }
  }

  /** The child has not exited (the event loop that would tell is not running: ask Linux). */
  private running(): boolean {
    try {
      return !/^\d+ \(.*\) [ZX]/.test(readFileSync(`/proc/${this.child.pid}/stat`, "utf8"));
    } catch {
      return false;
    }
  }

  /** One command line out, one answer line back (or an error past the deadline). */
  private ask(line: string): Answer {
    writeSync(this.toRepl, `${line}\n`);
    const deadline = Date.now() + this.timeoutMs;
    const buf = Buffer.alloc(65536);
    const nap = new Int32Array(new SharedArrayBuffer(4));
    for (;;) {
      const nl = this.pending.indexOf("\n");
      if (nl >= 0) {
        const answer = this.pending.slice(0, nl);
        this.pending = this.pending.slice(nl + 1);
        return answer;
      }
      let n = 0;
      try {
        n = readSync(this.fromRepl, buf, 0, buf.length, null);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EAGAIN") throw e;
      }
      if (n > 0) this.pending += buf.toString("utf8", 0, n);
      else if (!this.running()) throw new Error(`the REPL exited after: ${line}\n${readFileSync(this.stderrFile, "utf8").slice(-2000)}`);
      else if (Date.now() > deadline) throw new Error(`no answer within ${this.timeoutMs} ms to: ${line}`);
      else Atomics.wait(nap, 0, 0, 2);
    }
  }
}
