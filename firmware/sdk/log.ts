// Log lines travel to the host in link frames (never mixed into command traffic).

@external("wasmcu", "log_write")
declare function log_write(level: i32, ptr: usize, len: usize): void;

export const enum Level {
  Error = 0,
  Warn = 1,
  Info = 2,
  Debug = 3,
}

function write(level: Level, message: string): void {
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
