// 32-bit index and count fields that take every value: a start section naming
// function 0xFFFFFFFF and a data count of 0xFFFFFFFF are real values, not the
// "absent" marker, so the validator rejects them as V8 does. Modules are
// assembled by hand, byte by byte, and checked against V8 first.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, test } from "node:test";

import { hostBin } from "../../helpers/paths.ts";
import { uleb as leb } from "./attack/wasm-binary.ts";

const section = (id: number, body: number[]): number[] => [id, ...leb(body.length), ...body];
const vec = (items: number[][]): number[] => [...leb(items.length), ...items.flat()];
const module = (...sections: number[][]): Uint8Array<ArrayBuffer> =>
  Uint8Array.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...sections.flat()]);

const TYPE_VOID = section(1, vec([[0x60, 0x00, 0x00]]));
const ONE_FUNC = section(3, vec([[0x00]]));
const MEMORY = section(5, vec([[0x00, 0x01]]));
const EXPORT_START = section(7, vec([[6, ..."_start".split("").map((c) => c.charCodeAt(0)), 0x00, 0x00]]));
const start = (index: number) => section(8, leb(index));
const datacount = (n: number) => section(12, leb(n));
const code = (body: number[]) => section(10, vec([[...leb(body.length + 1), 0x00, ...body]]));
const EMPTY_BODY = code([0x0b]);
const ONE_PASSIVE_SEGMENT = section(11, vec([[0x01, 0x00]]));
const MEMORY_INIT_0 = code([0x41, 0x00, 0x41, 0x00, 0x41, 0x00, 0xfc, 0x08, 0x00, 0x00, 0x0b]);

/** wasmcu-vm on the module: exit status and stderr. */
function vm(bytes: Uint8Array): { status: number; stderr: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), "sentinel-"));
  try {
    const f = path.join(dir, "m.wasm");
    writeFileSync(f, bytes);
    const r = spawnSync(hostBin("wasmcu-vm"), [f], { encoding: "utf8", timeout: 30_000 });
    return { status: r.status ?? -1, stderr: r.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function bothReject(bytes: Uint8Array<ArrayBuffer>, re: RegExp): void {
  assert.equal(WebAssembly.validate(bytes), false, "V8 accepts the module: the test module is wrong");
  const r = vm(bytes);
  assert.equal(r.status, 2, `wasmcu-vm accepted the module (exit ${r.status}): ${r.stderr}`);
  assert.match(r.stderr, re);
}

function bothAccept(bytes: Uint8Array<ArrayBuffer>): void {
  assert.equal(WebAssembly.validate(bytes), true, "V8 rejects the control module");
  const r = vm(bytes);
  assert.equal(r.status, 0, r.stderr);
}

describe("a start function index of 0xFFFFFFFF is an index, not 'no start section'", () => {
  test("start 0 is accepted (control)", () => {
    bothAccept(module(TYPE_VOID, ONE_FUNC, EXPORT_START, start(0), EMPTY_BODY));
  });
  test("start 1 is rejected (control)", () => {
    bothReject(module(TYPE_VOID, ONE_FUNC, EXPORT_START, start(1), EMPTY_BODY), /invalid module.*unknown function/);
  });
  test("start 0xFFFFFFFF is rejected as an unknown function", () => {
    bothReject(module(TYPE_VOID, ONE_FUNC, EXPORT_START, start(0xffffffff), EMPTY_BODY), /invalid module.*unknown function/);
  });
});

describe("a data count of 0xFFFFFFFF is a count, not 'no data count section'", () => {
  const inconsistent = /malformed module.*data count and data section have inconsistent lengths/;
  test("data count 1 with one segment is accepted (control)", () => {
    bothAccept(module(TYPE_VOID, ONE_FUNC, MEMORY, EXPORT_START, datacount(1), EMPTY_BODY, ONE_PASSIVE_SEGMENT));
  });
  test("data count 5 with no data section is rejected (control)", () => {
    bothReject(module(datacount(5)), inconsistent);
  });
  test("data count 0xFFFFFFFF with no data section is rejected", () => {
    bothReject(module(datacount(0xffffffff)), inconsistent);
  });
  test("data count 0xFFFFFFFF with one data segment is rejected", () => {
    bothReject(module(MEMORY, datacount(0xffffffff), ONE_PASSIVE_SEGMENT), inconsistent);
  });
  test("data count 0xFFFFFFFF with memory.init: the section is there, the lengths disagree", () => {
    const m = module(TYPE_VOID, ONE_FUNC, MEMORY, EXPORT_START, datacount(0xffffffff), MEMORY_INIT_0);
    bothReject(m, inconsistent);
    assert.doesNotMatch(vm(m).stderr, /data count section required/);
  });
  test("memory.init without a data count section still says the section is required (control)", () => {
    bothReject(module(TYPE_VOID, ONE_FUNC, MEMORY, EXPORT_START, MEMORY_INIT_0), /data count section required/);
  });
});
