// The firmware a board takes over its link, as its board.json says: a bootloader's two bank
// builds (flash.boot: the rp2040) or one executable that runs from either firmware file
// (flash.firmware_files: the host board). Firmware files and firmware deltas are checked here
// against the board they are meant for, so that one made for another board is refused before
// anything is sent (`wasmcu flash`, `wasmcu ota make`).
import { hostFirmwareFiles, type Board } from "./registry.js";
import { InputError, UsageError } from "../lib/errors.js";
import { parseFirmwareDelta, patchServesBothBanks, type FirmwarePatch } from "../ota/firmware-delta.js";
import { isFirmwareFile, parseFirmwareFile, type FirmwareImage } from "../ota/firmware.js";
import { parseHostFirmwareFile } from "../ota/host-firmware.js";
import { HEADER_SIZE } from "../ota/image.js";

/** A bootloader with two banks in flash, or firmware files beside the flash file. */
export type FirmwareIntake = "bootloader" | "firmware-files";

export function firmwareIntake(board: Board): FirmwareIntake | undefined {
  if (board.flash.boot) return "bootloader";
  if (board.flash.firmware_files) return "firmware-files";
  return undefined;
}

function intakeOf(board: Board): FirmwareIntake {
  const intake = firmwareIntake(board);
  if (!intake) throw new UsageError(`--board ${board.name} takes no firmware over its link (no flash.boot, no flash.firmware_files in its board.json)`);
  return intake;
}

/** A host firmware image's payload is an ELF executable; a bank build's is a vector table. */
const holdsExecutable = (b: Buffer) => b.length >= HEADER_SIZE + 4 && b.readUInt32BE(HEADER_SIZE) === 0x7f454c46;

/** A firmware file for `board`, checked: both bank builds, or the host board's one image (offered for either bank). */
export function parseBoardFirmwareFile(board: Board, bytes: Buffer, what: string): FirmwareImage[] {
  if (intakeOf(board) === "firmware-files") {
    if (isFirmwareFile(bytes) && !holdsExecutable(bytes)) {
      throw new InputError(`${what}: a firmware file of bank builds (its payload is no executable, e.g. an rp2040's): --board ${board.name} takes one signed wasmcu-host executable`,
        "a firmware file of bank builds goes to its own board (--board rp2040)");
    }
    return parseHostFirmwareFile(bytes, hostFirmwareFiles(board), what);
  }
  if (holdsExecutable(bytes)) {
    throw new InputError(`${what}: a host-board firmware file (its payload is an executable): --board ${board.name} takes its bank builds`,
      "a host-board firmware file goes to --board host");
  }
  return parseFirmwareFile(bytes, board.flash.boot!, what);
}

/** A firmware delta for `board`: the host board's has one patch listed for both banks (its
 * banks hold the same executable); a bootloader board's has a patch per bank build, whose bases differ. */
export function parseBoardFirmwareDelta(board: Board, bytes: Buffer, what: string): FirmwarePatch[] {
  const patches = parseFirmwareDelta(bytes, what);
  const oneForBoth = patchServesBothBanks(patches);
  const intake = intakeOf(board);
  const make = `make it from two --board ${board.name} firmware files: wasmcu ota make --board ${board.name} --from OLD.wimg --to NEW.wimg -o D.wdlt`;
  if (intake === "firmware-files" && !oneForBoth) {
    throw new InputError(`${what}: a firmware delta for a board with bank builds (its two patches differ, e.g. an rp2040's): ` +
      `--board ${board.name} takes one patch for both firmware files`, make);
  }
  if (intake === "bootloader" && oneForBoth) {
    throw new InputError(`${what}: a host-board firmware delta (one patch for both banks): --board ${board.name} needs a patch per bank build`, make);
  }
  return patches;
}
