/**
 * A minimal OpenAPI v3 description of the served group, for kubectl: `kubectl apply` (with its default
 * `--validate=strict`) reads it to learn that the server validates fields itself (the `fieldValidation`
 * parameter of PATCH) and which patch types the kinds accept (no strategic merge patch, so it sends a JSON
 * merge patch). Its schemas are open (`x-kubernetes-preserve-unknown-fields`), as this stand-in does not
 * validate Istio's schema. `/openapi/v2` is not served; kubectl does not need it when v3 is there.
 */
import { createHash } from 'node:crypto';
import { Group, GroupVersion, Version, resourceTypes, type ResourceType } from './resources.js';

const GroupVersionPath = `apis/${Group}/${Version}`;

function schemaName(type: ResourceType): string {
  return `io.istio.networking.${Version}.${type.kind}`;
}

function operation(
  type: ResourceType,
  action: string,
  extra: Record<string, unknown>,
): Record<string, unknown> {
  const ref = { $ref: `#/components/schemas/${schemaName(type)}` };
  return {
    operationId: `${action}NetworkingIstioIo${Version.toUpperCase()}Namespaced${type.kind}`,
    parameters: [
      { name: 'dryRun', in: 'query', schema: { type: 'string', uniqueItems: true } },
      { name: 'fieldManager', in: 'query', schema: { type: 'string', uniqueItems: true } },
      { name: 'fieldValidation', in: 'query', schema: { type: 'string', uniqueItems: true } },
    ],
    responses: { '200': { description: 'OK', content: { 'application/json': { schema: ref } } } },
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': { group: Group, version: Version, kind: type.kind },
    ...extra,
  };
}

function paths(): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const type of resourceTypes) {
    const ref = { $ref: `#/components/schemas/${schemaName(type)}` };
    const patchBody = { schema: { type: 'object' } };
    result[`/${GroupVersionPath}/namespaces/{namespace}/${type.plural}/{name}`] = {
      get: operation(type, 'get', {}),
      put: operation(type, 'put', { requestBody: { content: { 'application/json': { schema: ref } } } }),
      patch: operation(type, 'patch', {
        requestBody: {
          content: { 'application/json-patch+json': patchBody, 'application/merge-patch+json': patchBody },
        },
      }),
      delete: operation(type, 'delete', {}),
    };
    result[`/${GroupVersionPath}/namespaces/{namespace}/${type.plural}`] = {
      get: operation(type, 'list', {}),
      post: operation(type, 'post', { requestBody: { content: { 'application/json': { schema: ref } } } }),
    };
  }
  return result;
}

function schemas(): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const type of resourceTypes) {
    result[schemaName(type)] = {
      description: `Istio ${type.kind} (served by the Spillway local control plane; the spec is not validated).`,
      type: 'object',
      properties: {
        apiVersion: { type: 'string', description: `${GroupVersion}` },
        kind: { type: 'string', description: type.kind },
        metadata: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
      },
      'x-kubernetes-group-version-kind': [{ group: Group, version: Version, kind: type.kind }],
    };
  }
  return result;
}

const groupVersionDocument = {
  openapi: '3.0.0',
  info: { title: 'Spillway local control plane', version: 'v1' },
  paths: paths(),
  components: { schemas: schemas() },
};
const groupVersionText = JSON.stringify(groupVersionDocument);
const hash = createHash('sha512').update(groupVersionText).digest('hex').toUpperCase();
const rootText = JSON.stringify({
  paths: { [GroupVersionPath]: { serverRelativeURL: `/openapi/v3/${GroupVersionPath}?hash=${hash}` } },
});

/** The document for `/openapi/v3` or `/openapi/v3/apis/networking.istio.io/v1`, as JSON text; else undefined. */
export function openApiV3(path: string): string | undefined {
  if (path === 'openapi/v3') return rootText;
  if (path === `openapi/v3/${GroupVersionPath}`) return groupVersionText;
  return undefined;
}
