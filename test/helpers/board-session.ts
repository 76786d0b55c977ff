// A started board with its link open and every event it sent kept: what the boot tests of
// each board (test/boards/*/boot.test.ts) drive.
import type { LaunchedBoard } from "../../host-tools/src/boards/launch.js";
import { DeviceLink, type LinkEvent } from "../../host-tools/src/link/session.js";
import { openSerial } from "../../host-tools/src/link/transport.js";

export interface BoardSession {
  board: LaunchedBoard;
  link: DeviceLink;
  events: LinkEvent[];
}

/** Opens the board's link (115200 baud) and waits up to `connectMs` for its handshake. */
export async function linkTo(board: LaunchedBoard, connectMs: number): Promise<BoardSession> {
  const link = new DeviceLink(await openSerial(board.uartPath, 115200), { timeoutMs: 5000, attempts: 3 });
  const events: LinkEvent[] = [];
  link.onEvent((e) => events.push(e));
  await link.connect(connectMs);
  return { board, link, events };
}

/** Closes the link and stops the board (either may already be gone). */
export async function endSession(s: BoardSession | undefined): Promise<void> {
  await s?.link.close().catch(() => {});
  await s?.board.stop();
}

/** The text of the log events the board sent. */
export const logLines = (s: BoardSession): string[] => s.events.flatMap((e) => (e.kind === "log" ? [e.text] : []));
