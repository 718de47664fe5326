/**
 * A gateway for worker tests: a server on a Unix socket speaking the gateway
 * side of docs/protocol.md with the src/protocol codecs — handshake, events
 * (with the gateway's session rules: version, known, per-link patch acks),
 * commands, acks, queries — and recording everything each worker link sends.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { unlinkSync } from 'node:fs';
import {
  CommandFlag,
  CommandOp,
  EventKind,
  PROTOCOL_VERSION,
  FrameDecoder,
  FrameType,
  PayloadKind,
  applySessionPatch,
  decodeAck,
  decodeAuth,
  decodeBinaryCommand,
  decodeCredit,
  decodeQuery,
  decodeSessionPatch,
  encodeEventFrame,
  encodeForget,
  encodeFrame,
  encodeReplyFrame,
  encodeWelcome,
  gatewayProof,
  makeClientId,
  newGatewayId,
  newNonce,
  proofMatches,
  workerProof,
  type CommandArgs,
  type Session,
} from '../../src/protocol/index.js';

export type Received =
  | { type: 'command'; op: number; flags: number; head: unknown; data: Buffer; text: string }
  | { type: 'ack'; seqs: number[] }
  | { type: 'credit'; n: number }
  | { type: 'drain' }
  | { type: 'query'; id: number; op: string; args: unknown[] }
  | { type: 'reject'; reason: string }
  | { type: 'pong'; bytes: Buffer };

/** What the fake answers to a query: a result, an error ({error}), or undefined to never answer. */
export type QueryAnswer = (op: string, args: unknown[]) => unknown;

export interface FakeGatewayOptions {
  path: string;
  gatewayId?: string;
  secret?: string;
  answer?: QueryAnswer;
  /** Send a Welcome with a wrong proof (to test that workers check it). */
  forgeWelcome?: boolean;
  /**
   * The newest protocol version this fake gateway speaks (default
   * PROTOCOL_VERSION). As a real gateway of that version, Hello says it accepts
   * the one before too; an Auth of any other version is refused. Commands are
   * read in the one layout of versions 2 and 3 (a fake of version 1 or one
   * newer than ours is for testing that workers refuse it).
   */
  version?: number;
}

/** A command as recorded: the head value the worker's API built (what binary-command.ts lays out). */
interface LinkCommand {
  op: CommandOp;
  flags: number;
  head: unknown;
  data: Buffer;
}

/** The head value of decoded arguments, so tests assert on what the API was given. */
export function headOfArgs(args: CommandArgs): unknown {
  switch (args.op) {
    case CommandOp.SendToClient:
    case CommandOp.CloseClient:
    case CommandOp.DestroyClient:
      return args.clientId;
    case CommandOp.SendToAll: {
      const head: { c?: string[]; x?: string[] } = {};
      if (args.only !== null) head.c = args.only;
      if (args.exclude !== null) head.x = args.exclude;
      return head;
    }
    case CommandOp.SendToUid:
      return args.names;
    case CommandOp.SendToGroup:
      return args.exclude !== null ? { g: args.names, x: args.exclude } : { g: args.names };
    case CommandOp.Ungroup:
      return args.name;
    case CommandOp.Session:
      return { c: args.clientId, p: args.patchId, k: args.patchKind };
    default:
      return [args.clientId, args.name];
  }
}

interface ClientRecord {
  session: Session;
  version: number;
  known: { link: FakeLink; version: number } | null;
  acks: Map<FakeLink, number>;
  infoSent: Set<FakeLink>;
}

export interface SendOptions {
  payloadKind?: number;
  redelivery?: boolean;
}

export class FakeLink {
  readonly gateway: FakeGateway;
  readonly socket: Socket;
  readonly received: Received[] = [];
  /** The protocol versions the worker's commands came in on this link. */
  readonly versions = new Set<number>();
  credits = 0;
  #listeners = new Set<() => void>();

  constructor(gateway: FakeGateway, socket: Socket) {
    this.gateway = gateway;
    this.socket = socket;
  }

  /** Sends one event of a client (creating the client at its first event); returns its seq. */
  send(clientId: string, kind: number, payload: string | Buffer = '', opts: SendOptions = {}): number {
    return this.gateway.sendEvent(this, clientId, kind, payload, opts);
  }

  /** Answers the worker's Drain: nothing of it is pinned or unacked here any more. */
  drained(): void {
    this.socket.write(encodeFrame(FrameType.Drained));
  }

  /** The SendToClient texts so far for one client, in order. */
  textsTo(clientId: string): string[] {
    return this.received.flatMap((r) => (r.type === 'command' && r.op === CommandOp.SendToClient && r.head === clientId ? [r.text] : []));
  }

  ackedSeqs(): number[] {
    return this.received.flatMap((r) => (r.type === 'ack' ? r.seqs : []));
  }

  commands(op: number): Extract<Received, { type: 'command' }>[] {
    return this.received.filter((r): r is Extract<Received, { type: 'command' }> => r.type === 'command' && r.op === op);
  }

  /** Resolves with check()'s first non-undefined result, re-checked on every frame received. */
  waitFor<T>(check: () => T | undefined | false, timeoutMs = 5000, what = 'condition'): Promise<T> {
    return new Promise((resolve, reject) => {
      const test = (): boolean => {
        const v = check();
        if (v === undefined || v === false) return false;
        clearTimeout(timer);
        this.#listeners.delete(listener);
        resolve(v);
        return true;
      };
      const listener = (): void => void test();
      const timer = setTimeout(() => {
        this.#listeners.delete(listener);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; received ${JSON.stringify(this.received.slice(-10))}`));
      }, timeoutMs);
      if (!test()) this.#listeners.add(listener);
    });
  }

  /** @internal */
  record(r: Received): void {
    this.received.push(r);
    for (const l of [...this.#listeners]) l();
  }
}

export class FakeGateway {
  readonly path: string;
  readonly gatewayId: string;
  readonly links: FakeLink[] = [];
  /** Connections accepted (handshakes tried). */
  accepted = 0;
  /** Reject reasons workers sent before Auth (a Hello they refused). */
  readonly helloRejects: string[] = [];
  readonly #opts: FakeGatewayOptions;
  readonly #server: Server;
  readonly #clients = new Map<string, ClientRecord>();
  readonly #sockets = new Set<Socket>();
  #seq = 0;
  #nextConnection = 1;
  #linkWaiters: ((l: FakeLink) => void)[] = [];
  #held: { link: FakeLink; cmd: LinkCommand }[] | null = null;

  private constructor(opts: FakeGatewayOptions, server: Server) {
    this.#opts = opts;
    this.path = opts.path;
    this.gatewayId = opts.gatewayId ?? newGatewayId();
    this.#server = server;
  }

  static async start(opts: FakeGatewayOptions): Promise<FakeGateway> {
    try {
      unlinkSync(opts.path);
    } catch {
      /* not there */
    }
    let gw: FakeGateway | null = null;
    const server = createServer((socket) => gw!.#accept(socket));
    gw = new FakeGateway(opts, server);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.path, resolve);
    });
    return gw;
  }

  /** A new client id of this gateway. */
  newClientId(): string {
    return makeClientId(this.gatewayId, this.#nextConnection++);
  }

  /** Resolves with the next worker link to finish its handshake (or the first, if one already has). */
  link(index = 0): Promise<FakeLink> {
    if (this.links[index]) return Promise.resolve(this.links[index]);
    return new Promise((resolve) => this.#linkWaiters.push((l) => this.links[index] === l && resolve(l)));
  }

  session(clientId: string): Session | undefined {
    return this.#clients.get(clientId)?.session;
  }

  /** A change made elsewhere (another worker): bumps the version without touching what links know. */
  changeSession(clientId: string, change: Session): void {
    const c = this.#client(clientId);
    Object.assign(c.session, change);
    c.version++;
  }

  /** From now on Session commands wait (as if still on their way) until releasePatches(). */
  holdPatches(): void {
    this.#held ??= [];
  }

  releasePatches(): void {
    const held = this.#held ?? [];
    this.#held = null;
    for (const { link, cmd } of held) this.#applyCommand(link, cmd);
  }

  /** Tells `link` to forget the client (a Forget frame, as after a move); the next event there brings session and info. */
  forget(link: FakeLink, clientId: string): void {
    const c = this.#client(clientId);
    if (c.known?.link === link) c.known = null;
    c.infoSent.delete(link);
    c.acks.delete(link);
    link.socket.write(encodeFrame(FrameType.Forget, encodeForget([clientId])));
  }

  sendEvent(link: FakeLink, clientId: string, kind: number, payload: string | Buffer, opts: SendOptions): number {
    const c = this.#client(clientId);
    const withSession = c.known === null || c.known.link !== link || c.known.version !== c.version;
    c.known = { link, version: c.version };
    const withInfo = !c.infoSent.has(link);
    c.infoSent.add(link);
    const seq = ++this.#seq;
    const info = {
      remoteAddress: '127.0.0.1',
      remotePort: 40000,
      gatewayId: this.gatewayId,
      gatewayAddress: '127.0.0.1',
      gatewayPort: 7000,
      listener: 'text-7000',
      protocol: 'text',
    };
    link.socket.write(
      encodeEventFrame({
        seq,
        kind: kind as 1,
        clientId,
        sessionVersion: c.version,
        patchAck: c.acks.get(link) ?? 0,
        redelivery: opts.redelivery ?? false,
        payloadKind: (opts.payloadKind ?? PayloadKind.Text) as 0,
        session: withSession ? Buffer.from(JSON.stringify(c.session)) : null,
        info: withInfo ? Buffer.from(JSON.stringify(info)) : null,
        payload: typeof payload === 'string' ? Buffer.from(payload) : payload,
      }),
    );
    if (kind === EventKind.Close) this.#clients.delete(clientId);
    return seq;
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #client(clientId: string): ClientRecord {
    let c = this.#clients.get(clientId);
    if (c === undefined) {
      c = { session: {}, version: 1, known: null, acks: new Map(), infoSent: new Set() };
      this.#clients.set(clientId, c);
    }
    return c;
  }

  #applyCommand(link: FakeLink, cmd: LinkCommand): void {
    if (cmd.op !== CommandOp.Session) return;
    if (this.#held !== null) {
      this.#held.push({ link, cmd });
      return;
    }
    const head = cmd.head as { c: string; p: number; k: number };
    const c = this.#clients.get(head.c);
    if (c === undefined) return;
    const prev = c.version;
    c.session = applySessionPatch(c.session, decodeSessionPatch(head.k, cmd.data));
    c.version++;
    c.acks.set(link, head.p);
    if (c.known !== null && c.known.link === link && c.known.version === prev) c.known.version = c.version;
  }

  #accept(socket: Socket): void {
    this.accepted++;
    this.#sockets.add(socket);
    socket.on('close', () => this.#sockets.delete(socket));
    socket.on('error', () => {});
    const secret = this.#opts.secret ?? '';
    const nonce = newNonce();
    const version = this.#opts.version ?? PROTOCOL_VERSION;
    const oldest = Math.max(1, version - 1);
    const hello = Buffer.from(JSON.stringify({ gatewayId: this.gatewayId, pid: process.pid, protocolVersion: version, listeners: [] }));
    socket.write(encodeFrame(FrameType.Hello, Buffer.from([oldest >> 8, oldest & 0xff]), nonce, hello));
    const decoder = new FrameDecoder();
    let link: FakeLink | null = null;
    let authVersion = 0;
    socket.on('data', (chunk: Buffer) => {
      decoder.push(chunk, (type, body) => {
        if (link === null) {
          if (type === FrameType.Reject) {
            this.helloRejects.push(body.toString('utf8'));
            return;
          }
          if (type !== FrameType.Auth) throw new Error(`fake gateway: frame ${type} before Auth`);
          const auth = decodeAuth(body);
          if (auth.version < oldest || auth.version > version) {
            socket.end(encodeFrame(FrameType.Reject, Buffer.from(`auth: protocol version ${auth.version} is not supported (this side speaks ${oldest} and ${version})`)));
            return;
          }
          authVersion = auth.version;
          if (!proofMatches(workerProof(secret, nonce, auth.nonce), auth.mac)) {
            socket.end(encodeFrame(FrameType.Reject, Buffer.from('authentication failed')));
            return;
          }
          const proof = this.#opts.forgeWelcome ? Buffer.alloc(32, 7) : gatewayProof(secret, nonce, auth.nonce);
          socket.write(encodeFrame(FrameType.Welcome, ...encodeWelcome(proof, { linkId: this.links.length + 1, maxFrameSize: 16 << 20 })));
          const l = new FakeLink(this, socket);
          link = l;
          this.links.push(l);
          for (const w of this.#linkWaiters) w(l);
          return;
        }
        const l: FakeLink = link;
        switch (type) {
          case FrameType.Command: {
            // Recorded with the head the worker's API built.
            const args = decodeBinaryCommand(body);
            const cmd: LinkCommand = { op: args.op, flags: args.flags & ~(CommandFlag.Only | CommandFlag.Exclude), head: headOfArgs(args), data: args.data };
            l.versions.add(authVersion);
            this.#applyCommand(l, cmd);
            l.record({ type: 'command', op: cmd.op, flags: cmd.flags, head: cmd.head, data: cmd.data, text: cmd.data.toString('utf8') });
            break;
          }
          case FrameType.Ack:
            l.record({ type: 'ack', seqs: decodeAck(body) });
            break;
          case FrameType.Credit: {
            const n = decodeCredit(body);
            l.credits += n;
            l.record({ type: 'credit', n });
            break;
          }
          case FrameType.Drain:
            l.record({ type: 'drain' });
            break;
          case FrameType.Reject:
            l.record({ type: 'reject', reason: body.toString('utf8') });
            break;
          case FrameType.Pong:
            l.record({ type: 'pong', bytes: Buffer.from(body) });
            break;
          case FrameType.Query: {
            const q = decodeQuery(body);
            l.record({ type: 'query', id: q.id, op: q.op, args: q.args });
            const answer = this.#opts.answer?.(q.op, q.args);
            if (answer === undefined) break;
            const failed = typeof answer === 'object' && answer !== null && 'error' in answer;
            socket.write(encodeReplyFrame(q.id, !failed, failed ? (answer as { error: string }).error : answer));
            break;
          }
        }
      });
    });
  }
}
