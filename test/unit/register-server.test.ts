/**
 * The register: gateways announce, workers subscribe and get the list then
 * pushes (join, leave), authentication with the secret (and loopback-only
 * without one), the grace period after a lost connection, malformed input.
 */
import assert from 'node:assert/strict';
import { createConnection, type Socket } from 'node:net';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger } from '../../src/log/logger.js';
import { isLoopback, peerProof } from '../../src/register/auth.js';
import { GatewayAnnouncer, reachableTcpAddress } from '../../src/register/announcer.js';
import { GatewayDirectory } from '../../src/register/gateway-directory.js';
import type { GatewayAnnouncement } from '../../src/register/messages.js';
import { RegisterServer } from '../../src/register/server.js';

const logger = createLogger('test', {}, 'silent');
const cleanups: (() => Promise<unknown> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

const FAST = { pingMs: 200, firstRetryMs: 20, maxRetryMs: 100 };

function announcement(id: string, tcp: string | null = '127.0.0.1:7300'): GatewayAnnouncement {
  return { gatewayId: id, name: 'app', address: { tcp, unix: `/tmp/run-${id}/gateway-0.sock` }, host: 'machine-a', runDir: `/tmp/run-${id}` };
}

async function register(secretKey: string | null = 'k', graceMs = 3000): Promise<{ server: RegisterServer; address: string }> {
  const server = new RegisterServer({ secretKey, logger, graceMs });
  const address = await server.listen('127.0.0.1', 0);
  cleanups.push(() => server.close());
  return { server, address };
}

function announcer(registers: string[], gateway: GatewayAnnouncement, secretKey: string | null = 'k'): GatewayAnnouncer {
  const a = new GatewayAnnouncer({ registers, secretKey, logger, gateway, ...FAST });
  a.start();
  cleanups.push(() => a.stop());
  return a;
}

function directory(registers: string[], secretKey: string | null = 'k') {
  const events: string[] = [];
  const dir = new GatewayDirectory({
    registers,
    secretKey,
    logger,
    onJoin: (g) => events.push(`join ${g.gatewayId}`),
    onLeave: (g) => events.push(`leave ${g.gatewayId}`),
    ...FAST,
  });
  dir.start();
  cleanups.push(() => dir.stop());
  return { dir, events };
}

async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** A raw connection that collects the register's lines. */
function rawPeer(address: string): { socket: Socket; lines: Record<string, unknown>[]; closed: Promise<void> } {
  const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))];
  const socket = createConnection({ host, port });
  const lines: Record<string, unknown>[] = [];
  let buf = '';
  socket.setEncoding('utf8');
  socket.on('data', (c: string) => {
    buf += c;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      lines.push(JSON.parse(buf.slice(0, nl)) as Record<string, unknown>);
      buf = buf.slice(nl + 1);
    }
  });
  socket.on('error', () => {});
  const closed = new Promise<void>((r) => socket.once('close', () => r()));
  cleanups.push(() => void socket.destroy());
  return { socket, lines, closed };
}

test('a subscriber gets the full list, then a push when a gateway joins and when it leaves', async () => {
  const { server, address } = await register();
  announcer([address], announcement('aaaaaaaaaaa1'));
  await until(() => server.gateways().length === 1, 'the first announcement');
  const { dir, events } = directory([address]);
  await until(() => events.length === 1, 'the list');
  assert.deepEqual(events, ['join aaaaaaaaaaa1']);
  assert.deepEqual(dir.gateways(), [announcement('aaaaaaaaaaa1')]);

  const second = announcer([address], announcement('aaaaaaaaaaa2', '127.0.0.1:7301'));
  await until(() => events.length === 2, 'the join push');
  assert.equal(events[1], 'join aaaaaaaaaaa2');

  await second.stop(); // graceful: says leave, so the register forgets it at once (no grace period)
  await until(() => events.length === 3, 'the leave push', 1000);
  assert.equal(events[2], 'leave aaaaaaaaaaa2');
  assert.deepEqual(server.gateways().map((g) => g.gatewayId), ['aaaaaaaaaaa1']);
  assert.equal(server.stats().subscribers, 1);
});

/** A gateway speaking the protocol by hand: authenticated, then announcing `id`. */
async function rawGateway(address: string, id: string, secret = 'k') {
  const raw = rawPeer(address);
  await until(() => raw.lines.length === 1, 'hello');
  const nonce = Buffer.from(raw.lines[0]!.nonce as string, 'hex');
  const mine = Buffer.alloc(32, 7);
  raw.socket.write(`${JSON.stringify({ type: 'auth', version: 1, role: 'gateway', nonce: mine.toString('hex'), mac: peerProof(secret, 'gateway', nonce, mine).toString('hex') })}\n`);
  raw.socket.write(`${JSON.stringify({ type: 'announce', gateway: announcement(id) })}\n`);
  return raw;
}

test('a gateway whose connection is lost stays listed for the grace period, and is kept if it comes back in time', async () => {
  const { server, address } = await register('k', 1000);
  const { events } = directory([address]);
  const first = await rawGateway(address, 'bbbbbbbbbbb1');
  await until(() => events.includes('join bbbbbbbbbbb1'), 'join');
  first.socket.destroy(); // no leave: the process died, or the network broke
  await sleep(100);
  assert.equal(server.gateways().length, 1, 'still listed during the grace period');
  await until(() => events.includes('leave bbbbbbbbbbb1'), 'leave after the grace period', 4000);
  assert.equal(server.gateways().length, 0);

  // Lost, then back within the grace period (a network blip): no leave, no second join.
  const second = await rawGateway(address, 'bbbbbbbbbbb2');
  await until(() => events.includes('join bbbbbbbbbbb2'), 'join of the second gateway');
  second.socket.destroy();
  await sleep(100);
  await rawGateway(address, 'bbbbbbbbbbb2');
  await sleep(1500); // well past the grace period
  assert.deepEqual(events.filter((e) => e.endsWith('bbbbbbbbbbb2')), ['join bbbbbbbbbbb2']);
  assert.deepEqual(server.gateways().map((g) => g.gatewayId), ['bbbbbbbbbbb2']);
});

test('a wrong secret is refused on both sides, and the secret itself never travels', async () => {
  const { server, address } = await register('right');
  const { events } = directory([address], 'wrong');
  const sent: string[] = [];
  const raw = rawPeer(address);
  await until(() => raw.lines.length === 1, 'hello');
  const nonce = Buffer.from(raw.lines[0]!.nonce as string, 'hex');
  const mine = Buffer.alloc(32, 1);
  const line = JSON.stringify({ type: 'auth', version: 1, role: 'gateway', nonce: mine.toString('hex'), mac: peerProof('wrong', 'gateway', nonce, mine).toString('hex') });
  sent.push(line);
  raw.socket.write(`${line}\n`);
  await raw.closed;
  assert.deepEqual(raw.lines[1], { type: 'reject', reason: 'authentication failed' });
  assert.ok(!sent.join('').includes('right') && !JSON.stringify(raw.lines).includes('right'));
  await until(() => server.stats().authFailures >= 2, 'the directory refused too');
  assert.deepEqual(events, [], 'a refused worker learns nothing');
  assert.equal(server.stats().subscribers, 0);

  // A gateway with the wrong secret is never listed.
  announcer([address], announcement('ccccccccccc1'), 'wrong');
  await sleep(300);
  assert.equal(server.gateways().length, 0);
});

test('a peer that does not know the secret cannot skip authentication; malformed input closes the connection', async () => {
  const { server, address } = await register('k');
  const early = rawPeer(address);
  early.socket.write(`${JSON.stringify({ type: 'announce', gateway: announcement('ddddddddddd1') })}\n`);
  await early.closed;
  assert.deepEqual(early.lines.at(-1), { type: 'reject', reason: '"announce" before authentication' });

  const garbage = rawPeer(address);
  garbage.socket.write('not json\n');
  await garbage.closed;
  assert.deepEqual(garbage.lines.at(-1), { type: 'reject', reason: 'a line is not valid JSON' });
  assert.equal(server.gateways().length, 0);
  assert.ok(server.stats().protocolErrors >= 2);
});

test('a worker may not announce and a gateway may not subscribe; bad announcements are refused with a reason', async () => {
  const { server, address } = await register(null);
  const auth = async (role: string) => {
    const raw = rawPeer(address);
    await until(() => raw.lines.length === 1, 'hello');
    const nonce = Buffer.from(raw.lines[0]!.nonce as string, 'hex');
    const mine = Buffer.alloc(32, 3);
    raw.socket.write(`${JSON.stringify({ type: 'auth', version: 1, role, nonce: mine.toString('hex'), mac: peerProof('', role, nonce, mine).toString('hex') })}\n`);
    await until(() => raw.lines.length === 2, 'welcome');
    assert.equal(raw.lines[1]!.type, 'welcome');
    return raw;
  };
  const worker = await auth('worker');
  worker.socket.write(`${JSON.stringify({ type: 'announce', gateway: announcement('eeeeeeeeeee1') })}\n`);
  await worker.closed;
  assert.deepEqual(worker.lines.at(-1), { type: 'reject', reason: 'only a gateway may announce' });

  const gateway = await auth('gateway');
  gateway.socket.write(`${JSON.stringify({ type: 'announce', gateway: { ...announcement('EEEE'), address: { tcp: 'nope', unix: '' } } })}\n`);
  await gateway.closed;
  assert.deepEqual(gateway.lines.at(-1), { type: 'reject', reason: 'announce: gatewayId must be 12 lowercase hex characters' });
  assert.equal(server.gateways().length, 0);
});

test('loopback detection, and the announced TCP address of a gateway listening on a wildcard', () => {
  for (const a of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1']) assert.ok(isLoopback(a), a);
  for (const a of ['10.0.0.1', '::ffff:10.0.0.1', 'fe80::1', '0.0.0.0', undefined]) assert.ok(!isLoopback(a), String(a));
  assert.equal(reachableTcpAddress('0.0.0.0:7300', { localAddress: '10.1.2.3' }), '10.1.2.3:7300');
  assert.equal(reachableTcpAddress('[::]:7300', { localAddress: 'fd00::5' }), '[fd00::5]:7300');
  assert.equal(reachableTcpAddress('0.0.0.0:7300', { localAddress: '::ffff:10.1.2.3' }), '10.1.2.3:7300');
  assert.equal(reachableTcpAddress('10.9.9.9:7300', { localAddress: '10.1.2.3' }), '10.9.9.9:7300');
  assert.equal(reachableTcpAddress(null, { localAddress: '10.1.2.3' }), null);
});

test('a register that stops says so: its peers log the lost connection as info, not as a warning', async () => {
  const { server, address } = await register();
  const lines: { level: number; msg: string; reason?: string }[] = [];
  const log = createLogger('test', {}, 'info', { destination: { write: (s: string) => void lines.push(JSON.parse(s)) } });
  const dir = new GatewayDirectory({ registers: [address], secretKey: 'k', logger: log, onJoin: () => {}, onLeave: () => {}, ...FAST });
  dir.start();
  cleanups.push(() => dir.stop());
  await until(() => server.stats().subscribers === 1, 'the subscription');
  await server.close();
  await until(() => lines.some((l) => l.msg === 'register connection lost; reconnecting'), 'the lost connection logged');
  const lost = lines.find((l) => l.msg === 'register connection lost; reconnecting')!;
  assert.deepEqual([lost.level, lost.reason], [30, 'closed by the register: register stopping']);
});
