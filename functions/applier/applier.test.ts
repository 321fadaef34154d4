import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeDecision } from '../../core/decision/codec.js';
import type { DecisionMessage, Target } from '../../core/decision/message.js';
import { Annotation } from '../../core/applier/state.js';
import { until } from '../../local/test-support/wait.js';
import { gcloudPublish } from '../../local/test-support/gcloud-publish.js';
import type { ApplyResult } from './applier.js';
import { clusterOutcome } from './apply-to-cluster.js';
import {
  clusterApi,
  createVirtualService,
  publish,
  pushTopic,
  readVirtualService,
  serveApplier,
  startApplierStack,
  weightsOf,
  type ApplierStack,
  type ServedApplier,
} from './test-support/stack.js';

const names = ['auto', 'dup', 'order', 'override', 'release', 'gcloud', 'eventarc'] as const;
const targets = Object.fromEntries(
  names.map((n) => [n, { namespace: 'default', virtualService: `vs-${n}` }]),
) as Record<(typeof names)[number], Target>;

let stack: ApplierStack;
let applier: ServedApplier;
let topic: string;

before(async () => {
  stack = await startApplierStack();
  for (const t of Object.values(targets)) await createVirtualService(stack.controlPlane, t.virtualService);
  const [first, ...rest] = Object.values(targets);
  if (first === undefined) throw new Error('no targets');
  applier = await serveApplier([clusterApi(stack.controlPlane)], [first, ...rest]);
  topic = await pushTopic(stack, 'decisions', applier);
});
after(async () => {
  await applier.close();
  await stack.stop();
});

let seq = 0;
function auto(target: Target, burst: number, issuedAt = new Date(), id = `auto-${++seq}`): DecisionMessage {
  return {
    version: 1,
    id,
    kind: 'auto',
    issuedAt: issuedAt.toISOString(),
    target,
    weights: { primary: 100 - burst, burst },
    reason: `test: ${burst} % to burst`,
  };
}

async function send(message: DecisionMessage): Promise<string> {
  const encoded = encodeDecision(message);
  return publish(stack, topic, encoded.data, encoded.attributes);
}

/** Publishes and waits for the applier's result for that message id. */
async function deliver(message: DecisionMessage): Promise<ApplyResult> {
  await send(message);
  return resultFor(message.id);
}

async function resultFor(id: string): Promise<ApplyResult> {
  let found: ApplyResult | undefined;
  await until(() => {
    found = [...applier.results].reverse().find((r) => r.status !== 'invalid' && r.message.id === id);
    return found !== undefined;
  }, 30_000);
  return found as ApplyResult;
}

function outcome(result: ApplyResult): string {
  if (result.status === 'invalid') return 'invalid';
  const [c] = result.clusters;
  return c === undefined ? 'none' : clusterOutcome(c);
}

describe('the applier, pushed to by the Pub/Sub emulator, against the local control plane', () => {
  test('an auto decision is applied: weights, last-applied, history, one log line', async () => {
    const before = await readVirtualService(stack.controlPlane, targets.auto);
    const m = auto(targets.auto, 100);
    const result = await deliver(m);
    assert.equal(outcome(result), 'applied');
    const vs = await readVirtualService(stack.controlPlane, targets.auto);
    assert.deepEqual(weightsOf(vs), { primary: 0, burst: 100 });
    assert.notEqual(vs.metadata.resourceVersion, before.metadata.resourceVersion, 'written');
    const last = JSON.parse(vs.metadata.annotations?.[Annotation.LastApplied] ?? '{}') as Record<
      string,
      unknown
    >;
    assert.deepEqual(
      {
        id: last['id'],
        kind: last['kind'],
        issuedAt: last['issuedAt'],
        weights: last['weights'],
        reason: last['reason'],
      },
      { id: m.id, kind: 'auto', issuedAt: m.issuedAt, weights: m.weights, reason: m.reason },
    );
    assert.ok(typeof last['appliedAt'] === 'string');
    assert.equal(vs.metadata.annotations?.[Annotation.Override], undefined);
    const line = applier.lines().find((l) => l['id'] === m.id);
    assert.ok(line, 'a log line with the id');
    assert.equal(line['kind'], 'auto');
    assert.deepEqual(line['before'], { primary: 100, burst: 0 });
    assert.deepEqual(line['after'], { primary: 0, burst: 100 });
    assert.equal(line['reason'], m.reason);
    assert.equal(typeof line['latencyMs'], 'number');
    assert.equal(line['severity'], 'INFO');
    assert.match(String(line['message']), /primary 100 \/ burst 0 → primary 0 \/ burst 100/);
  });

  test('a duplicate delivery writes once', async () => {
    const m = auto(targets.dup, 100);
    assert.equal(outcome(await deliver(m)), 'applied');
    const written = await readVirtualService(stack.controlPlane, targets.dup);
    const count = applier.results.length;
    await send(m);
    await until(() => applier.results.length > count);
    assert.equal(outcome(await resultFor(m.id)), 'duplicate');
    const afterDup = await readVirtualService(stack.controlPlane, targets.dup);
    assert.equal(afterDup.metadata.resourceVersion, written.metadata.resourceVersion, 'no second write');
  });

  test('an older decision after a newer one is ignored', async () => {
    const t = Date.now();
    const newer = auto(targets.order, 100, new Date(t));
    const older = auto(targets.order, 30, new Date(t - 5_000));
    assert.equal(outcome(await deliver(newer)), 'applied');
    const result = await deliver(older);
    assert.equal(outcome(result), 'stale');
    assert.deepEqual(weightsOf(await readVirtualService(stack.controlPlane, targets.order)), {
      primary: 0,
      burst: 100,
    });
  });

  test('an override `burst` with a ttl wins over auto decisions, then expires', async () => {
    const target = `default/${targets.override.virtualService}`;
    await publish(stack, topic, 'burst', { ttl: '4s', target, reason: 'drill' });
    await until(() =>
      applier.results.some(
        (r) =>
          r.status !== 'invalid' &&
          r.message.kind === 'override' &&
          r.message.target.virtualService === targets.override.virtualService,
      ),
    );
    let vs = await readVirtualService(stack.controlPlane, targets.override);
    assert.deepEqual(weightsOf(vs), { primary: 0, burst: 100 });
    const state = JSON.parse(vs.metadata.annotations?.[Annotation.Override] ?? 'null') as {
      weights: unknown;
      until: string;
      reason: string;
    };
    assert.deepEqual(state.weights, { primary: 0, burst: 100 });
    assert.equal(state.reason, 'drill');
    const rv = vs.metadata.resourceVersion;

    const during = auto(targets.override, 0);
    assert.equal(outcome(await deliver(during)), 'suppressed');
    assert.ok(
      applier
        .lines()
        .some((l) => l['id'] === during.id && /suppressed: override operator-/.test(String(l['message']))),
    );
    vs = await readVirtualService(stack.controlPlane, targets.override);
    assert.equal(vs.metadata.resourceVersion, rv, 'no write while suppressed');

    await until(() => Date.now() > Date.parse(state.until) + 100, 10_000);
    const afterExpiry = auto(targets.override, 0);
    assert.equal(outcome(await deliver(afterExpiry)), 'applied');
    vs = await readVirtualService(stack.controlPlane, targets.override);
    assert.deepEqual(weightsOf(vs), { primary: 100, burst: 0 });
    assert.equal(
      vs.metadata.annotations?.[Annotation.Override],
      undefined,
      'the expired override is cleared',
    );
  });

  test('`auto` releases the override; the weights stay until the next auto decision', async () => {
    const target = `default/${targets.release.virtualService}`;
    const count = () =>
      applier.results.filter(
        (r) => r.status !== 'invalid' && r.message.target.virtualService === targets.release.virtualService,
      ).length;
    await publish(stack, topic, 'split:30', { ttl: '1h', target });
    await until(() => count() === 1);
    assert.deepEqual(weightsOf(await readVirtualService(stack.controlPlane, targets.release)), {
      primary: 70,
      burst: 30,
    });
    await publish(stack, topic, ' AUTO ', { target });
    await until(() => count() === 2);
    const vs = await readVirtualService(stack.controlPlane, targets.release);
    assert.equal(vs.metadata.annotations?.[Annotation.Override], undefined);
    assert.deepEqual(
      weightsOf(vs),
      { primary: 70, burst: 30 },
      'a release does not apply placeholder weights',
    );
    const last = JSON.parse(vs.metadata.annotations?.[Annotation.LastApplied] ?? '{}') as {
      kind: string;
      weights: unknown;
    };
    assert.equal(last.kind, 'release');
    assert.deepEqual(last.weights, { primary: 70, burst: 30 });
    assert.equal(outcome(await deliver(auto(targets.release, 100))), 'applied');
  });

  test("the operator's tool: gcloud pubsub topics publish against the emulator", async () => {
    const target = `default/${targets.gcloud.virtualService}`;
    await gcloudPublish(stack.emulator, topic, {
      message: 'burst',
      attributes: { ttl: '30m', target, reason: 'load test, expected peak' },
    });
    await until(() =>
      applier.results.some(
        (r) => r.status !== 'invalid' && r.message.target.virtualService === targets.gcloud.virtualService,
      ),
    );
    const vs = await readVirtualService(stack.controlPlane, targets.gcloud);
    assert.deepEqual(weightsOf(vs), { primary: 0, burst: 100 });
    const state = JSON.parse(vs.metadata.annotations?.[Annotation.Override] ?? 'null') as {
      reason: string;
      until: string;
      id: string;
    };
    assert.equal(state.reason, 'load test, expected peak');
    const last = JSON.parse(vs.metadata.annotations?.[Annotation.LastApplied] ?? '{}') as {
      issuedAt: string;
    };
    assert.equal(
      Date.parse(state.until) - Date.parse(last.issuedAt),
      30 * 60_000,
      'until = publish time + ttl',
    );
    assert.match(state.id, /^operator-\d{13}-\d+$/, 'named after the Pub/Sub message and its publish time');
  });

  test('an Eventarc delivery (a binary-mode CloudEvent, as on Cloud Run) is applied the same way', async () => {
    const m = auto(targets.eventarc, 100);
    const encoded = encodeDecision(m);
    const answer = await fetch(applier.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'ce-specversion': '1.0',
        'ce-type': 'google.cloud.pubsub.topic.v1.messagePublished',
        'ce-source': '//pubsub.googleapis.com/projects/spillway-test/topics/spillway-decisions',
        'ce-id': '9001',
        'ce-time': new Date().toISOString(),
      },
      body: JSON.stringify({
        message: {
          data: encoded.data.toString('base64'),
          attributes: encoded.attributes,
          messageId: '9001',
          publishTime: new Date().toISOString(),
        },
        subscription: 'projects/spillway-test/subscriptions/eventarc-trigger',
      }),
    });
    assert.ok(answer.status >= 200 && answer.status < 300, `answered ${answer.status}`);
    assert.equal(outcome(await resultFor(m.id)), 'applied');
    assert.deepEqual(weightsOf(await readVirtualService(stack.controlPlane, targets.eventarc)), {
      primary: 0,
      burst: 100,
    });
  });
});
