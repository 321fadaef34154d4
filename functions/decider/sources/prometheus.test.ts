import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import { startPrometheus, type PrometheusServer } from '../../../local/prometheus-server.js';
import { listenOnLoopback } from '../../../local/test-support/listen-loopback.js';
import { until } from '../../../local/test-support/wait.js';
import type { Observation } from '../../../core/policy/types.js';
import {
  rateQuery,
  startRequestCounter,
  WORKER_SERVICE,
  type RequestCounter,
} from '../test-support/request-counter.js';
import { startSlowServer } from '../test-support/slow-server.js';
import { CODELAB_QUERY } from '../config.js';
import { parsePrometheusAnswer, prometheusSource, sampleValue } from './prometheus.js';

const never = new AbortController().signal;
const okRate = (o: Observation): number => (o.ok ? o.rps : NaN);

describe('against a real Prometheus scraping a counter the test drives', () => {
  let counter: RequestCounter;
  let prometheus: PrometheusServer;
  before(async () => {
    counter = await startRequestCounter();
    counter.setRate(WORKER_SERVICE, 20);
    counter.setRate('nan-service', NaN);
    prometheus = await startPrometheus({ targets: [{ job: 'mesh', port: counter.port }] });
  });
  after(async () => {
    await prometheus?.stop();
    await counter?.close();
  });

  test('the codelab’s query reads the request rate, its sample time and one series', async () => {
    const source = prometheusSource({ url: prometheus.url, query: CODELAB_QUERY, timeoutMs: 5000 });
    let observation: Observation = await source.read(never);
    // rate(…[15s]) divides by the whole 15 s, so it climbs toward 20 while the window fills.
    await until(async () => {
      observation = await source.read(never);
      return observation.ok && observation.series === 1 && observation.rps > 0;
    }, 30_000);
    assert.ok(observation.ok && observation.rps <= 22, JSON.stringify(observation));
    assert.ok(observation.ok);
    assert.equal(observation.source, 'prometheus');
    assert.equal(observation.query, CODELAB_QUERY);
    assert.ok(Math.abs(Date.now() - observation.at.getTime()) < 60_000, 'the sample time is now-ish');
  });

  test('a new rate shows up; a query without series reads as 0 series; NaN stays NaN', async () => {
    const source = prometheusSource({
      url: prometheus.url,
      query: rateQuery(WORKER_SERVICE),
      timeoutMs: 5000,
    });
    counter.setRate(WORKER_SERVICE, 5);
    await until(async () => Math.abs(okRate(await source.read(never)) - 5) < 0.5, 30_000);

    const empty = await prometheusSource({
      url: prometheus.url,
      query: rateQuery('nobody'),
      timeoutMs: 5000,
    }).read(never);
    assert.deepEqual(empty.ok && { series: empty.series }, { series: 0 });

    const nan = prometheusSource({ url: prometheus.url, query: rateQuery('nan-service'), timeoutMs: 5000 });
    await until(async () => {
      const o = await nan.read(never);
      return o.ok && o.series === 1 && Number.isNaN(o.rps);
    }, 30_000);
  });

  test('several series are counted (the policy refuses more than maxSeries)', async () => {
    const query = 'istio_requests_total';
    const o = await prometheusSource({ url: prometheus.url, query, timeoutMs: 5000 }).read(never);
    assert.ok(o.ok && o.series === 2, JSON.stringify(o));
  });

  test('a bad query is a failure with Prometheus’ own words', async () => {
    const o = await prometheusSource({ url: prometheus.url, query: 'sum(rate(', timeoutMs: 5000 }).read(
      never,
    );
    assert.equal(o.ok, false);
    assert.ok(!o.ok && o.cause === 'source-unreachable', JSON.stringify(o));
    assert.match(!o.ok ? o.detail : '', /answered HTTP 400: bad_data: .*parse error/);
  });

  test('a range vector is refused with a hint', async () => {
    const o = await prometheusSource({
      url: prometheus.url,
      query: 'istio_requests_total[1m]',
      timeoutMs: 5000,
    }).read(never);
    assert.match(!o.ok ? o.detail : '', /gives a matrix, not an instant vector/);
  });
});

describe('sources that fail', () => {
  test('a stopped Prometheus is source-unreachable', async () => {
    const prometheus = await startPrometheus({ targets: [] });
    const source = prometheusSource({ url: prometheus.url, query: 'vector(1)', timeoutMs: 5000 });
    try {
      assert.equal((await source.read(never)).ok, true);
    } finally {
      await prometheus.stop(); // also when the assertion fails: a live child would keep this file's process up
    }
    const o = await source.read(never);
    assert.deepEqual(!o.ok && o.cause, 'source-unreachable');
    assert.match(
      !o.ok ? o.detail : '',
      /cannot be reached: fetch failed: connect ECONNREFUSED 127\.0\.0\.1:\d+$/,
    );
  });

  test('an answer slower than the timeout is source-timeout; the caller’s abort too', async () => {
    const slow = await startSlowServer();
    const url = slow.url;
    try {
      const o = await prometheusSource({ url, query: 'up', timeoutMs: 300 }).read(never);
      assert.deepEqual(o, {
        ok: false,
        cause: 'source-timeout',
        detail: `prometheus at ${url} did not answer within 300 ms`,
      });
      const o2 = await prometheusSource({ url, query: 'up', timeoutMs: 10_000 }).read(
        AbortSignal.timeout(200),
      );
      assert.deepEqual(!o2.ok && o2.cause, 'source-timeout');
      assert.match(!o2.ok ? o2.detail : '', /before the call's deadline/);
    } finally {
      slow.close();
    }
  });

  test('bearer and basic credentials are sent; a 401 is source-unreachable with the status', async () => {
    const seen: (string | undefined)[] = [];
    const server = createServer((req: IncomingMessage, res) => {
      seen.push(req.headers.authorization);
      assert.match(req.url ?? '', /^\/prefix\/api\/v1\/query\?query=up$/);
      if (req.headers.authorization === 'Bearer t0ken')
        res
          .writeHead(200)
          .end(
            '{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1764150000.5,"3"]}]}}',
          );
      else res.writeHead(401).end('Unauthorized');
    });
    const port = await listenOnLoopback(server);
    try {
      const url = `http://127.0.0.1:${port}/prefix`;
      const ok = await prometheusSource({
        url,
        query: 'up',
        timeoutMs: 2000,
        headers: () => ({ authorization: 'Bearer t0ken' }),
      }).read(never);
      assert.deepEqual(ok, {
        ok: true,
        source: 'prometheus',
        query: 'up',
        series: 1,
        rps: 3,
        at: new Date(1764150000500),
      });
      const basic = Buffer.from('u:p').toString('base64');
      const denied = await prometheusSource({
        url,
        query: 'up',
        timeoutMs: 2000,
        headers: () => ({ authorization: `Basic ${basic}` }),
      }).read(never);
      assert.match(!denied.ok ? denied.detail : '', /answered HTTP 401: Unauthorized/);
      assert.deepEqual(seen, ['Bearer t0ken', `Basic ${basic}`]);
    } finally {
      server.close();
    }
  });
});

describe('reading answers', () => {
  const context = { name: 'prometheus', query: 'q', where: 'prometheus at http://p', now: new Date(0) };
  const vector = (...values: [number, string][]) =>
    JSON.stringify({
      status: 'success',
      data: { resultType: 'vector', result: values.map((value) => ({ metric: {}, value })) },
    });

  test('values are summed; the oldest sample time is kept', () => {
    assert.deepEqual(parsePrometheusAnswer(200, vector([10, '1.5'], [9, '2']), context), {
      ok: true,
      source: 'prometheus',
      query: 'q',
      series: 2,
      rps: 3.5,
      at: new Date(9000),
    });
  });

  test('a scalar is one series', () => {
    const scalar = JSON.stringify({ status: 'success', data: { resultType: 'scalar', result: [5, '7'] } });
    assert.deepEqual(parsePrometheusAnswer(200, scalar, context), {
      ok: true,
      source: 'prometheus',
      query: 'q',
      series: 1,
      rps: 7,
      at: new Date(5000),
    });
  });

  test('NaN and infinities are read as such (the policy refuses them)', () => {
    assert.ok(Number.isNaN(sampleValue('NaN')));
    assert.equal(sampleValue('+Inf'), Infinity);
    assert.equal(sampleValue('-Inf'), -Infinity);
    assert.ok(Number.isNaN(sampleValue('')));
  });

  test('status error, non-JSON, malformed samples and 5xx are failures with details', () => {
    const error = JSON.stringify({ status: 'error', errorType: 'timeout', error: 'query timed out' });
    const cases: [number, string, RegExp][] = [
      [200, error, /answered an error: timeout: query timed out/],
      [503, error, /answered HTTP 503: timeout: query timed out/],
      [502, '<html>bad gateway</html>', /answered HTTP 502: <html>bad gateway<\/html>/],
      [200, 'hello', /answered something that is not JSON: hello/],
      [200, '{"status":"success"}', /answered without a result/],
      [200, vector([1, '2']).replace('"2"', '2'), /answered malformed samples/],
    ];
    for (const [status, text, detail] of cases) {
      const o = parsePrometheusAnswer(status, text, context);
      assert.ok(!o.ok && o.cause === 'source-unreachable', text);
      assert.match(o.detail, detail);
    }
  });
});
