/**
 * Test clients for every client protocol, each a queue of received messages with
 * timeouts, so a missing message fails fast with what did arrive in the error.
 *
 * - StreamClient<T>: a TCP client with a splitter that cuts received bytes into
 *   messages; LineClient (text/json), FrameClient (length-prefixed) and
 *   NetstringClient (the custom-codec fixture) are StreamClients.
 * - RawClient: a TCP client that keeps every received byte.
 * - WsClient: a `ws` client; messages keep their text/binary kind; close code.
 *
 * Every client registers itself; closeAllClients() (call it in `after`) destroys
 * the ones still open, so a failing test never leaves a socket behind.
 */
import { connect, type Socket } from 'node:net';
import { WebSocket } from 'ws';

export const DEFAULT_TIMEOUT_MS = 5000;
export const HOST = '127.0.0.1';

interface Closable {
  destroy(): void;
}
const openClients = new Set<Closable>();

/** Destroys every client still open. */
export function closeAllClients(): void {
  for (const c of openClients) c.destroy();
  openClients.clear();
}

export interface CloseInfo {
  /** Milliseconds since the epoch when the connection closed. */
  at: number;
  hadError: boolean;
  /** WebSocket close code (1005/1006 when none was given); 0 for TCP. */
  code: number;
  reason: string;
}

function preview(value: unknown): string {
  if (Buffer.isBuffer(value)) return `<${value.length} bytes ${JSON.stringify(value.subarray(0, 64).toString('latin1'))}>`;
  if (typeof value === 'object' && value !== null && 'data' in value && 'isBinary' in value) {
    const m = value as WsMessage;
    return m.isBinary ? `binary${preview(m.data)}` : `text ${JSON.stringify(m.data)}`;
  }
  return JSON.stringify(value);
}

/**
 * A queue of received messages that a test reads with next(). A message that
 * matches `ignore` is dropped on arrival (for unrelated broadcasts).
 */
export class MessageQueue<T> {
  label: string;
  ignore: ((message: T) => boolean) | null = null;
  #queue: T[] = [];
  #history: T[] = [];
  #waiter: { resolve: (m: T) => void; reject: (e: Error) => void; timer: NodeJS.Timeout } | null = null;
  #closeInfo: CloseInfo | null = null;
  readonly #closedWaiters: ((info: CloseInfo) => void)[] = [];
  /** Resolves when the connection has closed (never rejects). */
  readonly closed: Promise<CloseInfo>;

  constructor(label: string) {
    this.label = label;
    this.closed = new Promise((resolve) => this.#closedWaiters.push(resolve));
  }

  get isClosed(): boolean {
    return this.#closeInfo !== null;
  }
  get closeInfo(): CloseInfo | null {
    return this.#closeInfo;
  }
  /** Every message received so far (including consumed ones, excluding ignored ones). */
  get history(): readonly T[] {
    return this.#history;
  }
  /** Messages received and not yet read. */
  get pending(): readonly T[] {
    return this.#queue;
  }

  protected push(message: T): void {
    if (this.ignore?.(message)) return;
    this.#history.push(message);
    if (this.#waiter !== null) {
      const w = this.#waiter;
      this.#waiter = null;
      clearTimeout(w.timer);
      w.resolve(message);
    } else {
      this.#queue.push(message);
    }
  }

  protected markClosed(info: Omit<CloseInfo, 'at'>): void {
    if (this.#closeInfo !== null) return;
    this.#closeInfo = { at: Date.now(), ...info };
    for (const r of this.#closedWaiters) r(this.#closeInfo);
    if (this.#waiter !== null) {
      const w = this.#waiter;
      this.#waiter = null;
      clearTimeout(w.timer);
      w.reject(new Error(`${this.label}: connection closed (${this.#describeClose()}) while waiting for a message; ${this.#received()}`));
    }
  }

  #describeClose(): string {
    const c = this.#closeInfo;
    if (c === null) return 'open';
    return c.code ? `code ${c.code}${c.reason ? ` "${c.reason}"` : ''}` : c.hadError ? 'with an error' : 'cleanly';
  }

  #received(): string {
    const last = this.#history.slice(-8).map(preview).join(', ');
    return `received ${this.#history.length} message(s) in all${last ? `, the last: ${last}` : ''}`;
  }

  /** The next message; fails after timeoutMs or when the connection closes first. */
  next(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<T> {
    if (this.#queue.length > 0) return Promise.resolve(this.#queue.shift()!);
    if (this.#waiter !== null) return Promise.reject(new Error(`${this.label}: next() called while another next() is waiting`));
    if (this.#closeInfo !== null) {
      return Promise.reject(new Error(`${this.label}: connection closed (${this.#describeClose()}) before the next message; ${this.#received()}`));
    }
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiter = null;
        reject(new Error(`${this.label}: no message within ${timeoutMs} ms; ${this.#received()}`));
      }, timeoutMs);
      this.#waiter = { resolve, reject, timer };
    });
  }

  /** The next n messages, in order; fails if they do not all arrive within timeoutMs in total. */
  async collect(n: number, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<T[]> {
    const deadline = Date.now() + timeoutMs;
    const out: T[] = [];
    while (out.length < n) {
      try {
        out.push(await this.next(Math.max(1, deadline - Date.now())));
      } catch (e) {
        throw new Error(`${this.label}: collect(${n}) got only ${out.length}: ${(e as Error).message}`);
      }
    }
    return out;
  }

  /** Fails if a message arrives within ms (prefer a marker message where one is possible). */
  async expectSilence(ms: number): Promise<void> {
    try {
      const m = await this.next(ms);
      throw new Error(`${this.label}: expected no message for ${ms} ms, got ${preview(m)}`);
    } catch (e) {
      if ((e as Error).message.includes('no message within')) return;
      throw e;
    }
  }

  /** Resolves with the close info, or fails if the connection is still open after timeoutMs. */
  async waitClosed(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<CloseInfo> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${this.label}: still open after ${timeoutMs} ms; ${this.#received()}`)), timeoutMs);
    });
    try {
      return await Promise.race([this.closed, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Cuts a byte stream into messages: returns the messages found and the bytes left over. */
export type Splitter<T> = (buffer: Buffer) => { messages: T[]; rest: Buffer };

export interface ConnectOptions {
  host?: string;
  label?: string;
  timeoutMs?: number;
}

function connectSocket(port: number, host: string, label: string, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`${label}: could not connect to ${host}:${port} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.setNoDelay(true);
      resolve(socket);
    });
    socket.once('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`${label}: connect to ${host}:${port} failed: ${e.message}`));
    });
  });
}

/** A TCP client whose received bytes are cut into messages by a splitter. */
export class StreamClient<T> extends MessageQueue<T> {
  readonly socket: Socket;
  #rest: Buffer = Buffer.alloc(0);
  readonly #split: Splitter<T>;

  constructor(socket: Socket, split: Splitter<T>, label: string) {
    super(label);
    this.socket = socket;
    this.#split = split;
    openClients.add(this);
    socket.on('data', (chunk: Buffer) => {
      const buf = this.#rest.length === 0 ? chunk : Buffer.concat([this.#rest, chunk]);
      const { messages, rest } = this.#split(buf);
      this.#rest = rest;
      for (const m of messages) this.push(m);
    });
    socket.on('error', () => {
      /* reported through close */
    });
    socket.on('close', (hadError) => {
      openClients.delete(this);
      this.markClosed({ hadError, code: 0, reason: '' });
    });
  }

  /** Bytes received after the last complete message. */
  get leftover(): Buffer {
    return this.#rest;
  }
  get localPort(): number {
    return this.socket.localPort!;
  }

  /** Writes bytes as they are. */
  write(data: string | Uint8Array): void {
    this.socket.write(data);
  }

  /** Half-closes and waits for the close (the server may still answer). */
  async end(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<CloseInfo> {
    this.socket.end();
    return this.waitClosed(timeoutMs);
  }

  /** Closes and waits until the socket is closed. */
  async close(): Promise<void> {
    if (this.isClosed) return;
    this.socket.destroy();
    await this.closed;
  }

  destroy(): void {
    this.socket.destroy();
  }
}

export const splitLines: Splitter<string> = (buf) => {
  const messages: string[] = [];
  let start = 0;
  for (;;) {
    const nl = buf.indexOf(0x0a, start);
    if (nl < 0) break;
    messages.push(buf.toString('utf8', start, nl));
    start = nl + 1;
  }
  return { messages, rest: start === 0 ? buf : buf.subarray(start) };
};

/** Newline-delimited client (text and json listeners). */
export class LineClient extends StreamClient<string> {
  static async connect(port: number, options: ConnectOptions = {}): Promise<LineClient> {
    const host = options.host ?? HOST;
    const label = options.label ?? `line client :${port}`;
    const socket = await connectSocket(port, host, label, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    return new LineClient(socket, splitLines, label);
  }

  /** Sends one line (a newline is added). */
  send(line: string): void {
    this.socket.write(line + '\n');
  }
  /** Sends a value as one JSON line. */
  sendJson(value: unknown): void {
    this.socket.write(JSON.stringify(value) + '\n');
  }
  async nextJson<J = any>(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<J> {
    const line = await this.next(timeoutMs);
    try {
      return JSON.parse(line) as J;
    } catch {
      throw new Error(`${this.label}: expected a JSON line, got ${JSON.stringify(line)}`);
    }
  }
}

export interface FrameFormat {
  headerSize: 2 | 4;
  endian: 'big' | 'little';
  lengthIncludesHeader: boolean;
}
export const DEFAULT_FRAME_FORMAT: FrameFormat = { headerSize: 4, endian: 'big', lengthIncludesHeader: false };

/** Encodes one length-prefixed frame. */
export function encodeFrame(payload: Uint8Array | string, format: FrameFormat = DEFAULT_FRAME_FORMAT): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : Buffer.from(payload);
  const header = Buffer.alloc(format.headerSize);
  const length = body.length + (format.lengthIncludesHeader ? format.headerSize : 0);
  if (format.headerSize === 2) {
    if (format.endian === 'big') header.writeUInt16BE(length);
    else header.writeUInt16LE(length);
  } else if (format.endian === 'big') header.writeUInt32BE(length);
  else header.writeUInt32LE(length);
  return Buffer.concat([header, body]);
}

export function frameSplitter(format: FrameFormat): Splitter<Buffer> {
  return (buf) => {
    const messages: Buffer[] = [];
    let offset = 0;
    for (;;) {
      if (buf.length - offset < format.headerSize) break;
      let length: number;
      if (format.headerSize === 2) length = format.endian === 'big' ? buf.readUInt16BE(offset) : buf.readUInt16LE(offset);
      else length = format.endian === 'big' ? buf.readUInt32BE(offset) : buf.readUInt32LE(offset);
      const bodyLength = format.lengthIncludesHeader ? length - format.headerSize : length;
      if (bodyLength < 0) throw new Error(`server sent a frame header with length ${length}, smaller than the header`);
      if (buf.length - offset - format.headerSize < bodyLength) break;
      messages.push(Buffer.from(buf.subarray(offset + format.headerSize, offset + format.headerSize + bodyLength)));
      offset += format.headerSize + bodyLength;
    }
    return { messages, rest: buf.subarray(offset) };
  };
}

/** Length-prefixed client (frame listeners), in any of the header variants. */
export class FrameClient extends StreamClient<Buffer> {
  readonly format: FrameFormat;

  constructor(socket: Socket, format: FrameFormat, label: string) {
    super(socket, frameSplitter(format), label);
    this.format = format;
  }

  static async connect(port: number, format: FrameFormat = DEFAULT_FRAME_FORMAT, options: ConnectOptions = {}): Promise<FrameClient> {
    const host = options.host ?? HOST;
    const label = options.label ?? `frame client :${port} (${format.headerSize} bytes, ${format.endian}${format.lengthIncludesHeader ? ', incl. header' : ''})`;
    const socket = await connectSocket(port, host, label, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    return new FrameClient(socket, format, label);
  }

  encode(payload: Uint8Array | string): Buffer {
    return encodeFrame(payload, this.format);
  }
  sendFrame(payload: Uint8Array | string): void {
    this.socket.write(this.encode(payload));
  }
}

/** Netstrings (`<decimal length>:<payload>,`), the format of the custom-codec fixture. */
export function encodeNetstring(payload: string | Uint8Array): Buffer {
  const body = Buffer.from(payload);
  return Buffer.concat([Buffer.from(`${body.length}:`), body, Buffer.from(',')]);
}

export const splitNetstrings: Splitter<string> = (buf) => {
  const messages: string[] = [];
  let offset = 0;
  for (;;) {
    const colon = buf.indexOf(0x3a, offset);
    if (colon < 0) break;
    const length = Number(buf.toString('latin1', offset, colon));
    if (!Number.isInteger(length)) throw new Error(`server sent a malformed netstring: ${JSON.stringify(buf.toString('latin1'))}`);
    const end = colon + 1 + length;
    if (buf.length < end + 1) break;
    messages.push(buf.toString('utf8', colon + 1, end));
    offset = end + 1;
  }
  return { messages, rest: buf.subarray(offset) };
};

export class NetstringClient extends StreamClient<string> {
  static async connect(port: number, options: ConnectOptions = {}): Promise<NetstringClient> {
    const host = options.host ?? HOST;
    const label = options.label ?? `netstring client :${port}`;
    const socket = await connectSocket(port, host, label, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    return new NetstringClient(socket, splitNetstrings, label);
  }
  sendNetstring(payload: string | Uint8Array): void {
    this.socket.write(encodeNetstring(payload));
  }
}

/** A TCP client that keeps every byte it receives (each chunk is one queued message). */
export class RawClient extends StreamClient<Buffer> {
  #all: Buffer[] = [];
  #watchers: { pred: (all: Buffer) => boolean; resolve: () => void }[] = [];

  static async connect(port: number, options: ConnectOptions = {}): Promise<RawClient> {
    const host = options.host ?? HOST;
    const label = options.label ?? `raw client :${port}`;
    const socket = await connectSocket(port, host, label, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    return new RawClient(socket, label);
  }

  constructor(socket: Socket, label: string) {
    const sink: { onData: (chunk: Buffer) => void } = { onData: () => {} };
    super(
      socket,
      (buf) => {
        sink.onData(buf);
        return { messages: [Buffer.from(buf)], rest: Buffer.alloc(0) };
      },
      label,
    );
    sink.onData = (chunk) => this.#onData(chunk);
  }

  #onData(chunk: Buffer): void {
    this.#all.push(Buffer.from(chunk));
    const all = this.received;
    this.#watchers = this.#watchers.filter((w) => {
      if (!w.pred(all)) return true;
      w.resolve();
      return false;
    });
  }

  /** Every byte received so far. */
  get received(): Buffer {
    return Buffer.concat(this.#all);
  }

  /** Waits until the bytes received so far satisfy pred. */
  async waitFor(pred: (all: Buffer) => boolean, what: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<Buffer> {
    if (pred(this.received)) return this.received;
    let timer: NodeJS.Timeout | undefined;
    const done = new Promise<void>((resolve) => this.#watchers.push({ pred, resolve }));
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`${this.label}: ${what} not received within ${timeoutMs} ms; got ${JSON.stringify(this.received.toString('latin1'))}${this.isClosed ? ' and the connection closed' : ''}`)),
        timeoutMs,
      );
    });
    try {
      await Promise.race([done, timeout]);
      return this.received;
    } finally {
      clearTimeout(timer);
    }
  }
}

export interface WsMessage {
  data: string | Buffer;
  isBinary: boolean;
}

export interface WsConnectOptions {
  label?: string;
  /**
   * Drops matching messages from the start. Set it here rather than after
   * connect(): messages that came with the handshake response are queued
   * before connect()'s caller resumes.
   */
  ignore?: (message: WsMessage) => boolean;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

/** A WebSocket client (the `ws` package). */
export class WsClient extends MessageQueue<WsMessage> {
  readonly ws: WebSocket;

  private constructor(ws: WebSocket, label: string) {
    super(label);
    this.ws = ws;
    openClients.add(this);
    ws.on('message', (data, isBinary) => {
      const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
      this.push({ data: isBinary ? buf : buf.toString('utf8'), isBinary });
    });
    ws.on('close', (code, reason) => {
      openClients.delete(this);
      this.markClosed({ hadError: false, code, reason: reason.toString('utf8') });
    });
    ws.on('error', () => {
      /* reported through close */
    });
  }

  /** Connects to ws://127.0.0.1:port + path (path may include a query string). */
  static connect(port: number, path = '/', options: WsConnectOptions = {}): Promise<WsClient> {
    const url = `ws://${HOST}:${port}${path}`;
    const label = options.label ?? `ws client ${url}`;
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { headers: options.headers, handshakeTimeout: timeoutMs });
      const client = new WsClient(ws, label);
      client.ignore = options.ignore ?? null;
      const fail = (e: Error): void => {
        openClients.delete(client);
        ws.terminate();
        reject(new Error(`${label}: handshake failed: ${e.message}`));
      };
      ws.once('open', () => {
        ws.off('error', fail);
        resolve(client);
      });
      ws.once('error', fail);
    });
  }

  get localPort(): number {
    return (this.ws as unknown as { _socket: Socket })._socket.localPort!;
  }

  send(data: string | Uint8Array): void {
    this.ws.send(data, { binary: typeof data !== 'string' });
  }

  /** The next message, which must be a text frame. */
  async nextText(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<string> {
    const m = await this.next(timeoutMs);
    if (m.isBinary) throw new Error(`${this.label}: expected a text frame, got a binary frame ${preview(m.data)}`);
    return m.data as string;
  }

  /** The next message, which must be a binary frame. */
  async nextBinary(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<Buffer> {
    const m = await this.next(timeoutMs);
    if (!m.isBinary) throw new Error(`${this.label}: expected a binary frame, got a text frame ${JSON.stringify(m.data)}`);
    return m.data as Buffer;
  }

  async nextJson<J = any>(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<J> {
    const text = await this.nextText(timeoutMs);
    try {
      return JSON.parse(text) as J;
    } catch {
      throw new Error(`${this.label}: expected JSON text, got ${JSON.stringify(text)}`);
    }
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    this.ws.close();
    const t = setTimeout(() => this.ws.terminate(), 1000);
    await this.closed;
    clearTimeout(t);
  }

  destroy(): void {
    this.ws.terminate();
  }
}

/** Waits ms milliseconds. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls fn until it returns a value accepted by ok, or fails after timeoutMs with the last value. */
export async function eventually<V>(fn: () => Promise<V>, ok: (v: V) => boolean, what: string, timeoutMs = DEFAULT_TIMEOUT_MS, intervalMs = 50): Promise<V> {
  const deadline = Date.now() + timeoutMs;
  let last: V | undefined;
  let lastError: unknown;
  for (;;) {
    try {
      last = await fn();
      lastError = undefined;
      if (ok(last)) return last;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() >= deadline) {
      const detail = lastError !== undefined ? `last error: ${(lastError as Error).message}` : `last value: ${JSON.stringify(last)}`;
      throw new Error(`${what}: not reached within ${timeoutMs} ms; ${detail}`);
    }
    await delay(intervalMs);
  }
}
