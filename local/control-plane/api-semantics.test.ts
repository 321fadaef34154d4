/** The API over HTTP: discovery, verbs, resourceVersion and generation, selectors, Table output. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  api,
  DrPath,
  SeedDr,
  SeedVs,
  startTestControlPlane,
  VsPath,
  type TestControlPlane,
} from './test-helpers.js';

const tableAccept =
  'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';

function newVs(name: string, labels: Record<string, string> = {}) {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name, labels },
    spec: { hosts: [name], http: [{ route: [{ destination: { host: name }, weight: 100 }] }] },
  };
}

describe('control plane API', () => {
  let cp: TestControlPlane;
  before(async () => {
    cp = await startTestControlPlane();
  });
  after(() => cp.dispose());

  test('discovery names the group, its version and both resources with verbs and short names', async () => {
    const version = await api(cp.url, 'GET', '/version');
    assert.match(version.body.gitVersion, /^v1\.\d+\.\d+/);
    const core = await api(cp.url, 'GET', '/api');
    assert.equal(core.body.kind, 'APIVersions');
    const groups = await api(cp.url, 'GET', '/apis');
    assert.equal(groups.body.kind, 'APIGroupList');
    assert.deepEqual(
      groups.body.groups.map((g: { name: string }) => g.name),
      ['networking.istio.io'],
    );
    const group = await api(cp.url, 'GET', '/apis/networking.istio.io');
    assert.equal(group.body.kind, 'APIGroup');
    assert.equal(group.body.preferredVersion.groupVersion, 'networking.istio.io/v1');
    const resources = await api(cp.url, 'GET', '/apis/networking.istio.io/v1');
    assert.equal(resources.body.kind, 'APIResourceList');
    const vs = resources.body.resources.find((r: { name: string }) => r.name === 'virtualservices');
    assert.equal(vs.kind, 'VirtualService');
    assert.equal(vs.namespaced, true);
    assert.deepEqual(vs.shortNames, ['vs']);
    assert.deepEqual(vs.categories, ['istio-io', 'networking-istio-io']);
    for (const verb of ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'])
      assert.ok(vs.verbs.includes(verb));
    const dr = resources.body.resources.find((r: { name: string }) => r.name === 'destinationrules');
    assert.deepEqual(dr.shortNames, ['dr']);
  });

  test('the seed objects are there at first start, in namespace default, with the codelab weights', async () => {
    const vs = await api(cp.url, 'GET', `${VsPath}/${SeedVs}`);
    assert.equal(vs.status, 200);
    assert.equal(vs.body.metadata.namespace, 'default');
    assert.equal(vs.body.metadata.generation, 1);
    assert.deepEqual(
      vs.body.spec.http[0].route.map((r: { destination: { subset: string }; weight: number }) => [
        r.destination.subset,
        r.weight,
      ]),
      [
        ['primary', 100],
        ['burst', 0],
      ],
    );
    const dr = await api(cp.url, 'GET', `${DrPath}/${SeedDr}`);
    assert.deepEqual(
      dr.body.spec.subsets.map((s: { name: string }) => s.name),
      ['primary', 'burst'],
    );
  });

  test('create sets uid, creationTimestamp, generation 1 and a new resourceVersion, and drops status', async () => {
    const before = await api(cp.url, 'GET', VsPath);
    const created = await api(cp.url, 'POST', VsPath, { body: { ...newVs('created'), status: { x: 1 } } });
    assert.equal(created.status, 201);
    const meta = created.body.metadata;
    assert.match(meta.uid, /^[0-9a-f-]{36}$/);
    assert.match(meta.creationTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(meta.generation, 1);
    assert.equal(meta.namespace, 'default');
    assert.ok(Number(meta.resourceVersion) > Number(before.body.metadata.resourceVersion));
    assert.equal(created.body.status, undefined);
  });

  test('generation moves only when something outside metadata changes; resourceVersion on every write', async () => {
    await api(cp.url, 'POST', VsPath, { body: newVs('gen') });
    const merge = (patch: unknown) =>
      api(cp.url, 'PATCH', `${VsPath}/gen`, { body: patch, contentType: 'application/merge-patch+json' });
    const labelled = await merge({ metadata: { labels: { a: 'b' } } });
    assert.equal(labelled.body.metadata.generation, 1);
    const weighted = await merge({ spec: { hosts: ['gen', 'gen2'] } });
    assert.equal(weighted.body.metadata.generation, 2);
    assert.ok(
      Number(weighted.body.metadata.resourceVersion) > Number(labelled.body.metadata.resourceVersion),
    );
    const statusOnly = await merge({ status: { conditions: [] } });
    assert.equal(statusOnly.body.status, undefined, 'status belongs to the status subresource');
    assert.equal(
      statusOnly.body.metadata.resourceVersion,
      weighted.body.metadata.resourceVersion,
      'no-op: no write',
    );
  });

  test('update needs the current resourceVersion: stale → 409 Conflict, missing → 422', async () => {
    const created = await api(cp.url, 'POST', VsPath, { body: newVs('upd') });
    const fresh = structuredClone(created.body);
    fresh.spec.hosts = ['upd', 'more'];
    const updated = await api(cp.url, 'PUT', `${VsPath}/upd`, { body: fresh });
    assert.equal(updated.status, 200);
    assert.equal(updated.body.metadata.generation, 2);
    assert.equal(updated.body.metadata.uid, created.body.metadata.uid);
    assert.equal(updated.body.metadata.creationTimestamp, created.body.metadata.creationTimestamp);

    const stale = await api(cp.url, 'PUT', `${VsPath}/upd`, { body: created.body });
    assert.equal(stale.status, 409);
    assert.deepEqual(stale.body, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message:
        'Operation cannot be fulfilled on virtualservices.networking.istio.io "upd": the object has been ' +
        'modified; please apply your changes to the latest version and try again',
      reason: 'Conflict',
      details: { name: 'upd', group: 'networking.istio.io', kind: 'virtualservices' },
      code: 409,
    });

    const metadata = { ...updated.body.metadata };
    delete metadata.resourceVersion;
    const missing = await api(cp.url, 'PUT', `${VsPath}/upd`, { body: { ...updated.body, metadata } });
    assert.equal(missing.status, 422);
    assert.equal(
      missing.body.message,
      'virtualservices.networking.istio.io "upd" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update',
    );
  });

  test('a merge patch carrying a stale resourceVersion is a conflict; without one it applies to the current', async () => {
    const created = await api(cp.url, 'POST', VsPath, { body: newVs('pre') });
    const path = `${VsPath}/pre`;
    const contentType = 'application/merge-patch+json';
    await api(cp.url, 'PATCH', path, { body: { metadata: { labels: { x: '1' } } }, contentType });
    const stale = await api(cp.url, 'PATCH', path, {
      body: { metadata: { resourceVersion: created.body.metadata.resourceVersion, labels: { x: '2' } } },
      contentType,
    });
    assert.equal(stale.status, 409);
    assert.equal(stale.body.reason, 'Conflict');
  });

  test('delete answers a Success Status and the object is gone; deleting again is 404', async () => {
    const created = await api(cp.url, 'POST', VsPath, { body: newVs('del') });
    const deleted = await api(cp.url, 'DELETE', `${VsPath}/del`);
    assert.equal(deleted.status, 200);
    assert.deepEqual(deleted.body, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Success',
      details: {
        name: 'del',
        group: 'networking.istio.io',
        kind: 'virtualservices',
        uid: created.body.metadata.uid,
      },
    });
    const again = await api(cp.url, 'DELETE', `${VsPath}/del`);
    assert.equal(again.status, 404);
    assert.equal(again.body.message, 'virtualservices.networking.istio.io "del" not found');
  });

  test('list: namespaced and across namespaces, with labelSelector and fieldSelector', async () => {
    await api(cp.url, 'POST', VsPath, { body: newVs('sel-a', { team: 'a' }) });
    await api(cp.url, 'POST', VsPath, { body: newVs('sel-b', { team: 'b' }) });
    await api(cp.url, 'POST', '/apis/networking.istio.io/v1/namespaces/other/virtualservices', {
      body: newVs('elsewhere', { team: 'a' }),
    });
    const names = async (path: string) =>
      (await api(cp.url, 'GET', path)).body.items.map((i: { metadata: { name: string } }) => i.metadata.name);
    const list = await api(cp.url, 'GET', `${VsPath}?labelSelector=team%3Da`);
    assert.equal(list.body.kind, 'VirtualServiceList');
    assert.equal(list.body.apiVersion, 'networking.istio.io/v1');
    assert.match(list.body.metadata.resourceVersion, /^\d+$/);
    assert.deepEqual(await names(`${VsPath}?labelSelector=team%3Da`), ['sel-a']);
    assert.deepEqual(await names(`${VsPath}?fieldSelector=metadata.name%3Dsel-b`), ['sel-b']);
    assert.deepEqual(await names('/apis/networking.istio.io/v1/virtualservices?labelSelector=team%3Da'), [
      'sel-a',
      'elsewhere',
    ]);
    assert.ok((await names(VsPath)).includes(SeedVs));
  });

  test('kubectl-style Table output for lists and single objects, with the CRD printer columns', async () => {
    const list = await api(cp.url, 'GET', DrPath, { accept: tableAccept });
    assert.equal(list.body.kind, 'Table');
    assert.deepEqual(
      list.body.columnDefinitions.map((c: { name: string }) => c.name),
      ['Name', 'Host', 'Age'],
    );
    assert.deepEqual(list.body.rows[0].cells.slice(0, 2), [
      SeedDr,
      'worker-service.default.svc.cluster.local',
    ]);
    const one = await api(cp.url, 'GET', `${VsPath}/${SeedVs}?includeObject=Object`, { accept: tableAccept });
    assert.deepEqual(one.body.rows[0].cells.slice(0, 3), [SeedVs, '["mesh"]', '["worker-service"]']);
    assert.equal(one.body.rows[0].object.kind, 'VirtualService');
  });

  test('dryRun=All validates and answers without storing', async () => {
    const dry = await api(cp.url, 'POST', `${VsPath}?dryRun=All`, { body: newVs('dry') });
    assert.equal(dry.status, 201);
    assert.equal((await api(cp.url, 'GET', `${VsPath}/dry`)).status, 404);
  });
});
