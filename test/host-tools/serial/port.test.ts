// Closing a serial port: the promise resolves only once the descriptor is closed, also when
// the stream had already begun closing by itself (it saw the line fail): a close still
// running in a worker thread would keep the CLI process alive after the command.
import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { test } from "node:test";
import type { SerialPort } from "serialport";
import { closePort } from "../../../host-tools/src/serial/port.js";

/** What closePort reads of a SerialPort stream, in a given state. */
function fakePort(state: { isOpen: boolean; closing: boolean }): SerialPort & { closeCalls: number } {
  const port = Object.assign(new EventEmitter(), state, {
    closeCalls: 0,
    close(cb: (err: Error | null) => void) {
      port.closeCalls++;
      port.isOpen = false;
      port.closing = true;
      setImmediate(() => {
        port.closing = false;
        port.emit("close");
        cb(null);
      });
    },
  });
  return port as unknown as SerialPort & { closeCalls: number };
}

/** Whether `p` has settled once pending callbacks have run. */
async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  void p.then(() => (done = true));
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r));
  return done;
}

test("closing an open port closes it once and resolves when its close is done", async () => {
  const port = fakePort({ isOpen: true, closing: false });
  await closePort(port);
  assert.equal(port.closeCalls, 1);
  assert.equal(port.isOpen, false);
});

test("closing a port the stream is already closing waits for the stream's close event", async () => {
  const port = fakePort({ isOpen: false, closing: true });
  const closing = closePort(port);
  assert.equal(await settled(closing), false, "resolved while the close was still running");
  port.emit("close");
  assert.equal(await settled(closing), true);
  assert.equal(port.closeCalls, 0, "a port already closing is not closed twice");
  assert.equal(port.listenerCount("close") + port.listenerCount("error"), 0, "listeners left on the stream");
});

test("a failed close of a port already closing still ends the wait", async () => {
  const port = fakePort({ isOpen: false, closing: true });
  const closing = closePort(port);
  port.emit("error", new Error("EIO"));
  assert.equal(await settled(closing), true);
});

test("closing a port that is closed resolves at once", async () => {
  const port = fakePort({ isOpen: false, closing: false });
  assert.equal(await settled(closePort(port)), true);
  assert.equal(port.closeCalls, 0);
});
