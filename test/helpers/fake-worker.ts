// A scriptable business worker for gateway tests: one link to a gateway,
// speaking docs/protocol.md with the codecs of src/protocol, every step in the
// test's hands (credits, acks, commands, queries, raw bytes).
import { connect, type Socket } from 'node:net';
import { encodeBinaryCommandFrame } from '../../src/protocol/binary-command.js';
import { encodeQueryFrame, decodeReply, type LinkReply } from '../../src/protocol/command-codec.js';
import { FrameType, PROTOCOL_VERSION, type CommandOp } from '../../src/protocol/constants.js';
import { decodeEvent, decodeForget, encodeAck, encodeCredit, type LinkEvent } from '../../src/protocol/event-codec.js';
import { FrameDecoder } from '../../src/protocol/frame-decoder.js';
import { encodeFrame } from '../../src/protocol/frame-encoder.js';
import {
  decodeHello,
  decodeWelcome,
  gatewayProof,
  newNonce,
  proofMatches,
  workerProof,
  type HelloInfo,
  type WelcomeInfo,
} from '../../src/protocol/handshake.js';

export type LinkTarget = string | { host: string; port: number };

export interface FakeWorkerOptions {
  /** HMAC key; default '' (what a gateway without secretKey uses). */
  secret?: string;
  /** Credit granted right after Welcome; 0 grants none. Default 1000. */
  credits?: number;
  /**
   * Protocol version written in Auth, whatever Hello offered (commands are
   * laid out the same in versions 2 and 3). Default PROTOCOL_VERSION.
   */
  version?: number;
  /** Ack every event as soon as it arrives. Default false. */
  autoAck?: boolean;
  workerId?: string;
}

/** Resolves with the value `poll` returns once it is not undefined; rejects after `ms`. */
export async function waitFor<T>(what: string, poll: () => T | undefined, ms = 3000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = poll();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export class FakeWorker {
  readonly events: LinkEvent[] = [];
  hello: HelloInfo | null = null;
  welcome: WelcomeInfo | null = null;
  /** Reason of a Reject frame from the gateway. */
  rejected: string | null = null;
  closed = false;
  /** Every frame type received, in order. */
  readonly frameTypes: number[] = [];
  /** Client ids the gateway told this worker to forget (Forget frames, version 2), in order. */
  readonly forgotten: string[] = [];
  readonly #socket: Socket;
  readonly #decoder = new FrameDecoder();
  readonly #options: Required<Omit<FakeWorkerOptions, 'workerId'>> & { workerId: string };
  readonly #replies = new Map<number, LinkReply>();
  #unacked: number[] = [];
  /** Ack every event as it arrives. */
  autoAck: boolean;
  #nonce = newNonce();
  #gatewayNonce: Buffer | null = null;
  #nextQueryId = 1;
  #consumed = 0;
  readonly closedPromise: Promise<void>;

  private constructor(target: LinkTarget, options: FakeWorkerOptions) {
    this.#options = {
      secret: options.secret ?? '',
      credits: options.credits ?? 1000,
      version: options.version ?? PROTOCOL_VERSION,
      autoAck: options.autoAck ?? false,
      workerId: options.workerId ?? 'fake-worker',
    };
    this.autoAck = this.#options.autoAck;
    this.#socket = typeof target === 'string' ? connect({ path: target }) : connect(target);
    this.#socket.on('data', (chunk: Buffer) => this.#decoder.push(chunk, (type, body) => this.#onFrame(type, body)));
    this.#socket.on('error', () => {});
    this.closedPromise = new Promise((resolve) =>
      this.#socket.on('close', () => {
        this.closed = true;
        resolve();
      }),
    );
  }

  /** Connects and runs the handshake; resolves once Welcome arrived (and credit was granted). */
  static async connect(target: LinkTarget, options: FakeWorkerOptions = {}): Promise<FakeWorker> {
    const w = FakeWorker.open(target, options);
    await waitFor('Welcome', () => (w.welcome ? true : w.closed ? Promise.reject(new Error(`link closed: ${w.rejected}`)) : undefined));
    return w;
  }

  /** Connects and answers Hello, without waiting: for handshake failure tests. */
  static open(target: LinkTarget, options: FakeWorkerOptions = {}): FakeWorker {
    return new FakeWorker(target, options);
  }

  #onFrame(type: number, body: Buffer): void {
    this.frameTypes.push(type);
    switch (type) {
      case FrameType.Hello: {
        const hello = decodeHello(body);
        this.hello = hello.info;
        this.#gatewayNonce = hello.nonce;
        const mac = workerProof(this.#options.secret, hello.nonce, this.#nonce);
        const version = Buffer.alloc(2);
        version.writeUInt16BE(this.#options.version, 0);
        const info = Buffer.from(JSON.stringify({ workerId: this.#options.workerId, pid: process.pid }));
        this.send(encodeFrame(FrameType.Auth, version, this.#nonce, mac, info));
        return;
      }
      case FrameType.Welcome: {
        const welcome = decodeWelcome(body);
        const expected = gatewayProof(this.#options.secret, this.#gatewayNonce!, this.#nonce);
        if (!proofMatches(expected, welcome.mac)) throw new Error('fake worker: the gateway proof does not match');
        this.welcome = welcome.info;
        if (this.#options.credits > 0) this.credit(this.#options.credits);
        return;
      }
      case FrameType.Reject:
        this.rejected = body.toString('utf8');
        return;
      case FrameType.Event: {
        const ev = decodeEvent(Buffer.from(body));
        this.events.push(ev);
        if (this.autoAck) this.ack(ev.seq);
        else this.#unacked.push(ev.seq);
        return;
      }
      case FrameType.Forget:
        this.forgotten.push(...decodeForget(Buffer.from(body)));
        return;
      case FrameType.Reply: {
        const reply = decodeReply(body);
        this.#replies.set(reply.id, reply);
        return;
      }
      default:
        return;
    }
  }

  send(bytes: Buffer): void {
    this.#socket.write(bytes);
  }

  frame(type: number, ...parts: Uint8Array[]): void {
    this.send(encodeFrame(type, ...parts));
  }

  credit(n: number): void {
    this.frame(FrameType.Credit, encodeCredit(n));
  }

  ack(...seqs: number[]): void {
    this.frame(FrameType.Ack, encodeAck(seqs));
  }

  /** Acks every event received and not acked yet. */
  ackAll(): void {
    if (this.#unacked.length === 0) return;
    this.ack(...this.#unacked);
    this.#unacked = [];
  }

  /** Stops (and resumes) reading the link, so the gateway's output backs up. */
  pauseReading(): void {
    this.#socket.pause();
  }

  resumeReading(): void {
    this.#socket.resume();
  }

  drain(): void {
    this.frame(FrameType.Drain);
  }

  command(op: CommandOp, head: unknown, data?: Buffer | string, flags = 0): void {
    this.send(this.commandFrame(op, head, data, flags));
  }

  commandFrame(op: CommandOp, head: unknown, data?: Buffer | string, flags = 0): Buffer {
    return encodeBinaryCommandFrame(op, flags, head, typeof data === 'string' ? Buffer.from(data) : data);
  }

  async query(op: string, args: unknown[]): Promise<LinkReply> {
    const id = this.#nextQueryId++;
    this.send(encodeQueryFrame(id, op, args));
    return waitFor(`reply to ${op}`, () => this.#replies.get(id));
  }

  /** The next event not yet taken by nextEvent(), waiting for it if needed. */
  async nextEvent(ms = 3000): Promise<LinkEvent> {
    const i = this.#consumed;
    const ev = await waitFor(`event #${i + 1}`, () => this.events[i], ms);
    this.#consumed++;
    return ev;
  }

  /** Waits until `n` events have arrived in total. */
  async eventCount(n: number, ms = 3000): Promise<LinkEvent[]> {
    await waitFor(`${n} events (have ${this.events.length})`, () => (this.events.length >= n ? true : undefined), ms);
    return this.events;
  }

  async waitClosed(ms = 3000): Promise<void> {
    await waitFor('the link to close', () => (this.closed ? true : undefined), ms);
  }

  close(): void {
    this.#socket.destroy();
  }

  /** Ends the link gracefully. */
  end(): void {
    this.#socket.end();
  }
}
