/**
 * `spillway status` against the local control plane, with an applier (functions-framework's server, in
 * this process) taking overrides pushed straight to it — the local stack's `direct` mode, no emulator.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Annotation } from '../../core/applier/state.js';
import type { Target } from '../../core/decision/message.js';
import { kubeconfigText } from '../control-plane/kubeconfig.js';
import { api, startTestControlPlane, VsPath, type TestControlPlane } from '../control-plane/test-helpers.js';
import { freePort } from '../ports.js';
import { childEnv } from '../child-env.js';
import { runToExit } from '../test-support/run-to-exit.js';
import {
  clusterApi,
  createVirtualService,
  serveApplier,
  type ServedApplier,
} from '../../functions/applier/test-support/stack.js';
import { run as override } from './override.js';
import { run as status, type StatusJson } from './status.js';
import { capturedIo, newStackDir, writeTestStackFile } from './test-support/stack-fixture.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const codelab: Target = { namespace: 'default', virtualService: 'worker-virtual-service' };
const changed: Target = { namespace: 'default', virtualService: 'vs-status' };

let controlPlane: TestControlPlane;
let applier: ServedApplier;
let dir: string;
/** A stack file on the codelab's VirtualService, and one on `changed`. */
let codelabStack: string;
let changedStack: string;

async function stackDir(
  name: string,
  target: Target,
  kubeconfig = controlPlane.kubeconfigPath,
): Promise<string> {
  const d = join(dir, name);
  mkdirSync(d);
  await writeTestStackFile(d, {
    kubeconfig,
    target,
    pubsub: {
      mode: 'direct',
      pushEndpoint: `${applier.url}/projects/spillway-local/topics/spillway-decisions`,
      projectId: 'spillway-local',
      topic: 'spillway-decisions',
      subscription: 'applier-push',
    },
  });
  return d;
}

async function statusOf(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const c = capturedIo();
  const code = await status(args, c.io);
  return { code, out: c.out(), err: c.err() };
}

before(async () => {
  controlPlane = await startTestControlPlane();
  await createVirtualService(controlPlane, changed.virtualService);
  applier = await serveApplier([clusterApi(controlPlane)], [codelab, changed]);
  dir = newStackDir('cli-status');
  codelabStack = await stackDir('codelab', codelab);
  changedStack = await stackDir('changed', changed);
});
after(async () => {
  await applier?.close();
  await controlPlane?.dispose();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe('spillway status', () => {
  test('the codelab VirtualService: 100/0, no override, nothing applied yet; --json with the stack', async () => {
    const human = await runToExit(
      process.execPath,
      ['bin/spillway.mjs', 'status', '--dir', codelabStack],
      childEnv(),
      REPO_ROOT,
    );
    assert.equal(human.code, 0, human.stderr);
    assert.deepEqual(human.stdout.split('\n'), [
      'worker-virtual-service (default)  primary 100 %  burst 0 %',
      'override  none',
      'last      none (Spillway has not changed this VirtualService yet)',
      'page      http://127.0.0.1:9/',
      '',
    ]);

    const { code, out, err } = await statusOf(['--json', '--dir', codelabStack]);
    assert.equal(code, 0, err);
    const json = JSON.parse(out) as StatusJson;
    assert.deepEqual(json, {
      virtualService: { namespace: 'default', name: 'worker-virtual-service' },
      route: { index: 0, name: 'worker' },
      weights: { primary: 100, burst: 0 },
      routeProblem: null,
      override: null,
      lastApplied: null,
      history: [],
      problems: [],
      kubeconfig: controlPlane.kubeconfigPath,
      context: 'spillway-local',
      server: controlPlane.url,
      prometheus: { url: 'http://127.0.0.1:9/' },
      pubsub: {
        mode: 'direct',
        emulatorHost: null,
        projectId: 'spillway-local',
        topic: 'spillway-decisions',
      },
      frontend: { url: 'http://127.0.0.1:9/' },
    });
  });

  test('after an override: its weights, reason and expiry; expired; a damaged annotation', async () => {
    const pushed = capturedIo();
    const started = Date.now();
    const code = await override(
      ['burst', '--ttl', '5m', '--reason', 'load test', '--dir', changedStack],
      pushed.io,
    );
    assert.equal(code, 0, pushed.err());

    const { out, err } = await statusOf(['--json', '--dir', changedStack]);
    const json = JSON.parse(out) as StatusJson;
    assert.equal(err, '');
    assert.deepEqual(json.weights, { primary: 0, burst: 100 });
    assert.deepEqual(
      { ...json.override, until: undefined, id: undefined },
      {
        weights: { primary: 0, burst: 100 },
        reason: 'load test',
        expired: false,
        until: undefined,
        id: undefined,
      },
    );
    const until = Date.parse(json.override?.until ?? '');
    assert.ok(until >= started + 300_000 - 1_000 && until <= Date.now() + 300_000, json.override?.until);
    assert.equal(json.lastApplied?.kind, 'override');
    assert.equal(json.lastApplied?.id, json.override?.id);
    assert.equal(json.history.length, 1);
    assert.equal(json.pubsub?.mode, 'direct');

    const human = await statusOf(['--dir', changedStack]);
    const lines = human.out.split('\n');
    assert.equal(lines[0], 'vs-status (default)  primary 0 %  burst 100 %');
    assert.match(
      lines[1] ?? '',
      /^override {2}primary 0 % {2}burst 100 % {2}until \S+Z \((4m\d+s|5m) left\) {2}"load test"$/,
    );
    assert.equal(lines[2], `          id ${json.override?.id}`);
    assert.match(lines[3] ?? '', /^last {6}override \S+Z {2}primary 0 % {2}burst 100 % {2}"load test"$/);
    assert.match(lines[4] ?? '', /^ {10}id operator-\S+, applied \S+Z$/);

    // The override's time has passed (as after 5 minutes); the history annotation is edited by hand.
    const past = { ...json.override, until: new Date(Date.now() - 90_000).toISOString() };
    delete (past as Record<string, unknown>)['expired'];
    const patched = await api(controlPlane.url, 'PATCH', `${VsPath}/${changed.virtualService}`, {
      contentType: 'application/merge-patch+json',
      body: {
        metadata: {
          annotations: { [Annotation.Override]: JSON.stringify(past), [Annotation.History]: 'oops' },
        },
      },
    });
    assert.equal(patched.status, 200);
    const expired = JSON.parse((await statusOf(['--json', '--dir', changedStack])).out) as StatusJson;
    assert.equal(expired.override?.expired, true);
    assert.deepEqual(expired.history, []);
    assert.deepEqual(expired.problems, [
      'annotation spillway.dev/history is not JSON; it is ignored and will be rewritten',
    ]);
    const text = (await statusOf(['--dir', changedStack])).out;
    assert.match(text, /\noverride {2}.*\(expired 1m3\ds ago: the next auto decision clears it\)/);
    assert.match(text, /\nwarning {3}annotation spillway.dev\/history is not JSON/);
  });

  test('--kubeconfig reads any cluster without a stack file; --context picks the context', async () => {
    const { code, out, err } = await statusOf([
      '--kubeconfig',
      controlPlane.kubeconfigPath,
      '--context',
      'spillway-local',
      '--json',
    ]);
    assert.equal(code, 0, err);
    const json = JSON.parse(out) as StatusJson;
    assert.deepEqual(json.virtualService, { namespace: 'default', name: 'worker-virtual-service' });
    assert.equal(json.prometheus, undefined, 'no stack fields without a stack file');
    assert.equal(json.kubeconfig, controlPlane.kubeconfigPath);

    const human = await statusOf([
      '--kubeconfig',
      controlPlane.kubeconfigPath,
      '--virtual-service',
      'vs-status',
    ]);
    assert.match(human.out, /^vs-status \(default\) {2}primary 0 % {2}burst 100 %\n/);
    assert.match(human.out, new RegExp(`\ncluster {3}${controlPlane.url} \\(context spillway-local\\)\n$`));
  });

  test('API down, VirtualService missing, no usable kubeconfig: exit 1 with the reason', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const downConfig = join(dir, 'down-kubeconfig');
    writeFileSync(downConfig, kubeconfigText(closed));
    const downStack = await stackDir('down', codelab, downConfig);
    const cases: [string[], RegExp][] = [
      [
        ['--kubeconfig', downConfig],
        new RegExp(`^cannot reach the Kubernetes API at ${closed}: fetch failed \\(ECONNREFUSED\\)$`),
      ],
      [['--dir', downStack, '--json'], new RegExp(`^cannot reach the Kubernetes API at ${closed}: `)],
      [
        ['--dir', codelabStack, '--virtual-service', 'nope'],
        new RegExp(
          `^VirtualService default/nope not found at ${controlPlane.url} \\(context spillway-local\\)`,
        ),
      ],
      [
        ['--kubeconfig', controlPlane.kubeconfigPath, '--namespace', 'shop'],
        /^VirtualService shop\/worker-virtual-service not found/,
      ],
      [['--kubeconfig', join(dir, 'missing')], /^cannot read the kubeconfig .*missing: ENOENT/],
      [
        ['--kubeconfig', controlPlane.kubeconfigPath, '--context', 'gke'],
        /has no context "gke" \(it has spillway-local\)$/,
      ],
    ];
    for (const [args, message] of cases) {
      const { code, out, err } = await statusOf(args);
      assert.equal(code, 1, `${args.join(' ')}: ${err}`);
      assert.equal(out, '');
      assert.match(err.replace(/^spillway status: /, '').trimEnd(), message);
    }
  });

  test('no stack running, a stale or damaged stack file: exit 1 saying to start it', async () => {
    const empty = join(dir, 'empty');
    const { code, err } = await statusOf(['--dir', empty]);
    assert.equal(code, 1);
    assert.match(
      err,
      /^spillway status: no local stack is running here \(.*stack\.json does not exist\): start it with `npm start` \(or read another cluster with --kubeconfig FILE\)\n$/,
    );

    // The pid of a process that has exited.
    const child = spawnSync(process.execPath, ['-e', 'console.log(process.pid)']);
    const deadPid = Number(child.stdout.toString().trim());
    const stale = join(dir, 'stale');
    mkdirSync(stale);
    await writeTestStackFile(stale, {
      kubeconfig: controlPlane.kubeconfigPath,
      target: codelab,
      pid: deadPid,
      pubsub: {
        mode: 'emulator',
        emulatorHost: '127.0.0.1:9',
        projectId: 'p',
        topic: 't',
        subscription: 's',
      },
    });
    const staleRun = await statusOf(['--dir', stale]);
    assert.equal(staleRun.code, 1);
    assert.match(
      staleRun.err,
      new RegExp(`\\(pid ${deadPid}\\) is no longer running: start it with \`npm start\``),
    );

    writeFileSync(join(stale, 'stack.json'), '{"version": 1,');
    const broken = await statusOf(['--dir', stale]);
    assert.equal(broken.code, 1);
    assert.match(broken.err, /stack\.json is not JSON; stop the stack and start it again with `npm start`/);
  });

  test('usage errors exit 2 with the usage; --help exits 0', async () => {
    const cases: [string[], RegExp][] = [
      [['--bogus'], /Unknown option '--bogus'/],
      [['extra'], /Unexpected argument 'extra'/],
      [['--context', 'x'], /--context applies to --kubeconfig/],
      [['--dir', codelabStack, '--kubeconfig', 'f'], /--dir and --kubeconfig exclude each other/],
      [
        ['--dir', codelabStack, '--namespace', 'Bad_NS'],
        /--namespace must be a Kubernetes namespace name .*\(got "Bad_NS"\)/,
      ],
      [['--kubeconfig', ''], /--kubeconfig needs a value/],
    ];
    for (const [args, message] of cases) {
      const { code, out, err } = await statusOf(args);
      assert.equal(code, 2, `${args.join(' ')}: ${err}`);
      assert.equal(out, '');
      assert.match(err, message);
      assert.match(err, /\n\nusage: spillway status /);
    }
    const help = await statusOf(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.out, /^usage: spillway status \[--json\]/);
  });
});
