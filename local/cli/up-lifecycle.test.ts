/**
 * `spillway up` as a person runs it in a terminal: its own process group, Ctrl-C sent to the whole group (as
 * a terminal does), and a part that dies on its own. Direct push (no emulator) keeps these runs short; the
 * emulator's stack is covered by local/stack/e2e.test.ts.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { childEnv } from '../child-env.js';
import { openPorts, stackPorts } from '../stack/e2e-leftovers.js';
import { readStackFile, stackFilePath, type StackFile } from '../stack/stack-file.js';
import { until } from '../test-support/wait.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const dirs: string[] = [];
const groups: number[] = [];
after(() => {
  for (const group of groups) {
    try {
      process.kill(-group, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

interface Running {
  child: ChildProcess;
  dir: string;
  stack: StackFile;
  output: () => string;
  exit: Promise<number | null>;
}

/** The emulator's start script made unfindable: `--pubsub auto` (the default) falls back to direct push. */
const NO_EMULATOR = { SPILLWAY_PUBSUB_EMULATOR: '/nonexistent/cloud-pubsub-emulator' };

async function startUp(
  args: string[] = ['--pubsub', 'direct'],
  env: NodeJS.ProcessEnv = {},
): Promise<Running> {
  const dir = mkdtempSync(join(tmpdir(), 'spillway-up-life-'));
  dirs.push(dir);
  const child = spawn(process.execPath, ['bin/spillway.mjs', 'up', '--dir', dir, '--port', '0', ...args], {
    cwd: REPO_ROOT,
    env: childEnv(env),
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid !== undefined) groups.push(child.pid);
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  const exit = new Promise<number | null>((done) => child.once('close', (code) => done(code)));
  await until(() => output.includes('Press Ctrl-C') || child.exitCode !== null, 120_000);
  assert.match(output, /Press Ctrl-C to stop everything/, output);
  return { child, dir, stack: await readStackFile(dir), output: () => output, exit };
}

/** Every process of the group still alive (the runner's children stay in its group). */
function groupMembers(group: number): string[] {
  const ps = spawnSync('ps', ['-o', 'pid=,args=', '-g', String(group)], { encoding: 'utf8' });
  return ps.stdout.split('\n').filter((line) => line.trim() !== '');
}

describe('spillway up in a terminal', () => {
  test('without the emulator it says so and runs with direct push; Ctrl-C to the process group stops every part, closes every port and removes the stack file', async () => {
    const up = await startUp([], NO_EMULATOR);
    assert.match(
      up.output(),
      /no Pub\/Sub emulator \(SPILLWAY_PUBSUB_EMULATOR names \/nonexistent\/cloud-pubsub-emulator, which does not exist; install the Pub\/Sub emulator: .*gcloud components install pubsub-emulator.*\): decisions go to the applier as direct push requests/,
    );
    assert.equal(up.stack.pubsub.mode, 'direct');
    const group = up.child.pid ?? 0;
    assert.ok(groupMembers(group).length >= 9, `the parts run: ${groupMembers(group).join('\n')}`);
    assert.deepEqual(await openPorts(stackPorts(up.stack)), stackPorts(up.stack), 'every part listens');
    process.kill(-group, 'SIGINT');
    assert.equal(await up.exit, 0, up.output());
    assert.match(up.output(), /Stopping the local stack…\nStopped\./);
    assert.doesNotMatch(up.output(), /exited unexpectedly/);
    await until(() => groupMembers(group).length === 0, 20_000);
    assert.deepEqual(await openPorts(stackPorts(up.stack)), [], 'no port left open');
    assert.equal(existsSync(stackFilePath(up.dir)), false);
  });

  test('a part that dies on its own stops the stack, naming it and its log; exit 1', async () => {
    const up = await startUp();
    const group = up.child.pid ?? 0;
    const mesh = groupMembers(group).find((line) => line.includes('spillway.mjs mesh'));
    assert.ok(mesh !== undefined, groupMembers(group).join('\n'));
    process.kill(Number(mesh.trim().split(/\s+/)[0]), 'SIGKILL');
    assert.equal(await up.exit, 1, up.output());
    assert.match(
      up.output(),
      new RegExp(`mesh exited unexpectedly \\(code null\\); see ${up.dir}/logs/mesh\\.log`),
    );
    await until(() => groupMembers(group).length === 0, 20_000);
    assert.deepEqual(await openPorts(stackPorts(up.stack)), [], 'no port left open');
    assert.equal(existsSync(stackFilePath(up.dir)), false);
  });
});
