// The host board's simulated INA219 measures the board's own activity: an app that reads
// it right after sleeping sees the static current, after a busy stretch the switching
// current too, and each peripheral it switches on adds its share
// (boards/host/INA219-MODEL.md). Simulated figures, not a measurement.
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { launchHostBoard } from "../../../host-tools/src/boards/launch.js";
import { resolveBoard } from "../../../host-tools/src/boards/registry.js";
import { DeviceLink, type LinkEvent } from "../../../host-tools/src/link/session.js";
import { openSerial } from "../../../host-tools/src/link/transport.js";
import { compileApp } from "../../host-tools/ota/pairs.js";
import { hostBin } from "../../helpers/paths.js";

const APP = `
import { ina219, log, power, time } from "SDK";

const mon = new ina219.Ina219(0x40);

function busyFor(us: i64): void {
  const end = time.micros() + us;
  while (time.micros() < end) {}
}

export function setup(): void {
  // 128-sample averages (68 ms each way, a 136 ms cycle): the last finished window before a
  // read lies in the 300 ms stretch before it but for the microseconds since the app woke,
  // so a loaded machine that delays the read by a millisecond moves it by under 1%.
  mon.configure(ina219.BusRange.V16, ina219.Gain.Div1_40mV, ina219.Adc.Samples128, ina219.Adc.Samples128, ina219.Mode.ShuntBusContinuous);
  mon.calibrate(0.1, 0.4);
  for (let i = 0; i < 3; i++) {
    time.sleep(300);
    log.info("asleep mA " + (mon.current() * 1000).toString());
    busyFor(300000);
    log.info("busy mA " + (mon.current() * 1000).toString());
  }
  for (let i = 0; i < 4; i++) power.on(<power.Peripheral>i);
  time.sleep(300);
  log.info("peripherals " + power.count().toString() + " mA " + (mon.current() * 1000).toString());
}
`;

test("the host board's INA219 sees the board sleep and work", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "wasmcu-ina219-load-"));
  writeFileSync(path.join(dir, "app.wasm"), await compileApp(APP));
  const board = await launchHostBoard(resolveBoard("host"), {
    firmware: hostBin("wasmcu-host"), app: path.join(dir, "app.wasm"), flashFile: path.join(dir, "flash.bin"),
    waitForHost: true, extraArgs: ["--ina219", "0x40"],
  });
  const link = new DeviceLink(await openSerial(board.uartPath, 115200), { timeoutMs: 3000 });
  const events: LinkEvent[] = [];
  link.onEvent((e) => events.push(e));
  try {
    await link.connect(20_000);
    const t0 = Date.now();
    const read = (what: string) => events.flatMap((e) => (e.kind === "log" && e.text.startsWith(what) ? [Number(e.text.split(" ").at(-1))] : []));
    while (read("peripherals").length < 1 && Date.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 50));
    const asleep = read("asleep"), busy = read("busy");
    assert.equal(busy.length, 3, events.map((e) => JSON.stringify(e)).join("\n"));
    const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
    // The model: gamma = 1.5 mA asleep (plus the link polls' short busy spells every 10 ms);
    // + alpha·f·V = 18.2 mA busy (125 MHz, 3.3 V).
    assert.ok(median(asleep) > 1.0 && median(asleep) < 3.0, `asleep ${asleep.join(", ")} mA`);
    assert.ok(median(busy) > 17.0 && median(busy) < 22.0, `busy ${busy.join(", ")} mA`);
    // Four peripherals switched on (firmware/sdk/power.ts): + 4 × beta / V = 3.6 mA asleep.
    const line = events.find((e) => e.kind === "log" && e.text.startsWith("peripherals"));
    assert.match(line?.kind === "log" ? line.text : "", /^peripherals 4 mA /);
    const withPeriph = read("peripherals")[0]!;
    assert.ok(withPeriph - median(asleep) > 3.0 && withPeriph - median(asleep) < 4.3, `asleep ${median(asleep)} mA, with 4 peripherals ${withPeriph} mA`);
  } finally {
    await link.close();
    await board.stop();
  }
});
