// rp2040-sim's UART receive interrupts against the RP2040 datasheet's description of its
// PL011 (4.2, UARTIFLS / UARTRIS), on rp2040js's own UART register file: RXINTR from the
// trigger level on, RTINTR after 32 quiet bit periods with data waiting, both gone when the
// FIFO is read empty.
import assert from "node:assert/strict";
import { test } from "node:test";
import { RP2040 } from "rp2040js";
import { SimClock } from "../../../host-tools/src/sim/clock.js";
import { modelUartRxInterrupts } from "../../../host-tools/src/sim/uart-rx.js";

const UART0 = 0x40034000;
const [DR, LCR_H, IFLS, RIS] = [0x00, 0x2c, 0x34, 0x3c];
const RXINTR = 1 << 4;
const RTINTR = 1 << 6;
const FEN = 1 << 4;
const BIT_NS = 1e9 / 115200;

function uartAt(ifls: number | undefined, fifos = true) {
  const clock = new SimClock();
  const rp = new RP2040(clock);
  const uart = rp.uart[0]!;
  modelUartRxInterrupts(uart, clock, () => BIT_NS);
  rp.writeUint32(UART0 + LCR_H, (3 << 5) | (fifos ? FEN : 0));
  if (ifls !== undefined) rp.writeUint32(UART0 + IFLS, ifls);
  const ris = () => rp.readUint32(UART0 + RIS) & (RXINTR | RTINTR);
  const feed = (n: number) => {
    for (let i = 0; i < n; i++) {
      uart.feedByte(0x41 + i);
      clock.tick(10 * BIT_NS); // a character's time on the line
    }
  };
  return { rp, clock, ris, feed, read: () => rp.readUint32(UART0 + DR) };
}

test("RXINTR rises at each RXIFLSEL level (1/8 .. 7/8 of the 32-entry FIFO) and not before", () => {
  for (const [sel, level] of [[0, 4], [1, 8], [2, 16], [3, 24], [4, 28]] as const) {
    const u = uartAt(sel << 3);
    u.feed(level - 1);
    assert.equal(u.ris() & RXINTR, 0, `RXIFLSEL ${sel}: ${level - 1} bytes`);
    u.feed(1);
    assert.equal(u.ris() & RXINTR, RXINTR, `RXIFLSEL ${sel}: ${level} bytes`);
  }
});

test("UARTIFLS resets to 0x12 (both levels 1/2: RXINTR at 16 entries)", () => {
  const u = uartAt(undefined);
  assert.equal(u.rp.readUint32(UART0 + IFLS), 0x12);
  u.feed(15);
  assert.equal(u.ris() & RXINTR, 0);
  u.feed(1);
  assert.equal(u.ris() & RXINTR, RXINTR);
});

test("RXINTR falls when reads take the FIFO below its level; RTINTR comes after 32 quiet bit periods and goes when it empties", () => {
  const u = uartAt(0); // 1/8: 4 entries
  u.feed(5);
  assert.equal(u.ris(), RXINTR);
  assert.equal(u.read(), 0x41);
  assert.equal(u.read(), 0x42);
  assert.equal(u.ris(), 0, "3 entries: below the level, and the line has not been quiet for 32 bit periods");
  u.clock.tick(32 * BIT_NS - 10 * BIT_NS - 1); // the last byte arrived 10 bit periods ago
  assert.equal(u.ris(), 0);
  u.clock.tick(2);
  assert.equal(u.ris(), RTINTR);
  u.read();
  assert.equal(u.ris(), RTINTR, "still data waiting");
  u.read();
  u.read();
  assert.equal(u.ris(), 0, "emptied");
});

test("a byte arriving restarts the receive timeout; with the FIFOs off every character raises RXINTR", () => {
  const u = uartAt(0);
  u.feed(1);
  u.clock.tick(20 * BIT_NS);
  u.feed(1); // 30 bit periods after the first: the timeout starts again
  u.clock.tick(20 * BIT_NS);
  assert.equal(u.ris(), 0);
  u.clock.tick(2 * BIT_NS);
  assert.equal(u.ris(), RTINTR);
  const off = uartAt(0, false);
  off.feed(1);
  assert.equal(off.ris() & RXINTR, RXINTR);
});
