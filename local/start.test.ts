import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { acceptsConnections, freePort } from './ports.js';

test('the local stack starts redis, a worker and the frontend, serves hashes, and Ctrl-C stops everything', async () => {
  const frontendPort = await freePort();
  const runner = spawn(process.execPath, ['--import', 'tsx', 'local/start.ts'], {
    env: { ...process.env, FRONTEND_PORT: String(frontendPort) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  runner.stdout.on('data', (c: Buffer) => (output += c.toString()));
  runner.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => runner.once('exit', (code) => resolve(code)));

  try {
    const deadline = Date.now() + 60_000;
    while (!output.includes('Press Ctrl-C')) {
      assert.ok(Date.now() < deadline, `the stack did not come up:\n${output}`);
      assert.equal(runner.exitCode, null, `the runner exited:\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.match(output, new RegExp(`http://localhost:${frontendPort}`));
    const workerPort = Number(/worker\s+http:\/\/127\.0\.0\.1:(\d+)/.exec(output)?.[1]);
    const redisPort = Number(/redis\s+redis:\/\/127\.0\.0\.1:(\d+)/.exec(output)?.[1]);
    assert.ok(workerPort > 0 && redisPort > 0, output);

    const base = `http://127.0.0.1:${frontendPort}`;
    assert.equal((await fetch(base)).status, 200);
    const rate = await fetch(base + '/api/rate', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"rps":20}',
    });
    assert.equal(rate.status, 200);
    for (let i = 0; ; i++) {
      const stats = (await (await fetch(base + '/api/stats')).json()) as { results: { primary: number } };
      if (stats.results.primary > 0) break;
      assert.ok(i < 100, 'results arrive through redis');
      await new Promise((r) => setTimeout(r, 200));
    }

    runner.kill('SIGINT');
    assert.equal(await exited, 0);
    for (const port of [frontendPort, workerPort, redisPort]) {
      assert.equal(await acceptsConnections(port), false, `nothing listens on ${port} any more`);
    }
  } finally {
    if (runner.exitCode === null) runner.kill('SIGKILL');
  }
});

test('a port already in use gets a clear message', async () => {
  const { createServer } = await import('node:net');
  const blocker = createServer().listen(0);
  await new Promise((r) => blocker.once('listening', r));
  const port = (blocker.address() as { port: number }).port;
  try {
    const runner = spawn(process.execPath, ['--import', 'tsx', 'local/start.ts'], {
      env: { ...process.env, FRONTEND_PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    runner.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const code = await new Promise((resolve) => runner.once('exit', resolve));
    assert.equal(code, 1);
    assert.match(output, new RegExp(`Port ${port} is in use.*FRONTEND_PORT=`));
  } finally {
    blocker.close();
  }
});
