// The kernel's ephemeral port range bounds how many connections one source
// address can open to one server address: the loaders bind a source address
// with IP_BIND_ADDRESS_NO_PORT and the kernel picks the port at connect, from
// net.ipv4.ip_local_port_range (Debian's default, 32768–60999, gives 28,232).
// The loaders spread over 127.0.0.0/8 (`perSource` connections per address),
// so the default range is enough unless a run asks for more per address; then
// the range is widened where this process may write it (root, a writable
// /proc/sys), and put back when the run ends. Where it may not, the loaders
// open as many per address as the range allows (more addresses: 127.0.0.0/8
// has 16 million), and the run's results say so.
import { readFileSync, writeFileSync } from 'node:fs';

export const PORT_RANGE_FILE = '/proc/sys/net/ipv4/ip_local_port_range';
/** The widest range asked for: the ports below 1024 stay for privileged servers. */
export const WIDEST = [1024, 65535];
/** Ports per address kept spare: the prober's, a reconnect's, TIME_WAIT left by an earlier run. */
const SPARE = 100;

function read(file) {
  const text = readFileSync(file, 'utf8').trim();
  const [lo, hi] = text.split(/\s+/).map(Number);
  if (!Number.isInteger(lo) || !Number.isInteger(hi) || lo > hi) throw new Error(`${file}: not a port range: ${text}`);
  return [lo, hi];
}

/**
 * Makes room for `perSource` connections from one source address to one
 * server address. Returns what was done, for the results: the range before
 * and after, whether it was widened (then `restorePortRange(state)` puts it back), and the
 * connections per source address the loaders should use.
 */
export function ensurePortRange(perSource, { file = PORT_RANGE_FILE, write = writeFileSync } = {}) {
  const before = read(file);
  const width = (r) => r[1] - r[0] + 1;
  const state = { file, before, after: before, widened: false, perSource, note: null };
  if (width(before) >= perSource + SPARE) return state;
  const wanted = [Math.min(before[0], WIDEST[0]), Math.max(before[1], WIDEST[1])];
  try {
    write(file, `${wanted[0]}\t${wanted[1]}\n`);
    state.after = read(file);
    state.widened = true;
    state.note = `ip_local_port_range widened from ${before.join('–')} to ${state.after.join('–')} for ${perSource} connections per source address (put back when the run ends)`;
  } catch (err) {
    state.note = `ip_local_port_range ${before.join('–')} is too narrow for ${perSource} connections per source address and could not be widened (${err.code ?? err.message})`;
  }
  if (width(state.after) < perSource + SPARE) {
    state.perSource = Math.max(1, width(state.after) - SPARE);
    state.note += `; the loaders open ${state.perSource} per address instead`;
  }
  return state;
}

/** Puts back a range `ensurePortRange` widened (a no-op otherwise; safe to call twice). */
export function restorePortRange(state) {
  if (!state?.widened) return;
  try {
    writeFileSync(state.file, `${state.before[0]}\t${state.before[1]}\n`);
    state.widened = false;
  } catch (err) {
    console.error(`bench: could not put ip_local_port_range back to ${state.before.join('–')}: ${err.message}`);
  }
}
