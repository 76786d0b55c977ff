// SPI1, the flash controller the firmware uses to erase and program its flash (TRM "SPI
// Controller (SPI)", SPI1 = SPI_MEM at 0x60002000; user-command layout as esptool's
// ESP32-C3 target uses it). Each operation is played out byte by byte on the SPI NOR
// flash model (../flash-chip.ts), which keeps the chip's rules: write enable, busy
// times, 1-to-0 programming, power cuts.
//   0x00 CMD   set one bit, it clears when the operation is done (at once here):
//              31 READ (ADDR[23:0], ADDR[31:24] bytes into W0..), 30 WREN, 29 WRDI,
//              28 RDID (JEDEC id into W0), 27 RDSR (status into RD_STATUS), 25 PP
//              (ADDR[31:24] bytes from W0.. to ADDR[23:0]), 24 SE (4 KiB), 23 BE (64 KiB),
//              22 CE, 18 USR (the user command below)
//   0x04 ADDR  0x18 USER (31 command phase, 30 address, 29 dummy, 28 MISO, 27 MOSI)
//   0x1C USER1 address bit length - 1 in [31:26]   0x20 USER2 command bit length - 1 in
//              [31:28], command value in [15:0]   0x24 MOSI_DLEN, 0x28 MISO_DLEN (bits - 1)
//   0x2C RD_STATUS  0x58..0x94 W0..W15, the 64-byte data buffer (little-endian bytes)
import type { SpiNorFlash } from "../flash-chip.js";
import type { Peripheral } from "./peripheral.js";

export const SPI1_BASE = 0x60002000;

const CMD = 0x00, ADDR = 0x04, USER = 0x18, USER1 = 0x1c, USER2 = 0x20, MOSI_DLEN = 0x24, MISO_DLEN = 0x28;
const RD_STATUS = 0x2c, W0 = 0x58, BUFFER_BYTES = 64;

const CMD_READ = 1 << 31, CMD_WREN = 1 << 30, CMD_WRDI = 1 << 29, CMD_RDID = 1 << 28, CMD_RDSR = 1 << 27;
const CMD_PP = 1 << 25, CMD_SE = 1 << 24, CMD_BE = 1 << 23, CMD_CE = 1 << 22, CMD_USR = 1 << 18;

const USER_COMMAND = 1 << 31, USER_ADDR = 1 << 30, USER_MISO = 1 << 28, USER_MOSI = 1 << 27;

export class Spi1 implements Peripheral {
  readonly name = "SPI1";
  private readonly regs = new Map<number, number>();
  private readonly buffer = new Uint8Array(BUFFER_BYTES);

  /** `onFlashWrite` runs after an erase or program may have changed flash contents. */
  constructor(private readonly chip: SpiNorFlash, private readonly onFlashWrite: () => void) {}

  private reg(offset: number): number {
    return this.regs.get(offset) ?? 0;
  }

  read(offset: number): number {
    if (offset >= W0 && offset < W0 + BUFFER_BYTES) {
      const i = offset - W0;
      const b = this.buffer;
      return (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0;
    }
    if (offset === CMD) return 0; // every operation has finished
    return this.reg(offset);
  }

  write(offset: number, value: number): void {
    if (offset >= W0 && offset < W0 + BUFFER_BYTES) {
      const i = offset - W0;
      for (let k = 0; k < 4; k++) this.buffer[i + k] = (value >>> (8 * k)) & 0xff;
      return;
    }
    if (offset === CMD) return this.command(value >>> 0);
    this.regs.set(offset, value >>> 0);
  }

  /** One chip-select period: the bytes out, and `readCount` bytes back. */
  private transaction(out: number[], readCount: number): number[] {
    this.chip.select();
    for (const b of out) this.chip.transfer(b);
    const back: number[] = [];
    for (let i = 0; i < readCount; i++) back.push(this.chip.transfer(0xff));
    this.chip.deselect();
    return back;
  }

  private address(): [number, number, number] {
    const a = this.reg(ADDR);
    return [(a >>> 16) & 0xff, (a >>> 8) & 0xff, a & 0xff];
  }

  private lengthFromAddr(): number {
    return Math.min(BUFFER_BYTES, this.reg(ADDR) >>> 24);
  }

  private command(cmd: number): void {
    if (cmd & CMD_READ) this.fillBuffer(this.transaction([0x03, ...this.address()], this.lengthFromAddr()));
    else if (cmd & CMD_WREN) this.transaction([0x06], 0);
    else if (cmd & CMD_WRDI) this.transaction([0x04], 0);
    else if (cmd & CMD_RDID) this.fillBuffer(this.transaction([0x9f], 3));
    else if (cmd & CMD_RDSR) this.regs.set(RD_STATUS, this.transaction([0x05], 1)[0]!);
    else if (cmd & CMD_PP) this.flashWrite([0x02, ...this.address(), ...this.buffer.subarray(0, this.lengthFromAddr())]);
    else if (cmd & CMD_SE) this.flashWrite([0x20, ...this.address()]);
    else if (cmd & CMD_BE) this.flashWrite([0xd8, ...this.address()]);
    else if (cmd & CMD_CE) this.flashWrite([0xc7]);
    else if (cmd & CMD_USR) this.userCommand();
  }

  private flashWrite(bytes: number[]): void {
    this.transaction(bytes, 0);
    this.onFlashWrite();
  }

  private fillBuffer(bytes: number[]): void {
    this.buffer.fill(0);
    this.buffer.set(bytes.slice(0, BUFFER_BYTES));
  }

  /** The user-defined transaction: command, address, then MOSI data from or MISO data into the buffer. */
  private userCommand(): void {
    const user = this.reg(USER);
    const out: number[] = [];
    if (user & USER_COMMAND) {
      const bits = ((this.reg(USER2) >>> 28) & 0xf) + 1;
      const value = this.reg(USER2) & 0xffff;
      for (let b = Math.ceil(bits / 8) - 1; b >= 0; b--) out.push((value >>> (8 * b)) & 0xff);
    }
    if (user & USER_ADDR) {
      const bits = ((this.reg(USER1) >>> 26) & 0x3f) + 1;
      const a = this.reg(ADDR);
      for (let b = Math.ceil(bits / 8) - 1; b >= 0; b--) out.push((a >>> (8 * b)) & 0xff);
    }
    if (user & USER_MOSI) {
      const n = Math.min(BUFFER_BYTES, Math.ceil(((this.reg(MOSI_DLEN) & 0x3ff) + 1) / 8));
      out.push(...this.buffer.subarray(0, n));
    }
    const readCount = user & USER_MISO ? Math.min(BUFFER_BYTES, Math.ceil(((this.reg(MISO_DLEN) & 0x3ff) + 1) / 8)) : 0;
    const back = this.transaction(out, readCount);
    if (readCount) this.fillBuffer(back);
    const op = out[0];
    if (op === 0x02 || op === 0x20 || op === 0x52 || op === 0xd8 || op === 0xc7 || op === 0x60) this.onFlashWrite();
  }

  reset(): void {
    this.regs.clear();
    this.buffer.fill(0);
  }
}
