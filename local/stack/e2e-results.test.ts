/** The sliding windows the end-to-end test and bench:reaction judge the results by. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { firstOf, firstSettled, firstSettledFrom, shareOf, type Result } from './e2e-results.js';

/** `pppBB…` at one result every `everyMs`, from t = 1000. */
const results = (pattern: string, everyMs = 100): Result[] =>
  [...pattern].map((c, i) => ({ at: 1000 + i * everyMs, origin: c === 'B' ? 'burst' : 'primary' }));

describe('firstSettled', () => {
  test('a window of N results: the result completing the first N with the share', () => {
    const r = results('ppppBBBBBBBBBBB');
    assert.deepEqual(firstSettled(r, 0, 'burst', 1, { results: 5 }), { index: 8, at: 1800 });
    // 95 % of 4 is 4: the same point as 100 %; 75 % of 4 is reached one result earlier.
    assert.deepEqual(firstSettled(r, 0, 'burst', 0.95, { results: 4 }), { index: 7, at: 1700 });
    assert.deepEqual(firstSettled(r, 0, 'burst', 0.75, { results: 4 }), { index: 6, at: 1600 });
  });

  test('only results from `from` on count; a window not yet full does not settle', () => {
    const r = results('BBBBBppp');
    assert.equal(firstSettled(r, 5, 'burst', 0.5, { results: 2 }), undefined);
    assert.deepEqual(firstSettled(r, 0, 'burst', 1, { results: 5 }), { index: 4, at: 1400 });
    assert.equal(firstSettled(r, 5, 'primary', 1, { results: 4 }), undefined);
  });

  test('one stray result in a window of 20 still gives 95 %; two do not', () => {
    const one = results(`${'B'.repeat(10)}p${'B'.repeat(9)}`);
    assert.deepEqual(firstSettled(one, 0, 'burst', 0.95, { results: 20 }), { index: 19, at: 2900 });
    const two = results(`${'B'.repeat(10)}pp${'B'.repeat(8)}`);
    assert.equal(firstSettled(two, 0, 'burst', 0.95, { results: 20 }), undefined);
  });

  test('a time window: the results of the last `ms` before each result, at least minResults of them', () => {
    // One result every 200 ms: a 1 s window holds 5.
    const r = results('ppBpBBBBBB', 200);
    assert.deepEqual(firstSettled(r, 0, 'burst', 0.95, { ms: 1000 }, 3), { index: 8, at: 2600 });
    assert.deepEqual(firstSettled(r, 0, 'burst', 0.8, { ms: 1000 }, 3), { index: 6, at: 2200 });
    assert.equal(firstSettled(r.slice(0, 3), 2, 'burst', 1, { ms: 1000 }, 3), undefined);
  });
});

test('shareOf and firstOf', () => {
  const r = results('ppBpB');
  assert.equal(shareOf(r, 'burst'), 0.4);
  assert.ok(Number.isNaN(shareOf([], 'burst')));
  assert.deepEqual(firstOf(r, 3, 'burst'), { index: 4, at: 1400 });
  assert.equal(firstOf(r, 0, 'primary')?.index, 0);
  assert.equal(firstOf(r, 5, 'burst'), undefined);
});

describe('firstSettledFrom', () => {
  test('the first result from which on the next window holds the share: where the traffic moved', () => {
    // p p p p B p B B B B B B B B B B B B … at 100 ms: the window of 500 ms from index 6 on is all burst.
    const r = results(`ppppBp${'B'.repeat(20)}`);
    assert.deepEqual(firstSettledFrom(r, 0, 'burst', 1, 500), { index: 6, at: 1600 });
    // 80 % of the 5 results from index 4 (B p B B B) is enough: the straggler does not count twice.
    assert.deepEqual(firstSettledFrom(r, 0, 'burst', 0.8, 500), { index: 4, at: 1400 });
    // The backward window settles later: it ends 4 results after the same point.
    assert.deepEqual(firstSettled(r, 0, 'burst', 1, { ms: 500 }, 3), { index: 10, at: 2000 });
  });

  test('a window that has not ended before the last result does not count yet', () => {
    const r = results('ppppBBB');
    assert.equal(firstSettledFrom(r, 0, 'burst', 1, 500), undefined);
    assert.deepEqual(firstSettledFrom(results('ppppBBBBBBB'), 0, 'burst', 1, 500), { index: 4, at: 1400 });
  });

  test('only results from `from` on; too few results in a window do not settle', () => {
    const r = results(`BBBBB${'p'.repeat(10)}`, 400);
    assert.equal(firstSettledFrom(r, 5, 'burst', 0.5, 500), undefined);
    assert.equal(firstSettledFrom(r, 5, 'primary', 1, 500), undefined, 'one result per 500 ms, fewer than 3');
    assert.deepEqual(firstSettledFrom(r, 5, 'primary', 1, 1000), { index: 5, at: 3000 });
  });
});
