import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertUsageErrors } from './support/bench-assertions.js';
import { runBench } from './support/run-bench.js';
import type { ReactionBenchReport } from './servers/reaction-report.js';
import { POINTS } from './servers/reaction-step.js';

// The report's shape and that every step got there; how fast is not asserted (the machine's speed varies).
describe('bench:reaction', () => {
  test(
    '--json with 1 run: both configurations step up and down once, every point of the breakdown found',
    { timeout: 420_000 },
    async () => {
      const { code, stdout, stderr } = await runBench('reaction.ts', ['--json'], { BENCH_RUNS: '1' });
      assert.equal(code, 0, `the bench exited with ${String(code)}:\n${stderr}`);
      const report = JSON.parse(stdout) as ReactionBenchReport;

      assert.equal(report.settings.runs, 1);
      assert.deepEqual(
        report.configurations.map((c) => [c.rateWindowSeconds, c.scrapeIntervalSeconds]),
        [
          [5, 1],
          [15, 1],
        ],
      );
      for (const c of report.configurations) {
        assert.deepEqual(
          c.steps.map((s) => s.direction),
          ['up', 'down'],
          c.name,
        );
        assert.match(c.query, new RegExp(`\\[${c.rateWindowSeconds}s\\]`));
        for (const s of c.steps) {
          // JSON carries a point that was not found as null.
          for (const point of POINTS)
            assert.ok(typeof s.points[point] === 'number', `${c.name} ${s.direction}: no ${point}`);
          // Reached: the results settled on the new cluster after the step.
          assert.ok(s.points.settled > s.step, `${c.name} ${s.direction}: settled before the step`);
          assert.ok(s.points.firstResult <= s.points.settled, `${c.name} ${s.direction}`);
        }
        for (const direction of ['up', 'down'] as const) {
          assert.equal(c[direction].n, 1, `${c.name} ${direction}`);
          for (const point of POINTS) assert.equal(c.breakdown[direction][point].n, 1);
        }
      }
      for (const ratio of Object.values(report.ratios)) assert.ok(Number.isFinite(ratio) && ratio > 0);
      assert.equal(typeof report.target.met, 'boolean');
      assert.doesNotMatch(stderr, /warning: /);
    },
  );

  test('a bad BENCH_RUNS and unknown flags exit 2 with the reason and the usage, starting nothing', async () => {
    await assertUsageErrors(
      'reaction.ts',
      [
        [['--json'], { BENCH_RUNS: '0' }, /BENCH_RUNS must be a whole number >= 1 \(got "0"\)/],
        [[], { BENCH_RUNS: 'three' }, /BENCH_RUNS must be a whole number >= 1 \(got "three"\)/],
        [['--fast'], {}, /unknown argument\(s\): --fast/],
      ],
      /BENCH_RUNS \(default 3\)/,
    );
  });
});
