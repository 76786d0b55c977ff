// The signing-key store: one directory (default ~/.wasmcu/keys, or --keys-dir, or
// $WASMCU_KEYS_DIR) holding NAME.key (PKCS#8 PEM, mode 0600) and NAME.pub (SPKI PEM).
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { InputError, UsageError } from "../lib/errors.js";
import { repoRoot } from "../lib/paths.js";
import { keyIdOf } from "./image.js";

export function keysDir(flag?: string): string {
  return path.resolve(flag ?? process.env.WASMCU_KEYS_DIR ?? path.join(os.homedir(), ".wasmcu", "keys"));
}

/** The development key: committed in keys/dev/ (so public by design) and the only key the
 * default firmware trusts. Product firmware is built with -DWASMCU_OTA_KEYS=its own header. */
export const DEV_KEY_NAME = "wasmcu-dev";
export const devKeysDir = path.join(repoRoot, "keys", "dev");

/** The store a signing key comes from: the user's, or for `wasmcu-dev` (when the user has
 * none of that name) the repository's development key. */
export function storeFor(name: string, dirFlag?: string): { store: KeyStore; development: boolean } {
  const user = new KeyStore(keysDir(dirFlag));
  if (name !== DEV_KEY_NAME || user.has(name)) return { store: user, development: false };
  return { store: new KeyStore(devKeysDir), development: true };
}

/** Every key `sign --key` can use: the user's store, then the development key (keys/dev/)
 * unless the user has a key of that name. `keys list` shows these. */
export function availableKeys(dirFlag?: string): { key: StoredKey; development: boolean }[] {
  const user = new KeyStore(keysDir(dirFlag));
  const mine = user.list().map((key) => ({ key, development: false }));
  if (mine.some((k) => k.key.name === DEV_KEY_NAME)) return mine;
  const dev = new KeyStore(devKeysDir);
  return dev.has(DEV_KEY_NAME) ? [...mine, { key: dev.get(DEV_KEY_NAME), development: true }] : mine;
}

/** A key by name as `sign --key` finds it (the development key included). */
export function findKey(name: string, dirFlag?: string): { key: StoredKey; development: boolean } {
  const { store, development } = storeFor(name, dirFlag);
  return { key: store.get(name), development };
}

export interface StoredKey {
  name: string;
  keyId: number;
  /** 32 raw bytes, as the device's key table holds them. */
  rawPublicKey: Buffer;
  hasPrivate: boolean;
  /** Where the private key lives and whether only its owner can read it. */
  privatePath: string;
  privateMode?: number;
}

const NAME = /^[A-Za-z0-9_.-]{1,64}$/;

function checkName(name: string): void {
  if (!NAME.test(name) || name.startsWith(".")) {
    throw new UsageError(`key name "${name}" must be 1-64 letters, digits, '_', '-' or '.' (not starting with '.')`);
  }
}

export function rawPublicKey(pub: KeyObject): Buffer {
  const jwk = pub.export({ format: "jwk" }) as { crv?: string; x?: string };
  if (jwk.crv !== "Ed25519" || !jwk.x) throw new InputError("not an Ed25519 key");
  return Buffer.from(jwk.x, "base64url");
}

export function publicKeyFromRaw(raw: Uint8Array): KeyObject {
  return createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: Buffer.from(raw).toString("base64url") }, format: "jwk" });
}

export class KeyStore {
  constructor(readonly dir: string) {}

  private paths(name: string): { key: string; pub: string } {
    checkName(name);
    return { key: path.join(this.dir, `${name}.key`), pub: path.join(this.dir, `${name}.pub`) };
  }

  has(name: string): boolean {
    const p = this.paths(name);
    return existsSync(p.key) || existsSync(p.pub);
  }

  /** Creates a new Ed25519 key pair; refuses to overwrite one. */
  create(name: string): StoredKey {
    const p = this.paths(name);
    if (existsSync(p.key) || existsSync(p.pub)) {
      throw new InputError(`key "${name}" already exists in ${this.dir}`, "pick another name; keys are never overwritten");
    }
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const { publicKey, privateKey } = generateKeyPairSync("ed25519");
    writeFileSync(p.key, privateKey.export({ format: "pem", type: "pkcs8" }), { mode: 0o600, flag: "wx" });
    chmodSync(p.key, 0o600); // the umask may have widened it
    writeFileSync(p.pub, publicKey.export({ format: "pem", type: "spki" }), { mode: 0o644, flag: "wx" });
    return this.get(name);
  }

  get(name: string): StoredKey {
    const p = this.paths(name);
    if (!existsSync(p.pub) && !existsSync(p.key)) {
      const known = this.list().map((k) => k.name);
      throw new InputError(`no key "${name}" in ${this.dir}`,
        known.length ? `keys here: ${known.join(", ")}` : "create one with `wasmcu keys new NAME`");
    }
    const pub = existsSync(p.pub)
      ? createPublicKey(readFileSync(p.pub))
      : createPublicKey(createPrivateKey(readFileSync(p.key)));
    const raw = rawPublicKey(pub);
    const hasPrivate = existsSync(p.key);
    return {
      name, keyId: keyIdOf(raw), rawPublicKey: raw, hasPrivate, privatePath: p.key,
      privateMode: hasPrivate ? statSync(p.key).mode & 0o777 : undefined,
    };
  }

  /** The private key, refusing files that others can read (like ssh does). */
  privateKey(name: string): KeyObject {
    const k = this.get(name);
    if (!k.hasPrivate) throw new InputError(`key "${name}" has no private part in ${this.dir}`);
    // The development key is public on purpose (git does not keep file modes anyway).
    if (process.platform !== "win32" && (k.privateMode! & 0o077) !== 0 && path.resolve(this.dir) !== devKeysDir) {
      throw new InputError(`${k.privatePath} is readable by others (mode ${k.privateMode!.toString(8)})`,
        `chmod 600 ${k.privatePath}`);
    }
    const key = createPrivateKey(readFileSync(k.privatePath));
    if (key.asymmetricKeyType !== "ed25519") throw new InputError(`${k.privatePath} is not an Ed25519 key`);
    return key;
  }

  list(): StoredKey[] {
    if (!existsSync(this.dir)) return [];
    const names = new Set(readdirSync(this.dir)
      .filter((f) => f.endsWith(".key") || f.endsWith(".pub"))
      .map((f) => f.replace(/\.(key|pub)$/, ""))
      .filter((n) => NAME.test(n) && !n.startsWith(".")));
    return [...names].sort().map((n) => this.get(n));
  }
}

/** The C key table the firmware compiles in (an `ota_key` array for ota_keyring). */
export function cKeyTable(keys: StoredKey[], symbol = "wasmcu_ota_keys"): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(symbol)) throw new UsageError(`"${symbol}" is not a C identifier`);
  if (keys.length === 0) throw new InputError("no keys to export", "create one with `wasmcu keys new NAME`");
  const lines = [
    "/* Generated by `wasmcu keys export --c-header`: OTA public keys compiled into the firmware. */",
    "#include \"ota.h\"",
    "",
    `static const ota_key ${symbol}[] = {`,
  ];
  for (const k of keys) {
    const bytes = [...k.rawPublicKey].map((b) => `0x${b.toString(16).padStart(2, "0")}`);
    lines.push(`    /* ${k.name} */`);
    lines.push(`    {0x${k.keyId.toString(16).padStart(8, "0")}u, {${bytes.slice(0, 16).join(", ")},`);
    lines.push(`                  ${bytes.slice(16).join(", ")}}},`);
  }
  lines.push("};");
  lines.push(`static const ota_keyring ${symbol}_ring = {${symbol}, sizeof ${symbol} / sizeof ${symbol}[0]};`);
  return lines.join("\n") + "\n";
}
