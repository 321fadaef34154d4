import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatTarget, parseTarget } from './message.js';
import { formatRfc3339, parseRfc3339 } from './rfc3339.js';

describe('parseRfc3339', () => {
  test('formatRfc3339 writes what parseRfc3339 reads', () => {
    const date = new Date('2026-11-26T10:00:00.250Z');
    assert.equal(parseRfc3339(formatRfc3339(date))?.getTime(), date.getTime());
  });
  const good: [string, string][] = [
    ['2026-11-26T10:00:00Z', '2026-11-26T10:00:00.000Z'],
    ['2026-11-26t10:00:00z', '2026-11-26T10:00:00.000Z'],
    ['2026-11-26T11:30:00+01:30', '2026-11-26T10:00:00.000Z'],
    ['2026-11-26T05:00:00.123456789-05:00', '2026-11-26T10:00:00.123Z'],
    ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00.000Z'],
  ];
  for (const [text, iso] of good)
    test(`reads ${text}`, () => assert.equal(parseRfc3339(text)?.toISOString(), iso));
  for (const bad of [
    '2026-11-26',
    '2026-11-26 10:00:00Z',
    '2026-11-26T10:00Z',
    '2026-13-01T00:00:00Z',
    '2025-02-29T00:00:00Z',
    '2026-11-26T24:00:00Z',
    '2026-11-26T23:59:60Z',
    '2026-11-26T10:00:00+24:00',
    '1969-12-31T23:59:59Z',
    ' 2026-11-26T10:00:00Z',
  ])
    test(`refuses ${JSON.stringify(bad)}`, () => assert.equal(parseRfc3339(bad), undefined));
});

describe('parseTarget', () => {
  test('formatTarget writes what parseTarget reads', () => {
    const target = { namespace: 'shop', virtualService: 'cart.v1' };
    assert.equal(formatTarget(target), 'shop/cart.v1');
    assert.deepEqual(parseTarget(formatTarget(target)), { ok: true, target });
  });
  test('namespace/virtualService', () => {
    assert.deepEqual(parseTarget('default/worker-virtual-service'), {
      ok: true,
      target: { namespace: 'default', virtualService: 'worker-virtual-service' },
    });
  });
  for (const bad of ['worker', 'a/b/c', '/x', 'x/', 'Default/x', 'default/X_Y', ''])
    test(`refuses ${JSON.stringify(bad)}`, () => assert.equal(parseTarget(bad).ok, false));
});
