/**
 * One load step of `npm run bench:reaction` on a running local stack, and where its time went: the step
 * (POST /api/rate), the rate query crossing the threshold in Prometheus, the decider reading it, Pub/Sub
 * accepting the decision, the applier receiving it, the VirtualService write seen on a watch, the first
 * result from the new cluster, and the point from which ≥ 95 % of the next second's results come from it. Every point is in ms since
 * the epoch (one clock: this process, the logs and Prometheus run on one machine).
 */
import { sameWeights, type Weights } from '../../core/weights.js';
import { setRate } from '../../local/stack/e2e-drive.js';
import { readLog, type LogLine } from '../../local/stack/e2e-logs.js';
import { firstOf, firstSettledFrom, type ResultStream } from '../../local/stack/e2e-results.js';
import type { StackFile } from '../../local/stack/stack-file.js';
import { sleep } from '../../local/test-support/wait.js';
import type { Origin } from '../../services/frontend/origin.js';
import type { VirtualServiceWatch } from './applier-watch.js';

/** What each direction steps to, and what it waits for. */
export interface Direction {
  readonly name: 'up' | 'down';
  readonly rps: number;
  readonly origin: Origin;
  readonly weights: Readonly<Weights>;
  /** The decider's threshold the rate must cross (the stack's codelab policy: above 15, below 10). */
  readonly crosses: (rps: number) => boolean;
}

/** The points of one step's timeline, in order; each is ms since the epoch, NaN when it was not found. */
export const POINTS = ['scrape', 'decide', 'publish', 'deliver', 'patch', 'firstResult', 'settled'] as const;
export type Point = (typeof POINTS)[number];

export interface StepTimeline {
  readonly direction: Direction['name'];
  /** When POST /api/rate was sent. */
  readonly step: number;
  readonly points: Readonly<Record<Point, number>>;
}

/** From the 95 % point on, ≥ SETTLED_SHARE of the next SETTLED_WINDOW_MS's results come from the new cluster. */
export const SETTLED_SHARE = 0.95;
export const SETTLED_WINDOW_MS = 1000;
/** Prometheus evaluates the query every 100 ms over the step: the crossing is placed at its scrape. */
const QUERY_RESOLUTION_S = 0.1;
/** How long the log lines of a step may take to be written after it settled. */
const LOG_WAIT_MS = 5000;

export interface StepContext {
  readonly stack: StackFile;
  readonly results: ResultStream;
  readonly watch: VirtualServiceWatch;
  /** A step that has not settled by then fails the bench. */
  readonly timeoutMs: number;
}

/** The first time in [from, to] at which the stack's rate query satisfies `crosses` (query_range). */
async function firstCrossing(stack: StackFile, from: number, to: number, crosses: (v: number) => boolean) {
  const query = new URLSearchParams({
    query: stack.decider.query,
    start: (from / 1000).toFixed(3),
    end: (to / 1000).toFixed(3),
    step: String(QUERY_RESOLUTION_S),
  });
  const answer = await fetch(new URL(`api/v1/query_range?${query.toString()}`, stack.prometheus.url), {
    signal: AbortSignal.timeout(10_000),
  });
  if (!answer.ok) throw new Error(`Prometheus query_range answered ${answer.status}: ${await answer.text()}`);
  // I/O boundary: Prometheus' matrix answer.
  const body = (await answer.json()) as { data?: { result?: { values?: [number, string][] }[] } };
  const values = body.data?.result?.[0]?.values ?? [];
  const crossing = values.find(([, value]) => crosses(Number(value)));
  return crossing === undefined ? NaN : crossing[0] * 1000;
}

const weightsOf = (line: LogLine): Weights | undefined => {
  const w = line.fields['weights'] as Partial<Weights> | undefined;
  return typeof w?.primary === 'number' && typeof w.burst === 'number'
    ? { primary: w.primary, burst: w.burst }
    : undefined;
};

/** The decider's line of the decision published for this step, and the applier's line of its delivery. */
async function findLogLines(stack: StackFile, step: number, direction: Direction) {
  const deadline = Date.now() + LOG_WAIT_MS;
  for (;;) {
    const published = (await readLog(stack.logDir, 'decider')).find((line) => {
      const weights = weightsOf(line);
      return (
        line.time >= step &&
        line.fields['action'] === 'publish' &&
        typeof line.fields['messageId'] === 'string' &&
        weights !== undefined &&
        sameWeights(weights, direction.weights)
      );
    });
    const id = published?.fields['id'];
    const applied =
      id === undefined
        ? undefined
        : (await readLog(stack.logDir, 'applier')).find((line) => line.fields['id'] === id);
    if ((published !== undefined && applied !== undefined) || Date.now() > deadline)
      return { published, applied };
    await sleep(200);
  }
}

const numberOr = (value: unknown, fallback = NaN): number => (typeof value === 'number' ? value : fallback);

/** Steps the load to `direction.rps`, waits until the results settled on the new cluster, and times it. */
export async function measureStep(context: StepContext, direction: Direction): Promise<StepTimeline> {
  const { stack, results, watch } = context;
  const from = results.count();
  const writesFrom = watch.writes().length;
  const { sentAt: step } = await setRate(stack, direction.rps);
  const settled = await results.waitForShare(
    from,
    direction.origin,
    SETTLED_SHARE,
    { ms: SETTLED_WINDOW_MS },
    context.timeoutMs,
  );
  // The 95 % point is where the results had moved: from it on, the next second's are ≥ 95 % from the new
  // cluster. (The window that just settled ends a second later: its old results had to age out first.)
  await sleep(SETTLED_WINDOW_MS + 200);
  const movedAt =
    firstSettledFrom(results.results, from, direction.origin, SETTLED_SHARE, SETTLED_WINDOW_MS)?.at ??
    settled.at;
  const firstResult = firstOf(results.results, from, direction.origin)?.at ?? NaN;
  const write = await watch.next(
    writesFrom,
    (w) => w.weights !== undefined && sameWeights(w.weights, direction.weights),
    LOG_WAIT_MS,
  );
  const { published, applied } = await findLogLines(stack, step, direction);
  const observed = published?.fields['observed'] as { at?: unknown } | undefined;
  const deliveredAt =
    applied === undefined ? NaN : applied.time - numberOr(applied.fields['latencyMs'], Number.NaN);
  return {
    direction: direction.name,
    step,
    points: {
      scrape: await firstCrossing(stack, step, settled.at, direction.crosses),
      decide: typeof observed?.at === 'string' ? Date.parse(observed.at) : NaN,
      publish: published?.time ?? NaN,
      deliver: deliveredAt,
      patch: write === undefined ? NaN : performance.timeOrigin + write.at,
      firstResult,
      settled: movedAt,
    },
  };
}
