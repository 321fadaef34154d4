/**
 * What `npm run bench:reaction` reports (its `--json` object), how the steps' timelines are summed up, and
 * the table it prints. Durations are in ms in the JSON (null when a point was not found), in s in the table.
 */
import { fixed, table } from '../support/report-table.js';
import { spread as spreadOf, type Spread as SpreadOf } from '../support/spread.js';
import { POINTS, type Point, type StepTimeline } from './reaction-step.js';

/** n, min, p50, max over the runs (NaN/null when none). */
export type Spread = SpreadOf<'p50'>;
export const spread = (values: readonly number[]): Spread =>
  spreadOf(
    values.filter((v) => Number.isFinite(v)),
    { p50: 0.5 },
  );

/** The stages of a step: each from the previous point to its own (the first from the step). */
export const STAGES: Readonly<Record<Point, string>> = {
  scrape: 'scrape: step → the rate query crosses the threshold (Prometheus)',
  decide: 'decide: → the decider read that rate (its decision)',
  publish: 'publish: → Pub/Sub accepted the decision (decider log)',
  deliver: 'deliver: → the applier received it (its log − latencyMs)',
  patch: 'patch: → the VirtualService write seen on a watch',
  firstResult: 'mesh: → the first result from the new cluster',
  settled: '95 %: → from here ≥ 95 % of the next 1 s from it',
};

export interface ConfigurationReport {
  name: string;
  rateWindowSeconds: number;
  scrapeIntervalSeconds: number;
  decideEverySeconds: number;
  pubsub: 'emulator' | 'direct';
  query: string;
  /** Every step measured, in order: up, down, up, down… */
  steps: StepTimeline[];
  /** Step → settled, ms. */
  up: Spread;
  down: Spread;
  /** Per direction and stage: the stage's duration (ms) over the runs. */
  breakdown: { up: Record<Point, Spread>; down: Record<Point, Spread> };
}

export interface ReactionBenchReport {
  settings: {
    runs: number;
    lowRps: number;
    highRps: number;
    thresholds: { high: number; low: number };
    settledShare: number;
    settledWindowMs: number;
    /** Before a step, the load stayed at least this long at its rate … */
    minHoldSeconds: number;
    /** … and the results were settled for at least the rate window plus this. */
    holdAfterSettledExtraSeconds: number;
  };
  configurations: ConfigurationReport[];
  /** The codelab's configuration's p50 over Spillway's (how many times longer it takes). */
  ratios: { upP50: number; downP50: number };
  /** The target: up within `upMs` (p50) with Spillway's window and scrape. */
  target: { upMs: number; rateWindowSeconds: number; scrapeIntervalSeconds: number; met: boolean };
}

/** The duration of each stage of one step: each point minus the one before it (the step first). */
export function stageDurations(step: StepTimeline): Record<Point, number> {
  let previous = step.step;
  const durations = {} as Record<Point, number>;
  for (const point of POINTS) {
    const at = step.points[point];
    durations[point] = at - previous;
    if (Number.isFinite(at)) previous = at;
  }
  return durations;
}

export function summarize(
  settings: Omit<ConfigurationReport, 'up' | 'down' | 'breakdown'>,
): ConfigurationReport {
  const of = (direction: 'up' | 'down') => settings.steps.filter((s) => s.direction === direction);
  const totals = (direction: 'up' | 'down') => spread(of(direction).map((s) => s.points.settled - s.step));
  const breakdown = (direction: 'up' | 'down') =>
    Object.fromEntries(
      POINTS.map((point) => [point, spread(of(direction).map((s) => stageDurations(s)[point]))]),
    ) as Record<Point, Spread>;
  return {
    ...settings,
    up: totals('up'),
    down: totals('down'),
    breakdown: { up: breakdown('up'), down: breakdown('down') },
  };
}

/** Points not found, per configuration and step: the breakdown is incomplete there. */
export function missingPoints(report: ReactionBenchReport): string[] {
  return report.configurations.flatMap((c) =>
    c.steps.flatMap((s, i) => {
      const missing = POINTS.filter((p) => !Number.isFinite(s.points[p]));
      return missing.length === 0
        ? []
        : [`${c.name} step ${i + 1} (${s.direction}): no ${missing.join(', ')}`];
    }),
  );
}

const seconds = (ms: number): string => fixed(ms / 1000, 2);

function breakdownTable(c: ConfigurationReport, direction: 'up' | 'down'): string[] {
  const total = direction === 'up' ? c.up : c.down;
  return table(
    ['', 'n', 'p50 s', 'max s'],
    [
      ...POINTS.map((point) => {
        const s = c.breakdown[direction][point];
        return [STAGES[point], String(s.n), seconds(s.p50), seconds(s.max)];
      }),
      ['total: step → 95 %', String(total.n), seconds(total.p50), seconds(total.max)],
    ],
  );
}

export function formatReport(r: ReactionBenchReport): string {
  const s = r.settings;
  const spill = r.configurations[0];
  const lines = [
    `reaction: load ${s.lowRps} → ${s.highRps} req/s (up) and back (down), ${s.runs} run(s) per configuration; ` +
      `done at the point from which ≥ ${s.settledShare * 100} % of the next ${s.settledWindowMs / 1000} s's ` +
      `results come from the new cluster; threshold policy: above ${s.thresholds.high} req/s burst, below ` +
      `${s.thresholds.low} primary; each step after ≥ ${s.minHoldSeconds} s at the rate (and the rate window ` +
      `+ ${s.holdAfterSettledExtraSeconds} s settled)`,
    '',
    ...table(
      [
        'configuration',
        'rate window',
        'scrape',
        'decider every',
        'pubsub',
        'up p50 s',
        'up max s',
        'down p50 s',
        'down max s',
      ],
      r.configurations.map((c) => [
        c.name,
        `${c.rateWindowSeconds} s`,
        `${c.scrapeIntervalSeconds} s`,
        `${c.decideEverySeconds} s`,
        c.pubsub,
        seconds(c.up.p50),
        seconds(c.up.max),
        seconds(c.down.p50),
        seconds(c.down.max),
      ]),
    ),
    '',
    `codelab / spillway, p50: up ${fixed(r.ratios.upP50, 2)}×, down ${fixed(r.ratios.downP50, 2)}×`,
    `target: up ≤ ${r.target.upMs / 1000} s with a ${r.target.rateWindowSeconds} s window and ` +
      `${r.target.scrapeIntervalSeconds} s scrape (p50): ${spill === undefined ? '-' : seconds(spill.up.p50)} s ` +
      `${r.target.met ? 'ok' : 'FAIL'} (max ${spill === undefined ? '-' : seconds(spill.up.max)} s)`,
  ];
  for (const c of r.configurations)
    for (const direction of ['up', 'down'] as const)
      lines.push(
        '',
        `${c.name}, ${direction} (${c.rateWindowSeconds} s window): each stage from the previous point`,
        ...breakdownTable(c, direction),
      );
  return lines.join('\n');
}
