import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { makeEndpoint, type Endpoint } from './endpoints.js';
import type { RequestFacts } from './match.js';
import { buildRouteTable, decide, type Decision, type RouteTable, type TableInputs } from './route-table.js';

/** The shipped objects: the contract the mesh must read. */
const shipped = (file: string): Record<string, unknown> =>
  parse(readFileSync(new URL(`../../istio/traffic/${file}`, import.meta.url), 'utf8')) as Record<
    string,
    unknown
  >;

type Json = Record<string, unknown>;
const clone = <T>(value: T): T => structuredClone(value);

function virtualService(weights: { primary: number; burst: number }, edit?: (vs: Json) => void): Json {
  const vs = clone(shipped('worker-virtualservice.yaml')) as {
    spec: { http: { route: { weight: number }[] }[] };
  };
  const route = vs.spec.http[0]?.route ?? [];
  (route[0] as { weight: number }).weight = weights.primary;
  (route[1] as { weight: number }).weight = weights.burst;
  edit?.(vs as unknown as Json);
  return vs as unknown as Json;
}

const endpoint = (port: number, cluster: string, extra: Record<string, string> = {}): Endpoint =>
  makeEndpoint({
    url: `http://127.0.0.1:${port}`,
    labels: { 'topology.istio.io/cluster': cluster, app: 'worker', ...extra },
    workload: 'worker-deployment',
  });

const primary = endpoint(8081, 'primary', { 'cluster-type': 'primary-cluster' });
const burst = endpoint(8082, 'burst', { 'cluster-type': 'burst-cluster' });

function inputs(overrides: Partial<TableInputs> = {}): TableInputs {
  return {
    service: { host: 'worker-service.default.svc.cluster.local', namespace: 'default' },
    virtualServiceName: 'worker-virtual-service',
    virtualServices: [virtualService({ primary: 100, burst: 0 })],
    destinationRules: [shipped('worker-destinationrule.yaml')],
    endpoints: [primary, burst],
    context: { sourceLabels: { app: 'frontend' }, sourceNamespace: 'default', servicePort: 80 },
    ...overrides,
  };
}

function table(overrides: Partial<TableInputs> = {}): RouteTable {
  const result = buildRouteTable(inputs(overrides));
  if (!result.ok) assert.fail(result.problem);
  return result.table;
}

const request = (url = '/', method = 'POST', headers: Record<string, string> = {}): RequestFacts => ({
  method,
  url,
  authority: 'worker-service',
  headers,
});

const fixed = (value: number) => () => value;

function reply(decision: Decision): { status: number; flag: string; body: string } {
  assert.equal(decision.kind, 'reply', `expected a local reply, got ${JSON.stringify(decision)}`);
  return decision.kind === 'reply' ? decision.reply : assert.fail();
}

function forwardedTo(decision: Decision): string {
  assert.equal(decision.kind, 'forward', `expected a forward, got ${JSON.stringify(decision)}`);
  return decision.kind === 'forward' ? decision.endpoint.origin : assert.fail();
}

describe('route table from the shipped VirtualService and DestinationRule', () => {
  test('the starting state sends everything to primary', () => {
    const t = table();
    for (const r of [0, 0.5, 0.999])
      assert.equal(forwardedTo(decide(t, request(), fixed(r))), primary.origin);
    assert.deepEqual(
      t.description.routes[0]?.destinations.map((d) => [d.subset, d.weight, d.endpoints]),
      [
        ['primary', 100, [primary.origin]],
        ['burst', 0, [burst.origin]],
      ],
    );
  });

  test('weights split by the random draw: 30/70 sends draws below 0.3 to primary', () => {
    const t = table({ virtualServices: [virtualService({ primary: 30, burst: 70 })] });
    assert.equal(forwardedTo(decide(t, request(), fixed(0.29))), primary.origin);
    assert.equal(forwardedTo(decide(t, request(), fixed(0.3))), burst.origin);
    assert.equal(forwardedTo(decide(t, request(), fixed(0.99))), burst.origin);
  });

  test('the short host and the qualified host are the same service, both ways', () => {
    const swapped = virtualService({ primary: 0, burst: 100 }, (vs) => {
      const spec = vs['spec'] as { hosts: string[]; http: { route: { destination: { host: string } }[] }[] };
      spec.hosts = ['worker-service.default.svc.cluster.local'];
      for (const d of spec.http[0]?.route ?? []) d.destination.host = 'worker-service';
    });
    assert.equal(
      forwardedTo(decide(table({ virtualServices: [swapped] }), request(), fixed(0.5))),
      burst.origin,
    );
  });

  test('subsets select endpoints carrying every label of the subset (cluster-type works too)', () => {
    const rule = clone(shipped('worker-destinationrule.yaml')) as { spec: { subsets: { labels: Json }[] } };
    (rule.spec.subsets[0] as { labels: Json }).labels = { 'cluster-type': 'primary-cluster', app: 'worker' };
    (rule.spec.subsets[1] as { labels: Json }).labels = { 'cluster-type': 'burst-cluster', app: 'other' };
    const t = table({
      destinationRules: [rule],
      virtualServices: [virtualService({ primary: 50, burst: 50 })],
    });
    assert.equal(forwardedTo(decide(t, request(), fixed(0.1))), primary.origin);
    const r = reply(decide(t, request(), fixed(0.9)));
    assert.equal(r.status, 503);
    assert.equal(r.flag, 'UH');
    assert.match(
      r.body,
      /^no healthy upstream: subset "burst" .* no endpoint with labels cluster-type=burst-cluster,app=other/,
    );
  });
});

describe('local replies', () => {
  test('before the first list: 503 saying the VirtualService is not known yet', () => {
    for (const t of [table({ virtualServices: undefined }), table({ destinationRules: undefined })]) {
      const r = reply(decide(t, request(), fixed(0)));
      assert.deepEqual([r.status, r.flag], [503, 'NC']);
      assert.match(r.body, /no VirtualService default\/worker-virtual-service known yet/);
      assert.match(t.description.unavailable ?? '', /known yet/);
    }
  });

  test('a VirtualService that does not exist, or does not list the service: 503 with the reason', () => {
    assert.match(reply(decide(table({ virtualServices: [] }), request(), fixed(0))).body, /does not exist/);
    const other = virtualService({ primary: 100, burst: 0 }, (vs) => {
      (vs['spec'] as { hosts: string[] }).hosts = ['other-service'];
    });
    const r = reply(decide(table({ virtualServices: [other] }), request(), fixed(0)));
    assert.equal(r.status, 503);
    assert.match(
      r.body,
      /does not list host worker-service\.default\.svc\.cluster\.local \(its hosts: other-service\)/,
    );
  });

  test('a subset the DestinationRule does not define: 503 NC naming the subset and the defined ones', () => {
    const vs = virtualService({ primary: 0, burst: 100 }, (v) => {
      const route = (v['spec'] as { http: { route: { destination: { subset: string } }[] }[] }).http[0]
        ?.route;
      (route?.[1] as { destination: { subset: string } }).destination.subset = 'overflow';
    });
    const r = reply(decide(table({ virtualServices: [vs] }), request(), fixed(0.5)));
    assert.deepEqual([r.status, r.flag], [503, 'NC']);
    assert.match(
      r.body,
      /subset "overflow" is not defined in DestinationRule default\/worker-destination-rule \(its subsets: primary, burst\)/,
    );
  });

  test('no DestinationRule at all: subsets are undefined, 503', () => {
    const r = reply(decide(table({ destinationRules: [] }), request(), fixed(0)));
    assert.equal(r.status, 503);
    assert.match(
      r.body,
      /subset "primary" is not defined: no DestinationRule in default has host worker-service/,
    );
  });

  test('a subset without endpoints: 503 UH "no healthy upstream" naming the subset', () => {
    const t = table({ virtualServices: [virtualService({ primary: 0, burst: 100 })], endpoints: [primary] });
    const r = reply(decide(t, request(), fixed(0.5)));
    assert.deepEqual([r.status, r.flag], [503, 'UH']);
    assert.match(
      r.body,
      /^no healthy upstream: subset "burst" of worker-service\.default\.svc\.cluster\.local has no endpoint with labels topology\.istio\.io\/cluster=burst$/,
    );
  });

  test('every weight 0: 503 saying so', () => {
    const r = reply(
      decide(table({ virtualServices: [virtualService({ primary: 0, burst: 0 })] }), request(), fixed(0)),
    );
    assert.equal(r.status, 503);
    assert.match(r.body, /every destination of route worker .* has weight 0/);
  });

  test('a destination host the mesh does not serve: 503 NC', () => {
    const vs = virtualService({ primary: 100, burst: 0 }, (v) => {
      const route = (v['spec'] as { http: { route: { destination: { host: string } }[] }[] }).http[0]?.route;
      (route?.[0] as { destination: { host: string } }).destination.host = 'reviews';
    });
    const r = reply(decide(table({ virtualServices: [vs] }), request(), fixed(0)));
    assert.match(r.body, /destination host reviews is not served by this mesh/);
  });
});

describe('matching routes', () => {
  const routed = virtualService({ primary: 100, burst: 0 }, (v) => {
    const spec = v['spec'] as { http: unknown[] };
    spec.http = [
      {
        name: 'exact',
        match: [{ uri: { exact: '/burst' } }],
        route: [{ destination: { host: 'worker-service', subset: 'burst' } }],
      },
      {
        name: 'prefix',
        match: [
          { uri: { prefix: '/api/' }, method: { exact: 'POST' } },
          { headers: { 'x-to': { exact: 'primary' } } },
        ],
        route: [{ destination: { host: 'worker-service', subset: 'primary' } }],
      },
    ];
  });
  const t = table({ virtualServices: [routed] });

  test('the first route whose match holds is used; a lone destination takes all the weight', () => {
    assert.equal(forwardedTo(decide(t, request('/burst'), fixed(0.5))), burst.origin);
    assert.equal(forwardedTo(decide(t, request('/api/hash?x=1'), fixed(0.5))), primary.origin);
    assert.equal(
      forwardedTo(decide(t, request('/other', 'GET', { 'x-to': 'primary' }), fixed(0.5))),
      primary.origin,
    );
  });

  test('no route matches: 404 NR', () => {
    for (const r of [request('/burst/x'), request('/api/hash', 'GET'), request('/')]) {
      const answer = reply(decide(t, r, fixed(0.5)));
      assert.deepEqual([answer.status, answer.flag], [404, 'NR']);
      assert.match(answer.body, /no route of VirtualService default\/worker-virtual-service matches/);
    }
  });

  test('a VirtualService without http routes answers 404 to everything', () => {
    const empty = virtualService({ primary: 100, burst: 0 }, (v) => delete (v['spec'] as Json)['http']);
    assert.equal(reply(decide(table({ virtualServices: [empty] }), request(), fixed(0))).status, 404);
  });
});

/** The first route's destination `i` of a VirtualService being edited. */
const destinationOf = (vs: Json, i: number): Json =>
  ((vs['spec'] as { http: { route: Json[] }[] }).http[0]?.route[i] ?? {}) as Json;
const firstRoute = (vs: Json): Json => ((vs['spec'] as { http: Json[] }).http[0] ?? {}) as Json;

describe('malformed objects are rejected with the path of the problem', () => {
  const cases: [string, (vs: Json) => void, RegExp][] = [
    ['a negative weight', (v) => (destinationOf(v, 0)['weight'] = -5), /\/spec\/http\/0\/route\/0\/weight/],
    [
      'a weight that is a string',
      (v) => (destinationOf(v, 0)['weight'] = '30'),
      /\/spec\/http\/0\/route\/0\/weight/,
    ],
    ['no hosts', (v) => ((v['spec'] as Json)['hosts'] = []), /\/spec\/hosts/],
    [
      'an invalid regex',
      (v) => (firstRoute(v)['match'] = [{ uri: { regex: '(' } }]),
      /spec\.http\[0\]\.match\[0\]\.uri\.regex is not a valid regular expression/,
    ],
  ];
  for (const [what, edit, expected] of cases) {
    test(what, () => {
      const result = buildRouteTable(
        inputs({ virtualServices: [virtualService({ primary: 100, burst: 0 }, edit)] }),
      );
      assert.equal(result.ok, false);
      if (!result.ok) {
        assert.match(result.problem, /^VirtualService default\/worker-virtual-service is invalid: /);
        assert.match(result.problem, expected);
      }
    });
  }

  test('an invalid DestinationRule for the service', () => {
    const rule = clone(shipped('worker-destinationrule.yaml')) as { spec: Json };
    rule.spec['subsets'] = [{ labels: { a: 'b' } }];
    const result = buildRouteTable(inputs({ destinationRules: [rule] }));
    assert.equal(result.ok, false);
    if (!result.ok)
      assert.match(
        result.problem,
        /DestinationRule default\/worker-destination-rule is invalid: \/spec\/subsets\/0/,
      );
  });
});

describe('choosing the DestinationRule and the endpoint', () => {
  const ruleNamed = (name: string, host: string, burstLabel: string): Json => {
    const rule = clone(shipped('worker-destinationrule.yaml')) as {
      metadata: Json;
      spec: { host: string; subsets: { labels: Json }[] };
    };
    rule.metadata['name'] = name;
    rule.spec.host = host;
    (rule.spec.subsets[1] as { labels: Json }).labels = { 'topology.istio.io/cluster': burstLabel };
    return rule as unknown as Json;
  };
  const rules = [
    ruleNamed('for-reviews', 'reviews', 'primary'),
    ruleNamed('named', 'worker-service', 'primary'),
    shipped('worker-destinationrule.yaml'),
  ];
  const allBurst = [virtualService({ primary: 0, burst: 100 })];

  test('by name when configured, else by host (the first by name among several)', () => {
    const byName = table({
      destinationRules: rules,
      destinationRuleName: 'named',
      virtualServices: allBurst,
    });
    assert.equal(forwardedTo(decide(byName, request(), fixed(0))), primary.origin);
    const byHost = table({
      destinationRules: [rules[0] as Json, rules[2] as Json],
      virtualServices: allBurst,
    });
    assert.equal(forwardedTo(decide(byHost, request(), fixed(0))), burst.origin);
    assert.equal(byHost.description.destinationRule?.name, 'worker-destination-rule');
  });

  test('ROUND_ROBIN cycles through the subset, RANDOM follows the draw', () => {
    const others = [endpoint(9001, 'primary'), endpoint(9002, 'primary'), endpoint(9003, 'primary')];
    const rule = (simple: string) => {
      const r = clone(shipped('worker-destinationrule.yaml')) as { spec: { trafficPolicy: Json } };
      r.spec.trafficPolicy = { loadBalancer: { simple } };
      return r as unknown as Json;
    };
    const rr = table({ destinationRules: [rule('ROUND_ROBIN')], endpoints: others });
    assert.deepEqual(
      [0, 1, 2, 3].map(() => forwardedTo(decide(rr, request(), fixed(0)))),
      [9001, 9002, 9003, 9001].map((p) => `http://127.0.0.1:${p}`),
    );
    const random = table({ destinationRules: [rule('RANDOM')], endpoints: others });
    assert.equal(forwardedTo(decide(random, request(), fixed(0.7))), 'http://127.0.0.1:9003');
  });
});
