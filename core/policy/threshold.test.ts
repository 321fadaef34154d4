import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_THRESHOLD_POLICY, decide, nextState, type PolicyState, type Verdict } from './index.js';

const now = new Date('2026-11-26T10:00:00Z');
const primary = { primary: 100, burst: 0 };
const burst = { primary: 0, burst: 100 };

function tick(rps: number, state: PolicyState | undefined): Verdict {
  return decide({
    policy: DEFAULT_THRESHOLD_POLICY,
    state,
    observation: { ok: true, rps, at: now, source: 'prometheus', query: 'q', series: 1 },
    now,
  });
}

describe('threshold policy (the codelab: high 15, low 10)', () => {
  const table: [string, number, PolicyState | undefined, string, string, typeof primary | undefined][] = [
    // name, rps, state, action, cause, weights
    ['cold start above high', 20, undefined, 'publish', 'above-high', burst],
    ['cold start below low', 3, undefined, 'publish', 'below-low', primary],
    ['cold start between', 12, undefined, 'hold', 'between-thresholds', undefined],
    ['on primary, above high', 15.01, { weights: primary }, 'publish', 'above-high', burst],
    ['on primary, exactly high', 15, { weights: primary }, 'hold', 'between-thresholds', undefined],
    ['on primary, between', 14, { weights: primary }, 'hold', 'between-thresholds', undefined],
    ['on primary, below low', 2, { weights: primary }, 'hold', 'unchanged', undefined],
    ['on primary, zero rate', 0, { weights: primary }, 'hold', 'unchanged', undefined],
    ['on burst, between', 11, { weights: burst }, 'hold', 'between-thresholds', undefined],
    ['on burst, exactly low', 10, { weights: burst }, 'hold', 'between-thresholds', undefined],
    ['on burst, below low', 9.99, { weights: burst }, 'publish', 'below-low', primary],
    ['on burst, above high', 40, { weights: burst }, 'hold', 'unchanged', undefined],
    [
      'on an override split, above high',
      40,
      { weights: { primary: 70, burst: 30 } },
      'publish',
      'above-high',
      burst,
    ],
    [
      'on an override split, below low',
      1,
      { weights: { primary: 70, burst: 30 } },
      'publish',
      'below-low',
      primary,
    ],
  ];
  for (const [name, rps, state, action, cause, weights] of table)
    test(`${name}: ${rps} req/s → ${action} ${cause}`, () => {
      const verdict = tick(rps, state);
      assert.equal(verdict.action, action);
      assert.equal(verdict.cause, cause);
      if (verdict.action === 'publish') assert.deepEqual(verdict.weights, weights);
    });

  test('reasons say what happened in words', () => {
    assert.equal(tick(20, undefined).reason, 'rate 20 req/s is above high 15 req/s: all traffic to burst');
    assert.equal(
      tick(3.456, { weights: burst }).reason,
      'rate 3.46 req/s is below low 10 req/s: all traffic to primary',
    );
    assert.equal(
      tick(12, { weights: burst }).reason,
      'rate 12 req/s is between low 10 and high 15 req/s: holding primary 0 / burst 100',
    );
    assert.match(tick(40, { weights: burst }).reason, /\(already primary 0 \/ burst 100\)$/);
  });

  test('the codelab scenario: ramp up, hold, ramp down', () => {
    let state: PolicyState | undefined;
    const published: string[] = [];
    for (const rps of [0, 5, 9, 12, 16, 20, 14, 11, 10, 9, 4]) {
      const verdict = tick(rps, state);
      if (verdict.action === 'publish') published.push(`${rps}:${verdict.weights.burst}`);
      state = nextState(state, verdict, now);
    }
    assert.deepEqual(published, ['0:0', '16:100', '9:0']);
  });
});
