/**
 * The parts of `networking.istio.io/v1` VirtualService and DestinationRule that the local mesh reads, as
 * TypeBox schemas. Objects come from the Kubernetes API and are checked here before use: a malformed object
 * is rejected with the path of its first problem, never half-applied. Unknown fields are allowed (the API
 * keeps the user's whole object); docs/mesh.md lists which ones the mesh honours.
 */
import Type, { type Static, type TSchema } from 'typebox';
import Value from 'typebox/value';
import { IstioNetworking } from '../../core/istio.js';

export const GROUP = IstioNetworking.group;
export const VERSION = IstioNetworking.version;

const StringMatchSchema = Type.Object({
  exact: Type.Optional(Type.String()),
  prefix: Type.Optional(Type.String()),
  regex: Type.Optional(Type.String()),
});
export type StringMatch = Static<typeof StringMatchSchema>;

const MatchRequestSchema = Type.Object({
  name: Type.Optional(Type.String()),
  uri: Type.Optional(StringMatchSchema),
  method: Type.Optional(StringMatchSchema),
  authority: Type.Optional(StringMatchSchema),
  headers: Type.Optional(Type.Record(Type.String(), StringMatchSchema)),
  withoutHeaders: Type.Optional(Type.Record(Type.String(), StringMatchSchema)),
  queryParams: Type.Optional(Type.Record(Type.String(), StringMatchSchema)),
  ignoreUriCase: Type.Optional(Type.Boolean()),
  port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
  sourceLabels: Type.Optional(Type.Record(Type.String(), Type.String())),
  sourceNamespace: Type.Optional(Type.String()),
  gateways: Type.Optional(Type.Array(Type.String())),
});
export type MatchRequest = Static<typeof MatchRequestSchema>;

const RouteDestinationSchema = Type.Object({
  destination: Type.Object({
    host: Type.String({ minLength: 1 }),
    subset: Type.Optional(Type.String()),
    port: Type.Optional(Type.Object({ number: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })) })),
  }),
  weight: Type.Optional(Type.Integer({ minimum: 0 })),
});
export type RouteDestination = Static<typeof RouteDestinationSchema>;

const HttpRouteSchema = Type.Object({
  name: Type.Optional(Type.String()),
  match: Type.Optional(Type.Array(MatchRequestSchema)),
  route: Type.Optional(Type.Array(RouteDestinationSchema)),
});
export type HttpRoute = Static<typeof HttpRouteSchema>;

const MetadataSchema = Type.Object({
  name: Type.String({ minLength: 1 }),
  namespace: Type.Optional(Type.String()),
  resourceVersion: Type.Optional(Type.String()),
  generation: Type.Optional(Type.Integer()),
});

const VirtualServiceSchema = Type.Object({
  metadata: MetadataSchema,
  spec: Type.Object({
    hosts: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
    gateways: Type.Optional(Type.Array(Type.String())),
    http: Type.Optional(Type.Array(HttpRouteSchema)),
  }),
});
export type VirtualService = Static<typeof VirtualServiceSchema>;

const LoadBalancerSchema = Type.Object({ simple: Type.Optional(Type.String()) });
const TrafficPolicySchema = Type.Object({ loadBalancer: Type.Optional(LoadBalancerSchema) });

const DestinationRuleSchema = Type.Object({
  metadata: MetadataSchema,
  spec: Type.Object({
    host: Type.String({ minLength: 1 }),
    trafficPolicy: Type.Optional(TrafficPolicySchema),
    subsets: Type.Optional(
      Type.Array(
        Type.Object({
          name: Type.String({ minLength: 1 }),
          labels: Type.Optional(Type.Record(Type.String(), Type.String())),
          trafficPolicy: Type.Optional(TrafficPolicySchema),
        }),
      ),
    ),
  }),
});
export type DestinationRule = Static<typeof DestinationRuleSchema>;

export type Checked<T> = { ok: true; value: T } | { ok: false; problem: string };

function check<S extends TSchema>(schema: S, value: unknown): Checked<Static<S>> {
  if (Value.Check(schema, value)) return { ok: true, value };
  for (const error of Value.Errors(schema, value)) {
    return { ok: false, problem: `${error.instancePath || '/'} ${error.message}` };
  }
  return { ok: false, problem: 'is not an object of the expected shape' };
}

export const checkVirtualService = (value: unknown): Checked<VirtualService> =>
  check(VirtualServiceSchema, value);

export const checkDestinationRule = (value: unknown): Checked<DestinationRule> =>
  check(DestinationRuleSchema, value);
