/**
 * What the applier relies on, pinned with the real Pub/Sub emulator pushing to a functions-framework
 * `cloudEvent` function (its test server on a loopback port): the shape the function receives, redelivery
 * after a failure, and delivery order on an ordered push subscription. docs/local.md records the findings.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cloudEvent, type CloudEvent } from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { createTopic, startPubSubEmulator, type PubSubEmulator } from './pubsub-emulator.js';
import {
  createPushSubscription,
  deleteSubscription,
  publishMessages,
  pushEndpointFor,
  type PushSubscriptionOptions,
} from './pubsub-emulator-admin.js';
import { gcloudAttributeFlag, gcloudPublish } from './test-support/gcloud-publish.js';
import { listenOnLoopback } from './test-support/listen-loopback.js';
import { sleep, until } from './test-support/wait.js';

/** What a push delivery hands the function: a converted CloudEvent or, for an empty body, the raw body. */
interface Received {
  id?: string;
  type?: string;
  subscription?: string;
  data?: { message?: { data?: string; attributes?: Record<string, string>; messageId?: string } };
  message?: { data?: string; attributes?: Record<string, string>; messageId?: string };
}

interface Probe {
  /** Every call of the function, in arrival order, as JSON. */
  readonly events: Received[];
  /** The decoded body of each call (converted CloudEvents only). */
  readonly bodies: string[];
  /** When each call arrived (ms since the epoch), for diagnostics only. */
  readonly times: number[];
}

const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;
const bodyOf = (event: Received): string =>
  Buffer.from(event.data?.message?.data ?? '', 'base64').toString('utf8');

describe('Pub/Sub emulator push to a functions-framework cloudEvent function', () => {
  let emulator: PubSubEmulator;
  const cleanups: (() => Promise<void>)[] = [];
  let functions = 0;

  before(async () => {
    emulator = await startPubSubEmulator({ projectId: 'spillway-push-test' });
  });
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    await emulator?.stop();
  });

  /** A cloudEvent function running `handler`, its own topic, and a push subscription to it. */
  async function pushTo(
    topic: string,
    handler: (event: Received, probe: Probe) => void | Promise<void>,
    options: PushSubscriptionOptions = {},
  ): Promise<Probe> {
    const name = `push-probe-${++functions}`;
    const probe: Probe = { events: [], bodies: [], times: [] };
    cloudEvent(name, async (event: CloudEvent<unknown>) => {
      const received = JSON.parse(JSON.stringify(event)) as Received;
      probe.events.push(received);
      probe.bodies.push(bodyOf(received));
      probe.times.push(Date.now());
      await handler(received, probe);
    });
    const server = getTestServer(name);
    const base = `http://127.0.0.1:${await listenOnLoopback(server)}`;
    await createTopic(emulator, topic);
    await createPushSubscription(
      emulator,
      topic,
      `${topic}-push`,
      pushEndpointFor(emulator, topic, base),
      options,
    );
    cleanups.push(async () => {
      await deleteSubscription(emulator, `${topic}-push`);
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    });
    return probe;
  }

  test('a message published by REST arrives as a messagePublished CloudEvent, without subscription or ordering key', async () => {
    const probe = await pushTo('shape', () => undefined);
    const [id] = await publishMessages(emulator, 'shape', [
      { data: '{"weights":{"primary":0,"burst":100}}', attributes: { kind: 'decision' }, orderingKey: 'k' },
    ]);
    await until(() => probe.events.length === 1);
    const event = probe.events[0] as Received & { time: string; data: { message: { publishTime: string } } };
    assert.match(event.time, TIMESTAMP);
    assert.equal(event.data.message.publishTime, event.time, 'the CloudEvent time is the publish time');
    assert.deepEqual(event, {
      id,
      time: event.time,
      specversion: '1.0',
      datacontenttype: 'application/json',
      type: 'google.cloud.pubsub.topic.v1.messagePublished',
      source: `//pubsub.googleapis.com/projects/${emulator.projectId}/topics/shape`,
      data: {
        message: {
          '@type': 'type.googleapis.com/google.pubsub.v1.PubsubMessage',
          data: Buffer.from('{"weights":{"primary":0,"burst":100}}').toString('base64'),
          attributes: { kind: 'decision' },
          publishTime: event.time,
          messageId: id,
        },
      },
    });
  });

  test('a message with an empty body reaches the function unconverted: the raw push body, no CloudEvent fields', async () => {
    const probe = await pushTo('empty', () => undefined);
    const [id] = await publishMessages(emulator, 'empty', [{ data: '', attributes: { kind: 'override' } }]);
    await until(() => probe.events.length === 1);
    const event = probe.events[0] as Received & { message: { publishTime: string } };
    assert.match(event.message.publishTime, TIMESTAMP);
    assert.deepEqual(event, {
      subscription: `projects/${emulator.projectId}/subscriptions/empty-push`,
      message: {
        data: '',
        attributes: { kind: 'override' },
        messageId: id,
        message_id: id,
        publishTime: event.message.publishTime,
        publish_time: event.message.publishTime,
      },
    });
  });

  test('gcloud publishes attributes with spaces, commas and "=" exactly, and answers the message id', async () => {
    const probe = await pushTo('gcloud', () => undefined);
    const attributes = { reason: 'manual: load test, 2 of 3 = done', by: 'ops team', 'with space': '' };
    const id = await gcloudPublish(emulator, 'gcloud', {
      message: '-{"mode":"hold"}',
      attributes,
      orderingKey: 'default/worker-virtual-service',
    });
    await until(() => probe.events.length === 1);
    const event = probe.events[0] as Received;
    assert.equal(event.id, id);
    assert.equal(event.type, 'google.cloud.pubsub.topic.v1.messagePublished');
    assert.deepEqual(event.data?.message?.attributes, attributes);
    assert.equal(probe.bodies[0], '-{"mode":"hold"}');
  });

  test('gcloud failures throw with gcloud’s error; attribute names gcloud cannot carry are refused', async () => {
    await assert.rejects(
      gcloudPublish(emulator, 'no-such-topic', { message: 'x' }),
      /gcloud pubsub topics publish no-such-topic failed: .*NOT_FOUND: Topic not found/,
    );
    assert.equal(gcloudAttributeFlag({ a: 'b,c', d: 'e=f' }), '--attribute=^|^a=b,c|d=e=f');
    assert.equal(gcloudAttributeFlag({ a: 'x|y' }), '--attribute=^;^a=x|y');
    assert.throws(() => gcloudAttributeFlag({ 'a=b': 'c' }), /attribute named "a=b"/);
    assert.throws(() => gcloudAttributeFlag({}), /at least one attribute/);
  });

  test('a function that throws (500) gets the same message again until it returns, then no more', async (t) => {
    const failures = 3;
    const probe = await pushTo(
      'retry',
      (_event, p) => {
        if (p.events.length <= failures) throw new Error(`test failure ${p.events.length} of ${failures}`);
      },
      { minimumBackoffSeconds: 1, maximumBackoffSeconds: 1 },
    );
    const [id] = await publishMessages(emulator, 'retry', [{ data: 'again' }]);
    await until(() => probe.events.length === failures + 1, 60_000);
    await sleep(5000); // longer than the emulator's gap between attempts (about 3 s with this policy)
    assert.equal(probe.events.length, failures + 1, 'redelivered until answered 2xx, then never again');
    assert.deepEqual(
      probe.events.map((e) => e.id),
      Array<string | undefined>(failures + 1).fill(id),
    );
    assert.deepEqual(probe.bodies, Array<string>(failures + 1).fill('again'));
    const gaps = probe.times.slice(1).map((at, i) => ((at - (probe.times[i] ?? at)) / 1000).toFixed(1));
    t.diagnostic(`redeliveries after ${gaps.join(' s, ')} s (retry policy 1 s..1 s)`);
  });

  test('a function that returns is called exactly once', async () => {
    const probe = await pushTo('once', () => undefined, {
      minimumBackoffSeconds: 1,
      maximumBackoffSeconds: 1,
    });
    await publishMessages(emulator, 'once', [{ data: 'once' }]);
    await until(() => probe.events.length === 1);
    await sleep(3000);
    assert.deepEqual(probe.bodies, ['once']);
  });

  /** A function that holds each message 200 ms and notes the most it held at once. */
  function holding(): { handler: () => Promise<void>; most: () => number } {
    let now = 0;
    let most = 0;
    return {
      async handler() {
        most = Math.max(most, ++now);
        await sleep(200);
        now--;
      },
      most: () => most,
    };
  }
  const numbered = (from: number, to: number) =>
    Array.from({ length: to - from + 1 }, (_, i) => ({ data: String(from + i), orderingKey: 'vs' }));

  test('ordered: one ordering key is delivered one message at a time, in publish order', async () => {
    const hold = holding();
    const probe = await pushTo('ordered', hold.handler, { ordered: true });
    for (const message of numbered(1, 3)) await publishMessages(emulator, 'ordered', [message]);
    await publishMessages(emulator, 'ordered', numbered(4, 6));
    await until(() => probe.events.length === 6);
    assert.deepEqual(probe.bodies, ['1', '2', '3', '4', '5', '6']);
    assert.equal(hold.most(), 1, 'the next message only after the previous was acknowledged');
  });

  test('ordered: a failing message holds back the later ones of its key until it succeeds', async () => {
    let failuresLeft = 2;
    const probe = await pushTo(
      'ordered-retry',
      (event) => {
        if (bodyOf(event) === '2' && failuresLeft-- > 0) throw new Error('test failure of message 2');
      },
      { ordered: true, minimumBackoffSeconds: 1, maximumBackoffSeconds: 1 },
    );
    await publishMessages(emulator, 'ordered-retry', numbered(1, 4));
    await until(() => probe.events.length === 6, 60_000);
    assert.deepEqual(probe.bodies, ['1', '2', '2', '2', '3', '4']);
  });

  test('unordered: messages of one key overlap (more than one in flight)', async () => {
    const hold = holding();
    const probe = await pushTo('unordered', hold.handler);
    await publishMessages(emulator, 'unordered', numbered(1, 6));
    await until(() => probe.events.length === 6);
    assert.deepEqual([...probe.bodies].sort(), ['1', '2', '3', '4', '5', '6']);
    assert.ok(hold.most() > 1, `at most ${hold.most()} in flight`);
  });
});
