/** How the benches print their figures: numbers with fixed decimals, and aligned text tables. */

/** `n` with `digits` decimals and thousands separators; `-` when it is not a finite number. */
export const fixed = (n: number, digits = 1): string =>
  Number.isFinite(n)
    ? n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
    : '-';

/** The lines of a table: the first column padded on the right, the others on the left, two spaces apart. */
export function table(head: string[], rows: string[][]): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]?.length ?? 0)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [line(head), ...rows.map(line)];
}

/** A table headed `min, p50, max` of spreads, a row each (label, spread). */
export function minP50MaxTable(
  rows: readonly (readonly [string, { min: number; p50: number; max: number }])[],
): string[] {
  return table(
    ['', 'min', 'p50', 'max'],
    rows.map(([label, s]) => [label, fixed(s.min), fixed(s.p50), fixed(s.max)]),
  );
}
