// Every Thumb encoding the AOT compiler emits, checked against GNU as (binutils, code we did
// not write): the same instructions, with seeded random operands, assembled by
// arm-none-eabi-as for cortex-m0plus must give the same bytes.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import * as T from "../../../host-tools/src/aot/thumb.js";
import { rng } from "../../../host-tools/src/lib/rng.js";

/** One instruction: the text GNU as reads, and our halfwords. */
type Case = [string, number[]];

const rnd = rng(0x7ab);
const int = (n: number) => Math.floor(rnd() * n);
const lo = () => int(8);
const hi = () => 8 + int(5); // r8-r12 (sp, lr, pc have their own rules)
const conds = Object.keys(T.COND) as T.Cond[];

function cases(): Case[] {
  const out: Case[] = [];
  for (let k = 0; k < 16; k++) {
    const [d, m] = [lo(), lo()];
    // distinct from d: with rd == rn GNU as picks the two-operand (imm8) ADDS/SUBS
    const n = (d + 1 + int(7)) % 8;
    const i5 = int(32);
    out.push(
      [`lsls r${d}, r${m}, #${i5}`, T.lslsImm(d, m, i5)],
      [`lsrs r${d}, r${m}, #${i5 || 32}`, T.lsrsImm(d, m, i5 || 32)],
      [`asrs r${d}, r${m}, #${i5 || 32}`, T.asrsImm(d, m, i5 || 32)],
      [`adds r${d}, r${n}, r${m}`, T.addsReg(d, n, m)],
      [`subs r${d}, r${n}, r${m}`, T.subsReg(d, n, m)],
      [`adds r${d}, r${n}, #${i5 & 7}`, T.addsImm3(d, n, i5 & 7)],
      [`subs r${d}, r${n}, #${i5 & 7}`, T.subsImm3(d, n, i5 & 7)],
    );
    const [i8, j8] = [int(256), 8 + int(248)];
    out.push(
      [`movs r${d}, #${i8}`, T.movsImm(d, i8)],
      [`cmp r${d}, #${i8}`, T.cmpImm(d, i8)],
      [`adds r${d}, #${j8}`, T.addsImm8(d, j8)],
      [`subs r${d}, #${j8}`, T.subsImm8(d, j8)],
    );
    for (const op of Object.keys(T.ALU) as T.AluOp[]) out.push([aluText(op, d, m), T.alu(op, d, m)]);
    const [h, w] = [hi(), hi()];
    out.push(
      [`add r${h}, r${m}`, T.addHi(h, m)],
      [`add r${d}, r${w}`, T.addHi(d, w)],
      [`cmp r${h}, r${m}`, T.cmpHi(h, m)],
      [`mov r${h}, r${m}`, T.mov(h, m)],
      [`mov r${d}, r${w}`, T.mov(d, w)],
      [`mov r${d}, r${m}`, T.mov(d, m)],
      [`bx r${w}`, T.bx(w)],
      [`blx r${m}`, T.blx(m)],
      [`bx lr`, T.bx(T.LR)],
      [`ldr r${d}, [pc, #${i8 * 4}]`, T.ldrLit(d, i8 * 4)],
    );
    for (const op of ["str", "strh", "strb", "ldrsb", "ldr", "ldrh", "ldrb", "ldrsh"] as const) {
      out.push([`${op} r${d}, [r${n}, r${m}]`, T.memReg(op, d, n, m)]);
    }
    for (const op of ["str", "ldr", "strb", "ldrb", "strh", "ldrh"] as const) {
      const off = int(32) * (T.maxImmOffset(op) / 31);
      out.push([`${op} r${d}, [r${n}, #${off}]`, T.memImm(op, d, n, off)]);
    }
    const s = int(256) * 4;
    const s7 = int(128) * 4;
    out.push(
      [`str r${d}, [sp, #${s}]`, T.strSp(d, s)],
      [`ldr r${d}, [sp, #${s}]`, T.ldrSp(d, s)],
      [`add r${d}, sp, #${s}`, T.addRdSp(d, s)],
      [`add sp, #${s7}`, T.addSp(s7)],
      [`sub sp, #${s7}`, T.subSp(s7)],
      [`sxth r${d}, r${m}`, T.sxth(d, m)],
      [`sxtb r${d}, r${m}`, T.sxtb(d, m)],
      [`uxth r${d}, r${m}`, T.uxth(d, m)],
      [`uxtb r${d}, r${m}`, T.uxtb(d, m)],
      [`rev r${d}, r${m}`, T.rev(d, m)],
      [`rev16 r${d}, r${m}`, T.rev16(d, m)],
      [`revsh r${d}, r${m}`, T.revsh(d, m)],
      [`push {r${n}, lr}`, T.push([n, T.LR])],
      [`push {r0-r7}`, T.push([0, 1, 2, 3, 4, 5, 6, 7])],
      [`pop {r${n}, pc}`, T.pop([n, T.PC])],
      [`bkpt #${i5}`, T.bkpt(i5)],
      [`udf #${i5}`, T.udf(i5)],
      [`svc #${i5}`, T.svc(i5)],
      ["nop", T.nop()],
    );
    // branches: GNU as takes the target as `. + (offset + 4)` (the offset is from PC + 4)
    const bc = (int(256) - 128) * 2;
    const bu = (int(2048) - 1024) * 2;
    const blo = (int(1 << 22) - (1 << 21)) * 2;
    const c = conds[int(conds.length)] ?? "eq";
    out.push(
      [`b${c}.n .${sign(bc + 4)}`, T.bCond(c, bc)],
      [`b.n .${sign(bu + 4)}`, T.b(bu)],
      [`bl .${sign(blo + 4)}`, T.bl(blo)],
    );
  }
  return out;
}

const sign = (v: number) => (v >= 0 ? `+${v}` : `${v}`);

function aluText(op: T.AluOp, d: number, m: number): string {
  if (op === "rsbs") return `rsbs r${d}, r${m}, #0`;
  if (op === "muls") return `muls r${d}, r${m}, r${d}`;
  return `${op} r${d}, r${m}`;
}

function gnuAssemble(lines: string[]): Uint8Array {
  const dir = mkdtempSync(path.join(tmpdir(), "wasmcu-thumb-"));
  try {
    const src = path.join(dir, "t.s");
    writeFileSync(src, [".syntax unified", ".cpu cortex-m0plus", ".thumb", ".text", ...lines, ""].join("\n"));
    execFileSync("arm-none-eabi-as", ["-o", path.join(dir, "t.o"), src], { stdio: ["ignore", "ignore", "pipe"] });
    execFileSync("arm-none-eabi-objcopy", ["-O", "binary", "-j", ".text", path.join(dir, "t.o"), path.join(dir, "t.bin")]);
    return new Uint8Array(readFileSync(path.join(dir, "t.bin")));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const halfs = (bytes: Uint8Array) => {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Array.from({ length: bytes.length / 2 }, (_, i) => view.getUint16(2 * i, true));
};

test("every encoder gives GNU as's bytes (seeded random operands)", () => {
  const all = cases();
  const theirs = halfs(gnuAssemble(all.map((c) => c[0])));
  let at = 0;
  for (const [text, ours] of all) {
    const hex = (h: number[]) => h.map((x) => x.toString(16).padStart(4, "0")).join(" ");
    assert.equal(hex(ours), hex(theirs.slice(at, at + ours.length)), text);
    at += ours.length;
  }
  assert.equal(at, theirs.length, "GNU as emitted more than we did");
  assert.ok(all.length > 1000, `${all.length} instructions`);
});

test("operands an encoding cannot hold are refused, not masked", () => {
  assert.throws(() => T.movsImm(8, 1), T.EncodeError);
  assert.throws(() => T.movsImm(0, 256), T.EncodeError);
  assert.throws(() => T.memImm("ldr", 0, 1, 2), T.EncodeError);
  assert.throws(() => T.memImm("ldr", 0, 1, 128), T.EncodeError);
  assert.throws(() => T.bCond("eq", 256), T.EncodeError);
  assert.throws(() => T.b(3), T.EncodeError);
  assert.throws(() => T.ldrLit(0, 1024), T.EncodeError);
  assert.throws(() => T.push([]), T.EncodeError);
  assert.throws(() => T.lsrsImm(0, 0, 0), T.EncodeError);
});
