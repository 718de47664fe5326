/**
 * Entry of a gateway process, forked by the supervisor as a cluster worker
 * (scheduling policy SCHED_NONE). The `engine` setting picks the engine
 * (select-engine.ts). Native engine, and the JS engine on Node 22.12+: each
 * gateway binds its own sockets with SO_REUSEPORT, on the ports the
 * supervisor hands over (supervisor/gateway-ports.ts). JS engine on older
 * Node: listen() goes through the cluster primary, which shares one listening
 * socket per port among the gateways. Either way the worker-link listeners are this
 * process's own (exclusive).
 *
 * Lifecycle: start the engine → pid file `gateway-<i>.pid`, control socket
 * `gateway-<i>.ctl` → IPC 'ready' with the bound ports. Stops on IPC
 * {type:'stop', graceful?, deadlineMs?}, on the control socket's `stop`, on
 * SIGTERM (graceful, stopTimeout) and — only when no supervisor is connected —
 * on SIGINT (immediate). It keeps serving when the supervisor dies. An uncaught
 * error is logged as fatal and ends the process with 1; the supervisor
 * restarts it.
 */
import { hostname } from 'node:os';
import { readChildEnvironment } from '../config/child.js';
import { EventRate } from '../control/event-rate.js';
import { createLogger } from '../log/logger.js';
import { newGatewayId } from '../protocol/client-id.js';
import { registerAddresses } from '../register/addresses.js';
import { GatewayAnnouncer } from '../register/announcer.js';
import type { GatewayAnnouncement } from '../register/messages.js';
import { gatewayPresence, usesRedis } from '../cluster/cluster-setup.js';
import type { GatewayPresence } from '../cluster/gateway-presence.js';
import { IMMEDIATE_STOP_MS, exitOnUncaughtErrors, startChildRuntime, type StopRequest } from '../supervisor/child-runtime.js';
import { ENV_GATEWAY_BIND_PORTS, withBindPorts } from '../supervisor/gateway-ports.js';
import type { GatewayReadyMessage, SupervisorToChild } from '../supervisor/ipc.js';
import type { Engine } from './engine.js';
import { nodeHasReusePort } from './engine-js/own-listening-socket.js';
import { createEngine, EngineSelectionError, engineSetting, selectEngine, type EngineChoice } from './select-engine.js';
import { startOpsHttp, type OpsHttpServer } from './ops-http/ops-http.js';

/** Immediate stop: clients are closed and links given this long to ack close events, then everything is destroyed. */
const IMMEDIATE_GRACE_MS = 1000;

/** The engine's grace (clients' in-flight events handled, output delivered) and hard timeout within a stop deadline. */
function engineStopBudget(request: StopRequest): { graceMs: number; timeoutMs: number } {
  const timeoutMs = Math.max(200, request.deadlineMs - 200);
  if (!request.graceful) return { graceMs: Math.min(IMMEDIATE_GRACE_MS, timeoutMs), timeoutMs };
  return { graceMs: Math.max(100, Math.floor(timeoutMs * 0.8)), timeoutMs };
}

async function main(): Promise<void> {
  const { index, config } = readChildEnvironment('gateway');
  const gatewayId = newGatewayId();
  const logger = createLogger('gateway', { index, gatewayId }, process.env.GATEHOUSE_LOG_LEVEL ?? config.logLevel);
  exitOnUncaughtErrors(logger);

  if (config.gateway.linkHost !== null && config.secretKey === null) {
    logger.fatal({ linkHost: config.gateway.linkHost }, 'gateway.linkHost is set but secretKey is not: refusing to accept worker links over TCP without a shared secret');
    process.exit(1);
  }

  let choice: EngineChoice;
  try {
    choice = selectEngine(config);
  } catch (err) {
    if (!(err instanceof EngineSelectionError)) throw err;
    logger.fatal({ engine: engineSetting(config) }, err.message);
    process.exit(1);
  }
  if (choice.kind === 'js' && choice.warning !== null) logger.warn({ engine: engineSetting(config) }, choice.warning);
  const engineKind = choice.kind;
  // Gateways that bind their own sockets (SO_REUSEPORT: native always, JS where Node has `reusePort`)
  // bind the ports gateway 0 got for port 0 (gateway-ports.ts).
  const ownSockets = engineKind === 'native' || nodeHasReusePort();
  const engineConfig = ownSockets ? withBindPorts(config, process.env[ENV_GATEWAY_BIND_PORTS]) : config;
  const engine: Engine = createEngine(choice, { config: engineConfig, gatewayId, index, logger });
  const rate = new EventRate(() => engine.stats().eventsAcked);
  /** Announces this gateway to the registers once it is ready; says leave when it stops. */
  let announcer: GatewayAnnouncer | null = null;
  /** This gateway's presence in the Redis directory (with `redis` set). */
  let presence: GatewayPresence | null = null;
  /** The operations HTTP endpoints (gateway.opsPort), closed first at stop so health checks see the drain. */
  let ops: OpsHttpServer | null = null;
  const runtime = startChildRuntime({
    runDir: config.runDir,
    role: 'gateway',
    index,
    logger,
    stopTimeout: config.stopTimeout,
    status: () => {
      const s = engine.stats();
      return {
        connections: s.connections,
        messagesIn: s.messagesIn,
        messagesOut: s.messagesOut,
        sendFailures: s.slowConsumerDrops + s.slowConsumerCloses + s.encodeErrors,
        events: s.eventsAcked,
        eventsPerSecond: rate.perSecond,
        engine: engineKind,
        details: { ...s, ...(presence !== null ? { redisAnnounced: presence.present, redisHeartbeats: presence.beats } : {}) },
      };
    },
    stop: async (request) => {
      // Leave the registers (and Redis) first, so remote workers stop expecting this gateway while it drains.
      const leaving = Promise.all([announcer?.stop(), presence?.stop()]);
      await ops?.close();
      await engine.stop(engineStopBudget(request));
      await leaving;
    },
    commands: {
      connections: (req) => {
        const limit = typeof req.limit === 'number' && req.limit >= 0 ? req.limit : undefined;
        return { gatewayId, index, total: engine.stats().connections, rows: engine.listConnections({ limit }) };
      },
    },
  });
  process.on('message', (msg: SupervisorToChild) => {
    if (typeof msg !== 'object' || msg === null || msg.type !== 'stop') return;
    const graceful = msg.graceful === true;
    runtime.stop({ graceful, deadlineMs: msg.deadlineMs ?? (graceful ? config.stopTimeout : IMMEDIATE_STOP_MS) }, 'stop requested by the supervisor');
  });

  const addresses = await engine.start();
  if (config.gateway.opsPort !== 0) {
    const source = { engine, engineKind };
    ops = await startOpsHttp({ host: config.gateway.opsHost, port: config.gateway.opsPort + index, source, logger });
  }
  await runtime.startControl();
  const ready: GatewayReadyMessage = {
    type: 'ready',
    role: 'gateway',
    gatewayId,
    engine: engineKind,
    linkPath: addresses.linkPath,
    linkPort: addresses.linkPort,
    listeners: addresses.listeners,
  };
  logger.info({ engine: engineKind, listeners: addresses.listeners, linkPath: addresses.linkPath, linkPort: addresses.linkPort }, 'gateway ready');
  if (process.connected) process.send?.(ready);
  const announcement: GatewayAnnouncement = {
    gatewayId,
    name: config.name,
    address: { tcp: addresses.linkPort === null ? null : tcpAddress(config.gateway.linkHost ?? '127.0.0.1', addresses.linkPort), unix: addresses.linkPath },
    host: hostname(),
    runDir: config.runDir,
  };
  const registers = registerAddresses(config);
  if (registers.length > 0 && !runtime.stopping) {
    announcer = new GatewayAnnouncer({ registers, secretKey: config.secretKey, logger, gateway: announcement });
    announcer.start();
  }
  if (usesRedis(config) && !runtime.stopping) {
    presence = gatewayPresence(config, announcement, logger);
    presence.start();
  }
}

function tcpAddress(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

main().catch((err: unknown) => {
  // Before the logger exists (bad environment) or when start() fails (port in use, bad codec…).
  const logger = createLogger('gateway');
  logger.fatal({ err }, 'gateway failed to start');
  process.exit(1);
});
