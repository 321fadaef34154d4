import {
  ApiException,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type ObservableMiddleware,
} from '@kubernetes/client-node';
import { of } from '@kubernetes/client-node/dist/gen/rxjsStub.js';
import type { Target } from '../../core/decision/message.js';
import type { JsonPatchOp } from '../../core/applier/patch.js';
import { GkeCredentialsError } from './gke/credentials-error.js';
import { VirtualServices } from '../../core/istio.js';

/** The VirtualService as the API answers it; its shape is checked where it is read (core/applier). */
export type VirtualServiceObject = {
  metadata?: { resourceVersion?: string; annotations?: Record<string, string>; [key: string]: unknown };
  spec?: unknown;
  [key: string]: unknown;
};

/** The two calls the applier makes to one cluster: `get` and `patch` (all its RBAC allows). */
export interface VirtualServiceApi {
  /** How the cluster is named in logs and errors (a GKE cluster path or a kubeconfig context). */
  readonly cluster: string;
  get(target: Target): Promise<VirtualServiceObject>;
  /** A JSON patch (`application/json-patch+json`). */
  patch(target: Target, ops: readonly JsonPatchOp[]): Promise<VirtualServiceObject>;
}

/**
 * A failed call to a cluster's API. `status` is the HTTP status when the API answered; `transient` says
 * whether trying again later can help (unreachable, timeout, 429, 5xx) — then the message is redelivered.
 */
export class KubeApiError extends Error {
  constructor(
    message: string,
    readonly transient: boolean,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'KubeApiError';
  }
}

/** Aborts each request after `timeoutMs` (the generated client takes an AbortSignal per request). */
function timeoutMiddleware(timeoutMs: number): ObservableMiddleware {
  return {
    pre: (request) => {
      request.setSignal(AbortSignal.timeout(timeoutMs));
      return of(request);
    },
    post: (response) => of(response),
  };
}

/** The message of a Kubernetes Status body, when the answer carries one. */
function statusMessage(body: unknown): string | undefined {
  let value: unknown = body;
  if (typeof body === 'string') {
    try {
      value = JSON.parse(body);
    } catch {
      return body.slice(0, 300) || undefined;
    }
  }
  if (typeof value === 'object' && value !== null && 'message' in value) {
    const m = (value as { message: unknown }).message;
    if (typeof m === 'string') return m;
  }
  return undefined;
}

/** Turns whatever the client threw into a KubeApiError that names the cluster, the call and the cause. */
function classify(cluster: string, call: string, err: unknown): KubeApiError {
  if (err instanceof KubeApiError) return err;
  // No credentials for the cluster (the Container API's answer): transient or not as it decided.
  if (err instanceof GkeCredentialsError) return new KubeApiError(`${call}: ${err.message}`, err.transient);
  if (err instanceof ApiException) {
    const status = Number(err.code);
    const detail = statusMessage(err.body) ?? `HTTP ${status}`;
    // 401: a token that expired on the way may pass with a fresh one on the next delivery.
    const transient = status === 401 || status === 429 || status >= 500;
    return new KubeApiError(`${cluster}: ${call} answered ${status}: ${detail}`, transient, status);
  }
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError')
    return new KubeApiError(`${cluster}: ${call} timed out`, true);
  const cause = e.cause?.code ?? e.cause?.message;
  return new KubeApiError(
    `${cluster}: ${call} failed: ${e.message ?? String(err)}${cause === undefined ? '' : ` (${cause})`}`,
    true,
  );
}

/**
 * A VirtualServiceApi over @kubernetes/client-node. `kubeConfig` is asked for before every call, so a GKE
 * cluster's short-lived access token is always fresh.
 */
export function virtualServiceApi(
  cluster: string,
  kubeConfig: () => Promise<KubeConfig>,
  timeoutMs: number,
): VirtualServiceApi {
  const timeout = { middleware: [timeoutMiddleware(timeoutMs)], middlewareMergeStrategy: 'append' as const };
  // One client per KubeConfig: a kubeconfig file's is reused, a GKE cluster's is new with every token.
  const clients = new WeakMap<KubeConfig, CustomObjectsApi>();
  const api = async (): Promise<CustomObjectsApi> => {
    const kc = await kubeConfig();
    let client = clients.get(kc);
    if (client === undefined) {
      client = kc.makeApiClient(CustomObjectsApi);
      clients.set(kc, client);
    }
    return client;
  };
  const where = (t: Target) => `virtualservices/${t.virtualService} in namespace ${t.namespace}`;
  return {
    cluster,
    async get(target) {
      try {
        const client = await api();
        return (await client.getNamespacedCustomObject(
          {
            ...VirtualServices,
            namespace: target.namespace,
            name: target.virtualService,
          },
          timeout,
        )) as VirtualServiceObject;
      } catch (err) {
        throw classify(cluster, `get ${where(target)}`, err);
      }
    },
    async patch(target, ops) {
      try {
        const client = await api();
        return (await client.patchNamespacedCustomObject(
          {
            ...VirtualServices,
            namespace: target.namespace,
            name: target.virtualService,
            body: ops,
          },
          setHeaderOptions('Content-Type', PatchStrategy.JsonPatch, timeout),
        )) as VirtualServiceObject;
      } catch (err) {
        throw classify(cluster, `patch ${where(target)}`, err);
      }
    },
  };
}
