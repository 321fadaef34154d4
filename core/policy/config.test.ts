import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Value from 'typebox/value';
import {
  DEFAULT_FAILURE_POLICY,
  DEFAULT_THRESHOLD_POLICY,
  FAILURE_CAUSES,
  FailurePolicySchema,
  PolicyConfigSchema,
  parseFailurePolicy,
  parsePolicyConfig,
} from './index.js';

describe('parsePolicyConfig', () => {
  test('threshold defaults to the codelab: high 15, low 10', () => {
    assert.deepEqual(parsePolicyConfig({ kind: 'threshold' }), {
      ok: true,
      config: DEFAULT_THRESHOLD_POLICY,
    });
    assert.deepEqual(DEFAULT_THRESHOLD_POLICY, { kind: 'threshold', high: 15, low: 10 });
  });

  test('spillover needs a capacity and fills the rest in', () => {
    assert.deepEqual(parsePolicyConfig({ kind: 'spillover', capacity: 12.5 }), {
      ok: true,
      config: {
        kind: 'spillover',
        capacity: 12.5,
        step: 5,
        maxUpPerTick: 50,
        maxDownPerTick: 10,
        cooldownSeconds: 15,
        minDwellSeconds: 60,
        hysteresis: 0.25,
      },
    });
  });

  test('the input is not modified', () => {
    const input = { kind: 'spillover', capacity: 3 };
    parsePolicyConfig(input);
    assert.deepEqual(input, { kind: 'spillover', capacity: 3 });
  });

  test('every result checks against the schema', () => {
    for (const input of [{ kind: 'threshold' }, { kind: 'spillover', capacity: 1, step: 1, hysteresis: 0 }]) {
      const parsed = parsePolicyConfig(input);
      assert.ok(parsed.ok && Value.Check(PolicyConfigSchema, parsed.config));
    }
  });

  const bad: [unknown, string[]][] = [
    [undefined, ['policy must be an object (got nothing)']],
    ['threshold', ['policy must be an object (got "threshold")']],
    [{}, ['policy.kind must be one of threshold, spillover (got nothing)']],
    [{ kind: 'pid' }, ['policy.kind must be one of threshold, spillover (got "pid")']],
    [
      { kind: 'threshold', high: 10, low: 15 },
      ['policy.low must be below policy.high (got low 15, high 10)'],
    ],
    [
      { kind: 'threshold', high: 10, low: 10 },
      ['policy.low must be below policy.high (got low 10, high 10)'],
    ],
    [{ kind: 'threshold', high: '15' }, ['policy.high must be a number (got "15")']],
    [{ kind: 'threshold', low: -1 }, ['policy.low must be >= 0 (got -1)']],
    [{ kind: 'threshold', hihg: 20 }, ['policy.hihg is not a known field']],
    [{ kind: 'spillover' }, ['policy.capacity is required']],
    [{ kind: 'spillover', capacity: 0 }, ['policy.capacity must be > 0 (got 0)']],
    [
      { kind: 'spillover', capacity: 10, step: 0, maxUpPerTick: 2.5, hysteresis: 1.5 },
      [
        'policy.step must be >= 1 (got 0)',
        'policy.maxUpPerTick must be an integer (got 2.5)',
        'policy.hysteresis must be <= 1 (got 1.5)',
      ],
    ],
    [
      { kind: 'spillover', capacity: 10, cooldownSeconds: -5 },
      ['policy.cooldownSeconds must be >= 0 (got -5)'],
    ],
  ];
  for (const [input, problems] of bad)
    test(`rejects ${JSON.stringify(input)}`, () => {
      assert.deepEqual(parsePolicyConfig(input), { ok: false, problems });
    });

  test('names the field under the path the caller gives', () => {
    assert.deepEqual(parsePolicyConfig({ kind: 'threshold', low: 'x' }, 'targets[1].policy'), {
      ok: false,
      problems: ['targets[1].policy.low must be a number (got "x")'],
    });
  });
});

describe('parseFailurePolicy', () => {
  test('defaults: every cause holds, stale after 300 s, one series', () => {
    const parsed = parseFailurePolicy(undefined);
    assert.deepEqual(parsed, { ok: true, config: DEFAULT_FAILURE_POLICY });
    assert.equal(DEFAULT_FAILURE_POLICY.staleAfterSeconds, 300);
    assert.equal(DEFAULT_FAILURE_POLICY.maxSeries, 1);
    for (const cause of FAILURE_CAUSES) assert.equal(DEFAULT_FAILURE_POLICY.actions[cause], 'hold');
    assert.ok(Value.Check(FailurePolicySchema, DEFAULT_FAILURE_POLICY));
  });

  test('one cause set to primary, the others still hold', () => {
    const parsed = parseFailurePolicy({
      actions: { 'source-unreachable': 'primary' },
      staleAfterSeconds: 90,
    });
    assert.ok(parsed.ok);
    assert.equal(parsed.config.staleAfterSeconds, 90);
    assert.equal(parsed.config.actions['source-unreachable'], 'primary');
    assert.equal(parsed.config.actions.stale, 'hold');
  });

  const bad: [unknown, string[]][] = [
    ['hold', ['failures must be an object (got "hold")']],
    [
      { actions: { stale: 'rollback' } },
      ['failures.actions.stale must be one of hold, primary (got "rollback")'],
    ],
    [{ actions: { 'no-data': 'hold' } }, ['failures.actions.no-data is not a known field']],
    [{ staleAfterSeconds: 0 }, ['failures.staleAfterSeconds must be >= 1 (got 0)']],
    [{ maxSeries: 1.5 }, ['failures.maxSeries must be an integer (got 1.5)']],
  ];
  for (const [input, problems] of bad)
    test(`rejects ${JSON.stringify(input)}`, () => {
      assert.deepEqual(parseFailurePolicy(input), { ok: false, problems });
    });
});
