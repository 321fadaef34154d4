import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { request } from 'node:http';
import { startRedisServer, type RedisServer } from '../../local/redis-server.js';
import { startService, type ServiceProcess } from '../../local/service-process.js';
import { sleep, until } from '../../local/test-support/wait.js';

describe('worker process: Redis outage under traffic', () => {
  let redis: RedisServer;
  let worker: ServiceProcess;

  before(async () => {
    redis = await startRedisServer();
    worker = await startService('services/worker/server.ts', {
      REDIS_URL: redis.url,
      REDIS_TIMEOUT_MS: '500',
    });
    await until(async () => (await fetch(worker.url + '_healthz')).status === 200);
  });

  after(async () => {
    await worker.stop();
    await redis.stop();
  });

  const hash = () =>
    fetch(worker.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"str":"x"}',
    });

  test('503 while Redis is down, liveness stays 200, both recover by themselves', async () => {
    assert.equal((await hash()).status, 200);

    // Traffic keeps flowing through the whole outage.
    const statuses: number[] = [];
    let running = true;
    const traffic = (async () => {
      while (running) {
        statuses.push((await hash()).status);
        await sleep(5);
      }
    })();

    await redis.stop();
    await until(async () => (await hash()).status === 503);
    const down = await hash();
    assert.equal(down.status, 503);
    assert.equal(((await down.json()) as { error: { code: string } }).error.code, 'REDIS_UNAVAILABLE');
    assert.equal((await fetch(worker.url + '_healthz')).status, 503, 'readiness fails');
    assert.equal((await fetch(worker.url)).status, 200, 'liveness stays 200');

    await redis.start();
    await until(async () => (await fetch(worker.url + '_healthz')).status === 200);
    await until(async () => (await hash()).status === 200);
    running = false;
    await traffic;

    assert.ok(worker.process.exitCode === null, 'the worker process is still running');
    assert.ok(statuses.includes(503), 'traffic saw the outage');
    assert.deepEqual(
      [...new Set(statuses)].sort(),
      [200, 503],
      'only 200 and 503 answers, never a 500 or a dropped connection',
    );
    const metrics = await (await fetch(worker.url + 'metrics')).text();
    assert.match(
      metrics,
      /spillway_worker_publish_failures_total\{cluster="primary",reason="[a-z]+"\} [1-9]/,
    );
  });

  test('SIGTERM lets requests in flight finish, then exits 0', async () => {
    // Requests whose bodies are still arriving when SIGTERM comes: the server has accepted them.
    const inFlight = Array.from({ length: 5 }, () => slowPost(worker.port));
    await Promise.all(inFlight.map((r) => r.started));
    const stopped = worker.stop();
    await sleep(200);
    for (const r of inFlight) r.finish();
    const statuses = await Promise.all(inFlight.map((r) => r.status));
    await stopped;
    assert.deepEqual(statuses, [200, 200, 200, 200, 200]);
    assert.equal(worker.process.exitCode, 0);
    assert.match(worker.output(), /shut down cleanly/);
  });
});

/** A POST whose body is sent in two parts: `finish()` sends the rest. */
function slowPost(port: number): { started: Promise<void>; finish: () => void; status: Promise<number> } {
  const body = '{"str":"slow request"}';
  const req = request({
    host: '127.0.0.1',
    port,
    method: 'POST',
    path: '/',
    headers: { 'content-type': 'application/json', 'content-length': String(body.length) },
  });
  const status = new Promise<number>((resolve, reject) => {
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
  });
  const started = new Promise<void>((resolve) => req.on('socket', (s) => s.on('connect', () => resolve())));
  req.write(body.slice(0, 5));
  return { started, finish: () => req.end(body.slice(5)), status };
}

describe('worker configuration', () => {
  const run = (env: Record<string, string>) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'services/worker/server.ts'], {
      env: { ...process.env, ...env },
      encoding: 'utf8',
      timeout: 60_000,
    });

  for (const [variable, value] of [
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['REDIS_URL', 'http://localhost'],
    ['LOG_LEVEL', 'loud'],
    ['CLUSTER_NAME', 'a b'],
    ['REDIS_TIMEOUT_MS', '-1'],
  ] as const) {
    test(`${variable}=${value} stops the process with a message naming ${variable}`, () => {
      const result = run({ [variable]: value });
      assert.equal(result.status, 2);
      assert.match(result.stderr, new RegExp(`${variable} `));
      assert.match(result.stderr, /invalid worker configuration/);
    });
  }
});
