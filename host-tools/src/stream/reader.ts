// Reads timestamped multi-channel samples from CSV or JSON Lines, one line at a time
// (constant memory), with errors that name the file, line and column.
import { createReadStream, statSync } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline";
import { InputError } from "../lib/errors.js";
import { MAX_CHANNELS } from "./format.js";
import { MAX_SAFE_ABS } from "./varint.js";

export interface ReaderOptions {
  /** Column (CSV) or key (JSONL) holding the time; default: t, time, timestamp, ts, date or datetime, else the first. */
  timeColumn?: string;
  /** Channel columns, in order; default: every other column. */
  channels?: string[];
  /** Ticks per second exponent for numeric timestamps (-3 = ms). Dates always give milliseconds. */
  timeExp?: number;
  format?: "csv" | "jsonl";
}

export interface ReadSample {
  t: number;
  values: Float64Array;
  line: number;
}

export interface StreamColumns {
  time: string;
  channels: string[];
  /** Exponent of the tick: -3 for dates (ms since 1970 UTC), else ReaderOptions.timeExp. */
  timeExp: number;
}

const TIME_NAMES = ["t", "time", "timestamp", "ts", "date", "datetime"];
const INT_RE = /^[+-]?\d+$/;
const NUM_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export function formatOf(file: string, format?: "csv" | "jsonl"): "csv" | "jsonl" {
  if (format) return format;
  const ext = path.extname(file).toLowerCase();
  if (ext === ".jsonl" || ext === ".ndjson") return "jsonl";
  if (ext === ".csv" || ext === ".txt") return "csv";
  throw new InputError(`cannot tell the format of ${file} from its extension`, "use a .csv or .jsonl file");
}

/** Splits a CSV line; fields may be double-quoted ("" is a quote inside). */
function splitCsv(line: string, where: () => string): string[] {
  if (!line.includes('"')) return line.split(",").map((s) => s.trim());
  const out: string[] = [];
  let i = 0;
  for (;;) {
    let field = "";
    while (line[i] === " ") i++;
    if (line[i] === '"') {
      i++;
      for (;;) {
        if (i >= line.length) throw new InputError(`${where()}: unterminated quoted field`);
        if (line[i] === '"') {
          if (line[i + 1] === '"') { field += '"'; i += 2; continue; }
          i++;
          break;
        }
        field += line[i++];
      }
      while (line[i] === " ") i++;
      if (i < line.length && line[i] !== ",") throw new InputError(`${where()}: text after a closing quote`);
    } else {
      const j = line.indexOf(",", i);
      field = (j < 0 ? line.slice(i) : line.slice(i, j)).trim();
      i = j < 0 ? line.length : j;
    }
    out.push(field);
    if (i >= line.length) return out;
    i++; // the comma
  }
}

/** Parses a timestamp: an integer number of ticks, or a date (YYYY-MM-DD[ HH:MM[:SS[.fff]]], '/' allowed; UTC unless it says). */
function parseTime(raw: unknown, where: () => string): { t: number; isDate: boolean } {
  if (typeof raw === "number") {
    if (!Number.isInteger(raw)) throw new InputError(`${where()}: timestamp ${raw} is not an integer number of ticks`, "give integer ticks (see --time-unit) or dates");
    return { t: raw, isDate: false };
  }
  if (typeof raw !== "string" || raw === "") throw new InputError(`${where()}: missing timestamp`);
  if (INT_RE.test(raw)) return { t: Number(raw), isDate: false };
  if (NUM_RE.test(raw)) throw new InputError(`${where()}: timestamp ${raw} is not an integer number of ticks`, "give integer ticks (see --time-unit) or dates");
  let s = raw.replace(/^(\d{4})\/(\d{1,2})\/(\d{1,2})/, (_m, y: string, mo: string, d: string) => `${y}-${mo.padStart(2, "0")}-${d.padStart(2, "0")}`);
  s = s.replace(/^(\d{4}-\d{2}-\d{2})[ T]/, "$1T");
  if (/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$/.test(s)) s += s.length === 10 ? "T00:00:00Z" : "Z";
  const ms = Date.parse(s);
  if (Number.isNaN(ms)) throw new InputError(`${where()}: "${raw}" is neither integer ticks nor a date`);
  return { t: ms, isDate: true };
}

function parseValue(raw: unknown, where: () => string): number {
  if (typeof raw === "number") {
    if (!Number.isFinite(raw)) throw new InputError(`${where()}: ${raw} is not a finite number`);
    return raw;
  }
  if (typeof raw === "string" && NUM_RE.test(raw)) return Number(raw);
  if (raw === "" || raw === undefined || raw === null) throw new InputError(`${where()}: missing value`);
  throw new InputError(`${where()}: ${JSON.stringify(raw)} is not a number`, /nan|inf/i.test(String(raw)) ? "NaN and infinities cannot be quantized: remove or fill these samples" : "pick numeric columns with --channels");
}

function pickColumns(names: string[], opts: ReaderOptions, file: string): { time: string; channels: string[] } {
  const time = opts.timeColumn ?? names.find((n) => TIME_NAMES.includes(n.toLowerCase())) ?? names[0];
  if (time === undefined || !names.includes(time)) throw new InputError(`${file}: no time column "${opts.timeColumn}"`, `columns: ${names.join(", ")}`);
  const channels = opts.channels ?? names.filter((n) => n !== time);
  for (const c of channels) if (!names.includes(c)) throw new InputError(`${file}: no column "${c}"`, `columns: ${names.join(", ")}`);
  if (channels.length < 1 || channels.length > MAX_CHANNELS) throw new InputError(`${file}: ${channels.length} channels; a stream has 1..${MAX_CHANNELS}`);
  return { time, channels };
}

/**
 * Reads samples in file order. `onColumns` is called once, before the first sample,
 * with the resolved columns. Timestamps must not go backwards.
 */
export async function* readSamples(file: string, opts: ReaderOptions = {}, onColumns?: (c: StreamColumns) => void): AsyncGenerator<ReadSample> {
  const format = formatOf(file, opts.format);
  try {
    if (!statSync(file).isFile()) throw new InputError(`${file} is not a file`);
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message}`);
  }
  const input = createReadStream(file);
  const lines = createInterface({ input, crlfDelay: Infinity });
  let lineNo = 0;
  let cols: { time: string; channels: string[] } | null = null;
  let idx: number[] = [];
  let timeIdx = 0;
  let width = 0;
  let timeExp = opts.timeExp ?? -3;
  let kind: boolean | null = null; // isDate, fixed by the first sample
  let prevT = -Infinity;
  let prevLine = 0;
  const base = path.basename(file);
  try {
    for await (const raw of lines) {
      lineNo++;
      const line = raw.trim();
      if (line === "" || (format === "csv" && line.startsWith("#"))) continue;
      const at = lineNo;
      const where = (col?: string) => () => `${base} line ${at}${col !== undefined ? `, column "${col}"` : ""}`;
      let rawT: unknown;
      let rawV: unknown[];
      if (format === "csv") {
        const fields = splitCsv(line, where());
        if (!cols) {
          if (fields.every((f) => NUM_RE.test(f))) throw new InputError(`${where()()}: the first line must be a header naming the columns`);
          cols = pickColumns(fields, opts, base);
          timeIdx = fields.indexOf(cols.time);
          idx = cols.channels.map((c) => fields.indexOf(c));
          width = fields.length;
          continue;
        }
        if (fields.length !== width) throw new InputError(`${where()()}: ${fields.length} fields, the header has ${width}`);
        rawT = fields[timeIdx];
        rawV = idx.map((i) => fields[i]);
      } else {
        let obj: unknown;
        try {
          obj = JSON.parse(line);
        } catch (e) {
          throw new InputError(`${where()()}: not valid JSON (${(e as Error).message})`);
        }
        if (!obj || typeof obj !== "object" || Array.isArray(obj)) throw new InputError(`${where()()}: expected a JSON object per line`);
        const o = obj as Record<string, unknown>;
        if (!cols) {
          cols = pickColumns(Object.keys(o), opts, base);
        }
        rawT = o[cols.time];
        rawV = cols.channels.map((c) => o[c]);
      }
      const { t, isDate } = parseTime(rawT, where(cols.time));
      if (kind === null) {
        kind = isDate;
        if (isDate) timeExp = -3;
        onColumns?.({ time: cols.time, channels: cols.channels, timeExp });
      } else if (kind !== isDate) {
        throw new InputError(`${where(cols.time)()}: mixes dates and numeric timestamps`);
      }
      if (Math.abs(t) > MAX_SAFE_ABS) throw new InputError(`${where(cols.time)()}: timestamp ${t} is beyond +-2^52 ticks`);
      if (t < prevT) throw new InputError(`${where(cols.time)()}: timestamp ${rawT} is before the previous one (line ${prevLine}): timestamps must not go backwards`);
      prevT = t;
      prevLine = at;
      const values = new Float64Array(rawV.length);
      for (let c = 0; c < rawV.length; c++) values[c] = parseValue(rawV[c], where(cols.channels[c]));
      yield { t, values, line: at };
    }
  } finally {
    lines.close();
    input.destroy();
  }
  if (!cols) throw new InputError(`${base}: no data`);
  if (kind === null) {
    throw new InputError(`${base}: a header but no samples`);
  }
}
