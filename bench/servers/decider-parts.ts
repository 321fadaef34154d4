/**
 * The parts of one decider tick, measured in this process for `npm run bench:decider` (the function only
 * reports a whole tick): the decider's own tick code (`tickTarget`) with its real Prometheus source and its
 * real Pub/Sub publisher, each wrapped with a timer — and the baseline, a bare Prometheus instant query
 * with fetch and a bare publish with @google-cloud/pubsub, which the decider's figures are compared with.
 */
import { devNull } from 'node:os';
import type { PubSub, Topic } from '@google-cloud/pubsub';
import { pino } from 'pino';
import { encodeDecision } from '../../core/decision/codec.js';
import { loggerOptions } from '../../core/logger.js';
import type { PolicyState } from '../../core/policy/types.js';
import { loadDeciderConfig } from '../../functions/decider/load-config.js';
import { pubSubPublisher, type DecisionPublisher } from '../../functions/decider/publisher.js';
import { createSource, type MetricsSource } from '../../functions/decider/sources/index.js';
import { targetKey, tickTarget, type Decision } from '../../functions/decider/tick.js';

export interface TimedTick {
  decision: Decision;
  /** The source's read (the Prometheus query, answer parsed). */
  readMs: number;
  /** Until the emulator confirmed the publish; 0 on a hold. */
  publishMs: number;
  /** The rest of the tick: the policy, the message, the log line. */
  decideMs: number;
  totalMs: number;
}

export interface InProcessDecider {
  tick(): Promise<TimedTick>;
  close(): Promise<void>;
}

/**
 * The decider's first target, configured from `env` exactly as the function configures itself, ticked
 * with the function's own code; its log lines go to the null device at the configured level.
 */
export function inProcessDecider(env: Record<string, string>): InProcessDecider {
  const config = loadDeciderConfig(env);
  const target = config.targets[0];
  if (target === undefined) throw new Error('the decider configuration has no target');
  const source = createSource(target.source, config.project);
  const publisher = pubSubPublisher({
    topic: config.topic,
    ...(config.project === undefined ? {} : { project: config.project }),
    ...(config.pubsubEmulatorHost === undefined ? {} : { emulatorHost: config.pubsubEmulatorHost }),
    timeoutMs: config.publishTimeoutSeconds * 1000,
  });
  let readMs = 0;
  let publishMs = 0;
  const timedSource: MetricsSource = {
    name: source.name,
    query: source.query,
    async read(signal) {
      const started = performance.now();
      try {
        return await source.read(signal);
      } finally {
        readMs = performance.now() - started;
      }
    },
  };
  const timedPublisher: DecisionPublisher = {
    async publish(message) {
      const started = performance.now();
      try {
        return await publisher.publish(message);
      } finally {
        publishMs = performance.now() - started;
      }
    },
    close: () => publisher.close(),
  };
  const runtime = { target, key: targetKey(target), source: timedSource };
  const logger = pino(
    loggerOptions({ service: 'decider', level: config.logLevel }),
    pino.destination({ dest: devNull, sync: true }),
  );
  const states = new Map<string, PolicyState | undefined>();
  const lastPublished = new Map<string, Date>();
  const budgetMs = (config.functionTimeoutSeconds - config.safetyMarginSeconds) * 1000;
  let ticks = 0;
  return {
    async tick() {
      readMs = 0;
      publishMs = 0;
      const started = performance.now();
      const decision = await tickTarget(runtime, ++ticks, {
        states,
        lastPublished,
        resyncEveryMs: config.resyncEverySeconds * 1000,
        publisher: timedPublisher,
        clock: () => new Date(),
        logger,
        publishedIds: new Set(),
        signal: AbortSignal.timeout(budgetMs),
      });
      const totalMs = performance.now() - started;
      return { decision, readMs, publishMs, decideMs: totalMs - readMs - publishMs, totalMs };
    },
    close: () => publisher.close(),
  };
}

/** The bare Prometheus instant query: `GET /api/v1/query` with fetch, the JSON answer read. */
export async function bareQuery(prometheusUrl: string, query: string): Promise<number> {
  const url = new URL('/api/v1/query', prometheusUrl);
  url.searchParams.set('query', query);
  const started = performance.now();
  const answer = await fetch(url, {
    headers: { accept: 'application/json' },
    signal: AbortSignal.timeout(5000),
  });
  const body = (await answer.json()) as { status?: string };
  const ms = performance.now() - started;
  if (!answer.ok || body.status !== 'success')
    throw new Error(`the bare query answered ${answer.status}: ${JSON.stringify(body)}`);
  return ms;
}

export interface BarePublisher {
  /** One publish until the emulator confirmed it; answers its duration. */
  publish(): Promise<number>;
  close(): Promise<void>;
}

/**
 * The bare publish: @google-cloud/pubsub's publishMessage of a decision of the same size, with the topic
 * settings the decider uses (message ordering, one message per batch), and nothing else around it.
 */
export function barePublisher(pubsub: PubSub, topicName: string, query: string): BarePublisher {
  const topic: Topic = pubsub.topic(topicName, {
    messageOrdering: true,
    batching: { maxMessages: 1, maxMilliseconds: 1 },
  });
  const sample = encodeDecision({
    version: 1,
    id: '00000000-0000-4000-8000-000000000000',
    kind: 'auto',
    issuedAt: new Date().toISOString(),
    target: { namespace: 'default', virtualService: 'worker-virtual-service' },
    weights: { primary: 0, burst: 100 },
    reason: 'rate 30 req/s is above high 15 req/s: all traffic to burst',
    observed: { rps: 30, at: new Date().toISOString(), source: 'prometheus', query },
  });
  return {
    async publish() {
      const started = performance.now();
      await topic.publishMessage({
        data: sample.data,
        attributes: { ...sample.attributes },
        orderingKey: sample.orderingKey,
      });
      return performance.now() - started;
    },
    async close() {
      await topic.flush();
    },
  };
}
