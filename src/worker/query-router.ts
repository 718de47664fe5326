import type { LinkReply } from '../protocol/command-codec.js';
import type { LinkConnection } from './link-connection.js';
import type { LinkRegistry } from './link-registry.js';
import { isKnownQuery, mergeQueryAnswers } from './query-merge.js';

export type QueryOutcome = { ok: true; result: unknown } | { ok: false; error: string };

/** Delivers a query's outcome to the thread that asked. */
export type QueryAnswerer = (threadId: number, id: number, outcome: QueryOutcome) => void;

interface Fanout {
  threadId: number;
  id: number;
  op: string;
  /** Request id → the link it went to, for the answers still awaited. */
  waiting: Map<number, LinkConnection>;
  answers: unknown[];
  timer: NodeJS.Timeout;
}

/**
 * Runs Gateway API queries: sends one to every open link (or, for a
 * client-addressed query, to the client's gateway alone) with its own request
 * id, merges the answers, and fails the query after the configured timeout. A
 * link that closes before answering is left out of the merge: its gateway's
 * clients are unreachable from here anyway. Nothing blocks.
 */
export class QueryRouter {
  readonly #links: LinkRegistry;
  readonly #timeoutMs: number;
  readonly #answer: QueryAnswerer;
  readonly #byRequest = new Map<number, Fanout>();
  #nextRequestId = 1;

  constructor(links: LinkRegistry, timeoutMs: number, answer: QueryAnswerer) {
    this.#links = links;
    this.#timeoutMs = timeoutMs;
    this.#answer = answer;
  }

  /** Queries waiting for an answer. */
  get pending(): number {
    return new Set(this.#byRequest.values()).size;
  }

  start(threadId: number, id: number, op: string, args: unknown[], gateway: string | null): void {
    if (!isKnownQuery(op)) {
      this.#answer(threadId, id, { ok: false, error: `gatehouse query ${op} is not a known query` });
      return;
    }
    let targets: LinkConnection[];
    if (gateway === null) targets = this.#links.open();
    else {
      const conn = this.#links.get(gateway);
      targets = conn === null ? [] : [conn];
    }
    if (targets.length === 0) {
      this.#answer(threadId, id, { ok: true, result: mergeQueryAnswers(op, []) });
      return;
    }
    const fanout: Fanout = {
      threadId,
      id,
      op,
      waiting: new Map(),
      answers: [],
      timer: setTimeout(() => this.#timedOut(fanout, targets.length), this.#timeoutMs).unref(),
    };
    for (const conn of targets) {
      const requestId = this.#nextRequestId;
      this.#nextRequestId = this.#nextRequestId >= 0xffffffff ? 1 : this.#nextRequestId + 1;
      if (!conn.writeQuery(requestId, op, args)) continue;
      fanout.waiting.set(requestId, conn);
      this.#byRequest.set(requestId, fanout);
    }
    if (fanout.waiting.size === 0) this.#finish(fanout);
  }

  onReply(conn: LinkConnection, reply: LinkReply): void {
    const fanout = this.#byRequest.get(reply.id);
    if (fanout === undefined || fanout.waiting.get(reply.id) !== conn) return; // late (timed out) or not ours
    this.#byRequest.delete(reply.id);
    fanout.waiting.delete(reply.id);
    if (!reply.ok) {
      this.#fail(fanout, `gatehouse query ${fanout.op} failed on gateway ${conn.gatewayId}: ${String(reply.result)}`);
      return;
    }
    fanout.answers.push(reply.result);
    if (fanout.waiting.size === 0) this.#finish(fanout);
  }

  linkClosed(conn: LinkConnection): void {
    const touched = new Set<Fanout>();
    for (const [requestId, fanout] of this.#byRequest) {
      if (fanout.waiting.get(requestId) !== conn) continue;
      this.#byRequest.delete(requestId);
      fanout.waiting.delete(requestId);
      touched.add(fanout);
    }
    for (const fanout of touched) if (fanout.waiting.size === 0) this.#finish(fanout);
  }

  /** Fails every waiting query (the process stops). */
  close(): void {
    for (const fanout of new Set(this.#byRequest.values())) this.#fail(fanout, `gatehouse query ${fanout.op} failed: the worker is stopping`);
  }

  #finish(fanout: Fanout): void {
    clearTimeout(fanout.timer);
    let outcome: QueryOutcome;
    try {
      outcome = { ok: true, result: mergeQueryAnswers(fanout.op, fanout.answers) };
    } catch (err) {
      outcome = { ok: false, error: (err as Error).message };
    }
    this.#answer(fanout.threadId, fanout.id, outcome);
  }

  /** The timeout's error names the gateways that did not answer, so an operator knows where to look. */
  #timedOut(fanout: Fanout, asked: number): void {
    const silent = [...new Set([...fanout.waiting.values()].map((conn) => conn.gatewayId))].sort();
    const answered = asked - silent.length;
    this.#fail(fanout, `gatehouse query ${fanout.op} timed out after ${this.#timeoutMs} ms: no answer from gateway${silent.length === 1 ? '' : 's'} ${silent.join(', ')} (${answered} of ${asked} answered)`);
  }

  #fail(fanout: Fanout, error: string): void {
    clearTimeout(fanout.timer);
    for (const requestId of fanout.waiting.keys()) this.#byRequest.delete(requestId);
    fanout.waiting.clear();
    this.#answer(fanout.threadId, fanout.id, { ok: false, error });
  }
}
