/**
 * How the frontend reaches the Kubernetes API for its routing panel: the kubeconfig file ROUTING_KUBECONFIG
 * (the local stack passes its control plane's), else in a cluster the pod's ServiceAccount, else nothing —
 * and then the panel says why. A kubeconfig that cannot be used is a configuration error naming the variable.
 */
import { readFileSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import { allowPlainHttp } from '../../core/plain-http-kubeconfig.js';
import { ConfigError } from '../../core/errors.js';
import { configOrExit } from '../common/config.js';

export type RoutingAccess =
  | { kind: 'kubeconfig'; kubeConfig: KubeConfig; path: string }
  | { kind: 'cluster'; kubeConfig: KubeConfig }
  | { kind: 'none'; reason: string };

/** Why the panel has no routing state when neither a kubeconfig nor a cluster is there. */
export const NO_ACCESS_REASON =
  'the frontend has no Kubernetes access: ROUTING_KUBECONFIG is not set and it does not run in a cluster (KUBERNETES_SERVICE_HOST is not set)';

const VARIABLE = 'ROUTING_KUBECONFIG';

function invalid(problem: string): ConfigError {
  return new ConfigError('frontend', [{ variable: VARIABLE, problem }]);
}

/**
 * Reads the kubeconfig at `path`. A cluster served over plain `http://` (the local control plane) is marked
 * `skipTLSVerify`: there is no TLS to verify, kubectl accepts such a kubeconfig as it is, and client-node 2
 * refuses plain HTTP without that flag. Throws a ConfigError naming ROUTING_KUBECONFIG when it cannot be used.
 */
export function loadRoutingKubeConfig(path: string): KubeConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    const why = code === 'ENOENT' ? 'does not exist' : `cannot be read (${String(code ?? err)})`;
    throw invalid(`names a file that ${why} (got ${JSON.stringify(path)})`);
  }
  const loaded = new KubeConfig();
  try {
    loaded.loadFromString(text);
  } catch (err) {
    const why = String((err as Error).message).split('\n')[0] ?? '';
    throw invalid(`names a file that is not a kubeconfig: ${why} (got ${JSON.stringify(path)})`);
  }
  const cluster = loaded.getCurrentCluster();
  if (cluster === null)
    throw invalid(`names a kubeconfig without a current context and cluster (got ${JSON.stringify(path)})`);
  if (!/^https?:\/\/[^\s]+$/.test(cluster.server))
    throw invalid(
      `names a kubeconfig whose server ${JSON.stringify(cluster.server)} is not an http(s) URL (got ${JSON.stringify(path)})`,
    );
  return allowPlainHttp(loaded);
}

/** The access the configuration gives: ROUTING_KUBECONFIG first, then the cluster's ServiceAccount. */
export function resolveRoutingAccess(kubeconfigPath: string | undefined, inCluster: boolean): RoutingAccess {
  if (kubeconfigPath !== undefined)
    return { kind: 'kubeconfig', kubeConfig: loadRoutingKubeConfig(kubeconfigPath), path: kubeconfigPath };
  if (inCluster) {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromCluster();
    return { kind: 'cluster', kubeConfig };
  }
  return { kind: 'none', reason: NO_ACCESS_REASON };
}

/**
 * resolveRoutingAccess, or the process stops with exit code 2 and a message naming ROUTING_KUBECONFIG
 * (written as `loadConfigOrExit` writes a bad variable: one JSON line, or plain text on a terminal).
 */
export function routingAccessOrExit(kubeconfigPath: string | undefined, inCluster: boolean): RoutingAccess {
  return configOrExit(() => resolveRoutingAccess(kubeconfigPath, inCluster));
}
