/**
 * The applier with SPILLWAY_TARGET_CLUSTERS: two "GKE clusters" — each the real local control plane behind
 * an HTTPS front that checks bearer tokens — found through a fake Container API (the GCP boundary).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestControlPlane, type TestControlPlane } from '../../local/control-plane/test-helpers.js';
import { capturingLogger } from '../../local/test-support/capture-logs.js';
import { encodeDecision } from '../../core/decision/codec.js';
import { createApplier } from './applier.js';
import { clusterApis } from './cluster-apis.js';
import { loadApplierConfig } from './config.js';
import {
  apiError,
  startFakeContainerApi,
  type FakeContainerApi,
} from './gke/test-support/fake-container-api.js';
import { frontCertPem, startTlsFront, type TlsFront } from './gke/test-support/tls-front.js';
import { readVirtualService, weightsOf } from './test-support/stack.js';

const PRIMARY = 'projects/spillway-test/locations/europe-west1/clusters/primary';
const BURST = 'projects/spillway-test/locations/europe-west1-b/clusters/burst';
const target = { namespace: 'default', virtualService: 'worker-virtual-service' };

let planes: TestControlPlane[];
let fronts: TlsFront[];
let containerApi: FakeContainerApi;
let issued = 0;
const tokens = { getAccessToken: () => Promise.resolve(`token-${++issued}`) };

before(async () => {
  planes = await Promise.all([startTestControlPlane(), startTestControlPlane()]);
  fronts = await Promise.all(
    planes.map((p) => startTlsFront({ upstream: p.url, acceptToken: (t) => /^token-\d+$/.test(t) })),
  );
  containerApi = await startFakeContainerApi({ acceptToken: (t) => /^token-\d+$/.test(t) });
  const ca = Buffer.from(frontCertPem).toString('base64');
  containerApi.set(PRIMARY, { kind: 'cluster', endpoint: fronts[0]?.endpoint ?? '', caData: ca });
  containerApi.set(BURST, { kind: 'cluster', endpoint: fronts[1]?.endpoint ?? '', caData: ca });
});
after(async () => {
  await Promise.all([...fronts.map((f) => f.close()), containerApi.close()]);
  await Promise.all(planes.map((p) => p.dispose()));
});

function applierFor(env: Record<string, string>) {
  const config = loadApplierConfig(env);
  const { logger, lines } = capturingLogger('applier');
  const clusters = clusterApis(config, { tokens, containerApiUrl: containerApi.url });
  return { applier: createApplier({ config, clusters, logger }), clusters, lines };
}

const event = (burst: number, id: string) => {
  const encoded = encodeDecision({
    version: 1,
    id,
    kind: 'auto',
    issuedAt: new Date().toISOString(),
    target,
    weights: { primary: 100 - burst, burst },
    reason: 'test',
  });
  return {
    data: {
      message: { data: encoded.data.toString('base64'), attributes: encoded.attributes, messageId: id },
    },
  };
};

test('the same change in every config cluster, with credentials built from the Container API', async () => {
  const { applier, clusters } = applierFor({ SPILLWAY_TARGET_CLUSTERS: `${PRIMARY},${BURST}` });
  assert.deepEqual(
    clusters.map((c) => c.cluster),
    [PRIMARY, BURST],
  );
  const result = await applier.handle(event(100, 'g-1'));
  assert.equal(result.status, 'done');
  for (const plane of planes)
    assert.deepEqual(weightsOf(await readVirtualService(plane, target)), { primary: 0, burst: 100 });
  for (const front of fronts)
    assert.ok(front.tokensSeen.length >= 2 && front.refused === 0, 'get and patch with a token');
});

test('a cluster the identity may not see: refused for good (acknowledged), the other one still applied', async () => {
  containerApi.set(BURST, {
    kind: 'raw',
    status: 403,
    body: apiError(403, 'PERMISSION_DENIED', 'Required "container.clusters.get" permission(s)'),
  });
  const { applier, lines } = applierFor({ SPILLWAY_TARGET_CLUSTERS: `${PRIMARY},${BURST}` });
  const result = await applier.handle(event(0, 'g-2'));
  assert.equal(result.status, 'done', 'not retried: a 403 will not pass by itself');
  const burst = result.clusters.find((c) => c.cluster === BURST);
  assert.equal(burst?.status, 'rejected');
  assert.match(burst.status === 'rejected' ? burst.reason : '', /roles\/container\.clusterViewer/);
  assert.deepEqual(weightsOf(await readVirtualService(planes[0] as TestControlPlane, target)), {
    primary: 100,
    burst: 0,
  });
  assert.ok(lines().some((l) => l['severity'] === 'ERROR' && l['id'] === 'g-2'));
});

test('a Container API that fails with 503: retried (the function throws)', async () => {
  containerApi.set(BURST, { kind: 'raw', status: 503, body: apiError(503, 'UNAVAILABLE', 'try again') });
  const { applier } = applierFor({ SPILLWAY_TARGET_CLUSTERS: `${PRIMARY},${BURST}` });
  const result = await applier.handle(event(100, 'g-3'));
  assert.equal(result.status, 'retry');
});
