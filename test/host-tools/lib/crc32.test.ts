// CRC-32 (host-tools/src/lib/crc32.ts): the checksum of link frames, OTA patches and .wqs streams.
import assert from "node:assert/strict";
import { test } from "node:test";
import { crc32 } from "../../../host-tools/src/lib/crc32.js";

test("crc32 matches the standard check value of '123456789'", () => {
  assert.equal(crc32(new TextEncoder().encode("123456789")), 0xcbf43926);
});
