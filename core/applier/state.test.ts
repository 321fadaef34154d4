import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Annotation,
  overrideInForce,
  readObjectState,
  readState,
  stateAnnotations,
  type AppliedEntry,
} from './state.js';

const entry: AppliedEntry = {
  id: 'a1',
  kind: 'auto',
  issuedAt: '2026-11-26T10:00:00.000Z',
  weights: { primary: 0, burst: 100 },
  reason: 'rate 20 > 15',
  appliedAt: '2026-11-26T10:00:00.100Z',
};
const override = {
  weights: { primary: 100, burst: 0 },
  until: '2026-11-26T11:00:00.000Z',
  reason: 'hold',
  id: 'o1',
};

describe('Spillway state annotations', () => {
  test('round trip: what is written is read back', () => {
    const written = stateAnnotations({ lastApplied: entry, override, history: [entry] });
    const annotations = Object.fromEntries(
      Object.entries(written).filter((e): e is [string, string] => e[1] !== null),
    );
    assert.deepEqual(
      readState({ ...annotations, 'kubectl.kubernetes.io/last-applied-configuration': '{}' }),
      {
        lastApplied: entry,
        override,
        history: [entry],
        problems: [],
      },
    );
  });

  test('no override: the annotation is removed (null)', () => {
    assert.equal(stateAnnotations({ lastApplied: entry, history: [] })[Annotation.Override], null);
  });

  test('no annotations at all', () => {
    assert.deepEqual(readState(undefined), { history: [], problems: [] });
  });

  const damaged: [string, string, string, RegExp][] = [
    ['last-applied not JSON', Annotation.LastApplied, '{oops', /spillway.dev\/last-applied is not JSON/],
    [
      'last-applied missing id',
      Annotation.LastApplied,
      JSON.stringify({ ...entry, id: undefined }),
      /last-applied is not valid \(.*id/,
    ],
    [
      'last-applied weights 60/60',
      Annotation.LastApplied,
      JSON.stringify({ ...entry, weights: { primary: 60, burst: 60 } }),
      /bad weights or date/,
    ],
    [
      'override bad until',
      Annotation.Override,
      JSON.stringify({ ...override, until: '2026-02-30T00:00:00Z' }),
      /override is not valid \(\/until/,
    ],
    ['history not a list', Annotation.History, '{}', /history is not valid/],
  ];
  for (const [name, key, value, problem] of damaged)
    test(`a damaged annotation is reported and treated as absent: ${name}`, () => {
      const state = readState({ [key]: value });
      assert.equal(state.lastApplied, undefined);
      assert.equal(state.override, undefined);
      assert.deepEqual(state.history, []);
      assert.equal(state.problems.length, 1);
      assert.match(state.problems[0] ?? '', problem);
    });
});

describe('reading a VirtualService object as the API answered it', () => {
  test('readObjectState: string annotations only; no metadata, no annotations or another shape → empty', () => {
    const object = {
      metadata: {
        annotations: { [Annotation.LastApplied]: JSON.stringify(entry), 'example.com/count': 3 },
      },
    };
    assert.deepEqual(readObjectState(object), readState({ [Annotation.LastApplied]: JSON.stringify(entry) }));
    for (const shape of [
      undefined,
      null,
      'text',
      [],
      {},
      { metadata: [] },
      { metadata: { annotations: 'x' } },
    ])
      assert.deepEqual(readObjectState(shape), { history: [], problems: [] });
  });

  test('overrideInForce: until later than now; equal, earlier or unreadable → ended', () => {
    const now = new Date('2026-11-26T10:00:00.000Z');
    assert.equal(overrideInForce({ until: '2026-11-26T10:00:00.001Z' }, now), true);
    assert.equal(overrideInForce({ until: '2026-11-26T10:00:00.000Z' }, now), false);
    assert.equal(overrideInForce({ until: '2026-11-26T09:59:59Z' }, now), false);
    assert.equal(overrideInForce({ until: 'tomorrow' }, now), false);
  });
});
