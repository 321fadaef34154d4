import { buildPatch } from '../../core/applier/patch.js';
import { findManagedRoute } from '../../core/applier/route.js';
import { planApply, type Outcome } from '../../core/applier/rules.js';
import { readState, stateAnnotations } from '../../core/applier/state.js';
import type { DecisionMessage } from '../../core/decision/message.js';
import type { Weights } from '../../core/weights.js';
import { KubeApiError, type VirtualServiceApi, type VirtualServiceObject } from './virtual-service-client.js';

/** What happened in one cluster. */
export type ClusterResult = { cluster: string; attempts: number } & (
  | {
      status: 'written';
      outcome: Outcome;
      before?: Weights;
      /** The weights in force after the write (a release keeps them). */
      after: Weights;
      reason: string;
      resourceVersion?: string;
    }
  | { status: 'skipped'; outcome: Outcome; reason: string }
  /** Can never apply as things are (no such object, no managed route, forbidden): acknowledged. */
  | { status: 'rejected'; reason: string }
  /** May apply later (unreachable, 5xx, conflicts went on): the message is redelivered. */
  | { status: 'failed'; reason: string }
);

/** The rule's outcome when the cluster got as far as the rules, else its status (`rejected`, `failed`). */
export function clusterOutcome(c: ClusterResult): string {
  return c.status === 'written' || c.status === 'skipped' ? c.outcome : c.status;
}

export type ClusterApplyOptions = {
  route?: string;
  /** How many times a conflicting write is re-read and planned again. */
  conflictRetries: number;
  now: () => Date;
  /** Called with each problem found in Spillway's annotations (a damaged one is treated as absent). */
  onStateProblem?: (cluster: string, problem: string) => void;
};

const CONFLICT = new Set([409, 422]);

/**
 * Applies one decision to the VirtualService of one cluster: read, plan (core/applier/rules), JSON patch
 * guarded by the resourceVersion; when the object changed in between (409/422), read again and plan again,
 * at most `conflictRetries` more times. A 422 on an object that did NOT change is the API refusing the
 * change itself (an admission webhook, a schema): rejected, not retried.
 */
export async function applyToCluster(
  api: VirtualServiceApi,
  message: DecisionMessage,
  options: ClusterApplyOptions,
): Promise<ClusterResult> {
  const cluster = api.cluster;
  let refused: { resourceVersion: string; error: KubeApiError } | undefined;
  for (let attempt = 1; attempt <= options.conflictRetries + 1; attempt++) {
    let vs: VirtualServiceObject;
    try {
      vs = await api.get(message.target);
    } catch (err) {
      return failure(cluster, attempt, err);
    }
    const resourceVersion = vs.metadata?.resourceVersion;
    if (typeof resourceVersion !== 'string' || resourceVersion === '')
      return {
        cluster,
        attempts: attempt,
        status: 'rejected',
        reason: `${cluster}: the object has no resourceVersion`,
      };
    if (refused !== undefined && refused.resourceVersion === resourceVersion)
      return { cluster, attempts: attempt, status: 'rejected', reason: refused.error.message };

    const route = findManagedRoute(vs, options.route);
    if (!route.ok)
      return { cluster, attempts: attempt, status: 'rejected', reason: `${cluster}: ${route.reason}` };
    const annotations = vs.metadata?.annotations;
    const state = readState(annotations);
    for (const problem of state.problems) options.onStateProblem?.(cluster, problem);
    const before = route.route.weights;
    const plan = planApply(message, state, before, options.now());
    if (!plan.write)
      return { cluster, attempts: attempt, status: 'skipped', outcome: plan.outcome, reason: plan.reason };

    const ops = buildPatch({
      resourceVersion,
      route: route.route,
      ...(plan.weights === undefined ? {} : { weights: plan.weights }),
      annotations,
      set: stateAnnotations(plan),
    });
    try {
      const written = await api.patch(message.target, ops);
      const rv = written.metadata?.resourceVersion;
      return {
        cluster,
        attempts: attempt,
        status: 'written',
        outcome: plan.outcome,
        ...(before === undefined ? {} : { before }),
        after: plan.lastApplied.weights,
        reason: plan.reason,
        ...(typeof rv === 'string' ? { resourceVersion: rv } : {}),
      };
    } catch (err) {
      if (err instanceof KubeApiError && err.status !== undefined && CONFLICT.has(err.status)) {
        refused = { resourceVersion, error: err };
        continue; // changed since we read it: read again
      }
      return failure(cluster, attempt, err);
    }
  }
  return {
    cluster,
    attempts: options.conflictRetries + 1,
    status: 'failed',
    reason: `${cluster}: the VirtualService kept changing; gave up after ${options.conflictRetries + 1} attempts`,
  };
}

function failure(cluster: string, attempts: number, err: unknown): ClusterResult {
  const e = err instanceof KubeApiError ? err : new KubeApiError(`${cluster}: ${String(err)}`, true);
  return { cluster, attempts, status: e.transient ? 'failed' : 'rejected', reason: e.message };
}
