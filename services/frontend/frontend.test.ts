import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { Redis } from 'ioredis';
import { CALCULATION_CHANNEL } from '../../core/channels.js';
import { startRedisServer, type RedisServer } from '../../local/redis-server.js';
import { startService, type ServiceProcess } from '../../local/service-process.js';
import { sleep, until } from '../../local/test-support/wait.js';
import { collectResults, openFeed, publishUntilSeen } from './test-support.js';

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

  test('GET / serves the String Hashr page, with nothing from elsewhere', async () => {
    const response = await fetch(frontend.url);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /text\/html/);
    const html = await response.text();
    assert.match(html, /String Hashr/);
    assert.doesNotMatch(
      html,
      /<(?:script|link)\b[^>]*\s(?:src|href)="?(?:[a-z]+:)?\/\//i,
      'no scripts or styles from elsewhere',
    );
  });

  test('the page comes with a content security policy that forbids framing', async () => {
    const response = await fetch(frontend.url);
    assert.match(response.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
  });

  test('GET /assets serves the stylesheets and scripts of the page, and nothing else', async () => {
    const html = await (await fetch(frontend.url)).text();
    const referenced = [...html.matchAll(/(?:href|src)="(\/assets\/[^"]+)"/g)].map((m) => m[1] ?? '');
    const scripts = await Promise.all(
      referenced
        .filter((path) => path.endsWith('.js'))
        .map(async (path) => (await fetch(new URL(path, frontend.url))).text()),
    );
    // The modules the page's script imports (`./chart.js`, …) are assets too.
    for (const script of scripts)
      for (const m of script.matchAll(/from '\.\/([^']+)'/g)) referenced.push(`/assets/${m[1] ?? ''}`);
    const assets = [...new Set(referenced)];
    assert.ok(assets.includes('/assets/page.css') && assets.includes('/assets/page.js'), assets.join(' '));
    assert.ok(
      assets.some((path) => path !== '/assets/page.js' && path.endsWith('.js')),
      'imported modules',
    );
    for (const path of assets) {
      const response = await fetch(new URL(path, frontend.url));
      assert.equal(response.status, 200, path);
      const type = path.endsWith('.css') ? 'text/css; charset=utf-8' : 'text/javascript; charset=utf-8';
      assert.equal(response.headers.get('content-type'), type, path);
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff', path);
      assert.equal(response.headers.get('cache-control'), 'no-cache', path);
      assert.ok((await response.text()).length > 0, path);
    }
    // Sent as written: fetch would resolve `%2e%2e` as `..` before sending.
    for (const path of [
      '/assets/nope.js',
      '/assets/index.html',
      '/assets/..%2Fapp.ts',
      '/assets/%2e%2e/app.ts',
    ]) {
      const response = await getRaw(frontend.port, path);
      assert.equal(response.status, 404, path);
      assert.match(response.contentType, /application\/json/, path);
      assert.equal((JSON.parse(response.body) as { error: { code: string } }).error.code, 'NOT_FOUND', path);
    }
  });

  test('the content security policy allows scripts and styles from the frontend only, nothing inline', async () => {
    const policy = (await fetch(frontend.url)).headers.get('content-security-policy') ?? '';
    assert.match(policy, /script-src 'self'(;|$)/);
    assert.match(policy, /style-src 'self'(;|$)/);
    assert.doesNotMatch(policy, /'unsafe-inline'|'unsafe-eval'/);
    const html = (await (await fetch(frontend.url)).text()).replace(/<!--[\s\S]*?-->/g, '');
    assert.doesNotMatch(html, /<style|\sstyle=|<script(?![^>]*\ssrc=)/i, 'no inline styles or scripts');
  });

  test('a websocket from another site is refused; from the page itself it is accepted', async () => {
    const foreign = openFeed(frontend.url, { origin: 'https://evil.example' });
    const refused = await new Promise<boolean>((resolve) => {
      foreign.once('open', () => resolve(false));
      foreign.once('error', () => resolve(true));
    });
    assert.ok(refused);
    const own = openFeed(frontend.url, { origin: frontend.url.replace(/\/$/, '') });
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
    const socket = openFeed(frontend.url);
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

  test('2 000 results/s fan out to several pages in bounded batches, every result counted', async () => {
    const pages = Array.from({ length: 3 }, () => openFeed(frontend.url));
    const batches = pages.map(() => [] as number[]);
    pages.forEach((socket, i) =>
      socket.on('message', (data: Buffer) => {
        const message = JSON.parse(data.toString()) as { type: string; results: string[] };
        if (message.type === 'batch') batches[i]?.push(message.results.length);
      }),
    );
    await Promise.all(pages.map((s) => new Promise((resolve) => s.once('open', resolve))));
    const publisher = new Redis(redis.url);
    const primaryTotal = async () =>
      Number(
        /spillway_frontend_results_total\{origin="primary"\} (\d+)/.exec(
          await (await fetch(frontend.url + 'metrics')).text(),
        )?.[1] ?? NaN,
      );
    const before = await primaryTotal();
    try {
      // 2 000 per second for 3 s, in slices of 200 every 100 ms.
      for (let slice = 0; slice < 30; slice++) {
        const pipeline = publisher.pipeline();
        for (let i = 0; i < 200; i++) pipeline.publish(CALCULATION_CHANNEL, `load-${slice}-${i}`);
        await pipeline.exec();
        await sleep(100);
      }
      await until(async () => (await primaryTotal()) - before === 6000, 5000);
      await sleep(300); // the last batch
    } finally {
      publisher.disconnect();
      pages.forEach((s) => s.close());
    }
    for (const counts of batches) {
      assert.ok(counts.length >= 25, `a batch about every 100 ms (${counts.length})`);
      assert.ok(
        counts.every((n) => n <= 200),
        'no batch carries more than 200 results',
      );
      const delivered = counts.reduce((a, b) => a + b, 0);
      assert.ok(delivered >= 5400, `each page received nearly all results (${delivered})`);
    }
  });

  test('after a Redis restart the frontend subscribes again by itself', async () => {
    await redis.stop();
    await until(async () => (await fetch(frontend.url + '_healthz')).status === 503);
    await redis.start();
    await until(async () => (await fetch(frontend.url + '_healthz')).status === 200);
    const socket = openFeed(frontend.url);
    const seen = collectResults(socket);
    await new Promise((resolve) => socket.once('open', resolve));
    const publisher = new Redis(redis.url);
    try {
      await publishUntilSeen(publisher, seen, 'after-restart');
    } finally {
      socket.close();
      publisher.disconnect();
    }
    assert.equal(frontend.process.exitCode, null);
  });
});

/** A GET with the path sent exactly as written (no URL normalisation). */
function getRaw(port: number, path: string): Promise<{ status: number; contentType: string; body: string }> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          contentType: response.headers['content-type'] ?? '',
          body,
        }),
      );
    })
      .on('error', reject)
      .end();
  });
}
