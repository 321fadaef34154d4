import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runBench } from './support/run-bench.js';
import type { BenchReport } from './worker.js';

// Counts and structure only: the speed of the machine running the tests is not asserted.
test('bench:worker --json measures the three servers without failures', { timeout: 120_000 }, async () => {
  const { code, stdout, stderr } = await runBench('worker.ts', ['--json'], { BENCH_DURATION: '1' });
  assert.equal(code, 0, `the bench exited with ${String(code)}:\n${stderr}`);

  const report = JSON.parse(stdout) as BenchReport;
  assert.equal(report.durationSeconds, 1);
  assert.equal(report.connections, 50);
  assert.deepEqual(
    report.servers.map((s) => s.server),
    ['worker', 'fastify-hello', 'express-codelab'],
  );
  for (const s of report.servers) {
    assert.ok(s.requests > 0, `${s.server} answered no request`);
    assert.ok(s.requestsPerSecond > 0, `${s.server}: req/s is ${s.requestsPerSecond}`);
    assert.equal(s.non2xx, 0, `${s.server}: non-2xx answers`);
    assert.equal(s.errors, 0, `${s.server}: errors`);
    assert.ok(Number.isFinite(s.p50Ms) && Number.isFinite(s.p99Ms), `${s.server}: latencies`);
  }

  const { workerToFastifyHello, workerToExpressCodelab, workerToCodelabFigure } = report.ratios;
  for (const [name, ratio, target] of [
    ['worker / fastify-hello', workerToFastifyHello, 0.5],
    ['worker / express-codelab', workerToExpressCodelab, undefined],
    ['worker / codelab figure', workerToCodelabFigure, 3.5],
  ] as const) {
    assert.ok(Number.isFinite(ratio.value) && ratio.value > 0, `${name} is ${ratio.value}`);
    assert.equal(ratio.target, target);
    assert.equal(ratio.pass, target === undefined ? undefined : ratio.value >= target);
  }
});
