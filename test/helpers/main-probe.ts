// A child process entry: runs the CLI's main (the TypeScript, under tsx) as host-tools/bin
// does, then prints on stderr what main left keeping the event loop alive (timers, child
// processes, pipes, pending file requests: Node's process.getActiveResourcesInfo(), less what
// the process had before main). A native handle (a serial port's poller) is not listed there:
// whether the process then exits by itself is the caller's check (cli.ts, wasmcuMain).
import { main } from "../../host-tools/src/cli.js";
import { PROBE_MARK } from "./cli.js";

void process.stdout.fd; // stdio first: its pipes are there before main and after it
void process.stderr.fd;
const before = process.getActiveResourcesInfo();
process.exitCode = await main(process.argv);
const left = process.getActiveResourcesInfo();
for (const r of before) {
  const i = left.indexOf(r);
  if (i >= 0) left.splice(i, 1);
}
process.stderr.write(`${PROBE_MARK}${JSON.stringify(left)}\n`);
