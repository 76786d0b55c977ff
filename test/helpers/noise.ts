// The noisy line the link tests use: 1% of bytes replaced in each direction, and now and
// then a burst of 16 bad bytes (host-tools/src/link/transport.ts, seeded per test).
import type { FaultModel } from "../../host-tools/src/link/transport.js";

export const ONE_PERCENT: Omit<FaultModel, "seed"> = { corrupt: 0.01, drop: 0, duplicate: 0, dropChunk: 0, maxDelayMs: 0, burst: 0.0002, burstLength: 16 };
