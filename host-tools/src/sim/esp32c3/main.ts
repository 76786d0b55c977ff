// esp32c3-sim as a process: an emulated ESP32-C3 booting its flash through the ROM (or
// waiting in the ROM's serial download mode), UART0 on a pseudo-terminal. Like rp2040-sim
// (../main.ts) it reports on stdout, one event per line:
//   uart: /dev/pts/N          the terminal to open (115200 8N1 after reset, like a real board)
//   gpio: PIN LEVEL CYCLE     a driven GPIO changed (emulated cycle stamp)
//   reset: REASON CYCLE       the chip reset (TG0WDT_SYS_RST, RTCWDT_SYS_RST, SUPER_WDT_RST, RTC_SW_SYS_RST...)
//   uart-dropped: N CYCLE     a byte sent to UART0 found its 128-byte RX FIFO full; N is the total,
//                             printed again before the stopped line
//   counters: INSTRUCTIONS CYCLES   emulated instructions and emulated cycles (cost model: cost.ts),
//                             printed before the stopped line
//   stopped: CYCLE            after SIGINT/SIGTERM
// Usage:
//   node --import tsx host-tools/src/sim/esp32c3/main.ts --image IMAGE.bin [--flash-file flash.bin]
//        [--download] [--speed 1|max] [--i2c-regs 0x50] [--i2c-device 0x68=model.ts]
import { closeSync, createWriteStream, existsSync, openSync, readFileSync, writeSync, type WriteStream } from "node:fs";
import { parseArgs } from "node:util";

import { fastTiming, typicalTiming } from "../flash-chip.js";
import { openPtyBridge, type PtyBridge } from "../pty.js";
import { i2cDevicesFromOptions, powerCutHooks } from "../sim-options.js";
import { CPU_HZ } from "./clock.js";
import { Esp32c3 } from "./esp32c3.js";
import { IMAGE_MAGIC } from "./image.js";

const USAGE = `usage: esp32c3-sim --image FILE [options]
  --image FILE          a flash image in the ROM's format (written at flash offset 0 before boot)
  --flash-file FILE     keep flash contents in FILE across runs (created if missing; --flash is the same)
  --flash-size BYTES    flash size for a new flash file (default 4194304; a power of two)
  --download            start in the ROM's serial download mode (GPIO9 held low at power-on; the
                        next reset, e.g. after FLASH_END, boots from flash)
  --speed N|max         emulated seconds per wall second (default 1: real time; max: unpaced)
  --flash-timing fast|typical   flash chip busy times (default fast)
  --i2c-regs ADDR       a 256-byte register-file device on I2C0 (repeatable)
  --i2c-device ADDR=MODULE      a device model module (default export: an I2cDevice or a factory of one)
  --wait-for-host       hold the chip in reset until the host sends its first byte
  --no-rom-log          do not print the ROM's boot lines on UART0
  --gpio-log FILE       write gpio lines to FILE instead of stdout
  --no-pty              no pseudo-terminal (UART output goes to stderr)
  --quiet               no warnings on stderr
  --power-cut-at N      power-loss tests: flash operation N (each erase and page program through SPI1,
                        from 0) does half its work, then the process exits with status 75
  --flash-ops-log FILE  append "N erase|program OFFSET LEN" per SPI1 flash operation`;

const startedBy = process.ppid;

/** The flash array: the flash file's contents (or erased), with the image at offset 0. */
function prepareFlash(file: string | undefined, size: number, image: Uint8Array | undefined): { flash: Uint8Array; fd?: number } {
  let flash = new Uint8Array(size).fill(0xff);
  let fd: number | undefined;
  if (file && existsSync(file)) {
    flash = new Uint8Array(readFileSync(file));
    if (flash.length === 0 || (flash.length & (flash.length - 1)) !== 0) throw new Error(`flash file ${file} is ${flash.length} bytes, not a power of two`);
    fd = openSync(file, "r+");
  } else if (file) {
    fd = openSync(file, "w+");
  }
  if (image) {
    if (image.length > flash.length) throw new Error(`the image (${image.length} bytes) is larger than the flash (${flash.length})`);
    flash.set(image, 0);
  }
  if (fd !== undefined) writeSync(fd, flash, 0, flash.length, 0);
  return { flash, fd };
}

function readImage(file: string): Uint8Array {
  const bytes = new Uint8Array(readFileSync(file));
  if (bytes[0] !== IMAGE_MAGIC) {
    throw new Error(`${file}: not a flash image in the ROM's format (byte 0 is 0x${(bytes[0] ?? 0).toString(16)}, expected 0xe9)`);
  }
  return bytes;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      image: { type: "string" }, "flash-file": { type: "string" }, flash: { type: "string" },
      "flash-size": { type: "string", default: String(4 << 20) }, download: { type: "boolean", default: false },
      speed: { type: "string", default: "1" }, "flash-timing": { type: "string", default: "fast" },
      "i2c-regs": { type: "string", multiple: true }, "i2c-device": { type: "string", multiple: true },
      "wait-for-host": { type: "boolean", default: false }, "no-rom-log": { type: "boolean", default: false },
      "gpio-log": { type: "string" }, "no-pty": { type: "boolean", default: false }, quiet: { type: "boolean", default: false },
      "power-cut-at": { type: "string" }, "flash-ops-log": { type: "string" }, help: { type: "boolean", default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const flashFile = values["flash-file"] ?? values.flash;
  if (!values.image && !flashFile && !values.download) throw new Error(`give --image, an existing --flash-file, or --download\n${USAGE}`);
  const speed = values.speed === "max" ? Infinity : Number(values.speed);
  if (!(speed > 0)) throw new Error(`--speed ${values.speed}: expected a positive number or 'max'`);
  const timing = values["flash-timing"] === "typical" ? typicalTiming : values["flash-timing"] === "fast" ? fastTiming : undefined;
  if (!timing) throw new Error(`--flash-timing ${values["flash-timing"]}: expected fast or typical`);
  const size = Number(values["flash-size"]);
  if (!Number.isInteger(size) || size < 0x10000 || (size & (size - 1)) !== 0) throw new Error(`--flash-size ${values["flash-size"]}: expected a power of two of at least 65536`);
  const powerCut = powerCutHooks(values["power-cut-at"], values["flash-ops-log"], "esp32c3-sim");

  let chip: Esp32c3 | undefined;
  const devices = await i2cDevicesFromOptions(values["i2c-regs"], values["i2c-device"], { nowUs: () => (chip ? chip.nanos / 1000 : 0) });

  const { flash, fd } = prepareFlash(flashFile, size, values.image ? readImage(values.image) : undefined);
  const out = (line: string) => process.stdout.write(`${line}\n`);
  let gpioLog: WriteStream | undefined;
  if (values["gpio-log"]) gpioLog = createWriteStream(values["gpio-log"]);
  const gpioLine = gpioLog ? (l: string) => gpioLog!.write(`${l}\n`) : out;

  let pty: PtyBridge | undefined;
  let txBuffer: number[] = [];
  let holding = values["wait-for-host"];
  const fromHost: Uint8Array[] = [];
  if (!values["no-pty"]) {
    pty = await openPtyBridge((bytes) => {
      holding = false;
      if (chip) chip.uartReceive(bytes);
      else fromHost.push(Uint8Array.from(bytes));
    });
  }
  const makeChip = () => new Esp32c3({
    flash, downloadMode: values.download, romLog: !values["no-rom-log"], flashTiming: timing, i2cDevices: devices,
    onUartTx: (b) => txBuffer.push(b),
    onGpio: (pin, level, cycle) => gpioLine(`gpio: ${pin} ${level} ${cycle}`),
    onReset: (_r, name, cycle) => out(`reset: ${name} ${cycle}`),
    onUartDropped: (total, cycle) => out(`uart-dropped: ${total} ${cycle}`),
    onFlashChange: (o, l) => { if (fd !== undefined) writeSync(fd, flash, o, l, o); },
    onWarning: values.quiet ? undefined : (m) => process.stderr.write(`warning: ${m}\n`),
    ...powerCut,
  });
  if (pty) out(`uart: ${pty.path}`);

  const flushTx = () => {
    if (!txBuffer.length) return;
    const bytes = Uint8Array.from(txBuffer);
    txBuffer = [];
    if (pty) pty.write(bytes);
    else process.stderr.write(bytes);
  };

  let stopping = false;
  const done = new Promise<void>((resolve) => {
    const stop = () => {
      if (stopping) return;
      stopping = true;
      resolve();
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    const orphanCheck = setInterval(() => { if (process.ppid !== startedBy) stop(); }, 500);
    orphanCheck.unref();
    process.stdout.on("error", stop);
  });

  // The pacing loop: emulated time follows wall time times `speed`, in slices of at most
  // 10 ms emulated, yielding between slices so the terminal's bytes come in.
  const slice = CPU_HZ / 100;
  let wallStart = performance.now();
  let cycleStart = 0;
  const step = () => {
    if (stopping) return;
    if (holding) { setTimeout(step, 5); return; }
    if (!chip) {
      chip = makeChip();
      for (const b of fromHost.splice(0)) chip.uartReceive(b);
      wallStart = performance.now();
      cycleStart = chip.cycles;
    }
    const target = speed === Infinity ? chip.cycles + slice
      : cycleStart + ((performance.now() - wallStart) / 1000) * CPU_HZ * speed;
    const until = Math.min(target, chip.cycles + slice);
    if (until > chip.cycles) chip.runUntil(until);
    flushTx();
    if (speed !== Infinity && chip.cycles >= target) setTimeout(step, 2);
    else setImmediate(step);
  };
  step();
  try {
    await done;
  } finally {
    flushTx();
    const c = chip;
    out(`uart-dropped: ${c?.uart.droppedTotal ?? 0} ${c?.cycles ?? 0}`);
    out(`counters: ${c?.cpu.instret ?? 0} ${c?.cycles ?? 0}`);
    out(`stopped: ${c?.cycles ?? 0}`);
    gpioLog?.end();
    await pty?.close();
    if (fd !== undefined) closeSync(fd);
  }
  return 0;
}

main().then(
  (code) => (process.exitCode = code),
  (e: Error) => {
    process.stderr.write(`esp32c3-sim: ${e.message}\n`);
    process.exitCode = 1;
  },
);
