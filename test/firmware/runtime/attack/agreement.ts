// V8 and our validator must agree on every mutated module: accepted by both, or rejected by
// both. Mutants of -ttf modules and of the committed corpus; each is loaded by
// `wasmcu-vm --repl` (loading validates, then instantiates: any answer other than
// malformed/invalid means it validated) and checked with WebAssembly.validate.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { assembleHelper, prng, ttfModule } from "./differential.js";
import { mutateWasm } from "./mutate-wasm.js";
import { q, Repl } from "./repl.js";

const here = path.dirname(fileURLToPath(import.meta.url));
export const corpusDir = path.join(here, "..", "fuzz-corpus");

/** Opcode bytes of proposals the runtime does not claim, by the name V8 gives them. */
const UNCLAIMED_OPCODES: Record<number, string> = {
  0xfd: "SIMD", 0xfe: "threads", 0x12: "tail calls", 0x13: "tail calls", 0x06: "exceptions", 0x07: "exceptions",
  0x08: "exceptions", 0x09: "exceptions", 0x18: "exceptions", 0x19: "exceptions", 0x0a: "exceptions", 0xfb: "GC",
  0x14: "typed function references", 0x15: "typed function references", 0xd3: "typed function references",
  0xd4: "typed function references", 0xd5: "typed function references", 0xd6: "typed function references",
};

export interface AgreeStats {
  mutants: number;
  bothValid: number;
  bothInvalid: number;
  /** V8 accepts a feature we do not claim (SIMD, tail calls, ...): by feature. */
  unclaimed: Record<string, number>;
  /** We refuse for an engine limit (WR_MAX_*). */
  limits: number;
  /** No answer in 5 s (kept: a start function that loops, or a load that hangs). */
  timeouts: number;
  disagreements: string[];
}

/** Why V8 may accept what we reject without it being our bug, or undefined. */
function unclaimedFeature(bytes: Uint8Array, ours: string): string | undefined {
  const m = /at offset 0x([0-9a-f]+)/.exec(ours);
  const at = m ? parseInt(m[1]!, 16) : -1;
  const b = at >= 0 ? bytes[at] : undefined;
  if (/illegal opcode|unknown opcode/.test(ours) && b !== undefined && UNCLAIMED_OPCODES[b]) return UNCLAIMED_OPCODES[b];
  if (/value type|block type|reference type|element type|heap type/.test(ours) && b !== undefined) {
    if (b === 0x7b) return "SIMD";
    if (b === 0x64 || b === 0x63 || (b >= 0x65 && b <= 0x6e)) return "typed function references";
  }
  if (/zero byte expected|reserved byte|memory index|multiple memories|multi-memory/.test(ours)) return "multi-memory";
  if (/limits flag|shared|memory64|flags/.test(ours)) return "threads/memory64 limits";
  if (/constant expression/.test(ours) && /instruction|opcode/.test(ours)) return "extended constant expressions";
  if (/tag section|section id 13/.test(ours)) return "exceptions";
  return undefined;
}

export async function agreement(opts: {
  seed: number;
  count: number;
  ttfBases?: number;
  keep?: (name: string, wasm: Uint8Array, why: string) => void;
  log?: (s: string) => void;
  /** Stands in for V8's verdict (the harness's own control test). */
  v8Validate?: (bytes: Uint8Array) => boolean;
}): Promise<AgreeStats> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "wasmcu-agree-"));
  const stats: AgreeStats = { mutants: 0, bothValid: 0, bothInvalid: 0, unclaimed: {}, limits: 0, timeouts: 0, disagreements: [] };
  const repl = new Repl(5_000);
  try {
    assembleHelper(dir);
    const helperPath = path.join(dir, "fuzzing-support.wasm");
    const rnd = prng(opts.seed);
    const bases: Uint8Array[] = readdirSync(corpusDir).filter((f) => f.endsWith(".wasm")).map((f) => readFileSync(path.join(corpusDir, f)));
    for (let i = 0; i < (opts.ttfBases ?? 8); i++) bases.push(ttfModule(dir, rnd, 1000 + Math.floor(rnd() * 5000), `base${i}`, false));
    const fresh = async () => {
      for (const cmd of ["reset", `module ${q(helperPath)} $fs`, `register "fuzzing-support" $fs`]) {
        const a = await repl.send(cmd);
        if (a !== "ok") throw new Error(`repl: ${cmd}: ${a}`);
      }
    };
    await fresh();
    const file = path.join(dir, "mutant.wasm");
    for (let n = 0; n < opts.count; n++) {
      const baseIndex = Math.floor(rnd() * bases.length);
      // sometimes a mutant of a mutant: two edits reach states one cannot
      let { bytes, what } = mutateWasm(bases[baseIndex]!, rnd);
      if (rnd() < 0.3) {
        const second = mutateWasm(bytes, rnd);
        bytes = second.bytes;
        what += `; ${second.what}`;
      }
      writeFileSync(file, bytes);
      stats.mutants++;
      const own = new Uint8Array(bytes); // an ArrayBuffer-backed copy, as the WebAssembly API types want
      const v8 = (opts.v8Validate ?? WebAssembly.validate)(own);
      const answer = await repl.send(`module ${q(file)}`);
      if (answer === "timeout" || answer.startsWith("crash")) {
        if (answer.startsWith("crash")) {
          stats.disagreements.push(`seed ${opts.seed} mutant ${n} (base ${baseIndex}, ${what}): wasmcu-vm ${answer}`);
          opts.keep?.(`seed${opts.seed}-mutant${n}`, bytes, answer);
        } else {
          // validation passed and a start function runs on, or the load itself hangs: kept to look at
          stats.timeouts++;
          opts.keep?.(`seed${opts.seed}-timeout${n}`, bytes, `no answer in 5 s (base ${baseIndex}, ${what})`);
        }
        await fresh();
        continue;
      }
      const ours = /^error (malformed|invalid)/.test(answer) ? "invalid" : /^error (limit|resource)/.test(answer) ? "limit" : "valid";
      if (ours === "limit") stats.limits++;
      else if (v8 && ours === "valid") stats.bothValid++;
      else if (!v8 && ours === "invalid") stats.bothInvalid++;
      else {
        const feature = v8 ? unclaimedFeature(bytes, answer) : undefined;
        if (feature) stats.unclaimed[feature] = (stats.unclaimed[feature] ?? 0) + 1;
        else {
          let v8msg = "";
          try {
            new WebAssembly.Module(own);
          } catch (e) {
            v8msg = String(e);
          }
          const why = `V8 ${v8 ? "accepts" : `rejects (${v8msg})`}, wasmcu ${answer}`;
          stats.disagreements.push(`seed ${opts.seed} mutant ${n} (base ${baseIndex}, ${what}): ${why}`);
          opts.keep?.(`seed${opts.seed}-mutant${n}`, bytes, why);
        }
      }
      if ((n + 1) % 200 === 0) {
        await fresh(); // module bytes stay alive until a reset
        opts.log?.(`${n + 1} mutants, ${stats.disagreements.length} disagreements`);
      }
    }
  } finally {
    repl.kill();
    rmSync(dir, { recursive: true, force: true });
  }
  return stats;
}
