import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeDecision } from '../../core/decision/codec.js';
import type { DecisionMessage, Target } from '../../core/decision/message.js';
import { startControlPlane, type ControlPlane } from '../../local/control-plane/index.js';
import { tempDir, type TestControlPlane } from '../../local/control-plane/test-helpers.js';
import { sleep, until } from '../../local/test-support/wait.js';
import { clusterOutcome } from './apply-to-cluster.js';
import type { VirtualServiceApi } from './virtual-service-client.js';
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

let stack: ApplierStack;
const served: ServedApplier[] = [];
before(async () => {
  stack = await startApplierStack();
});
after(async () => {
  for (const s of served) await s.close();
  await stack.stop();
});

async function serve(
  clusters: VirtualServiceApi[],
  targets: [Target, ...Target[]],
  topic: string,
): Promise<ServedApplier> {
  const applier = await serveApplier(clusters, targets);
  served.push(applier);
  await pushTopic(stack, topic, applier);
  return applier;
}

let seq = 0;
const decision = (target: Target, burst: number): DecisionMessage => ({
  version: 1,
  id: `d-${++seq}`,
  kind: 'auto',
  issuedAt: new Date().toISOString(),
  target,
  weights: { primary: 100 - burst, burst },
  reason: 'test',
});

describe('bad messages: no write, logged with the reason, acknowledged', () => {
  const target: Target = { namespace: 'default', virtualService: 'vs-bad' };
  const missing: Target = { namespace: 'default', virtualService: 'vs-missing' };
  const broken: Target = { namespace: 'default', virtualService: 'vs-broken' };
  let applier: ServedApplier;
  before(async () => {
    await createVirtualService(stack.controlPlane, target.virtualService);
    await createVirtualService(stack.controlPlane, broken.virtualService);
    // A route without the burst subset (the user's edit with kubectl).
    await stack.kubectl.ok([
      'patch',
      'virtualservice',
      broken.virtualService,
      '--type=json',
      '-p',
      '[{"op":"remove","path":"/spec/http/0/route/1"}]',
    ]);
    applier = await serve([clusterApi(stack.controlPlane)], [target, missing, broken], 'bad');
  });

  const good = JSON.parse(encodeDecision(decision(target, 100)).data.toString()) as Record<string, unknown>;
  const cases: [string, () => { data: string; attributes?: Record<string, string> }, RegExp][] = [
    ['not JSON', () => ({ data: '{"version":1,' }), /not JSON/],
    ['wrong schema', () => ({ data: JSON.stringify({ ...good, id: undefined, kind: 'auto' }) }), /id/],
    [
      'weights 60/60',
      () => ({ data: JSON.stringify({ ...good, weights: { primary: 60, burst: 60 } }) }),
      /weights must sum to 100 \(got 60 \+ 60 = 120\)/,
    ],
    [
      'split:150',
      () => ({ data: 'split:150', attributes: { target: 'default/vs-bad' } }),
      /split:N needs N, the percent to burst, as an integer 0–100 \(got "150"\)/,
    ],
    [
      'unknown target',
      () => ({
        data: JSON.stringify({ ...good, target: { namespace: 'default', virtualService: 'someone-elses' } }),
      }),
      /unknown target "default\/someone-elses"/,
    ],
    ['bad date', () => ({ data: JSON.stringify({ ...good, issuedAt: '2026-13-01T00:00:00Z' }) }), /issuedAt/],
    [
      'unknown shorthand attribute',
      () => ({ data: 'burst', attributes: { tll: '5m', target: 'default/vs-bad' } }),
      /unknown attribute "tll"/,
    ],
    [
      'route without a subset',
      () => ({ data: encodeDecision(decision(broken, 100)).data.toString() }),
      /has no destination with subset burst/,
    ],
    [
      'no such VirtualService',
      () => ({ data: encodeDecision(decision(missing, 100)).data.toString() }),
      /answered 404/,
    ],
  ];
  for (const [name, make, reason] of cases)
    test(name, async () => {
      const rvBefore = (await readVirtualService(stack.controlPlane, target)).metadata.resourceVersion;
      const brokenBefore = (await readVirtualService(stack.controlPlane, broken)).metadata.resourceVersion;
      const { data, attributes } = make();
      const messageId = await publish(stack, 'bad', data, attributes);
      await until(() => applier.deliveries.get(messageId) === 1);
      await until(() => applier.lines().some((l) => reason.test(String(l['message']))), 10_000);
      const line = applier.lines().find((l) => reason.test(String(l['message'])));
      assert.ok(line !== undefined && ['WARNING', 'ERROR'].includes(String(line['severity'])));
      await sleep(2_500); // longer than the back-off: a nack would have been delivered again by now
      assert.equal(applier.deliveries.get(messageId), 1, 'acknowledged: delivered once');
      assert.equal(
        (await readVirtualService(stack.controlPlane, target)).metadata.resourceVersion,
        rvBefore,
        'no write',
      );
      assert.equal(
        (await readVirtualService(stack.controlPlane, broken)).metadata.resourceVersion,
        brokenBefore,
        'no write',
      );
    });
});

test('a concurrent kubectl edit of another field survives: re-read, plan again, patch', async () => {
  const target = await createVirtualService(stack.controlPlane, 'vs-concurrent');
  const base = clusterApi(stack.controlPlane);
  let edited = false;
  const racing: VirtualServiceApi = {
    cluster: base.cluster,
    async get(t) {
      const object = await base.get(t);
      if (!edited) {
        edited = true; // the user edits between the applier's read and its write
        await stack.kubectl.ok([
          'patch',
          'virtualservice',
          t.virtualService,
          '--type=json',
          '-p',
          '[{"op":"add","path":"/spec/http/0/timeout","value":"7s"}]',
        ]);
        await stack.kubectl.ok(['annotate', 'virtualservice', t.virtualService, 'owner=team-a']);
      }
      return object;
    },
    patch: (t, ops) => base.patch(t, ops),
  };
  const applier = await serve([racing], [target], 'concurrent');
  await publish(stack, 'concurrent', encodeDecision(decision(target, 100)).data);
  await until(() => applier.results.length === 1);
  const [result] = applier.results;
  assert.ok(result?.status === 'done');
  assert.equal(result.clusters[0]?.status, 'written');
  assert.equal(
    result.clusters[0]?.attempts,
    2,
    'the first patch was refused (the object changed) and retried',
  );
  const vs = await readVirtualService(stack.controlPlane, target);
  assert.deepEqual(weightsOf(vs), { primary: 0, burst: 100 });
  assert.equal(
    (vs.spec as { http: { timeout?: string }[] }).http[0]?.timeout,
    '7s',
    "the user's edit survived",
  );
  assert.equal(vs.metadata.annotations?.['owner'], 'team-a');
});

test('a cluster that is down: the message is redelivered until every cluster has it; no double write', async () => {
  const target = await createVirtualService(stack.controlPlane, 'worker-virtual-service').catch(() => ({
    namespace: 'default',
    virtualService: 'worker-virtual-service',
  }));
  const dataDir = tempDir('cp-b');
  let second: ControlPlane = await startControlPlane({ dataDir });
  const port = second.port;
  const secondApi = clusterApi(
    { ...second, dataDir, dispose: () => second.close() } as TestControlPlane,
    'second',
  );
  const applier = await serve([clusterApi(stack.controlPlane, 'first'), secondApi], [target], 'partial');
  await second.close();

  const m = decision(target, 100);
  const messageId = await publish(stack, 'partial', encodeDecision(m).data);
  await until(() => applier.results.length >= 1);
  const [first] = applier.results;
  assert.ok(first?.status === 'retry');
  assert.deepEqual(first.clusters.map((c) => c.status).sort(), ['failed', 'written']);
  const rvFirst = (await readVirtualService(stack.controlPlane, target)).metadata.resourceVersion;
  const warn = applier.lines().find((l) => l['id'] === m.id && l['severity'] === 'WARNING');
  assert.match(String(warn?.['message']), /will be retried/);

  second = await startControlPlane({ dataDir, port });
  try {
    await until(() => applier.results.some((r) => r.status === 'done'), 30_000);
    assert.ok((applier.deliveries.get(messageId) ?? 0) >= 2, 'delivered again');
    const done = applier.results.find((r) => r.status === 'done');
    assert.ok(done?.status === 'done');
    const byCluster = Object.fromEntries(done.clusters.map((c) => [c.cluster, clusterOutcome(c)]));
    assert.deepEqual(byCluster, { first: 'duplicate', second: 'applied' });
    assert.equal(
      (await readVirtualService(stack.controlPlane, target)).metadata.resourceVersion,
      rvFirst,
      'written once in the first cluster',
    );
    const answer = await fetch(
      `${second.url}/apis/networking.istio.io/v1/namespaces/default/virtualservices/worker-virtual-service`,
    );
    assert.deepEqual(weightsOf((await answer.json()) as Parameters<typeof weightsOf>[0]), {
      primary: 0,
      burst: 100,
    });
  } finally {
    await second.close();
  }
});
