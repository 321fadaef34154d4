import { Limits } from '../decision/message.js';
import { ALL_PRIMARY, sameWeights } from '../weights.js';
import { DEFAULT_FAILURE_POLICY, type FailurePolicy, type PolicyConfig } from './config.js';
import { checkObservation } from './observation.js';
import { decideSpillover } from './spillover.js';
import { decideThreshold } from './threshold.js';
import { heldWeights } from './verdicts.js';
import {
  FAILURE_CAUSES,
  FailureAction,
  type FailureCause,
  type Observation,
  type PolicyState,
  type Verdict,
} from './types.js';

export * from './types.js';
export * from './config.js';
export { checkObservation } from './observation.js';
export { excessPercent, spilloverTarget } from './spillover.js';

export type DecideInput = {
  policy: PolicyConfig;
  /** Defaults to DEFAULT_FAILURE_POLICY (every cause holds). */
  failures?: FailurePolicy;
  /** What the decider remembered from the previous tick; undefined on a cold start. */
  state: PolicyState | undefined;
  observation: Observation;
  now: Date;
};

/**
 * One tick of the control loop for one target: checks the observation (a failure cause gets its configured
 * action), then asks the policy. Publishes only weights that differ from `state.weights`. Pure.
 */
export function decide(input: DecideInput): Verdict {
  const failures = input.failures ?? DEFAULT_FAILURE_POLICY;
  const usable = checkObservation(input.observation, failures, input.now);
  const verdict = usable.ok
    ? input.policy.kind === 'threshold'
      ? decideThreshold(input.policy, input.state, usable.rps)
      : decideSpillover(input.policy, input.state, usable.rps, input.now)
    : onFailure(usable.cause, usable.detail, failures, input.state);
  return { ...verdict, reason: clip(verdict.reason) };
}

/**
 * The failure's configured action. `hold` keeps the weights; `primary` publishes 100/0 at once — no
 * cooldown, dwell or slew: it is the operator's chosen safe state — and holds when already there.
 */
function onFailure(
  cause: FailureCause,
  detail: string,
  failures: FailurePolicy,
  state: PolicyState | undefined,
): Verdict {
  const action = failures.actions[cause] ?? FailureAction.Hold;
  if (action === FailureAction.Primary) {
    if (state !== undefined && sameWeights(state.weights, ALL_PRIMARY))
      return { action: 'hold', cause, reason: `${detail}; on ${cause}: all to primary, already there` };
    return {
      action: 'publish',
      weights: { ...ALL_PRIMARY },
      cause,
      reason: `${detail}; on ${cause}: all traffic back to primary`,
    };
  }
  return { action: 'hold', cause, reason: `${detail}; on ${cause}: holding ${heldWeights(state)}` };
}

export function isFailureCause(cause: string): cause is FailureCause {
  return (FAILURE_CAUSES as readonly string[]).includes(cause);
}

/**
 * The state to remember after acting on `verdict` at `now`. A hold keeps the state. A policy's change records
 * when and in which direction (for cooldown and min dwell); a cold-start change records when only; a
 * failure action's change records neither, so the policy resumes without waiting once data is back.
 */
export function nextState(
  state: PolicyState | undefined,
  verdict: Verdict,
  now: Date,
): PolicyState | undefined {
  if (verdict.action === 'hold') return state;
  const weights = { primary: verdict.weights.primary, burst: verdict.weights.burst };
  if (isFailureCause(verdict.cause)) return { weights };
  if (state === undefined) return { weights, changedAt: now };
  if (verdict.weights.burst === state.weights.burst) return { ...state, weights };
  return {
    weights,
    changedAt: now,
    lastDirection: verdict.weights.burst > state.weights.burst ? 'up' : 'down',
  };
}

function clip(reason: string): string {
  return reason.length <= Limits.reasonLength ? reason : `${reason.slice(0, Limits.reasonLength - 3)}...`;
}
