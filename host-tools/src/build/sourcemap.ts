// Source maps (version 3) as asc writes them for a .wasm: one generated line, whose columns
// are byte offsets in the module. Our own small decoder: base64 VLQ segments, then a sorted
// table looked up by offset.
import { InputError } from "../lib/errors.js";

/** Where one byte range of the module came from (0-based line and column, as stored). */
export interface Mapping {
  offset: number;
  source: number;
  line: number;
  column: number;
}

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const DIGIT = new Int8Array(128).fill(-1);
for (let i = 0; i < BASE64.length; i++) DIGIT[BASE64.charCodeAt(i)] = i;

/** The numbers of one segment ("gRGkUO" -> [..]): base64 digits, 5 bits each, bit 5 continues, bit 0 of the value the sign. */
export function decodeVlq(segment: string): number[] {
  const out: number[] = [];
  let value = 0;
  let shift = 0;
  for (let i = 0; i < segment.length; i++) {
    const c = segment.charCodeAt(i);
    const d = c < 128 ? DIGIT[c]! : -1;
    if (d < 0) throw new InputError(`source map: "${segment[i]}" is not a base64 digit (segment "${segment}")`);
    value += (d & 31) * 2 ** shift;
    if (d & 32) {
      shift += 5;
      if (shift > 30) throw new InputError(`source map: number too long in segment "${segment}"`);
      continue;
    }
    out.push(value % 2 === 1 ? -(value - 1) / 2 : value / 2);
    value = 0;
    shift = 0;
  }
  if (shift !== 0) throw new InputError(`source map: segment "${segment}" ends inside a number`);
  return out;
}

/** The mappings string of a wasm source map, as a table sorted by offset. Segments of one field (no source) end a range. */
export function decodeMappings(mappings: string): Mapping[] {
  const out: Mapping[] = [];
  let offset = 0, source = 0, line = 0, column = 0;
  for (const group of mappings.split(";")) {
    offset = 0; // each generated line starts at column 0 (a wasm map has one line)
    for (const seg of group.split(",")) {
      if (!seg) continue;
      const v = decodeVlq(seg);
      offset += v[0]!;
      if (v.length >= 4) {
        source += v[1]!;
        line += v[2]!;
        column += v[3]!;
        out.push({ offset, source, line, column });
      } else {
        out.push({ offset, source: -1, line: -1, column: -1 });
      }
    }
  }
  return out.sort((a, b) => a.offset - b.offset);
}

/** The mapping covering a byte offset: the last one at or before it; undefined before the first or in an unmapped range. */
export function lookup(table: readonly Mapping[], offset: number): Mapping | undefined {
  let lo = 0, hi = table.length - 1, found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (table[mid]!.offset <= offset) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  const m = found >= 0 ? table[found]! : undefined;
  return m && m.source >= 0 ? m : undefined;
}
