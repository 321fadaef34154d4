import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { Redis } from 'ioredis';
import { CALCULATION_CHANNEL } from '../../core/channels.js';
import { createLogger } from '../../core/logger.js';
import { startRedisServer, type RedisServer } from '../../local/redis-server.js';
import { createPublisher } from '../common/redis.js';
import { buildWorkerApp, MAX_STR_LENGTH } from './app.js';
import { HASH_PATTERN } from './hash.js';
import { until } from '../../local/test-support/wait.js';

const logger = createLogger({ service: 'worker-test', level: 'silent' });

describe('worker (in-process, real redis-server)', () => {
  let redisServer: RedisServer;
  let publisher: Redis;
  let subscriber: Redis;
  let url: string;
  let close: () => Promise<void>;
  const received: string[] = [];

  before(async () => {
    redisServer = await startRedisServer();
    publisher = createPublisher(redisServer.url, 1000, logger);
    subscriber = new Redis(redisServer.url);
    subscriber.on('message', (_channel: string, message: string) => received.push(message));
    await subscriber.subscribe(CALCULATION_CHANNEL);
    await until(() => publisher.status === 'ready');
    const { app } = buildWorkerApp({
      config: { PREFIX: 'bursty-', CLUSTER_NAME: 'burst' },
      logger,
      redis: publisher,
    });
    url = await app.listen({ port: 0, host: '127.0.0.1' });
    close = () => app.close();
  });

  after(async () => {
    await close();
    publisher.disconnect();
    subscriber.disconnect();
    await redisServer.stop();
  });

  const post = (body: string, contentType = 'application/json') =>
    fetch(url + '/', { method: 'POST', headers: { 'content-type': contentType }, body });

  test('POST / answers the prefixed hash and publishes exactly it on "calculation"', async () => {
    received.length = 0;
    const response = await post(JSON.stringify({ str: 'hello world' }));
    assert.equal(response.status, 200);
    const { hash } = (await response.json()) as { hash: string };
    assert.ok(hash.startsWith('bursty-'), hash);
    assert.match(hash.slice('bursty-'.length), HASH_PATTERN);
    await until(() => received.includes(hash));
  });

  test('concurrent requests are independent: every answer is a distinct hash that was published', async () => {
    received.length = 0;
    // The salt has as many random bytes as the string has characters (the codelab's rule): a 2-character
    // string has only 65,536 salts, so 100 of them collide by chance (birthday bound). 16 characters give
    // 2^128 salts, where a collision means shared state.
    const inputs = ['first input 0000', 'second input 000', 'third input 0000'];
    const answers = await Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        post(JSON.stringify({ str: inputs[i % 3] })).then((r) => r.json()),
      ),
    );
    const hashes = answers.map((a) => (a as { hash: string }).hash);
    assert.equal(new Set(hashes).size, 300, 'same input strings still get distinct random salts');
    await until(() => received.length >= 300);
    assert.deepEqual([...received].sort(), [...hashes].sort());
  });

  test('a string of the maximum length is accepted; one character more is not', async () => {
    assert.equal((await post(JSON.stringify({ str: 'x'.repeat(MAX_STR_LENGTH) }))).status, 200);
    const tooLong = await post(JSON.stringify({ str: 'x'.repeat(MAX_STR_LENGTH + 1) }));
    assert.equal(tooLong.status, 400);
  });

  const badInputs: { name: string; body: string; contentType?: string; status: number; code: string }[] = [
    { name: 'missing str', body: '{}', status: 400, code: 'BAD_REQUEST' },
    { name: 'null str', body: '{"str":null}', status: 400, code: 'BAD_REQUEST' },
    { name: 'number str', body: '{"str":42}', status: 400, code: 'BAD_REQUEST' },
    { name: 'boolean str', body: '{"str":true}', status: 400, code: 'BAD_REQUEST' },
    { name: 'array str', body: '{"str":["a"]}', status: 400, code: 'BAD_REQUEST' },
    { name: 'object str', body: '{"str":{"a":1}}', status: 400, code: 'BAD_REQUEST' },
    { name: 'empty str', body: '{"str":""}', status: 400, code: 'BAD_REQUEST' },
    { name: 'body is an array', body: '["a"]', status: 400, code: 'BAD_REQUEST' },
    { name: 'body is null', body: 'null', status: 400, code: 'BAD_REQUEST' },
    { name: 'body is a number', body: '7', status: 400, code: 'BAD_REQUEST' },
    { name: 'invalid JSON', body: '{"str": "a"', status: 400, code: 'INVALID_JSON' },
    { name: 'empty JSON body', body: '', status: 400, code: 'INVALID_JSON' },
    {
      name: 'prototype pollution',
      body: '{"str":"a","__proto__":{"x":1}}',
      status: 400,
      code: 'INVALID_JSON',
    },
    {
      name: 'text/plain',
      body: 'hello',
      contentType: 'text/plain',
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
    },
    {
      name: 'form encoded',
      body: 'str=hello',
      contentType: 'application/x-www-form-urlencoded',
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
    },
    {
      name: 'oversize body',
      body: JSON.stringify({ str: 'x'.repeat(17 * 1024) }),
      status: 413,
      code: 'BODY_TOO_LARGE',
    },
  ];

  for (const bad of badInputs) {
    test(`bad input: ${bad.name} → ${bad.status} ${bad.code}, JSON error, no stack trace`, async () => {
      const response = await post(bad.body, bad.contentType);
      assert.equal(response.status, bad.status);
      assert.match(response.headers.get('content-type') ?? '', /application\/json/);
      const text = await response.text();
      const body = JSON.parse(text) as { error: { code: string; message: string } };
      assert.equal(body.error.code, bad.code);
      assert.ok(body.error.message.length > 0);
      assert.doesNotMatch(text, /\bat .*\.(ts|js):\d+/, 'no stack trace in the answer');
    });
  }

  test('a request the HTTP parser rejects (bad Content-Length) gets the same JSON error shape', async () => {
    const { port } = new URL(url);
    const raw = await new Promise<string>((resolve, reject) => {
      let answer = '';
      const socket = connect({ host: '127.0.0.1', port: Number(port) }, () =>
        socket.write(
          'POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: abc\r\n\r\n{}',
        ),
      );
      socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
      socket.on('end', () => resolve(answer));
      socket.on('error', reject);
    });
    assert.match(raw, /^HTTP\/1\.1 400 /);
    const body = JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)) as { error: { code: string } };
    assert.equal(body.error.code, 'BAD_REQUEST');
  });

  test('the service still works after all the bad inputs', async () => {
    assert.equal((await post('{"str":"still alive"}')).status, 200);
  });

  test('unknown routes and methods answer JSON errors', async () => {
    const missing = await fetch(url + '/nope');
    assert.equal(missing.status, 404);
    assert.equal(((await missing.json()) as { error: { code: string } }).error.code, 'NOT_FOUND');
    const wrongMethod = await fetch(url + '/', { method: 'DELETE' });
    assert.ok(wrongMethod.status === 404 || wrongMethod.status === 405);
  });

  test('/metrics counts published hashes and request durations', async () => {
    const before = publishedCount(await (await fetch(url + '/metrics')).text());
    await post('{"str":"count me"}');
    const text = await (await fetch(url + '/metrics')).text();
    assert.equal(publishedCount(text), before + 1);
    assert.match(
      text,
      /spillway_http_request_duration_seconds_count\{service="worker",method="POST",route="\/"/,
    );
    assert.match(text, /# TYPE spillway_worker_publish_failures_total counter/);
  });
});

function publishedCount(metrics: string): number {
  const match = /spillway_worker_hashes_published_total\{cluster="burst"\} (\d+)/.exec(metrics);
  return match ? Number(match[1]) : 0;
}
