import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CODELAB_QUERY } from '../config.js';
import { managedPrometheusSource, type AccessTokens } from './managed-prometheus.js';

/** The query frontend's answer for the codelab's query (the Prometheus HTTP API's JSON). */
const ANSWER = JSON.stringify({
  status: 'success',
  data: { resultType: 'vector', result: [{ metric: {}, value: [1764150090.123, '18.892886390062788'] }] },
});
const DENIED = JSON.stringify({
  status: 'error',
  errorType: 'forbidden',
  error: 'Permission monitoring.timeSeries.list denied (or the resource may not exist).',
});

const never = new AbortController().signal;

function recorder(status: number, body: string) {
  const calls: { url: string; authorization: string | null }[] = [];
  const fetchImpl = (async (input: string | URL | Request, init?: RequestInit) => {
    calls.push({ url: String(input), authorization: new Headers(init?.headers).get('authorization') });
    return new Response(body, { status, headers: { 'content-type': 'application/json' } });
  }) as typeof fetch;
  return { calls, fetchImpl };
}

const tokens = (over: Partial<AccessTokens> = {}): AccessTokens => ({
  getAccessToken: async () => 'ya29.token',
  getProjectId: async () => 'credentials-project',
  ...over,
});

test('queries the project’s PromQL endpoint with an access token', async () => {
  const { calls, fetchImpl } = recorder(200, ANSWER);
  const source = managedPrometheusSource({
    project: 'shop-prod',
    query: CODELAB_QUERY,
    timeoutMs: 2000,
    tokens: tokens(),
    fetch: fetchImpl,
  });
  const o = await source.read(never);
  assert.deepEqual(o, {
    ok: true,
    source: 'managed-prometheus',
    query: CODELAB_QUERY,
    series: 1,
    rps: 18.892886390062788,
    at: new Date(1764150090123),
  });
  const url = new URL(calls[0]?.url ?? '');
  assert.equal(
    url.origin + url.pathname,
    'https://monitoring.googleapis.com/v1/projects/shop-prod/location/global/prometheus/api/v1/query',
  );
  assert.equal(url.searchParams.get('query'), CODELAB_QUERY);
  assert.equal(calls[0]?.authorization, 'Bearer ya29.token');
});

test('without a project, the credentials’ project is used', async () => {
  const { calls, fetchImpl } = recorder(200, ANSWER);
  await managedPrometheusSource({ query: 'up', timeoutMs: 2000, tokens: tokens(), fetch: fetchImpl }).read(
    never,
  );
  assert.match(
    calls[0]?.url ?? '',
    /\/v1\/projects\/credentials-project\/location\/global\/prometheus\/api\/v1\/query\?/,
  );
});

test('a refusal, missing credentials and a token that never comes are failures with causes', async () => {
  const denied = recorder(403, DENIED);
  const o1 = await managedPrometheusSource({
    project: 'p-1234',
    query: 'up',
    timeoutMs: 2000,
    tokens: tokens(),
    fetch: denied.fetchImpl,
  }).read(never);
  assert.deepEqual(!o1.ok && [o1.cause, o1.detail.replace(/^.*answered/, 'answered')], [
    'source-unreachable',
    'answered HTTP 403: forbidden: Permission monitoring.timeSeries.list denied (or the resource may not exist).',
  ]);

  const { fetchImpl, calls } = recorder(200, ANSWER);
  const noCredentials = tokens({
    getAccessToken: () => Promise.reject(new Error('Could not load the default credentials.')),
    getProjectId: () =>
      Promise.reject(new Error('Unable to detect a Project Id in the current environment.')),
  });
  const o2 = await managedPrometheusSource({
    query: 'up',
    timeoutMs: 2000,
    tokens: noCredentials,
    fetch: fetchImpl,
  }).read(never);
  assert.deepEqual(!o2.ok && o2.cause, 'source-unreachable');
  assert.match(
    !o2.ok ? o2.detail : '',
    /no project configured and none found in the credentials \(Unable to detect a Project Id/,
  );
  const o3 = await managedPrometheusSource({
    project: 'p-1234',
    query: 'up',
    timeoutMs: 2000,
    tokens: noCredentials,
    fetch: fetchImpl,
  }).read(never);
  assert.match(!o3.ok ? o3.detail : '', /cannot be reached: Could not load the default credentials/);

  const hanging = tokens({ getAccessToken: () => new Promise(() => undefined) });
  const o4 = await managedPrometheusSource({
    project: 'p-1234',
    query: 'up',
    timeoutMs: 200,
    tokens: hanging,
    fetch: fetchImpl,
  }).read(never);
  assert.deepEqual(!o4.ok && o4.cause, 'source-timeout');
  assert.equal(calls.length, 0, 'nothing is sent without a token');
});
