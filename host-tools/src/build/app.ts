// Compiles an AssemblyScript app (firmware/apps/<app>/main.ts) to WebAssembly with asc.
import { existsSync, mkdirSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { BuildError, InputError } from "../lib/errors.js";
import { appBuildDir, appsDir, repoRoot } from "../lib/paths.js";
import { DEBUG_ASC_ARGS, debugInfoFile, recacheDebugInfo, splitDebugInfo } from "./debuginfo.js";

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

/** Compiles the app; asc's diagnostics become a BuildError's details. */
export async function buildApp(app: string, opts: AppBuildOptions = {}): Promise<AppBuild> {
  const { name, entry } = appEntry(app, opts.appsRoot);
  const outDir = opts.outDir ?? appBuildDir(name);
  const wasm = path.join(outDir, `${name}.wasm`);
  const sources = [path.dirname(entry), path.join(repoRoot, "firmware", "sdk"), path.join(repoRoot, "asconfig.json")];
  if (!opts.force && existsSync(wasm) && existsSync(debugInfoFile(wasm)) && statSync(wasm).mtimeMs >= newestMtime(sources)) {
    recacheDebugInfo(wasm); // the per-user cache may have been cleared since
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
    "--config", path.join(repoRoot, "asconfig.json"),
    "--target", opts.target ?? "release",
    "--outFile", path.relative(repoRoot, wasm),
    "--textFile", path.relative(repoRoot, wasm.replace(/\.wasm$/, ".wat")),
    ...DEBUG_ASC_ARGS,
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
  splitDebugInfo(wasm, repoRoot); // names and source map stay on the host, keyed by the module's hash
  return { app: name, wasm, bytes: statSync(wasm).size, upToDate: false };
}
