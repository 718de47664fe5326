/**
 * Entry of the embedded register process, forked by the supervisor (first,
 * when register.embedded) with GATEHOUSE_ROLE=register and
 * GATEHOUSE_CONFIG_FILE. Listens on register.host:register.port — or on the
 * port in GATEHOUSE_REGISTER_BIND_PORT: a restarted register takes the port its
 * predecessor bound, so the addresses gateways and workers were given stay
 * right — then sends {type:'ready', role:'register', address}. Like every
 * child it has a pid file (`register.pid`) and a control socket
 * (`register.ctl`, `status`/`stop`), and keeps serving when the supervisor
 * dies (src/supervisor/child-runtime.ts).
 */
import { readFileSync } from 'node:fs';
import type { ResolvedConfig } from '../config/types.js';
import { createLogger } from '../log/logger.js';
import { IMMEDIATE_STOP_MS, exitOnUncaughtErrors, startChildRuntime } from '../supervisor/child-runtime.js';
import { ENV_CONFIG_FILE, ENV_ROLE, type RegisterReadyMessage, type SupervisorToChild } from '../supervisor/ipc.js';
import { ENV_REGISTER_BIND_PORT } from './bind-port.js';
import { RegisterServer } from './server.js';


function readConfig(): ResolvedConfig {
  const file = process.env[ENV_CONFIG_FILE];
  if (process.env[ENV_ROLE] !== 'register' || !file) {
    throw new Error('this is the register process entry: run "gatehouse start <app>" or "gatehouse register", not this file');
  }
  return JSON.parse(readFileSync(file, 'utf8')) as ResolvedConfig;
}

async function main(): Promise<void> {
  const config = readConfig();
  const logger = createLogger('register', {}, process.env.GATEHOUSE_LOG_LEVEL ?? config.logLevel);
  exitOnUncaughtErrors(logger);
  const bindPort = process.env[ENV_REGISTER_BIND_PORT];
  const port = bindPort !== undefined && bindPort !== '' ? Number(bindPort) : config.register.port;
  const server = new RegisterServer({ secretKey: config.secretKey, logger });
  const address = await server.listen(config.register.host, port);

  const runtime = startChildRuntime({
    runDir: config.runDir,
    role: 'register',
    index: null,
    logger,
    stopTimeout: config.stopTimeout,
    status: () => {
      const s = server.stats();
      // Its messages are announcements in and join/leave pushes out; it handles no client events.
      return {
        connections: s.connections,
        messagesIn: s.announces,
        messagesOut: s.joins + s.leaves,
        sendFailures: s.slowSubscribers,
        events: 0,
        eventsPerSecond: 0,
        engine: null,
        details: { address, ...s, gatewayList: server.gateways() },
      };
    },
    stop: () => server.close(),
  });
  process.on('message', (msg: SupervisorToChild) => {
    if (typeof msg !== 'object' || msg === null || msg.type !== 'stop') return;
    runtime.stop({ graceful: msg.graceful === true, deadlineMs: msg.deadlineMs ?? IMMEDIATE_STOP_MS }, 'stop requested by the supervisor');
  });
  try {
    await runtime.startControl();
  } catch (err) {
    // The register works without its control socket; `status` just cannot list it.
    logger.warn({ err: (err as Error).message }, 'register control socket not available');
  }
  const ready: RegisterReadyMessage = { type: 'ready', role: 'register', address };
  if (process.connected) process.send?.(ready);
}

main().catch((err: unknown) => {
  createLogger('register').fatal({ err: (err as Error).message }, 'register failed to start');
  process.exit(1);
});
