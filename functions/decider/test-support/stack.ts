/**
 * What the decider's tests run against: a real Prometheus scraping a request counter the test drives, the
 * real Pub/Sub emulator, and the decider served by the Functions Framework's test server.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { http } from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { pino } from 'pino';
import { stringify } from 'yaml';
import type { Logger } from '../../../core/logger.js';
import { decodeDecision } from '../../../core/decision/codec.js';
import type { DecisionMessage } from '../../../core/decision/message.js';
import { startPrometheus, type PrometheusServer } from '../../../local/prometheus-server.js';
import {
  createPullSubscription,
  createTopic,
  pullMessages,
  startPubSubEmulator,
  type PubSubEmulator,
  type PulledMessage,
} from '../../../local/pubsub-emulator.js';
import { listenOnLoopback } from '../../../local/test-support/listen-loopback.js';
import { sleep, until } from '../../../local/test-support/wait.js';
import { createDecider, type Decider } from '../decider.js';
import { deciderHandler } from '../handler.js';
import { loadDeciderConfig } from '../load-config.js';
import { prometheusSource } from '../sources/prometheus.js';
import { rateQuery, startRequestCounter, type RequestCounter } from './request-counter.js';

// The GCP libraries must not look for a metadata server here.
process.env['METADATA_SERVER_DETECTION'] = 'none';

export interface Stack {
  readonly counter: RequestCounter;
  readonly prometheus: PrometheusServer;
  readonly emulator: PubSubEmulator;
  /** A temporary directory for the tests' policy files, removed by `stop`. */
  readonly dir: string;
  stop(): Promise<void>;
}

export async function startStack(): Promise<Stack> {
  const counter = await startRequestCounter();
  const [prometheus, emulator] = await Promise.all([
    startPrometheus({ targets: [{ job: 'mesh', port: counter.port }] }),
    startPubSubEmulator({ projectId: 'spillway-test' }),
  ]);
  const dir = mkdtempSync(join(tmpdir(), 'spillway-decider-'));
  return {
    counter,
    prometheus,
    emulator,
    dir,
    async stop() {
      await Promise.all([prometheus.stop(), emulator.stop()]);
      await counter.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Writes the policy file `<name>.yaml`; answers the environment that names it, with the emulator's project. */
export function policyFileEnv(
  stack: Stack,
  name: string,
  content: unknown,
  env: Record<string, string> = {},
): Record<string, string> {
  const path = join(stack.dir, `${name}.yaml`);
  writeFileSync(path, stringify(content));
  return {
    SPILLWAY_POLICY_FILE: path,
    GOOGLE_CLOUD_PROJECT: stack.emulator.projectId,
    PUBSUB_EMULATOR_HOST: stack.emulator.host,
    ...env,
  };
}

/** A policy file's target reading `service`'s rate from the stack's Prometheus (2 s timeout). */
export function prometheusTarget(
  stack: Stack,
  virtualService: string,
  service: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    namespace: 'default',
    virtualService,
    source: { type: 'prometheus', url: stack.prometheus.url, query: rateQuery(service), timeout: '2s' },
    ...extra,
  };
}

/** Sets a service's rate and waits until Prometheus reports it (within 10 %). */
export async function driveRate(stack: Stack, service: string, rps: number): Promise<void> {
  stack.counter.setRate(service, rps);
  const source = prometheusSource({ url: stack.prometheus.url, query: rateQuery(service), timeoutMs: 5000 });
  await until(async () => {
    const o = await source.read(new AbortController().signal);
    return o.ok && o.series === 1 && Math.abs(o.rps - rps) <= rps * 0.1;
  }, 30_000);
}

/** A fresh topic with an ordered pull subscription `<topic>-reader`. */
export async function newTopic(stack: Pick<Stack, 'emulator'>, topic: string): Promise<string> {
  await createTopic(stack.emulator, topic);
  await createPullSubscription(stack.emulator, topic, `${topic}-reader`, { ordered: true });
  return topic;
}

/**
 * Pulls until `count` messages have arrived, then once more after a pause to make sure no other follows;
 * answers them decoded (and checked against their attributes).
 */
export async function pullExactly(
  stack: Pick<Stack, 'emulator'>,
  topic: string,
  count: number,
): Promise<{ raw: PulledMessage; message: DecisionMessage }[]> {
  const got: PulledMessage[] = [];
  if (count > 0) {
    await until(async () => {
      got.push(...(await pullMessages(stack.emulator, `${topic}-reader`)));
      return got.length >= count;
    }, 20_000);
  }
  await sleep(500);
  got.push(...(await pullMessages(stack.emulator, `${topic}-reader`)));
  if (got.length !== count) throw new Error(`expected ${count} message(s) on ${topic}, got ${got.length}`);
  return got.map((raw) => {
    const decoded = decodeDecision(raw.data, raw.attributes);
    if (!decoded.ok) throw new Error(`a published message is not a valid decision: ${decoded.reason}`);
    return { raw, message: decoded.message };
  });
}

export interface ServedDecider {
  readonly decider: Decider;
  readonly url: string;
  /** POSTs to the function; answers the status and the JSON body. */
  call(method?: string): Promise<{ status: number; body: DeciderAnswer }>;
  close(): Promise<void>;
}

export interface DeciderAnswer {
  decisions: {
    target: string;
    tick: number;
    action: 'publish' | 'hold';
    weights?: { primary: number; burst: number };
    cause: string;
    reason: string;
    observed?: { rps: number; at: string; source: string; query: string };
    id?: string;
    published?: boolean;
    error?: string;
  }[];
  ticks: number;
  error?: { code: string; message: string };
}

let served = 0;

/**
 * Registers a decider made from `env` (read like the function reads its environment) under a fresh name
 * with the Functions Framework and serves it with its test server on a free loopback port.
 */
export async function serveDecider(env: Record<string, string>, logger?: Logger): Promise<ServedDecider> {
  const config = loadDeciderConfig(env);
  const log = logger ?? pino({ level: 'silent' });
  const decider = createDecider({ config, logger: log });
  const name = `decide-test-${++served}`;
  http(
    name,
    deciderHandler(() => decider, log),
  );
  const server: Server = getTestServer(name);
  const url = `http://127.0.0.1:${await listenOnLoopback(server)}/`;
  return {
    decider,
    url,
    async call(method = 'POST') {
      const answer = await fetch(url, { method, signal: AbortSignal.timeout(60_000) });
      return { status: answer.status, body: (await answer.json()) as DeciderAnswer };
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await decider.close();
    },
  };
}
