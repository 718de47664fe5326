/** Human units and aligned tables for the CLI's output. */

export function formatBytes(n: number | null | undefined): string {
  if (typeof n !== 'number' || !Number.isFinite(n)) return '-';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} B` : `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[u]}`;
}

/** Seconds as `45s`, `12m05s`, `3h07m`, `2d04h`. */
export function formatDuration(seconds: number | null | undefined): string {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds)) return '-';
  const s = Math.max(0, Math.floor(seconds));
  const pad = (x: number): string => String(x).padStart(2, '0');
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${pad(s % 60)}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${pad(Math.floor((s % 3600) / 60))}m`;
  return `${Math.floor(s / 86400)}d${pad(Math.floor((s % 86400) / 3600))}h`;
}

export function formatCount(n: number | null | undefined): string {
  if (typeof n !== 'number' || !Number.isFinite(n)) return '-';
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

/**
 * Columns aligned on the widest cell; numbers (and `-`) right-aligned, text
 * left-aligned. `separatorBefore` draws a rule above that row (the summary).
 */
export function renderTable(headers: string[], rows: string[][], options: { separatorBefore?: number } = {}): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const numeric = headers.map((_, i) => rows.length > 0 && rows.every((r) => /^(-|[-\d.]+( ?[KMGT]?i?B)?|[\dhms]+)$/.test(r[i] ?? '-')));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const out = [line(headers)];
  rows.forEach((r, i) => {
    if (i === options.separatorBefore) out.push(widths.map((w) => '-'.repeat(w)).join('  '));
    out.push(line(r));
  });
  return out.join('\n');
}
