// --port handling shared by the commands that talk to a board: a path, the name of a local
// board started with `wasmcu board start NAME`, or nothing (the one candidate).
import { existsSync } from "node:fs";
import { looksLikeBoardName, requireLocalBoard } from "../boards/local.js";
import { resolveBoard, type BoardTarget } from "../boards/registry.js";
import { pickPort } from "./ports.js";

/** The serial port a --port value means: a local board's name gives that board's pty. */
export function portPath(port: string): string {
  return isBoardName(port) ? requireLocalBoard(port).port : port;
}

// A file of that name in the working folder is taken as given: paths win over names.
const isBoardName = (port: string) => looksLikeBoardName(port) && !existsSync(port);

/**
 * The port, and the kind of board behind it: a local board's name says its kind (so
 * `--port NAME` needs no --board, and an emulated board's figures are labelled emulated).
 */
export async function resolveBoardPort(port: string | undefined, target: BoardTarget): Promise<{ port: string; target: BoardTarget }> {
  if (port !== undefined && isBoardName(port)) {
    const b = requireLocalBoard(port);
    return { port: b.port, target: resolveBoard(b.board) };
  }
  return { port: await resolvePort(port, target.name), target };
}

/** The --port value, or the one serial port that looks like a board of this kind. */
export async function resolvePort(port: string | undefined, board?: string): Promise<string> {
  return port !== undefined ? portPath(port) : await pickPort(board);
}
