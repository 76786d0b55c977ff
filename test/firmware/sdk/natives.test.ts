// The natives list is written once (firmware/device/natives.def): the SDK's
// declarations and every compiled app's imports must agree with it.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { buildApp, listApps } from "../../../host-tools/src/build/app.js";
import { loadNatives, parseNativesDef } from "../../../host-tools/src/sdk/natives.js";
import { repoRoot } from "../../helpers/paths.js";

const natives = loadNatives();
const key = (m: string, n: string) => `${m}.${n}`;
const byKey = new Map(natives.map((n) => [key(n.module, n.name), n]));

const AS_TYPES: Record<string, string> = { i32: "i32", u32: "i32", usize: "i32", isize: "i32", bool: "i32", i64: "i64", u64: "i64", f32: "f32", f64: "f64" };

test("natives.def parses and names each native once", () => {
  assert.ok(natives.length >= 7);
  assert.equal(byKey.size, natives.length);
});

test("a '*' without its '~' length is rejected", () => {
  assert.throws(() => parseNativesDef('WASMCU_NATIVE(wasmcu, bad, "*i", "", n_bad)'), /must be followed by '~'/);
});

test("every @external in the SDK matches natives.def in name and wasm types", () => {
  const sdk = path.join(repoRoot, "firmware", "sdk");
  const re = /@external\("(\w+)",\s*"(\w+)"\)\s*declare function \w+\(([^)]*)\)\s*:\s*(\w+)/g;
  let seen = 0;
  for (const f of readdirSync(sdk).filter((f) => f.endsWith(".ts"))) {
    const src = readFileSync(path.join(sdk, f), "utf8");
    for (const m of src.matchAll(re)) {
      seen++;
      const def = byKey.get(key(m[1]!, m[2]!));
      assert.ok(def, `${f}: ${m[1]}.${m[2]} is not in natives.def`);
      const params = m[3]!.split(",").map((p) => p.trim()).filter(Boolean).map((p) => AS_TYPES[p.split(":")[1]!.trim()]);
      const results = m[4] === "void" ? [] : [AS_TYPES[m[4]!]];
      assert.deepEqual(params, def.wasmParams, `${f}: ${m[2]} parameters`);
      assert.deepEqual(results, def.wasmResults, `${f}: ${m[2]} results`);
    }
  }
  assert.ok(seen >= 7, `found only ${seen} @external declarations`);
});

/** Reads a module's function imports with their types (just enough of the binary format). */
function functionImports(wasm: Uint8Array): { module: string; name: string; params: string[]; results: string[] }[] {
  const T: Record<number, string> = { 0x7f: "i32", 0x7e: "i64", 0x7d: "f32", 0x7c: "f64" };
  let p = 8;
  const u32 = () => {
    let r = 0, s = 0, b;
    do { b = wasm[p++]!; r |= (b & 0x7f) << s; s += 7; } while (b & 0x80);
    return r >>> 0;
  };
  const str = () => { const n = u32(); const s = new TextDecoder().decode(wasm.subarray(p, p + n)); p += n; return s; };
  const types: { params: string[]; results: string[] }[] = [];
  const out = [];
  while (p < wasm.length) {
    const id = wasm[p++]!;
    const size = u32();
    const end = p + size;
    if (id === 1) {
      for (let n = u32(); n > 0; n--) {
        p++; // 0x60
        const params = Array.from({ length: u32() }, () => T[wasm[p++]!]!);
        const results = Array.from({ length: u32() }, () => T[wasm[p++]!]!);
        types.push({ params, results });
      }
    } else if (id === 2) {
      for (let n = u32(); n > 0; n--) {
        const module = str();
        const name = str();
        const kind = wasm[p++]!;
        if (kind === 0) out.push({ module, name, ...types[u32()]! });
        else throw new Error(`unexpected import kind ${kind}`);
      }
    }
    p = end;
  }
  return out;
}

test("every app's imports are natives the device provides, with the same types", async () => {
  const apps = listApps();
  assert.ok(apps.includes("blink"));
  for (const app of apps) {
    const { wasm } = await buildApp(app);
    for (const imp of functionImports(readFileSync(wasm))) {
      const def = byKey.get(key(imp.module, imp.name));
      assert.ok(def, `${app} imports ${imp.module}.${imp.name}, which natives.def does not provide`);
      assert.deepEqual(imp.params, def.wasmParams, `${app}: ${imp.name} params`);
      assert.deepEqual(imp.results, def.wasmResults, `${app}: ${imp.name} results`);
    }
  }
});
