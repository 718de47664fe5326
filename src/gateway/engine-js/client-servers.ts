import { createServer as createHttpServer, type IncomingMessage } from 'node:http';
import { createServer as createNetServer, type Server, type Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { createStaticRoutes } from '../transport/static-routes.js';
import type { ClientListener } from './client-listener.js';
import { clientListenOptions } from './own-listening-socket.js';

export interface ClientServerHandlers {
  /** Whether a new client may come in now; WebSocket upgrades are answered 503 otherwise. */
  admit(listener: ClientListener): boolean;
  tcp(listener: ClientListener, socket: Socket): void;
  websocket(listener: ClientListener, ws: WebSocket, req: IncomingMessage, socket: Socket): void;
}

/**
 * The server of one client listener, not yet listening. text/json/frame/custom:
 * a net.Server. websocket: an http.Server answering plain GETs with the
 * listener's static routes (and /healthz) and handing upgrades to ws, with
 * per-message deflate off (the gateway writes pre-built frames; see
 * client-output.ts) and maxPayload = maxMessageSize (over it, ws closes with 1009).
 */
export async function createClientServer(listener: ClientListener, handlers: ClientServerHandlers): Promise<Server> {
  if (listener.protocol !== 'websocket') {
    return createNetServer({ noDelay: true }, (socket) => handlers.tcp(listener, socket));
  }
  const routes = await createStaticRoutes(listener.config.static);
  const server = createHttpServer(routes);
  const wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    maxPayload: listener.config.maxMessageSize,
    clientTracking: false,
  });
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    if (!handlers.admit(listener)) {
      socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => handlers.websocket(listener, ws, req, socket));
  });
  return server;
}

/**
 * Listens — on a socket of its own with SO_REUSEPORT where Node offers it,
 * else through the cluster primary's shared socket (own-listening-socket.ts)
 * — and resolves with the bound port. `backlog` is the kernel's accept queue: Node's default
 * (511) overflows in a connect storm (docs/worker.md, "Connect storms").
 */
export function listenClientServer(server: Server, host: string, port: number, backlog: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(clientListenOptions(host, port, backlog), () => {
      server.off('error', reject);
      resolve((server.address() as { port: number }).port);
    });
  });
}

/**
 * Stops accepting. Does not wait for the server's 'close': that comes only when
 * every connection it accepted is gone, and the engine closes those itself.
 * For HTTP, idle keep-alive connections are dropped too (upgraded sockets are
 * the engine's, not the HTTP server's).
 */
export function stopClientServer(server: Server): void {
  if (!server.listening) return;
  server.close();
  (server as Server & { closeIdleConnections?: () => void }).closeIdleConnections?.();
}
