/**
 * What `npm run bench:decider` reports (its `--json` object) and how it prints it as a table.
 * Every duration is in milliseconds, every memory figure in MiB (1 MiB = 1024 KiB of VmRSS).
 */
import { fixed, minP50MaxTable, table } from '../support/report-table.js';
import { spread as spreadOf, type Spread as SpreadOf } from '../support/spread.js';

/** The spread of some samples: n, min, p50, p99, max (with few samples p99 is the largest). */
export type Spread = SpreadOf<'p50' | 'p99'>;

export const spread = (values: readonly number[]): Spread => spreadOf(values, { p50: 0.5, p99: 0.99 });

/** One cold start: spawn → port accepting connections → first answer of POST / (first tick included). */
export interface ColdStartRun {
  listenMs: number;
  firstAnswerMs: number;
  rssAfterFirstCallMiB: number;
}

/** Whether what was published arrived, exactly once, on the subscription. */
export interface DeliveryCounts {
  /** Calls or ticks made, warm-up included. */
  calls: number;
  publish: number;
  hold: number;
  /** From the rates the bench set: a tick publishes when the rate crossed to the other side. */
  expectedPublish: number;
  expectedHold: number;
  /** Answers other than 200, or decisions not `published: true` when published. */
  failed: number;
  receivedOnce: number;
  duplicates: number;
  missing: number;
  /** Deliveries of decisions nobody published in this run. */
  unexpected: number;
}

export interface DeciderBenchReport {
  settings: {
    coldStarts: number;
    ticks: number;
    warmupCalls: number;
    highRps: number;
    lowRps: number;
    policy: { kind: 'threshold'; high: number; low: number };
    query: string;
    scrapeIntervalSeconds: number;
    entry: string;
  };
  coldStart: {
    runs: ColdStartRun[];
    listenMs: Spread;
    firstAnswerMs: Spread;
    rssAfterFirstCallMiB: Spread;
  };
  /** The warm instance's VmRSS after its warm-up calls, and after the measured ticks. */
  memory: { rssAfterWarmupMiB: number; rssAfterTicksMiB: number };
  warm: {
    /** POST / → whole answer, as Cloud Scheduler sees it, publishing and holding ticks apart. */
    functionCall: { publish: Spread; hold: Spread };
    /** The tick's `elapsedMs` in the function's log line (whole ms): read + decide + publish inside it. */
    functionTick: { publish: Spread; hold: Spread };
    /** The decider's tick code run in the bench process, its parts timed. */
    inProcess: { read: Spread; decide: Spread; publish: Spread; tick: Spread };
    /** From the function's answer to the pull subscriber's receipt (negative: it arrived first). */
    deliveryMs: Spread;
    /** From sending POST / to the pull subscriber's receipt. */
    callToReceiptMs: Spread;
  };
  baseline: { prometheusQueryMs: Spread; pubsubPublishMs: Spread };
  ratios: {
    /** p50 of a publishing function call / (p50 bare query + p50 bare publish). */
    functionCallToBare: number;
    /** p50 of a publishing in-process tick / (p50 bare query + p50 bare publish). */
    inProcessTickToBare: number;
  };
  counts: {
    coldStarts: DeliveryCounts;
    function: DeliveryCounts;
    inProcess: DeliveryCounts;
    bareQueries: number;
    barePublishes: number;
    /** Messages on the subscriptions that were not valid decisions. */
    invalidMessages: number;
  };
}

/** Whether every count matches: each call answered, each decision as expected, received exactly once. */
export function countsProblems(report: DeciderBenchReport): string[] {
  const problems: string[] = [];
  for (const [name, c] of Object.entries({
    'cold starts': report.counts.coldStarts,
    function: report.counts.function,
    'in-process': report.counts.inProcess,
  })) {
    if (c.failed > 0) problems.push(`${name}: ${c.failed} call(s) failed`);
    if (c.publish !== c.expectedPublish || c.hold !== c.expectedHold)
      problems.push(
        `${name}: ${c.publish} publish / ${c.hold} hold, expected ${c.expectedPublish} / ${c.expectedHold}`,
      );
    if (c.receivedOnce !== c.publish || c.duplicates + c.missing + c.unexpected > 0)
      problems.push(
        `${name}: of ${c.publish} published, ${c.receivedOnce} received once, ${c.duplicates} more than ` +
          `once, ${c.missing} missing; ${c.unexpected} unexpected`,
      );
  }
  if (report.counts.invalidMessages > 0) problems.push(`${report.counts.invalidMessages} invalid message(s)`);
  return problems;
}

const p50p99 = (label: string, s: Spread): string[] => [label, String(s.n), fixed(s.p50), fixed(s.p99)];

export function formatReport(r: DeciderBenchReport): string {
  const { settings: s, warm: w } = r;
  const c = r.counts;
  const received = (name: string, d: DeliveryCounts): string =>
    `${name}: ${d.publish} published (expected ${d.expectedPublish}), ${d.hold} held (expected ` +
    `${d.expectedHold}), ${d.receivedOnce} received once, ${d.duplicates} twice or more, ${d.missing} ` +
    `missing, ${d.unexpected} unexpected, ${d.failed} failed`;
  return [
    `decider: functions-framework --target=decide on ${s.entry}; threshold ${s.policy.high}/${s.policy.low}, ` +
      `rate alternating ${s.highRps}/${s.lowRps} req/s; Prometheus scraping every ${s.scrapeIntervalSeconds} s; ` +
      `Pub/Sub emulator`,
    '',
    `cold start, ${s.coldStarts} run(s)`,
    ...minP50MaxTable([
      ['spawn → listening, ms', r.coldStart.listenMs],
      ['spawn → first answer (first tick), ms', r.coldStart.firstAnswerMs],
      ['RSS after the first call, MiB', r.coldStart.rssAfterFirstCallMiB],
    ]),
    '',
    `warm instance: RSS ${fixed(r.memory.rssAfterWarmupMiB)} MiB after ${s.warmupCalls} warm-up calls, ` +
      `${fixed(r.memory.rssAfterTicksMiB)} MiB after ${s.ticks} more`,
    '',
    `warm ticks, ${s.ticks} (ms)`,
    ...table(
      ['', 'n', 'p50', 'p99'],
      [
        p50p99('function: POST / → answer, publishing', w.functionCall.publish),
        p50p99('function: POST / → answer, holding', w.functionCall.hold),
        p50p99('function: tick in its log, publishing', w.functionTick.publish),
        p50p99('function: tick in its log, holding', w.functionTick.hold),
        p50p99('in-process: read (Prometheus query)', w.inProcess.read),
        p50p99('in-process: decide (policy, message, log)', w.inProcess.decide),
        p50p99('in-process: publish (until confirmed)', w.inProcess.publish),
        p50p99('in-process: whole tick, publishing', w.inProcess.tick),
        p50p99('delivery: answer → pull subscriber', w.deliveryMs),
        p50p99('delivery: POST / sent → pull subscriber', w.callToReceiptMs),
        p50p99('baseline: bare Prometheus query (fetch)', r.baseline.prometheusQueryMs),
        p50p99('baseline: bare publish (@google-cloud/pubsub)', r.baseline.pubsubPublishMs),
      ],
    ),
    '',
    `function call / (bare query + bare publish), p50s     ${fixed(r.ratios.functionCallToBare, 2)}`,
    `in-process tick / (bare query + bare publish), p50s   ${fixed(r.ratios.inProcessTickToBare, 2)}`,
    '',
    received(`cold starts, ${c.coldStarts.calls} first call(s)`, c.coldStarts),
    received(`function, ${c.function.calls} calls (${s.warmupCalls} warm-up)`, c.function),
    received(`in-process, ${c.inProcess.calls} ticks (${s.warmupCalls} warm-up)`, c.inProcess),
  ].join('\n');
}

/** Tallies one caller's decisions against what the rates it saw should give (threshold: a crossing publishes). */
export class DecisionTally {
  calls = 0;
  publish = 0;
  hold = 0;
  expectedPublish = 0;
  expectedHold = 0;
  failed = 0;
  /** The ids of the decisions published, to look for on the subscription. */
  readonly ids: string[] = [];
  /** The side of the thresholds of the last decision published; undefined: a new instance. */
  lastPublished: 'high' | 'low' | undefined;

  /** One call on `side`: its action and decision id, and whether it answered as it should. */
  record(side: 'high' | 'low', action: string | undefined, id: string | undefined, ok: boolean): void {
    this.calls += 1;
    if (side !== this.lastPublished) this.expectedPublish += 1;
    else this.expectedHold += 1;
    if (!ok || action === undefined) {
      this.failed += 1;
    } else if (action === 'publish') {
      this.publish += 1;
      if (id !== undefined) this.ids.push(id);
      this.lastPublished = side;
    } else {
      this.hold += 1;
    }
  }

  counts(
    received: Pick<DeliveryCounts, 'receivedOnce' | 'duplicates' | 'missing' | 'unexpected'>,
  ): DeliveryCounts {
    const { calls, publish, hold, expectedPublish, expectedHold, failed } = this;
    return { calls, publish, hold, expectedPublish, expectedHold, failed, ...received };
  }
}
