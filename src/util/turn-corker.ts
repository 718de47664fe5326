import type { Writable } from 'node:stream';
import { hop } from './hop-trace.js';

/**
 * Coalesces every write to a stream within one event-loop turn into one write
 * syscall. The first write of a turn corks the stream; a single setImmediate per
 * process uncorks all of them, and Node hands each stream's queued chunks to one
 * writev. Streams are corked only once per turn however many writes they get.
 */
export class TurnCorker {
  #corked = new Set<Writable>();
  #scheduled = false;
  /** Number of uncorks: one per stream per turn with output (a proxy for write syscalls). */
  flushes = 0;

  write(stream: Writable, chunk: Uint8Array | string): boolean {
    if (!this.#corked.has(stream)) {
      if (stream.destroyed || !stream.writable) return false;
      stream.cork();
      this.#corked.add(stream);
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(this.flush);
      }
    }
    return stream.write(chunk);
  }

  /** Ensures a stream is corked for this turn (for writers that call stream.write themselves, like ws). */
  cork(stream: Writable): void {
    if (this.#corked.has(stream) || stream.destroyed) return;
    stream.cork();
    this.#corked.add(stream);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.flush);
    }
  }

  /** Uncorks now: before closing a stream, so what was written goes first. */
  release(stream: Writable): void {
    if (this.#corked.delete(stream)) {
      this.flushes++;
      stream.uncork();
    }
  }

  readonly flush = (): void => {
    hop('corker.flush');
    this.#scheduled = false;
    const streams = this.#corked;
    this.#corked = new Set();
    for (const s of streams) {
      this.flushes++;
      s.uncork();
    }
  };
}

/** The process's corker: one flush per turn for every socket of the process. */
export const turnCorker = new TurnCorker();
