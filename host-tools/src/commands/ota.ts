import type { Command } from "commander";
import { applyDelta, encodeDelta, parsePatchHeader, PATCH_MAGIC, type DeltaStats } from "../ota/delta.js";
import { formatSemVer, IMAGE_MAGIC, parseImage } from "../ota/image.js";
import { resolveBoard } from "../boards/registry.js";
import { isFirmwareFile } from "../ota/firmware.js";
import { makeFirmwareDelta, patchServesBothBanks } from "../ota/firmware-delta.js";
import { parseBoardFirmwareDelta, parseBoardFirmwareFile } from "../boards/firmware.js";
import { InputError, UsageError, WasmcuError } from "../lib/errors.js";
import { EXIT } from "../lib/exit-codes.js";
import { checkOutputFile, checkStdoutFree, readInput, writeOutput } from "../lib/files.js";
import { formatBytes, Output, table } from "../lib/output.js";
import { confirmRunning, otaStatus, parseUpdateFile, pushUpdate, type OtaStatus, type PushResult, type UpdateFile } from "../workflows/ota-push.js";
import { resolveBoardPort } from "../serial/port-option.js";
import { progressBar } from "../lib/progress.js";
import { withLink, type DeviceLink, type LinkEvent } from "../link/session.js";
import { openSerial } from "../link/transport.js";
import { describeEvent, eventLevel } from "../workflows/events.js";

interface MakeOpts {
  from: string;
  to: string;
  output: string;
  board: string;
  json?: boolean;
}

/** `ota make` between two firmware files: one patch per running bank, the same one for both on the host board (ota/firmware-delta.ts). */
function makeFirmwareDeltaCommand(old: Buffer, nw: Buffer, opts: MakeOpts, out: Output): void {
  const board = resolveBoard(opts.board).board;
  const [o, n] = [parseBoardFirmwareFile(board, old, opts.from), parseBoardFirmwareFile(board, nw, opts.to)];
  const [oh, nh] = [o[0]!.header, n[0]!.header];
  if (nh.securityCounter < oh.securityCounter) {
    out.warn(`${opts.to} has security counter ${nh.securityCounter}, below ${oh.securityCounter}: boards running ${opts.from} will refuse it`);
  }
  const { file, stats } = makeFirmwareDelta(o, n, { from: opts.from, to: opts.to });
  writeOutput(opts.output, file, "patch");
  const parsed = parseBoardFirmwareDelta(board, file, opts.output);
  const patches = parsed.map((p) => ({ running: p.running, bytes: p.bytes.length }));
  const imageBytes = n[0]!.bytes.length;
  const sizes = patchServesBothBanks(parsed) ? `one patch of ${formatBytes(patches[0]!.bytes)} for either bank, listed for both`
    : patches.map((p) => `${formatBytes(p.bytes)} for a board running ${p.running}`).join(", ");
  out.resultBeside(opts.output, {
    output: opts.output, kind: "firmware", board: board.name, patches, patchBytes: file.length, newImageBytes: imageBytes,
    from: formatSemVer(oh.version), to: formatSemVer(nh.version), ...stats,
  }, () => `${opts.output}: firmware delta ${formatSemVer(oh.version)} -> ${formatSemVer(nh.version)}, ${sizes} (a full image is ${formatBytes(imageBytes)})`);
}

interface LinkOpts {
  board: string;
  port?: string;
  baud?: string;
  json?: boolean;
}

/** Opens the board's link, shakes hands and runs `use`; the link is closed however that ends,
 * a handshake nobody answers included. */
async function overLink<T>(opts: LinkOpts, use: (link: DeviceLink, port: string) => Promise<T>): Promise<T> {
  const { port, target } = await resolveBoardPort(opts.port, resolveBoard(opts.board));
  const baud = opts.baud ? Number(opts.baud) : target.board.serial.baud;
  return withLink(await openSerial(port, baud), { baud: opts.baud ? baud : 0, timeoutMs: 5000 }, async (link) => {
    await link.connect(30_000);
    return use(link, port);
  });
}

function withLinkOptions(c: Command): Command {
  return c
    .option("-b, --board <board>", "board kind (for serial settings)", "host")
    .option("-p, --port <port>", "serial port of the board, or the NAME of a local board (wasmcu board start NAME); default: the only candidate")
    .option("--baud <rate>", "baud rate (default: the board's)")
    .option("--json", "machine-readable output");
}

function describeStatus(s: OtaStatus): string {
  const pairs = (["app", "model", "firmware"] as const).flatMap((pair) => {
    const p = s[pair];
    return p ? [{ pair, p }] : [];
  });
  const rows = pairs.map(({ pair, p }) => {
    const what = p.signed ? `${p.kind} ${p.version} (counter ${p.counter}, key ${p.key_id})` : "development image or none";
    const notes = [p.pending ? `pending in ${p.pending}` : "", p.rolled_back ? "rolled back at this boot" : "",
      p.rejected ? `refused: ${p.rejected}` : ""].filter(Boolean).join("; ");
    return [pair, p.signed ? p.slot ?? "" : "-", p.signed ? p.state ?? "" : "-", what, String(p.floor), notes || "-"];
  });
  return table(["pair", "slot", "state", "running", "floor", "notes"], rows) + `\ntrusted keys: ${s.keys.join(", ") || "none"}`;
}

/** `ota status` and `ota confirm`: one request over the link, then the slot pairs as it left them. */
function statusAction(request: (link: DeviceLink) => Promise<OtaStatus>): (opts: LinkOpts) => Promise<void> {
  return async (opts) => {
    const out = new Output(opts);
    await overLink(opts, async (link, port) => {
      const s = await request(link);
      out.result({ port, ...s }, () => describeStatus(s));
    });
  };
}

function describePush(r: PushResult): string {
  const d = r.decision;
  const head = `${r.mode === "patch" ? "delta patch" : "signed image"} of ${formatBytes(r.bytes)} sent in ${r.seconds.toFixed(1)} s; ` +
    `the device verified ${d.kind} ${d.version} (counter ${d.counter}, key ${d.key_id}) into ${d.slot}`;
  switch (r.outcome) {
    case "confirmed": return `${head}\n${d.version} is running from ${d.slot} and ${d.decision === "adopt" ? "was adopted as the first signed image (confirmed)" : "confirmed itself"}`;
    case "trial": return `${head}\n${d.version} is running on trial from ${d.slot}; not confirmed yet`;
    case "installed": return `${head}\n${d.version} is ${d.decision === "adopt" ? "adopted" : "pending"}: it starts at the next reset`;
    case "rolled-back": return `${head}\nthe device went back to ${r.after?.[d.pair]?.version ?? "its previous image"}: ${r.reason}`;
  }
}

type PushOpts = LinkOpts & { reboot: boolean; confirmTimeout: string };

/** Pushes `update` over an open link and prints the outcome; a rollback or an unconfirmed trial is a failure. */
async function push(link: DeviceLink, port: string, update: UpdateFile, how: { reboot: boolean; timeout: number; json?: boolean }, out: Output): Promise<void> {
  const { reboot, timeout, json } = how;
  // The device's own words (rollbacks, the app confirming itself) as they come, except
  // while the progress bar is drawn: those wait for it to end.
  const show = (e: LinkEvent) => {
    if (!json && (e.kind === "log" || e.kind === "app")) out.deviceInfo(describeEvent(e)!, eventLevel(e));
  };
  let held: LinkEvent[] | undefined = [];
  link.onEvent((e) => (held ? held.push(e) : show(e)));
  const bar = progressBar("ota push", process.stderr, !json);
  const endBar = () => {
    bar.finish();
    const pending = held ?? [];
    held = undefined;
    pending.forEach(show);
  };
  const r = await pushUpdate(link, update, {
    reboot, confirmTimeoutMs: timeout * 1000,
    onProgress: (sent, total) => bar.update(sent, total),
    onStage: (what) => { endBar(); out.info(what); },
  }).finally(endBar);
  out.result({ port, ...r }, () => describePush(r));
  if (r.outcome === "rolled-back") {
    throw new WasmcuError(`the update to ${r.decision.version} was rolled back: ${r.reason}`,
      { code: "E_DEVICE", hint: "the previous image runs, unchanged", exitCode: EXIT.FAILED });
  }
  if (r.outcome === "trial" && reboot) {
    throw new WasmcuError(`${r.decision.version} runs on trial but did not confirm itself within ${timeout} s`, {
      code: "E_DEVICE", exitCode: EXIT.FAILED,
      hint: "an app confirms with ota.confirm() from firmware/sdk/ota.ts; unconfirmed, it is rolled back after a watchdog reset or a few boots",
    });
  }
}

export function register(program: Command): void {
  const ota = program.command("ota").description("over-the-air updates: delta patches between signed images, pushed over the link");

  withLinkOptions(ota
    .command("push <file>")
    .description("send a signed image or a delta patch to a board; it verifies it, boots it on trial, and the app confirms it")
    .option("--no-reboot", "leave the new image pending until the next reset")
    .option("--confirm-timeout <seconds>", "how long to wait for the new app to confirm itself", "30"))
    .action(async (file: string, opts: PushOpts) => {
      const out = new Output(opts);
      const update = parseUpdateFile(readInput(file, "update"), file);
      const timeout = Number(opts.confirmTimeout);
      if (!(timeout >= 0)) throw new UsageError(`--confirm-timeout ${opts.confirmTimeout}: expected seconds >= 0`);
      await overLink(opts, (link, port) => push(link, port, update, { reboot: opts.reboot, timeout, json: opts.json }, out));
    });

  withLinkOptions(ota
    .command("status")
    .description("what each slot pair of a board runs: signed or development image, trial or confirmed, security floor"))
    .action(statusAction(otaStatus));

  withLinkOptions(ota
    .command("confirm")
    .description("confirm the board's running trial image from the host (the app normally confirms itself)"))
    .action(statusAction(confirmRunning));

  ota
    .command("make")
    .description("make a delta patch that turns the exact image OLD into NEW on the device")
    .requiredOption("--from <old>", "signed image the device runs now")
    .requiredOption("--to <new>", "signed image to install")
    .requiredOption("-o, --output <patch>", "patch file to write (- for stdout)")
    .option("-b, --board <board>", "firmware files: the board they are signed for, rp2040 or host", "rp2040")
    .option("--json", "machine-readable output")
    .addHelpText("after", `
Between two firmware files (wasmcu sign --kind firmware), the delta holds two patches, one per
bank the board may run from (a board patches the bank it runs into the other one):
  rp2040 (.wimg with both bank builds): the running fw_a image to the new fw_b image, and
    fw_b's to fw_a's.
  host (--board host, .wimg with one wasmcu-host image): both banks hold the same executable,
    so the one patch from the old image to the new one is listed for both.
wasmcu flash --board rp2040|host --port P D.wdlt sends the one for the bank the board runs; the
board refuses a patch whose base is not the firmware it runs, and the flash command a delta
made for the other kind of board.`)
    .action((opts: MakeOpts) => {
      const out = new Output(opts);
      checkStdoutFree(opts.output, opts.json);
      checkOutputFile(opts.output, "patch");
      const old = readInput(opts.from, "old image"), nw = readInput(opts.to, "new image");
      if (isFirmwareFile(old) || isFirmwareFile(nw)) return makeFirmwareDeltaCommand(old, nw, opts, out);
      const oh = parseImage(old, opts.from), nh = parseImage(nw, opts.to);
      if (nh.securityCounter < oh.securityCounter) {
        out.warn(`${opts.to} has security counter ${nh.securityCounter}, below ${oh.securityCounter}: devices running ${opts.from} will refuse it`);
      }
      const stats: DeltaStats = { copyOps: 0, addOps: 0, insertOps: 0, insertedBytes: 0, diffBytes: 0 };
      const patch = encodeDelta(old, nw, stats);
      // the encoder is checked against the reference decoder before anything is written
      if (!applyDelta(old, patch).equals(nw)) throw new InputError("internal: the patch does not reproduce the new image");
      writeOutput(opts.output, patch, "patch");
      const ratio = patch.length / nw.length;
      out.resultBeside(opts.output, {
        output: opts.output, patchBytes: patch.length, newImageBytes: nw.length, ratio,
        from: formatSemVer(oh.version), to: formatSemVer(nh.version), ...stats,
      }, () => `${opts.output}: ${formatBytes(patch.length)} for a ${formatBytes(nw.length)} image (${(ratio * 100).toFixed(1)}%), ` +
        `${formatSemVer(oh.version)} -> ${formatSemVer(nh.version)}; ${stats.copyOps} copies, ${stats.addOps} diffs, ${stats.insertOps} inserts (${stats.insertedBytes} B)`);
    });

  ota
    .command("info <file>")
    .description("show the header of a signed image or a delta patch")
    .option("--json", "machine-readable output")
    .action((file: string, opts: { json?: boolean }) => {
      const out = new Output(opts);
      const b = readInput(file, "image or patch");
      const magic = b.length >= 4 ? b.readUInt32LE(0) : 0;
      if (magic === PATCH_MAGIC) {
        const h = parsePatchHeader(b, file);
        out.result({ type: "patch", oldLength: h.oldLength, newLength: h.newLength, oldSha256: h.oldSha256.toString("hex"),
          newSha256: h.newSha256.toString("hex"), bytes: b.length },
        () => `delta patch, ${formatBytes(b.length)}: ${h.oldLength} B image ${h.oldSha256.toString("hex").slice(0, 16)}... -> ${h.newLength} B image ${h.newSha256.toString("hex").slice(0, 16)}...`);
      } else if (magic === IMAGE_MAGIC) {
        const h = parseImage(b, file);
        out.result({ type: "image", kind: h.kind, version: formatSemVer(h.version), securityCounter: h.securityCounter,
          payloadLength: h.payloadLength, appLength: h.appLength, keyId: h.keyId.toString(16).padStart(8, "0"),
          payloadSha256: h.payloadSha256.toString("hex") },
        () => `signed ${h.kind} image ${formatSemVer(h.version)}, counter ${h.securityCounter}, key ${h.keyId.toString(16).padStart(8, "0")}, payload ${formatBytes(h.payloadLength)}`);
      } else {
        throw new InputError(`${file}: neither a signed image (WOTA) nor a delta patch (WDLT)`);
      }
    });
}
