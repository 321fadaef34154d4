import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { applyJsonPatch, JsonPatchApplyError } from '../../local/control-plane/patch.js';
import { buildPatch, pointerSegment } from './patch.js';

type Json = Record<string, unknown>;
const object = (annotations?: Record<string, string>): Json => ({
  metadata: {
    name: 'vs',
    resourceVersion: '7',
    labels: { team: 'a' },
    ...(annotations ? { annotations } : {}),
  },
  spec: {
    hosts: ['worker-service'],
    http: [
      { name: 'health', route: [{ destination: { host: 'h', subset: 'primary' } }] },
      {
        name: 'worker',
        timeout: '5s',
        route: [
          { destination: { host: 'w', subset: 'burst' }, headers: { request: { set: { x: '1' } } } },
          { destination: { host: 'w', subset: 'primary' }, weight: 100 },
        ],
      },
    ],
  },
});
const route = { http: 1, name: 'worker', primary: 1, burst: 0, weights: { primary: 100, burst: 0 } };
const apply = (doc: Json, ops: ReturnType<typeof buildPatch>) =>
  applyJsonPatch(doc as Parameters<typeof applyJsonPatch>[0], ops as Parameters<typeof applyJsonPatch>[1]);

describe('buildPatch', () => {
  test('changes the two weights and the annotations, nothing else', () => {
    const before = object({ owner: 'me', 'spillway.dev/override': '{}' });
    const ops = buildPatch({
      resourceVersion: '7',
      route,
      weights: { primary: 30, burst: 70 },
      annotations: { owner: 'me', 'spillway.dev/override': '{}' },
      set: { 'spillway.dev/last-applied': 'L', 'spillway.dev/override': null },
    });
    const afterPatch = apply(before, ops);
    const expected = object({ owner: 'me', 'spillway.dev/last-applied': 'L' });
    const http = (expected['spec'] as { http: { route: Json[] }[] }).http[1];
    if (http?.route[0] === undefined || http.route[1] === undefined) throw new Error('fixture');
    http.route[0]['weight'] = 70; // was left out: added
    http.route[1]['weight'] = 30;
    assert.deepEqual(afterPatch, expected);
  });

  test('an object without annotations gets only Spillway’s', () => {
    const ops = buildPatch({
      resourceVersion: '7',
      route,
      annotations: undefined,
      set: { 'spillway.dev/a': 'x', 'spillway.dev/b': null },
    });
    const out = apply(object(), ops) as { metadata: { annotations: unknown } };
    assert.deepEqual(out.metadata.annotations, { 'spillway.dev/a': 'x' });
  });

  test('refused when the resourceVersion or a subset changed since it was read', () => {
    const ops = buildPatch({
      resourceVersion: '6',
      route,
      weights: { primary: 0, burst: 100 },
      annotations: {},
      set: {},
    });
    assert.throws(() => apply(object({}), ops), JsonPatchApplyError);
    const moved = object({});
    const http = (moved['spec'] as { http: { route: unknown[] }[] }).http[1];
    http?.route.reverse();
    const ops2 = buildPatch({
      resourceVersion: '7',
      route,
      weights: { primary: 0, burst: 100 },
      annotations: {},
      set: {},
    });
    assert.throws(() => apply(moved, ops2), JsonPatchApplyError);
  });

  test('JSON pointer escaping', () => {
    assert.equal(pointerSegment('spillway.dev/last-applied'), 'spillway.dev~1last-applied');
    assert.equal(pointerSegment('a~b/c'), 'a~0b~1c');
  });
});
