/**
 * Counters kept per client listener, by both engines, reported as
 * `stats().listeners[name][counter]` (so `gatehouse status --json`, the /stats
 * endpoint and the `stats` query show them). This list is the one definition:
 * the JS engine counts these names, and the native engine is handed the same
 * list in its options and reports whatever it was given. A new counter is a
 * name here plus one increment in each engine (docs/gateway.md, "Counters").
 *
 * Per-listener counters are for rare events (refusals, errors): the engines
 * resolve the name on each increment. Hot-path counters stay in EngineStats.
 */
export const LISTENER_COUNTERS = [
  /**
   * Clients of this listener accepted and closed at once: the gateway held
   * 2 × gateway.maxUnackedEvents events (TCP closed, WebSocket answered 503),
   * or (native engine) the process was out of file descriptors. The gateway's
   * total is EngineStats.connectionsRefused.
   */
  'connectionsRefused',
] as const;

export type ListenerCounter = (typeof LISTENER_COUNTERS)[number];
export type ListenerStats = Record<ListenerCounter, number>;

/** Every counter at zero. */
export function zeroListenerStats(): ListenerStats {
  return Object.fromEntries(LISTENER_COUNTERS.map((name) => [name, 0])) as ListenerStats;
}

/** The JS engine's per-listener counters: one row per listener, in configuration order. */
export class ListenerCounters {
  readonly #names: readonly string[];
  readonly #rows: ListenerStats[];

  constructor(listenerNames: readonly string[]) {
    this.#names = listenerNames;
    this.#rows = listenerNames.map(() => zeroListenerStats());
  }

  /** Counts one `counter` event on listener `index` (an index outside the table counts nothing). */
  bump(index: number, counter: ListenerCounter): void {
    const row = this.#rows[index];
    if (row !== undefined) row[counter]++;
  }

  /** {listenerName: {counter: n}}, copies. */
  report(): Record<string, ListenerStats> {
    const out: Record<string, ListenerStats> = {};
    this.#names.forEach((name, i) => (out[name] = { ...this.#rows[i]! }));
    return out;
  }
}
