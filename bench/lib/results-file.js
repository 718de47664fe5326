// Where a bench run writes its results: bench/results/<date>-<name>-<n>, n the
// first number no earlier run of that day took (whatever the extension), so
// every run keeps its own files and none is overwritten.
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const RESULTS_DIR = fileURLToPath(new URL('../results/', import.meta.url));

/** The path without extension for this run's files (append .md, .json), in `dir` (default bench/results). */
export function newResultBase(name, date = new Date().toISOString().slice(0, 10), dir = RESULTS_DIR) {
  mkdirSync(dir, { recursive: true });
  const taken = new Set(readdirSync(dir).map((f) => f.replace(/\.[^.]+$/, '')));
  let n = 1;
  while (taken.has(`${date}-${name}-${n}`)) n++;
  return join(dir, `${date}-${name}-${n}`);
}
