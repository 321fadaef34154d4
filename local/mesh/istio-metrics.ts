/**
 * Istio's standard HTTP metrics, as the destination sidecar reports them, with Istio's label names and
 * buckets, so PromQL written for a real mesh works on the local one unchanged:
 *
 *   sum(rate(istio_requests_total{reporter="destination",
 *     destination_service="worker-service.default.svc.cluster.local",
 *     source_workload="frontend-deployment"}[15s]))
 *
 * Spillway's own series about the mesh are prefixed `spillway_mesh_`.
 */
import { Counter, Histogram, Registry } from 'prom-client';
import { CLUSTER_LABEL, type Endpoint } from './endpoints.js';
import { serviceParts } from './hosts.js';

/** Istio's standard metric labels (docs: "Istio Standard Metrics"), in Istio's order. */
export const IstioLabelNames = [
  'reporter',
  'source_workload',
  'source_workload_namespace',
  'source_principal',
  'source_app',
  'source_version',
  'source_cluster',
  'source_canonical_service',
  'source_canonical_revision',
  'destination_workload',
  'destination_workload_namespace',
  'destination_principal',
  'destination_app',
  'destination_version',
  'destination_service',
  'destination_service_name',
  'destination_service_namespace',
  'destination_canonical_service',
  'destination_canonical_revision',
  'destination_cluster',
  'request_protocol',
  'response_code',
  'grpc_response_status',
  'response_flags',
  'connection_security_policy',
] as const;
export type IstioLabels = Record<(typeof IstioLabelNames)[number], string>;

/** Envoy's default histogram buckets, which Istio's duration metric uses (milliseconds). */
export const IstioDurationBucketsMs = [
  0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000,
  3600000,
] as const;

/** The caller whose requests the mesh receives (the frontend, locally). */
export interface SourceIdentity {
  readonly workload: string;
  readonly app: string;
  readonly namespace: string;
  readonly cluster: string;
}

const UNKNOWN = 'unknown';

type DestinationPart = Pick<
  IstioLabels,
  | 'destination_workload'
  | 'destination_workload_namespace'
  | 'destination_principal'
  | 'destination_app'
  | 'destination_version'
  | 'destination_canonical_service'
  | 'destination_canonical_revision'
  | 'destination_cluster'
>;

/** The destination labels of an endpoint (from its pod labels, as Istio derives them). */
function destinationLabelsOf(endpoint: Endpoint | undefined, namespace: string): DestinationPart {
  if (endpoint === undefined) {
    return {
      destination_workload: UNKNOWN,
      destination_workload_namespace: UNKNOWN,
      destination_principal: UNKNOWN,
      destination_app: UNKNOWN,
      destination_version: UNKNOWN,
      destination_canonical_service: UNKNOWN,
      destination_canonical_revision: UNKNOWN,
      destination_cluster: UNKNOWN,
    };
  }
  const l = endpoint.labels;
  return {
    destination_workload: endpoint.workload,
    destination_workload_namespace: namespace,
    destination_principal: UNKNOWN,
    destination_app: l['app'] ?? UNKNOWN,
    destination_version: l['version'] ?? UNKNOWN,
    destination_canonical_service: l['service.istio.io/canonical-name'] ?? l['app'] ?? endpoint.workload,
    destination_canonical_revision: l['service.istio.io/canonical-revision'] ?? l['version'] ?? 'latest',
    destination_cluster: l[CLUSTER_LABEL] ?? UNKNOWN,
  };
}

export interface MeshMetrics {
  readonly registry: Registry;
  /** Counts one finished request and its duration; `endpoint` is undefined for a local reply. */
  record(
    endpoint: Endpoint | undefined,
    responseCode: number,
    responseFlags: string,
    durationMs: number,
  ): void;
  /** A configuration change applied, or rejected (the previous table kept). */
  configUpdate(result: 'applied' | 'rejected'): void;
  /** A watch of `resource` failed and is being restarted. */
  watchRestart(resource: string): void;
}

export function createMeshMetrics(options: { serviceHost: string; source: SourceIdentity }): MeshMetrics {
  const registry = new Registry();
  const requests = new Counter({
    name: 'istio_requests_total',
    help: 'Requests handled by the local mesh (Istio standard metric).',
    labelNames: IstioLabelNames,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'istio_request_duration_milliseconds',
    help: 'Duration of requests handled by the local mesh, in milliseconds (Istio standard metric).',
    labelNames: IstioLabelNames,
    buckets: [...IstioDurationBucketsMs],
    registers: [registry],
  });
  const configUpdates = new Counter({
    name: 'spillway_mesh_config_updates_total',
    help: 'Route table rebuilds after a change of the VirtualService, DestinationRule or endpoints, by result.',
    labelNames: ['result'] as const,
    registers: [registry],
  });
  const watchRestarts = new Counter({
    name: 'spillway_mesh_watch_restarts_total',
    help: 'Watches of the Kubernetes API restarted after an error, by resource.',
    labelNames: ['resource'] as const,
    registers: [registry],
  });

  const { name, namespace } = serviceParts(options.serviceHost);
  const { source } = options;
  const fixed = {
    reporter: 'destination',
    source_workload: source.workload,
    source_workload_namespace: source.namespace,
    source_principal: UNKNOWN,
    source_app: source.app,
    source_version: UNKNOWN,
    source_cluster: source.cluster,
    source_canonical_service: source.app,
    source_canonical_revision: 'latest',
    destination_service: options.serviceHost,
    destination_service_name: name,
    destination_service_namespace: namespace,
    request_protocol: 'http',
    grpc_response_status: '',
    connection_security_policy: 'none',
  } as const;

  // Label objects are built once per (endpoint, code, flags): the hot path only looks them up.
  type Child = { count: { inc(): void }; time: { observe(v: number): void } };
  const byEndpoint = new WeakMap<Endpoint, Map<string, Child>>();
  const local = new Map<string, Child>();

  return {
    registry,
    record(endpoint, responseCode, responseFlags, durationMs) {
      let children = endpoint === undefined ? local : byEndpoint.get(endpoint);
      if (children === undefined) {
        children = new Map();
        byEndpoint.set(endpoint as Endpoint, children);
      }
      const key = `${responseCode} ${responseFlags}`;
      let child = children.get(key);
      if (child === undefined) {
        const values: IstioLabels = {
          ...fixed,
          ...destinationLabelsOf(endpoint, namespace),
          response_code: String(responseCode),
          response_flags: responseFlags,
        };
        // In Istio's order, so the exposition reads like an Envoy's.
        const labels = Object.fromEntries(IstioLabelNames.map((name) => [name, values[name]])) as IstioLabels;
        child = { count: requests.labels(labels), time: duration.labels(labels) };
        children.set(key, child);
      }
      child.count.inc();
      child.time.observe(durationMs);
    },
    configUpdate(result) {
      configUpdates.inc({ result });
    },
    watchRestart(resource) {
      watchRestarts.inc({ resource });
    },
  };
}
