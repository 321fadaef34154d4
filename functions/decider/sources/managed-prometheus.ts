import { authorizationHeader, prometheusSource } from './prometheus.js';
import { errorText, timedOut, unreachable, untilAborted, type Clock, type MetricsSource } from './types.js';

/** What the source needs from google-auth-library's GoogleAuth (injected in tests). */
export interface AccessTokens {
  /** An OAuth access token with a monitoring read scope. */
  getAccessToken(): Promise<string | null | undefined>;
  /** The project of the credentials, when the config names none. */
  getProjectId(): Promise<string>;
}

export const MONITORING_READ_SCOPE = 'https://www.googleapis.com/auth/monitoring.read';

/** The Managed Service for Prometheus query frontend of a project (its PromQL HTTP API). */
export function managedPrometheusUrl(project: string): string {
  return `https://monitoring.googleapis.com/v1/projects/${encodeURIComponent(project)}/location/global/prometheus`;
}

export interface ManagedPrometheusOptions {
  /** The project whose metrics are queried; the credentials' project when absent. */
  readonly project?: string;
  readonly query: string;
  readonly timeoutMs: number;
  readonly tokens: AccessTokens;
  readonly fetch?: typeof fetch;
  readonly clock?: Clock;
}

/**
 * PromQL against Google Cloud Managed Service for Prometheus: the Prometheus HTTP API at
 * monitoring.googleapis.com with an access token (Application Default Credentials; on Cloud Run the
 * function's service account, which needs roles/monitoring.viewer).
 */
export function managedPrometheusSource(options: ManagedPrometheusOptions): MetricsSource {
  let project = options.project;
  let inner: MetricsSource | undefined;
  const headers = async (): Promise<Record<string, string>> => {
    const token = await options.tokens.getAccessToken();
    if (token === null || token === undefined || token === '')
      throw new Error('no access token from Application Default Credentials');
    return authorizationHeader({ type: 'bearer', token });
  };
  const build = (p: string): MetricsSource =>
    prometheusSource({
      url: managedPrometheusUrl(p),
      query: options.query,
      timeoutMs: options.timeoutMs,
      name: 'managed-prometheus',
      headers,
      ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
      ...(options.clock === undefined ? {} : { clock: options.clock }),
    });
  return {
    name: 'managed-prometheus',
    query: options.query,
    async read(signal) {
      if (inner === undefined) {
        const timeout = AbortSignal.timeout(options.timeoutMs);
        try {
          project ??= await untilAborted(options.tokens.getProjectId(), AbortSignal.any([signal, timeout]));
        } catch (err) {
          if (timeout.aborted || signal.aborted)
            return timedOut(
              `managed-prometheus: finding the project took longer than ${options.timeoutMs} ms`,
            );
          return unreachable(
            `managed-prometheus: no project configured and none found in the credentials (${errorText(err)})`,
          );
        }
        inner = build(project);
      }
      return inner.read(signal);
    },
  };
}
