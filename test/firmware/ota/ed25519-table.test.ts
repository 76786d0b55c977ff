// firmware/ota/src/ed25519_table.h (curve constants and the odd multiples of the base point
// that Ed25519 verify adds in) is the output of scripts/gen-ed25519-table.mjs, which
// derives every value from RFC 8032's definitions: nothing in it is typed in by hand.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { repoRoot } from "../../helpers/paths.js";

test("ed25519_table.h equals the generator's output (d, 2d, sqrt(-1), odd multiples of B)", async () => {
  // @ts-expect-error: a plain .mjs script, no type declarations
  const { ed25519Table } = (await import("../../../scripts/gen-ed25519-table.mjs")) as { ed25519Table: () => string };
  const header = readFileSync(path.join(repoRoot, "firmware/ota/src/ed25519_table.h"), "utf8");
  assert.equal(header, ed25519Table());
});
