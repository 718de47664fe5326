// Types for bench/lib/kernel-counters.js, for TypeScript callers (test/e2e/connect-storm.test.ts).

export interface TcpExtCounters {
  listenOverflows: number;
  listenDrops: number;
  syncookiesSent: number;
  syncookiesRecv: number;
  syncookiesFailed: number;
}
export function tcpExt(): TcpExtCounters;

export interface SocketMemory {
  tcpInUse: number;
  tcpAlloc: number;
  tcpBufferBytes: number;
  slabBytes: number;
}
export function socketMemory(): SocketMemory;

export function listenerDrops(port: number): number;

export function delta<T extends Record<string, number>>(before: T, after: T): T;
