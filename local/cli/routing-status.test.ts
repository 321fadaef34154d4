import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Annotation } from '../../core/applier/state.js';
import { formatRoutingStatus, routingStatus } from './routing-status.js';

const target = { namespace: 'shop', virtualService: 'checkout' };
const now = new Date('2026-11-26T10:00:00.000Z');

function vs(route: unknown[], annotations?: Record<string, string>): unknown {
  return {
    metadata: { name: 'checkout', ...(annotations === undefined ? {} : { annotations }) },
    spec: { http: [{ name: 'main', route }] },
  };
}
const dest = (subset: string, weight?: number) => ({
  destination: { host: 'checkout', subset },
  ...(weight === undefined ? {} : { weight }),
});

describe('routingStatus and its lines', () => {
  test('no managed route: no weights, the reason, said on the first line', () => {
    const status = routingStatus(target, vs([dest('primary', 100), dest('canary', 0)]), now);
    assert.equal(status.weights, null);
    assert.equal(status.route, null);
    assert.match(status.routeProblem ?? '', /has no destination with subset burst/);
    assert.match(
      formatRoutingStatus(status, now)[0] ?? '',
      /^checkout \(shop\) {2}no managed route: http route "main" has no destination with subset burst/,
    );
  });

  test('weights unset on the managed route: the route, no weights, why', () => {
    const status = routingStatus(target, vs([dest('primary'), dest('burst')]), now);
    assert.deepEqual(status.route, { index: 0, name: 'main' });
    assert.equal(status.weights, null);
    assert.equal(
      formatRoutingStatus(status, now)[0],
      'checkout (shop)  the weights of http route "main" are unset or do not sum to 100 (the applier\'s next write sets them)',
    );
  });

  test('Istio leaves out a weight of 0; an override in force with the time left', () => {
    const override = {
      weights: { primary: 70, burst: 30 },
      until: '2026-11-26T10:29:30.000Z',
      reason: 'canary',
      id: 'op-1',
    };
    const status = routingStatus(
      target,
      vs([dest('primary', 70), dest('burst', 30)], { [Annotation.Override]: JSON.stringify(override) }),
      now,
    );
    assert.deepEqual(status.override, { ...override, expired: false });
    assert.deepEqual(formatRoutingStatus(status, now), [
      'checkout (shop)  primary 70 %  burst 30 %',
      'override  primary 70 %  burst 30 %  until 2026-11-26T10:29:30.000Z (29m30s left)  "canary"',
      '          id op-1',
      'last      none (Spillway has not changed this VirtualService yet)',
    ]);
    const allPrimary = routingStatus(target, vs([dest('primary', 100), dest('burst')]), now);
    assert.deepEqual(allPrimary.weights, { primary: 100, burst: 0 });
  });

  test('an override annotation that is not Spillway’s: no override, one warning', () => {
    const status = routingStatus(
      target,
      vs([dest('primary', 100), dest('burst', 0)], { [Annotation.Override]: '{"weights":{}}' }),
      now,
    );
    assert.equal(status.override, null);
    assert.equal(status.problems.length, 1);
    assert.match(
      formatRoutingStatus(status, now).at(-1) ?? '',
      /^warning {3}annotation spillway\.dev\/override is not valid/,
    );
  });
});
