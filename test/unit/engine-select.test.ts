/**
 * Choosing the gateway engine (the `engine` setting, custom listeners, a
 * missing addon), the glue between NativeEngine and the addon (options, stop
 * sequencing, events, log records) against a scripted fake addon, the port
 * hand-over between native gateways, and — when build/Release/gatehouse.node is
 * built — a smoke test of the real addon.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { pino } from 'pino';
import { loadConfig, parseSetFlags, resolveConfig } from '../../src/config/index.js';
import type { ListenerConfig, ResolvedConfig } from '../../src/config/types.js';
import type { EngineEvent } from '../../src/gateway/engine.js';
import { JsEngine } from '../../src/gateway/engine-js/js-engine.js';
import { LISTENER_COUNTERS } from '../../src/gateway/listener-counters.js';
import { ADDON_ABI, type AddonEngine, type AddonEngineOptions, type AddonEvent, type NativeAddon } from '../../src/gateway/engine-native/addon.js';
import { addonOptions } from '../../src/gateway/engine-native/addon-options.js';
import { readStaticFiles as readStaticRoutes } from '../../src/gateway/transport/static-routes.js';
import { ADDON_PATH, loadAddonAt, loadNativeAddon, type AddonLoad } from '../../src/gateway/engine-native/loader.js';
import { NativeEngine } from '../../src/gateway/engine-native/native-engine.js';
import { createEngine, EngineSelectionError, selectEngine } from '../../src/gateway/select-engine.js';
import { newGatewayId } from '../../src/protocol/client-id.js';
import { bindPortsFrom, needsSharedPorts, withBindPorts } from '../../src/supervisor/gateway-ports.js';
import { fixtureApp, startCluster, type LogLine } from '../helpers/cluster.js';
import { listenerConfig } from '../helpers/gateway-test-engine.js';

const fakeAddon = { Engine: class {}, abi: 1 } as unknown as NativeAddon;
const loaded = (): AddonLoad => ({ ok: true, addon: fakeAddon, path: '/x/gatehouse.node' });
const missing = (): AddonLoad => ({ ok: false, reason: '/x/gatehouse.node is not built', path: '/x/gatehouse.node' });
const neverLoad = (): AddonLoad => assert.fail('the addon must not be loaded');

function config(engine: ResolvedConfig['engine'], listeners: ListenerConfig[] = [listenerConfig('text')]): ResolvedConfig {
  const dir = '/tmp/gatehouse-engine-select';
  const c = resolveConfig({ events: './e.js', runDir: dir, listeners: [] }, dir);
  return { ...c, engine, listeners };
}

const custom = listenerConfig('custom', { name: 'game', codec: '/app/codec.js' });

test('selection: js is js, auto prefers native, custom listeners and a missing addon fall back with a reason', () => {
  assert.deepEqual(selectEngine(config('js'), { load: neverLoad }), { kind: 'js', warning: null });
  assert.deepEqual(selectEngine(config('auto'), { load: loaded }), { kind: 'native', addon: fakeAddon });
  assert.deepEqual(selectEngine(config(undefined), { load: loaded }), { kind: 'native', addon: fakeAddon }, 'absent means auto');
  assert.deepEqual(selectEngine(config('auto', [listenerConfig('text'), custom]), { load: neverLoad }), {
    kind: 'js',
    warning: `using the JS engine: listener "game" is protocol 'custom' (its codec runs in JavaScript)`,
  });
  assert.deepEqual(selectEngine(config('auto'), { load: missing }), {
    kind: 'js',
    warning: 'using the JS engine: the native engine is not available: /x/gatehouse.node is not built',
  });
});

test('selection: native refuses a custom listener and a missing addon', () => {
  assert.deepEqual(selectEngine(config('native'), { load: loaded }), { kind: 'native', addon: fakeAddon });
  assert.throws(
    () => selectEngine(config('native', [custom]), { load: neverLoad }),
    (err: Error) =>
      err instanceof EngineSelectionError &&
      err.message === `engine is 'native' but listener "game" is protocol 'custom' (its codec runs in JavaScript): only the JS engine serves it; set engine to 'auto' or 'js'`,
  );
  assert.throws(
    () => selectEngine(config('native'), { load: missing }),
    (err: Error) => err instanceof EngineSelectionError && err.message === `engine is 'native' but the native engine is not available: /x/gatehouse.node is not built`,
  );
});

test('createEngine builds the chosen engine', () => {
  const logger = pino({ level: 'silent' });
  const options = { config: config('auto'), gatewayId: newGatewayId(), index: 0, logger };
  assert.ok(createEngine({ kind: 'js', warning: null }, options) instanceof JsEngine);
  assert.ok(createEngine({ kind: 'native', addon: fakeAddon }, options) instanceof NativeEngine);
});

test('loader: a missing file and a file that is not the addon are reasons, not exceptions', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gh-loader-'));
  try {
    const none = loadAddonAt(join(dir, 'gatehouse.node'));
    assert.equal(none.ok, false);
    assert.match(!none.ok ? none.reason : '', /gatehouse\.node is not built \(npm install builds it; or run "node scripts\/build-native\.js"\)$/);
    writeFileSync(join(dir, 'other.cjs'), 'module.exports = { abi: 1 };');
    const other = loadAddonAt(join(dir, 'other.cjs'));
    assert.match(!other.ok ? other.reason : '', /is not the gatehouse addon/);
    writeFileSync(join(dir, 'stale.cjs'), 'module.exports = { Engine: function () {}, abi: 0 };');
    const stale = loadAddonAt(join(dir, 'stale.cjs'));
    assert.ok(!stale.ok && stale.reason.includes(`is a stale build (addon ABI 0, this code needs ${ADDON_ABI})`), !stale.ok ? stale.reason : 'loaded');
    writeFileSync(join(dir, 'broken.node'), 'not an ELF file');
    const broken = loadAddonAt(join(dir, 'broken.node'));
    assert.match(!broken.ok ? broken.reason : '', /broken\.node cannot be loaded: /);
    assert.equal(loadNativeAddon(), loadNativeAddon(), 'loaded once');
    assert.equal(loadNativeAddon().path, ADDON_PATH);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('config: engine is auto by default, checked, and set by GATEHOUSE_ENGINE or --engine', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gh-engine-config-'));
  try {
    writeFileSync(join(dir, 'gatehouse.config.json'), JSON.stringify({ events: './e.js', listeners: [] }));
    assert.equal((await loadConfig(dir, {}, {})).engine, 'auto');
    assert.equal((await loadConfig(dir, {}, { GATEHOUSE_ENGINE: 'js' })).engine, 'js');
    assert.equal((await loadConfig(dir, { engine: 'native' }, { GATEHOUSE_ENGINE: 'js' })).engine, 'native', 'the flag wins');
    assert.equal((await loadConfig(dir, { set: parseSetFlags(['engine=js']) }, {})).engine, 'js');
    await assert.rejects(loadConfig(dir, { engine: 'fast' }, {}), { message: `engine must be one of 'auto', 'native', 'js' (got "fast"); set by --engine` });
    await assert.rejects(loadConfig(dir, {}, { GATEHOUSE_ENGINE: 'C++' }), {
      message: `engine must be one of 'auto', 'native', 'js' (got "C++"); set by environment variable GATEHOUSE_ENGINE`,
    });
    assert.throws(() => resolveConfig({ events: './e.js', listeners: [], engine: 1 }, dir), { message: `engine must be one of 'auto', 'native', 'js' (got 1)` });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('port hand-over: gateway 0 ports for port-0 listeners, applied only to port-0 listeners', () => {
  const listeners = [listenerConfig('text', { name: 'a', port: 0 }), listenerConfig('json', { name: 'b', port: 9100 })];
  const c = { ...config('native', listeners), gateway: { ...config('native').gateway, count: 2 } };
  assert.equal(needsSharedPorts(c), true);
  assert.equal(needsSharedPorts({ ...c, gateway: { ...c.gateway, count: 1 } }), false);
  assert.equal(needsSharedPorts({ ...c, listeners: [listeners[1]!] }), false);
  const text = bindPortsFrom(listeners, [
    { name: 'a', protocol: 'text', host: '127.0.0.1', port: 41000 },
    { name: 'b', protocol: 'json', host: '127.0.0.1', port: 9100 },
  ]);
  assert.equal(text, '{"a":41000}');
  assert.deepEqual(withBindPorts(c, text!).listeners.map((l) => l.port), [41000, 9100]);
  assert.deepEqual(withBindPorts(c, '{"a":41000,"b":1}').listeners.map((l) => l.port), [41000, 9100], 'a configured port stays');
  assert.equal(withBindPorts(c, 'nonsense'), c);
  assert.equal(withBindPorts(c, undefined), c);
  assert.equal(bindPortsFrom([listeners[1]!], []), null);
});

test('static routes: read once, typed by extension, with the JS engine messages', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gh-static-'));
  try {
    writeFileSync(join(dir, 'index.html'), '<p>hi</p>');
    writeFileSync(join(dir, 'logo.png'), Buffer.from([0x89, 0x50, 0x00, 0xff]));
    const routes = await readStaticRoutes({ '/': join(dir, 'index.html'), '/logo': join(dir, 'logo.png') });
    assert.deepEqual(
      routes.map((r) => [r.path, r.contentType, r.body.toString('hex')]),
      [
        ['/', 'text/html; charset=utf-8', Buffer.from('<p>hi</p>').toString('hex')],
        ['/logo', 'image/png', '895000ff'],
      ],
    );
    await assert.rejects(readStaticRoutes({ '/healthz': join(dir, 'index.html') }), { message: 'static route /healthz is reserved for the health check' });
    await assert.rejects(readStaticRoutes({ x: join(dir, 'index.html') }), { message: `static route "x" must start with '/'` });
    await assert.rejects(readStaticRoutes({ '/gone': join(dir, 'gone.html') }), (err: Error) => err.message.startsWith(`static route /gone: cannot read ${join(dir, 'gone.html')}: ENOENT`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('addon options: configuration, link address of the index, heartbeat in ms, tuning with the JS defaults', async () => {
  const c = config('native', [listenerConfig('frame', { name: 'f', port: 7000, backlog: 1000, frame: { headerSize: 2, endian: 'little', lengthIncludesHeader: true } })]);
  const withLink = { ...c, secretKey: 's3cret', gateway: { ...c.gateway, linkHost: '0.0.0.0', linkPort: 7300, pingInterval: 2.5, pingNotResponseLimit: 3, pingData: 'p', slowConsumerPolicy: 'close' as const } };
  const o = await addonOptions({ config: withLink, gatewayId: 'abcdefabcdef', index: 2, logger: pino({ level: 'silent' }) }, { closeLingerMs: 50 });
  assert.deepEqual(o, {
    gatewayId: 'abcdefabcdef',
    pid: process.pid,
    listeners: [{ name: 'f', protocol: 'frame', host: '127.0.0.1', port: 7000, maxMessageSize: 1024 * 1024, backlog: 1000, frameHeaderSize: 2, frameLittleEndian: true, frameLengthIncludesHeader: true, staticRoutes: [] }],
    linkPath: join(c.runDir, 'gateway-2.sock'),
    linkHost: '0.0.0.0',
    linkPort: 7302,
    secret: 's3cret',
    maxUnackedEvents: 65536,
    sendBufferSize: 1024 * 1024,
    slowConsumerClose: true,
    pingIntervalMs: 2500,
    pingNotResponseLimit: 3,
    pingData: 'p',
    linkOutputLimit: 4 * 1024 * 1024,
    handshakeTimeoutMs: 5000,
    maxLinkFrameSize: 16 * 1024 * 1024,
    closeLingerMs: 50,
    listenerCounters: LISTENER_COUNTERS,
  } satisfies AddonEngineOptions);
});

/** The counters' names, as the JS engine reports them. */
const jsStats = new JsEngine({ config: config('js'), gatewayId: 'abcdefabcdef', index: 0, logger: pino({ level: 'silent' }) }).stats();

/** A scripted addon engine: records the primitives called, and lets the test drive counts and events. */
class ScriptedEngine implements AddonEngine {
  static last: ScriptedEngine | null = null;
  readonly calls: string[] = [];
  onEvents: ((batch: AddonEvent[]) => void) | null = null;
  held = 0;
  links = 1;
  open = 3;
  tracked = 3;
  leftAtClose: AddonEvent[] = [];
  constructor(readonly options: AddonEngineOptions) {
    ScriptedEngine.last = this;
  }
  start(onEvents: (batch: AddonEvent[]) => void) {
    this.onEvents = onEvents;
    this.calls.push('start');
    return { listeners: this.options.listeners.map((l) => ({ name: l.name, protocol: l.protocol, host: l.host, port: 40000 })), linkPath: this.options.linkPath, linkPort: null };
  }
  stopAccepting() {
    this.calls.push('stopAccepting');
  }
  setReadsHeld(held: boolean) {
    this.calls.push(`setReadsHeld(${held})`);
  }
  heldEvents() {
    return this.held;
  }
  linkCount() {
    return this.links;
  }
  connectionCount() {
    return this.open;
  }
  trackedCount() {
    return this.tracked;
  }
  closeClients(max: number, reason: string, code: number) {
    this.calls.push(`closeClients(${max},${reason},${code})`);
    // The clients' FINs come back a little later; their close events are acked then.
    setTimeout(() => {
      this.open = 0;
      this.tracked = 0;
    }, 30);
    return 0;
  }
  closeLinks(reason: string) {
    this.calls.push(`closeLinks(${reason})`);
    this.links = 0;
  }
  destroyAll(reason: string) {
    this.calls.push(`destroyAll(${reason})`);
  }
  stats() {
    const zeros = Object.fromEntries(Object.keys(jsStats).filter((k) => k !== 'gatewayId').map((k) => [k, 0]));
    return { ...zeros, listeners: jsStats.listeners, connections: this.open, eventsUnacked: this.held, readsPaused: false } as unknown as ReturnType<AddonEngine['stats']>;
  }
  connections(limit: number, listener: string) {
    this.calls.push(`connections(${limit},${listener})`);
    return '[{"clientId":"abcdefabcdef000000000001","listener":"text"}]';
  }
  close() {
    this.calls.push('close');
    return this.leftAtClose;
  }
}

function scriptedGateway(): { engine: NativeEngine; logs: Record<string, unknown>[] } {
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n')) if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const addon = { Engine: ScriptedEngine, abi: 1 } as unknown as NativeAddon;
  const engine = new NativeEngine({ config: config('native'), gatewayId: 'abcdefabcdef', index: 0, logger: pino({ level: 'debug' }, sink), addon });
  return { engine, logs };
}

test('NativeEngine: addresses, events to listeners, log records to pino, rows parsed', async () => {
  const { engine, logs } = scriptedGateway();
  const addresses = await engine.start();
  assert.deepEqual(addresses, { listeners: [{ name: 'text', protocol: 'text', host: '127.0.0.1', port: 40000 }], linkPath: join(config('js').runDir, 'gateway-0.sock'), linkPort: null });
  await assert.rejects(engine.start(), /already started/);
  const seen: EngineEvent[] = [];
  engine.onEvent((e) => seen.push(e));
  engine.onEvent(() => {
    throw new Error('a listener bug');
  });
  const scripted = ScriptedEngine.last!;
  scripted.onEvents!([
    { type: 'link-open', linkId: 1, workerId: 'w1', pid: 42, transport: 'unix' },
    { type: 'log', level: 'warn', message: 'pausing client reads: too many events held', fields: '{"heldEvents":16,"limit":16}' },
    { type: 'log', level: 'bogus', message: 'odd level', fields: 'not json' },
    { type: 'reads-paused', heldEvents: 16 },
  ]);
  assert.deepEqual(seen, [
    { type: 'link-open', linkId: 1, workerId: 'w1', pid: 42, transport: 'unix' },
    { type: 'reads-paused', heldEvents: 16 },
  ]);
  const warn = logs.find((l) => l.msg === 'pausing client reads: too many events held');
  assert.equal(warn?.level, 40);
  assert.equal(warn?.heldEvents, 16);
  assert.equal(logs.find((l) => l.msg === 'odd level')?.fields, 'not json');
  assert.equal(logs.filter((l) => l.msg === 'an engine event listener threw').length, 2);
  assert.deepEqual(engine.listConnections({ limit: 5, listener: 'text' }), [{ clientId: 'abcdefabcdef000000000001', listener: 'text' }]);
  assert.deepEqual(engine.listConnections({ limit: 0 }), []);
  engine.listConnections();
  assert.deepEqual(scripted.calls.filter((c) => c.startsWith('connections')), ['connections(5,text)', 'connections(0,)']);
  assert.equal(engine.stats().gatewayId, 'abcdefabcdef');
  assert.equal(engine.stats().connections, 3);
});

test('NativeEngine: stop runs the primitives in JsEngine#stop order and keeps the final stats', async () => {
  const { engine, logs } = scriptedGateway();
  await engine.start();
  const scripted = ScriptedEngine.last!;
  scripted.held = 2;
  setTimeout(() => (scripted.held = 0), 50); // the workers ack what was in flight
  scripted.leftAtClose = [{ type: 'link-close', linkId: 1, workerId: 'w1', reason: 'gateway stopping', redelivered: 0 }];
  const closes: EngineEvent[] = [];
  engine.onEvent((e) => closes.push(e));
  const started = Date.now();
  await engine.stop({ graceMs: 1000, timeoutMs: 2000 });
  assert.ok(Date.now() - started < 1000, 'no phase waited for its deadline');
  assert.deepEqual(scripted.calls.slice(1), [
    'stopAccepting',
    'setReadsHeld(true)',
    'setReadsHeld(false)',
    'closeClients(500,gateway stopping,1001)',
    'closeLinks(gateway stopping)',
    'destroyAll(gateway stopping)',
    'close',
  ]);
  assert.deepEqual(closes, scripted.leftAtClose, 'events left at close are delivered');
  assert.equal(engine.stats().connections, 0);
  assert.deepEqual(engine.listConnections(), []);
  assert.equal(logs.some((l) => String(l.msg).startsWith('stopping with events')), false);
  await engine.stop(); // idempotent
  assert.equal(scripted.calls.filter((c) => c === 'close').length, 1);
});

test('NativeEngine: events still held at the deadline are logged with their count', async () => {
  const { engine, logs } = scriptedGateway();
  await engine.start();
  const scripted = ScriptedEngine.last!;
  scripted.held = 7;
  await engine.stop({ graceMs: 50, timeoutMs: 400 });
  const warn = logs.find((l) => String(l.msg).startsWith('stopping with events no worker acknowledged'));
  assert.equal(warn?.events, 7);
  assert.equal(warn?.heldBeforeClosing, 7);
});

test('NativeEngine: a custom listener is refused at start', async () => {
  const addon = { Engine: ScriptedEngine, abi: 1 } as unknown as NativeAddon;
  const engine = new NativeEngine({ config: config('native', [custom]), gatewayId: 'abcdefabcdef', index: 0, logger: pino({ level: 'silent' }), addon });
  await assert.rejects(engine.start(), /listener "game" is protocol 'custom'/);
  await engine.stop();
});

const addon = loadNativeAddon();
// Without the addon these two skip locally, but in CI (where npm ci builds it) they run and fail on its absence.
const addonSkip = addon.ok || process.env.CI ? false : `no addon: ${addon.ok ? '' : addon.reason}`;
const requireAddon = (): void => assert.ok(addon.ok, `the native addon is not built: ${addon.ok ? '' : addon.reason}`);

test('the built addon starts an engine, binds, counts, reports stats and closes', { skip: addonSkip }, async () => {
  requireAddon();
  const dir = mkdtempSync(join(tmpdir(), 'gh-native-smoke-'));
  try {
    const c = { ...config('native'), runDir: dir };
    const engine = new NativeEngine({ config: c, gatewayId: newGatewayId(), index: 0, logger: pino({ level: 'silent' }) });
    const addresses = await engine.start();
    const port = addresses.listeners[0]!.port;
    assert.ok(port > 0);
    assert.equal(addresses.linkPath, join(dir, 'gateway-0.sock'));
    await new Promise<void>((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port }, () => {
        socket.end();
        resolve();
      });
      socket.on('error', reject);
    });
    const deadline = Date.now() + 2000;
    while (engine.stats().connectionsAccepted === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.equal(engine.stats().connectionsAccepted, 1);
    assert.equal(typeof engine.stats().readsPaused, 'boolean');
    await engine.stop({ graceMs: 0, timeoutMs: 500 });
    assert.equal(engine.stats().connections, 0);
    // Its sockets are gone: the port can be bound again, the link socket was removed.
    const again = new NativeEngine({ config: { ...c, listeners: [listenerConfig('text', { port })] }, gatewayId: newGatewayId(), index: 0, logger: pino({ level: 'silent' }) });
    await again.start();
    await again.stop({ graceMs: 0, timeoutMs: 200 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('native gateways share port 0 through the supervisor, a restarted one too', { skip: addonSkip, timeout: 60_000 }, async () => {
  requireAddon();
  const cluster = await startCluster({
    app: { events: fixtureApp('echo'), listeners: [{ name: 'tcp', protocol: 'text' }], register: { embedded: false } },
    flags: ['--gateways', '2', '--workers', '1', '--threads', '1', '--engine', 'native'],
  });
  try {
    const readyLines = (): LogLine[] => cluster.logs().filter((l) => l.role === 'gateway' && l.msg === 'gateway ready');
    const ports = (lines: LogLine[]): number[] => lines.map((l) => (l.listeners as { port: number }[])[0]!.port);
    const first = readyLines();
    assert.deepEqual(first.map((l) => l.engine), ['native', 'native']);
    const [port] = ports(first);
    assert.ok(port! > 0);
    assert.deepEqual(ports(first), [port, port]);
    const victim = first.find((l) => l.index === 1)!;
    process.kill(victim.pid!, 'SIGKILL');
    await cluster.waitForLog((l) => l.role === 'gateway' && l.msg === 'gateway ready' && l.index === 1 && l.pid !== victim.pid, 'the restarted gateway ready', 15_000);
    assert.deepEqual(ports(readyLines()), [port, port, port]);
  } finally {
    await cluster.stop();
  }
});
