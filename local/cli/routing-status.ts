/**
 * What `spillway status` shows of a VirtualService, read with core's own readers (the ones the applier
 * uses): the managed route's weights, the override in force, the last applied decision and the history.
 * Pure: the object and the time in, the report and its human lines out.
 */
import { findManagedRoute } from '../../core/applier/route.js';
import {
  overrideInForce,
  readObjectState,
  type AppliedEntry,
  type OverrideState,
} from '../../core/applier/state.js';
import { formatDuration } from '../../core/decision/duration.js';
import type { Target } from '../../core/decision/message.js';
import { parseRfc3339 } from '../../core/decision/rfc3339.js';
import type { Weights } from '../../core/weights.js';

export type OverrideStatus = OverrideState & {
  /** `until` has passed: the applier removes the annotation with the next auto decision it applies. */
  expired: boolean;
};

export interface RoutingStatus {
  virtualService: { namespace: string; name: string };
  /** The managed route: its index in `spec.http` and its name (null when it has none). */
  route: { index: number; name: string | null } | null;
  /** The weights in force on the managed route; null when there is no managed route or they are unset. */
  weights: Weights | null;
  /** Why `weights` is null. */
  routeProblem: string | null;
  override: OverrideStatus | null;
  lastApplied: AppliedEntry | null;
  /** Newest first, at most 20 (`spillway.dev/history`). */
  history: AppliedEntry[];
  /** Spillway annotations that could not be read (edited by hand): the applier rewrites them. */
  problems: string[];
}

/** The status of `virtualService` (the object as the API answered it) at `now`. */
export function routingStatus(target: Target, virtualService: unknown, now: Date): RoutingStatus {
  const state = readObjectState(virtualService);
  const lookup = findManagedRoute(virtualService);

  let route: RoutingStatus['route'] = null;
  let weights: Weights | null = null;
  let routeProblem: string | null = null;
  if (!lookup.ok) routeProblem = lookup.reason;
  else {
    route = { index: lookup.route.http, name: lookup.route.name ?? null };
    if (lookup.route.weights === undefined)
      routeProblem = `the weights of ${describeRoute(route)} are unset or do not sum to 100 (the applier's next write sets them)`;
    else weights = { ...lookup.route.weights };
  }

  let override: OverrideStatus | null = null;
  if (state.override !== undefined)
    override = { ...state.override, expired: !overrideInForce(state.override, now) };
  return {
    virtualService: { namespace: target.namespace, name: target.virtualService },
    route,
    weights,
    routeProblem,
    override,
    lastApplied: state.lastApplied ?? null,
    history: state.history,
    problems: state.problems,
  };
}

function describeRoute(route: { index: number; name: string | null }): string {
  return route.name === null ? `http[${route.index}]` : `http route ${JSON.stringify(route.name)}`;
}

export function formatPercent(weights: Weights): string {
  return `primary ${weights.primary} %  burst ${weights.burst} %`;
}

const LABEL_WIDTH = 10;
/** `label` padded to the column the status lines share, then `text`. */
export const labelledLine = (label: string, text: string): string => `${label.padEnd(LABEL_WIDTH)}${text}`;
const line = labelledLine;

/** How long from `now` to `until`, or since it passed. */
function remaining(until: string, now: Date): string {
  const at = parseRfc3339(until);
  if (at === undefined) return 'expired';
  const seconds = Math.round((at.getTime() - now.getTime()) / 1000);
  return seconds > 0
    ? `${formatDuration(seconds)} left`
    : `expired ${formatDuration(-seconds)} ago: the next auto decision clears it`;
}

/**
 * A few aligned lines for a person:
 *   worker-virtual-service (default)  primary 0 %  burst 100 %
 *   override  primary 0 %  burst 100 %  until 2026-11-26T10:36:19.000Z (4m59s left)  "load test"
 *   last      override 2026-11-26T10:31:19.000Z  primary 0 %  burst 100 %  "load test"
 *             id operator-1764…-3, applied 2026-11-26T10:31:19.412Z
 */
export function formatRoutingStatus(status: RoutingStatus, now: Date): string[] {
  const { namespace, name } = status.virtualService;
  const lines: string[] = [];
  const head = `${name} (${namespace})`;
  if (status.weights !== null) lines.push(`${head}  ${formatPercent(status.weights)}`);
  else if (status.route === null) lines.push(`${head}  no managed route: ${status.routeProblem ?? ''}`);
  else lines.push(`${head}  ${status.routeProblem ?? ''}`);

  const o = status.override;
  if (o === null) lines.push(line('override', 'none'));
  else {
    lines.push(
      line(
        'override',
        `${formatPercent(o.weights)}  until ${o.until} (${remaining(o.until, now)})  ${JSON.stringify(o.reason)}`,
      ),
      line('', `id ${o.id}`),
    );
  }

  const last = status.lastApplied;
  if (last === null) lines.push(line('last', 'none (Spillway has not changed this VirtualService yet)'));
  else {
    lines.push(
      line(
        'last',
        `${last.kind} ${last.issuedAt}  ${formatPercent(last.weights)}  ${JSON.stringify(last.reason)}`,
      ),
      line('', `id ${last.id}, applied ${last.appliedAt}`),
    );
  }
  for (const problem of status.problems) lines.push(line('warning', problem));
  return lines;
}
