import { createHash } from 'node:crypto';

/**
 * Which of several Redis shards holds a key: rendezvous (highest random weight)
 * hashing. Each key goes to the shard whose hash with it is largest, so adding
 * or removing one shard moves only the keys that go to or came from it (≈ 1/N),
 * and every process computes the same answer from the URL list alone, in any
 * order. A key's hash tag (`{…}`, as Redis Cluster reads it) is what is hashed,
 * so keys that must live together (a gateway's presence and the directory
 * listing it) stay on one shard.
 */
export class ShardRing<T> {
  readonly #shards: { id: string; value: T }[];

  /** `id` names a shard stably (its URL); the order of the list does not matter. */
  constructor(shards: { id: string; value: T }[]) {
    if (shards.length === 0) throw new Error('a shard ring needs at least one shard');
    this.#shards = shards;
  }

  get size(): number {
    return this.#shards.length;
  }

  values(): T[] {
    return this.#shards.map((s) => s.value);
  }

  /** The shard of a key (by its hash tag when it has one). */
  shardOf(key: string): T {
    if (this.#shards.length === 1) return this.#shards[0]!.value;
    const tag = hashTag(key);
    let best = this.#shards[0]!;
    let bestWeight = -1n;
    for (const shard of this.#shards) {
      const weight = createHash('sha1').update(shard.id).update('\0').update(tag).digest().readBigUInt64BE(0);
      if (weight > bestWeight) {
        best = shard;
        bestWeight = weight;
      }
    }
    return best.value;
  }
}

/** The part of a key Redis Cluster hashes: the text of its first non-empty `{…}`, else the whole key. */
export function hashTag(key: string): string {
  const open = key.indexOf('{');
  if (open === -1) return key;
  const close = key.indexOf('}', open + 1);
  if (close === -1 || close === open + 1) return key;
  return key.slice(open + 1, close);
}
