/**
 * The applier as Cloud Run starts it: functions-framework with FUNCTION_TARGET=apply on the TypeScript
 * source, pushed to by the real Pub/Sub emulator, the operator publishing with the real gcloud.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { startListening } from '../../local/child-process.js';
import { createTopic } from '../../local/pubsub-emulator.js';
import { createPushSubscription, pushEndpointFor } from '../../local/pubsub-emulator-admin.js';
import { freePort } from '../../local/ports.js';
import { gcloudPublish } from '../../local/test-support/gcloud-publish.js';
import { frameworkArgs, frameworkEnv, runFunctionToExit } from '../test-support/framework-process.js';
import { until } from '../../local/test-support/wait.js';
import { Annotation } from '../../core/applier/state.js';
import { readVirtualService, startApplierStack, weightsOf, type ApplierStack } from './test-support/stack.js';

const source = fileURLToPath(new URL('./index.ts', import.meta.url));
const target = { namespace: 'default', virtualService: 'worker-virtual-service' };

let stack: ApplierStack;
before(async () => {
  stack = await startApplierStack();
});
after(async () => {
  await stack.stop();
});

describe('functions-framework --target=apply', () => {
  test('applies what an operator publishes with gcloud, pushed by the emulator', async () => {
    const port = await freePort();
    const child = await startListening({
      name: 'functions-framework',
      command: process.execPath,
      args: frameworkArgs(source, port),
      env: frameworkEnv('apply', { SPILLWAY_KUBECONFIG: stack.controlPlane.kubeconfigPath }),
      port,
      readyTimeoutMs: 60_000,
    });
    try {
      assert.match(child.output(), /"message":"applier ready"/);
      await createTopic(stack.emulator, 'spillway-decisions');
      await createPushSubscription(
        stack.emulator,
        'spillway-decisions',
        'applier',
        pushEndpointFor(stack.emulator, 'spillway-decisions', `http://127.0.0.1:${port}`),
      );
      await gcloudPublish(stack.emulator, 'spillway-decisions', {
        message: 'split:25',
        attributes: { ttl: '10m', reason: 'canary' },
      });
      await until(
        async () => weightsOf(await readVirtualService(stack.controlPlane, target)).burst === 25,
        30_000,
      );
      const vs = await readVirtualService(stack.controlPlane, target);
      assert.deepEqual(weightsOf(vs), { primary: 75, burst: 25 });
      assert.match(vs.metadata.annotations?.[Annotation.Override] ?? '', /"reason":"canary"/);
      await until(() => /"outcome":"override-set"/.test(child.output()), 10_000);
      const line = child
        .output()
        .split('\n')
        .find((l) => l.includes('"outcome":"override-set"'));
      const parsed = JSON.parse(line ?? '{}') as Record<string, unknown>;
      assert.equal(parsed['severity'], 'INFO');
      assert.deepEqual(parsed['after'], { primary: 75, burst: 25 });

      // Something it cannot understand: logged with the reason, acknowledged (the process stays up).
      await gcloudPublish(stack.emulator, 'spillway-decisions', { message: 'sideways' });
      await until(() => /unknown command \\"sideways\\"/.test(child.output()), 20_000);
      const answer = await fetch(`http://127.0.0.1:${port}/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      assert.ok(answer.status < 500, 'still serving; a body that is no Pub/Sub message is acknowledged');
    } finally {
      await child.stop();
    }
  });

  test('a bad setting stops the process at start-up with a message naming it', async () => {
    const { code, output } = await runFunctionToExit(source, 'apply', {
      SPILLWAY_TARGET_CLUSTERS: 'projects/p/clusters/c',
      SPILLWAY_CONFLICT_RETRIES: 'many',
    });
    assert.equal(code, 2, output);
    assert.match(output, /"severity":"CRITICAL"/);
    assert.match(
      output,
      /invalid applier configuration: SPILLWAY_CONFLICT_RETRIES must be an integer.*SPILLWAY_TARGET_CLUSTERS /,
    );
  });
});
