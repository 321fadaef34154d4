/**
 * `spillway override` with real parts: the Pub/Sub emulator (started once for this file), the local control
 * plane, and the applier (functions-framework's server in this process) fed by a push subscription or by
 * the command's own push requests (the local stack's `direct` mode).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Annotation } from '../../core/applier/state.js';
import type { Target } from '../../core/decision/message.js';
import type { StackPubSub } from '../stack/stack-file.js';
import { childEnv } from '../child-env.js';
import { freePort } from '../ports.js';
import {
  createPullSubscription,
  createTopic,
  pullMessages,
  type EmulatorAddress,
} from '../pubsub-emulator.js';
import { pushEndpointFor } from '../pubsub-emulator-admin.js';
import { runToExit } from '../test-support/run-to-exit.js';
import { sleep, until } from '../test-support/wait.js';
import {
  clusterApi,
  createVirtualService,
  pushTopic,
  readVirtualService,
  serveApplier,
  startApplierStack,
  weightsOf,
  type ApplierStack,
  type ServedApplier,
} from '../../functions/applier/test-support/stack.js';
import { run as override } from './override.js';
import { run as status, type StatusJson } from './status.js';
import { capturedIo, newStackDir, writeTestStackFile } from './test-support/stack-fixture.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const target = (name: string): Target => ({ namespace: 'default', virtualService: name });
const viaEmulator = target('vs-emulator');
const viaPush = target('vs-direct');

let stack: ApplierStack;
let applier: ServedApplier;
let dir: string;

before(async () => {
  stack = await startApplierStack();
  for (const t of [viaEmulator, viaPush]) await createVirtualService(stack.controlPlane, t.virtualService);
  applier = await serveApplier([clusterApi(stack.controlPlane)], [viaEmulator, viaPush]);
  dir = newStackDir('cli-override');
});
after(async () => {
  await applier?.close();
  await stack?.stop();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

/** A stack folder whose stack file names the control plane, `t` and `pubsub`. */
async function stackDir(name: string, t: Target, pubsub: StackPubSub, pid?: number): Promise<string> {
  const d = join(dir, name);
  mkdirSync(d);
  await writeTestStackFile(d, {
    kubeconfig: stack.controlPlane.kubeconfigPath,
    target: t,
    pubsub,
    ...(pid === undefined ? {} : { pid }),
  });
  return d;
}

function emulatorPubSub(topic: string, host = stack.emulator.host): StackPubSub {
  return {
    mode: 'emulator',
    emulatorHost: host,
    projectId: stack.emulator.projectId,
    topic,
    subscription: `${topic}-push`,
  };
}

function directPubSub(pushEndpoint: string): StackPubSub {
  return {
    mode: 'direct',
    pushEndpoint,
    projectId: 'spillway-local',
    topic: 'spillway-decisions',
    subscription: 'applier-push',
  };
}

async function overrideIn(args: string[], env: NodeJS.ProcessEnv = {}, backoffMs?: number[]) {
  const c = capturedIo(env);
  const code = await override(args, c.io, backoffMs === undefined ? {} : { backoffMs });
  return { code, out: c.out(), err: c.err() };
}

async function statusJson(stackFolder: string): Promise<StatusJson> {
  const c = capturedIo();
  assert.equal(await status(['--json', '--dir', stackFolder], c.io), 0, c.err());
  return JSON.parse(c.out()) as StatusJson;
}

/** `spillway override ARGS` as a user runs it. */
function spillway(args: string[], env: NodeJS.ProcessEnv = {}) {
  const base = childEnv({ METADATA_SERVER_DETECTION: 'none', ...env });
  if (env['PUBSUB_EMULATOR_HOST'] === undefined) delete base['PUBSUB_EMULATOR_HOST'];
  return runToExit(process.execPath, ['bin/spillway.mjs', 'override', ...args], base, REPO_ROOT);
}

async function pullTopic(address: EmulatorAddress, topic: string): Promise<string> {
  await createTopic(address, topic);
  await createPullSubscription(address, topic, `${topic}-pull`, { ordered: true });
  return `${topic}-pull`;
}

describe('spillway override', () => {
  test('publishes the shorthand with ttl, reason, target and the ordering key on the emulator', async () => {
    const subscription = await pullTopic(stack.emulator, 'cli-pull');
    const folder = await stackDir('pull', viaEmulator, emulatorPubSub('cli-pull'));
    const { code, out, err } = await overrideIn([
      'BURST',
      '--ttl',
      '5m',
      '--reason',
      'load test',
      '--dir',
      folder,
    ]);
    assert.equal(code, 0, err);
    const [message, ...more] = await pullMessages(stack.emulator, subscription);
    assert.equal(more.length, 0);
    assert.equal(message?.data.toString(), 'burst');
    assert.deepEqual(message?.attributes, { ttl: '5m', reason: 'load test', target: 'default/vs-emulator' });
    assert.equal(message?.orderingKey, 'default/vs-emulator');
    const lines = out.split('\n');
    assert.equal(lines[0], 'override default/vs-emulator: primary 0 %  burst 100 %');
    assert.match(lines[1] ?? '', /^ {2}for {7}5m, until about \S+Z$/);
    assert.equal(lines[2], '  reason    "load test"');
    assert.equal(
      lines[3],
      `  to        projects/spillway-test/topics/cli-pull (the local stack's Pub/Sub emulator at ${stack.emulator.host}), ordering key default/vs-emulator`,
    );
    assert.equal(lines[4], `  result    published, message id ${message?.messageId}`);
    assert.equal(lines.at(-2), `See the effect: npx spillway status --dir ${folder}`);
  });

  test('through a push subscription to the applier: the override holds, status shows it, auto releases', async () => {
    const topic = await pushTopic(stack, 'cli-push', applier);
    const folder = await stackDir('push', viaEmulator, emulatorPubSub(topic));
    const started = Date.now();
    const run = await spillway(['burst', '--ttl', '5m', '--reason', 'load test', '--dir', folder]);
    assert.equal(run.code, 0, run.stderr);
    await until(
      async () => weightsOf(await readVirtualService(stack.controlPlane, viaEmulator)).burst === 100,
      30_000,
    );
    const vs = await readVirtualService(stack.controlPlane, viaEmulator);
    assert.deepEqual(weightsOf(vs), { primary: 0, burst: 100 });
    assert.match(vs.metadata.annotations?.[Annotation.Override] ?? '', /"reason":"load test"/);

    const shown = await statusJson(folder);
    assert.deepEqual(shown.weights, { primary: 0, burst: 100 });
    assert.equal(shown.override?.reason, 'load test');
    assert.equal(shown.override?.expired, false);
    const expiry = Date.parse(shown.override?.until ?? '');
    assert.ok(expiry >= started + 300_000 - 1_000 && expiry <= Date.now() + 300_000, shown.override?.until);
    assert.deepEqual(shown.pubsub, {
      mode: 'emulator',
      emulatorHost: stack.emulator.host,
      projectId: 'spillway-test',
      topic: 'cli-push',
    });

    const release = await overrideIn(['auto', '--dir', folder]);
    assert.equal(release.code, 0, release.err);
    assert.match(release.out, /^release the override of default\/vs-emulator: automatic decisions again\n/);
    await until(async () => (await statusJson(folder)).override === null, 30_000);
    const released = await statusJson(folder);
    assert.equal(released.lastApplied?.kind, 'release');
    assert.deepEqual(released.weights, { primary: 0, burst: 100 }, 'a release leaves the weights');
  });

  test('direct mode: a push request to the applier, applied when the command returns', async () => {
    const folder = await stackDir(
      'direct',
      viaPush,
      directPubSub(pushEndpointFor(stack.emulator, 'direct', applier.url)),
    );
    const { code, out, err } = await overrideIn(['split:30', '--reason', 'canary', '--dir', folder]);
    assert.equal(code, 0, err);
    assert.deepEqual(weightsOf(await readVirtualService(stack.controlPlane, viaPush)), {
      primary: 70,
      burst: 30,
    });
    const printedUntil = /^ {2}for {7}1h \(the default\), until (\S+Z)$/m.exec(out)?.[1];
    assert.match(out, /^ {2}result {4}taken by the applier \(HTTP 204\), message id cli-[0-9a-f-]+$/m);
    const shown = await statusJson(folder);
    assert.equal(shown.override?.reason, 'canary');
    assert.ok(printedUntil !== undefined, out);
    assert.equal(
      shown.override?.until,
      printedUntil,
      'direct: the publish time is the command’s, until is exact',
    );
    assert.equal(shown.pubsub?.emulatorHost, null);
  });

  test('direct mode: 5xx is retried with back-off, then fails; 4xx fails at once', async () => {
    const answers: number[] = [];
    let answer = 500;
    const server = createServer((request, response) => {
      request.resume();
      answers.push(answer);
      response.writeHead(answer, { 'content-type': 'text/plain' }).end(answer === 500 ? 'boom' : 'bad body');
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/projects/p/topics/t`;
      const folder = await stackDir('failing', viaPush, directPubSub(url));
      const failing = await overrideIn(['primary', '--dir', folder], {}, [10, 20]);
      assert.equal(failing.code, 1);
      assert.equal(answers.length, 3);
      assert.equal(
        failing.err,
        `spillway override: the applier at ${url} did not take the message after 3 attempts (last: HTTP 500: boom)\nNothing was published.\n`,
      );
      answer = 400;
      const refused = await overrideIn(['primary', '--dir', folder], {}, [10, 20]);
      assert.equal(refused.code, 1);
      assert.equal(answers.length, 4, 'no retry');
      assert.match(refused.err, /refused the message \(HTTP 400: bad body\)/);
    } finally {
      server.close();
    }
  });

  test('--project publishes to that project’s topic (PUBSUB_EMULATOR_HOST), default topic spillway-decisions', async () => {
    const project: EmulatorAddress = { host: stack.emulator.host, projectId: 'cli-project' };
    const defaultSub = await pullTopic(project, 'spillway-decisions');
    const run = await spillway(['primary', '--project', 'cli-project', '--ttl', '2h'], {
      PUBSUB_EMULATOR_HOST: stack.emulator.host,
    });
    assert.equal(run.code, 0, run.stderr);
    const [message] = await pullMessages(project, defaultSub);
    assert.equal(message?.data.toString(), 'primary');
    assert.deepEqual(message?.attributes, { ttl: '2h', target: 'default/worker-virtual-service' });
    assert.equal(message?.orderingKey, 'default/worker-virtual-service');
    assert.match(
      run.stdout,
      /^ {2}to {8}projects\/cli-project\/topics\/spillway-decisions \(the Pub\/Sub emulator at 127\.0\.0\.1:\d+, PUBSUB_EMULATOR_HOST\)/m,
    );

    const otherSub = await pullTopic(project, 'other');
    const env = { PUBSUB_EMULATOR_HOST: stack.emulator.host };
    const args = [
      'split:40',
      '--project',
      'cli-project',
      '--topic',
      'other',
      '--namespace',
      'shop',
      '--virtual-service',
      'checkout',
    ];
    const other = await overrideIn(args, env);
    assert.equal(other.code, 0, other.err);
    const [second] = await pullMessages(project, otherSub);
    assert.deepEqual(
      [second?.data.toString(), second?.attributes, second?.orderingKey],
      ['split:40', { target: 'shop/checkout' }, 'shop/checkout'],
    );

    const missing = await overrideIn(['burst', '--project', 'cli-project', '--topic', 'missing'], env);
    assert.equal(missing.code, 1);
    assert.match(
      missing.err,
      /^spillway override: cannot publish to projects\/cli-project\/topics\/missing: .*NOT_FOUND/,
    );
  });

  test('bad usage exits 2 and publishes nothing; no stack, a stale or broken stack file, emulator down exit 1', async () => {
    const subscription = await pullTopic(stack.emulator, 'cli-bad');
    const folder = await stackDir('bad', viaEmulator, emulatorPubSub('cli-bad'));
    const usage: [string[], RegExp][] = [
      [['split:150'], /split:N needs N, the percent to burst, as an integer 0–100 \(got "150"\)/],
      [['split:abc'], /split:N needs N, the percent to burst, as an integer 0–100 \(got "abc"\)/],
      [[], /what to do is missing: burst, primary, split:N or auto/],
      [['burst', 'primary'], /one of burst, primary, split:N or auto, not burst primary/],
      [['sideways'], /unknown "sideways": expected burst, primary, split:N \(N % to burst\) or auto/],
      [['{"version":1}'], /unknown "\{\\"version\\":1\}"/],
      [['burst', '--bogus'], /Unknown option '--bogus'/],
      [
        ['burst', '--ttl', '10'],
        /--ttl must be a duration like 30s, 30m, 2h or 1h30m \(units d, h, m, s\) \(got "10"\)/,
      ],
      [['burst', '--ttl', '8d'], /--ttl must be from 1s to 7d \(got "8d"\)/],
      [['burst', '--reason', ' '], /--reason must not be empty/],
      [['auto', '--ttl', '5m'], /--ttl does not apply to auto/],
      [['burst', '--topic', 'x'], /--topic applies to --project/],
      [['burst', '--project', 'p', '--dir', folder], /--dir and --project exclude each other/],
      [['burst', '--namespace', 'Shop'], /--namespace must be a Kubernetes namespace name/],
    ];
    for (const [args, message] of usage) {
      const { code, out, err } = await overrideIn([
        ...args,
        ...(args.includes('--dir') ? [] : ['--dir', folder]),
      ]);
      assert.equal(code, 2, `${args.join(' ')}: ${err}`);
      assert.equal(out, '');
      assert.match(err, message);
      assert.match(err, /\n\nusage: spillway override /);
    }

    const deadPid = Number(
      spawnSync(process.execPath, ['-e', 'console.log(process.pid)']).stdout.toString().trim(),
    );
    const stale = await stackDir('stale', viaEmulator, emulatorPubSub('cli-bad'), deadPid);
    const broken = join(dir, 'broken');
    mkdirSync(broken);
    writeFileSync(join(broken, 'stack.json'), 'not json');
    const closedHost = `127.0.0.1:${await freePort()}`;
    const down = await stackDir('down', viaEmulator, emulatorPubSub('cli-bad', closedHost));
    const failures: [string[], RegExp][] = [
      [
        ['burst', '--dir', join(dir, 'nothing')],
        /no local stack is running here .*: start it with `npm start` \(or publish to a Google Cloud project with --project P\)/,
      ],
      [
        ['burst', '--dir', stale],
        new RegExp(`\\(pid ${deadPid}\\) is no longer running: start it with \`npm start\``),
      ],
      [['burst', '--dir', broken], /stack\.json is not JSON/],
      [
        ['burst', '--dir', down],
        new RegExp(
          `the Pub/Sub emulator at ${closedHost} does not answer: fetch failed \\(ECONNREFUSED\\); is the local stack \\(\`npm start\`\\) still running\\?`,
        ),
      ],
    ];
    for (const [args, message] of failures) {
      const { code, out, err } = await overrideIn(args);
      assert.equal(code, 1, `${args.join(' ')}: ${err}`);
      assert.equal(out, '');
      assert.match(err, message);
      assert.match(err, /\nNothing was published\.\n$/);
    }
    // Then one good message: the only one the subscription ever gets.
    const good = await overrideIn(['primary', '--dir', folder]);
    assert.equal(good.code, 0, good.err);
    const received: string[] = [];
    await until(async () => {
      received.push(...(await pullMessages(stack.emulator, subscription)).map((m) => m.data.toString()));
      return received.length > 0;
    }, 20_000);
    await sleep(500);
    received.push(...(await pullMessages(stack.emulator, subscription)).map((m) => m.data.toString()));
    assert.deepEqual(received, ['primary'], 'nothing else was published');

    const help = await spillway(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^usage: spillway override burst\|primary\|split:N\|auto/);
  });
});
