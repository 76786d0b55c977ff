// Device events as a person reads them: one line per log line, GPIO change, app state,
// handshake, stray text or dropped bytes. `wasmcu run`, `monitor`, `deploy` and `ota` print these.
import type { LinkEvent } from "../link/session.js";
import { describeTrap, type SourceTrap } from "./traps.js";

/** What the link reports (a trap with its source positions, once looked up), or a GPIO change the emulator reports with its cycle count. */
export type RunEvent = LinkEvent | SourceTrap | { kind: "sim-gpio"; pin: number; level: number; cycle: number };

/** One line per device event, as a person reads it; undefined for events not shown as text. */
export function describeEvent(e: RunEvent): string | undefined {
  switch (e.kind) {
    case "log":
      return `[${(e.timeMs / 1000).toFixed(3).padStart(9)}] ${e.level.padEnd(5)} ${e.text}`;
    case "gpio":
      return `[${(e.timeUs / 1e6).toFixed(3).padStart(9)}] gpio  pin ${e.pin} -> ${e.level ? "high" : "low"}`;
    case "sim-gpio":
      return `[cycle ${String(e.cycle).padStart(11)}] gpio  pin ${e.pin} -> ${e.level ? "high" : "low"}`;
    case "hello":
      return `device: ${String(e.info.board)} firmware ${String(e.info.firmware)}, protocol ${String(e.info.protocol)}`;
    case "trap":
      return describeTrap(e);
    case "app":
      // the TRAP frame before it said what trapped and where: not again
      return e.state === "trapped" ? "app trapped" : `app ${e.state}${e.detail ? `: ${e.detail}` : ""}`;
    case "text":
      return e.text.replace(/\r?\n$/, "");
    case "garbage":
      return `(dropped ${e.bytes} bytes: ${e.reason})`;
    case "stream":
      return undefined; // sensor-stream bytes: `wasmcu monitor --record` writes them to a file
    default:
      return undefined;
  }
}

/** How loud an event is, for colour on a terminal: a log line's own level, "error" for a
 * trapped or invalid app, undefined for everything else. */
export function eventLevel(e: RunEvent): string | undefined {
  if (e.kind === "log") return e.level;
  if (e.kind === "app") return e.state === "trapped" || e.state === "invalid" ? "error" : undefined;
  return undefined;
}
