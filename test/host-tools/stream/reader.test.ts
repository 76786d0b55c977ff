// CSV and JSON Lines input: what is accepted, and errors that name the file, line and column.
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { readSamples, type ReaderOptions, type StreamColumns } from "../../../host-tools/src/stream/index.js";

const dir = mkdtempSync(path.join(tmpdir(), "wqs-reader-"));
let n = 0;
function file(ext: string, text: string): string {
  const f = path.join(dir, `in${n++}.${ext}`);
  writeFileSync(f, text);
  return f;
}

async function readAll(f: string, opts: ReaderOptions = {}) {
  let cols: StreamColumns | null = null;
  const out = [];
  for await (const s of readSamples(f, opts, (c) => (cols = c))) out.push({ t: s.t, v: [...s.values], line: s.line });
  return { cols: cols as StreamColumns | null, out };
}

test("CSV: finds the time column by name, takes the others as channels, skips blank and # lines", async () => {
  const r = await readAll(file("csv", "ax,time,ay\n# comment\n1.5,100,2\n\n-3e-1,110,\"4\"\n"));
  assert.deepEqual(r.cols, { time: "time", channels: ["ax", "ay"], timeExp: -3 });
  assert.deepEqual(r.out, [{ t: 100, v: [1.5, 2], line: 3 }, { t: 110, v: [-0.3, 4], line: 5 }]);
});

test("CSV dates (YYYY/MM/DD and ISO) become milliseconds since 1970 UTC", async () => {
  const r = await readAll(file("csv", "date,v\n2012/01/01,1\n2012-01-01 01:00:00,2\n2012-01-01T01:00:01Z,3\n"));
  assert.deepEqual(r.out.map((s) => s.t), [1325376000000, 1325379600000, 1325379601000]);
  assert.equal(r.cols!.timeExp, -3);
});

test("JSON Lines objects, with --channels choosing and ordering the channels", async () => {
  const r = await readAll(file("jsonl", '{"t": 5, "a": 1, "b": 2, "c": 3}\n{"t": 6, "a": 4, "b": 5, "c": 6}\n'), { channels: ["c", "a"], timeExp: -6 });
  assert.deepEqual(r.cols, { time: "t", channels: ["c", "a"], timeExp: -6 });
  assert.deepEqual(r.out.map((s) => s.v), [[3, 1], [6, 4]]);
});

const bad: [string, string, string, RegExp][] = [
  ["a CSV line with too few fields", "csv", "t,a,b\n1,2,3\n2,3\n", /in\d+\.csv line 3: 2 fields, the header has 3/],
  ["a timestamp that goes backwards", "csv", "t,a\n10,1\n20,1\n15,1\n", /line 4, column "t": timestamp 15 is before the previous one \(line 3\)/],
  ["NaN", "csv", "t,a\n1,0.5\n2,NaN\n", /line 3, column "a": "NaN" is not a number/],
  ["a non-numeric value", "csv", "t,a\n1,0.5\n2,rain\n", /line 3, column "a": "rain" is not a number/],
  ["a missing value", "csv", "t,a\n1,\n", /line 2, column "a": missing value/],
  ["a fractional tick", "csv", "t,a\n1.5,1\n", /line 2, column "t": timestamp 1.5 is not an integer number of ticks/],
  ["no header", "csv", "1,2\n3,4\n", /line 1: the first line must be a header/],
  ["an unterminated quote", "csv", "t,a\n1,\"2\n", /line 2: unterminated quoted field/],
  ["invalid JSON", "jsonl", '{"t":1,"a":2}\n{"t":2,"a":\n', /in\d+\.jsonl line 2: not valid JSON/],
  ["a JSON null value", "jsonl", '{"t":1,"a":null}\n', /line 1, column "a": missing value/],
  ["a JSON array line", "jsonl", "[1,2]\n", /line 1: expected a JSON object per line/],
  ["an unknown channel", "csv", "t,a\n1,2\n", /no column "zz"/],
  ["a header and no samples", "csv", "t,a\n", /a header but no samples/],
];
for (const [what, ext, text, re] of bad) {
  test(`${what} is refused with its line and column`, async () => {
    await assert.rejects(readAll(file(ext, text), what.includes("unknown channel") ? { channels: ["zz"] } : {}), re);
  });
}

test("a missing file is a clear error", async () => {
  await assert.rejects(readAll(path.join(dir, "nope.csv")), /cannot read .*nope.csv: no such file/);
});
