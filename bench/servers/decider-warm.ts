/**
 * The warm part of `npm run bench:decider`: one function instance, warmed up, then ticked BENCH_TICKS times
 * with the rate alternating across the thresholds (every 5th tick on the same side, so it holds). Each
 * round also runs one in-process tick (its parts timed), one bare Prometheus query and one bare publish,
 * in a rotating order so that none is always first. Each published decision is awaited on its pull
 * subscription before the next step, so no delivery overlaps another measurement.
 */
import { until } from '../../local/test-support/wait.js';
import { post, startDeciderFunction, type CallAnswer } from './decider-function.js';
import { bareQuery, barePublisher, inProcessDecider } from './decider-parts.js';
import { DecisionTally } from './decider-report.js';
import { QUERY, TOPICS, type BenchStack, type Side } from './decider-stack.js';

export const WARMUP_CALLS = 3;
export const RECEIPT_TIMEOUT_MS = 10_000;

export interface WarmSamples {
  rssAfterWarmupMiB: number;
  rssAfterTicksMiB: number;
  /** POST / → whole answer, publishing and holding ticks. */
  callPublish: number[];
  callHold: number[];
  /** `elapsedMs` of the function's log line of each measured tick. */
  loggedPublish: number[];
  loggedHold: number[];
  /** Answer → receipt, and POST sent → receipt, of each published decision. */
  delivery: number[];
  callToReceipt: number[];
  read: number[];
  decide: number[];
  /** Publishing in-process ticks only. */
  publish: number[];
  tick: number[];
  bareQuery: number[];
  barePublish: number[];
  function: DecisionTally;
  inProcess: DecisionTally;
}

export const decisionOf = (a: CallAnswer) => (a.status === 200 ? a.body.decisions?.[0] : undefined);
/** A 200 with a decision, published when it says publish. */
export const answeredOk = (a: CallAnswer): boolean => {
  const d = decisionOf(a);
  return d !== undefined && (d.action !== 'publish' || d.published === true);
};

export async function measureWarm(
  stack: BenchStack,
  ticks: number,
  defer: (stop: () => Promise<unknown>) => void,
  progress: (text: string) => void,
): Promise<WarmSamples> {
  const { receiver } = stack;
  const fn = await startDeciderFunction(stack.envFor(TOPICS.warm));
  defer(() => fn.stop());
  const inProcess = inProcessDecider({ ...stack.envFor(TOPICS.inProcess), LOG_LEVEL: 'info' });
  defer(() => inProcess.close());
  const bare = barePublisher(stack.pubsub, TOPICS.bare, QUERY);
  defer(() => bare.close());
  const s: WarmSamples = {
    rssAfterWarmupMiB: NaN,
    rssAfterTicksMiB: NaN,
    ...{ callPublish: [], callHold: [], loggedPublish: [], loggedHold: [], delivery: [], callToReceipt: [] },
    ...{ read: [], decide: [], publish: [], tick: [], bareQuery: [], barePublish: [] },
    function: new DecisionTally(),
    inProcess: new DecisionTally(),
  };
  const calls: CallAnswer[] = [];

  const round = async (i: number, side: Side, measured: boolean): Promise<void> => {
    const ops = [
      async () => {
        const answer = await post(fn.url);
        calls.push(answer);
        const d = decisionOf(answer);
        s.function.record(side, d?.action, d?.id, answeredOk(answer));
        if (d?.action === 'publish' && d.id !== undefined) {
          await receiver.waitFor([d.id], RECEIPT_TIMEOUT_MS);
          const at = receiver.receipt(d.id)?.receivedAt[0];
          if (measured && at !== undefined) {
            s.delivery.push(at - answer.answeredAt);
            s.callToReceipt.push(at - answer.sentAt);
          }
        }
        if (measured)
          (d?.action === 'publish' ? s.callPublish : s.callHold).push(answer.answeredAt - answer.sentAt);
      },
      async () => {
        const tick = await inProcess.tick();
        const d = tick.decision;
        s.inProcess.record(side, d.action, d.id, d.action !== 'publish' || d.published === true);
        if (d.action === 'publish' && d.id !== undefined) await receiver.waitFor([d.id], RECEIPT_TIMEOUT_MS);
        if (!measured) return;
        s.read.push(tick.readMs);
        s.decide.push(tick.decideMs);
        if (d.action === 'publish') {
          s.publish.push(tick.publishMs);
          s.tick.push(tick.totalMs);
        }
      },
      async () => {
        const ms = await bareQuery(stack.prometheus.url, QUERY);
        if (measured) s.bareQuery.push(ms);
      },
      async () => {
        const ms = await bare.publish();
        if (measured) s.barePublish.push(ms);
      },
    ];
    for (let k = 0; k < ops.length; k++) await ops[(i + k) % ops.length]?.();
  };

  progress(`warm instance: ${WARMUP_CALLS} warm-up calls, then ${ticks} measured ticks`);
  for (let i = 0; i < WARMUP_CALLS; i++) await round(i, stack.side() ?? 'high', false);
  s.rssAfterWarmupMiB = fn.rssMiB();
  for (let i = 0; i < ticks; i++) {
    const current = stack.side() ?? 'high';
    const next: Side = i % 5 === 4 ? current : current === 'high' ? 'low' : 'high';
    if (next !== stack.side()) await stack.setSide(next);
    await round(i, next, true);
    if ((i + 1) % 10 === 0 || i + 1 === ticks) progress(`  ${i + 1}/${ticks} ticks`);
  }
  s.rssAfterTicksMiB = fn.rssMiB();

  // The function's own tick time: its log line of each tick (`elapsedMs`), in the order of the calls.
  const tickLines = (): Record<string, unknown>[] =>
    fn
      .logLines()
      .map((l) => l.fields)
      .filter((l) => typeof l['elapsedMs'] === 'number' && typeof l['tick'] === 'number');
  await until(() => tickLines().length >= calls.length, 5000).catch(() => undefined);
  tickLines().forEach((line, k) => {
    const call = calls[k];
    const d = k >= WARMUP_CALLS && call !== undefined ? decisionOf(call) : undefined;
    if (d !== undefined && d.cause === line['cause'])
      (d.action === 'publish' ? s.loggedPublish : s.loggedHold).push(line['elapsedMs'] as number);
  });
  await fn.stop();
  return s;
}
