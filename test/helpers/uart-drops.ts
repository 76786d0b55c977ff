// Zero bytes dropped by an emulated chip's UART0 (rp2040-sim or esp32c3-sim) in a whole test
// file, wherever its chips ran: in this process (startRp2040Sim, Esp32c3), in emulator
// processes (launchSimBoard) or under the CLI (`wasmcu ... --board rp2040-sim|esp32c3-sim`).
// Importing this module points WASMCU_SIM_UART_LOG at a fresh file before any chip starts
// (host-tools/src/sim/uart-log.ts appends to it, and child
// processes inherit it); `noUartDropsTest()`, called last in the file, adds the test that reads it.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";

const logFile = path.join(mkdtempSync(path.join(os.tmpdir(), "wasmcu-uart-log-")), "uart.log");
process.env.WASMCU_SIM_UART_LOG = logFile;

/** The log's lines so far: `start PID` per chip, `uart-dropped TOTAL CYCLE PID` per lost byte. */
export function uartLogLines(): string[] {
  return existsSync(logFile) ? readFileSync(logFile, "utf8").split("\n").filter(Boolean) : [];
}

/**
 * The file's last test: every emulated chip it started dropped no byte sent to its UART0 (its
 * RX FIFO, 32 bytes on the RP2040, 128 on the ESP32-C3, never overflowed). `skip` as the file's own tests are skipped.
 */
export function noUartDropsTest(skip: string | false = false, sim = "rp2040-sim"): void {
  test(`${sim} dropped no byte sent to its UART in this file's sessions (no RX FIFO overrun)`, { skip }, async () => {
    // Emulator processes write as they go; a chip stopping in another process gets a moment.
    await new Promise((r) => setTimeout(r, 200));
    const lines = uartLogLines();
    assert.ok(lines.some((l) => l.startsWith("start ")), `no emulated chip started in this file (${logFile} is empty): nothing was checked`);
    const drops = lines.filter((l) => l.startsWith("uart-dropped "));
    assert.deepEqual(drops, [], `bytes sent to an emulated UART0 were dropped (uart-dropped TOTAL CYCLE PID): ${drops.slice(0, 5).join("; ")}`);
  });
}
