/** The spread of a bench's samples: their count, least, named nearest-rank quantiles and largest. */

/** n, min, the quantiles asked for (in their order), max. NaN (JSON null) when n = 0. */
export type Spread<Q extends string> = { n: number; min: number } & Record<Q, number> & { max: number };

/**
 * The spread of `values` with `quantiles` (name → q in 0..1, e.g. `{ p50: 0.5, p99: 0.99 }`), nearest rank:
 * the smallest value with at least q of the samples at or below it (with few samples p99 is the largest).
 */
export function spread<Q extends string>(
  values: readonly number[],
  quantiles: Readonly<Record<Q, number>>,
): Spread<Q> {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (q: number): number => sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? NaN;
  const named = Object.fromEntries(
    Object.entries<number>(quantiles).map(([name, q]) => [name, rank(q)]),
  ) as Record<Q, number>;
  return { n: sorted.length, min: sorted[0] ?? NaN, ...named, max: rank(1) };
}
