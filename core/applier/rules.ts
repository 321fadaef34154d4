import { DecisionKind, type DecisionMessage } from '../decision/message.js';
import { formatRfc3339, parseRfc3339 } from '../decision/rfc3339.js';
import { formatWeights, sameWeights, type Weights } from '../weights.js';
import {
  HISTORY_LENGTH,
  overrideInForce,
  type AppliedEntry,
  type OverrideState,
  type SpillwayState,
} from './state.js';

/**
 * The applier's rules (the contract in the architecture notes), as one pure function of the message, the
 * state read from the VirtualService's annotations, the weights in force and the time:
 *   - a message whose id was already applied (last-applied, override, history) is a duplicate: nothing;
 *   - an auto decision issued before the last applied one is stale: nothing;
 *   - an auto decision while an unexpired override holds is suppressed: nothing (logged);
 *   - an override or release issued before the newest operator message applied is stale: nothing;
 *   - an override whose `until` has passed when it arrives: nothing;
 *   - a release without an override: nothing; with one (even expired): the override ends, weights stay;
 *   - an auto decision that changes neither the weights nor the state: nothing (no write).
 */

export const Outcome = {
  Applied: 'applied',
  OverrideSet: 'override-set',
  Released: 'released',
  Duplicate: 'duplicate',
  Stale: 'stale',
  Suppressed: 'suppressed',
  Unchanged: 'unchanged',
  Expired: 'expired',
  NoOverride: 'no-override',
} as const;
export type Outcome = (typeof Outcome)[keyof typeof Outcome];

export type Plan =
  | {
      write: true;
      outcome: typeof Outcome.Applied | typeof Outcome.OverrideSet | typeof Outcome.Released;
      /** The weights to set; undefined leaves them as they are (a release). */
      weights?: Weights;
      lastApplied: AppliedEntry;
      /** The override in force after the write; undefined removes the annotation. */
      override?: OverrideState;
      history: AppliedEntry[];
      reason: string;
    }
  | { write: false; outcome: Exclude<Outcome, 'applied' | 'override-set' | 'released'>; reason: string };

const time = (text: string): number => parseRfc3339(text)?.getTime() ?? Number.NaN;

function knownIds(state: SpillwayState): Set<string> {
  const ids = new Set(state.history.map((e) => e.id));
  if (state.lastApplied !== undefined) ids.add(state.lastApplied.id);
  if (state.override !== undefined) ids.add(state.override.id);
  return ids;
}

/** The newest operator message (override or release) the state remembers. */
function newestOperatorEntry(state: SpillwayState): AppliedEntry | undefined {
  const entries = [...(state.lastApplied === undefined ? [] : [state.lastApplied]), ...state.history];
  let newest: AppliedEntry | undefined;
  for (const e of entries) {
    if (e.kind === DecisionKind.Auto) continue;
    if (newest === undefined || time(e.issuedAt) > time(newest.issuedAt)) newest = e;
  }
  return newest;
}

export function planApply(
  message: DecisionMessage,
  state: SpillwayState,
  current: Weights | undefined,
  now: Date,
): Plan {
  if (knownIds(state).has(message.id))
    return { write: false, outcome: Outcome.Duplicate, reason: `decision ${message.id} was already applied` };

  const issued = time(message.issuedAt);
  const override = state.override;
  const overrideActive = override !== undefined && overrideInForce(override, now);

  const entry = (weights: Weights): AppliedEntry => ({
    id: message.id,
    kind: message.kind,
    issuedAt: message.issuedAt,
    weights: { primary: weights.primary, burst: weights.burst },
    reason: message.reason,
    appliedAt: formatRfc3339(now),
  });
  const history = (e: AppliedEntry): AppliedEntry[] => [e, ...state.history].slice(0, HISTORY_LENGTH);

  if (message.kind === DecisionKind.Auto) {
    const last = state.lastApplied;
    if (last !== undefined && issued < time(last.issuedAt))
      return {
        write: false,
        outcome: Outcome.Stale,
        reason: `decision issued at ${message.issuedAt} is older than the last applied one (${last.id}, issued at ${last.issuedAt})`,
      };
    if (overrideActive)
      return {
        write: false,
        outcome: Outcome.Suppressed,
        reason: `override ${override.id} (${formatWeights(override.weights)}) holds until ${override.until}`,
      };
    if (current !== undefined && sameWeights(current, message.weights) && override === undefined)
      return {
        write: false,
        outcome: Outcome.Unchanged,
        reason: `weights already ${formatWeights(current)}`,
      };
    const e = entry(message.weights);
    return {
      write: true,
      outcome: Outcome.Applied,
      weights: message.weights,
      lastApplied: e,
      history: history(e),
      reason:
        override === undefined
          ? message.reason
          : `${message.reason} (override ${override.id} expired at ${override.until})`,
    };
  }

  const newest = newestOperatorEntry(state);
  if (newest !== undefined && issued < time(newest.issuedAt))
    return {
      write: false,
      outcome: Outcome.Stale,
      reason: `a newer operator message (${newest.id}, ${newest.kind}, issued at ${newest.issuedAt}) was already applied`,
    };

  if (message.kind === DecisionKind.Override) {
    const until = message.until ?? message.issuedAt;
    if (time(until) <= now.getTime())
      return {
        write: false,
        outcome: Outcome.Expired,
        reason: `override expired at ${until}, before it arrived`,
      };
    const e = entry(message.weights);
    return {
      write: true,
      outcome: Outcome.OverrideSet,
      weights: message.weights,
      lastApplied: e,
      override: { weights: { ...message.weights }, until, reason: message.reason, id: message.id },
      history: history(e),
      reason: message.reason,
    };
  }

  // Release: the override ends; the weights stay until the next auto decision.
  if (override === undefined)
    return { write: false, outcome: Outcome.NoOverride, reason: 'no override to release' };
  const e = entry(current ?? override.weights);
  return {
    write: true,
    outcome: Outcome.Released,
    lastApplied: e,
    history: history(e),
    reason: overrideActive
      ? `${message.reason} (ends override ${override.id})`
      : `${message.reason} (override ${override.id} had expired at ${override.until})`,
  };
}
