import { EventKind } from '../protocol/constants.js';

/** Connect and WebSocketConnect: the events that open a client. */
export function isOpeningKind(kind: number): boolean {
  return kind === EventKind.Connect || kind === EventKind.WebSocketConnect;
}

/**
 * The clients with events ready to run, oldest ready first, in two lanes:
 * clients already open (their next event is a message or a close) come before
 * clients whose next event is their connect. During a connect storm thousands
 * of connects are ready at once; an open client's message then goes into the
 * next task instead of waiting behind all of them. Within a lane, the order
 * is the order they became ready.
 *
 * A client's lane is decided when it is added, by its next event; that event
 * does not change while it is here (events are only appended behind it, and
 * taking or returning events takes the client out first).
 */
export class ReadyClients<C> implements Iterable<C> {
  readonly #open = new Set<C>();
  readonly #opening = new Set<C>();
  readonly #nextIsOpening: (client: C) => boolean;

  constructor(nextIsOpening: (client: C) => boolean) {
    this.#nextIsOpening = nextIsOpening;
  }

  get size(): number {
    return this.#open.size + this.#opening.size;
  }

  has(client: C): boolean {
    return this.#open.has(client) || this.#opening.has(client);
  }

  add(client: C): void {
    if (this.has(client)) return;
    (this.#nextIsOpening(client) ? this.#opening : this.#open).add(client);
  }

  delete(client: C): void {
    if (!this.#open.delete(client)) this.#opening.delete(client);
  }

  clear(): void {
    this.#open.clear();
    this.#opening.clear();
  }

  *[Symbol.iterator](): Iterator<C> {
    yield* this.#open;
    yield* this.#opening;
  }

  /**
   * The clients in the order to plan at most `most` of them: open clients
   * first, but while connects wait, a quarter of `most` is theirs whatever the
   * open clients ask, so open clients that keep the pool busy cannot keep new
   * clients from being welcomed.
   */
  *inPlanOrder(most: number): Generator<C> {
    const reserved = this.#opening.size === 0 ? 0 : Math.max(1, Math.floor(most / 4));
    const first = Math.max(0, most - reserved);
    const skipped: C[] = [];
    let n = 0;
    for (const c of this.#open) {
      if (n < first) {
        yield c;
        n++;
      } else if (skipped.length < most) skipped.push(c);
      else break;
    }
    yield* this.#opening;
    yield* skipped;
  }
}
