import { CLIENT_ID_BYTES, readClientId, writeClientId } from '../protocol/client-id.js';

/**
 * One slot per pool thread in shared memory, where the thread notes the handler
 * it is running synchronously: start time, client id, event seq. A handler that
 * blocks its thread cannot report itself (its timers do not fire), so the main
 * thread reads the slots to see it; a later release replaces such a thread.
 *
 * Slot layout (32 bytes): f64 start (ms since the epoch, 0 when idle) ‖ u32 seq ‖
 * clientId[12]. The thread writes the id and seq before the start, and the
 * reader only reports; a torn read at worst names the previous event.
 */
const SLOT_BYTES = 32;
const SEQ_OFFSET = 8;
const CLIENT_OFFSET = 12;

export interface RunningHandler {
  startedAt: number;
  clientId: string;
  seq: number;
}

export class RunningSlots {
  readonly buffer: SharedArrayBuffer;
  readonly count: number;
  readonly #starts: Float64Array;
  readonly #bytes: Buffer;

  constructor(bufferOrCount: SharedArrayBuffer | number) {
    this.buffer = typeof bufferOrCount === 'number' ? new SharedArrayBuffer(bufferOrCount * SLOT_BYTES) : bufferOrCount;
    this.count = this.buffer.byteLength / SLOT_BYTES;
    this.#starts = new Float64Array(this.buffer);
    this.#bytes = Buffer.from(this.buffer);
  }

  enter(slot: number, clientId: string, seq: number): void {
    if (slot < 0 || slot >= this.count) return;
    const o = slot * SLOT_BYTES;
    this.#bytes.writeUInt32LE(seq >>> 0, o + SEQ_OFFSET);
    writeClientId(clientId, this.#bytes, o + CLIENT_OFFSET);
    this.#starts[o / 8] = Date.now();
  }

  leave(slot: number): void {
    if (slot >= 0 && slot < this.count) this.#starts[(slot * SLOT_BYTES) / 8] = 0;
  }

  read(slot: number): RunningHandler | null {
    const o = slot * SLOT_BYTES;
    const startedAt = this.#starts[o / 8]!;
    if (startedAt === 0) return null;
    return {
      startedAt,
      seq: this.#bytes.readUInt32LE(o + SEQ_OFFSET),
      clientId: readClientId(this.#bytes.subarray(o + CLIENT_OFFSET, o + CLIENT_OFFSET + CLIENT_ID_BYTES), 0),
    };
  }
}
