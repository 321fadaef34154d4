import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  readStackFile,
  removeStackFile,
  stackFilePath,
  StackFileError,
  writeStackFile,
  type StackFile,
} from './stack-file.js';

const dir = mkdtempSync(join(tmpdir(), 'spillway-stack-file-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function sampleStackFile(overrides: Partial<StackFile> = {}): StackFile {
  return {
    version: 1,
    pid: process.pid,
    startedAt: '2026-11-26T10:00:00.000Z',
    dir,
    logDir: join(dir, 'logs'),
    frontend: { url: 'http://localhost:8080/' },
    kubeconfig: join(dir, 'control-plane', 'kubeconfig'),
    namespace: 'default',
    virtualService: 'worker-virtual-service',
    prometheus: { url: 'http://127.0.0.1:9090', scrapeIntervalSeconds: 1 },
    pubsub: {
      mode: 'emulator',
      emulatorHost: '127.0.0.1:8085',
      projectId: 'spillway-local',
      topic: 'spillway-decisions',
      subscription: 'spillway-applier',
    },
    decider: { url: 'http://127.0.0.1:8082/', everySeconds: 1, rateWindowSeconds: 5, query: 'sum(x)' },
    applier: { url: 'http://127.0.0.1:8081/' },
    mesh: { url: 'http://127.0.0.1:15001/', adminUrl: 'http://127.0.0.1:15020/' },
    workers: { primary: 'http://127.0.0.1:8083/', burst: 'http://127.0.0.1:8084/' },
    redis: { url: 'redis://127.0.0.1:6379' },
    ...overrides,
  };
}

async function readError(): Promise<StackFileError> {
  const err = await readStackFile(dir).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(err instanceof StackFileError, `expected a StackFileError, got ${String(err)}`);
  return err;
}

describe('the stack file', () => {
  test('round trip: what the runner writes is what status and override read', async () => {
    const written = sampleStackFile();
    await writeStackFile(dir, written);
    assert.deepEqual(await readStackFile(dir), written);
    await removeStackFile(dir);
    assert.equal(existsSync(stackFilePath(dir)), false);
  });

  test('none: the stack is not running, and the message says how to start it', async () => {
    await removeStackFile(dir);
    const err = await readError();
    assert.match(err.message, /no local stack is running here .*stack\.json does not exist.*npm start/);
  });

  test('left over from a runner that is gone (crash, SIGKILL)', async () => {
    const gone = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
    const pid = Number(gone.stdout.trim());
    await writeStackFile(dir, sampleStackFile({ pid }));
    const err = await readError();
    assert.match(err.message, new RegExp(`\\(pid ${String(pid)}\\) is no longer running.*npm start`));
  });

  test('not JSON, or not this version: named, never trusted', async () => {
    writeFileSync(stackFilePath(dir), '{"version": 1,');
    assert.match((await readError()).message, /stack\.json is not JSON/);
    writeFileSync(stackFilePath(dir), JSON.stringify({ ...sampleStackFile(), version: 2 }));
    assert.match((await readError()).message, /not a stack file of this version \(\/version: /);
    const withoutRedis: Partial<StackFile> = sampleStackFile();
    delete withoutRedis.redis;
    writeFileSync(stackFilePath(dir), JSON.stringify(withoutRedis));
    assert.match((await readError()).message, /not a stack file of this version/);
    writeFileSync(
      stackFilePath(dir),
      JSON.stringify(sampleStackFile({ pubsub: { mode: 'pigeon' } as never })),
    );
    assert.match((await readError()).message, /not a stack file of this version \(\/pubsub/);
  });
});
