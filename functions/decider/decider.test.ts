import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { startListening } from '../../local/child-process.js';
import { freePort } from '../../local/ports.js';
import { startPrometheus } from '../../local/prometheus-server.js';
import { capturingLogger } from '../../local/test-support/capture-logs.js';
import { frameworkArgs, frameworkEnv, runFunctionToExit } from '../test-support/framework-process.js';
import { rateQuery } from './test-support/request-counter.js';
import { startSlowServer } from './test-support/slow-server.js';
import {
  driveRate,
  newTopic,
  policyFileEnv,
  prometheusTarget,
  pullExactly,
  serveDecider,
  startStack,
  type Stack,
} from './test-support/stack.js';

let stack: Stack;
before(async () => {
  stack = await startStack();
});
after(async () => {
  await stack?.stop();
});

describe('threshold: the codelab’s behaviour through Pub/Sub', () => {
  test('above high → one decision to burst; unchanged → nothing; between → nothing; below low → back to primary', async () => {
    const topic = await newTopic(stack, 'cycle');
    const { logger, lines } = capturingLogger('decider');
    const served = await serveDecider(
      policyFileEnv(stack, 'cycle', {
        topic,
        targets: [prometheusTarget(stack, 'worker-virtual-service', 'cycle-service')],
      }),
      logger,
    );
    try {
      await driveRate(stack, 'cycle-service', 20);
      const up = await served.call();
      assert.equal(up.status, 200, JSON.stringify(up.body));
      assert.equal(up.body.ticks, 1);
      const [decision] = up.body.decisions;
      assert.equal(decision?.action, 'publish');
      assert.equal(decision?.cause, 'above-high');
      assert.deepEqual(decision?.weights, { primary: 0, burst: 100 });
      assert.equal(decision?.published, true);
      assert.ok(Math.abs((decision?.observed?.rps ?? 0) - 20) <= 2);

      const [published] = await pullExactly(stack, topic, 1);
      assert.equal(published?.raw.orderingKey, 'default/worker-virtual-service');
      assert.deepEqual(published?.raw.attributes, { kind: 'auto', target: 'default/worker-virtual-service' });
      const message = published?.message;
      assert.equal(message?.id, decision?.id);
      assert.equal(message?.kind, 'auto');
      assert.equal(message?.version, 1);
      assert.deepEqual(message?.target, { namespace: 'default', virtualService: 'worker-virtual-service' });
      assert.deepEqual(message?.weights, { primary: 0, burst: 100 });
      assert.equal(message?.observed?.source, 'prometheus');
      assert.equal(message?.observed?.query, rateQuery('cycle-service'));
      assert.ok(Math.abs((message?.observed?.rps ?? 0) - 20) <= 2);
      assert.match(message?.reason ?? '', /above high 15 req\/s/);

      const same = await served.call();
      assert.deepEqual(
        [same.status, same.body.decisions[0]?.action, same.body.decisions[0]?.cause],
        [200, 'hold', 'unchanged'],
      );

      await driveRate(stack, 'cycle-service', 12);
      const between = await served.call();
      assert.deepEqual(
        [between.body.decisions[0]?.action, between.body.decisions[0]?.cause],
        ['hold', 'between-thresholds'],
      );
      await pullExactly(stack, topic, 0);

      await driveRate(stack, 'cycle-service', 5);
      const down = await served.call();
      assert.deepEqual(
        [down.body.decisions[0]?.action, down.body.decisions[0]?.cause],
        ['publish', 'below-low'],
      );
      const [back] = await pullExactly(stack, topic, 1);
      assert.deepEqual(back?.message.weights, { primary: 100, burst: 0 });
      assert.equal(back?.raw.orderingKey, 'default/worker-virtual-service');

      const perTarget = lines().filter((l) => l['target'] === 'default/worker-virtual-service');
      assert.deepEqual(
        perTarget.map((l) => l['cause']),
        ['above-high', 'unchanged', 'between-thresholds', 'below-low'],
        'one log line per target per tick, with the cause',
      );
      assert.ok(perTarget.every((l) => l['severity'] === 'INFO' && typeof l['message'] === 'string'));
    } finally {
      await served.close();
    }
  });
});

describe('resyncEvery: an unchanged decision is sent again, for a route that moved meanwhile', () => {
  test('publishes the same weights once the last publish is older than resyncEvery, holds before', async () => {
    const topic = await newTopic(stack, 'resync');
    const served = await serveDecider(
      policyFileEnv(stack, 'resync', {
        topic,
        resyncEvery: '2s',
        targets: [prometheusTarget(stack, 'worker-virtual-service', 'resync-service')],
      }),
    );
    try {
      await driveRate(stack, 'resync-service', 20);
      const first = await served.call();
      assert.equal(first.body.decisions[0]?.cause, 'above-high');
      const same = await served.call();
      assert.deepEqual(
        [same.body.decisions[0]?.action, same.body.decisions[0]?.cause],
        ['hold', 'unchanged'],
      );
      await new Promise((resume) => setTimeout(resume, 2200));
      const again = await served.call();
      const resent = again.body.decisions[0];
      assert.deepEqual([resent?.action, resent?.cause, resent?.published], ['publish', 'resync', true]);
      assert.deepEqual(resent?.weights, { primary: 0, burst: 100 });
      assert.match(resent?.reason ?? '', /above high 15 req\/s.*sent again \d+ s after the last publish/);
      const after = await served.call();
      assert.deepEqual(
        [after.body.decisions[0]?.action, after.body.decisions[0]?.cause],
        ['hold', 'unchanged'],
      );
      const messages = await pullExactly(stack, topic, 2);
      assert.deepEqual(
        messages.map((m) => m.message.weights),
        [
          { primary: 0, burst: 100 },
          { primary: 0, burst: 100 },
        ],
      );
      assert.notEqual(messages[0]?.message.id, messages[1]?.message.id, 'a new decision, not a redelivery');
    } finally {
      await served.close();
    }
  });
});

describe('failures hold (or act as configured) and publish nothing unasked', () => {
  test('stopped Prometheus, empty result, NaN, a source slower than its timeout; empty → primary when configured', async () => {
    const topic = await newTopic(stack, 'failures');
    const stopped = await startPrometheus({ targets: [] });
    await stopped.stop();
    const slow = await startSlowServer();
    stack.counter.setRate('nan-service', NaN);
    await driveRate(stack, 'steady-service', 30);
    const { logger, lines } = capturingLogger('decider');
    const served = await serveDecider(
      policyFileEnv(stack, 'failures', {
        topic,
        targets: [
          {
            ...prometheusTarget(stack, 'down', 'steady-service'),
            source: { type: 'prometheus', url: stopped.url, query: 'up', timeout: '2s' },
          },
          prometheusTarget(stack, 'empty', 'nobody-service'),
          prometheusTarget(stack, 'nan', 'nan-service'),
          {
            ...prometheusTarget(stack, 'slow', 'steady-service'),
            source: { type: 'prometheus', url: slow.url, query: 'up', timeout: '1s' },
          },
          prometheusTarget(stack, 'empty-to-primary', 'nobody-service', {
            failures: { actions: { empty: 'primary' } },
          }),
          prometheusTarget(stack, 'many', 'steady-service', {
            source: {
              type: 'prometheus',
              url: stack.prometheus.url,
              query: 'istio_requests_total',
              timeout: '2s',
            },
          }),
        ],
      }),
      logger,
    );
    try {
      const { status, body } = await served.call();
      assert.equal(status, 200, JSON.stringify(body));
      const byTarget = Object.fromEntries(
        body.decisions.map((d) => [d.target.split('/')[1], [d.action, d.cause]]),
      );
      assert.deepEqual(byTarget, {
        down: ['hold', 'source-unreachable'],
        empty: ['hold', 'empty'],
        nan: ['hold', 'not-finite'],
        slow: ['hold', 'source-timeout'],
        'empty-to-primary': ['publish', 'empty'],
        many: ['hold', 'too-many-series'],
      });
      const [primary] = await pullExactly(stack, topic, 1);
      assert.deepEqual(primary?.message.target, { namespace: 'default', virtualService: 'empty-to-primary' });
      assert.deepEqual(primary?.message.weights, { primary: 100, burst: 0 });
      assert.equal(primary?.message.observed, undefined, 'a failure action is not based on a rate');
      const warnings = lines()
        .filter((l) => l['severity'] === 'WARNING')
        .map((l) => l['cause']);
      assert.deepEqual(warnings.sort(), [
        'empty',
        'empty',
        'not-finite',
        'source-timeout',
        'source-unreachable',
        'too-many-series',
      ]);
    } finally {
      await served.close();
      slow.close();
    }
  });
});

describe('the loop inside one call', () => {
  test('every 2 s for 6 s: 3 ticks, one decision published, the call ends before the timeout', async () => {
    const topic = await newTopic(stack, 'loop');
    await driveRate(stack, 'loop-service', 25);
    const { logger, lines } = capturingLogger('decider');
    const served = await serveDecider(
      policyFileEnv(
        stack,
        'loop',
        { topic, targets: [prometheusTarget(stack, 'loop', 'loop-service')] },
        {
          SPILLWAY_POLL_EVERY: '2s',
          SPILLWAY_RUN_FOR: '6s',
          SPILLWAY_FUNCTION_TIMEOUT: '11s',
          SPILLWAY_SAFETY_MARGIN: '1s',
          SPILLWAY_PUBLISH_TIMEOUT: '3s',
        },
      ),
      logger,
    );
    try {
      const { status, body } = await served.call();
      assert.equal(status, 200);
      assert.equal(body.ticks, 3);
      assert.deepEqual(
        body.decisions.map((d) => [d.tick, d.action, d.cause]),
        [
          [1, 'publish', 'above-high'],
          [2, 'hold', 'unchanged'],
          [3, 'hold', 'unchanged'],
        ],
      );
      await pullExactly(stack, topic, 1);
      const done = lines().find((l) => l['message'] === 'call done: 3 tick(s), 1 decision(s) published');
      assert.equal(done?.['end'], 'run-for-elapsed');
    } finally {
      await served.close();
    }
  });
});

describe('the function as Cloud Run starts it: functions-framework with FUNCTION_TARGET=decide, on the TypeScript source', () => {
  const source = fileURLToPath(new URL('./index.ts', import.meta.url));
  const baseEnv = (): NodeJS.ProcessEnv => frameworkEnv('decide');

  test('serves the decide entry point with the out-of-the-box target and publishes to the emulator', async () => {
    const topic = await newTopic(stack, 'process');
    await driveRate(stack, 'process-service', 40);
    const port = await freePort();
    const child = await startListening({
      name: 'functions-framework',
      command: process.execPath,
      args: frameworkArgs(source, port),
      env: {
        ...baseEnv(),
        PROMETHEUS_URL: stack.prometheus.url,
        PROMETHEUS_QUERY: rateQuery('process-service'),
        PUBSUB_EMULATOR_HOST: stack.emulator.host,
        GOOGLE_CLOUD_PROJECT: stack.emulator.projectId,
        SPILLWAY_TOPIC: topic,
      },
      port,
      readyTimeoutMs: 60_000,
    });
    try {
      const answer = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST' });
      const body = (await answer.json()) as {
        decisions: { target: string; action: string; cause: string }[];
      };
      assert.equal(answer.status, 200, JSON.stringify(body));
      assert.deepEqual(
        body.decisions.map((d) => [d.target, d.action, d.cause]),
        [['default/worker-virtual-service', 'publish', 'above-high']],
      );
      const [message] = await pullExactly(stack, topic, 1);
      assert.deepEqual(message?.message.weights, { primary: 0, burst: 100 });
      assert.match(child.output(), /"message":"decider ready/);
    } finally {
      await child.stop();
    }
  });

  test('a bad setting stops the process at start-up with a message naming it', async () => {
    const { code, output } = await runFunctionToExit(source, 'decide', {
      SPILLWAY_RUN_FOR: '10',
      PROMETHEUS_URL: 'prometheus:9090',
    });
    assert.equal(code, 2, output);
    assert.match(output, /"severity":"CRITICAL"/);
    assert.match(
      output,
      /invalid decider configuration: SPILLWAY_RUN_FOR must be a duration like 30s.*PROMETHEUS_URL must be an http:\/\/ or https:\/\/ URL/,
    );
  });
});
