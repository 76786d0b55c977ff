// The link protocol's numbers have one source, firmware/device/link.def: the committed
// host-tools/src/link/constants.ts is exactly what scripts/gen-link-constants.mjs makes of
// it, and the C header the device builds its enums with gives every constant the same value.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import * as constants from "../../../host-tools/src/link/constants.js";
import { repoRoot } from "../../helpers/paths.js";

interface DefEntry {
  group: string;
  c: string;
  ts: string;
  value: number;
  text?: string;
}

interface Generator {
  OUTPUT: string;
  linkDefPath(): string;
  parseLinkDef(text: string, file?: string): DefEntry[];
  generateConstants(): string;
}

// @ts-expect-error: a plain .mjs script, no type declarations
const gen = (await import("../../../scripts/gen-link-constants.mjs")) as Generator;

/** The C name link.h gives an entry (see its enums). */
const C_PREFIX: Record<string, string> = {
  CONST: "LINK_", FRAME: "LINK_", STATUS: "LINK_", CMD: "LINK_CMD_", TARGET: "LINK_TARGET_", OTA_MODE: "LINK_OTA_",
  APP_STATE: "LINK_APP_", LOG_LEVEL: "LINK_LOG_", STREAM_KIND: "LINK_STREAM_", CALL_STATUS: "LINK_CALL_",
  TRAP_CONTEXT: "LINK_TRAP_",
};

/** The value the TypeScript module gives an entry. */
function tsValue(e: DefEntry): number | undefined {
  const enums: Record<string, Record<string, unknown>> = {
    FRAME: constants.FrameType, CMD: constants.Cmd, STATUS: constants.LinkStatus, TARGET: constants.Target,
    OTA_MODE: constants.OtaMode, STREAM_KIND: constants.StreamKind, CALL_STATUS: constants.CallStatus,
  };
  const names: Record<string, readonly string[]> = {
    APP_STATE: constants.APP_STATES, LOG_LEVEL: constants.LOG_LEVELS, TRAP_CONTEXT: constants.TRAP_CONTEXTS,
  };
  const v = e.group === "CONST" ? (constants as Record<string, unknown>)[e.ts]
    : names[e.group] ? names[e.group]!.indexOf(e.ts)
    : enums[e.group]?.[e.ts];
  return typeof v === "number" ? v : undefined;
}

const defFile = gen.linkDefPath();
const entries = gen.parseLinkDef(readFileSync(path.join(repoRoot, defFile), "utf8"), defFile);

test("constants.ts is what gen-link-constants.mjs makes of link.def (regenerate it after changing link.def)", () => {
  assert.ok(entries.length > 40, `only ${entries.length} entries read from ${defFile}`);
  const committed = readFileSync(path.join(repoRoot, gen.OUTPUT), "utf8");
  assert.equal(committed, gen.generateConstants(), `${gen.OUTPUT} is stale or edited by hand: run node scripts/gen-link-constants.mjs`);
});

test("every constant link.h gives the device has the value the host's TypeScript constants give", () => {
  const names = entries.map((e) => `${C_PREFIX[e.group]}${e.c}`);
  const dir = mkdtempSync(path.join(os.tmpdir(), "wasmcu-link-constants-"));
  const prints = names.map((n, i) => `  printf("%s\\"${n}\\": %ld", ${i ? '","' : '""'}, (long)(${n}));`);
  writeFileSync(path.join(dir, "print.c"),
    ["#include <stdio.h>", '#include "link.h"', "", "int main(void) {", '  printf("{");', ...prints, '  printf("}\\n");', "  return 0;", "}", ""].join("\n"));
  // link.h is in firmware/device, or its src/ or include/ once the device's folder is split.
  const includes = ["", "src", "include"].map((d) => `-I${path.join(repoRoot, "firmware", "device", d)}`);
  execFileSync("cc", ["-std=c11", "-Wall", "-Werror", ...includes, "-o", path.join(dir, "print"), path.join(dir, "print.c")], { stdio: "pipe" });
  const fromC = JSON.parse(execFileSync(path.join(dir, "print"), { encoding: "utf8" })) as Record<string, number>;
  const fromTs = Object.fromEntries(entries.map((e, i) => [names[i]!, tsValue(e)]));
  assert.deepEqual(fromTs, fromC);
});
