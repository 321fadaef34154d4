import { formatWeights, sameWeights, type Weights } from '../weights.js';
import { VerdictCause, type PolicyState, type Verdict } from './types.js';

/** Publishes `weights` — unless they are the current ones, then holds with cause `unchanged`. */
export function toward(
  state: PolicyState | undefined,
  weights: Readonly<Weights>,
  cause: VerdictCause,
  reason: string,
): Verdict {
  if (state !== undefined && sameWeights(state.weights, weights))
    return {
      action: 'hold',
      cause: VerdictCause.Unchanged,
      reason: `${reason} (already ${formatWeights(weights)})`,
    };
  return { action: 'publish', weights: { primary: weights.primary, burst: weights.burst }, cause, reason };
}

/** What a hold keeps, for reasons: `primary 70 / burst 30`, or `the current weights` on a cold start. */
export function heldWeights(state: PolicyState | undefined): string {
  return state === undefined ? 'the current weights' : formatWeights(state.weights);
}

/** A rate for humans: at most two decimals, `12.35`, `15`. */
export function formatRate(rps: number): string {
  return String(Math.round(rps * 100) / 100);
}
