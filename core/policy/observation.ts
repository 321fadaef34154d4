import type { FailurePolicy } from './config.js';
import { FailureCause, type Observation } from './types.js';

/** A reading that passed every check: one finite, non-negative, fresh rate. */
export type UsableRate = { ok: true; rps: number; at: Date };
export type Unusable = { ok: false; cause: FailureCause; detail: string };

/**
 * Turns a source's raw observation into a usable rate or a failure cause. In this order: the source's own
 * failure; no series (`empty` — no data is never a rate of 0); more than `maxSeries`; NaN/±Inf; below 0; a
 * sample time that is not a date or older than `staleAfterSeconds`. A sample from the future (clock skew)
 * is accepted.
 */
export function checkObservation(
  observation: Observation,
  failures: FailurePolicy,
  now: Date,
): UsableRate | Unusable {
  if (!observation.ok) return observation;
  const { rps, at, series } = observation;
  const from = `the ${observation.source} query`;
  if (series <= 0) return { ok: false, cause: FailureCause.Empty, detail: `${from} returned no series` };
  if (series > failures.maxSeries)
    return {
      ok: false,
      cause: FailureCause.TooManySeries,
      detail: `${from} returned ${series} series (at most ${failures.maxSeries} expected; sum them in the query)`,
    };
  if (!Number.isFinite(rps))
    return { ok: false, cause: FailureCause.NotFinite, detail: `${from} returned ${String(rps)}` };
  if (rps < 0)
    return { ok: false, cause: FailureCause.Negative, detail: `${from} returned a negative rate ${rps}` };
  const time = at.getTime();
  if (Number.isNaN(time))
    return { ok: false, cause: FailureCause.Stale, detail: `${from} returned a sample without a valid time` };
  const ageSeconds = (now.getTime() - time) / 1000;
  if (ageSeconds > failures.staleAfterSeconds)
    return {
      ok: false,
      cause: FailureCause.Stale,
      detail: `${from} returned a sample ${Math.round(ageSeconds)} s old (stale after ${failures.staleAfterSeconds} s)`,
    };
  return { ok: true, rps, at };
}
