// Log lines travel to the host in link frames (never mixed into command traffic).

@external("wasmcu", "log_write")
declare function log_write(level: i32, ptr: usize, len: usize): void;

export const enum Level {
  Error = 0,
  Warn = 1,
  Info = 2,
  Debug = 3,
}

// A line of up to LINE_UNITS UTF-16 units (3 UTF-8 bytes each at most) is encoded here, not
// into a new buffer per call; the device sends at most 1019 bytes of a line (a link frame).
const LINE_UNITS: i32 = 340;
const line = new StaticArray<u8>(3 * LINE_UNITS);

function write(level: Level, message: string): void {
  const units = message.length;
  if (units <= LINE_UNITS) {
    const n = String.UTF8.encodeUnsafe(changetype<usize>(message), units, changetype<usize>(line));
    log_write(level, changetype<usize>(line), n);
    return;
  }
  const utf8 = String.UTF8.encode(message);
  log_write(level, changetype<usize>(utf8), <usize>utf8.byteLength);
}

export function info(message: string): void {
  write(Level.Info, message);
}

export function warn(message: string): void {
  write(Level.Warn, message);
}

export function error(message: string): void {
  write(Level.Error, message);
}

export function debug(message: string): void {
  write(Level.Debug, message);
}
