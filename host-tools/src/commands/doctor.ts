import type { Command } from "commander";
import { runChecks } from "../doctor/checks.js";
import { EXIT } from "../lib/exit-codes.js";
import { Output, table } from "../lib/output.js";

export function register(program: Command): void {
  program
    .command("doctor")
    .description("check node, asc, cmake, cross compilers and serial access; say what to install")
    .option("--json", "machine-readable output")
    .action(async (opts: { json?: boolean }) => {
      const out = new Output(opts);
      const checks = await runChecks();
      const failed = checks.filter((c) => !c.ok && !c.optional);
      out.result({ ok: failed.length === 0, checks }, () => {
        const rows = checks.map((c) => [c.ok ? "ok" : c.optional ? "optional" : "MISSING", c.name, c.detail]);
        const fixes = checks.filter((c) => !c.ok && c.fix).map((c) => `  ${c.name}: ${c.fix}`);
        return table(["status", "check", "detail"], rows) + (fixes.length ? `\n\nto fix:\n${fixes.join("\n")}` : "\n\nall required tools are present");
      });
      if (failed.length) process.exitCode = EXIT.FAILED;
    });
}
