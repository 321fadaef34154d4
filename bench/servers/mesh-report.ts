/**
 * The figures of `npm run bench:mesh` (bench/mesh.ts): what its `--json` prints, how they are summed up,
 * and the table it prints otherwise.
 */
import type { LoadFigures } from '../support/load.js';
import { fixed, table } from '../support/report-table.js';
import { spread as spreadOf } from '../support/spread.js';
import type { Subset } from './mesh-stack.js';

export interface PathFigures extends LoadFigures {
  path: 'direct' | 'mesh';
  /** 2xx answers whose body was not `primary` (the upstream's name). */
  mismatches: number;
}

export interface Spread {
  minMs: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface ChangeFigures {
  /** The weights set, `primary/burst`. */
  weights: string;
  to: Subset;
  /** From sending the patch to its answer. */
  patchMs: number;
  /** From the patch's answer to the answer of the first request sent after it that the new subset served; null if never. */
  propagationMs: number | null;
  /** Requests sent after the patch's answer, before that, still served by the old subset (expected). */
  oldSubsetBeforeObserved: number;
  /** Requests sent after the change was observed that the old subset served (must be 0). */
  oldSubsetAfterObserved: number;
}

export interface MeshBenchReport {
  durationSeconds: number;
  warmupSeconds: number;
  connections: number;
  throughput: { direct: PathFigures; mesh: PathFigures; meshToDirect: { value: number } };
  propagation: {
    changes: number;
    observed: number;
    targetMs: number;
    /** Changes not observed within `targetMs`, the never-observed included (target: 0). */
    overTarget: number;
    pass: boolean;
    /** Over the observed changes; null when none was. */
    propagation: Spread | null;
    patch: Spread | null;
    pollConnections: number;
    requests: number;
    failedRequests: number;
    firstFailure?: string;
    perChange: ChangeFigures[];
  };
  /** Failed requests of both parts: non-2xx, errors, wrong bodies, old subset after a change was observed. */
  failedRequests: number;
  pass: boolean;
}

/** Nearest-rank percentiles (support/spread.ts) under this report's names; null without samples. */
export function spread(values: number[]): Spread | null {
  if (values.length === 0) return null;
  const { min, p50, p99, max } = spreadOf(values, { p50: 0.5, p99: 0.99 });
  return { minMs: min, p50Ms: p50, p99Ms: p99, maxMs: max };
}

export function report(
  run: { durationSeconds: number; warmupSeconds: number; connections: number },
  direct: PathFigures,
  mesh: PathFigures,
  propagation: MeshBenchReport['propagation'],
): MeshBenchReport {
  const failedRequests =
    [direct, mesh].reduce((n, f) => n + f.non2xx + f.errors + f.mismatches, 0) +
    propagation.failedRequests +
    propagation.perChange.reduce((n, c) => n + c.oldSubsetAfterObserved, 0);
  return {
    ...run,
    throughput: { direct, mesh, meshToDirect: { value: mesh.requestsPerSecond / direct.requestsPerSecond } },
    propagation,
    failedRequests,
    pass: propagation.pass && failedRequests === 0,
  };
}

export function formatReport(r: MeshBenchReport): string {
  const { direct, mesh, meshToDirect } = r.throughput;
  const p = r.propagation;
  const spreadRow = (label: string, s: Spread | null): string[] => [
    label,
    ...(s === null ? ['-', '-', '-', '-'] : [s.minMs, s.p50Ms, s.p99Ms, s.maxMs].map((v) => fixed(v, 1))),
  ];
  const stale = p.perChange.reduce((n, c) => n + c.oldSubsetBeforeObserved, 0);
  const misrouted = p.perChange.reduce((n, c) => n + c.oldSubsetAfterObserved, 0);
  return [
    `Proxy overhead: ${r.connections} connections, POST / with a 32-character str, ${r.durationSeconds} s each ` +
      `after a ${r.warmupSeconds} s warm-up`,
    '',
    ...table(
      ['path', 'req/s', 'p50 ms', 'p99 ms', 'non-2xx', 'errors', 'wrong body'],
      [direct, mesh].map((f) => [
        f.path === 'direct' ? 'direct to the upstream' : 'through the mesh',
        fixed(f.requestsPerSecond, 1),
        fixed(f.p50Ms, 0),
        fixed(f.p99Ms, 0),
        String(f.non2xx),
        String(f.errors),
        String(f.mismatches),
      ]),
    ),
    '',
    `mesh / direct  ${fixed(meshToDirect.value, 2)}  (information)`,
    '',
    `Weight-change propagation: ${p.changes} merge patches of the VirtualService (100/0 and 0/100 in turn), ` +
      `${p.pollConnections} connections polling through the mesh`,
    '',
    ...table(
      ['', 'min', 'p50', 'p99', 'max'],
      [
        spreadRow('patch answer to new subset, ms', p.propagation),
        spreadRow('patch sent to its answer, ms', p.patch),
      ],
    ),
    '',
    `changes observed ${p.observed} / ${p.changes}; over ${fixed(p.targetMs, 0)} ms: ${p.overTarget} ` +
      `(target 0)  ${p.pass ? 'PASS' : 'FAIL'}`,
    `requests ${fixed(p.requests, 0)}: failed ${p.failedRequests}, old subset while a change propagated ${fixed(stale, 0)}, ` +
      `old subset after it was observed ${misrouted}`,
  ].join('\n');
}
