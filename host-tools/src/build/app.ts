// Compiles an AssemblyScript app (firmware/apps/<app>/main.ts) to WebAssembly with asc.
import { existsSync, mkdirSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { BuildError, InputError } from "../lib/errors.js";
import { appBuildDir, appsDir, repoRoot } from "../lib/paths.js";

export interface AppBuild {
  app: string;
  wasm: string;
  bytes: number;
  /** True when the .wasm was newer than every source and nothing was compiled. */
  upToDate: boolean;
}

export interface AppBuildOptions {
  /** asconfig.json target: "release" (default) or "debug". */
  target?: string;
  /** Rebuild even if the .wasm looks up to date. */
  force?: boolean;
  /** Where apps live (tests use their own). */
  appsRoot?: string;
  outDir?: string;
}

export function listApps(root = appsDir): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(path.join(root, d.name, "main.ts")))
    .map((d) => d.name)
    .sort();
}

/** Resolves an app name, or a path to an app folder or its main.ts, to its entry file. */
export function appEntry(app: string, root = appsDir): { name: string; entry: string } {
  const candidates = [path.resolve(app), path.resolve(app, "main.ts"), path.join(root, app, "main.ts")];
  for (const c of candidates) {
    if (existsSync(c) && statSync(c).isFile() && c.endsWith(".ts")) {
      const name = path.basename(c) === "main.ts" ? path.basename(path.dirname(c)) : path.basename(c, ".ts");
      return { name, entry: c };
    }
  }
  const known = listApps(root);
  throw new InputError(`no app "${app}": expected ${path.join(root, app, "main.ts")}`,
    known.length ? `apps here: ${known.join(", ")}` : undefined);
}

function newestMtime(dirs: string[]): number {
  let newest = 0;
  const walk = (p: string) => {
    const s = statSync(p);
    if (s.isDirectory()) for (const e of readdirSync(p)) walk(path.join(p, e));
    else if (p.endsWith(".ts") || p.endsWith(".json")) newest = Math.max(newest, s.mtimeMs);
  };
  for (const d of dirs) if (existsSync(d)) walk(d);
  return newest;
}

/**
 * The asconfig.json an app is built with: its own beside main.ts if it has one (an app's way
 * to opt out of the device defaults; it may `"extends"` the repo's), else the repo's.
 */
export function ascConfig(entry: string): string {
  const own = path.join(path.dirname(entry), "asconfig.json");
  return existsSync(own) ? own : path.join(repoRoot, "asconfig.json");
}

/**
 * The compiler options of a device build, besides the entry and the output files. The
 * choices themselves (runtime variant, optimisation and inlining) are asconfig.json's
 * "release" target; see the notes there and in firmware/apps/README.md.
 */
export function ascOptions(entry: string, target = "release"): string[] {
  return ["--config", ascConfig(entry), "--target", target];
}

/** Compiles the app; asc's diagnostics become a BuildError's details. */
export async function buildApp(app: string, opts: AppBuildOptions = {}): Promise<AppBuild> {
  const { name, entry } = appEntry(app, opts.appsRoot);
  const outDir = opts.outDir ?? appBuildDir(name);
  const wasm = path.join(outDir, `${name}.wasm`);
  const sources = [path.dirname(entry), path.join(repoRoot, "firmware", "sdk"), ascConfig(entry), path.join(repoRoot, "asconfig.json")];
  if (!opts.force && existsSync(wasm) && statSync(wasm).mtimeMs >= newestMtime(sources)) {
    return { app: name, wasm, bytes: statSync(wasm).size, upToDate: true };
  }
  mkdirSync(outDir, { recursive: true });
  const asc = (await import("assemblyscript/asc")).default;
  let diagnostics = "";
  const sink = asc.createMemoryStream((chunk) => {
    diagnostics += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
  });
  const args = [
    path.relative(repoRoot, entry),
    ...ascOptions(entry, opts.target),
    "--outFile", path.relative(repoRoot, wasm),
    "--textFile", path.relative(repoRoot, wasm.replace(/\.wasm$/, ".wat")),
  ];
  const cwd = process.cwd();
  process.chdir(repoRoot); // asc resolves paths and asconfig "extends" from the working directory
  try {
    const result = await asc.main(args, { stdout: sink, stderr: sink });
    if (result.error) {
      throw new BuildError(`AssemblyScript compile of ${path.relative(repoRoot, entry)} failed`, diagnostics.trim() || result.error.message);
    }
  } finally {
    process.chdir(cwd);
  }
  return { app: name, wasm, bytes: statSync(wasm).size, upToDate: false };
}
