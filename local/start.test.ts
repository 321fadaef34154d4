/**
 * `npm start` runs local/start.ts, which is `spillway up` with the arguments after `--`. The stack itself is
 * tested in local/cli/up-lifecycle.test.ts (a terminal's Ctrl-C, a part that dies) and local/stack/e2e*.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { childEnv } from './child-env.js';
import { listenOnLoopback } from './test-support/listen-loopback.js';
import { runToExit } from './test-support/run-to-exit.js';

const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));
const start = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  runToExit(process.execPath, ['--import', 'tsx', 'local/start.ts', ...args], childEnv(env), REPO_ROOT);

test('npm start is spillway up: its options pass through', async () => {
  const run = await start(['--help']);
  assert.equal(run.code, 0, run.output);
  assert.match(run.stdout, /^usage: spillway up \[options\]/);
});

test('npm start with FRONTEND_PORT taken: exit 1, the port named, how to choose another', async () => {
  const blocker = createServer();
  const port = await listenOnLoopback(blocker);
  try {
    const run = await start(['--dir', join(tmpdir(), 'spillway-start-unused')], {
      FRONTEND_PORT: String(port),
    });
    assert.equal(run.code, 1, run.output);
    assert.match(
      run.stderr,
      new RegExp(`port ${String(port)} \\(the page\\) is in use: .*FRONTEND_PORT=8090 npm start`),
    );
  } finally {
    blocker.close();
  }
});
