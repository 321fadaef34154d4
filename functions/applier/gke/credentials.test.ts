/**
 * createGkeCredentials against a fake Container API (the GCP boundary) and the real local control plane
 * behind an HTTPS front that checks bearer tokens like a GKE control plane.
 */
import assert from 'node:assert/strict';
import { request as httpsRequest } from 'node:https';
import { after, before, describe, test } from 'node:test';
import {
  ApiException,
  CustomObjectsApi,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  Watch,
} from '@kubernetes/client-node';
import {
  SeedVs,
  startTestControlPlane,
  type TestControlPlane,
} from '../../../local/control-plane/test-helpers.js';
import { until } from '../../../local/test-support/wait.js';
import type { AccessTokenSource } from './access-token.js';
import { parseGkeCluster, type GkeCluster } from './cluster-name.js';
import { createGkeCredentials } from './credentials.js';
import { startFakeContainerApi, type FakeContainerApi } from './test-support/fake-container-api.js';
import {
  frontCertPem,
  otherCertPem,
  startTlsFront,
  UNAUTHORIZED_STATUS,
  type TlsFront,
} from './test-support/tls-front.js';

const vsTarget = {
  group: 'networking.istio.io',
  version: 'v1',
  namespace: 'default',
  plural: 'virtualservices',
  name: SeedVs,
} as const;

const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const isTestToken = (token: string) => /^token-\d+$/.test(token);

function clusterNamed(name: string): GkeCluster {
  const parsed = parseGkeCluster(`projects/my-project/locations/europe-west1-b/clusters/${name}`);
  assert.ok(parsed.ok);
  return parsed.cluster;
}
const resourceName = (name: string) => `projects/my-project/locations/europe-west1-b/clusters/${name}`;

/** token-1, token-2, … one per call. */
function countingTokens(): AccessTokenSource & { readonly issued: number } {
  let issued = 0;
  return {
    getAccessToken: () => Promise.resolve(`token-${++issued}`),
    get issued() {
      return issued;
    },
  };
}

interface Route {
  weight: number;
}
interface VirtualService {
  kind: string;
  spec: { http: { route: Route[] }[] };
}

describe('createGkeCredentials', () => {
  let cp: TestControlPlane;
  let front: TlsFront;
  let api: FakeContainerApi;

  before(async () => {
    cp = await startTestControlPlane();
    front = await startTlsFront({ upstream: cp.url, acceptToken: isTestToken });
    api = await startFakeContainerApi({ acceptToken: isTestToken });
    api.set(resourceName('primary'), {
      kind: 'cluster',
      endpoint: front.endpoint,
      caData: base64(frontCertPem),
    });
  });
  after(async () => {
    await api.close();
    await front.close();
    await cp.dispose();
  });

  const credentials = (tokens: AccessTokenSource = countingTokens(), extra: { timeoutMs?: number } = {}) =>
    createGkeCredentials({ tokens, containerApiUrl: api.url, ...extra });

  describe('reaching the cluster', () => {
    test('the KubeConfig is named as gcloud names it, with server https://ENDPOINT, the CA and a token', async () => {
      const config = await credentials().kubeConfigFor(clusterNamed('primary'));
      const name = 'gke_my-project_europe-west1-b_primary';
      assert.equal(config.getCurrentContext(), name);
      assert.deepEqual(config.getContextObject(name), { name, cluster: name, user: name });
      assert.equal(config.getCurrentCluster()?.server, `https://${front.endpoint}`);
      assert.equal(config.getCurrentCluster()?.caData, base64(frontCertPem));
      assert.equal(config.getCurrentCluster()?.skipTLSVerify, false);
      assert.equal(config.getCurrentUser()?.token, 'token-1');
    });

    test('get and JSON-patch the VirtualService through the TLS front', async () => {
      const config = await credentials().kubeConfigFor(clusterNamed('primary'));
      const customObjects = config.makeApiClient(CustomObjectsApi);
      const vs = (await customObjects.getNamespacedCustomObject(vsTarget)) as VirtualService;
      assert.equal(vs.kind, 'VirtualService');
      const before = vs.spec.http[0]?.route.map((r) => r.weight);
      assert.deepEqual(before, [100, 0]);
      const patched = (await customObjects.patchNamespacedCustomObject(
        {
          ...vsTarget,
          body: [
            { op: 'test', path: '/spec/http/0/route/0/weight', value: 100 },
            { op: 'replace', path: '/spec/http/0/route/0/weight', value: 70 },
            { op: 'replace', path: '/spec/http/0/route/1/weight', value: 30 },
          ],
        },
        setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
      )) as VirtualService;
      assert.deepEqual(
        patched.spec.http[0]?.route.map((r) => r.weight),
        [70, 30],
      );
      assert.equal(front.tokensSeen.at(-1), 'token-1');
    });

    test('a fresh token on every call: the front sees token-1, then token-2', async () => {
      const gke = credentials();
      const seenBefore = front.tokensSeen.length;
      for (let i = 0; i < 2; i++) {
        const config = await gke.kubeConfigFor(clusterNamed('primary'));
        await config.makeApiClient(CustomObjectsApi).getNamespacedCustomObject(vsTarget);
      }
      assert.deepEqual(front.tokensSeen.slice(seenBefore), ['token-1', 'token-2']);
      assert.equal(api.tokensSeen.at(-1), 'token-1', 'the Container API got the first token');
    });

    test('a watch streams through the front', async () => {
      const config = await credentials().kubeConfigFor(clusterNamed('primary'));
      const events: string[] = [];
      const request = await new Watch(config).watch(
        '/apis/networking.istio.io/v1/namespaces/default/virtualservices',
        {},
        (type: string) => events.push(type),
        () => undefined,
      );
      try {
        await until(() => events.includes('ADDED'), 10_000);
        await config
          .makeApiClient(CustomObjectsApi)
          .patchNamespacedCustomObject(
            { ...vsTarget, body: { metadata: { annotations: { 'spillway.dev/test': 'watch' } } } },
            setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
          );
        await until(() => events.includes('MODIFIED'), 10_000);
      } finally {
        request.abort();
      }
    });

    test('without a valid token the front answers 401 like kube-apiserver', async () => {
      const good = await credentials().kubeConfigFor(clusterNamed('primary'));
      const forged = new KubeConfig();
      forged.loadFromOptions({
        clusters: good.clusters,
        contexts: good.contexts,
        users: [{ name: good.getCurrentUser()?.name ?? '', token: 'forged' }],
        currentContext: good.currentContext,
      });
      await assert.rejects(
        forged.makeApiClient(CustomObjectsApi).getNamespacedCustomObject(vsTarget),
        (err) => {
          assert.ok(err instanceof ApiException);
          assert.equal(err.code, 401);
          return true;
        },
      );
      const bare = await httpsGet(front.endpoint, SeedVsPath, frontCertPem);
      assert.equal(bare.status, 401);
      assert.deepEqual(JSON.parse(bare.body), UNAUTHORIZED_STATUS);
    });

    test('a CA that did not sign the front certificate fails TLS; nothing reaches the control plane', async () => {
      api.set(resourceName('wrong-ca'), {
        kind: 'cluster',
        endpoint: front.endpoint,
        caData: base64(otherCertPem),
      });
      const config = await credentials().kubeConfigFor(clusterNamed('wrong-ca'));
      const seenBefore = front.tokensSeen.length;
      await assert.rejects(
        config.makeApiClient(CustomObjectsApi).getNamespacedCustomObject(vsTarget),
        (err) => {
          assert.match(describeChain(err), /self-signed certificate|SELF_SIGNED|unable to verify/);
          return true;
        },
      );
      assert.equal(front.tokensSeen.length, seenBefore);
    });
  });

  describe('the cluster cache', () => {
    test('one Container API call within cacheMs, another once it has passed (injected clock)', async () => {
      api.set(resourceName('cached'), {
        kind: 'cluster',
        endpoint: front.endpoint,
        caData: base64(frontCertPem),
      });
      let now = 1_000_000;
      const tokens = countingTokens();
      const gke = createGkeCredentials({ tokens, containerApiUrl: api.url, cacheMs: 60_000, now: () => now });
      const cluster = clusterNamed('cached');
      await gke.kubeConfigFor(cluster);
      now += 59_999;
      const second = await gke.kubeConfigFor(cluster);
      assert.equal(api.callsFor(resourceName('cached')), 1);
      assert.equal(second.getCurrentUser()?.token, 'token-2', 'cached cluster info, fresh token');
      now += 1;
      await gke.kubeConfigFor(cluster);
      assert.equal(api.callsFor(resourceName('cached')), 2);
      assert.equal(tokens.issued, 3);
    });

    test('concurrent calls for one cluster share one lookup', async () => {
      api.set(resourceName('shared'), {
        kind: 'cluster',
        endpoint: front.endpoint,
        caData: base64(frontCertPem),
      });
      const gke = credentials();
      const configs = await Promise.all([1, 2, 3].map(() => gke.kubeConfigFor(clusterNamed('shared'))));
      assert.equal(api.callsFor(resourceName('shared')), 1);
      assert.deepEqual(configs.map((c) => c.getCurrentUser()?.token).sort(), [
        'token-1',
        'token-2',
        'token-3',
      ]);
    });

    test('a failed lookup is not kept; forget() drops a good one', async () => {
      const name = resourceName('flaky');
      api.set(name, {
        kind: 'raw',
        status: 503,
        body: '{"error":{"code":503,"message":"busy","status":"UNAVAILABLE"}}',
      });
      const gke = credentials();
      await assert.rejects(gke.kubeConfigFor(clusterNamed('flaky')));
      api.set(name, { kind: 'cluster', endpoint: front.endpoint, caData: base64(frontCertPem) });
      await gke.kubeConfigFor(clusterNamed('flaky'));
      await gke.kubeConfigFor(clusterNamed('flaky'));
      assert.equal(api.callsFor(name), 2);
      gke.forget(clusterNamed('flaky'));
      await gke.kubeConfigFor(clusterNamed('flaky'));
      assert.equal(api.callsFor(name), 3);
    });
  });
});

const SeedVsPath = `/apis/networking.istio.io/v1/namespaces/default/virtualservices/${SeedVs}`;

/** A GET without credentials, trusting `ca`. */
function httpsGet(endpoint: string, path: string, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpsRequest(`https://${endpoint}${path}`, { ca, agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('error', reject);
    request.end();
  });
}

/** The messages and codes of an error and its causes. */
function describeChain(err: unknown): string {
  const parts: string[] = [];
  for (let current = err; current instanceof Error; current = current.cause) {
    parts.push(current.message, String((current as { code?: unknown }).code ?? ''));
  }
  return parts.join(' | ');
}
