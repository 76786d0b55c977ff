// AssemblyScript programs run by both wasmcu-vm and Node's WebAssembly in
// assemblyscript.test.ts; every export must give the same result in both.

export function fib(n: i32): i32 {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

export function sumSquares(n: i32): i64 {
  let s: i64 = 0;
  for (let i = 0; i < n; i++) s += <i64>i * <i64>i;
  return s;
}

export function floatMath(x: f64): f64 {
  return Math.sqrt(x) + Math.floor(x / 3) + <f64>Mathf.round(<f32>x * 1.5) + <f64>nearest<f32>(<f32>x) + Math.min(x, -x);
}

// strings and arrays allocate through the runtime (stub, minimal or incremental)
export function stringWork(n: i32): i32 {
  let s = "";
  for (let i = 0; i < n; i++) s += i.toString();
  return s.length * 31 + s.charCodeAt(s.length - 1);
}

export function arrayWork(n: i32): i32 {
  const a = new Array<i32>();
  for (let i = 0; i < n; i++) a.push(i * 7 % 13);
  a.sort();
  let h = 0;
  for (let i = 0; i < a.length; i++) h = h * 31 + a[i];
  return h;
}

export function mapWork(n: i32): i32 {
  const m = new Map<i32, i32>();
  for (let i = 0; i < n; i++) m.set(i % 97, i);
  let s = 0;
  const keys = m.keys();
  for (let i = 0; i < keys.length; i++) s += m.get(keys[i]);
  return s + m.size;
}

export function bytes(n: i32): u32 {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = <u8>(i * 37);
  b.copyWithin(1, 0, n - 1);
  b.fill(9, 0, 3);
  let h: u32 = 2166136261;
  for (let i = 0; i < n; i++) h = (h ^ b[i]) * 16777619;
  return h;
}

export function convert(x: f32): i32 {
  return <i32>x + <i32>(<f64>x * 1e10); // saturating truncation
}

class Point {
  constructor(public x: f64, public y: f64) {}
  norm(): f64 { return Math.sqrt(this.x * this.x + this.y * this.y); }
}

export function objects(n: i32): f64 {
  let total = 0.0;
  for (let i = 0; i < n; i++) total += new Point(<f64>i, <f64>(n - i)).norm();
  return total;
}

export function fails(x: i32): i32 {
  assert(x < 10, "x must be below 10");
  return x;
}
