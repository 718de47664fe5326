/**
 * Headless Chromium (Debian's /usr/bin/chromium) driven over the DevTools
 * protocol on a pipe (--remote-debugging-pipe: commands on fd 3, answers and
 * events on fd 4, each message NUL-terminated), so no debugging port is opened.
 * A test opens pages with open(), evaluates expressions in them and closes the
 * browser; the browser runs in its own process group, killed at close() or at
 * process exit.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';

export const CHROMIUM = process.env.GATEHOUSE_TEST_CHROMIUM ?? '/usr/bin/chromium';

export function haveChromium(): boolean {
  return existsSync(CHROMIUM);
}

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-extensions',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-default-apps',
  '--disable-sync',
  '--no-first-run',
  '--no-default-browser-check',
  '--remote-debugging-pipe',
];

interface Pending {
  resolve: (result: any) => void;
  reject: (error: Error) => void;
  method: string;
  timer: NodeJS.Timeout;
}

const browsers = new Set<Browser>();
process.once('exit', () => {
  for (const b of browsers) b.kill();
});

export class Browser {
  readonly #proc: ChildProcess;
  readonly #in: Writable;
  readonly #profile: string;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  #buffer = '';
  stderr = '';
  exited = false;

  private constructor(proc: ChildProcess, profile: string) {
    this.#proc = proc;
    this.#profile = profile;
    this.#in = proc.stdio[3] as Writable;
    const out = proc.stdio[4] as Readable;
    out.setEncoding('utf8');
    out.on('data', (chunk: string) => this.#onData(chunk));
    proc.stderr!.setEncoding('utf8');
    proc.stderr!.on('data', (s: string) => {
      this.stderr = (this.stderr + s).slice(-20_000);
    });
    this.#in.on('error', () => {
      /* the browser went away: the pending calls fail below */
    });
    proc.once('exit', () => {
      this.exited = true;
      for (const p of this.#pending.values()) {
        clearTimeout(p.timer);
        p.reject(new Error(`chromium exited during ${p.method}\n${this.stderr.slice(-3000)}`));
      }
      this.#pending.clear();
    });
    browsers.add(this);
  }

  /** Starts the browser and checks that the protocol answers. */
  static async launch(): Promise<Browser> {
    const profile = mkdtempSync(join(tmpdir(), 'gh-chromium-'));
    const proc = spawn(CHROMIUM, [...FLAGS, `--user-data-dir=${profile}`, 'about:blank'], {
      stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'],
      detached: true,
    });
    const browser = new Browser(proc, profile);
    try {
      await browser.send('Browser.getVersion', {}, undefined, 30_000);
    } catch (e) {
      await browser.close();
      throw e;
    }
    return browser;
  }

  #onData(chunk: string): void {
    this.#buffer += chunk;
    let end: number;
    while ((end = this.#buffer.indexOf('\0')) >= 0) {
      const text = this.#buffer.slice(0, end);
      this.#buffer = this.#buffer.slice(end + 1);
      let msg: { id?: number; result?: unknown; error?: { message: string } };
      try {
        msg = JSON.parse(text);
      } catch {
        continue;
      }
      if (msg.id === undefined) continue; // an event: not needed
      const p = this.#pending.get(msg.id);
      if (!p) continue;
      this.#pending.delete(msg.id);
      clearTimeout(p.timer);
      if (msg.error) p.reject(new Error(`${p.method}: ${msg.error.message}`));
      else p.resolve(msg.result);
    }
  }

  /** One DevTools protocol command (in a page's session when sessionId is given). */
  send(method: string, params: Record<string, unknown> = {}, sessionId?: string, timeoutMs = 10_000): Promise<any> {
    if (this.exited) return Promise.reject(new Error(`chromium has exited (${method})\n${this.stderr.slice(-3000)}`));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`${method}: no answer from chromium within ${timeoutMs} ms\n${this.stderr.slice(-3000)}`));
      }, timeoutMs);
      this.#pending.set(id, { resolve, reject, method, timer });
      this.#in.write(`${JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) })}\0`);
    });
  }

  /** Opens a page on url and attaches to it. */
  async open(url: string): Promise<Page> {
    const { targetId } = (await this.send('Target.createTarget', { url })) as { targetId: string };
    const { sessionId } = (await this.send('Target.attachToTarget', { targetId, flatten: true })) as { sessionId: string };
    return new Page(this, targetId, sessionId);
  }

  kill(): void {
    if (this.exited || this.#proc.pid === undefined) return;
    try {
      process.kill(-this.#proc.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }

  /** Asks the browser to close, kills its process group after 5 s, removes the profile. */
  async close(): Promise<void> {
    if (!this.exited) {
      const exited = new Promise<void>((r) => this.#proc.once('exit', () => r()));
      this.send('Browser.close', {}, undefined, 5000).catch(() => this.kill());
      const timer = setTimeout(() => this.kill(), 5000);
      await exited;
      clearTimeout(timer);
    }
    // Helpers of the browser (renderer, zygote) share its group.
    this.kill();
    browsers.delete(this);
    rmSync(this.#profile, { recursive: true, force: true });
  }
}

export class Page {
  constructor(
    readonly browser: Browser,
    readonly targetId: string,
    readonly sessionId: string,
  ) {}

  /** The value of a JavaScript expression in the page (promises awaited); a thrown error rejects. */
  async evaluate<T = unknown>(expression: string): Promise<T> {
    const r = (await this.browser.send('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true }, this.sessionId)) as {
      result: { value?: T };
      exceptionDetails?: { text: string; exception?: { description?: string } };
    };
    if (r.exceptionDetails) throw new Error(`in the page: ${r.exceptionDetails.exception?.description ?? r.exceptionDetails.text} (${expression})`);
    return r.result.value as T;
  }

  /** Polls an expression until ok() accepts its value; fails with the last value. */
  async waitFor<T>(expression: string, ok: (v: T) => boolean, what: string, timeoutMs = 10_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: T | undefined;
    let lastError: Error | undefined;
    for (;;) {
      try {
        last = await this.evaluate<T>(expression);
        lastError = undefined;
        if (ok(last)) return last;
      } catch (e) {
        lastError = e as Error;
      }
      if (Date.now() >= deadline) {
        throw new Error(`page: ${what} not seen within ${timeoutMs} ms; ${lastError ? `last error: ${lastError.message}` : `last value: ${JSON.stringify(last)}`}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  close(): Promise<unknown> {
    return this.browser.send('Target.closeTarget', { targetId: this.targetId });
  }
}
