// rp2040-sim as a process: runs an RP2040 firmware image in the emulator with
// UART0 on a pseudo-terminal, and reports on stdout, one event per line:
//   usb: /dev/pts/M           with --usb: the terminal bridged to the board's USB CDC-ACM port
//                             (printed just before the uart line)
//   monitor-uart: /dev/pts/K  with --monitor-flash-file: the power monitor's UART (printed
//                             just before the uart line)
//   uart: /dev/pts/N          the terminal to open (115200 8N1, like a real board)
//   usb-connected: CYCLE      with --usb: the USB host configured the device (again after a reset)
//   gpio: PIN LEVEL CYCLE     a driven GPIO changed (emulated cycle stamp)
//   periph: N CYCLE           with a monitor: the peripherals the power model counts for
//                             this chip changed (sim/activity.ts)
//   reset: CAUSE CYCLE [firmware=REASON pc=.. lr=.. xpsr=..]
//                             the chip reset (watchdog-timeout, watchdog-force, sysresetreq);
//                             a forced reset by the wasmcu firmware says why (software,
//                             hardfault, stack-overflow, exception) and where
//   uart-dropped: N CYCLE     a byte sent to UART0 was dropped: its 32-byte RX FIFO was full (the
//                             firmware did not drain it in time); N is the total, printed again
//                             just before the stopped line (bytes sent while the UART was off, a
//                             chip booting or resetting, are not counted: lost on any chip)
//   xip: REGION ACCESSES HITS MISSES STALL CYCLE
//                             with --flash-model: the XIP counters of one flash region (xip-timing.ts),
//                             on SIGUSR2 (then an 'xip-end: CYCLE' line) and before the stopped line
//   stopped: CYCLE            after SIGINT/SIGTERM
// Warnings go to stderr. Usage:
//   node --import tsx host-tools/src/sim/main.ts --image build/rp2040/bin/wasmcu-rp2040.elf \
//        [--flash-file flash.bin] [--speed 1|max] [--i2c-regs 0x50] [--i2c-device 0x40=model.ts]
//        [--monitor-flash-file mon.bin [--monitor-image FILE] [--supply 3.3]]
// With a monitor, a second emulated RP2040 runs the power-monitor app on the same time
// base, the simulated INA219 on its I2C0 measuring this chip (sim/rig.ts).
import { createWriteStream, type WriteStream } from "node:fs";
import { parseArgs } from "node:util";

import { typicalTiming, fastTiming } from "./flash-chip.js";
import { DEFAULT_SUPPLY_V, DUT_MARKER_PIN, MONITOR_MARKER_PIN, startPowerRig } from "./rig.js";
import { startRp2040Sim, type Rp2040Sim, type Rp2040SimOptions } from "./rp2040.js";
import { i2cDevicesFromOptions, powerCutHooks } from "./sim-options.js";
import { xipReportLines, type FlashRegion } from "./xip-timing.js";

const USAGE = `usage: main.ts --image FILE [options]
  --image FILE          firmware (.elf, .uf2 or .bin)
  --flash-file FILE     keep flash contents in FILE across runs (created if missing; --flash is the same)
  --speed N|max         emulated seconds per wall second (default 1: real time; max: unpaced)
  --boot boot2|vectors  start through boot2 as the bootrom does (default), or at the vector table
  --flash-timing fast|typical   flash chip busy times (default fast)
  --flash-model         charge XIP cache misses and QSPI transactions to the core (default: no wait states)
  --flash-region NAME=OFFSET:SIZE  count XIP accesses in this flash region apart (repeatable; with --flash-model)
  --i2c-regs ADDR       a 256-byte register-file device on I2C0 (repeatable)
  --i2c-device ADDR=MODULE      a device model module whose default export is an I2cDevice, or a factory of one
                        (given { nowUs() }, the emulated clock) (repeatable)
  --usb                 plug a USB host (CDC-ACM) into the RP2040's USB port, bridged to a second
                        pseudo-terminal (the 'usb:' line)
  --wait-for-host       hold the chip in reset until the host sends its first byte (UART or USB)
  --gpio-log FILE       write gpio lines to FILE instead of stdout
  --no-pty              no pseudo-terminal (UART output goes to stderr)
  --quiet               no warnings on stderr
  --monitor-flash-file FILE     add the power-measurement rig: a second RP2040 (the monitor) booting
                        from FILE (the firmware with the power-monitor app in its app slot), a
                        simulated INA219 on its I2C0 measuring this chip, GPIO ${DUT_MARKER_PIN} wired to its
                        GPIO ${MONITOR_MARKER_PIN}; its UART is the 'monitor-uart:' line
  --monitor-image FILE  firmware image to write into the monitor's flash first
  --supply V            the rig's supply voltage upstream of the shunt (default ${DEFAULT_SUPPLY_V})
  --monitor-stop-after-edges N  fault injection (tests): the monitor freezes 150 ms after the DUT's
                        marker pin changed N times
  --power-cut-at N      power-loss tests: flash operation N (each erase and page program, from 0)
                        does half its work, then the process exits with status 75
  --flash-ops-log FILE  append "N erase|program OFFSET LEN" per flash operation`;

function parseRegion(spec: string): FlashRegion {
  const m = /^([\w-]+)=(\w+):(\w+)$/.exec(spec);
  const offset = Number(m?.[2]);
  const size = Number(m?.[3]);
  if (!m || !Number.isInteger(offset) || !Number.isInteger(size) || offset < 0 || size <= 0) {
    throw new Error(`--flash-region ${spec}: expected NAME=OFFSET:SIZE`);
  }
  return { name: m[1]!, offset, size };
}

/** The process that started us, read first thing: it may be gone before the chip is up. */
const startedBy = process.ppid;

export type { DeviceContext } from "./sim-options.js";

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      image: { type: "string" },
      "flash-file": { type: "string" },
      flash: { type: "string" },
      speed: { type: "string", default: "1" },
      boot: { type: "string", default: "boot2" },
      "flash-timing": { type: "string", default: "fast" },
      "flash-model": { type: "boolean", default: false },
      "flash-region": { type: "string", multiple: true },
      "i2c-regs": { type: "string", multiple: true },
      "i2c-device": { type: "string", multiple: true },
      "gpio-log": { type: "string" },
      "no-pty": { type: "boolean", default: false },
      "wait-for-host": { type: "boolean", default: false },
      usb: { type: "boolean", default: false },
      quiet: { type: "boolean", default: false },
      "monitor-flash-file": { type: "string" },
      "monitor-image": { type: "string" },
      supply: { type: "string" },
      "monitor-stop-after-edges": { type: "string" },
      "power-cut-at": { type: "string" },
      "flash-ops-log": { type: "string" },
      help: { type: "boolean", default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const flashFile = values["flash-file"] ?? values.flash;
  if (!values.image && !flashFile) throw new Error(`give --image (or an existing --flash-file)\n${USAGE}`);
  const speed = values.speed === "max" ? Infinity : Number(values.speed);
  if (!(speed > 0)) throw new Error(`--speed ${values.speed}: expected a positive number or 'max'`);
  if (values.boot !== "boot2" && values.boot !== "vectors") throw new Error(`--boot ${values.boot}: expected boot2 or vectors`);
  const timing = values["flash-timing"] === "typical" ? typicalTiming : values["flash-timing"] === "fast" ? fastTiming : undefined;
  if (!timing) throw new Error(`--flash-timing ${values["flash-timing"]}: expected fast or typical`);

  const powerCut = powerCutHooks(values["power-cut-at"], values["flash-ops-log"], "rp2040-sim");

  let clockOf: (() => number) | undefined; // bound once the chip exists; devices ask only while it runs
  const devices = await i2cDevicesFromOptions(values["i2c-regs"], values["i2c-device"], { nowUs: () => clockOf?.() ?? 0 });

  const out = (line: string) => process.stdout.write(`${line}\n`);
  let gpioLog: WriteStream | undefined;
  if (values["gpio-log"]) gpioLog = createWriteStream(values["gpio-log"]);
  const gpioLine = gpioLog ? (l: string) => gpioLog!.write(`${l}\n`) : out;

  const simOpts: Rp2040SimOptions = {
    image: values.image,
    flashFile,
    speed,
    pty: !values["no-pty"],
    boot: values.boot,
    holdUntilHost: values["wait-for-host"],
    flashTiming: timing,
    ...(values["flash-model"] ? { flashModel: { regions: (values["flash-region"] ?? []).map(parseRegion) } } : {}),
    i2cDevices: devices,
    ...powerCut,
    onGpio: (pin, level, cycle) => gpioLine(`gpio: ${pin} ${level} ${cycle}`),
    onReset: (e) => {
      const f = e.firmware;
      const h = (n: number) => `0x${n.toString(16).padStart(8, "0")}`;
      out(`reset: ${e.cause} ${e.cycle}${f ? ` firmware=${f.reason} pc=${h(f.pc)} lr=${h(f.lr)} xpsr=${h(f.xpsr)}` : ""}`);
    },
    onWarning: values.quiet ? undefined : (m) => process.stderr.write(`warning: ${m}\n`),
    onUart: values["no-pty"] ? (b) => process.stderr.write(b) : undefined,
    usb: values.usb,
    onUsb: values.usb && values["no-pty"] ? (b) => process.stderr.write(b) : undefined,
    onUsbConnect: (cycle) => out(`usb-connected: ${cycle}`),
    onUartDropped: (total, cycle) => out(`uart-dropped: ${total} ${cycle}`),
  };
  let sim: Rp2040Sim;
  let monitor: Rp2040Sim | undefined;
  const monitorFlash = values["monitor-flash-file"];
  if (monitorFlash) {
    const supplyV = values.supply === undefined ? DEFAULT_SUPPLY_V : Number(values.supply);
    const rig = await startPowerRig({
      dut: simOpts,
      monitor: {
        image: values["monitor-image"], flashFile: monitorFlash, speed, pty: !values["no-pty"], boot: values.boot, flashTiming: timing,
        onWarning: values.quiet ? undefined : (m) => process.stderr.write(`warning: monitor: ${m}\n`),
      },
      supplyV,
      ...(values["monitor-stop-after-edges"] !== undefined ? { monitorStopAfterEdges: Number(values["monitor-stop-after-edges"]) } : {}),
      onPeripherals: (n) => out(`periph: ${n} ${(sim as Rp2040Sim | undefined)?.cycles ?? 0}`),
    });
    sim = rig.dut;
    monitor = rig.monitor;
    if (monitor.ptyPath) out(`monitor-uart: ${monitor.ptyPath}`);
  } else {
    sim = await startRp2040Sim(simOpts);
  }
  clockOf = () => sim.nanos / 1000;
  if (sim.usbPtyPath) out(`usb: ${sim.usbPtyPath}`);
  if (sim.ptyPath) out(`uart: ${sim.ptyPath}`);

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void Promise.all([sim.stop(), monitor?.stop()]);
  };
  if (sim.flashTiming) {
    process.on("SIGUSR2", () => {
      for (const l of xipReportLines(sim.xipStats(), sim.cycles)) out(l);
      out(`xip-end: ${sim.cycles}`);
    });
  }
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  // A parent that died without stopping us (killed, or its output pipe closed) must not leave
  // an emulator running at full speed: orphaned, we are re-parented, so stop then.
  const orphanCheck = setInterval(() => {
    if (process.ppid !== startedBy) stop();
  }, 500);
  orphanCheck.unref();
  // Lines to a parent that is gone: stop rather than die on EPIPE with the chip still running.
  process.stdout.on("error", stop);
  try {
    await sim.done;
    await monitor?.done.catch(() => {});
  } finally {
    out(`uart-dropped: ${sim.uartDropped} ${sim.cycles}`);
    for (const l of xipReportLines(sim.xipStats(), sim.cycles)) out(l);
    out(`stopped: ${sim.cycles}`);
    gpioLog?.end();
  }
  return 0;
}

main().then(
  (code) => (process.exitCode = code),
  (e: Error) => {
    process.stderr.write(`rp2040-sim: ${e.message}\n`);
    process.exitCode = 1;
  },
);
