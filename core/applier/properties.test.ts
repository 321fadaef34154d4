import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { DecisionMessage } from '../decision/message.js';
import { validateWeights, type Weights } from '../weights.js';
import { planApply } from './rules.js';
import { HISTORY_LENGTH, type SpillwayState } from './state.js';

const t0 = Date.parse('2026-11-26T10:00:00Z');
const target = { namespace: 'default', virtualService: 'worker-virtual-service' };

/** A delivery: a message (ids from a small pool, so duplicates happen) and the time it arrives. */
const delivery = fc
  .record({
    kind: fc.constantFrom('auto', 'auto', 'override', 'release'),
    id: fc.integer({ min: 0, max: 15 }),
    issued: fc.integer({ min: 0, max: 600 }),
    delay: fc.integer({ min: 0, max: 120 }),
    burst: fc.integer({ min: 0, max: 100 }),
    ttl: fc.integer({ min: 1, max: 300 }),
  })
  .map(({ kind, id, issued, delay, burst, ttl }) => {
    const message: DecisionMessage = {
      version: 1,
      id: `${kind}-${id}`,
      kind: kind as DecisionMessage['kind'],
      issuedAt: new Date(t0 + issued * 1000).toISOString(),
      target,
      weights: { primary: 100 - burst, burst },
      reason: 'property',
      ...(kind === 'override' ? { until: new Date(t0 + (issued + ttl) * 1000).toISOString() } : {}),
    };
    return { message, at: new Date(t0 + (issued + delay) * 1000) };
  });

test('whatever arrives, in whatever order: valid weights, no id written twice, auto never beats an active override', () => {
  fc.assert(
    fc.property(fc.array(delivery, { maxLength: 60 }), (arrivals) => {
      // Deliveries happen in arrival order; the clock never goes back.
      const ordered = [...arrivals].sort((a, b) => a.at.getTime() - b.at.getTime());
      let state: SpillwayState = { history: [], problems: [] };
      let weights: Weights = { primary: 100, burst: 0 };
      const written = new Set<string>();
      for (const { message, at } of ordered) {
        const overrideActive =
          state.override !== undefined && Date.parse(state.override.until) > at.getTime();
        const plan = planApply(message, state, weights, at);
        if (!plan.write) continue;
        assert.ok(!written.has(message.id), `${message.id} written twice`);
        written.add(message.id);
        if (message.kind === 'auto')
          assert.ok(!overrideActive, 'an auto decision applied during an override');
        if (message.kind === 'release') assert.equal(plan.weights, undefined, 'a release never sets weights');
        if (plan.weights !== undefined) weights = plan.weights;
        assert.equal(validateWeights(weights), undefined);
        assert.deepEqual(plan.lastApplied.weights, weights, 'last-applied records the weights in force');
        assert.ok(plan.history.length <= HISTORY_LENGTH);
        assert.equal(plan.history[0]?.id, message.id);
        state = {
          lastApplied: plan.lastApplied,
          ...(plan.override === undefined ? {} : { override: plan.override }),
          history: plan.history,
          problems: [],
        };
      }
    }),
    { numRuns: 300 },
  );
});
