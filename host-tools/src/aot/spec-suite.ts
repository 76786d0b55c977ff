// The WebAssembly spec suite (wast2json command files) through the AOT engine, in process:
// the same mapping as the shared spec-repl-runner, plus a third outcome: a command on a module
// the AOT path does not run (AotSpecSession's `skipped: REASON`) counts as skipped, with its
// reason tallied, never as passed.
import { readFileSync } from "node:fs";
import path from "node:path";
import { AotSpecSession, type Answer } from "./spec-session.js";

interface Value {
  type: string;
  value?: string | string[];
}
interface Action {
  type: "invoke" | "get";
  module?: string;
  field: string;
  args?: Value[];
}
interface Command {
  type: string;
  line: number;
  filename?: string;
  name?: string;
  as?: string;
  module_type?: string;
  action?: Action;
  expected?: Value[];
}

/** What runs the commands: the in-process AOT session, or one over a REPL (qemu-session.ts). */
export interface SpecSession {
  reset(): Answer;
  module(path: string, name?: string): Answer;
  register(as: string, name?: string): Answer;
  invoke(name: string | undefined, func: string, args: string[]): Answer;
  get(name: string | undefined, global: string): Answer;
}

export interface FileResult {
  file: string;
  passed: number;
  failed: number;
  skipped: number;
  failures: string[];
  /** Why commands were skipped, with how many. */
  skipReasons: Map<string, number>;
}

export function runSpecFile(packDir: string, file: string, session: SpecSession = new AotSpecSession()): FileResult {
  const res: FileResult = { file, passed: 0, failed: 0, skipped: 0, failures: [], skipReasons: new Map() };
  const { commands } = JSON.parse(readFileSync(path.join(packDir, `${file}.json`), "utf8")) as { commands: Command[] };
  session.reset();
  for (const c of commands) {
    let outcome: true | string;
    try {
      outcome = runCommand(session, packDir, c);
    } catch (e) {
      // the emulator's own limits (no return within the cycle budget, a bad address): a failure
      outcome = `the runner threw: ${(e as Error).message.split("\n")[0]}`;
    }
    if (outcome === true) res.passed++;
    else if (outcome.startsWith("skip ")) {
      res.skipped++;
      const reason = outcome.slice(5).replace(/function \d+, byte \d+: /, "").replace(/ at byte \d+/, "");
      res.skipReasons.set(reason, (res.skipReasons.get(reason) ?? 0) + 1);
    } else {
      res.failed++;
      res.failures.push(`${file}.wast:${c.line} ${c.type}: ${outcome}`);
    }
  }
  return res;
}

/** true (passed), "skip REASON", or what went wrong. */
function runCommand(s: SpecSession, packDir: string, c: Command): true | string {
  if (c.module_type === "text") return "skip text-format module";
  const file = c.filename ? path.join(packDir, c.filename) : "";
  switch (c.type) {
    case "module": return expect(s.module(file, c.name), (a) => a === "ok");
    case "register": return expect(s.register(c.as ?? "", c.name), (a) => a === "ok");
    case "action": return expect(act(s, c), (a) => a.startsWith("result"));
    case "assert_return": return expect(act(s, c), (a) => resultMatches(a, c.expected ?? []));
    case "assert_trap":
      if (c.action) return expect(act(s, c), (a) => a.startsWith("trap:"));
      return expect(s.module(file), (a) => a.startsWith("error uninstantiable"));
    case "assert_exhaustion": return expect(act(s, c), (a) => a.startsWith("exhaustion:"));
    case "assert_invalid":
    case "assert_malformed":
      // either kind passes, as with the shared runner (V8's messages do not always tell them apart)
      return expect(s.module(file), (a) => a.startsWith("error invalid") || a.startsWith("error malformed"));
    case "assert_unlinkable": return expect(s.module(file), (a) => a.startsWith("error unlinkable"));
    case "assert_uninstantiable": return expect(s.module(file), (a) => a.startsWith("error uninstantiable"));
    default: return `unknown command type ${c.type}`;
  }
}

function expect(answer: Answer, ok: (a: Answer) => boolean): true | string {
  if (answer.startsWith("skipped: ")) return `skip ${answer.slice(9)}`;
  return ok(answer) ? true : `got "${answer}"`;
}

function act(s: SpecSession, c: Command): Answer {
  const a = c.action;
  if (!a) return "error usage: no action";
  if (a.type === "get") return s.get(a.module, a.field);
  const args = (a.args ?? []).map((v) => `${v.type}:${String(v.value)}`);
  if ((a.args ?? []).some((v) => typeof v.value !== "string")) return "skipped: vector or reference arguments";
  return s.invoke(a.module, a.field, args);
}

function resultMatches(answer: Answer, expected: Value[]): boolean {
  if (!answer.startsWith("result")) return false;
  const got = answer.split(" ").slice(1);
  if (got.length !== expected.length) return false;
  return expected.every((e, i) => valueMatches(got[i] ?? "", e));
}

const NAN_BITS = {
  f32: { exp: 0x7f800000n, frac: 0x007fffffn, quiet: 0x00400000n },
  f64: { exp: 0x7ff0000000000000n, frac: 0x000fffffffffffffn, quiet: 0x0008000000000000n },
};

function valueMatches(got: string, e: Value): boolean {
  const [type, bits] = got.split(":");
  if (type !== e.type || bits === undefined) return false;
  if (type === "funcref" || type === "externref") {
    // null is null, an externref N is N, a typeless (ref.func) or (ref.extern) any non-null
    if (e.value === undefined) return bits !== "null";
    return e.value === "null" ? bits === "null" : bits === e.value;
  }
  if (typeof e.value !== "string") return false;
  if ((e.type === "f32" || e.type === "f64") && e.value.startsWith("nan:")) {
    const f = NAN_BITS[e.type];
    const b = BigInt(bits);
    const isNan = (b & f.exp) === f.exp && (b & f.frac) !== 0n;
    if (!isNan) return false;
    return e.value === "nan:canonical" ? (b & f.frac) === f.quiet : (b & f.quiet) !== 0n;
  }
  return BigInt(bits) === BigInt(e.value);
}

export interface SuiteResult {
  passed: number;
  failed: number;
  skipped: number;
  files: FileResult[];
}

export function runSpecSuite(packDir: string, files: string[], session?: SpecSession): SuiteResult {
  const out: SuiteResult = { passed: 0, failed: 0, skipped: 0, files: [] };
  for (const f of files) {
    const r = runSpecFile(packDir, f, session);
    out.passed += r.passed;
    out.failed += r.failed;
    out.skipped += r.skipped;
    out.files.push(r);
  }
  return out;
}
