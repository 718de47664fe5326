// The phases of one measured run sized for its number of connections N: what
// is fine at 10,000 (16 broadcasts outstanding, 10 broadcasts/s of fixed
// load, a minute to connect) would at a million keep 16 million messages
// queued, offer more deliveries than two cores can write, or give up while
// the crowd is still connecting.

/** Deliveries outstanding at once in the broadcast phase, at most: window × N stays near this. */
export const OUTSTANDING_DELIVERIES = 2_000_000;
/** The fixed load's offered deliveries per second (about 5% of the native engine's saturation here at 10,000 connections). */
export const FIXED_DELIVERIES_PER_SECOND = 100_000;
/** Time allowed per connection to connect (beyond the first minute), and to be reached by one broadcast. */
const CONNECT_US_PER_CONN = 250;
const FANOUT_US_PER_CONN = 30;

/**
 * Settings for N connections, from the run's base settings: the broadcast
 * window (≤ base.window), the fixed load's broadcasts per second (≥ 1, the
 * load generator paces whole broadcasts), and the connect, catch-up and
 * fan-out time limits.
 */
export function scaleFor(base, n) {
  return {
    ...base,
    connections: n,
    window: Math.max(1, Math.min(base.window, Math.floor(OUTSTANDING_DELIVERIES / n))),
    fixedRate: Math.max(1, Math.min(base.fixedRate, Math.round(FIXED_DELIVERIES_PER_SECOND / n))),
    /** The paced phase runs only where its one broadcast per second (at least) stays within twice the fixed load. */
    fixedLoad: n <= 2 * FIXED_DELIVERIES_PER_SECOND,
    fixedDeliveriesPerSecond: FIXED_DELIVERIES_PER_SECOND,
    connectTimeoutMs: 60_000 + Math.round((n * CONNECT_US_PER_CONN) / 1000),
    fanoutTimeoutMs: Math.max(base.fanoutTimeoutMs, Math.round((n * FANOUT_US_PER_CONN) / 1000)),
    /** How long the worker tier may take to acknowledge the crowd's connect events before the measurements start. */
    catchUpTimeoutMs: 30_000 + Math.round((n * FANOUT_US_PER_CONN) / 1000),
  };
}

/**
 * A run's default time limit: a base for starting and stopping, plus each
 * server's phases at each N (connecting dominates at large N).
 */
export function defaultTimeLimitSeconds({ conns, servers, phaseSeconds }) {
  return Math.round(120 + conns.reduce((t, n) => t + servers * (phaseSeconds + 30 + (n * (CONNECT_US_PER_CONN + 2 * FANOUT_US_PER_CONN)) / 1e6), 0));
}
