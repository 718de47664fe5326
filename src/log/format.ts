import { fstatSync } from 'node:fs';
import { isatty } from 'node:tty';
import { ConfigError } from '../config/errors.js';

/** Forces the log format: 1 (pretty) or 0 (JSON lines); unset: pretty only on a terminal. */
export const ENV_LOG_PRETTY = 'GATEHOUSE_LOG_PRETTY';

export type LogFormat = 'json' | 'pretty';

export interface OutputFacts {
  /** GATEHOUSE_LOG_PRETTY as found in the environment. */
  prettyVariable: string | undefined;
  /** The output is a terminal. */
  isTTY: boolean;
  /** The output is a regular file (a daemon's log file, `> file`). */
  isFile: boolean;
}

const YES = ['1', 'true', 'yes'];
const NO = ['0', 'false', 'no', ''];

/**
 * How this process should write its log lines. A file always gets JSON lines,
 * whatever GATEHOUSE_LOG_PRETTY says: a daemon's log must stay machine-readable
 * and colour codes in a file help no one. Otherwise the variable decides, and
 * without it a terminal gets pretty lines and anything else (a pipe, a log
 * shipper, the test runner) JSON.
 */
export function chooseLogFormat(facts: OutputFacts): LogFormat {
  const v = facts.prettyVariable?.trim().toLowerCase();
  // A wrong value is an error wherever the output goes, so it is found at once.
  if (v !== undefined && !YES.includes(v) && !NO.includes(v)) {
    throw new ConfigError(`${ENV_LOG_PRETTY} must be 1 (pretty) or 0 (JSON lines) (got ${JSON.stringify(facts.prettyVariable)})`);
  }
  if (facts.isFile) return 'json';
  if (v === undefined) return facts.isTTY ? 'pretty' : 'json';
  return YES.includes(v) ? 'pretty' : 'json';
}

/**
 * The facts about a file descriptor, read from the descriptor itself rather
 * than process.stdout: in a worker thread process.stdout is a pipe to the main
 * thread whatever fd 1 really is, and the log is written straight to fd 1.
 */
export function outputFacts(fd: number, env: NodeJS.ProcessEnv = process.env): OutputFacts {
  let isFile = false;
  try {
    isFile = fstatSync(fd).isFile();
  } catch {
    // A closed descriptor: logging will fail visibly on its own; format does not matter.
  }
  return { prettyVariable: env[ENV_LOG_PRETTY], isTTY: isatty(fd), isFile };
}
