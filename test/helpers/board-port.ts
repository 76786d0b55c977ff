// Opening an emulated board's port from a test, waiting out a short-lived lock. Twice in
// clean-clone runs (esp32c3-sim, then rp2040-sim) a test's open of a board's pseudo-terminal
// failed with "Cannot lock port" right after the previous test had closed its own handle on
// it, and every later open in the file failed too within milliseconds. Retrying for a while
// tells a lock that is being released from one that is held; if it stays held, the error
// names the processes that have the terminal open (fuser), so the next run shows who.
import { spawnSync } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { openSerial, type Transport } from "../../host-tools/src/link/transport.js";

export async function openBoardPort(path: string, baud = 115200, waitMs = 30_000): Promise<Transport> {
  const until = Date.now() + waitMs;
  for (;;) {
    try {
      return await openSerial(path, baud);
    } catch (e) {
      if (!/Cannot lock port/.test((e as Error).message)) throw e;
      if (Date.now() >= until) throw new Error(`${(e as Error).message}; held by: ${holders(path)}`);
      await sleep(250);
    }
  }
}

function holders(path: string): string {
  const r = spawnSync("fuser", ["-v", path], { encoding: "utf8" });
  return `${r.stdout}${r.stderr}`.trim().replace(/\s+/g, " ") || "(fuser found no process)";
}
