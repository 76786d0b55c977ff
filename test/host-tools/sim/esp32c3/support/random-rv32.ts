// Random valid rv32imc programs for checking the core against QEMU: registers start
// from edge values (0, ±1, INT_MIN, INT_MAX...) and random words, then a stream of
// random ALU, M-extension, load/store, CSR, compressed and forward-branch/jump
// instructions runs, and the program prints every register and a hash of its data
// area. x8 (s0) and x2 (sp) stay fixed as the two data pointers the loads and stores
// use, so every access is in bounds; everything else is fair game, x0 as a target too.
import { prng } from "../../../../helpers/prng.js";

const R_OPS = ["add", "sub", "sll", "slt", "sltu", "xor", "srl", "sra", "or", "and",
  "mul", "mulh", "mulhsu", "mulhu", "div", "divu", "rem", "remu"];
const I_OPS = ["addi", "slti", "sltiu", "xori", "ori", "andi"];
const SHIFT_OPS = ["slli", "srli", "srai"];
const LOADS: [string, number][] = [["lb", 1], ["lbu", 1], ["lh", 2], ["lhu", 2], ["lw", 4]];
const STORES: [string, number][] = [["sb", 1], ["sh", 2], ["sw", 4]];
const BRANCHES = ["beq", "bne", "blt", "bge", "bltu", "bgeu"];
const EDGES = [0, 1, -1, 2, 0x7fffffff, -0x80000000, 0x80, 0xff, 0xffff, -2, 31, 32];

/** x1, x3..x7, x9..x31: registers the stream may write. */
const WRITABLE = Array.from({ length: 32 }, (_, i) => i).filter((r) => r !== 0 && r !== 2 && r !== 8);
/** x9..x15: the compressed register set minus s0. */
const CREGS = [9, 10, 11, 12, 13, 14, 15];

export function randomProgram(seed: number, count: number): string {
  const rnd = prng(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)]!;
  const wr = () => (rnd() < 0.03 ? 0 : pick(WRITABLE));
  const rs = () => int(0, 31);
  const cr = () => pick(CREGS);
  const head = [".section .text.start", ".globl _start", "_start:", "  la s0, data", "  li sp, 1024", "  add sp, sp, s0"];
  for (const r of WRITABLE) {
    const v = rnd() < 0.5 ? pick(EDGES) : (int(0, 0xffff) << 16) | int(0, 0xffff);
    head.push(`  li x${r}, ${v | 0}`);
  }
  const items: string[] = [];
  const labels = new Map<number, string[]>();
  let label = 0;
  /** A label 1..4 stream items ahead of the one being generated. */
  const forwardLabel = (): string => {
    const name = `L${label++}`;
    const at = Math.min(items.length + int(1, 4), count);
    labels.set(at, [...(labels.get(at) ?? []), name]);
    return name;
  };
  for (let n = 0; n < count; n++) items.push(randomInstruction());
  const body = items.flatMap((ins, i) => [...(labels.get(i) ?? []).map((l) => `${l}:`), `  ${ins}`]);
  const tail = [...(labels.get(count) ?? []).map((l) => `${l}:`), "  j dump_and_exit", ".section .data", ".balign 4", ".globl data", "data:"];
  for (let i = 0; i < 2048 / 4; i++) tail.push(`  .word ${(int(0, 0xffff) << 16) | int(0, 0xffff)}`);
  return `${[...head, ...body, ...tail].join("\n")}\n`;

  function randomInstruction(): string {
    const k = rnd();
    if (k < 0.25) return `${pick(R_OPS)} x${wr()}, x${rs()}, x${rs()}`;
    if (k < 0.38) return `${pick(I_OPS)} x${wr()}, x${rs()}, ${int(-2048, 2047)}`;
    if (k < 0.44) return `${pick(SHIFT_OPS)} x${wr()}, x${rs()}, ${int(0, 31)}`;
    if (k < 0.47) return rnd() < 0.7 ? `lui x${wr()}, ${int(0, 0xfffff)}` : `auipc x${wr()}, ${int(0, 0xfffff)}`;
    if (k < 0.55) {
      const [op, size] = pick(LOADS);
      return rnd() < 0.5 ? `${op} x${wr()}, ${int(0, 1023 / size) * size}(s0)` : `${op} x${wr()}, ${int(0, 255 / size) * size}(sp)`;
    }
    if (k < 0.62) {
      const [op, size] = pick(STORES);
      return rnd() < 0.5 ? `${op} x${rs()}, ${int(0, 1023 / size) * size}(s0)` : `${op} x${rs()}, ${int(0, 255 / size) * size}(sp)`;
    }
    if (k < 0.8) return compressed();
    if (k < 0.9) return `${pick(BRANCHES)} x${rs()}, x${rs()}, ${forwardLabel()}`;
    if (k < 0.93) return `jal x${wr()}, ${forwardLabel()}`;
    if (k < 0.96) {
      const t = pick(WRITABLE);
      return `la x${t}, ${forwardLabel()}\n  jalr x${wr()}, 0(x${t})`;
    }
    const csrOp = pick(["csrrw", "csrrs", "csrrc"]);
    return rnd() < 0.5 ? `${csrOp} x${wr()}, mscratch, x${rs()}` : `${csrOp}i x${wr()}, mscratch, ${int(0, 31)}`;
  }
  function compressed(): string {
    const nz6 = () => { let v = 0; while (v === 0) v = int(-32, 31); return v; };
    const r = () => pick(WRITABLE);
    switch (int(0, 13)) {
      case 0: return `c.addi x${r()}, ${nz6()}`;
      case 1: return `c.li x${r()}, ${int(-32, 31)}`;
      case 2: { let rd = r(); while (rd === 2) rd = r(); return `c.lui x${rd}, ${pick([int(1, 31), int(0xfffe0, 0xfffff)])}`; }
      case 3: return `c.srli x${cr()}, ${int(1, 31)}`;
      case 4: return `c.srai x${cr()}, ${int(1, 31)}`;
      case 5: return `c.andi x${cr()}, ${int(-32, 31)}`;
      case 6: return `${pick(["c.sub", "c.xor", "c.or", "c.and"])} x${cr()}, x${cr()}`;
      case 7: return `c.mv x${r()}, x${int(1, 31)}`;
      case 8: return `c.add x${r()}, x${int(1, 31)}`;
      case 9: return `c.slli x${r()}, ${int(1, 31)}`;
      case 10: return `c.lw x${cr()}, ${int(0, 31) * 4}(x8)`;
      case 11: return `c.sw x${cr()}, ${int(0, 31) * 4}(x8)`;
      case 12: return `c.lwsp x${r()}, ${int(0, 63) * 4}(sp)`;
      default: return rnd() < 0.5 ? `c.swsp x${int(0, 31)}, ${int(0, 63) * 4}(sp)` : `${pick(["c.beqz", "c.bnez"])} x${cr()}, ${forwardLabel()}`;
    }
  }
}

/** The common tail: every register to the dump area (sp + 512), then printed as hex (waiting for the UART's transmitter like a driver would),
 * then an FNV-1a hash of the data area, then exit through the test device. */
export const DUMP_AND_EXIT = `
  .section .text
  .globl dump_and_exit
dump_and_exit:
${Array.from({ length: 31 }, (_, i) => `  sw x${i + 1}, ${512 + 4 * i}(sp)`).join("\n")}
  addi s1, sp, 512
  li s2, 31
  li s3, 0x10000000
1:lw a0, 0(s1)
  call hex_line
  addi s1, s1, 4
  addi s2, s2, -1
  bnez s2, 1b
  la s1, data
  li s2, 1536
  li a0, 0x811c9dc5
  li s4, 0x01000193
2:lbu t0, 0(s1)
  xor a0, a0, t0
  mul a0, a0, s4
  addi s1, s1, 1
  addi s2, s2, -1
  bnez s2, 2b
  call hex_line
6:lbu t0, 5(s3)
  andi t0, t0, 0x40
  beqz t0, 6b
  li t0, 0x100000
  li t1, 0x5555
  sw t1, 0(t0)
3:j 3b
hex_line:
  mv t6, ra
  li t1, 28
4:srl t2, a0, t1
  andi t2, t2, 15
  li t3, 10
  blt t2, t3, 5f
  addi t2, t2, 39
5:addi t2, t2, 48
  call putc
  addi t1, t1, -4
  bgez t1, 4b
  li t2, 10
  mv t4, t6
  call putc
  jr t4
putc:
  lbu t5, 5(s3)
  andi t5, t5, 0x20
  beqz t5, putc
  sb t2, 0(s3)
  ret
`;
