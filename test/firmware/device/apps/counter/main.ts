// A test app whose log lines say which build is running (VERSION is patched per test).
import { log, time } from "../../../../../firmware/sdk/index";

const VERSION = "v1";
let n = 0;

export function setup(): void {
  log.info("counter " + VERSION + " up");
}

export function loop(): void {
  n++;
  log.info("counter " + VERSION + " tick " + n.toString());
  time.sleep(100);
}
