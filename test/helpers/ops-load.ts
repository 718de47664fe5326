/**
 * Load clients for the ops tests: many text-protocol TCP clients that keep no
 * history (a callback sees each line), so a test can hold a thousand
 * connections and count a million deliveries without storing them.
 *
 * Every client registers itself; destroyLoadClients() (call it in `after`)
 * closes those still open, so a failing test leaves no socket behind.
 */
import { connect, type Socket } from 'node:net';
import { HOST } from './clients.js';

const open = new Set<LoadClient>();
const running = new Set<Ticker>();

/** Stops every Ticker and destroys every LoadClient still open (call it in `after`, so a failed test still exits). */
export function destroyLoadClients(): void {
  for (const t of running) t.stop();
  for (const c of open) c.socket.destroy();
  open.clear();
}

export class LoadClient {
  readonly socket: Socket;
  readonly index: number;
  /** Called for every complete line received (without the newline). */
  onLine: (line: string, client: LoadClient) => void = () => {};
  /** When the connection closed, or null while open. */
  closedAt: number | null = null;
  closeError: string | null = null;
  linesReceived = 0;
  #partial = '';

  private constructor(socket: Socket, index: number) {
    this.socket = socket;
    this.index = index;
    open.add(this);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      const text = this.#partial + chunk;
      let start = 0;
      let nl: number;
      while ((nl = text.indexOf('\n', start)) >= 0) {
        this.linesReceived++;
        this.onLine(text.slice(start, nl), this);
        start = nl + 1;
      }
      this.#partial = text.slice(start);
    });
    socket.on('error', (e) => (this.closeError = e.message));
    socket.on('close', () => {
      this.closedAt = Date.now();
      open.delete(this);
    });
  }

  static connect(port: number, index: number, timeoutMs = 10_000): Promise<LoadClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host: HOST });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`load client ${index}: could not connect to :${port} within ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.setNoDelay(true);
        resolve(new LoadClient(socket, index));
      });
      socket.once('error', (e) => {
        clearTimeout(timer);
        reject(new Error(`load client ${index}: connect to :${port} failed: ${e.message}`));
      });
    });
  }

  get isClosed(): boolean {
    return this.closedAt !== null;
  }

  send(line: string): void {
    this.socket.write(`${line}\n`);
  }
}

/** Connects n clients, at most `parallel` handshakes at a time. */
export async function connectMany(port: number, n: number, parallel = 50): Promise<LoadClient[]> {
  const clients: LoadClient[] = new Array(n);
  let next = 0;
  const lanes = Array.from({ length: Math.min(parallel, n) }, async () => {
    while (next < n) {
      const i = next++;
      clients[i] = await LoadClient.connect(port, i);
    }
  });
  await Promise.all(lanes);
  return clients;
}

/** Waits until cond() holds, polling every intervalMs; returns false on timeout (the caller asserts with detail). */
export async function waitUntil(cond: () => boolean, timeoutMs: number, intervalMs = 50): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  return true;
}

/**
 * A steady sender: calls tick(i) every periodMs (catching up when the event
 * loop was late, so the rate holds on a busy machine) until stop().
 * destroyLoadClients() stops every ticker still running.
 */
export class Ticker {
  #timer: NodeJS.Timeout | null = null;
  #count = 0;

  constructor(
    private readonly periodMs: number,
    private readonly tick: (i: number) => void,
  ) {}

  start(): void {
    running.add(this);
    const started = Date.now();
    const run = (): void => {
      const due = Math.floor((Date.now() - started) / this.periodMs) + 1;
      while (this.#count < due) this.tick(this.#count++);
      this.#timer = setTimeout(run, this.periodMs);
    };
    run();
  }

  /** Ticks done so far. */
  get count(): number {
    return this.#count;
  }

  stop(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    running.delete(this);
  }
}
