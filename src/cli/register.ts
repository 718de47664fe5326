import { parseArgs } from 'node:util';
import { createLogger } from '../log/logger.js';
import { RegisterServer } from '../register/server.js';

const USAGE = `usage: gatehouse register [--host H] [--port N] [--secret-key K]

Runs a standalone register (gateway discovery) in the foreground; Ctrl-C stops it.
  --host H          address to listen on (default 127.0.0.1)
  --port N          port (default 1236; 0 lets the system choose)
  --secret-key K    shared secret of the apps using it (default: $GATEHOUSE_SECRET_KEY);
                    without one, only connections from this machine are accepted
  --log-level L     trace|debug|info|warn|error|fatal|silent (default info)`;

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

function misuse(message: string): never {
  process.stderr.write(`gatehouse: ${message}\n${USAGE}\n`);
  process.exit(2);
}

/** `gatehouse register [--host H] [--port N] [--secret-key K]`: a standalone register, until SIGINT/SIGTERM. */
export async function registerCommand(argv: string[]): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      allowPositionals: false,
      options: {
        host: { type: 'string' },
        port: { type: 'string' },
        'secret-key': { type: 'string' },
        'log-level': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    misuse((err as Error).message);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const host = values.host ?? '127.0.0.1';
  if (host === '') misuse('--host must not be empty');
  const portText = values.port ?? '1236';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) misuse(`--port must be an integer between 0 and 65535 (got "${portText}")`);
  const secretKey = values['secret-key'] ?? process.env.GATEHOUSE_SECRET_KEY ?? null;
  if (secretKey === '') misuse('--secret-key must not be empty');
  const level = values['log-level'] ?? process.env.GATEHOUSE_LOG_LEVEL ?? 'info';
  if (!LEVELS.includes(level)) misuse(`--log-level must be one of ${LEVELS.join(', ')} (got "${level}")`);

  const logger = createLogger('register', {}, level);
  if (secretKey === null) logger.warn('no secret key: only peers on this machine (loopback) will be accepted');
  const server = new RegisterServer({ secretKey, logger });
  try {
    await server.listen(host, port);
  } catch (err) {
    process.stderr.write(`gatehouse: ${(err as Error).message}\n`);
    process.exit(1);
  }
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      logger.info({ signal }, 'register stopping');
      void server.close().then(resolve);
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  process.exit(0);
}
