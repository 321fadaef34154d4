/** The leftover checks the end-to-end test relies on find what they are meant to find. */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { listenOnLoopback } from '../test-support/listen-loopback.js';
import { descendants, leftoverProcesses, openPorts, runningProcesses } from './e2e-leftovers.js';

const children: ChildProcess[] = [];
after(() => children.forEach((child) => child.kill('SIGKILL')));

/** A process that waits 30 s in `cwd`, with `args` on its command line (and nothing else started). */
async function sleeper(cwd: string, ...args: string[]): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30_000)', '--', ...args], {
    cwd,
    stdio: 'ignore',
  });
  children.push(child);
  await once(child, 'spawn');
  return child;
}

test('a process in the folder, naming a port, or remembered as a descendant is found; once gone it is not', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'spillway-leftovers-'));
  const elsewhere = tmpdir();
  try {
    const before = runningProcesses();
    const inDir = await sleeper(dir);
    const namingPort = await sleeper(elsewhere, '--listen=127.0.0.1:54321');
    const remembered = descendants().filter((p) => !before.has(p)); // not tsx's esbuild service
    const found = leftoverProcesses({ dir, ports: [54321], remembered: [], before });
    assert.deepEqual(
      found.map((l) => [l.pid, l.why]).sort(),
      [
        [inDir.pid, `it runs in ${dir}`],
        [namingPort.pid, 'its command line names port 54321'],
      ].sort(),
    );
    // A process that was running before the stack is not one of its ports' users…
    assert.deepEqual(
      leftoverProcesses({ dir: '/nonexistent', ports: [54321], remembered: [], before: runningProcesses() }),
      [],
    );
    // …unless it was remembered as the test's descendant.
    const all = leftoverProcesses({ dir: '/nonexistent', ports: [], remembered, before: new Set() });
    assert.deepEqual(all.map((l) => l.pid).sort(), [inDir.pid, namingPort.pid].sort());

    for (const child of [inDir, namingPort]) {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
    assert.deepEqual(leftoverProcesses({ dir, ports: [54321], remembered, before: new Set() }), []);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('openPorts names the ports something listens on', async () => {
  const server = createServer();
  const port = await listenOnLoopback(server);
  assert.deepEqual(await openPorts([port]), [port]);
  await new Promise((done) => server.close(done));
  assert.deepEqual(await openPorts([port]), []);
});
