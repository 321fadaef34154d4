import { ALL_BURST, ALL_PRIMARY, formatWeights, weightsFromBurstPercent, type Weights } from '../weights.js';
import {
  bodyText,
  decodeDecision,
  GOOGLE_ATTRIBUTE_PREFIX,
  type Attributes,
  type DecodeResult,
} from './codec.js';
import { formatDuration, parseDuration } from './duration.js';
import {
  DECISION_VERSION,
  DecisionKind,
  Limits,
  parseTarget,
  type DecisionMessage,
  type Target,
} from './message.js';
import { formatRfc3339 } from './rfc3339.js';
import { validateDecision } from './validate.js';

/** How long an override holds when the operator gives no `ttl`. */
export const DEFAULT_OVERRIDE_TTL_SECONDS = 3_600;
/** The shortest and longest `ttl` accepted. */
export const MIN_OVERRIDE_TTL_SECONDS = 1;
export const MAX_OVERRIDE_TTL_SECONDS = Limits.maxOverrideSeconds;

/** The attributes a shorthand body may carry. */
export const SHORTHAND_ATTRIBUTES = ['ttl', 'target', 'reason'] as const;

/**
 * Weights written into a `release` made from the shorthand `auto`. The contract requires weights on every
 * message; a release's weights are never applied (the override ends, the current weights stay until the
 * next auto decision). See docs/policies.md.
 */
export const RELEASE_PLACEHOLDER_WEIGHTS: Readonly<Weights> = ALL_PRIMARY;

export type OperatorContext = {
  /** The time the message is read (issuedAt; until = now + ttl). */
  now: Date;
  /** The target when the message has no `target` attribute; without it the attribute is required. */
  defaultTarget?: Target;
  /** A fresh unique id for the decision. */
  newId: () => string;
};

const SPLIT = /^split:(.*)$/;

/**
 * Reads what an operator publishes: a JSON decision (a body starting with `{`, handed to `decodeDecision`) or
 * the shorthand `burst` | `primary` | `split:N` (N % to burst, an integer 0–100) | `auto` (release the
 * override), case-insensitive, surrounding spaces ignored, with optional attributes `ttl` (default 1h, 1s
 * to 7d; not with `auto`), `target` (`namespace/virtualService`) and `reason`. Any other attribute is
 * refused (a typo such as `tll` must not silently give a 1-hour override); `googclient_*` ones are ignored.
 */
export function parseOperatorMessage(
  body: string | Buffer,
  attributes: Attributes | undefined,
  context: OperatorContext,
): DecodeResult {
  const text = bodyText(body);
  if (!text.ok) return text;
  const trimmed = text.text.trim();
  if (trimmed.startsWith('{')) return decodeDecision(trimmed, attributes);
  return parseShorthand(trimmed, attributes ?? {}, context);
}

function parseShorthand(word: string, attributes: Attributes, context: OperatorContext): DecodeResult {
  if (word === '')
    return { ok: false, reason: 'empty message: expected burst, primary, split:N, auto or a JSON decision' };
  const lower = word.toLowerCase();
  let weights: Weights | undefined;
  if (lower === 'burst') weights = { ...ALL_BURST };
  else if (lower === 'primary') weights = { ...ALL_PRIMARY };
  else if (lower !== 'auto') {
    const split = SPLIT.exec(lower);
    if (split === null)
      return {
        ok: false,
        reason: `unknown command ${show(word)}: expected burst, primary, split:N (N % to burst), auto or a JSON decision`,
      };
    const n = split[1] ?? '';
    if (!/^\d{1,3}$/.test(n) || Number(n) > 100)
      return {
        ok: false,
        reason: `split:N needs N, the percent to burst, as an integer 0–100 (got ${show(n)})`,
      };
    weights = weightsFromBurstPercent(Number(n));
  }

  for (const name of Object.keys(attributes)) {
    if (attributes[name] === undefined || name.startsWith(GOOGLE_ATTRIBUTE_PREFIX)) continue;
    if (!(SHORTHAND_ATTRIBUTES as readonly string[]).includes(name))
      return {
        ok: false,
        reason: `unknown attribute ${show(name)} (the shorthand takes ${SHORTHAND_ATTRIBUTES.join(', ')})`,
      };
  }

  const target = resolveTarget(attributes['target'], context.defaultTarget);
  if (!target.ok) return target;
  const reasonAttribute = attributes['reason'];
  if (reasonAttribute !== undefined && reasonAttribute.length > Limits.reasonLength)
    return {
      ok: false,
      reason: `attribute reason must be at most ${Limits.reasonLength} characters (got ${reasonAttribute.length})`,
    };

  const issuedAt = context.now;
  const base = { version: DECISION_VERSION, id: context.newId(), issuedAt: formatRfc3339(issuedAt) };
  let message: DecisionMessage;
  if (weights === undefined) {
    if (attributes['ttl'] !== undefined)
      return { ok: false, reason: 'attribute ttl does not apply to auto (it ends the override now)' };
    message = {
      ...base,
      kind: DecisionKind.Release,
      target: target.target,
      weights: { ...RELEASE_PLACEHOLDER_WEIGHTS },
      reason: reasonAttribute ?? 'operator: release the override, back to automatic decisions',
    };
  } else {
    const ttl = resolveTtl(attributes['ttl']);
    if (!ttl.ok) return ttl;
    message = {
      ...base,
      kind: DecisionKind.Override,
      target: target.target,
      weights,
      reason:
        reasonAttribute ??
        `operator override: ${lower} (${formatWeights(weights)}) for ${formatDuration(ttl.seconds)}`,
      until: formatRfc3339(new Date(issuedAt.getTime() + ttl.seconds * 1000)),
    };
  }
  // The same checks as any decision (id from newId, dates from now): a bad context is reported, not published.
  return validateDecision(message);
}

function resolveTarget(
  attribute: string | undefined,
  fallback: Target | undefined,
): { ok: true; target: Target } | { ok: false; reason: string } {
  if (attribute === undefined) {
    if (fallback === undefined)
      return { ok: false, reason: 'no target: set the attribute target=namespace/virtualService' };
    return { ok: true, target: { ...fallback } };
  }
  const parsed = parseTarget(attribute.trim());
  return parsed.ok ? parsed : { ok: false, reason: `attribute ${parsed.reason}` };
}

function resolveTtl(
  attribute: string | undefined,
): { ok: true; seconds: number } | { ok: false; reason: string } {
  if (attribute === undefined) return { ok: true, seconds: DEFAULT_OVERRIDE_TTL_SECONDS };
  const parsed = parseDuration(attribute);
  if (!parsed.ok) return { ok: false, reason: `attribute ttl ${parsed.reason}` };
  if (parsed.seconds < MIN_OVERRIDE_TTL_SECONDS || parsed.seconds > MAX_OVERRIDE_TTL_SECONDS)
    return {
      ok: false,
      reason: `attribute ttl must be from ${formatDuration(MIN_OVERRIDE_TTL_SECONDS)} to ${formatDuration(MAX_OVERRIDE_TTL_SECONDS)} (got ${show(attribute)})`,
    };
  return parsed;
}

function show(value: string): string {
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}..."` : text;
}
