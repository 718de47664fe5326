/**
 * The "private stream" load of the reload and crash tests: each client sends
 * a numbered line to itself every few milliseconds through the worker tier
 * (fixture ops-load: `<n>` → `<n> <generation> <r|->` back to the sender,
 * `r` when the handler saw ctx.redelivered), and a StreamTracker checks what
 * came back: every number, how many times, in which order, from which
 * generation of workers.
 */
import { connectMany, Ticker, waitUntil, type LoadClient } from './ops-load.js';

export interface ClientTally {
  /** Deliveries per number (index n). */
  counts: Uint8Array;
  /** Numbers sent so far (0..sent-1). */
  sent: number;
  /** Highest number whose first delivery came so far, -1 before any. */
  lastFirst: number;
  /** First deliveries that came after a higher number's first delivery. */
  outOfOrder: number;
  /** Deliveries beyond the first of a number. */
  duplicates: number;
  /** Duplicates whose handler did not see ctx.redelivered. */
  unflaggedDuplicates: number;
  /** Deliveries flagged redelivered. */
  redelivered: number;
  /** Generation tag of each number's first delivery (by n). */
  generation: string[];
  /** Lines that are not `<n> <gen> <r|->`. */
  junk: string[];
}

export class StreamTracker {
  readonly clients: LoadClient[];
  readonly tallies: ClientTally[];
  readonly #ticker: Ticker;
  #tickWaiters: (() => void)[] = [];

  private constructor(clients: LoadClient[], maxMessages: number, periodMs: number) {
    this.clients = clients;
    this.tallies = clients.map(() => ({
      counts: new Uint8Array(maxMessages),
      sent: 0,
      lastFirst: -1,
      outOfOrder: 0,
      duplicates: 0,
      unflaggedDuplicates: 0,
      redelivered: 0,
      generation: [],
      junk: [],
    }));
    for (const c of clients) c.onLine = (line, client) => this.#onLine(line, client.index);
    // Every client sends its next number on each tick: one socket write each.
    this.#ticker = new Ticker(periodMs, () => {
      for (let i = 0; i < clients.length; i++) {
        const t = this.tallies[i]!;
        const c = clients[i]!;
        if (t.sent >= maxMessages || c.isClosed) continue;
        c.send(String(t.sent++));
      }
      const waiters = this.#tickWaiters;
      this.#tickWaiters = [];
      for (const wake of waiters) wake();
    });
  }

  /** Resolves right after the next tick's lines were written. */
  afterNextTick(): Promise<void> {
    return new Promise((resolve) => this.#tickWaiters.push(resolve));
  }

  /** Connects n clients; they start sending on start(). */
  static async connect(port: number, n: number, maxMessages: number, periodMs: number): Promise<StreamTracker> {
    return new StreamTracker(await connectMany(port, n), maxMessages, periodMs);
  }

  #onLine(line: string, index: number): void {
    const t = this.tallies[index]!;
    const m = /^(\d+) (\S+) ([r-])$/.exec(line);
    const n = m ? Number(m[1]) : -1;
    if (!m || n >= t.counts.length) {
      if (t.junk.length < 5) t.junk.push(line);
      return;
    }
    const flagged = m[3] === 'r';
    if (flagged) t.redelivered++;
    if (t.counts[n]! > 0) {
      t.duplicates++;
      if (!flagged) t.unflaggedDuplicates++;
    } else {
      if (n < t.lastFirst) t.outOfOrder++;
      t.lastFirst = Math.max(t.lastFirst, n);
      t.generation[n] = m[2]!;
    }
    if (t.counts[n]! < 255) t.counts[n]!++;
  }

  start(): void {
    this.#ticker.start();
  }

  stop(): void {
    this.#ticker.stop();
  }

  /** Numbers sent but not (yet) received, over all clients. */
  missing(): number {
    let missing = 0;
    for (const t of this.tallies) for (let n = 0; n < t.sent; n++) if (t.counts[n] === 0) missing++;
    return missing;
  }

  /** Waits (up to timeoutMs) until every number sent came back at least once. */
  waitComplete(timeoutMs: number): Promise<boolean> {
    return waitUntil(() => this.missing() === 0, timeoutMs, 100);
  }

  /** Totals over every client, and a few examples of what went wrong. */
  summary(): StreamSummary {
    const s: StreamSummary = { clients: this.clients.length, sent: 0, received: 0, missing: 0, duplicates: 0, unflaggedDuplicates: 0, redelivered: 0, outOfOrder: 0, closed: 0, junk: [], examples: [] };
    for (let i = 0; i < this.tallies.length; i++) {
      const t = this.tallies[i]!;
      const c = this.clients[i]!;
      s.sent += t.sent;
      s.duplicates += t.duplicates;
      s.unflaggedDuplicates += t.unflaggedDuplicates;
      s.redelivered += t.redelivered;
      s.outOfOrder += t.outOfOrder;
      if (c.isClosed) s.closed++;
      s.junk.push(...t.junk.slice(0, 2 - Math.min(2, s.junk.length)));
      const missingHere: number[] = [];
      for (let n = 0; n < t.sent; n++) {
        if (t.counts[n] === 0) missingHere.push(n);
        else s.received++;
      }
      s.missing += missingHere.length;
      if (missingHere.length > 0 && s.examples.length < 5) s.examples.push(`client ${i}: missing ${missingHere.slice(0, 10).join(',')}${missingHere.length > 10 ? ` … (${missingHere.length})` : ''} of ${t.sent}`);
    }
    return s;
  }

  /** Distinct generation tags of first deliveries of numbers >= fromN (each client's own numbering). */
  generationsFrom(fromByClient: readonly number[]): Set<string> {
    const gens = new Set<string>();
    this.tallies.forEach((t, i) => {
      for (let n = fromByClient[i]!; n < t.sent; n++) if (t.generation[n] !== undefined) gens.add(t.generation[n]!);
    });
    return gens;
  }

  /** Each client's count of numbers sent so far (a cut point for generationsFrom). */
  sentSoFar(): number[] {
    return this.tallies.map((t) => t.sent);
  }
}

export interface StreamSummary {
  clients: number;
  sent: number;
  /** Distinct numbers received. */
  received: number;
  missing: number;
  duplicates: number;
  unflaggedDuplicates: number;
  redelivered: number;
  outOfOrder: number;
  closed: number;
  junk: string[];
  examples: string[];
}
