/**
 * What a person does to a running local stack and sees of it, for the end-to-end test and `npm run
 * bench:reaction`: set the page's load, and read the VirtualService through the stack's kubeconfig.
 * and take control as an operator does, with `spillway override`.
 */
import { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { findManagedRoute } from '../../core/applier/route.js';
import { readObjectState, type SpillwayState } from '../../core/applier/state.js';
import { VirtualServices } from '../../core/istio.js';
import type { Weights } from '../../core/weights.js';
import { childEnv } from '../child-env.js';
import { runToExit } from '../test-support/run-to-exit.js';
import { REPO_ROOT } from './parts.js';
import type { StackFile } from './stack-file.js';

export interface RateStep {
  /** When the request was sent and when the frontend answered it (ms since the epoch). */
  readonly sentAt: number;
  readonly answeredAt: number;
}

/** POST /api/rate {"rps": rps} on the page; throws unless the frontend answers that it now asks for it. */
export async function setRate(stack: StackFile, rps: number): Promise<RateStep> {
  const sentAt = Date.now();
  const answer = await fetch(new URL('/api/rate', stack.frontend.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ rps }),
    signal: AbortSignal.timeout(10_000),
  });
  const answeredAt = Date.now();
  const text = await answer.text();
  // I/O boundary: the frontend's answer, checked below.
  let body: { rps?: { asked?: unknown } } | undefined;
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    body = undefined;
  }
  if (!answer.ok || body?.rps?.asked !== rps)
    throw new Error(`POST /api/rate {"rps": ${rps}} answered ${answer.status}: ${text.slice(0, 300)}`);
  return { sentAt, answeredAt };
}

/** `namespace/virtualService`: how messages and logs name the stack's route. */
function targetKey(stack: StackFile): string {
  return `${stack.namespace}/${stack.virtualService}`;
}

/** The control plane's URL, as the stack's kubeconfig names it. */
export function controlPlaneUrl(stack: StackFile): string {
  const config = new KubeConfig();
  config.loadFromFile(stack.kubeconfig);
  const server = config.getCurrentCluster()?.server;
  if (server === undefined) throw new Error(`${stack.kubeconfig} names no current cluster`);
  return server;
}

export interface RouteState {
  /** The managed route's weights; undefined when they are missing or do not sum to 100. */
  readonly weights: Weights | undefined;
  /** Spillway's annotations: the last applied decision, the override while one holds. */
  readonly state: SpillwayState;
}

/** Reads the stack's VirtualService through its kubeconfig (@kubernetes/client-node, as the applier does). */
export async function readRoute(stack: StackFile): Promise<RouteState> {
  const config = new KubeConfig();
  config.loadFromFile(stack.kubeconfig);
  const object: unknown = await config.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({
    ...VirtualServices,
    namespace: stack.namespace,
    name: stack.virtualService,
  });
  const route = findManagedRoute(object);
  if (!route.ok) throw new Error(`${targetKey(stack)}: ${route.reason}`);
  return { weights: route.route.weights, state: readObjectState(object) };
}

/** `spillway override ARGS --dir DIR`, as an operator runs it next to the stack; throws unless it published. */
export async function overrideStack(dir: string, args: readonly string[]): Promise<void> {
  const run = await runToExit(
    process.execPath,
    ['bin/spillway.mjs', 'override', ...args, '--dir', dir],
    childEnv(),
    REPO_ROOT,
  );
  if (run.code !== 0)
    throw new Error(`spillway override ${args.join(' ')} exited ${String(run.code)}:\n${run.output}`);
}
