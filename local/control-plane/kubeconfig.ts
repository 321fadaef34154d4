/** `DIR/kubeconfig`: how kubectl and client libraries (as they are, no special loading) reach the control plane. */
import { join } from 'node:path';
import { stringify } from 'yaml';
import { writeFileAtomic } from './persistence.js';

const ClusterName = 'spillway-local';

function kubeconfigPath(dataDir: string): string {
  return join(dataDir, 'kubeconfig');
}

export function kubeconfigText(serverUrl: string): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    // client-node 2 refuses a plain-http server unless TLS verification is marked off; kubectl ignores the
    // flag for http. There is no TLS here to verify.
    clusters: [{ name: ClusterName, cluster: { server: serverUrl, 'insecure-skip-tls-verify': true } }],
    users: [{ name: ClusterName, user: {} }],
    contexts: [
      { name: ClusterName, context: { cluster: ClusterName, user: ClusterName, namespace: 'default' } },
    ],
    'current-context': ClusterName,
    preferences: {},
  });
}

export function writeKubeconfig(dataDir: string, serverUrl: string): string {
  const path = kubeconfigPath(dataDir);
  writeFileAtomic(path, kubeconfigText(serverUrl));
  return path;
}
