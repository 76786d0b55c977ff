// quantize/dequantize on real recordings (Debian's python3-vega-datasets) and through the CLI.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { dequantizeFile, quantizeFile } from "../../../host-tools/src/stream/index.js";
import { wasmcu } from "../../helpers/cli.js";
import { vegaFile } from "./vega.js";

const dir = mkdtempSync(path.join(tmpdir(), "wqs-pipe-"));
const out = (n: string) => path.join(dir, n);

function readCsv(f: string): { head: string[]; rows: number[][] } {
  const lines = readFileSync(f, "utf8").trim().split("\n");
  return { head: lines[0]!.split(","), rows: lines.slice(1).map((l) => l.split(",").map(Number)) };
}

test("sf-temps (8759 hourly temperatures): error within half a step, 5x or better against raw records, and back", async () => {
  const r = await quantizeFile({ input: vegaFile("sf-temps.csv"), output: out("sf.wqs") });
  assert.equal(r.samples, 8759);
  const ch = r.channels[0]!;
  assert.equal(ch.name, "temp");
  assert.ok(ch.lo <= 45.6 && ch.hi >= 72.2);
  assert.ok(ch.maxErrorLsb <= 0.5 + 1e-9, `max error ${ch.maxErrorLsb} LSB`);
  assert.equal(ch.saturated, 0);
  assert.equal(r.bytesOut, statSync(out("sf.wqs")).size);
  assert.equal(r.bytesRaw, 8759 * 12);
  assert.ok(r.ratioRaw >= 5, `ratio ${r.ratioRaw}`);
  const back = await dequantizeFile(out("sf.wqs"), out("sf.csv"));
  assert.equal(back.samples, 8759);
  assert.deepEqual(back.damage, []);
  const orig = readFileSync(vegaFile("sf-temps.csv"), "utf8").trim().split("\n").slice(1).map((l) => l.split(","));
  const got = readCsv(out("sf.csv"));
  assert.deepEqual(got.head, ["t", "temp"]);
  got.rows.forEach((row, i) => {
    assert.equal(row[0], Date.parse(orig[i]![1]!.replace(/\//g, "-").replace(" ", "T") + "Z"), `row ${i}: time in ms since 1970 UTC`);
    // The CSV prints two more decimals than the step needs, so allow that rounding on top of half a step.
    assert.ok(Math.abs(row[1]! - Number(orig[i]![0])) <= ch.scale / 2 + ch.scale / 100, `row ${i}`);
  });
});

test("seattle-weather temp_max/temp_min: the 16-byte raw records shrink 5x or more, both channels within half a step", async () => {
  const r = await quantizeFile({ input: vegaFile("seattle-weather.csv"), output: out("sw.wqs"), channels: ["temp_max", "temp_min"] });
  assert.equal(r.samples, 1461);
  assert.equal(r.bytesRaw, 1461 * 16);
  assert.ok(r.ratioRaw >= 5, `ratio ${r.ratioRaw}`);
  for (const c of r.channels) assert.ok(c.maxErrorLsb <= 0.5 + 1e-9 && c.rmsErrorLsb < 0.5, `${c.name}: ${c.maxErrorLsb}`);
});

test("a calibration file narrower than the data saturates and counts exactly the samples outside it", async () => {
  const cal = out("cal.json");
  writeFileSync(cal, JSON.stringify({ channels: { temp: { lo: 50, hi: 60 } } }));
  const r = await quantizeFile({ input: vegaFile("sf-temps.csv"), output: out("sat.wqs"), calibrate: cal });
  const temps = readCsv(vegaFile("sf-temps.csv")).rows.map((row) => row[0]!);
  assert.equal(r.channels[0]!.saturated, temps.filter((t) => t < 50 || t > 60).length);
  assert.ok(r.channels[0]!.saturated > 0);
});

test("windows of 64 with hop 32 and z-score: each block is one window, the stream says so", async () => {
  const r = await quantizeFile({ input: vegaFile("sf-temps.csv"), output: out("win.wqs"), window: 64, hop: 32, zscore: true, int8: true });
  assert.equal(r.blocks, Math.floor((8759 - 64) / 32) + 1);
  const back = await dequantizeFile(out("win.wqs"), out("win.csv"));
  assert.equal(back.header.window, 64);
  assert.equal(back.header.hop, 32);
  assert.ok(back.header.zscore && back.header.int8);
  assert.equal(back.samples, r.blocks * 64);
  const rows = readCsv(out("win.csv"));
  assert.deepEqual(rows.head, ["window", "t", "temp"]);
  assert.equal(rows.rows[64]![1], rows.rows[32]![1], "window 1 starts 32 samples after window 0");
});

test("CLI: quantize --report --json prints per-channel errors, sizes, ratio and throughput", async () => {
  const r = await wasmcu(["quantize", vegaFile("seattle-weather.csv"), "-o", out("cli.wqs"), "--channels", "temp_max,wind", "--report", "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const rep = JSON.parse(r.stdout) as { channels: { name: string; maxErrorLsb: number; saturated: number }[]; ratioRaw: number; samplesPerSecond: number; bytesOut: number };
  assert.deepEqual(rep.channels.map((c) => c.name), ["temp_max", "wind"]);
  assert.ok(rep.samplesPerSecond > 0 && rep.bytesOut === statSync(out("cli.wqs")).size);
  const human = await wasmcu(["quantize", vegaFile("seattle-weather.csv"), "-o", out("cli.wqs"), "--channels", "temp_max,wind", "--report"]);
  assert.equal(human.code, 0, human.stderr);
  assert.match(human.stdout, /temp_max\s+\[/);
  assert.match(human.stdout, /ratio: [\d.]+x against raw records/);
  assert.match(human.stdout, /throughput: \d+ samples\/s/);
});

test("CLI: bad input exits 3 with the line and column; no stack trace", async () => {
  const r = await wasmcu(["quantize", vegaFile("seattle-weather.csv"), "-o", out("x.wqs")]);
  assert.equal(r.code, 3);
  assert.match(r.stderr, /seattle-weather.csv line 2, column "weather": "drizzle" is not a number/);
  assert.match(r.stderr, /hint: pick numeric columns with --channels/);
  assert.doesNotMatch(r.stderr, /at .*\.js:\d+/);
  const missing = await wasmcu(["quantize", vegaFile("sf-temps.csv")]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /missing -o/);
});

test("CLI: dequantize skips a damaged block, warns with its byte offset and exits 3", async () => {
  const r = await quantizeFile({ input: vegaFile("sf-temps.csv"), output: out("dmg.wqs") });
  const bytes = readFileSync(out("dmg.wqs"));
  const at = Math.floor(bytes.length / 2);
  bytes[at] = bytes[at]! ^ 0xff;
  writeFileSync(out("dmg.wqs"), bytes);
  const d = await wasmcu(["dequantize", out("dmg.wqs"), "-o", out("dmg.csv"), "--json"]);
  assert.equal(d.code, 3, d.stderr);
  assert.match(d.stderr, /warning: .*damaged block at byte \d+: (CRC mismatch|.*); skipped \d+ bytes/);
  const rep = JSON.parse(d.stdout) as { samples: number; lostBlocks: number };
  assert.equal(rep.lostBlocks, 1);
  assert.equal(rep.samples, r.samples - 256);
  const cut = await wasmcu(["dequantize", vegaFile("sf-temps.csv"), "-o", out("no.csv")]);
  assert.equal(cut.code, 3);
  assert.match(cut.stderr, /not a .wqs stream/);
});

test("a bad line half-way through leaves no half-written .wqs behind", async () => {
  const f = out("half.csv");
  const rows = ["t,v", ...Array.from({ length: 1000 }, (_, i) => `${i},${i % 7}`)];
  rows[600] = "599,oops";
  writeFileSync(f, rows.join("\n") + "\n");
  await assert.rejects(quantizeFile({ input: f, output: out("half.wqs"), calibrate: "auto" }), /half.csv line 601, column "v": "oops" is not a number/);
  const cal = out("half-cal.json");
  writeFileSync(cal, JSON.stringify({ channels: { v: { lo: 0, hi: 7 } } }));
  await assert.rejects(quantizeFile({ input: f, output: out("half.wqs"), calibrate: cal }), /line 601/);
  assert.throws(() => statSync(out("half.wqs")), /ENOENT/);
});
