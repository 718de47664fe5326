import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Pid files in the run directory: `supervisor.pid` and `<role>-<index>.pid`
 * (`register.pid`). Each child writes its own at start and removes it at exit
 * only if it still names its own pid: a reloaded worker generation reuses its
 * index, and the draining one must not remove its successor's file.
 */
export function pidFilePath(runDir: string, name: string): string {
  return join(runDir, `${name}.pid`);
}

export function writePidFile(runDir: string, name: string, pid = process.pid): void {
  writeFileSync(pidFilePath(runDir, name), `${pid}\n`, { mode: 0o600 });
}

export function readPidFile(runDir: string, name: string): number | null {
  let text: string;
  try {
    text = readFileSync(pidFilePath(runDir, name), 'utf8');
  } catch {
    return null;
  }
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

/** Removes `<name>.pid` if it names `pid` (default: this process). */
export function removeOwnPidFile(runDir: string, name: string, pid = process.pid): void {
  if (readPidFile(runDir, name) === pid) rmSync(pidFilePath(runDir, name), { force: true });
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: it exists but belongs to someone else — not one of ours, but alive.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A pid file left by a crash may name a pid the system gave to something
  // else since: on Linux, only a Node process counts as ours.
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.includes('node') || cmdline.includes('gatehouse');
  } catch {
    return true; // no /proc (not Linux) or a zombie: trust the signal check
  }
}

export interface PidEntry {
  /** `supervisor`, `gateway-0`, `worker-1`, `register`… */
  name: string;
  role: string;
  index: number | null;
  pid: number;
  alive: boolean;
}

/** Every pid file of the run directory, the supervisor first, then by role and index. */
export function listPidFiles(runDir: string): PidEntry[] {
  let names: string[];
  try {
    names = readdirSync(runDir);
  } catch {
    return [];
  }
  const out: PidEntry[] = [];
  for (const file of names) {
    if (!file.endsWith('.pid')) continue;
    const name = file.slice(0, -4);
    const pid = readPidFile(runDir, name);
    if (pid === null) continue;
    const m = /^(.*)-(\d+)$/.exec(name);
    out.push({ name, role: m ? m[1]! : name, index: m ? Number(m[2]) : null, pid, alive: isAlive(pid) });
  }
  const rank = (role: string): number => ['supervisor', 'register', 'gateway', 'worker'].indexOf(role) >>> 0;
  return out.sort((a, b) => rank(a.role) - rank(b.role) || (a.index ?? 0) - (b.index ?? 0) || a.name.localeCompare(b.name));
}
