import type { ListenerProtocol } from './config/types.js';

/** A client's session: a JSON object kept by the gateway that holds the client. */
export type Session = Record<string, unknown>;

/**
 * What the Gateway API sends: a string (UTF-8 text; a WebSocket text frame), bytes
 * (a WebSocket binary frame), or any other JSON value, which is sent as its JSON text.
 */
export type SendData = string | Uint8Array | ArrayBuffer | number | boolean | null | readonly unknown[] | { readonly [key: string]: unknown };

export interface SendOptions {
  /** Write the bytes as they are, without the listener's encoder (no newline, no length header, no WebSocket frame). */
  raw?: boolean;
}
export interface SendToAllOptions extends SendOptions {
  /** Send only to these clients (any gateway). */
  clientIds?: readonly string[];
  /** Send to everyone but these clients. */
  exclude?: readonly string[];
}
export interface SendToGroupOptions extends SendOptions {
  exclude?: readonly string[];
}

export type Uid = string | number;
export type Group = string | number;

/** Where and how a client is connected. */
export interface ClientInfo {
  remoteAddress: string;
  remotePort: number;
  /** The gateway instance that holds the client (also the first 12 characters of its client id). */
  gatewayId: string;
  /** Local address and port of the client's connection on the gateway. */
  gatewayAddress: string;
  gatewayPort: number;
  /** Name of the listener the client came through. */
  listener: string;
  protocol: ListenerProtocol;
}

export interface EventContext extends ClientInfo {
  clientId: string;
  /**
   * The client's session. Change it freely: the changes are sent to the gateway
   * after the handler as a patch of the top-level keys that changed, so a
   * concurrent updateSession() of other keys is not lost, and the client's next
   * event sees them.
   */
  session: Session;
  /** Unique id of this event within its gateway; the same on redelivery. */
  eventId: string;
  /** True when this event was delivered before to a worker that died before acknowledging it. */
  redelivered: boolean;
}

export interface CloseContext extends EventContext {
  /** Why the connection closed, e.g. 'client closed', 'heartbeat timeout', 'message too large'. */
  reason: string;
}

export interface WebSocketHandshake {
  url: string;
  path: string;
  query: Record<string, string | string[]>;
  headers: Record<string, string | string[] | undefined>;
  cookies: Record<string, string>;
  remoteAddress: string;
  remotePort: number;
}

export interface WorkerThreadInfo {
  /** Index of the business-worker process, 0-based. */
  processIndex: number;
  /** Index of the thread within the process's pool, 0-based. */
  threadIndex: number;
  pid: number;
}

type MaybePromise<T> = T | Promise<T>;

/**
 * The app's events module: its default export (or its named exports) provide
 * these handlers. A handler may be async; a thrown error is logged with the
 * client id and affects only that event.
 *
 * TMessage is the type of onMessage's message: a string for text listeners and
 * WebSocket text frames, a Buffer for frame listeners and WebSocket binary
 * frames, the parsed value for json listeners.
 */
export interface EventsModule<TMessage = unknown> {
  onWorkerStart?(info: WorkerThreadInfo): MaybePromise<void>;
  onWorkerStop?(info: WorkerThreadInfo): MaybePromise<void>;
  onConnect?(clientId: string, ctx: EventContext): MaybePromise<void>;
  onWebSocketConnect?(clientId: string, data: WebSocketHandshake, ctx: EventContext): MaybePromise<void>;
  onMessage?(clientId: string, message: TMessage, ctx: EventContext): MaybePromise<void>;
  onClose?(clientId: string, ctx: CloseContext): MaybePromise<void>;
}

/**
 * The Gateway API: GatewayWorker's semantics, asynchronous where an answer is
 * needed. Commands (sends, binds, groups, sessions) return at once and reach the
 * gateways in the order issued; queries ask every gateway and sum or merge the
 * answers, failing after the configured queryTimeout.
 */
export interface GatewayApi {
  sendToClient(clientId: string, data: SendData, options?: SendOptions): void;
  sendToCurrentClient(data: SendData, options?: SendOptions): void;
  sendToAll(data: SendData, options?: SendToAllOptions): void;
  sendToUid(uid: Uid | readonly Uid[], data: SendData, options?: SendOptions): void;
  sendToGroup(group: Group | readonly Group[], data: SendData, options?: SendToGroupOptions): void;
  /** Sends data (if given) and everything queued before it, then closes. */
  closeClient(clientId: string, data?: SendData, options?: SendOptions): void;
  closeCurrentClient(data?: SendData, options?: SendOptions): void;
  /** Closes at once, dropping queued output. */
  destroyClient(clientId: string): void;
  destroyCurrentClient(): void;

  bindUid(clientId: string, uid: Uid): void;
  unbindUid(clientId: string, uid: Uid): void;
  joinGroup(clientId: string, group: Group): void;
  leaveGroup(clientId: string, group: Group): void;
  /** Dissolves a group: every member leaves it. */
  ungroup(group: Group): void;

  /** Replaces the session. */
  setSession(clientId: string, session: Session): void;
  /** Deep-merges into the session. */
  updateSession(clientId: string, partial: Session): void;
  getSession(clientId: string): Promise<Session | null>;

  isOnline(clientId: string): Promise<boolean>;
  isUidOnline(uid: Uid): Promise<boolean>;
  getClientIdByUid(uid: Uid): Promise<string[]>;
  getUidByClientId(clientId: string): Promise<string | null>;
  getAllClientCount(): Promise<number>;
  getClientCountByGroup(group: Group): Promise<number>;
  getAllClientIdList(): Promise<string[]>;
  getClientIdListByGroup(group: Group): Promise<string[]>;
  getAllClientSessions(): Promise<Record<string, Session>>;
  getClientSessionsByGroup(group: Group): Promise<Record<string, Session>>;
  getAllUidList(): Promise<string[]>;
  getAllUidCount(): Promise<number>;
  getUidListByGroup(group: Group): Promise<string[]>;
  getUidCountByGroup(group: Group): Promise<number>;
  getAllGroupIdList(): Promise<string[]>;
  getAllGroupUidList(): Promise<Record<string, string[]>>;
  getAllGroupUidCount(): Promise<Record<string, number>>;
  getAllGroupClientIdList(): Promise<Record<string, string[]>>;
  getAllGroupClientIdCount(): Promise<Record<string, number>>;
  batchGetClientIdByUid(uids: readonly Uid[]): Promise<Record<string, string[]>>;
  isUidsOnline(uids: readonly Uid[]): Promise<Record<string, boolean>>;
  batchGetClientCountByGroup(groups: readonly Group[]): Promise<Record<string, number>>;
}

/**
 * A custom client protocol, in Workerman's shape: input() finds where the first
 * message ends, decode() turns its bytes into what onMessage receives, encode()
 * frames what the app sends. Runs in the gateway, on every message: keep it small.
 */
export interface ClientCodec {
  /**
   * Length in bytes of the first message in buffer (header included), 0 when
   * more bytes are needed to tell, or -1 when the bytes can never form a message
   * (the connection is closed). As in Workerman, the length may be returned as
   * soon as a header tells it, before the whole message arrived: the gateway
   * then waits for that many bytes without calling input() again.
   */
  input(buffer: Buffer): number;
  /** The message as onMessage sees it: a string, or bytes. */
  decode(message: Buffer): string | Buffer;
  /** The bytes written for data the app sent. */
  encode(data: Buffer): Buffer;
}
