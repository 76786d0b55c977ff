// The noisy line the link tests use: 1% of bytes replaced in each direction, and now and
// then a burst of 16 bad bytes (host-tools/src/link/transport.ts, seeded per test).
import assert from "node:assert/strict";
import type { LinkEvent } from "../../host-tools/src/link/session.js";
import type { FaultModel } from "../../host-tools/src/link/transport.js";

export const ONE_PERCENT: Omit<FaultModel, "seed"> = { corrupt: 0.01, drop: 0, duplicate: 0, dropChunk: 0, maxDelayMs: 0, burst: 0.0002, burstLength: 16 };

/** Through the noise, log lines are not resent (some are lost or garbled), but the decoder
 * resynchronises: waits up to `ms` for `count` more intact blink lines than there are now. */
export async function expectIntactBlinkLines(events: readonly LinkEvent[], count: number, ms: number): Promise<void> {
  const seen = () => events.filter((e) => e.kind === "log" && /^blink #\d+: led (on|off) at \d+ ms$/.test(e.text)).length;
  const before = seen();
  const t0 = Date.now();
  while (seen() < before + count && Date.now() - t0 < ms) await new Promise((res) => setTimeout(res, 50));
  assert.ok(seen() >= before + count, `intact blink lines after the deploy: ${seen() - before}`);
}
