// Our RV32IMC core running a static Linux-user-ABI executable, as qemu-riscv32 does: the
// ELF's segments loaded at their virtual addresses into one RAM array with a stack above
// them (argc, argv, envp, an empty auxiliary vector), and the few rv32 Linux system calls a
// picolibc back end needs served by the host: read 63, write 64, openat 56 (read-only),
// close 57, _llseek 62, exit 93, exit_group 94, clock_gettime64 403. This is for checking
// the core against qemu-riscv32 on real programs (the rv32imc build of wasmcu-vm), not a
// part of the emulated chip.
import { closeSync, fstatSync, openSync, readSync, writeSync } from "node:fs";

import { parseElf } from "../../build/elf.js";
import type { Bus } from "./bus.js";
import { AccessFault } from "./bus.js";
import { Cpu } from "./cpu.js";

const STACK_BYTES = 8 << 20;
const ENOENT = 2, EBADF = 9, EINVAL = 22, ENOSYS = 38;
const sleeper = new Int32Array(new SharedArrayBuffer(4));

export interface LinuxRun {
  exitCode: number;
  instructions: number;
  cycles: number;
}

export class LinuxUserProcess {
  readonly cpu: Cpu;
  private readonly ram: Uint8Array;
  private readonly base: number;
  private readonly files = new Map<number, number>([[0, 0], [1, 1], [2, 2]]);
  private nextFd = 3;
  exitCode: number | undefined;

  constructor(elfBytes: Uint8Array, argv: string[], envp: string[] = []) {
    const elf = parseElf(elfBytes);
    const low = Math.min(...elf.segments.map((s) => s.vaddr)) & ~0xfff;
    const high = Math.max(...elf.segments.map((s) => s.vaddr + s.memsz));
    const top = ((high + 0xfff) & ~0xfff) + STACK_BYTES;
    this.base = low;
    this.ram = new Uint8Array(top - low);
    for (const s of elf.segments) this.ram.set(s.data, s.vaddr - low);
    const bus: Bus = {
      read: (addr) => { throw new AccessFault(addr, "load"); },
      write: (addr) => { throw new AccessFault(addr, "store"); },
    };
    this.cpu = new Cpu(bus, { ram: this.ram, codeBase: low, windows: [{ base: low, length: this.ram.length, offset: 0 }] });
    this.cpu.pc = elf.entry | 0;
    this.cpu.x[2] = this.buildStack(top, argv, envp);
    this.cpu.onEnvironmentCall = (cpu, kind) => kind === "ecall" && this.syscall(cpu);
  }

  /** argc, argv pointers, NULL, envp pointers, NULL, auxv AT_NULL; strings above them. */
  private buildStack(top: number, argv: string[], envp: string[]): number {
    let p = top;
    const put = (s: string) => {
      const b = Buffer.from(`${s}\0`, "utf8");
      p -= b.length;
      this.ram.set(b, p - this.base);
      return p;
    };
    const argPtrs = argv.map(put);
    const envPtrs = envp.map(put);
    const words = [argv.length, ...argPtrs, 0, ...envPtrs, 0, 0, 0];
    p = (p - 4 * words.length) & ~15;
    const view = new DataView(this.ram.buffer);
    words.forEach((w, i) => view.setUint32(p - this.base + 4 * i, w >>> 0, true));
    return p | 0;
  }

  private bytes(addr: number, n: number): Uint8Array {
    const off = (addr >>> 0) - this.base;
    if (off < 0 || off + n > this.ram.length) throw new AccessFault(addr, "load");
    return this.ram.subarray(off, off + n);
  }

  private cString(addr: number): string {
    const off = (addr >>> 0) - this.base;
    const end = this.ram.indexOf(0, off);
    return Buffer.from(this.ram.subarray(off, end < 0 ? off : end)).toString("utf8");
  }

  private syscall(cpu: Cpu): boolean {
    const x = cpu.x;
    const a = (i: number) => x[10 + i]!;
    let r: number;
    try {
      r = this.serve(x[17]!, a);
    } catch (e) {
      r = -((e as NodeJS.ErrnoException).code === "ENOENT" ? ENOENT : EINVAL);
    }
    x[10] = r;
    if (this.exitCode !== undefined) cpu.breakOut = true;
    return true;
  }

  private serve(n: number, a: (i: number) => number): number {
    switch (n) {
      case 63: return this.read(a(0), a(1), a(2) >>> 0);
      case 64: return this.hostFd(a(0)) === undefined ? -EBADF : writeSync(this.hostFd(a(0))!, this.bytes(a(1), a(2) >>> 0));
      case 56: {
        if ((a(2) & 3) !== 0) return -EINVAL; // read-only opens only
        const fd = this.nextFd++;
        this.files.set(fd, openSync(this.cString(a(1)), "r"));
        return fd;
      }
      case 57: {
        const h = this.files.get(a(0));
        if (h === undefined) return -EBADF;
        if (a(0) > 2) closeSync(h);
        this.files.delete(a(0));
        return 0;
      }
      case 62: return this.llseek(a(0), a(2), a(3), a(4));
      case 93: case 94: this.exitCode = a(0) & 0xff; return 0;
      case 403: {
        const now = Date.now();
        const v = new DataView(this.ram.buffer);
        const off = (a(1) >>> 0) - this.base;
        v.setBigInt64(off, BigInt(Math.floor(now / 1000)), true);
        v.setBigInt64(off + 8, BigInt((now % 1000) * 1_000_000), true);
        return 0;
      }
      default: return -ENOSYS;
    }
  }

  private hostFd(fd: number): number | undefined {
    return this.files.get(fd);
  }

  private read(fd: number, buf: number, n: number): number {
    const h = this.hostFd(fd);
    if (h === undefined) return -EBADF;
    const target = this.bytes(buf, n);
    for (;;) {
      try {
        return readSync(h, target, 0, n, null);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === "EOF") return 0;
        if (code !== "EAGAIN") throw e;
        Atomics.wait(sleeper, 0, 0, 5); // a non-blocking stdin with nothing yet: wait, as a blocking read would
      }
    }
  }

  /** Only what reading a file needs: the position after the seek (tracked by the host fd's own reads is not
   * possible with readSync(null), so seeks answer EINVAL except to the current end of a regular file). */
  private llseek(fd: number, low: number, result: number, whence: number): number {
    const h = this.hostFd(fd);
    if (h === undefined) return -EBADF;
    if (whence !== 2 || low !== 0) return -EINVAL;
    const size = fstatSync(h).size;
    new DataView(this.ram.buffer).setBigInt64((result >>> 0) - this.base, BigInt(size), true);
    return 0;
  }

  /** Runs to exit; returns the exit code and counters. */
  run(): LinuxRun {
    while (this.exitCode === undefined) {
      this.cpu.run(10_000_000);
      const cause = this.cpu.csr.mcause;
      if (this.exitCode === undefined && this.cpu.pc === this.cpu.csr.mtvec && cause !== 0) {
        throw new Error(`the program trapped: mcause ${cause}, mepc 0x${(this.cpu.csr.mepc >>> 0).toString(16)}, mtval 0x${(this.cpu.csr.mtval >>> 0).toString(16)}`);
      }
    }
    return { exitCode: this.exitCode, instructions: this.cpu.instret, cycles: this.cpu.cycles };
  }
}
