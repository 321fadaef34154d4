import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { DecisionMessage } from '../decision/message.js';
import { planApply, Outcome, type Plan } from './rules.js';
import { HISTORY_LENGTH, type AppliedEntry, type SpillwayState } from './state.js';

const target = { namespace: 'default', virtualService: 'worker-virtual-service' };
const now = new Date('2026-11-26T10:00:00Z');
const at = (seconds: number) => new Date(now.getTime() + seconds * 1000).toISOString();

function auto(id: string, issuedSeconds: number, burst: number): DecisionMessage {
  return {
    version: 1,
    id,
    kind: 'auto',
    issuedAt: at(issuedSeconds),
    target,
    weights: { primary: 100 - burst, burst },
    reason: `rate says ${burst}`,
  };
}
function override(id: string, issuedSeconds: number, burst: number, untilSeconds: number): DecisionMessage {
  return { ...auto(id, issuedSeconds, burst), kind: 'override', reason: 'operator', until: at(untilSeconds) };
}
function release(id: string, issuedSeconds: number): DecisionMessage {
  return { ...auto(id, issuedSeconds, 0), kind: 'release', reason: 'operator: auto' };
}
function entry(m: DecisionMessage): AppliedEntry {
  return {
    id: m.id,
    kind: m.kind,
    issuedAt: m.issuedAt,
    weights: m.weights,
    reason: m.reason,
    appliedAt: m.issuedAt,
  };
}
const empty: SpillwayState = { history: [], problems: [] };
const P = { primary: 100, burst: 0 };
const B = { primary: 0, burst: 100 };

/** The state after a plan was written, as the next read will see it. */
function after(plan: Plan): SpillwayState {
  assert.equal(plan.write, true, `expected a write, got ${plan.outcome}: ${plan.reason}`);
  if (!plan.write) throw new Error('unreachable');
  return {
    lastApplied: plan.lastApplied,
    ...(plan.override ? { override: plan.override } : {}),
    history: plan.history,
    problems: [],
  };
}

describe('planApply', () => {
  test('an auto decision that changes the weights is applied and recorded', () => {
    const m = auto('a1', -1, 100);
    const plan = planApply(m, empty, P, now);
    assert.equal(plan.outcome, Outcome.Applied);
    assert.ok(plan.write);
    assert.deepEqual(plan.weights, B);
    assert.deepEqual(plan.lastApplied, { ...entry(m), appliedAt: now.toISOString() });
    assert.equal(plan.override, undefined);
    assert.deepEqual(
      plan.history.map((e) => e.id),
      ['a1'],
    );
  });

  test('nothing to change: no write', () => {
    assert.equal(planApply(auto('a1', -1, 0), empty, P, now).write, false);
    assert.equal(planApply(auto('a1', -1, 0), empty, P, now).outcome, Outcome.Unchanged);
  });

  test('weights the route does not hold consistently (undefined) are always written', () => {
    assert.equal(planApply(auto('a1', -1, 0), empty, undefined, now).outcome, Outcome.Applied);
  });

  test('a duplicate id is a no-op, whether it is last-applied, the override or in the history', () => {
    const a = auto('a1', -5, 100);
    const s1 = after(planApply(a, empty, P, now));
    assert.equal(planApply(a, s1, B, now).outcome, Outcome.Duplicate);
    const o = override('o1', -4, 0, 600);
    const s2 = after(planApply(o, s1, B, now));
    assert.equal(planApply(o, s2, P, now).outcome, Outcome.Duplicate);
    assert.equal(planApply(a, s2, P, now).outcome, Outcome.Duplicate, 'a1 is in the history');
  });

  test('an auto decision older than the last applied one is ignored (out-of-order delivery)', () => {
    const s = after(planApply(auto('new', -1, 100), empty, P, now));
    const plan = planApply(auto('old', -2, 0), s, B, now);
    assert.equal(plan.outcome, Outcome.Stale);
    assert.match(plan.reason, /older than the last applied one \(new/);
    assert.equal(
      planApply(auto('same-time', -1, 0), s, B, now).outcome,
      Outcome.Applied,
      'equal times apply',
    );
  });

  test('an override holds: auto decisions are suppressed until it expires, then apply and clear it', () => {
    const s = after(planApply(override('o1', -1, 100, 30), empty, P, now));
    assert.deepEqual(s.override, { weights: B, until: at(30), reason: 'operator', id: 'o1' });
    const during = planApply(auto('a1', 10, 0), s, B, new Date(now.getTime() + 10_000));
    assert.equal(during.outcome, Outcome.Suppressed);
    assert.match(during.reason, /override o1 \(primary 0 \/ burst 100\) holds until/);
    const later = new Date(now.getTime() + 31_000);
    const expiredSame = planApply(auto('a2', 31, 100), s, B, later);
    assert.equal(expiredSame.outcome, Outcome.Applied, 'same weights, but the expired override is cleared');
    assert.ok(expiredSame.write);
    assert.equal(expiredSame.override, undefined);
    assert.match(expiredSame.reason, /override o1 expired/);
  });

  test('release ends the override and keeps the weights; without an override it does nothing', () => {
    const s = after(planApply(override('o1', -2, 100, 600), empty, P, now));
    const plan = planApply(release('r1', -1), s, B, now);
    assert.equal(plan.outcome, Outcome.Released);
    assert.ok(plan.write);
    assert.equal(plan.weights, undefined, 'a release never applies its placeholder weights');
    assert.equal(plan.override, undefined);
    assert.deepEqual(plan.lastApplied.weights, B, 'last-applied records the weights in force');
    const s2 = after(plan);
    assert.equal(planApply(auto('a1', 0, 0), s2, B, now).outcome, Outcome.Applied, 'auto applies again');
    assert.equal(planApply(release('r2', 0), s2, B, now).outcome, Outcome.NoOverride);
  });

  test('an override that expired before it arrived is ignored', () => {
    const plan = planApply(override('o1', -60, 100, -1), empty, P, now);
    assert.equal(plan.outcome, Outcome.Expired);
  });

  test('an operator message older than the newest applied operator message is stale', () => {
    const s = after(planApply(override('o2', -1, 100, 600), empty, P, now));
    assert.equal(planApply(override('o1', -2, 0, 600), s, B, now).outcome, Outcome.Stale);
    assert.equal(planApply(release('r0', -3), s, B, now).outcome, Outcome.Stale);
    // Auto decisions in between do not hide the operator's order.
    const s2 = after(planApply(release('r1', 0), s, B, now));
    const s3 = after(planApply(auto('a1', 1, 0), s2, B, now));
    assert.equal(planApply(override('o1', -2, 0, 600), s3, P, now).outcome, Outcome.Stale);
  });

  test('an override replaces an active one', () => {
    const s = after(planApply(override('o1', -2, 100, 600), empty, P, now));
    const plan = planApply(override('o2', -1, 30, 60), s, B, now);
    assert.equal(plan.outcome, Outcome.OverrideSet);
    assert.ok(plan.write);
    assert.deepEqual(plan.override?.weights, { primary: 70, burst: 30 });
    assert.equal(plan.override?.id, 'o2');
  });

  test(`the history keeps the newest ${HISTORY_LENGTH}`, () => {
    let s = empty;
    let current = P;
    for (let i = 0; i < HISTORY_LENGTH + 5; i++) {
      const m = auto(`a${i}`, i, i % 2 === 0 ? 100 : 0);
      const plan = planApply(m, s, current, now);
      s = after(plan);
      current = m.weights;
    }
    assert.equal(s.history.length, HISTORY_LENGTH);
    assert.equal(s.history[0]?.id, `a${HISTORY_LENGTH + 4}`);
  });
});
