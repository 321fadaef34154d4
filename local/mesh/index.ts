/**
 * The local mesh: the stand-in for the Envoy sidecars in front of `worker-service`. It follows the
 * VirtualService and DestinationRule through the Kubernetes API (the local control plane, or any API
 * server in a kubeconfig), splits requests between subsets by the route's weights, forwards each to an
 * endpoint of its subset and exports Istio's standard metrics on an admin port. See docs/mesh.md.
 *
 *   const mesh = await startMesh({ kubeconfigPath, endpoints: [
 *     { url: 'http://127.0.0.1:8081', labels: { 'topology.istio.io/cluster': 'primary', app: 'worker' }, workload: 'worker-deployment' },
 *   ] });
 *   // POST mesh.url … ; Prometheus scrapes `${mesh.adminUrl}stats/prometheus`
 *   await mesh.close();
 */
import { createServer, type Server } from 'node:http';
import { createLogger, type Logger } from '../../core/logger.js';
import { createAdminHandler } from './admin.js';
import type { Random } from './balancer.js';
import { ResourceWatch, type Backoff } from './config-watch.js';
import { makeEndpoint, type Endpoint, type EndpointSpec } from './endpoints.js';
import { createForwarder } from './forward.js';
import { qualifyHost } from './hosts.js';
import { loadKubeConfig } from './kubeconfig.js';
import { createMeshMetrics, type SourceIdentity } from './istio-metrics.js';
import { noClusterFound } from './local-replies.js';
import { buildRouteTable, unavailableTable, type RouteTable, type TableDescription } from './route-table.js';
import { UpstreamPools, defaultPoolSettings, type PoolSettings } from './upstream-pools.js';

export type { EndpointSpec } from './endpoints.js';
export type { Backoff } from './config-watch.js';

export interface MeshOptions {
  /** The kubeconfig whose current context reaches the Kubernetes API (the control plane writes one). */
  readonly kubeconfigPath: string;
  /** Namespace of the service and its Istio objects (default `default`). */
  readonly namespace?: string;
  /** The VirtualService that routes the service (default `worker-virtual-service`). */
  readonly virtualService?: string;
  /** The DestinationRule by name; by default the one whose `host` is the service. */
  readonly destinationRule?: string;
  /** The service the mesh serves (default `worker-service`; short names are qualified with the namespace). */
  readonly host?: string;
  /** The proxy's port (default: a free one). */
  readonly port?: number;
  /** The admin port: /stats/prometheus, /metrics, /healthz/ready, /config (default: a free one). */
  readonly adminPort?: number;
  /** Address both listen on (default 127.0.0.1). */
  readonly listenHost?: string;
  /** The workers: URL, pod labels, workload name. */
  readonly endpoints: readonly EndpointSpec[];
  /** The caller, for the `source_*` labels (default frontend-deployment / frontend, in `primary`). */
  readonly source?: Partial<SourceIdentity>;
  readonly logger?: Logger;
  /** Pause before the n-th retry of a failed watch (default 100 ms doubling to 2 s). */
  readonly backoff?: Backoff;
  /** For tests: the random source of weighted and endpoint picks. */
  readonly random?: Random;
  readonly pool?: Partial<PoolSettings>;
}

export interface MeshDescription {
  service: string;
  virtualService: string;
  destinationRule: string;
  source: SourceIdentity;
  endpoints: {
    origin: string;
    labels: Readonly<Record<string, string>>;
    workload: string;
    inFlight: number;
  }[];
  table: TableDescription;
  /** The last configuration that was rejected (the table above stayed in force), if any since. */
  rejected?: string;
}

export interface Mesh {
  /** `http://127.0.0.1:<port>/`: send the service's requests here. */
  readonly url: string;
  readonly port: number;
  /** `http://127.0.0.1:<adminPort>/` */
  readonly adminUrl: string;
  readonly adminPort: number;
  describe(): MeshDescription;
  /** Replaces the endpoints (e.g. a worker restarted on another port); applies at once. */
  setEndpoints(endpoints: readonly EndpointSpec[]): void;
  /** Stops watching, stops listening, lets requests in flight finish (up to `graceMs`, default 5 s). */
  close(graceMs?: number): Promise<void>;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

function validPort(name: string, port: number | undefined): number {
  if (port === undefined) return 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`${name} must be an integer from 0 to 65535 (got ${String(port)})`);
  }
  return port;
}

function listen(server: Server, port: number, host: string, what: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new Error(`cannot listen on ${host}:${port} for the ${what}: ${err.code ?? err.message}`, {
          cause: err,
        }),
      ),
    );
    server.listen(port, host, () => {
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : port);
    });
  });
}

function closeServer(server: Server, graceMs: number): Promise<void> {
  if (!server.listening) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => server.closeAllConnections(), graceMs);
    server.close(() => {
      clearTimeout(force);
      resolve();
    });
    server.closeIdleConnections();
  });
}

/** A route table in one log line: the objects and each route's weights by subset. */
function summarize({ virtualService, destinationRule, unavailable, routes }: TableDescription) {
  return {
    virtualService,
    destinationRule,
    unavailable,
    routes: routes.map((r) => ({
      name: r.name,
      weights: r.destinations.map((d) => `${d.subset ?? '*'}=${d.weight}`),
    })),
  };
}

export async function startMesh(options: MeshOptions): Promise<Mesh> {
  const namespace = options.namespace ?? 'default';
  const vsName = options.virtualService ?? 'worker-virtual-service';
  if (!DNS_LABEL.test(namespace))
    throw new Error(`namespace ${JSON.stringify(namespace)} is not a Kubernetes namespace name`);
  for (const [what, name] of [
    ['VirtualService', vsName],
    ['DestinationRule', options.destinationRule],
  ] as const) {
    if (name !== undefined && !DNS_SUBDOMAIN.test(name))
      throw new Error(`${what} name ${JSON.stringify(name)} is not a Kubernetes object name`);
  }
  const port = validPort('port', options.port);
  const adminPort = validPort('adminPort', options.adminPort);
  const listenHost = options.listenHost ?? '127.0.0.1';
  const serviceHost = qualifyHost(options.host ?? 'worker-service', namespace);
  const kubeConfig = loadKubeConfig(options.kubeconfigPath);
  let endpoints: readonly Endpoint[] = options.endpoints.map(makeEndpoint);
  const source: SourceIdentity = {
    workload: options.source?.workload ?? 'frontend-deployment',
    app: options.source?.app ?? 'frontend',
    namespace: options.source?.namespace ?? namespace,
    cluster: options.source?.cluster ?? 'primary',
  };
  const logger = options.logger ?? createLogger({ service: 'mesh', level: 'info' });
  const metrics = createMeshMetrics({ serviceHost, source });
  const pools = new UpstreamPools({ ...defaultPoolSettings, ...options.pool });
  const context = { sourceLabels: { app: source.app }, sourceNamespace: source.namespace, servicePort: 80 };

  let table: RouteTable = unavailableTable(
    `${namespace}/${vsName}`,
    noClusterFound(`no VirtualService ${namespace}/${vsName} known yet: waiting for the Kubernetes API`),
  );
  let rejected: string | undefined;
  let lastLogged = JSON.stringify(summarize(table.description));
  const rebuild = (): void => {
    const result = buildRouteTable({
      service: { host: serviceHost, namespace },
      virtualServiceName: vsName,
      destinationRuleName: options.destinationRule,
      virtualServices: vsWatch.objects(),
      destinationRules: drWatch.objects(),
      endpoints,
      context,
    });
    if (result.ok) {
      table = result.table; // one assignment: each request reads one whole table
      rejected = undefined;
      metrics.configUpdate('applied');
      const summary = summarize(table.description);
      const text = JSON.stringify(summary);
      if (text !== lastLogged) logger.info(summary, 'route table applied');
      lastLogged = text;
    } else {
      rejected = result.problem;
      metrics.configUpdate('rejected');
      // A table that routes stays in force; one that only answered 503 now answers with the problem.
      if (table.unavailable)
        table = unavailableTable(`${namespace}/${vsName}`, noClusterFound(result.problem));
      logger.error(
        { problem: result.problem },
        'configuration rejected; the previous route table stays in force',
      );
    }
  };
  const watchOptions = {
    kubeConfig,
    namespace,
    onChange: rebuild,
    logger,
    ...(options.backoff === undefined ? {} : { backoff: options.backoff }),
  };
  const vsWatch = new ResourceWatch({
    ...watchOptions,
    plural: 'virtualservices',
    onRestart: () => metrics.watchRestart('virtualservices'),
  });
  const drWatch = new ResourceWatch({
    ...watchOptions,
    plural: 'destinationrules',
    onRestart: () => metrics.watchRestart('destinationrules'),
  });

  const describe = (): MeshDescription => ({
    service: serviceHost,
    virtualService: `${namespace}/${vsName}`,
    destinationRule: options.destinationRule
      ? `${namespace}/${options.destinationRule}`
      : `(by host ${serviceHost})`,
    source,
    endpoints: endpoints.map((e) => ({
      origin: e.origin,
      labels: e.labels,
      workload: e.workload,
      inFlight: e.inFlight,
    })),
    table: table.description,
    ...(rejected === undefined ? {} : { rejected }),
  });

  const proxy = createServer(
    createForwarder({ table: () => table, pools, metrics, random: options.random ?? Math.random, logger }),
  );
  proxy.keepAliveTimeout = 65_000;
  const admin = createServer(createAdminHandler({ registry: metrics.registry, describe }));
  let proxyPort: number;
  let boundAdminPort: number;
  try {
    proxyPort = await listen(proxy, port, listenHost, 'mesh proxy');
    boundAdminPort = await listen(admin, adminPort, listenHost, 'mesh admin port');
  } catch (err) {
    await Promise.all([closeServer(proxy, 0), closeServer(admin, 0), pools.close(true)]);
    throw err;
  }
  vsWatch.start();
  drWatch.start();
  const urlHost = listenHost === '0.0.0.0' || listenHost === '::' ? '127.0.0.1' : listenHost;
  logger.info(
    {
      url: `http://${urlHost}:${proxyPort}/`,
      admin: `http://${urlHost}:${boundAdminPort}/`,
      host: serviceHost,
      virtualService: `${namespace}/${vsName}`,
      endpoints: endpoints.length,
    },
    'mesh listening',
  );

  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${proxyPort}/`,
    port: proxyPort,
    adminUrl: `http://${urlHost}:${boundAdminPort}/`,
    adminPort: boundAdminPort,
    describe,
    setEndpoints(specs) {
      const next = specs.map(makeEndpoint);
      endpoints = next;
      pools.retain(new Set(next.map((e) => e.origin)));
      rebuild();
    },
    close(graceMs = 5000) {
      closing ??= (async () => {
        await Promise.all([vsWatch.stop(), drWatch.stop()]);
        await Promise.all([closeServer(proxy, graceMs), closeServer(admin, 0)]);
        await pools.close();
      })();
      return closing;
    },
  };
}
