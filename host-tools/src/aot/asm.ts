// A Thumb assembler for the AOT compiler: labels, branches that grow when their target is
// out of reach, and literal pools placed within reach of every load that uses them.
//
// Layout starts with every branch in its long form and shrinks each one whose target is in
// reach, repeating until nothing changes; shrinking only ever brings code closer, so a form
// once proven short stays short. A pool's 4-byte alignment can still move a target by 2
// bytes, so the final encoding checks every range and, where one fails, pins that branch
// long and lays out again. Pools are flushed conservatively during emission (every branch
// counted long), so literal loads are always in range once laid out.
import * as T from "./thumb.js";
import { EncodeError, type Cond, type Reg } from "./thumb.js";

export type Label = number & { readonly __label: unique symbol };

type Item =
  | { kind: "raw"; halfs: number[] }
  | { kind: "label"; label: Label }
  | { kind: "bcond"; cond: Cond; label: Label; long: boolean; pinned: boolean; near?: true }
  | { kind: "b"; label: Label; long: boolean; pinned: boolean; near?: true }
  | { kind: "bl"; label: Label }
  | { kind: "ldrLit"; rt: Reg; pool: number; index: number }
  | { kind: "pool"; pool: number; words: number[] }
  | { kind: "align4" };

/** Long conditional branch: B<!c> over a BL (BL reaches ±16 MiB; it clobbers LR, which every
 * AOT function saves in its prologue). */
const BCOND_LONG = 6;
const B_LONG = 4;
/** Flush a pool before its first user could be out of reach, counting every branch long. */
const POOL_REACH = T.RANGE.ldrLit.max - 64;
/** Place rare paths before the first B<c> to them could be out of reach (some margin). */
const RARE_REACH = T.RANGE.bCond.max - 16;

export class Assembler {
  private readonly items: Item[] = [];
  private labelCount = 0;
  private pools = 0;
  /** The literal pool being filled: its words, and the conservative offset of its first user. */
  private pending: { words: number[]; firstUse: number } | undefined;
  private upper = 0;
  /** Rare paths waiting for a place out of the usual path (see rare()), and the conservative
   * offset of the first one's branch. */
  private rares: { label: Label; body: () => void; bytes: number }[] = [];
  private rareFirst = 0;
  /** While rare paths are being placed: no island may split them (a body must stay whole). */
  private placing = false;

  newLabel(): Label {
    return this.labelCount++ as Label;
  }

  bind(label: Label): void {
    this.items.push({ kind: "label", label });
  }

  /** Append encoded halfwords (from thumb.ts). */
  emit(halfs: number[]): void {
    this.items.push({ kind: "raw", halfs });
    this.grow(halfs.length * 2);
  }

  bCond(cond: Cond, label: Label): void {
    this.items.push({ kind: "bcond", cond, label, long: true, pinned: false });
    this.grow(BCOND_LONG);
  }

  b(label: Label): void {
    this.items.push({ kind: "b", label, long: true, pinned: false });
    this.grow(B_LONG);
  }

  /** A branch that must keep LR (a long form is a BL): always the 16-bit encoding, and an
   * error at layout when the target is out of its reach. */
  bNear(label: Label, cond?: Cond): void {
    this.items.push(cond ? { kind: "bcond", cond, label, long: false, pinned: true, near: true } : { kind: "b", label, long: false, pinned: true, near: true });
    this.grow(2);
  }

  /** Where the next item goes: equal marks mean nothing was emitted or bound between. */
  mark(): number {
    return this.items.length;
  }

  /** Takes back the last item when it is exactly these halfwords (a load a peephole folds). */
  retract(halfs: number[]): boolean {
    const last = this.items[this.items.length - 1];
    if (last?.kind !== "raw" || last.halfs.length !== halfs.length || last.halfs.some((h, k) => h !== halfs[k])) return false;
    this.items.pop();
    this.upper -= 2 * halfs.length;
    return true;
  }

  bl(label: Label): void {
    this.items.push({ kind: "bl", label });
    this.grow(4);
  }

  /** rt = value, from a literal pool (one word per distinct value in a pool). */
  ldrConst(rt: Reg, value: number): void {
    T.ldrLit(rt, 0); // checks rt before anything is recorded
    const word = value >>> 0;
    if (!this.pending) this.pending = { words: [], firstUse: this.upper };
    let index = this.pending.words.indexOf(word);
    if (index < 0) index = this.pending.words.push(word) - 1;
    this.items.push({ kind: "ldrLit", rt, pool: this.pools, index });
    this.grow(2);
  }

  /**
   * A rare path: B<cond> to `body` (code of at most `bytes` bytes that ends in a branch back
   * or never returns), placed out of the usual path, so that path falls through a branch not
   * taken (1 cycle). Bodies wait for the next place nothing falls into (flushRares, after an
   * unconditional branch or return) or, before the first branch could go out of reach, an
   * island with a branch around it.
   */
  rare(cond: Cond, bytes: number, body: () => void): void {
    const label = this.newLabel();
    if (this.rares.length === 0) this.rareFirst = this.upper;
    this.rares.push({ label, body, bytes });
    this.bCond(cond, label);
  }

  /** The waiting rare paths, here: code must not fall into them. */
  flushRares(): void {
    const rares = this.rares;
    this.rares = [];
    this.placing = true; // a pool island inside a body would split it (grow() counts them ahead)
    try {
      for (const r of rares) {
        this.bind(r.label);
        r.body();
      }
    } finally {
      this.placing = false;
    }
  }

  /** Place the pending literals here; code must not fall into them (after a return or branch). */
  flushPool(): void {
    this.flushRares();
    if (!this.pending) return;
    this.items.push({ kind: "align4" });
    this.items.push({ kind: "pool", pool: this.pools, words: this.pending.words });
    this.upper += 2 + this.pending.words.length * 4;
    this.pending = undefined;
    this.pools++;
  }

  /** After an unconditional branch or return, where nothing falls through: place the pending
   * pool here if its first user is already `distance` bytes back (saves an island later). */
  flushPoolAfterBranch(distance = 256): void {
    this.flushRares();
    if (this.pending && this.upper - this.pending.firstUse >= distance) this.flushPool();
  }

  /** The code so far, with a final pool; label offsets in bytes from the start. */
  finish(): { code: Uint8Array; labels: Map<Label, number> } {
    this.flushPool();
    for (;;) {
      const offsets = this.relax();
      const failed = this.tryEncode(offsets);
      if (failed.length === 0) return { code: this.encode(offsets), labels: offsets.labels };
      for (const item of failed) {
        if ((item.kind !== "bcond" && item.kind !== "b") || item.near) throw new EncodeError(`a ${item.kind} is out of range after layout`);
        item.long = true;
        item.pinned = true;
      }
    }
  }

  private grow(bytes: number): void {
    this.upper += bytes;
    if (this.placing) return;
    const rareBytes = this.rares.reduce((n, r) => n + r.bytes, 0);
    if (this.rares.length > 0 && this.upper + B_LONG + rareBytes - this.rareFirst > RARE_REACH) this.rareIsland();
    // a pool comes after the waiting rare paths (flushPool places them first)
    if (this.pending && this.upper + rareBytes + 2 + this.pending.words.length * 4 - this.pending.firstUse > POOL_REACH) this.island();
  }

  /** The waiting rare paths in the middle of code, with a branch around them. */
  private rareIsland(): void {
    const over = this.newLabel();
    this.items.push({ kind: "b", label: over, long: true, pinned: false });
    this.upper += B_LONG;
    this.flushRares();
    this.bind(over);
  }

  /** A pool in the middle of code, with a branch around it. */
  private island(): void {
    const over = this.newLabel();
    const pending = this.pending;
    this.pending = undefined; // the branch below must not re-enter grow()'s flush
    this.items.push({ kind: "b", label: over, long: true, pinned: false });
    this.upper += B_LONG;
    this.pending = pending;
    this.flushPool();
    this.bind(over);
  }

  private relax(): Layout {
    for (;;) {
      const layout = this.layout();
      let changed = false;
      for (const [i, item] of this.items.entries()) {
        if ((item.kind !== "bcond" && item.kind !== "b") || !item.long || item.pinned) continue;
        const range = item.kind === "bcond" ? T.RANGE.bCond : T.RANGE.b;
        const delta = target(layout, item.label) - (offsetOf(layout, i) + 4);
        if (delta >= range.min && delta <= range.max) {
          item.long = false;
          changed = true;
        }
      }
      if (!changed) return layout;
    }
  }

  private layout(): Layout {
    const at: number[] = [];
    const labels = new Map<Label, number>();
    const poolAt = new Map<number, number>();
    let pc = 0;
    for (const item of this.items) {
      at.push(pc);
      if (item.kind === "label") labels.set(item.label, pc);
      if (item.kind === "pool") poolAt.set(item.pool, pc);
      pc += sizeOf(item, pc);
    }
    return { at, labels, poolAt, size: pc };
  }

  /** The items whose encoding fails at these offsets. */
  private tryEncode(layout: Layout): Item[] {
    const failed: Item[] = [];
    this.items.forEach((item, i) => {
      try {
        encodeItem(item, offsetOf(layout, i), layout);
      } catch (e) {
        if (!(e instanceof EncodeError)) throw e;
        failed.push(item);
      }
    });
    return failed;
  }

  private encode(layout: Layout): Uint8Array {
    const out = new Uint8Array(layout.size);
    const view = new DataView(out.buffer);
    this.items.forEach((item, i) => {
      let pc = offsetOf(layout, i);
      for (const h of encodeItem(item, pc, layout)) {
        view.setUint16(pc, h, true);
        pc += 2;
      }
    });
    return out;
  }
}

interface Layout {
  at: number[];
  labels: Map<Label, number>;
  poolAt: Map<number, number>;
  size: number;
}

function offsetOf(layout: Layout, index: number): number {
  const pc = layout.at[index];
  if (pc === undefined) throw new EncodeError(`item ${index} has no offset`);
  return pc;
}

function target(layout: Layout, label: Label): number {
  const pc = layout.labels.get(label);
  if (pc === undefined) throw new EncodeError(`label ${label} is never bound`);
  return pc;
}

function sizeOf(item: Item, pc: number): number {
  switch (item.kind) {
    case "raw": return item.halfs.length * 2;
    case "label": return 0;
    case "bcond": return item.long ? BCOND_LONG : 2;
    case "b": return item.long ? B_LONG : 2;
    case "bl": return 4;
    case "ldrLit": return 2;
    case "pool": return item.words.length * 4;
    case "align4": return pc % 4;
  }
}

/** An item's halfwords at pc (pools and padding as halfwords, little-endian words). */
function encodeItem(item: Item, pc: number, layout: Layout): number[] {
  switch (item.kind) {
    case "raw": return item.halfs;
    case "label": return [];
    case "align4": return pc % 4 ? T.nop() : [];
    case "pool": return item.words.flatMap((w) => [w & 0xffff, w >>> 16]);
    case "bl": return T.bl(target(layout, item.label) - (pc + 4));
    case "b": {
      const delta = target(layout, item.label) - (pc + 4);
      return item.long ? T.bl(delta) : T.b(delta);
    }
    case "bcond": {
      if (!item.long) return T.bCond(item.cond, target(layout, item.label) - (pc + 4));
      // B<!c> skips the 4-byte BL: its target is pc + 6 = (pc + 4) + 2.
      return [...T.bCond(T.invert(item.cond), 2), ...T.bl(target(layout, item.label) - (pc + 2 + 4))];
    }
    case "ldrLit": {
      const poolPc = layout.poolAt.get(item.pool);
      if (poolPc === undefined) throw new EncodeError(`literal pool ${item.pool} was never placed`);
      return T.ldrLit(item.rt, poolPc + item.index * 4 - ((pc + 4) & ~3));
    }
  }
}
