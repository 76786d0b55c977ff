// Allocation soak: every loop() builds a log line and a 1 KiB buffer and drops both (100 MiB
// over 100,000 loops in a memory of 64 KiB). Under the device build's minimal runtime nothing
// collects inside the app: the device collects between loops (every 16th). Every 10,000 loops it says how
// far it got and how many pages its memory has.
import { log } from "../../../../../firmware/sdk/index";

let n = 0;
let sum: u32 = 0;

export function setup(): void {
  log.info("soak: started");
}

export function loop(): void {
  n++;
  const line = "soak loop " + n.toString() + ", sum " + sum.toString();
  const buf = new Uint8Array(1024);
  buf[n & 1023] = <u8>line.length;
  sum += buf[n & 1023];
  if (n % 10000 == 0) log.info("soak " + n.toString() + " loops, " + memory.size().toString() + " page(s)");
}
