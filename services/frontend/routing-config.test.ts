/**
 * The frontend process and its routing settings: with ROUTING_KUBECONFIG it watches the control plane's
 * VirtualService; without Kubernetes access the panel says why and the rest works; an unusable kubeconfig or
 * a bad name stops it with exit code 2 naming the variable.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  startTestControlPlane,
  tempDir,
  type TestControlPlane,
} from '../../local/control-plane/test-helpers.js';
import { childEnv } from '../../local/child-env.js';
import { freePort } from '../../local/ports.js';
import { startRedisServer, type RedisServer } from '../../local/redis-server.js';
import { startService, type ServiceProcess } from '../../local/service-process.js';
import { until } from '../../local/test-support/wait.js';
import type { RoutingView } from './routing-view.js';

const SERVER = 'services/frontend/server.ts';
/** Nothing in this machine's environment may give the frontend Kubernetes access by accident. */
const NO_CLUSTER = { KUBERNETES_SERVICE_HOST: '', LOG_LEVEL: 'warn' };

async function routingOf(frontend: ServiceProcess): Promise<RoutingView> {
  return (await (await fetch(`${frontend.url}api/routing`)).json()) as RoutingView;
}

describe('the frontend process with its routing settings', () => {
  let controlPlane: TestControlPlane;
  let redis: RedisServer;
  let dir: string;
  /** A frontend on the test's Redis (it stops at once only when its Redis connection can QUIT). */
  const startFrontend = (env: Record<string, string>) =>
    startService(SERVER, { ...NO_CLUSTER, REDIS_URL: redis.url, ...env });
  before(async () => {
    controlPlane = await startTestControlPlane();
    redis = await startRedisServer();
    dir = tempDir('frontend-routing-config');
  });
  after(async () => {
    await controlPlane.dispose();
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test("ROUTING_KUBECONFIG: it watches the control plane's VirtualService", async () => {
    const frontend = await startFrontend({ ROUTING_KUBECONFIG: controlPlane.kubeconfigPath });
    try {
      await until(async () => (await routingOf(frontend)).api.state === 'live');
      const view = await routingOf(frontend);
      assert.equal(view.status, 'ok');
      assert.deepEqual(view.weights, { primary: 100, burst: 0 });
      assert.deepEqual(view.target, { namespace: 'default', virtualService: 'worker-virtual-service' });
    } finally {
      await frontend.stop();
    }
    assert.doesNotMatch(frontend.output(), /"severity":"(ERROR|CRITICAL)"/);
  });

  test('ROUTING_NAMESPACE and ROUTING_VIRTUAL_SERVICE name another object: not found', async () => {
    const frontend = await startFrontend({
      ROUTING_KUBECONFIG: controlPlane.kubeconfigPath,
      ROUTING_NAMESPACE: 'shop',
      ROUTING_VIRTUAL_SERVICE: 'cart',
    });
    try {
      await until(async () => (await routingOf(frontend)).status === 'not-found');
      assert.equal((await routingOf(frontend)).message, 'VirtualService shop/cart not found');
    } finally {
      await frontend.stop();
    }
  });

  test('no kubeconfig and not in a cluster: the panel says why; the page and the API work as before', async () => {
    const frontend = await startFrontend({});
    try {
      const view = await routingOf(frontend);
      assert.equal(view.status, 'unavailable');
      assert.equal(view.api.state, 'unavailable');
      assert.match(view.message ?? '', /not available: .*ROUTING_KUBECONFIG is not set/);
      assert.equal((await fetch(frontend.url)).status, 200);
      assert.equal((await fetch(`${frontend.url}api/stats`)).status, 200);
    } finally {
      await frontend.stop();
    }
    assert.doesNotMatch(frontend.output(), /"severity":"(ERROR|CRITICAL)"/);
  });

  test('in a cluster whose API cannot be reached: it keeps running and says what fails', async () => {
    const frontend = await startFrontend({
      KUBERNETES_SERVICE_HOST: '127.0.0.1',
      KUBERNETES_SERVICE_PORT: String(await freePort()),
    });
    try {
      await until(async () => (await routingOf(frontend)).api.reason !== null);
      const view = await routingOf(frontend);
      assert.equal(view.status, 'waiting');
      assert.equal(view.api.state, 'connecting');
      assert.match(view.message ?? '', /Waiting for the Kubernetes API: ./);
      assert.equal(frontend.process.exitCode, null);
    } finally {
      await frontend.stop();
    }
  });

  const notKubeconfig = () => {
    const path = join(dir, 'notes.txt');
    writeFileSync(path, 'just some notes\n');
    return path;
  };
  const folder = () => {
    const path = join(dir, 'a-folder');
    mkdirSync(path, { recursive: true });
    return path;
  };
  const cases: [string, Record<string, string> | (() => Record<string, string>), string, RegExp][] = [
    [
      'a kubeconfig that does not exist',
      { ROUTING_KUBECONFIG: '/nonexistent/kubeconfig' },
      'ROUTING_KUBECONFIG',
      /ROUTING_KUBECONFIG names a file that does not exist \(got "\/nonexistent\/kubeconfig"\)/,
    ],
    [
      'a folder as kubeconfig',
      () => ({ ROUTING_KUBECONFIG: folder() }),
      'ROUTING_KUBECONFIG',
      /ROUTING_KUBECONFIG names a file that cannot be read \(EISDIR\)/,
    ],
    [
      'a file that is no kubeconfig',
      () => ({ ROUTING_KUBECONFIG: notKubeconfig() }),
      'ROUTING_KUBECONFIG',
      /ROUTING_KUBECONFIG names a kubeconfig without a current context and cluster/,
    ],
    ['an empty kubeconfig path', { ROUTING_KUBECONFIG: '' }, 'ROUTING_KUBECONFIG', /ROUTING_KUBECONFIG /],
    [
      'a namespace that is no Kubernetes name',
      { ROUTING_NAMESPACE: 'Shop_1' },
      'ROUTING_NAMESPACE',
      /ROUTING_NAMESPACE .*a Kubernetes namespace name .*\(got "Shop_1"\)/,
    ],
    [
      'a VirtualService name with a space',
      { ROUTING_VIRTUAL_SERVICE: 'worker service' },
      'ROUTING_VIRTUAL_SERVICE',
      /ROUTING_VIRTUAL_SERVICE .*a Kubernetes object name/,
    ],
  ];
  for (const [name, env, variable, message] of cases) {
    test(`${name}: exit 2 naming ${variable}`, async () => {
      const port = String(await freePort());
      const result = spawnSync(process.execPath, ['--import', 'tsx', SERVER], {
        env: childEnv({
          ...NO_CLUSTER,
          REDIS_URL: redis.url,
          PORT: port,
          ...(typeof env === 'function' ? env() : env),
        }),
        encoding: 'utf8',
        timeout: 60_000,
      });
      assert.equal(result.status, 2, result.stderr);
      // One JSON line for Cloud Logging (stderr is not a terminal here).
      const line = JSON.parse(result.stderr) as { message: string; problems: { variable: string }[] };
      assert.match(line.message, /^invalid frontend configuration: /);
      assert.match(line.message, message);
      assert.deepEqual(
        line.problems.map((p) => p.variable),
        [variable],
      );
    });
  }
});
