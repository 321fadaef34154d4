import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { PubSub } from '@google-cloud/pubsub';
import {
  createPullSubscription,
  createTopic,
  findPubSubEmulator,
  pullMessages,
  startPubSubEmulator,
} from './pubsub-emulator.js';
import { waitForPort } from './ports.js';
import { until } from './test-support/wait.js';

/** Every process whose command line holds `needle` (e.g. the emulator's `--port=N`). */
function processesWith(needle: string): number[] {
  const found: number[] = [];
  for (const name of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      if (readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').includes(needle))
        found.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

test('the emulator starts, carries an ordered message from a client to a pull subscription, and stops without leftovers', async () => {
  process.env['METADATA_SERVER_DETECTION'] = 'none';
  const emulator = await startPubSubEmulator({ projectId: 'emulator-test' });
  let client: PubSub | undefined;
  try {
    assert.equal(emulator.host, `127.0.0.1:${emulator.port}`);
    assert.ok(processesWith(`--port=${emulator.port}`).length >= 1, 'a java process serves the port');

    await createTopic(emulator, 'decisions');
    await createPullSubscription(emulator, 'decisions', 'reader', { ordered: true });
    await assert.rejects(createTopic(emulator, 'decisions'), /PUT topics\/decisions answered 409/);
    client = new PubSub({ projectId: emulator.projectId, apiEndpoint: emulator.host });
    const topic = client.topic('decisions', { messageOrdering: true });
    for (const n of [1, 2, 3]) {
      await topic.publishMessage({
        data: Buffer.from(`message ${n}`),
        attributes: { n: String(n) },
        orderingKey: 'default/worker-virtual-service',
      });
    }
    const received: string[] = [];
    await until(async () => {
      for (const m of await pullMessages(emulator, 'reader')) {
        assert.equal(m.orderingKey, 'default/worker-virtual-service');
        assert.equal(m.attributes['n'], m.data.toString().slice(-1));
        received.push(m.data.toString());
      }
      return received.length >= 3;
    });
    assert.deepEqual(received.sort(), ['message 1', 'message 2', 'message 3']);
    assert.deepEqual(await pullMessages(emulator, 'reader'), [], 'pulled messages were acknowledged');
  } finally {
    await client?.close();
    await emulator.stop();
  }
  assert.deepEqual(processesWith(`--port=${emulator.port}`), [], 'no java process is left');
  await assert.rejects(waitForPort(emulator.port, 200), 'nothing listens any more');
  await emulator.stop(); // idempotent
});

test('a configured emulator path that does not exist is refused with an install hint', async () => {
  await assert.rejects(
    findPubSubEmulator({ SPILLWAY_PUBSUB_EMULATOR: '/nonexistent/cloud-pubsub-emulator' }),
    /SPILLWAY_PUBSUB_EMULATOR names .*does not exist; install the Pub\/Sub emulator: .*Java 17/,
  );
});
