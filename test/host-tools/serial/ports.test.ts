import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { describePort, isUsbJtagSerial, listPorts, pickPort } from "../../../host-tools/src/serial/ports.js";
import { UsageError } from "../../../host-tools/src/lib/errors.js";

/** An empty /proc, so host boards other tests run meanwhile do not show up. */
const noProc = mkdtempSync(path.join(tmpdir(), "wasmcu-proc-"));

/** A fake /proc: processes with their command line and ptmx file descriptors. */
function fakeProc(procs: { pid: number; argv0: string; ptys?: number[]; open?: string[] }[]): string {
  const root = mkdtempSync(path.join(tmpdir(), "wasmcu-proc-"));
  mkdirSync(path.join(root, "self"));
  for (const p of procs) {
    const dir = path.join(root, String(p.pid));
    mkdirSync(path.join(dir, "fd"), { recursive: true });
    mkdirSync(path.join(dir, "fdinfo"));
    writeFileSync(path.join(dir, "cmdline"), `${p.argv0}\0--flash\0x.bin\0`);
    symlinkSync("/dev/null", path.join(dir, "fd", "0"));
    writeFileSync(path.join(dir, "fdinfo", "0"), "pos:\t0\nflags:\t0100002\n");
    (p.ptys ?? []).forEach((n, i) => {
      symlinkSync("/dev/ptmx", path.join(dir, "fd", String(3 + i)));
      writeFileSync(path.join(dir, "fdinfo", String(3 + i)), `pos:\t0\nflags:\t0104002\nmnt_id:\t25\nino:\t2\ntty-index:\t${n}\n`);
    });
    (p.open ?? []).forEach((f, i) => symlinkSync(f, path.join(dir, "fd", String(20 + i))));
  }
  return root;
}

/** A fake /sys with USB serial devices laid out the way Linux does it. */
function fakeSysfs(devices: { tty: string; vid?: string; pid?: string; product?: string; serial?: string; acm?: boolean; platform?: string }[]): string {
  const root = mkdtempSync(path.join(tmpdir(), "wasmcu-sysfs-"));
  mkdirSync(path.join(root, "class", "tty"), { recursive: true });
  devices.forEach((d, i) => {
    const ttyClass = path.join(root, "class", "tty", d.tty);
    mkdirSync(ttyClass);
    if (d.platform) {
      // A UART on a platform bus, with a driver link (8250 placeholders are skipped).
      const dev = path.join(root, "devices", "platform", `${d.platform}.${i}`);
      mkdirSync(dev, { recursive: true });
      mkdirSync(path.join(root, "bus", "platform", "drivers", d.platform), { recursive: true });
      symlinkSync(path.join(root, "bus", "platform", "drivers", d.platform), path.join(dev, "driver"));
      symlinkSync(path.relative(ttyClass, dev), path.join(ttyClass, "device"));
      return;
    }
    if (!d.vid) return; // a virtual terminal: no device link
    const usbDev = path.join(root, "devices", "pci0000:00", "0000:00:14.0", "usb1", `1-${i + 1}`);
    const intf = path.join(usbDev, `1-${i + 1}:1.0`);
    // usb-serial bridges hang the tty one level below the interface; CDC ACM on the interface.
    const ttyDev = d.acm ? intf : path.join(intf, d.tty);
    mkdirSync(ttyDev, { recursive: true });
    writeFileSync(path.join(intf, "bInterfaceNumber"), "00\n");
    writeFileSync(path.join(usbDev, "idVendor"), `${d.vid}\n`);
    writeFileSync(path.join(usbDev, "idProduct"), `${d.pid}\n`);
    if (d.product) writeFileSync(path.join(usbDev, "product"), `${d.product}\n`);
    if (d.serial) writeFileSync(path.join(usbDev, "serial"), `${d.serial}\n`);
    symlinkSync(path.relative(ttyClass, ttyDev), path.join(ttyClass, "device"));
  });
  return root;
}

test("ports: USB ids are read from sysfs and mapped to a board guess, non-hardware ttys skipped", async () => {
  const sys = fakeSysfs([
    { tty: "tty0" },
    { tty: "ttyS0", platform: "serial8250" },
    { tty: "ttyAMA0", platform: "uart-pl011" },
    { tty: "ttyUSB0", vid: "10c4", pid: "ea60", product: "CP2102N USB to UART Bridge Controller", serial: "0001" },
    { tty: "ttyUSB1", vid: "1A86", pid: "7523", product: "USB Serial" },
    { tty: "ttyACM0", vid: "2e8a", pid: "000a", product: "Pico", serial: "E6614C311B", acm: true },
    { tty: "ttyACM1", vid: "303a", pid: "1001", acm: true },
    { tty: "ttyACM2", vid: "1a86", pid: "55d4", acm: true },
    { tty: "ttyUSB2", vid: "0403", pid: "6001", product: "FT232R USB UART" },
    { tty: "ttyUSB3", vid: "2341", pid: "0043", product: "Arduino Uno" },
  ]);
  const ports = await listPorts({ sysfsRoot: sys, procRoot: noProc });
  assert.deepEqual(ports.map((p) => [path.basename(p.path), p.vendorId, p.productId, p.board]), [
    ["ttyACM0", "2e8a", "000a", "rp2040"],
    ["ttyACM1", "303a", "1001", "esp32c3"],
    ["ttyACM2", "1a86", "55d4", "esp32"],
    ["ttyAMA0", undefined, undefined, undefined],
    ["ttyUSB0", "10c4", "ea60", "esp32"],
    ["ttyUSB1", "1a86", "7523", "esp32"],
    ["ttyUSB2", "0403", "6001", "esp32"],
    ["ttyUSB3", "2341", "0043", undefined],
  ]);
  const pico = ports.find((p) => p.path === "/dev/ttyACM0")!;
  assert.equal(pico.serialNumber, "E6614C311B");
  assert.equal(pico.interface, 0);
  assert.equal(ports.find((p) => p.path === "/dev/ttyUSB0")!.adapter, "Silicon Labs CP210x bridge");
  assert.ok(isUsbJtagSerial(ports.find((p) => p.path === "/dev/ttyACM1")!));
  assert.equal(ports.find((p) => p.path === "/dev/ttyUSB2")!.adapter, "FTDI FT232R bridge");
  assert.equal(describePort(ports.find((p) => p.path === "/dev/ttyUSB3")!), "/dev/ttyUSB3 (2341:0043 Arduino Uno)");
});

test("pickPort returns the only candidate for the board, ignoring ports of other boards", async () => {
  const sys = fakeSysfs([
    { tty: "ttyUSB0", vid: "10c4", pid: "ea60" },
    { tty: "ttyACM0", vid: "2e8a", pid: "000a", acm: true },
    { tty: "ttyUSB1", vid: "2341", pid: "0043" },
  ]);
  assert.equal(await pickPort("esp32", { sysfsRoot: sys, procRoot: noProc }), "/dev/ttyUSB0");
  assert.equal(await pickPort("esp32c3", { sysfsRoot: sys, procRoot: noProc }), "/dev/ttyUSB0", "a bridge serves either ESP chip");
  assert.equal(await pickPort("rp2040", { sysfsRoot: sys, procRoot: noProc }), "/dev/ttyACM0");
});

test("pickPort with several candidates names them all and asks for --port", async () => {
  const sys = fakeSysfs([{ tty: "ttyUSB0", vid: "10c4", pid: "ea60" }, { tty: "ttyACM0", vid: "2e8a", pid: "000a", acm: true }]);
  await assert.rejects(pickPort(undefined, { sysfsRoot: sys, procRoot: noProc }), (e: Error) => {
    assert.ok(e instanceof UsageError);
    assert.match(e.message, /2 serial ports look like a board: \/dev\/ttyACM0 \(2e8a:000a .*probably rp2040\); \/dev\/ttyUSB0 \(10c4:ea60 .*probably esp32\)/);
    assert.match(e.hint ?? "", /--port/);
    return true;
  });
});

test("pickPort with no candidate lists the ports it did see", async () => {
  const sys = fakeSysfs([{ tty: "ttyUSB1", vid: "2341", pid: "0043", product: "Arduino Uno" }]);
  await assert.rejects(pickPort("esp32", { sysfsRoot: sys, procRoot: noProc }), /no serial port looks like a board for --board esp32 \(ports seen: \/dev\/ttyUSB1 \(2341:0043 Arduino Uno\)\)/);
  const empty = fakeSysfs([]);
  await assert.rejects(pickPort("rp2040", { sysfsRoot: empty, procRoot: noProc }), /no serial ports at all/);
  await assert.rejects(pickPort("rp2040-sim", { sysfsRoot: empty, procRoot: noProc }), /runs in the emulator/);
  await assert.rejects(pickPort("esp32c3-sim", { sysfsRoot: empty, procRoot: noProc }), /runs in the emulator/);
  await assert.rejects(pickPort("host", { sysfsRoot: empty, procRoot: noProc }), (e: Error & { hint?: string }) => /no serial ports at all/.test(e.message) && /wasmcu run --board host/.test(e.hint ?? ""));
});

test("running host boards are found through procfs: the pty behind wasmcu-host's /dev/ptmx, other processes ignored", async () => {
  const proc = fakeProc([
    { pid: 100, argv0: "/usr/bin/bash", ptys: [0] },
    { pid: 4242, argv0: "/work/main/build/host/bin/wasmcu-host", ptys: [7] },
    { pid: 4300, argv0: "socat", ptys: [8, 9] },
  ]);
  const sys = fakeSysfs([{ tty: "ttyUSB0", vid: "10c4", pid: "ea60" }]);
  const ports = await listPorts({ sysfsRoot: sys, procRoot: proc });
  assert.deepEqual(ports.map((p) => [p.path, p.board]), [["/dev/ttyUSB0", "esp32"], ["/dev/pts/7", "host"]]);
  assert.equal(ports[1]!.adapter, "wasmcu-host pid 4242 (pseudo-terminal)");
  assert.equal(await pickPort("host", { sysfsRoot: sys, procRoot: proc }), "/dev/pts/7");
  assert.equal(await pickPort("esp32", { sysfsRoot: sys, procRoot: proc }), "/dev/ttyUSB0");
  await assert.rejects(pickPort("host", { sysfsRoot: sys, procRoot: noProc }), /no serial port looks like a board for --board host/);
});

test("no board on any port is a device problem (exit 4); several are a usage question (exit 2)", async () => {
  const { DeviceError } = await import("../../../host-tools/src/lib/errors.js");
  const none = fakeSysfs([{ tty: "ttyUSB1", vid: "2341", pid: "0043", product: "Arduino Uno" }]);
  await assert.rejects(pickPort("esp32", { sysfsRoot: none, procRoot: noProc }), (e: Error) => e instanceof DeviceError && e.exitCode === 4);
  const two = fakeSysfs([{ tty: "ttyUSB0", vid: "10c4", pid: "ea60" }, { tty: "ttyACM0", vid: "2e8a", pid: "000a", acm: true }]);
  await assert.rejects(pickPort(undefined, { sysfsRoot: two, procRoot: noProc }), (e: Error) => e instanceof UsageError && e.exitCode === 2);
});

test("ports another program has open are marked in use and never picked by default; the board's own process does not count", async () => {
  const proc = fakeProc([
    { pid: 4242, argv0: "/work/a/build/host/bin/wasmcu-host", ptys: [7], open: ["/dev/pts/7"] },
    { pid: 4243, argv0: "/work/b/build/host/bin/wasmcu-host", ptys: [8] },
    { pid: 5000, argv0: "node", open: ["/dev/pts/8", "/dev/ttyUSB0"] },
  ]);
  const sys = fakeSysfs([{ tty: "ttyUSB0", vid: "10c4", pid: "ea60" }, { tty: "ttyACM0", vid: "2e8a", pid: "000a", acm: true }]);
  const ports = await listPorts({ sysfsRoot: sys, procRoot: proc });
  assert.deepEqual(ports.map((p) => [p.path, p.inUseBy]), [
    ["/dev/ttyACM0", undefined], ["/dev/ttyUSB0", ["node pid 5000"]], ["/dev/pts/7", undefined], ["/dev/pts/8", ["node pid 5000"]]]);
  // Two host boards, one of them another program's: the free one is the default.
  assert.equal(await pickPort("host", { sysfsRoot: sys, procRoot: proc }), "/dev/pts/7");
  assert.equal(await pickPort("rp2040", { sysfsRoot: sys, procRoot: proc }), "/dev/ttyACM0");
  await assert.rejects(pickPort("esp32", { sysfsRoot: sys, procRoot: proc }), (e: Error & { hint?: string }) =>
    /every serial port that looks like a board for --board esp32 is in use by another program: \/dev\/ttyUSB0 .*in use by node pid 5000/.test(e.message) && /--port/.test(e.hint ?? ""));
});

test("listing ports opens none of them: a port this process holds locked stays usable and shows as in use", async () => {
  // A real pseudo-terminal held open, with serialport's exclusive lock, by this process.
  const { openSerialPort } = await import("../../../host-tools/src/serial/port.js");
  const { launchHostBoard } = await import("../../../host-tools/src/boards/launch.js");
  const { resolveBoard } = await import("../../../host-tools/src/boards/registry.js");
  const { hostBin } = await import("../../helpers/paths.js");
  const board = await launchHostBoard(resolveBoard("host"), { firmware: hostBin("wasmcu-host"), flashFile: path.join(noProc, "..", `ports-${process.pid}.bin`) });
  try {
    const held = await openSerialPort(board.uartPath, 115200);
    try {
      const mine = (await listPorts()).find((p) => p.path === board.uartPath);
      assert.ok(mine, `the running host board's pty ${board.uartPath} is listed`);
      assert.deepEqual(mine.inUseBy?.filter((u) => u.endsWith(`pid ${process.pid}`)).length, 1, JSON.stringify(mine));
      // Had listing opened the port, the lock would be broken or the listing would have failed.
      await assert.rejects(openSerialPort(board.uartPath, 115200), /Cannot lock port|cannot open/);
    } finally {
      await held.close();
    }
    const after = (await listPorts()).find((p) => p.path === board.uartPath);
    assert.equal(after?.inUseBy, undefined, "closed again: no longer in use");
  } finally {
    await board.stop();
  }
});
