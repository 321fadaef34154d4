/**
 * Reads one VirtualService for `spillway status`, through @kubernetes/client-node with a kubeconfig file
 * (the local stack's, or any cluster's: GKE works with its usual kubeconfig), and turns every failure into
 * one sentence an operator can act on.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { formatTarget, type Target } from '../../core/decision/message.js';
import { KubeApiError, virtualServiceApi } from '../../functions/applier/virtual-service-client.js';

/** How long the one API call may take. */
export const KUBE_TIMEOUT_MS = 10_000;

export type KubeReadResult =
  { ok: true; object: unknown; context: string; server: string } | { ok: false; reason: string };

/** The kubeconfig `file` with `context` (or its current context) made current; or why it cannot be used. */
export function loadKubeConfig(
  file: string,
  context: string | undefined,
): { ok: true; kubeConfig: KubeConfig; context: string; server: string } | { ok: false; reason: string } {
  const kc = new KubeConfig();
  try {
    kc.loadFromFile(file);
  } catch (err) {
    return { ok: false, reason: `cannot read the kubeconfig ${file}: ${(err as Error).message}` };
  }
  const names = kc.getContexts().map((c) => c.name);
  if (context !== undefined) {
    if (!names.includes(context))
      return {
        ok: false,
        reason: `the kubeconfig ${file} has no context ${JSON.stringify(context)} (it has ${names.length === 0 ? 'none' : names.join(', ')})`,
      };
    kc.setCurrentContext(context);
  }
  const current = kc.getCurrentContext();
  if (current === '' || !names.includes(current))
    return {
      ok: false,
      reason: `the kubeconfig ${file} has no current context: name one with --context (it has ${names.length === 0 ? 'none' : names.join(', ')})`,
    };
  const server = kc.getCurrentCluster()?.server;
  if (server === undefined || server === '')
    return {
      ok: false,
      reason: `context ${JSON.stringify(current)} of the kubeconfig ${file} names no server`,
    };
  return { ok: true, kubeConfig: kc, context: current, server };
}

/** GETs the VirtualService `target` from the cluster of `file` (and `context`). */
export async function readVirtualService(
  file: string,
  context: string | undefined,
  target: Target,
  timeoutMs = KUBE_TIMEOUT_MS,
): Promise<KubeReadResult> {
  const loaded = loadKubeConfig(file, context);
  if (!loaded.ok) return loaded;
  const { kubeConfig, server } = loaded;
  const api = virtualServiceApi(loaded.context, () => Promise.resolve(kubeConfig), timeoutMs);
  try {
    const object = await api.get(target);
    return { ok: true, object, context: loaded.context, server };
  } catch (err) {
    if (!(err instanceof KubeApiError)) throw err;
    const name = formatTarget(target);
    // The error's message starts with the cluster and the call; the operator needs the cause.
    const cause = err.message.replace(/^.*?: get virtualservices\/\S+ in namespace \S+ (failed: )?/, '');
    if (err.status === 404)
      return {
        ok: false,
        reason: `VirtualService ${name} not found at ${server} (context ${loaded.context}): create it (istio/traffic/worker-virtualservice.yaml is the codelab's), or name another with --namespace and --virtual-service`,
      };
    if (err.status === undefined)
      return { ok: false, reason: `cannot reach the Kubernetes API at ${server}: ${cause}` };
    return { ok: false, reason: `the Kubernetes API at ${server} refused to read ${name}: ${cause}` };
  }
}
