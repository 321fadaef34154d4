/** The KubeConfig the mesh watches through, read from a kubeconfig file with a clear error when unusable. */
import { existsSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import { allowPlainHttp } from '../../core/plain-http-kubeconfig.js';

/**
 * Loads `path`. A cluster served over plain `http://` (the local control plane) is marked
 * `skipTLSVerify`: there is no TLS to verify, kubectl accepts such a kubeconfig as it is, and client-node 2
 * refuses plain HTTP without that flag.
 */
export function loadKubeConfig(path: string): KubeConfig {
  if (!existsSync(path)) throw new Error(`kubeconfig ${path} does not exist`);
  const loaded = new KubeConfig();
  try {
    loaded.loadFromFile(path);
  } catch (err) {
    throw new Error(`cannot read kubeconfig ${path}: ${(err as Error).message}`, { cause: err });
  }
  const cluster = loaded.getCurrentCluster();
  if (cluster === null) throw new Error(`kubeconfig ${path} has no current context with a cluster`);
  if (!/^https?:\/\//.test(cluster.server)) {
    throw new Error(`kubeconfig ${path}: the server ${JSON.stringify(cluster.server)} is not an http(s) URL`);
  }
  return allowPlainHttp(loaded);
}
