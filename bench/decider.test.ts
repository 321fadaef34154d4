import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertSpread as assertSpreadOf, assertUsageErrors } from './support/bench-assertions.js';
import { runBench } from './support/run-bench.js';
import type { DeciderBenchReport, DeliveryCounts, Spread } from './servers/decider-report.js';

const assertSpread = (name: string, s: Spread, n: number): void => assertSpreadOf(name, s, n, ['p50', 'p99']);

function assertDelivered(name: string, c: DeliveryCounts, calls: number, publish: number): void {
  assert.deepEqual(
    c,
    {
      calls,
      publish,
      hold: calls - publish,
      expectedPublish: publish,
      expectedHold: calls - publish,
      failed: 0,
      receivedOnce: publish,
      duplicates: 0,
      missing: 0,
      unexpected: 0,
    },
    `${name}: every decision due published, each received once`,
  );
}

// Counts and structure only: the speed of the machine running the tests is not asserted.
describe('bench:decider', () => {
  test(
    '--json with 2 cold starts and 6 ticks measures every part; every decision is received once',
    {
      timeout: 240_000,
    },
    async () => {
      const { code, stdout, stderr } = await runBench('decider.ts', ['--json'], {
        BENCH_COLD_STARTS: '2',
        BENCH_TICKS: '6',
      });
      assert.equal(code, 0, `the bench exited with ${String(code)}:\n${stderr}`);
      const report = JSON.parse(stdout) as DeciderBenchReport;

      assert.equal(report.settings.coldStarts, 2);
      assert.equal(report.settings.ticks, 6);
      assert.equal(report.settings.warmupCalls, 3);
      assert.deepEqual(report.settings.policy, { kind: 'threshold', high: 15, low: 10 });
      assert.ok(report.settings.highRps > 15 && report.settings.lowRps < 10);

      assert.equal(report.coldStart.runs.length, 2);
      for (const run of report.coldStart.runs) {
        assert.ok(run.listenMs > 0 && run.firstAnswerMs > run.listenMs, JSON.stringify(run));
        assert.ok(run.rssAfterFirstCallMiB > 0, JSON.stringify(run));
      }
      assertSpread('cold listen', report.coldStart.listenMs, 2);
      assertSpread('cold first answer', report.coldStart.firstAnswerMs, 2);
      assertSpread('cold RSS', report.coldStart.rssAfterFirstCallMiB, 2);
      assert.ok(report.memory.rssAfterWarmupMiB > 0 && report.memory.rssAfterTicksMiB > 0);

      // 6 ticks: the side flips on ticks 1–4 and 6 (publish), stays on tick 5 (hold).
      const w = report.warm;
      assertSpread('function call, publishing', w.functionCall.publish, 5);
      assertSpread('function call, holding', w.functionCall.hold, 1);
      assertSpread('function tick (log), publishing', w.functionTick.publish, 5);
      assertSpread('function tick (log), holding', w.functionTick.hold, 1);
      assertSpread('in-process read', w.inProcess.read, 6);
      assertSpread('in-process decide', w.inProcess.decide, 6);
      assertSpread('in-process publish', w.inProcess.publish, 5);
      assertSpread('in-process tick', w.inProcess.tick, 5);
      assertSpread('delivery', w.deliveryMs, 5);
      assertSpread('call to receipt', w.callToReceiptMs, 5);
      assertSpread('bare query', report.baseline.prometheusQueryMs, 6);
      assertSpread('bare publish', report.baseline.pubsubPublishMs, 6);
      for (const [name, value] of Object.entries(report.ratios))
        assert.ok(Number.isFinite(value) && value > 0, `${name} is ${value}`);

      // Warm-up: the new instance publishes once, then holds twice; then 5 of the 6 ticks publish.
      assertDelivered('cold starts', report.counts.coldStarts, 2, 2);
      assertDelivered('function', report.counts.function, 9, 6);
      assertDelivered('in-process', report.counts.inProcess, 9, 6);
      assert.equal(report.counts.bareQueries, 6);
      assert.equal(report.counts.barePublishes, 6);
      assert.equal(report.counts.invalidMessages, 0);
    },
  );

  test('bad counts and unknown flags exit 2 with the reason and the usage, starting nothing', async () => {
    await assertUsageErrors(
      'decider.ts',
      [
        [['--json'], { BENCH_TICKS: '0' }, /BENCH_TICKS must be a whole number >= 1 \(got "0"\)/],
        [[], { BENCH_COLD_STARTS: 'five' }, /BENCH_COLD_STARTS must be a whole number >= 1 \(got "five"\)/],
        [['--fast'], {}, /unknown argument\(s\): --fast/],
      ],
      /BENCH_COLD_STARTS \(default 5\), BENCH_TICKS \(default 50\)/,
    );
  });
});
