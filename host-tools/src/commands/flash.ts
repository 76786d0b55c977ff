import { existsSync } from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import { listBoards, region, resolveBoard, runsHere, type Board } from "../boards/registry.js";
import { flashEsp32, type FlashEvent } from "../flash/esp32/flash.js";
import { esp32c3MergedImage, imagesFromOptions } from "../flash/esp32/images.js";
import { openSerialTransport } from "../flash/esp32/transport.js";
import { flashRp2040 } from "../flash/rp2040.js";
import { InputError, UsageError, WasmcuError } from "../lib/errors.js";
import { EXIT } from "../lib/exit-codes.js";
import { checkInputFile, readInput } from "../lib/files.js";
import { DeviceLink } from "../link/session.js";
import { openSerial } from "../link/transport.js";
import { recoverRp2040 } from "../flash/rp2040-recovery.js";
import type { FirmwareImage } from "../ota/firmware.js";
import { firmwareIntake, parseBoardFirmwareDelta, parseBoardFirmwareFile, type FirmwareIntake } from "../boards/firmware.js";
import { askForRecovery, flashFirmwareOverLink, type FirmwareUpdate } from "../workflows/firmware-flash.js";
import { PATCH_MAGIC } from "../ota/delta.js";
import { formatBytes, Output } from "../lib/output.js";
import { boardsDir, firmwareBuildDir } from "../lib/paths.js";
import { resolvePort } from "../serial/port-option.js";
import { isUsbJtagSerial, listPorts } from "../serial/ports.js";
import { progressBar, type Progress } from "../lib/progress.js";

interface Opts {
  board: string;
  port?: string;
  baud: string;
  bootloader?: string;
  partitions?: string;
  appImage?: string;
  flasherArgs?: string;
  compress: boolean;
  before: string;
  after: string;
  uf2?: string;
  drive?: string;
  image?: string;
  recovery?: boolean;
  json?: boolean;
}

const hex = (n: number) => `0x${n.toString(16)}`;

/** esp32: ESP-IDF's files; esp32c3: our merged image at 0x0. Both through the ROM's serial loader. */
async function flashEspCommand(opts: Opts, out: Output, board: "esp32" | "esp32c3"): Promise<void> {
  const target = resolveBoard(board);
  const baud = Number(opts.baud);
  if (!Number.isInteger(baud) || baud < 9600 || baud > 5_000_000) throw new UsageError(`--baud ${opts.baud} is not a baud rate`);
  if (!["default-reset", "no-reset"].includes(opts.before)) throw new UsageError(`--before must be default-reset or no-reset, got "${opts.before}"`);
  if (!["hard-reset", "no-reset"].includes(opts.after)) throw new UsageError(`--after must be hard-reset or no-reset, got "${opts.after}"`);
  const { images, chip } = board === "esp32c3"
    ? esp32c3MergedImage(opts.image ?? path.join(firmwareBuildDir("esp32c3"), "bin", "wasmcu-esp32c3.merged.bin"))
    : imagesFromOptions({
      flasherArgs: opts.flasherArgs, bootloader: opts.bootloader, partitions: opts.partitions, app: opts.appImage,
      defaultFlasherArgs: path.join(boardsDir, "esp32", "build", "flasher_args.json"), exists: existsSync,
    });
  const portPath = await resolvePort(opts.port, board);
  const usbJtagSerial = (await listPorts().catch(() => [])).some((p) => p.path === portPath && isUsbJtagSerial(p));
  const port = await openSerialTransport(portPath, 115200);
  let bar: Progress | undefined;
  const onEvent = (e: FlashEvent) => {
    if (e.kind === "log") out.info(e.text);
    else if (e.kind === "region") {
      bar = progressBar(`${e.role} @${hex(e.offset)}`, process.stderr, !opts.json);
    } else if (e.kind === "progress") bar?.update(e.written, e.total);
    else if (e.kind === "verified") {
      bar?.finish();
      out.info(`  ${e.role}: ${formatBytes(e.result.size)} at ${hex(e.result.offset)}, ${e.result.compressed ? `${formatBytes(e.result.wireBytes)} sent deflated` : "sent plain"}, MD5 ${e.result.md5} verified`);
    }
  };
  try {
    const summary = await flashEsp32(port, images, {
      baud, compress: opts.compress, flashSize: target.board.flash.size, appLimit: region(target.board, "firmware").size,
      expectChip: chip, noReset: opts.before === "no-reset", noResetAfter: opts.after === "no-reset", usbJtagSerial, onEvent,
    });
    out.result(summary, () => [
      `flashed ${summary.chip} on ${summary.port}: ${summary.regions.length} regions, ${formatBytes(summary.bytes)} in ${summary.seconds.toFixed(1)} s at ${summary.baud} baud, all MD5-verified`,
      summary.resetBy === "dtr-rts" ? "the chip was reset (EN through RTS) and runs the new firmware"
        : summary.resetBy === "flash-end" ? "the ROM loader was asked to reboot into the new firmware (no DTR/RTS on this port)"
        : "the chip was not reset: press EN/RESET to run the new firmware",
      ...(summary.signalProblem ? [`note: DTR/RTS were not used (${summary.signalProblem})`] : []),
    ].join("\n"));
  } finally {
    await port.close();
  }
}

/** The update a firmware file or delta makes on `board`: a bootloader's two bank builds, or the host board's one executable. */
function firmwareUpdate(board: Board, file: string): FirmwareUpdate {
  const bytes = readInput(file, "firmware");
  const delta = bytes.length >= 4 && bytes.readUInt32LE(0) === PATCH_MAGIC;
  return delta ? { mode: "patch", patches: parseBoardFirmwareDelta(board, bytes, file) }
    : { mode: "image", images: parseBoardFirmwareFile(board, bytes, file) };
}

/** A board with the wasmcu bootloader, or the host board with firmware files: a signed firmware file over the running firmware's link. */
async function flashFirmwareSerialCommand(board: Board, intake: FirmwareIntake, file: string, opts: Opts, baudGiven: boolean, out: Output): Promise<void> {
  if (opts.recovery && intake !== "bootloader") {
    throw new UsageError(`--board ${board.name} has no bootloader and so no serial recovery: start it with another firmware image (wasmcu board start --firmware FW.wimg)`);
  }
  const update = firmwareUpdate(board, file);
  const port = await resolvePort(opts.port, board.name);
  if (opts.recovery) {
    if (update.mode === "patch") throw new UsageError(`${file} is a firmware delta: recovery writes a whole image (give the firmware file, .wimg)`);
    return recoveryCommand(update.images, port, board.serial.baud, opts, out);
  }
  const baud = baudGiven ? Number(opts.baud) : board.serial.baud;
  if (!Number.isInteger(baud) || baud < 9600 || baud > 5_000_000) throw new UsageError(`--baud ${opts.baud} is not a baud rate`);
  const link = new DeviceLink(await openSerial(port, baud), { baud: baudGiven ? baud : 0, timeoutMs: 5000 });
  const bar = progressBar("firmware", process.stderr, !opts.json);
  try {
    await link.connect(30_000);
    const r = await flashFirmwareOverLink(link, update, file, {
      confirmTimeoutMs: 60_000, onProgress: (sent, total) => bar.update(sent, total),
      onStage: (what) => { bar.finish(); out.info(what); },
    }).finally(() => bar.finish());
    const d = r.decision;
    out.result({ port, ...r }, () => `firmware ${d.version} (counter ${d.counter}) sent to ${port} in ${r.seconds.toFixed(1)} s into ${d.slot}: ` +
      (r.outcome === "confirmed" ? `the ${intake === "bootloader" ? "bootloader" : "boot step"} verified it, it passed its self-check and is confirmed`
        : r.outcome === "trial" ? "running on trial, not confirmed yet" : `${r.outcome}${r.reason ? `: ${r.reason}` : ""}`));
    if (r.outcome === "rolled-back") {
      throw new WasmcuError(`the firmware update to ${d.version} was rolled back: ${r.reason}`,
        { code: "E_DEVICE", hint: "the previous firmware runs, unchanged", exitCode: EXIT.FAILED });
    }
  } finally {
    await link.close().catch(() => {});
  }
}

/** A board whose banks hold no bootable firmware: its bootloader's recovery over UART0 (115200 baud). */
async function recoveryCommand(images: FirmwareImage[], port: string, linkBaud: number, opts: Opts, out: Output): Promise<void> {
  const a = images.find((i) => i.bank === "fw_a");
  if (!a) throw new InputError("recovery writes bank fw_a: the firmware file has no image for it");
  if (await askForRecovery(port, linkBaud)) out.info(`the firmware on ${port} reset into its bootloader's serial recovery`);
  const t = await openSerial(port, 115200);
  const bar = progressBar("recovery", process.stderr, !opts.json);
  try {
    await recoverRp2040(t, a.bytes, { onProgress: (sent, total) => bar.update(sent, total) });
  } finally {
    bar.finish();
    await t.close().catch(() => {});
  }
  const v = a.header.version;
  out.result({ port, bank: a.bank, version: `${v.major}.${v.minor}.${v.patch}`, bytes: a.bytes.length },
    () => `the bootloader on ${port} verified firmware ${v.major}.${v.minor}.${v.patch} in fw_a (${formatBytes(a.bytes.length)}) and reset into it`);
}

function flashRp2040Command(opts: Opts, out: Output): void {
  const uf2 = opts.uf2 ?? path.join(firmwareBuildDir("rp2040"), "bin", "wasmcu-rp2040.uf2");
  const r = flashRp2040(uf2, opts.drive);
  out.result(r, () => `copied ${r.uf2} (${formatBytes(r.bytes)}, ${r.blocks} UF2 blocks) to ${r.drive} (${r.boardId}); the board reboots into the new firmware`);
}

export function register(program: Command): void {
  program
    .command("flash [firmware]")
    .description("put the firmware on a board: ESP32 over its serial ROM loader, RP2040 through its BOOTSEL drive, " +
      "or (RP2040 with the wasmcu bootloader) a signed firmware file (.wimg) or firmware delta (.wdlt, wasmcu ota make) over the running firmware's serial link with --port; " +
      "the host board takes a signed wasmcu-host image, or a delta made with wasmcu ota make --board host, the same way")
    .requiredOption("-b, --board <board>", "esp32, esp32c3, rp2040, or host (a firmware file over the link of a host board started with firmware files)")
    .option("-p, --port <port>", "esp32, esp32c3: serial port (default: the only ESP32-looking port); rp2040, host: the board's link, for a .wimg or .wdlt")
    .option("--baud <rate>", "esp32: baud rate for the writes (the ROM starts at 115200)", "460800")
    .option("--bootloader <file>", "esp32: second-stage bootloader .bin (written at the chip's bootloader offset)")
    .option("--partitions <file>", "esp32: partition table .bin (written at 0x8000)")
    .option("--app-image <file>", "esp32: firmware app .bin (written at 0x10000)")
    .option("--flasher-args <file>", "esp32: an idf.py flasher_args.json (default boards/esp32/build/flasher_args.json)")
    .option("--no-compress", "esp32: send data plain instead of deflated")
    .option("--before <mode>", "esp32: default-reset (DTR/RTS into the loader) or no-reset", "default-reset")
    .option("--after <mode>", "esp32: hard-reset (run the new firmware) or no-reset", "hard-reset")
    .option("--image <file>", "esp32c3: merged flash image written at 0x0 (default build/esp32c3/bin/wasmcu-esp32c3.merged.bin)")
    .option("--uf2 <file>", "rp2040: UF2 to copy (default build/rp2040/bin/wasmcu-rp2040.uf2)")
    .option("--drive <dir>", "rp2040: mounted boot drive (default: found by its INFO_UF2.TXT)")
    .option("--recovery", "rp2040: send the firmware file's fw_a image to the bootloader's serial recovery (UART0, 115200 baud): a board with no bootable firmware is in it; a live firmware is asked over the link to reset into it")
    .option("--json", "machine-readable summary")
    .action(async (firmware: string | undefined, opts: Opts, cmd: Command) => {
      const out = new Output(opts);
      const target = resolveBoard(opts.board);
      if (opts.recovery && firmware === undefined) throw new UsageError("--recovery sends a firmware file: wasmcu flash --board rp2040 --port P --recovery FIRMWARE.wimg");
      if (firmware !== undefined) {
        checkInputFile(firmware, "firmware");
        const intake = firmwareIntake(target.board);
        if (!intake) {
          const boards = listBoards().filter((b) => firmwareIntake(b)).map((b) => `--board ${b.name}`).join(" or ");
          throw new UsageError(`--board ${opts.board} takes no firmware file over serial (no bootloader, no firmware files in its board.json): ${boards} do`);
        }
        if (opts.uf2 !== undefined || opts.drive !== undefined) throw new UsageError("give either a firmware file (over serial) or --uf2/--drive (BOOTSEL)");
        return flashFirmwareSerialCommand(target.board, intake, firmware, opts, cmd.getOptionValueSource("baud") !== "default", out);
      }
      if (runsHere(target)) {
        throw new UsageError(`--board ${opts.board} runs on this machine: there is nothing to flash`, "use wasmcu run (or deploy) with it");
      }
      // Options for the other chip are a mistake worth saying; every file given is checked
      // before a port is opened.
      const esp32Files = { "--bootloader": opts.bootloader, "--partitions": opts.partitions, "--app-image": opts.appImage, "--flasher-args": opts.flasherArgs };
      const given: Record<string, string | undefined> = { ...esp32Files, "--image": opts.image, "--uf2": opts.uf2, "--drive": opts.drive };
      const own: Record<string, string[]> = { esp32: Object.keys(esp32Files), esp32c3: ["--image"], rp2040: ["--uf2", "--drive"] };
      const wrong = Object.keys(given).filter((k) => given[k] !== undefined && !(own[target.board.name] ?? []).includes(k));
      if (wrong.length) throw new UsageError(`${wrong.join(", ")}: not for --board ${target.board.name}`, "see wasmcu flash --help: each option names its board");
      for (const [flag, file] of [...Object.entries(esp32Files), ["--image", opts.image], ["--uf2", opts.uf2]] as const) if (file !== undefined) checkInputFile(file, flag);
      if (target.board.name === "esp32" || target.board.name === "esp32c3") return flashEspCommand(opts, out, target.board.name);
      if (target.board.name === "rp2040") return flashRp2040Command(opts, out);
      throw new UsageError(`wasmcu flash does not know how to flash ${target.board.name}`);
    });
}
