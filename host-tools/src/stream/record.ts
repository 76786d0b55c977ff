// Recording a live .wqs stream from a board (`wasmcu monitor --record FILE.wqs`): the
// device sends its file header (now and then again) and its blocks in link frames; the
// recorder starts the file at the first header and appends blocks in arrival order.
// Blocks that arrive before any header are dropped (counted): without the header they
// cannot be decoded. A lost or damaged block is skipped later by `wasmcu dequantize`.
import { closeSync, openSync, writeSync } from "node:fs";
import { describeFsError, InputError, OutputError } from "../lib/errors.js";

export interface RecordStats {
  file: string;
  bytes: number;
  blocks: number;
  /** Block frames that came before the first header. */
  droppedBeforeHeader: number;
}

export class StreamRecorder {
  private fd: number | undefined;
  private header: Buffer | undefined;
  readonly stats: RecordStats;

  constructor(readonly file: string) {
    this.stats = { file, bytes: 0, blocks: 0, droppedBeforeHeader: 0 };
  }

  /** Takes one stream frame's bytes. Throws if the stream's header changes mid-recording. */
  push(header: boolean, bytes: Uint8Array): void {
    if (header) {
      if (!this.header) {
        this.header = Buffer.from(bytes);
        try {
          this.fd = this.file === "-" ? 1 : openSync(this.file, "w"); // "-": stdout
        } catch (e) {
          throw new OutputError(`cannot write the recording ${this.file}: ${describeFsError(e)}`);
        }
        this.write(bytes);
      } else if (!this.header.equals(bytes)) {
        throw new InputError(`the board's stream format changed during the recording (a different .wqs header arrived); ${this.file} holds what came before`);
      }
      return;
    }
    if (this.fd === undefined) {
      this.stats.droppedBeforeHeader++;
      return;
    }
    this.stats.blocks++;
    this.write(bytes);
  }

  private write(bytes: Uint8Array): void {
    writeSync(this.fd!, bytes);
    this.stats.bytes += bytes.length;
  }

  close(): RecordStats {
    if (this.fd !== undefined && this.fd !== 1) closeSync(this.fd);
    this.fd = undefined;
    return this.stats;
  }
}
