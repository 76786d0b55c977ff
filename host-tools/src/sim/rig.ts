// The power-measurement rig of rp2040-sim: the chip under test (DUT) and a second
// emulated RP2040, the monitor, in one process on one emulated time base. The monitor
// runs the wasmcu firmware with the power-monitor app (firmware/apps/power-monitor); on
// its I2C0 bus sits the simulated INA219, whose current comes from the DUT's emulated
// activity over each conversion window (sleep share, clk_sys, enabled peripherals: see
// activity.ts and boards/host/INA219-MODEL.md). The DUT's marker GPIO is wired to the
// monitor's marker input. Everything the monitor reports is SIMULATED.
//
// Time: the monitor follows the DUT: its run loop never passes the DUT's emulated time,
// so the activity it asks about has always happened, and a marker edge the DUT makes at
// time t reaches the monitor's pin when the monitor's time reaches t.
import { ActivityLog } from "./activity.js";
import { Ina219Sim, DEFAULT_POWER_MODEL, type Load, type PowerModel } from "./ina219.js";
import { startRp2040Sim, type Rp2040Sim, type Rp2040SimOptions } from "./rp2040.js";

/** GPIO the bench app raises during each phase (firmware/apps/bench). */
export const DUT_MARKER_PIN = 15;
/** GPIO the power-monitor app samples as the marker level (firmware/apps/power-monitor). */
export const MONITOR_MARKER_PIN = 16;
export const INA219_ADDRESS = 0x40;
/** Supply voltage upstream of the shunt, volts (a bench supply's setting). */
export const DEFAULT_SUPPLY_V = 3.3;

export interface RigOptions {
  dut: Rp2040SimOptions;
  /** The monitor's options (its image, flash file, pty...); I2C devices and timing are the rig's. */
  monitor: Omit<Rp2040SimOptions, "i2cDevices" | "timeLimitNanos" | "holdUntilHost">;
  supplyV?: number;
  model?: Partial<PowerModel>;
  /** The DUT's enabled-peripheral count changed (activity.ts has the rule). */
  onPeripherals?: (n: number, atNs: number) => void;
  /** Fault injection (tests): the monitor chip freezes, as a hung monitor would, 150 ms of
   * emulated time after the DUT's marker pin changed this many times (relative to the
   * benchmark, so the same runs are hit however long the host took to start them; 150 ms
   * lets the samples of the window before that edge, batched by the monitor app and sent
   * over its UART, reach the host first). */
  monitorStopAfterEdges?: number;
}

export interface PowerRig {
  dut: Rp2040Sim;
  monitor: Rp2040Sim;
  ina219: Ina219Sim;
  activity: ActivityLog;
  supplyV: number;
  model: PowerModel;
  stop(): Promise<void>;
}

/** The DUT's load over [fromUs, toUs] of the shared time base. */
export function loadOver(activity: ActivityLog, supplyV: number, fromUs: number, toUs: number): Load {
  const w = activity.window(fromUs * 1000, toUs * 1000);
  return { fHz: w.fHz, vSupply: supplyV, nPeriph: w.nPeriph, idle: w.idle };
}

export async function startPowerRig(opts: RigOptions): Promise<PowerRig> {
  const supplyV = opts.supplyV ?? DEFAULT_SUPPLY_V;
  if (!(supplyV > 0 && supplyV < 26)) throw new RangeError(`supply ${supplyV} V: expected a voltage the INA219 can measure (0..26 V)`);
  const model: PowerModel = { ...DEFAULT_POWER_MODEL, ...opts.model };
  const activity = new ActivityLog();
  activity.onPeripherals = opts.onPeripherals;
  let dut: Rp2040Sim | undefined;
  let monitor: Rp2040Sim | undefined;
  let markerEdges = 0;
  let monitorStopNs = Infinity;
  const ina219 = new Ina219Sim({
    model,
    now: () => (monitor ? monitor.nanos / 1000 : 0),
    loadFor: (fromUs, toUs) => {
      // A monitor conversion looks back at most a few ms: older history can go.
      activity.prune(fromUs * 1000 - 50e6);
      return loadOver(activity, supplyV, fromUs, toUs);
    },
  });
  const dutOpts: Rp2040SimOptions = {
    ...opts.dut,
    activity,
    onGpio: (pin, level, cycle) => {
      if (pin === DUT_MARKER_PIN && dut) {
        monitor?.scheduleGpioInput(MONITOR_MARKER_PIN, level === 1, dut.nanos);
        if (++markerEdges === opts.monitorStopAfterEdges) monitorStopNs = dut.nanos + 150e6;
      }
      opts.dut.onGpio?.(pin, level, cycle);
    },
  };
  dut = await startRp2040Sim(dutOpts);
  try {
    monitor = await startRp2040Sim({
      ...opts.monitor,
      i2cDevices: new Map([[INA219_ADDRESS, ina219]]),
      timeLimitNanos: () => Math.min(dut!.nanos, monitorStopNs),
    });
  } catch (e) {
    await dut.stop();
    throw e;
  }
  const m = monitor;
  // One rig: when either chip's emulation ends, the other has nothing to measure or follow.
  void dut.done.finally(() => void m.stop()).catch(() => {});
  return {
    dut, monitor: m, ina219, activity, supplyV, model,
    stop: async () => {
      await Promise.all([dut!.stop(), m.stop()]);
    },
  };
}
