/** Istio's networking API as the Kubernetes API serves it: the group, version and resource names Spillway uses. */
export const IstioNetworking = { group: 'networking.istio.io', version: 'v1' } as const;

/** The `group`, `version` and `plural` of VirtualServices, as client-node's CustomObjectsApi takes them. */
export const VirtualServices = { ...IstioNetworking, plural: 'virtualservices' } as const;
