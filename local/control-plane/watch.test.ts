/** Watch semantics over HTTP, as client-go and client-node rely on them. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  api,
  readWatch,
  SeedVs,
  startTestControlPlane,
  VsPath,
  type TestControlPlane,
} from './test-helpers.js';

const merge = 'application/merge-patch+json';

describe('watch', () => {
  let cp: TestControlPlane;
  before(async () => {
    cp = await startTestControlPlane({ bookmarkIntervalMs: 200 });
  });
  after(() => cp.dispose());

  const patchLabel = (value: string) =>
    api(cp.url, 'PATCH', `${VsPath}/${SeedVs}`, {
      body: { metadata: { labels: { step: value } } },
      contentType: merge,
    });

  test('without resourceVersion: ADDED for every existing object, then the changes', async () => {
    const events = await readWatch(
      `${cp.url}${VsPath}?watch=1`,
      (seen) => seen.some((e) => e.type === 'MODIFIED'),
      async () => {
        await patchLabel('one');
      },
    );
    assert.equal(events[0]?.type, 'ADDED');
    assert.equal(events[0]?.object.metadata.name, SeedVs);
    const modified = events.find((e) => e.type === 'MODIFIED');
    assert.equal(modified?.object.metadata.labels.step, 'one');
  });

  test('from a resourceVersion: only the changes after it, replayed from history', async () => {
    const start = (await patchLabel('two')).body.metadata.resourceVersion;
    await patchLabel('three');
    await patchLabel('four');
    const events = await readWatch(
      `${cp.url}${VsPath}?watch=true&resourceVersion=${start}`,
      (seen) => seen.length >= 2,
    );
    assert.deepEqual(
      events.map((e) => [e.type, e.object.metadata.labels.step]),
      [
        ['MODIFIED', 'three'],
        ['MODIFIED', 'four'],
      ],
    );
    assert.ok(
      Number(events[1]?.object.metadata.resourceVersion) > Number(events[0]?.object.metadata.resourceVersion),
    );
  });

  test('DELETED carries the last state; objects leaving a label selection are DELETED for that watch', async () => {
    await api(cp.url, 'POST', VsPath, {
      body: {
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        metadata: { name: 'w1', labels: { keep: 'yes' } },
        spec: {},
      },
    });
    const events = await readWatch(
      `${cp.url}${VsPath}?watch=1&labelSelector=keep%3Dyes`,
      (seen) => seen.filter((e) => e.type === 'DELETED').length >= 1,
      async () => {
        await api(cp.url, 'PATCH', `${VsPath}/w1`, {
          body: { metadata: { labels: { keep: 'no' } } },
          contentType: merge,
        });
      },
    );
    assert.deepEqual(
      events.map((e) => e.type),
      ['ADDED', 'DELETED'],
    );
    assert.equal(events[1]?.object.metadata.labels.keep, 'yes', 'the last state that matched');
  });

  test('bookmarks when allowed, and the stream ends after timeoutSeconds', async () => {
    const events = await readWatch(
      `${cp.url}${VsPath}?watch=1&resourceVersion=0&allowWatchBookmarks=true&timeoutSeconds=1`,
      () => false,
    );
    const bookmarks = events.filter((e) => e.type === 'BOOKMARK');
    assert.ok(bookmarks.length >= 1, JSON.stringify(events));
    assert.equal(bookmarks[0]?.object.kind, 'VirtualService');
    assert.match(bookmarks[0]?.object.metadata.resourceVersion, /^\d+$/);
  });

  test('sendInitialEvents: the objects, then a bookmark marking their end', async () => {
    const events = await readWatch(
      `${cp.url}${VsPath}?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true`,
      (seen) => seen.some((e) => e.type === 'BOOKMARK'),
    );
    const end = events.findIndex((e) => e.type === 'BOOKMARK');
    assert.ok(end >= 1);
    assert.ok(events.slice(0, end).every((e) => e.type === 'ADDED'));
    assert.equal(events[end]?.object.metadata.annotations['k8s.io/initial-events-end'], 'true');
  });

  test('kubectl get -w: Table events, column definitions only on the first', async () => {
    const events = await readWatch(
      `${cp.url}${VsPath}?watch=1&fieldSelector=metadata.name%3D${SeedVs}`,
      (seen) => seen.length >= 2,
      async () => {
        await patchLabel('table');
      },
      'application/json;as=Table;v=v1;g=meta.k8s.io,application/json',
    );
    assert.equal(events[0]?.object.kind, 'Table');
    assert.equal(events[0]?.object.columnDefinitions.length, 4);
    assert.equal(events[0]?.object.rows[0].cells[0], SeedVs);
    assert.equal(events[1]?.type, 'MODIFIED');
    assert.deepEqual(events[1]?.object.columnDefinitions, []);
  });

  test('a resourceVersion newer than the server has → ERROR (Timeout, too large)', async () => {
    const events = await readWatch(`${cp.url}${VsPath}?watch=1&resourceVersion=999999`, () => false);
    assert.equal(events.length, 1);
    assert.equal(events[0]?.type, 'ERROR');
    assert.equal(events[0]?.object.code, 504);
  });
});
