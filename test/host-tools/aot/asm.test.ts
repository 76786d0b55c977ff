// The assembler's layout decisions, read back by GNU objdump (a decoder we did not write):
// branches take the short form when in reach and grow when not, and every literal load
// reaches a pool word holding its value, with islands branched around.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { Assembler } from "../../../host-tools/src/aot/asm.js";
import * as T from "../../../host-tools/src/aot/thumb.js";

interface Line {
  at: number;
  mnemonic: string;
  operands: string;
}

function disassemble(code: Uint8Array): Line[] {
  const dir = mkdtempSync(path.join(tmpdir(), "wasmcu-asm-"));
  try {
    const bin = path.join(dir, "code.bin");
    writeFileSync(bin, code);
    const text = execFileSync("arm-none-eabi-objdump", ["-D", "-b", "binary", "-marm", "-Mforce-thumb", bin], { encoding: "utf8" });
    return [...text.matchAll(/^\s*([0-9a-f]+):\s+(?:[0-9a-f]{4} ?)+\s+(\S+)\s*([^\n]*)$/gm)]
      .map((m) => ({ at: parseInt(m[1] ?? "", 16), mnemonic: m[2] ?? "", operands: (m[3] ?? "").trim() }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const nops = (a: Assembler, count: number) => {
  for (let i = 0; i < count; i++) a.emit(T.nop());
};
const hexIn = (text: string, re: RegExp) => parseInt(re.exec(text)?.[1] ?? "NaN", 16);
const branchTarget = (l: Line | undefined) => hexIn(l?.operands ?? "", /0x([0-9a-f]+)/);

test("a conditional branch in reach is 2 bytes; one out of reach becomes B<!c> over a BL", () => {
  const a = new Assembler();
  const near = a.newLabel();
  const far = a.newLabel();
  a.bCond("ne", near);
  nops(a, 4);
  a.bind(near);
  a.bCond("lt", far);
  nops(a, 200);
  a.bind(far);
  a.emit(T.bx(T.LR));
  const { code, labels } = a.finish();
  const lines = disassemble(code);
  assert.equal(lines[0]?.mnemonic, "bne.n");
  assert.equal(branchTarget(lines[0]), labels.get(near));
  const at = labels.get(near)!;
  const [skip, long] = lines.filter((l) => l.at >= at).slice(0, 2);
  assert.equal(skip?.mnemonic, "bge.n");
  assert.equal(branchTarget(skip), at + 6);
  assert.equal(long?.mnemonic, "bl");
  assert.equal(branchTarget(long), labels.get(far));
});

test("an unconditional branch back past 2 KiB becomes a BL; within reach it stays B", () => {
  const a = new Assembler();
  const top = a.newLabel();
  a.bind(top);
  nops(a, 10);
  a.b(top);
  nops(a, 1100);
  a.b(top);
  const { code } = a.finish();
  const branches = disassemble(code).filter((l) => l.mnemonic === "b.n" || l.mnemonic === "bl");
  assert.deepEqual(branches.map((l) => [l.mnemonic, branchTarget(l)]), [["b.n", 0], ["bl", 0]]);
});

test("literal loads reach their words through pools placed in the code, each island branched around", () => {
  const a = new Assembler();
  const values: number[] = [];
  for (let i = 0; i < 700; i++) {
    const v = (Math.imul(i + 1, 0x9e3779b1) ^ (i << 3)) >>> 0;
    values.push(v);
    a.ldrConst(i % 8, v);
    nops(a, 2);
    if (i % 50 === 0) a.ldrConst(1, values[0] ?? 0); // a repeated value shares its pool word
  }
  a.emit(T.bx(T.LR));
  const { code } = a.finish();
  const view = new DataView(code.buffer);
  // follow the code as the CPU would: an island's branch jumps over the pool words, which
  // objdump also decodes as (meaningless) instructions
  const executed: Line[] = [];
  let resume = 0;
  for (const l of disassemble(code)) {
    if (l.at < resume) continue;
    executed.push(l);
    if (l.mnemonic === "b.n" || l.mnemonic === "bl") resume = branchTarget(l);
    if (l.mnemonic === "bx") break;
  }
  const loads = executed.filter((l) => l.mnemonic === "ldr" && l.operands.includes("[pc"));
  assert.equal(loads.length, 700 + 14);
  const loaded = loads.map((l) => view.getUint32(hexIn(l.operands, /@ \(0x([0-9a-f]+)\)/), true));
  const expected = values.flatMap((v, i) => (i % 50 === 0 ? [v, values[0] ?? 0] : [v]));
  assert.deepEqual(loaded, expected);
  const islands = executed.filter((l) => l.mnemonic === "b.n" || l.mnemonic === "bl");
  assert.ok(islands.length >= 3, `${islands.length} islands for ~5 KiB of code`);
  for (const br of islands) assert.ok(branchTarget(br) > br.at, "an island branch goes forward");
});

test("a label never bound is an error, not a branch to nowhere", () => {
  const a = new Assembler();
  a.b(a.newLabel());
  assert.throws(() => a.finish(), T.EncodeError);
});

test("rare paths: a B<c> not taken on the usual path, bodies after the next return or in an island branched around, whole", () => {
  const a = new Assembler();
  const stub = a.newLabel();
  const backs: number[] = [];
  const bodies: { back: ReturnType<Assembler["newLabel"]> }[] = [];
  // 80 rare calls in straight code with literal loads between (pools and rare islands both
  // needed), then a return where the last ones go
  for (let i = 0; i < 80; i++) {
    const back = a.newLabel();
    a.rare("hs", 8, () => {
      a.bl(stub);
      a.b(back);
    });
    a.bind(back);
    bodies.push({ back });
    a.ldrConst(i % 8, 0x12345678 + i);
    nops(a, 6);
  }
  a.emit(T.bx(T.LR));
  a.flushRares();
  a.bind(stub);
  a.emit(T.bx(T.LR));
  const { code, labels } = a.finish();
  const lines = disassemble(code);
  const at = new Map(lines.map((l) => [l.at, l]));
  const rareBranches = lines.filter((l) => l.mnemonic === "bcs.n");
  assert.equal(rareBranches.length, 80, "every rare branch is the short B<c>");
  assert.ok(lines.some((l) => l.operands.includes("[pc")), "literal pools too");
  for (const [k, br] of rareBranches.entries()) {
    const target = branchTarget(br);
    backs.push(labels.get(bodies[k]!.back)!);
    // the body, whole: BL to the stub, then B back to just after the B<c>
    assert.equal(at.get(target)?.mnemonic, "bl");
    assert.equal(branchTarget(at.get(target)), labels.get(stub));
    assert.equal(at.get(target + 4)?.mnemonic, "b.n");
    assert.equal(branchTarget(at.get(target + 4)), backs[k]);
    assert.ok(target > br.at, "bodies come after their branch");
  }
  // straight code never runs into a body: each island starts with a branch around it
  const bodyBranches = new Set(rareBranches.map((br) => branchTarget(br) + 4));
  const islands = lines.filter((l) => l.mnemonic === "b.n" && !bodyBranches.has(l.at) && branchTarget(l) > l.at + 2);
  assert.ok(islands.length >= 2, `${islands.length} islands`);
});
