import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IProbe } from 'kubernetes-models/v1/Probe';
import { CALCULATION_CHANNEL } from '../core/channels.js';
import { FrontendConfigSchema } from '../core/config/frontend.js';
import { loadConfig } from '../core/config/load.js';
import { WorkerConfigSchema } from '../core/config/worker.js';
import { createLogger } from '../core/logger.js';
import { startListening, type ListeningProcess } from '../local/child-process.js';
import { freePort } from '../local/ports.js';
import { until } from '../local/test-support/wait.js';
import { createPublisher, createSubscriber } from '../services/common/redis.js';
import { buildFrontendApp } from '../services/frontend/app.js';
import { LoadGenerator } from '../services/frontend/load-generator.js';
import { ResultsFeed } from '../services/frontend/results.js';
import { buildWorkerApp } from '../services/worker/app.js';
import { objectsOf, readText, type KubeObject } from './support/repo.js';
import { overlays, renderOverlay, type Overlay } from './support/kustomize.js';
import {
  backendsOf,
  containersOf,
  deploymentsOf,
  envOf,
  named,
  resolvePort,
  type DeploymentObject,
  type ServiceObject,
} from './support/workloads.js';

const logger = createLogger({ service: 'deploy-test', level: 'silent' });

/** Redis clients as the services make them: the worker's publisher and the frontend's subscriber. */
const publisherOn = (url: string) => createPublisher(url, 1000, logger);
const subscriberOn = (url: string) => createSubscriber(url, logger);

/** The AuthorizationPolicies of istio/security, with the fields these tests read. */
const authorizationPolicies = () =>
  objectsOf('istio/security/authorization-policies.yaml') as unknown as {
    metadata: { name: string };
    spec: {
      rules?: { to?: { operation: { paths?: string[]; methods?: string[]; ports?: string[] } }[] }[];
    };
  }[];

/** The frontend app as its server builds it (without listening), subscribed on the given Redis. */
async function buildFrontendOn(
  redisUrl: string,
): Promise<{ app: FastifyInstance; close: () => Promise<void> }> {
  const subscriber = subscriberOn(redisUrl);
  await subscriber.subscribe(CALCULATION_CHANNEL);
  const load = new LoadGenerator({
    processorUrl: 'http://127.0.0.1:9/',
    maxInFlight: 1,
    maxConnections: 1,
    requestTimeoutMs: 1000,
    logger,
  });
  const { app } = await buildFrontendApp({
    config: { MAX_RATE: 10 },
    logger,
    load,
    feed: new ResultsFeed(),
    redisStatus: () => subscriber.status,
  });
  await app.ready();
  return {
    app,
    close: async () => {
      await app.close();
      await load.close();
      subscriber.disconnect();
    },
  };
}
const schemas = { worker: WorkerConfigSchema, frontend: FrontendConfigSchema } as const;
type ServiceName = keyof typeof schemas;

interface AppContainer {
  overlay: Overlay;
  service: ServiceName;
  container: IContainer;
}

/** The worker and frontend containers of both overlays, as rendered. */
async function appContainers(): Promise<AppContainer[]> {
  const found: AppContainer[] = [];
  for (const overlay of overlays) {
    for (const deployment of deploymentsOf(await renderOverlay(overlay))) {
      for (const container of containersOf(deployment)) {
        if (container.name === 'worker' || container.name === 'frontend') {
          found.push({ overlay, service: container.name, container });
        }
      }
    }
  }
  return found;
}

function probesOf(c: IContainer): [string, IProbe][] {
  const probes: [string, IProbe | undefined][] = [
    ['liveness', c.livenessProbe],
    ['readiness', c.readinessProbe],
    ['startup', c.startupProbe],
  ];
  return probes.filter((entry): entry is [string, IProbe] => entry[1] !== undefined);
}

/** `ENV … PORT=n` and `EXPOSE n` of a service's Dockerfile. */
function dockerfilePort(service: ServiceName): { env: number; expose: number; cmd: string } {
  const text = readText(`services/${service}/Dockerfile`);
  const env = /^ENV .*\bPORT=(\d+)/m.exec(text)?.[1];
  const expose = /^EXPOSE (\d+)/m.exec(text)?.[1];
  const cmd = /^CMD (.+)$/m.exec(text)?.[1];
  assert.ok(env && expose && cmd, `services/${service}/Dockerfile: ENV PORT, EXPOSE and CMD`);
  return { env: Number(env), expose: Number(expose), cmd };
}

/** The Service a `scheme://name.namespace.svc.cluster.local:port` URL names, and its port. */
function serviceOfUrl(url: string, objects: KubeObject[]): { service: ServiceObject; port: number } {
  const parsed = new URL(url);
  const [name, namespace, svc, ...rest] = parsed.hostname.split('.');
  assert.equal(`${svc}.${rest.join('.')}`, 'svc.cluster.local', `${url}: a Service's cluster DNS name`);
  assert.equal(namespace, 'default', url);
  const service = named<ServiceObject>(objects, 'Service', name ?? '');
  const port = Number(parsed.port || (parsed.protocol === 'http:' ? 80 : NaN));
  assert.ok(
    service.spec?.ports?.some((p) => p.port === port),
    `${url}: Service ${name} has no port ${port}`,
  );
  return { service, port };
}

describe('the manifests against the services they run', () => {
  let redis: ListeningProcess;
  let redisUrl: string;
  let redisDir: string;
  const closers: (() => Promise<unknown>)[] = [];

  before(async () => {
    // Redis exactly as the primary overlay runs it (its arguments: no persistence, the ACL), on loopback.
    const container = containersOf(
      named<DeploymentObject>(await renderOverlay('primary'), 'Deployment', 'redis-cache'),
    )[0];
    const [command, ...args] = container?.args ?? [];
    assert.equal(command, 'redis-server');
    const port = await freePort();
    redisDir = mkdtempSync(join(tmpdir(), 'spillway-redis-'));
    redis = await startListening({
      name: 'redis-server',
      command: 'redis-server',
      args: [...args, '--port', String(port), '--bind', '127.0.0.1', '--dir', redisDir],
      port,
      installHint: 'install it: apt-get install redis-server',
      readyTimeoutMs: 10_000,
      stopTimeoutMs: 5000,
    });
    redisUrl = `redis://127.0.0.1:${port}`;
  });

  after(async () => {
    for (const close of closers.reverse()) await close();
    await redis.stop();
    rmSync(redisDir, { recursive: true, force: true });
  });

  test('the environment each container gets is valid for its service; ports agree with image and schema', async () => {
    const containers = await appContainers();
    assert.deepEqual(containers.map((c) => `${c.overlay}/${c.service}`).sort(), [
      'burst/worker',
      'primary/frontend',
      'primary/worker',
    ]);
    for (const { overlay, service, container } of containers) {
      const where = `${overlay}/${service}`;
      // loadConfig is what the service itself runs at start: an invalid value would stop the pod.
      const config = loadConfig(service, schemas[service], envOf(container));
      const defaults = loadConfig(service, schemas[service], {});
      const image = dockerfilePort(service);
      const http = resolvePort(container, 'http');
      assert.equal(config.PORT, http, `${where}: PORT = the container port`);
      assert.equal(image.env, http, `${where}: the image's PORT`);
      assert.equal(image.expose, http, `${where}: the image's EXPOSE`);
      assert.equal(defaults.PORT, http, `${where}: the config schema's default`);
      // The image's CMD (node dist/services/<name>/server.js) runs unchanged.
      assert.match(image.cmd, new RegExp(`dist/services/${service}/server\\.js`));
      assert.equal(container.command, undefined, where);
      assert.equal(container.args, undefined, where);
      for (const [kind, probe] of probesOf(container)) {
        assert.ok(probe.httpGet, `${where} ${kind}: an HTTP probe`);
        assert.equal(resolvePort(container, probe.httpGet.port), config.PORT, `${where} ${kind} port`);
      }
      assert.ok(container.livenessProbe && container.readinessProbe, `${where}: liveness and readiness`);
    }
  });

  test('the URLs in the environment name Services of the same cluster, on ports their pods serve', async () => {
    for (const { overlay, service, container } of await appContainers()) {
      const objects = await renderOverlay(overlay);
      const env = envOf(container);
      const redisService = serviceOfUrl(env['REDIS_URL'] ?? '', objects);
      // The Redis pod itself is in the primary cluster; the burst cluster has the Service for DNS.
      const primary = await renderOverlay('primary');
      const [redisBackend, ...others] = backendsOf(
        named(primary, 'Service', redisService.service.metadata?.name ?? ''),
        primary,
      );
      assert.equal(others.length, 0);
      const redisPort = redisService.service.spec?.ports?.find((p) => p.port === redisService.port);
      const redisContainer = containersOf(redisBackend as DeploymentObject)[0] as IContainer;
      assert.equal(
        resolvePort(redisContainer, redisPort?.targetPort),
        6379,
        `${overlay}/${service} REDIS_URL`,
      );
      if (service === 'frontend') {
        const processor = serviceOfUrl(env['PROCESSOR_URL'] ?? '', objects);
        assert.equal(processor.service.metadata?.name, 'worker-service');
        const servicePort = processor.service.spec?.ports?.find((p) => p.port === processor.port);
        const worker = named<DeploymentObject>(objects, 'Deployment', 'worker-deployment');
        const workerContainer = containersOf(worker)[0] as IContainer;
        assert.equal(
          resolvePort(workerContainer, servicePort?.targetPort),
          loadConfig('worker', WorkerConfigSchema, envOf(workerContainer)).PORT,
        );
        // The VirtualService routes the same host and port.
        const [vs] = objectsOf('istio/traffic/worker-virtualservice.yaml') as unknown as [
          { spec: { http: { route: { destination: { host: string; port: { number: number } } }[] }[] } },
        ];
        for (const route of vs.spec.http.flatMap((h) => h.route)) {
          assert.equal(route.destination.host, new URL(env['PROCESSOR_URL'] ?? '').hostname);
          assert.equal(route.destination.port.number, processor.port);
        }
      }
    }
  });

  test('the probes answer on paths the services really serve, against Redis configured as in the manifest', async () => {
    for (const { overlay, service, container } of await appContainers()) {
      const where = `${overlay}/${service}`;
      const env = envOf(container);
      const app = service === 'worker' ? await startWorker(env) : await startFrontend();
      for (const [kind, probe] of probesOf(container)) {
        const path = probe.httpGet?.path ?? '';
        assert.ok(app.hasRoute({ method: 'GET', url: path }), `${where} ${kind}: no route GET ${path}`);
        await until(async () => (await app.inject({ method: 'GET', url: path })).statusCode === 200, 10_000);
      }
    }

    async function startWorker(env: Record<string, string>): Promise<FastifyInstance> {
      const config = loadConfig('worker', WorkerConfigSchema, { ...env, REDIS_URL: redisUrl });
      const publisher = publisherOn(config.REDIS_URL);
      const { app } = buildWorkerApp({ config, logger, redis: publisher });
      closers.push(
        () => app.close(),
        async () => publisher.disconnect(),
      );
      await app.ready();
      return app;
    }

    async function startFrontend(): Promise<FastifyInstance> {
      const frontend = await buildFrontendOn(redisUrl);
      closers.push(frontend.close);
      return frontend.app;
    }
  });

  test("Redis's ACL lets a worker publish and the frontend receive on `calculation`, and refuses the rest", async () => {
    const received: string[] = [];
    const subscriber = subscriberOn(redisUrl);
    subscriber.on('message', (_channel: string, message: string) => received.push(message));
    await subscriber.subscribe(CALCULATION_CHANNEL);
    const publisher = publisherOn(redisUrl);
    await until(() => publisher.status === 'ready');
    const { app } = buildWorkerApp({
      config: { PREFIX: 'bursty-', CLUSTER_NAME: 'burst' },
      logger,
      redis: publisher,
    });
    // Plain clients, as anyone who reached Redis would use.
    const other = new Redis(redisUrl, { maxRetriesPerRequest: 0, lazyConnect: true });
    const listener = new Redis(redisUrl, { maxRetriesPerRequest: 0, lazyConnect: true });
    for (const client of [other, listener]) client.on('error', () => undefined);
    try {
      const response = await app.inject({ method: 'POST', url: '/', payload: { str: 'hello' } });
      assert.equal(response.statusCode, 200, response.body);
      const { hash } = response.json<{ hash: string }>();
      await until(() => received.includes(hash));

      await other.connect();
      await listener.connect();
      for (const [what, call] of [
        ['SET', () => other.set('key', 'value')],
        ['GET', () => other.get('key')],
        ['KEYS', () => other.keys('*')],
        ['FLUSHALL', () => other.flushall()],
        ['CONFIG GET', () => other.config('GET', '*')],
        ['PUBLISH elsewhere', () => other.publish('elsewhere', 'x')],
        ['SUBSCRIBE elsewhere', () => listener.subscribe('elsewhere')],
      ] as const) {
        await assert.rejects(call(), /NOPERM/, `${what} must be refused`);
      }
    } finally {
      other.disconnect();
      listener.disconnect();
      await app.close();
      publisher.disconnect();
      subscriber.disconnect();
    }
  });

  test('the ingress gateway routes, and the frontend authorizes, exactly the routes of the page', async () => {
    const [, vs] = objectsOf('istio/traffic/frontend-gateway.yaml') as [
      unknown,
      { spec: { http: { match: { uri: { exact?: string; prefix?: string } }[] }[] } },
    ];
    const matches = vs.spec.http.flatMap((h) => h.match.map((m) => m.uri));
    const policies = authorizationPolicies();
    const frontendPolicy = policies.find((p) => p.metadata.name === 'frontend-from-ingress');
    const authorized = frontendPolicy?.spec.rules
      ?.flatMap((r) => r.to ?? [])
      .flatMap((t) => t.operation.paths ?? []);
    assert.deepEqual(
      [...(authorized ?? [])].sort(),
      matches.map((m) => m.exact ?? `${m.prefix ?? ''}*`).sort(),
      'AuthorizationPolicy paths = gateway routes',
    );

    const { app, close } = await buildFrontendOn(redisUrl);
    try {
      for (const uri of matches) {
        if (uri.exact !== undefined) {
          const served = ['GET', 'POST'].some((method) => app.hasRoute({ method, url: uri.exact ?? '' }));
          assert.ok(served, `the gateway routes ${uri.exact}, which the frontend does not serve`);
        } else {
          // A prefix: the page's assets, e.g. /assets/page.css.
          const response = await app.inject({ method: 'GET', url: `${uri.prefix ?? ''}page.css` });
          assert.equal(response.statusCode, 200, `${uri.prefix ?? ''}page.css`);
        }
      }
      // What stays inside the cluster: metrics and readiness exist, and are not routed from outside.
      for (const internal of ['/metrics', '/_healthz']) {
        assert.ok(app.hasRoute({ method: 'GET', url: internal }));
        assert.ok(
          !matches.some((m) => m.exact === internal || internal.startsWith(m.prefix ?? '\0')),
          internal,
        );
      }
    } finally {
      await close();
    }
  });

  test("the worker's AuthorizationPolicy allows exactly the worker's one operation, on its port", async () => {
    const policies = authorizationPolicies();
    const operations = policies
      .find((p) => p.metadata.name === 'worker-from-frontend')
      ?.spec.rules?.flatMap((r) => r.to ?? [])
      .map((t) => t.operation);
    assert.equal(operations?.length, 1);
    const publisher = publisherOn(redisUrl);
    const { app } = buildWorkerApp({
      config: { PREFIX: '', CLUSTER_NAME: 'primary' },
      logger,
      redis: publisher,
    });
    try {
      await app.ready();
      for (const method of operations?.[0]?.methods ?? []) {
        for (const path of operations?.[0]?.paths ?? [])
          assert.ok(app.hasRoute({ method, url: path }), `${method} ${path}`);
      }
      const worker = containersOf(
        named<DeploymentObject>(await renderOverlay('primary'), 'Deployment', 'worker-deployment'),
      )[0];
      assert.deepEqual(operations?.[0]?.ports, [String(resolvePort(worker as IContainer, 'http'))]);
    } finally {
      await app.close();
      publisher.disconnect();
    }
  });
});
