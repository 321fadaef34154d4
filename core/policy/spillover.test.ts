import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decide,
  excessPercent,
  nextState,
  parsePolicyConfig,
  spilloverTarget,
  type PolicyState,
  type SpilloverPolicy,
  type Verdict,
} from './index.js';

const now = new Date('2026-11-26T10:00:00Z');
const secondsAgo = (s: number) => new Date(now.getTime() - s * 1000);

/** capacity 10 req/s and every default: step 5, up 50, down 10, cooldown 15 s, dwell 60 s, hysteresis 0.25. */
const parsed = parsePolicyConfig({ kind: 'spillover', capacity: 10 });
assert.ok(parsed.ok && parsed.config.kind === 'spillover');
const policy: SpilloverPolicy = parsed.config;

function at(burst: number, changedSecondsAgo?: number, lastDirection?: 'up' | 'down'): PolicyState {
  const state: PolicyState = { weights: { primary: 100 - burst, burst } };
  if (changedSecondsAgo !== undefined) state.changedAt = secondsAgo(changedSecondsAgo);
  if (lastDirection !== undefined) state.lastDirection = lastDirection;
  return state;
}

function tick(rps: number, state: PolicyState | undefined, p: SpilloverPolicy = policy): Verdict {
  return decide({
    policy: p,
    state,
    observation: { ok: true, rps, at: now, source: 'prometheus', query: 'q', series: 1 },
    now,
  });
}

describe('excessPercent and spilloverTarget', () => {
  const table: [number, number, number, number][] = [
    // rps, capacity, excess %, target with step 5
    [0, 10, 0, 0],
    [5, 10, 0, 0],
    [10, 10, 0, 0],
    [10.1, 10, 1, 5],
    [12, 10, 17, 20],
    [12.5, 10, 20, 20],
    [20, 10, 50, 50],
    [30, 10, 67, 70],
    [100, 10, 90, 90],
    [1e9, 10, 100, 100],
  ];
  for (const [rps, capacity, excess, target] of table)
    test(`${rps} req/s over ${capacity}: excess ${excess} %, target ${target} %`, () => {
      assert.equal(excessPercent(rps, capacity), excess);
      assert.equal(spilloverTarget(rps, { capacity, step: 5 }), target);
    });
});

describe('spillover policy (capacity 10, defaults)', () => {
  const table: [string, number, PolicyState | undefined, string, string, number | undefined][] = [
    // name, rps, state, action, cause, burst % published
    ['cold start under capacity', 5, undefined, 'publish', 'cold-start', 0],
    ['cold start far over capacity: the target, no slew', 30, undefined, 'publish', 'cold-start', 70],
    ['at capacity', 10, at(0, 3600, 'up'), 'hold', 'unchanged', undefined],
    ['just over capacity', 10.1, at(0, 3600, 'up'), 'publish', 'spill-increase', 5],
    ['over capacity', 12, at(0, 3600, 'down'), 'publish', 'spill-increase', 20],
    ['far over: cut to maxUpPerTick', 100, at(0, 3600, 'up'), 'publish', 'slew-limited', 50],
    ['right where it should be', 12, at(20, 3600, 'up'), 'hold', 'unchanged', undefined],
    [
      'a little lower, inside the hysteresis band',
      11,
      at(20, 3600, 'up'),
      'hold',
      'within-hysteresis',
      undefined,
    ],
    ['lower, beyond the band', 9, at(20, 3600, 'up'), 'publish', 'spill-decrease', 15],
    ['far lower: cut to maxDownPerTick', 5, at(70, 3600, 'up'), 'publish', 'slew-limited', 60],
    ['up again inside the cooldown', 30, at(20, 10, 'up'), 'hold', 'cooldown', undefined],
    ['down inside the cooldown', 5, at(20, 10, 'up'), 'hold', 'cooldown', undefined],
    ['reversal after the cooldown but inside min dwell', 5, at(20, 30, 'up'), 'hold', 'min-dwell', undefined],
    [
      'same direction after the cooldown, inside min dwell',
      30,
      at(20, 30, 'up'),
      'publish',
      'spill-increase',
      70,
    ],
    ['reversal after min dwell', 5, at(20, 60, 'up'), 'publish', 'slew-limited', 10],
    ['up after a down, inside min dwell', 30, at(20, 30, 'down'), 'hold', 'min-dwell', undefined],
    ['no change time known (after a failure action)', 30, at(0), 'publish', 'slew-limited', 50],
    ['off the step grid (an override left 33)', 30, at(33, 3600, 'up'), 'publish', 'spill-increase', 70],
    ['off the grid, down', 0, at(33, 3600, 'up'), 'publish', 'slew-limited', 23],
  ];
  for (const [name, rps, state, action, cause, burst] of table)
    test(`${name}: ${rps} req/s → ${action} ${cause}${burst === undefined ? '' : ` ${burst} %`}`, () => {
      const verdict = tick(rps, state);
      assert.equal(verdict.action, action, verdict.reason);
      assert.equal(verdict.cause, cause, verdict.reason);
      if (verdict.action === 'publish')
        assert.deepEqual(verdict.weights, { primary: 100 - (burst ?? 0), burst });
    });

  test('reasons give the rate, the capacity and the move', () => {
    assert.equal(
      tick(12, at(0, 3600, 'up')).reason,
      'rate 12 req/s, capacity 10 req/s: burst 20 % wanted; burst 0 → 20 %',
    );
    assert.equal(
      tick(100, at(0, 3600, 'up')).reason,
      'rate 100 req/s, capacity 10 req/s: burst 90 % wanted; burst 0 → 50 % (maxUpPerTick 50)',
    );
    assert.match(
      tick(30, at(20, 10, 'up')).reason,
      /the last change was 10 s ago \(cooldown 15 s\); holding burst 20 %$/,
    );
    assert.match(
      tick(11, at(20, 3600, 'up')).reason,
      /the rate \+ 25 % still asks for 30 %; holding burst 20 %$/,
    );
  });

  test('a zero hysteresis follows the plain target down', () => {
    const verdict = tick(11, at(20, 3600, 'up'), { ...policy, hysteresis: 0 });
    assert.equal(verdict.action, 'publish');
    assert.equal(verdict.cause, 'spill-decrease');
  });

  test('±10 % noise at 12.5 req/s flaps without hysteresis, holds with the default', () => {
    const trail = (hysteresis: number) => {
      const p = { ...policy, hysteresis, cooldownSeconds: 0, minDwellSeconds: 0, maxDownPerTick: 50 };
      let state: PolicyState | undefined = at(20);
      const out: string[] = [];
      for (const rps of [13.75, 11.25, 13.75, 11.25, 13.75, 11.25]) {
        const verdict = tick(rps, state, p);
        out.push(verdict.action === 'publish' ? String(verdict.weights.burst) : '-');
        state = nextState(state, verdict, now);
      }
      return out;
    };
    assert.deepEqual(trail(0), ['30', '15', '30', '15', '30', '15']);
    assert.deepEqual(trail(policy.hysteresis), ['30', '-', '-', '-', '-', '-']);
  });

  test('a load step up and back down, tick by tick (60 s apart)', () => {
    let state: PolicyState | undefined;
    const trail: string[] = [];
    let time = now.getTime();
    for (const rps of [5, 8, 40, 40, 40, 40, 8, 8, 8, 8, 8, 8, 8, 8, 8]) {
      const tickNow = new Date(time);
      const verdict = decide({
        policy,
        state,
        observation: { ok: true, rps, at: tickNow, source: 'p', query: 'q', series: 1 },
        now: tickNow,
      });
      trail.push(verdict.action === 'publish' ? String(verdict.weights.burst) : '-');
      state = nextState(state, verdict, tickNow);
      time += 60_000;
    }
    // 40 req/s over 10 wants 75 %: +50, then +25; 8 req/s (+25 % = 10) wants 0: −10 per tick.
    assert.deepEqual(trail, [
      '0',
      '-',
      '50',
      '75',
      '-',
      '-',
      '65',
      '55',
      '45',
      '35',
      '25',
      '15',
      '5',
      '0',
      '-',
    ]);
  });
});

describe('nextState', () => {
  const verdictTo = (burst: number, cause: 'spill-increase' | 'cold-start' | 'stale'): Verdict => ({
    action: 'publish',
    weights: { primary: 100 - burst, burst },
    cause,
    reason: 'r',
  });
  test('a hold keeps the state as it was', () => {
    const state = at(20, 100, 'up');
    assert.equal(nextState(state, { action: 'hold', cause: 'cooldown', reason: 'r' }, now), state);
    assert.equal(nextState(undefined, { action: 'hold', cause: 'empty', reason: 'r' }, now), undefined);
  });
  test('a policy change records when and which way', () => {
    assert.deepEqual(nextState(at(20, 100, 'down'), verdictTo(30, 'spill-increase'), now), {
      weights: { primary: 70, burst: 30 },
      changedAt: now,
      lastDirection: 'up',
    });
    assert.equal(nextState(at(50, 100, 'up'), verdictTo(30, 'spill-increase'), now)?.lastDirection, 'down');
  });
  test('a cold start records when only', () => {
    assert.deepEqual(nextState(undefined, verdictTo(70, 'cold-start'), now), {
      weights: { primary: 30, burst: 70 },
      changedAt: now,
    });
  });
  test('a failure action records the weights only, so the policy resumes at once', () => {
    assert.deepEqual(nextState(at(70, 5, 'up'), verdictTo(0, 'stale'), now), {
      weights: { primary: 100, burst: 0 },
    });
  });
});
