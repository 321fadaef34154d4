import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { freePort } from '../ports.js';
import { runToExit, type ProgramRun } from '../test-support/run-to-exit.js';
import { rateQuery } from '../../functions/decider/test-support/request-counter.js';
import {
  driveRate,
  newTopic,
  pullExactly,
  startStack,
  type Stack,
} from '../../functions/decider/test-support/stack.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** `spillway decide ARGS` as a user runs it (bin/spillway.mjs), with `env` added to the environment. */
function spillway(args: string[], env: Record<string, string> = {}): Promise<ProgramRun> {
  // Only what the test sets of the decider's own variables (and not node --test's context).
  const unset = ['NODE_TEST_CONTEXT', 'SPILLWAY_POLICY_FILE', 'PROMETHEUS_URL', 'PUBSUB_EMULATOR_HOST'];
  const inherited = Object.entries(process.env).filter(([name]) => !unset.includes(name));
  const childEnv: NodeJS.ProcessEnv = {
    ...Object.fromEntries(inherited),
    METADATA_SERVER_DETECTION: 'none',
    ...env,
  };
  return runToExit(process.execPath, ['bin/spillway.mjs', 'decide', ...args], childEnv, REPO_ROOT);
}

interface Printed {
  decisions: {
    target: string;
    action: string;
    weights?: { primary: number; burst: number };
    cause: string;
    observed?: { rps: number };
    published?: boolean;
  }[];
}

let stack: Stack;
let dir: string;
before(async () => {
  stack = await startStack();
  dir = mkdtempSync(join(tmpdir(), 'spillway-cli-'));
  await driveRate(stack, 'cli-service', 30);
});
after(async () => {
  await stack?.stop();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe('spillway decide', () => {
  test('--once --dry-run prints the decision and publishes nothing', async () => {
    const topic = await newTopic(stack, 'cli-dry');
    const { code, stdout, stderr } = await spillway(
      ['--once', '--dry-run', '--prometheus', stack.prometheus.url],
      {
        PROMETHEUS_QUERY: rateQuery('cli-service'),
        PUBSUB_EMULATOR_HOST: stack.emulator.host,
        GOOGLE_CLOUD_PROJECT: stack.emulator.projectId,
        SPILLWAY_TOPIC: topic,
      },
    );
    assert.equal(code, 0, stderr);
    const printed = JSON.parse(stdout) as Printed;
    assert.equal(printed.decisions.length, 1);
    const [d] = printed.decisions;
    assert.deepEqual(
      [d?.target, d?.action, d?.cause, d?.weights, d?.published],
      ['default/worker-virtual-service', 'publish', 'above-high', { primary: 0, burst: 100 }, false],
    );
    assert.ok(Math.abs((d?.observed?.rps ?? 0) - 30) <= 3);
    await pullExactly(stack, topic, 0);
  });

  test('--once publishes to the topic; --prometheus overrides the policy file’s Prometheus', async () => {
    const topic = await newTopic(stack, 'cli-publish');
    const policy = join(dir, 'policy.yaml');
    const closed = `http://127.0.0.1:${await freePort()}`;
    writeFileSync(
      policy,
      stringify({
        topic,
        targets: [
          {
            namespace: 'shop',
            virtualService: 'checkout',
            source: { type: 'prometheus', url: closed, query: rateQuery('cli-service') },
            policy: { kind: 'threshold', high: 20, low: 5 },
          },
        ],
      }),
    );
    const env = { PUBSUB_EMULATOR_HOST: stack.emulator.host, GOOGLE_CLOUD_PROJECT: stack.emulator.projectId };
    const unreachable = await spillway(['--once', '--policy', policy], env);
    assert.equal(unreachable.code, 0, unreachable.stderr);
    assert.equal((JSON.parse(unreachable.stdout) as Printed).decisions[0]?.cause, 'source-unreachable');
    assert.match(
      unreachable.stderr,
      /"severity":"WARNING".*"cause":"source-unreachable"/,
      'logs go to stderr',
    );

    const { code, stdout, stderr } = await spillway(
      ['--once', '--policy', policy, '--prometheus', stack.prometheus.url],
      env,
    );
    assert.equal(code, 0, stderr);
    const [d] = (JSON.parse(stdout) as Printed).decisions;
    assert.deepEqual([d?.target, d?.action, d?.published], ['shop/checkout', 'publish', true]);
    const [message] = await pullExactly(stack, topic, 1);
    assert.deepEqual(message?.message.target, { namespace: 'shop', virtualService: 'checkout' });
    assert.equal(message?.raw.orderingKey, 'shop/checkout');
  });

  test('bad flags and bad settings exit 2 with a message; --help exits 0', async () => {
    const cases: [string[], Record<string, string>, RegExp][] = [
      [['--dry-run'], {}, /--once is required/],
      [['--once', '--bogus'], {}, /Unknown option '--bogus'/],
      [['--once', '--prometheus'], {}, /Option '--prometheus <value>' argument missing/],
      [
        ['--once', '--prometheus', 'localhost:9090'],
        {},
        /--prometheus must be an http:\/\/ or https:\/\/ URL \(got "localhost:9090"\)/,
      ],
      [['--once', 'extra'], {}, /Unexpected argument 'extra'/],
      [
        ['--once', '--policy', join(dir, 'missing.yaml')],
        {},
        /SPILLWAY_POLICY_FILE names a file that cannot be read: .*missing\.yaml \(ENOENT\)/,
      ],
      [['--once'], { SPILLWAY_RUN_FOR: 'soon' }, /SPILLWAY_RUN_FOR must be a duration/],
    ];
    for (const [args, env, message] of cases) {
      const { code, stdout, stderr } = await spillway(args, env);
      assert.equal(code, 2, `${args.join(' ')}: ${stderr}`);
      assert.match(stderr, message);
      assert.equal(stdout, '');
    }
    const help = await spillway(['--help']);
    assert.equal(help.code, 0);
    assert.match(
      help.stdout,
      /^usage: spillway decide --once \[--dry-run\] \[--prometheus URL\] \[--policy FILE\]/,
    );
  });
});
