import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startPubSubEmulator, type PubSubEmulator } from '../../local/pubsub-emulator.js';
import {
  driveRate,
  newTopic,
  policyFileEnv,
  prometheusTarget,
  pullExactly,
  serveDecider,
  startStack,
  type Stack,
} from './test-support/stack.js';

let stack: Stack;
let restarted: PubSubEmulator | undefined;
before(async () => {
  stack = await startStack();
});
after(async () => {
  await restarted?.stop();
  await stack?.stop();
});

test('the emulator down: 5xx, the failed target stops for this call, and nothing is published twice', async () => {
  const topic = 'decisions';
  await newTopic(stack, topic);
  const target = (virtualService: string) =>
    prometheusTarget(stack, virtualService, `${virtualService}-service`);
  const served = await serveDecider(
    policyFileEnv(
      stack,
      'policy',
      { topic, targets: [target('a'), target('b')] },
      {
        SPILLWAY_POLL_EVERY: '1s',
        SPILLWAY_RUN_FOR: '3s',
        SPILLWAY_FUNCTION_TIMEOUT: '10s',
        SPILLWAY_SAFETY_MARGIN: '1s',
        SPILLWAY_PUBLISH_TIMEOUT: '2s',
      },
    ),
  );
  try {
    await Promise.all([driveRate(stack, 'a-service', 20), driveRate(stack, 'b-service', 12)]);
    const first = await served.call();
    assert.equal(first.status, 200, JSON.stringify(first.body));
    const [a] = await pullExactly(stack, topic, 1);
    assert.equal(a?.message.target.virtualService, 'a');

    await stack.emulator.stop();
    await driveRate(stack, 'b-service', 20);
    const failed = await served.call();
    assert.equal(failed.status, 503, JSON.stringify(failed.body));
    assert.equal(failed.body.error?.code, 'PUBLISH_FAILED');
    const forB = failed.body.decisions.filter((d) => d.target === 'default/b');
    assert.equal(forB.length, 1, 'no more ticks for a target whose publish failed');
    assert.deepEqual([forB[0]?.action, forB[0]?.published], ['publish', false]);
    assert.match(forB[0]?.error ?? '', /^publish failed: /);
    const forA = failed.body.decisions.filter((d) => d.target === 'default/a');
    assert.ok(forA.length >= 1 && forA.every((d) => d.action === 'hold' && d.cause === 'unchanged'));

    restarted = await startPubSubEmulator({ port: stack.emulator.port, projectId: stack.emulator.projectId });
    await newTopic({ emulator: restarted }, topic);
    // What Cloud Scheduler does after a 5xx: call again (the client reconnects to the emulator meanwhile).
    let retry = await served.call();
    for (let attempt = 1; retry.status === 503 && attempt < 5; attempt++) retry = await served.call();
    assert.equal(retry.status, 200, JSON.stringify(retry.body));
    const published = retry.body.decisions.filter((d) => d.action === 'publish');
    assert.deepEqual(
      published.map((d) => [d.target, d.tick]),
      [['default/b', 1]],
    );
    const [b] = await pullExactly({ emulator: restarted }, topic, 1);
    assert.deepEqual(
      [b?.message.target.virtualService, b?.message.weights],
      ['b', { primary: 0, burst: 100 }],
    );
    assert.equal(b?.message.id, published[0]?.id);
    assert.notEqual(
      b?.message.id,
      forB[0]?.id,
      'the retry is a new decision; the failed one was never published',
    );
  } finally {
    await served.close();
  }
});
