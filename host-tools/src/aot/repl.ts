// `wasmcu vm --repl --engine aot`: the spec REPL protocol (see /work/shared/tools/spec-repl-runner.mjs)
// over the AOT engine. One answer line per command line; a command on a module the AOT path does
// not run answers `skipped: REASON` (a driver that does not know that answer counts it failed).
import { createInterface } from "node:readline";
import { AotSpecSession, type Answer } from "./spec-session.js";

const VALUE = /^(i32|i64|f32|f64|funcref|externref):(null|0|[1-9][0-9]*)$/;

/** Bare tokens and JSON strings, as the protocol writes them. */
export function tokens(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < line.length) {
    if (line[i] === " " || line[i] === "\t") {
      i++;
      continue;
    }
    if (line[i] === '"') {
      let j = i + 1;
      while (j < line.length && line[j] !== '"') j += line[j] === "\\" ? 2 : 1;
      out.push(JSON.parse(line.slice(i, j + 1)) as string);
      i = j + 1;
    } else {
      let j = i;
      while (j < line.length && line[j] !== " " && line[j] !== "\t") j++;
      out.push(line.slice(i, j));
      i = j;
    }
  }
  return out;
}

export function answer(session: AotSpecSession, line: string): Answer {
  let t: string[];
  try {
    t = tokens(line);
  } catch {
    return "error usage: bad string";
  }
  const [cmd, ...rest] = t;
  switch (cmd) {
    case "module": return rest[0] ? session.module(rest[0], rest[1]) : "error usage: module PATH [NAME]";
    case "register": return rest[0] ? session.register(rest[0], rest[1]) : "error usage: register AS [NAME]";
    case "reset": return session.reset();
    case "get":
      if (rest.length === 2) return session.get(rest[0], rest[1] as string);
      return rest[0] ? session.get(undefined, rest[0]) : "error usage: get [NAME] GLOBAL";
    case "invoke": {
      const named = rest.length >= 2 && rest[0]?.startsWith("$") === true && !VALUE.test(rest[1] as string);
      const name = named ? rest[0] : undefined;
      const [func, ...args] = named ? rest.slice(1) : rest;
      if (func === undefined) return "error usage: invoke [NAME] FUNC VAL...";
      if (!args.every((a) => VALUE.test(a))) return "error usage: bad value";
      return session.invoke(name, func, args);
    }
    default: return `error usage: unknown command ${JSON.stringify(cmd ?? "")}`;
  }
}

/** Reads commands from stdin until it closes. */
export async function runAotRepl(): Promise<number> {
  const session = new AotSpecSession();
  const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of rl) {
    let out: Answer;
    try {
      out = answer(session, line);
    } catch (e) {
      out = `error internal: ${(e as Error).message.split("\n")[0]}`;
    }
    process.stdout.write(`${out}\n`);
  }
  return 0;
}
