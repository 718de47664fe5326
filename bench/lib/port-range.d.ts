// Types for bench/lib/port-range.js, for TypeScript callers (test/unit/bench-port-range.test.ts).

export const PORT_RANGE_FILE: string;
export const WIDEST: [number, number];

export interface PortRangeState {
  file: string;
  before: [number, number];
  after: [number, number];
  widened: boolean;
  perSource: number;
  note: string | null;
}
export function ensurePortRange(perSource: number, options?: { file?: string; write?: (file: string, text: string) => void }): PortRangeState;
export function restorePortRange(state: PortRangeState): void;
