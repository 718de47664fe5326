/**
 * The client side of a connect storm, run as its own process (one process may
 * hold 20,000 open files here, so the gateway and its 10,000+ clients cannot
 * share one): `node storm-clients.js <port> <clients> <rate per s> <broadcast
 * delay ms> <deadline ms> [<send 1|0> <address block>]`.
 *
 * Opens the clients at the given rate (paced on the clock, not by waiting for
 * handshakes), each bound to its own source address block (1,000 per address
 * in 127.<77 + block>.0.0/16, so ephemeral ports never run out), and expects a
 * line `welcome <id>` on each. `delay` ms after the last client completed its
 * TCP handshake, the first client sends `b storm` (unless send is 0: several
 * processes of one storm, one sender), and every client should then receive
 * `b storm`. Prints one JSON line (StormResult) and exits when all
 * are done or the deadline passes, whichever comes first: it never hangs.
 */
import { connect, type Socket } from 'node:net';

export interface StormResult {
  clients: number;
  /** Clients whose TCP handshake completed, that errored, that the server closed. */
  connected: number;
  errors: number;
  closed: number;
  welcomed: number;
  /** Clients that received the broadcast sent `delay` ms after the last handshake. */
  broadcastReceived: number;
  /** Connection rate achieved: clients / (last connect call − first), per second. */
  connectRate: number;
  /** Milliseconds from a client's connect() call to its welcome line, over the welcomed clients. */
  welcomeMs: { p50: number; p99: number; max: number };
  /** Milliseconds from the broadcast request to the last client's copy (or the deadline). */
  broadcastMs: number;
  /** Lines that were neither a welcome nor the broadcast (first few). */
  unexpected: string[];
  timedOut: boolean;
}

const [portArg, countArg, rateArg, delayArg, deadlineArg] = process.argv.slice(2);
const PORT = Number(portArg);
const COUNT = Number(countArg ?? 10_000);
const RATE = Number(rateArg ?? 20_000);
const DELAY_MS = Number(delayArg ?? 2000);
const DEADLINE_MS = Number(deadlineArg ?? 40_000);
const SEND = process.argv[7] !== '0';
const BLOCK = Number(process.argv[8] ?? 0);
const PER_ADDRESS = 1000;

interface Client {
  socket: Socket;
  startedAt: number;
  welcomeMs: number;
  connected: boolean;
  broadcast: boolean;
  buffer: string;
}

const clients: Client[] = [];
const started = performance.now();
let connected = 0;
let errors = 0;
let closed = 0;
let welcomed = 0;
let broadcastReceived = 0;
let lastConnectCall = 0;
let broadcastAt = 0;
let broadcastDoneAt = 0;
const unexpected: string[] = [];
let finished = false;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function finish(timedOut: boolean): void {
  if (finished) return;
  finished = true;
  const times = clients.filter((c) => c.welcomeMs >= 0).map((c) => c.welcomeMs).sort((a, b) => a - b);
  const round = (n: number) => Math.round(n * 10) / 10;
  const result: StormResult = {
    clients: COUNT,
    connected,
    errors,
    closed,
    welcomed,
    broadcastReceived,
    connectRate: Math.round(COUNT / Math.max(0.001, (lastConnectCall - started) / 1000)),
    welcomeMs: { p50: round(percentile(times, 50)), p99: round(percentile(times, 99)), max: round(times.at(-1) ?? NaN) },
    broadcastMs: broadcastAt === 0 ? NaN : round((broadcastDoneAt || performance.now()) - broadcastAt),
    unexpected,
    timedOut,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`, () => {
    for (const c of clients) c.socket.destroy();
    process.exit(0);
  });
}

function onLine(c: Client, line: string): void {
  if (line.startsWith('welcome ') && c.welcomeMs < 0) {
    c.welcomeMs = performance.now() - c.startedAt;
    welcomed++;
  } else if (line === 'b storm' && !c.broadcast) {
    c.broadcast = true;
    if (++broadcastReceived === COUNT) {
      broadcastDoneAt = performance.now();
      finish(false);
    }
  } else if (unexpected.length < 5) {
    unexpected.push(line.slice(0, 100));
  }
}

function open(i: number): void {
  const localAddress = `127.${77 + BLOCK}.${Math.floor(i / PER_ADDRESS) >> 8}.${(Math.floor(i / PER_ADDRESS) & 255) + 1}`;
  const socket = connect({ host: '127.0.0.1', port: PORT, localAddress, noDelay: true });
  const c: Client = { socket, startedAt: performance.now(), welcomeMs: -1, connected: false, broadcast: false, buffer: '' };
  clients.push(c);
  socket.setEncoding('utf8');
  socket.on('connect', () => {
    c.connected = true;
    if (++connected === COUNT && SEND) setTimeout(sendBroadcast, DELAY_MS);
  });
  socket.on('data', (chunk: string) => {
    c.buffer += chunk;
    let nl: number;
    while ((nl = c.buffer.indexOf('\n')) >= 0) {
      onLine(c, c.buffer.slice(0, nl));
      c.buffer = c.buffer.slice(nl + 1);
    }
  });
  socket.on('error', () => errors++);
  socket.on('close', () => closed++);
}

function sendBroadcast(): void {
  if (broadcastAt !== 0) return;
  broadcastAt = performance.now();
  clients[0]!.socket.write('b storm\n');
}

/** Opens what the rate allows by now; a timer tick is ~1 ms, so connections go out in small bursts. */
function pace(): void {
  const due = Math.min(COUNT, Math.floor(((performance.now() - started) / 1000) * RATE) + 1);
  while (clients.length < due) open(clients.length);
  if (clients.length < COUNT) setTimeout(pace, 1);
  else lastConnectCall = performance.now();
}

setTimeout(() => finish(true), DEADLINE_MS).unref();
// If the handshakes never all complete, broadcast anyway so the result says who got it.
setTimeout(() => {
  if (broadcastAt === 0 && clients.length > 0 && SEND) sendBroadcast();
}, Math.max(0, DEADLINE_MS - 8000)).unref();
pace();
