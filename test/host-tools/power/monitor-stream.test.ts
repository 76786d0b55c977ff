// The power-monitor app's stream (firmware/apps/power-monitor/README.md): header, 8-byte
// records, unwrapped device times, marker edges at sample resolution.
import assert from "node:assert/strict";
import { test } from "node:test";
import { InputError } from "../../../host-tools/src/lib/errors.js";
import { MonitorStream, parseMonitorHeader } from "../../../host-tools/src/power/monitor-stream.js";
import { preferredMap, matchEdges } from "../../../host-tools/src/power/align.js";

function header(lsb = 0.4 / 32768): Uint8Array {
  const b = new Uint8Array(20);
  const v = new DataView(b.buffer);
  b.set([0x57, 0x50, 0x4d, 0x31]);
  v.setUint32(4, 1000, true);
  v.setFloat32(8, lsb, true);
  v.setFloat32(12, 0.1, true);
  v.setUint16(16, 0x019f, true);
  b[18] = 16;
  b[19] = 8;
  return b;
}

function records(rows: [number, number, number, 0 | 1][]): Uint8Array {
  const b = new Uint8Array(rows.length * 8);
  const v = new DataView(b.buffer);
  rows.forEach(([t, cur, busCounts, marker], i) => {
    v.setUint32(i * 8, t >>> 0, true);
    v.setInt16(i * 8 + 4, cur, true);
    v.setUint16(i * 8 + 6, (busCounts << 3) | (marker << 2) | 2, true);
  });
  return b;
}

test("records before the first header are dropped, later ones scaled by its calibration", () => {
  const s = new MonitorStream();
  s.push(false, records([[10, 100, 825, 0]]));
  assert.equal(s.droppedBeforeHeader, 1);
  s.push(true, header());
  s.push(false, records([[1000, 1638, 825, 0], [2000, 1638, 825, 1]]));
  assert.equal(s.records.length, 2);
  const [a] = s.samples();
  assert.ok(Math.abs(a!.current_a - 1638 * (0.4 / 32768)) < 1e-6);
  // bus_v in the samples is the supply: IN− (825 × 4 mV) plus the shunt drop.
  assert.ok(Math.abs(a!.bus_v - (3.3 + a!.current_a * 0.1)) < 1e-6);
});

test("a record split across two stream messages is joined, and 32-bit device time is unwrapped", () => {
  const s = new MonitorStream();
  s.push(true, header());
  const b = records([[0xfffffc18, 1, 825, 0], [0x3e8, 1, 825, 0]]);
  s.push(false, b.subarray(0, 5));
  s.push(false, b.subarray(5));
  assert.deepEqual(s.records.map((r) => r.t_us), [0xfffffc18, 0x1000003e8]);
});

test("marker edges fall midway between the samples around the change", () => {
  const s = new MonitorStream();
  s.push(true, header());
  s.push(false, records([[1000, 1, 825, 0], [2000, 1, 825, 1], [3000, 1, 825, 1], [4000, 1, 825, 0]]));
  assert.deepEqual(s.edges(), [{ t_us: 1500, level: 1 }, { t_us: 3500, level: 0 }]);
});

test("a header that is not the power monitor's is refused", () => {
  assert.throws(() => parseMonitorHeader(new Uint8Array(20)), InputError);
  const h = header();
  h[19] = 12;
  assert.throws(() => parseMonitorHeader(h), /unsupported record size/);
});

test("edge matching prefers rate 1 over a slope made of sample-resolution error, and more pairs over fewer", () => {
  // Edges quantized to a 1 ms grid: the line through them would have a rate 0.5% off.
  const map = preferredMap([0, 100_000], [500, 100_000])!;
  assert.equal(map.rate, 1);
  // A phase repeated with equal durations: pairing only the last two markers with the first
  // two edges fits as well; the match that pairs the most markers wins.
  const device = [1000, 219_000, 250_000, 468_000, 500_000, 718_000];
  const edges = [1400, 219_300, 250_500];
  const m = matchEdges(device, edges)!;
  assert.equal(m.shift, 0);
  assert.equal(m.map.pairs, 3);
  // The second run's intervals even match the edges better than the first's, by less than the
  // edges' 1 ms resolution: a tie, and the monitor saw the first marker first (shift 0).
  const closer = [1000, 219_000, 250_000, 468_500, 498_900, 717_000];
  const seen = [1400, 219_900, 250_300];
  assert.equal(matchEdges(closer, seen)!.shift, 0);
});
