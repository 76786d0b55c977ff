// A StaticArray read past its end: the standard library aborts with "Index out of range".
import { log } from "../../../../../firmware/sdk/index";

const window = new StaticArray<i32>(4);
let n = 0;

export function setup(): void {
  log.info("index: started");
}

export function loop(): void {
  n++;
  const last = window[n + 2];
  log.info("last " + last.toString());
}
