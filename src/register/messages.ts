/**
 * The register protocol (docs/register.md): newline-delimited JSON over TCP.
 * A line is one JSON object with a `type`. This file holds the message shapes
 * and the validation of what a peer sends; the handshake proofs are in auth.ts.
 */

export const REGISTER_PROTOCOL_VERSION = 1;
/** The reject reason a register closes its connections with when it stops: peers log that as expected, not as a fault. */
export const REGISTER_STOPPING = 'register stopping';
/** Longest line a peer may send; a register with thousands of gateways still fits (≈300 bytes each). */
export const MAX_REGISTER_LINE = 4 * 1024 * 1024;

/** What a gateway tells the registers about itself. */
export interface GatewayAnnouncement {
  /** The gateway instance id (12 hex characters; new at every gateway start). */
  gatewayId: string;
  /** App name. */
  name: string;
  address: {
    /** "host:port" of its TCP worker-link listener, or null (Unix socket only). */
    tcp: string | null;
    /** Its Unix-socket worker-link path (usable on its own machine). */
    unix: string;
  };
  /** os.hostname() of the gateway's machine. */
  host: string;
  /** The gateway's run directory: with host, tells a worker that this is one of its own local gateways. */
  runDir: string;
}

export type ClientRole = 'gateway' | 'worker';

/** Register → peer. */
export type RegisterToPeer =
  | { type: 'hello'; version: number; nonce: string }
  | { type: 'welcome'; mac: string }
  | { type: 'reject'; reason: string }
  /**
   * The full list. `settling`: the register started less than a reconnect
   * cycle ago, so gateways may still be on their way back: the list is only
   * what it knows so far (add, never remove); a complete one follows.
   */
  | { type: 'gateways'; gateways: GatewayAnnouncement[]; settling: boolean }
  | { type: 'join'; gateway: GatewayAnnouncement }
  | { type: 'leave'; gatewayId: string }
  | { type: 'pong' };

/** Peer → register. */
export type PeerToRegister =
  | { type: 'auth'; version: number; role: ClientRole; nonce: string; mac: string }
  | { type: 'announce'; gateway: GatewayAnnouncement }
  | { type: 'leave' }
  | { type: 'subscribe' }
  | { type: 'ping' };

/** A peer broke the protocol; the connection is closed with this reason. */
export class RegisterProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RegisterProtocolError';
  }
}

const GATEWAY_ID_RE = /^[0-9a-f]{12}$/;
const HEX_RE = /^[0-9a-f]+$/;

export function encodeLine(message: RegisterToPeer | PeerToRegister): string {
  return `${JSON.stringify(message)}\n`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses one line into an object with a string `type`, or throws RegisterProtocolError. */
export function parseLine(line: string): Record<string, unknown> & { type: string } {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new RegisterProtocolError('a line is not valid JSON');
  }
  if (!isObject(value) || typeof value.type !== 'string') throw new RegisterProtocolError('a line must be a JSON object with a string "type"');
  return value as Record<string, unknown> & { type: string };
}

export function hexField(value: unknown, what: string, bytes: number): Buffer {
  if (typeof value !== 'string' || value.length !== bytes * 2 || !HEX_RE.test(value)) {
    throw new RegisterProtocolError(`${what} must be ${bytes * 2} lowercase hex characters`);
  }
  return Buffer.from(value, 'hex');
}

/** Checks an announcement field by field, so a register never stores or pushes garbage. */
export function validateAnnouncement(value: unknown): GatewayAnnouncement {
  if (!isObject(value)) throw new RegisterProtocolError('announce: "gateway" must be an object');
  const { gatewayId, name, address, host, runDir } = value;
  if (typeof gatewayId !== 'string' || !GATEWAY_ID_RE.test(gatewayId)) throw new RegisterProtocolError('announce: gatewayId must be 12 lowercase hex characters');
  if (typeof name !== 'string') throw new RegisterProtocolError('announce: name must be a string');
  if (typeof host !== 'string' || host === '') throw new RegisterProtocolError('announce: host must be a non-empty string');
  if (typeof runDir !== 'string') throw new RegisterProtocolError('announce: runDir must be a string');
  if (!isObject(address)) throw new RegisterProtocolError('announce: address must be {tcp, unix}');
  const { tcp, unix } = address;
  if (tcp !== null && (typeof tcp !== 'string' || !/^(?:\[[^\]]+\]|[^:\s]+):\d{1,5}$/.test(tcp))) {
    throw new RegisterProtocolError('announce: address.tcp must be "host:port" or null');
  }
  if (typeof unix !== 'string') throw new RegisterProtocolError('announce: address.unix must be a string');
  return { gatewayId, name, address: { tcp, unix }, host, runDir };
}

export function sameAnnouncement(a: GatewayAnnouncement, b: GatewayAnnouncement): boolean {
  return (
    a.gatewayId === b.gatewayId &&
    a.name === b.name &&
    a.host === b.host &&
    a.runDir === b.runDir &&
    a.address.tcp === b.address.tcp &&
    a.address.unix === b.address.unix
  );
}

/**
 * Splits a socket's text into lines, refusing a line longer than the limit
 * (a peer cannot make us buffer without bound).
 */
export class LineSplitter {
  #buffered = '';
  readonly #max: number;

  constructor(max = MAX_REGISTER_LINE) {
    this.#max = max;
  }

  push(chunk: string, onLine: (line: string) => void): void {
    this.#buffered += chunk;
    let nl: number;
    while ((nl = this.#buffered.indexOf('\n')) >= 0) {
      const line = this.#buffered.slice(0, nl);
      this.#buffered = this.#buffered.slice(nl + 1);
      if (line.trim() !== '') onLine(line);
    }
    if (this.#buffered.length > this.#max) throw new RegisterProtocolError(`a line is longer than ${this.#max} bytes`);
  }
}
