import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { listenOnLoopback } from '../test-support/listen-loopback.js';
import { runToExit } from '../test-support/run-to-exit.js';
import { childEnv } from '../child-env.js';
import { startStack } from '../stack/start-stack.js';
import { writeStackFile, readStackFile, type StackFile } from '../stack/stack-file.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'spillway-up-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** `spillway up ARGS` as a user runs it; only runs that stop before starting anything belong here. */
const up = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  runToExit(process.execPath, ['bin/spillway.mjs', 'up', '--dir', dir, ...args], childEnv(env), REPO_ROOT);

describe('spillway up: what it refuses before starting anything', () => {
  for (const [args, message] of [
    [['--port', 'eighty'], /--port must be a port number from 0 to 65535 \(got "eighty"\)/],
    [['--port', '70000'], /--port must be a port number from 0 to 65535 \(got "70000"\)/],
    [['--rate-window', '0'], /--rate-window must be a positive whole number of seconds \(got "0"\)/],
    [['--rate-window', '2.5'], /--rate-window must be a positive whole number of seconds/],
    [['--decide-every', 'soon'], /--decide-every must be a positive number of seconds \(got "soon"\)/],
    [['--pubsub', 'carrier-pigeon'], /--pubsub must be auto, emulator or direct \(got "carrier-pigeon"\)/],
    [['--frobnicate'], /Unknown option '--frobnicate'/],
    [['extra'], /Unexpected argument 'extra'/],
  ] as const) {
    test(`${args.join(' ')} → exit 2 with the usage`, async () => {
      const run = await up([...args]);
      assert.equal(run.code, 2, run.output);
      assert.match(run.stderr, message);
      assert.match(run.stderr, /usage: spillway up/);
    });
  }

  test('a bad FRONTEND_PORT is named', async () => {
    const run = await up([], { FRONTEND_PORT: 'eighty' });
    assert.equal(run.code, 2, run.output);
    assert.match(run.stderr, /FRONTEND_PORT must be a port number from 0 to 65535 \(got "eighty"\)/);
  });

  test('the page port taken → exit 1 naming it and how to choose another, nothing started', async () => {
    const blocker = createServer();
    const port = await listenOnLoopback(blocker);
    try {
      const run = await up(['--port', String(port)]);
      assert.equal(run.code, 1, run.output);
      assert.match(
        run.stderr,
        new RegExp(`port ${String(port)} \\(the page\\) is in use: .*FRONTEND_PORT=8090 npm start`),
      );
      assert.doesNotMatch(run.stdout, /starting/);
    } finally {
      blocker.close();
    }
  });

  test('--pubsub emulator without the emulator → exit 1 with how to install it, nothing started', async () => {
    const run = await up(['--port', '0', '--pubsub', 'emulator'], {
      SPILLWAY_PUBSUB_EMULATOR: '/nonexistent/cloud-pubsub-emulator',
    });
    assert.equal(run.code, 1, run.output);
    assert.match(
      run.stderr,
      /cannot start the local stack: SPILLWAY_PUBSUB_EMULATOR names \/nonexistent\/cloud-pubsub-emulator, which does not exist; install the Pub\/Sub emulator/,
    );
    assert.doesNotMatch(run.stdout, /starting/);
  });

  test('a second stack on the same folder is refused while the first runs', async () => {
    const running = {
      version: 1,
      pid: process.pid,
      startedAt: new Date().toISOString(),
      dir,
      logDir: join(dir, 'logs'),
      frontend: { url: 'http://localhost:8080/' },
      kubeconfig: join(dir, 'kubeconfig'),
      namespace: 'default',
      virtualService: 'worker-virtual-service',
      prometheus: { url: 'http://127.0.0.1:9090', scrapeIntervalSeconds: 1 },
      pubsub: {
        mode: 'direct',
        pushEndpoint: 'http://127.0.0.1:8081/',
        projectId: 'spillway-local',
        topic: 'spillway-decisions',
        subscription: 'spillway-applier',
      },
      decider: { everySeconds: 1, rateWindowSeconds: 5, query: 'sum(x)' },
      applier: { url: 'http://127.0.0.1:8081/' },
      mesh: { url: 'http://127.0.0.1:15001/', adminUrl: 'http://127.0.0.1:15020/' },
      workers: { primary: 'http://127.0.0.1:8083/', burst: 'http://127.0.0.1:8084/' },
      redis: { url: 'redis://127.0.0.1:6379' },
    } satisfies StackFile;
    await writeStackFile(dir, running);
    await assert.rejects(
      startStack({ dir, frontendPort: 0 }),
      new RegExp(
        `a local stack is already running from .* \\(pid ${String(process.pid)}, page http://localhost:8080/\\); stop it first`,
      ),
    );
    assert.deepEqual(await readStackFile(dir), running, 'the running stack keeps its file');
  });
});
