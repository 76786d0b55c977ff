// A noisy serial line a CLI command can open: a pseudo-terminal relayed to a board's port
// through the link's seeded fault model (ONE_PERCENT: 1% of bytes changed in each direction,
// and bursts). The CLI opens `path` exactly as it opens a real port; `stats` counts the damage.
import { openPtyBridge } from "../../host-tools/src/sim/pty.js";
import { faultyTransport, type FaultStats } from "../../host-tools/src/link/transport.js";
import { openBoardPort } from "./board-port.js";
import { ONE_PERCENT } from "./noise.js";

export interface NoisyLine {
  /** The pseudo-terminal to give the CLI as --port. */
  path: string;
  stats: FaultStats;
  close(): Promise<void>;
}

export async function noisyLine(boardPort: string, seed: number, baud = 115200): Promise<NoisyLine> {
  const line = faultyTransport(await openBoardPort(boardPort, baud), { ...ONE_PERCENT, seed });
  const pty = await openPtyBridge((bytes) => line.write(bytes));
  line.onData((bytes) => pty.write(bytes));
  return {
    path: pty.path,
    stats: line.stats,
    close: async () => {
      await pty.close();
      await line.close();
    },
  };
}
