import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { runBench } from './support/run-bench.js';
import type { MeshBenchReport } from './mesh.js';
import { weightsMergePatch } from './servers/mesh-stack.js';

const CHANGES = 4;

describe('bench:mesh', () => {
  // Counts and structure only: the speed of the machine running the tests is not asserted, and neither is
  // the 1 s target (the exit code is only checked to agree with the report).
  test(
    '--json measures both paths and observes every weight change, without failures',
    {
      timeout: 120_000,
    },
    async () => {
      const { code, stdout, stderr } = await runBench('mesh.ts', ['--json'], {
        BENCH_DURATION: '1',
        BENCH_CHANGES: String(CHANGES),
      });
      assert.ok(code === 0 || code === 1, `the bench exited with ${String(code)}:\n${stderr}`);
      const report = JSON.parse(stdout) as MeshBenchReport;
      assert.equal(report.durationSeconds, 1);
      assert.equal(report.connections, 50);

      const { direct, mesh, meshToDirect } = report.throughput;
      assert.deepEqual([direct.path, mesh.path], ['direct', 'mesh']);
      for (const f of [direct, mesh]) {
        assert.ok(f.requests > 0 && f.requestsPerSecond > 0, `${f.path} answered no request`);
        assert.deepEqual([f.non2xx, f.errors, f.mismatches], [0, 0, 0], `${f.path}: failed requests`);
        assert.ok(Number.isFinite(f.p50Ms) && Number.isFinite(f.p99Ms), `${f.path}: latencies`);
      }
      assert.ok(Number.isFinite(meshToDirect.value) && meshToDirect.value > 0, `ratio ${meshToDirect.value}`);

      const p = report.propagation;
      assert.equal(p.changes, CHANGES);
      assert.equal(p.observed, CHANGES, `changes not observed: ${JSON.stringify(p.perChange)}`);
      assert.deepEqual(
        p.perChange.map((c) => `${c.to} ${c.weights}`),
        ['burst 0/100', 'primary 100/0', 'burst 0/100', 'primary 100/0'],
      );
      for (const c of p.perChange) {
        assert.ok(c.propagationMs !== null && Number.isFinite(c.patchMs), JSON.stringify(c));
        assert.equal(
          c.oldSubsetAfterObserved,
          0,
          `routed to the old subset after the change: ${JSON.stringify(c)}`,
        );
      }
      for (const s of [p.propagation, p.patch]) {
        assert.ok(
          s !== null && [s.minMs, s.p50Ms, s.p99Ms, s.maxMs].every(Number.isFinite),
          JSON.stringify(s),
        );
      }
      assert.ok(p.requests > 0, 'no request during the changes');
      assert.equal(p.failedRequests, 0, `failed requests while polling: ${p.firstFailure ?? ''}`);
      assert.equal(report.failedRequests, 0);
      assert.equal(p.pass, p.overTarget === 0);
      assert.equal(report.pass, p.pass);
      assert.equal(code, report.pass ? 0 : 1, stderr);
    },
  );

  test('a bad BENCH_CHANGES or an unknown argument stops it before anything starts', async () => {
    const bad = await runBench('mesh.ts', [], { BENCH_CHANGES: '0' });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /BENCH_CHANGES must be a whole number >= 1 \(got "0"\)/);
    const unknown = await runBench('mesh.ts', ['--jsn'], {});
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown argument "--jsn"/);
  });

  test('the merge patch carries the whole http list with only the two weights changed', () => {
    const spec = {
      http: [
        {
          name: 'worker',
          timeout: '5s',
          route: [
            { destination: { host: 'worker-service', subset: 'primary' }, weight: 100 },
            { destination: { host: 'worker-service', subset: 'burst' }, weight: 0 },
            { destination: { host: 'other', subset: 'canary' }, weight: 0 },
          ],
        },
      ],
    };
    assert.deepEqual(weightsMergePatch(spec, { primary: 30, burst: 70 }), {
      spec: {
        http: [
          {
            name: 'worker',
            timeout: '5s',
            route: [
              { destination: { host: 'worker-service', subset: 'primary' }, weight: 30 },
              { destination: { host: 'worker-service', subset: 'burst' }, weight: 70 },
              { destination: { host: 'other', subset: 'canary' }, weight: 0 },
            ],
          },
        ],
      },
    });
    assert.deepEqual(spec.http[0]?.route[0]?.weight, 100, 'the spec read at start is not changed');
  });
});
