/**
 * The routing panel's view model: what the page shows about the VirtualService, computed from what the watch
 * knows (pure: no I/O, the time is passed in). The same JSON answers `GET /api/routing` and is pushed on the
 * live feed as `{"type":"routing","routing":…}` (docs/services.md, "The routing panel").
 */
import { findManagedRoute } from '../../core/applier/route.js';
import { overrideInForce, readObjectState, type AppliedEntry } from '../../core/applier/state.js';
import { formatRfc3339, parseRfc3339 } from '../../core/decision/rfc3339.js';
import { isRecord } from '../../core/json.js';
import type { Weights } from '../../core/weights.js';

/** The connection to the Kubernetes API, as the panel shows it. */
export const ApiState = {
  /** No Kubernetes access is configured (see `reason`). */
  Unavailable: 'unavailable',
  /** Not listed yet: no state known. */
  Connecting: 'connecting',
  /** Watching: what is shown is current. */
  Live: 'live',
  /** The API was lost at `since`: the last known state is shown. */
  Stale: 'stale',
} as const;
export type ApiState = (typeof ApiState)[keyof typeof ApiState];

/** The panel's headline: what it can show about the VirtualService. */
export const RoutingStatus = {
  Ok: 'ok',
  /** The VirtualService exists but has no route Spillway can manage (`message` says why). */
  Unmanaged: 'unmanaged',
  NotFound: 'not-found',
  /** Nothing known yet: the first list has not answered. */
  Waiting: 'waiting',
  Unavailable: 'unavailable',
} as const;
export type RoutingStatus = (typeof RoutingStatus)[keyof typeof RoutingStatus];

/** What the watch knows at one moment. */
export interface RoutingSnapshot {
  readonly api: typeof ApiState.Connecting | typeof ApiState.Live | typeof ApiState.Stale;
  /** The VirtualService as last seen: undefined until the first list answered, null when there is none. */
  readonly object: unknown;
  /** Connecting: when the first attempt failed; stale: when the API was lost (ms since the epoch). */
  readonly since?: number;
  /** The last error talking to the API, while connecting or stale. */
  readonly error?: string;
}

/** Where the view's data comes from: a watch, or nothing (with the reason). */
export type RoutingSource = { snapshot: RoutingSnapshot } | { unavailable: string };

export interface RoutingTarget {
  readonly namespace: string;
  readonly virtualService: string;
}

export interface OverrideView {
  weights: Weights;
  until: string;
  reason: string;
  id: string;
  /** False once `until` has passed: the applier keeps the annotation until its next write. */
  active: boolean;
}

export interface RoutingView {
  status: RoutingStatus;
  /** Why the status is not `ok`, for a person; null when it is. */
  message: string | null;
  target: { namespace: string; virtualService: string };
  api: { state: ApiState; reason: string | null; since: string | null };
  /** The managed http route: its index in `spec.http` and its name when it has one. */
  route: { index: number; name: string | null } | null;
  /** The weights in force on the managed route, in percent. */
  weights: Weights | null;
  override: OverrideView | null;
  /** The last applied decisions, newest first (`spillway.dev/history`, with `spillway.dev/last-applied`). */
  decisions: AppliedEntry[];
  /** What could not be read (a damaged annotation, weights that do not sum to 100), for a person. */
  notes: string[];
  resourceVersion: string | null;
  /** When the view was made (the server's clock: the page counts down from it). */
  now: string;
}

function decisionsOf(lastApplied: AppliedEntry | undefined, history: AppliedEntry[]): AppliedEntry[] {
  if (lastApplied === undefined || history.some((e) => e.id === lastApplied.id)) return history;
  return [lastApplied, ...history];
}

const iso = (ms: number | undefined): string | null =>
  ms === undefined ? null : formatRfc3339(new Date(ms));

/** The view of `source` for the VirtualService `target` at `now`; `routeName` names the managed route. */
export function routingView(input: {
  target: RoutingTarget;
  source: RoutingSource;
  now: Date;
  routeName?: string | undefined;
}): RoutingView {
  const { target, source, now } = input;
  const base: RoutingView = {
    status: RoutingStatus.Waiting,
    message: null,
    target: { namespace: target.namespace, virtualService: target.virtualService },
    api: { state: ApiState.Unavailable, reason: null, since: null },
    route: null,
    weights: null,
    override: null,
    decisions: [],
    notes: [],
    resourceVersion: null,
    now: formatRfc3339(now),
  };
  if ('unavailable' in source)
    return {
      ...base,
      status: RoutingStatus.Unavailable,
      message: `Routing state is not available: ${source.unavailable}`,
      api: { state: ApiState.Unavailable, reason: source.unavailable, since: null },
    };

  const { snapshot } = source;
  const api = { state: snapshot.api, reason: snapshot.error ?? null, since: iso(snapshot.since) };
  const name = `${target.namespace}/${target.virtualService}`;
  if (snapshot.object === undefined)
    return {
      ...base,
      api,
      message:
        snapshot.error === undefined
          ? 'Waiting for the Kubernetes API…'
          : `Waiting for the Kubernetes API: ${snapshot.error}`,
    };
  if (snapshot.object === null)
    return { ...base, api, status: RoutingStatus.NotFound, message: `VirtualService ${name} not found` };

  const object = snapshot.object;
  const metadata = isRecord(object) ? object['metadata'] : undefined;
  const resourceVersion =
    isRecord(metadata) && typeof metadata['resourceVersion'] === 'string'
      ? metadata['resourceVersion']
      : null;
  const state = readObjectState(object);
  const notes = [...state.problems];
  const override =
    state.override === undefined
      ? null
      : {
          ...state.override,
          active: overrideInForce(state.override, now),
        };
  const common = {
    ...base,
    api,
    override,
    decisions: decisionsOf(state.lastApplied, state.history),
    resourceVersion,
  };

  const lookup = findManagedRoute(object, input.routeName);
  if (!lookup.ok)
    return {
      ...common,
      status: RoutingStatus.Unmanaged,
      message: `Spillway cannot manage VirtualService ${name}: ${lookup.reason}`,
      notes,
    };
  const { route } = lookup;
  if (route.weights === undefined)
    notes.push(
      'the weights of the managed route are missing or do not sum to 100 (the next write repairs them)',
    );
  return {
    ...common,
    status: RoutingStatus.Ok,
    route: { index: route.http, name: route.name ?? null },
    weights: route.weights === undefined ? null : { ...route.weights },
    notes,
  };
}

/** The view without its time: two views with the same key show the same thing. */
export function viewKey(view: RoutingView): string {
  return JSON.stringify({ ...view, now: undefined });
}

/** When the view changes by itself (an active override expiring), in ms since the epoch; else undefined. */
export function nextChangeAt(view: RoutingView): number | undefined {
  if (view.override === null || !view.override.active) return undefined;
  return parseRfc3339(view.override.until)?.getTime();
}
