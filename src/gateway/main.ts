/**
 * Entry of a gateway process, forked by the supervisor as a cluster worker
 * (scheduling policy SCHED_NONE): client listeners' listen() calls go through
 * the cluster primary, which shares one listening socket per port among the
 * gateways; the worker-link listeners are this process's own (exclusive).
 *
 * Lifecycle: start the engine → IPC 'ready' with the bound ports → on SIGTERM,
 * SIGINT or IPC {type:'stop'}: stop the engine and exit 0 (within ~2 s). An
 * uncaught error is logged as fatal and ends the process with 1; the
 * supervisor restarts it.
 */
import { readChildEnvironment } from '../config/child.js';
import { createLogger, type Logger } from '../log/logger.js';
import { newGatewayId } from '../protocol/client-id.js';
import type { GatewayReadyMessage, SupervisorToChild } from '../supervisor/ipc.js';
import type { Engine } from './engine.js';
import { JsEngine } from './engine-js/js-engine.js';

/** Stop budget: clients are closed and links given time to ack close events, then everything is destroyed. */
const STOP_GRACE_MS = 1000;
const STOP_TIMEOUT_MS = 1800;

async function main(): Promise<void> {
  const { index, config } = readChildEnvironment('gateway');
  const gatewayId = newGatewayId();
  const logger = createLogger('gateway', { index, gatewayId }, process.env.GATEHOUSE_LOG_LEVEL ?? config.logLevel);
  installCrashHandlers(logger);

  if (config.gateway.linkHost !== null && config.secretKey === null) {
    logger.fatal({ linkHost: config.gateway.linkHost }, 'gateway.linkHost is set but secretKey is not: refusing to accept worker links over TCP without a shared secret');
    process.exit(1);
  }

  const engine: Engine = new JsEngine({ config, gatewayId, index, logger });
  let stopping = false;
  const stop = (why: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ why }, 'gateway stopping');
    const forceExit = setTimeout(() => process.exit(0), STOP_TIMEOUT_MS + 500);
    forceExit.unref();
    engine.stop({ graceMs: STOP_GRACE_MS, timeoutMs: STOP_TIMEOUT_MS }).then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'error while stopping');
        process.exit(0);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('message', (msg: SupervisorToChild) => {
    if (msg?.type === 'stop') stop('stop requested by the supervisor');
  });
  // The supervisor gone means nobody will ever ask us to stop: stop now.
  process.on('disconnect', () => stop('supervisor disconnected'));

  const addresses = await engine.start();
  const ready: GatewayReadyMessage = {
    type: 'ready',
    role: 'gateway',
    gatewayId,
    linkPath: addresses.linkPath,
    linkPort: addresses.linkPort,
    listeners: addresses.listeners,
  };
  logger.info({ listeners: addresses.listeners, linkPath: addresses.linkPath, linkPort: addresses.linkPort }, 'gateway ready');
  process.send?.(ready);
}

function installCrashHandlers(logger: Logger): void {
  const die = (err: unknown, what: string): void => {
    logger.fatal({ err }, what);
    // pino writes synchronously to stdout by default: the line is out before exit.
    process.exit(1);
  };
  process.on('uncaughtException', (err) => die(err, 'uncaught exception'));
  process.on('unhandledRejection', (err) => die(err, 'unhandled promise rejection'));
}

main().catch((err: unknown) => {
  // Before the logger exists (bad environment) or when start() fails (port in use, bad codec…).
  const logger = createLogger('gateway');
  logger.fatal({ err }, 'gateway failed to start');
  process.exit(1);
});
