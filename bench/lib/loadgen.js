// Starts and drives loadgen processes (bench/loadgen/loadgen.c) over their stdin/stdout line protocol.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const SOURCE = fileURLToPath(new URL('../loadgen/loadgen.c', import.meta.url));
const BUILD = fileURLToPath(new URL('../loadgen/build.sh', import.meta.url));
export const LOADGEN = fileURLToPath(new URL('../../build/bench/loadgen', import.meta.url));

/** Builds the load generator when it is missing or older than its source. */
export function buildLoadgen() {
  if (existsSync(LOADGEN) && statSync(LOADGEN).mtimeMs >= statSync(SOURCE).mtimeMs) return;
  const r = spawnSync('sh', [BUILD], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error('building bench/loadgen failed (is cc installed?)');
}

export class Loader {
  #child;
  #waiting = [];
  #ready;
  stderr = '';

  constructor(options) {
    const args = Object.entries(options).flatMap(([k, v]) => [`--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`, String(v)]);
    this.#child = spawn(LOADGEN, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.pid = this.#child.pid;
    this.#child.stderr.on('data', (d) => (this.stderr += d));
    let readyResolve;
    let readyReject;
    this.#ready = new Promise((res, rej) => ([readyResolve, readyReject] = [res, rej]));
    this.#ready.catch(() => {});
    this.#child.on('exit', (code) => {
      const err = new Error(`loadgen exited with ${code}: ${this.stderr.trim()}`);
      readyReject(err);
      for (const w of this.#waiting.splice(0)) w.reject(err);
    });
    createInterface({ input: this.#child.stdout }).on('line', (line) => {
      const msg = JSON.parse(line);
      if (msg.event === 'ready') readyResolve(msg);
      else this.#waiting.shift()?.resolve(msg);
    });
  }

  /** Resolves with {connected, failed} once every connection attempt ended; rejects after `ms`. */
  ready(ms) {
    return Promise.race([
      this.#ready,
      new Promise((_, rej) => setTimeout(() => rej(new Error(`loadgen ${this.pid} did not connect within ${ms} ms`)), ms).unref()),
    ]);
  }

  /** Sends one command ("start", "stop", "reset", "stats") and resolves with its JSON answer. */
  command(cmd) {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ resolve, reject });
      this.#child.stdin.write(`${cmd}\n`);
    });
  }

  quit() {
    if (this.#child.exitCode !== null) return Promise.resolve();
    const gone = new Promise((r) => this.#child.once('exit', r));
    this.#child.stdin.end('quit\n');
    setTimeout(() => this.#child.kill('SIGKILL'), 3000).unref();
    return gone;
  }
}

/** Every loader's answer to the same command, sent to all at (nearly) the same moment. */
export function all(loaders, cmd) {
  return Promise.all(loaders.map((l) => l.command(cmd)));
}
