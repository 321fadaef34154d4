import { quantise, weightsFromBurstPercent } from '../weights.js';
import type { SpilloverPolicy } from './config.js';
import { VerdictCause, type Direction, type PolicyState, type Verdict } from './types.js';
import { formatRate, toward } from './verdicts.js';

/** The exact share of the traffic above the primary's capacity, rounded up: ceil(100·max(0, rps − C)/rps). */
export function excessPercent(rps: number, capacity: number): number {
  if (!(rps > capacity)) return 0;
  // The tolerance keeps float noise (20.000000000000004) from adding a whole percent.
  return Math.min(100, Math.ceil((100 * (rps - capacity)) / rps - 1e-9));
}

/** The burst percent spillover wants for `rps` with no history: the excess, rounded up to `step`. */
export function spilloverTarget(rps: number, policy: Pick<SpilloverPolicy, 'capacity' | 'step'>): number {
  return quantise(excessPercent(rps, policy.capacity), policy.step);
}

/**
 * Capacity-based spillover. The primary keeps up to `capacity` req/s, the excess goes to burst in steps of
 * `step` %. From the current burst share B:
 * - up when the target for the rate is above B;
 * - down when the target for the rate raised by `hysteresis` is below B (so weights come back only when the
 *   drop is larger than the noise, and the primary is never pushed above its capacity by the band);
 * - otherwise hold (`unchanged`, or `within-hysteresis` when the plain target differs).
 * A change waits `cooldownSeconds` after the previous one, a reversal `minDwellSeconds`, and moves at most
 * `maxUpPerTick` / `maxDownPerTick`. On a cold start (no state) the target is published as is: the current
 * weights are unknown, so slew limits have nothing to count from, and the applier skips an unchanged write.
 */
export function decideSpillover(
  policy: SpilloverPolicy,
  state: PolicyState | undefined,
  rps: number,
  now: Date,
): Verdict {
  const goal = spilloverTarget(rps, policy);
  const rate = `rate ${formatRate(rps)} req/s, capacity ${formatRate(policy.capacity)} req/s`;
  if (state === undefined)
    return toward(
      state,
      weightsFromBurstPercent(goal),
      VerdictCause.ColdStart,
      `${rate}: burst ${goal} % (cold start: no previous weights, so no slew limit)`,
    );

  const current = state.weights.burst;
  const raised = rps * (1 + policy.hysteresis);
  const downGoal = spilloverTarget(raised, policy);
  let desired: number;
  let direction: Direction;
  let why: string;
  if (goal > current) {
    desired = goal;
    direction = 'up';
    why = `${rate}: burst ${goal} % wanted`;
  } else if (downGoal < current) {
    desired = downGoal;
    direction = 'down';
    why = `${rate}: burst ${downGoal} % wanted (the rate + ${formatRate(policy.hysteresis * 100)} % hysteresis, ${formatRate(raised)} req/s)`;
  } else {
    const cause = goal === current ? VerdictCause.Unchanged : VerdictCause.WithinHysteresis;
    const detail =
      cause === VerdictCause.Unchanged
        ? `burst ${current} % is right`
        : `burst ${goal} % without hysteresis, but the rate + ${formatRate(policy.hysteresis * 100)} % still asks for ${downGoal} %`;
    return { action: 'hold', cause, reason: `${rate}: ${detail}; holding burst ${current} %` };
  }

  if (state.changedAt !== undefined) {
    const age = (now.getTime() - state.changedAt.getTime()) / 1000;
    const since = `the last change was ${Math.round(age)} s ago`;
    if (age < policy.cooldownSeconds)
      return {
        action: 'hold',
        cause: VerdictCause.Cooldown,
        reason: `${why}, but ${since} (cooldown ${policy.cooldownSeconds} s); holding burst ${current} %`,
      };
    if (
      state.lastDirection !== undefined &&
      state.lastDirection !== direction &&
      age < policy.minDwellSeconds
    )
      return {
        action: 'hold',
        cause: VerdictCause.MinDwell,
        reason: `${why}, but ${since}, in the other direction (min dwell ${policy.minDwellSeconds} s); holding burst ${current} %`,
      };
  }

  const next =
    direction === 'up'
      ? Math.min(desired, current + policy.maxUpPerTick)
      : Math.max(desired, current - policy.maxDownPerTick);
  if (next === desired) {
    const cause = direction === 'up' ? VerdictCause.SpillIncrease : VerdictCause.SpillDecrease;
    return toward(state, weightsFromBurstPercent(next), cause, `${why}; burst ${current} → ${next} %`);
  }
  const limit =
    direction === 'up' ? `maxUpPerTick ${policy.maxUpPerTick}` : `maxDownPerTick ${policy.maxDownPerTick}`;
  return toward(
    state,
    weightsFromBurstPercent(next),
    VerdictCause.SlewLimited,
    `${why}; burst ${current} → ${next} % (${limit})`,
  );
}
