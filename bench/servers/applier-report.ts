/**
 * What `npm run bench:applier` reports (its `--json` object) and how it prints it as a table.
 * Every duration is in milliseconds, every memory figure in MiB (1 MiB = 1024 KiB of VmRSS).
 */
import { fixed, minP50MaxTable, table } from '../support/report-table.js';
import { spread as spreadOf, type Spread as SpreadOf } from '../support/spread.js';

/** The spread of some samples: n, min, p50, p95, max. */
export type Spread = SpreadOf<'p50' | 'p95'>;

export const spread = (values: readonly number[]): Spread => spreadOf(values, { p50: 0.5, p95: 0.95 });

/** One cold start: spawn → port accepting connections → the first message's write seen on the watch. */
export interface ColdStartRun {
  listenMs: number;
  /** From the spawn to the watch event of the first message's write. */
  firstWriteMs: number;
  /** From the spawn to the function's log line of that delivery (printed just before it answers the push). */
  firstLoggedMs: number;
  /** From the publish (sent at "listening") to that watch event. */
  publishToWriteMs: number;
  /** The `latencyMs` of the function's log line for that message. */
  loggedLatencyMs: number;
  rssAfterFirstMessageMiB: number;
}

/** What became of the messages of one phase, from the function's log lines and the watch. */
export interface ApplyCounts {
  /** Messages published (one decision each, every one changing the weights). */
  published: number;
  /** Log lines with outcome `applied` for those messages. */
  applied: number;
  /** Deliveries logged as `duplicate` (a redelivery of a message already applied). */
  duplicate: number;
  /** Log lines with any other outcome (failed, rejected, invalid, stale, unchanged…). */
  failed: number;
  /** Published messages that no log line mentions (within the wait). */
  missing: number;
  /** Log lines naming messages nobody published in this phase. */
  unexpected: number;
  /** New resourceVersions of the VirtualService seen on the watch during the phase. */
  writes: number;
}

export interface ApplierBenchReport {
  settings: {
    coldStarts: number;
    messages: number;
    warmupMessages: number;
    entry: string;
    target: string;
    weights: string;
  };
  coldStart: {
    runs: ColdStartRun[];
    listenMs: Spread;
    firstWriteMs: Spread;
    firstLoggedMs: Spread;
    publishToWriteMs: Spread;
    loggedLatencyMs: Spread;
    rssAfterFirstMessageMiB: Spread;
  };
  /** The warm instance's VmRSS after its warm-up messages, and after the measured ones. */
  memory: { rssAfterWarmupMiB: number; rssAfterMessagesMiB: number };
  warm: {
    /** From the publish call's start to the watch event of the write. */
    publishToWriteMs: Spread;
    /** From the emulator's answer to the publish to that watch event. */
    publishedToWriteMs: Spread;
    /** From the publish call's start to the function's log line of the delivery (just before it answers). */
    publishToLoggedMs: Spread;
    /** The publish call itself (REST, until the emulator answered its message id). */
    publishCallMs: Spread;
    /** The `latencyMs` of the function's log line: read, rules, patch inside the function. */
    loggedLatencyMs: Spread;
    /** The applier's code in the bench process: handle() of one decision, on its own copy. */
    inProcessHandleMs: Spread;
  };
  baseline: {
    /** A bare @kubernetes/client-node get + JSON patch of the two weights, from this process. */
    getPatchMs: Spread;
    getMs: Spread;
    patchMs: Spread;
  };
  ratios: {
    /** p50 of the function's logged latencyMs / p50 of the bare get + patch. */
    loggedLatencyToBare: number;
    /** p50 of the in-process handle() / p50 of the bare get + patch. */
    inProcessToBare: number;
  };
  counts: {
    coldStarts: ApplyCounts;
    warmup: ApplyCounts;
    messages: ApplyCounts;
    /** Bare get + patch rounds that wrote (a new resourceVersion answered). */
    bareWrites: number;
    /** In-process handle() calls that wrote with outcome `applied`. */
    inProcessApplied: number;
  };
}

/** Whether every count matches: N published, N applied, none duplicate, failed or missing, N writes. */
export function countsProblems(report: ApplierBenchReport): string[] {
  const problems: string[] = [];
  for (const [name, c] of Object.entries({
    'cold starts': report.counts.coldStarts,
    'warm-up': report.counts.warmup,
    messages: report.counts.messages,
  })) {
    if (
      c.applied !== c.published ||
      c.duplicate + c.failed + c.missing + c.unexpected > 0 ||
      c.writes !== c.published
    )
      problems.push(
        `${name}: ${c.published} published, ${c.applied} applied, ${c.duplicate} duplicate, ${c.failed} ` +
          `failed, ${c.missing} missing, ${c.unexpected} unexpected, ${c.writes} writes seen`,
      );
  }
  if (report.counts.bareWrites !== report.baseline.getPatchMs.n)
    problems.push(
      `baseline: ${report.counts.bareWrites} writes for ${report.baseline.getPatchMs.n} get + patch rounds`,
    );
  if (report.counts.inProcessApplied !== report.warm.inProcessHandleMs.n)
    problems.push(
      `in-process: ${report.counts.inProcessApplied} applied of ${report.warm.inProcessHandleMs.n} decisions`,
    );
  return problems;
}

const warmRow = (label: string, s: Spread): string[] => [
  label,
  String(s.n),
  fixed(s.p50),
  fixed(s.p95),
  fixed(s.max),
];

function countsLine(name: string, c: ApplyCounts): string {
  return (
    `${name}: ${c.published} published, ${c.applied} applied, ${c.duplicate} duplicate, ${c.failed} failed, ` +
    `${c.missing} missing, ${c.unexpected} unexpected; ${c.writes} writes seen on the watch`
  );
}

export function formatReport(r: ApplierBenchReport): string {
  const { settings: s, warm: w, counts: c } = r;
  return [
    `applier: functions-framework --target=apply on ${s.entry}; Pub/Sub emulator push subscription; ` +
      `local control plane; VirtualService ${s.target}, weights ${s.weights}`,
    '',
    `cold start, ${s.coldStarts} run(s)`,
    ...minP50MaxTable([
      ['spawn → listening, ms', r.coldStart.listenMs],
      ['spawn → first message written (watch), ms', r.coldStart.firstWriteMs],
      ['spawn → first delivery logged (answering), ms', r.coldStart.firstLoggedMs],
      ['publish (at listening) → written, ms', r.coldStart.publishToWriteMs],
      ['first message: latencyMs in its log', r.coldStart.loggedLatencyMs],
      ['RSS after the first message, MiB', r.coldStart.rssAfterFirstMessageMiB],
    ]),
    '',
    `warm instance: RSS ${fixed(r.memory.rssAfterWarmupMiB)} MiB after ${s.warmupMessages} warm-up ` +
      `messages, ${fixed(r.memory.rssAfterMessagesMiB)} MiB after ${s.messages} more`,
    '',
    `warm messages, ${s.messages} (ms)`,
    ...table(
      ['', 'n', 'p50', 'p95', 'max'],
      [
        warmRow('publish sent → written (watch event)', w.publishToWriteMs),
        warmRow('publish answered → written', w.publishedToWriteMs),
        warmRow('publish sent → delivery logged (answering)', w.publishToLoggedMs),
        warmRow('publish call (REST to the emulator)', w.publishCallMs),
        warmRow('applier: latencyMs in its log', w.loggedLatencyMs),
        warmRow('in-process applier: handle() → result', w.inProcessHandleMs),
        warmRow('baseline: bare get + JSON patch', r.baseline.getPatchMs),
        warmRow('baseline: bare get', r.baseline.getMs),
        warmRow('baseline: bare JSON patch', r.baseline.patchMs),
      ],
    ),
    '',
    `applier latencyMs / bare get + patch, p50s      ${fixed(r.ratios.loggedLatencyToBare, 2)}`,
    `in-process applier / bare get + patch, p50s     ${fixed(r.ratios.inProcessToBare, 2)}`,
    '',
    countsLine(`cold starts, ${s.coldStarts} first message(s)`, c.coldStarts),
    countsLine(`warm-up, ${s.warmupMessages} message(s)`, c.warmup),
    countsLine(`measured, ${s.messages} message(s)`, c.messages),
    `baseline: ${c.bareWrites} writes in ${r.baseline.getPatchMs.n} get + patch rounds; in-process applier: ` +
      `${c.inProcessApplied} applied of ${w.inProcessHandleMs.n}`,
  ].join('\n');
}
