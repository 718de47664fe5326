#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { ConfigError } from '../config/errors.js';
import type { ConfigOverrides } from '../config/load.js';
import { startCommand } from './start.js';

const USAGE = `usage: gatehouse <command> [app] [options]

commands:
  start <app>     run the app's gateways and business workers in the foreground
                  (<app>: a directory with gatehouse.config.{json,js,mjs}, or that file)

options:
  --gateways N    gateway processes (default: config gateway.count, 1)
  --workers N     business-worker processes (default: config worker.count, 1)
  --threads N     pool threads per worker process (default: config worker.threads, cores)
  --run-dir DIR   directory for link sockets and pid files
  --log-level L   trace|debug|info|warn|error|fatal|silent
  -h, --help      this text`;

function fail(message: string, code = 2): never {
  process.stderr.write(`gatehouse: ${message}\n`);
  process.exit(code);
}

function count(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) fail(`${flag} must be a non-negative integer (got "${value}")`);
  return n;
}

async function main(argv: string[]): Promise<void> {
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
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    fail(`${(err as Error).message}\n${USAGE}`);
  }
  const { values, positionals } = parsed;
  if (values.help || positionals.length === 0) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(values.help ? 0 : 2);
  }
  const [command, app, ...rest] = positionals;
  if (rest.length > 0) fail(`unexpected arguments: ${rest.join(' ')}`);
  const overrides: ConfigOverrides = {
    gateways: count(values.gateways, '--gateways'),
    workers: count(values.workers, '--workers'),
    threads: count(values.threads, '--threads'),
    runDir: values['run-dir'],
    logLevel: values['log-level'] as ConfigOverrides['logLevel'],
  };
  switch (command) {
    case 'start':
      if (!app) fail('start needs an app: gatehouse start <app>');
      await startCommand(app, overrides);
      return;
    default:
      fail(`unknown command "${command}"\n${USAGE}`);
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof ConfigError) fail(`bad configuration: ${err.message}`, 1);
  process.stderr.write(`gatehouse: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
