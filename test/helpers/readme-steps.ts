// The README's command walk-throughs that a CLI test runs step by step: the first ```sh block
// under a heading, and the check that it lists the test's commands in the test's order.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { repoRoot } from "./paths.js";

/** The commands (comments dropped) of the first ```sh block under the `###` heading starting with `heading`. */
export function readmeCommands(heading: string): string[] {
  const readme = readFileSync(path.join(repoRoot, "README.md"), "utf8");
  const escaped = heading.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const block = new RegExp(`^### ${escaped}[^\\n]*\\n[\\s\\S]*?\`\`\`sh\\n([\\s\\S]*?)\`\`\``, "m").exec(readme)?.[1] ?? "";
  return block.split("\n").map((l) => l.replace(/\s+#.*$/, "").trim()).filter(Boolean);
}

/** Every step appears in the README's block for `heading`, after the step before it. */
export function assertReadmeHasSteps(heading: string, steps: string[]): void {
  const cmds = readmeCommands(heading);
  let at = -1;
  for (const c of steps) {
    const i = cmds.indexOf(c, at + 1);
    assert.ok(i > at, `the README's "${heading}" section does not have "${c}" after the step before it:\n${cmds.join("\n")}`);
    at = i;
  }
}

/** A step with {bin} (a build's bin folder) and {out} (where new files go, a folder with its
 * trailing slash, or "") filled in. */
export function fillStep(step: string, bin: string, out: string): string {
  return step.replaceAll("{bin}", bin).replaceAll("{out}", out);
}

/** The arguments after `wasmcu` of a filled-in step. */
export function stepArgs(step: string, bin: string, out: string): string[] {
  return fillStep(step, bin, out).split(" ").slice(1);
}
