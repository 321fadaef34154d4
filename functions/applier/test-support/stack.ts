/**
 * What the applier's tests run against: the local control plane (the Kubernetes API), the real Pub/Sub
 * emulator with a push subscription, and the applier served by the Functions Framework's test server as
 * the push endpoint — the way Pub/Sub reaches the deployed function.
 */
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cloudEvent, type CloudEvent } from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { KubeConfig } from '@kubernetes/client-node';
import { parse as parseYaml } from 'yaml';
import { readFileSync } from 'node:fs';
import { formatTarget, type Target } from '../../../core/decision/message.js';
import {
  api,
  Kubectl,
  startTestControlPlane,
  VsPath,
  type TestControlPlane,
} from '../../../local/control-plane/test-helpers.js';
import { createTopic, startPubSubEmulator, type PubSubEmulator } from '../../../local/pubsub-emulator.js';
import {
  createPushSubscription,
  publishMessages,
  pushEndpointFor,
} from '../../../local/pubsub-emulator-admin.js';
import { capturingLogger } from '../../../local/test-support/capture-logs.js';
import { createApplier, type ApplyResult } from '../applier.js';
import { applierHandler } from '../handler.js';
import {
  virtualServiceApi,
  type VirtualServiceApi,
  type VirtualServiceObject,
} from '../virtual-service-client.js';

// The GCP libraries must not look for a metadata server here.
process.env['METADATA_SERVER_DETECTION'] = 'none';

const SEED = new URL('../../../istio/traffic/worker-virtualservice.yaml', import.meta.url);

/** A VirtualService like the seed one, under another name (each test gets its own). */
function seedVirtualService(name: string): Record<string, unknown> {
  const object = parseYaml(readFileSync(SEED, 'utf8')) as { metadata: Record<string, unknown> };
  return { ...object, metadata: { ...object.metadata, name } };
}

export function kubeConfigOf(controlPlane: TestControlPlane): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(controlPlane.kubeconfigPath);
  return kc;
}

export interface ServedApplier {
  readonly url: string;
  /** Every result, in the order the deliveries finished. */
  readonly results: ApplyResult[];
  /** Deliveries per Pub/Sub message id. */
  readonly deliveries: Map<string, number>;
  readonly lines: () => Record<string, unknown>[];
  close(): Promise<void>;
}

let served = 0;

/** Serves an applier over `clusters` for `virtualServices` with the Functions Framework's test server. */
export async function serveApplier(
  clusters: readonly VirtualServiceApi[],
  virtualServices: readonly [Target, ...Target[]],
  options: { conflictRetries?: number; route?: string } = {},
): Promise<ServedApplier> {
  const { logger, lines } = capturingLogger('applier');
  const applier = createApplier({
    config: {
      virtualServices,
      conflictRetries: options.conflictRetries ?? 5,
      ...(options.route ? { route: options.route } : {}),
    },
    clusters,
    logger,
  });
  const results: ApplyResult[] = [];
  const deliveries = new Map<string, number>();
  const handle = applierHandler(
    () => applier,
    (r) => results.push(r),
  );
  const name = `apply-test-${++served}`;
  cloudEvent<unknown>(name, async (event: CloudEvent<unknown>) => {
    const id = (event.data as { message?: { messageId?: string } } | undefined)?.message?.messageId;
    if (id !== undefined) deliveries.set(id, (deliveries.get(id) ?? 0) + 1);
    await handle(event);
  });
  const server: Server = getTestServer(name);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    results,
    deliveries,
    lines,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

export interface ApplierStack {
  readonly controlPlane: TestControlPlane;
  readonly kubectl: Kubectl;
  readonly emulator: PubSubEmulator;
  stop(): Promise<void>;
}

export async function startApplierStack(): Promise<ApplierStack> {
  const [controlPlane, emulator] = await Promise.all([
    startTestControlPlane(),
    startPubSubEmulator({ projectId: 'spillway-test' }),
  ]);
  const kubectl = new Kubectl(controlPlane.kubeconfigPath);
  return {
    controlPlane,
    kubectl,
    emulator,
    async stop() {
      kubectl.dispose();
      await Promise.all([controlPlane.dispose(), emulator.stop()]);
    },
  };
}

/** A topic with a push subscription to `applier` (1–2 s back-off between redeliveries). */
export async function pushTopic(
  stack: Pick<ApplierStack, 'emulator'>,
  topic: string,
  applier: ServedApplier,
): Promise<string> {
  await createTopic(stack.emulator, topic);
  await createPushSubscription(
    stack.emulator,
    topic,
    `${topic}-push`,
    pushEndpointFor(stack.emulator, topic, applier.url),
    {
      minimumBackoffSeconds: 1,
      maximumBackoffSeconds: 2,
    },
  );
  return topic;
}

export async function publish(
  stack: Pick<ApplierStack, 'emulator'>,
  topic: string,
  data: string | Buffer,
  attributes?: Record<string, string>,
): Promise<string> {
  const [id] = await publishMessages(stack.emulator, topic, [
    { data, ...(attributes ? { attributes } : {}) },
  ]);
  if (id === undefined) throw new Error('no message id');
  return id;
}

/** Creates a fresh VirtualService named `name` (a copy of the seed) and answers its target. */
export async function createVirtualService(controlPlane: TestControlPlane, name: string): Promise<Target> {
  const answer = await api(controlPlane.url, 'POST', VsPath, { body: seedVirtualService(name) });
  if (answer.status !== 201)
    throw new Error(`create ${name}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return { namespace: 'default', virtualService: name };
}

export async function readVirtualService(
  controlPlane: TestControlPlane,
  target: Target,
): Promise<
  VirtualServiceObject & { metadata: { resourceVersion: string; annotations?: Record<string, string> } }
> {
  const answer = await api(controlPlane.url, 'GET', `${VsPath}/${target.virtualService}`);
  if (answer.status !== 200) throw new Error(`get ${formatTarget(target)}: ${answer.status}`);
  return answer.body;
}

/** The weights of the managed route (primary, burst) as the object holds them. */
export function weightsOf(vs: VirtualServiceObject): { primary: unknown; burst: unknown } {
  const route =
    (vs.spec as { http: { route: { destination: { subset: string }; weight?: number }[] }[] }).http[0]
      ?.route ?? [];
  const of = (subset: string) => route.find((d) => d.destination.subset === subset)?.weight;
  return { primary: of('primary'), burst: of('burst') };
}

export function clusterApi(controlPlane: TestControlPlane, name = 'local'): VirtualServiceApi {
  const kc = kubeConfigOf(controlPlane);
  return virtualServiceApi(name, () => Promise.resolve(kc), 5_000);
}
