import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Json } from './objects.js';
import {
  applyJsonPatch,
  applyMergePatch,
  JsonPatchApplyError,
  JsonPatchFormatError,
  parseJsonPatch,
} from './patch.js';

describe('JSON merge patch (RFC 7386)', () => {
  // The examples of RFC 7386, appendix A.
  const cases: [Json, Json, Json][] = [
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [
      ['a', 'b'],
      ['c', 'd'],
      ['c', 'd'],
    ],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ];
  for (const [target, patch, expected] of cases) {
    test(`${JSON.stringify(target)} + ${JSON.stringify(patch)}`, () => {
      assert.deepEqual(applyMergePatch(target, patch), expected);
    });
  }

  test('does not change its input', () => {
    const target = { a: { b: 1 } };
    applyMergePatch(target, { a: { b: 2 } });
    assert.deepEqual(target, { a: { b: 1 } });
  });
});

describe('JSON patch (RFC 6902)', () => {
  const doc = { spec: { http: [{ route: [{ weight: 100 }, { weight: 0 }] }] }, metadata: { name: 'x' } };

  test('replace and test, in order', () => {
    const patched = applyJsonPatch(
      doc,
      parseJsonPatch([
        { op: 'test', path: '/spec/http/0/route/0/weight', value: 100 },
        { op: 'replace', path: '/spec/http/0/route/0/weight', value: 70 },
        { op: 'replace', path: '/spec/http/0/route/1/weight', value: 30 },
      ]),
    );
    assert.deepEqual(patched, {
      spec: { http: [{ route: [{ weight: 70 }, { weight: 30 }] }] },
      metadata: { name: 'x' },
    });
    assert.equal(doc.spec.http[0]?.route[0]?.weight, 100, 'the input is left alone');
  });

  test('add (object member, array index, end of array), remove, move, copy', () => {
    const patched = applyJsonPatch(
      { a: [1, 2], b: { c: 'd' } },
      parseJsonPatch([
        { op: 'add', path: '/a/1', value: 9 },
        { op: 'add', path: '/a/-', value: 3 },
        { op: 'add', path: '/b/e~1f', value: 'slash' },
        { op: 'remove', path: '/b/c' },
        { op: 'copy', from: '/a/0', path: '/first' },
        { op: 'move', from: '/b', path: '/moved' },
      ]),
    );
    assert.deepEqual(patched, { a: [1, 9, 2, 3], first: 1, moved: { 'e/f': 'slash' } });
  });

  test('a failed test stops the whole patch', () => {
    assert.throws(
      () =>
        applyJsonPatch(
          doc,
          parseJsonPatch([
            { op: 'replace', path: '/metadata/name', value: 'y' },
            { op: 'test', path: '/spec/http/0/route/0/weight', value: 50 },
          ]),
        ),
      (err: unknown) =>
        err instanceof JsonPatchApplyError && /operation 1 \(test\): test failed/.test(err.message),
    );
  });

  test('test compares structurally, whatever the key order', () => {
    const patched = applyJsonPatch(
      { a: { x: 1, y: [1, { z: 2 }] } },
      parseJsonPatch([{ op: 'test', path: '/a', value: { y: [1, { z: 2 }], x: 1 } }]),
    );
    assert.deepEqual(patched, { a: { x: 1, y: [1, { z: 2 }] } });
  });

  test('paths that do not exist cannot be replaced, removed or tested', () => {
    const ops: Json[] = [
      { op: 'replace', path: '/nope', value: 1 },
      { op: 'remove', path: '/spec/http/5' },
      { op: 'test', path: '/spec/missing/deep', value: 1 },
      { op: 'add', path: '/spec/http/7', value: {} },
    ];
    for (const op of ops) {
      assert.throws(() => applyJsonPatch(doc, parseJsonPatch([op])), JsonPatchApplyError, JSON.stringify(op));
    }
  });

  test('malformed patch documents are format errors', () => {
    for (const bad of [
      { op: 'add', path: '/a' },
      [{ op: 'frobnicate', path: '/a' }],
      [{ op: 'add', value: 1 }],
      [{ op: 'remove', path: 'no-slash' }],
      [{ op: 'move', path: '/a' }],
      ['not an object'],
    ] as Json[]) {
      assert.throws(() => parseJsonPatch(bad), JsonPatchFormatError, JSON.stringify(bad));
    }
  });
});
