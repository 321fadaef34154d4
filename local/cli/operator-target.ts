/**
 * The VirtualService an operator command is about: `--namespace` and `--virtual-service` when given, else
 * the local stack's, else the codelab's `default/worker-virtual-service` (the applier's default too).
 */
import {
  NAMESPACE_RULE,
  OBJECT_NAME_RULE,
  isNamespaceName,
  isObjectName,
  type Target,
} from '../../core/decision/message.js';

export const CODELAB_TARGET: Readonly<Target> = Object.freeze({
  namespace: 'default',
  virtualService: 'worker-virtual-service',
});

/** The target from the flags over `fallback`; a bad name is answered with the flag (or `from`) it came from. */
export function resolveTarget(
  flags: { namespace?: string | undefined; virtualService?: string | undefined },
  fallback: Readonly<Target>,
  from: string,
): { ok: true; target: Target } | { ok: false; reason: string } {
  const namespace = flags.namespace ?? fallback.namespace;
  const virtualService = flags.virtualService ?? fallback.virtualService;
  if (!isNamespaceName(namespace))
    return {
      ok: false,
      reason: `${flags.namespace === undefined ? `the namespace of ${from}` : '--namespace'} must be ${NAMESPACE_RULE} (got ${JSON.stringify(namespace)})`,
    };
  if (!isObjectName(virtualService))
    return {
      ok: false,
      reason: `${flags.virtualService === undefined ? `the VirtualService of ${from}` : '--virtual-service'} must be ${OBJECT_NAME_RULE} (got ${JSON.stringify(virtualService)})`,
    };
  return { ok: true, target: { namespace, virtualService } };
}
