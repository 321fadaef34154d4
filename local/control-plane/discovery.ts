/**
 * The discovery documents clients read before anything else: `/version`, `/api`, `/apis`, the group and its
 * resource list. kubectl finds `virtualservices`/`vs` and `destinationrules`/`dr` through them.
 */
import { Group, GroupVersion, Version, resourceTypes } from './resources.js';

/** The Kubernetes version reported: the minor version of the kubectl the tests use, so no skew warning. */
const ServerVersion = { major: '1', minor: '32', gitVersion: 'v1.32.0' } as const;

const Verbs = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'] as const;

export function versionInfo(): Record<string, string> {
  return {
    major: ServerVersion.major,
    minor: ServerVersion.minor,
    gitVersion: ServerVersion.gitVersion,
    gitCommit: 'spillway-local-control-plane',
    gitTreeState: 'clean',
    buildDate: '2025-01-01T00:00:00Z',
    goVersion: 'none (Node.js stand-in)',
    compiler: 'none',
    platform: `${process.platform}/${process.arch}`,
  };
}

/** `/api`: the legacy core group. This stand-in serves none of it. */
export function apiVersions(serverAddress: string): Record<string, unknown> {
  return {
    kind: 'APIVersions',
    versions: [],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

function apiGroup(): Record<string, unknown> {
  const version = { groupVersion: GroupVersion, version: Version };
  return { name: Group, versions: [version], preferredVersion: version };
}

/** `/apis`. */
export function apiGroupList(): Record<string, unknown> {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: [apiGroup()] };
}

/** `/apis/networking.istio.io`. */
export function apiGroupDocument(): Record<string, unknown> {
  return { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup() };
}

/** `/apis/networking.istio.io/v1`. */
export function apiResourceList(): Record<string, unknown> {
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: GroupVersion,
    resources: resourceTypes.map((type) => ({
      name: type.plural,
      singularName: type.singular,
      namespaced: true,
      kind: type.kind,
      verbs: [...Verbs],
      shortNames: [...type.shortNames],
      categories: [...type.categories],
    })),
  };
}
