import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import Value from 'typebox/value';
import {
  WeightsSchema,
  formatWeights,
  quantise,
  sameWeights,
  validateWeights,
  weightsFromBurstPercent,
  type Weights,
} from './weights.js';

describe('validateWeights', () => {
  const cases: [Weights, string | undefined][] = [
    [{ primary: 100, burst: 0 }, undefined],
    [{ primary: 0, burst: 100 }, undefined],
    [{ primary: 70, burst: 30 }, undefined],
    [{ primary: 60, burst: 60 }, 'weights must sum to 100 (got 60 + 60 = 120)'],
    [{ primary: 10, burst: 10 }, 'weights must sum to 100 (got 10 + 10 = 20)'],
    [{ primary: 50.5, burst: 49.5 }, 'weights.primary must be an integer from 0 to 100 (got 50.5)'],
    [{ primary: 101, burst: -1 }, 'weights.primary must be an integer from 0 to 100 (got 101)'],
    [{ primary: 100, burst: -0.5 }, 'weights.burst must be an integer from 0 to 100 (got -0.5)'],
    [
      { primary: '50', burst: 50 } as unknown as Weights,
      'weights.primary must be an integer from 0 to 100 (got "50")',
    ],
    [{ primary: NaN, burst: 50 }, 'weights.primary must be an integer from 0 to 100 (got NaN)'],
  ];
  for (const [weights, expected] of cases)
    test(`${JSON.stringify(weights)} → ${expected ?? 'valid'}`, () => {
      assert.equal(validateWeights(weights), expected);
    });

  test('agrees with the schema on integer pairs summing to 100', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100 }), (burst) => {
        const w = weightsFromBurstPercent(burst);
        assert.equal(validateWeights(w), undefined);
        assert.ok(Value.Check(WeightsSchema, w));
      }),
    );
  });
});

describe('weightsFromBurstPercent', () => {
  test('splits 100 between the two subsets', () => {
    assert.deepEqual(weightsFromBurstPercent(30), { primary: 70, burst: 30 });
    assert.deepEqual(weightsFromBurstPercent(0), { primary: 100, burst: 0 });
    assert.deepEqual(weightsFromBurstPercent(100), { primary: 0, burst: 100 });
  });
  test('refuses anything but an integer from 0 to 100', () => {
    for (const bad of [-1, 101, 2.5, NaN, Infinity])
      assert.throws(() => weightsFromBurstPercent(bad), RangeError);
  });
});

describe('quantise', () => {
  const cases: [number, number, number][] = [
    [0, 5, 0],
    [-3, 5, 0],
    [1, 5, 5],
    [20, 5, 20],
    [20.000000000000004, 5, 20],
    [21, 5, 25],
    [96, 5, 100],
    [100, 5, 100],
    [95, 30, 100],
    [31, 30, 60],
    [37, 1, 37],
    [1, 100, 100],
  ];
  for (const [percent, step, expected] of cases)
    test(`quantise(${percent}, ${step}) = ${expected}`, () =>
      assert.equal(quantise(percent, step), expected));

  test('refuses a step outside 1–100 or a non-finite share', () => {
    assert.throws(() => quantise(10, 0), RangeError);
    assert.throws(() => quantise(10, 2.5), RangeError);
    assert.throws(() => quantise(NaN, 5), RangeError);
  });

  test('rounds up to a multiple of the step (or 100), never down', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 100, noNaN: true }),
        fc.integer({ min: 1, max: 100 }),
        (p, step) => {
          const q = quantise(p, step);
          assert.ok(Number.isInteger(q) && q >= 0 && q <= 100);
          assert.ok(q === 100 || q % step === 0);
          assert.ok(q >= p - 1e-6);
          assert.ok(q - p < step + 1e-6);
        },
      ),
    );
  });
});

test('sameWeights and formatWeights', () => {
  assert.ok(sameWeights({ primary: 70, burst: 30 }, { primary: 70, burst: 30 }));
  assert.ok(!sameWeights({ primary: 70, burst: 30 }, { primary: 30, burst: 70 }));
  assert.equal(formatWeights({ primary: 70, burst: 30 }), 'primary 70 / burst 30');
});
