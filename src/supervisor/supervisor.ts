import { fork, type ChildProcess } from 'node:child_process';
import cluster, { type Worker as ClusterWorker } from 'node:cluster';
import { fileURLToPath } from 'node:url';
import type { ResolvedConfig } from '../config/types.js';
import type { Logger } from '../log/logger.js';
import { ENV_CONFIG_FILE, ENV_INDEX, ENV_ROLE, type ChildToSupervisor, type GatewayReadyMessage } from './ipc.js';
import { cleanRunDir, prepareRunDir, writeRunFiles } from './run-dir.js';

type Role = 'gateway' | 'worker';

/** One supervised slot: a role and index, and the process currently filling it. */
interface Slot {
  role: Role;
  index: number;
  process: ChildProcess | null;
  pid: number | null;
  ready: boolean;
  startedAt: number;
  /** Crashes in a row that came soon after a start; drives the restart delay. */
  quickCrashes: number;
  restartTimer: NodeJS.Timeout | null;
}

const GATEWAY_ENTRY = fileURLToPath(new URL('../gateway/main.js', import.meta.url));
const WORKER_ENTRY = fileURLToPath(new URL('../worker/main.js', import.meta.url));

/** A crash within this long of a start counts as quick: the next restart waits longer. */
const QUICK_CRASH_MS = 5000;
const MAX_RESTART_DELAY_MS = 5000;
const STOP_DEADLINE_MS = 8000;

/**
 * The process tree: G gateway processes (cluster workers sharing the client
 * ports) and W business-worker processes. Restarts any child that dies, with a
 * growing delay for children that crash right after starting, and stops them
 * all on stop().
 */
export class Supervisor {
  readonly #config: ResolvedConfig;
  readonly #log: Logger;
  readonly #slots: Slot[] = [];
  #configFile = '';
  #stopping = false;
  #announced = false;
  #listeners: GatewayReadyMessage['listeners'] = [];
  #readyResolve: (() => void) | null = null;

  constructor(config: ResolvedConfig, logger: Logger) {
    this.#config = config;
    this.#log = logger;
  }

  /** Starts every child; resolves once all are ready (gateways listening, workers linked to every gateway). */
  start(): Promise<void> {
    prepareRunDir(this.#config.runDir);
    cleanRunDir(this.#config.runDir);
    this.#configFile = writeRunFiles(this.#config);
    cluster.schedulingPolicy = cluster.SCHED_NONE;
    cluster.setupPrimary({ exec: GATEWAY_ENTRY, args: [], silent: false });
    for (let i = 0; i < this.#config.gateway.count; i++) this.#slots.push(this.#slot('gateway', i));
    for (let i = 0; i < this.#config.worker.count; i++) this.#slots.push(this.#slot('worker', i));
    const ready = new Promise<void>((resolve) => (this.#readyResolve = resolve));
    for (const slot of this.#slots) this.#spawn(slot);
    return ready;
  }

  get listeners(): GatewayReadyMessage['listeners'] {
    return this.#listeners;
  }

  #slot(role: Role, index: number): Slot {
    return { role, index, process: null, pid: null, ready: false, startedAt: 0, quickCrashes: 0, restartTimer: null };
  }

  #spawn(slot: Slot): void {
    const env = {
      [ENV_ROLE]: slot.role,
      [ENV_INDEX]: String(slot.index),
      [ENV_CONFIG_FILE]: this.#configFile,
      GATEHOUSE_LOG_LEVEL: this.#config.logLevel,
    };
    let child: ChildProcess;
    if (slot.role === 'gateway') {
      const worker: ClusterWorker = cluster.fork(env);
      child = worker.process;
      worker.on('message', (msg: ChildToSupervisor) => this.#onMessage(slot, msg));
      worker.on('exit', (code, signal) => this.#onExit(slot, child, code, signal));
    } else {
      child = fork(WORKER_ENTRY, [], { env: { ...process.env, ...env }, stdio: 'inherit' });
      child.on('message', (msg: ChildToSupervisor) => this.#onMessage(slot, msg));
      child.on('exit', (code, signal) => this.#onExit(slot, child, code, signal));
    }
    child.on('error', (err) => this.#log.error({ err, child: slot.role, index: slot.index }, 'child process error'));
    slot.process = child;
    slot.pid = child.pid ?? null;
    slot.ready = false;
    slot.startedAt = Date.now();
    this.#log.debug({ child: slot.role, index: slot.index, childPid: slot.pid }, 'started');
  }

  #onMessage(slot: Slot, msg: ChildToSupervisor): void {
    if (typeof msg !== 'object' || msg === null || msg.type !== 'ready') return;
    slot.ready = true;
    if (msg.role === 'gateway') {
      if (slot.index === 0 || this.#listeners.length === 0) this.#listeners = msg.listeners;
      this.#log.info({ index: slot.index, childPid: slot.pid, gatewayId: msg.gatewayId }, 'gateway ready');
    } else if (msg.role === 'worker') {
      this.#log.info({ index: slot.index, childPid: slot.pid, linked: msg.linked }, 'worker ready');
    }
    if (!this.#announced && this.#slots.every((s) => s.ready)) {
      this.#announced = true;
      this.#log.info(
        { listeners: this.#listeners, runDir: this.#config.runDir, gateways: this.#config.gateway.count, workers: this.#config.worker.count },
        'gatehouse ready',
      );
      this.#readyResolve?.();
    }
  }

  #onExit(slot: Slot, child: ChildProcess, code: number | null, signal: string | null): void {
    if (slot.process !== child) return;
    slot.process = null;
    slot.ready = false;
    if (this.#stopping) return;
    const quick = Date.now() - slot.startedAt < QUICK_CRASH_MS;
    slot.quickCrashes = quick ? slot.quickCrashes + 1 : 0;
    const delay = slot.quickCrashes === 0 ? 0 : Math.min(MAX_RESTART_DELAY_MS, 100 * 2 ** (slot.quickCrashes - 1));
    this.#log.warn({ child: slot.role, index: slot.index, childPid: slot.pid, code, signal, restartInMs: delay }, `${slot.role} exited; restarting`);
    slot.restartTimer = setTimeout(() => {
      slot.restartTimer = null;
      if (!this.#stopping) this.#spawn(slot);
    }, delay);
  }

  /** Stops every child (SIGTERM, then SIGKILL after a deadline) and cleans the run directory. */
  async stop(): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    this.#readyResolve = null;
    const exits: Promise<void>[] = [];
    for (const slot of this.#slots) {
      if (slot.restartTimer) clearTimeout(slot.restartTimer);
      const child = slot.process;
      if (!child || child.exitCode !== null || child.signalCode !== null) continue;
      exits.push(
        new Promise<void>((resolve) => {
          const killTimer = setTimeout(() => {
            this.#log.warn({ child: slot.role, index: slot.index, childPid: slot.pid }, 'did not stop in time; killing');
            child.kill('SIGKILL');
          }, STOP_DEADLINE_MS);
          child.once('exit', () => {
            clearTimeout(killTimer);
            resolve();
          });
          child.kill('SIGTERM');
        }),
      );
    }
    await Promise.all(exits);
    cleanRunDir(this.#config.runDir);
    this.#log.info('gatehouse stopped');
  }
}
