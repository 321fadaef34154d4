import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertSpread as assertSpreadOf, assertUsageErrors } from './support/bench-assertions.js';
import { runBench } from './support/run-bench.js';
import type { ApplierBenchReport, ApplyCounts, Spread } from './servers/applier-report.js';

const assertSpread = (name: string, s: Spread, n: number): void => assertSpreadOf(name, s, n, ['p50', 'p95']);

const allApplied = (n: number): ApplyCounts => ({
  published: n,
  applied: n,
  duplicate: 0,
  failed: 0,
  missing: 0,
  unexpected: 0,
  writes: n,
});

// Counts and structure only: the speed of the machine running the tests is not asserted.
describe('bench:applier', () => {
  test(
    '--json with 2 cold starts and 4 messages measures every part; every message applied once, one write each',
    { timeout: 240_000 },
    async () => {
      const { code, stdout, stderr } = await runBench('applier.ts', ['--json'], {
        BENCH_COLD_STARTS: '2',
        BENCH_MESSAGES: '4',
      });
      assert.equal(code, 0, `the bench exited with ${String(code)}:\n${stderr}`);
      const report = JSON.parse(stdout) as ApplierBenchReport;

      assert.equal(report.settings.coldStarts, 2);
      assert.equal(report.settings.messages, 4);
      assert.equal(report.settings.warmupMessages, 3);
      assert.equal(report.settings.target, 'default/worker-virtual-service');
      assert.equal(report.settings.entry, 'dist/functions/index.js');

      assert.equal(report.coldStart.runs.length, 2);
      for (const run of report.coldStart.runs) {
        assert.ok(run.listenMs > 0 && run.firstWriteMs > run.listenMs, JSON.stringify(run));
        assert.ok(run.firstLoggedMs > run.listenMs && run.publishToWriteMs > 0, JSON.stringify(run));
        assert.ok(run.loggedLatencyMs > 0 && run.rssAfterFirstMessageMiB > 0, JSON.stringify(run));
      }
      for (const key of [
        'listenMs',
        'firstWriteMs',
        'firstLoggedMs',
        'publishToWriteMs',
        'loggedLatencyMs',
        'rssAfterFirstMessageMiB',
      ] as const)
        assertSpread(`cold ${key}`, report.coldStart[key], 2);
      assert.ok(report.memory.rssAfterWarmupMiB > 0 && report.memory.rssAfterMessagesMiB > 0);

      for (const [key, s] of Object.entries(report.warm)) assertSpread(`warm ${key}`, s, 4);
      for (const [key, s] of Object.entries(report.baseline)) assertSpread(`baseline ${key}`, s, 4);
      for (const [name, value] of Object.entries(report.ratios))
        assert.ok(Number.isFinite(value) && value > 0, `${name} is ${value}`);

      assert.deepEqual(report.counts.coldStarts, allApplied(2), 'cold starts');
      assert.deepEqual(report.counts.warmup, allApplied(3), 'warm-up');
      assert.deepEqual(report.counts.messages, allApplied(4), 'measured messages');
      assert.equal(report.counts.bareWrites, 4);
      assert.equal(report.counts.inProcessApplied, 4);
    },
  );

  test('bad counts and unknown flags exit 2 with the reason and the usage, starting nothing', async () => {
    await assertUsageErrors(
      'applier.ts',
      [
        [['--json'], { BENCH_MESSAGES: '0' }, /BENCH_MESSAGES must be a whole number >= 1 \(got "0"\)/],
        [[], { BENCH_COLD_STARTS: 'five' }, /BENCH_COLD_STARTS must be a whole number >= 1 \(got "five"\)/],
        [[], { BENCH_MESSAGES: '2.5' }, /BENCH_MESSAGES must be a whole number >= 1 \(got "2.5"\)/],
        [['--fast'], {}, /unknown argument\(s\): --fast/],
      ],
      /BENCH_COLD_STARTS \(default 5\), BENCH_MESSAGES \(default 50\)/,
    );
  });
});
