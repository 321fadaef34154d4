/**
 * The routing panel's data end to end against the local control plane (a real Kubernetes API subset, changed
 * with real kubectl): GET /api/routing and the live feed's `routing` messages follow weight patches and
 * Spillway's annotations, keep the last state (marked stale) while the API is down, recover after a restart
 * (also when the restart expired the watch's resourceVersion: 410, listed again), and say when the
 * VirtualService is gone or cannot be managed.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';
import { Annotation, type AppliedEntry } from '../../core/applier/state.js';
import { createLogger } from '../../core/logger.js';
import { startControlPlane, type ControlPlane } from '../../local/control-plane/index.js';
import { Kubectl, SeedVs, tempDir, weightsPatch } from '../../local/control-plane/test-helpers.js';
import { freePort } from '../../local/ports.js';
import { until } from '../../local/test-support/wait.js';
import { buildFrontendApp } from './app.js';
import { LoadGenerator } from './load-generator.js';
import { ResultsFeed } from './results.js';
import { loadRoutingKubeConfig } from './routing-access.js';
import { RoutingFeed } from './routing-feed.js';
import type { RoutingView } from './routing-view.js';
import { RoutingWatch } from './routing-watch.js';
import { annotateArgs, collectRoutingViews, openFeed } from './test-support.js';

const logger = createLogger({ service: 'routing-test', level: 'silent' });
const target = { namespace: 'default', virtualService: SeedVs };

const decision = (id: string, kind: AppliedEntry['kind'], weights: [number, number], reason: string) => ({
  id,
  kind,
  issuedAt: '2026-11-26T10:00:00.000Z',
  weights: { primary: weights[0], burst: weights[1] },
  reason,
  appliedAt: '2026-11-26T10:00:00.250Z',
});

describe('the routing panel data against the local control plane', () => {
  let dir: string;
  let apiPort: number;
  let controlPlane: ControlPlane;
  let kubectl: Kubectl;
  let app: FastifyInstance;
  let load: LoadGenerator;
  let url: string;
  let socket: WebSocket;
  let pushed: RoutingView[];

  const dataDir = () => join(dir, 'cp');
  const startApi = async (port = apiPort) => startControlPlane({ port, dataDir: dataDir() });
  const routing = async () => (await (await fetch(`${url}api/routing`)).json()) as RoutingView;
  /** Waits until both GET /api/routing and the latest pushed view satisfy `check`. */
  const bothShow = async (what: string, check: (view: RoutingView) => boolean) => {
    try {
      await until(
        async () => check(await routing()) && pushed.length > 0 && check(pushed.at(-1) as RoutingView),
      );
    } catch {
      assert.fail(`${what}: GET ${JSON.stringify(await routing())}; pushed ${JSON.stringify(pushed.at(-1))}`);
    }
  };
  const patchWeights = (primary: number, burst: number) =>
    kubectl.ok([
      'patch',
      'virtualservice',
      SeedVs,
      '--type=json',
      '-p',
      JSON.stringify(weightsPatch(primary, burst)),
    ]);

  before(async () => {
    dir = tempDir('routing');
    apiPort = await freePort();
    controlPlane = await startApi();
    kubectl = new Kubectl(controlPlane.kubeconfigPath);
    load = new LoadGenerator({
      processorUrl: 'http://127.0.0.1:9/',
      maxInFlight: 1,
      maxConnections: 1,
      requestTimeoutMs: 1000,
      logger,
    });
    const watch = new RoutingWatch({
      kubeConfig: loadRoutingKubeConfig(controlPlane.kubeconfigPath),
      target,
      logger,
      backoff: () => 100,
    });
    ({ app } = await buildFrontendApp({
      config: { MAX_RATE: 10 },
      logger,
      load,
      feed: new ResultsFeed(),
      redisStatus: () => 'ready',
      routing: new RoutingFeed({ target, source: { watch } }),
    }));
    url = `${await app.listen({ port: 0, host: '127.0.0.1' })}/`;
    socket = openFeed(url);
    pushed = collectRoutingViews(socket);
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  });

  after(async () => {
    socket.close();
    await app.close();
    await load.close();
    await controlPlane.close();
    kubectl.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the seed VirtualService: live, all to primary, nothing decided yet', async () => {
    await bothShow('live 100/0', (v) => v.api.state === 'live' && v.weights?.primary === 100);
    const view = await routing();
    assert.equal(view.status, 'ok');
    assert.deepEqual(view.target, target);
    assert.deepEqual(view.weights, { primary: 100, burst: 0 });
    assert.equal(view.override, null);
    assert.deepEqual(view.decisions, []);
  });

  test('a page gets the view right after the greeting', async () => {
    const page = openFeed(url);
    const types: string[] = [];
    page.on('message', (data: Buffer) => types.push((JSON.parse(data.toString()) as { type: string }).type));
    try {
      await until(() => types.length >= 2);
      assert.deepEqual(types.slice(0, 2), ['hello', 'routing']);
    } finally {
      page.close();
    }
  });

  test('kubectl patches the weights to 70/30: the API and the feed show them', async () => {
    await patchWeights(70, 30);
    await bothShow('70/30', (v) => v.weights?.primary === 70 && v.weights.burst === 30);
  });

  test("Spillway's annotations: the override with its reason and expiry, the decisions newest first", async () => {
    const auto = decision('auto-7', 'auto', [0, 100], 'rate 20.3 req/s above 15');
    const override = decision('op-1', 'override', [70, 30], 'launch day: hold 30 % on burst');
    const until = new Date(Date.now() + 30 * 60_000).toISOString();
    await kubectl.ok(
      annotateArgs(SeedVs, {
        [Annotation.LastApplied]: override,
        [Annotation.History]: [override, auto],
        [Annotation.Override]: { weights: override.weights, until, reason: override.reason, id: override.id },
      }),
    );
    await bothShow('the override', (v) => v.override?.reason === override.reason && v.decisions.length === 2);
    const view = await routing();
    assert.deepEqual(view.override, {
      weights: { primary: 70, burst: 30 },
      until,
      reason: override.reason,
      id: 'op-1',
      active: true,
    });
    assert.deepEqual(
      view.decisions.map((d) => [d.id, d.kind, d.reason]),
      [
        ['op-1', 'override', override.reason],
        ['auto-7', 'auto', auto.reason],
      ],
    );
    assert.deepEqual(view.notes, []);
  });

  test('a damaged annotation is ignored with a note; the rest is still shown', async () => {
    await kubectl.ok([
      'annotate',
      'virtualservice',
      SeedVs,
      '--overwrite',
      `${Annotation.History}=[{"id":1}]`,
    ]);
    await bothShow('the note', (v) => v.notes.some((n) => n.includes(Annotation.History)));
    const view = await routing();
    assert.deepEqual(view.weights, { primary: 70, burst: 30 });
    assert.deepEqual(
      view.decisions.map((d) => d.id),
      ['op-1'],
      'the last applied decision',
    );
  });

  test('an override reaching its expiry is pushed as no longer active, with no change on the object', async () => {
    const soon = new Date(Date.now() + 3000).toISOString();
    const override = { weights: { primary: 70, burst: 30 }, until: soon, reason: 'short hold', id: 'op-2' };
    await kubectl.ok(annotateArgs(SeedVs, { [Annotation.Override]: override }));
    await bothShow('the short override, active', (v) => v.override?.id === 'op-2' && v.override.active);
    const resourceVersion = (await routing()).resourceVersion;
    await bothShow('the short override, expired', (v) => v.override?.id === 'op-2' && !v.override.active);
    assert.equal((await routing()).resourceVersion, resourceVersion);
  });

  test('the API stops: the last state is kept, marked stale since then; it recovers after a restart', async () => {
    const before = Date.now();
    await controlPlane.close();
    await bothShow('stale', (v) => v.api.state === 'stale');
    const stale = await routing();
    assert.deepEqual(stale.weights, { primary: 70, burst: 30 });
    assert.equal(stale.override?.id, 'op-2');
    assert.ok(Date.parse(stale.api.since ?? '') >= before - 1000, `since ${stale.api.since}`);
    assert.match(stale.api.reason ?? '', /ECONNREFUSED/);

    controlPlane = await startApi();
    await bothShow('live again', (v) => v.api.state === 'live' && v.api.since === null);
    await patchWeights(10, 90);
    await bothShow('10/90 after the restart', (v) => v.weights?.primary === 10);
  });

  test('changed while the watch was away, with its resourceVersion expired (410): listed again', async () => {
    await controlPlane.close();
    await bothShow('stale', (v) => v.api.state === 'stale');
    // Another API on the same data changes the weights; restarted, the API cannot replay that change (its
    // history starts after it), so the watch resuming from its resourceVersion gets 410 and must list again.
    const other = await startApi(0);
    await new Kubectl(other.kubeconfigPath).ok([
      'patch',
      'virtualservice',
      SeedVs,
      '--type=json',
      '-p',
      JSON.stringify(weightsPatch(20, 80)),
    ]);
    await other.close();
    controlPlane = await startApi();
    await bothShow('20/80 after the relist', (v) => v.api.state === 'live' && v.weights?.primary === 20);
  });

  test('the VirtualService deleted: not found; created again without a managed route: the reason', async () => {
    await kubectl.ok(['delete', 'virtualservice', SeedVs]);
    await bothShow('not found', (v) => v.status === 'not-found');
    assert.equal((await routing()).message, `VirtualService default/${SeedVs} not found`);
    assert.equal((await routing()).weights, null);

    const manifest = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: SeedVs, namespace: 'default' },
      spec: {
        hosts: ['worker-service'],
        http: [{ route: [{ destination: { host: 'worker-service', subset: 'primary' } }] }],
      },
    };
    await kubectl.ok(['create', '-f', '-'], JSON.stringify(manifest));
    await bothShow('unmanaged', (v) => v.status === 'unmanaged');
    assert.match((await routing()).message ?? '', /has no destination with subset burst/);
  });
});
