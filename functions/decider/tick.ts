import { randomUUID } from 'node:crypto';
import type { Logger } from '../../core/logger.js';
import {
  DECISION_VERSION,
  formatTarget,
  type DecisionMessage,
  type Observed,
} from '../../core/decision/message.js';
import { decide, isFailureCause, nextState } from '../../core/policy/index.js';
import { VerdictCause, type Observation, type PolicyState, type Verdict } from '../../core/policy/types.js';
import type { Weights } from '../../core/weights.js';
import type { ResolvedTarget } from './config.js';
import type { DecisionPublisher } from './publisher.js';
import type { Clock, MetricsSource } from './sources/types.js';

/** One configured target with its source, ready to tick. */
export interface TargetRuntime {
  readonly target: ResolvedTarget;
  /** `namespace/virtualService`: the ordering key, the state's key, the summary's `target`. */
  readonly key: string;
  readonly source: MetricsSource;
}

/** One target's outcome of one tick, as the HTTP answer and the CLI print it. */
export interface Decision {
  target: string;
  tick: number;
  action: 'publish' | 'hold';
  /** The weights published (or that would be, in a dry run). */
  weights?: Weights;
  /** A stable word: the policy's cause (`above-high`, `between-thresholds`, …) or a failure cause. */
  cause: string;
  reason: string;
  observed?: Observed;
  /** The decision message's id. */
  id?: string;
  /** False in a dry run and when the publish failed. */
  published?: boolean;
  /** Why the publish failed (the call answers 5xx). */
  error?: string;
}

/** Everything a tick reads and updates; one per call, the states one per instance. */
export interface TickContext {
  /** What each target's policy remembers between ticks (and calls, in this instance). */
  readonly states: Map<string, PolicyState | undefined>;
  /** Undefined in a dry run: nothing is published and no state changes. */
  readonly publisher: DecisionPublisher | undefined;
  readonly clock: Clock;
  readonly newId?: () => string;
  readonly logger: Logger;
  /** When each target's weights were last published (this instance); for `resyncEvery`. */
  readonly lastPublished: Map<string, Date>;
  /** An unchanged decision is published again after this long; 0: never. */
  readonly resyncEveryMs: number;
  /** Ids published during this call; a decision is never published twice. */
  readonly publishedIds: Set<string>;
  /** Aborts when the call's time is up. */
  readonly signal: AbortSignal;
}

export function targetKey(target: Pick<ResolvedTarget, 'namespace' | 'virtualService'>): string {
  return formatTarget(target);
}

/** The reading as the decision message carries it, when it is one the contract accepts. */
function observedOf(observation: Observation): Observed | undefined {
  if (!observation.ok || !Number.isFinite(observation.rps) || observation.rps < 0) return undefined;
  if (Number.isNaN(observation.at.getTime())) return undefined;
  return {
    rps: observation.rps,
    at: observation.at.toISOString(),
    source: observation.source,
    query: observation.query,
  };
}

const MAX_ERROR_TEXT = 500;

/**
 * An `unchanged` hold becomes a publish of the same weights once the last publish is `resyncEveryMs` old:
 * the decider cannot see the route, and what it published may have been undone since (an override that was
 * released or expired while the rate stayed put, a manual edit). The applier writes nothing when the
 * weights are already in force, and suppresses it during an override.
 */
function resynced(
  verdict: Verdict,
  state: PolicyState | undefined,
  lastPublished: Date | undefined,
  now: Date,
  resyncEveryMs: number,
): Verdict {
  if (verdict.action !== 'hold' || verdict.cause !== VerdictCause.Unchanged || state === undefined)
    return verdict;
  if (resyncEveryMs <= 0 || lastPublished === undefined) return verdict;
  const sinceMs = now.getTime() - lastPublished.getTime();
  if (sinceMs < resyncEveryMs) return verdict;
  return {
    action: 'publish',
    weights: { primary: state.weights.primary, burst: state.weights.burst },
    cause: VerdictCause.Resync,
    reason: `${verdict.reason}; sent again ${String(Math.round(sinceMs / 1000))} s after the last publish, in case the route changed since`,
  };
}

/** Read → decide → publish (or hold) for one target; logs one line with the cause. Never rejects. */
export async function tickTarget(
  runtime: TargetRuntime,
  tick: number,
  context: TickContext,
): Promise<Decision> {
  const { target, key } = runtime;
  const started = performance.now();
  const elapsedMs = (): number => Math.round(performance.now() - started);
  const observation = await runtime.source.read(context.signal);
  const now = context.clock();
  const state = context.states.get(key);
  const verdict = resynced(
    decide({ policy: target.policy, failures: target.failures, state, observation, now }),
    state,
    context.lastPublished.get(key),
    now,
    context.resyncEveryMs,
  );
  const observed = observedOf(observation);
  const decision: Decision = {
    target: key,
    tick,
    action: verdict.action,
    ...(verdict.action === 'publish' ? { weights: verdict.weights } : {}),
    cause: verdict.cause,
    reason: verdict.reason,
    ...(observed === undefined ? {} : { observed }),
  };
  const failure = isFailureCause(verdict.cause);
  const log = {
    target: key,
    tick,
    action: verdict.action,
    cause: verdict.cause,
    observed,
    dryRun: !context.publisher,
  };

  if (verdict.action === 'hold') {
    context.logger[failure ? 'warn' : 'info'](
      { ...log, elapsedMs: elapsedMs() },
      `${key}: hold (${verdict.cause}): ${verdict.reason}`,
    );
    return decision;
  }

  const message: DecisionMessage = {
    version: DECISION_VERSION,
    id: (context.newId ?? randomUUID)(),
    kind: 'auto',
    issuedAt: now.toISOString(),
    target: { namespace: target.namespace, virtualService: target.virtualService },
    weights: verdict.weights,
    reason: verdict.reason,
    // A failure action's decision is not based on a rate.
    ...(observed === undefined || failure ? {} : { observed }),
  };
  decision.id = message.id;
  const fields = { ...log, id: message.id, weights: verdict.weights };
  if (context.publisher === undefined) {
    decision.published = false;
    context.logger.info(fields, `${key}: would publish (${verdict.cause}, dry run): ${verdict.reason}`);
    return decision;
  }
  if (context.publishedIds.has(message.id)) {
    decision.published = false;
    decision.error = `decision ${message.id} was published already in this call; not again`;
    context.logger.error(fields, `${key}: ${decision.error}`);
    return decision;
  }
  try {
    const messageId = await context.publisher.publish(message);
    context.publishedIds.add(message.id);
    context.lastPublished.set(key, now);
    context.states.set(key, nextState(state, verdict, now));
    decision.published = true;
    context.logger[failure ? 'warn' : 'info'](
      { ...fields, messageId, elapsedMs: elapsedMs() },
      `${key}: published ${verdict.weights.primary}/${verdict.weights.burst} (${verdict.cause}): ${verdict.reason}`,
    );
  } catch (err) {
    const text = err instanceof Error ? err.message : String(err);
    decision.published = false;
    decision.error = `publish failed: ${text.length > MAX_ERROR_TEXT ? `${text.slice(0, MAX_ERROR_TEXT)}…` : text}`;
    context.logger.error(
      { ...fields, error: decision.error, elapsedMs: elapsedMs() },
      `${key}: ${decision.error}`,
    );
  }
  return decision;
}
