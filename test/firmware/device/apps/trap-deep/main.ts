// unreachable() three calls deep: loop -> outer -> middle -> inner.
import { log } from "../../../../../firmware/sdk/index";

let n = 0;

function inner(k: i32): i32 {
  if (k > 1) unreachable();
  return k + 1;
}

function middle(k: i32): i32 {
  log.info("middle " + k.toString());
  return inner(k) * 2;
}

function outer(k: i32): i32 {
  log.info("outer " + k.toString());
  return middle(k) + 1;
}

export function setup(): void {
  // a second call of each keeps the optimizer from inlining them into loop(): three frames
  log.info("deep: started " + (outer(0) + middle(0) + inner(0)).toString());
}

export function loop(): void {
  n++;
  log.info("got " + outer(n).toString());
}

// For a CALL from the host: traps two calls deep (check -> inner).
export function check(): i32 {
  log.info("check");
  return inner(5);
}
