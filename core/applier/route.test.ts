import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { findManagedRoute } from './route.js';

const dest = (subset: string | undefined, weight?: number) => ({
  destination: {
    host: 'worker-service.default.svc.cluster.local',
    ...(subset === undefined ? {} : { subset }),
  },
  ...(weight === undefined ? {} : { weight }),
});
const vs = (...http: unknown[]) => ({ metadata: { name: 'vs' }, spec: { hosts: ['worker-service'], http } });

describe('findManagedRoute', () => {
  test('the seed route: indexes and weights', () => {
    const r = findManagedRoute(vs({ name: 'worker', route: [dest('primary', 100), dest('burst', 0)] }));
    assert.deepEqual(r, {
      ok: true,
      route: { http: 0, name: 'worker', primary: 0, burst: 1, weights: { primary: 100, burst: 0 } },
    });
  });

  test('order does not matter; a left-out weight next to a set one is 0', () => {
    const r = findManagedRoute(vs({ route: [dest('burst'), dest('primary', 100)] }));
    assert.ok(r.ok);
    assert.deepEqual(r.route, { http: 0, primary: 1, burst: 0, weights: { primary: 100, burst: 0 } });
  });

  test('weights that do not sum to 100, or none at all, are reported as unknown', () => {
    const a = findManagedRoute(vs({ route: [dest('primary', 60), dest('burst', 60)] }));
    const b = findManagedRoute(vs({ route: [dest('primary'), dest('burst')] }));
    assert.ok(a.ok && b.ok);
    assert.equal(a.route.weights, undefined);
    assert.equal(b.route.weights, undefined);
  });

  test('the one route with both subsets among others', () => {
    const r = findManagedRoute(
      vs(
        { name: 'canary', match: [{ headers: {} }], route: [dest('canary', 100)] },
        { name: 'worker', route: [dest('primary', 50), dest('burst', 50)] },
      ),
    );
    assert.ok(r.ok);
    assert.equal(r.route.http, 1);
  });

  test('a named route (SPILLWAY_ROUTE)', () => {
    const two = vs(
      { name: 'a', route: [dest('primary', 100), dest('burst', 0)] },
      { name: 'b', route: [dest('primary', 0), dest('burst', 100)] },
    );
    const none = findManagedRoute(two);
    assert.equal(none.ok, false);
    assert.match(
      none.ok ? '' : none.reason,
      /2 http routes send to subsets primary and burst; name the one to manage \(SPILLWAY_ROUTE\)/,
    );
    const named = findManagedRoute(two, 'b');
    assert.ok(named.ok);
    assert.equal(named.route.http, 1);
    const missing = findManagedRoute(two, 'c');
    assert.match(missing.ok ? '' : missing.reason, /no http route named "c"/);
  });

  const bad: [string, unknown, RegExp][] = [
    ['no spec', { metadata: {} }, /has no http routes/],
    ['empty http', vs(), /has no http routes/],
    [
      'no burst subset',
      vs({ name: 'worker', route: [dest('primary', 100)] }),
      /http route "worker" has no destination with subset burst \(it routes to primary\)/,
    ],
    [
      'neither subset',
      vs({ route: [dest(undefined, 100)] }),
      /http\[0\] has no destination with subset primary or burst/,
    ],
    [
      'a third destination',
      vs({ route: [dest('primary', 50), dest('burst', 25), dest('canary', 25)] }),
      /must have exactly two destinations.*it has 3: primary, burst, canary/,
    ],
    [
      'primary twice',
      vs({ route: [dest('primary', 50), dest('primary', 25), dest('burst', 25)] }),
      /exactly two destinations/,
    ],
    ['no route list', vs({ name: 'x', redirect: { uri: '/' } }), /http route "x" has no route destinations/],
  ];
  for (const [name, object, reason] of bad)
    test(`refused: ${name}`, () => {
      const r = findManagedRoute(object);
      assert.equal(r.ok, false);
      assert.match(r.ok ? '' : r.reason, reason);
    });
});
