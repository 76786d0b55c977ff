// A pseudo-terminal for the emulated UART: socat creates it and copies bytes
// between it and its stdin/stdout, which the emulator owns. A host program
// opens the printed path with `serialport` exactly as it would a USB serial
// adapter. We keep one descriptor of the terminal open ourselves so a client
// closing and reopening it does not hang up the bridge.
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { closeSync, constants, openSync } from "node:fs";

export interface PtyBridge {
  /** The terminal a client opens, e.g. /dev/pts/4. */
  readonly path: string;
  write(bytes: Uint8Array): void;
  close(): Promise<void>;
}

export async function openPtyBridge(onData: (bytes: Uint8Array) => void, timeoutMs = 15_000): Promise<PtyBridge> {
  let proc: ChildProcessWithoutNullStreams;
  try {
    proc = spawn("socat", ["-d", "-d", "pty,raw,echo=0", "stdio"], { stdio: ["pipe", "pipe", "pipe"] });
  } catch (e) {
    throw new Error(`cannot start socat for the UART pseudo-terminal: ${(e as Error).message}`);
  }
  const path = await new Promise<string>((resolve, reject) => {
    let err = "";
    const timer = setTimeout(() => {
      proc.kill();
      reject(new Error(`socat did not report its pseudo-terminal within ${timeoutMs} ms: ${err.trim()}`));
    }, timeoutMs);
    proc.once("error", (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new Error(e.code === "ENOENT"
        ? "socat not found: it makes the emulated UART's pseudo-terminal (apt-get install socat)"
        : `socat: ${e.message}`));
    });
    proc.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`socat exited (code ${code}) before reporting a pseudo-terminal: ${err.trim()}`));
    });
    proc.stderr.on("data", (d: Buffer) => {
      err += d.toString();
      const m = /PTY is (\/\S+)/.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
  });
  proc.removeAllListeners("exit");
  proc.stderr.removeAllListeners("data");
  proc.stderr.resume();
  proc.stdout.on("data", (d: Buffer) => onData(new Uint8Array(d.buffer, d.byteOffset, d.byteLength)));
  proc.stdin.on("error", () => {}); // socat gone: nothing left to write to
  const hold = openSync(path, constants.O_RDWR | constants.O_NOCTTY | constants.O_NONBLOCK);
  let closed = false;
  return {
    path,
    write(bytes: Uint8Array) {
      if (!closed && proc.exitCode === null) proc.stdin.write(bytes);
    },
    async close() {
      if (closed) return;
      closed = true;
      const exited = proc.exitCode !== null ? Promise.resolve() : new Promise<void>((r) => proc.once("exit", () => r()));
      proc.stdin.end();
      proc.kill("SIGTERM");
      await exited;
      try {
        closeSync(hold);
      } catch {
        // already closed
      }
    },
  };
}
