import * as k8s from '@kubernetes/client-node';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { Role } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import { RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { DestinationRule } from '@kubernetes-models/istio/networking.istio.io/v1/DestinationRule';
import { Gateway } from '@kubernetes-models/istio/networking.istio.io/v1/Gateway';
import { VirtualService } from '@kubernetes-models/istio/networking.istio.io/v1/VirtualService';
import { AuthorizationPolicy } from '@kubernetes-models/istio/security.istio.io/v1/AuthorizationPolicy';
import { PeerAuthentication } from '@kubernetes-models/istio/security.istio.io/v1/PeerAuthentication';
import { IstioOperator } from '@kubernetes-models/istio/install.istio.io/v1alpha1/IstioOperator';
import Type, { type TSchema } from 'typebox';
import Value from 'typebox/value';
import { describeObject, type KubeObject } from './repo.js';

/**
 * The only apiVersion/kind pairs the deployment may use: current APIs, nothing deprecated. A kind that is
 * not listed fails validation, so a new kind is added here on purpose, with its schema.
 */
export const currentApis = {
  'v1/Service': 'core',
  'v1/ServiceAccount': 'core',
  'apps/v1/Deployment': 'core',
  'autoscaling/v2/HorizontalPodAutoscaler': 'core',
  'policy/v1/PodDisruptionBudget': 'core',
  'rbac.authorization.k8s.io/v1/Role': 'core',
  'rbac.authorization.k8s.io/v1/RoleBinding': 'core',
  'networking.istio.io/v1/VirtualService': 'istio',
  'networking.istio.io/v1/DestinationRule': 'istio',
  'networking.istio.io/v1/Gateway': 'istio',
  'security.istio.io/v1/AuthorizationPolicy': 'istio',
  'security.istio.io/v1/PeerAuthentication': 'istio',
  // The istioctl install API (the in-cluster operator is gone; istioctl still reads this format).
  'install.istio.io/v1alpha1/IstioOperator': 'istio',
  'monitoring.googleapis.com/v1/PodMonitoring': 'gmp',
  'kustomize.config.k8s.io/v1beta1/Kustomization': 'kustomize',
} as const;

type Model = { validate(): void };
type ModelFactory = (data: Record<string, unknown>) => Model;

/**
 * The objects come from YAML, untyped: the model's own validate() is what checks them, so the data is
 * handed to the constructor as is (`never`: accepted by any constructor's parameter type).
 */
const model =
  <M extends Model>(Class: new (data: never) => M): ModelFactory =>
  (d) =>
    new Class(d as never);

const models: Record<string, ModelFactory> = {
  'v1/Service': model(Service),
  'v1/ServiceAccount': model(ServiceAccount),
  'apps/v1/Deployment': model(Deployment),
  'autoscaling/v2/HorizontalPodAutoscaler': model(HorizontalPodAutoscaler),
  'policy/v1/PodDisruptionBudget': model(PodDisruptionBudget),
  'rbac.authorization.k8s.io/v1/Role': model(Role),
  'rbac.authorization.k8s.io/v1/RoleBinding': model(RoleBinding),
  'networking.istio.io/v1/VirtualService': model(VirtualService),
  'networking.istio.io/v1/DestinationRule': model(DestinationRule),
  'networking.istio.io/v1/Gateway': model(Gateway),
  'security.istio.io/v1/AuthorizationPolicy': model(AuthorizationPolicy),
  'security.istio.io/v1/PeerAuthentication': model(PeerAuthentication),
  'install.istio.io/v1alpha1/IstioOperator': model(IstioOperator),
  'monitoring.googleapis.com/v1/PodMonitoring': (d) => schemaModel(PodMonitoringSchema, d),
  'kustomize.config.k8s.io/v1beta1/Kustomization': (d) => schemaModel(KustomizationSchema, d),
};

const strict = { additionalProperties: false } as const;

/**
 * The kustomization fields this repository uses, strictly: the deprecated `commonLabels`, `bases`,
 * `patchesStrategicMerge` and `patchesJson6902` are not among them.
 */
const KustomizationSchema = Type.Object(
  {
    apiVersion: Type.Literal('kustomize.config.k8s.io/v1beta1'),
    kind: Type.Literal('Kustomization'),
    namespace: Type.Optional(Type.String()),
    resources: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
    labels: Type.Optional(
      Type.Array(
        Type.Object(
          {
            pairs: Type.Record(Type.String(), Type.String()),
            includeSelectors: Type.Optional(Type.Boolean()),
            includeTemplates: Type.Optional(Type.Boolean()),
          },
          strict,
        ),
      ),
    ),
    images: Type.Optional(
      Type.Array(
        Type.Object(
          {
            name: Type.String(),
            newName: Type.Optional(Type.String()),
            newTag: Type.Optional(Type.String()),
          },
          strict,
        ),
      ),
    ),
    patches: Type.Optional(
      Type.Array(
        Type.Object(
          {
            path: Type.Optional(Type.String()),
            patch: Type.Optional(Type.String()),
            target: Type.Optional(
              Type.Object(
                {
                  group: Type.Optional(Type.String()),
                  version: Type.Optional(Type.String()),
                  kind: Type.Optional(Type.String()),
                  name: Type.Optional(Type.String()),
                },
                strict,
              ),
            ),
          },
          strict,
        ),
      ),
    ),
  },
  strict,
);

/** Managed Service for Prometheus' PodMonitoring (no published model): the fields used here, strictly. */
const PodMonitoringSchema = Type.Object(
  {
    apiVersion: Type.Literal('monitoring.googleapis.com/v1'),
    kind: Type.Literal('PodMonitoring'),
    metadata: Type.Object({
      name: Type.String({ minLength: 1 }),
      namespace: Type.String({ minLength: 1 }),
      labels: Type.Optional(Type.Record(Type.String(), Type.String())),
    }),
    spec: Type.Object(
      {
        selector: Type.Object(
          { matchLabels: Type.Record(Type.String(), Type.String()) },
          { additionalProperties: false },
        ),
        endpoints: Type.Array(
          Type.Object(
            {
              port: Type.Union([Type.Integer({ minimum: 1, maximum: 65535 }), Type.String({ minLength: 1 })]),
              path: Type.Optional(Type.String({ pattern: '^/' })),
              interval: Type.Optional(Type.String({ pattern: '^[0-9]+(ms|s|m|h)$' })),
            },
            { additionalProperties: false },
          ),
          { minItems: 1 },
        ),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

function schemaModel(schema: TSchema, data: unknown): Model {
  return {
    validate() {
      const errors = [...Value.Errors(schema, data)].map((e) => `${e.instancePath} ${e.message}`);
      if (errors.length > 0) throw new Error(errors.join('; '));
    },
  };
}

export const apiKey = (o: KubeObject): string => `${o.apiVersion}/${o.kind}`;

/**
 * Every problem of one object: an API that is not current, a schema violation, and (for built-in kinds)
 * any field the Kubernetes API does not define — a misspelt field would otherwise be dropped silently by
 * the API server.
 */
export function validationProblems(object: KubeObject): string[] {
  const key = apiKey(object);
  const where = describeObject(object);
  const factory = models[key];
  if (!(key in currentApis) || factory === undefined)
    return [`${where}: ${key} is not an allowed, current API`];
  const problems: string[] = [];
  try {
    factory(object).validate();
  } catch (err) {
    problems.push(`${where}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (currentApis[key as keyof typeof currentApis] === 'core') {
    const className = `${capitalize(object.apiVersion.split('/').at(-1) ?? '')}${object.kind}`;
    for (const field of unknownFields(object, className, ''))
      problems.push(`${where}: unknown field ${field}`);
  }
  return problems;
}

const capitalize = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

interface Attribute {
  baseName: string;
  type: string;
}
type GeneratedModel = { getAttributeTypeMap(): Attribute[] };

const scalarTypes = new Set(['string', 'number', 'boolean', 'Date', 'any', 'object', 'IntOrString']);

/**
 * The fields of `value` that the Kubernetes OpenAPI model `type` (as generated in @kubernetes/client-node)
 * does not have, recursively, as JSON pointers.
 */
export function unknownFields(value: unknown, type: string, path: string): string[] {
  if (value === null || value === undefined || scalarTypes.has(type)) return [];
  const array = /^Array<(.+)>$/.exec(type);
  if (array) {
    const itemType = array[1] ?? 'any';
    return Array.isArray(value)
      ? value.flatMap((item, i) => unknownFields(item, itemType, `${path}/${i}`))
      : [];
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) {
    const valueType = map[1] ?? 'any';
    return typeof value === 'object'
      ? Object.entries(value).flatMap(([k, v]) => unknownFields(v, valueType, `${path}/${k}`))
      : [];
  }
  const model = (k8s as unknown as Record<string, GeneratedModel | undefined>)[type];
  if (typeof model?.getAttributeTypeMap !== 'function') {
    throw new Error(`no Kubernetes model named ${type} (at ${path || '/'})`);
  }
  if (typeof value !== 'object' || Array.isArray(value)) return [];
  const attributes = model.getAttributeTypeMap();
  return Object.entries(value).flatMap(([key, child]) => {
    const attribute = attributes.find((a) => a.baseName === key);
    return attribute ? unknownFields(child, attribute.type, `${path}/${key}`) : [`${path}/${key}`];
  });
}
