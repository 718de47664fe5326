// What the kernel says about a run, machine-wide (the network namespace):
// listen-queue overflows and SYN cookies (a client can believe it is
// connected when the server's accept queue overflowed and it never saw the
// connection), and the memory TCP sockets take.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** TcpExt counters of /proc/net/netstat (what `nstat` shows as TcpExt*). */
export function tcpExt() {
  const lines = readFileSync('/proc/net/netstat', 'utf8').split('\n');
  for (let i = 0; i + 1 < lines.length; i++) {
    if (!lines[i].startsWith('TcpExt:') || !lines[i + 1].startsWith('TcpExt:')) continue;
    const names = lines[i].split(/\s+/);
    const values = lines[i + 1].split(/\s+/).map(Number);
    const get = (name) => values[names.indexOf(name)] ?? 0;
    return {
      listenOverflows: get('ListenOverflows'),
      listenDrops: get('ListenDrops'),
      syncookiesSent: get('SyncookiesSent'),
      syncookiesRecv: get('SyncookiesRecv'),
      syncookiesFailed: get('SyncookiesFailed'),
    };
  }
  throw new Error('no TcpExt lines in /proc/net/netstat');
}

/**
 * Kernel memory behind sockets: TCP sockets in use and the pages their
 * buffers hold (/proc/net/sockstat), and the slab (/proc/meminfo), where the
 * socket structures themselves live.
 */
export function socketMemory() {
  const tcp = /^TCP: inuse (\d+) orphan \d+ tw \d+ alloc (\d+) mem (\d+)$/m.exec(readFileSync('/proc/net/sockstat', 'utf8'));
  const slab = /^Slab:\s+(\d+) kB$/m.exec(readFileSync('/proc/meminfo', 'utf8'));
  if (!tcp || !slab) throw new Error('cannot read /proc/net/sockstat or /proc/meminfo');
  return { tcpInUse: Number(tcp[1]), tcpAlloc: Number(tcp[2]), tcpBufferBytes: Number(tcp[3]) * 4096, slabBytes: Number(slab[1]) * 1024 };
}

/**
 * Handshakes the kernel dropped on the listening socket(s) of `port`: the
 * socket's own drop counter (`ss -m`, skmem `d`), which a listen overflow
 * bumps together with TcpExtListenOverflows — but only for this listener, so
 * other work on the machine cannot move it.
 */
export function listenerDrops(port) {
  const out = execFileSync('ss', ['-ltmnH', `sport = :${port}`], { encoding: 'utf8' });
  let drops = 0;
  for (const m of out.matchAll(/skmem:\([^)]*\bd(\d+)\)/g)) drops += Number(m[1]);
  return drops;
}

/** after − before, field by field. */
export function delta(before, after) {
  return Object.fromEntries(Object.keys(after).map((k) => [k, after[k] - before[k]]));
}
