// The C unit tests of the runtime's embedding API (test_runtime.c), one
// node:test case per C test so each shows by name.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";

import { hostBin } from "../../helpers/paths.ts";

const bin = hostBin("wr-unit-tests");
const names = spawnSync(bin, ["--list"], { encoding: "utf8" }).stdout.trim().split("\n").filter(Boolean);

test("the C unit test binary lists its tests", () => {
  assert.ok(names.length >= 20, `only ${names.length} tests listed`);
});

for (const name of names) {
  test(`runtime API: ${name.replaceAll("_", " ")}`, () => {
    const r = spawnSync(bin, [name], { encoding: "utf8", timeout: 60_000 });
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
    assert.match(r.stdout, new RegExp(`^ok +${name}$`, "m"));
  });
}
