import Type, { type Static } from 'typebox';
import { WeightsSchema } from '../weights.js';

/**
 * The decision message of the Pub/Sub topic `spillway-decisions` (the contract in the architecture notes).
 * The decider publishes `auto` decisions; operators publish `override` (with `until`) and `release`.
 * Every property not listed here is rejected, at the top level and inside nested objects.
 */

export const DecisionKind = {
  /** The decider's decision; ignored by the applier while an override holds. */
  Auto: 'auto',
  /** An operator's manual weights, holding until `until`. */
  Override: 'override',
  /** An operator ends the override; the weights are NOT applied (see docs/policies.md). */
  Release: 'release',
} as const;
export type DecisionKind = (typeof DecisionKind)[keyof typeof DecisionKind];
export const DECISION_KINDS: readonly DecisionKind[] = Object.values(DecisionKind);

export function isDecisionKind(value: string): value is DecisionKind {
  return (DECISION_KINDS as readonly string[]).includes(value);
}

export const DECISION_VERSION = 1 as const;

/** Limits of the free-text fields, so a message always fits in a Kubernetes annotation. */
export const Limits = {
  idLength: 128,
  reasonLength: 1024,
  sourceLength: 256,
  queryLength: 4096,
  /** Bytes of a whole encoded message. */
  messageBytes: 64 * 1024,
  /** The longest an override may last (until − issuedAt): 7 days. */
  maxOverrideSeconds: 7 * 24 * 3600,
} as const;

/** A Kubernetes namespace name (DNS-1123 label). */
export const NAMESPACE_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
/** A Kubernetes object name (DNS-1123 subdomain), as VirtualService names are. */
export const OBJECT_NAME_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
/** An id: 1–128 characters, no whitespace. */
export const ID_PATTERN = '^\\S{1,128}$';

/** What a namespace and a VirtualService name must be, for the reasons given to operators. */
export const NAMESPACE_RULE = 'a Kubernetes namespace name (lower-case letters, digits, "-"; at most 63)';
export const OBJECT_NAME_RULE =
  'a Kubernetes object name (lower-case letters, digits, "-", "."; at most 253)';

const NAMESPACE_RE = new RegExp(NAMESPACE_PATTERN);
const OBJECT_NAME_RE = new RegExp(OBJECT_NAME_PATTERN);
const ID_RE = new RegExp(ID_PATTERN);

export function isNamespaceName(text: string): boolean {
  return text.length <= 63 && NAMESPACE_RE.test(text);
}

export function isObjectName(text: string): boolean {
  return text.length <= 253 && OBJECT_NAME_RE.test(text);
}

export function isDecisionId(text: string): boolean {
  return ID_RE.test(text);
}

/** An RFC 3339 date-time; `core/decision/rfc3339.ts` checks it strictly (calendar, offset). */
export const DateTimeSchema = Type.String({ format: 'date-time', description: 'an RFC 3339 date-time' });

export const DecisionKindSchema = Type.Union([
  Type.Literal(DecisionKind.Auto),
  Type.Literal(DecisionKind.Override),
  Type.Literal(DecisionKind.Release),
]);

export const TargetSchema = Type.Object(
  {
    namespace: Type.String({ pattern: NAMESPACE_PATTERN, maxLength: 63 }),
    virtualService: Type.String({ pattern: OBJECT_NAME_PATTERN, maxLength: 253 }),
  },
  { additionalProperties: false },
);
export type Target = Static<typeof TargetSchema>;

export const ObservedSchema = Type.Object(
  {
    /** The request rate the decision was made on, req/s. */
    rps: Type.Number({ minimum: 0 }),
    /** The time of the sample. */
    at: DateTimeSchema,
    /** Where the rate came from, e.g. `prometheus` or `cloud-monitoring`. */
    source: Type.String({ maxLength: Limits.sourceLength }),
    /** The query that produced it. */
    query: Type.String({ maxLength: Limits.queryLength }),
  },
  { additionalProperties: false },
);
export type Observed = Static<typeof ObservedSchema>;

export const DecisionMessageSchema = Type.Object(
  {
    version: Type.Literal(DECISION_VERSION),
    id: Type.String({ pattern: ID_PATTERN }),
    kind: DecisionKindSchema,
    issuedAt: DateTimeSchema,
    target: TargetSchema,
    weights: WeightsSchema,
    reason: Type.String({ maxLength: Limits.reasonLength }),
    observed: Type.Optional(ObservedSchema),
    /** Override expiry: required for `override`, absent otherwise; after `issuedAt`, at most 7 days later. */
    until: Type.Optional(DateTimeSchema),
  },
  { additionalProperties: false },
);

export type DecisionMessage = Static<typeof DecisionMessageSchema>;

/** `namespace/virtualService`: the ordering key and the `target` attribute. */
export function formatTarget(target: Target): string {
  return `${target.namespace}/${target.virtualService}`;
}

/**
 * Parses `namespace/virtualService` (the `target` attribute). Answers the target or why the text is not one.
 */
export function parseTarget(text: string): { ok: true; target: Target } | { ok: false; reason: string } {
  const parts = text.split('/');
  const [namespace, virtualService] = parts;
  if (parts.length !== 2 || namespace === undefined || virtualService === undefined)
    return { ok: false, reason: `target must be namespace/virtualService (got ${JSON.stringify(text)})` };
  if (!isNamespaceName(namespace))
    return {
      ok: false,
      reason: `target namespace must be ${NAMESPACE_RULE} (got ${JSON.stringify(namespace)})`,
    };
  if (!isObjectName(virtualService))
    return {
      ok: false,
      reason: `target virtualService must be ${OBJECT_NAME_RULE} (got ${JSON.stringify(virtualService)})`,
    };
  return { ok: true, target: { namespace, virtualService } };
}
