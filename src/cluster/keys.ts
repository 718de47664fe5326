/**
 * Every Redis key and channel of a deployment, in one place (docs/cluster.md
 * lists them). Keys carry a hash tag so those read together live in one slot
 * of a Redis Cluster and on one shard of a sharded deployment.
 */
export class ClusterKeys {
  constructor(readonly prefix: string) {}

  /** Set of the gateway ids announced in Redis (entries may have expired: see presence). */
  get gatewayIds(): string {
    return `${this.prefix}{gateways}:ids`;
  }

  /** A gateway's announcement (JSON), with the presence TTL. */
  presence(gatewayId: string): string {
    return `${this.prefix}{gateways}:gateway:${gatewayId}`;
  }

  /** Pub/Sub channel of joins and leaves, so workers learn at once (the directory's poll is the backstop). */
  get gatewayEvents(): string {
    return `${this.prefix}{gateways}:events`;
  }
}
