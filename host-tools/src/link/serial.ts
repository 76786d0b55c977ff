// Opens a board's serial port and turns its bytes into device messages.
import { SerialPort } from "serialport";
import { DeviceError } from "../lib/errors.js";
import { FrameDecoder } from "./frame.js";
import { decodeMessage, type DeviceMessage } from "./messages.js";

export type LinkEvent = DeviceMessage | { kind: "text"; text: string } | { kind: "garbage"; bytes: number; reason: string };

export interface LinkConnection {
  port: SerialPort;
  close(): Promise<void>;
}

export async function openLink(path: string, baudRate: number, onEvent: (e: LinkEvent) => void): Promise<LinkConnection> {
  const port = new SerialPort({ path, baudRate, autoOpen: false });
  await new Promise<void>((resolve, reject) =>
    port.open((err) => (err ? reject(new DeviceError(`cannot open serial port ${path}: ${err.message}`)) : resolve())));
  const decoder = new FrameDecoder();
  port.on("data", (chunk: Buffer) => {
    for (const item of decoder.push(chunk)) {
      if (item.kind === "frame") {
        try {
          onEvent(decodeMessage(item.frame));
        } catch (e) {
          onEvent({ kind: "garbage", bytes: item.frame.payload.length, reason: (e as Error).message });
        }
      } else onEvent(item);
    }
  });
  return {
    port,
    close: () => new Promise<void>((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve())),
  };
}
