import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The register handshake, the same idea as the link handshake
 * (src/protocol/handshake.ts): the register sends a nonce, the peer answers with
 * its own nonce and HMAC-SHA256(secret, "gatehouse/register-peer" ‖ role ‖
 * Nr ‖ Np), the register answers with HMAC-SHA256(secret, "gatehouse/register"
 * ‖ Np ‖ Nr). The secret never travels, both sides prove they know it, and
 * fresh nonces make a recorded handshake useless. The role is inside the MAC so
 * a recorded proof cannot be replayed under another role.
 */

export const NONCE_BYTES = 32;
export const MAC_BYTES = 32;

export function newNonce(): Buffer {
  return randomBytes(NONCE_BYTES);
}

export function peerProof(secret: string, role: string, registerNonce: Buffer, peerNonce: Buffer): Buffer {
  return createHmac('sha256', secret).update('gatehouse/register-peer').update(role).update(registerNonce).update(peerNonce).digest();
}

export function registerProof(secret: string, registerNonce: Buffer, peerNonce: Buffer): Buffer {
  return createHmac('sha256', secret).update('gatehouse/register').update(peerNonce).update(registerNonce).digest();
}

/** Constant-time comparison. */
export function proofMatches(expected: Buffer, received: Buffer): boolean {
  return received.length === expected.length && timingSafeEqual(expected, received);
}

/** Whether a socket's remote address is this machine's loopback (IPv4, IPv6, or IPv4-mapped). */
export function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  const a = address.startsWith('::ffff:') ? address.slice(7) : address;
  return a === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(a);
}
