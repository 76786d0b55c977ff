// The emulated boards the device tests run on, so one test body covers rp2040-sim and
// esp32c3-sim alike: the firmware each emulator starts, and the board's LED and clock.
import { launchSimBoard, type LaunchedBoard, type SimLaunchOptions } from "../../host-tools/src/boards/launch.js";
import { resolveBoard, type BoardTarget } from "../../host-tools/src/boards/registry.js";
import { esp32c3Merged, rp2040Elf } from "./paths.js";

export interface SimBoard {
  /** The --board name: rp2040-sim or esp32c3-sim. */
  name: "rp2040-sim" | "esp32c3-sim";
  target: BoardTarget;
  /** What launchSimBoard starts: the rp2040 ELF, or the esp32c3 merged image the emulated ROM boots. */
  firmware(): string;
  /** board.json's led_pin: the pin blink drives. */
  ledPin: number;
  /** Emulated cycles per second in the emulator's gpio stamps. */
  clockHz: number;
}

function simBoard(name: SimBoard["name"], firmware: () => string): SimBoard {
  const target = resolveBoard(name);
  return { name, target, firmware, ledPin: target.board.led_pin, clockHz: target.board.clock_hz };
}

export const rp2040Sim = (): SimBoard => simBoard("rp2040-sim", rp2040Elf);
export const esp32c3Sim = (): SimBoard => simBoard("esp32c3-sim", esp32c3Merged);

/** The board started unpaced and held in reset until the host speaks, on the test's flash file. */
export function launchTestBoard(sim: SimBoard, flashFile: string, opts: Omit<SimLaunchOptions, "firmware" | "flashFile"> = {}): Promise<LaunchedBoard> {
  return launchSimBoard(sim.target, { firmware: sim.firmware(), flashFile, waitForHost: true, speed: Infinity, ...opts });
}
