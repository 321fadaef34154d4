import Type, { type Static, type TSchema } from 'typebox';
import Value from 'typebox/value';
import { describeValue, isRecord } from '../json.js';
import { FAILURE_CAUSES, FailureAction, type FailureCause } from './types.js';

/** The codelab's behaviour: above `high` req/s everything to burst, below `low` everything back. */
export const ThresholdPolicySchema = Type.Object(
  {
    kind: Type.Literal('threshold'),
    /** Above this rate (req/s), all traffic goes to burst. */
    high: Type.Number({ minimum: 0, default: 15 }),
    /** Below this rate (req/s), all traffic goes back to primary. Must be below `high`. */
    low: Type.Number({ minimum: 0, default: 10 }),
  },
  { additionalProperties: false },
);

/** Capacity-based: the primary keeps up to `capacity` req/s, only the excess spills to burst. */
export const SpilloverPolicySchema = Type.Object(
  {
    kind: Type.Literal('spillover'),
    /** What the primary serves well, req/s. Required: it depends on the service and the cluster. */
    capacity: Type.Number({ exclusiveMinimum: 0 }),
    /** Burst weights move in multiples of this many percent (rounded up). */
    step: Type.Integer({ minimum: 1, maximum: 100, default: 5 }),
    /** At most this many percent more to burst per tick (lets the burst cluster scale up). */
    maxUpPerTick: Type.Integer({ minimum: 1, maximum: 100, default: 50 }),
    /** At most this many percent back to primary per tick. */
    maxDownPerTick: Type.Integer({ minimum: 1, maximum: 100, default: 10 }),
    /** No change sooner than this after the previous change. */
    cooldownSeconds: Type.Integer({ minimum: 0, maximum: 86_400, default: 15 }),
    /** No change in the opposite direction sooner than this after the previous change. */
    minDwellSeconds: Type.Integer({ minimum: 0, maximum: 86_400, default: 60 }),
    /**
     * Weights move back toward primary only when the rate, raised by this fraction, still asks for less
     * burst. 0.25 keeps ±10 % noise from flapping (needs > 0.2222: 0.9 · (1 + h) ≥ 1.1).
     */
    hysteresis: Type.Number({ minimum: 0, maximum: 1, default: 0.25 }),
  },
  { additionalProperties: false },
);

export const PolicyConfigSchema = Type.Union([ThresholdPolicySchema, SpilloverPolicySchema]);
export type ThresholdPolicy = Static<typeof ThresholdPolicySchema>;
export type SpilloverPolicy = Static<typeof SpilloverPolicySchema>;
export type PolicyConfig = Static<typeof PolicyConfigSchema>;
export const POLICY_KINDS = ['threshold', 'spillover'] as const;

const FailureActionSchema = Type.Union(
  [Type.Literal(FailureAction.Hold), Type.Literal(FailureAction.Primary)],
  {
    default: FailureAction.Hold,
  },
);

export const FailureActionsSchema = Type.Object(
  Object.fromEntries(FAILURE_CAUSES.map((cause) => [cause, FailureActionSchema])) as Record<
    FailureCause,
    typeof FailureActionSchema
  >,
  { additionalProperties: false, default: {} },
);

export const FailurePolicySchema = Type.Object(
  {
    /** A sample older than this is `stale`. Cloud Monitoring lags by up to a few minutes. */
    staleAfterSeconds: Type.Integer({ minimum: 1, maximum: 86_400, default: 300 }),
    /** More series than this is `too-many-series` (the query should `sum` to one). */
    maxSeries: Type.Integer({ minimum: 1, maximum: 10_000, default: 1 }),
    /** What each failure cause does; every cause defaults to `hold`. */
    actions: FailureActionsSchema,
  },
  { additionalProperties: false },
);
export type FailurePolicy = Static<typeof FailurePolicySchema>;

export const DEFAULT_THRESHOLD_POLICY: ThresholdPolicy = { kind: 'threshold', high: 15, low: 10 };

/** Every failure cause holds; samples older than 5 minutes are stale; one series expected. */
export const DEFAULT_FAILURE_POLICY: FailurePolicy = {
  staleAfterSeconds: 300,
  maxSeries: 1,
  actions: Object.fromEntries(FAILURE_CAUSES.map((cause) => [cause, FailureAction.Hold])) as Record<
    FailureCause,
    FailureAction
  >,
};

type Parsed<T> = { ok: true; config: T } | { ok: false; problems: string[] };

/**
 * Validates a policy from a file or the environment (YAML/JSON already parsed): fills in the defaults of
 * its kind, checks types and bounds and `low < high`. Problems name the field, e.g.
 * `policy.low must be below policy.high (got low 20, high 15)`.
 */
export function parsePolicyConfig(input: unknown, path = 'policy'): Parsed<PolicyConfig> {
  if (!isRecord(input))
    return { ok: false, problems: [`${path} must be an object (got ${describeValue(input)})`] };
  const kind = input['kind'];
  const schema =
    kind === 'threshold' ? ThresholdPolicySchema : kind === 'spillover' ? SpilloverPolicySchema : undefined;
  if (schema === undefined)
    return {
      ok: false,
      problems: [`${path}.kind must be one of ${POLICY_KINDS.join(', ')} (got ${describeValue(kind)})`],
    };
  const value: unknown = Value.Default(schema, structuredClone(input));
  const problems = schemaProblems(schema, value, path);
  if (problems.length > 0) return { ok: false, problems };
  const config = value as PolicyConfig;
  if (config.kind === 'threshold' && !(config.low < config.high))
    return {
      ok: false,
      problems: [`${path}.low must be below ${path}.high (got low ${config.low}, high ${config.high})`],
    };
  return { ok: true, config };
}

/** Validates the failure policy, filling in defaults (all `hold`, staleAfterSeconds 300, maxSeries 1). */
export function parseFailurePolicy(input: unknown, path = 'failures'): Parsed<FailurePolicy> {
  const given = input === undefined ? {} : input;
  if (!isRecord(given))
    return { ok: false, problems: [`${path} must be an object (got ${describeValue(given)})`] };
  const value: unknown = Value.Default(FailurePolicySchema, structuredClone(given));
  const problems = schemaProblems(FailurePolicySchema, value, path);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, config: value as FailurePolicy };
}

function schemaProblems(schema: TSchema, value: unknown, path: string): string[] {
  const problems = new Map<string, string>();
  for (const error of Value.Errors(schema, value)) {
    const field = [path, ...error.instancePath.split('/').filter((s) => s !== '')].join('.');
    if (problems.has(field)) continue;
    const params = error.params as Record<string, unknown>;
    if (error.keyword === 'additionalProperties') {
      const extra = params['additionalProperties'];
      const names = Array.isArray(extra) ? extra.map(String) : [];
      for (const name of names) problems.set(`${field}.${name}`, `${field}.${name} is not a known field`);
      continue;
    }
    if (error.keyword === 'boolean') continue; // reported by additionalProperties above
    if (error.keyword === 'required') {
      const missing = params['requiredProperties'];
      for (const name of Array.isArray(missing) ? missing.map(String) : [])
        problems.set(`${field}.${name}`, `${field}.${name} is required`);
      continue;
    }
    const given = lookup(value, error.instancePath);
    problems.set(
      field,
      `${field} ${explain(error.keyword, params, error.message)} (got ${describeValue(given)})`,
    );
  }
  return [...problems.values()];
}

function explain(keyword: string, params: Record<string, unknown>, fallback: string): string {
  switch (keyword) {
    case 'type':
      return `must be ${params['type'] === 'integer' ? 'an integer' : `a ${String(params['type'])}`}`;
    case 'anyOf':
    case 'const':
      // The only unions of literals past the `kind` dispatch are the failure actions.
      return `must be one of ${Object.values(FailureAction).join(', ')}`;
    default:
      return fallback;
  }
}

function lookup(value: unknown, pointer: string): unknown {
  let current = value;
  for (const part of pointer.split('/').filter((s) => s !== '')) {
    if (!isRecord(current)) return undefined;
    current = current[part];
  }
  return current;
}
