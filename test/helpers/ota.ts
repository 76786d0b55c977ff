// Signed images for OTA tests on the boards: small apps that confirm themselves, trap
// on trial, or never confirm, signed with the development key the default firmware trusts.
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { signImage, type PayloadKind } from "../../host-tools/src/ota/image.js";
import { rawPublicKey } from "../../host-tools/src/ota/keys.js";
import { compileApp } from "../host-tools/ota/pairs.js";
import { repoRoot } from "./paths.js";

export type AppBehaviour = "confirms" | "traps" | "never-confirms";

/**
 * An app that logs `updatable <tag> state <n>` at start and then does what `behaviour` says.
 * It drives the board's own LED pin: the firmware traps on a pin the board lacks (the C3's
 * GPIOs stop at 21).
 */
export function updatableApp(tag: string, behaviour: AppBehaviour): Promise<Buffer> {
  const onTrial = behaviour === "confirms" ? 'log.info("confirm " + (ota.confirm() ? "ok" : "refused"));'
    : behaviour === "traps" ? "unreachable();" : 'log.info("not confirming");';
  return compileApp(`
import { gpio, log, ota, time } from "SDK";

export function setup(): void {
  gpio.pinMode(gpio.led(), gpio.PinMode.Output);
  log.info("updatable ${tag} state " + (<i32>ota.state()).toString());
  if (ota.state() == ota.State.Trial) { ${onTrial} }
}

export function loop(): void {
  time.sleep(50);
}
`);
}

export interface Signer {
  privateKey: KeyObject;
  raw: Buffer;
}

/** The development key from keys/dev/ (trusted by the default firmware build). */
export function devSigner(): Signer {
  const privateKey = createPrivateKey(readFileSync(path.join(repoRoot, "keys", "dev", "wasmcu-dev.key")));
  return { privateKey, raw: rawPublicKey(createPublicKey(privateKey)) };
}

/** A key no firmware trusts. */
export function strangerSigner(): Signer {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  return { privateKey, raw: rawPublicKey(publicKey) };
}

export function sign(payload: Uint8Array, counter: number, opts: { kind?: PayloadKind; appLength?: number; signer?: Signer; minor?: number } = {}): Buffer {
  const s = opts.signer ?? devSigner();
  return signImage({
    kind: opts.kind ?? "app", payload, appLength: opts.appLength, version: { major: 1, minor: opts.minor ?? counter, patch: 0 },
    securityCounter: counter, privateKey: s.privateKey, rawPublicKey: s.raw,
  });
}
