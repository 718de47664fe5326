import type { CommandOp } from '../protocol/constants.js';
import type { SessionPatch } from '../protocol/session-patch.js';
import type { GatewayApiBackend } from './gateway-api.js';
import type { MainToThread } from './thread-messages.js';
import type { ThreadOutbox } from './thread-outbox.js';

/**
 * The Gateway API backend of one pool thread: commands and queries go into the
 * thread's outbox; replies come back on the thread's channel. The main thread
 * enforces the query timeout (and answers with an error), so a query here
 * always settles while the process runs.
 */
export class ThreadApiBackend implements GatewayApiBackend {
  readonly #outbox: ThreadOutbox;
  readonly #waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  #nextId = 1;

  constructor(outbox: ThreadOutbox) {
    this.#outbox = outbox;
  }

  command(gateway: string | null, op: CommandOp, flags: number, head: unknown, data: Uint8Array | null): void {
    this.#outbox.command(gateway, op, flags, head, data);
  }

  session(clientId: string, patch: SessionPatch): void {
    this.#outbox.session(clientId, patch);
  }

  query(op: string, args: unknown[], gateway: string | null): Promise<unknown> {
    const id = this.#nextId++;
    if (this.#nextId > 0x7fffffff) this.#nextId = 1;
    return new Promise((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      this.#outbox.query(id, op, args, gateway);
    });
  }

  /** A reply from the main thread. */
  settle(message: Extract<MainToThread, { type: 'reply' }>): void {
    const waiter = this.#waiting.get(message.id);
    if (waiter === undefined) return;
    this.#waiting.delete(message.id);
    if (message.ok) waiter.resolve(message.result);
    else waiter.reject(new Error(message.error));
  }
}
