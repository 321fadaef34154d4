/**
 * A real Prometheus scraping the mesh every second answers the codelab's query, unchanged, with the rate
 * the test drives through the mesh.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createLogger } from '../../core/logger.js';
import { startTestControlPlane, type TestControlPlane } from '../control-plane/test-helpers.js';
import { startPrometheus, type PrometheusServer } from '../prometheus-server.js';
import { sleep, until } from '../test-support/wait.js';
import { startMesh, type Mesh } from './index.js';
import { startUpstream, type TestUpstream } from './test-support.js';

/** The codelab's query, word for word. */
const CODELAB_QUERY =
  'sum(rate(istio_requests_total{reporter="destination",destination_service="worker-service.default.svc.cluster.local",source_workload="frontend-deployment"}[15s]))';

const RATE = 20;

let controlPlane: TestControlPlane;
let worker: TestUpstream;
let mesh: Mesh;
let prometheus: PrometheusServer;

before(async () => {
  controlPlane = await startTestControlPlane();
  worker = await startUpstream('primary');
  mesh = await startMesh({
    kubeconfigPath: controlPlane.kubeconfigPath,
    endpoints: [
      {
        url: worker.url,
        labels: { 'topology.istio.io/cluster': 'primary', app: 'worker' },
        workload: 'worker-deployment',
      },
    ],
    logger: createLogger({ service: 'mesh-test', level: 'silent' }),
  });
  await until(async () => (await fetch(`${mesh.adminUrl}healthz/ready`)).status === 200, 20_000);
  prometheus = await startPrometheus({
    targets: [{ job: 'mesh', port: mesh.adminPort, metricsPath: '/stats/prometheus' }],
    scrapeIntervalSeconds: 1,
  });
});

after(async () => {
  await prometheus?.stop();
  await mesh?.close();
  await worker?.close();
  await controlPlane?.dispose();
});

async function query(promql: string): Promise<number | undefined> {
  const res = await fetch(`${prometheus.url}/api/v1/query?query=${encodeURIComponent(promql)}`);
  const body = (await res.json()) as { status: string; data: { result: { value: [number, string] }[] } };
  assert.equal(body.status, 'success');
  const value = body.data.result[0]?.value[1];
  return value === undefined ? undefined : Number(value);
}

/** The query evaluated once a second from `from` to `to` (Unix seconds), as a dashboard would plot it. */
async function queryRange(promql: string, from: number, to: number): Promise<number[]> {
  const params = new URLSearchParams({ query: promql, start: String(from), end: String(to), step: '1' });
  const res = await fetch(`${prometheus.url}/api/v1/query_range?${params}`);
  const body = (await res.json()) as { status: string; data: { result: { values: [number, string][] }[] } };
  assert.equal(body.status, 'success');
  return (body.data.result[0]?.values ?? []).map(([, v]) => Number(v));
}

test(`the codelab's query reads the driven ${RATE} req/s within 10 %`, async (t) => {
  // Prometheus scrapes the mesh before the load starts, so the series is seen from its first request.
  await until(async () => (await query('up{job="mesh"}')) === 1, 30_000);
  // Paced open loop: request i leaves at start + i/RATE seconds, whatever the answers do.
  const start = performance.now();
  const wallStart = Date.now();
  let sent = 0;
  let failed = 0;
  let driving = true;
  const inFlight = new Set<Promise<void>>();
  const pacer = (async () => {
    while (driving) {
      const due = start + (sent * 1000) / RATE;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      sent++;
      const p = fetch(mesh.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"str":"abc"}',
      })
        .then(async (res) => {
          if ((await res.text()) !== 'primary') failed++;
        })
        .catch(() => void failed++)
        .finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
  })();
  try {
    // Every 15 s window evaluated lies wholly in the driven period and was scraped: windows ending 16 s
    // to 21 s after the start. Their mean smooths a late scrape or two.
    await until(() => performance.now() - start >= 22_000, 60_000, 200);
    const driven = (sent * 1000) / (performance.now() - start);
    const readings = await queryRange(CODELAB_QUERY, wallStart / 1000 + 16, wallStart / 1000 + 21);
    assert.equal(readings.length, 6, `the query returned ${readings.length} points, not 6`);
    const observed = readings.reduce((a, b) => a + b, 0) / readings.length;
    assert.ok(
      Math.abs(driven - RATE) / RATE < 0.05,
      `the loop drove ${driven.toFixed(2)} req/s, not ${RATE}`,
    );
    const ratio = observed / driven;
    t.diagnostic(
      `driven ${driven.toFixed(2)} req/s; Prometheus ${readings.map((r) => r.toFixed(2)).join(' ')}, mean ${observed.toFixed(2)}, ratio ${ratio.toFixed(3)}`,
    );
    assert.ok(
      ratio > 0.9 && ratio < 1.1,
      `Prometheus says ${observed.toFixed(2)} req/s, driven ${driven.toFixed(2)} (ratio ${ratio.toFixed(3)})`,
    );
  } finally {
    driving = false;
    await pacer;
    await Promise.all(inFlight);
  }
  assert.equal(failed, 0);
});
