import { appendFileSync } from 'node:fs';
import { threadId } from 'node:worker_threads';

/**
 * Hop timestamps for the round-trip breakdown in docs/worker.md (bench only).
 * Off unless GATEHOUSE_HOP_TRACE names a file: then every hop(name) records the
 * monotonic clock (shared by every process and thread of the machine), and the
 * records are appended to that file once a second and at exit.
 */
const file = process.env.GATEHOUSE_HOP_TRACE ?? '';
export const hopTraceOn = file !== '';
let lines: string[] = [];

function flush(): void {
  if (lines.length === 0) return;
  const text = lines.join('');
  lines = [];
  appendFileSync(file, text);
}

if (hopTraceOn) {
  setInterval(flush, 1000).unref();
  process.on('exit', flush);
}

export function hop(name: string): void {
  if (!hopTraceOn) return;
  lines.push(`${process.hrtime.bigint()} ${process.pid}/${threadId} ${name}\n`);
}
