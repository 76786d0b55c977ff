// Command-line pieces both emulator processes share (rp2040-sim's main.ts and
// esp32c3-sim's esp32c3/main.ts): I2C device options and the power-cut hooks.
import { openSync, writeSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

import { RegisterFileDevice, type I2cDevice } from "./i2c.js";

export function parseI2cAddress(s: string): number {
  const n = Number(s);
  if (!Number.isInteger(n) || n < 0 || n > 0x7f) throw new Error(`'${s}' is not a 7-bit I2C address`);
  return n;
}

/** What a device factory is given: the emulated clock (microseconds since the simulation started). */
export interface DeviceContext {
  nowUs(): number;
}

/** --i2c-device ADDR=MODULE: a module whose default export is an I2cDevice or a factory of one. */
export async function loadDeviceModule(spec: string, ctx: DeviceContext): Promise<[number, I2cDevice]> {
  const eq = spec.indexOf("=");
  if (eq < 0) throw new Error(`--i2c-device ${spec}: expected ADDR=MODULE`);
  const addr = parseI2cAddress(spec.slice(0, eq));
  const mod = (await import(pathToFileURL(path.resolve(spec.slice(eq + 1))).href)) as { default?: unknown };
  const exported = mod.default;
  const dev = typeof exported === "function" ? (exported as (c: DeviceContext) => unknown)(ctx) : exported;
  if (!dev || typeof (dev as I2cDevice).write !== "function" || typeof (dev as I2cDevice).read !== "function") {
    throw new Error(`--i2c-device ${spec}: the module's default export is not an I2C device (write/read) or a factory of one`);
  }
  return [addr, dev as I2cDevice];
}

/** The devices of --i2c-regs and --i2c-device. */
export async function i2cDevicesFromOptions(regs: string[] | undefined, modules: string[] | undefined, ctx: DeviceContext): Promise<Map<number, I2cDevice>> {
  const devices = new Map<number, I2cDevice>();
  for (const a of regs ?? []) devices.set(parseI2cAddress(a), new RegisterFileDevice());
  for (const spec of modules ?? []) {
    const [addr, dev] = await loadDeviceModule(spec, ctx);
    devices.set(addr, dev);
  }
  return devices;
}

export interface PowerCutHooks {
  powerCut?: (n: number, kind: "erase" | "program", offset: number, length: number) => boolean;
  onPowerCut?: () => void;
}

/** --power-cut-at N and --flash-ops-log FILE as flash-chip hooks; exits with status 75 at the cut. */
export function powerCutHooks(cutAtOption: string | undefined, opsLogFile: string | undefined, simName: string): PowerCutHooks {
  const cutAt = cutAtOption === undefined ? undefined : Number(cutAtOption);
  if (cutAt !== undefined && !(Number.isInteger(cutAt) && cutAt >= 0)) throw new Error(`--power-cut-at ${cutAtOption}: expected an operation number`);
  const opsLog = opsLogFile ? openSync(opsLogFile, "a") : undefined;
  if (cutAt === undefined && opsLog === undefined) return {};
  return {
    powerCut: (n, kind, offset, length) => {
      if (opsLog !== undefined) writeSync(opsLog, `${n} ${kind} ${offset} ${length}\n`);
      return n === cutAt;
    },
    onPowerCut: () => {
      process.stderr.write(`${simName}: power cut during flash operation ${cutAt}\n`);
      process.exit(75);
    },
  };
}
