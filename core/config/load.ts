import type { TObject, TSchema, Static } from 'typebox';
import Value from 'typebox/value';
import { ConfigError, type ConfigProblem } from '../errors.js';

/** The environment as handed in by the caller (core never reads `process.env` itself). */
export type Environment = Readonly<Record<string, string | undefined>>;

/**
 * Validates `env` against a deployable's schema and returns the typed config. Unknown variables are
 * ignored, defaults are filled in, strings are converted to the schema's types. Throws a ConfigError
 * naming every invalid variable.
 */
export function loadConfig<S extends TObject>(deployable: string, schema: S, env: Environment): Static<S> {
  const present: Record<string, unknown> = {};
  for (const [key, property] of Object.entries(schema.properties)) {
    const value = env[key];
    if (value !== undefined) present[key] = convert(property, value);
  }
  const value = Value.Default(schema, present);
  if (Value.Check(schema, value)) return value;
  throw new ConfigError(deployable, describeProblems(schema, value));
}

/**
 * Strict conversion of an environment string to the property's type: an integer must be written as one
 * ("8080.5" and "8080abc" stay strings and fail validation), a number must be finite, a boolean is
 * `true` or `false`. Anything else is left as written.
 */
function convert(property: TSchema, text: string): unknown {
  const type = (property as { type?: unknown }).type;
  const trimmed = text.trim();
  if (type === 'integer') return /^[+-]?\d+$/.test(trimmed) ? Number(trimmed) : text;
  if (type === 'number') return trimmed !== '' && Number.isFinite(Number(trimmed)) ? Number(trimmed) : text;
  if (type === 'boolean') return trimmed === 'true' ? true : trimmed === 'false' ? false : text;
  return text;
}

function describeProblems(schema: TObject, value: unknown): ConfigProblem[] {
  const seen = new Map<string, string>();
  for (const error of Value.Errors(schema, value)) {
    const variable = error.instancePath.split('/')[1];
    if (variable === undefined || variable === '') {
      for (const missing of missingProperties(error.params)) seen.set(missing, 'is required');
      continue;
    }
    if (seen.has(variable)) continue;
    const property = schema.properties[variable];
    const given = (value as Record<string, unknown>)[variable];
    seen.set(variable, `${explain(property, error.message)} (got ${JSON.stringify(given)})`);
  }
  return [...seen].map(([variable, problem]) => ({ variable, problem }));
}

function missingProperties(params: unknown): string[] {
  const required = (params as { requiredProperties?: unknown }).requiredProperties;
  return Array.isArray(required) ? required.map(String) : [];
}

/** A readable reason: the allowed values of an enumeration, the bounds of a number, else the validator's. */
function explain(property: TSchema | undefined, fallback: string): string {
  const p = property as Record<string, unknown> | undefined;
  if (p === undefined) return fallback;
  if (Array.isArray(p['anyOf'])) {
    const allowed = (p['anyOf'] as Record<string, unknown>[])
      .map((s) => s['const'])
      .filter((c) => c !== undefined);
    if (allowed.length > 0) return `must be one of ${allowed.join(', ')}`;
  }
  if (p['type'] === 'integer' || p['type'] === 'number') {
    const kind = p['type'] === 'integer' ? 'an integer' : 'a number';
    const min = p['minimum'];
    const max = p['maximum'];
    if (min !== undefined && max !== undefined)
      return `must be ${kind} from ${String(min)} to ${String(max)}`;
    if (min !== undefined) return `must be ${kind} ≥ ${String(min)}`;
    return `must be ${kind}`;
  }
  if (typeof p['description'] === 'string') return `${fallback}: ${p['description']}`;
  return fallback;
}
