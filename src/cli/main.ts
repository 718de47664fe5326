#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { ConfigError } from '../config/errors.js';
import type { ConfigOverrides } from '../config/load.js';
import { parseSetFlags } from '../config/overrides.js';
import { openApp } from './app-state.js';
import { CliError } from './cli-error.js';
import { connectionsCommand } from './connections.js';
import { reloadCommand } from './reload.js';
import { startCommand } from './start.js';
import { statusCommand } from './status.js';
import { stopCommand } from './stop.js';

const USAGE = `usage: gatehouse <command> [app] [options]

commands:
  start <app> [-d]        run the app (<app>: a directory with gatehouse.config.{json,js,mjs,ts}, or that file);
                          in the foreground, logging to the terminal; -d: as a daemon, logging to its log file
  stop <app> [-g]         stop every process now; -g: gracefully (finish in-flight events, deliver output)
  restart <app> [-d]      stop gracefully, then start
  reload <app>            replace the business workers (new code); gateways and client connections stay
  status <app>            one row per process [--json] [--watch]
  connections <app>       one row per client connection [--json] [--limit N]
  register                a standalone register [--host H] [--port N] [--secret-key K]

options (start, restart; the others use them to find the app's run directory):
  --gateways N            gateway processes (config gateway.count)
  --workers N             business-worker processes (config worker.count)
  --threads N             pool threads per worker process (config worker.threads)
  --run-dir DIR           directory for sockets and pid files (config runDir)
  --log-level L           trace|debug|info|warn|error|fatal|silent (config logLevel)
  --engine E              start, restart: gateway engine auto|native|js (config engine)
  --set key.path=value    any setting (repeatable), e.g. --set worker.processTimeout=5000
  -h, --help              this text`;

const CONFIG_FLAGS = ['gateways', 'workers', 'threads', 'run-dir', 'log-level', 'set'];
/** Which flags each command accepts besides the configuration ones. */
const COMMAND_FLAGS: Record<string, string[]> = {
  start: ['daemon', 'daemon-child', 'engine'],
  stop: ['graceful'],
  restart: ['daemon', 'engine'],
  reload: [],
  status: ['json', 'watch'],
  connections: ['json', 'limit'],
};

function count(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new CliError(`${flag} must be a non-negative integer (got "${value}")`, 2);
  return n;
}

async function main(argv: string[]): Promise<void> {
  if (argv[0] === 'register') {
    // The register parses its own flags.
    const { registerCommand } = await import('./register.js');
    await registerCommand(argv.slice(1));
    return;
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        gateways: { type: 'string' },
        workers: { type: 'string' },
        threads: { type: 'string' },
        'run-dir': { type: 'string' },
        'log-level': { type: 'string' },
        engine: { type: 'string' },
        set: { type: 'string', multiple: true },
        daemon: { type: 'boolean', short: 'd' },
        'daemon-child': { type: 'boolean' },
        graceful: { type: 'boolean', short: 'g' },
        json: { type: 'boolean' },
        watch: { type: 'boolean' },
        limit: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new CliError(`${(err as Error).message}\n${USAGE}`, 2);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (positionals.length === 0) throw new CliError(`a command is needed\n${USAGE}`, 2);
  const [command, app, ...rest] = positionals as [string, string | undefined, ...string[]];
  const allowed = COMMAND_FLAGS[command];
  if (!allowed) throw new CliError(`unknown command "${command}"\n${USAGE}`, 2);
  if (!app) throw new CliError(`${command} needs an app: gatehouse ${command} <app>`, 2);
  if (rest.length > 0) throw new CliError(`unexpected arguments: ${rest.join(' ')}`, 2);
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined || key === 'help' || CONFIG_FLAGS.includes(key) || allowed.includes(key)) continue;
    throw new CliError(`option --${key} does not apply to "${command}"\n${USAGE}`, 2);
  }
  const limit = count(values.limit, '--limit');
  let overrides: ConfigOverrides;
  try {
    overrides = {
      gateways: count(values.gateways, '--gateways'),
      workers: count(values.workers, '--workers'),
      threads: count(values.threads, '--threads'),
      runDir: values['run-dir'],
      logLevel: values['log-level'] as ConfigOverrides['logLevel'],
      engine: values.engine,
      set: parseSetFlags(values.set ?? []),
    };
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(`bad configuration: ${err.message}`, 1);
    throw err;
  }
  // What a detached supervisor needs to see the same configuration.
  const passOn: string[] = [];
  for (const flag of CONFIG_FLAGS) {
    const v = values[flag as keyof typeof values];
    for (const item of Array.isArray(v) ? v : v === undefined ? [] : [v]) passOn.push(`--${flag}`, String(item));
  }
  if (values.engine !== undefined) passOn.push('--engine', values.engine);

  switch (command) {
    case 'start':
      await startCommand(app, overrides, { daemon: values.daemon === true, daemonChild: values['daemon-child'] === true, argv: passOn });
      return;
    case 'restart': {
      const config = await openApp(app, overrides);
      try {
        await stopCommand(config, true, { quiet: true });
        process.stdout.write(`gatehouse: ${config.name} stopped\n`);
      } catch (err) {
        if (!(err instanceof CliError && err.message.endsWith('is not running'))) throw err;
      }
      await startCommand(app, overrides, { daemon: values.daemon === true, daemonChild: false, argv: passOn });
      return;
    }
    case 'stop':
      await stopCommand(await openApp(app, overrides), values.graceful === true);
      return;
    case 'reload':
      await reloadCommand(await openApp(app, overrides));
      return;
    case 'status':
      await statusCommand(await openApp(app, overrides), { json: values.json === true, watch: values.watch === true });
      return;
    case 'connections':
      await connectionsCommand(await openApp(app, overrides), { json: values.json === true, limit });
      return;
  }
}

main(process.argv.slice(2)).then(
  () => {
    // A foreground supervisor keeps running; every other command is done.
    if (process.argv[2] !== 'start' && process.argv[2] !== 'restart' && process.argv[2] !== 'register') process.exit(0);
    else if (process.argv.includes('-d') || process.argv.includes('--daemon')) process.exit(0);
  },
  (err: unknown) => {
    if (err instanceof CliError) {
      process.stderr.write(`gatehouse: ${err.message}\n`);
      process.exit(err.exitCode);
    }
    if (err instanceof ConfigError) {
      process.stderr.write(`gatehouse: bad configuration: ${err.message}\n`);
      process.exit(1);
    }
    process.stderr.write(`gatehouse: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
