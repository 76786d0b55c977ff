import type { Command } from "commander";
import { readFileSync, writeFileSync } from "node:fs";
import { applyDelta, encodeDelta, parsePatchHeader, PATCH_MAGIC, type DeltaStats } from "../ota/delta.js";
import { formatSemVer, IMAGE_MAGIC, parseImage } from "../ota/image.js";
import { InputError } from "../lib/errors.js";
import { formatBytes, Output } from "../lib/output.js";

interface MakeOpts {
  from: string;
  to: string;
  output: string;
  json?: boolean;
}

export function register(program: Command): void {
  const ota = program.command("ota").description("over-the-air updates: delta patches between signed images");

  ota
    .command("make")
    .description("make a delta patch that turns the exact image OLD into NEW on the device")
    .requiredOption("--from <old>", "signed image the device runs now")
    .requiredOption("--to <new>", "signed image to install")
    .requiredOption("-o, --output <patch>", "patch file to write")
    .option("--json", "machine-readable output")
    .action((opts: MakeOpts) => {
      const out = new Output(opts);
      const old = readFileSync(opts.from), nw = readFileSync(opts.to);
      const oh = parseImage(old, opts.from), nh = parseImage(nw, opts.to);
      if (nh.securityCounter < oh.securityCounter) {
        out.warn(`${opts.to} has security counter ${nh.securityCounter}, below ${oh.securityCounter}: devices running ${opts.from} will refuse it`);
      }
      const stats: DeltaStats = { copyOps: 0, addOps: 0, insertOps: 0, insertedBytes: 0, diffBytes: 0 };
      const patch = encodeDelta(old, nw, stats);
      // the encoder is checked against the reference decoder before anything is written
      if (!applyDelta(old, patch).equals(nw)) throw new InputError("internal: the patch does not reproduce the new image");
      writeFileSync(opts.output, patch);
      const ratio = patch.length / nw.length;
      out.result({
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
      const b = readFileSync(file);
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
