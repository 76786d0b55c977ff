// The RP2040 firmware's first install and field update through the CLI, as the README's
// "first install (UF2), field updates (serial)" section gives them: `wasmcu build --board rp2040`
// writes the install UF2 and the signed firmware file, an rp2040-sim board boots the UF2 (the
// bootloader and fw_a), `wasmcu sign --kind firmware` makes a newer firmware file, `wasmcu
// flash --board rp2040 --port NAME` updates the running board over its link and `wasmcu ota
// status` shows the new version, confirmed, in the other bank; `wasmcu flash --recovery` asks
// the live firmware to reset into the bootloader's serial recovery and writes fw_a there.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { boardsCli } from "../../helpers/cli.js";
import { firmwareOf } from "../../helpers/firmware-update.js";
import { repoRoot } from "../../helpers/paths.js";
import { assertReadmeHasSteps, fillStep, stepArgs } from "../../helpers/readme-steps.js";

const { dir, wasmcu } = boardsCli("wasmcu-boot-cli-", { timeoutMs: 300_000 });

const version = (JSON.parse(readFileSync(path.join(repoRoot, "package.json"), "utf8")) as { version: string }).version;

/** The README's commands with {bin} (the firmware build's bin folder) and {out} (where new files go). */
const steps = [
  "wasmcu build --board rp2040 --app blink",
  "wasmcu board start field --board rp2040-sim --speed max --firmware {bin}/wasmcu-rp2040-install.uf2",
  "wasmcu ota status --port field",
  "wasmcu sign --kind firmware --key wasmcu-dev --version 0.2.0 --counter 1 -o {out}fw-0.2.0.wimg {bin}/wasmcu-rp2040-fw_a.bin {bin}/wasmcu-rp2040-fw_b.bin",
  "wasmcu flash --board rp2040 --port field {out}fw-0.2.0.wimg",
  "wasmcu ota status --port field",
  "wasmcu flash --board rp2040 --port field --recovery {out}fw-0.2.0.wimg",
  "wasmcu ota status --port field",
  "wasmcu board stop field",
];

test("the README's RP2040 first-install and field-update section has the commands this test runs, in order", () => {
  assertReadmeHasSteps("The RP2040's own firmware", steps.map((step) => fillStep(step, "build/rp2040/bin", "")));
});

test("wasmcu build --board rp2040 writes the install UF2 and the firmware file; a board installed from the UF2 takes a new firmware with wasmcu flash --port and ota status shows it", async () => {
  const run = async (step: string, bin: string, json = true) => {
    const args = stepArgs(step, bin, dir + "/");
    const r = await wasmcu(json ? [...args, "--json"] : args);
    assert.equal(r.code, 0, `${step}: ${r.stderr}`);
    return r.stdout;
  };
  const built = JSON.parse(await run(steps[0]!, "")) as { firmware: { artifacts: string[] } };
  const uf2 = built.firmware.artifacts.find((a) => a.endsWith("wasmcu-rp2040-install.uf2"));
  const wimg = built.firmware.artifacts.find((a) => a.endsWith("wasmcu-rp2040-firmware.wimg"));
  assert.ok(uf2 && wimg, `build artifacts: ${built.firmware.artifacts.join(", ")}`);
  const bin = path.dirname(uf2);
  assert.ok(existsSync(path.join(bin, "wasmcu-rp2040-fw_a.bin")) && existsSync(path.join(bin, "wasmcu-rp2040-fw_b.bin")));
  // The firmware file holds one signed image per bank (WOTA magic, kind 4 = firmware).
  const file = readFileSync(wimg);
  assert.deepEqual([file.readUInt32LE(0), file[8]], [0x41544f57, 4]);

  await run(steps[1]!, bin);
  const first = firmwareOf(await run(steps[2]!, bin));
  assert.deepEqual([first?.slot, first?.state, first?.version, first?.signed], ["fw_a", "confirmed", version, true]);
  await run(steps[3]!, bin);
  const flashed = JSON.parse(await run(steps[4]!, bin)) as { outcome: string; bank: string };
  assert.deepEqual([flashed.bank, flashed.outcome], ["fw_b", "confirmed"]);
  const now = firmwareOf(await run(steps[5]!, bin));
  assert.deepEqual([now?.slot, now?.state, now?.version, now?.floor], ["fw_b", "confirmed", "0.2.0", 1]);
  const human = await wasmcu(stepArgs(steps[5]!, bin, ""));
  assert.match(human.stdout, /firmware.*0\.2\.0/);
  // Recovery on request: the live firmware resets into the bootloader's recovery, which
  // writes fw_a; the records named fw_b confirmed, so fw_a runs on trial and confirms itself.
  const recovered = JSON.parse(await run(steps[6]!, bin)) as { bank: string; version: string };
  assert.deepEqual([recovered.bank, recovered.version], ["fw_a", "0.2.0"]);
  let fw = firmwareOf(await run(steps[7]!, bin));
  for (let i = 0; i < 30 && fw?.state === "trial"; i++) fw = firmwareOf(await run(steps[7]!, bin));
  assert.deepEqual([fw?.slot, fw?.state, fw?.version], ["fw_a", "confirmed", "0.2.0"]);
  await run(steps[8]!, bin);
});

test("wasmcu board start --firmware: only for rp2040-sim (an .elf or .uf2 that exists) and host (a signed firmware image); nothing is started otherwise", async () => {
  const cases: [string[], RegExp][] = [
    [["--board", "esp32c3-sim", "--firmware", "x.uf2"], /--firmware is for --board rp2040-sim/],
    [["--board", "host", "--firmware", path.join(repoRoot, "README.md")], /README\.md: bad magic at offset 0/],
    [["--board", "rp2040-sim", "--firmware", path.join(repoRoot, "README.md")], /expected an \.elf or a \.uf2/],
    [["--board", "rp2040-sim", "--firmware", path.join(dir, "missing.uf2")], /missing\.uf2/],
  ];
  for (const [args, why] of cases) {
    const r = await wasmcu(["board", "start", "refused", ...args], 60_000);
    assert.notEqual(r.code, 0, args.join(" "));
    assert.match(r.stderr, why);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  }
  const list = await wasmcu(["board", "list", "--json"], 60_000);
  assert.deepEqual(JSON.parse(list.stdout), []);
});
