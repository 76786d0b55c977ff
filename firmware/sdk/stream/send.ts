// Sending a .wqs stream to the host over the link (`wasmcu monitor --record FILE.wqs`).
@external("wasmcu", "stream_send")
declare function stream_send(kind: i32, ptr: usize, len: usize): void;

/** The file header (WqsEncoder.writeHeader()); send it first, and again now and then so a
 * monitor that attaches later can start its file. */
export function sendHeader(header: Uint8Array, len: i32): void {
  stream_send(0, header.dataStart, <usize>len);
}

/** A finished block (the bytes WqsEncoder.add()/flush() returned the length of). */
export function sendBlock(block: Uint8Array, len: i32): void {
  stream_send(1, block.dataStart, <usize>len);
}
