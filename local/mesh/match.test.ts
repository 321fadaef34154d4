import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileMatches, type MatchContext, type RequestFacts } from './match.js';
import type { MatchRequest } from './resources.js';

const context: MatchContext = {
  sourceLabels: { app: 'frontend' },
  sourceNamespace: 'default',
  servicePort: 80,
};

function matches(blocks: MatchRequest[] | undefined, request: Partial<RequestFacts>): boolean {
  const compiled = compileMatches(blocks, 'spec.http[0]', context);
  if (!compiled.ok) assert.fail(compiled.problem);
  return compiled.value({ method: 'GET', url: '/', authority: 'worker-service', headers: {}, ...request });
}

test('no match blocks match everything', () => {
  assert.equal(matches(undefined, { url: '/anything' }), true);
  assert.equal(matches([], { method: 'DELETE' }), true);
});

test('uri exact, prefix and regex look at the path only, not the query', () => {
  assert.equal(matches([{ uri: { exact: '/hash' } }], { url: '/hash?x=1' }), true);
  assert.equal(matches([{ uri: { exact: '/hash' } }], { url: '/hash/' }), false);
  assert.equal(matches([{ uri: { prefix: '/api' } }], { url: '/api/v1' }), true);
  assert.equal(matches([{ uri: { prefix: '/api' } }], { url: '/ap' }), false);
  assert.equal(matches([{ uri: { regex: '/h[a-z]+' } }], { url: '/hash' }), true);
  assert.equal(
    matches([{ uri: { regex: '/h' } }], { url: '/hash' }),
    false,
    'a regex matches the whole path',
  );
  assert.equal(matches([{ uri: { exact: '/Hash' }, ignoreUriCase: true }], { url: '/hASH' }), true);
});

test('conditions of a block all hold; blocks are alternatives', () => {
  const block: MatchRequest = {
    uri: { prefix: '/' },
    method: { exact: 'POST' },
    headers: { 'X-Cluster': { exact: 'burst' } },
  };
  assert.equal(matches([block], { method: 'POST', headers: { 'x-cluster': 'burst' } }), true);
  assert.equal(matches([block], { method: 'POST', headers: {} }), false);
  assert.equal(matches([block, { method: { exact: 'GET' } }], { method: 'GET' }), true);
});

test('headers: an empty match means present; withoutHeaders inverts', () => {
  assert.equal(matches([{ headers: { 'x-debug': {} } }], { headers: { 'x-debug': '' } }), true);
  assert.equal(matches([{ headers: { 'x-debug': {} } }], { headers: {} }), false);
  assert.equal(matches([{ withoutHeaders: { 'x-debug': {} } }], { headers: {} }), true);
  assert.equal(
    matches([{ withoutHeaders: { 'x-debug': { exact: '1' } } }], { headers: { 'x-debug': '1' } }),
    false,
  );
});

test('query parameters, authority', () => {
  assert.equal(matches([{ queryParams: { split: { exact: '30' } } }], { url: '/?split=30' }), true);
  assert.equal(matches([{ queryParams: { split: { exact: '30' } } }], { url: '/?split=3' }), false);
  assert.equal(matches([{ authority: { prefix: 'worker' } }], {}), true);
});

test('caller and listener conditions: sourceLabels, sourceNamespace, port, gateways', () => {
  assert.equal(matches([{ sourceLabels: { app: 'frontend' } }], {}), true);
  assert.equal(matches([{ sourceLabels: { app: 'other' } }], {}), false);
  assert.equal(matches([{ sourceNamespace: 'prod' }], {}), false);
  assert.equal(matches([{ port: 80 }], {}), true);
  assert.equal(matches([{ port: 8080 }], {}), false);
  assert.equal(matches([{ gateways: ['mesh'] }], {}), true);
  assert.equal(matches([{ gateways: ['istio-system/ingress'] }], {}), false);
});

test('an invalid regex is reported with its place', () => {
  const compiled = compileMatches([{ headers: { 'x-a': { regex: '[' } } }], 'spec.http[2]', context);
  assert.equal(compiled.ok, false);
  if (!compiled.ok)
    assert.match(compiled.problem, /^spec\.http\[2\]\.match\[0\]\.headers\.x-a\.regex is not a valid/);
});
