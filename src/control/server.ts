import { existsSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { Logger } from '../log/logger.js';
import { MAX_CONTROL_LINE, type ControlRequest, type ControlResponse } from './protocol.js';

/** Handles one command; returns the result (JSON-serialisable) or throws an Error whose message is the answer's error. */
export type ControlHandler = (request: ControlRequest) => unknown;

export interface ControlServer {
  readonly path: string;
  /** Stops listening. Leaves the socket file alone when another process has since taken the path. */
  close(): Promise<void>;
}

/** Whether something answers on a Unix socket path (a live control server). */
function socketAnswers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/**
 * Listens on `path` for control requests. A stale socket file (nobody
 * answering) is replaced; a live one is replaced too when `takeOver` is set —
 * a reloaded worker generation takes its index's socket from the draining one.
 */
export async function startControlServer(
  path: string,
  handlers: Record<string, ControlHandler>,
  logger: Logger,
  options: { takeOver?: boolean } = {},
): Promise<ControlServer> {
  if (existsSync(path)) {
    if (!options.takeOver && (await socketAnswers(path))) throw new Error(`control socket ${path} is in use by another process`);
    rmSync(path, { force: true });
  }
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    socket.setEncoding('utf8');
    let buffered = '';
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        if (line.trim() !== '') void answer(socket, line);
      }
      if (buffered.length > MAX_CONTROL_LINE) {
        reply(socket, { id: 0, ok: false, error: `request longer than ${MAX_CONTROL_LINE} bytes` });
        socket.end();
      }
    });
  });

  async function answer(socket: Socket, line: string): Promise<void> {
    let request: ControlRequest;
    try {
      const parsed: unknown = JSON.parse(line);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('a request must be a JSON object');
      request = parsed as ControlRequest;
      if (!Number.isInteger(request.id)) throw new Error('a request needs an integer "id"');
      if (typeof request.cmd !== 'string') throw new Error('a request needs a string "cmd"');
    } catch (err) {
      reply(socket, { id: 0, ok: false, error: `bad request: ${(err as Error).message}` });
      return;
    }
    const handler = Object.hasOwn(handlers, request.cmd) ? handlers[request.cmd] : undefined;
    if (!handler) {
      reply(socket, { id: request.id, ok: false, error: `unknown command "${request.cmd}" (known: ${Object.keys(handlers).join(', ')})` });
      return;
    }
    try {
      const result = await handler(request);
      reply(socket, { id: request.id, ok: true, result: result ?? null });
    } catch (err) {
      logger.debug({ err, cmd: request.cmd }, 'control request failed');
      reply(socket, { id: request.id, ok: false, error: (err as Error).message ?? String(err) });
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (err) => logger.warn({ err, path }, 'control socket error'));
  // A control socket must never keep a process alive on its own.
  server.unref();
  return {
    path,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function reply(socket: Socket, response: ControlResponse): void {
  if (!socket.writable) return;
  socket.write(`${JSON.stringify(response)}\n`);
}
