import Type, { type Static, type TSchema } from 'typebox';
import Value from 'typebox/value';
import { DateTimeSchema, DecisionKindSchema, ID_PATTERN, Limits } from '../decision/message.js';
import { parseRfc3339 } from '../decision/rfc3339.js';
import { validateWeights, WeightsSchema } from '../weights.js';
import { isRecord } from '../json.js';

/**
 * Spillway's state on the VirtualService, in its own annotations (so `kubectl get vs -o yaml` shows it):
 *   spillway.dev/last-applied — the last decision that changed something: id, kind, issuedAt, weights (the
 *                               weights in force after it), reason, appliedAt
 *   spillway.dev/override     — while an operator's override holds: weights, until, reason, id
 *   spillway.dev/history      — the last HISTORY_LENGTH entries like last-applied, newest first: what the
 *                               page shows, and the ids and times the applier de-duplicates against
 */
export const Annotation = {
  LastApplied: 'spillway.dev/last-applied',
  Override: 'spillway.dev/override',
  History: 'spillway.dev/history',
} as const;

/** How many applied decisions `spillway.dev/history` keeps. */
export const HISTORY_LENGTH = 20;

export const AppliedEntrySchema = Type.Object(
  {
    id: Type.String({ pattern: ID_PATTERN }),
    kind: DecisionKindSchema,
    issuedAt: DateTimeSchema,
    weights: WeightsSchema,
    reason: Type.String({ maxLength: Limits.reasonLength }),
    appliedAt: DateTimeSchema,
  },
  { additionalProperties: false },
);
export type AppliedEntry = Static<typeof AppliedEntrySchema>;

export const OverrideStateSchema = Type.Object(
  {
    weights: WeightsSchema,
    until: DateTimeSchema,
    reason: Type.String({ maxLength: Limits.reasonLength }),
    id: Type.String({ pattern: ID_PATTERN }),
  },
  { additionalProperties: false },
);
export type OverrideState = Static<typeof OverrideStateSchema>;

const HistorySchema = Type.Array(AppliedEntrySchema, { maxItems: HISTORY_LENGTH });

/** What the annotations hold, read leniently: a damaged annotation is reported, not fatal. */
export type SpillwayState = {
  lastApplied?: AppliedEntry;
  override?: OverrideState;
  /** Newest first. */
  history: AppliedEntry[];
  /** One line per annotation that could not be read (it is treated as absent and rewritten on the next write). */
  problems: string[];
};

/**
 * The annotation `key` parsed and checked against `schema`, then by `sound` (what a schema cannot state);
 * undefined when it is absent, or — with a line in `problems` — when it cannot be read.
 */
function readJson<S extends TSchema>(
  annotations: Readonly<Record<string, string>>,
  key: string,
  schema: S,
  sound: (value: Static<S>) => boolean,
  problems: string[],
): Static<S> | undefined {
  const text = annotations[key];
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    problems.push(`annotation ${key} is not JSON; it is ignored and will be rewritten`);
    return undefined;
  }
  let why: string;
  if (!Value.Check(schema, value)) why = firstError(schema, value);
  else if (!sound(value)) why = 'bad weights or date';
  else return value;
  problems.push(`annotation ${key} is not valid (${why}); it is ignored and will be rewritten`);
  return undefined;
}

function firstError(schema: TSchema, value: unknown): string {
  const error = Value.Errors(schema, value)[0];
  return error === undefined ? 'invalid' : `${error.instancePath || '/'} ${error.message}`;
}

/** The semantic checks a schema cannot state: weights sum to 100, dates are real RFC 3339 instants. */
function entryOk(entry: AppliedEntry): boolean {
  return (
    validateWeights(entry.weights) === undefined &&
    parseRfc3339(entry.issuedAt) !== undefined &&
    parseRfc3339(entry.appliedAt) !== undefined
  );
}

function overrideOk(override: OverrideState): boolean {
  return validateWeights(override.weights) === undefined && parseRfc3339(override.until) !== undefined;
}

/** Reads Spillway's annotations of a VirtualService (`metadata.annotations`, possibly absent). */
export function readState(annotations: Readonly<Record<string, string>> | undefined): SpillwayState {
  const all = annotations ?? {};
  const problems: string[] = [];
  const lastApplied = readJson(all, Annotation.LastApplied, AppliedEntrySchema, entryOk, problems);
  const override = readJson(all, Annotation.Override, OverrideStateSchema, overrideOk, problems);
  const history = readJson(all, Annotation.History, HistorySchema, (h) => h.every(entryOk), problems) ?? [];
  return {
    ...(lastApplied === undefined ? {} : { lastApplied }),
    ...(override === undefined ? {} : { override }),
    history,
    problems,
  };
}

/**
 * Spillway's state of a VirtualService as the API answered it (any shape: annotations that are not strings
 * cannot come from an API server and are ignored).
 */
export function readObjectState(object: unknown): SpillwayState {
  const metadata = isRecord(object) ? object['metadata'] : undefined;
  const annotations = isRecord(metadata) ? metadata['annotations'] : undefined;
  const strings: Record<string, string> = {};
  if (isRecord(annotations))
    for (const [key, value] of Object.entries(annotations))
      if (typeof value === 'string') strings[key] = value;
  return readState(strings);
}

/** Whether `override` still holds at `now` (an unreadable `until` counts as ended). */
export function overrideInForce(override: Pick<OverrideState, 'until'>, now: Date): boolean {
  return (parseRfc3339(override.until)?.getTime() ?? Number.NaN) > now.getTime();
}

/** The annotation values to write for a state (`null` removes the annotation). */
export function stateAnnotations(state: {
  lastApplied: AppliedEntry;
  override?: OverrideState | undefined;
  history: readonly AppliedEntry[];
}): Record<string, string | null> {
  return {
    [Annotation.LastApplied]: JSON.stringify(state.lastApplied),
    [Annotation.Override]: state.override === undefined ? null : JSON.stringify(state.override),
    [Annotation.History]: JSON.stringify(state.history.slice(0, HISTORY_LENGTH)),
  };
}
