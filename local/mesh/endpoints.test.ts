import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeEndpoint, parseEndpointFlag, selects } from './endpoints.js';
import { hostCovers, qualifyHost } from './hosts.js';

test('--endpoint URL,label=value,...,workload=NAME', () => {
  assert.deepEqual(
    parseEndpointFlag(
      'http://127.0.0.1:8081,topology.istio.io/cluster=primary,cluster-type=primary-cluster,app=worker,workload=worker-deployment',
    ),
    {
      url: 'http://127.0.0.1:8081',
      labels: { 'topology.istio.io/cluster': 'primary', 'cluster-type': 'primary-cluster', app: 'worker' },
      workload: 'worker-deployment',
    },
  );
  assert.deepEqual(parseEndpointFlag('http://127.0.0.1:8081'), { url: 'http://127.0.0.1:8081', labels: {} });
  assert.equal(makeEndpoint(parseEndpointFlag('http://127.0.0.1:8081/')).workload, 'unknown');
});

test('bad --endpoint values say what is wrong', () => {
  const cases: [string, RegExp][] = [
    ['', /the URL comes first/],
    ['app=worker', /is not a URL/],
    ['ftp://127.0.0.1:21', /must be http:\/\/ or https:\/\//],
    ['http://127.0.0.1:8081/hash', /origin only/],
    ['http://127.0.0.1:8081,app', /"app" is not label=value/],
    ['http://127.0.0.1:8081,=x', /"=x" is not label=value/],
    ['http://127.0.0.1:8081,app=a,app=b', /label app given twice/],
    ['http://127.0.0.1:8081,bad key=x', /label key "bad key" is invalid/],
    ['http://127.0.0.1:8081,Bad_Prefix/app=x', /invalid prefix/],
    ['http://127.0.0.1:8081,app=no spaces', /invalid value "no spaces"/],
    ['http://127.0.0.1:8081,workload=', /workload name is empty/],
  ];
  for (const [flag, expected] of cases) {
    assert.throws(() => parseEndpointFlag(flag), expected, flag);
  }
});

test('a selector holds when every one of its labels is on the endpoint', () => {
  const labels = { 'topology.istio.io/cluster': 'burst', app: 'worker' };
  assert.equal(selects({}, labels), true);
  assert.equal(selects({ 'topology.istio.io/cluster': 'burst' }, labels), true);
  assert.equal(selects({ 'topology.istio.io/cluster': 'burst', app: 'worker' }, labels), true);
  assert.equal(selects({ 'topology.istio.io/cluster': 'burst', version: 'v1' }, labels), false);
  assert.equal(selects({ 'topology.istio.io/cluster': 'primary' }, labels), false);
});

test('short service names are qualified with the namespace of the rule', () => {
  const fqdn = 'worker-service.default.svc.cluster.local';
  for (const host of [
    'worker-service',
    'worker-service.default',
    'worker-service.default.svc',
    fqdn,
    `${fqdn}.`,
    'Worker-Service',
  ]) {
    assert.equal(qualifyHost(host, 'default'), fqdn, host);
  }
  assert.equal(qualifyHost('worker-service', 'prod'), 'worker-service.prod.svc.cluster.local');
  assert.equal(hostCovers('*', fqdn), true);
  assert.equal(hostCovers('*.default.svc.cluster.local', fqdn), true);
  assert.equal(hostCovers('*.prod.svc.cluster.local', fqdn), false);
});
