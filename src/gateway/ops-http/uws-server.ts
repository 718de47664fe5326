/** The operations endpoints on uWebSockets.js, typed by the few calls used (the package is optional). */
import { opsResponse, STATUS_LINES, type OpsSource } from './routes.js';
import type { OpsHttpServer } from './ops-http.js';

export interface UwsResponse {
  cork(cb: () => void): UwsResponse;
  writeStatus(status: string): UwsResponse;
  writeHeader(key: string, value: string): UwsResponse;
  end(body?: string): UwsResponse;
}

export interface UwsRequest {
  getMethod(): string;
  getUrl(): string;
  getQuery(): string | undefined;
}

export interface UwsApp {
  any(pattern: string, handler: (res: UwsResponse, req: UwsRequest) => void): UwsApp;
  listen(host: string, port: number, options: number, cb: (listenSocket: unknown) => void): UwsApp;
  close(): void;
}

/** The module's surface used here (the native binary's exports). */
export interface UwsModule {
  App(): UwsApp;
  us_socket_local_port(socket: unknown): number;
}

/** libusockets binds with SO_REUSEPORT unless told otherwise: two gateways must never share an ops port unnoticed. */
const LIBUS_LISTEN_EXCLUSIVE_PORT = 1;

export function listenUws(uws: UwsModule, host: string, port: number, source: OpsSource): Promise<OpsHttpServer> {
  const app = uws.App();
  app.any('/*', (res, req) => {
    // The request object is only valid inside this callback, and the answer is synchronous: no onAborted needed.
    const r = opsResponse(req.getMethod(), req.getUrl(), req.getQuery() ?? '', source);
    res.cork(() => {
      res.writeStatus(STATUS_LINES[r.status]).writeHeader('Content-Type', 'application/json').writeHeader('Cache-Control', 'no-store').end(r.body);
    });
  });
  return new Promise((resolve, reject) => {
    app.listen(host, port, LIBUS_LISTEN_EXCLUSIVE_PORT, (listenSocket) => {
      if (!listenSocket) {
        app.close();
        reject(new Error(`cannot listen on ${host}:${port} (in use, or not an address of this machine)`));
        return;
      }
      resolve({
        kind: 'uWebSockets.js',
        host,
        port: uws.us_socket_local_port(listenSocket),
        close: async () => app.close(),
      });
    });
  });
}
