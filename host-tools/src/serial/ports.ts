// Serial ports on this machine, with their USB ids and a guess of the board behind each.
// Read from sysfs (/sys/class/tty/*/device, up to the USB device's idVendor/idProduct),
// which needs no udevadm; SerialPort.list() is the fallback where sysfs is unreadable.
import { existsSync, readdirSync, readFileSync, readlinkSync, realpathSync } from "node:fs";
import path from "node:path";
import { listLocalBoards } from "../boards/local.js";
import { DeviceError, UsageError } from "../lib/errors.js";

export interface SerialPortInfo {
  /** Device node: /dev/ttyUSB0. */
  path: string;
  /** Lower-case 4-digit hex, when the port is a USB device. */
  vendorId?: string;
  productId?: string;
  manufacturer?: string;
  product?: string;
  serialNumber?: string;
  /** USB interface number (a composite device may expose several ports). */
  interface?: number;
  /** Board this port probably leads to, with why. */
  board?: string;
  adapter?: string;
  /** A running host board: the process that serves this pseudo-terminal. */
  boardPid?: number;
  /** A local board started with `wasmcu board start NAME`: its name, which --port also takes. */
  name?: string;
  /**
   * Other programs that have the port open now ("node pid 1234"), read from procfs without
   * opening the port: a port in use is never chosen by default and is left alone.
   */
  inUseBy?: string[];
}

interface UsbId {
  vendorId: string;
  /** Undefined: any product of the vendor. */
  productId?: string;
  board: string;
  adapter: string;
}

/** USB ids that point at a board wasmcu supports. */
export const KNOWN_USB_IDS: readonly UsbId[] = [
  // Built into the ESP32-C3 (and later chips), not the original ESP32: a C3 board's own USB port.
  { vendorId: "303a", productId: "1001", board: "esp32c3", adapter: "Espressif USB-serial/JTAG" },
  // USB-UART bridges on ESP32 and ESP32-C3 dev boards (which of the two is behind one, no id tells).
  { vendorId: "10c4", productId: "ea60", board: "esp32", adapter: "Silicon Labs CP210x bridge" },
  { vendorId: "1a86", productId: "7523", board: "esp32", adapter: "WCH CH340 bridge" },
  { vendorId: "1a86", productId: "55d4", board: "esp32", adapter: "WCH CH9102 bridge" },
  { vendorId: "0403", productId: "6001", board: "esp32", adapter: "FTDI FT232R bridge" },
  { vendorId: "303a", board: "esp32", adapter: "Espressif USB device" },
  { vendorId: "2e8a", board: "rp2040", adapter: "Raspberry Pi RP2040 USB CDC" },
];

export function guessBoard(vendorId: string | undefined, productId: string | undefined): UsbId | undefined {
  if (!vendorId) return undefined;
  const v = vendorId.toLowerCase();
  const p = productId?.toLowerCase();
  return KNOWN_USB_IDS.find((k) => k.vendorId === v && (k.productId === undefined || k.productId === p));
}

/** True for Espressif's built-in USB-serial/JTAG, whose reset sequence differs. */
export function isUsbJtagSerial(p: SerialPortInfo): boolean {
  return p.vendorId === "303a" && p.productId === "1001";
}

function readAttr(dir: string, name: string): string | undefined {
  try {
    const v = readFileSync(path.join(dir, name), "utf8").trim();
    return v.length > 0 ? v : undefined;
  } catch {
    return undefined;
  }
}

export interface PortScanOptions {
  /** Root of sysfs (a fake tree in tests). */
  sysfsRoot?: string;
  /** Where device nodes live. */
  devDir?: string;
  /** Root of procfs, searched for running host boards (a fake tree in tests). */
  procRoot?: string;
}

/** Executable names of boards that run on this machine with a pseudo-terminal for a UART. */
const HOST_BOARD_EXECUTABLES: Record<string, string> = { "wasmcu-host": "host" };

/**
 * Pseudo-terminals of running host boards: a wasmcu-host process holds the master side
 * of its UART pty (/dev/ptmx), and procfs tells which /dev/pts/N it is (fdinfo tty-index).
 */
export function listHostBoardPtys(opts: PortScanOptions = {}): SerialPortInfo[] {
  const proc = opts.procRoot ?? "/proc";
  const out: SerialPortInfo[] = [];
  let pids: string[];
  try {
    pids = readdirSync(proc).filter((d) => /^\d+$/.test(d));
  } catch {
    return out;
  }
  for (const pid of pids.sort((a, b) => Number(a) - Number(b))) {
    let exe: string;
    try {
      exe = path.basename(readFileSync(path.join(proc, pid, "cmdline"), "latin1").split("\0")[0] ?? "");
    } catch {
      continue; // gone, or not ours to read
    }
    const board = HOST_BOARD_EXECUTABLES[exe];
    if (!board) continue;
    let fds: string[] = [];
    try {
      fds = readdirSync(path.join(proc, pid, "fd"));
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        if (readlinkSync(path.join(proc, pid, "fd", fd)) !== "/dev/ptmx") continue;
        const idx = /^tty-index:\s*(\d+)/m.exec(readFileSync(path.join(proc, pid, "fdinfo", fd), "latin1"))?.[1];
        if (idx !== undefined) out.push({ path: `/dev/pts/${idx}`, board, adapter: `${exe} pid ${pid} (pseudo-terminal)`, boardPid: Number(pid) });
      } catch {
        /* fd closed meanwhile */
      }
    }
  }
  return out;
}

/** Ports from sysfs; throws if /sys/class/tty cannot be read. */
export function listPortsFromSysfs(opts: PortScanOptions = {}): SerialPortInfo[] {
  const sys = opts.sysfsRoot ?? "/sys";
  const devDir = opts.devDir ?? "/dev";
  const classDir = path.join(sys, "class", "tty");
  const out: SerialPortInfo[] = [];
  for (const name of readdirSync(classDir).sort()) {
    const devLink = path.join(classDir, name, "device");
    if (!existsSync(devLink)) continue; // virtual terminals, ptys: no hardware behind them
    let dev: string;
    try {
      dev = realpathSync(devLink);
    } catch {
      continue;
    }
    // The 8250 driver registers placeholder ttyS ports whether or not a UART is there.
    let driver = "";
    try {
      driver = path.basename(readlinkSync(path.join(dev, "driver")));
    } catch {
      /* no driver link */
    }
    const info: SerialPortInfo = { path: path.join(devDir, name) };
    // Walk up from the tty's device to the USB device (the folder with idVendor).
    const stop = realpathSync(sys);
    for (let d = dev; d.startsWith(stop) && d !== stop; d = path.dirname(d)) {
      if (info.interface === undefined) {
        const n = readAttr(d, "bInterfaceNumber");
        if (n !== undefined && /^[0-9a-f]+$/i.test(n)) info.interface = parseInt(n, 16);
      }
      const vid = readAttr(d, "idVendor");
      const pid = readAttr(d, "idProduct");
      if (vid && pid) {
        info.vendorId = vid.toLowerCase();
        info.productId = pid.toLowerCase();
        const m = readAttr(d, "manufacturer");
        const p = readAttr(d, "product");
        const s = readAttr(d, "serial");
        if (m) info.manufacturer = m;
        if (p) info.product = p;
        if (s) info.serialNumber = s;
        break;
      }
    }
    // A non-USB UART whose type reads 0 (PORT_UNKNOWN) has no hardware behind it.
    if (!info.vendorId && (driver === "serial8250" || readAttr(path.join(classDir, name), "type") === "0")) continue;
    const guess = guessBoard(info.vendorId, info.productId);
    if (guess) {
      info.board = guess.board;
      info.adapter = guess.adapter;
    }
    out.push(info);
  }
  return out;
}

/** Ports from the serialport package (needs udevadm on Linux). */
async function listPortsFromSerialport(): Promise<SerialPortInfo[]> {
  const { SerialPort } = await import("serialport");
  const ports = await SerialPort.list();
  return ports.map((p) => {
    const info: SerialPortInfo = { path: p.path };
    if (p.vendorId) info.vendorId = p.vendorId.toLowerCase();
    if (p.productId) info.productId = p.productId.toLowerCase();
    if (p.manufacturer) info.manufacturer = p.manufacturer;
    if (p.serialNumber) info.serialNumber = p.serialNumber;
    const guess = guessBoard(info.vendorId, info.productId);
    if (guess) {
      info.board = guess.board;
      info.adapter = guess.adapter;
    }
    return info;
  });
}

/** The board's own process, or its child (the emulator's socat bridge), which serves the pty. */
function servesBoard(proc: string, pid: string, p: SerialPortInfo): boolean {
  if (p.boardPid === undefined) return false;
  if (p.boardPid === Number(pid)) return true;
  try {
    // /proc/PID/stat: "pid (comm) state ppid ...": comm may hold spaces, so read after its ')'.
    const stat = readFileSync(path.join(proc, pid, "stat"), "latin1");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === p.boardPid;
  } catch {
    return false;
  }
}

/**
 * Marks the ports other processes have open (`inUseBy`), from the fd links in procfs: the
 * ports themselves are never opened, so looking disturbs no program that uses one (opening
 * would take the port's lock, and the lock makes that program's own open fail). A host
 * board's own process (or the emulator's pty bridge, its child), which serves its pseudo-terminal, does not count.
 */
export function markPortsInUse(ports: SerialPortInfo[], opts: PortScanOptions = {}): SerialPortInfo[] {
  const proc = opts.procRoot ?? "/proc";
  const byPath = new Map(ports.map((p) => [p.path, p]));
  let pids: string[];
  try {
    pids = readdirSync(proc).filter((d) => /^\d+$/.test(d));
  } catch {
    return ports;
  }
  for (const pid of pids.sort((a, b) => Number(a) - Number(b))) {
    let fds: string[];
    try {
      fds = readdirSync(path.join(proc, pid, "fd"));
    } catch {
      continue; // gone, or not ours to read
    }
    const holds = new Set<SerialPortInfo>();
    for (const fd of fds) {
      try {
        const p = byPath.get(readlinkSync(path.join(proc, pid, "fd", fd)));
        if (p && !servesBoard(proc, pid, p)) holds.add(p);
      } catch {
        /* fd closed meanwhile */
      }
    }
    if (holds.size === 0) continue;
    let exe = "?";
    try {
      exe = path.basename(readFileSync(path.join(proc, pid, "cmdline"), "latin1").split("\0")[0] ?? "") || "?";
    } catch {
      /* gone */
    }
    for (const p of holds) (p.inUseBy ??= []).push(`${exe} pid ${pid}`);
  }
  return ports;
}

/** Every serial port with its USB identity, board guess and the programs using it; none is opened. */
export async function listPorts(opts: PortScanOptions = {}): Promise<SerialPortInfo[]> {
  let hw: SerialPortInfo[];
  try {
    hw = listPortsFromSysfs(opts);
  } catch {
    if (opts.sysfsRoot) throw new UsageError(`cannot read ${path.join(opts.sysfsRoot, "class", "tty")}`);
    hw = await listPortsFromSerialport();
  }
  return markPortsInUse(withLocalBoards([...hw, ...listHostBoardPtys(opts)], opts), opts);
}

/**
 * Adds the named local boards (`wasmcu board start`): a host board already found by its
 * process gets its name; an emulated board (a node process, not found that way) is added.
 */
export function withLocalBoards(ports: SerialPortInfo[], opts: PortScanOptions & { boardsDir?: string } = {}): SerialPortInfo[] {
  // A fake procfs in a test has no boards of ours running.
  if (opts.procRoot && !opts.boardsDir) return ports;
  for (const b of listLocalBoards(opts.boardsDir)) {
    const seen = ports.find((p) => p.path === b.port);
    if (seen) Object.assign(seen, { name: b.name, board: b.board });
    else ports.push({ path: b.port, board: b.board, name: b.name, adapter: `${b.board} board pid ${b.boardPid} (pseudo-terminal)`, boardPid: b.boardPid });
  }
  return ports;
}

/** "ttyUSB0 (10c4:ea60 Silicon Labs CP210x bridge, probably esp32)" */
export function describePort(p: SerialPortInfo): string {
  const id = p.name ? `local board ${p.name}` : p.vendorId ? `${p.vendorId}:${p.productId ?? "????"}` : "no USB id";
  const what = [p.adapter ?? [p.manufacturer, p.product].filter(Boolean).join(" "), p.board ? `probably ${p.board}` : ""].filter(Boolean).join(", ");
  return `${p.path} (${id}${what ? ` ${what}` : ""}${p.inUseBy ? `; in use by ${p.inUseBy.join(", ")}` : ""})`;
}

/** Boards whose real hardware a --board name talks to (the emulators have no serial port).
 * ESP32 and ESP32-C3 share bridges and the ROM's serial protocol: one family for choosing a port. */
function boardFamily(board: string): string {
  // An emulator's ports are only its own running boards, never the chip's USB bridges.
  if (board.endsWith("-sim")) return board;
  return board.toLowerCase().replace(/^esp32.*/, "esp32");
}

/**
 * The port to use when --port is not given: the only one whose USB id matches `board`
 * (or any supported board) that no other program has open; nothing is opened to find out.
 * None is a DeviceError (exit 4: no board there); several, or only ones in use, are a
 * UsageError listing them (exit 2: choose one with --port, or close the other program).
 */
export async function pickPort(board?: string, opts: PortScanOptions = {}): Promise<string> {
  const all = await listPorts(opts);
  const fam = board ? boardFamily(board) : undefined;
  const matching = all.filter((p) => p.board !== undefined && (fam === undefined || boardFamily(p.board) === fam));
  const cands = matching.filter((p) => !p.inUseBy);
  if (cands.length === 1) return cands[0]!.path;
  const forBoard = board ? ` for --board ${board}` : "";
  if (cands.length === 0 && board?.endsWith("-sim")) {
    throw new DeviceError(`no ${board} board is running in the background (--board ${board} runs in the emulator: it has a port only while one runs)`,
      `start one (wasmcu board start NAME --board ${board}) and pass --port NAME, or use wasmcu run --board ${board}`);
  }
  const others = all.length === 0 ? "no serial ports at all" : `ports seen: ${all.map(describePort).join("; ")}`;
  if (cands.length === 0 && matching.length > 0) {
    throw new UsageError(`every serial port that looks like a board${forBoard} is in use by another program: ${matching.map(describePort).join("; ")}`,
      "close the program that holds it (a monitor, another wasmcu), or pass --port PATH");
  }
  if (cands.length === 0) {
    throw new DeviceError(`no serial port looks like a board${forBoard} (${others})`, board === "host"
      ? "start a host board in the background (wasmcu board start NAME --board host; wasmcu run --board host shows one in the foreground) and pass --port NAME"
      : "plug the board in (check the cable carries data), or pass --port PATH; `wasmcu ports` lists what is there");
  }
  throw new UsageError(`${cands.length} serial ports look like a board${forBoard}: ${cands.map(describePort).join("; ")}`,
    "choose one with --port PATH");
}
