import { test } from 'node:test';
import assert from 'node:assert/strict';
import { account, due, startPace } from './pacer.js';
import { PerSecondCounters } from './per-second.js';
import { RECENT_RESULTS, ResultsFeed } from './results.js';
import { originOf } from './origin.js';

test('pacer: requests due follow the asked rate exactly, whatever the tick jitter', () => {
  for (const rps of [1, 7, 20, 999, 2000, 5000]) {
    let pace = startPace(rps, 1000);
    let sent = 0;
    let now = 1000;
    // Irregular ticks of 1–13 ms over 10 s.
    for (let i = 0; now < 11_000; i++) {
      now = Math.min(11_000, now + 1 + ((i * 7) % 13));
      const n = due(pace, now);
      pace = account(pace, n);
      sent += n;
    }
    assert.equal(sent, rps * 10, `rate ${rps}`);
  }
});

test('pacer: rate 0 sends nothing; a late tick catches up, never goes negative', () => {
  assert.equal(due(startPace(0, 0), 60_000), 0);
  const pace = account(startPace(100, 0), 50);
  assert.equal(due(pace, 100), 0);
  assert.equal(due(pace, 1000), 50);
});

test('per-second counters: sums and history over complete seconds only', () => {
  const c = new PerSecondCounters(['a', 'b'] as const, 10);
  c.add('a', 1_000);
  c.add('a', 1_999);
  c.add('b', 2_500, 3);
  c.add('a', 3_100);
  assert.deepEqual(c.sum(3_500, 5), { a: 2, b: 3 }, 'current second not counted');
  assert.deepEqual(c.sum(4_000, 1), { a: 1, b: 0 });
  assert.deepEqual(
    c.history(4_000, 3).map((h) => [h.t, h.a, h.b]),
    [
      [1, 2, 0],
      [2, 0, 3],
      [3, 1, 0],
    ],
  );
  assert.deepEqual(c.sum(30_000, 5), { a: 0, b: 0 }, 'old buckets expire');
});

test('origin: bursty- results come from the burst cluster', () => {
  assert.equal(originOf('bursty-abc='), 'burst');
  assert.equal(originOf('abc='), 'primary');
  assert.equal(originOf('Bursty-abc='), 'primary');
});

test('results feed: bounded memory, newest kept, counted by origin', () => {
  const feed = new ResultsFeed();
  for (let i = 0; i < 5000; i++) feed.add(i % 2 ? `bursty-${i}` : `${i}`, 10_000);
  const batch = feed.takeBatch();
  assert.equal(batch.length, RECENT_RESULTS);
  assert.equal(batch.at(-1), 'bursty-4999');
  assert.deepEqual(feed.totals(), { primary: 2500, burst: 2500 });
  assert.deepEqual(feed.lastSeconds(11_000), { primary: 2500, burst: 2500 });
  assert.equal(feed.takeBatch().length, 0);
  assert.equal(feed.recent().length, RECENT_RESULTS);
  feed.add('x'.repeat(10_000), 11_000);
  assert.ok((feed.takeBatch()[0] ?? '').length < 300, 'long results are cut for display');
});
