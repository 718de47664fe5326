import { pino, type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';
import { chooseLogFormat, outputFacts, type LogFormat } from './format.js';

export type { Logger };
export { chooseLogFormat, ENV_LOG_PRETTY, type LogFormat, type OutputFacts } from './format.js';

/** The process roles that log; each line carries one as `role`. */
export type LogRole = 'supervisor' | 'gateway' | 'worker' | 'register' | 'thread' | 'cli';

export interface LoggerOptions {
  /**
   * Where the lines go. A file descriptor (default 1, stdout) is pretty or JSON
   * by chooseLogFormat; a file path or a stream always gets JSON lines.
   */
  destination?: number | string | DestinationStream;
}

/**
 * One root logger per process and destination; every role's logger is a child
 * of it, so a process that logs as two roles (a worker and its threads' watchdog,
 * the CLI and the supervisor) shares one output and one write order.
 */
const roots = new Map<string, Logger>();

function prettyStream(fd: number): DestinationStream {
  return pretty({
    destination: fd,
    // Synchronous, like the JSON destination: lines written just before
    // process.exit are not lost.
    sync: true,
    colorize: outputFacts(fd).isTTY,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'hostname,role,index',
    messageFormat: (log, messageKey) => `${String(log.role ?? '')}${log.index !== undefined ? `-${String(log.index)}` : ''} ${String(log[messageKey] ?? '')}`,
  });
}

/**
 * A log write that fails (disk full, a terminal gone) must not take a process
 * holding thousands of connections down with it: the failure is said once on
 * stderr and later lines are dropped by the destination. (A closed pipe,
 * EPIPE, is already swallowed by pino's and pino-pretty's destinations.)
 */
function keepServingWhenLoggingFails(stream: DestinationStream): void {
  let reported = false;
  (stream as unknown as NodeJS.EventEmitter).on('error', (err: Error) => {
    if (reported) return;
    reported = true;
    try {
      process.stderr.write(`gatehouse: writing the log failed, later lines may be lost: ${err.message}\n`);
    } catch {
      // stderr is gone too: nothing left to tell.
    }
  });
}

function rootFor(destination: NonNullable<LoggerOptions['destination']>): Logger {
  if (typeof destination === 'object') return pino({ level: 'trace', base: { pid: process.pid } }, destination);
  const format: LogFormat = typeof destination === 'string' ? 'json' : chooseLogFormat(outputFacts(destination));
  const key = `${typeof destination}:${destination}:${format}`;
  let root = roots.get(key);
  if (!root) {
    const stream =
      format === 'pretty'
        ? prettyStream(destination as number)
        : pino.destination(typeof destination === 'string' ? { dest: destination, sync: true, mkdir: true } : { dest: destination, sync: true });
    keepServingWhenLoggingFails(stream);
    // The root passes everything; each role's child has the configured level.
    root = pino({ level: 'trace', base: { pid: process.pid } }, stream);
    roots.set(key, root);
  }
  return root;
}

/**
 * The logger of one process role, with `role` and `pid` (and whatever `fields`
 * add, such as `index`) on every line. JSON lines by default, so the
 * supervisor, a log file or a log shipper can read them; pretty lines on a
 * terminal (see chooseLogFormat).
 */
export function createLogger(
  role: LogRole | (string & {}),
  fields: Record<string, unknown> = {},
  level = process.env.GATEHOUSE_LOG_LEVEL ?? 'info',
  options: LoggerOptions = {},
): Logger {
  return rootFor(options.destination ?? 1).child({ role, ...fields }, { level });
}
