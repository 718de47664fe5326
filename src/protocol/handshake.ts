import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { MAC_SIZE, NONCE_SIZE, OLDEST_PROTOCOL_VERSION, PROTOCOL_VERSION } from './constants.js';
import { LinkProtocolError } from './errors.js';

/**
 * The link handshake proves to each side that the other knows the shared secret
 * without sending it: the gateway sends a nonce (Hello), the worker answers with
 * its own nonce and HMAC-SHA256(secret, "gatehouse/worker" ‖ gatewayNonce ‖
 * workerNonce) (Auth), and the gateway answers with HMAC-SHA256(secret,
 * "gatehouse/gateway" ‖ workerNonce ‖ gatewayNonce) (Welcome). Fresh nonces on
 * both sides make a recorded handshake useless for a replay.
 */

export interface HelloInfo {
  gatewayId: string;
  pid: number;
  /** The newest protocol version the gateway speaks (absent: only the oldest, Hello's u16). */
  protocolVersion?: number;
  /** Listener descriptions, for logs and status. */
  listeners: { name: string; protocol: string; host: string; port: number }[];
}
export interface AuthInfo {
  workerId: string;
  pid: number;
}
export interface WelcomeInfo {
  linkId: number;
  maxFrameSize: number;
}

export function newNonce(): Buffer {
  return randomBytes(NONCE_SIZE);
}

export function workerProof(secret: string, gatewayNonce: Buffer, workerNonce: Buffer): Buffer {
  return createHmac('sha256', secret).update('gatehouse/worker').update(gatewayNonce).update(workerNonce).digest();
}

export function gatewayProof(secret: string, gatewayNonce: Buffer, workerNonce: Buffer): Buffer {
  return createHmac('sha256', secret).update('gatehouse/gateway').update(workerNonce).update(gatewayNonce).digest();
}

export function proofMatches(expected: Buffer, received: Buffer): boolean {
  return received.length === expected.length && timingSafeEqual(expected, received);
}

function json(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}

function parseJson<T>(bytes: Buffer, what: string): T {
  try {
    return JSON.parse(bytes.toString('utf8')) as T;
  } catch {
    throw new LinkProtocolError(`${what}: description is not valid JSON`);
  }
}

function versionBytes(version: number): Buffer {
  const b = Buffer.allocUnsafe(2);
  b.writeUInt16BE(version, 0);
  return b;
}

const SPOKEN = `${OLDEST_PROTOCOL_VERSION} and ${PROTOCOL_VERSION}`;

function unsupported(what: string, version: number): LinkProtocolError {
  return new LinkProtocolError(`${what}: protocol version ${version} is not supported (this side speaks ${SPOKEN})`);
}

/**
 * Hello body: u16 oldestVersion ‖ nonce[32] ‖ JSON HelloInfo. The u16 is the
 * oldest version the gateway accepts and the description's protocolVersion
 * the newest, so a worker of either version finds one it knows.
 */
export function encodeHello(nonce: Buffer, info: HelloInfo): Buffer[] {
  const { gatewayId, pid, listeners } = info;
  return [versionBytes(OLDEST_PROTOCOL_VERSION), nonce, json({ gatewayId, pid, protocolVersion: PROTOCOL_VERSION, listeners })];
}

/**
 * Decodes Hello and picks the version this worker speaks on the link: the
 * newest both sides know (a version-2 gateway says 1 to 2: this worker speaks
 * 2). A gateway whose versions this worker knows none of is refused, naming both.
 */
export function decodeHello(body: Buffer): { nonce: Buffer; info: HelloInfo; version: number } {
  if (body.length < 2 + NONCE_SIZE) throw new LinkProtocolError('hello: truncated');
  const oldest = body.readUInt16BE(0);
  const info = parseJson<HelloInfo>(body.subarray(2 + NONCE_SIZE), 'hello');
  const announced = info?.protocolVersion;
  const newest = Number.isInteger(announced) && (announced as number) >= oldest ? (announced as number) : oldest;
  const version = Math.min(newest, PROTOCOL_VERSION);
  if (version < Math.max(oldest, OLDEST_PROTOCOL_VERSION)) {
    const theirs = oldest === newest ? `version ${oldest} is` : `versions ${oldest} to ${newest} are`;
    throw new LinkProtocolError(`hello: protocol ${theirs} not supported (this side speaks ${SPOKEN})`);
  }
  return { nonce: Buffer.from(body.subarray(2, 2 + NONCE_SIZE)), info, version };
}

/** Auth body: u16 version ‖ nonce[32] ‖ mac[32] ‖ JSON AuthInfo; the version is the one the worker speaks on the link. */
export function encodeAuth(nonce: Buffer, mac: Buffer, info: AuthInfo, version: number = PROTOCOL_VERSION): Buffer[] {
  return [versionBytes(version), nonce, mac, json(info)];
}
export function decodeAuth(body: Buffer): { nonce: Buffer; mac: Buffer; info: AuthInfo; version: number } {
  if (body.length < 2) throw new LinkProtocolError('auth: truncated');
  const version = body.readUInt16BE(0);
  if (version < OLDEST_PROTOCOL_VERSION || version > PROTOCOL_VERSION) throw unsupported('auth', version);
  const fixed = 2 + NONCE_SIZE + MAC_SIZE;
  if (body.length < fixed) throw new LinkProtocolError('auth: truncated');
  return {
    nonce: Buffer.from(body.subarray(2, 2 + NONCE_SIZE)),
    mac: Buffer.from(body.subarray(2 + NONCE_SIZE, fixed)),
    info: parseJson<AuthInfo>(body.subarray(fixed), 'auth'),
    version,
  };
}

/** Welcome body: mac[32] ‖ JSON WelcomeInfo. */
export function encodeWelcome(mac: Buffer, info: WelcomeInfo): Buffer[] {
  return [mac, json(info)];
}
export function decodeWelcome(body: Buffer): { mac: Buffer; info: WelcomeInfo } {
  if (body.length < MAC_SIZE) throw new LinkProtocolError('welcome: truncated');
  return { mac: Buffer.from(body.subarray(0, MAC_SIZE)), info: parseJson<WelcomeInfo>(body.subarray(MAC_SIZE), 'welcome') };
}
