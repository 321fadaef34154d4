import type { ResolvedSource } from '../config.js';
import { cloudMonitoringSource, type TimeSeriesLister } from './cloud-monitoring.js';
import { managedPrometheusSource, MONITORING_READ_SCOPE, type AccessTokens } from './managed-prometheus.js';
import { authorizationHeader, prometheusSource } from './prometheus.js';
import type { Clock, MetricsSource } from './types.js';

export type { MetricsSource } from './types.js';

/** The clients the GCP sources use; made on first use, replaced by recorded fakes in tests. */
export interface SourceClients {
  readonly fetch?: typeof fetch;
  readonly clock?: Clock;
  /** google-auth-library's GoogleAuth with the monitoring read scope, by default. */
  readonly tokens?: () => Promise<AccessTokens>;
  /** @google-cloud/monitoring's MetricServiceClient, by default. */
  readonly monitoring?: () => Promise<TimeSeriesLister>;
}

/** The GCP client libraries are loaded only when a target uses them. */
async function defaultTokens(): Promise<AccessTokens> {
  const { GoogleAuth } = await import('google-auth-library');
  return new GoogleAuth({ scopes: [MONITORING_READ_SCOPE] });
}

async function defaultMonitoring(): Promise<TimeSeriesLister> {
  const { MetricServiceClient } = await import('@google-cloud/monitoring');
  return new MetricServiceClient() as unknown as TimeSeriesLister;
}

/** Caches the promise of a client, so one is made per source, on first use. */
function lazy<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () => (made ??= make());
}

/** The MetricsSource a target's `source` settings describe; `project` is the top-level default. */
export function createSource(
  source: ResolvedSource,
  project: string | undefined,
  clients: SourceClients = {},
): MetricsSource {
  const timeoutMs = source.timeoutSeconds * 1000;
  const common = {
    ...(clients.fetch === undefined ? {} : { fetch: clients.fetch }),
    ...(clients.clock === undefined ? {} : { clock: clients.clock }),
  };
  switch (source.type) {
    case 'prometheus': {
      const auth = source.auth;
      return prometheusSource({
        url: source.url,
        query: source.query,
        timeoutMs,
        ...(auth === undefined ? {} : { headers: () => authorizationHeader(auth) }),
        ...common,
      });
    }
    case 'managed-prometheus': {
      const tokens = lazy(clients.tokens ?? defaultTokens);
      const p = source.project ?? project;
      return managedPrometheusSource({
        ...(p === undefined ? {} : { project: p }),
        query: source.query,
        timeoutMs,
        tokens: {
          getAccessToken: async () => (await tokens()).getAccessToken(),
          getProjectId: async () => (await tokens()).getProjectId(),
        },
        ...common,
      });
    }
    case 'cloud-monitoring': {
      const client = lazy(clients.monitoring ?? defaultMonitoring);
      const p = source.project ?? project;
      return cloudMonitoringSource({
        ...(p === undefined ? {} : { project: p }),
        metric: source.metric,
        service: source.service,
        namespace: source.namespace,
        ...(source.sourceWorkload === undefined ? {} : { sourceWorkload: source.sourceWorkload }),
        alignmentSeconds: source.alignmentSeconds,
        windowSeconds: source.windowSeconds,
        timeoutMs,
        client: {
          listTimeSeries: async (request, options) => (await client()).listTimeSeries(request, options),
          getProjectId: async () => (await client()).getProjectId(),
        },
        ...(clients.clock === undefined ? {} : { clock: clients.clock }),
      });
    }
  }
}
