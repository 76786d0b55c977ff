// WASMCU_SIM_UART_LOG=FILE: every emulated chip (rp2040-sim or esp32c3-sim), in whatever
// process runs it (a test, the CLI, the emulator's own), appends `start PID` when it starts and
// `uart-dropped TOTAL CYCLE PID` for each byte its UART0 drops, written at once so that a chip
// killed later still counts. Tests read it to assert that no byte was lost in any session
// (test/helpers/uart-drops.ts).
import { appendFileSync } from "node:fs";

export function uartLog(line: string): void {
  const file = process.env.WASMCU_SIM_UART_LOG;
  if (file) appendFileSync(file, `${line}\n`);
}
