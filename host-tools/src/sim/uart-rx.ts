// The receive interrupts of the RP2040's UARTs (an Arm PL011) as the RP2040 datasheet
// describes them (4.2: UARTIFLS, UARTRIS), which rp2040js does not model: it raises RXINTR on
// every byte received (its own TODO), so a firmware that asks for the usual 1/8 level woke four
// times as often as on a chip, and the emulated cost of receiving was four times a chip's.
// - RXINTR while the receive FIFO holds its trigger level or more (UARTIFLS.RXIFLSEL: 1/8, 1/4,
//   1/2, 3/4 or 7/8 of 32 entries; with the FIFOs off, LCR_H.FEN = 0, every character);
// - RTINTR when the FIFO is not empty and nothing has arrived for 32 bit periods; cleared when
//   the FIFO empties (or by UARTICR, which rp2040js handles).
import type { RP2040 } from "rp2040js";
import type { SimClock } from "./clock.js";

const UARTDR = 0x00;
const UARTIFLS = 0x34;
const RXINTR = 1 << 4;
const RTINTR = 1 << 6;
const LCR_H_FEN = 1 << 4;
/** UARTIFLS's reset value: both trigger levels at 1/2. */
const IFLS_RESET = 0x12;
/** FIFO entries for RXIFLSEL 0..4 (1/8 .. 7/8 of 32); other values are reserved. */
const RX_LEVELS = [4, 8, 16, 24, 28];

type RPUART = RP2040["uart"][number];

/** What of rp2040js's RPUART this model reads and writes (not part of its typings). */
interface UartState {
  rxFIFO: { itemCount: number; push(value: number): void; pull(): number };
  interruptStatus: number;
  lineCtrlRegister: number;
  checkInterrupts(): void;
}

/** Makes `uart` raise its receive interrupts as a PL011 does; `bitNanos` is the current bit period. */
export function modelUartRxInterrupts(uart: RPUART, clock: SimClock, bitNanos: () => number): void {
  const u = uart as unknown as UartState;
  let ifls = IFLS_RESET;
  const level = () => (u.lineCtrlRegister & LCR_H_FEN ? RX_LEVELS[(ifls >> 3) & 7] ?? RX_LEVELS[2]! : 1);
  const update = () => {
    const n = u.rxFIFO.itemCount;
    u.interruptStatus = n >= level() ? u.interruptStatus | RXINTR : u.interruptStatus & ~RXINTR;
    if (n === 0) u.interruptStatus &= ~RTINTR;
    u.checkInterrupts();
  };
  const timeout = clock.createAlarm(() => {
    if (u.rxFIFO.itemCount === 0) return;
    u.interruptStatus |= RTINTR;
    u.checkInterrupts();
  });
  uart.feedByte = (value: number) => {
    u.rxFIFO.push(value);
    timeout.schedule(32 * bitNanos());
    update();
  };
  const read = uart.readUint32.bind(uart);
  uart.readUint32 = (offset: number) => {
    if (offset === UARTIFLS) return ifls;
    if (offset !== UARTDR) return read(offset);
    const value = u.rxFIFO.pull();
    update();
    return value;
  };
  const write = uart.writeUint32.bind(uart);
  uart.writeUint32 = (offset: number, value: number) => {
    if (offset !== UARTIFLS) return write(offset, value);
    ifls = value & 0x3f;
    update();
  };
}
