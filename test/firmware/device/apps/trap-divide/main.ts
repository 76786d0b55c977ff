// A planted division by zero: readSample divides by (3 - n), which is 0 on the third loop().
import { log } from "../../../../../firmware/sdk/index";

let n = 0;
let scale = 3;

function readSample(k: i32): i32 {
  return 1000 / (scale - k);
}

export function setup(): void {
  log.info("divide: started");
}

export function loop(): void {
  n++;
  const v = readSample(n);
  log.info("sample " + v.toString());
}
