import { fork, type ChildProcess } from 'node:child_process';
import cluster, { type Worker as ClusterWorker } from 'node:cluster';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ResolvedConfig } from '../config/types.js';
import type { Logger } from '../log/logger.js';
import { IMMEDIATE_STOP_MS } from './child-runtime.js';
import { exitOf, isRunning, newSlot, slotName, tell, type ChildRole, type ChildSlot } from './child-slot.js';
import { ENV_CONFIG_FILE, ENV_INDEX, ENV_REGISTERS, ENV_ROLE, type ChildToSupervisor, type GatewayReadyMessage } from './ipc.js';
import { ENV_REGISTER_BIND_PORT } from '../register/bind-port.js';
import { bindPortsFrom, ENV_GATEWAY_BIND_PORTS, needsSharedPorts } from './gateway-ports.js';
import { removeOwnPidFile, writePidFile } from './pid-files.js';
import { cleanRunDir, prepareRunDir, writeRunFiles } from './run-dir.js';

const GATEWAY_ENTRY = fileURLToPath(new URL('../gateway/main.js', import.meta.url));
const WORKER_ENTRY = fileURLToPath(new URL('../worker/main.js', import.meta.url));
const REGISTER_ENTRY = fileURLToPath(new URL('../register/main.js', import.meta.url));

/** A crash within this long of a start counts as quick: the next restart waits longer. */
const QUICK_CRASH_MS = 5000;
const MAX_RESTART_DELAY_MS = 5000;
/** Beyond a stop or drain deadline, how long a child may take to exit before it is killed. */
const KILL_MARGIN_MS = 1000;

export interface StopOptions {
  /** Let in-flight events finish and output be delivered (gateways first, then workers). Default false. */
  graceful?: boolean;
  /** Everything is killed at this deadline. Default: stopTimeout when graceful, ~2 s otherwise. */
  deadlineMs?: number;
}

export interface ReloadResult {
  replaced: number;
}

export interface ChildInfo {
  name: string;
  role: ChildRole;
  index: number | null;
  pid: number | null;
  state: 'starting' | 'ready' | 'restarting' | 'draining';
  restarts: number;
}

/**
 * The process tree: an optional register, G gateway processes (cluster
 * workers sharing the client ports) and W business-worker processes. Restarts
 * any child that dies (never while stopping, never a draining one), replaces
 * the business workers on reload(), and stops them all on stop().
 */
export class Supervisor {
  readonly #config: ResolvedConfig;
  readonly #log: Logger;
  readonly #slots: ChildSlot[] = [];
  /** Every child process alive or not yet reaped, including pending and draining workers. */
  readonly #children = new Set<ChildProcess>();
  readonly #readyWaiters = new Map<ChildProcess, { resolve: (msg: ChildToSupervisor) => void; reject: (err: Error) => void }>();
  readonly #draining = new Map<ChildProcess, ChildSlot>();
  #configFile = '';
  #registers: string[] = [];
  /** The embedded register's bound address, once it was ready. */
  #registerAddress: string | null = null;
  #stopping: Promise<void> | null = null;
  #reloading = false;
  #reloads = 0;
  #announced = false;
  #listeners: GatewayReadyMessage['listeners'] = [];
  /**
   * The ports the first ready gateway bound for listeners configured with port
   * 0 (ENV_GATEWAY_BIND_PORTS), handed to every gateway started after it; null
   * until then, or when no listener has port 0.
   */
  #bindPorts: string | null = null;
  /** Whether the other gateways wait for the first one's ports (several gateways, a port 0). */
  #gatewaysWaitForPorts = false;
  #readyResolve: (() => void) | null = null;
  #readyReject: ((err: Error) => void) | null = null;
  readonly startedAt = Date.now();

  constructor(config: ResolvedConfig, logger: Logger) {
    this.#config = config;
    this.#log = logger;
  }

  get ready(): boolean {
    return this.#announced;
  }
  get stopping(): boolean {
    return this.#stopping !== null;
  }
  get reloading(): boolean {
    return this.#reloading;
  }
  get reloads(): number {
    return this.#reloads;
  }
  get listeners(): GatewayReadyMessage['listeners'] {
    return this.#listeners;
  }

  /** Starts every child (the register first); resolves once all are ready. */
  async start(): Promise<void> {
    prepareRunDir(this.#config.runDir);
    cleanRunDir(this.#config.runDir);
    this.#configFile = writeRunFiles(this.#config);
    process.on('exit', () => removeOwnPidFile(this.#config.runDir, 'supervisor'));
    cluster.schedulingPolicy = cluster.SCHED_NONE;
    cluster.setupPrimary({ exec: GATEWAY_ENTRY, args: [], silent: false });
    const ready = new Promise<void>((resolve, reject) => {
      this.#readyResolve = resolve;
      this.#readyReject = reject;
    });
    this.#registers = [...this.#config.register.addresses];
    const register = this.#config.register.embedded && existsSync(REGISTER_ENTRY) ? newSlot('register', null) : null;
    // Every slot exists before the first spawn: "ready" means all of them.
    if (register) this.#slots.push(register);
    for (let i = 0; i < this.#config.gateway.count; i++) this.#slots.push(newSlot('gateway', i));
    for (let i = 0; i < this.#config.worker.count; i++) this.#slots.push(newSlot('worker', i));
    if (register) {
      // The register first: gateways and workers are told its address.
      const msg = await this.#readyOf(this.#spawn(register));
      if (msg.role === 'register' && this.#registers.length === 0) this.#registers = [msg.address];
    }
    if (this.#stopping) return ready;
    // Native gateways bind their own sockets: with port 0 the others must bind
    // what the first one got, so they start once it is ready (#onMessage).
    this.#gatewaysWaitForPorts = needsSharedPorts(this.#config);
    for (const slot of this.#slots) if (slot.process === null && !this.#waitsForPorts(slot)) this.#spawn(slot);
    return ready;
  }

  #waitsForPorts(slot: ChildSlot): boolean {
    return this.#gatewaysWaitForPorts && this.#bindPorts === null && slot.role === 'gateway' && slot.index !== 0;
  }

  /** Resolves with the child's ready message; rejects if it exits first. */
  #readyOf(child: ChildProcess): Promise<ChildToSupervisor> {
    return new Promise((resolve, reject) => this.#readyWaiters.set(child, { resolve, reject }));
  }

  #spawn(slot: ChildSlot): ChildProcess {
    const env: Record<string, string> = {
      [ENV_ROLE]: slot.role,
      [ENV_INDEX]: String(slot.index ?? 0),
      [ENV_CONFIG_FILE]: this.#configFile,
      [ENV_REGISTERS]: this.#registers.join(','),
      GATEHOUSE_LOG_LEVEL: this.#config.logLevel,
    };
    // A restarted register binds the port its predecessor had (register.port 0 picks one): children keep the address they were given.
    if (slot.role === 'register' && this.#registerAddress !== null) env[ENV_REGISTER_BIND_PORT] = this.#registerAddress.slice(this.#registerAddress.lastIndexOf(':') + 1);
    if (slot.role === 'gateway' && this.#bindPorts !== null) env[ENV_GATEWAY_BIND_PORTS] = this.#bindPorts;
    let child: ChildProcess;
    if (slot.role === 'gateway') {
      const worker: ClusterWorker = cluster.fork(env);
      child = worker.process;
    } else {
      child = fork(slot.role === 'worker' ? WORKER_ENTRY : REGISTER_ENTRY, [], { env: { ...process.env, ...env }, stdio: 'inherit' });
    }
    this.#children.add(child);
    child.on('message', (msg: ChildToSupervisor) => this.#onMessage(slot, child, msg));
    child.on('exit', (code, signal) => this.#onExit(slot, child, code, signal));
    child.on('error', (err) => this.#log.error({ err, child: slot.role, index: slot.index }, 'child process error'));
    // A pending reload generation is not the slot's process until it is ready.
    if (!this.#reloading || slot.role !== 'worker' || slot.process === null) {
      slot.process = child;
      slot.pid = child.pid ?? null;
      slot.ready = false;
      slot.startedAt = Date.now();
    }
    this.#log.debug({ child: slot.role, index: slot.index, childPid: child.pid }, 'started');
    return child;
  }

  #onMessage(slot: ChildSlot, child: ChildProcess, msg: ChildToSupervisor): void {
    if (typeof msg !== 'object' || msg === null || msg.type !== 'ready') return;
    const waiter = this.#readyWaiters.get(child);
    this.#readyWaiters.delete(child);
    waiter?.resolve(msg);
    if (slot.process !== child) return;
    slot.ready = true;
    if (msg.role === 'gateway') {
      if (slot.index === 0 || this.#listeners.length === 0) this.#listeners = msg.listeners;
      this.#log.info({ index: slot.index, childPid: child.pid, gatewayId: msg.gatewayId, engine: msg.engine }, 'gateway ready');
      this.#bindPorts ??= bindPortsFrom(this.#config.listeners, msg.listeners);
      if (this.#gatewaysWaitForPorts && !this.#stopping) {
        this.#gatewaysWaitForPorts = false;
        for (const s of this.#slots) if (s.role === 'gateway' && s.process === null && s.restartTimer === null) this.#spawn(s);
      }
    } else if (msg.role === 'worker') {
      this.#log.info({ index: slot.index, childPid: child.pid, linked: msg.linked }, 'worker ready');
    } else {
      this.#registerAddress = msg.address;
      this.#log.info({ childPid: child.pid, address: msg.address }, 'register ready');
    }
    if (!this.#announced && this.#slots.every((s) => s.ready)) {
      this.#announced = true;
      this.#log.info(
        { listeners: this.#listeners, runDir: this.#config.runDir, gateways: this.#config.gateway.count, workers: this.#config.worker.count, registers: this.#registers },
        'gatehouse ready',
      );
      this.#readyResolve?.();
    }
  }

  #onExit(slot: ChildSlot, child: ChildProcess, code: number | null, signal: string | null): void {
    this.#children.delete(child);
    if (child.pid !== undefined) removeOwnPidFile(this.#config.runDir, slotName(slot), child.pid);
    const waiter = this.#readyWaiters.get(child);
    this.#readyWaiters.delete(child);
    waiter?.reject(new Error(`${slotName(slot)} (pid ${child.pid}) exited before it was ready (${signal ? `signal ${signal}` : `code ${code}`})`));
    if (this.#draining.delete(child)) {
      this.#log.info({ child: slot.role, index: slot.index, childPid: child.pid, code, signal }, 'drained worker exited');
      return;
    }
    if (slot.process !== child) return;
    slot.process = null;
    slot.ready = false;
    if (this.#stopping) return;
    const quick = Date.now() - slot.startedAt < QUICK_CRASH_MS;
    slot.quickCrashes = quick ? slot.quickCrashes + 1 : 0;
    const delay = slot.quickCrashes === 0 ? 0 : Math.min(MAX_RESTART_DELAY_MS, 100 * 2 ** (slot.quickCrashes - 1));
    this.#log.warn({ child: slot.role, index: slot.index, childPid: child.pid, code, signal, restartInMs: delay }, `${slot.role} exited; restarting`);
    slot.restarts++;
    slot.restartTimer = setTimeout(() => {
      slot.restartTimer = null;
      if (!this.#stopping && slot.process === null) this.#spawn(slot);
    }, delay);
  }

  /** The children as `status` shows them, draining ones included. */
  children(): ChildInfo[] {
    const out: ChildInfo[] = this.#slots.map((s) => ({
      name: slotName(s),
      role: s.role,
      index: s.index,
      pid: s.process?.pid ?? null,
      state: s.process === null ? 'restarting' : s.ready ? 'ready' : 'starting',
      restarts: s.restarts,
    }));
    for (const [child, s] of this.#draining) out.push({ name: slotName(s), role: s.role, index: s.index, pid: child.pid ?? null, state: 'draining', restarts: 0 });
    return out;
  }

  /**
   * Reload: forks a new generation of every business worker (loading the
   * current code), waits until each is ready, then drains the old ones (they
   * finish what they hold and exit; they are never restarted) and waits for
   * them to exit, killing any still there at reloadTimeout. If a new worker
   * cannot start, the new generation is stopped and the old one keeps serving.
   */
  async reload(): Promise<ReloadResult> {
    if (this.#stopping) throw new Error('the app is stopping');
    if (!this.#announced) throw new Error('the app is still starting; reload once it is ready');
    if (this.#reloading) throw new Error('a reload is already running');
    this.#reloading = true;
    try {
      return await this.#reload();
    } finally {
      this.#reloading = false;
    }
  }

  async #reload(): Promise<ReloadResult> {
    const timeoutMs = this.#config.reloadTimeout;
    const slots = this.#slots.filter((s) => s.role === 'worker');
    this.#log.info({ workers: slots.length, timeoutMs }, 'reload: starting a new generation of business workers');
    const fresh = slots.map((slot) => ({ slot, child: this.#spawn(slot) }));
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        Promise.all(fresh.map(({ child }) => this.#readyOf(child))),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`the new business workers were not ready within reloadTimeout (${timeoutMs} ms)`)), timeoutMs);
        }),
      ]);
    } catch (err) {
      for (const { child } of fresh) {
        this.#readyWaiters.delete(child);
        const { slot } = fresh.find((f) => f.child === child)!;
        if (slot.process === child) continue; // it replaced a dead worker: it is the slot's now
        if (isRunning(child)) this.#draining.set(child, slot); // never restarted
        tell(child, { type: 'stop', graceful: false, deadlineMs: IMMEDIATE_STOP_MS }, 'SIGKILL');
      }
      await Promise.all(fresh.map(({ child }) => this.#killAfter(child, IMMEDIATE_STOP_MS + KILL_MARGIN_MS)));
      // The new ones may have taken the pid files and control sockets of their index.
      for (const { slot } of fresh) {
        if (!isRunning(slot.process) || slot.process.pid === undefined) continue;
        writePidFile(this.#config.runDir, slotName(slot), slot.process.pid);
        tell(slot.process, { type: 'reclaim' });
      }
      throw new Error(`reload failed: ${(err as Error).message}; the running business workers were kept`);
    } finally {
      clearTimeout(timer);
    }
    if (this.#stopping) throw new Error('the app is stopping');
    const old: ChildProcess[] = [];
    for (const { slot, child } of fresh) {
      if (slot.restartTimer) clearTimeout(slot.restartTimer);
      slot.restartTimer = null;
      const previous = slot.process;
      slot.process = child;
      slot.pid = child.pid ?? null;
      slot.ready = true;
      slot.startedAt = Date.now();
      slot.quickCrashes = 0;
      if (previous && previous !== child && isRunning(previous)) {
        this.#draining.set(previous, slot);
        old.push(previous);
      }
    }
    this.#log.info({ draining: old.map((c) => c.pid) }, 'reload: new business workers ready; draining the old ones');
    for (const child of old) tell(child, { type: 'drain', deadlineMs: timeoutMs });
    await Promise.all(old.map((child) => this.#killAfter(child, timeoutMs + KILL_MARGIN_MS * 3)));
    this.#reloads++;
    this.#log.info({ replaced: fresh.length }, 'reload: done');
    return { replaced: fresh.length };
  }

  /** Waits for a child's exit, killing it after ms. */
  async #killAfter(child: ChildProcess, ms: number): Promise<void> {
    const timer = setTimeout(() => {
      if (!isRunning(child)) return;
      this.#log.warn({ childPid: child.pid, afterMs: ms }, 'child did not exit in time; killing it');
      child.kill('SIGKILL');
    }, ms);
    await exitOf(child);
    clearTimeout(timer);
  }

  /**
   * Stops every child and cleans the run directory. Graceful: gateways first
   * (they stop accepting and let the live workers finish their in-flight
   * events and deliver the output), then the workers, then the register.
   * Immediate: all at once with a ~2 s deadline. Anything left at the deadline
   * is killed.
   */
  stop(options: StopOptions = {}): Promise<void> {
    this.#stopping ??= this.#stop(options.graceful ?? false, options.deadlineMs ?? (options.graceful ? this.#config.stopTimeout : IMMEDIATE_STOP_MS));
    return this.#stopping;
  }

  async #stop(graceful: boolean, deadlineMs: number): Promise<void> {
    this.#readyReject?.(new Error('stopped before every process was ready'));
    this.#readyResolve = this.#readyReject = null;
    for (const slot of this.#slots) if (slot.restartTimer) clearTimeout(slot.restartTimer);
    const end = Date.now() + deadlineMs;
    this.#log.info({ graceful, deadlineMs }, 'stopping every process');
    const killAll = setTimeout(() => {
      for (const child of this.#children) {
        if (!isRunning(child)) continue;
        this.#log.warn({ childPid: child.pid }, 'did not stop by the deadline; killing');
        child.kill('SIGKILL');
      }
    }, deadlineMs + KILL_MARGIN_MS);
    const roleOf = (child: ChildProcess): ChildRole =>
      this.#draining.get(child)?.role ?? this.#slots.find((s) => s.process === child)?.role ?? 'worker';
    const stopRole = async (roles: ChildRole[]): Promise<void> => {
      const group = [...this.#children].filter((c) => roles.includes(roleOf(c)));
      const left = Math.max(IMMEDIATE_STOP_MS / 2, end - Date.now());
      for (const child of group) tell(child, { type: 'stop', graceful, deadlineMs: left });
      await Promise.all(group.map(exitOf));
    };
    if (graceful) {
      await stopRole(['gateway']);
      await stopRole(['worker']);
      await stopRole(['register']);
    } else {
      await stopRole(['gateway', 'worker', 'register']);
    }
    clearTimeout(killAll);
    cleanRunDir(this.#config.runDir);
    this.#log.info('gatehouse stopped');
  }
}
