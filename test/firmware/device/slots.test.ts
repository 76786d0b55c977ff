import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { hostBin } from "../../helpers/paths.js";

test("app slots: alternate on install, survive a power cut before the header, fall back on a bad CRC", () => {
  const flash = path.join(mkdtempSync(path.join(os.tmpdir(), "wasmcu-slots-")), "flash.bin");
  const r = spawnSync(hostBin("test_slots"), [flash], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.match(r.stdout, /^ok$/m);
});
