// The AOT contract has two sides: host-tools/src/aot/abi.ts (the compiler's) and
// firmware/runtime/src/aot_abi.h (the loader's). Every number of one is the other's.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { ABI_VERSION, CTX, FUNC_DESCRIPTOR_BYTES, HELPER, REF_NULL, TRAP, WR_ARG_BYTES } from "../../../host-tools/src/aot/abi.ts";
import { runtimeDir } from "./cross-vm.ts";

/** The header's `#define WR_AOT_<NAME> <number>` lines. */
function cDefines(): Map<string, number> {
  const text = readFileSync(path.join(runtimeDir, "src", "aot_abi.h"), "utf8");
  return new Map([...text.matchAll(/^#define WR_AOT_(\w+)\s+(0x[0-9a-fA-F]+|\d+)u?\s*$/gm)].map((m) => [m[1] as string, Number(m[2])]));
}

const snake = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase();

test("the context, helper and trap numbers and the ABI version are the same in abi.ts and aot_abi.h", () => {
  const c = cDefines();
  const ts = new Map<string, number>([
    ["ABI_VERSION", ABI_VERSION], ["WR_ARG_BYTES", WR_ARG_BYTES], ["FUNC_DESCRIPTOR_BYTES", FUNC_DESCRIPTOR_BYTES], ["REF_NULL", REF_NULL],
    ["HELPER_COUNT", Object.keys(HELPER).length],
  ]);
  for (const [group, table] of [["CTX", CTX], ["HELPER", HELPER], ["TRAP", TRAP]] as const) {
    for (const [k, v] of Object.entries(table)) ts.set(`${group}_${snake(k)}`, v);
  }
  // the helpers' operation codes are wasm opcodes (0xfc n as 0x100 + n), documented in abi.ts
  const cShared = new Map([...c].filter(([k]) => !/^(WIDE_|TABLE_(GET|SET|INIT|COPY|GROW|SIZE|FILL)$|ELEM_DROP$)/.test(k)));
  assert.deepEqual(new Map([...cShared].sort()), new Map([...ts].sort()));
  assert.equal(c.get("WIDE_MEMORY_INIT"), 0x108);
  assert.equal(c.get("WIDE_DATA_DROP"), 0x109);
  assert.deepEqual(["GET", "SET", "INIT", "COPY", "GROW", "SIZE", "FILL"].map((k) => c.get(`TABLE_${k}`)), [0x25, 0x26, 0x10c, 0x10e, 0x10f, 0x110, 0x111]);
  assert.equal(c.get("ELEM_DROP"), 0x10d);
});
