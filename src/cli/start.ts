import { existsSync } from 'node:fs';
import { ConfigError } from '../config/errors.js';
import { loadConfig, type ConfigOverrides } from '../config/load.js';
import { createLogger } from '../log/logger.js';
import { Supervisor } from '../supervisor/supervisor.js';

/**
 * `gatehouse start <app>`: runs the supervisor in the foreground until SIGINT or
 * SIGTERM, logging to the terminal.
 */
export async function startCommand(app: string, overrides: ConfigOverrides): Promise<void> {
  const config = await loadConfig(app, overrides);
  if (!existsSync(config.events)) throw new ConfigError(`events module ${config.events} does not exist`);
  const log = createLogger('supervisor', { app: config.name }, config.logLevel);
  const supervisor = new Supervisor(config, log);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    supervisor.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  log.info({ runDir: config.runDir, gateways: config.gateway.count, workers: config.worker.count, threads: config.worker.threads }, 'starting');
  await supervisor.start();
}
