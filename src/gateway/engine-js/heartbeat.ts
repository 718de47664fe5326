import type { GatewayConfig } from '../../config/types.js';
import type { ClientListener } from './client-listener.js';
import type { ClientOutput } from './client-output.js';
import { ConnectionState } from './connection.js';
import type { ConnectionTable } from './connection-table.js';
import type { Counters } from './counters.js';
import { encode } from './outgoing-message.js';

/** Ticks per interval: a silent client is closed at most interval / 4 late. */
const TICKS_PER_INTERVAL = 4;
const MAX_TICK_MS = 1000;
const MIN_TICK_MS = 10;

/**
 * GatewayWorker's heartbeat, with one timer for every client: a client that
 * sent no message for pingInterval × pingNotResponseLimit seconds is destroyed
 * with reason 'heartbeat timeout' (limit 0: never), and when pingData is set it
 * is sent (encoded per listener; a text frame on WebSocket) to each client that
 * was silent for a whole interval, at most once an interval.
 *
 * Each tick walks the table: at 19,000 clients that is well under a
 * millisecond, against a timer and a closure per client otherwise.
 */
export class Heartbeat {
  #timer: NodeJS.Timeout | null = null;
  readonly #intervalMs: number;
  readonly #timeoutMs: number;
  /** pingData encoded for each listener (by index), or null when there is none. */
  readonly #ping: Buffer[] | null;

  constructor(
    config: GatewayConfig,
    listeners: readonly ClientListener[],
    private readonly table: ConnectionTable,
    private readonly output: ClientOutput,
    private readonly counters: Counters,
    /** Whether reading from clients is paused now (silence is then the gateway's doing). */
    private readonly readsPaused: () => boolean,
  ) {
    this.#intervalMs = config.pingInterval * 1000;
    this.#timeoutMs = config.pingNotResponseLimit > 0 ? this.#intervalMs * config.pingNotResponseLimit : 0;
    this.#ping = config.pingData === '' ? null : listeners.map((l) => encode(l, Buffer.from(config.pingData), 0));
  }

  start(): void {
    if (this.#intervalMs <= 0 || (this.#timeoutMs === 0 && this.#ping === null)) return;
    const tickMs = Math.min(MAX_TICK_MS, Math.max(MIN_TICK_MS, this.#intervalMs / TICKS_PER_INTERVAL));
    this.#timer = setInterval(() => this.tick(Date.now()), tickMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }

  tick(now: number): void {
    if (this.readsPaused()) return;
    const interval = this.#intervalMs;
    const timeout = this.#timeoutMs;
    const ping = this.#ping;
    for (const conn of this.table.online.values()) {
      if (conn.state !== ConnectionState.Open) continue;
      const silent = now - conn.lastMessageAt;
      if (timeout > 0 && silent >= timeout) {
        this.counters.heartbeatCloses++;
        this.output.destroy(conn, 'heartbeat timeout');
      } else if (ping !== null && silent >= interval && now - conn.lastPingAt >= interval) {
        conn.lastPingAt = now;
        this.output.send(conn, ping[conn.listener.index]!);
      }
    }
  }
}
