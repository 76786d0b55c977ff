// Terminal manners: colour only for a person (TTY, NO_COLOR, FORCE_COLOR), progress bars that end
// their line before anything else is printed, build progress read from CMake's lines.
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseBuildProgress } from "../../../host-tools/src/build/firmware.js";
import { colourEnabled, paintLevel, palette } from "../../../host-tools/src/lib/colour.js";
import { Output } from "../../../host-tools/src/lib/output.js";
import { progressBar, stepProgress } from "../../../host-tools/src/lib/progress.js";

/** A stream that records what is written, a terminal or not. */
function fakeStream(isTTY: boolean): NodeJS.WriteStream & { text: string } {
  const s = { isTTY, columns: 100, text: "", write(chunk: string | Uint8Array) {
    s.text += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString();
    return true;
  } };
  return s as unknown as NodeJS.WriteStream & { text: string };
}

test("colour is on for a terminal, off when piped, off with NO_COLOR, forced on with FORCE_COLOR (FORCE_COLOR=0 off)", () => {
  assert.equal(colourEnabled({ isTTY: true }, {}), true);
  assert.equal(colourEnabled({ isTTY: false }, {}), false);
  assert.equal(colourEnabled({ isTTY: true }, { NO_COLOR: "1" }), false);
  assert.equal(colourEnabled({ isTTY: false }, { FORCE_COLOR: "1" }), true);
  assert.equal(colourEnabled({ isTTY: true }, { FORCE_COLOR: "0" }), false);
  assert.equal(colourEnabled({ isTTY: true }, { NO_COLOR: "1", FORCE_COLOR: "1" }), false, "NO_COLOR wins");
  assert.equal(colourEnabled({ isTTY: true }, { TERM: "dumb" }), false);
});

test("log levels are painted: error red, warn yellow, debug dim, info plain; no codes without colour", () => {
  const on = palette(true);
  assert.equal(paintLevel(on, "error", "x"), "\x1b[31mx\x1b[39m");
  assert.equal(paintLevel(on, "warn", "x"), "\x1b[33mx\x1b[39m");
  assert.equal(paintLevel(on, "debug", "x"), "\x1b[2mx\x1b[22m");
  assert.equal(paintLevel(on, "info", "x"), "x");
  assert.equal(paintLevel(palette(false), "error", "x"), "x");
});

test("warnings and device lines are coloured on a terminal and plain when piped", () => {
  const saved = { NO_COLOR: process.env.NO_COLOR, FORCE_COLOR: process.env.FORCE_COLOR };
  delete process.env.NO_COLOR;
  delete process.env.FORCE_COLOR;
  try {
    const tty = fakeStream(true), ttyErr = fakeStream(true);
    const o = new Output({}, tty, ttyErr);
    o.warn("careful");
    o.deviceLine("[0.1] error boom", "error");
    assert.equal(ttyErr.text, "\x1b[33mwarning:\x1b[39m careful\n");
    assert.equal(tty.text, "\x1b[31m[0.1] error boom\x1b[39m\n");
    const pipe = fakeStream(false), pipeErr = fakeStream(false);
    const p = new Output({}, pipe, pipeErr);
    p.warn("careful");
    p.deviceLine("[0.1] error boom", "error");
    assert.equal(pipeErr.text, "warning: careful\n");
    assert.equal(pipe.text, "[0.1] error boom\n");
  } finally {
    for (const [k, v] of Object.entries(saved)) if (v !== undefined) process.env[k] = v;
  }
});

test("a progress bar on a terminal ends its line once, before what follows", () => {
  const s = fakeStream(true);
  const bar = progressBar("deploy", s);
  bar.update(512, 1024);
  bar.update(1024, 1024);
  bar.finish();
  bar.finish(); // a second finish adds no empty line
  s.write("[0.001] info hello\n");
  assert.match(s.text, /^\rdeploy \[#+\.+\]\s+50% 512\/1024 B.*\rdeploy \[#{30}\] 100% 1024\/1024 B[^\n]*\n\[0\.001\] info hello\n$/s);
});

test("build progress: a bar on a terminal, a line per quarter when piped, silent when nothing is built", () => {
  const piped = fakeStream(false);
  const p = stepProgress("rp2040 firmware", piped);
  for (const [pct, f] of [[3, "a.c"], [10, "b.c"], [30, "c.c"], [52, "d.c"], [80, "e.c"], [100, "wasmcu-rp2040.elf"]] as const) p.update(pct, f);
  p.finish();
  assert.equal(piped.text, "rp2040 firmware: 3% (a.c)\nrp2040 firmware: 30% (c.c)\nrp2040 firmware: 52% (d.c)\nrp2040 firmware: 80% (e.c)\nrp2040 firmware: 100% (wasmcu-rp2040.elf)\n");
  const tty = fakeStream(true);
  const t = stepProgress("host firmware", tty);
  t.update(45, "interp.c");
  t.finish();
  assert.match(tty.text, /^\rhost firmware \[#{11}\.{13}\]  45% \d+ s interp\.c\s*\n$/);
  const idle = fakeStream(true);
  stepProgress("host firmware", idle).finish();
  assert.equal(idle.text, "");
});

test("CMake's progress lines (Makefiles and Ninja) are read; other lines are not", () => {
  assert.deepEqual(parseBuildProgress("[ 45%] Building C object firmware/runtime/CMakeFiles/wasmcu_runtime.dir/src/interp.c.o"),
    { percent: 45, what: "interp.c" });
  assert.deepEqual(parseBuildProgress("[100%] Linking C executable bin/wasmcu-rp2040.elf"), { percent: 100, what: "wasmcu-rp2040.elf" });
  assert.deepEqual(parseBuildProgress("[12/80] Building C object firmware/nn/CMakeFiles/nn.dir/src/conv2d.c.o"), { percent: 15, what: "conv2d.c" });
  assert.equal(parseBuildProgress("[100%] Built target wasmcu_runtime"), undefined);
  assert.equal(parseBuildProgress("-- Configuring done"), undefined);
});
