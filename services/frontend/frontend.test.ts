import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { WebSocket } from 'ws';
import { CALCULATION_CHANNEL } from '../../core/channels.js';
import { startRedisServer, type RedisServer } from '../../local/redis-server.js';
import { startService, type ServiceProcess } from '../../local/test-support/service-process.js';

interface Stats {
  rps: { asked: number; achieved: number };
  results: { primary: number; burst: number };
  requests: { inFlight: number; total: { sent: number; ok: number; error: number; dropped: number } };
}

describe('frontend process with a real worker and redis-server', () => {
  let redis: RedisServer;
  let worker: ServiceProcess;
  let frontend: ServiceProcess;

  before(async () => {
    redis = await startRedisServer();
    worker = await startService('services/worker/server.ts', { REDIS_URL: redis.url });
    frontend = await startService('services/frontend/server.ts', {
      REDIS_URL: redis.url,
      PROCESSOR_URL: worker.url,
      MAX_RATE: '3000',
    });
    await until(async () => (await fetch(frontend.url + '_healthz')).status === 200);
  });

  after(async () => {
    await frontend.stop();
    await worker.stop();
    await redis.stop();
  });

  const setRate = (body: string, contentType = 'application/json') =>
    fetch(frontend.url + 'api/rate', { method: 'POST', headers: { 'content-type': contentType }, body });
  const stats = async () => (await (await fetch(frontend.url + 'api/stats')).json()) as Stats;

  test('GET / serves the self-contained String Hashr page', async () => {
    const response = await fetch(frontend.url);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /text\/html/);
    const html = await response.text();
    assert.match(html, /String Hashr/);
    assert.doesNotMatch(html, /<script[^>]+src=|<link[^>]+href="?https?:/i, 'no external scripts or styles');
  });

  test('the page comes with a content security policy that forbids framing', async () => {
    const response = await fetch(frontend.url);
    assert.match(response.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
  });

  test('a websocket from another site is refused; from the page itself it is accepted', async () => {
    const wsUrl = frontend.url.replace('http', 'ws') + 'ws';
    const foreign = new WebSocket(wsUrl, { origin: 'https://evil.example' });
    const refused = await new Promise<boolean>((resolve) => {
      foreign.once('open', () => resolve(false));
      foreign.once('error', () => resolve(true));
    });
    assert.ok(refused);
    const own = new WebSocket(wsUrl, { origin: frontend.url.replace(/\/$/, '') });
    await new Promise((resolve, reject) => own.once('open', resolve).once('error', reject));
    own.close();
  });

  for (const rps of [20, 1000]) {
    test(`load generator keeps ${rps} req/s within ±2 % over 10 s`, async () => {
      assert.equal((await setRate(JSON.stringify({ rps }))).status, 200);
      await sleep(1500); // let connections warm up
      const start = await stats();
      const t0 = performance.now();
      await sleep(10_000);
      const end = await stats();
      const seconds = (performance.now() - t0) / 1000;
      const sent = end.requests.total.sent - start.requests.total.sent;
      const ok = end.requests.total.ok - start.requests.total.ok;
      const ratio = sent / (rps * seconds);
      assert.ok(
        Math.abs(ratio - 1) <= 0.02,
        `sent ${sent} in ${seconds.toFixed(2)} s: ratio ${ratio.toFixed(4)}`,
      );
      assert.ok(Math.abs(ok / sent - 1) <= 0.02, `ok ${ok} of ${sent}`);
      assert.equal(end.requests.total.dropped - start.requests.total.dropped, 0);
      assert.equal(end.requests.total.error - start.requests.total.error, 0);
      assert.equal(end.rps.asked, rps);
      assert.ok(Math.abs(end.rps.achieved / rps - 1) <= 0.05, `achieved ${end.rps.achieved}`);
      assert.ok(end.results.primary > 0 && end.results.burst === 0);
      assert.equal((await setRate('{"rps":0}')).status, 200);
    });
  }

  const badRates: [string, string, number, string][] = [
    ['negative', '{"rps":-1}', 400, 'RATE_OUT_OF_RANGE'],
    ['above MAX_RATE', '{"rps":3001}', 400, 'RATE_OUT_OF_RANGE'],
    ['a string', '{"rps":"fast"}', 400, 'BAD_REQUEST'],
    ['a numeric string', '{"rps":"10"}', 400, 'BAD_REQUEST'],
    ['null', '{"rps":null}', 400, 'BAD_REQUEST'],
    ['missing', '{}', 400, 'BAD_REQUEST'],
    ['invalid JSON', '{"rps":', 400, 'INVALID_JSON'],
  ];
  for (const [name, body, status, code] of badRates) {
    test(`POST /api/rate with ${name} → ${status} ${code}, rate unchanged`, async () => {
      await setRate('{"rps":0}');
      const response = await setRate(body);
      assert.equal(response.status, status);
      const answer = (await response.json()) as { error: { code: string; message: string } };
      assert.equal(answer.error.code, code);
      assert.ok(answer.error.message.length > 0);
      assert.equal((await stats()).rps.asked, 0);
    });
  }

  test('POST /api/rate with text/plain → 415', async () => {
    assert.equal((await setRate('10', 'text/plain')).status, 415);
  });

  test('results reach a websocket client in batches, and /api/stats counts them by origin', async () => {
    const socket = new WebSocket(frontend.url.replace('http', 'ws') + 'ws');
    const results: string[] = [];
    socket.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString()) as { type: string; results: string[] };
      if (message.type === 'batch') results.push(...message.results);
    });
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    const publisher = new Redis(redis.url);
    try {
      await setRate('{"rps":50}');
      await until(async () => results.length >= 20);
      assert.ok(
        results.every((r) => /^[A-Za-z0-9+/]{43}=$/.test(r)),
        'worker hashes',
      );
      await setRate('{"rps":0}');
      for (let i = 0; i < 30; i++) await publisher.publish(CALCULATION_CHANNEL, `bursty-${i}`);
      await until(async () => results.includes('bursty-29'));
      await until(async () => (await stats()).results.burst === 30, 5000);
    } finally {
      socket.close();
      publisher.disconnect();
    }
  });

  test('after a Redis restart the frontend subscribes again by itself', async () => {
    await redis.stop();
    await until(async () => (await fetch(frontend.url + '_healthz')).status === 503);
    await redis.start();
    await until(async () => (await fetch(frontend.url + '_healthz')).status === 200);
    const socket = new WebSocket(frontend.url.replace('http', 'ws') + 'ws');
    const seen: string[] = [];
    socket.on('message', (data: Buffer) =>
      seen.push(...(JSON.parse(data.toString()) as { results: string[] }).results),
    );
    await new Promise((resolve) => socket.once('open', resolve));
    const publisher = new Redis(redis.url);
    try {
      await until(async () => {
        await publisher.publish(CALCULATION_CHANNEL, 'after-restart');
        return seen.includes('after-restart');
      });
    } finally {
      socket.close();
      publisher.disconnect();
    }
    assert.equal(frontend.process.exitCode, null);
  });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(condition: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await condition()) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(100);
  }
}
