// Opening a serial port (or a pseudo-terminal) by path: the one place wasmcu opens one.
// The device link (link/transport.ts) and the ESP32 ROM loader (flash/esp32/transport.ts)
// both start here; the loader also uses the modem lines and changes the baud rate.
import { SerialPort } from "serialport";
import { DeviceError } from "../lib/errors.js";

export interface ModemLines {
  dtr?: boolean;
  rts?: boolean;
}

export interface OpenSerialPort {
  /** The port as a byte stream. */
  readonly stream: SerialPort;
  setSignals(lines: ModemLines): Promise<void>;
  setBaudRate(baud: number): Promise<void>;
  /** Closes the port if it is open; resolves once the descriptor is closed (nothing of it is left pending). */
  close(): Promise<void>;
}

export async function openSerialPort(path: string, baudRate: number): Promise<OpenSerialPort> {
  const port = new SerialPort({ path, baudRate, autoOpen: false });
  await new Promise<void>((resolve, reject) =>
    port.open((err) => (err ? reject(new DeviceError(`cannot open serial port ${path}: ${err.message}`,
      "check the port with `wasmcu ports`, and that no other program (a monitor, a wasmcu run) has it open; " +
      "a local board that several commands use runs in the background: wasmcu board start NAME, then --port NAME")) : resolve())));
  const cb = (what: string, resolve: () => void, reject: (e: Error) => void) => (err: Error | null | undefined) =>
    err ? reject(new DeviceError(`${path}: ${what}: ${err.message}`)) : resolve();
  return {
    stream: port,
    setSignals: (l) => new Promise((resolve, reject) => port.set(l, cb("cannot set DTR/RTS", resolve, reject))),
    setBaudRate: (b) => new Promise((resolve, reject) => port.update({ baudRate: b }, cb(`cannot set ${b} baud`, resolve, reject))),
    close: () => closePort(port),
  };
}

/**
 * A port the stream is already closing (it saw the line fail, e.g. the other end of a pty
 * went away) is waited for too: its close runs in a worker thread, which would otherwise
 * keep the process alive after the caller was told it was closed.
 */
export function closePort(port: SerialPort): Promise<void> {
  return new Promise<void>((resolve) => {
    if (port.isOpen) port.close(() => resolve());
    else if (port.closing) {
      const done = () => {
        port.off("close", done).off("error", done);
        resolve();
      };
      port.once("close", done).once("error", done);
    } else resolve();
  });
}
