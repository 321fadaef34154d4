import { X509Certificate } from 'node:crypto';
import { formatGkeCluster, type GkeCluster } from './cluster-name.js';
import { GkeCredentialsError } from './credentials-error.js';

/**
 * What the applier needs from the Container API's Cluster resource (`GET /v1/projects/P/locations/L/
 * clusters/N`): the control plane's public `endpoint` (an IP address, as `gcloud container clusters
 * get-credentials` uses by default) and `masterAuth.clusterCaCertificate` (the cluster CA, base64 PEM).
 */
export interface ClusterInfo {
  /** Host (and port, if any) of the Kubernetes API: the server is `https://ENDPOINT`. */
  readonly endpoint: string;
  /** The cluster CA as the API gives it: base64 of the PEM (a kubeconfig's certificate-authority-data). */
  readonly caData: string;
}

export interface FetchClusterInfoOptions {
  /** Base URL of the Container API, without a trailing slash. */
  readonly apiUrl: string;
  readonly cluster: GkeCluster;
  readonly token: string;
  readonly timeoutMs: number;
}

/** The API's error body: `{"error":{"code":404,"message":"…","status":"NOT_FOUND"}}`. */
interface ApiErrorBody {
  readonly error?: { readonly code?: unknown; readonly message?: unknown; readonly status?: unknown };
}

export async function fetchClusterInfo(options: FetchClusterInfoOptions): Promise<ClusterInfo> {
  const name = formatGkeCluster(options.cluster);
  const url = `${options.apiUrl}/v1/${name}`;
  let status: number;
  let body: string;
  try {
    const response = await fetch(url, {
      headers: { authorization: `Bearer ${options.token}`, accept: 'application/json' },
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    status = response.status;
    body = await response.text();
  } catch (err) {
    throw networkError(name, options, err);
  }
  if (status < 200 || status > 299) throw httpError(name, options.cluster.project, status, body);
  return parseCluster(name, body);
}

function networkError(name: string, options: FetchClusterInfoOptions, err: unknown): GkeCredentialsError {
  const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
  const reason = timedOut
    ? `no answer within ${options.timeoutMs} ms`
    : `network error: ${describeCause(err)}`;
  return new GkeCredentialsError(
    name,
    `cannot read cluster ${name} from the Container API at ${options.apiUrl}: ${reason}`,
    { transient: true, cause: err },
  );
}

/** fetch's TypeError('fetch failed') carries the socket error (ECONNREFUSED, ENOTFOUND…) as its cause. */
function describeCause(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause;
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return typeof code === 'string' && !cause.message.includes(code)
      ? `${code} ${cause.message}`
      : cause.message;
  }
  return err.message;
}

function httpError(name: string, project: string, status: number, body: string): GkeCredentialsError {
  const apiMessage = errorMessageOf(body);
  const says = apiMessage === undefined ? '' : ` (Container API: ${apiMessage})`;
  const transient = status === 408 || status === 429 || status >= 500;
  let message: string;
  if (status === 404) {
    message = `cluster ${name} not found: check its project, location and name${says}`;
  } else if (status === 403) {
    message =
      `permission denied reading cluster ${name}: the applier's service account needs ` +
      `roles/container.clusterViewer on project ${project}, and the Kubernetes Engine API ` +
      `must be enabled there${says}`;
  } else if (status === 401) {
    message = `the Container API refused the applier's access token for cluster ${name} (HTTP 401)${says}`;
  } else {
    message = `the Container API answered HTTP ${status} for cluster ${name}${says}`;
  }
  return new GkeCredentialsError(name, message, { transient, status });
}

function errorMessageOf(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as ApiErrorBody;
    const message = parsed.error?.message;
    if (typeof message === 'string' && message !== '') return message;
  } catch {
    // Not the API's JSON (a proxy's HTML page, say): quote the start of it instead.
  }
  const text = body.replace(/\s+/g, ' ').trim();
  if (text === '') return undefined;
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Checks the fields the applier uses; anything wrong is a non-transient error saying what. */
export function parseCluster(name: string, body: string): ClusterInfo {
  const malformed = (what: string) =>
    new GkeCredentialsError(name, `the Container API's answer for cluster ${name} ${what}`, {
      transient: false,
    });
  let cluster: unknown;
  try {
    cluster = JSON.parse(body);
  } catch {
    throw malformed('is not JSON');
  }
  if (typeof cluster !== 'object' || cluster === null || Array.isArray(cluster)) {
    throw malformed('is not a JSON object');
  }
  // The Cluster resource as JSON: only the fields read below are relied on.
  const fields = cluster as {
    endpoint?: unknown;
    status?: unknown;
    masterAuth?: { clusterCaCertificate?: unknown };
  };
  const endpoint = fields.endpoint;
  if (typeof endpoint !== 'string' || endpoint === '') {
    const state = typeof fields.status === 'string' ? ` (cluster status ${fields.status})` : '';
    throw malformed(
      `has no endpoint${state}: a cluster that is still being created, or one reachable only through its DNS endpoint, has none`,
    );
  }
  if (!isHost(endpoint)) throw malformed(`has an endpoint that is not a host: ${JSON.stringify(endpoint)}`);
  const caData = fields.masterAuth?.clusterCaCertificate;
  if (typeof caData !== 'string' || caData === '') {
    throw malformed('has no masterAuth.clusterCaCertificate (the cluster CA)');
  }
  if (!BASE64.test(caData) || !isPemCertificate(Buffer.from(caData, 'base64').toString('utf8'))) {
    throw malformed('has a masterAuth.clusterCaCertificate that is not a base64-encoded PEM certificate');
  }
  return { endpoint, caData };
}

function isHost(endpoint: string): boolean {
  try {
    const url = new URL(`https://${endpoint}`);
    return url.host === endpoint.toLowerCase() && url.pathname === '/' && url.username === '';
  } catch {
    return false;
  }
}

function isPemCertificate(text: string): boolean {
  if (!text.includes('-----BEGIN CERTIFICATE-----')) return false;
  try {
    new X509Certificate(text);
    return true;
  } catch {
    return false;
  }
}
