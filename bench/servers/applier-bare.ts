/**
 * The baseline of `npm run bench:applier`: the least a client can do to change the weights — one
 * @kubernetes/client-node get of the VirtualService and one JSON patch that replaces the two weights (no
 * rules, no annotations, no resourceVersion test, no logging) — from this process, against the same
 * control plane, on its own copy of the VirtualService.
 */
import { CustomObjectsApi, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { findManagedRoute } from '../../core/applier/route.js';
import type { Target } from '../../core/decision/message.js';
import type { Weights } from '../../core/weights.js';
import { flipped } from './applier-stack.js';
import { VirtualServices } from '../../core/istio.js';

export interface BareRound {
  getMs: number;
  patchMs: number;
  totalMs: number;
  /** Whether the patch answered a new resourceVersion. */
  wrote: boolean;
}

export interface BareGetPatch {
  /** One get + patch that flips the weights. */
  round(): Promise<BareRound>;
}

// I/O boundary: the object as the API answers it.
type ApiObject = { metadata?: { resourceVersion?: string }; spec?: unknown };

export function bareGetPatch(kubeconfigPath: string, target: Target): BareGetPatch {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  const api = kc.makeApiClient(CustomObjectsApi);
  const name = { ...VirtualServices, namespace: target.namespace, name: target.virtualService };
  return {
    async round() {
      const started = performance.now();
      const object = (await api.getNamespacedCustomObject(name)) as ApiObject;
      const got = performance.now();
      const route = findManagedRoute(object);
      if (!route.ok) throw new Error(`baseline: ${target.virtualService}: ${route.reason}`);
      const { http, primary, burst } = route.route;
      const next: Weights = flipped(route.route.weights);
      const base = `/spec/http/${http}/route`;
      const written = (await api.patchNamespacedCustomObject(
        {
          ...name,
          body: [
            { op: 'replace', path: `${base}/${primary}/weight`, value: next.primary },
            { op: 'replace', path: `${base}/${burst}/weight`, value: next.burst },
          ],
        },
        setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
      )) as ApiObject;
      const done = performance.now();
      const before = object.metadata?.resourceVersion;
      const after = written.metadata?.resourceVersion;
      return {
        getMs: got - started,
        patchMs: done - got,
        totalMs: done - started,
        wrote: after !== undefined && after !== before,
      };
    },
  };
}
