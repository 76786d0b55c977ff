// The host board's firmware update through the CLI, as the README's "host board's firmware"
// section gives it: `wasmcu sign --board host --kind firmware` signs a wasmcu-host build,
// `wasmcu board start --firmware` installs it into the board's firmware file fw_a, `wasmcu
// flash --board host --port NAME` sends a newer one over the link and `wasmcu ota status`
// shows it confirmed in fw_b. Refusals of the inputs go before anything is started or sent.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { boardsCli } from "../../helpers/cli.js";
import { firmwareOf } from "../../helpers/firmware-update.js";
import { boardFiles } from "../../../host-tools/src/boards/local.js";
import { PATCH_HEADER_SIZE } from "../../../host-tools/src/ota/delta.js";
import { hostBuildDir, repoRoot, rp2040Elf } from "../../helpers/paths.js";
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
  "wasmcu sign --board host --kind firmware --key wasmcu-dev --version 0.3.0 --counter 3 -o {out}fw-host-0.3.0.wimg {bin}/wasmcu-host",
  "wasmcu ota make --board host --from {out}fw-host-0.2.0.wimg --to {out}fw-host-0.3.0.wimg -o {out}fw-host-0.2.0-0.3.0.wdlt",
  "wasmcu flash --board host --port edge {out}fw-host-0.2.0-0.3.0.wdlt",
  "wasmcu ota status --port edge",
  "wasmcu board stop edge",
];

test("the README's host-board firmware section has the commands this test runs, in order", () => {
  assertReadmeHasSteps("The host board's firmware", steps.map((step) => fillStep(step, "build/host/bin", "")));
});

test("wasmcu sign --board host, board start --firmware, flash --board host --port with an image, then a delta (ota make --board host): each confirmed in the other bank; wrong-base, tampered and rp2040 deltas refused", async () => {
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

  // The same executable as 0.3.0: a delta from 0.2.0, one patch listed for both banks, patched
  // by the board from fw_b (which it runs) into fw_a.
  await run(steps[6]!);
  const made = JSON.parse(await run(steps[7]!)) as { patches: { running: string; bytes: number }[]; patchBytes: number; newImageBytes: number };
  assert.deepEqual(made.patches.map((p) => p.running), ["fw_a", "fw_b"]);
  assert.equal(made.patches[0]!.bytes, made.patches[1]!.bytes);
  assert.ok(made.patchBytes < made.newImageBytes / 10, `a same-code delta of ${made.patchBytes} B for a ${made.newImageBytes} B image`);
  const viaDelta = JSON.parse(await run(steps[8]!)) as { outcome: string; bank: string; mode: string };
  assert.deepEqual([viaDelta.bank, viaDelta.mode, viaDelta.outcome], ["fw_a", "patch", "confirmed"]);
  const last = firmwareOf(await run(steps[9]!));
  assert.deepEqual([last?.slot, last?.state, last?.version, last?.floor], ["fw_a", "confirmed", "0.3.0", 3]);
  const v3 = readFileSync(path.join(dir, "fw-host-0.3.0.wimg"));
  const flashFile = boardFiles("edge", dir).flash;
  const banks = { fw_a: `${flashFile}.fw_a` };
  assert.ok(readFileSync(banks.fw_a).subarray(0, v3.length).equals(v3), "fw_a holds the new image byte for byte");

  // Refused, the running firmware file untouched: a delta whose base (0.2.0, still in fw_b) is
  // not the running firmware; a tampered delta; an rp2040 delta (before anything is sent).
  await run("wasmcu sign --board host --kind firmware --key wasmcu-dev --version 0.4.0 --counter 4 -o {out}fw-host-0.4.0.wimg {bin}/wasmcu-host");
  await run("wasmcu ota make --board host --from {out}fw-host-0.3.0.wimg --to {out}fw-host-0.4.0.wimg -o {out}v4.wdlt");
  writeFileSync(path.join(dir, "tampered.wdlt"), tamperBoth(readFileSync(path.join(dir, "v4.wdlt"))));
  const rp2040Delta = await makeRp2040Delta(run);
  const fwA = readFileSync(banks.fw_a);
  const refusals: [string, RegExp][] = [
    ["fw-host-0.2.0-0.3.0.wdlt", /wrong base: the patch was made for another image than the one running/],
    ["tampered.wdlt", /rejected the update: SHA-256 mismatch/],
    [rp2040Delta, /a firmware delta for a board with bank builds .*--board host takes one patch for both firmware files/],
  ];
  for (const [file, why] of refusals) {
    const r = await wasmcu(["flash", "--board", "host", "--port", "edge", path.join(dir, file)]);
    assert.notEqual(r.code, 0, file);
    assert.match(r.stderr, why, file);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
    assert.deepEqual(firmwareOf(await run(steps[9]!)), last, `after ${file}`);
  }
  assert.ok(readFileSync(banks.fw_a).equals(fwA), "the running firmware file is untouched");
  // A host delta for the rp2040: refused before any port is opened.
  const r = await wasmcu(["flash", "--board", "rp2040", "--port", "nowhere", path.join(dir, "v4.wdlt")]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /v4\.wdlt: a host-board firmware delta \(one patch for both banks\): --board rp2040 needs a patch per bank build/);
  await run(steps[10]!);
});

/** Flips the middle byte of each patch's body in a host delta (both the same, so the file keeps its shape). */
function tamperBoth(delta: Buffer): Buffer {
  const patch = delta.length / 2, mid = PATCH_HEADER_SIZE + Math.floor((patch - PATCH_HEADER_SIZE) / 2);
  for (const at of [mid, patch + mid]) delta[at]! ^= 0x40;
  return delta;
}

/** A real rp2040 firmware delta (two versions of this tree's bank builds), made with the CLI; its name in dir. */
async function makeRp2040Delta(run: (step: string) => Promise<string>): Promise<string> {
  const bins = path.dirname(rp2040Elf());
  for (const [v, c] of [["0.1.0", 1], ["0.2.0", 2]] as const) {
    await run(`wasmcu sign --board rp2040 --kind firmware --key wasmcu-dev --version ${v} --counter ${c} -o {out}fw-rp2040-${v}.wimg ` +
      `${bins}/wasmcu-rp2040-fw_a.bin ${bins}/wasmcu-rp2040-fw_b.bin`);
  }
  await run("wasmcu ota make --from {out}fw-rp2040-0.1.0.wimg --to {out}fw-rp2040-0.2.0.wimg -o {out}rp2040.wdlt");
  return "rp2040.wdlt";
}

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
