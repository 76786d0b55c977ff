// The folders of host-tools/src depend on each other one way only: no folder imports a
// folder that (through any others) imports it back. Every import counts: static
// `import ... from`, `export ... from`, type-only imports and dynamic `import("...")`.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import ts from "typescript";
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

/** Folder → folder it imports → one import that shows it ("file imports spec"). */
type FolderGraph = Map<string, Map<string, string>>;

/** The folder-level graph of relative imports between files (file path → source text). */
function folderGraph(files: Map<string, string>): FolderGraph {
  const graph: FolderGraph = new Map();
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

/** Each loop once: a folder, the folders it passes through, and the imports that make it. */
function folderCycles(graph: FolderGraph): string[] {
  const found = new Map<string, string>();
  for (const start of [...graph.keys()].sort()) {
    // Breadth-first from `start`, so each loop is reported by its shortest way back.
    const prev = new Map<string, string>();
    const queue = [start];
    for (let i = 0; i < queue.length; i++) {
      const at = queue[i]!;
      for (const next of [...(graph.get(at)?.keys() ?? [])].sort()) {
        if (next === start) {
          const loop = [at];
          while (loop[0] !== start) loop.unshift(prev.get(loop[0]!)!);
          const steps = [...loop, start];
          // The same loop seen from another folder has the same members: report it once.
          const key = [...loop].sort().join(" ");
          if (!found.has(key)) {
            const why = steps.slice(0, -1).map((f, k) => graph.get(f)!.get(steps[k + 1]!)!);
            found.set(key, `${steps.join(" -> ")} (${why.join("; ")})`);
          }
        } else if (!prev.has(next) && next !== start) {
          prev.set(next, at);
          queue.push(next);
        }
      }
    }
  }
  return [...found.values()];
}

test("the cycle finder names a folder loop, through a dynamic import too, and passes a one-way tree", () => {
  const loop = new Map([
    ["a/x.ts", `import { y } from "../b/y.js";`],
    ["b/y.ts", `import type { Z } from "../c/z.js";`],
    ["c/z.ts", `export const z = () => import("../a/x.js");`],
    ["lib/w.ts", `export const w = 1;`],
  ]);
  const cycles = folderCycles(folderGraph(loop));
  assert.equal(cycles.length, 1);
  assert.match(cycles[0]!, /^a -> b -> c -> a \(a\/x\.ts imports \.\.\/b\/y\.js; b\/y\.ts imports \.\.\/c\/z\.js; c\/z\.ts imports \.\.\/a\/x\.js\)$/);
  const tree = new Map([["a/x.ts", `import { w } from "../lib/w.js";`], ["b/y.ts", `import "../a/x.js";`], ["lib/w.ts", ""]]);
  assert.deepEqual(folderCycles(folderGraph(tree)), []);
});

test("no folder of host-tools/src imports a folder that imports it back", () => {
  const files = new Map(tsFiles(srcDir).map((f) => [f, readFileSync(path.join(srcDir, f), "utf8")]));
  assert.ok(files.size > 50, `found only ${files.size} .ts files under ${srcDir}`);
  const cycles = folderCycles(folderGraph(files));
  assert.deepEqual(cycles, [], `import loops between folders of host-tools/src:\n  ${cycles.join("\n  ")}`);
});
