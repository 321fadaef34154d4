/**
 * Service host names as Istio reads them: a short name in a rule is relative to the rule's namespace, so
 * `worker-service`, `worker-service.default` and `worker-service.default.svc` all stand for
 * `worker-service.default.svc.cluster.local` when the rule lives in `default`.
 */

const CLUSTER_DOMAIN = 'svc.cluster.local';

/** The fully qualified form of `host` as written in a rule of `namespace` (lower case, no trailing dot). */
export function qualifyHost(host: string, namespace: string): string {
  const name = host.trim().toLowerCase().replace(/\.$/, '');
  if (name === '*' || name.startsWith('*.')) return name;
  const parts = name.split('.');
  if (parts.length === 1) return `${name}.${namespace}.${CLUSTER_DOMAIN}`;
  if (parts.length === 2) return `${name}.${CLUSTER_DOMAIN}`;
  if (parts.length === 3 && parts[2] === 'svc') return `${name}.cluster.local`;
  return name;
}

/** Whether a host of a rule (`*`, `*.suffix` or a name, already qualified) covers the service `fqdn`. */
export function hostCovers(ruleHost: string, fqdn: string): boolean {
  if (ruleHost === '*') return true;
  if (ruleHost.startsWith('*.')) return fqdn.endsWith(ruleHost.slice(1));
  return ruleHost === fqdn;
}

/** `name` and `namespace` of a qualified service host (`worker-service.default.svc.cluster.local`). */
export function serviceParts(fqdn: string): { name: string; namespace: string } {
  const [name = fqdn, namespace = 'unknown'] = fqdn.split('.');
  return { name, namespace };
}
