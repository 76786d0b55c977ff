// The interrupt matrix and CPU interrupt controller on their own: routing, enable,
// priority against threshold, level versus edge (latched until CPU_INT_CLEAR).
import assert from "node:assert/strict";
import { test } from "node:test";

import { InterruptMatrix, Source } from "../../../../host-tools/src/sim/esp32c3/interrupt-matrix.js";

function matrix() {
  const lines: number[] = [];
  const m = new InterruptMatrix((l) => lines.push(l));
  const route = (src: number, line: number, pri: number) => {
    m.write(4 * src, line);
    m.write(0x114 + 4 * line, pri);
    m.write(0x104, m.read(0x104) | (1 << line));
  };
  return { m, lines, route, last: () => lines.at(-1) };
}

test("a routed, enabled source at priority >= threshold is offered on its line; below threshold or disabled it is not", () => {
  const { m, route, last } = matrix();
  route(Source.UART0, 5, 2);
  m.write(0x194, 1);
  m.setSource(Source.UART0, true);
  assert.equal(last(), 5);
  m.write(0x194, 3);
  assert.equal(last(), -1, "priority 2 under threshold 3");
  m.write(0x194, 2);
  assert.equal(last(), 5, "priority equal to the threshold is taken");
  m.write(0x104, 0);
  assert.equal(last(), -1, "line disabled");
  assert.equal(m.read(0x110) >>> 0, 1 << 5, "still pending in EIP_STATUS");
  assert.equal(m.read(0xf8) >>> 0, 1 << Source.UART0, "source status");
});

test("the highest priority wins; on a tie the lower line", () => {
  const { m, route, last } = matrix();
  route(Source.SYSTIMER_TARGET0, 7, 1);
  route(Source.UART0, 3, 1);
  m.setSource(Source.SYSTIMER_TARGET0, true);
  m.setSource(Source.UART0, true);
  assert.equal(last(), 3);
  m.write(0x114 + 4 * 7, 4);
  assert.equal(last(), 7);
});

test("an edge-type line stays pending after its source drops, until CPU_INT_CLEAR", () => {
  const { m, route, last } = matrix();
  route(Source.TG0_T0, 9, 1);
  m.write(0x108, 1 << 9);
  m.setSource(Source.TG0_T0, true);
  m.setSource(Source.TG0_T0, false);
  assert.equal(last(), 9);
  m.write(0x10c, 1 << 9);
  assert.equal(last(), -1);
});
