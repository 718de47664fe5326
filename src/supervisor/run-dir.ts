import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ResolvedConfig } from '../config/types.js';

/**
 * The run directory holds the worker-link sockets, the resolved configuration
 * and pid files. Unix-socket links carry no secret of their own, so the
 * directory (and its parent when we create it) must be enterable by its owner
 * alone: we create both with mode 0700 and refuse a directory that someone else
 * owns or that others can enter.
 */
export function prepareRunDir(runDir: string): void {
  const parent = dirname(runDir);
  // Recursive mkdir only where needed: Node's recursive mkdir can spin forever
  // under pseudo filesystems such as /proc.
  if (!existsSync(parent)) mkdirSync(parent, { recursive: true, mode: 0o700 });
  if (!existsSync(runDir)) mkdirSync(runDir, { mode: 0o700 });
  const st = lstatSync(runDir);
  if (!st.isDirectory()) throw new Error(`run directory ${runDir} is not a directory`);
  const uid = typeof process.getuid === 'function' ? process.getuid() : st.uid;
  if (st.uid !== uid) throw new Error(`run directory ${runDir} belongs to uid ${st.uid}, not to this user (${uid})`);
  if ((st.mode & 0o077) !== 0) chmodSync(runDir, 0o700);
}

export function configFilePath(runDir: string): string {
  return join(runDir, 'config.json');
}

export function supervisorPidPath(runDir: string): string {
  return join(runDir, 'supervisor.pid');
}

export function writeRunFiles(config: ResolvedConfig): string {
  const file = configFilePath(config.runDir);
  writeFileSync(file, JSON.stringify(config, null, 2), { mode: 0o600 });
  writeFileSync(supervisorPidPath(config.runDir), `${process.pid}\n`, { mode: 0o600 });
  return file;
}

/** Removes link sockets, control sockets and pid files left by this run; keeps the directory (and config.json, logs). */
export function cleanRunDir(runDir: string): void {
  let names: string[];
  try {
    names = readdirSync(runDir);
  } catch {
    return;
  }
  for (const name of names) {
    if (name.endsWith('.sock') || name.endsWith('.ctl') || name.endsWith('.pid')) rmSync(join(runDir, name), { force: true });
  }
}
