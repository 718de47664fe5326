import { randomBytes } from 'node:crypto';

/**
 * A client id is 24 lowercase hex characters: 12 for the gateway instance that
 * holds the connection, 12 for the connection's number on that gateway. A gateway
 * instance id is 48 random bits drawn at each gateway start, and connection
 * numbers count up from 1 without wrapping (48 bits), so an id names one
 * connection of one deployment and is not reused.
 */
export const CLIENT_ID_LENGTH = 24;
export const CLIENT_ID_BYTES = 12;
export const GATEWAY_ID_LENGTH = 12;

const CLIENT_ID_RE = /^[0-9a-f]{24}$/;

export function newGatewayId(): string {
  let id: string;
  do id = randomBytes(6).toString('hex');
  while (id === '000000000000');
  return id;
}

export function makeClientId(gatewayId: string, connectionNumber: number): string {
  return gatewayId + connectionNumber.toString(16).padStart(12, '0');
}

export function isClientId(value: unknown): value is string {
  return typeof value === 'string' && CLIENT_ID_RE.test(value);
}

export function gatewayIdOf(clientId: string): string {
  return clientId.slice(0, GATEWAY_ID_LENGTH);
}

export function writeClientId(clientId: string, target: Buffer, offset: number): void {
  target.write(clientId, offset, CLIENT_ID_BYTES, 'hex');
}

export function readClientId(source: Buffer, offset: number): string {
  return source.toString('hex', offset, offset + CLIENT_ID_BYTES);
}
