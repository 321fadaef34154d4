import type { Weights } from '../weights.js';

/** Why there is no usable request rate this tick. Stable words: logs and metric labels use them. */
export const FailureCause = {
  /** The metrics source could not be reached (connection refused, DNS, HTTP 5xx, auth). */
  SourceUnreachable: 'source-unreachable',
  /** The metrics source did not answer within its timeout. */
  SourceTimeout: 'source-timeout',
  /** The query matched no series (no data — NOT a rate of 0). */
  Empty: 'empty',
  /** The value is NaN or ±Inf. */
  NotFinite: 'not-finite',
  /** The value is below 0 (a request rate never is; the query is wrong). */
  Negative: 'negative',
  /** The sample is older than `staleAfterSeconds`. */
  Stale: 'stale',
  /** The query returned more series than `maxSeries` (it is missing a `sum`). */
  TooManySeries: 'too-many-series',
} as const;
export type FailureCause = (typeof FailureCause)[keyof typeof FailureCause];
export const FAILURE_CAUSES: readonly FailureCause[] = Object.values(FailureCause);

/** What to do on a failure: keep the current weights, or send everything back to the primary. */
export const FailureAction = {
  Hold: 'hold',
  Primary: 'primary',
} as const;
export type FailureAction = (typeof FailureAction)[keyof typeof FailureAction];

/**
 * One reading of the request rate, as a metrics source reports it. Sources may report raw values: the
 * policy layer itself turns NaN/Inf into `not-finite`, a negative rate into `negative`, `series: 0` into
 * `empty`, more than `maxSeries` series into `too-many-series` and a sample older than `staleAfterSeconds`
 * into `stale`.
 */
export type Observation =
  | {
      ok: true;
      /** Requests per second (the sum over the series, when there are several). */
      rps: number;
      /** The time of the sample (not of the query). */
      at: Date;
      /** e.g. `prometheus`, `cloud-monitoring`. */
      source: string;
      query: string;
      /** How many series the query returned. */
      series: number;
    }
  | { ok: false; cause: FailureCause; detail: string };

/** The direction of a change: `up` = more to burst, `down` = more to primary. */
export type Direction = 'up' | 'down';

/**
 * What the decider remembers about one target between ticks; undefined on a cold start. Build the next one
 * with `nextState(state, verdict, now)`.
 */
export type PolicyState = {
  /** The weights last published (or believed current). */
  weights: Weights;
  /** When the policy last changed the weights; undefined when unknown or after a failure action. */
  changedAt?: Date;
  /** The direction of that change; undefined when unknown (cold start, failure action). */
  lastDirection?: Direction;
};

/** The stable machine words a verdict's `cause` takes (besides the FailureCause words). */
export const VerdictCause = {
  /** threshold: the rate is above `high` → all to burst. */
  AboveHigh: 'above-high',
  /** threshold: the rate is below `low` → all to primary. */
  BelowLow: 'below-low',
  /** threshold: between `low` and `high` → hold. */
  BetweenThresholds: 'between-thresholds',
  /** spillover: more to burst (the target reached). */
  SpillIncrease: 'spill-increase',
  /** spillover: more to primary (the target reached). */
  SpillDecrease: 'spill-decrease',
  /** spillover: a move toward the target, cut to maxUpPerTick / maxDownPerTick. */
  SlewLimited: 'slew-limited',
  /** spillover: the rate moved, but not past the hysteresis band. */
  WithinHysteresis: 'within-hysteresis',
  /** spillover: the first decision after a cold start (no state): the target, without slew limits. */
  ColdStart: 'cold-start',
  /** The wanted weights are the current ones. */
  Unchanged: 'unchanged',
  /** The decider: an unchanged decision published again after `resyncEvery` (not a policy's verdict). */
  Resync: 'resync',
  /** spillover: a change is due, but the last one is younger than cooldownSeconds. */
  Cooldown: 'cooldown',
  /** spillover: a reversal is due, but the last change is younger than minDwellSeconds. */
  MinDwell: 'min-dwell',
} as const;
export type VerdictCause = (typeof VerdictCause)[keyof typeof VerdictCause] | FailureCause;

/**
 * A policy's answer for one tick. `cause` is a stable machine word (VerdictCause or FailureCause), `reason`
 * human text for logs and the decision message's `reason`.
 */
export type Verdict =
  | { action: 'publish'; weights: Weights; reason: string; cause: VerdictCause }
  | { action: 'hold'; reason: string; cause: VerdictCause };
