import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_FAILURE_POLICY,
  DEFAULT_THRESHOLD_POLICY,
  FAILURE_CAUSES,
  checkObservation,
  decide,
  nextState,
  parseFailurePolicy,
  parsePolicyConfig,
  type FailureCause,
  type FailurePolicy,
  type Observation,
  type PolicyConfig,
  type PolicyState,
} from './index.js';

const now = new Date('2026-11-26T10:00:00Z');
const ago = (s: number) => new Date(now.getTime() - s * 1000);
const reading = (rps: number, extra: Partial<Extract<Observation, { ok: true }>> = {}): Observation => ({
  ok: true,
  rps,
  at: ago(2),
  source: 'prometheus',
  query: 'sum(rate(istio_requests_total[15s]))',
  series: 1,
  ...extra,
});

const spill = parsePolicyConfig({ kind: 'spillover', capacity: 10 });
assert.ok(spill.ok);
const policies: [string, PolicyConfig][] = [
  ['threshold', DEFAULT_THRESHOLD_POLICY],
  ['spillover', spill.config],
];

/** One observation per failure cause, the way a source (or the raw value) produces it. */
const failing: [FailureCause, Observation][] = [
  [
    'source-unreachable',
    { ok: false, cause: 'source-unreachable', detail: 'connect ECONNREFUSED 127.0.0.1:9090' },
  ],
  ['source-timeout', { ok: false, cause: 'source-timeout', detail: 'no answer within 2000 ms' }],
  ['empty', reading(0, { series: 0 })],
  ['not-finite', reading(NaN)],
  ['negative', reading(-3)],
  ['stale', reading(20, { at: ago(301) })],
  ['too-many-series', reading(20, { series: 4 })],
];

function allTo(action: 'hold' | 'primary'): FailurePolicy {
  return {
    ...DEFAULT_FAILURE_POLICY,
    actions: Object.fromEntries(FAILURE_CAUSES.map((c) => [c, action])) as FailurePolicy['actions'],
  };
}

test('every failure cause has a case here', () => {
  assert.deepEqual(failing.map(([cause]) => cause).sort(), [...FAILURE_CAUSES].sort());
});

describe('checkObservation turns raw values into causes', () => {
  const table: [string, Observation, FailureCause | 'ok'][] = [
    ['a fresh finite rate', reading(12.5), 'ok'],
    ['a rate of 0 from one series is a real 0', reading(0), 'ok'],
    ['no series', reading(0, { series: 0 }), 'empty'],
    ['NaN', reading(NaN), 'not-finite'],
    ['+Inf', reading(Infinity), 'not-finite'],
    ['-Inf', reading(-Infinity), 'not-finite'],
    ['below 0', reading(-0.5), 'negative'],
    ['two series when one is expected', reading(3, { series: 2 }), 'too-many-series'],
    ['exactly staleAfterSeconds old', reading(3, { at: ago(300) }), 'ok'],
    ['older than staleAfterSeconds', reading(3, { at: ago(300.5) }), 'stale'],
    ['an invalid sample time', reading(3, { at: new Date(NaN) }), 'stale'],
    ['a sample from the future (clock skew)', reading(3, { at: ago(-30) }), 'ok'],
    [
      'a source failure passes through',
      { ok: false, cause: 'source-timeout', detail: 'x' },
      'source-timeout',
    ],
  ];
  for (const [name, observation, expected] of table)
    test(`${name} → ${expected}`, () => {
      const checked = checkObservation(observation, DEFAULT_FAILURE_POLICY, now);
      assert.equal(checked.ok ? 'ok' : checked.cause, expected);
    });

  test('maxSeries and staleAfterSeconds are configurable', () => {
    const loose = parseFailurePolicy({ maxSeries: 3, staleAfterSeconds: 30 });
    assert.ok(loose.ok);
    assert.equal(checkObservation(reading(3, { series: 3 }), loose.config, now).ok, true);
    const stale = checkObservation(reading(3, { at: ago(31) }), loose.config, now);
    assert.ok(!stale.ok);
    assert.equal(stale.detail, 'the prometheus query returned a sample 31 s old (stale after 30 s)');
  });
});

describe('failure actions', () => {
  for (const [kind, policy] of policies)
    for (const [cause, observation] of failing) {
      test(`${kind}, ${cause}, default action: hold, logged with its cause`, () => {
        const state: PolicyState = {
          weights: { primary: 40, burst: 60 },
          changedAt: ago(600),
          lastDirection: 'up',
        };
        const verdict = decide({ policy, state, observation, now });
        assert.equal(verdict.action, 'hold');
        assert.equal(verdict.cause, cause);
        assert.match(verdict.reason, new RegExp(`on ${cause}: holding primary 40 / burst 60$`));
        assert.equal(nextState(state, verdict, now), state);
      });

      test(`${kind}, ${cause}, action primary: 100/0 at once`, () => {
        const state: PolicyState = {
          weights: { primary: 40, burst: 60 },
          changedAt: ago(1),
          lastDirection: 'up',
        };
        const verdict = decide({ policy, failures: allTo('primary'), state, observation, now });
        assert.equal(verdict.action, 'publish');
        assert.equal(verdict.cause, cause);
        if (verdict.action === 'publish') assert.deepEqual(verdict.weights, { primary: 100, burst: 0 });
        assert.match(verdict.reason, new RegExp(`on ${cause}: all traffic back to primary$`));
      });

      test(`${kind}, ${cause}, action primary, already on primary: hold`, () => {
        const verdict = decide({
          policy,
          failures: allTo('primary'),
          state: { weights: { primary: 100, burst: 0 } },
          observation,
          now,
        });
        assert.equal(verdict.action, 'hold');
        assert.equal(verdict.cause, cause);
      });
    }

  test('cold start: hold has nothing to keep, primary publishes', () => {
    const [, observation] = failing[0] as [FailureCause, Observation];
    const held = decide({ policy: DEFAULT_THRESHOLD_POLICY, state: undefined, observation, now });
    assert.equal(held.action, 'hold');
    assert.match(held.reason, /holding the current weights$/);
    const moved = decide({
      policy: DEFAULT_THRESHOLD_POLICY,
      failures: allTo('primary'),
      state: undefined,
      observation,
      now,
    });
    assert.equal(moved.action, 'publish');
  });

  test('only the configured cause moves to primary', () => {
    const parsed = parseFailurePolicy({ actions: { stale: 'primary' } });
    assert.ok(parsed.ok);
    const state: PolicyState = { weights: { primary: 0, burst: 100 } };
    for (const [cause, observation] of failing) {
      const verdict = decide({
        policy: DEFAULT_THRESHOLD_POLICY,
        failures: parsed.config,
        state,
        observation,
        now,
      });
      assert.equal(verdict.action, cause === 'stale' ? 'publish' : 'hold', cause);
    }
  });

  test('no data is never read as a rate of 0: empty holds the burst weights', () => {
    const state: PolicyState = { weights: { primary: 0, burst: 100 } };
    const verdict = decide({
      policy: DEFAULT_THRESHOLD_POLICY,
      state,
      observation: reading(0, { series: 0 }),
      now,
    });
    assert.deepEqual([verdict.action, verdict.cause], ['hold', 'empty']);
  });

  test('after a failure action the policy resumes without waiting for cooldown or dwell', () => {
    const spillover = spill.config;
    let state: PolicyState | undefined = {
      weights: { primary: 40, burst: 60 },
      changedAt: ago(5),
      lastDirection: 'up',
    };
    const failure = decide({
      policy: spillover,
      failures: allTo('primary'),
      state,
      observation: failing[0]?.[1] as Observation,
      now,
    });
    state = nextState(state, failure, now);
    const back = decide({ policy: spillover, state, observation: reading(20), now });
    assert.equal(back.action, 'publish');
    if (back.action === 'publish') assert.equal(back.weights.burst, 50);
  });
});
