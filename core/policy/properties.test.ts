import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { validateWeights } from '../weights.js';
import {
  DEFAULT_THRESHOLD_POLICY,
  FAILURE_CAUSES,
  decide,
  isFailureCause,
  nextState,
  parseFailurePolicy,
  parsePolicyConfig,
  type FailurePolicy,
  type Observation,
  type PolicyConfig,
  type PolicyState,
  type SpilloverPolicy,
  type Verdict,
} from './index.js';

const start = Date.UTC(2026, 10, 26, 10);

function spillover(fields: Record<string, unknown>): SpilloverPolicy {
  const parsed = parsePolicyConfig({ kind: 'spillover', ...fields });
  if (!parsed.ok || parsed.config.kind !== 'spillover') throw new Error(JSON.stringify(parsed));
  return parsed.config;
}

/** Any valid spillover policy; `hysteresis` left to its default when `withDefaultHysteresis`. */
const spilloverArb = (withDefaultHysteresis: boolean) =>
  fc
    .record({
      capacity: fc.double({ min: 0.5, max: 1000, noNaN: true }),
      step: fc.integer({ min: 1, max: 50 }),
      maxUpPerTick: fc.integer({ min: 1, max: 100 }),
      maxDownPerTick: fc.integer({ min: 1, max: 100 }),
      cooldownSeconds: fc.integer({ min: 0, max: 300 }),
      minDwellSeconds: fc.integer({ min: 0, max: 600 }),
      hysteresis: fc.double({ min: 0, max: 1, noNaN: true }),
    })
    .map(({ hysteresis, ...rest }) => spillover(withDefaultHysteresis ? rest : { ...rest, hysteresis }));

const thresholdArb = fc
  .tuple(fc.double({ min: 0, max: 500, noNaN: true }), fc.double({ min: 0.01, max: 500, noNaN: true }))
  .map(([low, gap]): PolicyConfig => ({ kind: 'threshold', low, high: low + gap }));

const failuresArb: fc.Arbitrary<FailurePolicy> = fc
  .array(fc.constantFrom('hold', 'primary'), {
    minLength: FAILURE_CAUSES.length,
    maxLength: FAILURE_CAUSES.length,
  })
  .map((actions) => {
    const parsed = parseFailurePolicy({
      actions: Object.fromEntries(FAILURE_CAUSES.map((cause, i) => [cause, actions[i]])),
    });
    if (!parsed.ok) throw new Error(parsed.problems.join('; '));
    return parsed.config;
  });

/** A starting state: cold, or any weights with any (or no) history. */
const stateArb: fc.Arbitrary<PolicyState | undefined> = fc.option(
  fc.record(
    {
      weights: fc.integer({ min: 0, max: 100 }).map((burst) => ({ primary: 100 - burst, burst })),
      changedAt: fc.integer({ min: 0, max: 1000 }).map((s) => new Date(start - s * 1000)),
      lastDirection: fc.constantFrom('up' as const, 'down' as const),
    },
    { requiredKeys: ['weights'] },
  ),
  { nil: undefined },
);

/** A raw reading as a source may hand it over, failures and odd values included. */
const observationArb: fc.Arbitrary<(now: Date) => Observation> = fc.oneof(
  { weight: 6, arbitrary: fc.double({ min: 0, max: 5000, noNaN: true }).map((rps) => ok(rps)) },
  { weight: 1, arbitrary: fc.constantFrom(NaN, Infinity, -Infinity, -1).map((rps) => ok(rps)) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 5 }).map((series) => ok(12, { series })) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 900 }).map((age) => ok(30, { age })) },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom('source-unreachable' as const, 'source-timeout' as const)
      .map((cause) => () => ({ ok: false as const, cause, detail: 'down' })),
  },
);

function ok(rps: number, extra: { series?: number; age?: number } = {}): (now: Date) => Observation {
  return (now) => ({
    ok: true,
    rps,
    at: new Date(now.getTime() - (extra.age ?? 1) * 1000),
    source: 'prometheus',
    query: 'q',
    series: extra.series ?? 1,
  });
}

/** Multiplicative noise within ±10 %, the extremes often (they are where flapping would show). */
const noiseArb = fc.oneof(fc.constantFrom(-0.1, 0.1), fc.double({ min: -0.1, max: 0.1, noNaN: true }));

type Tick = { now: Date; before: PolicyState | undefined; verdict: Verdict };

/** Runs ticks `everySeconds` apart from `state`, remembering the state the way the decider does. */
function run(
  policy: PolicyConfig,
  state: PolicyState | undefined,
  readings: ((now: Date) => Observation)[],
  gaps: number[],
  failures?: FailurePolicy,
): Tick[] {
  const ticks: Tick[] = [];
  let time = start;
  readings.forEach((reading, i) => {
    time += (gaps[i % gaps.length] ?? 60) * 1000;
    const now = new Date(time);
    const verdict = decide({ policy, failures, state, observation: reading(now), now });
    ticks.push({ now, before: state, verdict });
    state = nextState(state, verdict, now);
  });
  return ticks;
}

describe('properties of every policy', () => {
  test('published weights are integers 0–100 summing to 100, and never the current ones', () => {
    fc.assert(
      fc.property(
        fc.oneof(spilloverArb(false), thresholdArb, fc.constant(DEFAULT_THRESHOLD_POLICY)),
        failuresArb,
        stateArb,
        fc.array(observationArb, { minLength: 1, maxLength: 30 }),
        fc.array(fc.integer({ min: 1, max: 120 }), { minLength: 1, maxLength: 5 }),
        (policy, failures, state, readings, gaps) => {
          for (const { before, verdict } of run(policy, state, readings, gaps, failures)) {
            assert.ok(verdict.reason.length > 0 && verdict.reason.length <= 1024);
            if (verdict.action !== 'publish') continue;
            assert.equal(validateWeights(verdict.weights), undefined);
            if (before !== undefined) assert.notDeepEqual(verdict.weights, before.weights);
          }
        },
      ),
    );
  });
});

describe('properties of spillover', () => {
  test('from a cold start, the burst share is monotone in the rate', () => {
    fc.assert(
      fc.property(
        spilloverArb(false),
        fc.double({ min: 0, max: 10_000, noNaN: true }),
        fc.double({ min: 0, max: 10_000, noNaN: true }),
        (policy, a, b) => {
          const [low, high] = a <= b ? [a, b] : [b, a];
          const now = new Date(start);
          const burstAt = (rps: number) => {
            const verdict = decide({ policy, state: undefined, observation: ok(rps)(now), now });
            assert.equal(verdict.action, 'publish');
            return verdict.action === 'publish' ? verdict.weights.burst : -1;
          };
          assert.ok(burstAt(low) <= burstAt(high), `${low} → ${burstAt(low)}, ${high} → ${burstAt(high)}`);
        },
      ),
    );
  });

  test('every policy move respects maxUp/maxDownPerTick, the cooldown and the minimum dwell', () => {
    fc.assert(
      fc.property(
        spilloverArb(false),
        failuresArb,
        stateArb,
        fc.array(observationArb, { minLength: 1, maxLength: 40 }),
        fc.array(fc.integer({ min: 1, max: 120 }), { minLength: 1, maxLength: 5 }),
        (policy, failures, state, readings, gaps) => {
          // Tracked here independently of PolicyState: the last policy change, forgotten after a failure action.
          let last: { at: number; direction?: 'up' | 'down' } | undefined =
            state?.changedAt === undefined
              ? undefined
              : { at: state.changedAt.getTime(), direction: state.lastDirection };
          for (const { now, before, verdict } of run(policy, state, readings, gaps, failures)) {
            if (verdict.action !== 'publish') continue;
            if (isFailureCause(verdict.cause)) {
              last = undefined;
              continue;
            }
            if (before === undefined) {
              assert.equal(verdict.cause, 'cold-start');
              last = { at: now.getTime() };
              continue;
            }
            const delta = verdict.weights.burst - before.weights.burst;
            const direction = delta > 0 ? 'up' : 'down';
            if (delta > 0) assert.ok(delta <= policy.maxUpPerTick, `up ${delta} > ${policy.maxUpPerTick}`);
            else assert.ok(-delta <= policy.maxDownPerTick, `down ${-delta} > ${policy.maxDownPerTick}`);
            if (last !== undefined) {
              const age = (now.getTime() - last.at) / 1000;
              assert.ok(age >= policy.cooldownSeconds, `changed ${age} s after the last change`);
              if (last.direction !== undefined && last.direction !== direction)
                assert.ok(age >= policy.minDwellSeconds, `reversed ${age} s after the last change`);
            }
            last = { at: now.getTime(), direction };
          }
        },
      ),
    );
  });

  /** Rates right at the quantisation boundaries of a policy: where the target changes by one step. */
  function boundaries(policy: SpilloverPolicy): number[] {
    const rates: number[] = [policy.capacity];
    for (let burst = policy.step; burst < 100; burst += policy.step)
      rates.push((100 * policy.capacity) / (100 - burst));
    return rates;
  }

  test('no flapping: under ±10 % noise around any rate (boundaries included) the weights never reverse', () => {
    fc.assert(
      fc.property(
        spilloverArb(true),
        stateArb,
        fc.oneof(
          fc.double({ min: 0, max: 5000, noNaN: true }),
          fc.nat({ max: 1000 }).map((i) => -1 - i),
        ),
        fc.array(noiseArb, { minLength: 20, maxLength: 80 }),
        fc.array(fc.integer({ min: 1, max: 120 }), { minLength: 1, maxLength: 5 }),
        (policy, state, center, noise, gaps) => {
          // A negative `center` picks a boundary rate of this policy.
          const edges = boundaries(policy);
          const r0 = center >= 0 ? center : (edges[(-1 - center) % edges.length] as number);
          const ticks = run(
            policy,
            state,
            noise.map((u) => ok(r0 * (1 + u))),
            gaps,
          );
          const directions: ('up' | 'down')[] = [];
          for (const { before, verdict } of ticks) {
            if (verdict.action !== 'publish' || before === undefined) continue;
            directions.push(verdict.weights.burst > before.weights.burst ? 'up' : 'down');
          }
          const reversals = directions.filter((d, i) => i > 0 && d !== directions[i - 1]).length;
          assert.equal(reversals, 0, `r0 ${r0}: ${directions.join(' ')}`);
          // Settles: one-way moves, each a step, a slew cut or the way onto the step grid, within 0–100.
          const smallest = Math.min(policy.step, policy.maxUpPerTick, policy.maxDownPerTick);
          assert.ok(directions.length <= Math.ceil(100 / smallest) + 2, `${directions.length} moves`);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('properties of threshold', () => {
  test('no flapping: with the codelab defaults, ±10 % noise around any rate changes the weights at most once', () => {
    const rates = fc.oneof(
      fc.double({ min: 0, max: 60, noNaN: true }),
      fc.constantFrom(10, 15, 10 / 0.9, 10 / 1.1, 15 / 0.9, 15 / 1.1, 12.5),
    );
    fc.assert(
      fc.property(
        stateArb,
        rates,
        fc.array(noiseArb, { minLength: 20, maxLength: 80 }),
        (state, r0, noise) => {
          const ticks = run(
            DEFAULT_THRESHOLD_POLICY,
            state,
            noise.map((u) => ok(r0 * (1 + u))),
            [60],
          );
          const publishes = ticks.filter((t) => t.verdict.action === 'publish').length;
          assert.ok(publishes <= 1, `r0 ${r0}: ${publishes} changes`);
        },
      ),
    );
  });
});
