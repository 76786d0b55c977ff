import type { Command } from "commander";
import { availableKeys, cKeyTable, findKey, KeyStore, keysDir } from "../ota/keys.js";
import { UsageError } from "../lib/errors.js";
import { checkOutputFile, checkStdoutFree, writeOutput } from "../lib/files.js";
import { Output, table } from "../lib/output.js";

interface Common {
  keysDir?: string;
  json?: boolean;
}

const hexId = (id: number) => id.toString(16).padStart(8, "0");

export function register(program: Command): void {
  const keys = program
    .command("keys")
    .description("manage the Ed25519 keys that sign OTA images (default store ~/.wasmcu/keys, or $WASMCU_KEYS_DIR)");

  keys
    .command("new <name>")
    .description("create a signing key pair (private key file mode 0600)")
    .option("--keys-dir <dir>", "key store directory")
    .option("--json", "machine-readable output")
    .action((name: string, opts: Common) => {
      const out = new Output(opts);
      const store = new KeyStore(keysDir(opts.keysDir));
      const k = store.create(name);
      out.result({ name: k.name, keyId: hexId(k.keyId), publicKey: k.rawPublicKey.toString("hex"), private: k.privatePath },
        () => `created key ${k.name} (id ${hexId(k.keyId)}) in ${store.dir}\npublic key ${k.rawPublicKey.toString("hex")}`);
    });

  keys
    .command("list")
    .description("list the keys `wasmcu sign --key` can use: the store's, and the public development key wasmcu-dev (keys/dev/)")
    .option("--keys-dir <dir>", "key store directory")
    .option("--json", "machine-readable output")
    .action((opts: Common) => {
      const out = new Output(opts);
      const store = new KeyStore(keysDir(opts.keysDir));
      const list = availableKeys(opts.keysDir);
      out.result(list.map(({ key: k, development }) => ({ name: k.name, keyId: hexId(k.keyId), publicKey: k.rawPublicKey.toString("hex"),
        private: k.hasPrivate, development })),
      () => {
        const mine = list.filter((k) => !k.development);
        const rows = list.map(({ key: k, development }) => [k.name + (development ? " (development: public, keys/dev/)" : ""),
          hexId(k.keyId), k.hasPrivate ? "yes" : "no", k.rawPublicKey.toString("hex")]);
        const text = table(["name", "key id", "private", "public key"], rows);
        return mine.length === 0 ? `${text}\n\nno keys of your own in ${store.dir} (create one with \`wasmcu keys new NAME\`)` : text;
      });
    });

  keys
    .command("export [names...]")
    .description("print public keys: hex (default), or the C key table the firmware compiles in (no names: every key of the store, not the development key)")
    .option("--keys-dir <dir>", "key store directory")
    .option("--c-header", "emit a C header with an ota_key table and an ota_keyring")
    .option("--symbol <name>", "C symbol of the table", "wasmcu_ota_keys")
    .option("-o, --output <file>", "write to a file instead of stdout (- is stdout)")
    .option("--json", "machine-readable output")
    .action((names: string[], opts: Common & { cHeader?: boolean; symbol: string; output?: string }) => {
      const out = new Output(opts);
      if (opts.cHeader && opts.json) throw new UsageError("--c-header and --json do not go together");
      checkStdoutFree(opts.output, opts.json);
      if (opts.output) checkOutputFile(opts.output, "-o");
      const store = new KeyStore(keysDir(opts.keysDir));
      // Named keys as `sign --key` finds them (wasmcu-dev included); without names, the store's
      // own keys only: a product's key table never takes the public development key by accident.
      const list = names.length ? names.map((n) => findKey(n, opts.keysDir).key) : store.list();
      const text = opts.cHeader
        ? cKeyTable(list, opts.symbol)
        : list.map((k) => `${k.name} ${hexId(k.keyId)} ${k.rawPublicKey.toString("hex")}`).join("\n") + "\n";
      if (opts.output && opts.output !== "-") {
        writeOutput(opts.output, text);
        out.result({ output: opts.output, keys: list.map((k) => k.name) }, () => `wrote ${list.length} key(s) to ${opts.output}`);
      } else if (opts.json) {
        out.result(list.map((k) => ({ name: k.name, keyId: hexId(k.keyId), publicKey: k.rawPublicKey.toString("hex") })), () => "");
      } else {
        out.result(null, () => text);
      }
    });
}
