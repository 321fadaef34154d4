/**
 * Picking: a destination of a route by its weight (as Envoy's weighted clusters do, independently for each
 * request), then an endpoint of the chosen subset by the DestinationRule's load-balancing policy.
 */
import type { Endpoint } from './endpoints.js';

/** A uniform random number in [0, 1); injectable so tests can pick deterministically. */
export type Random = () => number;

export interface WeightedChoice<T> {
  readonly items: readonly T[];
  /** Running sums of the weights, parallel to `items`. */
  readonly cumulative: readonly number[];
  readonly total: number;
}

export function weightedChoice<T>(entries: readonly { item: T; weight: number }[]): WeightedChoice<T> {
  const items: T[] = [];
  const cumulative: number[] = [];
  let total = 0;
  for (const { item, weight } of entries) {
    if (weight <= 0) continue;
    total += weight;
    items.push(item);
    cumulative.push(total);
  }
  return Object.freeze({ items: Object.freeze(items), cumulative: Object.freeze(cumulative), total });
}

/** An item with probability weight/total; undefined when every weight is 0. */
export function pickWeighted<T>(choice: WeightedChoice<T>, random: Random): T | undefined {
  if (choice.total <= 0) return undefined;
  const r = random() * choice.total;
  const { cumulative, items } = choice;
  for (let i = 0; i < cumulative.length; i++) {
    if (r < (cumulative[i] as number)) return items[i];
  }
  return items[items.length - 1];
}

/** DestinationRule `loadBalancer.simple` values the mesh implements; anything else is least-request. */
export const LoadBalancerPolicy = {
  Random: 'RANDOM',
  RoundRobin: 'ROUND_ROBIN',
  LeastRequest: 'LEAST_REQUEST',
} as const;
export type LoadBalancerPolicy = (typeof LoadBalancerPolicy)[keyof typeof LoadBalancerPolicy];

export function policyOf(simple: string | undefined): LoadBalancerPolicy {
  if (simple === 'RANDOM' || simple === 'PASSTHROUGH') return LoadBalancerPolicy.Random;
  if (simple === 'ROUND_ROBIN') return LoadBalancerPolicy.RoundRobin;
  // Istio's default (UNSPECIFIED) is LEAST_REQUEST; LEAST_CONN is its deprecated name.
  return LoadBalancerPolicy.LeastRequest;
}

/** Picks an endpoint among a non-empty list. */
export interface Balancer {
  readonly policy: LoadBalancerPolicy;
  readonly endpoints: readonly Endpoint[];
  pick(random: Random): Endpoint;
}

export function makeBalancer(policy: LoadBalancerPolicy, endpoints: readonly Endpoint[]): Balancer {
  if (endpoints.length === 0) throw new Error('a balancer needs at least one endpoint');
  const n = endpoints.length;
  const at = (i: number): Endpoint => endpoints[i % n] as Endpoint;
  if (n === 1) return { policy, endpoints, pick: () => at(0) };
  switch (policy) {
    case LoadBalancerPolicy.Random:
      return { policy, endpoints, pick: (random) => at(Math.floor(random() * n)) };
    case LoadBalancerPolicy.RoundRobin: {
      let next = 0;
      return {
        policy,
        endpoints,
        pick: () => {
          const endpoint = at(next);
          next = (next + 1) % n;
          return endpoint;
        },
      };
    }
    case LoadBalancerPolicy.LeastRequest:
      // Envoy's default for LEAST_REQUEST: two random choices, the one with fewer requests in flight.
      return {
        policy,
        endpoints,
        pick: (random) => {
          const a = at(Math.floor(random() * n));
          const b = at(Math.floor(random() * n));
          return b.inFlight < a.inFlight ? b : a;
        },
      };
  }
}
