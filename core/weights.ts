import Type from 'typebox';

/**
 * The route weights Spillway manages: the share of the traffic (in percent) that goes to the `primary` and
 * to the `burst` subset. Always integers from 0 to 100 that sum to 100 (what Istio accepts).
 */
export type Weights = { primary: number; burst: number };

const percentSchema = Type.Integer({ minimum: 0, maximum: 100, description: 'an integer from 0 to 100' });

/** Weights as they travel in messages and annotations. The sum is checked by `validateWeights`. */
export const WeightsSchema = Type.Object(
  { primary: percentSchema, burst: percentSchema },
  { additionalProperties: false },
);

/** Everything on the primary cluster. */
export const ALL_PRIMARY: Readonly<Weights> = Object.freeze({ primary: 100, burst: 0 });
/** Everything on the burst cluster. */
export const ALL_BURST: Readonly<Weights> = Object.freeze({ primary: 0, burst: 100 });

function isPercent(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 100;
}

/**
 * Why `w` is not a valid pair of weights, or undefined when it is: both integers from 0 to 100, summing to
 * 100. The reasons are the ones operators see, e.g. `weights must sum to 100 (got 60 + 60 = 120)`.
 */
export function validateWeights(w: Weights): string | undefined {
  for (const side of ['primary', 'burst'] as const) {
    const value: unknown = w[side];
    if (!isPercent(value))
      return `weights.${side} must be an integer from 0 to 100 (got ${typeof value === 'number' ? String(value) : (JSON.stringify(value) ?? String(value))})`;
  }
  const sum = w.primary + w.burst;
  if (sum !== 100) return `weights must sum to 100 (got ${w.primary} + ${w.burst} = ${sum})`;
  return undefined;
}

/** The weights that send `burstPercent` % (an integer from 0 to 100) to burst and the rest to primary. */
export function weightsFromBurstPercent(burstPercent: number): Weights {
  if (!isPercent(burstPercent))
    throw new RangeError(`burst percent must be an integer from 0 to 100 (got ${burstPercent})`);
  return { primary: 100 - burstPercent, burst: burstPercent };
}

/**
 * Rounds a burst share (0–100, may be fractional) UP to the next multiple of `step` (an integer from 1 to
 * 100), capped at 100. Rounding up means the primary never gets more than the policy asked for it.
 * `quantise(21, 5)` = 25, `quantise(0, 5)` = 0, `quantise(95, 30)` = 100.
 */
export function quantise(burstPercent: number, step: number): number {
  if (!Number.isInteger(step) || step < 1 || step > 100)
    throw new RangeError(`step must be an integer from 1 to 100 (got ${step})`);
  if (!Number.isFinite(burstPercent))
    throw new RangeError(`burst percent must be finite (got ${burstPercent})`);
  if (burstPercent <= 0) return 0;
  // The tolerance keeps float noise (20.000000000000004) from jumping a whole step.
  const steps = Math.ceil(burstPercent / step - 1e-9);
  return Math.min(100, steps * step);
}

export function sameWeights(a: Weights, b: Weights): boolean {
  return a.primary === b.primary && a.burst === b.burst;
}

/** `primary 70 / burst 30`, for logs and reasons. */
export function formatWeights(w: Weights): string {
  return `primary ${w.primary} / burst ${w.burst}`;
}
