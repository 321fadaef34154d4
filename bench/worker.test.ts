import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BenchReport } from './worker.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Runs `bench/worker.ts --json` for 1 s per server; resolves with its exit code and output. */
function runBench(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/worker.ts', '--json'], {
      cwd: ROOT,
      env: { ...process.env, BENCH_DURATION: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

// Counts and structure only: the speed of the machine running the tests is not asserted.
test('bench:worker --json measures the three servers without failures', { timeout: 120_000 }, async () => {
  const { code, stdout, stderr } = await runBench();
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
