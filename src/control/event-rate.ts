/**
 * Events per second for `gatehouse status`, from a counter sampled once a
 * second, so a one-shot status shows the last second's rate rather than the
 * average since start.
 */
export class EventRate {
  readonly #read: () => number;
  #lastCount: number;
  #lastAt = Date.now();
  #rate = 0;
  readonly #timer: NodeJS.Timeout;

  constructor(readCounter: () => number, intervalMs = 1000) {
    this.#read = readCounter;
    this.#lastCount = readCounter();
    this.#timer = setInterval(() => this.#sample(), intervalMs);
    this.#timer.unref();
  }

  #sample(): void {
    const now = Date.now();
    const count = this.#read();
    const seconds = (now - this.#lastAt) / 1000;
    if (seconds > 0) this.#rate = Math.max(0, (count - this.#lastCount) / seconds);
    this.#lastCount = count;
    this.#lastAt = now;
  }

  get perSecond(): number {
    return Math.round(this.#rate * 10) / 10;
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
