// --port handling shared by the commands that talk to a board.
import { UsageError } from "../lib/errors.js";

/** The --port value, or the one serial port that looks like a wasmcu board. */
export async function resolvePort(port: string | undefined, board?: string): Promise<string> {
  if (port) return port;
  try {
    const spec = "./ports.js"; // written alongside; optional until it lands
    const ports = (await import(spec)) as { pickPort?: (board?: string) => Promise<string> | string };
    if (ports.pickPort) return await ports.pickPort(board);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ERR_MODULE_NOT_FOUND") throw e;
  }
  throw new UsageError("no --port given", "pass the board's serial port, e.g. --port /dev/ttyACM0 (the host board prints its pty as `uart: PATH`)");
}
