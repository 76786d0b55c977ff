import type { Command } from "commander";
import path from "node:path";
import { hostFirmwareFiles, resolveBoard } from "../boards/registry.js";
import { checkAotImage, isAotImage } from "../build/aot.js";
import { signFirmware } from "../ota/firmware.js";
import { signHostFirmware } from "../ota/host-firmware.js";
import { bundlePayload, detectKind, formatSemVer, parseSemVer, signImage, type PayloadKind } from "../ota/image.js";
import { storeFor } from "../ota/keys.js";
import { InputError, UsageError } from "../lib/errors.js";
import { checkOutputFile, checkStdoutFree, readInput, writeOutput } from "../lib/files.js";
import { formatBytes, Output } from "../lib/output.js";

interface Opts {
  key: string;
  version: string;
  counter: string;
  kind?: string;
  output?: string;
  keysDir?: string;
  board: string;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command("sign <payload> [model]")
    .description("wrap an app (.wasm, or .waot from `wasmcu build --engine aot`), a model (.tflite) or both (a bundle) in a signed OTA image; " +
      "with --kind firmware, a board's two bank builds (fw_a.bin fw_b.bin) in a signed firmware file, or with --board host a wasmcu-host executable")
    .requiredOption("-k, --key <name>", "signing key in the key store (see `wasmcu keys list`)")
    .option("--version <x.y.z>", "image version (semantic)", "0.0.0")
    .option("--counter <n>", "security counter: devices refuse images below their confirmed one", "0")
    .option("--kind <kind>", "app, model, bundle or firmware (default: app, model or bundle from the file contents)")
    .option("-b, --board <board>", "--kind firmware: the board whose firmware banks the builds are linked for (host: one wasmcu-host executable)", "rp2040")
    .option("-o, --output <file>", "signed image, - for stdout (default: PAYLOAD with extension .wimg; stdout when PAYLOAD is - for stdin)")
    .option("--keys-dir <dir>", "key store directory")
    .option("--json", "machine-readable output")
    .action((payloadPath: string, modelPath: string | undefined, opts: Opts) => {
      const out = new Output(opts);
      const dest = opts.output ?? (payloadPath === "-" ? "-"
        : path.join(path.dirname(payloadPath), path.basename(payloadPath, path.extname(payloadPath)) + ".wimg"));
      checkStdoutFree(dest, opts.json);
      checkOutputFile(dest, "signed image");
      const first = readInput(payloadPath, "payload");
      // a .waot is AOT code: checked whole before it is signed, as the device checks it before it runs it
      const firstKind = isAotImage(first) && opts.kind !== "firmware" ? (checkAotImage(first, payloadPath), "app") : detectKind(first);
      let kind: PayloadKind;
      let payload: Buffer = first;
      let appLength = 0;
      let firmwareBanks: Buffer | undefined;
      const hostFirmware = opts.kind === "firmware" && resolveBoard(opts.board).board.name === "host";
      if (hostFirmware) {
        if (modelPath) throw new UsageError("--board host --kind firmware takes one wasmcu-host executable");
        kind = "firmware";
      } else if (opts.kind === "firmware") {
        if (!modelPath) throw new UsageError("--kind firmware takes the two bank builds: wasmcu sign --kind firmware fw_a.bin fw_b.bin");
        kind = "firmware";
        firmwareBanks = readInput(modelPath, "second bank build");
      } else if (modelPath) {
        const model = readInput(modelPath, "model");
        if (firstKind !== "app") throw new InputError(`${payloadPath}: a bundle starts with an app (.wasm or .waot; neither magic here)`);
        if (detectKind(model) !== "model") throw new InputError(`${modelPath}: not a .tflite model (no TFL3 identifier at offset 4)`);
        kind = "bundle";
        ({ payload, appLength } = bundlePayload(first, model));
      } else {
        const k = opts.kind ?? firstKind;
        if (k !== "app" && k !== "model") {
          throw new InputError(`${payloadPath}: neither a .wasm nor a .tflite`, "give --kind app|model if you are sure");
        }
        kind = k;
      }
      if (opts.kind && opts.kind !== kind) throw new UsageError(`--kind ${opts.kind} does not match the inputs (${kind})`);
      const counter = Number(opts.counter);
      if (!/^\d+$/.test(opts.counter) || counter > 0xffffffff) throw new UsageError(`--counter ${opts.counter}: expected 0..4294967295`);
      const version = parseSemVer(opts.version);
      const { store, development } = storeFor(opts.key, opts.keysDir);
      const key = store.get(opts.key);
      if (development) {
        out.warn(`signed with the public development key ${key.name} (keys/dev/): only for boards running the default firmware; ` +
          "products build their firmware with -DWASMCU_OTA_KEYS=<header from `wasmcu keys export --c-header`>");
      }
      let image: Buffer;
      if (hostFirmware) {
        image = signHostFirmware({ payload: first, files: hostFirmwareFiles(resolveBoard("host").board), version, securityCounter: counter,
          privateKey: store.privateKey(opts.key), rawPublicKey: key.rawPublicKey, what: payloadPath });
      } else if (firmwareBanks) {
        const boot = resolveBoard(opts.board).board.flash.boot;
        if (!boot) throw new UsageError(`--board ${opts.board} has no bootloader with firmware banks (flash.boot in its board.json)`);
        image = signFirmware({ payloads: [first, firmwareBanks], boot, version, securityCounter: counter,
          privateKey: store.privateKey(opts.key), rawPublicKey: key.rawPublicKey, what: [payloadPath, modelPath!] });
      } else {
        image = signImage({
          kind, payload, appLength, version, securityCounter: counter,
          privateKey: store.privateKey(opts.key), rawPublicKey: key.rawPublicKey,
        });
      }
      writeOutput(dest, image, "signed image");
      out.resultBeside(dest, { output: dest, kind, version: formatSemVer(version), securityCounter: counter, key: key.name,
        keyId: key.keyId.toString(16).padStart(8, "0"), bytes: image.length },
      () => `signed ${kind} ${formatSemVer(version)} (counter ${counter}) with key ${key.name}: ${dest} (${formatBytes(image.length)})`);
    });
}
