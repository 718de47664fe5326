import { encodeBinaryCommandFrame } from '../protocol/binary-command.js';
import type { CommandOp } from '../protocol/constants.js';
import type { SessionPatch } from '../protocol/session-patch.js';
import type { OutputItem, OutputMessage } from './thread-messages.js';
import { hop } from '../util/hop-trace.js';

const MIN_STAGING = 4096;

/**
 * Everything a pool thread sends to the main thread, collected into few
 * messages (a postMessage costs microseconds; a busy thread produces hundreds
 * of items per task):
 *
 * - while a task runs its synchronous part, items wait for the task's end
 *   (leaveTask posts them with the task's 'ran');
 * - a query goes out at the end of the current microtask burst, even within a
 *   task: its handler waits for the reply;
 * - outside a task (handlers that awaited something and go on in the
 *   background), items go at the end of the current microtask burst, so the
 *   continuations of one settled promise share a message.
 *
 * No timer and no setImmediate: an idle system's output is posted in the
 * same turn that produced it.
 *
 * Command frames are encoded here, in the thread, into one staging buffer that
 * is transferred with the message, so the main thread only slices and writes
 * them. (Cloning a Buffer would copy its whole backing store, often an 8 KiB
 * pool slab, per command.) Data is copied at the call, so a caller may reuse
 * its buffer at once.
 */
export class ThreadOutbox {
  readonly #threadId: number;
  readonly #post: (message: OutputMessage, transfer: ArrayBuffer[]) => void;
  #items: OutputItem[] = [];
  #staging: Uint8Array | null = null;
  #used = 0;
  #lastUsed = MIN_STAGING;
  #scheduled = false;
  /** Tasks whose synchronous part is running (piscina runs one at a time per thread). */
  #inTask = 0;

  constructor(threadId: number, post: (message: OutputMessage, transfer: ArrayBuffer[]) => void) {
    this.#threadId = threadId;
    this.#post = post;
  }

  command(gateway: string | null, op: CommandOp, flags: number, head: unknown, data: Uint8Array | null): void {
    hop('t.command');
    const frame = encodeBinaryCommandFrame(op, flags, head, data ?? undefined);
    const start = this.#reserve(frame.length);
    this.#staging!.set(frame, start);
    this.#push({ k: 'command', gateway, start, end: start + frame.length });
  }

  session(clientId: string, patch: SessionPatch): void {
    this.#push({ k: 'session', clientId, patch });
  }

  query(id: number, op: string, args: unknown[], gateway: string | null): void {
    this.#items.push({ k: 'query', id, op, args, gateway });
    this.#schedule();
  }

  done(batch: number, patches: (SessionPatch | null)[], timedOut: number[] = []): void {
    this.#push(timedOut.length > 0 ? { k: 'done', batch, patches, timedOut } : { k: 'done', batch, patches });
  }

  ran(task: number, background: number[]): void {
    this.#push({ k: 'ran', task, background });
  }

  /** A task's synchronous part begins: what it produces waits for leaveTask. */
  enterTask(): void {
    this.#inTask++;
  }

  /** A task's synchronous part ended: post everything collected, its 'ran' last. */
  leaveTask(): void {
    this.#inTask = Math.max(0, this.#inTask - 1);
    this.flush();
  }

  /** Posts what is collected now. */
  readonly flush = (): void => {
    this.#scheduled = false;
    if (this.#items.length === 0) return;
    const items = this.#items;
    this.#items = [];
    let bytes: ArrayBuffer | null = null;
    if (this.#staging !== null) {
      bytes = this.#staging.buffer as ArrayBuffer;
      this.#lastUsed = Math.max(MIN_STAGING, this.#used);
      this.#staging = null;
      this.#used = 0;
    }
    hop('t.post');
    this.#post({ type: 'output', threadId: this.#threadId, bytes, items }, bytes ? [bytes] : []);
  };

  #push(item: OutputItem): void {
    this.#items.push(item);
    if (this.#inTask === 0) this.#schedule();
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(this.flush);
  }

  /** Room for n more bytes; returns where they start. The buffer goes with the next message, so it is sized like the last one. */
  #reserve(n: number): number {
    const start = this.#used;
    if (this.#staging === null) {
      this.#staging = new Uint8Array(new ArrayBuffer(Math.max(this.#lastUsed, n)));
    } else if (start + n > this.#staging.length) {
      const grown = new Uint8Array(new ArrayBuffer(Math.max(this.#staging.length * 2, start + n)));
      grown.set(this.#staging.subarray(0, start));
      this.#staging = grown;
    }
    this.#used = start + n;
    return start;
  }
}
