/**
 * What `npm run bench:decider` runs the decider against: the tiny counter target the decider's tests use
 * (Istio's `istio_requests_total` with the codelab's labels), a real Prometheus scraping it every second,
 * the Pub/Sub emulator with one topic per kind of publisher and an ordered pull subscription on those whose
 * decisions are checked, and the streaming-pull receiver on them.
 */
import { PubSub } from '@google-cloud/pubsub';
import {
  rateQuery,
  startRequestCounter,
  WORKER_SERVICE,
} from '../../functions/decider/test-support/request-counter.js';
import { prometheusSource } from '../../functions/decider/sources/prometheus.js';
import { startPrometheus, type PrometheusServer } from '../../local/prometheus-server.js';
import {
  createPullSubscription,
  createTopic,
  startPubSubEmulator,
  type PubSubEmulator,
} from '../../local/pubsub-emulator.js';
import { until } from '../../local/test-support/wait.js';
import { startDecisionReceiver, type DecisionReceiver } from './decision-receiver.js';

/** The out-of-the-box threshold policy's thresholds, and the two rates the bench alternates between. */
export const POLICY = { kind: 'threshold', high: 15, low: 10 } as const;
export const RATES = { high: 30, low: 3 } as const;
export type Side = keyof typeof RATES;
/** `irate` over 5 s (the tests' query), so a new rate shows within two 1 s scrapes. */
export const QUERY = rateQuery(WORKER_SERVICE);
export const PROJECT = 'spillway-bench';
export const TOPICS = {
  cold: 'decider-cold',
  warm: 'decider-warm',
  inProcess: 'decider-in-process',
  bare: 'decider-bare',
} as const;
/** The pull subscription of a topic whose decisions are counted. */
export const readerOf = (topic: string): string => `${topic}-reader`;

export interface BenchStack {
  readonly prometheus: PrometheusServer;
  readonly emulator: PubSubEmulator;
  /** The bench process's own client (receiver, bare publishes). */
  readonly pubsub: PubSub;
  readonly receiver: DecisionReceiver;
  /** The decider's environment for a topic: the out-of-the-box target on this stack. */
  envFor(topic: string): Record<string, string>;
  /** Sets the counter's rate and waits until Prometheus reads it on that side of the thresholds. */
  setSide(side: Side): Promise<void>;
  side(): Side | undefined;
}

/** Starts it all; `defer` receives each stopper as soon as there is something to stop. */
export async function startBenchStack(defer: (stop: () => Promise<unknown>) => void): Promise<BenchStack> {
  const counter = await startRequestCounter();
  defer(() => counter.close());
  const prometheusStarting = startPrometheus({ targets: [{ job: 'mesh', port: counter.port }] });
  const emulatorStarting = startPubSubEmulator({ projectId: PROJECT });
  // Whichever starts is stopped, even when the other fails.
  prometheusStarting.then((p) => defer(() => p.stop())).catch(() => undefined);
  emulatorStarting.then((e) => defer(() => e.stop())).catch(() => undefined);
  const [prometheus, emulator] = await Promise.all([prometheusStarting, emulatorStarting]);

  for (const topic of Object.values(TOPICS)) await createTopic(emulator, topic);
  const checked = [TOPICS.cold, TOPICS.warm, TOPICS.inProcess];
  for (const topic of checked)
    await createPullSubscription(emulator, topic, readerOf(topic), { ordered: true });
  const pubsub = new PubSub({ projectId: PROJECT, apiEndpoint: emulator.host, emulatorMode: true });
  defer(() => pubsub.close());
  const receiver = startDecisionReceiver(pubsub, checked.map(readerOf));
  defer(() => receiver.close());

  const reader = prometheusSource({ url: prometheus.url, query: QUERY, timeoutMs: 5000 });
  let side: Side | undefined;
  return {
    prometheus,
    emulator,
    pubsub,
    receiver,
    envFor: (topic) => ({
      PROMETHEUS_URL: prometheus.url,
      PROMETHEUS_QUERY: QUERY,
      PUBSUB_EMULATOR_HOST: emulator.host,
      GOOGLE_CLOUD_PROJECT: PROJECT,
      SPILLWAY_TOPIC: topic,
    }),
    async setSide(next) {
      counter.setRate(WORKER_SERVICE, RATES[next]);
      await until(async () => {
        const o = await reader.read(AbortSignal.timeout(5000));
        return o.ok && o.series === 1 && (next === 'high' ? o.rps > POLICY.high : o.rps < POLICY.low);
      }, 30_000).catch(() => {
        throw new Error(
          `Prometheus at ${prometheus.url} did not read ${RATES[next]} req/s (the ${next} side) within 30 s`,
        );
      });
      side = next;
    },
    side: () => side,
  };
}
