// `wasmcu ota push`: a signed image or a delta patch over the device link, then the
// device's decision, a reboot into the new image (on trial) and the wait for the app to
// confirm itself. The device checks everything again; the host's checks only give
// clearer errors sooner. Commands are described in host-tools/src/link/README.md.
import { formatSemVer, HEADER_SIZE, IMAGE_MAGIC, parseImage, type ImageHeader } from "../ota/image.js";
import { PATCH_HEADER_SIZE, PATCH_MAGIC, parsePatchHeader, type PatchHeader } from "../ota/delta.js";
import { isFirmwareFile } from "../ota/firmware.js";
import { parseFirmwareDelta } from "../ota/firmware-delta.js";
import { EXIT } from "../lib/exit-codes.js";
import { DeviceError, InputError } from "../lib/errors.js";
import { Cmd, LinkStatus, OtaMode, STATUS_TEXT } from "../link/constants.js";
import { CHUNK_BYTES, DeviceLink, type CommandResult } from "../link/session.js";

export type UpdateFile = { mode: "image"; header: ImageHeader; bytes: Uint8Array } | { mode: "patch"; header: PatchHeader; bytes: Uint8Array };

/** Two delta patches back to back (ota/firmware-delta.ts), not one. */
function isFirmwareDelta(bytes: Uint8Array): boolean {
  try {
    parseFirmwareDelta(bytes, "delta");
    return true;
  } catch {
    return false;
  }
}

/** Reads what `wasmcu sign` or `wasmcu ota make` wrote; anything else is refused here. */
export function parseUpdateFile(bytes: Uint8Array, what: string): UpdateFile {
  const magic = bytes.length >= 4 ? Buffer.from(bytes.buffer, bytes.byteOffset, 4).readUInt32LE(0) : 0;
  if (isFirmwareFile(bytes) || (magic === PATCH_MAGIC && isFirmwareDelta(bytes))) {
    throw new InputError(`${what}: a board's firmware${magic === PATCH_MAGIC ? " delta" : " file"}, not an app or model update`,
      "wasmcu flash --board rp2040|host --port P FILE sends the image or patch for the bank the board runs");
  }
  if (magic === IMAGE_MAGIC) {
    const header = parseImage(bytes, what);
    if (bytes.length !== HEADER_SIZE + header.payloadLength) {
      throw new InputError(`${what}: ${bytes.length} bytes, but its header announces ${HEADER_SIZE + header.payloadLength}`);
    }
    return { mode: "image", header, bytes };
  }
  if (magic === PATCH_MAGIC) return { mode: "patch", header: parsePatchHeader(bytes, what), bytes };
  throw new InputError(`${what}: neither a signed image (WOTA) nor a delta patch (WDLT)`,
    "make one with `wasmcu sign` or `wasmcu ota make`");
}

/** One slot pair as the device's handshake describes it ("ota" member). */
export interface PairStatus {
  signed: boolean;
  floor: number;
  slot?: string;
  state?: "trial" | "confirmed";
  kind?: string;
  version?: string;
  counter?: number;
  key_id?: string;
  trial_boots?: number;
  pending?: string;
  rolled_back: boolean;
  rejected?: string;
}

export interface OtaStatus {
  keys: string[];
  app: PairStatus;
  model: PairStatus;
  /** Boards whose bootloader runs signed firmware images (boards/rp2040/boot): the firmware banks. */
  firmware?: PairStatus;
}

/** What each slot pair runs (the OTA_STATUS command). */
export async function otaStatus(link: DeviceLink): Promise<OtaStatus> {
  let data: Uint8Array;
  try {
    data = await link.json("ota status", Cmd.OtaStatus);
  } catch (e) {
    if (e instanceof DeviceError && e.message.includes(`"${STATUS_TEXT[LinkStatus.Unknown]}"`)) {
      throw new DeviceError("this board's firmware does not report OTA state (it predates signed updates)", "rebuild and flash the firmware");
    }
    throw e;
  }
  const o = JSON.parse(new TextDecoder().decode(data)) as OtaStatus;
  if (!o || typeof o !== "object" || !o.app || !o.model) throw new DeviceError("ota status: the device's answer is not the documented JSON");
  return o;
}

/** What the device said at the end of the transfer. */
export interface Decision {
  pair: "app" | "model" | "firmware";
  slot: string;
  /** pending: tried on trial at the next boot; adopt: the first signed image, taken as confirmed at the next boot. */
  decision: "pending" | "adopt";
  kind: string;
  version: string;
  counter: number;
  key_id: string;
}

export type Outcome = "confirmed" | "trial" | "rolled-back" | "installed";

export interface PushResult {
  mode: "image" | "patch";
  bytes: number;
  seconds: number;
  decision: Decision;
  /** After the reboot (absent with reboot: false). */
  outcome: Outcome;
  before: OtaStatus;
  after?: OtaStatus;
  /** Why the device abandoned the new image, when it did. */
  reason?: string;
}

export interface PushOptions {
  /** Reset into the new image after the device accepted it (default true). */
  reboot?: boolean;
  /** How long to wait for the app to confirm itself after the reboot; 0: do not wait. */
  confirmTimeoutMs?: number;
  onProgress?: (sent: number, total: number) => void;
  onStage?: (what: string) => void;
}

/** The device refused the update's content (signature, counter, base image): the job failed
 * (exit 1), the device and its link are fine. */
export class UpdateRejectedError extends DeviceError {
  override readonly exitCode: number = EXIT.FAILED;
}

function beginPayload(u: UpdateFile): Uint8Array {
  const headerBytes = u.mode === "image" ? HEADER_SIZE : PATCH_HEADER_SIZE;
  const p = new Uint8Array(5 + headerBytes);
  p[0] = u.mode === "image" ? OtaMode.Image : OtaMode.Patch;
  new DataView(p.buffer).setUint32(1, u.bytes.length, true);
  p.set(u.bytes.subarray(0, headerBytes), 5);
  return p;
}

/** Throws for anything but ok: Rejected is the device refusing the update, the rest link errors. */
function checkAnswer(r: CommandResult, what: string): void {
  if (r.status === LinkStatus.Rejected) throw new UpdateRejectedError(`the device rejected the update: ${r.detail}`, "the running image was not touched");
  if (r.status !== LinkStatus.Ok) throw new DeviceError(`${what}: the device answered status ${r.status}${r.detail ? ` (${r.detail})` : ""}`, "the running image was not touched");
}

/** `workMs`: how long the device may take (hashing, verifying); see CommandOptions.workMs
 * (a CI run at 1% noise once saw 17 sends of OTA_BEGIN go unanswered in twice the time). The
 * host board answers OTA_BEGIN in under 10 ms; a board's slowest begin (a patch hashing its
 * base) is still answered, only later. */
async function expectOk(link: DeviceLink, what: string, type: Cmd, payload: Uint8Array | undefined,
  opts: { workMs: number; expectData?: boolean }): Promise<Uint8Array | undefined> {
  const r = await link.command(type, payload, opts);
  checkAnswer(r, what);
  return r.data.at(-1);
}

/** Sends the whole file in order; the device feeds it to its patcher or image writer as it
 * comes. Pieces are sized by the line (DeviceLink.pieces): a piece that gets no answer is
 * sent again smaller (the device acknowledges bytes it already took without feeding them
 * twice); after a run of clean answers pieces grow back. */
async function transfer(link: DeviceLink, u: UpdateFile, onProgress?: (sent: number, total: number) => void): Promise<void> {
  // Beginning a patch hashes the running image; beginning anything may erase a state record.
  await expectOk(link, "update begin", Cmd.OtaBegin, beginPayload(u), { workMs: 30_000 });
  const total = u.bytes.length;
  await link.pieces(total, CHUNK_BYTES, async (off, n, o) => {
    const p = new Uint8Array(4 + n);
    new DataView(p.buffer).setUint32(0, off, true);
    p.set(u.bytes.subarray(off, off + n), 4);
    // A piece may erase a flash sector (tens to hundreds of ms) before it is programmed:
    // on a clean line the wait allows for that; on a lossy one a repeat is harmless.
    checkAnswer(await link.command(Cmd.OtaData, p, { ...o, timeoutMs: 3_000 }), `update data at ${off}`);
    onProgress?.(off + n, total);
  });
}

async function finish(link: DeviceLink): Promise<Decision> {
  // The device checks the new image's hash and signature here (seconds on a slow core).
  const data = await expectOk(link, "update finish", Cmd.OtaFinish, undefined, { workMs: 120_000, expectData: true });
  if (!data) throw new DeviceError("update finish: the device accepted the update but sent no decision");
  return JSON.parse(new TextDecoder().decode(data)) as Decision;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Asks for the handshake until the device answers (it may be rebooting, or checking a signature). */
async function statusAfterReset(link: DeviceLink, budgetMs: number): Promise<OtaStatus> {
  await link.connect(budgetMs);
  return otaStatus(link);
}

function pairOf(s: OtaStatus, pair: Decision["pair"]): PairStatus {
  const p = s[pair];
  if (!p) throw new DeviceError(`ota status: the device reports no ${pair} pair after the reboot`);
  return p;
}

function outcomeOf(d: Decision, s: PairStatus): { outcome: Outcome; reason?: string } {
  const isNew = s.signed && s.version === d.version && s.counter === d.counter && s.slot === d.slot;
  if (isNew && s.state === "confirmed") return { outcome: "confirmed" };
  if (isNew && s.state === "trial") return { outcome: "trial" };
  if (s.rolled_back || s.rejected || !isNew) {
    return { outcome: "rolled-back", reason: s.rejected ?? (s.rolled_back ? "the trial image failed (watchdog reset, a trap, or too many boots)" : "the device runs another image") };
  }
  return { outcome: "installed" };
}

export async function pushUpdate(link: DeviceLink, u: UpdateFile, opts: PushOptions = {}): Promise<PushResult> {
  const t0 = Date.now();
  const before = await otaStatus(link);
  opts.onStage?.(`sending ${u.mode === "image" ? `signed ${u.header.kind} image ${formatSemVer(u.header.version)}` : "delta patch"} (${u.bytes.length} bytes)`);
  await transfer(link, u, opts.onProgress);
  const decision = await finish(link);
  const result: PushResult = { mode: u.mode, bytes: u.bytes.length, seconds: 0, decision, outcome: "installed", before };
  if (opts.reboot === false) {
    result.seconds = (Date.now() - t0) / 1000;
    return result;
  }
  opts.onStage?.(`device accepted ${decision.kind} ${decision.version} into ${decision.slot} (${decision.decision}); rebooting into it`);
  await link.reset();
  await sleep(200);
  let after = await statusAfterReset(link, 120_000);
  let o = outcomeOf(decision, pairOf(after, decision.pair));
  const deadline = Date.now() + (opts.confirmTimeoutMs ?? 30_000);
  if (o.outcome === "trial" && (opts.confirmTimeoutMs ?? 30_000) > 0) opts.onStage?.("running on trial; waiting for the app to confirm itself");
  while (o.outcome === "trial" && Date.now() < deadline) {
    await sleep(250);
    // The trial app may trap and the watchdog reset the chip meanwhile: keep asking.
    after = await statusAfterReset(link, Math.max(5_000, deadline - Date.now()));
    o = outcomeOf(decision, pairOf(after, decision.pair));
  }
  Object.assign(result, { after, outcome: o.outcome, ...(o.reason ? { reason: o.reason } : {}), seconds: (Date.now() - t0) / 1000 });
  return result;
}

/** Asks the device to confirm its running trial image (as `mcumgr image confirm` does). */
export async function confirmRunning(link: DeviceLink): Promise<OtaStatus> {
  await expectOk(link, "confirm", Cmd.OtaConfirm, undefined, { workMs: 10_000 });
  return otaStatus(link);
}
