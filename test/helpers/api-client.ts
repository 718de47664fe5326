/**
 * A client of the "api" fixture app (test/fixtures/apps/api.ts): calls Gateway
 * API methods through the app and keeps every other line it receives (messages
 * pushed by other clients' calls) in order, for next().
 */
import { DEFAULT_TIMEOUT_MS, LineClient } from './clients.js';

interface Reply {
  id: number;
  result?: unknown;
  results?: unknown[];
  error?: string;
  [key: string]: unknown;
}

export class ApiClient {
  readonly line: LineClient;
  /** The client id, from the app's greeting. */
  readonly id: string;
  /** The first 12 characters of the id: the gateway that holds the client. */
  readonly gateway: string;
  readonly hello: { hello: string; gatewayId: string };
  #counter = 0;
  readonly #pushed: string[] = [];

  private constructor(line: LineClient, hello: { hello: string; gatewayId: string }) {
    this.line = line;
    this.hello = hello;
    this.id = hello.hello;
    this.gateway = hello.hello.slice(0, 12);
  }

  static async connect(port: number, label?: string, host?: string): Promise<ApiClient> {
    const line = await LineClient.connect(port, { label: label ?? `api client :${port}`, ...(host !== undefined ? { host } : {}) });
    const first = await line.next();
    let hello: { hello: string; gatewayId: string };
    try {
      hello = JSON.parse(first) as { hello: string; gatewayId: string };
    } catch {
      throw new Error(`${line.label}: expected the app's {"hello": clientId} greeting, got ${JSON.stringify(first)}`);
    }
    if (typeof hello.hello !== 'string') throw new Error(`${line.label}: greeting without a client id: ${first}`);
    const client = new ApiClient(line, hello);
    line.label = `api client ${client.id}`;
    return client;
  }

  /** Sends a raw command object and waits for the reply with its id. */
  async request(command: Record<string, unknown>, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<Reply> {
    const id = ++this.#counter;
    this.line.sendJson({ ...command, id });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      let text: string;
      try {
        text = await this.line.next(Math.max(1, deadline - Date.now()));
      } catch (e) {
        throw new Error(`no reply to ${JSON.stringify(command)}: ${(e as Error).message}`);
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = null;
      }
      if (typeof parsed === 'object' && parsed !== null && (parsed as Reply).id === id) return parsed as Reply;
      this.#pushed.push(text);
    }
  }

  /** Calls one Gateway API method and returns its result (throws the app's error). */
  async call<R = unknown>(method: string, ...args: unknown[]): Promise<R> {
    const reply = await this.request({ call: method, args });
    if (reply.error !== undefined) throw new Error(`${method}(${args.map((a) => JSON.stringify(a)).join(', ')}) failed: ${reply.error}`);
    return reply.result as R;
  }

  /** Calls several methods in order within one handler; returns their results. */
  async calls(...list: [string, ...unknown[]][]): Promise<unknown[]> {
    const reply = await this.request({ calls: list });
    if (reply.error !== undefined) throw new Error(`calls ${JSON.stringify(list)} failed: ${reply.error}`);
    return reply.results ?? [];
  }

  /** The next line pushed to this client (not a reply), in arrival order. */
  async next(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<string> {
    if (this.#pushed.length > 0) return this.#pushed.shift()!;
    return this.line.next(timeoutMs);
  }

  async collect(n: number, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<string[]> {
    const out: string[] = [];
    while (out.length < n && this.#pushed.length > 0) out.push(this.#pushed.shift()!);
    if (out.length < n) out.push(...(await this.line.collect(n - out.length, timeoutMs)));
    return out;
  }

  close(): Promise<void> {
    return this.line.close();
  }
}

/** Base64 argument that the api app turns into a Buffer. */
export function bytesArg(data: string | Uint8Array): { $bytes: string } {
  return { $bytes: Buffer.from(data).toString('base64') };
}
