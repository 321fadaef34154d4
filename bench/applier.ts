/**
 * `npm run bench:applier`: the applier function against real parts — the local control plane (the
 * Kubernetes API, watched), the real Pub/Sub emulator with push subscriptions. In one run it measures the
 * cold start of `functions-framework --target=apply` on the built code (BENCH_COLD_STARTS times: spawn →
 * the first decision written), the warm path end to end (BENCH_MESSAGES decisions, each flipping the
 * weights: publish → the write seen on a watch of the VirtualService), the applier's own `latencyMs`, its
 * memory, the applier's code in this process, and as the baseline a bare @kubernetes/client-node get + JSON
 * patch. See docs/bench.md.
 * `--json` prints one JSON object on stdout; progress goes to stderr.
 */
import { formatTarget } from '../core/decision/message.js';
import { defer } from './support/cleanup.js';
import { runFunctionBench, type Progress } from './support/function-bench.js';
import { measureColdStarts } from './servers/applier-cold.js';
import { countsProblems, formatReport, spread, type ApplierBenchReport } from './servers/applier-report.js';
import { startApplierBenchStack, TARGET } from './servers/applier-stack.js';
import { tally } from './servers/applier-tally.js';
import { measureWarm, WARMUP_MESSAGES } from './servers/applier-warm.js';
import { watchVirtualService } from './servers/applier-watch.js';

async function measure(
  { coldStarts, messages }: { coldStarts: number; messages: number },
  progress: Progress,
): Promise<ApplierBenchReport> {
  progress('starting the control plane and the Pub/Sub emulator');
  const stack = await startApplierBenchStack(defer);
  const watch = await watchVirtualService(stack.controlPlane.url, TARGET);
  defer(() => Promise.resolve(watch.close()));

  const cold = await measureColdStarts(stack, watch, coldStarts, progress);
  const warm = await measureWarm(stack, watch, messages, defer, progress);
  const { writesAt } = warm;
  return {
    settings: {
      coldStarts,
      messages,
      warmupMessages: WARMUP_MESSAGES,
      entry: 'dist/functions/index.js',
      target: formatTarget(TARGET),
      weights: 'alternating 100/0 and 0/100 (every decision changes them)',
    },
    coldStart: {
      runs: cold.runs,
      listenMs: spread(cold.runs.map((r) => r.listenMs)),
      firstWriteMs: spread(cold.runs.map((r) => r.firstWriteMs).filter(Number.isFinite)),
      firstLoggedMs: spread(cold.runs.map((r) => r.firstLoggedMs).filter(Number.isFinite)),
      publishToWriteMs: spread(cold.runs.map((r) => r.publishToWriteMs).filter(Number.isFinite)),
      loggedLatencyMs: spread(cold.runs.map((r) => r.loggedLatencyMs).filter(Number.isFinite)),
      rssAfterFirstMessageMiB: spread(cold.runs.map((r) => r.rssAfterFirstMessageMiB)),
    },
    memory: { rssAfterWarmupMiB: warm.rssAfterWarmupMiB, rssAfterMessagesMiB: warm.rssAfterMessagesMiB },
    warm: {
      publishToWriteMs: spread(warm.publishToWrite),
      publishedToWriteMs: spread(warm.publishedToWrite),
      publishToLoggedMs: spread(warm.publishToLogged),
      publishCallMs: spread(warm.publishCall),
      loggedLatencyMs: spread(warm.loggedLatency),
      inProcessHandleMs: spread(warm.inProcessHandle),
    },
    baseline: {
      getPatchMs: spread(warm.bareGetPatch),
      getMs: spread(warm.bareGet),
      patchMs: spread(warm.barePatch),
    },
    ratios: {
      loggedLatencyToBare: spread(warm.loggedLatency).p50 / spread(warm.bareGetPatch).p50,
      inProcessToBare: spread(warm.inProcessHandle).p50 / spread(warm.bareGetPatch).p50,
    },
    counts: {
      coldStarts: tally(cold.lines, cold.messageIds, writesAt.start),
      warmup: tally(warm.lines, warm.warmupMessageIds, writesAt.measured - writesAt.start, warm.messageIds),
      messages: tally(warm.lines, warm.messageIds, writesAt.end - writesAt.measured, warm.warmupMessageIds),
      bareWrites: warm.bareWrites,
      inProcessApplied: warm.inProcessApplied,
    },
  };
}

await runFunctionBench({
  name: 'applier',
  counts: { coldStarts: ['BENCH_COLD_STARTS', 5], messages: ['BENCH_MESSAGES', 50] },
  measure,
  formatReport,
  countsProblems,
});
