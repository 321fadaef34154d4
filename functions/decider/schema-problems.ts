import type { TSchema } from 'typebox';
import Value from 'typebox/value';
import { describeValue } from '../../core/json.js';

/** One invalid field of a nested document: `targets[0].source.url` and what is wrong with it. */
export interface FieldProblem {
  readonly path: string;
  readonly problem: string;
}

/**
 * Every problem of `value` against `schema`, one per field, in words an operator can act on:
 * `targets[0].source.timeout must be a duration like 30s … (got "5")`. `prefix` is put before every path.
 * Unions of literals are explained by their allowed values; other unions must be resolved by the caller
 * (pick the variant by its discriminator first), since "matches no variant" helps nobody.
 */
export function schemaProblems(schema: TSchema, value: unknown, prefix = ''): FieldProblem[] {
  const problems = new Map<string, string>();
  for (const error of Value.Errors(schema, value)) {
    const parts = error.instancePath.split('/').filter((s) => s !== '');
    const params = error.params as Record<string, unknown>;
    if (error.keyword === 'additionalProperties') {
      const extra = params['additionalProperties'];
      for (const name of Array.isArray(extra) ? extra.map(String) : [])
        problems.set(fieldPath(prefix, [...parts, name]), 'is not a known field');
      continue;
    }
    if (error.keyword === 'required') {
      const missing = params['requiredProperties'];
      for (const name of Array.isArray(missing) ? missing.map(String) : [])
        problems.set(fieldPath(prefix, [...parts, name]), 'is required');
      continue;
    }
    if (error.keyword === 'boolean') continue; // the additionalProperties error above names the field
    if (error.keyword === 'const' && error.schemaPath.includes('/anyOf/')) continue; // see the anyOf error
    const path = fieldPath(prefix, parts);
    if (problems.has(path)) continue;
    const node = schemaAt(schema, error.schemaPath);
    problems.set(
      path,
      `${explain(error.keyword, params, node, error.message)} (got ${describeValue(lookup(value, parts))})`,
    );
  }
  return [...problems].map(([path, problem]) => ({ path, problem }));
}

/** `targets`, `0`, `url` → `targets[0].url`. */
export function fieldPath(prefix: string, parts: readonly string[]): string {
  let path = prefix;
  for (const part of parts) path += /^\d+$/.test(part) ? `[${part}]` : path === '' ? part : `.${part}`;
  return path;
}

function explain(
  keyword: string,
  params: Record<string, unknown>,
  node: Record<string, unknown> | undefined,
  fallback: string,
): string {
  const description = typeof node?.['description'] === 'string' ? node['description'] : undefined;
  switch (keyword) {
    case 'type': {
      if (description !== undefined) return `must be ${description}`;
      const type = String(params['type']);
      return `must be ${type === 'integer' ? 'an integer' : type === 'object' ? 'a mapping' : type === 'array' ? 'a list' : `a ${type}`}`;
    }
    case 'anyOf': {
      const variants = Array.isArray(node?.['anyOf']) ? (node['anyOf'] as Record<string, unknown>[]) : [];
      const allowed = variants.map((v) => v['const']).filter((c) => c !== undefined);
      if (allowed.length > 0 && allowed.length === variants.length)
        return `must be one of ${allowed.map(String).join(', ')}`;
      return description === undefined ? fallback : `must be ${description}`;
    }
    case 'pattern':
    case 'format':
      return description === undefined ? fallback : `must be ${description}`;
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return `must be ${String(params['comparison'])} ${String(params['limit'])}`;
    case 'minLength':
      return params['limit'] === 1 ? 'must not be empty' : fallback;
    case 'minItems':
      return params['limit'] === 1 ? 'must not be empty' : fallback;
    default:
      return fallback;
  }
}

/** The schema node a `#/properties/a/anyOf/0` path points to. */
function schemaAt(schema: TSchema, pointer: string): Record<string, unknown> | undefined {
  let node: unknown = schema;
  for (const part of pointer
    .replace(/^#\/?/, '')
    .split('/')
    .filter((s) => s !== '')) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return typeof node === 'object' && node !== null ? (node as Record<string, unknown>) : undefined;
}

function lookup(value: unknown, parts: readonly string[]): unknown {
  let current = value;
  for (const part of parts) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}
