import { KubeConfig } from '@kubernetes/client-node';
import type { AccessTokenSource } from './access-token.js';
import { fetchClusterInfo, type ClusterInfo } from './cluster-info.js';
import { formatGkeCluster, type GkeCluster } from './cluster-name.js';
import { GkeCredentialsError } from './credentials-error.js';

export { GkeCredentialsError } from './credentials-error.js';

/**
 * Credentials for the GKE clusters the applier patches, built the way `gcloud container clusters
 * get-credentials` builds a kubeconfig (server `https://ENDPOINT`, the cluster CA, context
 * `gke_PROJECT_LOCATION_NAME`) but with the function's own access token instead of an exec plugin: no
 * gcloud, no kubeconfig file. See docs/applier-gke.md.
 */
export interface GkeCredentialsOptions {
  readonly tokens: AccessTokenSource;
  /** Default https://container.googleapis.com */
  readonly containerApiUrl?: string;
  /** For the Container API call and for getting a token. Default 10 s. */
  readonly timeoutMs?: number;
  /** How long a cluster's endpoint and CA are reused. Default 10 min. */
  readonly cacheMs?: number;
  /** Clock for the cache, in ms. Default Date.now. */
  readonly now?: () => number;
}

export interface GkeCredentials {
  /**
   * A KubeConfig for the cluster whose user token is an access token fetched for this call (tokens last an
   * hour; an instance may live longer, so never keep a KubeConfig across messages). Rejects with
   * GkeCredentialsError.
   */
  kubeConfigFor(cluster: GkeCluster): Promise<KubeConfig>;
  /** Drops the cached endpoint and CA of a cluster (e.g. after a TLS failure: the CA may have rotated). */
  forget(cluster: GkeCluster): void;
}

export const DEFAULT_CONTAINER_API_URL = 'https://container.googleapis.com';
export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_CACHE_MS = 10 * 60_000;

interface CacheEntry {
  readonly fetchedAt: number;
  readonly info: Promise<ClusterInfo>;
}

export function createGkeCredentials(options: GkeCredentialsOptions): GkeCredentials {
  const apiUrl = (options.containerApiUrl ?? DEFAULT_CONTAINER_API_URL).replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const cacheMs = options.cacheMs ?? DEFAULT_CACHE_MS;
  const now = options.now ?? Date.now;
  const cache = new Map<string, CacheEntry>();

  /** One lookup per cluster at a time; a failed lookup is not kept. */
  function clusterInfo(cluster: GkeCluster, token: string): Promise<ClusterInfo> {
    const key = formatGkeCluster(cluster);
    const cached = cache.get(key);
    if (cached !== undefined && now() - cached.fetchedAt < cacheMs) return cached.info;
    const entry: CacheEntry = {
      fetchedAt: now(),
      info: fetchClusterInfo({ apiUrl, cluster, token, timeoutMs }),
    };
    cache.set(key, entry);
    entry.info.catch(() => {
      if (cache.get(key) === entry) cache.delete(key);
    });
    return entry.info;
  }

  return {
    async kubeConfigFor(cluster) {
      const token = await accessToken(options.tokens, formatGkeCluster(cluster), timeoutMs);
      const info = await clusterInfo(cluster, token);
      return kubeConfigOf(cluster, info, token);
    },
    forget(cluster) {
      cache.delete(formatGkeCluster(cluster));
    },
  };
}

/** The context name `gcloud container clusters get-credentials` gives the cluster. */
export function gcloudContextName(cluster: GkeCluster): string {
  return `gke_${cluster.project}_${cluster.location}_${cluster.name}`;
}

function kubeConfigOf(cluster: GkeCluster, info: ClusterInfo, token: string): KubeConfig {
  const name = gcloudContextName(cluster);
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [{ name, server: `https://${info.endpoint}`, caData: info.caData, skipTLSVerify: false }],
    users: [{ name, token }],
    contexts: [{ name, cluster: name, user: name }],
    currentContext: name,
  });
  return config;
}

async function accessToken(tokens: AccessTokenSource, name: string, timeoutMs: number): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no token within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const token = await Promise.race([tokens.getAccessToken(), timeout]);
    if (typeof token !== 'string' || token === '') throw new Error('the token source returned no token');
    return token;
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new GkeCredentialsError(
      name,
      `cannot get an access token for cluster ${name} (the applier's identity): ${reason}`,
      { transient: true, cause: err },
    );
  } finally {
    clearTimeout(timer);
  }
}
