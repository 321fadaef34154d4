import Value from 'typebox/value';
import { validateWeights, type Weights } from '../weights.js';
import {
  DECISION_KINDS,
  DECISION_VERSION,
  DecisionKind,
  DecisionMessageSchema,
  Limits,
  NAMESPACE_RULE,
  OBJECT_NAME_RULE,
  isDecisionId,
  isDecisionKind,
  isNamespaceName,
  isObjectName,
  type DecisionMessage,
  type Observed,
  type Target,
} from './message.js';
import { RFC3339_HINT, parseRfc3339 } from './rfc3339.js';

export type DecodeResult = { ok: true; message: DecisionMessage } | { ok: false; reason: string };

/** Thrown inside this module only, to stop at the first problem with its reason. */
class Invalid extends Error {}

type Json = Record<string, unknown>;

const TOP_FIELDS = ['version', 'id', 'kind', 'issuedAt', 'target', 'weights', 'reason', 'observed', 'until'];

/**
 * Checks an already-parsed JSON value against the decision contract and answers the message or the first
 * problem, precisely: which field, what it must be, what it was. No coercion ("50" is not 50), unknown
 * fields are rejected (a typo such as `util` must not pass silently), dates are strict RFC 3339.
 */
export function validateDecision(value: unknown): DecodeResult {
  try {
    const message = check(value);
    // The schema is the contract's other statement of the same rules; they must agree.
    if (!Value.Check(DecisionMessageSchema, message)) {
      const first = Value.Errors(DecisionMessageSchema, message)[0];
      return { ok: false, reason: `invalid decision: ${first?.instancePath ?? ''} ${first?.message ?? ''}` };
    }
    return { ok: true, message };
  } catch (error) {
    if (error instanceof Invalid) return { ok: false, reason: error.message };
    throw error;
  }
}

function check(value: unknown): DecisionMessage {
  const root = object(value, 'a decision');
  if (!('version' in root))
    fail(`missing field version (this Spillway understands version ${DECISION_VERSION})`);
  if (root['version'] !== DECISION_VERSION)
    fail(`unknown version ${show(root['version'])} (this Spillway understands version ${DECISION_VERSION})`);
  onlyKnown(root, TOP_FIELDS, '');

  const id = string(root, 'id', '');
  if (!isDecisionId(id))
    fail(`id must be 1 to ${Limits.idLength} characters without spaces (got ${show(id)})`);
  const kind = string(root, 'kind', '');
  if (!isDecisionKind(kind)) fail(`kind must be one of ${DECISION_KINDS.join(', ')} (got ${show(kind)})`);
  const issuedAtText = string(root, 'issuedAt', '');
  const issuedAt = date(issuedAtText, 'issuedAt');
  const target = checkTarget(root['target']);
  const weights = checkWeights(root['weights']);
  const reason = string(root, 'reason', '');
  if (reason.length > Limits.reasonLength)
    fail(`reason must be at most ${Limits.reasonLength} characters (got ${reason.length})`);
  const observed = root['observed'] === undefined ? undefined : checkObserved(root['observed']);
  const until = checkUntil(root, kind, issuedAt);

  const message: DecisionMessage = {
    version: DECISION_VERSION,
    id,
    kind,
    issuedAt: issuedAtText,
    target,
    weights,
    reason,
  };
  if (observed !== undefined) message.observed = observed;
  if (until !== undefined) message.until = until;
  return message;
}

function checkTarget(value: unknown): Target {
  const target = object(value, 'target', 'target');
  onlyKnown(target, ['namespace', 'virtualService'], 'target.');
  const namespace = string(target, 'namespace', 'target.');
  if (!isNamespaceName(namespace))
    fail(`target.namespace must be ${NAMESPACE_RULE} (got ${show(namespace)})`);
  const virtualService = string(target, 'virtualService', 'target.');
  if (!isObjectName(virtualService))
    fail(`target.virtualService must be ${OBJECT_NAME_RULE} (got ${show(virtualService)})`);
  return { namespace, virtualService };
}

function checkWeights(value: unknown): Weights {
  const weights = object(value, 'weights', 'weights');
  onlyKnown(weights, ['primary', 'burst'], 'weights.');
  for (const side of ['primary', 'burst']) if (!(side in weights)) fail(`missing field weights.${side}`);
  const candidate = { primary: weights['primary'], burst: weights['burst'] } as Weights;
  const problem = validateWeights(candidate);
  if (problem !== undefined) fail(problem);
  return candidate;
}

function checkObserved(value: unknown): Observed {
  const observed = object(value, 'observed', 'observed');
  onlyKnown(observed, ['rps', 'at', 'source', 'query'], 'observed.');
  if (!('rps' in observed)) fail('missing field observed.rps');
  const rps = observed['rps'];
  if (typeof rps !== 'number' || !Number.isFinite(rps) || rps < 0)
    fail(`observed.rps must be a number ≥ 0 (got ${show(rps)})`);
  const at = string(observed, 'at', 'observed.');
  date(at, 'observed.at');
  const source = string(observed, 'source', 'observed.');
  if (source.length > Limits.sourceLength)
    fail(`observed.source must be at most ${Limits.sourceLength} characters (got ${source.length})`);
  const query = string(observed, 'query', 'observed.');
  if (query.length > Limits.queryLength)
    fail(`observed.query must be at most ${Limits.queryLength} characters (got ${query.length})`);
  return { rps, at, source, query };
}

function checkUntil(root: Json, kind: DecisionKind, issuedAt: Date): string | undefined {
  if (kind !== DecisionKind.Override) {
    if (root['until'] !== undefined) fail(`until is only allowed on an override (this is ${kind})`);
    return undefined;
  }
  if (root['until'] === undefined) fail('until is required for an override (when it expires)');
  const text = string(root, 'until', '');
  const until = date(text, 'until');
  if (until.getTime() <= issuedAt.getTime())
    fail(`until (${text}) must be after issuedAt (${String(root['issuedAt'])})`);
  const seconds = (until.getTime() - issuedAt.getTime()) / 1000;
  if (seconds > Limits.maxOverrideSeconds)
    fail(`until (${text}) must be at most 7 days after issuedAt (${String(root['issuedAt'])})`);
  return text;
}

function object(value: unknown, what: string, field?: string): Json {
  if (value === undefined && field !== undefined) fail(`missing field ${field}`);
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    fail(`${what} must be a JSON object (got ${kindOf(value)})`);
  return value as Json;
}

function string(parent: Json, name: string, prefix: string): string {
  if (!(name in parent) || parent[name] === undefined) fail(`missing field ${prefix}${name}`);
  const value = parent[name];
  if (typeof value !== 'string') fail(`${prefix}${name} must be a string (got ${show(value)})`);
  return value;
}

function date(text: string, field: string): Date {
  const parsed = parseRfc3339(text);
  if (parsed === undefined) fail(`${field} must be ${RFC3339_HINT} (got ${show(text)})`);
  return parsed;
}

function onlyKnown(value: Json, known: readonly string[], prefix: string): void {
  const unknown = Object.keys(value).filter((key) => !known.includes(key));
  if (unknown.length > 0)
    fail(
      `unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => prefix + k).join(', ')} (known: ${known.map((k) => prefix + k).join(', ')})`,
    );
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'string' ? `a string ${show(value)}` : `${typeof value} ${show(value)}`;
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function fail(reason: string): never {
  throw new Invalid(reason);
}
