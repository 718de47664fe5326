/**
 * Argument checks of the Gateway API. Bad input is a programming error: it
 * throws a TypeError naming the method and the argument, never sends a partial
 * command. Uids and groups travel as strings (a number 7 and the string "7" are
 * the same uid, as in GatewayWorker).
 */
import { CommandFlag } from '../protocol/constants.js';
import { isClientId } from '../protocol/client-id.js';
import { isPlainObject } from '../protocol/session-patch.js';
import type { Session } from '../types.js';

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string':
      return value.length > 40 ? `"${value.slice(0, 40)}…"` : JSON.stringify(value);
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(value) + (typeof value === 'bigint' ? 'n' : '');
    case 'undefined':
      return 'undefined';
    case 'function':
      return 'a function';
    case 'symbol':
      return 'a symbol';
    default:
      return value instanceof Uint8Array ? 'bytes' : 'an object';
  }
}

function fail(method: string, what: string, expected: string, value: unknown): never {
  throw new TypeError(`Gateway.${method}: ${what} must be ${expected}, got ${describe(value)}`);
}

export function clientIdArg(method: string, value: unknown, what = 'clientId'): string {
  if (!isClientId(value)) fail(method, what, 'a client id (24 lowercase hex characters)', value);
  return value;
}

export function clientIdListArg(method: string, value: unknown, what: string): string[] {
  if (!Array.isArray(value)) fail(method, what, 'an array of client ids', value);
  for (let i = 0; i < value.length; i++) clientIdArg(method, value[i], `${what}[${i}]`);
  return value as string[];
}

/** A uid or group: a non-empty string or a finite number, as a string. */
export function nameArg(method: string, value: unknown, what: 'uid' | 'group' | string): string {
  if (typeof value === 'string' && value.length > 0) return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return fail(method, what, 'a non-empty string or a finite number', value);
}

/** One name or an array of names. */
export function nameListArg(method: string, value: unknown, what: 'uid' | 'group'): string[] {
  if (!Array.isArray(value)) return [nameArg(method, value, what)];
  const out = new Array<string>(value.length);
  for (let i = 0; i < value.length; i++) out[i] = nameArg(method, value[i], `${what}[${i}]`);
  return out;
}

export function arrayOfNamesArg(method: string, value: unknown, what: 'uids' | 'groups'): string[] {
  if (!Array.isArray(value)) fail(method, what, 'an array', value);
  return value.map((v, i) => nameArg(method, v, `${what}[${i}]`));
}

/** A session value: a plain JSON object, copied now so later changes by the caller do not leak into the command. */
export function sessionArg(method: string, value: unknown, what: string): Session {
  if (!isPlainObject(value) || value instanceof ArrayBuffer) fail(method, what, 'a plain object', value);
  let copy: unknown;
  try {
    copy = JSON.parse(JSON.stringify(value));
  } catch (err) {
    throw new TypeError(`Gateway.${method}: ${what} is not JSON-serializable: ${(err as Error).message}`);
  }
  return copy as Session;
}

export interface SendOptionsArg {
  raw: boolean;
  clientIds?: string[];
  exclude?: string[];
}

export function optionsArg(method: string, value: unknown, lists: ('clientIds' | 'exclude')[] = []): SendOptionsArg {
  if (value === undefined) return { raw: false };
  if (!isPlainObject(value)) fail(method, 'options', 'an object', value);
  const raw = value.raw;
  if (raw !== undefined && typeof raw !== 'boolean') fail(method, 'options.raw', 'a boolean', raw);
  const out: SendOptionsArg = { raw: raw === true };
  for (const key of lists) {
    if (value[key] !== undefined) out[key] = clientIdListArg(method, value[key], `options.${key}`);
  }
  return out;
}

export interface EncodedData {
  bytes: Uint8Array;
  /** CommandFlag.Binary for bytes, 0 for text. */
  flags: number;
}

/**
 * What goes on the wire for `data`: strings as UTF-8 text, bytes as binary,
 * any other JSON value as its JSON text.
 */
export function dataArg(method: string, data: unknown): EncodedData {
  if (typeof data === 'string') return { bytes: Buffer.from(data, 'utf8'), flags: 0 };
  if (data instanceof Uint8Array) return { bytes: data, flags: CommandFlag.Binary };
  if (data instanceof ArrayBuffer) return { bytes: new Uint8Array(data), flags: CommandFlag.Binary };
  if (ArrayBuffer.isView(data)) {
    return { bytes: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), flags: CommandFlag.Binary };
  }
  const t = typeof data;
  if (data === undefined || t === 'function' || t === 'symbol' || t === 'bigint' || (t === 'number' && !Number.isFinite(data))) {
    fail(method, 'data', 'a string, bytes or a JSON value', data);
  }
  let json: string | undefined;
  try {
    json = JSON.stringify(data);
  } catch (err) {
    throw new TypeError(`Gateway.${method}: data is not JSON-serializable: ${(err as Error).message}`);
  }
  if (json === undefined) fail(method, 'data', 'a string, bytes or a JSON value', data);
  return { bytes: Buffer.from(json, 'utf8'), flags: 0 };
}

export function sendFlags(encoded: EncodedData, options: SendOptionsArg): number {
  return encoded.flags | (options.raw ? CommandFlag.Raw : 0);
}
