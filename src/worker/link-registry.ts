import type { Logger } from '../log/logger.js';
import type { LinkConnection } from './link-connection.js';

/**
 * The open gateway links of this worker, by gateway id: client-addressed
 * commands and queries go to the gateway named in the client id, the rest to
 * every open link.
 */
export class LinkRegistry {
  readonly #byGateway = new Map<string, LinkConnection>();
  readonly #log: Logger;
  /** Commands for a gateway with no open link (its clients are unreachable from here). */
  unroutable = 0;

  constructor(logger: Logger) {
    this.#log = logger;
  }

  add(conn: LinkConnection): void {
    const previous = this.#byGateway.get(conn.gatewayId);
    if (previous !== undefined && previous !== conn && previous.open) {
      this.#log.warn({ gatewayId: conn.gatewayId, first: previous.address, second: conn.address }, 'two links to one gateway; using the newer');
    }
    this.#byGateway.set(conn.gatewayId, conn);
  }

  remove(conn: LinkConnection): void {
    if (this.#byGateway.get(conn.gatewayId) === conn) this.#byGateway.delete(conn.gatewayId);
  }

  get(gatewayId: string): LinkConnection | null {
    const conn = this.#byGateway.get(gatewayId);
    return conn !== undefined && conn.open ? conn : null;
  }

  /** The link to a gateway, counting and logging (at debug) a miss. */
  route(gatewayId: string, what: string): LinkConnection | null {
    const conn = this.get(gatewayId);
    if (conn === null) {
      this.unroutable++;
      this.#log.debug({ gatewayId, what }, 'no open link to the gateway; not sent');
    }
    return conn;
  }

  open(): LinkConnection[] {
    const out: LinkConnection[] = [];
    for (const conn of this.#byGateway.values()) if (conn.open) out.push(conn);
    return out;
  }

  get size(): number {
    return this.open().length;
  }
}
