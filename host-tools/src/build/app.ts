// Compiles an AssemblyScript app to WebAssembly with asc, then checks it against what the
// device provides. An app is a user's project (`wasmcu new`: package.json + src/main.ts,
// output in its own build/) or a folder with a main.ts (this repository's firmware/apps/<app>).
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import { BuildError, InputError } from "../lib/errors.js";
import { appBuildDir, appsDir, displayPath, repoRoot, sdkDir } from "../lib/paths.js";
import { loadNatives } from "../sdk/natives.js";
import { checkApp } from "./app-check.js";
import { DEBUG_ASC_ARGS, debugInfoFile, recacheDebugInfo, splitDebugInfo } from "./debuginfo.js";
import { diagnosticAt, formatDiagnostic, type Diagnostic } from "./diagnostics.js";
import { readWasmInfo } from "./wasm-info.js";

export interface AppBuild {
  app: string;
  wasm: string;
  bytes: number;
  /** True when the .wasm was newer than every source and nothing was compiled. */
  upToDate: boolean;
  /** Warnings from the compiler (errors end the build with a BuildError carrying them all). */
  diagnostics: Diagnostic[];
  /** The app project's folder, when the app is one (`wasmcu new`). */
  project?: string;
}

/** A user's app project: package.json and src/main.ts; builds into its build/ folder. */
export interface AppProject {
  root: string;
  name: string;
  entry: string;
}

/** The app project at `dir` (package.json beside src/main.ts), if that is one. */
export function findProject(dir: string): AppProject | undefined {
  const entry = path.join(dir, "src", "main.ts");
  const pkgFile = path.join(dir, "package.json");
  if (!existsSync(entry) || !existsSync(pkgFile)) return undefined;
  let name = path.basename(path.resolve(dir));
  try {
    const pkg = JSON.parse(readFileSync(pkgFile, "utf8")) as { name?: unknown };
    if (typeof pkg.name === "string" && pkg.name) name = pkg.name.replace(/^@[^/]+\//, "");
  } catch {
    // an unreadable package.json still leaves the folder's name
  }
  return { root: path.resolve(dir), name, entry };
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

/**
 * Resolves an app to its entry file: no name means the project in the working directory
 * (or blink in this repository); else a project folder, an app name, or a path to an app
 * folder or its main.ts.
 */
export function appEntry(app: string | undefined, root = appsDir): { name: string; entry: string; project?: AppProject } {
  if (app === undefined) {
    const here = findProject(process.cwd());
    if (here) return { name: here.name, entry: here.entry, project: here };
    if (existsSync(path.join(root, "blink", "main.ts"))) return appEntry("blink", root);
    throw new InputError("no app here: expected src/main.ts and package.json in this folder",
      "run this in an app project (`wasmcu new NAME` makes one), or name the app with --app");
  }
  const project = findProject(path.resolve(app));
  if (project) return { name: project.name, entry: project.entry, project };
  const candidates = [path.resolve(app), path.resolve(app, "main.ts"), path.join(root, app, "main.ts")];
  for (const c of candidates) {
    if (existsSync(c) && statSync(c).isFile() && c.endsWith(".ts")) {
      const name = path.basename(c) === "main.ts" ? path.basename(path.dirname(c)) : path.basename(c, ".ts");
      return { name, entry: c };
    }
  }
  const known = listApps(root);
  throw new InputError(`no app "${app}": expected ${displayPath(path.join(root, app, "main.ts"))} or a project folder with src/main.ts`,
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
 * The asconfig.json an app is built with: a project's own (`wasmcu new` writes one), else one
 * beside main.ts (an app's way to opt out of the device defaults; it may `"extends"` the
 * repo's), else the repo's.
 */
export function ascConfig(entry: string, projectRoot?: string): string {
  const candidates = [...(projectRoot ? [path.join(projectRoot, "asconfig.json")] : []), path.join(path.dirname(entry), "asconfig.json")];
  return candidates.find((c) => existsSync(c)) ?? path.join(repoRoot, "asconfig.json");
}

/**
 * The compiler options of a device build, besides the entry and the output files. The
 * choices themselves (runtime variant, optimisation and inlining) are asconfig.json's
 * "release" target; see the notes there and in firmware/apps/README.md.
 */
export function ascOptions(entry: string, target = "release", projectRoot?: string): string[] {
  return ["--config", ascConfig(entry, projectRoot), "--target", target];
}

/** An asc diagnostic as ours: its source path (relative to `base`, or `~lib/...`) turned into a file to print. */
function fromAsc(d: AscDiagnostic, base: string): Diagnostic {
  const severity = d.category === ASC_ERROR ? "error" as const : "warning" as const;
  const code = `TS${d.code}`;
  const src = d.range?.source?.normalizedPath;
  if (!src) return { severity, message: d.message, code };
  // Package sources come as ~lib/<package>/<path>: found in node_modules from the app on up.
  let file: string | undefined;
  const pkg = /^~lib\/((?:@[^/]+\/)?[^/]+)\/(.+)$/.exec(src);
  if (!src.startsWith("~lib/")) file = path.resolve(base, src);
  else if (pkg) {
    for (let dir = base; ; dir = path.dirname(dir)) {
      const candidate = path.join(dir, "node_modules", pkg[1]!, pkg[2]!);
      if (existsSync(candidate)) {
        file = candidate;
        break;
      }
      if (path.dirname(dir) === dir) break;
    }
  }
  if (!file) return { severity, message: d.message, code, file: src };
  return diagnosticAt(file, d.range?.start, { severity, message: d.message, code });
}

/** asc's DiagnosticCategory: 0 pedantic, 1 info, 2 warning, 3 error. */
const ASC_WARNING = 2;
const ASC_ERROR = 3;

interface AscDiagnostic {
  message: string;
  code: number;
  category: number;
  range: { start: number; end: number; source: { normalizedPath: string } | null } | null;
}

/** The error a build ends with: each diagnostic on its own line, all of them in --json. */
function diagnosticsError(what: string, diags: Diagnostic[], fallback?: string): BuildError {
  const errors = diags.filter((d) => d.severity === "error");
  const lines = diags.map(formatDiagnostic).join("\n");
  return new BuildError(`${what}: ${errors.length || "an"} error${errors.length === 1 ? "" : "s"}`,
    lines || fallback, undefined, { diagnostics: diags });
}

/**
 * Compiles the app and checks what it imports and exports against the device; asc's
 * diagnostics and the checks' become one BuildError (file:line:col each, `diagnostics` in --json).
 */
export async function buildApp(app: string | undefined, opts: AppBuildOptions = {}): Promise<AppBuild> {
  const { name, entry, project } = appEntry(app, opts.appsRoot);
  const outDir = opts.outDir ?? (project ? path.join(project.root, "build") : appBuildDir(name));
  const wasm = path.join(outDir, `${name}.wasm`);
  // One build per output at a time in this process: two callers building the same app at once
  // (a test starting two boards) would otherwise rewrite the .wasm under each other's reader.
  const running = inFlight.get(wasm);
  if (running) return running.then((r) => ({ ...r, upToDate: true }));
  const build = compileApp(name, entry, project, wasm, opts).finally(() => inFlight.delete(wasm));
  inFlight.set(wasm, build);
  return build;
}

const inFlight = new Map<string, Promise<AppBuild>>();

async function compileApp(name: string, entry: string, project: ReturnType<typeof appEntry>["project"], wasm: string,
  opts: AppBuildOptions): Promise<AppBuild> {
  const config = ascConfig(entry, project?.root);
  const appDirs = project ? [path.join(project.root, "src")] : [path.dirname(entry)];
  const sources = [...appDirs, sdkDir, path.join(repoRoot, "asconfig.json"), config];
  if (!opts.force && existsSync(wasm) && existsSync(debugInfoFile(wasm)) && statSync(wasm).mtimeMs >= newestMtime(sources)) {
    recacheDebugInfo(wasm); // the per-user cache may have been cleared since
    return { app: name, wasm, bytes: statSync(wasm).size, upToDate: true, diagnostics: [], ...(project ? { project: project.root } : {}) };
  }
  mkdirSync(path.dirname(wasm), { recursive: true });
  // A failed build leaves no .wasm behind that a later build could take as up to date.
  const removeOutputs = () => {
    for (const f of [wasm, wasm.replace(/\.wasm$/, ".wat"), debugInfoFile(wasm)]) rmSync(f, { force: true });
  };
  const base = project?.root ?? repoRoot;
  const asc = (await import("assemblyscript/asc")).default;
  let text = "";
  const sink = asc.createMemoryStream((chunk) => {
    text += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
  });
  // Kept raw while asc runs in `base`, turned into paths from the user's folder afterwards.
  const raw: AscDiagnostic[] = [];
  const args = [
    path.relative(base, entry),
    ...ascOptions(entry, opts.target, project?.root),
    "--outFile", path.relative(base, wasm),
    "--textFile", path.relative(base, wasm.replace(/\.wasm$/, ".wat")),
    ...DEBUG_ASC_ARGS,
  ];
  const cwd = process.cwd();
  let failed: string | undefined;
  process.chdir(base); // asc resolves paths and asconfig "extends" from the working directory
  try {
    const result = await asc.main(args, { stdout: sink, stderr: sink, reportDiagnostic: (d: AscDiagnostic) => {
      if (d.category >= ASC_WARNING) raw.push(d);
    } });
    if (result.error) removeOutputs();
    failed = result.error ? text.trim() || result.error.message : undefined;
  } finally {
    process.chdir(cwd);
  }
  const ascDiagnostics = raw.map((d) => fromAsc(d, base));
  if (failed !== undefined) throw diagnosticsError(`compiling ${displayPath(entry)} failed`, ascDiagnostics, failed);
  splitDebugInfo(wasm, base); // names and source map stay on the host, keyed by the module's hash
  const bytes = readFileSync(wasm);
  const checks = checkApp(readWasmInfo(bytes, displayPath(wasm)), loadNatives(), { entry, dirs: appDirs });
  if (checks.length) {
    removeOutputs();
    throw diagnosticsError(`${displayPath(entry)} would not run on the device`, [...ascDiagnostics, ...checks]);
  }
  return { app: name, wasm, bytes: bytes.length, upToDate: false, diagnostics: ascDiagnostics, ...(project ? { project: project.root } : {}) };
}
