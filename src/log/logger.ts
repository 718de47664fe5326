import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * One logger per process, with the process's role in every line. JSON lines on
 * stdout, so the supervisor, a terminal or a log shipper can read them.
 */
export function createLogger(role: string, fields: Record<string, unknown> = {}, level = process.env.GATEHOUSE_LOG_LEVEL ?? 'info'): Logger {
  return pino({ level, base: { role, pid: process.pid, ...fields } });
}
