/** State survives restarts (clean or killed), the resourceVersion keeps counting, and bad state is refused. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';
import { startListening } from '../child-process.js';
import { freePort } from '../ports.js';
import { until } from '../test-support/wait.js';
import { startControlPlane } from './index.js';
import { statePath } from './persistence.js';
import {
  api,
  readWatch,
  SeedDr,
  SeedVs,
  startTestControlPlane,
  tempDir,
  VsPath,
  weightsPatch,
} from './test-helpers.js';
import { childEnv } from '../child-env.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const spillway = join(repoRoot, 'bin', 'spillway.mjs');
const merge = 'application/merge-patch+json';
const setWeights = (url: string, primary: number, burst: number) =>
  api(url, 'PATCH', `${VsPath}/${SeedVs}`, {
    body: weightsPatch(primary, burst),
    contentType: 'application/json-patch+json',
  });
const weightsAt = async (url: string) =>
  (await api(url, 'GET', `${VsPath}/${SeedVs}`)).body.spec.http[0].route.map(
    (r: { weight: number }) => r.weight,
  );

describe('persistence', () => {
  const dirs: string[] = [];
  const dir = (name: string) => {
    const path = tempDir(name);
    dirs.push(path);
    return path;
  };
  after(() => {
    for (const path of dirs) rmSync(path, { recursive: true, force: true });
  });

  test('a restart keeps the objects and the resourceVersion counter; old watches get 410 Gone', async () => {
    const dataDir = dir('restart');
    const first = await startTestControlPlane({ dataDir });
    const before = await setWeights(first.url, 60, 40);
    const deleted = await api(
      first.url,
      'DELETE',
      `/apis/networking.istio.io/v1/namespaces/default/destinationrules/${SeedDr}`,
    );
    assert.equal(deleted.status, 200);
    const lastRv = Number((await api(first.url, 'GET', VsPath)).body.metadata.resourceVersion);
    await first.close();

    const second = await startTestControlPlane({ dataDir });
    try {
      const vs = (await api(second.url, 'GET', `${VsPath}/${SeedVs}`)).body;
      assert.deepEqual(await weightsAt(second.url), [60, 40]);
      assert.equal(vs.metadata.uid, before.body.metadata.uid);
      assert.equal(vs.metadata.resourceVersion, before.body.metadata.resourceVersion);
      assert.equal(vs.metadata.generation, before.body.metadata.generation);
      const dr = await api(
        second.url,
        'GET',
        `/apis/networking.istio.io/v1/namespaces/default/destinationrules/${SeedDr}`,
      );
      assert.equal(dr.status, 404, 'a deleted seed object is not seeded again');
      const listed = Number((await api(second.url, 'GET', VsPath)).body.metadata.resourceVersion);
      assert.equal(listed, lastRv);
      const after = await api(second.url, 'PATCH', `${VsPath}/${SeedVs}`, {
        body: { metadata: { labels: { restarted: 'yes' } } },
        contentType: merge,
      });
      assert.ok(Number(after.body.metadata.resourceVersion) > lastRv);

      const events = await readWatch(
        `${second.url}${VsPath}?watch=1&resourceVersion=${lastRv - 1}`,
        () => false,
      );
      assert.equal(events.length, 1);
      assert.equal(events[0]?.type, 'ERROR');
      assert.equal(events[0]?.object.code, 410);
      assert.equal(events[0]?.object.reason, 'Expired');
      assert.match(events[0]?.object.message, /^too old resource version: \d+ \(\d+\)$/);
    } finally {
      await second.close();
    }
  });

  test('the CLI: prints where it listens, stops on SIGTERM, and a kill loses nothing acknowledged', async () => {
    const dataDir = dir('cli');
    const start = async () => {
      const port = await freePort();
      const process = await startListening({
        name: 'spillway control-plane',
        command: globalThis.process.execPath,
        args: [
          spillway,
          'control-plane',
          '--port',
          String(port),
          '--data-dir',
          dataDir,
          '--log-level',
          'warn',
        ],
        env: childEnv(),
        cwd: repoRoot,
        port,
        readyTimeoutMs: 60_000,
      });
      return { process, url: `http://127.0.0.1:${port}` };
    };

    const first = await start();
    try {
      await setWeights(first.url, 20, 80);
      first.process.process.kill('SIGKILL');
      await first.process.exited;
    } finally {
      await first.process.stop();
    }
    const second = await start();
    try {
      assert.deepEqual(await weightsAt(second.url), [20, 80]);
      await until(() => second.process.output().includes(`Control plane listening on ${second.url}`));
      assert.match(second.process.output(), new RegExp(`kubeconfig: ${join(dataDir, 'kubeconfig')}`));
      assert.match(readFileSync(join(dataDir, 'kubeconfig'), 'utf8'), new RegExp(`server: ${second.url}`));
      second.process.process.kill('SIGTERM');
      await second.process.exited;
      assert.equal(second.process.process.exitCode, 0, second.process.output());
    } finally {
      await second.process.stop();
    }
  });

  test('the CLI refuses bad flags with exit 2 and a message', async () => {
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [spillway, 'control-plane', '--data-dir', dir('flags'), '--port', 'eighty'],
        { env: childEnv(), cwd: repoRoot },
        (error, _stdout, stderr) => resolve({ code: error ? (error.code as number) : 0, stderr }),
      );
    });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--port must be a port number from 0 to 65535 \(got "eighty"\)/);
  });

  test('one control plane per directory', async () => {
    const dataDir = dir('lock');
    const first = await startControlPlane({ dataDir });
    try {
      await assert.rejects(startControlPlane({ dataDir }), /is already in use by a control plane/);
    } finally {
      await first.close();
    }
    const again = await startControlPlane({ dataDir });
    await again.close();
  });

  test('a damaged state file is refused, not overwritten', async () => {
    const dataDir = dir('damaged');
    writeFileSync(statePath(dataDir), '{"format": "something else"');
    await assert.rejects(startControlPlane({ dataDir }), /is not a control plane state file \(invalid JSON/);
    assert.equal(readFileSync(statePath(dataDir), 'utf8'), '{"format": "something else"');
  });

  test('seed files: other objects at first start; a wrong object names its file', async () => {
    const dataDir = dir('seeds');
    const seed = join(dataDir, 'seed.yaml');
    writeFileSync(
      seed,
      [
        'apiVersion: networking.istio.io/v1beta1',
        'kind: VirtualService',
        'metadata: {name: from-seed, namespace: team}',
        'spec: {hosts: [a]}',
        '---',
        'apiVersion: networking.istio.io/v1',
        'kind: DestinationRule',
        'metadata: {name: dr-seed}',
        'spec: {host: a}',
        '',
      ].join('\n'),
    );
    const cp = await startControlPlane({ dataDir, seedFiles: [seed] });
    try {
      const vs = await api(
        cp.url,
        'GET',
        '/apis/networking.istio.io/v1/namespaces/team/virtualservices/from-seed',
      );
      assert.equal(vs.body.apiVersion, 'networking.istio.io/v1');
      const dr = await api(
        cp.url,
        'GET',
        '/apis/networking.istio.io/v1/namespaces/default/destinationrules/dr-seed',
      );
      assert.equal(dr.status, 200);
      assert.equal((await api(cp.url, 'GET', `${VsPath}/${SeedVs}`)).status, 404);
    } finally {
      await cp.close();
    }

    const wrong = join(dir('bad-seed'), 'gateway.yaml');
    writeFileSync(wrong, 'apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: g}\n');
    await assert.rejects(
      startControlPlane({ dataDir: dir('bad-seed-data'), seedFiles: [wrong] }),
      (err: Error) =>
        err.message.includes(wrong) && err.message.includes('kind must be VirtualService or DestinationRule'),
    );
  });
});
