import { FRAME_HEADER_SIZE } from './constants.js';

/** One frame: header written in front of a body made of parts. */
export function encodeFrame(type: number, ...parts: Uint8Array[]): Buffer {
  let size = 0;
  for (const p of parts) size += p.length;
  const frame = Buffer.allocUnsafe(FRAME_HEADER_SIZE + size);
  frame.writeUInt32BE(size + 1, 0);
  frame[4] = type;
  let offset = FRAME_HEADER_SIZE;
  for (const p of parts) {
    frame.set(p, offset);
    offset += p.length;
  }
  return frame;
}

/** Frame header alone, for writing a large body without copying it (writev). */
export function frameHeader(type: number, bodyLength: number): Buffer {
  const header = Buffer.allocUnsafe(FRAME_HEADER_SIZE);
  header.writeUInt32BE(bodyLength + 1, 0);
  header[4] = type;
  return header;
}
