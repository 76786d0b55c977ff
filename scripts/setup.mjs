#!/usr/bin/env node
// Installs what the build and tests need, idempotently, and quickly when nothing is missing:
//   1. npm dependencies (npm ci when node_modules is missing or older than package-lock.json)
//   2. Debian packages listed in scripts/apt-packages.txt (apt-get as root; otherwise the exact command)
//   3. the CLI's TypeScript, compiled to host-tools/dist (incremental)
// Nothing is downloaded from anywhere but the npm registry and Debian's archive.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const quiet = process.argv.includes("--quiet");
const say = (msg) => { if (!quiet) process.stderr.write(`setup: ${msg}\n`); };

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: ["ignore", 2, 2], ...opts });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  return r.status ?? 1;
}

function fail(msg) {
  process.stderr.write(`setup: ${msg}\n`);
  process.exit(1);
}

const major = Number(process.versions.node.split(".")[0]);
if (major < 20) fail(`Node.js ${process.versions.node} is too old: wasmcu needs Node.js 20 or newer`);

// --- npm dependencies
const lock = path.join(root, "package-lock.json");
const stamp = path.join(root, "node_modules", ".package-lock.json");
const needNpm = !existsSync(stamp) || (existsSync(lock) && statSync(lock).mtimeMs > statSync(stamp).mtimeMs + 1000) ||
  statSync(path.join(root, "package.json")).mtimeMs > statSync(stamp).mtimeMs + 1000;
if (needNpm) {
  say(existsSync(lock) ? "installing npm dependencies (npm ci)" : "installing npm dependencies (npm install)");
  const status = run("npm", [existsSync(lock) ? "ci" : "install", "--no-audit", "--no-fund"]);
  if (status !== 0) fail("npm could not install the dependencies (see above)");
}

// --- Debian packages
const wanted = readFileSync(path.join(root, "scripts", "apt-packages.txt"), "utf8")
  .split("\n").map((l) => l.replace(/#.*/, "").trim()).filter(Boolean);
const missing = wanted.filter((pkg) => {
  const r = spawnSync("dpkg-query", ["-W", "-f=${Status}", pkg], { encoding: "utf8" });
  return r.status !== 0 || !r.stdout.includes("install ok installed");
});
if (missing.length) {
  const cmd = `apt-get update && apt-get install -y --no-install-recommends ${missing.join(" ")}`;
  if (process.getuid?.() !== 0) {
    fail(`these Debian packages are missing: ${missing.join(", ")}\n  install them with: sudo sh -c '${cmd}'`);
  }
  say(`installing Debian packages: ${missing.join(" ")}`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  if (run("apt-get", ["update", "-qq"], { env }) !== 0 ||
      run("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...missing], { env }) !== 0) {
    fail(`apt-get could not install ${missing.join(" ")} (see above)`);
  }
}

// --- the CLI
if (run(process.execPath, [path.join(root, "node_modules", "typescript", "bin", "tsc"), "-p", "host-tools/tsconfig.json"]) !== 0) {
  fail("the CLI's TypeScript does not compile (see above)");
}
say("ready");
