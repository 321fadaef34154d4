import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { freePort } from '../../local/ports.js';
import { startRedisServer } from '../../local/redis-server.js';
import { startService } from '../../local/service-process.js';
import { sleep } from '../../local/test-support/wait.js';
import { collectResults, openFeed, publishUntilSeen } from './test-support.js';

test('a frontend started before Redis serves, then subscribes once Redis comes up, without errors', async () => {
  const redisPort = await freePort();
  const frontend = await startService('services/frontend/server.ts', {
    REDIS_URL: `redis://127.0.0.1:${redisPort}`,
    LOG_LEVEL: 'info',
  });
  const socket = openFeed(frontend.url);
  const seen = collectResults(socket);
  let redis: Awaited<ReturnType<typeof startRedisServer>> | undefined;
  let publisher: Redis | undefined;
  try {
    assert.equal((await fetch(frontend.url)).status, 200, 'the page is served without Redis');
    assert.equal((await fetch(frontend.url + '_healthz')).status, 503, 'not ready without Redis');
    await sleep(1500);
    redis = await startRedisServer({ port: redisPort });
    publisher = new Redis(redis.url);
    await publishUntilSeen(publisher, seen, 'late');
    assert.equal((await fetch(frontend.url + '_healthz')).status, 200);
    assert.doesNotMatch(frontend.output(), /"severity":"(ERROR|CRITICAL)"/);
  } finally {
    socket.close();
    publisher?.disconnect();
    await frontend.stop();
    await redis?.stop();
  }
});
