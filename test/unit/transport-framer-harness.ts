// Shared by the transport-framer-*.test.ts files: listener configs, a sink that
// records what a framer delivers, and ways to cut a byte stream into chunks.
import type { FrameOptions, ListenerConfig, ListenerProtocol } from '../../src/config/types.js';
import type { PayloadKind } from '../../src/protocol/constants.js';
import { createFramer, type ClientFramer, type FramerSink } from '../../src/gateway/transport/framer.js';
import type { ClientCodec } from '../../src/types.js';

export type Delivery = { message: string; kind: PayloadKind } | { invalid: string; line: string };

export function listener(protocol: ListenerProtocol, overrides: Partial<ListenerConfig> = {}): ListenerConfig {
  return {
    name: `${protocol}-test`,
    protocol,
    host: '127.0.0.1',
    port: 0,
    maxMessageSize: 1024 * 1024,
    frame: { headerSize: 4, endian: 'big', lengthIncludesHeader: false },
    codec: null,
    static: {},
    backlog: 511,
    ...overrides,
  };
}

export function frameListener(frame: FrameOptions, maxMessageSize = 1024 * 1024): ListenerConfig {
  return listener('frame', { frame, maxMessageSize });
}

/** A framer whose deliveries are recorded (messages as latin1 text so any bytes compare exactly). */
export function recordingFramer(config: ListenerConfig, codec: ClientCodec | null = null) {
  const deliveries: Delivery[] = [];
  const payloads: Buffer[] = [];
  const sink: FramerSink = {
    message(payload, kind) {
      payloads.push(payload);
      deliveries.push({ message: payload.toString('latin1'), kind });
    },
    invalid(reason, line) {
      deliveries.push({ invalid: reason, line: line.toString('latin1') });
    },
  };
  const framer: ClientFramer = createFramer(config, codec, sink);
  return { framer, deliveries, payloads };
}

/** The stream cut every `size` bytes. */
export function chunksOf(stream: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < stream.length; i += size) out.push(stream.subarray(i, i + size));
  return out;
}

/** Every way of cutting the stream in two, plus byte by byte and whole: the splits that find boundary bugs. */
export function splits(stream: Buffer): Buffer[][] {
  const out: Buffer[][] = [[stream], chunksOf(stream, 1), chunksOf(stream, 3)];
  for (let cut = 1; cut < stream.length; cut++) out.push([stream.subarray(0, cut), stream.subarray(cut)]);
  return out;
}

/** Feeds a copy of each chunk, as a socket hands out fresh buffers (no chunk is a view of its neighbours). */
export function feed(framer: ClientFramer, chunks: Buffer[]): void {
  for (const c of chunks) framer.push(Buffer.from(c));
}

/** Runs `stream` through a fresh framer for every split and returns each split's deliveries. */
export function deliveriesForEverySplit(
  config: ListenerConfig,
  stream: Buffer,
  codec: ClientCodec | null = null,
): { chunks: Buffer[]; deliveries: Delivery[]; buffered: number }[] {
  return splits(stream).map((chunks) => {
    const r = recordingFramer(config, codec);
    feed(r.framer, chunks);
    return { chunks, deliveries: r.deliveries, buffered: r.framer.buffered };
  });
}
