// --port handling shared by the commands that talk to a board.
import { pickPort } from "./ports.js";

/** The --port value, or the one serial port that looks like a board of this kind. */
export async function resolvePort(port: string | undefined, board?: string): Promise<string> {
  return port ?? (await pickPort(board));
}
