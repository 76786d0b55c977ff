import type { Command } from "commander";
import { Output } from "../lib/output.js";
import { displayPath } from "../lib/paths.js";
import { scaffoldProject } from "../project/scaffold.js";

export function register(program: Command): void {
  program
    .command("new")
    .description("start an app project: package.json, asconfig.json, src/main.ts using wasmcu/sdk, a README and a test")
    .argument("<name>", "the project's folder and package name")
    .option("--json", "machine-readable output")
    .action((name: string, opts: { json?: boolean }) => {
      const out = new Output(opts);
      const s = scaffoldProject(name);
      out.result({ name: s.name, dir: s.dir, files: s.files, wasmcu: s.wasmcu, next: s.next }, () =>
        [`created ${displayPath(s.dir)}/ (${s.files.join(", ")})`, "next:", ...s.next.map((c) => `  ${c}`)].join("\n"));
    });
}
