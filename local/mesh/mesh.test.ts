/**
 * The mesh against the real local control plane: weights followed through the Kubernetes API (kubectl
 * and client-node), traffic split measured on real loopback upstreams, 503s counted in Istio's metrics.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CustomObjectsApi, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { Pool } from 'undici';
import { createLogger } from '../../core/logger.js';
import {
  Kubectl,
  startTestControlPlane,
  weightsPatch,
  type TestControlPlane,
} from '../control-plane/test-helpers.js';
import { sleep, until } from '../test-support/wait.js';
import { startMesh, type Mesh } from './index.js';
import { sampleSum, startUpstream, type TestUpstream } from './test-support.js';

const logger = createLogger({ service: 'mesh-test', level: 'silent' });
const vsTarget = {
  group: 'networking.istio.io',
  version: 'v1',
  namespace: 'default',
  plural: 'virtualservices',
  name: 'worker-virtual-service',
};

const endpointsOf = (primary: TestUpstream, burst: TestUpstream) => [
  {
    url: primary.url,
    labels: { 'topology.istio.io/cluster': 'primary', 'cluster-type': 'primary-cluster', app: 'worker' },
    workload: 'worker-deployment',
  },
  {
    url: burst.url,
    labels: { 'topology.istio.io/cluster': 'burst', 'cluster-type': 'burst-cluster', app: 'worker' },
    workload: 'worker-deployment',
  },
];

const weightsOf = (mesh: Mesh): number[] =>
  mesh.describe().table.routes[0]?.destinations.map((d) => d.weight) ?? [];

/** Sends `total` requests, `concurrency` at a time; counts the answers by status and body. */
async function drive(
  pool: Pool,
  total: number,
  concurrency: number,
  path = '/',
): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  let next = 0;
  const worker = async () => {
    while (next < total) {
      next++;
      const res = await pool.request({
        method: 'POST',
        path,
        headers: { 'content-type': 'application/json' },
        body: '{"str":"abc"}',
      });
      const key = `${res.statusCode} ${await res.body.text()}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return counts;
}

describe('the mesh following the control plane', () => {
  let controlPlane: TestControlPlane;
  let kubectl: Kubectl;
  let primary: TestUpstream;
  let burst: TestUpstream;
  let mesh: Mesh;
  let pool: Pool;
  let api: CustomObjectsApi;

  /** `kubectl patch KIND NAME --type=json` with these operations. */
  const jsonPatch = (kind: string, name: string, operations: unknown[]) =>
    kubectl.ok(['patch', kind, name, '--type=json', '-p', JSON.stringify(operations)]);
  const setWeightsWithKubectl = (p: number, b: number) =>
    jsonPatch('virtualservice', 'worker-virtual-service', weightsPatch(p, b));
  const setWeightsWithClient = (p: number, b: number) =>
    api.patchNamespacedCustomObject(
      { ...vsTarget, body: weightsPatch(p, b) },
      setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
    );
  const metricsText = async () => (await fetch(`${mesh.adminUrl}stats/prometheus`)).text();

  before(async () => {
    controlPlane = await startTestControlPlane();
    kubectl = new Kubectl(controlPlane.kubeconfigPath);
    primary = await startUpstream('primary');
    burst = await startUpstream('burst');
    mesh = await startMesh({
      kubeconfigPath: controlPlane.kubeconfigPath,
      virtualService: 'worker-virtual-service',
      endpoints: endpointsOf(primary, burst),
      logger,
    });
    pool = new Pool(mesh.url.replace(/\/$/, ''), { connections: 32 });
    const config = new KubeConfig();
    config.loadFromFile(controlPlane.kubeconfigPath);
    api = config.makeApiClient(CustomObjectsApi);
    await until(async () => (await fetch(`${mesh.adminUrl}healthz/ready`)).status === 200, 20_000);
  });
  after(async () => {
    await pool.close();
    await mesh.close();
    await controlPlane.dispose();
    await primary.close();
    await burst.close();
    kubectl.dispose();
  });

  test('the shipped starting state sends every request to primary', async () => {
    assert.deepEqual(weightsOf(mesh), [100, 0]);
    assert.deepEqual([...(await drive(pool, 200, 10))], [['200 primary', 200]]);
  });

  test('30/70 set with kubectl: 5 000 requests split within ±3 points', async () => {
    await setWeightsWithKubectl(30, 70);
    await until(() => weightsOf(mesh).join('/') === '30/70', 20_000);
    const counts = await drive(pool, 5000, 50);
    const toBurst = (counts.get('200 burst') ?? 0) / 5000;
    assert.equal(
      (counts.get('200 primary') ?? 0) + (counts.get('200 burst') ?? 0),
      5000,
      JSON.stringify([...counts]),
    );
    assert.ok(
      Math.abs(toBurst - 0.7) <= 0.03,
      `burst got ${(toBurst * 100).toFixed(1)} % of the requests, not 70 ± 3`,
    );
  });

  test('a change made with client-node takes effect: all traffic to burst, then back', async () => {
    await setWeightsWithClient(0, 100);
    // Eventually every request goes to burst (polled, with a generous deadline).
    await until(async () => (await drive(pool, 20, 5)).get('200 burst') === 20, 20_000);
    await setWeightsWithClient(100, 0);
    await until(async () => (await drive(pool, 20, 5)).get('200 primary') === 20, 20_000);
  });

  test('requests in flight while the weights change all succeed', async () => {
    const slowPrimary = await startUpstream('primary', (_req, res) =>
      setTimeout(() => res.end('primary'), 30),
    );
    const slowBurst = await startUpstream('burst', (_req, res) => setTimeout(() => res.end('burst'), 30));
    mesh.setEndpoints(endpointsOf(slowPrimary, slowBurst));
    let stop = false;
    const load = (async () => {
      const all = new Map<string, number>();
      while (!stop) {
        for (const [key, n] of await drive(pool, 40, 20)) all.set(key, (all.get(key) ?? 0) + n);
      }
      return all;
    })();
    for (const [p, b] of [
      [0, 100],
      [50, 50],
      [100, 0],
      [0, 100],
      [100, 0],
    ] as const) {
      await setWeightsWithClient(p, b);
      await until(() => weightsOf(mesh).join('/') === `${p}/${b}`, 20_000);
      await sleep(150);
    }
    stop = true;
    const counts = await load;
    mesh.setEndpoints(endpointsOf(primary, burst));
    await slowPrimary.close();
    await slowBurst.close();
    const statuses = [...counts.keys()].map((key) => key.split(' ')[0]);
    assert.deepEqual([...new Set(statuses)], ['200'], JSON.stringify([...counts]));
    assert.ok(
      (counts.get('200 primary') ?? 0) > 0 && (counts.get('200 burst') ?? 0) > 0,
      JSON.stringify([...counts]),
    );
  });

  test('a subset the DestinationRule does not define: 503 with the reason, counted as 503', async () => {
    const before = sampleSum(await metricsText(), 'istio_requests_total', {
      response_code: '503',
      response_flags: 'NC',
    });
    await jsonPatch('virtualservice', 'worker-virtual-service', [
      { op: 'replace', path: '/spec/http/0/route/0/destination/subset', value: 'overflow' },
    ]);
    await until(
      async () =>
        (await drive(pool, 1, 1)).has(
          '503 spillway mesh: subset "overflow" is not defined in DestinationRule default/worker-destination-rule (its subsets: primary, burst)\n',
        ),
      20_000,
    );
    const counts = await drive(pool, 10, 2);
    assert.equal(counts.size, 1);
    const text = await metricsText();
    const after = sampleSum(text, 'istio_requests_total', {
      reporter: 'destination',
      destination_service: 'worker-service.default.svc.cluster.local',
      source_workload: 'frontend-deployment',
      response_code: '503',
      response_flags: 'NC',
    });
    assert.ok(after - before >= 11, `503s counted: ${after - before}`);
    await jsonPatch('virtualservice', 'worker-virtual-service', [
      { op: 'replace', path: '/spec/http/0/route/0/destination/subset', value: 'primary' },
    ]);
    await until(async () => (await drive(pool, 5, 1)).get('200 primary') === 5, 20_000);
  });

  test('a subset no endpoint carries the labels of: 503 "no healthy upstream", counted as 503 UH', async () => {
    await setWeightsWithClient(0, 100);
    await jsonPatch('destinationrule', 'worker-destination-rule', [
      { op: 'replace', path: '/spec/subsets/1/labels', value: { 'topology.istio.io/cluster': 'nowhere' } },
    ]);
    const expected =
      '503 no healthy upstream: subset "burst" of worker-service.default.svc.cluster.local has no endpoint with labels topology.istio.io/cluster=nowhere\n';
    await until(async () => (await drive(pool, 1, 1)).has(expected), 20_000);
    assert.deepEqual([...(await drive(pool, 10, 2))], [[expected, 10]]);
    const uh = sampleSum(await metricsText(), 'istio_requests_total', {
      reporter: 'destination',
      response_code: '503',
      response_flags: 'UH',
      destination_workload: 'unknown',
    });
    assert.ok(uh >= 11, `503 UH counted: ${uh}`);
    await jsonPatch('destinationrule', 'worker-destination-rule', [
      { op: 'replace', path: '/spec/subsets/1/labels', value: { 'topology.istio.io/cluster': 'burst' } },
    ]);
    await until(async () => (await drive(pool, 5, 1)).get('200 burst') === 5, 20_000);
  });

  test('a malformed change is rejected and the previous route table stays in force', async () => {
    const route = (p: number, b: number) => [
      {
        name: 'worker',
        route: [
          {
            destination: {
              host: 'worker-service.default.svc.cluster.local',
              subset: 'primary',
              port: { number: 80 },
            },
            weight: p,
          },
          {
            destination: {
              host: 'worker-service.default.svc.cluster.local',
              subset: 'burst',
              port: { number: 80 },
            },
            weight: b,
          },
        ],
      },
    ];
    const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
    await api.patchNamespacedCustomObject(
      { ...vsTarget, body: { spec: { http: route(0, 100) } } },
      mergePatch,
    );
    await until(() => weightsOf(mesh).join('/') === '0/100', 20_000);
    const broken = route(100, 0).map((r) => ({ ...r, match: [{ uri: { regex: '(' } }] }));
    await api.patchNamespacedCustomObject({ ...vsTarget, body: { spec: { http: broken } } }, mergePatch);
    await until(
      () => /uri\.regex is not a valid regular expression/.test(mesh.describe().rejected ?? ''),
      20_000,
    );
    assert.deepEqual([...(await drive(pool, 20, 4))], [['200 burst', 20]]);
    assert.ok(
      sampleSum(await metricsText(), 'spillway_mesh_config_updates_total', { result: 'rejected' }) >= 1,
    );
    await api.patchNamespacedCustomObject(
      { ...vsTarget, body: { spec: { http: route(100, 0) } } },
      mergePatch,
    );
    await until(
      () => mesh.describe().rejected === undefined && weightsOf(mesh).join('/') === '100/0',
      20_000,
    );
  });
});
