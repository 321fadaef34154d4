/**
 * What `npm run bench:applier` runs the applier against: the local control plane on a temporary
 * directory, seeded with the repository's VirtualService and DestinationRule (everything to primary) plus
 * two copies of the VirtualService (for the bare baseline and the in-process applier), and the Pub/Sub emulator with one topic per applier
 * instance and a push subscription from it to that instance's port (the path functions-framework turns
 * into a CloudEvent). Decisions are published one at a time with the emulator's REST API.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { encodeDecision } from '../../core/decision/codec.js';
import { DecisionKind, type DecisionMessage, type Target } from '../../core/decision/message.js';
import { formatRfc3339 } from '../../core/decision/rfc3339.js';
import { ALL_BURST, ALL_PRIMARY, type Weights } from '../../core/weights.js';
import { DefaultSeedFiles, startControlPlane, type ControlPlane } from '../../local/control-plane/index.js';
import { createTopic, startPubSubEmulator, type PubSubEmulator } from '../../local/pubsub-emulator.js';
import {
  createPushSubscription,
  publishMessages,
  pushEndpointFor,
} from '../../local/pubsub-emulator-admin.js';

export const PROJECT = 'spillway-bench';
/** The applier's out-of-the-box VirtualService (SPILLWAY_VIRTUAL_SERVICES unset). */
export const TARGET: Target = { namespace: 'default', virtualService: 'worker-virtual-service' };
/** The copy the bare get + patch writes, so that the applier's watch sees only the applier's writes. */
export const BARE_TARGET: Target = { namespace: 'default', virtualService: 'bench-bare-virtual-service' };
/** The copy the applier's code run in the bench process writes. */
export const IN_PROCESS_TARGET: Target = {
  namespace: 'default',
  virtualService: 'bench-in-process-virtual-service',
};

export interface PublishedDecision {
  /** The decision's id and the Pub/Sub message id the emulator gave it. */
  readonly id: string;
  readonly messageId: string;
  readonly weights: Weights;
  /** performance.now() before the publish call, and when the emulator answered it. */
  readonly sentAt: number;
  readonly publishedAt: number;
}

export interface ApplierBenchStack {
  readonly controlPlane: ControlPlane;
  readonly emulator: PubSubEmulator;
  /** A topic with a push subscription to an applier that listens (or will) on 127.0.0.1:`port`. */
  pushTopic(topic: string, port: number): Promise<void>;
  /** An auto decision for `target`, issued after every earlier one (so the applier never finds it stale). */
  decision(target: Target, weights: Weights): DecisionMessage;
  /** Publishes one auto decision for TARGET, issued after every earlier one. */
  publishDecision(topic: string, weights: Weights): Promise<PublishedDecision>;
}

/** The other extreme: every decision the bench publishes changes the weights. */
export const flipped = (w: Weights | undefined): Weights => (w?.burst === 100 ? ALL_PRIMARY : ALL_BURST);

/** Starts it all; `defer` receives each stopper as soon as there is something to stop. */
export async function startApplierBenchStack(
  defer: (stop: () => Promise<unknown>) => void,
): Promise<ApplierBenchStack> {
  const dataDir = mkdtempSync(join(tmpdir(), 'spillway-bench-applier-'));
  defer(() => Promise.resolve(rmSync(dataDir, { recursive: true, force: true })));
  const emulatorStarting = startPubSubEmulator({ projectId: PROJECT });
  emulatorStarting.then((e) => defer(() => e.stop())).catch(() => undefined);
  const controlPlane = await startControlPlane({ dataDir });
  defer(() => controlPlane.close());
  for (const copy of [BARE_TARGET, IN_PROCESS_TARGET]) await createCopy(controlPlane.url, copy);
  const emulator = await emulatorStarting;

  const run = Date.now().toString(36);
  let issued = 0;
  let lastIssued = 0;
  const decision = (target: Target, weights: Weights): DecisionMessage => {
    lastIssued = Math.max(Date.now(), lastIssued + 1);
    return {
      version: 1,
      id: `bench-${run}-${++issued}`,
      kind: DecisionKind.Auto,
      issuedAt: formatRfc3339(new Date(lastIssued)),
      target,
      weights,
      reason: 'bench:applier: alternating weights',
    };
  };
  return {
    controlPlane,
    emulator,
    async pushTopic(topic, port) {
      await createTopic(emulator, topic);
      await createPushSubscription(
        emulator,
        topic,
        `${topic}-push`,
        pushEndpointFor(emulator, topic, `http://127.0.0.1:${port}`),
        { minimumBackoffSeconds: 1, maximumBackoffSeconds: 2 },
      );
    },
    decision,
    async publishDecision(topic, weights) {
      const message = decision(TARGET, weights);
      const { data, attributes, orderingKey } = encodeDecision(message);
      const sentAt = performance.now();
      const [messageId] = await publishMessages(emulator, topic, [{ data, attributes, orderingKey }]);
      const publishedAt = performance.now();
      if (messageId === undefined) throw new Error(`publish to ${topic}: no message id`);
      return { id: message.id, messageId, weights, sentAt, publishedAt };
    },
  };
}

/** Creates `copy`, a copy of the seed VirtualService under another name. */
async function createCopy(baseUrl: string, copy: Target): Promise<void> {
  const seedFile = DefaultSeedFiles.find((f) => f.endsWith('worker-virtualservice.yaml'));
  if (seedFile === undefined) throw new Error('no seed VirtualService among the control plane seed files');
  const seed = parseYaml(readFileSync(seedFile, 'utf8')) as { metadata: Record<string, unknown> };
  const body = { ...seed, metadata: { ...seed.metadata, name: copy.virtualService } };
  const answer = await fetch(
    `${baseUrl}/apis/networking.istio.io/v1/namespaces/${copy.namespace}/virtualservices`,
    {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    },
  );
  if (answer.status !== 201)
    throw new Error(`create ${copy.virtualService}: HTTP ${answer.status} ${await answer.text()}`);
}
