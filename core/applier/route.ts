import { isRecord, type JsonRecord } from '../json.js';
import type { Weights } from '../weights.js';

/**
 * The route Spillway manages in a VirtualService: an `http` route whose destinations are exactly the two
 * subsets `primary` and `burst` (the contract's subset names). Only their `weight` fields ever change.
 */
export const Subset = { Primary: 'primary', Burst: 'burst' } as const;

export type ManagedRoute = {
  /** Index in `spec.http`. */
  http: number;
  /** The route's name, when it has one. */
  name?: string;
  /** Indexes in the route's `route` list. */
  primary: number;
  burst: number;
  /** The weights in force, or undefined when they are missing or do not sum to 100 (a write repairs them). */
  weights?: Weights;
};

export type RouteLookup = { ok: true; route: ManagedRoute } | { ok: false; reason: string };

function subsetOf(destination: unknown): string | undefined {
  if (!isRecord(destination)) return undefined;
  const d = destination['destination'];
  if (!isRecord(d)) return undefined;
  return typeof d['subset'] === 'string' ? d['subset'] : undefined;
}

function weightOf(destination: unknown): number | undefined {
  if (!isRecord(destination)) return undefined;
  const w = destination['weight'];
  return typeof w === 'number' && Number.isInteger(w) && w >= 0 && w <= 100 ? w : undefined;
}

function describe(index: number, route: JsonRecord): string {
  return typeof route['name'] === 'string' ? `http route ${JSON.stringify(route['name'])}` : `http[${index}]`;
}

function checkRoute(index: number, route: JsonRecord): RouteLookup {
  const list = route['route'];
  const where = describe(index, route);
  if (!Array.isArray(list) || list.length === 0)
    return { ok: false, reason: `${where} has no route destinations` };
  const subsets = list.map(subsetOf);
  const primary = subsets.indexOf(Subset.Primary);
  const burst = subsets.indexOf(Subset.Burst);
  const missing = [primary < 0 ? Subset.Primary : undefined, burst < 0 ? Subset.Burst : undefined].filter(
    (s) => s !== undefined,
  );
  if (missing.length > 0)
    return {
      ok: false,
      reason: `${where} has no destination with subset ${missing.join(' or ')} (it routes to ${subsets.map((s) => s ?? '(no subset)').join(', ')})`,
    };
  if (
    list.length !== 2 ||
    subsets.lastIndexOf(Subset.Primary) !== primary ||
    subsets.lastIndexOf(Subset.Burst) !== burst
  )
    return {
      ok: false,
      reason: `${where} must have exactly two destinations, subsets primary and burst (it has ${list.length}: ${subsets.map((s) => s ?? '(no subset)').join(', ')})`,
    };
  // Istio leaves out a weight of 0 when it writes one; a missing weight next to a set one is 0.
  const pw = weightOf(list[primary]);
  const bw = weightOf(list[burst]);
  const anySet = pw !== undefined || bw !== undefined;
  const weights = anySet ? { primary: pw ?? 0, burst: bw ?? 0 } : undefined;
  const name = typeof route['name'] === 'string' ? route['name'] : undefined;
  return {
    ok: true,
    route: {
      http: index,
      ...(name === undefined ? {} : { name }),
      primary,
      burst,
      ...(weights !== undefined && weights.primary + weights.burst === 100 ? { weights } : {}),
    },
  };
}

/**
 * Finds the managed route of a VirtualService object: the `http` route named `routeName` when given, else
 * the only `http` route that sends to both subsets. Answers why not, precisely, for an operator to fix.
 */
export function findManagedRoute(virtualService: unknown, routeName?: string): RouteLookup {
  const spec = isRecord(virtualService) ? virtualService['spec'] : undefined;
  const http = isRecord(spec) ? spec['http'] : undefined;
  if (!Array.isArray(http) || http.length === 0)
    return { ok: false, reason: 'the VirtualService has no http routes' };
  const routes = http.map((r, i) => [i, isRecord(r) ? r : {}] as const);
  if (routeName !== undefined) {
    const named = routes.find(([, r]) => r['name'] === routeName);
    if (named === undefined)
      return { ok: false, reason: `the VirtualService has no http route named ${JSON.stringify(routeName)}` };
    return checkRoute(named[0], named[1]);
  }
  const results = routes.map(([i, r]) => checkRoute(i, r));
  const found = results.filter((r): r is Extract<RouteLookup, { ok: true }> => r.ok);
  if (found.length === 1 && found[0] !== undefined) return found[0];
  if (found.length > 1)
    return {
      ok: false,
      reason: `${found.length} http routes send to subsets primary and burst; name the one to manage (SPILLWAY_ROUTE)`,
    };
  if (results.length === 1 && results[0] !== undefined) return results[0];
  return {
    ok: false,
    reason: `no http route sends to both subsets primary and burst (${results.map((r) => (r.ok ? '' : r.reason)).join('; ')})`,
  };
}
