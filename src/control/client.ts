import { createConnection } from 'node:net';
import type { ControlResponse } from './protocol.js';

/** The control socket could not be reached or did not answer in time (the process is gone, stuck or starting). */
export class ControlUnreachableError extends Error {
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(`${path}: ${reason}`);
    this.name = 'ControlUnreachableError';
  }
}

/** The process answered with ok:false. */
export class ControlCommandError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ControlCommandError';
  }
}

let nextId = 1;

/**
 * Sends one request on a control socket and resolves with its result. Rejects
 * with ControlUnreachableError when nobody answers (no socket, refused,
 * timeout, closed early) and with ControlCommandError when the process refused.
 */
export function controlRequest(path: string, cmd: string, args: Record<string, unknown> = {}, timeoutMs = 3000): Promise<unknown> {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    let settled = false;
    let buffered = '';
    const socket = createConnection(path);
    const finish = (err: Error | null, result?: unknown): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(result);
    };
    const timer = setTimeout(() => finish(new ControlUnreachableError(path, `no answer to "${cmd}" within ${timeoutMs} ms`)), timeoutMs);
    socket.setEncoding('utf8');
    socket.once('connect', () => socket.write(`${JSON.stringify({ ...args, id, cmd })}\n`));
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        let response: ControlResponse;
        try {
          response = JSON.parse(line) as ControlResponse;
        } catch {
          finish(new ControlUnreachableError(path, `answered something that is not JSON: ${line.slice(0, 200)}`));
          return;
        }
        if (response.id !== id && response.id !== 0) continue;
        if (response.ok) finish(null, response.result);
        else finish(new ControlCommandError(response.error));
      }
    });
    socket.once('error', (err: NodeJS.ErrnoException) => finish(new ControlUnreachableError(path, err.code ?? err.message)));
    socket.once('close', () => finish(new ControlUnreachableError(path, `closed before answering "${cmd}"`)));
  });
}
