// A CoreMark-style integer workload (not CoreMark itself, and not
// comparable to published CoreMark scores): the same three kinds of kernel,
// written here in AssemblyScript -
//   list:   a singly linked list in linear memory, walked, searched and
//           reversed (pointer chasing, branches)
//   matrix: 16-bit matrix times vector and matrix times matrix with
//           accumulate, then bit extraction (multiply, memory)
//   state:  a byte-driven state machine classifying number-like tokens
//           (byte loads, compare chains, a switch)
// and a CRC-16 over all results, as CoreMark validates its runs.
// run(): i32 returns the final CRC; reference.mjs recomputes it in JS.

const N: i32 = 64;          // list nodes
const M: i32 = 12;          // matrix dimension
const ITERATIONS: i32 = 400;

let crc: u32 = 0;

function crc16(v: u32): void {
  for (let i = 0; i < 16; i++) {
    const bit = (crc ^ (v >> i)) & 1;
    crc = (crc >> 1) ^ (bit ? 0xA001 : 0);
  }
}

// ---- list: nodes of { next: u32, value: i16, index: i16 } in a heap area
const LIST: usize = 4096;

function listInit(seed: i32): void {
  for (let i = 0; i < N; i++) {
    const node = LIST + <usize>i * 8;
    store<u32>(node, i + 1 < N ? <u32>(node + 8) : 0);
    store<i16>(node, <i16>((i * 7919 + seed) & 0x7FFF), 4);
    store<i16>(node, <i16>i, 6);
  }
}

function listWork(seed: i32): u32 {
  let head: usize = LIST;
  // find the node whose value is largest, sum all values
  let sum: u32 = 0, best: i32 = -1, bestIndex: i32 = -1;
  for (let p = head; p != 0; p = <usize>load<u32>(p)) {
    const v = <i32>load<i16>(p, 4);
    sum += <u32>v;
    if (v > best) { best = v; bestIndex = <i32>load<i16>(p, 6); }
  }
  // reverse the list in place, then walk it again
  let prev: usize = 0, cur: usize = head;
  while (cur != 0) {
    const next = <usize>load<u32>(cur);
    store<u32>(cur, <u32>prev);
    prev = cur;
    cur = next;
  }
  let order: u32 = 0;
  for (let p = prev; p != 0; p = <usize>load<u32>(p)) order = order * 31 + <u32>load<i16>(p, 6);
  // restore the order
  cur = prev; prev = 0;
  while (cur != 0) {
    const next = <usize>load<u32>(cur);
    store<u32>(cur, <u32>prev);
    prev = cur;
    cur = next;
  }
  return sum ^ <u32>bestIndex ^ (order << 3) ^ <u32>seed;
}

// ---- matrix: 16-bit A, B; 32-bit C
const A: usize = 8192;
const B: usize = A + 2 * M * M;
const C: usize = B + 2 * M * M;

function matrixInit(seed: i32): void {
  for (let i = 0; i < M * M; i++) {
    store<i16>(A + 2 * <usize>i, <i16>((i * 3 + seed) % 17 - 8));
    store<i16>(B + 2 * <usize>i, <i16>((i * 5 + seed) % 13 - 6));
  }
}

function matrixWork(): u32 {
  let acc: u32 = 0;
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < M; j++) {
      let s: i32 = 0;
      for (let k = 0; k < M; k++) {
        s += <i32>load<i16>(A + 2 * <usize>(i * M + k)) * <i32>load<i16>(B + 2 * <usize>(k * M + j));
      }
      store<i32>(C + 4 * <usize>(i * M + j), s);
      acc += (<u32>s >> 2) & 0xF;
    }
  }
  // matrix times a constant, then bit fields
  for (let i = 0; i < M * M; i++) acc += (<u32>(load<i32>(C + 4 * <usize>i) * 7) >> 3) & 0x3F;
  return acc;
}

// ---- state machine over a byte string of number-like tokens
const S: usize = 12288;
const SLEN: i32 = 256;

function stateInit(seed: i32): void {
  const alphabet = "0123456789+-.e,x ";
  for (let i = 0; i < SLEN; i++) {
    store<u8>(S + <usize>i, <u8>alphabet.charCodeAt((i * 11 + seed) % alphabet.length));
  }
}

function stateWork(): u32 {
  // states: 0 start, 1 int, 2 sign, 3 frac, 4 exp, 5 invalid
  let state = 0, counts: u32 = 0, transitions: u32 = 0;
  for (let i = 0; i < SLEN; i++) {
    const c = <i32>load<u8>(S + <usize>i);
    const prevState = state;
    if (c == 44 /* , */ || c == 32) {
      counts += <u32>(state + 1) << (state * 4);
      state = 0;
    } else {
      switch (state) {
        case 0: state = c >= 48 && c <= 57 ? 1 : (c == 43 || c == 45 ? 2 : (c == 46 ? 3 : 5)); break;
        case 1: state = c >= 48 && c <= 57 ? 1 : (c == 46 ? 3 : (c == 101 ? 4 : 5)); break;
        case 2: state = c >= 48 && c <= 57 ? 1 : (c == 46 ? 3 : 5); break;
        case 3: state = c >= 48 && c <= 57 ? 3 : (c == 101 ? 4 : 5); break;
        case 4: state = c >= 48 && c <= 57 ? 4 : (c == 43 || c == 45 ? 4 : 5); break;
        default: state = 5;
      }
    }
    if (state != prevState) transitions++;
  }
  return counts ^ (transitions << 16);
}

export function run(): i32 {
  crc = 0;
  for (let it = 0; it < ITERATIONS; it++) {
    listInit(it);
    matrixInit(it);
    stateInit(it);
    crc16(listWork(it));
    crc16(matrixWork());
    crc16(stateWork());
  }
  return <i32>crc;
}
