/**
 * The route table: what the proxy does with a request, compiled from the VirtualService, the
 * DestinationRule and the endpoints. A table is immutable once built (the proxy swaps whole tables, so a
 * request sees one configuration from start to end); the only state inside is the round-robin position
 * and the endpoints' in-flight counts.
 */
import {
  makeBalancer,
  pickWeighted,
  policyOf,
  weightedChoice,
  type Balancer,
  type Random,
  type WeightedChoice,
} from './balancer.js';
import { selects, type Endpoint } from './endpoints.js';
import { hostCovers, qualifyHost } from './hosts.js';
import { noClusterFound, noHealthyUpstream, noRoute, type LocalReply } from './local-replies.js';
import { compileMatches, type MatchContext, type RequestFacts, type RequestPredicate } from './match.js';
import {
  checkDestinationRule,
  checkVirtualService,
  type DestinationRule,
  type RouteDestination,
  type VirtualService,
} from './resources.js';

export interface TableInputs {
  /** The service the mesh stands in front of: its qualified host and namespace. */
  readonly service: { readonly host: string; readonly namespace: string };
  readonly virtualServiceName: string;
  /** A DestinationRule by name; when absent, the one whose host is the service's. */
  readonly destinationRuleName?: string | undefined;
  /** Every VirtualService of the namespace; undefined until the first list arrived. */
  readonly virtualServices: readonly unknown[] | undefined;
  /** Every DestinationRule of the namespace; undefined until the first list arrived. */
  readonly destinationRules: readonly unknown[] | undefined;
  readonly endpoints: readonly Endpoint[];
  readonly context: MatchContext;
}

/** Where a weighted destination leads: a balancer over endpoints, or a local reply saying why not. */
export type Target =
  | { readonly kind: 'upstream'; readonly subset: string | undefined; readonly balancer: Balancer }
  | { readonly kind: 'reply'; readonly subset: string | undefined; readonly reply: LocalReply };

interface CompiledRoute {
  readonly name: string;
  readonly matches: RequestPredicate;
  readonly targets: WeightedChoice<Target>;
  /** Answer when every weight is 0, or when the route has no destinations. */
  readonly empty: LocalReply;
}

/** What /config shows: the objects the table was built from and each route's weights and endpoints. */
export interface TableDescription {
  readonly virtualService: { name: string; resourceVersion?: string; generation?: number } | null;
  readonly destinationRule: { name: string; resourceVersion?: string; generation?: number } | null;
  /** Set when every request is answered with a local reply (no VirtualService yet, …). */
  readonly unavailable?: string;
  readonly routes: readonly {
    name: string;
    destinations: readonly {
      subset: string | null;
      weight: number;
      endpoints: readonly string[];
      problem?: string;
    }[];
  }[];
}

export interface RouteTable {
  /** `namespace/name` of the VirtualService, for messages. */
  readonly virtualService: string;
  readonly description: TableDescription;
  /** Set when every request gets this reply. */
  readonly unavailable: LocalReply | undefined;
  readonly routes: readonly CompiledRoute[];
}

export type Decision =
  | { readonly kind: 'forward'; readonly endpoint: Endpoint; readonly subset: string | undefined }
  | { readonly kind: 'reply'; readonly reply: LocalReply; readonly subset: string | undefined };

export type BuildResult = { ok: true; table: RouteTable } | { ok: false; problem: string };

/** A table that answers every request with `reply`. */
export function unavailableTable(
  virtualService: string,
  reply: LocalReply,
  description?: Partial<TableDescription>,
): RouteTable {
  return Object.freeze({
    virtualService,
    unavailable: reply,
    routes: [],
    description: Object.freeze({
      virtualService: null,
      destinationRule: null,
      routes: [],
      ...description,
      unavailable: reply.body,
    }),
  });
}

const nameOf = (object: unknown): unknown => (object as { metadata?: { name?: unknown } }).metadata?.name;

const refOf = (meta: VirtualService['metadata']) => ({
  name: meta.name,
  ...(meta.resourceVersion === undefined ? {} : { resourceVersion: meta.resourceVersion }),
  ...(meta.generation === undefined ? {} : { generation: meta.generation }),
});

type RuleLookup = { found: DestinationRule } | { missing: string } | { invalid: string };

function findDestinationRule(inputs: TableInputs): RuleLookup {
  const { service } = inputs;
  if (inputs.destinationRules === undefined) return { missing: 'the DestinationRules are not listed yet' };
  if (inputs.destinationRuleName !== undefined) {
    const object = inputs.destinationRules.find((o) => nameOf(o) === inputs.destinationRuleName);
    const where = `DestinationRule ${service.namespace}/${inputs.destinationRuleName}`;
    if (object === undefined) return { missing: `${where} does not exist` };
    const checked = checkDestinationRule(object);
    return checked.ok ? { found: checked.value } : { invalid: `${where} is invalid: ${checked.problem}` };
  }
  const rules: DestinationRule[] = [];
  for (const object of inputs.destinationRules) {
    const checked = checkDestinationRule(object);
    const host = (object as { spec?: { host?: unknown } }).spec?.host;
    const ours = typeof host === 'string' && qualifyHost(host, service.namespace) === service.host;
    if (!ours) continue;
    if (!checked.ok) {
      return {
        invalid: `DestinationRule ${service.namespace}/${String(nameOf(object))} is invalid: ${checked.problem}`,
      };
    }
    rules.push(checked.value);
  }
  rules.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  const first = rules[0];
  return first
    ? { found: first }
    : { missing: `no DestinationRule in ${service.namespace} has host ${service.host}` };
}

function describeSelector(labels: Readonly<Record<string, string>>): string {
  const pairs = Object.entries(labels).map(([k, v]) => `${k}=${v}`);
  return pairs.length === 0 ? '(none)' : pairs.join(',');
}

function compileTarget(
  destination: RouteDestination['destination'],
  inputs: TableInputs,
  rule: RuleLookup,
): Target {
  const { service } = inputs;
  const subset = destination.subset === '' ? undefined : destination.subset;
  const host = qualifyHost(destination.host, service.namespace);
  if (host !== service.host) {
    return {
      kind: 'reply',
      subset,
      reply: noClusterFound(
        `destination host ${destination.host} is not served by this mesh (it serves ${service.host})`,
      ),
    };
  }
  const found = 'found' in rule ? rule.found : undefined;
  if (subset === undefined) {
    if (inputs.endpoints.length === 0) {
      return { kind: 'reply', subset, reply: noHealthyUpstream(`${service.host} has no endpoints`) };
    }
    const policy = policyOf(found?.spec.trafficPolicy?.loadBalancer?.simple);
    return { kind: 'upstream', subset, balancer: makeBalancer(policy, inputs.endpoints) };
  }
  if (found === undefined) {
    const why = 'missing' in rule ? rule.missing : 'invalid' in rule ? rule.invalid : 'no DestinationRule';
    return { kind: 'reply', subset, reply: noClusterFound(`subset "${subset}" is not defined: ${why}`) };
  }
  const defined = found.spec.subsets?.find((s) => s.name === subset);
  if (defined === undefined) {
    const names = (found.spec.subsets ?? []).map((s) => s.name).join(', ') || 'none';
    return {
      kind: 'reply',
      subset,
      reply: noClusterFound(
        `subset "${subset}" is not defined in DestinationRule ${service.namespace}/${found.metadata.name} (its subsets: ${names})`,
      ),
    };
  }
  const selector = defined.labels ?? {};
  const endpoints = inputs.endpoints.filter((e) => selects(selector, e.labels));
  if (endpoints.length === 0) {
    return {
      kind: 'reply',
      subset,
      reply: noHealthyUpstream(
        `subset "${subset}" of ${service.host} has no endpoint with labels ${describeSelector(selector)}`,
      ),
    };
  }
  const simple =
    defined.trafficPolicy?.loadBalancer?.simple ?? found.spec.trafficPolicy?.loadBalancer?.simple;
  return { kind: 'upstream', subset, balancer: makeBalancer(policyOf(simple), endpoints) };
}

/** Builds the table; `ok: false` when an object is malformed (the caller keeps its previous table). */
export function buildRouteTable(inputs: TableInputs): BuildResult {
  const { service, virtualServiceName } = inputs;
  const vsRef = `${service.namespace}/${virtualServiceName}`;
  const vsWhere = `VirtualService ${vsRef}`;
  if (inputs.virtualServices === undefined || inputs.destinationRules === undefined) {
    return {
      ok: true,
      table: unavailableTable(
        vsRef,
        noClusterFound(`no ${vsWhere} known yet: waiting for the Kubernetes API`),
      ),
    };
  }
  const object = inputs.virtualServices.find((o) => nameOf(o) === virtualServiceName);
  if (object === undefined) {
    return { ok: true, table: unavailableTable(vsRef, noClusterFound(`${vsWhere} does not exist`)) };
  }
  const checked = checkVirtualService(object);
  if (!checked.ok) return { ok: false, problem: `${vsWhere} is invalid: ${checked.problem}` };
  const vs = checked.value;
  const rule = findDestinationRule(inputs);
  if ('invalid' in rule) return { ok: false, problem: rule.invalid };
  const describedRule = 'found' in rule ? refOf(rule.found.metadata) : null;
  const base = { virtualService: refOf(vs.metadata), destinationRule: describedRule };

  const hosts = vs.spec.hosts.map((h) => qualifyHost(h, service.namespace));
  if (!hosts.some((h) => hostCovers(h, service.host))) {
    const reply = noClusterFound(
      `${vsWhere} does not list host ${service.host} (its hosts: ${vs.spec.hosts.join(', ')})`,
    );
    return { ok: true, table: unavailableTable(vsRef, reply, base) };
  }
  if (vs.spec.gateways !== undefined && vs.spec.gateways.length > 0 && !vs.spec.gateways.includes('mesh')) {
    const reply = noClusterFound(
      `${vsWhere} applies to gateways ${vs.spec.gateways.join(', ')}, not to the mesh`,
    );
    return { ok: true, table: unavailableTable(vsRef, reply, base) };
  }

  const routes: CompiledRoute[] = [];
  const described: TableDescription['routes'][number][] = [];
  for (const [i, route] of (vs.spec.http ?? []).entries()) {
    const where = `spec.http[${i}]`;
    const name = route.name ?? `#${i}`;
    const matches = compileMatches(route.match, where, inputs.context);
    if (!matches.ok) return { ok: false, problem: `${vsWhere} is invalid: ${matches.problem}` };
    const destinations = route.route ?? [];
    const single = destinations.length === 1;
    const entries = destinations.map((d) => ({
      item: compileTarget(d.destination, inputs, rule),
      // Istio: a lone destination without a weight takes everything.
      weight: d.weight ?? (single ? 100 : 0),
    }));
    const empty =
      destinations.length === 0
        ? noClusterFound(
            `route ${name} of ${vsWhere} has no destinations (redirect, directResponse and delegate are not implemented by the local mesh)`,
          )
        : noClusterFound(`every destination of route ${name} of ${vsWhere} has weight 0`);
    routes.push({ name, matches: matches.value, targets: weightedChoice(entries), empty });
    described.push({
      name,
      destinations: entries.map(({ item, weight }) => ({
        subset: item.subset ?? null,
        weight,
        endpoints: item.kind === 'upstream' ? item.balancer.endpoints.map((e) => e.origin) : [],
        ...(item.kind === 'reply' ? { problem: item.reply.body } : {}),
      })),
    });
  }
  return {
    ok: true,
    table: Object.freeze({
      virtualService: vsRef,
      unavailable: undefined,
      routes: Object.freeze(routes),
      description: Object.freeze({ ...base, routes: described }),
    }),
  };
}

/** What to do with one request: the first route whose match holds, a destination by weight, an endpoint. */
export function decide(table: RouteTable, request: RequestFacts, random: Random): Decision {
  if (table.unavailable) return { kind: 'reply', reply: table.unavailable, subset: undefined };
  for (const route of table.routes) {
    if (!route.matches(request)) continue;
    const target = pickWeighted(route.targets, random);
    if (target === undefined) return { kind: 'reply', reply: route.empty, subset: undefined };
    if (target.kind === 'reply') return target;
    return { kind: 'forward', endpoint: target.balancer.pick(random), subset: target.subset };
  }
  return {
    kind: 'reply',
    reply: noRoute(
      `no route of VirtualService ${table.virtualService} matches ${request.method} ${request.url}`,
    ),
    subset: undefined,
  };
}
