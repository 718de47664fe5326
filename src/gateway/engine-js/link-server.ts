import { chmod, rm } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface LinkServerOptions {
  /** Unix socket path for workers on this machine. */
  path: string;
  /** TCP address for workers on other machines, or null. */
  tcp: { host: string; port: number } | null;
}

/**
 * The worker-link listeners of one gateway: always a Unix socket, and TCP when
 * configured. Both listen with `exclusive: true`: in a cluster worker, a plain
 * listen() would go through the cluster primary and could be shared, but a
 * link listener belongs to this gateway alone.
 */
export class LinkServer {
  readonly #servers: Server[] = [];

  constructor(
    private readonly options: LinkServerOptions,
    private readonly onSocket: (socket: Socket, transport: 'unix' | 'tcp') => void,
  ) {}

  /** Listens on both; resolves with the TCP port actually bound (null without TCP). */
  async listen(): Promise<{ path: string; port: number | null }> {
    const { path, tcp } = this.options;
    await removeStaleSocket(path);
    const unix = createServer((socket) => this.onSocket(socket, 'unix'));
    this.#servers.push(unix);
    await listen(unix, { path, exclusive: true });
    // The run directory (0700) is the protection; the socket itself is owner-only too.
    await chmod(path, 0o600);
    let port: number | null = null;
    if (tcp !== null) {
      const server = createServer((socket) => this.onSocket(socket, 'tcp'));
      this.#servers.push(server);
      await listen(server, { host: tcp.host, port: tcp.port, exclusive: true });
      port = (server.address() as { port: number }).port;
    }
    return { path, port };
  }

  /** Stops accepting links; open links are closed by their owner (a server's 'close' would wait for them). */
  close(): void {
    for (const server of this.#servers) if (server.listening) server.close();
    this.#servers.length = 0;
  }
}

function listen(server: Server, options: { path?: string; host?: string; port?: number; exclusive: boolean }): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/**
 * A socket file left by a gateway that died is removed; one that a live process
 * still accepts on is not (another gateway with this index is running): error.
 */
async function removeStaleSocket(path: string): Promise<void> {
  const live = await new Promise<boolean>((resolve) => {
    const probe = connect({ path });
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
  if (live) throw new Error(`another process is already accepting worker links on ${path}`);
  await rm(path, { force: true });
}
