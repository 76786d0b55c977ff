// The CLI as a user gets it: `npm pack` of this repository, installed into a folder outside
// it. Tests install offline: npm takes the dependencies from its cache (filled when setup
// installed the repository's own, the same versions), led there by a package-lock.json
// written from the repository's lock, so no registry is asked.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { repoRoot } from "./paths.js";

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program and captures its output; a run longer than `timeoutMs` is killed and fails. */
export function sh(cmd: string, args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const limit = opts.timeoutMs ?? 120_000;
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, "SIGKILL"); // npx and the boards it started go with it
      } catch {
        child.kill("SIGKILL");
      }
      reject(new Error(`${cmd} ${args.join(" ")} did not finish in ${limit} ms\n${stdout}\n${stderr}`));
    }, limit);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout, stderr });
    });
  });
}

/** `npm pack` of the repository into `dest` (the CLI compiled by prepack); the tarball's path. */
export async function packWasmcu(dest: string): Promise<string> {
  const r = await sh("npm", ["pack", repoRoot, "--pack-destination", dest, "--json"], { cwd: dest, timeoutMs: 300_000 });
  if (r.code !== 0) throw new Error(`npm pack failed:\n${r.stderr}`);
  const [info] = JSON.parse(r.stdout.slice(r.stdout.indexOf("["))) as { filename: string }[];
  return path.join(dest, info!.filename);
}

interface LockEntry {
  dev?: boolean;
  devOptional?: boolean;
  [k: string]: unknown;
}

/**
 * Writes `dir`/package-lock.json for the project there with wasmcu from `tarball` as a
 * devDependency (as `npm install --save-dev TARBALL` makes it): wasmcu's dependency tree
 * as the repository's lock pins it.
 */
export function writeOfflineLock(dir: string, tarball: string): void {
  const pkg = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as { name: string; devDependencies?: Record<string, string> };
  const repoLock = JSON.parse(readFileSync(path.join(repoRoot, "package-lock.json"), "utf8")) as { packages: Record<string, LockEntry> };
  const root = repoLock.packages[""]!;
  const rel = path.relative(dir, tarball).split(path.sep).join("/");
  const packages: Record<string, LockEntry> = { "": { name: pkg.name, devDependencies: { ...pkg.devDependencies, wasmcu: `file:${rel}` } } };
  for (const [k, v] of Object.entries(repoLock.packages)) {
    if (k === "" || k === "node_modules/wasmcu" || v.dev) continue;
    const { devOptional: _d, ...rest } = v;
    packages[k] = { ...rest, dev: true };
  }
  packages["node_modules/wasmcu"] = {
    version: JSON.parse(readFileSync(path.join(repoRoot, "package.json"), "utf8")).version,
    resolved: `file:${rel}`,
    integrity: `sha512-${createHash("sha512").update(readFileSync(tarball)).digest("base64")}`,
    dev: true,
    dependencies: root.dependencies,
    optionalDependencies: root.optionalDependencies,
    bin: root.bin,
    engines: root.engines,
  };
  writeFileSync(path.join(dir, "package-lock.json"), JSON.stringify({ name: pkg.name, lockfileVersion: 3, requires: true, packages }, null, 2) + "\n");
}
