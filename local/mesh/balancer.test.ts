import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LoadBalancerPolicy, makeBalancer, pickWeighted, policyOf, weightedChoice } from './balancer.js';
import { makeEndpoint } from './endpoints.js';

test('a weighted pick follows the cumulative weights; zero weights are never picked', () => {
  const choice = weightedChoice([
    { item: 'primary', weight: 30 },
    { item: 'never', weight: 0 },
    { item: 'burst', weight: 70 },
  ]);
  assert.equal(choice.total, 100);
  assert.equal(
    pickWeighted(choice, () => 0),
    'primary',
  );
  assert.equal(
    pickWeighted(choice, () => 0.2999),
    'primary',
  );
  assert.equal(
    pickWeighted(choice, () => 0.3),
    'burst',
  );
  assert.equal(
    pickWeighted(choice, () => 0.9999),
    'burst',
  );
  assert.equal(
    pickWeighted(weightedChoice([{ item: 'x', weight: 0 }]), () => 0.5),
    undefined,
  );
});

test('weights need not sum to 100: they are proportions', () => {
  const choice = weightedChoice([
    { item: 'a', weight: 1 },
    { item: 'b', weight: 3 },
  ]);
  assert.equal(
    pickWeighted(choice, () => 0.24),
    'a',
  );
  assert.equal(
    pickWeighted(choice, () => 0.25),
    'b',
  );
});

test('least request prefers the endpoint with fewer requests in flight', () => {
  const a = makeEndpoint({ url: 'http://127.0.0.1:1', labels: {} });
  const b = makeEndpoint({ url: 'http://127.0.0.1:2', labels: {} });
  a.inFlight = 5;
  const balancer = makeBalancer(LoadBalancerPolicy.LeastRequest, [a, b]);
  const draws = [0, 0.9];
  assert.equal(
    balancer.pick(() => draws.shift() ?? 0),
    b,
  );
  assert.throws(() => makeBalancer(LoadBalancerPolicy.Random, []), /at least one endpoint/);
});

test("DestinationRule policies map to the mesh's balancers (Istio's default is least request)", () => {
  assert.equal(policyOf('RANDOM'), 'RANDOM');
  assert.equal(policyOf('ROUND_ROBIN'), 'ROUND_ROBIN');
  assert.equal(policyOf(undefined), 'LEAST_REQUEST');
  assert.equal(policyOf('LEAST_CONN'), 'LEAST_REQUEST');
});
