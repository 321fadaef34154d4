/**
 * The resource types the local control plane serves: Istio's namespaced `networking.istio.io/v1`
 * VirtualService and DestinationRule, described as their CustomResourceDefinitions describe them (names,
 * short names, categories, printer columns), so discovery and `kubectl get` look as they do on a cluster.
 */

import { IstioNetworking } from '../../core/istio.js';

export const Group = IstioNetworking.group;
export const Version = IstioNetworking.version;
export const GroupVersion = `${Group}/${Version}`;

/** One `additionalPrinterColumns` entry of the CRD: what `kubectl get` shows after NAME. */
export interface PrinterColumn {
  readonly name: string;
  readonly type: 'string' | 'date';
  readonly description: string;
  /** A simple path into the object, e.g. ['spec', 'hosts']. */
  readonly path: readonly string[];
}

export interface ResourceType {
  readonly kind: string;
  readonly listKind: string;
  readonly plural: string;
  readonly singular: string;
  readonly shortNames: readonly string[];
  readonly categories: readonly string[];
  readonly columns: readonly PrinterColumn[];
}

const creationTimestamp: PrinterColumn = {
  name: 'Age',
  type: 'date',
  description:
    'CreationTimestamp is a timestamp representing the server time when this object was created. It is not ' +
    'guaranteed to be set in happens-before order across separate operations. Clients may not set this value. ' +
    'It is represented in RFC3339 form and is in UTC. Populated by the system. Read-only. Null for lists. More ' +
    'info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata',
  path: ['metadata', 'creationTimestamp'],
};

const istioCategories = ['istio-io', 'networking-istio-io'] as const;

export const VirtualServiceType: ResourceType = {
  kind: 'VirtualService',
  listKind: 'VirtualServiceList',
  plural: 'virtualservices',
  singular: 'virtualservice',
  shortNames: ['vs'],
  categories: istioCategories,
  columns: [
    {
      name: 'Gateways',
      type: 'string',
      description: 'The names of gateways and sidecars that should apply these routes',
      path: ['spec', 'gateways'],
    },
    {
      name: 'Hosts',
      type: 'string',
      description: 'The destination hosts to which traffic is being sent',
      path: ['spec', 'hosts'],
    },
    creationTimestamp,
  ],
};

export const DestinationRuleType: ResourceType = {
  kind: 'DestinationRule',
  listKind: 'DestinationRuleList',
  plural: 'destinationrules',
  singular: 'destinationrule',
  shortNames: ['dr'],
  categories: istioCategories,
  columns: [
    {
      name: 'Host',
      type: 'string',
      description: 'The name of a service from the service registry',
      path: ['spec', 'host'],
    },
    creationTimestamp,
  ],
};

export const resourceTypes: readonly ResourceType[] = [VirtualServiceType, DestinationRuleType];

export function resourceByPlural(plural: string): ResourceType | undefined {
  return resourceTypes.find((type) => type.plural === plural);
}

export function resourceByKind(kind: string): ResourceType | undefined {
  return resourceTypes.find((type) => type.kind === kind);
}

/** `virtualservices.networking.istio.io`: how Kubernetes names a resource in its messages. */
export function qualifiedResource(type: ResourceType): string {
  return `${type.plural}.${Group}`;
}

/** `VirtualService.networking.istio.io`: how Kubernetes names a kind in validation messages. */
export function qualifiedKind(type: ResourceType): string {
  return `${type.kind}.${Group}`;
}
