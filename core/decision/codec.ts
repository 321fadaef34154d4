import { DECISION_KINDS, Limits, formatTarget, isDecisionKind, type DecisionMessage } from './message.js';
import { validateDecision, type DecodeResult } from './validate.js';

export type { DecodeResult } from './validate.js';

/** Pub/Sub message attributes as delivered (all strings). */
export type Attributes = Readonly<Record<string, string | undefined>>;

/** What `encodeDecision` hands to the Pub/Sub client's `publishMessage`. */
export type EncodedDecision = {
  data: Buffer;
  attributes: { kind: DecisionMessage['kind']; target: string };
  orderingKey: string;
};

/** Attributes Pub/Sub itself may add (schema encoding, …); they are never ours and are ignored. */
export const GOOGLE_ATTRIBUTE_PREFIX = 'googclient_';
/** The attributes a JSON decision may carry: they repeat the body's kind and target, for filtering. */
export const DECISION_ATTRIBUTES = ['kind', 'target'] as const;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The Pub/Sub message for a decision: the JSON body, the `kind` and `target` attributes, the ordering key
 * `namespace/virtualService`. Throws when the message breaks the contract — publishing one would be a bug.
 */
export function encodeDecision(message: DecisionMessage): EncodedDecision {
  const checked = validateDecision(message);
  if (!checked.ok) throw new TypeError(`refusing to encode an invalid decision: ${checked.reason}`);
  const m = checked.message;
  const target = formatTarget(m.target);
  // Fields in the contract's order, whatever order the caller built them in.
  const body: DecisionMessage = {
    version: m.version,
    id: m.id,
    kind: m.kind,
    issuedAt: m.issuedAt,
    target: { namespace: m.target.namespace, virtualService: m.target.virtualService },
    weights: { primary: m.weights.primary, burst: m.weights.burst },
    reason: m.reason,
    ...(m.observed === undefined ? {} : { observed: m.observed }),
    ...(m.until === undefined ? {} : { until: m.until }),
  };
  return {
    data: Buffer.from(JSON.stringify(body), 'utf8'),
    attributes: { kind: m.kind, target },
    orderingKey: target,
  };
}

/**
 * Reads a JSON decision from a Pub/Sub body (bytes or text) and checks its attributes: `kind` and `target`,
 * when present, must repeat the body's; `googclient_*` attributes are ignored; any other attribute is
 * refused (e.g. `ttl` belongs to the shorthand — a JSON override carries `until`).
 */
export function decodeDecision(data: Buffer | string, attributes?: Attributes): DecodeResult {
  const text = bodyText(data);
  if (!text.ok) return text;
  let value: unknown;
  try {
    value = JSON.parse(text.text);
  } catch (error) {
    return { ok: false, reason: `not JSON: ${(error as Error).message}` };
  }
  const result = validateDecision(value);
  if (!result.ok || attributes === undefined) return result;
  const problem = checkAttributes(result.message, attributes);
  return problem === undefined ? result : { ok: false, reason: problem };
}

/** The body as text, refusing more than 64 KiB and bytes that are not UTF-8. */
export function bodyText(data: Buffer | string): { ok: true; text: string } | { ok: false; reason: string } {
  const bytes = typeof data === 'string' ? Buffer.byteLength(data, 'utf8') : data.length;
  if (bytes > Limits.messageBytes)
    return { ok: false, reason: `message too large: ${bytes} bytes (at most ${Limits.messageBytes})` };
  if (typeof data === 'string') return { ok: true, text: data };
  try {
    return { ok: true, text: utf8.decode(data) };
  } catch {
    return { ok: false, reason: 'message body is not valid UTF-8 text' };
  }
}

function checkAttributes(message: DecisionMessage, attributes: Attributes): string | undefined {
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || name.startsWith(GOOGLE_ATTRIBUTE_PREFIX)) continue;
    if (name === 'kind') {
      if (!isDecisionKind(value))
        return `attribute kind must be one of ${DECISION_KINDS.join(', ')} (got ${JSON.stringify(value)})`;
      if (value !== message.kind)
        return `attribute kind ${JSON.stringify(value)} does not match the body's kind ${JSON.stringify(message.kind)}`;
    } else if (name === 'target') {
      const target = formatTarget(message.target);
      if (value !== target)
        return `attribute target ${JSON.stringify(value)} does not match the body's target ${JSON.stringify(target)}`;
    } else if (name === 'ttl') {
      return 'attribute ttl applies to a shorthand body only; a JSON override carries until';
    } else if (name === 'reason') {
      return 'attribute reason applies to a shorthand body only; a JSON decision carries reason';
    } else {
      return `unknown attribute ${JSON.stringify(name)} (a JSON decision may carry ${DECISION_ATTRIBUTES.join(', ')})`;
    }
  }
  return undefined;
}
