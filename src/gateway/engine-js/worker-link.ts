import type { Socket } from 'node:net';
import type { Logger } from '../../log/logger.js';
import { FrameType } from '../../protocol/constants.js';
import { LinkProtocolError } from '../../protocol/errors.js';
import { decodeAck, decodeCredit } from '../../protocol/event-codec.js';
import { FrameDecoder } from '../../protocol/frame-decoder.js';
import { encodeFrame } from '../../protocol/frame-encoder.js';
import {
  decodeAuth,
  encodeHello,
  encodeWelcome,
  gatewayProof,
  newNonce,
  proofMatches,
  workerProof,
  type HelloInfo,
} from '../../protocol/handshake.js';
import { turnCorker } from '../../util/turn-corker.js';
import type { Connection } from './connection.js';
import type { PendingEvent } from './pending-event.js';
import { hop } from '../../util/hop-trace.js';

/** What the engine does with what a link receives. Each runs synchronously, in frame order. */
export interface LinkHandlers {
  opened(link: WorkerLink): void;
  ack(link: WorkerLink, seqs: number[]): void;
  credit(link: WorkerLink, credits: number): void;
  drain(link: WorkerLink): void;
  /** Executes a Command body; throws LinkProtocolError when it is malformed. */
  command(link: WorkerLink, body: Buffer): void;
  /** Answers a Query body with a whole Reply frame; throws LinkProtocolError when it is malformed. */
  query(link: WorkerLink, body: Buffer): Buffer;
  /** The link's output went over its bound: no events go to it until outputDrained. */
  outputBlocked(link: WorkerLink): void;
  /** The link's output fell back under its bound: events may flow again. */
  outputDrained(link: WorkerLink): void;
  /** The link is gone. `wasOpen`: it had finished its handshake (so it may hold events). */
  closed(link: WorkerLink, reason: string, wasOpen: boolean, protocolError: boolean): void;
}

export interface LinkOptions {
  /** HMAC key: config.secretKey ?? ''. */
  secret: string;
  hello: HelloInfo;
  /** Largest frame accepted from the worker; told to it in Welcome. */
  maxFrameSize: number;
  handshakeTimeoutMs: number;
  /** Bytes of unsent output beyond which no more events are written until the socket drains. */
  outputLimit: number;
  logger: Logger;
}

type LinkState = 'handshake' | 'open' | 'closed';

/** After a Reject, a worker that keeps its end open is cut off after this long. */
const REJECT_LINGER_MS = 1000;

/**
 * One worker link, gateway side: the handshake of docs/protocol.md, frame
 * decoding, and the per-link flow-control state the event router reads and
 * writes (credit, unacked events, pinned and waiting clients).
 *
 * Any broken frame, a frame not allowed in the link's state, or an exception
 * while handling one closes this link with a logged reason (and a Reject frame
 * first) — never the process. Output goes through the process's turn corker:
 * everything written to the link in one event-loop turn leaves in one write.
 */
/**
 * The most connect events in flight on a link: half its window (at least
 * one). The other half stays for clients already open, so during a connect
 * storm their messages still go at once.
 */
export function openingShareOf(window: number): number {
  return Math.max(1, Math.floor(window / 2));
}

/**
 * While connects wait, the part of a link's window events of open clients
 * leave to them: a quarter (at least one), so a pool kept busy by open
 * clients still welcomes new ones.
 */
export function openingReserveOf(window: number): number {
  return Math.max(1, Math.floor(window / 4));
}

export class WorkerLink {
  state: LinkState = 'handshake';
  workerId: string | null = null;
  workerPid = 0;
  /** The protocol version the worker chose in Auth (0 before it). */
  protocolVersion = 0;
  /** Events the worker still accepts before acknowledging some. */
  credit = 0;
  /** All the credit the worker granted: its window of events in flight. */
  window = 0;
  /** Connect events sent and not yet acknowledged (at most half the window: openingShareOf). */
  openingInFlight = 0;
  /** The worker has granted credit at least once: only then are new clients pinned here. */
  credited = false;
  /** The worker asked for no new clients (reload). */
  draining = false;
  /** Drained was sent: the link is empty and gets no client any more. */
  drainedSent = false;
  /** The socket holds more than outputLimit unsent bytes. */
  outputBlocked = false;
  /** Events sent and not yet acknowledged, by seq, in send order. */
  readonly unacked = new Map<number, PendingEvent>();
  /** Clients pinned to this link. */
  readonly pinned = new Set<Connection>();
  /** Pinned clients with events waiting for credit (or for the output to drain). */
  readonly waiting = new Set<Connection>();
  /**
   * Pinned clients whose next event is a connect, waiting for credit or for
   * the opening share: served after `waiting`, so a connect storm never keeps
   * an open client's message behind it.
   */
  readonly waitingOpening = new Set<Connection>();

  readonly #socket: Socket;
  readonly #handlers: LinkHandlers;
  readonly #options: LinkOptions;
  readonly #decoder: FrameDecoder;
  readonly #nonce = newNonce();
  #handshakeTimer: NodeJS.Timeout | null;

  constructor(
    readonly id: number,
    socket: Socket,
    readonly transport: 'unix' | 'tcp',
    handlers: LinkHandlers,
    options: LinkOptions,
  ) {
    this.#socket = socket;
    this.#handlers = handlers;
    this.#options = options;
    this.#decoder = new FrameDecoder(options.maxFrameSize);
    if (transport === 'tcp') socket.setNoDelay(true);
    socket.on('data', this.#onData);
    socket.on('error', (err: NodeJS.ErrnoException) => this.#close(`socket error: ${err.code ?? err.message}`, false, false));
    socket.on('close', () => this.#close('the worker closed the link', false, false));
    socket.on('drain', this.#onDrain);
    this.#handshakeTimer = setTimeout(
      () => this.fail(`handshake not finished within ${options.handshakeTimeoutMs} ms`),
      options.handshakeTimeoutMs,
    );
    this.#write(encodeFrame(FrameType.Hello, ...encodeHello(this.#nonce, options.hello)));
  }

  get canSend(): boolean {
    return this.state === 'open' && this.credit > 0 && !this.outputBlocked;
  }

  /** A connect event may go now: credit, and less than half the window spent on connects. */
  get canSendOpening(): boolean {
    return this.canSend && this.openingInFlight < openingShareOf(this.window);
  }

  /** Another event of an open client may go now: credit, and while connects wait, a quarter of the window left to them. */
  get canSendOpen(): boolean {
    if (!this.canSend) return false;
    if (this.waitingOpening.size === 0) return true;
    const openInFlight = this.window - this.credit - this.openingInFlight;
    return openInFlight < this.window - openingReserveOf(this.window);
  }

  /** Bytes written to the link and not yet taken by the kernel. */
  get outputBytes(): number {
    return this.#socket.writableLength;
  }

  /** Writes a whole frame (event, reply, pong). */
  write(frame: Buffer): void {
    if (this.state === 'closed') return;
    this.#write(frame);
  }

  /** Closes the link for a protocol violation: logged, Reject sent first. */
  fail(reason: string, cause?: unknown): void {
    if (this.state === 'closed') return;
    const log = { linkId: this.id, workerId: this.workerId, transport: this.transport, reason };
    if (cause !== undefined && !(cause instanceof LinkProtocolError)) {
      this.#options.logger.error({ ...log, err: cause }, 'closing a worker link after an error while handling its frame');
    } else {
      this.#options.logger.warn(log, 'closing a worker link that broke the link protocol');
    }
    this.#close(reason, true, true);
  }

  /** Closes the link without blame (gateway stopping). */
  close(reason: string): void {
    this.#close(reason, false, false, true);
  }

  #write(frame: Buffer): void {
    const socket = this.#socket;
    turnCorker.write(socket, frame);
    // Never under the high-water mark: only a write over it promises a 'drain' to unblock.
    if (!this.outputBlocked && socket.writableLength > Math.max(this.#options.outputLimit, socket.writableHighWaterMark)) {
      this.outputBlocked = true;
      this.#handlers.outputBlocked(this);
    }
  }

  readonly #onDrain = (): void => {
    if (this.outputBlocked && this.state === 'open') {
      this.outputBlocked = false;
      this.#handlers.outputDrained(this);
    }
  };

  readonly #onData = (chunk: Buffer): void => {
    hop('g.link-read');
    if (this.state === 'closed') return;
    try {
      this.#decoder.push(chunk, this.#onFrame);
    } catch (err) {
      this.fail(err instanceof Error ? err.message : String(err), err);
    }
  };

  readonly #onFrame = (type: number, body: Buffer): void => {
    if (this.state === 'closed') return;
    if (this.state === 'handshake') {
      this.#onHandshakeFrame(type, body);
      return;
    }
    switch (type) {
      case FrameType.Ack:
        this.#handlers.ack(this, decodeAck(body));
        return;
      case FrameType.Credit:
        this.#handlers.credit(this, decodeCredit(body));
        return;
      case FrameType.Drain:
        if (body.length !== 0) throw new LinkProtocolError('drain: body must be empty');
        this.#handlers.drain(this);
        return;
      case FrameType.Command:
        this.#handlers.command(this, body);
        return;
      case FrameType.Query:
        this.#write(this.#handlers.query(this, body));
        return;
      case FrameType.Ping:
        if (body.length !== 8) throw new LinkProtocolError('ping: body must be 8 bytes');
        this.#write(encodeFrame(FrameType.Pong, body));
        return;
      case FrameType.Pong:
        return;
      case FrameType.Reject:
        this.#options.logger.warn({ linkId: this.id, workerId: this.workerId, reason: body.toString('utf8') }, 'a worker rejected its link');
        this.#close(`the worker rejected the link: ${body.toString('utf8')}`, false, false);
        return;
      default:
        throw new LinkProtocolError(`frame type 0x${type.toString(16).padStart(2, '0')} is not allowed from a worker`);
    }
  };

  #onHandshakeFrame(type: number, body: Buffer): void {
    if (type === FrameType.Reject) {
      this.#options.logger.warn({ linkId: this.id, reason: body.toString('utf8') }, 'a worker rejected the handshake');
      this.#close(`the worker rejected the handshake: ${body.toString('utf8')}`, false, false);
      return;
    }
    if (type !== FrameType.Auth) {
      throw new LinkProtocolError(`frame type 0x${type.toString(16).padStart(2, '0')} before the handshake finished (expected Auth)`);
    }
    const auth = decodeAuth(body);
    const info = auth.info as Partial<typeof auth.info> | null;
    if (typeof info !== 'object' || info === null || typeof info.workerId !== 'string' || typeof info.pid !== 'number') {
      throw new LinkProtocolError('auth: description must be {"workerId": string, "pid": number}');
    }
    const { secret } = this.#options;
    if (!proofMatches(workerProof(secret, this.#nonce, auth.nonce), auth.mac)) {
      this.fail('authentication failed');
      return;
    }
    this.#clearHandshakeTimer();
    this.workerId = info.workerId;
    this.workerPid = info.pid;
    this.protocolVersion = auth.version;
    this.#write(
      encodeFrame(
        FrameType.Welcome,
        ...encodeWelcome(gatewayProof(secret, this.#nonce, auth.nonce), { linkId: this.id, maxFrameSize: this.#options.maxFrameSize }),
      ),
    );
    this.state = 'open';
    this.#handlers.opened(this);
  }

  #clearHandshakeTimer(): void {
    if (this.#handshakeTimer !== null) {
      clearTimeout(this.#handshakeTimer);
      this.#handshakeTimer = null;
    }
  }

  #close(reason: string, reject: boolean, protocolError: boolean, graceful = false): void {
    if (this.state === 'closed') return;
    const wasOpen = this.state === 'open';
    this.state = 'closed';
    this.#clearHandshakeTimer();
    const socket = this.#socket;
    if ((reject || graceful) && !socket.destroyed && socket.writable) {
      // A graceful close says why too (the gateway is stopping), so the worker can tell it from a crash.
      turnCorker.write(socket, encodeFrame(FrameType.Reject, Buffer.from(reason)));
      turnCorker.release(socket);
      socket.end();
      setTimeout(() => socket.destroy(), REJECT_LINGER_MS).unref();
    } else {
      socket.destroy();
    }
    this.#handlers.closed(this, reason, wasOpen, protocolError);
  }
}
