/** @kubernetes/client-node against the control plane: the calls the applier and the mesh make. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  ApiException,
  CustomObjectsApi,
  KubeConfig,
  makeInformer,
  PatchStrategy,
  setHeaderOptions,
  Watch,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { until } from '../test-support/wait.js';
import { SeedDr, SeedVs, startTestControlPlane, type TestControlPlane } from './test-helpers.js';

const target = {
  group: 'networking.istio.io',
  version: 'v1',
  namespace: 'default',
  plural: 'virtualservices',
};

interface Route {
  destination: { subset: string };
  weight: number;
}
interface VirtualService extends KubernetesObject {
  spec: { http: { route: Route[] }[] };
}

describe('@kubernetes/client-node against the control plane', () => {
  let cp: TestControlPlane;
  let config: KubeConfig;
  let customObjects: CustomObjectsApi;
  before(async () => {
    cp = await startTestControlPlane();
    config = new KubeConfig();
    config.loadFromFile(cp.kubeconfigPath);
    customObjects = config.makeApiClient(CustomObjectsApi);
  });
  after(() => cp.dispose());

  const getVs = async (): Promise<VirtualService> =>
    (await customObjects.getNamespacedCustomObject({ ...target, name: SeedVs })) as VirtualService;
  const weightsOf = (vs: VirtualService) => vs.spec.http[0]?.route.map((r) => r.weight);

  test('the kubeconfig names the cluster spillway-local with namespace default', () => {
    assert.equal(config.getCurrentContext(), 'spillway-local');
    assert.equal(config.getCurrentCluster()?.server, cp.url);
    assert.equal(config.getContextObject('spillway-local')?.namespace, 'default');
  });

  test('getNamespacedCustomObject', async () => {
    const vs = await getVs();
    assert.equal(vs.kind, 'VirtualService');
    assert.deepEqual(weightsOf(vs), [100, 0]);
  });

  test('patchNamespacedCustomObject with a merge patch (setHeaderOptions)', async () => {
    const patched = (await customObjects.patchNamespacedCustomObject(
      {
        ...target,
        name: SeedVs,
        body: { metadata: { annotations: { 'spillway.dev/last-applied': '{"id":"1"}' } } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    )) as VirtualService;
    assert.equal(patched.metadata?.annotations?.['spillway.dev/last-applied'], '{"id":"1"}');
  });

  test('patchNamespacedCustomObject with a JSON patch: test + replace; a failed test is a 422', async () => {
    const patch = [
      { op: 'test', path: '/spec/http/0/route/0/weight', value: 100 },
      { op: 'replace', path: '/spec/http/0/route/0/weight', value: 40 },
      { op: 'replace', path: '/spec/http/0/route/1/weight', value: 60 },
    ];
    const options = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);
    const patched = (await customObjects.patchNamespacedCustomObject(
      { ...target, name: SeedVs, body: patch },
      options,
    )) as VirtualService;
    assert.deepEqual(weightsOf(patched), [40, 60]);
    await assert.rejects(
      customObjects.patchNamespacedCustomObject({ ...target, name: SeedVs, body: patch }, options),
      (err: unknown) => err instanceof ApiException && err.code === 422,
    );
    assert.deepEqual(weightsOf(await getVs()), [40, 60]);
  });

  test('replaceNamespacedCustomObject with a stale object is a 409', async () => {
    const stale = await getVs();
    await customObjects.patchNamespacedCustomObject(
      { ...target, name: SeedVs, body: { metadata: { labels: { bumped: 'yes' } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await assert.rejects(
      customObjects.replaceNamespacedCustomObject({ ...target, name: SeedVs, body: stale }),
      (err: unknown) =>
        err instanceof ApiException &&
        err.code === 409 &&
        JSON.stringify(err.body).includes('the object has been modified'),
    );
  });

  test('an informer sees the objects, then a change', async () => {
    const path = '/apis/networking.istio.io/v1/namespaces/default/destinationrules';
    const informer = makeInformer<KubernetesObject>(config, path, () =>
      customObjects.listNamespacedCustomObject({ ...target, plural: 'destinationrules' }),
    );
    const updates: KubernetesObject[] = [];
    informer.on('update', (object) => updates.push(object));
    await informer.start();
    try {
      await until(() => informer.list('default').some((o) => o.metadata?.name === SeedDr), 10_000);
      await customObjects.patchNamespacedCustomObject(
        {
          ...target,
          plural: 'destinationrules',
          name: SeedDr,
          body: { metadata: { labels: { seen: 'yes' } } },
        },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
      await until(() => updates.some((o) => o.metadata?.labels?.['seen'] === 'yes'), 10_000);
      assert.equal(informer.get(SeedDr, 'default')?.metadata?.labels?.['seen'], 'yes');
    } finally {
      await informer.stop();
    }
  });

  test('Watch delivers MODIFIED events', async () => {
    const events: [string, VirtualService][] = [];
    const watch = new Watch(config);
    const request = await watch.watch(
      '/apis/networking.istio.io/v1/namespaces/default/virtualservices',
      {},
      (type: string, object: VirtualService) => events.push([type, object]),
      () => undefined,
    );
    try {
      await until(() => events.some(([type]) => type === 'ADDED'), 10_000);
      await customObjects.patchNamespacedCustomObject(
        {
          ...target,
          name: SeedVs,
          body: [{ op: 'replace', path: '/spec/http/0/route/0/weight', value: 10 }],
        },
        setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
      );
      await until(() => events.some(([type, o]) => type === 'MODIFIED' && weightsOf(o)?.[0] === 10), 10_000);
    } finally {
      request.abort();
    }
  });
});
