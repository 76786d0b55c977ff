// The host board's firmware update through the CLI, as the README's "host board's firmware"
// section gives it: `wasmcu sign --board host --kind firmware` signs a wasmcu-host build,
// `wasmcu board start --firmware` installs it into the board's firmware file fw_a, `wasmcu
// flash --board host --port NAME` sends a newer one over the link and `wasmcu ota status`
// shows it confirmed in fw_b. Refusals of the inputs go before anything is started or sent.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { boardsCli } from "../../helpers/cli.js";
import { firmwareOf } from "../../helpers/firmware-update.js";
import { hostBuildDir, repoRoot } from "../../helpers/paths.js";
import { assertReadmeHasSteps, fillStep, stepArgs } from "../../helpers/readme-steps.js";

const { dir, wasmcu } = boardsCli("wasmcu-host-boot-cli-", { timeoutMs: 120_000, inDir: true });

/** The README's commands with {bin} (the host build's bin folder) and {out} (where new files go). */
const steps = [
  "wasmcu sign --board host --kind firmware --key wasmcu-dev --version 0.1.0 --counter 1 -o {out}fw-host-0.1.0.wimg {bin}/wasmcu-host",
  "wasmcu board start edge --board host --firmware {out}fw-host-0.1.0.wimg",
  "wasmcu ota status --port edge",
  "wasmcu sign --board host --kind firmware --key wasmcu-dev --version 0.2.0 --counter 2 -o {out}fw-host-0.2.0.wimg {bin}/wasmcu-host",
  "wasmcu flash --board host --port edge {out}fw-host-0.2.0.wimg",
  "wasmcu ota status --port edge",
  "wasmcu board stop edge",
];

test("the README's host-board firmware section has the commands this test runs, in order", () => {
  assertReadmeHasSteps("The host board's firmware", steps.map((step) => fillStep(step, "build/host/bin", "")));
});

test("wasmcu sign --board host, board start --firmware, flash --board host --port: ota status shows the new firmware confirmed in fw_b", async () => {
  const bin = path.join(hostBuildDir, "bin");
  const run = async (step: string) => {
    const r = await wasmcu([...stepArgs(step, bin, dir + "/"), "--json"]);
    assert.equal(r.code, 0, `${step}: ${r.stderr}`);
    return r.stdout;
  };
  const signed = JSON.parse(await run(steps[0]!)) as { kind: string; version: string };
  assert.deepEqual([signed.kind, signed.version], ["firmware", "0.1.0"]);
  const file = readFileSync(path.join(dir, "fw-host-0.1.0.wimg"));
  assert.deepEqual([file.readUInt32LE(0), file[8], file.readUInt32BE(128)], [0x41544f57, 4, 0x7f454c46]); // WOTA, firmware, an ELF payload
  await run(steps[1]!);
  const first = firmwareOf(await run(steps[2]!));
  assert.deepEqual([first?.slot, first?.state, first?.version, first?.signed], ["fw_a", "confirmed", "0.1.0", true]);
  await run(steps[3]!);
  const flashed = JSON.parse(await run(steps[4]!)) as { outcome: string; bank: string };
  assert.deepEqual([flashed.bank, flashed.outcome], ["fw_b", "confirmed"]);
  const now = firmwareOf(await run(steps[5]!));
  assert.deepEqual([now?.slot, now?.state, now?.version, now?.floor], ["fw_b", "confirmed", "0.2.0", 2]);
  const human = await wasmcu(stepArgs(steps[5]!, bin, ""));
  assert.match(human.stdout, /firmware.*0\.2\.0/);
  await run(steps[6]!);
});

test("host firmware inputs are refused with a clear error before anything is started or sent", async () => {
  const bin = path.join(hostBuildDir, "bin");
  const cases: [string[], RegExp][] = [
    [["sign", "--board", "host", "--kind", "firmware", "--key", "wasmcu-dev", "-o", path.join(dir, "x.wimg"), path.join(repoRoot, "README.md")],
      /README\.md: not an executable \(no ELF magic at offset 0\)/],
    [["sign", "--board", "host", "--kind", "firmware", "--key", "wasmcu-dev", "-o", path.join(dir, "x.wimg"), `${bin}/wasmcu-host`, `${bin}/wasmcu-host`],
      /takes one wasmcu-host executable/],
    [["flash", "--board", "host", "--port", "nowhere", path.join(repoRoot, "README.md")], /README\.md: bad magic at offset 0/],
    [["flash", "--board", "host", "--port", "nowhere", "--recovery", path.join(repoRoot, "README.md")], /--board host has no bootloader and so no serial recovery/],
  ];
  for (const [args, why] of cases) {
    const r = await wasmcu(args, 60_000);
    assert.notEqual(r.code, 0, args.join(" "));
    assert.match(r.stderr, why);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  }
  const list = await wasmcu(["board", "list", "--json"], 60_000);
  assert.deepEqual(JSON.parse(list.stdout), []);
});
