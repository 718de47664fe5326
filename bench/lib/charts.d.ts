// Types of bench/lib/charts.js for the TypeScript tests that import it (test/unit/bench-charts.test.ts).
/** The Vega-Lite specs of the charts the results have data for, by chart name. */
export function chartSpecs(results: unknown): Record<string, object>;
/** One Vega-Lite spec rendered to an SVG string. */
export function renderSpec(spec: object): Promise<string>;
/** The charts of a results object as `{ name: svg }`: memory, kernel, deliveries, latency, fanout, groups (each only with data). */
export function renderCharts(results: unknown): Promise<Record<string, string>>;
/** Writes `${base}-<name>.svg` for each chart; returns the paths written. */
export function writeCharts(results: unknown, base: string): Promise<string[]>;
