// What the device says in its frames, decoded into plain objects.
import { InputError } from "../lib/errors.js";
import { APP_STATES, FrameType, LOG_LEVELS, StreamKind, TRAP_CONTEXTS } from "./constants.js";
import type { Frame } from "./frame.js";

export { APP_STATES, LOG_LEVELS } from "./constants.js";
export type LogLevel = (typeof LOG_LEVELS)[number];
export type AppState = (typeof APP_STATES)[number];
/** Where the app was called from when it trapped. */
export type TrapContext = (typeof TRAP_CONTEXTS)[number];
/** One frame of a trap's wasm call stack: function index, offset of the instruction in the module. */
export interface TrapFrame {
  func: number;
  offset: number;
}

export type DeviceMessage =
  | { kind: "hello"; info: Record<string, unknown> }
  | { kind: "log"; level: LogLevel; timeMs: number; text: string }
  | { kind: "gpio"; pin: number; level: number; timeUs: number }
  | { kind: "app"; state: AppState; detail: string }
  | { kind: "stream"; header: boolean; bytes: Uint8Array }
  /** The wasm call stack at a trap, innermost first (`depth` counts the frames left out too). */
  | { kind: "trap"; context: TrapContext; depth: number; frames: TrapFrame[]; message: string }
  | { kind: "other"; frame: Frame };

const utf8 = new TextDecoder("utf-8", { fatal: false });

function need(frame: Frame, bytes: number, what: string): DataView {
  if (frame.payload.length < bytes) {
    throw new InputError(`${what} frame (seq ${frame.seq}) has ${frame.payload.length} payload bytes, needs at least ${bytes}`);
  }
  return new DataView(frame.payload.buffer, frame.payload.byteOffset, frame.payload.length);
}

export function decodeMessage(frame: Frame): DeviceMessage {
  switch (frame.type) {
    case FrameType.Hello: {
      try {
        return { kind: "hello", info: JSON.parse(utf8.decode(frame.payload)) as Record<string, unknown> };
      } catch (e) {
        throw new InputError(`hello frame is not valid JSON: ${(e as Error).message}`);
      }
    }
    case FrameType.Log: {
      const v = need(frame, 5, "log");
      return { kind: "log", level: LOG_LEVELS[v.getUint8(0)] ?? "debug", timeMs: v.getUint32(1, true), text: utf8.decode(frame.payload.subarray(5)) };
    }
    case FrameType.Gpio: {
      const v = need(frame, 6, "gpio");
      return { kind: "gpio", pin: v.getUint8(0), level: v.getUint8(1), timeUs: v.getUint32(2, true) };
    }
    case FrameType.AppState: {
      const v = need(frame, 1, "app state");
      return { kind: "app", state: APP_STATES[v.getUint8(0)] ?? "none", detail: utf8.decode(frame.payload.subarray(1)) };
    }
    case FrameType.Stream: {
      need(frame, 1, "stream");
      return { kind: "stream", header: frame.payload[0] === StreamKind.Header, bytes: frame.payload.subarray(1) };
    }
    case FrameType.Trap: {
      const v = need(frame, 3, "trap");
      const count = v.getUint8(2);
      need(frame, 3 + 8 * count, "trap");
      const frames: TrapFrame[] = [];
      for (let i = 0; i < count; i++) frames.push({ func: v.getUint32(3 + 8 * i, true), offset: v.getUint32(7 + 8 * i, true) });
      return {
        kind: "trap", context: TRAP_CONTEXTS[v.getUint8(0)] ?? "loop", depth: v.getUint8(1), frames,
        message: utf8.decode(frame.payload.subarray(3 + 8 * count)),
      };
    }
    default:
      return { kind: "other", frame };
  }
}
