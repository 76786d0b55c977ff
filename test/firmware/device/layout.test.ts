// The shape of firmware/device and of what boards may see:
//  - no two files of firmware/device call each other in a loop (the main loop calls down into
//    services; services never call back up), read from the objects the host build compiled;
//  - no board includes a library's private header (anything under firmware/<lib>/src/).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { cycles, type DepGraph } from "../../helpers/graph.js";
import { hostBuildDir, repoRoot } from "../../helpers/paths.js";

/** The object file each firmware/device source was compiled to, from the build's compile commands. */
function deviceObjects(): Map<string, string> {
  const db = path.join(hostBuildDir, "compile_commands.json");
  assert.ok(existsSync(db), `${db} is missing: npm test builds the host tree first`);
  const entries = JSON.parse(readFileSync(db, "utf8")) as { file: string; command?: string; arguments?: string[]; directory: string; output?: string }[];
  const srcDir = path.join(repoRoot, "firmware", "device") + path.sep;
  const objects = new Map<string, string>();
  for (const e of entries) {
    if (!path.resolve(e.directory, e.file).startsWith(srcDir)) continue;
    const args = e.arguments ?? e.command!.split(/\s+/);
    const out = e.output ?? args[args.indexOf("-o") + 1]!;
    objects.set(path.basename(e.file, ".c"), path.resolve(e.directory, out));
  }
  return objects;
}

/** file -> files whose symbols it uses (functions called, data referenced) -> one such symbol. */
function deviceCallGraph(): DepGraph {
  const defined = new Map<string, string>();
  const used = new Map<string, string[]>();
  for (const [file, obj] of deviceObjects()) {
    const r = spawnSync("nm", [obj], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    const undef: string[] = [];
    for (const line of r.stdout.split("\n")) {
      const f = line.trim().split(/\s+/);
      if (f.length === 3 && /^[TDBRC]$/.test(f[1]!)) defined.set(f[2]!, file);
      else if (f.length === 2 && f[0] === "U") undef.push(f[1]!);
    }
    used.set(file, undef);
  }
  const graph: DepGraph = new Map();
  for (const [file, syms] of used) {
    const to = new Map<string, string>();
    for (const s of syms) {
      const d = defined.get(s);
      if (d !== undefined && d !== file && !to.has(d)) to.set(d, `${file} uses ${s}`);
    }
    graph.set(file, to);
  }
  return graph;
}

test("no two files of firmware/device call each other in a loop: the main loop calls down, services never call back up", () => {
  const graph = deviceCallGraph();
  assert.ok(graph.size >= 10, `expected the device's sources in ${hostBuildDir}, found ${graph.size}`);
  assert.ok(graph.get("main")?.has("dispatch"), "the main loop hands frames to the dispatcher");
  const loops = cycles(graph);
  assert.deepEqual(loops, [], `files of firmware/device call each other in a loop:\n  ${loops.join("\n  ")}`);
});

function sourcesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sourcesUnder(p);
    return /\.(c|h|S)$/.test(e.name) ? [p] : [];
  });
}

test("no board includes a private header of a firmware library (only each library's include/)", () => {
  const firmware = path.join(repoRoot, "firmware");
  const privateHeaders = new Map<string, string>();
  const publicHeaders = new Set<string>();
  for (const lib of readdirSync(firmware)) {
    const src = path.join(firmware, lib, "src");
    const inc = path.join(firmware, lib, "include");
    if (existsSync(inc)) for (const h of sourcesUnder(inc)) publicHeaders.add(path.basename(h));
    if (existsSync(src)) for (const h of sourcesUnder(src)) if (h.endsWith(".h")) privateHeaders.set(path.basename(h), path.relative(repoRoot, h));
  }
  assert.ok(privateHeaders.has("slots.h"), "firmware/device/src/slots.h is private");
  const offences: string[] = [];
  for (const file of sourcesUnder(path.join(repoRoot, "boards"))) {
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(/^\s*#\s*include\s+"([^"]+)"/gm)) {
      const inc = m[1]!;
      const priv = privateHeaders.get(path.basename(inc));
      const boardOwn = existsSync(path.join(path.dirname(file), inc));
      if ((priv && !publicHeaders.has(path.basename(inc)) && !boardOwn) || /firmware\/[^/]+\/src\//.test(inc)) {
        offences.push(`${path.relative(repoRoot, file)} includes "${inc}" (${priv ?? "a private path"})`);
      }
    }
  }
  assert.deepEqual(offences, []);
});
