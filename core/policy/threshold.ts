import { ALL_BURST, ALL_PRIMARY } from '../weights.js';
import type { ThresholdPolicy } from './config.js';
import { formatRate, heldWeights, toward } from './verdicts.js';
import { VerdictCause, type PolicyState, type Verdict } from './types.js';

/**
 * The codelab's policy: a rate above `high` sends everything to burst, below `low` everything back to
 * primary, anything from `low` to `high` (inclusive) holds. On a cold start the first crossing publishes;
 * between the thresholds there is nothing to say yet, so it holds.
 */
export function decideThreshold(
  policy: ThresholdPolicy,
  state: PolicyState | undefined,
  rps: number,
): Verdict {
  const rate = `rate ${formatRate(rps)} req/s`;
  if (rps > policy.high)
    return toward(
      state,
      ALL_BURST,
      VerdictCause.AboveHigh,
      `${rate} is above high ${policy.high} req/s: all traffic to burst`,
    );
  if (rps < policy.low)
    return toward(
      state,
      ALL_PRIMARY,
      VerdictCause.BelowLow,
      `${rate} is below low ${policy.low} req/s: all traffic to primary`,
    );
  return {
    action: 'hold',
    cause: VerdictCause.BetweenThresholds,
    reason: `${rate} is between low ${policy.low} and high ${policy.high} req/s: holding ${heldWeights(state)}`,
  };
}
