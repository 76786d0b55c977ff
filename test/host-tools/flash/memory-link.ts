// An in-memory serial cable between the flasher and the ROM model: bytes cross in a later
// tick (never synchronously), modem lines reach the model's EN/IO0 logic, and when the two
// ends disagree on the baud rate every byte arrives garbled, as on a real UART.
import { Duplex } from "node:stream";
import { FrameTransport } from "../../../host-tools/src/flash/esp32/transport.js";
import { Esp32RomModel, type RomModelOptions } from "./esp32-rom-model.js";

export interface MemoryLink {
  model: Esp32RomModel;
  transport: FrameTransport;
  hostBaud(): number;
  /** Signals the host set, in order (for tests of the reset sequences). */
  signals: { dtr?: boolean; rts?: boolean }[];
}

const garble = (b: Buffer) => Buffer.from(b.map((x) => x ^ 0x5a));

export function memoryLink(opts: RomModelOptions & { name?: string; noModemLines?: boolean; tamper?: (toChip: Buffer) => Buffer } = {}): MemoryLink {
  const model = new Esp32RomModel(opts);
  let hostBaud = 115200;
  const signals: MemoryLink["signals"] = [];
  const host = new Duplex({
    read() {},
    write(chunk: Buffer, _enc, cb) {
      const bytes = opts.tamper ? opts.tamper(Buffer.from(chunk)) : Buffer.from(chunk);
      const sentAt = hostBaud;
      setImmediate(() => model.receive(sentAt === model.baud ? bytes : garble(bytes)));
      cb();
    },
  });
  model.onSend = (bytes) => {
    const sentAt = model.baud;
    setImmediate(() => host.push(sentAt === hostBaud ? bytes : garble(bytes)));
  };
  const transport = new FrameTransport(opts.name ?? "memory-link", host, {
    ...(opts.noModemLines ? {} : {
      setSignals: async (l) => {
        signals.push({ ...l });
        model.setSignals(l);
      },
    }),
    setBaudRate: async (b) => {
      hostBaud = b;
    },
    close: async () => {
      host.destroy();
    },
  });
  return { model, transport, hostBaud: () => hostBaud, signals };
}
