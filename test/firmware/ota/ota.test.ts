// The C OTA core (firmware/ota) through its test driver test_ota: hashes, Ed25519,
// signed images, the delta patcher and the slot state machine under power cuts.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, verify, type KeyObject } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { before, describe, test } from "node:test";
import { crc32 } from "../../../host-tools/src/lib/crc32.js";
import { encodeDelta } from "../../../host-tools/src/ota/delta.js";
import { signImage, type PayloadKind } from "../../../host-tools/src/ota/image.js";
import { rawPublicKey } from "../../../host-tools/src/ota/keys.js";
import { hostBin } from "../../helpers/paths.js";
import { appPairs, perturbModel, referenceModel } from "../../host-tools/ota/pairs.js";

const tmp = mkdtempSync(path.join(os.tmpdir(), "wasmcu-ota-"));
let seq = 0;
function file(data: Uint8Array, name = "f"): string {
  const p = path.join(tmp, `${seq++}-${name}`);
  writeFileSync(p, data);
  return p;
}
function run(args: string[], input?: string): string {
  const r = spawnSync(hostBin("test_ota"), args, { encoding: "utf8", input, maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, `test_ota ${args[0]} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

interface Key { priv: KeyObject; raw: Buffer; hex: string }
function newKey(): Key {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const raw = rawPublicKey(publicKey);
  return { priv: privateKey, raw, hex: raw.toString("hex") };
}
function image(key: Key, payload: Uint8Array, counter: number, kind: PayloadKind = "app", minor = 0): Buffer {
  return signImage({ kind, payload, version: { major: 1, minor, patch: 0 }, securityCounter: counter,
    privateKey: key.priv, rawPublicKey: key.raw });
}

describe("SHA-2", () => {
  const vectors: [string, string, string][] = [
    // FIPS 180-4 examples (NIST CSRC "Examples with intermediate values")
    ["", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"],
    ["abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
      "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"],
    ["abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
      "204a8fc6dda82f0a0ced7beb8e08a41657c16ef468b228a8279be331a703c33596fd15c13b1b07f9aa1d3bea57789ca031ad85c7a71dd70354ec631238ca3445"],
    ["abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
      "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1",
      "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909"],
    ["a".repeat(1000000), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
      "e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973ebde0ff244877ea60a4cb0432ce577c31beb009c5c2c49aa2e4eadb217ad8cc09b"],
  ];
  test("SHA-256 and SHA-512 give the FIPS 180-4 example digests, fed in uneven chunks", () => {
    for (const [msg, s256, s512] of vectors) {
      const f = file(Buffer.from(msg, "latin1"), "msg");
      assert.equal(run(["hash", "sha256", f]).trim(), s256, `sha256 of ${msg.length} bytes`);
      assert.equal(run(["hash", "sha512", f]).trim(), s512, `sha512 of ${msg.length} bytes`);
    }
  });
  test("SHA-256 and SHA-512 agree with Node's crypto at every padding boundary (lengths 0..260)", () => {
    for (let n = 0; n <= 260; n += n < 140 ? 1 : 7) {
      const data = randomBytes(n);
      const f = file(data, "rnd");
      assert.equal(run(["hash", "sha256", f]).trim(), createHash("sha256").update(data).digest("hex"), `sha256 len ${n}`);
      assert.equal(run(["hash", "sha512", f]).trim(), createHash("sha512").update(data).digest("hex"), `sha512 len ${n}`);
    }
  });
});

// ---- Ed25519 -----------------------------------------------------------------

const P = 2n ** 255n - 19n;
const L = 2n ** 252n + 27742317777372353535851937790883648493n;
const mod = (a: bigint) => ((a % P) + P) % P;
const pow = (b: bigint, e: bigint): bigint => {
  let r = 1n;
  b = mod(b);
  while (e > 0n) {
    if (e & 1n) r = mod(r * b);
    b = mod(b * b);
    e >>= 1n;
  }
  return r;
};
const inv = (a: bigint) => pow(a, P - 2n);
const D = mod(-121665n * inv(121666n));
type Pt = [bigint, bigint]; // affine (x, y): enough for the test's few points
const add = ([x1, y1]: Pt, [x2, y2]: Pt): Pt => {
  const t = mod(D * x1 * x2 * y1 * y2);
  return [mod((x1 * y2 + x2 * y1) * inv(1n + t)), mod((y1 * y2 + x1 * x2) * inv(1n - t))];
};
const mul = (p: Pt, k: bigint): Pt => {
  let r: Pt = [0n, 1n];
  for (let q = p; k > 0n; k >>= 1n, q = add(q, q)) if (k & 1n) r = add(r, q);
  return r;
};
const encode = (y: bigint, sign: number): Buffer => {
  const b = Buffer.alloc(32);
  for (let i = 0; i < 32; i++) b[i] = Number((y >> BigInt(8 * i)) & 0xffn);
  b[31]! |= sign << 7;
  return b;
};
const decodeY = (b: Buffer): bigint => {
  let y = 0n;
  for (let i = 31; i >= 0; i--) y = (y << 8n) | BigInt(i === 31 ? b[i]! & 0x7f : b[i]!);
  return y;
};
/** Point with the given y (some x), or undefined when y is not on the curve. */
const pointWithY = (y: bigint): Pt | undefined => {
  const u = mod(y * y - 1n), v = mod(D * y * y + 1n);
  const x2 = mod(u * inv(v));
  let x = pow(x2, (P + 3n) / 8n);
  if (mod(x * x) !== x2) x = mod(x * pow(2n, (P - 1n) / 4n));
  return mod(x * x) === x2 ? [x, y] : undefined;
};

/** Every encoding of a point of small order: the 8 torsion points, both sign bits, and y+p where that fits. */
function smallOrderEncodings(): Buffer[] {
  const torsion = new Map<string, Pt>();
  for (let y = 2n; torsion.size < 8 && y < 200n; y++) {
    const p = pointWithY(y);
    if (!p) continue;
    const t = mul(p, L); // kills the prime-order part: what is left has order dividing 8
    torsion.set(`${t[0]},${t[1]}`, t);
  }
  assert.equal(torsion.size, 8, "found the 8 torsion points");
  const out: Buffer[] = [];
  for (const [x, y] of torsion.values()) {
    for (const s of [0, 1]) out.push(encode(y, s));
    if (y + P < 2n ** 255n) for (const s of [0, 1]) out.push(encode(y + P, s));
    void x;
  }
  return out;
}

function verifyBatch(lines: [Buffer, Buffer, Buffer][]): number[] {
  const input = lines.map(([pub, sig, msg]) => `${pub.toString("hex")} ${sig.toString("hex")} ${msg.length ? msg.toString("hex") : "-"}`).join("\n") + "\n";
  return run(["ed25519"], input).trim().split("\n").map(Number);
}

describe("Ed25519", () => {
  const rfc: { seed: string; pub: string; msg: string; sig: string; name: string }[] = [
    { name: "TEST 1", seed: "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
      pub: "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", msg: "",
      sig: "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b" },
    { name: "TEST 2", seed: "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
      pub: "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", msg: "72",
      sig: "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00" },
    { name: "TEST 3", seed: "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
      pub: "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", msg: "af82",
      sig: "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a" },
    { name: "TEST 1024", seed: "f5e5767cf153319517630f226876b86c8160cc583bc013744c6bf255f5cc0ee5",
      pub: "278117fc144c72340f67d0f2316e8386ceffbf2b2428c9c51fef7c597f1d426e", msg: readFileSync(new URL("./rfc8032-test1024.hex", import.meta.url), "utf8").trim(),
      sig: "0aab4c900501b3e24d7cdf4663326a3a87df5e4843b2cbdb67cbf6e460fec350aa5371b1508f9f4528ecea23c436d94b5e8fcd4f681e30a6ac00a9704a188a03" },
    { name: "TEST SHA(abc)", seed: "833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42",
      pub: "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf",
      msg: createHash("sha512").update("abc").digest("hex"),
      sig: "dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b58909351fc9ac90b3ecfdfbc7c66431e0303dca179c138ac17ad9bef1177331a704" },
  ];

  test("RFC 8032 section 7.1 vectors verify, and fail with one message bit changed", () => {
    const lines: [Buffer, Buffer, Buffer][] = [];
    for (const v of rfc) {
      const msg = Buffer.from(v.msg, "hex");
      // the transcription of each vector is itself checked: Node signs the same bytes
      const priv = createPrivateKey({ key: { kty: "OKP", crv: "Ed25519", d: Buffer.from(v.seed, "hex").toString("base64url"),
        x: Buffer.from(v.pub, "hex").toString("base64url") }, format: "jwk" });
      assert.equal(sign(null, msg, priv).toString("hex"), v.sig, `${v.name} as transcribed`);
      lines.push([Buffer.from(v.pub, "hex"), Buffer.from(v.sig, "hex"), msg]);
      const bad = Buffer.concat([msg, Buffer.alloc(msg.length ? 0 : 1)]);
      bad[0]! ^= 1;
      lines.push([Buffer.from(v.pub, "hex"), Buffer.from(v.sig, "hex"), bad]);
    }
    assert.deepEqual(verifyBatch(lines), rfc.flatMap(() => [1, 0]));
  });

  test("signatures made by Node's Ed25519 over random keys and messages all verify; a flipped bit anywhere fails", () => {
    const lines: [Buffer, Buffer, Buffer][] = [];
    const want: number[] = [];
    for (let i = 0; i < 64; i++) {
      const k = newKey();
      const msg = randomBytes(i * 7);
      const sig = sign(null, msg, k.priv);
      lines.push([k.raw, sig, msg]);
      want.push(1);
      const bit = (b: Buffer, n: number) => { const c = Buffer.from(b); c[n >> 3]! ^= 1 << (n & 7); return c; };
      lines.push([k.raw, bit(sig, (i * 37) % 512), msg]); // R or S changed
      lines.push([bit(k.raw, (i * 11) % 256), sig, msg]); // another public key
      if (msg.length) lines.push([k.raw, sig, bit(msg, (i * 5) % (msg.length * 8))]);
      want.push(0, 0, ...(msg.length ? [0] : []));
    }
    assert.deepEqual(verifyBatch(lines), want);
  });

  test("S >= L is rejected even though S + L satisfies the group equation (RFC 8032 5.1.7 step 1)", () => {
    const lines: [Buffer, Buffer, Buffer][] = [];
    for (let i = 0; i < 16; i++) {
      const k = newKey();
      const msg = randomBytes(32);
      const sig = sign(null, msg, k.priv);
      let s = 0n;
      for (let j = 63; j >= 32; j--) s = (s << 8n) | BigInt(sig[j]!);
      const forged = Buffer.from(sig);
      encode(s + L, 0).copy(forged, 32);
      lines.push([k.raw, sig, msg], [k.raw, forged, msg]);
    }
    assert.deepEqual(verifyBatch(lines), lines.map((_, i) => (i % 2 === 0 ? 1 : 0)));
  });

  test("small-order public keys and R values are rejected, in canonical and non-canonical encodings", () => {
    const enc = smallOrderEncodings();
    const identity = encode(1n, 0);
    const zeroS = Buffer.alloc(32);
    const lines: [Buffer, Buffer, Buffer][] = [];
    const real = newKey();
    for (const e of enc) {
      for (let m = 0; m < 8; m++) {
        const msg = Buffer.from(`message ${m}`);
        // with A of small order, [k]A is the identity for many k: (R = identity, S = 0) would pass a lax verifier
        lines.push([e, Buffer.concat([identity, zeroS]), msg]);
        lines.push([e, Buffer.concat([e, zeroS]), msg]);
        // R of small order with a real key
        lines.push([real.raw, Buffer.concat([e, sign(null, msg, real.priv).subarray(32)]), msg]);
      }
    }
    assert.ok(enc.length >= 18, `${enc.length} encodings`);
    assert.deepEqual(verifyBatch(lines), lines.map(() => 0));
  });

  // Keys and nonces with chosen scalars, signed here (RFC 8032 5.1.6 with a and r picked
  // instead of derived from a seed): A = +-B, R = +-B and A = R make the double-scalar
  // multiplication add a point to itself or to its negation; A or R with a small-order
  // component (not small order themselves) must give exactly what Node's verify gives.
  test("signatures with edge-case scalars and mixed-order points agree with Node's crypto.verify", () => {
    type Ext = [bigint, bigint, bigint, bigint];
    const extAdd = ([x1, y1, z1, t1]: Ext, [x2, y2, z2, t2]: Ext): Ext => {
      const a = mod((y1 - x1) * (y2 - x2)), b = mod((y1 + x1) * (y2 + x2));
      const c = mod(2n * D * t1 * t2), d = mod(2n * z1 * z2);
      const e = b - a, f = d - c, g = d + c, h = b + a;
      return [mod(e * f), mod(g * h), mod(f * g), mod(e * h)];
    };
    const smul = ([x, y]: Pt, k: bigint): Pt => {
      let r: Ext = [0n, 1n, 1n, 0n];
      for (let q: Ext = [x, y, 1n, mod(x * y)]; k > 0n; k >>= 1n, q = extAdd(q, q)) if (k & 1n) r = extAdd(r, q);
      const zi = inv(r[2]);
      return [mod(r[0] * zi), mod(r[1] * zi)];
    };
    const enc = ([x, y]: Pt) => encode(y, Number(x & 1n));
    const scalar = (b: Buffer) => { let v = 0n; for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!); return v; };
    const by = mod(4n * inv(5n));
    let [bx] = pointWithY(by)!;
    if (bx & 1n) bx = P - bx;
    const B: Pt = [bx, by];
    assert.equal(enc(B).toString("hex"), "5866666666666666666666666666666666666666666666666666666666666666");
    // a point of order 8: a curve point times L keeps only its torsion part
    let T8: Pt | undefined;
    for (let y = 2n; !T8; y++) {
      const p = pointWithY(y);
      if (!p) continue;
      const t = smul(p, L);
      if (smul(t, 4n)[1] !== 1n) T8 = t; // [4]T is not the identity: T has order 8
    }
    const sig = (A: Pt, a: bigint, R: Pt, r: bigint, msg: Buffer) => {
      const k = scalar(createHash("sha512").update(Buffer.concat([enc(R), enc(A), msg])).digest()) % L;
      return Buffer.concat([enc(R), encode((r + k * a) % L, 0)]);
    };
    const nodeVerify = (pub: Buffer, s: Buffer, msg: Buffer) => verify(null, msg,
      createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: pub.toString("base64url") }, format: "jwk" }), s);
    const edge = [1n, 2n, 3n, 8n, L - 1n, L - 2n, (L - 1n) / 2n, (L + 1n) / 2n, 2n ** 252n, 2n ** 252n - 1n, 2n ** 128n + 1n];
    const lines: [Buffer, Buffer, Buffer][] = [];
    const want: number[] = [];
    const check = (pub: Buffer, s: Buffer, msg: Buffer, expect?: boolean) => {
      const ok = nodeVerify(pub, s, msg);
      if (expect !== undefined) assert.equal(ok, expect, `Node's verify of a hand-made signature (${pub.toString("hex")})`);
      lines.push([pub, s, msg]);
      want.push(ok ? 1 : 0);
    };
    for (const [i, a] of edge.entries()) {
      const A = smul(B, a);
      for (const r of [1n, L - 1n, a, (L - a) % L, 5n + BigInt(i)]) {
        if (r === 0n) continue;
        const R = smul(B, r);
        const msg = randomBytes(i + 1);
        const s = sig(A, a, R, r, msg);
        check(enc(A), s, msg, true);
        const s2 = Buffer.from(s);
        s2[32]! ^= 1; // S off by one (or S = L, when it was L - 1): must fail
        check(enc(A), s2, msg, false);
      }
      // mixed order: A + T8 signed as if its scalar were a; and R + T8
      const At = add(A, T8!), Rt = add(smul(B, 7n + BigInt(i)), T8!);
      const msg = randomBytes(16);
      check(enc(At), sig(At, a, smul(B, 9n), 9n, msg), msg);
      check(enc(A), sig(A, a, Rt, 7n + BigInt(i), msg), msg);
    }
    assert.ok(want.includes(0) && want.includes(1));
    assert.deepEqual(verifyBatch(lines), want);
  });

  test("agrees with Node's crypto.verify on 300 keys: valid signatures, and R, S, key or message corrupted", () => {
    const lines: [Buffer, Buffer, Buffer][] = [];
    const want: number[] = [];
    for (let i = 0; i < 300; i++) {
      const { privateKey, publicKey } = generateKeyPairSync("ed25519");
      const raw = rawPublicKey(publicKey);
      const msg = randomBytes(i % 97);
      const s = sign(null, msg, privateKey);
      const cases: [Buffer, Buffer, Buffer][] = [[raw, s, msg]];
      const c = Buffer.from(s);
      c[i % 64]! ^= 1 << (i % 8);
      cases.push([raw, c, msg]);
      const k = Buffer.from(raw);
      k[i % 32]! ^= 1 << ((i >> 3) % 8);
      cases.push([k, s, msg]);
      cases.push([raw, Buffer.concat([s.subarray(0, 32), randomBytes(31), Buffer.alloc(1)]), msg]); // random S < 2^248 < L
      for (const [pub, sg, m] of cases) {
        let ok: boolean;
        try {
          ok = verify(null, m, createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: pub.toString("base64url") }, format: "jwk" }), sg);
        } catch {
          ok = false; // Node refuses keys that do not decode
        }
        lines.push([pub, sg, m]);
        want.push(ok ? 1 : 0);
      }
    }
    assert.equal(want.filter((w) => w === 1).length, 300, "every untouched signature verifies in Node");
    assert.deepEqual(verifyBatch(lines), want);
  });

  test("encodings with y >= p or with x = 0 and the sign bit set are rejected as public keys", () => {
    const k = newKey();
    const msg = Buffer.from("m");
    const sig = sign(null, msg, k.priv);
    const bad = [encode(P, 0), encode(P + 1n, 0), encode(2n ** 255n - 1n, 0), encode(1n, 1), encode(P - 1n, 1)];
    assert.deepEqual(verifyBatch(bad.map((b) => [b, sig, msg])), bad.map(() => 0));
  });
});

// ---- images ------------------------------------------------------------------

describe("signed images", () => {
  const k1 = newKey(), k2 = newKey();
  const payload = randomBytes(300);
  payload.write("\0asm", 0, "latin1");

  test("a good image verifies in RAM and in a slot, and reports its header", () => {
    const out = run(["image", k1.hex, "0", file(image(k1, payload, 7, "app", 3))]);
    assert.match(out, /^buffer ok$/m);
    assert.match(out, /^slot ok$/m);
    assert.match(out, /kind 1 version 1\.3\.0 counter 7 payload 300/);
  });

  test("every tampered byte of header, payload or signature is rejected (3 patterns per byte)", () => {
    const img = image(k1, payload, 7);
    const out = run(["tamper", k1.hex, file(img)]);
    assert.match(out, new RegExp(`^tampered ${img.length * 3} accepted 0$`, "m"));
  });

  test("an image signed with a key the device does not have is rejected as an unknown key id", () => {
    const out = run(["image", k1.hex, "0", file(image(k2, payload, 7))]);
    assert.match(out, /^buffer unknown key id$/m);
    assert.match(out, /^slot unknown key id$/m);
  });

  test("an image with bytes after its payload: the same message from verify_buffer as from the writer", () => {
    const img = image(k1, payload, 7);
    const out = run(["image", k1.hex, "0", file(Buffer.concat([img, Buffer.from([1])]))]);
    assert.match(out, /^buffer more bytes than the header announced$/m);
    assert.match(run(["image", k1.hex, "0", file(img.subarray(0, img.length - 1))]), /^buffer truncated: patch or image ended early$/m);
  });

  test("key rotation: a keyring with two keys accepts images from either", () => {
    const both = `${k1.hex},${k2.hex}`;
    assert.match(run(["image", both, "0", file(image(k1, payload, 1))]), /^buffer ok$/m);
    assert.match(run(["image", both, "0", file(image(k2, payload, 1))]), /^buffer ok$/m);
  });

  test("an image whose header claims another key's id fails the signature check", () => {
    const img = image(k2, payload, 7);
    img.writeUInt32LE(createHash("sha256").update(k1.raw).digest().readUInt32LE(0), 24);
    assert.match(run(["image", `${k1.hex},${k2.hex}`, "0", file(img)]), /^buffer signature does not verify$/m);
  });

  test("a security counter below the device's floor is rejected, equal or higher is accepted", () => {
    const img = file(image(k1, payload, 5));
    assert.match(run(["image", k1.hex, "6", img]), /^buffer security counter lower than the device's$/m);
    assert.match(run(["image", k1.hex, "5", img]), /^buffer ok$/m);
  });

  test("a lower security counter cannot be installed, nor booted from a pending record", () => {
    const hi = image(k1, payload, 9), lo = image(k1, payload, 8, "app", 9);
    const out = run(["downgrade", k1.hex, file(hi), file(lo)]);
    assert.match(out, /^install security counter lower than the device's$/m);
    assert.match(out, /^boot slot 0 rejected security counter lower than the device's$/m);
  });
});

// ---- delta patches -----------------------------------------------------------

describe("delta patches through the C patcher", () => {
  const key = newKey();
  let pairs: { name: string; old: Buffer; nw: Buffer }[] = [];

  before(async () => {
    const apps = await appPairs();
    const model = referenceModel("kws_ref_model");
    pairs = [
      { name: "app: changed constant", old: image(key, apps.base, 1), nw: image(key, apps.constant, 2, "app", 1) },
      { name: "app: new function", old: image(key, apps.base, 1), nw: image(key, apps.newFunction, 2, "app", 1) },
      { name: "model: retrained, same shape", old: image(key, model, 1, "model"), nw: image(key, perturbModel(model, 0.1), 2, "model", 1) },
    ];
  });

  test("the C patcher reproduces the new image byte for byte, raw and range-coded (patch fed 1, 7 and 4096 bytes at a time)", () => {
    for (const { name, old, nw } of pairs) for (const coding of ["raw", "range"] as const) {
      const patch = encodeDelta(old, nw, undefined, { coding });
      assert.equal(patch[80], coding === "range" ? 1 : 0);
      assert.ok(patch.length < nw.length / 2, `${name}: patch ${patch.length} B for ${nw.length} B`);
      for (const chunk of ["1", "7", "4096"]) {
        const outFile = path.join(tmp, `${seq++}-out`);
        const out = run(["patch", file(old), file(patch), outFile, String(256 * 1024), chunk]);
        assert.match(out, /^status ok$/m, `${name} ${coding} chunk ${chunk}`);
        assert.match(out, /^active-untouched yes$/m);
        assert.ok(readFileSync(outFile).equals(nw), `${name}: output differs (chunk ${chunk})`);
        const verdict = run(["image", key.hex, "0", outFile]);
        assert.match(verdict, /^buffer ok$/m, `${name}: patched image verifies`);
      }
    }
  });

  test("a patch for another base image is refused before anything is written", () => {
    const [a, b] = [pairs[0]!, pairs[2]!];
    const patch = encodeDelta(b.old, b.nw); // made for the model, applied to the app
    const out = run(["patch", file(a.old), file(patch), path.join(tmp, "x"), String(256 * 1024), "64"]);
    assert.match(out, /^status patch made for a different old image$/m);
    assert.match(out, /^active-untouched yes$/m);
    assert.match(out, /^dst-writes 0$/m);
  });

  test("a truncated patch (raw or range-coded) is rejected at every cut length and never touches the active slot", () => {
    const { old, nw } = pairs[1]!;
    for (const coding of ["raw", "range"] as const) {
    const patch = encodeDelta(old, nw, undefined, { coding });
    const cuts = new Set([0, 10, 95, 96, 97, patch.length - 1]);
    for (let c = 100; c < patch.length - 1; c += Math.max(1, Math.floor(patch.length / 40))) cuts.add(c);
    for (const c of cuts) {
      const out = run(["patch", file(old), file(patch.subarray(0, c)), path.join(tmp, "x"), String(256 * 1024), "33"]);
      assert.doesNotMatch(out, /^status ok$/m, `${coding} cut at ${c} of ${patch.length}`);
      assert.match(out, /^active-untouched yes$/m);
    }
    }
  });

  test("randomly corrupted patches never touch the active slot and never yield a wrong image reported as ok", () => {
    for (const { old, nw } of [pairs[1]!, pairs[2]!]) for (const coding of ["raw", "range"] as const) {
      const out = run(["patch-fuzz", file(old), file(nw), file(encodeDelta(old, nw, undefined, { coding })), "400"]);
      assert.match(out, /^runs 400 ok \d+ wrong 0 active-touched 0$/m, `${coding}: ${out}`);
    }
  });

  test("a base the embedder already hashed is not read again, and still decides: the wrong one is refused", () => {
    const { old, nw } = pairs[0]!;
    const patch = encodeDelta(old, nw);
    const sha = createHash("sha256").update(old).digest("hex");
    const args = (base?: string) => ["patch", file(old), file(patch), path.join(tmp, "kb"), String(256 * 1024), "64", ...(base ? [base] : [])];
    const srcRead = (out: string) => Number(/^src-read (\d+)$/m.exec(out)![1]);
    const hashed = run(args());
    const known = run(args(sha));
    assert.match(known, /^status ok$/m);
    assert.ok(readFileSync(path.join(tmp, "kb")).equals(nw));
    // Only the copy ops read the old image now; the header check read all of it before.
    assert.equal(srcRead(hashed) - srcRead(known), old.length, `${srcRead(hashed)} vs ${srcRead(known)}`);
    const other = createHash("sha256").update(nw).digest("hex");
    const refused = run(args(other));
    assert.match(refused, /^status patch made for a different old image$/m);
    assert.match(refused, /^dst-writes 0$/m);
  });

  test("bytes after the announced body are refused", () => {
    const { old, nw } = pairs[0]!;
    for (const coding of ["raw", "range"] as const) {
      const patch = Buffer.concat([encodeDelta(old, nw, undefined, { coding }), Buffer.from([0])]);
      const out = run(["patch", file(old), file(patch), path.join(tmp, "x"), String(256 * 1024), "64"]);
      assert.match(out, /^status more bytes than the header announced$/m, coding);
    }
  });

  test("bytes after END inside the announced body are refused, raw or range-coded alike", () => {
    const { old, nw } = pairs[0]!;
    for (const coding of ["raw", "range"] as const) {
      for (const extra of [Buffer.alloc(64), Buffer.alloc(1, 0x55), randomBytes(64)]) {
        const good = encodeDelta(old, nw, undefined, { coding });
        const patch = Buffer.concat([good, extra]);
        patch.writeUInt32LE(good.length - 96 + extra.length, 84); // the header announces the extra bytes
        patch.writeUInt32LE(crc32(patch.subarray(0, 92)), 92);
        const out = run(["patch", file(old), file(patch), path.join(tmp, "x"), String(256 * 1024), "64"]);
        assert.match(out, /^status malformed patch$/m, `${coding}, ${extra.length} bytes after END`);
        assert.match(out, /^active-untouched yes$/m);
      }
    }
  });

  test("a patch whose image would not fit the slot is refused before anything is written", () => {
    const { old, nw } = pairs[2]!;
    const patch = encodeDelta(old, nw);
    const slot = Math.ceil(old.length / 4096) * 4096; // old fits, new header claims more than the slot
    const grown = Buffer.concat([nw, Buffer.alloc(slot)]);
    const big = encodeDelta(old, grown);
    const out = run(["patch", file(old), file(big), path.join(tmp, "x"), String(slot), "256"]);
    assert.match(out, /^status image does not fit the slot$/m);
    assert.match(out, /^dst-writes 0$/m);
    assert.match(out, /^active-untouched yes$/m);
    void patch;
  });

  test("ops that write past the new image or read outside the old one are rejected", () => {
    const { old, nw } = pairs[0]!;
    const good = encodeDelta(old, nw, undefined, { coding: "raw" });
    const header = Buffer.from(good.subarray(0, 96));
    const craft = (body: number[]) => {
      const h = Buffer.from(header);
      h.writeUInt32LE(body.length, 84);
      h.writeUInt32LE(crc32(h.subarray(0, 92)), 92);
      return Buffer.concat([h, Buffer.from(body)]);
    };
    const lenBytes = (n: number) => { const o: number[] = []; while (n >= 0x80) { o.push((n & 0x7f) | 0x80); n >>>= 7; } o.push(n); return o; };
    const cases: [string, Buffer, RegExp][] = [
      ["INSERT longer than the new image", craft([3, ...lenBytes(nw.length + 1), 1, 2, 3]), /outside the image/],
      ["COPY reading past the old image", craft([1, ...lenBytes(16), ...lenBytes(2 * old.length)]), /outside the image/],
      ["COPY before the old image", craft([1, ...lenBytes(16), 1 /* zigzag -1 */]), /outside the image/],
      ["unknown op", craft([9]), /malformed patch/],
      ["END before the image is complete", craft([0]), /malformed patch/],
    ];
    for (const [name, patch, want] of cases) {
      const out = run(["patch", file(old), file(patch), path.join(tmp, "x"), String(256 * 1024), "5"]);
      assert.match(out, new RegExp(`^status .*${want.source}`, "m"), name);
      assert.match(out, /^active-untouched yes$/m, name);
    }
  });
});

describe("full images through ota_writer", () => {
  const key = newKey(), other = newKey();
  const payload = (n: number, seed: number) => {
    const b = Buffer.alloc(n, seed);
    b.write("\0asm", 0, "latin1");
    return b;
  };
  const base = image(key, payload(5000, 1), 1);
  const run5 = (img: Buffer, slot = 65536, chunk = 100) => run(["write-image", key.hex, file(base), file(img), String(slot), String(chunk)]);

  test("a signed image streamed in chunks installs, boots on trial and confirms", () => {
    const out = run5(image(key, payload(9000, 2), 2), 65536, 77);
    assert.match(out, /^write ok$\n[^]*^install ok$\n^boot slot 1 trial 1$\n^confirm ok$/m);
  });

  test("a bad header or an image larger than the slot is refused before anything is erased", () => {
    const bad = image(key, payload(100, 3), 2);
    bad[0] = 0;
    let out = run5(bad);
    assert.match(out, /^write bad magic/m);
    assert.match(out, /^slot1-writes 0$/m);
    out = run5(image(key, payload(70000, 4), 2), 65536, 4096);
    assert.match(out, /^write image does not fit the slot$/m);
    assert.match(out, /^slot1-writes 0$/m);
  });

  test("a truncated image, extra bytes or another key's signature never get installed", () => {
    const img = image(key, payload(3000, 5), 2);
    assert.match(run5(img.subarray(0, img.length - 1)), /^write truncated: patch or image ended early$/m);
    assert.match(run5(Buffer.concat([img, Buffer.from([1])])), /^write more bytes than the header announced$/m);
    const foreign = run5(image(other, payload(3000, 5), 2));
    assert.match(foreign, /^install unknown key id$/m);
    assert.doesNotMatch(foreign, /^boot slot 1/m);
    for (const out of [foreign, run5(img.subarray(0, 500))]) assert.match(out, /^active-untouched yes$/m);
  });
});

describe("slots under power cuts", () => {
  test("cut power at every flash step of a delta update and of a rollback: the device always boots a valid signed image and never loses the confirmed one", async () => {
    const key = newKey();
    const apps = await appPairs();
    const a = image(key, apps.base, 1), b = image(key, apps.newFunction, 2, "app", 1);
    const r = spawnSync(hostBin("test_ota"), ["powercut", key.hex, file(a), file(b), file(encodeDelta(a, b))], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const m = /^cut-points (\d+) failures 0$/m.exec(r.stdout);
    assert.ok(m, r.stdout);
    assert.ok(Number(m[1]) > 50, `only ${m[1]} cut points`);
    process.stdout.write(`# power-cut points tried: ${m[1]}\n`);
  });
});

describe("ota_flash_map: the areas of one flash as an ota_flash", () => {
  // The layout test_ota flash-map uses: [offset, size] of slot 0, slot 1 and the state area.
  const areas = [[0x1000, 0x3000], [0x5000, 0x3000], [0xc000, 0x2000]] as const;
  const ops = ["read", "erase", "program"] as const;
  const cases: [typeof ops[number], number, number, number][] = [];
  for (const op of ops) {
    for (let a = 0; a <= 3; a++) {
      const size = areas[a]?.[1] ?? 0x1000;
      for (const [off, len] of [[0, 0], [0, 16], [size - 16, 16], [size - 15, 16], [size, 0], [size, 1], [size + 1, 0],
        [16, 0xffffffff], [0xfffffff0, 0x20], [0xffffffff, 1]]) cases.push([op, a, off!, len!]);
    }
  }
  for (const stateOnly of [false, true]) {
    test(`every range inside its area reaches the flash at the area's offset, no other does${stateOnly ? "; writes reach the state area only" : ""}`, () => {
      const out = run(["flash-map", stateOnly ? "1" : "0"], cases.map((c) => c.join(" ")).join("\n") + "\n").trim().split("\n");
      assert.equal(out.length, cases.length);
      cases.forEach(([op, a, off, len], i) => {
        const area = areas[a];
        const inside = area !== undefined && off <= area[1] && len <= area[1] - off;
        const allowed = inside && (op === "read" || !stateOnly || a === 2);
        assert.equal(out[i], allowed ? `0 ${area![0] + off} ${len}` : "-1 - -", `${op} area ${a} off ${off} len ${len}`);
      });
    });
  }
});
