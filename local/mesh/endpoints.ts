/**
 * The workers behind the service: each one a URL with the labels of its pod (as Istio sees them on an
 * endpoint) and the name of its workload. DestinationRule subsets select them by label.
 */

/** An endpoint as configured: `{ url: 'http://127.0.0.1:8081', labels: { app: 'worker' }, workload }`. */
export interface EndpointSpec {
  readonly url: string;
  readonly labels: Readonly<Record<string, string>>;
  /** The workload (Deployment) name, for `destination_workload`; `unknown` when not given. */
  readonly workload?: string;
}

/** An endpoint the proxy forwards to. `inFlight` is the only mutable field (for least-request picking). */
export interface Endpoint {
  /** Origin only: `http://127.0.0.1:8081`. */
  readonly origin: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly workload: string;
  inFlight: number;
}

/** Istio's label for the cluster an endpoint runs in; Spillway's subsets select on it. */
export const CLUSTER_LABEL = 'topology.istio.io/cluster';

const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_PREFIX = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

/** Why `key` is not a Kubernetes label key, or undefined when it is one. */
function labelKeyProblem(key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const prefix = slash === -1 ? undefined : key.slice(0, slash);
  const name = slash === -1 ? key : key.slice(slash + 1);
  if (prefix !== undefined && (prefix.length > 253 || !LABEL_PREFIX.test(prefix))) {
    return `label key ${JSON.stringify(key)} has an invalid prefix (a DNS subdomain is expected)`;
  }
  if (!LABEL_NAME.test(name)) {
    return `label key ${JSON.stringify(key)} is invalid (at most 63 letters, digits, "-", "_", "."; starting and ending alphanumeric)`;
  }
  return undefined;
}

function labelValueProblem(key: string, value: string): string | undefined {
  return LABEL_VALUE.test(value)
    ? undefined
    : `label ${key} has an invalid value ${JSON.stringify(value)} (at most 63 letters, digits, "-", "_", ".")`;
}

/** Validates a spec and makes the runtime endpoint; throws an Error saying what is wrong. */
export function makeEndpoint(spec: EndpointSpec): Endpoint {
  let url: URL;
  try {
    url = new URL(spec.url);
  } catch {
    throw new Error(`endpoint URL ${JSON.stringify(spec.url)} is not a URL (e.g. http://127.0.0.1:8081)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`endpoint URL ${spec.url} must be http:// or https://`);
  }
  if ((url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '') {
    throw new Error(`endpoint URL ${spec.url} must be an origin only (scheme, host, port), without a path`);
  }
  for (const [key, value] of Object.entries(spec.labels)) {
    const problem = labelKeyProblem(key) ?? labelValueProblem(key, value);
    if (problem !== undefined) throw new Error(`endpoint ${spec.url}: ${problem}`);
  }
  const workload = spec.workload ?? 'unknown';
  if (workload === '') throw new Error(`endpoint ${spec.url}: the workload name is empty`);
  return { origin: url.origin, labels: Object.freeze({ ...spec.labels }), workload, inFlight: 0 };
}

/** Whether the endpoint carries every label of `selector` with the same value (an empty selector: all). */
export function selects(
  selector: Readonly<Record<string, string>>,
  labels: Readonly<Record<string, string>>,
) {
  for (const key in selector) if (labels[key] !== selector[key]) return false;
  return true;
}

/**
 * Parses the CLI form `URL,label=value,...[,workload=NAME]`:
 * `http://127.0.0.1:8081,topology.istio.io/cluster=primary,app=worker,workload=worker-deployment`.
 */
export function parseEndpointFlag(text: string): EndpointSpec {
  const [url = '', ...pairs] = text.split(',');
  if (url.trim() === '') throw new Error(`--endpoint ${JSON.stringify(text)}: the URL comes first`);
  const labels: Record<string, string> = {};
  let workload: string | undefined;
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) {
      throw new Error(`--endpoint ${JSON.stringify(text)}: ${JSON.stringify(pair)} is not label=value`);
    }
    const key = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    if (key === 'workload') workload = value;
    else if (key in labels) throw new Error(`--endpoint ${JSON.stringify(text)}: label ${key} given twice`);
    else labels[key] = value;
  }
  const spec = { url: url.trim(), labels, ...(workload === undefined ? {} : { workload }) };
  try {
    makeEndpoint(spec);
  } catch (err) {
    throw new Error(`--endpoint ${JSON.stringify(text)}: ${(err as Error).message}`, { cause: err });
  }
  return spec;
}
