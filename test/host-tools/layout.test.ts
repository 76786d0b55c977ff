// The folders of host-tools/src depend on each other one way only: no folder imports a
// folder that (through any others) imports it back. Every import counts: static
// `import ... from`, `export ... from`, type-only imports and dynamic `import("...")`.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import ts from "typescript";
import { cycles, type DepGraph } from "../helpers/graph.js";
import { repoRoot } from "../helpers/paths.js";

const srcDir = path.join(repoRoot, "host-tools", "src");

/** Every .ts file under `dir`, as paths relative to `dir` with "/" separators. */
function tsFiles(dir: string, rel = ""): string[] {
  return readdirSync(path.join(dir, rel), { withFileTypes: true }).flatMap((e) => {
    const p = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) return tsFiles(dir, p);
    return e.name.endsWith(".ts") && !e.name.endsWith(".d.ts") ? [p] : [];
  });
}

/** The folder-level graph of relative imports between files (file path → source text). */
function folderGraph(files: Map<string, string>): DepGraph {
  const graph: DepGraph = new Map();
  for (const [file, text] of files) {
    const from = path.posix.dirname(file);
    if (!graph.has(from)) graph.set(from, new Map());
    for (const { fileName: spec } of ts.preProcessFile(text, true, true).importedFiles) {
      if (!spec.startsWith(".")) continue; // a package
      const to = path.posix.dirname(path.posix.normalize(path.posix.join(from, spec)));
      if (to !== from && !graph.get(from)!.has(to)) graph.get(from)!.set(to, `${file} imports ${spec}`);
    }
  }
  return graph;
}

test("the cycle finder names a folder loop, through a dynamic import too, and passes a one-way tree", () => {
  const loop = new Map([
    ["a/x.ts", `import { y } from "../b/y.js";`],
    ["b/y.ts", `import type { Z } from "../c/z.js";`],
    ["c/z.ts", `export const z = () => import("../a/x.js");`],
    ["lib/w.ts", `export const w = 1;`],
  ]);
  const loops = cycles(folderGraph(loop));
  assert.equal(loops.length, 1);
  assert.match(loops[0]!, /^a -> b -> c -> a \(a\/x\.ts imports \.\.\/b\/y\.js; b\/y\.ts imports \.\.\/c\/z\.js; c\/z\.ts imports \.\.\/a\/x\.js\)$/);
  const tree = new Map([["a/x.ts", `import { w } from "../lib/w.js";`], ["b/y.ts", `import "../a/x.js";`], ["lib/w.ts", ""]]);
  assert.deepEqual(cycles(folderGraph(tree)), []);
});

test("no folder of host-tools/src imports a folder that imports it back", () => {
  const files = new Map(tsFiles(srcDir).map((f) => [f, readFileSync(path.join(srcDir, f), "utf8")]));
  assert.ok(files.size > 50, `found only ${files.size} .ts files under ${srcDir}`);
  const loops = cycles(folderGraph(files));
  assert.deepEqual(loops, [], `import loops between folders of host-tools/src:\n  ${loops.join("\n  ")}`);
});
