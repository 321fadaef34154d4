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
import { defer } from './support/cleanup.js';
import { runFunctionBench, type Progress } from './support/function-bench.js';
import { post, startDeciderFunction } from './servers/decider-function.js';
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

/** Spawns the function `n` times; each first POST / publishes (a new instance, the rate above high). */
async function measureColdStarts(
  stack: BenchStack,
  n: number,
  progress: Progress,
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

async function measure(
  { coldStarts, ticks }: { coldStarts: number; ticks: number },
  progress: Progress,
): Promise<DeciderBenchReport> {
  progress('starting the counter target, Prometheus and the Pub/Sub emulator');
  const stack = await startBenchStack(defer);
  await stack.setSide('high');
  const cold = await measureColdStarts(stack, coldStarts, progress);
  const warm = await measureWarm(stack, ticks, defer, progress);

  const { receiver } = stack;
  const ids = [...cold.tally.ids, ...warm.function.ids, ...warm.inProcess.ids];
  await receiver.waitFor(ids, RECEIPT_TIMEOUT_MS);
  await sleep(500); // a duplicate would show up here
  const counted = (tally: DecisionTally, topic: string) =>
    tally.counts(receiver.count(readerOf(topic), tally.ids));
  const bareSum = spread(warm.bareQuery).p50 + spread(warm.barePublish).p50;
  return {
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
}

await runFunctionBench({
  name: 'decider',
  counts: { coldStarts: ['BENCH_COLD_STARTS', 5], ticks: ['BENCH_TICKS', 50] },
  measure,
  formatReport,
  countsProblems,
});
