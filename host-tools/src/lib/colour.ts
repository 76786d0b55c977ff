// Colour on a terminal: a few ANSI codes, on only when a person is watching. NO_COLOR (any
// non-empty value, https://no-color.org) turns it off; FORCE_COLOR turns it on even when
// piped (FORCE_COLOR=0 or false: off); otherwise it follows the stream being a TTY.

export type Paint = (text: string) => string;

export interface Palette {
  enabled: boolean;
  red: Paint;
  yellow: Paint;
  green: Paint;
  cyan: Paint;
  dim: Paint;
  bold: Paint;
}

export function colourEnabled(stream: { isTTY?: boolean } = process.stderr, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR) return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined) return !(force === "0" || force.toLowerCase() === "false");
  if (env.TERM === "dumb") return false;
  return Boolean(stream.isTTY);
}

const sgr = (on: number, off: number): Paint => (t) => `\x1b[${on}m${t}\x1b[${off}m`;
const plain: Paint = (t) => t;

export function palette(enabled: boolean): Palette {
  return enabled
    ? { enabled, red: sgr(31, 39), yellow: sgr(33, 39), green: sgr(32, 39), cyan: sgr(36, 39), dim: sgr(2, 22), bold: sgr(1, 22) }
    : { enabled, red: plain, yellow: plain, green: plain, cyan: plain, dim: plain, bold: plain };
}

/** The palette for a stream (stderr by default), following the rules above. */
export function paletteFor(stream: { isTTY?: boolean } = process.stderr, env: NodeJS.ProcessEnv = process.env): Palette {
  return palette(colourEnabled(stream, env));
}

/** Paints a device log line by its level: error red, warn yellow, debug dim, info as is. */
export function paintLevel(p: Palette, level: string, text: string): string {
  switch (level) {
    case "error": return p.red(text);
    case "warn": case "warning": return p.yellow(text);
    case "debug": return p.dim(text);
    default: return text;
  }
}
