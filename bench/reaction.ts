/**
 * `npm run bench:reaction`: how fast the whole local loop moves the traffic, as a person sees it on the page.
 * For each configuration — Spillway's (5 s rate window) and, as the baseline, the codelab's 15 s window,
 * both with a 1 s scrape and the decider called every second — it starts the local stack (startStack),
 * holds the load at 5 req/s, steps it to 20 and times until the point from which ≥ 95 % of the next
 * second's results are `bursty-`, then back to 5 until they come from the primary again, BENCH_RUNS times; and it breaks every
 * step down: scrape, decide, publish, deliver, patch, mesh. See docs/bench.md.
 * `--json` prints one JSON object on stdout; progress goes to stderr.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ALL_BURST, ALL_PRIMARY } from '../core/weights.js';
import { controlPlaneUrl, setRate } from '../local/stack/e2e-drive.js';
import { subscribeResults } from '../local/stack/e2e-results.js';
import { startStack } from '../local/stack/start-stack.js';
import { sleep } from '../local/test-support/wait.js';
import { watchVirtualService } from './servers/applier-watch.js';
import {
  formatReport,
  missingPoints,
  summarize,
  type ConfigurationReport,
  type ReactionBenchReport,
} from './servers/reaction-report.js';
import {
  measureStep,
  SETTLED_SHARE,
  SETTLED_WINDOW_MS,
  type Direction,
  type StepContext,
  type StepTimeline,
} from './servers/reaction-step.js';
import { defer, runBenchProgram } from './support/cleanup.js';

const LOW_RPS = 5;
const HIGH_RPS = 20;
/** The stack's decider policy (the codelab's threshold, its defaults). */
const THRESHOLDS = { high: 15, low: 10 };
const UP: Direction = {
  name: 'up',
  rps: HIGH_RPS,
  origin: 'burst',
  weights: ALL_BURST,
  crosses: (rps) => rps > THRESHOLDS.high,
};
const DOWN: Direction = {
  name: 'down',
  rps: LOW_RPS,
  origin: 'primary',
  weights: ALL_PRIMARY,
  crosses: (rps) => rps < THRESHOLDS.low,
};
const SCRAPE_SECONDS = 1;
const DECIDE_EVERY_SECONDS = 1;
const CONFIGURATIONS = [
  { name: 'spillway', rateWindowSeconds: 5 },
  { name: 'codelab window', rateWindowSeconds: 15 },
] as const;
/** Before a step: at least this long at the current rate, and settled for the rate window plus the extra. */
const MIN_HOLD_SECONDS = 10;
const HOLD_EXTRA_SECONDS = 2;
const TARGET_UP_MS = 5000;

class UsageError extends Error {}

const USAGE = `usage: npm run bench:reaction [-- --json]
  --json  print one JSON object on stdout (progress goes to stderr)
environment: BENCH_RUNS (default 3): load steps up and down per configuration`;

const progress = (text: string): void => void process.stderr.write(`${text}\n`);

function runsFromEnv(): number {
  const raw = process.env['BENCH_RUNS'] ?? '3';
  if (!/^\d+$/.test(raw) || Number(raw) < 1)
    throw new UsageError(`BENCH_RUNS must be a whole number >= 1 (got ${JSON.stringify(raw)})`);
  return Number(raw);
}

/** Waits until the load has been at its rate for MIN_HOLD_SECONDS and settled for the window + extra. */
async function hold(stepAt: number, settledAt: number, windowSeconds: number): Promise<void> {
  const until = Math.max(
    stepAt + MIN_HOLD_SECONDS * 1000,
    settledAt + (windowSeconds + HOLD_EXTRA_SECONDS) * 1000,
  );
  await sleep(Math.max(0, until - Date.now()));
}

async function measureConfiguration(
  configuration: (typeof CONFIGURATIONS)[number],
  runs: number,
): Promise<ConfigurationReport> {
  const window = configuration.rateWindowSeconds;
  const dir = await mkdtemp(join(tmpdir(), 'spillway-bench-reaction-'));
  defer(() => rm(dir, { recursive: true, force: true }));
  progress(`${configuration.name}: starting the local stack (rate window ${window} s)`);
  const stack = await startStack({
    dir,
    frontendPort: 0,
    frontendHost: '127.0.0.1',
    rateWindowSeconds: window,
    scrapeIntervalSeconds: SCRAPE_SECONDS,
    decideEverySeconds: DECIDE_EVERY_SECONDS,
    say: (line) => progress(`  ${line}`),
  });
  defer(() => stack.stop());
  const description = stack.description;
  const results = await subscribeResults(description.redis.url);
  defer(() => results.close());
  const watch = await watchVirtualService(controlPlaneUrl(description).replace(/\/$/, ''), {
    namespace: description.namespace,
    virtualService: description.virtualService,
  });
  defer(() => Promise.resolve(watch.close()));
  const context: StepContext = { stack: description, results, watch, timeoutMs: 60_000 + window * 4000 };
  const failed = stack.failed.then(({ part, code, logFile }) => {
    throw new Error(`${part} exited (code ${String(code)}) during the bench; see ${logFile}`);
  });
  failed.catch(() => undefined); // raced by every step; unhandled only while none runs
  const step = (direction: Direction): Promise<StepTimeline> =>
    Promise.race([measureStep(context, direction), failed]);

  progress(`${configuration.name}: ${LOW_RPS} req/s until the results settle on the primary`);
  const from = results.count();
  const first = await setRate(description, LOW_RPS);
  const initial = await results.waitForShare(
    from,
    'primary',
    SETTLED_SHARE,
    { ms: SETTLED_WINDOW_MS },
    context.timeoutMs,
  );
  let last = { step: first.sentAt, settled: initial.at };
  const steps: StepTimeline[] = [];
  for (let run = 1; run <= runs; run++) {
    for (const direction of [UP, DOWN]) {
      await hold(last.step, last.settled, window);
      const timeline = await step(direction);
      steps.push(timeline);
      last = { step: timeline.step, settled: timeline.points.settled };
      progress(
        `${configuration.name} run ${run}/${runs} ${direction.name}: ` +
          `${((timeline.points.settled - timeline.step) / 1000).toFixed(2)} s`,
      );
    }
  }
  const report = summarize({
    name: configuration.name,
    rateWindowSeconds: window,
    scrapeIntervalSeconds: description.prometheus.scrapeIntervalSeconds,
    decideEverySeconds: description.decider.everySeconds,
    pubsub: description.pubsub.mode,
    query: description.decider.query,
    steps,
  });
  watch.close();
  await results.close();
  await stack.stop(); // the next configuration gets the machine to itself
  return report;
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  if (args.includes('--help')) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const unknown = args.filter((a) => a !== '--json');
  if (unknown.length > 0) throw new UsageError(`unknown argument(s): ${unknown.join(' ')}`);
  const runs = runsFromEnv();
  process.env['METADATA_SERVER_DETECTION'] = 'none'; // the GCP libraries must not look for a metadata server

  const configurations: ConfigurationReport[] = [];
  for (const configuration of CONFIGURATIONS)
    configurations.push(await measureConfiguration(configuration, runs));
  const [spill, codelab] = configurations;
  const ratio = (of: (c: ConfigurationReport) => number): number =>
    spill === undefined || codelab === undefined ? NaN : of(codelab) / of(spill);
  const report: ReactionBenchReport = {
    settings: {
      runs,
      lowRps: LOW_RPS,
      highRps: HIGH_RPS,
      thresholds: THRESHOLDS,
      settledShare: SETTLED_SHARE,
      settledWindowMs: SETTLED_WINDOW_MS,
      minHoldSeconds: MIN_HOLD_SECONDS,
      holdAfterSettledExtraSeconds: HOLD_EXTRA_SECONDS,
    },
    configurations,
    ratios: { upP50: ratio((c) => c.up.p50), downP50: ratio((c) => c.down.p50) },
    target: {
      upMs: TARGET_UP_MS,
      rateWindowSeconds: CONFIGURATIONS[0].rateWindowSeconds,
      scrapeIntervalSeconds: SCRAPE_SECONDS,
      met: spill !== undefined && spill.up.p50 <= TARGET_UP_MS,
    },
  };
  process.stdout.write(args.includes('--json') ? `${JSON.stringify(report)}\n` : `${formatReport(report)}\n`);
  // A point not found leaves a hole in the breakdown, not in the reaction times: said, not fatal.
  for (const problem of missingPoints(report)) progress(`warning: ${problem}`);
  return 0;
}

await runBenchProgram('reaction', async () => {
  try {
    return await main();
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`bench:reaction: ${err.message}\n${USAGE}\n`);
    return 2;
  }
});
