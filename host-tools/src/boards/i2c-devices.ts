// Device models on a local board's I2C bus (`wasmcu run --i2c KIND@ADDR`): what each board
// kind can simulate, and the command-line arguments that put them there.
//   regs      a 256-byte register file (pointer byte, then data; auto-increment)
//   ina219    the simulated INA219 current monitor (host board; boards/host/INA219-MODEL.md)
//   mpu6050   a simulated MPU-6050 IMU whose samples follow a 5 Hz shake (emulators; sim/mpu6050.ts)
// Which board has which is declared in its board.json (i2c_models).
import path from "node:path";
import { fileURLToPath } from "node:url";
import { UsageError } from "../lib/errors.js";
import { boardChoices, localFeatures, resolveBoard, targetsWith } from "./registry.js";

export const I2C_KINDS = ["regs", "ina219", "mpu6050"] as const;
export type I2cKind = (typeof I2C_KINDS)[number];

export interface I2cSpec {
  kind: I2cKind;
  address: number;
}

/** "mpu6050@0x68" → {kind, address}. */
export function parseI2cSpec(s: string): I2cSpec {
  const m = /^([a-z0-9]+)@(0x[0-9a-f]+|\d+)$/i.exec(s.trim());
  const kind = m?.[1]?.toLowerCase();
  if (!m || !I2C_KINDS.includes(kind as I2cKind)) {
    throw new UsageError(`--i2c ${s}: expected KIND@ADDRESS with KIND one of ${I2C_KINDS.join(", ")}`, "e.g. --i2c mpu6050@0x68");
  }
  const address = Number(m[2]);
  if (address < 0x08 || address > 0x77) throw new UsageError(`--i2c ${s}: ${m[2]} is not a 7-bit device address (0x08..0x77)`);
  return { kind: kind as I2cKind, address };
}

/** The simulated MPU-6050 module next to this file's tree: TypeScript under tsx, JavaScript when compiled. */
function simModule(name: string): string {
  const here = fileURLToPath(import.meta.url);
  return path.join(path.dirname(here), "..", "sim", `${name}${path.extname(here)}`);
}

/** Arguments for wasmcu-host (board "host") or an emulator (rp2040-sim, esp32c3-sim: the same options). */
export function i2cDeviceArgs(board: string, specs: readonly I2cSpec[]): string[] {
  const models = localFeatures(resolveBoard(board))?.i2c_models ?? [];
  const seen = new Set<number>();
  return specs.flatMap(({ kind, address }) => {
    const hex = `0x${address.toString(16)}`;
    if (seen.has(address)) throw new UsageError(`--i2c: two devices at ${hex}`);
    seen.add(address);
    if (!models.includes(kind)) {
      throw new UsageError(`--i2c ${kind}@${hex}: the ${board} board has no ${kind} model`, kind === "ina219"
        ? `${targetsWith("power_rig").join(", ")} measures power with \`wasmcu bench\` (its rig has the INA219)`
        : `use ${boardChoices((f) => f.i2c_models?.includes(kind) === true)}`);
    }
    // The host board has its own options; an emulator loads a device module.
    if (kind === "regs") return ["--i2c-regs", hex];
    if (kind === "ina219") return ["--ina219", hex];
    return ["--i2c-device", `${hex}=${simModule(kind)}`];
  });
}
