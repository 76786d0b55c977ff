// How commands talk to the user: human text on a terminal, JSON for machines, quiet when piped.
export interface OutputOptions {
  json?: boolean;
  quiet?: boolean;
}

export class Output {
  readonly json: boolean;
  readonly quiet: boolean;
  readonly isTTY: boolean;

  constructor(opts: OutputOptions, private readonly stdout: NodeJS.WriteStream = process.stdout,
              private readonly stderr: NodeJS.WriteStream = process.stderr) {
    this.json = opts.json ?? false;
    this.quiet = opts.quiet ?? false;
    this.isTTY = Boolean(stdout.isTTY);
  }

  /** The command's result: JSON when --json, otherwise the human rendering. */
  result(data: unknown, human: () => string): void {
    if (this.json) this.stdout.write(JSON.stringify(data, null, 2) + "\n");
    else {
      const text = human();
      if (text) this.stdout.write(text.endsWith("\n") ? text : text + "\n");
    }
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
    this.stderr.write(`warning: ${text}\n`);
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
