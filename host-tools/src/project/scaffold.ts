// `wasmcu new NAME`: a user's app project, with wasmcu as a devDependency and the app in
// src/main.ts importing the SDK by package name. Builds go to the project's build/.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { OutputError, UsageError } from "../lib/errors.js";
import { displayPath, repoRoot } from "../lib/paths.js";

export interface Scaffold {
  name: string;
  dir: string;
  files: string[];
  /** The devDependency written for wasmcu. */
  wasmcu: string;
  /** What to type next, from the working directory. */
  next: string[];
}

function wasmcuVersion(): string {
  return (JSON.parse(readFileSync(path.join(repoRoot, "package.json"), "utf8")) as { version: string }).version;
}

/**
 * The devDependency on wasmcu: the spec of the project the command runs in when it has one
 * (a `file:` tarball or folder rewritten relative to the new project), else `^<this version>`.
 */
export function wasmcuSpec(parent: string, dir: string): string {
  for (let d = path.resolve(parent); ; d = path.dirname(d)) {
    const pkgFile = path.join(d, "package.json");
    if (existsSync(pkgFile)) {
      try {
        const pkg = JSON.parse(readFileSync(pkgFile, "utf8")) as { dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
        const spec = pkg.devDependencies?.wasmcu ?? pkg.dependencies?.wasmcu;
        if (spec?.startsWith("file:")) {
          const rel = path.relative(dir, path.resolve(d, spec.slice(5))).split(path.sep).join("/");
          return `file:${rel.startsWith(".") ? rel : `./${rel}`}`;
        }
        if (spec && (pkg as { name?: string }).name !== "wasmcu") return spec;
      } catch {
        // not a package.json we can read: look further up
      }
      break;
    }
    if (path.dirname(d) === d) break;
  }
  return `^${wasmcuVersion()}`;
}

const MAIN_TS = (name: string) => `// ${name}: the app the board runs. The device calls setup() once, then loop() again and again.
import { gpio, log, time } from "wasmcu/sdk";

const LED: i32 = gpio.led(); // the board's LED, whichever board runs the app
let on = false;

export function setup(): void {
  gpio.pinMode(LED, gpio.PinMode.Output);
  log.info("${name}: started");
}

export function loop(): void {
  on = !on;
  gpio.digitalWrite(LED, on);
  log.info("${name}: led " + (on ? "on" : "off"));
  time.sleep(500);
}
`;

const TEST_MJS = (name: string) => `// Runs the app on the host board (the firmware as a process on this machine) and checks
// what it logged. \`npm test\`; the first run builds the firmware once (a minute or two).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), "..");
const cli = path.join(path.dirname(createRequire(import.meta.url).resolve("wasmcu/package.json")), "host-tools", "bin", "wasmcu.js");

test("the app starts on the host board and switches its LED", () => {
  mkdirSync(path.join(root, "build"), { recursive: true });
  const r = spawnSync(process.execPath, [cli, "run", "--board", "host", "--for", "3", "--flash", path.join("build", "test-flash.bin"), "--json"],
    { cwd: root, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const events = r.stdout.trim().split("\\n").map((line) => JSON.parse(line));
  const logs = events.filter((e) => e.kind === "log").map((e) => e.text);
  assert.ok(logs.includes("${name}: started"), logs.join("\\n"));
  assert.ok(events.some((e) => e.kind === "gpio" && e.pin === 25), "no write to the LED pin");
  assert.ok(!events.some((e) => e.kind === "app" && e.state === "trapped"), "the app trapped");
});
`;

const README = (name: string) => `# ${name}

An app for microcontrollers, written in AssemblyScript and run by wasmcu's runtime on the board.
\`src/main.ts\` is the app: the device calls \`setup()\` once, then \`loop()\` again and again;
\`import { gpio, log, time, ... } from "wasmcu/sdk"\` gives it the board.

\`\`\`sh
npm install                   # wasmcu and the AssemblyScript compiler
npx wasmcu build              # src/main.ts -> build/${name}.wasm, checked against the firmware's natives
npx wasmcu run --board host   # the firmware as a process on this machine, with the app's logs; Ctrl-C stops it
\`\`\`

Then: \`npx wasmcu run --board rp2040-sim\` (an emulated RP2040), \`npm test\` (the app on the
host board, \`test/app.test.mjs\`), \`npx wasmcu deploy --port /dev/ttyACM0\` (this app onto
a real board running wasmcu firmware), \`npx wasmcu board start dev\` (a host board in the
background with this app: then \`npx wasmcu deploy --port dev\`, \`npx wasmcu monitor --port dev\`,
\`npx wasmcu board stop dev\`). The first run for a board builds its firmware once for this
machine (in ~/.cache/wasmcu; \`npx wasmcu doctor\` says which compilers are missing).
`;

/** Creates the project folder `name` in `parent`; refuses a folder that exists and is not empty. */
export function scaffoldProject(name: string, parent = process.cwd()): Scaffold {
  const base = path.basename(name);
  if (!/^[a-z0-9][a-z0-9._-]*$/.test(base) || base.length > 214) {
    throw new UsageError(`"${name}" is not a usable project name`, "use lower-case letters, digits, '-', '_' and '.' (an npm package name), e.g. wasmcu new blinky");
  }
  const dir = path.resolve(parent, name);
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    throw new OutputError(`${displayPath(dir)} already exists and is not empty`, "choose another name, or remove the folder");
  }
  const wasmcu = wasmcuSpec(parent, dir);
  const pkg = {
    name: base,
    version: "0.1.0",
    private: true,
    type: "module",
    scripts: { build: "wasmcu build", start: "wasmcu run --board host", test: "node --test test/" },
    devDependencies: { wasmcu },
  };
  const files: Record<string, string> = {
    "package.json": JSON.stringify(pkg, null, 2) + "\n",
    "asconfig.json": JSON.stringify({ extends: "wasmcu/asconfig.json" }, null, 2) + "\n",
    "src/main.ts": MAIN_TS(base),
    "src/tsconfig.json": JSON.stringify({ extends: "assemblyscript/std/assembly.json", include: ["./**/*.ts"] }, null, 2) + "\n",
    "test/app.test.mjs": TEST_MJS(base),
    "README.md": README(base),
    ".gitignore": "node_modules/\nbuild/\n",
  };
  for (const [rel, text] of Object.entries(files)) {
    const p = path.join(dir, rel);
    mkdirSync(path.dirname(p), { recursive: true });
    writeFileSync(p, text);
  }
  const at = displayPath(dir, parent);
  return {
    name: base,
    dir,
    files: Object.keys(files),
    wasmcu,
    next: [`cd ${at.includes(" ") ? JSON.stringify(at) : at}`, "npm install", "npx wasmcu run --board host"],
  };
}
