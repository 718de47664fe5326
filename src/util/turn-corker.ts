import type { Writable } from 'node:stream';
import { hop } from './hop-trace.js';

/**
 * Coalesces writes to a stream into few write syscalls. A write corks its
 * stream; an uncork of every corked stream is scheduled, and Node hands each
 * stream's queued chunks to one writev.
 *
 * When the uncork happens is what decides latency: the first output of an
 * event-loop turn is uncorked at the end of the current microtask burst (an
 * idle system's message is written in the callback that produced it, with no
 * setImmediate to wait for), and what the rest of that turn writes is gathered
 * for one uncork in the turn's check phase (setImmediate) — under load, one
 * writev per stream per turn, as many callbacks as the turn runs.
 *
 * A writer may ask to write last, just before a stream is uncorked
 * (beforeUncork): the worker's acks go in the same writev as the commands
 * their handlers issued, so a worker killed between the two writes cannot
 * leave a reply delivered and its event unacknowledged (then redelivered,
 * and its handler run twice).
 */
export class TurnCorker {
  #corked = new Set<Writable>();
  /** What to write last into a stream before it is uncorked (one per stream). */
  #last = new Map<Writable, () => void>();
  /** The stream whose last writes are running: they go straight into it, still corked. */
  #finishing: Writable | null = null;
  #scheduled = false;
  /** This turn already had its prompt (microtask) uncork: later writes wait for the check phase. */
  #turnBusy = false;
  /** Number of uncorks: one per stream per turn with output (a proxy for write syscalls). */
  flushes = 0;

  write(stream: Writable, chunk: Uint8Array | string): boolean {
    if (stream === this.#finishing) return stream.write(chunk);
    if (!this.#corked.has(stream)) {
      if (stream.destroyed || !stream.writable) return false;
      stream.cork();
      this.#corked.add(stream);
      this.#schedule();
    }
    return stream.write(chunk);
  }

  /** Ensures a stream is corked for this turn (for writers that call stream.write themselves, like ws). */
  cork(stream: Writable): void {
    if (this.#corked.has(stream) || stream.destroyed) return;
    stream.cork();
    this.#corked.add(stream);
    this.#schedule();
  }

  /**
   * Calls `last` once, right before the stream's next uncork, to write what
   * must follow everything written to it until then (acks). Corks the stream
   * for this turn if nothing else did. A second call before the uncork keeps
   * the first callback. False when the stream can take no more writes.
   */
  beforeUncork(stream: Writable, last: () => void): boolean {
    if (stream.destroyed || !stream.writable) return false;
    if (!this.#last.has(stream)) this.#last.set(stream, last);
    this.cork(stream);
    return true;
  }

  #uncork(stream: Writable): void {
    const last = this.#last.get(stream);
    if (last !== undefined) {
      this.#last.delete(stream);
      this.#finishing = stream;
      try {
        last();
      } finally {
        this.#finishing = null;
      }
    }
    this.flushes++;
    stream.uncork();
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    if (this.#turnBusy) {
      setImmediate(this.flush);
      return;
    }
    this.#turnBusy = true;
    queueMicrotask(this.flush);
    setImmediate(this.#endTurn);
  }

  readonly #endTurn = (): void => {
    this.#turnBusy = false;
  };

  /** Uncorks now: before closing a stream, so what was written goes first. */
  release(stream: Writable): void {
    if (this.#corked.delete(stream)) this.#uncork(stream);
    else this.#last.delete(stream);
  }

  readonly flush = (): void => {
    hop('corker.flush');
    this.#scheduled = false;
    const streams = this.#corked;
    this.#corked = new Set();
    for (const s of streams) this.#uncork(s);
  };
}

/** The process's corker: one flush per turn for every socket of the process. */
export const turnCorker = new TurnCorker();
