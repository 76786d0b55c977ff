// The firmware update both boards' boot tests make first (test/boards/*/boot.test.ts): a board
// running firmware 1.1.0 confirmed in fw_a takes 1.2.0 (counter 2) over the link into fw_b,
// boots it on trial, and it confirms itself after its self-check.
import assert from "node:assert/strict";
import type { FirmwareImage } from "../../host-tools/src/ota/firmware.js";
import { flashFirmwareOverLink } from "../../host-tools/src/workflows/firmware-flash.js";
import { otaStatus } from "../../host-tools/src/workflows/ota-push.js";
import { logLines, type BoardSession } from "./board-session.js";

export async function updateFromFwAToFwB(s: BoardSession, v2: FirmwareImage[]): Promise<void> {
  const st = await otaStatus(s.link);
  assert.deepEqual([st.firmware?.signed, st.firmware?.slot, st.firmware?.state, st.firmware?.version, st.firmware?.kind],
    [true, "fw_a", "confirmed", "1.1.0", "firmware"]);
  const r = await flashFirmwareOverLink(s.link, v2, "v2", { confirmTimeoutMs: 60_000 });
  assert.deepEqual([r.bank, r.decision.pair, r.decision.decision, r.outcome], ["fw_b", "firmware", "pending", "confirmed"]);
  const after = await otaStatus(s.link);
  assert.deepEqual([after.firmware?.slot, after.firmware?.state, after.firmware?.version, after.firmware?.floor], ["fw_b", "confirmed", "1.2.0", 2]);
  const logs = logLines(s);
  assert.ok(logs.some((l) => /firmware 1\.2\.0 in fw_b passed its self-check: confirmed/.test(l)), logs.join("\n"));
}

export interface FirmwareRow { slot?: string; state?: string; version?: string; signed?: boolean; floor?: number }

/** The firmware pair's row in `wasmcu ota status --json`'s output. */
export function firmwareOf(stdout: string): FirmwareRow | undefined {
  return (JSON.parse(stdout) as { firmware?: FirmwareRow }).firmware;
}
