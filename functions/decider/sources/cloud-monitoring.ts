import type { protos } from '@google-cloud/monitoring';
import type { Observation } from '../../../core/policy/types.js';
import { errorText, timedOut, unreachable, untilAborted, type Clock, type MetricsSource } from './types.js';

type ListTimeSeriesRequest = protos.google.monitoring.v3.IListTimeSeriesRequest;
type TimeSeries = protos.google.monitoring.v3.ITimeSeries;

/** What the source needs from @google-cloud/monitoring's MetricServiceClient (injected in tests). */
export interface TimeSeriesLister {
  listTimeSeries(
    request: ListTimeSeriesRequest,
    options: { timeout: number; autoPaginate: boolean },
  ): Promise<[TimeSeries[], ...unknown[]]>;
  getProjectId(): Promise<string>;
}

export const MetricTypes = {
  /** Cloud Service Mesh's server-side request count (on the istio_canonical_service resource). */
  mesh: 'istio.io/service/server/request_count',
  /** Managed Service for Prometheus' copy of Istio's istio_requests_total (on prometheus_target). */
  'managed-prometheus': 'prometheus.googleapis.com/istio_requests_total/counter',
} as const;

export interface CloudMonitoringOptions {
  readonly project?: string;
  readonly metric: keyof typeof MetricTypes;
  /** The destination Kubernetes Service and its namespace. */
  readonly service: string;
  readonly namespace: string;
  readonly sourceWorkload?: string;
  readonly alignmentSeconds: number;
  readonly windowSeconds: number;
  readonly timeoutMs: number;
  readonly client: TimeSeriesLister;
  readonly clock?: Clock;
}

const quoted = (text: string): string => JSON.stringify(text);

/** The Cloud Monitoring filter for requests to the service (and from the source workload, if given). */
export function requestCountFilter(
  options: Pick<CloudMonitoringOptions, 'metric' | 'service' | 'namespace' | 'sourceWorkload'>,
): string {
  const parts = [`metric.type = ${quoted(MetricTypes[options.metric])}`];
  if (options.metric === 'mesh') {
    parts.push(
      'resource.type = "istio_canonical_service"',
      `metric.labels.destination_service_name = ${quoted(options.service)}`,
      `metric.labels.destination_service_namespace = ${quoted(options.namespace)}`,
    );
    if (options.sourceWorkload !== undefined)
      parts.push(`metric.labels.source_workload_name = ${quoted(options.sourceWorkload)}`);
  } else {
    parts.push(
      'resource.type = "prometheus_target"',
      'metric.labels.reporter = "destination"',
      `metric.labels.destination_service = ${quoted(`${options.service}.${options.namespace}.svc.cluster.local`)}`,
    );
    if (options.sourceWorkload !== undefined)
      parts.push(`metric.labels.source_workload = ${quoted(options.sourceWorkload)}`);
  }
  return parts.join(' AND ');
}

/**
 * The request rate from Cloud Monitoring's `projects.timeSeries.list`: the counter aligned with ALIGN_RATE
 * over `alignment` and summed over every series (REDUCE_SUM) in the last `window`; the newest point wins.
 * Cloud Monitoring lags by a minute or more, so this source suits minute-scale reactions.
 */
export function cloudMonitoringSource(options: CloudMonitoringOptions): MetricsSource {
  const filter = requestCountFilter(options);
  const clock = options.clock ?? (() => new Date());
  let project = options.project;
  return {
    name: 'cloud-monitoring',
    query: filter,
    async read(signal: AbortSignal): Promise<Observation> {
      const timeout = AbortSignal.timeout(options.timeoutMs);
      const both = AbortSignal.any([signal, timeout]);
      try {
        project ??= await untilAborted(options.client.getProjectId(), both);
        const now = clock();
        const end = Math.floor(now.getTime() / 1000);
        const request: ListTimeSeriesRequest = {
          name: `projects/${project}`,
          filter,
          interval: { startTime: { seconds: end - options.windowSeconds }, endTime: { seconds: end } },
          aggregation: {
            alignmentPeriod: { seconds: options.alignmentSeconds },
            perSeriesAligner: 'ALIGN_RATE',
            crossSeriesReducer: 'REDUCE_SUM',
          },
          view: 'FULL',
        };
        const [series] = await untilAborted(
          options.client.listTimeSeries(request, { timeout: options.timeoutMs, autoPaginate: true }),
          both,
        );
        return fromTimeSeries(series, filter, now);
      } catch (err) {
        const where = 'Cloud Monitoring';
        if (timeout.aborted || isDeadlineExceeded(err))
          return timedOut(`${where} did not answer within ${options.timeoutMs} ms`);
        if (signal.aborted) return timedOut(`${where} did not answer before the call's deadline`);
        return unreachable(`${where} failed: ${errorText(err)}`);
      }
    },
  };
}

/** gRPC status 4 (DEADLINE_EXCEEDED), as google-gax reports it. */
function isDeadlineExceeded(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 4;
}

/**
 * Sums the newest point of every series; the observation's time is the oldest of those points' end times
 * (so a series that stopped reporting makes the reading stale). No series: `series: 0`.
 */
export function fromTimeSeries(list: readonly TimeSeries[], filter: string, now: Date): Observation {
  const base = { ok: true as const, source: 'cloud-monitoring', query: filter };
  const newest = list.map((s) => newestPoint(s)).filter((p) => p !== undefined);
  if (newest.length === 0) return { ...base, series: 0, rps: 0, at: now };
  return {
    ...base,
    series: newest.length,
    rps: newest.reduce((sum, p) => sum + p.value, 0),
    at: new Date(Math.min(...newest.map((p) => p.endMs))),
  };
}

function newestPoint(series: TimeSeries): { value: number; endMs: number } | undefined {
  let best: { value: number; endMs: number } | undefined;
  for (const point of series.points ?? []) {
    const endMs = timestampMs(point.interval?.endTime);
    if (best === undefined || endMs > best.endMs) best = { value: pointValue(point.value), endMs };
  }
  return best;
}

/** A protobuf Timestamp: `seconds` arrives as a number, a string or a Long. */
function timestampMs(stamp: protos.google.protobuf.ITimestamp | null | undefined): number {
  if (stamp === null || stamp === undefined) return NaN;
  return Number(String(stamp.seconds ?? 0)) * 1000 + Math.floor((stamp.nanos ?? 0) / 1e6);
}

function pointValue(value: protos.google.monitoring.v3.ITypedValue | null | undefined): number {
  if (value === null || value === undefined) return NaN;
  // The decoded oneof may name its member (`value: 'int64Value'`) next to defaulted siblings.
  const member = (value as { value?: unknown }).value;
  if (member === 'int64Value') return Number(String(value.int64Value));
  if (typeof value.doubleValue === 'number') return value.doubleValue;
  if (value.int64Value !== null && value.int64Value !== undefined) return Number(String(value.int64Value));
  return NaN;
}
