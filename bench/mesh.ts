/**
 * `npm run bench:mesh`: what the local mesh costs and how fast it follows the API. Starts two named
 * upstreams (`primary`, `burst`), the control plane and `spillway mesh`, each its own child process, then
 *   1. proxy overhead: autocannon against one upstream directly, then through the mesh;
 *   2. weight-change propagation: BENCH_CHANGES merge patches of the VirtualService through
 *      @kubernetes/client-node (100/0 and 0/100 in turn), each timed from the patch's answer until a
 *      request sent after it comes back from the new subset, under a steady stream of requests.
 * See docs/bench.md. `--json` prints one JSON object on stdout instead of the table.
 */
import { ALL_BURST, ALL_PRIMARY } from '../core/weights.js';
import { sleep } from '../local/test-support/wait.js';
import { startMeshStack, type MeshStack, type Subset } from './servers/mesh-stack.js';
import {
  formatReport,
  report,
  spread,
  type ChangeFigures,
  type MeshBenchReport,
  type PathFigures,
} from './servers/mesh-report.js';
import { SubsetPoller } from './servers/subset-poller.js';
import { defer, runBenchProgram } from './support/cleanup.js';
import { BODY, CONNECTIONS, measureLoad, WARMUP_SECONDS } from './support/load.js';

export type { MeshBenchReport } from './servers/mesh-report.js';

/** The requirement: a weight change takes effect within 1 s of the API change. */
const TARGET_MS = 1000;
/** A change not seen after this long is counted as never observed (and over the target). */
const CHANGE_TIMEOUT_MS = 10_000;
const POLL_CONNECTIONS = 2;
/** Pause after a change is observed, before the next patch: 200 ms plus up to 200 ms at random. */
const PAUSE_MS = 200;

const round = (ms: number): number => Math.round(ms * 100) / 100;

/** One request; throws unless it is answered 200 with `expected`. */
async function expectAnswer(url: string, expected: string, what: string): Promise<void> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: BODY,
  });
  const text = await response.text();
  if (response.status !== 200 || text !== expected)
    throw new Error(`${what} answered ${response.status} ${JSON.stringify(text)}, not 200 ${expected}`);
}

// ---- 1. proxy overhead ----

async function measureThroughput(
  path: PathFigures['path'],
  url: string,
  seconds: number,
): Promise<PathFigures> {
  const { figures, mismatches } = await measureLoad(path, url, seconds, 'primary');
  return { path, ...figures, mismatches };
}

// ---- 2. weight-change propagation ----

async function measureChange(stack: MeshStack, poller: SubsetPoller, to: Subset): Promise<ChangeFigures> {
  const weights = to === 'burst' ? ALL_BURST : ALL_PRIMARY;
  poller.clear();
  const sent = performance.now();
  await stack.setWeights(weights);
  const patched = performance.now();
  const hit = await poller.next((a) => a.sentAt >= patched && a.subset === to, CHANGE_TIMEOUT_MS);
  await sleep(PAUSE_MS + Math.random() * PAUSE_MS); // the stream goes on: shows whether the change holds
  const old = poller.answers().filter((a) => a.sentAt >= patched && a.subset !== to);
  const observedAt = hit?.answeredAt ?? Infinity;
  return {
    weights: `${weights.primary}/${weights.burst}`,
    to,
    patchMs: round(patched - sent),
    propagationMs: hit === undefined ? null : round(hit.answeredAt - patched),
    oldSubsetBeforeObserved: old.filter((a) => a.sentAt <= observedAt).length,
    oldSubsetAfterObserved: old.filter((a) => a.sentAt > observedAt).length,
  };
}

async function measurePropagation(
  stack: MeshStack,
  changes: number,
): Promise<MeshBenchReport['propagation']> {
  process.stderr.write(`propagation: ${changes} weight changes under a steady stream of requests\n`);
  const poller = new SubsetPoller(stack.meshUrl, POLL_CONNECTIONS, BODY);
  poller.start();
  const perChange: ChangeFigures[] = [];
  try {
    // The starting state (the seed, checked before the throughput part): everything to primary.
    if ((await poller.next((a) => a.subset === 'primary', CHANGE_TIMEOUT_MS)) === undefined)
      throw new Error(`no request through the mesh reached primary: ${poller.firstFailure ?? 'no answer'}`);
    for (let i = 0; i < changes; i++)
      perChange.push(await measureChange(stack, poller, i % 2 === 0 ? 'burst' : 'primary'));
  } finally {
    await poller.stop();
  }
  const observed = perChange.flatMap((c) => (c.propagationMs === null ? [] : [c.propagationMs]));
  const overTarget = perChange.filter((c) => c.propagationMs === null || c.propagationMs > TARGET_MS).length;
  return {
    changes,
    observed: observed.length,
    targetMs: TARGET_MS,
    overTarget,
    pass: overTarget === 0,
    propagation: spread(observed),
    patch: spread(perChange.map((c) => c.patchMs)),
    pollConnections: POLL_CONNECTIONS,
    requests: poller.requests,
    failedRequests: poller.failures,
    ...(poller.firstFailure === undefined ? {} : { firstFailure: poller.firstFailure }),
    perChange,
  };
}

// ---- the command ----

function wholeNumberFromEnv(name: string, fallback: number): number {
  const raw = process.env[name] ?? String(fallback);
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < 1) {
    throw new Error(`${name} must be a whole number >= 1 (got ${JSON.stringify(raw)})`);
  }
  return value;
}

const USAGE = `usage: tsx bench/mesh.ts [--json]
  BENCH_DURATION  seconds measured per path (default 10), after a ${WARMUP_SECONDS} s warm-up
  BENCH_CHANGES   weight changes timed (default 20)`;

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  if (args.includes('--help')) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const unknown = args.find((a) => a !== '--json');
  if (unknown !== undefined) {
    process.stderr.write(`bench:mesh: unknown argument ${JSON.stringify(unknown)}\n${USAGE}\n`);
    return 2;
  }
  const seconds = wholeNumberFromEnv('BENCH_DURATION', 10);
  const changes = wholeNumberFromEnv('BENCH_CHANGES', 20);
  const stack = await startMeshStack(defer);
  await expectAnswer(stack.upstreamUrls.primary, 'primary', 'the primary upstream');
  await expectAnswer(stack.meshUrl, 'primary', 'the mesh (seeded all to primary)');

  const direct = await measureThroughput('direct', stack.upstreamUrls.primary, seconds);
  const mesh = await measureThroughput('mesh', stack.meshUrl, seconds);
  const propagation = await measurePropagation(stack, changes);

  const result = report(
    { durationSeconds: seconds, warmupSeconds: WARMUP_SECONDS, connections: CONNECTIONS },
    direct,
    mesh,
    propagation,
  );
  process.stdout.write(`${args.includes('--json') ? JSON.stringify(result) : formatReport(result)}\n`);
  if (propagation.firstFailure !== undefined)
    process.stderr.write(`first failed request while polling: ${propagation.firstFailure}\n`);
  if (!result.pass) {
    process.stderr.write(
      `bench:mesh: ${result.failedRequests} failed requests; ${propagation.overTarget} of ` +
        `${propagation.changes} changes not seen within ${TARGET_MS} ms\n`,
    );
  }
  return result.pass ? 0 : 1;
}

await runBenchProgram('mesh', main);
