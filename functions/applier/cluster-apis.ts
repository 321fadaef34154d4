import { KubeConfig } from '@kubernetes/client-node';
import type { ApplierConfig } from './config.js';
import { googleAccessTokens, type AccessTokenSource } from './gke/access-token.js';
import { formatGkeCluster } from './gke/cluster-name.js';
import { createGkeCredentials } from './gke/credentials.js';
import { KubeApiError, virtualServiceApi, type VirtualServiceApi } from './virtual-service-client.js';

/**
 * One VirtualServiceApi per configured cluster: every GKE cluster of SPILLWAY_TARGET_CLUSTERS (credentials
 * from the Container API and the function's own access token), or every context of SPILLWAY_KUBECONFIG
 * (its current context when SPILLWAY_KUBE_CONTEXTS is not set). Throws when the kubeconfig cannot be read
 * or names no such context. `gcp` replaces Google's token source and Container API (tests).
 */
export function clusterApis(
  config: Pick<ApplierConfig, 'clusters' | 'apiTimeoutMs'>,
  gcp: { tokens?: AccessTokenSource; containerApiUrl?: string } = {},
): VirtualServiceApi[] {
  const { clusters, apiTimeoutMs } = config;
  if (clusters.type === 'gke') {
    const credentials = createGkeCredentials({
      tokens: gcp.tokens ?? googleAccessTokens(),
      timeoutMs: apiTimeoutMs,
      ...(gcp.containerApiUrl === undefined ? {} : { containerApiUrl: gcp.containerApiUrl }),
    });
    return clusters.clusters.map((c) =>
      forgettingOnFailure(
        virtualServiceApi(formatGkeCluster(c), () => credentials.kubeConfigFor(c), apiTimeoutMs),
        () => credentials.forget(c),
      ),
    );
  }
  const file = new KubeConfig();
  try {
    file.loadFromFile(clusters.path);
  } catch (err) {
    throw new Error(`SPILLWAY_KUBECONFIG: cannot read ${clusters.path}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const contexts = clusters.contexts ?? [file.getCurrentContext()];
  return contexts.map((context) => {
    if (file.getContextObject(context) === null)
      throw new Error(
        `SPILLWAY_KUBE_CONTEXTS: ${clusters.path} has no context ${JSON.stringify(context)} (it has ${
          file
            .getContexts()
            .map((c) => c.name)
            .join(', ') || 'none'
        })`,
      );
    const kc = new KubeConfig();
    kc.loadFromString(file.exportConfig());
    kc.setCurrentContext(context);
    const ready = Promise.resolve(kc);
    return virtualServiceApi(context, () => ready, apiTimeoutMs);
  });
}

/**
 * After a failure that may pass (unreachable, TLS, 5xx) the cluster's endpoint and CA are looked up again on
 * the next call: the cluster may have moved or rotated its CA.
 */
function forgettingOnFailure(api: VirtualServiceApi, forget: () => void): VirtualServiceApi {
  const guard = async <T>(call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (err) {
      if (err instanceof KubeApiError && err.transient && err.status === undefined) forget();
      throw err;
    }
  };
  return {
    cluster: api.cluster,
    get: (target) => guard(() => api.get(target)),
    patch: (target, ops) => guard(() => api.patch(target, ops)),
  };
}
