// Time since boot, and waiting. Waiting lets the device serve its link meanwhile.

@external("wasmcu", "time_us")
declare function time_us(): i64;
@external("wasmcu", "time_ms")
declare function time_ms(): i32;
@external("wasmcu", "sleep_ms")
declare function sleep_ms(ms: i32): void;
@external("wasmcu", "sleep_until_us")
declare function sleep_until_us(us: i64): void;

/** Microseconds since boot (monotonic). */
export function micros(): i64 {
  return time_us();
}

/** Milliseconds since boot (wraps after 24.8 days). */
export function millis(): i32 {
  return time_ms();
}

export function sleep(ms: i32): void {
  sleep_ms(ms);
}

/** Waits until micros() reaches `us` (at once if it has): for sampling on a fixed grid. */
export function sleepUntil(us: i64): void {
  if (us > 0) sleep_until_us(us);
}
