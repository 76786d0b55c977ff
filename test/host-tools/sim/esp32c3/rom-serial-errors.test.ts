// The emulated ROM loader's answers to bad frames, in process: the status and error bytes
// the ROM gives (esptool "Serial Protocol": 0x05 invalid message, 0x07 bad data checksum,
// 0x0A read length error), and nothing written when a block is refused.
import assert from "node:assert/strict";
import { test } from "node:test";

import { checksum, dataPayload, decodeResponse, encodeCommand, Op, SYNC_PAYLOAD, words } from "../../../../host-tools/src/flash/esp32/protocol.js";
import { slipEncode, SlipDecoder } from "../../../../host-tools/src/flash/esp32/slip.js";
import { Esp32c3 } from "../../../../host-tools/src/sim/esp32c3/esp32c3.js";

function loaderChip() {
  const decoder = new SlipDecoder();
  const replies: { op: number; value: number; status: number; error: number; body: Buffer }[] = [];
  const chip = new Esp32c3({
    flash: new Uint8Array(1 << 22).fill(0xff), downloadMode: true, romLog: false,
    onUartTx: (b) => {
      for (const e of decoder.push(Uint8Array.of(b))) {
        if (e.kind !== "frame") continue;
        const r = decodeResponse(e.data, 4);
        if (typeof r !== "string") replies.push(r);
      }
    },
  });
  const send = (op: number, data: Uint8Array, chk = 0) => {
    replies.length = 0;
    chip.uartReceive(slipEncode(encodeCommand(op, data, chk)));
    chip.runUntil(chip.cycles + 160_000 * 200); // 200 ms: a 1 KiB block takes 89 ms at 115200 baud
    return replies;
  };
  return { chip, send };
}

test("SYNC is answered (several times, as the ROM does) and READ_REG gives the ESP32-C3's chip-detect magic", () => {
  const { send } = loaderChip();
  const sync = send(Op.SYNC, SYNC_PAYLOAD);
  assert.ok(sync.length >= 1 && sync.every((r) => r.op === Op.SYNC && r.status === 0));
  const [magic] = send(Op.READ_REG, words(0x40001000));
  assert.equal(magic!.value, 0x1b31506f);
});

test("a data block with a wrong checksum gets error 0x07 and writes nothing; out-of-order blocks get 0x05", () => {
  const { chip, send } = loaderChip();
  assert.equal(send(Op.FLASH_BEGIN, words(0x1000, 4, 0x400, 0x2000, 0))[0]!.status, 0);
  const block = Buffer.alloc(0x400, 0x5a);
  const [bad] = send(Op.FLASH_DATA, dataPayload(0, block), checksum(block) ^ 1);
  assert.deepEqual([bad!.status, bad!.error], [1, 0x07]);
  assert.equal(chip.flash[0x2000], 0xff);
  const [skipped] = send(Op.FLASH_DATA, dataPayload(1, block), checksum(block));
  assert.deepEqual([skipped!.status, skipped!.error], [1, 0x05]);
  const [good] = send(Op.FLASH_DATA, dataPayload(0, block), checksum(block));
  assert.equal(good!.status, 0);
  assert.equal(chip.flash[0x2000], 0x5a);
});

test("FLASH_BEGIN off a sector boundary, MD5 past the flash end and unknown commands are refused", () => {
  const { send } = loaderChip();
  assert.deepEqual(pick(send(Op.FLASH_BEGIN, words(0x1000, 4, 0x400, 0x2100, 0))[0]!), [1, 0x05]);
  assert.deepEqual(pick(send(Op.SPI_FLASH_MD5, words(0x3ff000, 0x2000, 0, 0))[0]!), [1, 0x0a]);
  assert.deepEqual(pick(send(0xd0, Buffer.alloc(0))[0]!), [1, 0x05], "ERASE_FLASH is the stub's, not the ROM's");
});

test("MEM_BEGIN/DATA/END load code into IRAM and run it", () => {
  const { chip, send } = loaderChip();
  const code = Uint8Array.from([0x13, 0x05, 0xa0, 0x02, 0x6f, 0x00, 0x00, 0x00]); // li a0, 42; j .
  assert.equal(send(Op.MEM_BEGIN, words(8, 1, 0x1800, 0x40380000))[0]!.status, 0);
  assert.equal(send(Op.MEM_DATA, dataPayload(0, code), checksum(code))[0]!.status, 0);
  assert.equal(send(Op.MEM_END, words(0, 0x40380000))[0]!.status, 0);
  chip.runUntil(chip.cycles + 1000);
  assert.equal(chip.cpu.x[10], 42);
});

const pick = (r: { status: number; error: number }) => [r.status, r.error];
