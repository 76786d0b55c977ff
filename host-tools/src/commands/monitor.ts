import type { Command } from "commander";
import { existsSync } from "node:fs";
import { resolveBoard } from "../boards/registry.js";
import { UsageError } from "../lib/errors.js";
import { checkOutputFile, isStdio } from "../lib/files.js";
import { Output } from "../lib/output.js";
import { resolveBoardPort } from "../serial/port-option.js";
import { DeviceLink, type LinkEvent } from "../link/session.js";
import { openSerial } from "../link/transport.js";
import { StreamRecorder } from "../stream/record.js";
import type { DebugInfo } from "../build/debuginfo.js";
import { describeEvent, eventLevel } from "../workflows/events.js";
import { deviceAppDebugInfo, sourceTrap } from "../workflows/traps.js";

interface Opts {
  board: string;
  port?: string;
  baud?: string;
  for?: string;
  json?: boolean;
  record?: string;
}

function stamp(): string {
  return new Date().toISOString().slice(11, 23);
}

export function register(program: Command): void {
  program
    .command("monitor")
    .description("show a board's decoded log lines with timestamps; reconnects after a reset or unplug")
    .option("-b, --board <board>", "board kind (for serial settings)", "host")
    .option("-p, --port <port>", "serial port of the board, or the NAME of a local board (wasmcu board start NAME); default: the only candidate")
    .option("--baud <rate>", "baud rate (default: the board's)")
    .option("--for <seconds>", "stop after this many seconds (default: until Ctrl-C)")
    .option("--json", "one JSON object per event (NDJSON), with a host timestamp")
    .option("--record <file.wqs>", "write the board's sensor stream (.wqs blocks) to this file (- for stdout; the events then go to stderr)")
    .action(async (opts: Opts) => {
      // --record -: the stream goes to stdout, so the events go to stderr.
      const toStdout = isStdio(opts.record);
      if (toStdout && opts.json) throw new UsageError("--record - writes the stream to stdout: it cannot go with --json");
      if (opts.record) checkOutputFile(opts.record, "--record");
      const out = new Output(opts);
      const showLine = (text: string, level?: string) => (toStdout ? out.deviceInfo(text, level) : out.deviceLine(text, level));
      const { port, target } = await resolveBoardPort(opts.port, resolveBoard(opts.board));
      const baud = opts.baud ? Number(opts.baud) : target.board.serial.baud;
      const seconds = opts.for === undefined ? undefined : Number(opts.for);
      if (seconds !== undefined && !(seconds > 0)) throw new UsageError(`--for needs a positive number of seconds, got "${opts.for}"`);
      const recorder = opts.record ? new StreamRecorder(opts.record) : undefined;
      let stopped = false;
      let failure: unknown; // an error inside an event handler ends the monitor and is reported
      let stop = () => undefined as void;
      const done = new Promise<void>((resolve) => {
        // However the monitor ends (--for, Ctrl-C, a failure), nothing it set up is left waiting.
        stop = () => {
          if (timer) clearTimeout(timer);
          process.off("SIGINT", stop);
          resolve();
        };
        const timer = seconds ? setTimeout(stop, seconds * 1000) : undefined;
        process.once("SIGINT", stop);
      }).then(() => {
        stopped = true;
      });
      // Keep (re)opening the port until asked to stop: a board that resets or is
      // unplugged comes back on the same path.
      while (!stopped) {
        let link: DeviceLink | undefined;
        try {
          const l = (link = new DeviceLink(await openSerial(port, baud)));
          out.info(`monitoring ${port} (Ctrl-C to stop)`);
          // Trap frames get names and source lines from the debug info of the app the board
          // runs (read back and looked up by its hash), fetched again whenever an app starts.
          // Events are shown in order, each after any look-up started before it.
          let debugInfo: DebugInfo | undefined;
          let queue: Promise<unknown> = Promise.resolve();
          const lookUp = () => {
            queue = queue.then(() => deviceAppDebugInfo(l)).then((d) => (debugInfo = d), () => undefined);
          };
          link.onEvent((raw) => {
            if (raw.kind === "app" && raw.state === "running") lookUp();
            queue = queue.then(() => show(raw));
          });
          const show = (raw: LinkEvent) => {
            const e = raw.kind === "trap" ? sourceTrap(raw, debugInfo) : raw;
            if (e.kind === "stream") {
              try {
                recorder?.push(e.header, e.bytes);
              } catch (err) {
                failure ??= err;
                stop();
              }
              return;
            }
            if (opts.json) process.stdout.write(JSON.stringify({ host_time: new Date().toISOString(), ...e }) + "\n");
            else {
              const line = describeEvent(e);
              if (line !== undefined) showLine(`${stamp()} ${line}`, eventLevel(e));
            }
          };
          // Say hello (it also wakes a board held until its host speaks); a board that does
          // not answer is monitored all the same.
          link.info().then((info) => {
            const e = { kind: "hello" as const, info };
            if (opts.json) process.stdout.write(JSON.stringify({ host_time: new Date().toISOString(), ...e }) + "\n");
            else showLine(`${stamp()} ${describeEvent(e)}`);
            lookUp();
          }, () => undefined);
          const gone = new Promise<void>((resolve) => {
            const timer = setInterval(() => {
              if (!existsSync(port)) {
                clearInterval(timer);
                resolve();
              }
            }, 250);
            void done.then(() => {
              clearInterval(timer);
              resolve();
            });
          });
          await gone;
          if (!stopped) out.info(`${port} went away; waiting for it to come back`);
        } catch (e) {
          // A port that is not there (yet) is waited for; one that is there but fails is an error.
          if (stopped) break;
          if (existsSync(port)) {
            stop();
            throw e;
          }
          let wait: NodeJS.Timeout | undefined;
          await Promise.race([done, new Promise((r) => (wait = setTimeout(r, 500)))]);
          clearTimeout(wait);
        } finally {
          await link?.close();
        }
      }
      if (failure) {
        recorder?.close();
        throw failure;
      }
      if (recorder) {
        const st = recorder.close();
        if (st.bytes === 0) {
          out.warn(`the board sent no sensor stream header: nothing recorded, ${toStdout ? "nothing written" : `${st.file} not written`}` +
            (st.droppedBeforeHeader ? ` (${st.droppedBeforeHeader} blocks came without a header)` : ""));
        } else {
          out.info(`recorded ${st.blocks} blocks (${st.bytes} bytes) to ${toStdout ? "stdout" : st.file}` +
            (st.droppedBeforeHeader ? `; ${st.droppedBeforeHeader} blocks came before the first header and were dropped` : ""));
        }
        if (opts.json) process.stdout.write(JSON.stringify({ kind: "recorded", ...st }) + "\n");
      }
    });
}
