// How commands talk to the user: human text on a terminal, JSON for machines, quiet when piped.
import { paintLevel, paletteFor, type Palette } from "./colour.js";

export interface OutputOptions {
  json?: boolean;
  quiet?: boolean;
}

export class Output {
  readonly json: boolean;
  readonly quiet: boolean;
  readonly isTTY: boolean;
  /** Colours for stdout and stderr (each off unless that stream is a terminal; see colour.ts). */
  readonly colour: Palette;
  readonly errColour: Palette;

  constructor(opts: OutputOptions, private readonly stdout: NodeJS.WriteStream = process.stdout,
              private readonly stderr: NodeJS.WriteStream = process.stderr) {
    this.json = opts.json ?? false;
    this.quiet = opts.quiet ?? false;
    this.isTTY = Boolean(stdout.isTTY);
    this.colour = paletteFor(stdout);
    this.errColour = paletteFor(stderr);
  }

  /** The command's result: JSON when --json, otherwise the human rendering. */
  result(data: unknown, human: () => string): void {
    if (this.json) this.stdout.write(JSON.stringify(data, null, 2) + "\n");
    else {
      const text = human();
      if (text) this.stdout.write(text.endsWith("\n") ? text : text + "\n");
    }
  }

  /** The result of a command whose data went to `file`: when that is "-" (stdout carries the
   * data), the human summary goes to stderr instead and nothing else touches stdout. */
  resultBeside(file: string | undefined, data: unknown, human: () => string): void {
    if (file === "-") this.info(human());
    else this.result(data, human);
  }

  /** A line of normal output (not in --json mode, where stdout carries only JSON). */
  line(text: string): void {
    if (this.json) return;
    this.stdout.write(text + "\n");
  }

  /** Progress and chatter: to stderr, and only when a person is watching. */
  info(text: string): void {
    if (this.quiet || this.json) return;
    this.stderr.write(text + "\n");
  }

  warn(text: string): void {
    this.stderr.write(`${this.errColour.yellow("warning:")} ${text}\n`);
  }

  /** A device's line (a log line, an app state) on stdout, coloured by its level on a terminal:
   * error (and a trapped app) red, warn yellow, debug dim. */
  deviceLine(text: string, level?: string): void {
    this.line(level ? paintLevel(this.colour, level, text) : text);
  }

  /** The same, to stderr as chatter (not in --json or --quiet mode). */
  deviceInfo(text: string, level?: string): void {
    this.info(level ? paintLevel(this.errColour, level, text) : text);
  }
}

/** Renders rows as an aligned plain-text table. */
export function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  const fmt = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join("  ").trimEnd();
  return [fmt(headers), fmt(widths.map((w) => "-".repeat(w))), ...cells.slice(1).map(fmt)].join("\n");
}

/** 12345 → "12.1 KiB" */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / (1024 * 1024)).toFixed(2)} MiB`;
}
