// The emulated boards the board tests run on, by name: which firmware each one boots (the
// rp2040 ELF, the esp32c3 image in the ROM's format for flash offset 0), so one test body
// serves both emulators.
import { launchSimBoard, type LaunchedBoard, type SimLaunchOptions } from "../../host-tools/src/boards/launch.js";
import { resolveBoard, type BoardTarget } from "../../host-tools/src/boards/registry.js";
import { esp32c3Elf, rp2040Elf } from "./paths.js";

export type SimBoardName = "rp2040-sim" | "esp32c3-sim";

/** The firmware the emulator boots, as scripts/test.mjs builds it. */
export function simFirmware(name: SimBoardName): string {
  return name === "rp2040-sim" ? rp2040Elf() : esp32c3Elf().replace(/\.elf$/, ".merged.bin");
}

export function simTarget(name: SimBoardName): BoardTarget {
  return resolveBoard(name);
}

/** The board started unpaced and held in reset until the host speaks, with the test's flash file. */
export function launchTestBoard(name: SimBoardName, flashFile: string, opts: Omit<SimLaunchOptions, "firmware" | "flashFile"> = {}): Promise<LaunchedBoard> {
  return launchSimBoard(simTarget(name), { firmware: simFirmware(name), flashFile, waitForHost: true, speed: Infinity, ...opts });
}
