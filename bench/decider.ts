/**
 * `npm run bench:decider`: the decider function against real parts — a real Prometheus scraping a tiny
 * counter target, the real Pub/Sub emulator with pull subscriptions. In one run it measures the cold start
 * of `functions-framework --target=decide` on the built code (BENCH_COLD_STARTS times), the warm tick
 * (BENCH_TICKS POSTs, the rate alternating across the thresholds so most ticks publish), the tick's parts
 * (read, decide, publish) with the decider's own code in this process, the decision's delivery to a pull
 * subscriber, and, as the baseline, a bare Prometheus query and a bare publish. See docs/bench.md.
 * `--json` prints one JSON object on stdout; progress goes to stderr.
 */
import { sleep } from '../local/test-support/wait.js';
import { cleanup, defer, installSignalHandlers, isStopping } from './support/cleanup.js';
import { build, post, staleBuildFiles, startDeciderFunction } from './servers/decider-function.js';
import {
  countsProblems,
  DecisionTally,
  formatReport,
  spread,
  type ColdStartRun,
  type DeciderBenchReport,
} from './servers/decider-report.js';
import {
  POLICY,
  QUERY,
  RATES,
  readerOf,
  startBenchStack,
  TOPICS,
  type BenchStack,
} from './servers/decider-stack.js';
import {
  answeredOk,
  decisionOf,
  measureWarm,
  RECEIPT_TIMEOUT_MS,
  WARMUP_CALLS,
} from './servers/decider-warm.js';

const USAGE = `usage: npm run bench:decider [-- --json] [-- --no-build]
  --json      print one JSON object on stdout (progress goes to stderr)
  --no-build  measure dist/ as it is, even when it is older than the source
environment: BENCH_COLD_STARTS (default 5), BENCH_TICKS (default 50)`;

class UsageError extends Error {}

// ---- everything started is stopped at the end, on error and on Ctrl-C (as bench/worker.ts does) ----

installSignalHandlers();
const progress = (text: string): void => void process.stderr.write(`${text}\n`);

function countFromEnv(name: string, fallback: number): number {
  const raw = process.env[name] ?? String(fallback);
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(`${name} must be a whole number >= 1 (got ${JSON.stringify(raw)})`);
  return n;
}

/** Spawns the function `n` times; each first POST / publishes (a new instance, the rate above high). */
async function measureColdStarts(
  stack: BenchStack,
  n: number,
): Promise<{ runs: ColdStartRun[]; tally: DecisionTally }> {
  const runs: ColdStartRun[] = [];
  const tally = new DecisionTally();
  for (let i = 1; i <= n; i++) {
    const fn = await startDeciderFunction(stack.envFor(TOPICS.cold));
    try {
      const answer = await post(fn.url);
      const d = decisionOf(answer);
      tally.lastPublished = undefined; // every run is a new instance, without state
      tally.record('high', d?.action, d?.id, answeredOk(answer));
      if (!answeredOk(answer)) progress(`cold start ${i}: ${answer.status} ${JSON.stringify(answer.body)}`);
      const run = {
        listenMs: fn.listeningAt - fn.spawnedAt,
        firstAnswerMs: answer.answeredAt - fn.spawnedAt,
        rssAfterFirstCallMiB: fn.rssMiB(),
      };
      runs.push(run);
      progress(`cold start ${i}/${n}: first answer after ${run.firstAnswerMs.toFixed(0)} ms`);
    } finally {
      await fn.stop();
    }
  }
  return { runs, tally };
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  if (args.includes('--help')) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const unknown = args.filter((a) => a !== '--json' && a !== '--no-build');
  if (unknown.length > 0) throw new UsageError(`unknown argument(s): ${unknown.join(' ')}`);
  const coldStarts = countFromEnv('BENCH_COLD_STARTS', 5);
  const ticks = countFromEnv('BENCH_TICKS', 50);
  process.env['METADATA_SERVER_DETECTION'] = 'none'; // the GCP libraries must not look for a metadata server

  const stale = staleBuildFiles();
  if (stale.length > 0 && args.includes('--no-build')) {
    progress(`warning: dist/ is older than ${stale.length} source file(s) (${stale[0]}…); measured as it is`);
  } else if (stale.length > 0) {
    progress(`dist/ is older than ${stale.length} source file(s) (${stale[0]}…): npm run build`);
    await build();
  }

  progress('starting the counter target, Prometheus and the Pub/Sub emulator');
  const stack = await startBenchStack(defer);
  await stack.setSide('high');
  const cold = await measureColdStarts(stack, coldStarts);
  const warm = await measureWarm(stack, ticks, defer, progress);

  const { receiver } = stack;
  const ids = [...cold.tally.ids, ...warm.function.ids, ...warm.inProcess.ids];
  await receiver.waitFor(ids, RECEIPT_TIMEOUT_MS);
  await sleep(500); // a duplicate would show up here
  const counted = (tally: DecisionTally, topic: string) =>
    tally.counts(receiver.count(readerOf(topic), tally.ids));
  const bareSum = spread(warm.bareQuery).p50 + spread(warm.barePublish).p50;
  const report: DeciderBenchReport = {
    settings: {
      coldStarts,
      ticks,
      warmupCalls: WARMUP_CALLS,
      highRps: RATES.high,
      lowRps: RATES.low,
      policy: { ...POLICY },
      query: QUERY,
      scrapeIntervalSeconds: 1,
      entry: 'dist/functions/index.js',
    },
    coldStart: {
      runs: cold.runs,
      listenMs: spread(cold.runs.map((r) => r.listenMs)),
      firstAnswerMs: spread(cold.runs.map((r) => r.firstAnswerMs)),
      rssAfterFirstCallMiB: spread(cold.runs.map((r) => r.rssAfterFirstCallMiB)),
    },
    memory: { rssAfterWarmupMiB: warm.rssAfterWarmupMiB, rssAfterTicksMiB: warm.rssAfterTicksMiB },
    warm: {
      functionCall: { publish: spread(warm.callPublish), hold: spread(warm.callHold) },
      functionTick: { publish: spread(warm.loggedPublish), hold: spread(warm.loggedHold) },
      inProcess: {
        read: spread(warm.read),
        decide: spread(warm.decide),
        publish: spread(warm.publish),
        tick: spread(warm.tick),
      },
      deliveryMs: spread(warm.delivery),
      callToReceiptMs: spread(warm.callToReceipt),
    },
    baseline: { prometheusQueryMs: spread(warm.bareQuery), pubsubPublishMs: spread(warm.barePublish) },
    ratios: {
      functionCallToBare: spread(warm.callPublish).p50 / bareSum,
      inProcessTickToBare: spread(warm.tick).p50 / bareSum,
    },
    counts: {
      coldStarts: counted(cold.tally, TOPICS.cold),
      function: counted(warm.function, TOPICS.warm),
      inProcess: counted(warm.inProcess, TOPICS.inProcess),
      bareQueries: warm.bareQuery.length,
      barePublishes: warm.barePublish.length,
      invalidMessages: receiver.invalid(),
    },
  };
  process.stdout.write(args.includes('--json') ? `${JSON.stringify(report)}\n` : `${formatReport(report)}\n`);
  const problems = countsProblems(report);
  for (const problem of problems) progress(`problem: ${problem}`);
  return problems.length === 0 ? 0 : 1; // a miscount makes the figures meaningless; a slow figure does not
}

try {
  process.exitCode = await main();
} catch (err) {
  // After Ctrl-C the steps still running fail on what was stopped under them: not worth a message.
  if (!isStopping())
    process.stderr.write(`bench:decider failed: ${err instanceof Error ? err.message : String(err)}\n`);
  if (err instanceof UsageError) process.stderr.write(`${USAGE}\n`);
  process.exitCode = err instanceof UsageError ? 2 : 1;
} finally {
  await cleanup();
}
