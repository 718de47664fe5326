// Starts a gateway engine in-process for tests (no supervisor): listeners on
// 127.0.0.1 port 0, a fresh 0700 run directory, logs kept in memory, and small
// clients for the client side. The engine is the JS one, or the native one
// when GATEHOUSE_ENGINE=native (the same tests then run against the addon;
// they fail at once, with the loader's reason, if it is not built).
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { WebSocket } from 'ws';
import { DEFAULT_FRAME, DEFAULT_GATEWAY, defaultWorker, systemMaxBacklog } from '../../src/config/defaults.js';
import type { GatewayConfig, ListenerConfig, ListenerProtocol, ResolvedConfig } from '../../src/config/types.js';
import { newGatewayId } from '../../src/protocol/client-id.js';
import type { Engine, EngineAddresses } from '../../src/gateway/engine.js';
import { JsEngine } from '../../src/gateway/engine-js/js-engine.js';
import type { EngineTuning } from '../../src/gateway/engine-tuning.js';
import { NativeEngine } from '../../src/gateway/engine-native/native-engine.js';
import { FakeWorker, waitFor, type FakeWorkerOptions } from './fake-worker.js';

export { waitFor };

export function listenerConfig(protocol: ListenerProtocol, overrides: Partial<ListenerConfig> = {}): ListenerConfig {
  return {
    name: protocol,
    protocol,
    host: '127.0.0.1',
    port: 0,
    maxMessageSize: 1024 * 1024,
    frame: DEFAULT_FRAME,
    codec: null,
    static: {},
    backlog: systemMaxBacklog(),
    ...overrides,
  };
}

export interface TestEngineOptions {
  listeners?: ListenerConfig[];
  gateway?: Partial<GatewayConfig>;
  secretKey?: string | null;
  tuning?: EngineTuning;
}

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

/** The engine the tests run against: GATEHOUSE_ENGINE=native → NativeEngine, anything else → JsEngine. */
export const TEST_ENGINE: 'native' | 'js' = process.env.GATEHOUSE_ENGINE === 'native' ? 'native' : 'js';

export class TestGateway {
  readonly logs: LogLine[] = [];
  readonly engine: Engine;
  readonly runDir: string;
  readonly config: ResolvedConfig;
  addresses!: EngineAddresses;
  readonly #workers: FakeWorker[] = [];
  readonly #clients: { destroy(): void }[] = [];

  constructor(options: TestEngineOptions = {}) {
    this.runDir = mkdtempSync(join(tmpdir(), 'gatehouse-gw-'));
    this.config = {
      name: 'test',
      instance: '',
      cluster: { redis: [], prefix: 'gatehouse:test:', presenceTtl: 10000 },
      appDir: this.runDir,
      events: join(this.runDir, 'events.js'),
      runDir: this.runDir,
      secretKey: options.secretKey ?? null,
      queryTimeout: 5000,
      logLevel: 'debug',
      logFile: join(this.runDir, 'gatehouse.log'),
      stopTimeout: 10000,
      reloadTimeout: 30000,
      register: { embedded: false, host: '127.0.0.1', port: 0, addresses: [] },
      listeners: options.listeners ?? [listenerConfig('text')],
      gateway: { ...DEFAULT_GATEWAY, ...options.gateway },
      worker: defaultWorker(),
    };
    const sink = new Writable({
      write: (chunk: Buffer, _enc, done) => {
        for (const line of chunk.toString().split('\n')) if (line) this.logs.push(JSON.parse(line) as LogLine);
        done();
      },
    });
    const engineOptions = {
      config: this.config,
      gatewayId: newGatewayId(),
      index: 0,
      logger: pino({ level: 'debug' }, sink),
      tuning: options.tuning,
    };
    this.engine = TEST_ENGINE === 'native' ? new NativeEngine(engineOptions) : new JsEngine(engineOptions);
  }

  static async start(options: TestEngineOptions = {}): Promise<TestGateway> {
    const gw = new TestGateway(options);
    gw.addresses = await gw.engine.start();
    return gw;
  }

  port(name: string): number {
    const l = this.addresses.listeners.find((x) => x.name === name);
    if (!l) throw new Error(`no listener ${name}`);
    return l.port;
  }

  async worker(options: FakeWorkerOptions = {}): Promise<FakeWorker> {
    const w = await FakeWorker.connect(this.addresses.linkPath, options);
    this.#workers.push(w);
    return w;
  }

  openWorker(options: FakeWorkerOptions = {}): FakeWorker {
    const w = FakeWorker.open(this.addresses.linkPath, options);
    this.#workers.push(w);
    return w;
  }

  async tcpClient(listener: string): Promise<TcpClient> {
    const c = await TcpClient.connect(this.port(listener));
    this.#clients.push(c);
    return c;
  }

  async wsClient(listener = 'websocket', path = '/', headers: Record<string, string> = {}): Promise<WsClient> {
    const c = await WsClient.connect(`ws://127.0.0.1:${this.port(listener)}${path}`, headers);
    this.#clients.push(c);
    return c;
  }

  stats() {
    return this.engine.stats();
  }

  async close(): Promise<void> {
    for (const w of this.#workers) w.close();
    for (const c of this.#clients) c.destroy();
    await this.engine.stop({ graceMs: 0, timeoutMs: 500 });
    rmSync(this.runDir, { recursive: true, force: true });
  }
}

/** A raw TCP client that records everything it receives. */
export class TcpClient {
  received = Buffer.alloc(0);
  closed = false;
  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => (this.received = Buffer.concat([this.received, chunk])));
    socket.on('error', () => {});
    socket.on('close', () => (this.closed = true));
  }

  static connect(port: number): Promise<TcpClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port }, () => resolve(new TcpClient(socket)));
      socket.once('error', reject);
    });
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  get text(): string {
    return this.received.toString('utf8');
  }

  /** Complete lines received so far. */
  get lines(): string[] {
    const parts = this.text.split('\n');
    parts.pop();
    return parts;
  }

  async waitForLines(n: number, ms = 3000): Promise<string[]> {
    return waitFor(`${n} lines (have ${this.lines.length}: ${JSON.stringify(this.text.slice(0, 200))})`, () => (this.lines.length >= n ? this.lines : undefined), ms);
  }

  async waitForBytes(n: number, ms = 3000): Promise<Buffer> {
    return waitFor(`${n} bytes (have ${this.received.length})`, () => (this.received.length >= n ? this.received : undefined), ms);
  }

  async waitClosed(ms = 3000): Promise<void> {
    await waitFor('the client connection to close', () => (this.closed ? true : undefined), ms);
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** A WebSocket client that records messages and the close code. */
export class WsClient {
  readonly messages: { data: Buffer; binary: boolean }[] = [];
  closeCode: number | null = null;
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer, binary: boolean) => this.messages.push({ data, binary }));
    ws.on('close', (code) => (this.closeCode = code));
    ws.on('error', () => {});
  }

  static connect(url: string, headers: Record<string, string> = {}): Promise<WsClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { perMessageDeflate: false, headers });
      ws.once('open', () => resolve(new WsClient(ws)));
      ws.once('error', reject);
    });
  }

  async waitForMessages(n: number, ms = 3000): Promise<{ data: Buffer; binary: boolean }[]> {
    return waitFor(`${n} websocket messages (have ${this.messages.length})`, () => (this.messages.length >= n ? this.messages : undefined), ms);
  }

  async waitClosed(ms = 3000): Promise<number> {
    return waitFor('the websocket to close', () => this.closeCode ?? undefined, ms);
  }

  destroy(): void {
    this.ws.terminate();
  }
}
