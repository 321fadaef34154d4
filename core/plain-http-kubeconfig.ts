import { KubeConfig } from '@kubernetes/client-node';

/**
 * `loaded`, with every cluster served over plain `http://` (the local control plane) marked
 * `skipTLSVerify`: there is no TLS to verify, kubectl accepts such a kubeconfig as it is, and client-node 2
 * refuses plain HTTP without that flag. Pure: a new KubeConfig when something changed, else `loaded`.
 */
export function allowPlainHttp(loaded: KubeConfig): KubeConfig {
  if (!loaded.clusters.some((c) => c.server.startsWith('http:') && !c.skipTLSVerify)) return loaded;
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: loaded.clusters.map((c) => (c.server.startsWith('http:') ? { ...c, skipTLSVerify: true } : c)),
    users: loaded.users,
    contexts: loaded.contexts,
    currentContext: loaded.currentContext,
  });
  return config;
}
