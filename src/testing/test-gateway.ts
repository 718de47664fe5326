/**
 * An in-memory gateway for unit tests of an events module (`gatehousejs/testing`):
 * it installs itself as this thread's Gateway API backend, so handlers run
 * unchanged — with no processes and no sockets — and a test asserts what was
 * sent, to whom, and the sessions after.
 *
 * It keeps what a gateway keeps (clients, sessions, uid and group indexes)
 * and answers the API's queries from them, with the same semantics as the
 * gateways: a client has at most one uid, a send to a uid or a group reaches
 * its online clients, closing a client runs its onClose, and each handler's
 * top-level session changes are applied after it, as the worker does. Unlike
 * the worker, a handler that throws rejects the call that ran it, so the test
 * sees the error.
 */
import { CommandFlag, CommandOp } from '../protocol/constants.js';
import { makeClientId, newGatewayId } from '../protocol/client-id.js';
import { applySessionPatch, diffSession, snapshotSession, type SessionPatch } from '../protocol/session-patch.js';
import type { ListenerProtocol } from '../config/types.js';
import type { CloseContext, EventContext, EventsModule, Session, WebSocketHandshake } from '../types.js';
import { currentEvent } from '../worker/current-event.js';
import { eventsOf } from '../worker/events-module.js';
import { gatewayApiBackend, setGatewayApiBackend, type GatewayApiBackend } from '../worker/gateway-api.js';

/** What one client was sent: text as a string, bytes as a Buffer (JSON values arrive as their JSON text, as on the wire). */
export type Received = string | Buffer;

/** One delivery, in the order the gateway made them. */
export interface Delivery {
  to: string;
  data: Received;
  /** Sent with { raw: true } (no framing by the listener). */
  raw: boolean;
}

export interface ConnectOptions {
  /** Listener name in the handler's context. Default "test". */
  listener?: string;
  /** Default "text". "websocket" runs onWebSocketConnect after onConnect, with `handshake`. */
  protocol?: ListenerProtocol;
  remoteAddress?: string;
  remotePort?: number;
  /** The session the client starts with. Default {}. */
  session?: Session;
  /** For protocol "websocket": the handshake onWebSocketConnect gets (the rest has defaults). */
  handshake?: Partial<WebSocketHandshake>;
}

interface ClientState {
  id: string;
  info: Omit<EventContext, 'clientId' | 'session' | 'eventId' | 'redelivered'>;
  session: Session;
  uid: string | null;
  groups: Set<string>;
  received: Received[];
  online: boolean;
  closeReason: string | null;
  /** The client's events run one after another, as in a worker. */
  chain: Promise<void>;
}

/** A client of a TestGateway. */
export class TestClient {
  readonly #gateway: TestGateway;
  readonly #state: ClientState;

  /** @internal */
  constructor(gateway: TestGateway, state: ClientState) {
    this.#gateway = gateway;
    this.#state = state;
  }

  get id(): string {
    return this.#state.id;
  }
  /** Everything sent to this client, in order. */
  get received(): readonly Received[] {
    return this.#state.received;
  }
  /** A copy of the session as the gateway holds it now. */
  get session(): Session {
    return structuredClone(this.#state.session);
  }
  get uid(): string | null {
    return this.#state.uid;
  }
  get groups(): string[] {
    return [...this.#state.groups];
  }
  /** False once the client closed, or the app closed it. */
  get online(): boolean {
    return this.#state.online;
  }
  /** Why it closed ('client closed', 'closed by server', …), or null while online. */
  get closeReason(): string | null {
    return this.#state.closeReason;
  }

  /** Takes what the client received so far (and forgets it): handy for one step's assertions. */
  take(): Received[] {
    return this.#state.received.splice(0);
  }

  /**
   * The client sends a message: onMessage runs with it (a string, a Buffer or a
   * parsed JSON value, as the listener's protocol would give it). Resolves
   * once the handler and its session changes are done; rejects with the
   * handler's error.
   */
  send(message: unknown): Promise<void> {
    if (!this.#state.online) return Promise.reject(new Error(`test client ${this.id} is closed (${this.#state.closeReason}); it cannot send`));
    return this.#gateway.run(this.#state, 'onMessage', message, null);
  }

  /** The client closes: it goes offline and onClose runs with `reason`. */
  close(reason = 'client closed'): Promise<void> {
    return this.#gateway.closeClient(this.#state, reason);
  }
}

/**
 * The in-memory gateway. Only one is installed at a time in a thread: close()
 * the previous one first (a test's `afterEach` is the place).
 */
export class TestGateway {
  readonly gatewayId: string;
  /** Every delivery, in order. */
  readonly sent: Delivery[] = [];
  readonly #events: EventsModule;
  readonly #clients = new Map<string, ClientState>();
  readonly #handles = new Map<string, TestClient>();
  #nextConnection = 1;
  #nextEvent = 1;
  #closed = false;

  constructor(events: EventsModule | Record<string, unknown>, options: { gatewayId?: string } = {}) {
    if (typeof events !== 'object' || events === null) throw new TypeError(`createTestGateway: events must be an events module object or namespace (got ${events === null ? 'null' : typeof events})`);
    this.#events = eventsOf(events as Record<string, unknown>, 'createTestGateway: events');
    this.gatewayId = options.gatewayId ?? newGatewayId();
    if (gatewayApiBackend() !== null) {
      throw new Error('createTestGateway: a Gateway API backend is already installed in this thread (another test gateway not closed, or this is a pool thread)');
    }
    setGatewayApiBackend(this.#backend);
  }

  /** A new client connects: onConnect runs (and onWebSocketConnect for a websocket client). */
  async connect(options: ConnectOptions = {}): Promise<TestClient> {
    this.#open();
    const id = makeClientId(this.gatewayId, this.#nextConnection++);
    const protocol = options.protocol ?? 'text';
    const state: ClientState = {
      id,
      info: {
        remoteAddress: options.remoteAddress ?? '127.0.0.1',
        remotePort: options.remotePort ?? 40000 + (this.#nextConnection % 20000),
        gatewayId: this.gatewayId,
        gatewayAddress: '127.0.0.1',
        gatewayPort: 0,
        listener: options.listener ?? 'test',
        protocol,
      },
      session: structuredClone(options.session ?? {}),
      uid: null,
      groups: new Set(),
      received: [],
      online: true,
      closeReason: null,
      chain: Promise.resolve(),
    };
    this.#clients.set(id, state);
    const client = new TestClient(this, state);
    this.#handles.set(id, client);
    await this.run(state, 'onConnect', undefined, null);
    if (protocol === 'websocket') {
      const handshake: WebSocketHandshake = {
        url: '/',
        path: '/',
        query: {},
        headers: {},
        cookies: {},
        remoteAddress: state.info.remoteAddress,
        remotePort: state.info.remotePort,
        ...options.handshake,
      };
      await this.run(state, 'onWebSocketConnect', handshake, null);
    }
    return client;
  }

  /** A client by id (closed ones too). */
  client(id: string): TestClient | undefined {
    return this.#handles.get(id);
  }

  /** The online clients' ids, in connect order. */
  get clientIds(): string[] {
    return [...this.#clients.values()].filter((c) => c.online).map((c) => c.id);
  }

  /** Each group with its online members. */
  get groups(): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const c of this.#clients.values()) {
      if (!c.online) continue;
      for (const g of c.groups) (out[g] ??= []).push(c.id);
    }
    return out;
  }

  /** Resolves once every client's queued events (including onClose after a closeClient) have run. */
  async idle(): Promise<void> {
    for (;;) {
      const chains = [...this.#clients.values()].map((c) => c.chain);
      await Promise.all(chains.map((p) => p.catch(() => {})));
      if ([...this.#clients.values()].every((c, i) => c.chain === chains[i])) return;
    }
  }

  /** Uninstalls this gateway: the Gateway API fails again outside a worker, and another test gateway may be created. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (gatewayApiBackend() === this.#backend) setGatewayApiBackend(null);
  }

  /** @internal Runs one handler for a client, after its earlier events. */
  run(state: ClientState, handler: 'onConnect' | 'onWebSocketConnect' | 'onMessage' | 'onClose', arg: unknown, reason: string | null): Promise<void> {
    const next = state.chain.catch(() => {}).then(() => this.#runNow(state, handler, arg, reason));
    state.chain = next;
    return next;
  }

  /** @internal The client closed (reason given) or the app closed it: offline now, then onClose. */
  closeClient(state: ClientState, reason: string): Promise<void> {
    if (!state.online) return state.chain.catch(() => {});
    state.online = false;
    state.closeReason = reason;
    return this.run(state, 'onClose', undefined, reason);
  }

  async #runNow(state: ClientState, handler: 'onConnect' | 'onWebSocketConnect' | 'onMessage' | 'onClose', arg: unknown, reason: string | null): Promise<void> {
    const fn = this.#events[handler] as ((...args: unknown[]) => unknown) | undefined;
    if (fn === undefined) return;
    const base = { clientId: state.id, ...state.info, session: structuredClone(state.session), eventId: `${this.gatewayId}-${this.#nextEvent++}`, redelivered: false };
    const ctx: EventContext | CloseContext = reason === null ? base : { ...base, reason };
    const before = snapshotSession(ctx.session);
    const current = { clientId: state.id, ctx, finished: false };
    const args = handler === 'onConnect' || handler === 'onClose' ? [state.id, ctx] : [state.id, arg, ctx];
    try {
      await currentEvent.run(current, () => fn(...args));
    } finally {
      current.finished = true;
    }
    // As the worker does: the handler's top-level changes, applied over what happened meanwhile.
    if (reason === null) {
      const patch = diffSession(before, ctx.session);
      if (patch !== null) state.session = applySessionPatch(state.session, patch);
    }
  }

  #open(): void {
    if (this.#closed) throw new Error('this test gateway is closed');
  }

  #online(id: string): ClientState | undefined {
    const c = this.#clients.get(id);
    return c !== undefined && c.online ? c : undefined;
  }

  #deliver(c: ClientState, flags: number, data: Uint8Array | null): void {
    const bytes = data ?? new Uint8Array(0);
    const received: Received = flags & CommandFlag.Binary ? Buffer.from(bytes) : Buffer.from(bytes).toString('utf8');
    c.received.push(received);
    this.sent.push({ to: c.id, data: received, raw: (flags & CommandFlag.Raw) !== 0 });
  }

  readonly #backend: GatewayApiBackend = {
    command: (_gateway, op, flags, head, data) => {
      if (this.#closed) throw new Error('the Gateway API was called after its test gateway was closed');
      const online = [...this.#clients.values()].filter((c) => c.online);
      switch (op) {
        case CommandOp.SendToClient: {
          const c = this.#online(head as string);
          if (c !== undefined) this.#deliver(c, flags, data);
          return;
        }
        case CommandOp.SendToAll: {
          const h = head as { x?: string[]; c?: string[] };
          const skip = new Set(h.x ?? []);
          const only = h.c === undefined ? null : new Set(h.c);
          for (const c of online) if (!skip.has(c.id) && (only === null || only.has(c.id))) this.#deliver(c, flags, data);
          return;
        }
        case CommandOp.SendToUid: {
          const uids = new Set(head as string[]);
          for (const c of online) if (c.uid !== null && uids.has(c.uid)) this.#deliver(c, flags, data);
          return;
        }
        case CommandOp.SendToGroup: {
          const h = head as { g: string[]; x?: string[] };
          const skip = new Set(h.x ?? []);
          for (const c of online) if (!skip.has(c.id) && h.g.some((g) => c.groups.has(g))) this.#deliver(c, flags, data);
          return;
        }
        case CommandOp.CloseClient: {
          const c = this.#online(head as string);
          if (c === undefined) return;
          if (flags & CommandFlag.HasData) this.#deliver(c, flags, data);
          void this.closeClient(c, 'closed by server');
          return;
        }
        case CommandOp.DestroyClient: {
          const c = this.#online(head as string);
          if (c !== undefined) void this.closeClient(c, 'destroyed by server');
          return;
        }
        case CommandOp.BindUid:
        case CommandOp.UnbindUid:
        case CommandOp.JoinGroup:
        case CommandOp.LeaveGroup: {
          const [id, name] = head as [string, string];
          const c = this.#online(id);
          if (c === undefined) return;
          if (op === CommandOp.BindUid) c.uid = name;
          else if (op === CommandOp.UnbindUid) {
            if (c.uid === name) c.uid = null;
          } else if (op === CommandOp.JoinGroup) c.groups.add(name);
          else c.groups.delete(name);
          return;
        }
        case CommandOp.Ungroup:
          for (const c of this.#clients.values()) c.groups.delete(head as string);
          return;
        default:
          throw new Error(`test gateway: command ${op} is not supported`);
      }
    },
    session: (clientId: string, patch: SessionPatch) => {
      if (this.#closed) throw new Error('the Gateway API was called after its test gateway was closed');
      const c = this.#online(clientId);
      if (c !== undefined) c.session = applySessionPatch(c.session, patch);
    },
    query: async (op: string, args: unknown[]) => {
      if (this.#closed) throw new Error('the Gateway API was called after its test gateway was closed');
      return this.#query(op, args);
    },
  };

  #query(op: string, args: unknown[]): unknown {
    const online = [...this.#clients.values()].filter((c) => c.online);
    const group = typeof args[0] === 'string' ? args[0] : null;
    const members = group === null ? online : online.filter((c) => c.groups.has(group));
    const uidsOf = (list: ClientState[]): string[] => [...new Set(list.flatMap((c) => (c.uid === null ? [] : [c.uid])))];
    const byGroup = (f: (list: ClientState[]) => unknown): Record<string, unknown> => {
      const out: Record<string, unknown> = {};
      for (const [g, ids] of Object.entries(this.groups)) out[g] = f(ids.map((id) => this.#clients.get(id)!));
      return out;
    };
    switch (op) {
      case 'isOnline':
        return this.#online(args[0] as string) !== undefined;
      case 'clientIdsByUid': {
        const out: Record<string, string[]> = {};
        for (const uid of args[0] as string[]) out[uid] = online.filter((c) => c.uid === uid).map((c) => c.id);
        return out;
      }
      case 'uidByClientId':
        return this.#online(args[0] as string)?.uid ?? null;
      case 'clientCount':
        return members.length;
      case 'clientIds':
        return members.map((c) => c.id);
      case 'clientSessions':
        return Object.fromEntries(members.map((c) => [c.id, structuredClone(c.session)]));
      case 'uids':
        return uidsOf(members);
      case 'groups':
        return Object.keys(this.groups);
      case 'groupUids':
        return byGroup(uidsOf);
      case 'groupClientIds':
        return byGroup((list) => list.map((c) => c.id));
      case 'groupClientCounts': {
        const counts = this.groups;
        return Object.fromEntries((args[0] as string[]).map((g) => [g, counts[g]?.length ?? 0]));
      }
      case 'session': {
        const c = this.#online(args[0] as string);
        return c === undefined ? null : structuredClone(c.session);
      }
      default:
        throw new Error(`test gateway: query ${op} is not supported`);
    }
  }
}

/** Creates and installs an in-memory gateway for `events` (an events module object, or its namespace `import * as events`). */
export function createTestGateway(events: EventsModule | Record<string, unknown>, options: { gatewayId?: string } = {}): TestGateway {
  return new TestGateway(events, options);
}
