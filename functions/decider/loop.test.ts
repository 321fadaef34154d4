import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { runLoop, type LoopClock, type LoopTiming } from './loop.js';

/** A clock that only moves when the loop sleeps or a tick takes time. */
function virtualClock(): LoopClock & { advance(ms: number): void } {
  let t = 1_000_000;
  return {
    now: () => t,
    sleep: async (ms) => {
      assert.ok(ms >= 0);
      t += ms;
    },
    advance: (ms) => {
      t += ms;
    },
  };
}

/** Runs the loop with ticks taking `durationOf(n)` ms; answers when each tick started and ended. */
async function simulate(timing: LoopTiming, durationOf: (n: number) => number, stopAt?: number) {
  const clock = virtualClock();
  const start = clock.now();
  const ticks: { start: number; end: number }[] = [];
  const result = await runLoop(timing, clock, async (n) => {
    const begin = clock.now() - start;
    clock.advance(durationOf(n));
    ticks.push({ start: begin, end: clock.now() - start });
    return n === stopAt ? 'stop' : 'continue';
  });
  return { ...result, ticks };
}

const s = (seconds: number) => seconds * 1000;

test('runFor 0: one tick per call', async () => {
  const r = await simulate(
    { pollEveryMs: s(5), runForMs: 0, budgetMs: s(55), longestTickMs: s(15) },
    () => 100,
  );
  assert.deepEqual([r.ticks.length, r.end], [1, 'run-for-elapsed']);
});

test('every 5 s for 30 s: six ticks on the schedule', async () => {
  const r = await simulate(
    { pollEveryMs: s(5), runForMs: s(30), budgetMs: s(55), longestTickMs: s(15) },
    () => 200,
  );
  assert.deepEqual(
    r.ticks.map((t) => t.start),
    [0, 5, 10, 15, 20, 25].map(s),
  );
  assert.equal(r.end, 'run-for-elapsed');
});

test('every 5 s for 50 s in a 60 s function with a 5 s margin: ticks start only while a worst-case tick still fits', async () => {
  const r = await simulate(
    { pollEveryMs: s(5), runForMs: s(50), budgetMs: s(55), longestTickMs: s(15) },
    () => s(15),
  );
  assert.deepEqual(
    r.ticks.map((t) => t.start),
    [0, 15, 30].map(s),
    'a tick that takes its whole 15 s skips the slots it overran',
  );
  const quick = await simulate(
    { pollEveryMs: s(5), runForMs: s(50), budgetMs: s(55), longestTickMs: s(15) },
    () => 100,
  );
  assert.deepEqual(
    quick.ticks.map((t) => t.start),
    [0, 5, 10, 15, 20, 25, 30, 35, 40].map(s),
  );
  assert.equal(quick.end, 'no-time-left');
});

test('a tick that answers stop ends the loop', async () => {
  const r = await simulate(
    { pollEveryMs: s(1), runForMs: s(10), budgetMs: s(55), longestTickMs: s(2) },
    () => 10,
    3,
  );
  assert.deepEqual([r.ticks.length, r.end], [3, 'stopped']);
});

test('whatever the timing and the ticks’ durations, every tick ends within the budget and none overlap', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 30 }),
      fc.integer({ min: 0, max: 120 }),
      fc.integer({ min: 2, max: 30 }),
      fc.integer({ min: 0, max: 60 }),
      fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 200 }),
      async (poll, runFor, longestTick, spare, fractions) => {
        const timing = {
          pollEveryMs: s(poll),
          runForMs: s(runFor),
          budgetMs: s(longestTick + spare),
          longestTickMs: s(longestTick),
        };
        const r = await simulate(timing, (n) =>
          Math.round(s(longestTick) * (fractions[(n - 1) % fractions.length] ?? 0)),
        );
        assert.ok(r.ticks.length >= 1);
        for (const [i, t] of r.ticks.entries()) {
          assert.ok(
            t.end <= timing.budgetMs,
            `tick ${i + 1} ended at ${t.end} after the budget ${timing.budgetMs}`,
          );
          if (i > 0) {
            assert.ok(t.start < Math.max(timing.runForMs, 1), 'ticks start within runFor');
            assert.ok(t.start >= (r.ticks[i - 1]?.end ?? 0), 'ticks never overlap');
            assert.ok(t.start % timing.pollEveryMs === 0, 'ticks start on the schedule');
          }
        }
      },
    ),
    { numRuns: 300 },
  );
});
