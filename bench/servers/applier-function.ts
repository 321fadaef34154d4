/**
 * The applier as Cloud Run starts it, for `npm run bench:applier`: `functions-framework --target=apply` on
 * the built code as its own Node process (function-process.ts) on the port it is given, the one its push
 * subscription delivers to.
 */
import { startFunctionProcess, type FunctionProcess } from './function-process.js';

/**
 * Spawns the applier (a CloudEvent function) on `port` with `kubeconfigPath` as SPILLWAY_KUBECONFIG (its
 * current context, the out-of-the-box VirtualService default/worker-virtual-service) and resolves once the
 * port accepts a connection; see startFunctionProcess.
 */
export function startApplierFunction(
  port: number,
  kubeconfigPath: string,
  readyTimeoutMs = 60_000,
): Promise<FunctionProcess> {
  return startFunctionProcess({
    name: 'the applier function',
    target: 'apply',
    signatureType: 'cloudevent',
    port,
    env: { SPILLWAY_KUBECONFIG: kubeconfigPath },
    readyTimeoutMs,
  });
}
